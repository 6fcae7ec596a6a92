/* The virt board as QEMU 7.2 builds it for -smp N and N sockets (NUMA
 * nodes): a per-socket ACLINT at 0x02000000 + socket * 0x10000 with
 * hartid-base = the socket's first hart, every hart's mip inputs and the
 * PLIC inputs at QEMU's QOM paths, the Goldfish RTC on PLIC 0 input 11, the
 * board options and their limits, and snapshots of per-hart state. QOM
 * paths and creation order from `info qom-tree` and `info mtree` of
 * qemu-system-riscv64 7.2.22 (-smp 4; -smp 4/5 -numa node -numa node);
 * outputs marked "QEMU" are its qtest replies to the same commands (with -S:
 * no time passes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "qtest_fixture.h"

/* The default machine (smp=1, sockets=1) is the board's table as it is:
 * what `emutime machines` and docs/machines.md describe. */
static void test_default_is_the_table(void **state)
{
    (void)state;
    const et_board *table = et_board_find("virt");
    qt_fixture *f = qt_start("virt");
    const et_board *b = et_machine_board(f->m);
    assert_int_equal(b->n_devices, table->n_devices);
    for (unsigned i = 0; i < b->n_devices; i++) {
        assert_string_equal(b->devices[i].name, table->devices[i].name);
        assert_string_equal(b->devices[i].type, table->devices[i].type);
        assert_int_equal(b->devices[i].base, table->devices[i].base);
        assert_int_equal(b->devices[i].n_wires, table->devices[i].n_wires);
        assert_int_equal(b->devices[i].n_counters, table->devices[i].n_counters);
    }
    assert_int_equal(b->n_controllers, table->n_controllers);
    for (unsigned i = 0; i < b->n_controllers; i++) {
        assert_string_equal(b->controllers[i].name, table->controllers[i].name);
        assert_int_equal(b->controllers[i].n_inputs, table->controllers[i].n_inputs);
    }
    assert_int_equal(b->n_qom, table->n_qom);
    for (unsigned i = 0; i < b->n_qom; i++) {
        assert_string_equal(b->qom[i].path, table->qom[i].path);
        assert_int_equal(b->qom[i].outputs, table->qom[i].outputs);
    }
    assert_string_equal(et_machine_option(f->m, "smp"), "1");
    assert_string_equal(et_machine_option(f->m, "sockets"), "1");
    assert_string_equal(et_machine_option(f->m, "rtc-base"), "utc");
    assert_string_equal(et_machine_option(f->m, "rtc-clock"), "host");
    qt_stop(f);
}

/* -smp 4: one socket, one ACLINT with 4 harts. mtimecmp[i] at
 * 0x02004000 + 8i, msip[i] at 0x02000000 + 4i; hart i's inputs at
 * /machine/soc0/harts[i]. */
static void test_smp4_per_hart_lines(void **state)
{
    (void)state;
    qt_fixture *f = qt_start("virt,smp=4");
    assert_int_equal(et_machine_device_count(f->m), 3); /* mswi, mtimer, rtc */
    qt_expect(f, "irq_intercept_in /machine/soc0/harts[2]", "OK\n");
    /* Hart 2's MTIP was high from reset: lowering it prints nothing (QEMU). */
    qt_expect(f, "writeq 0x02004010 0xffffffffffffffff", "OK\n");
    /* Other harts' lines are not hart 2's inputs. */
    qt_expect(f, "writeq 0x02004008 0xffffffffffffffff", "OK\n");
    qt_expect(f, "writeq 0x02004008 0", "OK\n");
    qt_expect(f, "writel 0x02000004 1", "OK\n");
    /* Its own: MSIP (3) and MTIP (7). mtimecmp 5 is 500 ns at 10 MHz. */
    qt_expect(f, "writel 0x02000008 1", "IRQ raise 3\nOK\n");
    qt_expect(f, "writeq 0x02004010 5", "OK\n");
    qt_expect(f, "clock_step 499", "OK 499\n");
    qt_expect(f, "clock_step 1", "IRQ raise 7\nOK 500\n");
    qt_expect(f, "readl 0x02000008", "OK 0x0000000000000001\n");
    qt_expect(f, "readl 0x0200000c", "OK 0x0000000000000000\n");
    /* There is no fifth hart: past msip[3] is a guest error reading 0. */
    qt_expect(f, "readl 0x02000010", "OK 0x0000000000000000\n");
    qt_expect(f, "irq_intercept_in /machine/soc0/harts[4]", "FAIL Unknown device\n");
    qt_stop(f);

    /* intercept_out on the MTIMER: N is the hart (QEMU: writeq
     * 0x02004018 -1 then 0 gives "IRQ raise 3", with -smp 4). */
    f = qt_start("virt,smp=4");
    qt_expect(f, "irq_intercept_out /machine/unattached/device[1]", "OK\n");
    qt_expect(f, "writeq 0x02004018 -1", "OK\n");
    qt_expect(f, "writeq 0x02004018 0", "IRQ raise 3\nOK\n");
    qt_expect(f, "writeq 0x02004008 -1", "OK\n");
    qt_expect(f, "writeq 0x02004008 0", "IRQ raise 1\nOK\n");
    qt_stop(f);
}

