/* QEMU's two PC boards (qemu-system-x86_64; QEMU 7.2 hw/i386/pc.c,
 * pc_piix.c, pc_q35.c), reduced to their timer: the HPET at 0xfed00000
 * (3 timers, 100 MHz) whose output line i drives IOAPIC input i (QEMU's
 * GSI i), and the default 128 MiB of RAM. They differ only in the HPET's
 * Tn_INT_ROUTE_CAP (pc: 0x4, IOAPIC pin 2 only; q35: 0x00ff0104, pins 2, 8
 * and 16-23) and in their QOM paths (from `info qom-tree`). */
#include "emutime/devices/acpi_pm_timer.h"
#include "emutime/devices/hpet.h"
#include "emutime/devices/i8254.h"
#include "emutime/devices/ib700.h"
#include "emutime/devices/mc146818_rtc.h"
#include "emutime/wallclock.h"
#include "machines/machine_internal.h"

#define PC_IOAPIC_INPUTS 24
#define PC_HPET_BASE 0xfed00000u
#define PC_HPET_HZ 100000000u

#define PC_HPET_WIRE(i) { .output = (i), .controller = "ioapic", .input = (i) }

#define PC_HPET_WIRES                                                          \
    PC_HPET_WIRE(0), PC_HPET_WIRE(1), PC_HPET_WIRE(2), PC_HPET_WIRE(3),        \
    PC_HPET_WIRE(4), PC_HPET_WIRE(5), PC_HPET_WIRE(6), PC_HPET_WIRE(7),        \
    PC_HPET_WIRE(8), PC_HPET_WIRE(9), PC_HPET_WIRE(10), PC_HPET_WIRE(11),      \
    PC_HPET_WIRE(12), PC_HPET_WIRE(13), PC_HPET_WIRE(14), PC_HPET_WIRE(15),    \
    PC_HPET_WIRE(16), PC_HPET_WIRE(17), PC_HPET_WIRE(18), PC_HPET_WIRE(19),    \
    PC_HPET_WIRE(20), PC_HPET_WIRE(21), PC_HPET_WIRE(22), PC_HPET_WIRE(23)

#define PC_IOAPIC_NUMBERING                                                     \
    "IOAPIC input N (QEMU's GSI N, before the IOAPIC maps pin 0 to 2): HPET "   \
    "legacy timer 0 is 0, timer 1 is 8"

#define PC_OPTIONS                                                              \
    { .name = "pit", .def = "on",                                              \
      .help = "the i8254 PIT at ports 0x40-0x43 and port 0x61" },              \
    { .name = "hpet", .def = "on", .help = "the HPET at 0xfed00000" },        \
    { .name = "rtc-base", .def = ET_WALLCLOCK_DEFAULT_BASE,                    \
      .help = "the RTC's start: utc, localtime or a date (QEMU's -rtc base=)", \
      .check = et_wallclock_check_base },                                      \
    { .name = "rtc-clock", .def = ET_WALLCLOCK_DEFAULT_CLOCK,                  \
      .help = "what advances the RTC: host, rt or vm (QEMU's -rtc clock=)",    \
      .check = et_wallclock_check_clock },                                     \
    { .name = "ib700", .def = "off",                                           \
      .help = "the IB700 watchdog at ports 0x441-0x444 (QEMU's -device ib700)" }

#define PC_NOTES                                                                \
    "Not modelled: the CPU and its local APIC, the i8259 PICs, the IOAPIC "     \
    "registers, PCI configuration space, PM1_CNT and the PM1 events other "     \
    "than the PM timer's, every I/O port without a device here (unassigned: "   \
    "all ones), the CMOS contents a BIOS writes, the ROMs and firmware."


static const et_board_wire hpet_wires[] = { PC_HPET_WIRES };

static const et_board_counter hpet_counters[] = {
    { .name = "main_counter", .offset = ET_HPET_MAIN_COUNTER, .size = 8 },
};

/* The MC146818 at ports 0x70/0x71 on ISA IRQ 8 (IOAPIC input 8), through
 * the HPET's RTC input when there is an HPET (QEMU's wiring). */
static const et_board_wire rtc_wires[] = {
    { .output = ET_RTC_IRQ, .controller = "ioapic", .input = 8, .via = "hpet",
      .via_input = ET_HPET_INPUT_RTC },
};

#define PC_RTC_DEVICE                                                          \
    {                                                                          \
        .name = "rtc", .type = "mc146818rtc", .base = 0x70,                    \
        .space = ET_SPACE_IO, .clock_hz = 32768, ET_ARRAY(wires, rtc_wires),   \
    }

/* The IB700's timeout is the machine's watchdog action. */
static const et_board_wire ib700_wires[] = {
    { .output = ET_IB700_IRQ_TIMEOUT, .controller = ET_BOARD_RESET },
};

#define PC_IB700_DEVICE                                                        \
    {                                                                          \
        .name = "ib700", .type = "ib700", .base = ET_IB700_PORT,               \
        .space = ET_SPACE_IO, ET_ARRAY(wires, ib700_wires), .option = "ib700", \
    }

/* The 8254 at ports 0x40-0x43 with port B at 0x61, OUT0 on ISA IRQ 0
 * (IOAPIC input 0, which the IOAPIC delivers as pin 2), through the HPET's
 * PIT input when there is an HPET, so LegacyReplacement silences it. */
