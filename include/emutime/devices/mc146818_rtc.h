/* emutime: Motorola MC146818A real-time clock and its CMOS RAM, as a PC
 * has it at I/O ports 0x70/0x71 (QEMU's "mc146818rtc").
 *
 * Register region: 2 bytes, 1-byte accesses (a board splits wider ones):
 *
 *   0  index  WO  bits 6:0 select a CMOS byte; bit 7 is the PC's NMI
 *                 disable (stored, no NMI is modelled). Reads 0xff, as QEMU.
 *   1  data   RW  the selected byte
 *
 * CMOS bytes (128): 0x00 seconds, 0x01 seconds alarm, 0x02 minutes, 0x03
 * minutes alarm, 0x04 hours, 0x05 hours alarm, 0x06 day of week, 0x07 day
 * of month, 0x08 month, 0x09 year, 0x0A register A (UIP, DV2-0, RS3-0),
 * 0x0B register B (SET PIE AIE UIE SQWE DM 24/12 DSE), 0x0C register C
 * (IRQF PF AF UF, read-only, cleared by reading), 0x0D register D (VRT,
 * reads 0x80), 0x32 the century (BCD or binary as DM says; 0x37, the IBM
 * PS/2 century byte, is an alias of it), every other byte plain RAM.
 *
 * Time: BCD or binary (DM), 12-hour (bit 7 of the hours is PM) or 24-hour.
 * The date and time follow a wall clock (wallclock.h) from the moment the
 * device is created; writing a time register while the clock runs sets the
 * time, keeping the phase within the second. The divider chain: DV2-0 = 010
 * runs the 32.768 kHz time base; 11x holds it in reset (no updates, no
 * interrupts); leaving reset starts the first update 500 ms later. SET
 * freezes the registers for the guest to write; clearing it resumes from the
 * written time with the phase the clock had. UIP reads 1 for the last 244 us
 * (8 periods of 32.768 kHz) before each update.
 *
 * Interrupts: periodic (RS3-0: 32768 >> (RS - 1) Hz, RS 1 and 2 as 8 and 9;
 * 0 off), alarm (the three alarm bytes, 0xC0-0xFF in one is "don't care"),
 * update-ended, each setting its flag in register C and, when enabled in
 * register B, IRQF and the IRQ output (line 0 "irq", ISA IRQ 8), a level
 * held until register C is read. The periodic rate ignores DV2-0, as QEMU's
 * does (its time base is always 32.768 kHz).
 *
 * The timers run on the device's clock when the wall clock's source is the
 * virtual clock (ET_WALLCLOCK_VM). With a host source (QEMU's clock=host or
 * rt) the time advances with the host but no interrupt or UIP timer is
 * armed: see docs/devices/mc146818-rtc.md.
 */
#ifndef EMUTIME_DEVICES_MC146818_RTC_H
#define EMUTIME_DEVICES_MC146818_RTC_H

#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/device.h"
#include "emutime/export.h"
#include "emutime/wallclock.h"

ET_BEGIN_DECLS

/* Register offsets (ports 0x70 and 0x71 on a PC). */
#define ET_RTC_INDEX 0
#define ET_RTC_DATA  1
#define ET_RTC_REGION 2

#define ET_RTC_INDEX_NMI_DISABLE 0x80u

/* CMOS byte numbers. */
#define ET_RTC_SECONDS        0x00
#define ET_RTC_SECONDS_ALARM  0x01
#define ET_RTC_MINUTES        0x02
#define ET_RTC_MINUTES_ALARM  0x03
#define ET_RTC_HOURS          0x04
#define ET_RTC_HOURS_ALARM    0x05
#define ET_RTC_DAY_OF_WEEK    0x06
#define ET_RTC_DAY_OF_MONTH   0x07
#define ET_RTC_MONTH          0x08
#define ET_RTC_YEAR           0x09
#define ET_RTC_REG_A          0x0A
#define ET_RTC_REG_B          0x0B
#define ET_RTC_REG_C          0x0C
#define ET_RTC_REG_D          0x0D
#define ET_RTC_CENTURY        0x32
#define ET_RTC_PS2_CENTURY    0x37
#define ET_RTC_CMOS_SIZE      128

#define ET_RTC_A_UIP  0x80u
#define ET_RTC_B_SET  0x80u
#define ET_RTC_B_PIE  0x40u
#define ET_RTC_B_AIE  0x20u
#define ET_RTC_B_UIE  0x10u
#define ET_RTC_B_SQWE 0x08u
#define ET_RTC_B_DM   0x04u
#define ET_RTC_B_24H  0x02u
#define ET_RTC_B_DSE  0x01u
#define ET_RTC_C_IRQF 0x80u
#define ET_RTC_C_PF   0x40u
#define ET_RTC_C_AF   0x20u
#define ET_RTC_C_UF   0x10u
#define ET_RTC_ALARM_DONT_CARE 0xC0u

/* Output line index. */
#define ET_RTC_IRQ 0

typedef struct et_mc146818_rtc_config {
    /* The guest's wall clock: the time shown at creation and what advances
     * it (wallclock.h). Its VM source is the device's clock. */
    et_wallclock wallclock;
} et_mc146818_rtc_config;

/* NULL with a message in err (nothing allocated) for a bad configuration. */
et_device *et_mc146818_rtc_new(et_clock *clock, const char *name,
                               const et_mc146818_rtc_config *cfg, char *err, size_t errlen);

ET_END_DECLS

#endif
