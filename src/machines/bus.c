/* A machine's address space: device regions and sparse RAM (with aliases:
 * the same memory at a second address), with QEMU's
 * rules for unmapped addresses (read 0, writes ignored) and for splitting an
 * access a device does not take whole (softmmu/physmem.c,
 * memory_access_size: at most the device's largest access size, at most the
 * address's alignment unless the device takes unaligned accesses, rounded
 * down to a power of two, lower address first). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "machines/machine_internal.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE ((uint64_t)1 << PAGE_SHIFT)

static int add_region(et__bus *bus, const et__region *r, char *err, size_t errlen)
{
    size_t i = 0;
    while (i < bus->n && bus->regions[i].base < r->base) {
        i++;
    }
    /* Overlap with the neighbours? Sizes are > 0; compare as last bytes so a
     * region ending at 2^64 is fine. */
    uint64_t last = r->base + (r->size - 1);
    if (i > 0) {
        const et__region *prev = &bus->regions[i - 1];
        if (prev->base + (prev->size - 1) >= r->base) {
            return et__error(err, errlen, ET_EINVAL, "%s at 0x%llx overlaps %s at 0x%llx", r->name,
                             (unsigned long long)r->base, prev->name,
                             (unsigned long long)prev->base);
        }
    }
    if (i < bus->n && bus->regions[i].base <= last) {
        return et__error(err, errlen, ET_EINVAL, "%s at 0x%llx overlaps %s at 0x%llx", r->name,
                         (unsigned long long)r->base, bus->regions[i].name,
                         (unsigned long long)bus->regions[i].base);
    }
    bus->regions = et__xrealloc(bus->regions, sizeof(*bus->regions) * (bus->n + 1));
    memmove(&bus->regions[i + 1], &bus->regions[i], sizeof(*bus->regions) * (bus->n - i));
    bus->regions[i] = *r;
    bus->n++;
    return 0;
}

int et__bus_add_device(et__bus *bus, uint64_t base, et_device *dev, char *err, size_t errlen)
{
    if (dev->ops->region_size == 0) {
        return et__error(err, errlen, ET_EINVAL, "%s has no register region", dev->name);
    }
    et__region r = { .base = base, .size = dev->ops->region_size, .dev = dev, .name = dev->name };
    return add_region(bus, &r, err, errlen);
}

int et__bus_add_device_under(et__bus *bus, uint64_t base, et_device *dev, char *err,
                             size_t errlen)
{
    uint64_t size = dev->ops->region_size;
    if (size == 0) {
        return et__error(err, errlen, ET_EINVAL, "%s has no register region", dev->name);
    }
    /* One piece per gap between the regions inside the window. */
    uint64_t at = base, end = base + (size - 1); /* last byte */
    for (;;) {
        uint64_t gap_end = end;
        bool covered = false;
        for (size_t i = 0; i < bus->n; i++) {
            const et__region *o = &bus->regions[i];
            uint64_t o_last = o->base + (o->size - 1);
            if (o->base <= at && at <= o_last) {
                covered = true;
                at = o_last; /* skip past it below */
                break;
            }
            if (o->base > at && o->base - 1 < gap_end) {
                gap_end = o->base - 1;
            }
        }
        if (!covered) {
            et__region r = { .base = at, .size = gap_end - at + 1, .dev = dev,
                             .dev_offset = at - base, .name = dev->name };
            if (add_region(bus, &r, err, errlen) != 0) {
                return -1;
            }
            at = gap_end;
        }
        if (at >= end) {
            return 0;
        }
        at++;
    }
}

int et__bus_add_device_window(et__bus *bus, uint64_t base, et_device *dev, uint64_t offset,
                              uint64_t size, char *err, size_t errlen)
{
    if (size == 0 || offset >= dev->ops->region_size ||
        size > dev->ops->region_size - offset) {
        return et__error(err, errlen, ET_EINVAL,
                         "%s: window 0x%llx+0x%llx is outside its register region", dev->name,
                         (unsigned long long)offset, (unsigned long long)size);
    }
    et__region r = { .base = base, .size = size, .dev = dev, .dev_offset = offset,
                     .name = dev->name };
    return add_region(bus, &r, err, errlen);
}

