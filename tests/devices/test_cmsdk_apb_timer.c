/* CMSDK APB timer (ARM DDI 0479): registers, counting, interrupt timing,
 * QEMU's qtest /cmsdk-apb-timer/timer on mps2-an385's 25 MHz PCLK, run-time
 * frequency changes, bad accesses, reset and configuration errors.
 *
 * Timing notation: PCLK 25 MHz gives a tick T = 40 ns. With RELOAD = L
 * started at t0, VALUE reads L at t0 and L - k at t0 + kT + 1 ns (k < L; a
 * read exactly at a tick boundary still shows the value of the tick that
 * ends there, as in QEMU). It reaches 0 at t0 + L*T, where the status is
 * set, holds 0 for one tick and reads L again from t0 + (L+1)T: the period
 * is L + 1 ticks. */
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
#include "emutime/devices/cmsdk_apb_timer.h"
#include "emutime/emutime.h"

#define T 40 /* ns per tick at 25 MHz */

#define CTRL ET_CMSDK_TIMER_CTRL
#define VALUE ET_CMSDK_TIMER_VALUE
#define RELOAD ET_CMSDK_TIMER_RELOAD
#define INTSTATUS ET_CMSDK_TIMER_INTSTATUS
#define EN ET_CMSDK_TIMER_CTRL_EN
#define IRQEN ET_CMSDK_TIMER_CTRL_IRQEN

/* --- fixture: manual clock, 25 MHz PCLK --------------------------------- */

static int setup(void **state)
{
    device_fixture *f = df_new();
    et_cmsdk_apb_timer_config cfg = { .pclk = df_clock_input(f, "pclk", 25000000) };
    char err[128];
    df_attach(f, et_cmsdk_apb_timer_new(f->clock, "timer0", &cfg, err, sizeof(err)), err);
    *state = f;
    return 0;
}

/* --- tests --------------------------------------------------------------- */

static void test_reset_values_and_ids(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(rd(f, CTRL), 0);
    assert_int_equal(rd(f, VALUE), 0);
    assert_int_equal(rd(f, RELOAD), 0);
    assert_int_equal(rd(f, INTSTATUS), 0);
    /* PID4..7, PID0..3, CID0..3: part number 0x822, ARM JEP106 0x3B. */
    static const uint32_t ids[12] = { 0x04, 0x00, 0x00, 0x00, 0x22, 0xB8,
                                      0x1B, 0x00, 0x0D, 0xF0, 0x05, 0xB1 };
    for (unsigned i = 0; i < 12; i++) {
        assert_int_equal(rd(f, 0xFD0 + 4 * i), ids[i]);
    }
    assert_int_equal(et_device_irq_count(f->dev), 1);
    assert_string_equal(et_device_irq(f->dev, 0)->name, "timerint");
    assert_int_equal(et_irq_level(et_device_irq(f->dev, 0)), 0);
    assert_int_equal(et_device_guest_error_count(f->dev), 0);
}

/* QEMU tests/qtest/cmsdk-apb-timer-test.c, /cmsdk-apb-timer/timer. */
static void test_qtest_timer(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(rd(f, INTSTATUS), 0);
    wr(f, RELOAD, 1000);
    wr(f, CTRL, EN | IRQEN);
    step(f, 500 * T + 1);
    assert_int_equal(rd(f, INTSTATUS), 0);
    assert_int_equal(rd(f, VALUE), 500);
    step(f, 500 * T);
    assert_int_equal(rd(f, INTSTATUS), 1); /* set at 1000T = 40000 ns */
    assert_int_equal(rd(f, VALUE), 0);     /* the held zero tick */
    step(f, T);
    assert_int_equal(rd(f, VALUE), 1000);  /* reloaded */
    wr(f, INTSTATUS, 0);
    assert_int_equal(rd(f, INTSTATUS), 1); /* writing 0 clears nothing */
    wr(f, INTSTATUS, 1);
    assert_int_equal(rd(f, INTSTATUS), 0);
    wr(f, CTRL, 0);
}

/* TIMERINT rises exactly when VALUE reaches 0, falls when cleared, and the
 * next rise is RELOAD + 1 ticks after the first. */
