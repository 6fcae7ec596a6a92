/* The Cortex-A9 MPCore private timer and watchdog join the shared suites
 * (device_adapter.h). */
#include <pthread.h>
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/arm_mptimer.h"

/* Running mode: PERIPHCLK 100 MHz (10 ns), the private timer auto-reloading
 * Load 999 with its interrupt enabled: an event every 1000 counts, 10 us.
 * The watchdog idles in timer mode. */
#define RUN_LOAD 999
#define RUN_CONTROL                                                            \
    (ET_ARM_MPTIMER_CTRL_ENABLE | ET_ARM_MPTIMER_CTRL_AUTO | ET_ARM_MPTIMER_CTRL_IRQ)

static et_clock_input *periphclk;
static pthread_once_t periphclk_once = PTHREAD_ONCE_INIT;

static void make_periphclk(void)
{
    periphclk = et_clock_input_new("adapter-arm-mptimer-periphclk");
    et_clock_input_set_hz(periphclk, 100000000);
}

static et_device *mptimer_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                                 void *sink_opaque, char *err, size_t errlen)
{
    pthread_once(&periphclk_once, make_periphclk);
    et_arm_mptimer_config cfg = { .periphclk = periphclk, .cpu_count = 1 };
    et_device *dev = et_arm_mptimer_new(clock, "arm-mptimer", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, sink_opaque, (int)i);
    }
    if (running) {
        et_device_write(dev, ET_ARM_MPTIMER_LOAD, RUN_LOAD, 4);
        et_device_write(dev, ET_ARM_MPTIMER_CONTROL, RUN_CONTROL, 4);
    }
    return dev;
}

#define BASELINE_KNOWN (UINT64_C(1) << 63)

/* The counter only goes up by reloading, one count after the expiry that
 * reached 0 and set the event flag; only this function clears the flag. So
 * a rise from a non-zero baseline must come with the flag set (from a
 * baseline of 0 it is the reload after an event already seen). */
static bool mptimer_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint64_t value = et_device_read(dev, ET_ARM_MPTIMER_COUNTER, 4);
    uint64_t flag = et_device_read(dev, ET_ARM_MPTIMER_INTSTAT, 4);
    bool known = (*state & BASELINE_KNOWN) != 0;
    uint64_t baseline = *state & ~BASELINE_KNOWN;

    if (known && baseline != 0 && value > baseline && !(flag & 1)) {
        snprintf(msg, len,
                 "the counter went from %llu up to %llu (a reload) but the event flag reads 0 "
                 "(QEMU bug 1777777)",
                 (unsigned long long)baseline, (unsigned long long)value);
        return false;
    }
    if (flag & 1) {
        et_device_write(dev, ET_ARM_MPTIMER_INTSTAT, 1, 4);
        value = et_device_read(dev, ET_ARM_MPTIMER_COUNTER, 4);
    }
    *state = value | BASELINE_KNOWN;
    return true;
}

/* Reads of any register; the timer's Control rewritten unchanged; the
 * watchdog programmed as a slow timer (2.56 us counts, Load 100 to 355)
 * with its interrupt off; a stray disable key. */
static void mptimer_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t regs[] = {
        ET_ARM_MPTIMER_LOAD,
        ET_ARM_MPTIMER_COUNTER,
        ET_ARM_MPTIMER_CONTROL,
        ET_ARM_MPTIMER_INTSTAT,
        ET_ARM_MPTIMER_WDOG + ET_ARM_MPTIMER_LOAD,
        ET_ARM_MPTIMER_WDOG + ET_ARM_MPTIMER_COUNTER,
        ET_ARM_MPTIMER_WDOG + ET_ARM_MPTIMER_CONTROL,
        ET_ARM_MPTIMER_WDOG_RESET_STATUS,
    };
    switch (rnd % 12) {
    case 8:
        et_device_write(dev, ET_ARM_MPTIMER_CONTROL, RUN_CONTROL, 4);
        break;
    case 9:
        et_device_write(dev, ET_ARM_MPTIMER_WDOG + ET_ARM_MPTIMER_LOAD, 100 + ((rnd >> 8) & 0xff),
                        4);
        break;
    case 10:
        et_device_write(dev, ET_ARM_MPTIMER_WDOG + ET_ARM_MPTIMER_CONTROL,
                        ET_ARM_MPTIMER_CTRL_ENABLE | ET_ARM_MPTIMER_CTRL_AUTO |
                            ET_ARM_MPTIMER_CTRL_PRESCALER(255),
                        4);
        break;
    case 11:
        et_device_write(dev, ET_ARM_MPTIMER_WDOG_DISABLE, ET_ARM_MPTIMER_DISABLE_KEY1, 4);
        break;
    default:
        (void)et_device_read(dev, regs[rnd % 8], 4);
        break;
    }
}

static const uint32_t mptimer_offsets[] = {
    ET_ARM_MPTIMER_LOAD,
    ET_ARM_MPTIMER_COUNTER,
    ET_ARM_MPTIMER_CONTROL,
    ET_ARM_MPTIMER_INTSTAT,
    ET_ARM_MPTIMER_WDOG + ET_ARM_MPTIMER_LOAD,
    ET_ARM_MPTIMER_WDOG + ET_ARM_MPTIMER_COUNTER,
    ET_ARM_MPTIMER_WDOG + ET_ARM_MPTIMER_CONTROL,
    ET_ARM_MPTIMER_WDOG + ET_ARM_MPTIMER_INTSTAT,
    ET_ARM_MPTIMER_WDOG_RESET_STATUS,
    ET_ARM_MPTIMER_WDOG_DISABLE,
    0x10,
    0x40,
};

static const et_test_adapter arm_mptimer_adapter = {
    .name = "arm-mptimer",
    .create = mptimer_create,
    .observe = mptimer_observe,
    .random_access = mptimer_random_access,
    .offsets = mptimer_offsets,
    .n_offsets = sizeof(mptimer_offsets) / sizeof(mptimer_offsets[0]),
    .sizes = ET_ACCESS_4,
};

ET_TEST_ADAPTER_REGISTER(arm_mptimer_adapter)
