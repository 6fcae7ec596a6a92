/* ARMv7-M SysTick (ARM DDI 0403, B3.3): registers, counting, COUNTFLAG,
 * the exception request, the two clocks, SYST_CALIB, bad accesses, reset,
 * and the timer on mps2-an385 through the NVIC view's ICSR.
 *
 * Timing notation: the processor clock at 25 MHz gives a tick T = 40 ns;
 * the reference clock at 1 MHz, R = 1000 ns. B3.3.1: an enabled counter
 * at 0 loads SYST_RVR on the next tick, then decrements once per tick; the
 * step from 1 to 0 sets COUNTFLAG and, with TICKINT, pends SysTick. So
 * enabling with CVR = 0 and RVR = L at t0 reads L from t0 + T, L - k from
 * t0 + (k+1)T, and steps to 0 at t0 + (L+1)T; then every (L+1)T. */
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
#include "emutime/devices/armv7m_systick.h"
#include "emutime/emutime.h"
#include "emutime/machine.h"

#define T 40   /* ns per processor-clock tick at 25 MHz */
#define R 1000 /* ns per reference-clock tick at 1 MHz */

#define CSR ET_SYSTICK_CSR
#define RVR ET_SYSTICK_RVR
#define CVR ET_SYSTICK_CVR
#define CALIB ET_SYSTICK_CALIB
#define ENABLE ET_SYSTICK_CSR_ENABLE
#define TICKINT ET_SYSTICK_CSR_TICKINT
#define CLKSOURCE ET_SYSTICK_CSR_CLKSOURCE
#define COUNTFLAG ET_SYSTICK_CSR_COUNTFLAG

static device_fixture *make(bool with_refclk)
{
    device_fixture *f = df_new();
    et_armv7m_systick_config cfg = { .cpuclk = df_clock_input(f, "cpuclk", 25000000) };
    if (with_refclk) {
        cfg.refclk = df_clock_input(f, "refclk", 1000000);
    }
    char err[128];
    df_attach(f, et_armv7m_systick_new(f->clock, "systick", &cfg, err, sizeof(err)), err);
    return f;
}

static int setup(void **state)
{
    *state = make(true);
    return 0;
}

static int setup_noref(void **state)
{
    *state = make(false);
    return 0;
}


/* --- tests --------------------------------------------------------------- */

/* Reset (B3.3.2-B3.3.5, QEMU's reset): CSR 0 (CLKSOURCE 0 selects the
 * reference clock), RVR 0, CVR 0. CALIB for 1 MHz: 10 ms is 10000 ticks,
 * so TENMS = 9999 = 0x270F, exact, no SKEW, and NOREF clear. */
static void test_reset_values(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(rd(f, CSR), 0);
    assert_int_equal(rd(f, RVR), 0);
    assert_int_equal(rd(f, CVR), 0);
    assert_int_equal(rd(f, CALIB), 0x270F);
    assert_int_equal(et_device_irq_count(f->dev), 1);
    assert_string_equal(et_device_irq(f->dev, 0)->name, "systick");
    assert_int_equal(et_device_guest_error_count(f->dev), 0);
}

/* Without a reference clock CLKSOURCE is RAO/WI and CALIB reads NOREF. */
static void test_no_reference_clock(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(rd(f, CSR), CLKSOURCE);
    assert_int_equal(rd(f, CALIB), ET_SYSTICK_CALIB_NOREF);
    wr(f, CSR, ENABLE); /* CLKSOURCE written 0: still 1 */
    assert_int_equal(rd(f, CSR), ENABLE | CLKSOURCE);
    wr(f, RVR, 9);
    step(f, 10 * T); /* the processor clock: 0 after (9+1) ticks */
    assert_int_equal(rd(f, CSR), ENABLE | CLKSOURCE | COUNTFLAG);
}

