/* ARM SP804 (ARM DDI 0271) and the Integrator/CP counter/timers: reset
 * values and IDs, the differences from QEMU 7.2's arm_timer.c (each shows
 * the hardware behaviour), per-counter clock inputs followed at run time,
 * prescalers, integration test registers, outputs, bad accesses and
 * configuration. The counting rules shared with the CMSDK dual timer are
 * covered in detail by test_cmsdk_apb_dualtimer.c.
 *
 * Timing: TIMCLK 1 MHz (QEMU's default), a tick U = 1000 ns. A count of N
 * started at t0 reads N - k at t0 + kU + 1 ns (k < N), reaches 0 at
 * t0 + N*U (RIS set), holds 0 for one tick and reloads: a periodic Load of
 * N interrupts every N + 1 ticks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter_drive.h"
#include "device_fixture.h"
#include "emutime/devices/sp804.h"
#include "emutime/emutime.h"

#define U 1000 /* ns per tick at 1 MHz */

#define T1 ET_SP804_TIMER1
#define T2 ET_SP804_TIMER2
#define LOAD ET_SP804_LOAD
#define VALUE ET_SP804_VALUE
#define CONTROL ET_SP804_CONTROL
#define INTCLR ET_SP804_INTCLR
#define RIS ET_SP804_RIS
#define MIS ET_SP804_MIS
#define BGLOAD ET_SP804_BGLOAD

#define ONESHOT ET_SP804_CTRL_ONESHOT
#define B32 ET_SP804_CTRL_32BIT
#define PRE16 ET_SP804_CTRL_PRESCALE16
#define PRE256 ET_SP804_CTRL_PRESCALE256
#define IE ET_SP804_CTRL_IE
#define PERIODIC ET_SP804_CTRL_PERIODIC
#define EN ET_SP804_CTRL_ENABLE

/* --- fixture ------------------------------------------------------------- */

/* SP804 with one 1 MHz TIMCLK for both counters. */
static int setup(void **state)
{
    device_fixture *f = df_new();
    char err[128];
    et_sp804_config cfg = { .timclk = { df_clock_input(f, "timclk", 1000000), NULL } };
    df_attach(f, et_sp804_new(f->clock, "sp804", &cfg, err, sizeof(err)), err);
    *state = f;
    return 0;
}

/* --- SP804 ------------------------------------------------------------------ */

static void test_reset_values_and_ids(void **state)
{
    device_fixture *f = *state;
    for (uint64_t b = T1; b <= T2; b += T2) {
        assert_int_equal(rd(f, b + LOAD), 0);
        assert_int_equal(rd(f, b + VALUE), 0xFFFFFFFF); /* QEMU: 0 */
        assert_int_equal(rd(f, b + CONTROL), 0x20);
        assert_int_equal(rd(f, b + RIS), 0);
        assert_int_equal(rd(f, b + MIS), 0);
        assert_int_equal(rd(f, b + BGLOAD), 0);
    }
    assert_int_equal(rd(f, ET_SP804_ITCR), 0);
    static const uint32_t ids[8] = { 0x04, 0x18, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1 };
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(rd(f, 0xFE0 + 4 * i), ids[i]);
    }
    assert_int_equal(df_guest_errors(f), 0);
    assert_int_equal(rd(f, 0xFD0), 0); /* no PID4-7 on the SP804 */
    assert_int_equal(df_guest_errors(f), 1);
    assert_int_equal(et_device_irq_count(f->dev), 3);
    assert_string_equal(et_device_irq(f->dev, ET_SP804_IRQ_TIMINTC)->name, "timintc");
    assert_string_equal(et_device_irq(f->dev, ET_SP804_IRQ_TIMINT1)->name, "timint1");
    assert_string_equal(et_device_irq(f->dev, ET_SP804_IRQ_TIMINT2)->name, "timint2");
}

