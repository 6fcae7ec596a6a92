/* QEMU's MPS2 board with the AN385 FPGA image (Cortex-M3), qemu-system-arm
 * -machine mps2-an385 (QEMU 7.2 hw/arm/mps2.c): the CMSDK APB timers at
 * 0x40000000 and 0x40001000 (NVIC 8 and 9), the dual timer at 0x40002000
 * (NVIC 10, the combined TIMINTC only) and the watchdog at 0x40008000
 * (the NMI; its reset request resets the machine), all on the 25 MHz
 * SYSCLK. The SysTick at 0xe000e010 counts SYSCLK or the 1 MHz reference
 * clock QEMU gives the board (REFCLK_FRQ) and pends exception 15 through
 * the NVIC's "systick-trigger" input. The NVIC is seen through its
 * register view at 0xe000e000, under the SysTick registers. The
 * LAN9118 Ethernet controller, not modelled, holds NVIC 13 high from reset
 * (QEMU's model drives its active-low line as a high level). */
#include "emutime/devices/cmsdk_apb_dualtimer.h"
#include "emutime/devices/cmsdk_apb_timer.h"
#include "emutime/devices/cmsdk_apb_watchdog.h"
#include "machines/machine_internal.h"
#include "machines/systick_boards.h"

static const et_cmsdk_apb_timer_config timer_config = { .pclk = NULL };

static const et_board_wire timer0_wires[] = {
    { .output = ET_CMSDK_TIMER_IRQ_TIMERINT, .controller = "nvic", .input = 8 },
};

static const et_board_wire timer1_wires[] = {
    { .output = ET_CMSDK_TIMER_IRQ_TIMERINT, .controller = "nvic", .input = 9 },
};

static const et_board_counter timer_counters[] = {
    { .name = "value", .offset = ET_CMSDK_TIMER_VALUE, .size = 4 },
};

static const et_cmsdk_apb_dualtimer_config dualtimer_config = { .timclk = NULL };

/* QEMU's mps2 wires only the combined TIMINTC. */
static const et_board_wire dualtimer_wires[] = {
    { .output = ET_CMSDK_DUALTIMER_IRQ_TIMINTC, .controller = "nvic", .input = 10 },
};

static const et_board_counter dualtimer_counters[] = {
    { .name = "value1", .offset = ET_CMSDK_DUALTIMER_TIMER1 + ET_CMSDK_DUALTIMER_VALUE, .size = 4 },
    { .name = "value2", .offset = ET_CMSDK_DUALTIMER_TIMER2 + ET_CMSDK_DUALTIMER_VALUE, .size = 4 },
};

static const et_cmsdk_apb_watchdog_config watchdog_config = {
    .wdogclk = NULL,
    .variant = ET_CMSDK_WATCHDOG_CMSDK,
};

/* WDOGINT goes to the armv7m's named NMI input (qtest cannot intercept it:
 * ICSR.NMIPENDSET shows it); WDOGRES resets the machine, as QEMU's default
 * watchdog action does. */
static const et_board_wire watchdog_wires[] = {
    { .output = ET_CMSDK_WDOG_IRQ_WDOGINT, .controller = "nvic", .input_name = "NMI" },
    { .output = ET_CMSDK_WDOG_IRQ_RESET, .controller = ET_BOARD_RESET },
};

static const et_board_counter watchdog_counters[] = {
    { .name = "value", .offset = ET_CMSDK_WDOG_VALUE, .size = 4 },
};

/* CLKSOURCE = 1 counts the processor clock (the board's SYSCLK, filled in
 * by the factory); CLKSOURCE = 0, the reset value, QEMU's fixed 1 MHz
 * REFCLK (which also gives SYST_CALIB 9999: 10 ms, no skew). */
static const et_armv7m_systick_config systick_config = { .refclk_hz = 1000000 };

