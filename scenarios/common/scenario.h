/* Shared by the scenario programs: line-buffered output, so that what a program printed
 * reaches a pipe or a trace in the order it happened even if it dies right after. */
#ifndef LIBCTRACE_SCENARIO_H
#define LIBCTRACE_SCENARIO_H

#include <stdio.h>

static inline void scenario_init(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
}

#endif
