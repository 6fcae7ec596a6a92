/* RISC-V ACLINT MTIMER: the machine-level timer (RISC-V ACLINT specification
 * 1.0, chapter "Machine-level Timer Device"), with QEMU's register layout
 * and properties (hw/intc/riscv_aclint.c, "riscv.aclint.mtimer").
 *
 * mtime is not a stored counter: it is a function of virtual time,
 *     mtime = floor(now_ns * timebase_freq / 1e9) + time_offset  (mod 2^64),
 * computed in 128-bit arithmetic, and guest writes of mtime only change
 * time_offset. Each hart's MTIP output is the comparison mtime >= mtimecmp,
 * kept exact by one timer per hart armed for the first nanosecond at which
 * that comparison next changes: when mtime reaches mtimecmp, or, while it is
 * pending, when mtime wraps round to 0. The deadline is rounded up, so the
 * interrupt never rises while mtime < mtimecmp, and a deadline beyond the
 * clock's range is never armed. The expiry re-evaluates the comparison
 * rather than trusting the deadline.
 *
 * Locking: everything runs under the device lock except lock-free reads of
 * mtime, which take no lock and catch nothing up (mtime depends on no
 * timer; MTIP levels do, and et_riscv_aclint_mtimer_mtip catches up). The
 * only writer of time_offset, a write of mtime or a reset, opens a
 * sequence-lock section before it reads the instant of its access.
 *
 * Saved state: time_offset and, per hart, mtimecmp, the armed deadline and
 * the MTIP level. Nothing is recomputed from a reset value on load, so mtime
 * continues from the saved value and armed interrupts fire on time.
 *
 * Not modelled: the Sstc stimecmp/vstimecmp timers (they live in the CPU);
 * frequency changes at run time (the timebase is a fixed property).
 *
 * Deliberate differences from QEMU 7.2 (docs/divergences.md):
 *   - snapshots keep time_offset and the armed timers (QEMU 7.2 loses both);
 *   - every path indexes mtimecmp by relative hart (QEMU reads and half-writes
 *     with the absolute hart id, wrong when hartid_base > 0);
 *   - deadlines are rounded up and re-checked (QEMU can fire 1 ns early when
 *     1e9 / freq is not an integer);
 *   - MTIP falls when mtime wraps past 2^64 (QEMU keeps it raised);
 *   - all-ones mtimecmp arms no timer at all ("never"), as QEMU does for the
 *     Sstc comparators.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/ticks.h"
#include "emutime/devices/riscv_aclint.h"

#define NS_PER_SECOND 1000000000u
#define CACHE_LINE 64

typedef struct aclint_mtimer aclint_mtimer;

typedef struct mtimer_hart {
    aclint_mtimer *owner;
    uint64_t mtimecmp;
    et_timer *timer;   /* armed for the next change of the comparison */
    et_irq_line mtip;
    char line_name[24];
} mtimer_hart;

struct aclint_mtimer {
    et_device dev;
    et_device_ops ops; /* per instance: the region size is the aperture */
    uint32_t hartid_base;
    uint32_t num_harts;
    uint32_t timecmp_base;
    uint32_t time_base;
    uint32_t timebase_freq;
    mtimer_hart *harts;

    /* What a lock-free mtime read touches, on a cache line of its own
     * (expiries and mtimecmp writes change the harts, elsewhere).
     * time_offset is published under the sequence lock (core/ticks.h) by
     * its only writer, set_mtime, under the device lock. */
    unsigned seq __attribute__((aligned(CACHE_LINE)));
    uint64_t time_offset; /* mtime = ticks(now) + time_offset, mod 2^64 */
    et__tick_rate rate;   /* timebase_freq / 10^9 ticks per ns: constant */
};

static et_lock_class mtimer_lock_class = ET_LOCK_CLASS_INIT("riscv.aclint.mtimer");

/* --- time arithmetic ----------------------------------------------------- */

/* Whole timebase ticks elapsed at virtual time now (not reduced mod 2^64:
 * deadlines are computed from it); none before time 0. */
static inline unsigned __int128 ticks_at(const aclint_mtimer *s, int64_t now)
{
    return et__ticks_between(&s->rate, 0, now);
}

/* Sets hart h's MTIP from the comparison at this instant and arms its timer
 * for the next change of that comparison (lock held). */
