/* Frees the same block twice. glibc detects it, writes "free(): double free detected in
 * tcache 2" to stderr and aborts (SIGABRT); musl's mallocng crashes on purpose without a
 * word (SIGSEGV). */
#include <stdlib.h>

#include "scenario.h"

int main(void)
{
    scenario_init();
    char *block = malloc(32);
    /* volatile: the compiler may neither see the double free (-Wuse-after-free) nor drop it */
    char *volatile again = block;
    printf("freeing the same 32-byte block twice\n");
    free(block);
    free(again);
    printf("still alive after a double free\n");
    return 0;
}
