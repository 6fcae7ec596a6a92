/* CMSDK APB dual timer (ARM DDI 0479; an SP804 clone): registers, modes,
 * 16/32-bit, prescale, BGLOAD, integration test registers, outputs, QEMU's
 * qtests /cmsdk-apb-dualtimer/dualtimer and /prescale on mps2-an385's
 * 25 MHz TIMCLK, the QEMU divergences, run-time frequency changes, bad
 * accesses, reset and configuration.
 *
 * Timing notation: TIMCLK 25 MHz gives a tick T = 40 ns. A count of N
 * started at t0 reads N at t0 and N - k at t0 + kT + 1 ns (k < N); it
 * reaches 0 at t0 + N*T, where RIS is set, holds 0 for one tick and then
 * reloads (periodic: LOAD; free-running: 0xFFFF / 0xFFFFFFFF), so a periodic
 * LOAD of N gives RIS every N + 1 ticks. */
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
#include "emutime/devices/cmsdk_apb_dualtimer.h"
#include "emutime/emutime.h"

#define T 40 /* ns per tick at 25 MHz */

#define T1 ET_CMSDK_DUALTIMER_TIMER1
#define T2 ET_CMSDK_DUALTIMER_TIMER2
#define LOAD ET_CMSDK_DUALTIMER_LOAD
#define VALUE ET_CMSDK_DUALTIMER_VALUE
#define CONTROL ET_CMSDK_DUALTIMER_CONTROL
#define INTCLR ET_CMSDK_DUALTIMER_INTCLR
#define RIS ET_CMSDK_DUALTIMER_RIS
#define MIS ET_CMSDK_DUALTIMER_MIS
#define BGLOAD ET_CMSDK_DUALTIMER_BGLOAD
#define ITCR ET_CMSDK_DUALTIMER_ITCR
#define ITOP ET_CMSDK_DUALTIMER_ITOP

#define ONESHOT ET_CMSDK_DUALTIMER_CTRL_ONESHOT
#define SIZE32 ET_CMSDK_DUALTIMER_CTRL_SIZE32
#define PRE16 ET_CMSDK_DUALTIMER_CTRL_PRESCALE16
#define PRE256 ET_CMSDK_DUALTIMER_CTRL_PRESCALE256
#define INTEN ET_CMSDK_DUALTIMER_CTRL_INTEN
#define PERIODIC ET_CMSDK_DUALTIMER_CTRL_PERIODIC
#define ENABLE ET_CMSDK_DUALTIMER_CTRL_ENABLE

/* --- fixture ------------------------------------------------------------- */

static int setup(void **state)
{
    device_fixture *f = df_new();
    et_cmsdk_apb_dualtimer_config cfg = { .timclk = df_clock_input(f, "timclk", 25000000) };
    char err[128];
    df_attach(f, et_cmsdk_apb_dualtimer_new(f->clock, "dualtimer", &cfg, err, sizeof(err)), err);
    *state = f;
    return 0;
}

/* --- reset, IDs ----------------------------------------------------------- */

static void test_reset_values_and_ids(void **state)
{
    device_fixture *f = *state;
    for (uint64_t b = T1; b <= T2; b += T2) {
        assert_int_equal(rd(f, b + LOAD), 0);
        assert_int_equal(rd(f, b + VALUE), 0xFFFFFFFF);
        assert_int_equal(rd(f, b + CONTROL), 0x20);
        assert_int_equal(rd(f, b + RIS), 0);
        assert_int_equal(rd(f, b + MIS), 0);
        assert_int_equal(rd(f, b + BGLOAD), 0);
    }
    assert_int_equal(rd(f, ITCR), 0);
    static const uint32_t ids[12] = { 0x04, 0x00, 0x00, 0x00, 0x23, 0xB8,
                                      0x1B, 0x00, 0x0D, 0xF0, 0x05, 0xB1 };
    for (unsigned i = 0; i < 12; i++) {
        assert_int_equal(rd(f, 0xFD0 + 4 * i), ids[i]);
    }
    assert_int_equal(et_device_irq_count(f->dev), 3);
    assert_string_equal(et_device_irq(f->dev, 0)->name, "timintc");
    assert_string_equal(et_device_irq(f->dev, 1)->name, "timint1");
    assert_string_equal(et_device_irq(f->dev, 2)->name, "timint2");
    /* Disabled: nothing counts. */
    step(f, 100000);
    assert_int_equal(rd(f, T1 + VALUE), 0xFFFFFFFF);
    assert_int_equal(df_guest_errors(f), 0);
}

