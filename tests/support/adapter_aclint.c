/* The RISC-V ACLINT MTIMER joins the shared suites (device_adapter.h).
 *
 * Two harts with hartid-base 8 (so absolute and relative hart ids differ),
 * the default layout and 10 MHz. Running mode arms hart 0 every 10 us of
 * virtual time (100 ticks; observe() re-arms it) and lets random accesses
 * re-arm hart 1 at will. */
#include <stdio.h>

#include "device_adapter.h"
#include "emutime/devices/riscv_aclint.h"

#define HARTID_BASE 8u
#define MTIMECMP0 0x0u
#define MTIMECMP1 0x8u
#define MTIME 0x7FF8u
#define RUN_TICKS 100u /* 10 us at 10 MHz */

static et_device *aclint_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                                void *sink_opaque, char *err, size_t errlen)
{
    et_riscv_aclint_mtimer_config cfg = ET_RISCV_ACLINT_MTIMER_DEFAULTS;
    cfg.num_harts = 2;
    cfg.hartid_base = HARTID_BASE;
    et_device *dev = et_riscv_aclint_mtimer_new(clock, "aclint-mtimer", &cfg, err, errlen);
    if (!dev) {
        return NULL;
    }
    /* Programmed before the sinks are connected: the MTIP lines power on
     * raised (mtimecmp 0) and fall here, so the sinks start, like every
     * other device's, from all lines low. */
    et_device_write(dev, MTIMECMP0, UINT64_MAX, 8);
    et_device_write(dev, MTIMECMP1, UINT64_MAX, 8);
    if (running) {
        uint64_t now = et_device_read(dev, MTIME, 8);
        et_device_write(dev, MTIMECMP0, now + RUN_TICKS, 8);
        et_device_write(dev, MTIMECMP1, now + 37, 8);
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, sink_opaque, (int)i);
    }
    return dev;
}

/* The guest-visible invariant, for hart 0 (only this function writes its
 * mtimecmp, and nobody writes mtime):
 *   - read mtime t1, then the hart's MTIP as it sees it in mip: if
 *     t1 >= mtimecmp, MTIP must be raised (the expiry is due: MTIP must not
 *     lag behind mtime, however late the timer thread is);
 *   - read MTIP, then mtime t2: if MTIP was raised, t2 >= mtimecmp (the
 *     interrupt never comes early: the deadline is rounded up);
 *   - mtime never goes backwards.
 * *state holds the last mtime seen. A raised MTIP is cleared by re-arming
 * 10 us ahead. */
static bool aclint_observe(et_device *dev, uint64_t *state, char *msg, size_t len)
{
    uint64_t cmp = et_device_read(dev, MTIMECMP0, 8);
    int before = et_riscv_aclint_mtimer_mtip(dev, HARTID_BASE);
    uint64_t t1 = et_device_read(dev, MTIME, 8);
    int after = et_riscv_aclint_mtimer_mtip(dev, HARTID_BASE);
    uint64_t t2 = et_device_read(dev, MTIME, 8);

    if (t1 < *state || t2 < t1) {
        snprintf(msg, len, "mtime went backwards: %llu, then %llu, then %llu",
                 (unsigned long long)*state, (unsigned long long)t1, (unsigned long long)t2);
        return false;
    }
    if (before == 1 && t1 < cmp) {
        snprintf(msg, len, "MTIP raised while mtime %llu < mtimecmp %llu (early interrupt)",
                 (unsigned long long)t1, (unsigned long long)cmp);
        return false;
    }
    if (t1 >= cmp && after != 1) {
        snprintf(msg, len,
                 "mtime read %llu >= mtimecmp %llu, but MTIP read afterwards is %d "
                 "(interrupt lagging behind mtime)",
                 (unsigned long long)t1, (unsigned long long)cmp, after);
        return false;
    }
    if (after == 1) {
        et_device_write(dev, MTIMECMP0, t2 + RUN_TICKS, 8);
    }
    *state = t2;
    return true;
}

/* Reads of any register; writes only to hart 1's mtimecmp (never hart 0's,
 * never mtime), in 8-byte or RV32 halves. */
static void aclint_random_access(et_device *dev, uint64_t rnd)
{
    static const uint32_t regs4[] = { MTIMECMP0, MTIMECMP0 + 4, MTIMECMP1, MTIMECMP1 + 4,
                                      MTIME, MTIME + 4 };
    switch (rnd % 8) {
    case 0: {
        uint64_t now = et_device_read(dev, MTIME, 8);
        et_device_write(dev, MTIMECMP1, now + (rnd >> 8) % 200, 8);
        break;
    }
    case 1:
        et_device_write(dev, MTIMECMP1 + ((rnd >> 8) & 1) * 4, (uint32_t)(rnd >> 16), 4);
        break;
    case 2:
        (void)et_riscv_aclint_mtimer_time(dev);
        break;
    case 3:
        (void)et_riscv_aclint_mtimer_mtip(dev, HARTID_BASE + 1);
        break;
    case 4:
        (void)et_device_read(dev, (rnd >> 8) & 1 ? MTIME : MTIMECMP1, 8);
        break;
    default:
        (void)et_device_read(dev, regs4[(rnd >> 8) % 6], 4);
        break;
    }
}

static const uint32_t aclint_offsets[] = { MTIMECMP0, MTIMECMP0 + 4, MTIMECMP1, MTIMECMP1 + 4,
                                           MTIME, MTIME + 4 };

static const et_test_adapter aclint_adapter = {
    .name = "riscv-aclint-mtimer",
    .create = aclint_create,
    .observe = aclint_observe,
    .random_access = aclint_random_access,
    .offsets = aclint_offsets,
    .n_offsets = sizeof(aclint_offsets) / sizeof(aclint_offsets[0]),
    .sizes = ET_ACCESS_4 | ET_ACCESS_8,
};

ET_TEST_ADAPTER_REGISTER(aclint_adapter)
