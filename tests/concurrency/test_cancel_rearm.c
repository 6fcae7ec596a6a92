/* Synchronous cancel against a callback that re-arms its own timer (every
 * periodic device does): when et_timer_del / et_timer_free returns, the
 * callback is not running and will not run, whatever it did meanwhile.
 *
 * Each test orders the race deterministically: the callback, running on a
 * stepping thread, waits until the cancel is blocked waiting for it, and only
 * then re-arms its timer. Before the fix, del returned with the timer armed
 * (it fired again) and free freed a timer still in the heap (ASan: use after
 * free in the next pop). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>

#include "core/clock_internal.h"
#include "emutime/emutime.h"
#include "race_wait.h"

typedef struct rearming {
    et_clock *clock;
    et_timer *timer;
    int64_t rearm_delta; /* the callback re-arms at now + this */
    int runs;            /* atomic */
    int entered;         /* atomic: the first callback is running */
} rearming;

static bool cancel_is_waiting(void *arg)
{
    rearming *r = arg;
    return et__timer_cancel_waiters(r->timer) > 0;
}

static void rearm_cb(void *opaque)
{
    rearming *r = opaque;
    int n = __atomic_add_fetch(&r->runs, 1, __ATOMIC_SEQ_CST);
    if (n == 1) {
        race_set_flag(&r->entered);
        /* Let the other thread's cancel start and block on this callback. */
        race_wait_for(cancel_is_waiting, r, "the cancel to wait for the callback");
    }
    et_timer_mod(r->timer, et_clock_now(r->clock) + r->rearm_delta);
}

typedef struct stepper {
    et_clock *clock;
    int64_t ns;
} stepper;

static void *step_thread(void *arg)
{
    stepper *s = arg;
    et_clock_step(s->clock, s->ns);
    return NULL;
}

/* et_timer_del: the re-arm made while the cancel waited is undone. */
static void test_del_undoes_rearm_from_running_callback(void **state)
{
    (void)state;
    rearming r = { .clock = et_clock_new_manual(), .rearm_delta = 100 };
    r.timer = et_timer_new(r.clock, rearm_cb, &r);
    et_timer_mod(r.timer, 10);

    stepper s = { r.clock, 20 }; /* fires at 10; the re-arm (110) is beyond */
    pthread_t th;
    pthread_create(&th, NULL, step_thread, &s);
    race_wait_flag(&r.entered, "the callback to start");
    et_timer_del(r.timer);
    /* Returned: not running, not armed, and it will not run. */
    assert_false(et_timer_pending(r.timer));
    assert_int_equal(et_timer_expire_time(r.timer), -1);
    pthread_join(th, NULL);
    et_clock_step(r.clock, 1000);
    assert_int_equal(__atomic_load_n(&r.runs, __ATOMIC_SEQ_CST), 1);
    assert_int_equal(et_clock_deadline(r.clock), ET_NO_DEADLINE);

    et_timer_free(r.timer);
    et_clock_free(r.clock);
}

/* et_timer_free of a timer bound to a lock (a device timer), whose callback
 * re-arms it into the past: the stepper would pop it again in the same step.
 * Free must not return while the timer is in the heap. */
static et_lock_class dev_class = ET_LOCK_CLASS_INIT("test-rearm-device");

static void test_free_undoes_rearm_from_running_callback(void **state)
{
    (void)state;
    et_lock lock;
    et_lock_init(&lock, &dev_class);
    rearming r = { .clock = et_clock_new_manual(), .rearm_delta = 0 };
    r.timer = et_timer_new(r.clock, rearm_cb, &r);
    et_timer_set_lock(r.timer, &lock);
    et_timer_mod(r.timer, 10);

    stepper s = { r.clock, 20 }; /* the re-arm at 10 is due again in it */
    pthread_t th;
    pthread_create(&th, NULL, step_thread, &s);
    race_wait_flag(&r.entered, "the callback to start");
    et_timer_free(r.timer);
    pthread_join(th, NULL);
    /* Only the first run: the re-armed one was cancelled by the free. */
    assert_int_equal(__atomic_load_n(&r.runs, __ATOMIC_SEQ_CST), 1);
    assert_int_equal(et_clock_deadline(r.clock), ET_NO_DEADLINE);
    assert_int_equal(et_clock_now(r.clock), 20);

    et_clock_free(r.clock);
    et_lock_destroy(&lock);
}

/* The same with a real-time clock and its runner, as a device's destroy
 * does while the machine runs: a periodic ptimer (re-armed from its own
 * expiry) freed while the runner fires it, many times. Checked by the
 * sanitizers (no use after free, no race), not by timing. */
typedef struct pt_owner {
    et_lock lock;
    et_ptimer *pt;
    unsigned long ticks; /* under lock */
} pt_owner;

static void pt_cb(void *opaque)
{
    pt_owner *o = opaque;
    o->ticks++;
}

static void test_ptimer_free_while_runner_fires(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    et_runner *runner = et_runner_start(clock, NULL, 0);
    assert_non_null(runner);
    for (int i = 0; i < 200; i++) {
        pt_owner *o = calloc(1, sizeof(*o));
        et_lock_init(&o->lock, &dev_class);
        o->pt = et_ptimer_new(clock, pt_cb, o, ET_PTIMER_POLICY_LEGACY);
        et_ptimer_set_lock(o->pt, &o->lock);
        et_lock_acquire(&o->lock);
        et_ptimer_transaction_begin(o->pt);
        et_ptimer_set_period(o->pt, 1000);
        et_ptimer_set_limit(o->pt, 1 + i % 3, 1);
        et_ptimer_run(o->pt, 0);
        et_ptimer_transaction_commit(o->pt);
        et_lock_release(&o->lock);
        /* Let the runner get going on it (bounded: a loaded machine just
         * frees it before its first expiry, which is a valid case too). */
        for (int spin = 0; spin < 1000; spin++) {
            et_lock_acquire(&o->lock);
            unsigned long ticks = o->ticks;
            et_lock_release(&o->lock);
            if (ticks >= 2) {
                break;
            }
            sched_yield();
        }
        et_ptimer_free(o->pt);
        et_lock_destroy(&o->lock);
        free(o);
    }
    assert_int_equal(et_clock_deadline(clock), ET_NO_DEADLINE);
    et_runner_stop(runner);
    et_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_del_undoes_rearm_from_running_callback),
        cmocka_unit_test(test_free_undoes_rearm_from_running_callback),
        cmocka_unit_test(test_ptimer_free_while_runner_fires),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
