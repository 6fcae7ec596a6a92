/* emutime: the Goldfish RTC, the real-time clock of Android's Goldfish
 * virtual platform and of QEMU's RISC-V virt board ("goldfish_rtc").
 *
 * A 64-bit count of nanoseconds since 1970-01-01 00:00:00 UTC and a 64-bit
 * alarm, in 32-bit registers (little-endian, 4-byte accesses only; QEMU's
 * register map, docs/devices/goldfish-rtc.md):
 *
 *   0x00 TIME_LOW         R: samples the time, returns bits 31:0 and latches
 *                         bits 63:32 for TIME_HIGH. W: sets bits 31:0 of
 *                         the time (the rest keeps counting).
 *   0x04 TIME_HIGH        R: bits 63:32 latched by the last TIME_LOW read.
 *                         W: sets bits 63:32 of the time.
 *   0x08 ALARM_LOW        R/W: alarm bits 31:0; a write arms the alarm.
 *   0x0c ALARM_HIGH       R/W: alarm bits 63:32 (write it first).
 *   0x10 IRQ_ENABLED      R/W: bit 0 enables the interrupt output.
 *   0x14 CLEAR_ALARM      W: disarms the alarm.
 *   0x18 ALARM_STATUS     R: 1 while the alarm is armed and has not fired.
 *   0x1c CLEAR_INTERRUPT  W: clears the pending interrupt.
 *
 * The alarm fires when the time reaches it (at once if it already has):
 * it disarms and sets the pending interrupt. Output line 0 is
 * pending AND IRQ_ENABLED. Other offsets of the 0x24-byte region are guest
 * errors (read 0, writes ignored).
 *
 * Time base: time = source + offset, the source and the first offset being
 * QEMU's -rtc base and clock (wallclock.h); at creation the time is the wall
 * clock's in whole seconds, as QEMU sets it. Guest writes of the time change
 * only the offset. Reset disarms the alarm and clears ALARM, IRQ_ENABLED and
 * the pending interrupt; the time keeps running (an RTC is not reset).
 *
 * Snapshots hold the offset from the source, so the guest's time is kept
 * exactly: on the "vm" clock it continues from the saved instant; on "host"
 * or "rt" it is the host's time plus the guest's own adjustment, as a
 * battery-backed RTC would be. A snapshot is loaded on a machine with the
 * same rtc clock.
 */
#ifndef EMUTIME_DEVICES_GOLDFISH_RTC_H
#define EMUTIME_DEVICES_GOLDFISH_RTC_H

#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

#define ET_GOLDFISH_RTC_SIZE 0x24u

#define ET_GOLDFISH_RTC_TIME_LOW        0x00u
#define ET_GOLDFISH_RTC_TIME_HIGH       0x04u
#define ET_GOLDFISH_RTC_ALARM_LOW       0x08u
#define ET_GOLDFISH_RTC_ALARM_HIGH      0x0cu
#define ET_GOLDFISH_RTC_IRQ_ENABLED     0x10u
#define ET_GOLDFISH_RTC_CLEAR_ALARM     0x14u
#define ET_GOLDFISH_RTC_ALARM_STATUS    0x18u
#define ET_GOLDFISH_RTC_CLEAR_INTERRUPT 0x1cu

typedef struct et_goldfish_rtc_config {
    const char *rtc_base;  /* QEMU's -rtc base: "utc" (NULL), "localtime", a date */
    const char *rtc_clock; /* QEMU's -rtc clock: "host" (NULL), "rt", "vm" */
} et_goldfish_rtc_config;

/* Creates the RTC on clock (its virtual clock, also the "vm" source). cfg
 * may be NULL for the defaults. NULL with a message in err for a bad base
 * or clock. */
et_device *et_goldfish_rtc_new(et_clock *clock, const char *name,
                               const et_goldfish_rtc_config *cfg, char *err, size_t errlen);

/* The time now, in ns since the epoch, as a TIME_LOW/TIME_HIGH read pair
 * would give it (without touching the TIME_HIGH latch). */
uint64_t et_goldfish_rtc_time(et_device *dev);

ET_END_DECLS

#endif
