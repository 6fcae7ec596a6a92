/* The Cortex-A9 MPCore private timer on vexpress-a9 (0x1e000600), driven
 * through the machine's address space exactly as QEMU 7.2's qtest
 * test-arm-mptimer drives QEMU: the same 61 cases (9 plain, 26 each run
 * with prescaler 0 and 122), in its order, on one machine that lives across
 * all of them (every case starts by stopping the timer, loading 0 and
 * clearing the event flag).
 *
 * Timing, from the TRM's interval (PRESCALER + 1) x (LOAD + 1) / PERIPHCLK
 * and QEMU's 100 MHz PERIPHCLK: a count lasts T(s) = (s + 1) x 10 ns, and
 * step(s, n) advances n counts plus 1 ns, so a read lands just after the
 * n-th count edge. Loaded with N and enabled at t0, the counter reads N - k
 * during count k, reaches 0 (event flag set) after N counts; with
 * auto-reload it holds 0 for one count and then reads LOAD: a period of
 * N + 1 counts. The prescaler-0 corner cases (a write of 0 to an enabled
 * one-shot, Load 0 with auto-reload) follow the hardware behaviour that
 * QEMU's arm_mptimer encodes: no event at the write itself, because the
 * hardware's zero coincides with the write's PERIPHCLK edge; with a
 * prescaler the zero is only seen at the next prescaled edge, so it
 * produces an event one count later. The "!!s" expectations below are
 * that difference. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "device_fixture.h"
#include "emutime/devices/arm_mptimer.h"
#include "emutime/emutime.h"
#include "emutime/machine.h"

#define BASE 0x1e000600u
#define LOAD (BASE + ET_ARM_MPTIMER_LOAD)
#define COUNTER (BASE + ET_ARM_MPTIMER_COUNTER)
#define CONTROL (BASE + ET_ARM_MPTIMER_CONTROL)
#define INTSTAT (BASE + ET_ARM_MPTIMER_INTSTAT)

#define MAX32 0xffffffffu
#define NOSCALE 0
#define ONESHOT 0
#define PERIODIC 1

/* The one machine every case runs on. */
static device_fixture *F;

static int setup_machine(void **state)
{
    (void)state;
    F = df_new_machine("vexpress-a9");
    return 0;
}

static int teardown_machine(void **state)
{
    (void)state;
    df_free(F);
    return 0;
}

static int64_t count_ns(int s)
{
    return ((s & 0xff) + 1) * 10;
}

/* Advances n counts of prescaler s, and 1 ns more. */
static void counts(int s, int64_t n)
{
    step(F, count_ns(s) * n + 1);
}

static void load(uint32_t v)
{
    wr(F, LOAD, v);
}

static void set_counter(uint32_t v)
{
    wr(F, COUNTER, v);
}

static uint32_t counter(void)
{
    return rd(F, COUNTER);
}

static void start(int periodic, int s)
{
    wr(F, CONTROL, ET_ARM_MPTIMER_CTRL_ENABLE | ET_ARM_MPTIMER_CTRL_PRESCALER(s) |
                    (periodic ? ET_ARM_MPTIMER_CTRL_AUTO : 0));
}

static void stop(void)
{
    wr(F, CONTROL, 0);
}

/* Stopped, Load 0 (so the counter 0), event flag clear. */
static void fresh(void)
{
    stop();
    load(0);
    wr(F, INTSTAT, 1);
}

/* The event flag, cleared if it was set. */
static uint32_t event(void)
{
    uint32_t v = rd(F, INTSTAT);
    if (v) {
        wr(F, INTSTAT, 1);
    }
    return v;
}

/* The counter reads count and the event flag is ev (cleared if set). The
 * two reads commute: reading the counter leaves the flag alone, and
 * clearing the flag leaves the counter alone. Macros, so that a failure
 * names the case's line. */
#define EXPECT(count, ev)                                                      \
    do {                                                                       \
        assert_int_equal(counter(), (count));                                  \
        assert_int_equal(event(), (ev));                                       \
    } while (0)

