#include "common.h"
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <asm/prctl.h>
int main(void) {
    char name[32];
    struct rlimit rl;
    struct rusage ru;
    struct utsname un;
    int status;
    BEGIN();
    syscall(SYS_getpid);
    syscall(SYS_getppid);
    syscall(SYS_gettid);
    getuid(); geteuid(); getgid(); getegid();
    prctl(PR_SET_NAME, "fidelity", 0, 0, 0);
    prctl(PR_GET_NAME, name, 0, 0, 0);
    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    prctl(9999, 1, 2, 3, 4);
    unsigned long fs;
    syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
    syscall(SYS_arch_prctl, 0x1234, 0);
    prlimit(0, RLIMIT_NOFILE, NULL, &rl);
    prlimit(0, RLIMIT_CORE, &rl, NULL);
    getrlimit(RLIMIT_STACK, &rl);
    syscall(SYS_prlimit64, 0, 99, NULL, NULL);
    setpgid(0, 0);
    getpgid(0);
    getsid(0);
    syscall(SYS_getpgid, -1);
    uname(&un);
    pid_t c = fork();
    if (c == 0) _exit(3);
    wait4(c, &status, 0, &ru);
    c = fork();
    if (c == 0) { pause(); _exit(0); }
    kill(c, 0);
    kill(c, SIGKILL);
    wait4(c, &status, 0, NULL);
    wait4(-1, &status, WNOHANG, NULL);
    syscall(SYS_kill, 0x7fffffff, JUNK | SIGTERM);
    syscall(SYS_tgkill, getpid(), getpid(), 0);
    syscall(SYS_getpriority, PRIO_PROCESS, 0);
    setpriority(PRIO_PROCESS, 0, 0);
    getrusage(RUSAGE_SELF, &ru);
    sched_yield();
    syscall(SYS_sched_getaffinity, 0, 0, NULL);
    umask(027);
    c = fork();
    if (c == 0) {
        execl("/nonexistent/prog", "prog", "a\nb", NULL);
        execl("/bin/true", "true", "--an-argument-that-is-longer-than-32-bytes", NULL);
        _exit(1);
    }
    waitpid(c, &status, 0);
    gid_t groups[64];
    syscall(SYS_getgroups, 0, NULL);
    syscall(SYS_getgroups, 64, groups);
    syscall(SYS_getgroups, -1, groups);
    syscall(SYS_getgroups, 64, BAD);
    syscall(SYS_setgroups, 1, BAD);
    void *tidp;
    prctl(PR_CAPBSET_READ, 0); prctl(PR_CAPBSET_READ, 41);
    prctl(PR_GET_SECUREBITS); prctl(PR_SET_SECUREBITS, 0x100 | 1, 0, 0, 0);
    prctl(PR_GET_TIMERSLACK); prctl(PR_SET_TIMERSLACK, 50000);
    prctl(PR_GET_TID_ADDRESS, &tidp); prctl(PR_GET_TID_ADDRESS, NULL);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0, 0, 0);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    prctl(PR_CAP_AMBIENT, 9, 1, 2, 3);
    prctl(PR_SET_DUMPABLE, 1); prctl(PR_SET_KEEPCAPS, 0);
    prctl(PR_SET_MM, 99, 0, 0, 0);
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    syscall(SYS_sched_getaffinity, 0, sizeof cpus, &cpus);
    syscall(SYS_sched_getaffinity, 0, 3, &cpus);
    syscall(SYS_sched_setaffinity, 0, sizeof cpus, &cpus);
    syscall(SYS_sched_setaffinity, 0, 8, BAD);
    return 0;
}
