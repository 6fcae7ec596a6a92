/* TI Stellaris GPTM (LM3S811 datasheet, "General-Purpose Timers"): reset
 * values, 32-bit periodic and one-shot timing, load writes, 16-bit mode
 * with the prescaler and both timers' lines, the RTC at 1 Hz with its
 * match, the mask and clear registers, run-time clock changes, bad
 * accesses, reset, the saved state and the shared-suite adapter.
 *
 * Timing: the system clock at 12.5 MHz (lm3s811evb from reset) gives a
 * cycle C = 80 ns. A timer enabled at t0 with load L reads L at t0, L - k
 * just after t0 + kC, times out (reaches 0) at t0 + L*C, holds 0 for a
 * cycle and reads L again from t0 + (L+1)C: a period of L + 1 cycles. */
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
#include "emutime/devices/stellaris_gptm.h"
#include "emutime/emutime.h"

#define C 80 /* ns per cycle at 12.5 MHz */
#define SEC 1000000000ll

static int setup(void **state)
{
    device_fixture *f = df_new();
    char err[160];
    et_stellaris_gptm_config cfg = { .clk = df_clock_input(f, "sysclk", 12500000) };
    df_attach(f, et_stellaris_gptm_new(f->clock, "gptm0", &cfg, err, sizeof(err)), err);
    *state = f;
    return 0;
}

/* Datasheet reset values: the load, match and counter registers 0xFFFF
 * each, so 0xFFFFFFFF in the 32-bit view (GPTMCFG 0); the rest 0. */
static void test_reset_values(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(rd(f, ET_GPTM_CFG), 0);
    assert_int_equal(rd(f, ET_GPTM_CTL), 0);
    assert_int_equal(rd(f, ET_GPTM_TAILR), 0xffffffff);
    assert_int_equal(rd(f, ET_GPTM_TBILR), 0xffff);
    assert_int_equal(rd(f, ET_GPTM_TAMATCHR), 0xffffffff);
    assert_int_equal(rd(f, ET_GPTM_TBMATCHR), 0xffff);
    assert_int_equal(rd(f, ET_GPTM_TAR), 0xffffffff);
    assert_int_equal(rd(f, ET_GPTM_TBR), 0xffff);
    assert_int_equal(rd(f, ET_GPTM_RIS), 0);
    assert_int_equal(et_device_irq_count(f->dev), 2);
    assert_string_equal(et_device_irq(f->dev, 1)->name, "timerb");
    assert_int_equal(f->n_logs, 0);
}

/* 32-bit periodic, TAILR 999 enabled at 0: TAR 500 just after 499 cycles,
 * the time-out at 999C = 79920 ns, 0 for a cycle, 999 from 80000 ns; the
 * next time-out 1000 cycles later, at 159920 ns. */
static void test_32bit_periodic(void **state)
{
    device_fixture *f = *state;
    wr(f, ET_GPTM_TAMR, ET_GPTM_MR_PERIODIC);
    wr(f, ET_GPTM_TAILR, 999);
    wr(f, ET_GPTM_IMR, ET_GPTM_INT_TATO);
    wr(f, ET_GPTM_CTL, ET_GPTM_CTL_TAEN);
    assert_int_equal(rd(f, ET_GPTM_TAR), 999);
    step(f, 499 * C + 1);
    assert_int_equal(rd(f, ET_GPTM_TAR), 500);
    step(f, 79920 - (499 * C + 1) - 1);
    assert_int_equal(rd(f, ET_GPTM_RIS), 0);
    step(f, 1);
    assert_int_equal(rd(f, ET_GPTM_RIS), ET_GPTM_INT_TATO);
    assert_int_equal(rd(f, ET_GPTM_MIS), ET_GPTM_INT_TATO);
    assert_int_equal(f->last_raise[0], 79920);
    assert_int_equal(rd(f, ET_GPTM_TAR), 0);
    step(f, C + 1);
    assert_int_equal(rd(f, ET_GPTM_TAR), 999);
    wr(f, ET_GPTM_ICR, ET_GPTM_INT_TATO);
    assert_int_equal(f->level[0], 0);
    step(f, 159920 - 80001);
    assert_int_equal(f->raises[0], 2);
    assert_int_equal(f->last_raise[0], 159920);
    assert_int_equal(rd(f, ET_GPTM_CTL), ET_GPTM_CTL_TAEN);
    assert_int_equal(f->raises[1], 0);
}