/* n more counts of prescaler s (and 1 ns), then EXPECT(count, ev). */
#define AFTER(s, n, count, ev)                                                 \
    do {                                                                       \
        counts((s), (n));                                                      \
        EXPECT((count), (ev));                                                 \
    } while (0)

static int scaler_of(void **state)
{
    return *(int *)*state;
}

/* --- the cases with a prescaler argument --------------------------------- */

/* One-shot of 9999999: 9999 counts in, 9990000 left; 9990000 later it is 0
 * with the flag; it then stays 0 with no further event. */
static void test_oneshot(void **state)
{
    int s = scaler_of(state);
    fresh();
    load(9999999);
    start(ONESHOT, s);
    AFTER(s, 9999, 9990000, 0);
    AFTER(s, 9990000, 0, 1);
    AFTER(s, 9990000, 0, 0);
}

/* Disabling freezes the counter; enabling again continues from it. */
static void test_pause(void **state)
{
    int s = scaler_of(state);
    fresh();
    load(999999999);
    start(ONESHOT, s);
    AFTER(s, 999, 999999000, 0);
    AFTER(s, 9000, 999990000, 0);
    stop();
    EXPECT(999990000, 0);
    AFTER(s, 90000, 999990000, 0);
    start(ONESHOT, s);
    AFTER(s, 999990000, 0, 1);
    AFTER(s, 999990000, 0, 0);
}

/* A Load write restarts the count from the new value (TRM: writing Load
 * also writes the counter). */
static void test_reload(void **state)
{
    int s = scaler_of(state);
    fresh();
    load(MAX32);
    start(ONESHOT, s);
    AFTER(s, 90000, MAX32 - 90000, 0);
    load(MAX32);
    AFTER(s, 90000, MAX32 - 90000, 0);
}

/* Auto-reload with Load 100: a period of 101 counts. Each round steps
 * 101 + r counts (landing r counts into the next period: the counter reads
 * 100 - r... after the reload), then 101 - r counts minus 2 ns back onto
 * the same phase. */
static void test_periodic(void **state)
{
    int s = scaler_of(state);
    fresh();
    load(100);
    start(PERIODIC, s);
    for (int r = 9; r >= 0; r--) {
        step(F, count_ns(s) * (101 + r) + 1);
        EXPECT(100 - r, 1);
        step(F, count_ns(s) * (101 - r) - 1);
    }
}

/* Switching a running one-shot to auto-reload keeps the count: 9000 left,
 * then 14001 counts = 9000 to 0, one count at 0, reload 10000 and 5000
 * more. */
static void test_oneshot_to_periodic(void **state)
{
    int s = scaler_of(state);
    fresh();
    load(10000);
    start(ONESHOT, s);
    AFTER(s, 1000, 9000, 0);
    start(PERIODIC, s);
    AFTER(s, 14001, 5000, 1);
}

/* And back: the one-shot runs out and stays at 0. */
static void test_periodic_to_oneshot(void **state)
{
    int s = scaler_of(state);
    fresh();
    load(99999999);
    start(PERIODIC, s);
    AFTER(s, 999, 99999000, 0);
    start(ONESHOT, s);
    AFTER(s, 99999009, 0, 1);
}

/* Counter written 0 in a running one-shot: it stops at 0, with an event
 * only when prescaled. */
static void test_set_oneshot_counter_to_0(void **state)
{
    int s = scaler_of(state);
    fresh();
    load(MAX32);
    start(ONESHOT, s);
    AFTER(s, 1, MAX32 - 1, 0);
    set_counter(0);
    AFTER(s, 10, 0, !!s);
}

/* Counter written 0 with auto-reload and Load MAX32: unscaled it reloads at
 * once (one count later it reads MAX32 - 1), scaled it reaches 0 and
 * reloads at the next count (reads MAX32) with an event. With Load 0 it
 * behaves as a one-shot. */
