/* -watchdog-action and system_reset as QEMU 7.2 performs them, driven by
 * mps2-an385's CMSDK watchdog (0x40008000, 25 MHz): WATCHDOG with the
 * action when the watchdog's reset output fires, then what the action does
 * (softmmu/watchdog.c, softmmu/runstate.c):
 *   reset      RESET (guest-reset) after the command; with -no-reboot
 *              SHUTDOWN (guest-reset) and exit status 0
 *   shutdown   POWERDOWN
 *   poweroff   exit status 0 at once, no SHUTDOWN
 *   pause      STOP, query-status "watchdog"
 *   debug      "watchdog: timer fired" on stderr
 *   none, inject-nmi   nothing more */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dropin_client.h"

#define WDOG 0x40008000ul
#define WDOGLOAD (WDOG + 0x0)
#define WDOGCONTROL (WDOG + 0x8)

/* LOAD 1000 with INTEN|RESEN: the first expiry (1001 ticks of 40 ns,
 * 40040 ns) raises the interrupt, the second (80080 ns) the reset output;
 * stepping 100 us crosses both. */
static void fire_watchdog(dropin *d)
{
    dropin_writel(d, WDOGLOAD, 1000);
    dropin_writel(d, WDOGCONTROL, 3);
    assert_string_equal(dropin_qtest(d, "clock_step 100000"), "OK 100000");
}

static void start_with(dropin *d, const char *extra)
{
    char args[256];
    snprintf(args, sizeof(args), "-machine mps2-an385 %s", extra);
    dropin_start(d, "arm", args);
    dropin_negotiate(d);
}

static void expect_watchdog_event(dropin *d, const char *action)
{
    char want[128];
    snprintf(want, sizeof(want), "\"event\": \"WATCHDOG\", \"data\": {\"action\": \"%s\"}}",
             action);
    assert_string_equal(dropin_event(d, "WATCHDOG"), want);
}

/* No event is waiting: the next QMP line is this command's reply. */
static void expect_status(dropin *d, const char *status, bool running)
{
    char want[160];
    snprintf(want, sizeof(want),
             "{\"return\": {\"status\": \"%s\", \"singlestep\": false, \"running\": %s}}",
             status, running ? "true" : "false");
    dropin_send(d->qmp.fd, "{\"execute\": \"query-status\"}");
    assert_string_equal(dropin_line(&d->qmp), want);
}

static void test_reset(void **state)
{
    (void)state;
    dropin d;
    start_with(&d, "-watchdog-action reset");
    fire_watchdog(&d);
    expect_watchdog_event(&d, "reset");
    assert_string_equal(dropin_event(&d, "RESET"),
                        "\"event\": \"RESET\", \"data\": {\"guest\": true, \"reason\": "
                        "\"guest-reset\"}}");
    /* Every device is back at reset (the watchdog's LOAD reads all ones,
     * CONTROL 0); the virtual clock kept its time. */
    assert_int_equal(dropin_readl(&d, WDOGLOAD), 0xffffffffu);
    assert_int_equal(dropin_readl(&d, WDOGCONTROL), 0);
    assert_string_equal(dropin_qtest(&d, "clock_step 0"), "OK 100000");
    expect_status(&d, "running", true);
    dropin_quit(&d);
}

/* The default action is reset. */
static void test_default_is_reset(void **state)
{
    (void)state;
    dropin d;
    start_with(&d, "");
    fire_watchdog(&d);
    expect_watchdog_event(&d, "reset");
    dropin_event(&d, "RESET");
    dropin_quit(&d);
}

static void test_reset_no_reboot(void **state)
{
    (void)state;
    dropin d;
    start_with(&d, "-watchdog-action reset -no-reboot");
    fire_watchdog(&d);
    expect_watchdog_event(&d, "reset");
    assert_string_equal(dropin_event(&d, "SHUTDOWN"),
                        "\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": "
                        "\"guest-reset\"}}");
    assert_null(dropin_line(&d.qmp));
    assert_int_equal(dropin_wait(&d), 0);
    dropin_cleanup(&d);
}

static void test_pause(void **state)
{
    (void)state;
    dropin d;
    start_with(&d, "-watchdog-action pause");
    fire_watchdog(&d);
    expect_watchdog_event(&d, "pause");
    dropin_event(&d, "STOP");
    expect_status(&d, "watchdog", false);
    /* The machine was not reset. */
    assert_int_equal(dropin_readl(&d, WDOGCONTROL), 3);
    dropin_send(d.qmp.fd, "{\"execute\": \"cont\"}");
    dropin_event(&d, "RESUME");
    assert_string_equal(dropin_line(&d.qmp), "{\"return\": {}}");
    expect_status(&d, "running", true);
    dropin_quit(&d);
}

