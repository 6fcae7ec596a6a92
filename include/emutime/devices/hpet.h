/* emutime: HPET, the IA-PC High Precision Event Timer (IA-PC HPET
 * Specification 1.0a), one timer block with QEMU's register layout and
 * properties ("hpet": 3 to 32 timers, 100 MHz by default, the pc and q35
 * routing capabilities). See docs/devices/hpet.md.
 *
 * Registers (offsets in the 0x400-byte block, longer with more than 24
 * timers; 4- and 8-byte aligned
 * accesses, every 64-bit register also as two 32-bit halves):
 *
 *   0x000 GCAP_ID      read-only: REV_ID 1, NUM_TIM_CAP, 64-bit counter,
 *                      LegacyReplacement capable, vendor 0x8086; the high
 *                      half is the counter period in femtoseconds
 *   0x010 GEN_CONF     bit 0 ENABLE_CNF (run the counter, allow interrupts),
 *                      bit 1 LEG_RT_CNF (LegacyReplacement routing)
 *   0x020 GINTR_STA    bit n: timer n's level-triggered interrupt is active;
 *                      writing 1 clears it
 *   0x0F0 MAIN_COUNTER the 64-bit up-counter; writable while halted
 *   0x100 + 0x20 n     timer n: +0x0 Tn_CONF_CAP, +0x8 Tn_COMPARATOR,
 *                      +0x10 Tn_FSB_ROUTE (high half address, low half data)
 *
 * Output lines: 32, line i being IOAPIC input i (what Tn_INT_ROUTE_CNF
 * names). Line i is the OR of every level-triggered timer that routes to it
 * and has its status bit, its INT_ENB and the overall enable set; an
 * edge-triggered timer pulses its line at each event. With
 * LegacyReplacement, timer 0 drives line 0 and timer 1 line 8 (QEMU's
 * numbering: the pc board wires line 0 to IOAPIC pin 2, like the 8254). A
 * timer with Tn_FSB_EN_CNF set drives no line: each event is a 32-bit
 * memory write of Tn_FSB_INT_VAL to Tn_FSB_INT_ADDR through the config's
 * fsb_write, called after the device lock is released, in order with the
 * line changes.
 *
 * Threads: every access and expiry runs under the device lock, except reads
 * of MAIN_COUNTER and GCAP_ID, which take no lock (a sequence lock over the
 * enable bit, the counter anchor and the stored counter), so concurrent
 * counter reads scale with the number of reading threads.
 */
#ifndef EMUTIME_DEVICES_HPET_H
#define EMUTIME_DEVICES_HPET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/device.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

/* The spec's 1 KiB block, which holds timers 0..23. With more timers the
 * device's region grows to ET_HPET_TN_CONF(num_timers) (0x500 for 32), so
 * every timer GCAP_ID reports is reachable (QEMU keeps 0x400). */
#define ET_HPET_REGION_SIZE 0x400u

/* Register offsets. */
#define ET_HPET_GCAP_ID       0x000u
#define ET_HPET_GEN_CONF      0x010u
#define ET_HPET_GINTR_STA     0x020u
#define ET_HPET_MAIN_COUNTER  0x0F0u
#define ET_HPET_TN_CONF(n)    (0x100u + 0x20u * (n))
#define ET_HPET_TN_CMP(n)     (0x108u + 0x20u * (n))
#define ET_HPET_TN_FSB(n)     (0x110u + 0x20u * (n))

/* GCAP_ID low half. */
#define ET_HPET_CAP_REV_ID         0x01u
#define ET_HPET_CAP_NUM_TIM_SHIFT  8
#define ET_HPET_CAP_COUNT_SIZE     (1u << 13)
#define ET_HPET_CAP_LEG_RT         (1u << 15)
#define ET_HPET_CAP_VENDOR_SHIFT   16
#define ET_HPET_VENDOR_INTEL       0x8086u

/* GEN_CONF. */
#define ET_HPET_CONF_ENABLE  (1u << 0)
#define ET_HPET_CONF_LEG_RT  (1u << 1)

