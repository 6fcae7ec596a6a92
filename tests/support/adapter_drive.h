/* A device test's check that its shared-suite adapter works: drive it on a
 * manual clock and require that the guest invariant never fails. */
#ifndef EMUTIME_TEST_ADAPTER_DRIVE_H
#define EMUTIME_TEST_ADAPTER_DRIVE_H

#include <stdint.h>

#include "device_adapter.h"

/* The registered adapter called name, or NULL. */
const et_test_adapter *et_test_adapter_find(const char *name);

/* Creates the adapter's running device on a manual clock and does `rounds`
 * rounds of: a pseudo-random step of 0 to 96 ns, one random access, one
 * observation, which must report no violation (a cmocka assertion). check,
 * if not NULL, runs on the device before it is freed. Returns how many
 * interrupt-sink calls the device made, so the caller can require that its
 * status really rose and fell on the way. */
unsigned long et_test_adapter_drive(const char *name, uint64_t seed, int rounds,
                                    void (*check)(et_device *dev));

#endif
