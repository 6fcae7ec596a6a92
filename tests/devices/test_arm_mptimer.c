/* Cortex-A9 MPCore private timer and watchdog (ARM DDI 0407, chapter 4):
 * reset values, the TRM's interval formula, the interrupt lines, the
 * watchdog mode with its reset flag, WDRESETREQ and disable sequence,
 * per-CPU blocks, PERIPHCLK followed at run time, bad accesses and
 * configuration, and the device on vexpress-a9 (GIC PPIs, machine reset,
 * snapshot) and realview-eb-mpcore (the 11MPCore's per-CPU views). The counting corner cases QEMU's qtest checks are in
 * test_arm_mptimer_qemu.c.
 *
 * Timing: PERIPHCLK 100 MHz (10 ns) as on QEMU's boards. With prescaler P a
 * count lasts (P + 1) x 10 ns; a block loaded with N and enabled reaches 0
 * after N counts; with auto-reload the interval between events is
 * (P + 1) x (N + 1) PERIPHCLK periods (TRM 4.1.1). At a count edge
 * exactly the counter still shows the previous value (QEMU's ptimer rounds
 * up), so reads are made 1 ns after an edge, as QEMU's qtest does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "adapter_drive.h"
#include "device_fixture.h"
#include "emutime/devices/arm_mptimer.h"
#include "emutime/emutime.h"
#include "emutime/machine.h"

#define TLOAD (ET_ARM_MPTIMER_TIMER + ET_ARM_MPTIMER_LOAD)
#define TCOUNTER (ET_ARM_MPTIMER_TIMER + ET_ARM_MPTIMER_COUNTER)
#define TCONTROL (ET_ARM_MPTIMER_TIMER + ET_ARM_MPTIMER_CONTROL)
#define TSTAT (ET_ARM_MPTIMER_TIMER + ET_ARM_MPTIMER_INTSTAT)
#define WLOAD (ET_ARM_MPTIMER_WDOG + ET_ARM_MPTIMER_LOAD)
#define WCOUNTER (ET_ARM_MPTIMER_WDOG + ET_ARM_MPTIMER_COUNTER)
#define WCONTROL (ET_ARM_MPTIMER_WDOG + ET_ARM_MPTIMER_CONTROL)
#define WSTAT (ET_ARM_MPTIMER_WDOG + ET_ARM_MPTIMER_INTSTAT)
#define WRESET ET_ARM_MPTIMER_WDOG_RESET_STATUS
#define WDISABLE ET_ARM_MPTIMER_WDOG_DISABLE

#define EN ET_ARM_MPTIMER_CTRL_ENABLE
#define AUTO ET_ARM_MPTIMER_CTRL_AUTO
#define IRQ ET_ARM_MPTIMER_CTRL_IRQ
#define WDMODE ET_ARM_MPTIMER_CTRL_WDMODE
#define PRE(p) ET_ARM_MPTIMER_CTRL_PRESCALER(p)

/* Output lines with one CPU. */
#define L_TIMER 0
#define L_WDOG 1
#define L_RESETREQ 2

static device_fixture *make(unsigned cpus)
{
    device_fixture *f = df_new();
    et_arm_mptimer_config cfg = { .periphclk = df_clock_input(f, "periphclk", 100000000),
                                  .cpu_count = cpus };
    char err[128];
    df_attach(f, et_arm_mptimer_new(f->clock, "mptimer", &cfg, err, sizeof(err)), err);
    return f;
}

static int setup(void **state)
{
    *state = make(1);
    return 0;
}

