/* The qtest server on real machines: QEMU 7.2's reply formats, IRQ event
 * rules, intercept rules, transfers, clock commands, and FAIL-and-go-on for
 * malformed input. Expected outputs marked "QEMU" were recorded from
 * qemu-system-* 7.2 (Debian 12) with the same commands. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emutime/machine.h"
#include "emutime/qtest.h"

typedef struct out {
    char buf[1 << 16];
    size_t len;
} out;

static void collect(void *opaque, const char *text, size_t len)
{
    out *o = opaque;
    assert_true(o->len + len < sizeof(o->buf));
    memcpy(o->buf + o->len, text, len);
    o->len += len;
    o->buf[o->len] = '\0';
}

typedef struct fixture {
    et_machine *m;
    et_qtest *q;
    out out;
} fixture;

static fixture *start(const char *machine)
{
    fixture *f = calloc(1, sizeof(*f));
    char err[256];
    f->m = et_machine_new(machine, err, sizeof(err));
    if (!f->m) {
        fail_msg("%s: %s", machine, err);
    }
    f->q = et_qtest_new(f->m, collect, &f->out);
    return f;
}

static void stop(fixture *f)
{
    et_qtest_free(f->q);
    et_machine_free(f->m);
    free(f);
}

/* Runs one command and checks everything it printed. */
static void expect(fixture *f, const char *cmd, const char *output)
{
    f->out.len = 0;
    f->out.buf[0] = '\0';
    et_qtest_execute(f->q, cmd, strlen(cmd));
    if (strcmp(f->out.buf, output) != 0) {
        fail_msg("'%s': got\n%s---\nexpected\n%s---", cmd, f->out.buf, output);
    }
}

static void test_reply_formats(void **state)
{
    (void)state;
    fixture *f = start("virt");
    expect(f, "endianness", "OK little\n");
    expect(f, "readq 0x200bff8", "OK 0x0000000000000000\n");
    /* No I/O port device: QEMU's unassigned ports read all ones. */
    expect(f, "inb 0x40", "OK 0x00ff\n");
    expect(f, "inw 0x40", "OK 0xffff\n");
    expect(f, "inl 0x40", "OK 0xffffffff\n");
    expect(f, "outb 0x80 1", "OK\n");
    expect(f, "foo bar", "FAIL Unknown command 'foo'\n");
    /* mtime counts at 10 MHz: 250 ns is 2 ticks (floor). */
    expect(f, "clock_step 250", "OK 250\n");
    expect(f, "readq 0x200bff8", "OK 0x0000000000000002\n");
    expect(f, "readl 0x200bff8", "OK 0x0000000000000002\n");
    /* Unmapped addresses read 0 and ignore writes. */
    expect(f, "writel 0x10000000 0xffffffff", "OK\n");
    expect(f, "readl 0x10000000", "OK 0x0000000000000000\n");
    assert_int_equal(et_qtest_failures(f->q), 1);
    assert_int_equal(et_qtest_commands(f->q), 12);
    stop(f);
}

/* virt: MTIP is high from creation (mtimecmp 0 <= mtime 0), before any
 * intercept, so qtest's record (0) never saw it: its first lowering is not
 * printed (QEMU). */
static void test_irq_lines_only_on_change(void **state)
{
    (void)state;
    fixture *f = start("virt");
    expect(f, "irq_intercept_in /machine/soc0/harts[0]", "OK\n");
    expect(f, "writeq 0x2004000 0x100", "OK\n");
    expect(f, "writeq 0x2004000 0", "IRQ raise 7\nOK\n");
    expect(f, "writel 0x2004000 0x100", "IRQ lower 7\nOK\n");
    expect(f, "writel 0x2000000 1", "IRQ raise 3\nOK\n");
    expect(f, "readl 0x2000000", "OK 0x0000000000000001\n");
    expect(f, "writel 0x2000000 1", "OK\n"); /* no change, no line */
    expect(f, "writel 0x2000000 0", "IRQ lower 3\nOK\n");
    /* mtimecmp 0x100 = 256 ticks of 100 ns: MTIP rises at 25600 ns, inside
     * the step, and its line comes before the step's reply. */
    expect(f, "clock_step 25599", "OK 25599\n");
    expect(f, "clock_step 1", "IRQ raise 7\nOK 25600\n");
    stop(f);
}

