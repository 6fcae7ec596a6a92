/* Snapshots: et_snapshot_load, in two phases. Everything that can fail is
 * checked first: the file (et__snap_parse), then the match with the machine
 * (name, devices, state names and versions, fields, types, element counts),
 * the last part under every device's lock. Only then is anything stored, and
 * nothing after that point can fail.
 *
 * Matching is linear in the snapshot's size: saved devices and fields are
 * found through the parse's name indexes. */
#include <stdlib.h>

#include "core/device_internal.h"
#include "core/internal.h"
#include "core/snapshot_internal.h"

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
        uint16_t x = (uint16_t)snap_get_le(src, 2);
        memcpy(p, &x, sizeof(x));
        break;
    }
    case T_U32: {
        uint32_t x = (uint32_t)snap_get_le(src, 4);
        memcpy(p, &x, sizeof(x));
        break;
    }
    case T_U64:
    case T_I64: {
        uint64_t x = snap_get_le(src, 8);
        memcpy(p, &x, sizeof(x));
        break;
    }
    case T_PTIMER: {
        et_ptimer *pt;
        memcpy(&pt, p, sizeof(pt));
        et_ptimer_state st;
        et__snap_get_ptimer(src, &st);
        et_ptimer_set_state(pt, &st);
        break;
    }
    case T_TIMER: {
        et_timer *t;
        memcpy(&t, p, sizeof(t));
        int64_t deadline = (int64_t)snap_get_le(src, 8);
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
        et__snap_put_ptimer(src, &(et_ptimer_state){ .timer_expire = -1 }); /* stopped */
        break;
    case T_TIMER:
        snap_put_le(src, UINT64_MAX, 8); /* -1: not armed */
        break;
    default:
        snap_put_le(src, def, 8); /* little-endian: the low bytes are the narrow types */
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
    if (!snap_str_eq(sd->state, vs->name)) {
        return et__error(err, errlen, ET_EMISMATCH,
                         "snapshot device '%s' holds '%.*s' state, this machine's is a '%s'",
                         dev->name, NAMEF(sd->state), vs->name);
    }
    if (sd->version > vs->version) {
        return et__error(err, errlen, ET_EMISMATCH,
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
        long k = et__snap_find_field(sd, f->name);
        const snap_field *found = k >= 0 ? &sd->fields[k] : NULL;
        if (found) {
            used[k] = true;
        }
        if (fv > sd->version) {
            if (found) {
                rc = et__error(err, errlen, ET_EMISMATCH,
                          "snapshot device '%s' (state version %u) holds field '%s', which "
                          "version %u added",
                          dev->name, sd->version, f->name, fv);
            }
            continue; /* the snapshot predates it: default */
        }
        if (!found) {
            rc = et__error(err, errlen, ET_EMISMATCH,
                           "snapshot device '%s' (state version %u) lacks field '%s'", dev->name,
                           sd->version, f->name);
        } else if (found->type != et__snap_disk_code(f->type)) {
            rc = et__error(err, errlen, ET_EMISMATCH,
                           "field '%s' of device '%s' is a %s in the snapshot, a %s here", f->name,
                           dev->name, et__snap_types[found->type].name,
                           et__snap_types[et__snap_disk_code(f->type)].name);
        }
        plan->fields[j] = found;
    }
    for (uint32_t k = 0; k < sd->n_fields && !rc; k++) {
        if (!used[k]) {
            rc = et__error(err, errlen, ET_EMISMATCH,
                           "snapshot device '%s' has field '%.*s', unknown to this build",
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
        if (et__snap_field_layout(dev, f, &base, &n, err, errlen) ||
            et__snap_check_elems(dev, f, base, n, err, errlen)) {
            return ET_EINVAL;
        }
        if (plan->fields[j] && plan->fields[j]->count != n) {
            return et__error(err, errlen, ET_EMISMATCH,
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
        et__snap_field_layout(dev, f, &base, &n, NULL, 0); /* checked by check_live */
        uint8_t code = et__snap_disk_code(f->type);
        const snap_field *sf = plan->fields[j];
        for (uint32_t i = 0; i < n; i++) {
            if (!sf) {
                load_default(code, snap_elem_at(f, base, i), f->def);
                continue;
            }
            const uint8_t *src = sf->data + (size_t)i * et__snap_types[code].size;
            int64_t deadline = et__snap_elem_deadline(code, src);
            if (deadline < 0) {
                load_elem(code, snap_elem_at(f, base, i), src);
                continue;
            }
            if (arms->n == arms->cap) {
                arms->cap = arms->cap ? 2 * arms->cap : 64;
                arms->v = et__xrealloc(arms->v, arms->cap * sizeof(*arms->v));
            }
            uint32_t k = (uint32_t)(sf - plan->saved->fields);
            arms->v[arms->n] = (arm_op){ deadline, et__snap_tie_position(img, d, k, i),
                                         (uint32_t)arms->n, code, snap_elem_at(f, base, i), src };
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
        if (et__snap_field_layout(dev, f, &base, &n, NULL, 0)) {
            continue;
        }
        for (uint32_t i = 0; i < n; i++) {
            et_irq_line *line = snap_elem_at(f, base, i);
            et__device_queue_irq(dev, line, line->level);
        }
    }
    et_device_unlock(dev);
}

int et_snapshot_load(et_clock *clock, et_device *const *devs, size_t n, const char *machine,
                     const uint8_t *buf, size_t len, char *err, size_t errlen)
{
    if (!clock || (n && !devs)) {
        return et__error(err, errlen, ET_EINVAL,
                         "et_snapshot_load: clock and devices are required");
    }
    machine = machine ? machine : "";
    snap_image img;
    if (et__snap_parse(buf, len, &img, err, errlen)) {
        return ET_EFORMAT;
    }
    load_plan *plans = NULL;
    int rc = 0;
    if (!snap_str_eq(img.machine, machine)) {
        rc = et__error(err, errlen, ET_EMISMATCH, "snapshot is of machine '%.*s', not '%s'",
                       NAMEF(img.machine), machine);
        goto out;
    }
    rc = et__snap_check_devices(clock, devs, n, err, errlen);
    if (rc) {
        goto out;
    }
    plans = et__xcalloc(n ? n : 1, sizeof(*plans));
    for (size_t i = 0; i < n && !rc; i++) {
        long d = i < img.n_devices && snap_str_eq(img.devices[i].name, devs[i]->name)
                     ? (long)i
                     : et__snap_find_device(&img, devs[i]->name);
        if (d < 0) {
            rc = et__error(err, errlen, ET_EMISMATCH, "snapshot has no device '%s'", devs[i]->name);
            break;
        }
        plans[i].dev = devs[i];
        plans[i].saved = &img.devices[d];
        rc = plan_device(&plans[i], err, errlen);
    }
    if (!rc && img.n_devices != n) {
        /* Every machine device matched a distinct saved one: some saved
         * device is not in the machine. Name the first. */
        bool *known = et__xcalloc(img.n_devices, sizeof(*known));
        for (size_t i = 0; i < n; i++) {
            known[plans[i].saved - img.devices] = true;
        }
        for (uint32_t d = 0; d < img.n_devices; d++) {
            if (!known[d]) {
                rc = et__error(err, errlen, ET_EMISMATCH,
                                   "snapshot device '%.*s' is not part of this machine",
                                   NAMEF(img.devices[d].name));
                break;
            }
        }
        free(known);
    }
    if (rc) {
        goto out;
    }

    et_device **order = et__snap_lock_all(devs, n);
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
    et__snap_unlock_all(order, n);
    if (!rc) {
        for (size_t i = 0; i < n; i++) {
            resync_lines(devs[i]);
        }
    }

out:
    if (plans) {
        plans_free(plans, n);
    }
    et__snap_image_free(&img);
    return rc;
}

