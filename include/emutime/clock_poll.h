/* emutime: waiting for a clock's next deadline in an event loop.
 *
 * An embedder that drives a real-time clock from its own loop (instead of the
 * runner thread) sleeps until the clock's next deadline, then calls
 * et_clock_run_expired. Two ways to do the sleeping:
 *
 * - a timeout: pass et_clock_timeout_ms to poll()/epoll_wait() (or a libuv
 *   timer), and recompute it after every wake-up and whenever the clock's
 *   notifier says the deadline moved (clock.h);
 * - a descriptor: an et_clock_poller owns a timerfd that becomes readable
 *   when the clock has timers due; it follows the clock's deadline by itself
 *   (it installs itself as the clock's notifier), so the loop only watches
 *   the descriptor and calls et_clock_poller_dispatch when it is readable.
 *   This is the shape libuv (uv_poll_t) and libevent want.
 */
#ifndef EMUTIME_CLOCK_POLL_H
#define EMUTIME_CLOCK_POLL_H

#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/error.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

/* Nanoseconds until the next deadline: 0 when a timer is due, -1 when none
 * is armed or the clock is paused. On a manual clock, the virtual time to the
 * next deadline. */
int64_t et_clock_timeout_ns(et_clock *clock);

/* The same in milliseconds for poll(): rounded up (waking at the timeout
 * never finds the timer not yet due), at most INT32_MAX, -1 for none. */
int et_clock_timeout_ms(et_clock *clock);

typedef struct et_clock_poller et_clock_poller;

/* A pollable descriptor for a real-time clock. Takes over the clock's
 * notifier (one per clock), so it cannot be combined with another. NULL with
 * a message in err (error.h) if the descriptor cannot be made: a manual
 * clock, or timerfd_create failing. */
et_clock_poller *et_clock_poller_new(et_clock *clock, char *err, size_t errlen);

/* The descriptor: readable (POLLIN) when timers are due. Non-blocking. */
int et_clock_poller_fd(const et_clock_poller *p);

/* Call when the descriptor is readable (a spurious call is harmless): clears
 * it, fires what is due (et_clock_run_expired) and re-arms the descriptor for
 * the next deadline. Returns how many callbacks ran. */
unsigned et_clock_poller_dispatch(et_clock_poller *p);

/* Removes the notifier (waiting for a call in progress, clock.h) and closes
 * the descriptor. */
void et_clock_poller_free(et_clock_poller *p);

ET_END_DECLS

#endif
