/* emutime: RISC-V ACLINT (Advanced Core Local Interruptor) devices.
 *
 * Implements the RISC-V ACLINT specification 1.0: the machine-level timer
 * (MTIMER: one 64-bit MTIME counter and one MTIMECMP per hart), the
 * machine-level software-interrupt device (MSWI: one MSIP register per hart)
 * and the supervisor-level one (SSWI: one set-only SETSSIP register per
 * hart), with QEMU's register layout and properties ("riscv.aclint.mtimer",
 * "riscv.aclint.swi"). See docs/devices/aclint.md.
 *
 * MTIMER output lines: line i is the MTIP input of relative hart i (absolute
 * hart id hartid_base + i), for i in 0 .. num_harts-1.
 *   MTIP = (mtime >= mtimecmp[i]) as unsigned 64-bit numbers, at every
 *   instant (the level changes exactly at the first nanosecond where the
 *   comparison changes), except that an all-ones mtimecmp means "never".
 *   Power-on state: mtime = 0, every mtimecmp = 0, so every MTIP output is
 *   at level 1 from creation (as in QEMU). Sinks connected after creation are
 *   not told: a board initialises its receivers from et_irq_level() after
 *   wiring, or programs mtimecmp before connecting the sinks.
 *   Reset: mtime = 0; mtimecmp keeps its value (the spec leaves it unknown;
 *   QEMU does not touch it either); MTIP is re-evaluated.
 *
 * SWI output lines: line i is the MSIP (MSWI) or SSIP (SSWI) input of
 * relative hart i. An MSWI line is a level (the MSIP bit). An SSWI line is
 * pulsed (1 then 0) on every write of 1: the spec's edge-sensitive "set SSIP"
 * signal; the receiving hart sets its SSIP on the rising edge.
 */
#ifndef EMUTIME_DEVICES_RISCV_ACLINT_H
#define EMUTIME_DEVICES_RISCV_ACLINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

#define ET_RISCV_ACLINT_MAX_HARTS             4095u
#define ET_RISCV_ACLINT_DEFAULT_MTIMECMP      0x0u     /* timecmp_base */
#define ET_RISCV_ACLINT_DEFAULT_MTIME         0x7FF8u  /* time_base */
#define ET_RISCV_ACLINT_DEFAULT_MTIMER_SIZE   0x8000u  /* aperture_size */
#define ET_RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ 10000000u /* Hz */
#define ET_RISCV_ACLINT_SWI_SIZE              0x4000u

/* MTIMER configuration, QEMU's properties of the same names. Start from
 * ET_RISCV_ACLINT_MTIMER_DEFAULTS and change what differs: a zero field is
 * taken literally (time_base 0 is a legal layout), never as "default". */
typedef struct et_riscv_aclint_mtimer_config {
    uint32_t hartid_base;   /* absolute hart id of relative hart 0 */
    uint32_t num_harts;     /* 0 .. 4095 (0: only the MTIME register) */
    uint32_t timecmp_base;  /* offset of mtimecmp[0]; 8-byte aligned */
    uint32_t time_base;     /* offset of mtime; 8-byte aligned */
    uint32_t aperture_size; /* bytes of register space */
    uint32_t timebase_freq; /* mtime ticks per second, > 0 */
} et_riscv_aclint_mtimer_config;

#define ET_RISCV_ACLINT_MTIMER_DEFAULTS                                        \
    ((et_riscv_aclint_mtimer_config){                                          \
        .hartid_base = 0,                                                      \
        .num_harts = 1,                                                        \
        .timecmp_base = ET_RISCV_ACLINT_DEFAULT_MTIMECMP,                      \
        .time_base = ET_RISCV_ACLINT_DEFAULT_MTIME,                            \
        .aperture_size = ET_RISCV_ACLINT_DEFAULT_MTIMER_SIZE,                  \
        .timebase_freq = ET_RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ })

/* Creates an MTIMER on clock. NULL with a message in err for a bad
 * configuration (too many harts, registers outside the aperture or
 * overlapping, misaligned bases, zero frequency, hart ids overflowing). */
et_device *et_riscv_aclint_mtimer_new(et_clock *clock, const char *name,
                                      const et_riscv_aclint_mtimer_config *cfg, char *err,
                                      size_t errlen);

/* mtime now: what a hart's rdtime (the time CSR) reads. */
uint64_t et_riscv_aclint_mtimer_time(et_device *dev);

/* The MTIP level of the hart with absolute id hartid, as the hart sees it in
 * mip now (expiries due are processed first); ET_ENOENT (error.h) if this
 * MTIMER does not serve that hart. */
int et_riscv_aclint_mtimer_mtip(et_device *dev, uint32_t hartid);

/* SWI configuration (QEMU's properties of the same names). */
typedef struct et_riscv_aclint_swi_config {
    uint32_t hartid_base; /* absolute hart id of relative hart 0 */
    uint32_t num_harts;   /* 1 .. 4095 */
    bool sswi;            /* false: MSWI (MSIP), true: SSWI (SETSSIP) */
} et_riscv_aclint_swi_config;

/* Creates an MSWI or SSWI (0x4000 bytes of registers, 4-byte accesses
 * only). NULL with a message in err for a bad configuration. */
et_device *et_riscv_aclint_swi_new(et_clock *clock, const char *name,
                                   const et_riscv_aclint_swi_config *cfg, char *err,
                                   size_t errlen);

ET_END_DECLS

#endif
