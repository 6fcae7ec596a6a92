/* The CPU side of the NVIC view (nvic_view.h): acknowledge at exception
 * entry clears the pending state even while a level-sensitive input is held
 * high; complete at exception return pends an input still high again; the
 * NMI, PendSV and SysTick are edges, cleared by acknowledge only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "emutime/emutime.h"

#define NVIC_ISER 0xe000e100u
#define NVIC_ISPR 0xe000e200u
#define NVIC_ICPR 0xe000e280u
#define SCB_ICSR 0xe000ed04u
#define ICSR_NMIPENDSET (1u << 31)
#define ICSR_PENDSVSET (1u << 28)
#define ICSR_PENDSTSET (1u << 26)
#define TIMER0 0x40000000u
#define EXC_TIMER0 (16 + 8)

static void request(void *opaque, int n, int level)
{
    (void)n;
    *(int *)opaque = level;
}

static uint32_t ispr(et_machine *m)
{
    return (uint32_t)et_machine_read(m, NVIC_ISPR, 4);
}

static void test_level_input(void **state)
{
    (void)state;
    char err[256];
    et_machine *m = et_machine_new("mps2-an385", err, sizeof(err));
    assert_non_null(m);
    int req = 0;
    assert_int_equal(et_machine_set_cpu_request_sink(m, "nvic", request, &req), 0);
    et_machine_write(m, NVIC_ISER, 1u << 8, 4);
    /* timer0 reaches 0 after 10 ticks of 40 ns: TIMERINT high, pending. */
    et_machine_write(m, TIMER0 + ET_CMSDK_TIMER_RELOAD, 1000, 4);
    et_machine_write(m, TIMER0 + ET_CMSDK_TIMER_VALUE, 10, 4);
    et_machine_write(m, TIMER0 + ET_CMSDK_TIMER_CTRL, 0x9, 4);
    et_clock_step(et_machine_clock(m), 400);
    assert_true(ispr(m) & (1u << 8));
    assert_int_equal(req, 1);

    /* ICPR cannot clear it while the line is high (R_CVJS); acknowledge does. */
    et_machine_write(m, NVIC_ICPR, 1u << 8, 4);
    assert_true(ispr(m) & (1u << 8));
    assert_int_equal(et_machine_nvic_acknowledge(m, "nvic", EXC_TIMER0), 0);
    assert_false(ispr(m) & (1u << 8));
    assert_int_equal(req, 0);

    /* The handler did not clear the source: complete pends it again. */
    assert_int_equal(et_machine_nvic_complete(m, "nvic", EXC_TIMER0), 0);
    assert_true(ispr(m) & (1u << 8));
    assert_int_equal(req, 1);

    /* This time the handler clears it: nothing pends at return. */
    assert_int_equal(et_machine_nvic_acknowledge(m, "nvic", EXC_TIMER0), 0);
    et_machine_write(m, TIMER0 + ET_CMSDK_TIMER_INTSTATUS, 1, 4);
    assert_int_equal(et_machine_nvic_complete(m, "nvic", EXC_TIMER0), 0);
    assert_false(ispr(m) & (1u << 8));
    assert_int_equal(req, 0);

    /* A new edge while the handler runs stays pending across complete. */
    assert_int_equal(et_machine_nvic_acknowledge(m, "nvic", EXC_TIMER0), 0);
    et_clock_step(et_machine_clock(m), 1001 * 40);
    et_machine_write(m, TIMER0 + ET_CMSDK_TIMER_INTSTATUS, 1, 4);
    assert_int_equal(et_machine_nvic_complete(m, "nvic", EXC_TIMER0), 0);
    assert_true(ispr(m) & (1u << 8));
    et_machine_free(m);
}

static void test_edges(void **state)
{
    (void)state;
    char err[256];
    et_machine *m = et_machine_new("mps2-an385", err, sizeof(err));
    assert_non_null(m);
    et_machine_write(m, SCB_ICSR, ICSR_PENDSVSET | ICSR_PENDSTSET, 4);
    assert_int_equal(et_machine_set_irq_in(m, "/machine/armv7m", "NMI", 0, 1, err, sizeof(err)),
                     0);
    uint32_t all = ICSR_NMIPENDSET | ICSR_PENDSVSET | ICSR_PENDSTSET;
    assert_int_equal((uint32_t)et_machine_read(m, SCB_ICSR, 4) & all, all);
    /* VECTPENDING is the NMI (2) first. */
    assert_int_equal(((uint32_t)et_machine_read(m, SCB_ICSR, 4) >> 12) & 0x1ff, 2);
    assert_int_equal(et_machine_nvic_acknowledge(m, "nvic", 2), 0);
    assert_int_equal(et_machine_nvic_complete(m, "nvic", 2), 0);
    /* The NMI line is still high: an edge, not re-pended. */
    assert_int_equal((uint32_t)et_machine_read(m, SCB_ICSR, 4) & all,
                     ICSR_PENDSVSET | ICSR_PENDSTSET);
    assert_int_equal(et_machine_nvic_acknowledge(m, "nvic", 14), 0);
    assert_int_equal(et_machine_nvic_acknowledge(m, "nvic", 15), 0);
    assert_int_equal((uint32_t)et_machine_read(m, SCB_ICSR, 4) & all, 0);

    /* Bad arguments. */
    assert_int_equal(et_machine_nvic_acknowledge(m, "nosuch", 15), ET_ENOENT);
    assert_int_equal(et_machine_nvic_acknowledge(m, "timer0", 15), ET_ENOENT); /* not a view */
    assert_int_equal(et_machine_nvic_acknowledge(m, "nvic", 3), ET_EINVAL);    /* HardFault */
    assert_int_equal(et_machine_nvic_acknowledge(m, "nvic", 16 + 32), ET_EINVAL);
    assert_int_equal(et_machine_nvic_complete(m, "nvic", 16 + 32), ET_EINVAL);
    assert_int_equal(et_machine_nvic_complete(m, "nvic", 1), ET_EINVAL);
    et_machine_free(m);

    /* A board whose controller is not an NVIC view. */
    m = et_machine_new("versatilepb", err, sizeof(err));
    assert_non_null(m);
    assert_int_equal(et_machine_nvic_acknowledge(m, "vic", 16), ET_ENOENT);
    et_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_input),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
