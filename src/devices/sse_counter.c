/* Arm SSE System Counter: the SSE-123 Example Subsystem TRM (ARM 101370),
 * "System counter" (CNTControlBase / CNTReadBase frames), as used by the
 * SSE-300; QEMU's model is hw/timer/sse-counter.c.
 *
 * Modelled: the control frame (CNTCR, CNTSR, CNTCV, CNTSCR/CNTSCR0,
 * CNTSCR1 RAZ/WI, CNTID, IDs), the status frame (CNTCV read-only, IDs),
 * the 64.24 fixed-point count with the scale, the clock followed at run
 * time, and the timestamp published to the system timers (sse_timebase.h).
 *
 * The count: anchored at (ns_then, cnt_then.frac_then); at t it is the
 * anchor plus floor((t - ns_then) / tick) * scale / 2^24, the fraction
 * carried. Every change that alters the rate (EN, SCEN, CNTSCR, the clock)
 * first moves the anchor to now, so the count is continuous.
 *
 * Differences from QEMU 7.2 (docs/divergences.md):
 *   - the whole state is saved (QEMU's vmstate holds only the clock: after
 *     a snapshot load CNTCR, CNTSCR and the count restart from reset, the
 *     ACLINT lesson);
 *   - CNTSCR written, or SCEN toggled, while counting keeps the count
 *     continuous (the TRM makes the count UNKNOWN; QEMU applies the new
 *     scale to the time since the last anchor, so the count jumps);
 *   - the fraction of the 88-bit count survives an anchor move (QEMU drops
 *     it at each enable/disable or clock change).
 * Not modelled: halt-on-debug (HDBG is stored, CNTSR reads 0), the
 * second clock of dynamic clock switching (HWCLKSW = 0, as QEMU).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/ticks.h"
#include "devices/sse_timebase.h"
#include "emutime/devices/sse_counter.h"

#define CNTCR_VALID (ET_SSE_CNTCR_EN | ET_SSE_CNTCR_HDBG | ET_SSE_CNTCR_SCEN | \
                     ET_SSE_CNTCR_INTRMASK | ET_SSE_CNTCR_PSLVERRDIS)
#define CNTID_VALUE ((1u << 17) | 1u) /* CNTSELCLK: CLK0; CNTSC: scaling */
#define FRAC_BITS 24
#define FRAC_MASK ((1u << FRAC_BITS) - 1)

static const uint8_t control_ids[12] = {
    0x04, 0x00, 0x00, 0x00, 0xba, 0xb0, 0x0b, 0x00, 0x0d, 0xf0, 0x05, 0xb1,
};
static const uint8_t status_ids[12] = {
    0x04, 0x00, 0x00, 0x00, 0xbb, 0xb0, 0x0b, 0x00, 0x0d, 0xf0, 0x05, 0xb1,
};

typedef struct sse_counter {
    et_device dev;
    et__sse_timebase *tb;
    uint32_t tb_count; /* 1: the saved state's view of *tb */
    et_clock_input *clk;
    unsigned clk_cb;
    uint32_t cntcr;
    uint32_t cntscr;
    uint32_t cntfid0; /* configuration: 0, no frequency table */
} sse_counter;

typedef struct sse_counter_status {
    et_device dev;
    sse_counter *counter;
} sse_counter_status;

static et_lock_class counter_lock_class = ET_LOCK_CLASS_INIT("sse-counter");
static et_lock_class status_lock_class = ET_LOCK_CLASS_INIT("sse-counter-status");
static et_lock_class timebase_lock_class = ET_LOCK_CLASS_INIT("sse-timebase");

static const et_device_ops counter_ops;

/* --- the timebase --------------------------------------------------------- */

/* Whole ticks since the anchor (tb locked). */
static unsigned __int128 ticks_since(const et__sse_timebase *tb, int64_t now)
{
    if (tb->period == 0 || now <= tb->ns_then) {
        return 0;
    }
    /* 2^32 / period ticks per ns (the period is in 2^-32 ns). */
    return et__ticks_floor((uint64_t)(now - tb->ns_then), UINT64_C(1) << 32, tb->period);
}

/* The count at now as 64.24 fixed point (tb locked); the integer part
 * wraps at 2^64 as CNTCV does. */
static void value_at(const et__sse_timebase *tb, int64_t now, uint64_t *cnt, uint32_t *frac)
{
    if (!tb->enabled) {
        *cnt = tb->cnt_then;
        *frac = tb->frac_then;
        return;
    }
    unsigned __int128 inc = ticks_since(tb, now) * tb->scale + tb->frac_then;
    *cnt = tb->cnt_then + (uint64_t)(inc >> FRAC_BITS);
    *frac = (uint32_t)(inc & FRAC_MASK);
}

