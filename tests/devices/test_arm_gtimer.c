/* Cortex-A9 MPCore global timer (ARM DDI 0407, 4.4): reset values, the
 * 64-bit count and its prescaler, counter writes only while disabled, the
 * comparator's "greater than or equal" event (r2p0+), auto-increment
 * (periodic and catching up), the event flag held while the counter is past
 * a fixed comparator, per-CPU banking, PERIPHCLK followed at run time, bad
 * accesses and configuration, and the device on vexpress-a9 (PPI 27 =
 * GIC input 91, snapshot).
 *
 * Timing: PERIPHCLK 100 MHz (10 ns); with prescaler P the counter goes up
 * by one every (P + 1) x 10 ns from the Control write that enabled it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "adapter_drive.h"
#include "device_fixture.h"
#include "emutime/devices/arm_gtimer.h"
#include "emutime/emutime.h"
#include "emutime/machine.h"

#define CLO ET_ARM_GTIMER_COUNTER_LO
#define CHI ET_ARM_GTIMER_COUNTER_HI
#define CTRL ET_ARM_GTIMER_CONTROL
#define STAT ET_ARM_GTIMER_INTSTAT
#define CMPLO ET_ARM_GTIMER_COMPARE_LO
#define CMPHI ET_ARM_GTIMER_COMPARE_HI
#define INC ET_ARM_GTIMER_AUTOINC

#define EN ET_ARM_GTIMER_CTRL_ENABLE
#define COMP ET_ARM_GTIMER_CTRL_COMP
#define IRQ ET_ARM_GTIMER_CTRL_IRQ
#define AUTO ET_ARM_GTIMER_CTRL_AUTOINC
#define PRE(p) ET_ARM_GTIMER_CTRL_PRESCALER(p)

static device_fixture *make(unsigned cpus)
{
    device_fixture *f = df_new();
    et_arm_gtimer_config cfg = { .periphclk = df_clock_input(f, "periphclk", 100000000),
                                 .cpu_count = cpus };
    char err[128];
    df_attach(f, et_arm_gtimer_new(f->clock, "gtimer", &cfg, err, sizeof(err)), err);
    return f;
}

static int setup(void **state)
{
    *state = make(1);
    return 0;
}

/* TRM 4.4 register summary: all reset to 0; disabled, nothing counts. */
static void test_reset_values(void **state)
{
    device_fixture *f = *state;
    static const uint32_t regs[] = { CLO, CHI, CTRL, STAT, CMPLO, CMPHI, INC };
    step(f, 100000);
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        assert_int_equal(rd(f, regs[i]), 0);
    }
    assert_int_equal(et_device_irq_count(f->dev), 1);
    assert_string_equal(et_device_irq(f->dev, 0)->name, "gtimer0");
}

/* Prescaler 4: one increment per 50 ns. Set to 0xFFFFFFF0 while disabled
 * (low word first, as TRM 4.4.1 prescribes), the 16th increment carries
 * into the high word: 0x1_00000000 at 800 ns. */
static void test_counting_and_carry(void **state)
{
    device_fixture *f = *state;
    wr(f, CLO, 0xfffffff0u);
    wr(f, CHI, 0);
    wr(f, CTRL, EN | PRE(4));
    step(f, 799);
    assert_int_equal(rd(f, CHI), 0);
    assert_int_equal(rd(f, CLO), 0xffffffffu);
    step(f, 1);
    assert_int_equal(rd(f, CHI), 1);
    assert_int_equal(rd(f, CLO), 0);
    step(f, 800);
    assert_int_equal(rd(f, CLO), 0x10);
    /* Disabling freezes it; a write while enabled is ignored. */
    wr(f, CLO, 0);
    assert_int_equal(rd(f, CLO), 0x10);
    wr(f, CTRL, 0);
    step(f, 5000);
    assert_int_equal(rd(f, CLO), 0x10);
    wr(f, CLO, 7);
    assert_int_equal(rd(f, CLO), 7);
    assert_int_equal(rd(f, CHI), 1);
}

/* Comparator 10, no prescaler: the event is set when the counter reaches
 * 10 (TRM r2p0+: greater than or equal), at 100 ns. */
static void test_compare_greater_or_equal(void **state)
{
    device_fixture *f = *state;
    wr(f, CMPLO, 10);
    wr(f, CTRL, EN | COMP | IRQ);
    step(f, 99);
    assert_int_equal(rd(f, STAT), 0);
    step(f, 1);
    assert_int_equal(rd(f, CLO), 10);
    assert_int_equal(rd(f, STAT), 1);
    assert_int_equal(f->raises[0], 1);
    assert_int_equal(df_raise_time(f, 0, 0), 100);
    /* Without auto-increment the counter stays past the comparator, so a
     * clear is undone at once: the flag is set again. */
    wr(f, STAT, 1);
    assert_int_equal(rd(f, STAT), 1);
    assert_int_equal(f->level[0], 1);
    /* Disabling the comparator and clearing: it stays clear. */
    wr(f, CTRL, EN | IRQ);
    wr(f, STAT, 1);
    assert_int_equal(rd(f, STAT), 0);
    assert_int_equal(f->level[0], 0);
}

