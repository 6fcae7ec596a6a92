/* emutime: ARM PrimeCell PL031 real-time clock (ARM DDI 0224, "PrimeCell
 * Real Time Clock (PL031) Technical Reference Manual"), as on QEMU's
 * versatilepb (0x101e8000, VIC 10) and vexpress-a9 (0x10017000, SPI 4).
 *
 * A 32-bit counter of seconds (the 1 Hz CLK1HZ) with a match register. Its
 * time base is a wall clock (wallclock.h: QEMU's -rtc base/clock): RTCDR
 * reads the wall clock's whole seconds plus the offset the guest sets by
 * writing RTCLR. 4 KiB region, 1/2/4-byte aligned accesses (byte lanes of
 * the 32-bit registers, the other lanes of a write as zero):
 *
 *   0x000 RTCDR    RO  the counter (seconds)
 *   0x004 RTCMR    RW  match value: the interrupt is set when RTCDR equals it
 *   0x008 RTCLR    RW  a write loads the counter; reads the last value written
 *   0x00C RTCCR    RW  bit 0 RTC start: reads 1 (the counter always runs, as
 *                      in QEMU); writes are ignored
 *   0x010 RTCIMSC  RW  bit 0 interrupt mask (1 = enabled)
 *   0x014 RTCRIS   RO  bit 0 raw interrupt (the match)
 *   0x018 RTCMIS   RO  bit 0 RIS && IMSC
 *   0x01C RTCICR   WO  writing bit 0 = 1 clears the interrupt
 *   0xFE0-0xFFC    RO  PeriphID0-3 0x31 0x10 0x14 0x00, PCellID0-3 0x0D 0xF0
 *                      0x05 0xB1
 *
 * The match interrupt is set at the instant RTCDR becomes RTCMR (or at once
 * when a write of RTCMR or RTCLR makes them equal). A device reset (PRESETn)
 * clears RTCMR, RTCLR, RTCIMSC and RTCRIS but not the time, which has its
 * own reset (nRTCRST) in the hardware.
 *
 * Output line 0 "rtcintr" (RTCINTR = MIS). See docs/devices/pl031.md.
 */
#ifndef EMUTIME_DEVICES_PL031_H
#define EMUTIME_DEVICES_PL031_H

#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/device.h"
#include "emutime/wallclock.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

#define ET_PL031_DR     0x000
#define ET_PL031_MR     0x004
#define ET_PL031_LR     0x008
#define ET_PL031_CR     0x00C
#define ET_PL031_IMSC   0x010
#define ET_PL031_RIS    0x014
#define ET_PL031_MIS    0x018
#define ET_PL031_ICR    0x01C
#define ET_PL031_PERIPHID0 0xFE0
#define ET_PL031_PCELLID0  0xFF0
#define ET_PL031_REGION 0x1000

#define ET_PL031_IRQ_RTCINTR 0

typedef struct et_pl031_config {
    /* The time base (et_wallclock_init); its "vm" source is the clock the
     * device is created on. */
    et_wallclock wallclock;
} et_pl031_config;

et_device *et_pl031_new(et_clock *clock, const char *name, const et_pl031_config *cfg,
                        char *err, size_t errlen);

ET_END_DECLS

#endif
