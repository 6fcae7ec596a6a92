/* The SP804-style counter shared by the SP804, the Integrator/CP timers and
 * the CMSDK APB dual timer (sp804_counter.h). Behaviour follows the SP804
 * TRM (ARM DDI 0271) and the CMSDK TRM (ARM DDI 0479), with cycle details
 * checked against the CMSDK dual timer's counter RTL:
 *
 *  - Load sets the count at once, in every mode (free-running included);
 *    BGLoad only changes the next reload value; both read back as Load.
 *  - Control writes never reload the count: disabling freezes it, enabling
 *    continues from it, a mode change takes effect at the next zero, a size
 *    change keeps the count's tick edges.
 *  - Value is the count the last tick edge loaded, exactly on an edge too
 *    (an edge at the instant of the read has happened); the dual timer
 *    keeps QEMU's CMSDK rounding there (et__sp804_counter_variant).
 *  - In 16-bit mode only bits 15:0 count; bits 31:16 keep what the last
 *    Load (or, in periodic mode, the last reload) put there, so Value's top
 *    half is not forced to 0 (SP804 TRM note on TimerXValue).
 *  - A Load of 0 (of 0 in the low half, in 16-bit mode) raises RIS at once
 *    (SP804 TRM: "an interrupt is generated immediately").
 *  - One-shot: the count stops at 0 until Load is written or ONESHOT is
 *    cleared, after which it wraps or reloads on the next tick.
 *
 * Not modelled: the prescaler's phase (a prescale change or a restart
 * begins a whole prescaled tick), TIMCLKEN gating, and the one TIMCLK delay
 * of the RTL's status register (RIS is set on the tick the count reaches 0,
 * which is what the TRMs and QEMU's CMSDK model say). In 16-bit periodic
 * mode the top half takes the reload value's top half when the count
 * reaches 0, one tick before the hardware reloads. */
#include "core/internal.h"
#include "devices/sp804_counter.h"

#include <stdlib.h>

#define PT_STOPPED 0
#define PT_PERIODIC 1

static bool is_32bit(uint32_t ctrl)
{
    return (ctrl & SP804_CTRL_32BIT) != 0;
}

static uint32_t size_mask(uint32_t ctrl)
{
    return is_32bit(ctrl) ? 0xFFFFFFFFu : 0xFFFFu;
}

/* The ptimer's limit: the reload value in periodic mode, else the wrap. */
static uint64_t limit_for(const et__sp804_counter *c, uint32_t ctrl)
{
    return (ctrl & SP804_CTRL_PERIODIC) ? (c->load & size_mask(ctrl)) : size_mask(ctrl);
}

static unsigned divisor_for(const et__sp804_counter *c, uint32_t ctrl)
{
    switch ((ctrl & SP804_CTRL_PRESCALE) >> 2) {
    case 0:
        return 1;
    case 1:
        return 16;
    case 2:
        return 256;
    default:
        return c->variant->prescale3_divisor;
    }
}

static bool period_is_zero(const et_ptimer_state *st)
{
    return st->period == 0 && st->period_frac == 0;
}

static unsigned __int128 period_fx(const et_ptimer_state *st)
{
    return ((unsigned __int128)(uint64_t)st->period << 32) | st->period_frac;
}

/* The count the last tick edge loaded. The ptimer's edges lie a whole
 * number of periods before its deadline, and its CMSDK read rounding
 * (floor + 1) is one too high exactly on an edge; here an edge at `now` has
 * happened, as an expiry at `now` has: ceil(time left / period). A periodic
 * reload arms Load + 1 periods, the first of which is the zero tick. */
static uint64_t edge_count(et__sp804_counter *c)
{
    et_ptimer_state st;
    et_ptimer_get_state(c->pt, &st);
    if (st.enabled == PT_STOPPED || st.delta == 0 || period_is_zero(&st)) {
        return st.delta;
    }
    int64_t now = et_clock_now(c->dev->clock);
    if (now >= st.next_event) {
        return 0;
    }
    unsigned __int128 left = (unsigned __int128)((uint64_t)st.next_event - (uint64_t)now) << 32;
    unsigned __int128 p = period_fx(&st);
    unsigned __int128 edges = (left + p - 1) / p;
    if (st.enabled == PT_PERIODIC && st.delta == st.limit &&
        edges == (unsigned __int128)st.limit + 1) {
        return 0;
    }
    return edges > UINT64_MAX ? UINT64_MAX : (uint64_t)edges;
}

/* The count as Value shows it (see et__sp804_counter_variant). */
static uint64_t count_now(et__sp804_counter *c)
{
    return c->variant->qemu_edge_reads ? et_ptimer_get_count(c->pt) : edge_count(c);
}

