/* The TSC as a host time source: the checks and the calibration. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "core/clock_tsc.h"
#include "emutime/clock.h"

et__tsc_scale et__tsc;

static pthread_once_t tsc_once = PTHREAD_ONCE_INIT;
static bool tsc_ok;
static char tsc_status[160];

/* The calibration's second interval may be this far off its first. */
#define MAX_PPM 50
#define INTERVAL_NS 20000000

#if ET_HAVE_TSC
static bool invariant_tsc(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u) {
        return false;
    }
    __get_cpuid(0x80000007u, &a, &b, &c, &d);
    return (d >> 8) & 1;
}

/* The kernel uses the TSC only when its checks found it synchronised
 * across CPUs and stable; its watchdog switches away when it stops being. */
static bool kernel_uses_tsc(char *seen, size_t len)
{
    FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
    if (!f) {
        snprintf(seen, len, "unreadable");
        return false;
    }
    if (!fgets(seen, (int)len, f)) {
        seen[0] = '\0';
    }
    fclose(f);
    seen[strcspn(seen, "\n")] = '\0';
    return strcmp(seen, "tsc") == 0;
}

/* One TSC reading paired with CLOCK_MONOTONIC: the TSC read between two
 * clock reads, the tightest of several brackets, the clock's midpoint. */
static void pair(uint64_t *tsc, int64_t *ns)
{
    int64_t best = INT64_MAX;
    for (int i = 0; i < 16; i++) {
        int64_t a = et_host_monotonic_ns();
        _mm_lfence();
        uint64_t t = __rdtsc();
        _mm_lfence();
        int64_t b = et_host_monotonic_ns();
        if (b - a < best) {
            best = b - a;
            *tsc = t;
            *ns = a + (b - a) / 2;
        }
    }
}

static void sleep_ns(long ns)
{
    struct timespec d = { 0, ns };
    while (nanosleep(&d, &d) != 0) {
    }
}

static void check(void)
{
    char seen[64];
    if (getenv("EMUTIME_CLOCK_SOURCE") &&
        strcmp(getenv("EMUTIME_CLOCK_SOURCE"), "monotonic") == 0) {
        snprintf(tsc_status, sizeof(tsc_status), "tsc: off (EMUTIME_CLOCK_SOURCE=monotonic)");
        return;
    }
    if (!invariant_tsc()) {
        snprintf(tsc_status, sizeof(tsc_status), "tsc: not invariant (CPUID 0x80000007)");
        return;
    }
    if (!kernel_uses_tsc(seen, sizeof(seen))) {
        snprintf(tsc_status, sizeof(tsc_status), "tsc: the kernel's clocksource is '%s'", seen);
        return;
    }
    uint64_t t0 = 0, t1 = 0, t2 = 0;
    int64_t n0 = 0, n1 = 0, n2 = 0;
    pair(&t0, &n0);
    sleep_ns(INTERVAL_NS);
    pair(&t1, &n1);
    if (t1 <= t0 || n1 <= n0) {
        snprintf(tsc_status, sizeof(tsc_status), "tsc: did not advance during calibration");
        return;
    }
    et__tsc_scale s = { .tsc0 = t0, .ns0 = n0,
                        .mult = (uint64_t)(((unsigned __int128)(uint64_t)(n1 - n0) << 32) /
                                           (t1 - t0)) };
    /* The proof: the scale predicts the clock at the end of a second
     * interval. */
    sleep_ns(INTERVAL_NS);
    pair(&t2, &n2);
    int64_t predicted = n0 + (int64_t)(((unsigned __int128)(t2 - t0) * s.mult) >> 32);
    int64_t off = predicted - n2;
    double ppm = (double)(off < 0 ? -off : off) * 1e6 / (double)(n2 - n0);
    double mhz = (double)(t1 - t0) * 1e3 / (double)(n1 - n0);
    if (ppm > MAX_PPM) {
        snprintf(tsc_status, sizeof(tsc_status),
                 "tsc: calibration not proven (%.3f MHz, second interval %.0f ppm off)", mhz, ppm);
        return;
    }
    et__tsc = s;
    tsc_ok = true;
    snprintf(tsc_status, sizeof(tsc_status), "tsc: %.3f MHz, second interval %.1f ppm off", mhz,
             ppm);
}
#else
static void check(void)
{
    snprintf(tsc_status, sizeof(tsc_status), "tsc: not an x86 host");
}
#endif

bool et__tsc_usable(void)
{
    pthread_once(&tsc_once, check);
    return tsc_ok;
}

const char *et_clock_tsc_status(void)
{
    et__tsc_usable();
    return tsc_status;
}
