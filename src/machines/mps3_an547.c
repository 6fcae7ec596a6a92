/* QEMU's MPS3 board with the AN547 FPGA image (Cortex-M55 in an SSE-300),
 * qemu-system-arm -machine mps3-an547 (QEMU 7.2 hw/arm/mps2-tz.c and
 * hw/arm/armsse.c), as far as the SSE-300's timestamp timers go: the
 * System Counter on the 32 MHz MAINCLK (31.25 ns per tick) with its
 * control frame at 0x58100000 (Secure) and its status frame at 0x48101000
 * (and its Secure alias 0x58101000), and the four System Timers at
 * 0x48000000-0x48003000 on NVIC 3, 4, 5 and 27, comparing its count. The
 * NVIC (32 + 96 inputs) has no register view here. QOM paths from the
 * SSE's child names: /machine/iotkit/cluster0/armv7m0 (the CPU container
 * whose unnamed inputs are the NVIC's), /machine/iotkit/timer0..3,
 * /machine/iotkit/sse-counter. */
#include "emutime/devices/sse_counter.h"
#include "emutime/devices/sse_timer.h"
#include "machines/machine_internal.h"

/* The status frames and the timers are built on the counter. */
static const et__board_peer on_sysctr = { .peer = "sysctr" };

static const et_board_counter counter_counters[] = {
    { .name = "cntcv", .offset = ET_SSE_CNTCV_LO, .size = 4 },
};

static const et_board_counter timer_counters[] = {
    { .name = "tval", .offset = ET_SSE_TIMER_CNTP_TVAL, .size = 4 },
};

#define TIMER_WIRES(name, irq)                                                   \
    static const et_board_wire name[] = {                                        \
        { .output = ET_SSE_TIMER_IRQ, .controller = "nvic", .input = (irq) },     \
    }

TIMER_WIRES(timer0_wires, 3);
TIMER_WIRES(timer1_wires, 4);
TIMER_WIRES(timer2_wires, 5);
TIMER_WIRES(timer3_wires, 27);

#define SSE_TIMER(name_, base_, wires_)                                          \
    {                                                                            \
        .name = (name_), .type = "sse-timer", .base = (base_), .config = &on_sysctr, \
        .clock_hz = 32000000, ET_ARRAY(wires, wires_),                           \
        ET_ARRAY(counters, timer_counters),                                      \
    }

static const et_board_device devices[] = {
    {
        .name = "sysctr",
        .type = "sse-counter",
        .base = 0x58100000,
        .clock = "mainclk",
        ET_ARRAY(counters, counter_counters),
    },
    { .name = "sysctr-status", .type = "sse-counter-status", .base = 0x48101000,
      .config = &on_sysctr },
    { .name = "sysctr-status-s", .type = "sse-counter-status", .base = 0x58101000,
      .config = &on_sysctr },
    SSE_TIMER("timer0", 0x48000000, timer0_wires),
    SSE_TIMER("timer1", 0x48001000, timer1_wires),
    SSE_TIMER("timer2", 0x48002000, timer2_wires),
    SSE_TIMER("timer3", 0x48003000, timer3_wires),
};

static const et_board_clock clocks[] = {
    { .name = "mainclk", .hz = 32000000 },
};

static const et_board_controller controllers[] = {
    {
        .name = "nvic",
        .kind = ET_IC_ARMV8M_NVIC,
        .n_inputs = 128,
        .numbering = "NVIC external interrupt N (exception 16+N): SSE-300 0-31, then the "
                     "FPGA's 96",
    },
};

static const et_board_qom qom[] = {
    { .path = "/machine/iotkit/cluster0/armv7m0", .controller = "nvic" },
    { .path = "/machine/iotkit/cluster0/armv7m0/nvic", .controller = "nvic" },
    { .path = "/machine/iotkit/sse-counter", .device = "sysctr" },
    { .path = "/machine/iotkit/timer0", .device = "timer0" },
    { .path = "/machine/iotkit/timer1", .device = "timer1" },
    { .path = "/machine/iotkit/timer2", .device = "timer2" },
    { .path = "/machine/iotkit/timer3", .device = "timer3" },
};

/* The SSE-300's TCMs, the FPGA's SRAMs and DDR (QEMU's an547_raminfo). */
static const et_board_ram ram[] = {
    { .name = "itcm", .base = 0x00000000, .size = 512u << 10 },
    { .name = "sram", .base = 0x01000000, .size = 2u << 20 },
    { .name = "dtcm", .base = 0x20000000, .size = 512u << 10 },
    { .name = "sram2", .base = 0x21000000, .size = 4u << 20 },
    { .name = "ddr", .base = 0x60000000, .size = 2ull << 30 },
};

const et_board et__board_mps3_an547 = {
    .name = "mps3-an547",
    .description = "ARM MPS3 with AN547 (Cortex-M55, SSE-300): System Counter and System Timers",
    .qemu_binary = "qemu-system-arm",
    .intercept = "irq_intercept_in /machine/iotkit/cluster0/armv7m0",
    ET_ARRAY(clocks, clocks),
    ET_BOARD_TABLES,
    .notes = "Not modelled: the CPU and its NVIC registers and SysTicks, the TrustZone "
             "security controllers (PPCs and MPCs: every access is let through; QEMU blocks "
             "non-secure accesses to the timers until PERIPHNSPPC0 allows them), the Secure "
             "aliases of the timers at 0x58000000, the S32K timer and watchdogs, the CMSDK "
             "and FPGA peripherals, the QSPI flash.",
};
