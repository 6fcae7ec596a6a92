/* One CPU's Arm generic timer: ARM DDI 0487, D11 (AArch64: CNTFRQ_EL0,
 * CNTPCT_EL0, CNTVCT_EL0, CNTVOFF_EL2, CNTP_*_EL0, CNTV_*_EL0,
 * CNTHP_*_EL2, CNTPS_*_EL1) and I2.3 (the CNTBaseN frame used for the
 * device's optional MMIO view). QEMU's model lives in the CPU
 * (target/arm/helper.c, gt_* functions).
 *
 * Modelled: CNTFRQ (stored), the physical count from a System Counter's
 * timestamp or a free-running counter, CNTVOFF and CNTVCT, four timers
 * with CVAL, TVAL (signed 32-bit view), CTL (ENABLE, IMASK, ISTATUS), one
 * level output each, re-timed whenever the counter changes.
 *
 * Deadlines: for the virtual timer the match is where CNTPCT - CNTVOFF
 * reaches CVAL; it is computed as a distance from the current count
 * (never as CVAL + CNTVOFF, which overflows: QEMU's December 2023 hang,
 * where an offset made the next event land in the past and the timer
 * fired without end), and a match beyond the counter's range is never.
 *
 * Not modelled: EL/trap checks (the caller's), CNTKCTL event streams,
 * CNTHV (EL2 virtual, FEAT_VHE), CNTPOFF (FEAT_ECV), the self-synchronised
 * CNTPCTSS/CNTVCTSS views (they read as CNTPCT/CNTVCT).
 *
 * Differences from QEMU 7.2 (docs/divergences.md): the count rate is any
 * frequency (QEMU 7.2 keeps a whole number of ns per tick: 1e9 / CNTFRQ
 * rounded down), the deadline is exact, and the counter's configuration is
 * saved with the timer (QEMU derives the count from the virtual clock, so
 * it is kept too; a System Counter's state is not: sse_counter.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "devices/sse_timebase.h"
#include "emutime/devices/arm_generic_timer.h"

#define CTL_RW (ET_ARM_GT_CTL_ENABLE | ET_ARM_GT_CTL_IMASK)

static const char *const line_names[ET_ARM_GT_NUM_TIMERS] = { "phys", "virt", "hyp", "sec" };

struct generic_timer;

/* What an expiry needs: the device and which of its timers. */
typedef struct expiry_ctx {
    struct generic_timer *g;
    unsigned n;
} expiry_ctx;

typedef struct gt_timer {
    uint32_t ctl; /* ENABLE, IMASK */
    uint64_t cval;
    et_timer *timer;
    et_irq_line irq;
    expiry_ctx x;
} gt_timer;

typedef struct generic_timer {
    et_device dev;
    et__sse_timebase *tb;
    uint32_t tb_count; /* 1: the saved state's view of *tb */
    uint32_t cntfrq;
    uint32_t cntfrq_reset;
    uint64_t cntvoff;
    gt_timer t[ET_ARM_GT_NUM_TIMERS];
} generic_timer;

static et_lock_class gt_lock_class = ET_LOCK_CLASS_INIT("arm-generic-timer");

static generic_timer *to_gt(et_device *dev)
{
    return (generic_timer *)dev;
}

static uint64_t cntpct(generic_timer *g, int64_t now)
{
    return et__sse_timebase_value(g->tb, now);
}

/* The count timer n compares: CNTPCT, or CNTVCT for the virtual timer. */
static uint64_t count_of(generic_timer *g, unsigned n, int64_t now)
{
    uint64_t p = cntpct(g, now);
    return n == ET_ARM_GT_VIRT ? p - g->cntvoff : p;
}

static bool istatus(generic_timer *g, unsigned n, int64_t now)
{
    return (g->t[n].ctl & ET_ARM_GT_CTL_ENABLE) && count_of(g, n, now) >= g->t[n].cval;
}

/* Re-arms timer n for its next transition (device lock held): the match
 * if it has not happened; none once it has (only a wrap of the 64-bit
 * count could undo it). Then drives the line. */
