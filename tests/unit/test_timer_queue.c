/* Timer queue and manual-clock stepping: ordering, FIFO ties, past deadlines,
 * re-arm and cancel from callbacks, synchronous cancel, large populations,
 * the wheel's cascades and index boundaries, and a randomized model check
 * against a plain reference queue. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "core/clock_internal.h"
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

/* ---- the near heap / far wheel split (src/core/timer_queue.h) ---------- */

/* A queue of up to 64 timers stays a plain heap; ballast timers (which
 * count their firings and nothing else) make it use the wheel. */
enum { BALLAST = 100 };

static void ballast_cb(void *opaque)
{
    (*(long *)opaque)++;
}

static void ballast_arm(et_clock *c, et_timer **b, long *count, int64_t from)
{
    for (int i = 0; i < BALLAST; i++) {
        b[i] = et_timer_new(c, ballast_cb, count);
        et_timer_mod(b[i], from + i * 1000);
    }
}

static void ballast_free(et_timer **b)
{
    for (int i = 0; i < BALLAST; i++) {
        et_timer_free(b[i]);
    }
}

/* A tie group whose members are armed while the wheel's base moves: the
 * first is armed when the deadline is far (a high wheel level), then the
 * clock steps so that slot cascades, then more join at lower levels or in
 * the heap. Arm order still decides. */
static void test_fifo_across_wheel_levels_and_cascades(void **state)
{
    (void)state;
    recorder r = { .clock = et_clock_new_manual() };
    rec_timer t[6];
    make_timers(&r, t, 6);
    const int64_t d = ((int64_t)1 << 40) + 12345;
    et_timer *ballast[BALLAST];
    long ballast_fired = 0;
    ballast_arm(r.clock, ballast, &ballast_fired, (int64_t)1 << 50);

    et_timer_mod(t[5].timer, 1);
    assert_true(r.clock->queue.far.live >= BALLAST - 1); /* the wheel is in use */
    et_timer_mod(t[2].timer, d);
    et_timer_mod(t[4].timer, d - 7); /* another slot on the way down */
    et_clock_step(r.clock, 1);       /* fires 5, cascades towards d - 7 */
    et_timer_mod(t[0].timer, d);
    et_clock_step(r.clock, d - 7 - 1); /* fires 4 at d - 7: base is near d */
    et_timer_mod(t[3].timer, d);
    et_timer_mod(t[1].timer, d);
    et_timer_mod(t[0].timer, d); /* re-armed: now the last of the group */
    et_clock_step(r.clock, 7);
    int expect[] = { 5, 4, 2, 3, 1, 0 };
    int64_t at[] = { 1, d - 7, d, d, d, d };
    assert_int_equal(r.n, 6);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(r.log[i].id, expect[i]);
        assert_int_equal(r.log[i].at, at[i]);
    }
    assert_int_equal(ballast_fired, 0);
    ballast_free(ballast);
    free_timers(t, 6);
    et_clock_free(r.clock);
}

/* Deadlines on both sides of every 6-bit digit boundary (a slot index that
 * wraps from 63 to 0 and carries into the next level), armed in an order
 * unrelated to theirs, fire in deadline order at their deadlines. */