/* TRM 4.2/4.3 register summaries: every register resets to 0. */
static void test_reset_values(void **state)
{
    device_fixture *f = *state;
    static const uint32_t regs[] = { TLOAD, TCOUNTER, TCONTROL, TSTAT, WLOAD,
                                     WCOUNTER, WCONTROL, WSTAT, WRESET };
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        assert_int_equal(rd(f, regs[i]), 0);
    }
    assert_int_equal(et_device_irq_count(f->dev), 3);
    assert_string_equal(et_device_irq(f->dev, L_TIMER)->name, "timer0");
    assert_string_equal(et_device_irq(f->dev, L_WDOG)->name, "wdog0");
    assert_string_equal(et_device_irq(f->dev, L_RESETREQ)->name, "wdresetreq0");
    /* A Load write also sets the counter (TRM 4.2.1); disabled it holds. */
    wr(f, TLOAD, 1234);
    step(f, 100000);
    assert_int_equal(rd(f, TCOUNTER), 1234);
    assert_int_equal(rd(f, TLOAD), 1234);
}

/* Prescaler 3, Load 4, auto-reload, IRQ enabled: counts of 40 ns; the
 * counter reaches 0 after 4 counts (160 ns) and then every (3 + 1) x
 * (4 + 1) = 20 PERIPHCLK periods, 200 ns (TRM 4.1.1). The line follows the
 * event flag && IRQ enable: clearing the flag (write 1) lowers it. */
static void test_interval_and_interrupt(void **state)
{
    device_fixture *f = *state;
    wr(f, TLOAD, 4);
    wr(f, TCONTROL, EN | AUTO | IRQ | PRE(3));
    step(f, 159);
    assert_int_equal(f->n_ev, 0);
    assert_int_equal(rd(f, TCOUNTER), 1); /* 159 ns: 3 counts done, 1 left */
    step(f, 1);
    assert_int_equal(f->n_ev, 1);
    assert_int_equal(f->ev[0].t, 160);
    assert_int_equal(f->ev[0].level, 1);
    assert_int_equal(rd(f, TSTAT), 1);
    wr(f, TSTAT, 0); /* writing 0 has no effect */
    assert_int_equal(rd(f, TSTAT), 1);
    wr(f, TSTAT, 1);
    assert_int_equal(f->n_ev, 2);
    assert_int_equal(f->ev[1].level, 0);
    step(f, 200);
    assert_int_equal(f->n_ev, 3);
    assert_int_equal(f->ev[2].t, 360);
    assert_int_equal(rd(f, TCOUNTER), 0);
    step(f, 41); /* the zero lasts one count, then Load */
    assert_int_equal(rd(f, TCOUNTER), 4);
    assert_int_equal(rd(f, TCONTROL), EN | AUTO | IRQ | PRE(3));
}

/* IRQ enable clear: the flag is set but the line stays low. */
static void test_flag_without_interrupt(void **state)
{
    device_fixture *f = *state;
    wr(f, TLOAD, 10);
    wr(f, TCONTROL, EN);
    step(f, 100);
    assert_int_equal(rd(f, TSTAT), 1);
    assert_int_equal(rd(f, TCOUNTER), 0);
    assert_int_equal(f->n_ev, 0);
    step(f, 1000); /* one-shot: stays at 0 */
    assert_int_equal(rd(f, TCOUNTER), 0);
}

/* The watchdog in timer mode (the default) is a second timer on its own
 * line (PPI 30). */
static void test_watchdog_timer_mode(void **state)
{
    device_fixture *f = *state;
    wr(f, WLOAD, 9);
    wr(f, WCONTROL, EN | AUTO | IRQ);
    step(f, 90);
    assert_int_equal(f->n_ev, 1);
    assert_int_equal(f->ev[0].n, L_WDOG);
    assert_int_equal(rd(f, WSTAT), 1);
    assert_int_equal(rd(f, TSTAT), 0);
    step(f, 11); /* the zero lasted one count: LOAD again at 100 */
    assert_int_equal(rd(f, WCOUNTER), 9);
    assert_int_equal(rd(f, WRESET), 0);
    wr(f, WSTAT, 1);
    assert_int_equal(f->level[L_WDOG], 0);
}

/* Watchdog mode (TRM 4.3.3-4.3.7): reaching 0 sets the reset flag and
 * asserts WDRESETREQ, not the event flag or the interrupt; auto-reload is
 * ignored (it stops at 0); the counter is written only through Load. */
