/* --socket refuses a path where another server is listening (before the
 * fix the second server unlinked the socket and bound its own, and the first
 * was left listening on a name nobody could reach), and still replaces a
 * stale socket file left by an earlier run. */
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

/* Whether the kernel lists a listening unix socket whose name ends with
 * suffix (the server binds by absolute name). */
static bool listening(const char *suffix)
{
    FILE *f = fopen("/proc/net/unix", "r");
    if (!f) {
        return false;
    }
    char line[4096];
    bool found = false;
    size_t sl = strlen(suffix);
    while (!found && fgets(line, sizeof(line), f)) {
        unsigned long flags;
        int at = 0;
        if (sscanf(line, "%*s %*x %*x %lx %*x %*x %*u %n", &flags, &at) != 1 || !at) {
            continue;
        }
        char *name = line + at;
        name[strcspn(name, "\n")] = '\0';
        size_t nl = strlen(name);
        found = (flags & 0x10000) && nl >= sl && strcmp(name + nl - sl, suffix) == 0;
    }
    fclose(f);
    return found;
}

static int connect_to(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void test_live_socket_is_refused(void **state)
{
    (void)state;
    char dir[] = "/tmp/emutime-live-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/qtest.sock", dir);

    char err[256];
    et_machine *m = et_machine_new("virt", err, sizeof(err));
    assert_non_null(m);
    server first = { .q = et_qtest_new(m, discard, NULL), .path = path };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, serve, &first), 0);
    for (int i = 0; i < 60000 && !listening(strstr(path, "/emutime-")); i++) {
        struct timespec ts = { 0, 1000 * 1000 }; /* the listener starting */
        nanosleep(&ts, NULL);
    }
    assert_true(listening(strstr(path, "/emutime-")));

    /* A second server on the same path: refused, and the socket stays. */
    server second = { .q = et_qtest_new(m, discard, NULL), .path = path };
    second.rc = et_qtest_serve_unix(second.q, path, second.err, sizeof(second.err));
    assert_int_equal(second.rc, ET_EBUSY);
    assert_non_null(strstr(second.err, "another server is listening"));

    /* The first still answers on it. */
    int fd = connect_to(path);
    assert_true(fd >= 0);
    const char *cmd = "clock_step 5\n";
    assert_int_equal(write(fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
    shutdown(fd, SHUT_WR);
    char buf[64];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "OK 5\n");
    close(fd);
    pthread_join(t, NULL);
    assert_int_equal(first.rc, 0);

    et_qtest_free(second.q);
    et_qtest_free(first.q);
    et_machine_free(m);
    rmdir(dir);
}

/* A socket file nobody listens on (a server killed before it cleaned up) is
 * replaced. */
static void test_stale_socket_is_replaced(void **state)
{
    (void)state;
    char dir[] = "/tmp/emutime-stale-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/qtest.sock", dir);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strcpy(addr.sun_path, path);
    assert_int_equal(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    close(lfd); /* bound, never listened, closed: stale */

    char err[256];
    et_machine *m = et_machine_new("virt", err, sizeof(err));
    assert_non_null(m);
    server s = { .q = et_qtest_new(m, discard, NULL), .path = path };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, serve, &s), 0);
    int fd = -1;
    for (int i = 0; i < 60000 && fd < 0; i++) {
        if (listening(strstr(path, "/emutime-"))) {
            fd = connect_to(path);
        }
        if (fd < 0) {
            struct timespec ts = { 0, 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    assert_true(fd >= 0);
    close(fd);
    pthread_join(t, NULL);
    assert_int_equal(s.rc, 0);
    et_qtest_free(s.q);
    et_machine_free(m);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_socket_is_refused),
        cmocka_unit_test(test_stale_socket_is_replaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
