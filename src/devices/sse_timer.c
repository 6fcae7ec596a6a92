/* Arm SSE System Timer: the SSE-123 Example Subsystem TRM (ARM 101370),
 * "System timer", whose frame is the generic timer's CNTBase frame (ARM
 * DDI 0487, I2 "Generic Timer memory-mapped registers") plus the
 * auto-increment registers; QEMU's model is hw/timer/sse-timer.c.
 *
 * Modelled: every register of the frame; ISTATUS and the interrupt as a
 * level computed from the counter's count; the deadline at which the
 * count first reaches the compare value, re-armed whenever the counter
 * changes (it notifies its consumers, sse_timebase.h); auto-increment.
 *
 * The deadline is exact: the first nanosecond at which the count reaches
 * CVAL (or AIVAL), computed with the counter's fraction and scale, and the
 * expiry checks the comparison again before acting.
 *
 * Differences from QEMU 7.2 (docs/divergences.md):
 *   - QEMU's deadline rounds the tick count and the time down, so it can
 *     be computed earlier than the match (the callback then finds the
 *     condition false and re-arms at the same past instant); here it is
 *     the match itself;
 *   - auto-increment with CNTP_AIVAL_RELOAD = 0 fires once and then waits
 *     for a reload to be written (QEMU re-arms at the same count forever);
 *   - the whole state, the armed deadline included, is saved (QEMU saves it
 *     too, but its counter's state is lost: sse_counter.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "devices/sse_timebase.h"
#include "emutime/devices/sse_timer.h"

#define CTL_RW (ET_SSE_TIMER_CTL_ENABLE | ET_SSE_TIMER_CTL_IMASK)
#define CFG_AIVAL_IMPLEMENTED 1u

static const uint8_t timer_ids[12] = {
    0x04, 0x00, 0x00, 0x00, 0xb7, 0xb0, 0x0b, 0x00, 0x0d, 0xf0, 0x05, 0xb1,
};

typedef struct sse_timer {
    et_device dev;
    et_timer *timer; /* the next match */
    et_irq_line irq;
    et__sse_timebase *tb;
    uint32_t tb_count; /* 1: the saved state's view of *tb */
    uint32_t cntfrq;
    uint32_t ctl;    /* ENABLE, IMASK */
    uint64_t cval;
    uint64_t aival;
    uint32_t aival_reload;
    uint32_t aival_ctl; /* EN, CLR */
} sse_timer;

static et_lock_class sse_timer_lock_class = ET_LOCK_CLASS_INIT("sse-timer");

static sse_timer *to_timer(et_device *dev)
{
    return (sse_timer *)dev;
}

static uint64_t cntpct(sse_timer *t)
{
    return et__sse_timebase_value(t->tb, et_clock_now(t->dev.clock));
}

static bool enabled(const sse_timer *t)
{
    return (t->ctl & ET_SSE_TIMER_CTL_ENABLE) != 0;
}

static bool autoinc(const sse_timer *t)
{
    return (t->aival_ctl & ET_SSE_TIMER_AIVAL_EN) != 0;
}

static bool istatus(sse_timer *t)
{
    if (!enabled(t)) {
        return false;
    }
    if (autoinc(t)) {
        return (t->aival_ctl & ET_SSE_TIMER_AIVAL_CLR) != 0;
    }
    return cntpct(t) >= t->cval;
}

static void update_irq(sse_timer *t)
{
    et_irq_set(&t->irq, !(t->ctl & ET_SSE_TIMER_CTL_IMASK) && istatus(t));
}

/* Arms the timer for the first instant the count reaches target, or
 * cancels it when that never comes (or no event is pending). */
static void arm_for(sse_timer *t, uint64_t target)
{
    int64_t now = et_clock_now(t->dev.clock);
    int64_t when = et__sse_timebase_deadline(t->tb, target, now);
    if (when == INT64_MAX) {
        et_timer_del(t->timer);
    } else {
        et_timer_mod(t->timer, when);
    }
}

/* Recomputes what the next event is (device lock held). In compare mode
 * a condition already met has no further transition (the count would have
 * to wrap past 2^64); in auto-increment mode the next event is AIVAL. */
static void recalc(sse_timer *t)
{
    if (!enabled(t)) {
        et_timer_del(t->timer);
    } else if (autoinc(t)) {
        if (t->aival_reload == 0 && cntpct(t) >= t->aival) {
            et_timer_del(t->timer); /* fired; nothing to increment by */
        } else {
            arm_for(t, t->aival);
        }
    } else if (cntpct(t) >= t->cval) {
        et_timer_del(t->timer);
    } else {
        arm_for(t, t->cval);
    }
    update_irq(t);
}