/* Comparator 100, increment 100: events at counts 100, 200, 300 (1000 ns
 * apart), the comparator one increment ahead after each (TRM 4.4.5). */
static void test_auto_increment(void **state)
{
    device_fixture *f = *state;
    wr(f, CMPLO, 100);
    wr(f, INC, 100);
    wr(f, CTRL, EN | COMP | IRQ | AUTO);
    step(f, 1000);
    assert_int_equal(rd(f, CMPLO), 200);
    wr(f, STAT, 1);
    step(f, 2000);
    assert_int_equal(rd(f, CMPLO), 400);
    assert_int_equal(f->raises[0], 2); /* the flag was not cleared at 3000 */
    wr(f, STAT, 1);
    step(f, 1000);
    assert_int_equal(f->raises[0], 3);
    assert_int_equal(df_raise_time(f, 0, 0), 1000);
    assert_int_equal(df_raise_time(f, 0, 1), 2000);
    assert_int_equal(df_raise_time(f, 0, 2), 4000);
    assert_int_equal(rd(f, CTRL), EN | COMP | IRQ | AUTO);
}

/* A comparator behind the counter: one event at once, and it moves past the
 * counter by whole increments: counter 1000, comparator 10, increment 100
 * gives 1010. */
static void test_auto_increment_catch_up(void **state)
{
    device_fixture *f = *state;
    wr(f, CTRL, EN);
    step(f, 10000);
    assert_int_equal(rd(f, CLO), 1000);
    wr(f, CMPLO, 10);
    wr(f, INC, 100);
    wr(f, CTRL, EN | COMP | AUTO);
    assert_int_equal(rd(f, STAT), 1);
    assert_int_equal(rd(f, CMPLO), 1010);
    wr(f, STAT, 1);
    step(f, 99);
    assert_int_equal(rd(f, STAT), 0);
    step(f, 1);
    assert_int_equal(rd(f, STAT), 1);
    assert_int_equal(rd(f, CMPLO), 1110);
}

/* A 64-bit comparator: the high word takes part in the match. */
static void test_compare_high_word(void **state)
{
    device_fixture *f = *state;
    wr(f, CLO, 0xffffff00u);
    wr(f, CMPLO, 0x10);
    wr(f, CMPHI, 1);
    wr(f, CTRL, EN | COMP);
    step(f, 2550);
    assert_int_equal(rd(f, STAT), 0);
    step(f, 10 * (0x100 + 0x10) - 2550);
    assert_int_equal(rd(f, CHI), 1);
    assert_int_equal(rd(f, STAT), 1);
}

/* Changing the prescaler keeps the count: 100 increments at 10 ns, then
 * increments of 40 ns. */
static void test_prescaler_change(void **state)
{
    device_fixture *f = *state;
    wr(f, CTRL, EN);
    step(f, 1000);
    wr(f, CTRL, EN | PRE(3));
    step(f, 400);
    assert_int_equal(rd(f, CLO), 110);
}

/* PERIPHCLK halved: 50 increments at 10 ns, then 20 ns each. */
static void test_periphclk_change(void **state)
{
    device_fixture *f = *state;
    wr(f, CMPLO, 100);
    wr(f, CTRL, EN | COMP);
    step(f, 500);
    et_clock_input_set_hz(df_input(f, "periphclk"), 50000000);
    assert_int_equal(rd(f, CLO), 50);
    step(f, 999);
    assert_int_equal(rd(f, STAT), 0);
    step(f, 1);
    assert_int_equal(rd(f, STAT), 1);
}

/* Two CPUs: the enable and prescaler are shared, the comparator bits,
 * comparator, increment and flag are each CPU's. */
static void test_two_cpus(void **state)
{
    device_fixture *f = *state;
    df_teardown(state);
    f = make(2);
    *state = f;
    et_arm_gtimer_cpu_write(f->dev, 1, CMPLO, 5, 4);
    et_arm_gtimer_cpu_write(f->dev, 1, CTRL, EN | COMP | IRQ, 4);
    assert_int_equal(rd(f, CTRL), EN);
    assert_int_equal(et_arm_gtimer_cpu_read(f->dev, 1, CTRL, 4), EN | COMP | IRQ);
    step(f, 50);
    assert_int_equal(f->level[1], 1);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(rd(f, STAT), 0);
    assert_int_equal(et_arm_gtimer_cpu_read(f->dev, 1, STAT, 4), 1);
    assert_int_equal(et_arm_gtimer_cpu_read(f->dev, 1, CLO, 4), rd(f, CLO));
    unsigned long errs = et_device_guest_error_count(f->dev);
    assert_int_equal(et_arm_gtimer_cpu_read(f->dev, 2, CLO, 4), 0);
    assert_int_equal(et_device_guest_error_count(f->dev), errs + 1);
}

