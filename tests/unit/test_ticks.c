/* Tick arithmetic (src/core/ticks.h): ns -> ticks rounds down, ticks -> ns
 * rounds up, large counts do not overflow, a rate change keeps the count,
 * and every fast path agrees with the plain 128-bit division. Expected
 * values are worked out in the comments. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/ticks.h"

#define NS_PER_S UINT64_C(1000000000)
#define FS_PER_NS UINT64_C(1000000)

static void assert_u128_equal(et__u128 got, et__u128 want)
{
    assert_int_equal((uint64_t)(got >> 64), (uint64_t)(want >> 64));
    assert_int_equal((uint64_t)got, (uint64_t)want);
}

static et__tick_rate rate_of(uint64_t num, uint64_t den)
{
    et__tick_rate r;
    assert_true(et__tick_rate_init(&r, num, den));
    return r;
}

static void test_zero_is_rejected(void **state)
{
    (void)state;
    et__tick_rate r = rate_of(1, 10);
    assert_false(et__tick_rate_init(&r, 0, 10));
    assert_false(et__tick_rate_init(&r, 10, 0));
    assert_int_equal(r.den, 10); /* untouched */
    int64_t anchor = 0;
    uint64_t base = 7;
    assert_false(et__tick_rerate(&r, &anchor, &base, 100, 0, 1));
    assert_int_equal(base, 7);
    assert_int_equal(anchor, 0);
}

/* QEMU's HPET: 10 ns ticks, 10^6 / 10^7 ticks per ns = 1 / 10 in lowest
 * terms, the multiply-and-shift path. */
static void test_whole_ns_per_tick(void **state)
{
    (void)state;
    et__tick_rate r = rate_of(FS_PER_NS, 10000000);
    assert_int_equal(r.num, 1);
    assert_int_equal(r.den, 10);
    assert_int_not_equal(r.magic, 0);
    /* A tick counts once complete: 9 ns is none, 10 is one, 19 still one. */
    assert_u128_equal(et__ticks_in(&r, 0), 0);
    assert_u128_equal(et__ticks_in(&r, 9), 0);
    assert_u128_equal(et__ticks_in(&r, 10), 1);
    assert_u128_equal(et__ticks_in(&r, 19), 1);
    assert_u128_equal(et__ticks_in(&r, 20), 2);
    /* The edges of the shift path and beyond it: (2^63 - 1) / 10 =
     * 922337203685477580 rem 7; 2^63 / 10 the same quotient rem 8 (the
     * general path); (2^64 - 1) / 10 = 1844674407370955161 rem 5. */
    assert_u128_equal(et__ticks_in(&r, INT64_MAX), UINT64_C(922337203685477580));
    assert_u128_equal(et__ticks_in(&r, UINT64_C(1) << 63), UINT64_C(922337203685477580));
    assert_u128_equal(et__ticks_in(&r, UINT64_MAX), UINT64_C(1844674407370955161));
    /* Ticks -> ns: tick 3 from anchor 5 is complete at 35. */
    assert_int_equal(et__tick_time(&r, 5, 0), 5);
    assert_int_equal(et__tick_time(&r, 5, 3), 35);
    assert_int_equal(et__tick_time(&r, -100, 5), -50);
}

/* A power of two (a 2^-4 ns tick expressed as 16 ns, say): shift only. */
static void test_power_of_two_ns_per_tick(void **state)
{
    (void)state;
    et__tick_rate r = rate_of(1, 16);
    assert_u128_equal(et__ticks_in(&r, 15), 0);
    assert_u128_equal(et__ticks_in(&r, 16), 1);
    assert_u128_equal(et__ticks_in(&r, INT64_MAX), (uint64_t)INT64_MAX >> 4);
    assert_u128_equal(et__ticks_in(&r, UINT64_MAX), UINT64_MAX >> 4);
}

/* An HPET with a 1 fs period: 10^6 ticks per ns, a count beyond 2^64 from
 * a 64-bit dt. (2^64 - 1) * 10^6 = 18446744073709551615000000. */
static void test_many_ticks_per_ns(void **state)
{
    (void)state;
    et__tick_rate r = rate_of(FS_PER_NS, 1);
    assert_int_equal(r.whole, FS_PER_NS);
    assert_int_equal(r.rem, 0);
    assert_u128_equal(et__ticks_in(&r, 1), FS_PER_NS);
    assert_u128_equal(et__ticks_in(&r, UINT64_MAX), (et__u128)UINT64_MAX * FS_PER_NS);
    /* Tick 10^6 + 1 needs a second nanosecond: ceil((10^6 + 1) / 10^6). */
    assert_int_equal(et__tick_time(&r, 0, FS_PER_NS), 1);
    assert_int_equal(et__tick_time(&r, 0, FS_PER_NS + 1), 2);
}