static void start_autoinc(sse_timer *t)
{
    t->aival = cntpct(t) + t->aival_reload;
    recalc(t);
}

static void sse_timer_expired(void *opaque)
{
    sse_timer *t = opaque;
    if (enabled(t) && autoinc(t)) {
        uint64_t count = cntpct(t);
        if (count >= t->aival) {
            t->aival_ctl |= ET_SSE_TIMER_AIVAL_CLR;
            t->aival = count + t->aival_reload;
            et_device_trace(&t->dev, "expire", "aival %llu", (unsigned long long)t->aival);
        }
    } else {
        et_device_trace(&t->dev, "expire", "cval %llu", (unsigned long long)t->cval);
    }
    recalc(t);
}

/* The counter changed (no library lock held). */
static void counter_changed(void *opaque)
{
    sse_timer *t = opaque;
    et_device_lock(&t->dev);
    et_device_catch_up(&t->dev);
    recalc(t);
    et_device_unlock(&t->dev);
}

static uint64_t sse_timer_read(et_device *dev, uint64_t offset, unsigned size)
{
    sse_timer *t = to_timer(dev);
    (void)size;
    switch (offset) {
    case ET_SSE_TIMER_CNTPCT_LO:
        return (uint32_t)cntpct(t);
    case ET_SSE_TIMER_CNTPCT_HI:
        return (uint32_t)(cntpct(t) >> 32);
    case ET_SSE_TIMER_CNTFRQ:
        return t->cntfrq;
    case ET_SSE_TIMER_CNTP_CVAL_LO:
        return (uint32_t)t->cval;
    case ET_SSE_TIMER_CNTP_CVAL_HI:
        return (uint32_t)(t->cval >> 32);
    case ET_SSE_TIMER_CNTP_TVAL:
        return (uint32_t)(t->cval - cntpct(t));
    case ET_SSE_TIMER_CNTP_CTL:
        return t->ctl | (istatus(t) ? ET_SSE_TIMER_CTL_ISTATUS : 0);
    case ET_SSE_TIMER_CNTP_AIVAL_LO:
        return (uint32_t)t->aival;
    case ET_SSE_TIMER_CNTP_AIVAL_HI:
        return (uint32_t)(t->aival >> 32);
    case ET_SSE_TIMER_CNTP_AIVAL_RELOAD:
        return t->aival_reload;
    case ET_SSE_TIMER_CNTP_AIVAL_CTL:
        return t->aival_ctl; /* documented write-only; readable, as QEMU */
    case ET_SSE_TIMER_CNTP_CFG:
        return CFG_AIVAL_IMPLEMENTED;
    default:
        if (offset >= ET_SSE_TIMER_PID4) {
            return timer_ids[(offset - ET_SSE_TIMER_PID4) / 4];
        }
        et_device_guest_error(dev, "read of unknown register 0x%03llx (reads 0)",
                              (unsigned long long)offset);
        return 0;
    }
}

static void write_cval_half(sse_timer *t, uint32_t v, unsigned shift)
{
    t->cval = (t->cval & ~((uint64_t)UINT32_MAX << shift)) | (uint64_t)v << shift;
    recalc(t);
}

static void sse_timer_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    sse_timer *t = to_timer(dev);
    uint32_t v = (uint32_t)value;
    (void)size;
    switch (offset) {
    case ET_SSE_TIMER_CNTFRQ:
        t->cntfrq = v;
        break;
    case ET_SSE_TIMER_CNTP_CVAL_LO:
        write_cval_half(t, v, 0);
        break;
    case ET_SSE_TIMER_CNTP_CVAL_HI:
        write_cval_half(t, v, 32);
        break;
    case ET_SSE_TIMER_CNTP_TVAL:
        t->cval = cntpct(t) + (uint64_t)(int64_t)(int32_t)v;
        recalc(t);
        break;
    case ET_SSE_TIMER_CNTP_CTL: {
        if (v & ~(CTL_RW | ET_SSE_TIMER_CTL_ISTATUS)) {
            et_device_guest_error(dev, "CNTP_CTL: reserved bits 0x%x ignored",
                                  v & ~(CTL_RW | ET_SSE_TIMER_CTL_ISTATUS));
        }
        uint32_t old = t->ctl;
        t->ctl = v & CTL_RW;
        if (((old ^ t->ctl) & ET_SSE_TIMER_CTL_ENABLE) && enabled(t) && autoinc(t)) {
            start_autoinc(t);
        } else {
            recalc(t);
        }
        break;
    }
    case ET_SSE_TIMER_CNTP_AIVAL_RELOAD:
        t->aival_reload = v;
        recalc(t);
        break;
    case ET_SSE_TIMER_CNTP_AIVAL_CTL: {
        uint32_t old = t->aival_ctl;
        t->aival_ctl = (t->aival_ctl & ~ET_SSE_TIMER_AIVAL_EN) | (v & ET_SSE_TIMER_AIVAL_EN);
        if (!(v & ET_SSE_TIMER_AIVAL_CLR)) {
            t->aival_ctl &= ~ET_SSE_TIMER_AIVAL_CLR; /* write 0 to clear */
        }
        if (((old ^ t->aival_ctl) & ET_SSE_TIMER_AIVAL_EN) && enabled(t) && autoinc(t)) {
            start_autoinc(t);
        } else {
            recalc(t);
        }
        break;
    }
    case ET_SSE_TIMER_CNTPCT_LO:
    case ET_SSE_TIMER_CNTPCT_HI:
    case ET_SSE_TIMER_CNTP_AIVAL_LO:
    case ET_SSE_TIMER_CNTP_AIVAL_HI:
    case ET_SSE_TIMER_CNTP_CFG:
        et_device_guest_error(dev, "write to read-only 0x%03llx ignored",
                              (unsigned long long)offset);
        break;
    default:
        et_device_guest_error(dev, "write to %s 0x%03llx ignored",
                              offset >= ET_SSE_TIMER_PID4 ? "read-only ID register"
                                                          : "unknown register",
                              (unsigned long long)offset);
        break;
    }
}

