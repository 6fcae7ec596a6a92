/* HPET main-counter read benchmark: what a guest's clocksource read costs.
 *
 *   clock_gettime   raw clock_gettime(CLOCK_MONOTONIC), the floor: every
 *                   counter read on a real-time clock needs one.
 *   counter         et_device_read(hpet, MAIN_COUNTER, 8) on a running
 *                   real-time clock: access validation, the lock-free
 *                   sequence-lock read, the clock read, the tick division.
 *   counter/4+4     the same as two 4-byte reads (high, low), as 32-bit
 *                   guests do.
 *   GINTR_STA       et_device_read of a register that takes the device lock
 *                   (with catch-up), for contrast: it does not scale.
 *
 * Each is measured with 1 and 2 threads reading at once (the figure is ns
 * per read as seen by one thread) while a runner thread fires a periodic
 * HPET timer every 100 us, so the device is live. Each rep runs the four
 * kinds back to back, ITERS reads per thread each; ns/read is the median
 * over REPS reps, and the ratio column the median of each rep's ratio to
 * clock_gettime with the same number of threads (robust to a machine whose
 * load changes during the run). Usage: bench_hpet_counter [ITERS [REPS]].
 * docs/benchmarks.md ("HPET main counter") has the figures and their reading.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emutime/devices/hpet.h"
#include "emutime/emutime.h"

#ifndef EMUTIME_VERSION_STRING
#define EMUTIME_VERSION_STRING "?"
#endif

#define MAX_THREADS 2
#define MAX_REPS 31

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef enum { K_CLOCK, K_COUNTER, K_COUNTER_HALVES, K_STATUS } kind;

static const char *const kind_names[] = { "clock_gettime", "counter (8-byte)",
                                          "counter (2 x 4-byte)", "GINTR_STA (locked)" };

typedef struct job {
    kind k;
    et_device *dev;
    long iters;
    pthread_barrier_t *start;
    double ns_per_read; /* out */
    uint64_t sink;      /* keeps the reads alive */
} job;

static void *reader(void *arg)
{
    job *j = arg;
    uint64_t acc = 0;
    pthread_barrier_wait(j->start);
    int64_t t0 = now_ns();
    switch (j->k) {
    case K_CLOCK:
        for (long i = 0; i < j->iters; i++) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            acc += (uint64_t)ts.tv_nsec;
        }
        break;
    case K_COUNTER:
        for (long i = 0; i < j->iters; i++) {
            acc += et_device_read(j->dev, ET_HPET_MAIN_COUNTER, 8);
        }
        break;
    case K_COUNTER_HALVES:
        for (long i = 0; i < j->iters; i++) {
            acc += et_device_read(j->dev, ET_HPET_MAIN_COUNTER + 4, 4);
            acc += et_device_read(j->dev, ET_HPET_MAIN_COUNTER, 4);
        }
        break;
    case K_STATUS:
        for (long i = 0; i < j->iters; i++) {
            acc += et_device_read(j->dev, ET_HPET_GINTR_STA, 8);
        }
        break;
    }
    int64_t t1 = now_ns();
    j->ns_per_read = (double)(t1 - t0) / (double)j->iters;
    j->sink = acc;
    return NULL;
}

/* ns per read seen by one thread, averaged over the threads of one run. */
static double run_once(kind k, et_device *dev, int threads, long iters)
{
    pthread_t tid[MAX_THREADS];
    job jobs[MAX_THREADS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    for (int i = 0; i < threads; i++) {
        jobs[i] = (job){ .k = k, .dev = dev, .iters = iters, .start = &start };
        pthread_create(&tid[i], NULL, reader, &jobs[i]);
    }
    double sum = 0;
    uint64_t sink = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        sum += jobs[i].ns_per_read;
        sink ^= jobs[i].sink;
    }
    pthread_barrier_destroy(&start);
    if (sink == 1) {
        fputc(' ', stderr); /* never: the reads must not be optimised away */
    }
    return sum / threads;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
    return v[n / 2];
}

#define N_KINDS (K_STATUS + 1)

/* Each rep runs every kind back to back, so a ratio compares runs made
 * under the same machine load; the figures are medians over the reps. */
static void measure(et_device *dev, int threads, long iters, int reps, double ns[N_KINDS],
                    double ratio[N_KINDS])
{
    double v[N_KINDS][MAX_REPS], r[N_KINDS][MAX_REPS];
    for (int rep = 0; rep < reps; rep++) {
        for (int k = 0; k < N_KINDS; k++) {
            v[k][rep] = run_once((kind)k, dev, threads, iters);
        }
        for (int k = 0; k < N_KINDS; k++) {
            r[k][rep] = v[k][rep] / v[K_CLOCK][rep];
        }
    }
    for (int k = 0; k < N_KINDS; k++) {
        ns[k] = median(v[k], reps);
        ratio[k] = median(r[k], reps);
    }
}

static unsigned long irq_changes;

static void count_sink(void *opaque, int n, int level)
{
    (void)opaque;
    (void)n;
    (void)level;
    __atomic_add_fetch(&irq_changes, 1, __ATOMIC_RELAXED);
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 200000;
    int reps = argc > 2 ? atoi(argv[2]) : 21;
    if (iters <= 0 || reps <= 0 || reps > MAX_REPS) {
        fprintf(stderr, "usage: bench_hpet_counter [ITERS [REPS (1..%d)]]\n", MAX_REPS);
        return 2;
    }

    et_clock *clock = et_clock_new_realtime();
    char err[256];
    et_device *dev = et_hpet_new(clock, "hpet", NULL, err, sizeof(err));
    if (!dev) {
        fprintf(stderr, "bench_hpet_counter: %s\n", err);
        return 1;
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), count_sink, NULL, (int)i);
    }
    /* A live device: timer 0 periodic, edge-triggered, every 10000 ticks
     * (100 us), fired by the runner thread. */
    et_device_write(dev, ET_HPET_TN_CONF(0),
                    ET_HPET_TN_PERIODIC | ET_HPET_TN_INT_ENB | ET_HPET_TN_VAL_SET |
                        ((uint64_t)2 << ET_HPET_TN_ROUTE_SHIFT), 8);
    et_device_write(dev, ET_HPET_TN_CMP(0), 10000, 8);
    et_device_write(dev, ET_HPET_GEN_CONF, ET_HPET_CONF_ENABLE, 8);
    et_runner *runner = et_runner_start(clock, NULL, 0);
    if (!runner) {
        fprintf(stderr, "bench_hpet_counter: cannot start the runner thread\n");
        return 1;
    }

    printf("emutime %s: HPET main-counter reads on a real-time clock, %ld reads per thread, "
           "median of %d\n\n", EMUTIME_VERSION_STRING, iters, reps);
    printf("%-22s %8s %12s %10s\n", "read", "threads", "ns/read", "vs clock");
    for (int threads = 1; threads <= MAX_THREADS; threads++) {
        double ns[N_KINDS], ratio[N_KINDS];
        measure(dev, threads, iters, reps, ns, ratio);
        for (int k = 0; k < N_KINDS; k++) {
            printf("%-22s %8d %12.1f %9.2fx\n", kind_names[k], threads, ns[k], ratio[k]);
        }
    }
    unsigned long fired = et_runner_fired(runner);
    et_runner_stop(runner);
    printf("\n(timer expiries meanwhile: %lu, interrupt changes: %lu)\n", fired,
           __atomic_load_n(&irq_changes, __ATOMIC_RELAXED));
    et_device_free(dev);
    et_clock_free(clock);
    return 0;
}
