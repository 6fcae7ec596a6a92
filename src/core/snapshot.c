/* Snapshots (snapshot.h): a clock and its devices' declared state
 * (vmstate.h), in the format of docs/snapshot-format.md.
 *
 * The format is self-describing: every field is stored with its name, type
 * and element count, so a snapshot can be checked and described without the
 * devices, and a device can add fields in later state versions.
 *
 * Load is two-phase. Everything that can fail is checked first: the file
 * (magic, format version, length, CRC-32, every record's bounds and every
 * value's range), then the match with the machine (name, devices, state
 * names and versions, fields, types, element counts), the last part under
 * every device's lock. Only then is anything stored, and nothing after that
 * point can fail.
 */
#include "emutime/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/crc32.h"
#include "core/device_internal.h"
#include "core/internal.h"

/* --- the format ---------------------------------------------------------- */

static const uint8_t snap_magic[8] = { 'E', 'T', 'S', 'N', 'A', 'P', '\r', '\n' };

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

static const struct {
    const char *name;
    size_t size; /* bytes per element on disk */
} disk_types[T_LAST + 1] = {
    [T_BOOL] = { "bool", 1 },   [T_U8] = { "u8", 1 },         [T_U16] = { "u16", 2 },
    [T_U32] = { "u32", 4 },     [T_U64] = { "u64", 8 },       [T_I64] = { "i64", 8 },
    [T_PTIMER] = { "ptimer", PTIMER_SIZE }, [T_TIMER] = { "timer", 8 }, [T_IRQ] = { "irq", 1 },
};

static uint8_t disk_code(et_field_type type)
{
    switch (type) {
    case ET_FT_BOOL: return T_BOOL;
    case ET_FT_U8: return T_U8;
    case ET_FT_U16: return T_U16;
    case ET_FT_U32: return T_U32;
    case ET_FT_U64: return T_U64;
    case ET_FT_I64: return T_I64;
    case ET_FT_PTIMER: return T_PTIMER;
    case ET_FT_TIMER: return T_TIMER;
    case ET_FT_IRQ: return T_IRQ;
    case ET_FIELD_END_: break;
    }
    return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* --- writing ------------------------------------------------------------- */

typedef struct wbuf {
    uint8_t *p;
    size_t len, cap;
} wbuf;

static uint8_t *w_space(wbuf *w, size_t n)
{
    if (w->cap - w->len < n) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap - w->len < n) {
            cap *= 2;
        }
        w->p = et__xrealloc(w->p, cap);
        w->cap = cap;
    }
    uint8_t *at = w->p + w->len;
    w->len += n;
    return at;
}

static void w_le(wbuf *w, uint64_t v, unsigned n)
{
    put_le(w_space(w, n), v, n);
}

/* Strings are checked to fit (MAX_NAME) before writing starts. */
static void w_str(wbuf *w, const char *s)
{
    size_t n = strlen(s);
    w_le(w, n, 2);
    memcpy(w_space(w, n), s, n);
}

/* --- reading ------------------------------------------------------------- */

typedef struct snap_str {
    const char *p;
    size_t len;
} snap_str;

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
    uint8_t clock_kind; /* 0 manual, 1 real-time */
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

typedef struct rbuf {
    const uint8_t *p;
    size_t len, pos;
} rbuf;

static bool r_le(rbuf *r, unsigned n, uint64_t *v)
{
    if (r->len - r->pos < n) {
        return false;
    }
    *v = get_le(r->p + r->pos, n);
    r->pos += n;
    return true;
}

static bool r_str(rbuf *r, snap_str *s)
{
    uint64_t n;
    if (!r_le(r, 2, &n) || r->len - r->pos < n) {
        return false;
    }
    s->p = (const char *)r->p + r->pos;
    s->len = (size_t)n;
    r->pos += (size_t)n;
    return true;
}

/* printf arguments for "%.*s" of a saved name, cut at 64 characters so a
 * message always has room for the rest. */
#define NAMEF(s) (int)((s).len > 64 ? 64 : (s).len), (s).p

static bool str_eq(snap_str a, const char *b)
{
    return a.len == strlen(b) && memcmp(a.p, b, a.len) == 0;
}

static int str_cmp(snap_str a, snap_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = memcmp(a.p, b.p, n);
    if (c) {
        return c;
    }
    return a.len < b.len ? -1 : a.len > b.len;
}

static void image_free(snap_image *img)
{
    if (img->devices) {
        for (uint32_t i = 0; i < img->n_devices; i++) {
            free(img->devices[i].fields);
        }
    }
    free(img->devices);
    free(img->by_name);
    free(img->ties);
    free(img->ties_sorted);
    memset(img, 0, sizeof(*img));
}

/* Range checks of one element as stored; NULL when it is valid. */
static const char *elem_problem(uint8_t type, const uint8_t *p, char *why, size_t whylen)
{
    switch (type) {
    case T_BOOL:
    case T_IRQ:
        if (p[0] > 1) {
            snprintf(why, whylen, "value %u is neither 0 nor 1", p[0]);
            return why;
        }
        break;
    case T_PTIMER: {
        int64_t period = (int64_t)get_le(p + 17, 8);
        int64_t expire = (int64_t)get_le(p + 45, 8);
        if (p[0] > 2) {
            snprintf(why, whylen, "ptimer mode %u is not 0 (stopped), 1 (periodic) or 2 (oneshot)",
                     p[0]);
            return why;
        }
        if (period < 0) {
            snprintf(why, whylen, "ptimer period %lld ns is negative", (long long)period);
            return why;
        }
        if (expire < -1) {
            snprintf(why, whylen, "ptimer deadline %lld is below -1", (long long)expire);
            return why;
        }
        break;
    }
    case T_TIMER: {
        int64_t deadline = (int64_t)get_le(p, 8);
        if (deadline < -1) {
            snprintf(why, whylen, "timer deadline %lld is below -1", (long long)deadline);
            return why;
        }
        break;
    }
    default:
        break;
    }
    return NULL;
}

/* The deadline of a valid timer or ptimer element as stored, or -1 when it is
 * not armed (a stopped ptimer is not armed, whatever its deadline says). */
static int64_t elem_deadline(uint8_t type, const uint8_t *p)
{
    if (type == T_TIMER) {
        return (int64_t)get_le(p, 8);
    }
    if (type == T_PTIMER && p[0] != 0) {
        return (int64_t)get_le(p + 45, 8);
    }
    return -1;
}

static int cmp_tie(const void *a, const void *b)
{
    const snap_tie *x = a, *y = b;
    if (x->dev != y->dev) {
        return x->dev < y->dev ? -1 : 1;
    }
    if (x->field != y->field) {
        return x->field < y->field ? -1 : 1;
    }
    return (x->elem > y->elem) - (x->elem < y->elem);
}

/* The place of an element in the same-deadline order, or UINT32_MAX. */
static uint32_t tie_position(const snap_image *img, uint32_t dev, uint32_t field, uint32_t elem)
{
    snap_tie key = { dev, field, elem, 0 };
    const snap_tie *t = img->n_ties ? bsearch(&key, img->ties_sorted, img->n_ties,
                                              sizeof(key), cmp_tie)
                                    : NULL;
    return t ? t->pos : UINT32_MAX;
}

