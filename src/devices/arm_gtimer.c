/* Cortex-A9 MPCore global timer (ARM DDI 0407, 4.4), with QEMU's
 * hw/timer/a9gtimer.c as the reference for the register access rules.
 *
 * The counter is not stored as it runs: it is `counter` at `ref_time`, plus
 * the increments since then while the timer is enabled, each lasting
 * (PRESCALER + 1) PERIPHCLK periods. A change of the timer enable, the
 * prescaler or PERIPHCLK first brings `counter` up to now (dropping the
 * part of an increment in progress, as QEMU does). One device timer is armed
 * for the earliest comparator match; its expiry, and every register write,
 * re-evaluate the comparators at the current count.
 *
 * Deliberate differences from QEMU (docs/divergences.md, tests in
 * tests/devices/test_arm_gtimer.c): the event is set when the counter
 * reaches the comparator (TRM r2p0+: "greater than or equal"), QEMU sets it
 * one increment later (counter > comparator); reserved Control bits are
 * ignored; PERIPHCLK is a clock input. (QEMU 7.2 itself cannot be accessed
 * through qtest: it dies looking up the current CPU.)
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "core/ticks.h"
#include "emutime/devices/arm_gtimer.h"

#define GLOBAL_BITS (ET_ARM_GTIMER_CTRL_ENABLE | 0xff00u)
#define BANKED_BITS (ET_ARM_GTIMER_CTRL_COMP | ET_ARM_GTIMER_CTRL_IRQ | ET_ARM_GTIMER_CTRL_AUTOINC)

typedef struct gt_cpu {
    uint32_t control; /* the banked bits */
    uint32_t status;
    uint64_t compare;
    uint32_t inc;
    et_irq_line irq;
} gt_cpu;

typedef struct arm_gtimer {
    et_device dev;
    et_clock_input *periphclk;
    unsigned periphclk_cb;
    uint64_t clk_period; /* PERIPHCLK's period the count runs at (2^-32 ns) */
    et_timer *timer;     /* the earliest comparator match */
    uint32_t control;    /* the shared bits */
    uint64_t counter;    /* the count at ref_time */
    int64_t ref_time;
    uint32_t n_cpus;
    gt_cpu *cpus;
} arm_gtimer;

static et_lock_class gtimer_lock_class = ET_LOCK_CLASS_INIT("arm-gtimer");

static arm_gtimer *to_gt(et_device *dev)
{
    return (arm_gtimer *)dev;
}

static bool running(const arm_gtimer *g)
{
    return (g->control & ET_ARM_GTIMER_CTRL_ENABLE) && g->clk_period != 0;
}

/* PERIPHCLK periods per increment. */
static uint32_t prescale(const arm_gtimer *g)
{
    return ((g->control >> 8) & 0xffu) + 1;
}

static int64_t now_ns(arm_gtimer *g)
{
    return et_clock_now(g->dev.clock);
}

static uint64_t count_at(const arm_gtimer *g, int64_t now)
{
    if (!running(g) || now <= g->ref_time) {
        return g->counter;
    }
    /* PERIPHCLK ticks at 2^32 / clk_period per ns, then whole increments
     * of prescale() ticks: floor(floor(a / b) / c) = floor(a / (b * c)). */
    et__u128 clk_ticks = et__ticks_floor((uint64_t)(now - g->ref_time), UINT64_C(1) << 32,
                                         g->clk_period);
    return g->counter + (uint64_t)(clk_ticks / prescale(g));
}

/* When the count reaches value (> the count now), or -1 if never. */
static int64_t time_of(const arm_gtimer *g, uint64_t value)
{
    et__u128 clk_ticks = (et__u128)(value - g->counter) * prescale(g);
    int64_t t = et__ticks_time_ceil(g->ref_time, clk_ticks, UINT64_C(1) << 32, g->clk_period);
    return t == INT64_MAX ? -1 : t;
}

/* Brings the stored count up to now, under the current settings. */
static void sync_count(arm_gtimer *g, int64_t now)
{
    g->counter = count_at(g, now);
    g->ref_time = now;
}

/* Sets the event flags the count has reached, moves auto-increment
 * comparators past it, drives the lines and arms the next match. */
static void evaluate(arm_gtimer *g)
{
    int64_t now = now_ns(g);
    uint64_t c = count_at(g, now);
    int64_t next = -1;
    for (uint32_t i = 0; i < g->n_cpus; i++) {
        gt_cpu *cpu = &g->cpus[i];
        if ((g->control & ET_ARM_GTIMER_CTRL_ENABLE) && (cpu->control & ET_ARM_GTIMER_CTRL_COMP)) {
            if (c >= cpu->compare) {
                if (!cpu->status) {
                    et_device_trace(&g->dev, "expire", "cpu %u count 0x%llx", (unsigned)i,
                                    (unsigned long long)c);
                }
                cpu->status = 1;
                if ((cpu->control & ET_ARM_GTIMER_CTRL_AUTOINC) && cpu->inc) {
                    cpu->compare += ((c - cpu->compare) / cpu->inc + 1) * cpu->inc;
                }
            }
            if (cpu->compare > c && running(g)) {
                int64_t t = time_of(g, cpu->compare);
                if (t >= 0 && (next < 0 || t < next)) {
                    next = t;
                }
            }
        }
        et_irq_set(&cpu->irq, cpu->status && (cpu->control & ET_ARM_GTIMER_CTRL_IRQ));
    }
    if (next >= 0) {
        et_timer_mod(g->timer, next);
    } else {
        et_timer_del(g->timer);
    }
}

