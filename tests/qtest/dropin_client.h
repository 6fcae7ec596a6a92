/* A small libqtest of our own for the drop-in tests: it does what QEMU
 * 7.2's libqtest does when it starts "the QEMU binary" (listens on a qtest
 * and a QMP unix socket, spawns the binary through sh -c "exec ..." with
 * libqtest's arguments plus the test's, accepts both connections, asks the
 * endianness, reads the greeting) and what it does at the end (SIGTERM,
 * exit status 0 expected). Every wait is bounded by a generous timeout,
 * a safety net only: nothing here depends on timing. */
#ifndef EMUTIME_TESTS_DROPIN_CLIENT_H
#define EMUTIME_TESTS_DROPIN_CLIENT_H

#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define DROPIN_TIMEOUT_MS 60000

typedef struct linebuf {
    int fd;
    char buf[1 << 16];
    size_t len;
} linebuf;

typedef struct dropin {
    pid_t pid;
    char dir[64];
    char stderr_path[96];
    linebuf qt, qmp;
} dropin;

static inline int dropin_listen(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(fd, 1), 0);
    return fd;
}

/* -1 if nothing connects in time. */
static inline int dropin_accept(int lfd)
{
    struct pollfd p = { .fd = lfd, .events = POLLIN };
    if (poll(&p, 1, DROPIN_TIMEOUT_MS) != 1) {
        return -1;
    }
    return accept(lfd, NULL, NULL);
}

/* The next line without its "\r\n" / "\n", or NULL at the end of the
 * stream. The result lives in a static buffer until the next call. */
static inline const char *dropin_line(linebuf *b)
{
    static char line[1 << 16];
    for (;;) {
        char *nl = memchr(b->buf, '\n', b->len);
        if (nl) {
            size_t n = (size_t)(nl - b->buf);
            memcpy(line, b->buf, n);
            line[n] = '\0';
            if (n && line[n - 1] == '\r') {
                line[n - 1] = '\0';
            }
            memmove(b->buf, nl + 1, b->len - n - 1);
            b->len -= n + 1;
            return line;
        }
        if (b->len == sizeof(b->buf)) {
            fail_msg("line longer than %zu bytes", sizeof(b->buf));
        }
        struct pollfd p = { .fd = b->fd, .events = POLLIN };
        if (poll(&p, 1, DROPIN_TIMEOUT_MS) != 1) {
            fail_msg("no line within %d ms", DROPIN_TIMEOUT_MS);
        }
        ssize_t r = read(b->fd, b->buf + b->len, sizeof(b->buf) - b->len);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return NULL;
        }
        b->len += (size_t)r;
    }
}

/* false if the peer has gone. */
static inline bool dropin_try_send(int fd, const char *text)
{
    size_t len = strlen(text);
    while (len) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        text += n;
        len -= (size_t)n;
    }
    return true;
}

static inline void dropin_send(int fd, const char *text)
{
    assert_true(dropin_try_send(fd, text));
}

/* Starts BINARY_DIR/emutime-system-ARCH with libqtest's arguments and
 * args. Returns false if the binary did not connect both sockets (it
 * exited first: see dropin_wait). */
static inline bool dropin_start_raw(dropin *d, const char *arch, const char *args, bool handshake)
{
    const char *bin = getenv("EMUTIME_BINARY_DIR");
    assert_non_null(bin);
    memset(d, 0, sizeof(*d));
    snprintf(d->dir, sizeof(d->dir), "/tmp/emutime-dropin-XXXXXX");
    assert_non_null(mkdtemp(d->dir));
    char qsock[96], msock[96];
    snprintf(qsock, sizeof(qsock), "%s/qtest.sock", d->dir);
    snprintf(msock, sizeof(msock), "%s/qmp.sock", d->dir);
    snprintf(d->stderr_path, sizeof(d->stderr_path), "%s/stderr", d->dir);
    int lq = dropin_listen(qsock), lm = dropin_listen(msock);
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "exec %s/emutime-system-%s -qtest unix:%s -qtest-log /dev/null "
             "-chardev socket,path=%s,id=char0 -mon chardev=char0,mode=control "
             "-display none %s -accel qtest 2>%s",
             bin, arch, qsock, msock, args, d->stderr_path);
    d->pid = fork();
    assert_true(d->pid >= 0);
    if (d->pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    d->qt.fd = dropin_accept(lq);
    d->qmp.fd = d->qt.fd >= 0 ? dropin_accept(lm) : -1;
    close(lq);
    close(lm);
    unlink(qsock);
    unlink(msock);
    if (d->qt.fd < 0 || d->qmp.fd < 0) {
        return false;
    }
    if (handshake) {
        const char *r = dropin_try_send(d->qt.fd, "endianness\n") ? dropin_line(&d->qt) : NULL;
        if (!r) {
            return false; /* connected, then hung up: a start-up error */
        }
        assert_string_equal(r, "OK little");
        r = dropin_line(&d->qmp);
        assert_non_null(r);
        assert_true(strncmp(r, "{\"QMP\": {\"version\": {\"qemu\": ", 29) == 0);
    }
    return true;
}