/* Stops the count, frozen at the value Value shows (inside a transaction). */
static void stop_count(et__sp804_counter *c)
{
    uint64_t count = count_now(c);
    et_ptimer_stop(c->pt);
    et_ptimer_set_count(c->pt, count);
}

/* Changes a running count (as count_now shows it) without moving its tick
 * edges, which the ptimer's set_count would do by restarting the current
 * tick: the deadline moves by the difference in whole periods. Outside a
 * transaction. From or to the zero tick (a count of 0) the tick restarts. */
static void set_running_count(et__sp804_counter *c, uint64_t count)
{
    et_ptimer_state st;
    et_ptimer_get_state(c->pt, &st);
    uint64_t old = count_now(c);
    uint64_t old_edges = edge_count(c);
    if (old == count) {
        return;
    }
    __int128 diff = (__int128)count - (__int128)old;
    if (st.enabled == PT_STOPPED || period_is_zero(&st) || old == 0 || count == 0 ||
        old_edges == 0 || (__int128)old_edges + diff < 1) {
        et_ptimer_transaction_begin(c->pt);
        et_ptimer_set_count(c->pt, count);
        et_ptimer_transaction_commit(c->pt);
        return;
    }
    int64_t now = et_clock_now(c->dev->clock);
    /* Time left, in 2^-32 ns, plus diff periods: still > (edges - 1) periods. */
    __int128 left = (__int128)((uint64_t)st.next_event - (uint64_t)now) << 32;
    __int128 ns = (left + diff * (__int128)period_fx(&st)) >> 32;
    /* last_event stays: the ptimer's reads treat its arm instant apart. */
    st.delta = count;
    st.next_event = ns >= (__int128)(INT64_MAX - now) ? INT64_MAX : now + (int64_t)ns;
    st.timer_expire = st.next_event;
    et_ptimer_set_state(c->pt, &st);
}

static uint32_t value_of(et__sp804_counter *c)
{
    uint32_t count = (uint32_t)count_now(c);
    if (is_32bit(c->control)) {
        return count;
    }
    return (c->high << 16) | (count & 0xFFFFu);
}

/* True during the tick a running periodic/free-running count holds at 0
 * after reaching it (the reload that follows is already armed). */
static bool in_zero_tick(et__sp804_counter *c)
{
    et_ptimer_state st;
    et_ptimer_get_state(c->pt, &st);
    return st.enabled == PT_PERIODIC && st.delta != 0 && count_now(c) == 0;
}

/* Sets the limit so that it applies at the next reload, even when that
 * reload is the one ending the current zero tick (zero_tick: in_zero_tick()
 * before this write changed anything). The ptimer armed that reload with
 * the old limit: restart the zero tick, which then reloads the new one. */
static void set_reload_value(et__sp804_counter *c, uint64_t limit, bool zero_tick)
{
    bool restart_zero = zero_tick && et_ptimer_get_limit(c->pt) != limit;
    et_ptimer_set_limit(c->pt, limit, 0);
    if (restart_zero) {
        et_ptimer_set_count(c->pt, 0);
    }
}

/* The count reached 0 (expiry callback: device lock held, inside the
 * ptimer's transaction, the count already reads 0). */
static void counter_expired(void *opaque)
{
    et__sp804_counter *c = opaque;
    c->ris = true;
    if ((c->control & (SP804_CTRL_PERIODIC | SP804_CTRL_ONESHOT | SP804_CTRL_32BIT)) ==
        SP804_CTRL_PERIODIC) {
        c->high = c->load >> 16; /* the 16-bit reload loads all 32 bits */
    }
    et_device_trace(c->dev, "expire", "timer %u", c->number);
    c->update(c->dev);
}

static void write_load(et__sp804_counter *c, uint32_t value)
{
    uint32_t ctrl = c->control;
    uint32_t count = value & size_mask(ctrl);
    c->load = value;
    if (!is_32bit(ctrl)) {
        c->high = value >> 16;
    }
    et_ptimer_transaction_begin(c->pt);
    et_ptimer_set_limit(c->pt, limit_for(c, ctrl), 0);
    et_ptimer_set_count(c->pt, count);
    if (ctrl & SP804_CTRL_ENABLE) {
        /* Restarts a one-shot that stopped at 0; no-op when running. */
        et_ptimer_run(c->pt, (ctrl & SP804_CTRL_ONESHOT) != 0);
    }
    et_ptimer_transaction_commit(c->pt);
    if (count == 0) {
        c->ris = true; /* "an interrupt is generated immediately" */
    }
}

