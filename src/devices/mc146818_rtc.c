/* Motorola MC146818A real-time clock and CMOS RAM (MC146818A datasheet),
 * with what QEMU's hw/rtc/mc146818rtc.c adds on a PC (the century byte at
 * 0x32, register D reading VRT) and QEMU's timing rules, which its
 * rtc-test checks to the nanosecond.
 *
 * The time is not ticked: the device keeps the guest time as a base second
 * (base_rtc) set at some instant of its time source (last_update) plus a
 * sub-second phase (offset), and computes the calendar registers when they
 * are read. Two timers make the events a guest can see:
 *
 *   update timer    at the next second boundary (when UF could change) or,
 *                   once UF is already set, at the next alarm match; UIP is
 *                   latched from 244 us before it until it fires;
 *   periodic timer  every 2^(RS-1) periods of 32.768 kHz, on the source's
 *                   own 32 kHz grid (QEMU: first tick on the grid after the
 *                   write, plus 1 ns).
 *
 * Lost periodic ticks are discarded (QEMU's default lost_tick_policy); the
 * slew policy (-rtc driftfix=slew) is not modelled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "emutime/devices/mc146818_rtc.h"

#define NS_PER_SEC INT64_C(1000000000)
#define RTC_HZ 32768
/* UIP is set for 244 us (8 time-base periods) before each update. */
#define UIP_HOLD_NS (8 * NS_PER_SEC / RTC_HZ)
#define REG_C_FLAGS (ET_RTC_C_PF | ET_RTC_C_AF | ET_RTC_C_UF)
#define DV_MASK 0x70u
#define DV_RESET 0x60u /* DV2-1 = 11: divider chain held in reset */
#define DV_RUN_MAX 0x20u

typedef struct mc146818_rtc {
    et_device dev;
    et_irq_line irq;
    et_timer *update_timer;
    et_timer *periodic_timer;
    et_wallclock wc;
    bool timers;                /* the time source is the device's clock */
    uint8_t cmos[ET_RTC_CMOS_SIZE];
    uint8_t index;
    bool nmi_disabled;          /* port 0x70 bit 7 */
    int64_t base_rtc;           /* guest seconds since 1970 at last_update */
    int64_t last_update;        /* source ns */
    int64_t offset;             /* ns of phase within the second at last_update */
    int64_t next_periodic_time; /* source ns */
    uint32_t period;            /* periodic interval in 32 kHz periods, 0 off */
    int64_t next_alarm_time;    /* source ns */
} mc146818_rtc;

static et_lock_class rtc_lock_class = ET_LOCK_CLASS_INIT("mc146818rtc");

static mc146818_rtc *to_rtc(et_device *dev)
{
    return (mc146818_rtc *)dev;
}