static void test_irq_line_timing(void **state)
{
    device_fixture *f = *state;
    wr(f, RELOAD, 1000);
    wr(f, CTRL, EN | IRQEN);
    step(f, 1000 * T - 1);
    assert_int_equal(f->n_ev, 0);
    assert_int_equal(rd(f, VALUE), 1);
    step(f, 1);
    assert_int_equal(f->n_ev, 1);
    assert_int_equal(f->ev[0].level, 1);
    assert_int_equal(f->ev[0].t, 40000);
    step(f, 100);
    wr(f, INTSTATUS, 1);
    assert_int_equal(f->n_ev, 2);
    assert_int_equal(f->ev[1].level, 0);
    assert_int_equal(f->ev[1].t, 40100);
    /* Second zero: 40000 + 1001 * 40 = 80040. */
    step(f, 80040 - 40100 - 1);
    assert_int_equal(f->n_ev, 2);
    step(f, 1);
    assert_int_equal(f->n_ev, 3);
    assert_int_equal(f->ev[2].level, 1);
    assert_int_equal(f->ev[2].t, 80040);
}

/* The status is only set if IRQEN is set at the 1 -> 0 step; IRQEN does not
 * mask TIMERINT afterwards (the output is the status bit itself). */
static void test_irqen_gates_setting_not_output(void **state)
{
    device_fixture *f = *state;
    wr(f, RELOAD, 10);
    wr(f, CTRL, EN);
    step(f, 10 * T);
    assert_int_equal(rd(f, VALUE), 0);
    assert_int_equal(rd(f, INTSTATUS), 0); /* expiry lost */
    wr(f, CTRL, EN | IRQEN);
    assert_int_equal(rd(f, INTSTATUS), 0);
    step(f, 11 * T); /* second zero at 21T */
    assert_int_equal(rd(f, INTSTATUS), 1);
    assert_int_equal(f->level[0], 1);
    wr(f, CTRL, EN); /* IRQEN off: TIMERINT stays up */
    assert_int_equal(f->level[0], 1);
    assert_int_equal(rd(f, INTSTATUS), 1);
    wr(f, INTSTATUS, 1);
    assert_int_equal(f->level[0], 0);
}

/* RELOAD = 0: a VALUE counts down once, interrupts at 0 and stays at 0. */
static void test_reload_zero_counts_once(void **state)
{
    device_fixture *f = *state;
    wr(f, CTRL, EN | IRQEN);
    wr(f, VALUE, 5);
    step(f, 4 * T + 1);
    assert_int_equal(rd(f, VALUE), 1);
    assert_int_equal(rd(f, INTSTATUS), 0);
    step(f, T - 1);
    assert_int_equal(rd(f, VALUE), 0);
    assert_int_equal(rd(f, INTSTATUS), 1);
    wr(f, INTSTATUS, 1);
    step(f, 1000 * T);
    assert_int_equal(rd(f, VALUE), 0);
    assert_int_equal(rd(f, INTSTATUS), 0); /* no further 1 -> 0 step */
    assert_int_equal(f->n_ev, 2);
    /* VALUE 0 with RELOAD 0: nothing at all. */
    wr(f, VALUE, 0);
    step(f, 1000 * T);
    assert_int_equal(rd(f, INTSTATUS), 0);
    /* A new VALUE restarts the count. */
    wr(f, VALUE, 3);
    step(f, 3 * T);
    assert_int_equal(rd(f, INTSTATUS), 1);
}

/* Writing VALUE while running restarts the countdown from the new value;
 * the reload afterwards uses RELOAD. */
static void test_value_write_while_running(void **state)
{
    device_fixture *f = *state;
    wr(f, RELOAD, 1000);
    wr(f, CTRL, EN | IRQEN);
    step(f, 100 * T + 1);
    assert_int_equal(rd(f, VALUE), 900);
    wr(f, VALUE, 10); /* at 4001 ns */
    assert_int_equal(rd(f, VALUE), 10);
    assert_int_equal(rd(f, RELOAD), 1000);
    step(f, 10 * T - 1);
    assert_int_equal(rd(f, INTSTATUS), 0);
    step(f, 1);
    assert_int_equal(rd(f, INTSTATUS), 1); /* 4001 + 10T */
    assert_int_equal(f->ev[0].t, 4401);
    step(f, T + 1);
    assert_int_equal(rd(f, VALUE), 1000);
}

/* VALUE = 0 with RELOAD != 0: the counter reloads on the next tick without
 * an interrupt (no 1 -> 0 step), then counts RELOAD ticks to the next 0. */
