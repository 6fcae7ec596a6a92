/* QEMU's ARM Versatile Express with the Cortex-A9 CoreTile
 * (qemu-system-arm -machine vexpress-a9; QEMU 7.2 hw/arm/vexpress.c, legacy
 * memory map): the motherboard SP804s at 0x10011000 and 0x10012000 on
 * inputs 2 and 3 of the A9MPCore's GIC (IDs 34 and 35), the CoreTile SP804
 * at 0x100e4000 on input 48 (ID 80), and the default 128 MiB of RAM at
 * 0x60000000 plus the SRAM and VRAM. QOM paths from `info qom-tree`: the
 * a9mpcore_priv is /machine/unattached/device[1], the SP804s device[14],
 * device[15] and device[3].
 *
 * The A9MPCore's private peripherals at PERIPHBASE 0x1e000000 (QEMU
 * hw/cpu/a9mpcore.c, one CPU): the global timer at 0x1e000200 on CPU 0's
 * PPI 27, the private timer and watchdog at 0x1e000600 on PPIs 29 and 30.
 * The GIC inside a9mpcore_priv (/machine/unattached/device[1]/gic) numbers
 * its inputs as QEMU's arm_gic: 0-63 the SPIs (IDs 32-95, which
 * a9mpcore_priv's own 64 inputs pass through), then 64 + ID for CPU 0's
 * PPIs: 91 the global timer, 93 the private timer, 94 the watchdog. The
 * watchdog's reset request resets the machine (QEMU 7.2 models no
 * watchdog mode). The PL031 RTC at 0x10017000 on input 4 (ID 36),
 * /machine/unattached/device[19], its time base from the rtc-base /
 * rtc-clock options. */
#include "emutime/devices/arm_gtimer.h"
#include "machines/mpcore_boards.h"
#include "machines/rtc_options.h"
#include "machines/sp804_boards.h"

/* a9mpcore_priv: num-irq 96, so 64 SPIs and CPU n's PPIs from 64 + 32n. */
#define A9_GIC_PPI(id) (64 + (id))

static const et_arm_mptimer_config mptimer_config = { .cpu_count = 1 };

static const et_board_wire mptimer_wires[] = { MPTIMER_WIRES(A9_GIC_PPI(0)) };

static const et_arm_gtimer_config gtimer_config = { .cpu_count = 1 };

static const et_board_wire gtimer_wires[] = {
    { .output = 0, .controller = "gic", .input = A9_GIC_PPI(27) },
};

static const et_board_counter gtimer_counters[] = {
    { .name = "counter", .offset = ET_ARM_GTIMER_COUNTER_LO, .size = 4 },
};

static const et_board_wire timer01_wires[] = { SP804_WIRE("gic", 2) };
static const et_board_wire timer23_wires[] = { SP804_WIRE("gic", 3) };
static const et_board_wire dbtimer_wires[] = { SP804_WIRE("gic", 48) };
static const et_board_wire rtc_wires[] = { { .output = 0, .controller = "gic", .input = 4 } };

static const et_board_device devices[] = {
    SP804_DEVICE("timer01", 0x10011000, timer01_wires),
    SP804_DEVICE("timer23", 0x10012000, timer23_wires),
    SP804_DEVICE("dbtimer", 0x100e4000, dbtimer_wires),
    MPTIMER_DEVICE(0x1e000600, &mptimer_config, mptimer_wires),
    { .name = "gtimer", .type = "arm-gtimer", .base = 0x1e000200, .clock = "periphclk",
      .config = &gtimer_config, ET_ARRAY(wires, gtimer_wires),
      ET_ARRAY(counters, gtimer_counters) },
    { .name = "rtc", .type = "pl031", .base = 0x10017000, .clock_hz = 1,
      ET_ARRAY(wires, rtc_wires) },
};

/* The PL031's time base. */
static const et_board_option options[] = { RTC_BOARD_OPTIONS };

static const et_board_clock clocks[] = { SP804_CLOCKS, MPCORE_PERIPHCLK };

static const et_board_controller controllers[] = {
    { .name = "gic", .kind = ET_IC_GIC, .n_inputs = 96,
      .numbering = "GIC input N: N < 64 SPI ID 32+N (a9mpcore_priv input N), "
                   "N >= 64 CPU 0's PPI ID N-64" },
};

static const et_board_qom qom[] = {
    { .path = "/machine/unattached/device[1]", .controller = "gic", .inputs = 64 },
    { .path = "/machine/unattached/device[1]/gic", .controller = "gic" },
    { .path = "/machine/unattached/device[1]/mptimer", .device = "mptimer" },
    { .path = "/machine/unattached/device[1]/wdt", .device = "mptimer" }, /* its watchdog half */
    { .path = "/machine/unattached/device[1]/gtimer", .device = "gtimer" },
    { .path = "/machine/unattached/device[19]", .device = "rtc" },
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
    .description = "ARM Versatile Express A9: three SP804s, the A9MPCore private timer, "
                   "watchdog, global timer and the PL031 RTC on the A9MPCore GIC",
    .qemu_binary = "qemu-system-arm",
    .intercept = "irq_intercept_in /machine/unattached/device[1]",
    ET_ARRAY(clocks, clocks),
    ET_BOARD_TABLES,
    ET_ARRAY(options, options),
    .notes = "Not modelled: the CPU, the A9MPCore's SCU and GIC registers (the rest of "
             "0x1e000000-0x1e001fff reads 0), the UARTs, the other peripherals, "
             "the flash.",
};
