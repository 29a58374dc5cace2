/* THREADS threads each doing ITERATIONS malloc/free pairs of mixed sizes (mostly small, some
 * of a few KiB, a few of 256 KiB that cross glibc's mmap threshold), keeping a window of live
 * blocks so frees interleave with allocations. Prints a checksum (deterministic) and the
 * elapsed wall time: musl's single-lock allocator is much slower here than glibc's arenas. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scenario.h"

#define WINDOW 64

struct job {
    unsigned seed;
    long iterations;
    unsigned long checksum;
};

static size_t pick_size(unsigned *state)
{
    *state = *state * 1103515245u + 12345u; /* LCG: the same sizes on every run and libc */
    unsigned r = (*state >> 8) % 1000;
    if (r < 900)
        return 16 + r % 1008;         /* small */
    if (r < 995)
        return 1024 + (r % 95) * 256; /* a few KiB */
    return 256 * 1024;                /* large: mmap in glibc */
}

static void *worker(void *arg)
{
    struct job *job = arg;
    unsigned char *live[WINDOW] = {0};
    unsigned state = job->seed;
    for (long i = 0; i < job->iterations; i++) {
        size_t slot = (size_t)i % WINDOW, size = pick_size(&state);
        free(live[slot]);
        live[slot] = malloc(size);
        if (live[slot] == NULL)
            abort();
        live[slot][0] = (unsigned char)size; /* touch it, so nothing is optimised away */
        job->checksum += live[slot][0];
    }
    for (size_t s = 0; s < WINDOW; s++)
        free(live[s]);
    return NULL;
}

int main(int argc, char **argv)
{
    scenario_init();
    int threads = argc > 1 ? atoi(argv[1]) : 4;
    long iterations = argc > 2 ? atol(argv[2]) : 100000;
    if (threads < 1 || threads > 256 || iterations < 1) {
        fprintf(stderr, "usage: %s [THREADS 1-256] [ITERATIONS]\n", argv[0]);
        return 2;
    }
    pthread_t tid[256];
    struct job jobs[256];
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int t = 0; t < threads; t++) {
        jobs[t] = (struct job){.seed = (unsigned)t + 1, .iterations = iterations};
        if (pthread_create(&tid[t], NULL, worker, &jobs[t]) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    unsigned long checksum = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        checksum += jobs[t].checksum;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double elapsed = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    printf("threads=%d iterations=%ld checksum=%lu\n", threads, iterations, checksum);
    printf("elapsed: %.3f s\n", elapsed);
    return 0;
}
