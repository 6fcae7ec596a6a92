/* ACPI PM timer (ACPI 6.x 4.8.3.3): 3.579545 MHz, 24-bit (or 32-bit with
 * TMR_VAL_EXT), TMR_STS on every change of the top bit, SCI = TMR_STS &&
 * TMR_EN.
 *
 * Numbers: after t ns the count is floor(t * 3579545 / 1e9): 1 s is
 * 3579545 = 0x369E99. The top bit of 24 changes every 2^23 = 8388608
 * counts, first reached at ceil(8388608e9 / 3579545) = 2343484438 ns;
 * the 32-bit counter's first at 2^31 counts, 599932015941 ns; the 24-bit
 * counter wraps to 0 at 2^24 counts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>


#include "adapter_drive.h"
#include "device_fixture.h"
#include "emutime/devices/acpi_pm_timer.h"
#include "emutime/emutime.h"
#include "emutime/machine.h"

#define FIRST_24 INT64_C(2343484438)
#define FIRST_32 INT64_C(599932015941)

static device_fixture *make(bool width32)
{
    device_fixture *f = df_new();
    char err[128];
    et_acpi_pm_timer_config cfg = { .width32 = width32 };
    df_attach(f, et_acpi_pm_timer_new(f->clock, "pm", &cfg, err, sizeof(err)), err);
    return f;
}

static int setup24(void **state)
{
    *state = make(false);
    return 0;
}

static int setup32(void **state)
{
    *state = make(true);
    return 0;
}

static uint32_t tmr(device_fixture *f)
{
    return rd(f, ET_ACPI_PM_TMR);
}

static uint32_t sts(device_fixture *f)
{
    return rd16(f, ET_ACPI_PM1_STS);
}

static void test_counts_at_3579545_hz(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(tmr(f), 0);
    et_clock_set(f->clock, 279); /* 0.9987 counts */
    assert_int_equal(tmr(f), 0);
    et_clock_set(f->clock, 280); /* 1.0023 counts */
    assert_int_equal(tmr(f), 1);
    et_clock_set(f->clock, 1000000000);
    assert_int_equal(tmr(f), 0x369e99);
    /* Byte lanes: the 2nd byte of 0x369e99 is 0x9e. */
    assert_int_equal(et_device_read(f->dev, ET_ACPI_PM_TMR + 1, 1), 0x9e);
    assert_int_equal(et_device_read(f->dev, ET_ACPI_PM_TMR + 2, 2), 0x36);
}

/* 24-bit: bits 31:24 read 0 and the count wraps at 2^24. */
static void test_24_bit_wrap(void **state)
{
    device_fixture *f = *state;
    int64_t wrap = INT64_C(4686968875); /* ceil(2^24 * 1e9 / 3579545) */
    et_clock_set(f->clock, wrap - 1);
    assert_int_equal(tmr(f), 0xffffff);
    et_clock_set(f->clock, wrap);
    assert_int_equal(tmr(f), 0);
}

/* TMR_STS sets at the bit-23 change whether or not TMR_EN is set; the
 * SCI only with TMR_EN. Writing 1 clears it, writing 0 does not. */
static void test_status_and_sci(void **state)
{
    device_fixture *f = *state;
    et_clock_set(f->clock, FIRST_24 - 1);
    assert_int_equal(sts(f), 0);
    et_clock_set(f->clock, FIRST_24);
    assert_int_equal(sts(f), ET_ACPI_TMR_STS);
    assert_int_equal(f->level[ET_ACPI_PM_IRQ_SCI], 0);
    et_device_write(f->dev, ET_ACPI_PM1_EN, ET_ACPI_TMR_EN, 2);
    assert_int_equal(f->level[ET_ACPI_PM_IRQ_SCI], 1); /* enabling with TMR_STS set */
    et_device_write(f->dev, ET_ACPI_PM1_STS, 0, 2);
    assert_int_equal(f->level[ET_ACPI_PM_IRQ_SCI], 1);
    et_device_write(f->dev, ET_ACPI_PM1_STS, ET_ACPI_TMR_STS, 2);
    assert_int_equal(f->level[ET_ACPI_PM_IRQ_SCI], 0);
    assert_int_equal(sts(f), 0);
    /* The next change of bit 23 (counting 1 -> 0 at the wrap, 2^24). */
    et_clock_set(f->clock, INT64_C(4686968875) - 1);
    assert_int_equal(f->level[ET_ACPI_PM_IRQ_SCI], 0);
    et_clock_set(f->clock, INT64_C(4686968875));
    assert_int_equal(f->level[ET_ACPI_PM_IRQ_SCI], 1);
    /* A 4-byte read of PM1_STS shows PM1_EN in the upper half. */
    assert_int_equal(et_device_read(f->dev, ET_ACPI_PM1_STS, 4), 0x00010001);
}

