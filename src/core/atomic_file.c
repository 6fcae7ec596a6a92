/* Writing a whole file atomically (atomic_file.h): a temporary file in the
 * same directory (so the rename stays on one file system), fsync, rename,
 * then fsync of the directory so the rename itself is durable. */
#include "core/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"

int et__write_file_atomic(const char *path, const uint8_t *buf, size_t len, char *err,
                          size_t errlen)
{
    size_t plen = strlen(path);
    char *tmp = et__xmalloc(plen + sizeof(".tmp.XXXXXX"));
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return et__error(err, errlen, ET_ESYSTEM,
                         "cannot create a temporary file next to '%s': %s", path, strerror(e));
    }
    const char *what = NULL;
    int e = 0;
    size_t done = 0;
    while (done < len && !what) {
        ssize_t k = write(fd, buf + done, len - done);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            what = "write";
            e = k < 0 ? errno : EIO;
        } else {
            done += (size_t)k;
        }
    }
    if (!what && fchmod(fd, 0644) != 0) {
        what = "set the permissions of";
        e = errno;
    }
    if (!what && fsync(fd) != 0) {
        what = "flush";
        e = errno;
    }
    if (close(fd) != 0 && !what) {
        what = "close";
        e = errno;
    }
    if (!what && rename(tmp, path) != 0) {
        what = "rename the temporary file to";
        e = errno;
    }
    if (what) {
        unlink(tmp);
        free(tmp);
        return et__error(err, errlen, ET_ESYSTEM, "cannot %s '%s': %s", what, path, strerror(e));
    }
    free(tmp);
    /* Make the rename itself durable (best effort: not every file system
     * lets a directory be opened for this). */
    char *dir = et__xstrndup(path, plen);
    char *slash = strrchr(dir, '/');
    const char *d = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
    int dfd = open(d, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    free(dir);
    return 0;
}
