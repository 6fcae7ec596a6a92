/* The CMSDK APB timer joins the shared suites (device_adapter.h). */
#include <pthread.h>
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/cmsdk_apb_timer.h"

/* Running mode: PCLK 25 MHz (40 ns) and RELOAD 249: the count reaches 0
 * every 250 ticks, 10 us (faster periods outrun a ThreadSanitizer build's
 * expiry processing on a real-time clock). */
#define RUN_RELOAD 249

/* One PCLK for every adapter-made timer, alive until the process ends. */
static et_clock_input *pclk;
static pthread_once_t pclk_once = PTHREAD_ONCE_INIT;

static void make_pclk(void)
{
    pclk = et_clock_input_new("adapter-cmsdk-timer-pclk");
    et_clock_input_set_hz(pclk, 25000000);
}

static et_device *cmsdk_timer_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                               void *sink_opaque, char *err, size_t errlen)
{
    pthread_once(&pclk_once, make_pclk);
    et_cmsdk_apb_timer_config cfg = { .pclk = pclk };
    et_device *dev = et_cmsdk_apb_timer_new(clock, "cmsdk-apb-timer", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, sink_opaque, (int)i);
    }
    if (running) {
        et_device_write(dev, ET_CMSDK_TIMER_RELOAD, RUN_RELOAD, 4);
        et_device_write(dev, ET_CMSDK_TIMER_CTRL,
                        ET_CMSDK_TIMER_CTRL_EN | ET_CMSDK_TIMER_CTRL_IRQEN, 4);
    }
    return dev;
}

#define BASELINE_KNOWN (UINT64_C(1) << 63)

/* VALUE only goes up by reloading. The status is set when VALUE steps from
 * 1 to 0 (in the same step), and the 0 -> RELOAD reload one tick later sets
 * nothing. So a rise of VALUE from a non-zero baseline must come with the
 * status set; only this function clears it. */
static bool cmsdk_timer_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint64_t value = et_device_read(dev, ET_CMSDK_TIMER_VALUE, 4);
    uint64_t status = et_device_read(dev, ET_CMSDK_TIMER_INTSTATUS, 4);
    bool known = (*state & BASELINE_KNOWN) != 0;
    uint64_t baseline = *state & ~BASELINE_KNOWN;

    if (known && baseline != 0 && value > baseline && !(status & 1)) {
        snprintf(msg, len,
                 "VALUE went from %llu up to %llu (through 0) but INTSTATUS reads 0 "
                 "(QEMU bug 1777777)",
                 (unsigned long long)baseline, (unsigned long long)value);
        return false;
    }
    if (status & 1) {
        et_device_write(dev, ET_CMSDK_TIMER_INTSTATUS, 1, 4);
        value = et_device_read(dev, ET_CMSDK_TIMER_VALUE, 4);
    }
    *state = value | BASELINE_KNOWN;
    return true;
}

/* Reads of any register; INTSTATUS writes of 0; CTRL rewritten unchanged. */
static void cmsdk_timer_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t regs[] = { ET_CMSDK_TIMER_CTRL, ET_CMSDK_TIMER_VALUE,
                                     ET_CMSDK_TIMER_RELOAD, ET_CMSDK_TIMER_INTSTATUS,
                                     ET_CMSDK_TIMER_PID0 };
    switch (rnd % 7) {
    case 5:
        et_device_write(dev, ET_CMSDK_TIMER_INTSTATUS, 0, 4);
        break;
    case 6: {
        uint64_t ctrl = et_device_read(dev, ET_CMSDK_TIMER_CTRL, 4);
        et_device_write(dev, ET_CMSDK_TIMER_CTRL, ctrl, 4);
        break;
    }
    default:
        (void)et_device_read(dev, regs[rnd % 5], (rnd >> 8) & 1 ? 2 : 4);
        break;
    }
}

static const uint32_t cmsdk_timer_offsets[] = {
    ET_CMSDK_TIMER_CTRL, ET_CMSDK_TIMER_VALUE, ET_CMSDK_TIMER_RELOAD,
    ET_CMSDK_TIMER_INTSTATUS, ET_CMSDK_TIMER_PID4, ET_CMSDK_TIMER_PID0,
    ET_CMSDK_TIMER_CID0, 0x010,
};

static const et_test_adapter cmsdk_apb_timer_adapter = {
    .name = "cmsdk-apb-timer",
    .create = cmsdk_timer_create,
    .observe = cmsdk_timer_observe,
    .random_access = cmsdk_timer_random_access,
    .offsets = cmsdk_timer_offsets,
    .n_offsets = sizeof(cmsdk_timer_offsets) / sizeof(cmsdk_timer_offsets[0]),
    .sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
};

ET_TEST_ADAPTER_REGISTER(cmsdk_apb_timer_adapter)
