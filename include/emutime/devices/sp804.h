/* emutime: ARM SP804 dual-input timer (ARM DDI 0271) and the Integrator/CP
 * counter/timers (ARM DUI 0159), which share its counter.
 *
 * SP804: two counters, each clocked by its own TIMCLK input (an
 * et_clock_input the device follows at run time; QEMU's boards use 1 MHz).
 * 4 KiB region, 1/2/4-byte aligned accesses (a narrower access reads or
 * writes the byte lanes of the 32-bit register, the other lanes of a write
 * as zero). Per counter n (1 or 2) at base (n - 1) * 0x20:
 *
 *   +0x00 TimerXLoad     RW  sets the count at once; reads the next reload
 *   +0x04 TimerXValue    RO  the counter (bits 31:16 in 16-bit mode: see below)
 *   +0x08 TimerXControl  RW  bit 0 OneShot, 1 TimerSize (1 = 32-bit),
 *                            3:2 prescale (/1, /16, /256; 0b11 undefined: /1),
 *                            5 IntEnable, 6 TimerMode (1 = periodic),
 *                            7 TimerEn. Reset 0x20.
 *   +0x0C TimerXIntClr   WO  any write clears the interrupt
 *   +0x10 TimerXRIS      RO  bit 0 raw interrupt
 *   +0x14 TimerXMIS      RO  bit 0 RIS && IntEnable
 *   +0x18 TimerXBGLoad   RW  sets the next reload value only
 *   0xF00 TimerITCR      RW  bit 0: integration test mode
 *   0xF04 TimerITOP      WO  bit 0 drives TIMINT1, bit 1 TIMINT2 in test mode
 *   0xFE0-0xFEC PeriphID0-3 (0x04 0x18 0x14 0x00), 0xFF0-0xFFC PCellID0-3
 *
 * Counting: Load = N in periodic mode counts N, N-1, ... 0; RIS is set when
 * the count reaches 0, which it holds for one tick before reloading N: the
 * period is N + 1 ticks. Free-running mode wraps to 0xFFFF / 0xFFFFFFFF the
 * same way; one-shot mode stops at 0. Writing Load = 0 raises RIS at once.
 * Control writes never reload the count. In 16-bit mode only bits 15:0
 * count; bits 31:16 of Value keep the top half of the last Load (or of the
 * reload value, in periodic mode), as the TRM's note on TimerXValue warns.
 * Reset: Load 0, Value 0xFFFFFFFF, Control 0x20, RIS 0, ITCR 0.
 *
 * SP804 output lines: 0 "timintc" (TIMINTC = TIMINT1 | TIMINT2),
 *                     1 "timint1", 2 "timint2" (each the counter's MIS, or
 *                     the ITOP bit in integration test mode).
 *
 * Integrator/CP PIT ("integrator_pit" in QEMU): three of the same counters
 * at 0x000, 0x100 and 0x200 (register offset & 0xFF), timer 0 clocked by the
 * system bus clock (40 MHz on QEMU's board), timers 1 and 2 at 1 MHz; no
 * integration test or ID registers. Output line n "timerN" is counter n's
 * MIS.
 *
 * See docs/devices/sp804.md.
 */
#ifndef EMUTIME_DEVICES_SP804_H
#define EMUTIME_DEVICES_SP804_H

#include <stddef.h>

#include "emutime/clock.h"
#include "emutime/clocktree.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

/* Register offsets inside a counter's block. */
#define ET_SP804_LOAD    0x00
#define ET_SP804_VALUE   0x04
#define ET_SP804_CONTROL 0x08
#define ET_SP804_INTCLR  0x0C
#define ET_SP804_RIS     0x10
#define ET_SP804_MIS     0x14
#define ET_SP804_BGLOAD  0x18
/* Base of counter 1 and 2. */
#define ET_SP804_TIMER1  0x00
#define ET_SP804_TIMER2  0x20
#define ET_SP804_ITCR    0xF00
#define ET_SP804_ITOP    0xF04
#define ET_SP804_PERIPHID0 0xFE0
#define ET_SP804_PCELLID0  0xFF0
#define ET_SP804_REGION  0x1000

/* Control bits. */
#define ET_SP804_CTRL_ONESHOT     (1u << 0)
#define ET_SP804_CTRL_32BIT       (1u << 1)
#define ET_SP804_CTRL_PRESCALE16  (1u << 2)
#define ET_SP804_CTRL_PRESCALE256 (2u << 2)
#define ET_SP804_CTRL_IE          (1u << 5)
#define ET_SP804_CTRL_PERIODIC    (1u << 6)
#define ET_SP804_CTRL_ENABLE      (1u << 7)

/* SP804 output line indexes. */
#define ET_SP804_IRQ_TIMINTC 0
#define ET_SP804_IRQ_TIMINT1 1
#define ET_SP804_IRQ_TIMINT2 2

typedef struct et_sp804_config {
    /* TIMCLK1 and TIMCLK2. timclk[0] is required; a NULL timclk[1] means
     * both counters use timclk[0]. Clock inputs must outlive the device
     * (it removes its change callbacks when freed). */
    et_clock_input *timclk[2];
} et_sp804_config;

/* NULL with a message in err (nothing allocated) for a bad configuration. */
et_device *et_sp804_new(et_clock *clock, const char *name, const et_sp804_config *cfg,
                        char *err, size_t errlen);

/* Integrator/CP counter/timers. */
#define ET_ICP_PIT_TIMER_STRIDE 0x100
#define ET_ICP_PIT_REGION       0x1000

typedef struct et_icp_pit_config {
    /* Timer 0's clock (40 MHz on the Integrator/CP) and timer 1's (1 MHz),
     * both required; a NULL timclk[2] means timer 2 uses timclk[1]. Clock
     * inputs must outlive the device. */
    et_clock_input *timclk[3];
} et_icp_pit_config;

et_device *et_icp_pit_new(et_clock *clock, const char *name, const et_icp_pit_config *cfg,
                          char *err, size_t errlen);

ET_END_DECLS

#endif
