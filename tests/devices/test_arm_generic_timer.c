/* One CPU's Arm generic timer (ARM DDI 0487, D11): the counter views,
 * CNTVOFF, the four timers' CVAL / TVAL / CTL semantics, the exact match
 * instant, the virtual timer with an offset whose CVAL + CNTVOFF
 * overflows (QEMU's December 2023 hang), a System Counter as the count
 * source, the CNTBaseN-style frame, snapshots that keep the count exactly
 * (the RISC-V ACLINT lesson), bad accesses, reset, configuration errors,
 * and the shared-suite adapter.
 *
 * Timing: a free-running counter at 62.5 MHz (QEMU's default CNTFRQ)
 * ticks every 16 ns and reads 0 at virtual time 0, so CNTPCT = t / 16. */
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
#include "emutime/devices/arm_generic_timer.h"
#include "emutime/devices/sse_counter.h"
#include "emutime/emutime.h"

#define TICK 16 /* ns at 62.5 MHz */

#define CNTPCT ET_ARM_GT_CNTPCT
#define CNTVCT ET_ARM_GT_CNTVCT
#define CNTVOFF ET_ARM_GT_CNTVOFF
#define P_CTL ET_ARM_GT_CNTP_CTL
#define P_CVAL ET_ARM_GT_CNTP_CVAL
#define P_TVAL ET_ARM_GT_CNTP_TVAL
#define V_CTL ET_ARM_GT_CNTV_CTL
#define V_CVAL ET_ARM_GT_CNTV_CVAL
#define V_TVAL ET_ARM_GT_CNTV_TVAL
#define ENABLE ET_ARM_GT_CTL_ENABLE
#define IMASK ET_ARM_GT_CTL_IMASK
#define ISTATUS ET_ARM_GT_CTL_ISTATUS

static int setup(void **state)
{
    device_fixture *f = df_new();
    char err[200];
    et_arm_generic_timer_config cfg = { .freq_hz = 62500000, .cntfrq_reset = 62500000 };
    df_attach(f, et_arm_generic_timer_new(f->clock, "cpu0-gt", &cfg, err, sizeof(err)), err);
    *state = f;
    return 0;
}

/* The timer's registers are system registers, not memory-mapped. */
static uint64_t sysreg_rd(device_fixture *f, et_arm_gt_reg r)
{
    return et_arm_generic_timer_read(f->dev, r);
}

static void sysreg_wr(device_fixture *f, et_arm_gt_reg r, uint64_t v)
{
    et_arm_generic_timer_write(f->dev, r, v);
}

/* Reset: CNTFRQ its configured value, CNTVOFF 0, every timer disabled
 * with CVAL 0; four lines, low. The count is t / 16. */
static void test_reset_and_counter(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(sysreg_rd(f, ET_ARM_GT_CNTFRQ), 62500000);
    assert_int_equal(sysreg_rd(f, CNTVOFF), 0);
    for (unsigned n = 0; n < ET_ARM_GT_NUM_TIMERS; n++) {
        assert_int_equal(sysreg_rd(f, ET_ARM_GT_TIMER_REG(ET_ARM_GT_CTL, n)), 0);
        assert_int_equal(sysreg_rd(f, ET_ARM_GT_TIMER_REG(ET_ARM_GT_CVAL, n)), 0);
    }
    assert_int_equal(et_device_irq_count(f->dev), 4);
    assert_string_equal(et_device_irq(f->dev, ET_ARM_GT_VIRT)->name, "virt");
    assert_string_equal(et_device_irq(f->dev, ET_ARM_GT_SEC)->name, "sec");
    step(f, 1600);
    assert_int_equal(sysreg_rd(f, CNTPCT), 100);
    assert_int_equal(sysreg_rd(f, CNTVCT), 100);
    step(f, 15);
    assert_int_equal(sysreg_rd(f, CNTPCT), 100);
    step(f, 1);
    assert_int_equal(sysreg_rd(f, CNTPCT), 101);
    /* CNTFRQ is only what software reports: writing it changes no rate. */
    sysreg_wr(f, ET_ARM_GT_CNTFRQ, 1000);
    assert_int_equal(sysreg_rd(f, ET_ARM_GT_CNTFRQ), 1000);
    step(f, 16);
    assert_int_equal(sysreg_rd(f, CNTPCT), 102);
    assert_int_equal(f->n_logs, 0);
}

/* D11.2.4: ISTATUS = ENABLE and CNTPCT >= CVAL; the line is ISTATUS and
 * not IMASK. CVAL 200: the match at 3200 ns exactly. TVAL reads CVAL -
 * CNTPCT as a signed 32-bit value, negative after the match. */
