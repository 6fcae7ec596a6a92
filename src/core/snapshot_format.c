/* Snapshots: the wire format (docs/snapshot-format.md) and its parse.
 *
 * The format is self-describing: every field is stored with its name, type
 * and element count, so a snapshot can be checked and described without the
 * devices, and a device can add fields in later state versions.
 *
 * The parse checks everything that does not need a machine: magic, format
 * version, length, CRC-32, every record's bounds, every value's range, the
 * same-deadline order, and that no two devices, and no two fields of one
 * device, share a name. It is linear in the file's size: names are checked
 * through hash tables, never against every name before them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/crc32.h"
#include "core/internal.h"
#include "core/snapshot_internal.h"

const uint8_t et__snap_magic[8] = { 'E', 'T', 'S', 'N', 'A', 'P', '\r', '\n' };

const et__snap_type et__snap_types[T_LAST + 1] = {
    [T_BOOL] = { "bool", 1 },   [T_U8] = { "u8", 1 },         [T_U16] = { "u16", 2 },
    [T_U32] = { "u32", 4 },     [T_U64] = { "u64", 8 },       [T_I64] = { "i64", 8 },
    [T_PTIMER] = { "ptimer", PTIMER_SIZE }, [T_TIMER] = { "timer", 8 }, [T_IRQ] = { "irq", 1 },
};

uint8_t et__snap_disk_code(et_field_type type)
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

void et__snap_get_ptimer(const uint8_t *p, et_ptimer_state *st)
{
    st->enabled = p[0];
    st->limit = snap_get_le(p + 1, 8);
    st->delta = snap_get_le(p + 9, 8);
    st->period = (int64_t)snap_get_le(p + 17, 8);
    st->period_frac = (uint32_t)snap_get_le(p + 25, 4);
    st->last_event = (int64_t)snap_get_le(p + 29, 8);
    st->next_event = (int64_t)snap_get_le(p + 37, 8);
    st->timer_expire = (int64_t)snap_get_le(p + 45, 8);
}

void et__snap_put_ptimer(uint8_t *p, const et_ptimer_state *st)
{
    p[0] = st->enabled;
    snap_put_le(p + 1, st->limit, 8);
    snap_put_le(p + 9, st->delta, 8);
    snap_put_le(p + 17, (uint64_t)st->period, 8);
    snap_put_le(p + 25, st->period_frac, 4);
    snap_put_le(p + 29, (uint64_t)st->last_event, 8);
    snap_put_le(p + 37, (uint64_t)st->next_event, 8);
    snap_put_le(p + 45, (uint64_t)st->timer_expire, 8);
}

int64_t et__snap_elem_deadline(uint8_t type, const uint8_t *p)
{
    if (type == T_TIMER) {
        return (int64_t)snap_get_le(p, 8);
    }
    if (type == T_PTIMER && p[0] != 0) {
        et_ptimer_state st;
        et__snap_get_ptimer(p, &st);
        return st.timer_expire;
    }
    return -1;
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
        et_ptimer_state st;
        et__snap_get_ptimer(p, &st);
        if (st.enabled > 2) {
            snprintf(why, whylen, "ptimer mode %u is not 0 (stopped), 1 (periodic) or 2 (oneshot)",
                     st.enabled);
            return why;
        }
        if (st.period < 0) {
            snprintf(why, whylen, "ptimer period %lld ns is negative", (long long)st.period);
            return why;
        }
        if (st.timer_expire < -1) {
            snprintf(why, whylen, "ptimer deadline %lld is below -1", (long long)st.timer_expire);
            return why;
        }
        break;
    }
    case T_TIMER: {
        int64_t deadline = (int64_t)snap_get_le(p, 8);
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

/* --- name indexes ---------------------------------------------------------- */

uint64_t et__snap_name_hash(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (uint8_t)p[i]) * 0x100000001b3ull;
    }
    return h;
}