static void test_wheel_digit_boundaries(void **state)
{
    (void)state;
    order_check o = { .clock = et_clock_new_manual() };
    enum { PER = 3, LEVELS = 10 };
    et_timer *t[LEVELS * PER];
    int n = LEVELS * PER;
    for (int i = 0; i < n; i++) {
        t[i] = et_timer_new(o.clock, order_cb, &o);
    }
    et_timer *ballast[BALLAST];
    long ballast_fired = 0;
    ballast_arm(o.clock, ballast, &ballast_fired, (int64_t)1 << 62);
    /* Even levels first, then odd, each from the top down and each group
     * backwards: 2^(6 level) + 1, then + 0, then - 1. */
    for (int pass = 0; pass < 2; pass++) {
        for (int level = LEVELS; level >= 1; level--) {
            if (level % 2 != pass) {
                continue;
            }
            int64_t edge = (int64_t)1 << (6 * level);
            for (int k = 1; k >= -1; k--) {
                et_timer_mod(t[(level - 1) * PER + k + 1], edge + k);
            }
        }
    }
    assert_int_equal(et_clock_deadline(o.clock), 63);
    assert_true(o.clock->queue.far.live > 0);
    et_clock_step(o.clock, (int64_t)1 << 61);
    assert_int_equal(o.count, LEVELS * PER);
    assert_int_equal(o.out_of_order, 0);
    assert_int_equal(o.last, ((int64_t)1 << 60) + 1);
    assert_int_equal(ballast_fired, 0);
    ballast_free(ballast);
    for (int i = 0; i < n; i++) {
        et_timer_free(t[i]);
    }
    et_clock_free(o.clock);
}

/* Deadline 0 (and negative, which counts as 0) and deadlines next to
 * INT64_MAX: the far end of the wheel's top level. */
static void test_deadlines_at_zero_and_far_future(void **state)
{
    (void)state;
    recorder r = { .clock = et_clock_new_manual() };
    rec_timer t[5];
    make_timers(&r, t, 5);
    et_timer *ballast[BALLAST];
    long ballast_fired = 0;
    ballast_arm(r.clock, ballast, &ballast_fired, (int64_t)1 << 62);
    et_timer_mod(t[0].timer, INT64_MAX - 1);
    et_timer_mod(t[1].timer, 0);
    et_timer_mod(t[2].timer, INT64_MAX);
    et_timer_mod(t[3].timer, -5);
    et_timer_mod(t[4].timer, INT64_MAX - 1);
    assert_int_equal(et_timer_expire_time(t[3].timer), 0);
    assert_int_equal(et_clock_deadline(r.clock), 0);
    assert_true(r.clock->queue.far.live > 0);
    et_clock_step(r.clock, 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.log[0].id, 1); /* armed before 3 at the same 0 */
    assert_int_equal(r.log[1].id, 3);
    assert_int_equal(et_clock_deadline(r.clock), (int64_t)1 << 62); /* ballast */
    et_clock_step(r.clock, INT64_MAX); /* saturates at INT64_MAX */
    assert_int_equal(r.n, 5);
    assert_int_equal(r.log[2].id, 0);
    assert_int_equal(r.log[3].id, 4);
    assert_int_equal(r.log[4].id, 2);
    assert_int_equal(r.log[4].at, INT64_MAX);
    assert_int_equal(ballast_fired, BALLAST);
    ballast_free(ballast);
    free_timers(t, 5);
    et_clock_free(r.clock);
}

/* Timers armed in descending order pile up before the wheel's base (in the
 * exact heap) until the queue moves its base down; order must not change. */
static void test_descending_arms_rebase_the_wheel(void **state)
{
    (void)state;
    enum { N = 5000 };
    order_check o = { .clock = et_clock_new_manual() };
    et_timer **t = malloc(sizeof(*t) * N);
    for (int i = 0; i < N; i++) {
        t[i] = et_timer_new(o.clock, order_cb, &o);
        et_timer_mod(t[i], (int64_t)(N - i) * 1000003);
    }
    assert_true(o.clock->queue.near.len < N / 2); /* most went to the wheel */
    assert_int_equal(et_clock_deadline(o.clock), 1000003);
    et_clock_step(o.clock, (int64_t)N * 1000003);
    assert_int_equal(o.count, N);
    assert_int_equal(o.out_of_order, 0);
    for (int i = 0; i < N; i++) {
        et_timer_free(t[i]);
    }
    free(t);
    et_clock_free(o.clock);
}

/* Re-arming a few timers far ahead a million times, without the clock
 * moving, leaves stale wheel entries behind; the sweep keeps them bounded
 * (at most three entries per live timer plus a constant: 2048 slack, 704
 * slots). */
