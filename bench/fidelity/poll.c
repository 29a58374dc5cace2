#include "common.h"
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
int main(void) {
    int p[2];
    struct epoll_event ev, evs[4];
    BEGIN();
    pipe2(p, O_CLOEXEC);
    write(p[1], "z", 1);
    struct pollfd fds[3] = {{p[0], POLLIN, 0}, {p[1], POLLOUT | POLLPRI, 0}, {-1, POLLIN, 0}};
    poll(fds, 3, 0);
    poll(fds, 1, 10);
    poll(NULL, 0, 1);
    struct timespec ts = {0, 1000};
    sigset_t set;
    sigemptyset(&set);
    ppoll(fds, 2, &ts, &set);
    ppoll(fds, 2, NULL, NULL);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    epoll_create1(1);
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = 0x1234;
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    ev.events = EPOLLOUT;
    ev.data.fd = p[1];
    epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev);
    ev.events = EPOLLIN | EPOLLONESHOT;
    epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev);
    epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev);
    epoll_wait(ep, evs, 4, 0);
    epoll_pwait(ep, evs, 4, 1, &set);
    epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL);
    epoll_wait(ep, NULL, 4, 0);
    int efd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
    uint64_t v = 7;
    write(efd, &v, 8);
    read(efd, &v, 8);
    close(efd);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval tv = {0, 100};
    select(p[0] + 1, &r, NULL, NULL, &tv);
    close(ep); close(p[0]); close(p[1]);
    return 0;
}
