/* ARM SP804 dual-input timer (ARM DDI 0271, "ARM Dual-Timer Module (SP804)
 * Technical Reference Manual") and the Integrator/CP counter/timers (ARM DUI
 * 0159, "Integrator/CP User Guide", counter/timer interface), both built on
 * the shared SP804-style counter (sp804_counter.c, which documents the
 * counting rules).
 *
 * Modelled: every register of both counters, the integration test
 * registers (ITCR/ITOP drive TIMINT1/TIMINT2 and so TIMINTC), the ID
 * registers, the combined and per-counter outputs, one TIMCLK input per
 * counter followed at run time. Not modelled: TIMCLKEN gating, the
 * prescaler's phase, scan/test inputs.
 *
 * Deliberate differences from QEMU 7.2's hw/timer/arm_timer.c
 * (docs/divergences.md, each with a test in tests/devices/test_sp804.c):
 *   - periodic period is Load + 1 ticks, Value reads 0 for one tick (QEMU's
 *     LEGACY ptimer: Load ticks, never 0);
 *   - Control writes do not reload the count (QEMU reloads on any write
 *     with TimerEn set, so toggling IntEnable restarts the period);
 *   - Load in free-running mode sets the count to the written value (QEMU:
 *     to 0xFFFF / 0xFFFFFFFF);
 *   - 16-bit mode counts 16 bits even when Load is larger (QEMU counts the
 *     whole Load value);
 *   - Value resets to 0xFFFFFFFF (QEMU: 0);
 *   - Load = 0 raises RIS at once even while the counter is disabled
 *     (QEMU: only when enabled, through its LEGACY immediate trigger);
 *   - the frequency comes from a clock input followed at run time (QEMU: a
 *     fixed property), and the per-counter outputs exist (QEMU: TIMINTC only);
 *   - ITCR/ITOP are implemented (QEMU reads 0 and logs "unimplemented").
 * The undefined prescale 0b11 divides by 1, as in QEMU.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "devices/sp804_counter.h"
#include "emutime/devices/sp804.h"

/* PeriphID0..3 then PCellID0..3: part 0x804, designer 0x41 (ARM), rev 1. */
static const uint8_t sp804_ids[8] = { 0x04, 0x18, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1 };

/* The undefined prescale 0b11 divides by 1, as in QEMU's arm_timer.c. */
static const et__sp804_dual_model sp804_model = {
    .ids = sp804_ids,
    .ids_base = ET_SP804_PERIPHID0,
    .variant = { .prescale3_divisor = 1, .load_drives_irq = true },
};

/* --- SP804 ---------------------------------------------------------------- */

static et_lock_class sp804_lock_class = ET_LOCK_CLASS_INIT("sp804");

static const et_vmstate sp804_state = { "sp804", 1, et__sp804_dual_fields };

static const et_device_ops sp804_ops = {
    .type = "sp804",
    .region_size = ET_SP804_REGION,
    .access_sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
    .unaligned_ok = false,
    .read = et__sp804_dual_read,
    .write = et__sp804_dual_write,
    .reset = et__sp804_dual_reset,
    .destroy = et__sp804_dual_destroy,
    .state = &sp804_state,
};

et_device *et_sp804_new(et_clock *clock, const char *name, const et_sp804_config *cfg,
                        char *err, size_t errlen)
{
    if (!clock) {
        et__error(err, errlen, ET_EINVAL, "sp804: a clock is required");
        return NULL;
    }
    if (!cfg) {
        et__error(err, errlen, ET_EINVAL, "sp804: a configuration is required");
        return NULL;
    }
    if (!cfg->timclk[0]) {
        et__error(err, errlen, ET_EINVAL,
                  "sp804: the TIMCLK clock input (cfg->timclk[0]) must be connected");
        return NULL;
    }
    return et__sp804_dual_new(clock, name, &sp804_ops, &sp804_lock_class, &sp804_model,
                              cfg->timclk[0], cfg->timclk[1] ? cfg->timclk[1] : cfg->timclk[0]);
}

/* --- Integrator/CP PIT ----------------------------------------------------- */

typedef struct icp_pit {
    et_device dev;
    et__sp804_counter counters[3];
    et_irq_line irq[3];
} icp_pit;

static et_lock_class icp_pit_lock_class = ET_LOCK_CLASS_INIT("integrator-pit");

static icp_pit *to_pit(et_device *dev)
{
    return (icp_pit *)dev;
}

static void pit_update(et_device *dev)
{
    icp_pit *p = to_pit(dev);
    for (unsigned i = 0; i < 3; i++) {
        et_irq_set(&p->irq[i], et__sp804_counter_mis(&p->counters[i]));
    }
}

