/* Manual and real-time clocks, and the loops that fire their timers. */
#include <stdlib.h>
#include <time.h>

#include "core/clock_internal.h"
#include "core/clock_tsc.h"
#include "core/internal.h"

static et_lock_class queue_lock_class = ET_LOCK_CLASS_INIT("timer-queue");

/* Inline here: an exported function is not inlined into its callers
 * (it could be interposed), and every real-time clock read needs this. */
static inline __attribute__((always_inline)) int64_t host_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t et_host_monotonic_ns(void)
{
    return host_monotonic();
}

/* The host time a real-time clock follows: CLOCK_MONOTONIC or the TSC. */
static inline int64_t host_now(const et_clock *c)
{
    return c->rt_tsc ? et__tsc_ns() : host_monotonic();
}

static et_clock *clock_new(bool manual)
{
    et_clock *c = et__xcalloc(1, sizeof(*c));
    c->manual = manual;
    pthread_mutex_init(&c->rt_mutex, NULL);
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&c->notify_lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    et_lock_init(&c->queue_lock, &queue_lock_class);
    pthread_cond_init(&c->queue_cond, NULL);
    et__queue_init(&c->queue);
    return c;
}

et_clock *et_clock_new_manual(void)
{
    return clock_new(true);
}

et_clock *et_clock_new_realtime(void)
{
    et_clock *c = clock_new(false);
    c->rt_offset = -host_now(c);
    return c;
}

et_clock *et_clock_new_realtime_tsc(void)
{
    et_clock *c = clock_new(false);
    c->rt_tsc = et__tsc_usable();
    c->rt_offset = -host_now(c);
    return c;
}

et_clock_source et_clock_source_of(const et_clock *c)
{
    if (c->manual) {
        return ET_CLOCK_SOURCE_MANUAL;
    }
    return c->rt_tsc ? ET_CLOCK_SOURCE_TSC : ET_CLOCK_SOURCE_MONOTONIC;
}

void et_clock_free(et_clock *c)
{
    if (!c) {
        return;
    }
    ET_USAGE_CHECK(et__queue_len(&c->queue) == 0,
                   "et_clock_free: %zu timers are still armed on this clock",
                   et__queue_len(&c->queue));
    et__queue_destroy(&c->queue);
    pthread_cond_destroy(&c->queue_cond);
    et_lock_destroy(&c->queue_lock);
    pthread_mutex_destroy(&c->rt_mutex);
    pthread_rwlock_destroy(&c->notify_lock);
    free(c);
}

bool et_clock_is_manual(const et_clock *c)
{
    return c->manual;
}

/* Real-time state, read consistently under the sequence lock. */
typedef struct rt_view {
    int64_t offset;
    int64_t frozen;
    bool paused;
} rt_view;

static rt_view rt_read(et_clock *c)
{
    rt_view v;
    unsigned s1, s2;
    /* Acquire loads of the fields (not a fence, which ThreadSanitizer does
     * not model and gcc refuses under -fsanitize=thread -Werror): the second
     * sequence read cannot move before them, and a field written by a
     * concurrent writer makes its odd sequence number visible to it. */
    do {
        s1 = __atomic_load_n(&c->rt_seq, __ATOMIC_ACQUIRE);
        v.offset = __atomic_load_n(&c->rt_offset, __ATOMIC_ACQUIRE);
        v.frozen = __atomic_load_n(&c->rt_frozen, __ATOMIC_ACQUIRE);
        v.paused = __atomic_load_n(&c->rt_paused, __ATOMIC_ACQUIRE);
        s2 = __atomic_load_n(&c->rt_seq, __ATOMIC_RELAXED);
    } while ((s1 & 1) || s1 != s2);
    return v;
}

/* Writers (serialised by rt_mutex) make the odd sequence number visible
 * before they read the host time, and publish with release stores. */
static void rt_write_begin(et_clock *c)
{
    /* Sequentially consistent: ordered before the host-time read that
     * follows (a store-load order), see rt_time(). */
    __atomic_store_n(&c->rt_seq, c->rt_seq + 1, __ATOMIC_SEQ_CST);
}

static void rt_write_end(et_clock *c, rt_view v)
{
    __atomic_store_n(&c->rt_offset, v.offset, __ATOMIC_RELEASE);
    __atomic_store_n(&c->rt_frozen, v.frozen, __ATOMIC_RELEASE);
    __atomic_store_n(&c->rt_paused, v.paused, __ATOMIC_RELEASE);
    __atomic_store_n(&c->rt_seq, c->rt_seq + 1, __ATOMIC_RELEASE);
}