/* Two sockets of 5 harts: QEMU's default NUMA assignment puts hart i in
 * socket min(i / (5 / 2), 1), so socket 0 has harts 0-1 and socket 1 harts
 * 2-4 (QEMU: /machine/soc1 has harts[0..2]). Socket 1's ACLINT is at
 * 0x02010000 (MSWI) and 0x02014000 (MTIMER, mtime at 0x0201bff8) with
 * hartid-base 2; QOM devices 3 and 4; its PLIC device 5; the RTC device 18. */
static void test_two_sockets(void **state)
{
    (void)state;
    qt_fixture *f = qt_start("virt,smp=5,sockets=2");
    assert_int_equal(et_machine_device_count(f->m), 5);
    assert_non_null(et_machine_find_device(f->m, "mtimer1"));
    assert_non_null(et_machine_find_device(f->m, "mswi1"));
    const et_board *b = et_machine_board(f->m);
    bool rtc_path = false;
    for (unsigned i = 0; i < b->n_qom; i++) {
        rtc_path |= strcmp(b->qom[i].path, "/machine/unattached/device[18]") == 0 &&
                    strcmp(b->qom[i].device, "rtc") == 0;
    }
    assert_true(rtc_path);
    /* Socket 1's relative hart 0 is hart 2. */
    qt_expect(f, "irq_intercept_in /machine/soc1/harts[0]", "OK\n");
    qt_expect(f, "writeq 0x02014000 0xffffffffffffffff", "OK\n");
    qt_expect(f, "writeq 0x02014000 0", "IRQ raise 7\nOK\n");
    qt_expect(f, "writel 0x02010000 1", "IRQ raise 3\nOK\n");
    /* Socket 0's hart 0 is another hart. */
    qt_expect(f, "writel 0x02000000 1", "OK\n");
    /* mtimecmp reads index by relative hart (QEMU 7.2 reads with the
     * absolute id: 0x02014008 read 0x161 there, docs/divergences.md). */
    qt_expect(f, "writeq 0x02014008 0x1234", "OK\n");
    qt_expect(f, "readq 0x02014008", "OK 0x0000000000001234\n");
    /* Two sockets each have a harts[0]: the partial path is ambiguous. */
    qt_expect(f, "irq_intercept_in harts[0]", "FAIL Unknown device\n");
    qt_stop(f);

    f = qt_start("virt,smp=5,sockets=2");
    qt_expect(f, "irq_intercept_out /machine/unattached/device[4]", "OK\n");
    qt_expect(f, "writeq 0x02014010 -1", "OK\n");
    qt_expect(f, "writeq 0x02014010 0", "IRQ raise 2\nOK\n");
    /* Each socket's mtime is its own register. Writing it re-evaluates
     * every hart of the socket, and relative harts 1 and 2 (mtimecmp 0 from
     * reset, so due) drive MTIP high again: qtest, which recorded them low
     * at the intercept, reports them, as QEMU 7.2 does (checked with the
     * QEMU kit). */
    qt_expect(f, "writeq 0x0201bff8 0x100", "IRQ raise 0\nIRQ raise 1\nOK\n");
    qt_expect(f, "readq 0x0201bff8", "OK 0x0000000000000100\n");
    qt_expect(f, "readq 0x0200bff8", "OK 0x0000000000000000\n");
    qt_stop(f);
}