static bool pit_decode(icp_pit *p, uint32_t reg, const char *what)
{
    if (reg / ET_ICP_PIT_TIMER_STRIDE < 3 && (reg % ET_ICP_PIT_TIMER_STRIDE) <= SP804_BGLOAD) {
        return true;
    }
    et_device_guest_error(&p->dev, "%s of unknown register 0x%03x (%s)", what, reg,
                          what[0] == 'r' ? "reads as 0" : "ignored");
    return false;
}

static uint64_t pit_read(et_device *dev, uint64_t offset, unsigned size)
{
    icp_pit *p = to_pit(dev);
    uint32_t reg = (uint32_t)offset & ~3u;
    uint32_t v = 0;
    if (pit_decode(p, reg, "read")) {
        v = et__sp804_counter_read(&p->counters[reg / ET_ICP_PIT_TIMER_STRIDE],
                                   reg % ET_ICP_PIT_TIMER_STRIDE);
    }
    return et__apb_read(v, offset, size);
}

static void pit_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    icp_pit *p = to_pit(dev);
    uint32_t reg = (uint32_t)offset & ~3u;
    uint32_t v;
    if (et__apb_write(dev, offset, value, size, &v) && pit_decode(p, reg, "write")) {
        et__sp804_counter_write(&p->counters[reg / ET_ICP_PIT_TIMER_STRIDE],
                                reg % ET_ICP_PIT_TIMER_STRIDE, v);
    }
}

static void pit_reset(et_device *dev)
{
    icp_pit *p = to_pit(dev);
    for (unsigned i = 0; i < 3; i++) {
        et__sp804_counter_reset(&p->counters[i]);
    }
    pit_update(dev);
}

static void pit_destroy(et_device *dev)
{
    icp_pit *p = to_pit(dev);
    for (unsigned i = 0; i < 3; i++) {
        et__sp804_counter_destroy(&p->counters[i]);
    }
}

static const et_field pit_fields[] = {
    ET_FIELD_STRUCT_ARRAY(icp_pit, counters, pt, ET_FT_PTIMER, 1),
    ET_FIELD_STRUCT_ARRAY(icp_pit, counters, control, ET_FT_U32, 1),
    ET_FIELD_STRUCT_ARRAY(icp_pit, counters, load, ET_FT_U32, 1),
    ET_FIELD_STRUCT_ARRAY(icp_pit, counters, high, ET_FT_U32, 1),
    ET_FIELD_STRUCT_ARRAY(icp_pit, counters, ris, ET_FT_BOOL, 1),
    ET_FIELD_ARRAY(icp_pit, irq, ET_FT_IRQ, 1),
    ET_FIELD_END
};

static const et_vmstate pit_state = { "integrator-pit", 1, pit_fields };

static const et_device_ops pit_ops = {
    .type = "integrator-pit",
    .region_size = ET_ICP_PIT_REGION,
    .access_sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
    .unaligned_ok = false,
    .read = pit_read,
    .write = pit_write,
    .reset = pit_reset,
    .destroy = pit_destroy,
    .state = &pit_state,
};

et_device *et_icp_pit_new(et_clock *clock, const char *name, const et_icp_pit_config *cfg,
                          char *err, size_t errlen)
{
    if (!clock) {
        et__error(err, errlen, ET_EINVAL, "integrator-pit: a clock is required");
        return NULL;
    }
    if (!cfg) {
        et__error(err, errlen, ET_EINVAL, "integrator-pit: a configuration is required");
        return NULL;
    }
    if (!cfg->timclk[0] || !cfg->timclk[1]) {
        et__error(err, errlen, ET_EINVAL,
                  "integrator-pit: timer 0's and timer 1's clock inputs "
                  "(cfg->timclk[0], cfg->timclk[1]) must be connected");
        return NULL;
    }
    icp_pit *p = et__xcalloc(1, sizeof(*p));
    static const char *const line_names[3] = { "timer0", "timer1", "timer2" };
    et_device_init(&p->dev, &pit_ops, clock, name, &icp_pit_lock_class);
    for (unsigned i = 0; i < 3; i++) {
        et_clock_input *clk = cfg->timclk[i] ? cfg->timclk[i] : cfg->timclk[1];
        et_irq_init(&p->irq[i], &p->dev, line_names[i]);
        et_device_add_irq(&p->dev, &p->irq[i]);
        et__sp804_counter_init(&p->counters[i], &p->dev, clk, i, &sp804_model.variant, pit_update);
    }
    et_device_reset(&p->dev);
    return &p->dev;
}