/* Device names are looked up and checked for duplicates in a small open
 * addressing hash table (a machine may have thousands of devices). */
static uint64_t name_hash(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (uint8_t)p[i]) * 0x100000001b3ull;
    }
    return h;
}

/* A table of at least 2n slots (a power of two). */
static uint32_t *name_table(size_t n, size_t *mask)
{
    size_t cap = 16;
    while (cap < 2 * n) {
        cap *= 2;
    }
    *mask = cap - 1;
    return et__xcalloc(cap, sizeof(uint32_t));
}

/* The slot of the device called name (holding its index + 1), or the empty
 * slot where it would go. */
static uint32_t *image_slot(const snap_image *img, snap_str name)
{
    size_t i = (size_t)name_hash(name.p, name.len) & img->name_mask;
    while (img->by_name[i] && str_cmp(img->devices[img->by_name[i] - 1].name, name) != 0) {
        i = (i + 1) & img->name_mask;
    }
    return &img->by_name[i];
}

/* The index of the device called name, or -1. */
static long image_find(const snap_image *img, const char *name)
{
    snap_str key = { name, strlen(name) };
    uint32_t slot = *image_slot(img, key);
    return slot ? (long)slot - 1 : -1;
}

static void corrupt(char *err, size_t errlen, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void corrupt(char *err, size_t errlen, size_t pos, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    fail(err, errlen, "snapshot corrupt: %s (at body byte %zu)", what, pos);
}

/* Parses and checks a whole snapshot, without any machine. */
static int parse(const uint8_t *buf, size_t len, snap_image *img, char *err, size_t errlen)
{
    memset(img, 0, sizeof(*img));
    if (!buf && len) {
        return fail(err, errlen, "no snapshot data (NULL buffer)");
    }
    size_t m = len < sizeof(snap_magic) ? len : sizeof(snap_magic);
    if (len == 0) {
        return fail(err, errlen, "snapshot is empty (0 bytes)");
    }
    if (memcmp(buf, snap_magic, m) != 0) {
        return fail(err, errlen, "not an emutime snapshot (bad magic number)");
    }
    if (len < HEADER_SIZE + CRC_SIZE) {
        return fail(err, errlen,
                    "snapshot truncated: %zu bytes, less than the %d-byte header and checksum",
                    len, HEADER_SIZE + CRC_SIZE);
    }
    img->format = (uint32_t)get_le(buf + 8, 4);
    if (img->format == 0 || img->format > ET_SNAPSHOT_FORMAT_VERSION) {
        return fail(err, errlen,
                    "unsupported snapshot format version %u (this build reads versions 1 to %d)",
                    img->format, ET_SNAPSHOT_FORMAT_VERSION);
    }
    uint64_t body_len = get_le(buf + 12, 4);
    uint64_t total = HEADER_SIZE + body_len + CRC_SIZE;
    if (len < total) {
        return fail(err, errlen, "snapshot truncated: %zu bytes, its header announces %llu",
                    len, (unsigned long long)total);
    }
    if (len > total) {
        return fail(err, errlen, "snapshot has %llu unexpected bytes after its checksum",
                    (unsigned long long)(len - total));
    }
    img->len = len;
    img->crc = (uint32_t)get_le(buf + HEADER_SIZE + body_len, 4);
    uint32_t crc = et__crc32(0, buf, HEADER_SIZE + (size_t)body_len);
    if (crc != img->crc) {
        return fail(err, errlen,
                    "snapshot checksum mismatch (stored 0x%08x, computed 0x%08x): the data is "
                    "corrupt",
                    img->crc, crc);
    }

    /* From here on the data is what some writer produced: still check every
     * bound, a crafted file must not crash us. */
    rbuf r = { buf + HEADER_SIZE, (size_t)body_len, 0 };
    uint64_t v;
#define BAD(...)                                                                   \
    do {                                                                           \
        corrupt(err, errlen, r.pos, __VA_ARGS__);                                  \
        goto bad;                                                                  \
    } while (0)

    if (!r_str(&r, &img->machine)) {
        BAD("the machine name runs past the end");
    }
    if (!r_le(&r, 1, &v) || v > 1) {
        BAD("clock kind is not 0 (manual) or 1 (real-time)");
    }
    img->clock_kind = (uint8_t)v;
    if (!r_le(&r, 1, &v) || (v & ~1u)) {
        BAD("unknown clock flags");
    }
    img->clock_flags = (uint8_t)v;
    if (!r_le(&r, 8, &v)) {
        BAD("the clock's time runs past the end");
    }
    img->now = (int64_t)v;
    if (!r_le(&r, 4, &v) || v > (r.len - r.pos) / MIN_DEVICE_SIZE) {
        BAD("bad device count");
    }
    img->n_devices = (uint32_t)v;
    img->devices = et__xcalloc(img->n_devices ? img->n_devices : 1, sizeof(*img->devices));
    for (uint32_t d = 0; d < img->n_devices; d++) {
        snap_device *sd = &img->devices[d];
        if (!r_str(&r, &sd->name) || sd->name.len == 0) {
            BAD("device %u has no valid name", d);
        }
        if (!r_str(&r, &sd->state) || sd->state.len == 0) {
            BAD("device %u has no valid state name", d);
        }
        if (!r_le(&r, 4, &v) || v == 0) {
            BAD("device %u has no valid state version", d);
        }
        sd->version = (uint32_t)v;
        if (!r_le(&r, 4, &v) || v > (r.len - r.pos) / MIN_FIELD_SIZE) {
            BAD("device %u has a bad field count", d);
        }
        sd->n_fields = (uint32_t)v;
        sd->fields = et__xcalloc(sd->n_fields ? sd->n_fields : 1, sizeof(*sd->fields));
        for (uint32_t f = 0; f < sd->n_fields; f++) {
            snap_field *sf = &sd->fields[f];
            if (!r_str(&r, &sf->name) || sf->name.len == 0) {
                BAD("field %u of device %u has no valid name", f, d);
            }
            for (uint32_t g = 0; g < f; g++) {
                if (str_cmp(sd->fields[g].name, sf->name) == 0) {
                    BAD("device %u has two fields named '%.*s'", d, NAMEF(sf->name));
                }
            }
            if (!r_le(&r, 1, &v) || v == 0 || v > T_LAST) {
                BAD("field '%.*s' of device %u has unknown type %llu", NAMEF(sf->name), d, (unsigned long long)v);
            }
            sf->type = (uint8_t)v;
            size_t esize = disk_types[sf->type].size;
            if (!r_le(&r, 4, &v) || v > (r.len - r.pos) / esize) {
                BAD("field '%.*s' of device %u has more elements than bytes left",
                    NAMEF(sf->name), d);
            }
            sf->count = (uint32_t)v;
            sf->data = r.p + r.pos;
            for (uint32_t e = 0; e < sf->count; e++) {
                char why[128];
                if (elem_problem(sf->type, sf->data + e * esize, why, sizeof(why))) {
                    BAD("field '%.*s' element %u of device %u: %s", NAMEF(sf->name), e, d, why);
                }
            }
            r.pos += (size_t)sf->count * esize;
        }
    }
    if (img->format >= 2) {
        if (!r_le(&r, 4, &v) || v > (r.len - r.pos) / 12) {
            BAD("bad count of the same-deadline order");
        }
        img->n_ties = (uint32_t)v;
        img->ties = et__xcalloc(img->n_ties ? img->n_ties : 1, sizeof(*img->ties));
        for (uint32_t i = 0; i < img->n_ties; i++) {
            uint64_t d = 0, k = 0, e = 0;
            r_le(&r, 4, &d); /* the count check above guarantees the bytes */
            r_le(&r, 4, &k);
            r_le(&r, 4, &e);
            if (d >= img->n_devices || k >= img->devices[d].n_fields) {
                BAD("same-deadline order entry %u names no field", i);
            }
            const snap_field *sf = &img->devices[d].fields[k];
            if (e >= sf->count ||
                elem_deadline(sf->type, sf->data + e * disk_types[sf->type].size) < 0) {
                BAD("same-deadline order entry %u is not an armed timer", i);
            }
            img->ties[i] = (snap_tie){ (uint32_t)d, (uint32_t)k, (uint32_t)e, i };
        }
        img->ties_sorted = et__xcalloc(img->n_ties ? img->n_ties : 1, sizeof(*img->ties));
        if (img->n_ties) {
            memcpy(img->ties_sorted, img->ties, img->n_ties * sizeof(*img->ties));
        }
        qsort(img->ties_sorted, img->n_ties, sizeof(*img->ties), cmp_tie);
        for (uint32_t i = 1; i < img->n_ties; i++) {
            if (cmp_tie(&img->ties_sorted[i - 1], &img->ties_sorted[i]) == 0) {
                BAD("a timer appears twice in the same-deadline order");
            }
        }
    }
    if (r.pos != r.len) {
        BAD("%zu unread bytes at the end of the body", r.len - r.pos);
    }
    img->by_name = name_table(img->n_devices, &img->name_mask);
    for (uint32_t d = 0; d < img->n_devices; d++) {
        uint32_t *slot = image_slot(img, img->devices[d].name);
        if (*slot) {
            BAD("two devices are named '%.*s'", NAMEF(img->devices[d].name));
        }
        *slot = d + 1;
    }
#undef BAD
    return 0;

bad:
    image_free(img);
    return -1;
}

/* --- the machine side ---------------------------------------------------- */

/* Static checks of a device's declaration (no lock needed). */
static int check_declaration(et_clock *clock, et_device *dev, char *err, size_t errlen)
{
    if (!dev) {
        return fail(err, errlen, "a device pointer is NULL");
    }
    if (dev->clock != clock) {
        return fail(err, errlen, "device '%s' is on another clock", dev->name);
    }
    if (strlen(dev->name) == 0 || strlen(dev->name) > MAX_NAME) {
        return fail(err, errlen, "device name '%s' is empty or too long", dev->name);
    }
    const et_vmstate *vs = dev->ops->state;
    if (!vs || !vs->name || !vs->fields) {
        return fail(err, errlen, "device '%s' (%s) declares no saved state (ops->state)",
                    dev->name, dev->ops->type);
    }
    if (vs->version == 0 || strlen(vs->name) == 0 || strlen(vs->name) > MAX_NAME) {
        return fail(err, errlen, "device '%s': state '%s' needs a name and a version >= 1",
                    dev->name, vs->name);
    }
    for (const et_field *f = vs->fields; f->name; f++) {
        if (!disk_code(f->type)) {
            return fail(err, errlen, "device '%s': field '%s' has an unknown type %d", dev->name,
                        f->name, (int)f->type);
        }
        if (strlen(f->name) == 0 || strlen(f->name) > MAX_NAME) {
            return fail(err, errlen, "device '%s': a field name is empty or too long",
                        dev->name);
        }
        if (f->version > vs->version) {
            return fail(err, errlen,
                        "device '%s': field '%s' has version %u, above its state's version %u",
                        dev->name, f->name, f->version, vs->version);
        }
        for (const et_field *g = vs->fields; g != f; g++) {
            if (strcmp(g->name, f->name) == 0) {
                return fail(err, errlen, "device '%s': two fields are named '%s'", dev->name,
                            f->name);
            }
        }
    }
    return 0;
}

/* Checks every device and that their names are distinct. */
static int check_devices(et_clock *clock, et_device *const *devs, size_t n, char *err,
                         size_t errlen)
{
    if (n > UINT32_MAX) {
        return fail(err, errlen, "too many devices (%zu)", n);
    }
    for (size_t i = 0; i < n; i++) {
        if (check_declaration(clock, devs[i], err, errlen)) {
            return -1;
        }
    }
    if (n < 2) {
        return 0;
    }
    size_t mask;
    uint32_t *table = name_table(n, &mask);
    int rc = 0;
    for (size_t d = 0; d < n && !rc; d++) {
        const char *name = devs[d]->name;
        size_t i = (size_t)name_hash(name, strlen(name)) & mask;
        while (table[i] && strcmp(devs[table[i] - 1]->name, name) != 0) {
            i = (i + 1) & mask;
        }
        if (table[i]) {
            rc = fail(err, errlen, "two devices are named '%s'", name);
        }
        table[i] = (uint32_t)d + 1;
    }
    free(table);
    return rc;
}

/* Where a field's elements are now (device lock held). */
static int field_layout(et_device *dev, const et_field *f, uint8_t **base, uint32_t *count,
                        char *err, size_t errlen)
{
    uint8_t *d = (uint8_t *)dev;
    uint32_t n = f->count;
    uint8_t *b = d + f->offset;
    if (f->flags & ET_FIELD_F_VARCOUNT) {
        memcpy(&n, d + f->count_offset, sizeof(n));
        if (!(f->flags & ET_FIELD_F_POINTER) && f->count && n > f->count) {
            return fail(err, errlen, "device '%s': field '%s' counts %u elements in an array of %u",
                        dev->name, f->name, n, f->count);
        }
    }
    if (f->flags & ET_FIELD_F_POINTER) {
        memcpy(&b, d + f->offset, sizeof(b));
        if (!b && n) {
            return fail(err, errlen, "device '%s': field '%s' has %u elements but no array",
                        dev->name, f->name, n);
        }
    }
    *base = b;
    *count = n;
    return 0;
}

static void *elem_at(const et_field *f, uint8_t *base, uint32_t i)
{
    return base + (size_t)i * f->stride + f->elem_offset;
}

/* Checks the objects a field's elements point to (device lock held). */
static int check_elems(et_device *dev, const et_field *f, uint8_t *base, uint32_t n, char *err,
                       size_t errlen)
{
    for (uint32_t i = 0; i < n; i++) {
        void *p = elem_at(f, base, i);
        if (f->type == ET_FT_PTIMER || f->type == ET_FT_TIMER) {
            void *obj;
            memcpy(&obj, p, sizeof(obj));
            if (!obj) {
                return fail(err, errlen, "device '%s': field '%s' element %u is a NULL %s",
                            dev->name, f->name, i, f->type == ET_FT_PTIMER ? "ptimer" : "timer");
            }
        } else if (f->type == ET_FT_IRQ) {
            const et_irq_line *line = p;
            if (line->owner != dev) {
                return fail(err, errlen,
                            "device '%s': field '%s' element %u is an interrupt line the device "
                            "does not own",
                            dev->name, f->name, i);
            }
        }
    }
    return 0;
}

/* Every device's lock is taken in one global order, by lock class and then by
 * address, so that two saves (or a save and a load) of machines listing
 * their devices differently cannot deadlock, and the lock-order checker
 * never sees two device classes taken both ways round. */
static int cmp_lock_order(const void *a, const void *b)
{
    const et_device *x = *(et_device *const *)a, *y = *(et_device *const *)b;
    uintptr_t cx = (uintptr_t)x->lock.cls, cy = (uintptr_t)y->lock.cls;
    if (cx != cy) {
        return cx < cy ? -1 : 1;
    }
    return (uintptr_t)x < (uintptr_t)y ? -1 : (uintptr_t)x > (uintptr_t)y;
}

static et_device **lock_all(et_device *const *devs, size_t n)
{
    et_device **order = et__xmalloc((n ? n : 1) * sizeof(*order));
    if (n) {
        memcpy(order, devs, n * sizeof(*order));
    }
    size_t sorted = 1;
    while (sorted < n && cmp_lock_order(&order[sorted - 1], &order[sorted]) < 0) {
        sorted++;
    }
    if (sorted < n) {
        qsort(order, n, sizeof(*order), cmp_lock_order);
    }
    for (size_t i = 0; i < n; i++) {
        et_device_lock(order[i]);
    }
    return order;
}

/* Releases every lock without delivering (no sink may run while other device
 * locks are held), then delivers what expiries queued, one device at a time
 * with nothing else held. */
static void unlock_all(et_device **order, size_t n)
{
    bool *pending = et__xcalloc(n ? n : 1, sizeof(*pending));
    for (size_t i = n; i-- > 0;) {
        pending[i] = order[i]->head < order[i]->n_events;
        et_lock_release(&order[i]->lock);
    }
    for (size_t i = 0; i < n; i++) {
        if (pending[i]) {
            et_device_lock(order[i]);
            et_device_unlock(order[i]);
        }
    }
    free(pending);
    free(order);
}

/* --- save ---------------------------------------------------------------- */

/* An armed timer or ptimer element, for the same-deadline order. */
typedef struct armed {
    int64_t deadline;
    uint64_t order; /* FIFO place among equal deadlines on the clock */
    uint32_t dev, field, elem;
} armed;

typedef struct armed_list {
    armed *v;
    size_t n, cap;
} armed_list;

static void armed_add(armed_list *l, armed a)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = et__xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = a;
}