/* The TRM's periodic mode reloads "after wrapping past zero": Load = 1000
 * interrupts every 1001 ticks and Value reads 0 for one tick. QEMU's LEGACY
 * ptimer interrupts every 1000 ticks and never shows 0. */
static void test_divergence_periodic_period_is_load_plus_one(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 1000);
    wr(f, T1 + CONTROL, EN | IE | PERIODIC | B32);
    step(f, 1000 * U - 1);
    assert_int_equal(rd(f, T1 + VALUE), 1);
    assert_int_equal(f->n_ev, 0);
    step(f, 1);
    assert_int_equal(rd(f, T1 + RIS), 1);
    assert_int_equal(f->ev[0].t, 1000000);
    step(f, U / 2);
    assert_int_equal(rd(f, T1 + VALUE), 0); /* QEMU: 999 */
    step(f, U / 2 + 1);
    assert_int_equal(rd(f, T1 + VALUE), 1000);
    wr(f, T1 + INTCLR, 1);
    step(f, 2001000 - 1001001);
    assert_int_equal(rd(f, T1 + RIS), 1); /* QEMU: at 2000000 */
    assert_int_equal(f->ev[f->n_ev - 1].t, 2001000);
    assert_int_equal(f->ev[f->n_ev - 1].level, 1);
}

/* Value is the count the last tick edge loaded, also exactly on an edge:
 * the edges of a count started at t0 are at t0 + kU, and the k-th leaves
 * N - k (DDI 0271: the counter decrements on each TIMCLK edge). Load 50
 * started at 0 reads 1 at 49000 ns, the instant of the 49th edge, and 1 all
 * through that tick; RIS at 50000; the zero tick ends with the reload at
 * 51000, which already reads 50. A count frozen exactly on an edge keeps
 * the edge's value. */
static void test_value_on_tick_edges(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 50);
    wr(f, T1 + CONTROL, EN | IE | PERIODIC | B32);
    assert_int_equal(rd(f, T1 + VALUE), 50);
    step(f, U);
    assert_int_equal(rd(f, T1 + VALUE), 49);
    step(f, 48 * U);
    assert_int_equal(rd(f, T1 + VALUE), 1); /* was 2 */
    step(f, U / 2);
    assert_int_equal(rd(f, T1 + VALUE), 1);
    step(f, U / 2);
    assert_int_equal(rd(f, T1 + RIS), 1);
    assert_int_equal(rd(f, T1 + VALUE), 0);
    step(f, U);
    assert_int_equal(rd(f, T1 + VALUE), 50); /* the reload edge; was 0 */
    step(f, U);
    assert_int_equal(rd(f, T1 + VALUE), 49);
    step(f, U);
    wr(f, T1 + CONTROL, IE | PERIODIC | B32); /* disable on the edge that left 48 */
    assert_int_equal(rd(f, T1 + VALUE), 48);
    step(f, 10 * U);
    assert_int_equal(rd(f, T1 + VALUE), 48);
    wr(f, T1 + CONTROL, EN | IE | PERIODIC | B32);
    step(f, U);
    assert_int_equal(rd(f, T1 + VALUE), 47);
    /* A Load exactly on an edge starts its count there. */
    wr(f, T1 + LOAD, 5);
    assert_int_equal(rd(f, T1 + VALUE), 5);
    step(f, U);
    assert_int_equal(rd(f, T1 + VALUE), 4);
}

/* A Control write touches neither the count nor the prescaler (DDI 0271,
 * TimerXControl): changing only TimerSize keeps the tick edges where they
 * were. Load 10 started at 0 interrupts at 10000 ns whether or not the
 * size changes at 3500; a count that does change width (0x10005 in 32-bit
 * mode is 0x10003 at 2500, then 16 bits of 3) still steps at the edges
 * 3000, 4000 and 5000. */
