/* emutime: the iBASE IB700 single-board computer's watchdog, as QEMU's
 * "ib700" (an ISA device at ports 0x441-0x444).
 *
 * Register region: 4 bytes (ports 0x441..0x444 on a PC), 1-byte accesses
 * (a board splits wider ones), write-only: every read is 0xff.
 *
 *   0, 1  disable  any write stops the watchdog
 *   2, 3  enable   a write starts (or restarts: "pings") it with the
 *                  timeout that bits 3:0 select: 30 - 2 * n seconds, 30 s
 *                  for 0 down to 0 s for 15 (an immediate timeout)
 *
 * On timeout the device pulses output line 0 "timeout" (a board wires it
 * to the machine's watchdog action) and stops, as QEMU's does: the guest
 * must enable it again. Reset stops it. The timer runs on the virtual
 * clock. See docs/devices/ib700.md.
 */
#ifndef EMUTIME_DEVICES_IB700_H
#define EMUTIME_DEVICES_IB700_H

#include <stddef.h>

#include "emutime/clock.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

#define ET_IB700_DISABLE 0 /* and 1 */
#define ET_IB700_ENABLE  2 /* and 3 */
#define ET_IB700_REGION  4
#define ET_IB700_PORT    0x441 /* where a PC has it */

/* Output line index. */
#define ET_IB700_IRQ_TIMEOUT 0

/* The timeout a write of value to the enable port selects, in seconds. */
unsigned et_ib700_timeout_seconds(unsigned value);

/* NULL with a message in err (nothing allocated) without a clock. */
et_device *et_ib700_new(et_clock *clock, const char *name, char *err, size_t errlen);

ET_END_DECLS

#endif
