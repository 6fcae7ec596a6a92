/* TI Stellaris system control block: QEMU 7.2's read-back values for the
 * LM3S811, RCC/RCC2 and the system clock under QEMU's and the datasheet's
 * clock models, the PLL-lock interrupt, register masks, bad accesses,
 * reset, configuration errors, and the lm3s811evb board: QEMU's
 * tests/qtest/cmsdk-apb-watchdog-test.c (both cases, in one session as
 * QEMU runs them) and the SysTick on the same clock.
 *
 * Periods are in 2^-32 ns (clocktree.h): 200 MHz is exactly 5 ns, so
 * QEMU's model gives 5 * (SYSDIV + 1) ns exactly; other rates are rounded
 * down by et_clock_period_from_hz, as QEMU's clock_set_hz does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_fixture.h"
#include "emutime/devices/stellaris_sysctl.h"
#include "emutime/emutime.h"
#include "emutime/machine.h"

#define NS(n) ((uint64_t)(n) << 32)

#define RCC ET_STELLARIS_SYSCTL_RCC
#define RCC2 ET_STELLARIS_SYSCTL_RCC2
#define RIS ET_STELLARIS_SYSCTL_RIS
#define IMC ET_STELLARIS_SYSCTL_IMC
#define MISC ET_STELLARIS_SYSCTL_MISC

/* RCC fields, to build values. */
#define SYSDIV(n) ((uint32_t)(n) << ET_STELLARIS_RCC_SYSDIV_SHIFT)
#define XTAL(n) ((uint32_t)(n) << ET_STELLARIS_RCC_XTAL_SHIFT)
#define OSCSRC(n) ((uint32_t)(n) << ET_STELLARIS_RCC_OSCSRC_SHIFT)

/* What a follower of the block's output clock saw. */
static struct {
    unsigned clock_calls;
    uint32_t rcc_seen; /* RCC read from inside the clock callback */
} C;

/* A follower of the clock that reads the block itself: this takes the
 * block's lock, which works only because the new rate is delivered after
 * the block released it. */
static void sysclk_follower(void *opaque, et_clock_input *clk)
{
    device_fixture *f = opaque;
    (void)clk;
    C.clock_calls++;
    C.rcc_seen = rd(f, RCC);
}

static device_fixture *make(et_stellaris_sysctl_config cfg)
{
    memset(&C, 0, sizeof(C));
    device_fixture *f = df_new();
    cfg.sysclk = df_clock_input(f, "sysclk", 0); /* the block drives it */
    char err[200];
    df_attach(f, et_stellaris_sysctl_new(f->clock, "sysctl", &cfg, err, sizeof(err)), err);
    assert_true(et_clock_input_add_notify(cfg.sysclk, sysclk_follower, f) > 0);
    return f;
}

static int setup(void **state)
{
    et_stellaris_sysctl_config cfg = ET_STELLARIS_LM3S811_SYSCTL;
    *state = make(cfg);
    return 0;
}

static int setup_datasheet(void **state)
{
    et_stellaris_sysctl_config cfg = ET_STELLARIS_LM3S811_SYSCTL;
    cfg.clock_model = ET_STELLARIS_CLOCK_DATASHEET;
    *state = make(cfg);
    return 0;
}

/* QEMU's LM3S6965 (a Fury-class part: DID0 version 1, class 1). */
static int setup_fury(void **state)
{
    et_stellaris_sysctl_config cfg = ET_STELLARIS_LM3S811_SYSCTL;
    cfg.did0 = 0x10010002;
    cfg.did1 = 0x1073402e;
    *state = make(cfg);
    return 0;
}

/* --- the block ------------------------------------------------------------ */

/* QEMU 7.2's values for the LM3S811 after reset. PLLCFG is the table entry
 * for RCC.XTAL = 0xB (RCC 0x078E3AC0: bits 9:6 = 1011), the 6 MHz crystal:
 * 0x0C41. The clock: SYSDIV 15, so 200 MHz / 16 = 12.5 MHz, 80 ns. */
