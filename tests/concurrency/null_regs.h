/* Register handlers for the race tests' minimal devices, which are driven
 * by their timers alone: reads are 0, writes do nothing. */
#ifndef EMUTIME_TEST_NULL_REGS_H
#define EMUTIME_TEST_NULL_REGS_H

#include "emutime/device.h"

static inline uint64_t null_regs_read(et_device *dev, uint64_t offset, unsigned size)
{
    (void)dev;
    (void)offset;
    (void)size;
    return 0;
}

static inline void null_regs_write(et_device *dev, uint64_t offset, uint64_t value,
                                   unsigned size)
{
    (void)dev;
    (void)offset;
    (void)value;
    (void)size;
}

#endif
