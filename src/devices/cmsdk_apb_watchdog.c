/* ARM CMSDK APB watchdog: the "APB watchdog" of the Cortex-M System Design
 * Kit, ARM DDI 0479 (CMSDK Technical Reference Manual), and the TI Stellaris
 * (Luminary Micro) watchdog derived from the same design (LM3S datasheets,
 * "Watchdog Timer"). Cycle details checked against the CMSDK watchdog RTL
 * (cmsdk_apb_watchdog_frc.v) and TI's description of the same IP.
 *
 * Modelled: every register (LOAD, VALUE, CONTROL, INTCLR, RIS, MIS, LOCK,
 * ITCR, ITOP, IDs; Luminary: TEST and its IDs, no ITCR/ITOP), WDOGINT and
 * WDOGRES as output lines, WDOGCLK as a clock input followed at run time.
 * The counter is a ptimer with QEMU's CMSDK policies (WRAP_AFTER_ONE_PERIOD
 * | TRIGGER_ONLY_ON_DECREMENT | NO_IMMEDIATE_RELOAD | NO_COUNTER_ROUND_DOWN):
 * the zero event happens on the tick the count reaches 0, which it holds
 * for one tick before reloading LOAD.
 *
 * INTEN is the counter enable (QEMU's November 2024 fix): reset leaves the
 * counter stopped; INTEN 0 -> 1 reloads and runs; 1 -> 0 stops.
 *
 * Zero event: RIS clear -> set RIS. RIS set and RESEN set -> assert WDOGRES
 * and stop the counter until LOAD is written. RIS set and RESEN clear ->
 * nothing (the RTL only latches the reset while RESEN is set; TI: "if the
 * timer counts down to its zero state again before the first time-out
 * interrupt is cleared, and the reset signal has been enabled by setting
 * the RESEN bit, the Watchdog timer asserts its reset signal").
 *
 * Not modelled: WDOGCLKEN; the Luminary STALL bit's effect (there is no
 * debugger to halt the model); ECOREVNUM (PID3 bits 7:4 read 0); the
 * RTL's one-WDOGCLK delay of the status and reset registers. A LOAD of 0
 * gives one zero event at the write (the RTL repeats it every tick, so with
 * RIS already set and RESEN it would reset one tick later); the counter
 * then rests at 0.
 *
 * Deliberate differences from QEMU (docs/divergences.md; tests in
 * tests/devices/test_cmsdk_apb_watchdog.c):
 *   - QEMU 7.2: the counter runs from reset and INTEN does not gate it;
 *   - a second zero with RESEN clear neither stops the counter nor latches a
 *     hidden reset status (QEMU does both, so setting RESEN later resets at
 *     once);
 *   - clearing RESEN deasserts WDOGRES; WDOGRES is an output line, not a
 *     direct machine reset;
 *   - a LOAD write restarts a counter stopped by a watchdog reset;
 *   - INTCLR reloads the count only while the counter runs;
 *   - LOAD = 0 sets RIS (QEMU stops the counter without an interrupt);
 *   - a stopped-then-restarted WDOGCLK resumes the count.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "devices/apb_access.h"
#include "emutime/devices/cmsdk_apb_watchdog.h"

#define CONTROL_MASK 0x3u
#define ITCR_MASK 0x1u
#define ITOP_MASK 0x3u
#define ITOP_WDOGRES 0x1u
#define ITOP_WDOGINT 0x2u

/* PID4..PID7, PID0..PID3, CID0..CID3 (0xFD0..0xFFC). */
static const uint8_t cmsdk_ids[12] = {
    0x04, 0x00, 0x00, 0x00, 0x24, 0xB8, 0x1B, 0x00, 0x0D, 0xF0, 0x05, 0xB1,
};
static const uint8_t luminary_ids[12] = {
    0x00, 0x00, 0x00, 0x00, 0x05, 0x18, 0x18, 0x01, 0x0D, 0xF0, 0x05, 0xB1,
};

typedef struct cmsdk_watchdog {
    et_device dev;
    et_ptimer *pt; /* count = VALUE, limit = LOAD; always periodic */
    et_irq_line wdogint;
    et_irq_line wdogres;
    et_clock_input *wdogclk;
    unsigned wdogclk_cb;
    bool luminary;
    uint32_t control;
    uint32_t ris;
    uint32_t lock;
    uint32_t itcr;
    uint32_t itop;
    uint32_t test;       /* Luminary WDTTEST */
    bool reset_asserted; /* the counter's WDOGRES (before the test mux) */
    bool reset_stopped;  /* counter halted by a reset until LOAD is written */
} cmsdk_watchdog;

static et_lock_class watchdog_lock_class = ET_LOCK_CLASS_INIT("cmsdk-apb-watchdog");

