/* emutime: the TI Stellaris (LM3S) General-Purpose Timer Module (LM3S811
 * datasheet, "General-Purpose Timers"), as QEMU's "stellaris-gptm" on
 * lm3s811evb: two 16-bit timers, A and B, that work together as one
 * 32-bit timer or apart, counting the system clock (an et_clock_input
 * followed at run time).
 *
 * Registers (4 KiB; aligned 4-byte accesses, narrower ones using the byte
 * lanes of the register, the other lanes of a write as zero):
 *
 *   0x000 GPTMCFG   RW  bits 2:0: 0 32-bit timer, 1 32-bit RTC, 4 two
 *                       16-bit timers (others reserved: nothing counts)
 *   0x004 GPTMTAMR  RW  bits 1:0 TAMR: 1 one-shot, 2 periodic, 3 capture
 *   0x008 GPTMTBMR  RW  bits 3:2 TnCMR/TnAMS (capture/PWM, stored only)
 *   0x00C GPTMCTL   RW  bit 0 TAEN, 8 TBEN (enables); the others stored
 *   0x018 GPTMIMR   RW  bit 0 TATOIM, 1 CAMIM, 2 CAEIM, 3 RTCIM,
 *                       8 TBTOIM, 9 CBMIM, 10 CBEIM
 *   0x01C GPTMRIS   RO  the raw status, same bits
 *   0x020 GPTMMIS   RO  RIS & IMR
 *   0x024 GPTMICR   W1C clears RIS bits
 *   0x028 GPTMTAILR RW  the load value; in the 32-bit modes TBILR:TAILR
 *                       (a write sets both and loads the counter)
 *   0x02C GPTMTBILR RW  timer B's load value (16-bit mode only)
 *   0x030 GPTMTAMATCHR, 0x034 GPTMTBMATCHR  RW  match values (32-bit in
 *                       the 32-bit modes: the RTC's match)
 *   0x038 GPTMTAPR, 0x03C GPTMTBPR  RW  8-bit prescalers (16-bit mode:
 *                       the timer counts every PR + 1 clocks)
 *   0x040 GPTMTAPMR, 0x044 GPTMTBPMR  RW  prescale match (stored)
 *   0x048 GPTMTAR, 0x04C GPTMTBR  RO  the counters (32-bit modes: TAR the
 *                       32-bit value, TBR its top half)
 *
 * One-shot / periodic: enabling loads the counter from the load value;
 * it counts down; reaching 0 is the time-out (TnTORIS); a periodic timer
 * holds 0 for a cycle and reloads (a period of load + 1 cycles), a
 * one-shot one stops and clears TnEN. A load write loads the counter.
 * RTC (GPTMCFG 1): a 32-bit up-counter at 1 Hz (the 32.768 kHz CCP0
 * input divided down, as the EVB has it), loaded with 1 when the mode is
 * selected and by TAILR writes, counting while TAEN; RTCRIS when it
 * reaches TAMATCHR, and it counts on.
 *
 * Output lines: 0 "timera" ((RIS & IMR) bits 3:0), 1 "timerb" (bits
 * 10:8), levels. See docs/devices/stellaris-gptm.md.
 */
#ifndef EMUTIME_DEVICES_STELLARIS_GPTM_H
#define EMUTIME_DEVICES_STELLARIS_GPTM_H

#include <stddef.h>

#include "emutime/clock.h"
#include "emutime/clocktree.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

#define ET_GPTM_CFG      0x000
#define ET_GPTM_TAMR     0x004
#define ET_GPTM_TBMR     0x008
#define ET_GPTM_CTL      0x00C
#define ET_GPTM_IMR      0x018
#define ET_GPTM_RIS      0x01C
#define ET_GPTM_MIS      0x020
#define ET_GPTM_ICR      0x024
#define ET_GPTM_TAILR    0x028
#define ET_GPTM_TBILR    0x02C
#define ET_GPTM_TAMATCHR 0x030
#define ET_GPTM_TBMATCHR 0x034
#define ET_GPTM_TAPR     0x038
#define ET_GPTM_TBPR     0x03C
#define ET_GPTM_TAPMR    0x040
#define ET_GPTM_TBPMR    0x044
#define ET_GPTM_TAR      0x048
#define ET_GPTM_TBR      0x04C
#define ET_GPTM_REGION   0x1000

#define ET_GPTM_CFG_32BIT 0
#define ET_GPTM_CFG_RTC   1
#define ET_GPTM_CFG_16BIT 4

#define ET_GPTM_MR_ONESHOT  1
#define ET_GPTM_MR_PERIODIC 2
#define ET_GPTM_MR_CAPTURE  3

#define ET_GPTM_CTL_TAEN (1u << 0)
#define ET_GPTM_CTL_TBEN (1u << 8)

#define ET_GPTM_INT_TATO (1u << 0)
#define ET_GPTM_INT_CAM  (1u << 1)
#define ET_GPTM_INT_CAE  (1u << 2)
#define ET_GPTM_INT_RTC  (1u << 3)
#define ET_GPTM_INT_TBTO (1u << 8)
#define ET_GPTM_INT_CBM  (1u << 9)
#define ET_GPTM_INT_CBE  (1u << 10)

/* Output line indexes. */
#define ET_GPTM_IRQ_TIMERA 0
#define ET_GPTM_IRQ_TIMERB 1

typedef struct et_stellaris_gptm_config {
    /* Required: the system clock. It must outlive the device. */
    et_clock_input *clk;
} et_stellaris_gptm_config;

/* NULL with a message in err (nothing allocated) for a bad configuration. */
et_device *et_stellaris_gptm_new(et_clock *clock, const char *name,
                                 const et_stellaris_gptm_config *cfg, char *err,
                                 size_t errlen);

ET_END_DECLS

#endif
