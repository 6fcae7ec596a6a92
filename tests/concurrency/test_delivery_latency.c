/* Interrupt delivery does not wait on a thread that is not inside a sink
 * call. Before the fix, the thread that started delivering owned the queue
 * until it was empty: a change queued by another thread meanwhile waited for
 * that thread to be scheduled again, even after its sink call had returned
 * (a vCPU's own lowering reached the sink 50 ms later while the runner was
 * descheduled). Now the queue is delivered one entry at a time and whichever
 * thread releases the lock when no call is in progress delivers.
 *
 * The test stands the delivering thread still right after its sink call by
 * holding the device lock it needs next (as a descheduled thread would
 * stand), and checks that the main thread's own change reaches the sink
 * before its unlock returns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>

#include "emutime/emutime.h"
#include "null_regs.h"
#include "race_wait.h"

typedef struct two_lines {
    et_device dev;
    et_timer *timer;
    et_irq_line a, b;
} two_lines;

static et_lock_class two_lines_class = ET_LOCK_CLASS_INIT("test-two-lines");

static void expired(void *opaque)
{
    two_lines *d = opaque;
    et_irq_raise(&d->a);
}

static void destroy(et_device *dev)
{
    et_timer_free(((two_lines *)dev)->timer);
}

static const et_device_ops ops = {
    .type = "test-two-lines",
    .region_size = 4,
    .access_sizes = ET_ACCESS_4,
    .read = null_regs_read,
    .write = null_regs_write,
    .destroy = destroy,
};

typedef struct observer {
    two_lines *d;
    int a_in_sink;       /* atomic */
    int main_holds_lock; /* atomic */
    int a_returning;     /* atomic */
    int b_level;         /* atomic: what the sink got for line b */
} observer;

static void sink(void *opaque, int n, int level)
{
    observer *o = opaque;
    if (n == 0) {
        race_set_flag(&o->a_in_sink);
        race_wait_flag(&o->main_holds_lock, "the main thread to take the device lock");
        race_set_flag(&o->a_returning);
    } else {
        __atomic_store_n(&o->b_level, level, __ATOMIC_SEQ_CST);
    }
}

static bool call_ended(void *arg)
{
    observer *o = arg;
    return race_flag_set(&o->a_returning) &&
           !__atomic_load_n(&o->d->dev.sink_busy, __ATOMIC_SEQ_CST);
}

static void *step_thread(void *arg)
{
    et_clock_step(arg, 20);
    return NULL;
}

static void test_change_not_left_to_a_thread_outside_its_call(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    two_lines *d = calloc(1, sizeof(*d));
    et_device_init(&d->dev, &ops, clock, "two-lines", &two_lines_class);
    d->timer = et_device_timer_new(&d->dev, expired, d);
    et_irq_init(&d->a, &d->dev, "a");
    et_irq_init(&d->b, &d->dev, "b");
    observer o = { .d = d };
    et_irq_connect(&d->a, sink, &o, 0);
    et_irq_connect(&d->b, sink, &o, 1);
    et_timer_mod(d->timer, 10);

    /* The stepper fires the expiry and delivers line a; its sink call
     * waits for us. */
    pthread_t th;
    pthread_create(&th, NULL, step_thread, clock);
    race_wait_flag(&o.a_in_sink, "the expiry's change to reach the sink");

    /* Take the lock the stepper needs after its call, let the call end,
     * and make a change of our own: our unlock delivers it. */
    et_device_lock(&d->dev);
    race_set_flag(&o.main_holds_lock);
    race_wait_for(call_ended, &o, "the sink call to end");
    et_irq_raise(&d->b);
    et_device_unlock(&d->dev);
    assert_int_equal(__atomic_load_n(&o.b_level, __ATOMIC_SEQ_CST), 1);

    pthread_join(th, NULL);
    assert_int_equal(et_clock_now(clock), 20);
    et_device_free(&d->dev);
    et_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_change_not_left_to_a_thread_outside_its_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