static void test_shutdown(void **state)
{
    (void)state;
    dropin d;
    start_with(&d, "-watchdog-action shutdown");
    fire_watchdog(&d);
    expect_watchdog_event(&d, "shutdown");
    assert_string_equal(dropin_event(&d, "POWERDOWN"), "\"event\": \"POWERDOWN\"}");
    expect_status(&d, "running", true);
    dropin_quit(&d);
}

static void test_poweroff(void **state)
{
    (void)state;
    dropin d;
    start_with(&d, "-watchdog-action poweroff");
    dropin_writel(&d, WDOGLOAD, 1000);
    dropin_writel(&d, WDOGCONTROL, 3);
    dropin_send(d.qt.fd, "clock_step 100000\n");
    expect_watchdog_event(&d, "poweroff");
    assert_null(dropin_line(&d.qmp));
    assert_int_equal(dropin_wait(&d), 0);
    dropin_cleanup(&d);
}

static void test_debug_none_nmi(void **state)
{
    (void)state;
    const char *actions[] = { "debug", "none", "inject-nmi" };
    for (size_t i = 0; i < 3; i++) {
        dropin d;
        char arg[64];
        snprintf(arg, sizeof(arg), "-watchdog-action %s", actions[i]);
        start_with(&d, arg);
        fire_watchdog(&d);
        expect_watchdog_event(&d, actions[i]);
        expect_status(&d, "running", true);
        assert_int_equal(dropin_readl(&d, WDOGCONTROL), 3); /* no reset */
        if (i == 0) {
            assert_non_null(strstr(dropin_stderr(&d), "watchdog: timer fired\n"));
        }
        dropin_quit(&d);
    }
}

/* watchdog-set-action changes the action at run time. */
static void test_set_action(void **state)
{
    (void)state;
    dropin d;
    start_with(&d, "");
    assert_string_equal(dropin_qmp(&d, "{\"execute\": \"watchdog-set-action\", "
                                       "\"arguments\": {\"action\": \"none\"}}"),
                        "{\"return\": {}}");
    fire_watchdog(&d);
    expect_watchdog_event(&d, "none");
    expect_status(&d, "running", true);
    dropin_quit(&d);
}

/* system_reset: every device back at reset, the clock keeps its time, RESET
 * (host-qmp-system-reset) before the reply as QEMU 7.2 sends them. */
static void test_system_reset(void **state)
{
    (void)state;
    dropin d;
    start_with(&d, "");
    dropin_writel(&d, 0x40000008, 1000); /* timer0 RELOAD */
    dropin_writel(&d, 0x40000000, 9);    /* CTRL: enable, IRQ enable */
    dropin_qtest(&d, "clock_step 12345");
    dropin_send(d.qmp.fd, "{\"execute\": \"system_reset\", \"id\": \"r\"}");
    assert_string_equal(dropin_event(&d, "RESET"),
                        "\"event\": \"RESET\", \"data\": {\"guest\": false, \"reason\": "
                        "\"host-qmp-system-reset\"}}");
    assert_string_equal(dropin_line(&d.qmp), "{\"return\": {}, \"id\": \"r\"}");
    assert_int_equal(dropin_readl(&d, 0x40000000), 0);
    assert_int_equal(dropin_readl(&d, 0x40000008), 0);
    assert_string_equal(dropin_qtest(&d, "clock_step 0"), "OK 12345");
    dropin_quit(&d);
}

/* system_reset with -no-reboot shuts down, as every reset request does. */
static void test_system_reset_no_reboot(void **state)
{
    (void)state;
    dropin d;
    start_with(&d, "-no-reboot");
    dropin_send(d.qmp.fd, "{\"execute\": \"system_reset\"}");
    assert_string_equal(dropin_event(&d, "SHUTDOWN"),
                        "\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, \"reason\": "
                        "\"host-qmp-system-reset\"}}");
    assert_string_equal(dropin_line(&d.qmp), "{\"return\": {}}");
    assert_int_equal(dropin_wait(&d), 0);
    dropin_cleanup(&d);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_default_is_reset),
        cmocka_unit_test(test_reset_no_reboot),
        cmocka_unit_test(test_pause),
        cmocka_unit_test(test_shutdown),
        cmocka_unit_test(test_poweroff),
        cmocka_unit_test(test_debug_none_nmi),
        cmocka_unit_test(test_set_action),
        cmocka_unit_test(test_system_reset),
        cmocka_unit_test(test_system_reset_no_reboot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
