/* The ARMv7-M SysTick joins the shared suites (device_adapter.h). */
#include <pthread.h>
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/armv7m_systick.h"

/* Running mode: the processor clock at 25 MHz (40 ns), RVR 249,
 * CLKSOURCE | TICKINT | ENABLE: the count steps from 1 to 0 every 250
 * ticks, 10 us. The 1 MHz reference clock is there but not selected. */
#define RUN_RELOAD 249
#define RUN_CSR (ET_SYSTICK_CSR_ENABLE | ET_SYSTICK_CSR_TICKINT | ET_SYSTICK_CSR_CLKSOURCE)

static et_clock_input *cpuclk;
static pthread_once_t cpuclk_once = PTHREAD_ONCE_INIT;

static void make_cpuclk(void)
{
    cpuclk = et_clock_input_new("adapter-systick-cpuclk");
    et_clock_input_set_hz(cpuclk, 25000000);
}

static et_device *systick_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                                 void *sink_opaque, char *err, size_t errlen)
{
    pthread_once(&cpuclk_once, make_cpuclk);
    et_armv7m_systick_config cfg = { .cpuclk = cpuclk, .refclk_hz = 1000000 };
    et_device *dev = et_armv7m_systick_new(clock, "armv7m-systick", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, sink_opaque, (int)i);
    }
    if (running) {
        et_device_write(dev, ET_SYSTICK_RVR, RUN_RELOAD, 4);
        et_device_write(dev, ET_SYSTICK_CSR, RUN_CSR, 4);
    }
    return dev;
}

#define BASELINE_KNOWN (UINT64_C(1) << 63)

/* SYST_CVR only goes up by reloading, one tick after the 1 -> 0 step that
 * set COUNTFLAG; only this function reads SYST_CSR (which clears it). So a
 * rise of CVR from a non-zero baseline must come with COUNTFLAG set. */
static bool systick_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint64_t value = et_device_read(dev, ET_SYSTICK_CVR, 4);
    uint64_t csr = et_device_read(dev, ET_SYSTICK_CSR, 4);
    bool known = (*state & BASELINE_KNOWN) != 0;
    uint64_t baseline = *state & ~BASELINE_KNOWN;

    if (known && baseline != 0 && value > baseline && !(csr & ET_SYSTICK_CSR_COUNTFLAG)) {
        snprintf(msg, len,
                 "SYST_CVR went from %llu up to %llu (through 0) but COUNTFLAG reads 0 "
                 "(QEMU bug 1777777)",
                 (unsigned long long)baseline, (unsigned long long)value);
        return false;
    }
    if (csr & ET_SYSTICK_CSR_COUNTFLAG) {
        value = et_device_read(dev, ET_SYSTICK_CVR, 4); /* the read cleared it */
    }
    *state = value | BASELINE_KNOWN;
    return true;
}

/* Reads of RVR, CVR and CALIB (never CSR: its read clears COUNTFLAG);
 * CSR and RVR rewritten with their running values. */
static void systick_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t regs[] = { ET_SYSTICK_RVR, ET_SYSTICK_CVR, ET_SYSTICK_CALIB };
    switch (rnd % 5) {
    case 3:
        et_device_write(dev, ET_SYSTICK_CSR, RUN_CSR, 4);
        break;
    case 4:
        et_device_write(dev, ET_SYSTICK_RVR, RUN_RELOAD, 4);
        break;
    default:
        (void)et_device_read(dev, regs[rnd % 3], 4);
        break;
    }
}

static const uint32_t systick_offsets[] = {
    ET_SYSTICK_CSR, ET_SYSTICK_RVR, ET_SYSTICK_CVR, ET_SYSTICK_CALIB, 0x10,
};

static const et_test_adapter armv7m_systick_adapter = {
    .name = "armv7m-systick",
    .create = systick_create,
    .observe = systick_observe,
    .random_access = systick_random_access,
    .offsets = systick_offsets,
    .n_offsets = sizeof(systick_offsets) / sizeof(systick_offsets[0]),
    .sizes = ET_ACCESS_4,
};

ET_TEST_ADAPTER_REGISTER(armv7m_systick_adapter)