static void test_intercept_rules(void **state)
{
    (void)state;
    fixture *f = start("virt");
    expect(f, "irq_intercept_in /machine/nosuch", "FAIL Unknown device\n");
    expect(f, "irq_intercept_in /machine/soc0/harts[0]", "OK\n");
    expect(f, "irq_intercept_in /machine/soc0/harts[0]", "OK\n");
    /* A unique partial path names the same object. */
    expect(f, "irq_intercept_in harts[0]", "OK\n");
    expect(f, "irq_intercept_out /machine/unattached/device[1]",
           "FAIL IRQ intercept already enabled\n");
    expect(f, "irq_intercept_in device[0]", "FAIL IRQ intercept already enabled\n");
    stop(f);

    /* intercept_out on the MTIMER: N is the hart's output line. */
    f = start("virt");
    expect(f, "irq_intercept_out /machine/unattached/device[1]", "OK\n");
    expect(f, "writeq 0x2004000 0x10", "OK\n");
    expect(f, "clock_step 1600", "IRQ raise 0\nOK 1600\n");
    /* The hart's inputs are not hooked this time. */
    expect(f, "writel 0x2000000 1", "OK\n");
    stop(f);
}

static void test_set_irq_in(void **state)
{
    (void)state;
    fixture *f = start("virt");
    expect(f, "irq_intercept_in /machine/soc0/harts[0]", "OK\n");
    expect(f, "set_irq_in /machine/soc0/harts[0] unnamed-gpio-in 11 1", "IRQ raise 11\nOK\n");
    expect(f, "set_irq_in /machine/soc0/harts[0] unnamed-gpio-in 11 1", "OK\n");
    expect(f, "set_irq_in /machine/soc0/harts[0] unnamed-gpio-in 11 0", "IRQ lower 11\nOK\n");
    /* QEMU aborts on these; emutime answers FAIL. */
    expect(f, "set_irq_in /machine/soc0/harts[0] unnamed-gpio-in 12 1",
           "FAIL input 12 is out of range (0..11)\n");
    expect(f, "set_irq_in /machine/nosuch unnamed-gpio-in 0 1", "FAIL Unknown device\n");
    expect(f, "set_irq_in /machine/soc0/harts[0] NMI 0 1",
           "FAIL /machine/soc0/harts[0] has no input list 'NMI'\n");
    stop(f);
}

static void test_transfers(void **state)
{
    (void)state;
    fixture *f = start("virt"); /* RAM at 0x80000000 */
    expect(f, "write 0x80000000 4 0x12345678", "OK\n");
    expect(f, "read 0x80000000 4", "OK 0x12345678\n");
    expect(f, "readl 0x80000000", "OK 0x0000000078563412\n"); /* little-endian */
    expect(f, "writew 0x80000002 0xabcd", "OK\n");
    expect(f, "read 0x80000000 4", "OK 0x1234cdab\n");
    /* QEMU: missing digits make zero bytes, extra ones are ignored. */
    expect(f, "write 0x80000000 4 0xff", "OK\n");
    expect(f, "read 0x80000000 4", "OK 0xff000000\n");
    expect(f, "write 0x80000000 1 0xeeddccbb", "OK\n");
    expect(f, "read 0x80000000 2", "OK 0xee00\n");
    expect(f, "b64write 0x80000100 4 AQIDBA==", "OK\n");
    expect(f, "read 0x80000100 4", "OK 0x01020304\n");
    expect(f, "b64read 0x80000100 4", "OK AQIDBA==\n");
    expect(f, "b64read 0x80000100 5", "OK AQIDBAA=\n");
    expect(f, "b64read 0x80000100 0", "OK \n"); /* QEMU: "OK " */
    /* A shorter LEN than the data writes LEN bytes. */
    expect(f, "b64write 0x80000200 2 AQIDBA==", "OK\n");
    expect(f, "read 0x80000200 4", "OK 0x01020000\n");
    expect(f, "memset 0x80000300 3 0x1ff", "OK\n"); /* the low byte */
    expect(f, "read 0x80000300 4", "OK 0xffffff00\n");
    /* A transfer across the end of RAM: the unmapped part reads 0. */
    expect(f, "write 0x87fffffe 4 0x11223344", "OK\n");
    expect(f, "read 0x87fffffe 4", "OK 0x11220000\n");
    expect(f, "write 0x80000000 4 0x", "ERR invalid argument size\n");
    expect(f, "read 0x80000000 0",
           "FAIL read of 0 bytes\n");
    stop(f);
}

