/* The Stellaris GPTM joins the shared suites (device_adapter.h). */
#include <pthread.h>
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/stellaris_gptm.h"

/* Running mode: the system clock at 12.5 MHz (80 ns), 32-bit periodic
 * with TAILR 124: a time-out every 125 ticks, 10 us. */
#define RUN_LOAD 124

static et_clock_input *clk;
static pthread_once_t clk_once = PTHREAD_ONCE_INIT;

static void make_clk(void)
{
    clk = et_clock_input_new("adapter-gptm-sysclk");
    et_clock_input_set_hz(clk, 12500000);
}

static et_device *gptm_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                              void *sink_opaque, char *err, size_t errlen)
{
    pthread_once(&clk_once, make_clk);
    et_stellaris_gptm_config cfg = { .clk = clk };
    et_device *dev = et_stellaris_gptm_new(clock, "stellaris-gptm", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, sink_opaque, (int)i);
    }
    if (running) {
        et_device_write(dev, ET_GPTM_TAMR, ET_GPTM_MR_PERIODIC, 4);
        et_device_write(dev, ET_GPTM_TAILR, RUN_LOAD, 4);
        et_device_write(dev, ET_GPTM_IMR, ET_GPTM_INT_TATO, 4);
        et_device_write(dev, ET_GPTM_CTL, ET_GPTM_CTL_TAEN, 4);
    }
    return dev;
}

#define BASELINE_KNOWN (UINT64_C(1) << 63)

/* TAR only goes up by reloading, one cycle after the time-out that set
 * TATORIS, which only this function clears: a rise of TAR from a non-zero
 * baseline must come with TATORIS set. */
static bool gptm_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint64_t value = et_device_read(dev, ET_GPTM_TAR, 4);
    uint64_t ris = et_device_read(dev, ET_GPTM_RIS, 4);
    bool known = (*state & BASELINE_KNOWN) != 0;
    uint64_t baseline = *state & ~BASELINE_KNOWN;
    if (known && baseline != 0 && value > baseline && !(ris & ET_GPTM_INT_TATO)) {
        snprintf(msg, len, "GPTMTAR went from %llu up to %llu (through 0) but TATORIS reads 0",
                 (unsigned long long)baseline, (unsigned long long)value);
        return false;
    }
    if (ris & ET_GPTM_INT_TATO) {
        et_device_write(dev, ET_GPTM_ICR, ET_GPTM_INT_TATO, 4);
        value = et_device_read(dev, ET_GPTM_TAR, 4);
    }
    *state = value | BASELINE_KNOWN;
    return true;
}

/* Reads of any register; IMR and the prescalers rewritten (no effect on
 * a 32-bit timer). */
static void gptm_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t regs[] = { ET_GPTM_CFG, ET_GPTM_TAMR, ET_GPTM_CTL, ET_GPTM_IMR,
                                     ET_GPTM_MIS, ET_GPTM_TAILR, ET_GPTM_TAMATCHR, ET_GPTM_TAR,
                                     ET_GPTM_TBR };
    switch (rnd % 11) {
    case 9:
        et_device_write(dev, ET_GPTM_IMR, (uint32_t)(rnd >> 8) & 0x070F, 4);
        break;
    case 10:
        et_device_write(dev, ET_GPTM_TAPR, (uint32_t)(rnd >> 8) & 0xFF, 4);
        break;
    default:
        (void)et_device_read(dev, regs[rnd % 9], (rnd >> 8) & 1 ? 2 : 4);
        break;
    }
}

static const uint32_t gptm_offsets[] = {
    ET_GPTM_CFG,      ET_GPTM_TAMR,     ET_GPTM_TBMR,  ET_GPTM_CTL,   ET_GPTM_IMR,
    ET_GPTM_RIS,      ET_GPTM_MIS,      ET_GPTM_ICR,   ET_GPTM_TAILR, ET_GPTM_TBILR,
    ET_GPTM_TAMATCHR, ET_GPTM_TBMATCHR, ET_GPTM_TAPR,  ET_GPTM_TBPR,  ET_GPTM_TAR,
    ET_GPTM_TBR,      0x050,
};

static const et_test_adapter stellaris_gptm_adapter = {
    .name = "stellaris-gptm",
    .create = gptm_create,
    .observe = gptm_observe,
    .random_access = gptm_random_access,
    .offsets = gptm_offsets,
    .n_offsets = sizeof(gptm_offsets) / sizeof(gptm_offsets[0]),
    .sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
};

ET_TEST_ADAPTER_REGISTER(stellaris_gptm_adapter)
