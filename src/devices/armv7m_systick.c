/* The ARMv7-M SysTick timer: ARM DDI 0403 (ARMv7-M Architecture Reference
 * Manual), B3.3 "The system timer, SysTick", registers in B3.3.2-B3.3.6.
 *
 * Modelled: SYST_CSR (ENABLE, TICKINT, CLKSOURCE, COUNTFLAG cleared on
 * read), SYST_RVR, SYST_CVR (a write clears it and COUNTFLAG), SYST_CALIB
 * computed from the reference clock as QEMU does (NOREF without one; TENMS
 * the reload for 10 ms, SKEW when inexact), the choice between the
 * processor and the reference clock, both followed at run time, and the
 * exception request as a pulse on the "systick" line.
 *
 * Counting uses QEMU's ptimer policies for this device (WRAP_AFTER_ONE_PERIOD
 * | NO_COUNTER_ROUND_DOWN | NO_IMMEDIATE_RELOAD | TRIGGER_ONLY_ON_DECREMENT):
 * the 1 -> 0 step sets COUNTFLAG and pends the exception, CURRENT holds 0
 * for a tick, then loads RELOAD; a CURRENT of 0 (after a CVR write or at
 * enable) reloads on the next tick without an event. An expiry with RELOAD
 * = 0 stops the count ("disables the counter on the next wrap").
 *
 * Differences from QEMU 7.2 (docs/divergences.md, tests in
 * tests/devices/test_armv7m_systick.c):
 *   - with ENABLE still set, a non-zero RVR write resumes a count that a
 *     wrap with RVR = 0 stopped (B3.3.1: the counter reloads whenever it
 *     is 0; QEMU stays stopped until ENABLE is written 0 then 1);
 *   - an RVR write while CURRENT holds 0 (the tick after the 1 -> 0 step)
 *     is what the next tick loads (QEMU reloads the old RVR); the model
 *     restarts that tick at the write, so the load comes up to one tick
 *     late;
 *   - a frequency change of the clock not selected by CLKSOURCE is ignored
 *     (QEMU re-times the count on either clock's change);
 *   - a selected clock that stops (period 0) and runs again resumes an
 *     enabled count (QEMU's ptimer stays stopped).
 * Not modelled: the secure SysTick of ARMv8-M, unprivileged accesses (a
 * BusFault in QEMU; the model has no privilege levels).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "emutime/devices/armv7m_systick.h"

#define CSR_RW_MASK (ET_SYSTICK_CSR_ENABLE | ET_SYSTICK_CSR_TICKINT | ET_SYSTICK_CSR_CLKSOURCE)

/* 10 ms, the interval SYST_CALIB.TENMS describes. */
#define TEN_MS_NS 10000000u

typedef struct systick {
    et_device dev;
    et_ptimer *pt; /* count = CURRENT, limit = RELOAD */
    et_irq_line irq;
    et_clock_input *cpuclk;
    et_clock_input *refclk;     /* NULL: no reference clock */
    et_clock_input *own_refclk; /* the fixed one made from refclk_hz */
    unsigned cpuclk_cb, refclk_cb;
    uint32_t control;           /* SYST_CSR */
} systick;

static et_lock_class systick_lock_class = ET_LOCK_CLASS_INIT("armv7m-systick");

static systick *to_systick(et_device *dev)
{
    return (systick *)dev;
}

static et_clock_input *selected_clock(const systick *s)
{
    return (s->control & ET_SYSTICK_CSR_CLKSOURCE) ? s->cpuclk : s->refclk;
}

/* Puts the ptimer in the state CSR asks for (inside a transaction). A
 * counter at 0 with RELOAD 0 has nothing to count: it stays at 0, with no
 * event, until RELOAD is written (B3.3.1). */
static void apply_enable(systick *s)
{
    bool idle = et_ptimer_get_limit(s->pt) == 0 && et_ptimer_get_count(s->pt) == 0;
    if ((s->control & ET_SYSTICK_CSR_ENABLE) && !idle) {
        et_ptimer_run(s->pt, 0);
    } else {
        et_ptimer_stop(s->pt);
    }
}

/* The 1 -> 0 step (inside the expiry's transaction, lock held). */
static void systick_expired(void *opaque)
{
    systick *s = opaque;
    s->control |= ET_SYSTICK_CSR_COUNTFLAG;
    if (s->control & ET_SYSTICK_CSR_TICKINT) {
        et_irq_pulse(&s->irq);
    }
    if (et_ptimer_get_limit(s->pt) == 0) {
        et_ptimer_stop(s->pt); /* RELOAD 0: the wrap disables the counter */
    }
    et_device_trace(&s->dev, "expire", "countflag 1 tickint %u",
                    (unsigned)((s->control & ET_SYSTICK_CSR_TICKINT) != 0));
}

