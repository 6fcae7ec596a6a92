/* ARM CMSDK APB timer: the "APB timer" of the Cortex-M System Design Kit,
 * ARM DDI 0479 (CMSDK Technical Reference Manual), section "APB timer".
 *
 * Modelled: CTRL, VALUE, RELOAD, INTSTATUS/INTCLEAR, the ID registers, the
 * TIMERINT output, PCLK as a clock input followed at run time (a period of 0
 * stops the count until the clock runs again).
 *
 * Counting follows the TRM and QEMU's documented model (ptimer policies
 * WRAP_AFTER_ONE_PERIOD | TRIGGER_ONLY_ON_DECREMENT | NO_IMMEDIATE_RELOAD |
 * NO_COUNTER_ROUND_DOWN): the status is set when VALUE steps from 1 to 0 and
 * IRQEN is set, VALUE holds 0 for one tick and then reloads, RELOAD = 0 gives
 * no interrupt. A RELOAD write also sets VALUE, as the TRM's register table
 * says (the r1p0 RTL only updates the reload register; we follow the TRM).
 *
 * Not modelled: EXTIN (CTRL bits 1 and 2 select it as a clock or an enable).
 * The bits are stored and read back; the first time a guest sets one it is
 * reported once as a guest error, and the timer keeps counting PCLK.
 * ECOREVNUM (PID3 bits 7:4) reads as 0.
 *
 * Differences from QEMU 7.2 (docs/divergences.md): none in the counting;
 * a PCLK that stops and runs again resumes an enabled count (QEMU's ptimer
 * stays stopped until CTRL is written); narrow reads at bytes 1-3 give the
 * register's byte lanes (QEMU: a bad offset).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "devices/apb_access.h"
#include "emutime/devices/cmsdk_apb_timer.h"

#define CTRL_MASK 0xFu

/* PID4..PID7, PID0..PID3, CID0..CID3 (0xFD0..0xFFC): part 0x822. */
static const uint8_t timer_ids[12] = {
    0x04, 0x00, 0x00, 0x00, 0x22, 0xB8, 0x1B, 0x00, 0x0D, 0xF0, 0x05, 0xB1,
};

typedef struct cmsdk_timer {
    et_device dev;
    et_ptimer *pt;      /* count = VALUE, limit = RELOAD */
    et_irq_line timerint;
    et_clock_input *pclk;
    unsigned pclk_cb;
    uint32_t ctrl;
    uint32_t intstatus;
    bool extin_reported; /* logging only: not guest state */
} cmsdk_timer;

static et_lock_class cmsdk_timer_lock_class = ET_LOCK_CLASS_INIT("cmsdk-apb-timer");

static cmsdk_timer *to_timer(et_device *dev)
{
    return (cmsdk_timer *)dev;
}

static void update_irq(cmsdk_timer *t)
{
    et_irq_set(&t->timerint, t->intstatus != 0);
}

/* Puts the ptimer in the running state CTRL asks for (inside a transaction).
 * With RELOAD = 0 the counter runs as a one-shot: it stops at 0, and no
 * further 1 -> 0 step can happen. Calling it on a running timer only
 * switches its mode; on an expired one-shot it stays stopped. */
static void apply_enable(cmsdk_timer *t)
{
    if (t->ctrl & ET_CMSDK_TIMER_CTRL_EN) {
        et_ptimer_run(t->pt, et_ptimer_get_limit(t->pt) == 0);
    } else {
        et_ptimer_stop(t->pt);
    }
}

/* The 1 -> 0 step (under the device lock, inside the expiry's transaction:
 * VALUE already reads 0 and the reload is armed). */
static void timer_expired(void *opaque)
{
    cmsdk_timer *t = opaque;
    if (t->ctrl & ET_CMSDK_TIMER_CTRL_IRQEN) {
        t->intstatus = 1;
    }
    et_device_trace(&t->dev, "expire", "intstatus %u", (unsigned)t->intstatus);
    update_irq(t);
}

