/* emutime-system-ARCH as libqtest starts QEMU: the handshake, a device test
 * (the sequence of QEMU 7.2's cmsdk-apb-timer-test), the lifecycle (SIGTERM,
 * SIGINT, SIGHUP, quit, the end of the qtest stream: exit status 0), and
 * start-up errors (exit status 1, the sockets hung up at once). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dropin_client.h"

/* QEMU 7.2's cmsdk-apb-timer-test, step by step: timer0 of mps2-an385 at
 * 25 MHz (40 ns a tick). Expected values are that test's. */
static void test_cmsdk_timer_sequence(void **state)
{
    (void)state;
    dropin d;
    dropin_start(&d, "arm", "-machine mps2-an385");
    dropin_negotiate(&d);
    const unsigned long base = 0x40000000;
    assert_int_equal(dropin_readl(&d, base + 0xc), 0);
    dropin_writel(&d, base + 8, 1000);
    dropin_writel(&d, base + 0, 9);
    assert_string_equal(dropin_qtest(&d, "clock_step 20001"), "OK 20001");
    assert_int_equal(dropin_readl(&d, base + 0xc), 0);
    assert_int_equal(dropin_readl(&d, base + 4), 500);
    dropin_qtest(&d, "clock_step 20000");
    assert_int_equal(dropin_readl(&d, base + 0xc), 1);
    assert_int_equal(dropin_readl(&d, base + 4), 0);
    dropin_qtest(&d, "clock_step 40");
    assert_int_equal(dropin_readl(&d, base + 4), 1000);
    dropin_writel(&d, base + 0xc, 1);
    assert_int_equal(dropin_readl(&d, base + 0xc), 0);
    /* libqtest's qtest_get_irq sends "inb 0" on every board. */
    assert_string_equal(dropin_qtest(&d, "inb 0x0"), "OK 0x00ff");
    dropin_quit(&d);
}

/* QEMU exits with status 0 on SIGINT and SIGHUP too, after SHUTDOWN. */
static void test_signals(void **state)
{
    (void)state;
    const int sigs[] = { SIGINT, SIGHUP };
    for (size_t i = 0; i < 2; i++) {
        dropin d;
        dropin_start(&d, "arm", "-machine mps2-an385");
        dropin_negotiate(&d);
        kill(d.pid, sigs[i]);
        const char *ev = dropin_event(&d, "SHUTDOWN");
        assert_string_equal(ev, "\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, "
                                "\"reason\": \"host-signal\"}}");
        assert_int_equal(dropin_wait(&d), 0);
        dropin_cleanup(&d);
    }
}

/* quit: SHUTDOWN (host-qmp-quit) before the reply, as QEMU 7.2 sends them,
 * then exit status 0. */
static void test_quit(void **state)
{
    (void)state;
    dropin d;
    dropin_start(&d, "arm", "-machine mps2-an385");
    dropin_negotiate(&d);
    dropin_send(d.qmp.fd, "{\"execute\": \"quit\", \"id\": 5}");
    assert_string_equal(dropin_event(&d, "SHUTDOWN"),
                        "\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, \"reason\": "
                        "\"host-qmp-quit\"}}");
    assert_string_equal(dropin_line(&d.qmp), "{\"return\": {}, \"id\": 5}");
    assert_null(dropin_line(&d.qmp));
    assert_int_equal(dropin_wait(&d), 0);
    dropin_cleanup(&d);
}

/* The end of the qtest stream ends the run (exit status 0). */
static void test_qtest_eof(void **state)
{
    (void)state;
    dropin d;
    dropin_start(&d, "x86_64", "");
    shutdown(d.qt.fd, SHUT_WR);
    assert_null(dropin_line(&d.qt));
    assert_int_equal(dropin_wait(&d), 0);
    dropin_cleanup(&d);
}

/* Each arch's default machine is QEMU's: x86 runs pc (the HPET answers at
 * 0xfed00000: GCAP_ID's low word 0x8086a201). */
static void test_default_machine(void **state)
{
    (void)state;
    const char *arches[] = { "x86_64", "i386" };
    for (size_t i = 0; i < 2; i++) {
        dropin d;
        dropin_start(&d, arches[i], "");
        dropin_negotiate(&d);
        assert_int_equal(dropin_readl(&d, 0xfed00000), 0x8086a201);
        dropin_quit(&d);
    }
}

