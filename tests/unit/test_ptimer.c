/* ptimer unit tests.
 *
 * Part 1 ports the twelve behaviours of QEMU's tests/unit/ptimer-test.c and
 * runs each under all 48 valid policy combinations (0..63 without
 * TRIGGER_ONLY_ON_DECREMENT|NO_IMMEDIATE_TRIGGER): 576 separately named
 * cases, "/ptimer/<test> policy=<flags>", with the values QEMU's test
 * expects. QEMU's qemu_clock_step is et_clock_step on a
 * manual clock: callbacks run exactly at their deadlines.
 *
 * Part 2 covers what QEMU's test does not: re-entrant callbacks, callbacks
 * that stop the timer, huge and tiny periods, long runs (exact deadlines),
 * clock inputs, misuse reports and snapshots.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emutime/clock.h"
#include "emutime/clocktree.h"
#include "emutime/diag.h"
#include "emutime/lock.h"
#include "emutime/ptimer.h"

#define P 2000000 /* QEMU's test period: 2 ms */
#define NS_PER_S INT64_C(1000000000)

#define WRAP ET_PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD
#define CONT ET_PTIMER_POLICY_CONTINUOUS_TRIGGER
#define NIT ET_PTIMER_POLICY_NO_IMMEDIATE_TRIGGER
#define NIR ET_PTIMER_POLICY_NO_IMMEDIATE_RELOAD
#define NRD ET_PTIMER_POLICY_NO_COUNTER_ROUND_DOWN
#define TOD ET_PTIMER_POLICY_TRIGGER_ONLY_ON_DECREMENT
#define CMSDK_POLICY (WRAP | TOD | NIR | NRD)

#define MAX_TRACE 64
#define MAX_TIMES 64

/* What a test callback does besides counting. */
enum cb_action {
    CB_NONE,
    CB_SET_COUNT_0,     /* set_count(0) on every call (up to a cap) */
    CB_SET_LIMIT_5_RELOAD,
    CB_SET_LIMIT_5_NORELOAD,
    CB_SET_PERIOD_2P,
    CB_STOP,
    CB_BEGIN,           /* misuse: nested transaction from the callback */
    CB_CHECK_LOCK,
};

typedef struct fixture {
    unsigned policy;
    et_clock *clock;
    et_ptimer *pt;
    int triggered;              /* QEMU's flag, as a count */
    int calls;                  /* total callback calls (never reset) */
    enum cb_action action;
    int action_calls;           /* how many calls perform the action */
    int64_t times[MAX_TIMES];   /* et_clock_now() at the first calls */
    uint64_t trace[MAX_TRACE];  /* every count the port asserts */
    int ntrace;
    et_lock *lock;
    bool lock_ok;
    int depth, max_depth;       /* callback nesting (must stay 1) */
} fixture;

static void cb_act(fixture *f);

static void cb(void *opaque)
{
    fixture *f = opaque;
    if (f->calls < MAX_TIMES) {
        f->times[f->calls] = et_clock_now(f->clock);
    }
    f->calls++;
    f->triggered++;
    if (++f->depth > f->max_depth) {
        f->max_depth = f->depth;
    }
    if (f->action_calls > 0) {
        f->action_calls--;
        cb_act(f);
    }
    f->depth--;
}

static void cb_act(fixture *f)
{
    switch (f->action) {
    case CB_NONE:
        break;
    case CB_SET_COUNT_0:
        et_ptimer_set_count(f->pt, 0);
        break;
    case CB_SET_LIMIT_5_RELOAD:
        et_ptimer_set_limit(f->pt, 5, 1);
        break;
    case CB_SET_LIMIT_5_NORELOAD:
        et_ptimer_set_limit(f->pt, 5, 0);
        break;
    case CB_SET_PERIOD_2P:
        et_ptimer_set_period(f->pt, 2 * P);
        break;
    case CB_STOP:
        et_ptimer_stop(f->pt);
        break;
    case CB_BEGIN:
        et_ptimer_transaction_begin(f->pt);
        break;
    case CB_CHECK_LOCK:
        f->lock_ok = et_lock_held_by_me(f->lock);
        break;
    }
}

static int fx_setup(void **state)
{
    fixture *f = *state;
    unsigned policy = f->policy;
    memset(f, 0, sizeof(*f));
    f->policy = policy;
    f->clock = et_clock_new_manual();
    return f->clock ? 0 : -1;
}

static int fx_teardown(void **state)
{
    fixture *f = *state;
    et_ptimer_free(f->pt);
    f->pt = NULL;
    et_clock_free(f->clock);
    f->clock = NULL;
    return 0;
}

static void fx_new(fixture *f)
{
    f->pt = et_ptimer_new(f->clock, cb, f, f->policy);
    assert_non_null(f->pt);
}

static uint64_t count_of(fixture *f)
{
    uint64_t c = et_ptimer_get_count(f->pt);
    if (f->ntrace < MAX_TRACE) {
        f->trace[f->ntrace++] = c;
    }
    return c;
}

/* Shorthands for the port, close to QEMU's test. */
#define PT f->pt
#define TX(...)                                                                \
    do {                                                                       \
        et_ptimer_transaction_begin(PT);                                       \
        __VA_ARGS__;                                                           \
        et_ptimer_transaction_commit(PT);                                      \
    } while (0)
#define STEP(ns) et_clock_step(f->clock, (ns))
#define COUNT(v) assert_int_equal(count_of(f), (uint64_t)(v))
#define TRIG() assert_true(f->triggered > 0)
#define NOTRIG() assert_int_equal(f->triggered, 0)
#define TRIG_IF(c)                                                             \
    do {                                                                       \
        if (c) {                                                               \
            TRIG();                                                            \
        } else {                                                               \
            NOTRIG();                                                          \
        }                                                                      \
    } while (0)
#define RESET() (f->triggered = 0)
#define NOW() et_clock_now(f->clock)

#define POLICY_FLAGS                                                           \
    const bool w = (f->policy & WRAP) != 0;                                    \
    const bool cont = (f->policy & CONT) != 0;                                 \
    const bool nit = (f->policy & NIT) != 0;                                   \
    const bool nir = (f->policy & NIR) != 0;                                   \
    const bool tod = (f->policy & TOD) != 0;                                   \
    const uint64_t r = (f->policy & NRD) ? 1 : 0;                              \
    (void)w; (void)cont; (void)nit; (void)nir; (void)tod; (void)r

/* ---- Part 1: QEMU's ptimer-test, step by step ---------------------------- */

static void run_set_count(fixture *f)
{
    fx_new(f);
    TX(et_ptimer_set_count(PT, 1000));
    COUNT(1000);
    NOTRIG();
}

static void run_set_limit(fixture *f)
{
    fx_new(f);
    TX(et_ptimer_set_limit(PT, 1000, 0));
    COUNT(0);
    assert_int_equal(et_ptimer_get_limit(PT), 1000);
    NOTRIG();
    TX(et_ptimer_set_limit(PT, 2000, 1));
    COUNT(2000);
    assert_int_equal(et_ptimer_get_limit(PT), 2000);
    NOTRIG();
}

