/* The 8254 PIT joins the shared suites (device_adapter.h). */
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/i8254.h"

#define RUN_COUNT 10 /* mode 2: an OUT0 pulse every 10 clocks, 8.4 us */

static et_device *pit_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                             void *sink_opaque, char *err, size_t errlen)
{
    et_device *dev = et_i8254_new(clock, "i8254", err, errlen);
    if (!dev) {
        return NULL;
    }
    et_irq_line *out0 = et_device_irq(dev, ET_I8254_IRQ_OUT0);
    et_irq_connect(out0, sink, sink_opaque, ET_I8254_IRQ_OUT0);
    if (et_irq_level(out0)) {
        /* OUT0 is high from reset (mode 3): tell the sink, as a board does
         * for lines already high at creation. */
        sink(sink_opaque, ET_I8254_IRQ_OUT0, 1);
    }
    if (running) {
        et_device_write(dev, ET_I8254_CONTROL, 0x34, 1); /* counter 0, LSB+MSB, mode 2 */
        et_device_write(dev, ET_I8254_COUNTER0, RUN_COUNT, 1);
        et_device_write(dev, ET_I8254_COUNTER0, 0, 1);
    }
    return dev;
}

/* Mode 2 counts N, N-1, ..., 1 and reloads: a latched count of counter 0
 * is always in 1..N, and its read-back status says mode 2, LSB+MSB. Only
 * this function touches counter 0 (a read elsewhere would take its bytes). */
static bool pit_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    (void)state;
    et_device_write(dev, ET_I8254_CONTROL, 0xc2, 1); /* read-back: count and status, counter 0 */
    unsigned status = (unsigned)et_device_read(dev, ET_I8254_COUNTER0, 1);
    unsigned lo = (unsigned)et_device_read(dev, ET_I8254_COUNTER0, 1);
    unsigned hi = (unsigned)et_device_read(dev, ET_I8254_COUNTER0, 1);
    unsigned count = lo | hi << 8;
    if ((status & 0x3f) == 0x34 && (count < 1 || count > RUN_COUNT)) {
        snprintf(msg, len, "mode 2 count %u outside 1..%u (status 0x%02x)", count, RUN_COUNT,
                 status);
        return false;
    }
    return true;
}

/* Counters 1 and 2 (read-backs, latches, reads) and port B. */
static void pit_random_access(et_device *dev, uint64_t rnd)
{
    switch (rnd % 4) {
    case 0:
        et_device_write(dev, ET_I8254_CONTROL, 0xcc, 1); /* read-back, counters 1 and 2 */
        break;
    case 1:
        (void)et_device_read(dev, ET_I8254_COUNTER1 + ((rnd >> 2) & 1), 1);
        break;
    case 2:
        (void)et_device_read(dev, ET_I8254_PORT_B, 1);
        break;
    default:
        et_device_write(dev, ET_I8254_PORT_B, (rnd >> 2) & 3, 1);
        break;
    }
}

static const uint32_t pit_offsets[] = {
    ET_I8254_COUNTER0, ET_I8254_COUNTER1, ET_I8254_COUNTER2, ET_I8254_CONTROL,
    ET_I8254_PORT_B,   0x04,
};

static const et_test_adapter i8254_adapter = {
    .name = "i8254",
    .create = pit_create,
    .observe = pit_observe,
    .random_access = pit_random_access,
    .offsets = pit_offsets,
    .n_offsets = sizeof(pit_offsets) / sizeof(pit_offsets[0]),
    .sizes = ET_ACCESS_1,
};

ET_TEST_ADAPTER_REGISTER(i8254_adapter)
