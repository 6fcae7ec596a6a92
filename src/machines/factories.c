/* Device types a board can name, each a thin adapter from a board entry
 * (the device's own config, plus the board clock feeding it) to the
 * device's constructor. */
#include <stdio.h>
#include <string.h>

#include "core/internal.h"
#include "emutime/devices/acpi_pm_timer.h"
#include "emutime/devices/arm_gtimer.h"
#include "emutime/devices/arm_mptimer.h"
#include "emutime/devices/armv7m_systick.h"
#include "emutime/devices/cmsdk_apb_dualtimer.h"
#include "emutime/devices/cmsdk_apb_timer.h"
#include "emutime/devices/cmsdk_apb_watchdog.h"
#include "emutime/devices/goldfish_rtc.h"
#include "emutime/devices/hpet.h"
#include "emutime/devices/i8254.h"
#include "emutime/devices/ib700.h"
#include "emutime/devices/mc146818_rtc.h"
#include "emutime/devices/pl031.h"
#include "emutime/devices/riscv_aclint.h"
#include "emutime/devices/sp804.h"
#include "emutime/devices/sse_counter.h"
#include "emutime/devices/sse_timer.h"
#include "emutime/devices/stellaris_gptm.h"
#include "emutime/devices/stellaris_sysctl.h"
#include "machines/machine_internal.h"

static et_device *make_cmsdk_timer(et_clock *clock, const char *name, et_clock_input *clk,
                                   const void *config, char *err, size_t errlen)
{
    et_cmsdk_apb_timer_config cfg = *(const et_cmsdk_apb_timer_config *)config;
    cfg.pclk = clk;
    return et_cmsdk_apb_timer_new(clock, name, &cfg, err, errlen);
}

static et_device *make_cmsdk_dualtimer(et_clock *clock, const char *name, et_clock_input *clk,
                                       const void *config, char *err, size_t errlen)
{
    et_cmsdk_apb_dualtimer_config cfg = *(const et_cmsdk_apb_dualtimer_config *)config;
    cfg.timclk = clk;
    return et_cmsdk_apb_dualtimer_new(clock, name, &cfg, err, errlen);
}

static et_device *make_cmsdk_watchdog(et_clock *clock, const char *name, et_clock_input *clk,
                                      const void *config, char *err, size_t errlen)
{
    et_cmsdk_apb_watchdog_config cfg = *(const et_cmsdk_apb_watchdog_config *)config;
    cfg.wdogclk = clk;
    return et_cmsdk_apb_watchdog_new(clock, name, &cfg, err, errlen);
}

static et_device *make_armv7m_systick(et_clock *clock, const char *name, et_clock_input *clk,
                                      const void *config, char *err, size_t errlen)
{
    et_armv7m_systick_config cfg = *(const et_armv7m_systick_config *)config;
    cfg.cpuclk = clk; /* the board clock is the processor clock */
    return et_armv7m_systick_new(clock, name, &cfg, err, errlen);
}

static et_device *make_stellaris_sysctl(et_clock *clock, const char *name, et_clock_input *clk,
                                        const void *config, char *err, size_t errlen)
{
    et_stellaris_sysctl_config cfg = *(const et_stellaris_sysctl_config *)config;
    cfg.sysclk = clk; /* the board clock it drives */
    return et_stellaris_sysctl_new(clock, name, &cfg, err, errlen);
}

static et_device *make_stellaris_gptm(et_clock *clock, const char *name, et_clock_input *clk,
                                      const void *config, char *err, size_t errlen)
{
    (void)config;
    et_stellaris_gptm_config cfg = { .clk = clk };
    return et_stellaris_gptm_new(clock, name, &cfg, err, errlen);
}

static et_device *make_sse_counter(et_clock *clock, const char *name, et_clock_input *clk,
                                   const void *config, char *err, size_t errlen)
{
    (void)config;
    et_sse_counter_config cfg = { .clk = clk };
    return et_sse_counter_new(clock, name, &cfg, err, errlen);
}

/* The SSE counter's status frame and the SSE timers are built on the
 * board's counter device, which their entry's config names. */
static et_device *board_peer(et_machine *m, const void *config, char *err, size_t errlen)
{
    const char *peer = config ? ((const et__board_peer *)config)->peer : NULL;
    et_device *dev = peer ? et_machine_find_device(m, peer) : NULL;
    if (!dev) {
        et__error(err, errlen, ET_EINVAL,
                  "needs an earlier device of the board named in its config (%s)",
                  peer ? peer : "none given");
    }
    return dev;
}

static et_device *make_sse_counter_status(et_machine *m, const char *name, et_clock_input *clk,
                                          const void *config, char *err, size_t errlen)
{
    (void)clk;
    et_device *counter = board_peer(m, config, err, errlen);
    return counter ? et_sse_counter_status_new(et_machine_clock(m), name, counter, err, errlen)
                   : NULL;
}

static et_device *make_sse_timer(et_machine *m, const char *name, et_clock_input *clk,
                                 const void *config, char *err, size_t errlen)
{
    (void)clk; /* it counts its counter's timestamp, not a clock */
    et_sse_timer_config cfg = { .counter = board_peer(m, config, err, errlen) };
    return cfg.counter ? et_sse_timer_new(et_machine_clock(m), name, &cfg, err, errlen) : NULL;
}

static et_device *make_sp804(et_clock *clock, const char *name, et_clock_input *clk,
                             const void *config, char *err, size_t errlen)
{
    et_sp804_config cfg = *(const et_sp804_config *)config;
    cfg.timclk[0] = clk; /* both counters on the board's TIMCLK */
    cfg.timclk[1] = NULL;
    return et_sp804_new(clock, name, &cfg, err, errlen);
}