/* The two CMSDK APB timers differ only in name, base and interrupt. */
#define CMSDK_TIMER(name_, base_, wires_)                                      \
    {                                                                          \
        .name = (name_), .type = "cmsdk-apb-timer", .base = (base_),           \
        .clock = "sysclk", .config = &timer_config, ET_ARRAY(wires, wires_),   \
        ET_ARRAY(counters, timer_counters),                                    \
    }

static const et_board_device devices[] = {
    CMSDK_TIMER("timer0", 0x40000000, timer0_wires),
    CMSDK_TIMER("timer1", 0x40001000, timer1_wires),
    {
        .name = "dualtimer",
        .type = "cmsdk-apb-dualtimer",
        .base = 0x40002000,
        .clock = "sysclk",
        .config = &dualtimer_config,
        ET_ARRAY(wires, dualtimer_wires),
        ET_ARRAY(counters, dualtimer_counters),
    },
    {
        .name = "watchdog",
        .type = "cmsdk-apb-watchdog",
        .base = 0x40008000,
        .clock = "sysclk",
        .config = &watchdog_config,
        ET_ARRAY(wires, watchdog_wires),
        ET_ARRAY(counters, watchdog_counters),
    },
    SYSTICK_DEVICE(&systick_config),
};

static const et_board_clock clocks[] = {
    { .name = "sysclk", .hz = 25000000 },
};

static const et_board_controller controllers[] = {
    {
        .name = "nvic",
        .kind = ET_IC_NVIC,
        .n_inputs = 32,
        .base = 0xe000e000,
        .numbering = "NVIC external interrupt N (exception 16+N)",
    },
};

static const et_board_qom qom[] = {
    { .path = "/machine/armv7m", .controller = "nvic" },
    { .path = "/machine/armv7m/nvic", .controller = "nvic" },
    { .path = "/machine/timer0", .device = "timer0" },
    { .path = "/machine/timer1", .device = "timer1" },
    { .path = "/machine/dualtimer", .device = "dualtimer" },
    { .path = "/machine/watchdog", .device = "watchdog" },
    { .path = "/machine/armv7m/systick-reg-ns", .device = "systick" },
};

/* QEMU maps SSRAM1 twice, the block RAM four times and SSRAM2/3 twice. */
static const et_board_ram ram[] = {
    { .name = "ssram1", .base = 0x00000000, .size = 4u << 20 },
    { .name = "ssram1-alias", .base = 0x00400000, .size = 4u << 20, .alias_of = "ssram1" },
    { .name = "blockram", .base = 0x01000000, .size = 16u << 10 },
    { .name = "blockram-alias1", .base = 0x01004000, .size = 16u << 10, .alias_of = "blockram" },
    { .name = "blockram-alias2", .base = 0x01008000, .size = 16u << 10, .alias_of = "blockram" },
    { .name = "blockram-alias3", .base = 0x0100c000, .size = 16u << 10, .alias_of = "blockram" },
    { .name = "ssram23", .base = 0x20000000, .size = 4u << 20 },
    { .name = "ssram23-alias", .base = 0x20400000, .size = 4u << 20, .alias_of = "ssram23" },
    { .name = "psram", .base = 0x21000000, .size = 16u << 20 },
};

static const et_board_held_line held[] = {
    { .controller = "nvic", .input = 13, .level = 1, .what = "LAN9118 (not modelled)" },
};

const et_board et__board_mps2_an385 = {
    .name = "mps2-an385",
    .description = "ARM MPS2 with AN385 (Cortex-M3): CMSDK APB timers, dual timer, watchdog, "
                   "SysTick",
    .qemu_binary = "qemu-system-arm",
    .intercept = "irq_intercept_in /machine/armv7m",
    ET_ARRAY(clocks, clocks),
    ET_BOARD_TABLES,
    ET_ARRAY(held, held),
    .notes = "Not modelled: the CPU, the SCS registers beyond the NVIC view and SysTick, "
             "the UARTs, GPIO, "
             "SPI, I2C, the FPGA and SCC registers, the LAN9118.",
};