uint64_t et__sse_timebase_value(et__sse_timebase *tb, int64_t now)
{
    uint64_t cnt;
    uint32_t frac;
    et_lock_acquire(&tb->lock);
    value_at(tb, now, &cnt, &frac);
    et_lock_release(&tb->lock);
    return cnt;
}

int64_t et__sse_timebase_deadline(et__sse_timebase *tb, uint64_t target, int64_t now)
{
    int64_t when = INT64_MAX;
    et_lock_acquire(&tb->lock);
    uint64_t cnt;
    uint32_t frac;
    value_at(tb, now, &cnt, &frac);
    if (cnt >= target) {
        when = now;
    } else if (tb->enabled && tb->period != 0 && tb->scale != 0) {
        /* cnt_then <= cnt < target: the increments still needed, in 2^-24,
         * then the ticks (rounded up), then the first ns with that many
         * whole ticks since the anchor: ceil(ticks * period / 2^32). */
        unsigned __int128 need =
            ((unsigned __int128)(target - tb->cnt_then) << FRAC_BITS) - tb->frac_then;
        unsigned __int128 ticks = (need + tb->scale - 1) / tb->scale;
        if (ticks <= UINT64_MAX) {
            when = et__ticks_time_ceil(tb->ns_then, ticks, UINT64_C(1) << 32, tb->period);
        }
    }
    et_lock_release(&tb->lock);
    return when;
}

void et__sse_timebase_add_consumer(et__sse_timebase *tb, et__sse_consumer_fn fn, void *opaque)
{
    et_lock_acquire(&tb->lock);
    tb->consumers = et__xrealloc(tb->consumers, sizeof(*tb->consumers) * (tb->n_consumers + 1));
    tb->consumers[tb->n_consumers++] = (et__sse_consumer){ fn, opaque };
    et_lock_release(&tb->lock);
}

void et__sse_timebase_remove_consumer(et__sse_timebase *tb, void *opaque)
{
    et_lock_acquire(&tb->lock);
    for (unsigned i = 0; i < tb->n_consumers; i++) {
        if (tb->consumers[i].opaque == opaque) {
            tb->consumers[i] = tb->consumers[--tb->n_consumers];
            break;
        }
    }
    et_lock_release(&tb->lock);
}

static et__sse_timebase *timebase_new(void)
{
    et__sse_timebase *tb = et__xcalloc(1, sizeof(*tb));
    et_lock_init(&tb->lock, &timebase_lock_class);
    tb->refs = 1;
    tb->scale = ET_SSE_CNTSCR_ONE;
    return tb;
}

et__sse_timebase *et__sse_timebase_new_free_running(uint64_t period)
{
    et__sse_timebase *tb = timebase_new();
    tb->enabled = true;
    tb->period = period;
    return tb;
}

et__sse_timebase *et__sse_counter_timebase(et_device *dev)
{
    if (!dev || dev->ops != &counter_ops) {
        return NULL;
    }
    et__sse_timebase *tb = ((sse_counter *)dev)->tb;
    et_lock_acquire(&tb->lock);
    tb->refs++;
    et_lock_release(&tb->lock);
    return tb;
}

void et__sse_timebase_unref(et__sse_timebase *tb)
{
    et_lock_acquire(&tb->lock);
    bool last = --tb->refs == 0;
    et_lock_release(&tb->lock);
    if (last) {
        et_lock_destroy(&tb->lock);
        free(tb->consumers);
        free(tb);
    }
}

/* Runs after the counter's lock is released (et_device_defer): tells
 * every timer to recompute its deadline and status. */
static void notify_consumers(void *opaque, uint64_t arg)
{
    et__sse_timebase *tb = opaque;
    (void)arg;
    et_lock_acquire(&tb->lock);
    unsigned n = tb->n_consumers;
    if (n == 0) {
        et_lock_release(&tb->lock);
        return;
    }
    et__sse_consumer *copy = et__xmalloc(sizeof(*copy) * n);
    memcpy(copy, tb->consumers, sizeof(*copy) * n);
    et_lock_release(&tb->lock);
    for (unsigned i = 0; i < n; i++) {
        copy[i].fn(copy[i].opaque);
    }
    free(copy);
}

/* --- the control frame ---------------------------------------------------- */

static sse_counter *to_counter(et_device *dev)
{
    return (sse_counter *)dev;
}

/* Applies CNTCR/CNTSCR/the clock period to the timebase, moving the anchor
 * to now first so the count is continuous; then queues the consumers'
 * notification. Device lock held. */
