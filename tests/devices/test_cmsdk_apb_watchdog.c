/* CMSDK APB watchdog (ARM DDI 0479) and its TI Stellaris (Luminary)
 * variant: reset values, IDs, QEMU's qtests from
 * tests/qtest/cmsdk-apb-watchdog-test.c on a manual clock (mps2-an385:
 * WDOGCLK 25 MHz, 40 ns; lm3s811evb: 12.5 MHz, 80 ns, then 25 MHz for
 * watchdog_clock_change), interrupt and reset timing through a recording
 * sink, the lock, the integration test registers, the QEMU divergences,
 * bad accesses and configuration.
 *
 * Timing: with LOAD = N loaded at t0 and the counter running, VALUE reads
 * N - k at t0 + k ticks + 1 ns (k < N); the count reaches 0 at t0 + N
 * ticks (the zero event), holds 0 for one tick and reloads N: zero events
 * every N + 1 ticks. */
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
#include "emutime/devices/cmsdk_apb_watchdog.h"
#include "emutime/emutime.h"

#define LOAD ET_CMSDK_WDOG_LOAD
#define VALUE ET_CMSDK_WDOG_VALUE
#define CONTROL ET_CMSDK_WDOG_CONTROL
#define INTCLR ET_CMSDK_WDOG_INTCLR
#define RIS ET_CMSDK_WDOG_RIS
#define MIS ET_CMSDK_WDOG_MIS
#define LOCK ET_CMSDK_WDOG_LOCK
#define ITCR ET_CMSDK_WDOG_ITCR
#define ITOP ET_CMSDK_WDOG_ITOP
#define TEST ET_CMSDK_WDOG_TEST
#define INTEN ET_CMSDK_WDOG_CTRL_INTEN
#define RESEN ET_CMSDK_WDOG_CTRL_RESEN

/* --- fixture ------------------------------------------------------------- */

/* What the watchdog's tests keep beside the device fixture. */
static struct {
    int64_t tick;       /* ns per WDOGCLK period */
    bool reset_machine; /* the "reset" line resets the device, as a board */
    unsigned machine_resets;
} W;

/* Called after the device lock is released: a board's machine reset may
 * call back into the device from here. */
static void board_reset(device_fixture *f, int n, int level)
{
    if (n == ET_CMSDK_WDOG_IRQ_RESET && level && W.reset_machine) {
        W.machine_resets++;
        et_device_reset(f->dev);
    }
}

static device_fixture *make(et_cmsdk_watchdog_variant variant, uint64_t hz)
{
    memset(&W, 0, sizeof(W));
    W.tick = (int64_t)(1000000000u / hz);
    device_fixture *f = df_new();
    et_cmsdk_apb_watchdog_config cfg = { .wdogclk = df_clock_input(f, "wdogclk", hz),
                                         .variant = variant };
    char err[128];
    df_attach(f, et_cmsdk_apb_watchdog_new(f->clock, "wdog", &cfg, err, sizeof(err)), err);
    f->on_irq = board_reset;
    return f;
}

/* mps2-an385: the CMSDK watchdog at 25 MHz. */
static int setup_mps2(void **state)
{
    *state = make(ET_CMSDK_WATCHDOG_CMSDK, 25000000);
    return 0;
}

/* lm3s811evb: the Luminary watchdog at 200 MHz / 16 = 12.5 MHz. */
static int setup_lm3s(void **state)
{
    *state = make(ET_CMSDK_WATCHDOG_LUMINARY, 12500000);
    return 0;
}

static void ticks(device_fixture *f, int64_t n, int64_t extra_ns)
{
    et_clock_step(f->clock, n * W.tick + extra_ns);
}

static unsigned long errors(device_fixture *f)
{
    return et_device_guest_error_count(f->dev);
}

/* --- reset values --------------------------------------------------------- */

static void check_defaults(device_fixture *f)
{
    assert_int_equal(rd(f, LOAD), 0xFFFFFFFF);
    assert_int_equal(rd(f, VALUE), 0xFFFFFFFF);
    assert_int_equal(rd(f, CONTROL), 0);
    assert_int_equal(rd(f, RIS), 0);
    assert_int_equal(rd(f, MIS), 0);
    assert_int_equal(rd(f, LOCK), 0);
}

