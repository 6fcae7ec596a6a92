/* Arm SSE System Counter and System Timer (SSE-123 TRM, ARM 101370;
 * SSE-300 TRM): the counter's frames, counting with the scale and its
 * fraction, CNTCV writes, run-time clock changes; the timer's compare,
 * TVAL, IMASK/ISTATUS, the exact nanosecond of a match, auto-increment,
 * its reaction to counter changes; bad accesses, reset, configuration
 * errors, the saved state and the shared-suite adapter.
 *
 * Timing: the counter clock at 32 MHz is 31.25 ns per tick (exactly
 * 125 ns per 4 ticks); with CNTSCR = S the count advances S / 2^24 per
 * tick, so 0x00100000 is 1/16. */
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
#include "emutime/devices/sse_counter.h"
#include "emutime/devices/sse_timer.h"
#include "emutime/emutime.h"

#define TICKS(n) ((int64_t)(n) * 125 / 4) /* ns for n ticks, n a multiple of 4 */

#define CNTCR ET_SSE_CNTCR
#define CNTCV_LO ET_SSE_CNTCV_LO
#define CNTCV_HI ET_SSE_CNTCV_HI
#define CNTSCR ET_SSE_CNTSCR
#define EN ET_SSE_CNTCR_EN
#define SCEN ET_SSE_CNTCR_SCEN
#define SIXTEENTH 0x00100000u

#define CNTPCT_LO ET_SSE_TIMER_CNTPCT_LO
#define CNTPCT_HI ET_SSE_TIMER_CNTPCT_HI
#define CVAL_LO ET_SSE_TIMER_CNTP_CVAL_LO
#define CVAL_HI ET_SSE_TIMER_CNTP_CVAL_HI
#define TVAL ET_SSE_TIMER_CNTP_TVAL
#define CTL ET_SSE_TIMER_CNTP_CTL
#define AIVAL_LO ET_SSE_TIMER_CNTP_AIVAL_LO
#define AIVAL_HI ET_SSE_TIMER_CNTP_AIVAL_HI
#define RELOAD ET_SSE_TIMER_CNTP_AIVAL_RELOAD
#define AICTL ET_SSE_TIMER_CNTP_AIVAL_CTL
#define ENABLE ET_SSE_TIMER_CTL_ENABLE
#define IMASK ET_SSE_TIMER_CTL_IMASK
#define ISTATUS ET_SSE_TIMER_CTL_ISTATUS

/* The fixture's device is the timer; the System Counter it follows and
 * the counter's status frame stand beside it. */
static struct {
    et_device *counter;
    et_device *status;
} S;

static int setup(void **state)
{
    device_fixture *f = df_new();
    char err[200];
    et_sse_counter_config ccfg = { .clk = df_clock_input(f, "mainclk", 32000000) };
    S.counter = et_sse_counter_new(f->clock, "sysctr", &ccfg, err, sizeof(err));
    assert_non_null(S.counter);
    S.status = et_sse_counter_status_new(f->clock, "sysctr-status", S.counter, err,
                                         sizeof(err));
    assert_non_null(S.status);
    et_sse_timer_config tcfg = { .counter = S.counter };
    df_attach(f, et_sse_timer_new(f->clock, "timer0", &tcfg, err, sizeof(err)), err);
    *state = f;
    return 0;
}

/* The timer first, then what it follows, then the fixture. */
static int teardown(void **state)
{
    device_fixture *f = *state;
    et_device_free(f->dev);
    f->dev = NULL;
    et_device_free(S.status);
    et_device_free(S.counter);
    memset(&S, 0, sizeof(S));
    return df_teardown(state);
}

static uint32_t crd(uint64_t off)
{
    return (uint32_t)et_device_read(S.counter, off, 4);
}

static void cwr(uint64_t off, uint32_t v)
{
    et_device_write(S.counter, off, v, 4);
}

/* --- the counter ------------------------------------------------------------ */

/* Reset: disabled, count 0, CNTSCR 1.0 (0x01000000); CNTID 0x00020001
 * (CNTSC: scaling implemented; CNTSELCLK 1: CLK0); IDs: control frame
 * part 0xBA, status frame 0xBB. */
