/* The HPET AB-BA deadlock from the QEMU discussion ("[PATCH 00/22] rust/hpet:
 * Move towards lockless IO, partly", November 2025), with real threads:
 *
 *   - the timer runner holds the embedder's big lock (QEMU's BQL) while HPET
 *     timers expire: a thread takes the big lock and calls
 *     et_clock_run_expired() on a real-time clock, which takes the HPET's
 *     device lock for each expiry (BQL -> HPET);
 *   - vCPU threads write HPET registers concurrently, some under the big
 *     lock, most without it (QEMU's lockless MMIO), and their writes raise
 *     and lower interrupt lines;
 *   - the interrupt sink and the FSB writer take the big lock (Xen's
 *     xen_evtchn_set_gsi asserts it): if the device delivered under its own
 *     lock, that would be HPET -> BQL, the inversion that deadlocks.
 *
 * Every round must finish in bounded time (a watchdog thread aborts with
 * each thread's last phase otherwise), every thread must make progress, no
 * sink may run with the device lock held, and the lock-order checker (debug
 * builds) must report nothing. CI runs it under ThreadSanitizer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emutime/devices/hpet.h"
#include "emutime/emutime.h"

#define ROUNDS 6
#define ROUND_MS 120
#define WATCHDOG_SECONDS 20
#define N_VCPU 3

#define TCONF(n) ET_HPET_TN_CONF(n)
#define TCMP(n) ET_HPET_TN_CMP(n)
#define TFSB(n) ET_HPET_TN_FSB(n)
#define ROUTE(r) ((uint64_t)(r) << ET_HPET_TN_ROUTE_SHIFT)

static void sleep_us(long us)
{
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
    nanosleep(&ts, NULL);
}

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* --- the embedder's big lock ------------------------------------------------ */

static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER;
static et_lock_class big_lock_class = ET_LOCK_CLASS_INIT("bql");
static __thread bool big_lock_mine;

static void bql_take(void)
{
    pthread_mutex_lock(&big_lock);
    et_lockdep_acquired(&big_lock_class);
    big_lock_mine = true;
}

static void bql_drop(void)
{
    big_lock_mine = false;
    et_lockdep_released(&big_lock_class);
    pthread_mutex_unlock(&big_lock);
}

static int lockdep_reports; /* atomic */

static void record_lockdep(const char *report, void *opaque)
{
    (void)opaque;
    if (__atomic_fetch_add(&lockdep_reports, 1, __ATOMIC_RELAXED) == 0) {
        fprintf(stderr, "lock-order report:\n%s\n", report);
    }
}

/* --- one round ---------------------------------------------------------------- */

typedef struct progress {
    const char *name;
    const char *phase;   /* atomic */
    unsigned long iters; /* atomic */
} progress;

typedef struct round_state {
    et_clock *clock;
    et_device *dev;
    bool stop; /* atomic */

    /* Guarded by the big lock. */
    long irq_events;
    long fsb_writes;
    long under_device_lock; /* deliveries made with the device lock held */

    progress runner;
    progress vcpu[N_VCPU];
    uint64_t seed[N_VCPU];
} round_state;

static round_state *current; /* for the watchdog; atomic */
static int64_t round_started_ns; /* atomic; 0 when no round runs */

static void set_phase(progress *p, const char *phase)
{
    __atomic_store_n(&p->phase, phase, __ATOMIC_RELAXED);
}

/* BQL_LOCK_GUARD(): take the big lock unless this thread holds it already
 * (the runner delivers the expiries' interrupts while holding it). */
static void irq_sink(void *opaque, int n, int level)
{
    round_state *r = opaque;
    (void)n;
    (void)level;
    bool take = !big_lock_mine;
    if (take) {
        bql_take();
    }
    if (et_lock_held_by_me(&r->dev->lock)) {
        r->under_device_lock++;
    }
    r->irq_events++;
    if (take) {
        bql_drop();
    }
}

static void fsb_sink(void *opaque, uint64_t addr, uint32_t data)
{
    round_state *r = opaque;
    (void)addr;
    (void)data;
    bool take = !big_lock_mine;
    if (take) {
        bql_take();
    }
    if (et_lock_held_by_me(&r->dev->lock)) {
        r->under_device_lock++;
    }
    r->fsb_writes++;
    if (take) {
        bql_drop();
    }
}

static bool stopping(round_state *r)
{
    return __atomic_load_n(&r->stop, __ATOMIC_RELAXED);
}

/* QEMU's main loop: timers run with the BQL held. */
static void *runner_thread(void *arg)
{
    round_state *r = arg;
    while (!stopping(r)) {
        set_phase(&r->runner, "taking the big lock");
        bql_take();
        set_phase(&r->runner, "run_expired under the big lock");
        et_clock_run_expired(r->clock);
        bql_drop();
        set_phase(&r->runner, "sleeping");
        __atomic_add_fetch(&r->runner.iters, 1, __ATOMIC_RELAXED);
        sleep_us(20);
    }
    return NULL;
}

