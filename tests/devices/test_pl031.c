/* ARM PL031 RTC (ARM DDI 0224): IDs and reset values, the 1 Hz count from a
 * wall clock, RTCLR loads, the match interrupt at the instant RTCDR becomes
 * RTCMR, the mask and clear, wrap-around, device reset, the differences from
 * QEMU 7.2 (checked with qemu-system-arm 7.2), the boards (versatilepb VIC 10, vexpress-a9 SPI 4, the rtc-base
 * / rtc-clock options) and snapshots restoring the guest's time.
 *
 * Time base: a "vm" wall clock reading 2020-01-01T00:00:00 (1577836800 s
 * since the epoch) at virtual time 0, so RTCDR = 1577836800 + floor(t / 1 s)
 * until the guest loads another value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapter_drive.h"
#include "device_fixture.h"
#include "emutime/devices/pl031.h"
#include "emutime/emutime.h"
#include "emutime/machine.h"

#define S 1000000000LL
#define T2020 1577836800u

#define DR ET_PL031_DR
#define MR ET_PL031_MR
#define LR ET_PL031_LR
#define CR ET_PL031_CR
#define IMSC ET_PL031_IMSC
#define RIS ET_PL031_RIS
#define MIS ET_PL031_MIS
#define ICR ET_PL031_ICR

static int setup(void **state)
{
    device_fixture *f = df_new();
    et_pl031_config cfg = { .wallclock = et_wallclock_vm_at((int64_t)T2020 * S, 0) };
    char err[128];
    df_attach(f, et_pl031_new(f->clock, "rtc", &cfg, err, sizeof(err)), err);
    *state = f;
    return 0;
}

/* TRM register summary: IDs 0x31 0x10 0x14 0x00 / 0x0D 0xF0 0x05 0xB1;
 * MR, LR, IMSC, RIS 0 at reset; CR reads 1 (always started, as QEMU). */
static void test_ids_and_reset_values(void **state)
{
    device_fixture *f = *state;
    static const uint8_t ids[8] = { 0x31, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1 };
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(rd(f, ET_PL031_PERIPHID0 + 4 * i), ids[i]);
    }
    assert_int_equal(rd(f, MR), 0);
    assert_int_equal(rd(f, LR), 0);
    assert_int_equal(rd(f, CR), 1);
    assert_int_equal(rd(f, IMSC), 0);
    assert_int_equal(rd(f, RIS), 0);
    assert_int_equal(rd(f, MIS), 0);
    assert_int_equal(et_device_irq_count(f->dev), 1);
    assert_string_equal(et_device_irq(f->dev, 0)->name, "rtcintr");
}

/* One count per second of the wall clock, at the second boundaries. */
static void test_counts_seconds(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(rd(f, DR), T2020);
    step(f, S - 1);
    assert_int_equal(rd(f, DR), T2020);
    step(f, 1);
    assert_int_equal(rd(f, DR), T2020 + 1);
    step(f, 3600 * S);
    assert_int_equal(rd(f, DR), T2020 + 3601);
    /* Byte lanes: byte 1 of DR is bits 15:8. */
    assert_int_equal(et_device_read(f->dev, DR + 1, 1), ((T2020 + 3601) >> 8) & 0xff);
}

/* RTCLR loads the counter at once (TRM: "the counter is loaded with the
 * value written"); the 1 Hz phase continues, and RTCLR reads back the
 * value. */
static void test_load(void **state)
{
    device_fixture *f = *state;
    step(f, S / 2);
    wr(f, LR, 1000);
    assert_int_equal(rd(f, DR), 1000);
    assert_int_equal(rd(f, LR), 1000);
    step(f, S / 2 - 1);
    assert_int_equal(rd(f, DR), 1000);
    step(f, 1);
    assert_int_equal(rd(f, DR), 1001);
}

/* RTCMR 3 ahead written at 0.25 s: RIS is set when RTCDR becomes RTCMR, at
 * 3 s exactly (QEMU 7.2: at 3.25 s, three whole seconds after the write).
 * The line is RIS && IMSC; RTCICR clears with bit 0 only. */