/* One-shot, TAILR 99: the time-out at 7920 ns clears TAEN and the count
 * stays at 0; enabling again loads 99 and counts once more. A masked
 * time-out sets RIS but not the line. */
static void test_32bit_one_shot(void **state)
{
    device_fixture *f = *state;
    wr(f, ET_GPTM_TAMR, ET_GPTM_MR_ONESHOT);
    wr(f, ET_GPTM_TAILR, 99);
    wr(f, ET_GPTM_CTL, ET_GPTM_CTL_TAEN);
    step(f, 99 * C);
    assert_int_equal(rd(f, ET_GPTM_RIS), ET_GPTM_INT_TATO);
    assert_int_equal(f->raises[0], 0); /* IMR clear */
    assert_int_equal(rd(f, ET_GPTM_CTL), 0);
    step(f, 1000 * C);
    assert_int_equal(rd(f, ET_GPTM_TAR), 0);
    wr(f, ET_GPTM_ICR, 0xffffffff);
    wr(f, ET_GPTM_IMR, ET_GPTM_INT_TATO);
    wr(f, ET_GPTM_CTL, ET_GPTM_CTL_TAEN);
    assert_int_equal(rd(f, ET_GPTM_TAR), 99);
    step(f, 99 * C);
    assert_int_equal(f->raises[0], 1);
    assert_int_equal(f->last_raise[0], 99 * C + 1099 * C);
}

/* A load write loads the counter at once, running or not; disabling
 * freezes the count. */
static void test_load_write_and_disable(void **state)
{
    device_fixture *f = *state;
    wr(f, ET_GPTM_TAMR, ET_GPTM_MR_PERIODIC);
    wr(f, ET_GPTM_TAILR, 0x00012345);
    assert_int_equal(rd(f, ET_GPTM_TAR), 0x12345);
    assert_int_equal(rd(f, ET_GPTM_TBR), 0x1);
    wr(f, ET_GPTM_CTL, ET_GPTM_CTL_TAEN);
    step(f, 100 * C + 1);
    assert_int_equal(rd(f, ET_GPTM_TAR), 0x12345 - 100);
    wr(f, ET_GPTM_TAILR, 50);
    assert_int_equal(rd(f, ET_GPTM_TAR), 50);
    step(f, 10 * C + 1);
    assert_int_equal(rd(f, ET_GPTM_TAR), 40);
    wr(f, ET_GPTM_CTL, 0);
    step(f, 1000 * C);
    assert_int_equal(rd(f, ET_GPTM_TAR), 40);
}

/* 16-bit mode: two timers. A: periodic, TAPR 3 (a count every 4 cycles,
 * 320 ns), TAILR 9: the time-out at 9 * 320 = 2880 ns on line A. B:
 * one-shot, TBILR 4, no prescaler: 320 ns on line B. */
static void test_16bit_with_prescaler(void **state)
{
    device_fixture *f = *state;
    wr(f, ET_GPTM_CFG, ET_GPTM_CFG_16BIT);
    assert_int_equal(rd(f, ET_GPTM_TAILR), 0xffff);
    wr(f, ET_GPTM_TAMR, ET_GPTM_MR_PERIODIC);
    wr(f, ET_GPTM_TBMR, ET_GPTM_MR_ONESHOT);
    wr(f, ET_GPTM_TAPR, 3);
    wr(f, ET_GPTM_TAILR, 0xabcd0009); /* 16 bits only */
    assert_int_equal(rd(f, ET_GPTM_TAILR), 9);
    wr(f, ET_GPTM_TBILR, 4);
    wr(f, ET_GPTM_IMR, ET_GPTM_INT_TATO | ET_GPTM_INT_TBTO);
    wr(f, ET_GPTM_CTL, ET_GPTM_CTL_TAEN | ET_GPTM_CTL_TBEN);
    step(f, 320 - 1);
    assert_int_equal(f->raises[1], 0);
    step(f, 1);
    assert_int_equal(f->raises[1], 1);
    assert_int_equal(rd(f, ET_GPTM_RIS), ET_GPTM_INT_TBTO);
    assert_int_equal(rd(f, ET_GPTM_CTL), ET_GPTM_CTL_TAEN); /* B was a one-shot */
    /* Exactly on A's count boundary (320 ns) TAR still shows the count
     * that ends there, as every ptimer-based counter here. */
    assert_int_equal(rd(f, ET_GPTM_TAR), 9);
    step(f, 2880 - 320);
    assert_int_equal(f->raises[0], 1);
    assert_int_equal(f->last_raise[0], 2880);
    /* Clearing B's status lowers line B only. */
    wr(f, ET_GPTM_ICR, ET_GPTM_INT_TBTO);
    assert_int_equal(f->level[1], 0);
    assert_int_equal(f->level[0], 1);
    /* Period 10 counts of 320 ns: the next A time-out at 6080 ns. */
    step(f, 6080 - 2880);
    assert_int_equal(f->raises[0], 1); /* still high: not cleared */
    wr(f, ET_GPTM_ICR, ET_GPTM_INT_TATO);
    step(f, 3200);
    assert_int_equal(f->raises[0], 2);
    assert_int_equal(f->last_raise[0], 9280);
}

