/* RISC-V ACLINT MTIMER, MSWI and SSWI: registers at every size, reset state,
 * RV32 half accesses, exact MTIP timing (including frequencies where a tick
 * is not a whole number of ns), many harts, multi-socket hart indexing and
 * the saved-state declaration. Expected values come from the ACLINT 1.0 spec
 * and QEMU's layout; the arithmetic is worked out in the comments. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "device_fixture.h"
#include "emutime/devices/riscv_aclint.h"
#include "emutime/emutime.h"

#define MTIME 0x7FF8u
#define MTIME_HI 0x7FFCu

/* --- a sink that records every delivered change -------------------------- */

#define MAX_EVENTS 64

/* Beside the fixture's record: mtime as each event's sink read it (when
 * read_mtime), and whether a sink was ever called without a change. */
static struct {
    bool read_mtime;
    uint64_t mtime[DF_MAX_EVENTS];
    bool repeated;
} X;

static void rec_hook(device_fixture *f, int n, int level)
{
    (void)level;
    if (f->calls[n] != f->changes[n]) {
        X.repeated = true; /* only changes are delivered */
    }
    if (X.read_mtime && f->n_ev <= DF_MAX_EVENTS) {
        X.mtime[f->n_ev - 1] = rd64(f, MTIME);
    }
}

/* Records dev's lines on a fixture (initial levels from the device: the
 * MTIMER powers on with MTIP raised). */
static void rec_start(device_fixture *f)
{
    memset(&X, 0, sizeof(X));
    f->on_irq = rec_hook;
}

/* Every sink call so far, on every line. */
static unsigned long rec_total(const device_fixture *f)
{
    unsigned long total = 0;
    for (unsigned i = 0; i < et_device_irq_count(f->dev); i++) {
        total += f->calls[i];
    }
    return total;
}

static void rec_done(device_fixture *f)
{
    assert_false(X.repeated);
    df_free(f);
}

static et_device *new_mtimer(et_clock *clock, uint32_t num_harts, uint32_t hartid_base,
                             uint32_t freq)
{
    et_riscv_aclint_mtimer_config cfg = ET_RISCV_ACLINT_MTIMER_DEFAULTS;
    char err[256] = "";
    cfg.num_harts = num_harts;
    cfg.hartid_base = hartid_base;
    cfg.timebase_freq = freq;
    et_device *dev = et_riscv_aclint_mtimer_new(clock, "mtimer", &cfg, err, sizeof(err));
    if (!dev) {
        fail_msg("mtimer: %s", err);
    }
    return dev;
}

/* An MTIMER (new_mtimer's arguments) on a fresh fixture, recorded. */
static device_fixture *mtimer_fixture(uint32_t num_harts, uint32_t hartid_base, uint32_t freq)
{
    device_fixture *f = df_new();
    df_attach(f, new_mtimer(f->clock, num_harts, hartid_base, freq), NULL);
    rec_start(f);
    return f;
}

/* What mtime must read at time t after it was written to v at time tw,
 * straight from the definition mtime = floor(ns * f / 1e9) + offset. */
static uint64_t mtime_def(uint64_t f, int64_t tw, uint64_t v, int64_t t)
{
    uint64_t ticks_w = (uint64_t)(((unsigned __int128)tw * f) / 1000000000u);
    uint64_t ticks_t = (uint64_t)(((unsigned __int128)t * f) / 1000000000u);
    return v + (ticks_t - ticks_w);
}

/* --- configuration ------------------------------------------------------- */

static void expect_config_error(const et_riscv_aclint_mtimer_config *cfg, const char *needle)
{
    char err[256] = "";
    et_clock *c = et_clock_new_manual();
    et_device *dev = et_riscv_aclint_mtimer_new(c, "bad", cfg, err, sizeof(err));
    assert_null(dev);
    if (!strstr(err, needle)) {
        fail_msg("error '%s' does not mention '%s'", err, needle);
    }
    et_clock_free(c);
}