/* SKEW: at 32768 Hz one tick is 10^9 / 2^15 = 30517.578125 ns exactly
 * (period 10^9 * 2^17 in 2^-32 ns units); 10 ms holds floor(327.68) = 327
 * ticks, so TENMS = 326 = 0x146, and 327 ticks are 9979248 ns, not 10 ms:
 * SKEW. A clock's period is kept in 2^-32 ns rounded down (as QEMU's):
 * 4 MHz is exactly 250 ns, so 40000 ticks, no skew; 3 MHz is 333.33... ns
 * rounded down, so 30000 ticks fall short of 10 ms by a fraction of a ns,
 * and QEMU's computation reports SKEW with TENMS 29999 = 0x752F. */
static void test_calib_skew(void **state)
{
    device_fixture *f = *state;
    et_clock_input_set_hz(df_input(f, "refclk"), 32768);
    assert_int_equal(rd(f, CALIB), ET_SYSTICK_CALIB_SKEW | 0x146);
    et_clock_input_set_hz(df_input(f, "refclk"), 4000000);
    assert_int_equal(rd(f, CALIB), 39999);
    et_clock_input_set_hz(df_input(f, "refclk"), 3000000);
    assert_int_equal(rd(f, CALIB), ET_SYSTICK_CALIB_SKEW | 29999);
}

/* The worked example of the header comment: RVR 99 on the processor clock,
 * enabled at 0: CVR 99 after one tick, 0 after 100 ticks (4000 ns) with
 * COUNTFLAG and the pulse, and every 100 ticks after that (RVR + 1). */
static void test_counting_and_period(void **state)
{
    device_fixture *f = *state;
    wr(f, RVR, 99);
    wr(f, CSR, ENABLE | TICKINT | CLKSOURCE);
    assert_int_equal(rd(f, CVR), 0);
    step(f, T + 1);
    assert_int_equal(rd(f, CVR), 99);
    step(f, 50 * T);
    assert_int_equal(rd(f, CVR), 49);
    step(f, 49 * T - 2); /* 1 ns before 4000 */
    assert_int_equal(rd(f, CVR), 1);
    assert_int_equal(rd(f, CSR), ENABLE | TICKINT | CLKSOURCE);
    assert_int_equal(f->raises[0], 0);
    step(f, 1);
    assert_int_equal(f->raises[0], 1);
    assert_int_equal(df_raise_time(f, 0, 0), 4000);
    assert_int_equal(f->calls[0], 2); /* a pulse: raised and lowered */
    assert_int_equal(rd(f, CVR), 0); /* held for one tick */
    step(f, T + 1);
    assert_int_equal(rd(f, CVR), 99);
    step(f, 8000 - 4041);
    assert_int_equal(f->raises[0], 2);
    assert_int_equal(df_raise_time(f, 0, 1), 8000);
}

/* COUNTFLAG: set by the 1 -> 0 step, cleared by a read of CSR, and by any
 * write to CVR, which also clears CURRENT. */
static void test_countflag_clearing(void **state)
{
    device_fixture *f = *state;
    wr(f, RVR, 9);
    wr(f, CSR, ENABLE | CLKSOURCE);
    step(f, 10 * T);
    assert_int_equal(rd(f, CSR), ENABLE | CLKSOURCE | COUNTFLAG);
    assert_int_equal(rd(f, CSR), ENABLE | CLKSOURCE); /* the read cleared it */
    step(f, 10 * T); /* the second 1 -> 0 at 20T */
    step(f, 3 * T + 1); /* reloaded at 21T: 9 - 2 = 7 */
    assert_int_equal(rd(f, CVR), 7);
    wr(f, CVR, 0x1234);
    assert_int_equal(rd(f, CVR), 0);
    assert_int_equal(rd(f, CSR), ENABLE | CLKSOURCE);
    /* From 0 it reloads on the next tick without an event, then counts:
     * 0 again 10 ticks after the write. */
    step(f, T);
    assert_int_equal(rd(f, CVR), 9);
    step(f, 9 * T - 1);
    assert_int_equal(rd(f, CSR), ENABLE | CLKSOURCE);
    step(f, 1);
    assert_int_equal(rd(f, CSR), ENABLE | CLKSOURCE | COUNTFLAG);
    /* CSR writes leave COUNTFLAG alone (it is read-only). */
    step(f, 10 * T);
    wr(f, CSR, ENABLE | CLKSOURCE | COUNTFLAG);
    assert_int_equal(rd(f, CSR), ENABLE | CLKSOURCE | COUNTFLAG);
    assert_int_equal(f->n_logs, 0);
}