static cmsdk_watchdog *to_wdog(et_device *dev)
{
    return (cmsdk_watchdog *)dev;
}

static void update_outputs(cmsdk_watchdog *w)
{
    bool intr, res;
    if (w->itcr) {
        intr = (w->itop & ITOP_WDOGINT) != 0;
        res = (w->itop & ITOP_WDOGRES) != 0;
    } else {
        intr = w->ris && (w->control & ET_CMSDK_WDOG_CTRL_INTEN);
        res = w->reset_asserted;
    }
    et_irq_set(&w->wdogint, intr);
    et_irq_set(&w->wdogres, res);
}

static bool counter_runs(const cmsdk_watchdog *w)
{
    return (w->control & ET_CMSDK_WDOG_CTRL_INTEN) && !w->reset_stopped;
}

/* Puts the ptimer in the state CONTROL asks for (inside a transaction): a
 * running counter is left alone, a stopped one resumes from its count. */
static void apply_run(cmsdk_watchdog *w)
{
    if (counter_runs(w)) {
        et_ptimer_run(w->pt, 0);
    } else {
        et_ptimer_stop(w->pt);
    }
}

/* The count reached 0 (inside a ptimer transaction, lock held). */
static void zero_event(cmsdk_watchdog *w)
{
    if (!w->ris) {
        w->ris = 1;
    } else if (w->control & ET_CMSDK_WDOG_CTRL_RESEN) {
        w->reset_asserted = true;
        w->reset_stopped = true;
        et_ptimer_stop(w->pt);
    }
    et_device_trace(&w->dev, "expire", "ris %u reset %u", (unsigned)w->ris,
                    (unsigned)w->reset_asserted);
    update_outputs(w);
}

static void watchdog_expired(void *opaque)
{
    zero_event(opaque);
}

static const uint8_t *ids_of(const cmsdk_watchdog *w)
{
    return w->luminary ? luminary_ids : cmsdk_ids;
}

static uint32_t read_reg(cmsdk_watchdog *w, uint32_t reg)
{
    switch (reg) {
    case ET_CMSDK_WDOG_LOAD:
        return (uint32_t)et_ptimer_get_limit(w->pt);
    case ET_CMSDK_WDOG_VALUE:
        return (uint32_t)et_ptimer_get_count(w->pt);
    case ET_CMSDK_WDOG_CONTROL:
        return w->control;
    case ET_CMSDK_WDOG_RIS:
        return w->ris;
    case ET_CMSDK_WDOG_MIS:
        return w->ris && (w->control & ET_CMSDK_WDOG_CTRL_INTEN);
    case ET_CMSDK_WDOG_LOCK:
        return w->lock;
    case ET_CMSDK_WDOG_INTCLR:
        et_device_guest_error(&w->dev, "read of write-only WDOGINTCLR (reads as 0)");
        return 0;
    case ET_CMSDK_WDOG_ITCR:
        if (!w->luminary) {
            return w->itcr;
        }
        break;
    case ET_CMSDK_WDOG_ITOP:
        if (!w->luminary) {
            et_device_guest_error(&w->dev, "read of write-only WDOGITOP (reads as 0)");
            return 0;
        }
        break;
    case ET_CMSDK_WDOG_TEST:
        if (w->luminary) {
            return w->test;
        }
        break;
    default:
        if (reg >= ET_CMSDK_WDOG_PID4) {
            return ids_of(w)[(reg - ET_CMSDK_WDOG_PID4) / 4];
        }
        break;
    }
    et_device_guest_error(&w->dev, "read of unknown register 0x%03x (reads as 0)", reg);
    return 0;
}

static void write_control(cmsdk_watchdog *w, uint32_t value)
{
    if (w->luminary && (w->control & ET_CMSDK_WDOG_CTRL_INTEN)) {
        return; /* Stellaris: fixed once INTEN is set, until reset */
    }
    if (value & ~CONTROL_MASK) {
        et_device_guest_error(&w->dev, "WDOGCONTROL: reserved bits 0x%x ignored",
                              value & ~CONTROL_MASK);
    }
    uint32_t old = w->control;
    w->control = value & CONTROL_MASK;
    if (!(w->control & ET_CMSDK_WDOG_CTRL_RESEN)) {
        w->reset_asserted = false; /* RESEN masks (and clears) WDOGRES */
    }
    et_ptimer_transaction_begin(w->pt);
    if ((w->control & ~old & ET_CMSDK_WDOG_CTRL_INTEN) && !w->reset_stopped) {
        /* Enabling reloads from LOAD, not the last count. */
        et_ptimer_set_count(w->pt, et_ptimer_get_limit(w->pt));
    }
    apply_run(w);
    et_ptimer_transaction_commit(w->pt);
}

