/* The device base: locking, catch-up on access, access validation, interrupt
 * delivery after unlock, guest-error logging and trace events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/device_internal.h"
#include "core/internal.h"

/* --- logging and tracing ------------------------------------------------- */

static et_log_fn log_fn;
static void *log_opaque;
static et_trace_fn trace_fn;
static void *trace_opaque;

void et_set_log_sink(et_log_fn fn, void *opaque)
{
    __atomic_store_n(&log_opaque, opaque, __ATOMIC_RELAXED);
    __atomic_store_n(&log_fn, fn, __ATOMIC_RELEASE);
}

static void log_line(const char *line)
{
    et_log_fn fn = __atomic_load_n(&log_fn, __ATOMIC_ACQUIRE);
    if (fn) {
        fn(__atomic_load_n(&log_opaque, __ATOMIC_RELAXED), line);
    } else {
        fprintf(stderr, "emutime: %s\n", line);
    }
}

void et_set_trace_sink(et_trace_fn fn, void *opaque)
{
    __atomic_store_n(&trace_opaque, opaque, __ATOMIC_RELAXED);
    __atomic_store_n(&trace_fn, fn, __ATOMIC_RELEASE);
}

bool et_trace_enabled(void)
{
    return __atomic_load_n(&trace_fn, __ATOMIC_RELAXED) != NULL;
}

void et_device_trace(et_device *dev, const char *event, const char *fmt, ...)
{
    et_trace_fn fn = __atomic_load_n(&trace_fn, __ATOMIC_ACQUIRE);
    if (!fn) {
        return;
    }
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    fn(__atomic_load_n(&trace_opaque, __ATOMIC_RELAXED), dev->name, event, detail);
}