static void test_reset_values(void **state)
{
    device_fixture *f = *state;
    static const struct { uint32_t off, val; } regs[] = {
        { 0x000, 0x00000000 }, { 0x004, 0x0032000e }, { 0x008, 0x001f001f },
        { 0x010, 0x001132bf }, { 0x014, 0x01071013 }, { 0x018, 0x3f0f01ff },
        { 0x01c, 0x0000001f }, { 0x030, 0x00007ffd }, { 0x034, 0 }, { 0x040, 0 },
        { 0x044, 0 }, { 0x048, 0 }, { 0x050, 0 }, { 0x054, 0 }, { 0x058, 0 },
        { 0x05c, 0 }, { 0x060, 0x078e3ac0 }, { 0x064, 0x0c41 }, { 0x070, 0 },
        { 0x100, 1 }, { 0x104, 0 }, { 0x108, 0 }, { 0x110, 1 }, { 0x114, 0 },
        { 0x118, 0 }, { 0x120, 1 }, { 0x124, 0 }, { 0x128, 0 }, { 0x150, 0 },
        { 0x160, 0 }, { 0x1e0, 0 }, { 0x1e4, 0 },
    };
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        assert_int_equal(rd(f, regs[i].off), regs[i].val);
    }
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), NS(80));
    assert_int_equal(et_stellaris_sysctl_sysclk_period(f->dev), NS(80));
    assert_int_equal(f->n_logs, 0);
}

/* QEMU's model: 5 ns * (SYSDIV + 1) whatever BYPASS, USESYSDIV and XTAL
 * say. SYSDIV 7: 40 ns, 25 MHz (the watchdog test's change); SYSDIV 3:
 * 20 ns. The new rate reaches the clock's followers after the access,
 * with the block's lock released (the follower reads RCC itself). */
static void test_qemu_clock_model(void **state)
{
    device_fixture *f = *state;
    C.clock_calls = 0;
    wr(f, RCC, (ET_STELLARIS_RCC_RESET & ~SYSDIV(15)) | SYSDIV(7));
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), NS(40));
    assert_int_equal(C.clock_calls, 1);
    assert_int_equal(C.rcc_seen, 0x038e3ac0);
    wr(f, RCC, SYSDIV(3) | ET_STELLARIS_RCC_USESYSDIV); /* PLL on, no bypass */
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), NS(20));
    wr(f, RCC, SYSDIV(3)); /* the other fields change nothing */
    assert_int_equal(C.clock_calls, 2);
    /* RCC2 does not exist on a Sandstorm-class part. */
    wr(f, RCC2, ET_STELLARIS_RCC2_USERCC2 | SYSDIV(0));
    assert_int_equal(rd(f, RCC2), 0);
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), NS(20));
}

/* Fury class: RCC2 resets to 0x07802810; with USERCC2 its 6-bit SYSDIV2
 * (bits 28:23) divides instead: SYSDIV2 9 gives 5 * 10 = 50 ns. PLLCFG
 * uses the Fury table: XTAL 0xB is 0x1902. */
static void test_fury_rcc2(void **state)
{
    device_fixture *f = *state;
    assert_int_equal(rd(f, RCC2), ET_STELLARIS_RCC2_RESET_FURY);
    assert_int_equal(rd(f, ET_STELLARIS_SYSCTL_PLLCFG), 0x1902);
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), NS(80));
    wr(f, RCC2, ET_STELLARIS_RCC2_USERCC2 | SYSDIV(9) | (1u << 13));
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), NS(50));
    assert_int_equal(rd(f, RIS), 0); /* PWRDN2 stayed set */
    wr(f, RCC2, ET_STELLARIS_RCC2_USERCC2 | SYSDIV(39)); /* PWRDN2 cleared */
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), NS(200));
    assert_int_equal(rd(f, RIS), ET_STELLARIS_RIS_PLLLRIS);
}