static void test_clock_commands(void **state)
{
    (void)state;
    fixture *f = start("virt");
    /* Nothing armed: clock_step with no argument does nothing (QEMU). */
    expect(f, "clock_step", "OK 0\n");
    expect(f, "irq_intercept_in /machine/soc0/harts[0]", "OK\n");
    expect(f, "writeq 0x2004000 0x10", "OK\n");
    /* ...and with a deadline it goes exactly there: 16 ticks = 1600 ns. */
    expect(f, "clock_step", "IRQ raise 7\nOK 1600\n");
    expect(f, "clock_set 1000", "OK 1600\n"); /* the past: no-op */
    expect(f, "clock_step -5", "OK 1600\n");
    expect(f, "clock_step 0", "OK 1600\n");
    expect(f, "clock_set 0x1000", "OK 4096\n");
    expect(f, "readq 0x200bff8", "OK 0x0000000000000028\n"); /* 4096 / 100 = 40 */
    /* Time saturates at INT64_MAX instead of overflowing. */
    expect(f, "writeq 0x2004000 0xffffffffffffffff", "IRQ lower 7\nOK\n");
    expect(f, "clock_step 9223372036854775807", "OK 9223372036854775807\n");
    expect(f, "clock_step 1", "OK 9223372036854775807\n");
    stop(f);
}

/* The time in replies is printed two digits at a time: every digit count
 * from 1 to 19, both parities, and the digit pairs 00, 09, 10 and 99. */
static void test_time_reply_digits(void **state)
{
    (void)state;
    fixture *f = start("none");
    static const char *const times[] = {
        "1", "9", "10", "99", "100", "909", "1000", "10099", "123456", "9999999",
        "10000000", "100000009", "1234567890", "99999999999", "100000000000",
        "1000000000000000", "9900990099009900", "123456789012345678",
        "999999999999999999", "1000000000000000000", "9223372036854775807",
    };
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        char cmd[64], reply[64];
        snprintf(cmd, sizeof(cmd), "clock_set %s", times[i]);
        snprintf(reply, sizeof(reply), "OK %s\n", times[i]);
        expect(f, cmd, reply);
    }
    stop(f);
}

/* Malformed input: FAIL with a reason, and the next command works. */
static void test_malformed_input_keeps_going(void **state)
{
    (void)state;
    fixture *f = start("virt");
    expect(f, "", "FAIL empty line\n");
    expect(f, "readq  0x200bff8", "FAIL ADDR is empty (double or trailing space?)\n");
    expect(f, "readq", "FAIL missing argument (usage: readX ADDR)\n");
    expect(f, "readq 0x200bff8x", "FAIL ADDR '0x200bff8x' is not a number\n");
    expect(f, "inb 0x10000", "FAIL PORT 0x10000 is above 0xffff\n");
    expect(f, "\x7f\x45LF", "FAIL non-printable byte 0x7f at column 1\n");
    expect(f, "readq 0x200bff8", "OK 0x0000000000000000\n");
    assert_int_equal(et_qtest_failures(f->q), 6);
    stop(f);
}

/* et_qtest_feed: lines split across chunks, blank lines, overlong lines
 * answered once, an unterminated last line executed at the end. */
static void test_feed(void **state)
{
    (void)state;
    fixture *f = start("virt");
    const char *a = "endianness\nreadq 0x20";
    const char *b = "0bff8\n\nendia";
    et_qtest_feed(f->q, a, strlen(a));
    assert_string_equal(f->out.buf, "OK little\n");
    et_qtest_feed(f->q, b, strlen(b));
    assert_string_equal(f->out.buf, "OK little\nOK 0x0000000000000000\nFAIL empty line\n");
    f->out.len = 0;
    et_qtest_feed(f->q, "nness\r\n", 7);
    assert_string_equal(f->out.buf, "OK little\n");

    f->out.len = 0;
    size_t big = ET_QTEST_MAX_LINE + 100;
    char *junk = malloc(big);
    memset(junk, 'x', big);
    et_qtest_feed(f->q, junk, big / 2);
    et_qtest_feed(f->q, junk, big - big / 2);
    free(junk);
    assert_int_equal(f->out.len, 0);
    et_qtest_feed(f->q, "\nendianness\nendianness", 22);
    char expected[128];
    snprintf(expected, sizeof(expected), "FAIL line longer than %u bytes\nOK little\n",
             ET_QTEST_MAX_LINE);
    assert_string_equal(f->out.buf, expected);
    et_qtest_finish(f->q);
    strcat(expected, "OK little\n");
    assert_string_equal(f->out.buf, expected);
    stop(f);
}