typedef struct vcpu_arg {
    round_state *r;
    int i;
} vcpu_arg;

/* Guest register writes that move interrupt lines: clearing status bits,
 * re-arming one-shots just ahead of the counter, toggling INT_ENB and the
 * trigger mode, and reads, which take the lock-free path for the counter. */
static void guest_access(round_state *r, uint64_t rnd)
{
    et_device *d = r->dev;
    switch (rnd % 8) {
    case 0:
        et_device_write(d, ET_HPET_GINTR_STA, 0x7, 8);
        break;
    case 1: {
        uint64_t now = et_device_read(d, ET_HPET_MAIN_COUNTER, 8);
        et_device_write(d, TCMP(1), now + 50 + (rnd >> 8) % 500, 8);
        break;
    }
    case 2:
        et_device_write(d, TCONF(1), ET_HPET_TN_INT_ENB | ROUTE(8) |
                                         (((rnd >> 8) & 1) ? ET_HPET_TN_INT_TYPE_LEVEL : 0), 8);
        break;
    case 3:
        et_device_write(d, TCONF(0), ET_HPET_TN_PERIODIC | ET_HPET_TN_INT_TYPE_LEVEL | ROUTE(2) |
                                         (((rnd >> 8) & 1) ? ET_HPET_TN_INT_ENB : 0), 4);
        break;
    case 4:
        et_device_write(d, TFSB(2), 0xfee0000000000000ULL | ((rnd >> 8) & 0xff), 8);
        break;
    case 5:
        (void)et_device_read(d, ET_HPET_GINTR_STA, 4);
        break;
    default:
        (void)et_device_read(d, ET_HPET_MAIN_COUNTER, (rnd & 1) ? 8 : 4);
        break;
    }
}