/* TICKINT clear: COUNTFLAG still set, no exception request. */
static void test_tickint_gates_request(void **state)
{
    device_fixture *f = *state;
    wr(f, RVR, 4);
    wr(f, CSR, ENABLE | CLKSOURCE);
    step(f, 5 * T);
    assert_int_equal(rd(f, CSR) & COUNTFLAG, COUNTFLAG);
    assert_int_equal(f->calls[0], 0);
    wr(f, CSR, ENABLE | CLKSOURCE | TICKINT);
    step(f, 5 * T);
    assert_int_equal(f->raises[0], 1);
}

/* ENABLE 0 freezes CURRENT; 1 continues from it. */
static void test_enable_freezes(void **state)
{
    device_fixture *f = *state;
    wr(f, RVR, 99);
    wr(f, CSR, ENABLE | CLKSOURCE);
    step(f, 31 * T + 1);
    assert_int_equal(rd(f, CVR), 69);
    wr(f, CSR, CLKSOURCE);
    step(f, 1000 * T);
    assert_int_equal(rd(f, CVR), 69);
    wr(f, CSR, ENABLE | CLKSOURCE); /* 69 ticks to 0 */
    step(f, 69 * T - 1);
    assert_int_equal(rd(f, CSR) & COUNTFLAG, 0);
    step(f, 1);
    assert_int_equal(rd(f, CSR) & COUNTFLAG, COUNTFLAG);
}

/* RVR writes do not change CURRENT; the next reload uses the new value. */
static void test_rvr_write_takes_effect_at_reload(void **state)
{
    device_fixture *f = *state;
    wr(f, RVR, 99);
    wr(f, CSR, ENABLE | TICKINT | CLKSOURCE);
    step(f, 11 * T + 1);
    assert_int_equal(rd(f, CVR), 89);
    wr(f, RVR, 9);
    assert_int_equal(rd(f, CVR), 89);
    assert_int_equal(rd(f, RVR), 9);
    step(f, 89 * T - 1); /* 0 at 100T, as before the write */
    assert_int_equal(f->raises[0], 1);
    assert_int_equal(df_raise_time(f, 0, 0), 100 * T);
    step(f, 10 * T); /* then every 10 ticks */
    assert_int_equal(f->raises[0], 2);
    assert_int_equal(df_raise_time(f, 0, 1), 110 * T);
    /* Bits 31:24 are reserved: logged, dropped. */
    wr(f, RVR, 0xFF000010);
    assert_int_equal(rd(f, RVR), 0x10);
    assert_int_equal(f->n_logs, 1);
}

/* RVR = 0 "disables the counter on the next wrap": after the 1 -> 0 step
 * it stays at 0 with no further event. A non-zero RVR resumes it, as the
 * counter at 0 reloads on the next tick (docs/divergences.md: QEMU stays
 * stopped until ENABLE is rewritten). */
static void test_rvr_zero_stops_and_rvr_resumes(void **state)
{
    device_fixture *f = *state;
    wr(f, RVR, 9);
    wr(f, CSR, ENABLE | TICKINT | CLKSOURCE);
    step(f, 5 * T);
    wr(f, RVR, 0);
    step(f, 5 * T); /* 1 -> 0 at 10T: the last event */
    assert_int_equal(f->raises[0], 1);
    step(f, 1000 * T);
    assert_int_equal(f->raises[0], 1);
    assert_int_equal(rd(f, CVR), 0);
    assert_int_equal(rd(f, CSR), ENABLE | TICKINT | CLKSOURCE | COUNTFLAG);
    wr(f, RVR, 4); /* at 1010T: 4 loaded at 1011T, 0 at 1015T */
    step(f, T + 1);
    assert_int_equal(rd(f, CVR), 4);
    step(f, 4 * T - 1);
    assert_int_equal(f->raises[0], 2);
    assert_int_equal(df_raise_time(f, 0, 1), 1015 * T);
    /* Enabling with RVR = 0 and CVR = 0: nothing to count, no event. */
    wr(f, CSR, CLKSOURCE);
    wr(f, RVR, 0);
    wr(f, CVR, 0);
    wr(f, CSR, ENABLE | TICKINT | CLKSOURCE);
    step(f, 1000 * T);
    assert_int_equal(f->raises[0], 2);
    assert_int_equal(rd(f, CSR) & COUNTFLAG, 0);
}

