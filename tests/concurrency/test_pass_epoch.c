/* A firing pass already under way respects a pause, a rebase and a snapshot
 * load that happen between two of its firings (a slow callback, a wait for a
 * device lock, a sink waiting for the big lock). et_clock_run_expired reads
 * "now" once; before the fix, after a load re-based the clock backwards the
 * pass went on firing the timers the load had just re-armed, at deadlines
 * far ahead of the clock (a CMSDK timer then read VALUE beyond its RELOAD and
 * interrupted before reaching zero).
 *
 * Each test orders the race deterministically: the pass's first callback
 * blocks until the main thread has done the pause / rebase / re-arm. */
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

#define SEC INT64_C(1000000000)

typedef struct scene {
    et_clock *clock;
    et_timer *first;  /* due first: its callback blocks */
    et_timer *second; /* due later in the same pass, before the change */
    int first_entered; /* atomic */
    int go;            /* atomic: the main thread made its change */
    int second_runs;   /* atomic */
    int64_t second_clock_at_run; /* the clock's own time when it ran */
    unsigned pass_fired;
} scene;

static void first_cb(void *opaque)
{
    scene *s = opaque;
    race_set_flag(&s->first_entered);
    race_wait_flag(&s->go, "the main thread's pause, rebase or load");
}

static void second_cb(void *opaque)
{
    scene *s = opaque;
    __atomic_add_fetch(&s->second_runs, 1, __ATOMIC_SEQ_CST);
}

static void *run_expired_thread(void *arg)
{
    scene *s = arg;
    s->pass_fired = et_clock_run_expired(s->clock);
    return NULL;
}

static void *step_thread(void *arg)
{
    scene *s = arg;
    et_clock_step(s->clock, 10 * SEC);
    return NULL;
}

static void scene_init(scene *s, et_clock *clock)
{
    *s = (scene){ .clock = clock };
    s->first = et_timer_new(clock, first_cb, s);
    s->second = et_timer_new(clock, second_cb, s);
}

static void scene_free(scene *s)
{
    et_timer_free(s->first);
    et_timer_free(s->second);
    et_clock_free(s->clock);
}

/* What a load does: re-base the clock, re-arm the timers at their saved
 * deadlines (here: second at 5 s, on a clock now re-based to 0). */
static void fake_load(scene *s, int64_t now)
{
    et_clock_rebase(s->clock, now);
    et_timer_mod(s->second, 5 * SEC);
}

/* A real-time clock at 10 s; first due at 1 s, second at 5 s. */
static void realtime_scene(scene *s, bool paused_before_load)
{
    scene_init(s, et_clock_new_realtime());
    et_clock_rebase(s->clock, 10 * SEC);
    et_timer_mod(s->first, 1 * SEC);
    et_timer_mod(s->second, 5 * SEC);

    pthread_t th;
    pthread_create(&th, NULL, run_expired_thread, s);
    race_wait_flag(&s->first_entered, "the pass to fire its first timer");
    if (paused_before_load) {
        et_clock_pause(s->clock);
    }
    fake_load(s, 0);
    race_set_flag(&s->go);
    pthread_join(th, NULL);
}

static void test_realtime_load_during_pass(void **state)
{
    (void)state;
    scene s;
    realtime_scene(&s, false);
    /* The pass ended after its first firing; second is due at 5 s on a clock
     * that reads about 0 now (it takes 5 s of host time to get there). */
    assert_int_equal(s.pass_fired, 1);
    assert_int_equal(__atomic_load_n(&s.second_runs, __ATOMIC_SEQ_CST), 0);
    assert_int_equal(et_timer_expire_time(s.second), 5 * SEC);
    assert_true(et_clock_now(s.clock) < 5 * SEC);
    /* A new pass reads the new time: nothing is due yet. */
    assert_int_equal(et_clock_run_expired(s.clock), 0);
    assert_int_equal(__atomic_load_n(&s.second_runs, __ATOMIC_SEQ_CST), 0);
    scene_free(&s);
}

static void test_realtime_paused_load_during_pass(void **state)
{
    (void)state;
    scene s;
    realtime_scene(&s, true);
    assert_int_equal(s.pass_fired, 1);
    assert_int_equal(__atomic_load_n(&s.second_runs, __ATOMIC_SEQ_CST), 0);
    assert_int_equal(et_clock_now(s.clock), 0);
    assert_int_equal(et_timer_expire_time(s.second), 5 * SEC);
    /* Resumed, the clock counts from 0 again. */
    et_clock_resume(s.clock);
    assert_int_equal(et_clock_run_expired(s.clock), 0);
    assert_int_equal(__atomic_load_n(&s.second_runs, __ATOMIC_SEQ_CST), 0);
    scene_free(&s);
}