static void write_bgload(et__sp804_counter *c, uint32_t value)
{
    c->load = value;
    if (c->control & SP804_CTRL_PERIODIC) {
        bool zero_tick = in_zero_tick(c);
        et_ptimer_transaction_begin(c->pt);
        set_reload_value(c, limit_for(c, c->control), zero_tick);
        et_ptimer_transaction_commit(c->pt);
    }
}

static void write_control(et__sp804_counter *c, uint32_t value)
{
    if (value & ~SP804_CTRL_MASK) {
        et_device_guest_error(c->dev, "timer %u Control: reserved bits 0x%x ignored",
                              c->number, value & ~SP804_CTRL_MASK);
    }
    uint32_t old = c->control;
    uint32_t ctrl = value & SP804_CTRL_MASK;
    uint32_t changed = old ^ ctrl;
    if ((ctrl & SP804_CTRL_PRESCALE) == SP804_CTRL_PRESCALE && (changed & SP804_CTRL_PRESCALE)) {
        et_device_guest_error(c->dev,
                              "timer %u Control: prescale 0b11 is undefined; dividing by %u",
                              c->number, c->variant->prescale3_divisor);
    }

    bool zero_tick = in_zero_tick(c);
    bool keeps_running = (old & ctrl & SP804_CTRL_ENABLE) != 0;
    /* The 32-bit register is unchanged by a size change; only the counted
     * width moves, the ptimer's count with it. */
    uint64_t count = count_now(c);
    if (changed & SP804_CTRL_32BIT) {
        uint32_t v = value_of(c);
        if (!is_32bit(ctrl)) {
            c->high = v >> 16;
        }
        count = is_32bit(ctrl) ? v : (v & 0xFFFFu);
    }
    et_ptimer_transaction_begin(c->pt);
    if ((changed & SP804_CTRL_ENABLE) && !(ctrl & SP804_CTRL_ENABLE)) {
        stop_count(c); /* freezes the count */
    }
    if (changed & SP804_CTRL_PRESCALE) {
        /* Restarts the tick (the prescaler's phase is not modelled). */
        et_ptimer_set_period_from_clock(c->pt, c->clk, divisor_for(c, ctrl));
        et_ptimer_set_count(c->pt, count);
    } else if ((changed & SP804_CTRL_32BIT) && !keeps_running) {
        et_ptimer_set_count(c->pt, count);
    }
    c->control = ctrl;
    if (changed & (SP804_CTRL_32BIT | SP804_CTRL_PERIODIC)) {
        set_reload_value(c, limit_for(c, ctrl), zero_tick && (ctrl & SP804_CTRL_ENABLE));
    }
    if ((changed & ctrl & SP804_CTRL_ONESHOT) && zero_tick && (ctrl & SP804_CTRL_ENABLE)) {
        /* One-shot selected while the count sits at 0: it stops there. */
        et_ptimer_set_count(c->pt, 0);
    }
    if (ctrl & SP804_CTRL_ENABLE) {
        /* Starts a stopped count from its current value (an expired
         * one-shot whose ONESHOT bit is now clear wraps or reloads on the
         * next tick); on a running count it only switches the mode. */
        et_ptimer_run(c->pt, (ctrl & SP804_CTRL_ONESHOT) != 0);
    }
    et_ptimer_transaction_commit(c->pt);
    if ((changed & SP804_CTRL_32BIT) && keeps_running && !(changed & SP804_CTRL_PRESCALE)) {
        set_running_count(c, count); /* the tick edges stay */
    }
}

uint32_t et__sp804_counter_read(et__sp804_counter *c, uint32_t offset)
{
    switch (offset) {
    case SP804_LOAD:
    case SP804_BGLOAD:
        return c->load;
    case SP804_VALUE:
        return value_of(c);
    case SP804_CONTROL:
        return c->control;
    case SP804_RIS:
        return c->ris;
    case SP804_MIS:
        return et__sp804_counter_mis(c);
    case SP804_INTCLR:
        et_device_guest_error(c->dev, "timer %u: read of write-only IntClr (reads as 0)",
                              c->number);
        return 0;
    default:
        et_device_guest_error(c->dev, "timer %u: read of unknown register 0x%02x (reads as 0)",
                              c->number, offset);
        return 0;
    }
}

