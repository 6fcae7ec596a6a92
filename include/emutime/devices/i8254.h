/* emutime: Intel 8254 programmable interval timer (Intel 82C54 datasheet),
 * with the PC's port 0x61 (system control port B: channel 2's gate, the
 * speaker data bit, OUT2 and the refresh toggle), as QEMU's "isa-pit" and
 * "isa-pcspk" on pc and q35.
 *
 * Three 16-bit down-counters clocked at 1.193182 MHz (PIT_HZ). Register
 * region: 0x22 bytes, 1-byte accesses; a PC maps offsets 0-3 at ports
 * 0x40-0x43 and offset 0x21 at port 0x61:
 *
 *   0x00-0x02  counter 0-2  RW  count (LSB, MSB or LSB then MSB as the
 *                               control word chose) / count, latch or status
 *   0x03       control      WO  control word, counter latch, read-back;
 *                               reads 0 (QEMU)
 *   0x21       port B       RW  bit 0 GATE2, bit 1 speaker data, bit 4
 *                               refresh toggle (flips on every read, as
 *                               QEMU's), bit 5 OUT2 (read-only)
 *   others                      read 0xff, writes ignored (guest error)
 *
 * Modes 0-5 with binary or BCD counts; gate 0 and 1 are tied high, gate 2
 * is port B bit 0. The counts follow the datasheet's waveforms with the
 * count starting at the write (no load cycle, as QEMU). Power-on and reset
 * (as QEMU's, which emulates the BIOS's setup): every counter in mode 3
 * with count 0x10000 (65536: 18.2 Hz), gates 0 and 1 high, gate 2 low.
 *
 * Output line 0 "out0" is OUT0 (ISA IRQ 0), driven at every transition
 * of the waveform. OUT1 and OUT2 are computed when read and drive no line.
 * See docs/devices/i8254.md.
 */
#ifndef EMUTIME_DEVICES_I8254_H
#define EMUTIME_DEVICES_I8254_H

#include <stdbool.h>
#include <stddef.h>

#include "emutime/clock.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

#define ET_I8254_HZ 1193182u

#define ET_I8254_COUNTER0 0x00
#define ET_I8254_COUNTER1 0x01
#define ET_I8254_COUNTER2 0x02
#define ET_I8254_CONTROL  0x03
#define ET_I8254_PORT_B   0x21
#define ET_I8254_REGION   0x22

/* Control word fields. */
#define ET_I8254_SC_SHIFT 6
#define ET_I8254_SC_READ_BACK 3u
#define ET_I8254_RW_LATCH 0u
#define ET_I8254_RW_LSB   1u
#define ET_I8254_RW_MSB   2u
#define ET_I8254_RW_WORD  3u
#define ET_I8254_BCD      1u
/* Read-back command bits (SC = 11): bit 5 clear latches the counts, bit 4
 * clear the status, of the counters whose bits 1-3 are set. */
#define ET_I8254_RB_NO_COUNT  0x20u
#define ET_I8254_RB_NO_STATUS 0x10u
#define ET_I8254_RB_COUNTER(n) (0x02u << (n))
/* Status byte. */
#define ET_I8254_STATUS_OUT       0x80u
#define ET_I8254_STATUS_NULL_COUNT 0x40u

/* Port B bits. */
#define ET_I8254_PORTB_GATE2   0x01u
#define ET_I8254_PORTB_SPEAKER 0x02u
#define ET_I8254_PORTB_REFRESH 0x10u
#define ET_I8254_PORTB_OUT2    0x20u

/* Output line index. */
#define ET_I8254_IRQ_OUT0 0

/* NULL with a message in err (nothing allocated) without a clock. */
et_device *et_i8254_new(et_clock *clock, const char *name, char *err, size_t errlen);

ET_END_DECLS

#endif
