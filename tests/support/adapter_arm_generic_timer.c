/* The Arm generic timer joins the shared suites (device_adapter.h),
 * through its CNTBaseN-style frame. A free-running counter at 62.5 MHz
 * (16 ns); running mode arms the physical timer 625 ticks (10 us) ahead,
 * and observe() re-arms it; random accesses may re-arm the virtual one. */
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/arm_generic_timer.h"

#define RUN_TICKS 625

static et_device *gt_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                            void *sink_opaque, char *err, size_t errlen)
{
    et_arm_generic_timer_config cfg = { .freq_hz = 62500000, .cntfrq_reset = 62500000 };
    et_device *dev = et_arm_generic_timer_new(clock, "arm-generic-timer", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, sink_opaque, (int)i);
    }
    if (running) {
        et_device_write(dev, ET_ARM_GT_FRAME_CNTP_TVAL, RUN_TICKS, 4);
        et_device_write(dev, ET_ARM_GT_FRAME_CNTP_CTL, ET_ARM_GT_CTL_ENABLE, 4);
    }
    return dev;
}

/* The physical timer (only this function writes its CVAL and CTL):
 *   - read CVAL, then CNTPCT t1, then CTL: if t1 >= CVAL and the timer is
 *     enabled, ISTATUS must be set (the status never lags the count);
 *   - CNTPCT never goes backwards.
 * A met condition is re-armed RUN_TICKS ahead. *state is the last count. */
static bool gt_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint64_t cval = et_device_read(dev, ET_ARM_GT_FRAME_CNTP_CVAL, 8);
    uint64_t t1 = et_device_read(dev, ET_ARM_GT_FRAME_CNTPCT, 8);
    uint32_t ctl = (uint32_t)et_device_read(dev, ET_ARM_GT_FRAME_CNTP_CTL, 4);
    if (t1 < *state) {
        snprintf(msg, len, "CNTPCT went backwards: %llu, then %llu",
                 (unsigned long long)*state, (unsigned long long)t1);
        return false;
    }
    if ((ctl & ET_ARM_GT_CTL_ENABLE) && t1 >= cval && !(ctl & ET_ARM_GT_CTL_ISTATUS)) {
        snprintf(msg, len, "CNTPCT %llu >= CNTP_CVAL %llu but ISTATUS reads 0",
                 (unsigned long long)t1, (unsigned long long)cval);
        return false;
    }
    if (ctl & ET_ARM_GT_CTL_ISTATUS) {
        et_device_write(dev, ET_ARM_GT_FRAME_CNTP_TVAL, RUN_TICKS, 4);
    }
    *state = t1;
    return true;
}

/* Reads of any frame register; the virtual timer's CVAL/TVAL/CTL. */
static void gt_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t regs4[] = {
        ET_ARM_GT_FRAME_CNTPCT, ET_ARM_GT_FRAME_CNTVCT + 4, ET_ARM_GT_FRAME_CNTFRQ,
        ET_ARM_GT_FRAME_CNTP_TVAL, ET_ARM_GT_FRAME_CNTP_CTL, ET_ARM_GT_FRAME_CNTV_TVAL,
    };
    switch (rnd % 9) {
    case 6:
        et_device_write(dev, ET_ARM_GT_FRAME_CNTV_TVAL, (uint32_t)(rnd >> 8) % 2000, 4);
        break;
    case 7:
        et_device_write(dev, ET_ARM_GT_FRAME_CNTV_CTL, (uint32_t)(rnd >> 8) & 3, 4);
        break;
    case 8:
        (void)et_device_read(dev, ET_ARM_GT_FRAME_CNTVCT, 8);
        break;
    default:
        (void)et_device_read(dev, regs4[rnd % 6], 4);
        break;
    }
}

static const uint32_t gt_offsets[] = {
    ET_ARM_GT_FRAME_CNTPCT,    ET_ARM_GT_FRAME_CNTVCT,    ET_ARM_GT_FRAME_CNTFRQ,
    ET_ARM_GT_FRAME_CNTVOFF,   ET_ARM_GT_FRAME_CNTP_CVAL, ET_ARM_GT_FRAME_CNTP_CVAL + 4,
    ET_ARM_GT_FRAME_CNTP_TVAL, ET_ARM_GT_FRAME_CNTP_CTL,  ET_ARM_GT_FRAME_CNTV_CVAL,
    ET_ARM_GT_FRAME_CNTV_TVAL, ET_ARM_GT_FRAME_CNTV_CTL,  0x040,
};

static const et_test_adapter arm_generic_timer_adapter = {
    .name = "arm-generic-timer",
    .create = gt_create,
    .observe = gt_observe,
    .random_access = gt_random_access,
    .offsets = gt_offsets,
    .n_offsets = sizeof(gt_offsets) / sizeof(gt_offsets[0]),
    .sizes = ET_ACCESS_4 | ET_ACCESS_8,
};

ET_TEST_ADAPTER_REGISTER(arm_generic_timer_adapter)
