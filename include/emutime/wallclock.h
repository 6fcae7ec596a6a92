/* emutime: the guest's wall-clock time, for real-time-clock devices.
 *
 * An RTC device (MC146818, PL031, Goldfish) shows a calendar time. Where it
 * starts and what makes it advance is the embedder's choice, made as QEMU's
 * `-rtc base=BASE,clock=CLOCK` makes it:
 *
 *   BASE   "utc"        the host's UTC time when the wall clock is set up
 *          "localtime"  the host's local time then (the guest sees local time
 *                       as if it were UTC, as a PC's CMOS clock usually holds)
 *          DATE         "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS", taken as UTC
 *   CLOCK  "host"       advances with the host's wall clock (CLOCK_REALTIME)
 *          "rt"         advances with the host's monotonic clock
 *          "vm"         advances with the virtual clock (et_clock): stops with
 *                       the guest, and is deterministic on a manual clock
 *
 * The wall time is the chosen source's reading plus a fixed offset computed
 * once, at et_wallclock_init: wall = source_now + offset. With a DATE base
 * and the "vm" clock nothing depends on the host, so a manual-clock machine
 * reads the same calendar time at the same virtual time in every run.
 *
 * A wall clock is a small value, copied into each device that needs one; it
 * holds no lock and is not modified after init (a device that lets the guest
 * set the time keeps its own offset from it).
 */
#ifndef EMUTIME_WALLCLOCK_H
#define EMUTIME_WALLCLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/error.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

typedef enum et_wallclock_source {
    ET_WALLCLOCK_HOST, /* CLOCK_REALTIME */
    ET_WALLCLOCK_RT,   /* CLOCK_MONOTONIC */
    ET_WALLCLOCK_VM,   /* the virtual clock given to et_wallclock_now */
} et_wallclock_source;

typedef struct et_wallclock {
    et_wallclock_source source;
    int64_t offset_ns; /* wall time (ns since 1970-01-01 UTC) minus the source's reading */
} et_wallclock;

/* QEMU's defaults: base "utc", clock "host". */
#define ET_WALLCLOCK_DEFAULT_BASE "utc"
#define ET_WALLCLOCK_DEFAULT_CLOCK "host"

/* Checks one value without setting anything up (board options use these):
 * 0, or ET_EINVAL with the reason in err (error.h). */
int et_wallclock_check_base(const char *base, char *err, size_t errlen);
int et_wallclock_check_clock(const char *clock, char *err, size_t errlen);

/* Sets *wc up from BASE and CLOCK (NULL for the defaults above); vm is the
 * virtual clock, read now when CLOCK is "vm" (may be NULL otherwise). 0, or
 * ET_EINVAL with a message in err and *wc unchanged. */
int et_wallclock_init(et_wallclock *wc, const char *base, const char *clock, et_clock *vm,
                      char *err, size_t errlen);

/* A wall clock that reads `wall_ns` when `vm` reads `vm_ns`, advancing with
 * the virtual clock (tests, snapshots). */
et_wallclock et_wallclock_vm_at(int64_t wall_ns, int64_t vm_ns);

/* The source's reading now, in ns: CLOCK_REALTIME, CLOCK_MONOTONIC, or
 * et_clock_now(vm). */
int64_t et_wallclock_source_now(const et_wallclock *wc, et_clock *vm);

/* The wall time now, in ns since 1970-01-01 00:00:00 UTC. */
int64_t et_wallclock_now(const et_wallclock *wc, et_clock *vm);

/* Days-from-civil and its inverse, for devices that show a calendar: the
 * proleptic Gregorian calendar, any year representable. */
int64_t et_wallclock_days_from_civil(int64_t year, unsigned month, unsigned day);
void et_wallclock_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);

ET_END_DECLS

#endif
