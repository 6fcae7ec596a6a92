/* Timer queue and manual-clock stepping: ordering, FIFO ties, past deadlines,
 * re-arm and cancel from callbacks, synchronous cancel, large populations. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "emutime/emutime.h"

/* Every firing is logged as (timer id, clock time seen in the callback). */
typedef struct fired {
    int id;
    int64_t at;
} fired;

typedef struct recorder {
    et_clock *clock;
    fired log[64];
    int n;
} recorder;

typedef struct rec_timer {
    recorder *rec;
    int id;
    et_timer *timer;
    /* Optional actions done from the callback. */
    et_timer *rearm;       /* re-arm this timer ... */
    int64_t rearm_delta;   /* ... at now + delta */
    et_timer *cancel;      /* cancel this timer */
    int repeat;            /* re-arm itself this many more times */
} rec_timer;

static void rec_cb(void *opaque)
{
    rec_timer *rt = opaque;
    recorder *r = rt->rec;
    int64_t now = et_clock_now(r->clock);
    if (r->n < 64) {
        r->log[r->n].id = rt->id;
        r->log[r->n].at = now;
        r->n++;
    }
    if (rt->rearm) {
        et_timer_mod(rt->rearm, now + rt->rearm_delta);
        rt->rearm = NULL;
    }
    if (rt->cancel) {
        et_timer_del(rt->cancel);
    }
    if (rt->repeat > 0) {
        rt->repeat--;
        et_timer_mod(rt->timer, now + rt->rearm_delta);
    }
}

static void make_timers(recorder *r, rec_timer *t, int n)
{
    for (int i = 0; i < n; i++) {
        t[i] = (rec_timer){ .rec = r, .id = i };
        t[i].timer = et_timer_new(r->clock, rec_cb, &t[i]);
    }
}

static void free_timers(rec_timer *t, int n)
{
    for (int i = 0; i < n; i++) {
        et_timer_free(t[i].timer);
    }
}

static void test_step_fires_in_deadline_order_at_deadline(void **state)
{
    (void)state;
    recorder r = { .clock = et_clock_new_manual() };
    rec_timer t[4];
    make_timers(&r, t, 4);

    et_timer_mod(t[0].timer, 300);
    et_timer_mod(t[1].timer, 100);
    et_timer_mod(t[2].timer, 200);
    et_timer_mod(t[3].timer, 1000); /* beyond the step: must not fire */

    et_clock_step(r.clock, 300); /* a deadline exactly at the target fires */
    assert_int_equal(r.n, 3);
    assert_int_equal(r.log[0].id, 1);
    assert_int_equal(r.log[0].at, 100);
    assert_int_equal(r.log[1].id, 2);
    assert_int_equal(r.log[1].at, 200);
    assert_int_equal(r.log[2].id, 0);
    assert_int_equal(r.log[2].at, 300);
    assert_int_equal(et_clock_now(r.clock), 300);
    assert_false(et_timer_pending(t[0].timer));
    assert_true(et_timer_pending(t[3].timer));
    assert_int_equal(et_timer_expire_time(t[3].timer), 1000);
    assert_int_equal(et_timer_expire_time(t[0].timer), -1);
    assert_int_equal(et_clock_deadline(r.clock), 1000);

    free_timers(t, 4);
    assert_int_equal(et_clock_deadline(r.clock), ET_NO_DEADLINE);
    et_clock_free(r.clock);
}

static void test_equal_deadlines_fire_fifo(void **state)
{
    (void)state;
    recorder r = { .clock = et_clock_new_manual() };
    rec_timer t[5];
    make_timers(&r, t, 5);

    /* Armed in the order 3, 1, 4, 0, 2, all at 50; re-arming 1 moves it to
     * the back of its tie group (it is armed later than the others). */
    int order[] = { 3, 1, 4, 0, 2 };
    for (int i = 0; i < 5; i++) {
        et_timer_mod(t[order[i]].timer, 50);
    }
    et_timer_mod(t[1].timer, 50);
    et_clock_step(r.clock, 50);
    int expect[] = { 3, 4, 0, 2, 1 };
    assert_int_equal(r.n, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(r.log[i].id, expect[i]);
        assert_int_equal(r.log[i].at, 50);
    }
    free_timers(t, 5);
    et_clock_free(r.clock);
}

