/* emutime: the Arm SSE-300 / SSE-123 System Counter (the "System
 * Timestamp Generator"; Arm SSE-123 Example Subsystem TRM, ARM 101370,
 * "System counter", and the SSE-300 TRM), as QEMU's "sse-counter" on
 * mps3-an547.
 *
 * A non-stop 64-bit up-counter with a 24-bit fraction: every tick of its
 * clock (CLK, an et_clock_input followed at run time) adds CNTSCR (in
 * units of 2^-24) while CNTCR.SCEN is set, else exactly 1. The count is
 * the timestamp its consumers compare against: the SSE system timers
 * (sse_timer.h) read it through the counter they are given.
 *
 * Control frame (4 KiB, aligned 4-byte accesses only; on mps3-an547 at
 * 0x58100000, Secure only):
 *
 *   0x000 CNTCR    RW  bit 0 EN, 1 HDBG, 2 SCEN, 3 INTRMASK, 4 PSLVERRDIS
 *                      (stored); bit 5 INTRCLR and 31:6 RAZ/WI
 *   0x004 CNTSR    RO  0 (no halt-on-debug)
 *   0x008 CNTCV_LO RW  the count, low half  } a write sets that half and
 *   0x00C CNTCV_HI RW  the count, high half } clears the fraction
 *   0x010 CNTSCR   RW  the scale (also at 0x0D0 as CNTSCR0); 0x01000000
 *                      from reset (one count per tick)
 *   0x01C CNTID    RO  0x00020001: scaling implemented, CLK0 only
 *   0x0D4 CNTSCR1  RAZ/WI (no clock switching)
 *   0xFD0-0xFFC    RO  PID4-7, PID0-3 (part 0xBA), CID0-3
 *
 * A change of EN, SCEN, CNTSCR or the clock's rate keeps the count reached
 * so far (with its fraction) and continues at the new rate. The status
 * frame is a device of its own (et_sse_counter_status_new): CNTCV_LO/HI
 * read-only at 0x000/0x004 and its IDs (part 0xBB).
 *
 * No output lines. See docs/devices/sse-counter.md.
 */
#ifndef EMUTIME_DEVICES_SSE_COUNTER_H
#define EMUTIME_DEVICES_SSE_COUNTER_H

#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/clocktree.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

#define ET_SSE_CNTCR    0x000
#define ET_SSE_CNTSR    0x004
#define ET_SSE_CNTCV_LO 0x008
#define ET_SSE_CNTCV_HI 0x00C
#define ET_SSE_CNTSCR   0x010
#define ET_SSE_CNTID    0x01C
#define ET_SSE_CNTSCR0  0x0D0
#define ET_SSE_CNTSCR1  0x0D4
#define ET_SSE_CNTFID0  0x020 /* with cfg->cntfid0 only */
#define ET_SSE_COUNTER_PID4 0xFD0
#define ET_SSE_COUNTER_REGION 0x1000

/* The status frame. */
#define ET_SSE_STATUS_CNTCV_LO 0x000
#define ET_SSE_STATUS_CNTCV_HI 0x004

#define ET_SSE_CNTCR_EN    (1u << 0)
#define ET_SSE_CNTCR_HDBG  (1u << 1)
#define ET_SSE_CNTCR_SCEN  (1u << 2)
#define ET_SSE_CNTCR_INTRMASK   (1u << 3)
#define ET_SSE_CNTCR_PSLVERRDIS (1u << 4)

#define ET_SSE_CNTSCR_ONE 0x01000000u /* one count per tick */

typedef struct et_sse_counter_config {
    /* Required: the counter's clock. It must outlive the device. */
    et_clock_input *clk;
    /* 0: the SSE's frame (QEMU's "sse-counter"). Else the frame is also
     * the architecture's CNTControlBase (ARM DDI 0487 I2.2) for a generic
     * timer's system counter: CNTFID0 at 0x020 reads this base frequency
     * (what firmware copies into CNTFRQ) and 0x024 the table's end, 0. */
    uint32_t cntfid0;
} et_sse_counter_config;

/* The control frame. NULL with a message in err for a bad configuration. */
et_device *et_sse_counter_new(et_clock *clock, const char *name,
                              const et_sse_counter_config *cfg, char *err, size_t errlen);

/* The status frame of counter (a device returned by et_sse_counter_new,
 * which must outlive it). NULL with a message for anything else. */
et_device *et_sse_counter_status_new(et_clock *clock, const char *name, et_device *counter,
                                     char *err, size_t errlen);

/* The count at the current time (what CNTCV reads). */
uint64_t et_sse_counter_value(et_device *counter);

ET_END_DECLS

#endif
