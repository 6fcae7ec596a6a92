/* Lock-free ACLINT mtime reads (the sequence lock of core/ticks.h) against
 * concurrent mtime writes, with real threads on a real-time clock. The
 * writer sets mtime to k * 2^40 for k = 1, 2, ... and then publishes k; at
 * 10 MHz the counter needs 30 hours to advance 2^40 ticks, so the top bits
 * of every read name the write it belongs to. Every read, 8-byte or two
 * 4-byte halves, must belong to a write already published when it started
 * or to one in progress (a write that returned is never missed, the value
 * is no older one, nor garbage), and no reader sees mtime go backwards.
 * CI runs it under ThreadSanitizer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "emutime/devices/riscv_aclint.h"
#include "emutime/emutime.h"

#define RUN_MS 300
#define N_READERS 2
#define MTIME ET_RISCV_ACLINT_DEFAULT_MTIME
#define EPOCH_SHIFT 40

typedef struct shared {
    et_device *dev;
    bool stop;            /* atomic */
    uint64_t published;   /* atomic: the last k whose write returned */
} shared;

typedef struct reader_result {
    shared *sh;
    bool halves;
    unsigned long reads, backwards, stale, ahead;
    uint64_t bad_value, bad_bound;
} reader_result;

static void *writer(void *arg)
{
    shared *sh = arg;
    struct timespec pause = { 0, 20000 };
    for (uint64_t k = 1; !__atomic_load_n(&sh->stop, __ATOMIC_RELAXED); k++) {
        et_device_write(sh->dev, MTIME, k << EPOCH_SHIFT, 8);
        __atomic_store_n(&sh->published, k, __ATOMIC_RELEASE);
        nanosleep(&pause, NULL);
    }
    return NULL;
}

static uint64_t read_mtime(et_device *dev, bool halves)
{
    if (!halves) {
        return et_device_read(dev, MTIME, 8);
    }
    /* A 32-bit guest's loop: high, low, high again until it is stable. */
    for (;;) {
        uint64_t hi = et_device_read(dev, MTIME + 4, 4);
        uint64_t lo = et_device_read(dev, MTIME, 4);
        if (et_device_read(dev, MTIME + 4, 4) == hi) {
            return hi << 32 | lo;
        }
    }
}

static void *reader(void *arg)
{
    reader_result *r = arg;
    uint64_t last = 0;
    while (!__atomic_load_n(&r->sh->stop, __ATOMIC_RELAXED)) {
        uint64_t before = __atomic_load_n(&r->sh->published, __ATOMIC_ACQUIRE);
        uint64_t v = read_mtime(r->sh->dev, r->halves);
        uint64_t after = __atomic_load_n(&r->sh->published, __ATOMIC_ACQUIRE);
        uint64_t k = v >> EPOCH_SHIFT;
        if (k < before && r->stale++ == 0) {
            r->bad_value = v;
            r->bad_bound = before;
        }
        if (k > after + 1 && r->ahead++ == 0) { /* at most the write in progress */
            r->bad_value = v;
            r->bad_bound = after;
        }
        if (v < last) {
            r->backwards++;
        }
        last = v;
        r->reads++;
    }
    return NULL;
}

static void test_mtime_reads_follow_writes(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    char err[256];
    et_riscv_aclint_mtimer_config cfg = ET_RISCV_ACLINT_MTIMER_DEFAULTS;
    cfg.num_harts = 4;
    shared sh = { .dev = et_riscv_aclint_mtimer_new(clock, "mtimer", &cfg, err, sizeof(err)) };
    assert_non_null(sh.dev);

    pthread_t wr, rd[N_READERS];
    reader_result res[N_READERS] = { { 0 } };
    for (int i = 0; i < N_READERS; i++) {
        res[i].sh = &sh;
        res[i].halves = i == 1;
        assert_int_equal(pthread_create(&rd[i], NULL, reader, &res[i]), 0);
    }
    assert_int_equal(pthread_create(&wr, NULL, writer, &sh), 0);
    struct timespec run = { RUN_MS / 1000, (RUN_MS % 1000) * 1000000L };
    nanosleep(&run, NULL);
    __atomic_store_n(&sh.stop, true, __ATOMIC_RELAXED);
    pthread_join(wr, NULL);
    for (int i = 0; i < N_READERS; i++) {
        pthread_join(rd[i], NULL);
    }

    assert_true(__atomic_load_n(&sh.published, __ATOMIC_RELAXED) > 10);
    for (int i = 0; i < N_READERS; i++) {
        assert_true(res[i].reads > 100);
        if (res[i].stale || res[i].ahead || res[i].backwards) {
            fail_msg("reader %d (%s): of %lu reads %lu older than the last write, %lu ahead of "
                     "the writes, %lu backwards; first 0x%llx against write %llu", i,
                     res[i].halves ? "halves" : "8-byte", res[i].reads, res[i].stale,
                     res[i].ahead, res[i].backwards, (unsigned long long)res[i].bad_value,
                     (unsigned long long)res[i].bad_bound);
        }
    }
    et_device_free(sh.dev);
    et_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mtime_reads_follow_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