/* Tn_CONF_CAP. */
#define ET_HPET_TN_INT_TYPE_LEVEL (1u << 1)
#define ET_HPET_TN_INT_ENB        (1u << 2)
#define ET_HPET_TN_PERIODIC       (1u << 3)
#define ET_HPET_TN_PER_INT_CAP    (1u << 4)
#define ET_HPET_TN_SIZE_CAP       (1u << 5)
#define ET_HPET_TN_VAL_SET        (1u << 6)
#define ET_HPET_TN_32MODE         (1u << 8)
#define ET_HPET_TN_ROUTE_SHIFT    9
#define ET_HPET_TN_ROUTE_MASK     (0x1Fu << 9)
#define ET_HPET_TN_FSB_EN         (1u << 14)
#define ET_HPET_TN_FSB_CAP        (1u << 15)
#define ET_HPET_TN_ROUTE_CAP_SHIFT 32

#define ET_HPET_MIN_TIMERS 3u
#define ET_HPET_MAX_TIMERS 32u
#define ET_HPET_NUM_LINES  32u
/* The spec's slowest counter: 10^8 fs = 100 ns per tick (10 MHz). */
#define ET_HPET_MAX_PERIOD_FS 0x05F5E100u
/* QEMU's counter: 10 ns per tick (100 MHz). */
#define ET_HPET_DEFAULT_PERIOD_FS 10000000u
/* Tn_INT_ROUTE_CAP on QEMU's boards: pc (IOAPIC pin 2) and q35 (pins 2, 8
 * and 16-23). */
#define ET_HPET_ROUTE_CAP_PC  0x00000004u
#define ET_HPET_ROUTE_CAP_Q35 0x00ff0104u

/* An FSB interrupt message: a 32-bit little-endian memory write. */
typedef void (*et_hpet_fsb_write_fn)(void *opaque, uint64_t addr, uint32_t data);

/* Start from ET_HPET_CONFIG_DEFAULTS and change what differs: zero fields
 * are taken literally (and rejected where the spec forbids them). */
typedef struct et_hpet_config {
    unsigned num_timers;     /* 3 .. 32 */
    uint32_t period_fs;      /* counter period: 1 .. 0x05F5E100 fs */
    /* Tn_INT_ROUTE_CAP of every timer (bit i: IOAPIC input i allowed); 0 is
     * allowed only with msi (a timer that can only do FSB messages). */
    uint32_t int_route_cap;
    /* Optional per-timer capabilities (num_timers entries) overriding
     * int_route_cap; NULL to use int_route_cap for all. */
    const uint32_t *int_route_caps;
    /* FSB delivery capable (Tn_FSB_INT_DEL_CAP, QEMU's "msi" property);
     * needs fsb_write. */
    bool msi;
    et_hpet_fsb_write_fn fsb_write;
    void *fsb_opaque;
} et_hpet_config;

/* QEMU's defaults: 3 timers, ET_HPET_DEFAULT_PERIOD_FS, the pc routing
 * capability, no MSI. A function (not a compound literal) so that C++ can
 * use it too. */
et_hpet_config et_hpet_config_defaults(void);
#define ET_HPET_CONFIG_DEFAULTS (et_hpet_config_defaults())

/* Creates an HPET on clock; cfg NULL means the defaults. Returns NULL with a
 * message in err (nothing allocated) for a bad configuration. */
et_device *et_hpet_new(et_clock *clock, const char *name, const et_hpet_config *cfg,
                       char *err, size_t errlen);

/* Inputs (et_device_set_input): the 8254's OUT0 and the RTC's IRQ, which
 * pass through to output lines 0 and 8 except under LegacyReplacement
 * (spec 2.4.2.1: "the 8254 timer will not cause any interrupts" and the
 * RTC's are replaced), as QEMU wires them on pc and q35. A line's level is
 * the OR of its pass-through input and the level-triggered timers routed
 * to it. */
#define ET_HPET_INPUT_PIT 0
#define ET_HPET_INPUT_RTC 1
#define ET_HPET_NUM_INPUTS 2

/* Whether LegacyReplacement routing is on (LEG_RT_CNF, as QEMU decides it):
 * a board then silences the 8254 and the RTC periodic interrupt, which
 * timers 0 and 1 replace (spec 2.4.2.1). Takes the device lock. */
bool et_hpet_legacy_replacement(et_device *dev);

ET_END_DECLS

#endif
