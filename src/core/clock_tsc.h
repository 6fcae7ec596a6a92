/* The TSC as a host time source for real-time clocks (clock.h,
 * et_clock_new_realtime_tsc, has the contract). */
#ifndef EMUTIME_CORE_CLOCK_TSC_H
#define EMUTIME_CORE_CLOCK_TSC_H

#include <stdbool.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define ET_HAVE_TSC 1
#else
#define ET_HAVE_TSC 0
#endif

/* ns = ns0 + (tsc - tsc0) * mult / 2^32: a pairing of a TSC reading with a
 * CLOCK_MONOTONIC reading, and the calibrated ns per TSC tick in 2^-32.
 * Written once, before et__tsc_usable() first returns true. */
typedef struct et__tsc_scale {
    uint64_t tsc0;
    int64_t ns0;
    uint64_t mult;
} et__tsc_scale;

extern et__tsc_scale et__tsc;

/* Runs the checks once per process; true when the TSC can be used. */
bool et__tsc_usable(void);

/* The host time in ns by the TSC (only once et__tsc_usable()). */
static inline int64_t et__tsc_ns(void)
{
#if ET_HAVE_TSC
    /* lfence first, as the kernel's rdtsc_ordered: the TSC is not read
     * before the loads that precede it (the clock's sequence number). */
    _mm_lfence();
    int64_t d = (int64_t)(__rdtsc() - et__tsc.tsc0);
    if (d < 0) {
        d = 0; /* not after the calibration's own reading: never in practice */
    }
    return et__tsc.ns0 + (int64_t)(((unsigned __int128)(uint64_t)d * et__tsc.mult) >> 32);
#else
    return 0;
#endif
}

#endif
