/* The drop-in's QMP server: valid, invalid and malformed requests, each
 * answered as QEMU 7.2 answers it (replies recorded from qemu-system-arm
 * 7.2 where QEMU's text is fixed; a JSON syntax error's description after
 * "JSON parse error, " is the parser's own). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dropin_client.h"

typedef struct exchange {
    const char *request;
    const char *reply; /* exact, or a prefix when it ends in '*' */
} exchange;

static void check(dropin *d, const exchange *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dropin_send(d->qmp.fd, x[i].request);
        const char *got = dropin_line(&d->qmp);
        assert_non_null(got);
        size_t len = strlen(x[i].reply);
        bool prefix = len && x[i].reply[len - 1] == '*';
        if (prefix ? strncmp(got, x[i].reply, len - 1) != 0 : strcmp(got, x[i].reply) != 0) {
            fail_msg("request %s\n  got      %s\n  expected %s", x[i].request, got,
                     x[i].reply);
        }
    }
}

static const exchange before_negotiation[] = {
    { "{\"execute\": \"query-status\"}",
      "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting capabilities "
      "negotiation with 'qmp_capabilities'\"}}" },
    { "{\"execute\": \"nosuch\", \"id\": 1}",
      "{\"id\": 1, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting "
      "capabilities negotiation with 'qmp_capabilities'\"}}" },
    /* emutime offers no capabilities (its greeting lists none). */
    { "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Capability 'oob' not "
      "available\"}}" },
    { "{\"execute\": \"qmp_capabilities\", \"id\": {\"a\": [1, null]}}",
      "{\"return\": {}, \"id\": {\"a\": [1, null]}}" },
    { "{\"execute\": \"qmp_capabilities\"}",
      "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Capabilities negotiation is "
      "already complete, command ignored\"}}" },
};

static const exchange valid[] = {
    { "{\"execute\": \"query-status\"}",
      "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}}" },
    { "{\"execute\": \"query-status\", \"id\": \"abc\"}",
      "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, "
      "\"id\": \"abc\"}" },
    { "{\"execute\": \"query-version\"}",
      "{\"return\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": "
      "\"emutime *" },
    /* QEMU's single-quoted strings, with an escaped quote and a double
     * quote inside. */
    { "{'execute': 'query-status', 'id': 'it\\'s \"x\"'}",
      "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, "
      "\"id\": \"it's \\\"x\\\"\"}" },
    { "{\"execute\": \"query-machines\"}",
      "{\"return\": [{\"hotpluggable-cpus\": false, \"name\": \"mps2-an385\", *" },
    { "{\"execute\": \"query-cpus-fast\"}",
      "{\"return\": [{\"thread-id\": *" },
    { "{\"execute\": \"query-commands\"}", "{\"return\": [{\"name\": \"qmp_capabilities\"}*" },
    { "{\"execute\": \"stop\", \"arguments\": {}}",
      "{\"timestamp\": *" }, /* STOP, then the reply */
    { "", "{\"return\": {}}" },
    { "{\"execute\": \"query-status\"}",
      "{\"return\": {\"status\": \"paused\", \"singlestep\": false, \"running\": false}}" },
    /* stop when stopped: no event */
    { "{\"execute\": \"stop\"}", "{\"return\": {}}" },
    { "{\"execute\": \"cont\"}", "{\"timestamp\": *" },
    { "", "{\"return\": {}}" },
    { "{\"execute\": \"cont\"}", "{\"return\": {}}" },
};

static const exchange invalid[] = {
    { "{\"execute\": \"bogus\", \"id\": \"x\"}",
      "{\"id\": \"x\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command "
      "bogus has not been found\"}}" },
    { "{\"execute\": \"query-status\", \"arguments\": {\"a\": 1}, \"id\": 7}",
      "{\"id\": 7, \"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'a' is "
      "unexpected\"}}" },
    { "{}",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member "
      "'execute'\"}}" },
    { "{\"execute\": 1}",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'execute' "
      "must be a string\"}}" },
    { "{\"execute\": \"query-status\", \"arguments\": []}",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'arguments' "
      "must be an object\"}}" },
    { "{\"foo\": 1}",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'foo' is "
      "unexpected\"}}" },
    { "[1, 2]",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON "
      "object\"}}" },
    { "\"x\"",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON "
      "object\"}}" },
    { "{\"execute\": \"watchdog-set-action\"}",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'action' is "
      "missing\"}}" },
    { "{\"execute\": \"watchdog-set-action\", \"arguments\": {\"action\": 3}}",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid parameter type for "
      "'action', expected: string\"}}" },
    { "{\"execute\": \"watchdog-set-action\", \"arguments\": {\"action\": \"explode\"}}",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'action' does not "
      "accept value 'explode'\"}}" },
};