static int cmp_armed(const void *a, const void *b)
{
    const armed *x = a, *y = b;
    if (x->deadline != y->deadline) {
        return x->deadline < y->deadline ? -1 : 1;
    }
    if (x->order != y->order) {
        return x->order < y->order ? -1 : 1;
    }
    if (x->dev != y->dev) {
        return x->dev < y->dev ? -1 : 1;
    }
    if (x->field != y->field) {
        return x->field < y->field ? -1 : 1;
    }
    return (x->elem > y->elem) - (x->elem < y->elem);
}

/* Writes one element; for a timer or ptimer also gives its deadline (-1
 * when not armed) and its FIFO order. */
static void save_elem(wbuf *w, uint8_t code, const void *p, int64_t *deadline, uint64_t *order)
{
    *deadline = -1;
    switch (code) {
    case T_BOOL: {
        bool b;
        memcpy(&b, p, sizeof(b));
        w_le(w, b ? 1 : 0, 1);
        break;
    }
    case T_U8:
        w_le(w, *(const uint8_t *)p, 1);
        break;
    case T_U16: {
        uint16_t x;
        memcpy(&x, p, sizeof(x));
        w_le(w, x, 2);
        break;
    }
    case T_U32: {
        uint32_t x;
        memcpy(&x, p, sizeof(x));
        w_le(w, x, 4);
        break;
    }
    case T_U64:
    case T_I64: {
        uint64_t x;
        memcpy(&x, p, sizeof(x));
        w_le(w, x, 8);
        break;
    }
    case T_PTIMER: {
        et_ptimer *pt;
        et_ptimer_state st;
        memcpy(&pt, p, sizeof(pt));
        et_ptimer_get_state(pt, &st);
        /* A due expiry popped by the runner but not yet run is still
         * armed: it will run (here, once the lock is released). */
        if (st.enabled) {
            st.timer_expire = et__timer_armed_deadline(et__ptimer_timer(pt), order);
            *deadline = st.timer_expire;
        }
        w_le(w, st.enabled, 1);
        w_le(w, st.limit, 8);
        w_le(w, st.delta, 8);
        w_le(w, (uint64_t)st.period, 8);
        w_le(w, st.period_frac, 4);
        w_le(w, (uint64_t)st.last_event, 8);
        w_le(w, (uint64_t)st.next_event, 8);
        w_le(w, (uint64_t)st.timer_expire, 8);
        break;
    }
    case T_TIMER: {
        et_timer *t;
        memcpy(&t, p, sizeof(t));
        *deadline = et__timer_armed_deadline(t, order);
        w_le(w, (uint64_t)*deadline, 8);
        break;
    }
    case T_IRQ:
        w_le(w, ((const et_irq_line *)p)->level ? 1 : 0, 1);
        break;
    default:
        break;
    }
}

