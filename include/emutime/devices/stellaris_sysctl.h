/* emutime: the TI Stellaris (Luminary Micro LM3S) system control block, as
 * QEMU's "stellaris-sys" on lm3s811evb: the device identification and
 * capability registers, the interrupt of the PLL lock, and the run-mode
 * clock configuration (RCC, RCC2) that produces the system clock the
 * other peripherals (watchdog, timers, SysTick) count.
 *
 * Registers (4 KiB at 0x400FE000; 1, 2 or 4-byte aligned accesses, a
 * narrow one using the byte lanes of its 32-bit register, the other lanes
 * of a write as zero). Read-back values are QEMU 7.2's:
 *
 *   0x000 DID0, 0x004 DID1, 0x008 DC0, 0x010-0x01C DC1-DC4   RO  from cfg
 *   0x030 PBORCTL  RW bits 15:0       0x034 LDOPCTL  RW bits 4:0
 *   0x040-0x048 SRCR0-2  RO 0 (peripheral resets: writes are not modelled)
 *   0x050 RIS  RO    0x054 IMC  RW bits 6:0    0x058 MISC  RIS & IMC, W1C
 *   0x05C RESC RW bits 5:0
 *   0x060 RCC  RW    SYSDIV 26:23, USESYSDIV 22, PWRDN 13, OEN 12,
 *                    BYPASS 11, XTAL 9:6, OSCSRC 5:4, IOSCDIS 1, MOSCDIS 0
 *   0x064 PLLCFG RO  the PLL setting for the crystal in RCC.XTAL
 *   0x070 RCC2 RW    Fury class only (USERCC2 31, SYSDIV2 28:23); reads 0
 *                    and ignores writes on a Sandstorm-class part
 *   0x100-0x108 RCGC0-2, 0x110-0x118 SCGC0-2, 0x120-0x128 DCGC0-2,
 *   0x150 CLKVCLR, 0x160 LDOARST   RW, stored
 *   0x1E0 USER0, 0x1E4 USER1  RO  from cfg
 *
 * Clearing RCC.PWRDN (or RCC2.PWRDN2) sets RIS bit 6 (PLLLRIS: the PLL
 * locks at once). Output line 0 "irq" is (RIS & IMC) != 0.
 *
 * The system clock (cfg->sysclk, an output: the device sets its period)
 * follows RCC, under one of two models:
 *   - ET_STELLARIS_CLOCK_QEMU (the boards' default, what QEMU's tests
 *     expect): 200 MHz / (SYSDIV + 1), or / (SYSDIV2 + 1) with USERCC2,
 *     whatever the other fields say (12.5 MHz from reset);
 *   - ET_STELLARIS_CLOCK_DATASHEET (Sandstorm class, the LM3S811 datasheet's
 *     clock tree): the oscillator OSCSRC selects (the main oscillator at
 *     the crystal frequency XTAL names, the 15 MHz internal oscillator, or
 *     it divided by 4), divided by SYSDIV + 1 when USESYSDIV is set; with
 *     BYPASS clear, the 200 MHz PLL output divided by SYSDIV + 1 (stopped
 *     while PWRDN or OEN is set); a disabled or reserved source stops the
 *     clock. 6 MHz from reset (BYPASS, the 6 MHz crystal, no divider).
 * The new rate reaches the clock's followers right after the access (the
 * device never calls them under its own lock).
 * See docs/devices/stellaris-sysctl.md.
 */
#ifndef EMUTIME_DEVICES_STELLARIS_SYSCTL_H
#define EMUTIME_DEVICES_STELLARIS_SYSCTL_H

#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/clocktree.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