static void test_set_periodic_counter_to_0(void **state)
{
    int s = scaler_of(state);
    fresh();
    load(MAX32);
    start(PERIODIC, s);
    AFTER(s, 1, MAX32 - 1, 0);
    set_counter(0);
    AFTER(s, 1, MAX32 - (s ? 0 : 1), !!s);

    fresh();
    set_counter(MAX32);
    start(PERIODIC, s);
    AFTER(s, 1, MAX32 - 1, 0);
    set_counter(0);
    AFTER(s, 1, 0, !!s);
}

/* Enabled with nothing loaded. */
static void test_noload_oneshot(void **state)
{
    int s = scaler_of(state);
    fresh();
    start(ONESHOT, s);
    AFTER(s, 1, 0, !!s);
    AFTER(s, 1, 0, 0);
}

/* Auto-reload with Load 0: prescaled, an event every count. */
static void test_noload_periodic(void **state)
{
    int s = scaler_of(state);
    fresh();
    start(PERIODIC, s);
    AFTER(s, 1, 0, !!s);
    AFTER(s, 1, 0, !!s);
}

/* Load 0 written to a running, already expired one-shot: one more event
 * when prescaled, then none. */
static void test_zero_load_oneshot(void **state)
{
    int s = scaler_of(state);
    fresh();
    start(ONESHOT, s);
    AFTER(s, 1, 0, !!s);
    load(0);
    AFTER(s, 1, 0, !!s);
    AFTER(s, 1, 0, 0);
}

static void test_zero_load_periodic(void **state)
{
    int s = scaler_of(state);
    fresh();
    start(PERIODIC, s);
    AFTER(s, 1, 0, !!s);
    load(0);
    AFTER(s, 1, 0, !!s);
    AFTER(s, 1, 0, !!s);
}

/* Then Load 999: 999 counts to 0, stays (one-shot). */
static void test_zero_load_oneshot_to_nonzero(void **state)
{
    int s = scaler_of(state);
    fresh();
    start(ONESHOT, s);
    AFTER(s, 1, 0, !!s);
    load(0);
    AFTER(s, 1, 0, !!s);
    load(999);
    AFTER(s, 1001, 0, 1);
}

/* Then Load 1999999 with auto-reload: a period of 2000000 counts, so each
 * step of 2000001 lands one count later in the period: 1999999 - i. */
static void test_zero_load_periodic_to_nonzero(void **state)
{
    int s = scaler_of(state);
    fresh();
    start(PERIODIC, s);
    AFTER(s, 1, 0, !!s);
    load(0);
    AFTER(s, 1, 0, !!s);
    load(1999999);
    for (int i = 1; i < 10; i++) {
        AFTER(s, 2000001, 1999999 - i, 1);
        assert_int_equal(event(), 0);
    }
}

/* Load MAX32 then at once Load 0. */
static void test_nonzero_load_oneshot_to_zero(void **state)
{
    int s = scaler_of(state);
    fresh();
    start(ONESHOT, s);
    AFTER(s, 1, 0, !!s);
    load(MAX32);
    load(0);
    AFTER(s, 100, 0, !!s);
}

static void test_nonzero_load_periodic_to_zero(void **state)
{
    int s = scaler_of(state);
    fresh();
    start(PERIODIC, s);
    AFTER(s, 1, 0, !!s);
    load(MAX32);
    load(0);
    AFTER(s, 100, 0, !!s);
}

/* A counter write to a running auto-reload timer continues from it. */
static void test_set_periodic_counter_on_the_fly(void **state)
{
    int s = scaler_of(state);
    fresh();
    load(MAX32 / 2);
    start(PERIODIC, s);
    AFTER(s, 100, MAX32 / 2 - 100, 0);
    set_counter(MAX32);
    AFTER(s, 100, MAX32 - 100, 0);
}

/* A counter write to an enabled one-shot that sat at 0 starts it again. */
static void test_enable_and_set_counter(void **state)
{
    int s = scaler_of(state);
    fresh();
    start(ONESHOT, s);
    counts(s, 1);
    assert_int_equal(event(), !!s);
    set_counter(MAX32);
    AFTER(s, 100, MAX32 - 100, 0);
}

