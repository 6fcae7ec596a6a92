/* Waiting for another thread to reach a point, for the deterministic race
 * tests: poll a condition, yielding, with a generous deadlock guard. The
 * tests order their threads through these waits (never through sleeps), so
 * a loaded machine only makes them slower. */
#ifndef EMUTIME_TEST_RACE_WAIT_H
#define EMUTIME_TEST_RACE_WAIT_H

#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "emutime/clock.h"

#define RACE_DEADLOCK_NS (60LL * 1000000000)

/* Polls cond(arg) until true; aborts naming what after 60 s (a deadlock). */
static inline void race_wait_for(bool (*cond)(void *), void *arg, const char *what)
{
    int64_t start = et_host_monotonic_ns();
    while (!cond(arg)) {
        if (et_host_monotonic_ns() - start > RACE_DEADLOCK_NS) {
            fprintf(stderr, "still waiting for %s after 60 s: deadlock\n", what);
            abort();
        }
        struct timespec ts = { 0, 50000 };
        nanosleep(&ts, NULL);
        sched_yield();
    }
}

static inline bool race_flag_set(void *flag)
{
    return __atomic_load_n((int *)flag, __ATOMIC_SEQ_CST) != 0;
}

/* Waits until *flag (an int written atomically) is non-zero. */
static inline void race_wait_flag(int *flag, const char *what)
{
    race_wait_for(race_flag_set, flag, what);
}

static inline void race_set_flag(int *flag)
{
    __atomic_store_n(flag, 1, __ATOMIC_SEQ_CST);
}

#endif
