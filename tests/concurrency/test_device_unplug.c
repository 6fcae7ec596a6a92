/* Hot-unplug: et_device_free while a timer thread is still delivering the
 * interrupt that device's expiry raised. The firing path ends the firing
 * (so the timer's free does not wait) before it releases the device lock,
 * and that release is where the queued line change goes to the sink. Free
 * must wait for that delivery: when it returns, no callback, deferred call or
 * sink of the device is running or will run.
 *
 * The first test orders it deterministically: the sink, on the stepping
 * thread, waits until et_device_free is waiting for it. Before the fix, free
 * returned at once and the delivering thread then used the freed device and
 * its lock (ASan: use after free in et_device_unlock; TSan: destroy of a
 * locked mutex). The second frees devices while the runner fires them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>

#include "core/clock_internal.h"
#include "emutime/emutime.h"
#include "null_regs.h"
#include "race_wait.h"

typedef struct blinker {
    et_device dev;
    et_timer *timer;
    et_irq_line irq;
    int64_t period; /* 0: one shot */
} blinker;

static et_lock_class blinker_class = ET_LOCK_CLASS_INIT("test-blinker");

static void blinker_expired(void *opaque)
{
    blinker *b = opaque;
    et_irq_set(&b->irq, !et_irq_level(&b->irq));
    if (b->period) {
        et_timer_mod(b->timer, et_clock_now(b->dev.clock) + b->period);
    }
}

static void blinker_destroy(et_device *dev)
{
    et_timer_free(((blinker *)dev)->timer);
}

static const et_device_ops blinker_ops = {
    .type = "test-blinker",
    .region_size = 4,
    .access_sizes = ET_ACCESS_4,
    .read = null_regs_read,
    .write = null_regs_write,
    .destroy = blinker_destroy,
};

static blinker *blinker_new(et_clock *clock, int64_t first, int64_t period, et_timer_fn cb)
{
    blinker *b = calloc(1, sizeof(*b));
    et_device_init(&b->dev, &blinker_ops, clock, "blinker", &blinker_class);
    b->timer = et_device_timer_new(&b->dev, cb, b);
    b->period = period;
    et_irq_init(&b->irq, &b->dev, "irq");
    et_device_add_irq(&b->dev, &b->irq);
    et_device_lock(&b->dev);
    et_timer_mod(b->timer, first);
    et_device_unlock(&b->dev);
    return b;
}

/* --- deterministic: free while the sink runs ----------------------------- */

typedef struct unplug {
    blinker *b;
    int in_sink;       /* atomic */
    int sink_returned; /* atomic */
    int free_returned; /* atomic */
    int free_started;  /* atomic */
} unplug;

static bool free_waits_or_returned(void *arg)
{
    unplug *u = arg;
    if (!race_flag_set(&u->free_started)) {
        return false;
    }
    if (race_flag_set(&u->free_returned)) {
        return true; /* the bug: free did not wait (the device is gone) */
    }
    /* Free waits either in the timer's free (the firing, delivery included,
     * is still in flight) or for the device's deliveries. */
    if (et__timer_cancel_waiters(u->b->timer) > 0) {
        return true;
    }
    et_device_lock(&u->b->dev);
    bool waiting = u->b->dev.free_waiters > 0;
    et_device_unlock(&u->b->dev);
    return waiting;
}

static void blocking_sink(void *opaque, int n, int level)
{
    unplug *u = opaque;
    (void)n;
    (void)level;
    race_set_flag(&u->in_sink);
    race_wait_for(free_waits_or_returned, u, "et_device_free to wait for the sink");
    race_set_flag(&u->sink_returned);
}

typedef struct step_arg {
    et_clock *clock;
    int64_t ns;
} step_arg;

static void *step_thread(void *arg)
{
    step_arg *s = arg;
    et_clock_step(s->clock, s->ns);
    return NULL;
}

static void *free_thread(void *arg)
{
    unplug *u = arg;
    race_set_flag(&u->free_started);
    et_device_free(&u->b->dev);
    /* Free returned: the sink call must have ended. */
    if (!race_flag_set(&u->sink_returned)) {
        fprintf(stderr, "et_device_free returned while the sink was still running\n");
        abort();
    }
    race_set_flag(&u->free_returned);
    return NULL;
}

