/* The SP804 joins the shared suites (device_adapter.h). */
#include <pthread.h>
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/sp804.h"

/* Running mode: TIMCLK 10 MHz (100 ns), counter 1 periodic 32-bit with
 * Load 99: the count reaches 0 every 100 ticks, 10 us. Counter 2 idle. */
#define RUN_LOAD 99
#define RUN_CONTROL                                                             \
    (ET_SP804_CTRL_ENABLE | ET_SP804_CTRL_PERIODIC | ET_SP804_CTRL_32BIT | ET_SP804_CTRL_IE)

static et_clock_input *timclk;
static pthread_once_t timclk_once = PTHREAD_ONCE_INIT;

static void make_timclk(void)
{
    timclk = et_clock_input_new("adapter-sp804-timclk");
    et_clock_input_set_hz(timclk, 10000000);
}

static et_device *sp804_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                               void *sink_opaque, char *err, size_t errlen)
{
    pthread_once(&timclk_once, make_timclk);
    et_sp804_config cfg = { .timclk = { timclk, NULL } };
    et_device *dev = et_sp804_new(clock, "sp804", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, sink_opaque, (int)i);
    }
    if (running) {
        et_device_write(dev, ET_SP804_TIMER1 + ET_SP804_CONTROL,
                        RUN_CONTROL & ~ET_SP804_CTRL_ENABLE, 4);
        et_device_write(dev, ET_SP804_TIMER1 + ET_SP804_LOAD, RUN_LOAD, 4);
        et_device_write(dev, ET_SP804_TIMER1 + ET_SP804_CONTROL, RUN_CONTROL, 4);
    }
    return dev;
}

#define BASELINE_KNOWN (UINT64_C(1) << 63)

/* Counter 1's Value only goes up by reloading. RIS is set when the count
 * reaches 0 (in the same step); the reload one tick later sets nothing. So
 * a rise from a non-zero baseline must come with RIS set; only this
 * function clears it. */
static bool sp804_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint64_t value = et_device_read(dev, ET_SP804_TIMER1 + ET_SP804_VALUE, 4);
    uint64_t ris = et_device_read(dev, ET_SP804_TIMER1 + ET_SP804_RIS, 4);
    bool known = (*state & BASELINE_KNOWN) != 0;
    uint64_t baseline = *state & ~BASELINE_KNOWN;

    if (known && baseline != 0 && value > baseline && !(ris & 1)) {
        snprintf(msg, len,
                 "Timer1Value went from %llu up to %llu (through 0) but Timer1RIS reads 0 "
                 "(QEMU bug 1777777)",
                 (unsigned long long)baseline, (unsigned long long)value);
        return false;
    }
    if (ris & 1) {
        et_device_write(dev, ET_SP804_TIMER1 + ET_SP804_INTCLR, 1, 4);
        value = et_device_read(dev, ET_SP804_TIMER1 + ET_SP804_VALUE, 4);
    }
    *state = value | BASELINE_KNOWN;
    return true;
}

/* Reads of any register; counter 1's Control and BGLoad rewritten with
 * their values; well-formed writes to counter 2 (Load/BGLoad of at least
 * 100 ticks, so no interrupt storm). */
static void sp804_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t regs[] = { ET_SP804_LOAD, ET_SP804_VALUE, ET_SP804_CONTROL,
                                     ET_SP804_RIS,  ET_SP804_MIS,   ET_SP804_BGLOAD };
    static const uint32_t wregs[] = { ET_SP804_LOAD, ET_SP804_CONTROL, ET_SP804_INTCLR,
                                      ET_SP804_BGLOAD };
    uint32_t t1 = ET_SP804_TIMER1, t2 = ET_SP804_TIMER2;
    switch (rnd % 10) {
    case 6:
        et_device_write(dev, t1 + ET_SP804_CONTROL, RUN_CONTROL, 4);
        break;
    case 7:
        et_device_write(dev, t1 + ET_SP804_BGLOAD, RUN_LOAD, 4);
        break;
    case 8: {
        uint32_t reg = wregs[(rnd >> 8) % 4];
        uint32_t v = reg == ET_SP804_CONTROL ? (uint32_t)(rnd >> 16) & 0xE7u
                                             : 100u + (uint32_t)((rnd >> 16) % 100000u);
        et_device_write(dev, t2 + reg, v, 4);
        break;
    }
    case 9:
        (void)et_device_read(dev, ET_SP804_PERIPHID0, 4);
        break;
    default:
        (void)et_device_read(dev, ((rnd >> 8) & 1 ? t2 : t1) + regs[rnd % 6],
                             (rnd >> 9) & 1 ? 2 : 4);
        break;
    }
}

static const uint32_t sp804_offsets[] = {
    0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x20, 0x24, 0x28, 0x2C, 0x30, 0x34, 0x38,
    ET_SP804_ITCR, ET_SP804_ITOP, ET_SP804_PERIPHID0, ET_SP804_PCELLID0, 0x1C, 0xFD0,
};

static const et_test_adapter sp804_adapter = {
    .name = "sp804",
    .create = sp804_create,
    .observe = sp804_observe,
    .random_access = sp804_random_access,
    .offsets = sp804_offsets,
    .n_offsets = sizeof(sp804_offsets) / sizeof(sp804_offsets[0]),
    .sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
};

ET_TEST_ADAPTER_REGISTER(sp804_adapter)
