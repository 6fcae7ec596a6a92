/* emutime: the ACPI power-management timer (ACPI 6.x, 4.8.3.3 "Power
 * Management Timer") with the PM1a event block's timer bits, as QEMU's
 * PIIX4 PM (pc) and ICH9 LPC (q35) have them at the PM base 0x600 that
 * QEMU's firmware programs.
 *
 * A free-running 24-bit (or 32-bit, TMR_VAL_EXT) up-counter at 3.579545 MHz,
 * counting from virtual time 0 as QEMU's does (plus a configurable initial
 * count). Register region (12 bytes,
 * 1/2/4-byte accesses, little-endian byte lanes):
 *
 *   0x0  PM1_STS  RW1C  bit 0 TMR_STS: set each time the counter's top bit
 *                       (bit 23, or 31) changes; a 1 written clears it
 *   0x2  PM1_EN   RW    bit 0 TMR_EN: TMR_STS raises the SCI; the other
 *                       bits are stored (their events are not modelled)
 *   0x4  PM1_CNT  -     not modelled (a board leaves 0x4-0x7 unmapped)
 *   0x8  PM_TMR   RO    the counter (bits 31:24 read 0 when 24-bit)
 *
 * Output line 0 "sci": TMR_STS && TMR_EN (a level, ISA IRQ 9 on a PC).
 * Reset: TMR_STS and PM1_EN clear; the counter runs on.
 * See docs/devices/acpi-pm-timer.md.
 */
#ifndef EMUTIME_DEVICES_ACPI_PM_TIMER_H
#define EMUTIME_DEVICES_ACPI_PM_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

#define ET_ACPI_PM_HZ 3579545u

#define ET_ACPI_PM1_STS 0x0
#define ET_ACPI_PM1_EN  0x2
#define ET_ACPI_PM_TMR  0x8
#define ET_ACPI_PM_REGION 0xC

#define ET_ACPI_TMR_STS 0x0001u
#define ET_ACPI_TMR_EN  0x0001u

/* Output line index. */
#define ET_ACPI_PM_IRQ_SCI 0

typedef struct et_acpi_pm_timer_config {
    bool width32; /* TMR_VAL_EXT: a 32-bit counter (QEMU's is 24-bit) */
    /* The count at virtual time 0 (QEMU: 0). The counter cannot be written;
     * this sets its phase, for an embedder whose clock does not start with
     * the machine, and for tests that want an overflow soon. */
    uint32_t initial_count;
} et_acpi_pm_timer_config;

/* NULL with a message in err (nothing allocated) without a clock or
 * configuration. */
et_device *et_acpi_pm_timer_new(et_clock *clock, const char *name,
                                const et_acpi_pm_timer_config *cfg, char *err,
                                size_t errlen);

ET_END_DECLS

#endif