static void test_stale_entries_stay_bounded(void **state)
{
    (void)state;
    order_check o = { .clock = et_clock_new_manual() };
    enum { N = 10 };
    et_timer *t[N];
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (int i = 0; i < N; i++) {
        t[i] = et_timer_new(o.clock, order_cb, &o);
    }
    size_t most = 0;
    for (int k = 0; k < 1000000; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        et_timer_mod(t[k % N], 1 + (int64_t)(x >> 24));
        size_t e = o.clock->queue.far.entries;
        most = e > most ? e : most;
    }
    assert_true(most <= 3 * N + 2048 + 704 + 1);
    assert_int_equal(et__queue_len(&o.clock->queue), N);
    et_clock_step(o.clock, (int64_t)1 << 40);
    assert_int_equal(o.count, N);
    assert_int_equal(o.out_of_order, 0);
    assert_int_equal(o.clock->queue.far.entries, 0);
    for (int i = 0; i < N; i++) {
        et_timer_free(t[i]);
    }
    et_clock_free(o.clock);
}

/* Timers freed while stale wheel entries still name them (re-armed, then
 * freed): the entries outlive them, and cascading, sweeping or clearing
 * them later must not read freed memory (the sanitizer builds check that;
 * here the firing order and counts are checked too). */
static void test_free_with_stale_wheel_entries(void **state)
{
    (void)state;
    order_check o = { .clock = et_clock_new_manual() };
    et_timer *ballast[BALLAST];
    long ballast_fired = 0;
    ballast_arm(o.clock, ballast, &ballast_fired, 1000000);
    enum { N = 50 };
    et_timer *t[N];
    for (int i = 0; i < N; i++) {
        t[i] = et_timer_new(o.clock, order_cb, &o);
        for (int k = 0; k < 5; k++) {
            et_timer_mod(t[i], 2000000 + (int64_t)(i * 7919 + k * 104729) % 500000);
        }
    }
    assert_true(o.clock->queue.far.entries >= 5 * N); /* stale ones too */
    for (int i = 0; i < N; i += 2) {
        et_timer_free(t[i]); /* cancelled and freed: its entries go stale */
    }
    et_clock_step(o.clock, 1500000); /* cascades past some of them */
    assert_int_equal(ballast_fired, BALLAST);
    et_clock_step(o.clock, 1000000);
    assert_int_equal(o.count, N / 2);
    assert_int_equal(o.out_of_order, 0);
    for (int i = 1; i < N; i += 2) {
        et_timer_mod(t[i], 5000000 + i); /* re-armed, then the clock goes */
        et_timer_mod(t[i], 6000000 + i);
    }
    for (int i = 1; i < N; i += 2) {
        et_timer_free(t[i]);
    }
    ballast_free(ballast);
    et_clock_free(o.clock);
}

/* ---- randomized model check ------------------------------------------- */

/* The reference: M timers, each armed or not with (deadline, arm seq); the
 * next to fire is the armed one with the least (deadline, seq), found by a
 * scan. Callbacks act on the model and the library alike: some re-arm
 * themselves (periodic), some cancel another timer, some re-arm another. */
enum { MODEL_TIMERS = 300, MODEL_LOG = 4096 };

typedef struct model {
    et_clock *clock;
    et_timer *timer[MODEL_TIMERS];
    bool armed[MODEL_TIMERS];
    int64_t deadline[MODEL_TIMERS];
    uint64_t seq[MODEL_TIMERS];
    uint64_t next_seq;
    int64_t now;
    /* What each timer's callback does: 0 nothing, 1 re-arm itself at now +
     * period, 2 cancel target, 3 re-arm target at now + period. */
    int action[MODEL_TIMERS];
    int target[MODEL_TIMERS];
    int64_t period[MODEL_TIMERS];
    int budget; /* callback actions left in this step (periodic ones would
                 * otherwise fire for ever in a long step) */
    int model_budget;
    int fired_id[MODEL_LOG];
    int64_t fired_at[MODEL_LOG];
    int n_fired;
    uint64_t rng;
} model;