static void run_oneshot(fixture *f)
{
    POLICY_FLAGS;
    fx_new(f);
    TX(et_ptimer_set_period(PT, P); et_ptimer_set_count(PT, 10);
       et_ptimer_run(PT, 1));

    STEP(2 * P + 1);
    COUNT(7 + r);
    NOTRIG();

    TX(et_ptimer_stop(PT));
    COUNT(7 + r);
    NOTRIG();

    STEP(11 * P);
    COUNT(7 + r); /* stopped timers are frozen */
    NOTRIG();

    TX(et_ptimer_run(PT, 1));
    STEP(7 * P + 1);
    assert_int_equal(NOW(), 40000002);
    COUNT(r);
    TRIG_IF(!r); /* legacy deadline 40,000,001; NRD 42,000,001 */
    RESET();

    STEP(P);
    COUNT(0);
    TRIG_IF(r);
    RESET();

    STEP(2 * P);
    COUNT(0);
    NOTRIG();

    TX(et_ptimer_set_count(PT, 10));
    STEP(10 * P + 1);
    COUNT(10);
    NOTRIG();

    TX(et_ptimer_set_limit(PT, 9, 1));
    STEP(10 * P + 1);
    COUNT(9);
    NOTRIG();

    TX(et_ptimer_run(PT, 1));
    STEP(P + 1);
    assert_int_equal(NOW(), 88000005);
    COUNT(7 + r);
    NOTRIG();

    TX(et_ptimer_set_count(PT, 20)); /* re-arms from now */
    STEP(19 * P + 1);
    COUNT(r);
    NOTRIG();

    STEP(P);
    COUNT(0);
    TRIG();

    TX(et_ptimer_stop(PT));
    RESET();
    STEP(12 * P + 1);
    COUNT(0);
    NOTRIG();
}

static void run_periodic(fixture *f)
{
    POLICY_FLAGS;
    fx_new(f);
    TX(et_ptimer_set_period(PT, P); et_ptimer_set_limit(PT, 10, 1);
       et_ptimer_run(PT, 0));
    COUNT(10);
    NOTRIG();

    STEP(1);
    COUNT(9 + r);
    NOTRIG();

    STEP(10 * P - 1); /* exactly the first deadline */
    assert_int_equal(NOW(), 20000000);
    COUNT(w ? 0 : 10);
    TRIG();

    STEP(1);
    COUNT(w ? 0 : 9 + r);
    TRIG();

    RESET();
    STEP(P);
    COUNT(8 + r + w);
    NOTRIG();

    TX(et_ptimer_set_count(PT, 20));
    COUNT(20);
    NOTRIG();

    STEP(1);
    COUNT(19 + r);
    NOTRIG();

    STEP(11 * P + 1);
    assert_int_equal(NOW(), 44000003);
    COUNT(8 + r);
    NOTRIG();

    STEP(10 * P);
    COUNT(8 + r + w);
    TRIG();

    RESET();
    TX(et_ptimer_set_count(PT, 3));
    COUNT(3);
    NOTRIG();

    STEP(1);
    COUNT(2 + r);
    NOTRIG();

    STEP(4 * P);
    COUNT(8 + r + w);
    TRIG();

    TX(et_ptimer_stop(PT));
    RESET();
    STEP(P);
    COUNT(8 + r + w);
    NOTRIG();

    TX(et_ptimer_set_count(PT, 3); et_ptimer_run(PT, 0));
    STEP(3 * P + 1);
    COUNT(w ? 0 : 9 + r);
    TRIG();

    RESET();
    STEP(P);
    assert_int_equal(NOW(), 82000005);
    COUNT(8 + r + w);
    NOTRIG();

    TX(et_ptimer_set_count(PT, 0));
    COUNT(nir ? 0 : 10);
    TRIG_IF(!(nit || tod));

    RESET();
    STEP(1);
    if (nir) {
        COUNT(0);
        NOTRIG();
        STEP(P);
        TRIG_IF(nit);
        RESET();
    }
    COUNT(9 + r);
    NOTRIG();

    STEP(12 * P);
    COUNT(7 + r + w);
    TRIG();

    TX(et_ptimer_stop(PT));
    RESET();
    STEP(10 * P);
    COUNT(7 + r + w);
    NOTRIG();

    TX(et_ptimer_run(PT, 0));
    TX(et_ptimer_set_period(PT, 0)); /* the commit stops it */
    STEP(P + 1);
    COUNT(7 + r + w);
    NOTRIG();
}

static void run_on_the_fly_mode_change(fixture *f)
{
    POLICY_FLAGS;
    fx_new(f);
    TX(et_ptimer_set_period(PT, P); et_ptimer_set_limit(PT, 10, 1);
       et_ptimer_run(PT, 1));

    STEP(9 * P + 1);
    COUNT(r);
    NOTRIG();

    TX(et_ptimer_run(PT, 0)); /* only switches the mode */
    COUNT(r);
    NOTRIG();

    STEP(P);
    COUNT(w ? 0 : 9 + r);
    TRIG();

    RESET();
    STEP(9 * P);
    TX(et_ptimer_run(PT, 1));
    COUNT(r + w);
    NOTRIG();

    STEP(3 * P);
    COUNT(0);
    TRIG();
}

static void run_on_the_fly_change(fixture *f, bool use_freq)
{
    POLICY_FLAGS;
    fx_new(f);
    TX(use_freq ? et_ptimer_set_freq(PT, 500) : et_ptimer_set_period(PT, P);
       et_ptimer_set_limit(PT, 8, 1); et_ptimer_run(PT, 1));

    STEP(4 * P + 1);
    COUNT(3 + r);
    NOTRIG();

    TX(use_freq ? et_ptimer_set_freq(PT, 250) : et_ptimer_set_period(PT, 2 * P));
    COUNT(3 + r);
    NOTRIG();

    STEP(4 * P + 1);
    COUNT(r ? 2 : 0);
    NOTRIG();

    STEP(4 * P);
    COUNT(0);
    TRIG();
}

static void run_on_the_fly_period_change(fixture *f)
{
    run_on_the_fly_change(f, false);
}

static void run_on_the_fly_freq_change(fixture *f)
{
    run_on_the_fly_change(f, true);
}

static void run_run_with_period_0(fixture *f)
{
    fx_new(f);
    TX(et_ptimer_set_count(PT, 99); et_ptimer_run(PT, 1));
    STEP(10 * NS_PER_S);
    COUNT(99);
    NOTRIG();
}