static void test_32_bit(void **state)
{
    device_fixture *f = *state;
    et_device_write(f->dev, ET_ACPI_PM1_EN, ET_ACPI_TMR_EN, 2);
    et_clock_set(f->clock, FIRST_24);
    assert_int_equal(f->level[ET_ACPI_PM_IRQ_SCI], 0); /* bit 23 is not the top bit */
    assert_true(tmr(f) == 0x800000);
    et_clock_set(f->clock, FIRST_32 - 1);
    assert_int_equal(f->level[ET_ACPI_PM_IRQ_SCI], 0);
    et_clock_set(f->clock, FIRST_32);
    assert_int_equal(f->level[ET_ACPI_PM_IRQ_SCI], 1);
    assert_true(tmr(f) == 0x80000000u);
}

/* PM_TMR is read-only; reset clears TMR_STS and PM1_EN, not the count. */
static void test_read_only_and_reset(void **state)
{
    device_fixture *f = *state;
    unsigned long errors = et_device_guest_error_count(f->dev);
    et_device_write(f->dev, ET_ACPI_PM_TMR, 0, 4);
    assert_int_equal(et_device_guest_error_count(f->dev), errors + 1);
    et_device_write(f->dev, ET_ACPI_PM1_EN, 0x0121, 2);
    et_clock_set(f->clock, FIRST_24);
    assert_int_equal(f->level[ET_ACPI_PM_IRQ_SCI], 1);
    et_device_reset(f->dev);
    assert_int_equal(f->level[ET_ACPI_PM_IRQ_SCI], 0);
    assert_int_equal(et_device_read(f->dev, ET_ACPI_PM1_STS, 4), 0);
    assert_int_equal(tmr(f), 0x800000);
    assert_null(et_acpi_pm_timer_new(f->clock, "x", NULL, NULL, 0));
}

/* On the boards: PM_TMR at 0x608, PM1a_EVT at 0x600, PM1_CNT (0x604) not
 * modelled (unassigned); the SCI on IOAPIC input 9. */
static void test_on_the_boards(void **state)
{
    (void)state;
    const char *const boards[] = { "pc", "q35" };
    for (int b = 0; b < 2; b++) {
        device_fixture *f = df_new_machine(boards[b]);
        df_intercept(f, "ioapic");
        at(f, 1000000000);
        assert_int_equal(et_machine_in(f->m, 0x608, 4), 0x369e99);
        assert_int_equal(et_machine_in(f->m, 0x604, 2), 0xffff);
        et_machine_out(f->m, 0x602, ET_ACPI_TMR_EN, 2);
        at(f, FIRST_24);
        assert_int_equal(f->level[9], 1);
        assert_int_equal(et_machine_in(f->m, 0x600, 2), ET_ACPI_TMR_STS);
        df_free(f);
    }
}

static void test_adapter_on_manual_clock(void **state)
{
    (void)state;
    (void)et_test_adapter_drive("acpi-pm-timer", 11, 5000, NULL);
}

int main(void)
{
#define A_(fn) cmocka_unit_test_setup_teardown(fn, setup24, df_teardown)
    const struct CMUnitTest tests[] = {
        A_(test_counts_at_3579545_hz),
        A_(test_24_bit_wrap),
        A_(test_status_and_sci),
        cmocka_unit_test_setup_teardown(test_32_bit, setup32, df_teardown),
        A_(test_read_only_and_reset),
        cmocka_unit_test(test_on_the_boards),
        cmocka_unit_test(test_adapter_on_manual_clock),
    };
#undef A_
    return cmocka_run_group_tests(tests, NULL, NULL);
}