void et__sp804_counter_write(et__sp804_counter *c, uint32_t offset, uint32_t value)
{
    switch (offset) {
    case SP804_LOAD:
    case SP804_BGLOAD: {
        bool ris = c->ris;
        if (offset == SP804_LOAD) {
            write_load(c, value);
        } else {
            write_bgload(c, value);
        }
        if (!c->variant->load_drives_irq && c->ris == ris) {
            return; /* nothing changed: this model does not drive the line */
        }
        break;
    }
    case SP804_CONTROL:
        write_control(c, value);
        break;
    case SP804_INTCLR:
        c->ris = false;
        break;
    case SP804_VALUE:
    case SP804_RIS:
    case SP804_MIS:
        et_device_guest_error(c->dev, "timer %u: write to read-only register 0x%02x ignored",
                              c->number, offset);
        return;
    default:
        et_device_guest_error(c->dev, "timer %u: write to unknown register 0x%02x ignored",
                              c->number, offset);
        return;
    }
    c->update(c->dev);
}

bool et__sp804_counter_mis(const et__sp804_counter *c)
{
    return c->ris && (c->control & SP804_CTRL_IE);
}

void et__sp804_counter_reset(et__sp804_counter *c)
{
    c->control = SP804_CTRL_RESET; /* free-running, 16-bit, /1, disabled */
    c->load = 0;
    c->high = 0xFFFFu; /* Value resets to 0xFFFFFFFF */
    c->ris = false;
    et_ptimer_transaction_begin(c->pt);
    et_ptimer_stop(c->pt);
    et_ptimer_set_period_from_clock(c->pt, c->clk, 1);
    et_ptimer_set_limit(c->pt, 0xFFFFu, 1);
    et_ptimer_transaction_commit(c->pt);
}

/* TIMCLK changed: the count reached so far is kept and continues at the new
 * rate; a stopped clock (period 0) stops it until the clock runs again. */
static void clock_changed(void *opaque, et_clock_input *clk)
{
    et__sp804_counter *c = opaque;
    et_device_lock(c->dev);
    et_device_catch_up(c->dev);
    uint64_t count = count_now(c);
    et_ptimer_transaction_begin(c->pt);
    et_ptimer_set_period_from_clock(c->pt, clk, divisor_for(c, c->control));
    et_ptimer_set_count(c->pt, count);
    if (c->control & SP804_CTRL_ENABLE) {
        et_ptimer_run(c->pt, (c->control & SP804_CTRL_ONESHOT) != 0);
    }
    et_ptimer_transaction_commit(c->pt);
    et_device_unlock(c->dev);
}

void et__sp804_counter_init(et__sp804_counter *c, et_device *dev, et_clock_input *clk,
                            unsigned number, const et__sp804_counter_variant *variant,
                            void (*update)(et_device *dev))
{
    c->dev = dev;
    c->clk = clk;
    c->number = number;
    c->variant = variant;
    c->update = update;
    c->pt = et_device_ptimer_new(dev, counter_expired, c,
                                 ET_PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD |
                                     ET_PTIMER_POLICY_TRIGGER_ONLY_ON_DECREMENT |
                                     ET_PTIMER_POLICY_NO_IMMEDIATE_RELOAD |
                                     ET_PTIMER_POLICY_NO_COUNTER_ROUND_DOWN);
    c->clk_cb = et_clock_input_add_notify(clk, clock_changed, c);
}

void et__sp804_counter_destroy(et__sp804_counter *c)
{
    if (c->clk) {
        et_clock_input_remove_notify(c->clk, c->clk_cb);
    }
    et_ptimer_free(c->pt);
}

/* --- the two-counter device ------------------------------------------------ */

#define DUAL_ITCR_MASK 0x1u
#define DUAL_ITOP_MASK 0x3u

static et__sp804_dual *to_dual(et_device *dev)
{
    return (et__sp804_dual *)dev;
}

/* TIMINTn is counter n's MIS, or ITOP bit n-1 in integration test mode;
 * TIMINTC is their OR. */
static void dual_update(et_device *dev)
{
    et__sp804_dual *s = to_dual(dev);
    int level[2];
    for (unsigned i = 0; i < 2; i++) {
        level[i] = s->itcr ? (int)((s->itop >> i) & 1)
                           : (int)et__sp804_counter_mis(&s->counters[i]);
    }
    et_irq_set(&s->timint[0], level[0]);
    et_irq_set(&s->timint[1], level[1]);
    et_irq_set(&s->timintc, level[0] | level[1]);
}

static uint32_t dual_read_reg(et__sp804_dual *s, uint32_t reg)
{
    if (reg < 0x40) {
        return et__sp804_counter_read(&s->counters[reg >> 5], reg & 0x1F);
    }
    if (reg == SP804_DUAL_ITCR) {
        return s->itcr;
    }
    if (reg == SP804_DUAL_ITOP) {
        et_device_guest_error(&s->dev, "read of write-only ITOP (reads as 0)");
        return 0;
    }
    if (reg >= s->model->ids_base) {
        return s->model->ids[(reg - s->model->ids_base) / 4];
    }
    et_device_guest_error(&s->dev, "read of unknown register 0x%03x (reads as 0)", reg);
    return 0;
}