static void test_reset_values_cmsdk(void **state)
{
    device_fixture *f = *state;
    check_defaults(f);
    assert_int_equal(rd(f, ITCR), 0);
    static const uint32_t ids[12] = { 0x04, 0x00, 0x00, 0x00, 0x24, 0xB8,
                                      0x1B, 0x00, 0x0D, 0xF0, 0x05, 0xB1 };
    for (unsigned i = 0; i < 12; i++) {
        assert_int_equal(rd(f, 0xFD0 + 4 * i), ids[i]);
    }
    assert_int_equal(errors(f), 0);
    assert_int_equal(rd(f, TEST), 0); /* Luminary only */
    assert_int_equal(errors(f), 1);
    assert_int_equal(et_device_irq_count(f->dev), 2);
    assert_string_equal(et_device_irq(f->dev, 0)->name, "wdogint");
    assert_string_equal(et_device_irq(f->dev, 1)->name, "reset");
    assert_string_equal(f->dev->ops->type, "cmsdk-apb-watchdog");
}

static void test_reset_values_luminary(void **state)
{
    device_fixture *f = *state;
    check_defaults(f);
    static const uint32_t ids[12] = { 0x00, 0x00, 0x00, 0x00, 0x05, 0x18,
                                      0x18, 0x01, 0x0D, 0xF0, 0x05, 0xB1 };
    for (unsigned i = 0; i < 12; i++) {
        assert_int_equal(rd(f, 0xFD0 + 4 * i), ids[i]);
    }
    assert_int_equal(rd(f, TEST), 0);
    assert_int_equal(errors(f), 0);
    assert_int_equal(rd(f, ITCR), 0); /* CMSDK only */
    wr(f, ITOP, 3);
    assert_int_equal(errors(f), 2);
    assert_int_equal(f->n_ev, 0);
    assert_string_equal(f->dev->ops->type, "luminary-watchdog");
}

/* --- QEMU's qtests -------------------------------------------------------- */

/* /cmsdk-apb-watchdog/watchdog (lm3s811evb) and /watchdog_mps2. */
static void qtest_watchdog(device_fixture *f)
{
    assert_int_equal(rd(f, RIS), 0);
    wr(f, CONTROL, INTEN);
    wr(f, LOAD, 1000);
    ticks(f, 500, 1);
    assert_int_equal(rd(f, RIS), 0);
    assert_int_equal(rd(f, VALUE), 500);
    ticks(f, 500, 0);
    assert_int_equal(rd(f, RIS), 1);
    assert_int_equal(rd(f, VALUE), 0);
    ticks(f, 1, 0);
    assert_int_equal(rd(f, VALUE), 1000);
    ticks(f, 500, 0);
    assert_int_equal(rd(f, VALUE), 500);
    assert_int_equal(rd(f, RIS), 1);
    wr(f, INTCLR, 0);
    assert_int_equal(rd(f, VALUE), 1000);
    assert_int_equal(rd(f, RIS), 0);
}

static void test_qtest_watchdog(void **state)
{
    qtest_watchdog(*state);
}

/* /watchdog_clock_change (lm3s811evb): SYSDIV 0xF -> 7 halves the tick
 * from 80 to 40 ns when VALUE reads 500; the count continues from 500. */
static void test_qtest_watchdog_clock_change(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(rd(f, RIS), 0);
    wr(f, CONTROL, INTEN);
    wr(f, LOAD, 1000);
    ticks(f, 500, 1);
    assert_int_equal(rd(f, RIS), 0);
    assert_int_equal(rd(f, VALUE), 500);
    et_clock_input_set_hz(df_input(f, "wdogclk"), 25000000);
    et_clock_step(f->clock, 40 * 500);
    assert_int_equal(rd(f, RIS), 1);
    assert_int_equal(rd(f, VALUE), 0);
    et_clock_step(f->clock, 41); /* 41: the earlier +1 ns moved the tick edge */
    assert_int_equal(rd(f, VALUE), 1000);
    et_clock_step(f->clock, 40 * 500);
    assert_int_equal(rd(f, VALUE), 500);
    assert_int_equal(rd(f, RIS), 1);
    wr(f, INTCLR, 0);
    assert_int_equal(rd(f, VALUE), 1000);
    assert_int_equal(rd(f, RIS), 0);
}

/* /watchdog_reset and /watchdog_reset_mps2: reset leaves the counter
 * stopped. (QEMU 7.2 counts from reset: VALUE would read 0xFFFFFFF0 after
 * 15 ticks and 1 ns.) */
