/* Snapshots: et_snapshot_save. Every device's lock is taken, each catches
 * up to one instant, and its declared fields are written in declaration
 * order; then the same-deadline order (docs/snapshot-format.md). */
#include <stdlib.h>

#include "core/crc32.h"
#include "core/device_internal.h"
#include "core/internal.h"
#include "core/snapshot_internal.h"

/* --- the output buffer ----------------------------------------------------- */

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
    snap_put_le(w_space(w, n), v, n);
}

/* Strings are checked to fit (MAX_NAME) before writing starts. */
static void w_str(wbuf *w, const char *s)
{
    size_t n = strlen(s);
    w_le(w, n, 2);
    memcpy(w_space(w, n), s, n);
}
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
        et__snap_put_ptimer(w_space(w, PTIMER_SIZE), &st);
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
        if (et__snap_field_layout(dev, f, &base, &n, err, errlen) ||
            et__snap_check_elems(dev, f, base, n, err, errlen)) {
            return ET_EINVAL;
        }
        uint8_t code = et__snap_disk_code(f->type);
        w_str(w, f->name);
        w_le(w, code, 1);
        w_le(w, n, 4);
        for (uint32_t i = 0; i < n; i++) {
            armed a = { .dev = index, .field = k, .elem = i };
            save_elem(w, code, snap_elem_at(f, base, i), &a.deadline, &a.order);
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
    snap_put_le(w->p + count_at, count, 4);
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
        return et__error(err, errlen, ET_EINVAL,
                         "et_snapshot_save: clock, devices, buf and len are required");
    }
    machine = machine ? machine : "";
    if (strlen(machine) > MAX_NAME) {
        return et__error(err, errlen, ET_EINVAL, "machine name too long");
    }
    int rc = et__snap_check_devices(clock, devs, n, err, errlen);
    if (rc) {
        return rc;
    }

    wbuf w = { 0 };
    w_space(&w, HEADER_SIZE);
    et_device **order = et__snap_lock_all(devs, n);
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
    armed_list armed_timers = { 0 };
    for (size_t i = 0; i < n && !rc; i++) {
        rc = save_device(&w, devs[i], (uint32_t)i, &armed_timers, err, errlen);
    }
    et__snap_unlock_all(order, n);
    if (!rc) {
        save_tie_order(&w, &armed_timers);
    }
    free(armed_timers.v);
    if (!rc && w.len - HEADER_SIZE > UINT32_MAX) {
        rc = et__error(err, errlen, ET_ETOOBIG, "snapshot too large (%zu bytes)", w.len);
    }
    if (rc) {
        free(w.p);
        return rc;
    }
    memcpy(w.p, et__snap_magic, sizeof(et__snap_magic));
    snap_put_le(w.p + 8, ET_SNAPSHOT_FORMAT_VERSION, 4);
    snap_put_le(w.p + 12, w.len - HEADER_SIZE, 4);
    uint32_t crc = et__crc32(0, w.p, w.len);
    w_le(&w, crc, 4);
    *buf = w.p;
    *len = w.len;
    return 0;
}