static void run_run_with_delta_0(fixture *f)
{
    POLICY_FLAGS;
    fx_new(f);
    TX(et_ptimer_set_period(PT, P); et_ptimer_set_limit(PT, 99, 0);
       et_ptimer_run(PT, 1));
    COUNT(nir ? 0 : 99);
    TRIG_IF(!(nit || tod));
    RESET();

    if (nit || nir) {
        STEP(P + 1);
        COUNT(nir ? 0 : 97 + r);
        TRIG_IF(nit && nir);
        RESET();
        TX(et_ptimer_set_count(PT, 99); et_ptimer_run(PT, 1));
    }

    STEP(P + 1);
    COUNT(97 + r);
    NOTRIG();

    STEP(97 * P);
    COUNT(r);
    NOTRIG();

    STEP(2 * P);
    COUNT(0);
    TRIG();
    RESET();

    TX(et_ptimer_set_count(PT, 0); et_ptimer_run(PT, 0));
    COUNT(nir ? 0 : 99);
    TRIG_IF(!(nit || tod));
    RESET();

    STEP(1);
    if (nir) {
        STEP(P);
    }
    COUNT(98 + r);
    TRIG_IF(nir && nit);
    RESET();

    STEP(P);
    COUNT(97 + r);
    NOTRIG();

    STEP(98 * P);
    COUNT(w ? 0 : 98 + r);
    TRIG();

    TX(et_ptimer_stop(PT));
}

static void run_periodic_with_load_0(fixture *f)
{
    POLICY_FLAGS;
    fx_new(f);
    TX(et_ptimer_set_period(PT, P); et_ptimer_run(PT, 0));
    COUNT(0);
    TRIG_IF(!(nit || tod));
    RESET();

    STEP(P + 1);
    COUNT(0);
    TRIG_IF(cont || nit);
    RESET();

    TX(et_ptimer_set_count(PT, 10); et_ptimer_run(PT, 0));
    STEP(10 * P + 1);
    COUNT(0);
    TRIG();
    RESET();

    STEP(P + 1);
    COUNT(0);
    TRIG_IF(cont);

    TX(et_ptimer_stop(PT));
}

static void run_oneshot_with_load_0(fixture *f)
{
    POLICY_FLAGS;
    fx_new(f);
    TX(et_ptimer_set_period(PT, P); et_ptimer_run(PT, 1));
    COUNT(0);
    TRIG_IF(!(nit || tod));
    RESET();

    STEP(P + 1);
    COUNT(0);
    TRIG_IF(nit);
}

static void run_freq_more_than_1000M(fixture *f)
{
    POLICY_FLAGS;
    fx_new(f);
    /* 0.5 ns period: limit 8 expires at t = 4 ns. */
    TX(et_ptimer_set_freq(PT, 2000000000u); et_ptimer_set_limit(PT, 8, 1);
       et_ptimer_run(PT, 1));
    STEP(3);
    COUNT(2 + r);
    NOTRIG();
    STEP(1);
    COUNT(0);
    TRIG();
}

typedef void (*port_fn)(fixture *f);

static const struct port_test {
    const char *name;
    port_fn run;
} port_tests[] = {
    { "set_count", run_set_count },
    { "set_limit", run_set_limit },
    { "oneshot", run_oneshot },
    { "periodic", run_periodic },
    { "on_the_fly_mode_change", run_on_the_fly_mode_change },
    { "on_the_fly_period_change", run_on_the_fly_period_change },
    { "on_the_fly_freq_change", run_on_the_fly_freq_change },
    { "run_with_period_0", run_run_with_period_0 },
    { "run_with_delta_0", run_run_with_delta_0 },
    { "periodic_with_load_0", run_periodic_with_load_0 },
    { "oneshot_with_load_0", run_oneshot_with_load_0 },
    { "freq_more_than_1000M", run_freq_more_than_1000M },
};
#define N_PORT (sizeof(port_tests) / sizeof(port_tests[0]))

/* Each registered port case: which test, under which policy. */
typedef struct port_case {
    fixture f; /* first, so the state pointer is also the fixture */
    const struct port_test *test;
} port_case;

static void test_port(void **state)
{
    port_case *pc = *state;
    pc->test->run(&pc->f);
}

/* The count traces QEMU's ptimer-test.c asserts, every one of them. */
static void check_trace(void **state, unsigned policy, port_fn run,
                        const uint64_t *want, int n)
{
    fixture *f = *state;
    f->policy = policy;
    run(f);
    assert_int_equal(f->ntrace, n);
    for (int i = 0; i < n; i++) {
        if (f->trace[i] != want[i]) {
            fail_msg("count #%d: got %llu, want %llu", i + 1,
                     (unsigned long long)f->trace[i],
                     (unsigned long long)want[i]);
        }
    }
}

static void test_trace_legacy_oneshot(void **state)
{
    static const uint64_t want[] = { 7, 7, 7, 0, 0, 0, 10, 9, 7, 0, 0, 0 };
    check_trace(state, 0, run_oneshot, want, 12);
}

static void test_trace_legacy_periodic(void **state)
{
    static const uint64_t want[] = { 10, 9, 10, 9, 8, 20, 19, 8, 8, 3,
                                     2,  8, 8,  9, 8, 10, 9,  7, 7, 7 };
    check_trace(state, 0, run_periodic, want, 20);
}

static void test_trace_cmsdk_periodic(void **state)
{
    static const uint64_t want[] = { 10, 10, 0, 0, 10, 20, 20, 9, 10, 3, 3,
                                     10, 10, 0, 10, 0, 0,  10, 9, 9,  9 };
    check_trace(state, CMSDK_POLICY, run_periodic, want, 21);
}

/* ---- Part 2: beyond QEMU's test ------------------------------------------ */

/* Starts a periodic timer: period, limit (reloaded), at the current time. */
static void start_periodic(fixture *f, int64_t period, uint64_t limit)
{
    if (!f->pt) {
        fx_new(f);
    }
    TX(et_ptimer_set_period(PT, period); et_ptimer_set_limit(PT, limit, 1);
       et_ptimer_run(PT, 0));
}

static void test_absorbed_retrigger(void **state)
{
    fixture *f = *state;
    /* The callback sets the count to 0 on every call: the commit's re-arm
     * calls it again at once, and that call's set_count(0) is absorbed by
     * the immediate reload. 2 calls per expiry, not 3 (docs/ptimer.md, "Transactions and callbacks"). */
    f->action = CB_SET_COUNT_0;
    f->action_calls = 1000;
    start_periodic(f, P, 10);
    STEP(10 * P);
    assert_int_equal(f->calls, 2);
    assert_int_equal(f->times[0], 10 * P);
    assert_int_equal(f->times[1], 10 * P);
    assert_int_equal(et_ptimer_get_count(PT), 10);
    et_ptimer_state st;
    et_ptimer_get_state(PT, &st);
    assert_int_equal(st.timer_expire, 20 * P);
    STEP(10 * P);
    assert_int_equal(f->calls, 4);
    assert_int_equal(f->times[2], 20 * P);
    assert_int_equal(f->times[3], 20 * P);
    assert_int_equal(f->max_depth, 1);
    f->action_calls = 0;
    STEP(10 * P);
    assert_int_equal(f->calls, 5);
    assert_int_equal(f->times[4], 30 * P);
}

