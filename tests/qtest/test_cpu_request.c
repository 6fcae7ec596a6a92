/* The interrupt request a controller view presents to the CPU
 * (et_machine_set_cpu_request_sink): the NVIC's "irq-request" follows
 * ICSR.VECTPENDING, the PL190's nVICIRQ / nVICFIQ follow VICIRQSTATUS /
 * VICFIQSTATUS; both are re-derived after a snapshot load. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "emutime/emutime.h"

typedef struct cpu {
    int level[2];
    int calls;
} cpu;

static void request(void *opaque, int n, int level)
{
    cpu *c = opaque;
    c->level[n] = level;
    c->calls++;
}

#define NVIC_ISER 0xe000e100u
#define NVIC_ICPR 0xe000e280u
#define TIMER0 0x40000000u

static void test_nvic_request(void **state)
{
    (void)state;
    char err[256];
    et_machine *m = et_machine_new("mps2-an385", err, sizeof(err));
    assert_non_null(m);
    cpu c = { { 0, 0 }, 0 };
    assert_int_equal(et_machine_set_cpu_request_sink(m, "nosuch", request, &c), ET_ENOENT);
    assert_int_equal(et_machine_set_cpu_request_sink(m, "nvic", request, &c), 0);
    /* timer0 (NVIC input 8) fires 24 ticks (960 ns) after VALUE 24: pending
     * but not enabled, so nothing is presented (ICSR.VECTPENDING 0). */
    et_machine_write(m, TIMER0 + ET_CMSDK_TIMER_VALUE, 24, 4);
    et_machine_write(m, TIMER0 + ET_CMSDK_TIMER_RELOAD, 24, 4);
    et_machine_write(m, TIMER0 + ET_CMSDK_TIMER_CTRL, 0x9, 4);
    et_clock_step(et_machine_clock(m), 960);
    assert_int_equal(c.calls, 0);
    /* Enabling it presents it (VECTPENDING = 16 + 8). */
    et_machine_write(m, NVIC_ISER, 1u << 8, 4);
    assert_int_equal(c.level[0], 1);
    /* Acknowledge at the timer, then clear the pending bit: withdrawn. */
    et_machine_write(m, TIMER0 + ET_CMSDK_TIMER_INTSTATUS, 1, 4);
    assert_int_equal(c.level[0], 1); /* still pending: latched */
    et_machine_write(m, NVIC_ICPR, 1u << 8, 4);
    assert_int_equal(c.level[0], 0);
    assert_int_equal(c.calls, 2);

    /* Pending again, saved; a fresh machine loading it presents it at once. */
    et_clock_step(et_machine_clock(m), 25 * 40);
    assert_int_equal(c.level[0], 1);
    uint8_t *snap;
    size_t len;
    assert_int_equal(et_machine_snapshot_save(m, &snap, &len, err, sizeof(err)), 0);
    et_machine *m2 = et_machine_new("mps2-an385", err, sizeof(err));
    cpu c2 = { { 0, 0 }, 0 };
    assert_int_equal(et_machine_set_cpu_request_sink(m2, "nvic", request, &c2), 0);
    assert_int_equal(et_machine_snapshot_load(m2, snap, len, err, sizeof(err)), 0);
    assert_int_equal(c2.level[0], 1);
    free(snap);
    et_machine_free(m2);
    /* A machine reset withdraws it (enables and pending bits go). */
    et_machine_reset(m);
    assert_int_equal(c.level[0], 0);
    et_machine_free(m);
}

#define VIC 0x10140000u
#define VIC_INTSELECT 0x00c
#define VIC_INTENABLE 0x010
#define VIC_SOFTINT 0x018
#define VIC_SOFTINTCLEAR 0x01c