static int64_t source_now(mc146818_rtc *s)
{
    return s->timers ? et_clock_now(s->dev.clock) : et_wallclock_source_now(&s->wc, NULL);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

/* Guest time as whole seconds and ns within the second. */
static void guest_time(mc146818_rtc *s, int64_t *sec, int64_t *nsec)
{
    int64_t elapsed = source_now(s) - s->last_update + s->offset;
    *sec = s->base_rtc + floor_div(elapsed, NS_PER_SEC);
    *nsec = floor_mod(elapsed, NS_PER_SEC);
}

static int64_t guest_phase(mc146818_rtc *s)
{
    int64_t sec, nsec;
    guest_time(s, &sec, &nsec);
    return nsec;
}

static bool running(const mc146818_rtc *s)
{
    return !(s->cmos[ET_RTC_REG_B] & ET_RTC_B_SET) &&
           (s->cmos[ET_RTC_REG_A] & DV_MASK) <= DV_RUN_MAX;
}

static bool divider_in_reset(const mc146818_rtc *s)
{
    return (s->cmos[ET_RTC_REG_A] & DV_RESET) == DV_RESET;
}

static int to_bcd(const mc146818_rtc *s, int v)
{
    return (s->cmos[ET_RTC_REG_B] & ET_RTC_B_DM) ? v : ((v / 10) << 4) | (v % 10);
}

/* -1 for an alarm byte's "don't care" (0xC0-0xFF). */
static int from_bcd(const mc146818_rtc *s, int v)
{
    if ((v & 0xc0) == 0xc0) {
        return -1;
    }
    return (s->cmos[ET_RTC_REG_B] & ET_RTC_B_DM) ? v : ((v >> 4) * 10) + (v & 0x0f);
}

/* An hours byte as 0..23. In 12-hour mode bit 7 is PM and 12 means 0;
 * in an alarm byte 0xC0-0xFF is "don't care" (-1). QEMU decodes bit 7 of
 * a 12-hour alarm or current hour as part of the number (docs/divergences.md). */
static int decode_hour(const mc146818_rtc *s, uint8_t raw, bool alarm)
{
    if (alarm && (raw & 0xc0) == 0xc0) {
        return -1;
    }
    int hour = from_bcd(s, raw & 0x7f);
    if (!(s->cmos[ET_RTC_REG_B] & ET_RTC_B_24H)) {
        hour %= 12;
        if (raw & 0x80) {
            hour += 12;
        }
    }
    return hour;
}

/* The calendar registers as seconds since 1970 (any values: out-of-range
 * fields carry into the next, as mktime's do). */
static int64_t registers_to_time(const mc146818_rtc *s)
{
    const uint8_t *c = s->cmos;
    int64_t sec = from_bcd(s, c[ET_RTC_SECONDS]);
    int64_t min = from_bcd(s, c[ET_RTC_MINUTES]);
    int64_t hour = decode_hour(s, c[ET_RTC_HOURS], false);
    int64_t mday = from_bcd(s, c[ET_RTC_DAY_OF_MONTH]);
    int64_t mon = from_bcd(s, c[ET_RTC_MONTH]) - 1; /* 0-based, may be out of range */
    int64_t year = from_bcd(s, c[ET_RTC_YEAR]) + from_bcd(s, c[ET_RTC_CENTURY]) * 100;
    year += floor_div(mon, 12);
    mon = floor_mod(mon, 12);
    int64_t days = et_wallclock_days_from_civil(year, (unsigned)mon + 1, 1) + mday - 1;
    return days * 86400 + hour * 3600 + min * 60 + sec;
}

static void time_to_registers(mc146818_rtc *s, int64_t t)
{
    int64_t days = floor_div(t, 86400);
    int64_t sod = floor_mod(t, 86400);
    int64_t year;
    unsigned mon, mday;
    et_wallclock_civil_from_days(days, &year, &mon, &mday);
    int hour = (int)(sod / 3600);
    uint8_t *c = s->cmos;
    c[ET_RTC_SECONDS] = (uint8_t)to_bcd(s, (int)(sod % 60));
    c[ET_RTC_MINUTES] = (uint8_t)to_bcd(s, (int)(sod / 60 % 60));
    if (s->cmos[ET_RTC_REG_B] & ET_RTC_B_24H) {
        c[ET_RTC_HOURS] = (uint8_t)to_bcd(s, hour);
    } else {
        int h12 = hour % 12 ? hour % 12 : 12;
        c[ET_RTC_HOURS] = (uint8_t)(to_bcd(s, h12) | (hour >= 12 ? 0x80 : 0));
    }
    /* 1970-01-01 was a Thursday; the register counts Sunday as 1. */
    c[ET_RTC_DAY_OF_WEEK] = (uint8_t)to_bcd(s, (int)floor_mod(days + 4, 7) + 1);
    c[ET_RTC_DAY_OF_MONTH] = (uint8_t)to_bcd(s, (int)mday);
    c[ET_RTC_MONTH] = (uint8_t)to_bcd(s, (int)mon);
    c[ET_RTC_YEAR] = (uint8_t)to_bcd(s, (int)floor_mod(year, 100));
    c[ET_RTC_CENTURY] = (uint8_t)to_bcd(s, (int)floor_mod(floor_div(year, 100), 100));
}

/* The registers written by the guest become the time now. */
static void set_time(mc146818_rtc *s)
{
    s->base_rtc = registers_to_time(s);
    s->last_update = source_now(s);
}

/* The registers catch up with the time (not while SET freezes them). */
static void update_time(mc146818_rtc *s)
{
    if (!(s->cmos[ET_RTC_REG_B] & ET_RTC_B_SET)) {
        int64_t sec, nsec;
        guest_time(s, &sec, &nsec);
        time_to_registers(s, sec);
    }
}

/* --- periodic interrupt --------------------------------------------------- */

/* RS3-0 as a number of 32 kHz periods: rates 1 and 2 repeat 8 and 9
 * (datasheet table 5: 3.90625 ms and 7.8125 ms at 32.768 kHz). */
static uint32_t periodic_ticks(const mc146818_rtc *s)
{
    unsigned rs = s->cmos[ET_RTC_REG_A] & 0x0f;
    if (!(s->cmos[ET_RTC_REG_B] & ET_RTC_B_PIE) || rs == 0) {
        return 0;
    }
    if (rs <= 2) {
        rs += 7;
    }
    return 1u << (rs - 1);
}

static int64_t ticks_to_ns(int64_t ticks)
{
    return (int64_t)et__muldiv64((uint64_t)ticks, NS_PER_SEC, RTC_HZ);
}

/* Arms the periodic timer for the rate now selected. A rate change keeps
 * the time already spent since the last tick (at most one new period). */
static void periodic_update(mc146818_rtc *s, int64_t now, uint32_t old_period, bool change)
{
    s->period = periodic_ticks(s);
    if (!s->period || !s->timers) {
        if (s->timers) {
            et_timer_del(s->periodic_timer);
        }
        return;
    }
    int64_t cur = (int64_t)et__muldiv64((uint64_t)now, RTC_HZ, NS_PER_SEC);
    int64_t lost = 0;
    if (old_period && change) {
        int64_t next = (int64_t)et__muldiv64((uint64_t)s->next_periodic_time, RTC_HZ,
                                              NS_PER_SEC);
        lost = cur - (next - old_period);
        if (lost < 0) {
            lost = 0;
        }
    }
    if (lost > (int64_t)s->period) {
        lost = s->period;
    }
    s->next_periodic_time = ticks_to_ns(cur + s->period - lost) + 1;
    et_timer_mod(s->periodic_timer, s->next_periodic_time);
}

static void raise_irq(mc146818_rtc *s)
{
    s->cmos[ET_RTC_REG_C] |= ET_RTC_C_IRQF;
    et_irq_raise(&s->irq);
}

static void periodic_expired(void *opaque)
{
    mc146818_rtc *s = opaque;
    periodic_update(s, s->next_periodic_time, s->period, false);
    s->cmos[ET_RTC_REG_C] |= ET_RTC_C_PF;
    et_device_trace(&s->dev, "periodic", "period %u", (unsigned)s->period);
    if (s->cmos[ET_RTC_REG_B] & ET_RTC_B_PIE) {
        raise_irq(s);
    }
}

/* --- update-ended and alarm ------------------------------------------------ */

/* Seconds from now to the next alarm match, 1..86400. */
static int64_t seconds_to_alarm(mc146818_rtc *s)
{
    update_time(s);
    int asec = from_bcd(s, s->cmos[ET_RTC_SECONDS_ALARM]);
    int amin = from_bcd(s, s->cmos[ET_RTC_MINUTES_ALARM]);
    int ahour = decode_hour(s, s->cmos[ET_RTC_HOURS_ALARM], true);
    int csec = from_bcd(s, s->cmos[ET_RTC_SECONDS]);
    int cmin = from_bcd(s, s->cmos[ET_RTC_MINUTES]);
    int chour = decode_hour(s, s->cmos[ET_RTC_HOURS], false);

    /* Resolve the don't-care fields to the earliest match after now,
     * field by field from the hours down (QEMU's get_next_alarm). */
    if (ahour == -1) {
        ahour = chour;
        if (amin == -1) {
            amin = cmin;
            if (asec == -1) {
                asec = csec + 1;
            } else if (csec > asec) {
                amin++;
            }
        } else if (cmin == amin) {
            if (asec == -1) {
                asec = csec + 1;
            } else if (csec > asec) {
                ahour++;
            }
            if (asec == 60) {
                asec = 0;
                ahour++;
            }
        } else if (cmin > amin) {
            ahour++;
        }
    } else if (chour == ahour) {
        if (amin == -1) {
            amin = cmin;
            if (asec == -1) {
                asec = csec + 1;
            } else if (csec > asec) {
                amin++;
            }
            if (asec == 60) {
                asec = 0;
                amin++;
            }
            amin %= 60;
        } else if (cmin == amin) {
            if (asec == -1) {
                asec = csec + 1;
            }
            asec %= 60;
        }
    }
    if (amin == -1) {
        amin = 0;
    }
    if (asec == -1) {
        asec = 0;
    }
    if (asec == 60) {
        asec = 0;
        amin++;
    }
    if (amin == 60) {
        amin = 0;
        ahour++;
    }
    ahour %= 24;
    int64_t sec = ((int64_t)(ahour - chour) * 60 + (amin - cmin)) * 60 + (asec - csec);
    return sec <= 0 ? sec + 86400 : sec;
}

/* Arms the update timer for the next instant UF or AF can change, or
 * cancels it when neither can. */
static void check_update_timer(mc146818_rtc *s)
{
    if (!s->timers) {
        return;
    }
    if (divider_in_reset(s)) {
        /* "Holding the dividers in reset prevents interrupts." */
        et_timer_del(s->update_timer);
        return;
    }
    int64_t now = source_now(s);
    int64_t next_update = now + NS_PER_SEC - guest_phase(s);
    s->next_alarm_time = next_update + (seconds_to_alarm(s) - 1) * NS_PER_SEC;

    /* A latched UIP needs the timer at the next second to clear it. Else,
     * with UF already set, only AF can change. */
    if (!(s->cmos[ET_RTC_REG_A] & ET_RTC_A_UIP) && (s->cmos[ET_RTC_REG_C] & ET_RTC_C_UF)) {
        if ((s->cmos[ET_RTC_REG_B] & ET_RTC_B_SET) || (s->cmos[ET_RTC_REG_C] & ET_RTC_C_AF)) {
            et_timer_del(s->update_timer);
            return;
        }
        next_update = s->next_alarm_time;
    }
    if (next_update != et_timer_expire_time(s->update_timer)) {
        et_timer_mod(s->update_timer, next_update);
    }
}

static void update_expired(void *opaque)
{
    mc146818_rtc *s = opaque;
    uint8_t flags = ET_RTC_C_UF;
    update_time(s);
    s->cmos[ET_RTC_REG_A] &= (uint8_t)~ET_RTC_A_UIP;
    if (source_now(s) >= s->next_alarm_time) {
        flags |= ET_RTC_C_AF;
    }
    uint8_t fresh = flags & (uint8_t)~s->cmos[ET_RTC_REG_C];
    s->cmos[ET_RTC_REG_C] |= flags;
    et_device_trace(&s->dev, "update", "flags 0x%02x", (unsigned)flags);
    if (fresh & s->cmos[ET_RTC_REG_B]) { /* AIE/UIE sit at AF/UF's bits */
        raise_irq(s);
    }
    check_update_timer(s);
}

/* Whether an update is under way (UIP); latches UIP while the update timer
 * is about to fire, so a guest that saw UIP sees it until the update. */
static bool update_in_progress(mc146818_rtc *s)
{
    if (!running(s)) {
        return false;
    }
    if (s->timers && et_timer_pending(s->update_timer) &&
        source_now(s) >= et_timer_expire_time(s->update_timer) - UIP_HOLD_NS) {
        s->cmos[ET_RTC_REG_A] |= ET_RTC_A_UIP;
        return true;
    }
    return guest_phase(s) >= NS_PER_SEC - UIP_HOLD_NS;
}

/* --- registers ------------------------------------------------------------ */

static bool is_time_register(unsigned i)
{
    switch (i) {
    case ET_RTC_SECONDS:
    case ET_RTC_MINUTES:
    case ET_RTC_HOURS:
    case ET_RTC_DAY_OF_WEEK:
    case ET_RTC_DAY_OF_MONTH:
    case ET_RTC_MONTH:
    case ET_RTC_YEAR:
    case ET_RTC_CENTURY:
        return true;
    default:
        return false;
    }
}

static void write_reg_a(mc146818_rtc *s, uint8_t v)
{
    bool rate_changed = ((s->cmos[ET_RTC_REG_A] ^ v) & 0x0f) != 0;
    uint32_t old_period = periodic_ticks(s);
    if ((v & DV_RESET) == DV_RESET) {
        if (running(s)) {
            update_time(s);
        }
        s->cmos[ET_RTC_REG_A] &= (uint8_t)~ET_RTC_A_UIP;
    } else if (divider_in_reset(s) && (v & DV_MASK) <= DV_RUN_MAX) {
        /* Leaving reset: the first update comes 500 ms later. */
        if (!(s->cmos[ET_RTC_REG_B] & ET_RTC_B_SET)) {
            s->offset = NS_PER_SEC / 2;
            set_time(s);
        }
        s->cmos[ET_RTC_REG_A] &= (uint8_t)~ET_RTC_A_UIP;
    }
    s->cmos[ET_RTC_REG_A] = (uint8_t)((v & ~ET_RTC_A_UIP) | (s->cmos[ET_RTC_REG_A] & ET_RTC_A_UIP));
    if (rate_changed) {
        periodic_update(s, source_now(s), old_period, true);
    }
    check_update_timer(s);
}

static void write_reg_b(mc146818_rtc *s, uint8_t v)
{
    bool pie_changed = ((s->cmos[ET_RTC_REG_B] ^ v) & ET_RTC_B_PIE) != 0;
    uint32_t old_period = periodic_ticks(s);
    if (v & ET_RTC_B_SET) {
        if (running(s)) {
            update_time(s); /* the registers hold the time SET stopped at */
        }
        s->cmos[ET_RTC_REG_A] &= (uint8_t)~ET_RTC_A_UIP;
        v &= (uint8_t)~ET_RTC_B_UIE; /* "SET clears UIE" */
    } else if ((s->cmos[ET_RTC_REG_B] & ET_RTC_B_SET) &&
               (s->cmos[ET_RTC_REG_A] & DV_MASK) <= DV_RUN_MAX) {
        /* Leaving SET: the written time, at the phase the clock had. */
        s->offset = guest_phase(s);
        set_time(s);
    }
    /* A flag already set when its interrupt becomes enabled interrupts. */
    if (v & s->cmos[ET_RTC_REG_C] & REG_C_FLAGS) {
        raise_irq(s);
    } else {
        s->cmos[ET_RTC_REG_C] &= (uint8_t)~ET_RTC_C_IRQF;
        et_irq_lower(&s->irq);
    }
    s->cmos[ET_RTC_REG_B] = v;
    if (pie_changed) {
        periodic_update(s, source_now(s), old_period, true);
    }
    check_update_timer(s);
}

static void write_data(mc146818_rtc *s, uint8_t v)
{
    unsigned i = s->index;
    if (i == ET_RTC_PS2_CENTURY) {
        i = s->index = ET_RTC_CENTURY;
    }
    switch (i) {
    case ET_RTC_SECONDS_ALARM:
    case ET_RTC_MINUTES_ALARM:
    case ET_RTC_HOURS_ALARM:
        s->cmos[i] = v;
        check_update_timer(s);
        return;
    case ET_RTC_REG_A:
        write_reg_a(s, v);
        return;
    case ET_RTC_REG_B:
        write_reg_b(s, v);
        return;
    case ET_RTC_REG_C:
    case ET_RTC_REG_D:
        et_device_guest_error(&s->dev, "write to read-only register %c ignored",
                              i == ET_RTC_REG_C ? 'C' : 'D');
        return;
    default:
        if (is_time_register(i) && running(s)) {
            /* The divider chain runs on: the other registers are brought up
             * to date first and the phase within the second is kept (QEMU
             * uses stale registers and resets the phase). */
            update_time(s);
            int64_t phase = guest_phase(s);
            s->cmos[i] = v;
            s->offset = phase;
            set_time(s);
            check_update_timer(s);
            return;
        }
        s->cmos[i] = v;
        return;
    }
}

static uint8_t read_data(mc146818_rtc *s)
{
    unsigned i = s->index;
    if (i == ET_RTC_PS2_CENTURY) {
        i = s->index = ET_RTC_CENTURY;
    }
    if (is_time_register(i)) {
        if (running(s)) {
            update_time(s);
        }
        return s->cmos[i];
    }
    if (i == ET_RTC_REG_A) {
        uint8_t v = s->cmos[i];
        return update_in_progress(s) ? (uint8_t)(v | ET_RTC_A_UIP) : v;
    }
    if (i == ET_RTC_REG_C) {
        uint8_t v = s->cmos[i];
        s->cmos[i] = 0; /* read-to-clear, and the IRQ output with it */
        et_irq_lower(&s->irq);
        if (v & (ET_RTC_C_UF | ET_RTC_C_AF)) {
            check_update_timer(s);
        }
        return v;
    }
    return s->cmos[i];
}

static uint64_t rtc_read(et_device *dev, uint64_t offset, unsigned size)
{
    (void)size;
    if (offset == ET_RTC_INDEX) {
        return 0xff; /* the index port is write-only: QEMU reads 0xff */
    }
    return read_data(to_rtc(dev));
}

static void rtc_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    mc146818_rtc *s = to_rtc(dev);
    (void)size;
    if (offset == ET_RTC_INDEX) {
        s->index = (uint8_t)(value & 0x7f);
        s->nmi_disabled = (value & ET_RTC_INDEX_NMI_DISABLE) != 0;
    } else {
        write_data(s, (uint8_t)value);
    }
}