static void test_absorbed_retrigger_at_commit(void **state)
{
    fixture *f = *state;
    /* The same from a register write: set_count(0) on a running timer. */
    start_periodic(f, P, 10);
    STEP(3 * P);
    f->action = CB_SET_COUNT_0;
    f->action_calls = 1000;
    TX(et_ptimer_set_count(PT, 0));
    /* The immediate trigger's own set_count(0) is absorbed: one call. */
    assert_int_equal(f->calls, 1);
    assert_int_equal(et_ptimer_get_count(PT), 10);
    et_ptimer_state st;
    et_ptimer_get_state(PT, &st);
    assert_int_equal(st.timer_expire, 13 * P);
}

static void test_retrigger_loop_nir(void **state)
{
    fixture *f = *state;
    /* Under NO_IMMEDIATE_RELOAD a count set to 0 stays 0, so each pass of
     * the commit loop triggers again: three set_count(0) from the callback
     * give four calls, one after the other (never nested). */
    f->policy = NIR;
    start_periodic(f, P, 10);
    STEP(3 * P);
    f->action = CB_SET_COUNT_0;
    f->action_calls = 3;
    TX(et_ptimer_set_count(PT, 0));
    assert_int_equal(f->calls, 4);
    assert_int_equal(f->max_depth, 1);
    assert_int_equal(et_ptimer_get_count(PT), 0);
    /* One period at 0, then the reload to 10 (no callback: NIT not set). */
    STEP(P);
    assert_int_equal(f->calls, 4);
    assert_int_equal(et_ptimer_get_count(PT), 10);
    STEP(10 * P);
    assert_int_equal(f->calls, 5);
    assert_int_equal(f->times[4], 14 * P);
    assert_int_equal(f->max_depth, 1);
}

static void test_callback_sets_limit_reload(void **state)
{
    fixture *f = *state;
    f->action = CB_SET_LIMIT_5_RELOAD;
    f->action_calls = 1;
    start_periodic(f, P, 10);
    STEP(30 * P);
    /* 10P; then re-armed from the callback: 15P, 20P, 25P, 30P. */
    assert_int_equal(f->calls, 5);
    static const int64_t want[] = { 10 * P, 15 * P, 20 * P, 25 * P, 30 * P };
    for (int i = 0; i < 5; i++) {
        assert_int_equal(f->times[i], want[i]);
    }
    assert_int_equal(et_ptimer_get_limit(PT), 5);
}

static void test_callback_sets_limit_noreload(void **state)
{
    fixture *f = *state;
    f->action = CB_SET_LIMIT_5_NORELOAD;
    f->action_calls = 1;
    start_periodic(f, P, 10);
    STEP(30 * P);
    /* The running countdown is kept; the new limit applies from 20P. */
    assert_int_equal(f->calls, 4);
    static const int64_t want[] = { 10 * P, 20 * P, 25 * P, 30 * P };
    for (int i = 0; i < 4; i++) {
        assert_int_equal(f->times[i], want[i]);
    }
}

static void test_callback_sets_period(void **state)
{
    fixture *f = *state;
    f->action = CB_SET_PERIOD_2P;
    f->action_calls = 1;
    start_periodic(f, P, 10);
    STEP(10 * P);
    /* At the expiry instant the count is exactly the limit. */
    assert_int_equal(et_ptimer_get_count(PT), 10);
    STEP(50 * P);
    assert_int_equal(f->calls, 3);
    assert_int_equal(f->times[1], 30 * P);
    assert_int_equal(f->times[2], 50 * P);
}

/* The ptimer is stopped and its timer is not armed. */
static void assert_stopped_and_unarmed(fixture *f)
{
    et_ptimer_state st;
    et_ptimer_get_state(PT, &st);
    assert_int_equal(st.enabled, 0);
    assert_int_equal(st.timer_expire, -1);
}

static void test_callback_stops_periodic(void **state)
{
    fixture *f = *state;
    f->action = CB_STOP;
    f->action_calls = 1;
    start_periodic(f, P, 10);
    STEP(100 * P);
    assert_int_equal(f->calls, 1);
    assert_int_equal(et_ptimer_get_count(PT), 10);
    assert_stopped_and_unarmed(f);
}

static void test_callback_stops_limit_0(void **state)
{
    fixture *f = *state;
    /* QEMU Oct 2020: the immediate trigger's callback stops the timer, the
     * count is still zero: quietly stopped, under every policy that
     * triggers immediately. */
    f->policy = CONT;
    f->action = CB_STOP;
    f->action_calls = 1;
    start_periodic(f, P, 0);
    assert_int_equal(f->calls, 1);
    STEP(100 * P);
    assert_int_equal(f->calls, 1);
    assert_int_equal(et_ptimer_get_count(PT), 0);
    assert_stopped_and_unarmed(f);
}

static void test_callback_stops_at_zero_count(void **state)
{
    fixture *f = *state;
    /* Count 0, limit 10: the immediate trigger's callback stops the timer,
     * then the immediate reload makes the count 10. The stopped timer stays
     * stopped (QEMU would arm it anyway). */
    f->action = CB_STOP;
    f->action_calls = 1;
    fx_new(f);
    TX(et_ptimer_set_period(PT, P); et_ptimer_set_limit(PT, 10, 0);
       et_ptimer_run(PT, 0));
    assert_int_equal(f->calls, 1);
    assert_int_equal(et_ptimer_get_count(PT), 10);
    assert_stopped_and_unarmed(f);
    STEP(100 * P);
    assert_int_equal(f->calls, 1);
    assert_int_equal(et_ptimer_get_count(PT), 10);
}

static void test_callback_stops_oneshot_then_restart(void **state)
{
    fixture *f = *state;
    f->action = CB_STOP; /* a no-op: the oneshot already stopped itself */
    f->action_calls = 1;
    fx_new(f);
    TX(et_ptimer_set_period(PT, P); et_ptimer_set_count(PT, 5);
       et_ptimer_run(PT, 1));
    STEP(10 * P);
    assert_int_equal(f->calls, 1);
    assert_int_equal(f->times[0], 5 * P);
    assert_int_equal(et_ptimer_get_count(PT), 0);
    TX(et_ptimer_set_count(PT, 2); et_ptimer_run(PT, 1));
    STEP(10 * P);
    assert_int_equal(f->calls, 2);
    assert_int_equal(f->times[1], 12 * P);
}

