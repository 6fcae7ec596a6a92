/* The Goldfish RTC: the time and its TIME_HIGH latch, the alarm, the
 * interrupt, reset, bad accesses, the time bases and snapshots. Expected
 * values come from QEMU's register map (hw/rtc/goldfish_rtc.c) and the
 * Goldfish rule "the alarm fires when the time reaches it", worked out in
 * the comments; QEMU 7.2.22's answers to the same accesses were checked with
 * its qtest server (-S, so the virtual clock stays at 0) where noted.
 *
 * Most tests use rtc-base 2020-01-01, rtc-clock vm: 2020-01-01T00:00:00Z is
 * 18262 days = 1577836800 s after the epoch = 1577836800000000000 ns
 * = 0x15e59a35_b98a0000, and the time is that plus the virtual time. */
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
#include "emutime/devices/goldfish_rtc.h"
#include "emutime/emutime.h"

#define TIME_LOW ET_GOLDFISH_RTC_TIME_LOW
#define TIME_HIGH ET_GOLDFISH_RTC_TIME_HIGH
#define ALARM_LOW ET_GOLDFISH_RTC_ALARM_LOW
#define ALARM_HIGH ET_GOLDFISH_RTC_ALARM_HIGH
#define IRQ_ENABLED ET_GOLDFISH_RTC_IRQ_ENABLED
#define CLEAR_ALARM ET_GOLDFISH_RTC_CLEAR_ALARM
#define ALARM_STATUS ET_GOLDFISH_RTC_ALARM_STATUS
#define CLEAR_INTERRUPT ET_GOLDFISH_RTC_CLEAR_INTERRUPT

#define Y2020_NS UINT64_C(0x15e59a35b98a0000)

static device_fixture *start(const char *base, const char *clock)
{
    device_fixture *f = df_new();
    et_goldfish_rtc_config cfg = { .rtc_base = base, .rtc_clock = clock };
    char err[160];
    df_attach(f, et_goldfish_rtc_new(f->clock, "rtc", &cfg, err, sizeof(err)), err);
    return f;
}

static device_fixture *start_2020(void)
{
    return start("2020-01-01", "vm");
}

/* TIME_LOW, then TIME_HIGH: how a guest reads the 64-bit time. */
static uint64_t read_time(device_fixture *f)
{
    uint64_t lo = rd(f, TIME_LOW);
    return ((uint64_t)rd(f, TIME_HIGH) << 32) | lo;
}

static void set_alarm(device_fixture *f, uint64_t at)
{
    wr(f, ALARM_HIGH, (uint32_t)(at >> 32));
    wr(f, ALARM_LOW, (uint32_t)at);
}

static void test_time_follows_vm_clock(void **state)
{
    (void)state;
    device_fixture *f = start_2020();
    /* QEMU 7.2.22 with -rtc base=2020-01-01,clock=vm reads 0xb98a0000,
     * then 0x15e59a35. */
    assert_int_equal(rd(f, TIME_LOW), 0xb98a0000u);
    assert_int_equal(rd(f, TIME_HIGH), 0x15e59a35u);
    et_clock_step(f->clock, 1234);
    assert_int_equal(read_time(f), Y2020_NS + 1234);
    assert_int_equal(et_goldfish_rtc_time(f->dev), Y2020_NS + 1234);
    /* A 64-bit read is not accepted (4-byte registers): it reads 0. */
    assert_int_equal(et_device_read(f->dev, TIME_LOW, 8), 0);
    /* Nothing else changed: no interrupt, no alarm. */
    assert_int_equal(rd(f, ALARM_STATUS), 0);
    assert_int_equal(rd(f, IRQ_ENABLED), 0);
    assert_int_equal(rd(f, ALARM_LOW), 0);
    assert_int_equal(rd(f, ALARM_HIGH), 0);
    assert_int_equal(f->changes[0], 0);
    df_free(f);
}