static uint32_t read_reg(cmsdk_timer *t, uint64_t reg)
{
    switch (reg) {
    case ET_CMSDK_TIMER_CTRL:
        return t->ctrl;
    case ET_CMSDK_TIMER_VALUE:
        return (uint32_t)et_ptimer_get_count(t->pt);
    case ET_CMSDK_TIMER_RELOAD:
        return (uint32_t)et_ptimer_get_limit(t->pt);
    case ET_CMSDK_TIMER_INTSTATUS:
        return t->intstatus;
    default:
        if (reg >= ET_CMSDK_TIMER_PID4 && reg <= 0xFFC) {
            return timer_ids[(reg - ET_CMSDK_TIMER_PID4) / 4];
        }
        et_device_guest_error(&t->dev, "read of unknown register 0x%03llx (reads as 0)",
                              (unsigned long long)reg);
        return 0;
    }
}

static void write_ctrl(cmsdk_timer *t, uint32_t value)
{
    if (value & ~CTRL_MASK) {
        et_device_guest_error(&t->dev, "CTRL: reserved bits 0x%x ignored", value & ~CTRL_MASK);
    }
    value &= CTRL_MASK;
    if ((value & (ET_CMSDK_TIMER_CTRL_SELEXTEN | ET_CMSDK_TIMER_CTRL_SELEXTCLK)) &&
        !t->extin_reported) {
        t->extin_reported = true;
        et_device_guest_error(&t->dev, "CTRL: EXTIN (SELEXTEN/SELEXTCLK) is not modelled; "
                                       "the timer counts PCLK");
    }
    t->ctrl = value;
    et_ptimer_transaction_begin(t->pt);
    apply_enable(t);
    et_ptimer_transaction_commit(t->pt);
}

static void write_reg(cmsdk_timer *t, uint64_t reg, uint32_t value)
{
    switch (reg) {
    case ET_CMSDK_TIMER_CTRL:
        write_ctrl(t, value);
        break;
    case ET_CMSDK_TIMER_VALUE:
        et_ptimer_transaction_begin(t->pt);
        if (value == 0 && et_ptimer_get_limit(t->pt) == 0) {
            et_ptimer_stop(t->pt); /* 0 with RELOAD 0: nothing left to count */
        }
        et_ptimer_set_count(t->pt, value);
        if (value != 0 && (t->ctrl & ET_CMSDK_TIMER_CTRL_EN)) {
            apply_enable(t); /* restart an expired one-shot */
        }
        et_ptimer_transaction_commit(t->pt);
        break;
    case ET_CMSDK_TIMER_RELOAD:
        et_ptimer_transaction_begin(t->pt);
        if (value == 0) {
            /* Stop first, so the stop does not overwrite the new count. */
            et_ptimer_stop(t->pt);
        }
        et_ptimer_set_limit(t->pt, value, 1);
        if (value != 0 && (t->ctrl & ET_CMSDK_TIMER_CTRL_EN)) {
            et_ptimer_run(t->pt, 0); /* periodic now, even if it was a one-shot */
        }
        et_ptimer_transaction_commit(t->pt);
        break;
    case ET_CMSDK_TIMER_INTSTATUS:
        if (value & 1) {
            t->intstatus = 0;
        }
        /* Only this write drives the line, as in QEMU: qtest sees a
         * repeated level here and not after the other writes, which
         * cannot change it. */
        update_irq(t);
        break;
    default:
        if (reg >= ET_CMSDK_TIMER_PID4 && reg <= 0xFFC) {
            et_device_guest_error(&t->dev, "write to read-only ID register 0x%03llx ignored",
                                  (unsigned long long)reg);
        } else {
            et_device_guest_error(&t->dev, "write to unknown register 0x%03llx ignored",
                                  (unsigned long long)reg);
        }
        return;
    }
}

/* Narrow accesses: devices/apb_access.h. */
static uint64_t timer_read(et_device *dev, uint64_t offset, unsigned size)
{
    return et__apb_read(read_reg(to_timer(dev), offset & ~(uint64_t)3), offset, size);
}