static void test_set_counter_and_enable(void **state)
{
    int s = scaler_of(state);
    fresh();
    set_counter(MAX32);
    start(ONESHOT, s);
    AFTER(s, 100, MAX32 - 100, 0);
}

/* Load 999 then counter 0, then enable as a one-shot. */
static void test_oneshot_with_counter_0_on_start(void **state)
{
    int s = scaler_of(state);
    fresh();
    load(999);
    set_counter(0);
    start(ONESHOT, s);
    AFTER(s, 100, 0, !!s);
    AFTER(s, 100, 0, 0);
}

/* Counter 0 when enabling with auto-reload: unscaled, enabling reloads
 * LOAD at once; scaled, the 0 lasts one count (an event) then LOAD. */
static void test_periodic_with_counter_0_on_start(void **state)
{
    int s = scaler_of(state);
    fresh();
    load(MAX32);
    set_counter(0);
    EXPECT(0, 0);
    start(PERIODIC, s);
    AFTER(s, 100, MAX32 + (s ? 1 : 0) - 100, !!s);
    AFTER(s, 100, MAX32 + (s ? 1 : 0) - 200, 0);

    fresh();
    load(1999999);
    set_counter(0);
    EXPECT(0, 0);
    counts(s, 1);
    assert_int_equal(event(), 0);
    start(PERIODIC, s);
    counts(s, 1);
    assert_int_equal(event(), !!s);
    for (int i = 2 - (s ? 1 : 0); i < 10; i++) {
        AFTER(s, 2000001, 1999999 - i, 1);
        assert_int_equal(event(), 0);
    }
}

/* Load 10 with auto-reload, sampled every 10 counts after a 1 ns offset:
 * the period is 11 counts, so sample k is k counts short of a whole number
 * of periods and reads k. */
static void test_periodic_counter(void **state)
{
    int s = scaler_of(state);
    fresh();
    load(10);
    start(PERIODIC, s);
    step(F, 1);
    for (uint32_t k = 0; k <= 10; k++) {
        step(F, count_ns(s) * 10);
        assert_int_equal(counter(), k);
    }
}

/* Enabled with auto-reload first, then Load 0, then the counter 999: one
 * run down to 0 with an event, then the Load-0 behaviour. */
static void test_set_counter_periodic_with_zero_load(void **state)
{
    int s = scaler_of(state);
    fresh();
    start(PERIODIC, s);
    load(0);
    counts(s, 1);
    assert_int_equal(event(), !!s);
    counts(s, 1);
    assert_int_equal(event(), !!s);
    set_counter(999);
    AFTER(s, 999, 0, 1);
    AFTER(s, 1, 0, !!s);
}

static void test_set_oneshot_load_to_0(void **state)
{
    int s = scaler_of(state);
    fresh();
    load(MAX32);
    start(ONESHOT, s);
    AFTER(s, 100, MAX32 - 100, 0);
    load(0);
    AFTER(s, 100, 0, !!s);
    AFTER(s, 100, 0, 0);
}

static void test_set_periodic_load_to_0(void **state)
{
    int s = scaler_of(state);
    fresh();
    load(MAX32);
    start(PERIODIC, s);
    AFTER(s, 100, MAX32 - 100, 0);
    load(0);
    AFTER(s, 100, 0, !!s);
    AFTER(s, 100, 0, !!s);
}

/* Load 0: auto-reload, one-shot, auto-reload again. */
static void test_zero_load_mode_switch(void **state)
{
    int s = scaler_of(state);
    fresh();
    load(0);
    start(PERIODIC, s);
    AFTER(s, 1, 0, !!s);
    counts(s, 1);
    start(ONESHOT, s);
    AFTER(s, 1, 0, !!s);
    AFTER(s, 1, 0, 0);
    counts(s, 1);
    start(PERIODIC, s);
    AFTER(s, 1, 0, !!s);
}

