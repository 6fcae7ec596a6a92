/* Cortex-A9 MPCore private timer and watchdog (ARM DDI 0407, chapter 4),
 * with QEMU 7.2's hw/timer/arm_mptimer.c as the reference for the counting
 * of a timer block.
 *
 * A block (a timer, or a watchdog in timer mode) is a ptimer with QEMU's
 * arm_mptimer policies: WRAP_AFTER_ONE_PERIOD (auto-reload counts LOAD + 1
 * ticks), CONTINUOUS_TRIGGER (auto-reload with LOAD 0 fires every tick),
 * NO_IMMEDIATE_TRIGGER and NO_IMMEDIATE_RELOAD (a counter set to 0 fires and
 * reloads at the next tick, not at once), NO_COUNTER_ROUND_DOWN (the counter
 * reads N from the tick that made it N). On top of these, three corrections
 * with prescaler 0, where the hardware's zero comes at the same PERIPHCLK
 * edge as the write (QEMU's comments; the qtest test-arm-mptimer checks
 * them): a Load or counter write of 0 to an enabled block stops it without
 * an event (a one-shot, or auto-reload with LOAD 0), an auto-reload block
 * with LOAD 0 stops after its one event, and a counter written 0 to an
 * enabled auto-reload block reloads LOAD at once. A block whose LOAD is 0
 * and prescaler 0 never starts.
 *
 * Watchdog mode (TRM 4.3.3, 4.3.4, 4.3.6, 4.3.7), which QEMU does not
 * model: the block counts as a one-shot whatever the auto-reload bit, its
 * counter is written only through Load, and reaching 0 sets the reset flag
 * and asserts WDRESETREQ instead of the event flag. The mode bit is set by a
 * Control write and cleared only by writing 0x12345678 then 0x87654321 to
 * the Disable register (any other value there restarts the sequence).
 *
 * The interrupt line follows QEMU: it is driven with (event flag && IRQ
 * enable) when the flag is set and when software writes the status, not on
 * Control writes (the TRM sets the interrupt pending "when the event flag is
 * set"); entering or leaving watchdog mode drives it too (the mode masks
 * it).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "emutime/devices/arm_mptimer.h"

#define PRESCALER(ctrl) (((ctrl) >> 8) & 0xffu)
#define CONTROL_MASK 0xff07u   /* timer: prescaler, IRQ, auto, enable */
#define WDOG_CONTROL_MASK 0xff0fu

typedef struct arm_mptimer arm_mptimer;

typedef struct mp_block {
    arm_mptimer *owner;
    et_ptimer *pt;      /* count = counter, limit = Load */
    uint32_t control;
    uint32_t status;    /* event flag */
    uint32_t cpu;
    bool wdog;
    et_irq_line irq;
} mp_block;

/* Watchdog-only state, per CPU. */
typedef struct mp_wdog_extra {
    uint32_t reset_status;
    uint32_t disable_step; /* 1 after KEY1 */
    et_irq_line resetreq;
} mp_wdog_extra;

struct arm_mptimer {
    et_device dev;
    et_clock_input *periphclk;
    unsigned periphclk_cb;
    uint32_t n_blocks;  /* 2 per CPU: timer, watchdog */
    mp_block *blocks;
    uint32_t n_cpus;
    mp_wdog_extra *wdx;
};

static et_lock_class mptimer_lock_class = ET_LOCK_CLASS_INIT("arm-mptimer");

static arm_mptimer *to_mp(et_device *dev)
{
    return (arm_mptimer *)dev;
}

static bool wd_mode(const mp_block *b)
{
    return b->wdog && (b->control & ET_ARM_MPTIMER_CTRL_WDMODE);
}

/* The control bits the counter obeys: watchdog mode ignores auto-reload. */
static uint32_t effective(const mp_block *b, uint32_t control)
{
    if (b->wdog && (control & ET_ARM_MPTIMER_CTRL_WDMODE)) {
        control &= ~ET_ARM_MPTIMER_CTRL_AUTO;
    }
    return control;
}

static void update_irq(mp_block *b)
{
    et_irq_set(&b->irq, b->status && (b->control & ET_ARM_MPTIMER_CTRL_IRQ) && !wd_mode(b));
}

static void set_period(mp_block *b, uint32_t control)
{
    et_ptimer_set_period_from_clock(b->pt, b->owner->periphclk, PRESCALER(control) + 1);
}

/* Loads count into the counter (in a transaction). With prescaler 0 an
 * enabled auto-reload block written 0 takes LOAD at once: the hardware
 * reloads at the same PERIPHCLK edge. */
