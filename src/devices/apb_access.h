/* Byte and halfword accesses to a block of 32-bit APB registers (internal):
 * the SP804, the Integrator/CP timers and the CMSDK APB timer, dual timer
 * and watchdog.
 *
 * An APB3 slave has one 32-bit data path and no byte strobes (PSTRB is an
 * APB4 addition, AMBA APB Protocol Specification IHI 0024C):
 *  - a read returns the whole register; the bus master takes the byte
 *    lanes its address selects, so a narrow read gives those lanes;
 *  - a write stores all 32 bits of PWDATA. Only the lanes a narrow write
 *    addresses carry defined data (AMBA 3 AHB-Lite IHI 0033A, "active byte
 *    lanes"; the bridge passes HWDATA through), so what the other lanes
 *    put into the register depends on the bus master and is not defined by
 *    the bus specifications. emutime does not guess there and does what
 *    QEMU does: a narrow write at the register's first byte stores the
 *    value zero-extended, one at bytes 1-3 is ignored (a guest error). */
#ifndef EMUTIME_APB_ACCESS_H
#define EMUTIME_APB_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "emutime/device.h"

static inline uint64_t et__apb_read(uint32_t reg_value, uint64_t offset, unsigned size)
{
    uint64_t v = (uint64_t)reg_value >> (8 * (unsigned)(offset & 3));
    return size >= 4 ? v : v & ((UINT64_C(1) << (8 * size)) - 1);
}

/* The value a write of `size` bytes at `offset` stores in the register at
 * offset & ~3, or false (with a guest error) when it stores nothing. */
static inline bool et__apb_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size,
                                 uint32_t *reg_value)
{
    if (size < 4 && (offset & 3)) {
        et_device_guest_error(dev,
                              "%u-byte write at byte %u of the register at 0x%03x ignored "
                              "(APB has no byte strobes)",
                              size, (unsigned)(offset & 3), (unsigned)(offset & ~(uint64_t)3));
        return false;
    }
    *reg_value = (uint32_t)value;
    return true;
}

#endif
