/* RISC-V ACLINT MSWI and SSWI: the machine- and supervisor-level software
 * interrupt devices (RISC-V ACLINT specification 1.0, chapters "Machine-level
 * Software Interrupt Device" and "Supervisor-level Software Interrupt
 * Device"), with QEMU's layout and properties (hw/intc/riscv_aclint.c,
 * "riscv.aclint.swi" with its "sswi" property).
 *
 * One 32-bit register per hart at 4 * relative hart, 0x4000 bytes in all,
 * accessed with exactly 4-byte aligned accesses.
 *   MSWI (MSIP): bit 0 is the hart's MSIP level; bits 31:1 read as zero and
 *   ignore writes (WARL). Reset clears every MSIP.
 *   SSWI (SETSSIP): reads 0; writing 1 to bit 0 sends the edge that sets the
 *   hart's SSIP (a pulse on the output line); writing 0 does nothing. The
 *   hart clears SSIP itself, in sip. Reset does nothing.
 * Offsets past the last hart's register (0x3FFC is reserved) are guest
 * errors: reads return 0, writes are ignored.
 *
 * Not modelled: the hart side (mip/sip), which belongs to the CPU.
 * Difference from QEMU: QEMU raises the SSIP input and leaves it raised (its
 * interrupt inputs have no level memory); here the line is pulsed, so every
 * write of 1 reaches the hart as an edge and the line rests at 0. MSIP reads
 * return the device's output level rather than the CPU's mip bit (the same
 * thing unless the CPU model lets software write mip.MSIP).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "emutime/devices/riscv_aclint.h"

typedef struct swi_hart {
    et_irq_line line; /* MSIP (level) or SSIP (pulsed) */
    char line_name[24];
} swi_hart;

typedef struct aclint_swi {
    et_device dev;
    uint32_t hartid_base;
    uint32_t num_harts;
    bool sswi;
    swi_hart *harts;
} aclint_swi;

static et_lock_class swi_lock_class = ET_LOCK_CLASS_INIT("riscv.aclint.swi");

static swi_hart *hart_at(aclint_swi *s, uint64_t offset)
{
    return offset / 4 < s->num_harts ? &s->harts[offset / 4] : NULL;
}

static uint64_t swi_read(et_device *dev, uint64_t offset, unsigned size)
{
    aclint_swi *s = (aclint_swi *)dev;
    swi_hart *h = hart_at(s, offset);
    (void)size; /* always 4 */
    if (!h) {
        et_device_guest_error(dev, "read of offset 0x%" PRIx64 " past the last hart's register",
                              offset);
        return 0;
    }
    return s->sswi ? 0 : (uint64_t)et_irq_level(&h->line);
}

static void swi_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    aclint_swi *s = (aclint_swi *)dev;
    swi_hart *h = hart_at(s, offset);
    (void)size;
    if (!h) {
        et_device_guest_error(dev, "write of 0x%" PRIx64 " to offset 0x%" PRIx64
                              " past the last hart's register", value, offset);
        return;
    }
    if (s->sswi) {
        if (value & 1) {
            et_irq_pulse(&h->line);
        }
    } else {
        et_irq_set(&h->line, (int)(value & 1));
    }
}

static void swi_reset(et_device *dev)
{
    aclint_swi *s = (aclint_swi *)dev;
    if (s->sswi) {
        return;
    }
    for (uint32_t i = 0; i < s->num_harts; i++) {
        et_irq_lower(&s->harts[i].line);
    }
}

static void swi_destroy(et_device *dev)
{
    free(((aclint_swi *)dev)->harts);
}

static const et_field swi_fields[] = {
    ET_FIELD_VARRAY_MEMBER(aclint_swi, harts, swi_hart, line, ET_FT_IRQ, num_harts, 1),
    ET_FIELD_END
};

static const et_vmstate swi_state = { "riscv_aclint_swi", 1, swi_fields };

static const et_device_ops swi_ops = {
    .type = "riscv.aclint.swi",
    .region_size = ET_RISCV_ACLINT_SWI_SIZE,
    .access_sizes = ET_ACCESS_4,
    .unaligned_ok = false,
    .read = swi_read,
    .write = swi_write,
    .reset = swi_reset,
    .destroy = swi_destroy,
    .state = &swi_state,
};

et_device *et_riscv_aclint_swi_new(et_clock *clock, const char *name,
                                   const et_riscv_aclint_swi_config *cfg, char *err,
                                   size_t errlen)
{
    if (!clock || !cfg) {
        et__error(err, errlen, ET_EINVAL,
                  "riscv.aclint.swi: a clock and a configuration are required");
        return NULL;
    }
    if (cfg->num_harts == 0 || cfg->num_harts > ET_RISCV_ACLINT_MAX_HARTS) {
        et__error(err, errlen, ET_EINVAL, "num_harts %" PRIu32 " is outside 1..%u", cfg->num_harts,
                  ET_RISCV_ACLINT_MAX_HARTS);
        return NULL;
    }
    if ((uint64_t)cfg->hartid_base + cfg->num_harts - 1 > UINT32_MAX) {
        et__error(err, errlen, ET_EINVAL, "hart ids %" PRIu32 " + %" PRIu32 " overflow 32 bits",
                  cfg->hartid_base, cfg->num_harts);
        return NULL;
    }
    aclint_swi *s = et__xcalloc(1, sizeof(*s));
    et_device_init(&s->dev, &swi_ops, clock, name, &swi_lock_class);
    s->hartid_base = cfg->hartid_base;
    s->num_harts = cfg->num_harts;
    s->sswi = cfg->sswi;
    s->harts = et__xcalloc(cfg->num_harts, sizeof(*s->harts));
    for (uint32_t i = 0; i < s->num_harts; i++) {
        swi_hart *h = &s->harts[i];
        snprintf(h->line_name, sizeof(h->line_name), "%s%" PRIu32, s->sswi ? "ssip" : "msip",
                 s->hartid_base + i);
        et_irq_init(&h->line, &s->dev, h->line_name);
        et_device_add_irq(&s->dev, &h->line);
    }
    return &s->dev;
}
