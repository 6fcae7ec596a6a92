/* The clock and timer structures, shared by clock.c and timer.c. */
#ifndef EMUTIME_CLOCK_INTERNAL_H
#define EMUTIME_CLOCK_INTERNAL_H

#include <pthread.h>

#include "core/timer_queue.h"
#include "emutime/clock.h"
#include "emutime/lock.h"
#include "emutime/timer.h"

struct et_clock {
    bool manual;

    /* Manual clocks: the current time. */
    int64_t now;

    /* Real-time clocks: now = host monotonic + offset while running, or the
     * frozen value while paused. A sequence lock lets readers take all three
     * consistently without a lock; rt_mutex serialises writers. */
    unsigned rt_seq;
    int64_t rt_offset;
    int64_t rt_frozen;
    bool rt_paused;
    bool rt_tsc; /* host time from the calibrated TSC, not CLOCK_MONOTONIC */
    pthread_mutex_t rt_mutex;

    /* The timer queue: a leaf lock guarding the queue and every timer's
     * queue fields. */
    et_lock queue_lock;
    pthread_cond_t queue_cond; /* a firing finished: wakes synchronous cancels */
    et_timer_queue queue;
    uint64_t next_seq;
    unsigned inflight; /* firings popped off the heap, not finished yet */
    /* Bumped (under the queue lock, after the time moved) by pause, resume
     * and rebase: a firing pass that read another value brings the clock to
     * a time it no longer has, and stops (the next pass reads it afresh). */
    uint64_t epoch;

    /* The notifier. Calls hold notify_lock for reading, et_clock_set_notify
     * holds it for writing (writers preferred), so once set_notify returns
     * the old notifier is neither running nor ever called again. notify is
     * also read without the lock (atomically) to skip the lock when unset. */
    pthread_rwlock_t notify_lock;
    et_clock_notify_fn notify;
    void *notify_opaque;
};

struct et_timer {
    /* What a re-arm touches comes first, in as few cache lines as it can
     * (a re-arm of a cold timer costs a memory access per line). */
    et_clock *clock;

    /* Guarded by the clock's queue lock. */
    int64_t deadline;      /* valid while queued or being fired */
    uint64_t heap_seq;     /* arm order: breaks deadline ties, names the live wheel entry */
    uint64_t gen;          /* bumped by every mod, del and firing */
    uint32_t heap_index;   /* heap slot, ET_QUEUE_FAR or ET_HEAP_NONE (timer_queue.h) */

    et_timer_fn cb;
    void *opaque;
    et_lock *lock; /* bound lock, taken around the callback; may be NULL */

    /* Guarded by the clock's queue lock. */
    uint64_t popped_gen;   /* gen when a firer last took it off the heap */
    unsigned inflight;     /* firers between pop and done */
    unsigned waiters;      /* synchronous cancels waiting */
    unsigned cancelling;   /* cancels waiting out a callback: none may start */
    unsigned long cb_thread; /* thread inside the callback, or 0 */
    uint32_t wheel_refs;   /* wheel entries naming this timer, stale ones too */
    bool wheel_zombie;     /* freed by its user: the wheel frees it at 0 refs */
    bool free_after_cb;    /* freed from its own callback */
};

/* Fires, one at a time in queue order, every timer due at or before limit
 * (binding lock, callback at its deadline), including those the callbacks
 * arm within it, and returns how many callbacks ran: a firing is dropped
 * when the timer was re-armed, cancelled or caught up by its device
 * meanwhile. Stops early when the clock's epoch is no longer the pass's (a
 * pause, resume or rebase came in: a timer taken off the queue but not run
 * is put back). For manual clocks, advances the clock to each deadline
 * first. */
unsigned et__clock_fire_due(et_clock *clock, int64_t limit, uint64_t epoch);

/* The clock's epoch, for a pass about to start (read before its time). */
uint64_t et__clock_epoch(et_clock *clock);

/* Inside a callback: moves the calling thread's expiry time for the clock
 * (what et_clock_now() reads there) to now. A ptimer that merges a late
 * backlog runs its callback as of the last expiry merged. */
void et__expiry_set_now(const et_clock *clock, int64_t now);

/* For tests: how many synchronous cancels wait on the timer right now. */
unsigned et__timer_cancel_waiters(et_timer *timer);

/* Calls the clock's notifier, if any (never under the queue lock). */
void et__clock_notify(et_clock *clock);

/* The time the calling thread's current callback runs at on this clock, if
 * it is inside one (returns false otherwise). */
bool et__expiry_now(const et_clock *clock, int64_t *now);

/* Runs a timer callback at the given deadline with the expiry override set. */
void et__timer_call(et_timer *t, int64_t deadline);

#endif
