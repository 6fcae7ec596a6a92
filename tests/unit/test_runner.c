/* The real-time runner (runner.h): fires on time and never early, wakes for an
 * earlier deadline, follows pause/resume/rebase, stops cleanly, counts.
 * Bounds are generous functional limits (seconds), never performance
 * assertions: the machine may be loaded and sanitizers slow. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/prctl.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emutime/emutime.h"

#define US 1000LL
#define MS 1000000LL
#define SEC 1000000000LL
#define BOUND (2 * SEC) /* "soon": far more than any sane scheduling delay */

static void sleep_ns(int64_t ns)
{
    struct timespec ts = { (time_t)(ns / SEC), (long)(ns % SEC) };
    nanosleep(&ts, NULL);
}

/* A timer that records its firings. Fields written by the runner thread
 * and read by the test are atomics. */
typedef struct probe {
    et_clock *clock;
    et_timer *timer;
    int64_t period;     /* > 0: re-arm at deadline + period */
    long count;         /* atomic */
    int64_t seen_now;   /* atomic: et_clock_now() in the last callback */
    long slack;         /* atomic: the firing thread's timer slack (ns) */
    int64_t host_at;    /* atomic: host time of the last callback */
} probe;

static void probe_cb(void *opaque)
{
    probe *p = opaque;
    int64_t now = et_clock_now(p->clock);
    __atomic_store_n(&p->seen_now, now, __ATOMIC_RELAXED);
    __atomic_store_n(&p->host_at, et_host_monotonic_ns(), __ATOMIC_RELAXED);
    __atomic_store_n(&p->slack, (long)prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), __ATOMIC_RELAXED);
    if (p->period > 0) {
        et_timer_mod(p->timer, now + p->period);
    }
    __atomic_add_fetch(&p->count, 1, __ATOMIC_RELEASE);
}

static void probe_init(probe *p, et_clock *clock, int64_t period)
{
    memset(p, 0, sizeof(*p));
    p->clock = clock;
    p->period = period;
    p->timer = et_timer_new(clock, probe_cb, p);
}

static long probe_count(probe *p)
{
    return __atomic_load_n(&p->count, __ATOMIC_ACQUIRE);
}

/* Waits until the probe has fired at least n times; false after `bound`. */
static bool wait_count(probe *p, long n, int64_t bound)
{
    int64_t end = et_host_monotonic_ns() + bound;
    while (probe_count(p) < n) {
        if (et_host_monotonic_ns() > end) {
            return false;
        }
        sleep_ns(100 * US);
    }
    return true;
}

/* Waits until the runner's count has caught up with the probe's (the runner
 * adds a pass's firings when the pass ends). */
static bool wait_fired(et_runner *r, probe *p, int64_t bound)
{
    int64_t end = et_host_monotonic_ns() + bound;
    while ((long)et_runner_fired(r) < probe_count(p)) {
        if (et_host_monotonic_ns() > end) {
            return false;
        }
        sleep_ns(100 * US);
    }
    return true;
}

static void test_fires_timer_armed_1ms_ahead(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    et_runner *r = et_runner_start(clock, NULL, 0);
    assert_non_null(r);
    probe p;
    probe_init(&p, clock, 0);

    int64_t h0 = et_host_monotonic_ns();
    int64_t deadline = et_clock_now(clock) + MS;
    et_timer_mod(p.timer, deadline);
    assert_true(wait_count(&p, 1, BOUND));

    /* The callback runs at its own deadline, and never before it: the
     * clock reads host time plus a fixed offset, so the deadline was 1 ms
     * of host time after h0 at the earliest. */
    assert_int_equal(__atomic_load_n(&p.seen_now, __ATOMIC_RELAXED), deadline);
    assert_true(__atomic_load_n(&p.host_at, __ATOMIC_RELAXED) - h0 >= MS);
    assert_false(et_timer_pending(p.timer));
    assert_true(wait_fired(r, &p, BOUND));
    assert_int_equal(et_runner_fired(r), 1);
    /* The runner's thread asked for the smallest timer slack (1 ns), not
     * the 50 us a thread gets by default. */
    assert_int_equal(__atomic_load_n(&p.slack, __ATOMIC_RELAXED), 1);

    et_runner_stop(r);
    et_timer_free(p.timer);
    et_clock_free(clock);
}

static void test_earlier_deadline_wakes_sleeping_runner(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    et_runner *r = et_runner_start(clock, NULL, 0);
    probe far, near;
    probe_init(&far, clock, 0);
    probe_init(&near, clock, 0);

    et_timer_mod(far.timer, et_clock_now(clock) + 10 * SEC);
    sleep_ns(20 * MS); /* the runner is now asleep until the far deadline */
    int64_t h0 = et_host_monotonic_ns();
    et_timer_mod(near.timer, et_clock_now(clock) + MS);
    /* Without a wake-up the runner would sleep 10 s. */
    assert_true(wait_count(&near, 1, BOUND));
    assert_true(__atomic_load_n(&near.host_at, __ATOMIC_RELAXED) - h0 < BOUND);
    assert_int_equal(probe_count(&far), 0);
    assert_true(et_timer_pending(far.timer));

    et_runner_stop(r); /* with the far timer still armed */
    et_timer_free(far.timer);
    et_timer_free(near.timer);
    et_clock_free(clock);
}