/* 2 / 3 ticks per ns, the general path: ticks(1) = floor(0.67) = 0,
 * ticks(2) = floor(1.33) = 1, ticks(3) = 2 exactly, ticks(4) = floor(2.67)
 * = 2. At dt = 3 the fixed-point estimate is one low (frac = floor(2 *
 * 2^64 / 3) and 3 * frac = 2^65 - 2, whose top half is 1): the correction
 * must bring it to 2. Back: tick 1 at ceil(3 / 2) = 2, tick 2 at 3, tick
 * 3 at ceil(9 / 2) = 5. */
static void test_rounding_directions(void **state)
{
    (void)state;
    et__tick_rate r = rate_of(2, 3);
    assert_int_equal(r.magic, 0);
    assert_u128_equal(et__ticks_in(&r, 1), 0);
    assert_u128_equal(et__ticks_in(&r, 2), 1);
    assert_u128_equal(et__ticks_in(&r, 3), 2);
    assert_u128_equal(et__ticks_in(&r, 4), 2);
    assert_int_equal(et__tick_time(&r, 0, 1), 2);
    assert_int_equal(et__tick_time(&r, 0, 2), 3);
    assert_int_equal(et__tick_time(&r, 0, 3), 5);
    /* (2^64 - 1) * 2 / 3 = 12297829382473034410 exactly (2^64 - 1 is a
     * multiple of 3). */
    assert_u128_equal(et__ticks_in(&r, UINT64_MAX), UINT64_C(12297829382473034410));
}

/* The ACPI PM timer's 3579545 Hz: 3579545 / 10^9 = 715909 / 200000000.
 * One tick takes 10^9 / 3579545 = 279.37 ns: ticks(279) = 0, ticks(280) =
 * 1, first reached at ceil(279.37) = 280; one second is 3579545 ticks. */
static void test_pm_timer_rate(void **state)
{
    (void)state;
    et__tick_rate r = rate_of(3579545, NS_PER_S);
    assert_int_equal(r.num, 715909);
    assert_int_equal(r.den, 200000000);
    assert_u128_equal(et__ticks_in(&r, 279), 0);
    assert_u128_equal(et__ticks_in(&r, 280), 1);
    assert_int_equal(et__tick_time(&r, 0, 1), 280);
    assert_u128_equal(et__ticks_in(&r, NS_PER_S), 3579545);
    /* (2^64 - 1) * 3579545 / 10^9 = 66030950515326656.6...: the product
     * needs 86 bits. */
    assert_u128_equal(et__ticks_in(&r, UINT64_MAX), UINT64_C(66030950515326656));
}

/* An HPET at 69841279 fs (14.318 MHz): 10^15 / 69841279 = 14318179.97,
 * so one second shows 14318179 ticks; tick 14318180 takes 14318180 *
 * 69841279 fs = 1000000004.152220 ns, reached at 1000000005. */
static void test_fractional_period(void **state)
{
    (void)state;
    et__tick_rate r = rate_of(FS_PER_NS, 69841279);
    assert_u128_equal(et__ticks_in(&r, NS_PER_S), 14318179);
    assert_int_equal(et__tick_time(&r, 0, 14318180), 1000000005);
    assert_u128_equal(et__ticks_between(&r, 0, 1000000004), 14318179);
    assert_u128_equal(et__ticks_between(&r, 0, 1000000005), 14318180);
}

static void test_before_the_anchor_is_zero(void **state)
{
    (void)state;
    et__tick_rate r = rate_of(1, 10);
    assert_u128_equal(et__ticks_between(&r, 100, 100), 0);
    assert_u128_equal(et__ticks_between(&r, 100, 50), 0);
    /* A negative anchor: INT64_MIN to INT64_MAX is 2^64 - 1 ns. */
    assert_u128_equal(et__ticks_between(&r, INT64_MIN, INT64_MAX),
                      UINT64_C(1844674407370955161));
}

/* Times beyond the clock's range are "never" (INT64_MAX), including
 * INT64_MAX itself; the product k * den may not fit 128 bits. */
static void test_time_saturates(void **state)
{
    (void)state;
    et__tick_rate r = rate_of(1, 10);
    assert_int_equal(et__tick_time(&r, INT64_MAX - 11, 1), INT64_MAX - 1);
    assert_int_equal(et__tick_time(&r, INT64_MAX - 10, 1), INT64_MAX);
    assert_int_equal(et__tick_time(&r, 0, (et__u128)1 << 64), INT64_MAX);
    assert_int_equal(et__tick_time(&r, 0, ~(et__u128)0), INT64_MAX);
    et__tick_rate slow = rate_of(1, UINT64_MAX);
    assert_int_equal(et__tick_time(&slow, 0, ~(et__u128)0 / 2), INT64_MAX);
    assert_int_equal(et__tick_time(&slow, 0, 1), INT64_MAX); /* 2^64 - 1 ns */
    /* (2^63 - 1) ticks of 1 ns from -1: INT64_MAX - 1. */
    et__tick_rate one = rate_of(7, 7);
    assert_int_equal(et__tick_time(&one, -1, INT64_MAX), INT64_MAX - 1);
}

