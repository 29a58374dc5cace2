#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stddef.h>
int main(void) {
    char buf[64];
    int one = 1, val = 0;
    socklen_t len;
    BEGIN();
    int srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(0), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(srv, (struct sockaddr *)&sin, sizeof sin);
    listen(srv, 8);
    len = sizeof sin;
    getsockname(srv, (struct sockaddr *)&sin, &len);
    sin.sin_port = htons(40123);
    int cli = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(cli, SOL_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(cli, IPPROTO_IP, IP_TOS, &one, sizeof one);
    connect(cli, (struct sockaddr *)&sin, sizeof sin);
    len = sizeof val;
    getsockopt(cli, SOL_SOCKET, SO_ERROR, &val, &len);
    getsockopt(cli, SOL_SOCKET, SO_TYPE, &val, &len);
    getsockopt(cli, SOL_SOCKET, 9999, &val, &len);
    setsockopt(cli, SOL_SOCKET, SO_RCVBUF, NULL, 4);
    close(cli);
    int u = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    memcpy(sun.sun_path, "\0fidelity-abstract", 18);
    bind(u, (struct sockaddr *)&sun, offsetof(struct sockaddr_un, sun_path) + 18);
    int v = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sendto(v, "ping\n", 5, MSG_DONTWAIT, (struct sockaddr *)&sun, offsetof(struct sockaddr_un, sun_path) + 18);
    struct sockaddr_un from;
    len = sizeof from;
    recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    recvfrom(u, buf, sizeof buf, MSG_DONTWAIT, NULL, NULL);
    struct sockaddr_un path = {.sun_family = AF_UNIX, .sun_path = "sock"};
    bind(v, (struct sockaddr *)&path, sizeof path);
    connect(v, (struct sockaddr *)&path, 3);
    struct iovec iov[2] = {{"ab", 2}, {"cdef", 4}};
    struct msghdr mh = {.msg_name = &sun, .msg_namelen = offsetof(struct sockaddr_un, sun_path) + 18, .msg_iov = iov, .msg_iovlen = 2};
    sendmsg(v, &mh, 0);
    struct iovec riov = {buf, sizeof buf};
    struct msghdr rh = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &riov, .msg_iovlen = 1};
    recvmsg(u, &rh, 0);
    unlink("sock");
    int sp[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
    write(sp[0], "x", 1);
    recv(sp[1], buf, sizeof buf, MSG_PEEK);
    shutdown(sp[0], SHUT_WR);
    shutdown(sp[1], 7);
    close(sp[0]); close(sp[1]);
    socket(12345, SOCK_STREAM, 0);
    socket(AF_INET, 77, 0);
    int s6 = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(5353)};
    inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
    sendto(s6, "q", 1, 0, (struct sockaddr *)&sin6, sizeof sin6);
    connect(s6, (struct sockaddr *)&sin6, sizeof sin6);
    connect(s6, BAD, 16);
    connect(s6, NULL, 0);
    bind(-1, (struct sockaddr *)&sin, sizeof sin);
    close(s6); close(u); close(v); close(srv);
    int nl = socket(AF_NETLINK, SOCK_RAW, 0);
    close(nl);
    return 0;
}
