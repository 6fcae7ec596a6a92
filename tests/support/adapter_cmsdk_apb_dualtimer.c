/* The CMSDK APB dual timer joins the shared suites (device_adapter.h). */
#include <pthread.h>
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/cmsdk_apb_dualtimer.h"

/* Running mode: TIMCLK 25 MHz (40 ns), counter 1 periodic 32-bit with
 * LOAD 249: the count reaches 0 every 250 ticks, 10 us. Counter 2 idle. */
#define RUN_LOAD 249
#define RUN_CONTROL                                                             \
    (ET_CMSDK_DUALTIMER_CTRL_ENABLE | ET_CMSDK_DUALTIMER_CTRL_PERIODIC |        \
     ET_CMSDK_DUALTIMER_CTRL_SIZE32 | ET_CMSDK_DUALTIMER_CTRL_INTEN)

static et_clock_input *timclk;
static pthread_once_t timclk_once = PTHREAD_ONCE_INIT;

static void make_timclk(void)
{
    timclk = et_clock_input_new("adapter-cmsdk-dualtimer-timclk");
    et_clock_input_set_hz(timclk, 25000000);
}

static et_device *dualtimer_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                                   void *sink_opaque, char *err, size_t errlen)
{
    pthread_once(&timclk_once, make_timclk);
    et_cmsdk_apb_dualtimer_config cfg = { .timclk = timclk };
    et_device *dev = et_cmsdk_apb_dualtimer_new(clock, "cmsdk-apb-dualtimer", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, sink_opaque, (int)i);
    }
    if (running) {
        et_device_write(dev, ET_CMSDK_DUALTIMER_TIMER1 + ET_CMSDK_DUALTIMER_CONTROL,
                        RUN_CONTROL & ~ET_CMSDK_DUALTIMER_CTRL_ENABLE, 4);
        et_device_write(dev, ET_CMSDK_DUALTIMER_TIMER1 + ET_CMSDK_DUALTIMER_LOAD, RUN_LOAD, 4);
        et_device_write(dev, ET_CMSDK_DUALTIMER_TIMER1 + ET_CMSDK_DUALTIMER_CONTROL,
                        RUN_CONTROL, 4);
    }
    return dev;
}

#define BASELINE_KNOWN (UINT64_C(1) << 63)

/* Counter 1's VALUE only goes up by reloading. RIS is set when the count
 * reaches 0 (in the same step); the reload one tick later sets nothing. So
 * a rise from a non-zero baseline must come with RIS set; only this
 * function clears it. */
static bool dualtimer_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint64_t value = et_device_read(dev, ET_CMSDK_DUALTIMER_TIMER1 + ET_CMSDK_DUALTIMER_VALUE, 4);
    uint64_t ris = et_device_read(dev, ET_CMSDK_DUALTIMER_TIMER1 + ET_CMSDK_DUALTIMER_RIS, 4);
    bool known = (*state & BASELINE_KNOWN) != 0;
    uint64_t baseline = *state & ~BASELINE_KNOWN;

    if (known && baseline != 0 && value > baseline && !(ris & 1)) {
        snprintf(msg, len,
                 "TIMER1VALUE went from %llu up to %llu (through 0) but TIMER1RIS reads 0 "
                 "(QEMU bug 1777777)",
                 (unsigned long long)baseline, (unsigned long long)value);
        return false;
    }
    if (ris & 1) {
        et_device_write(dev, ET_CMSDK_DUALTIMER_TIMER1 + ET_CMSDK_DUALTIMER_INTCLR, 1, 4);
        value = et_device_read(dev, ET_CMSDK_DUALTIMER_TIMER1 + ET_CMSDK_DUALTIMER_VALUE, 4);
    }
    *state = value | BASELINE_KNOWN;
    return true;
}

/* Reads of any register; counter 1's CONTROL and BGLOAD rewritten with
 * their values; well-formed writes to counter 2. */
static void dualtimer_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t regs[] = {
        ET_CMSDK_DUALTIMER_LOAD, ET_CMSDK_DUALTIMER_VALUE, ET_CMSDK_DUALTIMER_CONTROL,
        ET_CMSDK_DUALTIMER_RIS,  ET_CMSDK_DUALTIMER_MIS,   ET_CMSDK_DUALTIMER_BGLOAD,
    };
    uint32_t t1 = ET_CMSDK_DUALTIMER_TIMER1, t2 = ET_CMSDK_DUALTIMER_TIMER2;
    switch (rnd % 10) {
    case 6:
        et_device_write(dev, t1 + ET_CMSDK_DUALTIMER_CONTROL, RUN_CONTROL, 4);
        break;
    case 7:
        et_device_write(dev, t1 + ET_CMSDK_DUALTIMER_BGLOAD, RUN_LOAD, 4);
        break;
    case 8: {
        /* Counter 2: LOAD/BGLOAD of at least 100 ticks (no interrupt storm),
         * CONTROL with defined bits only, INTCLR. */
        static const uint32_t wregs[] = { ET_CMSDK_DUALTIMER_LOAD, ET_CMSDK_DUALTIMER_CONTROL,
                                          ET_CMSDK_DUALTIMER_INTCLR, ET_CMSDK_DUALTIMER_BGLOAD };
        uint32_t reg = wregs[(rnd >> 8) % 4];
        uint32_t v = reg == ET_CMSDK_DUALTIMER_CONTROL ? (uint32_t)(rnd >> 16) & 0xE7u
                                                       : 100u + (uint32_t)((rnd >> 16) % 100000u);
        et_device_write(dev, t2 + reg, v, 4);
        break;
    }
    case 9:
        (void)et_device_read(dev, ET_CMSDK_DUALTIMER_PID0, 4);
        break;
    default:
        (void)et_device_read(dev, ((rnd >> 8) & 1 ? t2 : t1) + regs[rnd % 6],
                             (rnd >> 9) & 1 ? 2 : 4);
        break;
    }
}

static const uint32_t dualtimer_offsets[] = {
    0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x20, 0x24, 0x28, 0x2C, 0x30, 0x34, 0x38,
    ET_CMSDK_DUALTIMER_ITCR, ET_CMSDK_DUALTIMER_ITOP, ET_CMSDK_DUALTIMER_PID4,
    ET_CMSDK_DUALTIMER_PID0, ET_CMSDK_DUALTIMER_CID0, 0x1C, 0x40,
};

static const et_test_adapter cmsdk_apb_dualtimer_adapter = {
    .name = "cmsdk-apb-dualtimer",
    .create = dualtimer_create,
    .observe = dualtimer_observe,
    .random_access = dualtimer_random_access,
    .offsets = dualtimer_offsets,
    .n_offsets = sizeof(dualtimer_offsets) / sizeof(dualtimer_offsets[0]),
    .sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
};

ET_TEST_ADAPTER_REGISTER(cmsdk_apb_dualtimer_adapter)