/* TIME_HIGH returns what the last TIME_LOW read latched, however far the
 * time has moved since, so a TIME_LOW, TIME_HIGH pair never tears at a
 * carry out of bit 31. */
static void test_time_high_latch(void **state)
{
    (void)state;
    device_fixture *f = start_2020();
    /* Before any TIME_LOW read the latch is 0. */
    assert_int_equal(rd(f, TIME_HIGH), 0);
    /* Time 0x00000002_fffffff0 (TIME_HIGH, then TIME_LOW, as Linux sets it). */
    wr(f, TIME_HIGH, 2);
    wr(f, TIME_LOW, 0xfffffff0u);
    assert_int_equal(rd(f, TIME_LOW), 0xfffffff0u);
    /* 0x20 ns later the low half has wrapped: 0x00000003_00000010. The latch
     * still holds 2 until the next TIME_LOW read. */
    et_clock_step(f->clock, 0x20);
    assert_int_equal(rd(f, TIME_HIGH), 2);
    assert_int_equal(rd(f, TIME_LOW), 0x10u);
    assert_int_equal(rd(f, TIME_HIGH), 3);
    df_free(f);
}

/* A write sets one half and keeps the other counting: TIME_HIGH = 0x20 at
 * vm 0 gives 0x00000020_b98a0000; TIME_LOW = 5 then gives 0x00000020_00000005
 * (QEMU 7.2.22: the same reads). */
static void test_time_writes(void **state)
{
    (void)state;
    device_fixture *f = start_2020();
    wr(f, TIME_HIGH, 0x20);
    assert_int_equal(read_time(f), UINT64_C(0x20b98a0000));
    wr(f, TIME_LOW, 5);
    assert_int_equal(read_time(f), UINT64_C(0x2000000005));
    et_clock_step(f->clock, 100);
    assert_int_equal(read_time(f), UINT64_C(0x2000000069));
    df_free(f);
}

/* The alarm fires when the time reaches it: exactly at that nanosecond on
 * the vm clock. The output is pending AND IRQ_ENABLED. */
static void test_alarm_fires_on_time(void **state)
{
    (void)state;
    device_fixture *f = start_2020();
    wr(f, IRQ_ENABLED, 1);
    set_alarm(f, Y2020_NS + 1000);
    assert_int_equal(rd(f, ALARM_STATUS), 1);
    assert_int_equal(rd(f, ALARM_LOW), 0xb98a03e8u);
    assert_int_equal(rd(f, ALARM_HIGH), 0x15e59a35u);
    et_clock_step(f->clock, 999);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(rd(f, ALARM_STATUS), 1);
    et_clock_step(f->clock, 1);
    assert_int_equal(f->level[0], 1);
    assert_int_equal(rd(f, ALARM_STATUS), 0); /* fired: disarmed */
    /* The alarm fires once. */
    et_clock_step(f->clock, 1000000);
    assert_int_equal(f->changes[0], 1);
    wr(f, CLEAR_INTERRUPT, 1);
    assert_int_equal(f->level[0], 0);
    df_free(f);
}

/* IRQ_ENABLED gates the output, not the pending bit: an alarm fired while
 * disabled shows as soon as it is enabled, and disabling hides it again. */
static void test_irq_enabled_gates_output(void **state)
{
    (void)state;
    device_fixture *f = start_2020();
    set_alarm(f, Y2020_NS + 10);
    et_clock_step(f->clock, 10);
    assert_int_equal(rd(f, ALARM_STATUS), 0);
    assert_int_equal(f->level[0], 0);
    wr(f, IRQ_ENABLED, 3); /* bit 0 only */
    assert_int_equal(rd(f, IRQ_ENABLED), 1);
    assert_int_equal(f->level[0], 1);
    wr(f, IRQ_ENABLED, 0);
    assert_int_equal(f->level[0], 0);
    wr(f, CLEAR_INTERRUPT, 0); /* any value clears */
    wr(f, IRQ_ENABLED, 1);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(f->changes[0], 2);
    df_free(f);
}