/* SYST_CALIB for the reference clock, as QEMU computes it: the number of
 * reference ticks in 10 ms, minus one (the RELOAD for a 10 ms period); SKEW
 * when that many ticks do not take exactly 10 ms. */
static uint32_t calib(const systick *s)
{
    if (!s->refclk) {
        return ET_SYSTICK_CALIB_NOREF;
    }
    uint64_t period = et_clock_input_period(s->refclk); /* 2^-32 ns */
    if (period == 0) {
        return 0; /* stopped: TENMS 0, "not known" */
    }
    unsigned __int128 ten_ms = (unsigned __int128)TEN_MS_NS << 32;
    uint64_t ticks = (uint64_t)(ten_ms / period);
    uint32_t v = (uint32_t)(ticks - 1) & ET_SYSTICK_CALIB_TENMS;
    unsigned __int128 ns = ((unsigned __int128)(v + UINT64_C(1)) * period) >> 32;
    if (ns != TEN_MS_NS) {
        v |= ET_SYSTICK_CALIB_SKEW;
    }
    return v;
}

static uint64_t systick_read(et_device *dev, uint64_t offset, unsigned size)
{
    systick *s = to_systick(dev);
    (void)size;
    switch (offset) {
    case ET_SYSTICK_CSR: {
        uint32_t v = s->control;
        s->control &= ~ET_SYSTICK_CSR_COUNTFLAG; /* cleared by the read */
        return v;
    }
    case ET_SYSTICK_RVR:
        return (uint32_t)et_ptimer_get_limit(s->pt);
    case ET_SYSTICK_CVR:
        return (uint32_t)et_ptimer_get_count(s->pt);
    case ET_SYSTICK_CALIB:
        return calib(s);
    default:
        et_device_guest_error(dev, "read of unknown register 0x%02llx (reads as 0)",
                              (unsigned long long)offset);
        return 0;
    }
}

static void write_csr(systick *s, uint32_t value)
{
    if (value & ~(CSR_RW_MASK | ET_SYSTICK_CSR_COUNTFLAG)) {
        et_device_guest_error(&s->dev, "SYST_CSR: reserved bits 0x%x ignored",
                              value & ~(CSR_RW_MASK | ET_SYSTICK_CSR_COUNTFLAG));
    }
    if (!s->refclk) {
        value |= ET_SYSTICK_CSR_CLKSOURCE; /* RAO/WI without a reference clock */
    }
    uint32_t old = s->control;
    s->control = (old & ~CSR_RW_MASK) | (value & CSR_RW_MASK);
    et_ptimer_transaction_begin(s->pt);
    if ((old ^ s->control) & ET_SYSTICK_CSR_CLKSOURCE) {
        et_ptimer_set_period_from_clock(s->pt, selected_clock(s), 1);
    }
    if ((old ^ s->control) & ET_SYSTICK_CSR_ENABLE) {
        apply_enable(s);
    }
    et_ptimer_transaction_commit(s->pt);
}

static void systick_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    systick *s = to_systick(dev);
    uint32_t v = (uint32_t)value;
    (void)size;
    switch (offset) {
    case ET_SYSTICK_CSR:
        write_csr(s, v);
        break;
    case ET_SYSTICK_RVR:
        if (v & ~ET_SYSTICK_COUNTER_MASK) {
            et_device_guest_error(dev, "SYST_RVR: bits 31:24 (0x%x) are reserved",
                                  v & ~ET_SYSTICK_COUNTER_MASK);
        }
        et_ptimer_transaction_begin(s->pt);
        /* Read before the limit changes: the hold tick reads 0 only while
         * the ptimer's limit is the one it reloaded. */
        bool at_zero = et_ptimer_get_count(s->pt) == 0;
        et_ptimer_set_limit(s->pt, v & ET_SYSTICK_COUNTER_MASK, 0);
        if (s->control & ET_SYSTICK_CSR_ENABLE) {
            if (at_zero) {
                /* CURRENT is 0: the next tick loads the value just written
                 * (the ptimer armed the old one); the tick restarts here. */
                et_ptimer_set_count(s->pt, 0);
            }
            apply_enable(s); /* also resumes a count RELOAD 0 stopped */
        }
        et_ptimer_transaction_commit(s->pt);
        break;
    case ET_SYSTICK_CVR:
        /* Any write clears CURRENT and COUNTFLAG; the next tick reloads. */
        et_ptimer_transaction_begin(s->pt);
        if (et_ptimer_get_limit(s->pt) == 0) {
            et_ptimer_stop(s->pt); /* first, so the stop keeps the new count */
        }
        et_ptimer_set_count(s->pt, 0);
        s->control &= ~ET_SYSTICK_CSR_COUNTFLAG;
        et_ptimer_transaction_commit(s->pt);
        break;
    case ET_SYSTICK_CALIB:
        et_device_guest_error(dev, "write to read-only SYST_CALIB ignored");
        break;
    default:
        et_device_guest_error(dev, "write to unknown register 0x%02llx ignored",
                              (unsigned long long)offset);
        break;
    }
}

