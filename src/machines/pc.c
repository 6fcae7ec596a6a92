/* QEMU's i440FX PC (qemu-system-x86_64 -machine pc; QEMU 7.2
 * hw/i386/pc_piix.c, pc.c): the HPET at 0xfed00000 (3 timers, 100 MHz,
 * Tn_INT_ROUTE_CAP 0x4: IOAPIC pin 2 only) wired to the IOAPIC inputs,
 * and the default 128 MiB of RAM below the PCI hole. QOM paths from `info
 * qom-tree`: the IOAPIC is /machine/i440fx/ioapic, the HPET
 * /machine/unattached/device[8]. */
#include "machines/pc_hpet.h"

static const et_hpet_config hpet_config = {
    .num_timers = 3,
    .period_fs = ET_HPET_DEFAULT_PERIOD_FS,
    .int_route_cap = ET_HPET_ROUTE_CAP_PC,
};

static const et_board_wire hpet_wires[] = { PC_HPET_WIRES };

static const et_board_counter hpet_counters[] = {
    { .name = "main_counter", .offset = ET_HPET_MAIN_COUNTER, .size = 8 },
};

static const et_board_device devices[] = {
    {
        .name = "hpet",
        .type = "hpet",
        .base = PC_HPET_BASE,
        .clock_hz = PC_HPET_HZ,
        .config = &hpet_config,
        .wires = hpet_wires,
        .n_wires = ET_N(hpet_wires),
        .counters = hpet_counters,
        .n_counters = ET_N(hpet_counters),
        .option = "hpet",
    },
};

static const et_board_controller controllers[] = {
    { .name = "ioapic", .kind = ET_IC_IOAPIC, .n_inputs = PC_IOAPIC_INPUTS,
      .numbering = PC_IOAPIC_NUMBERING },
};

static const et_board_qom qom[] = {
    { .path = "/machine/i440fx/ioapic", .controller = "ioapic" },
    { .path = "/machine/unattached/device[8]", .device = "hpet" },
};

static const et_board_ram ram[] = {
    { .name = "low", .base = 0x00000000, .size = 0x000c0000 },
    { .name = "high", .base = 0x00100000, .size = 0x07f00000 },
};

static const et_board_option options[] = { PC_OPTIONS };

const et_board et__board_pc = {
    .name = "pc",
    .description = "i440FX PC: HPET on the IOAPIC",
    .qemu_binary = "qemu-system-x86_64",
    .intercept = "irq_intercept_in ioapic",
    .controllers = controllers,
    .n_controllers = ET_N(controllers),
    .devices = devices,
    .n_devices = ET_N(devices),
    .qom = qom,
    .n_qom = ET_N(qom),
    .ram = ram,
    .n_ram = ET_N(ram),
    .options = options,
    .n_options = ET_N(options),
    .notes = PC_NOTES,
};
