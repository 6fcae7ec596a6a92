/* Interrupt lines: changes are queued on the owning device and delivered by
 * et_device_unlock (device.c) once the device lock is released. */
#include "core/device_internal.h"
#include "core/internal.h"
#include "emutime/irq.h"

void et_irq_init(et_irq_line *line, et_device *owner, const char *name)
{
    line->owner = owner;
    line->name = name;
    line->sink = NULL;
    line->sink_opaque = NULL;
    line->sink_n = 0;
    line->level = 0;
    line->redeliver = 0;
}

void et_irq_set_redeliver(et_irq_line *line, int on)
{
    line->redeliver = on != 0;
}

void et_irq_connect(et_irq_line *line, et_irq_sink_fn sink, void *opaque, int n)
{
    line->sink = sink;
    line->sink_opaque = opaque;
    line->sink_n = n;
}

void et_irq_set(et_irq_line *line, int level)
{
    level = level != 0;
    if (!line->owner) {
        if (level != line->level || line->redeliver) {
            line->level = level;
            if (line->sink) {
                line->sink(line->sink_opaque, line->sink_n, level);
            }
        }
        return;
    }
    ET_USAGE_CHECK(et_lock_held_by_me(&line->owner->lock),
                   "et_irq_set: line '%s' of '%s' changed without holding the device lock",
                   line->name ? line->name : "?", line->owner->name);
    if (level == line->level) {
        if (line->redeliver) {
            et__device_queue_irq_repeat(line->owner, line, level);
        }
        return;
    }
    line->level = level;
    et__device_queue_irq(line->owner, line, level);
}

void et_irq_raise(et_irq_line *line)
{
    et_irq_set(line, 1);
}

void et_irq_lower(et_irq_line *line)
{
    et_irq_set(line, 0);
}

void et_irq_pulse(et_irq_line *line)
{
    et_irq_set(line, 1);
    et_irq_set(line, 0);
}

int et_irq_level(const et_irq_line *line)
{
    return line->level;
}