static void test_timer_size_change_keeps_tick_phase(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 10);
    wr(f, T1 + CONTROL, EN | IE | PERIODIC | B32);
    step(f, 3500);
    wr(f, T1 + CONTROL, EN | IE | PERIODIC); /* 32 -> 16 bits only */
    assert_int_equal(rd(f, T1 + VALUE), 7);
    step(f, 500);
    assert_int_equal(rd(f, T1 + VALUE), 6);
    step(f, 6000);
    assert_int_equal(f->n_ev, 2); /* TIMINT1 and TIMINTC */
    assert_int_equal(f->ev[0].t, 10000); /* was 10500 */
    wr(f, T1 + CONTROL, IE); /* stop */
    wr(f, T1 + INTCLR, 1);

    wr(f, T2 + LOAD, 0x10005);
    wr(f, T2 + CONTROL, EN | IE | PERIODIC | B32);
    step(f, 2500);
    assert_int_equal(rd(f, T2 + VALUE), 0x10003);
    wr(f, T2 + CONTROL, EN | IE | PERIODIC);
    assert_int_equal(rd(f, T2 + VALUE), 0x10003);
    step(f, 500);
    assert_int_equal(rd(f, T2 + VALUE), 0x10002);
    f->n_ev = 0;
    step(f, 2000);
    assert_int_equal(rd(f, T2 + RIS), 1);
    assert_int_equal(f->ev[0].t, 10000 + 5000); /* was 15500 */
    /* Back to 32 bits on an edge: 0x10005 reloaded at 16000 counts on. */
    step(f, 1000);
    assert_int_equal(rd(f, T2 + VALUE), 0x10005);
    step(f, 500);
    wr(f, T2 + CONTROL, EN | IE | PERIODIC | B32);
    step(f, 500);
    assert_int_equal(rd(f, T2 + VALUE), 0x10004);
}

/* Control writes never reload: toggling IntEnable mid-period leaves the
 * count alone (QEMU reloads on every Control write with TimerEn set). */
static void test_divergence_control_write_does_not_reload(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 1000);
    wr(f, T1 + CONTROL, EN | IE | PERIODIC | B32);
    step(f, 300 * U + 1);
    assert_int_equal(rd(f, T1 + VALUE), 700);
    wr(f, T1 + CONTROL, EN | PERIODIC | B32);
    wr(f, T1 + CONTROL, EN | IE | PERIODIC | B32);
    assert_int_equal(rd(f, T1 + VALUE), 700); /* QEMU: 1000 */
    step(f, 700 * U - 1);
    assert_int_equal(rd(f, T1 + RIS), 1); /* at 1000 ticks, as first programmed */
    assert_int_equal(f->ev[0].t, 1000000);
}

/* Load in free-running mode sets the count to the written value (QEMU sets
 * it to 0xFFFF / 0xFFFFFFFF); the counter then wraps to the maximum. */
static void test_divergence_free_running_load(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + CONTROL, IE | B32);
    wr(f, T1 + LOAD, 0x100);
    assert_int_equal(rd(f, T1 + VALUE), 0x100); /* QEMU: 0xFFFFFFFF */
    wr(f, T1 + CONTROL, EN | IE | B32);
    step(f, 0x100 * U);
    assert_int_equal(rd(f, T1 + RIS), 1);
    step(f, U + 1);
    assert_int_equal(rd(f, T1 + VALUE), 0xFFFFFFFF);
}

/* 16-bit mode counts 16 bits: Load 0x12345 interrupts after 0x2345 ticks
 * (QEMU counts the whole 0x12345) and Value keeps the top half 0x0001. */
static void test_divergence_16bit_counts_16_bits(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 0x12345);
    wr(f, T1 + CONTROL, EN | IE | PERIODIC);
    step(f, 0x2345 * U - 1);
    assert_int_equal(rd(f, T1 + RIS), 0);
    assert_int_equal(rd(f, T1 + VALUE), 0x10001);
    step(f, 1);
    assert_int_equal(rd(f, T1 + RIS), 1);
    step(f, U + 1);
    assert_int_equal(rd(f, T1 + VALUE), 0x12345);
}

/* Load = 0 raises RIS at once, even with the counter disabled (QEMU: only
 * when enabled). */