/* An RVR write while CURRENT holds 0 (the tick after the 1 -> 0 step) is
 * what the next tick loads (B3.3.1: the counter at 0 loads SYST_RVR); the
 * model restarts that tick at the write (docs/divergences.md: QEMU loads
 * the old value). RVR 9 from 0: 1 -> 0 at 10T; RVR 4 written at 10T + 1:
 * 4 loaded at 11T + 1, 0 at 15T + 1. Then RVR 0 written in the next hold
 * tick: the counter stays at 0 with no further event. */
static void test_rvr_write_in_zero_tick(void **state)
{
    device_fixture *f = *state;
    wr(f, RVR, 9);
    wr(f, CSR, ENABLE | TICKINT | CLKSOURCE);
    step(f, 10 * T + 1);
    assert_int_equal(f->raises[0], 1);
    assert_int_equal(rd(f, CVR), 0);
    wr(f, RVR, 4);
    step(f, T + 1);
    assert_int_equal(rd(f, CVR), 4);
    step(f, 4 * T - 2);
    assert_int_equal(f->raises[0], 1);
    step(f, 1);
    assert_int_equal(f->raises[0], 2);
    assert_int_equal(df_raise_time(f, 0, 1), 15 * T + 1);
    step(f, 1);
    wr(f, RVR, 0);
    step(f, 100 * T);
    assert_int_equal(f->raises[0], 2);
    assert_int_equal(rd(f, CVR), 0);
}

/* CLKSOURCE 0 counts the reference clock: 1 us ticks. */
static void test_reference_clock(void **state)
{
    device_fixture *f = *state;
    wr(f, RVR, 9);
    wr(f, CSR, ENABLE | TICKINT);
    step(f, 10 * R - 1);
    assert_int_equal(f->raises[0], 0);
    step(f, 1);
    assert_int_equal(f->raises[0], 1);
    assert_int_equal(df_raise_time(f, 0, 0), 10 * R);
    /* Switching to the processor clock mid-count keeps CURRENT. */
    step(f, 3 * R + 1); /* reload at 11R, 7 at 13R */
    assert_int_equal(rd(f, CVR), 7);
    wr(f, CSR, ENABLE | TICKINT | CLKSOURCE); /* at 13001 ns */
    assert_int_equal(rd(f, CVR), 7);
    step(f, 7 * T);
    assert_int_equal(f->raises[0], 2);
    assert_int_equal(df_raise_time(f, 0, 1), 13001 + 7 * T);
}

/* A rate change of the selected clock re-times the count from where it
 * is; a change of the other clock does nothing. */
static void test_clock_changes(void **state)
{
    device_fixture *f = *state;
    wr(f, RVR, 999);
    wr(f, CSR, ENABLE | CLKSOURCE);
    step(f, 501 * T + 1);
    assert_int_equal(rd(f, CVR), 499);
    et_clock_input_set_hz(df_input(f, "refclk"), 10); /* not selected */
    step(f, 100 * T);
    assert_int_equal(rd(f, CVR), 399);
    et_clock_input_set_hz(df_input(f, "cpuclk"), 12500000); /* 80 ns ticks, at 24041 ns */
    assert_int_equal(rd(f, CVR), 399);
    step(f, 399 * 80 - 1);
    assert_int_equal(rd(f, CSR) & COUNTFLAG, 0);
    step(f, 1);
    assert_int_equal(rd(f, CSR) & COUNTFLAG, COUNTFLAG);
    /* A stopped clock stops the count; it resumes when the clock runs. */
    step(f, 80 + 10 * 80 + 1); /* reloaded, then 10 ticks: 989 */
    assert_int_equal(rd(f, CVR), 989);
    et_clock_input_set_period(df_input(f, "cpuclk"), 0);
    step(f, 100000);
    assert_int_equal(rd(f, CVR), 989);
    et_clock_input_set_hz(df_input(f, "cpuclk"), 25000000);
    step(f, 9 * T + 1);
    assert_int_equal(rd(f, CVR), 980);
}

