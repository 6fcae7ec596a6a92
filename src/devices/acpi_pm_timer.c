/* ACPI PM timer (ACPI 6.x 4.8.3.3 and 4.8.3.1, PM1 event registers; QEMU
 * hw/acpi/core.c). The counter is a function of virtual time:
 *
 *     PM_TMR(t) = floor(t * 3579545 / 1e9) mod 2^width
 *
 * TMR_STS is set when the top bit changes, every 2^(width-1) counts (2.34 s
 * at 24 bits, 10 min at 32). Its timer is armed only while TMR_EN is set,
 * as QEMU's; with TMR_EN clear the status is computed when read, so it is
 * still set by every overflow ("the TMR_STS bit is set ... regardless of
 * TMR_EN"). */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "core/ticks.h"
#include "emutime/devices/acpi_pm_timer.h"

#define NS_PER_SEC UINT64_C(1000000000)

typedef struct acpi_pm {
    et_device dev;
    et_timer *overflow;
    et_irq_line sci;
    unsigned width;
    uint32_t initial;
    uint16_t en;
    bool sts;               /* TMR_STS, as of the last overflow seen */
    uint64_t next_overflow; /* the count at which TMR_STS next sets */
    et__tick_rate rate;     /* 3579545 / 10^9 ticks per ns */
} acpi_pm;

static et_lock_class acpi_pm_lock_class = ET_LOCK_CLASS_INIT("acpi-pm-timer");

/* Counts since virtual time 0, plus the initial count (not wrapped). */
static uint64_t count_at(const acpi_pm *s, int64_t now)
{
    return s->initial + (uint64_t)et__ticks_between(&s->rate, 0, now);
}

/* The first count after `count` where the top bit changes. */
static uint64_t overflow_after(const acpi_pm *s, uint64_t count)
{
    uint64_t half = UINT64_C(1) << (s->width - 1);
    return (count + half) & ~(half - 1);
}

/* The first ns at which the count reaches c. */
static int64_t time_of(const acpi_pm *s, uint64_t c)
{
    return et__tick_time(&s->rate, 0, (uint64_t)(c - s->initial));
}

/* Brings TMR_STS up to date, drives the SCI and arms the timer. */
static void update(acpi_pm *s)
{
    uint64_t now = count_at(s, et_clock_now(s->dev.clock));
    if (now >= s->next_overflow) {
        s->sts = true;
        s->next_overflow = overflow_after(s, now);
    }
    bool enabled = (s->en & ET_ACPI_TMR_EN) != 0;
    et_irq_set(&s->sci, s->sts && enabled);
    if (enabled && !s->sts) {
        et_timer_mod(s->overflow, time_of(s, s->next_overflow));
    } else {
        et_timer_del(s->overflow);
    }
}

static void overflow_expired(void *opaque)
{
    acpi_pm *s = opaque;
    et_device_trace(&s->dev, "overflow", "count 0x%llx", (unsigned long long)s->next_overflow);
    update(s);
}

static uint32_t reg_value(acpi_pm *s, uint64_t reg)
{
    switch (reg) {
    case ET_ACPI_PM1_STS:
        return (s->sts ? ET_ACPI_TMR_STS : 0) | (uint32_t)s->en << 16;
    default: { /* ET_ACPI_PM_TMR */
        uint64_t c = count_at(s, et_clock_now(s->dev.clock));
        return (uint32_t)(s->width == 32 ? c : c & 0xffffff);
    }
    }
}

static uint64_t pm_read(et_device *dev, uint64_t offset, unsigned size)
{
    acpi_pm *s = (acpi_pm *)dev;
    if (offset >= 4 && offset < 8) {
        et_device_guest_error(dev, "PM1_CNT is not modelled (reads 0xff)");
        return (UINT64_C(1) << (8 * size)) - 1;
    }
    update(s);
    uint64_t reg = offset & ~UINT64_C(3);
    uint64_t v = reg_value(s, reg) >> (8 * (offset & 3));
    return size >= 4 ? (uint32_t)v : v & ((UINT64_C(1) << (8 * size)) - 1);
}

static void pm_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    acpi_pm *s = (acpi_pm *)dev;
    update(s);
    for (unsigned i = 0; i < size; i++) {
        uint64_t at = offset + i;
        uint8_t b = (uint8_t)(value >> (8 * i));
        if (at == ET_ACPI_PM1_STS) {
            if (b & ET_ACPI_TMR_STS) {
                s->sts = false; /* write 1 to clear */
            }
        } else if (at == ET_ACPI_PM1_EN || at == ET_ACPI_PM1_EN + 1) {
            unsigned shift = 8 * (unsigned)(at - ET_ACPI_PM1_EN);
            s->en = (uint16_t)((s->en & ~(0xffu << shift)) | (unsigned)b << shift);
        } else if (at == ET_ACPI_PM1_STS + 1) {
            /* other status bits: no events modelled, nothing to clear */
        } else {
            et_device_guest_error(dev, "write to read-only or unmodelled offset 0x%x ignored",
                                  (unsigned)at);
            break;
        }
    }
    update(s);
}

static void pm_reset(et_device *dev)
{
    acpi_pm *s = (acpi_pm *)dev;
    s->en = 0;
    s->sts = false;
    s->next_overflow = overflow_after(s, count_at(s, et_clock_now(dev->clock)));
    update(s);
}

static void pm_destroy(et_device *dev)
{
    et_timer_free(((acpi_pm *)dev)->overflow);
}

static const et_field pm_fields[] = {
    ET_FIELD_U16(acpi_pm, en, 1),
    ET_FIELD_U32(acpi_pm, initial, 1),
    ET_FIELD_BOOL(acpi_pm, sts, 1),
    ET_FIELD_U64(acpi_pm, next_overflow, 1),
    ET_FIELD_TIMER(acpi_pm, overflow, 1),
    ET_FIELD_IRQ(acpi_pm, sci, 1),
    ET_FIELD_END
};

static const et_vmstate pm_state = { "acpi-pm-timer", 1, pm_fields };

static const et_device_ops pm_ops = {
    .type = "acpi-pm-timer",
    .region_size = ET_ACPI_PM_REGION,
    .access_sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
    .read = pm_read,
    .write = pm_write,
    .reset = pm_reset,
    .destroy = pm_destroy,
    .state = &pm_state,
};

et_device *et_acpi_pm_timer_new(et_clock *clock, const char *name,
                                const et_acpi_pm_timer_config *cfg, char *err, size_t errlen)
{
    const char *problem = NULL;
    if (!clock) {
        problem = "acpi-pm-timer: a clock is required";
    } else if (!cfg) {
        problem = "acpi-pm-timer: a configuration is required";
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    acpi_pm *s = et__xcalloc(1, sizeof(*s));
    s->width = cfg->width32 ? 32 : 24;
    et__tick_rate_init(&s->rate, ET_ACPI_PM_HZ, NS_PER_SEC);
    s->initial = cfg->width32 ? cfg->initial_count : cfg->initial_count & 0xffffff;
    et_device_init(&s->dev, &pm_ops, clock, name, &acpi_pm_lock_class);
    s->overflow = et_device_timer_new(&s->dev, overflow_expired, s);
    et_irq_init(&s->sci, &s->dev, "sci");
    et_device_add_irq(&s->dev, &s->sci);
    et_device_reset(&s->dev);
    return &s->dev;
}