static void test_divergence_load_zero(void **state)
{
    device_fixture *f = *state;
    wr(f, T2 + LOAD, 0);
    assert_int_equal(rd(f, T2 + RIS), 1);
    assert_int_equal(f->level[ET_SP804_IRQ_TIMINT2], 1);
    assert_int_equal(f->level[ET_SP804_IRQ_TIMINTC], 1);
    assert_int_equal(f->level[ET_SP804_IRQ_TIMINT1], 0);
    wr(f, T2 + INTCLR, 0);
    assert_int_equal(f->level[ET_SP804_IRQ_TIMINTC], 0);
}

/* /256 at 1 MHz is exactly 256 us per tick (QEMU computes 1 MHz >> 8 =
 * 3906 Hz, 256.016 us). */
static void test_divergence_exact_prescale(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 4);
    wr(f, T1 + CONTROL, EN | IE | PERIODIC | B32 | PRE256);
    step(f, 4 * 256 * U - 1);
    assert_int_equal(rd(f, T1 + RIS), 0);
    step(f, 1);
    assert_int_equal(rd(f, T1 + RIS), 1);
    /* /16 on counter 2. */
    wr(f, T2 + LOAD, 3);
    wr(f, T2 + CONTROL, EN | IE | PERIODIC | B32 | PRE16);
    step(f, 48 * U);
    assert_int_equal(rd(f, T2 + RIS), 1);
    assert_int_equal(f->ev[f->n_ev - 1].t, 1024000 + 48000);
}

/* Prescale 0b11 is undefined ("do not use"): logged, divides by 1 as in
 * QEMU. */
static void test_undefined_prescale(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 10);
    wr(f, T1 + CONTROL, EN | IE | PERIODIC | B32 | PRE16 | PRE256);
    assert_int_equal(df_guest_errors(f), 1);
    step(f, 10 * U);
    assert_int_equal(rd(f, T1 + RIS), 1);
}

/* One-shot stops at 0 with one interrupt; clearing ONESHOT lets it run on. */
static void test_oneshot(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 10);
    wr(f, T1 + CONTROL, EN | IE | ONESHOT | B32);
    step(f, 10 * U);
    assert_int_equal(rd(f, T1 + RIS), 1);
    wr(f, T1 + INTCLR, 1);
    step(f, 100 * U);
    assert_int_equal(rd(f, T1 + VALUE), 0);
    assert_int_equal(rd(f, T1 + RIS), 0);
    wr(f, T1 + CONTROL, EN | IE | B32); /* free-running from 0 */
    step(f, U + 1);
    assert_int_equal(rd(f, T1 + VALUE), 0xFFFFFFFF);
    assert_int_equal(rd(f, T1 + RIS), 0);
}

/* A one-shot count that stopped at 0 "halts until you reprogram it", and
 * writing Load reprograms it (DDI 0271, one-shot mode): Load 3 restarts it
 * for 3 ticks. (QEMU only sets the count; the counter stays stopped until
 * Control is written.) */
static void test_divergence_oneshot_load_restarts(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 2);
    wr(f, T1 + CONTROL, EN | IE | ONESHOT | B32);
    step(f, 2 * U);
    assert_int_equal(rd(f, T1 + RIS), 1);
    wr(f, T1 + INTCLR, 1);
    step(f, 10 * U);
    wr(f, T1 + LOAD, 3);
    step(f, 3 * U - 1);
    assert_int_equal(rd(f, T1 + VALUE), 1);
    assert_int_equal(rd(f, T1 + RIS), 0);
    step(f, 1);
    assert_int_equal(rd(f, T1 + RIS), 1);
    assert_int_equal(f->ev[f->n_ev - 1].t, 15 * U);
}

