/* Writing a whole file atomically (atomic_file.c). */
#ifndef EMUTIME_ATOMIC_FILE_H
#define EMUTIME_ATOMIC_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Replaces the file at path with buf[0..len), mode 0644: written to a
 * temporary file next to it, flushed to disk, then renamed over it, so that
 * a crash leaves either the old file or the whole new one. ET_ESYSTEM with
 * a message in err (if given) when it cannot; path is then as it was. */
int et__write_file_atomic(const char *path, const uint8_t *buf, size_t len, char *err,
                          size_t errlen);

#endif