static void test_bad_accesses(void **state)
{
    device_fixture *f = *state;
    wr(f, RVR, 0x123456);
    /* Byte and halfword accesses are refused (QEMU: 4-byte only). */
    assert_int_equal(et_device_read(f->dev, RVR, 1), 0);
    assert_int_equal(et_device_read(f->dev, RVR, 2), 0);
    et_device_write(f->dev, RVR, 1, 1);
    assert_int_equal(rd(f, RVR), 0x123456);
    assert_int_equal(f->n_logs, 3);
    /* Unknown offsets inside the window; the read-only CALIB. */
    assert_int_equal(rd(f, 0x10), 0);
    wr(f, 0xDC, 1);
    wr(f, CALIB, 0);
    assert_int_equal(rd(f, CALIB), 0x270F);
    /* Reserved CSR bits. */
    wr(f, CSR, 0x100 | TICKINT);
    assert_int_equal(rd(f, CSR), TICKINT);
    assert_int_equal(f->n_logs, 7);
    /* Outside the 0xE0-byte window. */
    assert_int_equal(et_device_read(f->dev, 0xE0, 4), 0);
}

static void test_reset(void **state)
{
    device_fixture *f = *state;
    wr(f, RVR, 9);
    wr(f, CSR, ENABLE | TICKINT | CLKSOURCE);
    step(f, 15 * T);
    et_device_reset(f->dev);
    assert_int_equal(rd(f, CSR), 0);
    assert_int_equal(rd(f, RVR), 0);
    assert_int_equal(rd(f, CVR), 0);
    step(f, 1000 * T);
    assert_int_equal(f->raises[0], 1);
}

static unsigned n_expire_traces;

static void count_trace(void *opaque, const char *device, const char *event, const char *detail)
{
    (void)opaque;
    (void)detail;
    if (strcmp(event, "expire") == 0 && strcmp(device, "systick") == 0) {
        n_expire_traces++;
    }
}

static void test_expire_is_traced(void **state)
{
    device_fixture *f = *state;
    n_expire_traces = 0;
    et_set_trace_sink(count_trace, NULL);
    wr(f, RVR, 4);
    wr(f, CSR, ENABLE | CLKSOURCE);
    step(f, 15 * T); /* 0 at 5T, 10T, 15T */
    et_set_trace_sink(NULL, NULL);
    assert_int_equal(n_expire_traces, 3);
}

static void test_bad_configuration(void **state)
{
    (void)state;
    char err[160] = "";
    et_clock *clock = et_clock_new_manual();
    et_armv7m_systick_config cfg = { .cpuclk = NULL };
    assert_null(et_armv7m_systick_new(clock, "s", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "cpuclk"));
    assert_null(et_armv7m_systick_new(clock, "s", NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "configuration"));
    et_clock_input *clk = et_clock_input_new("c");
    cfg.cpuclk = clk;
    cfg.refclk = clk;
    cfg.refclk_hz = 1000000;
    assert_null(et_armv7m_systick_new(clock, "s", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "not both"));
    cfg.refclk = NULL;
    assert_null(et_armv7m_systick_new(NULL, "s", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "clock"));
    et_clock_input_free(clk);
    et_clock_free(clock);
}

static void test_saved_state_declared(void **state)
{
    device_fixture *f = *state;
    const et_vmstate *vm = f->dev->ops->state;
    assert_non_null(vm);
    assert_string_equal(vm->name, "armv7m-systick");
    const char *want[] = { "control", "pt", "irq" };
    const et_field_type types[] = { ET_FT_U32, ET_FT_PTIMER, ET_FT_IRQ };
    size_t n = 0;
    for (const et_field *fl = vm->fields; fl->name; fl++, n++) {
        assert_true(n < 3);
        assert_string_equal(fl->name, want[n]);
        assert_int_equal(fl->type, types[n]);
    }
    assert_int_equal(n, 3);
}