/* --- QEMU's qtests ----------------------------------------------------------- */

/* tests/qtest/cmsdk-apb-dualtimer-test.c, /cmsdk-apb-dualtimer/dualtimer:
 * module 1, free-running 16-bit (the reset mode), LOAD sets the count. */
static void test_qtest_dualtimer(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(rd(f, T1 + RIS), 0);
    wr(f, T1 + LOAD, 1000);
    wr(f, T1 + CONTROL, ENABLE | INTEN);
    step(f, 500 * T + 1);
    assert_int_equal(rd(f, T1 + RIS), 0);
    assert_int_equal(rd(f, T1 + VALUE), 500);
    step(f, 500 * T);
    assert_int_equal(rd(f, T1 + RIS), 1);
    assert_int_equal(rd(f, T1 + VALUE), 0);
    step(f, T);
    assert_int_equal(rd(f, T1 + VALUE), 0xFFFF); /* 16-bit wrap */
    wr(f, T1 + INTCLR, 0);
    assert_int_equal(rd(f, T1 + RIS), 0);
    wr(f, T1 + CONTROL, 0);
}

/* /cmsdk-apb-dualtimer/prescale: module 2, periodic, /256: one tick is
 * 256 * 40 = 10240 ns; steps land exactly on tick boundaries. */
static void test_qtest_prescale(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(rd(f, T2 + RIS), 0);
    wr(f, T2 + LOAD, 1000);
    wr(f, T2 + CONTROL, ENABLE | INTEN | PERIODIC | PRE256);
    step(f, 10240 * 501);
    assert_int_equal(rd(f, T2 + RIS), 0);
    assert_int_equal(rd(f, T2 + VALUE), 500);
    step(f, 10240 * 500);
    assert_int_equal(rd(f, T2 + RIS), 1);
    assert_int_equal(rd(f, T2 + VALUE), 0);
    step(f, 10240);
    assert_int_equal(rd(f, T2 + VALUE), 1000);
    wr(f, T2 + INTCLR, 0);
    assert_int_equal(rd(f, T2 + RIS), 0);
}

/* --- modes and outputs --------------------------------------------------- */

/* Periodic 32-bit: RIS and TIMINT1/TIMINTC rise at the zero, every LOAD + 1
 * ticks; TIMINT2 stays low; INTCLR lowers them. */
static void test_periodic_outputs(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 100);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32);
    step(f, 100 * T - 1);
    assert_int_equal(f->n_ev, 0);
    step(f, 1);
    assert_int_equal(f->n_ev, 2);
    assert_int_equal(f->ev[0].n, 1); /* TIMINT1 first, then TIMINTC */
    assert_int_equal(f->ev[0].level, 1);
    assert_int_equal(f->ev[0].t, 4000);
    assert_int_equal(f->ev[1].n, 0);
    assert_int_equal(f->ev[1].t, 4000);
    assert_int_equal(rd(f, T1 + MIS), 1);
    step(f, T);
    assert_int_equal(rd(f, T1 + VALUE), 0); /* the zero tick ends at 101T */
    step(f, 1);
    assert_int_equal(rd(f, T1 + VALUE), 100); /* reloaded */
    wr(f, T1 + INTCLR, 0xFFFFFFFF);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(f->level[1], 0);
    assert_int_equal(f->level[2], 0);
    /* Next zero: 101T + 100T = 201T = 8040 ns. */
    step(f, 8040 - 4041 - 1);
    assert_int_equal(rd(f, T1 + RIS), 0);
    step(f, 1);
    assert_int_equal(rd(f, T1 + RIS), 1);
    assert_int_equal(f->ev[f->n_ev - 1].t, 8040);
    assert_int_equal(rd(f, T2 + RIS), 0);
}

