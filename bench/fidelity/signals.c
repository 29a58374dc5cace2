#include "common.h"
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
static void handler(int sig) { (void)sig; }
int main(void) {
    struct sigaction sa = {0}, old;
    sigset_t set, oldset;
    BEGIN();
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, &old);
    sigaction(SIGUSR1, NULL, &old);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    syscall(SYS_rt_sigaction, 0, NULL, NULL, 8);
    syscall(SYS_rt_sigaction, 99, NULL, NULL, 8);
    syscall(SYS_rt_sigaction, SIGUSR1, BAD, NULL, 8);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGRTMIN + 2);
    sigprocmask(SIG_BLOCK, &set, &oldset);
    sigprocmask(SIG_SETMASK, NULL, &oldset);
    syscall(SYS_rt_sigprocmask, 77, &set, NULL, 8);
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR2);
    sigpending(&set);
    struct timespec ts = {0, 1000};
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigtimedwait(&set, NULL, &ts);
    int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    close(sfd);
    stack_t ss = {.ss_sp = malloc(65536), .ss_size = 65536, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    sigaltstack(NULL, &ss);
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
    syscall(SYS_tkill, syscall(SYS_gettid), 0);
    pid_t c = fork();
    if (c == 0) _exit(5);
    int st;
    waitpid(c, &st, 0);
    alarm(0);
    return 0;
}
