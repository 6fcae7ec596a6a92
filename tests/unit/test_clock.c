/* Real-time clocks (pause/resume/rebase, run-expired), clock-tree inputs and
 * the usage-error checks of the clock API. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "emutime/emutime.h"

/* Host time brackets make these exact without timing assumptions: however
 * long the thread is preempted, virtual time may not move more than the host
 * time measured around the calls. */
static void test_realtime_runs_pauses_and_resumes(void **state)
{
    (void)state;
    int64_t h0 = et_host_monotonic_ns();
    et_clock *c = et_clock_new_realtime();
    int64_t t0 = et_clock_now(c);
    int64_t h1 = et_host_monotonic_ns();
    assert_true(t0 >= 0 && t0 <= h1 - h0); /* starts at 0 */
    usleep(2000);
    int64_t t1 = et_clock_now(c);
    assert_true(t1 - t0 >= 2000000);

    et_clock_pause(c);
    assert_true(et_clock_is_paused(c));
    int64_t frozen = et_clock_now(c);
    usleep(20000);
    assert_int_equal(et_clock_now(c), frozen); /* frozen while paused */

    int64_t h2 = et_host_monotonic_ns();
    et_clock_resume(c);
    int64_t t2 = et_clock_now(c);
    int64_t h3 = et_host_monotonic_ns();
    /* Continues from the frozen value: the 20 ms paused are not counted. */
    assert_true(t2 >= frozen && t2 - frozen <= h3 - h2);

    int64_t h4 = et_host_monotonic_ns();
    et_clock_rebase(c, 5000000000);
    int64_t t3 = et_clock_now(c);
    int64_t h5 = et_host_monotonic_ns();
    assert_true(t3 >= 5000000000 && t3 - 5000000000 <= h5 - h4);
    et_clock_free(c);
}

static int fired;

static void count_cb(void *opaque)
{
    (void)opaque;
    fired++;
}

static void test_realtime_run_expired_and_pause(void **state)
{
    (void)state;
    et_clock *c = et_clock_new_realtime();
    et_timer *t = et_timer_new(c, count_cb, NULL);
    fired = 0;
    int64_t deadline = et_clock_now(c) + 3600 * 1000000000LL; /* an hour away */
    et_timer_mod(t, deadline);
    assert_int_equal(et_clock_deadline(c), deadline);
    assert_int_equal(et_clock_run_expired(c), 0);

    /* Paused: no deadline, nothing fires, even once time is past it. */
    et_clock_pause(c);
    et_clock_rebase(c, deadline + 1);
    assert_int_equal(et_clock_deadline(c), ET_NO_DEADLINE);
    assert_int_equal(et_clock_run_expired(c), 0);
    assert_int_equal(fired, 0);

    et_clock_resume(c);
    assert_int_equal(et_clock_deadline(c), deadline);
    assert_int_equal(et_clock_run_expired(c), 1);
    assert_int_equal(fired, 1);
    et_timer_free(t);
    et_clock_free(c);
}


static char last_error[512];
static void record_error(const char *msg, void *opaque)
{
    (void)opaque;
    strncpy(last_error, msg, sizeof(last_error) - 1);
}

static void test_usage_errors(void **state)
{
    (void)state;
#if !ET_USAGE_CHECKS
    skip();
#else
    et_set_usage_error_handler(record_error, NULL);
    et_clock *rt = et_clock_new_realtime();
    last_error[0] = 0;
    et_clock_step(rt, 10);
    assert_non_null(strstr(last_error, "et_clock_step"));
    assert_non_null(strstr(last_error, "manual"));

    et_clock *m = et_clock_new_manual();
    last_error[0] = 0;
    et_clock_step(m, -1);
    assert_non_null(strstr(last_error, "negative"));
    assert_int_equal(et_clock_now(m), 0);
    last_error[0] = 0;
    et_clock_pause(m);
    assert_non_null(strstr(last_error, "et_clock_pause"));
    et_set_usage_error_handler(NULL, NULL);
    et_clock_free(m);
    et_clock_free(rt);
#endif
}