static et_device *make_hpet(et_clock *clock, const char *name, et_clock_input *clk,
                            const void *config, char *err, size_t errlen)
{
    (void)clk; /* counts at its own period (period_fs) */
    return et_hpet_new(clock, name, config, err, errlen);
}

static et_device *make_aclint_mtimer(et_clock *clock, const char *name, et_clock_input *clk,
                                     const void *config, char *err, size_t errlen)
{
    (void)clk; /* counts at its own timebase frequency */
    return et_riscv_aclint_mtimer_new(clock, name, config, err, errlen);
}

static et_device *make_aclint_swi(et_clock *clock, const char *name, et_clock_input *clk,
                                  const void *config, char *err, size_t errlen)
{
    (void)clk;
    return et_riscv_aclint_swi_new(clock, name, config, err, errlen);
}

/* An RTC's time base: the machine's rtc-base / rtc-clock options (QEMU's
 * -rtc base=,clock=); "vm" is the machine's clock. */
static int machine_wallclock(et_machine *m, et_wallclock *wc, char *err, size_t errlen)
{
    return et_wallclock_init(wc, et_machine_option(m, "rtc-base"),
                             et_machine_option(m, "rtc-clock"), et_machine_clock(m), err, errlen);
}

static et_device *make_mc146818_rtc(et_machine *m, const char *name, et_clock_input *clk,
                                    const void *config, char *err, size_t errlen)
{
    (void)clk; /* its 32.768 kHz time base is built in */
    (void)config;
    et_mc146818_rtc_config cfg;
    if (machine_wallclock(m, &cfg.wallclock, err, errlen) != 0) {
        return NULL;
    }
    return et_mc146818_rtc_new(et_machine_clock(m), name, &cfg, err, errlen);
}

static et_device *make_ib700(et_clock *clock, const char *name, et_clock_input *clk,
                             const void *config, char *err, size_t errlen)
{
    (void)clk; /* counts seconds of the virtual clock */
    (void)config;
    return et_ib700_new(clock, name, err, errlen);
}

static et_device *make_i8254(et_clock *clock, const char *name, et_clock_input *clk,
                             const void *config, char *err, size_t errlen)
{
    (void)clk; /* its 1.193182 MHz input is built in */
    (void)config;
    return et_i8254_new(clock, name, err, errlen);
}

static et_device *make_acpi_pm_timer(et_clock *clock, const char *name, et_clock_input *clk,
                                     const void *config, char *err, size_t errlen)
{
    (void)clk; /* 3.579545 MHz, built in */
    return et_acpi_pm_timer_new(clock, name, config, err, errlen);
}

static et_device *make_goldfish_rtc(et_clock *clock, const char *name, et_clock_input *clk,
                                    const void *config, char *err, size_t errlen)
{
    (void)clk; /* counts wall-clock nanoseconds */
    return et_goldfish_rtc_new(clock, name, config, err, errlen);
}

static et_device *make_arm_mptimer(et_clock *clock, const char *name, et_clock_input *clk,
                                   const void *config, char *err, size_t errlen)
{
    et_arm_mptimer_config cfg = *(const et_arm_mptimer_config *)config;
    cfg.periphclk = clk;
    return et_arm_mptimer_new(clock, name, &cfg, err, errlen);
}

static et_device *make_arm_gtimer(et_clock *clock, const char *name, et_clock_input *clk,
                                  const void *config, char *err, size_t errlen)
{
    et_arm_gtimer_config cfg = *(const et_arm_gtimer_config *)config;
    cfg.periphclk = clk;
    return et_arm_gtimer_new(clock, name, &cfg, err, errlen);
}

static const et__device_factory factories[] = {
    { "cmsdk-apb-timer", make_cmsdk_timer },
    { "cmsdk-apb-dualtimer", make_cmsdk_dualtimer },
    { "cmsdk-apb-watchdog", make_cmsdk_watchdog },
    { "sp804", make_sp804 },
    { "armv7m-systick", make_armv7m_systick },
    { "stellaris-sysctl", make_stellaris_sysctl },
    { "stellaris-gptm", make_stellaris_gptm },
    { "sse-counter", make_sse_counter },
    { "hpet", make_hpet },
    { "riscv.aclint.mtimer", make_aclint_mtimer },
    { "riscv.aclint.swi", make_aclint_swi },
    { "ib700", make_ib700 },
    { "i8254", make_i8254 },
    { "acpi-pm-timer", make_acpi_pm_timer },
    { "goldfish_rtc", make_goldfish_rtc },
    { "arm-mptimer", make_arm_mptimer },
    { "arm-gtimer", make_arm_gtimer },
};

static et_device *make_pl031(et_machine *m, const char *name, et_clock_input *clk,
                             const void *config, char *err, size_t errlen)
{
    (void)clk; /* its 1 Hz comes from the wall clock */
    (void)config;
    et_pl031_config cfg;
    if (machine_wallclock(m, &cfg.wallclock, err, errlen) != 0) {
        return NULL;
    }
    return et_pl031_new(et_machine_clock(m), name, &cfg, err, errlen);
}

static const et__machine_factory machine_factories[] = {
    { "pl031", make_pl031 },
    { "sse-counter-status", make_sse_counter_status },
    { "sse-timer", make_sse_timer },
    { "mc146818rtc", make_mc146818_rtc },
};

const et__machine_factory *et__machine_factory_find(const char *type)
{
    for (size_t i = 0; i < ET_N(machine_factories); i++) {
        if (strcmp(machine_factories[i].type, type) == 0) {
            return &machine_factories[i];
        }
    }
    return NULL;
}

const et__device_factory *et__device_factory_find(const char *type)
{
    for (size_t i = 0; i < ET_N(factories); i++) {
        if (strcmp(factories[i].type, type) == 0) {
            return &factories[i];
        }
    }
    return NULL;
}
