/* A non-leader thread calls execve while the main thread sleeps in the kernel. */
#include <pthread.h>
#include <unistd.h>

static void *run(void *arg) {
    char *argv[] = {"true", NULL};
    usleep(100000); /* the main thread is inside pause() by then */
    execv((char *)arg, argv);
    return NULL;
}

int main(int argc, char **argv) {
    pthread_t t;
    pthread_create(&t, NULL, run, argv[1]);
    pause();
    return 1;
}
