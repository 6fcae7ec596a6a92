/* A periodic ptimer whose timer thread fell behind on a real-time clock: the
 * late pass merges the backlog into one callback (O(1) work, the callback
 * told how many expiries it stands for), while a manual clock still fires
 * every period. And the explicit, off-by-default minimum periodic interval.
 *
 * The tests bound the work (callbacks run), never the time. Before the fix
 * a 1 ms backlog of a 3 ns reload ran 333,333 callbacks in one pass. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "emutime/emutime.h"

typedef struct ticker {
    et_clock *clock;
    et_ptimer *pt;
    uint64_t calls;
    uint64_t expiries;      /* sum of et_ptimer_expiry_count */
    int64_t last_now;       /* et_clock_now() in the last call */
    int64_t last_horizon;   /* et_clock_horizon() in the last call */
    uint64_t last_count;    /* the counter the last call read */
} ticker;

static void tick(void *opaque)
{
    ticker *t = opaque;
    t->calls++;
    t->expiries += et_ptimer_expiry_count(t->pt);
    t->last_now = et_clock_now(t->clock);
    t->last_horizon = et_clock_horizon(t->clock);
    t->last_count = et_ptimer_get_count(t->pt);
    if (t->calls > 1000) {
        /* One period at a time: stop before it runs for minutes. */
        et_ptimer_stop(t->pt);
    }
}

static void start(ticker *t, et_clock *clock, unsigned policy, int64_t period, uint64_t limit)
{
    *t = (ticker){ .clock = clock };
    t->pt = et_ptimer_new(clock, tick, t, policy);
    et_ptimer_transaction_begin(t->pt);
    et_ptimer_set_period(t->pt, period);
    et_ptimer_set_limit(t->pt, limit, 1);
    et_ptimer_run(t->pt, 0);
    et_ptimer_transaction_commit(t->pt);
}

/* Real-time clock at 0 (paused, so the arming is at exactly 0), a periodic
 * ptimer; the clock jumps 1 ms ahead and runs, as a stalled runner sees it. */
static void late_pass(unsigned policy, int64_t reload_len, uint64_t limit, int64_t period)
{
    et_clock *clock = et_clock_new_realtime();
    et_clock_pause(clock); /* armed at exactly 0 */
    et_clock_rebase(clock, 0);
    ticker t;
    start(&t, clock, policy, period, limit);
    et_clock_rebase(clock, 1000000);
    et_clock_resume(clock);
    et_clock_run_expired(clock);

    /* One call, standing for every expiry due by the pass's horizon H:
     * the first reload ends at limit * period (LEGACY) and every later one
     * reload_len further on, so the last due is the largest such time <= H,
     * and the counter reads a full reload there. */
    assert_int_equal(t.calls, 1);
    int64_t h = t.last_horizon;
    assert_true(h >= 1000000);
    int64_t first = (int64_t)limit * period;
    int64_t last = first + (h - first) / reload_len * reload_len;
    assert_int_equal(t.last_now, last);
    assert_int_equal(t.expiries, (uint64_t)((last - first) / reload_len + 1));
    et_ptimer_transaction_begin(t.pt);
    et_ptimer_stop(t.pt);
    et_ptimer_transaction_commit(t.pt);
    et_ptimer_free(t.pt);
    et_clock_free(clock);
}

static void test_realtime_backlog_merged(void **state)
{
    (void)state;
    /* LEGACY: each reload counts limit periods (3 x 1 ns). */
    late_pass(ET_PTIMER_POLICY_LEGACY, 3, 3, 1);
}

static void test_realtime_backlog_merged_wrap(void **state)
{
    (void)state;
    /* WRAP_AFTER_ONE_PERIOD: the first run counts limit periods, every
     * expiry reload limit + 1 (4 x 5 ns = 20 ns). */
    late_pass(ET_PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD, 20, 3, 5);
}

/* The callback reads the state of the last merged expiry: at that instant
 * a LEGACY reload of 3 reads 3, and the next expiry is one reload later. */
static void test_merged_state_is_that_of_the_last_expiry(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    et_clock_pause(clock); /* armed at exactly 0 */
    et_clock_rebase(clock, 0);
    ticker t;
    start(&t, clock, ET_PTIMER_POLICY_LEGACY, 160, 3);
    et_clock_rebase(clock, 1000000000);
    et_clock_resume(clock);
    et_clock_run_expired(clock);
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.last_count, 3);
    assert_int_equal(t.last_now % 480, 0);
    int64_t next = t.last_now + 480;
    assert_true(next > t.last_horizon);
    et_ptimer_transaction_begin(t.pt);
    et_ptimer_stop(t.pt);
    et_ptimer_transaction_commit(t.pt);
    et_ptimer_free(t.pt);
    et_clock_free(clock);
}

/* A manual clock keeps QEMU's exact per-period firing: 3000 ns of a 3 ns
 * reload is 1000 calls, each for one expiry. */
static void test_manual_clock_fires_every_period(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    ticker t;
    start(&t, clock, ET_PTIMER_POLICY_LEGACY, 1, 3);
    et_clock_step(clock, 3000);
    assert_int_equal(t.calls, 1000);
    assert_int_equal(t.expiries, 1000);
    assert_int_equal(t.last_now, 3000);
    et_ptimer_free(t.pt);
    et_clock_free(clock);
}

/* The minimum interval: off by default; set to 10 us, a 3 ns periodic
 * reload lasts 10 us (100 us: 10 expiries) and reads at most its start
 * value; one-shot mode is not affected. */
static void test_min_interval(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    ticker t;
    start(&t, clock, ET_PTIMER_POLICY_LEGACY, 1, 3);
    et_ptimer_transaction_begin(t.pt);
    et_ptimer_set_min_interval(t.pt, 10000);
    et_ptimer_transaction_commit(t.pt);
    assert_int_equal(et_ptimer_get_count(t.pt), 3);
    et_clock_step(clock, 5000);
    assert_int_equal(et_ptimer_get_count(t.pt), 3);
    et_clock_step(clock, 95000);
    assert_int_equal(t.calls, 10);
    assert_int_equal(t.last_now, 100000);

    /* One-shot: 3 ns as usual. */
    et_ptimer_transaction_begin(t.pt);
    et_ptimer_stop(t.pt);
    et_ptimer_set_count(t.pt, 3);
    et_ptimer_run(t.pt, 1);
    et_ptimer_transaction_commit(t.pt);
    et_clock_step(clock, 3);
    assert_int_equal(t.calls, 11);
    assert_int_equal(t.last_now, 100003);
    et_ptimer_free(t.pt);
    et_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_realtime_backlog_merged),
        cmocka_unit_test(test_realtime_backlog_merged_wrap),
        cmocka_unit_test(test_merged_state_is_that_of_the_last_expiry),
        cmocka_unit_test(test_manual_clock_fires_every_period),
        cmocka_unit_test(test_min_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