/* Each counter follows its own TIMCLK, at run time. */
static void test_per_counter_clocks(void **state)
{
    (void)state;
    device_fixture *f = df_new();
    char err[128];
    et_sp804_config cfg = { .timclk = { df_clock_input(f, "timclk1", 1000000),
                                        df_clock_input(f, "timclk2", 2000000) } };
    df_attach(f, et_sp804_new(f->clock, "sp804", &cfg, err, sizeof(err)), err);
    wr(f, T1 + LOAD, 100);
    wr(f, T1 + CONTROL, EN | IE | PERIODIC | B32);
    wr(f, T2 + LOAD, 100);
    wr(f, T2 + CONTROL, EN | IE | PERIODIC | B32);
    step(f, 20 * U + 1);
    assert_int_equal(rd(f, T1 + VALUE), 80);
    assert_int_equal(rd(f, T2 + VALUE), 60);
    /* TIMCLK2 to 4 MHz at 20001 ns: counter 2 goes on from 60 at 250 ns
     * per tick; counter 1 is untouched. */
    et_clock_input_set_hz(df_input(f, "timclk2"), 4000000);
    step(f, 40 * 250 + 1);
    assert_int_equal(rd(f, T2 + VALUE), 20);
    assert_int_equal(rd(f, T1 + VALUE), 70);
    step(f, 20 * 250 - 2);
    assert_int_equal(rd(f, T2 + RIS), 0);
    step(f, 1);
    assert_int_equal(rd(f, T2 + RIS), 1);
    assert_int_equal(f->ev[0].n, ET_SP804_IRQ_TIMINT2);
    assert_int_equal(f->ev[0].t, 20001 + 60 * 250);
    assert_int_equal(rd(f, T1 + RIS), 0);
    df_free(f);
}

static void test_integration_test_registers(void **state)
{
    device_fixture *f = *state;
    wr(f, ET_SP804_ITCR, 1);
    wr(f, ET_SP804_ITOP, 3);
    assert_int_equal(f->level[0], 1);
    assert_int_equal(f->level[1], 1);
    assert_int_equal(f->level[2], 1);
    assert_int_equal(rd(f, T1 + RIS), 0);
    wr(f, ET_SP804_ITOP, 0);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(rd(f, ET_SP804_ITOP), 0); /* write-only */
    assert_int_equal(df_guest_errors(f), 1);
    wr(f, ET_SP804_ITCR, 0);
    assert_int_equal(rd(f, ET_SP804_ITCR), 0);
}

static void test_bad_accesses(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(rd(f, T1 + 0x1C), 0);
    assert_int_equal(rd(f, 0x40), 0);
    assert_int_equal(rd(f, T2 + INTCLR), 0);
    wr(f, T1 + VALUE, 1); /* read-only */
    wr(f, 0xFE0, 0);
    assert_int_equal(df_guest_errors(f), 5);
    assert_int_equal(rd(f, T1 + VALUE), 0xFFFFFFFF);
    assert_int_equal(et_device_read(f->dev, T1 + LOAD, 8), 0);
    assert_int_equal(et_device_read(f->dev, T1 + LOAD + 1, 2), 0);
    assert_int_equal(df_guest_errors(f), 7);
    wr(f, T1 + LOAD, 0xCAFEF00D);
    assert_int_equal(et_device_read(f->dev, T1 + LOAD + 2, 2), 0xCAFE);
    assert_int_equal(et_device_read(f->dev, T1 + VALUE + 3, 1), 0xCA);
    /* Byte and halfword reads give the register's byte lanes: the PrimeCell
     * ID at 0xFE0 is 0x04, its byte 1 is 0 (QEMU reads the aligned word's
     * low part, 0x04). */
    assert_int_equal(et_device_read(f->dev, 0xFE0, 1), 0x04);
    assert_int_equal(et_device_read(f->dev, 0xFE1, 1), 0x00);
    assert_int_equal(et_device_read(f->dev, T1 + LOAD + 1, 1), 0xF0);
    /* Narrow writes: at byte 0 zero-extended, at bytes 1-3 ignored
     * (devices/apb_access.h; QEMU stores the value in the aligned word). */
    unsigned long e = df_guest_errors(f);
    et_device_write(f->dev, T1 + LOAD + 2, 0x1234, 2);
    assert_int_equal(rd(f, T1 + LOAD), 0xCAFEF00D);
    assert_int_equal(df_guest_errors(f), e + 1);
    et_device_write(f->dev, T1 + LOAD, 0x1234, 2);
    assert_int_equal(rd(f, T1 + LOAD), 0x1234);
}

