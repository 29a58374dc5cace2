/* Syscall-heavy workload for the overhead measurement: N getppid() calls. */
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000;
    for (long i = 0; i < n; i++)
        syscall(SYS_getppid);
    return 0;
}