static void test_huge_period(void **state)
{
    fixture *f = *state;
    const int64_t big = INT64_MAX / 4;
    start_periodic(f, big, 4);
    et_ptimer_state st;
    et_ptimer_get_state(PT, &st);
    assert_int_equal(st.next_event, 4 * big); /* INT64_MAX - 3: fits */
    assert_int_equal(st.timer_expire, 4 * big);
    STEP(1);
    assert_int_equal(et_ptimer_get_count(PT), 3);

    /* 5 periods overflow int64: the deadline saturates at INT64_MAX (never
     * wraps negative), and the count reads as if the deadline were there. */
    TX(et_ptimer_set_limit(PT, 5, 1));
    et_ptimer_get_state(PT, &st);
    assert_int_equal(st.last_event, 1);
    assert_int_equal(st.next_event, INT64_MAX);
    assert_int_equal(st.timer_expire, INT64_MAX);
    assert_int_equal(et_ptimer_get_count(PT), 4);
    STEP(NS_PER_S);
    assert_int_equal(et_ptimer_get_count(PT), 3);
    assert_int_equal(f->calls, 0);

    /* The largest count and period, under WRAP (limit + 1 must not wrap). */
    et_ptimer_free(PT);
    f->pt = NULL;
    f->policy = WRAP | NRD;
    start_periodic(f, INT64_MAX, UINT64_MAX);
    et_ptimer_get_state(PT, &st);
    assert_int_equal(st.next_event, INT64_MAX);
    assert_int_equal(et_ptimer_get_count(PT), 0); /* floor(1 - now/MAX) = 0 */
    STEP(1000);
    assert_int_equal(et_ptimer_get_count(PT), 1);
    TX(et_ptimer_set_freq(PT, 1); et_ptimer_set_limit(PT, UINT64_MAX, 1));
    et_ptimer_get_state(PT, &st);
    assert_int_equal(st.period, NS_PER_S);
    assert_int_equal(st.next_event, INT64_MAX);
    assert_int_equal(f->calls, 0);

    /* At the top frequency a full count fits: 2^64 - 1 periods of
     * 1e9 / 2^32 / 2^32 ns. Its expiry re-arms for limit + 1 = 2^64 periods
     * under WRAP (QEMU's 64-bit count would wrap to 0 and stop the timer
     * with "delta zero"), and reads 0 for the first of them. */
    TX(et_ptimer_set_freq(PT, UINT32_MAX); et_ptimer_set_limit(PT, UINT64_MAX, 1));
    et_ptimer_get_state(PT, &st);
    assert_int_equal(st.period, 0);
    assert_int_equal(st.period_frac, 1000000000u);
    int64_t start = NOW();
    const int64_t len = INT64_C(4294967295999999999);
    assert_int_equal(st.next_event, start + len);
    assert_true(et_clock_step_next(f->clock));
    assert_int_equal(NOW(), start + len);
    assert_int_equal(f->calls, 1);
    et_ptimer_get_state(PT, &st);
    assert_int_equal(st.enabled, 1);
    assert_int_equal(st.timer_expire, start + len + INT64_C(4294967296000000000));
    assert_int_equal(et_ptimer_get_count(PT), 0); /* WRAP: 0 for one period */
}

static void test_period_1ns(void **state)
{
    fixture *f = *state;
    f->action = CB_NONE;
    start_periodic(f, 1, 1);
    STEP(1000);
    assert_int_equal(f->calls, 1000);
    for (int i = 0; i < MAX_TIMES; i++) {
        assert_int_equal(f->times[i], i + 1);
    }
    /* Limit 3 at 1 ns: every 3 ns, reading 3, 2, 1 (NRD) in between. */
    et_ptimer_free(PT);
    f->pt = NULL;
    f->policy = NRD;
    f->calls = 0;
    start_periodic(f, 1, 3);
    assert_int_equal(et_ptimer_get_count(PT), 3);
    STEP(1);
    assert_int_equal(et_ptimer_get_count(PT), 3);
    STEP(1);
    assert_int_equal(et_ptimer_get_count(PT), 2);
    STEP(1);
    assert_int_equal(et_ptimer_get_count(PT), 3);
    assert_int_equal(f->calls, 1);
    STEP(297);
    assert_int_equal(f->calls, 100);
}

static void test_freq_2ghz_periodic(void **state)
{
    fixture *f = *state;
    fx_new(f);
    TX(et_ptimer_set_freq(PT, 2000000000u); et_ptimer_set_limit(PT, 8, 1);
       et_ptimer_run(PT, 0));
    et_ptimer_state st;
    et_ptimer_get_state(PT, &st);
    assert_int_equal(st.period, 0);
    assert_int_equal(st.period_frac, 0x80000000u);
    STEP(100);
    assert_int_equal(f->calls, 25);
    for (int i = 0; i < 25; i++) {
        assert_int_equal(f->times[i], 4 * (i + 1));
    }
    STEP(2);
    assert_int_equal(et_ptimer_get_count(PT), 4); /* 2 ns left of 4 */
}

static void test_freq_2ghz_limit_1(void **state)
{
    fixture *f = *state;
    /* One 0.5 ns period truncates to 0 ns; a periodic timer must still let
     * time advance, so each period lasts 1 ns (QEMU would spin forever under
     * qtest). A oneshot fires at once. */
    fx_new(f);
    TX(et_ptimer_set_freq(PT, 2000000000u); et_ptimer_set_limit(PT, 1, 1);
       et_ptimer_run(PT, 0));
    STEP(10);
    assert_int_equal(f->calls, 10);
    assert_int_equal(f->times[9], 10);
    TX(et_ptimer_run(PT, 1));
    STEP(1);
    assert_int_equal(f->calls, 11);
    STEP(10);
    assert_int_equal(f->calls, 11);
}

/* Long runs: each expiry re-arms from the previous deadline, adding
 * K = d * period + floor(d * period_frac / 2^32) whole ns (d = limit, or
 * limit + 1 under WRAP after the first). Latency never accumulates, but the
 * truncated fraction does: n expiries land sum(K) ns from the start, behind
 * the exact 64.32 schedule by n * frac(d * period_frac / 2^32) < n ns. */
typedef struct drift {
    et_clock *clock;
    int64_t start;
    uint64_t first, then; /* K for the first period, and after */
    uint64_t n;
    uint64_t mismatches;
    int64_t first_bad_got, first_bad_want;
} drift;

static void drift_cb(void *opaque)
{
    drift *d = opaque;
    d->n++;
    int64_t want = d->start + (int64_t)(d->first + (d->n - 1) * d->then);
    int64_t got = et_clock_now(d->clock);
    if (got != want && d->mismatches++ == 0) {
        d->first_bad_got = got;
        d->first_bad_want = want;
    }
}

static uint64_t k_of(int64_t period, uint32_t frac, uint64_t d)
{
    /* Written independently of ptimer.c: d whole periods plus the
     * truncated d fractions. */
    return d * (uint64_t)period + (uint64_t)(((unsigned __int128)frac * d) >> 32);
}

