/* The concurrency suite: every registered device (tests/support/adapter_*.c)
 * is driven by real threads the way an emulator drives it, and checked for
 * deadlock (a watchdog bounds each round), data races (run under
 * ThreadSanitizer in CI), broken interrupt delivery, lock-order inversions
 * and the guest-visible invariant of QEMU bug 1777777 (a counter reload seen
 * without its interrupt status).
 *
 * Per device, three rounds:
 *  - real time: the runner fires the device's fast periodic timer; three vCPU
 *    threads do random accesses, some under an embedder "big lock" (QEMU's
 *    BQL), which the interrupt sink also takes; a checker thread observes; a
 *    "main loop" thread runs expired timers under the big lock, as QEMU runs
 *    timers under the BQL; the clock is paused and resumed now and then;
 *  - manual clock, threaded: the same, with two threads stepping the clock
 *    (one under the big lock) instead of the runner;
 *  - manual clock, deterministic: one thread, a seeded program of steps,
 *    accesses and observations, run twice: identical interrupt histories.
 *
 * Round length: EMUTIME_STRESS_MS (default 500 ms of real time per device
 * for the first round, half that for the second).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "device_adapter.h"
#include "emutime/emutime.h"

#define MS 1000000LL
#define US 1000LL
#define WATCHDOG_SECONDS 30
#define N_VCPU 3
#define MAX_LINES 64
#define MAX_THREADS 8

static int64_t round_ms(void)
{
    const char *s = getenv("EMUTIME_STRESS_MS");
    long v = s ? strtol(s, NULL, 10) : 0;
    return v > 0 ? v : 500;
}

static void sleep_ns(int64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
    nanosleep(&ts, NULL);
}

static uint64_t next_random(uint64_t *s)
{
    /* xorshift64* */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* --- the embedder's big lock ------------------------------------------------ */

static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER;
static et_lock_class big_lock_class = ET_LOCK_CLASS_INIT("embedder-big-lock");
static __thread bool big_lock_mine;

static void big_lock_take(void)
{
    pthread_mutex_lock(&big_lock);
    et_lockdep_acquired(&big_lock_class);
    big_lock_mine = true;
}

static void big_lock_drop(void)
{
    big_lock_mine = false;
    et_lockdep_released(&big_lock_class);
    pthread_mutex_unlock(&big_lock);
}

/* --- lock-order reports --------------------------------------------------- */

static pthread_mutex_t report_mutex = PTHREAD_MUTEX_INITIALIZER;
static int lockdep_reports;
static char lockdep_first[2048];

static void record_lockdep(const char *report, void *opaque)
{
    (void)opaque;
    pthread_mutex_lock(&report_mutex);
    if (lockdep_reports++ == 0) {
        snprintf(lockdep_first, sizeof(lockdep_first), "%s", report);
    }
    pthread_mutex_unlock(&report_mutex);
}

/* --- one round -------------------------------------------------------------- */

typedef struct progress {
    const char *name;
    const char *phase;     /* atomic: what the thread is doing */
    unsigned long iters;   /* atomic */
    bool done;             /* atomic */
} progress;

typedef struct stress_round {
    const et_test_adapter *ad;
    const char *kind;
    et_clock *clock;
    et_device *dev;
    et_runner *runner;
    bool stop; /* atomic */

    /* The sink's record, guarded by the big lock. */
    long irq_events;
    int last[MAX_LINES]; /* -1: not known yet */
    long bad_alternations;

    /* The checker's findings (read after it is joined). */
    long violations;
    char violation[256];

    progress prog[MAX_THREADS];
    int n_prog;

    pthread_mutex_t wd_mutex;
    pthread_cond_t wd_cond;
    bool finished;
} stress_round;

typedef struct worker {
    stress_round *r;
    progress *p;
    uint64_t seed;
} worker;

static void set_phase(progress *p, const char *phase)
{
    __atomic_store_n(&p->phase, phase, __ATOMIC_RELAXED);
}