static void reconfigure(sse_counter *s, uint64_t period)
{
    et__sse_timebase *tb = s->tb;
    int64_t now = et_clock_now(s->dev.clock);
    et_lock_acquire(&tb->lock);
    value_at(tb, now, &tb->cnt_then, &tb->frac_then);
    tb->ns_then = now;
    tb->enabled = (s->cntcr & ET_SSE_CNTCR_EN) != 0;
    tb->scale = (s->cntcr & ET_SSE_CNTCR_SCEN) ? s->cntscr : ET_SSE_CNTSCR_ONE;
    tb->period = period;
    et_lock_release(&tb->lock);
    et_device_defer(&s->dev, notify_consumers, tb, 0);
}

static void write_cntcv(sse_counter *s, uint32_t value, unsigned shift)
{
    et__sse_timebase *tb = s->tb;
    int64_t now = et_clock_now(s->dev.clock);
    et_lock_acquire(&tb->lock);
    uint64_t cnt;
    uint32_t frac;
    value_at(tb, now, &cnt, &frac);
    cnt &= ~((uint64_t)UINT32_MAX << shift);
    tb->cnt_then = cnt | (uint64_t)value << shift;
    tb->frac_then = 0; /* a written count starts on a whole value */
    tb->ns_then = now;
    et_lock_release(&tb->lock);
    et_device_defer(&s->dev, notify_consumers, tb, 0);
}

uint64_t et_sse_counter_value(et_device *counter)
{
    sse_counter *s = to_counter(counter);
    return et__sse_timebase_value(s->tb, et_clock_now(counter->clock));
}

static uint64_t counter_read(et_device *dev, uint64_t offset, unsigned size)
{
    sse_counter *s = to_counter(dev);
    (void)size;
    switch (offset) {
    case ET_SSE_CNTCR:
        return s->cntcr;
    case ET_SSE_CNTSR:
        return 0;
    case ET_SSE_CNTCV_LO:
        return (uint32_t)et_sse_counter_value(dev);
    case ET_SSE_CNTCV_HI:
        return (uint32_t)(et_sse_counter_value(dev) >> 32);
    case ET_SSE_CNTSCR:
    case ET_SSE_CNTSCR0:
        return s->cntscr;
    case ET_SSE_CNTSCR1:
        return 0;
    case ET_SSE_CNTID:
        return CNTID_VALUE;
    case ET_SSE_CNTFID0:
    case ET_SSE_CNTFID0 + 4:
        if (s->cntfid0) {
            return offset == ET_SSE_CNTFID0 ? s->cntfid0 : 0; /* entry 0, then the end */
        }
        break;
    default:
        if (offset >= ET_SSE_COUNTER_PID4) {
            return control_ids[(offset - ET_SSE_COUNTER_PID4) / 4];
        }
        break;
    }
    et_device_guest_error(dev, "control frame: read of unknown register 0x%03llx (reads 0)",
                          (unsigned long long)offset);
    return 0;
}

static void counter_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    sse_counter *s = to_counter(dev);
    uint32_t v = (uint32_t)value;
    (void)size;
    switch (offset) {
    case ET_SSE_CNTCR:
        s->cntcr = v & CNTCR_VALID;
        reconfigure(s, s->tb->period);
        break;
    case ET_SSE_CNTCV_LO:
        write_cntcv(s, v, 0);
        break;
    case ET_SSE_CNTCV_HI:
        write_cntcv(s, v, 32);
        break;
    case ET_SSE_CNTSCR:
    case ET_SSE_CNTSCR0:
        s->cntscr = v;
        reconfigure(s, s->tb->period);
        break;
    case ET_SSE_CNTSCR1:
        break; /* RAZ/WI without clock switching */
    case ET_SSE_CNTSR:
    case ET_SSE_CNTID:
        et_device_guest_error(dev, "control frame: write to read-only 0x%03llx ignored",
                              (unsigned long long)offset);
        break;
    default:
        et_device_guest_error(dev, "control frame: write to %s 0x%03llx ignored",
                              offset >= ET_SSE_COUNTER_PID4 ? "read-only ID register"
                                                            : "unknown register",
                              (unsigned long long)offset);
        break;
    }
}

static void counter_reset(et_device *dev)
{
    sse_counter *s = to_counter(dev);
    s->cntcr = 0;
    s->cntscr = ET_SSE_CNTSCR_ONE;
    et__sse_timebase *tb = s->tb;
    et_lock_acquire(&tb->lock);
    tb->enabled = false; /* so the anchor below is exactly 0 */
    tb->cnt_then = 0;
    tb->frac_then = 0;
    et_lock_release(&tb->lock);
    reconfigure(s, et_clock_input_period(s->clk));
}

