/* Timers and the firing protocol shared by stepping, run-expired and
 * catch-up on access.
 *
 * A firing takes a timer off the queue ("popped"), then takes the timer's
 * bound lock, then checks under the queue lock that nobody re-armed, cancelled
 * or already fired the timer meanwhile (its generation is unchanged), and only
 * then calls the callback. That check is what lets a thread holding the bound
 * lock cancel without waiting, and lets catch-up on access take over a firing
 * that another thread has popped but not yet run.
 */
#include <stdlib.h>

#include "core/clock_internal.h"
#include "core/device_internal.h"
#include "core/internal.h"

/* The expiry-time override: a stack of the callbacks this thread is inside. */
typedef struct expiry_frame {
    const et_clock *clock;
    int64_t now;
    struct expiry_frame *prev;
} expiry_frame;

static __thread expiry_frame *expiry_top;

/* The bound-lock releases this thread is inside, after a firing's callback
 * (a device delivering what the expiry queued): the firing is still in
 * flight, so a sink freeing that timer must not wait for it. */
typedef struct release_frame {
    const et_timer *timer;
    struct release_frame *prev;
} release_frame;

static __thread release_frame *release_top;

static bool releasing_here(const et_timer *t)
{
    for (const release_frame *f = release_top; f; f = f->prev) {
        if (f->timer == t) {
            return true;
        }
    }
    return false;
}

bool et__expiry_now(const et_clock *clock, int64_t *now)
{
    for (expiry_frame *f = expiry_top; f; f = f->prev) {
        if (f->clock == clock) {
            *now = f->now;
            return true;
        }
    }
    return false;
}

void et__expiry_set_now(const et_clock *clock, int64_t now)
{
    for (expiry_frame *f = expiry_top; f; f = f->prev) {
        if (f->clock == clock) {
            f->now = now;
            return;
        }
    }
}

void et__timer_call(et_timer *t, int64_t deadline)
{
    expiry_frame frame = { t->clock, deadline, expiry_top };
    expiry_top = &frame;
    t->cb(t->opaque);
    expiry_top = frame.prev;
}

static void queue_lock(et_clock *c)
{
    et_lock_acquire(&c->queue_lock);
}

static void queue_unlock(et_clock *c)
{
    et_lock_release(&c->queue_lock);
}

/* Waits (queue lock held) for the next change of a firing's state, with the
 * queue lock released meanwhile; the caller loops on its own condition.
 * t->waiters tells a finishing firing that someone must be woken. */
static void queue_wait(et_clock *c, et_timer *t)
{
    t->waiters++;
    et__lock_wait(&c->queue_lock, &c->queue_cond);
    t->waiters--;
}

et_timer *et_timer_new(et_clock *clock, et_timer_fn cb, void *opaque)
{
    ET_USAGE_CHECK_RET(clock && cb, NULL, "et_timer_new: clock and callback are required");
    et_timer *t = et__xcalloc(1, sizeof(*t));
    t->clock = clock;
    t->cb = cb;
    t->opaque = opaque;
    t->heap_index = ET_HEAP_NONE;
    return t;
}

void et_timer_set_lock(et_timer *t, et_lock *lock)
{
    t->lock = lock;
}

et_clock *et_timer_clock(et_timer *t)
{
    return t->clock;
}

void et_timer_mod(et_timer *t, int64_t deadline)
{
    et_clock *c = t->clock;

    if (deadline < 0) {
        deadline = 0;
    }
    queue_lock(c);
    const et_heap_entry *top = et__queue_top(&c->queue);
    int64_t old_first = top ? top->deadline : ET_NO_DEADLINE;
    t->gen++;
    t->deadline = deadline;
    et__queue_set(&c->queue, t, deadline, c->next_seq++);
    bool earlier_head = t->heap_index == 0 && deadline < old_first;
    queue_unlock(c);
    if (earlier_head) {
        et__clock_notify(c);
    }
}

/* Cancels under the queue lock; returns with it held. */
static void cancel_locked(et_timer *t)
{
    t->gen++;
    if (t->heap_index != ET_HEAP_NONE) {
        et__queue_remove(&t->clock->queue, t);
    }
}

/* Waits (queue lock held) until no callback of the timer runs on another
 * thread and, if firings too, none is popped, then cancels again: while a
 * cancel waits no callback may start (the cancelling count), and whatever
 * the last one did to its own timer (a periodic callback re-arms it) or
 * another thread armed meanwhile is undone before the cancel returns. */
static void cancel_wait_locked(et_timer *t, unsigned long me, bool firings_too)
{
    et_clock *c = t->clock;
    t->cancelling++;
    while ((t->cb_thread && t->cb_thread != me) || (firings_too && t->inflight)) {
        queue_wait(c, t);
    }
    cancel_locked(t);
    t->cancelling--;
}