/* A pause alone: nothing fires while paused, not even in a pass that
 * started before the pause. */
static void test_pause_during_pass(void **state)
{
    (void)state;
    scene s;
    scene_init(&s, et_clock_new_realtime());
    et_clock_rebase(s.clock, 10 * SEC);
    et_timer_mod(s.first, 1 * SEC);
    et_timer_mod(s.second, 5 * SEC);
    pthread_t th;
    pthread_create(&th, NULL, run_expired_thread, &s);
    race_wait_flag(&s.first_entered, "the pass to fire its first timer");
    et_clock_pause(s.clock);
    race_set_flag(&s.go);
    pthread_join(th, NULL);
    assert_int_equal(s.pass_fired, 1);
    assert_int_equal(__atomic_load_n(&s.second_runs, __ATOMIC_SEQ_CST), 0);
    assert_true(et_timer_pending(s.second));
    /* Resumed, it is due (the clock is past 10 s): the next pass fires it. */
    et_clock_resume(s.clock);
    assert_int_equal(et_clock_run_expired(s.clock), 1);
    assert_int_equal(__atomic_load_n(&s.second_runs, __ATOMIC_SEQ_CST), 1);
    scene_free(&s);
}

/* A manual clock stepped by 10 s while a load re-bases it to 0: the step
 * ends where the load put the clock, and fires nothing the load re-armed. */
static void test_manual_load_during_step(void **state)
{
    (void)state;
    scene s;
    scene_init(&s, et_clock_new_manual());
    et_timer_mod(s.first, 1 * SEC);
    et_timer_mod(s.second, 5 * SEC);
    pthread_t th;
    pthread_create(&th, NULL, step_thread, &s);
    race_wait_flag(&s.first_entered, "the step to fire its first timer");
    fake_load(&s, 0);
    race_set_flag(&s.go);
    pthread_join(th, NULL);
    assert_int_equal(__atomic_load_n(&s.second_runs, __ATOMIC_SEQ_CST), 0);
    assert_int_equal(et_clock_now(s.clock), 0);
    assert_int_equal(et_timer_expire_time(s.second), 5 * SEC);
    /* Stepping from the loaded time fires it at its own deadline. */
    et_clock_step(s.clock, 5 * SEC);
    assert_int_equal(__atomic_load_n(&s.second_runs, __ATOMIC_SEQ_CST), 1);
    scene_free(&s);
}

/* A timer popped by the pass and waiting for its bound lock while the clock
 * is re-based (the lock holder does not re-arm it): it is not fired for the
 * old time but stays armed at its deadline. */
static et_lock_class dev_class = ET_LOCK_CLASS_INIT("test-epoch-device");

static bool firing_in_flight(void *arg)
{
    et_clock *c = arg;
    et_lock_acquire(&c->queue_lock);
    bool popped = c->inflight > 0;
    et_lock_release(&c->queue_lock);
    return popped;
}

static void test_popped_timer_rebased_under_its_lock(void **state)
{
    (void)state;
    et_lock lock;
    et_lock_init(&lock, &dev_class);
    scene s;
    scene_init(&s, et_clock_new_realtime());
    et_timer_set_lock(s.second, &lock);
    et_clock_rebase(s.clock, 10 * SEC);
    et_timer_mod(s.second, 5 * SEC);

    et_lock_acquire(&lock);
    s.go = 1; /* first is not used here */
    pthread_t th;
    pthread_create(&th, NULL, run_expired_thread, &s);
    race_wait_for(firing_in_flight, s.clock, "the pass to pop the bound timer");
    et_clock_rebase(s.clock, 0);
    et_lock_release(&lock);
    pthread_join(th, NULL);

    assert_int_equal(s.pass_fired, 0);
    assert_int_equal(__atomic_load_n(&s.second_runs, __ATOMIC_SEQ_CST), 0);
    assert_int_equal(et_timer_expire_time(s.second), 5 * SEC);
    assert_int_equal(et_clock_run_expired(s.clock), 0);
    scene_free(&s);
    et_lock_destroy(&lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_realtime_load_during_pass),
        cmocka_unit_test(test_realtime_paused_load_during_pass),
        cmocka_unit_test(test_pause_during_pass),
        cmocka_unit_test(test_manual_load_during_step),
        cmocka_unit_test(test_popped_timer_rebased_under_its_lock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