uint32_t *et__snap_name_table(size_t n, size_t *mask)
{
    size_t cap = 16;
    while (cap < 2 * n) {
        cap *= 2;
    }
    *mask = cap - 1;
    return et__xcalloc(cap, sizeof(uint32_t));
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

/* Name comparisons made by the lookups, for the tests' check that a parse
 * is linear (a count of work, not of time). */
static uint64_t name_compares;

uint64_t et__snap_name_compares(void)
{
    return __atomic_load_n(&name_compares, __ATOMIC_RELAXED);
}

/* The slot of table (index + 1 of an item, 0 empty) holding the item called
 * name, or the empty slot where it would go. Item i's name is at
 * names + i * stride bytes (the devices' or the fields' name member). */
static uint32_t *name_slot(uint32_t *table, size_t mask, const snap_str *names, size_t stride,
                           snap_str name)
{
    size_t i = (size_t)et__snap_name_hash(name.p, name.len) & mask;
    while (table[i]) {
        const snap_str *at =
            (const snap_str *)(const void *)((const char *)names + (table[i] - 1) * stride);
        __atomic_fetch_add(&name_compares, 1, __ATOMIC_RELAXED);
        if (str_cmp(*at, name) == 0) {
            break;
        }
        i = (i + 1) & mask;
    }
    return &table[i];
}

static uint32_t *device_slot(const snap_image *img, snap_str name)
{
    return name_slot(img->by_name, img->name_mask, &img->devices[0].name, sizeof(snap_device),
                     name);
}

static uint32_t *field_slot(const snap_device *sd, snap_str name)
{
    return name_slot(sd->by_name, sd->name_mask, &sd->fields[0].name, sizeof(snap_field), name);
}

long et__snap_find_device(const snap_image *img, const char *name)
{
    snap_str key = { name, strlen(name) };
    uint32_t slot = *device_slot(img, key);
    return slot ? (long)slot - 1 : -1;
}

long et__snap_find_field(const snap_device *sd, const char *name)
{
    if (!sd->by_name) {
        return -1; /* no fields */
    }
    snap_str key = { name, strlen(name) };
    uint32_t slot = *field_slot(sd, key);
    return slot ? (long)slot - 1 : -1;
}

/* --- the same-deadline order ----------------------------------------------- */

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

uint32_t et__snap_tie_position(const snap_image *img, uint32_t dev, uint32_t field,
                               uint32_t elem)
{
    snap_tie key = { dev, field, elem, 0 };
    const snap_tie *t = img->n_ties ? bsearch(&key, img->ties_sorted, img->n_ties,
                                              sizeof(key), cmp_tie)
                                    : NULL;
    return t ? t->pos : UINT32_MAX;
}

/* --- parse ------------------------------------------------------------------ */

typedef struct rbuf {
    const uint8_t *p;
    size_t len, pos;
} rbuf;

static bool r_le(rbuf *r, unsigned n, uint64_t *v)
{
    if (r->len - r->pos < n) {
        return false;
    }
    *v = snap_get_le(r->p + r->pos, n);
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

void et__snap_image_free(snap_image *img)
{
    if (img->devices) {
        for (uint32_t i = 0; i < img->n_devices; i++) {
            free(img->devices[i].fields);
            free(img->devices[i].by_name);
        }
    }
    free(img->devices);
    free(img->by_name);
    free(img->ties);
    free(img->ties_sorted);
    memset(img, 0, sizeof(*img));
}

/* A record of the body is bad: the message says what and where. */
static int corrupt(const rbuf *r, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int corrupt(const rbuf *r, char *err, size_t errlen, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return et__error(err, errlen, ET_EFORMAT, "snapshot corrupt: %s (at body byte %zu)", what,
                     r->pos);
}

/* The header and checksum: on success the body is buf[HEADER_SIZE..) of
 * *body_len bytes, as its writer produced it. */
static int parse_header(const uint8_t *buf, size_t len, snap_image *img, uint64_t *body_len,
                        char *err, size_t errlen)
{
    if (!buf && len) {
        return et__error(err, errlen, ET_EINVAL, "no snapshot data (NULL buffer)");
    }
    size_t m = len < sizeof(et__snap_magic) ? len : sizeof(et__snap_magic);
    if (len == 0) {
        return et__error(err, errlen, ET_EFORMAT, "snapshot is empty (0 bytes)");
    }
    if (memcmp(buf, et__snap_magic, m) != 0) {
        return et__error(err, errlen, ET_EFORMAT, "not an emutime snapshot (bad magic number)");
    }
    if (len < HEADER_SIZE + CRC_SIZE) {
        return et__error(err, errlen, ET_EFORMAT,
                         "snapshot truncated: %zu bytes, less than the %d-byte header and checksum",
                         len, HEADER_SIZE + CRC_SIZE);
    }
    img->format = (uint32_t)snap_get_le(buf + 8, 4);
    if (img->format == 0 || img->format > ET_SNAPSHOT_FORMAT_VERSION) {
        return et__error(err, errlen, ET_EFORMAT,
            "unsupported snapshot format version %u (this build reads versions 1 to %d)",
            img->format, ET_SNAPSHOT_FORMAT_VERSION);
    }
    *body_len = snap_get_le(buf + 12, 4);
    uint64_t total = HEADER_SIZE + *body_len + CRC_SIZE;
    if (len < total) {
        return et__error(err, errlen, ET_EFORMAT,
                         "snapshot truncated: %zu bytes, its header announces %llu", len,
                         (unsigned long long)total);
    }
    if (len > total) {
        return et__error(err, errlen, ET_EFORMAT,
                         "snapshot has %llu unexpected bytes after its checksum",
                         (unsigned long long)(len - total));
    }
    img->len = len;
    img->crc = (uint32_t)snap_get_le(buf + HEADER_SIZE + *body_len, 4);
    uint32_t crc = et__crc32(0, buf, HEADER_SIZE + (size_t)*body_len);
    if (crc != img->crc) {
        return et__error(err, errlen, ET_EFORMAT,
                             "snapshot checksum mismatch (stored 0x%08x, computed 0x%08x): the "
                             "data is corrupt",
                             img->crc, crc);
    }
    return 0;
}

/* The machine name and the clock. */
static int parse_clock(rbuf *r, snap_image *img, char *err, size_t errlen)
{
    uint64_t v;
    if (!r_str(r, &img->machine)) {
        return corrupt(r, err, errlen, "the machine name runs past the end");
    }
    if (!r_le(r, 1, &v) || v > 1) {
        return corrupt(r, err, errlen, "clock kind is not 0 (manual) or 1 (real-time)");
    }
    img->clock_kind = (uint8_t)v;
    if (!r_le(r, 1, &v) || (v & ~1u)) {
        return corrupt(r, err, errlen, "unknown clock flags");
    }
    img->clock_flags = (uint8_t)v;
    if (!r_le(r, 8, &v)) {
        return corrupt(r, err, errlen, "the clock's time runs past the end");
    }
    img->now = (int64_t)v;
    return 0;
}

/* Field f of device d: its name (distinct from the fields before it), type,
 * count and elements. */
static int parse_field(rbuf *r, snap_device *sd, uint32_t d, uint32_t f, char *err,
                       size_t errlen)
{
    snap_field *sf = &sd->fields[f];
    uint64_t v = 0;
    if (!r_str(r, &sf->name) || sf->name.len == 0) {
        return corrupt(r, err, errlen, "field %u of device %u has no valid name", f, d);
    }
    uint32_t *slot = field_slot(sd, sf->name);
    if (*slot) {
        return corrupt(r, err, errlen, "device %u has two fields named '%.*s'", d,
                       NAMEF(sf->name));
    }
    *slot = f + 1;
    if (!r_le(r, 1, &v) || v == 0 || v > T_LAST) {
        return corrupt(r, err, errlen, "field '%.*s' of device %u has unknown type %llu",
                       NAMEF(sf->name), d, (unsigned long long)v);
    }
    sf->type = (uint8_t)v;
    size_t esize = et__snap_types[sf->type].size;
    if (!r_le(r, 4, &v) || v > (r->len - r->pos) / esize) {
        return corrupt(r, err, errlen,
                       "field '%.*s' of device %u has more elements than bytes left",
                       NAMEF(sf->name), d);
    }
    sf->count = (uint32_t)v;
    sf->data = r->p + r->pos;
    for (uint32_t e = 0; e < sf->count; e++) {
        char why[128];
        if (elem_problem(sf->type, sf->data + e * esize, why, sizeof(why))) {
            return corrupt(r, err, errlen, "field '%.*s' element %u of device %u: %s",
                           NAMEF(sf->name), e, d, why);
        }
    }
    r->pos += (size_t)sf->count * esize;
    return 0;
}

/* The device records, each with its fields. */
static int parse_devices(rbuf *r, snap_image *img, char *err, size_t errlen)
{
    uint64_t v;
    if (!r_le(r, 4, &v) || v > (r->len - r->pos) / MIN_DEVICE_SIZE) {
        return corrupt(r, err, errlen, "bad device count");
    }
    img->n_devices = (uint32_t)v;
    img->devices = et__xcalloc(img->n_devices ? img->n_devices : 1, sizeof(*img->devices));
    for (uint32_t d = 0; d < img->n_devices; d++) {
        snap_device *sd = &img->devices[d];
        if (!r_str(r, &sd->name) || sd->name.len == 0) {
            return corrupt(r, err, errlen, "device %u has no valid name", d);
        }
        if (!r_str(r, &sd->state) || sd->state.len == 0) {
            return corrupt(r, err, errlen, "device %u has no valid state name", d);
        }
        if (!r_le(r, 4, &v) || v == 0) {
            return corrupt(r, err, errlen, "device %u has no valid state version", d);
        }
        sd->version = (uint32_t)v;
        /* The count is bounded by the bytes left, and so are the arrays. */
        if (!r_le(r, 4, &v) || v > (r->len - r->pos) / MIN_FIELD_SIZE) {
            return corrupt(r, err, errlen, "device %u has a bad field count", d);
        }
        sd->n_fields = (uint32_t)v;
        sd->fields = et__xcalloc(sd->n_fields ? sd->n_fields : 1, sizeof(*sd->fields));
        if (sd->n_fields) {
            sd->by_name = et__snap_name_table(sd->n_fields, &sd->name_mask);
        }
        for (uint32_t f = 0; f < sd->n_fields; f++) {
            if (parse_field(r, sd, d, f, err, errlen)) {
                return -1;
            }
        }
    }
    return 0;
}

/* The same-deadline order (format 2): armed timers, each listed once. */
static int parse_ties(rbuf *r, snap_image *img, char *err, size_t errlen)
{
    uint64_t v;
    if (!r_le(r, 4, &v) || v > (r->len - r->pos) / 12) {
        return corrupt(r, err, errlen, "bad count of the same-deadline order");
    }
    img->n_ties = (uint32_t)v;
    img->ties = et__xcalloc(img->n_ties ? img->n_ties : 1, sizeof(*img->ties));
    for (uint32_t i = 0; i < img->n_ties; i++) {
        uint64_t d = 0, k = 0, e = 0;
        r_le(r, 4, &d); /* the count check above guarantees the bytes */
        r_le(r, 4, &k);
        r_le(r, 4, &e);
        if (d >= img->n_devices || k >= img->devices[d].n_fields) {
            return corrupt(r, err, errlen, "same-deadline order entry %u names no field", i);
        }
        const snap_field *sf = &img->devices[d].fields[k];
        if (e >= sf->count ||
            et__snap_elem_deadline(sf->type, sf->data + e * et__snap_types[sf->type].size) < 0) {
            return corrupt(r, err, errlen, "same-deadline order entry %u is not an armed timer",
                           i);
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
            return corrupt(r, err, errlen, "a timer appears twice in the same-deadline order");
        }
    }
    return 0;
}

/* The device-name index; the names must be distinct. */
static int index_devices(const rbuf *r, snap_image *img, char *err, size_t errlen)
{
    img->by_name = et__snap_name_table(img->n_devices, &img->name_mask);
    for (uint32_t d = 0; d < img->n_devices; d++) {
        uint32_t *slot = device_slot(img, img->devices[d].name);
        if (*slot) {
            return corrupt(r, err, errlen, "two devices are named '%.*s'",
                           NAMEF(img->devices[d].name));
        }
        *slot = d + 1;
    }
    return 0;
}

int et__snap_parse(const uint8_t *buf, size_t len, snap_image *img, char *err, size_t errlen)
{
    memset(img, 0, sizeof(*img));
    uint64_t body_len = 0;
    if (parse_header(buf, len, img, &body_len, err, errlen)) {
        return -1;
    }
    /* From here on the data is what some writer produced: still check every
     * bound, a crafted file must not crash us. */
    rbuf r = { buf + HEADER_SIZE, (size_t)body_len, 0 };
    if (parse_clock(&r, img, err, errlen) || parse_devices(&r, img, err, errlen) ||
        (img->format >= 2 && parse_ties(&r, img, err, errlen))) {
        goto bad;
    }
    if (r.pos != r.len) {
        corrupt(&r, err, errlen, "%zu unread bytes at the end of the body", r.len - r.pos);
        goto bad;
    }
    if (index_devices(&r, img, err, errlen)) {
        goto bad;
    }
    return 0;

bad:
    et__snap_image_free(img);
    return -1;
}