static int save_device(wbuf *w, et_device *dev, uint32_t index, armed_list *armed_timers,
                       char *err, size_t errlen)
{
    const et_vmstate *vs = dev->ops->state;
    uint32_t n_fields = 0;
    for (const et_field *f = vs->fields; f->name; f++) {
        n_fields++;
    }
    w_str(w, dev->name);
    w_str(w, vs->name);
    w_le(w, vs->version, 4);
    w_le(w, n_fields, 4);
    uint32_t k = 0;
    for (const et_field *f = vs->fields; f->name; f++, k++) {
        uint8_t *base;
        uint32_t n;
        if (field_layout(dev, f, &base, &n, err, errlen) ||
            check_elems(dev, f, base, n, err, errlen)) {
            return -1;
        }
        uint8_t code = disk_code(f->type);
        w_str(w, f->name);
        w_le(w, code, 1);
        w_le(w, n, 4);
        for (uint32_t i = 0; i < n; i++) {
            armed a = { .dev = index, .field = k, .elem = i };
            save_elem(w, code, elem_at(f, base, i), &a.deadline, &a.order);
            if (a.deadline >= 0) {
                armed_add(armed_timers, a);
            }
        }
    }
    return 0;
}

/* The same-deadline order (format 2): every timer sharing its deadline with
 * another, deadlines ascending, each group in firing (FIFO) order. */
static void save_tie_order(wbuf *w, armed_list *l)
{
    if (l->n) {
        qsort(l->v, l->n, sizeof(*l->v), cmp_armed);
    }
    size_t count_at = w->len;
    uint32_t count = 0;
    w_le(w, 0, 4);
    for (size_t i = 0; i < l->n;) {
        size_t j = i + 1;
        while (j < l->n && l->v[j].deadline == l->v[i].deadline) {
            j++;
        }
        if (j - i > 1) {
            for (size_t k = i; k < j; k++) {
                w_le(w, l->v[k].dev, 4);
                w_le(w, l->v[k].field, 4);
                w_le(w, l->v[k].elem, 4);
                count++;
            }
        }
        i = j;
    }
    put_le(w->p + count_at, count, 4);
}