static const exchange malformed[] = {
    { "{\"execute\": }",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, *" },
    { "}", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, *" },
    { "nonsense ", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, *" },
    { "{\"execute\" \"query-status\"}",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, *" },
    /* the server keeps going */
    { "{\"execute\": \"query-status\"}", "{\"return\": {\"status\": \"running\"*" },
};

static void test_negotiation(void **state)
{
    (void)state;
    dropin d;
    dropin_start(&d, "arm", "-machine mps2-an385");
    check(&d, before_negotiation, sizeof(before_negotiation) / sizeof(before_negotiation[0]));
    check(&d, valid, sizeof(valid) / sizeof(valid[0]));
    dropin_quit(&d);
}

static void test_invalid_and_malformed(void **state)
{
    (void)state;
    dropin d;
    dropin_start(&d, "arm", "-machine mps2-an385");
    dropin_negotiate(&d);
    check(&d, invalid, sizeof(invalid) / sizeof(invalid[0]));
    check(&d, malformed, sizeof(malformed) / sizeof(malformed[0]));
    dropin_quit(&d);
}

/* Framing: two requests in one write, one request over many writes, no
 * newline needed. */
static void test_framing(void **state)
{
    (void)state;
    dropin d;
    dropin_start(&d, "arm", "-machine mps2-an385");
    dropin_send(d.qmp.fd, "{\"execute\": \"qmp_capabilities\", \"id\": 1}{\"execute\":");
    assert_string_equal(dropin_line(&d.qmp), "{\"return\": {}, \"id\": 1}");
    dropin_send(d.qmp.fd, " \"query-status\", \"id\"");
    dropin_send(d.qmp.fd, ": \"{[\\\"\"}");
    assert_string_equal(dropin_line(&d.qmp),
                        "{\"return\": {\"status\": \"running\", \"singlestep\": false, "
                        "\"running\": true}, \"id\": \"{[\\\"\"}");
    dropin_quit(&d);
}

/* Bounded input: a message over 1 MiB and one nested 2000 deep are each
 * answered with one error and skipped; the server keeps going. */
static void test_limits(void **state)
{
    (void)state;
    dropin d;
    dropin_start(&d, "arm", "-machine mps2-an385");
    dropin_negotiate(&d);
    size_t big = (1u << 20) + 100;
    char *msg = malloc(big + 64);
    assert_non_null(msg);
    int n = sprintf(msg, "{\"execute\": \"query-status\", \"id\": \"");
    memset(msg + n, 'x', big);
    strcpy(msg + n + big, "\"}");
    dropin_send(d.qmp.fd, msg);
    assert_string_equal(dropin_line(&d.qmp),
                        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse "
                        "error, message longer than 1048576 bytes\"}}");
    for (int i = 0; i < 2000; i++) {
        msg[i] = '[';
        msg[4000 - 1 - i] = ']';
    }
    msg[4000] = '\0';
    dropin_send(d.qmp.fd, msg);
    free(msg);
    assert_string_equal(dropin_line(&d.qmp),
                        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse "
                        "error, too deeply nested\"}}");
    check(&d, malformed + 4, 1);
    dropin_quit(&d);
}

/* Events go only to negotiated monitors; a monitor that disconnects does
 * not stop the machine. */
static void test_events_after_negotiation(void **state)
{
    (void)state;
    dropin d;
    dropin_start(&d, "arm", "-machine mps2-an385");
    /* Not negotiated: system_reset is refused and no event is sent. */
    assert_string_equal(dropin_qmp(&d, "{\"execute\": \"system_reset\"}"),
                        "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting "
                        "capabilities negotiation with 'qmp_capabilities'\"}}");
    dropin_negotiate(&d);
    close(d.qmp.fd);
    d.qmp.fd = -1;
    assert_string_equal(dropin_qtest(&d, "clock_step 10"), "OK 10");
    kill(d.pid, SIGTERM);
    assert_int_equal(dropin_wait(&d), 0);
    dropin_cleanup(&d);
}

/* Arbitrary bytes (a fixed pseudo-random stream with every byte value) on
 * the monitor never bring the machine down: after the monitor hangs up,
 * qtest still answers. */
static void test_garbage(void **state)
{
    (void)state;
    dropin d;
    dropin_start(&d, "arm", "-machine mps2-an385");
    dropin_negotiate(&d);
    static char junk[1 << 16];
    uint32_t x = 12345;
    for (size_t i = 0; i + 1 < sizeof(junk); i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (char)((x >> 16) % 255 + 1); /* no NUL: dropin_send takes a string */
    }
    junk[sizeof(junk) - 1] = '\0';
    for (int round = 0; round < 4; round++) {
        assert_true(dropin_try_send(d.qmp.fd, junk));
    }
    close(d.qmp.fd);
    d.qmp.fd = -1;
    assert_string_equal(dropin_qtest(&d, "clock_step 1"), "OK 1");
    kill(d.pid, SIGTERM);
    assert_int_equal(dropin_wait(&d), 0);
    dropin_cleanup(&d);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiation),
        cmocka_unit_test(test_invalid_and_malformed),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_events_after_negotiation),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
