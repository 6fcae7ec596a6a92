/* Intel 8254 PIT (Intel 82C54 datasheet) and the PC's port 0x61.
 *
 * Times: the input clock is 1.193182 MHz, so k clocks after a count starts
 * is k * 1e9 / 1193182 ns; OUT changes at the first whole ns at or after
 * that, T(k) = ceil(k * 1e9 / 1193182). The datasheet's waveforms with
 * count N: mode 0 OUT rises at N; mode 2 OUT is low for clock N-1 of each
 * period (falls at N-1, rises at N); mode 3 is high for ceil(N/2) clocks,
 * low for floor(N/2); mode 4 is low for clock N. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "adapter_drive.h"
#include "device_fixture.h"
#include "emutime/devices/i8254.h"
#include "emutime/emutime.h"
#include "emutime/machine.h"

#define C0 ET_I8254_COUNTER0
#define C2 ET_I8254_COUNTER2
#define CTRL ET_I8254_CONTROL
#define PORTB ET_I8254_PORT_B

static int64_t T(uint64_t k)
{
    return (int64_t)((k * UINT64_C(1000000000) + ET_I8254_HZ - 1) / ET_I8254_HZ);
}

/* The tests of this file talk to one PIT: the current test's fixture. */
static device_fixture *F;

static int setup(void **state)
{
    device_fixture *f = df_new();
    char err[128];
    df_attach(f, et_i8254_new(f->clock, "pit", err, sizeof(err)), err);
    F = f;
    *state = f;
    return 0;
}

static unsigned latch16(unsigned counter)
{
    wr8(F, CTRL, (uint8_t)(counter << 6)); /* counter latch command */
    unsigned lo = rd8(F, C0 + counter);
    return lo | (unsigned)rd8(F, C0 + counter) << 8;
}

static uint8_t status(unsigned counter)
{
    wr8(F, CTRL, (uint8_t)(0xc0 | ET_I8254_RB_NO_COUNT | ET_I8254_RB_COUNTER(counter)));
    return rd8(F, C0 + counter);
}

/* Reset (QEMU's, a BIOS's setup): mode 3, count 65536, so OUT0 is an 18.2
 * Hz square wave: high for 32768 clocks, low for 32768. Status: OUT 1,
 * RW 00 (nothing written), mode 011, binary = 0x86. */
static void test_reset_square_wave(void **state)
{
    (void)state;
    assert_int_equal(F->level[0], 1);
    assert_int_equal(status(0), 0x86);
    assert_int_equal(status(2), 0x86); /* gate 2 low: OUT high */
    at(F, T(32768) - 1);
    assert_int_equal(F->level[0], 1);
    at(F, T(32768));
    assert_int_equal(F->level[0], 0);
    at(F, T(65536) - 1);
    assert_int_equal(F->level[0], 0);
    at(F, T(65536));
    assert_int_equal(F->level[0], 1);
    at(F, T(65536 + 32768));
    assert_int_equal(F->level[0], 0);
    /* 1 s is 1193182 clocks: floor(1193182 / 32768) = 36 half periods. */
    at(F, 1000000000);
    assert_int_equal(F->calls[0], 36);
}

/* Mode 0: the control word sets OUT low; count 100 (LSB then MSB); OUT
 * rises at T(100). The count reads 100 - k after k clocks and wraps to
 * 0xFFFF after terminal count. */
static void test_mode0_interrupt_on_terminal_count(void **state)
{
    (void)state;
    wr8(F, CTRL, 0x30); /* counter 0, LSB+MSB, mode 0, binary */
    assert_int_equal(F->level[0], 0);
    wr8(F, C0, 100);
    wr8(F, C0, 0);
    assert_int_equal(latch16(0), 100);
    at(F, T(40));
    assert_int_equal(latch16(0), 60);
    at(F, T(100) - 1);
    assert_int_equal(F->level[0], 0);
    at(F, T(100));
    assert_int_equal(F->level[0], 1);
    assert_int_equal(latch16(0), 0);
    at(F, T(101));
    assert_int_equal(latch16(0), 0xffff);
    at(F, T(100000)); /* no further change */
    assert_int_equal(F->level[0], 1);
    assert_int_equal(status(0) & ET_I8254_STATUS_OUT, ET_I8254_STATUS_OUT);
}

