/* The SP804-style free-running counter (internal), shared by the ARM SP804
 * (ARM DDI 0271), the Integrator/CP counter/timers and the CMSDK APB dual
 * timer (ARM DDI 0479, a clone of the SP804 with other IDs).
 *
 * One counter is the register block Load, Value, Control, IntClr, RIS, MIS,
 * BGLoad at offsets 0x00..0x18, a 32-bit down-counter with a 16/32-bit size,
 * a 1/16/256 prescaler and free-running, periodic and one-shot modes. It is
 * a ptimer with QEMU's CMSDK policies (WRAP_AFTER_ONE_PERIOD |
 * TRIGGER_ONLY_ON_DECREMENT | NO_IMMEDIATE_RELOAD | NO_COUNTER_ROUND_DOWN):
 * RIS is set when the count reaches 0, the count holds 0 for one tick and
 * then reloads (Load in periodic mode, the maximum in free-running mode), so
 * a periodic Load of N interrupts every N + 1 ticks, as the SP804 TRM's
 * "reloading the original value after wrapping past zero" says.
 *
 * The owner embeds the counters in its device struct, holds the device lock
 * around every call, and recomputes its output lines in its update callback
 * (called after any change of RIS or Control). */
#ifndef EMUTIME_SP804_COUNTER_H
#define EMUTIME_SP804_COUNTER_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/apb_access.h"
#include "emutime/clocktree.h"
#include "emutime/device.h"

/* Register offsets inside one counter's block. */
#define SP804_LOAD    0x00
#define SP804_VALUE   0x04
#define SP804_CONTROL 0x08
#define SP804_INTCLR  0x0C
#define SP804_RIS     0x10
#define SP804_MIS     0x14
#define SP804_BGLOAD  0x18

/* Control bits. */
#define SP804_CTRL_ONESHOT  (1u << 0)
#define SP804_CTRL_32BIT    (1u << 1)
#define SP804_CTRL_PRESCALE (3u << 2)
#define SP804_CTRL_IE       (1u << 5)
#define SP804_CTRL_PERIODIC (1u << 6)
#define SP804_CTRL_ENABLE   (1u << 7)
#define SP804_CTRL_MASK     0xEFu
#define SP804_CTRL_RESET    SP804_CTRL_IE

typedef struct et__sp804_counter et__sp804_counter;

typedef struct et__sp804_counter_variant {
    /* Divisor for the undefined prescale setting 0b11 (the SP804 TRM says
     * "do not use"; QEMU's SP804 divides by 1, the CMSDK RTL by 256). */
    unsigned prescale3_divisor;
    /* Value read exactly on a tick edge: false, the count the edge loaded
     * (DDI 0271: one decrement per TIMCLK edge; what QEMU's LEGACY SP804
     * reads there too); true, the count before it, as QEMU's CMSDK dual
     * timer reads (its own qtest expects that, so emutime keeps it). */
    bool qemu_edge_reads;
    /* Whether a Load/BGLoad write that leaves the interrupt as it was
     * drives the line again. QEMU's SP804 does, its CMSDK dual timer does
     * not; qtest sees the difference for a line already high at its
     * intercept. */
    bool load_drives_irq;
} et__sp804_counter_variant;

struct et__sp804_counter {
    /* Saved state. */
    et_ptimer *pt;    /* counts the low 16 bits in 16-bit mode, else all 32 */
    uint32_t control;
    uint32_t load;    /* what Load/BGLoad read: the next reload value */
    uint32_t high;    /* bits 31:16 of the counter in 16-bit mode */
    bool ris;

    /* Wiring (not saved). */
    et_device *dev;
    et_clock_input *clk;
    unsigned clk_cb;
    unsigned number;  /* as documented (SP804: 1, 2; Integrator: 0..2) */
    const et__sp804_counter_variant *variant;
    void (*update)(et_device *dev);
};

/* Creates the ptimer and follows clk's frequency (clk must be non-NULL).
 * Call et__sp804_counter_reset afterwards, under the device lock. */
void et__sp804_counter_init(et__sp804_counter *c, et_device *dev, et_clock_input *clk,
                            unsigned number, const et__sp804_counter_variant *variant,
                            void (*update)(et_device *dev));
/* From ops->destroy: stops following the clock, frees the ptimer. */
void et__sp804_counter_destroy(et__sp804_counter *c);

void et__sp804_counter_reset(et__sp804_counter *c);

/* Register access at an offset inside the block (0x00..0x1C, 4-aligned).
 * Reads of write-only or unknown offsets and writes of read-only or unknown
 * ones are guest errors (read as 0 / ignored). */
uint32_t et__sp804_counter_read(et__sp804_counter *c, uint32_t offset);
void et__sp804_counter_write(et__sp804_counter *c, uint32_t offset, uint32_t value);

/* The masked interrupt (RIS && IE). */
bool et__sp804_counter_mis(const et__sp804_counter *c);

/* --- a device of two counters (the SP804 and the CMSDK dual timer) ------ */

/* Counter 1 at 0x00, counter 2 at 0x20, ITCR at 0xF00 (bit 0: test mode),
 * ITOP at 0xF04 (write-only: bits 0/1 drive TIMINT1/TIMINT2 in test mode),
 * read-only ID registers from ids_base to 0xFFC. Outputs: 0 TIMINTC (the OR
 * of the other two), 1 TIMINT1, 2 TIMINT2. */
#define SP804_DUAL_ITCR 0xF00
#define SP804_DUAL_ITOP 0xF04

typedef struct et__sp804_dual_model {
    const uint8_t *ids; /* one byte per word from ids_base up to 0xFFC */
    uint32_t ids_base;
    et__sp804_counter_variant variant;
} et__sp804_dual_model;

typedef struct et__sp804_dual {
    et_device dev;
    et__sp804_counter counters[2];
    uint32_t itcr;
    uint32_t itop;
    et_irq_line timintc;
    et_irq_line timint[2];
    const et__sp804_dual_model *model;
} et__sp804_dual;

/* The saved state (shared by both devices' vmstates). */
extern const et_field et__sp804_dual_fields[];

/* ops entries. */
uint64_t et__sp804_dual_read(et_device *dev, uint64_t offset, unsigned size);
void et__sp804_dual_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size);
void et__sp804_dual_reset(et_device *dev);
void et__sp804_dual_destroy(et_device *dev);

/* Allocates and resets the device (clocks already validated non-NULL). */
et_device *et__sp804_dual_new(et_clock *clock, const char *name, const et_device_ops *ops,
                              et_lock_class *cls, const et__sp804_dual_model *model,
                              et_clock_input *clk1, et_clock_input *clk2);

#endif