void et_timer_del(et_timer *t)
{
    et_clock *c = t->clock;
    unsigned long me = et_thread_id();

    queue_lock(c);
    cancel_locked(t);
    /* Synchronous: wait out a callback running on another thread. A firing
     * that has not reached the callback yet will see the new generation. */
    if (t->cb_thread && t->cb_thread != me) {
        cancel_wait_locked(t, me, false);
    }
    queue_unlock(c);
}

unsigned et__timer_cancel_waiters(et_timer *t)
{
    et_clock *c = t->clock;
    queue_lock(c);
    unsigned n = t->cancelling;
    queue_unlock(c);
    return n;
}

/* Frees the timer (queue lock held), or, while stale wheel entries still
 * point at it, leaves that to the wheel when the last of them goes. */
static void timer_destroy_locked(et_timer *t)
{
    if (t->wheel_refs) {
        t->wheel_zombie = true;
        return;
    }
    free(t);
}

static void timer_destroy(et_timer *t)
{
    et_clock *c = t->clock;
    queue_lock(c);
    timer_destroy_locked(t);
    queue_unlock(c);
}

void et_timer_free(et_timer *t)
{
    if (!t) {
        return;
    }
    et_clock *c = t->clock;
    unsigned long me = et_thread_id();

    queue_lock(c);
    cancel_locked(t);
    if (t->cb_thread == me || releasing_here(t)) {
        /* Freed from its own callback, or from a sink its firing's release
         * delivers to: the firer frees it afterwards. */
        t->free_after_cb = true;
        queue_unlock(c);
        return;
    }
    if (t->inflight && t->lock && et_lock_held_by_me(t->lock)) {
        queue_unlock(c);
        et__usage_error("et_timer_free: timer freed while holding its bound lock "
                        "during a firing on another thread (would deadlock)");
        return;
    }
    cancel_wait_locked(t, me, true);
    queue_unlock(c);
    timer_destroy(t);
}

bool et_timer_pending(et_timer *t)
{
    et_clock *c = t->clock;
    queue_lock(c);
    bool pending = t->heap_index != ET_HEAP_NONE;
    queue_unlock(c);
    return pending;
}

int64_t et_timer_expire_time(et_timer *t)
{
    et_clock *c = t->clock;
    queue_lock(c);
    int64_t when = t->heap_index != ET_HEAP_NONE ? t->deadline : -1;
    queue_unlock(c);
    return when;
}

/* For snapshots (device lock held): a firing popped but not yet run still
 * happens unless cancelled, so it counts as armed at its deadline, and it
 * fires before anything still queued at that deadline (order 0). */
int64_t et__timer_armed_deadline(et_timer *t, uint64_t *order)
{
    et_clock *c = t->clock;
    queue_lock(c);
    bool queued = t->heap_index != ET_HEAP_NONE;
    bool popped = !queued && t->inflight && t->gen == t->popped_gen && !t->cb_thread;
    int64_t when = queued || popped ? t->deadline : -1;
    if (order) {
        *order = queued ? t->heap_seq + 1 : 0;
    }
    queue_unlock(c);
    return when;
}

/* Ends a firing or a callback (queue lock held): wakes synchronous cancels
 * and says whether the timer, freed from its own callback, can go now. */
static bool finish_locked(et_timer *t, bool ran_callback)
{
    if (ran_callback) {
        t->cb_thread = 0;
    }
    if (t->waiters) {
        pthread_cond_broadcast(&t->clock->queue_cond);
    }
    return t->free_after_cb && !t->inflight && !t->cb_thread;
}

/* A popped firing is still valid when nothing touched the timer since and
 * no cancel is waiting. */
static bool popped_valid(const et_timer *t)
{
    return t->inflight && t->gen == t->popped_gen && !t->cb_thread && !t->cancelling;
}

static void advance_manual(et_clock *c, int64_t to)
{
    int64_t cur = __atomic_load_n(&c->now, __ATOMIC_RELAXED);
    while (cur < to &&
           !__atomic_compare_exchange_n(&c->now, &cur, to, true, __ATOMIC_RELEASE,
                                        __ATOMIC_RELAXED)) {
    }
}

uint64_t et__clock_epoch(et_clock *c)
{
    return __atomic_load_n(&c->epoch, __ATOMIC_ACQUIRE);
}

/* One firing (see et__clock_fire_due), entered and left with the queue lock
 * held: a pass keeps it from one firing's end to the next one's pop, so an
 * unbound timer costs one lock round trip (around its callback), not two. */