/* The real-time clock's value. The host time is read inside the sequence
 * section, as QEMU's vm_clock_seqlock readers do: a value computed from a
 * view that a pause replaced meanwhile is thrown away. (Reading it after the
 * section let a reader preempted in between add a stale offset to a later
 * host time and return a time the clock never had, ahead of what the pause
 * froze: the clock then went backwards.) A reader that completes without
 * seeing a writer read the host time before that writer did, so it never
 * returns more than the value a pause freezes. */
static inline __attribute__((always_inline)) int64_t rt_time(et_clock *c)
{
    unsigned s1, s2;
    int64_t t;
    do {
        s1 = __atomic_load_n(&c->rt_seq, __ATOMIC_ACQUIRE);
        int64_t offset = __atomic_load_n(&c->rt_offset, __ATOMIC_ACQUIRE);
        int64_t frozen = __atomic_load_n(&c->rt_frozen, __ATOMIC_ACQUIRE);
        bool paused = __atomic_load_n(&c->rt_paused, __ATOMIC_ACQUIRE);
        t = paused ? frozen : host_now(c) + offset;
        s2 = __atomic_load_n(&c->rt_seq, __ATOMIC_SEQ_CST);
    } while ((s1 & 1) || s1 != s2);
    return t;
}

/* The clock's own time, ignoring any callback's expiry override. Inline:
 * et_clock_now is on every counter read's path. */
static inline __attribute__((always_inline)) int64_t clock_time(et_clock *c)
{
    if (c->manual) {
        return __atomic_load_n(&c->now, __ATOMIC_ACQUIRE);
    }
    return rt_time(c);
}

int64_t et_clock_now(et_clock *c)
{
    int64_t now;
    if (et__expiry_now(c, &now)) {
        return now;
    }
    return clock_time(c);
}

/* The firing passes this thread is inside, innermost first. */
static __thread et__pass *pass_top;

void et__pass_enter(et__pass *pass, const et_clock *c, int64_t horizon)
{
    pass->clock = c;
    pass->horizon = horizon;
    pass->prev = pass_top;
    pass_top = pass;
}

void et__pass_leave(et__pass *pass)
{
    pass_top = pass->prev;
}

int64_t et_clock_horizon(et_clock *c)
{
    for (const et__pass *p = pass_top; p; p = p->prev) {
        if (p->clock == c) {
            return p->horizon;
        }
    }
    return et_clock_now(c);
}

void et__clock_notify(et_clock *c)
{
    if (!__atomic_load_n(&c->notify, __ATOMIC_RELAXED)) {
        return; /* nobody waits */
    }
    pthread_rwlock_rdlock(&c->notify_lock);
    et_clock_notify_fn fn = __atomic_load_n(&c->notify, __ATOMIC_RELAXED);
    if (fn) {
        fn(c->notify_opaque);
    }
    pthread_rwlock_unlock(&c->notify_lock);
}

void et_clock_set_notify(et_clock *c, et_clock_notify_fn fn, void *opaque)
{
    /* Waits for calls of the old notifier to finish: after this returns,
     * its opaque may be freed (the runner relies on it when stopping). */
    pthread_rwlock_wrlock(&c->notify_lock);
    c->notify_opaque = opaque;
    __atomic_store_n(&c->notify, fn, __ATOMIC_RELAXED);
    pthread_rwlock_unlock(&c->notify_lock);
}

static int64_t saturating_add(int64_t a, int64_t b)
{
    return b > INT64_MAX - a ? INT64_MAX : a + b;
}

/* A new epoch (queue lock taken): passes under way end before their next
 * firing (see et__clock_fire_due). Called after the time moved. */
static void new_epoch(et_clock *c)
{
    et_lock_acquire(&c->queue_lock);
    __atomic_store_n(&c->epoch, c->epoch + 1, __ATOMIC_RELEASE);
    et_lock_release(&c->queue_lock);
}

/* Fires everything due at or before target, then moves the clock there.
 * A step is time passing exactly, not lateness: no horizon is announced, so
 * each periodic event fires at its own deadline (as QEMU's clock_step).
 * A rebase meanwhile (a snapshot load) ends it where it is: the loaded time
 * wins, and no timer fires for the time the step was heading to. */
static void manual_advance_to(et_clock *c, uint64_t epoch, int64_t target)
{
    et__clock_fire_due(c, target, epoch);
    et_lock_acquire(&c->queue_lock);
    if (c->epoch == epoch) {
        int64_t cur = __atomic_load_n(&c->now, __ATOMIC_RELAXED);
        while (cur < target &&
               !__atomic_compare_exchange_n(&c->now, &cur, target, true, __ATOMIC_RELEASE,
                                            __ATOMIC_RELAXED)) {
        }
    }
    et_lock_release(&c->queue_lock);
}