static void test_reset(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 5);
    wr(f, T1 + CONTROL, EN | IE | PERIODIC | B32);
    step(f, 5 * U);
    assert_int_equal(f->level[0], 1);
    et_device_reset(f->dev);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(f->level[1], 0);
    assert_int_equal(rd(f, T1 + CONTROL), 0x20);
    assert_int_equal(rd(f, T1 + VALUE), 0xFFFFFFFF);
    step(f, 100 * U);
    assert_int_equal(rd(f, T1 + VALUE), 0xFFFFFFFF);
    assert_int_equal(f->n_ev, 4);
}

static void test_bad_configuration(void **state)
{
    (void)state;
    char err[128] = "";
    et_clock *clock = et_clock_new_manual();
    et_sp804_config cfg = { .timclk = { NULL, NULL } };
    assert_null(et_sp804_new(clock, "s", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "TIMCLK"));
    assert_null(et_sp804_new(clock, "s", NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "configuration"));
    et_clock_input *c = et_clock_input_new("c");
    et_icp_pit_config pcfg = { .timclk = { c, NULL, NULL } };
    assert_null(et_icp_pit_new(clock, "p", &pcfg, err, sizeof(err)));
    assert_non_null(strstr(err, "timclk[1]"));
    assert_null(et_icp_pit_new(NULL, "p", &pcfg, err, sizeof(err)));
    assert_non_null(strstr(err, "clock"));
    et_clock_input_free(c);
    et_clock_free(clock);
}

static void test_saved_state_declared(void **state)
{
    device_fixture *f = *state;
    const et_vmstate *vm = f->dev->ops->state;
    assert_non_null(vm);
    assert_string_equal(vm->name, "sp804");
    const char *want[] = { "counters.pt",   "counters.control", "counters.load",
                           "counters.high", "counters.ris",     "itcr",
                           "itop",          "timintc",          "timint" };
    size_t n = 0;
    for (const et_field *fl = vm->fields; fl->name; fl++, n++) {
        assert_true(n < 9);
        assert_string_equal(fl->name, want[n]);
    }
    assert_int_equal(n, 9);
}

/* --- Integrator/CP PIT -------------------------------------------------------- */

static int setup_pit(void **state)
{
    device_fixture *f = df_new();
    char err[128];
    et_icp_pit_config cfg = { .timclk = { df_clock_input(f, "sysclk", 40000000),
                                          df_clock_input(f, "1mhz", 1000000), NULL } };
    df_attach(f, et_icp_pit_new(f->clock, "pit", &cfg, err, sizeof(err)), err);
    *state = f;
    return 0;
}

static void test_pit_reset_and_layout(void **state)
{
    device_fixture *f = *state;
    for (uint64_t b = 0; b < 0x300; b += 0x100) {
        assert_int_equal(rd(f, b + LOAD), 0);
        assert_int_equal(rd(f, b + VALUE), 0xFFFFFFFF);
        assert_int_equal(rd(f, b + CONTROL), 0x20);
        assert_int_equal(rd(f, b + RIS), 0);
    }
    assert_int_equal(df_guest_errors(f), 0);
    assert_int_equal(rd(f, 0x300), 0);   /* no timer 3 */
    assert_int_equal(rd(f, 0x020), 0);   /* no second block per timer */
    assert_int_equal(rd(f, 0xFE0), 0);   /* no ID registers */
    wr(f, 0x11C, 1);
    assert_int_equal(df_guest_errors(f), 4);
    assert_int_equal(et_device_irq_count(f->dev), 3);
    assert_string_equal(et_device_irq(f->dev, 0)->name, "timer0");
    assert_string_equal(et_device_irq(f->dev, 2)->name, "timer2");
}

