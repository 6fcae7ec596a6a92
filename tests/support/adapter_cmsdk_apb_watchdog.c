/* The CMSDK APB watchdog joins the shared suites (device_adapter.h). */
#include <pthread.h>
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/cmsdk_apb_watchdog.h"

/* Running mode: WDOGCLK 25 MHz (40 ns), LOAD 249, INTEN without RESEN: a
 * zero event every 250 ticks, 10 us; a second one with RIS still set does
 * nothing (no reset), so the counter keeps running. */
#define RUN_LOAD 249

static et_clock_input *wdogclk;
static pthread_once_t wdogclk_once = PTHREAD_ONCE_INIT;

static void make_wdogclk(void)
{
    wdogclk = et_clock_input_new("adapter-cmsdk-watchdog-wdogclk");
    et_clock_input_set_hz(wdogclk, 25000000);
}

static et_device *watchdog_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                                  void *sink_opaque, char *err, size_t errlen)
{
    pthread_once(&wdogclk_once, make_wdogclk);
    et_cmsdk_apb_watchdog_config cfg = { .wdogclk = wdogclk,
                                         .variant = ET_CMSDK_WATCHDOG_CMSDK };
    et_device *dev = et_cmsdk_apb_watchdog_new(clock, "cmsdk-apb-watchdog", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, sink_opaque, (int)i);
    }
    if (running) {
        et_device_write(dev, ET_CMSDK_WDOG_LOAD, RUN_LOAD, 4);
        et_device_write(dev, ET_CMSDK_WDOG_CONTROL, ET_CMSDK_WDOG_CTRL_INTEN, 4);
    }
    return dev;
}

#define BASELINE_KNOWN (UINT64_C(1) << 63)

/* WDOGVALUE only goes up by reloading: at the end of the zero tick that
 * set RIS (or that found RIS set), or by INTCLR, which only this function
 * writes. So a rise from a non-zero baseline must come with RIS set. */
static bool watchdog_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint64_t value = et_device_read(dev, ET_CMSDK_WDOG_VALUE, 4);
    uint64_t ris = et_device_read(dev, ET_CMSDK_WDOG_RIS, 4);
    bool known = (*state & BASELINE_KNOWN) != 0;
    uint64_t baseline = *state & ~BASELINE_KNOWN;

    if (known && baseline != 0 && value > baseline && !(ris & 1)) {
        snprintf(msg, len,
                 "WDOGVALUE went from %llu up to %llu (through 0) but WDOGRIS reads 0 "
                 "(QEMU bug 1777777)",
                 (unsigned long long)baseline, (unsigned long long)value);
        return false;
    }
    if (ris & 1) {
        et_device_write(dev, ET_CMSDK_WDOG_INTCLR, 1, 4); /* also reloads */
        value = et_device_read(dev, ET_CMSDK_WDOG_VALUE, 4);
    }
    *state = value | BASELINE_KNOWN;
    return true;
}

/* Reads of any register; CONTROL rewritten unchanged; the unlock key;
 * ITCR 0. */
static void watchdog_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t regs[] = { ET_CMSDK_WDOG_LOAD, ET_CMSDK_WDOG_VALUE,
                                     ET_CMSDK_WDOG_CONTROL, ET_CMSDK_WDOG_RIS,
                                     ET_CMSDK_WDOG_MIS, ET_CMSDK_WDOG_LOCK,
                                     ET_CMSDK_WDOG_ITCR, ET_CMSDK_WDOG_PID0 };
    switch (rnd % 11) {
    case 8:
        et_device_write(dev, ET_CMSDK_WDOG_CONTROL, ET_CMSDK_WDOG_CTRL_INTEN, 4);
        break;
    case 9:
        et_device_write(dev, ET_CMSDK_WDOG_LOCK, ET_CMSDK_WDOG_UNLOCK_KEY, 4);
        break;
    case 10:
        et_device_write(dev, ET_CMSDK_WDOG_ITCR, 0, 4);
        break;
    default:
        (void)et_device_read(dev, regs[rnd % 8], (rnd >> 8) & 1 ? 2 : 4);
        break;
    }
}

static const uint32_t watchdog_offsets[] = {
    ET_CMSDK_WDOG_LOAD, ET_CMSDK_WDOG_VALUE, ET_CMSDK_WDOG_CONTROL, ET_CMSDK_WDOG_INTCLR,
    ET_CMSDK_WDOG_RIS,  ET_CMSDK_WDOG_MIS,   ET_CMSDK_WDOG_LOCK,    ET_CMSDK_WDOG_ITCR,
    ET_CMSDK_WDOG_ITOP, ET_CMSDK_WDOG_PID4,  ET_CMSDK_WDOG_PID0,    ET_CMSDK_WDOG_CID0,
    ET_CMSDK_WDOG_TEST, 0x018,
};

static const et_test_adapter cmsdk_apb_watchdog_adapter = {
    .name = "cmsdk-apb-watchdog",
    .create = watchdog_create,
    .observe = watchdog_observe,
    .random_access = watchdog_random_access,
    .offsets = watchdog_offsets,
    .n_offsets = sizeof(watchdog_offsets) / sizeof(watchdog_offsets[0]),
    .sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
};

ET_TEST_ADAPTER_REGISTER(cmsdk_apb_watchdog_adapter)