/* RTC (GPTMCFG 1): selecting it loads 1; enabled at 0 it counts up once a
 * second: 5 at 4 s, when TAMATCHR 5 sets RTCRIS; it counts on (6 at 5 s)
 * with no further match. A TAILR write loads the counter. */
static void test_rtc_mode(void **state)
{
    device_fixture *f = *state;
    wr(f, ET_GPTM_CFG, ET_GPTM_CFG_RTC);
    assert_int_equal(rd(f, ET_GPTM_TAR), 1);
    wr(f, ET_GPTM_TAMATCHR, 5);
    wr(f, ET_GPTM_IMR, ET_GPTM_INT_RTC);
    wr(f, ET_GPTM_CTL, ET_GPTM_CTL_TAEN);
    step(f, SEC);
    assert_int_equal(rd(f, ET_GPTM_TAR), 2);
    step(f, 3 * SEC - 1);
    assert_int_equal(rd(f, ET_GPTM_TAR), 4);
    assert_int_equal(rd(f, ET_GPTM_RIS), 0);
    step(f, 1);
    assert_int_equal(rd(f, ET_GPTM_RIS), ET_GPTM_INT_RTC);
    assert_int_equal(f->last_raise[0], 4 * SEC);
    step(f, SEC);
    assert_int_equal(rd(f, ET_GPTM_TAR), 6);
    wr(f, ET_GPTM_ICR, ET_GPTM_INT_RTC);
    step(f, 100 * SEC);
    assert_int_equal(rd(f, ET_GPTM_RIS), 0);
    assert_int_equal(rd(f, ET_GPTM_TAR), 106);
    /* Load 3 at 105 s: the match (5) two seconds later. */
    wr(f, ET_GPTM_TAILR, 3);
    step(f, 2 * SEC);
    assert_int_equal(rd(f, ET_GPTM_RIS), ET_GPTM_INT_RTC);
    /* Disabled: the count stops. */
    wr(f, ET_GPTM_CTL, 0);
    step(f, 10 * SEC);
    assert_int_equal(rd(f, ET_GPTM_TAR), 5);
}

/* The system clock doubles mid-count (12.5 -> 25 MHz): the count reached
 * so far is kept and goes on at 40 ns a cycle. */
static void test_clock_change(void **state)
{
    device_fixture *f = *state;
    wr(f, ET_GPTM_TAMR, ET_GPTM_MR_PERIODIC);
    wr(f, ET_GPTM_TAILR, 1000);
    wr(f, ET_GPTM_IMR, ET_GPTM_INT_TATO);
    wr(f, ET_GPTM_CTL, ET_GPTM_CTL_TAEN);
    step(f, 500 * C + 1);
    assert_int_equal(rd(f, ET_GPTM_TAR), 500);
    et_clock_input_set_hz(df_input(f, "sysclk"), 25000000);
    step(f, 500 * 40 - 1);
    assert_int_equal(f->raises[0], 0);
    step(f, 1);
    assert_int_equal(f->raises[0], 1);
    assert_int_equal(f->last_raise[0], 500 * C + 1 + 500 * 40);
}