static void test_physical_timer(void **state)
{
    device_fixture *f = *state;
    sysreg_wr(f, P_CVAL, 200);
    sysreg_wr(f, P_CTL, ENABLE);
    step(f, 1600);
    assert_int_equal(sysreg_rd(f, P_TVAL), 100);
    assert_int_equal(sysreg_rd(f, P_CTL), ENABLE);
    step(f, 1599);
    assert_int_equal(f->raises[ET_ARM_GT_PHYS], 0);
    step(f, 1);
    assert_int_equal(f->raises[ET_ARM_GT_PHYS], 1);
    assert_int_equal(f->last_raise[ET_ARM_GT_PHYS], 3200);
    assert_int_equal(sysreg_rd(f, P_CTL), ENABLE | ISTATUS);
    step(f, 5 * TICK);
    assert_int_equal(sysreg_rd(f, P_TVAL), 0xfffffffb); /* -5 */
    /* IMASK drops the line, not ISTATUS. */
    sysreg_wr(f, P_CTL, ENABLE | IMASK);
    assert_int_equal(sysreg_rd(f, P_CTL), ENABLE | IMASK | ISTATUS);
    assert_int_equal(f->level[ET_ARM_GT_PHYS], 0);
    /* A later CVAL clears the condition; ENABLE 0 clears ISTATUS. */
    sysreg_wr(f, P_CTL, ENABLE);
    assert_int_equal(f->level[ET_ARM_GT_PHYS], 1);
    sysreg_wr(f, P_CVAL, 1000);
    assert_int_equal(f->level[ET_ARM_GT_PHYS], 0);
    sysreg_wr(f, P_CVAL, 0);
    sysreg_wr(f, P_CTL, 0);
    assert_int_equal(sysreg_rd(f, P_CTL), 0);
    assert_int_equal(f->level[ET_ARM_GT_PHYS], 0);
    /* ISTATUS written is ignored (read-only), without a guest error. */
    sysreg_wr(f, P_CTL, ISTATUS);
    assert_int_equal(sysreg_rd(f, P_CTL), 0);
    assert_int_equal(f->n_logs, 0);
}

/* TVAL writes: CVAL = count + the value sign-extended from 32 bits. */
static void test_tval_write(void **state)
{
    device_fixture *f = *state;
    step(f, 100 * TICK);
    sysreg_wr(f, P_TVAL, 50);
    assert_int_equal(sysreg_rd(f, P_CVAL), 150);
    sysreg_wr(f, P_TVAL, 0xffffffff); /* -1: already met */
    assert_int_equal(sysreg_rd(f, P_CVAL), 99);
    sysreg_wr(f, P_CTL, ENABLE);
    assert_int_equal(f->level[ET_ARM_GT_PHYS], 1);
    sysreg_wr(f, P_TVAL, 0x7fffffff);
    assert_int_equal(sysreg_rd(f, P_CVAL), 100 + 0x7fffffffull);
    assert_int_equal(f->level[ET_ARM_GT_PHYS], 0);
}

/* The virtual timer compares CNTVCT = CNTPCT - CNTVOFF. CNTVOFF 50 at
 * t = 0: CNTVCT reads 50 at 1600 ns; CVAL 100 matches when CNTPCT is
 * 150, at 2400 ns. A CNTVOFF write re-times it: offset 0 makes CNTVCT
 * 150 > 100, met at once. */
static void test_virtual_timer(void **state)
{
    device_fixture *f = *state;
    sysreg_wr(f, CNTVOFF, 50);
    step(f, 1600);
    assert_int_equal(sysreg_rd(f, CNTVCT), 50);
    sysreg_wr(f, V_CVAL, 100);
    sysreg_wr(f, V_CTL, ENABLE);
    assert_int_equal(sysreg_rd(f, V_TVAL), 50);
    step(f, 799);
    assert_int_equal(f->raises[ET_ARM_GT_VIRT], 0);
    step(f, 1);
    assert_int_equal(f->last_raise[ET_ARM_GT_VIRT], 2400);
    assert_int_equal(f->raises[ET_ARM_GT_PHYS], 0);
    sysreg_wr(f, V_CVAL, 200); /* CNTVCT 100: 100 ticks to go */
    assert_int_equal(f->level[ET_ARM_GT_VIRT], 0);
    sysreg_wr(f, CNTVOFF, 0); /* CNTVCT 150 */
    assert_int_equal(f->level[ET_ARM_GT_VIRT], 0);
    sysreg_wr(f, CNTVOFF, (uint64_t)-60); /* CNTVCT 210 >= 200 */
    assert_int_equal(f->level[ET_ARM_GT_VIRT], 1);
}