/* Both counters drive TIMINTC: it stays high until both are cleared. */
static void test_combined_output(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 10);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32);
    wr(f, T2 + LOAD, 20);
    wr(f, T2 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32);
    step(f, 20 * T);
    assert_int_equal(f->level[1], 1);
    assert_int_equal(f->level[2], 1);
    assert_int_equal(f->level[0], 1);
    wr(f, T1 + INTCLR, 1);
    assert_int_equal(f->level[1], 0);
    assert_int_equal(f->level[0], 1);
    wr(f, T2 + INTCLR, 1);
    assert_int_equal(f->level[0], 0);
}

/* INTEN masks MIS and the outputs, not RIS; changing it does not disturb
 * the count. */
static void test_inten_masks_and_does_not_reload(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 100);
    wr(f, T1 + CONTROL, ENABLE | PERIODIC | SIZE32);
    step(f, 100 * T);
    assert_int_equal(rd(f, T1 + RIS), 1);
    assert_int_equal(rd(f, T1 + MIS), 0);
    assert_int_equal(f->n_ev, 0);
    step(f, 31 * T + 1); /* 131T + 1: 30 ticks into the second period */
    assert_int_equal(rd(f, T1 + VALUE), 70);
    wr(f, T1 + CONTROL, ENABLE | PERIODIC | SIZE32 | INTEN);
    assert_int_equal(rd(f, T1 + MIS), 1);
    assert_int_equal(f->level[1], 1);
    assert_int_equal(rd(f, T1 + VALUE), 70);
    step(f, 10 * T);
    assert_int_equal(rd(f, T1 + VALUE), 60);
}

static void test_oneshot(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 10);
    wr(f, T1 + CONTROL, ENABLE | INTEN | ONESHOT | PERIODIC | SIZE32);
    step(f, 10 * T);
    assert_int_equal(rd(f, T1 + RIS), 1);
    wr(f, T1 + INTCLR, 1);
    step(f, 1000 * T);
    assert_int_equal(rd(f, T1 + VALUE), 0); /* halted at 0 */
    assert_int_equal(rd(f, T1 + RIS), 0);
    /* Re-enabling a halted one-shot does nothing either. */
    wr(f, T1 + CONTROL, INTEN | ONESHOT | PERIODIC | SIZE32);
    wr(f, T1 + CONTROL, ENABLE | INTEN | ONESHOT | PERIODIC | SIZE32);
    step(f, 100 * T);
    assert_int_equal(rd(f, T1 + VALUE), 0);
    assert_int_equal(rd(f, T1 + RIS), 0);
    /* A LOAD write restarts it: at 1110T, zero at 1115T. */
    wr(f, T1 + LOAD, 5);
    step(f, 5 * T);
    assert_int_equal(rd(f, T1 + RIS), 1);
    wr(f, T1 + INTCLR, 1);
    /* Clearing ONESHOT (periodic mode): the count leaves 0 on the next tick
     * (to LOAD), without an interrupt, and then runs periodically. */
    step(f, 3 * T);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32); /* at 1118T */
    step(f, T - 1);
    assert_int_equal(rd(f, T1 + VALUE), 0);
    step(f, 1);
    assert_int_equal(rd(f, T1 + VALUE), 5); /* 1119T */
    assert_int_equal(rd(f, T1 + RIS), 0);
    step(f, 5 * T);
    assert_int_equal(rd(f, T1 + RIS), 1); /* 1124T */
}

/* Free-running mode wraps to the maximum of the counter size. */
static void test_free_running_wrap(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + CONTROL, SIZE32 | INTEN);
    wr(f, T1 + LOAD, 10);
    wr(f, T1 + CONTROL, ENABLE | SIZE32 | INTEN);
    step(f, 10 * T);
    assert_int_equal(rd(f, T1 + RIS), 1);
    assert_int_equal(rd(f, T1 + VALUE), 0);
    step(f, T + 1);
    assert_int_equal(rd(f, T1 + VALUE), 0xFFFFFFFF);
    step(f, 5 * T);
    assert_int_equal(rd(f, T1 + VALUE), 0xFFFFFFFA);
    assert_int_equal(rd(f, T1 + LOAD), 10); /* LOAD keeps its value */
}

