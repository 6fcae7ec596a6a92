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
 * nothing). When several threads release the device lock at once, one of them
 * delivers everything queued so far; another's change may therefore reach the
 * sink just after that thread's own call returns, never out of order and never
 * while a library lock is held. A line with no owning device delivers at once.
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
