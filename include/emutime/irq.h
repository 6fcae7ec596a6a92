/* emutime: interrupt lines.
 *
 * A device output line has a level and may be pulsed. The device changes it
 * under its device lock; the change is delivered to the line's sink after that
 * lock is released:
 *   - in the order the changes were made (across all lines of the device),
 *   - every change, so a pulse (raise then lower) is never lost,
 *   - never two sink calls for one device at the same time,
 *   - the last level delivered is always the device's latest level,
 *   - with no library lock held, so a sink may take the embedder's big lock
 *     (QEMU's BQL) and call back into any device.
 * Only level changes are delivered (setting the level a line already has does
 * nothing). The queue is delivered one entry at a time by whichever thread
 * holds the device lock when no sink call of the device is in progress
 * (normally the thread that made the change, before its et_device_unlock or
 * access returns). Latency bound: a change made while another thread is
 * inside a sink call of the same device reaches its sink as soon as that
 * call and the calls of changes queued before it have returned, delivered
 * by the thread whose call ended or by the next thread to release the lock;
 * it never waits on a thread that is not inside a sink call (descheduled
 * between two calls, say). It cannot be delivered before that call returns
 * (sink calls never overlap), so a sink that blocks (on the big lock held by
 * the thread that made the change) delays the changes queued behind it.
 * A line with no owning device delivers at once.
 */
#ifndef EMUTIME_IRQ_H
#define EMUTIME_IRQ_H

#include "emutime/export.h"

ET_BEGIN_DECLS

struct et_device;

/* The receiving end: n is the sink's own input number (as QEMU's qemu_irq
 * handler gets it), level is 0 or 1. */
typedef void (*et_irq_sink_fn)(void *opaque, int n, int level);

typedef struct et_irq_line {
    struct et_device *owner; /* whose lock guards it; NULL: deliver at once */
    const char *name;
    et_irq_sink_fn sink;
    void *sink_opaque;
    int sink_n;
    int level;        /* the device's latest level (under the owner's lock) */
} et_irq_line;

void et_irq_init(et_irq_line *line, struct et_device *owner, const char *name);

/* Connects the sink. Do it while the device is idle (board wiring time). */
void et_irq_connect(et_irq_line *line, et_irq_sink_fn sink, void *opaque, int n);

/* Under the owner's lock (or anywhere for an owner-less line). */
void et_irq_set(et_irq_line *line, int level);
void et_irq_raise(et_irq_line *line);
void et_irq_lower(et_irq_line *line);
void et_irq_pulse(et_irq_line *line);
int et_irq_level(const et_irq_line *line);

ET_END_DECLS

#endif