/* --- the plain cases ------------------------------------------------------ */

/* With prescaler 255 (2560 ns counts), nothing happens within 100 ns of
 * enabling: the first event comes at the first count edge. Four ways to
 * reach 0, each in one-shot and auto-reload mode. */
static void test_deferred_trigger(void **state)
{
    (void)state;
    for (int mode = ONESHOT; mode <= PERIODIC; mode++) {
        fresh();
        start(mode, 255);
        step(F, 100);
        assert_int_equal(counter(), 0);
        counts(255, 1);
        assert_int_equal(event(), 1);

        fresh();
        load(2);
        start(mode, 255);
        step(F, 100);
        assert_int_equal(event(), 0);
        counts(255, 1);
        assert_int_equal(event(), 0);
        counts(255, 1);
        assert_int_equal(event(), 1);

        fresh();
        load(MAX32);
        start(mode, 255);
        step(F, 100);
        assert_int_equal(event(), 0);
        set_counter(0);
        step(F, 100);
        assert_int_equal(event(), 0);
        counts(255, 1);
        assert_int_equal(event(), 1);

        fresh();
        load(MAX32);
        start(mode, 255);
        step(F, 100);
        assert_int_equal(event(), 0);
        load(0);
        step(F, 100);
        assert_int_equal(event(), 0);
        counts(255, 1);
        assert_int_equal(event(), 1);
    }
}

/* Disabled, a Load or counter write is held, not counted. */
static void test_load_disabled(void **state)
{
    (void)state;
    fresh();
    load(999999999);
    AFTER(NOSCALE, 100, 999999999, 0);
}

static void test_set_counter_disabled(void **state)
{
    (void)state;
    fresh();
    set_counter(999999999);
    AFTER(NOSCALE, 100, 999999999, 0);
}

static void test_zero_load_prescaled_periodic_to_nonscaled_oneshot(void **state)
{
    (void)state;
    fresh();
    load(0);
    start(PERIODIC, 255);
    AFTER(255, 1, 0, 1);
    assert_int_equal(event(), 0);
    AFTER(255, 1, 0, 1);
    assert_int_equal(event(), 0);
    counts(255, 1);
    start(ONESHOT, NOSCALE);
    AFTER(NOSCALE, 1, 0, 1);
    assert_int_equal(event(), 0);
    AFTER(NOSCALE, 1, 0, 0);
}

static void test_zero_load_prescaled_oneshot_to_nonscaled_periodic(void **state)
{
    (void)state;
    fresh();
    load(0);
    start(ONESHOT, 255);
    AFTER(255, 1, 0, 1);
    assert_int_equal(event(), 0);
    start(PERIODIC, NOSCALE);
    AFTER(NOSCALE, 1, 0, 0);
}

static void test_zero_load_nonscaled_oneshot_to_prescaled_periodic(void **state)
{
    (void)state;
    fresh();
    load(0);
    start(ONESHOT, NOSCALE);
    AFTER(NOSCALE, 1, 0, 0);
    start(PERIODIC, 255);
    AFTER(255, 1, 0, 1);
    assert_int_equal(event(), 0);
    AFTER(255, 1, 0, 1);
    assert_int_equal(event(), 0);
}

static void test_zero_load_nonscaled_periodic_to_prescaled_oneshot(void **state)
{
    (void)state;
    fresh();
    load(0);
    start(PERIODIC, NOSCALE);
    AFTER(NOSCALE, 1, 0, 0);
    start(ONESHOT, 255);
    AFTER(255, 1, 0, 1);
    assert_int_equal(event(), 0);
    AFTER(255, 1, 0, 0);
}

/* 9999999 unscaled: 1 left after 9999998 counts, 0 with the flag after one
 * more; the same with prescaler 0xAB (1720 ns counts). */
static void test_prescaler(void **state)
{
    (void)state;
    static const int scales[] = { NOSCALE, 0xAB };
    for (int i = 0; i < 2; i++) {
        fresh();
        load(9999999);
        start(ONESHOT, scales[i]);
        AFTER(scales[i], 9999998, 1, 0);
        AFTER(scales[i], 1, 0, 1);
    }
}

