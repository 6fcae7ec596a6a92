/* QEMU's ARM RealView Emulation Baseboard with the ARM11 MPCore tile
 * (qemu-system-arm -machine realview-eb-mpcore; QEMU 7.2 hw/arm/realview.c,
 * hw/cpu/realview_mpcore.c, hw/cpu/arm11mpcore.c; one CPU). The board's
 * interrupts reach the GIC of the arm11mpcore_priv at PERIPHBASE 0x10100000
 * (/machine/unattached/device[2]/a11priv/gic, 64 inputs: 0-31 the SPIs,
 * then 32 + ID for CPU 0's PPIs). Inputs, QOM paths and the memory map as
 * QEMU 7.2 reports them (`info qom-tree`, `info mtree`, and qtest
 * intercepts of each device): the SP804s at 0x10011000 and 0x10012000 on
 * inputs 1 and 2, the PL031 at 0x10017000 on input 6, the private timer and
 * watchdog at 0x10100600 with the 11MPCore's per-CPU views (CPU 0's at
 * 0x10100700) on inputs 61 and 62 (PPIs 29, 30), 128 MiB of RAM at 0. */
#include "machines/mpcore_boards.h"
#include "machines/rtc_options.h"
#include "machines/sp804_boards.h"

#define A11_GIC_PPI(id) (32 + (id))

static const et_board_wire timer01_wires[] = { SP804_WIRE("gic", 1) };
static const et_board_wire timer23_wires[] = { SP804_WIRE("gic", 2) };
static const et_board_wire rtc_wires[] = { { .output = 0, .controller = "gic", .input = 6 } };

static const et_arm_mptimer_config mptimer_config = { .cpu_count = 1, .cpu_views = true };

static const et_board_wire mptimer_wires[] = { MPTIMER_WIRES(A11_GIC_PPI(0)) };

static const et_board_device devices[] = {
    SP804_DEVICE("timer01", 0x10011000, timer01_wires),
    SP804_DEVICE("timer23", 0x10012000, timer23_wires),
    MPTIMER_DEVICE(0x10100600, &mptimer_config, mptimer_wires),
    { .name = "rtc", .type = "pl031", .base = 0x10017000, .clock_hz = 1,
      ET_ARRAY(wires, rtc_wires) },
};

static const et_board_clock clocks[] = { SP804_CLOCKS, MPCORE_PERIPHCLK };

static const et_board_controller controllers[] = {
    { .name = "gic", .kind = ET_IC_GIC, .n_inputs = 64,
      .numbering = "GIC input N: N < 32 SPI ID 32+N, N >= 32 CPU 0's PPI ID N-32" },
};

static const et_board_qom qom[] = {
    { .path = "/machine/unattached/device[2]/a11priv/gic", .controller = "gic" },
    { .path = "/machine/unattached/device[2]/a11priv/mptimer", .device = "mptimer" },
    { .path = "/machine/unattached/device[2]/a11priv/wdtimer", .device = "mptimer" },
    { .path = "/machine/unattached/device[12]", .device = "timer01" },
    { .path = "/machine/unattached/device[13]", .device = "timer23" },
    { .path = "/machine/unattached/device[21]", .device = "rtc" },
};

static const et_board_ram ram[] = {
    { .name = "ram", .base = 0x00000000, .size = 128u << 20 },
};

/* The PL031's time base. */
static const et_board_option options[] = { RTC_BOARD_OPTIONS };

const et_board et__board_realview_eb_mpcore = {
    .name = "realview-eb-mpcore",
    .description = "ARM RealView EB with the ARM11 MPCore: two SP804s, the PL031 RTC and "
                   "the MPCore private timer and watchdog on the MPCore GIC",
    .qemu_binary = "qemu-system-arm",
    .intercept = "irq_intercept_in /machine/unattached/device[2]/a11priv/gic",
    ET_ARRAY(clocks, clocks),
    ET_BOARD_TABLES,
    ET_ARRAY(options, options),
    .notes = "Not modelled: the CPU, realview_mpcore's own inputs (its board interrupt "
             "routing: intercept the a11priv GIC), the SCU and GIC registers, the "
             "board's other GICs, the PCI controller, the UARTs, the other peripherals.",
};
