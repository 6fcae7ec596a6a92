/* The HPET's 8254 and RTC pass-through (IA-PC HPET spec 2.4.2.1: with
 * LegacyReplacement "the 8254 timer will not cause any interrupts" and
 * timer 1 replaces the RTC's), on the pc and q35 machines, where the PIT's
 * OUT0 and the RTC's IRQ go through the HPET to IOAPIC inputs 0 and 8 as
 * QEMU wires them; and the device inputs on their own.
 *
 * The PIT's power-on square wave (mode 3, count 65536 at 1.193182 MHz)
 * falls at 32768 clocks (27462701 ns), rises at 65536 (54925402 ns), falls
 * at 98304 and rises at 131072. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "device_fixture.h"
#include "emutime/devices/hpet.h"
#include "emutime/emutime.h"
#include "emutime/machine.h"

/* The first ns at which k PIT clocks have passed: ceil(k * 1e9 / 1193182). */
static int64_t T(uint64_t k)
{
    return (int64_t)((k * UINT64_C(1000000000) + 1193182 - 1) / 1193182);
}

#define PIT_FALL T(32768)
#define PIT_RISE T(65536)
#define HPET_GEN_CONF 0xfed00010u

/* A board with its IOAPIC's inputs intercepted, recorded by input. */
static device_fixture *start(const char *spec)
{
    device_fixture *f = df_new_machine(spec);
    df_intercept(f, "ioapic");
    return f;
}

/* Outside LegacyReplacement the PIT reaches input 0; LEG_RT (without
 * ENABLE_CNF) lowers it and blocks every PIT edge; clearing LEG_RT gives
 * input 0 the PIT's level of the moment. */
static void test_pit_gated(void **state)
{
    (void)state;
    const char *const boards[] = { "pc", "q35" };
    for (int b = 0; b < 2; b++) {
        device_fixture *f = start(boards[b]);
        et_machine *m = f->m;
        et_clock *c = et_machine_clock(m);
        et_clock_set(c, PIT_FALL);
        assert_int_equal(f->calls[0], 1);
        assert_int_equal(f->level[0], 0);
        et_clock_set(c, PIT_RISE);
        assert_int_equal(f->level[0], 1);
        et_machine_write(m, HPET_GEN_CONF, ET_HPET_CONF_LEG_RT, 4);
        assert_int_equal(f->level[0], 0);
        unsigned calls = f->calls[0];
        et_clock_set(c, T(98304)); /* the PIT falls: not seen */
        et_clock_set(c, T(131072) - 1);
        assert_int_equal(f->calls[0], calls);
        et_machine_write(m, HPET_GEN_CONF, 0, 4);
        /* OUT0 is low until clock 131072: nothing to raise yet. */
        assert_int_equal(f->level[0], 0);
        et_clock_set(c, T(131072));
        assert_int_equal(f->level[0], 1);
        df_free(f);
    }
}

/* Leaving LegacyReplacement while OUT0 is high raises input 0 at once
 * (QEMU: "IRQ raise 0"). */
static void test_leaving_legacy_restores_pit_level(void **state)
{
    (void)state;
    device_fixture *f = start("pc");
    et_machine *m = f->m;
    et_machine_write(m, HPET_GEN_CONF, ET_HPET_CONF_LEG_RT, 4);
    assert_int_equal(f->level[0], 0);
    et_machine_write(m, HPET_GEN_CONF, 0, 4);
    assert_int_equal(f->level[0], 1);
    df_free(f);
}

/* The RTC's IRQ (here its update-ended interrupt at 1 s) reaches input 8
 * outside LegacyReplacement; under it input 8 is timer 1's and the RTC's
 * level is remembered: leaving LegacyReplacement shows it. */
static void select_write(et_machine *m, uint8_t reg, uint8_t v)
{
    et_machine_out(m, 0x70, reg, 1);
    et_machine_out(m, 0x71, v, 1);
}