static bool fire_locked(et_clock *c, int64_t limit, uint64_t epoch, bool *ran, unsigned long me)
{
    *ran = false;
    const et_heap_entry *top = et__queue_top(&c->queue);
    if (!top || top->deadline > limit || c->epoch != epoch) {
        return false;
    }
    et_timer *t = top->timer;
    int64_t deadline = top->deadline;
    et__queue_remove(&c->queue, t);
    t->inflight++;
    c->inflight++;
    t->popped_gen = t->gen;
    uint64_t gen = t->gen;
    et_lock *bound = t->lock;
    if (c->manual) {
        /* Under the queue lock, which a rebase takes: the pass's epoch,
         * checked above, is still the clock's. */
        advance_manual(c, deadline);
    }
    if (bound) {
        /* The bound lock comes before the queue lock: drop the queue lock to
         * take it, then check below that nobody touched the timer meanwhile
         * and that the clock was not paused or re-based (a snapshot load
         * holds the bound lock while it re-bases and re-arms). Without a
         * bound lock the queue lock is kept (one round trip less). */
        queue_unlock(c);
        et_lock_acquire(bound);
        queue_lock(c);
    }
    /* An unbound timer re-armed from its own callback can be popped again
     * while that callback still runs on another thread: wait for it rather
     * than lose the expiry. (A bound timer cannot get here in that state:
     * the other callback holds the bound lock.) */
    while (t->gen == gen && t->cb_thread && t->cb_thread != me) {
        queue_wait(c, t);
    }
    bool run = t->gen == gen && !t->cancelling;
    bool stale = c->epoch != epoch;
    if (run && stale) {
        /* The time this pass fires up to is gone: the timer stays armed at
         * its deadline, in its place among equal deadlines, for a pass that
         * reads the new time. */
        t->gen++;
        et__queue_set(&c->queue, t, deadline, t->heap_seq);
        run = false;
    }
    unsigned long outer = t->cb_thread; /* me when nested in its own callback */
    if (run) {
        t->gen++;
        t->cb_thread = me;
    }
    queue_unlock(c);

    if (run) {
        et__timer_call(t, deadline);
        *ran = true;
    }

    queue_lock(c);
    c->inflight--;
    if (!bound) {
        t->inflight--;
    }
    bool free_it = finish_locked(t, run);
    if (run && outer) {
        t->cb_thread = outer; /* back to the outer call of the same callback */
        free_it = false;      /* the outer call frees it, if asked to */
    }
    if (bound) {
        queue_unlock(c);
        /* Still in flight while the lock's owner releases it (a device
         * delivers the interrupt changes the expiry queued): et_timer_free
         * waits for that too, so once it returns the firing touches neither
         * the lock nor its owner, which may then be destroyed. */
        release_frame frame = { t, release_top };
        release_top = &frame;
        et_lock_release_owner(bound);
        release_top = frame.prev;
        queue_lock(c);
        t->inflight--;
        free_it = finish_locked(t, false) && !(run && outer);
    }
    if (free_it) {
        timer_destroy_locked(t);
    }
    return !stale;
}

unsigned et__clock_fire_due(et_clock *c, int64_t limit, uint64_t epoch)
{
    unsigned long me = et_thread_id();
    unsigned fired = 0;
    bool ran;

    queue_lock(c);
    while (fire_locked(c, limit, epoch, &ran, me)) {
        fired += ran;
    }
    queue_unlock(c);
    return fired;
}

et_timer *et__timers_earliest_due(et_timer **timers, size_t n, int64_t now)
{
    if (n == 0) {
        return NULL;
    }
    et_clock *c = timers[0]->clock;
    et_timer *best = NULL;
    int64_t best_deadline = now;

    queue_lock(c);
    /* Nothing on the whole clock is due and no firing is between pop and
     * callback: none of these timers can be due, skip the scan (devices with
     * thousands of timers, like a 4095-hart ACLINT, are read often). */
    const et_heap_entry *top = et__queue_top(&c->queue);
    if ((!top || top->deadline > now) && c->inflight == 0) {
        queue_unlock(c);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        et_timer *t = timers[i];
        bool armed = (t->heap_index != ET_HEAP_NONE && !t->cancelling) || popped_valid(t);
        if (armed && t->deadline <= best_deadline && (!best || t->deadline < best_deadline)) {
            best = t;
            best_deadline = t->deadline;
        }
    }
    queue_unlock(c);
    return best;
}

bool et_timer_run_if_due(et_timer *t, int64_t now)
{
    et_clock *c = t->clock;

    queue_lock(c);
    bool due = false;
    if (t->cancelling) {
        /* A cancel waits for the callback: none may start. */
    } else if (t->heap_index != ET_HEAP_NONE && t->deadline <= now) {
        et__queue_remove(&c->queue, t);
        due = true;
    } else if (popped_valid(t) && t->deadline <= now) {
        due = true; /* take over: the firer will see the new generation */
    }
    int64_t deadline = t->deadline;
    if (due) {
        t->gen++;
        t->cb_thread = et_thread_id();
    }
    queue_unlock(c);
    if (!due) {
        return false;
    }

    et__timer_call(t, deadline);

    queue_lock(c);
    bool free_it = finish_locked(t, true);
    queue_unlock(c);
    if (free_it) {
        timer_destroy(t);
    }
    return true;
}