static void test_mtimer_bad_configuration(void **state)
{
    (void)state;
    et_riscv_aclint_mtimer_config cfg = ET_RISCV_ACLINT_MTIMER_DEFAULTS;
    cfg.num_harts = 4096;
    expect_config_error(&cfg, "4095");

    cfg = ET_RISCV_ACLINT_MTIMER_DEFAULTS;
    cfg.timebase_freq = 0;
    expect_config_error(&cfg, "timebase_freq");

    cfg = ET_RISCV_ACLINT_MTIMER_DEFAULTS;
    cfg.time_base = 0x7FF4;
    expect_config_error(&cfg, "aligned");

    cfg = ET_RISCV_ACLINT_MTIMER_DEFAULTS; /* 4095 harts need 0..0x7FF7 */
    cfg.num_harts = 4095;
    cfg.timecmp_base = 0x10;
    expect_config_error(&cfg, "aperture");

    cfg = ET_RISCV_ACLINT_MTIMER_DEFAULTS;
    cfg.aperture_size = 0x7FFC; /* mtime at 0x7FF8 needs 0x8000 bytes */
    expect_config_error(&cfg, "mtime register");

    cfg = ET_RISCV_ACLINT_MTIMER_DEFAULTS;
    cfg.num_harts = 2;
    cfg.time_base = 8; /* inside mtimecmp[1] */
    expect_config_error(&cfg, "overlaps");

    cfg = ET_RISCV_ACLINT_MTIMER_DEFAULTS;
    cfg.num_harts = 2;
    cfg.hartid_base = UINT32_MAX;
    expect_config_error(&cfg, "overflow");

    /* The spec allows an MTIMER with no harts: only the MTIME register. */
    char err[256];
    et_clock *c = et_clock_new_manual();
    cfg = ET_RISCV_ACLINT_MTIMER_DEFAULTS;
    cfg.num_harts = 0;
    et_device *dev = et_riscv_aclint_mtimer_new(c, NULL, &cfg, err, sizeof(err));
    assert_non_null(dev);
    assert_int_equal(et_device_irq_count(dev), 0);
    et_clock_step(c, 1000); /* 10 ticks at 10 MHz */
    assert_int_equal(et_device_read(dev, MTIME, 8), 10);
    et_device_free(dev);
    et_clock_free(c);
}

static void test_swi_bad_configuration(void **state)
{
    (void)state;
    char err[256] = "";
    et_clock *c = et_clock_new_manual();
    et_riscv_aclint_swi_config cfg = { .hartid_base = 0, .num_harts = 0 };
    assert_null(et_riscv_aclint_swi_new(c, "swi", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "num_harts"));
    cfg.num_harts = 4096;
    assert_null(et_riscv_aclint_swi_new(c, "swi", &cfg, err, sizeof(err)));
    cfg.num_harts = 2;
    cfg.hartid_base = UINT32_MAX;
    assert_null(et_riscv_aclint_swi_new(c, "swi", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "overflow"));
    et_clock_free(c);
}

/* --- reset state and registers ------------------------------------------- */

/* Power-on and reset: mtime = 0 (spec), mtimecmp = 0 (unknown per spec; 0
 * as in QEMU), so 0 >= 0 and MTIP is asserted until mtimecmp is programmed.
 * Reset clears mtime but keeps mtimecmp. */
static void test_mtimer_reset_state(void **state)
{
    (void)state;
    device_fixture *f = df_new();
    et_clock *c = f->clock;
    et_clock_step(c, 5000); /* created at 5 us: mtime still starts at 0 */
    df_attach(f, new_mtimer(c, 2, 0, 10000000), NULL);
    et_device *dev = f->dev;
    rec_start(f);

    assert_int_equal(et_device_read(dev, MTIME, 8), 0);
    assert_int_equal(et_device_read(dev, 0x0, 8), 0);
    assert_int_equal(et_device_read(dev, 0x8, 8), 0);
    assert_int_equal(f->level[0], 1);
    assert_int_equal(f->level[1], 1);
    assert_int_equal(et_riscv_aclint_mtimer_mtip(dev, 0), 1);
    assert_int_equal(et_riscv_aclint_mtimer_mtip(dev, 1), 1);
    assert_int_equal(et_clock_deadline(c), ET_NO_DEADLINE); /* 0 >= 0 forever */

    et_clock_step(c, 1000); /* 10 ticks */
    assert_int_equal(et_device_read(dev, MTIME, 8), 10);
    et_device_write(dev, 0x0, 100, 8); /* hart 0: in 90 ticks */
    assert_int_equal(f->level[0], 0);
    assert_int_equal(et_riscv_aclint_mtimer_mtip(dev, 0), 0);

    et_clock_step(c, 250); /* t = 6250: 62 whole ticks since 0, 50 at creation */
    assert_int_equal(et_device_read(dev, MTIME, 8), 12);
    et_device_reset(dev);
    assert_int_equal(et_device_read(dev, MTIME, 8), 0);
    assert_int_equal(et_device_read(dev, 0x0, 8), 100); /* kept */
    assert_int_equal(f->level[0], 0);
    assert_int_equal(f->level[1], 1); /* mtimecmp[1] still 0 */

    /* After the reset at 6250 ns (raw tick count floor(6250 * 1e7 / 1e9) =
     * 62), mtime = raw - 62. It reaches 100 when raw = 162, first at
     * 162 * 100 = 16200 ns. */
    et_clock_step(c, 16199 - 6250);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(et_device_read(dev, MTIME, 8), 99);
    et_clock_step(c, 1);
    assert_int_equal(f->level[0], 1);
    assert_int_equal(f->ev[f->n_ev - 1].t, 16200);
    rec_done(f);
}