/* The NVIC view, command for command against QEMU's mps2-an385. */
static void test_nvic_view_matches_qemu(void **state)
{
    (void)state;
    fixture *f = start("mps2-an385");
    expect(f, "readl 0xe000e004", "OK 0x0000000000000000\n");     /* ICTR: 32 IRQs */
    expect(f, "readl 0xe000ed00", "OK 0x00000000410fc231\n");     /* CPUID */
    expect(f, "readl 0xe000ed04", "OK 0x0000000000000800\n");     /* ICSR: RETTOBASE */
    expect(f, "readl 0xe000e200", "OK 0x0000000000000000\n");     /* LAN9118 not pending */
    expect(f, "writel 0xe000e100 0x108", "OK\n");
    expect(f, "readl 0xe000e100", "OK 0x0000000000000108\n");
    expect(f, "readl 0xe000e180", "OK 0x0000000000000108\n");
    expect(f, "set_irq_in /machine/armv7m unnamed-gpio-in 8 1", "OK\n");
    expect(f, "set_irq_in /machine/armv7m unnamed-gpio-in 3 1", "OK\n");
    /* VECTPENDING 19 (IRQ 3), ISRPENDING, RETTOBASE. */
    expect(f, "readl 0xe000ed04", "OK 0x0000000000413800\n");
    expect(f, "readl 0xe000e200", "OK 0x0000000000000108\n");
    /* ICPR cannot clear an input held high (R_CVJS). */
    expect(f, "writel 0xe000e280 0x100", "OK\n");
    expect(f, "readl 0xe000e200", "OK 0x0000000000000108\n");
    expect(f, "set_irq_in /machine/armv7m unnamed-gpio-in 8 0", "OK\n");
    expect(f, "writel 0xe000e280 0x100", "OK\n");
    expect(f, "readl 0xe000e200", "OK 0x0000000000000008\n");
    expect(f, "set_irq_in /machine/armv7m NMI 0 1", "OK\n");
    expect(f, "readl 0xe000ed04", "OK 0x0000000080402800\n");
    expect(f, "writel 0xe000e200 0x80000000", "OK\n");
    /* An unaligned word is two halfwords (QEMU's access splitting). */
    expect(f, "readl 0xe000e202", "OK 0x0000000000008000\n");
    expect(f, "readw 0xe000e202", "OK 0x0000000000008000\n");
    expect(f, "readb 0xe000e203", "OK 0x0000000000000080\n");
    expect(f, "readl 0xe000ed0c", "OK 0x00000000fa050000\n"); /* AIRCR */
    /* RAM aliases, as QEMU maps them: SSRAM1 again at 4 MiB, SSRAM2/3
     * again at 0x20400000, so a transfer across the end of one continues in
     * its alias. */
    expect(f, "writel 0x00000000 0x12345678", "OK\n");
    expect(f, "readl 0x00400000", "OK 0x0000000012345678\n");
    expect(f, "write 0x20000000 8 0x0102030405060708", "OK\n");
    expect(f, "read 0x203ffffc 8", "OK 0x0000000001020304\n");
    expect(f, "write 0x0100fffe 4 0xaabbccdd", "OK\n"); /* the last block-RAM alias */
    expect(f, "read 0x01003ffe 2", "OK 0xaabb\n");
    expect(f, "read 0x01010000 2", "OK 0x0000\n"); /* unmapped after it */
    stop(f);
}

/* The PL190 view on versatilepb, command for command against QEMU except
 * VICFIQSTATUS, which the TRM masks with VICINTENABLE and QEMU does not. */