static void test_match(void **state)
{
    device_fixture *f = *state;
    step(f, S / 4);
    wr(f, MR, T2020 + 3);
    step(f, 3 * S - S / 4 - 1);
    assert_int_equal(rd(f, RIS), 0);
    step(f, 1);
    assert_int_equal(rd(f, DR), T2020 + 3);
    assert_int_equal(rd(f, RIS), 1);
    assert_int_equal(rd(f, MIS), 0);
    assert_int_equal(f->calls[0], 0);
    wr(f, IMSC, 1);
    assert_int_equal(f->level[0], 1);
    assert_int_equal(rd(f, MIS), 1);
    wr(f, ICR, 2); /* bit 0 clear: no effect */
    assert_int_equal(rd(f, RIS), 1);
    wr(f, ICR, 1);
    assert_int_equal(rd(f, RIS), 0);
    assert_int_equal(f->level[0], 0);
}

/* RTCMR written equal to RTCDR matches at once; so does an RTCLR write that
 * makes them equal. */
static void test_match_at_write(void **state)
{
    device_fixture *f = *state;
    wr(f, IMSC, 1);
    wr(f, MR, T2020);
    assert_int_equal(rd(f, RIS), 1);
    assert_int_equal(f->level[0], 1);
    wr(f, ICR, 1);
    wr(f, MR, 5);
    assert_int_equal(rd(f, RIS), 0);
    wr(f, LR, 5);
    assert_int_equal(rd(f, RIS), 1);
}

/* The counter wraps: loaded with 0xFFFFFFFF, a match at 0 comes one second
 * later. */
static void test_wrap(void **state)
{
    device_fixture *f = *state;
    wr(f, LR, 0xffffffffu);
    wr(f, MR, 0);
    wr(f, IMSC, 1);
    step(f, S);
    assert_int_equal(rd(f, DR), 0);
    assert_int_equal(f->level[0], 1);
    assert_int_equal(f->last_raise[0], S);
}

/* PRESETn clears the APB registers and the pending match; the time (its
 * own reset, nRTCRST) goes on, including a guest-loaded offset. */
static void test_reset_keeps_time(void **state)
{
    device_fixture *f = *state;
    wr(f, LR, 5000);
    wr(f, MR, 5002);
    wr(f, IMSC, 1);
    step(f, S);
    et_device_reset(f->dev);
    assert_int_equal(rd(f, MR), 0);
    assert_int_equal(rd(f, LR), 0);
    assert_int_equal(rd(f, IMSC), 0);
    assert_int_equal(rd(f, DR), 5001);
    step(f, 5 * S);
    assert_int_equal(rd(f, RIS), 0); /* the match at 5002 was cleared */
    assert_int_equal(rd(f, DR), 5006);
}

static void test_bad_accesses(void **state)
{
    device_fixture *f = *state;
    wr(f, DR, 1);
    wr(f, RIS, 1);
    wr(f, ET_PL031_PERIPHID0, 1);
    assert_int_equal(rd(f, ICR), 0);
    assert_int_equal(rd(f, 0x020), 0);
    assert_int_equal(rd(f, DR), T2020);
    assert_int_equal(et_device_guest_error_count(f->dev), 5);
}

static void test_bad_configuration(void **state)
{
    (void)state;
    char err[160];
    et_clock *clock = et_clock_new_manual();
    assert_null(et_pl031_new(clock, "rtc", NULL, err, sizeof(err)));
    et_pl031_config cfg = { .wallclock = { .source = (et_wallclock_source)7 } };
    assert_null(et_pl031_new(clock, "rtc", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "source"));
    cfg.wallclock = et_wallclock_vm_at(0, 0);
    assert_null(et_pl031_new(NULL, "rtc", &cfg, err, sizeof(err)));
    et_clock_free(clock);
}

/* --- boards ----------------------------------------------------------------- */

/* versatilepb: 0x101e8000 on VIC 10; vexpress-a9: 0x10017000 on
 * a9mpcore_priv input 4. rtc-base=DATE, rtc-clock=vm makes it
 * deterministic. */