static void test_mtime_reads_at_every_size(void **state)
{
    (void)state;
    device_fixture *f = mtimer_fixture(1, 0, 10000000);
    et_clock *c = f->clock;
    et_device *dev = f->dev;
    /* 123456789 ns at 10 MHz: floor(1234567.89) = 1234567 = 0x12D687 */
    et_clock_step(c, 123456789);
    assert_int_equal(et_device_read(dev, MTIME, 8), 0x12D687);
    assert_int_equal(et_device_read(dev, MTIME, 4), 0x12D687);
    assert_int_equal(et_device_read(dev, MTIME_HI, 4), 0);
    assert_int_equal(et_riscv_aclint_mtimer_time(dev), 0x12D687);

    et_device_write(dev, MTIME, UINT64_C(0x0123456789ABCDEF), 8);
    assert_int_equal(et_device_read(dev, MTIME, 8), UINT64_C(0x0123456789ABCDEF));
    assert_int_equal(et_device_read(dev, MTIME, 4), 0x89ABCDEF);
    assert_int_equal(et_device_read(dev, MTIME_HI, 4), 0x01234567);
    /* 11 ns more crosses a tick boundary (123456789 -> 123456800 ns is
     * 1234567.89 -> 1234568.00 ticks): +1 */
    et_clock_step(c, 11);
    assert_int_equal(et_device_read(dev, MTIME, 8), UINT64_C(0x0123456789ABCDF0));
    et_clock_step(c, 99);
    assert_int_equal(et_device_read(dev, MTIME, 8), UINT64_C(0x0123456789ABCDF0));
    et_clock_step(c, 1);
    assert_int_equal(et_device_read(dev, MTIME, 8), UINT64_C(0x0123456789ABCDF1));
    df_free(f);
}

/* RV32 writes one half at a time; each keeps the other half of the current
 * mtime (QEMU's 2023 fix), and the written value then keeps counting. */
static void test_mtime_half_writes(void **state)
{
    (void)state;
    device_fixture *f = mtimer_fixture(1, 0, 10000000);
    et_clock *c = f->clock;
    et_device *dev = f->dev;
    et_clock_step(c, 777); /* not on a tick boundary */
    et_device_write(dev, MTIME, UINT64_C(0x0000000500000010), 8);
    et_clock_step(c, 1000); /* 777 -> 1777 ns: ticks 7 -> 17, +10 */
    assert_int_equal(et_device_read(dev, MTIME, 8), UINT64_C(0x000000050000001A));

    et_device_write(dev, MTIME, 0xFFFFFFF0, 4);
    assert_int_equal(et_device_read(dev, MTIME, 8), UINT64_C(0x00000005FFFFFFF0));
    et_clock_step(c, 2000); /* +20 carries into the high half */
    assert_int_equal(et_device_read(dev, MTIME, 8), UINT64_C(0x0000000600000004));
    assert_int_equal(et_device_read(dev, MTIME_HI, 4), 6);

    et_device_write(dev, MTIME_HI, 0x7, 4);
    assert_int_equal(et_device_read(dev, MTIME, 8), UINT64_C(0x0000000700000004));
    /* An 8-byte access at the high half is misaligned: rejected, no change. */
    unsigned long errors = et_device_guest_error_count(dev);
    et_device_write(dev, MTIME_HI, 0, 8);
    assert_int_equal(et_device_read(dev, MTIME_HI, 8), 0);
    assert_int_equal(et_device_guest_error_count(dev), errors + 2);
    assert_int_equal(et_device_read(dev, MTIME, 8), UINT64_C(0x0000000700000004));
    df_free(f);
}

static void test_mtimecmp_every_size(void **state)
{
    (void)state;
    device_fixture *f = mtimer_fixture(2, 0, 10000000);
    et_device *dev = f->dev;
    et_device_write(dev, 0x8, UINT64_C(0x1122334455667788), 8);
    assert_int_equal(et_device_read(dev, 0x8, 8), UINT64_C(0x1122334455667788));
    assert_int_equal(et_device_read(dev, 0x8, 4), 0x55667788);
    assert_int_equal(et_device_read(dev, 0xC, 4), 0x11223344);
    assert_int_equal(et_device_read(dev, 0x0, 8), 0); /* hart 0 untouched */

    et_device_write(dev, 0x8, 0xAABBCCDD, 4);
    assert_int_equal(et_device_read(dev, 0x8, 8), UINT64_C(0x11223344AABBCCDD));
    et_device_write(dev, 0xC, 0x01020304, 4);
    assert_int_equal(et_device_read(dev, 0x8, 8), UINT64_C(0x01020304AABBCCDD));
    assert_int_equal(et_device_read(dev, 0x0, 8), 0);

    /* Guest errors: no mtimecmp[2] with 2 harts, sizes 1 and 2, unaligned,
     * outside the aperture. Reads give 0 and writes change nothing. */
    unsigned long errors = et_device_guest_error_count(dev);
    assert_int_equal(et_device_read(dev, 0x10, 8), 0);
    et_device_write(dev, 0x10, 5, 8);
    assert_int_equal(et_device_read(dev, 0x8, 1), 0);
    assert_int_equal(et_device_read(dev, 0x8, 2), 0);
    et_device_write(dev, 0x8, 0, 2);
    assert_int_equal(et_device_read(dev, 0xA, 4), 0);
    assert_int_equal(et_device_read(dev, 0x8000, 4), 0);
    assert_int_equal(et_device_guest_error_count(dev), errors + 7);
    assert_int_equal(et_device_read(dev, 0x8, 8), UINT64_C(0x01020304AABBCCDD));
    df_free(f);
}