static void test_vic_view(void **state)
{
    (void)state;
    fixture *f = start("versatilepb");
    expect(f, "readl 0x10140fe0", "OK 0x0000000000000090\n"); /* PeriphID0 */
    expect(f, "readl 0x10140ffc", "OK 0x00000000000000b1\n"); /* PCellID3 */
    expect(f, "readl 0x10140030", "OK 0x0000000000000000\n"); /* VECTADDR: not modelled */
    expect(f, "irq_intercept_in /machine/unattached/device[2]", "OK\n");
    /* Soft interrupts show in VICRAWINTR but are no input: no IRQ line. */
    expect(f, "writel 0x10140018 0x30", "OK\n");
    expect(f, "readl 0x10140008", "OK 0x0000000000000030\n");
    expect(f, "writel 0x1014000c 0x10", "OK\n"); /* bit 4 is an FIQ */
    expect(f, "writel 0x10140010 0x30", "OK\n");
    expect(f, "readl 0x10140000", "OK 0x0000000000000020\n");
    expect(f, "readl 0x10140004", "OK 0x0000000000000010\n");
    expect(f, "writel 0x10140014 0x10", "OK\n");
    expect(f, "readl 0x10140000", "OK 0x0000000000000020\n");
    expect(f, "readl 0x10140004", "OK 0x0000000000000000\n"); /* QEMU: 0x10 */
    expect(f, "writel 0x1014001c 0xffffffff", "OK\n");
    expect(f, "readl 0x10140008", "OK 0x0000000000000000\n");
    expect(f, "writel 0x10140020 1", "OK\n");
    expect(f, "readl 0x10140020", "OK 0x0000000000000001\n");
    /* Inputs: the intercept sees them, VICRAWINTR shows them. */
    expect(f, "set_irq_in /machine/unattached/device[2] unnamed-gpio-in 7 1",
           "IRQ raise 7\nOK\n");
    expect(f, "readl 0x10140008", "OK 0x0000000000000080\n");
    expect(f, "set_irq_in /machine/unattached/device[2] unnamed-gpio-in 7 0",
           "IRQ lower 7\nOK\n");
    /* The SP804s: intercepting one hooks nothing (its IRQ is a named
     * sysbus-irq), but it is not the intercepted object. */
    expect(f, "irq_intercept_in /machine/unattached/device[13]",
           "FAIL IRQ intercept already enabled\n");
    stop(f);
}

/* A system reset with the NVIC intercepted: the LAN9118 raises its line
 * again, which qtest's record prints, but the NVIC has reset its pending
 * bits (QEMU, via QMP system_reset). */
static void test_reset_prints_lan9118_raise(void **state)
{
    (void)state;
    fixture *f = start("mps2-an385");
    expect(f, "irq_intercept_in /machine/armv7m", "OK\n");
    f->out.len = 0;
    et_machine_reset(f->m);
    assert_string_equal(f->out.buf, "IRQ raise 13\n");
    expect(f, "readl 0xe000e200", "OK 0x0000000000000000\n");
    expect(f, "readl 0xe000ed04", "OK 0x0000000000000800\n");
    assert_int_equal(et_machine_reset_count(f->m), 1);
    stop(f);
}

/* The watchdog's reset request is performed before the next command, even
 * when the commands come in one chunk (QEMU: after the reply, in the main
 * loop). 100 ticks of 40 ns to the first zero (WDOGINT: the NMI), 101 more
 * to the second (WDOGRES). */
static void test_watchdog_reset_is_deferred(void **state)
{
    (void)state;
    fixture *f = start("mps2-an385");
    expect(f, "irq_intercept_in /machine/armv7m", "OK\n");
    expect(f, "writel 0x40008000 100", "OK\n");
    expect(f, "writel 0x40008008 3", "OK\n"); /* INTEN | RESEN */
    expect(f, "clock_step 4000", "OK 4000\n");
    expect(f, "readl 0xe000ed04", "OK 0x0000000080002800\n"); /* NMIPENDSET */
    const char *chunk = "clock_step 4040\nreadl 0x40008008\nreadl 0xe000ed04\n";
    f->out.len = 0;
    et_qtest_feed(f->q, chunk, strlen(chunk));
    assert_string_equal(f->out.buf, "OK 8040\n"
                                    "IRQ raise 13\n"             /* the reset, at the next command */
                                    "OK 0x0000000000000000\n"    /* CONTROL back to 0 */
                                    "OK 0x0000000000000800\n");  /* no NMI pending */
    assert_int_equal(et_machine_reset_count(f->m), 1);
    assert_false(et_machine_reset_pending(f->m));
    stop(f);
}