void et_device_guest_error(et_device *dev, const char *fmt, ...)
{
    unsigned long n = __atomic_add_fetch(&dev->guest_errors, 1, __ATOMIC_RELAXED);
    if (n > ET_GUEST_ERROR_BURST + 1) {
        return;
    }
    char line[384];
    if (n == ET_GUEST_ERROR_BURST + 1) {
        snprintf(line, sizeof(line), "guest error: %s: further guest errors are counted, not logged",
                 dev->name);
    } else {
        char what[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        snprintf(line, sizeof(line), "guest error: %s: %s", dev->name, what);
    }
    log_line(line);
}

unsigned long et_device_guest_error_count(const et_device *dev)
{
    return __atomic_load_n(&dev->guest_errors, __ATOMIC_RELAXED);
}

/* --- life cycle ---------------------------------------------------------- */

static void release_device_lock(et_lock *lock)
{
    /* The lock is the device's own member: recover the device. */
    et_device *dev = (et_device *)((char *)lock - offsetof(et_device, lock));
    et_device_unlock(dev);
}

void et_device_init(et_device *dev, const et_device_ops *ops, et_clock *clock,
                    const char *name, et_lock_class *cls)
{
    memset(dev, 0, sizeof(*dev));
    dev->ops = ops;
    dev->clock = clock;
    dev->name = strdup(name ? name : ops->type);
    if (!dev->name) {
        dev->name = et__xcalloc(1, 1);
    }
    et_lock_init(&dev->lock, cls);
    dev->lock.release_notify = release_device_lock;
    pthread_cond_init(&dev->idle, NULL);
}

/* Waits (device lock held) until no thread is between taking an entry of
 * the delivery queue and taking the lock back. */
static void wait_deliveries(et_device *dev)
{
    while (dev->deliverers) {
        dev->free_waiters++;
        et__lock_wait(&dev->lock, &dev->idle);
        dev->free_waiters--;
    }
}

void et_device_free(et_device *dev)
{
    if (!dev) {
        return;
    }
    /* First the timers (ops->destroy frees them, each free waiting out its
     * firing), so that nothing new gets queued; then the deliveries of what
     * the last expiries queued. A timer thread releases the device lock
     * after its firing has ended, so it may still be delivering here. */
    if (dev->ops->destroy) {
        dev->ops->destroy(dev);
    }
    et_lock_acquire(&dev->lock);
    wait_deliveries(dev);
    et_lock_release(&dev->lock); /* what is still queued is dropped */
    pthread_cond_destroy(&dev->idle);
    free(dev->timers);
    free(dev->ptimers);
    free(dev->irqs);
    free(dev->events);
    et_lock_destroy(&dev->lock);
    free(dev->name);
    free(dev);
}

static void add_timer(et_device *dev, et_timer *t)
{
    dev->timers = et__xrealloc(dev->timers, sizeof(*dev->timers) * (dev->n_timers + 1));
    dev->timers[dev->n_timers++] = t;
}

et_timer *et_device_timer_new(et_device *dev, et_timer_fn cb, void *opaque)
{
    et_timer *t = et_timer_new(dev->clock, cb, opaque);
    et_timer_set_lock(t, &dev->lock);
    add_timer(dev, t);
    return t;
}

et_ptimer *et_device_ptimer_new(et_device *dev, et_ptimer_fn cb, void *opaque, unsigned policy)
{
    et_ptimer *pt = et_ptimer_new(dev->clock, cb, opaque, policy);
    if (!pt) {
        return NULL;
    }
    et_ptimer_set_lock(pt, &dev->lock);
    add_timer(dev, et__ptimer_timer(pt));
    dev->ptimers = et__xrealloc(dev->ptimers, sizeof(*dev->ptimers) * (dev->n_ptimers + 1));
    dev->ptimers[dev->n_ptimers++] = pt;
    return pt;
}

void et_device_add_irq(et_device *dev, et_irq_line *line)
{
    dev->irqs = et__xrealloc(dev->irqs, sizeof(*dev->irqs) * (dev->n_irqs + 1));
    dev->irqs[dev->n_irqs++] = line;
}

et_irq_line *et_device_irq(et_device *dev, unsigned n)
{
    return n < dev->n_irqs ? dev->irqs[n] : NULL;
}

unsigned et_device_irq_count(const et_device *dev)
{
    return dev->n_irqs;
}

/* --- locking and interrupt delivery -------------------------------------- */

void et__device_lock(et_device *dev, const char *file, int line)
{
    et__lock_acquire(&dev->lock, file, line);
}

static et_irq_event *queue_event(et_device *dev)
{
    if (dev->head == dev->n_events) {
        dev->head = dev->n_events = 0; /* empty: start over at the front */
    }
    if (dev->n_events == dev->cap_events) {
        dev->cap_events = dev->cap_events ? dev->cap_events * 2 : 8;
        dev->events = et__xrealloc(dev->events, sizeof(*dev->events) * dev->cap_events);
    }
    et_irq_event *ev = &dev->events[dev->n_events++];
    *ev = (et_irq_event){ .line = NULL };
    return ev;
}

void et__device_queue_irq(et_device *dev, et_irq_line *line, int level)
{
    et_irq_event *ev = queue_event(dev);
    ev->line = line;
    ev->level = level;
    if (et_trace_enabled()) {
        et_device_trace(dev, "irq", "%s %s", line->name ? line->name : "irq",
                        level ? "raise" : "lower");
    }
}

void et__device_queue_irq_repeat(et_device *dev, et_irq_line *line, int level)
{
    et_irq_event *ev = queue_event(dev);
    ev->line = line;
    ev->level = level;
}

void et_device_defer(et_device *dev, et_deferred_fn fn, void *opaque, uint64_t arg)
{
    ET_USAGE_CHECK(fn != NULL, "et_device_defer: no function to call");
    ET_USAGE_CHECK(et_lock_held_by_me(&dev->lock),
                   "et_device_defer: '%s' is not locked by this thread", dev->name);
    et_irq_event *ev = queue_event(dev);
    ev->fn = fn;
    ev->opaque = opaque;
    ev->arg = arg;
}

void et_device_unlock(et_device *dev)
{
    /* The queue is delivered one entry at a time, oldest first, one call
     * in progress per device (sink_busy). Whichever thread holds the lock
     * when no call is in progress takes the next entry: a thread that
     * releases the lock while another thread's call is in progress leaves
     * its changes, and the thread whose call ends goes on with them. That
     * thread clears sink_busy before it takes the lock back, so a change
     * waits on it only while its call runs: if it is descheduled after the
     * call, the next thread to release the lock delivers instead. */
    while (dev->head < dev->n_events &&
           !__atomic_load_n(&dev->sink_busy, __ATOMIC_SEQ_CST)) {
        et_irq_event ev = dev->events[dev->head++];
        __atomic_store_n(&dev->sink_busy, true, __ATOMIC_RELAXED);
        dev->deliverers++;
        et_lock_release(&dev->lock);
        if (!ev.line) {
            ev.fn(ev.opaque, ev.arg);
        } else if (ev.line->sink) {
            ev.line->sink(ev.line->sink_opaque, ev.line->sink_n, ev.level);
        }
        __atomic_store_n(&dev->sink_busy, false, __ATOMIC_SEQ_CST);
        et_lock_acquire(&dev->lock);
        dev->deliverers--;
        if (dev->deliverers == 0 && dev->free_waiters) {
            pthread_cond_broadcast(&dev->idle);
        }
    }
    et_lock_release(&dev->lock);
}

/* --- access -------------------------------------------------------------- */

void et_device_catch_up(et_device *dev)
{
    et_device_catch_up_to(dev, et_clock_now(dev->clock));
}

void et_device_catch_up_to(et_device *dev, int64_t now)
{
    et_timer *t;
    et__pass pass;
    et__pass_enter(&pass, dev->clock, now);
    while ((t = et__timers_earliest_due(dev->timers, dev->n_timers, now)) != NULL) {
        et_timer_run_if_due(t, now);
    }
    et__pass_leave(&pass);
}

/* The common case, kept cheap for lock-free reads (an HPET counter read
 * costs about one clock read): an accepted power-of-two size, inside the
 * region, aligned unless the device takes unaligned accesses. */
static inline bool access_fits(const et_device_ops *ops, uint64_t offset, unsigned size)
{
    return (size & (size - 1)) == 0 && size <= 8 && (ops->access_sizes & size) &&
           offset < ops->region_size && size <= ops->region_size - offset &&
           (ops->unaligned_ok || !(offset & (size - 1)));
}

static bool __attribute__((cold, noinline))
access_error(et_device *dev, uint64_t offset, unsigned size, const char *what)
{
    const et_device_ops *ops = dev->ops;
    bool size_ok = (size == 1 || size == 2 || size == 4 || size == 8) &&
                   (ops->access_sizes & size);
    if (!size_ok) {
        et_device_guest_error(dev, "%s of unsupported size %u at offset 0x%llx", what, size,
                              (unsigned long long)offset);
        return false;
    }
    if (offset >= ops->region_size || size > ops->region_size - offset) {
        et_device_guest_error(dev, "%s at offset 0x%llx is outside the 0x%llx-byte region",
                              what, (unsigned long long)offset,
                              (unsigned long long)ops->region_size);
        return false;
    }
    if (!ops->unaligned_ok && (offset & (size - 1))) {
        et_device_guest_error(dev, "unaligned %u-byte %s at offset 0x%llx", size, what,
                              (unsigned long long)offset);
        return false;
    }
    return true;
}

static inline bool access_ok(et_device *dev, uint64_t offset, unsigned size, const char *what)
{
    if (__builtin_expect(access_fits(dev->ops, offset, size), 1)) {
        return true;
    }
    return access_error(dev, offset, size, what);
}

uint64_t et_device_read(et_device *dev, uint64_t offset, unsigned size)
{
    uint64_t value = 0;
    if (!access_ok(dev, offset, size, "read")) {
        return 0;
    }
    /* Not while tracing: the locked path traces every read. */
    if (dev->ops->read_lockless && !__atomic_load_n(&trace_fn, __ATOMIC_RELAXED) &&
        dev->ops->read_lockless(dev, offset, size, &value)) {
        return value;
    }
    et_device_lock(dev);
    et_device_catch_up(dev);
    value = dev->ops->read(dev, offset, size);
    if (et_trace_enabled()) {
        et_device_trace(dev, "read", "0x%llx/%u -> 0x%llx", (unsigned long long)offset, size,
                        (unsigned long long)value);
    }
    et_device_unlock(dev);
    return value;
}

void et_device_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    if (!access_ok(dev, offset, size, "write")) {
        return;
    }
    if (size < 8) {
        value &= (UINT64_C(1) << (8 * size)) - 1;
    }
    et_device_lock(dev);
    et_device_catch_up(dev);
    if (et_trace_enabled()) {
        et_device_trace(dev, "write", "0x%llx/%u <- 0x%llx", (unsigned long long)offset, size,
                        (unsigned long long)value);
    }
    dev->ops->write(dev, offset, value, size);
    et_device_unlock(dev);
}

void et_device_set_input(et_device *dev, unsigned n, int level)
{
    if (!dev->ops->set_input || n >= dev->ops->n_inputs) {
        return;
    }
    et_device_lock(dev);
    et_device_catch_up(dev);
    dev->ops->set_input(dev, n, level != 0);
    et_device_unlock(dev);
}

void et_device_reset(et_device *dev)
{
    et_device_lock(dev);
    et_device_catch_up(dev);
    if (dev->ops->reset) {
        dev->ops->reset(dev);
    }
    et_device_unlock(dev);
}
