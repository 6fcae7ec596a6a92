/* QEMU's ARM Versatile Express with the Cortex-A9 CoreTile
 * (qemu-system-arm -machine vexpress-a9; QEMU 7.2 hw/arm/vexpress.c, legacy
 * memory map): the motherboard SP804s at 0x10011000 and 0x10012000 on
 * inputs 2 and 3 of the A9MPCore's GIC (IDs 34 and 35), the CoreTile SP804
 * at 0x100e4000 on input 48 (ID 80), and the default 128 MiB of RAM at
 * 0x60000000 plus the SRAM and VRAM. QOM paths from `info qom-tree`: the
 * a9mpcore_priv is /machine/unattached/device[1], the SP804s device[14],
 * device[15] and device[3]. */
#include "machines/sp804_boards.h"

static const et_board_wire timer01_wires[] = { SP804_WIRE("gic", 2) };
static const et_board_wire timer23_wires[] = { SP804_WIRE("gic", 3) };
static const et_board_wire dbtimer_wires[] = { SP804_WIRE("gic", 48) };

static const et_board_device devices[] = {
    SP804_DEVICE("timer01", 0x10011000, timer01_wires),
    SP804_DEVICE("timer23", 0x10012000, timer23_wires),
    SP804_DEVICE("dbtimer", 0x100e4000, dbtimer_wires),
};

static const et_board_clock clocks[] = { SP804_CLOCKS };

static const et_board_controller controllers[] = {
    { .name = "gic", .kind = ET_IC_GIC, .n_inputs = 64,
      .numbering = "a9mpcore_priv input N (GIC interrupt ID 32+N)" },
};

static const et_board_qom qom[] = {
    { .path = "/machine/unattached/device[1]", .controller = "gic" },
    { .path = "/machine/unattached/device[14]", .device = "timer01" },
    { .path = "/machine/unattached/device[15]", .device = "timer23" },
    { .path = "/machine/unattached/device[3]", .device = "dbtimer" },
};

static const et_board_ram ram[] = {
    { .name = "sram", .base = 0x48000000, .size = 32u << 20 },
    { .name = "vram", .base = 0x4c000000, .size = 8u << 20 },
    { .name = "ram", .base = 0x60000000, .size = 128u << 20 },
};

const et_board et__board_vexpress_a9 = {
    .name = "vexpress-a9",
    .description = "ARM Versatile Express A9: three SP804s on the A9MPCore GIC",
    .qemu_binary = "qemu-system-arm",
    .intercept = "irq_intercept_in /machine/unattached/device[1]",
    .clocks = clocks,
    .n_clocks = ET_N(clocks),
    .controllers = controllers,
    .n_controllers = ET_N(controllers),
    .devices = devices,
    .n_devices = ET_N(devices),
    .qom = qom,
    .n_qom = ET_N(qom),
    .ram = ram,
    .n_ram = ET_N(ram),
    .notes = "Not modelled: the CPU, the A9MPCore private timers and GIC registers "
             "(0x1e000000-0x1e001fff read 0), the UARTs, the RTC, the other peripherals, "
             "the flash.",
};