/* BGLOAD changes the reload value, not the count; both read back as LOAD. */
static void test_bgload(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 100);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32);
    step(f, 20 * T + 1);
    wr(f, T1 + BGLOAD, 50);
    assert_int_equal(rd(f, T1 + VALUE), 80);
    assert_int_equal(rd(f, T1 + LOAD), 50);
    assert_int_equal(rd(f, T1 + BGLOAD), 50);
    step(f, 80 * T - 1); /* 100T: first zero, as loaded */
    assert_int_equal(rd(f, T1 + RIS), 1);
    wr(f, T1 + INTCLR, 1);
    step(f, T + 1);
    assert_int_equal(rd(f, T1 + VALUE), 50);
    step(f, 50 * T - 1); /* second zero at 101T + 50T */
    assert_int_equal(rd(f, T1 + RIS), 1);
    assert_int_equal(f->ev[f->n_ev - 1].t, 151 * T);
}

/* 16-bit mode counts bits 15:0; VALUE's top half shows LOAD's. */
static void test_16bit_mode(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 0x12345);
    assert_int_equal(rd(f, T1 + VALUE), 0x12345);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC);
    step(f, 5 * T + 1);
    assert_int_equal(rd(f, T1 + VALUE), 0x12340);
    step(f, 0x2340 * T - 1); /* the low half reaches 0 at 0x2345 T */
    assert_int_equal(rd(f, T1 + RIS), 1);
    assert_int_equal(rd(f, T1 + VALUE), 0x10000);
    step(f, T + 1);
    assert_int_equal(rd(f, T1 + VALUE), 0x12345);
    /* Free-running 16-bit: wraps to 0xFFFF below the top half. */
    wr(f, T1 + CONTROL, INTEN);
    wr(f, T1 + LOAD, 0x30002);
    wr(f, T1 + CONTROL, ENABLE | INTEN);
    step(f, 3 * T + 1);
    assert_int_equal(rd(f, T1 + VALUE), 0x3FFFF);
}

/* A CONTROL write that changes only SIZE touches neither the count nor the
 * prescaler (DDI 0271): the tick edges stay. LOAD 0x10005 in 32-bit
 * periodic mode from 0; at 2.5 ticks (0x10003) 16-bit: the low half counts
 * 2, 1, 0 at the edges 3T, 4T, 5T (QEMU's set_count restarts the tick:
 * 5.5T). */
static void test_divergence_size_switch_keeps_tick_edges(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 0x10005);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32);
    step(f, 2 * T + T / 2);
    assert_int_equal(rd(f, T1 + VALUE), 0x10003);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC);
    assert_int_equal(rd(f, T1 + VALUE), 0x10003);
    step(f, 3 * T - T / 2 - 1);
    assert_int_equal(rd(f, T1 + RIS), 0);
    step(f, 1);
    assert_int_equal(rd(f, T1 + RIS), 1);
    assert_int_equal(f->ev[0].t, 5 * T);
}

/* Switching the size keeps the 32-bit register; only the counted width
 * changes. */
static void test_size_switch_at_run_time(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + CONTROL, SIZE32 | INTEN);
    wr(f, T1 + LOAD, 0x20005);
    wr(f, T1 + CONTROL, ENABLE | SIZE32 | INTEN);
    step(f, 2 * T + 1);
    assert_int_equal(rd(f, T1 + VALUE), 0x20003);
    wr(f, T1 + CONTROL, ENABLE | INTEN); /* 16-bit from 2T + 1 */
    assert_int_equal(rd(f, T1 + VALUE), 0x20003);
    step(f, 3 * T);
    assert_int_equal(rd(f, T1 + RIS), 1); /* the low half hit 0 */
    assert_int_equal(rd(f, T1 + VALUE), 0x20000);
    step(f, T + 1);
    assert_int_equal(rd(f, T1 + VALUE), 0x2FFFF);
    wr(f, T1 + CONTROL, ENABLE | INTEN | SIZE32); /* back to 32 bits */
    assert_int_equal(rd(f, T1 + VALUE), 0x2FFFF);
    step(f, 0xFFFF * T + 1);
    assert_int_equal(rd(f, T1 + VALUE), 0x20000);
}