/* ALARM_LOW arms; ALARM_HIGH alone does not. An alarm at or before the
 * time fires at once (QEMU 7.2.22: "IRQ raise 11" in the ALARM_LOW write's
 * reply, ALARM_STATUS 0). CLEAR_ALARM disarms without an interrupt. */
static void test_alarm_arming(void **state)
{
    (void)state;
    device_fixture *f = start_2020();
    wr(f, IRQ_ENABLED, 1);
    wr(f, ALARM_HIGH, 0x15e59a36);
    assert_int_equal(rd(f, ALARM_STATUS), 0);
    wr(f, ALARM_LOW, 0);
    assert_int_equal(rd(f, ALARM_STATUS), 1);
    wr(f, CLEAR_ALARM, 1);
    assert_int_equal(rd(f, ALARM_STATUS), 0);
    /* 0x15e59a36_00000000 - 0x15e59a35_b98a0000 = 0x46760000 ns later:
     * nothing, it was cleared. */
    et_clock_step(f->clock, 0x46760000);
    assert_int_equal(f->changes[0], 0);
    /* Equal to the time: fires at once. */
    set_alarm(f, Y2020_NS + 0x46760000);
    assert_int_equal(f->level[0], 1);
    assert_int_equal(rd(f, ALARM_STATUS), 0);
    wr(f, CLEAR_INTERRUPT, 1);
    /* In the past: fires at once too. */
    set_alarm(f, 1);
    assert_int_equal(f->level[0], 1);
    df_free(f);
}

/* Divergence (docs/divergences.md): the alarm belongs to the time. A guest
 * that sets the time past an armed alarm gets it at once; one that sets the
 * time back gets it when the new time reaches it. QEMU keeps its timer at
 * the instant the old time would have reached the alarm. */
static void test_divergence_time_write_moves_alarm(void **state)
{
    (void)state;
    device_fixture *f = start_2020();
    wr(f, IRQ_ENABLED, 1);
    set_alarm(f, Y2020_NS + 1000);
    /* Back by 0x10000 ns (low half 0xb98a0000 -> 0xb989_0000): the alarm is
     * now 1000 + 0x10000 = 66536 ns away. */
    wr(f, TIME_LOW, 0xb9890000u);
    et_clock_step(f->clock, 1000);
    assert_int_equal(f->level[0], 0); /* QEMU would fire here */
    assert_int_equal(rd(f, ALARM_STATUS), 1);
    et_clock_step(f->clock, 65535);
    assert_int_equal(f->level[0], 0);
    et_clock_step(f->clock, 1);
    assert_int_equal(f->level[0], 1);
    wr(f, CLEAR_INTERRUPT, 1);
    /* Forward past an armed alarm: at once. */
    set_alarm(f, read_time(f) + 5000);
    wr(f, TIME_HIGH, 0x16000000);
    assert_int_equal(f->level[0], 1);
    assert_int_equal(rd(f, ALARM_STATUS), 0);
    df_free(f);
}

/* Divergence: an alarm further away than the clock can count (2^63 ns of
 * virtual time) never fires. QEMU 7.2.22 fires 0xffffffff_00000000 (year
 * 2554) at once: its timer deadline overflows to a negative time. */
static void test_divergence_far_alarm_never_fires(void **state)
{
    (void)state;
    device_fixture *f = start_2020();
    wr(f, IRQ_ENABLED, 1);
    set_alarm(f, UINT64_C(0xffffffff00000000));
    assert_int_equal(rd(f, ALARM_STATUS), 1);
    et_clock_step(f->clock, INT64_C(1) << 62);
    assert_int_equal(f->changes[0], 0);
    assert_int_equal(rd(f, ALARM_STATUS), 1);
    /* One within range still fires exactly: 2^61 ns from now (the clock is
     * at 2^62, so the deadline 2^62 + 2^61 < 2^63). */
    uint64_t at = read_time(f) + (UINT64_C(1) << 61);
    set_alarm(f, at);
    et_clock_step(f->clock, (INT64_C(1) << 61) - 1);
    assert_int_equal(f->level[0], 0);
    et_clock_step(f->clock, 1);
    assert_int_equal(f->level[0], 1);
    df_free(f);
}