static void test_rtc_gated(void **state)
{
    (void)state;
    device_fixture *f = start("q35,rtc-clock=vm,rtc-base=2020-01-01");
    et_machine *m = f->m;
    et_clock *c = et_machine_clock(m);
    select_write(m, 0x0b, 0x12); /* 24-hour, UIE */
    et_clock_set(c, 1000000000);
    assert_int_equal(f->level[8], 1);
    et_machine_out(m, 0x70, 0x0c, 1);
    (void)et_machine_in(m, 0x71, 1); /* reading C lowers it */
    assert_int_equal(f->level[8], 0);
    et_machine_write(m, HPET_GEN_CONF, ET_HPET_CONF_LEG_RT, 4);
    et_clock_set(c, 2000000000);
    assert_int_equal(f->level[8], 0); /* the RTC's IRQ is up, but silenced */
    et_machine_write(m, HPET_GEN_CONF, 0, 4);
    assert_int_equal(f->level[8], 1);
    df_free(f);
}

/* Without an HPET the PIT and the RTC go to the IOAPIC directly. */
static void test_without_hpet(void **state)
{
    (void)state;
    device_fixture *f = start("pc,hpet=off");
    et_machine *m = f->m;
    et_clock_set(et_machine_clock(m), PIT_RISE);
    assert_int_equal(f->level[0], 1);
    assert_int_equal(f->calls[0], 2);
    df_free(f);
}

/* A snapshot keeps the pass-through consistent: the HPET's inputs are not
 * saved, the machine re-drives the PIT's and RTC's lines after the load.
 * Saved with OUT0 low (after the first fall), loaded into a machine whose
 * OUT0 is high (at power-on): input 0 is low after the load, and the PIT's
 * next rise reaches it. */
static void test_snapshot_redrives_inputs(void **state)
{
    (void)state;
        device_fixture *fa = start("pc");
    et_machine *a = fa->m;
    et_clock_set(et_machine_clock(a), PIT_FALL);
    assert_int_equal(fa->level[0], 0);
    uint8_t *buf = NULL;
    size_t len = 0;
    char err[256];
    assert_int_equal(et_machine_snapshot_save(a, &buf, &len, err, sizeof(err)), 0);
    device_fixture *fb = start("pc");
    et_machine *b = fb->m;
    fb->level[0] = 1; /* qtest's record: high, as OUT0 is at power-on */
    assert_int_equal(et_machine_snapshot_load(b, buf, len, err, sizeof(err)), 0);
    assert_int_equal(fb->level[0], 0);
    et_clock_set(et_machine_clock(b), PIT_RISE);
    assert_int_equal(fb->level[0], 1);
    free(buf);
    df_free(fa);
    df_free(fb);
}

/* The device: a pass-through input ORs with the level-triggered timers on
 * its line; inputs out of range, and devices without inputs, ignore
 * et_device_set_input. */
static void test_device_inputs(void **state)
{
    (void)state;
    char err[128];
    device_fixture *f = df_new();
    et_hpet_config cfg = ET_HPET_CONFIG_DEFAULTS;
    cfg.int_route_cap = ET_HPET_ROUTE_CAP_Q35; /* pins 2, 8, 16-23 */
    df_attach(f, et_hpet_new(f->clock, "hpet", &cfg, err, sizeof(err)), err);
    et_device *h = f->dev;
    et_device_set_input(h, ET_HPET_INPUT_RTC, 1);
    assert_int_equal(f->level[8], 1);
    /* Timer 2, level-triggered, to pin 8, comparator 10: status at tick 10. */
    et_device_write(h, 0x140, (8u << 9) | ET_HPET_TN_INT_ENB | ET_HPET_TN_INT_TYPE_LEVEL, 4);
    et_device_write(h, 0x148, 10, 8);
    et_device_write(h, 0x010, ET_HPET_CONF_ENABLE, 4);
    step(f, 100);
    et_device_set_input(h, ET_HPET_INPUT_RTC, 0);
    assert_int_equal(f->level[8], 1); /* the timer still holds it */
    et_device_write(h, 0x020, 1u << 2, 4);  /* clear timer 2's status */
    assert_int_equal(f->level[8], 0);
    et_device_set_input(h, ET_HPET_INPUT_PIT, 1);
    assert_int_equal(f->level[0], 1);
    et_device_reset(h);
    assert_int_equal(f->level[0], 1); /* the input's level is its driver's */
    et_device_set_input(h, ET_HPET_NUM_INPUTS, 1); /* no such input */
    df_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pit_gated),
        cmocka_unit_test(test_leaving_legacy_restores_pit_level),
        cmocka_unit_test(test_rtc_gated),
        cmocka_unit_test(test_without_hpet),
        cmocka_unit_test(test_snapshot_redrives_inputs),
        cmocka_unit_test(test_device_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
