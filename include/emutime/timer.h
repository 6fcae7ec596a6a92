/* emutime: timers on a clock's queue.
 *
 * A timer is a callback with an absolute deadline on one clock. Timers fire
 * in deadline order (exact, in ns), equal deadlines in the order they were
 * armed, and the next deadline is O(1). Arming or cancelling a timer whose
 * deadline is not among the next few is O(1) (a timing wheel); the queue
 * orders exactly only what is about to come (a small heap, O(log n)).
 *
 * Cancel is synchronous: when et_timer_del() or et_timer_free() returns, the
 * callback is not running and will not run, except when called from that
 * callback itself (or, for et_timer_free, from a sink that the firing's
 * release of its bound lock delivers to: the firer frees it afterwards).
 * That holds when the callback re-arms its own timer while
 * the cancel waits for it (a periodic device does): no new callback starts
 * while a cancel waits, and what the last one armed is cancelled before the
 * cancel returns. A timer bound to a lock (et_timer_set_lock, which device
 * ptimers use) has its callback called with that lock held; cancelling it
 * while holding that lock never waits, because the callback cannot be inside
 * its body then, and a callback that was already on its way is dropped.
 *
 * Freeing is safe while the clock's runner (or an embedder's loop) runs and
 * may be firing the timer: that is how a device is hot-unplugged (device.h,
 * et_device_free). Only the clock itself needs its runner stopped first.
 */
#ifndef EMUTIME_TIMER_H
#define EMUTIME_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "emutime/clock.h"

ET_BEGIN_DECLS

typedef struct et_timer et_timer;
#include "emutime/lock.h" /* et_lock */
#include "emutime/export.h"

typedef void (*et_timer_fn)(void *opaque);

et_timer *et_timer_new(et_clock *clock, et_timer_fn cb, void *opaque);

/* Cancels (synchronously) and frees, waiting out a firing in progress on
 * another thread (the runner may run meanwhile), up to the release of the
 * timer's bound lock (where a device delivers what the expiry queued): when
 * it returns, that firing touches neither the timer nor the lock. Never call
 * it holding the timer's bound lock, or a lock that the bound lock's owner's
 * sinks take (the big lock), while another thread may be firing it. */
void et_timer_free(et_timer *timer);

/* Arms (or re-arms) the timer for absolute deadline_ns. A deadline in the past
 * fires once, on the next run; negative deadlines count as 0, as in QEMU. */
void et_timer_mod(et_timer *timer, int64_t deadline_ns);

/* Cancels the timer (synchronously, see above). A no-op if idle. */
void et_timer_del(et_timer *timer);

bool et_timer_pending(et_timer *timer);

/* The armed deadline, or -1 when not pending. */
int64_t et_timer_expire_time(et_timer *timer);

et_clock *et_timer_clock(et_timer *timer);

/* Binds the timer to a lock: its callback then always runs with that lock
 * held (taken by whoever fires it). Set before the first arm. */
void et_timer_set_lock(et_timer *timer, et_lock *lock);

/* For code that already holds the timer's bound lock (catch-up on access):
 * if the timer is due at or before now, run its callback here, exactly once,
 * at its deadline, and return true. A firing already under way on another
 * thread is taken over (that thread will drop it). */
bool et_timer_run_if_due(et_timer *timer, int64_t now);

ET_END_DECLS

#endif
