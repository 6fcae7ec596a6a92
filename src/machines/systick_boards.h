/* What the ARMv7-M boards share about SysTick (ARM DDI 0403 B3.3): its
 * registers at 0xe000e010 inside the SCS, counting the board's sysclk
 * (CLKSOURCE = 1), its exception pended through the NVIC view's named input
 * "systick-trigger", and the current value sampled for waveforms. Each board
 * gives its own config (the reference clock differs). */
#ifndef EMUTIME_MACHINES_SYSTICK_BOARDS_H
#define EMUTIME_MACHINES_SYSTICK_BOARDS_H

#include "emutime/devices/armv7m_systick.h"
#include "machines/machine_internal.h"

static const et_board_wire systick_wires[] = {
    { .output = ET_SYSTICK_IRQ_SYSTICK, .controller = "nvic", .input_name = "systick-trigger" },
};

static const et_board_counter systick_counters[] = {
    { .name = "current", .offset = ET_SYSTICK_CVR, .size = 4 },
};

#define SYSTICK_DEVICE(config_)                                                \
    {                                                                          \
        .name = "systick", .type = "armv7m-systick", .base = 0xe000e010,       \
        .clock = "sysclk", .config = (config_),                                \
        ET_ARRAY(wires, systick_wires), ET_ARRAY(counters, systick_counters),  \
    }

#endif
