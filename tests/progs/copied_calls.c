/* The calls whose memory the recorder's C loop copies at their exit (libctrace/syscalls/decode/copied.py),
 * with the edge cases of the copy: NULL and invalid pointers, a struct and a string cut by an
 * unmapped page, a path longer than the copy (handed to Python), a name longer than -s, an
 * xattr value returned, locks set then read on one struct, from two threads; the path calls
 * (openat absolute, relative to a descriptor, relative to the cwd (handed to Python), failing;
 * newfstatat and statx with their structs; getdents64 and getdents, counted in C, a block longer
 * than C counts (handed to Python), a bad buffer, one too small). argv[1]: a file in a writable
 * directory; argv[2]: a directory with more than 64 KiB of entries. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <termios.h>
#include <sys/stat.h>

#define ROUNDS 20

/* the kernel's struct sigaction (not libc's) */
struct ksigaction { void *handler; unsigned long flags; void *restorer; unsigned long mask; };

static const char *file, *bigdir;
static char *edge;  /* the last bytes of a mapped page followed by an unmapped one */

static void *calls(void *arg) {
    (void)arg;
    char value[64], longpath[600], dents[1 << 18];  /* each thread's own: counted at the exit */
    memset(longpath, 0, sizeof longpath);
    for (size_t i = 0; i + 2 < 500; i += 2) memcpy(longpath + i, "./", 2);
    strcat(longpath, "x");
    memset(edge, 'a', 16);  /* no NUL before the unmapped page */
    int fd = open(file, O_RDONLY);
    int dir = open("/etc", O_RDONLY | O_DIRECTORY);
    for (int r = 0; r < ROUNDS; r++) {
        struct stat st;
        struct statx stx;
        close(syscall(SYS_openat, AT_FDCWD, file, O_RDONLY | O_CLOEXEC));
        close(syscall(SYS_openat, dir, "passwd", O_RDONLY));
        close(syscall(SYS_openat, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY));  /* the cwd: Python */
        syscall(SYS_openat, AT_FDCWD, "no-such-file", O_RDONLY);
        syscall(SYS_openat, AT_FDCWD, "/no/such/file", O_WRONLY | O_CREAT, 0640);
        syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY);
        syscall(SYS_openat, AT_FDCWD, edge, O_RDONLY);  /* no NUL before unmapped memory */
        syscall(SYS_openat, AT_FDCWD, longpath, O_RDONLY);  /* longer than the copy: Python */
        syscall(SYS_newfstatat, AT_FDCWD, file, &st, 0);
        syscall(SYS_newfstatat, dir, "hostname", &st, AT_SYMLINK_NOFOLLOW);
        syscall(SYS_newfstatat, AT_FDCWD, file, (void *)1, 0);  /* EFAULT (edge would be half written) */
        syscall(SYS_newfstatat, AT_FDCWD, "/no/such/file", &st, 0);
        syscall(SYS_statx, AT_FDCWD, file, 0, STATX_BASIC_STATS, &stx);
        syscall(SYS_statx, dir, "", AT_EMPTY_PATH, STATX_ALL, &stx);
        syscall(SYS_statx, AT_FDCWD, file, AT_STATX_DONT_SYNC, STATX_MODE, NULL);
        struct ksigaction act = {SIG_IGN, SA_RESTART, NULL, 1UL << (SIGUSR2 - 1)}, old;
        syscall(SYS_rt_sigaction, SIGUSR1, &act, &old, 8);
        syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 8);
        syscall(SYS_rt_sigaction, SIGUSR1, (void *)1, NULL, 8);
        syscall(SYS_rt_sigaction, SIGUSR1, edge, NULL, 8);  /* 16 of 32 bytes readable */
        sigset_t set, prev;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR2);
        syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &prev, 8);
        syscall(SYS_rt_sigprocmask, SIG_SETMASK, &prev, NULL, 8);
        syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)1, NULL, 8);
        syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &prev, 200);
        getxattr(file, "user.libctrace", value, sizeof value);
        getxattr(file, "user.libctrace", value, 2);
        getxattr(file, "user.a-name-longer-than-the-default-string-size", value, sizeof value);
        lgetxattr(file, "security.selinux", value, sizeof value);
        lgetxattr(longpath, "user.x", value, sizeof value);
        lgetxattr(edge + 8, "user.x", value, sizeof value);
        lgetxattr(file, NULL, value, sizeof value);
        getxattr((char *)1, "user.x", NULL, 0);
        fgetxattr(fd, "user.libctrace", value, sizeof value);
        fgetxattr(fd, "user.libctrace", NULL, 0);
        struct rlimit lim, now;
        syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &lim);
        syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &lim, &now);
        syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, (void *)1, NULL);
        /* F_SETLK then F_GETLK on the same struct: each read at its own exit */
        struct flock lk = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = r, .l_len = 1};
        fcntl(fd, F_SETLK, &lk);
        lk.l_type = F_WRLCK;
        fcntl(fd, F_GETLK, &lk);
        fcntl(fd, F_GETLK, edge);  /* half readable */
        int pfd[2], avail;
        pipe(pfd);
        write(pfd[1], "abc", 3);
        ioctl(pfd[0], FIONREAD, &avail);
        struct termios tio;
        ioctl(fd, TCGETS, &tio);
        ioctl(pfd[0], FIONREAD, (void *)1);
        close(pfd[0]);
        close(pfd[1]);
        int etc = open("/etc", O_RDONLY | O_DIRECTORY), big = open(bigdir, O_RDONLY | O_DIRECTORY);
        while (syscall(SYS_getdents64, etc, dents, 4096) > 0) {}
        lseek(etc, 0, SEEK_SET);
        syscall(SYS_getdents, etc, dents, 4096);
        syscall(SYS_getdents64, etc, (void *)1, 4096);  /* EFAULT */
        syscall(SYS_getdents64, etc, dents, 8);  /* EINVAL: smaller than an entry */
        while (syscall(SYS_getdents64, big, dents, sizeof dents) > 0) {}  /* 125 KiB in one block */
        close(etc);
        close(big);
    }
    close(fd);
    close(dir);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    file = argv[1];
    bigdir = argv[2];
    char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(pages + 4096, 4096);
    edge = pages + 4096 - 16;
    setxattr(file, "user.libctrace", "value\n\x01", 8, 0);  /* fails where the filesystem has none */
    /* SIGUSR1's action set before the thread starts: else which thread's first rt_sigaction
     * sees SIG_DFL as the old one is a race, and the two recordings may differ there */
    struct ksigaction act = {SIG_IGN, SA_RESTART, NULL, 1UL << (SIGUSR2 - 1)};
    syscall(SYS_rt_sigaction, SIGUSR1, &act, NULL, 8);
    pthread_t t;
    pthread_create(&t, NULL, calls, NULL);
    calls(NULL);
    pthread_join(t, NULL);
    return 0;
}
