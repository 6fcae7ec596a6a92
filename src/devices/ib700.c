/* The IB700 watchdog (iBASE IB700 manual: "Watchdog Timer"; the Linux
 * ib700wdt driver's table of 30 s .. 0 s; QEMU hw/watchdog/wdt_ib700.c).
 * One virtual-clock timer; the timeout is a pulse on the output line, and
 * the watchdog stops after it. */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "emutime/devices/ib700.h"

#define NS_PER_SEC INT64_C(1000000000)

typedef struct ib700 {
    et_device dev;
    et_timer *timer;
    et_irq_line timeout;
} ib700;

static et_lock_class ib700_lock_class = ET_LOCK_CLASS_INIT("ib700");

unsigned et_ib700_timeout_seconds(unsigned value)
{
    return 30 - 2 * (value & 0xf);
}

static void ib700_expired(void *opaque)
{
    ib700 *w = opaque;
    et_device_trace(&w->dev, "expire", "timeout");
    et_irq_pulse(&w->timeout);
}

static uint64_t ib700_read(et_device *dev, uint64_t offset, unsigned size)
{
    (void)dev;
    (void)offset;
    (void)size;
    return 0xff; /* write-only ports read as an unassigned port */
}

static void ib700_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    ib700 *w = (ib700 *)dev;
    (void)size;
    if (offset >= ET_IB700_ENABLE) {
        unsigned secs = et_ib700_timeout_seconds((unsigned)value);
        et_device_trace(dev, "enable", "%u s", secs);
        et_timer_mod(w->timer, et_clock_now(dev->clock) + (int64_t)secs * NS_PER_SEC);
    } else {
        et_device_trace(dev, "disable", "%s", "stopped");
        et_timer_del(w->timer);
    }
}

static void ib700_reset(et_device *dev)
{
    ib700 *w = (ib700 *)dev;
    et_timer_del(w->timer);
    et_irq_lower(&w->timeout);
}

static void ib700_destroy(et_device *dev)
{
    et_timer_free(((ib700 *)dev)->timer);
}

static const et_field ib700_fields[] = {
    ET_FIELD_TIMER(ib700, timer, 1),
    ET_FIELD_IRQ(ib700, timeout, 1),
    ET_FIELD_END
};

static const et_vmstate ib700_state = { "ib700", 1, ib700_fields };

static const et_device_ops ib700_ops = {
    .type = "ib700",
    .region_size = ET_IB700_REGION,
    .access_sizes = ET_ACCESS_1,
    .read = ib700_read,
    .write = ib700_write,
    .reset = ib700_reset,
    .destroy = ib700_destroy,
    .state = &ib700_state,
};

et_device *et_ib700_new(et_clock *clock, const char *name, char *err, size_t errlen)
{
    ib700 *w = NULL;
    const char *problem = NULL;
    if (!clock) {
        problem = "ib700: a clock is required";
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    w = et__xcalloc(1, sizeof(*w));
    et_device_init(&w->dev, &ib700_ops, clock, name, &ib700_lock_class);
    w->timer = et_device_timer_new(&w->dev, ib700_expired, w);
    et_irq_init(&w->timeout, &w->dev, "timeout");
    et_device_add_irq(&w->dev, &w->timeout);
    return &w->dev;
}