#define ET_STELLARIS_SYSCTL_DID0    0x000
#define ET_STELLARIS_SYSCTL_DID1    0x004
#define ET_STELLARIS_SYSCTL_DC0     0x008
#define ET_STELLARIS_SYSCTL_DC1     0x010
#define ET_STELLARIS_SYSCTL_DC2     0x014
#define ET_STELLARIS_SYSCTL_DC3     0x018
#define ET_STELLARIS_SYSCTL_DC4     0x01C
#define ET_STELLARIS_SYSCTL_PBORCTL 0x030
#define ET_STELLARIS_SYSCTL_LDOPCTL 0x034
#define ET_STELLARIS_SYSCTL_SRCR0   0x040
#define ET_STELLARIS_SYSCTL_RIS     0x050
#define ET_STELLARIS_SYSCTL_IMC     0x054
#define ET_STELLARIS_SYSCTL_MISC    0x058
#define ET_STELLARIS_SYSCTL_RESC    0x05C
#define ET_STELLARIS_SYSCTL_RCC     0x060
#define ET_STELLARIS_SYSCTL_PLLCFG  0x064
#define ET_STELLARIS_SYSCTL_RCC2    0x070
#define ET_STELLARIS_SYSCTL_RCGC0   0x100
#define ET_STELLARIS_SYSCTL_SCGC0   0x110
#define ET_STELLARIS_SYSCTL_DCGC0   0x120
#define ET_STELLARIS_SYSCTL_CLKVCLR 0x150
#define ET_STELLARIS_SYSCTL_LDOARST 0x160
#define ET_STELLARIS_SYSCTL_USER0   0x1E0
#define ET_STELLARIS_SYSCTL_USER1   0x1E4
#define ET_STELLARIS_SYSCTL_REGION  0x1000

#define ET_STELLARIS_RCC_MOSCDIS      (1u << 0)
#define ET_STELLARIS_RCC_IOSCDIS      (1u << 1)
#define ET_STELLARIS_RCC_OSCSRC_SHIFT 4
#define ET_STELLARIS_RCC_XTAL_SHIFT   6
#define ET_STELLARIS_RCC_BYPASS       (1u << 11)
#define ET_STELLARIS_RCC_OEN          (1u << 12)
#define ET_STELLARIS_RCC_PWRDN        (1u << 13)
#define ET_STELLARIS_RCC_USESYSDIV    (1u << 22)
#define ET_STELLARIS_RCC_SYSDIV_SHIFT 23
#define ET_STELLARIS_RCC2_USERCC2     (1u << 31)
#define ET_STELLARIS_RIS_PLLLRIS      (1u << 6)

/* Reset values (QEMU 7.2 and the datasheets). */
#define ET_STELLARIS_RCC_RESET        0x078E3AC0u
#define ET_STELLARIS_RCC2_RESET_FURY  0x07802810u
#define ET_STELLARIS_PBORCTL_RESET    0x00007FFDu

/* Output line indexes. */
#define ET_STELLARIS_SYSCTL_IRQ 0

typedef enum et_stellaris_clock_model {
    ET_STELLARIS_CLOCK_QEMU = 0,
    ET_STELLARIS_CLOCK_DATASHEET = 1
} et_stellaris_clock_model;

typedef struct et_stellaris_sysctl_config {
    /* Required: the system clock node this block drives. It must outlive
     * the device. */
    et_clock_input *sysclk;
    /* The part's identification and capabilities (read-only registers).
     * DID0's version and class must name a Sandstorm (version 0) or Fury
     * (version 1, class 1) part. */
    uint32_t did0, did1, dc0, dc1, dc2, dc3, dc4;
    uint32_t user0, user1; /* the user registers (QEMU: the MAC address) */
    et_stellaris_clock_model clock_model;
} et_stellaris_sysctl_config;

/* The LM3S811 (QEMU's lm3s811evb), QEMU's clock model; sysclk to fill in.
 * USER0/USER1 are 0, as QEMU with no network card (-nodefaults). */
#define ET_STELLARIS_LM3S811_SYSCTL                                              \
    { .sysclk = NULL, .did0 = 0, .did1 = 0x0032000e, .dc0 = 0x001f001f,          \
      .dc1 = 0x001132bf, .dc2 = 0x01071013, .dc3 = 0x3f0f01ff, .dc4 = 0x0000001f, \
      .user0 = 0, .user1 = 0, .clock_model = ET_STELLARIS_CLOCK_QEMU }

/* NULL with a message in err (nothing allocated) for a bad configuration. */
et_device *et_stellaris_sysctl_new(et_clock *clock, const char *name,
                                   const et_stellaris_sysctl_config *cfg, char *err,
                                   size_t errlen);

/* The system clock period the current RCC/RCC2 select, in 2^-32 ns (0:
 * stopped). Takes the device lock. */
uint64_t et_stellaris_sysctl_sysclk_period(et_device *dev);

ET_END_DECLS

#endif
