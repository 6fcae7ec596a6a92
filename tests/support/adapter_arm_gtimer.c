/* The Cortex-A9 global timer joins the shared suites (device_adapter.h). */
#include <pthread.h>
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/arm_gtimer.h"

/* Running mode: PERIPHCLK 100 MHz, prescaler 0 (10 ns increments), CPU 0's
 * comparator at 50 with auto-increment 1000 and its interrupt enabled: an
 * event every 1000 increments, 10 us. */
#define RUN_INC 1000
#define RUN_CONTROL                                                            \
    (ET_ARM_GTIMER_CTRL_ENABLE | ET_ARM_GTIMER_CTRL_COMP | ET_ARM_GTIMER_CTRL_IRQ |            \
     ET_ARM_GTIMER_CTRL_AUTOINC)

static et_clock_input *periphclk;
static pthread_once_t periphclk_once = PTHREAD_ONCE_INIT;

static void make_periphclk(void)
{
    periphclk = et_clock_input_new("adapter-arm-gtimer-periphclk");
    et_clock_input_set_hz(periphclk, 100000000);
}

static et_device *gtimer_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                                void *sink_opaque, char *err, size_t errlen)
{
    pthread_once(&periphclk_once, make_periphclk);
    et_arm_gtimer_config cfg = { .periphclk = periphclk, .cpu_count = 1 };
    et_device *dev = et_arm_gtimer_new(clock, "arm-gtimer", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, sink_opaque, (int)i);
    }
    if (running) {
        et_device_write(dev, ET_ARM_GTIMER_COMPARE_LO, 50, 4);
        et_device_write(dev, ET_ARM_GTIMER_AUTOINC, RUN_INC, 4);
        et_device_write(dev, ET_ARM_GTIMER_CONTROL, RUN_CONTROL, 4);
    }
    return dev;
}

#define BASELINE_KNOWN (UINT64_C(1) << 63)

/* The comparator moves (by auto-increment) only in the evaluation that sets
 * the event flag, and only this function clears the flag: a comparator that
 * moved since the last observation must come with the flag set. (The low
 * half is enough: it wraps after 2^32 x 10 ns, far beyond a run.) */
static bool gtimer_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint64_t cmp = et_device_read(dev, ET_ARM_GTIMER_COMPARE_LO, 4);
    uint64_t flag = et_device_read(dev, ET_ARM_GTIMER_INTSTAT, 4);
    bool known = (*state & BASELINE_KNOWN) != 0;
    uint64_t baseline = *state & ~BASELINE_KNOWN;

    if (known && cmp != baseline && !(flag & 1)) {
        snprintf(msg, len,
                 "the comparator moved from %llu to %llu (an auto-increment) but the event "
                 "flag reads 0",
                 (unsigned long long)baseline, (unsigned long long)cmp);
        return false;
    }
    if (flag & 1) {
        et_device_write(dev, ET_ARM_GTIMER_INTSTAT, 1, 4);
        cmp = et_device_read(dev, ET_ARM_GTIMER_COMPARE_LO, 4);
    }
    *state = cmp | BASELINE_KNOWN;
    return true;
}

/* Reads of any register; Control and the increment rewritten unchanged. */
static void gtimer_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t regs[] = {
        ET_ARM_GTIMER_COUNTER_LO, ET_ARM_GTIMER_COUNTER_HI, ET_ARM_GTIMER_CONTROL,
        ET_ARM_GTIMER_INTSTAT,    ET_ARM_GTIMER_COMPARE_LO, ET_ARM_GTIMER_COMPARE_HI,
        ET_ARM_GTIMER_AUTOINC,    ET_ARM_GTIMER_COUNTER_LO,
    };
    switch (rnd % 10) {
    case 8:
        et_device_write(dev, ET_ARM_GTIMER_CONTROL, RUN_CONTROL, 4);
        break;
    case 9:
        et_device_write(dev, ET_ARM_GTIMER_AUTOINC, RUN_INC, 4);
        break;
    default:
        (void)et_device_read(dev, regs[rnd % 8], 4);
        break;
    }
}

static const uint32_t gtimer_offsets[] = {
    ET_ARM_GTIMER_COUNTER_LO, ET_ARM_GTIMER_COUNTER_HI, ET_ARM_GTIMER_CONTROL,
    ET_ARM_GTIMER_INTSTAT,    ET_ARM_GTIMER_COMPARE_LO, ET_ARM_GTIMER_COMPARE_HI,
    ET_ARM_GTIMER_AUTOINC,    0x1c,
};

static const et_test_adapter arm_gtimer_adapter = {
    .name = "arm-gtimer",
    .create = gtimer_create,
    .observe = gtimer_observe,
    .random_access = gtimer_random_access,
    .offsets = gtimer_offsets,
    .n_offsets = sizeof(gtimer_offsets) / sizeof(gtimer_offsets[0]),
    .sizes = ET_ACCESS_4,
};

ET_TEST_ADAPTER_REGISTER(arm_gtimer_adapter)