static uint64_t set_count(mp_block *b, uint32_t ctrl, uint64_t count)
{
    if ((ctrl & 3) == 3 && PRESCALER(ctrl) == 0 && count == 0) {
        count = et_ptimer_get_limit(b->pt);
    }
    et_ptimer_set_count(b->pt, count);
    return count;
}

/* Runs the counter if ctrl enables it, unless it would only ever sit at 0
 * (prescaler 0, nothing to count down). */
static void run_if_enabled(mp_block *b, uint32_t ctrl, uint64_t count)
{
    if ((ctrl & ET_ARM_MPTIMER_CTRL_ENABLE) && (PRESCALER(ctrl) != 0 || count != 0)) {
        et_ptimer_run(b->pt, !(ctrl & ET_ARM_MPTIMER_CTRL_AUTO));
    }
}

static void block_expired(void *opaque)
{
    mp_block *b = opaque;
    uint32_t ctrl = effective(b, b->control);
    /* Auto-reload with LOAD 0: with a prescaler it fires every count; with
     * none the hardware gives one event and stays at 0. */
    if ((ctrl & ET_ARM_MPTIMER_CTRL_AUTO) && PRESCALER(ctrl) == 0 &&
        et_ptimer_get_limit(b->pt) == 0) {
        et_ptimer_stop(b->pt);
    }
    if (wd_mode(b)) {
        mp_wdog_extra *x = &b->owner->wdx[b->cpu];
        x->reset_status = 1;
        et_irq_raise(&x->resetreq);
        et_device_trace(&b->owner->dev, "wdog-reset", "cpu %u", (unsigned)b->cpu);
        return;
    }
    b->status = 1;
    et_device_trace(&b->owner->dev, "expire", "%s%u", b->wdog ? "wdog" : "timer",
                    (unsigned)b->cpu);
    update_irq(b);
}

/* Control changes from old to new (in a transaction): QEMU's order, on the
 * bits the counter obeys. */
static void apply_control(mp_block *b, uint32_t old, uint32_t new_ctrl)
{
    uint32_t eo = effective(b, old), en = effective(b, new_ctrl);
    if ((eo & 3) != (en & 3)) {
        et_ptimer_stop(b->pt);
    }
    if (PRESCALER(eo) != PRESCALER(en)) {
        set_period(b, en);
    }
    if (en & ET_ARM_MPTIMER_CTRL_ENABLE) {
        uint64_t count = et_ptimer_get_count(b->pt);
        if ((en & ET_ARM_MPTIMER_CTRL_AUTO) && count == 0) {
            count = set_count(b, en, count);
        }
        run_if_enabled(b, en, count);
    }
    b->control = new_ctrl;
}

static uint32_t block_read(mp_block *b, uint32_t reg)
{
    switch (reg) {
    case ET_ARM_MPTIMER_LOAD:
        return (uint32_t)et_ptimer_get_limit(b->pt);
    case ET_ARM_MPTIMER_COUNTER:
        return (uint32_t)et_ptimer_get_count(b->pt);
    case ET_ARM_MPTIMER_CONTROL:
        return b->control;
    default:
        return b->status;
    }
}

static void block_write(mp_block *b, uint32_t reg, uint32_t value)
{
    uint32_t ctrl = effective(b, b->control);
    bool zero_stops = (ctrl & ET_ARM_MPTIMER_CTRL_ENABLE) && PRESCALER(ctrl) == 0 && value == 0;
    switch (reg) {
    case ET_ARM_MPTIMER_LOAD:
        et_ptimer_transaction_begin(b->pt);
        if (zero_stops) {
            et_ptimer_stop(b->pt);
        }
        et_ptimer_set_limit(b->pt, value, 1);
        run_if_enabled(b, ctrl, value);
        et_ptimer_transaction_commit(b->pt);
        break;
    case ET_ARM_MPTIMER_COUNTER: {
        if (wd_mode(b)) {
            et_device_guest_error(&b->owner->dev, "watchdog counter write ignored in watchdog "
                                                  "mode (write the load register)");
            break;
        }
        et_ptimer_transaction_begin(b->pt);
        if (zero_stops &&
            (!(ctrl & ET_ARM_MPTIMER_CTRL_AUTO) || et_ptimer_get_limit(b->pt) == 0)) {
            et_ptimer_stop(b->pt);
        }
        uint64_t count = set_count(b, ctrl, value);
        run_if_enabled(b, ctrl, count);
        et_ptimer_transaction_commit(b->pt);
        break;
    }
    case ET_ARM_MPTIMER_CONTROL: {
        uint32_t mask = b->wdog ? WDOG_CONTROL_MASK : CONTROL_MASK;
        if (value & ~mask) {
            et_device_guest_error(&b->owner->dev, "%s control: reserved bits 0x%x ignored",
                                  b->wdog ? "watchdog" : "timer", value & ~mask);
        }
        value &= mask;
        if (b->wdog) {
            value |= b->control & ET_ARM_MPTIMER_CTRL_WDMODE; /* writing 0 has no effect */
        }
        bool mode_change = (value ^ b->control) & ET_ARM_MPTIMER_CTRL_WDMODE;
        et_ptimer_transaction_begin(b->pt);
        apply_control(b, b->control, value);
        et_ptimer_transaction_commit(b->pt);
        if (mode_change) {
            update_irq(b); /* watchdog mode masks the interrupt */
        }
        break;
    }
    case ET_ARM_MPTIMER_INTSTAT:
        b->status &= ~value & 1u;
        update_irq(b);
        break;
    }
}

