/* The test-only countdown device (test_countdown.h). It models no real
 * hardware: its register layout follows the CMSDK APB timer (ARM DDI 0479)
 * but its counting is the plain LEGACY ptimer, with no EXTIN input, no ID
 * registers and no wrap-after-one-period. It exists so that the shared test
 * suites always have a device, and it is written the way a real device model
 * must be (device base, lock class, ptimer, irq line, vmstate). */
#include "test_countdown.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct test_countdown {
    et_device dev;
    et_ptimer *pt;
    et_irq_line irq;
    uint32_t ctrl;
    uint32_t intstatus;
    uint64_t expiries; /* not guest-visible: how many expiries ran */
} test_countdown;

static et_lock_class countdown_lock_class = ET_LOCK_CLASS_INIT("test-countdown");

static test_countdown *to_cd(et_device *dev)
{
    return (test_countdown *)dev;
}

static void update_irq(test_countdown *cd)
{
    et_irq_set(&cd->irq, cd->intstatus && (cd->ctrl & TCD_CTRL_IRQEN));
}

/* Runs under the device lock, inside the ptimer's expiry transaction: the
 * counter has already been reloaded, and the status changes with it. */
static void countdown_expired(void *opaque)
{
    test_countdown *cd = opaque;
    cd->intstatus = 1;
    cd->expiries += et_ptimer_expiry_count(cd->pt); /* a merged late backlog counts whole */
    et_device_trace(&cd->dev, "expire", "count %llu", (unsigned long long)cd->expiries);
    update_irq(cd);
}

static uint64_t countdown_read(et_device *dev, uint64_t offset, unsigned size)
{
    test_countdown *cd = to_cd(dev);
    (void)size;
    switch (offset) {
    case TCD_CTRL:
        return cd->ctrl;
    case TCD_VALUE:
        return et_ptimer_get_count(cd->pt);
    case TCD_RELOAD:
        return et_ptimer_get_limit(cd->pt);
    case TCD_INTSTATUS:
        return cd->intstatus;
    default:
        et_device_guest_error(dev, "read of unknown register 0x%llx", (unsigned long long)offset);
        return 0;
    }
}

static void countdown_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    test_countdown *cd = to_cd(dev);
    (void)size;
    switch (offset) {
    case TCD_CTRL:
        if (value & ~(uint64_t)(TCD_CTRL_EN | TCD_CTRL_IRQEN)) {
            et_device_guest_error(dev, "CTRL: reserved bits 0x%llx ignored",
                                  (unsigned long long)(value & ~(uint64_t)(TCD_CTRL_EN |
                                                                           TCD_CTRL_IRQEN)));
        }
        cd->ctrl = (uint32_t)value & (TCD_CTRL_EN | TCD_CTRL_IRQEN);
        et_ptimer_transaction_begin(cd->pt);
        if (cd->ctrl & TCD_CTRL_EN) {
            et_ptimer_run(cd->pt, 0); /* already running: no re-arm */
        } else {
            et_ptimer_stop(cd->pt);
        }
        et_ptimer_transaction_commit(cd->pt);
        break;
    case TCD_VALUE:
        et_ptimer_transaction_begin(cd->pt);
        et_ptimer_set_count(cd->pt, (uint32_t)value);
        et_ptimer_transaction_commit(cd->pt);
        break;
    case TCD_RELOAD:
        et_ptimer_transaction_begin(cd->pt);
        et_ptimer_set_limit(cd->pt, (uint32_t)value, 1);
        et_ptimer_transaction_commit(cd->pt);
        break;
    case TCD_INTSTATUS:
        if (value & 1) {
            cd->intstatus = 0;
        }
        break;
    default:
        et_device_guest_error(dev, "write of unknown register 0x%llx", (unsigned long long)offset);
        return;
    }
    update_irq(cd);
}

static void countdown_reset(et_device *dev)
{
    test_countdown *cd = to_cd(dev);
    cd->ctrl = 0;
    cd->intstatus = 0;
    et_ptimer_transaction_begin(cd->pt);
    et_ptimer_stop(cd->pt);
    et_ptimer_set_limit(cd->pt, 0, 1);
    et_ptimer_transaction_commit(cd->pt);
    update_irq(cd);
}

static void countdown_destroy(et_device *dev)
{
    et_ptimer_free(to_cd(dev)->pt);
}

static const et_field countdown_fields[] = {
    ET_FIELD_U32(test_countdown, ctrl, 1),
    ET_FIELD_U32(test_countdown, intstatus, 1),
    ET_FIELD_PTIMER(test_countdown, pt, 1),
    ET_FIELD_IRQ(test_countdown, irq, 1),
    ET_FIELD_END
};

static const et_vmstate countdown_state = { "test-countdown", 1, countdown_fields };

static const et_device_ops countdown_ops = {
    .type = "test-countdown",
    .region_size = TCD_REGION,
    .access_sizes = ET_ACCESS_4,
    .unaligned_ok = false,
    .read = countdown_read,
    .write = countdown_write,
    .reset = countdown_reset,
    .destroy = countdown_destroy,
    .state = &countdown_state,
};

et_device *et_test_countdown_new(et_clock *clock, const char *name,
                                 const et_test_countdown_config *cfg, char *err,
                                 size_t errlen)
{
    const char *problem = NULL;
    if (!clock) {
        problem = "test-countdown: a clock is required";
    } else if (!cfg) {
        problem = "test-countdown: a configuration is required";
    } else if (cfg->tick_ns <= 0) {
        problem = "test-countdown: tick_ns must be > 0 (ns per count)";
    }
    if (problem) {
        if (err && errlen) {
            snprintf(err, errlen, "%s", problem);
        }
        return NULL;
    }

    test_countdown *cd = calloc(1, sizeof(*cd));
    if (!cd) {
        if (err && errlen) {
            snprintf(err, errlen, "test-countdown: out of memory");
        }
        return NULL;
    }
    et_device_init(&cd->dev, &countdown_ops, clock, name, &countdown_lock_class);
    cd->pt = et_device_ptimer_new(&cd->dev, countdown_expired, cd, ET_PTIMER_POLICY_LEGACY);
    et_irq_init(&cd->irq, &cd->dev, "irq");
    et_device_add_irq(&cd->dev, &cd->irq);

    et_device_lock(&cd->dev);
    et_ptimer_transaction_begin(cd->pt);
    et_ptimer_set_period(cd->pt, cfg->tick_ns);
    et_ptimer_transaction_commit(cd->pt);
    et_device_unlock(&cd->dev);
    return &cd->dev;
}

uint64_t et_test_countdown_expiries(et_device *dev)
{
    et_device_lock(dev);
    uint64_t n = to_cd(dev)->expiries;
    et_device_unlock(dev);
    return n;
}