static void test_past_deadline_fires_once_on_next_run(void **state)
{
    (void)state;
    recorder r = { .clock = et_clock_new_manual() };
    rec_timer t[2];
    make_timers(&r, t, 2);

    et_clock_step(r.clock, 1000);
    et_timer_mod(t[0].timer, 400);  /* in the past */
    et_timer_mod(t[1].timer, -5);   /* negative: counts as 0 */
    assert_int_equal(et_timer_expire_time(t[1].timer), 0);
    assert_int_equal(r.n, 0);       /* nothing runs until asked */

    assert_int_equal(et_clock_run_expired(r.clock), 2);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.log[0].id, 1); /* deadline 0 before 400 */
    assert_int_equal(r.log[0].at, 0);
    assert_int_equal(r.log[1].id, 0);
    assert_int_equal(r.log[1].at, 400);
    /* The clock did not go backwards outside the callbacks. */
    assert_int_equal(et_clock_now(r.clock), 1000);
    assert_int_equal(et_clock_run_expired(r.clock), 0);
    free_timers(t, 2);
    et_clock_free(r.clock);
}

static void test_timers_armed_inside_the_window_fire_in_the_same_step(void **state)
{
    (void)state;
    recorder r = { .clock = et_clock_new_manual() };
    rec_timer t[3];
    make_timers(&r, t, 3);

    /* 0 fires at 100 and arms 1 at 100+50 = 150, inside the window; 2 is at
     * 120 and must come between them; 1's re-arm at 150+500 is outside. */
    t[0].rearm = t[1].timer;
    t[0].rearm_delta = 50;
    t[1].repeat = 1;
    t[1].rearm_delta = 500;
    et_timer_mod(t[0].timer, 100);
    et_timer_mod(t[2].timer, 120);

    et_clock_step(r.clock, 200);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.log[0].id, 0);
    assert_int_equal(r.log[0].at, 100);
    assert_int_equal(r.log[1].id, 2);
    assert_int_equal(r.log[1].at, 120);
    assert_int_equal(r.log[2].id, 1);
    assert_int_equal(r.log[2].at, 150);
    assert_int_equal(et_timer_expire_time(t[1].timer), 650);
    assert_int_equal(et_clock_now(r.clock), 200);
    free_timers(t, 3);
    et_clock_free(r.clock);
}

static void test_periodic_rearm_from_callback_has_no_drift(void **state)
{
    (void)state;
    recorder r = { .clock = et_clock_new_manual() };
    rec_timer t[1];
    make_timers(&r, t, 1);

    /* Re-armed from the callback's clock reading, which is its deadline, so
     * the n-th firing is at exactly 7 + 13 n, whatever the step sizes. */
    t[0].repeat = 40;
    t[0].rearm_delta = 13;
    et_timer_mod(t[0].timer, 7);
    et_clock_step(r.clock, 3);
    et_clock_step(r.clock, 100);
    et_clock_step(r.clock, 1000);
    assert_int_equal(r.n, 41);
    for (int i = 0; i < r.n; i++) {
        assert_int_equal(r.log[i].at, 7 + 13 * i);
    }
    free_timers(t, 1);
    et_clock_free(r.clock);
}

static void test_cancel_from_callback(void **state)
{
    (void)state;
    recorder r = { .clock = et_clock_new_manual() };
    rec_timer t[3];
    make_timers(&r, t, 3);

    t[0].cancel = t[1].timer; /* cancels a timer due later in the window */
    t[2].cancel = t[2].timer; /* cancels itself: a no-op after firing */
    et_timer_mod(t[0].timer, 10);
    et_timer_mod(t[1].timer, 20);
    et_timer_mod(t[2].timer, 30);
    et_clock_step(r.clock, 100);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.log[0].id, 0);
    assert_int_equal(r.log[1].id, 2);
    free_timers(t, 3);
    et_clock_free(r.clock);
}

static void test_step_next_and_set(void **state)
{
    (void)state;
    recorder r = { .clock = et_clock_new_manual() };
    rec_timer t[2];
    make_timers(&r, t, 2);

    assert_false(et_clock_step_next(r.clock)); /* nothing armed: no move */
    assert_int_equal(et_clock_now(r.clock), 0);

    et_timer_mod(t[0].timer, 500);
    et_timer_mod(t[1].timer, 500);
    assert_true(et_clock_step_next(r.clock));
    assert_int_equal(et_clock_now(r.clock), 500);
    assert_int_equal(r.n, 2);

    et_timer_mod(t[0].timer, 800);
    et_clock_set(r.clock, 700);
    assert_int_equal(r.n, 2);
    assert_int_equal(et_clock_now(r.clock), 700);
    et_clock_set(r.clock, 100); /* the past: no-op */
    assert_int_equal(et_clock_now(r.clock), 700);
    et_clock_set(r.clock, 900);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.log[2].at, 800);
    free_timers(t, 2);
    et_clock_free(r.clock);
}

