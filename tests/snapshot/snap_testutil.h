/* Helpers shared by the snapshot test programs: a seeded random generator,
 * an interrupt recorder, and a small independent reader of the snapshot
 * format (docs/snapshot-format.md) used to locate and patch records. Every
 * function is static and marked unused: each program uses a subset. */
#ifndef SNAP_TESTUTIL_H
#define SNAP_TESTUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "device_adapter.h"
#include "emutime/emutime.h"

#define SNAPUTIL_UNUSED __attribute__((unused))

/* --- random numbers (splitmix64: tiny, good enough, reproducible) -------- */

static SNAPUTIL_UNUSED uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) (n > 0; the modulo bias is irrelevant here). */
static SNAPUTIL_UNUSED uint64_t rng_below(uint64_t *s, uint64_t n)
{
    return rng_next(s) % n;
}

/* The suite's seed: EMUTIME_SEED (decimal or 0x hex) to replay, else one
 * from the time. */
static SNAPUTIL_UNUSED uint64_t test_seed(void)
{
    const char *env = getenv("EMUTIME_SEED");
    if (env && *env) {
        return strtoull(env, NULL, 0);
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t s = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec;
    return rng_next(&s);
}

/* --- interrupt recorder -------------------------------------------------- */

#define REC_LINES 64

typedef struct rec_event {
    int n;
    int level;
    int64_t t; /* clock time minus origin */
} rec_event;

typedef struct recorder {
    et_clock *clock;
    int64_t origin;
    rec_event *ev;
    size_t n, cap;
    int level[REC_LINES]; /* the last level each input received */
    unsigned long calls;
} recorder;

static SNAPUTIL_UNUSED void rec_sink(void *opaque, int n, int level)
{
    recorder *r = opaque;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->ev = realloc(r->ev, r->cap * sizeof(*r->ev));
        if (!r->ev) {
            abort();
        }
    }
    r->ev[r->n].n = n;
    r->ev[r->n].level = level;
    r->ev[r->n].t = et_clock_now(r->clock) - r->origin;
    r->n++;
    r->calls++;
    if (n >= 0 && n < REC_LINES) {
        r->level[n] = level;
    }
}

static SNAPUTIL_UNUSED void rec_clear(recorder *r, int64_t origin)
{
    r->n = 0;
    r->origin = origin;
}

static SNAPUTIL_UNUSED void rec_free(recorder *r)
{
    free(r->ev);
    r->ev = NULL;
    r->n = r->cap = 0;
}

/* --- an independent reader of the format --------------------------------- */

/* Bit by bit, straight from the definition (reflected 0xEDB88320). */
static SNAPUTIL_UNUSED uint32_t ref_crc32(const uint8_t *p, size_t len)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
        }
    }
    return ~c;
}

