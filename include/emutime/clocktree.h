/* emutime: clock-tree inputs (frequency sources for devices).
 *
 * Like QEMU's Clock: a node has a period in units of 2^-32 ns (so 32.32
 * fixed-point ns; 0 means "stopped / unknown"), and either a fixed period of
 * its own or a parent whose period it scales by multiplier / divider. Devices
 * register a change notification and follow frequency changes at run time.
 *
 * Thread safety: a clock-tree node is guarded by its tree's embedder, like the
 * board wiring: change it from one thread at a time. Reading a period is a
 * relaxed atomic load and may be done from anywhere. Change notifications are
 * called on the thread that changed the period, with no library lock held;
 * a device's notify function takes its own device lock.
 */
#ifndef EMUTIME_CLOCKTREE_H
#define EMUTIME_CLOCKTREE_H

#include <stdint.h>
#include "emutime/export.h"

ET_BEGIN_DECLS

typedef struct et_clock_input et_clock_input;

/* One period unit is 2^-32 ns. */
#define ET_CLOCK_PERIOD_1NS ((uint64_t)1 << 32)

/* Converts a frequency in Hz to a period in 2^-32 ns units, rounding down as
 * QEMU's clock_set_hz does (0 Hz gives period 0). */
uint64_t et_clock_period_from_hz(uint64_t hz);

/* The frequency for a period, rounded down; 0 for period 0. */
uint64_t et_clock_hz_from_period(uint64_t period);

et_clock_input *et_clock_input_new(const char *name);
void et_clock_input_free(et_clock_input *clk);
const char *et_clock_input_name(const et_clock_input *clk);

/* Sets the node's own period (and detaches it from any parent). Propagates to
 * children and notifies every input whose period changed. */
void et_clock_input_set_period(et_clock_input *clk, uint64_t period);
void et_clock_input_set_hz(et_clock_input *clk, uint64_t hz);

/* Makes clk follow parent: period = parent period * multiplier / divider
 * (both >= 1), as QEMU's clock_set_mul_div: multiplier and divider scale the
 * *period*, so a frequency divided by 16 is multiplier 16, divider 1.
 * Propagates as set_period does. */
void et_clock_input_set_source(et_clock_input *clk, et_clock_input *parent,
                               uint32_t multiplier, uint32_t divider);

/* Changes multiplier/divider of a node that follows a parent. */
void et_clock_input_set_mul_div(et_clock_input *clk, uint32_t multiplier,
                                uint32_t divider);

uint64_t et_clock_input_period(const et_clock_input *clk);
uint64_t et_clock_input_hz(const et_clock_input *clk);

/* Change notification. Returns a handle for removal (> 0); aborts when out
 * of memory, like every allocation in the library. */
typedef void (*et_clock_input_notify_fn)(void *opaque, et_clock_input *clk);
unsigned et_clock_input_add_notify(et_clock_input *clk, et_clock_input_notify_fn cb, void *opaque);
void et_clock_input_remove_notify(et_clock_input *clk, unsigned handle);

ET_END_DECLS

#endif