static void test_step_saturates_at_int64_max(void **state)
{
    (void)state;
    recorder r = { .clock = et_clock_new_manual() };
    rec_timer t[1];
    make_timers(&r, t, 1);
    et_timer_mod(t[0].timer, INT64_MAX - 1);
    et_clock_step(r.clock, 10);
    et_clock_step(r.clock, INT64_MAX); /* would overflow: clamps */
    assert_int_equal(et_clock_now(r.clock), INT64_MAX);
    assert_int_equal(r.n, 1);
    free_timers(t, 1);
    et_clock_free(r.clock);
}

/* --- notification of an earlier head deadline ---------------------------- */

static int notified;

static void count_notify(void *opaque)
{
    (void)opaque;
    notified++;
}

static void test_notify_when_head_moves_earlier(void **state)
{
    (void)state;
    recorder r = { .clock = et_clock_new_manual() };
    rec_timer t[2];
    make_timers(&r, t, 2);
    notified = 0;
    et_clock_set_notify(r.clock, count_notify, NULL);

    et_timer_mod(t[0].timer, 1000); /* new head */
    assert_int_equal(notified, 1);
    et_timer_mod(t[1].timer, 2000); /* behind the head */
    assert_int_equal(notified, 1);
    et_timer_mod(t[1].timer, 500);  /* earlier head */
    assert_int_equal(notified, 2);
    et_timer_mod(t[1].timer, 3000); /* head moves later: nobody must wake */
    assert_int_equal(notified, 2);
    et_clock_set_notify(r.clock, NULL, NULL);
    free_timers(t, 2);
    et_clock_free(r.clock);
}

/* --- synchronous cancel from another thread ------------------------------ */

typedef struct slow_cb {
    et_clock *clock;
    int entered;   /* atomic */
    int finished;  /* atomic */
    int runs;      /* atomic */
} slow_cb;

static void slow_callback(void *opaque)
{
    slow_cb *s = opaque;
    __atomic_add_fetch(&s->runs, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&s->entered, 1, __ATOMIC_SEQ_CST);
    usleep(50000);
    __atomic_store_n(&s->finished, 1, __ATOMIC_SEQ_CST);
}

static void *stepper(void *arg)
{
    et_clock_step(((slow_cb *)arg)->clock, 100);
    return NULL;
}

static void test_cancel_waits_for_running_callback(void **state)
{
    (void)state;
    slow_cb s = { .clock = et_clock_new_manual() };
    et_timer *t = et_timer_new(s.clock, slow_callback, &s);
    et_timer_mod(t, 10);

    pthread_t th;
    pthread_create(&th, NULL, stepper, &s);
    while (!__atomic_load_n(&s.entered, __ATOMIC_SEQ_CST)) {
        usleep(100);
    }
    et_timer_del(t);
    /* Cancel returned: the callback must have finished. */
    assert_int_equal(__atomic_load_n(&s.finished, __ATOMIC_SEQ_CST), 1);
    pthread_join(th, NULL);
    assert_int_equal(s.runs, 1);
    et_timer_free(t);
    et_clock_free(s.clock);
}

/* A timer bound to a lock: cancelling it while holding that lock never waits,
 * and a firing that was already on its way is dropped. */
static et_lock_class test_dev_class = ET_LOCK_CLASS_INIT("test-device");

typedef struct bound_cb {
    et_lock *lock;
    int runs;
    int ran_with_lock;
} bound_cb;

static void bound_callback(void *opaque)
{
    bound_cb *b = opaque;
    b->runs++;
    b->ran_with_lock += et_lock_held_by_me(b->lock);
}

typedef struct step_arg {
    et_clock *clock;
    int done; /* atomic */
} step_arg;

