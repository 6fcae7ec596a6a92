/* emutime: ARM CMSDK APB timer (Cortex-M System Design Kit, ARM DDI 0479).
 *
 * A 32-bit down-counter clocked by PCLK (an et_clock_input the device follows
 * at run time). Registers (4 KiB region, 1/2/4-byte aligned accesses; a
 * narrower access reads or writes the byte lanes of the 32-bit register, the
 * other lanes of a write as zero):
 *
 *   0x000 CTRL       RW  bit 0 EN, bit 1 SELEXTEN, bit 2 SELEXTCLK, bit 3 IRQEN
 *   0x004 VALUE      RW  the counter
 *   0x008 RELOAD     RW  reload value; a write also sets VALUE (TRM)
 *   0x00C INTSTATUS  RW  bit 0: interrupt; write 1 to clear (INTCLEAR)
 *   0xFD0-0xFFC      RO  PID4-7, PID0-3, CID0-3
 *
 * Counting: while EN, VALUE decrements once per PCLK period. The interrupt
 * status is set (only if IRQEN is set at that moment) when VALUE steps from 1
 * to 0; VALUE then holds 0 for one period and reloads from RELOAD, so the
 * period is RELOAD + 1 ticks. RELOAD = 0 gives no interrupt.
 * EXTIN (bits 1 and 2) is not modelled: the bits are stored and read back,
 * the first use is reported as a guest error, and the timer counts PCLK.
 *
 * Output line 0 "timerint": TIMERINT, the INTSTATUS bit (not masked by IRQEN).
 * See docs/devices/cmsdk-apb-timer.md.
 */
#ifndef EMUTIME_DEVICES_CMSDK_APB_TIMER_H
#define EMUTIME_DEVICES_CMSDK_APB_TIMER_H

#include <stddef.h>

#include "emutime/clock.h"
#include "emutime/clocktree.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

#define ET_CMSDK_TIMER_CTRL      0x000
#define ET_CMSDK_TIMER_VALUE     0x004
#define ET_CMSDK_TIMER_RELOAD    0x008
#define ET_CMSDK_TIMER_INTSTATUS 0x00C
#define ET_CMSDK_TIMER_PID4      0xFD0
#define ET_CMSDK_TIMER_PID0      0xFE0
#define ET_CMSDK_TIMER_CID0      0xFF0
#define ET_CMSDK_TIMER_REGION    0x1000

#define ET_CMSDK_TIMER_CTRL_EN        (1u << 0)
#define ET_CMSDK_TIMER_CTRL_SELEXTEN  (1u << 1)
#define ET_CMSDK_TIMER_CTRL_SELEXTCLK (1u << 2)
#define ET_CMSDK_TIMER_CTRL_IRQEN     (1u << 3)

/* Output line indexes. */
#define ET_CMSDK_TIMER_IRQ_TIMERINT 0

typedef struct et_cmsdk_apb_timer_config {
    /* Required; period 0 means stopped. It must outlive the device (the
     * device removes its change callback when freed). */
    et_clock_input *pclk;
} et_cmsdk_apb_timer_config;

/* NULL with a message in err (nothing allocated) for a bad configuration. */
et_device *et_cmsdk_apb_timer_new(et_clock *clock, const char *name,
                                  const et_cmsdk_apb_timer_config *cfg, char *err,
                                  size_t errlen);

ET_END_DECLS

#endif