static void clk_changed(void *opaque, et_clock_input *clk)
{
    sse_counter *s = opaque;
    et_device_lock(&s->dev);
    reconfigure(s, et_clock_input_period(clk)); /* anchors at the old rate first */
    et_device_unlock(&s->dev);
}

static void counter_destroy(et_device *dev)
{
    sse_counter *s = to_counter(dev);
    et_clock_input_remove_notify(s->clk, s->clk_cb);
    et__sse_timebase_unref(s->tb);
}

static const et_field counter_fields[] = {
    ET_FIELD_U32(sse_counter, cntcr, 1),
    ET_FIELD_U32(sse_counter, cntscr, 1),
    ET__SSE_TIMEBASE_FIELDS(sse_counter),
    ET_FIELD_END
};

static const et_vmstate counter_state = { "sse-counter", 1, counter_fields };

static const et_device_ops counter_ops = {
    .type = "sse-counter",
    .region_size = ET_SSE_COUNTER_REGION,
    .access_sizes = ET_ACCESS_4,
    .unaligned_ok = false,
    .read = counter_read,
    .write = counter_write,
    .reset = counter_reset,
    .destroy = counter_destroy,
    .state = &counter_state,
};

et_device *et_sse_counter_new(et_clock *clock, const char *name,
                              const et_sse_counter_config *cfg, char *err, size_t errlen)
{
    const char *problem = NULL;
    if (!clock) {
        problem = "sse-counter: a clock is required";
    } else if (!cfg) {
        problem = "sse-counter: a configuration is required";
    } else if (!cfg->clk) {
        problem = "sse-counter: the counter clock (cfg->clk) must be connected";
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    sse_counter *s = et__xcalloc(1, sizeof(*s));
    et_device_init(&s->dev, &counter_ops, clock, name, &counter_lock_class);
    s->tb = timebase_new();
    s->tb_count = 1;
    s->clk = cfg->clk;
    s->cntfid0 = cfg->cntfid0;
    et_device_reset(&s->dev);
    s->clk_cb = et_clock_input_add_notify(s->clk, clk_changed, s);
    return &s->dev;
}

/* --- the status frame ----------------------------------------------------- */

static uint64_t status_read(et_device *dev, uint64_t offset, unsigned size)
{
    sse_counter_status *st = (sse_counter_status *)dev;
    (void)size;
    switch (offset) {
    case ET_SSE_STATUS_CNTCV_LO:
        return (uint32_t)et__sse_timebase_value(st->counter->tb, et_clock_now(dev->clock));
    case ET_SSE_STATUS_CNTCV_HI:
        return (uint32_t)(et__sse_timebase_value(st->counter->tb, et_clock_now(dev->clock)) >>
                          32);
    default:
        if (offset >= ET_SSE_COUNTER_PID4) {
            return status_ids[(offset - ET_SSE_COUNTER_PID4) / 4];
        }
        et_device_guest_error(dev, "status frame: read of unknown register 0x%03llx (reads 0)",
                              (unsigned long long)offset);
        return 0;
    }
}

static void status_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    (void)value;
    (void)size;
    et_device_guest_error(dev, "status frame: write to 0x%03llx ignored (read-only frame)",
                          (unsigned long long)offset);
}

static void status_reset(et_device *dev)
{
    (void)dev; /* no state of its own */
}

static const et_field status_fields[] = { ET_FIELD_END };
static const et_vmstate status_state = { "sse-counter-status", 1, status_fields };

static const et_device_ops status_ops = {
    .type = "sse-counter-status",
    .region_size = ET_SSE_COUNTER_REGION,
    .access_sizes = ET_ACCESS_4,
    .unaligned_ok = false,
    .read = status_read,
    .write = status_write,
    .reset = status_reset,
    .state = &status_state,
};

et_device *et_sse_counter_status_new(et_clock *clock, const char *name, et_device *counter,
                                     char *err, size_t errlen)
{
    if (!clock || !counter || counter->ops != &counter_ops) {
        if (err && errlen) {
            et__error(err, errlen, ET_EINVAL,
                      "sse-counter-status: needs a clock and an sse-counter device "
                      "(its control frame)");
        }
        return NULL;
    }
    sse_counter_status *st = et__xcalloc(1, sizeof(*st));
    et_device_init(&st->dev, &status_ops, clock, name, &status_lock_class);
    st->counter = to_counter(counter);
    return &st->dev;
}