/* A 100 MHz counter (1 / 10) at 100 ticks at 1005 ns changes to 10 MHz
 * (1 / 100): the count stays 100 at the change, and the next tick
 * completes 100 ns later. */
static void test_rerate_keeps_the_count(void **state)
{
    (void)state;
    et__tick_rate r = rate_of(1, 10);
    int64_t anchor = 0;
    uint64_t base = 0;
    assert_int_equal(et__tick_count(&r, anchor, base, 1005), 100);
    assert_true(et__tick_rerate(&r, &anchor, &base, 1005, 10000000, NS_PER_S));
    assert_int_equal(anchor, 1005);
    assert_int_equal(base, 100);
    assert_int_equal(et__tick_count(&r, anchor, base, 1005), 100);
    assert_int_equal(et__tick_count(&r, anchor, base, 1104), 100);
    assert_int_equal(et__tick_count(&r, anchor, base, 1105), 101);
    assert_int_equal(et__tick_time(&r, anchor, 1), 1105);
    /* The count wraps at 2^64. */
    base = UINT64_MAX;
    assert_int_equal(et__tick_count(&r, anchor, base, 1105), 0);
}

/* Every path against the plain division, and the two directions against
 * each other: time(k) is the first ns with at least k ticks (exactly k at
 * rates up to one tick per ns). */
static void test_paths_agree_with_division(void **state)
{
    (void)state;
    static const uint64_t rates[][2] = {
        { 1, 10 }, { 1, 16 }, { 1, 3 }, { 1, 1 }, { 7, 1 }, { 2, 3 },
        { FS_PER_NS, 69841279 }, { 3579545, NS_PER_S }, { 10000000, NS_PER_S },
        { UINT64_C(1) << 32, UINT64_C(178956970667) }, /* 24 MHz: 41.67 ns in 2^-32 ns */
        { 1, UINT64_MAX }, { UINT64_MAX, 1 }, { UINT64_MAX - 1, UINT64_MAX },
    };
    static const uint64_t dts[] = {
        0, 1, 2, 3, 9, 10, 11, 999, 1000, 1001, 279, 280, NS_PER_S, UINT64_C(1) << 32,
        (UINT64_C(1) << 62) + 12345, INT64_MAX - 1, INT64_MAX, UINT64_C(1) << 63,
        (UINT64_C(1) << 63) + 1, UINT64_MAX - 1, UINT64_MAX,
    };
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        et__tick_rate r = rate_of(rates[i][0], rates[i][1]);
        for (size_t j = 0; j < sizeof(dts) / sizeof(dts[0]); j++) {
            et__u128 want = et__ticks_floor(dts[j], rates[i][0], rates[i][1]);
            assert_u128_equal(et__ticks_in(&r, dts[j]), want);
        }
        for (uint64_t k = 1; k < 2000; k += 37) {
            int64_t t = et__tick_time(&r, 1000, k);
            if (t == INT64_MAX) {
                continue;
            }
            assert_true(et__ticks_between(&r, 1000, t) >= k);
            assert_true(et__ticks_between(&r, 1000, t - 1) < k);
            if (r.num <= r.den) {
                assert_u128_equal(et__ticks_between(&r, 1000, t), k);
            }
        }
    }
}

/* The sequence lock, on one thread: a section that a write overlapped
 * (begun or ended in between) retries; an undisturbed one does not. */
static void test_sequence_lock(void **state)
{
    (void)state;
    unsigned seq = 0;
    unsigned s = et__seq_read_begin(&seq);
    assert_false(et__seq_read_retry(&seq, s));
    et__seq_write_begin(&seq);
    assert_true(seq & 1);
    assert_true(et__seq_read_retry(&seq, s));
    et__seq_write_end(&seq);
    assert_true(et__seq_read_retry(&seq, s));
    s = et__seq_read_begin(&seq);
    assert_int_equal(s, 2);
    assert_false(et__seq_read_retry(&seq, s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_is_rejected),
        cmocka_unit_test(test_whole_ns_per_tick),
        cmocka_unit_test(test_power_of_two_ns_per_tick),
        cmocka_unit_test(test_many_ticks_per_ns),
        cmocka_unit_test(test_rounding_directions),
        cmocka_unit_test(test_pm_timer_rate),
        cmocka_unit_test(test_fractional_period),
        cmocka_unit_test(test_before_the_anchor_is_zero),
        cmocka_unit_test(test_time_saturates),
        cmocka_unit_test(test_rerate_keeps_the_count),
        cmocka_unit_test(test_paths_agree_with_division),
        cmocka_unit_test(test_sequence_lock),
    };
    return cmocka_run_group_tests_name("ticks", tests, NULL, NULL);
}
