/* What the SP804 boards share: QEMU's SP804 drives one interrupt, the
 * combined TIMINTC, and both counters run from a 1 MHz TIMCLK. */
#ifndef EMUTIME_MACHINES_SP804_BOARDS_H
#define EMUTIME_MACHINES_SP804_BOARDS_H

#include "emutime/devices/sp804.h"
#include "machines/machine_internal.h"

static const et_sp804_config sp804_config = { .timclk = { NULL, NULL } };

static const et_board_counter sp804_counters[] = {
    { .name = "value1", .offset = ET_SP804_TIMER1 + ET_SP804_VALUE, .size = 4 },
    { .name = "value2", .offset = ET_SP804_TIMER2 + ET_SP804_VALUE, .size = 4 },
};

#define SP804_CLOCKS { .name = "timclk", .hz = 1000000 }

#define SP804_WIRE(ctrl, n) { .output = ET_SP804_IRQ_TIMINTC, .controller = (ctrl), .input = (n) }

#define SP804_DEVICE(name_, base_, wires_)                                      \
    {                                                                          \
        .name = (name_), .type = "sp804", .base = (base_), .clock = "timclk",  \
        .config = &sp804_config, ET_ARRAY(wires, wires_),                      \
        ET_ARRAY(counters, sp804_counters),                                    \
    }

#endif