static void test_machine_specs(void **state)
{
    (void)state;
    char err[256];
    et_machine *m = et_machine_new("nosuch", err, sizeof(err));
    assert_null(m);
    assert_non_null(strstr(err, "unknown machine 'nosuch'"));
    assert_non_null(strstr(err, "mps2-an385"));
    assert_null(et_machine_new("pc,pit=maybe", err, sizeof(err)));
    assert_non_null(strstr(err, "not on or off"));
    assert_null(et_machine_new("pc,speed=fast", err, sizeof(err)));
    assert_non_null(strstr(err, "no option 'speed' (options: pit hpet rtc-base rtc-clock ib700)"));
    assert_null(et_machine_new("virt,pit=off", err, sizeof(err)));
    assert_null(et_machine_new("pc,pit", err, sizeof(err)));
    assert_non_null(strstr(err, "OPTION=VALUE"));

    m = et_machine_new("pc,pit=off", err, sizeof(err));
    assert_non_null(m);
    assert_string_equal(et_machine_option(m, "pit"), "off");
    assert_string_equal(et_machine_option(m, "hpet"), "on");
    /* GCAP_ID as QEMU's pc reports it. */
    assert_true(et_machine_read(m, 0xfed00000, 8) == UINT64_C(0x009896808086a201));
    et_machine_free(m);
    m = et_machine_new("q35,hpet=off", err, sizeof(err));
    assert_non_null(m);
    assert_null(et_machine_find_device(m, "hpet"));
    assert_true(et_machine_read(m, 0xfed00000, 8) == 0);
    et_machine_free(m);
    /* The default machine. */
    m = et_machine_new(NULL, err, sizeof(err));
    assert_non_null(m);
    assert_string_equal(et_machine_board(m)->name, ET_DEFAULT_MACHINE);
    et_machine_free(m);
}

/* snapshot_save / snapshot_load through qtest: the future after a load is
 * the future after the save, and the loaded interrupt levels are reported
 * against qtest's record. */
static void test_snapshot_commands(void **state)
{
    (void)state;
    char dir[] = "/tmp/emutime-qtest-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], cmd[160];
    snprintf(path, sizeof(path), "%s/s.snap", dir);

    fixture *f = start("mps2-an385");
    expect(f, "irq_intercept_in /machine/armv7m", "OK\n");
    expect(f, "writel 0x40000008 999", "OK\n");
    expect(f, "writel 0x40000000 9", "OK\n");
    expect(f, "clock_step 39960", "IRQ raise 8\nOK 39960\n");
    snprintf(cmd, sizeof(cmd), "snapshot_save %s", path);
    expect(f, cmd, "OK\n");
    expect(f, "writel 0x4000000c 1", "IRQ lower 8\nOK\n");
    expect(f, "writel 0x40000000 0", "OK\n");
    expect(f, "clock_step 100000", "OK 139960\n");
    /* Back to 39 960 ns with INTSTATUS set: the line goes up again. */
    snprintf(cmd, sizeof(cmd), "snapshot_load %s", path);
    expect(f, cmd, "IRQ raise 8\nOK\n");
    expect(f, "clock_step 0", "OK 39960\n");
    expect(f, "readl 0x4000000c", "OK 0x0000000000000001\n");
    expect(f, "writel 0x4000000c 1", "IRQ lower 8\nOK\n");
    /* The next expiry is where it was due: 1000 ticks later. */
    expect(f, "clock_step 39999", "OK 79959\n");
    expect(f, "clock_step 1", "IRQ raise 8\nOK 79960\n");
    stop(f);

    /* Another machine refuses it, and nothing changes. */
    f = start("virt");
    snprintf(cmd, sizeof(cmd), "snapshot_load %s", path);
    expect(f, cmd, "FAIL snapshot is of machine 'mps2-an385', not 'virt'\n");
    expect(f, "clock_step 0", "OK 0\n");
    snprintf(cmd, sizeof(cmd), "snapshot_load %s/missing.snap", dir);
    et_qtest_execute(f->q, cmd, strlen(cmd));
    assert_non_null(strstr(f->out.buf, "FAIL cannot open"));
    stop(f);

    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_formats),
        cmocka_unit_test(test_irq_lines_only_on_change),
        cmocka_unit_test(test_intercept_rules),
        cmocka_unit_test(test_set_irq_in),
        cmocka_unit_test(test_transfers),
        cmocka_unit_test(test_clock_commands),
        cmocka_unit_test(test_time_reply_digits),
        cmocka_unit_test(test_malformed_input_keeps_going),
        cmocka_unit_test(test_feed),
        cmocka_unit_test(test_nvic_view_matches_qemu),
        cmocka_unit_test(test_vic_view),
        cmocka_unit_test(test_reset_prints_lan9118_raise),
        cmocka_unit_test(test_watchdog_reset_is_deferred),
        cmocka_unit_test(test_machine_specs),
        cmocka_unit_test(test_snapshot_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