void et_clock_step(et_clock *c, int64_t ns)
{
    ET_USAGE_CHECK(c->manual, "et_clock_step: only manual clocks can be stepped");
    ET_USAGE_CHECK(ns >= 0, "et_clock_step: negative step %lld (time never goes backwards)",
                   (long long)ns);
    uint64_t epoch = et__clock_epoch(c);
    manual_advance_to(c, epoch, saturating_add(clock_time(c), ns));
}

bool et_clock_step_next(et_clock *c)
{
    ET_USAGE_CHECK_RET(c->manual, false, "et_clock_step_next: only manual clocks can be stepped");
    uint64_t epoch = et__clock_epoch(c);
    int64_t deadline = et_clock_deadline(c);
    if (deadline == ET_NO_DEADLINE) {
        return false;
    }
    int64_t now = clock_time(c);
    manual_advance_to(c, epoch, deadline > now ? deadline : now);
    return true;
}

void et_clock_set(et_clock *c, int64_t ns)
{
    ET_USAGE_CHECK(c->manual, "et_clock_set: only manual clocks can be set");
    uint64_t epoch = et__clock_epoch(c);
    if (ns > clock_time(c)) {
        manual_advance_to(c, epoch, ns);
    }
}

void et_clock_pause(et_clock *c)
{
    ET_USAGE_CHECK(!c->manual, "et_clock_pause: manual clocks do not run by themselves");
    pthread_mutex_lock(&c->rt_mutex);
    rt_view v = rt_read(c);
    if (!v.paused) {
        rt_write_begin(c);
        v.frozen = host_now(c) + v.offset;
        v.paused = true;
        rt_write_end(c, v);
    }
    pthread_mutex_unlock(&c->rt_mutex);
    new_epoch(c);
    et__clock_notify(c);
}

void et_clock_resume(et_clock *c)
{
    ET_USAGE_CHECK(!c->manual, "et_clock_resume: manual clocks do not run by themselves");
    pthread_mutex_lock(&c->rt_mutex);
    rt_view v = rt_read(c);
    if (v.paused) {
        rt_write_begin(c);
        v.offset = v.frozen - host_now(c);
        v.paused = false;
        rt_write_end(c, v);
    }
    pthread_mutex_unlock(&c->rt_mutex);
    new_epoch(c);
    et__clock_notify(c);
}

bool et_clock_is_paused(et_clock *c)
{
    return !c->manual && rt_read(c).paused;
}

void et_clock_rebase(et_clock *c, int64_t ns)
{
    if (c->manual) {
        /* Under the queue lock, which a pass holds while it moves the time
         * to a deadline (et__clock_fire_due). */
        et_lock_acquire(&c->queue_lock);
        __atomic_store_n(&c->now, ns, __ATOMIC_RELEASE);
        __atomic_store_n(&c->epoch, c->epoch + 1, __ATOMIC_RELEASE);
        et_lock_release(&c->queue_lock);
        return;
    }
    pthread_mutex_lock(&c->rt_mutex);
    rt_view v = rt_read(c);
    rt_write_begin(c);
    if (v.paused) {
        v.frozen = ns;
    } else {
        v.offset = ns - host_now(c);
    }
    rt_write_end(c, v);
    pthread_mutex_unlock(&c->rt_mutex);
    new_epoch(c);
    et__clock_notify(c);
}

int64_t et_clock_deadline(et_clock *c)
{
    if (!c->manual && rt_read(c).paused) {
        return ET_NO_DEADLINE;
    }
    et_lock_acquire(&c->queue_lock);
    const et_heap_entry *top = et__queue_top(&c->queue);
    int64_t deadline = top ? top->deadline : ET_NO_DEADLINE;
    et_lock_release(&c->queue_lock);
    return deadline;
}

unsigned et_clock_run_expired(et_clock *c)
{
    /* The epoch before anything else: a pause, resume or rebase from here
     * on ends the pass before its next firing, so it never fires for a time
     * the clock no longer has (a snapshot load re-basing it backwards). */
    uint64_t epoch = et__clock_epoch(c);
    if (!c->manual && rt_read(c).paused) {
        return 0;
    }
    /* "Now" is read once, as QEMU's timerlist_run_timers does: a callback
     * that re-arms into the past runs again in this pass, one that arms
     * beyond now waits for the next. */
    int64_t now = clock_time(c);
    unsigned fired = 0;
    et__pass pass;
    et__pass_enter(&pass, c, now);
    fired = et__clock_fire_due(c, now, epoch); /* not the firings a catch-up took over */
    et__pass_leave(&pass);
    return fired;
}
