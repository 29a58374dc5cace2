"""Kernel-facing calls: mounts (mount, the fsopen API), keys, modules, bpf, perf, fanotify,
landlock, io_uring, aio, capabilities, and the administrator's calls (reboot, swap, syslog...),
as strace's mount.c, fsmount.c, keyctl.c, bpf.c, perf.c, fanotify.c, landlock.c, io_uring.c,
aio.c, capability.c print them."""

from __future__ import annotations

import struct
from typing import Any, Callable

from libctrace.syscalls.decode.core import (
    AT_BITS,
    DIRFD,
    HEX,
    INT,
    LONG,
    PATH,
    PTR,
    STR,
    UINT,
    ULONG,
    Args,
    Decoder,
    FdTable,
    Handler,
    Kind,
    cquote,
    dirfd,
    flags,
    hx,
    in_struct,
    int32,
    kflags,
    open_flags,
    out_struct,
    ptr,
    sflags,
    uflags,
    xlat,
)
from libctrace.syscalls.decode.file import OPEN_TREE_BITS, makedev
from libctrace.syscalls.decode.timers import timespec

# ---------------------------------------------------------------- mount and the mount API

_MS_BITS = (
    (1, "MS_RDONLY"), (2, "MS_NOSUID"), (4, "MS_NODEV"), (8, "MS_NOEXEC"), (16, "MS_SYNCHRONOUS"),
    (32, "MS_REMOUNT"), (64, "MS_MANDLOCK"), (128, "MS_DIRSYNC"), (256, "MS_NOSYMFOLLOW"), (1024, "MS_NOATIME"),
    (2048, "MS_NODIRATIME"), (4096, "MS_BIND"), (8192, "MS_MOVE"), (16384, "MS_REC"), (32768, "MS_SILENT"),
    (1 << 16, "MS_POSIXACL"), (1 << 17, "MS_UNBINDABLE"), (1 << 18, "MS_PRIVATE"), (1 << 19, "MS_SLAVE"),
    (1 << 20, "MS_SHARED"), (1 << 21, "MS_RELATIME"), (1 << 22, "MS_KERNMOUNT"), (1 << 23, "MS_I_VERSION"),
    (1 << 24, "MS_STRICTATIME"), (1 << 25, "MS_LAZYTIME"), (1 << 26, "MS_SUBMOUNT"), (1 << 27, "MS_NOREMOTELOCK"),
    (1 << 28, "MS_NOSEC"), (1 << 29, "MS_BORN"), (1 << 30, "MS_ACTIVE"), (1 << 31, "MS_NOUSER"),
)
_MS_MGC_VAL, _MS_MGC_MSK = 0xC0ED0000, 0xFFFF0000


def _mount_flags(v: int) -> str:
    """MS_MGC_VAL, the old magic in the upper half, is named before the flags."""
    if v & _MS_MGC_MSK == _MS_MGC_VAL:
        rest = v & ~_MS_MGC_MSK
        return "MS_MGC_VAL" + (f"|{flags(rest, _MS_BITS)}" if rest else "")
    return flags(v, _MS_BITS)


