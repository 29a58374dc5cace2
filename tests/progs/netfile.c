/* Opens and reads a file, then sends one UDP datagram to 127.0.0.1:PORT through a
 * connected socket: exercises fd_path on read() and sockaddr decoding of connect(). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    char buf[64];
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) return 3;
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0) return 4;
    send(s, "ping", 4, 0);
    printf("read %zd\n", n);
    return 7;
}