static void recalc(generic_timer *g, unsigned n)
{
    gt_timer *t = &g->t[n];
    int64_t now = et_clock_now(g->dev.clock);
    if (!(t->ctl & ET_ARM_GT_CTL_ENABLE)) {
        et_timer_del(t->timer);
    } else {
        uint64_t p = cntpct(g, now);
        uint64_t c = n == ET_ARM_GT_VIRT ? p - g->cntvoff : p;
        if (c >= t->cval) {
            et_timer_del(t->timer);
        } else {
            /* The physical count at the match: a distance, not CVAL +
             * CNTVOFF; past 2^64 the counter never gets there. */
            uint64_t dist = t->cval - c;
            int64_t when = p + dist < p ? INT64_MAX
                                        : et__sse_timebase_deadline(g->tb, p + dist, now);
            if (when == INT64_MAX) {
                et_timer_del(t->timer);
            } else {
                et_timer_mod(t->timer, when);
            }
        }
    }
    et_irq_set(&t->irq, istatus(g, n, now) && !(t->ctl & ET_ARM_GT_CTL_IMASK));
}

static void recalc_all(generic_timer *g)
{
    for (unsigned n = 0; n < ET_ARM_GT_NUM_TIMERS; n++) {
        recalc(g, n);
    }
}

static void gt_expired(void *opaque)
{
    expiry_ctx *x = opaque;
    et_device_trace(&x->g->dev, "expire", "%s cval %llu", line_names[x->n],
                    (unsigned long long)x->g->t[x->n].cval);
    recalc(x->g, x->n);
}

static void counter_changed(void *opaque)
{
    generic_timer *g = opaque;
    et_device_lock(&g->dev);
    et_device_catch_up(&g->dev);
    recalc_all(g);
    et_device_unlock(&g->dev);
}

/* --- registers (device lock held) ----------------------------------------- */

static uint64_t reg_read(generic_timer *g, et_arm_gt_reg reg)
{
    int64_t now = et_clock_now(g->dev.clock);
    switch (reg) {
    case ET_ARM_GT_CNTFRQ:
        return g->cntfrq;
    case ET_ARM_GT_CNTPCT:
        return cntpct(g, now);
    case ET_ARM_GT_CNTVCT:
        return cntpct(g, now) - g->cntvoff;
    case ET_ARM_GT_CNTVOFF:
        return g->cntvoff;
    default:
        break;
    }
    if ((unsigned)reg < ET_ARM_GT_NUM_REGS) {
        unsigned n = (unsigned)(reg - ET_ARM_GT_CTL) / 3;
        gt_timer *t = &g->t[n];
        switch ((reg - ET_ARM_GT_CTL) % 3) {
        case 0:
            return t->ctl | (istatus(g, n, now) ? ET_ARM_GT_CTL_ISTATUS : 0);
        case 1:
            return t->cval;
        default: /* TVAL: a signed 32-bit view, as a 32-bit register */
            return (uint32_t)(t->cval - count_of(g, n, now));
        }
    }
    et_device_guest_error(&g->dev, "read of unknown generic timer register %d", (int)reg);
    return 0;
}

static void reg_write(generic_timer *g, et_arm_gt_reg reg, uint64_t value)
{
    int64_t now = et_clock_now(g->dev.clock);
    switch (reg) {
    case ET_ARM_GT_CNTFRQ:
        g->cntfrq = (uint32_t)value; /* what software reports; the rate is the counter's */
        return;
    case ET_ARM_GT_CNTPCT:
    case ET_ARM_GT_CNTVCT:
        et_device_guest_error(&g->dev, "write to read-only %s ignored",
                              reg == ET_ARM_GT_CNTPCT ? "CNTPCT" : "CNTVCT");
        return;
    case ET_ARM_GT_CNTVOFF:
        g->cntvoff = value;
        recalc(g, ET_ARM_GT_VIRT);
        return;
    default:
        break;
    }
    if ((unsigned)reg >= ET_ARM_GT_NUM_REGS) {
        et_device_guest_error(&g->dev, "write to unknown generic timer register %d", (int)reg);
        return;
    }
    unsigned n = (unsigned)(reg - ET_ARM_GT_CTL) / 3;
    gt_timer *t = &g->t[n];
    switch ((reg - ET_ARM_GT_CTL) % 3) {
    case 0:
        if (value & ~(uint64_t)(CTL_RW | ET_ARM_GT_CTL_ISTATUS)) {
            et_device_guest_error(&g->dev, "CNT%s_CTL: reserved bits 0x%llx ignored",
                                  n == ET_ARM_GT_PHYS ? "P" : n == ET_ARM_GT_VIRT ? "V"
                                  : n == ET_ARM_GT_HYP ? "HP" : "PS",
                                  (unsigned long long)(value & ~(uint64_t)(CTL_RW |
                                                                           ET_ARM_GT_CTL_ISTATUS)));
        }
        t->ctl = (uint32_t)value & CTL_RW;
        break;
    case 1:
        t->cval = value;
        break;
    default:
        t->cval = count_of(g, n, now) + (uint64_t)(int64_t)(int32_t)(uint32_t)value;
        break;
    }
    recalc(g, n);
}