/* QEMU's December 2023 hang: with CNTVOFF = 2^64 - 100 (CNTVCT = CNTPCT
 * + 100), CVAL + CNTVOFF overflows. CVAL 300 must match once, when
 * CNTPCT reaches 200 (3200 ns), not at once and not repeatedly. */
static void test_virtual_offset_overflow(void **state)
{
    device_fixture *f = *state;
    sysreg_wr(f, CNTVOFF, (uint64_t)-100);
    assert_int_equal(sysreg_rd(f, CNTVCT), 100);
    sysreg_wr(f, V_CVAL, 300);
    sysreg_wr(f, V_CTL, ENABLE);
    assert_int_equal(f->raises[ET_ARM_GT_VIRT], 0);
    step(f, 3199);
    assert_int_equal(f->raises[ET_ARM_GT_VIRT], 0);
    step(f, 1);
    assert_int_equal(f->raises[ET_ARM_GT_VIRT], 1);
    assert_int_equal(f->last_raise[ET_ARM_GT_VIRT], 3200);
    step(f, 1000000);
    assert_int_equal(f->raises[ET_ARM_GT_VIRT], 1);
    /* A CVAL the count reaches only past 2^64 physical ticks: never (no
     * timer armed, nothing pending). */
    sysreg_wr(f, V_CVAL, UINT64_MAX);
    assert_int_equal(f->level[ET_ARM_GT_VIRT], 0);
    assert_int_equal(et_clock_deadline(f->clock), ET_NO_DEADLINE);
    /* The hang itself: CNTVOFF 100 (CNTVCT = CNTPCT - 100) and CVAL
     * 2^64 - 1. QEMU 7.2 arms the physical tick CVAL + CNTVOFF, which
     * wraps to 99, in the past: it fires, finds the condition false and
     * re-arms at 99 again, forever. Here: not met, nothing armed, and
     * time moves on. */
    sysreg_wr(f, CNTVOFF, 100);
    assert_int_equal(f->level[ET_ARM_GT_VIRT], 0);
    assert_int_equal(et_clock_deadline(f->clock), ET_NO_DEADLINE);
    step(f, 1000000);
    assert_int_equal(sysreg_rd(f, V_CTL), ENABLE);
    assert_int_equal(f->raises[ET_ARM_GT_VIRT], 1);
}

/* The hypervisor and secure physical timers: their own registers and
 * lines (2 and 3). */
static void test_hyp_and_secure_timers(void **state)
{
    device_fixture *f = *state;
    sysreg_wr(f, ET_ARM_GT_CNTHP_CVAL, 10);
    sysreg_wr(f, ET_ARM_GT_CNTHP_CTL, ENABLE);
    sysreg_wr(f, ET_ARM_GT_CNTPS_TVAL, 20);
    sysreg_wr(f, ET_ARM_GT_CNTPS_CTL, ENABLE);
    step(f, 10 * TICK);
    assert_int_equal(f->raises[ET_ARM_GT_HYP], 1);
    assert_int_equal(f->raises[ET_ARM_GT_SEC], 0);
    step(f, 10 * TICK);
    assert_int_equal(f->raises[ET_ARM_GT_SEC], 1);
    assert_int_equal(f->last_raise[ET_ARM_GT_SEC], 320);
    assert_int_equal(sysreg_rd(f, ET_ARM_GT_CNTPS_CTL), ENABLE | ISTATUS);
    assert_int_equal(f->raises[ET_ARM_GT_PHYS] + f->raises[ET_ARM_GT_VIRT], 0);
}

/* A System Counter as the source (the memory-mapped counter module): it
 * counts only while enabled, and its changes re-time the timers. At
 * 32 MHz four ticks take 125 ns. */
