/* emutime: the ARMv7-M SysTick timer (ARM DDI 0403, B3.3 "The system
 * timer, SysTick"), as QEMU's "armv7m_systick" on its Cortex-M boards.
 *
 * A 24-bit down-counter clocked by the processor clock (CLKSOURCE = 1) or
 * the external reference clock (CLKSOURCE = 0), both et_clock_inputs the
 * device follows at run time. Registers (0xE0 bytes at 0xE000E010 in the
 * System Control Space; aligned 4-byte accesses only, as QEMU):
 *
 *   0x00 SYST_CSR    RW  bit 0 ENABLE, bit 1 TICKINT, bit 2 CLKSOURCE,
 *                        bit 16 COUNTFLAG (RO: set when the count steps
 *                        from 1 to 0, cleared by a read of SYST_CSR or any
 *                        write to SYST_CVR)
 *   0x04 SYST_RVR    RW  bits 23:0 RELOAD
 *   0x08 SYST_CVR    RW  bits 23:0 CURRENT; any write clears it to 0
 *   0x0C SYST_CALIB  RO  bit 31 NOREF, bit 30 SKEW, bits 23:0 TENMS
 *
 * Counting (B3.3.1): while ENABLE, each clock edge decrements CURRENT, or
 * loads RELOAD when CURRENT is 0; the step from 1 to 0 sets COUNTFLAG and,
 * with TICKINT, pends the SysTick exception (15). So the period is RELOAD
 * + 1 ticks, and RELOAD = 0 stops the count at the next wrap (until RELOAD
 * is written non-zero). Without a reference clock CLKSOURCE reads as 1 and
 * ignores writes, and SYST_CALIB reads NOREF; with one, TENMS is the
 * RELOAD value for 10 ms of the reference clock (SKEW when that is not a
 * whole number of ticks).
 *
 * Output line 0 "systick": pulsed each time the exception is pended (a
 * board connects it to the NVIC's "systick-trigger" input).
 * See docs/devices/armv7m-systick.md.
 */
#ifndef EMUTIME_DEVICES_ARMV7M_SYSTICK_H
#define EMUTIME_DEVICES_ARMV7M_SYSTICK_H

#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/clocktree.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

#define ET_SYSTICK_CSR    0x00
#define ET_SYSTICK_RVR    0x04
#define ET_SYSTICK_CVR    0x08
#define ET_SYSTICK_CALIB  0x0C
#define ET_SYSTICK_REGION 0xE0

#define ET_SYSTICK_CSR_ENABLE    (1u << 0)
#define ET_SYSTICK_CSR_TICKINT   (1u << 1)
#define ET_SYSTICK_CSR_CLKSOURCE (1u << 2)
#define ET_SYSTICK_CSR_COUNTFLAG (1u << 16)

#define ET_SYSTICK_CALIB_NOREF (1u << 31)
#define ET_SYSTICK_CALIB_SKEW  (1u << 30)
#define ET_SYSTICK_CALIB_TENMS 0x00FFFFFFu

#define ET_SYSTICK_COUNTER_MASK 0x00FFFFFFu

/* Output line indexes. */
#define ET_SYSTICK_IRQ_SYSTICK 0

typedef struct et_armv7m_systick_config {
    /* Required: the processor clock (CLKSOURCE = 1). Period 0 means
     * stopped. It must outlive the device. */
    et_clock_input *cpuclk;
    /* The external reference clock (CLKSOURCE = 0), or NULL. It must
     * outlive the device. */
    et_clock_input *refclk;
    /* With refclk NULL: a fixed reference clock of this rate the device
     * makes itself (a board's fixed REFCLK); 0 means no reference clock. */
    uint64_t refclk_hz;
} et_armv7m_systick_config;

/* NULL with a message in err (nothing allocated) for a bad configuration. */
et_device *et_armv7m_systick_new(et_clock *clock, const char *name,
                                 const et_armv7m_systick_config *cfg, char *err,
                                 size_t errlen);

ET_END_DECLS

#endif
