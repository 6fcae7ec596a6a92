/* The IB700 watchdog joins the shared suites (device_adapter.h). */
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/ib700.h"

/* Running mode: enabled with the 0 s timeout (value 15): it times out at
 * once, pulses its line and stops. A one-shot watchdog has no periodic
 * mode; each observation re-enables it the same way, so it keeps firing. */
static et_device *ib700_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                               void *sink_opaque, char *err, size_t errlen)
{
    et_device *dev = et_ib700_new(clock, "ib700", err, errlen);
    if (!dev) {
        return NULL;
    }
    et_irq_connect(et_device_irq(dev, ET_IB700_IRQ_TIMEOUT), sink, sink_opaque,
                   ET_IB700_IRQ_TIMEOUT);
    if (running) {
        et_device_write(dev, ET_IB700_ENABLE, 15, 1);
    }
    return dev;
}

/* The ports are write-only: every read is 0xff; the timeout line is a
 * pulse, so it is always seen low. */
static bool ib700_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    (void)state;
    uint64_t v = et_device_read(dev, ET_IB700_DISABLE, 1);
    int level = et_irq_level(et_device_irq(dev, ET_IB700_IRQ_TIMEOUT));
    if (v != 0xff || level != 0) {
        snprintf(msg, len, "read 0x%llx (want 0xff), timeout line %d (want 0)",
                 (unsigned long long)v, level);
        return false;
    }
    et_device_write(dev, ET_IB700_ENABLE, 15, 1);
    return true;
}

/* Reads of any port and 30 s pings (neither stops the watchdog). */
static void ib700_random_access(et_device *dev, uint64_t rnd)
{
    if (rnd & 1) {
        (void)et_device_read(dev, (rnd >> 1) % ET_IB700_REGION, 1);
    } else {
        et_device_write(dev, ET_IB700_ENABLE + ((rnd >> 1) & 1), 0, 1);
    }
}

static const uint32_t ib700_offsets[] = { 0, 1, 2, 3 };

static const et_test_adapter ib700_adapter = {
    .name = "ib700",
    .create = ib700_create,
    .observe = ib700_observe,
    .random_access = ib700_random_access,
    .offsets = ib700_offsets,
    .n_offsets = sizeof(ib700_offsets) / sizeof(ib700_offsets[0]),
    .sizes = ET_ACCESS_1,
};

ET_TEST_ADAPTER_REGISTER(ib700_adapter)