/* Mode 0: writing the first byte of a new count stops the count (OUT
 * low); the second byte starts the new count. */
static void test_mode0_rewrite(void **state)
{
    (void)state;
    wr8(F, CTRL, 0x30);
    wr8(F, C0, 10);
    wr8(F, C0, 0);
    at(F, T(10));
    assert_int_equal(F->level[0], 1);
    wr8(F, C0, 20);
    assert_int_equal(F->level[0], 0);
    at(F, T(500));
    assert_int_equal(F->level[0], 0);
    int64_t t0 = et_clock_now(F->clock);
    wr8(F, C0, 0);
    at(F, t0 + T(20));
    assert_int_equal(F->level[0], 1);
}

/* Mode 2, N = 1000: OUT low for clock 999 of every period: falls at
 * T(999), rises at T(1000), falls at T(1999). The count runs 1000..1. */
static void test_mode2_rate_generator(void **state)
{
    (void)state;
    wr8(F, CTRL, 0x34);
    wr8(F, C0, 1000 & 0xff);
    wr8(F, C0, 1000 >> 8);
    assert_int_equal(F->level[0], 1);
    at(F, T(999) - 1);
    assert_int_equal(F->level[0], 1);
    assert_int_equal(latch16(0), 2);
    at(F, T(999));
    assert_int_equal(F->level[0], 0);
    assert_int_equal(latch16(0), 1);
    at(F, T(1000));
    assert_int_equal(F->level[0], 1);
    assert_int_equal(latch16(0), 1000);
    at(F, T(1999));
    assert_int_equal(F->level[0], 0);
    /* Mode bits 110 are mode 2 too; the status shows them as written. */
    wr8(F, CTRL, 0x3c);
    assert_int_equal(status(0) & 0x0e, 0x0c);
}

/* Mode 3, odd N = 5: high for 3 clocks, low for 2. */
static void test_mode3_odd_count(void **state)
{
    (void)state;
    wr8(F, CTRL, 0x16); /* counter 0, LSB only, mode 3 */
    wr8(F, C0, 5);
    at(F, T(3) - 1);
    assert_int_equal(F->level[0], 1);
    at(F, T(3));
    assert_int_equal(F->level[0], 0);
    at(F, T(5));
    assert_int_equal(F->level[0], 1);
    at(F, T(8));
    assert_int_equal(F->level[0], 0);
    /* Mode bits 111 are mode 3 (datasheet: X11), not mode 2. */
    wr8(F, CTRL, 0x1e);
    assert_int_equal(status(0) & 0x0e, 0x0e);
    wr8(F, C0, 5);
    int64_t t7 = et_clock_now(F->clock);
    at(F, t7 + T(3));
    assert_int_equal(F->level[0], 0); /* a square wave: low after 3 of 5 */
    at(F, t7 + T(5));
    assert_int_equal(F->level[0], 1);
    wr8(F, CTRL, 0x16);
    wr8(F, C0, 5);
    /* Mode 3 with an even count counts down by two: N = 8 reads 8, 6, 4. */
    int64_t t0 = et_clock_now(F->clock);
    wr8(F, C0, 8);
    at(F, t0 + T(2));
    wr8(F, CTRL, 0x00);
    assert_int_equal(rd8(F, C0), 4); /* LSB only: one byte */
}

/* Mode 4, N = 10: OUT low for clock 10 only. */
static void test_mode4_software_strobe(void **state)
{
    (void)state;
    wr8(F, CTRL, 0x18); /* counter 0, LSB, mode 4 */
    assert_int_equal(F->level[0], 1);
    wr8(F, C0, 10);
    at(F, T(10) - 1);
    assert_int_equal(F->level[0], 1);
    at(F, T(10));
    assert_int_equal(F->level[0], 0);
    at(F, T(11));
    assert_int_equal(F->level[0], 1);
    unsigned changes = F->calls[0];
    at(F, T(100000));
    assert_int_equal(F->calls[0], changes);
}

