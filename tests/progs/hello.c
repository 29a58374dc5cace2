/* Prints one line: the smallest program whose start-up differs between libcs. */
#include <stdio.h>

int main(void) {
    puts("hello");
    return 0;
}