uint64_t et_arm_generic_timer_read(et_device *dev, et_arm_gt_reg reg)
{
    et_device_lock(dev);
    et_device_catch_up(dev);
    uint64_t v = reg_read(to_gt(dev), reg);
    et_device_unlock(dev);
    return v;
}

void et_arm_generic_timer_write(et_device *dev, et_arm_gt_reg reg, uint64_t value)
{
    et_device_lock(dev);
    et_device_catch_up(dev);
    reg_write(to_gt(dev), reg, value);
    et_device_unlock(dev);
}

/* --- the CNTBaseN-style frame ----------------------------------------------- */

typedef struct frame_reg {
    uint32_t offset;
    et_arm_gt_reg reg;
    bool wide;     /* a 64-bit register */
    bool writable;
} frame_reg;

static const frame_reg frame_regs[] = {
    { ET_ARM_GT_FRAME_CNTPCT, ET_ARM_GT_CNTPCT, true, false },
    { ET_ARM_GT_FRAME_CNTVCT, ET_ARM_GT_CNTVCT, true, false },
    { ET_ARM_GT_FRAME_CNTFRQ, ET_ARM_GT_CNTFRQ, false, false },
    { ET_ARM_GT_FRAME_CNTVOFF, ET_ARM_GT_CNTVOFF, true, false },
    { ET_ARM_GT_FRAME_CNTP_CVAL, ET_ARM_GT_CNTP_CVAL, true, true },
    { ET_ARM_GT_FRAME_CNTP_TVAL, ET_ARM_GT_CNTP_TVAL, false, true },
    { ET_ARM_GT_FRAME_CNTP_CTL, ET_ARM_GT_CNTP_CTL, false, true },
    { ET_ARM_GT_FRAME_CNTV_CVAL, ET_ARM_GT_CNTV_CVAL, true, true },
    { ET_ARM_GT_FRAME_CNTV_TVAL, ET_ARM_GT_CNTV_TVAL, false, true },
    { ET_ARM_GT_FRAME_CNTV_CTL, ET_ARM_GT_CNTV_CTL, false, true },
};

/* The register an access falls in, and the byte offset into it (0 or 4
 * for a 32-bit half of a 64-bit register); NULL if none or mis-sized. */
static const frame_reg *frame_lookup(generic_timer *g, uint64_t offset, unsigned size,
                                     unsigned *shift)
{
    for (size_t i = 0; i < sizeof(frame_regs) / sizeof(frame_regs[0]); i++) {
        const frame_reg *r = &frame_regs[i];
        if (offset == r->offset && (size == 4 || r->wide)) {
            *shift = 0;
            return r;
        }
        if (r->wide && size == 4 && offset == r->offset + 4) {
            *shift = 32;
            return r;
        }
    }
    et_device_guest_error(&g->dev, "%u-byte access at frame offset 0x%03llx: no such register",
                          size, (unsigned long long)offset);
    return NULL;
}

static uint64_t frame_read(et_device *dev, uint64_t offset, unsigned size)
{
    generic_timer *g = to_gt(dev);
    unsigned shift;
    const frame_reg *r = frame_lookup(g, offset, size, &shift);
    if (!r) {
        return 0;
    }
    uint64_t v = reg_read(g, r->reg) >> shift;
    return size == 8 ? v : (uint32_t)v;
}

static void frame_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    generic_timer *g = to_gt(dev);
    unsigned shift;
    const frame_reg *r = frame_lookup(g, offset, size, &shift);
    if (!r) {
        return;
    }
    if (!r->writable) {
        et_device_guest_error(dev, "write to read-only frame register 0x%03x ignored",
                              r->offset);
        return;
    }
    if (r->wide && size == 4) {
        uint64_t old = reg_read(g, r->reg);
        value = (old & ~((uint64_t)UINT32_MAX << shift)) | (uint64_t)(uint32_t)value << shift;
    }
    reg_write(g, r->reg, value);
}

/* --- the device --------------------------------------------------------------- */