int et_snapshot_save(et_clock *clock, et_device *const *devs, size_t n, const char *machine,
                     uint8_t **buf, size_t *len, char *err, size_t errlen)
{
    if (buf) {
        *buf = NULL;
    }
    if (len) {
        *len = 0;
    }
    if (!clock || !buf || !len || (n && !devs)) {
        return fail(err, errlen, "et_snapshot_save: clock, devices, buf and len are required");
    }
    machine = machine ? machine : "";
    if (strlen(machine) > MAX_NAME) {
        return fail(err, errlen, "machine name too long");
    }
    if (check_devices(clock, devs, n, err, errlen)) {
        return -1;
    }

    wbuf w = { 0 };
    w_space(&w, HEADER_SIZE);
    et_device **order = lock_all(devs, n);
    /* One instant for the whole machine: every expiry due by then is
     * applied first, so the state saved is the state as of now. */
    int64_t now = et_clock_now(clock);
    for (size_t i = 0; i < n; i++) {
        et_device_catch_up_to(order[i], now);
    }
    w_str(&w, machine);
    w_le(&w, et_clock_is_manual(clock) ? 0 : 1, 1);
    w_le(&w, et_clock_is_paused(clock) ? 1 : 0, 1);
    w_le(&w, (uint64_t)now, 8);
    w_le(&w, n, 4);
    int rc = 0;
    armed_list armed_timers = { 0 };
    for (size_t i = 0; i < n && !rc; i++) {
        rc = save_device(&w, devs[i], (uint32_t)i, &armed_timers, err, errlen);
    }
    unlock_all(order, n);
    if (!rc) {
        save_tie_order(&w, &armed_timers);
    }
    free(armed_timers.v);
    if (!rc && w.len - HEADER_SIZE > UINT32_MAX) {
        rc = fail(err, errlen, "snapshot too large (%zu bytes)", w.len);
    }
    if (rc) {
        free(w.p);
        return -1;
    }
    memcpy(w.p, snap_magic, sizeof(snap_magic));
    put_le(w.p + 8, ET_SNAPSHOT_FORMAT_VERSION, 4);
    put_le(w.p + 12, w.len - HEADER_SIZE, 4);
    uint32_t crc = et__crc32(0, w.p, w.len);
    w_le(&w, crc, 4);
    *buf = w.p;
    *len = w.len;
    return 0;
}

/* --- load ---------------------------------------------------------------- */

static void load_elem(uint8_t code, void *p, const uint8_t *src)
{
    switch (code) {
    case T_BOOL: {
        bool b = src[0] != 0;
        memcpy(p, &b, sizeof(b));
        break;
    }
    case T_U8:
        *(uint8_t *)p = src[0];
        break;
    case T_U16: {
        uint16_t x = (uint16_t)get_le(src, 2);
        memcpy(p, &x, sizeof(x));
        break;
    }
    case T_U32: {
        uint32_t x = (uint32_t)get_le(src, 4);
        memcpy(p, &x, sizeof(x));
        break;
    }
    case T_U64:
    case T_I64: {
        uint64_t x = get_le(src, 8);
        memcpy(p, &x, sizeof(x));
        break;
    }
    case T_PTIMER: {
        et_ptimer *pt;
        memcpy(&pt, p, sizeof(pt));
        et_ptimer_state st = {
            .enabled = src[0],
            .limit = get_le(src + 1, 8),
            .delta = get_le(src + 9, 8),
            .period = (int64_t)get_le(src + 17, 8),
            .period_frac = (uint32_t)get_le(src + 25, 4),
            .last_event = (int64_t)get_le(src + 29, 8),
            .next_event = (int64_t)get_le(src + 37, 8),
            .timer_expire = (int64_t)get_le(src + 45, 8),
        };
        et_ptimer_set_state(pt, &st);
        break;
    }
    case T_TIMER: {
        et_timer *t;
        memcpy(&t, p, sizeof(t));
        int64_t deadline = (int64_t)get_le(src, 8);
        if (deadline >= 0) {
            et_timer_mod(t, deadline);
        } else {
            et_timer_del(t);
        }
        break;
    }
    case T_IRQ:
        /* Only the level: delivery is the re-synchronisation phase's. */
        ((et_irq_line *)p)->level = src[0];
        break;
    default:
        break;
    }
}

/* The value of a field the snapshot predates (vmstate.h). */
static void load_default(uint8_t code, void *p, uint64_t def)
{
    uint8_t src[PTIMER_SIZE] = { 0 };
    switch (code) {
    case T_BOOL:
    case T_IRQ:
        src[0] = def != 0;
        break;
    case T_PTIMER:
        put_le(src + 45, UINT64_MAX, 8); /* stopped, not armed */
        break;
    case T_TIMER:
        put_le(src, UINT64_MAX, 8); /* -1: not armed */
        break;
    default:
        put_le(src, def, 8); /* little-endian: the low bytes are the narrow types */
        break;
    }
    load_elem(code, p, src);
}

/* What a load does to one device: for each declared field, its saved
 * record, or NULL for a field the snapshot predates. */
typedef struct load_plan {
    et_device *dev;
    const snap_device *saved;
    const snap_field **fields;
} load_plan;

static void plans_free(load_plan *plans, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(plans[i].fields);
    }
    free(plans);
}

static int plan_device(load_plan *plan, char *err, size_t errlen)
{
    et_device *dev = plan->dev;
    const snap_device *sd = plan->saved;
    const et_vmstate *vs = dev->ops->state;
    size_t n_decl = 0;
    for (const et_field *f = vs->fields; f->name; f++) {
        n_decl++;
    }
    if (!str_eq(sd->state, vs->name)) {
        return fail(err, errlen, "snapshot device '%s' holds '%.*s' state, this machine's is a '%s'",
                    dev->name, NAMEF(sd->state), vs->name);
    }
    if (sd->version > vs->version) {
        return fail(err, errlen,
                    "snapshot device '%s' has '%s' state version %u; this build reads up to "
                    "version %u",
                    dev->name, vs->name, sd->version, vs->version);
    }
    plan->fields = et__xcalloc(n_decl ? n_decl : 1, sizeof(*plan->fields));
    bool *used = et__xcalloc(sd->n_fields ? sd->n_fields : 1, sizeof(*used));
    int rc = 0;
    size_t j = 0;
    for (const et_field *f = vs->fields; f->name && !rc; f++, j++) {
        unsigned fv = f->version ? f->version : 1;
        const snap_field *found = NULL;
        for (uint32_t k = 0; k < sd->n_fields; k++) {
            if (str_eq(sd->fields[k].name, f->name)) {
                found = &sd->fields[k];
                used[k] = true;
                break;
            }
        }
        if (fv > sd->version) {
            if (found) {
                rc = fail(err, errlen,
                          "snapshot device '%s' (state version %u) holds field '%s', which "
                          "version %u added",
                          dev->name, sd->version, f->name, fv);
            }
            continue; /* the snapshot predates it: default */
        }
        if (!found) {
            rc = fail(err, errlen, "snapshot device '%s' (state version %u) lacks field '%s'",
                      dev->name, sd->version, f->name);
        } else if (found->type != disk_code(f->type)) {
            rc = fail(err, errlen, "field '%s' of device '%s' is a %s in the snapshot, a %s here",
                      f->name, dev->name, disk_types[found->type].name,
                      disk_types[disk_code(f->type)].name);
        }
        plan->fields[j] = found;
    }
    for (uint32_t k = 0; k < sd->n_fields && !rc; k++) {
        if (!used[k]) {
            rc = fail(err, errlen, "snapshot device '%s' has field '%.*s', unknown to this build",
                      dev->name, NAMEF(sd->fields[k].name));
        }
    }
    free(used);
    return rc;
}

