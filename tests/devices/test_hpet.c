/* HPET (IA-PC HPET Specification 1.0a): every register's reset value in both
 * access sizes, split 32-bit writes in either order with VAL_SET, the main
 * counter (halted writes, exact rate, fractional periods), one-shot and
 * periodic timers (no drift over 10^6 periods, coalescing after a stall,
 * zero period, comparator in the past, 32-bit mode and its wrap interrupts),
 * level/edge interrupts with GINTR_STA, legacy and shared routing, route
 * capabilities, FSB messages, bad accesses and configuration, snapshots.
 *
 * Timing notation: with the default 10 ns period the counter reads
 * floor((t - t_enable) / 10) + the value it was enabled with, and an event
 * at counter value V happens at t_enable + (V - start) * 10 ns exactly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "device_fixture.h"
#include "emutime/devices/hpet.h"
#include "emutime/emutime.h"
#include "emutime/snapshot.h"

#define GCAP ET_HPET_GCAP_ID
#define CONF ET_HPET_GEN_CONF
#define STA ET_HPET_GINTR_STA
#define CNT ET_HPET_MAIN_COUNTER
#define TCONF(n) ET_HPET_TN_CONF(n)
#define TCMP(n) ET_HPET_TN_CMP(n)
#define TFSB(n) ET_HPET_TN_FSB(n)

#define ENABLE ET_HPET_CONF_ENABLE
#define LEG_RT ET_HPET_CONF_LEG_RT
#define LEVEL ET_HPET_TN_INT_TYPE_LEVEL
#define INT_ENB ET_HPET_TN_INT_ENB
#define PERIODIC ET_HPET_TN_PERIODIC
#define VAL_SET ET_HPET_TN_VAL_SET
#define MODE32 ET_HPET_TN_32MODE
#define FSB_EN ET_HPET_TN_FSB_EN
#define ROUTE(r) ((uint64_t)(r) << ET_HPET_TN_ROUTE_SHIFT)

/* --- fixture: manual clock, recording sink and FSB writer -------------- */

typedef struct fsb_msg {
    uint64_t addr;
    uint32_t data;
    int64_t t;
} fsb_msg;

#define MAX_EV 64

/* The HPET under test, and what its tests keep beside the fixture: the FSB
 * messages it wrote, and for long runs a count of pulses and the time of
 * the last instead of every event. */
static device_fixture *F;
static struct {
    fsb_msg fsb[MAX_EV];
    size_t n_fsb;
    bool fsb_under_lock;
    bool counting;
    uint64_t pulses;
    int64_t last_pulse_t;
} X;

static void count_pulse(device_fixture *f, int n, int level)
{
    (void)n;
    if (X.counting && level) {
        X.pulses++;
        X.last_pulse_t = et_clock_now(f->clock);
    }
}

static void fsb_write(void *opaque, uint64_t addr, uint32_t data)
{
    (void)opaque;
    X.fsb_under_lock |= et_lock_held_by_me(&F->dev->lock);
    if (X.n_fsb < MAX_EV) {
        X.fsb[X.n_fsb] = (fsb_msg){ addr, data, et_clock_now(F->clock) };
    }
    X.n_fsb++;
}

static void setup_with(const et_hpet_config *cfg, et_clock *clock)
{
    memset(&X, 0, sizeof(X));
    F = df_new_with(clock ? clock : et_clock_new_manual());
    char err[256] = "";
    df_attach(F, et_hpet_new(F->clock, "hpet", cfg, err, sizeof(err)), err);
    assert_int_equal(et_device_irq_count(F->dev), 32);
    F->on_irq = count_pulse;
}

static int setup(void **state)
{
    (void)state;
    setup_with(NULL, NULL);
    return 0;
}