static void test_qtest_watchdog_reset(void **state)
{
    device_fixture *f = *state;
    check_defaults(f);
    ticks(f, 15, 1);
    check_defaults(f);
    wr(f, LOAD, 3000);
    wr(f, CONTROL, INTEN);
    ticks(f, 1000, 1);
    assert_int_equal(rd(f, VALUE), 2000);
    et_device_reset(f->dev); /* QMP system_reset */
    check_defaults(f);
    ticks(f, 1000, 1);
    check_defaults(f);
}

/* /watchdog_inten (mps2-an385): INTEN is the counter enable. */
static void test_qtest_watchdog_inten(void **state)
{
    device_fixture *f = *state;
    wr(f, LOAD, 4000);
    assert_int_equal(rd(f, VALUE), 4000);
    ticks(f, 500, 1);
    assert_int_equal(rd(f, VALUE), 4000);
    wr(f, CONTROL, INTEN);
    ticks(f, 500, 1);
    assert_int_equal(rd(f, VALUE), 3500);
    wr(f, CONTROL, 0);
    ticks(f, 100, 0);
    assert_int_equal(rd(f, VALUE), 3500);
    wr(f, CONTROL, INTEN);
    assert_int_equal(rd(f, VALUE), 4000); /* reloaded from LOAD */
    ticks(f, 50, 1);
    assert_int_equal(rd(f, VALUE), 3950);
    wr(f, LOAD, 5000);
    assert_int_equal(rd(f, VALUE), 5000);
    ticks(f, 4999, 1);
    assert_int_equal(rd(f, VALUE), 1);
    assert_int_equal(rd(f, RIS), 0);
    wr(f, CONTROL, 0);
    ticks(f, 10, 0);
    assert_int_equal(rd(f, VALUE), 1);
    assert_int_equal(rd(f, RIS), 0);
}

/* /watchdog_inten_luminary: once INTEN is set, CONTROL writes are ignored
 * until reset. */
static void test_qtest_watchdog_inten_luminary(void **state)
{
    device_fixture *f = *state;
    wr(f, LOAD, 4000);
    wr(f, CONTROL, INTEN);
    ticks(f, 500, 1);
    assert_int_equal(rd(f, VALUE), 3500);
    wr(f, CONTROL, 0);
    ticks(f, 100, 0);
    assert_int_equal(rd(f, VALUE), 3400);
    assert_int_equal(rd(f, CONTROL), INTEN);
    wr(f, CONTROL, INTEN | RESEN); /* RESEN cannot be added either */
    assert_int_equal(rd(f, CONTROL), INTEN);
    et_device_reset(f->dev);
    check_defaults(f);
    ticks(f, 1000, 1);
    check_defaults(f);
    wr(f, CONTROL, RESEN); /* writable again after reset */
    assert_int_equal(rd(f, CONTROL), RESEN);
}

/* --- interrupt and reset timing ------------------------------------------ */

/* WDOGINT rises at the first zero; WDOGRES at the second (RIS still set,
 * RESEN set), after which the counter stops. A board's machine reset
 * (here: the sink resets the device) lowers both. */
static void test_interrupt_then_reset(void **state)
{
    device_fixture *f = *state;
    W.reset_machine = true;
    wr(f, LOAD, 100);
    wr(f, CONTROL, INTEN | RESEN);
    ticks(f, 100, -1);
    assert_int_equal(f->n_ev, 0);
    ticks(f, 0, 1);
    assert_int_equal(f->n_ev, 1);
    assert_int_equal(f->ev[0].n, ET_CMSDK_WDOG_IRQ_WDOGINT);
    assert_int_equal(f->ev[0].level, 1);
    assert_int_equal(f->ev[0].t, 100 * 40);
    assert_int_equal(rd(f, MIS), 1);
    ticks(f, 101, -1);
    assert_int_equal(W.machine_resets, 0);
    ticks(f, 0, 1); /* second zero at 201 ticks */
    assert_int_equal(W.machine_resets, 1);
    assert_int_equal(f->ev[1].n, ET_CMSDK_WDOG_IRQ_RESET);
    assert_int_equal(f->ev[1].level, 1);
    assert_int_equal(f->ev[1].t, 201 * 40);
    /* The machine reset lowered both lines and restored the defaults. */
    assert_int_equal(f->level[0], 0);
    assert_int_equal(f->level[1], 0);
    check_defaults(f);
}

