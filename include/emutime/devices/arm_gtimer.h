/* emutime: the Cortex-A9 MPCore global timer (ARM DDI 0407, "Cortex-A9
 * MPCore Technical Reference Manual", 4.4 "Global timer registers"), QEMU's
 * "arm.cortex-a9-global-timer" (a9gtimer) at PERIPHBASE + 0x200.
 *
 * One 64-bit up-counter shared by every CPU, clocked by PERIPHCLK through
 * an 8-bit prescaler (one increment every PRESCALER + 1 periods; QEMU: 10 ns
 * periods), and one comparator per CPU. 32-byte region, 4-byte accesses:
 *
 *   0x00 Counter low          RW  written only while the timer is disabled
 *   0x04 Counter high         RW  (a write while enabled is ignored)
 *   0x08 Control              RW  bit 0 timer enable, 15:8 prescaler
 *                                 (shared); bit 1 comparator enable, 2 IRQ
 *                                 enable, 3 auto-increment (this CPU's)
 *   0x0C Interrupt Status     RW  bit 0 event flag; write 1 to clear
 *   0x10 Comparator low       RW  this CPU's 64-bit comparator
 *   0x14 Comparator high      RW
 *   0x18 Auto-increment       RW  added to the comparator at each event
 *
 * With the timer and a comparator enabled, the event flag is set when the
 * counter is greater than or equal to the comparator (r2p0 and later); with
 * auto-increment the comparator then moves up by the increment (as many
 * increments as it takes to pass the counter, if it was behind). The flag
 * stays set (and is set again after a clear) while the counter is past a
 * comparator that does not move.
 *
 * Output lines: n "gtimer<n>" (PPI 27 of CPU n: event flag && IRQ enable).
 * et_device_read / _write are CPU 0's view; et_arm_gtimer_cpu_read /
 * _write CPU n's. See docs/devices/arm-gtimer.md.
 */
#ifndef EMUTIME_DEVICES_ARM_GTIMER_H
#define EMUTIME_DEVICES_ARM_GTIMER_H

#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/clocktree.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

#define ET_ARM_GTIMER_COUNTER_LO 0x00
#define ET_ARM_GTIMER_COUNTER_HI 0x04
#define ET_ARM_GTIMER_CONTROL    0x08
#define ET_ARM_GTIMER_INTSTAT    0x0C
#define ET_ARM_GTIMER_COMPARE_LO 0x10
#define ET_ARM_GTIMER_COMPARE_HI 0x14
#define ET_ARM_GTIMER_AUTOINC    0x18
#define ET_ARM_GTIMER_REGION     0x20

#define ET_ARM_GTIMER_CTRL_ENABLE   (1u << 0)
#define ET_ARM_GTIMER_CTRL_COMP     (1u << 1)
#define ET_ARM_GTIMER_CTRL_IRQ      (1u << 2)
#define ET_ARM_GTIMER_CTRL_AUTOINC  (1u << 3)
#define ET_ARM_GTIMER_CTRL_PRESCALER(p) (((uint32_t)(p) & 0xffu) << 8)

#define ET_ARM_GTIMER_MAX_CPUS 4

typedef struct et_arm_gtimer_config {
    /* PERIPHCLK (required), followed at run time; it must outlive the
     * device. */
    et_clock_input *periphclk;
    unsigned cpu_count; /* 1 to 4; 0 means 1 */
} et_arm_gtimer_config;

et_device *et_arm_gtimer_new(et_clock *clock, const char *name, const et_arm_gtimer_config *cfg,
                             char *err, size_t errlen);

/* CPU cpu's view of the region (its banked Control bits, status,
 * comparator and increment). A bad cpu is a guest error. */
uint64_t et_arm_gtimer_cpu_read(et_device *dev, unsigned cpu, uint64_t offset, unsigned size);
void et_arm_gtimer_cpu_write(et_device *dev, unsigned cpu, uint64_t offset, uint64_t value,
                             unsigned size);

ET_END_DECLS

#endif