static void hart_update(aclint_mtimer *s, mtimer_hart *h, unsigned __int128 ticks)
{
    uint64_t mtime = (uint64_t)ticks + s->time_offset;
    uint64_t cmp = h->mtimecmp;
    bool pending = mtime >= cmp;
    uint64_t wait; /* ticks until the comparison changes; 0: never */

    et_irq_set(&h->mtip, pending);
    if (pending) {
        /* Only the wrap of mtime past 2^64 can make it false again, and
         * not even that when mtimecmp is 0. mtime > 0 here. */
        wait = cmp == 0 ? 0 : (uint64_t)0 - mtime;
    } else {
        /* All-ones is "never": no timer for the last tick before the wrap. */
        wait = cmp == UINT64_MAX ? 0 : cmp - mtime;
    }
    if (wait == 0) {
        et_timer_del(h->timer);
        return;
    }
    /* The first ns with that many ticks, rounded up: never early. */
    int64_t deadline = et__tick_time(&s->rate, 0, ticks + wait);
    if (deadline == INT64_MAX) {
        et_timer_del(h->timer); /* saturated: beyond the clock's range */
        return;
    }
    et_timer_mod(h->timer, deadline);
}

static unsigned __int128 ticks_now(aclint_mtimer *s)
{
    return ticks_at(s, et_clock_now(s->dev.clock));
}

static uint64_t mtime_now(aclint_mtimer *s)
{
    return (uint64_t)ticks_now(s) + s->time_offset;
}

/* Makes mtime read value from the instant of `ticks` on and re-evaluates
 * every hart. The caller has opened the write section of the lock-free
 * read before it read that instant (begin_mtime_write). */
static void set_mtime_at(aclint_mtimer *s, uint64_t value, unsigned __int128 ticks)
{
    __atomic_store_n(&s->time_offset, value - (uint64_t)ticks, __ATOMIC_RELEASE);
    for (uint32_t i = 0; i < s->num_harts; i++) {
        hart_update(s, &s->harts[i], ticks);
    }
}

/* Opens the write section and reads the instant of the write. */
static unsigned __int128 begin_mtime_write(aclint_mtimer *s)
{
    et__seq_write_begin(&s->seq);
    return ticks_now(s);
}

static void set_mtime(aclint_mtimer *s, uint64_t value)
{
    set_mtime_at(s, value, begin_mtime_write(s));
    et__seq_write_end(&s->seq);
}

/* mtime without the device lock: the clock is read inside the read
 * section, so the value belongs to one time_offset at one instant. mtime
 * depends on no timer, so nothing needs catching up. */
static inline uint64_t mtime_lockless(aclint_mtimer *s)
{
    for (;;) {
        unsigned s1 = et__seq_read_begin(&s->seq);
        int64_t now = et_clock_now(s->dev.clock);
        uint64_t offset = __atomic_load_n(&s->time_offset, __ATOMIC_ACQUIRE);
        if (!et__seq_read_retry(&s->seq, s1)) {
            return (uint64_t)ticks_at(s, now) + offset;
        }
    }
}

static void set_mtimecmp(aclint_mtimer *s, mtimer_hart *h, uint64_t value)
{
    h->mtimecmp = value;
    hart_update(s, h, ticks_now(s));
}

/* --- the device ---------------------------------------------------------- */

static void hart_expired(void *opaque)
{
    mtimer_hart *h = opaque;
    aclint_mtimer *s = h->owner;
    unsigned __int128 ticks = ticks_now(s); /* at the deadline itself */
    if (et_trace_enabled()) {
        et_device_trace(&s->dev, "expire", "hart %" PRIu32 " mtime 0x%" PRIx64
                        " mtimecmp 0x%" PRIx64,
                        s->hartid_base + (uint32_t)(h - s->harts),
                        (uint64_t)ticks + s->time_offset, h->mtimecmp);
    }
    hart_update(s, h, ticks);
}

/* The hart whose mtimecmp holds offset, with the byte within it; NULL when
 * offset is not in the mtimecmp array. */
static mtimer_hart *timecmp_at(aclint_mtimer *s, uint64_t offset, unsigned *within)
{
    if (offset < s->timecmp_base ||
        offset - s->timecmp_base >= (uint64_t)s->num_harts * 8) {
        return NULL;
    }
    uint64_t rel = offset - s->timecmp_base;
    *within = (unsigned)(rel & 7);
    return &s->harts[rel >> 3];
}

static uint64_t mtimer_read(et_device *dev, uint64_t offset, unsigned size)
{
    aclint_mtimer *s = (aclint_mtimer *)dev;
    unsigned within;
    mtimer_hart *h = timecmp_at(s, offset, &within);

    /* The base enforces alignment and the 8-aligned bases make an access
     * either a whole register or one 32-bit half of it. */
    if (h) {
        if (within == 0) {
            return size == 8 ? h->mtimecmp : (uint32_t)h->mtimecmp;
        }
        return h->mtimecmp >> 32;
    }
    if (offset == s->time_base) {
        uint64_t mtime = mtime_now(s);
        return size == 8 ? mtime : (uint32_t)mtime;
    }
    if (offset == (uint64_t)s->time_base + 4) {
        return mtime_now(s) >> 32;
    }
    et_device_guest_error(dev, "read of unmapped offset 0x%" PRIx64, offset);
    return 0;
}