static void dual_write_reg(et__sp804_dual *s, uint32_t reg, uint32_t value)
{
    if (reg < 0x40) {
        et__sp804_counter_write(&s->counters[reg >> 5], reg & 0x1F, value);
        return;
    }
    if (reg == SP804_DUAL_ITCR || reg == SP804_DUAL_ITOP) {
        uint32_t mask = reg == SP804_DUAL_ITCR ? DUAL_ITCR_MASK : DUAL_ITOP_MASK;
        if (value & ~mask) {
            et_device_guest_error(&s->dev, "%s: reserved bits 0x%x ignored",
                                  reg == SP804_DUAL_ITCR ? "ITCR" : "ITOP", value & ~mask);
        }
        if (reg == SP804_DUAL_ITCR) {
            s->itcr = value & mask;
        } else {
            s->itop = value & mask;
        }
        dual_update(&s->dev);
        return;
    }
    if (reg >= s->model->ids_base) {
        et_device_guest_error(&s->dev, "write to read-only ID register 0x%03x ignored", reg);
    } else {
        et_device_guest_error(&s->dev, "write to unknown register 0x%03x ignored", reg);
    }
}

uint64_t et__sp804_dual_read(et_device *dev, uint64_t offset, unsigned size)
{
    return et__apb_read(dual_read_reg(to_dual(dev), (uint32_t)offset & ~3u), offset, size);
}

void et__sp804_dual_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    uint32_t v;
    if (et__apb_write(dev, offset, value, size, &v)) {
        dual_write_reg(to_dual(dev), (uint32_t)offset & ~3u, v);
    }
}

void et__sp804_dual_reset(et_device *dev)
{
    et__sp804_dual *s = to_dual(dev);
    et__sp804_counter_reset(&s->counters[0]);
    et__sp804_counter_reset(&s->counters[1]);
    s->itcr = 0;
    s->itop = 0;
    dual_update(dev);
}

void et__sp804_dual_destroy(et_device *dev)
{
    et__sp804_dual *s = to_dual(dev);
    et__sp804_counter_destroy(&s->counters[0]);
    et__sp804_counter_destroy(&s->counters[1]);
}

const et_field et__sp804_dual_fields[] = {
    ET_FIELD_STRUCT_ARRAY(et__sp804_dual, counters, pt, ET_FT_PTIMER, 1),
    ET_FIELD_STRUCT_ARRAY(et__sp804_dual, counters, control, ET_FT_U32, 1),
    ET_FIELD_STRUCT_ARRAY(et__sp804_dual, counters, load, ET_FT_U32, 1),
    ET_FIELD_STRUCT_ARRAY(et__sp804_dual, counters, high, ET_FT_U32, 1),
    ET_FIELD_STRUCT_ARRAY(et__sp804_dual, counters, ris, ET_FT_BOOL, 1),
    ET_FIELD_U32(et__sp804_dual, itcr, 1),
    ET_FIELD_U32(et__sp804_dual, itop, 1),
    ET_FIELD_IRQ(et__sp804_dual, timintc, 1),
    ET_FIELD_ARRAY(et__sp804_dual, timint, ET_FT_IRQ, 1),
    ET_FIELD_END
};

et_device *et__sp804_dual_new(et_clock *clock, const char *name, const et_device_ops *ops,
                              et_lock_class *cls, const et__sp804_dual_model *model,
                              et_clock_input *clk1, et_clock_input *clk2)
{
    et__sp804_dual *s = et__xcalloc(1, sizeof(*s));
    s->model = model;
    et_device_init(&s->dev, ops, clock, name, cls);
    et_irq_init(&s->timintc, &s->dev, "timintc");
    et_irq_init(&s->timint[0], &s->dev, "timint1");
    et_irq_init(&s->timint[1], &s->dev, "timint2");
    et_device_add_irq(&s->dev, &s->timintc);
    et_device_add_irq(&s->dev, &s->timint[0]);
    et_device_add_irq(&s->dev, &s->timint[1]);
    et__sp804_counter_init(&s->counters[0], &s->dev, clk1, 1, &model->variant, dual_update);
    et__sp804_counter_init(&s->counters[1], &s->dev, clk2, 2, &model->variant, dual_update);
    et_device_reset(&s->dev);
    return &s->dev;
}