/* Changing the prescaler of a running timer keeps the count and counts on
 * at the new rate. */
static void test_prescaler_on_the_fly(void **state)
{
    (void)state;
    fresh();
    load(9999999);
    start(ONESHOT, NOSCALE);
    AFTER(NOSCALE, 999, 9999000, 0);
    start(ONESHOT, 0xAB);
    AFTER(0xAB, 9000, 9990000, 0);
}

static int nonscaled = NOSCALE;
static int scaled = 122;

#define SCALED_CASES(sc)                                                       \
    cmocka_unit_test_prestate(test_oneshot, &(sc)),                            \
    cmocka_unit_test_prestate(test_pause, &(sc)),                              \
    cmocka_unit_test_prestate(test_reload, &(sc)),                             \
    cmocka_unit_test_prestate(test_periodic, &(sc)),                           \
    cmocka_unit_test_prestate(test_oneshot_to_periodic, &(sc)),                \
    cmocka_unit_test_prestate(test_periodic_to_oneshot, &(sc)),                \
    cmocka_unit_test_prestate(test_set_oneshot_counter_to_0, &(sc)),           \
    cmocka_unit_test_prestate(test_set_periodic_counter_to_0, &(sc)),          \
    cmocka_unit_test_prestate(test_noload_oneshot, &(sc)),                     \
    cmocka_unit_test_prestate(test_noload_periodic, &(sc)),                    \
    cmocka_unit_test_prestate(test_zero_load_oneshot, &(sc)),                  \
    cmocka_unit_test_prestate(test_zero_load_periodic, &(sc)),                 \
    cmocka_unit_test_prestate(test_zero_load_oneshot_to_nonzero, &(sc)),       \
    cmocka_unit_test_prestate(test_zero_load_periodic_to_nonzero, &(sc)),      \
    cmocka_unit_test_prestate(test_nonzero_load_oneshot_to_zero, &(sc)),       \
    cmocka_unit_test_prestate(test_nonzero_load_periodic_to_zero, &(sc)),      \
    cmocka_unit_test_prestate(test_set_periodic_counter_on_the_fly, &(sc)),    \
    cmocka_unit_test_prestate(test_enable_and_set_counter, &(sc)),             \
    cmocka_unit_test_prestate(test_set_counter_and_enable, &(sc)),             \
    cmocka_unit_test_prestate(test_oneshot_with_counter_0_on_start, &(sc)),    \
    cmocka_unit_test_prestate(test_periodic_with_counter_0_on_start, &(sc)),   \
    cmocka_unit_test_prestate(test_periodic_counter, &(sc)),                   \
    cmocka_unit_test_prestate(test_set_counter_periodic_with_zero_load, &(sc)), \
    cmocka_unit_test_prestate(test_set_oneshot_load_to_0, &(sc)),              \
    cmocka_unit_test_prestate(test_set_periodic_load_to_0, &(sc)),             \
    cmocka_unit_test_prestate(test_zero_load_mode_switch, &(sc))

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deferred_trigger),
        cmocka_unit_test(test_load_disabled),
        cmocka_unit_test(test_set_counter_disabled),
        cmocka_unit_test(test_zero_load_prescaled_periodic_to_nonscaled_oneshot),
        cmocka_unit_test(test_zero_load_prescaled_oneshot_to_nonscaled_periodic),
        cmocka_unit_test(test_zero_load_nonscaled_oneshot_to_prescaled_periodic),
        cmocka_unit_test(test_zero_load_nonscaled_periodic_to_prescaled_oneshot),
        cmocka_unit_test(test_prescaler),
        cmocka_unit_test(test_prescaler_on_the_fly),
        SCALED_CASES(nonscaled),
        SCALED_CASES(scaled),
    };
    return cmocka_run_group_tests(tests, setup_machine, teardown_machine);
}
