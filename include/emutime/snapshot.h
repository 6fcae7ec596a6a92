/* emutime: snapshots of a clock and a set of devices.
 *
 * A snapshot holds the clock's time and every device's declared state
 * (vmstate.h), in a versioned, checksummed format (docs/snapshot-format.md).
 * Save at any instant. Load validates everything first and changes nothing on
 * error; then stores every device's fields, re-arms timers at their saved
 * absolute deadlines (the clock is re-based to the saved time), and finally,
 * in a separate phase after all devices are loaded, re-synchronises interrupt
 * lines: each line's sink gets the loaded level.
 */
#ifndef EMUTIME_SNAPSHOT_H
#define EMUTIME_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/device.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Serialises the clock and the devices (in the given order, each by name and
 * vmstate) for a machine called machine. On success returns 0 and a malloc'ed
 * buffer the caller frees; on failure -1 and a message in err. */
int et_snapshot_save(et_clock *clock, et_device *const *devs, size_t n, const char *machine,
                     uint8_t **buf, size_t *len, char *err, size_t errlen);

/* Loads a snapshot into a clock and devices of the same machine. Returns 0,
 * or -1 with a message naming the problem (truncated, bad checksum, wrong
 * version, wrong machine, unknown device or field, ...) and nothing changed. */
int et_snapshot_load(et_clock *clock, et_device *const *devs, size_t n, const char *machine,
                     const uint8_t *buf, size_t len, char *err, size_t errlen);

/* Writes a readable description (machine, clock, each device's fields) to f.
 * Returns 0, or -1 with a message if the snapshot is invalid. */
int et_snapshot_describe(const uint8_t *buf, size_t len, void *file /* FILE * */,
                         char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