static void test_boards(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *path;
        uint64_t base;
        int input;
    } boards[] = {
        { "versatilepb,rtc-base=2020-01-01,rtc-clock=vm", "/machine/unattached/device[2]",
          0x101e8000, 10 },
        { "vexpress-a9,rtc-base=2020-01-01T00:00:10,rtc-clock=vm",
          "/machine/unattached/device[1]", 0x10017000, 4 },
    };
    char err[256];
    for (int i = 0; i < 2; i++) {
        device_fixture *f = df_new_machine(boards[i].spec);
        et_machine *m = f->m;
        df_intercept(f, boards[i].path);
        uint32_t t0 = T2020 + (i ? 10 : 0);
        assert_int_equal(et_machine_read(m, boards[i].base + DR, 4), t0);
        et_machine_write(m, boards[i].base + MR, t0 + 2, 4);
        et_machine_write(m, boards[i].base + IMSC, 1, 4);
        et_clock_step(et_machine_clock(m), 2 * S);
        assert_int_equal(df_count_changes(f), 1);
        assert_int_equal(df_change(f, 0)->n, boards[i].input);
        assert_int_equal(df_change(f, 0)->level, 1);
        df_free(f);
    }
    assert_null(et_machine_new("versatilepb,rtc-base=yesterday", err, sizeof(err)));
    assert_non_null(strstr(err, "rtc-base"));
    assert_null(et_machine_new("vexpress-a9,rtc-clock=sundial", err, sizeof(err)));
    assert_non_null(strstr(err, "rtc-clock"));
}

/* The default time base is the host's UTC, advancing with the host. */
static void test_board_default_is_host_utc(void **state)
{
    (void)state;
    char err[256];
    time_t before = time(NULL);
    et_machine *m = et_machine_new("versatilepb", err, sizeof(err));
    assert_non_null(m);
    uint32_t dr = (uint32_t)et_machine_read(m, 0x101e8000, 4);
    time_t after = time(NULL);
    assert_true(dr >= (uint32_t)before && dr <= (uint32_t)after);
    et_machine_free(m);
}

/* A snapshot restores the guest's time exactly on a vm clock: the loading
 * machine has another base, but after the load it reads the saved machine's
 * time (its loaded offset included) and matches at the same instant. */
static void test_snapshot_restores_time(void **state)
{
    (void)state;
    char err[256];
    et_machine *a = et_machine_new("versatilepb,rtc-base=2020-01-01,rtc-clock=vm", err,
                                   sizeof(err));
    et_machine *b = et_machine_new("versatilepb,rtc-base=1999-12-31,rtc-clock=vm", err,
                                   sizeof(err));
    assert_non_null(a);
    assert_non_null(b);
    et_clock_step(et_machine_clock(a), S / 2);
    et_machine_write(a, 0x101e8008, 777, 4);
    et_machine_write(a, 0x101e8004, 780, 4);
    et_machine_write(a, 0x101e8010, 1, 4);
    et_clock_step(et_machine_clock(a), S);
    uint8_t *buf;
    size_t len;
    assert_int_equal(et_machine_snapshot_save(a, &buf, &len, err, sizeof(err)), 0);
    assert_int_equal(et_machine_snapshot_load(b, buf, len, err, sizeof(err)), 0);
    free(buf);
    assert_int_equal(et_machine_read(b, 0x101e8000, 4), 778);
    assert_int_equal(et_machine_read(b, 0x101e8008, 4), 777);
    et_clock_step(et_machine_clock(b), S - 1); /* 2.5 s - 1 ns: still 779 */
    assert_int_equal(et_machine_read(b, 0x101e8000, 4), 779);
    assert_int_equal(et_machine_read(b, 0x101e8014, 4), 0);
    et_clock_step(et_machine_clock(b), S / 2 + 1); /* 3 s: 780, the match */
    assert_int_equal(et_machine_read(b, 0x101e8000, 4), 780);
    assert_int_equal(et_machine_read(b, 0x101e8014, 4), 1);
    et_machine_free(a);
    et_machine_free(b);
}

static void test_adapter_on_manual_clock(void **state)
{
    (void)state;
    assert_true(et_test_adapter_drive("pl031", 4242, 20000, NULL) > 0);
}

int main(void)
{
#define T_(fn) cmocka_unit_test_setup_teardown(fn, setup, df_teardown)
    const struct CMUnitTest tests[] = {
        T_(test_ids_and_reset_values),
        T_(test_counts_seconds),
        T_(test_load),
        T_(test_match),
        T_(test_match_at_write),
        T_(test_wrap),
        T_(test_reset_keeps_time),
        T_(test_bad_accesses),
        cmocka_unit_test(test_bad_configuration),
        cmocka_unit_test(test_boards),
        cmocka_unit_test(test_board_default_is_host_utc),
        cmocka_unit_test(test_snapshot_restores_time),
        cmocka_unit_test(test_adapter_on_manual_clock),
    };
#undef T_
    return cmocka_run_group_tests(tests, NULL, NULL);
}