/* q35's routing capability: IOAPIC pins 2, 8 and 16-23. */
static int setup_q35(void **state)
{
    (void)state;
    et_hpet_config cfg = ET_HPET_CONFIG_DEFAULTS;
    cfg.int_route_cap = ET_HPET_ROUTE_CAP_Q35;
    setup_with(&cfg, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    df_free(F);
    F = NULL;
    et_set_trace_sink(NULL, NULL);
    return 0;
}

static uint64_t r64(uint32_t off)
{
    return et_device_read(F->dev, off, 8);
}

static uint64_t r32(uint32_t off)
{
    return et_device_read(F->dev, off, 4);
}

static void w64(uint32_t off, uint64_t v)
{
    et_device_write(F->dev, off, v, 8);
}

static void w32(uint32_t off, uint64_t v)
{
    et_device_write(F->dev, off, v, 4);
}

static void step_to(int64_t t)
{
    et_clock_set(F->clock, t);
}

/* Asserts that event i is a pulse (raise then lower) of line n at time t. */
static void assert_pulse(size_t i, int n, int64_t t)
{
    assert_true(F->n_ev >= i + 2);
    assert_int_equal(F->ev[i].n, n);
    assert_int_equal(F->ev[i].level, 1);
    assert_int_equal(F->ev[i].t, t);
    assert_int_equal(F->ev[i + 1].n, n);
    assert_int_equal(F->ev[i + 1].level, 0);
    assert_int_equal(F->ev[i + 1].t, t);
}

static int line_level(unsigned n)
{
    return et_irq_level(et_device_irq(F->dev, n));
}

/* --- reset values, capabilities, access sizes ---------------------------- */

static void test_reset_values_pc(void **state)
{
    (void)state;
    /* Rev 1, 3 timers (NUM_TIM_CAP 2), 64-bit counter, legacy capable,
     * vendor 0x8086, period 10^7 fs: QEMU's pc value. */
    assert_int_equal(r64(GCAP), 0x009896808086a201ULL);
    assert_int_equal(r32(GCAP), 0x8086a201u);
    assert_int_equal(r32(GCAP + 4), 0x00989680u);
    assert_int_equal(r64(CONF), 0);
    assert_int_equal(r32(CONF + 4), 0);
    assert_int_equal(r64(STA), 0);
    assert_int_equal(r64(CNT), 0);
    assert_int_equal(r32(CNT + 4), 0);
    for (unsigned n = 0; n < 3; n++) {
        /* PER_INT_CAP | SIZE_CAP, Tn_INT_ROUTE_CAP 0x4 in the high half. */
        assert_int_equal(r64(TCONF(n)), 0x0000000400000030ULL);
        assert_int_equal(r32(TCONF(n)), 0x30u);
        assert_int_equal(r32(TCONF(n) + 4), 0x4u);
        assert_int_equal(r64(TCMP(n)), 0xffffffffffffffffULL);
        assert_int_equal(r32(TCMP(n)), 0xffffffffu);
        assert_int_equal(r32(TCMP(n) + 4), 0xffffffffu);
        assert_int_equal(r64(TFSB(n)), 0);
    }
    for (unsigned i = 0; i < 32; i++) {
        assert_int_equal(line_level(i), 0);
    }
    /* Halted: time passes, nothing counts, nothing is armed. */
    et_clock_step(F->clock, 1000000);
    assert_int_equal(r64(CNT), 0);
    assert_int_equal(et_clock_deadline(F->clock), ET_NO_DEADLINE);
    assert_int_equal(F->n_ev, 0);
}

static void test_capabilities_follow_config(void **state)
{
    (void)state;
    teardown(NULL);
    /* q35's route capability, 32 timers, FSB capable, the classic
     * 14.31818 MHz counter (69841279 fs = 0x0429b17f). */
    et_hpet_config cfg = ET_HPET_CONFIG_DEFAULTS;
    cfg.num_timers = 32;
    cfg.period_fs = 69841279;
    cfg.int_route_cap = ET_HPET_ROUTE_CAP_Q35;
    cfg.msi = true;
    cfg.fsb_write = fsb_write;
    setup_with(&cfg, NULL);
    /* NUM_TIM_CAP 31 -> bits 12:8 = 0x1f. */
    assert_int_equal(r64(GCAP), 0x0429b17f8086bf01ULL);
    /* FSB_INT_DEL_CAP (bit 15) joins PER_INT_CAP | SIZE_CAP. */
    assert_int_equal(r64(TCONF(0)), 0x00ff010400008030ULL);
    /* 32 timers need 0x500 bytes: the block grows past the spec's 1 KiB
     * (which holds 24) so that every timer it reports can be reached. */
    assert_int_equal(F->dev->ops->region_size, 0x500);
    assert_int_equal(r64(TCONF(31)), 0x00ff010400008030ULL);
    assert_int_equal(r64(TCMP(31)), UINT64_MAX);

    /* Per-timer capabilities override the common one. */
    teardown(NULL);
    uint32_t caps[3] = { 0x4, 0x100, 0x00f00000 };
    cfg = ET_HPET_CONFIG_DEFAULTS;
    cfg.int_route_caps = caps;
    setup_with(&cfg, NULL);
    assert_int_equal(r32(TCONF(0) + 4), 0x4);
    assert_int_equal(r32(TCONF(1) + 4), 0x100);
    assert_int_equal(r32(TCONF(2) + 4), 0x00f00000);
}

static void test_bad_config_is_a_clear_error(void **state)
{
    (void)state;
    char err[256];
    et_hpet_config cfg;
    cfg = ET_HPET_CONFIG_DEFAULTS;
    cfg.num_timers = 2;
    err[0] = 0;
    assert_null(et_hpet_new(F->clock, "bad", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "num_timers must be 3 to 32, not 2"));

    cfg.num_timers = 33;
    assert_null(et_hpet_new(F->clock, "bad", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "not 33"));

    cfg = ET_HPET_CONFIG_DEFAULTS;
    cfg.period_fs = 0;
    assert_null(et_hpet_new(F->clock, "bad", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "period_fs must be 1 to 100000000"));
    cfg.period_fs = 0x05F5E101;
    assert_null(et_hpet_new(F->clock, "bad", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "not 100000001"));

    cfg = ET_HPET_CONFIG_DEFAULTS;
    cfg.msi = true;
    assert_null(et_hpet_new(F->clock, "bad", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "fsb_write"));

    cfg = ET_HPET_CONFIG_DEFAULTS;
    cfg.int_route_cap = 0;
    assert_null(et_hpet_new(F->clock, "bad", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "timer 0 has no interrupt route"));

    assert_null(et_hpet_new(NULL, "bad", NULL, err, sizeof(err)));

    /* The extremes the spec allows are accepted. */
    cfg = ET_HPET_CONFIG_DEFAULTS;
    cfg.num_timers = 3;
    cfg.period_fs = 1;
    et_device *d = et_hpet_new(F->clock, "ok1", &cfg, err, sizeof(err));
    assert_non_null(d);
    et_device_free(d);
    cfg.num_timers = 32;
    cfg.period_fs = 0x05F5E100;
    d = et_hpet_new(F->clock, "ok2", &cfg, err, sizeof(err));
    assert_non_null(d);
    assert_int_equal(et_device_read(d, GCAP, 8), 0x05f5e1008086bf01ULL);
    et_device_free(d);
    /* Route capability 0 is fine for an FSB-only timer. */
    cfg = ET_HPET_CONFIG_DEFAULTS;
    cfg.int_route_cap = 0;
    cfg.msi = true;
    cfg.fsb_write = fsb_write;
    d = et_hpet_new(F->clock, "ok3", &cfg, err, sizeof(err));
    assert_non_null(d);
    et_device_free(d);
}

static void test_bad_accesses_are_guest_errors(void **state)
{
    (void)state;
    unsigned long before = et_device_guest_error_count(F->dev);

    /* 1- and 2-byte accesses, a misaligned 8-byte access, outside the
     * block: rejected, read as 0. */
    assert_int_equal(et_device_read(F->dev, GCAP, 1), 0);
    assert_int_equal(et_device_read(F->dev, GCAP, 2), 0);
    assert_int_equal(et_device_read(F->dev, GCAP + 4, 8), 0);
    assert_int_equal(et_device_read(F->dev, 0x400, 4), 0);
    et_device_write(F->dev, CONF, ENABLE, 1);
    assert_int_equal(r64(CONF), 0);
    assert_int_equal(et_device_guest_error_count(F->dev), before + 5);

    /* Reserved registers and unimplemented timers read 0, writes vanish. */
    assert_int_equal(r64(0x008), 0);
    assert_int_equal(r64(0x0f8), 0);
    assert_int_equal(r64(0x118), 0);     /* reserved slot of timer 0 */
    assert_int_equal(r64(TCONF(3)), 0);  /* only 3 timers */
    w64(TCMP(3), 5);
    assert_int_equal(r64(TCMP(3)), 0);
    assert_int_equal(et_device_guest_error_count(F->dev), before + 11);
    assert_non_null(strstr(F->last_log, "unimplemented timer"));

    /* GCAP_ID is read-only. */
    w64(GCAP, 0);
    w32(GCAP + 4, 1);
    assert_int_equal(r64(GCAP), 0x009896808086a201ULL);
    assert_int_equal(et_device_guest_error_count(F->dev), before + 13);
}

/* --- main counter ---------------------------------------------------------- */

static void test_counter_writable_while_halted(void **state)
{
    (void)state;
    w64(CNT, 0x123456789abcdef0ULL);
    assert_int_equal(r64(CNT), 0x123456789abcdef0ULL);
    assert_int_equal(r32(CNT), 0x9abcdef0u);
    assert_int_equal(r32(CNT + 4), 0x12345678u);
    /* Halves, high first then low. */
    w32(CNT + 4, 0x00000001);
    assert_int_equal(r64(CNT), 0x000000019abcdef0ULL);
    w32(CNT, 0xfffffff0);
    assert_int_equal(r64(CNT), 0x00000001fffffff0ULL);

    step_to(1000);
    assert_int_equal(r64(CNT), 0x00000001fffffff0ULL);

    /* Enabled at t = 1000: ticks at 1010, 1020, ... */
    w64(CONF, ENABLE);
    assert_int_equal(r64(CNT), 0x00000001fffffff0ULL);
    step_to(1009);
    assert_int_equal(r64(CNT), 0x00000001fffffff0ULL);
    step_to(1010);
    assert_int_equal(r64(CNT), 0x00000001fffffff1ULL);
    /* 16 ticks later the low half wraps into the high half. */
    step_to(1000 + 160);
    assert_int_equal(r64(CNT), 0x0000000200000000ULL);
    assert_int_equal(r32(CNT + 4), 2);
    assert_int_equal(r32(CNT), 0);

    /* Writes while running are ignored (spec 2.3.7; QEMU drops them too). */
    unsigned long before = et_device_guest_error_count(F->dev);
    w64(CNT, 5);
    w32(CNT + 4, 5);
    assert_int_equal(et_device_guest_error_count(F->dev), before + 2);
    step_to(1000 + 165);
    assert_int_equal(r64(CNT), 0x0000000200000000ULL);

    /* Halting holds the value at the halt instant; re-enabling continues. */
    step_to(1000 + 175); /* 17 ticks */
    w32(CONF, 0);
    assert_int_equal(r64(CNT), 0x0000000200000001ULL);
    step_to(5000);
    assert_int_equal(r64(CNT), 0x0000000200000001ULL);
    w32(CONF, ENABLE);
    step_to(5000 + 29);
    assert_int_equal(r64(CNT), 0x0000000200000003ULL);
}

static void test_counter_rate_with_fractional_period(void **state)
{
    (void)state;
    teardown(NULL);
    et_hpet_config cfg = ET_HPET_CONFIG_DEFAULTS;
    cfg.period_fs = 69841279; /* 14.31818 MHz */
    setup_with(&cfg, NULL);
    w64(CONF, ENABLE);
    /* floor(t * 10^6 / 69841279): 1 ms -> 14318 (14318.18...). */
    step_to(1000000);
    assert_int_equal(r64(CNT), 14318);
    /* Tick k starts at ceil(k * 69841279 / 10^6) ns: tick 1 at 70 ns. */
    et_device_write(F->dev, CONF, 0, 8);
    w64(CNT, 0);
    w64(CONF, ENABLE); /* enabled at t = 1 ms */
    step_to(1000000 + 69);
    assert_int_equal(r64(CNT), 0);
    step_to(1000000 + 70);
    assert_int_equal(r64(CNT), 1);
    /* An hour: 3.6e12 ns * 10^6 / 69841279 = 51545447785.97... */
    step_to(1000000 + 3600000000000LL);
    assert_int_equal(r64(CNT), 51545447785ULL);
}

/* The lock-free counter read and the locked one (taken while tracing) give
 * the same value. */
static void count_trace(void *opaque, const char *device, const char *event, const char *detail)
{
    (void)device;
    (void)detail;
    if (strcmp(event, "read") == 0) {
        (*(unsigned *)opaque)++;
    }
}

static void test_lockless_and_locked_reads_agree(void **state)
{
    (void)state;
    w64(CNT, 1000);
    w64(CONF, ENABLE);
    step_to(12345);
    uint64_t lockless = r64(CNT);
    uint32_t hi = (uint32_t)r32(CNT + 4);
    unsigned traced = 0;
    et_set_trace_sink(count_trace, &traced);
    uint64_t locked = r64(CNT);
    assert_int_equal(traced, 1); /* the locked path traces its read */
    et_set_trace_sink(NULL, NULL);
    assert_int_equal(lockless, 1000 + 1234);
    assert_int_equal(locked, lockless);
    assert_int_equal(hi, 0);
}

/* --- comparator writes: halves, VAL_SET ----------------------------------- */

static void test_one_shot_comparator_halves(void **state)
{
    (void)state;
    /* Low half only: the high half keeps its reset ones. */
    w32(TCMP(0), 0x1000);
    assert_int_equal(r64(TCMP(0)), 0xffffffff00001000ULL);
    /* Then the high half. */
    w32(TCMP(0) + 4, 0);
    assert_int_equal(r64(TCMP(0)), 0x0000000000001000ULL);
    /* High first, then low. */
    w32(TCMP(1) + 4, 0x12);
    assert_int_equal(r64(TCMP(1)), 0x00000012ffffffffULL);
    w32(TCMP(1), 0x34);
    assert_int_equal(r64(TCMP(1)), 0x0000001200000034ULL);
    /* A full 8-byte write. */
    w64(TCMP(2), 0x0123456789abcdefULL);
    assert_int_equal(r64(TCMP(2)), 0x0123456789abcdefULL);
    assert_int_equal(r32(TCMP(2)), 0x89abcdefu);
    assert_int_equal(r32(TCMP(2) + 4), 0x01234567u);
}

/* Periodic timer 0 programmed as below, enabled at t = 0: returns when the
 * first interrupt (a pulse on line 2) happens, or -1. */
static int64_t first_pulse_time(void)
{
    w64(CONF, ENABLE);
    if (!et_clock_step_next(F->clock)) {
        return -1;
    }
    for (size_t i = 0; i < F->n_ev; i++) {
        if (F->ev[i].level) {
            return F->ev[i].t;
        }
    }
    return -1;
}

static void test_val_set_with_8_byte_write(void **state)
{
    (void)state;
    w64(TCONF(0), PERIODIC | INT_ENB | ROUTE(2) | VAL_SET);
    assert_int_equal(r32(TCONF(0)), 0x30 | PERIODIC | INT_ENB | ROUTE(2) | VAL_SET);
    w64(TCMP(0), 0x1000);
    /* VAL_SET clears itself after the comparator write. */
    assert_int_equal(r32(TCONF(0)), 0x30 | PERIODIC | INT_ENB | ROUTE(2));
    assert_int_equal(r64(TCMP(0)), 0x1000);
    /* The accumulator and the period both took 0x1000: matches at 0x1000,
     * 0x2000, ... (40960 ns apart). */
    assert_int_equal(first_pulse_time(), 0x1000 * 10);
    assert_int_equal(r64(TCMP(0)), 0x2000);
    F->n_ev = 0;
    assert_true(et_clock_step_next(F->clock));
    assert_pulse(0, 2, 0x2000 * 10);
    assert_int_equal(r64(TCMP(0)), 0x3000);
}

static void test_val_set_covers_only_the_next_half(void **state)
{
    (void)state;
    /* VAL_SET, low half, then the high half without VAL_SET: the high half
     * of the accumulator keeps its reset ones, the period gets both halves
     * (QEMU's semantics; why 8-byte access matters). */
    w64(TCONF(0), PERIODIC | INT_ENB | ROUTE(2) | VAL_SET);
    w32(TCMP(0), 0x2000);
    w32(TCMP(0) + 4, 0);
    assert_int_equal(r64(TCMP(0)), 0xffffffff00002000ULL);
    /* The comparator is far in the future: nothing fires. */
    w64(CONF, ENABLE);
    et_clock_step(F->clock, 1000000);
    assert_int_equal(F->n_ev, 0);
    w64(CONF, 0);
    w64(CNT, 0);

    /* Intel's recipe (ICH datasheets): VAL_SET before each half. */
    w64(TCONF(0), PERIODIC | INT_ENB | ROUTE(2) | VAL_SET);
    w32(TCMP(0), 0x2000);
    w64(TCONF(0), PERIODIC | INT_ENB | ROUTE(2) | VAL_SET);
    w32(TCMP(0) + 4, 0);
    assert_int_equal(r64(TCMP(0)), 0x2000);
    int64_t t0 = et_clock_now(F->clock);
    assert_int_equal(first_pulse_time(), t0 + 0x2000 * 10);
    /* The period is 0x2000 too. */
    F->n_ev = 0;
    assert_true(et_clock_step_next(F->clock));
    assert_pulse(0, 2, t0 + 0x4000 * 10);
}

static void test_val_set_high_half_first(void **state)
{
    (void)state;
    w64(TCONF(0), PERIODIC | INT_ENB | ROUTE(2) | VAL_SET);
    w32(TCMP(0) + 4, 0x1);
    assert_int_equal(r64(TCMP(0)), 0x00000001ffffffffULL);
    w64(TCONF(0), PERIODIC | INT_ENB | ROUTE(2) | VAL_SET);
    w32(TCMP(0), 0x10);
    assert_int_equal(r64(TCMP(0)), 0x0000000100000010ULL);
    /* The period took both halves too: 0x1_00000010 ticks. Write a small
     * period (no VAL_SET): the accumulator stays, the period changes. */
    w64(TCMP(0), 0x10);
    assert_int_equal(r64(TCMP(0)), 0x0000000100000010ULL);
    w64(TCMP(0), 0);                /* accumulator still untouched */
    w64(TCONF(0), PERIODIC | INT_ENB | ROUTE(2) | VAL_SET);
    w64(TCMP(0), 0x10);             /* accumulator 0x10, period 0x10 */
    assert_int_equal(first_pulse_time(), 0x10 * 10);
    assert_int_equal(r64(TCMP(0)), 0x20);
}

static void test_period_change_applies_at_next_match(void **state)
{
    (void)state;
    w64(TCONF(0), PERIODIC | INT_ENB | ROUTE(2) | VAL_SET);
    w64(TCMP(0), 100);
    assert_int_equal(first_pulse_time(), 1000);
    assert_int_equal(r64(TCMP(0)), 200);
    /* Spec 2.4.3.2: a new period is added at the next match; the pending
     * match at 200 stays. */
    w64(TCMP(0), 50);
    assert_int_equal(r64(TCMP(0)), 200);
    F->n_ev = 0;
    assert_true(et_clock_step_next(F->clock));
    assert_pulse(0, 2, 2000);
    assert_int_equal(r64(TCMP(0)), 250);
    F->n_ev = 0;
    assert_true(et_clock_step_next(F->clock));
    assert_pulse(0, 2, 2500);
}

/* --- one-shot timers, edges and levels ------------------------------------ */

static void test_one_shot_edge(void **state)
{
    (void)state;
    w64(TCONF(0), INT_ENB | ROUTE(2));
    w64(TCMP(0), 1000);
    w64(CONF, ENABLE);
    step_to(9999);
    assert_int_equal(F->n_ev, 0);
    step_to(10000);
    assert_int_equal(F->n_ev, 2);
    assert_pulse(0, 2, 10000);
    /* Edge mode sets no status (QEMU; the spec says to ignore it). */
    assert_int_equal(r64(STA), 0);
    /* A 64-bit one-shot fires once: the next match is 2^64 ticks away. */
    assert_int_equal(et_clock_deadline(F->clock), ET_NO_DEADLINE);
    et_clock_step(F->clock, 3600000000000LL);
    assert_int_equal(F->n_ev, 2);
    assert_int_equal(r64(TCMP(0)), 1000);
}

static void test_level_status_and_int_enb(void **state)
{
    (void)state;
    /* Timer 1 level-triggered with INT_ENB clear: the status still sets
     * (spec 2.3.8 bit 2), the line stays low. */
    w64(TCONF(1), LEVEL | ROUTE(2));
    w64(TCMP(1), 100);
    w64(CONF, ENABLE);
    step_to(1000);
    assert_int_equal(r64(STA), 0x2);
    assert_int_equal(line_level(2), 0);
    assert_int_equal(F->n_ev, 0);
    /* Enabling the interrupt raises the pending level at once. */
    step_to(1500);
    w64(TCONF(1), LEVEL | INT_ENB | ROUTE(2));
    assert_int_equal(F->n_ev, 1);
    assert_int_equal(F->ev[0].level, 1);
    assert_int_equal(F->ev[0].t, 1500);
    assert_int_equal(line_level(2), 1);
    /* Writing 0 changes nothing; writing 1 clears (spec 2.3.6). */
    w64(STA, 0);
    assert_int_equal(r64(STA), 0x2);
    w32(STA + 4, 0xffffffff); /* reserved high half */
    assert_int_equal(r64(STA), 0x2);
    w32(STA, 0x2);
    assert_int_equal(r64(STA), 0);
    assert_int_equal(line_level(2), 0);
    assert_int_equal(F->n_ev, 2);
    assert_int_equal(F->ev[1].level, 0);

    /* Level -> edge clears the status and lowers the line. */
    w64(TCMP(1), 200);
    step_to(2000);
    assert_int_equal(r64(STA), 0x2);
    assert_int_equal(line_level(2), 1);
    w64(TCONF(1), INT_ENB | ROUTE(2));
    assert_int_equal(r64(STA), 0);
    assert_int_equal(line_level(2), 0);
    /* Clearing INT_ENB on a pending level lowers it, keeps the status. */
    w64(TCONF(1), LEVEL | INT_ENB | ROUTE(2));
    w64(TCMP(1), 300);
    step_to(3000);
    assert_int_equal(line_level(2), 1);
    w64(TCONF(1), LEVEL | ROUTE(2));
    assert_int_equal(line_level(2), 0);
    assert_int_equal(r64(STA), 0x2);
}

static void test_disable_lowers_and_enable_restores(void **state)
{
    (void)state;
    w64(TCONF(0), LEVEL | INT_ENB | ROUTE(2));
    w64(TCMP(0), 100);
    w64(CONF, ENABLE);
    step_to(1000);
    assert_int_equal(line_level(2), 1);
    step_to(1234);
    w64(CONF, 0);
    assert_int_equal(line_level(2), 0);  /* no interrupts while disabled */
    assert_int_equal(r64(STA), 1);       /* the status stays */
    assert_int_equal(r64(CNT), 123);
    step_to(5000);
    w64(CONF, ENABLE);
    assert_int_equal(line_level(2), 1);
    /* The counter continued from 123 at t = 5000. */
    step_to(5100);
    assert_int_equal(r64(CNT), 133);
}

static void test_comparator_equal_to_counter_fires_at_once(void **state)
{
    (void)state;
    /* Halted at 5000 with the comparator there: the match is the counter's
     * current value, so enabling fires within the access. */
    w64(CNT, 5000);
    w64(TCONF(0), INT_ENB | ROUTE(2));
    w64(TCMP(0), 5000);
    step_to(700);
    w64(CONF, ENABLE);
    assert_int_equal(F->n_ev, 2);
    assert_pulse(0, 2, 700);
    /* Running: writing the counter's current value fires at once too. */
    step_to(700 + 105); /* counter 5010 */
    w64(TCMP(0), 5010);
    assert_int_equal(F->n_ev, 4);
    assert_pulse(2, 2, 805);
}

static void test_comparator_in_the_past_is_missed(void **state)
{
    (void)state;
    w64(TCONF(0), INT_ENB | ROUTE(2));
    w64(CONF, ENABLE);
    step_to(10000); /* counter 1000 */
    /* Spec 2.3.9.2.1: a value the counter has passed is missed. QEMU
     * would fire at once. */
    w64(TCMP(0), 500);
    assert_int_equal(et_clock_deadline(F->clock), ET_NO_DEADLINE);
    et_clock_step(F->clock, 3600000000000LL);
    assert_int_equal(F->n_ev, 0);
    /* Periodic too: the accumulator only moves on a match. */
    w64(TCONF(0), PERIODIC | INT_ENB | ROUTE(2) | VAL_SET);
    w64(TCMP(0), 500);
    et_clock_step(F->clock, 3600000000000LL);
    assert_int_equal(F->n_ev, 0);
    assert_int_equal(r64(TCMP(0)), 500);
}

/* --- periodic timers -------------------------------------------------------- */

static void test_periodic_no_drift_over_a_million_periods(void **state)
{
    (void)state;
    /* 10.8 ms periods: 10^6 of them are three hours of virtual time. Each
     * interrupt lands exactly on start + n * period * 10 ns. */
    const uint64_t period = 1080000;
    w64(TCONF(0), PERIODIC | INT_ENB | ROUTE(2) | VAL_SET);
    w64(TCMP(0), period);
    w64(CONF, ENABLE);
    F->count_only = X.counting = true;
    for (uint64_t n = 1; n <= 1000000; n++) {
        assert_true(et_clock_step_next(F->clock));
        if (X.pulses != n || X.last_pulse_t != (int64_t)(n * period * 10)) {
            fail_msg("interrupt %llu at %lld ns, expected %llu at %llu ns",
                     (unsigned long long)X.pulses, (long long)X.last_pulse_t,
                     (unsigned long long)n, (unsigned long long)(n * period * 10));
        }
    }
    assert_int_equal(et_clock_now(F->clock), 10800000000000LL);
    assert_int_equal(r64(CNT), 1000000 * period);
    assert_int_equal(r64(TCMP(0)), 1000001 * period);
}

static void test_periodic_no_drift_fractional_period(void **state)
{
    (void)state;
    teardown(NULL);
    et_hpet_config cfg = ET_HPET_CONFIG_DEFAULTS;
    cfg.period_fs = 69841279;
    setup_with(&cfg, NULL);
    /* 14318 ticks (~1 ms): the n-th interrupt is at the first nanosecond
     * the counter shows n * 14318, ceil(n * 14318 * 69841279 / 10^6). */
    const uint64_t period = 14318;
    w64(TCONF(0), PERIODIC | INT_ENB | ROUTE(2) | VAL_SET);
    w64(TCMP(0), period);
    w64(CONF, ENABLE);
    F->count_only = X.counting = true;
    for (uint64_t n = 1; n <= 100000; n++) {
        assert_true(et_clock_step_next(F->clock));
        unsigned __int128 fs = (unsigned __int128)(n * period) * 69841279u;
        int64_t want = (int64_t)((fs + 999999) / 1000000);
        if (X.pulses != n || X.last_pulse_t != want) {
            fail_msg("interrupt %llu at %lld ns, expected %lld", (unsigned long long)n,
                     (long long)X.last_pulse_t, (long long)want);
        }
        /* The counter shows the match value exactly there, not one less. */
        if (n % 9973 == 0) {
            assert_int_equal(r64(CNT), n * period);
        }
    }
    assert_int_equal(X.last_pulse_t, 99998743273LL); /* worked out by hand */
}

static void test_periodic_manual_jump_fires_every_match(void **state)
{
    (void)state;
    /* Period 100 ticks (1 us), first match at 100. */
    w64(TCONF(0), PERIODIC | INT_ENB | ROUTE(2) | VAL_SET);
    w64(TCMP(0), 100);
    w64(CONF, ENABLE);
    /* Moving a manual clock is time passing, not the emulator being late:
     * jumping to 10.55 us (counter 1055) passes the matches at 100 .. 1000,
     * and each one interrupts at its own time, as in QEMU's qtest. */
    et_clock_set(F->clock, 10550);
    assert_int_equal(F->n_ev, 20);
    for (int i = 0; i < 10; i++) {
        assert_pulse(2 * i, 2, 1000LL * (i + 1));
    }
    assert_int_equal(r64(TCMP(0)), 1100);
    /* And the rhythm continues from the absolute schedule. */
    assert_true(et_clock_step_next(F->clock));
    assert_pulse(20, 2, 11000);
    assert_int_equal(r64(TCMP(0)), 1200);
    /* A match exactly at the step's target fires too: 1200 and 1300. */
    et_clock_step(F->clock, 2000);
    assert_int_equal(F->n_ev, 26);
    assert_pulse(22, 2, 12000);
    assert_pulse(24, 2, 13000);
    assert_int_equal(r64(TCMP(0)), 1400);
}

static void test_periodic_coalesces_on_real_time_catch_up(void **state)
{
    (void)state;
    teardown(NULL);
    setup_with(NULL, et_clock_new_realtime());
    /* Frozen, so that the arithmetic is exact. */
    et_clock_pause(F->clock);
    int64_t t0 = et_clock_now(F->clock);
    w64(TCONF(0), PERIODIC | LEVEL | INT_ENB | ROUTE(2) | VAL_SET);
    w64(TCMP(0), 100);
    w64(CONF, ENABLE); /* anchor t0 */
    /* A 1 ms stall nobody serviced (no runner): 1000 periods are due. */
    et_clock_rebase(F->clock, t0 + 1000000);
    /* The guest's next access catches up: one event, the comparator on the
     * first match after the access (counter 100000). */
    assert_int_equal(r64(STA), 1);
    assert_int_equal(r64(TCMP(0)), 100100);
    assert_int_equal(F->n_ev, 1);
    assert_int_equal(F->ev[0].level, 1);

    /* Same with the embedder's loop: one callback for a long stall. */
    w64(STA, 1);
    et_clock_rebase(F->clock, t0 + 2000000);
    et_clock_resume(F->clock);
    unsigned fired = et_clock_run_expired(F->clock);
    et_clock_pause(F->clock);
    /* One callback: the re-armed match lies beyond the time the pass read
     * (at least counter 200000). */
    assert_int_equal(fired, 1);
    assert_int_equal(F->n_ev, 3);
    uint64_t cmp = r64(TCMP(0));
    assert_true(cmp >= 200100);
    assert_int_equal(cmp % 100, 0);
    assert_int_equal(r64(STA), 1);
}

static void test_zero_period(void **state)
{
    (void)state;
    /* Accumulator 1000, then period 0: one interrupt at 1000, after which
     * the comparator stays at 1000, a whole counter wrap away. */
    w64(TCONF(0), PERIODIC | INT_ENB | ROUTE(2) | VAL_SET);
    w64(TCMP(0), 1000);
    w64(TCMP(0), 0);
    assert_int_equal(r64(TCMP(0)), 1000);
    assert_int_equal(first_pulse_time(), 10000);
    assert_int_equal(r64(TCMP(0)), 1000);
    assert_int_equal(et_clock_deadline(F->clock), ET_NO_DEADLINE);
    et_clock_step(F->clock, 3600000000000LL);
    assert_int_equal(F->n_ev, 2);

    /* In 32-bit mode the wrap is 2^32 ticks (42.9 s): it matches again. */
    w64(CONF, 0);
    w64(CNT, 0);
    F->n_ev = 0;
    w64(TCONF(0), PERIODIC | MODE32 | INT_ENB | ROUTE(2) | VAL_SET);
    w64(TCMP(0), 1000);
    w64(TCMP(0), 0);
    int64_t t0 = et_clock_now(F->clock);
    assert_int_equal(first_pulse_time(), t0 + 10000);
    F->n_ev = 0;
    assert_true(et_clock_step_next(F->clock));
    assert_pulse(0, 2, t0 + 10000 + (INT64_C(1) << 32) * 10);
    assert_int_equal(r64(TCMP(0)), 1000);
}

static void test_short_period_has_no_storm_clamp(void **state)
{
    (void)state;
    /* Upstream QEMU spaces periodic interrupts at least 1 us apart; the
     * hardware (and emutime) interrupts every period, here 10 ticks. */
    w64(TCONF(0), PERIODIC | INT_ENB | ROUTE(2) | VAL_SET);
    w64(TCMP(0), 10);
    w64(CONF, ENABLE);
    for (int n = 1; n <= 5; n++) {
        assert_true(et_clock_step_next(F->clock));
        assert_pulse((size_t)(n - 1) * 2, 2, n * 100);
    }
}

static void test_far_comparator_is_armed(void **state)
{
    (void)state;
    /* 8e17 ticks = 8e18 ns, beyond INT64_MAX / 2 ns (where QEMU 7.2 drops
     * the timer) but inside the clock's range. */
    w64(TCONF(0), INT_ENB | ROUTE(2));
    w64(TCMP(0), 800000000000000000ULL);
    w64(CONF, ENABLE);
    assert_int_equal(et_clock_deadline(F->clock), 8000000000000000000LL);
    /* Beyond the clock's range (2^63 ns): never armed, no overflow. */
    w64(TCMP(0), 0xfffffffffffffff0ULL);
    assert_int_equal(et_clock_deadline(F->clock), ET_NO_DEADLINE);
}

static void test_64bit_counter_wraps_to_the_comparator(void **state)
{
    (void)state;
    /* A comparator numerically below the counter but ahead of it modulo
     * 2^64 matches after the counter wraps: 100 ticks to wrap, 50 more. */
    w64(CNT, 0xffffffffffffff9cULL); /* 2^64 - 100 */
    w64(TCONF(0), INT_ENB | ROUTE(2));
    w64(TCMP(0), 50);
    w64(CONF, ENABLE);
    /* (Timers 1 and 2 match their reset all-ones comparators at 990 ns,
     * silently: edge-triggered, interrupt disabled.) */
    step_to(1499);
    assert_int_equal(F->n_ev, 0);
    step_to(1500);
    assert_int_equal(F->n_ev, 2);
    assert_pulse(0, 2, 1500);
    assert_int_equal(r64(CNT), 50);
}

/* --- 32-bit mode ------------------------------------------------------------- */

static void test_32bit_mode_registers(void **state)
{
    (void)state;
    w64(TCONF(0), PERIODIC | VAL_SET);
    w64(TCMP(0), 0x0000000500000006ULL);
    /* Switching to 32-bit mode loads the upper halves with 0. */
    w64(TCONF(0), PERIODIC | MODE32);
    assert_int_equal(r64(TCONF(0)), 0x0000000400000030ULL | PERIODIC | MODE32);
    assert_int_equal(r64(TCMP(0)), 6);
    /* Writes to the high half are ignored; 8-byte writes keep the low. */
    w32(TCMP(0) + 4, 0x77);
    assert_int_equal(r64(TCMP(0)), 6);
    w64(TCONF(0), PERIODIC | MODE32 | VAL_SET);
    w64(TCMP(0), 0xaaaaaaaa12345678ULL);
    assert_int_equal(r64(TCMP(0)), 0x12345678);
    assert_int_equal(r32(TCMP(0) + 4), 0);
    /* Back to 64-bit: the upper half stays 0. */
    w64(TCONF(0), PERIODIC);
    assert_int_equal(r64(TCMP(0)), 0x12345678);
}

static void test_32bit_periodic_wraps_like_the_spec_example(void **state)
{
    (void)state;
    /* Spec 2.3.9.1: accumulator 0xFFFF0000, period 0x20000 -> 0x00010000
     * after the next interrupt. */
    w64(CNT, 0xfffe0000ULL);
    w64(TCONF(0), PERIODIC | MODE32 | INT_ENB | ROUTE(2) | VAL_SET);
    w32(TCMP(0), 0xffff0000u);
    w32(TCMP(0), 0x20000); /* the period only */
    assert_int_equal(r64(TCMP(0)), 0xffff0000u);
    assert_int_equal(first_pulse_time(), 0x10000 * 10);
    assert_int_equal(r64(TCMP(0)), 0x00010000u);
    /* The next match is at counter 0x1_0001_0000, 0x20000 ticks on. */
    F->n_ev = 0;
    assert_true(et_clock_step_next(F->clock));
    assert_pulse(0, 2, (0x10000 + 0x20000) * 10);
    assert_int_equal(r64(CNT), 0x100010000ULL);
    assert_int_equal(r64(TCMP(0)), 0x00030000u);
}

static void test_32bit_one_shot_wrap_interrupts(void **state)
{
    (void)state;
    /* Counter 0xFFFFFF00, comparator 0x100 (behind the low half): spec
     * 2.4.3.1, an interrupt when the counter wraps (0x1_00000000, 256
     * ticks on) and one at the match (0x1_00000100, 512 ticks on). */
    w64(CNT, 0xffffff00ULL);
    w64(TCONF(0), MODE32 | INT_ENB | ROUTE(2));
    w64(TCMP(0), 0x100);
    assert_int_equal(first_pulse_time(), 2560);
    F->n_ev = 0;
    assert_true(et_clock_step_next(F->clock));
    assert_pulse(0, 2, 5120);
    /* The low half keeps cycling: the next wrap and match 2^32 ticks on. */
    F->n_ev = 0;
    assert_true(et_clock_step_next(F->clock));
    assert_pulse(0, 2, 2560 + (INT64_C(1) << 32) * 10);
    assert_int_equal(r64(CNT), 0x200000000ULL);
    F->n_ev = 0;
    assert_true(et_clock_step_next(F->clock));
    assert_pulse(0, 2, 5120 + (INT64_C(1) << 32) * 10);

    /* A comparator ahead of the low half matches before the wrap. */
    w64(CONF, 0);
    w64(CNT, 0xffffff00ULL);
    w64(TCMP(0), 0xffffff80u);
    int64_t t0 = et_clock_now(F->clock);
    F->n_ev = 0;
    assert_int_equal(first_pulse_time(), t0 + 1280);
    F->n_ev = 0;
    assert_true(et_clock_step_next(F->clock));
    assert_pulse(0, 2, t0 + 2560);
}

/* Spec 2.4.3.1: a 32-bit one-shot timer gives "another interrupt when the
 * main counter wraps around", the counter going from 0xFFFFFFFF to 0; a
 * counter whose low half is 0 when the timer is armed has not wrapped. The
 * comparator 50 is the only event until the next wrap, 2^32 ticks on. */
static void test_32bit_one_shot_armed_at_zero_is_no_wrap(void **state)
{
    (void)state;
    w64(TCMP(0), 0);
    w32(TCONF(0), MODE32 | INT_ENB | ROUTE(2));
    w32(TCMP(0), 50);
    w32(CONF, ENABLE); /* counter 0 at t = 0 */
    assert_int_equal(F->n_ev, 0); /* was a pulse at the enable */
    assert_true(et_clock_step_next(F->clock));
    assert_int_equal(F->n_ev, 2);
    assert_pulse(0, 2, 500); /* 50 ticks of 10 ns */
}

/* After a real wrap the counter's low half is 0: a comparator write then
 * re-arms for the comparator, not for the wrap that was just delivered. */
static void test_32bit_one_shot_no_second_wrap_interrupt(void **state)
{
    (void)state;
    w64(CNT, 0xfffffff0u);
    w32(TCONF(0), MODE32 | INT_ENB | ROUTE(2));
    w32(TCMP(0), 0x100);
    w32(CONF, ENABLE);
    step_to(160); /* 16 ticks: the counter wraps to 0x1_00000000 */
    assert_int_equal(F->n_ev, 2);
    assert_pulse(0, 2, 160);
    w32(TCMP(0), 0x200);
    assert_int_equal(F->n_ev, 2); /* was a second pulse here */
    assert_true(et_clock_step_next(F->clock));
    assert_pulse(2, 2, 160 + 0x200 * 10);
}

/* Clearing several level timers with one GINTR_STA write changes their
 * lines in timer order (QEMU's order; hardware has none): timer 0 on line
 * 16 falls before timer 1 on line 8. */
static void test_lines_change_in_timer_order(void **state)
{
    (void)state;
    w64(TCONF(0), LEVEL | INT_ENB | ROUTE(16));
    w64(TCONF(1), LEVEL | INT_ENB | ROUTE(8));
    w64(TCMP(0), 100);
    w64(TCMP(1), 100);
    w64(CONF, ENABLE);
    step_to(1000);
    assert_int_equal(F->n_ev, 2);
    F->n_ev = 0;
    w64(STA, 3);
    assert_int_equal(F->n_ev, 2);
    assert_int_equal(F->ev[0].n, 16); /* was 8 first */
    assert_int_equal(F->ev[0].level, 0);
    assert_int_equal(F->ev[1].n, 8);
    assert_int_equal(F->ev[1].level, 0);
}

/* LegacyReplacement switched on while a level interrupt is pending (spec
 * 2.3.5: with LEG_RT_CNF set timer 0 drives IRQ0 (line 0 here, the board's
 * IOAPIC pin 2) and the Tn_INT_ROUTE of timers 0 and 1 no longer applies):
 * the line moves at once, the routed pin falls and line 0 rises. (QEMU 7.2
 * raises nothing and leaves the old pin high.) */
static void test_legacy_replacement_moves_a_pending_level(void **state)
{
    (void)state;
    w64(TCONF(0), LEVEL | INT_ENB | ROUTE(16));
    w64(TCMP(0), 100);
    w64(CONF, ENABLE);
    step_to(1000);
    assert_int_equal(line_level(16), 1);
    F->n_ev = 0;
    w64(CONF, ENABLE | LEG_RT);
    assert_int_equal(line_level(16), 0);
    assert_int_equal(line_level(0), 1);
    assert_int_equal(F->n_ev, 2);
    w64(STA, 1);
    assert_int_equal(line_level(0), 0);
}

/* --- routing -------------------------------------------------------------- */

static void test_legacy_replacement_routing(void **state)
{
    (void)state;
    for (unsigned n = 0; n < 3; n++) {
        w64(TCONF(n), LEVEL | INT_ENB | ROUTE(2));
        w64(TCMP(n), 100 * (n + 1));
    }
    w64(CONF, ENABLE | LEG_RT);
    assert_true(et_hpet_legacy_replacement(F->dev));
    step_to(3000);
    assert_int_equal(r64(STA), 7);
    /* Timer 0 -> line 0, timer 1 -> line 8 (QEMU's numbering), timer 2 by
     * its own route. */
    assert_int_equal(line_level(0), 1);
    assert_int_equal(line_level(8), 1);
    assert_int_equal(line_level(2), 1);
    assert_int_equal(F->n_ev, 3);
    assert_int_equal(F->ev[0].n, 0);
    assert_int_equal(F->ev[0].t, 1000);
    assert_int_equal(F->ev[1].n, 8);
    assert_int_equal(F->ev[1].t, 2000);
    assert_int_equal(F->ev[2].n, 2);
    assert_int_equal(F->ev[2].t, 3000);
    w64(STA, 4);
    assert_int_equal(line_level(2), 0);
    /* Legacy off: timers 0 and 1 go back to route 2. */
    w64(CONF, ENABLE);
    assert_false(et_hpet_legacy_replacement(F->dev));
    assert_int_equal(line_level(0), 0);
    assert_int_equal(line_level(8), 0);
    assert_int_equal(line_level(2), 1);
}

static void test_shared_level_line_is_an_or(void **state)
{
    (void)state;
    for (unsigned n = 0; n < 3; n++) {
        w64(TCONF(n), LEVEL | INT_ENB | ROUTE(2));
        w64(TCMP(n), 100);
    }
    w64(CONF, ENABLE);
    step_to(1000);
    assert_int_equal(r64(STA), 7);
    assert_int_equal(line_level(2), 1);
    assert_int_equal(F->n_ev, 1);
    w64(STA, 1);
    assert_int_equal(line_level(2), 1); /* timers 1 and 2 still active */
    w64(STA, 2);
    assert_int_equal(line_level(2), 1);
    w64(STA, 4);
    assert_int_equal(line_level(2), 0);
    assert_int_equal(F->n_ev, 2);
}

static void test_route_must_be_in_the_capability(void **state)
{
    (void)state;
    unsigned long before = et_device_guest_error_count(F->dev);
    /* pc: only route 2. Route 3 does not stick (spec 2.3.8: reads back
     * different from what was written). */
    w64(TCONF(2), INT_ENB | ROUTE(3));
    assert_int_equal(r32(TCONF(2)), 0x30 | INT_ENB);
    assert_int_equal(et_device_guest_error_count(F->dev), before + 1);
    assert_non_null(strstr(F->last_log, "route 3 is not in Tn_INT_ROUTE_CAP 0x00000004"));
    w64(TCONF(2), INT_ENB | ROUTE(2));
    assert_int_equal(r32(TCONF(2)), 0x30 | INT_ENB | ROUTE(2));
    /* Rewriting the reset route 0 is no change, so no error. */
    w64(TCONF(1), INT_ENB);
    assert_int_equal(et_device_guest_error_count(F->dev), before + 1);

    /* q35: 2, 8 and 16..23. */
    teardown(NULL);
    et_hpet_config cfg = ET_HPET_CONFIG_DEFAULTS;
    cfg.int_route_cap = ET_HPET_ROUTE_CAP_Q35;
    setup_with(&cfg, NULL);
    w64(TCONF(0), LEVEL | INT_ENB | ROUTE(23));
    assert_int_equal(r32(TCONF(0)), 0x30 | LEVEL | INT_ENB | ROUTE(23));
    w64(TCONF(0), LEVEL | INT_ENB | ROUTE(24));
    assert_int_equal(r32(TCONF(0)), 0x30 | LEVEL | INT_ENB | ROUTE(23));
    w64(TCMP(0), 10);
    w64(CONF, ENABLE);
    step_to(100);
    assert_int_equal(line_level(23), 1);
    assert_int_equal(F->ev[0].n, 23);
}

/* --- FSB delivery ------------------------------------------------------------ */

static void test_fsb_messages(void **state)
{
    (void)state;
    /* Without msi, FSB_EN does not stick and bit 15 reads 0. */
    w64(TCONF(0), FSB_EN | INT_ENB);
    assert_int_equal(r32(TCONF(0)), 0x30 | INT_ENB);

    teardown(NULL);
    et_hpet_config cfg = ET_HPET_CONFIG_DEFAULTS;
    cfg.msi = true;
    cfg.fsb_write = fsb_write;
    setup_with(&cfg, NULL);
    /* Address in the high half, data in the low one; halves in either
     * order. */
    w32(TFSB(0) + 4, 0xfee00000u);
    w32(TFSB(0), 0x4041);
    assert_int_equal(r64(TFSB(0)), 0xfee0000000004041ULL);
    w64(TCONF(0), PERIODIC | FSB_EN | INT_ENB | ROUTE(2) | VAL_SET);
    w64(TCMP(0), 100);
    assert_int_equal(r32(TCONF(0)), 0x8030 | PERIODIC | FSB_EN | INT_ENB | ROUTE(2));
    w64(CONF, ENABLE);
    assert_true(et_clock_step_next(F->clock));
    assert_true(et_clock_step_next(F->clock));
    assert_int_equal(X.n_fsb, 2);
    assert_int_equal(X.fsb[0].addr, 0xfee00000u);
    assert_int_equal(X.fsb[0].data, 0x4041);
    assert_int_equal(X.fsb[0].t, 1000);
    assert_int_equal(X.fsb[1].t, 2000);
    assert_false(X.fsb_under_lock);
    assert_int_equal(F->n_ev, 0); /* no line is driven */

    /* Level-triggered FSB: the status sets, still no line. */
    w64(TCONF(1), LEVEL | FSB_EN | INT_ENB | ROUTE(2));
    w64(TFSB(1), 0xfee0100000000031ULL);
    w64(TCMP(1), 300);
    step_to(3000);
    assert_int_equal(r64(STA), 2);
    assert_int_equal(X.n_fsb, 4); /* timer 0 at 3000, then timer 1 */
    assert_int_equal(X.fsb[2].addr, 0xfee00000u);
    assert_int_equal(X.fsb[3].addr, 0xfee01000u);
    assert_int_equal(X.fsb[3].data, 0x31);
    assert_int_equal(X.fsb[3].t, 3000);
    assert_int_equal(F->n_ev, 0);
    /* INT_ENB clear: no message. */
    w64(TCONF(0), PERIODIC | FSB_EN | ROUTE(2));
    step_to(4000);
    assert_int_equal(X.n_fsb, 4);
}

/* --- reset and snapshots --------------------------------------------------- */

static void test_reset_returns_to_power_on(void **state)
{
    (void)state;
    w64(TCONF(0), LEVEL | INT_ENB | ROUTE(2) | PERIODIC | VAL_SET);
    w64(TCMP(0), 100);
    w64(TFSB(0), 0x1234);
    w64(CONF, ENABLE | LEG_RT);
    step_to(1000);
    assert_int_equal(line_level(0), 1);
    et_device_reset(F->dev);
    assert_int_equal(line_level(0), 0);
    assert_int_equal(r64(CONF), 0);
    assert_int_equal(r64(STA), 0);
    assert_int_equal(r64(CNT), 0);
    assert_int_equal(r64(TCONF(0)), 0x0000000400000030ULL);
    assert_int_equal(r64(TCMP(0)), UINT64_MAX);
    assert_int_equal(r64(TFSB(0)), 0);
    assert_int_equal(et_clock_deadline(F->clock), ET_NO_DEADLINE);
}

static void test_snapshot_restores_the_future(void **state)
{
    (void)state;
    /* Periodic level timer, 1000-tick period; save mid-period with the
     * status pending, restore into a fresh clock and device. */
    w64(TCONF(0), PERIODIC | LEVEL | INT_ENB | ROUTE(2) | VAL_SET);
    w64(TCMP(0), 1000);
    w64(CNT, 7);
    w64(CONF, ENABLE);
    step_to(15500); /* counter 1557, match at 1000 -> comparator 2000 */
    assert_int_equal(r64(STA), 1);
    assert_int_equal(r64(TCMP(0)), 2000);
    uint8_t *buf = NULL;
    size_t len = 0;
    char err[256];
    et_device *devs[1] = { F->dev };
    assert_int_equal(et_snapshot_save(F->clock, devs, 1, "hpet-test", &buf, &len, err,
                                      sizeof(err)), 0);

    teardown(NULL);
    setup_with(NULL, NULL);
    devs[0] = F->dev;
    if (et_snapshot_load(F->clock, devs, 1, "hpet-test", buf, len, err, sizeof(err)) != 0) {
        fail_msg("load: %s", err);
    }
    free(buf);
    assert_int_equal(et_clock_now(F->clock), 15500);
    assert_int_equal(r64(CNT), 1557);
    assert_int_equal(r64(TCMP(0)), 2000);
    assert_int_equal(r64(STA), 1);
    assert_int_equal(r64(CONF), ENABLE);
    assert_int_equal(line_level(2), 1);
    /* The next match (counter 2000) is at 7 + 1993 ticks -> 19930 ns. */
    assert_int_equal(et_clock_deadline(F->clock), 19930);
    w64(STA, 1);
    F->n_ev = 0;
    assert_true(et_clock_step_next(F->clock));
    assert_int_equal(F->n_ev, 1);
    assert_int_equal(F->ev[0].level, 1);
    assert_int_equal(F->ev[0].t, 19930);
    assert_int_equal(r64(TCMP(0)), 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reset_values_pc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capabilities_follow_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_config_is_a_clear_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_accesses_are_guest_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_writable_while_halted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_rate_with_fractional_period, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lockless_and_locked_reads_agree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_shot_comparator_halves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_val_set_with_8_byte_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_val_set_covers_only_the_next_half, setup, teardown),
        cmocka_unit_test_setup_teardown(test_val_set_high_half_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_period_change_applies_at_next_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_shot_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_status_and_int_enb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disable_lowers_and_enable_restores, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comparator_equal_to_counter_fires_at_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_comparator_in_the_past_is_missed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_periodic_no_drift_over_a_million_periods, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_periodic_no_drift_fractional_period, setup, teardown),
        cmocka_unit_test_setup_teardown(test_periodic_manual_jump_fires_every_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_periodic_coalesces_on_real_time_catch_up, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_zero_period, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_period_has_no_storm_clamp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_far_comparator_is_armed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_64bit_counter_wraps_to_the_comparator, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_32bit_mode_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_32bit_periodic_wraps_like_the_spec_example, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_32bit_one_shot_wrap_interrupts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_32bit_one_shot_armed_at_zero_is_no_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_32bit_one_shot_no_second_wrap_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lines_change_in_timer_order, setup_q35, teardown),
        cmocka_unit_test_setup_teardown(test_legacy_replacement_moves_a_pending_level, setup_q35, teardown),
        cmocka_unit_test_setup_teardown(test_legacy_replacement_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_level_line_is_an_or, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_must_be_in_the_capability, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsb_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_returns_to_power_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_restores_the_future, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