/* Reset: alarm disarmed, ALARM, IRQ_ENABLED and pending cleared, the
 * output low; the time keeps running, including the guest's own setting
 * (QEMU 7.2.22 after system_reset: TIME_HIGH still the value written). */
static void test_reset_keeps_time(void **state)
{
    (void)state;
    device_fixture *f = start_2020();
    wr(f, TIME_HIGH, 0x20);
    wr(f, IRQ_ENABLED, 1);
    set_alarm(f, 1); /* past: pending, output high */
    set_alarm(f, UINT64_C(0x3000000000));
    assert_int_equal(f->level[0], 1);
    et_clock_step(f->clock, 7);
    et_device_reset(f->dev);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(rd(f, ALARM_STATUS), 0);
    assert_int_equal(rd(f, IRQ_ENABLED), 0);
    assert_int_equal(rd(f, ALARM_LOW), 0);
    assert_int_equal(rd(f, ALARM_HIGH), 0);
    assert_int_equal(read_time(f), UINT64_C(0x20b98a0007));
    /* The disarmed alarm stays quiet; enabling shows nothing pending. */
    wr(f, IRQ_ENABLED, 1);
    et_clock_step(f->clock, INT64_C(1) << 40);
    assert_int_equal(f->level[0], 0);
    df_free(f);
}

static void test_bad_accesses(void **state)
{
    (void)state;
    device_fixture *f = start_2020();
    unsigned long errs = et_device_guest_error_count(f->dev);
    /* Write-only registers and the unmapped word at 0x20 read 0 (QEMU:
     * "offset 0x20 is UNIMP", 0). */
    assert_int_equal(rd(f, CLEAR_ALARM), 0);
    assert_int_equal(rd(f, CLEAR_INTERRUPT), 0);
    assert_int_equal(rd(f, 0x20), 0);
    /* ALARM_STATUS is read-only. */
    set_alarm(f, Y2020_NS + 100);
    wr(f, ALARM_STATUS, 0);
    assert_int_equal(rd(f, ALARM_STATUS), 1);
    wr(f, 0x20, 1);
    /* Byte, halfword and misaligned accesses are refused (QEMU: "invalid
     * size (min:4 max:4)", reads 0). */
    assert_int_equal(et_device_read(f->dev, TIME_LOW, 1), 0);
    assert_int_equal(et_device_read(f->dev, TIME_LOW, 2), 0);
    assert_int_equal(et_device_read(f->dev, 2, 4), 0);
    et_device_write(f->dev, IRQ_ENABLED, 1, 1);
    assert_int_equal(rd(f, IRQ_ENABLED), 0);
    assert_int_equal(et_device_guest_error_count(f->dev) - errs, 9);
    /* Outside the 0x24-byte region. */
    assert_int_equal(et_device_read(f->dev, 0x24, 4), 0);
    df_free(f);
}

/* The default base, utc on the host clock: the time at creation is the
 * host's in whole seconds (QEMU sets it from a calendar time), so a read
 * lies between the second the creation started in and the host time after
 * the read, whatever the load. */
static int64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void test_host_clock_default(void **state)
{
    (void)state;
    int64_t before = realtime_ns();
    device_fixture *f = start(NULL, NULL);
    uint64_t t = read_time(f);
    int64_t after = realtime_ns();
    assert_true(t >= (uint64_t)(before / 1000000000 * 1000000000));
    assert_true(t <= (uint64_t)after);
    df_free(f);
}

/* On the host clock the virtual clock only approximates when the alarm is
 * due: stepping the manual clock an hour does not make an hour of host time
 * pass, so an alarm an hour ahead must not fire (the interrupt never comes
 * before TIME reaches ALARM), while one in the past fires at once. */
