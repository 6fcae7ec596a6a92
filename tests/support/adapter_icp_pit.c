/* The Integrator/CP counter/timers join the shared suites
 * (device_adapter.h). */
#include <pthread.h>
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/sp804.h"

/* Running mode: timer 0 at 40 MHz (25 ns), periodic 32-bit with Load 399:
 * the count reaches 0 every 400 ticks, 10 us. Timers 1 and 2 (1 MHz) idle. */
#define RUN_LOAD 399
#define RUN_CONTROL                                                             \
    (ET_SP804_CTRL_ENABLE | ET_SP804_CTRL_PERIODIC | ET_SP804_CTRL_32BIT | ET_SP804_CTRL_IE)

static et_clock_input *clk40, *clk1;
static pthread_once_t clk_once = PTHREAD_ONCE_INIT;

static void make_clocks(void)
{
    clk40 = et_clock_input_new("adapter-pit-40mhz");
    et_clock_input_set_hz(clk40, 40000000);
    clk1 = et_clock_input_new("adapter-pit-1mhz");
    et_clock_input_set_hz(clk1, 1000000);
}

static et_device *pit_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                             void *sink_opaque, char *err, size_t errlen)
{
    pthread_once(&clk_once, make_clocks);
    et_icp_pit_config cfg = { .timclk = { clk40, clk1, NULL } };
    et_device *dev = et_icp_pit_new(clock, "integrator-pit", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, sink_opaque, (int)i);
    }
    if (running) {
        et_device_write(dev, ET_SP804_CONTROL, RUN_CONTROL & ~ET_SP804_CTRL_ENABLE, 4);
        et_device_write(dev, ET_SP804_LOAD, RUN_LOAD, 4);
        et_device_write(dev, ET_SP804_CONTROL, RUN_CONTROL, 4);
    }
    return dev;
}

#define BASELINE_KNOWN (UINT64_C(1) << 63)

/* Timer 0's Value only goes up by reloading; RIS is set when it reaches 0
 * (in the same step), the reload a tick later sets nothing. */
static bool pit_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint64_t value = et_device_read(dev, ET_SP804_VALUE, 4);
    uint64_t ris = et_device_read(dev, ET_SP804_RIS, 4);
    bool known = (*state & BASELINE_KNOWN) != 0;
    uint64_t baseline = *state & ~BASELINE_KNOWN;

    if (known && baseline != 0 && value > baseline && !(ris & 1)) {
        snprintf(msg, len,
                 "Timer0Value went from %llu up to %llu (through 0) but Timer0RIS reads 0 "
                 "(QEMU bug 1777777)",
                 (unsigned long long)baseline, (unsigned long long)value);
        return false;
    }
    if (ris & 1) {
        et_device_write(dev, ET_SP804_INTCLR, 1, 4);
        value = et_device_read(dev, ET_SP804_VALUE, 4);
    }
    *state = value | BASELINE_KNOWN;
    return true;
}

/* Reads of any register; timer 0's Control and BGLoad rewritten with their
 * values; well-formed writes to timers 1 and 2. */
static void pit_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t regs[] = { ET_SP804_LOAD, ET_SP804_VALUE, ET_SP804_CONTROL,
                                     ET_SP804_RIS,  ET_SP804_MIS,   ET_SP804_BGLOAD };
    static const uint32_t wregs[] = { ET_SP804_LOAD, ET_SP804_CONTROL, ET_SP804_INTCLR,
                                      ET_SP804_BGLOAD };
    uint32_t other = ((rnd >> 12) & 1 ? 2 : 1) * ET_ICP_PIT_TIMER_STRIDE;
    switch (rnd % 9) {
    case 6:
        et_device_write(dev, ET_SP804_CONTROL, RUN_CONTROL, 4);
        break;
    case 7:
        et_device_write(dev, ET_SP804_BGLOAD, RUN_LOAD, 4);
        break;
    case 8: {
        uint32_t reg = wregs[(rnd >> 8) % 4];
        uint32_t v = reg == ET_SP804_CONTROL ? (uint32_t)(rnd >> 16) & 0xE7u
                                             : 100u + (uint32_t)((rnd >> 16) % 100000u);
        et_device_write(dev, other + reg, v, 4);
        break;
    }
    default:
        (void)et_device_read(dev, ((rnd >> 8) % 3) * ET_ICP_PIT_TIMER_STRIDE + regs[rnd % 6],
                             (rnd >> 10) & 1 ? 2 : 4);
        break;
    }
}

static const uint32_t pit_offsets[] = {
    0x000, 0x004, 0x008, 0x00C, 0x010, 0x014, 0x018, 0x100, 0x104, 0x108, 0x10C,
    0x110, 0x114, 0x118, 0x200, 0x204, 0x208, 0x20C, 0x210, 0x214, 0x218, 0x01C, 0x300,
};

static const et_test_adapter icp_pit_adapter = {
    .name = "integrator-pit",
    .create = pit_create,
    .observe = pit_observe,
    .random_access = pit_random_access,
    .offsets = pit_offsets,
    .n_offsets = sizeof(pit_offsets) / sizeof(pit_offsets[0]),
    .sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
};

ET_TEST_ADAPTER_REGISTER(icp_pit_adapter)