/* --- clock tree ---------------------------------------------------------- */

static int changes;

static void on_change(void *opaque, et_clock_input *clk)
{
    (void)clk;
    changes++;
    *(uint64_t *)opaque = et_clock_input_period(clk);
}

static void test_clock_tree(void **state)
{
    (void)state;
    /* 25 MHz is exactly 40 ns: 40 << 32 in 2^-32 ns units. */
    assert_int_equal(et_clock_period_from_hz(25000000), (uint64_t)40 << 32);
    assert_int_equal(et_clock_hz_from_period((uint64_t)40 << 32), 25000000);
    /* 3 Hz: 1e9/3 ns, truncated in 2^-32 units. */
    assert_int_equal(et_clock_period_from_hz(3), ((uint64_t)1000000000 << 32) / 3);
    assert_int_equal(et_clock_period_from_hz(0), 0);

    et_clock_input *sys = et_clock_input_new("sysclk");
    et_clock_input *div = et_clock_input_new("timclk");
    uint64_t seen = 0;
    changes = 0;
    unsigned h = et_clock_input_add_notify(div, on_change, &seen);
    et_clock_input_set_hz(sys, 200000000);              /* 5 ns */
    /* As in QEMU, multiplier and divider scale the period: a frequency
     * divider by 16 is multiplier 16. */
    et_clock_input_set_source(div, sys, 16, 1);         /* 80 ns */
    assert_int_equal(et_clock_input_period(div), (uint64_t)80 << 32);
    assert_int_equal(et_clock_input_hz(div), 12500000);
    assert_int_equal(changes, 1);
    assert_int_equal(seen, (uint64_t)80 << 32);

    et_clock_input_set_mul_div(div, 8, 1);              /* 40 ns */
    assert_int_equal(seen, (uint64_t)40 << 32);
    assert_int_equal(changes, 2);
    et_clock_input_set_hz(sys, 100000000);              /* parent change: 80 ns */
    assert_int_equal(seen, (uint64_t)80 << 32);
    assert_int_equal(changes, 3);
    et_clock_input_set_hz(sys, 100000000);              /* no change, no call */
    assert_int_equal(changes, 3);

    et_clock_input_remove_notify(div, h);
    et_clock_input_set_hz(sys, 50000000);
    assert_int_equal(changes, 3);
    assert_int_equal(et_clock_input_period(div), (uint64_t)160 << 32);
    assert_string_equal(et_clock_input_name(div), "timclk");
    et_clock_input_free(div);
    et_clock_input_free(sys);
}

/* Configuration errors are reported in every build, usage checks or not: a
 * cycle would otherwise recurse without end when a period propagates. */
static void test_clock_tree_config_errors_in_every_build(void **state)
{
    (void)state;
    et_set_usage_error_handler(record_error, NULL);
    et_clock_input *a = et_clock_input_new("a");
    et_clock_input *b = et_clock_input_new("b");
    et_clock_input_set_hz(a, 1000);
    et_clock_input_set_source(b, a, 1, 2);
    last_error[0] = 0;
    et_clock_input_set_source(a, b, 1, 1); /* a -> b -> a */
    assert_non_null(strstr(last_error, "own ancestor"));
    last_error[0] = 0;
    et_clock_input_set_source(b, b, 1, 1);
    assert_non_null(strstr(last_error, "other than the clock itself"));
    last_error[0] = 0;
    et_clock_input_set_mul_div(b, 1, 0);
    assert_non_null(strstr(last_error, "non-zero"));
    /* Nothing changed: b still follows a with its period times 1/2 (a's
     * 2000 Hz gives b 4000 Hz). */
    et_clock_input_set_hz(a, 2000);
    assert_int_equal(et_clock_input_period(b), et_clock_period_from_hz(4000));
    et_clock_input_free(b);
    et_clock_input_free(a);
    et_set_usage_error_handler(NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_realtime_runs_pauses_and_resumes),
        cmocka_unit_test(test_realtime_run_expired_and_pause),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_clock_tree),
        cmocka_unit_test(test_clock_tree_config_errors_in_every_build),
    };
    return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
