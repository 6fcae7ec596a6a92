/* QEMU's ARM RealView Emulation Baseboard (qemu-system-arm -machine
 * realview-eb; QEMU 7.2 hw/arm/realview.c): two SP804s at 0x10011000 and
 * 0x10012000 on inputs 4 and 5 of the board's GIC (GIC IDs 36 and 37), and
 * 128 MiB of RAM. QOM paths from `info qom-tree`: the GIC is
 * /machine/unattached/device[2], the SP804s device[11] and device[12]. */
#include "machines/sp804_boards.h"

static const et_board_wire timer01_wires[] = { SP804_WIRE("gic", 4) };
static const et_board_wire timer23_wires[] = { SP804_WIRE("gic", 5) };

static const et_board_device devices[] = {
    SP804_DEVICE("timer01", 0x10011000, timer01_wires),
    SP804_DEVICE("timer23", 0x10012000, timer23_wires),
};

static const et_board_clock clocks[] = { SP804_CLOCKS };

static const et_board_controller controllers[] = {
    { .name = "gic", .kind = ET_IC_GIC, .n_inputs = 64,
      .numbering = "realview_gic input N (GIC interrupt ID 32+N)" },
};

static const et_board_qom qom[] = {
    { .path = "/machine/unattached/device[2]", .controller = "gic" },
    { .path = "/machine/unattached/device[11]", .device = "timer01" },
    { .path = "/machine/unattached/device[12]", .device = "timer23" },
};

static const et_board_ram ram[] = {
    { .name = "ram", .base = 0x00000000, .size = 128u << 20 },
};

const et_board et__board_realview_eb = {
    .name = "realview-eb",
    .description = "ARM RealView EB (ARM926): two SP804s on the board GIC",
    .qemu_binary = "qemu-system-arm",
    .intercept = "irq_intercept_in /machine/unattached/device[2]",
    ET_ARRAY(clocks, clocks),
    ET_BOARD_TABLES,
    .notes = "Not modelled: the CPU, the GIC's registers (its distributor at 0x10041000 "
             "reads 0), the PCI controller (QEMU's configuration windows at 0x60000000 "
             "read all ones), the UARTs, the RTC, the other peripherals.",
};
