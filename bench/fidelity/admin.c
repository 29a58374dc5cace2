#include "common.h"
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/timex.h>
#include <sys/time.h>
#include <linux/capability.h>
#include <sys/ptrace.h>
#include <sys/epoll.h>
int main(void) {
    BEGIN();
    uid_t r, e, s;
    syscall(SYS_getresuid, &r, &e, &s);
    syscall(SYS_getresgid, &r, &e, &s);
    syscall(SYS_getresuid, NULL, BAD, &s);
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    syscall(SYS_capget, &h, d);
    syscall(SYS_capget, &h, NULL);
    syscall(SYS_capset, &h, d);
    h.version = 0x1234;
    syscall(SYS_capget, &h, d);
    syscall(SYS_capget, NULL, NULL);
    struct sched_param sp = {0};
    syscall(SYS_sched_getparam, 0, &sp);
    syscall(SYS_sched_setparam, 0, &sp);
    syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp);
    syscall(SYS_sched_setscheduler, 0, 0x40000000 | SCHED_BATCH, &sp);
    syscall(SYS_sched_setscheduler, -1, 77, BAD);
    struct timespec ts;
    syscall(SYS_sched_rr_get_interval, 0, &ts);
    syscall(SYS_sched_rr_get_interval, 0, BAD);
    char attr[64] = {0};
    *(unsigned *)attr = 48;
    syscall(SYS_sched_getattr, 0, attr, 48, 0);
    syscall(SYS_sched_setattr, 0, attr, 0);
    syscall(SYS_sched_getattr, 0, NULL, 48, 1);
    unsigned cpu, node;
    syscall(SYS_getcpu, &cpu, &node, NULL);
    syscall(SYS_getcpu, NULL, NULL, NULL);
    pid_t c = fork();
    if (c == 0) _exit(3);
    siginfo_t si;
    syscall(SYS_waitid, P_PID, c, &si, WEXITED, NULL);
    syscall(SYS_waitid, P_ALL, 0, &si, WEXITED | WNOHANG, NULL);
    syscall(SYS_waitid, 7, 0, NULL, 0x100, NULL);
    struct rusage ru;
    c = fork();
    if (c == 0) _exit(0);
    syscall(SYS_waitid, P_PID, c, &si, WEXITED, &ru);
    void *head; size_t len;
    syscall(SYS_get_robust_list, 0, &head, &len);
    syscall(SYS_get_robust_list, 99999999, &head, &len);
    char src[16] = "abc", dst[16];
    struct iovec l = {dst, 16}, rr = {src, 16};
    syscall(SYS_process_vm_readv, getpid(), &l, 1, &rr, 1, 0);
    syscall(SYS_process_vm_writev, getpid(), &rr, 1, &l, 1, 0);
    syscall(SYS_process_vm_readv, -1, NULL, 0, NULL, 0, 5);
    syscall(SYS_ptrace, PTRACE_PEEKDATA, 1, BAD, 0);
    syscall(SYS_ptrace, 0x4206, -1, 0, 0x1);
    syscall(SYS_ptrace, 12345, 1, 0, 0);
    syscall(SYS_kcmp, getpid(), getpid(), 0, 0, 0);
    syscall(SYS_kcmp, -1, getpid(), 99, 1, 2);
    struct timex tx = {0};
    syscall(SYS_adjtimex, &tx);
    syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx);
    syscall(SYS_adjtimex, BAD);
    syscall(SYS_settimeofday, NULL, NULL);
    timer_t tid;
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_NONE;
    syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &tid);
    struct itimerspec its = {{0, 0}, {100, 0}}, oits;
    syscall(SYS_timer_settime, tid, 0, &its, &oits);
    syscall(SYS_timer_settime, tid, TIMER_ABSTIME, &its, NULL);
    syscall(SYS_timer_gettime, tid, &oits);
    syscall(SYS_timer_gettime, 99, &oits);
    syscall(SYS_timer_delete, tid);
    int ep = epoll_create1(0);
    struct epoll_event ev[2];
    syscall(SYS_epoll_pwait2, ep, ev, 2, &ts, NULL, 8);
    ts.tv_sec = 0; ts.tv_nsec = 0;
    syscall(SYS_epoll_pwait2, ep, ev, 2, &ts, NULL, 8);
    syscall(SYS_epoll_pwait2, -1, ev, 2, NULL, NULL, 8);
    syscall(SYS_ioprio_get, 1, 0);
    syscall(SYS_ioprio_set, 1, 0, (2 << 13) | 4);
    syscall(SYS_ioprio_set, 9, 0, 0x12345);
    syscall(SYS_syslog, 10, NULL, 0);
    syscall(SYS_syslog, 2, NULL, -1);
    syscall(SYS_syslog, 99, NULL, 0);
    syscall(SYS_sethostname, "x", 1000);
    syscall(SYS_setdomainname, BAD, 3);
    syscall(SYS_reboot, 1, 2, 3, NULL);
    syscall(SYS_acct, "/nonexistent/acct");
    syscall(SYS_swapoff, "/nonexistent");
    syscall(SYS_swapon, "/nonexistent", 0x8000 | 5);
    syscall(SYS_pivot_root, "/nonexistent", "/nope");
    syscall(SYS_iopl, 5);
    syscall(SYS_ioperm, 0x3f8, 8, 1);
    syscall(SYS_delete_module, "nomod_xyz", O_NONBLOCK | O_TRUNC);
    syscall(SYS_init_module, NULL, 0, "");
    syscall(SYS_finit_module, -1, "a=1", 3);

    syscall(SYS_seccomp, 2, 0, BAD);
    syscall(SYS_seccomp, 99, 3, NULL);
    syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    syscall(SYS_pkey_alloc, 0, 3);
    syscall(SYS_pkey_free, 99);
    syscall(SYS_memfd_secret, 1);
    syscall(SYS_process_mrelease, -1, 0);
    syscall(SYS_process_madvise, -1, NULL, 0, 20, 0);
    syscall(SYS_modify_ldt, 0, NULL, 0);
    syscall(SYS_set_thread_area, BAD);
    syscall(SYS_get_thread_area, NULL);
    return 0;
}