static void test_prescale16_and_undefined(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 10);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32 | PRE16);
    step(f, 160 * T - 1);
    assert_int_equal(rd(f, T1 + RIS), 0);
    step(f, 1);
    assert_int_equal(rd(f, T1 + RIS), 1);
    /* PRESCALE 0b11 is undefined: logged, divides by 256. */
    unsigned long e = df_guest_errors(f);
    wr(f, T2 + LOAD, 2);
    wr(f, T2 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32 | PRE16 | PRE256);
    assert_int_equal(df_guest_errors(f), e + 1);
    assert_non_null(strstr(f->last_log, "prescale"));
    assert_int_equal(rd(f, T2 + CONTROL), ENABLE | INTEN | PERIODIC | SIZE32 | 0xC);
    step(f, 512 * T - 1);
    assert_int_equal(rd(f, T2 + RIS), 0);
    step(f, 1);
    assert_int_equal(rd(f, T2 + RIS), 1);
}

static void test_disable_freezes(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 100);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32);
    step(f, 40 * T + 1);
    wr(f, T1 + CONTROL, INTEN | PERIODIC | SIZE32);
    step(f, 1000 * T);
    assert_int_equal(rd(f, T1 + VALUE), 60);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32); /* at 1040T + 1 */
    step(f, 60 * T);
    assert_int_equal(rd(f, T1 + RIS), 1);
    assert_int_equal(f->ev[0].t, 1100 * T + 1);
}

/* A mode change applies at the next zero. */
static void test_mode_change_at_next_zero(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + CONTROL, SIZE32 | INTEN);
    wr(f, T1 + LOAD, 10);
    wr(f, T1 + CONTROL, ENABLE | SIZE32 | INTEN); /* free-running */
    step(f, 3 * T + 1);
    wr(f, T1 + CONTROL, ENABLE | SIZE32 | INTEN | PERIODIC);
    assert_int_equal(rd(f, T1 + VALUE), 7);
    step(f, 8 * T); /* zero at 10T, reload to 10 at 11T */
    assert_int_equal(rd(f, T1 + VALUE), 10);
}

/* --- integration test registers ------------------------------------------ */

static void test_integration_test_registers(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 5);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32);
    step(f, 5 * T);
    assert_int_equal(f->level[1], 1);
    wr(f, ITCR, 1);
    assert_int_equal(rd(f, ITCR), 1);
    assert_int_equal(f->level[0], 0); /* ITOP is 0: outputs forced low */
    assert_int_equal(f->level[1], 0);
    assert_int_equal(rd(f, T1 + RIS), 1); /* status untouched */
    assert_int_equal(rd(f, T1 + MIS), 1);
    wr(f, ITOP, 2);
    assert_int_equal(f->level[2], 1);
    assert_int_equal(f->level[1], 0);
    assert_int_equal(f->level[0], 1);
    wr(f, ITOP, 1);
    assert_int_equal(f->level[2], 0);
    assert_int_equal(f->level[1], 1);
    assert_int_equal(f->level[0], 1);
    unsigned long e = df_guest_errors(f);
    assert_int_equal(rd(f, ITOP), 0); /* write-only */
    wr(f, ITCR, 0xFFFFFFFF);          /* reserved bits */
    assert_int_equal(df_guest_errors(f), e + 2);
    assert_int_equal(rd(f, ITCR), 1);
    wr(f, ITCR, 0);
    assert_int_equal(f->level[1], 1); /* back to MIS */
    assert_int_equal(f->level[2], 0);
}

/* --- differences from QEMU ----------------------------------------------- */

/* QEMU forces one-shot on a LOAD write to an enabled periodic counter, so
 * it stops after the next zero. The hardware keeps the mode. */