/* --- MTIP timing ---------------------------------------------------------- */

static void test_mtip_rises_exactly_at_mtimecmp(void **state)
{
    (void)state;
    device_fixture *f = mtimer_fixture(1, 0, 10000000);
    et_clock *c = f->clock;
    et_device *dev = f->dev;
    X.read_mtime = true;

    et_device_write(dev, 0x0, 1000, 8); /* 1000 ticks of 100 ns */
    assert_int_equal(f->level[0], 0);
    assert_int_equal(et_clock_deadline(c), 100000);
    et_clock_step(c, 99999);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(et_device_read(dev, MTIME, 8), 999);
    et_clock_step(c, 1);
    assert_int_equal(f->level[0], 1);
    const df_event *e = &f->ev[f->n_ev - 1];
    uint64_t e_mtime = X.mtime[f->n_ev - 1];
    assert_int_equal(e->t, 100000);
    assert_int_equal(e_mtime, 1000);
    assert_int_equal(et_clock_deadline(c), ET_NO_DEADLINE); /* nothing left */

    /* MTIP stays raised while mtime >= mtimecmp ... */
    et_clock_step(c, 1000000);
    assert_int_equal(f->level[0], 1);
    /* ... a future mtimecmp clears it, a past one raises it at once. */
    et_device_write(dev, 0x0, 20000, 8);
    assert_int_equal(f->level[0], 0);
    et_device_write(dev, 0x0, 10999, 8); /* mtime is 11000 */
    assert_int_equal(f->level[0], 1);
    et_device_write(dev, 0x0, 11000, 8); /* equal counts as reached */
    assert_int_equal(f->level[0], 1);
    et_device_write(dev, 0x0, 11001, 8);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(et_clock_deadline(c), 1100100);
    rec_done(f);
}

/* Arms mtimecmp = mtime + k for k = 1..n at odd instants and checks each
 * rise happens at the first ns where the definition of mtime reaches
 * mtimecmp, and that mtime read in the sink has reached it. */
static void check_rounding(uint32_t freq, unsigned n)
{
    device_fixture *f = mtimer_fixture(1, 0, freq);
    et_clock *c = f->clock;
    et_device *dev = f->dev;
    X.read_mtime = true;
    int64_t tw = et_clock_now(c); /* mtime written to 0 at tw (creation) */
    for (unsigned k = 1; k <= n; k++) {
        et_clock_step(c, 7 * k); /* an instant that is rarely on a tick */
        uint64_t now_mtime = et_device_read(dev, MTIME, 8);
        assert_int_equal(now_mtime, mtime_def(freq, tw, 0, et_clock_now(c)));
        uint64_t cmp = now_mtime + k;
        et_device_write(dev, 0x0, cmp, 8);
        assert_int_equal(f->level[0], 0);
        unsigned before = rec_total(f);
        assert_true(et_clock_step_next(c));
        assert_int_equal(rec_total(f), before + 1);
        const df_event *e = &f->ev[(f->n_ev - 1)];
    uint64_t e_mtime = X.mtime[(f->n_ev - 1)];
        assert_int_equal(e->level, 1);
        if (e_mtime < cmp) {
            fail_msg("freq %u: MTIP rose at %lld ns with mtime %llu < mtimecmp %llu", freq,
                     (long long)e->t, (unsigned long long)e_mtime, (unsigned long long)cmp);
        }
        assert_true(mtime_def(freq, tw, 0, e->t) >= cmp);
        if (mtime_def(freq, tw, 0, e->t - 1) >= cmp) {
            fail_msg("freq %u: MTIP rose late at %lld ns", freq, (long long)e->t);
        }
        f->n_ev = 0;
    }
    rec_done(f);
}

