/* Sends a 300-byte datagram to 127.0.0.1:53 twice: with sendto() on an unconnected UDP
 * socket, then with send() on a connected one. The recorder must keep both whole. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

int main(void) {
    char msg[300];
    for (int i = 0; i < 300; i++) msg[i] = (char)i;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int a = socket(AF_INET, SOCK_DGRAM, 0);
    if (sendto(a, msg, sizeof msg, 0, (struct sockaddr *)&sa, sizeof sa) != sizeof msg) return 1;
    int b = socket(AF_INET, SOCK_DGRAM, 0);
    if (connect(b, (struct sockaddr *)&sa, sizeof sa) != 0) return 2;
    if (send(b, msg, sizeof msg, 0) != sizeof msg) return 3;
    return 0;
}