static void test_option_limits(void **state)
{
    (void)state;
    char err[256];
    static const char *const bad[] = {
        "virt,smp=0", "virt,smp=513", "virt,smp=4x", "virt,smp=", "virt,smp=-1",
        "virt,sockets=0", "virt,sockets=5", "virt,smp=3,sockets=4", "virt,rtc-clock=tsc",
        "virt,rtc-base=2020-02-30",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        et_machine *m = et_machine_new(bad[i], err, sizeof(err));
        if (m) {
            fail_msg("%s was accepted", bad[i]);
        }
        assert_true(err[0] != '\0');
    }
    assert_null(et_machine_new("virt,smp=2,sockets=3", err, sizeof(err)));
    assert_string_equal(err, "virt: 3 sockets need at least 3 harts (smp=2)");
    /* QEMU's largest: 512 harts in 4 sockets of 128. */
    et_machine *m = et_machine_new("virt,smp=512,sockets=4", err, sizeof(err));
    assert_non_null(m);
    assert_int_equal(et_machine_board(m)->n_controllers, 512 + 4);
    et_machine_free(m);
}

/* The RTC's line goes to PLIC 0's input 11 (QEMU: with the PLIC
 * intercepted, an alarm in the past gives "IRQ raise 11" in the reply to the
 * ALARM_LOW write, and CLEAR_INTERRUPT "IRQ lower 11"). */
static void test_rtc_on_plic(void **state)
{
    (void)state;
    qt_fixture *f = qt_start("virt,smp=2,rtc-base=2020-01-01,rtc-clock=vm");
    qt_expect(f, "irq_intercept_in /machine/unattached/device[2]", "OK\n");
    qt_expect(f, "readl 0x101000", "OK 0x00000000b98a0000\n");
    qt_expect(f, "readl 0x101004", "OK 0x0000000015e59a35\n");
    qt_expect(f, "writel 0x101010 1", "OK\n");
    qt_expect(f, "writel 0x10100c 0x15e59a35", "OK\n");
    qt_expect(f, "writel 0x101008 0xb98a0000", "IRQ raise 11\nOK\n");
    qt_expect(f, "readl 0x101018", "OK 0x0000000000000000\n");
    qt_expect(f, "writel 0x10101c 1", "IRQ lower 11\nOK\n");
    /* A future alarm fires at its nanosecond. */
    qt_expect(f, "writel 0x101008 0xb98a0064", "OK\n");
    qt_expect(f, "readl 0x101018", "OK 0x0000000000000001\n");
    qt_expect(f, "clock_step 100", "IRQ raise 11\nOK 100\n");
    /* Sub-word accesses are refused (QEMU: invalid size, 0). */
    qt_expect(f, "readb 0x101000", "OK 0x0000000000000000\n");
    /* A 64-bit read: TIME_LOW, then TIME_HIGH (QEMU: 0x15e59a35b98a0000 at 0). */
    qt_expect(f, "readq 0x101000", "OK 0x15e59a35b98a0064\n");
    /* Reset clears the alarm and the interrupt, keeps the time. */
    et_machine_reset(f->m);
    qt_expect(f, "readl 0x101010", "OK 0x0000000000000000\n");
    qt_expect(f, "readq 0x101000", "OK 0x15e59a35b98a0064\n");
    qt_stop(f);
}

/* Per-hart state round-trips through a machine snapshot, and a snapshot
 * of a 4-hart machine does not load into a 2-hart one. */
