/* The MC146818 RTC joins the shared suites (device_adapter.h). */
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/mc146818_rtc.h"

static void select_write(et_device *dev, uint8_t reg, uint8_t v)
{
    et_device_write(dev, ET_RTC_INDEX, reg, 1);
    et_device_write(dev, ET_RTC_DATA, v, 1);
}

static uint8_t select_read(et_device *dev, uint8_t reg)
{
    et_device_write(dev, ET_RTC_INDEX, reg, 1);
    return (uint8_t)et_device_read(dev, ET_RTC_DATA, 1);
}

/* Running mode: the fastest periodic rate (RS = 3: 4 periods of 32.768 kHz,
 * 122 us) and the update-ended interrupt, on a wall clock that advances
 * with the device's clock (2026-01-01 00:00:00 at creation). */
static et_device *rtc_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                             void *sink_opaque, char *err, size_t errlen)
{
    et_mc146818_rtc_config cfg = {
        .wallclock = et_wallclock_vm_at(INT64_C(1767225600) * 1000000000, et_clock_now(clock)),
    };
    et_device *dev = et_mc146818_rtc_new(clock, "mc146818rtc", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    et_irq_connect(et_device_irq(dev, ET_RTC_IRQ), sink, sink_opaque, ET_RTC_IRQ);
    if (running) {
        select_write(dev, ET_RTC_REG_A, 0x23);
        select_write(dev, ET_RTC_REG_B, ET_RTC_B_24H | ET_RTC_B_PIE | ET_RTC_B_UIE);
    }
    return dev;
}

#define KNOWN (UINT64_C(1) << 63)

/* The seconds register changes only at an update, and every update sets
 * UF, which only this function clears (by reading register C). So seconds
 * that moved since the last observation must come with UF. */
static bool rtc_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint8_t sec = select_read(dev, ET_RTC_SECONDS);
    uint8_t c = select_read(dev, ET_RTC_REG_C);
    if ((*state & KNOWN) && (uint8_t)*state != sec && !(c & ET_RTC_C_UF)) {
        snprintf(msg, len, "seconds went from 0x%02x to 0x%02x without UF (register C 0x%02x)",
                 (unsigned)(uint8_t)*state, (unsigned)sec, (unsigned)c);
        return false;
    }
    *state = KNOWN | sec;
    return true;
}

/* Reads of the index port only: any data access depends on the index the
 * observer selects. */
static void rtc_random_access(et_device *dev, uint64_t rnd)
{
    (void)rnd;
    (void)et_device_read(dev, ET_RTC_INDEX, 1);
}

static const uint32_t rtc_offsets[] = { ET_RTC_INDEX, ET_RTC_DATA };

static const et_test_adapter mc146818_rtc_adapter = {
    .name = "mc146818rtc",
    .create = rtc_create,
    .observe = rtc_observe,
    .random_access = rtc_random_access,
    .offsets = rtc_offsets,
    .n_offsets = sizeof(rtc_offsets) / sizeof(rtc_offsets[0]),
    .sizes = ET_ACCESS_1,
};

ET_TEST_ADAPTER_REGISTER(mc146818_rtc_adapter)