static void run_drift(et_clock *clock, unsigned policy, int64_t period,
                      uint32_t frac, bool by_freq, uint32_t hz, uint64_t limit,
                      uint64_t expiries)
{
    drift d = { .clock = clock, .start = et_clock_now(clock) };
    et_ptimer *pt = et_ptimer_new(clock, drift_cb, &d, policy);
    assert_non_null(pt);
    d.first = k_of(period, frac, limit);
    d.then = k_of(period, frac, (policy & WRAP) ? limit + 1 : limit);
    et_ptimer_transaction_begin(pt);
    if (by_freq) {
        et_ptimer_set_freq(pt, hz);
    } else {
        et_ptimer_set_period(pt, period);
    }
    et_ptimer_set_limit(pt, limit, 1);
    et_ptimer_run(pt, 0);
    et_ptimer_transaction_commit(pt);

    et_ptimer_state st;
    et_ptimer_get_state(pt, &st);
    assert_int_equal(st.period, period);
    assert_int_equal(st.period_frac, frac);

    int64_t span = (int64_t)(d.first + (expiries - 1) * d.then);
    et_clock_step(clock, span);
    if (d.mismatches) {
        fail_msg("%llu expiries off schedule; first at %lld, want %lld",
                 (unsigned long long)d.mismatches, (long long)d.first_bad_got,
                 (long long)d.first_bad_want);
    }
    assert_int_equal(d.n, expiries);
    et_ptimer_free(pt);
}

static void test_no_drift_integral(void **state)
{
    fixture *f = *state;
    /* 1e6 expiries of 3 x 7 ns: the n-th at exactly n * 21 ns. */
    run_drift(f->clock, 0, 7, 0, false, 0, 3, 1000000);
    assert_int_equal(et_clock_now(f->clock), 21000000);
    /* And under WRAP: 3 periods, then 4 each. */
    run_drift(f->clock, WRAP | NRD, 7, 0, false, 0, 3, 1000000);
}

static void test_drift_fractional(void **state)
{
    fixture *f = *state;
    /* 3 Hz: 333,333,333 ns + 0x55555555 / 2^32. With limit 1, K is
     * 333,333,333: each expiry loses 1/3 ns against the exact schedule. */
    run_drift(f->clock, 0, 333333333, 0x55555555u, true, 3, 1, 100000);
    int64_t end = et_clock_now(f->clock);
    assert_int_equal(end, INT64_C(100000) * 333333333);
    /* The exact 64.32 schedule would be floor(n * (P * 2^32 + frac) / 2^32). */
    unsigned __int128 exact =
        ((unsigned __int128)100000 * ((UINT64_C(333333333) << 32) | 0x55555555u)) >> 32;
    assert_int_equal((int64_t)exact - end, 33333); /* the bound: < n ns */

    /* Limit 7 at 3 Hz: K = 7 * 333333333 + floor(7 * 0x55555555 / 2^32). */
    int64_t t0 = et_clock_now(f->clock);
    run_drift(f->clock, NRD, 333333333, 0x55555555u, true, 3, 7, 100000);
    assert_int_equal(et_clock_now(f->clock) - t0,
                     INT64_C(100000) * (7 * INT64_C(333333333) + 2));

    /* 25 MHz / 7 ~ 3,571,428 Hz: 280.000022 ns; and WRAP (8 then 9). */
    run_drift(f->clock, WRAP, 280, 0x0002ef9eu, true, 3571428, 8, 200000);
}

static void test_period_from_clock(void **state)
{
    fixture *f = *state;
    et_clock_input *clk = et_clock_input_new("pclk");
    et_clock_input_set_hz(clk, 25000000); /* 40 ns */
    fx_new(f);
    TX(et_ptimer_set_period_from_clock(PT, clk, 7); et_ptimer_set_limit(PT, 10, 1);
       et_ptimer_run(PT, 0));
    et_ptimer_state st;
    et_ptimer_get_state(PT, &st);
    assert_int_equal(st.period, 280);
    assert_int_equal(st.period_frac, 0);
    STEP(2800);
    assert_int_equal(f->calls, 1);
    assert_int_equal(f->times[0], 2800);

    /* 3 MHz is 333 ns + 0x55555555 / 2^32; times 7 carries 2 into the ns. */
    STEP(3 * 280 + 100); /* t = 3740, count floor(1860 / 280) = 6 */
    assert_int_equal(et_ptimer_get_count(PT), 6);
    et_clock_input_set_hz(clk, 3000000);
    assert_int_equal(et_clock_input_period(clk), UINT64_C(1431655765333));
    TX(et_ptimer_set_period_from_clock(PT, clk, 7));
    et_ptimer_get_state(PT, &st);
    assert_int_equal(st.period, 2333);
    assert_int_equal(st.period_frac, 0x55555553u);
    assert_int_equal(st.delta, 6); /* frozen under the old period */
    /* Re-armed from now: 6 periods = 6 * 2333 + floor(6 * 0x55555553 / 2^32) */
    assert_int_equal(st.next_event, 3740 + 6 * 2333 + 1);
    et_clock_input_free(clk);
}

/* A device that follows its clock input's frequency. */
typedef struct follower {
    fixture *f;
    et_clock_input *clk;
    unsigned divisor;
    int changes;
} follower;

static void follow_cb(void *opaque, et_clock_input *clk)
{
    follower *fo = opaque;
    fo->changes++;
    et_ptimer_transaction_begin(fo->f->pt);
    et_ptimer_set_period_from_clock(fo->f->pt, clk, fo->divisor);
    et_ptimer_transaction_commit(fo->f->pt);
}

static void test_period_from_clock_follows_change(void **state)
{
    fixture *f = *state;
    et_clock_input *src = et_clock_input_new("osc");
    et_clock_input *clk = et_clock_input_new("pclk");
    et_clock_input_set_hz(src, 100000000);
    et_clock_input_set_source(clk, src, 4, 1); /* 40 ns: 25 MHz */
    assert_int_equal(et_clock_input_period(clk), UINT64_C(40) << 32);
    follower fo = { .f = f, .clk = clk, .divisor = 7 };
    fx_new(f);
    unsigned h = et_clock_input_add_notify(clk, follow_cb, &fo);
    assert_true(h > 0);
    TX(et_ptimer_set_period_from_clock(PT, clk, 7); et_ptimer_set_limit(PT, 10, 1);
       et_ptimer_run(PT, 0));
    STEP(2800 + 3 * 280 + 100); /* one expiry; t = 3740, count 6 */
    assert_int_equal(f->calls, 1);
    assert_int_equal(et_ptimer_get_count(PT), 6);

    /* The parent doubles: pclk becomes 50 MHz, 20 ns x 7 = 140 ns. */
    et_clock_input_set_hz(src, 200000000);
    assert_int_equal(et_clock_input_period(clk), UINT64_C(20) << 32);
    assert_int_equal(fo.changes, 1);
    assert_int_equal(et_ptimer_get_count(PT), 6);
    STEP(6 * 140);
    assert_int_equal(f->calls, 2);
    assert_int_equal(f->times[1], 3740 + 6 * 140);
    STEP(10 * 140);
    assert_int_equal(f->calls, 3);
    assert_int_equal(f->times[2], 3740 + 16 * 140);

    /* The clock stops (period 0): the next commit stops the timer, frozen. */
    STEP(3 * 140);
    et_clock_input_set_period(clk, 0);
    assert_int_equal(et_ptimer_get_count(PT), 7);
    STEP(100 * 140);
    assert_int_equal(f->calls, 3);
    assert_int_equal(et_ptimer_get_count(PT), 7);
    et_clock_input_remove_notify(clk, h);
    et_clock_input_free(clk);
    et_clock_input_free(src);
}

