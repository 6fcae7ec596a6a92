/* emutime: virtual clocks.
 *
 * Virtual time is int64_t nanoseconds. Only a clock advances time. A clock is
 * either manual (moved by step/set; deterministic; what tests and the qtest
 * server use) or real-time (host time plus an offset, which pause/resume
 * freeze and re-base, like a VM stop/cont). A real-time clock's host time is
 * CLOCK_MONOTONIC, or on request the calibrated TSC where it can be trusted
 * (et_clock_new_realtime_tsc).
 *
 * Every clock owns one timer queue (see timer.h). Stepping a manual clock fires
 * every timer due in the window exactly at its own deadline: inside a callback
 * et_clock_now() reads that deadline. That is QEMU's qtest clock_step.
 */
#ifndef EMUTIME_CLOCK_H
#define EMUTIME_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "emutime/export.h"

ET_BEGIN_DECLS

typedef struct et_clock et_clock;

/* "No deadline": what et_clock_deadline() returns when no timer is armed. */
#define ET_NO_DEADLINE INT64_MAX

/* A manual clock starts at 0 and moves only when told. */
et_clock *et_clock_new_manual(void);

/* A real-time clock follows the host's monotonic clock. It starts running, at
 * virtual time 0 (the host time at creation is its base). */
et_clock *et_clock_new_realtime(void);

/* A real-time clock whose host time comes from the CPU's time-stamp
 * counter instead of CLOCK_MONOTONIC, when this host has one that can be
 * trusted; otherwise exactly et_clock_new_realtime() (check with
 * et_clock_source_of). A TSC read costs less than clock_gettime, which
 * makes counter reads (an HPET's main counter, an MTIMER's mtime) cheaper.
 *
 * Trusted means, all checked once per process, at the first call: an x86
 * CPU whose TSC is invariant (CPUID 0x80000007 EDX bit 8: constant rate in
 * every power state); the kernel's current clocksource is "tsc" (the
 * kernel found the TSCs of all CPUs synchronised and stable, and keeps
 * checking); and the calibration is proven: the TSC rate is measured
 * against CLOCK_MONOTONIC over 20 ms, then a second 20 ms interval must
 * agree with it to within 50 ppm. The first call therefore takes about
 * 40 ms. Setting EMUTIME_CLOCK_SOURCE=monotonic in the environment turns
 * the TSC off.
 *
 * Contract: the clock starts at 0 and runs at the calibrated TSC rate, so
 * it may drift from CLOCK_MONOTONIC by the calibration error and by the
 * host's NTP adjustment of CLOCK_MONOTONIC (typically tens of ppm). Timers
 * fire by this clock; a runner or an event loop that sleeps by
 * CLOCK_MONOTONIC wakes that much early or late and simply waits again.
 * Everything else (pause, resume, rebase, timers) is as for
 * et_clock_new_realtime. */
et_clock *et_clock_new_realtime_tsc(void);

/* Where a clock's time comes from. */
typedef enum et_clock_source {
    ET_CLOCK_SOURCE_MANUAL,    /* stepped: et_clock_new_manual */
    ET_CLOCK_SOURCE_MONOTONIC, /* host CLOCK_MONOTONIC */
    ET_CLOCK_SOURCE_TSC,       /* the calibrated time-stamp counter */
} et_clock_source;

et_clock_source et_clock_source_of(const et_clock *clock);

/* Why the TSC is or is not used, for logs: "tsc: 2400.000 MHz, second
 * interval 3 ppm off" or the check that failed. Runs the checks if they
 * have not run yet. */
const char *et_clock_tsc_status(void);

/* Frees the clock. Every timer on it must have been freed first. */
void et_clock_free(et_clock *clock);

bool et_clock_is_manual(const et_clock *clock);

/* The current virtual time in ns. Inside a timer callback, the callback's own
 * deadline (so expiry work is exact however late it runs). */
int64_t et_clock_now(et_clock *clock);

/* Inside a timer callback run late: the time the late pass is bringing
 * the clock to (the time et_clock_run_expired read, the time of the access
 * whose catch-up runs it); always >= et_clock_now(). Elsewhere, and in
 * callbacks run by stepping or setting a manual clock (time passing exactly,
 * nothing late), et_clock_now(). A device whose periodic events fell behind
 * (a stalled runner or host) uses it to merge the events due by then into
 * one, as hardware interrupt coalescing would (the HPET does). */
int64_t et_clock_horizon(et_clock *clock);

/* Manual clocks: advance by ns (>= 0). Every timer due at or before the
 * target fires at its own deadline, in deadline order, FIFO among equal
 * deadlines, including timers armed by callbacks inside the window; then the
 * clock reads the target. Called on a real-time clock it is a usage error. */
void et_clock_step(et_clock *clock, int64_t ns);

/* Manual clocks: advance to the earliest deadline and fire what is due there.
 * Returns false, doing nothing, when no timer is armed. */
bool et_clock_step_next(et_clock *clock);

/* Manual clocks: move to absolute time ns, firing due timers on the way as
 * step does. A time in the past is a no-op (time never goes backwards). */
void et_clock_set(et_clock *clock, int64_t ns);

/* Real-time clocks: freeze virtual time (VM stop) and continue from the frozen
 * value (VM cont). Timers stay armed; none fires while paused, not even in a
 * firing pass that started before the pause: pause, resume and rebase end
 * every pass under way before its next firing (et_clock_run_expired, a
 * manual step), so no pass fires for a time the clock no longer has. */
void et_clock_pause(et_clock *clock);
void et_clock_resume(et_clock *clock);
bool et_clock_is_paused(et_clock *clock);

/* Jump virtual time to ns (used by snapshot restore); on a manual clock too,
 * where it may go backwards. A real-time clock keeps its paused/running
 * state. A pass under way ends (see pause), so timers re-armed for the new
 * time line fire only when the clock reaches their deadlines. */
void et_clock_rebase(et_clock *clock, int64_t ns);

/* The earliest armed deadline (absolute ns), or ET_NO_DEADLINE. While a
 * real-time clock is paused, ET_NO_DEADLINE. */
int64_t et_clock_deadline(et_clock *clock);

/* Fires every timer whose deadline is <= now, in order, and returns how many
 * callbacks ran. This is what an embedder's event loop calls when the deadline
 * is reached; the built-in runner (runner.h) calls it too. It returns early
 * when a pause, resume or rebase comes in meanwhile (the loop recomputes its
 * deadline and calls again). */
unsigned et_clock_run_expired(et_clock *clock);

/* Called whenever the earliest deadline moves earlier, and on pause, resume
 * and rebase, so that whoever sleeps until the deadline can recompute its
 * timeout. It may run on any thread, possibly under a device lock (arming is
 * done under it), never under the timer-queue lock: it must only wake the
 * waiter (signal a condition variable, write an eventfd), never take an
 * embedder lock. One notifier per clock; NULL removes it. */
typedef void (*et_clock_notify_fn)(void *opaque);
/* Replacing the notifier waits for a call of the old one in progress on
 * another thread: when it returns, the old one is not running and will not
 * be called again, so its opaque may be freed. Never call it from a
 * notifier. */
void et_clock_set_notify(et_clock *clock, et_clock_notify_fn fn, void *opaque);

/* The host's monotonic time in ns (CLOCK_MONOTONIC). */
int64_t et_host_monotonic_ns(void);

ET_END_DECLS

#endif