static void test_counter_reset_values(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(crd(CNTCR), 0);
    assert_int_equal(crd(ET_SSE_CNTSR), 0);
    assert_int_equal(crd(CNTCV_LO), 0);
    assert_int_equal(crd(CNTCV_HI), 0);
    assert_int_equal(crd(CNTSCR), 0x01000000);
    assert_int_equal(crd(ET_SSE_CNTSCR0), 0x01000000);
    assert_int_equal(crd(ET_SSE_CNTSCR1), 0);
    assert_int_equal(crd(ET_SSE_CNTID), 0x00020001);
    static const uint8_t ctl_ids[12] = { 0x04, 0, 0, 0, 0xba, 0xb0, 0x0b, 0, 0x0d, 0xf0, 0x05, 0xb1 };
    for (unsigned i = 0; i < 12; i++) {
        assert_int_equal(crd(0xfd0 + 4 * i), ctl_ids[i]);
        uint8_t st = i == 4 ? 0xbb : ctl_ids[i];
        assert_int_equal(et_device_read(S.status, 0xfd0 + 4 * i, 4), st);
    }
    assert_int_equal(et_device_irq_count(S.counter), 0);
    assert_int_equal(f->n_logs, 0);
}

/* Disabled it does not move; enabled, one count per tick; the status
 * frame reads the same count. */
static void test_counter_counts(void **state)
{
    device_fixture *f = *state;
    step(f, TICKS(100));
    assert_int_equal(crd(CNTCV_LO), 0);
    cwr(CNTCR, EN);
    step(f, TICKS(100));
    assert_int_equal(crd(CNTCV_LO), 100);
    assert_int_equal(et_device_read(S.status, ET_SSE_STATUS_CNTCV_LO, 4), 100);
    assert_int_equal(et_sse_counter_value(S.counter), 100);
    /* A tick is 31.25 ns: 1 ns before the 101st tick ends it still reads
     * 100; at 3156.25 ns (rounded up: 3157) it reads 101. */
    step(f, 31);
    assert_int_equal(crd(CNTCV_LO), 100);
    step(f, 1);
    assert_int_equal(crd(CNTCV_LO), 101);
    cwr(CNTCR, 0);
    step(f, TICKS(1000));
    assert_int_equal(crd(CNTCV_LO), 101);
}

/* QEMU's /sse-timer/counter numbers: 100 ticks at 1.0, then 160 ticks at
 * 1/16 add 10. The 24-bit fraction is carried: 8 ticks at 1/16 are half
 * a count; a disable and enable keep that half, so 8 more make a whole
 * one (docs/divergences.md: QEMU drops the fraction at each anchor). */
static void test_counter_scale_and_fraction(void **state)
{
    device_fixture *f = *state;
    cwr(CNTCR, EN);
    step(f, TICKS(100));
    cwr(CNTCR, 0);
    cwr(CNTSCR, SIXTEENTH);
    cwr(CNTCR, EN | SCEN);
    step(f, TICKS(160));
    assert_int_equal(crd(CNTCV_LO), 110);
    step(f, TICKS(8));
    assert_int_equal(crd(CNTCV_LO), 110);
    cwr(CNTCR, 0);
    cwr(CNTCR, EN | SCEN);
    step(f, TICKS(8));
    assert_int_equal(crd(CNTCV_LO), 111);
    /* CNTSCR written while counting: the count goes on from where it is
     * at the new rate (QEMU re-scales the time since the last anchor).
     * 16 ticks at 1/16 = 1, then 2.0 per tick: 4 ticks add 8. */
    step(f, TICKS(16));
    assert_int_equal(crd(CNTCV_LO), 112);
    cwr(CNTSCR, 0x02000000);
    step(f, TICKS(4));
    assert_int_equal(crd(CNTCV_LO), 120);
    /* SCEN off: back to one per tick, whatever CNTSCR holds. */
    cwr(CNTCR, EN);
    step(f, TICKS(4));
    assert_int_equal(crd(CNTCV_LO), 124);
}

/* CNTCV writes set one half of the count (and clear the fraction), while
 * it counts too. */
static void test_counter_cntcv_writes(void **state)
{
    device_fixture *f = *state;
    cwr(CNTCR, EN);
    step(f, TICKS(40));
    cwr(CNTCV_HI, 0x42);
    assert_int_equal(crd(CNTCV_HI), 0x42);
    assert_int_equal(crd(CNTCV_LO), 40);
    cwr(CNTCV_LO, 0xfffffffc);
    step(f, TICKS(8)); /* the low half carries into the high one */
    assert_int_equal(crd(CNTCV_LO), 4);
    assert_int_equal(crd(CNTCV_HI), 0x43);
}