static void test_value_zero_reloads_without_interrupt(void **state)
{
    device_fixture *f = *state;
    wr(f, RELOAD, 100);
    wr(f, CTRL, EN | IRQEN);
    step(f, 10 * T);
    wr(f, VALUE, 0); /* at 400 ns */
    assert_int_equal(rd(f, VALUE), 0);
    step(f, T - 1);
    assert_int_equal(rd(f, VALUE), 0); /* the zero tick */
    step(f, 1);
    assert_int_equal(rd(f, VALUE), 100); /* reloaded at 440 */
    assert_int_equal(rd(f, INTSTATUS), 0);
    /* 0 again at 440 + 100T = 4440. */
    step(f, 4440 - 440 - 1);
    assert_int_equal(rd(f, INTSTATUS), 0);
    step(f, 1);
    assert_int_equal(rd(f, INTSTATUS), 1);
}

/* A RELOAD write sets VALUE too (TRM register table). */
static void test_reload_write_sets_value(void **state)
{
    device_fixture *f = *state;
    wr(f, RELOAD, 1000);
    wr(f, CTRL, EN);
    step(f, 300 * T + 1);
    assert_int_equal(rd(f, VALUE), 700);
    wr(f, RELOAD, 50);
    assert_int_equal(rd(f, VALUE), 50);
    assert_int_equal(rd(f, RELOAD), 50);
    step(f, 20 * T + 1);
    assert_int_equal(rd(f, VALUE), 30);
    /* While stopped, too. */
    wr(f, CTRL, 0);
    wr(f, RELOAD, 7);
    assert_int_equal(rd(f, VALUE), 7);
}

/* EN = 0 freezes VALUE; EN = 1 continues from it. */
static void test_enable_freezes_and_resumes(void **state)
{
    device_fixture *f = *state;
    wr(f, RELOAD, 100);
    wr(f, CTRL, EN | IRQEN);
    step(f, 30 * T + 1);
    assert_int_equal(rd(f, VALUE), 70);
    wr(f, CTRL, IRQEN);
    step(f, 1000 * T);
    assert_int_equal(rd(f, VALUE), 70);
    assert_int_equal(rd(f, INTSTATUS), 0);
    wr(f, CTRL, EN | IRQEN); /* at 41201 ns: 70 ticks to 0 */
    step(f, 70 * T - 1);
    assert_int_equal(rd(f, INTSTATUS), 0);
    step(f, 1);
    assert_int_equal(rd(f, INTSTATUS), 1);
    assert_int_equal(rd(f, CTRL), EN | IRQEN);
}

/* EXTIN is not modelled: the bits are stored and read back, and reported
 * once. */
static void test_extin_bits_stored_and_reported_once(void **state)
{
    device_fixture *f = *state;
    wr(f, CTRL, ET_CMSDK_TIMER_CTRL_SELEXTEN | EN);
    assert_int_equal(rd(f, CTRL), ET_CMSDK_TIMER_CTRL_SELEXTEN | EN);
    assert_int_equal(et_device_guest_error_count(f->dev), 1);
    assert_non_null(strstr(f->last_log, "EXTIN"));
    wr(f, CTRL, ET_CMSDK_TIMER_CTRL_SELEXTCLK | EN);
    assert_int_equal(rd(f, CTRL), ET_CMSDK_TIMER_CTRL_SELEXTCLK | EN);
    assert_int_equal(et_device_guest_error_count(f->dev), 1);
    /* The timer still counts PCLK. */
    wr(f, RELOAD, 10);
    step(f, 5 * T + 1);
    assert_int_equal(rd(f, VALUE), 5);
}

static void test_bad_accesses(void **state)
{
    device_fixture *f = *state;
    wr(f, RELOAD, 0x12345678);
    unsigned long errs = et_device_guest_error_count(f->dev);
    /* Unknown offsets read as zero and ignore writes. */
    assert_int_equal(rd(f, 0x010), 0);
    wr(f, 0x010, 0xFFFFFFFF);
    assert_int_equal(rd(f, 0xFCC), 0);
    assert_int_equal(et_device_guest_error_count(f->dev), errs + 3);
    /* ID registers are read-only. */
    wr(f, 0xFE0, 0x55);
    assert_int_equal(rd(f, 0xFE0), 0x22);
    assert_int_equal(et_device_guest_error_count(f->dev), errs + 4);
    /* Reserved CTRL bits: logged, masked. */
    wr(f, CTRL, 0xF0 | IRQEN);
    assert_int_equal(rd(f, CTRL), IRQEN);
    assert_int_equal(et_device_guest_error_count(f->dev), errs + 5);
    /* 8-byte, unaligned and out-of-region accesses: refused, read 0. */
    assert_int_equal(et_device_read(f->dev, RELOAD, 8), 0);
    assert_int_equal(et_device_read(f->dev, 0x009, 2), 0);
    assert_int_equal(et_device_read(f->dev, 0x1000, 4), 0);
    et_device_write(f->dev, RELOAD, 1, 8);
    assert_int_equal(et_device_guest_error_count(f->dev), errs + 9);
    assert_int_equal(rd(f, RELOAD), 0x12345678);
}

