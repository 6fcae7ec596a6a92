/* The PL031 RTC joins the shared suites (device_adapter.h). */
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/pl031.h"

/* Its counter ticks once a second, so no timer of it can be fast: running
 * mode puts the wall clock 200 us before a second boundary (a "vm" source:
 * 2020-01-01T00:00:00 less 200 us when created) with RTCMR at that second
 * and the interrupt unmasked, so the first match comes 200 us in (at the
 * RTCMR write if creating took longer); each observation that clears the
 * interrupt sets the next match one second on. */
#define RUN_BASE_S 1577836800LL
#define RUN_LEAD_NS 200000

static et_device *pl031_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                               void *sink_opaque, char *err, size_t errlen)
{
    et_pl031_config cfg = {
        .wallclock = et_wallclock_vm_at(RUN_BASE_S * 1000000000LL - RUN_LEAD_NS, et_clock_now(clock)),
    };
    et_device *dev = et_pl031_new(clock, "pl031", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, sink_opaque, (int)i);
    }
    if (running) {
        et_device_write(dev, ET_PL031_MR, (uint32_t)RUN_BASE_S, 4);
        et_device_write(dev, ET_PL031_IMSC, 1, 4);
    }
    return dev;
}

#define CLEARED_KNOWN (UINT64_C(1) << 63)

/* The match sets RIS at the instant RTCDR becomes RTCMR, before any access
 * at or after that instant is served; only this function clears RIS (and
 * moves RTCMR). So RTCDR reading RTCMR with RIS clear is a violation,
 * unless this function cleared RIS during that same second. */
static bool pl031_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint32_t mr = (uint32_t)et_device_read(dev, ET_PL031_MR, 4);
    uint32_t dr = (uint32_t)et_device_read(dev, ET_PL031_DR, 4);
    uint32_t ris = (uint32_t)et_device_read(dev, ET_PL031_RIS, 4);
    bool cleared_now = (*state & CLEARED_KNOWN) && (uint32_t)*state == dr;
    if (dr == mr && !(ris & 1) && !cleared_now) {
        snprintf(msg, len, "RTCDR reads RTCMR (0x%08x) but RTCRIS reads 0", (unsigned)dr);
        return false;
    }
    if (ris & 1) {
        et_device_write(dev, ET_PL031_ICR, 1, 4);
        dr = (uint32_t)et_device_read(dev, ET_PL031_DR, 4);
        *state = CLEARED_KNOWN | dr;
        et_device_write(dev, ET_PL031_MR, dr + 1, 4);
    }
    return true;
}

/* Reads of any register; IMSC rewritten unchanged; RTCCR (ignored). */
static void pl031_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t regs[] = { ET_PL031_DR,  ET_PL031_MR,  ET_PL031_LR,
                                     ET_PL031_CR,  ET_PL031_IMSC, ET_PL031_RIS,
                                     ET_PL031_MIS, ET_PL031_PERIPHID0 };
    switch (rnd % 10) {
    case 8:
        et_device_write(dev, ET_PL031_IMSC, 1, 4);
        break;
    case 9:
        et_device_write(dev, ET_PL031_CR, 1, 4);
        break;
    default:
        (void)et_device_read(dev, regs[rnd % 8], (rnd >> 8) & 1 ? 2 : 4);
        break;
    }
}

static const uint32_t pl031_offsets[] = {
    ET_PL031_DR,   ET_PL031_MR,  ET_PL031_LR,  ET_PL031_CR,        ET_PL031_IMSC,
    ET_PL031_RIS,  ET_PL031_MIS, ET_PL031_ICR, ET_PL031_PERIPHID0, ET_PL031_PCELLID0,
    0x020,
};

static const et_test_adapter pl031_adapter = {
    .name = "pl031",
    .create = pl031_create,
    .observe = pl031_observe,
    .random_access = pl031_random_access,
    .offsets = pl031_offsets,
    .n_offsets = sizeof(pl031_offsets) / sizeof(pl031_offsets[0]),
    .sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
    .slow_timer = true,
};

ET_TEST_ADAPTER_REGISTER(pl031_adapter)
