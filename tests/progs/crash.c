/* Dies of the signal named by argv[1]: "segv" (null write) or "abort". */
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "abort") == 0) abort();
    volatile int *p = 0;
    *p = 1;
    return 0;
}