static void wdog_disable_write(arm_mptimer *p, unsigned cpu, uint32_t value)
{
    mp_wdog_extra *x = &p->wdx[cpu];
    mp_block *b = &p->blocks[2 * cpu + 1];
    if (value == ET_ARM_MPTIMER_DISABLE_KEY1) {
        x->disable_step = 1;
        return;
    }
    if (value == ET_ARM_MPTIMER_DISABLE_KEY2 && x->disable_step == 1 &&
        (b->control & ET_ARM_MPTIMER_CTRL_WDMODE)) {
        et_ptimer_transaction_begin(b->pt);
        apply_control(b, b->control, b->control & ~ET_ARM_MPTIMER_CTRL_WDMODE);
        et_ptimer_transaction_commit(b->pt);
        update_irq(b);
        et_device_trace(&p->dev, "wdog-disable", "cpu %u: timer mode", cpu);
    }
    x->disable_step = 0;
}

/* Load, Counter, Control and Interrupt Status of the timer or the watchdog. */
static bool in_block(uint32_t offset)
{
    return offset < 2 * ET_ARM_MPTIMER_WDOG && offset % ET_ARM_MPTIMER_WDOG <= ET_ARM_MPTIMER_INTSTAT;
}

static uint64_t view_read(arm_mptimer *p, unsigned cpu, uint32_t offset)
{
    if (in_block(offset)) {
        return block_read(&p->blocks[2 * cpu + offset / ET_ARM_MPTIMER_WDOG], offset % 0x20);
    }
    switch (offset) {
    case ET_ARM_MPTIMER_WDOG_RESET_STATUS:
        return p->wdx[cpu].reset_status;
    case ET_ARM_MPTIMER_WDOG_DISABLE:
        et_device_guest_error(&p->dev, "read of write-only watchdog disable register (reads "
                                       "as 0)");
        return 0;
    default:
        et_device_guest_error(&p->dev, "read of reserved offset 0x%02x (reads as 0)", offset);
        return 0;
    }
}

static void view_write(arm_mptimer *p, unsigned cpu, uint32_t offset, uint32_t value)
{
    if (in_block(offset)) {
        block_write(&p->blocks[2 * cpu + offset / ET_ARM_MPTIMER_WDOG], offset % 0x20, value);
        return;
    }
    switch (offset) {
    case ET_ARM_MPTIMER_WDOG_RESET_STATUS:
        if (value & 1) {
            p->wdx[cpu].reset_status = 0;
            et_irq_lower(&p->wdx[cpu].resetreq);
        }
        break;
    case ET_ARM_MPTIMER_WDOG_DISABLE:
        wdog_disable_write(p, cpu, value);
        break;
    default:
        et_device_guest_error(&p->dev, "write to reserved offset 0x%02x ignored", offset);
        break;
    }
}

/* Which CPU's blocks an offset of the region reaches: view 0 is the
 * accessing CPU's, which for et_device_read / _write is CPU 0 (the model
 * does not know the accessing CPU, as QEMU's qtest); view n + 1 is CPU n's
 * (with cpu_views). -1: an absent CPU. */
static int view_cpu(arm_mptimer *p, uint64_t offset)
{
    unsigned view = (unsigned)(offset / ET_ARM_MPTIMER_REGION);
    if (view == 0) {
        return 0;
    }
    if (view - 1 >= p->n_cpus) {
        et_device_guest_error(&p->dev, "offset 0x%03llx: view of CPU %u, but the device has %u",
                              (unsigned long long)offset, view - 1, (unsigned)p->n_cpus);
        return -1;
    }
    return (int)view - 1;
}

