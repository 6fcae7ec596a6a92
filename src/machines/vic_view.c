/* The ARM PrimeCell PL190 Vectored Interrupt Controller as a timer's
 * interrupt is seen through it (ARM DDI 0181E, PL190 TRM, 3.3 "Register
 * descriptions"): the status and enable registers, not the vectoring.
 *
 * Modelled: VICIRQSTATUS, VICFIQSTATUS, VICRAWINTR (input levels OR the
 * software interrupts), VICINTSELECT, VICINTENABLE/VICINTENCLEAR,
 * VICSOFTINT/VICSOFTINTCLEAR, VICPROTECTION and the identification
 * registers. Not modelled (read 0, writes reported as guest errors): the
 * vector address and control registers (VICVECTADDR and its priority
 * logic, VICDEFVECTADDR, VICVECTADDRn, VICVECTCNTLn) and the test
 * registers. The IRQ and FIQ outputs are output lines 0 and 1
 * of the view (et_machine_set_cpu_request_sink). 32-bit accesses only.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "machines/machine_internal.h"

#define VIC_INPUTS 32

#define REG_IRQSTATUS 0x000
#define REG_FIQSTATUS 0x004
#define REG_RAWINTR 0x008
#define REG_INTSELECT 0x00c
#define REG_INTENABLE 0x010
#define REG_INTENCLEAR 0x014
#define REG_SOFTINT 0x018
#define REG_SOFTINTCLEAR 0x01c
#define REG_PROTECTION 0x020
#define REG_PERIPHID0 0xfe0

/* PeriphID0-3 then PCellID0-3 (TRM 3.3.16, 3.3.17). */
static const uint8_t vic_id[8] = { 0x90, 0x11, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

typedef struct vic_view {
    et_device dev;
    uint32_t level;     /* input levels */
    uint32_t soft;      /* software interrupts */
    uint32_t enable;
    uint32_t select;    /* 1: FIQ */
    uint32_t protection;
    /* nVICIRQ and nVICFIQ towards the CPU (TRM 2.1), as levels: high while
     * VICIRQSTATUS / VICFIQSTATUS is non-zero. */
    et_irq_line irq, fiq;
} vic_view;

static void update_outputs(vic_view *s)
{
    uint32_t active = (s->level | s->soft) & s->enable;
    et_irq_set(&s->irq, (active & ~s->select) != 0);
    et_irq_set(&s->fiq, (active & s->select) != 0);
}

static uint64_t vic_read(et_device *dev, uint64_t offset, unsigned size)
{
    vic_view *s = (vic_view *)dev;
    uint32_t raw = s->level | s->soft;
    (void)size;
    switch (offset) {
    case REG_IRQSTATUS: return raw & s->enable & ~s->select;
    case REG_FIQSTATUS: return raw & s->enable & s->select;
    case REG_RAWINTR: return raw;
    case REG_INTSELECT: return s->select;
    case REG_INTENABLE: return s->enable;
    case REG_SOFTINT: return s->soft;
    case REG_PROTECTION: return s->protection;
    default:
        break;
    }
    if (offset >= REG_PERIPHID0 && offset < REG_PERIPHID0 + 4 * sizeof(vic_id)) {
        return vic_id[(offset - REG_PERIPHID0) / 4];
    }
    et_device_guest_error(dev, "read of VIC offset 0x%llx, not modelled (reads 0)",
                          (unsigned long long)offset);
    return 0;
}

static void write_regs(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    vic_view *s = (vic_view *)dev;
    uint32_t v = (uint32_t)value;
    (void)size;
    switch (offset) {
    case REG_INTSELECT: s->select = v; return;
    case REG_INTENABLE: s->enable |= v; return;
    case REG_INTENCLEAR: s->enable &= ~v; return;
    case REG_SOFTINT: s->soft |= v; return;
    case REG_SOFTINTCLEAR: s->soft &= ~v; return;
    case REG_PROTECTION: s->protection = v & 1; return;
    default:
        et_device_guest_error(dev, "write of 0x%x to VIC offset 0x%llx, not modelled", v,
                              (unsigned long long)offset);
        return;
    }
}

static void vic_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    write_regs(dev, offset, value, size);
    update_outputs((vic_view *)dev);
}

static void vic_reset(et_device *dev)
{
    vic_view *s = (vic_view *)dev;
    /* Input levels are wires: they stay. */
    s->soft = s->enable = s->select = s->protection = 0;
    update_outputs(s);
}

static const et_field vic_fields[] = {
    ET_FIELD_U32(vic_view, level, 1),
    ET_FIELD_U32(vic_view, soft, 1),
    ET_FIELD_U32(vic_view, enable, 1),
    ET_FIELD_U32(vic_view, select, 1),
    ET_FIELD_U32(vic_view, protection, 1),
    ET_FIELD_END,
};

static const et_vmstate vic_state = { "pl190-view", 1, vic_fields };

static const et_device_ops vic_ops = {
    .type = "pl190-view",
    .region_size = 0x1000,
    .access_sizes = ET_ACCESS_4,
    .read = vic_read,
    .write = vic_write,
    .reset = vic_reset,
    .state = &vic_state,
};

static et_lock_class vic_lock_class = ET_LOCK_CLASS_INIT("pl190-view");

static et_device *vic_create(et_clock *clock, const char *name, unsigned n_inputs, char *err,
                             size_t errlen)
{
    if (n_inputs != VIC_INPUTS) {
        et__error(err, errlen, ET_EINVAL, "VIC %s: a PL190 has %u inputs, not %u", name, VIC_INPUTS,
                  n_inputs);
        return NULL;
    }
    vic_view *s = et__xcalloc(1, sizeof(*s));
    et_device_init(&s->dev, &vic_ops, clock, name, &vic_lock_class);
    et_irq_init(&s->irq, &s->dev, "irq");
    et_device_add_irq(&s->dev, &s->irq);
    et_irq_init(&s->fiq, &s->dev, "fiq");
    et_device_add_irq(&s->dev, &s->fiq);
    return &s->dev;
}

static void vic_set_input(et_device *dev, int named, unsigned n, int level)
{
    vic_view *s = (vic_view *)dev;
    (void)named;
    if (n >= VIC_INPUTS) {
        return;
    }
    et_device_lock(dev);
    if (level) {
        s->level |= 1u << n;
    } else {
        s->level &= ~(1u << n);
    }
    update_outputs(s);
    et_device_unlock(dev);
}

/* After a snapshot load: the outputs follow the loaded state. */
static void vic_refresh(et_device *dev)
{
    et_device_lock(dev);
    update_outputs((vic_view *)dev);
    et_device_unlock(dev);
}

const et__ic_kind et__ic_kind_vic = {
    .kind = ET_IC_VIC,
    .create = vic_create,
    .set_input = vic_set_input,
    .refresh = vic_refresh,
};
