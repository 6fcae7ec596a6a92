/* QEMU's RISC-V "virt" board (qemu-system-riscv64 -machine virt), as far as
 * its timers go: the ACLINT MSWI at 0x02000000 and MTIMER at 0x02004000
 * (mtimecmp[0] at +0x0, mtime at +0x7ff8, 10 MHz timebase) of hart 0, wired
 * to the hart's mip inputs (3 MSIP, 7 MTIP), and 128 MiB of RAM at
 * 0x80000000 (empty: no firmware is loaded, as with -bios none). QEMU
 * 7.2 hw/riscv/virt.c; QOM paths from `info qom-tree`. */
#include "emutime/devices/riscv_aclint.h"
#include "machines/machine_internal.h"

#define MIP_MSIP 3
#define MIP_MTIP 7

static const et_riscv_aclint_swi_config mswi_config = {
    .hartid_base = 0,
    .num_harts = 1,
    .sswi = false,
};

static const et_riscv_aclint_mtimer_config mtimer_config = {
    .hartid_base = 0,
    .num_harts = 1,
    .timecmp_base = ET_RISCV_ACLINT_DEFAULT_MTIMECMP,
    .time_base = ET_RISCV_ACLINT_DEFAULT_MTIME,
    .aperture_size = ET_RISCV_ACLINT_DEFAULT_MTIMER_SIZE,
    .timebase_freq = ET_RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ,
};

static const et_board_wire mswi_wires[] = {
    { .output = 0, .controller = "hart0", .input = MIP_MSIP },
};

static const et_board_wire mtimer_wires[] = {
    { .output = 0, .controller = "hart0", .input = MIP_MTIP },
};

static const et_board_counter mtimer_counters[] = {
    { .name = "mtime", .offset = ET_RISCV_ACLINT_DEFAULT_MTIME, .size = 8 },
    { .name = "mtimecmp0", .offset = ET_RISCV_ACLINT_DEFAULT_MTIMECMP, .size = 8 },
};

static const et_board_device devices[] = {
    {
        .name = "mswi",
        .type = "riscv.aclint.swi",
        .base = 0x02000000,
        .config = &mswi_config,
        .wires = mswi_wires,
        .n_wires = ET_N(mswi_wires),
    },
    {
        .name = "mtimer",
        .type = "riscv.aclint.mtimer",
        .base = 0x02004000,
        .clock_hz = ET_RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ,
        .config = &mtimer_config,
        .wires = mtimer_wires,
        .n_wires = ET_N(mtimer_wires),
        .counters = mtimer_counters,
        .n_counters = ET_N(mtimer_counters),
    },
};

static const et_board_controller controllers[] = {
    {
        .name = "hart0",
        .kind = ET_IC_HART,
        .n_inputs = 12, /* mip bits 0..11; QEMU aborts on others */
        .numbering = "mip bit N of hart 0: 3 MSIP, 7 MTIP, 11 MEIP",
    },
};

static const et_board_qom qom[] = {
    { .path = "/machine/soc0/harts[0]", .controller = "hart0" },
    { .path = "/machine/soc0" },
    { .path = "/machine/unattached/device[0]", .device = "mswi", .outputs = 1 },
    { .path = "/machine/unattached/device[1]", .device = "mtimer", .outputs = 1 },
};

static const et_board_ram ram[] = {
    { .name = "ram", .base = 0x80000000, .size = 128u << 20 },
};

const et_board et__board_virt = {
    .name = "virt",
    .description = "RISC-V virt board, hart 0 with the ACLINT MSWI and MTIMER",
    .qemu_binary = "qemu-system-riscv64",
    .intercept = "irq_intercept_in /machine/soc0/harts[0]",
    .controllers = controllers,
    .n_controllers = ET_N(controllers),
    .devices = devices,
    .n_devices = ET_N(devices),
    .qom = qom,
    .n_qom = ET_N(qom),
    .ram = ram,
    .n_ram = ET_N(ram),
    .notes = "Not modelled: the PLIC (mip.MEIP), virtio, the UART, the RTC, the flash, "
             "firmware in RAM (QEMU loads OpenSBI at 0x80000000 unless -bios none).",
};