static void sse_timer_reset(et_device *dev)
{
    sse_timer *t = to_timer(dev);
    t->cntfrq = 0;
    t->ctl = 0;
    t->cval = 0;
    t->aival = 0;
    t->aival_reload = 0;
    t->aival_ctl = 0;
    et_timer_del(t->timer);
    update_irq(t);
}

static void sse_timer_destroy(et_device *dev)
{
    sse_timer *t = to_timer(dev);
    et__sse_timebase_remove_consumer(t->tb, t);
    et_timer_free(t->timer);
    et__sse_timebase_unref(t->tb);
}

static const et_field sse_timer_fields[] = {
    ET_FIELD_U32(sse_timer, cntfrq, 1),
    ET_FIELD_U32(sse_timer, ctl, 1),
    ET_FIELD_U64(sse_timer, cval, 1),
    ET_FIELD_U64(sse_timer, aival, 1),
    ET_FIELD_U32(sse_timer, aival_reload, 1),
    ET_FIELD_U32(sse_timer, aival_ctl, 1),
    ET_FIELD_TIMER(sse_timer, timer, 1),
    ET_FIELD_IRQ(sse_timer, irq, 1),
    /* The timestamp it compares (its counter's anchor and rate), so a
     * timer restores exactly on its own; on a board every copy, the
     * counter's included, holds the same values. */
    ET__SSE_TIMEBASE_FIELDS(sse_timer),
    ET_FIELD_END
};

static const et_vmstate sse_timer_state = { "sse-timer", 1, sse_timer_fields };

static const et_device_ops sse_timer_ops = {
    .type = "sse-timer",
    .region_size = ET_SSE_TIMER_REGION,
    .access_sizes = ET_ACCESS_4,
    .unaligned_ok = false,
    .read = sse_timer_read,
    .write = sse_timer_write,
    .reset = sse_timer_reset,
    .destroy = sse_timer_destroy,
    .state = &sse_timer_state,
};

et_device *et_sse_timer_new(et_clock *clock, const char *name, const et_sse_timer_config *cfg,
                            char *err, size_t errlen)
{
    const char *problem = NULL;
    et__sse_timebase *tb = NULL;
    if (!clock) {
        problem = "sse-timer: a clock is required";
    } else if (!cfg) {
        problem = "sse-timer: a configuration is required";
    } else if (!(tb = et__sse_counter_timebase(cfg->counter))) {
        problem = "sse-timer: cfg->counter must be an SSE System Counter (et_sse_counter_new)";
    } else if (cfg->counter->clock != clock) {
        problem = "sse-timer: the counter must run on the same clock";
        et__sse_timebase_unref(tb);
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    sse_timer *t = et__xcalloc(1, sizeof(*t));
    et_device_init(&t->dev, &sse_timer_ops, clock, name, &sse_timer_lock_class);
    t->tb = tb;
    t->tb_count = 1;
    t->timer = et_device_timer_new(&t->dev, sse_timer_expired, t);
    et_irq_init(&t->irq, &t->dev, "irq");
    et_device_add_irq(&t->dev, &t->irq);
    et_device_reset(&t->dev);
    et__sse_timebase_add_consumer(tb, counter_changed, t);
    return &t->dev;
}
