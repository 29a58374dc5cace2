#include "common.h"
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/times.h>
#include <time.h>
int main(void) {
    struct timespec ts, req = {0, 2000};
    struct itimerval it = {{0, 0}, {5, 500000}}, old;
    struct tms tms;
    BEGIN();
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    syscall(SYS_clock_gettime, CLOCK_REALTIME, NULL);
    syscall(SYS_clock_gettime, 77, &ts);
    syscall(SYS_clock_getres, CLOCK_BOOTTIME, &ts);
    syscall(SYS_clock_settime, CLOCK_MONOTONIC, &req);
    syscall(SYS_nanosleep, &req, NULL);
    syscall(SYS_nanosleep, &req, &ts);
    req.tv_nsec = -1;
    syscall(SYS_nanosleep, &req, NULL);
    req.tv_nsec = 1000;
    syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, NULL);
    syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &req, NULL);
    setitimer(ITIMER_REAL, &it, &old);
    getitimer(ITIMER_REAL, &old);
    it.it_value.tv_sec = 0; it.it_value.tv_usec = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    setitimer(99, &it, NULL);
    alarm(0);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    struct itimerspec its = {{0, 0}, {100, 0}}, oits;
    timerfd_settime(tfd, 0, &its, &oits);
    timerfd_gettime(tfd, &oits);
    close(tfd);
    syscall(SYS_times, &tms);
    syscall(SYS_gettimeofday, NULL, NULL);
    syscall(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, BAD);
    return 0;
}