static uint64_t mptimer_read(et_device *dev, uint64_t offset, unsigned size)
{
    (void)size;
    arm_mptimer *p = to_mp(dev);
    int cpu = view_cpu(p, offset);
    return cpu < 0 ? 0 : view_read(p, (unsigned)cpu, (uint32_t)(offset % ET_ARM_MPTIMER_REGION));
}

static void mptimer_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    (void)size;
    arm_mptimer *p = to_mp(dev);
    int cpu = view_cpu(p, offset);
    if (cpu >= 0) {
        view_write(p, (unsigned)cpu, (uint32_t)(offset % ET_ARM_MPTIMER_REGION), (uint32_t)value);
    }
}

static bool cpu_access_ok(arm_mptimer *p, unsigned cpu, uint64_t offset, unsigned size)
{
    if (cpu >= p->n_cpus) {
        et_device_guest_error(&p->dev, "access from CPU %u, but the device has %u", cpu,
                              (unsigned)p->n_cpus);
        return false;
    }
    if (size != 4 || (offset & 3) || offset >= ET_ARM_MPTIMER_REGION) {
        et_device_guest_error(&p->dev, "bad %u-byte access at 0x%llx (4-byte aligned only)",
                              size, (unsigned long long)offset);
        return false;
    }
    return true;
}

uint64_t et_arm_mptimer_cpu_read(et_device *dev, unsigned cpu, uint64_t offset, unsigned size)
{
    arm_mptimer *p = to_mp(dev);
    if (!cpu_access_ok(p, cpu, offset, size)) {
        return 0;
    }
    et_device_lock(dev);
    et_device_catch_up(dev);
    uint64_t v = view_read(p, cpu, (uint32_t)offset);
    et_device_unlock(dev);
    return v;
}

void et_arm_mptimer_cpu_write(et_device *dev, unsigned cpu, uint64_t offset, uint64_t value,
                              unsigned size)
{
    arm_mptimer *p = to_mp(dev);
    if (!cpu_access_ok(p, cpu, offset, size)) {
        return;
    }
    et_device_lock(dev);
    et_device_catch_up(dev);
    view_write(p, cpu, (uint32_t)offset, (uint32_t)value);
    et_device_unlock(dev);
}

static void mptimer_reset(et_device *dev)
{
    arm_mptimer *p = to_mp(dev);
    for (uint32_t i = 0; i < p->n_blocks; i++) {
        mp_block *b = &p->blocks[i];
        b->control = 0;
        b->status = 0;
        et_ptimer_transaction_begin(b->pt);
        et_ptimer_stop(b->pt);
        et_ptimer_set_limit(b->pt, 0, 1);
        set_period(b, 0);
        et_ptimer_transaction_commit(b->pt);
        update_irq(b);
    }
    for (uint32_t c = 0; c < p->n_cpus; c++) {
        /* The reset flag has its own reset (TRM 4.3.6): it survives, so
         * software can tell a watchdog reset from a power-on. */
        p->wdx[c].disable_step = 0;
        et_irq_lower(&p->wdx[c].resetreq);
    }
}

/* PERIPHCLK changed: every block keeps its count and continues at the new
 * rate (a stopped clock halts it). */
static void periphclk_changed(void *opaque, et_clock_input *clk)
{
    arm_mptimer *p = opaque;
    (void)clk;
    et_device_lock(&p->dev);
    et_device_catch_up(&p->dev);
    for (uint32_t i = 0; i < p->n_blocks; i++) {
        mp_block *b = &p->blocks[i];
        et_ptimer_transaction_begin(b->pt);
        set_period(b, effective(b, b->control));
        et_ptimer_transaction_commit(b->pt);
    }
    et_device_unlock(&p->dev);
}

static void mptimer_destroy(et_device *dev)
{
    arm_mptimer *p = to_mp(dev);
    et_clock_input_remove_notify(p->periphclk, p->periphclk_cb);
    for (uint32_t i = 0; i < p->n_blocks; i++) {
        et_ptimer_free(p->blocks[i].pt);
    }
    free(p->blocks);
    free(p->wdx);
}