static void test_deadline_rounding_3mhz(void **state)
{
    (void)state;
    device_fixture *f = mtimer_fixture(1, 0, 3000000);
    et_clock *c = f->clock;
    et_device *dev = f->dev;
    X.read_mtime = true;
    /* A tick is 333.33 ns. mtimecmp = 1: 1e9 / 3e6 = 333.33, rounded up to
     * 334. QEMU floors to 333 ns, where mtime = floor(0.999) = 0. */
    et_device_write(dev, 0x0, 1, 8);
    assert_int_equal(et_clock_deadline(c), 334);
    f->n_ev = 0;
    et_clock_step(c, 333);
    assert_int_equal(et_device_read(dev, MTIME, 8), 0);
    assert_int_equal(f->level[0], 0);
    et_clock_step(c, 1);
    assert_int_equal(f->level[0], 1);
    assert_int_equal(f->ev[0].t, 334);
    assert_int_equal(X.mtime[0], 1);

    /* 2 ticks: 666.67 -> 667; 3 ticks: exactly 1000. */
    et_device_write(dev, 0x0, 2, 8);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(et_clock_deadline(c), 667);
    et_device_write(dev, 0x0, 3, 8);
    assert_int_equal(et_clock_deadline(c), 1000);

    /* From a time that is not on a tick: at 1100 ns mtime = floor(3.3) = 3,
     * written to 100. mtimecmp 101 is reached with the 4th raw tick, at
     * ceil(4e9 / 3e6) = ceil(1333.33) = 1334 ns, 234 ns later. QEMU would
     * arm now + floor(333.33) = 1433, 99 ns late. */
    et_clock_set(c, 1100);
    et_device_write(dev, MTIME, 100, 8);
    et_device_write(dev, 0x0, 101, 8);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(et_clock_deadline(c), 1334);
    f->n_ev = 0;
    et_clock_step(c, 1000);
    assert_int_equal(f->n_ev, 1);
    assert_int_equal(f->ev[0].t, 1334);
    assert_int_equal(X.mtime[0], 101);
    rec_done(f);

    check_rounding(3000000, 300);
}

static void test_deadline_rounding_32768hz(void **state)
{
    (void)state;
    device_fixture *f = mtimer_fixture(1, 0, 32768);
    et_clock *c = f->clock;
    et_device *dev = f->dev;
    /* A tick is 30517.578125 ns: 1 tick -> 30518, 5 ticks -> 152587.89 ->
     * 152588, 32768 ticks -> exactly 1 s. */
    et_device_write(dev, 0x0, 1, 8);
    assert_int_equal(et_clock_deadline(c), 30518);
    et_device_write(dev, 0x0, 5, 8);
    assert_int_equal(et_clock_deadline(c), 152588);
    et_device_write(dev, 0x0, 32768, 8);
    assert_int_equal(et_clock_deadline(c), 1000000000);
    et_clock_step(c, 152587);
    assert_int_equal(et_device_read(dev, MTIME, 8), 4);
    df_free(f);

    check_rounding(32768, 200);
}

/* All-ones mtimecmp means "never": no timer at all, even with mtime close to
 * the top. A deadline beyond the clock's range is not armed either. */
static void test_never_and_saturation(void **state)
{
    (void)state;
    device_fixture *f = mtimer_fixture(1, 0, 10000000);
    et_clock *c = f->clock;
    et_device *dev = f->dev;
    et_device_write(dev, 0x0, UINT64_MAX, 8);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(et_clock_deadline(c), ET_NO_DEADLINE);
    et_device_write(dev, MTIME, UINT64_MAX - 16, 8);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(et_clock_deadline(c), ET_NO_DEADLINE);
    /* ~0 - 1 is an ordinary value: 15 ticks away. */
    et_device_write(dev, 0x0, UINT64_MAX - 1, 8);
    assert_int_equal(et_clock_deadline(c), 1500);
    assert_false(X.repeated);
    et_device_free(dev); /* the 1 Hz one below stays off the record */
    f->dev = NULL;

    /* 1 Hz: 9e9 ticks = 9e18 ns is in range (INT64_MAX ~ 9.22e18); 1e10
     * ticks = 1e19 ns is not and must not wrap into a small deadline. */
    dev = new_mtimer(c, 1, 0, 1);
    et_device_write(dev, 0x0, UINT64_C(9000000000), 8);
    assert_int_equal(et_clock_deadline(c), INT64_C(9000000000000000000));
    et_device_write(dev, 0x0, UINT64_C(10000000000), 8);
    assert_int_equal(et_clock_deadline(c), ET_NO_DEADLINE);
    assert_int_equal(et_riscv_aclint_mtimer_mtip(dev, 0), 0);
    et_device_free(dev);
    df_free(f);
}

/* The comparison is unsigned 64-bit: when mtime wraps past 2^64 back to
 * small values, mtime < mtimecmp again and MTIP falls (spec: "cleared
 * whenever MTIME is less than MTIMECMP"). */
static void test_mtip_falls_when_mtime_wraps(void **state)
{
    (void)state;
    device_fixture *f = mtimer_fixture(1, 0, 10000000);
    et_clock *c = f->clock;
    et_device *dev = f->dev;
    et_device_write(dev, 0x0, UINT64_MAX - 7, 8);
    et_device_write(dev, MTIME, UINT64_MAX - 15, 8);
    assert_int_equal(f->level[0], 0);
    f->n_ev = 0;
    et_clock_step(c, 10000);
    /* rises after 8 ticks (800 ns), falls after 16 (mtime 0 at 1600 ns) */
    assert_int_equal(f->n_ev, 2);
    assert_int_equal(f->ev[0].level, 1);
    assert_int_equal(f->ev[0].t, 800);
    assert_int_equal(f->ev[1].level, 0);
    assert_int_equal(f->ev[1].t, 1600);
    assert_int_equal(et_device_read(dev, MTIME, 8), 100 - 16);
    assert_int_equal(et_clock_deadline(c), ET_NO_DEADLINE); /* 2^64 ticks away */
    rec_done(f);
}