static void test_snapshot_per_hart(void **state)
{
    (void)state;
    qt_fixture *a = qt_start("virt,smp=4,rtc-base=2020-01-01,rtc-clock=vm");
    qt_expect(a, "writeq 0x02004000 0xffffffffffffffff", "OK\n");
    qt_expect(a, "writeq 0x02004008 30", "OK\n");
    qt_expect(a, "writeq 0x02004010 0xffffffffffffffff", "OK\n");
    qt_expect(a, "writeq 0x02004018 20", "OK\n");
    qt_expect(a, "writel 0x02000008 1", "OK\n");
    qt_expect(a, "writel 0x101004 0x20", "OK\n");
    qt_expect(a, "clock_step 1000", "OK 1000\n");
    uint8_t *buf;
    size_t len;
    char err[256];
    assert_int_equal(et_machine_snapshot_save(a->m, &buf, &len, err, sizeof(err)), 0);

    qt_fixture *b = qt_start("virt,smp=4,rtc-base=2020-01-01,rtc-clock=vm");
    qt_expect(b, "clock_step 77", "OK 77\n");
    assert_int_equal(et_machine_snapshot_load(b->m, buf, len, err, sizeof(err)), 0);
    qt_expect(b, "irq_intercept_out /machine/unattached/device[1]", "OK\n");
    qt_expect(b, "readq 0x02004008", "OK 0x000000000000001e\n");
    qt_expect(b, "readq 0x02004018", "OK 0x0000000000000014\n");
    qt_expect(b, "readl 0x02000008", "OK 0x0000000000000001\n");
    qt_expect(b, "readl 0x0200000c", "OK 0x0000000000000000\n");
    /* mtime 10 at 1000 ns: hart 3 rises at 2000 ns, hart 1 at 3000 ns. */
    qt_expect(b, "clock_step 1000", "IRQ raise 3\nOK 2000\n");
    qt_expect(b, "clock_step 1000", "IRQ raise 1\nOK 3000\n");
    qt_expect(b, "readl 0x101004", "OK 0x0000000000000000\n"); /* the latch is 0 until TIME_LOW */
    qt_expect(b, "readl 0x101000", "OK 0x00000000b98a0bb8\n"); /* 0x20_b98a0000 + 3000 ns */
    qt_expect(b, "readl 0x101004", "OK 0x0000000000000020\n");

    qt_fixture *c = qt_start("virt,smp=2");
    assert_int_equal(et_machine_snapshot_load(c->m, buf, len, err, sizeof(err)), ET_EMISMATCH);
    free(buf);
    qt_stop(a);
    qt_stop(b);
    qt_stop(c);
}

/* Register semantics with no time passing, command for command as QEMU
 * 7.2.22 answered them (its qtest server with -S, -smp 4, -rtc
 * base=2020-01-01,clock=vm): mtimecmp and mtime in 32-bit halves on
 * several harts, MSIP, past the last msip, the RTC's time halves, alarm
 * arming, CLEAR_ALARM, an alarm in the past with the interrupt disabled,
 * the write-only, unmapped and read-only registers, a refused 16-bit read. */
typedef struct step {
    const char *cmd, *output;
} step;

static void run_steps(const char *spec, const step *steps, size_t n)
{
    qt_fixture *f = qt_start(spec);
    for (size_t i = 0; i < n; i++) {
        qt_expect(f, steps[i].cmd, steps[i].output);
    }
    qt_stop(f);
}

static void test_registers_match_qemu(void **state)
{
    (void)state;
    static const step script[] = {
        { "irq_intercept_out /machine/unattached/device[1]", "OK\n" },
        { "writeq 0x02004000 300", "OK\n" },
        { "writeq 0x02004008 -1", "OK\n" },
        { "writeq 0x02004010 -1", "OK\n" },
        { "writel 0x02004014 0", "OK\n" },
        { "readq 0x02004010", "OK 0x00000000ffffffff\n" },
        { "writel 0x02004010 0", "IRQ raise 2\nOK\n" },
        { "writeq 0x02004018 5", "OK\n" },
        { "readq 0x02004018", "OK 0x0000000000000005\n" },
        { "writeq 0x0200bff8 0x10", "IRQ raise 3\nOK\n" },
        { "readq 0x0200bff8", "OK 0x0000000000000010\n" },
        { "writeq 0x02004018 0x10", "OK\n" },
        { "writel 0x0200bffc 1", "IRQ raise 0\nOK\n" },
        { "readq 0x0200bff8", "OK 0x0000000100000010\n" },
        { "writel 0x02000004 1", "OK\n" },
        { "readl 0x02000004", "OK 0x0000000000000001\n" },
        { "readl 0x02000010", "OK 0x0000000000000000\n" },
        { "readl 0x101000", "OK 0x00000000b98a0000\n" },
        { "readl 0x101004", "OK 0x0000000015e59a35\n" },
        { "writel 0x101004 0x20", "OK\n" },
        { "writel 0x101000 0x30", "OK\n" },
        { "readq 0x101000", "OK 0x0000002000000030\n" },
        { "writel 0x10100c 0x20", "OK\n" },
        { "writel 0x101008 0x31", "OK\n" },
        { "readl 0x101018", "OK 0x0000000000000001\n" },
        { "writel 0x101014 1", "OK\n" },
        { "readl 0x101018", "OK 0x0000000000000000\n" },
        { "writel 0x101008 0x29", "OK\n" },
        { "readl 0x101018", "OK 0x0000000000000000\n" },
        { "readl 0x101014", "OK 0x0000000000000000\n" },
        { "readl 0x101020", "OK 0x0000000000000000\n" },
        { "writel 0x101018 5", "OK\n" },
        { "readw 0x101000", "OK 0x0000000000000000\n" },
    };
    run_steps("virt,smp=4,rtc-base=2020-01-01,rtc-clock=vm", script,
              sizeof(script) / sizeof(script[0]));
}