static void gt_reset(et_device *dev)
{
    generic_timer *g = to_gt(dev);
    g->cntfrq = g->cntfrq_reset;
    g->cntvoff = 0; /* architecturally UNKNOWN; QEMU resets it to 0 */
    for (unsigned n = 0; n < ET_ARM_GT_NUM_TIMERS; n++) {
        g->t[n].ctl = 0; /* ENABLE resets to 0; CVAL is UNKNOWN: 0, as QEMU */
        g->t[n].cval = 0;
        et_timer_del(g->t[n].timer);
        et_irq_set(&g->t[n].irq, 0);
    }
}

static void gt_destroy(et_device *dev)
{
    generic_timer *g = to_gt(dev);
    et__sse_timebase_remove_consumer(g->tb, g);
    for (unsigned n = 0; n < ET_ARM_GT_NUM_TIMERS; n++) {
        et_timer_free(g->t[n].timer);
    }
    et__sse_timebase_unref(g->tb);
}

static const et_field gt_fields[] = {
    ET_FIELD_U32(generic_timer, cntfrq, 1),
    ET_FIELD_U64(generic_timer, cntvoff, 1),
    ET_FIELD_STRUCT_ARRAY(generic_timer, t, ctl, ET_FT_U32, 1),
    ET_FIELD_STRUCT_ARRAY(generic_timer, t, cval, ET_FT_U64, 1),
    ET_FIELD_STRUCT_ARRAY(generic_timer, t, timer, ET_FT_TIMER, 1),
    ET_FIELD_STRUCT_ARRAY(generic_timer, t, irq, ET_FT_IRQ, 1),
    /* The counter's timestamp (its anchor and rate), so the count resumes
     * exactly from its saved value, whatever virtual time the restoring
     * machine had. */
    ET__SSE_TIMEBASE_FIELDS(generic_timer),
    ET_FIELD_END
};

static const et_vmstate gt_state = { "arm-generic-timer", 1, gt_fields };

static const et_device_ops gt_ops = {
    .type = "arm-generic-timer",
    .region_size = ET_ARM_GT_FRAME_REGION,
    .access_sizes = ET_ACCESS_4 | ET_ACCESS_8,
    .unaligned_ok = false,
    .read = frame_read,
    .write = frame_write,
    .reset = gt_reset,
    .destroy = gt_destroy,
    .state = &gt_state,
};

et_device *et_arm_generic_timer_new(et_clock *clock, const char *name,
                                    const et_arm_generic_timer_config *cfg, char *err,
                                    size_t errlen)
{
    const char *problem = NULL;
    et__sse_timebase *tb = NULL;
    if (!clock) {
        problem = "arm-generic-timer: a clock is required";
    } else if (!cfg) {
        problem = "arm-generic-timer: a configuration is required";
    } else if (cfg->counter) {
        if (!(tb = et__sse_counter_timebase(cfg->counter))) {
            problem = "arm-generic-timer: cfg->counter must be a System Counter "
                      "(et_sse_counter_new)";
        } else if (cfg->counter->clock != clock) {
            problem = "arm-generic-timer: the counter must run on the same clock";
            et__sse_timebase_unref(tb);
        } else if (cfg->freq_hz) {
            problem = "arm-generic-timer: give a counter or a frequency (cfg->freq_hz), not both";
            et__sse_timebase_unref(tb);
        }
    } else if (et_clock_period_from_hz(cfg->freq_hz) == 0) {
        problem = "arm-generic-timer: without a counter, cfg->freq_hz must be a rate above "
                  "0 Hz (and a tick of at least 2^-32 ns)";
    } else {
        tb = et__sse_timebase_new_free_running(et_clock_period_from_hz(cfg->freq_hz));
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    generic_timer *g = et__xcalloc(1, sizeof(*g));
    et_device_init(&g->dev, &gt_ops, clock, name, &gt_lock_class);
    g->tb = tb;
    g->tb_count = 1;
    g->cntfrq_reset = cfg->cntfrq_reset;
    for (unsigned n = 0; n < ET_ARM_GT_NUM_TIMERS; n++) {
        g->t[n].x = (expiry_ctx){ g, n };
        g->t[n].timer = et_device_timer_new(&g->dev, gt_expired, &g->t[n].x);
        et_irq_init(&g->t[n].irq, &g->dev, line_names[n]);
        et_device_add_irq(&g->dev, &g->t[n].irq);
    }
    et_device_reset(&g->dev);
    et__sse_timebase_add_consumer(tb, counter_changed, g);
    return &g->dev;
}