static void test_bad_accesses(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(rd(f, 0x050), 0);
    wr(f, 0x050, 1);
    wr(f, ET_GPTM_TAR, 1);
    wr(f, ET_GPTM_TBILR, 5); /* a 32-bit mode: ignored */
    assert_int_equal(rd(f, ET_GPTM_TBILR), 0xffff);
    wr(f, ET_GPTM_IMR, 0xffffffff);
    assert_int_equal(rd(f, ET_GPTM_IMR), 0x070f);
    assert_int_equal(f->n_logs, 5);
    /* Capture mode: stored, reported once when enabled, counts nothing. */
    wr(f, ET_GPTM_TAMR, ET_GPTM_MR_CAPTURE);
    wr(f, ET_GPTM_CTL, ET_GPTM_CTL_TAEN);
    wr(f, ET_GPTM_CTL, 0);
    wr(f, ET_GPTM_CTL, ET_GPTM_CTL_TAEN);
    assert_int_equal(f->n_logs, 6);
    step(f, 100 * C);
    assert_int_equal(rd(f, ET_GPTM_TAR), 0xffffffff);
    /* Byte lanes. */
    wr(f, ET_GPTM_CTL, 0);
    wr(f, ET_GPTM_TAMR, ET_GPTM_MR_PERIODIC);
    wr(f, ET_GPTM_TAILR, 0x12345678);
    assert_int_equal(et_device_read(f->dev, ET_GPTM_TAILR + 3, 1), 0x12);
    assert_int_equal(et_device_read(f->dev, ET_GPTM_TAILR + 2, 2), 0x1234);
}

static void test_reset(void **state)
{
    device_fixture *f = *state;
    wr(f, ET_GPTM_CFG, ET_GPTM_CFG_16BIT);
    wr(f, ET_GPTM_TAMR, ET_GPTM_MR_PERIODIC);
    wr(f, ET_GPTM_TAILR, 3);
    wr(f, ET_GPTM_IMR, ET_GPTM_INT_TATO);
    wr(f, ET_GPTM_CTL, ET_GPTM_CTL_TAEN);
    step(f, 3 * C);
    assert_int_equal(f->level[0], 1);
    et_device_reset(f->dev);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(rd(f, ET_GPTM_CFG), 0);
    assert_int_equal(rd(f, ET_GPTM_TAILR), 0xffffffff);
    assert_int_equal(rd(f, ET_GPTM_CTL), 0);
    step(f, 1000 * C);
    assert_int_equal(f->raises[0], 1);
}

static void test_bad_configuration(void **state)
{
    (void)state;
    char err[160] = "";
    et_clock *clock = et_clock_new_manual();
    et_stellaris_gptm_config cfg = { .clk = NULL };
    assert_null(et_stellaris_gptm_new(clock, "g", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "cfg->clk"));
    assert_null(et_stellaris_gptm_new(clock, "g", NULL, err, sizeof(err)));
    assert_null(et_stellaris_gptm_new(NULL, "g", &cfg, err, sizeof(err)));
    et_clock_free(clock);
}

static void test_saved_state_declared(void **state)
{
    device_fixture *f = *state;
    const et_vmstate *vm = f->dev->ops->state;
    assert_string_equal(vm->name, "stellaris-gptm");
    const char *want[] = { "cfg", "mode", "ctl", "imr", "ris", "ilr", "match", "pr", "pmr",
                           "pt", "rtc_base", "rtc_t0", "rtc_running", "rtc_timer", "irq" };
    size_t n = 0;
    for (const et_field *fl = vm->fields; fl->name; fl++, n++) {
        assert_true(n < 15);
        assert_string_equal(fl->name, want[n]);
    }
    assert_int_equal(n, 15);
}

/* The shared-suite adapter (a time-out every 10 us): no violation, and the
 * line really rises and falls. */
static void test_adapter_on_manual_clock(void **state)
{
    (void)state;
    assert_true(et_test_adapter_drive("stellaris-gptm", 31337, 20000, NULL) > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reset_values, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_32bit_periodic, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_32bit_one_shot, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_load_write_and_disable, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_16bit_with_prescaler, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_rtc_mode, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_clock_change, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_bad_accesses, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, df_teardown),
        cmocka_unit_test(test_bad_configuration),
        cmocka_unit_test_setup_teardown(test_saved_state_declared, setup, df_teardown),
        cmocka_unit_test(test_adapter_on_manual_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