def _mount(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fl = a[3] & 0xFFFFFFFF
    # The file system type only matters for a new mount; data is a string unless it is binary.
    typ = d.string(tid, a[2]) if a[2] and not fl & (32 | 4096 | 8192 | 0x1E0000) else a[2]
    return [d.string(tid, a[0]), d.path(tid, a[1]), typ, _mount_flags(fl),
            d.string(tid, a[4])]


_MNT_BITS = ((1, "MNT_FORCE"), (2, "MNT_DETACH"), (4, "MNT_EXPIRE"), (8, "UMOUNT_NOFOLLOW"))
_MOUNT_ATTR = (
    (1, "MOUNT_ATTR_RDONLY"), (2, "MOUNT_ATTR_NOSUID"), (4, "MOUNT_ATTR_NODEV"), (8, "MOUNT_ATTR_NOEXEC"),
    (0x70, "MOUNT_ATTR_STRICTATIME"), (0x10, "MOUNT_ATTR_NOATIME"), (0x80, "MOUNT_ATTR_NODIRATIME"),
    (0x100000, "MOUNT_ATTR_IDMAP"), (0x200000, "MOUNT_ATTR_NOSYMFOLLOW"),
)
_FSCONFIG = {0: "FSCONFIG_SET_FLAG", 1: "FSCONFIG_SET_STRING", 2: "FSCONFIG_SET_BINARY", 3: "FSCONFIG_SET_PATH",
             4: "FSCONFIG_SET_PATH_EMPTY", 5: "FSCONFIG_SET_FD", 6: "FSCONFIG_CMD_CREATE",
             7: "FSCONFIG_CMD_RECONFIGURE", 8: "FSCONFIG_CMD_CREATE_EXCL"}
_MOVE_MOUNT_BITS = ((1, "MOVE_MOUNT_F_SYMLINKS"), (2, "MOVE_MOUNT_F_AUTOMOUNTS"), (4, "MOVE_MOUNT_F_EMPTY_PATH"),
                    (0x10, "MOVE_MOUNT_T_SYMLINKS"), (0x20, "MOVE_MOUNT_T_AUTOMOUNTS"),
                    (0x40, "MOVE_MOUNT_T_EMPTY_PATH"), (0x100, "MOVE_MOUNT_SET_GROUP"), (0x200, "MOVE_MOUNT_BENEATH"))
_MS_PROPAGATION = {0: "0", 1 << 17: "MS_UNBINDABLE", 1 << 18: "MS_PRIVATE", 1 << 19: "MS_SLAVE", 1 << 20: "MS_SHARED"}


def _fsconfig(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    cmd = a[1] & 0xFFFFFFFF
    out: list[Any] = [int32(a[0]), xlat(cmd, _FSCONFIG, "FSCONFIG_???")]
    key = d.string(tid, a[2]) if a[2] and cmd <= 5 else a[2]
    if cmd in (1, 3, 4):  # a string value (a path for SET_PATH*)
        value: Any = d.string(tid, a[3])
    elif cmd == 2:
        value = d.buf(tid, a[3], int32(a[4]))
    else:
        value = a[3]
    return out + [key, value, int32(a[4])]


def _mount_attr(raw: bytes) -> str:
    aset, aclr, prop, userns = struct.unpack_from("=4Q", raw)
    p = _MS_PROPAGATION.get(prop) or f"{prop:#x}"
    return (f"{{attr_set={flags(aset, _MOUNT_ATTR)}, attr_clr={flags(aclr, _MOUNT_ATTR)}, "
            f"propagation={p if prop else '0 /* MS_??? */'}, userns_fd={userns}}}")


def _mount_attr_arg(d: Decoder, tid: int, addr: int, size: int) -> str:
    return in_struct(d, tid, addr, 32, _mount_attr) if size >= 32 else ptr(addr)


def _mount_setattr(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [dirfd(a[0]), d.path(tid, a[1]), sflags(a[2], AT_BITS),
            _mount_attr_arg(d, tid, a[3], a[4]), a[4]]


def _open_tree_attr(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [dirfd(a[0]), d.path(tid, a[1]), sflags(a[2], OPEN_TREE_BITS), _mount_attr_arg(d, tid, a[3], a[4]), a[4]]


# ---------------------------------------------------------------- keys

_KEY_SPEC = {-1: "KEY_SPEC_THREAD_KEYRING", -2: "KEY_SPEC_PROCESS_KEYRING", -3: "KEY_SPEC_SESSION_KEYRING",
             -4: "KEY_SPEC_USER_KEYRING", -5: "KEY_SPEC_USER_SESSION_KEYRING", -6: "KEY_SPEC_GROUP_KEYRING",
             -7: "KEY_SPEC_REQKEY_AUTH_KEY", -8: "KEY_SPEC_REQUESTOR_KEYRING"}
_KEYCTL = {
    0: "KEYCTL_GET_KEYRING_ID", 1: "KEYCTL_JOIN_SESSION_KEYRING", 2: "KEYCTL_UPDATE", 3: "KEYCTL_REVOKE",
    4: "KEYCTL_CHOWN", 5: "KEYCTL_SETPERM", 6: "KEYCTL_DESCRIBE", 7: "KEYCTL_CLEAR", 8: "KEYCTL_LINK",
    9: "KEYCTL_UNLINK", 10: "KEYCTL_SEARCH", 11: "KEYCTL_READ", 12: "KEYCTL_INSTANTIATE", 13: "KEYCTL_NEGATE",
    14: "KEYCTL_SET_REQKEY_KEYRING", 15: "KEYCTL_SET_TIMEOUT", 16: "KEYCTL_ASSUME_AUTHORITY",
    17: "KEYCTL_GET_SECURITY", 18: "KEYCTL_SESSION_TO_PARENT", 19: "KEYCTL_REJECT", 20: "KEYCTL_INSTANTIATE_IOV",
    21: "KEYCTL_INVALIDATE", 22: "KEYCTL_GET_PERSISTENT", 23: "KEYCTL_DH_COMPUTE", 24: "KEYCTL_PKEY_QUERY",
    25: "KEYCTL_PKEY_ENCRYPT", 26: "KEYCTL_PKEY_DECRYPT", 27: "KEYCTL_PKEY_SIGN", 28: "KEYCTL_PKEY_VERIFY",
    29: "KEYCTL_RESTRICT_KEYRING", 30: "KEYCTL_MOVE", 31: "KEYCTL_CAPABILITIES", 32: "KEYCTL_WATCH_KEY",
}
_KEY_PERM = tuple((1 << (s + i), f"KEY_{who}_{p}") for who, s in (("POS", 24), ("USR", 16), ("GRP", 8), ("OTH", 0))
                  for i, p in enumerate(("VIEW", "READ", "WRITE", "SEARCH", "LINK", "SETATTR")))


def _key(v: int) -> str | int:
    k = int32(v)
    return _KEY_SPEC.get(k, k)


def _add_key(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [d.string(tid, a[0]), d.string(tid, a[1]), d.buf(tid, a[2], a[3]), a[3], _key(a[4])]


def _request_key(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [d.string(tid, a[0]), d.string(tid, a[1]), d.string(tid, a[2]),
            _key(a[3])]


def _keyctl(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    op = a[0] & 0xFFFFFFFF
    name = _KEYCTL.get(op)
    if name is None:
        return [f"{op:#x} /* KEYCTL_??? */", *(hx(v) for v in a[1:5])]
    if op in (3, 7, 16, 21):  # one key
        return [name, _key(a[1])]
    if op == 18:
        return [name]
    if op == 0:
        return [name, _key(a[1]), int32(a[2])]
    if op == 1:
        return [name, d.string(tid, a[1])]
    if op == 2:
        return [name, _key(a[1]), d.buf(tid, a[2], a[3]), a[3]]
    if op == 4:
        return [name, _key(a[1]), int32(a[2]), int32(a[3])]
    if op == 5:
        return [name, _key(a[1]), flags(a[2] & 0xFFFFFFFF, _KEY_PERM)]
    if op in (6, 17):  # a string the kernel writes
        return [name, _key(a[1]), d.string(tid, a[2]) if r >= 0 else a[2], a[3]]
    if op == 11:
        return [name, _key(a[1]), d.buf(tid, a[2], min(r, a[3])) if r >= 0 else ptr(a[2]), a[3]]
    if op in (8, 9):
        return [name, _key(a[1]), _key(a[2])]
    if op == 10:
        return [name, _key(a[1]), d.string(tid, a[2]), d.string(tid, a[3]), _key(a[4])]
    if op == 15:
        return [name, _key(a[1]), a[2] & 0xFFFFFFFF]
    if op == 14:
        return [name, int32(a[1])]
    if op == 22:
        return [name, int32(a[1]), _key(a[2])]
    return [name, *(hx(v) for v in a[1:5])]


# ---------------------------------------------------------------- bpf, perf, fanotify, landlock

_BPF_CMDS = ("MAP_CREATE", "MAP_LOOKUP_ELEM", "MAP_UPDATE_ELEM", "MAP_DELETE_ELEM", "MAP_GET_NEXT_KEY", "PROG_LOAD",
             "OBJ_PIN", "OBJ_GET", "PROG_ATTACH", "PROG_DETACH", "PROG_TEST_RUN", "PROG_GET_NEXT_ID",
             "MAP_GET_NEXT_ID", "PROG_GET_FD_BY_ID", "MAP_GET_FD_BY_ID", "OBJ_GET_INFO_BY_FD", "PROG_QUERY",
             "RAW_TRACEPOINT_OPEN", "BTF_LOAD", "BTF_GET_FD_BY_ID", "TASK_FD_QUERY", "MAP_LOOKUP_AND_DELETE_ELEM",
             "MAP_FREEZE", "BTF_GET_NEXT_ID", "MAP_LOOKUP_BATCH", "MAP_LOOKUP_AND_DELETE_BATCH", "MAP_UPDATE_BATCH",
             "MAP_DELETE_BATCH", "LINK_CREATE", "LINK_UPDATE", "LINK_GET_FD_BY_ID", "LINK_GET_NEXT_ID",
             "ENABLE_STATS", "ITER_CREATE", "LINK_DETACH", "PROG_BIND_MAP", "TOKEN_CREATE")
_BPF = {i: "BPF_" + n for i, n in enumerate(_BPF_CMDS)}

_BPF_MAP_TYPES = ("UNSPEC", "HASH", "ARRAY", "PROG_ARRAY", "PERF_EVENT_ARRAY", "PERCPU_HASH", "PERCPU_ARRAY",
                  "STACK_TRACE", "CGROUP_ARRAY", "LRU_HASH", "LRU_PERCPU_HASH", "LPM_TRIE", "ARRAY_OF_MAPS",
                  "HASH_OF_MAPS", "DEVMAP", "SOCKMAP", "CPUMAP", "XSKMAP", "SOCKHASH", "CGROUP_STORAGE",
                  "REUSEPORT_SOCKARRAY", "PERCPU_CGROUP_STORAGE", "QUEUE", "STACK", "SK_STORAGE", "DEVMAP_HASH",
                  "STRUCT_OPS", "RINGBUF", "INODE_STORAGE", "TASK_STORAGE", "BLOOM_FILTER", "USER_RINGBUF",
                  "CGRP_STORAGE", "ARENA")
_BPF_PROG_TYPES = ("UNSPEC", "SOCKET_FILTER", "KPROBE", "SCHED_CLS", "SCHED_ACT", "TRACEPOINT", "XDP", "PERF_EVENT",
                   "CGROUP_SKB", "CGROUP_SOCK", "LWT_IN", "LWT_OUT", "LWT_XMIT", "SOCK_OPS", "SK_SKB",
                   "CGROUP_DEVICE", "SK_MSG", "RAW_TRACEPOINT", "CGROUP_SOCK_ADDR", "LWT_SEG6LOCAL", "LIRC_MODE2",
                   "SK_REUSEPORT", "FLOW_DISSECTOR", "CGROUP_SYSCTL", "RAW_TRACEPOINT_WRITABLE", "CGROUP_SOCKOPT",
                   "TRACING", "STRUCT_OPS", "EXT", "LSM", "SK_LOOKUP", "SYSCALL", "NETFILTER")
_BPF_ATTACH = ("CGROUP_INET_INGRESS", "CGROUP_INET_EGRESS", "CGROUP_INET_SOCK_CREATE", "CGROUP_SOCK_OPS",
               "SK_SKB_STREAM_PARSER", "SK_SKB_STREAM_VERDICT", "CGROUP_DEVICE", "SK_MSG_VERDICT", "CGROUP_INET4_BIND",
               "CGROUP_INET6_BIND", "CGROUP_INET4_CONNECT", "CGROUP_INET6_CONNECT", "CGROUP_INET4_POST_BIND",
               "CGROUP_INET6_POST_BIND", "CGROUP_UDP4_SENDMSG", "CGROUP_UDP6_SENDMSG", "LIRC_MODE2",
               "FLOW_DISSECTOR", "CGROUP_SYSCTL", "CGROUP_UDP4_RECVMSG", "CGROUP_UDP6_RECVMSG", "CGROUP_GETSOCKOPT",
               "CGROUP_SETSOCKOPT", "TRACE_RAW_TP", "TRACE_FENTRY", "TRACE_FEXIT", "MODIFY_RETURN", "LSM_MAC",
               "TRACE_ITER", "CGROUP_INET4_GETPEERNAME", "CGROUP_INET6_GETPEERNAME", "CGROUP_INET4_GETSOCKNAME",
               "CGROUP_INET6_GETSOCKNAME", "XDP_DEVMAP", "CGROUP_INET_SOCK_RELEASE", "XDP_CPUMAP", "SK_LOOKUP", "XDP",
               "SK_SKB_VERDICT", "SK_REUSEPORT_SELECT", "SK_REUSEPORT_SELECT_OR_MIGRATE", "PERF_EVENT",
               "TRACE_KPROBE_MULTI", "LSM_CGROUP", "STRUCT_OPS", "NETFILTER")
_BPF_MAP_FLAGS = tuple((1 << i, "BPF_F_" + n) for i, n in enumerate((
    "NO_PREALLOC", "NO_COMMON_LRU", "NUMA_NODE", "RDONLY", "WRONLY", "STACK_BUILD_ID", "ZERO_SEED", "RDONLY_PROG",
    "WRONLY_PROG", "CLONE", "MMAPABLE", "PRESERVE_ELEMS", "INNER_MAP")))
_BPF_PROG_FLAGS = tuple((1 << i, "BPF_F_" + n) for i, n in enumerate((
    "STRICT_ALIGNMENT", "ANY_ALIGNMENT", "TEST_RND_HI32", "TEST_STATE_FREQ", "SLEEPABLE", "XDP_HAS_FRAGS")))
_BPF_ELEM_FLAGS = {0: "BPF_ANY", 1: "BPF_NOEXIST", 2: "BPF_EXIST", 4: "BPF_F_LOCK"}


def _enum(names: tuple[str, ...], prefix: str) -> Callable[[int], str]:
    return lambda v: prefix + names[v] if v < len(names) else f"{v:#x} /* {prefix}??? */"


# How each kind of 32-bit field is printed.
_BPF_U32: dict[str, Callable[[int], str]] = {
    "u32": str, "fd": lambda v: str(int32(v)),
    "kver": lambda v: f"KERNEL_VERSION({v >> 16}, {v >> 8 & 0xFF}, {v & 0xFF})",
    "map_type": _enum(_BPF_MAP_TYPES, "BPF_MAP_TYPE_"), "prog_type": _enum(_BPF_PROG_TYPES, "BPF_PROG_TYPE_"),
    "attach": _enum(_BPF_ATTACH, "BPF_"), "map_flags": lambda v: flags(v, _BPF_MAP_FLAGS),
    "prog_flags": lambda v: flags(v, _BPF_PROG_FLAGS), "elem_flags": lambda v: xlat(v, _BPF_ELEM_FLAGS, "BPF_???"),
}


def _bpf_field(d: Decoder, tid: int, raw: bytes, off: int, kind: str) -> str:
    if kind == "u64":
        return str(struct.unpack_from("=Q", raw, off)[0])
    if kind in ("ptr", "str"):
        p = struct.unpack_from("=Q", raw, off)[0]
        text = d.mem.cstr(tid, p, d.strsize) if kind == "str" and p else None
        return cquote(text, d.strsize) if text is not None else ptr(p)
    if kind == "name":
        return cquote(raw[off:off + 16].split(b"\0", 1)[0], d.strsize)
    return _BPF_U32[kind](struct.unpack_from("=I", raw, off)[0])


_SIZES = {"u64": 8, "ptr": 8, "str": 8, "name": 16}
# Each command's union bpf_attr member: (field, offset, kind), as strace's bpf.c prints it.
_ELEM = (("map_fd", 0, "fd"), ("key", 8, "ptr"))
_GET_ID = (("next_id", 4, "u32"), ("open_flags", 8, "u32"))
_BPF_ATTRS: dict[int, tuple[tuple[str, int, str], ...]] = {
    0: (("map_type", 0, "map_type"), ("key_size", 4, "u32"), ("value_size", 8, "u32"), ("max_entries", 12, "u32"),
        ("map_flags", 16, "map_flags"), ("inner_map_fd", 20, "fd"), ("numa_node", 24, "u32"), ("map_name", 28, "name"),
        ("map_ifindex", 44, "u32"), ("btf_fd", 48, "fd"), ("btf_key_type_id", 52, "u32"),
        ("btf_value_type_id", 56, "u32"), ("btf_vmlinux_value_type_id", 60, "u32"), ("map_extra", 64, "u64")),
    1: (*_ELEM, ("value", 16, "ptr"), ("flags", 24, "elem_flags")),
    2: (*_ELEM, ("value", 16, "ptr"), ("flags", 24, "elem_flags")),
    3: _ELEM, 4: (*_ELEM, ("next_key", 16, "ptr")),
    5: (("prog_type", 0, "prog_type"), ("insn_cnt", 4, "u32"), ("insns", 8, "ptr"), ("license", 16, "str"),
        ("log_level", 24, "u32"), ("log_size", 28, "u32"), ("log_buf", 32, "ptr"), ("kern_version", 40, "kver"),
        ("prog_flags", 44, "prog_flags"), ("prog_name", 48, "name"), ("prog_ifindex", 64, "u32"),
        ("expected_attach_type", 68, "attach"), ("prog_btf_fd", 72, "fd"), ("func_info_rec_size", 76, "u32"),
        ("func_info", 80, "ptr"), ("func_info_cnt", 88, "u32"), ("line_info_rec_size", 92, "u32"),
        ("line_info", 96, "ptr"), ("line_info_cnt", 104, "u32"), ("attach_btf_id", 108, "u32"),
        ("attach_prog_fd", 112, "fd"), ("fd_array", 120, "ptr")),
    6: (("pathname", 0, "str"), ("bpf_fd", 8, "fd"), ("file_flags", 12, "u32")),
    7: (("pathname", 0, "str"), ("bpf_fd", 8, "fd"), ("file_flags", 12, "u32")),
    8: (("target_fd", 0, "fd"), ("attach_bpf_fd", 4, "fd"), ("attach_type", 8, "attach"), ("attach_flags", 12, "u32")),
    9: (("target_fd", 0, "fd"), ("attach_bpf_fd", 4, "fd"), ("attach_type", 8, "attach")),
    11: (("start_id", 0, "u32"), *_GET_ID), 12: (("start_id", 0, "u32"), *_GET_ID),
    13: (("prog_id", 0, "u32"), *_GET_ID), 14: (("map_id", 0, "u32"), *_GET_ID),
    21: (*_ELEM, ("value", 16, "ptr"), ("flags", 24, "elem_flags")),
    15: (), 22: (("map_fd", 0, "fd"),), 23: (("start_id", 0, "u32"), *_GET_ID),
}


def _bpf_attr(d: Decoder, tid: int, cmd: int, addr: int, size: int) -> str:
    fields = _BPF_ATTRS.get(cmd)
    if fields is None or addr == 0:
        return ptr(addr)
    raw = d.mem.read(tid, addr, min(size, 256))
    if len(raw) < min(size, 256) or not raw:
        return ptr(addr)
    if cmd == 15:  # OBJ_GET_INFO_BY_FD: one nested struct
        if len(raw) < 16:
            return ptr(addr)
        bfd, ilen, info = struct.unpack_from("=IIQ", raw)
        return f"{{info={{bpf_fd={int32(bfd)}, info_len={ilen}, info={ptr(info)}}}}}"
    parts, end = [], 0
    for name, off, kind in fields:
        n = _SIZES.get(kind, 4)
        if off + n > len(raw):
            break
        if name == "numa_node" and not struct.unpack_from("=I", raw, 16)[0] & 4:
            continue  # only with BPF_F_NUMA_NODE
        parts.append(f"{name}={_bpf_field(d, tid, raw, off, kind)}")
        end = off + n
    if any(raw[end:]):
        parts.append("...")
    return "{" + ", ".join(parts) + "}"


def _bpf(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    cmd = a[0] & 0xFFFFFFFF
    size = a[2] & 0xFFFFFFFF
    return [xlat(cmd, _BPF, "BPF_???"), _bpf_attr(d, tid, cmd, a[1], size), size]


_PERF_TYPE = {0: "PERF_TYPE_HARDWARE", 1: "PERF_TYPE_SOFTWARE", 2: "PERF_TYPE_TRACEPOINT", 3: "PERF_TYPE_HW_CACHE",
              4: "PERF_TYPE_RAW", 5: "PERF_TYPE_BREAKPOINT"}
_PERF_HW = ("CPU_CYCLES", "INSTRUCTIONS", "CACHE_REFERENCES", "CACHE_MISSES", "BRANCH_INSTRUCTIONS", "BRANCH_MISSES",
            "BUS_CYCLES", "STALLED_CYCLES_FRONTEND", "STALLED_CYCLES_BACKEND", "REF_CPU_CYCLES")
_PERF_SW = ("CPU_CLOCK", "TASK_CLOCK", "PAGE_FAULTS", "CONTEXT_SWITCHES", "CPU_MIGRATIONS", "PAGE_FAULTS_MIN",
            "PAGE_FAULTS_MAJ", "ALIGNMENT_FAULTS", "EMULATION_FAULTS", "DUMMY", "BPF_OUTPUT", "CGROUP_SWITCHES")
_PERF_CONFIG = {0: {i: "PERF_COUNT_HW_" + n for i, n in enumerate(_PERF_HW)},
                1: {i: "PERF_COUNT_SW_" + n for i, n in enumerate(_PERF_SW)}}
_PERF_ATTR_BITS = ("disabled", "inherit", "pinned", "exclusive", "exclude_user", "exclude_kernel", "exclude_hv",
                   "exclude_idle", "mmap", "comm", "freq", "inherit_stat", "enable_on_exec", "task", "watermark")
_SKID = ("arbitrary skid", "constant skid", "requested to have 0 skid", "must have 0 skid")
_PERF_FLAGS = ((1, "PERF_FLAG_FD_NO_GROUP"), (2, "PERF_FLAG_FD_OUTPUT"), (4, "PERF_FLAG_PID_CGROUP"),
               (8, "PERF_FLAG_FD_CLOEXEC"))


_PERF_SAMPLE = tuple((1 << i, "PERF_SAMPLE_" + n) for i, n in enumerate((
    "IP", "TID", "TIME", "ADDR", "READ", "CALLCHAIN", "ID", "CPU", "PERIOD", "STREAM_ID", "RAW", "BRANCH_STACK",
    "REGS_USER", "STACK_USER", "WEIGHT", "DATA_SRC", "IDENTIFIER", "TRANSACTION", "REGS_INTR", "PHYS_ADDR", "AUX",
    "CGROUP", "DATA_PAGE_SIZE", "CODE_PAGE_SIZE", "WEIGHT_STRUCT")))
_PERF_FORMAT = tuple((1 << i, "PERF_FORMAT_" + n) for i, n in enumerate((
    "TOTAL_TIME_ENABLED", "TOTAL_TIME_RUNNING", "ID", "GROUP", "LOST")))


def _perf_attr(raw: bytes) -> str:
    """The head of struct perf_event_attr, abbreviated as strace prints it without -v."""
    typ, size, config, period, stype, rformat, bits = struct.unpack_from("=IIQQQQQ", raw)
    sizes = {64: "PERF_ATTR_SIZE_VER0", 72: "PERF_ATTR_SIZE_VER1", 80: "PERF_ATTR_SIZE_VER2",
             96: "PERF_ATTR_SIZE_VER3", 104: "PERF_ATTR_SIZE_VER4", 112: "PERF_ATTR_SIZE_VER5",
             120: "PERF_ATTR_SIZE_VER6", 128: "PERF_ATTR_SIZE_VER7", 136: "PERF_ATTR_SIZE_VER8"}
    cfg = str(config) if typ == 2 else _PERF_CONFIG.get(typ, {}).get(config, hx(config))  # tracepoint: its id
    out = (f"{{type={xlat(typ, _PERF_TYPE, 'PERF_TYPE_???')}, size={sizes.get(size, size)}, config={cfg}, "
           f"{'sample_freq' if bits & 1024 else 'sample_period'}={period}, sample_type={flags(stype, _PERF_SAMPLE)}, "
           f"read_format={flags(rformat, _PERF_FORMAT)}")
    set_bits = "".join(f", {n}=1" for i, n in enumerate(_PERF_ATTR_BITS) if bits >> i & 1)
    skid = bits >> 15 & 3
    return f"{out}{set_bits[2:] and set_bits}, precise_ip={skid} /* {_SKID[skid]} */, ...}}"


def _perf_event_open(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [in_struct(d, tid, a[0], 64, _perf_attr), int32(a[1]), int32(a[2]), int32(a[3]),
            uflags(a[4], _PERF_FLAGS, "PERF_FLAG_???")]


_FAN_CLASS = {0: "FAN_CLASS_NOTIF", 4: "FAN_CLASS_CONTENT", 8: "FAN_CLASS_PRE_CONTENT"}
_FAN_INIT_BITS = ((1, "FAN_CLOEXEC"), (2, "FAN_NONBLOCK"), (0x10, "FAN_UNLIMITED_QUEUE"), (0x20, "FAN_UNLIMITED_MARKS"),
                  (0x40, "FAN_ENABLE_AUDIT"), (0x80, "FAN_REPORT_PIDFD"), (0x100, "FAN_REPORT_TID"),
                  (0x200, "FAN_REPORT_FID"), (0x400, "FAN_REPORT_DIR_FID"), (0x800, "FAN_REPORT_NAME"),
                  (0x1000, "FAN_REPORT_TARGET_FID"))
_FAN_MARK_BITS = ((1, "FAN_MARK_ADD"), (2, "FAN_MARK_REMOVE"), (4, "FAN_MARK_DONT_FOLLOW"), (8, "FAN_MARK_ONLYDIR"),
                  (0x10, "FAN_MARK_MOUNT"), (0x20, "FAN_MARK_IGNORED_MASK"), (0x40, "FAN_MARK_IGNORED_SURV_MODIFY"),
                  (0x80, "FAN_MARK_FLUSH"), (0x100, "FAN_MARK_FILESYSTEM"), (0x200, "FAN_MARK_EVICTABLE"),
                  (0x400, "FAN_MARK_IGNORE"))
_FAN_EVENTS = ((1, "FAN_ACCESS"), (2, "FAN_MODIFY"), (4, "FAN_ATTRIB"), (8, "FAN_CLOSE_WRITE"), (0x10, "FAN_CLOSE_NOWRITE"),
               (0x20, "FAN_OPEN"), (0x40, "FAN_MOVED_FROM"), (0x80, "FAN_MOVED_TO"), (0x100, "FAN_CREATE"),
               (0x200, "FAN_DELETE"), (0x400, "FAN_DELETE_SELF"), (0x800, "FAN_MOVE_SELF"), (0x1000, "FAN_OPEN_EXEC"),
               (0x4000, "FAN_Q_OVERFLOW"), (0x8000, "FAN_FS_ERROR"), (0x10000, "FAN_OPEN_PERM"),
               (0x20000, "FAN_ACCESS_PERM"), (0x40000, "FAN_OPEN_EXEC_PERM"), (0x80000, "FAN_DIR_MODIFY"),
               (0x40000000, "FAN_ONDIR"), (0x8000000, "FAN_EVENT_ON_CHILD"), (0x10000000, "FAN_RENAME"))


def _fanotify_init(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    v = a[0] & 0xFFFFFFFF
    cls = xlat(v & 0xC, _FAN_CLASS, "FAN_CLASS_???")
    rest = v & ~0xC
    if rest:
        s = flags(rest, _FAN_INIT_BITS)
        cls += "|" + (s if not s.startswith("0x") or "|" in s else f"{s} /* FAN_??? */")
    return [cls, open_flags(a[1])]


def _fanotify_mark(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[3])
    where: Any = "FAN_NOFD" if fd == -1 else dirfd(a[3])
    return [int32(a[0]), sflags(a[1], _FAN_MARK_BITS), flags(a[2], _FAN_EVENTS), where,
            d.path(tid, a[4])]


_LL_FS = ("EXECUTE", "WRITE_FILE", "READ_FILE", "READ_DIR", "REMOVE_DIR", "REMOVE_FILE", "MAKE_CHAR", "MAKE_DIR",
          "MAKE_REG", "MAKE_SOCK", "MAKE_FIFO", "MAKE_BLOCK", "MAKE_SYM", "REFER", "TRUNCATE", "IOCTL_DEV")
_LL_FS_BITS = tuple((1 << i, "LANDLOCK_ACCESS_FS_" + n) for i, n in enumerate(_LL_FS))
_LL_NET_BITS = ((1, "LANDLOCK_ACCESS_NET_BIND_TCP"), (2, "LANDLOCK_ACCESS_NET_CONNECT_TCP"))
_LL_RULE = {1: "LANDLOCK_RULE_PATH_BENEATH", 2: "LANDLOCK_RULE_NET_PORT"}


def _landlock_create_ruleset(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    def fmt(raw: bytes) -> str:
        out = f"{{handled_access_fs={flags(struct.unpack_from('=Q', raw)[0], _LL_FS_BITS)}"
        if len(raw) >= 16:
            out += f", handled_access_net={flags(struct.unpack_from('=Q', raw, 8)[0], _LL_NET_BITS)}"
        return out + "}"
    fl = uflags(a[2] & 0xFFFFFFFF, ((1, "LANDLOCK_CREATE_RULESET_VERSION"),), "LANDLOCK_CREATE_RULESET_???")
    return [in_struct(d, tid, a[0], min(a[1], 16), fmt) if a[1] >= 8 else ptr(a[0]), a[1], fl]


def _landlock_add_rule(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    typ = a[1] & 0xFFFFFFFF
    if typ == 1:
        attr = in_struct(d, tid, a[2], 12, lambda raw: "{allowed_access=%s, parent_fd=%d}" % (
            flags(struct.unpack_from("=Q", raw)[0], _LL_FS_BITS), struct.unpack_from("=i", raw, 8)[0]))
    elif typ == 2:
        attr = in_struct(d, tid, a[2], 16, lambda raw: "{allowed_access=%s, port=%d}" % (
            flags(struct.unpack_from("=Q", raw)[0], _LL_NET_BITS), struct.unpack_from("=Q", raw, 8)[0]))
    else:
        attr = ptr(a[2])
    return [int32(a[0]), xlat(typ, _LL_RULE, "LANDLOCK_RULE_???"), attr, hx(a[3] & 0xFFFFFFFF)]


# ---------------------------------------------------------------- io_uring, aio

_IORING_SETUP = ("IOPOLL", "SQPOLL", "SQ_AFF", "CQSIZE", "CLAMP", "ATTACH_WQ", "R_DISABLED", "SUBMIT_ALL",
                 "COOP_TASKRUN", "TASKRUN_FLAG", "SQE128", "CQE32", "SINGLE_ISSUER", "DEFER_TASKRUN")
_IORING_SETUP_BITS = tuple((1 << i, "IORING_SETUP_" + n) for i, n in enumerate(_IORING_SETUP))
_IORING_FEAT = ("SINGLE_MMAP", "NODROP", "SUBMIT_STABLE", "RW_CUR_POS", "CUR_PERSONALITY", "FAST_POLL", "POLL_32BITS",
                "SQPOLL_NONFIXED", "EXT_ARG", "NATIVE_WORKERS", "RSRC_TAGS", "CQE_SKIP", "LINKED_FILE")
_IORING_FEAT_BITS = tuple((1 << i, "IORING_FEAT_" + n) for i, n in enumerate(_IORING_FEAT))
_IORING_ENTER_BITS = ((1, "IORING_ENTER_GETEVENTS"), (2, "IORING_ENTER_SQ_WAKEUP"), (4, "IORING_ENTER_SQ_WAIT"),
                      (8, "IORING_ENTER_EXT_ARG"), (0x10, "IORING_ENTER_REGISTERED_RING"))
_IORING_REGISTER = (
    "REGISTER_BUFFERS", "UNREGISTER_BUFFERS", "REGISTER_FILES", "UNREGISTER_FILES", "REGISTER_EVENTFD",
    "UNREGISTER_EVENTFD", "REGISTER_FILES_UPDATE", "REGISTER_EVENTFD_ASYNC", "REGISTER_PROBE", "REGISTER_PERSONALITY",
    "UNREGISTER_PERSONALITY", "REGISTER_RESTRICTIONS", "REGISTER_ENABLE_RINGS", "REGISTER_FILES2",
    "REGISTER_FILES_UPDATE2", "REGISTER_BUFFERS2", "REGISTER_BUFFERS_UPDATE", "REGISTER_IOWQ_AFF",
    "UNREGISTER_IOWQ_AFF", "REGISTER_IOWQ_MAX_WORKERS", "REGISTER_RING_FDS", "UNREGISTER_RING_FDS",
    "REGISTER_PBUF_RING", "UNREGISTER_PBUF_RING", "REGISTER_SYNC_CANCEL", "REGISTER_FILE_ALLOC_RANGE")
_IORING_REG = {i: "IORING_" + n for i, n in enumerate(_IORING_REGISTER)}


def _io_uring_params(raw: bytes) -> str:
    sq_entries, cq_entries, fl, cpu, idle, feat, _wq = struct.unpack_from("=7I", raw)
    sq = struct.unpack_from("=7I", raw, 40)
    cq = struct.unpack_from("=7I", raw, 80)
    return (f"{{flags={flags(fl, _IORING_SETUP_BITS)}, sq_thread_cpu={cpu}, sq_thread_idle={idle}, "
            f"sq_entries={sq_entries}, cq_entries={cq_entries}, features={flags(feat, _IORING_FEAT_BITS)}, "
            "sq_off={head=%d, tail=%d, ring_mask=%d, ring_entries=%d, flags=%d, dropped=%d, array=%d}, "
            "cq_off={head=%d, tail=%d, ring_mask=%d, ring_entries=%d, overflow=%d, cqes=%d, flags=%d}}" % (*sq, *cq))


def _io_uring_setup(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [a[0] & 0xFFFFFFFF, out_struct(d, tid, a[1], 120, r, _io_uring_params)]


def _io_uring_enter(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), a[1] & 0xFFFFFFFF, a[2] & 0xFFFFFFFF, flags(a[3] & 0xFFFFFFFF, _IORING_ENTER_BITS),
            ptr(a[4]), a[5]]


def _io_uring_register(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), xlat(a[1] & 0xFFFFFFFF, _IORING_REG, "IORING_REGISTER_???"), ptr(a[2]), a[3] & 0xFFFFFFFF]


def _io_setup(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [a[0] & 0xFFFFFFFF, out_struct(d, tid, a[1], 8, r, lambda raw: f"[{ptr(struct.unpack('=Q', raw)[0])}]")]


def _io_events(d: Decoder, tid: int, addr: int, r: int) -> str:
    if r < 0 or addr == 0:
        return ptr(addr)
    raw = d.mem.read(tid, addr, 32 * min(r, 1024))
    if len(raw) < 32 * min(r, 1024):
        return ptr(addr)
    parts = ["{data=%s, obj=%s, res=%d, res2=%d}" % (hx(dt), ptr(obj), res, res2)
             for dt, obj, res, res2 in (struct.unpack_from("=QQqq", raw, 32 * i) for i in range(min(r, 1024)))]
    return "[" + ", ".join(parts) + "]"


def _io_getevents(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0]), a[1], a[2], _io_events(d, tid, a[3], r), in_struct(d, tid, a[4], 16, timespec)]


def _io_pgetevents(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_io_getevents(d, tid, t, a, r), ptr(a[5])]


# ---------------------------------------------------------------- capabilities, admin calls

_CAP_VERSION = {0x19980330: "_LINUX_CAPABILITY_VERSION_1", 0x20071026: "_LINUX_CAPABILITY_VERSION_2",
                0x20080522: "_LINUX_CAPABILITY_VERSION_3"}
CAPS = ("CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
         "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
         "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
         "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
         "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
         "CHECKPOINT_RESTORE")
_CAP_BITS = tuple((1 << i, f"1<<CAP_{n}") for i, n in enumerate(CAPS))


def _cap_header(raw: bytes, given: int | None = None) -> str:
    version, pid = struct.unpack_from("=Ii", raw)
    version = version if given is None else given & 0xFFFFFFFF
    return f"{{version={xlat(version, _CAP_VERSION, '_LINUX_CAPABILITY_VERSION_???')}, pid={pid}}}"


def _cap_data(d: Decoder, tid: int, version: int, addr: int, r: int, out: bool) -> str:
    if version not in _CAP_VERSION or r < 0 and out:
        return ptr(addr)
    n = 1 if version == 0x19980330 else 2
    def fmt(b: bytes) -> str:
        words = struct.unpack_from(f"={3 * n}I", b)
        eff, perm, inh = (sum(words[3 * i + k] << (32 * i) for i in range(n)) for k in range(3))
        return f"{{effective={flags(eff, _CAP_BITS)}, permitted={flags(perm, _CAP_BITS)}, inheritable={flags(inh, _CAP_BITS)}}}"
    return in_struct(d, tid, addr, 12 * n, fmt)


def _capget(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    # The version as given (read at entry): the kernel writes its own over a wrong one.
    given = d.len_in.pop(tid, None)
    hdr = in_struct(d, tid, a[0], 8, lambda raw: _cap_header(raw, given))
    return [hdr, _cap_data(d, tid, (given if given is not None else 0) & 0xFFFFFFFF, a[1], r, True)]


def _capset(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    raw = d.mem.read(tid, a[0], 4)
    version = struct.unpack("=I", raw)[0] if len(raw) == 4 else 0
    return [in_struct(d, tid, a[0], 8, _cap_header), _cap_data(d, tid, version, a[1], 0, False)]


_SYSLOG = ("CLOSE", "OPEN", "READ", "READ_ALL", "READ_CLEAR", "CLEAR", "CONSOLE_OFF", "CONSOLE_ON", "CONSOLE_LEVEL",
           "SIZE_UNREAD", "SIZE_BUFFER")


def _syslog(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    typ = int32(a[0])
    name = f"{typ} /* SYSLOG_ACTION_{_SYSLOG[typ] if 0 <= typ < len(_SYSLOG) else '???'} */"
    if typ in (0, 1, 5, 6, 7, 9, 10):
        return [name]
    if typ == 8:
        return [name, ptr(a[1]), int32(a[2])]
    buf = d.buf(tid, a[1], r) if typ in (2, 3, 4) and r >= 0 else ptr(a[1])
    return [name, buf, int32(a[2])]


_REBOOT_MAGIC1 = {0xFEE1DEAD: "LINUX_REBOOT_MAGIC1"}
_REBOOT_MAGIC2 = {672274793: "LINUX_REBOOT_MAGIC2", 85072278: "LINUX_REBOOT_MAGIC2A", 369367448: "LINUX_REBOOT_MAGIC2B",
                  537993216: "LINUX_REBOOT_MAGIC2C"}
_REBOOT_CMD = {0x1234567: "LINUX_REBOOT_CMD_RESTART", 0xCDEF0123: "LINUX_REBOOT_CMD_HALT",
               0x89ABCDEF: "LINUX_REBOOT_CMD_CAD_ON", 0: "LINUX_REBOOT_CMD_CAD_OFF", 0x4321FEDC: "LINUX_REBOOT_CMD_POWER_OFF",
               0xA1B2C3D4: "LINUX_REBOOT_CMD_RESTART2", 0xD000FCE2: "LINUX_REBOOT_CMD_SW_SUSPEND",
               0x45584543: "LINUX_REBOOT_CMD_KEXEC"}


def _reboot(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    cmd = a[2] & 0xFFFFFFFF
    out: list[Any] = [xlat(a[0] & 0xFFFFFFFF, _REBOOT_MAGIC1, "LINUX_REBOOT_MAGIC_???"),
                      xlat(a[1] & 0xFFFFFFFF, _REBOOT_MAGIC2, "LINUX_REBOOT_MAGIC_???"),
                      xlat(cmd, _REBOOT_CMD, "LINUX_REBOOT_CMD_???")]
    return out + [d.string(tid, a[3])] if cmd == 0xA1B2C3D4 else out


def _swapon(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fl = a[1] & 0xFFFFFFFF
    names = [n for b, n in ((0x8000, "SWAP_FLAG_PREFER"), (0x10000, "SWAP_FLAG_DISCARD"),
                            (0x20000, "SWAP_FLAG_DISCARD_ONCE"), (0x40000, "SWAP_FLAG_DISCARD_PAGES")) if fl & b]
    rest = fl & ~0x78000 & ~0x7FFF
    if rest:
        names.append(hex(rest))
    if fl & 0x8000:
        names.append(str(fl & 0x7FFF))
    return [d.path(tid, a[0]), "|".join(names) or "0"]


_MODULE_INIT = ((1, "MODULE_INIT_IGNORE_MODVERSIONS"), (2, "MODULE_INIT_IGNORE_VERMAGIC"), (4, "MODULE_INIT_COMPRESSED_FILE"))
_DELETE_MODULE = ((0o4000, "O_NONBLOCK"), (0o1000, "O_TRUNC"))
_SECCOMP_OP = {0: "SECCOMP_SET_MODE_STRICT", 1: "SECCOMP_SET_MODE_FILTER", 2: "SECCOMP_GET_ACTION_AVAIL",
               3: "SECCOMP_GET_NOTIF_SIZES"}
_SECCOMP_FILTER_BITS = ((1, "SECCOMP_FILTER_FLAG_TSYNC"), (2, "SECCOMP_FILTER_FLAG_LOG"),
                        (4, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"), (8, "SECCOMP_FILTER_FLAG_NEW_LISTENER"),
                        (16, "SECCOMP_FILTER_FLAG_TSYNC_ESRCH"), (32, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"))


def _seccomp(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    op = a[0] & 0xFFFFFFFF
    fl = flags(a[1] & 0xFFFFFFFF, _SECCOMP_FILTER_BITS) if op == 1 else hx(a[1] & 0xFFFFFFFF)
    return [xlat(op, _SECCOMP_OP, "SECCOMP_SET_MODE_???"), fl, ptr(a[2])]


def _quota_cmd(v: int) -> str:
    cmd, typ = (v & 0xFFFFFFFF) >> 8, v & 0xFF
    names = {0x800002: "Q_QUOTAON", 0x800003: "Q_QUOTAOFF", 0x800007: "Q_GETQUOTA", 0x800008: "Q_SETQUOTA",
             0x800005: "Q_GETINFO", 0x800006: "Q_SETINFO", 0x800004: "Q_GETFMT", 0x800001: "Q_SYNC",
             0x800009: "Q_GETNEXTQUOTA"}
    qtype = {0: "USRQUOTA", 1: "GRPQUOTA", 2: "PRJQUOTA"}
    return f"QCMD({xlat(cmd, names, 'Q_???')}, {xlat(typ, qtype, 'Q_???')})"


def _quotactl(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [_quota_cmd(a[0]), d.path(tid, a[1]), int32(a[2]), ptr(a[3])]


def _quotactl_fd(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), _quota_cmd(a[1]), int32(a[2]), ptr(a[3])]


def _sethostname(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    n = a[1]
    if n > 64 or a[0] == 0:
        return [ptr(a[0]), n]
    raw = d.mem.read(tid, a[0], n)
    return [cquote(raw, d.strsize) if len(raw) == n else ptr(a[0]), n]


def _kexec_load(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    arch = a[3] >> 16
    name = "KEXEC_ARCH_DEFAULT" if arch == 0 else "KEXEC_ARCH_X86_64" if arch == 62 else f"{arch << 16:#x} /* KEXEC_ARCH_??? */"
    rest = a[3] & 0xFFFF
    fl = flags(rest, ((1, "KEXEC_ON_CRASH"), (2, "KEXEC_PRESERVE_CONTEXT")))
    return [ptr(a[0]), a[1], ptr(a[2]), name if not rest else f"{name}|{fl}"]


def _kexec_file_load(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fl = flags(a[4], ((1, "KEXEC_FILE_UNLOAD"), (2, "KEXEC_FILE_ON_CRASH"), (4, "KEXEC_FILE_NO_INITRAMFS")))
    return [int32(a[0]), int32(a[1]), a[2], d.string(tid, a[3]), fl]


def _init_module(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0]), a[1], d.string(tid, a[2])]


def _ustat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [makedev(a[0] & 0xFFFFFFFF), ptr(a[1])]


HANDLERS: dict[str, Handler] = {
    "mount": _mount, "fsconfig": _fsconfig, "mount_setattr": _mount_setattr, "open_tree_attr": _open_tree_attr,
    "bpf": _bpf, "add_key": _add_key, "request_key": _request_key, "keyctl": _keyctl,
    "perf_event_open": _perf_event_open, "fanotify_init": _fanotify_init, "fanotify_mark": _fanotify_mark,
    "landlock_create_ruleset": _landlock_create_ruleset, "landlock_add_rule": _landlock_add_rule,
    "io_uring_setup": _io_uring_setup, "io_uring_enter": _io_uring_enter, "io_uring_register": _io_uring_register,
    "io_setup": _io_setup, "io_getevents": _io_getevents, "io_pgetevents": _io_pgetevents,
    "capget": _capget, "capset": _capset, "syslog": _syslog, "reboot": _reboot, "swapon": _swapon,
    "seccomp": _seccomp, "quotactl": _quotactl, "quotactl_fd": _quotactl_fd, "sethostname": _sethostname,
    "setdomainname": _sethostname, "kexec_load": _kexec_load, "kexec_file_load": _kexec_file_load,
    "init_module": _init_module, "ustat": _ustat,
}
# Arguments that handlers return as C strings (the renderer quotes them).
STRINGS: dict[str, tuple[int, ...]] = {
    "mount": (0, 1, 2, 4), "fsconfig": (2, 3), "mount_setattr": (1,), "open_tree_attr": (1,), "add_key": (0, 1), "request_key": (0, 1, 2),
    "fanotify_mark": (4,), "reboot": (3,), "swapon": (0,), "quotactl": (1,), "kexec_file_load": (3,),
    "init_module": (2,),
}
SPECS: dict[str, tuple[Kind, ...]] = {
    "umount2": (PATH, kflags(_MNT_BITS, "MNT_???")),
    "fsopen": (STR, kflags(((1, "FSOPEN_CLOEXEC"),), "FSOPEN_???")),
    "fsmount": (INT, kflags(((1, "FSMOUNT_CLOEXEC"),), "FSMOUNT_???"), kflags(_MOUNT_ATTR, "MOUNT_ATTR_???")),
    "fspick": (DIRFD, PATH, kflags(((1, "FSPICK_CLOEXEC"), (2, "FSPICK_SYMLINK_NOFOLLOW"), (4, "FSPICK_NO_AUTOMOUNT"),
                                   (8, "FSPICK_EMPTY_PATH")), "FSPICK_???")),
    "move_mount": (DIRFD, PATH, DIRFD, PATH, kflags(_MOVE_MOUNT_BITS, "MOVE_MOUNT_???")),
    "landlock_restrict_self": (INT, HEX),
    "io_destroy": (PTR,), "io_submit": (PTR, LONG, PTR), "io_cancel": (PTR, PTR, PTR),
    "pivot_root": (PATH, PATH), "acct": (PATH,), "swapoff": (PATH,),
    "iopl": (INT,), "ioperm": (HEX, HEX, INT),
    "delete_module": (STR, kflags(_DELETE_MODULE, "O_???")),
    "finit_module": (INT, STR, kflags(_MODULE_INIT, "MODULE_INIT_???")),
    "lookup_dcookie": (ULONG, PTR, ULONG), "sysfs": (HEX, HEX, HEX),
    "userfaultfd": (kflags(((0o4000, "O_NONBLOCK"), (0o2000000, "O_CLOEXEC"), (1, "UFFD_USER_MODE_ONLY")), "UFFD_???"),),
    "memfd_secret": (HEX,),
    "modify_ldt": (INT, PTR, ULONG), "set_thread_area": (PTR,), "get_thread_area": (PTR,),
    # Newer than strace 6.1: their arguments, not yet their structs.
    "statmount": (PTR, PTR, ULONG, HEX), "listmount": (PTR, PTR, ULONG, HEX),
    "lsm_get_self_attr": (UINT, PTR, PTR, HEX), "lsm_set_self_attr": (UINT, PTR, UINT, HEX),
    "lsm_list_modules": (PTR, PTR, HEX),
    # Calls the kernel no longer implements: strace prints their registers in hex, as many as
    # its table gives them.
    **{n: (HEX,) * k for n, k in (
        ("create_module", 2), ("get_kernel_syms", 1), ("query_module", 5), ("nfsservctl", 3), ("getpmsg", 5),
        ("putpmsg", 5), ("afs_syscall", 5), ("tuxcall", 3), ("security", 3), ("vserver", 5),
        ("epoll_ctl_old", 4), ("epoll_wait_old", 4), ("_sysctl", 1))},
}