/* Counter 2 with port B's gate. Mode 1: OUT2 high until a gate rising
 * edge, then low for N clocks; a new edge retriggers. */
static void test_mode1_gate_trigger(void **state)
{
    (void)state;
    wr8(F, CTRL, 0x92); /* counter 2, LSB, mode 1 */
    wr8(F, C2, 10);
    at(F, T(100));
    assert_int_equal(rd8(F, PORTB) & ET_I8254_PORTB_OUT2, ET_I8254_PORTB_OUT2);
    int64_t t0 = et_clock_now(F->clock);
    wr8(F, PORTB, ET_I8254_PORTB_GATE2);
    assert_int_equal(rd8(F, PORTB) & ET_I8254_PORTB_OUT2, 0);
    at(F, t0 + T(5));
    wr8(F, PORTB, 0);
    wr8(F, PORTB, ET_I8254_PORTB_GATE2); /* retrigger at 5 */
    at(F, t0 + T(5) + T(10) - 1);
    assert_int_equal(rd8(F, PORTB) & ET_I8254_PORTB_OUT2, 0);
    at(F, t0 + T(5) + T(10));
    assert_int_equal(rd8(F, PORTB) & ET_I8254_PORTB_OUT2, ET_I8254_PORTB_OUT2);
}

/* Mode 5: OUT2 low for one clock N clocks after the trigger. */
static void test_mode5_hardware_strobe(void **state)
{
    (void)state;
    wr8(F, CTRL, 0x9a); /* counter 2, LSB, mode 5 */
    wr8(F, C2, 4);
    int64_t t0 = et_clock_now(F->clock);
    wr8(F, PORTB, ET_I8254_PORTB_GATE2);
    at(F, t0 + T(4) - 1);
    assert_int_equal(rd8(F, PORTB) & ET_I8254_PORTB_OUT2, ET_I8254_PORTB_OUT2);
    at(F, t0 + T(4));
    assert_int_equal(rd8(F, PORTB) & ET_I8254_PORTB_OUT2, 0);
    at(F, t0 + T(5));
    assert_int_equal(rd8(F, PORTB) & ET_I8254_PORTB_OUT2, ET_I8254_PORTB_OUT2);
}

/* Mode 0 on counter 2: a low gate suspends counting. The classic TSC
 * calibration: gate low, program, gate high, poll OUT2. */
static void test_gate_suspends_mode0(void **state)
{
    (void)state;
    wr8(F, CTRL, 0xb0); /* counter 2, LSB+MSB, mode 0 */
    wr8(F, C2, 100);
    wr8(F, C2, 0);
    at(F, T(1000));
    assert_int_equal(latch16(2), 100); /* gate 2 low since reset */
    int64_t t0 = et_clock_now(F->clock);
    wr8(F, PORTB, ET_I8254_PORTB_GATE2);
    at(F, t0 + T(30));
    assert_int_equal(latch16(2), 70);
    wr8(F, PORTB, 0);
    int64_t t1 = et_clock_now(F->clock);
    at(F, t1 + T(1000));
    assert_int_equal(latch16(2), 70);
    wr8(F, PORTB, ET_I8254_PORTB_GATE2);
    at(F, et_clock_now(F->clock) + T(70) - 1);
    assert_int_equal(rd8(F, PORTB) & ET_I8254_PORTB_OUT2, 0);
    at(F, et_clock_now(F->clock) + 1);
    assert_int_equal(rd8(F, PORTB) & ET_I8254_PORTB_OUT2, ET_I8254_PORTB_OUT2);
}

/* Modes 2 and 3: gate low sets OUT high at once and holds; the rising edge
 * reloads the count. */