static void test_host_clock_alarm_never_early(void **state)
{
    (void)state;
    device_fixture *f = start("utc", "host");
    wr(f, IRQ_ENABLED, 1);
    uint64_t hour = UINT64_C(3600000000000);
    set_alarm(f, read_time(f) + hour);
    et_clock_step(f->clock, (int64_t)hour);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(rd(f, ALARM_STATUS), 1);
    set_alarm(f, read_time(f) - 1);
    assert_int_equal(f->level[0], 1);
    assert_int_equal(rd(f, ALARM_STATUS), 0);
    df_free(f);
}

static void test_bad_config(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    char err[160] = "";
    et_goldfish_rtc_config cfg = { .rtc_base = "2020-13-01", .rtc_clock = "vm" };
    assert_null(et_goldfish_rtc_new(clock, "rtc", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "2020-13-01"));
    cfg = (et_goldfish_rtc_config){ .rtc_base = "utc", .rtc_clock = "tsc" };
    assert_null(et_goldfish_rtc_new(clock, "rtc", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "tsc"));
    assert_null(et_goldfish_rtc_new(NULL, "rtc", NULL, err, sizeof(err)));
    et_clock_free(clock);
}

/* A snapshot keeps the guest's time exactly: machine B, created at another
 * virtual time (so its own start offset differs), loads A's state and reads
 * the time A would read, guest setting included, and fires A's alarm at the
 * same instant. */
static void test_snapshot_keeps_guest_time(void **state)
{
    (void)state;
    device_fixture *a = start_2020();
    et_clock_step(a->clock, 5000);
    wr(a, TIME_HIGH, 0x1234);
    wr(a, IRQ_ENABLED, 1);
    uint64_t t = read_time(a);
    set_alarm(a, t + 700);
    uint8_t *buf;
    size_t len;
    char err[256];
    et_device *devs_a[] = { a->dev };
    assert_int_equal(et_snapshot_save(a->clock, devs_a, 1, "m", &buf, &len, err, sizeof(err)), 0);

    device_fixture *b = df_new();
    et_clock *cb = b->clock;
    et_clock_step(cb, 123456789);
    et_goldfish_rtc_config cfg = { .rtc_base = "2021-06-01", .rtc_clock = "vm" };
    df_attach(b, et_goldfish_rtc_new(cb, "rtc", &cfg, err, sizeof(err)), err);
    et_device *devs_b[] = { b->dev };
    assert_int_equal(et_snapshot_load(cb, devs_b, 1, "m", buf, len, err, sizeof(err)), 0);
    free(buf);
    assert_int_equal(et_clock_now(cb), 5000);
    assert_int_equal(read_time(b), t);
    assert_int_equal(rd(b, ALARM_STATUS), 1);
    et_clock_step(cb, 699);
    assert_int_equal(b->level[0], 0);
    et_clock_step(cb, 1);
    assert_int_equal(b->level[0], 1);
    assert_int_equal(read_time(b), t + 700);
    df_free(a);
    df_free(b);
}

static void test_adapter(void **state)
{
    (void)state;
    unsigned long calls = et_test_adapter_drive("goldfish-rtc", 42, 20000, NULL);
    assert_true(calls >= 2); /* the interrupt rose and fell */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_follows_vm_clock),
        cmocka_unit_test(test_time_high_latch),
        cmocka_unit_test(test_time_writes),
        cmocka_unit_test(test_alarm_fires_on_time),
        cmocka_unit_test(test_irq_enabled_gates_output),
        cmocka_unit_test(test_alarm_arming),
        cmocka_unit_test(test_divergence_time_write_moves_alarm),
        cmocka_unit_test(test_divergence_far_alarm_never_fires),
        cmocka_unit_test(test_reset_keeps_time),
        cmocka_unit_test(test_bad_accesses),
        cmocka_unit_test(test_host_clock_default),
        cmocka_unit_test(test_host_clock_alarm_never_early),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_snapshot_keeps_guest_time),
        cmocka_unit_test(test_adapter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