/* The clock's rate changes at run time: the count so far is kept and
 * continues at the new rate (16 MHz: 62.5 ns per tick). A stopped clock
 * stops the count. */
static void test_counter_clock_change(void **state)
{
    device_fixture *f = *state;
    cwr(CNTCR, EN);
    step(f, TICKS(100));
    et_clock_input_set_hz(df_input(f, "mainclk"), 16000000);
    assert_int_equal(crd(CNTCV_LO), 100);
    step(f, 625); /* 10 ticks of 62.5 ns */
    assert_int_equal(crd(CNTCV_LO), 110);
    et_clock_input_set_period(df_input(f, "mainclk"), 0);
    step(f, 100000);
    assert_int_equal(crd(CNTCV_LO), 110);
    et_clock_input_set_hz(df_input(f, "mainclk"), 32000000);
    step(f, TICKS(4));
    assert_int_equal(crd(CNTCV_LO), 114);
}

static void test_counter_bad_accesses(void **state)
{
    device_fixture *f = *state;
    /* CNTCR keeps bits 4:0; INTRCLR (bit 5) and above read 0, silently. */
    cwr(CNTCR, 0xffffffe0 | ET_SSE_CNTCR_HDBG | ET_SSE_CNTCR_PSLVERRDIS);
    assert_int_equal(crd(CNTCR), ET_SSE_CNTCR_HDBG | ET_SSE_CNTCR_PSLVERRDIS);
    assert_int_equal(f->n_logs, 0);
    cwr(ET_SSE_CNTID, 0);
    cwr(0xfe0, 0);
    assert_int_equal(crd(0x020), 0);
    et_device_write(S.status, 0, 5, 4);
    assert_int_equal(et_device_read(S.status, 0x10, 4), 0);
    assert_int_equal(f->n_logs, 5);
    /* 4-byte accesses only (QEMU's valid sizes). */
    assert_int_equal(et_device_read(S.counter, ET_SSE_CNTID, 1), 0);
    assert_int_equal(et_device_read(S.counter, CNTCV_LO, 8), 0);
    assert_int_equal(f->n_logs, 7);
}

static void test_counter_reset(void **state)
{
    device_fixture *f = *state;
    cwr(CNTSCR, SIXTEENTH);
    cwr(CNTCR, EN | SCEN);
    step(f, TICKS(1600));
    assert_int_equal(crd(CNTCV_LO), 100);
    et_device_reset(S.counter);
    assert_int_equal(crd(CNTCR), 0);
    assert_int_equal(crd(CNTSCR), 0x01000000);
    assert_int_equal(crd(CNTCV_LO), 0);
    step(f, TICKS(100));
    assert_int_equal(crd(CNTCV_LO), 0);
}

/* --- the timer ---------------------------------------------------------------- */

/* Reset: everything 0, CNTP_CFG 1 (auto-increment implemented), IDs part
 * 0xB7. Enabled with CVAL 0 the condition CNTPCT >= CVAL already holds:
 * ISTATUS and the line at once. */
static void test_timer_reset_values(void **state)
{
    device_fixture *f = *state;
    static const uint32_t zero_regs[] = { CNTPCT_LO, CNTPCT_HI, ET_SSE_TIMER_CNTFRQ, CVAL_LO,
                                          CVAL_HI, TVAL, CTL, AIVAL_LO, AIVAL_HI, RELOAD, AICTL };
    for (size_t i = 0; i < sizeof(zero_regs) / sizeof(zero_regs[0]); i++) {
        assert_int_equal(rd(f, zero_regs[i]), 0);
    }
    assert_int_equal(rd(f, ET_SSE_TIMER_CNTP_CFG), 1);
    assert_int_equal(rd(f, 0xfe0), 0xb7);
    assert_int_equal(rd(f, 0xffc), 0xb1);
    wr(f, CTL, ENABLE);
    assert_int_equal(rd(f, CTL), ENABLE | ISTATUS);
    assert_int_equal(f->level[0], 1);
    assert_int_equal(f->n_logs, 0);
}

/* QEMU's /sse-timer/timer, compare part: CVAL 4000 at count 100: TVAL
 * 3900; the match at the 4000th tick, 125000 ns, exactly. */
