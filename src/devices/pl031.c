/* ARM PrimeCell PL031 real-time clock (ARM DDI 0224), with QEMU 7.2's
 * hw/timer/pl031.c as the reference for what it does beyond the TRM (the
 * always-started counter, the immediate match).
 *
 * The counter is not stored: RTCDR is the wall clock's whole seconds plus
 * `offset` (mod 2^32), where the wall clock is the configured source plus
 * `wall_offset_ns`. Both offsets are saved state, so a snapshot restores the
 * guest's time exactly on a "vm" source and follows the host on "host" /
 * "rt" (as QEMU's migrated tick offset does). One device timer is armed for
 * the instant RTCDR becomes RTCMR: exact on a "vm" source; on a host source
 * it is armed for the same interval of virtual time.
 *
 * Deliberate differences from QEMU 7.2 (docs/divergences.md, tests in
 * tests/devices/test_pl031.c, checked against qemu-system-arm 7.2): the
 * match comes when RTCDR becomes RTCMR (QEMU: RTCMR - RTCDR whole seconds
 * after the write, up to a second late); a device reset clears the APB
 * registers (QEMU's pl031 has no reset); byte lanes for narrow accesses.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "devices/apb_access.h"
#include "emutime/devices/pl031.h"

#define NS_PER_S 1000000000LL

static const uint8_t pl031_ids[8] = { 0x31, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1 };

typedef struct pl031 {
    et_device dev;
    et_wallclock_source source;
    int64_t wall_offset_ns; /* the wall clock: source + this */
    uint32_t offset;        /* RTCDR minus the wall clock's seconds */
    uint32_t mr, lr, im, is;
    et_timer *alarm;
    et_irq_line irq;
} pl031;

static et_lock_class pl031_lock_class = ET_LOCK_CLASS_INIT("pl031");

static pl031 *to_rtc(et_device *dev)
{
    return (pl031 *)dev;
}

static int64_t wall_ns(pl031 *r)
{
    et_wallclock wc = { .source = r->source, .offset_ns = r->wall_offset_ns };
    return et_wallclock_now(&wc, r->dev.clock);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b < 0);
}

static uint32_t counter_at(const pl031 *r, int64_t wall)
{
    return (uint32_t)floor_div(wall, NS_PER_S) + r->offset;
}

static void update_irq(pl031 *r)
{
    et_irq_set(&r->irq, r->is & r->im);
}

static void match(pl031 *r)
{
    r->is = 1;
    et_device_trace(&r->dev, "expire", "match 0x%08x", (unsigned)r->mr);
    update_irq(r);
}

/* Arms the alarm for the instant RTCDR next equals RTCMR (the counter
 * wraps, so within 2^32 s); equal now is a match now. */
static void set_alarm(pl031 *r)
{
    int64_t wall = wall_ns(r);
    uint32_t ticks = r->mr - counter_at(r, wall);
    if (ticks == 0) {
        et_timer_del(r->alarm);
        match(r);
        return;
    }
    int64_t second = floor_div(wall, NS_PER_S);
    int64_t until = (second + (int64_t)ticks) * NS_PER_S - wall;
    et_timer_mod(r->alarm, et_clock_now(r->dev.clock) + until);
}

static void alarm_expired(void *opaque)
{
    match(opaque);
}

static uint32_t read_reg(pl031 *r, uint32_t reg)
{
    switch (reg) {
    case ET_PL031_DR:
        return counter_at(r, wall_ns(r));
    case ET_PL031_MR:
        return r->mr;
    case ET_PL031_LR:
        return r->lr;
    case ET_PL031_CR:
        return 1;
    case ET_PL031_IMSC:
        return r->im;
    case ET_PL031_RIS:
        return r->is;
    case ET_PL031_MIS:
        return r->is & r->im;
    case ET_PL031_ICR:
        et_device_guest_error(&r->dev, "read of write-only RTCICR (reads as 0)");
        return 0;
    default:
        if (reg >= ET_PL031_PERIPHID0) {
            return pl031_ids[(reg - ET_PL031_PERIPHID0) / 4];
        }
        et_device_guest_error(&r->dev, "read of unknown register 0x%03x (reads as 0)", reg);
        return 0;
    }
}