typedef struct model_timer {
    model *m;
    int id;
} model_timer;

static uint64_t model_rand(model *m)
{
    uint64_t z = (m->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* now + period without overflow: timers near the end of time re-arm there. */
static int64_t sat_add(int64_t now, int64_t period)
{
    return period > INT64_MAX - now ? INT64_MAX : now + period;
}

static void model_arm(model *m, int id, int64_t deadline)
{
    m->armed[id] = true;
    m->deadline[id] = deadline < 0 ? 0 : deadline;
    m->seq[id] = m->next_seq++;
}

/* The library's callback: logs, then does the timer's action on both. */
static void model_cb(void *opaque)
{
    model_timer *mt = opaque;
    model *m = mt->m;
    int64_t now = et_clock_now(m->clock);
    if (m->n_fired < MODEL_LOG) {
        m->fired_id[m->n_fired] = mt->id;
        m->fired_at[m->n_fired] = now;
        m->n_fired++;
    }
    int id = mt->id;
    int tg = m->target[id];
    if (m->budget == 0) {
        return;
    }
    m->budget--;
    switch (m->action[id]) {
    case 1:
        et_timer_mod(m->timer[id], sat_add(now, m->period[id]));
        break;
    case 2:
        et_timer_del(m->timer[tg]);
        break;
    case 3:
        et_timer_mod(m->timer[tg], sat_add(now, m->period[id]));
        break;
    }
}

/* The reference's step to target: what the library must have logged. */
static int model_expect_step(model *m, int64_t target, int *ids, int64_t *ats, int room)
{
    int n = 0;
    for (;;) {
        int best = -1;
        for (int i = 0; i < MODEL_TIMERS; i++) {
            if (m->armed[i] && m->deadline[i] <= target &&
                (best < 0 || m->deadline[i] < m->deadline[best] ||
                 (m->deadline[i] == m->deadline[best] && m->seq[i] < m->seq[best]))) {
                best = i;
            }
        }
        if (best < 0) {
            break;
        }
        m->armed[best] = false;
        /* The callback runs at its deadline, even one in the past; the
         * clock itself never goes back. */
        int64_t now = m->deadline[best];
        m->now = now > m->now ? now : m->now;
        assert_true(n < room);
        ids[n] = best;
        ats[n] = now;
        n++;
        int tg = m->target[best];
        if (m->model_budget == 0) {
            continue;
        }
        m->model_budget--;
        switch (m->action[best]) {
        case 1:
            model_arm(m, best, sat_add(now, m->period[best]));
            break;
        case 2:
            m->armed[tg] = false;
            break;
        case 3:
            model_arm(m, tg, sat_add(now, m->period[best]));
            break;
        }
    }
    if (target > m->now) {
        m->now = target;
    }
    return n;
}

/* A deadline from a mix that exercises every part of the queue: the past,
 * now, near ties, each wheel level, and the far end next to INT64_MAX. */
static int64_t model_deadline(model *m)
{
    uint64_t r = model_rand(m);
    switch (r % 8) {
    case 0:
        return m->now - (int64_t)(r >> 40); /* the past (or negative) */
    case 1:
        return sat_add(m->now, (int64_t)(r >> 61)); /* now .. now + 7: ties */
    case 2:
        return sat_add(m->now, (int64_t)(r >> 52)); /* within 4096 */
    case 3:
        return INT64_MAX - (int64_t)(r >> 58); /* the far end */
    default: {
        unsigned bits = (unsigned)(r >> 58) % 46; /* any level up to 2^46 */
        return sat_add(m->now, (int64_t)((model_rand(m) >> 1) & (((uint64_t)1 << bits) - 1)));
    }
    }
}

static void test_randomized_model_check(void **state)
{
    (void)state;
    model *m = calloc(1, sizeof(*m));
    model_timer mt[MODEL_TIMERS];
    m->clock = et_clock_new_manual();
    m->rng = 20261202; /* fixed seed: a failure reproduces */
    for (int i = 0; i < MODEL_TIMERS; i++) {
        mt[i] = (model_timer){ m, i };
        m->timer[i] = et_timer_new(m->clock, model_cb, &mt[i]);
        uint64_t r = model_rand(m);
        m->action[i] = (int)(r % 6) < 3 ? (int)(r % 6) : 0;
        m->target[i] = (int)((r >> 8) % MODEL_TIMERS);
        m->period[i] = 1 + (int64_t)((r >> 16) % 5000);
    }
    static int ids[MODEL_LOG];
    static int64_t ats[MODEL_LOG];
    long wheel_used = 0; /* steps taken with timers in the wheel */
    for (int op = 0; op < 200000; op++) {
        uint64_t r = model_rand(m);
        int id = (int)((r >> 8) % MODEL_TIMERS);
        switch (r % 16) {
        case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8: {
            int64_t d = model_deadline(m);
            et_timer_mod(m->timer[id], d);
            model_arm(m, id, d);
            break;
        }
        case 9:
            et_timer_del(m->timer[id]);
            m->armed[id] = false;
            break;
        default: {
            /* Steps: mostly short, some across many slots, rarely huge. */
            bool huge = r % 16 == 15 && (r >> 20) % 32 == 0;
            int64_t step = (int64_t)(model_rand(m) >> (huge ? 2 : 40 + (r >> 60)));
            int64_t target = step > INT64_MAX - m->now ? INT64_MAX : m->now + step;
            m->n_fired = 0;
            m->budget = m->model_budget = 64;
            wheel_used += m->clock->queue.far.live > 0;
            et_clock_step(m->clock, step);
            int n = model_expect_step(m, target, ids, ats, MODEL_LOG);
            assert_int_equal(m->n_fired, n);
            for (int i = 0; i < n; i++) {
                assert_int_equal(m->fired_id[i], ids[i]);
                assert_int_equal(m->fired_at[i], ats[i]);
            }
            assert_int_equal(et_clock_now(m->clock), m->now);
            break;
        }
        }
        /* Every operation: the next deadline and each timer's state. */
        int64_t next = ET_NO_DEADLINE;
        for (int i = 0; i < MODEL_TIMERS; i++) {
            if (m->armed[i] && m->deadline[i] < next) {
                next = m->deadline[i];
            }
        }
        assert_int_equal(et_clock_deadline(m->clock), next);
        assert_int_equal(et_timer_pending(m->timer[id]), m->armed[id]);
        assert_int_equal(et_timer_expire_time(m->timer[id]),
                         m->armed[id] ? m->deadline[id] : -1);
        if (m->now == INT64_MAX) {
            /* Nothing can fire after the end of time: start a new clock's
             * worth by re-basing both (a snapshot load does the same). */
            et_clock_rebase(m->clock, 0);
            m->now = 0;
        }
    }
    printf("model check: %ld of its steps ran with timers in the wheel\n", wheel_used);
    assert_true(wheel_used > 1000);
    for (int i = 0; i < MODEL_TIMERS; i++) {
        et_timer_free(m->timer[i]);
    }
    et_clock_free(m->clock);
    free(m);
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
        cmocka_unit_test(test_fifo_across_wheel_levels_and_cascades),
        cmocka_unit_test(test_wheel_digit_boundaries),
        cmocka_unit_test(test_deadlines_at_zero_and_far_future),
        cmocka_unit_test(test_descending_arms_rebase_the_wheel),
        cmocka_unit_test(test_stale_entries_stay_bounded),
        cmocka_unit_test(test_free_with_stale_wheel_entries),
        cmocka_unit_test(test_randomized_model_check),
    };
    return cmocka_run_group_tests_name("timer_queue", tests, NULL, NULL);
}
