/* Prints the default stack size a new thread gets: glibc takes it from RLIMIT_STACK (8 MiB
 * typically), musl uses a fixed 128 KiB. pthread_getattr_np exists in both libcs. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/resource.h>

#include "scenario.h"

#define THREADS 2

static void *report(void *arg)
{
    pthread_attr_t attr;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        pthread_attr_getstacksize(&attr, &size);
        pthread_attr_destroy(&attr);
    }
    printf("thread %d: stack %zu bytes (%zu KiB)\n", *(int *)arg, size, size / 1024);
    return NULL;
}

int main(void)
{
    scenario_init();
    struct rlimit rl;
    getrlimit(RLIMIT_STACK, &rl);
    if (rl.rlim_cur == RLIM_INFINITY)
        printf("RLIMIT_STACK: unlimited\n");
    else
        printf("RLIMIT_STACK: %llu KiB\n", (unsigned long long)rl.rlim_cur / 1024);
    pthread_attr_t attr;
    size_t size = 0;
    pthread_attr_init(&attr);
    pthread_attr_getstacksize(&attr, &size);
    pthread_attr_destroy(&attr);
    printf("default attr: %zu bytes (%zu KiB)\n", size, size / 1024);
    /* One thread at a time, so the lines come out in a fixed order. */
    for (int i = 1; i <= THREADS; i++) {
        pthread_t tid;
        if (pthread_create(&tid, NULL, report, &i) != 0) {
            perror("pthread_create");
            return 1;
        }
        pthread_join(tid, NULL);
    }
    return 0;
}