/* Every mtime write re-evaluates every hart, both ways. */
static void test_mtime_write_reevaluates_all_harts(void **state)
{
    (void)state;
    device_fixture *f = mtimer_fixture(3, 0, 10000000);
    et_clock *c = f->clock;
    et_device *dev = f->dev;
    et_device_write(dev, 0x0, 1000, 8);
    et_device_write(dev, 0x8, 5000, 8);
    et_device_write(dev, 0x10, UINT64_MAX, 8);
    assert_int_equal(f->level[0] + f->level[1] + f->level[2], 0);

    et_device_write(dev, MTIME, 2000, 8);
    assert_int_equal(f->level[0], 1);
    assert_int_equal(f->level[1], 0);
    assert_int_equal(f->level[2], 0);
    assert_int_equal(et_clock_deadline(c), 300000); /* hart 1: 3000 ticks */

    et_device_write(dev, MTIME_HI, 1, 4); /* mtime 0x1_000007D0: all but ~0 */
    assert_int_equal(f->level[0], 1);
    assert_int_equal(f->level[1], 1);
    assert_int_equal(f->level[2], 0);

    et_device_write(dev, MTIME, 0, 8);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(f->level[1], 0);
    assert_int_equal(et_clock_deadline(c), 100000); /* hart 0 again */
    et_clock_step(c, 500000);
    assert_int_equal(f->level[0], 1);
    assert_int_equal(f->level[1], 1);
    assert_int_equal(f->level[2], 0);
    rec_done(f);
}

/* --- hart indexing --------------------------------------------------------- */

/* QEMU's virt with 2 sockets of 4 harts: the second MTIMER has hartid-base
 * 4. Its mtimecmp registers are still at 8 * relative hart; QEMU's read and
 * half-write paths index them by absolute hart id (research 7.5). */
static void test_two_sockets_hartid_base(void **state)
{
    (void)state;
    device_fixture *r0 = df_new();
    device_fixture *r1 = df_new_on(r0);
    et_clock *c = r0->clock;
    df_attach(r0, new_mtimer(c, 4, 0, 10000000), NULL);
    df_attach(r1, new_mtimer(c, 4, 4, 10000000), NULL);
    et_device *s0 = r0->dev;
    et_device *s1 = r1->dev;
    for (uint32_t i = 0; i < 4; i++) {
        et_device_write(s0, 8 * i, UINT64_MAX, 8);
        et_device_write(s1, 8 * i, UINT64_MAX, 8);
    }
    assert_string_equal(et_device_irq(s1, 1)->name, "mtip5");

    /* Hart 5 = socket 1, relative hart 1, offset 0x8. */
    et_device_write(s1, 0x8, UINT64_C(0x0000000100000000), 8);
    assert_int_equal(et_device_read(s1, 0x8, 8), UINT64_C(0x0000000100000000));
    assert_int_equal(et_device_read(s1, 0xC, 4), 1);
    et_device_write(s1, 0x8, 300, 4); /* low half keeps high half 1 */
    assert_int_equal(et_device_read(s1, 0x8, 8), UINT64_C(0x000000010000012C));
    et_device_write(s1, 0xC, 0, 4); /* high half keeps low half 300 */
    assert_int_equal(et_device_read(s1, 0x8, 8), 300);
    assert_int_equal(et_device_read(s1, 0x8, 4), 300);
    for (uint32_t i = 0; i < 4; i++) {
        if (i != 1) {
            assert_int_equal(et_device_read(s1, 8 * i, 8), UINT64_MAX);
        }
        assert_int_equal(et_device_read(s0, 8 * i, 8), UINT64_MAX);
    }

    et_clock_step(c, 300 * 100);
    assert_int_equal(r1->level[1], 1);
    assert_int_equal(r1->level[0] + r1->level[2] + r1->level[3], 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(r0->level[i], 0);
    }
    assert_int_equal(et_riscv_aclint_mtimer_mtip(s1, 5), 1);
    assert_int_equal(et_riscv_aclint_mtimer_mtip(s1, 4), 0);
    assert_int_equal(et_riscv_aclint_mtimer_mtip(s1, 1), ET_ENOENT); /* socket 0's */
    assert_int_equal(et_riscv_aclint_mtimer_mtip(s1, 8), ET_ENOENT);
    assert_int_equal(et_riscv_aclint_mtimer_mtip(s0, 1), 0);

    /* An mtime write on socket 1 re-evaluates its own harts only. */
    et_device_write(s1, MTIME, 0, 8);
    assert_int_equal(r1->level[1], 0);
    et_device_write(s0, 0x18, 10, 8); /* hart 3 */
    et_clock_step(c, 1000);
    assert_int_equal(r0->level[3], 1);
    assert_int_equal(r1->level[3], 0);
    et_device_reset(s1);
    assert_int_equal(et_device_read(s1, 0x8, 8), 300);
    df_free(r1);
    df_free(r0);
}