int et__bus_add_ram(et__bus *bus, const char *name, uint64_t base, uint64_t size, char *err,
                    size_t errlen)
{
    if (size == 0 || (size & (PAGE_SIZE - 1)) || (base & (PAGE_SIZE - 1))) {
        return et__error(err, errlen, ET_EINVAL,
                         "RAM %s must be a non-empty whole number of 4 KiB pages", name);
    }
    et__ram *ram = et__xcalloc(1, sizeof(*ram));
    ram->n_pages = size >> PAGE_SHIFT;
    ram->refs = 1;
    et__region r = { .base = base, .size = size, .name = name, .ram = ram };
    if (add_region(bus, &r, err, errlen) != 0) {
        free(ram);
        return -1;
    }
    return 0;
}

int et__bus_add_ram_alias(et__bus *bus, const char *name, const char *target, uint64_t base,
                          uint64_t size, char *err, size_t errlen)
{
    et__ram *ram = NULL;
    uint64_t target_size = 0;
    for (size_t i = 0; i < bus->n; i++) {
        if (bus->regions[i].ram && strcmp(bus->regions[i].name, target) == 0) {
            ram = bus->regions[i].ram;
            target_size = bus->regions[i].size;
        }
    }
    if (!ram) {
        return et__error(err, errlen, ET_EINVAL, "RAM alias %s: no RAM called %s", name, target);
    }
    if (size == 0 || size > target_size || (size & (PAGE_SIZE - 1)) || (base & (PAGE_SIZE - 1))) {
        return et__error(err, errlen, ET_EINVAL, "RAM alias %s: bad size or base", name);
    }
    et__region r = { .base = base, .size = size, .name = name, .ram = ram };
    if (add_region(bus, &r, err, errlen) != 0) {
        return -1;
    }
    ram->refs++;
    return 0;
}

void et__bus_destroy(et__bus *bus)
{
    for (size_t i = 0; i < bus->n; i++) {
        et__ram *ram = bus->regions[i].ram;
        if (ram && --ram->refs == 0) {
            if (ram->pages) {
                for (size_t p = 0; p < ram->n_pages; p++) {
                    free(ram->pages[p]);
                }
                free(ram->pages);
            }
            free(ram);
        }
    }
    free(bus->regions);
    bus->regions = NULL;
    bus->n = 0;
}

/* The region holding addr, or NULL; *next gets the base of the first region
 * above addr (or 0 with *has_next false). */
/* The region the calling thread found last: accesses come in runs to one
 * device, and a per-thread hint shares no cache line between vCPUs. It is
 * only a hint, checked against the bus it names, so a stale one (another
 * bus, or a bus freed and another made at its address) just misses. */
static __thread struct {
    const et__bus *bus;
    size_t i;
} last_hit;

