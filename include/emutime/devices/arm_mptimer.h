/* emutime: the Cortex-A9 MPCore private timer and watchdog (ARM DDI 0407,
 * "Cortex-A9 MPCore Technical Reference Manual", chapter 4, "Global timer,
 * private timers, and watchdog registers"), as QEMU's arm_mptimer models
 * them inside its a9mpcore_priv ("mptimer" and "wdt").
 *
 * Each CPU has a private timer and a watchdog, both 32-bit down-counters
 * clocked by PERIPHCLK through an 8-bit prescaler: one count every
 * (PRESCALER + 1) PERIPHCLK periods, an interval of (PRESCALER + 1) x
 * (LOAD + 1) periods. PERIPHCLK is an et_clock_input the device follows at
 * run time; QEMU's models count at 100 MHz (10 ns). The region is the
 * private memory region's 0x600-0x6FF, "this CPU's" timer and watchdog; 4-byte
 * accesses only:
 *
 *   0x00 Timer Load            RW  a write also sets the counter
 *   0x04 Timer Counter         RW  the counter
 *   0x08 Timer Control         RW  bit 0 enable, 1 auto-reload, 2 IRQ
 *                                  enable, 15:8 prescaler
 *   0x0C Timer Interrupt Status RW bit 0 event flag; write 1 to clear
 *   0x20 Watchdog Load         RW  as Timer Load
 *   0x24 Watchdog Counter      RW  as Timer Counter (ignored in watchdog mode)
 *   0x28 Watchdog Control      RW  as Timer Control, plus bit 3 watchdog
 *                                  mode (set only; cleared by the disable
 *                                  sequence)
 *   0x2C Watchdog Interrupt Status RW bit 0 event flag (timer mode)
 *   0x30 Watchdog Reset Status RW  bit 0 reset flag (watchdog mode); write 1
 *                                  to clear. Not cleared by a device reset.
 *   0x34 Watchdog Disable      WO  0x12345678 then 0x87654321: timer mode
 *
 * Counting follows QEMU 7.2 exactly (a ptimer with its arm_mptimer
 * policies): the counter reaches 0 LOAD counts after a load, then with
 * auto-reload holds 0 for one count and reloads LOAD; the event flag rises on
 * reaching 0. With prescaler 0, a counter or Load written as 0 while
 * enabled stops without an event (a one-shot, or auto-reload with LOAD 0),
 * and auto-reload with LOAD 0 gives one event; with a prescaler the counter
 * written 0 gives an event at the next count, and auto-reload with LOAD 0
 * gives one every count. See docs/devices/arm-mptimer.md.
 *
 * Watchdog mode (TRM 4.3): auto-reload and IRQ enable are ignored, counter
 * writes are ignored (refresh by writing Load), and reaching 0 sets the
 * reset flag and asserts WDRESETREQ (and stops). QEMU 7.2 models no
 * watchdog mode: its "wdt" is a second timer block.
 *
 * Output lines, for each CPU n (cpu_count CPUs): 2n "timer<n>" (PPI 29,
 * event flag && IRQ enable), 2n + 1 "wdog<n>" (PPI 30); then
 * 2 * cpu_count + n "wdresetreq<n>" (a level: asserted at a watchdog
 * timeout until the device is reset or the reset flag is cleared).
 *
 * CPUs: et_device_read / et_device_write reach CPU 0's blocks (the model has
 * no notion of the accessing CPU, as QEMU's qtest, whose accesses are CPU
 * 0's); et_arm_mptimer_cpu_read / _write reach CPU n's. With cpu_views (the
 * ARM11 MPCore's layout, as QEMU's arm11mpcore_priv maps it) the region also
 * has CPU n's view at 0x100 x (n + 1).
 */
#ifndef EMUTIME_DEVICES_ARM_MPTIMER_H
#define EMUTIME_DEVICES_ARM_MPTIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/clocktree.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

/* Register offsets inside a block (timer at 0x00, watchdog at 0x20). */
#define ET_ARM_MPTIMER_LOAD      0x00
#define ET_ARM_MPTIMER_COUNTER   0x04
#define ET_ARM_MPTIMER_CONTROL   0x08
#define ET_ARM_MPTIMER_INTSTAT   0x0C
#define ET_ARM_MPTIMER_TIMER     0x00
#define ET_ARM_MPTIMER_WDOG      0x20
#define ET_ARM_MPTIMER_WDOG_RESET_STATUS 0x30
#define ET_ARM_MPTIMER_WDOG_DISABLE      0x34
#define ET_ARM_MPTIMER_REGION    0x100
#define ET_ARM_MPTIMER_VIEWS_REGION 0x500 /* with cpu_views */

/* Control bits. */
#define ET_ARM_MPTIMER_CTRL_ENABLE   (1u << 0)
#define ET_ARM_MPTIMER_CTRL_AUTO     (1u << 1)
#define ET_ARM_MPTIMER_CTRL_IRQ      (1u << 2)
#define ET_ARM_MPTIMER_CTRL_WDMODE   (1u << 3) /* watchdog only */
#define ET_ARM_MPTIMER_CTRL_PRESCALER(p) (((uint32_t)(p) & 0xffu) << 8)

/* The watchdog disable sequence. */
#define ET_ARM_MPTIMER_DISABLE_KEY1 0x12345678u
#define ET_ARM_MPTIMER_DISABLE_KEY2 0x87654321u

#define ET_ARM_MPTIMER_MAX_CPUS 4

typedef struct et_arm_mptimer_config {
    /* PERIPHCLK (required), followed at run time. It must outlive the
     * device (the device removes its change callback when freed). */
    et_clock_input *periphclk;
    /* CPUs, 1 to ET_ARM_MPTIMER_MAX_CPUS (0 means 1). */
    unsigned cpu_count;
    /* The ARM11 MPCore layout (ARM DDI 0360): after "this CPU's" view at
     * 0x000, CPU n's own view at 0x100 x (n + 1), so the region is
     * 0x100 x (ET_ARM_MPTIMER_MAX_CPUS + 1) bytes (views of absent CPUs are
     * guest errors). The Cortex-A9 has only the first view. */
    bool cpu_views;
} et_arm_mptimer_config;

/* NULL with a message in err (nothing allocated) for a bad configuration. */
et_device *et_arm_mptimer_new(et_clock *clock, const char *name,
                              const et_arm_mptimer_config *cfg, char *err, size_t errlen);

/* CPU cpu's view of the region (what that CPU reads at 0x600 + offset):
 * like et_device_read / et_device_write. A bad cpu is a guest error. */
uint64_t et_arm_mptimer_cpu_read(et_device *dev, unsigned cpu, uint64_t offset, unsigned size);
void et_arm_mptimer_cpu_write(et_device *dev, unsigned cpu, uint64_t offset, uint64_t value,
                              unsigned size);

ET_END_DECLS

#endif