static void timer_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    uint32_t v;
    if (et__apb_write(dev, offset, value, size, &v)) {
        write_reg(to_timer(dev), offset & ~(uint64_t)3, v);
    }
}

static void timer_reset(et_device *dev)
{
    cmsdk_timer *t = to_timer(dev);
    t->ctrl = 0;
    t->intstatus = 0;
    et_ptimer_transaction_begin(t->pt);
    et_ptimer_stop(t->pt);
    et_ptimer_set_limit(t->pt, 0, 1);
    et_ptimer_transaction_commit(t->pt);
    update_irq(t);
}

/* PCLK changed frequency: the count so far is kept (frozen at the old rate)
 * and continues at the new one. A clock that stops (period 0) stops the
 * count; when it runs again the counter resumes if EN is set. */
static void pclk_changed(void *opaque, et_clock_input *clk)
{
    cmsdk_timer *t = opaque;
    et_device_lock(&t->dev);
    et_device_catch_up(&t->dev);
    et_ptimer_transaction_begin(t->pt);
    et_ptimer_set_period_from_clock(t->pt, clk, 1);
    if (t->ctrl & ET_CMSDK_TIMER_CTRL_EN) {
        apply_enable(t);
    }
    et_ptimer_transaction_commit(t->pt);
    et_device_unlock(&t->dev);
}

static void timer_destroy(et_device *dev)
{
    cmsdk_timer *t = to_timer(dev);
    et_clock_input_remove_notify(t->pclk, t->pclk_cb);
    et_ptimer_free(t->pt);
}

static const et_field timer_fields[] = {
    ET_FIELD_U32(cmsdk_timer, ctrl, 1),
    ET_FIELD_U32(cmsdk_timer, intstatus, 1),
    ET_FIELD_PTIMER(cmsdk_timer, pt, 1),
    ET_FIELD_IRQ(cmsdk_timer, timerint, 1),
    ET_FIELD_END
};

static const et_vmstate timer_state = { "cmsdk-apb-timer", 1, timer_fields };

static const et_device_ops timer_ops = {
    .type = "cmsdk-apb-timer",
    .region_size = ET_CMSDK_TIMER_REGION,
    .access_sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
    .unaligned_ok = false,
    .read = timer_read,
    .write = timer_write,
    .reset = timer_reset,
    .destroy = timer_destroy,
    .state = &timer_state,
};

et_device *et_cmsdk_apb_timer_new(et_clock *clock, const char *name,
                                  const et_cmsdk_apb_timer_config *cfg, char *err,
                                  size_t errlen)
{
    const char *problem = NULL;
    if (!clock) {
        problem = "cmsdk-apb-timer: a clock is required";
    } else if (!cfg) {
        problem = "cmsdk-apb-timer: a configuration is required";
    } else if (!cfg->pclk) {
        problem = "cmsdk-apb-timer: the PCLK clock input (cfg->pclk) must be connected";
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    cmsdk_timer *t = et__xcalloc(1, sizeof(*t));
    et_device_init(&t->dev, &timer_ops, clock, name, &cmsdk_timer_lock_class);
    t->pt = et_device_ptimer_new(&t->dev, timer_expired, t,
                                 ET_PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD |
                                     ET_PTIMER_POLICY_TRIGGER_ONLY_ON_DECREMENT |
                                     ET_PTIMER_POLICY_NO_IMMEDIATE_RELOAD |
                                     ET_PTIMER_POLICY_NO_COUNTER_ROUND_DOWN);
    et_irq_init(&t->timerint, &t->dev, "timerint");
    et_device_add_irq(&t->dev, &t->timerint);
    t->pclk = cfg->pclk;

    et_device_lock(&t->dev);
    et_ptimer_transaction_begin(t->pt);
    et_ptimer_set_period_from_clock(t->pt, t->pclk, 1);
    et_ptimer_transaction_commit(t->pt);
    et_device_unlock(&t->dev);
    et_device_reset(&t->dev);
    t->pclk_cb = et_clock_input_add_notify(t->pclk, pclk_changed, t);
    return &t->dev;
}
