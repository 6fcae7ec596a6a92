/* The guest's wall-clock time (wallclock.h): QEMU's -rtc base/clock choice
 * as a source clock plus a fixed offset. */
#define _GNU_SOURCE /* tm_gmtoff */
#include "emutime/wallclock.h"
#include "core/internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NS_PER_S 1000000000LL

/* Days since 1970-01-01 of a Gregorian date. Years are counted from March
 * so that the leap day is the last day of a year; a 400-year era has
 * 146097 days. */
int64_t et_wallclock_days_from_civil(int64_t year, unsigned month, unsigned day)
{
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                           /* [0, 399] */
    int64_t mp = month > 2 ? (int64_t)month - 3 : (int64_t)month + 9; /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)day - 1;   /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;   /* [0, 146096] */
    return era * 146097 + doe - 719468;                    /* 719468: 0000-03-01 to 1970-01-01 */
}

void et_wallclock_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (*month <= 2);
}

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS" as seconds since the epoch (UTC). */
static int parse_date(const char *s, int64_t *secs, char *err, size_t errlen)
{
    static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    unsigned y, mo, d, h = 0, mi = 0, sec = 0;
    int n = 0;
    size_t len = strlen(s);
    bool ok = (len == 10 && sscanf(s, "%4u-%2u-%2u%n", &y, &mo, &d, &n) == 3 && n == 10) ||
              (len == 19 &&
               sscanf(s, "%4u-%2u-%2uT%2u:%2u:%2u%n", &y, &mo, &d, &h, &mi, &sec, &n) == 6 &&
               n == 19);
    for (size_t i = 0; ok && i < len; i++) { /* sscanf would take "+1" or " 1" */
        char c = s[i];
        ok = (c >= '0' && c <= '9') || ((i == 4 || i == 7) && c == '-') ||
             (i == 10 && c == 'T') || ((i == 13 || i == 16) && c == ':');
    }
    if (!ok) {
        return et__error(err, errlen, ET_EINVAL,
                         "'%s' is not utc, localtime, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS", s);
    }
    unsigned dim = mo >= 1 && mo <= 12 ? mdays[mo - 1] + (mo == 2 && leap(y)) : 0;
    if (mo < 1 || mo > 12 || d < 1 || d > dim || h > 23 || mi > 59 || sec > 59) {
        return et__error(err, errlen, ET_EINVAL, "'%s' is not a valid date and time", s);
    }
    *secs = et_wallclock_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    return 0;
}

int et_wallclock_check_base(const char *base, char *err, size_t errlen)
{
    int64_t secs;
    if (strcmp(base, "utc") == 0 || strcmp(base, "localtime") == 0) {
        return 0;
    }
    return parse_date(base, &secs, err, errlen);
}

static int parse_source(const char *clock, et_wallclock_source *src, char *err, size_t errlen)
{
    if (strcmp(clock, "host") == 0) {
        *src = ET_WALLCLOCK_HOST;
    } else if (strcmp(clock, "rt") == 0) {
        *src = ET_WALLCLOCK_RT;
    } else if (strcmp(clock, "vm") == 0) {
        *src = ET_WALLCLOCK_VM;
    } else {
        return et__error(err, errlen, ET_EINVAL, "'%s' is not host, rt or vm", clock);
    }
    return 0;
}

int et_wallclock_check_clock(const char *clock, char *err, size_t errlen)
{
    et_wallclock_source src;
    return parse_source(clock, &src, err, errlen);
}

static int64_t host_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int64_t et_wallclock_source_now(const et_wallclock *wc, et_clock *vm)
{
    switch (wc->source) {
    case ET_WALLCLOCK_HOST:
        return host_ns(CLOCK_REALTIME);
    case ET_WALLCLOCK_RT:
        return host_ns(CLOCK_MONOTONIC);
    case ET_WALLCLOCK_VM:
    default:
        return vm ? et_clock_now(vm) : 0;
    }
}

int et_wallclock_init(et_wallclock *wc, const char *base, const char *clock, et_clock *vm,
                      char *err, size_t errlen)
{
    et_wallclock w;
    base = base ? base : ET_WALLCLOCK_DEFAULT_BASE;
    if (parse_source(clock ? clock : ET_WALLCLOCK_DEFAULT_CLOCK, &w.source, err, errlen) != 0) {
        return ET_EINVAL;
    }
    if (w.source == ET_WALLCLOCK_VM && !vm) {
        return et__error(err, errlen, ET_EINVAL, "the vm wall clock needs a virtual clock");
    }
    int64_t start;
    if (strcmp(base, "utc") == 0 || strcmp(base, "localtime") == 0) {
        start = host_ns(CLOCK_REALTIME);
        if (base[0] == 'l') {
            time_t t = (time_t)(start / NS_PER_S);
            struct tm tm;
            localtime_r(&t, &tm);
            start += (int64_t)tm.tm_gmtoff * NS_PER_S;
        }
    } else {
        int64_t secs;
        if (parse_date(base, &secs, err, errlen) != 0) {
            return ET_EINVAL;
        }
        start = secs * NS_PER_S;
    }
    w.offset_ns = start - et_wallclock_source_now(&w, vm);
    *wc = w;
    return 0;
}

et_wallclock et_wallclock_vm_at(int64_t wall_ns, int64_t vm_ns)
{
    et_wallclock w = { .source = ET_WALLCLOCK_VM, .offset_ns = wall_ns - vm_ns };
    return w;
}

int64_t et_wallclock_now(const et_wallclock *wc, et_clock *vm)
{
    return et_wallclock_source_now(wc, vm) + wc->offset_ns;
}