static void write_reg(cmsdk_watchdog *w, uint32_t reg, uint32_t value)
{
    if (w->lock && reg != ET_CMSDK_WDOG_LOCK) {
        et_device_guest_error(&w->dev, "write to 0x%03x ignored: the watchdog is locked", reg);
        return;
    }
    switch (reg) {
    case ET_CMSDK_WDOG_LOAD:
        et_ptimer_transaction_begin(w->pt);
        et_ptimer_set_limit(w->pt, value, 1);
        w->reset_stopped = false; /* a new LOAD restarts a halted counter */
        apply_run(w);
        if (value == 0) {
            zero_event(w);
        }
        et_ptimer_transaction_commit(w->pt);
        break;
    case ET_CMSDK_WDOG_CONTROL:
        write_control(w, value);
        break;
    case ET_CMSDK_WDOG_INTCLR:
        w->ris = 0;
        if (counter_runs(w)) {
            et_ptimer_transaction_begin(w->pt);
            et_ptimer_set_count(w->pt, et_ptimer_get_limit(w->pt));
            et_ptimer_transaction_commit(w->pt);
        }
        break;
    case ET_CMSDK_WDOG_LOCK:
        w->lock = value != ET_CMSDK_WDOG_UNLOCK_KEY;
        return;
    case ET_CMSDK_WDOG_ITCR:
    case ET_CMSDK_WDOG_ITOP:
        if (w->luminary) {
            goto unknown;
        }
        {
            uint32_t mask = reg == ET_CMSDK_WDOG_ITCR ? ITCR_MASK : ITOP_MASK;
            if (value & ~mask) {
                et_device_guest_error(&w->dev, "%s: reserved bits 0x%x ignored",
                                      reg == ET_CMSDK_WDOG_ITCR ? "WDOGITCR" : "WDOGITOP",
                                      value & ~mask);
            }
            if (reg == ET_CMSDK_WDOG_ITCR) {
                w->itcr = value & mask;
            } else {
                w->itop = value & mask;
            }
        }
        break;
    case ET_CMSDK_WDOG_TEST:
        if (!w->luminary) {
            goto unknown;
        }
        if (value & ~ET_CMSDK_WDOG_TEST_STALL) {
            et_device_guest_error(&w->dev, "WDTTEST: reserved bits 0x%x ignored",
                                  value & ~ET_CMSDK_WDOG_TEST_STALL);
        }
        w->test = value & ET_CMSDK_WDOG_TEST_STALL;
        return;
    case ET_CMSDK_WDOG_VALUE:
    case ET_CMSDK_WDOG_RIS:
    case ET_CMSDK_WDOG_MIS:
        et_device_guest_error(&w->dev, "write to read-only register 0x%03x ignored", reg);
        return;
    default:
        if (reg >= ET_CMSDK_WDOG_PID4) {
            et_device_guest_error(&w->dev, "write to read-only ID register 0x%03x ignored",
                                  reg);
            return;
        }
    unknown:
        et_device_guest_error(&w->dev, "write to unknown register 0x%03x ignored", reg);
        return;
    }
    update_outputs(w);
}

/* Narrow accesses: devices/apb_access.h. */
static uint64_t watchdog_read(et_device *dev, uint64_t offset, unsigned size)
{
    return et__apb_read(read_reg(to_wdog(dev), (uint32_t)offset & ~3u), offset, size);
}

static void watchdog_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    uint32_t v;
    if (et__apb_write(dev, offset, value, size, &v)) {
        write_reg(to_wdog(dev), (uint32_t)offset & ~3u, v);
    }
}

static void watchdog_reset(et_device *dev)
{
    cmsdk_watchdog *w = to_wdog(dev);
    w->control = 0;
    w->ris = 0;
    w->lock = 0;
    w->itcr = 0;
    w->itop = 0;
    w->test = 0;
    w->reset_asserted = false;
    w->reset_stopped = false;
    et_ptimer_transaction_begin(w->pt);
    /* Stop first: a stop after set_limit would overwrite the new count. */
    et_ptimer_stop(w->pt);
    et_ptimer_set_limit(w->pt, 0xFFFFFFFFu, 1);
    et_ptimer_transaction_commit(w->pt);
    update_outputs(w);
}

/* WDOGCLK changed: the count so far is kept and continues at the new rate;
 * a stopped clock (period 0) halts it until the clock runs again. */
static void wdogclk_changed(void *opaque, et_clock_input *clk)
{
    cmsdk_watchdog *w = opaque;
    et_device_lock(&w->dev);
    et_device_catch_up(&w->dev);
    et_ptimer_transaction_begin(w->pt);
    et_ptimer_set_period_from_clock(w->pt, clk, 1);
    apply_run(w);
    et_ptimer_transaction_commit(w->pt);
    et_device_unlock(&w->dev);
}