static const et_board_wire pit_wires[] = {
    { .output = ET_I8254_IRQ_OUT0, .controller = "ioapic", .input = 0, .via = "hpet",
      .via_input = ET_HPET_INPUT_PIT },
};

static const et_board_window pit_windows[] = {
    { .base = 0x40, .offset = ET_I8254_COUNTER0, .size = 4 },
    { .base = 0x61, .offset = ET_I8254_PORT_B, .size = 1 },
};

#define PC_PIT_DEVICE                                                          \
    {                                                                          \
        .name = "pit", .type = "i8254", .space = ET_SPACE_IO,                  \
        ET_ARRAY(windows, pit_windows),                                        \
        .clock_hz = ET_I8254_HZ, ET_ARRAY(wires, pit_wires), .option = "pit",  \
    }

/* The ACPI PM timer in the PM I/O block at 0x600 (where QEMU's SeaBIOS
 * puts PIIX4's PMBA and ICH9's PMBASE when QEMU supplies the ACPI tables):
 * PM1a_EVT at 0x600, PM_TMR at 0x608; the SCI on ISA IRQ 9. */
#define PC_PM_BASE 0x600

static const et_acpi_pm_timer_config pm_timer_config = { .width32 = false };

static const et_board_wire pm_wires[] = {
    { .output = ET_ACPI_PM_IRQ_SCI, .controller = "ioapic", .input = 9 },
};

static const et_board_window pm_windows[] = {
    { .base = PC_PM_BASE + ET_ACPI_PM1_STS, .offset = ET_ACPI_PM1_STS, .size = 4 },
    { .base = PC_PM_BASE + ET_ACPI_PM_TMR, .offset = ET_ACPI_PM_TMR, .size = 4 },
};

#define PC_PM_DEVICE                                                           \
    {                                                                          \
        .name = "pm-timer", .type = "acpi-pm-timer", .space = ET_SPACE_IO,     \
        ET_ARRAY(windows, pm_windows),                                         \
        .clock_hz = ET_ACPI_PM_HZ, .config = &pm_timer_config,                 \
        ET_ARRAY(wires, pm_wires),                                             \
    }

static const et_board_controller controllers[] = {
    { .name = "ioapic", .kind = ET_IC_IOAPIC, .n_inputs = PC_IOAPIC_INPUTS,
      .numbering = PC_IOAPIC_NUMBERING },
};

static const et_board_ram ram[] = {
    { .name = "low", .base = 0x00000000, .size = 0x000c0000 },
    { .name = "high", .base = 0x00100000, .size = 0x07f00000 },
};

static const et_board_option options[] = { PC_OPTIONS };

#define PC_HPET_DEVICE(config_)                                                \
    {                                                                          \
        .name = "hpet", .type = "hpet", .base = PC_HPET_BASE,                  \
        .clock_hz = PC_HPET_HZ, .config = (config_),                           \
        ET_ARRAY(wires, hpet_wires), ET_ARRAY(counters, hpet_counters),        \
        .option = "hpet",                                                      \
    }

#define PC_BOARD(name_, description_, devices_, qom_)                          \
    {                                                                          \
        .name = (name_), .description = (description_),                        \
        .qemu_binary = "qemu-system-x86_64",                                   \
        .intercept = "irq_intercept_in ioapic",                                \
        ET_ARRAY(controllers, controllers),                                    \
        ET_ARRAY(devices, devices_),                                           \
        ET_ARRAY(qom, qom_), ET_ARRAY(ram, ram),                               \
        ET_ARRAY(options, options), .notes = PC_NOTES,                         \
    }

/* pc: i440FX. */
static const et_hpet_config pc_hpet = {
    .num_timers = 3,
    .period_fs = ET_HPET_DEFAULT_PERIOD_FS,
    .int_route_cap = ET_HPET_ROUTE_CAP_PC,
};
static const et_board_device pc_devices[] = { PC_HPET_DEVICE(&pc_hpet), PC_PIT_DEVICE, PC_RTC_DEVICE,
                                              PC_PM_DEVICE, PC_IB700_DEVICE };
static const et_board_qom pc_qom[] = {
    { .path = "/machine/i440fx/ioapic", .controller = "ioapic" },
    { .path = "/machine/unattached/device[8]", .device = "hpet" },
};
const et_board et__board_pc =
    PC_BOARD("pc", "i440FX PC: HPET on the IOAPIC", pc_devices, pc_qom);

/* q35. */
static const et_hpet_config q35_hpet = {
    .num_timers = 3,
    .period_fs = ET_HPET_DEFAULT_PERIOD_FS,
    .int_route_cap = ET_HPET_ROUTE_CAP_Q35,
};
static const et_board_device q35_devices[] = { PC_HPET_DEVICE(&q35_hpet), PC_PIT_DEVICE, PC_RTC_DEVICE,
                                               PC_PM_DEVICE, PC_IB700_DEVICE };
static const et_board_qom q35_qom[] = {
    { .path = "/machine/q35/ioapic", .controller = "ioapic" },
    { .path = "/machine/unattached/device[7]", .device = "hpet" },
};
const et_board et__board_q35 =
    PC_BOARD("q35", "Q35 PC: HPET on the IOAPIC", q35_devices, q35_qom);
