/* emutime: the Arm SSE-300 / SSE-123 System Timer (Arm SSE-123 Example
 * Subsystem TRM, ARM 101370, "System timer"; the CNTBase frame of the Arm
 * generic timer, ARM DDI 0487 I2, with the SSE's auto-increment
 * extension), as QEMU's "sse-timer" on mps3-an547.
 *
 * It has no clock of its own: it compares against the count of an SSE
 * System Counter (sse_counter.h), its "timestamp". Registers (4 KiB,
 * aligned 4-byte accesses only):
 *
 *   0x000 CNTPCT_LO / 0x004 CNTPCT_HI   RO  the counter's count
 *   0x010 CNTFRQ             RW  the frequency software reports (stored)
 *   0x020 CNTP_CVAL_LO / 0x024 CNTP_CVAL_HI   RW  the compare value
 *   0x028 CNTP_TVAL          RW  read: CVAL - CNTPCT (low 32 bits);
 *                                write: CVAL = CNTPCT + sign-extended value
 *   0x02C CNTP_CTL           RW  bit 0 ENABLE, bit 1 IMASK, bit 2 ISTATUS (RO)
 *   0x040 CNTP_AIVAL_LO / 0x044 CNTP_AIVAL_HI  RO  the auto-increment compare value
 *   0x048 CNTP_AIVAL_RELOAD  RW  the increment
 *   0x04C CNTP_AIVAL_CTL     RW  bit 0 EN; bit 1 CLR (the auto-increment
 *                                event: set at each match, write 0 clears,
 *                                write 1 ignored)
 *   0x050 CNTP_CFG           RO  1: auto-increment implemented
 *   0xFD0-0xFFC              RO  PID4-7, PID0-3 (part 0xB7), CID0-3
 *
 * ISTATUS (while ENABLE): CNTPCT >= CVAL; in auto-increment mode
 * (AIVAL_CTL.EN), AIVAL_CTL.CLR instead. Enabling auto-increment (or the
 * timer with it on) sets AIVAL = CNTPCT + RELOAD; each time CNTPCT
 * reaches AIVAL, CLR is set and AIVAL = CNTPCT + RELOAD again.
 *
 * Output line 0 "irq": ISTATUS && !IMASK, a level.
 * See docs/devices/sse-timer.md.
 */
#ifndef EMUTIME_DEVICES_SSE_TIMER_H
#define EMUTIME_DEVICES_SSE_TIMER_H

#include <stddef.h>

#include "emutime/clock.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

#define ET_SSE_TIMER_CNTPCT_LO       0x000
#define ET_SSE_TIMER_CNTPCT_HI       0x004
#define ET_SSE_TIMER_CNTFRQ          0x010
#define ET_SSE_TIMER_CNTP_CVAL_LO    0x020
#define ET_SSE_TIMER_CNTP_CVAL_HI    0x024
#define ET_SSE_TIMER_CNTP_TVAL       0x028
#define ET_SSE_TIMER_CNTP_CTL        0x02C
#define ET_SSE_TIMER_CNTP_AIVAL_LO   0x040
#define ET_SSE_TIMER_CNTP_AIVAL_HI   0x044
#define ET_SSE_TIMER_CNTP_AIVAL_RELOAD 0x048
#define ET_SSE_TIMER_CNTP_AIVAL_CTL  0x04C
#define ET_SSE_TIMER_CNTP_CFG        0x050
#define ET_SSE_TIMER_PID4            0xFD0
#define ET_SSE_TIMER_REGION          0x1000

#define ET_SSE_TIMER_CTL_ENABLE  (1u << 0)
#define ET_SSE_TIMER_CTL_IMASK   (1u << 1)
#define ET_SSE_TIMER_CTL_ISTATUS (1u << 2)
#define ET_SSE_TIMER_AIVAL_EN    (1u << 0)
#define ET_SSE_TIMER_AIVAL_CLR   (1u << 1)

/* Output line indexes. */
#define ET_SSE_TIMER_IRQ 0

typedef struct et_sse_timer_config {
    /* Required: the System Counter (an et_sse_counter_new control frame)
     * whose count this timer compares. The counter device may be freed
     * before the timer (its last configuration then stays in force); the
     * timer must not be freed while an access to the counter is running. */
    et_device *counter;
} et_sse_timer_config;

/* NULL with a message in err (nothing allocated) for a bad configuration. */
et_device *et_sse_timer_new(et_clock *clock, const char *name, const et_sse_timer_config *cfg,
                            char *err, size_t errlen);

ET_END_DECLS

#endif
