/* The test countdown device joins the shared suites (device_adapter.h). */
#include <stdio.h>

#include "device_adapter.h"
#include "test_countdown.h"

/* Running mode: a 1 us tick and RELOAD 10, so an expiry every 10 us. */
#define RUN_TICK_NS 1000
#define RUN_RELOAD 10

static et_device *cd_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                            void *sink_opaque, char *err, size_t errlen)
{
    et_test_countdown_config cfg = { .tick_ns = RUN_TICK_NS };
    et_device *dev = et_test_countdown_new(clock, "test-countdown", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, sink_opaque, (int)i);
    }
    if (running) {
        et_device_write(dev, TCD_RELOAD, RUN_RELOAD, 4);
        et_device_write(dev, TCD_CTRL, TCD_CTRL_EN | TCD_CTRL_IRQEN, 4);
    }
    return dev;
}

/* *state holds the baseline counter value with this bit set once known. */
#define BASELINE_KNOWN (UINT64_C(1) << 63)

/* A down-counter only goes up by reloading, and a reload sets INTSTATUS in
 * the same step; nobody but this function clears INTSTATUS. So if VALUE is
 * above the baseline (a counter value read after the status was last seen
 * clear or cleared), the status read after it must be set. */
static bool cd_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint64_t value = et_device_read(dev, TCD_VALUE, 4);
    uint64_t status = et_device_read(dev, TCD_INTSTATUS, 4);
    bool known = (*state & BASELINE_KNOWN) != 0;
    uint64_t baseline = *state & ~BASELINE_KNOWN;

    if (known && value > baseline && !(status & 1)) {
        snprintf(msg, len,
                 "VALUE went up from %llu to %llu (a reload) but INTSTATUS reads 0 "
                 "(QEMU bug 1777777)",
                 (unsigned long long)baseline, (unsigned long long)value);
        return false;
    }
    if (status & 1) {
        et_device_write(dev, TCD_INTSTATUS, 1, 4);
        /* Reloads before the clear are forgiven: re-read the baseline. */
        value = et_device_read(dev, TCD_VALUE, 4);
    }
    *state = value | BASELINE_KNOWN;
    return true;
}

/* Reads of any register, and writes that change nothing observe() relies
 * on: INTSTATUS with bit 0 clear, CTRL with the value it already has. */
static void cd_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t regs[] = { TCD_CTRL, TCD_VALUE, TCD_RELOAD, TCD_INTSTATUS };
    switch (rnd % 6) {
    case 4:
        et_device_write(dev, TCD_INTSTATUS, 0, 4);
        break;
    case 5: {
        uint64_t ctrl = et_device_read(dev, TCD_CTRL, 4);
        et_device_write(dev, TCD_CTRL, ctrl, 4);
        break;
    }
    default:
        (void)et_device_read(dev, regs[rnd % 4], 4);
        break;
    }
}

static const uint32_t cd_offsets[] = { TCD_CTRL, TCD_VALUE, TCD_RELOAD, TCD_INTSTATUS };

static const et_test_adapter test_countdown_adapter = {
    .name = "test-countdown",
    .create = cd_create,
    .observe = cd_observe,
    .random_access = cd_random_access,
    .offsets = cd_offsets,
    .n_offsets = sizeof(cd_offsets) / sizeof(cd_offsets[0]),
    .sizes = ET_ACCESS_4,
};

ET_TEST_ADAPTER_REGISTER(test_countdown_adapter)