static void test_divergence_load_keeps_periodic(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 100);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32);
    step(f, 50 * T + 1);
    wr(f, T1 + LOAD, 20); /* count 20 from 50T + 1 */
    step(f, 20 * T);
    assert_int_equal(rd(f, T1 + RIS), 1); /* 70T + 1 */
    wr(f, T1 + INTCLR, 1);
    step(f, 21 * T);
    assert_int_equal(rd(f, T1 + RIS), 1); /* 91T + 1: still periodic */
    wr(f, T1 + INTCLR, 1);
    step(f, 21 * T);
    assert_int_equal(rd(f, T1 + RIS), 1); /* 112T + 1 */
    assert_int_equal(rd(f, T1 + CONTROL), ENABLE | INTEN | PERIODIC | SIZE32);
}

/* LOAD = 0 raises RIS at once (QEMU stops the counter without one); in
 * periodic mode the count then stays at 0. */
static void test_divergence_load_zero_interrupts(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + CONTROL, INTEN | PERIODIC | SIZE32);
    wr(f, T1 + LOAD, 0); /* disabled, too */
    assert_int_equal(rd(f, T1 + RIS), 1);
    assert_int_equal(f->level[1], 1);
    wr(f, T1 + INTCLR, 1);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32);
    step(f, 100 * T);
    assert_int_equal(rd(f, T1 + VALUE), 0);
    assert_int_equal(rd(f, T1 + RIS), 0);
}

/* A BGLOAD write while the count holds at 0 applies at the reload that ends
 * that zero tick (QEMU reloads the old value and reads LOAD + 1 meanwhile).
 * The zero tick restarts at the write (here 1 ns later than the hardware). */
static void test_divergence_bgload_in_zero_tick(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 99);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32);
    step(f, 99 * T + 1);
    assert_int_equal(rd(f, T1 + VALUE), 0);
    wr(f, T1 + BGLOAD, 49);
    assert_int_equal(rd(f, T1 + VALUE), 0); /* QEMU: 100 */
    step(f, T);
    assert_int_equal(rd(f, T1 + VALUE), 49);
    wr(f, T1 + INTCLR, 1);
    step(f, 49 * T - 1);
    assert_int_equal(rd(f, T1 + RIS), 0);
    step(f, 1);
    assert_int_equal(rd(f, T1 + RIS), 1); /* 149T + 1 (QEMU: 199T) */
}

/* In 16-bit periodic mode the reload loads all 32 bits of the reload value,
 * so a BGLOAD with another top half shows in VALUE after the reload (QEMU
 * keeps the top half of the last LOAD). */
static void test_divergence_16bit_reload_top_half(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + CONTROL, INTEN | PERIODIC);
    wr(f, T1 + LOAD, 0x10005);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC);
    wr(f, T1 + BGLOAD, 0x70003);
    step(f, 6 * T + 1); /* zero at 5T, reload at 6T */
    assert_int_equal(rd(f, T1 + VALUE), 0x70003);
}

/* A LOAD write restarts an expired one-shot in free-running mode too (the
 * load clears the one-shot halt in any mode; QEMU only sets the count when
 * MODE = 0, so the counter stays stopped). */
static void test_divergence_oneshot_free_running_load_restarts(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + CONTROL, INTEN | ONESHOT | SIZE32);
    wr(f, T1 + LOAD, 5);
    wr(f, T1 + CONTROL, ENABLE | INTEN | ONESHOT | SIZE32);
    step(f, 5 * T);
    assert_int_equal(rd(f, T1 + RIS), 1);
    wr(f, T1 + INTCLR, 1);
    step(f, 10 * T);
    assert_int_equal(rd(f, T1 + VALUE), 0);
    wr(f, T1 + LOAD, 8); /* at 15T */
    step(f, 3 * T + 1);
    assert_int_equal(rd(f, T1 + VALUE), 5); /* QEMU: 8, stopped */
    step(f, 5 * T - 1);
    assert_int_equal(rd(f, T1 + RIS), 1); /* 23T */
}

/* --- clocks, bad accesses, reset, configuration ------------------------- */