static void test_watchdog_mode_timeout(void **state)
{
    device_fixture *f = *state;
    wr(f, WLOAD, 100);
    wr(f, WCONTROL, EN | AUTO | IRQ | WDMODE);
    assert_int_equal(rd(f, WCONTROL), EN | AUTO | IRQ | WDMODE);
    step(f, 501);
    wr(f, WCOUNTER, 1000); /* ignored in watchdog mode */
    assert_int_equal(rd(f, WCOUNTER), 50);
    wr(f, WLOAD, 100); /* the refresh: 100 counts from now (t = 501) */
    step(f, 999);
    assert_int_equal(f->n_ev, 0);
    assert_int_equal(rd(f, WRESET), 0);
    step(f, 1);
    assert_int_equal(f->n_ev, 1);
    assert_int_equal(f->ev[0].n, L_RESETREQ);
    assert_int_equal(f->ev[0].t, 1501);
    assert_int_equal(rd(f, WRESET), 1);
    assert_int_equal(rd(f, WSTAT), 0);
    assert_int_equal(f->level[L_WDOG], 0);
    step(f, 10000);
    assert_int_equal(rd(f, WCOUNTER), 0); /* no reload */
    assert_int_equal(f->n_ev, 1);
    /* The reset flag: writing 0 does nothing, 1 clears it (and the model
     * lowers WDRESETREQ with it). */
    wr(f, WRESET, 0);
    assert_int_equal(rd(f, WRESET), 1);
    wr(f, WRESET, 1);
    assert_int_equal(rd(f, WRESET), 0);
    assert_int_equal(f->level[L_RESETREQ], 0);
}

/* The mode bit: writing 0 has no effect (TRM 4.3.3); only 0x12345678 then
 * 0x87654321 to the Disable register clears it (TRM 4.3.7). Back in timer
 * mode the block counts on, now obeying auto-reload. */
static void test_watchdog_disable_sequence(void **state)
{
    device_fixture *f = *state;
    wr(f, WLOAD, 1000);
    wr(f, WCONTROL, EN | AUTO | WDMODE);
    wr(f, WCONTROL, EN | AUTO);
    assert_int_equal(rd(f, WCONTROL), EN | AUTO | WDMODE);
    wr(f, WDISABLE, ET_ARM_MPTIMER_DISABLE_KEY2); /* out of order */
    assert_true(rd(f, WCONTROL) & WDMODE);
    wr(f, WDISABLE, ET_ARM_MPTIMER_DISABLE_KEY1);
    wr(f, WDISABLE, 0); /* breaks the sequence */
    wr(f, WDISABLE, ET_ARM_MPTIMER_DISABLE_KEY2);
    assert_true(rd(f, WCONTROL) & WDMODE);
    step(f, 3001);
    wr(f, WDISABLE, ET_ARM_MPTIMER_DISABLE_KEY1);
    wr(f, WDISABLE, ET_ARM_MPTIMER_DISABLE_KEY2);
    assert_int_equal(rd(f, WCONTROL), EN | AUTO);
    assert_int_equal(rd(f, WCOUNTER), 700);
    assert_int_equal(rd(f, WDISABLE), 0); /* write-only */
    /* 700 counts to 0: the event flag this time, then the reload. */
    step(f, 7000);
    assert_int_equal(rd(f, WSTAT), 1);
    assert_int_equal(rd(f, WRESET), 0);
    step(f, 21); /* one count at 0, LOAD, one count down */
    assert_int_equal(rd(f, WCOUNTER), 999);
    assert_int_equal(f->n_ev, 0);
}

/* A device reset (the machine's, after a watchdog reset request) clears
 * the blocks and lowers WDRESETREQ but keeps the reset flag, so software can
 * tell a watchdog reset from a power-on one (TRM 4.3.6). */
