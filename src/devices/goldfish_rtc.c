/* The Goldfish RTC (goldfish_rtc.h), with QEMU's register map and
 * behaviour (hw/rtc/goldfish_rtc.c, "goldfish_rtc").
 *
 * The time is not a stored counter: time = source + tick_offset (mod 2^64),
 * the source being the wall clock's (wallclock.h: the host's real-time or
 * monotonic clock, or the virtual clock). Guest writes of the time change
 * only tick_offset, which is also what a snapshot keeps.
 *
 * The alarm: one device timer on the virtual clock, armed for the instant
 * the time reaches ALARM. With the "vm" source that instant is exact. With a
 * host source the virtual clock only approximates it, so the expiry checks
 * the time again (re-arming for what is left), and every access fires an
 * alarm the time has reached: the interrupt never comes before TIME reaches
 * ALARM, and a guest that looks finds it fired.
 *
 * Deliberate differences from QEMU 7.2 (docs/divergences.md):
 *   - an alarm further away than the clock's range (2^63 ns) never fires
 *     (QEMU's timer deadline overflows and it fires at once);
 *   - a guest write of the time re-evaluates an armed alarm, which fires
 *     when the new time reaches it (QEMU's timer stays at the instant the
 *     old time would have reached it);
 *   - with rtc clock host or rt the alarm is noticed by the expiry or an
 *     access, as above (QEMU's host-clock timer fires even while the guest
 *     is stopped, and under qtest asynchronously).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/internal.h"
#include "emutime/devices/goldfish_rtc.h"
#include "emutime/wallclock.h"

#define NS_PER_SECOND 1000000000

typedef struct goldfish_rtc {
    et_device dev;
    et_wallclock wc;      /* the source, and where the time started */
    uint64_t tick_offset; /* time = source reading + tick_offset */
    uint64_t alarm_next;  /* ALARM_HIGH:ALARM_LOW */
    bool alarm_running;   /* ALARM_STATUS */
    bool irq_pending;
    bool irq_enabled;     /* IRQ_ENABLED bit 0 */
    uint32_t time_high;   /* latched by a TIME_LOW read */
    et_timer *alarm;
    et_irq_line irq;
} goldfish_rtc;

static et_lock_class goldfish_rtc_lock_class = ET_LOCK_CLASS_INIT("goldfish_rtc");

static uint64_t time_now(goldfish_rtc *s)
{
    return (uint64_t)et_wallclock_source_now(&s->wc, s->dev.clock) + s->tick_offset;
}

static void update_irq(goldfish_rtc *s)
{
    et_irq_set(&s->irq, s->irq_pending && s->irq_enabled);
}

static void alarm_fire(goldfish_rtc *s)
{
    et_timer_del(s->alarm);
    s->alarm_running = false;
    s->irq_pending = true;
    if (et_trace_enabled()) {
        et_device_trace(&s->dev, "alarm", "alarm 0x%016" PRIx64, s->alarm_next);
    }
    update_irq(s);
}

/* Fires the alarm if the time has reached it, else arms the timer for the
 * instant it will (lock held). */
static void alarm_schedule(goldfish_rtc *s)
{
    int64_t src = et_wallclock_source_now(&s->wc, s->dev.clock);
    uint64_t now = (uint64_t)src + s->tick_offset;
    if (s->alarm_next <= now) {
        alarm_fire(s);
        return;
    }
    s->alarm_running = true;
    uint64_t wait = s->alarm_next - now; /* > 0 */
    /* On the vm source the one reading serves both (a real-time clock
     * read twice would put the deadline late by the time between). */
    int64_t vm = s->wc.source == ET_WALLCLOCK_VM ? src : et_clock_now(s->dev.clock);
    if (wait > (uint64_t)(INT64_MAX - vm)) {
        et_timer_del(s->alarm); /* beyond the clock's range: never */
        return;
    }
    et_timer_mod(s->alarm, vm + (int64_t)wait);
}

static void alarm_expired(void *opaque)
{
    goldfish_rtc *s = opaque;
    if (s->alarm_running) {
        alarm_schedule(s); /* exact on the vm source; re-checked on the others */
    }
}

/* An alarm a host-source time has reached fires before the access sees the
 * registers (on the vm source the catch-up has done it already). */
static void alarm_poll(goldfish_rtc *s)
{
    if (s->alarm_running && time_now(s) >= s->alarm_next) {
        alarm_fire(s);
    }
}

static uint64_t rtc_read(et_device *dev, uint64_t offset, unsigned size)
{
    goldfish_rtc *s = (goldfish_rtc *)dev;
    (void)size; /* always 4 */
    alarm_poll(s);
    switch (offset) {
    case ET_GOLDFISH_RTC_TIME_LOW: {
        uint64_t now = time_now(s);
        s->time_high = (uint32_t)(now >> 32);
        return (uint32_t)now;
    }
    case ET_GOLDFISH_RTC_TIME_HIGH:
        return s->time_high;
    case ET_GOLDFISH_RTC_ALARM_LOW:
        return (uint32_t)s->alarm_next;
    case ET_GOLDFISH_RTC_ALARM_HIGH:
        return s->alarm_next >> 32;
    case ET_GOLDFISH_RTC_IRQ_ENABLED:
        return s->irq_enabled;
    case ET_GOLDFISH_RTC_ALARM_STATUS:
        return s->alarm_running;
    default:
        et_device_guest_error(dev, "read of write-only or unmapped offset 0x%" PRIx64, offset);
        return 0;
    }
}

