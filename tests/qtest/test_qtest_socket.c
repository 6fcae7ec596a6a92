/* The qtest server on a unix socket and on file descriptors: replies in
 * order, IRQ lines before them, the end of input ends the server, the
 * socket file is removed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "emutime/machine.h"
#include "emutime/qtest.h"

static void discard(void *opaque, const char *text, size_t len)
{
    (void)opaque;
    (void)text;
    (void)len;
}

typedef struct server {
    et_qtest *q;
    const char *path;
    int rc;
    char err[256];
} server;

static void *serve(void *opaque)
{
    server *s = opaque;
    s->rc = et_qtest_serve_unix(s->q, s->path, s->err, sizeof(s->err));
    return NULL;
}

static int connect_retry(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strcpy(addr.sun_path, path);
    for (int i = 0; i < 500; i++) { /* up to 5 s for the listener */
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0) {
            return -1;
        }
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
            return fd;
        }
        close(fd);
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* Reads until the peer closes or n bytes arrived. */
static size_t read_all(int fd, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    return got;
}

static void test_unix_socket(void **state)
{
    (void)state;
    char dir[] = "/tmp/emutime-sock-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/qtest.sock", dir);

    char err[256];
    et_machine *m = et_machine_new("virt", err, sizeof(err));
    assert_non_null(m);
    server s = { .q = et_qtest_new(m, discard, NULL), .path = path };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, serve, &s), 0);

    int fd = connect_retry(path);
    assert_true(fd >= 0);
    /* One command at a time, as an interactive client: each reply comes
     * before the next command is sent. */
    const char *cmd1 = "irq_intercept_in /machine/soc0/harts[0]\n";
    assert_int_equal(write(fd, cmd1, strlen(cmd1)), (ssize_t)strlen(cmd1));
    char buf[512];
    assert_int_equal(read_all(fd, buf, 3), 3);
    assert_memory_equal(buf, "OK\n", 3);
    /* Then pipelined, the last line unterminated. */
    const char *rest = "writel 0x2000000 1\nreadl 0x2000000\nclock_step 100\nendianness";
    assert_int_equal(write(fd, rest, strlen(rest)), (ssize_t)strlen(rest));
    shutdown(fd, SHUT_WR);
    size_t n = read_all(fd, buf, sizeof(buf) - 1);
    buf[n] = '\0';
    assert_string_equal(buf, "IRQ raise 3\nOK\nOK 0x0000000000000001\nOK 100\nOK little\n");
    close(fd);

    pthread_join(t, NULL);
    assert_int_equal(s.rc, 0);
    struct stat st;
    assert_int_equal(stat(path, &st), -1); /* removed */
    et_qtest_free(s.q);
    et_machine_free(m);
    rmdir(dir);
}

static void test_socket_errors(void **state)
{
    (void)state;
    char err[256];
    et_machine *m = et_machine_new("virt", err, sizeof(err));
    et_qtest *q = et_qtest_new(m, discard, NULL);
    /* A regular file is not replaced. */
    char dir[] = "/tmp/emutime-sock-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/file", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(et_qtest_serve_unix(q, path, err, sizeof(err)), ET_EINVAL);
    assert_non_null(strstr(err, "is not a socket"));
    unlink(path);
    rmdir(dir);
    /* A path too long for sockaddr_un. */
    char longpath[200];
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[0] = '/';
    longpath[sizeof(longpath) - 1] = '\0';
    assert_int_equal(et_qtest_serve_unix(q, longpath, err, sizeof(err)), ET_EINVAL);
    assert_non_null(strstr(err, "longer than"));
    et_qtest_free(q);
    et_machine_free(m);
}

/* et_qtest_serve_fd over a pipe: output is the caller's again afterwards. */
static void test_serve_fd(void **state)
{
    (void)state;
    char err[256];
    et_machine *m = et_machine_new("mps2-an385", err, sizeof(err));
    et_qtest *q = et_qtest_new(m, discard, NULL);
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    const char *script = "readl 0x40000fe0\nbogus\n";
    assert_int_equal(write(in[1], script, strlen(script)), (ssize_t)strlen(script));
    close(in[1]);
    assert_int_equal(et_qtest_serve_fd(q, in[0], out[1], err, sizeof(err)), 0);
    close(out[1]);
    char buf[256];
    size_t n = read_all(out[0], buf, sizeof(buf) - 1);
    buf[n] = '\0';
    assert_string_equal(buf, "OK 0x0000000000000022\nFAIL Unknown command 'bogus'\n");
    close(in[0]);
    close(out[0]);
    assert_int_equal(et_qtest_commands(q), 2);
    assert_int_equal(et_qtest_failures(q), 1);
    et_qtest_free(q);
    et_machine_free(m);
}

/* et_qtest_serve_fd with a line split across two writes (so across two
 * reads, however the pipe delivers them: the second write waits for the
 * first one's reply) and a reply larger than the server's 64 KiB output
 * batch; the same bytes as line by line. */
typedef struct fd_server {
    et_qtest *q;
    int in, out, rc;
    char err[256];
} fd_server;

static void *serve_fd_thread(void *opaque)
{
    fd_server *s = opaque;
    s->rc = et_qtest_serve_fd(s->q, s->in, s->out, s->err, sizeof(s->err));
    close(s->out);
    return NULL;
}

static void test_serve_fd_split_line_and_large_reply(void **state)
{
    (void)state;
    char err[256];
    et_machine *m = et_machine_new("mps2-an385", err, sizeof(err));
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    fd_server s = { .q = et_qtest_new(m, discard, NULL), .in = in[0], .out = out[1] };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, serve_fd_thread, &s), 0);

    /* 40 000 bytes of RAM as 80 000 hex digits: "OK 0x" ... "\n". */
    enum { LEN = 40000, BIG = 5 + 2 * LEN + 1 };
    const char *first = "writeb 0x20000001 0xab\nread 0x20000000 40000\nwrit";
    assert_int_equal(write(in[1], first, strlen(first)), (ssize_t)strlen(first));
    char *buf = malloc(BIG + 64);
    assert_non_null(buf);
    assert_int_equal(read_all(out[0], buf, 3 + BIG), 3 + BIG);
    assert_memory_equal(buf, "OK\nOK 0x00ab0000", 16);
    for (size_t i = 16; i < 3 + BIG - 1; i++) {
        if (buf[i] != '0') {
            fail_msg("byte %zu of the bulk reply is '%c'", i, buf[i]);
        }
    }
    assert_int_equal(buf[3 + BIG - 1], '\n');
    const char *rest = "eb 0x20000002 0xcd\nreadl 0x20000000\n";
    assert_int_equal(write(in[1], rest, strlen(rest)), (ssize_t)strlen(rest));
    close(in[1]);
    size_t n = read_all(out[0], buf, BIG);
    buf[n] = '\0';
    assert_string_equal(buf, "OK\nOK 0x0000000000cdab00\n");

    pthread_join(t, NULL);
    assert_int_equal(s.rc, 0);
    assert_int_equal(et_qtest_commands(s.q), 4);
    close(in[0]);
    close(out[0]);
    free(buf);
    et_qtest_free(s.q);
    et_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unix_socket),
        cmocka_unit_test(test_socket_errors),
        cmocka_unit_test(test_serve_fd),
        cmocka_unit_test(test_serve_fd_split_line_and_large_reply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
