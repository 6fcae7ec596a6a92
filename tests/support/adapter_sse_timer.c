/* The SSE System Timer joins the shared suites (device_adapter.h). Its
 * System Counter is created with it, enabled, and freed at once: the
 * timer keeps the counter's timestamp (its last configuration) alive. */
#include <pthread.h>
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/sse_counter.h"
#include "emutime/devices/sse_timer.h"

/* Running mode: the counter at 32 MHz (31.25 ns), auto-increment with
 * RELOAD 320: a match every 10 us. */
#define RUN_RELOAD 320

static et_clock_input *clk;
static pthread_once_t clk_once = PTHREAD_ONCE_INIT;

static void make_clk(void)
{
    clk = et_clock_input_new("adapter-sse-counter-clk");
    et_clock_input_set_hz(clk, 32000000);
}

static et_device *sse_timer_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                                   void *sink_opaque, char *err, size_t errlen)
{
    pthread_once(&clk_once, make_clk);
    et_sse_counter_config ccfg = { .clk = clk };
    et_device *counter = et_sse_counter_new(clock, "sse-counter", &ccfg, err, errlen);
    if (!counter) {
        return NULL;
    }
    et_device_write(counter, ET_SSE_CNTCR, ET_SSE_CNTCR_EN, 4);
    et_sse_timer_config cfg = { .counter = counter };
    et_device *dev = et_sse_timer_new(clock, "sse-timer", &cfg, err, errlen);
    et_device_free(counter);
    if (!dev) {
        return NULL;
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, sink_opaque, (int)i);
    }
    if (running) {
        et_device_write(dev, ET_SSE_TIMER_CNTP_AIVAL_RELOAD, RUN_RELOAD, 4);
        et_device_write(dev, ET_SSE_TIMER_CNTP_AIVAL_CTL, ET_SSE_TIMER_AIVAL_EN, 4);
        et_device_write(dev, ET_SSE_TIMER_CNTP_CTL, ET_SSE_TIMER_CTL_ENABLE, 4);
    }
    return dev;
}

static uint64_t rd64(et_device *dev, uint32_t lo)
{
    uint64_t l = et_device_read(dev, lo, 4);
    return l | et_device_read(dev, lo + 4, 4) << 32;
}

/* In auto-increment mode (only this function and the running setup write
 * the auto-increment registers): read AIVAL, then CNTPCT, then ISTATUS. If
 * the count has reached the AIVAL read first, that match has happened and
 * set CLR, which only this function clears: ISTATUS must read 1 (QEMU bug
 * 1777777's shape: a count seen past its match without the status). And
 * CNTPCT never goes backwards. *state holds the last CNTPCT. */
static bool sse_timer_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint32_t ctl = (uint32_t)et_device_read(dev, ET_SSE_TIMER_CNTP_CTL, 4);
    uint32_t aictl = (uint32_t)et_device_read(dev, ET_SSE_TIMER_CNTP_AIVAL_CTL, 4);
    uint64_t aival = rd64(dev, ET_SSE_TIMER_CNTP_AIVAL_LO);
    uint64_t cnt = rd64(dev, ET_SSE_TIMER_CNTPCT_LO);
    uint32_t ctl2 = (uint32_t)et_device_read(dev, ET_SSE_TIMER_CNTP_CTL, 4);

    if (cnt < *state) {
        snprintf(msg, len, "CNTPCT went backwards: %llu, then %llu",
                 (unsigned long long)*state, (unsigned long long)cnt);
        return false;
    }
    bool autoinc_on = (ctl & ET_SSE_TIMER_CTL_ENABLE) && (aictl & ET_SSE_TIMER_AIVAL_EN);
    if (autoinc_on && cnt >= aival && !(ctl2 & ET_SSE_TIMER_CTL_ISTATUS)) {
        snprintf(msg, len, "CNTPCT %llu reached AIVAL %llu but ISTATUS reads 0",
                 (unsigned long long)cnt, (unsigned long long)aival);
        return false;
    }
    if (autoinc_on && (ctl2 & ET_SSE_TIMER_CTL_ISTATUS)) {
        et_device_write(dev, ET_SSE_TIMER_CNTP_AIVAL_CTL, ET_SSE_TIMER_AIVAL_EN, 4); /* CLR */
    }
    *state = cnt;
    return true;
}

/* Reads of any register; CVAL and TVAL writes (compare mode is not in
 * use while auto-increment is on); CNTFRQ. */
static void sse_timer_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t regs[] = {
        ET_SSE_TIMER_CNTPCT_LO,    ET_SSE_TIMER_CNTPCT_HI,   ET_SSE_TIMER_CNTFRQ,
        ET_SSE_TIMER_CNTP_CVAL_LO, ET_SSE_TIMER_CNTP_TVAL,   ET_SSE_TIMER_CNTP_CTL,
        ET_SSE_TIMER_CNTP_AIVAL_LO, ET_SSE_TIMER_CNTP_AIVAL_RELOAD, ET_SSE_TIMER_CNTP_CFG,
        ET_SSE_TIMER_PID4,
    };
    switch (rnd % 13) {
    case 10:
        et_device_write(dev, ET_SSE_TIMER_CNTP_TVAL, (uint32_t)(rnd >> 8) % 1000, 4);
        break;
    case 11:
        et_device_write(dev, ET_SSE_TIMER_CNTP_CVAL_HI, 0, 4);
        break;
    case 12:
        et_device_write(dev, ET_SSE_TIMER_CNTFRQ, 32000000, 4);
        break;
    default:
        (void)et_device_read(dev, regs[rnd % 10], 4);
        break;
    }
}

static const uint32_t sse_timer_offsets[] = {
    ET_SSE_TIMER_CNTPCT_LO,    ET_SSE_TIMER_CNTPCT_HI,     ET_SSE_TIMER_CNTFRQ,
    ET_SSE_TIMER_CNTP_CVAL_LO, ET_SSE_TIMER_CNTP_CVAL_HI,  ET_SSE_TIMER_CNTP_TVAL,
    ET_SSE_TIMER_CNTP_CTL,     ET_SSE_TIMER_CNTP_AIVAL_LO, ET_SSE_TIMER_CNTP_AIVAL_RELOAD,
    ET_SSE_TIMER_CNTP_AIVAL_CTL, ET_SSE_TIMER_CNTP_CFG,    ET_SSE_TIMER_PID4, 0x030,
};

static const et_test_adapter sse_timer_adapter = {
    .name = "sse-timer",
    .create = sse_timer_create,
    .observe = sse_timer_observe,
    .random_access = sse_timer_random_access,
    .offsets = sse_timer_offsets,
    .n_offsets = sizeof(sse_timer_offsets) / sizeof(sse_timer_offsets[0]),
    .sizes = ET_ACCESS_4,
};

ET_TEST_ADAPTER_REGISTER(sse_timer_adapter)
