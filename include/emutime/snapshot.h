/* emutime: snapshots of a clock and a set of devices.
 *
 * A snapshot holds the clock's time and every device's declared state
 * (vmstate.h), in a versioned, checksummed format (docs/snapshot-format.md).
 * Save at any instant. Load validates everything first and changes nothing on
 * error; then stores every device's fields, re-arms timers at their saved
 * absolute deadlines (the clock is re-based to the saved time), and finally,
 * in a separate phase after all devices are loaded, re-synchronises interrupt
 * lines: each line's sink gets the loaded level.
 *
 * Exactness. Save takes every device's lock (in one global order: by lock
 * class, then by address), reads the clock once (time T) and first runs every
 * expiry due at or before T, so the snapshot is the machine's state as of T.
 * A timer popped by the runner but not yet run is saved armed at its
 * deadline, and the firing order of timers due at the same instant is saved
 * and restored (format 2). Load
 * holds every device's lock while it re-bases the clock to T and stores the
 * fields, then releases them all, then re-synchronises the lines. A real-time
 * clock keeps its own paused/running state across a load (the saved flag is
 * informational, like QEMU's loadvm keeping the run state). A firing pass
 * under way when the load re-bases the clock ends before its next firing
 * (clock.h), so nothing the load re-armed fires ahead of the clock.
 *
 * Rules for callers: never call these holding a device lock or from a timer
 * callback; load expects no concurrent guest accesses (a stopped VM: lock-free
 * read paths such as ops->read_lockless are not synchronised with it); every
 * device must be on the given clock and have a distinct name. Sinks must be
 * idempotent: the re-synchronisation delivers a level the sink may already
 * have. (ThreadSanitizer's deadlock detector tracks at most 64 locks held at
 * once: under TSan, machines of more than ~60 devices need
 * TSAN_OPTIONS=detect_deadlocks=0.)
 */
#ifndef EMUTIME_SNAPSHOT_H
#define EMUTIME_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/device.h"
#include "emutime/error.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

/* Serialises the clock and the devices (in the given order, each by name and
 * vmstate) for a machine called machine. On success returns 0 and a malloc'ed
 * buffer the caller frees; on failure a negative et_error (error.h) and a
 * message in err: ET_EINVAL for a device whose saved-state declaration is
 * unusable (or two devices of one name), ET_ETOOBIG past the format's size. */
int et_snapshot_save(et_clock *clock, et_device *const *devs, size_t n, const char *machine,
                     uint8_t **buf, size_t *len, char *err, size_t errlen);

/* Loads a snapshot into a clock and devices of the same machine. Returns 0,
 * or, with a message naming the problem and nothing changed: ET_EFORMAT for
 * data that is not a valid snapshot (truncated, bad checksum, unknown format
 * version, duplicate names), ET_EMISMATCH for a valid snapshot of another
 * machine, device set, state version or field layout, ET_EINVAL for bad
 * arguments or device declarations. */
int et_snapshot_load(et_clock *clock, et_device *const *devs, size_t n, const char *machine,
                     const uint8_t *buf, size_t len, char *err, size_t errlen);

/* Writes a readable description (machine, clock, each device's fields) to f.
 * Returns 0; ET_EFORMAT with a message if the snapshot is invalid,
 * ET_ESYSTEM if writing fails. */
int et_snapshot_describe(const uint8_t *buf, size_t len, void *file /* FILE * */,
                         char *err, size_t errlen);

/* The same as one JSON object: format, bytes, crc32, machine, clock {kind,
 * paused, now_ns}, devices [{name, state, version, fields [{name, type,
 * values [...]}]}] (a ptimer or timer value is an object with its
 * deadline_ns, -1 when not armed) and same_deadline_order. */
int et_snapshot_describe_json(const uint8_t *buf, size_t len, void *file /* FILE * */,
                              char *err, size_t errlen);

/* The snapshot format version this build writes (and the newest it reads). */
#define ET_SNAPSHOT_FORMAT_VERSION 2

/* Writes a snapshot to path atomically: a temporary file in the same
 * directory, flushed to disk, then renamed over path. Returns 0, or ET_ESYSTEM
 * (ET_EINVAL for missing arguments) with a message; the old file, if any, is
 * left as it was. */
int et_snapshot_write_file(const char *path, const uint8_t *buf, size_t len, char *err,
                           size_t errlen);

/* Reads a whole file into a malloc'ed buffer the caller frees. Returns 0, or
 * an error with a message naming the file and the reason. Only a regular file
 * no larger than the format allows (16 + 2^32 - 1 + 4 bytes) is read: a FIFO,
 * device or directory is refused without blocking (ET_EINVAL), a larger file
 * is ET_ETOOBIG, a failed open or read ET_ESYSTEM. Does not validate. */
int et_snapshot_read_file(const char *path, uint8_t **buf, size_t *len, char *err,
                          size_t errlen);

ET_END_DECLS

#endif