static void test_timer_compare(void **state)
{
    device_fixture *f = *state;
    cwr(CNTCR, EN);
    wr(f, CTL, ENABLE);
    step(f, TICKS(100));
    assert_int_equal(rd(f, CNTPCT_LO), 100);
    wr(f, CVAL_LO, 4000);
    wr(f, CVAL_HI, 0);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(rd(f, TVAL), 3900);
    step(f, TICKS(3900) - 1);
    assert_int_equal(rd(f, CTL), ENABLE);
    step(f, 1);
    assert_int_equal(rd(f, TVAL), 0);
    assert_int_equal(rd(f, CTL), ENABLE | ISTATUS);
    assert_int_equal(f->level[0], 1);
    assert_int_equal(f->last_raise[0], 125000);
    /* Past the match TVAL goes negative (as a 32-bit value). */
    step(f, TICKS(4));
    assert_int_equal(rd(f, TVAL), 0xfffffffc);
    /* IMASK masks the line, not ISTATUS. */
    wr(f, CTL, ENABLE | IMASK);
    assert_int_equal(rd(f, CTL), ENABLE | IMASK | ISTATUS);
    assert_int_equal(f->level[0], 0);
    /* Disabled: no status. */
    wr(f, CTL, 0);
    assert_int_equal(rd(f, CTL), 0);
}

/* TVAL writes are signed: CVAL = CNTPCT + sign-extended value. */
static void test_timer_tval_write(void **state)
{
    device_fixture *f = *state;
    cwr(CNTCR, EN);
    wr(f, CTL, ENABLE);
    step(f, TICKS(100));
    wr(f, TVAL, 40);
    assert_int_equal(rd(f, CVAL_LO), 140);
    assert_int_equal(f->level[0], 0);
    wr(f, TVAL, 0xfffffffb); /* -5 */
    assert_int_equal(rd(f, CVAL_LO), 95);
    assert_int_equal(rd(f, CVAL_HI), 0);
    assert_int_equal(f->level[0], 1);
    wr(f, TVAL, 0x80000000); /* -2^31: CVAL wraps below 0 */
    assert_int_equal(rd(f, CVAL_HI), 0xffffffff);
    assert_int_equal(rd(f, CVAL_LO), 100 + 0x80000000u);
}

/* The match is the first nanosecond at which the count reaches CVAL. At
 * 3 MHz a tick is 333.33... ns (the period rounded down to 2^-32 ns): the
 * first tick completes at 334 ns, not 333 (docs/divergences.md: QEMU's
 * deadline rounds down). */
static void test_timer_exact_deadline(void **state)
{
    device_fixture *f = *state;
    et_clock_input_set_hz(df_input(f, "mainclk"), 3000000);
    cwr(CNTCR, EN);
    wr(f, CVAL_LO, 1);
    wr(f, CTL, ENABLE);
    step(f, 333);
    assert_int_equal(f->raises[0], 0);
    assert_int_equal(rd(f, CNTPCT_LO), 0);
    step(f, 1);
    assert_int_equal(f->raises[0], 1);
    assert_int_equal(df_raise_time(f, 0, 0), 334);
    assert_int_equal(rd(f, CNTPCT_LO), 1);
    /* Three ticks: 1000 ns exactly? 3 * 333.33... rounded up is 1000. */
    wr(f, CVAL_LO, 3);
    step(f, 665);
    assert_int_equal(f->raises[0], 1);
    step(f, 1);
    assert_int_equal(f->raises[0], 2);
    assert_int_equal(df_raise_time(f, 0, 1), 1000);
}

/* QEMU's /sse-timer/timer-scale-change: CVAL 4000; after 2000 ticks the
 * counter is reprogrammed to 1/16: 2000 more counts take 32000 ticks. */
static void test_timer_scale_change(void **state)
{
    device_fixture *f = *state;
    cwr(CNTCR, EN);
    wr(f, CVAL_LO, 4000); /* before ENABLE: no match at CVAL 0 first */
    wr(f, CTL, ENABLE);
    step(f, TICKS(2000));
    assert_int_equal(rd(f, CTL), ENABLE);
    cwr(CNTCR, 0);
    cwr(CNTSCR, SIXTEENTH);
    cwr(CNTCR, EN | SCEN);
    step(f, TICKS(2000));
    assert_int_equal(rd(f, CTL), ENABLE);
    step(f, TICKS(29996));
    assert_int_equal(rd(f, CTL), ENABLE);
    step(f, TICKS(4) - 1);
    assert_int_equal(f->raises[0], 0);
    step(f, 1);
    assert_int_equal(rd(f, CTL), ENABLE | ISTATUS);
    assert_int_equal(df_raise_time(f, 0, 0), TICKS(2000) + TICKS(32000));
}