/* On mps2-an385: the SysTick at 0xe000e010 inside the NVIC's SCS window
 * pends exception 15: ICSR (0xe000ed04) shows PENDSTSET (bit 26) and
 * VECTPENDING 15 (bits 20:12: 0xf000), ISRPENDING (bit 22) stays clear
 * (no external interrupt) and RETTOBASE (bit 11) is set: 0x0400f800.
 * PENDSTCLR (bit 25) clears it. The NVIC's own registers around the
 * SysTick window still answer (ICTR at 0x004: 32 inputs, 0; CPUID). */
static void test_on_mps2_an385(void **state)
{
    (void)state;
    char err[256];
    et_machine *m = et_machine_new("mps2-an385", err, sizeof(err));
    assert_non_null(m);
    const uint64_t icsr = 0xe000ed04;
    assert_int_equal(et_machine_read(m, icsr, 4), 0x800);
    assert_int_equal(et_machine_read(m, 0xe000e004, 4), 0);
    assert_int_equal(et_machine_read(m, 0xe000ed00, 4), 0x410fc231);
    assert_int_equal(et_machine_read(m, 0xe000e01c, 4), 0x270F); /* CALIB at 1 MHz */
    /* RVR 24, CLKSOURCE | TICKINT | ENABLE on the 25 MHz SYSCLK: the
     * request after 25 ticks, 1000 ns. */
    et_machine_write(m, 0xe000e014, 24, 4);
    et_machine_write(m, 0xe000e010, 7, 4);
    et_clock_step(et_machine_clock(m), 999);
    assert_int_equal(et_machine_read(m, icsr, 4), 0x800);
    et_clock_step(et_machine_clock(m), 1);
    assert_int_equal(et_machine_read(m, icsr, 4), 0x0400f800);
    assert_int_equal(et_machine_read(m, 0xe000e010, 4), 0x10007);
    et_machine_write(m, icsr, 1u << 25, 4);
    assert_int_equal(et_machine_read(m, icsr, 4), 0x800);
    /* An external interrupt pending and enabled (ISPR0/ISER0 bit 3) shows
     * with ISRPENDING; SysTick (15) comes before it (19) in VECTPENDING. */
    et_machine_write(m, 0xe000e100, 1u << 3, 4);
    et_machine_write(m, 0xe000e200, 1u << 3, 4);
    assert_int_equal(et_machine_read(m, icsr, 4), 0x00413800);
    et_clock_step(et_machine_clock(m), 1000);
    assert_int_equal(et_machine_read(m, icsr, 4), 0x0440f800);
    /* PendSV (14) before SysTick. */
    et_machine_write(m, icsr, 1u << 28, 4);
    assert_int_equal(et_machine_read(m, icsr, 4), 0x1440e800);
    /* A system reset stops it and clears the pend bits. */
    et_machine_reset(m);
    assert_int_equal(et_machine_read(m, icsr, 4), 0x800);
    assert_int_equal(et_machine_read(m, 0xe000e010, 4), 0);
    et_machine_free(m);
}

/* The shared-suite adapter on a manual clock: never a violation, and the
 * exception really is requested on the way (20000 * 48 ns / 10 us, about
 * 96 periods, each a pulse of two sink calls). */
static void test_adapter_on_manual_clock(void **state)
{
    (void)state;
    assert_true(et_test_adapter_drive("armv7m-systick", 777, 20000, NULL) > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reset_values, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_no_reference_clock, setup_noref, df_teardown),
        cmocka_unit_test_setup_teardown(test_calib_skew, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_counting_and_period, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_countflag_clearing, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_tickint_gates_request, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_enable_freezes, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_rvr_write_takes_effect_at_reload, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_rvr_zero_stops_and_rvr_resumes, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_rvr_write_in_zero_tick, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_reference_clock, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_clock_changes, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_bad_accesses, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_expire_is_traced, setup, df_teardown),
        cmocka_unit_test(test_bad_configuration),
        cmocka_unit_test_setup_teardown(test_saved_state_declared, setup, df_teardown),
        cmocka_unit_test(test_on_mps2_an385),
        cmocka_unit_test(test_adapter_on_manual_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