static void test_pause_stops_firing_and_resume_continues(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    et_runner *r = et_runner_start(clock, NULL, 0);
    probe p;
    probe_init(&p, clock, MS);
    et_timer_mod(p.timer, et_clock_now(clock) + MS);
    assert_true(wait_count(&p, 3, BOUND));

    et_clock_pause(clock);
    /* A pass that read the time before the pause may still finish its
     * callbacks; after that, nothing fires. */
    sleep_ns(10 * MS);
    long paused_count = probe_count(&p);
    int64_t frozen = et_clock_now(clock);
    assert_int_equal(et_clock_deadline(clock), ET_NO_DEADLINE);
    sleep_ns(30 * MS);
    assert_int_equal(probe_count(&p), paused_count);
    assert_int_equal(et_clock_now(clock), frozen);
    assert_true(et_timer_pending(p.timer));

    et_clock_resume(clock);
    assert_true(wait_count(&p, paused_count + 3, BOUND));
    /* Virtual time went on from where it stopped: the callbacks after the
     * resume ran at deadlines a period apart, not at a jump. */
    assert_true(__atomic_load_n(&p.seen_now, __ATOMIC_RELAXED) > frozen);

    et_runner_stop(r);
    et_timer_free(p.timer);
    et_clock_free(clock);
}

static void test_rebase_wakes_runner(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    et_runner *r = et_runner_start(clock, NULL, 0);
    probe p;
    probe_init(&p, clock, 0);
    int64_t deadline = et_clock_now(clock) + 10 * SEC;
    et_timer_mod(p.timer, deadline);
    sleep_ns(10 * MS);

    /* Jumping virtual time past the deadline (a snapshot restore) makes it
     * due at once. */
    et_clock_rebase(clock, deadline + SEC);
    assert_true(wait_count(&p, 1, BOUND));
    assert_int_equal(__atomic_load_n(&p.seen_now, __ATOMIC_RELAXED), deadline);
    assert_true(et_clock_now(clock) >= deadline + SEC);

    et_runner_stop(r);
    et_timer_free(p.timer);
    et_clock_free(clock);
}

static void test_stop_with_timers_armed_is_clean(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    et_runner *r = et_runner_start(clock, NULL, 0);
    probe periodic, soon, far;
    probe_init(&periodic, clock, 200 * US);
    probe_init(&soon, clock, 0);
    probe_init(&far, clock, 0);
    et_timer_mod(periodic.timer, et_clock_now(clock) + 200 * US);
    et_timer_mod(far.timer, et_clock_now(clock) + 60 * SEC);
    assert_true(wait_count(&periodic, 2, BOUND));

    et_runner_stop(r);
    /* Stopped means stopped: nothing fires any more. */
    long count = probe_count(&periodic);
    et_timer_mod(soon.timer, et_clock_now(clock) + MS);
    sleep_ns(20 * MS);
    assert_int_equal(probe_count(&periodic), count);
    assert_int_equal(probe_count(&soon), 0);
    assert_true(et_timer_pending(periodic.timer));
    assert_true(et_timer_pending(soon.timer));

    /* The embedder can drive the clock itself from now on: one pass runs
     * the due timer and catches the periodic one up to the present (its
     * re-arms land in the past until they reach the time the pass read). */
    int64_t before = et_clock_now(clock);
    unsigned ran = et_clock_run_expired(clock);
    assert_int_equal(probe_count(&soon), 1);
    assert_true(probe_count(&periodic) > count);
    assert_int_equal((long)ran, 1 + (probe_count(&periodic) - count));
    assert_true(et_timer_expire_time(periodic.timer) > before);
    assert_int_equal(probe_count(&far), 0);

    /* And a new runner takes over. */
    r = et_runner_start(clock, NULL, 0);
    assert_true(wait_count(&periodic, count + 3, BOUND));
    et_runner_stop(r);

    et_timer_free(periodic.timer);
    et_timer_free(soon.timer);
    et_timer_free(far.timer);
    et_clock_free(clock);
}

static void test_periodic_rearm_fires_many_times(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    et_runner *r = et_runner_start(clock, NULL, 0);
    probe p;
    probe_init(&p, clock, 200 * US);
    int64_t start = et_clock_now(clock) + 200 * US;
    et_timer_mod(p.timer, start);
    assert_true(wait_count(&p, 100, 10 * SEC));

    /* Paused, the runner finishes its pass and fires nothing more. Only the
     * runner fired, so its count is the callbacks' count, and they ran
     * exactly a period apart in virtual time (re-armed from their own
     * deadline: no drift however late the thread woke). */
    et_clock_pause(clock);
    assert_true(wait_fired(r, &p, BOUND));
    long n = probe_count(&p);
    assert_int_equal(et_runner_fired(r), n);
    assert_int_equal(__atomic_load_n(&p.seen_now, __ATOMIC_RELAXED),
                     start + (n - 1) * 200 * US);
    et_runner_stop(r);
    et_timer_free(p.timer);
    et_clock_free(clock);
}

