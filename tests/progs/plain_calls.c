/* The calls the recorder's C loop takes (libctrace/record/stoploop.c), from several threads and a child
 * process, some failing: calls with plain-number arguments, and calls decoded from their
 * numbers alone (memory mappings, futex, descriptors). With an argument, ends in pause() (a
 * call that never returns) after printing "ready". */
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define THREADS 4
#define CALLS 300

static int file;
static int word;

static void *work(void *arg) {
    (void)arg;
    struct stat st;
    for (int i = 0; i < CALLS; i++) {
        syscall(SYS_getpid);
        sched_yield();
        syscall(SYS_getpgid, 999999);  /* fails: ESRCH */
        getpriority(PRIO_PROCESS, 0);
        char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        madvise(p, 4096, MADV_DONTNEED);
        mprotect(p, 4096, PROT_READ);
        munmap(p, 8192);
        syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        fstat(file, &st);
        fcntl(file, F_GETFD);
    }
    return NULL;
}

int main(int argc, char **argv) {
    pthread_t t[THREADS];
    file = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, work, NULL);
    pid_t child = fork();
    if (child == 0) {
        for (int i = 0; i < CALLS; i++) syscall(SYS_getppid);
        _exit(3);
    }
    struct termios tio;
    for (int i = 0; i < CALLS; i++) {
        umask(022);
        int copy = dup(file);
        lseek(copy, i, SEEK_SET);
        ioctl(copy, TCGETS, &tio);  /* fails: ENOTTY */
        close(copy);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    waitpid(child, NULL, 0);
    if (argc > 1) {
        printf("ready\n");
        fflush(stdout);
        pause();
    }
    return 0;
}