/* The checks that need the device's current state (its lock held). */
static int check_live(const load_plan *plan, char *err, size_t errlen)
{
    et_device *dev = plan->dev;
    size_t j = 0;
    for (const et_field *f = dev->ops->state->fields; f->name; f++, j++) {
        uint8_t *base;
        uint32_t n;
        if (field_layout(dev, f, &base, &n, err, errlen) ||
            check_elems(dev, f, base, n, err, errlen)) {
            return -1;
        }
        if (plan->fields[j] && plan->fields[j]->count != n) {
            return fail(err, errlen,
                        "field '%s' of device '%s' has %u elements in the snapshot, %u here",
                        f->name, dev->name, plan->fields[j]->count, n);
        }
    }
    return 0;
}

/* Arming a timer or ptimer, deferred so that timers of equal deadline are
 * armed in their saved firing order (the queue is FIFO among them). */
typedef struct arm_op {
    int64_t deadline;
    uint32_t pos;  /* in the same-deadline order, UINT32_MAX if not listed */
    uint32_t decl; /* declaration order: the fallback (format 1) */
    uint8_t code;
    void *at;
    const uint8_t *src;
} arm_op;

typedef struct arm_list {
    arm_op *v;
    size_t n, cap;
} arm_list;

static int cmp_arm(const void *a, const void *b)
{
    const arm_op *x = a, *y = b;
    if (x->deadline != y->deadline) {
        return x->deadline < y->deadline ? -1 : 1;
    }
    if (x->pos != y->pos) {
        return x->pos < y->pos ? -1 : 1;
    }
    return (x->decl > y->decl) - (x->decl < y->decl);
}

/* Stores a device's fields; armed timers and ptimers go to arms. */
static void apply(const load_plan *plan, const snap_image *img, arm_list *arms)
{
    et_device *dev = plan->dev;
    uint32_t d = (uint32_t)(plan->saved - img->devices);
    size_t j = 0;
    for (const et_field *f = dev->ops->state->fields; f->name; f++, j++) {
        uint8_t *base;
        uint32_t n;
        field_layout(dev, f, &base, &n, NULL, 0); /* checked by check_live */
        uint8_t code = disk_code(f->type);
        const snap_field *sf = plan->fields[j];
        for (uint32_t i = 0; i < n; i++) {
            if (!sf) {
                load_default(code, elem_at(f, base, i), f->def);
                continue;
            }
            const uint8_t *src = sf->data + (size_t)i * disk_types[code].size;
            int64_t deadline = elem_deadline(code, src);
            if (deadline < 0) {
                load_elem(code, elem_at(f, base, i), src);
                continue;
            }
            if (arms->n == arms->cap) {
                arms->cap = arms->cap ? 2 * arms->cap : 64;
                arms->v = et__xrealloc(arms->v, arms->cap * sizeof(*arms->v));
            }
            uint32_t k = (uint32_t)(sf - plan->saved->fields);
            arms->v[arms->n] = (arm_op){ deadline, tie_position(img, d, k, i),
                                         (uint32_t)arms->n, code, elem_at(f, base, i), src };
            arms->n++;
        }
    }
}

/* The last phase: every line's sink gets its level, through the device's
 * own delivery queue so it stays ordered with any later change. */
static void resync_lines(et_device *dev)
{
    et_device_lock(dev);
    for (const et_field *f = dev->ops->state->fields; f->name; f++) {
        if (f->type != ET_FT_IRQ) {
            continue;
        }
        uint8_t *base;
        uint32_t n;
        if (field_layout(dev, f, &base, &n, NULL, 0)) {
            continue;
        }
        for (uint32_t i = 0; i < n; i++) {
            et_irq_line *line = elem_at(f, base, i);
            et__device_queue_irq(dev, line, line->level);
        }
    }
    et_device_unlock(dev);
}

int et_snapshot_load(et_clock *clock, et_device *const *devs, size_t n, const char *machine,
                     const uint8_t *buf, size_t len, char *err, size_t errlen)
{
    if (!clock || (n && !devs)) {
        return fail(err, errlen, "et_snapshot_load: clock and devices are required");
    }
    machine = machine ? machine : "";
    snap_image img;
    if (parse(buf, len, &img, err, errlen)) {
        return -1;
    }
    load_plan *plans = NULL;
    int rc = 0;
    if (!str_eq(img.machine, machine)) {
        rc = fail(err, errlen, "snapshot is of machine '%.*s', not '%s'", NAMEF(img.machine), machine);
        goto out;
    }
    if (check_devices(clock, devs, n, err, errlen)) {
        rc = -1;
        goto out;
    }
    plans = et__xcalloc(n ? n : 1, sizeof(*plans));
    for (size_t i = 0; i < n && !rc; i++) {
        long d = i < img.n_devices && str_eq(img.devices[i].name, devs[i]->name)
                     ? (long)i
                     : image_find(&img, devs[i]->name);
        if (d < 0) {
            rc = fail(err, errlen, "snapshot has no device '%s'", devs[i]->name);
            break;
        }
        plans[i].dev = devs[i];
        plans[i].saved = &img.devices[d];
        rc = plan_device(&plans[i], err, errlen);
    }
    if (!rc && img.n_devices != n) {
        /* Every machine device matched a distinct saved one: some saved
         * device is not in the machine. Name the first. */
        for (uint32_t d = 0; d < img.n_devices; d++) {
            bool known = false;
            for (size_t i = 0; i < n && !known; i++) {
                known = plans[i].saved == &img.devices[d];
            }
            if (!known) {
                rc = fail(err, errlen, "snapshot device '%.*s' is not part of this machine",
                          NAMEF(img.devices[d].name));
                break;
            }
        }
    }
    if (rc) {
        goto out;
    }

    et_device **order = lock_all(devs, n);
    for (size_t i = 0; i < n && !rc; i++) {
        rc = check_live(&plans[i], err, errlen);
    }
    if (!rc) {
        /* Nothing can fail from here on. The clock first, so that re-armed
         * timers are on the saved time axis; a runner firing a stale timer
         * meanwhile waits on a device lock and then finds it re-armed. */
        et_clock_rebase(clock, img.now);
        arm_list arms = { 0 };
        for (size_t i = 0; i < n; i++) {
            apply(&plans[i], &img, &arms);
        }
        if (arms.n) {
            qsort(arms.v, arms.n, sizeof(*arms.v), cmp_arm);
        }
        for (size_t i = 0; i < arms.n; i++) {
            load_elem(arms.v[i].code, arms.v[i].at, arms.v[i].src);
        }
        free(arms.v);
    }
    unlock_all(order, n);
    if (!rc) {
        for (size_t i = 0; i < n; i++) {
            resync_lines(devs[i]);
        }
    }

out:
    if (plans) {
        plans_free(plans, n);
    }
    image_free(&img);
    return rc;
}