static const et_field mptimer_fields[] = {
    ET_FIELD_VARRAY_MEMBER(arm_mptimer, blocks, mp_block, pt, ET_FT_PTIMER, n_blocks, 1),
    ET_FIELD_VARRAY_MEMBER(arm_mptimer, blocks, mp_block, control, ET_FT_U32, n_blocks, 1),
    ET_FIELD_VARRAY_MEMBER(arm_mptimer, blocks, mp_block, status, ET_FT_U32, n_blocks, 1),
    ET_FIELD_VARRAY_MEMBER(arm_mptimer, blocks, mp_block, irq, ET_FT_IRQ, n_blocks, 1),
    ET_FIELD_VARRAY_MEMBER(arm_mptimer, wdx, mp_wdog_extra, reset_status, ET_FT_U32, n_cpus, 1),
    ET_FIELD_VARRAY_MEMBER(arm_mptimer, wdx, mp_wdog_extra, disable_step, ET_FT_U32, n_cpus, 1),
    ET_FIELD_VARRAY_MEMBER(arm_mptimer, wdx, mp_wdog_extra, resetreq, ET_FT_IRQ, n_cpus, 1),
    ET_FIELD_END
};

static const et_vmstate mptimer_state = { "arm-mptimer", 1, mptimer_fields };

#define MPTIMER_OPS(region)                                                    \
    {                                                                          \
        .type = "arm-mptimer", .region_size = (region), .access_sizes = ET_ACCESS_4, \
        .unaligned_ok = false, .read = mptimer_read, .write = mptimer_write,   \
        .reset = mptimer_reset, .destroy = mptimer_destroy, .state = &mptimer_state, \
    }

static const et_device_ops mptimer_ops = MPTIMER_OPS(ET_ARM_MPTIMER_REGION);
static const et_device_ops mptimer_views_ops = MPTIMER_OPS(ET_ARM_MPTIMER_VIEWS_REGION);

et_device *et_arm_mptimer_new(et_clock *clock, const char *name,
                              const et_arm_mptimer_config *cfg, char *err, size_t errlen)
{
    const char *problem = NULL;
    unsigned n_cpus = cfg && cfg->cpu_count ? cfg->cpu_count : 1;
    if (!clock) {
        problem = "arm-mptimer: a clock is required";
    } else if (!cfg) {
        problem = "arm-mptimer: a configuration is required";
    } else if (!cfg->periphclk) {
        problem = "arm-mptimer: the PERIPHCLK clock input (cfg->periphclk) must be connected";
    } else if (n_cpus > ET_ARM_MPTIMER_MAX_CPUS) {
        problem = "arm-mptimer: cpu_count must be 1 to 4";
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    arm_mptimer *p = et__xcalloc(1, sizeof(*p));
    p->blocks = et__xcalloc(2 * n_cpus, sizeof(*p->blocks));
    p->wdx = et__xcalloc(n_cpus, sizeof(*p->wdx));
    et_device_init(&p->dev, cfg->cpu_views ? &mptimer_views_ops : &mptimer_ops, clock, name,
                   &mptimer_lock_class);
    p->periphclk = cfg->periphclk;
    p->n_cpus = n_cpus;
    p->n_blocks = 2 * n_cpus;
    static const char *const timer_names[] = { "timer0", "timer1", "timer2", "timer3" };
    static const char *const wdog_names[] = { "wdog0", "wdog1", "wdog2", "wdog3" };
    static const char *const req_names[] = { "wdresetreq0", "wdresetreq1", "wdresetreq2",
                                              "wdresetreq3" };
    for (uint32_t i = 0; i < p->n_blocks; i++) {
        mp_block *b = &p->blocks[i];
        b->owner = p;
        b->cpu = i / 2;
        b->wdog = i % 2;
        b->pt = et_device_ptimer_new(&p->dev, block_expired, b,
                                     ET_PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD |
                                         ET_PTIMER_POLICY_CONTINUOUS_TRIGGER |
                                         ET_PTIMER_POLICY_NO_IMMEDIATE_TRIGGER |
                                         ET_PTIMER_POLICY_NO_IMMEDIATE_RELOAD |
                                         ET_PTIMER_POLICY_NO_COUNTER_ROUND_DOWN);
        et_irq_init(&b->irq, &p->dev, (b->wdog ? wdog_names : timer_names)[b->cpu]);
        et_device_add_irq(&p->dev, &b->irq);
    }
    for (uint32_t c = 0; c < n_cpus; c++) {
        et_irq_init(&p->wdx[c].resetreq, &p->dev, req_names[c]);
        et_device_add_irq(&p->dev, &p->wdx[c].resetreq);
    }
    et_device_reset(&p->dev);
    p->periphclk_cb = et_clock_input_add_notify(p->periphclk, periphclk_changed, p);
    return &p->dev;
}
