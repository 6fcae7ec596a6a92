/* emutime: ARM CMSDK APB watchdog (Cortex-M System Design Kit, ARM DDI
 * 0479, "APB watchdog"; an SP805 derivative) and its TI Stellaris
 * (Luminary Micro) variant, as on QEMU's mps2 and lm3s811evb boards.
 *
 * A 32-bit down-counter clocked by WDOGCLK (an et_clock_input the device
 * follows at run time). 4 KiB region, 1/2/4-byte aligned accesses (a
 * narrower access reads or writes the byte lanes of the 32-bit register,
 * the other lanes of a write as zero):
 *
 *   0x000 WDOGLOAD     RW  reload value; a write also reloads the count
 *   0x004 WDOGVALUE    RO  the counter
 *   0x008 WDOGCONTROL  RW  bit 0 INTEN (interrupt and counter enable),
 *                          bit 1 RESEN (reset output enable)
 *   0x00C WDOGINTCLR   WO  any write clears the interrupt and reloads
 *   0x010 WDOGRIS      RO  bit 0 raw interrupt
 *   0x014 WDOGMIS      RO  bit 0 RIS && INTEN
 *   0x418 WDTTEST      RW  Luminary only: bit 8 STALL (stored; no debugger
 *                          ever halts the model, so it has no effect)
 *   0xC00 WDOGLOCK     RW  write 0x1ACCE551 to unlock, anything else locks;
 *                          reads 1 when locked. While locked every other
 *                          write is ignored (a guest error).
 *   0xF00 WDOGITCR     RW  CMSDK only: bit 0 integration test mode
 *   0xF04 WDOGITOP     WO  CMSDK only: test mode drives WDOGRES (bit 0)
 *                          and WDOGINT (bit 1)
 *   0xFD0-0xFFC        RO  PID4-7, PID0-3, CID0-3
 *
 * Behaviour (the November 2024 upstream QEMU semantics, which are the
 * hardware's): reset leaves the counter stopped with LOAD = VALUE =
 * 0xFFFFFFFF. INTEN 0 -> 1 reloads the count from LOAD and starts it;
 * INTEN 1 -> 0 stops it. The first time the count reaches 0 sets RIS (it
 * holds 0 for one tick, then reloads: a period of LOAD + 1 ticks). If it
 * reaches 0 again while RIS is still set and RESEN is set, WDOGRES is
 * asserted and the counter stops until LOAD is written; with RESEN clear
 * nothing happens and it keeps counting. Clearing RESEN deasserts WDOGRES.
 * Luminary: once INTEN is set, CONTROL writes are ignored until reset.
 *
 * Output lines: 0 "wdogint" (WDOGINT), 1 "reset" (WDOGRES, a level: a
 * board connects it to a machine reset, which resets this device too).
 * See docs/devices/cmsdk-apb-watchdog.md.
 */
#ifndef EMUTIME_DEVICES_CMSDK_APB_WATCHDOG_H
#define EMUTIME_DEVICES_CMSDK_APB_WATCHDOG_H

#include <stdbool.h>
#include <stddef.h>

#include "emutime/clock.h"
#include "emutime/clocktree.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

#define ET_CMSDK_WDOG_LOAD    0x000
#define ET_CMSDK_WDOG_VALUE   0x004
#define ET_CMSDK_WDOG_CONTROL 0x008
#define ET_CMSDK_WDOG_INTCLR  0x00C
#define ET_CMSDK_WDOG_RIS     0x010
#define ET_CMSDK_WDOG_MIS     0x014
#define ET_CMSDK_WDOG_TEST    0x418 /* Luminary only */
#define ET_CMSDK_WDOG_LOCK    0xC00
#define ET_CMSDK_WDOG_ITCR    0xF00 /* CMSDK only */
#define ET_CMSDK_WDOG_ITOP    0xF04 /* CMSDK only */
#define ET_CMSDK_WDOG_PID4    0xFD0
#define ET_CMSDK_WDOG_PID0    0xFE0
#define ET_CMSDK_WDOG_CID0    0xFF0
#define ET_CMSDK_WDOG_REGION  0x1000

#define ET_CMSDK_WDOG_CTRL_INTEN  (1u << 0)
#define ET_CMSDK_WDOG_CTRL_RESEN  (1u << 1)
#define ET_CMSDK_WDOG_TEST_STALL  (1u << 8)
#define ET_CMSDK_WDOG_UNLOCK_KEY  0x1ACCE551u

/* Output line indexes. */
#define ET_CMSDK_WDOG_IRQ_WDOGINT 0
#define ET_CMSDK_WDOG_IRQ_RESET   1

typedef enum et_cmsdk_watchdog_variant {
    ET_CMSDK_WATCHDOG_CMSDK = 0,   /* "cmsdk-apb-watchdog" */
    ET_CMSDK_WATCHDOG_LUMINARY = 1 /* "luminary-watchdog" (TI Stellaris) */
} et_cmsdk_watchdog_variant;

typedef struct et_cmsdk_apb_watchdog_config {
    /* Required; period 0 means stopped. It must outlive the device (the
     * device removes its change callback when freed). */
    et_clock_input *wdogclk;
    et_cmsdk_watchdog_variant variant;
} et_cmsdk_apb_watchdog_config;

/* NULL with a message in err (nothing allocated) for a bad configuration. */
et_device *et_cmsdk_apb_watchdog_new(et_clock *clock, const char *name,
                                     const et_cmsdk_apb_watchdog_config *cfg, char *err,
                                     size_t errlen);

ET_END_DECLS

#endif