/* ---- Misuse -------------------------------------------------------------- */

static char last_error[512];
static int n_errors;

static void record_error(const char *message, void *opaque)
{
    (void)opaque;
    n_errors++;
    snprintf(last_error, sizeof(last_error), "%s", message);
}

#if ET_USAGE_CHECKS
static void expect_error(const char *fn, const char *rule)
{
    assert_int_equal(n_errors, 1);
    if (!strstr(last_error, fn) || !strstr(last_error, rule)) {
        fail_msg("usage error \"%s\" does not mention %s / %s", last_error, fn,
                 rule);
    }
    n_errors = 0;
    last_error[0] = '\0';
}
#endif

static int misuse_setup(void **state)
{
    n_errors = 0;
    last_error[0] = '\0';
    et_set_usage_error_handler(record_error, NULL);
    return fx_setup(state);
}

static int misuse_teardown(void **state)
{
    et_set_usage_error_handler(NULL, NULL);
    return fx_teardown(state);
}

static void test_misuse_outside_transaction(void **state)
{
#if !ET_USAGE_CHECKS
    (void)state;
    skip();
#else
    fixture *f = *state;
    fx_new(f);
    et_ptimer_set_count(PT, 5);
    expect_error("et_ptimer_set_count", "outside a transaction");
    assert_int_equal(et_ptimer_get_count(PT), 0); /* the call did nothing */
    et_ptimer_set_limit(PT, 5, 1);
    expect_error("et_ptimer_set_limit", "outside a transaction");
    et_ptimer_set_period(PT, P);
    expect_error("et_ptimer_set_period", "outside a transaction");
    et_ptimer_set_freq(PT, 1000);
    expect_error("et_ptimer_set_freq", "outside a transaction");
    et_ptimer_run(PT, 0);
    expect_error("et_ptimer_run", "outside a transaction");
    et_ptimer_stop(PT);
    expect_error("et_ptimer_stop", "outside a transaction");
    assert_int_equal(et_ptimer_get_limit(PT), 0);
    et_ptimer_transaction_commit(PT);
    expect_error("et_ptimer_transaction_commit", "without");
#endif
}

static void test_misuse_nested_begin(void **state)
{
#if !ET_USAGE_CHECKS
    (void)state;
    skip();
#else
    fixture *f = *state;
    fx_new(f);
    et_ptimer_transaction_begin(PT);
    et_ptimer_transaction_begin(PT);
    expect_error("et_ptimer_transaction_begin", "nested");
    et_ptimer_set_count(PT, 5); /* still inside the first one */
    et_ptimer_transaction_commit(PT);
    assert_int_equal(n_errors, 0);
    assert_int_equal(et_ptimer_get_count(PT), 5);

    /* From an expiry callback, which already runs in a transaction. */
    f->action = CB_BEGIN;
    f->action_calls = 1;
    start_periodic(f, P, 10);
    STEP(10 * P);
    expect_error("et_ptimer_transaction_begin", "nested");
    assert_int_equal(f->calls, 1);
    STEP(10 * P); /* and the timer keeps working */
    assert_int_equal(f->calls, 2);
#endif
}

static void test_misuse_policy_and_callback(void **state)
{
#if !ET_USAGE_CHECKS
    (void)state;
    skip();
#else
    fixture *f = *state;
    assert_null(et_ptimer_new(f->clock, cb, f, TOD | NIT));
    expect_error("et_ptimer_new", "TRIGGER_ONLY_ON_DECREMENT");
    assert_null(et_ptimer_new(f->clock, cb, f, TOD | NIT | WRAP));
    expect_error("et_ptimer_new", "NO_IMMEDIATE_TRIGGER");
    assert_null(et_ptimer_new(f->clock, NULL, f, 0));
    expect_error("et_ptimer_new", "callback");
    assert_null(et_ptimer_new(f->clock, cb, f, 0x40));
    expect_error("et_ptimer_new", "policy");
#endif
}

/* ---- Snapshots ----------------------------------------------------------- */

typedef struct twin {
    et_clock *clock;
    et_ptimer *pt;
    int calls;
    int64_t last_time;
} twin;

static void twin_cb(void *opaque)
{
    twin *t = opaque;
    t->calls++;
    t->last_time = et_clock_now(t->clock);
}

static void assert_same_state(et_ptimer *a, et_ptimer *b)
{
    et_ptimer_state sa, sb;
    et_ptimer_get_state(a, &sa);
    et_ptimer_get_state(b, &sb);
    assert_int_equal(sa.enabled, sb.enabled);
    assert_int_equal(sa.limit, sb.limit);
    assert_int_equal(sa.delta, sb.delta);
    assert_int_equal(sa.period, sb.period);
    assert_int_equal(sa.period_frac, sb.period_frac);
    assert_int_equal(sa.last_event, sb.last_event);
    assert_int_equal(sa.next_event, sb.next_event);
    assert_int_equal(sa.timer_expire, sb.timer_expire);
}

/* Saves a, loads into a fresh ptimer on a fresh clock set to the same time,
 * then steps both in lockstep: same counts, same callbacks. */
static void snapshot_and_compare(twin *a, unsigned policy, int64_t stride,
                                 int steps)
{
    et_ptimer_state st;
    et_ptimer_get_state(a->pt, &st);

    twin b = { .clock = et_clock_new_manual() };
    et_clock_set(b.clock, et_clock_now(a->clock));
    b.pt = et_ptimer_new(b.clock, twin_cb, &b, policy);
    et_ptimer_set_state(b.pt, &st);
    assert_int_equal(b.calls, 0); /* loading calls nothing */
    assert_same_state(a->pt, b.pt);
    assert_int_equal(et_ptimer_get_count(a->pt), et_ptimer_get_count(b.pt));

    int base = a->calls;
    for (int i = 0; i < steps; i++) {
        et_clock_step(a->clock, stride);
        et_clock_step(b.clock, stride);
        assert_int_equal(et_ptimer_get_count(a->pt), et_ptimer_get_count(b.pt));
        assert_int_equal(a->calls - base, b.calls);
        if (b.calls) {
            assert_int_equal(a->last_time, b.last_time);
        }
        assert_same_state(a->pt, b.pt);
    }
    et_ptimer_free(b.pt);
    et_clock_free(b.clock);
}

