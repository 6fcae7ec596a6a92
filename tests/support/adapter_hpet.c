/* The HPET joins the shared suites (device_adapter.h): QEMU's pc HPET with
 * 3 timers at 100 MHz. */
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/hpet.h"

/* Running mode: timer 0 periodic, level-triggered on line 2, every 1000
 * ticks (10 us); timer 1 one-shot edge on line 2 for random_access to
 * re-arm. */
#define RUN_PERIOD 1000

#define TCONF(n) ET_HPET_TN_CONF(n)
#define TCMP(n) ET_HPET_TN_CMP(n)
#define TFSB(n) ET_HPET_TN_FSB(n)
#define ROUTE2 ((uint64_t)2 << ET_HPET_TN_ROUTE_SHIFT)

static et_device *hpet_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                              void *sink_opaque, char *err, size_t errlen)
{
    et_device *dev = et_hpet_new(clock, "hpet", NULL, err, errlen);
    if (!dev) {
        return NULL;
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, sink_opaque, (int)i);
    }
    if (running) {
        et_device_write(dev, TCONF(0), ET_HPET_TN_PERIODIC | ET_HPET_TN_INT_TYPE_LEVEL |
                                           ET_HPET_TN_INT_ENB | ROUTE2 | ET_HPET_TN_VAL_SET, 8);
        et_device_write(dev, TCMP(0), RUN_PERIOD, 8);
        et_device_write(dev, TCONF(1), ET_HPET_TN_INT_ENB | ROUTE2, 8);
        et_device_write(dev, TCMP(1), RUN_PERIOD / 2, 8);
        et_device_write(dev, ET_HPET_GEN_CONF, ET_HPET_CONF_ENABLE, 8);
    }
    return dev;
}

/* Timer 0 is periodic and level-triggered, and only this function clears
 * its status bit. Its comparator always holds the next match not yet
 * processed (expiries and catch-up advance it past the counter), and a
 * match sets the status bit in the same step under the device lock. So if
 * a counter value read after the comparator is at or past it, the match
 * came due before the status read, whose catch-up runs it: the status read
 * after must show the bit (it was cleared, if at all, before the comparator
 * read). A QEMU-style race between the expiry and the registers breaks
 * this. */
static bool hpet_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint64_t cmp = et_device_read(dev, TCMP(0), 8);
    uint64_t counter = et_device_read(dev, ET_HPET_MAIN_COUNTER, 8);
    uint64_t status = et_device_read(dev, ET_HPET_GINTR_STA, 8);

    if (counter >= cmp && !(status & 1)) {
        snprintf(msg, len,
                 "main counter 0x%llx is at or past timer 0's comparator 0x%llx (read before "
                 "it) but GINTR_STA reads 0x%llx: the match is not visible",
                 (unsigned long long)counter, (unsigned long long)cmp,
                 (unsigned long long)status);
        return false;
    }
    if (status & 1) {
        et_device_write(dev, ET_HPET_GINTR_STA, 1, 8);
        (*state)++; /* matches seen */
    }
    return true;
}

static const uint32_t hpet_offsets[] = {
    ET_HPET_GCAP_ID,       ET_HPET_GCAP_ID + 4,   ET_HPET_GEN_CONF,  ET_HPET_GEN_CONF + 4,
    ET_HPET_GINTR_STA,     ET_HPET_GINTR_STA + 4, ET_HPET_MAIN_COUNTER,
    ET_HPET_MAIN_COUNTER + 4,
    TCONF(0), TCONF(0) + 4, TCMP(0), TCMP(0) + 4, TFSB(0), TFSB(0) + 4,
    TCONF(1), TCONF(1) + 4, TCMP(1), TCMP(1) + 4, TFSB(1), TFSB(1) + 4,
    TCONF(2), TCONF(2) + 4, TCMP(2), TCMP(2) + 4, TFSB(2), TFSB(2) + 4,
};

#define N_OFFSETS (sizeof(hpet_offsets) / sizeof(hpet_offsets[0]))

/* Reads of any register, and writes that leave timer 0's schedule, its
 * status bit and the overall enable alone: timers 1 and 2 (one-shots near
 * the counter, trigger mode, INT_ENB), their status bits, FSB routes,
 * GEN_CONF and Tn_CONF(0) rewritten with the value they have. */
static void hpet_random_access(et_device *dev, uint64_t rnd)
{
    unsigned sel = (unsigned)(rnd % 9);
    uint64_t arg = rnd >> 8;
    unsigned timer = 1 + (unsigned)(arg & 1);
    switch (sel) {
    case 0: {
        uint64_t counter = et_device_read(dev, ET_HPET_MAIN_COUNTER, 8);
        et_device_write(dev, TCMP(timer), counter + 100 + (arg >> 1) % 2000, 8);
        break;
    }
    case 1: {
        uint64_t conf = ET_HPET_TN_INT_ENB | ROUTE2;
        if (arg & 2) {
            conf |= ET_HPET_TN_INT_TYPE_LEVEL;
        }
        if (arg & 4) {
            conf &= ~(uint64_t)ET_HPET_TN_INT_ENB;
        }
        et_device_write(dev, TCONF(timer), conf, (arg & 8) ? 8 : 4);
        break;
    }
    case 2:
        et_device_write(dev, ET_HPET_GINTR_STA, (arg & 6), (arg & 8) ? 8 : 4);
        break;
    case 3:
        et_device_write(dev, TFSB(arg % 3), arg, 8);
        break;
    case 4: {
        uint64_t conf = et_device_read(dev, ET_HPET_GEN_CONF, 8);
        et_device_write(dev, ET_HPET_GEN_CONF, conf, 8);
        break;
    }
    case 5: {
        uint64_t conf = et_device_read(dev, TCONF(0), 4);
        et_device_write(dev, TCONF(0), conf, 4);
        break;
    }
    default: {
        uint32_t off = hpet_offsets[arg % N_OFFSETS];
        unsigned size = ((off & 4) || (arg & 0x100)) ? 4 : 8;
        (void)et_device_read(dev, off, size);
        break;
    }
    }
}

static const et_test_adapter hpet_adapter = {
    .name = "hpet",
    .create = hpet_create,
    .observe = hpet_observe,
    .random_access = hpet_random_access,
    .offsets = hpet_offsets,
    .n_offsets = N_OFFSETS,
    .sizes = ET_ACCESS_4 | ET_ACCESS_8,
};

ET_TEST_ADAPTER_REGISTER(hpet_adapter)