/* Options libqtest users pass that emutime honours. */
static void test_accepted_options(void **state)
{
    (void)state;
    dropin d;
    dropin_start(&d, "arm",
                 "-M mps2-an385,accel=qtest -nodefaults -smp 1 -rtc base=utc,clock=vm "
                 "-watchdog-action pause -no-reboot -trace 'nosuch.*' -S");
    dropin_negotiate(&d);
    /* -S: the prelaunch state until cont. */
    assert_string_equal(dropin_qmp(&d, "{\"execute\": \"query-status\"}"),
                        "{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, "
                        "\"running\": false}}");
    dropin_quit(&d);

    dropin_start(&d, "aarch64", "-machine none");
    dropin_negotiate(&d);
    assert_string_equal(dropin_qmp(&d, "{\"execute\": \"query-cpus-fast\"}"),
                        "{\"return\": []}");
    dropin_quit(&d);
}

/* -qmp unix:PATH,server=on,wait=off: a second monitor that listens; it
 * gets its own greeting, and events go to every negotiated monitor. */
static void test_qmp_server_socket(void **state)
{
    (void)state;
    char dir[] = "/tmp/emutime-qmp-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64], args[160];
    snprintf(path, sizeof(path), "%s/mon.sock", dir);
    snprintf(args, sizeof(args), "-machine mps2-an385 -qmp unix:%s,server=on,wait=off", path);
    dropin d;
    dropin_start(&d, "arm", args);
    dropin_negotiate(&d);
    /* The listener exists: the drop-in sets up every monitor before it
     * answers the handshake. */
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
    linebuf mon = { .fd = socket(AF_UNIX, SOCK_STREAM, 0) };
    assert_int_equal(connect(mon.fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    const char *greeting = dropin_line(&mon);
    assert_non_null(greeting);
    assert_true(strncmp(greeting, "{\"QMP\": ", 8) == 0);
    dropin_send(mon.fd, "{\"execute\": \"qmp_capabilities\", \"id\": 2}");
    assert_string_equal(dropin_line(&mon), "{\"return\": {}, \"id\": 2}");
    dropin_send(d.qmp.fd, "{\"execute\": \"stop\"}");
    dropin_event(&d, "STOP");
    assert_string_equal(dropin_line(&d.qmp), "{\"return\": {}}");
    const char *ev = dropin_line(&mon);
    assert_non_null(ev);
    assert_non_null(strstr(ev, "\"event\": \"STOP\"}"));
    close(mon.fd);
    dropin_quit(&d);
    /* The drop-in removes the socket it listened on. */
    assert_int_equal(access(path, F_OK), -1);
    rmdir(dir);
}

/* A start-up error: a message naming the option on stderr, exit status 1,
 * and both sockets connected then closed, so that the test program fails at
 * once instead of waiting for its accept timeout. */
static void expect_startup_error(const char *arch, const char *args, const char *message)
{
    dropin d;
    assert_false(dropin_start_raw(&d, arch, args, true));
    assert_int_equal(dropin_wait(&d), 1);
    const char *err = dropin_stderr(&d);
    if (!strstr(err, message)) {
        fail_msg("emutime-system-%s %s: stderr '%s' lacks '%s'", arch, args, err, message);
    }
    dropin_cleanup(&d);
}

static void test_startup_errors(void **state)
{
    (void)state;
    expect_startup_error("arm", "-machine mps2-an385 -bogus", "-bogus: invalid option");
    expect_startup_error("arm", "", "No machine specified, and there is no default");
    expect_startup_error("arm", "-machine pc", "-machine pc: unsupported machine type");
    expect_startup_error("x86_64", "-machine nosuch", "unsupported machine type");
    expect_startup_error("arm", "-machine mps2-an385 -device nosuch",
                         "-device nosuch: emutime's mps2-an385 has no optional device");
    expect_startup_error("x86_64", "-device hpet", "has no optional device 'hpet'");
    expect_startup_error("arm", "-machine mps2-an385 -smp 2", "models one CPU");
    expect_startup_error("arm", "-machine mps2-an385 -watchdog-action explode",
                         "-watchdog-action explode: invalid parameter value");
    expect_startup_error("arm", "-machine mps2-an385 -display gtk", "emutime has no display");
    expect_startup_error("arm", "-machine mps2-an385,nosuch=on", "has no option 'nosuch'");
    expect_startup_error("arm", "-machine mps2-an385 -rtc base=utc,bogus=1",
                         "-rtc: invalid parameter 'bogus'");
    expect_startup_error("arm", "-machine mps2-an385 disk.img",
                         "emutime takes no disk image");
    expect_startup_error("riscv64", "", "use -machine virt");
    expect_startup_error("arm", "-machine mps2-an385 -accel kvm",
                         "emutime has only the qtest accelerator");
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmsdk_timer_sequence),
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_quit),
        cmocka_unit_test(test_qtest_eof),
        cmocka_unit_test(test_default_machine),
        cmocka_unit_test(test_accepted_options),
        cmocka_unit_test(test_qmp_server_socket),
        cmocka_unit_test(test_startup_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
