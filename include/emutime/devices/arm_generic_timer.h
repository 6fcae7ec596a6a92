/* emutime: one CPU's Arm generic timer (ARM DDI 0487, chapter D11 "The
 * Generic Timer in AArch64 state", and the AArch32 view in G6): the
 * system counter as the CPU sees it (CNTPCT, and CNTVCT = CNTPCT -
 * CNTVOFF), CNTFRQ, and four timers (EL1 physical, virtual, EL2 physical,
 * secure physical), each with its compare value, timer-value view and
 * control register, and one output line.
 *
 * The registers are system registers, not MMIO: an embedder's CPU model
 * calls et_arm_generic_timer_read/_write for MRS/MSR (AArch64) or
 * MRC/MCR/MRRC/MCRR (AArch32), with the access already permitted by its
 * own EL and trap checks. For the shared test suites, and for embedders
 * that want it, the same device also answers as the architecture's
 * CNTBaseN frame (I2.3) for the EL1 physical and virtual timers:
 *
 *   0x000 CNTPCT (64)   0x008 CNTVCT (64)   0x010 CNTFRQ   0x018 CNTVOFF (64)
 *   0x020 CNTP_CVAL (64)   0x028 CNTP_TVAL   0x02C CNTP_CTL
 *   0x030 CNTV_CVAL (64)   0x038 CNTV_TVAL   0x03C CNTV_CTL
 *
 * (4 KiB, 4-byte accesses, 8-byte ones to the 64-bit registers; CNTPCT,
 * CNTVCT, CNTFRQ and CNTVOFF read-only there, as in a CNTBaseN frame.)
 *
 * Each timer (D11.2.4): ISTATUS = ENABLE and count - CVAL >= 0 (the count
 * is CNTPCT, or CNTVCT for the virtual timer; unsigned 64-bit values);
 * its line is ISTATUS and not IMASK, a level. TVAL reads (CVAL - count)
 * as a signed 32-bit value and a write sets CVAL = count + the value
 * sign-extended. The count comes from a System Counter device
 * (sse_counter.h: the memory-mapped CNTControlBase / CNTReadBase frames,
 * with its enable, CNTCV writes and scaling) or, without one, from a
 * free-running counter at cfg->freq_hz that reads 0 at virtual time 0.
 *
 * Output lines: 0 "phys" (CNTP, PPI 30 on a GIC), 1 "virt" (CNTV, PPI
 * 27), 2 "hyp" (CNTHP, PPI 26), 3 "sec" (CNTPS, PPI 29).
 * See docs/devices/arm-generic-timer.md.
 */
#ifndef EMUTIME_DEVICES_ARM_GENERIC_TIMER_H
#define EMUTIME_DEVICES_ARM_GENERIC_TIMER_H

#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

/* The four timers, also their output line indexes. */
typedef enum et_arm_gt_timer {
    ET_ARM_GT_PHYS = 0, /* CNTP_*: EL1 physical */
    ET_ARM_GT_VIRT = 1, /* CNTV_*: virtual, against CNTVCT */
    ET_ARM_GT_HYP = 2,  /* CNTHP_*: EL2 physical */
    ET_ARM_GT_SEC = 3,  /* CNTPS_*: secure physical */
    ET_ARM_GT_NUM_TIMERS = 4
} et_arm_gt_timer;

/* The system registers. */
typedef enum et_arm_gt_reg {
    ET_ARM_GT_CNTFRQ,
    ET_ARM_GT_CNTPCT,  /* read-only */
    ET_ARM_GT_CNTVCT,  /* read-only */
    ET_ARM_GT_CNTVOFF,
    /* Per timer: base + 3 * timer. */
    ET_ARM_GT_CTL,
    ET_ARM_GT_CVAL,
    ET_ARM_GT_TVAL,
} et_arm_gt_reg;

