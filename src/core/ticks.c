/* Tick arithmetic: the parts that divide (ticks.h has the contract). */
#include "core/ticks.h"

int64_t et__ticks_time_ceil(int64_t anchor, et__u128 k, uint64_t num, uint64_t den)
{
    if (k == 0) {
        return anchor;
    }
    /* k * den + num - 1 must fit 128 bits; when it does not, the time is
     * at least 2^128 / 2^64 ns away, far beyond INT64_MAX. */
    if (k > (~(et__u128)0 - (num - 1)) / den) {
        return INT64_MAX;
    }
    et__u128 ns = (k * den + num - 1) / num;
    if (ns >= (et__u128)((__int128)INT64_MAX - anchor)) {
        return INT64_MAX;
    }
    return (int64_t)((__int128)anchor + (__int128)ns);
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

bool et__tick_rate_init(et__tick_rate *rate, uint64_t num, uint64_t den)
{
    if (num == 0 || den == 0) {
        return false;
    }
    /* Lowest terms, so that 10^6 / 10^7 (an HPET's 10 ns) is 1 / 10 and
     * takes the multiply-and-shift path. */
    uint64_t g = gcd64(num, den);
    num /= g;
    den /= g;
    et__tick_rate r = { .num = num, .den = den, .whole = num / den, .rem = num % den };
    r.frac = (uint64_t)(((et__u128)r.rem << 64) / den);
    if (num == 1 && den > 1) {
        unsigned l = 0;
        while (l < 64 && (UINT64_C(1) << l) < den) {
            l++;
        }
        et__u128 p = (et__u128)1 << (63 + l);
        r.magic = (uint64_t)((p + den - 1) / den);
        r.shift = l - 1;
    }
    *rate = r;
    return true;
}

et__u128 et__ticks_in_slow(const et__tick_rate *rate, uint64_t dt)
{
    /* dt * num / den = dt * whole + dt * rem / den. With frac = floor(rem *
     * 2^64 / den), dt * frac / 2^64 is below dt * rem / den by less than
     * dt / 2^64 < 1, so its floor is the exact one or one less; the exact
     * remainder dt * rem - est * den (below 2^128) says which. */
    uint64_t est = (uint64_t)(((et__u128)dt * rate->frac) >> 64);
    et__u128 rest = (et__u128)dt * rate->rem - (et__u128)est * rate->den;
    if (rest >= rate->den) {
        est++;
    }
    return (et__u128)dt * rate->whole + est;
}

bool et__tick_rerate(et__tick_rate *rate, int64_t *anchor, uint64_t *base, int64_t now,
                     uint64_t num, uint64_t den)
{
    et__tick_rate next;
    if (!et__tick_rate_init(&next, num, den)) {
        return false;
    }
    *base = et__tick_count(rate, *anchor, *base, now);
    *anchor = now;
    *rate = next;
    return true;
}