/* System reset (QEMU's): the interrupt enables and flags clear, the CMOS
 * shutdown byte (0x0F) clears unless it holds the S3-resume code 0xFE, the
 * time keeps running. */
static void rtc_reset(et_device *dev)
{
    mc146818_rtc *s = to_rtc(dev);
    uint32_t old_period = periodic_ticks(s);
    if (s->cmos[0x0f] != 0xfe) {
        s->cmos[0x0f] = 0;
    }
    s->cmos[ET_RTC_REG_B] &= (uint8_t)~(ET_RTC_B_PIE | ET_RTC_B_AIE | ET_RTC_B_SQWE);
    s->cmos[ET_RTC_REG_C] &= (uint8_t)~(ET_RTC_C_UF | ET_RTC_C_IRQF | ET_RTC_C_PF | ET_RTC_C_AF);
    periodic_update(s, source_now(s), old_period, false);
    check_update_timer(s);
    et_irq_lower(&s->irq);
}

static void rtc_destroy(et_device *dev)
{
    mc146818_rtc *s = to_rtc(dev);
    et_timer_free(s->update_timer);
    et_timer_free(s->periodic_timer);
}

static const et_field rtc_fields[] = {
    ET_FIELD_ARRAY(mc146818_rtc, cmos, ET_FT_U8, 1),
    ET_FIELD_U8(mc146818_rtc, index, 1),
    ET_FIELD_BOOL(mc146818_rtc, nmi_disabled, 1),
    ET_FIELD_I64(mc146818_rtc, base_rtc, 1),
    ET_FIELD_I64(mc146818_rtc, last_update, 1),
    ET_FIELD_I64(mc146818_rtc, offset, 1),
    ET_FIELD_I64(mc146818_rtc, next_periodic_time, 1),
    ET_FIELD_U32(mc146818_rtc, period, 1),
    ET_FIELD_I64(mc146818_rtc, next_alarm_time, 1),
    ET_FIELD_TIMER(mc146818_rtc, update_timer, 1),
    ET_FIELD_TIMER(mc146818_rtc, periodic_timer, 1),
    ET_FIELD_IRQ(mc146818_rtc, irq, 1),
    ET_FIELD_END
};