static void test_frequency_change_at_run_time(void **state)
{
    device_fixture *f = *state;
    et_clock_input_set_hz(df_input(f, "timclk"), 12500000); /* 80 ns */
    wr(f, T1 + LOAD, 1000);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32);
    step(f, 500 * 80 + 1);
    assert_int_equal(rd(f, T1 + VALUE), 500);
    et_clock_input_set_hz(df_input(f, "timclk"), 25000000); /* at 40001 */
    step(f, 500 * 40);
    assert_int_equal(rd(f, T1 + RIS), 1);
    assert_int_equal(f->ev[0].t, 60001);
    step(f, 41);
    assert_int_equal(rd(f, T1 + VALUE), 1000);
    /* Prescaled counters follow the clock too: /16 at 12.5 MHz = 1280 ns. */
    et_clock_input_set_hz(df_input(f, "timclk"), 12500000);
    wr(f, T2 + LOAD, 3);
    wr(f, T2 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32 | PRE16);
    int64_t t0 = et_clock_now(f->clock);
    step(f, 3 * 1280 - 1);
    assert_int_equal(rd(f, T2 + RIS), 0);
    step(f, 1);
    assert_int_equal(rd(f, T2 + RIS), 1);
    assert_int_equal(et_clock_now(f->clock) - t0, 3840);
}

/* A stopped TIMCLK (period 0) freezes enabled counters; they resume when it
 * runs again (QEMU leaves them stopped until CONTROL is written). */
static void test_stopped_clock_resumes(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 100);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32);
    step(f, 30 * T + 1);
    et_clock_input_set_period(df_input(f, "timclk"), 0);
    step(f, 1000 * T);
    assert_int_equal(rd(f, T1 + VALUE), 70);
    et_clock_input_set_hz(df_input(f, "timclk"), 25000000); /* at 1030T + 1 */
    step(f, 70 * T);
    assert_int_equal(rd(f, T1 + RIS), 1);
    assert_int_equal(f->ev[0].t, 1100 * T + 1);
}

static void test_bad_accesses(void **state)
{
    device_fixture *f = *state;
    unsigned long e = df_guest_errors(f);
    assert_int_equal(rd(f, T1 + 0x1C), 0);
    assert_int_equal(rd(f, 0x40), 0);
    assert_int_equal(rd(f, 0xF08), 0);
    assert_int_equal(rd(f, T1 + INTCLR), 0);
    assert_int_equal(df_guest_errors(f), e + 4);
    wr(f, T1 + VALUE, 5);
    wr(f, T1 + RIS, 1);
    wr(f, T2 + MIS, 1);
    wr(f, 0xFE0, 0);
    wr(f, 0x100, 1);
    assert_int_equal(df_guest_errors(f), e + 9);
    assert_int_equal(rd(f, T1 + VALUE), 0xFFFFFFFF);
    assert_int_equal(rd(f, 0xFE0), 0x23);
    wr(f, T1 + CONTROL, 0x1FF); /* bit 4 and bit 8 reserved */
    assert_int_equal(rd(f, T1 + CONTROL), 0xEF);
    assert_int_equal(df_guest_errors(f), e + 11); /* reserved bits, prescale 0b11 */
    assert_int_equal(et_device_read(f->dev, T1 + LOAD, 8), 0);
    assert_int_equal(et_device_read(f->dev, T1 + LOAD + 2, 4), 0);
    assert_int_equal(df_guest_errors(f), e + 13);
    /* Byte lanes. */
    wr(f, T2 + BGLOAD, 0xA1B2C3D4);
    assert_int_equal(et_device_read(f->dev, T2 + BGLOAD + 1, 1), 0xC3);
    assert_int_equal(et_device_read(f->dev, T2 + LOAD + 2, 2), 0xA1B2);
    /* Narrow writes: at byte 0 zero-extended, at bytes 1-3 ignored (as in
     * QEMU; devices/apb_access.h). */
    et_device_write(f->dev, T2 + BGLOAD + 2, 0x12, 1);
    assert_int_equal(rd(f, T2 + BGLOAD), 0xA1B2C3D4);
    assert_int_equal(df_guest_errors(f), e + 14);
    et_device_write(f->dev, T2 + BGLOAD, 0x1234, 2);
    assert_int_equal(rd(f, T2 + BGLOAD), 0x1234);
}

