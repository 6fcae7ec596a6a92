/* emutime: ARM CMSDK APB dual timer (Cortex-M System Design Kit, ARM DDI
 * 0479, "APB dual-input timers"), a clone of the SP804 with CMSDK IDs.
 *
 * Two counters clocked by TIMCLK (an et_clock_input the device follows at
 * run time; 25 MHz on QEMU's mps2-an385). 4 KiB region, 1/2/4-byte aligned
 * accesses (a narrower access reads or writes the byte lanes of the 32-bit
 * register, the other lanes of a write as zero). Per counter n (1 or 2) at
 * base (n - 1) * 0x20:
 *
 *   +0x00 TIMERnLOAD     RW  sets the count at once; reads the next reload
 *   +0x04 TIMERnVALUE    RO  the counter
 *   +0x08 TIMERnCONTROL  RW  bit 0 ONESHOT, 1 SIZE (1 = 32-bit), 3:2
 *                            PRESCALE (/1, /16, /256; 0b11 undefined: /256),
 *                            5 INTEN, 6 MODE (1 = periodic), 7 ENABLE.
 *                            Reset 0x20.
 *   +0x0C TIMERnINTCLR   WO  any write clears the interrupt
 *   +0x10 TIMERnRIS      RO  bit 0 raw interrupt
 *   +0x14 TIMERnMIS      RO  bit 0 RIS && INTEN
 *   +0x18 TIMERnBGLOAD   RW  sets the next reload value only
 *   0xF00 TIMERITCR      RW  bit 0: integration test mode
 *   0xF04 TIMERITOP      WO  bit 0 drives TIMINT1, bit 1 TIMINT2 in test mode
 *   0xFD0-0xFFC          RO  PID4-7 (0x04 0 0 0), PID0-3 (0x23 0xB8 0x1B 0x00),
 *                            CID0-3 (0x0D 0xF0 0x05 0xB1)
 *
 * Counting is the SP804's (see emutime/devices/sp804.h): RIS is set when the
 * count reaches 0, which it holds for one tick before reloading (periodic:
 * LOAD, so the period is LOAD + 1 ticks; free-running: 0xFFFF/0xFFFFFFFF);
 * one-shot stops at 0; LOAD = 0 raises RIS at once; CONTROL writes never
 * reload. Reset: LOAD 0, VALUE 0xFFFFFFFF, CONTROL 0x20, ITCR 0.
 *
 * Output lines: 0 "timintc" (TIMINTC = TIMINT1 | TIMINT2), 1 "timint1",
 * 2 "timint2". mps2-an385 wires only TIMINTC (NVIC 10).
 * See docs/devices/cmsdk-apb-dualtimer.md.
 */
#ifndef EMUTIME_DEVICES_CMSDK_APB_DUALTIMER_H
#define EMUTIME_DEVICES_CMSDK_APB_DUALTIMER_H

#include <stddef.h>

#include "emutime/clock.h"
#include "emutime/clocktree.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

/* Register offsets inside a counter's block, and the blocks. */
#define ET_CMSDK_DUALTIMER_LOAD    0x00
#define ET_CMSDK_DUALTIMER_VALUE   0x04
#define ET_CMSDK_DUALTIMER_CONTROL 0x08
#define ET_CMSDK_DUALTIMER_INTCLR  0x0C
#define ET_CMSDK_DUALTIMER_RIS     0x10
#define ET_CMSDK_DUALTIMER_MIS     0x14
#define ET_CMSDK_DUALTIMER_BGLOAD  0x18
#define ET_CMSDK_DUALTIMER_TIMER1  0x00
#define ET_CMSDK_DUALTIMER_TIMER2  0x20
#define ET_CMSDK_DUALTIMER_ITCR    0xF00
#define ET_CMSDK_DUALTIMER_ITOP    0xF04
#define ET_CMSDK_DUALTIMER_PID4    0xFD0
#define ET_CMSDK_DUALTIMER_PID0    0xFE0
#define ET_CMSDK_DUALTIMER_CID0    0xFF0
#define ET_CMSDK_DUALTIMER_REGION  0x1000

/* CONTROL bits. */
#define ET_CMSDK_DUALTIMER_CTRL_ONESHOT     (1u << 0)
#define ET_CMSDK_DUALTIMER_CTRL_SIZE32      (1u << 1)
#define ET_CMSDK_DUALTIMER_CTRL_PRESCALE16  (1u << 2)
#define ET_CMSDK_DUALTIMER_CTRL_PRESCALE256 (2u << 2)
#define ET_CMSDK_DUALTIMER_CTRL_INTEN       (1u << 5)
#define ET_CMSDK_DUALTIMER_CTRL_PERIODIC    (1u << 6)
#define ET_CMSDK_DUALTIMER_CTRL_ENABLE      (1u << 7)

/* Output line indexes. */
#define ET_CMSDK_DUALTIMER_IRQ_TIMINTC 0
#define ET_CMSDK_DUALTIMER_IRQ_TIMINT1 1
#define ET_CMSDK_DUALTIMER_IRQ_TIMINT2 2

typedef struct et_cmsdk_apb_dualtimer_config {
    /* Required; clocks both counters. It must outlive the device (the
     * device removes its change callbacks when freed). */
    et_clock_input *timclk;
} et_cmsdk_apb_dualtimer_config;

/* NULL with a message in err (nothing allocated) for a bad configuration. */
et_device *et_cmsdk_apb_dualtimer_new(et_clock *clock, const char *name,
                                      const et_cmsdk_apb_dualtimer_config *cfg, char *err,
                                      size_t errlen);

ET_END_DECLS

#endif
