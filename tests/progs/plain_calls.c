/* Calls with nothing to decode, from several threads and a child process, some failing:
 * what the C stop loop records without Python. With an argument, ends in pause() (a plain
 * call that never returns) after printing "ready". */
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 4
#define CALLS 300

static void *work(void *arg) {
    (void)arg;
    for (int i = 0; i < CALLS; i++) {
        syscall(SYS_getpid);
        sched_yield();
        syscall(SYS_getpgid, 999999);  /* fails: ESRCH */
        getpriority(PRIO_PROCESS, 0);
    }
    return NULL;
}

int main(int argc, char **argv) {
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, work, NULL);
    pid_t child = fork();
    if (child == 0) {
        for (int i = 0; i < CALLS; i++) syscall(SYS_getppid);
        _exit(3);
    }
    for (int i = 0; i < CALLS; i++) umask(022);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    waitpid(child, NULL, 0);
    if (argc > 1) {
        printf("ready\n");
        fflush(stdout);
        pause();
    }
    return 0;
}