static const et_vmstate rtc_state = { "mc146818rtc", 1, rtc_fields };

static const et_device_ops rtc_ops = {
    .type = "mc146818rtc",
    .region_size = ET_RTC_REGION,
    .access_sizes = ET_ACCESS_1,
    .read = rtc_read,
    .write = rtc_write,
    .reset = rtc_reset,
    .destroy = rtc_destroy,
    .state = &rtc_state,
};

et_device *et_mc146818_rtc_new(et_clock *clock, const char *name,
                               const et_mc146818_rtc_config *cfg, char *err, size_t errlen)
{
    const char *problem = NULL;
    if (!clock) {
        problem = "mc146818rtc: a clock is required";
    } else if (!cfg) {
        problem = "mc146818rtc: a configuration is required";
    } else if (cfg->wallclock.source != ET_WALLCLOCK_HOST &&
               cfg->wallclock.source != ET_WALLCLOCK_RT &&
               cfg->wallclock.source != ET_WALLCLOCK_VM) {
        problem = "mc146818rtc: unknown wall-clock source";
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    mc146818_rtc *s = et__xcalloc(1, sizeof(*s));
    et_device_init(&s->dev, &rtc_ops, clock, name, &rtc_lock_class);
    s->update_timer = et_device_timer_new(&s->dev, update_expired, s);
    s->periodic_timer = et_device_timer_new(&s->dev, periodic_expired, s);
    et_irq_init(&s->irq, &s->dev, "irq");
    et_device_add_irq(&s->dev, &s->irq);
    s->wc = cfg->wallclock;
    s->timers = s->wc.source == ET_WALLCLOCK_VM;

    et_device_lock(&s->dev);
    /* Power-on: 32.768 kHz time base running, rate 6 (1024 Hz), 24-hour
     * BCD, VRT; the date from the wall clock, on a second boundary as
     * QEMU sets it. */
    s->cmos[ET_RTC_REG_A] = 0x26;
    s->cmos[ET_RTC_REG_B] = ET_RTC_B_24H;
    s->cmos[ET_RTC_REG_D] = 0x80;
    s->base_rtc = floor_div(et_wallclock_now(&s->wc, clock), NS_PER_SEC);
    s->last_update = source_now(s);
    time_to_registers(s, s->base_rtc);
    check_update_timer(s);
    et_device_unlock(&s->dev);
    return &s->dev;
}