static void *vcpu_thread(void *arg)
{
    vcpu_arg *a = arg;
    round_state *r = a->r;
    progress *p = &r->vcpu[a->i];
    while (!stopping(r)) {
        uint64_t rnd = next_random(&r->seed[a->i]);
        bool big = (rnd >> 60) < 6; /* 6 in 16 accesses under the big lock */
        if (big) {
            set_phase(p, "taking the big lock");
            bql_take();
        }
        set_phase(p, big ? "register access under the big lock" : "lockless register access");
        guest_access(r, rnd);
        if (big) {
            bql_drop();
        }
        set_phase(p, "between accesses");
        __atomic_add_fetch(&p->iters, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

/* Aborts with every thread's phase when a round overruns: a deadlock. */
static void *watchdog_thread(void *arg)
{
    (void)arg;
    for (;;) {
        sleep_us(10000);
        int64_t started = __atomic_load_n(&round_started_ns, __ATOMIC_ACQUIRE);
        if (started < 0) {
            return NULL;
        }
        if (started && et_host_monotonic_ns() - started > (int64_t)WATCHDOG_SECONDS * 1000000000) {
            round_state *r = __atomic_load_n(&current, __ATOMIC_ACQUIRE);
            fprintf(stderr, "DEADLOCK: a round did not finish in %d s\n", WATCHDOG_SECONDS);
            fprintf(stderr, "  runner: %lu passes, %s\n",
                    __atomic_load_n(&r->runner.iters, __ATOMIC_RELAXED),
                    __atomic_load_n(&r->runner.phase, __ATOMIC_RELAXED));
            for (int i = 0; i < N_VCPU; i++) {
                fprintf(stderr, "  vcpu %d: %lu accesses, %s\n", i,
                        __atomic_load_n(&r->vcpu[i].iters, __ATOMIC_RELAXED),
                        __atomic_load_n(&r->vcpu[i].phase, __ATOMIC_RELAXED));
            }
            abort();
        }
    }
}

static void make_hpet(et_clock *clock, round_state *r)
{
    et_hpet_config cfg = ET_HPET_CONFIG_DEFAULTS;
    cfg.int_route_cap = ET_HPET_ROUTE_CAP_Q35;
    cfg.msi = true;
    cfg.fsb_write = fsb_sink;
    cfg.fsb_opaque = r;
    char err[256];
    et_device *d = et_hpet_new(clock, "hpet", &cfg, err, sizeof(err));
    if (!d) {
        fail_msg("%s", err);
    }
    r->dev = d; /* the sinks look at it */
    for (unsigned i = 0; i < et_device_irq_count(d); i++) {
        et_irq_connect(et_device_irq(d, i), irq_sink, r, (int)i);
    }
    /* Timer 0: periodic level on route 2, 20 us. Timer 1: one-shots on
     * route 8, re-armed by the vCPUs. Timer 2: periodic FSB messages, 30 us. */
    et_device_write(d, TCONF(0), ET_HPET_TN_PERIODIC | ET_HPET_TN_INT_TYPE_LEVEL |
                                     ET_HPET_TN_INT_ENB | ROUTE(2) | ET_HPET_TN_VAL_SET, 8);
    et_device_write(d, TCMP(0), 2000, 8);
    et_device_write(d, TCONF(1), ET_HPET_TN_INT_ENB | ROUTE(8), 8);
    et_device_write(d, TCMP(1), 1000, 8);
    et_device_write(d, TCONF(2), ET_HPET_TN_PERIODIC | ET_HPET_TN_FSB_EN | ET_HPET_TN_INT_ENB |
                                     ET_HPET_TN_VAL_SET, 8);
    et_device_write(d, TFSB(2), 0xfee0000000000041ULL, 8);
    et_device_write(d, TCMP(2), 3000, 8);
    et_device_write(d, ET_HPET_GEN_CONF, ET_HPET_CONF_ENABLE, 8);
}

/* Whether every thread made progress and interrupts flowed both ways. */
static bool round_progressed(round_state *r)
{
    if (__atomic_load_n(&r->runner.iters, __ATOMIC_RELAXED) == 0) {
        return false;
    }
    for (int i = 0; i < N_VCPU; i++) {
        if (__atomic_load_n(&r->vcpu[i].iters, __ATOMIC_RELAXED) == 0) {
            return false;
        }
    }
    bql_take(); /* the sinks count under it */
    bool flowed = r->irq_events > 0 && r->fsb_writes > 0;
    bql_drop();
    return flowed;
}

static void run_round(int round)
{
    round_state *r = calloc(1, sizeof(*r));
    r->clock = et_clock_new_realtime();
    make_hpet(r->clock, r);
    r->runner.name = "runner";
    for (int i = 0; i < N_VCPU; i++) {
        r->seed[i] = 0x9e3779b97f4a7c15ULL * (uint64_t)(round * N_VCPU + i + 1);
    }
    __atomic_store_n(&current, r, __ATOMIC_RELEASE);
    __atomic_store_n(&round_started_ns, et_host_monotonic_ns(), __ATOMIC_RELEASE);

    pthread_t runner, vcpus[N_VCPU];
    vcpu_arg args[N_VCPU];
    assert_int_equal(pthread_create(&runner, NULL, runner_thread, r), 0);
    for (int i = 0; i < N_VCPU; i++) {
        args[i] = (vcpu_arg){ r, i };
        assert_int_equal(pthread_create(&vcpus[i], NULL, vcpu_thread, &args[i]), 0);
    }
    /* At least ROUND_MS, and on until everybody got through: on a loaded
     * machine a thread may not run at all in 120 ms, which is no failure
     * (a deadlock is what the watchdog catches), so the outcome does not
     * depend on the load. */
    sleep_us(ROUND_MS * 1000);
    while (!round_progressed(r)) {
        sleep_us(1000);
    }
    __atomic_store_n(&r->stop, true, __ATOMIC_RELAXED);
    pthread_join(runner, NULL);
    for (int i = 0; i < N_VCPU; i++) {
        pthread_join(vcpus[i], NULL);
    }
    __atomic_store_n(&round_started_ns, 0, __ATOMIC_RELEASE);

    if (getenv("HPET_DEADLOCK_VERBOSE")) {
        fprintf(stderr, "round %d: runner %lu, vcpus %lu %lu %lu, irq %ld, fsb %ld\n", round,
                r->runner.iters, r->vcpu[0].iters, r->vcpu[1].iters, r->vcpu[2].iters,
                r->irq_events, r->fsb_writes);
    }
    /* Everybody got through, interrupts flowed both ways. */
    assert_true(r->runner.iters > 0);
    for (int i = 0; i < N_VCPU; i++) {
        assert_true(r->vcpu[i].iters > 0);
    }
    assert_true(r->irq_events > 0);
    assert_true(r->fsb_writes > 0);
    assert_int_equal(r->under_device_lock, 0);

    et_device_free(r->dev);
    et_clock_free(r->clock);
    free(r);
}

static void test_timer_runner_under_big_lock_vs_vcpu_writes(void **state)
{
    (void)state;
    et_lockdep_reset();
    et_lockdep_set_report_handler(record_lockdep, NULL);
    pthread_t wd;
    assert_int_equal(pthread_create(&wd, NULL, watchdog_thread, NULL), 0);
    for (int round = 0; round < ROUNDS; round++) {
        run_round(round);
    }
    __atomic_store_n(&round_started_ns, -1, __ATOMIC_RELEASE);
    pthread_join(wd, NULL);
    et_lockdep_set_report_handler(NULL, NULL);
    assert_int_equal(__atomic_load_n(&lockdep_reports, __ATOMIC_RELAXED), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timer_runner_under_big_lock_vs_vcpu_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