/* The datasheet's tree. From reset (BYPASS, OSCSRC 0 = main oscillator,
 * XTAL 0xB = 6 MHz, USESYSDIV clear) the system clock is the 6 MHz
 * crystal: period floor(10^9 * 2^32 / 6e6). */
static void test_datasheet_clock_model(void **state)
{
    device_fixture *f = *state;
    const uint32_t bypass = ET_STELLARIS_RCC_BYPASS;
    const uint32_t off = ET_STELLARIS_RCC_PWRDN | ET_STELLARIS_RCC_OEN;
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")),
                     et_clock_period_from_hz(6000000));
    /* USESYSDIV with SYSDIV 1: 6 MHz / 2. */
    wr(f, RCC, bypass | off | XTAL(0xB) | ET_STELLARIS_RCC_USESYSDIV | SYSDIV(1));
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), 2 * et_clock_period_from_hz(6000000));
    /* The 8 MHz crystal, undivided. */
    wr(f, RCC, bypass | off | XTAL(0xE) | SYSDIV(1));
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), et_clock_period_from_hz(8000000));
    /* The internal oscillator (15 MHz) and it divided by 4. */
    wr(f, RCC, bypass | off | OSCSRC(1));
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), et_clock_period_from_hz(15000000));
    wr(f, RCC, bypass | off | OSCSRC(2));
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), et_clock_period_from_hz(3750000));
    /* A disabled or reserved source stops the clock. */
    wr(f, RCC, bypass | off | OSCSRC(1) | ET_STELLARIS_RCC_IOSCDIS);
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), 0);
    wr(f, RCC, bypass | off | OSCSRC(0) | ET_STELLARIS_RCC_MOSCDIS);
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), 0);
    wr(f, RCC, bypass | off | OSCSRC(3));
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), 0);
    /* The PLL (BYPASS clear): 200 MHz / (SYSDIV + 1), only once powered up
     * with its output enabled. SYSDIV 3: 50 MHz, 20 ns. */
    wr(f, RCC, ET_STELLARIS_RCC_PWRDN | XTAL(0xB) | SYSDIV(3));
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), 0);
    wr(f, RCC, ET_STELLARIS_RCC_OEN | XTAL(0xB) | SYSDIV(3));
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), 0);
    wr(f, RCC, XTAL(0xB) | SYSDIV(3));
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), NS(20));
    assert_int_equal(rd(f, RIS), ET_STELLARIS_RIS_PLLLRIS);
}

/* Clearing PWRDN sets PLLLRIS (bit 6); the line is RIS & IMC; MISC reads
 * the masked status and clears what is written to it. */
static void test_pll_lock_interrupt(void **state)
{
    device_fixture *f = *state;
    wr(f, IMC, ET_STELLARIS_RIS_PLLLRIS);
    assert_int_equal(f->level[0], 0);
    wr(f, RCC, ET_STELLARIS_RCC_RESET & ~ET_STELLARIS_RCC_PWRDN);
    assert_int_equal(rd(f, RIS), 0x40);
    assert_int_equal(rd(f, MISC), 0x40);
    assert_int_equal(f->level[0], 1);
    wr(f, IMC, 0);
    assert_int_equal(rd(f, MISC), 0);
    assert_int_equal(f->level[0], 0);
    wr(f, IMC, 0x40);
    assert_int_equal(f->level[0], 1);
    wr(f, MISC, 0x40);
    assert_int_equal(rd(f, RIS), 0);
    assert_int_equal(f->level[0], 0);
    /* Setting PWRDN again, or writing RCC with it already clear: nothing. */
    wr(f, RCC, ET_STELLARIS_RCC_RESET & ~ET_STELLARIS_RCC_PWRDN);
    wr(f, RCC, ET_STELLARIS_RCC_RESET);
    assert_int_equal(rd(f, RIS), 0);
}

