/* A process to attach to (`run -p`): the main thread and one worker each loop forever on
 * openat(/etc/hostname), read, close, then a 20 ms nanosleep. */
#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

static void *loop(void *arg) {
    char buf[64];
    struct timespec nap = {0, 20 * 1000 * 1000};
    for (;;) {
        int fd = open("/etc/hostname", O_RDONLY);
        if (fd >= 0) {
            (void)!read(fd, buf, sizeof buf);
            close(fd);
        }
        nanosleep(&nap, 0);
    }
    return arg;
}

int main(void) {
    pthread_t t;
    pthread_create(&t, 0, loop, 0);
    loop(0);
    return 0;
}