static void test_4095_harts(void **state)
{
    (void)state;
    device_fixture *f = mtimer_fixture(4095, 0, 10000000);
    et_clock *c = f->clock;
    et_device *dev = f->dev;
    assert_int_equal(et_device_irq_count(dev), 4095);
    rec_start(f);
    for (uint32_t i = 0; i < 4095; i++) {
        assert_int_equal(f->level[i], 1);
    }
    et_device_write(dev, MTIME, 1000, 8);
    for (uint32_t i = 0; i < 4095; i++) {
        et_device_write(dev, 8 * i, 2000 + i, 8); /* hart i at tick 2000+i */
    }
    /* The last mtimecmp sits right below mtime: 0x7FF0 and 0x7FF8. */
    assert_int_equal(et_device_read(dev, 0x7FF0, 8), 2000 + 4094);
    assert_int_equal(et_device_read(dev, 0x7FF4, 4), 0);
    assert_int_equal(et_device_read(dev, MTIME, 8), 1000);
    et_device_write(dev, 0x7FF0, 1500, 4);
    assert_int_equal(et_device_read(dev, MTIME, 8), 1000);
    assert_int_equal(et_clock_deadline(c), 50000); /* hart 4094 at 1500 */

    et_clock_step(c, 50000);
    assert_int_equal(f->level[4094], 1);
    assert_int_equal(f->level[0], 0);
    /* mtime = 1000 + t / 100, so hart i (mtimecmp 2000 + i) rises at
     * t = 100000 + 100 i: hart 2046 at 304600 ns. */
    et_clock_step(c, 304600 - 50000);
    assert_int_equal(f->level[2046], 1);
    assert_int_equal(f->level[2047], 0);
    assert_int_equal(et_riscv_aclint_mtimer_mtip(dev, 2047), 0);
    assert_int_equal(et_riscv_aclint_mtimer_mtip(dev, 4094), 1);
    et_clock_step(c, 100);
    assert_int_equal(f->level[2047], 1);
    et_clock_step(c, 100 * 2048);
    for (uint32_t i = 0; i < 4095; i++) {
        assert_int_equal(f->level[i], 1);
    }
    assert_int_equal(rec_total(f), 4095 * 2);
    rec_done(f);
}

/* --- software-interrupt devices -------------------------------------------- */

static et_device *new_swi(et_clock *c, uint32_t n, uint32_t base, bool sswi)
{
    char err[256] = "";
    et_riscv_aclint_swi_config cfg = { .hartid_base = base, .num_harts = n, .sswi = sswi };
    et_device *dev = et_riscv_aclint_swi_new(c, sswi ? "sswi" : "mswi", &cfg, err, sizeof(err));
    if (!dev) {
        fail_msg("swi: %s", err);
    }
    return dev;
}

static void test_mswi(void **state)
{
    (void)state;
    device_fixture *f = df_new();
    et_clock *c = f->clock;
    df_attach(f, new_swi(c, 2, 3, false), NULL);
    et_device *dev = f->dev;
    rec_start(f);
    assert_int_equal(et_device_irq_count(dev), 2);
    assert_string_equal(et_device_irq(dev, 1)->name, "msip4");
    assert_int_equal(et_device_read(dev, 0x0, 4), 0);
    assert_int_equal(et_device_read(dev, 0x4, 4), 0);

    et_device_write(dev, 0x4, 1, 4);
    assert_int_equal(f->level[1], 1);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(et_device_read(dev, 0x4, 4), 1);
    assert_int_equal(et_device_read(dev, 0x0, 4), 0);
    et_device_write(dev, 0x4, 0xFFFFFFFE, 4); /* bit 0 clear: lowers */
    assert_int_equal(f->level[1], 0);
    assert_int_equal(et_device_read(dev, 0x4, 4), 0);
    et_device_write(dev, 0x0, 0xFFFFFFFF, 4); /* upper bits are wired to 0 */
    assert_int_equal(et_device_read(dev, 0x0, 4), 1);
    assert_int_equal(f->level[0], 1);

    unsigned long errors = et_device_guest_error_count(dev);
    assert_int_equal(et_device_read(dev, 0x8, 4), 0); /* no third hart */
    et_device_write(dev, 0x8, 1, 4);
    assert_int_equal(et_device_read(dev, 0x3FFC, 4), 0); /* reserved */
    assert_int_equal(et_device_read(dev, 0x0, 8), 0);
    assert_int_equal(et_device_read(dev, 0x0, 2), 0);
    assert_int_equal(et_device_read(dev, 0x0, 1), 0);
    et_device_write(dev, 0x4, 1, 2);
    et_device_write(dev, 0x2, 1, 4);
    assert_int_equal(et_device_read(dev, 0x4000, 4), 0);
    assert_int_equal(et_device_guest_error_count(dev), errors + 9);
    assert_int_equal(f->level[1], 0);

    et_device_write(dev, 0x4, 1, 4);
    et_device_reset(dev); /* spec: MSIP cleared on reset */
    assert_int_equal(f->level[0], 0);
    assert_int_equal(f->level[1], 0);
    assert_int_equal(et_device_read(dev, 0x0, 4), 0);
    rec_done(f);
}

