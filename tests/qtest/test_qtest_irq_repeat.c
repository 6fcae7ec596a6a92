/* QEMU's IRQ stream for a line already high when the intercept is set up.
 * QEMU's device models call qemu_set_irq on every update, changed or not,
 * and qtest reports a call whose level differs from its own record (which
 * starts at 0): such a line shows "IRQ raise" at the device's next update,
 * then its lowering. emutime's lines deliver changes only; the intercept
 * asks its lines for repeats so that the stream is QEMU's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "emutime/machine.h"
#include "emutime/qtest.h"

typedef struct out {
    char buf[4096];
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
    out o;
} fixture;

static int setup(void **state)
{
    static fixture f;
    char err[256];
    memset(&f, 0, sizeof(f));
    f.m = et_machine_new("mps2-an385", err, sizeof(err));
    assert_non_null(f.m);
    f.q = et_qtest_new(f.m, collect, &f.o);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    et_machine_set_line_sink(f->m, NULL, NULL);
    et_qtest_free(f->q);
    et_machine_free(f->m);
    return 0;
}

static void expect(et_qtest *q, out *o, const char *cmd, const char *reply)
{
    o->len = 0;
    o->buf[0] = '\0';
    et_qtest_execute(q, cmd, strlen(cmd));
    if (strcmp(o->buf, reply) != 0) {
        fail_msg("%s: got '%s', expected '%s'", cmd, o->buf, reply);
    }
}

/* mps2-an385 timer0 (NVIC 8): its interrupt is high before the intercept.
 * The stream is qemu-system-arm 7.2's for the same commands: its
 * cmsdk_apb_timer_write drives the line again on an INTSTATUS write only, so
 * CTRL and RELOAD writes report nothing, a W1C of nothing reports the
 * raise, a real clear the lowering. */
static void test_line_high_before_intercept(void **state)
{
    fixture *f = *state;
    et_qtest *q = f->q;
    out *o = &f->o;
    expect(q, o, "writel 0x40000008 1000", "OK\n");
    expect(q, o, "writel 0x40000000 9", "OK\n");
    expect(q, o, "clock_step 50000", "OK 50000\n"); /* fired at 40000 ns */
    expect(q, o, "readl 0xe000e200", "OK 0x0000000000000100\n"); /* NVIC 8 pending */
    expect(q, o, "irq_intercept_in /machine/armv7m", "OK\n");
    /* A read updates nothing. VALUE: 1250 ticks = one period of 1001 plus
     * 249, so 1000 - 249 = 751, read as 752 at the exact tick boundary. */
    expect(q, o, "readl 0x40000004", "OK 0x00000000000002f0\n");
    expect(q, o, "writel 0x40000000 9", "OK\n");
    expect(q, o, "writel 0x40000008 1000", "OK\n");
    expect(q, o, "writel 0x4000000c 0", "IRQ raise 8\nOK\n");
    expect(q, o, "writel 0x4000000c 0", "OK\n"); /* the record is 1 now */
    expect(q, o, "writel 0x4000000c 1", "IRQ lower 8\nOK\n");
    expect(q, o, "writel 0x4000000c 1", "OK\n");
}

static void run_stream(const char *machine, const char *const (*script)[2], size_t n)
{
    char err[256];
    et_machine *m = et_machine_new(machine, err, sizeof(err));
    assert_non_null(m);
    out o = { .len = 0 };
    et_qtest *q = et_qtest_new(m, collect, &o);
    for (size_t i = 0; i < n; i++) {
        expect(q, &o, script[i][0], script[i][1]);
    }
    et_qtest_free(q);
    et_machine_free(m);
}

/* The CMSDK dual timer (NVIC 10) and the SP804 (VIC 4): qemu-system-arm
 * 7.2's streams. The dual timer drives its line on CONTROL and INTCLR
 * writes only; the SP804 on every register write. */
static void test_dualtimer_and_sp804_streams(void **state)
{
    (void)state;
    static const char *const dual[][2] = {
        { "writel 0x40002000 100", "OK\n" },
        { "writel 0x40002008 0xe2", "OK\n" }, /* enable, periodic, IRQ, 32-bit */
        { "clock_step 10000", "OK 10000\n" },  /* fires every 101 ticks of 40 ns */
        { "irq_intercept_in /machine/armv7m", "OK\n" },
        { "writel 0x40002018 100", "OK\n" }, /* BGLOAD */
        { "writel 0x40002000 100", "OK\n" }, /* LOAD */
        { "writel 0x40002008 0xe2", "IRQ raise 10\nOK\n" },
        { "writel 0x4000200c 1", "IRQ lower 10\nOK\n" },
    };
    run_stream("mps2-an385", dual, sizeof(dual) / sizeof(dual[0]));
    static const char *const sp804[][2] = {
        { "writel 0x101e2000 10", "OK\n" },
        { "writel 0x101e2008 0xe2", "OK\n" },
        { "clock_step 15000", "OK 15000\n" }, /* 10 ticks of 1 us */
        { "irq_intercept_in /machine/unattached/device[2]", "OK\n" },
        { "writel 0x101e2018 10", "IRQ raise 4\nOK\n" }, /* BGLOAD */
        { "writel 0x101e2000 10", "OK\n" },
        { "writel 0x101e200c 1", "IRQ lower 4\nOK\n" },
    };
    run_stream("versatilepb", sp804, sizeof(sp804) / sizeof(sp804[0]));
}

/* virt's ACLINT: MTIP is high from reset (mtimecmp 0 <= mtime 0), before
 * any intercept; QEMU reports it at the first mtimecmp write, which drives
 * the line (qemu-system-riscv64 7.2's stream). */
static void test_aclint_mtip_from_reset(void **state)
{
    (void)state;
    static const char *const virt[][2] = {
        { "irq_intercept_in /machine/soc0/harts[0]", "OK\n" },
        { "readl 0x0200bff8", "OK 0x0000000000000000\n" },
        { "writel 0x02004004 0", "IRQ raise 7\nOK\n" },
        { "writel 0x02004000 0", "OK\n" },
        { "writeq 0x02004000 0x100000", "IRQ lower 7\nOK\n" },
        { "writeq 0x02004000 0", "IRQ raise 7\nOK\n" },
    };
    run_stream("virt", virt, sizeof(virt) / sizeof(virt[0]));
}

/* The repeats reach qtest only: the waveform listener still sees changes
 * alone. */
static int line_calls;

static void count_line(void *opaque, size_t dev, unsigned output, int level)
{
    (void)opaque;
    (void)dev;
    (void)output;
    (void)level;
    line_calls++;
}

static void test_waveform_sees_changes_only(void **state)
{
    fixture *f = *state;
    et_machine *m = f->m;
    et_qtest *q = f->q;
    out *o = &f->o;
    expect(q, o, "irq_intercept_in /machine/armv7m", "OK\n");
    et_machine_set_line_sink(m, count_line, NULL);
    expect(q, o, "writel 0x4000000c 1", "OK\n");
    expect(q, o, "writel 0x4000000c 1", "OK\n");
    assert_int_equal(line_calls, 0);
    expect(q, o, "writel 0x40000008 1000", "OK\n");
    expect(q, o, "writel 0x40000000 9", "OK\n");
    expect(q, o, "clock_step 50000", "IRQ raise 8\nOK 50000\n");
    expect(q, o, "writel 0x4000000c 0", "OK\n"); /* a repeat */
    assert_int_equal(line_calls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_line_high_before_intercept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waveform_sees_changes_only, setup, teardown),
        cmocka_unit_test(test_dualtimer_and_sp804_streams),
        cmocka_unit_test(test_aclint_mtip_from_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
