/* Snapshot internals shared by the snapshot engine's files:
 *   snapshot_format.c    the wire format and its parse into a snap_image
 *   snapshot_devices.c   the machine side: declarations, layouts, locking
 *   snapshot_save.c      et_snapshot_save
 *   snapshot_load.c      et_snapshot_load
 *   snapshot_describe.c  et_snapshot_describe and _describe_json
 *   snapshot_file.c      et_snapshot_write_file and _read_file
 * The format itself is docs/snapshot-format.md. */
#ifndef EMUTIME_SNAPSHOT_INTERNAL_H
#define EMUTIME_SNAPSHOT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/internal.h"
#include "emutime/device.h"
#include "emutime/ptimer.h"
#include "emutime/snapshot.h"
#include "emutime/vmstate.h"

/* --- the format ---------------------------------------------------------- */

extern const uint8_t et__snap_magic[8];

enum {
    HEADER_SIZE = 16, /* magic, format version, body length */
    CRC_SIZE = 4,
    MAX_NAME = 0xffff, /* strings carry a 16-bit length */
    PTIMER_SIZE = 1 + 8 + 8 + 8 + 4 + 8 + 8 + 8,
    MIN_DEVICE_SIZE = 2 + 2 + 4 + 4,
    MIN_FIELD_SIZE = 2 + 1 + 4,
};

/* Type codes on disk. They are the format's own and never change, whatever
 * happens to et_field_type. */
enum {
    T_BOOL = 1,
    T_U8 = 2,
    T_U16 = 3,
    T_U32 = 4,
    T_U64 = 5,
    T_I64 = 6,
    T_PTIMER = 7,
    T_TIMER = 8,
    T_IRQ = 9,
    T_LAST = T_IRQ
};

typedef struct et__snap_type {
    const char *name;
    size_t size; /* bytes per element on disk */
} et__snap_type;

extern const et__snap_type et__snap_types[T_LAST + 1];

/* The disk code of a declared type, 0 for none. */
uint8_t et__snap_disk_code(et_field_type type);

static inline uint64_t snap_get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static inline void snap_put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* A ptimer element (PTIMER_SIZE bytes): mode, limit, count, period, its
 * fraction, last and next event, deadline. */
void et__snap_get_ptimer(const uint8_t *p, et_ptimer_state *st);
void et__snap_put_ptimer(uint8_t *p, const et_ptimer_state *st);

/* The deadline of a valid timer or ptimer element as stored, or -1 when it is
 * not armed (a stopped ptimer is not armed, whatever its deadline says). */
int64_t et__snap_elem_deadline(uint8_t type, const uint8_t *p);

/* FNV-1a: names are looked up in open-addressing hash tables. */
uint64_t et__snap_name_hash(const char *p, size_t n);
/* How many name comparisons the lookups in those tables have made so far
 * (all threads): tests bound it to show a parse is linear. */
uint64_t et__snap_name_compares(void);
/* A zeroed table of at least 2n slots (a power of two); mask gets its size - 1. */
uint32_t *et__snap_name_table(size_t n, size_t *mask);

/* --- a parsed snapshot ----------------------------------------------------- */

typedef struct snap_str {
    const char *p;
    size_t len;
} snap_str;

/* printf arguments for "%.*s" of a saved name, cut at 64 characters so a
 * message always has room for the rest. */
#define NAMEF(s) (int)((s).len > 64 ? 64 : (s).len), (s).p

static inline bool snap_str_eq(snap_str a, const char *b)
{
    return a.len == strlen(b) && memcmp(a.p, b, a.len) == 0;
}

typedef struct snap_field {
    snap_str name;
    uint8_t type; /* disk code */
    uint32_t count;
    const uint8_t *data;
} snap_field;

typedef struct snap_device {
    snap_str name;
    snap_str state;
    uint32_t version;
    uint32_t n_fields;
    snap_field *fields;
    uint32_t *by_name; /* hash index of the field names: index + 1, 0 empty */
    size_t name_mask;
} snap_device;

/* One entry of the same-deadline order: a timer or ptimer element. */
typedef struct snap_tie {
    uint32_t dev, field, elem;
    uint32_t pos; /* its place in the list */
} snap_tie;

typedef struct snap_image {
    uint32_t format;
    size_t len;
    uint32_t crc;
    snap_str machine;
    uint8_t clock_kind;  /* 0 manual, 1 real-time */
    uint8_t clock_flags; /* bit 0: paused */
    int64_t now;
    uint32_t n_devices;
    snap_device *devices;
    uint32_t *by_name; /* hash index of device names: index + 1, 0 empty */
    size_t name_mask;
    uint32_t n_ties;
    snap_tie *ties;        /* in the order stored */
    snap_tie *ties_sorted; /* by (dev, field, elem), for lookups */
} snap_image;

/* Parses and checks a whole snapshot, without any machine: on success img
 * holds it (pointing into buf) until et__snap_image_free. Time and memory
 * are linear in len (names are checked for duplicates through hash tables). */
int et__snap_parse(const uint8_t *buf, size_t len, snap_image *img, char *err, size_t errlen);
void et__snap_image_free(snap_image *img);

/* The index of the device called name, or -1. */
long et__snap_find_device(const snap_image *img, const char *name);
/* The index of the device's field called name, or -1. */
long et__snap_find_field(const snap_device *sd, const char *name);
/* The place of an element in the same-deadline order, or UINT32_MAX. */
uint32_t et__snap_tie_position(const snap_image *img, uint32_t dev, uint32_t field,
                               uint32_t elem);

/* --- the machine side (snapshot_devices.c) --------------------------------- */

/* Checks every device's declaration and that their names are distinct. */
int et__snap_check_devices(et_clock *clock, et_device *const *devs, size_t n, char *err,
                           size_t errlen);
/* Where a field's elements are now (device lock held). */
int et__snap_field_layout(et_device *dev, const et_field *f, uint8_t **base, uint32_t *count,
                          char *err, size_t errlen);
/* Checks the objects a field's elements point to (device lock held). */
int et__snap_check_elems(et_device *dev, const et_field *f, uint8_t *base, uint32_t n,
                         char *err, size_t errlen);

static inline void *snap_elem_at(const et_field *f, uint8_t *base, uint32_t i)
{
    return base + (size_t)i * f->stride + f->elem_offset;
}

/* Takes every device's lock in the one global order; returns that order
 * for et__snap_unlock_all. */
et_device **et__snap_lock_all(et_device *const *devs, size_t n);
/* Releases the locks, then delivers what expiries queued meanwhile. */
void et__snap_unlock_all(et_device **order, size_t n);

#endif
