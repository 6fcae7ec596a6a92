/* The TSC real-time clock (et_clock_new_realtime_tsc): which source a clock
 * reports, the fallback, and, when this host's TSC is trusted, that the
 * clock follows CLOCK_MONOTONIC. Nothing here depends on how long anything
 * takes: the comparison brackets each TSC-clock reading between two
 * CLOCK_MONOTONIC readings, so a preempted test only widens its bracket. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emutime/emutime.h"

/* Allowed disagreement of the two rates: the calibration proves 50 ppm;
 * NTP may slew CLOCK_MONOTONIC by up to 500 ppm. */
#define MAX_RATE_PPM 600

static void test_sources(void **state)
{
    (void)state;
    et_clock *m = et_clock_new_manual();
    et_clock *r = et_clock_new_realtime();
    et_clock *t = et_clock_new_realtime_tsc();
    assert_int_equal(et_clock_source_of(m), ET_CLOCK_SOURCE_MANUAL);
    assert_int_equal(et_clock_source_of(r), ET_CLOCK_SOURCE_MONOTONIC);
    const char *status = et_clock_tsc_status();
    assert_true(strncmp(status, "tsc: ", 5) == 0);
    /* Either the TSC, or exactly the CLOCK_MONOTONIC fallback. */
    et_clock_source s = et_clock_source_of(t);
    assert_true(s == ET_CLOCK_SOURCE_TSC || s == ET_CLOCK_SOURCE_MONOTONIC);
    assert_false(et_clock_is_manual(t));
    et_clock_free(m);
    et_clock_free(r);
    et_clock_free(t);
}

static void sleep_ms(long ms)
{
    struct timespec d = { 0, ms * 1000000L };
    nanosleep(&d, NULL);
}

/* The clock's time at a bracketed instant: mono_before <= instant <= mono_after. */
typedef struct sample {
    int64_t before, t, after;
} sample;

static sample take(et_clock *c)
{
    sample s;
    s.before = et_host_monotonic_ns();
    s.t = et_clock_now(c);
    s.after = et_host_monotonic_ns();
    return s;
}

static void test_follows_the_host_clock(void **state)
{
    (void)state;
    et_clock *c = et_clock_new_realtime_tsc();
    if (et_clock_source_of(c) != ET_CLOCK_SOURCE_TSC) {
        et_clock_free(c);
        skip(); /* the fallback is an ordinary real-time clock, tested elsewhere */
    }
    /* Monotonic over many reads. */
    int64_t last = et_clock_now(c);
    for (int i = 0; i < 100000; i++) {
        int64_t now = et_clock_now(c);
        assert_true(now >= last);
        last = now;
    }
    /* Elapsed TSC-clock time between two samples lies between the inner
     * and the outer CLOCK_MONOTONIC intervals, up to the rate tolerance. */
    sample a = take(c);
    sleep_ms(30);
    sample b = take(c);
    int64_t elapsed = b.t - a.t;
    int64_t inner = b.before - a.after;
    int64_t outer = b.after - a.before;
    int64_t slack = outer / 1000000 * MAX_RATE_PPM + 1;
    if (elapsed < inner - slack || elapsed > outer + slack) {
        fail_msg("TSC clock moved %lld ns while CLOCK_MONOTONIC moved %lld..%lld ns (%s)",
                 (long long)elapsed, (long long)inner, (long long)outer, et_clock_tsc_status());
    }
    /* Pause freezes, resume continues from the frozen value, rebase jumps. */
    et_clock_pause(c);
    int64_t frozen = et_clock_now(c);
    sleep_ms(2);
    assert_int_equal(et_clock_now(c), frozen);
    et_clock_resume(c);
    assert_true(et_clock_now(c) >= frozen);
    et_clock_rebase(c, 5000000000LL);
    assert_true(et_clock_now(c) >= 5000000000LL);
    et_clock_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sources),
        cmocka_unit_test(test_follows_the_host_clock),
    };
    return cmocka_run_group_tests_name("clock_tsc", tests, NULL, NULL);
}
