/* Copies each argument into an 8-byte buffer with strlcpy, new in glibc 2.38 (musl has had it
 * for years). Built against glibc 2.38 the binary needs strlcpy@GLIBC_2.38, and the loader of
 * an older glibc refuses to start it: "version `GLIBC_2.38' not found". Built against older
 * glibc headers, the program takes the fallback that a configure check would pick. */
#define _GNU_SOURCE /* strlcpy in musl's and glibc 2.38's <string.h> */
#include <string.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#include "scenario.h"

#if defined(__GLIBC__) && (__GLIBC__ == 2 && __GLIBC_MINOR__ < 38)
static size_t copy(char *dst, const char *src, size_t size)
{
    size_t length = strlen(src);
    if (size > 0) {
        size_t n = length < size - 1 ? length : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return length;
}
#else
#define copy strlcpy
#endif

int main(int argc, char **argv)
{
    scenario_init();
#ifdef __GLIBC__
    printf("running on glibc %s\n", gnu_get_libc_version());
#else
    printf("running on a libc without glibc's version call (musl)\n");
#endif
    for (int i = 1; i < argc; i++) {
        char buffer[8];
        size_t length = copy(buffer, argv[i], sizeof buffer);
        printf("%s -> \"%s\"%s\n", argv[i], buffer, length >= sizeof buffer ? " (truncated)" : "");
    }
    return 0;
}