/* Without a machine reset connected: WDOGRES stays asserted and the counter
 * stays halted; INTCLR does not deassert it; clearing RESEN does; a LOAD
 * write restarts the counter. */
static void test_reset_output_level_and_restart(void **state)
{
    device_fixture *f = *state;
    wr(f, LOAD, 10);
    wr(f, CONTROL, INTEN | RESEN);
    ticks(f, 21, 0);
    assert_int_equal(f->level[1], 1);
    ticks(f, 100, 1);
    assert_int_equal(rd(f, VALUE), 0); /* halted at the second zero */
    wr(f, INTCLR, 1);
    assert_int_equal(f->level[1], 1);
    assert_int_equal(rd(f, VALUE), 0); /* stopped: no reload */
    wr(f, CONTROL, INTEN);
    assert_int_equal(f->level[1], 0);
    ticks(f, 100, 0);
    assert_int_equal(rd(f, VALUE), 0); /* still halted */
    wr(f, LOAD, 10);
    ticks(f, 3, 1);
    assert_int_equal(rd(f, VALUE), 7);
}

/* Clearing the interrupt before the second zero reloads and avoids the
 * reset. */
static void test_intclr_feeds_the_dog(void **state)
{
    device_fixture *f = *state;
    wr(f, LOAD, 100);
    wr(f, CONTROL, INTEN | RESEN);
    ticks(f, 150, 1);
    assert_int_equal(rd(f, RIS), 1);
    wr(f, INTCLR, 0xDEADBEEF); /* any value */
    assert_int_equal(rd(f, VALUE), 100);
    assert_int_equal(f->level[0], 0);
    ticks(f, 100, 0);
    assert_int_equal(rd(f, RIS), 1); /* first zero of the new count */
    assert_int_equal(f->level[1], 0);
    assert_int_equal(f->ev[f->n_ev - 1].t, (250 * 40) + 1);
}

/* A LOAD write reloads the count but does not clear an active interrupt. */
static void test_load_does_not_clear_interrupt(void **state)
{
    device_fixture *f = *state;
    wr(f, LOAD, 10);
    wr(f, CONTROL, INTEN);
    ticks(f, 10, 0);
    assert_int_equal(rd(f, RIS), 1);
    wr(f, LOAD, 50);
    assert_int_equal(rd(f, RIS), 1);
    assert_int_equal(rd(f, VALUE), 50);
}

/* MIS is RIS gated by INTEN; RIS survives INTEN being cleared. */
static void test_mis(void **state)
{
    device_fixture *f = *state;
    wr(f, LOAD, 10);
    wr(f, CONTROL, INTEN);
    ticks(f, 10, 0);
    assert_int_equal(f->level[0], 1);
    wr(f, CONTROL, 0);
    assert_int_equal(rd(f, RIS), 1);
    assert_int_equal(rd(f, MIS), 0);
    assert_int_equal(f->level[0], 0);
}

/* --- differences from QEMU ------------------------------------------------ */

/* A second zero with RESEN clear does nothing: the counter keeps running
 * and no reset status is latched, so setting RESEN afterwards does not
 * reset at once (QEMU stops the counter and latches a hidden status that
 * resets the machine as soon as RESEN is set). The next zero with RIS still
 * set resets. */
static void test_divergence_second_zero_without_resen(void **state)
{
    device_fixture *f = *state;
    wr(f, LOAD, 10);
    wr(f, CONTROL, INTEN);
    ticks(f, 21, 0); /* zeros at 10 and 21 ticks */
    assert_int_equal(rd(f, RIS), 1);
    ticks(f, 1, 1);
    assert_int_equal(rd(f, VALUE), 10); /* reloaded: still counting */
    wr(f, CONTROL, INTEN | RESEN);
    assert_int_equal(f->level[1], 0); /* QEMU: reset now */
    ticks(f, 10, -1); /* third zero at 32 ticks */
    assert_int_equal(f->level[1], 1);
    assert_int_equal(f->ev[f->n_ev - 1].t, 32 * 40);
}