static void *step_thread(void *arg)
{
    step_arg *a = arg;
    et_clock_step(a->clock, 100);
    __atomic_store_n(&a->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void test_bound_timer_cancel_under_lock_drops_firing(void **state)
{
    (void)state;
    et_lock lock;
    et_lock_init(&lock, &test_dev_class);
    bound_cb b = { .lock = &lock };
    step_arg a = { .clock = et_clock_new_manual() };
    et_timer *t = et_timer_new(a.clock, bound_callback, &b);
    et_timer_set_lock(t, &lock);

    /* Firing with nobody else around: the callback holds the lock. */
    et_timer_mod(t, 10);
    et_clock_step(a.clock, 10);
    assert_int_equal(b.runs, 1);
    assert_int_equal(b.ran_with_lock, 1);

    /* Now hold the lock, let another thread pop the timer and block on the
     * lock, then cancel: no wait, and the callback never runs. */
    et_timer_mod(t, 50);
    et_lock_acquire(&lock);
    pthread_t th;
    pthread_create(&th, NULL, step_thread, &a);
    while (et_clock_now(a.clock) < 50) { /* the stepper reached the deadline */
        usleep(100);
    }
    usleep(2000);
    et_timer_del(t);
    assert_false(et_timer_pending(t));
    et_lock_release(&lock);
    pthread_join(th, NULL);
    assert_int_equal(b.runs, 1);
    assert_int_equal(et_clock_now(a.clock), 110);

    /* Catch-up: holding the lock, a due timer popped by another thread is run
     * here, once. */
    et_timer_mod(t, 150);
    et_lock_acquire(&lock);
    a.done = 0;
    pthread_create(&th, NULL, step_thread, &a);
    while (et_clock_now(a.clock) < 150) {
        usleep(100);
    }
    assert_true(et_timer_run_if_due(t, et_clock_now(a.clock)));
    assert_false(et_timer_run_if_due(t, et_clock_now(a.clock)));
    assert_int_equal(b.runs, 2);
    et_lock_release(&lock);
    pthread_join(th, NULL);
    assert_int_equal(b.runs, 2);
    assert_int_equal(b.ran_with_lock, 2);

    et_timer_free(t);
    et_clock_free(a.clock);
    et_lock_destroy(&lock);
}

/* --- a million timers ---------------------------------------------------- */

typedef struct order_check {
    et_clock *clock;
    int64_t last;
    long count;
    long out_of_order;
} order_check;

static void order_cb(void *opaque)
{
    order_check *o = opaque;
    int64_t now = et_clock_now(o->clock);
    if (now < o->last) {
        o->out_of_order++;
    }
    o->last = now;
    o->count++;
}

static void test_million_timers(void **state)
{
    (void)state;
    enum { N = 1000000 };
    order_check o = { .clock = et_clock_new_manual() };
    et_timer **t = malloc(sizeof(*t) * N);
    uint64_t x = 88172645463325252ull; /* xorshift64 */
    for (int i = 0; i < N; i++) {
        t[i] = et_timer_new(o.clock, order_cb, &o);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        et_timer_mod(t[i], (int64_t)(x % 1000000000) + 1);
    }
    /* Cancel every third, then re-arm every fifth to a new deadline (which
     * re-arms some of the cancelled ones too). */
    long pending = N;
    for (int i = 0; i < N; i += 3) {
        et_timer_del(t[i]);
        pending--;
    }
    for (int i = 1; i < N; i += 5) {
        pending += i % 3 == 0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        et_timer_mod(t[i], (int64_t)(x % 1000000000) + 1);
    }
    et_clock_step(o.clock, 1000000000);
    assert_int_equal(o.count, pending);
    assert_int_equal(o.out_of_order, 0);
    assert_int_equal(et_clock_deadline(o.clock), ET_NO_DEADLINE);
    for (int i = 0; i < N; i++) {
        et_timer_free(t[i]);
    }
    free(t);
    et_clock_free(o.clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_fires_in_deadline_order_at_deadline),
        cmocka_unit_test(test_equal_deadlines_fire_fifo),
        cmocka_unit_test(test_past_deadline_fires_once_on_next_run),
        cmocka_unit_test(test_timers_armed_inside_the_window_fire_in_the_same_step),
        cmocka_unit_test(test_periodic_rearm_from_callback_has_no_drift),
        cmocka_unit_test(test_cancel_from_callback),
        cmocka_unit_test(test_step_next_and_set),
        cmocka_unit_test(test_step_saturates_at_int64_max),
        cmocka_unit_test(test_notify_when_head_moves_earlier),
        cmocka_unit_test(test_cancel_waits_for_running_callback),
        cmocka_unit_test(test_bound_timer_cancel_under_lock_drops_firing),
        cmocka_unit_test(test_million_timers),
    };
    return cmocka_run_group_tests_name("timer_queue", tests, NULL, NULL);
}
