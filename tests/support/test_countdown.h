/* A test-only countdown timer built on the device base and one ptimer, so the
 * shared suites (concurrency, snapshot, fuzz) always have at least one device.
 *
 * Its registers borrow the CMSDK APB timer's layout and bit positions, with
 * simpler semantics that make the expected values easy to work out by hand:
 *
 *   0x00 CTRL       bit 0 EN (count), bit 3 IRQEN; other bits read as 0
 *   0x04 VALUE      the counter (read); a write sets the counter
 *   0x08 RELOAD     a write sets both the reload value and the counter
 *   0x0C INTSTATUS  bit 0: an expiry happened; write 1 to clear
 *
 * 4-byte aligned accesses only; the region is 0x10 bytes. The ptimer runs
 * with the LEGACY policy: started at t0 with RELOAD = L and a tick of P ns,
 * it expires at t0 + L*P, t0 + 2*L*P, ... and VALUE reads
 * floor((next expiry - now) / P), from L down to 0. Each expiry sets
 * INTSTATUS and reloads the counter in one step under the device lock. The
 * interrupt output (line 0, "irq") is INTSTATUS && IRQEN.
 */
#ifndef EMUTIME_TEST_COUNTDOWN_H
#define EMUTIME_TEST_COUNTDOWN_H

#include <stddef.h>
#include <stdint.h>

#include "emutime/emutime.h"

#define TCD_CTRL      0x00
#define TCD_VALUE     0x04
#define TCD_RELOAD    0x08
#define TCD_INTSTATUS 0x0C
#define TCD_REGION    0x10

#define TCD_CTRL_EN    (1u << 0)
#define TCD_CTRL_IRQEN (1u << 3)

typedef struct et_test_countdown_config {
    int64_t tick_ns; /* ns per count; must be > 0 */
} et_test_countdown_config;

/* NULL with a message in err (nothing allocated) for a bad configuration. */
et_device *et_test_countdown_new(et_clock *clock, const char *name,
                                 const et_test_countdown_config *cfg, char *err,
                                 size_t errlen);

/* How many expiries the device has processed. Takes the device lock but does
 * no catch-up: it shows what the timer thread (or a catch-up) already did. */
uint64_t et_test_countdown_expiries(et_device *dev);

#endif
