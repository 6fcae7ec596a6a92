/* IB700 watchdog: the timeout table (30 - 2n seconds for n = 0..15, from
 * the IB700 manual and the Linux ib700wdt driver), enable / ping /
 * disable, the one-shot timeout, reset, and QEMU 7.2's
 * tests/qtest/wdt_ib700-test.c sequence through the pc machine with
 * ib700=on: its timeout is a system reset request (ET_BOARD_RESET). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "adapter_drive.h"
#include "device_fixture.h"
#include "emutime/devices/ib700.h"
#include "emutime/emutime.h"
#include "emutime/machine.h"

#define SEC INT64_C(1000000000)

static int setup(void **state)
{
    device_fixture *f = df_new();
    char err[128];
    df_attach(f, et_ib700_new(f->clock, "ib700", err, sizeof(err)), err);
    *state = f;
    return 0;
}

static void test_timeout_table(void **state)
{
    (void)state;
    static const unsigned want[16] = { 30, 28, 26, 24, 22, 20, 18, 16,
                                       14, 12, 10, 8,  6,  4,  2,  0 };
    for (unsigned n = 0; n < 16; n++) {
        assert_int_equal(et_ib700_timeout_seconds(n), want[n]);
        assert_int_equal(et_ib700_timeout_seconds(n | 0xf0), want[n]); /* bits 7:4 ignored */
    }
}

/* Each table entry times out exactly that many seconds after the enable,
 * as a pulse (raise then lower), once. */
static void test_each_timeout(void **state)
{
    device_fixture *f = *state;
    for (unsigned n = 0; n < 15; n++) {
        int64_t t0 = et_clock_now(f->clock);
        unsigned before = f->raises[0];
        et_device_write(f->dev, ET_IB700_ENABLE, n, 1);
        et_clock_step(f->clock, (int64_t)et_ib700_timeout_seconds(n) * SEC - 1);
        assert_int_equal(f->raises[0], before);
        et_clock_step(f->clock, 1);
        assert_int_equal(f->raises[0], before + 1);
        assert_int_equal(f->lowers[0], before + 1);
        assert_true(f->last_raise[0] == t0 + (int64_t)et_ib700_timeout_seconds(n) * SEC);
        et_clock_step(f->clock, 60 * SEC); /* stopped after the timeout */
        assert_int_equal(f->raises[0], before + 1);
    }
}

/* 0 s: the timeout is due at the write's own instant. */
static void test_zero_timeout(void **state)
{
    device_fixture *f = *state;
    et_device_write(f->dev, ET_IB700_ENABLE + 1, 15, 1); /* port 0x444 too */
    et_clock_step(f->clock, 0);
    assert_int_equal(f->raises[0], 1);
}

/* A ping restarts the countdown; either disable port stops it. */
static void test_ping_and_disable(void **state)
{
    device_fixture *f = *state;
    et_device_write(f->dev, ET_IB700_ENABLE, 14, 1); /* 2 s */
    et_clock_step(f->clock, SEC);
    et_device_write(f->dev, ET_IB700_ENABLE, 14, 1);
    et_clock_step(f->clock, 2 * SEC - 1);
    assert_int_equal(f->raises[0], 0);
    et_device_write(f->dev, ET_IB700_DISABLE + 1, 0, 1);
    et_clock_step(f->clock, 60 * SEC);
    assert_int_equal(f->raises[0], 0);
}

static void test_reads_and_reset(void **state)
{
    device_fixture *f = *state;
    for (unsigned p = 0; p < ET_IB700_REGION; p++) {
        assert_int_equal(et_device_read(f->dev, p, 1), 0xff);
    }
    et_device_write(f->dev, ET_IB700_ENABLE, 0, 1);
    et_device_reset(f->dev);
    et_clock_step(f->clock, 60 * SEC);
    assert_int_equal(f->raises[0], 0);
    assert_null(et_ib700_new(NULL, "x", NULL, 0));
}

/* wdt_ib700-test's ib700_program_and_wait on pc,ib700=on: nothing in the
 * first 45 s (programmed, pinged, disabled), then 13 (4 s) fires 4 s after
 * its enable at 45 s: not at 48 s, by 50 s. The request is performed at the
 * next command boundary (et_machine_run_pending_reset, as the qtest server
 * does). Unassigned neighbours still read all ones. */
static void test_qtest_program_and_wait(void **state)
{
    (void)state;
    char err[256];
    assert_null(et_machine_new("pc,ib700=maybe", err, sizeof(err)));
    et_machine *m = et_machine_new("pc,ib700=on", err, sizeof(err));
    assert_non_null(m);
    et_clock *c = et_machine_clock(m);
    et_clock_step(c, 40 * SEC);
    et_machine_out(m, 0x443, 14, 1);
    et_clock_step(c, SEC);
    et_machine_out(m, 0x443, 14, 1);
    et_clock_step(c, SEC);
    et_machine_out(m, 0x441, 1, 1);
    et_clock_step(c, 3 * SEC);
    assert_false(et_machine_reset_pending(m));
    et_machine_out(m, 0x443, 13, 1);
    et_clock_step(c, 3 * SEC);
    assert_false(et_machine_reset_pending(m));
    et_clock_step(c, 2 * SEC);
    assert_true(et_machine_reset_pending(m));
    assert_true(et_machine_run_pending_reset(m));
    assert_int_equal(et_machine_reset_count(m), 1);
    assert_int_equal(et_machine_in(m, 0x441, 4), 0xffffffffu);
    assert_int_equal(et_machine_in(m, 0x440, 1), 0xff);
    et_machine_free(m);

    /* Off by default: the ports are unassigned. */
    m = et_machine_new("pc", err, sizeof(err));
    et_machine_out(m, 0x443, 15, 1);
    et_clock_step(et_machine_clock(m), SEC);
    assert_false(et_machine_reset_pending(m));
    et_machine_free(m);
}

/* A 2-byte out to 0x443 is two 1-byte writes (0x443 then 0x444). */
static void test_wide_write_splits(void **state)
{
    (void)state;
    char err[256];
    et_machine *m = et_machine_new("q35,ib700=on", err, sizeof(err));
    assert_non_null(m);
    et_machine_out(m, 0x443, 0x0e0d, 2); /* 4 s, then 2 s: the second wins */
    et_clock_step(et_machine_clock(m), 2 * SEC - 1);
    assert_false(et_machine_reset_pending(m));
    et_clock_step(et_machine_clock(m), 1);
    assert_true(et_machine_reset_pending(m));
    et_machine_free(m);
}

static void test_adapter_on_manual_clock(void **state)
{
    (void)state;
    assert_true(et_test_adapter_drive("ib700", 3, 2000, NULL) > 100);
}

int main(void)
{
#define T_(fn) cmocka_unit_test_setup_teardown(fn, setup, df_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeout_table),
        T_(test_each_timeout),
        T_(test_zero_timeout),
        T_(test_ping_and_disable),
        T_(test_reads_and_reset),
        cmocka_unit_test(test_qtest_program_and_wait),
        cmocka_unit_test(test_wide_write_splits),
        cmocka_unit_test(test_adapter_on_manual_clock),
    };
#undef T_
    return cmocka_run_group_tests(tests, NULL, NULL);
}
