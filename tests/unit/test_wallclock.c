/* The guest's wall clock (wallclock.h): QEMU's -rtc base/clock values, the
 * calendar arithmetic RTC devices build on, and the deterministic vm mode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "emutime/emutime.h"

#define NS 1000000000LL

static void test_civil_known_days(void **state)
{
    (void)state;
    /* Fixed points: the epoch; 2000-03-01 is 11017 days after it (30 years
     * of 365 days plus 7 leap days 1972..1996 = 10957 to 2000-01-01, then 31
     * + 29 days of January and the leap February). */
    assert_int_equal(et_wallclock_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(et_wallclock_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(et_wallclock_days_from_civil(2000, 1, 1), 10957);
    assert_int_equal(et_wallclock_days_from_civil(2000, 3, 1), 11017);
    /* 2038-01-19 03:14:08 is 2^31 s: day 24855 (2^31 / 86400 = 24855.13). */
    assert_int_equal(et_wallclock_days_from_civil(2038, 1, 19), 24855);
    /* 1900 is not a leap year, 2000 is: 1900-03-01 - 1900-02-28 = 1 day. */
    assert_int_equal(et_wallclock_days_from_civil(1900, 3, 1) -
                         et_wallclock_days_from_civil(1900, 2, 28), 1);
    assert_int_equal(et_wallclock_days_from_civil(2000, 3, 1) -
                         et_wallclock_days_from_civil(2000, 2, 28), 2);
}

static void test_civil_round_trip_matches_libc(void **state)
{
    (void)state;
    /* Every 7th day from 1800 to 2400 against gmtime_r (an independent
     * implementation), and the inverse. */
    for (int64_t d = et_wallclock_days_from_civil(1800, 1, 1);
         d < et_wallclock_days_from_civil(2400, 1, 1); d += 7) {
        int64_t y;
        unsigned m, day;
        et_wallclock_civil_from_days(d, &y, &m, &day);
        time_t t = (time_t)(d * 86400);
        struct tm tm;
        assert_non_null(gmtime_r(&t, &tm));
        assert_int_equal(y, tm.tm_year + 1900);
        assert_int_equal(m, (unsigned)tm.tm_mon + 1);
        assert_int_equal(day, (unsigned)tm.tm_mday);
        assert_int_equal(et_wallclock_days_from_civil(y, m, day), d);
    }
}

static void test_base_and_clock_values(void **state)
{
    (void)state;
    char err[160];
    assert_int_equal(et_wallclock_check_base("utc", err, sizeof(err)), 0);
    assert_int_equal(et_wallclock_check_base("localtime", err, sizeof(err)), 0);
    assert_int_equal(et_wallclock_check_base("2024-02-29", err, sizeof(err)), 0);
    assert_int_equal(et_wallclock_check_base("2024-02-29T23:59:59", err, sizeof(err)), 0);
    static const char *const bad[] = {
        "2023-02-29",          /* not a leap year */
        "2024-13-01", "2024-00-10", "2024-01-32", "2024-01-01T24:00:00",
        "2024-01-01T12:60:00", "2024-1-01", "2024-01-01 12:00:00", "+024-01-01",
        "2024-01-01T12:00", "2024-01-01T12:00:00Z", "", "UTC",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(et_wallclock_check_base(bad[i], err, sizeof(err)), -1);
        assert_true(strlen(err) > 0);
    }
    assert_int_equal(et_wallclock_check_clock("host", err, sizeof(err)), 0);
    assert_int_equal(et_wallclock_check_clock("rt", err, sizeof(err)), 0);
    assert_int_equal(et_wallclock_check_clock("vm", err, sizeof(err)), 0);
    assert_int_equal(et_wallclock_check_clock("virtual", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "host, rt or vm"));
}

static void test_vm_clock_is_deterministic(void **state)
{
    (void)state;
    char err[160];
    et_clock *c = et_clock_new_manual();
    et_clock_step(c, 5 * NS);
    et_wallclock wc = { .source = ET_WALLCLOCK_HOST, .offset_ns = 7 };
    et_wallclock keep = wc;
    /* A bad value changes nothing. */
    assert_int_equal(et_wallclock_init(&wc, "2024-02-30", "vm", c, err, sizeof(err)), -1);
    assert_int_equal(wc.source, keep.source);
    assert_int_equal(wc.offset_ns, keep.offset_ns);
    assert_int_equal(et_wallclock_init(&wc, "2024-02-29T12:00:00", "vm", NULL, err, sizeof(err)),
                     -1);
    /* 2024-02-29 12:00:00 UTC: day 19782 (2024-01-01 is 19723; + 31 + 28). */
    assert_int_equal(et_wallclock_init(&wc, "2024-02-29T12:00:00", "vm", c, err, sizeof(err)),
                     0);
    int64_t start = (19782LL * 86400 + 12 * 3600) * NS;
    assert_int_equal(et_wallclock_days_from_civil(2024, 2, 29), 19782);
    assert_int_equal(et_wallclock_now(&wc, c), start); /* the base is "now" at init */
    et_clock_step(c, 3 * NS + 250);
    assert_int_equal(et_wallclock_now(&wc, c), start + 3 * NS + 250);
    et_wallclock at = et_wallclock_vm_at(start, 5 * NS);
    assert_int_equal(at.source, ET_WALLCLOCK_VM);
    assert_int_equal(at.offset_ns, wc.offset_ns);
    et_clock_free(c);
}

static void test_host_clocks_follow_the_host(void **state)
{
    (void)state;
    char err[160];
    et_wallclock wc;
    /* utc + host: the host's own CLOCK_REALTIME, so the offset is ~0 (the
     * two readings in init are one clock, taken back to back). */
    struct timespec t0, t1;
    clock_gettime(CLOCK_REALTIME, &t0);
    assert_int_equal(et_wallclock_init(&wc, "utc", "host", NULL, err, sizeof(err)), 0);
    int64_t now = et_wallclock_now(&wc, NULL);
    clock_gettime(CLOCK_REALTIME, &t1);
    assert_int_equal(wc.source, ET_WALLCLOCK_HOST);
    assert_true(now >= (int64_t)t0.tv_sec * NS + t0.tv_nsec + wc.offset_ns);
    assert_true(now <= (int64_t)t1.tv_sec * NS + t1.tv_nsec + wc.offset_ns);
    assert_true(wc.offset_ns <= 0);
    /* A date on the monotonic clock: starts at the date, never before. */
    assert_int_equal(et_wallclock_init(&wc, "2000-01-01", "rt", NULL, err, sizeof(err)), 0);
    assert_int_equal(wc.source, ET_WALLCLOCK_RT);
    assert_true(et_wallclock_now(&wc, NULL) >= 10957LL * 86400 * NS);
    /* Defaults: utc and host. */
    assert_int_equal(et_wallclock_init(&wc, NULL, NULL, NULL, err, sizeof(err)), 0);
    assert_int_equal(wc.source, ET_WALLCLOCK_HOST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_known_days),
        cmocka_unit_test(test_civil_round_trip_matches_libc),
        cmocka_unit_test(test_base_and_clock_values),
        cmocka_unit_test(test_vm_clock_is_deterministic),
        cmocka_unit_test(test_host_clocks_follow_the_host),
    };
    return cmocka_run_group_tests_name("wallclock", tests, NULL, NULL);
}