static SNAPUTIL_UNUSED uint64_t le_get(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static SNAPUTIL_UNUSED void le_put(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* After patching a well-formed snapshot: fix its body length and CRC. */
static SNAPUTIL_UNUSED void snap_fix(uint8_t *buf, size_t len)
{
    le_put(buf + 12, len - 20, 4);
    le_put(buf + len - 4, ref_crc32(buf, len - 4), 4);
}

/* Element sizes by type code (docs/snapshot-format.md). */
static SNAPUTIL_UNUSED size_t snap_type_size(unsigned type)
{
    static const size_t sizes[] = { 0, 1, 1, 2, 4, 8, 8, 53, 8, 1 };
    return type < sizeof(sizes) / sizeof(sizes[0]) ? sizes[type] : 0;
}

/* Where things are in a snapshot (byte offsets from its start). */
typedef struct snap_loc {
    size_t machine;      /* the machine name's length field */
    size_t clock_now;    /* the i64 time */
    size_t device;       /* the device record's name length field */
    size_t state_name;   /* its state name's length field */
    size_t version;      /* its u32 state version */
    size_t field;        /* the field record's name length field */
    size_t type;         /* its u8 type */
    size_t count;        /* its u32 count */
    size_t data;         /* its first element */
    size_t end;          /* the byte after the field's data */
} snap_loc;

static SNAPUTIL_UNUSED bool snap_str_is(const uint8_t *p, const char *s)
{
    size_t n = (size_t)le_get(p, 2);
    return n == strlen(s) && memcmp(p + 2, s, n) == 0;
}

/* Finds device dev (and, if field is non-NULL, its field) in a well-formed
 * snapshot. */
static SNAPUTIL_UNUSED bool snap_find(const uint8_t *buf, size_t len, const char *dev,
                                      const char *field, snap_loc *loc)
{
    memset(loc, 0, sizeof(*loc));
    size_t pos = 16;
    loc->machine = pos;
    pos += 2 + le_get(buf + pos, 2);
    pos += 2;
    loc->clock_now = pos;
    pos += 8;
    uint32_t n_dev = (uint32_t)le_get(buf + pos, 4);
    pos += 4;
    for (uint32_t d = 0; d < n_dev && pos < len; d++) {
        size_t dev_at = pos;
        bool this_dev = snap_str_is(buf + pos, dev);
        pos += 2 + le_get(buf + pos, 2);
        size_t state_at = pos;
        pos += 2 + le_get(buf + pos, 2);
        size_t version_at = pos;
        pos += 4;
        uint32_t n_fields = (uint32_t)le_get(buf + pos, 4);
        pos += 4;
        if (this_dev) {
            loc->device = dev_at;
            loc->state_name = state_at;
            loc->version = version_at;
            if (!field) {
                return true;
            }
        }
        for (uint32_t f = 0; f < n_fields && pos < len; f++) {
            size_t field_at = pos;
            bool this_field = this_dev && snap_str_is(buf + pos, field);
            pos += 2 + le_get(buf + pos, 2);
            unsigned type = buf[pos];
            uint32_t count = (uint32_t)le_get(buf + pos + 1, 4);
            size_t data = pos + 5;
            pos = data + (size_t)count * snap_type_size(type);
            if (this_field) {
                loc->field = field_at;
                loc->type = field_at + 2 + le_get(buf + field_at, 2);
                loc->count = loc->type + 1;
                loc->data = data;
                loc->end = pos;
                return true;
            }
        }
        if (this_dev) {
            return false;
        }
    }
    return false;
}


/* --- random guest programs over a device adapter ------------------------- */

typedef enum prog_kind { OP_READ, OP_WRITE, OP_STEP, OP_STEP_NEXT } prog_kind;

typedef struct prog_op {
    prog_kind kind;
    uint32_t offset;
    unsigned size;
    uint64_t value;
    int64_t ns;
} prog_op;

/* Register values biased towards the small ones that make timers expire
 * within a test's time steps, with whole-register values mixed in. */
static SNAPUTIL_UNUSED uint64_t rng_value(uint64_t *s)
{
    switch (rng_below(s, 6)) {
    case 0: return 0;
    case 1: return rng_below(s, 4);
    case 2: return rng_below(s, 64);
    case 3: return rng_below(s, 4096);
    case 4: return rng_next(s) & 0xffffffffu;
    default: return rng_next(s) & ((UINT64_C(1) << rng_below(s, 33)) - 1);
    }
}

/* Steps mostly short (ns to tens of us), sometimes to the next deadline. */
static SNAPUTIL_UNUSED void rng_op(uint64_t *s, const et_test_adapter *a, prog_op *op)
{
    memset(op, 0, sizeof(*op));
    uint64_t r = rng_below(s, 100);
    if (r < 65 && a->n_offsets) {
        op->kind = r < 35 ? OP_WRITE : OP_READ;
        op->offset = a->offsets[rng_below(s, a->n_offsets)];
        unsigned sizes[4], n = 0;
        for (unsigned k = 0; k < 4; k++) {
            if (a->sizes & (1u << k)) {
                sizes[n++] = 1u << k;
            }
        }
        op->size = n ? sizes[rng_below(s, n)] : 4;
        op->value = rng_value(s);
        return;
    }
    if (r < 75) {
        op->kind = OP_STEP_NEXT;
        return;
    }
    op->kind = OP_STEP;
    switch (rng_below(s, 4)) {
    case 0: op->ns = (int64_t)rng_below(s, 16); break;
    case 1: op->ns = (int64_t)rng_below(s, 1000); break;
    case 2: op->ns = (int64_t)rng_below(s, 20000); break;
    default: op->ns = (int64_t)rng_below(s, 200000); break;
    }
}

/* Applies the operation; returns what a read returned (else 0). A step to
 * the next deadline goes at most 1 ms, so a far deadline cannot skip time
 * past every other input. */
static SNAPUTIL_UNUSED uint64_t apply_op(et_clock *c, et_device *d, const prog_op *op)
{
    switch (op->kind) {
    case OP_READ: return et_device_read(d, op->offset, op->size);
    case OP_WRITE: et_device_write(d, op->offset, op->value, op->size); return 0;
    case OP_STEP: et_clock_step(c, op->ns); return 0;
    case OP_STEP_NEXT: {
        int64_t now = et_clock_now(c), next = et_clock_deadline(c);
        if (next != ET_NO_DEADLINE && next - now <= 1000000) {
            et_clock_step_next(c);
        }
        return 0;
    }
    }
    return 0;
}

static SNAPUTIL_UNUSED void quiet_log(void *opaque, const char *line)
{
    (void)opaque;
    (void)line;
}

#endif