static bool stopping(stress_round *r)
{
    return __atomic_load_n(&r->stop, __ATOMIC_RELAXED);
}

/* The interrupt controller: takes the big lock (unless this thread already
 * holds it, as QEMU's callers of qemu_set_irq hold the BQL) and records. */
static void stress_sink(void *opaque, int n, int level)
{
    stress_round *r = opaque;
    bool take = !big_lock_mine;
    if (take) {
        big_lock_take();
    }
    r->irq_events++;
    if (n >= 0 && n < MAX_LINES) {
        if (r->last[n] == level) {
            r->bad_alternations++;
        }
        r->last[n] = level;
    }
    if (take) {
        big_lock_drop();
    }
}

static void *vcpu_thread(void *arg)
{
    worker *w = arg;
    stress_round *r = w->r;
    while (!stopping(r)) {
        uint64_t rnd = next_random(&w->seed);
        bool big = (rnd & 3) == 0; /* a quarter of the accesses under the BQL */
        if (big) {
            set_phase(w->p, "taking the big lock");
            big_lock_take();
        }
        set_phase(w->p, big ? "random_access under the big lock" : "random_access");
        r->ad->random_access(r->dev, rnd >> 2);
        if (big) {
            big_lock_drop();
        }
        set_phase(w->p, "between accesses");
        __atomic_add_fetch(&w->p->iters, 1, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&w->p->done, true, __ATOMIC_RELAXED);
    return NULL;
}

static void *checker_thread(void *arg)
{
    worker *w = arg;
    stress_round *r = w->r;
    uint64_t state = 0;
    while (!stopping(r)) {
        uint64_t rnd = next_random(&w->seed);
        bool big = (rnd & 7) == 0;
        if (big) {
            set_phase(w->p, "taking the big lock");
            big_lock_take();
        }
        set_phase(w->p, "observe");
        char msg[256] = "";
        if (!r->ad->observe(r->dev, &state, msg, sizeof(msg))) {
            if (r->violations++ == 0) {
                snprintf(r->violation, sizeof(r->violation), "%s", msg);
            }
        }
        if (big) {
            big_lock_drop();
        }
        set_phase(w->p, "between observations");
        __atomic_add_fetch(&w->p->iters, 1, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&w->p->done, true, __ATOMIC_RELAXED);
    return NULL;
}

/* QEMU's main loop: runs expired timers with the BQL held, now and then.
 * On a manual clock it steps the clock instead. */
static void *main_loop_thread(void *arg)
{
    worker *w = arg;
    stress_round *r = w->r;
    bool manual = et_clock_is_manual(r->clock);
    while (!stopping(r)) {
        uint64_t rnd = next_random(&w->seed);
        set_phase(w->p, "sleeping");
        sleep_ns((int64_t)(rnd % 300) * US);
        set_phase(w->p, "taking the big lock");
        big_lock_take();
        if (manual) {
            set_phase(w->p, "et_clock_step under the big lock");
            et_clock_step(r->clock, (int64_t)((rnd >> 16) % 20000));
        } else {
            set_phase(w->p, "et_clock_run_expired under the big lock");
            et_clock_run_expired(r->clock);
        }
        big_lock_drop();
        __atomic_add_fetch(&w->p->iters, 1, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&w->p->done, true, __ATOMIC_RELAXED);
    return NULL;
}

/* Manual clocks: stands for the runner, stepping without the big lock. */
static void *stepper_thread(void *arg)
{
    worker *w = arg;
    stress_round *r = w->r;
    while (!stopping(r)) {
        uint64_t rnd = next_random(&w->seed);
        set_phase(w->p, "et_clock_step");
        et_clock_step(r->clock, (int64_t)(rnd % 20000));
        set_phase(w->p, "yielding");
        if ((rnd >> 20) % 4 == 0) {
            sleep_ns(20 * US);
        }
        __atomic_add_fetch(&w->p->iters, 1, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&w->p->done, true, __ATOMIC_RELAXED);
    return NULL;
}

static void *watchdog_thread(void *arg)
{
    stress_round *r = arg;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += WATCHDOG_SECONDS + round_ms() / 1000;
    pthread_mutex_lock(&r->wd_mutex);
    while (!r->finished) {
        if (pthread_cond_timedwait(&r->wd_cond, &r->wd_mutex, &ts) == ETIMEDOUT) {
            break;
        }
    }
    bool finished = r->finished;
    pthread_mutex_unlock(&r->wd_mutex);
    if (finished) {
        return NULL;
    }
    fprintf(stderr, "stress watchdog: the %s round of '%s' did not finish within %d s "
                    "(a deadlock?). Threads:\n",
            r->kind, r->ad->name, WATCHDOG_SECONDS);
    for (int i = 0; i < r->n_prog; i++) {
        progress *p = &r->prog[i];
        bool done = __atomic_load_n(&p->done, __ATOMIC_RELAXED);
        fprintf(stderr, "  %-12s %s  phase: %s  iterations: %lu\n", p->name,
                done ? "finished" : "STUCK   ", __atomic_load_n(&p->phase, __ATOMIC_RELAXED),
                __atomic_load_n(&p->iters, __ATOMIC_RELAXED));
    }
    if (r->runner) {
        fprintf(stderr, "  runner       fired %lu\n", et_runner_fired(r->runner));
    }
    fflush(stderr);
    abort();
}

typedef struct round_result {
    unsigned long accesses, observations, main_loop_runs, steps, fired;
    int64_t drain_ms; /* from the stop request to the last thread joined */
    unsigned pauses, long_pauses; /* VM stops; long ones for starved vCPUs */
    long irq_events;
} round_result;

/* Whether the round has shown what it asserts: every worker made
 * progress, some interrupt was delivered, the runner fired (real time; not
 * awaited for a device whose finest timer is a second, slow_timer). */
static bool round_progressed(stress_round *r, bool realtime)
{
    for (int i = 0; i < r->n_prog; i++) {
        if (__atomic_load_n(&r->prog[i].iters, __ATOMIC_RELAXED) == 0) {
            return false;
        }
    }
    if (realtime && !r->ad->slow_timer && et_runner_fired(r->runner) == 0) {
        return false;
    }
    big_lock_take(); /* the sink counts under it */
    bool delivered = r->irq_events > 0;
    big_lock_drop();
    return delivered;
}

static round_result run_round(const et_test_adapter *ad, bool realtime, int64_t duration_ms)
{
    stress_round *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->ad = ad;
    r->kind = realtime ? "real-time" : "manual-clock";
    pthread_mutex_init(&r->wd_mutex, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&r->wd_cond, &attr);
    pthread_condattr_destroy(&attr);
    for (int i = 0; i < MAX_LINES; i++) {
        r->last[i] = -1;
    }

    r->clock = realtime ? et_clock_new_realtime() : et_clock_new_manual();
    char err[256] = "";
    r->dev = ad->create(r->clock, true, stress_sink, r, err, sizeof(err));
    if (!r->dev) {
        fail_msg("%s: create failed: %s", ad->name, err);
    }
    /* Lines the sink has not heard of yet start at the device's level. */
    et_device_lock(r->dev);
    unsigned n_lines = et_device_irq_count(r->dev);
    for (unsigned i = 0; i < n_lines && i < MAX_LINES; i++) {
        if (r->last[i] < 0) {
            r->last[i] = et_irq_level(et_device_irq(r->dev, i));
        }
    }
    et_device_unlock(r->dev);


    pthread_t threads[MAX_THREADS];
    worker workers[MAX_THREADS];
    static const char *const vcpu_names[N_VCPU] = { "vcpu0", "vcpu1", "vcpu2" };
    void *(*fns[MAX_THREADS])(void *);
    int n = 0;
    for (int i = 0; i < N_VCPU; i++) {
        r->prog[n].name = vcpu_names[i];
        fns[n++] = vcpu_thread;
    }
    r->prog[n].name = "checker";
    fns[n++] = checker_thread;
    r->prog[n].name = "main-loop";
    fns[n++] = main_loop_thread;
    if (!realtime) {
        r->prog[n].name = "stepper";
        fns[n++] = stepper_thread;
    }
    r->n_prog = n;
    for (int i = 0; i < n; i++) {
        r->prog[i].phase = "starting";
    }
    /* The runner before the watchdog thread, which reads r->runner. */
    if (realtime) {
        r->runner = et_runner_start(r->clock, NULL, 0);
        assert_non_null(r->runner);
    }
    pthread_t watchdog;
    assert_int_equal(pthread_create(&watchdog, NULL, watchdog_thread, r), 0);
    for (int i = 0; i < n; i++) {
        workers[i] = (worker){ r, &r->prog[i], UINT64_C(0x9e3779b97f4a7c15) * (uint64_t)(i + 7) };
        assert_int_equal(pthread_create(&threads[i], NULL, fns[i], &workers[i]), 0);
    }

    round_result res = { 0 };
    /* The main thread stands for the monitor: it stops and continues the VM
     * every 10 ms. A device whose period is shorter than what the host needs
     * to process one expiry (a 4 us timer under ThreadSanitizer, where an
     * expiry costs about 5 us) piles up a backlog that starves the vCPUs in
     * catch-up; when they hardly progressed, the VM stays stopped longer so
     * that the backlog drains and the accesses still get exercised. */
    int64_t end = et_host_monotonic_ns() + duration_ms * MS;
    unsigned long seen = 0;
    int64_t long_pause = 40 * MS; /* doubles while the vCPUs stay starved */
    while (et_host_monotonic_ns() < end) {
        sleep_ns(10 * MS);
        if (!realtime) {
            continue;
        }
        if (et_host_monotonic_ns() >= end) {
            break;
        }
        unsigned long done = 0;
        for (int i = 0; i < N_VCPU; i++) {
            done += __atomic_load_n(&r->prog[i].iters, __ATOMIC_RELAXED);
        }
        bool starved = done - seen < 10 * N_VCPU;
        seen = done;
        et_clock_pause(r->clock);
        sleep_ns(starved ? long_pause : 2 * MS);
        et_clock_resume(r->clock);
        long_pause = starved && long_pause < 160 * MS ? 2 * long_pause : 40 * MS;
        res.pauses++;
        res.long_pauses += starved;
    }
    /* The round asserts that every thread made progress, that interrupts
     * were delivered and (real time) that the runner fired. On a loaded
     * machine a thread may not have run at all by the end, and the pauses
     * above (long ones while the vCPUs are starved) and the vCPUs' catch-up
     * taking over the expiries can leave the runner without a firing: then
     * the VM runs on, unpaused, until all of it happened (the watchdog
     * bounds this), so the outcome does not depend on the load. */
    while (!round_progressed(r, realtime)) {
        sleep_ns(1 * MS);
    }
    /* Freeze virtual time first: a device whose period is shorter than the
     * host needs to process an expiry (a 4 us timer under ThreadSanitizer)
     * piles up a backlog that every catch-up must work through; frozen, the
     * backlog is finite and the threads finish their last calls. */
    int64_t stop_at = et_host_monotonic_ns();
    if (realtime) {
        et_clock_pause(r->clock);
    }
    __atomic_store_n(&r->stop, true, __ATOMIC_RELAXED);
    for (int i = 0; i < n; i++) {
        pthread_join(threads[i], NULL);
    }
    res.drain_ms = (et_host_monotonic_ns() - stop_at) / MS;
    if (r->runner) {
        res.fired = et_runner_fired(r->runner);
        et_runner_stop(r->runner);
        r->runner = NULL;
    }
    pthread_mutex_lock(&r->wd_mutex);
    r->finished = true;
    pthread_cond_signal(&r->wd_cond);
    pthread_mutex_unlock(&r->wd_mutex);
    pthread_join(watchdog, NULL);

    for (int i = 0; i < N_VCPU; i++) {
        res.accesses += r->prog[i].iters;
        assert_true(r->prog[i].iters > 0);
    }
    res.observations = r->prog[N_VCPU].iters;
    res.main_loop_runs = r->prog[N_VCPU + 1].iters;
    res.steps = realtime ? 0 : r->prog[N_VCPU + 2].iters;
    assert_true(res.observations > 0);

    if (r->violations) {
        fail_msg("%s (%s): %ld invariant violations; first: %s", ad->name, r->kind,
                 r->violations, r->violation);
    }
    assert_int_equal(r->bad_alternations, 0);
    /* Every thread returned, so every change has been delivered: the last
     * level each line's sink saw is the device's level. */
    et_device_lock(r->dev);
    for (unsigned i = 0; i < n_lines && i < MAX_LINES; i++) {
        int level = et_irq_level(et_device_irq(r->dev, i));
        if (r->last[i] != level) {
            fail_msg("%s (%s): line %u ends at level %d but its sink last saw %d", ad->name,
                     r->kind, i, level, r->last[i]);
        }
    }
    et_device_unlock(r->dev);
    res.irq_events = r->irq_events;

    et_device_free(r->dev);
    et_clock_free(r->clock);
    pthread_cond_destroy(&r->wd_cond);
    pthread_mutex_destroy(&r->wd_mutex);
    free(r);
    return res;
}

/* --- the tests ------------------------------------------------------------ */

static int setup(void **state)
{
    (void)state;
    lockdep_reports = 0;
    et_lockdep_set_report_handler(record_lockdep, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    et_lockdep_set_report_handler(NULL, NULL);
    return 0;
}

static void expect_no_lockdep_report(void)
{
    pthread_mutex_lock(&report_mutex);
    int n = lockdep_reports;
    pthread_mutex_unlock(&report_mutex);
    if (n) {
        fail_msg("%d lock-order inversions; first:\n%s", n, lockdep_first);
    }
}

static void test_every_adapter_is_registered(void **state)
{
    (void)state;
    /* The test countdown device at least. */
    assert_true(et_test_adapter_count() >= 1);
    bool found = false;
    for (size_t i = 0; i < et_test_adapter_count(); i++) {
        const et_test_adapter *ad = et_test_adapter_get(i);
        assert_non_null(ad->name);
        assert_non_null(ad->create);
        assert_non_null(ad->observe);
        assert_non_null(ad->random_access);
        found |= strcmp(ad->name, "test-countdown") == 0;
    }
    assert_true(found);
}

static void test_realtime_runner_vcpus_and_big_lock(void **state)
{
    (void)state;
    for (size_t i = 0; i < et_test_adapter_count(); i++) {
        const et_test_adapter *ad = et_test_adapter_get(i);
        round_result res = run_round(ad, true, round_ms());
        print_message("%-24s real time: %lu accesses, %lu observations, %lu main-loop runs, "
                      "runner fired %lu, %ld irq events, %u pauses (%u long), "
                      "drained in %lld ms\n",
                      ad->name, res.accesses, res.observations, res.main_loop_runs, res.fired,
                      res.irq_events, res.pauses, res.long_pauses, (long long)res.drain_ms);
        assert_true(res.irq_events > 0);
        /* The runner must have fired (the round runs on until it has, except
         * for a slow_timer device, whose one expiry a vCPU's catch-up may
         * take), but how often depends on the host's load: vCPU catch-up on
         * access takes over the firings it reaches first (and the runner
         * counts only callbacks it ran), so under a loaded machine most
         * expiries can run on the vCPU threads. */
        assert_true(res.fired > 0 || ad->slow_timer);
        expect_no_lockdep_report();
    }
}

static void test_manual_clock_threaded(void **state)
{
    (void)state;
    for (size_t i = 0; i < et_test_adapter_count(); i++) {
        const et_test_adapter *ad = et_test_adapter_get(i);
        round_result res = run_round(ad, false, round_ms() / 2);
        print_message("%-24s manual, threaded: %lu accesses, %lu observations, %lu + %lu steps, "
                      "%ld irq events\n",
                      ad->name, res.accesses, res.observations, res.steps, res.main_loop_runs,
                      res.irq_events);
        assert_true(res.irq_events > 0);
        expect_no_lockdep_report();
    }
}

/* --- deterministic ---------------------------------------------------------- */

typedef struct det_record {
    et_clock *clock;
    uint64_t hash;
    long events;
    int last[MAX_LINES];
    long bad_alternations;
} det_record;

static void hash_in(uint64_t *h, uint64_t v)
{
    /* FNV-1a over the 8 bytes of v */
    for (int i = 0; i < 8; i++) {
        *h ^= (v >> (8 * i)) & 0xff;
        *h *= UINT64_C(0x100000001b3);
    }
}

static void det_sink(void *opaque, int n, int level)
{
    det_record *d = opaque;
    d->events++;
    hash_in(&d->hash, (uint64_t)n);
    hash_in(&d->hash, (uint64_t)level);
    hash_in(&d->hash, (uint64_t)et_clock_now(d->clock));
    if (n >= 0 && n < MAX_LINES) {
        if (d->last[n] == level) {
            d->bad_alternations++;
        }
        d->last[n] = level;
    }
}

#define DET_STEPS 20000

static det_record run_deterministic(const et_test_adapter *ad, uint64_t seed)
{
    det_record d;
    memset(&d, 0, sizeof(d));
    d.hash = UINT64_C(0xcbf29ce484222325);
    for (int i = 0; i < MAX_LINES; i++) {
        d.last[i] = -1;
    }
    d.clock = et_clock_new_manual();
    char err[256] = "";
    et_device *dev = ad->create(d.clock, true, det_sink, &d, err, sizeof(err));
    if (!dev) {
        fail_msg("%s: create failed: %s", ad->name, err);
    }
    uint64_t state = 0;
    for (int i = 0; i < DET_STEPS; i++) {
        uint64_t rnd = next_random(&seed);
        switch (rnd % 3) {
        case 0:
            et_clock_step(d.clock, (int64_t)((rnd >> 8) % 25000));
            break;
        case 1:
            ad->random_access(dev, rnd >> 2);
            break;
        default: {
            char msg[256] = "";
            if (!ad->observe(dev, &state, msg, sizeof(msg))) {
                fail_msg("%s (deterministic, step %d): %s", ad->name, i, msg);
            }
            break;
        }
        }
    }
    hash_in(&d.hash, (uint64_t)et_clock_now(d.clock));
    et_device_free(dev);
    et_clock_free(d.clock);
    return d;
}

static void test_manual_clock_deterministic(void **state)
{
    (void)state;
    for (size_t i = 0; i < et_test_adapter_count(); i++) {
        const et_test_adapter *ad = et_test_adapter_get(i);
        det_record a = run_deterministic(ad, UINT64_C(0x2545f4914f6cdd1d));
        det_record b = run_deterministic(ad, UINT64_C(0x2545f4914f6cdd1d));
        print_message("%-24s deterministic: %ld irq events, history hash %016llx\n", ad->name,
                      a.events, (unsigned long long)a.hash);
        assert_true(a.events > 0);
        assert_int_equal(a.bad_alternations, 0);
        assert_int_equal(a.events, b.events);
        assert_int_equal(a.hash, b.hash);
    }
    expect_no_lockdep_report();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_adapter_is_registered),
        cmocka_unit_test_setup_teardown(test_realtime_runner_vcpus_and_big_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manual_clock_threaded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manual_clock_deterministic, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