static void test_reset(void **state)
{
    device_fixture *f = *state;
    wr(f, T1 + LOAD, 5);
    wr(f, T1 + CONTROL, ENABLE | INTEN | PERIODIC | SIZE32);
    wr(f, ITCR, 1);
    wr(f, ITOP, 2);
    step(f, 5 * T);
    assert_int_equal(f->level[0], 1);
    et_device_reset(f->dev);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(f->level[2], 0);
    assert_int_equal(rd(f, ITCR), 0);
    assert_int_equal(rd(f, T1 + CONTROL), 0x20);
    assert_int_equal(rd(f, T1 + VALUE), 0xFFFFFFFF);
    assert_int_equal(rd(f, T1 + LOAD), 0);
    assert_int_equal(rd(f, T1 + RIS), 0);
    step(f, 100 * T);
    assert_int_equal(rd(f, T1 + VALUE), 0xFFFFFFFF);
}

static void test_bad_configuration(void **state)
{
    (void)state;
    char err[128] = "";
    et_clock *clock = et_clock_new_manual();
    et_cmsdk_apb_dualtimer_config cfg = { .timclk = NULL };
    assert_null(et_cmsdk_apb_dualtimer_new(clock, "d", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "TIMCLK"));
    assert_null(et_cmsdk_apb_dualtimer_new(clock, "d", NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "configuration"));
    et_clock_free(clock);
}

static void test_saved_state_declared(void **state)
{
    device_fixture *f = *state;
    const et_vmstate *vm = f->dev->ops->state;
    assert_non_null(vm);
    assert_string_equal(vm->name, "cmsdk-apb-dualtimer");
    const char *want[] = { "counters.pt",   "counters.control", "counters.load",
                           "counters.high", "counters.ris",     "itcr",
                           "itop",          "timintc",          "timint" };
    const unsigned count[] = { 2, 2, 2, 2, 2, 1, 1, 1, 2 };
    size_t n = 0;
    for (const et_field *fl = vm->fields; fl->name; fl++, n++) {
        assert_true(n < 9);
        assert_string_equal(fl->name, want[n]);
        assert_int_equal(fl->count, count[n]);
    }
    assert_int_equal(n, 9);
}

static void test_adapter_on_manual_clock(void **state)
{
    (void)state;
    assert_true(et_test_adapter_drive("cmsdk-apb-dualtimer", 777, 20000, NULL) > 100);
}

int main(void)
{
#define T_(fn) cmocka_unit_test_setup_teardown(fn, setup, df_teardown)
    const struct CMUnitTest tests[] = {
        T_(test_reset_values_and_ids),
        T_(test_qtest_dualtimer),
        T_(test_qtest_prescale),
        T_(test_periodic_outputs),
        T_(test_combined_output),
        T_(test_inten_masks_and_does_not_reload),
        T_(test_oneshot),
        T_(test_free_running_wrap),
        T_(test_bgload),
        T_(test_16bit_mode),
        T_(test_size_switch_at_run_time),
        T_(test_prescale16_and_undefined),
        T_(test_disable_freezes),
        T_(test_mode_change_at_next_zero),
        T_(test_integration_test_registers),
        T_(test_divergence_load_keeps_periodic),
        T_(test_divergence_load_zero_interrupts),
        T_(test_divergence_bgload_in_zero_tick),
        T_(test_divergence_16bit_reload_top_half),
        T_(test_divergence_oneshot_free_running_load_restarts),
        T_(test_divergence_size_switch_keeps_tick_edges),
        T_(test_frequency_change_at_run_time),
        T_(test_stopped_clock_resumes),
        T_(test_bad_accesses),
        T_(test_reset),
        cmocka_unit_test(test_bad_configuration),
        T_(test_saved_state_declared),
        cmocka_unit_test(test_adapter_on_manual_clock),
    };
#undef T_
    return cmocka_run_group_tests(tests, NULL, NULL);
}