static void test_gate_in_mode3(void **state)
{
    (void)state;
    wr8(F, CTRL, 0xb6); /* counter 2, LSB+MSB, mode 3 */
    wr8(F, C2, 10);
    wr8(F, C2, 0);
    wr8(F, PORTB, ET_I8254_PORTB_GATE2);
    int64_t t0 = et_clock_now(F->clock);
    at(F, t0 + T(6));
    assert_int_equal(rd8(F, PORTB) & ET_I8254_PORTB_OUT2, 0);
    wr8(F, PORTB, 0);
    assert_int_equal(rd8(F, PORTB) & ET_I8254_PORTB_OUT2, ET_I8254_PORTB_OUT2);
    int64_t t1 = et_clock_now(F->clock);
    wr8(F, PORTB, ET_I8254_PORTB_GATE2);
    assert_int_equal(latch16(2), 10);
    at(F, t1 + T(5) - 1);
    assert_int_equal(rd8(F, PORTB) & ET_I8254_PORTB_OUT2, ET_I8254_PORTB_OUT2);
    at(F, t1 + T(5));
    assert_int_equal(rd8(F, PORTB) & ET_I8254_PORTB_OUT2, 0);
}

/* BCD: count 0x1000 is 1000 decimal, reads 0x0999 one clock later; count
 * 0 is 10000, reads 0x9999 one clock in, and mode 0 wraps from 0 to 9999. */
static void test_bcd(void **state)
{
    (void)state;
    wr8(F, CTRL, 0x31); /* counter 0, LSB+MSB, mode 0, BCD */
    wr8(F, C0, 0x00);
    wr8(F, C0, 0x10);
    at(F, T(1));
    assert_int_equal(latch16(0), 0x0999);
    at(F, T(1000));
    assert_int_equal(F->level[0], 1);
    assert_int_equal(latch16(0), 0x0000);
    at(F, T(1001));
    assert_int_equal(latch16(0), 0x9999);
    int64_t t0 = et_clock_now(F->clock);
    wr8(F, C0, 0);
    wr8(F, C0, 0);
    at(F, t0 + T(1));
    assert_int_equal(latch16(0), 0x9999);
    at(F, t0 + T(10000));
    assert_int_equal(F->level[0], 1);
    assert_int_equal(status(0) & 1, 1);
}

/* Latches: the counter latch holds the count until read (a second latch
 * is ignored); read-back latches status and count, status read first. LSB
 * and MSB only modes read one byte. A 2-byte read without a latch reads
 * the live count each time. Null count: set by the control word, cleared
 * by the count write. */
static void test_latch_and_read_back(void **state)
{
    (void)state;
    wr8(F, CTRL, 0x34);
    assert_int_equal(status(0), 0x40 | 0x30 | 0x04 | 0x80); /* OUT high, null count */
    wr8(F, C0, 0x00);
    wr8(F, C0, 0x10); /* 4096 */
    at(F, T(96));
    wr8(F, CTRL, 0x00);
    at(F, T(196));
    wr8(F, CTRL, 0x00); /* ignored: the first latch is still unread */
    assert_int_equal(rd8(F, C0), 0xa0); /* 4096 - 96 = 4000 = 0x0fa0, latched at 96 */
    assert_int_equal(rd8(F, C0), 0x0f);
}

static void test_read_back_order(void **state)
{
    (void)state;
    wr8(F, CTRL, 0x34);
    wr8(F, C0, 0x00);
    wr8(F, C0, 0x10); /* 4096 */
    at(F, T(96));
    wr8(F, CTRL, 0xc2); /* read-back: count and status of counter 0 */
    assert_int_equal(rd8(F, C0), 0x80 | 0x30 | 0x04);
    assert_int_equal(rd8(F, C0), 0xa0); /* 4000 = 0x0fa0 */
    assert_int_equal(rd8(F, C0), 0x0f);
    /* MSB-only mode reads the MSB; the live count without a latch. */
    wr8(F, CTRL, 0x24); /* counter 0, MSB only, mode 2 */
    wr8(F, C0, 0x20);   /* 0x2000 */
    at(F, et_clock_now(F->clock) + T(0x100));
    assert_int_equal(rd8(F, C0), 0x1f);
    assert_int_equal(rd8(F, C0), 0x1f);
}

/* Port B: bit 1 speaker data reads back, bit 4 flips on every read, bits
 * 2, 3, 6, 7 read 0; the control port reads 0; unassigned offsets read
 * 0xff and are guest errors. */