static void test_bad_accesses(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(et_device_read(f->dev, CLO, 1), 0);
    assert_int_equal(rd(f, 0x1c), 0);
    wr(f, 0x1c, 1);
    wr(f, CTRL, 0xffffffffu);
    assert_int_equal(rd(f, CTRL), 0xff0fu);
    assert_true(et_device_guest_error_count(f->dev) >= 4);
}

static void test_bad_configuration(void **state)
{
    (void)state;
    char err[160];
    et_clock *clock = et_clock_new_manual();
    et_clock_input *clk = et_clock_input_new("periphclk");
    et_arm_gtimer_config cfg = { .periphclk = NULL };
    assert_null(et_arm_gtimer_new(clock, "g", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "PERIPHCLK"));
    cfg.periphclk = clk;
    cfg.cpu_count = 9;
    assert_null(et_arm_gtimer_new(clock, "g", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "cpu_count"));
    assert_null(et_arm_gtimer_new(clock, "g", NULL, err, sizeof(err)));
    et_clock_input_free(clk);
    et_clock_free(clock);
}

/* On vexpress-a9: PPI 27 is GIC input 64 + 27 = 91; a snapshot continues
 * the count and the next match exactly. */
static void test_vexpress(void **state)
{
    (void)state;
    char err[256];
    device_fixture *fa = df_new_machine("vexpress-a9");
    device_fixture *fb = df_new_machine("vexpress-a9");
    et_machine *a = fa->m, *b = fb->m;
    df_intercept(fa, "/machine/unattached/device[1]/gic");
    et_machine_write(a, 0x1e000210, 1000, 4);
    et_machine_write(a, 0x1e000218, 1000, 4);
    et_machine_write(a, 0x1e000208, EN | COMP | IRQ | AUTO | PRE(1), 4); /* 20 ns */
    et_clock_step(et_machine_clock(a), 20000);
    assert_int_equal(df_count_changes(fa), 1);
    assert_int_equal(df_change(fa, 0)->n, 91);
    assert_int_equal(df_change(fa, 0)->level, 1);
    et_machine_write(a, 0x1e00020c, 1, 4);
    et_clock_step(et_machine_clock(a), 12345);
    uint8_t *buf;
    size_t len;
    assert_int_equal(et_machine_snapshot_save(a, &buf, &len, err, sizeof(err)), 0);
    assert_int_equal(et_machine_snapshot_load(b, buf, len, err, sizeof(err)), 0);
    free(buf);
    assert_int_equal(et_machine_read(b, 0x1e000200, 4), 1000 + 617);
    for (int i = 0; i < 4; i++) {
        et_clock_step(et_machine_clock(a), 7777);
        et_clock_step(et_machine_clock(b), 7777);
        assert_int_equal(et_machine_read(a, 0x1e000200, 4), et_machine_read(b, 0x1e000200, 4));
        assert_int_equal(et_machine_read(a, 0x1e000210, 4), et_machine_read(b, 0x1e000210, 4));
        assert_int_equal(et_machine_read(a, 0x1e00020c, 4), et_machine_read(b, 0x1e00020c, 4));
    }
    df_free(fb);
    df_free(fa);
}

static void test_adapter_on_manual_clock(void **state)
{
    (void)state;
    assert_true(et_test_adapter_drive("arm-gtimer", 4242, 20000, NULL) > 100);
}

int main(void)
{
#define T_(fn) cmocka_unit_test_setup_teardown(fn, setup, df_teardown)
    const struct CMUnitTest tests[] = {
        T_(test_reset_values),
        T_(test_counting_and_carry),
        T_(test_compare_greater_or_equal),
        T_(test_auto_increment),
        T_(test_auto_increment_catch_up),
        T_(test_compare_high_word),
        T_(test_prescaler_change),
        T_(test_periphclk_change),
        T_(test_two_cpus),
        T_(test_bad_accesses),
        cmocka_unit_test(test_bad_configuration),
        cmocka_unit_test(test_vexpress),
        cmocka_unit_test(test_adapter_on_manual_clock),
    };
#undef T_
    return cmocka_run_group_tests(tests, NULL, NULL);
}
