/* A board the embedder describes (et_machine_new_from_board): the same data
 * as the built-in boards, built on the embedder's clock. Here a CMSDK APB
 * timer at 0x5000 on a 1 MHz clock, wired to input 3 of an inputs-only
 * controller, with an option. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "emutime/emutime.h"

static const et_board_clock clocks[] = { { .name = "pclk", .hz = 1000000 } };
static const et_cmsdk_apb_timer_config timer_config = { .pclk = NULL };
static const et_board_wire timer_wires[] = {
    { .output = ET_CMSDK_TIMER_IRQ_TIMERINT, .controller = "irqs", .input = 3 },
};
static const et_board_controller controllers[] = {
    { .name = "irqs", .kind = ET_IC_GIC, .n_inputs = 8, .numbering = "input N" },
};
static const et_board_device devices[] = {
    { .name = "tick", .type = "cmsdk-apb-timer", .base = 0x5000, .clock = "pclk",
      .config = &timer_config, .wires = timer_wires, .n_wires = 1 },
    { .name = "spare", .type = "cmsdk-apb-timer", .base = 0x6000, .clock = "pclk",
      .config = &timer_config, .option = "spare" },
};
static const et_board_option options[] = {
    { .name = "spare", .def = "off", .help = "a second timer" },
};
static const et_board my_board = {
    .name = "my-board", .description = "a user's board", .qemu_binary = "none",
    .intercept = "", .clocks = clocks, .n_clocks = 1, .controllers = controllers,
    .n_controllers = 1, .devices = devices, .n_devices = 2, .options = options,
    .n_options = 1,
};

typedef struct seen {
    int raises, lowers;
    size_t dev;
    unsigned output;
} seen;

static void on_line(void *opaque, size_t dev, unsigned output, int level)
{
    seen *s = opaque;
    s->dev = dev;
    s->output = output;
    if (level) {
        s->raises++;
    } else {
        s->lowers++;
    }
}

static void test_user_board_runs(void **state)
{
    (void)state;
    char err[256];
    et_clock *clock = et_clock_new_manual();
    et_machine *m = et_machine_new_from_board(&my_board, NULL, clock, err, sizeof(err));
    assert_non_null(m);
    assert_string_equal(et_machine_board(m)->name, "my-board");
    assert_int_equal(et_machine_device_count(m), 1); /* "spare" is off */
    seen s = { 0 };
    et_machine_set_line_sink(m, on_line, &s);
    /* VALUE 999 at 1 MHz: the count reaches 0 after 999 ticks (999 us),
     * which sets INTSTATUS and raises the line; it reloads from RELOAD on the
     * next tick (CMSDK TRM, DDI 0479). */
    et_machine_write(m, 0x5000 + ET_CMSDK_TIMER_RELOAD, 999, 4);
    et_machine_write(m, 0x5000 + ET_CMSDK_TIMER_VALUE, 999, 4);
    et_machine_write(m, 0x5000 + ET_CMSDK_TIMER_CTRL, 0x9, 4); /* enable, IRQ enable */
    et_clock_step(clock, 998999);
    assert_int_equal(s.raises, 0);
    et_clock_step(clock, 1);
    assert_int_equal(s.raises, 1);
    assert_int_equal(s.dev, 0);
    assert_int_equal(s.output, ET_CMSDK_TIMER_IRQ_TIMERINT);
    assert_int_equal(et_machine_read(m, 0x5000 + ET_CMSDK_TIMER_INTSTATUS, 4), 1);
    et_machine_write(m, 0x5000 + ET_CMSDK_TIMER_INTSTATUS, 1, 4);
    assert_int_equal(s.lowers, 1);
    et_machine_free(m);

    /* Options as for a built-in board. */
    m = et_machine_new_from_board(&my_board, "spare=on", clock, err, sizeof(err));
    assert_non_null(m);
    assert_int_equal(et_machine_device_count(m), 2);
    assert_non_null(et_machine_find_device(m, "spare"));
    et_machine_free(m);
    assert_null(et_machine_new_from_board(&my_board, "turbo=on", clock, err, sizeof(err)));
    assert_non_null(strstr(err, "no option 'turbo'"));
    et_clock_free(clock);
}

static void test_bad_user_boards(void **state)
{
    (void)state;
    char err[256];
    et_clock *clock = et_clock_new_manual();
    assert_null(et_machine_new_from_board(NULL, NULL, clock, err, sizeof(err)));
    assert_null(et_machine_new_from_board(&my_board, NULL, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "no clock"));

    et_board_device bad_type = devices[0];
    bad_type.type = "no-such-timer";
    et_board b = my_board;
    b.devices = &bad_type;
    b.n_devices = 1;
    err[0] = '\0';
    assert_null(et_machine_new_from_board(&b, NULL, clock, err, sizeof(err)));
    assert_non_null(strstr(err, "no-such-timer"));

    et_board_wire bad_wire = timer_wires[0];
    bad_wire.controller = "nowhere";
    et_board_device bad_dev = devices[0];
    bad_dev.wires = &bad_wire;
    b.devices = &bad_dev;
    err[0] = '\0';
    assert_null(et_machine_new_from_board(&b, NULL, clock, err, sizeof(err)));
    assert_non_null(strstr(err, "nowhere"));
    et_clock_free(clock);
}

