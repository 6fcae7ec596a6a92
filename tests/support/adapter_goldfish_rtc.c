/* The Goldfish RTC joins the shared suites (device_adapter.h).
 *
 * rtc-base 2020-01-01 on the "vm" clock, so the time is the virtual time
 * plus a fixed offset on manual and real-time clocks alike. Running mode
 * enables the interrupt and arms the alarm 5 us ahead; observe() clears the
 * interrupt and re-arms it each time it finds it fired. */
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/goldfish_rtc.h"

#define RUN_NS 5000u

static void arm(et_device *dev, uint64_t at)
{
    et_device_write(dev, ET_GOLDFISH_RTC_ALARM_HIGH, at >> 32, 4);
    et_device_write(dev, ET_GOLDFISH_RTC_ALARM_LOW, (uint32_t)at, 4);
}

static et_device *rtc_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                             void *sink_opaque, char *err, size_t errlen)
{
    et_goldfish_rtc_config cfg = { .rtc_base = "2020-01-01", .rtc_clock = "vm" };
    et_device *dev = et_goldfish_rtc_new(clock, "goldfish-rtc", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    et_irq_connect(et_device_irq(dev, 0), sink, sink_opaque, 0);
    if (running) {
        et_device_write(dev, ET_GOLDFISH_RTC_IRQ_ENABLED, 1, 4);
        arm(dev, et_goldfish_rtc_time(dev) + RUN_NS);
    }
    return dev;
}

/* The guest-visible invariant (only this function writes ALARM, nobody
 * writes the time or clears the alarm):
 *   - ALARM_STATUS 0 with an alarm set means it fired, so the time read
 *     afterwards has reached the alarm (the interrupt is never early);
 *   - a time that has reached the alarm is followed by ALARM_STATUS 0 (the
 *     alarm never lags behind the time, however late the timer thread);
 *   - the time never goes backwards.
 * *state holds the last time seen. */
static bool rtc_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint64_t alarm = (et_device_read(dev, ET_GOLDFISH_RTC_ALARM_HIGH, 4) << 32) |
                     et_device_read(dev, ET_GOLDFISH_RTC_ALARM_LOW, 4);
    uint64_t before = et_device_read(dev, ET_GOLDFISH_RTC_ALARM_STATUS, 4);
    uint64_t t = et_goldfish_rtc_time(dev);
    uint64_t after = et_device_read(dev, ET_GOLDFISH_RTC_ALARM_STATUS, 4);

    if (t < *state) {
        snprintf(msg, len, "time went backwards: %llu, then %llu", (unsigned long long)*state,
                 (unsigned long long)t);
        return false;
    }
    if (alarm && before == 0 && t < alarm) {
        snprintf(msg, len, "alarm %llu fired but the time read afterwards is %llu (early)",
                 (unsigned long long)alarm, (unsigned long long)t);
        return false;
    }
    if (t >= alarm && after != 0) {
        snprintf(msg, len, "time %llu reached alarm %llu but ALARM_STATUS is still 1 (lagging)",
                 (unsigned long long)t, (unsigned long long)alarm);
        return false;
    }
    if (alarm && after == 0) {
        et_device_write(dev, ET_GOLDFISH_RTC_CLEAR_INTERRUPT, 1, 4);
        arm(dev, t + RUN_NS);
    }
    *state = t;
    return true;
}

/* Reads of every register (TIME_LOW moves the TIME_HIGH latch, which
 * observe() does not use) and writes that keep the interrupt enabled. */
static void rtc_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t regs[] = {
        ET_GOLDFISH_RTC_TIME_LOW,    ET_GOLDFISH_RTC_TIME_HIGH,   ET_GOLDFISH_RTC_ALARM_LOW,
        ET_GOLDFISH_RTC_ALARM_HIGH,  ET_GOLDFISH_RTC_IRQ_ENABLED, ET_GOLDFISH_RTC_ALARM_STATUS,
    };
    switch (rnd % 4) {
    case 0:
        if (et_device_read(dev, ET_GOLDFISH_RTC_IRQ_ENABLED, 4)) {
            et_device_write(dev, ET_GOLDFISH_RTC_IRQ_ENABLED, 1, 4);
        }
        break;
    case 1:
        (void)et_goldfish_rtc_time(dev);
        break;
    default:
        (void)et_device_read(dev, regs[(rnd >> 8) % (sizeof(regs) / sizeof(regs[0]))], 4);
        break;
    }
}

static const uint32_t rtc_offsets[] = {
    ET_GOLDFISH_RTC_TIME_LOW,     ET_GOLDFISH_RTC_TIME_HIGH,    ET_GOLDFISH_RTC_ALARM_LOW,
    ET_GOLDFISH_RTC_ALARM_HIGH,   ET_GOLDFISH_RTC_IRQ_ENABLED,  ET_GOLDFISH_RTC_CLEAR_ALARM,
    ET_GOLDFISH_RTC_ALARM_STATUS, ET_GOLDFISH_RTC_CLEAR_INTERRUPT,
};

static const et_test_adapter rtc_adapter = {
    .name = "goldfish-rtc",
    .create = rtc_create,
    .observe = rtc_observe,
    .random_access = rtc_random_access,
    .offsets = rtc_offsets,
    .n_offsets = sizeof(rtc_offsets) / sizeof(rtc_offsets[0]),
    /* One one-shot alarm, re-armed by observe(): vCPU catch-up may take it
     * every time (device_adapter.h). */
    .slow_timer = true,
    .sizes = ET_ACCESS_4,
};

ET_TEST_ADAPTER_REGISTER(rtc_adapter)
