/* What the boards with an ARM MPCore share: the private timers count
 * PERIPHCLK, which QEMU's models fix at 100 MHz (10 ns per tick). */
#ifndef EMUTIME_MACHINES_MPCORE_BOARDS_H
#define EMUTIME_MACHINES_MPCORE_BOARDS_H

#include "emutime/devices/arm_mptimer.h"
#include "machines/machine_internal.h"

#define MPCORE_PERIPHCLK { .name = "periphclk", .hz = 100000000 }

static const et_board_counter mptimer_counters[] = {
    { .name = "timer", .offset = ET_ARM_MPTIMER_TIMER + ET_ARM_MPTIMER_COUNTER, .size = 4 },
    { .name = "wdog", .offset = ET_ARM_MPTIMER_WDOG + ET_ARM_MPTIMER_COUNTER, .size = 4 },
};

/* The private timer and watchdog on a GIC's inputs for PPIs 29 and 30,
 * WDRESETREQ to a machine reset. */
#define MPTIMER_WIRES(ppi_base)                                                \
    { .output = 0, .controller = "gic", .input = (ppi_base) + 29 },            \
    { .output = 1, .controller = "gic", .input = (ppi_base) + 30 },            \
    { .output = 2, .controller = ET_BOARD_RESET }

#define MPTIMER_DEVICE(base_, config_, wires_)                                 \
    {                                                                          \
        .name = "mptimer", .type = "arm-mptimer", .base = (base_),             \
        .clock = "periphclk", .config = (config_), ET_ARRAY(wires, wires_),    \
        ET_ARRAY(counters, mptimer_counters),                                  \
    }

#endif