static void test_reset_keeps_reset_flag(void **state)
{
    device_fixture *f = *state;
    wr(f, WLOAD, 5);
    wr(f, WCONTROL, EN | WDMODE);
    step(f, 50);
    assert_int_equal(f->level[L_RESETREQ], 1);
    et_device_reset(f->dev);
    assert_int_equal(f->level[L_RESETREQ], 0);
    assert_int_equal(rd(f, WRESET), 1);
    assert_int_equal(rd(f, WCONTROL), 0); /* back in timer mode */
    assert_int_equal(rd(f, WLOAD), 0);
}

/* Two CPUs: each has its own blocks and lines (timer0 wdog0 timer1 wdog1
 * wdresetreq0 wdresetreq1); et_device_* is CPU 0's view. */
static void test_two_cpus(void **state)
{
    device_fixture *f = *state;
    df_teardown(state);
    f = make(2);
    *state = f;
    assert_int_equal(et_device_irq_count(f->dev), 6);
    assert_string_equal(et_device_irq(f->dev, 2)->name, "timer1");
    assert_string_equal(et_device_irq(f->dev, 5)->name, "wdresetreq1");
    et_arm_mptimer_cpu_write(f->dev, 1, TLOAD, 20, 4);
    et_arm_mptimer_cpu_write(f->dev, 1, TCONTROL, EN | IRQ, 4);
    assert_int_equal(rd(f, TLOAD), 0);
    assert_int_equal(et_arm_mptimer_cpu_read(f->dev, 1, TLOAD, 4), 20);
    step(f, 200);
    assert_int_equal(f->n_ev, 1);
    assert_int_equal(f->ev[0].n, 2);
    assert_int_equal(et_arm_mptimer_cpu_read(f->dev, 1, TSTAT, 4), 1);
    assert_int_equal(rd(f, TSTAT), 0);
    unsigned long errs = et_device_guest_error_count(f->dev);
    assert_int_equal(et_arm_mptimer_cpu_read(f->dev, 2, TLOAD, 4), 0);
    et_arm_mptimer_cpu_write(f->dev, 0, TLOAD + 1, 1, 4);
    assert_int_equal(et_device_guest_error_count(f->dev), errs + 2);
}

/* The ARM11 MPCore layout (cpu_views): CPU n's view at 0x100 x (n + 1)
 * reaches the same blocks as et_arm_mptimer_cpu_*; 0x000 is CPU 0's. */
static void test_cpu_views(void **state)
{
    device_fixture *f = *state;
    df_teardown(state);
    f = df_new();
    *state = f;
    et_arm_mptimer_config cfg = { .periphclk = df_clock_input(f, "periphclk", 100000000),
                                  .cpu_count = 2, .cpu_views = true };
    char err[128];
    df_attach(f, et_arm_mptimer_new(f->clock, "mptimer", &cfg, err, sizeof(err)), err);
    wr(f, 0x200 + TLOAD, 42);   /* CPU 1's timer */
    wr(f, 0x100 + WLOAD, 7);    /* CPU 0's watchdog */
    assert_int_equal(et_arm_mptimer_cpu_read(f->dev, 1, TLOAD, 4), 42);
    assert_int_equal(rd(f, WLOAD), 7);
    assert_int_equal(rd(f, TLOAD), 0);
    assert_int_equal(rd(f, 0x300 + TLOAD), 0); /* CPU 2 is absent */
    assert_int_equal(et_device_guest_error_count(f->dev), 1);
}

/* PERIPHCLK halved at run time: the counter keeps its value (50 at
 * t = 501) and counts it down at 20 ns per count from the change, as
 * QEMU's ptimer_set_period restarts the current count: 0 at 501 + 1000. */
static void test_periphclk_change(void **state)
{
    device_fixture *f = *state;
    wr(f, TLOAD, 100);
    wr(f, TCONTROL, EN);
    step(f, 501); /* 50 counts and 1 ns */
    et_clock_input_set_hz(df_input(f, "periphclk"), 50000000);
    assert_int_equal(rd(f, TCOUNTER), 50);
    step(f, 999);
    assert_int_equal(rd(f, TSTAT), 0);
    step(f, 1);
    assert_int_equal(rd(f, TSTAT), 1);
    et_clock_input_set_hz(df_input(f, "periphclk"), 100000000);
}