#define ET_ARM_GT_TIMER_REG(reg, timer) ((et_arm_gt_reg)((reg) + 3 * (timer)))
#define ET_ARM_GT_CNTP_CTL  ET_ARM_GT_TIMER_REG(ET_ARM_GT_CTL, ET_ARM_GT_PHYS)
#define ET_ARM_GT_CNTP_CVAL ET_ARM_GT_TIMER_REG(ET_ARM_GT_CVAL, ET_ARM_GT_PHYS)
#define ET_ARM_GT_CNTP_TVAL ET_ARM_GT_TIMER_REG(ET_ARM_GT_TVAL, ET_ARM_GT_PHYS)
#define ET_ARM_GT_CNTV_CTL  ET_ARM_GT_TIMER_REG(ET_ARM_GT_CTL, ET_ARM_GT_VIRT)
#define ET_ARM_GT_CNTV_CVAL ET_ARM_GT_TIMER_REG(ET_ARM_GT_CVAL, ET_ARM_GT_VIRT)
#define ET_ARM_GT_CNTV_TVAL ET_ARM_GT_TIMER_REG(ET_ARM_GT_TVAL, ET_ARM_GT_VIRT)
#define ET_ARM_GT_CNTHP_CTL  ET_ARM_GT_TIMER_REG(ET_ARM_GT_CTL, ET_ARM_GT_HYP)
#define ET_ARM_GT_CNTHP_CVAL ET_ARM_GT_TIMER_REG(ET_ARM_GT_CVAL, ET_ARM_GT_HYP)
#define ET_ARM_GT_CNTHP_TVAL ET_ARM_GT_TIMER_REG(ET_ARM_GT_TVAL, ET_ARM_GT_HYP)
#define ET_ARM_GT_CNTPS_CTL  ET_ARM_GT_TIMER_REG(ET_ARM_GT_CTL, ET_ARM_GT_SEC)
#define ET_ARM_GT_CNTPS_CVAL ET_ARM_GT_TIMER_REG(ET_ARM_GT_CVAL, ET_ARM_GT_SEC)
#define ET_ARM_GT_CNTPS_TVAL ET_ARM_GT_TIMER_REG(ET_ARM_GT_TVAL, ET_ARM_GT_SEC)
#define ET_ARM_GT_NUM_REGS (ET_ARM_GT_CTL + 3 * ET_ARM_GT_NUM_TIMERS)

#define ET_ARM_GT_CTL_ENABLE  (1u << 0)
#define ET_ARM_GT_CTL_IMASK   (1u << 1)
#define ET_ARM_GT_CTL_ISTATUS (1u << 2)

/* The CNTBaseN-style frame. */
#define ET_ARM_GT_FRAME_CNTPCT    0x000
#define ET_ARM_GT_FRAME_CNTVCT    0x008
#define ET_ARM_GT_FRAME_CNTFRQ    0x010
#define ET_ARM_GT_FRAME_CNTVOFF   0x018
#define ET_ARM_GT_FRAME_CNTP_CVAL 0x020
#define ET_ARM_GT_FRAME_CNTP_TVAL 0x028
#define ET_ARM_GT_FRAME_CNTP_CTL  0x02C
#define ET_ARM_GT_FRAME_CNTV_CVAL 0x030
#define ET_ARM_GT_FRAME_CNTV_TVAL 0x038
#define ET_ARM_GT_FRAME_CNTV_CTL  0x03C
#define ET_ARM_GT_FRAME_REGION    0x1000

typedef struct et_arm_generic_timer_config {
    /* The System Counter device (et_sse_counter_new) the CPU's counter
     * reads, on the same et_clock; or NULL for a free-running counter at
     * freq_hz. Several CPUs' timers may share one counter. */
    et_device *counter;
    /* Without a counter: the counting rate (required then, > 0; QEMU's
     * default for its CPUs is 62500000). */
    uint64_t freq_hz;
    /* CNTFRQ's reset value (firmware normally writes it; 0 is allowed). */
    uint32_t cntfrq_reset;
} et_arm_generic_timer_config;

/* NULL with a message in err (nothing allocated) for a bad configuration. */
et_device *et_arm_generic_timer_new(et_clock *clock, const char *name,
                                    const et_arm_generic_timer_config *cfg, char *err,
                                    size_t errlen);

/* System-register access (the device lock is taken inside; the interrupt
 * changes are delivered before they return). A write to CNTPCT or CNTVCT,
 * or an unknown reg, is a guest error. */
uint64_t et_arm_generic_timer_read(et_device *dev, et_arm_gt_reg reg);
void et_arm_generic_timer_write(et_device *dev, et_arm_gt_reg reg, uint64_t value);

ET_END_DECLS

#endif
