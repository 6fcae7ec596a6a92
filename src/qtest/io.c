/* The qtest server's I/O: a file-descriptor loop (stdin/stdout, a socket
 * connection) and a unix-socket listener. Output is buffered and flushed
 * after each chunk of input has been executed, so a pipelined script costs
 * few system calls and an interactive client gets its reply before the
 * server waits for more input. */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/internal.h"
#include "qtest/qtest_internal.h"

#define IN_CHUNK (256u << 10)
/* Pipe buffers this large (Linux's default limit for unprivileged
 * processes) let a pipelined script through in fewer reads, writes and
 * wake-ups than the default 64 KiB. */
#define PIPE_SIZE (1 << 20)

/* Enlarges fd's buffer if it is a pipe; nothing else changes, and a
 * refusal (not a pipe, over the limit) is harmless. */
static void enlarge_pipe(int fd)
{
#ifdef F_SETPIPE_SZ
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
        (void)fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE);
    }
#else
    (void)fd;
#endif
}

/* Where the server's batched output goes: straight to the descriptor. */
typedef struct fd_output {
    int fd;
    int error; /* errno of the first failed write */
} fd_output;

static void out_write(void *opaque, const char *text, size_t len)
{
    fd_output *o = opaque;
    size_t done = 0;
    while (done < len && !o->error) {
        ssize_t n = write(o->fd, text + done, len - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            o->error = errno;
            break;
        }
        done += (size_t)n;
    }
}

int et_qtest_serve_fd(et_qtest *q, int in_fd, int out_fd, char *err, size_t errlen)
{
    et_qtest_output_fn saved_fn;
    void *saved_opaque;
    et__qtest_get_output(q, &saved_fn, &saved_opaque);
    fd_output o = { .fd = out_fd };
    et__qtest_set_output(q, out_write, &o);
    et__qtest_set_batched(q, true);
    enlarge_pipe(in_fd);
    enlarge_pipe(out_fd);

    char *in = et__xmalloc(IN_CHUNK);
    int rc = 0;
    for (;;) {
        ssize_t n = read(in_fd, in, IN_CHUNK);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            rc = et__error(err, errlen, ET_ESYSTEM, "read: %s", strerror(errno));
            break;
        }
        if (n == 0) {
            et_qtest_finish(q);
            break;
        }
        et__qtest_feed_in_place(q, in, (size_t)n);
        /* Every reply out before the server waits for more input. */
        et__qtest_flush(q);
        if (o.error) {
            break;
        }
    }
    et__qtest_set_batched(q, false); /* flushes what is left */
    if (o.error && rc == 0) {
        rc = et__error(err, errlen, ET_ESYSTEM, "write: %s", strerror(o.error));
    }
    free(in);
    et__qtest_set_output(q, saved_fn, saved_opaque);
    return rc;
}

/* path with its directory made absolute (symbolic links resolved), so that
 * every server names one socket the same way in the kernel's table; path
 * itself when that fails or does not fit. */
static void absolute_socket_path(const char *path, char *out, size_t outlen)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX], real[PATH_MAX];
    if (!slash) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else if ((size_t)(slash - path) < sizeof(dir)) {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
    } else {
        dir[0] = '\0';
    }
    const char *base = slash ? slash + 1 : path;
    int n = -1;
    if (dir[0] && realpath(dir, real)) {
        n = snprintf(out, outlen, "%s%s%s", real, strcmp(real, "/") ? "/" : "", base);
    }
    if (n < 0 || (size_t)n >= outlen) {
        snprintf(out, outlen, "%s", path);
    }
}

/* Whether a server listens on the unix socket at path (abs: its absolute
 * form). Read from the kernel's table of unix sockets, which connecting to
 * find out would not be: a qtest server serves the first client that
 * connects, so a probe would end its session. Where the table cannot be
 * read, a connect() probe decides (ECONNREFUSED: a stale socket). */
static bool socket_is_live(const char *path, const char *abs, const struct sockaddr_un *addr)
{
    FILE *f = fopen("/proc/net/unix", "r");
    if (!f) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return false;
        }
        bool live = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0 ||
                    errno != ECONNREFUSED;
        close(fd);
        return live;
    }
    /* "Num: RefCount Protocol Flags Type St Inode Path"; flag 0x10000 is a
     * listening socket. */
    char line[PATH_MAX + 128];
    bool live = false;
    while (!live && fgets(line, sizeof(line), f)) {
        unsigned long flags;
        int at = 0;
        if (sscanf(line, "%*s %*x %*x %lx %*x %*x %*u %n", &flags, &at) != 1 || at == 0) {
            continue;
        }
        char *name = line + at;
        name[strcspn(name, "\n")] = '\0';
        live = (flags & 0x10000) && (strcmp(name, abs) == 0 || strcmp(name, path) == 0);
    }
    fclose(f);
    return live;
}

int et_qtest_serve_unix(et_qtest *q, const char *path, char *err, size_t errlen)
{
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(addr.sun_path)) {
        return et__error(err, errlen, ET_EINVAL, "socket path %s is longer than %zu bytes", path,
                         sizeof(addr.sun_path) - 1);
    }
    /* Bound by its absolute name when that fits, so that another server
     * started elsewhere finds it listening (below). */
    char abs[PATH_MAX];
    absolute_socket_path(path, abs, sizeof(abs));
    strcpy(addr.sun_path, strlen(abs) < sizeof(addr.sun_path) ? abs : path);

    /* A stale socket from an earlier run is replaced; a live one (another
     * server listening there) and any other file are left alone. */
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            return et__error(err, errlen, ET_EINVAL, "%s exists and is not a socket", path);
        }
        if (socket_is_live(path, abs, &addr)) {
            return et__error(err, errlen, ET_EBUSY, "%s: another server is listening there", path);
        }
        unlink(path);
    }
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0) {
        return et__error(err, errlen, ET_ESYSTEM, "socket: %s", strerror(errno));
    }
    if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(lfd, 1) != 0) {
        int e = errno;
        close(lfd);
        return et__error(err, errlen, ET_ESYSTEM, "%s: %s", path, strerror(e));
    }
    int cfd;
    do {
        cfd = accept(lfd, NULL, NULL);
    } while (cfd < 0 && errno == EINTR);
    close(lfd);
    unlink(path);
    if (cfd < 0) {
        return et__error(err, errlen, ET_ESYSTEM, "accept: %s", strerror(errno));
    }
    int rc = et_qtest_serve_fd(q, cfd, cfd, err, errlen);
    close(cfd);
    return rc;
}