/* Counter changes reach the timer: disabled, the count and the timer stop
 * (no match in 10000 ticks); a CNTCV write back below CVAL drops ISTATUS
 * and the line; enabled again, the match comes on time. */
static void test_timer_follows_counter_changes(void **state)
{
    device_fixture *f = *state;
    cwr(CNTCR, EN);
    wr(f, CVAL_LO, 200);
    wr(f, CTL, ENABLE);
    step(f, TICKS(100));
    cwr(CNTCR, 0);
    step(f, TICKS(10000));
    assert_int_equal(f->raises[0], 0);
    cwr(CNTCV_LO, 196);
    cwr(CNTCR, EN);
    int64_t t0 = et_clock_now(f->clock);
    step(f, TICKS(4));
    assert_int_equal(f->raises[0], 1);
    assert_int_equal(df_raise_time(f, 0, 0), t0 + TICKS(4));
    cwr(CNTCV_LO, 8);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(rd(f, CTL), ENABLE);
}

/* Auto-increment (QEMU's /sse-timer/timer numbers): at count 4000, RELOAD
 * 200 and AIVAL_CTL.EN: AIVAL 4200, ISTATUS follows CLR; each match sets
 * CLR and adds RELOAD; writing CLR = 0 clears it. RELOAD 0 fires once. */
static void test_timer_autoincrement(void **state)
{
    device_fixture *f = *state;
    cwr(CNTCR, EN);
    wr(f, CVAL_LO, 4000);
    wr(f, CTL, ENABLE);
    step(f, TICKS(4000)); /* the compare match: the first raise */
    wr(f, RELOAD, 200);
    wr(f, AICTL, ET_SSE_TIMER_AIVAL_EN);
    assert_int_equal(rd(f, AIVAL_LO), 4200);
    assert_int_equal(rd(f, CTL), ENABLE);
    assert_int_equal(f->level[0], 0);
    step(f, TICKS(200) - 1);
    assert_int_equal(rd(f, CTL), ENABLE);
    step(f, 1);
    assert_int_equal(rd(f, CTL), ENABLE | ISTATUS);
    assert_int_equal(rd(f, AICTL), ET_SSE_TIMER_AIVAL_EN | ET_SSE_TIMER_AIVAL_CLR);
    assert_int_equal(rd(f, AIVAL_LO), 4400);
    wr(f, AICTL, ET_SSE_TIMER_AIVAL_EN | ET_SSE_TIMER_AIVAL_CLR); /* 1 is ignored */
    assert_int_equal(rd(f, CTL), ENABLE | ISTATUS);
    wr(f, AICTL, ET_SSE_TIMER_AIVAL_EN);
    assert_int_equal(rd(f, CTL), ENABLE);
    assert_int_equal(f->level[0], 0);
    step(f, TICKS(200));
    assert_int_equal(f->level[0], 1);
    assert_int_equal(rd(f, AIVAL_LO), 4600);
    /* RELOAD 0: the next match (4600) fires, then nothing more. */
    wr(f, RELOAD, 0);
    wr(f, AICTL, ET_SSE_TIMER_AIVAL_EN);
    step(f, TICKS(200));
    assert_int_equal(f->raises[0], 4); /* compare, 4200, 4400, 4600 */
    assert_int_equal(rd(f, AIVAL_LO), 4600);
    wr(f, AICTL, ET_SSE_TIMER_AIVAL_EN);
    step(f, TICKS(4000));
    assert_int_equal(f->raises[0], 4);
    assert_int_equal(rd(f, CTL), ENABLE);
}

/* The counter device freed first: the timer keeps counting with the
 * counter's last configuration. */