typedef struct cpu_model {
    unsigned input;
    int level, calls;
    const char *name;
} cpu_model;

static void cpu_irq(void *opaque, unsigned input, const char *name, int level)
{
    cpu_model *c = opaque;
    c->input = input;
    c->name = name;
    c->level = level;
    c->calls++;
}

/* Typed wiring: the embedder's CPU model gets the controller's inputs by
 * controller name, with no qtest path. mps2-an385's timer0 is NVIC input 8,
 * its watchdog's WDOGINT the named input NMI. */
static void test_controller_sink(void **state)
{
    (void)state;
    char err[256];
    et_clock *clock = et_clock_new_manual();
    et_machine *m = et_machine_new_on_clock("mps2-an385", clock, err, sizeof(err));
    assert_non_null(m);
    cpu_model cpu = { 0 };
    assert_int_equal(et_machine_set_controller_sink(m, "nowhere", cpu_irq, &cpu), ET_ENOENT);
    assert_int_equal(et_machine_set_controller_sink(m, "nvic", cpu_irq, &cpu), 0);
    et_machine_write(m, 0x40000000 + ET_CMSDK_TIMER_RELOAD, 24, 4);
    et_machine_write(m, 0x40000000 + ET_CMSDK_TIMER_VALUE, 24, 4);
    et_machine_write(m, 0x40000000 + ET_CMSDK_TIMER_CTRL, 0x9, 4);
    et_clock_step(clock, 24 * 40); /* 24 ticks of the 25 MHz SYSCLK: 0 reached */
    assert_int_equal(cpu.calls, 1);
    assert_int_equal(cpu.input, 8);
    assert_null(cpu.name);
    assert_int_equal(cpu.level, 1);
    et_machine_write(m, 0x40000000 + ET_CMSDK_TIMER_INTSTATUS, 1, 4);
    assert_int_equal(cpu.calls, 2);
    assert_int_equal(cpu.level, 0);
    /* The watchdog: LOAD 10, INTEN: WDOGINT when the count reaches 0, a
     * few hundred ns later, to the named input NMI. */
    et_machine_write(m, 0x40008000 + ET_CMSDK_WDOG_LOAD, 10, 4);
    et_machine_write(m, 0x40008000 + ET_CMSDK_WDOG_CONTROL, 1, 4);
    for (int i = 0; i < 100 && !(cpu.name && cpu.level); i++) {
        et_clock_step(clock, 40);
    }
    assert_non_null(cpu.name);
    assert_string_equal(cpu.name, "NMI");
    assert_int_equal(cpu.level, 1);
    assert_int_equal(cpu.input, 0);
    assert_int_equal(et_machine_set_controller_sink(m, "nvic", NULL, NULL), 0);
    et_machine_free(m);
    et_clock_free(clock);
}

/* A sink connected after power-on learns of the inputs already high: on
 * virt, mtimecmp resets to 0 and mtime starts at 0, so mtime >= mtimecmp
 * and hart 0's MTIP (mip bit 7) is high before any guest access; MSIP (bit
 * 3) is low. Connecting must report MTIP once, and nothing for MSIP. */
static void test_controller_sink_replays_high_inputs(void **state)
{
    (void)state;
    char err[256];
    et_clock *clock = et_clock_new_manual();
    et_machine *m = et_machine_new_on_clock("virt", clock, err, sizeof(err));
    assert_non_null(m);
    cpu_model cpu = { 0 };
    assert_int_equal(et_machine_set_controller_sink(m, "hart0", cpu_irq, &cpu), 0);
    assert_int_equal(cpu.calls, 1);
    assert_int_equal(cpu.input, 7);
    assert_null(cpu.name);
    assert_int_equal(cpu.level, 1);
    /* mtimecmp (hart 0, at CLINT 0x2004000) far ahead: MTIP falls. */
    et_machine_write(m, 0x2004000, UINT64_MAX, 8);
    assert_int_equal(cpu.calls, 2);
    assert_int_equal(cpu.level, 0);
    /* Reconnecting with everything low reports nothing. */
    assert_int_equal(et_machine_set_controller_sink(m, "hart0", cpu_irq, &cpu), 0);
    assert_int_equal(cpu.calls, 2);
    et_machine_free(m);
    et_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_board_runs),
        cmocka_unit_test(test_bad_user_boards),
        cmocka_unit_test(test_controller_sink),
        cmocka_unit_test(test_controller_sink_replays_high_inputs),
    };
    return cmocka_run_group_tests_name("user_board", tests, NULL, NULL);
}