static void test_free_waits_for_delivery_in_progress(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    unplug u = { .b = blinker_new(clock, 10, 0, blinker_expired) };
    et_irq_connect(&u.b->irq, blocking_sink, &u, 0);

    step_arg s = { clock, 20 };
    pthread_t stepper, freer;
    pthread_create(&stepper, NULL, step_thread, &s);
    race_wait_flag(&u.in_sink, "the expiry's interrupt to reach the sink");
    pthread_create(&freer, NULL, free_thread, &u);
    pthread_join(freer, NULL);
    pthread_join(stepper, NULL);
    assert_true(race_flag_set(&u.sink_returned));
    assert_int_equal(et_clock_now(clock), 20);
    assert_int_equal(et_clock_deadline(clock), ET_NO_DEADLINE);
    et_clock_free(clock);
}

/* --- a sink freeing the timer whose expiry it is delivered for ---------- */

/* The firing is still in flight while its device lock is released (that is
 * what lets et_timer_free wait for the delivery), so a free from the sink
 * that the release calls must not wait for it: the firer frees the timer
 * once its release is done, as for a free from the callback itself. */
static void freeing_sink(void *opaque, int n, int level)
{
    blinker *b = opaque;
    (void)n;
    if (level && b->timer) {
        et_timer *t = b->timer;
        b->timer = NULL; /* the device is not accessed again */
        et_timer_free(t);
    }
}

static void test_sink_frees_the_timer_being_delivered(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    blinker *b = blinker_new(clock, 10, 10, blinker_expired);
    et_irq_connect(&b->irq, freeing_sink, b, 0);
    et_clock_step(clock, 100); /* fires once at 10; the re-arm dies with it */
    assert_null(b->timer);
    assert_int_equal(et_irq_level(&b->irq), 1);
    assert_int_equal(et_clock_deadline(clock), ET_NO_DEADLINE);
    assert_int_equal(et_clock_now(clock), 100);
    et_device_free(&b->dev);
    et_clock_free(clock);
}

/* --- hot-unplug while the runner fires ----------------------------------- */

typedef struct counting_sink {
    unsigned long calls; /* atomic */
} counting_sink;

static void count_sink(void *opaque, int n, int level)
{
    counting_sink *c = opaque;
    (void)n;
    (void)level;
    __atomic_add_fetch(&c->calls, 1, __ATOMIC_RELAXED);
}

static void defer_count(void *opaque, uint64_t arg)
{
    counting_sink *c = opaque;
    __atomic_add_fetch(&c->calls, arg, __ATOMIC_RELAXED);
}

static void deferring_expired(void *opaque)
{
    blinker *b = opaque;
    blinker_expired(b);
    et_device_defer(&b->dev, defer_count, b->irq.sink_opaque, 1);

}

static void test_free_while_runner_fires(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    et_runner *runner = et_runner_start(clock, NULL, 0);
    assert_non_null(runner);
    counting_sink sink = { 0 };
    for (int i = 0; i < 300; i++) {
        /* The sink is connected before the first expiry can run. */
        blinker *b = blinker_new(clock, INT64_MAX, 2000 + i % 5 * 500,
                                 i % 2 ? deferring_expired : blinker_expired);
        et_irq_connect(&b->irq, count_sink, &sink, 0);
        et_device_lock(&b->dev);
        et_timer_mod(b->timer, 0);
        et_device_unlock(&b->dev);
        /* Give the runner a chance to be delivering (bounded, not needed
         * for correctness: freeing before any expiry is valid too). */
        unsigned long before = __atomic_load_n(&sink.calls, __ATOMIC_RELAXED);
        for (int spin = 0; spin < 1000 && __atomic_load_n(&sink.calls, __ATOMIC_RELAXED) == before;
             spin++) {
            sched_yield();
        }
        et_device_free(&b->dev);
    }
    et_runner_stop(runner);
    assert_int_equal(et_clock_deadline(clock), ET_NO_DEADLINE);
    et_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_waits_for_delivery_in_progress),
        cmocka_unit_test(test_sink_frees_the_timer_being_delivered),
        cmocka_unit_test(test_free_while_runner_fires),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
