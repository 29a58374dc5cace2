/* NTHREADS threads each call close(-1) CALLS times at the same moment; prints the total
 * number of calls made, for comparison with what a tracer recorded. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define NTHREADS 32
#define CALLS 200
static pthread_barrier_t start;

static void *work(void *arg) {
    long *made = arg;
    pthread_barrier_wait(&start);
    for (int i = 0; i < CALLS; i++) {
        close(-1);
        (*made)++;
    }
    return NULL;
}

int main(void) {
    pthread_t t[NTHREADS];
    long made[NTHREADS] = {0}, total = 0;
    pthread_barrier_init(&start, NULL, NTHREADS);
    for (int i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, work, &made[i]);
    for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < NTHREADS; i++) total += made[i];
    printf("%ld\n", total);
    return 0;
}
