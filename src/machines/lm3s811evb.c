/* QEMU's Stellaris LM3S811 evaluation board (Cortex-M3), qemu-system-arm
 * -machine lm3s811evb (QEMU 7.2 hw/arm/stellaris.c), as far as its timers
 * go: the system control block at 0x400fe000 (NVIC 28), whose RCC makes
 * the system clock (200 MHz / 16 = 12.5 MHz from reset); the Luminary
 * watchdog at 0x40000000 (NVIC 18; its reset output resets the machine)
 * and the SysTick, both counting that clock (QEMU connects no SysTick
 * reference clock on this SoC, so CLKSOURCE reads 1); the three
 * general-purpose timer modules at 0x40030000-0x40032fff on the same clock,
 * timer A on NVIC 19, 21, 23 and timer B on 20, 22, 24 (the datasheet's
 * vectors; QEMU wires timer A only); the NVIC's view at
 * 0xe000e000 with QEMU's 64 inputs; the 8 KiB SRAM at 0x20000000.
 *
 * QOM paths follow QEMU 7.2's creation order: the system control block is
 * /machine/unattached/device[0], the armv7m container device[1] (the NVIC
 * and SysTick its children), the ADC device[2], the three GPTMs device[3]
 * to [5] and the watchdog device[6]. */
#include "emutime/devices/cmsdk_apb_watchdog.h"
#include "emutime/devices/stellaris_gptm.h"
#include "emutime/devices/stellaris_sysctl.h"
#include "machines/machine_internal.h"
#include "machines/systick_boards.h"

static const et_stellaris_sysctl_config sysctl_config = ET_STELLARIS_LM3S811_SYSCTL;

static const et_board_wire sysctl_wires[] = {
    { .output = ET_STELLARIS_SYSCTL_IRQ, .controller = "nvic", .input = 28 },
};

static const et_cmsdk_apb_watchdog_config watchdog_config = {
    .wdogclk = NULL,
    .variant = ET_CMSDK_WATCHDOG_LUMINARY,
};

static const et_board_wire watchdog_wires[] = {
    { .output = ET_CMSDK_WDOG_IRQ_WDOGINT, .controller = "nvic", .input = 18 },
    { .output = ET_CMSDK_WDOG_IRQ_RESET, .controller = ET_BOARD_RESET },
};

static const et_board_counter watchdog_counters[] = {
    { .name = "value", .offset = ET_CMSDK_WDOG_VALUE, .size = 4 },
};

/* No reference clock: CLKSOURCE is RAO/WI, SYST_CALIB reads NOREF. */
static const et_armv7m_systick_config systick_config = { .refclk_hz = 0 };


#define GPTM_WIRES(name, a, b)                                                   \
    static const et_board_wire name[] = {                                        \
        { .output = ET_GPTM_IRQ_TIMERA, .controller = "nvic", .input = (a) },     \
        { .output = ET_GPTM_IRQ_TIMERB, .controller = "nvic", .input = (b) },     \
    }

GPTM_WIRES(gptm0_wires, 19, 20);
GPTM_WIRES(gptm1_wires, 21, 22);
GPTM_WIRES(gptm2_wires, 23, 24);

static const et_board_counter gptm_counters[] = {
    { .name = "tar", .offset = ET_GPTM_TAR, .size = 4 },
};

#define GPTM(name_, base_, wires_)                                               \
    {                                                                            \
        .name = (name_), .type = "stellaris-gptm", .base = (base_),              \
        .clock = "sysclk", ET_ARRAY(wires, wires_),                              \
        ET_ARRAY(counters, gptm_counters),                                       \
    }

static const et_board_device devices[] = {
    {
        .name = "sysctl",
        .type = "stellaris-sysctl",
        .base = 0x400fe000,
        .clock = "sysclk", /* the clock it drives */
        .config = &sysctl_config,
        ET_ARRAY(wires, sysctl_wires),
    },
    {
        .name = "watchdog",
        .type = "cmsdk-apb-watchdog",
        .base = 0x40000000,
        .clock = "sysclk",
        .config = &watchdog_config,
        ET_ARRAY(wires, watchdog_wires),
        ET_ARRAY(counters, watchdog_counters),
    },
    SYSTICK_DEVICE(&systick_config),
    GPTM("gptm0", 0x40030000, gptm0_wires),
    GPTM("gptm1", 0x40031000, gptm1_wires),
    GPTM("gptm2", 0x40032000, gptm2_wires),
};

/* The system control block sets it from RCC; this is its reset rate. */
static const et_board_clock clocks[] = {
    { .name = "sysclk", .hz = 12500000 },
};

static const et_board_controller controllers[] = {
    {
        .name = "nvic",
        .kind = ET_IC_NVIC,
        .n_inputs = 64,
        .base = 0xe000e000,
        .numbering = "NVIC external interrupt N (exception 16+N)",
    },
};

static const et_board_qom qom[] = {
    { .path = "/machine/unattached/device[1]", .controller = "nvic" },
    { .path = "/machine/unattached/device[1]/nvic", .controller = "nvic" },
    { .path = "/machine/unattached/device[1]/systick-reg-ns", .device = "systick" },
    { .path = "/machine/unattached/device[0]", .device = "sysctl" },
    { .path = "/machine/unattached/device[3]", .device = "gptm0" },
    { .path = "/machine/unattached/device[4]", .device = "gptm1" },
    { .path = "/machine/unattached/device[5]", .device = "gptm2" },
    { .path = "/machine/unattached/device[6]", .device = "watchdog" },
};

static const et_board_ram ram[] = {
    { .name = "sram", .base = 0x20000000, .size = 8u << 10 },
};

const et_board et__board_lm3s811evb = {
    .name = "lm3s811evb",
    .description = "TI Stellaris LM3S811 EVB (Cortex-M3): system control clock tree, "
                   "Luminary watchdog, GPTMs, SysTick",
    .qemu_binary = "qemu-system-arm",
    .intercept = "irq_intercept_in /machine/unattached/device[1]",
    ET_ARRAY(clocks, clocks),
    ET_BOARD_TABLES,
    .notes = "Not modelled: the CPU, the GPTMs' capture and PWM modes, the flash (reads 0, "
             "as QEMU's without -kernel), the bit-band aliases, the UARTs, GPIO, I2C, SSI, "
             "ADC, PWM and the OLED display.",
};