/* Write masks (QEMU's): PBORCTL 15:0, LDOPCTL 4:0, IMC 6:0, RESC 5:0;
 * RCC, the gating registers, CLKVCLR and LDOARST store all 32 bits. */
static void test_write_masks(void **state)
{
    device_fixture *f = *state;
    static const struct { uint32_t off, read; } regs[] = {
        { 0x030, 0xffff }, { 0x034, 0x1f }, { 0x054, 0x7f }, { 0x05c, 0x3f },
        { 0x104, 0xffffffff }, { 0x118, 0xffffffff }, { 0x128, 0xffffffff },
        { 0x150, 0xffffffff }, { 0x160, 0xffffffff },
    };
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        wr(f, regs[i].off, 0xffffffff);
        assert_int_equal(rd(f, regs[i].off), regs[i].read);
    }
    assert_int_equal(f->n_logs, 0);
}

static void test_bad_accesses(void **state)
{
    device_fixture *f = *state;
    /* Unknown offsets, read-only registers, the peripheral resets. */
    assert_int_equal(rd(f, 0x00c), 0);
    assert_int_equal(rd(f, 0x10c), 0);
    wr(f, 0x000, 0x1234);
    assert_int_equal(rd(f, 0x000), 0);
    wr(f, 0x064, 0);
    wr(f, 0x040, 1);
    assert_int_equal(f->n_logs, 5);
    /* Byte lanes: RCC 0x078e3ac0. */
    assert_int_equal(et_device_read(f->dev, RCC + 3, 1), 0x07);
    assert_int_equal(et_device_read(f->dev, RCC + 2, 2), 0x078e);
    assert_int_equal(et_device_read(f->dev, RCC, 1), 0xc0);
    assert_int_equal(f->n_logs, 5);
}

/* A system reset returns every register to its reset value, the clock
 * included (the hardware's reset; QEMU 7.2 keeps LDOPCTL, RIS, IMC, RESC,
 * RCGC1-2, SCGC1-2, DCGC1-2, CLKVCLR and LDOARST: docs/divergences.md). */
static void test_reset(void **state)
{
    device_fixture *f = *state;
    wr(f, RCC, SYSDIV(1));
    wr(f, 0x034, 0x1f);
    wr(f, IMC, 0x40);
    wr(f, 0x05c, 0x3f);
    wr(f, 0x104, 7);
    wr(f, 0x150, 1);
    assert_int_equal(f->level[0], 1); /* PWRDN was cleared: PLLLRIS */
    et_device_reset(f->dev);
    assert_int_equal(rd(f, RCC), ET_STELLARIS_RCC_RESET);
    assert_int_equal(rd(f, 0x034), 0);
    assert_int_equal(rd(f, IMC), 0);
    assert_int_equal(rd(f, RIS), 0);
    assert_int_equal(rd(f, 0x05c), 0);
    assert_int_equal(rd(f, 0x104), 0);
    assert_int_equal(rd(f, 0x150), 0);
    assert_int_equal(f->level[0], 0);
    assert_int_equal(et_clock_input_period(df_input(f, "sysclk")), NS(80));
}

static void test_bad_configuration(void **state)
{
    (void)state;
    char err[200] = "";
    et_clock *clock = et_clock_new_manual();
    et_clock_input *clk = et_clock_input_new("sysclk");
    et_stellaris_sysctl_config cfg = ET_STELLARIS_LM3S811_SYSCTL;
    assert_null(et_stellaris_sysctl_new(clock, "s", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "sysclk"));
    cfg.sysclk = clk;
    cfg.did0 = 0x20000000; /* version 2 */
    assert_null(et_stellaris_sysctl_new(clock, "s", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "DID0"));
    cfg.did0 = 0x10010002;
    cfg.clock_model = ET_STELLARIS_CLOCK_DATASHEET;
    assert_null(et_stellaris_sysctl_new(clock, "s", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "Sandstorm"));
    cfg.clock_model = (et_stellaris_clock_model)7;
    assert_null(et_stellaris_sysctl_new(clock, "s", &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "clock model"));
    assert_null(et_stellaris_sysctl_new(clock, "s", NULL, err, sizeof(err)));
    assert_null(et_stellaris_sysctl_new(NULL, "s", &cfg, err, sizeof(err)));
    et_clock_input_free(clk);
    et_clock_free(clock);
}