static int64_t next_event_of(et_ptimer *pt)
{
    et_ptimer_state st;
    et_ptimer_get_state(pt, &st);
    return st.next_event;
}

static void test_snapshot_round_trip(void **state)
{
    (void)state;
    for (unsigned policy = 0; policy < 64; policy++) {
        if ((policy & TOD) && (policy & NIT)) {
            continue;
        }
        twin a = { .clock = et_clock_new_manual() };
        a.pt = et_ptimer_new(a.clock, twin_cb, &a, policy);
        et_ptimer_transaction_begin(a.pt);
        et_ptimer_set_freq(a.pt, 3000000); /* fractional period */
        et_ptimer_set_limit(a.pt, 10, 1);
        et_ptimer_run(a.pt, 0);
        et_ptimer_transaction_commit(a.pt);

        /* Mid-period, periodic. */
        et_clock_step(a.clock, 25 * 3333 + 1234);
        snapshot_and_compare(&a, policy, 1000, 60);

        /* Exactly at an expiry instant. */
        et_clock_set(a.clock, next_event_of(a.pt));
        snapshot_and_compare(&a, policy, 777, 60);

        /* In a zero period (count 0: NIR holds 0 for one period). */
        et_ptimer_transaction_begin(a.pt);
        et_ptimer_set_count(a.pt, 0);
        et_ptimer_transaction_commit(a.pt);
        et_clock_step(a.clock, 100);
        snapshot_and_compare(&a, policy, 333, 60);

        /* Oneshot, then stopped. */
        et_ptimer_transaction_begin(a.pt);
        et_ptimer_set_count(a.pt, 4);
        et_ptimer_run(a.pt, 1);
        et_ptimer_transaction_commit(a.pt);
        et_clock_step(a.clock, 500);
        snapshot_and_compare(&a, policy, 500, 40);
        et_ptimer_transaction_begin(a.pt);
        et_ptimer_stop(a.pt);
        et_ptimer_transaction_commit(a.pt);
        snapshot_and_compare(&a, policy, 500, 5);

        et_ptimer_free(a.pt);
        et_clock_free(a.clock);
    }
}

/* ---- Lock binding -------------------------------------------------------- */

static void test_set_lock(void **state)
{
    fixture *f = *state;
    static et_lock_class cls = ET_LOCK_CLASS_INIT("test ptimer device");
    et_lock lock;
    et_lock_init(&lock, &cls);
    f->lock = &lock;
    f->action = CB_CHECK_LOCK;
    f->action_calls = 1;
    fx_new(f);
    et_ptimer_set_lock(PT, &lock);
    et_lock_acquire(&lock);
    TX(et_ptimer_set_period(PT, P); et_ptimer_set_limit(PT, 3, 1);
       et_ptimer_run(PT, 0));
    et_lock_release(&lock);
    STEP(3 * P);
    assert_int_equal(f->calls, 1);
    assert_true(f->lock_ok);
    et_ptimer_free(PT);
    f->pt = NULL;
    et_lock_destroy(&lock);
}

/* ---- Registration -------------------------------------------------------- */

static void policy_name(unsigned policy, char *buf, size_t len)
{
    static const char *const names[] = {
        "wrap_after_one_period", "continuous_trigger", "no_immediate_trigger",
        "no_immediate_reload",   "no_counter_rounddown",
        "trigger_only_on_decrement",
    };
    if (policy == 0) {
        snprintf(buf, len, "legacy");
        return;
    }
    buf[0] = '\0';
    for (unsigned i = 0; i < 6; i++) {
        if (policy & (1u << i)) {
            strncat(buf, names[i], len - strlen(buf) - 1);
            strncat(buf, ",", len - strlen(buf) - 1);
        }
    }
}

static fixture extra_fixtures[32];

#define EXTRA(fn)                                                              \
    { "/ptimer/" #fn, fn, fx_setup, fx_teardown, NULL }
#define MISUSE(fn)                                                             \
    { "/ptimer/" #fn, fn, misuse_setup, misuse_teardown, NULL }

int main(void)
{
    static const struct CMUnitTest extras[] = {
        EXTRA(test_trace_legacy_oneshot),
        EXTRA(test_trace_legacy_periodic),
        EXTRA(test_trace_cmsdk_periodic),
        EXTRA(test_absorbed_retrigger),
        EXTRA(test_absorbed_retrigger_at_commit),
        EXTRA(test_retrigger_loop_nir),
        EXTRA(test_callback_sets_limit_reload),
        EXTRA(test_callback_sets_limit_noreload),
        EXTRA(test_callback_sets_period),
        EXTRA(test_callback_stops_periodic),
        EXTRA(test_callback_stops_limit_0),
        EXTRA(test_callback_stops_at_zero_count),
        EXTRA(test_callback_stops_oneshot_then_restart),
        EXTRA(test_huge_period),
        EXTRA(test_period_1ns),
        EXTRA(test_freq_2ghz_periodic),
        EXTRA(test_freq_2ghz_limit_1),
        EXTRA(test_no_drift_integral),
        EXTRA(test_drift_fractional),
        EXTRA(test_period_from_clock),
        EXTRA(test_period_from_clock_follows_change),
        MISUSE(test_misuse_outside_transaction),
        MISUSE(test_misuse_nested_begin),
        MISUSE(test_misuse_policy_and_callback),
        EXTRA(test_snapshot_round_trip),
        EXTRA(test_set_lock),
    };
    const size_t n_extra = sizeof(extras) / sizeof(extras[0]);
    if (n_extra > sizeof(extra_fixtures) / sizeof(extra_fixtures[0])) {
        return 1;
    }

    const size_t n_port = N_PORT * 48;
    const size_t n = n_port + n_extra;
    struct CMUnitTest *tests = calloc(n, sizeof(*tests));
    port_case *cases = calloc(n_port, sizeof(*cases));
    char (*names)[256] = calloc(n_port, sizeof(*names));
    if (!tests || !cases || !names) {
        return 1;
    }

    size_t k = 0;
    for (size_t t = 0; t < N_PORT; t++) {
        for (unsigned policy = 0; policy < 64; policy++) {
            if ((policy & TOD) && (policy & NIT)) {
                continue;
            }
            char flags[200];
            policy_name(policy, flags, sizeof(flags));
            snprintf(names[k], sizeof(names[k]), "/ptimer/%s policy=%s",
                     port_tests[t].name, flags);
            cases[k].f.policy = policy;
            cases[k].test = &port_tests[t];
            tests[k] = (struct CMUnitTest){ names[k], test_port, fx_setup,
                                            fx_teardown, &cases[k] };
            k++;
        }
    }
    for (size_t i = 0; i < n_extra; i++) {
        tests[k] = extras[i];
        tests[k].initial_state = &extra_fixtures[i];
        k++;
    }

    int failed = _cmocka_run_group_tests("ptimer", tests, k, NULL, NULL);
    free(names);
    free(cases);
    free(tests);
    return failed;
}