/* One qtest command; the reply (IRQ lines skipped). */
static inline const char *dropin_qtest(dropin *d, const char *cmd)
{
    char line[512];
    snprintf(line, sizeof(line), "%s\n", cmd);
    dropin_send(d->qt.fd, line);
    const char *r;
    do {
        r = dropin_line(&d->qt);
        assert_non_null(r);
    } while (strncmp(r, "IRQ ", 4) == 0);
    return r;
}

static inline unsigned long dropin_readl(dropin *d, unsigned long addr)
{
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "readl 0x%lx", addr);
    const char *r = dropin_qtest(d, cmd);
    assert_true(strncmp(r, "OK 0x", 5) == 0);
    return strtoul(r + 3, NULL, 16);
}

static inline void dropin_writel(dropin *d, unsigned long addr, unsigned long value)
{
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "writel 0x%lx 0x%lx", addr, value);
    assert_string_equal(dropin_qtest(d, cmd), "OK");
}

/* Sends raw QMP text; returns the next line that is not an event. */
static inline const char *dropin_qmp(dropin *d, const char *json)
{
    dropin_send(d->qmp.fd, json);
    const char *r;
    do {
        r = dropin_line(&d->qmp);
        assert_non_null(r);
    } while (strncmp(r, "{\"timestamp\": ", 14) == 0);
    return r;
}

/* The next QMP line, which must be event NAME; returns what follows the
 * timestamp ("\"event\": ..."). */
static inline const char *dropin_event(dropin *d, const char *name)
{
    const char *r = dropin_line(&d->qmp);
    assert_non_null(r);
    assert_true(strncmp(r, "{\"timestamp\": {\"seconds\": ", 26) == 0);
    const char *ev = strstr(r, "}, \"event\": \"");
    assert_non_null(ev);
    ev += 3;
    char want[128];
    snprintf(want, sizeof(want), "\"event\": \"%s\"", name);
    if (strncmp(ev, want, strlen(want)) != 0) {
        fail_msg("expected event %s, got %s", name, r);
    }
    return ev;
}

static inline void dropin_negotiate(dropin *d)
{
    assert_string_equal(dropin_qmp(d, "{\"execute\": \"qmp_capabilities\"}"), "{\"return\": {}}");
}

/* Waits for the process; returns its exit status (-1: killed by a
 * signal). */
static inline int dropin_wait(dropin *d)
{
    int st;
    alarm(DROPIN_TIMEOUT_MS / 1000); /* safety net: a hung binary fails the test */
    pid_t p;
    do {
        p = waitpid(d->pid, &st, 0);
    } while (p < 0 && errno == EINTR);
    alarm(0);
    assert_int_equal(p, d->pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The binary's stderr so far. */
static inline const char *dropin_stderr(dropin *d)
{
    static char text[8192];
    FILE *f = fopen(d->stderr_path, "r");
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    text[n] = '\0';
    if (f) {
        fclose(f);
    }
    return text;
}

static inline void dropin_cleanup(dropin *d)
{
    if (d->qt.fd > 0) {
        close(d->qt.fd);
    }
    if (d->qmp.fd > 0) {
        close(d->qmp.fd);
    }
    unlink(d->stderr_path);
    rmdir(d->dir);
}

/* libqtest's qtest_quit: SIGTERM, then exit status 0 (QEMU sends SHUTDOWN
 * with reason host-signal first). */
static inline void dropin_quit(dropin *d)
{
    kill(d->pid, SIGTERM);
    if (d->qmp.fd >= 0) {
        const char *r;
        while ((r = dropin_line(&d->qmp)) && !strstr(r, "\"event\": \"SHUTDOWN\"")) {
        }
        assert_non_null(r);
        assert_non_null(strstr(r, "\"data\": {\"guest\": false, \"reason\": \"host-signal\"}}"));
    }
    assert_int_equal(dropin_wait(d), 0);
    dropin_cleanup(d);
}

static inline void dropin_start(dropin *d, const char *arch, const char *args)
{
    if (!dropin_start_raw(d, arch, args, true)) {
        fail_msg("emutime-system-%s %s did not start: %s", arch, args, dropin_stderr(d));
    }
}

#endif
