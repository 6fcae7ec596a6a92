/* Snapshots: et_snapshot_write_file and et_snapshot_read_file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "core/internal.h"
#include "core/snapshot_internal.h"

int et_snapshot_write_file(const char *path, const uint8_t *buf, size_t len, char *err,
                           size_t errlen)
{
    if (!path || (!buf && len)) {
        return et__error(err, errlen, ET_EINVAL,
                         "et_snapshot_write_file: path and data are required");
    }
    return et__write_file_atomic(path, buf, len, err, errlen);
}

/* The largest file the format allows: header, a body of up to 2^32 - 1
 * bytes (its length is a u32), checksum. */
#define SNAPSHOT_MAX_FILE ((uint64_t)HEADER_SIZE + UINT32_MAX + CRC_SIZE)

int et_snapshot_read_file(const char *path, uint8_t **buf, size_t *len, char *err,
                          size_t errlen)
{
    if (buf) {
        *buf = NULL;
    }
    if (len) {
        *len = 0;
    }
    if (!path || !buf || !len) {
        return et__error(err, errlen, ET_EINVAL,
                         "et_snapshot_read_file: path, buf and len are required");
    }
    /* Non-blocking, so that a FIFO or a device node cannot hang the open;
     * then only a regular file of a size the format allows is read, exactly
     * that many bytes (a file that grows meanwhile is not read past it). */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        return et__error(err, errlen, ET_ESYSTEM, "cannot open '%s': %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return et__error(err, errlen, ET_ESYSTEM, "cannot read '%s': %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return et__error(err, errlen, ET_EINVAL, "'%s' is not a regular file (a snapshot is one)",
                         path);
    }
    if ((uint64_t)st.st_size > SNAPSHOT_MAX_FILE || (uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return et__error(err, errlen, ET_ETOOBIG,
                    "'%s' is too large for a snapshot: %lld bytes, the format allows at "
                    "most %llu",
                    path, (long long)st.st_size, (unsigned long long)SNAPSHOT_MAX_FILE);
    }
    size_t size = (size_t)st.st_size;
    uint8_t *data = et__xmalloc(size ? size : 1);
    size_t n = 0;
    while (n < size) {
        ssize_t k = read(fd, data + n, size - n);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0) {
            int e = errno;
            free(data);
            close(fd);
            return et__error(err, errlen, ET_ESYSTEM, "cannot read '%s': %s", path, strerror(e));
        }
        if (k == 0) {
            break; /* shrank meanwhile: what is there is validated later */
        }
        n += (size_t)k;
    }
    close(fd);
    *buf = data;
    *len = n;
    return 0;
}