static void test_runner_fired_counts_callbacks(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    et_runner *r = et_runner_start(clock, NULL, 0);
    assert_int_equal(et_runner_fired(r), 0);
    enum { N = 10 };
    probe p[N];
    int64_t now = et_clock_now(clock);
    for (int i = 0; i < N; i++) {
        probe_init(&p[i], clock, 0);
        et_timer_mod(p[i].timer, now + (i + 1) * MS);
    }
    for (int i = 0; i < N; i++) {
        assert_true(wait_count(&p[i], 1, BOUND));
    }
    assert_true(wait_fired(r, &p[N - 1], BOUND)); /* at least 1 ... */
    int64_t end = et_host_monotonic_ns() + BOUND;
    while (et_runner_fired(r) < N && et_host_monotonic_ns() < end) {
        sleep_ns(100 * US); /* ... and then all N */
    }
    assert_int_equal(et_runner_fired(r), N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(probe_count(&p[i]), 1);
        assert_int_equal(__atomic_load_n(&p[i].seen_now, __ATOMIC_RELAXED), now + (i + 1) * MS);
    }
    et_runner_stop(r);
    for (int i = 0; i < N; i++) {
        et_timer_free(p[i].timer);
    }
    et_clock_free(clock);
}


#if ET_USAGE_CHECKS /* used only by the usage-check tests */
static int usage_errors;
static void count_usage_error(const char *message, void *opaque)
{
    (void)message;
    (void)opaque;
    usage_errors++;
}
#endif

static void test_manual_clock_is_refused(void **state)
{
    (void)state;
#if !ET_USAGE_CHECKS
    skip();
#else
    et_clock *clock = et_clock_new_manual();
    et_set_usage_error_handler(count_usage_error, NULL);
    usage_errors = 0;
    assert_null(et_runner_start(clock, NULL, 0));
    et_set_usage_error_handler(NULL, NULL);
    assert_int_equal(usage_errors, 1);
    et_runner_stop(NULL); /* a no-op */
    et_clock_free(clock);
#endif
}

/* Starting and stopping runners while other threads arm timers (each arming
 * of an earlier head deadline calls the runner's notifier) and pause and
 * resume the clock: a runner must never be woken after it is freed.
 * ASan or TSan see it if it is. */
typedef struct churn {
    et_clock *clock;
    et_timer *timer;
    bool stop; /* atomic */
} churn;

static void never_cb(void *opaque)
{
    (void)opaque;
}

static void *churn_arm(void *arg)
{
    churn *c = arg;
    while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
        int64_t now = et_clock_now(c->clock);
        et_timer_mod(c->timer, now + 10 * SEC); /* later: no notification */
        et_timer_mod(c->timer, now + 5 * SEC);  /* earlier head: notifies */
    }
    return NULL;
}

static void *churn_pause(void *arg)
{
    churn *c = arg;
    while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
        et_clock_pause(c->clock);
        et_clock_resume(c->clock);
    }
    return NULL;
}

static void test_start_stop_while_others_notify(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    churn c[2];
    pthread_t threads[3];
    for (int i = 0; i < 2; i++) {
        c[i] = (churn){ clock, et_timer_new(clock, never_cb, NULL), false };
        assert_int_equal(pthread_create(&threads[i], NULL, churn_arm, &c[i]), 0);
    }
    assert_int_equal(pthread_create(&threads[2], NULL, churn_pause, &c[0]), 0);

    for (int i = 0; i < 200; i++) {
        et_runner *r = et_runner_start(clock, NULL, 0);
        assert_non_null(r);
        if (i & 1) {
            sleep_ns(50 * US);
        }
        et_runner_stop(r);
    }

    for (int i = 0; i < 2; i++) {
        __atomic_store_n(&c[i].stop, true, __ATOMIC_RELAXED);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(threads[i], NULL);
    }
    for (int i = 0; i < 2; i++) {
        et_timer_free(c[i].timer);
    }
    et_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fires_timer_armed_1ms_ahead),
        cmocka_unit_test(test_earlier_deadline_wakes_sleeping_runner),
        cmocka_unit_test(test_pause_stops_firing_and_resume_continues),
        cmocka_unit_test(test_rebase_wakes_runner),
        cmocka_unit_test(test_stop_with_timers_armed_is_clean),
        cmocka_unit_test(test_periodic_rearm_fires_many_times),
        cmocka_unit_test(test_runner_fired_counts_callbacks),
        cmocka_unit_test(test_manual_clock_is_refused),
        cmocka_unit_test(test_start_stop_while_others_notify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