static void match_expired(void *opaque)
{
    evaluate(opaque);
}

static uint32_t half(uint64_t v, uint32_t reg)
{
    return (uint32_t)(reg & 4 ? v >> 32 : v);
}

static uint64_t deposit_half(uint64_t v, uint32_t reg, uint32_t value)
{
    return reg & 4 ? (v & 0xffffffffu) | ((uint64_t)value << 32)
                   : (v & ~(uint64_t)0xffffffffu) | value;
}

static uint64_t view_read(arm_gtimer *g, unsigned n, uint32_t reg)
{
    gt_cpu *cpu = &g->cpus[n];
    switch (reg) {
    case ET_ARM_GTIMER_COUNTER_LO:
    case ET_ARM_GTIMER_COUNTER_HI:
        return half(count_at(g, now_ns(g)), reg);
    case ET_ARM_GTIMER_CONTROL:
        return g->control | cpu->control;
    case ET_ARM_GTIMER_INTSTAT:
        return cpu->status;
    case ET_ARM_GTIMER_COMPARE_LO:
    case ET_ARM_GTIMER_COMPARE_HI:
        return half(cpu->compare, reg);
    case ET_ARM_GTIMER_AUTOINC:
        return cpu->inc;
    default:
        et_device_guest_error(&g->dev, "read of reserved offset 0x%02x (reads as 0)", reg);
        return 0;
    }
}

static void view_write(arm_gtimer *g, unsigned n, uint32_t reg, uint32_t value)
{
    gt_cpu *cpu = &g->cpus[n];
    switch (reg) {
    case ET_ARM_GTIMER_COUNTER_LO:
    case ET_ARM_GTIMER_COUNTER_HI:
        if (g->control & ET_ARM_GTIMER_CTRL_ENABLE) {
            et_device_guest_error(&g->dev, "counter write ignored: disable the timer first "
                                           "(TRM 4.4.1)");
            return;
        }
        g->counter = deposit_half(g->counter, reg, value);
        break;
    case ET_ARM_GTIMER_CONTROL:
        if (value & ~(GLOBAL_BITS | BANKED_BITS)) {
            et_device_guest_error(&g->dev, "control: reserved bits 0x%x ignored",
                                  value & ~(GLOBAL_BITS | BANKED_BITS));
        }
        if ((value ^ g->control) & GLOBAL_BITS) {
            sync_count(g, now_ns(g));
        }
        g->control = value & GLOBAL_BITS;
        cpu->control = value & BANKED_BITS;
        break;
    case ET_ARM_GTIMER_INTSTAT:
        evaluate(g);
        cpu->status &= ~value & 1u;
        break;
    case ET_ARM_GTIMER_COMPARE_LO:
    case ET_ARM_GTIMER_COMPARE_HI:
        evaluate(g);
        cpu->compare = deposit_half(cpu->compare, reg, value);
        break;
    case ET_ARM_GTIMER_AUTOINC:
        cpu->inc = value;
        return;
    default:
        et_device_guest_error(&g->dev, "write to reserved offset 0x%02x ignored", reg);
        return;
    }
    evaluate(g);
}

/* et_device_read / _write are CPU 0's accesses (the model does not know
 * the accessing CPU, as QEMU's qtest). */
static uint64_t gtimer_read(et_device *dev, uint64_t offset, unsigned size)
{
    (void)size;
    return view_read(to_gt(dev), 0, (uint32_t)offset);
}

static void gtimer_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    (void)size;
    view_write(to_gt(dev), 0, (uint32_t)offset, (uint32_t)value);
}

static bool cpu_access_ok(arm_gtimer *g, unsigned cpu, uint64_t offset, unsigned size)
{
    if (cpu >= g->n_cpus) {
        et_device_guest_error(&g->dev, "access from CPU %u, but the device has %u", cpu,
                              (unsigned)g->n_cpus);
        return false;
    }
    if (size != 4 || (offset & 3) || offset >= ET_ARM_GTIMER_REGION) {
        et_device_guest_error(&g->dev, "bad %u-byte access at 0x%llx (4-byte aligned only)",
                              size, (unsigned long long)offset);
        return false;
    }
    return true;
}

uint64_t et_arm_gtimer_cpu_read(et_device *dev, unsigned cpu, uint64_t offset, unsigned size)
{
    arm_gtimer *g = to_gt(dev);
    if (!cpu_access_ok(g, cpu, offset, size)) {
        return 0;
    }
    et_device_lock(dev);
    et_device_catch_up(dev);
    uint64_t v = view_read(g, cpu, (uint32_t)offset);
    et_device_unlock(dev);
    return v;
}