static void write_reg(pl031 *r, uint32_t reg, uint32_t value)
{
    switch (reg) {
    case ET_PL031_LR:
        r->offset = value - (uint32_t)floor_div(wall_ns(r), NS_PER_S);
        r->lr = value;
        set_alarm(r);
        break;
    case ET_PL031_MR:
        r->mr = value;
        set_alarm(r);
        break;
    case ET_PL031_CR:
        break; /* started for good, as QEMU's */
    case ET_PL031_IMSC:
        r->im = value & 1;
        update_irq(r);
        break;
    case ET_PL031_ICR:
        r->is &= ~value & 1u;
        update_irq(r); /* every write drives the line, as QEMU's */
        break;
    case ET_PL031_DR:
    case ET_PL031_RIS:
    case ET_PL031_MIS:
        et_device_guest_error(&r->dev, "write to read-only register 0x%03x ignored", reg);
        break;
    default:
        et_device_guest_error(&r->dev, "write to %s register 0x%03x ignored",
                              reg >= ET_PL031_PERIPHID0 ? "read-only ID" : "unknown", reg);
        break;
    }
}

static uint64_t pl031_read(et_device *dev, uint64_t offset, unsigned size)
{
    return et__apb_read(read_reg(to_rtc(dev), (uint32_t)offset & ~3u), offset, size);
}

static void pl031_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    uint32_t reg_value;
    if (et__apb_write(dev, offset, value, size, &reg_value)) {
        write_reg(to_rtc(dev), (uint32_t)offset & ~3u, reg_value);
    }
}

static void pl031_reset(et_device *dev)
{
    pl031 *r = to_rtc(dev);
    r->mr = 0;
    r->lr = 0;
    r->im = 0;
    r->is = 0;
    et_timer_del(r->alarm);
    update_irq(r);
}

static void pl031_destroy(et_device *dev)
{
    et_timer_free(to_rtc(dev)->alarm);
}

static const et_field pl031_fields[] = {
    ET_FIELD_I64(pl031, wall_offset_ns, 1),
    ET_FIELD_U32(pl031, offset, 1),
    ET_FIELD_U32(pl031, mr, 1),
    ET_FIELD_U32(pl031, lr, 1),
    ET_FIELD_U32(pl031, im, 1),
    ET_FIELD_U32(pl031, is, 1),
    ET_FIELD_TIMER(pl031, alarm, 1),
    ET_FIELD_IRQ(pl031, irq, 1),
    ET_FIELD_END
};

static const et_vmstate pl031_state = { "pl031", 1, pl031_fields };

static const et_device_ops pl031_ops = {
    .type = "pl031",
    .region_size = ET_PL031_REGION,
    .access_sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
    .unaligned_ok = false,
    .read = pl031_read,
    .write = pl031_write,
    .reset = pl031_reset,
    .destroy = pl031_destroy,
    .state = &pl031_state,
};

et_device *et_pl031_new(et_clock *clock, const char *name, const et_pl031_config *cfg,
                        char *err, size_t errlen)
{
    const char *problem = NULL;
    if (!clock) {
        problem = "pl031: a clock is required";
    } else if (!cfg) {
        problem = "pl031: a configuration (its wall clock) is required";
    } else if (cfg->wallclock.source != ET_WALLCLOCK_HOST &&
               cfg->wallclock.source != ET_WALLCLOCK_RT &&
               cfg->wallclock.source != ET_WALLCLOCK_VM) {
        problem = "pl031: the wall clock has an unknown source (set it up with "
                  "et_wallclock_init)";
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    pl031 *r = et__xcalloc(1, sizeof(*r));
    et_device_init(&r->dev, &pl031_ops, clock, name, &pl031_lock_class);
    r->source = cfg->wallclock.source;
    r->wall_offset_ns = cfg->wallclock.offset_ns;
    r->alarm = et_device_timer_new(&r->dev, alarm_expired, r);
    et_irq_init(&r->irq, &r->dev, "rtcintr");
    et_device_add_irq(&r->dev, &r->irq);
    et_device_reset(&r->dev);
    return &r->dev;
}
