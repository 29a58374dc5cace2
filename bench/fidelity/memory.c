#include "common.h"
#include <sys/mman.h>
int main(void) {
    unsigned char vec[4];
    BEGIN();
    void *p = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 999, 0);
    mmap(NULL, 1UL << 60, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mmap(NULL, 4096, PROT_READ | 0x100, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    mprotect(p, 4096, PROT_READ);
    mprotect(p, 4096, PROT_NONE);
    mprotect(p, 4096, PROT_READ | PROT_WRITE);
    madvise(p, 8192, MADV_DONTNEED);
    madvise(p, 8192, 999);
    mincore(p, 16384, vec);
    msync(p, 4096, MS_ASYNC);
    msync(p, 4096, MS_SYNC | MS_INVALIDATE);
    mlock(p, 4096);
    munlock(p, 4096);
    syscall(SYS_mlock2, p, 4096, 1);
    mlockall(MCL_CURRENT | MCL_FUTURE | 8);
    munlockall();
    syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, -1);
    syscall(SYS_remap_file_pages, p, 4096, 0, 0, 0);
    void *q = mremap(p, 16384, 32768, MREMAP_MAYMOVE);
    syscall(SYS_brk, 0);
    munmap(q, 32768);
    munmap(BAD, 4096);
    syscall(SYS_membarrier, 0, 0, 0);
    syscall(SYS_set_mempolicy_home_node, 0, 0, 0, 0);
    int mfd = syscall(SYS_memfd_create, "fidelity", MFD_CLOEXEC);
    ftruncate(mfd, 4096);
    void *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, mfd, 0);
    munmap(m, 4096);
    close(mfd);
    return 0;
}