/* --- describe ------------------------------------------------------------ */

static void print_str(FILE *f, snap_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        fputc(c >= 0x20 && c < 0x7f ? c : '?', f);
    }
}

static void print_unsigned(FILE *f, uint64_t v)
{
    if (v < 10) {
        fprintf(f, "%llu", (unsigned long long)v);
    } else {
        fprintf(f, "%llu (0x%llx)", (unsigned long long)v, (unsigned long long)v);
    }
}

static void print_deadline(FILE *f, int64_t when)
{
    if (when < 0) {
        fprintf(f, "not armed");
    } else {
        fprintf(f, "armed at %lld ns", (long long)when);
    }
}

static void print_elem(FILE *f, uint8_t type, const uint8_t *p)
{
    static const char *const modes[] = { "stopped", "periodic", "oneshot" };
    switch (type) {
    case T_BOOL:
        fprintf(f, "%s", p[0] ? "true" : "false");
        break;
    case T_U8:
    case T_U16:
    case T_U32:
    case T_U64:
        print_unsigned(f, get_le(p, (unsigned)disk_types[type].size));
        break;
    case T_I64:
        fprintf(f, "%lld", (long long)(int64_t)get_le(p, 8));
        break;
    case T_PTIMER:
        fprintf(f, "%s, limit ", modes[p[0]]);
        print_unsigned(f, get_le(p + 1, 8));
        fprintf(f, ", count ");
        print_unsigned(f, get_le(p + 9, 8));
        fprintf(f, ", period %lld ns + %u/2^32, last event %lld ns, next event %lld ns, ",
                (long long)(int64_t)get_le(p + 17, 8), (unsigned)get_le(p + 25, 4),
                (long long)(int64_t)get_le(p + 29, 8), (long long)(int64_t)get_le(p + 37, 8));
        print_deadline(f, (int64_t)get_le(p + 45, 8));
        break;
    case T_TIMER:
        print_deadline(f, (int64_t)get_le(p, 8));
        break;
    case T_IRQ:
        fprintf(f, "%s", p[0] ? "high" : "low");
        break;
    default:
        break;
    }
}

int et_snapshot_describe(const uint8_t *buf, size_t len, void *file, char *err, size_t errlen)
{
    FILE *f = file;
    snap_image img;
    if (!f) {
        return fail(err, errlen, "et_snapshot_describe: no output file");
    }
    if (parse(buf, len, &img, err, errlen)) {
        return -1;
    }
    fprintf(f, "emutime snapshot, format version %u, %zu bytes, CRC-32 0x%08x\n", img.format,
            img.len, img.crc);
    fprintf(f, "machine: ");
    print_str(f, img.machine);
    fprintf(f, "\nclock: %s%s, now %lld ns\n", img.clock_kind ? "real-time" : "manual",
            (img.clock_flags & 1) ? " (paused)" : "", (long long)img.now);
    fprintf(f, "devices: %u\n", img.n_devices);
    for (uint32_t d = 0; d < img.n_devices; d++) {
        const snap_device *sd = &img.devices[d];
        fprintf(f, "device ");
        print_str(f, sd->name);
        fprintf(f, ": ");
        print_str(f, sd->state);
        fprintf(f, " state version %u, %u field%s\n", sd->version, sd->n_fields,
                sd->n_fields == 1 ? "" : "s");
        for (uint32_t k = 0; k < sd->n_fields; k++) {
            const snap_field *sf = &sd->fields[k];
            size_t esize = disk_types[sf->type].size;
            bool one_per_line = sf->type == T_PTIMER || sf->type == T_TIMER;
            if (sf->count == 1 || (one_per_line && sf->count)) {
                for (uint32_t e = 0; e < sf->count; e++) {
                    fprintf(f, "  ");
                    print_str(f, sf->name);
                    if (sf->count > 1) {
                        fprintf(f, "[%u]", e);
                    }
                    fprintf(f, ": %s = ", disk_types[sf->type].name);
                    print_elem(f, sf->type, sf->data + e * esize);
                    fprintf(f, "\n");
                }
                continue;
            }
            fprintf(f, "  ");
            print_str(f, sf->name);
            fprintf(f, ": %s[%u] = {", disk_types[sf->type].name, sf->count);
            for (uint32_t e = 0; e < sf->count; e++) {
                fprintf(f, "%s", e ? ", " : "");
                print_elem(f, sf->type, sf->data + e * esize);
            }
            fprintf(f, "}\n");
        }
    }
    if (img.format >= 2) {
        fprintf(f, "same-deadline order: %u timer%s\n", img.n_ties, img.n_ties == 1 ? "" : "s");
        int64_t last = -1;
        for (uint32_t i = 0; i < img.n_ties; i++) {
            const snap_tie *t = &img.ties[i];
            const snap_device *sd = &img.devices[t->dev];
            const snap_field *sf = &sd->fields[t->field];
            int64_t when = elem_deadline(sf->type, sf->data + t->elem * disk_types[sf->type].size);
            if (i == 0 || when != last) {
                fprintf(f, "%s  at %lld ns: ", i ? "\n" : "", (long long)when);
            } else {
                fprintf(f, ", ");
            }
            print_str(f, sd->name);
            fputc('.', f);
            print_str(f, sf->name);
            if (sf->count > 1) {
                fprintf(f, "[%u]", t->elem);
            }
            last = when;
        }
        if (img.n_ties) {
            fputc('\n', f);
        }
    }
    image_free(&img);
    if (ferror(f)) {
        return fail(err, errlen, "cannot write the description: %s", strerror(errno));
    }
    return 0;
}

/* --- describe as JSON --------------------------------------------------- */

/* A JSON string: the name's printable ASCII, with " and \ escaped and
 * anything else as \u00XX (names are checked ASCII, but a describe never
 * trusts them). */
static void json_str(FILE *f, snap_str s)
{
    fputc('"', f);
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
        } else if (c >= 0x20 && c < 0x7f) {
            fputc(c, f);
        } else {
            fprintf(f, "\\u%04x", c);
        }
    }
    fputc('"', f);
}

/* One element: numbers as JSON numbers (u64 beyond 2^53 are still exact
 * as text; readers that parse them as doubles lose precision, as with any
 * 64-bit counter), a ptimer or timer as an object. */
