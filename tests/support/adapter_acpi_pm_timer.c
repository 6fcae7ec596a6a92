/* The ACPI PM timer joins the shared suites (device_adapter.h). */
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/acpi_pm_timer.h"

/* Running mode: TMR_EN set, and the counter's phase chosen so that its
 * bit 23 changes 2000 counts (559 us) after creation. The spec fixes the period (an overflow
 * every 2^23 counts, 2.34 s), far slower than the suites' ~10 us, so a
 * suite run sees that first overflow (an SCI raise, and the lower when
 * observe clears TMR_STS) and rarely another. */
static et_device *pm_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                            void *sink_opaque, char *err, size_t errlen)
{
    et_acpi_pm_timer_config cfg = { .width32 = false };
    if (running) {
        int64_t now = et_clock_now(clock);
        uint64_t counted = now > 0 ? (uint64_t)now / 1000 * ET_ACPI_PM_HZ / 1000000 : 0;
        cfg.initial_count = (uint32_t)((0x800000u - 2000u - counted) & 0xffffff);
    }
    et_device *dev = et_acpi_pm_timer_new(clock, "acpi-pm-timer", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    et_irq_connect(et_device_irq(dev, ET_ACPI_PM_IRQ_SCI), sink, sink_opaque,
                   ET_ACPI_PM_IRQ_SCI);
    if (running) {
        et_device_write(dev, ET_ACPI_PM1_EN, ET_ACPI_TMR_EN, 2);
    }
    return dev;
}

#define KNOWN (UINT64_C(1) << 63)

/* The counter goes up; when bit 23 changed since the last observation,
 * TMR_STS is set (only this function clears it). */
static bool pm_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint32_t c = (uint32_t)et_device_read(dev, ET_ACPI_PM_TMR, 4);
    uint32_t sts = (uint32_t)et_device_read(dev, ET_ACPI_PM1_STS, 2);
    if (*state & KNOWN) {
        uint32_t prev = (uint32_t)*state;
        if (((prev ^ c) & 0x800000u) && !(sts & ET_ACPI_TMR_STS)) {
            snprintf(msg, len, "PM_TMR went from 0x%06x to 0x%06x (bit 23 changed) without "
                     "TMR_STS", prev, c);
            return false;
        }
    }
    if (sts & ET_ACPI_TMR_STS) {
        et_device_write(dev, ET_ACPI_PM1_STS, ET_ACPI_TMR_STS, 2);
        c = (uint32_t)et_device_read(dev, ET_ACPI_PM_TMR, 4);
    }
    *state = KNOWN | c;
    return true;
}

/* Reads anywhere; PM1_EN rewritten with TMR_EN set. */
static void pm_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t offs[] = { ET_ACPI_PM1_STS, ET_ACPI_PM1_EN, ET_ACPI_PM_TMR };
    if (rnd % 5 == 4) {
        et_device_write(dev, ET_ACPI_PM1_EN, ET_ACPI_TMR_EN, 2);
    } else {
        uint32_t off = offs[rnd % 3];
        (void)et_device_read(dev, off, off == ET_ACPI_PM1_EN ? 2 : (rnd >> 4) & 1 ? 4 : 2);
    }
}

static const uint32_t pm_offsets[] = { ET_ACPI_PM1_STS, ET_ACPI_PM1_EN, ET_ACPI_PM_TMR, 0x4 };

static const et_test_adapter acpi_pm_timer_adapter = {
    .name = "acpi-pm-timer",
    .create = pm_create,
    .observe = pm_observe,
    .random_access = pm_random_access,
    .offsets = pm_offsets,
    .n_offsets = sizeof(pm_offsets) / sizeof(pm_offsets[0]),
    .sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
    .slow_timer = true,
};

ET_TEST_ADAPTER_REGISTER(acpi_pm_timer_adapter)