static void mtimer_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    aclint_mtimer *s = (aclint_mtimer *)dev;
    unsigned within;
    mtimer_hart *h = timecmp_at(s, offset, &within);

    if (h) {
        uint64_t cmp = h->mtimecmp;
        if (size == 8) {
            cmp = value;
        } else if (within == 0) {
            cmp = (cmp & ~UINT64_C(0xFFFFFFFF)) | value; /* RV32 low half */
        } else {
            cmp = (value << 32) | (cmp & 0xFFFFFFFFu); /* RV32 high half */
        }
        set_mtimecmp(s, h, cmp);
        return;
    }
    if (offset == s->time_base || offset == (uint64_t)s->time_base + 4) {
        /* A half write keeps the other half of mtime at the write's
         * instant. */
        unsigned __int128 ticks = begin_mtime_write(s);
        uint64_t mtime = (uint64_t)ticks + s->time_offset;
        if (size == 8) {
            mtime = value;
        } else if (offset == s->time_base) {
            mtime = (mtime & ~UINT64_C(0xFFFFFFFF)) | value;
        } else {
            mtime = (value << 32) | (mtime & 0xFFFFFFFFu);
        }
        set_mtime_at(s, mtime, ticks);
        et__seq_write_end(&s->seq);
        return;
    }
    et_device_guest_error(dev, "write of 0x%" PRIx64 " to unmapped offset 0x%" PRIx64, value,
                          offset);
}

static bool mtimer_read_lockless(et_device *dev, uint64_t offset, unsigned size,
                                 uint64_t *value)
{
    aclint_mtimer *s = (aclint_mtimer *)dev;
    if (offset == s->time_base) {
        uint64_t mtime = mtime_lockless(s);
        *value = size == 8 ? mtime : (uint32_t)mtime;
        return true;
    }
    if (offset == (uint64_t)s->time_base + 4) {
        *value = mtime_lockless(s) >> 32;
        return true;
    }
    return false; /* mtimecmp and the rest: under the lock */
}

/* Spec: "On MTIMER device reset, the MTIME register is cleared to zero" and
 * the MTIMECMP registers are in an unknown state: they keep their value, as
 * in QEMU. */
static void mtimer_reset(et_device *dev)
{
    set_mtime((aclint_mtimer *)dev, 0);
}

static void mtimer_destroy(et_device *dev)
{
    aclint_mtimer *s = (aclint_mtimer *)dev;
    for (uint32_t i = 0; i < s->num_harts; i++) {
        et_timer_free(s->harts[i].timer);
    }
    free(s->harts);
}

static const et_field mtimer_fields[] = {
    ET_FIELD_U64(aclint_mtimer, time_offset, 1),
    ET_FIELD_VARRAY_MEMBER(aclint_mtimer, harts, mtimer_hart, mtimecmp, ET_FT_U64, num_harts, 1),
    ET_FIELD_VARRAY_MEMBER(aclint_mtimer, harts, mtimer_hart, timer, ET_FT_TIMER, num_harts, 1),
    ET_FIELD_VARRAY_MEMBER(aclint_mtimer, harts, mtimer_hart, mtip, ET_FT_IRQ, num_harts, 1),
    ET_FIELD_END
};

static const et_vmstate mtimer_state = { "riscv_mtimer", 1, mtimer_fields };

static const et_device_ops mtimer_ops_template = {
    .type = "riscv.aclint.mtimer",
    .access_sizes = ET_ACCESS_4 | ET_ACCESS_8,
    .unaligned_ok = false,
    .read = mtimer_read,
    .write = mtimer_write,
    .read_lockless = mtimer_read_lockless,
    .reset = mtimer_reset,
    .destroy = mtimer_destroy,
    .state = &mtimer_state,
};