/* Byte and halfword reads give the register's byte lanes (APB returns the
 * whole word; the master takes its lanes). A narrow write at byte 0 stores
 * its value zero-extended and one at bytes 1-3 is ignored, as in QEMU: an
 * APB3 slave has no byte strobes, and what the inactive lanes carry is up
 * to the bus master (devices/apb_access.h). */
static void test_subword_accesses(void **state)
{
    device_fixture *f = *state;
    wr(f, RELOAD, 0x12345678);
    assert_int_equal(et_device_read(f->dev, RELOAD, 1), 0x78);
    assert_int_equal(et_device_read(f->dev, RELOAD + 1, 1), 0x56);
    assert_int_equal(et_device_read(f->dev, RELOAD + 3, 1), 0x12);
    assert_int_equal(et_device_read(f->dev, RELOAD + 2, 2), 0x1234);
    et_device_write(f->dev, CTRL, IRQEN, 1);
    assert_int_equal(rd(f, CTRL), IRQEN);
    assert_int_equal(et_device_read(f->dev, 0xFE0, 1), 0x22);
    assert_int_equal(et_device_guest_error_count(f->dev), 0);
    /* The case: writel 0x33, writew 0x1234 at +2: reads 0x33. */
    wr(f, RELOAD, 0x33);
    et_device_write(f->dev, RELOAD + 2, 0x1234, 2);
    assert_int_equal(rd(f, RELOAD), 0x33); /* was 0x12340000 */
    et_device_write(f->dev, RELOAD + 1, 0xAB, 1);
    assert_int_equal(rd(f, RELOAD), 0x33);
    assert_int_equal(et_device_guest_error_count(f->dev), 2);
    et_device_write(f->dev, RELOAD, 0xABCD, 2);
    assert_int_equal(rd(f, RELOAD), 0xABCD);
}

/* QEMU's watchdog_clock_change, applied to the timer: PCLK halves its
 * period mid-count; the count reached so far is kept and continues at the
 * new rate. */
static void test_frequency_change_at_run_time(void **state)
{
    device_fixture *f = *state;
    et_clock_input_set_hz(df_input(f, "pclk"), 12500000); /* 80 ns ticks */
    wr(f, RELOAD, 1000);
    wr(f, CTRL, EN | IRQEN);
    step(f, 500 * 80 + 1);
    assert_int_equal(rd(f, VALUE), 500);
    et_clock_input_set_hz(df_input(f, "pclk"), 25000000); /* at 40001 ns */
    assert_int_equal(rd(f, VALUE), 500);
    step(f, 500 * 40 - 1);
    assert_int_equal(rd(f, INTSTATUS), 0);
    step(f, 1);
    assert_int_equal(rd(f, INTSTATUS), 1); /* 40001 + 500 * 40 */
    assert_int_equal(f->ev[0].t, 60001);
    assert_int_equal(rd(f, VALUE), 0);
    step(f, 41);
    assert_int_equal(rd(f, VALUE), 1000);
    step(f, 500 * 40);
    assert_int_equal(rd(f, VALUE), 500);
}

/* A stopped PCLK (period 0) stops the count; it resumes when the clock
 * runs again. */
static void test_stopped_clock(void **state)
{
    device_fixture *f = *state;
    wr(f, RELOAD, 100);
    wr(f, CTRL, EN | IRQEN);
    step(f, 40 * T + 1);
    assert_int_equal(rd(f, VALUE), 60);
    et_clock_input_set_period(df_input(f, "pclk"), 0);
    step(f, 1000 * T);
    assert_int_equal(rd(f, VALUE), 60);
    et_clock_input_set_hz(df_input(f, "pclk"), 25000000); /* at 41601 ns */
    step(f, 60 * T);
    assert_int_equal(rd(f, INTSTATUS), 1);
    assert_int_equal(f->ev[0].t, 41601 + 60 * T);
}

static void test_reset(void **state)
{
    device_fixture *f = *state;
    wr(f, RELOAD, 10);
    wr(f, CTRL, EN | IRQEN | ET_CMSDK_TIMER_CTRL_SELEXTEN);
    step(f, 10 * T);
    assert_int_equal(f->level[0], 1);
    et_device_reset(f->dev);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(rd(f, CTRL), 0);
    assert_int_equal(rd(f, VALUE), 0);
    assert_int_equal(rd(f, RELOAD), 0);
    assert_int_equal(rd(f, INTSTATUS), 0);
    step(f, 1000 * T);
    assert_int_equal(rd(f, VALUE), 0);
    assert_int_equal(f->n_ev, 2);
}

