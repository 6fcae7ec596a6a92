/* ARM CMSDK APB dual timer: the "APB dual-input timers" of the Cortex-M
 * System Design Kit, ARM DDI 0479 (CMSDK Technical Reference Manual), a
 * clone of the SP804 (ARM DDI 0271) with its own IDs. Both counters are the
 * shared SP804-style counter (sp804_counter.c, which documents the counting
 * rules and what is not modelled); the register decode, the integration
 * test registers and the outputs are the shared two-counter device.
 *
 * Modelled: every register, TIMINTC/TIMINT1/TIMINT2, ITCR/ITOP, the IDs,
 * TIMCLK as a clock input followed at run time. Not modelled: the separate
 * TIMCLKEN1/TIMCLKEN2 enables (both counters count every TIMCLK tick),
 * ECOREVNUM (PID3 bits 7:4 read as 0).
 *
 * Deliberate differences from QEMU 7.2 and upstream
 * (hw/timer/cmsdk-apb-dualtimer.c; docs/divergences.md, each with a test in
 * tests/devices/test_cmsdk_apb_dualtimer.c):
 *   - a LOAD write to an enabled periodic counter keeps it periodic (QEMU
 *     runs it with oneshot forced to 1, so it stops after the next zero);
 *   - LOAD = 0 raises RIS at once (QEMU stops the counter, no interrupt);
 *   - a LOAD write restarts an expired one-shot in free-running mode too
 *     (QEMU only sets the count there);
 *   - a BGLOAD write during the tick the count holds at 0 takes effect at
 *     the reload ending that tick (QEMU keeps the old value for one more
 *     period and reads LOAD + 1 meanwhile);
 *   - in 16-bit periodic mode the reload puts LOAD's top half in VALUE's
 *     bits 31:16, as the RTL's 32-bit reload does (QEMU keeps the top half
 *     of the last LOAD write);
 *   - a stopped-then-restarted TIMCLK resumes an enabled counter.
 * The undefined PRESCALE 0b11 divides by 256 (as the RTL and QEMU do).
 */
#include <stdio.h>

#include "core/internal.h"
#include "devices/sp804_counter.h"
#include "emutime/devices/cmsdk_apb_dualtimer.h"

/* PID4..PID7, PID0..PID3, CID0..CID3 (0xFD0..0xFFC): part 0x823. */
static const uint8_t dualtimer_ids[12] = {
    0x04, 0x00, 0x00, 0x00, 0x23, 0xB8, 0x1B, 0x00, 0x0D, 0xF0, 0x05, 0xB1,
};

static const et__sp804_dual_model dualtimer_model = {
    .ids = dualtimer_ids,
    .ids_base = ET_CMSDK_DUALTIMER_PID4,
    .variant = { .prescale3_divisor = 256, .qemu_edge_reads = true, .load_drives_irq = false },
};

static et_lock_class dualtimer_lock_class = ET_LOCK_CLASS_INIT("cmsdk-apb-dualtimer");

static const et_vmstate dualtimer_state = { "cmsdk-apb-dualtimer", 1, et__sp804_dual_fields };

static const et_device_ops dualtimer_ops = {
    .type = "cmsdk-apb-dualtimer",
    .region_size = ET_CMSDK_DUALTIMER_REGION,
    .access_sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
    .unaligned_ok = false,
    .read = et__sp804_dual_read,
    .write = et__sp804_dual_write,
    .reset = et__sp804_dual_reset,
    .destroy = et__sp804_dual_destroy,
    .state = &dualtimer_state,
};

et_device *et_cmsdk_apb_dualtimer_new(et_clock *clock, const char *name,
                                      const et_cmsdk_apb_dualtimer_config *cfg, char *err,
                                      size_t errlen)
{
    const char *problem = NULL;
    if (!clock) {
        problem = "cmsdk-apb-dualtimer: a clock is required";
    } else if (!cfg) {
        problem = "cmsdk-apb-dualtimer: a configuration is required";
    } else if (!cfg->timclk) {
        problem = "cmsdk-apb-dualtimer: the TIMCLK clock input (cfg->timclk) must be connected";
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    return et__sp804_dual_new(clock, name, &dualtimer_ops, &dualtimer_lock_class,
                              &dualtimer_model, cfg->timclk, cfg->timclk);
}