static void test_system_counter_source(void **state)
{
    device_fixture *f = *state;
    char err[200];
    et_clock_input *clk = et_clock_input_new("cntclk");
    et_clock_input_set_hz(clk, 32000000);
    et_sse_counter_config ccfg = { .clk = clk, .cntfid0 = 32000000 };
    et_device *counter = et_sse_counter_new(f->clock, "cnt", &ccfg, err, sizeof(err));
    assert_non_null(counter);
    /* As CNTControlBase: CNTFID0 the base frequency, then the table's end. */
    assert_int_equal(et_device_read(counter, ET_SSE_CNTFID0, 4), 32000000);
    assert_int_equal(et_device_read(counter, ET_SSE_CNTFID0 + 4, 4), 0);
    et_arm_generic_timer_config cfg = { .counter = counter };
    device_fixture *g = df_new_on(f);
    df_attach(g, et_arm_generic_timer_new(f->clock, "cpu1-gt", &cfg, err, sizeof(err)), err);
    et_device *gt = g->dev;
    et_arm_generic_timer_write(gt, P_CVAL, 8);
    et_arm_generic_timer_write(gt, P_CTL, ENABLE);
    step(f, 1000);
    assert_int_equal(et_arm_generic_timer_read(gt, CNTPCT), 0); /* counter disabled */
    et_device_write(counter, ET_SSE_CNTCR, ET_SSE_CNTCR_EN, 4);
    step(f, 249);
    assert_int_equal(g->raises[ET_ARM_GT_PHYS], 0);
    step(f, 1);
    assert_int_equal(g->raises[ET_ARM_GT_PHYS], 1);
    assert_int_equal(g->last_raise[ET_ARM_GT_PHYS], 1250);
    /* The count written back below CVAL: the condition falls. */
    et_device_write(counter, ET_SSE_CNTCV_LO, 4, 4);
    assert_int_equal(g->level[ET_ARM_GT_PHYS], 0);
    step(f, 125);
    assert_int_equal(g->raises[ET_ARM_GT_PHYS], 2);
    df_free(g);
    et_device_free(counter);
    et_clock_input_free(clk);
}

/* The CNTBaseN-style frame: 64-bit registers whole or in halves; the
 * count registers and CNTFRQ read-only. */
static void test_frame_view(void **state)
{
    device_fixture *f = *state;
    step(f, 0x100000000ull * TICK + 5 * TICK); /* CNTPCT 2^32 + 5 */
    assert_int_equal(et_device_read(f->dev, ET_ARM_GT_FRAME_CNTPCT, 8), 0x100000005ull);
    assert_int_equal(et_device_read(f->dev, ET_ARM_GT_FRAME_CNTPCT, 4), 5);
    assert_int_equal(et_device_read(f->dev, ET_ARM_GT_FRAME_CNTPCT + 4, 4), 1);
    assert_int_equal(et_device_read(f->dev, ET_ARM_GT_FRAME_CNTFRQ, 4), 62500000);
    et_device_write(f->dev, ET_ARM_GT_FRAME_CNTP_CVAL + 4, 2, 4);
    et_device_write(f->dev, ET_ARM_GT_FRAME_CNTP_CVAL, 7, 4);
    assert_int_equal(sysreg_rd(f, P_CVAL), 0x200000007ull);
    et_device_write(f->dev, ET_ARM_GT_FRAME_CNTV_CVAL, 0x100000009ull, 8);
    et_device_write(f->dev, ET_ARM_GT_FRAME_CNTV_CTL, ENABLE, 4);
    step(f, 4 * TICK + 1);
    assert_int_equal(f->raises[ET_ARM_GT_VIRT], 1);
    assert_int_equal(et_device_read(f->dev, ET_ARM_GT_FRAME_CNTV_CTL, 4), ENABLE | ISTATUS);
    assert_int_equal(f->n_logs, 0);
    /* Read-only in the frame, unknown offsets, 8-byte access to a 32-bit one. */
    et_device_write(f->dev, ET_ARM_GT_FRAME_CNTFRQ, 1, 4);
    et_device_write(f->dev, ET_ARM_GT_FRAME_CNTVOFF, 1, 8);
    assert_int_equal(et_device_read(f->dev, 0x040, 4), 0);
    assert_int_equal(et_device_read(f->dev, ET_ARM_GT_FRAME_CNTP_CTL, 8), 0);
    assert_int_equal(f->n_logs, 4);
    assert_int_equal(sysreg_rd(f, ET_ARM_GT_CNTFRQ), 62500000);
    assert_int_equal(sysreg_rd(f, CNTVOFF), 0);
}

static void test_bad_register_accesses(void **state)
{
    device_fixture *f = *state;
    sysreg_wr(f, CNTPCT, 5);
    sysreg_wr(f, CNTVCT, 5);
    sysreg_wr(f, (et_arm_gt_reg)99, 1);
    assert_int_equal(sysreg_rd(f, (et_arm_gt_reg)99), 0);
    sysreg_wr(f, P_CTL, 0xf0 | ENABLE);
    assert_int_equal(f->n_logs, 5);
    assert_int_equal(sysreg_rd(f, P_CTL) & ~ISTATUS, ENABLE);
}

/* Snapshots keep the count exactly: saved at 1 ms with the virtual timer
 * armed, restored into a timer made at another time (its free-running
 * counter would read differently), the count, CNTVOFF and the pending
 * match continue as if nothing happened. */