static void json_elem(FILE *f, uint8_t type, const uint8_t *p)
{
    static const char *const modes[] = { "stopped", "periodic", "oneshot" };
    switch (type) {
    case T_BOOL:
        fprintf(f, "%s", p[0] ? "true" : "false");
        break;
    case T_U8:
    case T_U16:
    case T_U32:
    case T_U64:
        fprintf(f, "%llu", (unsigned long long)get_le(p, (unsigned)disk_types[type].size));
        break;
    case T_I64:
        fprintf(f, "%lld", (long long)(int64_t)get_le(p, 8));
        break;
    case T_PTIMER:
        fprintf(f,
                "{\"mode\": \"%s\", \"limit\": %llu, \"count\": %llu, \"period_ns\": %lld, "
                "\"period_frac\": %u, \"last_event_ns\": %lld, \"next_event_ns\": %lld, "
                "\"deadline_ns\": %lld}",
                modes[p[0]], (unsigned long long)get_le(p + 1, 8),
                (unsigned long long)get_le(p + 9, 8), (long long)(int64_t)get_le(p + 17, 8),
                (unsigned)get_le(p + 25, 4), (long long)(int64_t)get_le(p + 29, 8),
                (long long)(int64_t)get_le(p + 37, 8), (long long)(int64_t)get_le(p + 45, 8));
        break;
    case T_TIMER:
        fprintf(f, "{\"deadline_ns\": %lld}", (long long)(int64_t)get_le(p, 8));
        break;
    case T_IRQ:
        fprintf(f, "%d", p[0] ? 1 : 0);
        break;
    default:
        fprintf(f, "null");
        break;
    }
}

int et_snapshot_describe_json(const uint8_t *buf, size_t len, void *file, char *err,
                              size_t errlen)
{
    FILE *f = file;
    snap_image img;
    if (!f) {
        return fail(err, errlen, "et_snapshot_describe_json: no output file");
    }
    if (parse(buf, len, &img, err, errlen)) {
        return -1;
    }
    fprintf(f, "{\"format\": %u, \"bytes\": %zu, \"crc32\": %u, \"machine\": ", img.format,
            img.len, img.crc);
    json_str(f, img.machine);
    fprintf(f, ",\n \"clock\": {\"kind\": \"%s\", \"paused\": %s, \"now_ns\": %lld},\n",
            img.clock_kind ? "real-time" : "manual", (img.clock_flags & 1) ? "true" : "false",
            (long long)img.now);
    fprintf(f, " \"devices\": [");
    for (uint32_t d = 0; d < img.n_devices; d++) {
        const snap_device *sd = &img.devices[d];
        fprintf(f, "%s\n  {\"name\": ", d ? "," : "");
        json_str(f, sd->name);
        fprintf(f, ", \"state\": ");
        json_str(f, sd->state);
        fprintf(f, ", \"version\": %u, \"fields\": [", sd->version);
        for (uint32_t k = 0; k < sd->n_fields; k++) {
            const snap_field *sf = &sd->fields[k];
            size_t esize = disk_types[sf->type].size;
            fprintf(f, "%s\n    {\"name\": ", k ? "," : "");
            json_str(f, sf->name);
            fprintf(f, ", \"type\": \"%s\", \"values\": [", disk_types[sf->type].name);
            for (uint32_t e = 0; e < sf->count; e++) {
                fprintf(f, "%s", e ? ", " : "");
                json_elem(f, sf->type, sf->data + e * esize);
            }
            fprintf(f, "]}");
        }
        fprintf(f, "]}");
    }
    /* Timers of equal deadline, in the order they fire (format 2). */
    fprintf(f, "],\n \"same_deadline_order\": [");
    for (uint32_t i = 0; img.format >= 2 && i < img.n_ties; i++) {
        const snap_tie *t = &img.ties[i];
        const snap_device *sd = &img.devices[t->dev];
        const snap_field *sf = &sd->fields[t->field];
        fprintf(f, "%s{\"device\": ", i ? ", " : "");
        json_str(f, sd->name);
        fprintf(f, ", \"field\": ");
        json_str(f, sf->name);
        fprintf(f, ", \"element\": %u, \"deadline_ns\": %lld}", t->elem,
                (long long)elem_deadline(sf->type,
                                         sf->data + t->elem * disk_types[sf->type].size));
    }
    fprintf(f, "]}\n");
    image_free(&img);
    if (ferror(f)) {
        return fail(err, errlen, "cannot write the description: %s", strerror(errno));
    }
    return 0;
}

/* --- files --------------------------------------------------------------- */

int et_snapshot_write_file(const char *path, const uint8_t *buf, size_t len, char *err,
                           size_t errlen)
{
    if (!path || (!buf && len)) {
        return fail(err, errlen, "et_snapshot_write_file: path and data are required");
    }
    size_t plen = strlen(path);
    char *tmp = et__xmalloc(plen + sizeof(".tmp.XXXXXX"));
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return fail(err, errlen, "cannot create a temporary file next to '%s': %s", path,
                    strerror(e));
    }
    const char *what = NULL;
    int e = 0;
    size_t done = 0;
    while (done < len && !what) {
        ssize_t k = write(fd, buf + done, len - done);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            what = "write";
            e = k < 0 ? errno : EIO;
        } else {
            done += (size_t)k;
        }
    }
    if (!what && fchmod(fd, 0644) != 0) {
        what = "set the permissions of";
        e = errno;
    }
    if (!what && fsync(fd) != 0) {
        what = "flush";
        e = errno;
    }
    if (close(fd) != 0 && !what) {
        what = "close";
        e = errno;
    }
    if (!what && rename(tmp, path) != 0) {
        what = "rename the temporary file to";
        e = errno;
    }
    if (what) {
        unlink(tmp);
        free(tmp);
        return fail(err, errlen, "cannot %s '%s': %s", what, path, strerror(e));
    }
    free(tmp);
    /* Make the rename itself durable (best effort: not every file system
     * lets a directory be opened for this). */
    char *dir = strdup(path);
    if (dir) {
        char *slash = strrchr(dir, '/');
        const char *d = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
        int dfd = open(d, O_RDONLY | O_DIRECTORY);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    return 0;
}

/* The largest file the format allows: header, a body of up to 2^32 - 1
 * bytes (its length is a u32), checksum. */
#define SNAPSHOT_MAX_FILE ((uint64_t)HEADER_SIZE + UINT32_MAX + CRC_SIZE)

int et_snapshot_read_file(const char *path, uint8_t **buf, size_t *len, char *err,
                          size_t errlen)
{
    if (buf) {
        *buf = NULL;
    }
    if (len) {
        *len = 0;
    }
    if (!path || !buf || !len) {
        return fail(err, errlen, "et_snapshot_read_file: path, buf and len are required");
    }
    /* Non-blocking, so that a FIFO or a device node cannot hang the open;
     * then only a regular file of a size the format allows is read, exactly
     * that many bytes (a file that grows meanwhile is not read past it). */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        return fail(err, errlen, "cannot open '%s': %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return fail(err, errlen, "cannot read '%s': %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return fail(err, errlen, "'%s' is not a regular file (a snapshot is one)", path);
    }
    if ((uint64_t)st.st_size > SNAPSHOT_MAX_FILE || (uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return fail(err, errlen,
                    "'%s' is too large for a snapshot: %lld bytes, the format allows at "
                    "most %llu",
                    path, (long long)st.st_size, (unsigned long long)SNAPSHOT_MAX_FILE);
    }
    size_t size = (size_t)st.st_size;
    uint8_t *data = et__xmalloc(size ? size : 1);
    size_t n = 0;
    while (n < size) {
        ssize_t k = read(fd, data + n, size - n);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0) {
            int e = errno;
            free(data);
            close(fd);
            return fail(err, errlen, "cannot read '%s': %s", path, strerror(e));
        }
        if (k == 0) {
            break; /* shrank meanwhile: what is there is validated later */
        }
        n += (size_t)k;
    }
    close(fd);
    *buf = data;
    *len = n;
    return 0;
}