static void test_counter_freed_before_timer(void **state)
{
    device_fixture *f = *state;
    cwr(CNTCR, EN);
    wr(f, CVAL_LO, 400);
    wr(f, CTL, ENABLE);
    et_device_free(S.status);
    S.status = et_sse_counter_status_new(f->clock, "s", S.counter, NULL, 0);
    et_device_free(S.status);
    S.status = NULL;
    et_device_free(S.counter);
    S.counter = NULL;
    step(f, TICKS(400));
    assert_int_equal(rd(f, CNTPCT_LO), 400);
    assert_int_equal(f->raises[0], 1);
    /* teardown frees the timer first, then a counter and a status device. */
    char err[100];
    et_clock_input *c = df_input(f, "mainclk");
    et_sse_counter_config ccfg = { .clk = c };
    S.counter = et_sse_counter_new(f->clock, "c2", &ccfg, err, sizeof(err));
    S.status = et_sse_counter_status_new(f->clock, "s2", S.counter, err, sizeof(err));
}

static void test_timer_bad_accesses_and_reset(void **state)
{
    device_fixture *f = *state;
    wr(f, CNTPCT_LO, 1);
    wr(f, AIVAL_LO, 1);
    wr(f, ET_SSE_TIMER_CNTP_CFG, 0);
    wr(f, 0xfd0, 0);
    assert_int_equal(rd(f, 0x030), 0);
    wr(f, CTL, 0x10 | ENABLE);
    assert_int_equal(f->n_logs, 6);
    assert_int_equal(rd(f, CTL) & ~ISTATUS, ENABLE);
    assert_int_equal(et_device_read(f->dev, CTL, 2), 0);
    cwr(CNTCR, EN);
    wr(f, ET_SSE_TIMER_CNTFRQ, 32000000);
    wr(f, CVAL_LO, 100);
    wr(f, RELOAD, 5);
    et_device_reset(f->dev);
    assert_int_equal(rd(f, ET_SSE_TIMER_CNTFRQ), 0);
    assert_int_equal(rd(f, CTL), 0);
    assert_int_equal(rd(f, CVAL_LO), 0);
    assert_int_equal(rd(f, RELOAD), 0);
    step(f, TICKS(1000));
    assert_int_equal(f->raises[0], 1); /* only the one at enable with CVAL 0 */
}

static void test_bad_configuration(void **state)
{
    device_fixture *f = *state;
    char err[200] = "";
    et_sse_timer_config cfg = { .counter = f->dev }; /* not a counter */
    assert_null(et_sse_timer_new(f->clock, "t", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "System Counter"));
    cfg.counter = NULL;
    assert_null(et_sse_timer_new(f->clock, "t", &cfg, err, sizeof(err)));
    et_clock *other = et_clock_new_manual();
    cfg.counter = S.counter;
    assert_null(et_sse_timer_new(other, "t", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "same clock"));
    et_clock_free(other);
    et_sse_counter_config ccfg = { .clk = NULL };
    assert_null(et_sse_counter_new(f->clock, "c", &ccfg, err, sizeof(err)));
    assert_non_null(strstr(err, "clk"));
    assert_null(et_sse_counter_status_new(f->clock, "s", f->dev, err, sizeof(err)));
}

static void test_saved_state_declared(void **state)
{
    device_fixture *f = *state;
    const et_vmstate *vm = S.counter->ops->state;
    assert_string_equal(vm->name, "sse-counter");
    const char *cwant[] = { "cntcr", "cntscr", "tb.enabled", "tb.cnt_then", "tb.frac_then",
                            "tb.ns_then", "tb.scale", "tb.period" };
    size_t n = 0;
    for (const et_field *fl = vm->fields; fl->name; fl++, n++) {
        assert_true(n < 8);
        assert_string_equal(fl->name, cwant[n]);
    }
    assert_int_equal(n, 8);
    vm = f->dev->ops->state;
    assert_string_equal(vm->name, "sse-timer");
    n = 0;
    for (const et_field *fl = vm->fields; fl->name; fl++) {
        n++;
    }
    assert_int_equal(n, 14); /* 8 of its own, the 6 of the timestamp */
}

/* The shared-suite adapter (auto-increment every 10 us): no violation,
 * and the status really rises and falls: 20000 * 48 ns / 10 us, about 96
 * matches. */
static void test_adapter_on_manual_clock(void **state)
{
    (void)state;
    assert_true(et_test_adapter_drive("sse-timer", 4242, 20000, NULL) > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_counter_reset_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_scale_and_fraction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_cntcv_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_clock_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_bad_accesses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_reset_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_tval_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_exact_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_scale_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_follows_counter_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_autoincrement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_freed_before_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_bad_accesses_and_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_configuration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_saved_state_declared, setup, teardown),
        cmocka_unit_test(test_adapter_on_manual_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
