#include "common.h"
#include <linux/keyctl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <sys/fanotify.h>
#include <linux/landlock.h>
#include <linux/io_uring.h>
#include <linux/aio_abi.h>
#include <linux/mount.h>
#include <linux/futex.h>
#include <sys/uio.h>
#include <time.h>
#include <dirent.h>
int main(void) {
    BEGIN();
    int k = syscall(SYS_add_key, "user", "fidkey", "data", 4, KEY_SPEC_PROCESS_KEYRING);
    syscall(SYS_add_key, "user", NULL, NULL, 0, -99);
    syscall(SYS_add_key, BAD, "x", BAD, 5, KEY_SPEC_SESSION_KEYRING);
    syscall(SYS_request_key, "user", "fidkey", NULL, KEY_SPEC_PROCESS_KEYRING);
    syscall(SYS_request_key, "user", "nokey", "info", 0);
    syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
    char buf[64];
    syscall(SYS_keyctl, KEYCTL_READ, k, buf, 64);
    syscall(SYS_keyctl, KEYCTL_DESCRIBE, k, buf, 64);
    syscall(SYS_keyctl, KEYCTL_REVOKE, k);
    syscall(SYS_keyctl, KEYCTL_SETPERM, k, 0x3f3f0000);
    syscall(SYS_keyctl, KEYCTL_UPDATE, k, "nd", 2);
    syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);
    syscall(SYS_keyctl, KEYCTL_INVALIDATE, -1);
    syscall(SYS_keyctl, 9999, 1, 2, 3, 4);
    union bpf_attr at;
    memset(&at, 0, sizeof at);
    syscall(SYS_bpf, BPF_MAP_CREATE, &at, sizeof at);
    at.map_type = BPF_MAP_TYPE_ARRAY; at.key_size = 4; at.value_size = 8; at.max_entries = 4;
    strcpy(at.map_name, "fidmap");
    int bm = syscall(SYS_bpf, BPF_MAP_CREATE, &at, 72);
    uint32_t bk = 1; uint64_t bv = 42, bnk;
    memset(&at, 0, sizeof at); at.map_fd = bm; at.key = (uintptr_t)&bk; at.value = (uintptr_t)&bv; at.flags = BPF_ANY;
    syscall(SYS_bpf, BPF_MAP_UPDATE_ELEM, &at, 32);
    syscall(SYS_bpf, BPF_MAP_LOOKUP_ELEM, &at, 32);
    syscall(SYS_bpf, BPF_MAP_DELETE_ELEM, &at, 32);  /* value and flags set: strace's "..." */
    memset(&at, 0, sizeof at); at.map_fd = bm; at.key = (uintptr_t)&bk; at.next_key = (uintptr_t)&bnk;
    syscall(SYS_bpf, BPF_MAP_GET_NEXT_KEY, &at, 24);
    struct bpf_insn insns[2] = {{0xb7, 0, 0, 0, 0}, {0x95, 0, 0, 0, 0}};
    memset(&at, 0, sizeof at); at.prog_type = BPF_PROG_TYPE_SOCKET_FILTER; at.insn_cnt = 2;
    at.insns = (uintptr_t)insns; at.license = (uintptr_t)"GPL"; strcpy(at.prog_name, "fidprog");
    int bp = syscall(SYS_bpf, BPF_PROG_LOAD, &at, 128);
    char info[88];
    memset(&at, 0, sizeof at); at.info.bpf_fd = bm; at.info.info_len = sizeof info; at.info.info = (uintptr_t)info;
    syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &at, 16);
    memset(&at, 0, sizeof at); at.pathname = (uintptr_t)"/sys/fs/bpf/nope"; at.bpf_fd = bm;
    syscall(SYS_bpf, BPF_OBJ_PIN, &at, 16);
    syscall(SYS_bpf, BPF_OBJ_GET, &at, 16);
    memset(&at, 0, sizeof at); at.prog_id = 0x7ffffff0;
    syscall(SYS_bpf, BPF_PROG_GET_FD_BY_ID, &at, 12);
    syscall(SYS_bpf, BPF_MAP_FREEZE, &at, 4);
    syscall(SYS_bpf, BPF_PROG_LOAD, NULL, 0);
    syscall(SYS_bpf, BPF_MAP_CREATE, BAD, 72);
    syscall(SYS_bpf, 999, BAD, 16);
    close(bm); close(bp);
    struct perf_event_attr pa; memset(&pa, 0, sizeof pa);
    pa.size = sizeof pa; pa.type = PERF_TYPE_SOFTWARE; pa.config = PERF_COUNT_SW_TASK_CLOCK; pa.disabled = 1;
    int pf = syscall(SYS_perf_event_open, &pa, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    syscall(SYS_perf_event_open, NULL, -1, -1, -1, 0);
    memset(&pa, 0, sizeof pa);
    pa.size = sizeof pa; pa.type = PERF_TYPE_HARDWARE; pa.config = PERF_COUNT_HW_INSTRUCTIONS;
    pa.exclude_kernel = 1; pa.exclude_hv = 1; pa.inherit = 1;
    syscall(SYS_perf_event_open, &pa, 0, -1, -1, 0);
    memset(&pa, 0, sizeof pa);
    pa.size = 64; pa.type = PERF_TYPE_SOFTWARE; pa.config = PERF_COUNT_SW_CPU_CLOCK; pa.freq = 1; pa.sample_freq = 1000;
    pa.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID; pa.read_format = PERF_FORMAT_ID; pa.precise_ip = 2;
    close(syscall(SYS_perf_event_open, &pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC | PERF_FLAG_FD_NO_GROUP));
    memset(&pa, 0, sizeof pa);
    pa.size = sizeof pa; pa.type = 99; pa.config = 0x1234;
    syscall(SYS_perf_event_open, &pa, 0, -1, -1, 0x100);
    close(pf);
    int fa = syscall(SYS_fanotify_init, FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE);
    syscall(SYS_fanotify_mark, fa, FAN_MARK_ADD, FAN_OPEN | FAN_CLOSE_WRITE, AT_FDCWD, "/tmp");
    syscall(SYS_fanotify_mark, -1, 0x12345, 0x7fffffffULL, -1, NULL);
    syscall(SYS_fanotify_init, 0xf0000000, 0);
    close(fa);
    struct landlock_ruleset_attr ra = {.handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_EXECUTE};
    int ll = syscall(SYS_landlock_create_ruleset, &ra, sizeof ra, 0);
    syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    struct landlock_path_beneath_attr pb = {.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE, .parent_fd = -1};
    syscall(SYS_landlock_add_rule, ll, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
    syscall(SYS_landlock_add_rule, -1, 99, NULL, 7);
    syscall(SYS_landlock_restrict_self, -1, 0);
    close(ll);
    struct io_uring_params up; memset(&up, 0, sizeof up);
    int ur = syscall(SYS_io_uring_setup, 4, &up);
    syscall(SYS_io_uring_setup, 0, NULL);
    syscall(SYS_io_uring_enter, ur, 0, 0, IORING_ENTER_GETEVENTS, NULL, 0);
    syscall(SYS_io_uring_enter, -1, 1, 1, 0xff, BAD, 8);
    syscall(SYS_io_uring_register, ur, IORING_REGISTER_PROBE, NULL, 0);
    syscall(SYS_io_uring_register, -1, 999, BAD, 3);
    close(ur);
    aio_context_t ctx = 0;
    syscall(SYS_io_setup, 4, &ctx);
    syscall(SYS_io_setup, 0, NULL);
    struct io_event evs[2];
    struct timespec ts = {0, 1000};
    syscall(SYS_io_getevents, ctx, 0, 2, evs, &ts);
    syscall(SYS_io_submit, ctx, 0, NULL);
    syscall(SYS_io_cancel, ctx, BAD, evs);
    syscall(SYS_io_pgetevents, ctx, 0, 2, evs, NULL, NULL);
    syscall(SYS_io_destroy, ctx);
    syscall(SYS_io_destroy, 0);
    int fs = syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
    syscall(SYS_fsopen, "nofs", 0x10);
    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "1M", 0);
    syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "ro", NULL, 0);
    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
    syscall(SYS_fsconfig, -1, 99, BAD, BAD, 5);
    int mf = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC);
    syscall(SYS_fsmount, -1, 2, 0x40000000);
    syscall(SYS_fspick, AT_FDCWD, "/nonexistent", FSPICK_CLOEXEC | FSPICK_NO_AUTOMOUNT);
    syscall(SYS_move_mount, mf, "", AT_FDCWD, "/nonexistent", MOVE_MOUNT_F_EMPTY_PATH);
    struct mount_attr ma = {.attr_set = MOUNT_ATTR_NOSUID, .propagation = 0};
    syscall(SYS_mount_setattr, mf, "", AT_EMPTY_PATH, &ma, sizeof ma);
    syscall(SYS_mount_setattr, -1, NULL, 0, NULL, 0);
    syscall(SYS_open_tree, AT_FDCWD, "/tmp", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    close(mf); close(fs);
    syscall(SYS_mount, "none", "/nonexistent", "tmpfs", MS_RDONLY | MS_NOSUID, "size=1M");
    syscall(SYS_mount, NULL, "/nonexistent", NULL, MS_REMOUNT | MS_BIND, NULL);
    syscall(SYS_mount, BAD, BAD, BAD, 0xC0ED0000 | 0x4000, BAD);
    syscall(SYS_umount2, "/nonexistent", 3);
    syscall(SYS_umount2, BAD, 0x40);
    uint32_t fw = 0;
    struct futex_waitv wv[1] = {{.val = 1, .uaddr = (uintptr_t)&fw, .flags = FUTEX_32 | FUTEX_PRIVATE_FLAG}};
    syscall(SYS_futex_waitv, wv, 1, 0, NULL, CLOCK_MONOTONIC);
    syscall(SYS_futex_waitv, NULL, 0, 1, BAD, CLOCK_REALTIME);
    int d = open("/tmp", O_RDONLY | O_DIRECTORY);
    syscall(SYS_getdents, d, buf, 64);
    syscall(SYS_getdents, -1, NULL, 0);
    syscall(SYS_sync_file_range, d, 0, 4096, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE);
    syscall(SYS_sync_file_range, -1, -1, 0, 0xf0);
    int pp[2]; pipe(pp);
    struct iovec iv = {"abc", 3};
    syscall(SYS_vmsplice, pp[1], &iv, 1, SPLICE_F_NONBLOCK);
    syscall(SYS_vmsplice, -1, NULL, 0, 0xff);
    struct { unsigned int b; int t; unsigned char h[128]; } fh = {128};
    int mid;
    syscall(SYS_name_to_handle_at, AT_FDCWD, "/tmp", &fh, &mid, 0);
    syscall(SYS_name_to_handle_at, d, "", NULL, NULL, AT_EMPTY_PATH);
    syscall(SYS_open_by_handle_at, d, &fh, O_RDONLY);
    syscall(SYS_open_by_handle_at, -1, NULL, O_RDWR | O_CLOEXEC);
    unsigned long nm = 1;
    syscall(SYS_mbind, NULL, 4096, 0, &nm, 2, 0);
    syscall(SYS_set_mempolicy, 0, NULL, 0);
    int mode;
    syscall(SYS_get_mempolicy, &mode, NULL, 0, NULL, 0);
    syscall(SYS_get_mempolicy, NULL, &nm, 64, BAD, 3);
    syscall(SYS_migrate_pages, 0, 64, &nm, &nm);
    syscall(SYS_move_pages, 0, 0, NULL, NULL, NULL, 2);
    syscall(SYS_quotactl, 0x800002, "/dev/null", 0, NULL);
    syscall(SYS_quotactl_fd, d, 0x800002, 0, NULL);
    syscall(SYS_lookup_dcookie, 0, NULL, 0);
    syscall(SYS_ustat, 0, BAD);
    syscall(SYS_sysfs, 1, "ext4");
    syscall(SYS_sysfs, 2, 0, buf);
    syscall(SYS_sysfs, 3);
    syscall(SYS_kexec_load, 0, 0, NULL, 0);
    syscall(SYS_kexec_file_load, -1, -1, 0, "", 0);
    return 0;
}
