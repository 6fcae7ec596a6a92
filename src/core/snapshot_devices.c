/* Snapshots, the machine side: what save and load both check of the devices
 * (their declarations, where their fields' elements are now) and the one
 * lock order they take the devices' locks in. */
#include <stdlib.h>

#include "core/device_internal.h"
#include "core/internal.h"
#include "core/snapshot_internal.h"

/* Static checks of a device's declaration (no lock needed). */
static int check_declaration(et_clock *clock, et_device *dev, char *err, size_t errlen)
{
    if (!dev) {
        return et__error(err, errlen, ET_EINVAL, "a device pointer is NULL");
    }
    if (dev->clock != clock) {
        return et__error(err, errlen, ET_EINVAL, "device '%s' is on another clock", dev->name);
    }
    if (strlen(dev->name) == 0 || strlen(dev->name) > MAX_NAME) {
        return et__error(err, errlen, ET_EINVAL, "device name '%s' is empty or too long",
                         dev->name);
    }
    const et_vmstate *vs = dev->ops->state;
    if (!vs || !vs->name || !vs->fields) {
        return et__error(err, errlen, ET_EINVAL,
                         "device '%s' (%s) declares no saved state (ops->state)", dev->name,
                         dev->ops->type);
    }
    if (vs->version == 0 || strlen(vs->name) == 0 || strlen(vs->name) > MAX_NAME) {
        return et__error(err, errlen, ET_EINVAL,
                         "device '%s': state '%s' needs a name and a version >= 1", dev->name,
                         vs->name);
    }
    for (const et_field *f = vs->fields; f->name; f++) {
        if (!et__snap_disk_code(f->type)) {
            return et__error(err, errlen, ET_EINVAL,
                             "device '%s': field '%s' has an unknown type %d", dev->name, f->name,
                             (int)f->type);
        }
        if (strlen(f->name) == 0 || strlen(f->name) > MAX_NAME) {
            return et__error(err, errlen, ET_EINVAL,
                             "device '%s': a field name is empty or too long", dev->name);
        }
        if (f->version > vs->version) {
            return et__error(err, errlen, ET_EINVAL,
                        "device '%s': field '%s' has version %u, above its state's version %u",
                        dev->name, f->name, f->version, vs->version);
        }
        for (const et_field *g = vs->fields; g != f; g++) {
            if (strcmp(g->name, f->name) == 0) {
                return et__error(err, errlen, ET_EINVAL, "device '%s': two fields are named '%s'",
                                 dev->name, f->name);
            }
        }
    }
    return 0;
}

/* Checks every device and that their names are distinct. */
int et__snap_check_devices(et_clock *clock, et_device *const *devs, size_t n, char *err,
                         size_t errlen)
{
    if (n > UINT32_MAX) {
        return et__error(err, errlen, ET_ETOOBIG, "too many devices (%zu)", n);
    }
    for (size_t i = 0; i < n; i++) {
        if (check_declaration(clock, devs[i], err, errlen)) {
            return ET_EINVAL;
        }
    }
    if (n < 2) {
        return 0;
    }
    size_t mask;
    uint32_t *table = et__snap_name_table(n, &mask);
    int rc = 0;
    for (size_t d = 0; d < n && !rc; d++) {
        const char *name = devs[d]->name;
        size_t i = (size_t)et__snap_name_hash(name, strlen(name)) & mask;
        while (table[i] && strcmp(devs[table[i] - 1]->name, name) != 0) {
            i = (i + 1) & mask;
        }
        if (table[i]) {
            rc = et__error(err, errlen, ET_EINVAL, "two devices are named '%s'", name);
        }
        table[i] = (uint32_t)d + 1;
    }
    free(table);
    return rc;
}

/* Where a field's elements are now (device lock held). */
int et__snap_field_layout(et_device *dev, const et_field *f, uint8_t **base, uint32_t *count,
                        char *err, size_t errlen)
{
    uint8_t *d = (uint8_t *)dev;
    uint32_t n = f->count;
    uint8_t *b = d + f->offset;
    if (f->flags & ET_FIELD_F_VARCOUNT) {
        memcpy(&n, d + f->count_offset, sizeof(n));
        if (!(f->flags & ET_FIELD_F_POINTER) && f->count && n > f->count) {
            return et__error(err, errlen, ET_EINVAL,
                             "device '%s': field '%s' counts %u elements in an array of %u",
                             dev->name, f->name, n, f->count);
        }
    }
    if (f->flags & ET_FIELD_F_POINTER) {
        memcpy(&b, d + f->offset, sizeof(b));
        if (!b && n) {
            return et__error(err, errlen, ET_EINVAL,
                             "device '%s': field '%s' has %u elements but no array", dev->name,
                             f->name, n);
        }
    }
    *base = b;
    *count = n;
    return 0;
}


/* Checks the objects a field's elements point to (device lock held). */
int et__snap_check_elems(et_device *dev, const et_field *f, uint8_t *base, uint32_t n, char *err,
                       size_t errlen)
{
    for (uint32_t i = 0; i < n; i++) {
        void *p = snap_elem_at(f, base, i);
        if (f->type == ET_FT_PTIMER || f->type == ET_FT_TIMER) {
            void *obj;
            memcpy(&obj, p, sizeof(obj));
            if (!obj) {
                return et__error(err, errlen, ET_EINVAL,
                                 "device '%s': field '%s' element %u is a NULL %s", dev->name,
                                 f->name, i, f->type == ET_FT_PTIMER ? "ptimer" : "timer");
            }
        } else if (f->type == ET_FT_IRQ) {
            const et_irq_line *line = p;
            if (line->owner != dev) {
                return et__error(err, errlen, ET_EINVAL,
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

et_device **et__snap_lock_all(et_device *const *devs, size_t n)
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
void et__snap_unlock_all(et_device **order, size_t n)
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

