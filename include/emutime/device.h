/* emutime: the device base.
 *
 * Every device has one lock guarding all its guest-visible state, its timers
 * and ptimers included. Register accesses, timer expiries, reset and snapshots
 * all run under it. Before serving an access at virtual time t, the device
 * first runs its own expiries due at or before t ("catch-up on access"), so
 * what a guest reads is exact however late the runner thread is. Interrupt
 * changes made under the lock are delivered after it is released (irq.h).
 *
 * A device model embeds et_device as its first member:
 *
 *     typedef struct my_timer { et_device dev; et_ptimer *pt; ... } my_timer;
 *
 * and provides an et_device_ops table. Bad guest input (an unknown offset, an
 * unsupported size) is a rate-limited guest-error log line plus the
 * hardware's defined result, never a crash. Bad configuration is reported by
 * the device's constructor as an error string, with nothing allocated.
 */
#ifndef EMUTIME_DEVICE_H
#define EMUTIME_DEVICE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/irq.h"
#include "emutime/lock.h"
#include "emutime/ptimer.h"
#include "emutime/timer.h"
#include "emutime/vmstate.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

typedef struct et_device et_device;

/* Access sizes, as a bit mask. */
#define ET_ACCESS_1 (1u << 0)
#define ET_ACCESS_2 (1u << 1)
#define ET_ACCESS_4 (1u << 2)
#define ET_ACCESS_8 (1u << 3)

typedef struct et_device_ops {
    const char *type;
    uint64_t region_size;   /* bytes of register space */
    unsigned access_sizes;  /* ET_ACCESS_* the device accepts */
    bool unaligned_ok;      /* else an access must be aligned to its size */

    /* Called with the device lock held, after catch-up, with an offset inside
     * the region and an accepted size. */
    uint64_t (*read)(et_device *dev, uint64_t offset, unsigned size);
    void (*write)(et_device *dev, uint64_t offset, uint64_t value, unsigned size);
    /* Optional lock-free fast path for reads (a seqlock-protected counter):
     * return true when it served the read. Called before taking the lock,
     * after the access is validated, and not while a trace sink is
     * installed (the locked path then serves and traces every read). */
    bool (*read_lockless)(et_device *dev, uint64_t offset, unsigned size, uint64_t *value);
    /* Back to the power-on state, under the device lock. */
    void (*reset)(et_device *dev);
    /* Frees what the device allocated (timers, ptimers), without the lock. */
    void (*destroy)(et_device *dev);
    /* The saved state (vmstate.h): every field that determines the
     * device's future. Required for devices that join snapshots. */
    const et_vmstate *state;
    /* Optional input lines (QEMU's GPIO inputs: the HPET's 8254 and RTC
     * pass-through): input n < n_inputs changed to level, called with the
     * lock held after catch-up. An input's level belongs to whoever drives
     * it: reset and snapshots leave it alone (the driver re-drives it). */
    void (*set_input)(et_device *dev, unsigned n, int level);
    unsigned n_inputs;
} et_device_ops;

/* A call made after the device lock is released (et_device_defer). */
typedef void (*et_deferred_fn)(void *opaque, uint64_t arg);

/* One entry of the delivery queue: a level change of line, or, when line is
 * NULL, a deferred call fn(opaque, arg). */
typedef struct et_irq_event {
    et_irq_line *line;
    int level;
    et_deferred_fn fn;
    void *opaque;
    uint64_t arg;
} et_irq_event;

struct et_device {
    const et_device_ops *ops;
    char *name;
    et_clock *clock;
    et_lock lock;

    /* Timers whose expiries catch-up must run (all bound to the lock). */
    et_timer **timers;
    size_t n_timers;
    et_ptimer **ptimers;
    size_t n_ptimers;

    /* Interrupt changes waiting for delivery (guarded by the lock): the
     * entries from head to n_events, oldest first. */
    et_irq_event *events;
    size_t head, n_events, cap_events;
    /* A sink call (or deferred call) is in progress: set under the lock by
     * the thread that takes an entry, cleared atomically right after its
     * call returns, before that thread takes the lock again. */
    bool sink_busy;
    /* Threads between taking an entry and taking the lock back (guarded by
     * the lock); et_device_free waits on idle until there are none. */
    unsigned deliverers;
    unsigned free_waiters;
    pthread_cond_t idle;

    /* Output lines in the device's documented order, for board wiring. */
    et_irq_line **irqs;
    unsigned n_irqs;

    unsigned long guest_errors; /* total, atomic */
};

