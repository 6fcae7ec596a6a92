/* The 1-minute load average (negative if unknown): other work on a shared
 * machine skews every figure, so the benchmarks print it with them. */
#ifndef EMUTIME_BENCH_LOAD_H
#define EMUTIME_BENCH_LOAD_H

#include <stdio.h>

static inline double bench_load_average(void)
{
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1) {
            load = -1;
        }
        fclose(f);
    }
    return load;
}

#endif
