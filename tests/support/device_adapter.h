/* How a device model joins the shared test suites (concurrency invariants,
 * snapshot properties, fuzzing). Each device adds one file
 * tests/support/adapter_<device>.c defining an et_test_adapter and
 * registering it from a constructor:
 *
 *     static const et_test_adapter adapter = { ... };
 *     ET_TEST_ADAPTER_REGISTER(adapter)
 *
 * tests/support/ is linked into every test as objects, so registration
 * happens before main().
 */
#ifndef EMUTIME_TEST_DEVICE_ADAPTER_H
#define EMUTIME_TEST_DEVICE_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emutime/emutime.h"

typedef struct et_test_adapter {
    const char *name;

    /* Creates the device on clock (manual or real-time). Its interrupt
     * outputs are all wired to sink, with the output index as n. For the
     * concurrency suite it must also program the device to run a fast
     * periodic timer (a period of at most ~10 us of virtual time) with its
     * interrupt enabled when `running` is true. NULL with err on failure. */
    et_device *(*create)(et_clock *clock, bool running, et_irq_sink_fn sink, void *sink_opaque,
                         char *err, size_t errlen);

    /* One guest observation in the device's own terms: for a down-counter,
     * read the counter then the interrupt status and compare with the
     * previous observation kept in *state (zero-initialised): a reload seen
     * without the status bit is a violation (QEMU bug 1777777). Only the
     * checker thread calls it, and it may clear the status itself. Returns
     * false and fills msg on a violation. */
    bool (*observe)(et_device *dev, uint64_t *state, char *msg, size_t len);

    /* One random access a concurrent vCPU thread may do without breaking
     * observe()'s reasoning (reads of any register, writes that neither
     * clear the status nor stop the timer). */
    void (*random_access)(et_device *dev, uint64_t rnd);

    /* Register offsets worth exercising with random programs (snapshot
     * property test, fuzzing), and the access sizes the device accepts. */
    const uint32_t *offsets;
    size_t n_offsets;
    unsigned sizes; /* ET_ACCESS_* */

    /* The device has no timer as fast as `running` asks for: its finest
     * timer is a second (an RTC's counter: one early interrupt, then one a
     * second), or its spec fixes the rate (the ACPI PM timer: an overflow
     * every 2.34 s; create arranges one expiry soon after creation), or
     * its only timer is a one-shot alarm that the checker re-arms after
     * seeing it fire (the Goldfish RTC): the vCPUs' catch-up on access can
     * then take every firing over for as long as they run. The real-time
     * suite does not require the runner of such a device to have fired. */
    bool slow_timer;
} et_test_adapter;

void et_test_adapter_register(const et_test_adapter *adapter);
size_t et_test_adapter_count(void);
const et_test_adapter *et_test_adapter_get(size_t i);

#define ET_TEST_ADAPTER_REGISTER(a)                                            \
    __attribute__((constructor)) static void register_##a(void)               \
    {                                                                          \
        et_test_adapter_register(&(a));                                        \
    }

#endif