/* Initialises the base; the device's name is copied. cls is the lock class
 * shared by every device of this type (for the lock-order checker). */
void et_device_init(et_device *dev, const et_device_ops *ops, et_clock *clock,
                    const char *name, et_lock_class *cls);

/* Destroys the device: ops->destroy, then the base, then frees dev (which
 * must have been allocated with malloc). Safe while the clock's runner (or
 * an embedder's loop) runs, as a hot-unplug: ops->destroy frees the
 * device's timers, each free waiting out a firing of it in progress
 * (timer.h), and then et_device_free waits until no thread is delivering
 * the device's interrupt changes or deferred calls. When it returns, no
 * callback, deferred call or sink call of the device is running or will
 * run. No guest access to the device may be running or start (stop its
 * vCPUs' accesses first), and the caller must not hold a lock the device's
 * sinks take (the embedder's big lock), since it may wait for a sink call. */
void et_device_free(et_device *dev);

/* Timers and ptimers owned by the device: bound to its lock and caught up on
 * access. Free them from ops->destroy with et_timer_free/et_ptimer_free. */
et_timer *et_device_timer_new(et_device *dev, et_timer_fn cb, void *opaque);
et_ptimer *et_device_ptimer_new(et_device *dev, et_ptimer_fn cb, void *opaque, unsigned policy);

/* Output lines: a device registers its lines (et_irq_init'ed, owned by it)
 * in the order its header documents; boards wire them by index. */
void et_device_add_irq(et_device *dev, et_irq_line *line);
et_irq_line *et_device_irq(et_device *dev, unsigned n); /* NULL if no such line */
unsigned et_device_irq_count(const et_device *dev);

/* The guest's entry points: validate, lock, catch up, dispatch, unlock (and
 * deliver interrupts). An invalid access reads as 0 and writes nothing. */
uint64_t et_device_read(et_device *dev, uint64_t offset, unsigned size);
void et_device_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size);
void et_device_reset(et_device *dev);
/* Drives input n of the device (an output line of another device, through
 * board wiring): lock, catch up, ops->set_input, unlock (delivering what it
 * changed). Ignored for an input the device does not have. Call it with no
 * library lock held, as from an interrupt sink. */
void et_device_set_input(et_device *dev, unsigned n, int level);

/* For device code and embedders that need several steps under one lock
 * hold (board glue, snapshots). Unlock delivers queued interrupts. */
#define et_device_lock(dev) et__device_lock((dev), __FILE__, __LINE__)
void et__device_lock(et_device *dev, const char *file, int line);
void et_device_unlock(et_device *dev);

/* Under the device lock: queues fn(opaque, arg) to run after the lock is
 * released, in order with the interrupt changes queued around it, with no
 * library lock held, like a sink call (so possibly on another thread that is
 * releasing the same device's lock). For outputs that are not lines, such
 * as an MSI / FSB memory write. */
void et_device_defer(et_device *dev, et_deferred_fn fn, void *opaque, uint64_t arg);

/* Runs the device's own expiries due at or before now (lock held). */
void et_device_catch_up(et_device *dev);
/* The same up to a time the device read itself (lock held): a device that
 * handles an access at one instant on a real-time clock catches up to that
 * instant, so no expiry falls between the catch-up and its own clock read. */
void et_device_catch_up_to(et_device *dev, int64_t now);

/* A guest did something the hardware does not define or the model does not
 * support. Rate-limited: the first ET_GUEST_ERROR_BURST per device are
 * logged, then one line saying further ones are counted silently. */
#define ET_GUEST_ERROR_BURST 16
void et_device_guest_error(et_device *dev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
unsigned long et_device_guest_error_count(const et_device *dev);

/* Where library log lines (guest errors, unimplemented features) go. The
 * default writes "emutime: <line>" to stderr. */
typedef void (*et_log_fn)(void *opaque, const char *line);
void et_set_log_sink(et_log_fn fn, void *opaque);

/* Trace events: one per register access, expiry and interrupt change. The
 * handler is called with the event name ("read", "write", "irq", "expire",
 * or a device-specific one), the device name and a detail string. Calls may
 * happen under the device lock: the handler must not call into devices. */
typedef void (*et_trace_fn)(void *opaque, const char *device, const char *event,
                            const char *detail);
void et_set_trace_sink(et_trace_fn fn, void *opaque);
bool et_trace_enabled(void);
void et_device_trace(et_device *dev, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

ET_END_DECLS

#endif