/* Only aligned 4-byte accesses; reserved offsets read 0; reserved Control
 * bits are ignored. All guest errors, none fatal. */
static void test_bad_accesses(void **state)
{
    device_fixture *f = *state;
    wr(f, TLOAD, 0x12345678);
    assert_int_equal(et_device_read(f->dev, TLOAD, 1), 0);
    assert_int_equal(et_device_read(f->dev, TLOAD + 2, 2), 0);
    assert_int_equal(rd(f, 0x10), 0);
    assert_int_equal(rd(f, 0x40), 0);
    wr(f, 0x38, 1);
    wr(f, TCONTROL, 0xffffffffu);
    assert_int_equal(rd(f, TCONTROL), 0xff07u);
    assert_true(et_device_guest_error_count(f->dev) >= 6);
}

static void test_bad_configuration(void **state)
{
    (void)state;
    char err[160];
    et_clock *clock = et_clock_new_manual();
    et_clock_input *clk = et_clock_input_new("periphclk");
    et_arm_mptimer_config cfg = { .periphclk = NULL };
    assert_null(et_arm_mptimer_new(clock, "m", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "PERIPHCLK"));
    cfg.periphclk = clk;
    cfg.cpu_count = 5;
    assert_null(et_arm_mptimer_new(clock, "m", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "cpu_count"));
    assert_null(et_arm_mptimer_new(NULL, "m", &cfg, err, sizeof(err)));
    assert_null(et_arm_mptimer_new(clock, "m", NULL, err, sizeof(err)));
    et_clock_input_free(clk);
    et_clock_free(clock);
}

/* --- on vexpress-a9 ---------------------------------------------------------- */

/* The timer's PPI 29 is GIC input 64 + 29 = 93 (QEMU's a9mpcore_priv with
 * num-irq 96): seen by intercepting the GIC, not a9mpcore_priv (whose
 * inputs are only the 64 SPIs). */
static void test_vexpress_ppi(void **state)
{
    (void)state;
    char err[256];
    for (int via_gic = 0; via_gic < 2; via_gic++) {
        device_fixture *f = df_new_machine("vexpress-a9");
        et_machine *m = f->m;
        df_intercept(f, via_gic ? "/machine/unattached/device[1]/gic"
                                : "/machine/unattached/device[1]");
        et_machine_write(m, 0x1e000600, 9, 4);
        et_machine_write(m, 0x1e000608, EN | IRQ, 4);
        et_clock_step(et_machine_clock(m), 90);
        assert_int_equal(et_machine_read(m, 0x1e00060c, 4), 1);
        if (via_gic) {
            assert_int_equal(df_count_changes(f), 1);
            assert_int_equal(df_change(f, 0)->n, 93);
            assert_int_equal(df_change(f, 0)->level, 1);
        } else {
            assert_int_equal(df_count_changes(f), 0);
            assert_int_equal(et_machine_set_irq_in(m, "/machine/unattached/device[1]",
                                                   "unnamed-gpio-in", 93, 1, err, sizeof(err)),
                             -1);
        }
        df_free(f);
    }
}

/* Watchdog mode on the board: the reset request resets the machine at the
 * next command boundary; the reset flag survives it. */
static void test_vexpress_watchdog_reset(void **state)
{
    (void)state;
    char err[256];
    et_machine *m = et_machine_new("vexpress-a9", err, sizeof(err));
    assert_non_null(m);
    et_machine_write(m, 0x1e000620, 1000, 4);
    et_machine_write(m, 0x1e000628, EN | WDMODE, 4);
    et_clock_step(et_machine_clock(m), 10000);
    assert_true(et_machine_reset_pending(m));
    assert_true(et_machine_run_pending_reset(m));
    assert_int_equal(et_machine_reset_count(m), 1);
    assert_int_equal(et_machine_read(m, 0x1e000630, 4), 1);
    assert_int_equal(et_machine_read(m, 0x1e000628, 4), 0);
    et_machine_free(m);
}