static void test_sswi(void **state)
{
    (void)state;
    device_fixture *f = df_new();
    et_clock *c = f->clock;
    df_attach(f, new_swi(c, 4095, 0, true), NULL);
    et_device *dev = f->dev;
    rec_start(f);
    assert_string_equal(et_device_irq(dev, 4094)->name, "ssip4094");
    /* Writing 1 sends one edge (a pulse); reads give 0; 0 does nothing. */
    et_device_write(dev, 0x3FF8, 1, 4);
    assert_int_equal(f->n_ev, 2);
    assert_int_equal(f->ev[0].n, 4094);
    assert_int_equal(f->ev[0].level, 1);
    assert_int_equal(f->ev[1].n, 4094);
    assert_int_equal(f->ev[1].level, 0);
    assert_int_equal(et_device_read(dev, 0x3FF8, 4), 0);
    et_device_write(dev, 0x3FF8, 1, 4); /* again: another edge */
    assert_int_equal(f->n_ev, 4);
    et_device_write(dev, 0x0, 0, 4);
    et_device_write(dev, 0x0, 2, 4);
    et_device_reset(dev);
    assert_int_equal(f->n_ev, 4);
    et_device_write(dev, 0x0, 3, 4);
    assert_int_equal(f->n_ev, 6);
    assert_int_equal(f->ev[4].n, 0);
    unsigned long errors = et_device_guest_error_count(dev);
    et_device_write(dev, 0x3FFC, 1, 4); /* reserved */
    assert_int_equal(et_device_guest_error_count(dev), errors + 1);
    assert_int_equal(f->n_ev, 6);
    rec_done(f);
}

/* --- saved state ------------------------------------------------------------ */

static const et_field *find_field(const et_vmstate *vs, const char *name)
{
    for (const et_field *f = vs->fields; f->name; f++) {
        if (strcmp(f->name, name) == 0) {
            return f;
        }
    }
    fail_msg("state '%s' has no field '%s'", vs->name, name);
    return NULL;
}

/* The snapshot keeps what determines the future: the mtime offset, and per
 * hart the compare value, the armed deadline and the MTIP level. */
static void test_saved_state_is_complete(void **state)
{
    (void)state;
    device_fixture *f = mtimer_fixture(3, 0, 10000000);
    et_clock *c = f->clock;
    et_device *dev = f->dev;
    const et_vmstate *vs = dev->ops->state;
    assert_non_null(vs);
    assert_int_equal(find_field(vs, "time_offset")->type, ET_FT_U64);
    const et_field *cmp = find_field(vs, "harts.mtimecmp");
    const et_field *tim = find_field(vs, "harts.timer");
    const et_field *irq = find_field(vs, "harts.mtip");
    assert_int_equal(cmp->type, ET_FT_U64);
    assert_int_equal(tim->type, ET_FT_TIMER);
    assert_int_equal(irq->type, ET_FT_IRQ);
    /* Per-hart arrays counted by num_harts: the count must read 3. */
    for (const et_field *fl = vs->fields; fl->name; fl++) {
        if (fl->flags & ET_FIELD_F_VARCOUNT) {
            uint32_t count;
            memcpy(&count, (const char *)dev + fl->count_offset, sizeof(count));
            assert_int_equal(count, 3);
        }
    }
    et_device_free(dev);
    f->dev = NULL;

    dev = new_swi(c, 2, 0, false);
    vs = dev->ops->state;
    assert_non_null(vs);
    assert_int_equal(find_field(vs, "harts.line")->type, ET_FT_IRQ);
    et_device_free(dev);
    df_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mtimer_bad_configuration),
        cmocka_unit_test(test_swi_bad_configuration),
        cmocka_unit_test(test_mtimer_reset_state),
        cmocka_unit_test(test_mtime_reads_at_every_size),
        cmocka_unit_test(test_mtime_half_writes),
        cmocka_unit_test(test_mtimecmp_every_size),
        cmocka_unit_test(test_mtip_rises_exactly_at_mtimecmp),
        cmocka_unit_test(test_deadline_rounding_3mhz),
        cmocka_unit_test(test_deadline_rounding_32768hz),
        cmocka_unit_test(test_never_and_saturation),
        cmocka_unit_test(test_mtip_falls_when_mtime_wraps),
        cmocka_unit_test(test_mtime_write_reevaluates_all_harts),
        cmocka_unit_test(test_two_sockets_hartid_base),
        cmocka_unit_test(test_4095_harts),
        cmocka_unit_test(test_mswi),
        cmocka_unit_test(test_sswi),
        cmocka_unit_test(test_saved_state_is_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