/* INTCLR reloads only a running counter (QEMU reloads a stopped one too). */
static void test_divergence_intclr_while_stopped(void **state)
{
    device_fixture *f = *state;
    wr(f, LOAD, 100);
    wr(f, CONTROL, INTEN);
    ticks(f, 40, 1);
    wr(f, CONTROL, 0);
    wr(f, INTCLR, 1);
    assert_int_equal(rd(f, VALUE), 60); /* QEMU: 100 */
}

/* LOAD = 0 is a zero event at once (QEMU stops without an interrupt). */
static void test_divergence_load_zero(void **state)
{
    device_fixture *f = *state;
    wr(f, CONTROL, INTEN);
    wr(f, LOAD, 0);
    assert_int_equal(rd(f, RIS), 1);
    assert_int_equal(f->level[0], 1);
    ticks(f, 100, 0);
    assert_int_equal(rd(f, VALUE), 0);
}

/* A stopped WDOGCLK halts the count; it resumes when the clock runs again. */
static void test_divergence_stopped_clock_resumes(void **state)
{
    device_fixture *f = *state;
    wr(f, LOAD, 100);
    wr(f, CONTROL, INTEN);
    ticks(f, 30, 1);
    et_clock_input_set_period(df_input(f, "wdogclk"), 0);
    et_clock_step(f->clock, 100000);
    assert_int_equal(rd(f, VALUE), 70);
    et_clock_input_set_hz(df_input(f, "wdogclk"), 25000000);
    ticks(f, 70, 0);
    assert_int_equal(rd(f, RIS), 1);
}

/* --- lock, integration test, Luminary TEST ------------------------------- */

static void test_lock(void **state)
{
    device_fixture *f = *state;
    wr(f, LOAD, 100);
    wr(f, LOCK, 0);
    assert_int_equal(rd(f, LOCK), 1);
    unsigned long e = errors(f);
    wr(f, LOAD, 5);
    wr(f, CONTROL, INTEN);
    wr(f, INTCLR, 1);
    wr(f, ITCR, 1);
    assert_int_equal(errors(f), e + 4);
    assert_int_equal(rd(f, LOAD), 100);
    assert_int_equal(rd(f, CONTROL), 0);
    assert_int_equal(rd(f, ITCR), 0);
    wr(f, LOCK, ET_CMSDK_WDOG_UNLOCK_KEY);
    assert_int_equal(rd(f, LOCK), 0);
    wr(f, CONTROL, INTEN);
    assert_int_equal(rd(f, CONTROL), INTEN);
    wr(f, LOCK, ET_CMSDK_WDOG_UNLOCK_KEY + 1); /* any other value locks */
    assert_int_equal(rd(f, LOCK), 1);
    et_device_reset(f->dev);
    assert_int_equal(rd(f, LOCK), 0);
}

static void test_integration_test_registers(void **state)
{
    device_fixture *f = *state;
    wr(f, ITCR, 1);
    assert_int_equal(rd(f, ITCR), 1);
    wr(f, ITOP, 2);
    assert_int_equal(f->level[0], 1); /* bit 1: WDOGINT */
    assert_int_equal(f->level[1], 0);
    wr(f, ITOP, 1);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(f->level[1], 1); /* bit 0: WDOGRES */
    assert_int_equal(rd(f, RIS), 0);
    unsigned long e = errors(f);
    assert_int_equal(rd(f, ITOP), 0); /* write-only */
    assert_int_equal(errors(f), e + 1);
    wr(f, ITCR, 0);
    assert_int_equal(f->level[1], 0);
}

static void test_luminary_test_register(void **state)
{
    device_fixture *f = *state;
    wr(f, TEST, ET_CMSDK_WDOG_TEST_STALL);
    assert_int_equal(rd(f, TEST), ET_CMSDK_WDOG_TEST_STALL);
    wr(f, TEST, 0xFFFFFFFF);
    assert_int_equal(rd(f, TEST), ET_CMSDK_WDOG_TEST_STALL);
    assert_int_equal(errors(f), 1); /* reserved bits */
    et_device_reset(f->dev);
    assert_int_equal(rd(f, TEST), 0);
}

/* --- accesses, configuration, state -------------------------------------- */

