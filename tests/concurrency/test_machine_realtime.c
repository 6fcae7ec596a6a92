/* A board on a real-time clock (et_machine_new_on_clock): mps2-an385's
 * CMSDK timer0 fires from the runner thread while a vCPU thread reads and
 * acknowledges it through the machine's address space, as an emulator
 * running guest code does. Nothing here depends on timing: the vCPU waits
 * (bounded by a minute, only a broken machine reaches it) for interrupts
 * that must come, and every VALUE read must lie within RELOAD. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "emutime/emutime.h"

#define TIMER0 0x40000000u
#define CTRL 0x0
#define VALUE 0x4
#define RELOAD 0x8
#define INTSTATUS 0xc
#define CTRL_ENABLE 0x1
#define CTRL_IRQ_ENABLE 0x8

typedef struct state {
    unsigned long raises; /* atomic: timer0's line going high */
} state;

static void on_line(void *opaque, size_t dev, unsigned output, int level)
{
    state *s = opaque;
    if (dev == 0 && output == 0 && level) { /* timer0 is the board's first device */
        __atomic_add_fetch(&s->raises, 1, __ATOMIC_RELAXED);
    }
}

static void test_board_on_a_realtime_clock(void **state_)
{
    (void)state_;
    char err[256];
    assert_null(et_machine_new_on_clock("mps2-an385", NULL, err, sizeof(err)));
    et_clock *clock = et_clock_new_realtime();
    et_machine *m = et_machine_new_on_clock("mps2-an385", clock, err, sizeof(err));
    assert_non_null(m);
    assert_ptr_equal(et_machine_clock(m), clock);
    state s = { 0 };
    et_machine_set_line_sink(m, on_line, &s);
    et_runner *r = et_runner_start(clock, NULL, 0);

    /* 25 MHz sysclk, RELOAD 24999: a 1 ms period (25000 ticks). */
    et_machine_write(m, TIMER0 + RELOAD, 24999, 4);
    et_machine_write(m, TIMER0 + VALUE, 24999, 4);
    et_machine_write(m, TIMER0 + CTRL, CTRL_ENABLE | CTRL_IRQ_ENABLE, 4);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    unsigned acks = 0;
    while (acks < 5) {
        uint64_t v = et_machine_read(m, TIMER0 + VALUE, 4);
        assert_true(v <= 24999);
        if (et_machine_read(m, TIMER0 + INTSTATUS, 4) & 1) {
            et_machine_write(m, TIMER0 + INTSTATUS, 1, 4); /* acknowledge */
            acks++;
        } else {
            usleep(200);
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        assert_true(now.tv_sec - start.tv_sec < 60);
    }
    et_runner_stop(r);
    assert_true(__atomic_load_n(&s.raises, __ATOMIC_RELAXED) >= 5);
    et_machine_free(m);
    et_clock_free(clock); /* the machine did not own it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_board_on_a_realtime_clock),
    };
    return cmocka_run_group_tests_name("machine_realtime", tests, NULL, NULL);
}