static void test_saved_state_declared(void **state)
{
    device_fixture *f = *state;
    const et_vmstate *vm = f->dev->ops->state;
    assert_non_null(vm);
    assert_string_equal(vm->name, "stellaris-sysctl");
    const char *want[] = { "pborctl", "ldopctl", "ris",  "imc",     "resc",    "rcc", "rcc2",
                           "rcgc",    "scgc",    "dcgc", "clkvclr", "ldoarst", "irq" };
    size_t n = 0;
    for (const et_field *fl = vm->fields; fl->name; fl++, n++) {
        assert_true(n < 13);
        assert_string_equal(fl->name, want[n]);
    }
    assert_int_equal(n, 13);
}

/* --- lm3s811evb ------------------------------------------------------------ */

#define WDOG 0x40000000u
#define WDOGLOAD (WDOG + 0x0)
#define WDOGVALUE (WDOG + 0x4)
#define WDOGCONTROL (WDOG + 0x8)
#define WDOGINTCLR (WDOG + 0xc)
#define WDOGRIS (WDOG + 0x10)
#define SSYS_RCC 0x400fe060u

static uint32_t mrd(et_machine *m, uint64_t a)
{
    return (uint32_t)et_machine_read(m, a, 4);
}

static void mstep(et_machine *m, int64_t ns)
{
    et_clock_step(et_machine_clock(m), ns);
}

/* QEMU's tests/qtest/cmsdk-apb-watchdog-test.c (7.2), both cases in one
 * session: the watchdog counts the 12.5 MHz system clock (80 ns ticks);
 * the second case changes RCC.SYSDIV from 15 to 7 halfway (40 ns ticks).
 * Expected values are the test's own. */
static void test_lm3s811evb_qemu_watchdog_test(void **state)
{
    (void)state;
    char err[256];
    et_machine *m = et_machine_new("lm3s811evb", err, sizeof(err));
    assert_non_null(m);

    /* /cmsdk-apb-watchdog/watchdog */
    assert_int_equal(mrd(m, WDOGRIS), 0);
    et_machine_write(m, WDOGCONTROL, 1, 4);
    et_machine_write(m, WDOGLOAD, 1000, 4);
    mstep(m, 500 * 80 + 1);
    assert_int_equal(mrd(m, WDOGRIS), 0);
    assert_int_equal(mrd(m, WDOGVALUE), 500);
    mstep(m, 500 * 80);
    assert_int_equal(mrd(m, WDOGRIS), 1);
    assert_int_equal(mrd(m, WDOGVALUE), 0);
    mstep(m, 80);
    assert_int_equal(mrd(m, WDOGVALUE), 1000);
    mstep(m, 500 * 80);
    assert_int_equal(mrd(m, WDOGVALUE), 500);
    assert_int_equal(mrd(m, WDOGRIS), 1);
    et_machine_write(m, WDOGINTCLR, 0, 4);
    assert_int_equal(mrd(m, WDOGVALUE), 1000);
    assert_int_equal(mrd(m, WDOGRIS), 0);

    /* /cmsdk-apb-watchdog/watchdog_clock_change */
    assert_int_equal(mrd(m, WDOGRIS), 0);
    et_machine_write(m, WDOGCONTROL, 1, 4);
    et_machine_write(m, WDOGLOAD, 1000, 4);
    mstep(m, 80 * 500 + 1);
    assert_int_equal(mrd(m, WDOGRIS), 0);
    assert_int_equal(mrd(m, WDOGVALUE), 500);
    uint32_t rcc = mrd(m, SSYS_RCC);
    assert_int_equal((rcc >> 23) & 0xf, 0xf);
    rcc = (rcc & ~(0xfu << 23)) | (7u << 23);
    et_machine_write(m, SSYS_RCC, rcc, 4);
    mstep(m, 40 * 500);
    assert_int_equal(mrd(m, WDOGRIS), 1);
    assert_int_equal(mrd(m, WDOGVALUE), 0);
    mstep(m, 41);
    assert_int_equal(mrd(m, WDOGVALUE), 1000);
    mstep(m, 40 * 500);
    assert_int_equal(mrd(m, WDOGVALUE), 500);
    assert_int_equal(mrd(m, WDOGRIS), 1);
    et_machine_write(m, WDOGINTCLR, 0, 4);
    assert_int_equal(mrd(m, WDOGVALUE), 1000);
    assert_int_equal(mrd(m, WDOGRIS), 0);
    et_machine_free(m);
}