static unsigned n_expire_traces;

static void count_trace(void *opaque, const char *device, const char *event, const char *detail)
{
    (void)opaque;
    (void)detail;
    if (strcmp(event, "expire") == 0 && strcmp(device, "timer0") == 0) {
        n_expire_traces++;
    }
}

static void test_expire_is_traced(void **state)
{
    device_fixture *f = *state;
    n_expire_traces = 0;
    et_set_trace_sink(count_trace, NULL);
    wr(f, RELOAD, 4);
    wr(f, CTRL, EN);
    step(f, 4 * T + 5 * T * 2); /* zeros at 4T, 9T, 14T */
    et_set_trace_sink(NULL, NULL);
    assert_int_equal(n_expire_traces, 3);
}

static void test_bad_configuration(void **state)
{
    (void)state;
    char err[128] = "";
    et_clock *clock = et_clock_new_manual();
    et_cmsdk_apb_timer_config cfg = { .pclk = NULL };
    assert_null(et_cmsdk_apb_timer_new(clock, "t", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "PCLK"));
    assert_null(et_cmsdk_apb_timer_new(clock, "t", NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "configuration"));
    et_clock_input *pclk = et_clock_input_new("pclk");
    cfg.pclk = pclk;
    assert_null(et_cmsdk_apb_timer_new(NULL, "t", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "clock"));
    et_clock_input_free(pclk);
    et_clock_free(clock);
}

/* Every field that determines the future is declared for snapshots. */
static void test_saved_state_declared(void **state)
{
    device_fixture *f = *state;
    const et_vmstate *vm = f->dev->ops->state;
    assert_non_null(vm);
    assert_string_equal(vm->name, "cmsdk-apb-timer");
    const char *want[] = { "ctrl", "intstatus", "pt", "timerint" };
    const et_field_type types[] = { ET_FT_U32, ET_FT_U32, ET_FT_PTIMER, ET_FT_IRQ };
    size_t n = 0;
    for (const et_field *fl = vm->fields; fl->name; fl++, n++) {
        assert_true(n < 4);
        assert_string_equal(fl->name, want[n]);
        assert_int_equal(fl->type, types[n]);
    }
    assert_int_equal(n, 4);
}

/* The shared-suite adapter: a running device on a manual clock, observed
 * and randomly accessed at irregular times, never reports a violation, and
 * its status really is set and cleared on the way: about 20000 * 48 ns /
 * 4 us = 240 periods. */
static void test_adapter_on_manual_clock(void **state)
{
    (void)state;
    assert_true(et_test_adapter_drive("cmsdk-apb-timer", 12345, 20000, NULL) > 100);
}

/* The shared-suite adapter's running timer, on the fixture by its name:
 * RELOAD 249 at 25 MHz, so once its interrupt is cleared the next comes
 * 250 ticks (10 us) after the previous. */
static void test_adapter_running_timer(void **state)
{
    (void)state;
    device_fixture *f = df_new_adapter("cmsdk-apb-timer");
    step(f, 10000);
    assert_int_equal(f->raises[0], 1);
    int64_t first = f->last_raise[0];
    wr(f, INTSTATUS, 1);
    assert_int_equal(f->level[0], 0);
    step(f, 10000);
    assert_int_equal(f->raises[0], 2);
    assert_int_equal(f->last_raise[0], first + 250 * T);
    df_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reset_values_and_ids, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_qtest_timer, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_irq_line_timing, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_irqen_gates_setting_not_output, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_reload_zero_counts_once, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_value_write_while_running, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_value_zero_reloads_without_interrupt, setup,
                                        df_teardown),
        cmocka_unit_test_setup_teardown(test_reload_write_sets_value, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_enable_freezes_and_resumes, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_extin_bits_stored_and_reported_once, setup,
                                        df_teardown),
        cmocka_unit_test_setup_teardown(test_bad_accesses, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_subword_accesses, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_frequency_change_at_run_time, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_stopped_clock, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_expire_is_traced, setup, df_teardown),
        cmocka_unit_test(test_bad_configuration),
        cmocka_unit_test_setup_teardown(test_saved_state_declared, setup, df_teardown),
        cmocka_unit_test(test_adapter_on_manual_clock),
        cmocka_unit_test(test_adapter_running_timer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
