/* QEMU's ARM Versatile PB (qemu-system-arm -machine versatilepb; QEMU 7.2
 * hw/arm/versatilepb.c): two SP804s at 0x101e2000 (timers 0 and 1) and
 * 0x101e3000 (timers 2 and 3) on PL190 VIC inputs 4 and 5, whose status
 * registers are seen through the VIC view at 0x10140000, and 128 MiB of RAM.
 * QOM paths from `info qom-tree`: the VIC is /machine/unattached/device[2],
 * the SP804s device[13] and device[14]. The PL031 RTC at 0x101e8000 on VIC
 * input 10 (device[22]), its time base from the rtc-base / rtc-clock
 * options. */
#include "machines/rtc_options.h"
#include "machines/sp804_boards.h"

static const et_board_wire timer01_wires[] = { SP804_WIRE("vic", 4) };
static const et_board_wire timer23_wires[] = { SP804_WIRE("vic", 5) };

static const et_board_wire rtc_wires[] = { { .output = 0, .controller = "vic", .input = 10 } };

static const et_board_device devices[] = {
    SP804_DEVICE("timer01", 0x101e2000, timer01_wires),
    SP804_DEVICE("timer23", 0x101e3000, timer23_wires),
    { .name = "rtc", .type = "pl031", .base = 0x101e8000, .clock_hz = 1,
      ET_ARRAY(wires, rtc_wires) },
};

/* The PL031's time base. */
static const et_board_option options[] = { RTC_BOARD_OPTIONS };


static const et_board_clock clocks[] = { SP804_CLOCKS };

static const et_board_controller controllers[] = {
    { .name = "vic", .kind = ET_IC_VIC, .n_inputs = 32, .base = 0x10140000,
      .numbering = "PL190 VIC input N (VICRAWINTR bit N)" },
};

static const et_board_qom qom[] = {
    { .path = "/machine/unattached/device[2]", .controller = "vic" },
    { .path = "/machine/unattached/device[13]", .device = "timer01" },
    { .path = "/machine/unattached/device[14]", .device = "timer23" },
    { .path = "/machine/unattached/device[22]", .device = "rtc" },
};

static const et_board_ram ram[] = {
    { .name = "ram", .base = 0x00000000, .size = 128u << 20 },
};

const et_board et__board_versatilepb = {
    .name = "versatilepb",
    .description = "ARM Versatile PB (ARM926): two SP804s and the PL031 RTC on the PL190 VIC",
    .qemu_binary = "qemu-system-arm",
    .intercept = "irq_intercept_in /machine/unattached/device[2]",
    ET_ARRAY(clocks, clocks),
    ET_BOARD_TABLES,
    ET_ARRAY(options, options),
    .notes = "Not modelled: the CPU, the VIC's vectoring (VICVECTADDR and friends) and "
             "outputs, the secondary interrupt controller (VIC 31), the UARTs, "
             "the other peripherals, the flash.",
};