void et_arm_gtimer_cpu_write(et_device *dev, unsigned cpu, uint64_t offset, uint64_t value,
                             unsigned size)
{
    arm_gtimer *g = to_gt(dev);
    if (!cpu_access_ok(g, cpu, offset, size)) {
        return;
    }
    et_device_lock(dev);
    et_device_catch_up(dev);
    view_write(g, cpu, (uint32_t)offset, (uint32_t)value);
    et_device_unlock(dev);
}

static void gtimer_reset(et_device *dev)
{
    arm_gtimer *g = to_gt(dev);
    g->control = 0;
    g->counter = 0;
    g->ref_time = now_ns(g);
    for (uint32_t i = 0; i < g->n_cpus; i++) {
        gt_cpu *cpu = &g->cpus[i];
        cpu->control = 0;
        cpu->status = 0;
        cpu->compare = 0;
        cpu->inc = 0;
    }
    evaluate(g);
}

/* PERIPHCLK changed: the count so far is kept at the old rate, the rest
 * runs at the new one. */
static void periphclk_changed(void *opaque, et_clock_input *clk)
{
    arm_gtimer *g = opaque;
    et_device_lock(&g->dev);
    et_device_catch_up(&g->dev);
    sync_count(g, now_ns(g));
    g->clk_period = et_clock_input_period(clk);
    evaluate(g);
    et_device_unlock(&g->dev);
}

static void gtimer_destroy(et_device *dev)
{
    arm_gtimer *g = to_gt(dev);
    et_clock_input_remove_notify(g->periphclk, g->periphclk_cb);
    et_timer_free(g->timer);
    free(g->cpus);
}

static const et_field gtimer_fields[] = {
    ET_FIELD_U32(arm_gtimer, control, 1),
    ET_FIELD_U64(arm_gtimer, counter, 1),
    ET_FIELD_I64(arm_gtimer, ref_time, 1),
    ET_FIELD_U64(arm_gtimer, clk_period, 1),
    ET_FIELD_TIMER(arm_gtimer, timer, 1),
    ET_FIELD_VARRAY_MEMBER(arm_gtimer, cpus, gt_cpu, control, ET_FT_U32, n_cpus, 1),
    ET_FIELD_VARRAY_MEMBER(arm_gtimer, cpus, gt_cpu, status, ET_FT_U32, n_cpus, 1),
    ET_FIELD_VARRAY_MEMBER(arm_gtimer, cpus, gt_cpu, compare, ET_FT_U64, n_cpus, 1),
    ET_FIELD_VARRAY_MEMBER(arm_gtimer, cpus, gt_cpu, inc, ET_FT_U32, n_cpus, 1),
    ET_FIELD_VARRAY_MEMBER(arm_gtimer, cpus, gt_cpu, irq, ET_FT_IRQ, n_cpus, 1),
    ET_FIELD_END
};

static const et_vmstate gtimer_state = { "arm-gtimer", 1, gtimer_fields };

static const et_device_ops gtimer_ops = {
    .type = "arm-gtimer",
    .region_size = ET_ARM_GTIMER_REGION,
    .access_sizes = ET_ACCESS_4,
    .unaligned_ok = false,
    .read = gtimer_read,
    .write = gtimer_write,
    .reset = gtimer_reset,
    .destroy = gtimer_destroy,
    .state = &gtimer_state,
};

et_device *et_arm_gtimer_new(et_clock *clock, const char *name, const et_arm_gtimer_config *cfg,
                             char *err, size_t errlen)
{
    const char *problem = NULL;
    unsigned n_cpus = cfg && cfg->cpu_count ? cfg->cpu_count : 1;
    if (!clock) {
        problem = "arm-gtimer: a clock is required";
    } else if (!cfg) {
        problem = "arm-gtimer: a configuration is required";
    } else if (!cfg->periphclk) {
        problem = "arm-gtimer: the PERIPHCLK clock input (cfg->periphclk) must be connected";
    } else if (n_cpus > ET_ARM_GTIMER_MAX_CPUS) {
        problem = "arm-gtimer: cpu_count must be 1 to 4";
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    arm_gtimer *g = et__xcalloc(1, sizeof(*g));
    g->cpus = et__xcalloc(n_cpus, sizeof(*g->cpus));
    static const char *const line_names[] = { "gtimer0", "gtimer1", "gtimer2", "gtimer3" };
    et_device_init(&g->dev, &gtimer_ops, clock, name, &gtimer_lock_class);
    g->periphclk = cfg->periphclk;
    g->clk_period = et_clock_input_period(cfg->periphclk);
    g->n_cpus = n_cpus;
    g->timer = et_device_timer_new(&g->dev, match_expired, g);
    for (uint32_t i = 0; i < n_cpus; i++) {
        et_irq_init(&g->cpus[i].irq, &g->dev, line_names[i]);
        et_device_add_irq(&g->dev, &g->cpus[i].irq);
    }
    et_device_reset(&g->dev);
    g->periphclk_cb = et_clock_input_add_notify(g->periphclk, periphclk_changed, g);
    return &g->dev;
}
