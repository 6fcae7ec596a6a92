/* et_clock_horizon(): inside a callback run late, the time the late pass
 * brings the clock to (run_expired's now, an access's catch-up time); for
 * steps and sets of a manual clock, which are time passing exactly, the
 * callback's own deadline. et_clock_now() stays the deadline throughout. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "emutime/emutime.h"

typedef struct probe {
    et_clock *clock;
    int64_t now[8];
    int64_t horizon[8];
    int n;
} probe;

static void record(void *opaque)
{
    probe *p = opaque;
    if (p->n < 8) {
        p->now[p->n] = et_clock_now(p->clock);
        p->horizon[p->n] = et_clock_horizon(p->clock);
    }
    p->n++;
}

static void test_step_and_set_are_not_late(void **state)
{
    (void)state;
    probe p = { .clock = et_clock_new_manual() };
    et_timer *a = et_timer_new(p.clock, record, &p);
    et_timer *b = et_timer_new(p.clock, record, &p);

    assert_int_equal(et_clock_horizon(p.clock), 0); /* outside: now */
    et_timer_mod(a, 100);
    et_timer_mod(b, 250);
    et_clock_step(p.clock, 300);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.now[0], 100);
    assert_int_equal(p.horizon[0], 100); /* a step fires each at its time */
    assert_int_equal(p.now[1], 250);
    assert_int_equal(p.horizon[1], 250);

    et_timer_mod(a, 400);
    et_clock_set(p.clock, 1000);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.now[2], 400);
    assert_int_equal(p.horizon[2], 400);

    et_timer_mod(a, 1500);
    assert_true(et_clock_step_next(p.clock));
    assert_int_equal(p.n, 4);
    assert_int_equal(p.now[3], 1500);
    assert_int_equal(p.horizon[3], 1500);
    assert_int_equal(et_clock_horizon(p.clock), 1500);

    et_timer_free(a);
    et_timer_free(b);
    et_clock_free(p.clock);
}

static void test_run_expired_reports_the_time_it_read(void **state)
{
    (void)state;
    probe p = { .clock = et_clock_new_realtime() };
    et_timer *a = et_timer_new(p.clock, record, &p);
    et_timer_mod(a, 0);
    while (et_clock_run_expired(p.clock) == 0) {
    }
    int64_t after = et_clock_now(p.clock);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.now[0], 0);
    assert_true(p.horizon[0] >= 0);
    assert_true(p.horizon[0] <= after);
    et_timer_free(a);
    et_clock_free(p.clock);
}

/* A device whose timer records, so that catch-up on access runs it. */
typedef struct lazy {
    et_device dev;
    et_timer *timer;
    probe p;
} lazy;

static et_lock_class lazy_class = ET_LOCK_CLASS_INIT("test-horizon");

static uint64_t lazy_read(et_device *dev, uint64_t offset, unsigned size)
{
    (void)dev;
    (void)offset;
    (void)size;
    return 0;
}

static void lazy_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    (void)dev;
    (void)offset;
    (void)value;
    (void)size;
}

static void lazy_destroy(et_device *dev)
{
    et_timer_free(((lazy *)dev)->timer);
}

static const et_device_ops lazy_ops = {
    .type = "test-horizon",
    .region_size = 4,
    .access_sizes = ET_ACCESS_4,
    .read = lazy_read,
    .write = lazy_write,
    .destroy = lazy_destroy,
};

static void test_catch_up_reports_the_access_time(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    et_clock_pause(clock); /* frozen at some time T: nothing fires by itself */
    int64_t t = et_clock_now(clock);
    lazy *d = calloc(1, sizeof(*d));
    et_device_init(&d->dev, &lazy_ops, clock, "lazy", &lazy_class);
    d->p.clock = clock;
    d->timer = et_device_timer_new(&d->dev, record, &d->p);
    et_timer_mod(d->timer, t - 5 > 0 ? t - 5 : 0);
    (void)et_device_read(&d->dev, 0, 4);
    assert_int_equal(d->p.n, 1);
    assert_int_equal(d->p.now[0], t - 5 > 0 ? t - 5 : 0);
    assert_int_equal(d->p.horizon[0], t);
    et_device_free(&d->dev);
    et_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_and_set_are_not_late),
        cmocka_unit_test(test_run_expired_reports_the_time_it_read),
        cmocka_unit_test(test_catch_up_reports_the_access_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