/* Timer 0 counts the 40 MHz system clock, timers 1 and 2 the 1 MHz one;
 * each drives its own output. */
static void test_pit_clocks_and_outputs(void **state)
{
    device_fixture *f = *state;
    for (uint64_t b = 0; b < 0x300; b += 0x100) {
        wr(f, b + LOAD, 100);
        wr(f, b + CONTROL, EN | IE | PERIODIC | B32);
    }
    step(f, 100 * 25); /* 2500 ns: timer 0's first zero */
    assert_int_equal(f->n_ev, 1);
    assert_int_equal(f->ev[0].n, 0);
    assert_int_equal(f->ev[0].level, 1);
    assert_int_equal(rd(f, 0x100 + VALUE), 98); /* 2.5 ticks of 1 us: floor + 1 */
    step(f, 100 * U - 2500);
    assert_int_equal(f->level[1], 1);
    assert_int_equal(f->level[2], 1);
    assert_int_equal(f->ev[1].t, 100000);
    wr(f, 0x200 + INTCLR, 1);
    assert_int_equal(f->level[2], 0);
    assert_int_equal(f->level[1], 1);
    /* Timer 2 follows timclk[1] when timclk[2] is NULL. */
    et_clock_input_set_hz(df_input(f, "1mhz"), 2000000);
    int64_t t0 = et_clock_now(f->clock);
    wr(f, 0x200 + LOAD, 10);
    step(f, 10 * 500);
    assert_int_equal(f->level[2], 1);
    assert_int_equal(f->ev[f->n_ev - 1].t, t0 + 5000);
}

static void test_pit_saved_state_declared(void **state)
{
    device_fixture *f = *state;
    const et_vmstate *vm = f->dev->ops->state;
    assert_non_null(vm);
    assert_string_equal(vm->name, "integrator-pit");
    size_t n = 0;
    for (const et_field *fl = vm->fields; fl->name; fl++, n++) {
        assert_int_equal(fl->count, 3);
    }
    assert_int_equal(n, 6);
}

/* --- shared-suite adapters ------------------------------------------------- */

static void test_adapters_on_manual_clock(void **state)
{
    (void)state;
    assert_true(et_test_adapter_drive("sp804", 4242, 20000, NULL) > 100);
    assert_true(et_test_adapter_drive("integrator-pit", 4242, 20000, NULL) > 100);
}

int main(void)
{
#define T_(fn) cmocka_unit_test_setup_teardown(fn, setup, df_teardown)
#define P_(fn) cmocka_unit_test_setup_teardown(fn, setup_pit, df_teardown)
    const struct CMUnitTest tests[] = {
        T_(test_reset_values_and_ids),
        T_(test_divergence_periodic_period_is_load_plus_one),
        T_(test_value_on_tick_edges),
        T_(test_timer_size_change_keeps_tick_phase),
        T_(test_divergence_control_write_does_not_reload),
        T_(test_divergence_free_running_load),
        T_(test_divergence_16bit_counts_16_bits),
        T_(test_divergence_load_zero),
        T_(test_divergence_exact_prescale),
        T_(test_undefined_prescale),
        T_(test_oneshot),
        T_(test_divergence_oneshot_load_restarts),
        cmocka_unit_test(test_per_counter_clocks),
        T_(test_integration_test_registers),
        T_(test_bad_accesses),
        T_(test_reset),
        cmocka_unit_test(test_bad_configuration),
        T_(test_saved_state_declared),
        P_(test_pit_reset_and_layout),
        P_(test_pit_clocks_and_outputs),
        P_(test_pit_saved_state_declared),
        cmocka_unit_test(test_adapters_on_manual_clock),
    };
#undef T_
#undef P_
    return cmocka_run_group_tests(tests, NULL, NULL);
}