static void test_snapshot_keeps_the_count(void **state)
{
    device_fixture *f = *state;
    char err[200];
    sysreg_wr(f, CNTVOFF, 1000);
    step(f, 1000000); /* CNTPCT 62500, CNTVCT 61500 */
    sysreg_wr(f, V_TVAL, 500);
    sysreg_wr(f, V_CTL, ENABLE);
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(et_snapshot_save(f->clock, &f->dev, 1, "gt", &buf, &len, err,
                                      sizeof(err)), 0);

    device_fixture *b = df_new();
    at(b, 777777777);
    et_arm_generic_timer_config cfg = { .freq_hz = 62500000 };
    df_attach(b, et_arm_generic_timer_new(b->clock, "cpu0-gt", &cfg, err, sizeof(err)), err);
    assert_int_equal(et_snapshot_load(b->clock, &b->dev, 1, "gt", buf, len, err, sizeof(err)), 0);
    assert_int_equal(et_clock_now(b->clock), 1000000);
    assert_int_equal(et_arm_generic_timer_read(b->dev, CNTPCT), 62500);
    assert_int_equal(et_arm_generic_timer_read(b->dev, CNTVCT), 61500);
    assert_int_equal(et_arm_generic_timer_read(b->dev, ET_ARM_GT_CNTFRQ), 62500000);
    et_clock_step(b->clock, 500 * TICK - 1);
    assert_int_equal(b->raises[ET_ARM_GT_VIRT], 0);
    et_clock_step(b->clock, 1);
    assert_int_equal(b->raises[ET_ARM_GT_VIRT], 1);
    assert_int_equal(b->last_raise[ET_ARM_GT_VIRT], 1000000 + 500 * TICK);
    df_free(b);
    free(buf);
}

static void test_reset(void **state)
{
    device_fixture *f = *state;
    sysreg_wr(f, ET_ARM_GT_CNTFRQ, 5);
    sysreg_wr(f, CNTVOFF, 5);
    sysreg_wr(f, P_CTL, ENABLE);
    assert_int_equal(f->level[ET_ARM_GT_PHYS], 1);
    et_device_reset(f->dev);
    assert_int_equal(f->level[ET_ARM_GT_PHYS], 0);
    assert_int_equal(sysreg_rd(f, ET_ARM_GT_CNTFRQ), 62500000);
    assert_int_equal(sysreg_rd(f, CNTVOFF), 0);
    assert_int_equal(sysreg_rd(f, P_CTL), 0);
}

static void test_bad_configuration(void **state)
{
    device_fixture *f = *state;
    char err[200] = "";
    et_arm_generic_timer_config cfg = { .freq_hz = 0 };
    assert_null(et_arm_generic_timer_new(f->clock, "g", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "freq_hz"));
    cfg.counter = f->dev; /* not a System Counter */
    assert_null(et_arm_generic_timer_new(f->clock, "g", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "System Counter"));
    assert_null(et_arm_generic_timer_new(f->clock, "g", NULL, err, sizeof(err)));
    assert_null(et_arm_generic_timer_new(NULL, "g", &cfg, err, sizeof(err)));
}

static void test_saved_state_declared(void **state)
{
    device_fixture *f = *state;
    const et_vmstate *vm = f->dev->ops->state;
    assert_string_equal(vm->name, "arm-generic-timer");
    const char *want[] = { "cntfrq", "cntvoff", "t.ctl", "t.cval", "t.timer", "t.irq",
                           "tb.enabled", "tb.cnt_then", "tb.frac_then", "tb.ns_then",
                           "tb.scale", "tb.period" };
    size_t n = 0;
    for (const et_field *fl = vm->fields; fl->name; fl++, n++) {
        assert_true(n < 12);
        assert_string_equal(fl->name, want[n]);
    }
    assert_int_equal(n, 12);
}

/* The shared-suite adapter: never a violation, and the line really rises
 * and falls (about 20000 * 48 ns / 10 us matches). */
static void test_adapter_on_manual_clock(void **state)
{
    (void)state;
    assert_true(et_test_adapter_drive("arm-generic-timer", 99, 20000, NULL) > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reset_and_counter, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_physical_timer, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_tval_write, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_virtual_timer, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_virtual_offset_overflow, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_hyp_and_secure_timers, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_system_counter_source, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_frame_view, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_bad_register_accesses, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_keeps_the_count, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_bad_configuration, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_saved_state_declared, setup, df_teardown),
        cmocka_unit_test(test_adapter_on_manual_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
