/* Shared by the fidelity programs: the marker call after which lines are compared
   (everything before it is the loader's and libc's start-up). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#define BEGIN() access("/fidelity-begin", F_OK)
/* A pointer to memory the program cannot read, and junk for the upper half of int arguments. */
#define BAD ((void *)1)
#define JUNK 0xdefaced00000000ULL
/* A string with no NUL before the end of its mapping. */
static inline char *unterminated(void) {
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p + 4096, 4096);
    memset(p, 'A', 4096);
    return p + 4096 - 8;
}