static void test_port_b_and_unassigned(void **state)
{
    (void)state;
    wr8(F, PORTB, 0xff);
    uint8_t a = rd8(F, PORTB), b = rd8(F, PORTB);
    assert_int_equal(a & 0xcf, ET_I8254_PORTB_GATE2 | ET_I8254_PORTB_SPEAKER);
    assert_int_equal((a ^ b), ET_I8254_PORTB_REFRESH);
    assert_int_equal(rd8(F, CTRL), 0);
    unsigned long errors = et_device_guest_error_count(F->dev);
    assert_int_equal(rd8(F, 0x04), 0xff);
    wr8(F, 0x20, 1);
    assert_int_equal(et_device_guest_error_count(F->dev), errors + 2);
}

static void test_reset_restores(void **state)
{
    (void)state;
    wr8(F, CTRL, 0x30);
    wr8(F, PORTB, 3);
    et_device_reset(F->dev);
    assert_int_equal(F->level[0], 1);
    assert_int_equal(status(0), 0x86);
    assert_int_equal(rd8(F, PORTB) & 0x03, 0);
}

/* The board: pit=on (QEMU's default) puts OUT0 on IOAPIC input 0 and port
 * B at 0x61; pit=off leaves all those ports unassigned (0xff). */
static void test_on_the_boards(void **state)
{
    (void)state;
    const char *const boards[] = { "pc", "q35" };
    for (int b = 0; b < 2; b++) {
        device_fixture *f = df_new_machine(boards[b]);
        df_intercept(f, "ioapic");
        f->level[0] = 1; /* OUT0 is high at power-on */
        at(f, T(32768));
        assert_int_equal(f->level[0], 0);
        et_machine_out(f->m, 0x43, 0x30, 1);
        et_machine_out(f->m, 0x40, 0x0a, 2); /* 2 bytes: LSB 0x0a to 0x40, 0 to 0x41 */
        et_machine_out(f->m, 0x40, 0x00, 1);
        step(f, T(10) + 1);
        assert_int_equal(f->level[0], 1);
        assert_int_equal(et_machine_in(f->m, 0x61, 1) & 0x0f, 0);
        df_free(f);

        char spec[32];
        snprintf(spec, sizeof(spec), "%s,pit=off", boards[b]);
        f = df_new_machine(spec);
        assert_int_equal(et_machine_in(f->m, 0x40, 1), 0xff);
        assert_int_equal(et_machine_in(f->m, 0x61, 1), 0xff);
        assert_int_equal(et_machine_in(f->m, 0x43, 1), 0xff);
        df_free(f);
    }
}

static void test_bad_configuration(void **state)
{
    (void)state;
    char err[64];
    assert_null(et_i8254_new(NULL, "pit", err, sizeof(err)));
    assert_non_null(et_device_irq(F->dev, 0));
}

static void test_adapter_on_manual_clock(void **state)
{
    (void)state;
    assert_true(et_test_adapter_drive("i8254", 5, 20000, NULL) > 100);
}

int main(void)
{
#define T_(fn) cmocka_unit_test_setup_teardown(fn, setup, df_teardown)
    const struct CMUnitTest tests[] = {
        T_(test_reset_square_wave),
        T_(test_mode0_interrupt_on_terminal_count),
        T_(test_mode0_rewrite),
        T_(test_mode2_rate_generator),
        T_(test_mode3_odd_count),
        T_(test_mode4_software_strobe),
        T_(test_mode1_gate_trigger),
        T_(test_mode5_hardware_strobe),
        T_(test_gate_suspends_mode0),
        T_(test_gate_in_mode3),
        T_(test_bcd),
        T_(test_latch_and_read_back),
        T_(test_read_back_order),
        T_(test_port_b_and_unassigned),
        T_(test_reset_restores),
        cmocka_unit_test(test_on_the_boards),
        T_(test_bad_configuration),
        cmocka_unit_test(test_adapter_on_manual_clock),
    };
#undef T_
    return cmocka_run_group_tests(tests, NULL, NULL);
}