static et__region *lookup(et__bus *bus, uint64_t addr, uint64_t *next, bool *has_next)
{
    size_t i = last_hit.i;
    if (last_hit.bus == bus && i < bus->n && addr - bus->regions[i].base < bus->regions[i].size) {
        /* Sorted and disjoint: the first region above addr is the next. */
        *has_next = i + 1 < bus->n;
        *next = *has_next ? bus->regions[i + 1].base : 0;
        return &bus->regions[i];
    }
    size_t lo = 0, hi = bus->n;
    while (lo < hi) { /* first region with base > addr */
        size_t mid = lo + (hi - lo) / 2;
        if (bus->regions[mid].base <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *has_next = lo < bus->n;
    *next = *has_next ? bus->regions[lo].base : 0;
    if (lo > 0) {
        et__region *r = &bus->regions[lo - 1];
        if (addr - r->base < r->size) {
            last_hit.bus = bus;
            last_hit.i = lo - 1;
            return r;
        }
    }
    return NULL;
}

static unsigned largest_size(unsigned mask)
{
    if (mask & ET_ACCESS_8) {
        return 8;
    }
    if (mask & ET_ACCESS_4) {
        return 4;
    }
    if (mask & ET_ACCESS_2) {
        return 2;
    }
    if (mask & ET_ACCESS_1) {
        return 1;
    }
    return 4;
}

/* QEMU's memory_access_size. */
static unsigned access_size(const et_device *dev, uint64_t len, uint64_t addr)
{
    unsigned max = largest_size(dev->ops->access_sizes);
    if (!dev->ops->unaligned_ok) {
        uint64_t align = addr & (~addr + 1);
        if (align != 0 && align < max) {
            max = (unsigned)align;
        }
    }
    unsigned l = len < max ? (unsigned)len : max;
    while (l & (l - 1)) { /* round down to a power of two */
        l &= l - 1;
    }
    return l;
}

/* How many bytes from addr the current piece covers, and what it is. */
typedef enum { PIECE_HOLE, PIECE_RAM, PIECE_DEV } piece_kind;

static piece_kind piece(et__bus *bus, uint64_t addr, size_t len, et__region **out, size_t *l)
{
    uint64_t next;
    bool has_next;
    et__region *r = lookup(bus, addr, &next, &has_next);
    *out = r;
    if (!r) {
        uint64_t gap = has_next ? next - addr : 0;
        *l = (has_next && gap < len) ? (size_t)gap : len;
        return PIECE_HOLE;
    }
    uint64_t off = addr - r->base;
    uint64_t left = r->size - off;
    size_t l0 = left < len ? (size_t)left : len;
    if (r->dev) {
        *l = access_size(r->dev, l0, off + r->dev_offset);
        return PIECE_DEV;
    }
    /* RAM: up to the end of the page. */
    uint64_t in_page = PAGE_SIZE - (off & (PAGE_SIZE - 1));
    *l = in_page < l0 ? (size_t)in_page : l0;
    return PIECE_RAM;
}

void et__bus_read(et__bus *bus, uint64_t addr, uint8_t *buf, size_t len)
{
    while (len) {
        et__region *r;
        size_t l;
        switch (piece(bus, addr, len, &r, &l)) {
        case PIECE_HOLE:
            memset(buf, bus->unassigned, l);
            break;
        case PIECE_RAM: {
            uint64_t off = addr - r->base;
            uint8_t *page = r->ram->pages ? r->ram->pages[off >> PAGE_SHIFT] : NULL;
            if (page) {
                memcpy(buf, page + (off & (PAGE_SIZE - 1)), l);
            } else {
                memset(buf, 0, l);
            }
            break;
        }
        case PIECE_DEV: {
            uint64_t v = et_device_read(r->dev, addr - r->base + r->dev_offset, (unsigned)l);
            for (size_t i = 0; i < l; i++) {
                buf[i] = (uint8_t)(v >> (8 * i));
            }
            break;
        }
        }
        buf += l;
        addr += l;
        len -= l;
    }
}

static uint8_t *ram_page(et__region *r, uint64_t off)
{
    et__ram *ram = r->ram;
    if (!ram->pages) {
        ram->pages = et__xcalloc(ram->n_pages, sizeof(*ram->pages));
    }
    uint8_t **p = &ram->pages[off >> PAGE_SHIFT];
    if (!*p) {
        *p = et__xcalloc(1, PAGE_SIZE);
    }
    return *p;
}

void et__bus_write(et__bus *bus, uint64_t addr, const uint8_t *buf, size_t len)
{
    while (len) {
        et__region *r;
        size_t l;
        switch (piece(bus, addr, len, &r, &l)) {
        case PIECE_HOLE:
            break;
        case PIECE_RAM: {
            uint64_t off = addr - r->base;
            memcpy(ram_page(r, off) + (off & (PAGE_SIZE - 1)), buf, l);
            break;
        }
        case PIECE_DEV: {
            uint64_t v = 0;
            for (size_t i = 0; i < l; i++) {
                v |= (uint64_t)buf[i] << (8 * i);
            }
            et_device_write(r->dev, addr - r->base + r->dev_offset, v, (unsigned)l);
            break;
        }
        }
        buf += l;
        addr += l;
        len -= l;
    }
}

void et__bus_fill(et__bus *bus, uint64_t addr, uint8_t byte, size_t len)
{
    uint8_t chunk[256];
    memset(chunk, byte, sizeof(chunk));
    while (len) {
        size_t l = len < sizeof(chunk) ? len : sizeof(chunk);
        et__bus_write(bus, addr, chunk, l);
        addr += l;
        len -= l;
    }
}