static void test_bad_accesses(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(rd(f, 0x018), 0);
    assert_int_equal(rd(f, 0x800), 0);
    assert_int_equal(rd(f, INTCLR), 0);
    wr(f, VALUE, 1);
    wr(f, RIS, 1);
    wr(f, 0xFE0, 1);
    wr(f, 0x018, 1);
    wr(f, CONTROL, 0xFC | INTEN);
    assert_int_equal(errors(f), 8);
    assert_int_equal(rd(f, CONTROL), INTEN);
    assert_int_equal(et_device_read(f->dev, LOAD, 8), 0);
    assert_int_equal(et_device_read(f->dev, LOAD + 1, 2), 0);
    assert_int_equal(errors(f), 10);
    assert_int_equal(et_device_read(f->dev, LOAD + 2, 2), 0xFFFF);
    assert_int_equal(et_device_read(f->dev, 0xFE0, 1), 0x24);
    /* Narrow writes: at bytes 1-3 ignored, at byte 0 zero-extended (as in
     * QEMU; devices/apb_access.h). */
    et_device_write(f->dev, LOAD + 1, 0x12, 1);
    assert_int_equal(rd(f, LOAD), 0xFFFFFFFF);
    assert_int_equal(errors(f), 11);
    et_device_write(f->dev, LOAD, 0x12, 1);
    assert_int_equal(rd(f, LOAD), 0x12);
}

static void test_bad_configuration(void **state)
{
    (void)state;
    char err[128] = "";
    et_clock *clock = et_clock_new_manual();
    et_cmsdk_apb_watchdog_config cfg = { .wdogclk = NULL };
    assert_null(et_cmsdk_apb_watchdog_new(clock, "w", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "WDOGCLK"));
    et_clock_input *c = et_clock_input_new("c");
    cfg.wdogclk = c;
    cfg.variant = (et_cmsdk_watchdog_variant)7;
    assert_null(et_cmsdk_apb_watchdog_new(clock, "w", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "variant"));
    assert_null(et_cmsdk_apb_watchdog_new(clock, "w", NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "configuration"));
    et_clock_input_free(c);
    et_clock_free(clock);
}

static void test_saved_state_declared(void **state)
{
    device_fixture *f = *state;
    const et_vmstate *vm = f->dev->ops->state;
    assert_non_null(vm);
    const char *want[] = { "pt",   "control", "ris",  "lock",           "itcr",    "itop",
                           "test", "reset_asserted",   "reset_stopped", "wdogint", "wdogres" };
    size_t n = 0;
    for (const et_field *fl = vm->fields; fl->name; fl++, n++) {
        assert_true(n < 11);
        assert_string_equal(fl->name, want[n]);
    }
    assert_int_equal(n, 11);
}

/* The adapter keeps the watchdog fed: its reset request never rises. */
static void check_no_reset(et_device *dev)
{
    assert_int_equal(et_irq_level(et_device_irq(dev, ET_CMSDK_WDOG_IRQ_RESET)), 0);
}

static void test_adapter_on_manual_clock(void **state)
{
    (void)state;
    assert_true(et_test_adapter_drive("cmsdk-apb-watchdog", 99, 20000, check_no_reset) > 100);
}

int main(void)
{
#define M_(fn) cmocka_unit_test_setup_teardown(fn, setup_mps2, df_teardown)
#define L_(fn) cmocka_unit_test_setup_teardown(fn, setup_lm3s, df_teardown)
    const struct CMUnitTest tests[] = {
        M_(test_reset_values_cmsdk),
        L_(test_reset_values_luminary),
        L_(test_qtest_watchdog),
        M_(test_qtest_watchdog),
        L_(test_qtest_watchdog_clock_change),
        L_(test_qtest_watchdog_reset),
        M_(test_qtest_watchdog_reset),
        M_(test_qtest_watchdog_inten),
        L_(test_qtest_watchdog_inten_luminary),
        M_(test_interrupt_then_reset),
        M_(test_reset_output_level_and_restart),
        M_(test_intclr_feeds_the_dog),
        M_(test_load_does_not_clear_interrupt),
        M_(test_mis),
        M_(test_divergence_second_zero_without_resen),
        M_(test_divergence_intclr_while_stopped),
        M_(test_divergence_load_zero),
        M_(test_divergence_stopped_clock_resumes),
        M_(test_lock),
        M_(test_integration_test_registers),
        L_(test_luminary_test_register),
        M_(test_bad_accesses),
        cmocka_unit_test(test_bad_configuration),
        M_(test_saved_state_declared),
        cmocka_unit_test(test_adapter_on_manual_clock),
    };
#undef M_
#undef L_
    return cmocka_run_group_tests(tests, NULL, NULL);
}