/* The SysTick on lm3s811evb: no reference clock (CSR 0x4, CALIB NOREF),
 * and it follows the system clock RCC makes. RVR 99, ENABLE | TICKINT at
 * 12.5 MHz: the request after 100 ticks, 8000 ns; RCC.SYSDIV 3 (20 ns)
 * just after that (in the tick the count holds 0): the next request comes
 * 100 ticks of 20 ns later. A system reset puts
 * the clock back to 12.5 MHz. */
static void test_lm3s811evb_systick(void **state)
{
    (void)state;
    char err[256];
    et_machine *m = et_machine_new("lm3s811evb", err, sizeof(err));
    assert_non_null(m);
    assert_int_equal(mrd(m, 0xe000e010), 4);
    assert_int_equal(mrd(m, 0xe000e01c), 0x80000000u);
    et_machine_write(m, 0xe000e014, 99, 4);
    et_machine_write(m, 0xe000e010, 3, 4);
    mstep(m, 7999);
    assert_int_equal(mrd(m, 0xe000ed04) & (1u << 26), 0);
    mstep(m, 1);
    assert_int_equal(mrd(m, 0xe000ed04) & (1u << 26), 1u << 26);
    et_machine_write(m, 0xe000ed04, 1u << 25, 4);
    mstep(m, 1);
    et_machine_write(m, SSYS_RCC, (ET_STELLARIS_RCC_RESET & ~(0xfu << 23)) | (3u << 23), 4);
    /* At 8001: the rest of the held zero (one new tick, 20 ns), then 99
     * ticks: the request at 8001 + 20 + 99 * 20 = 10001. */
    mstep(m, 20 + 99 * 20 - 1);
    assert_int_equal(mrd(m, 0xe000ed04) & (1u << 26), 0);
    mstep(m, 1);
    assert_int_equal(mrd(m, 0xe000ed04) & (1u << 26), 1u << 26);
    et_machine_reset(m);
    assert_int_equal(mrd(m, SSYS_RCC), ET_STELLARIS_RCC_RESET);
    assert_int_equal(et_stellaris_sysctl_sysclk_period(et_machine_find_device(m, "sysctl")),
                     NS(80));
    et_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reset_values, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_qemu_clock_model, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_fury_rcc2, setup_fury, df_teardown),
        cmocka_unit_test_setup_teardown(test_datasheet_clock_model, setup_datasheet, df_teardown),
        cmocka_unit_test_setup_teardown(test_pll_lock_interrupt, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_write_masks, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_bad_accesses, setup, df_teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, df_teardown),
        cmocka_unit_test(test_bad_configuration),
        cmocka_unit_test_setup_teardown(test_saved_state_declared, setup, df_teardown),
        cmocka_unit_test(test_lm3s811evb_qemu_watchdog_test),
        cmocka_unit_test(test_lm3s811evb_systick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