static void watchdog_destroy(et_device *dev)
{
    cmsdk_watchdog *w = to_wdog(dev);
    et_clock_input_remove_notify(w->wdogclk, w->wdogclk_cb);
    et_ptimer_free(w->pt);
}

static const et_field watchdog_fields[] = {
    ET_FIELD_PTIMER(cmsdk_watchdog, pt, 1),
    ET_FIELD_U32(cmsdk_watchdog, control, 1),
    ET_FIELD_U32(cmsdk_watchdog, ris, 1),
    ET_FIELD_U32(cmsdk_watchdog, lock, 1),
    ET_FIELD_U32(cmsdk_watchdog, itcr, 1),
    ET_FIELD_U32(cmsdk_watchdog, itop, 1),
    ET_FIELD_U32(cmsdk_watchdog, test, 1),
    ET_FIELD_BOOL(cmsdk_watchdog, reset_asserted, 1),
    ET_FIELD_BOOL(cmsdk_watchdog, reset_stopped, 1),
    ET_FIELD_IRQ(cmsdk_watchdog, wdogint, 1),
    ET_FIELD_IRQ(cmsdk_watchdog, wdogres, 1),
    ET_FIELD_END
};

static const et_vmstate cmsdk_state = { "cmsdk-apb-watchdog", 1, watchdog_fields };
static const et_vmstate luminary_state = { "luminary-watchdog", 1, watchdog_fields };

static const et_device_ops cmsdk_ops = {
    .type = "cmsdk-apb-watchdog",
    .region_size = ET_CMSDK_WDOG_REGION,
    .access_sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
    .unaligned_ok = false,
    .read = watchdog_read,
    .write = watchdog_write,
    .reset = watchdog_reset,
    .destroy = watchdog_destroy,
    .state = &cmsdk_state,
};

static const et_device_ops luminary_ops = {
    .type = "luminary-watchdog",
    .region_size = ET_CMSDK_WDOG_REGION,
    .access_sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
    .unaligned_ok = false,
    .read = watchdog_read,
    .write = watchdog_write,
    .reset = watchdog_reset,
    .destroy = watchdog_destroy,
    .state = &luminary_state,
};

et_device *et_cmsdk_apb_watchdog_new(et_clock *clock, const char *name,
                                     const et_cmsdk_apb_watchdog_config *cfg, char *err,
                                     size_t errlen)
{
    const char *problem = NULL;
    if (!clock) {
        problem = "cmsdk-apb-watchdog: a clock is required";
    } else if (!cfg) {
        problem = "cmsdk-apb-watchdog: a configuration is required";
    } else if (!cfg->wdogclk) {
        problem = "cmsdk-apb-watchdog: the WDOGCLK clock input (cfg->wdogclk) must be connected";
    } else if (cfg->variant != ET_CMSDK_WATCHDOG_CMSDK &&
               cfg->variant != ET_CMSDK_WATCHDOG_LUMINARY) {
        problem = "cmsdk-apb-watchdog: unknown variant (use ET_CMSDK_WATCHDOG_CMSDK or "
                  "ET_CMSDK_WATCHDOG_LUMINARY)";
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    cmsdk_watchdog *w = et__xcalloc(1, sizeof(*w));
    w->luminary = cfg->variant == ET_CMSDK_WATCHDOG_LUMINARY;
    et_device_init(&w->dev, w->luminary ? &luminary_ops : &cmsdk_ops, clock, name,
                   &watchdog_lock_class);
    w->pt = et_device_ptimer_new(&w->dev, watchdog_expired, w,
                                 ET_PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD |
                                     ET_PTIMER_POLICY_TRIGGER_ONLY_ON_DECREMENT |
                                     ET_PTIMER_POLICY_NO_IMMEDIATE_RELOAD |
                                     ET_PTIMER_POLICY_NO_COUNTER_ROUND_DOWN);
    et_irq_init(&w->wdogint, &w->dev, "wdogint");
    et_irq_init(&w->wdogres, &w->dev, "reset");
    et_device_add_irq(&w->dev, &w->wdogint);
    et_device_add_irq(&w->dev, &w->wdogres);
    w->wdogclk = cfg->wdogclk;

    et_device_lock(&w->dev);
    et_ptimer_transaction_begin(w->pt);
    et_ptimer_set_period_from_clock(w->pt, w->wdogclk, 1);
    et_ptimer_transaction_commit(w->pt);
    et_device_unlock(&w->dev);
    et_device_reset(&w->dev);
    w->wdogclk_cb = et_clock_input_add_notify(w->wdogclk, wdogclk_changed, w);
    return &w->dev;
}
