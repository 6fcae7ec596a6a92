/* emutime: the real-time runner.
 *
 * A thread that sleeps until the next deadline of a real-time clock, fires
 * what is due (et_clock_run_expired), wakes early when an earlier deadline is
 * armed, follows pause/resume/rebase, and stops cleanly. It takes the clock's
 * notifier (et_clock_set_notify) while it runs. Its thread sets its timer
 * slack to the minimum (PR_SET_TIMERSLACK, 1 ns) instead of inheriting the
 * creating thread's (50 us by default), so its wake-ups are not delayed.
 *
 * Embedders that prefer their own event loop skip the runner: sleep for
 * et_clock_timeout_ms() (clock_poll.h), call et_clock_run_expired(), and use
 * the notifier to cut a sleep short (examples/embed_event_loop.c); or watch
 * the descriptor of an et_clock_poller (examples/embed_libuv.c). Such a
 * loop's thread wants a small timer slack too (prctl(PR_SET_TIMERSLACK)).
 */
#ifndef EMUTIME_RUNNER_H
#define EMUTIME_RUNNER_H

#include <stddef.h>

#include "emutime/clock.h"
#include "emutime/error.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

typedef struct et_runner et_runner;

/* Starts the thread. Returns NULL, with a message in err (error.h), if it
 * cannot be created. */
et_runner *et_runner_start(et_clock *clock, char *err, size_t errlen);

/* Stops and joins the thread (a callback in progress finishes first), gives
 * the clock's notifier back, frees the runner. Not from a timer callback. */
void et_runner_stop(et_runner *runner);

/* How many callbacks the runner has fired so far. */
unsigned long et_runner_fired(et_runner *runner);

ET_END_DECLS

#endif