static bool config_ok(const et_riscv_aclint_mtimer_config *cfg, char *err, size_t errlen)
{
    uint64_t cmp_end = (uint64_t)cfg->timecmp_base + (uint64_t)cfg->num_harts * 8;
    uint64_t time_end = (uint64_t)cfg->time_base + 8;

    if (cfg->num_harts > ET_RISCV_ACLINT_MAX_HARTS) {
        et__error(err, errlen, ET_EINVAL, "num_harts %" PRIu32 " exceeds the ACLINT maximum of %u",
                  cfg->num_harts, ET_RISCV_ACLINT_MAX_HARTS);
    } else if (cfg->num_harts && (uint64_t)cfg->hartid_base + cfg->num_harts - 1 > UINT32_MAX) {
        et__error(err, errlen, ET_EINVAL, "hart ids %" PRIu32 " + %" PRIu32 " overflow 32 bits",
                  cfg->hartid_base, cfg->num_harts);
    } else if (cfg->timebase_freq == 0) {
        et__error(err, errlen, ET_EINVAL, "timebase_freq must be non-zero");
    } else if ((cfg->timecmp_base | cfg->time_base) & 7) {
        et__error(err, errlen, ET_EINVAL,
                  "timecmp_base 0x%" PRIx32 " and time_base 0x%" PRIx32 " must be 8-byte aligned",
                  cfg->timecmp_base, cfg->time_base);
    } else if (cmp_end > cfg->aperture_size) {
        et__error(err, errlen, ET_EINVAL,
                  "mtimecmp registers 0x%" PRIx32 "..0x%" PRIx64 " do not fit the 0x%" PRIx32
                  "-byte aperture",
                  cfg->timecmp_base, cmp_end - 1, cfg->aperture_size);
    } else if (time_end > cfg->aperture_size) {
        et__error(err, errlen, ET_EINVAL,
                  "mtime register at 0x%" PRIx32 " does not fit the 0x%" PRIx32 "-byte aperture",
                  cfg->time_base, cfg->aperture_size);
    } else if (cfg->num_harts && cfg->time_base < cmp_end && cfg->timecmp_base < time_end) {
        et__error(err, errlen, ET_EINVAL,
                  "mtime register at 0x%" PRIx32 " overlaps the mtimecmp registers 0x%" PRIx32
                  "..0x%" PRIx64,
                  cfg->time_base, cfg->timecmp_base, cmp_end - 1);
    } else {
        return true;
    }
    return false;
}

et_device *et_riscv_aclint_mtimer_new(et_clock *clock, const char *name,
                                      const et_riscv_aclint_mtimer_config *cfg, char *err,
                                      size_t errlen)
{
    if (!clock || !cfg) {
        et__error(err, errlen, ET_EINVAL,
                  "riscv.aclint.mtimer: a clock and a configuration are required");
        return NULL;
    }
    if (!config_ok(cfg, err, errlen)) {
        return NULL;
    }
    /* Aligned for the lock-free read's cache line; et_device_free's free()
     * takes it. */
    aclint_mtimer *s = et__xzalloc_aligned(CACHE_LINE, sizeof(*s));
    s->ops = mtimer_ops_template;
    s->ops.region_size = cfg->aperture_size;
    et_device_init(&s->dev, &s->ops, clock, name, &mtimer_lock_class);
    s->hartid_base = cfg->hartid_base;
    s->num_harts = cfg->num_harts;
    s->timecmp_base = cfg->timecmp_base;
    s->time_base = cfg->time_base;
    s->timebase_freq = cfg->timebase_freq;
    et__tick_rate_init(&s->rate, cfg->timebase_freq, NS_PER_SECOND); /* freq != 0: checked */
    s->harts = cfg->num_harts ? et__xcalloc(cfg->num_harts, sizeof(*s->harts)) : NULL;
    for (uint32_t i = 0; i < s->num_harts; i++) {
        mtimer_hart *h = &s->harts[i];
        h->owner = s;
        snprintf(h->line_name, sizeof(h->line_name), "mtip%" PRIu32, s->hartid_base + i);
        et_irq_init(&h->mtip, &s->dev, h->line_name);
        et_device_add_irq(&s->dev, &h->mtip);
        h->timer = et_device_timer_new(&s->dev, hart_expired, h);
    }
    /* Power-on state = reset state, with mtimecmp 0 as QEMU leaves it. No
     * sink is connected yet, so the MTIP rises are delivered to nobody. */
    et_device_lock(&s->dev);
    set_mtime(s, 0);
    et_device_unlock(&s->dev);
    return &s->dev;
}

static aclint_mtimer *as_mtimer(et_device *dev)
{
    return dev && dev->ops->read == mtimer_read ? (aclint_mtimer *)dev : NULL;
}

uint64_t et_riscv_aclint_mtimer_time(et_device *dev)
{
    aclint_mtimer *s = as_mtimer(dev);
    if (!s) {
        et__usage_error("et_riscv_aclint_mtimer_time: not an ACLINT MTIMER");
        return 0;
    }
    et_device_lock(dev);
    uint64_t mtime = mtime_now(s);
    et_device_unlock(dev);
    return mtime;
}

int et_riscv_aclint_mtimer_mtip(et_device *dev, uint32_t hartid)
{
    aclint_mtimer *s = as_mtimer(dev);
    if (!s) {
        et__usage_error("et_riscv_aclint_mtimer_mtip: not an ACLINT MTIMER");
        return -1;
    }
    if (hartid < s->hartid_base || hartid - s->hartid_base >= s->num_harts) {
        return ET_ENOENT;
    }
    et_device_lock(dev);
    et_device_catch_up(dev);
    int level = et_irq_level(&s->harts[hartid - s->hartid_base].mtip);
    et_device_unlock(dev);
    return level;
}
