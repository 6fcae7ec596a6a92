/* CRC-32 (IEEE 802.3, the zlib/PNG one) for snapshot checksums. */
#ifndef EMUTIME_CRC32_H
#define EMUTIME_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC over len more bytes: start with crc = 0. The check value
 * of the nine ASCII bytes "123456789" is 0xCBF43926. */
uint32_t et__crc32(uint32_t crc, const void *buf, size_t len);

#endif