static void test_vic_irq_and_fiq(void **state)
{
    (void)state;
    char err[256];
    et_machine *m = et_machine_new("versatilepb", err, sizeof(err));
    assert_non_null(m);
    cpu c = { { 0, 0 }, 0 };
    assert_int_equal(et_machine_set_cpu_request_sink(m, "vic", request, &c), 0);
    /* A software interrupt on input 4, not enabled: nothing. */
    et_machine_write(m, VIC + VIC_SOFTINT, 1u << 4, 4);
    assert_int_equal(c.calls, 0);
    /* Enabled as IRQ: nVICIRQ; selected as FIQ: nVICFIQ instead. */
    et_machine_write(m, VIC + VIC_INTENABLE, 1u << 4, 4);
    assert_int_equal(c.level[0], 1);
    assert_int_equal(c.level[1], 0);
    et_machine_write(m, VIC + VIC_INTSELECT, 1u << 4, 4);
    assert_int_equal(c.level[0], 0);
    assert_int_equal(c.level[1], 1);
    et_machine_write(m, VIC + VIC_SOFTINTCLEAR, 1u << 4, 4);
    assert_int_equal(c.level[1], 0);
    /* The SP804 at 0x101e2000 (input 4) fires through the same path: Load
     * 10 at 1 MHz, periodic, interrupt enabled, 32-bit: 11 us (Load + 1). */
    et_machine_write(m, VIC + VIC_INTSELECT, 0, 4);
    et_machine_write(m, 0x101e2000 + ET_SP804_LOAD, 10, 4);
    et_machine_write(m, 0x101e2000 + ET_SP804_CONTROL, 0xe2, 4);
    for (int i = 0; i < 100 && !c.level[0]; i++) {
        et_clock_step(et_machine_clock(m), 1000);
    }
    assert_int_equal(c.level[0], 1);
    et_machine_write(m, 0x101e2000 + ET_SP804_INTCLR, 1, 4);
    assert_int_equal(c.level[0], 0);
    /* Boards whose controller has no view have no request output. */
    et_machine *pc = et_machine_new("pc", err, sizeof(err));
    assert_int_equal(et_machine_set_cpu_request_sink(pc, "ioapic", request, &c), ET_ENOENT);
    et_machine_free(pc);
    et_machine_free(m);
}

/* A board whose NVIC no device drives: after a load nothing re-drives its
 * inputs, so only the view's own refresh can present the loaded pending
 * interrupt (input 0, set pending and enabled by software). */
static const et_board_controller lone_nvic[] = {
    { .name = "nvic", .kind = ET_IC_NVIC, .n_inputs = 32, .base = 0xe000e000,
      .numbering = "input N" },
};
static const et_board lone_board = {
    .name = "lone-nvic", .description = "an NVIC alone", .qemu_binary = "none",
    .intercept = "", .controllers = lone_nvic, .n_controllers = 1,
};

static void test_request_after_load_without_lines(void **state)
{
    (void)state;
    char err[256];
    et_clock *clock = et_clock_new_manual();
    et_machine *m = et_machine_new_from_board(&lone_board, NULL, clock, err, sizeof(err));
    assert_non_null(m);
    cpu c = { { 0, 0 }, 0 };
    assert_int_equal(et_machine_set_cpu_request_sink(m, "nvic", request, &c), 0);
    et_machine_write(m, NVIC_ISER, 1, 4);
    et_machine_write(m, 0xe000e200u /* ISPR */, 1, 4);
    assert_int_equal(c.level[0], 1);
    uint8_t *snap;
    size_t len;
    assert_int_equal(et_machine_snapshot_save(m, &snap, &len, err, sizeof(err)), 0);
    et_machine *m2 = et_machine_new_from_board(&lone_board, NULL, clock, err, sizeof(err));
    cpu c2 = { { 0, 0 }, 0 };
    assert_int_equal(et_machine_set_cpu_request_sink(m2, "nvic", request, &c2), 0);
    assert_int_equal(et_machine_snapshot_load(m2, snap, len, err, sizeof(err)), 0);
    assert_int_equal(c2.level[0], 1);
    free(snap);
    et_machine_free(m2);
    et_machine_free(m);
    et_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nvic_request),
        cmocka_unit_test(test_vic_irq_and_fiq),
        cmocka_unit_test(test_request_after_load_without_lines),
    };
    return cmocka_run_group_tests_name("cpu_request", tests, NULL, NULL);
}