static void systick_reset(et_device *dev)
{
    systick *s = to_systick(dev);
    s->control = s->refclk ? 0 : ET_SYSTICK_CSR_CLKSOURCE;
    et_ptimer_transaction_begin(s->pt);
    et_ptimer_stop(s->pt);
    et_ptimer_set_count(s->pt, 0);
    et_ptimer_set_limit(s->pt, 0, 0);
    et_ptimer_set_period_from_clock(s->pt, selected_clock(s), 1);
    et_ptimer_transaction_commit(s->pt);
}

/* A clock changed rate: the count so far is kept and continues at the new
 * rate if that clock is the selected one. A stopped clock (period 0) stops
 * the count; it resumes when the clock runs again. */
static void clock_changed(systick *s, et_clock_input *clk)
{
    et_device_lock(&s->dev);
    et_device_catch_up(&s->dev);
    if (clk == selected_clock(s)) {
        et_ptimer_transaction_begin(s->pt);
        et_ptimer_set_period_from_clock(s->pt, clk, 1);
        if (s->control & ET_SYSTICK_CSR_ENABLE) {
            apply_enable(s);
        }
        et_ptimer_transaction_commit(s->pt);
    }
    et_device_unlock(&s->dev);
}

static void cpuclk_changed(void *opaque, et_clock_input *clk)
{
    clock_changed(opaque, clk);
}

static void refclk_changed(void *opaque, et_clock_input *clk)
{
    clock_changed(opaque, clk);
}

static void systick_destroy(et_device *dev)
{
    systick *s = to_systick(dev);
    et_clock_input_remove_notify(s->cpuclk, s->cpuclk_cb);
    if (s->refclk) {
        et_clock_input_remove_notify(s->refclk, s->refclk_cb);
    }
    et_ptimer_free(s->pt);
    et_clock_input_free(s->own_refclk);
}

static const et_field systick_fields[] = {
    ET_FIELD_U32(systick, control, 1),
    ET_FIELD_PTIMER(systick, pt, 1),
    ET_FIELD_IRQ(systick, irq, 1),
    ET_FIELD_END
};

static const et_vmstate systick_state = { "armv7m-systick", 1, systick_fields };

static const et_device_ops systick_ops = {
    .type = "armv7m-systick",
    .region_size = ET_SYSTICK_REGION,
    .access_sizes = ET_ACCESS_4,
    .unaligned_ok = false,
    .read = systick_read,
    .write = systick_write,
    .reset = systick_reset,
    .destroy = systick_destroy,
    .state = &systick_state,
};

et_device *et_armv7m_systick_new(et_clock *clock, const char *name,
                                 const et_armv7m_systick_config *cfg, char *err,
                                 size_t errlen)
{
    const char *problem = NULL;
    if (!clock) {
        problem = "armv7m-systick: a clock is required";
    } else if (!cfg) {
        problem = "armv7m-systick: a configuration is required";
    } else if (!cfg->cpuclk) {
        problem = "armv7m-systick: the processor clock (cfg->cpuclk) must be connected";
    } else if (cfg->refclk && cfg->refclk_hz) {
        problem = "armv7m-systick: give either a reference clock input (cfg->refclk) or a "
                  "fixed rate (cfg->refclk_hz), not both";
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    systick *s = et__xcalloc(1, sizeof(*s));
    et_device_init(&s->dev, &systick_ops, clock, name, &systick_lock_class);
    s->pt = et_device_ptimer_new(&s->dev, systick_expired, s,
                                 ET_PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD |
                                     ET_PTIMER_POLICY_NO_COUNTER_ROUND_DOWN |
                                     ET_PTIMER_POLICY_NO_IMMEDIATE_RELOAD |
                                     ET_PTIMER_POLICY_TRIGGER_ONLY_ON_DECREMENT);
    et_irq_init(&s->irq, &s->dev, "systick");
    et_device_add_irq(&s->dev, &s->irq);
    s->cpuclk = cfg->cpuclk;
    s->refclk = cfg->refclk;
    if (!s->refclk && cfg->refclk_hz) {
        s->own_refclk = et_clock_input_new("refclk");
        et_clock_input_set_hz(s->own_refclk, cfg->refclk_hz);
        s->refclk = s->own_refclk;
    }
    et_device_reset(&s->dev);
    s->cpuclk_cb = et_clock_input_add_notify(s->cpuclk, cpuclk_changed, s);
    if (s->refclk) {
        s->refclk_cb = et_clock_input_add_notify(s->refclk, refclk_changed, s);
    }
    return &s->dev;
}
