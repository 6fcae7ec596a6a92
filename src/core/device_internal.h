/* Device-base internals shared by device.c and irq.c. */
#ifndef EMUTIME_DEVICE_INTERNAL_H
#define EMUTIME_DEVICE_INTERNAL_H

#include "emutime/device.h"

/* Appends an interrupt change to the device's delivery queue (lock held). */
void et__device_queue_irq(et_device *dev, et_irq_line *line, int level);
/* A set that left the level as it was, for a redeliver line (not traced). */
void et__device_queue_irq_repeat(et_device *dev, et_irq_line *line, int level);

/* The timer underneath a ptimer (ptimer.c). */
et_timer *et__ptimer_timer(et_ptimer *pt);

/* Of the given timers (all on one clock), the one due earliest at or before
 * now, counting firings popped but not yet run; NULL if none (timer.c). */
et_timer *et__timers_earliest_due(et_timer **timers, size_t n, int64_t now);

/* The deadline the timer will fire at, counting a firing popped but not yet
 * run; -1 when idle (timer.c, for snapshots). If order is not NULL it gets
 * the timer's place among timers of equal deadline on its clock: they fire
 * in increasing order (FIFO). */
int64_t et__timer_armed_deadline(et_timer *timer, uint64_t *order);

#endif