/* Replaces bits [shift, shift + 32) of the time with value. */
static void set_time_half(goldfish_rtc *s, unsigned shift, uint32_t value)
{
    uint64_t now = time_now(s);
    uint64_t mask = UINT64_C(0xffffffff) << shift;
    uint64_t set = (now & ~mask) | ((uint64_t)value << shift);
    s->tick_offset += set - now;
    if (et_trace_enabled()) {
        et_device_trace(&s->dev, "set-time", "time 0x%016" PRIx64, set);
    }
    if (s->alarm_running) {
        alarm_schedule(s); /* the alarm belongs to the new time */
    }
}

static void rtc_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    goldfish_rtc *s = (goldfish_rtc *)dev;
    uint32_t v = (uint32_t)value;
    (void)size;
    alarm_poll(s);
    switch (offset) {
    case ET_GOLDFISH_RTC_TIME_LOW:
        set_time_half(s, 0, v);
        break;
    case ET_GOLDFISH_RTC_TIME_HIGH:
        set_time_half(s, 32, v);
        break;
    case ET_GOLDFISH_RTC_ALARM_LOW:
        s->alarm_next = (s->alarm_next & ~UINT64_C(0xffffffff)) | v;
        alarm_schedule(s);
        break;
    case ET_GOLDFISH_RTC_ALARM_HIGH:
        s->alarm_next = ((uint64_t)v << 32) | (s->alarm_next & 0xffffffffu);
        break;
    case ET_GOLDFISH_RTC_IRQ_ENABLED:
        s->irq_enabled = v & 1;
        update_irq(s);
        break;
    case ET_GOLDFISH_RTC_CLEAR_ALARM:
        et_timer_del(s->alarm);
        s->alarm_running = false;
        break;
    case ET_GOLDFISH_RTC_CLEAR_INTERRUPT:
        s->irq_pending = false;
        update_irq(s);
        break;
    default:
        et_device_guest_error(dev, "write of 0x%" PRIx32 " to read-only or unmapped offset 0x%"
                              PRIx64, v, offset);
        break;
    }
}

static void rtc_reset(et_device *dev)
{
    goldfish_rtc *s = (goldfish_rtc *)dev;
    et_timer_del(s->alarm);
    s->alarm_next = 0;
    s->alarm_running = false;
    s->irq_pending = false;
    s->irq_enabled = false;
    update_irq(s);
}

static void rtc_destroy(et_device *dev)
{
    et_timer_free(((goldfish_rtc *)dev)->alarm);
}

static const et_field rtc_fields[] = {
    ET_FIELD_U64(goldfish_rtc, tick_offset, 1),
    ET_FIELD_U64(goldfish_rtc, alarm_next, 1),
    ET_FIELD_BOOL(goldfish_rtc, alarm_running, 1),
    ET_FIELD_BOOL(goldfish_rtc, irq_pending, 1),
    ET_FIELD_BOOL(goldfish_rtc, irq_enabled, 1),
    ET_FIELD_U32(goldfish_rtc, time_high, 1),
    ET_FIELD_TIMER(goldfish_rtc, alarm, 1),
    ET_FIELD_IRQ(goldfish_rtc, irq, 1),
    ET_FIELD_END
};

static const et_vmstate rtc_state = { "goldfish_rtc", 1, rtc_fields };

static const et_device_ops rtc_ops = {
    .type = "goldfish_rtc",
    .region_size = ET_GOLDFISH_RTC_SIZE,
    .access_sizes = ET_ACCESS_4,
    .unaligned_ok = false,
    .read = rtc_read,
    .write = rtc_write,
    .reset = rtc_reset,
    .destroy = rtc_destroy,
    .state = &rtc_state,
};

et_device *et_goldfish_rtc_new(et_clock *clock, const char *name,
                               const et_goldfish_rtc_config *cfg, char *err, size_t errlen)
{
    if (!clock) {
        et__error(err, errlen, ET_EINVAL, "goldfish_rtc: a clock is required");
        return NULL;
    }
    et_wallclock wc;
    char why[160] = "";
    if (et_wallclock_init(&wc, cfg ? cfg->rtc_base : NULL, cfg ? cfg->rtc_clock : NULL, clock,
                          why, sizeof(why)) != 0) {
        et__error(err, errlen, ET_EINVAL, "goldfish_rtc: %s", why);
        return NULL;
    }
    goldfish_rtc *s = et__xcalloc(1, sizeof(*s));
    et_device_init(&s->dev, &rtc_ops, clock, name, &goldfish_rtc_lock_class);
    s->wc = wc;
    /* The wall time in whole seconds (rounded towards the past), as QEMU
     * sets it from a calendar time. */
    int64_t src = et_wallclock_source_now(&wc, clock);
    int64_t wall = src + wc.offset_ns;
    int64_t secs = wall / NS_PER_SECOND - (wall % NS_PER_SECOND < 0);
    s->tick_offset = (uint64_t)secs * NS_PER_SECOND - (uint64_t)src;
    et_irq_init(&s->irq, &s->dev, "irq");
    et_device_add_irq(&s->dev, &s->irq);
    s->alarm = et_device_timer_new(&s->dev, alarm_expired, s);
    return &s->dev;
}

uint64_t et_goldfish_rtc_time(et_device *dev)
{
    if (!dev || dev->ops != &rtc_ops) {
        et__usage_error("et_goldfish_rtc_time: not a Goldfish RTC");
        return 0;
    }
    goldfish_rtc *s = (goldfish_rtc *)dev;
    et_device_lock(dev);
    uint64_t now = time_now(s);
    et_device_unlock(dev);
    return now;
}
