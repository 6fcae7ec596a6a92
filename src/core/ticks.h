/* Tick arithmetic for counters that are a function of virtual time.
 *
 * A counter that runs at `num / den` ticks per nanosecond (an HPET at
 * 10^6 / period_fs, an MTIMER at freq / 10^9, a counter clocked by a clock
 * tree input at 2^32 / period, the period in 2^-32 ns) shows, dt ns after
 * its anchor,
 *     ticks(dt) = floor(dt * num / den)
 * whole ticks (rounded down: a tick is counted once it is complete), and
 * reaches tick k for the first time at
 *     time(k) = anchor + ceil(k * den / num)
 * (rounded up, so an event armed for tick k never comes before the counter
 * shows k). Both are exact for every dt < 2^64 and every k, in 128-bit
 * arithmetic: nothing overflows and nothing drifts, however long it runs.
 *
 * Two forms of the same arithmetic:
 *   - et__ticks_floor / et__ticks_time_ceil take num and den as they are,
 *     for rates that change at run time or come back from a snapshot (they
 *     divide);
 *   - et__tick_rate precomputes a rate so that the hot path, a lock-free
 *     counter read, does not divide: for a whole number d of ns per tick
 *     one multiply and a shift (Granlund-Montgomery), for a whole number
 *     of ticks per ns one multiply, otherwise a fixed-point multiply with
 *     an exact correction.
 *
 * A change of rate keeps the count: et__tick_rerate moves the anchor to
 * the instant of the change with the count reached there.
 *
 * The sequence lock at the end is what the lock-free readers of such a
 * counter use (the HPET main counter, the MTIMER's mtime): writers, always
 * under the device lock, open the section before they read the instant of
 * their access; readers read the clock inside their section and retry when
 * a writer overlapped, so a value belongs to one state at one instant.
 */
#ifndef EMUTIME_CORE_TICKS_H
#define EMUTIME_CORE_TICKS_H

#include <stdbool.h>
#include <stdint.h>

typedef unsigned __int128 et__u128;

/* floor(dt * num / den): den != 0. */
static inline et__u128 et__ticks_floor(uint64_t dt, uint64_t num, uint64_t den)
{
    return (et__u128)dt * num / den;
}

/* The first instant at or after anchor with ticks(t - anchor) >= k, that
 * is anchor + ceil(k * den / num); INT64_MAX ("never") when that is
 * INT64_MAX or beyond. num != 0. */
int64_t et__ticks_time_ceil(int64_t anchor, et__u128 k, uint64_t num, uint64_t den);

/* A precomputed rate of num / den ticks per ns. */
typedef struct et__tick_rate {
    uint64_t num, den; /* reduced to lowest terms */
    uint64_t whole;    /* num / den */
    uint64_t rem;      /* num % den */
    uint64_t frac;     /* floor(rem * 2^64 / den) */
    uint64_t magic;    /* num == 1 and den > 1: ceil(2^(63 + l) / den), l = ceil(log2 den) */
    unsigned shift;    /* then l - 1 */
} et__tick_rate;

/* Sets up the rate num / den; false (rate untouched) if either is 0. */
bool et__tick_rate_init(et__tick_rate *rate, uint64_t num, uint64_t den);

/* floor(dt * num / den) by the fixed-point estimate and its correction,
 * for any dt (the general case of et__ticks_in). */
et__u128 et__ticks_in_slow(const et__tick_rate *rate, uint64_t dt);

/* Whole ticks in dt ns, floor(dt * num / den). */
static inline __attribute__((always_inline)) et__u128 et__ticks_in(const et__tick_rate *rate,
                                                                  uint64_t dt)
{
    if (__builtin_expect(rate->magic != 0, 1) && dt < (UINT64_C(1) << 63)) {
        /* Exact for dt < 2^63: magic * den exceeds 2^(63 + l) by less
         * than den <= 2^l (Granlund and Montgomery, 1994, theorem 4.2). */
        return (uint64_t)(((et__u128)dt * rate->magic) >> 64) >> rate->shift;
    }
    if (rate->rem == 0) {
        return (et__u128)dt * rate->whole;
    }
    return et__ticks_in_slow(rate, dt);
}

/* Whole ticks from anchor to now; 0 when now is not after anchor. */
static inline __attribute__((always_inline)) et__u128
et__ticks_between(const et__tick_rate *rate, int64_t anchor, int64_t now)
{
    if (now <= anchor) {
        return 0;
    }
    return et__ticks_in(rate, (uint64_t)now - (uint64_t)anchor);
}

/* The first instant at which et__ticks_between(rate, anchor, t) reaches k;
 * INT64_MAX ("never") when that is INT64_MAX or beyond. */
static inline int64_t et__tick_time(const et__tick_rate *rate, int64_t anchor, et__u128 k)
{
    return et__ticks_time_ceil(anchor, k, rate->num, rate->den);
}

/* The count at now of a counter that showed base at anchor (mod 2^64). */
static inline uint64_t et__tick_count(const et__tick_rate *rate, int64_t anchor, uint64_t base,
                                      int64_t now)
{
    return base + (uint64_t)et__ticks_between(rate, anchor, now);
}

/* Changes the rate at instant now, keeping the count: the anchor moves to
 * now with the count reached there. False (nothing changed) for a zero
 * num or den. */
bool et__tick_rerate(et__tick_rate *rate, int64_t *anchor, uint64_t *base, int64_t now,
                     uint64_t num, uint64_t den);

/* --- the sequence lock of lock-free counter reads ------------------------ */

/* Opens a write section (device lock held). Sequentially consistent: the
 * odd number is visible before the writer's clock read that follows (a
 * store-load order), so a reader whose clock read comes later sees the
 * write in progress and retries. */
static inline void et__seq_write_begin(unsigned *seq)
{
    __atomic_store_n(seq, *seq + 1, __ATOMIC_SEQ_CST);
}

/* Closes it; the fields were stored with release stores in between. */
static inline void et__seq_write_end(unsigned *seq)
{
    __atomic_store_n(seq, *seq + 1, __ATOMIC_RELEASE);
}

/* The start of a read section: waits out a write in progress. */
static inline unsigned et__seq_read_begin(const unsigned *seq)
{
    for (;;) {
        unsigned s = __atomic_load_n(seq, __ATOMIC_ACQUIRE);
        if (__builtin_expect(!(s & 1), 1)) {
            return s;
        }
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
}

/* True when a writer overlapped the section that began with start. The
 * section's fields are read with acquire loads, which keep this re-read
 * after them. */
static inline bool et__seq_read_retry(const unsigned *seq, unsigned start)
{
    return __builtin_expect(__atomic_load_n(seq, __ATOMIC_RELAXED) != start, 0);
}

#endif