/* Two sockets, the same way (QEMU: -smp 5 -numa node -numa node): hart 4
 * is /machine/soc1/harts[2], its mtimecmp at 0x02014010 and msip at
 * 0x02010008; socket 1's mtime is its own. (No mtimecmp reads or 32-bit
 * mtimecmp writes on socket 1: QEMU indexes those by the absolute hart.) */
static void test_two_sockets_match_qemu(void **state)
{
    (void)state;
    static const step script[] = {
        { "irq_intercept_in /machine/soc1/harts[2]", "OK\n" },
        { "writeq 0x02014010 -1", "OK\n" },
        { "writeq 0x02014010 0", "IRQ raise 7\nOK\n" },
        { "writeq 0x02014008 -1", "OK\n" },
        { "writel 0x02010008 1", "IRQ raise 3\nOK\n" },
        { "readl 0x02010008", "OK 0x0000000000000001\n" },
        { "writel 0x02010004 1", "OK\n" },
        { "writel 0x02010008 0", "IRQ lower 3\nOK\n" },
        { "writeq 0x0201bff8 0x100", "OK\n" },
        { "readq 0x0201bff8", "OK 0x0000000000000100\n" },
        { "readq 0x0200bff8", "OK 0x0000000000000000\n" },
        { "writeq 0x02014010 0x200", "IRQ lower 7\nOK\n" },
        { "writeq 0x0201bff8 0x200", "IRQ raise 7\nOK\n" },
        { "readl 0x0201000c", "OK 0x0000000000000000\n" },
        { "readl 0x02000008", "OK 0x0000000000000000\n" },
    };
    run_steps("virt,smp=5,sockets=2", script, sizeof(script) / sizeof(script[0]));
}

/* As QEMU drives MTIP on every mtimecmp write, a due mtimecmp written to a
 * hart whose MTIP was already high before the intercept prints "IRQ raise"
 * (qtest's record said 0; QEMU 7.2.22: writeq 0x02004008 0 right after the
 * intercept gives "IRQ raise 1"). The intercept asks the lines to deliver
 * repeated levels (et_irq_set_redeliver), so emutime prints the same. */
static void test_redrive_of_high_mtip_as_qemu(void **state)
{
    (void)state;
    qt_fixture *f = qt_start("virt,smp=4");
    qt_expect(f, "irq_intercept_out /machine/unattached/device[1]", "OK\n");
    qt_expect(f, "writeq 0x02004008 0", "IRQ raise 1\nOK\n");
    qt_expect(f, "writeq 0x02004008 0", "OK\n"); /* qtest's record is high now */
    qt_expect(f, "writeq 0x02004008 -1", "IRQ lower 1\nOK\n");
    qt_expect(f, "writeq 0x02004008 0", "IRQ raise 1\nOK\n");
    qt_stop(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_is_the_table),
        cmocka_unit_test(test_smp4_per_hart_lines),
        cmocka_unit_test(test_two_sockets),
        cmocka_unit_test(test_option_limits),
        cmocka_unit_test(test_rtc_on_plic),
        cmocka_unit_test(test_snapshot_per_hart),
        cmocka_unit_test(test_registers_match_qemu),
        cmocka_unit_test(test_two_sockets_match_qemu),
        cmocka_unit_test(test_redrive_of_high_mtip_as_qemu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