/* A snapshot in the middle of a count continues exactly. */
static void test_vexpress_snapshot(void **state)
{
    (void)state;
    char err[256];
    et_machine *a = et_machine_new("vexpress-a9", err, sizeof(err));
    et_machine *b = et_machine_new("vexpress-a9", err, sizeof(err));
    assert_non_null(a);
    assert_non_null(b);
    et_machine_write(a, 0x1e000600, 999, 4);
    et_machine_write(a, 0x1e000608, EN | AUTO | PRE(9), 4); /* 100 ns counts */
    et_machine_write(a, 0x1e000620, 77, 4);
    et_machine_write(a, 0x1e000628, EN | WDMODE, 4);
    et_clock_step(et_machine_clock(a), 12345);
    uint8_t *buf;
    size_t len;
    assert_int_equal(et_machine_snapshot_save(a, &buf, &len, err, sizeof(err)), 0);
    assert_int_equal(et_machine_snapshot_load(b, buf, len, err, sizeof(err)), 0);
    free(buf);
    assert_int_equal(et_machine_read(b, 0x1e000604, 4), 999 - 123);
    assert_int_equal(et_machine_read(b, 0x1e000630, 4), 1);
    for (int i = 0; i < 3; i++) {
        et_clock_step(et_machine_clock(a), 33333);
        et_clock_step(et_machine_clock(b), 33333);
        assert_int_equal(et_machine_read(a, 0x1e000604, 4), et_machine_read(b, 0x1e000604, 4));
        assert_int_equal(et_machine_read(a, 0x1e00060c, 4), et_machine_read(b, 0x1e00060c, 4));
    }
    et_machine_free(a);
    et_machine_free(b);
}

/* realview-eb-mpcore (QEMU's arm11mpcore_priv, GIC of 64 inputs): the
 * timer's PPI 29 is input 32 + 29 = 61, the watchdog's 62; CPU 0's own view
 * at 0x10100700 reaches the same blocks as "this CPU's" at 0x10100600. */
static void test_realview_eb_mpcore(void **state)
{
    (void)state;
    device_fixture *f = df_new_machine("realview-eb-mpcore");
    df_intercept(f, "/machine/unattached/device[2]/a11priv/gic");
    wr(f, 0x10100700, 9); /* CPU 0's view */
    assert_int_equal(rd(f, 0x10100600), 9);
    wr(f, 0x10100608, EN | IRQ);
    wr(f, 0x10100720, 19);
    wr(f, 0x10100728, EN | IRQ);
    step(f, 200);
    assert_int_equal(f->n_ev, 2);
    assert_int_equal(f->ev[0].n, 61);
    assert_int_equal(f->ev[1].n, 62);
    assert_int_equal(rd(f, 0x10100800), 0); /* CPU 1: absent */
    df_free(f);
}

static void test_adapter_on_manual_clock(void **state)
{
    (void)state;
    assert_true(et_test_adapter_drive("arm-mptimer", 4242, 20000, NULL) > 100);
}

int main(void)
{
#define T_(fn) cmocka_unit_test_setup_teardown(fn, setup, df_teardown)
    const struct CMUnitTest tests[] = {
        T_(test_reset_values),
        T_(test_interval_and_interrupt),
        T_(test_flag_without_interrupt),
        T_(test_watchdog_timer_mode),
        T_(test_watchdog_mode_timeout),
        T_(test_watchdog_disable_sequence),
        T_(test_reset_keeps_reset_flag),
        T_(test_two_cpus),
        T_(test_cpu_views),
        T_(test_periphclk_change),
        T_(test_bad_accesses),
        cmocka_unit_test(test_bad_configuration),
        cmocka_unit_test(test_vexpress_ppi),
        cmocka_unit_test(test_vexpress_watchdog_reset),
        cmocka_unit_test(test_vexpress_snapshot),
        cmocka_unit_test(test_realview_eb_mpcore),
        cmocka_unit_test(test_adapter_on_manual_clock),
    };
#undef T_
    return cmocka_run_group_tests(tests, NULL, NULL);
}
