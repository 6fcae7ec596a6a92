/* Counter-read benchmark: what a guest's clocksource read costs, against
 * the host clock read every such read needs.
 *
 * Table 1, reads with 1 and 2 threads reading at once:
 *   clock_gettime   raw clock_gettime(CLOCK_MONOTONIC): the peer.
 *   rdtsc + scale   a bare TSC read scaled to ns (calibrated here against
 *                   CLOCK_MONOTONIC): the floor of a TSC-based clock (x86).
 *   et_clock_now    the real-time clock itself.
 *   HPET counter    et_device_read(hpet, MAIN_COUNTER, 8) on a running
 *                   real-time clock: access validation, the lock-free
 *                   sequence-lock read, the clock read, the tick arithmetic;
 *                   also as two 4-byte reads (high, low), as 32-bit guests do.
 *   ACLINT mtime    et_device_read(mtimer, mtime, 8), lock-free likewise.
 *   HPET GINTR_STA  a register that takes the device lock (with catch-up),
 *                   for contrast: it does not scale.
 * The same rows again on a TSC real-time clock (et_clock_new_realtime_tsc)
 * when this host has one (otherwise that constructor falls back to
 * CLOCK_MONOTONIC and the rows are left out).
 *
 * Table 2, scale: the ACLINT at 1, 64 and 4095 harts (every hart's mtimecmp
 * armed far ahead, so each hart's timer is queued): mtime (lock-free) and
 * mtimecmp (locked: the access catches up, scanning the device's timers);
 * the HPET with 3 timers (one periodic) and with 32, all periodic: the
 * counter and GINTR_STA. Each row has its ratio to the smallest case.
 *
 * A runner thread fires the clock's timers throughout (an HPET periodic
 * timer every 100 us in table 1), so the devices are live. Each rep runs
 * every kind back to back; "ns (med)" is the median over the reps of the
 * time one thread sees per read, "ratio" the median of each rep's ratio
 * (robust to a machine whose load changes during the run); "ns (best)" the
 * fastest batch of 1000 reads in any rep, the undisturbed cost, and
 * "best/best" the ratio of those.
 * Usage: bench_hpet_counter [ITERS [REPS]].
 * docs/benchmarks.md ("Counter reads") has the figures and their reading.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_RDTSC 1
#else
#define HAVE_RDTSC 0
#endif

#include "emutime/devices/hpet.h"
#include "emutime/devices/riscv_aclint.h"
#include "emutime/emutime.h"

#ifndef EMUTIME_VERSION_STRING
#define EMUTIME_VERSION_STRING "?"
#endif

#define MAX_THREADS 2
#define MAX_REPS 31
#define MTIME ET_RISCV_ACLINT_DEFAULT_MTIME

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

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
    return v[n / 2];
}

/* --- bare rdtsc + scale -------------------------------------------------- */

/* ns = ns0 + (tsc - tsc0) * mult / 2^32, mult measured over 50 ms. */
static uint64_t tsc0, tsc_mult;
static int64_t tsc_ns0;

#if HAVE_RDTSC
static void tsc_calibrate(void)
{
    tsc_ns0 = now_ns();
    tsc0 = __rdtsc();
    struct timespec d = { 0, 50000000 };
    nanosleep(&d, NULL);
    int64_t ns1 = now_ns();
    uint64_t tsc1 = __rdtsc();
    tsc_mult = (uint64_t)(((unsigned __int128)(uint64_t)(ns1 - tsc_ns0) << 32) / (tsc1 - tsc0));
}

static inline uint64_t tsc_read_ns(void)
{
    _mm_lfence(); /* as the kernel's rdtsc_ordered: no earlier read */
    uint64_t t = __rdtsc();
    return (uint64_t)tsc_ns0 + (uint64_t)(((unsigned __int128)(t - tsc0) * tsc_mult) >> 32);
}
#endif

/* --- the kinds of read ---------------------------------------------------- */

typedef enum {
    K_CLOCK,
    K_TSC,
    K_CLOCK_NOW,
    K_HPET_COUNTER,
    K_HPET_HALVES,
    K_MTIME,
    K_MTIMECMP,
    K_HPET_STATUS,
} kind;

static const char *const kind_names[] = {
    "clock_gettime", "rdtsc + scale", "et_clock_now", "HPET counter (8-byte)",
    "HPET counter (2 x 4)", "ACLINT mtime (8-byte)", "ACLINT mtimecmp (locked)",
    "HPET GINTR_STA (locked)",
};

typedef struct job {
    kind k;
    et_device *dev;
    et_clock *clock;
    long iters;
    pthread_barrier_t *start;
    double ns_per_read; /* out */
    double best_batch;  /* out: ns per read in the fastest batch */
    uint64_t sink;      /* keeps the reads alive */
} job;

#define LOOP(expr)                  \
    for (long i = 0; i < n; i++) {  \
        acc += (uint64_t)(expr);    \
    }

/* n reads of the job's kind. */
static uint64_t read_n(const job *j, long n)
{
    uint64_t acc = 0;
    switch (j->k) {
    case K_CLOCK:
        for (long i = 0; i < n; i++) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            acc += (uint64_t)ts.tv_nsec;
        }
        break;
    case K_TSC:
#if HAVE_RDTSC
        LOOP(tsc_read_ns());
#endif
        break;
    case K_CLOCK_NOW:
        LOOP(et_clock_now(j->clock));
        break;
    case K_HPET_COUNTER:
        LOOP(et_device_read(j->dev, ET_HPET_MAIN_COUNTER, 8));
        break;
    case K_HPET_HALVES:
        LOOP(et_device_read(j->dev, ET_HPET_MAIN_COUNTER + 4, 4) +
             et_device_read(j->dev, ET_HPET_MAIN_COUNTER, 4));
        break;
    case K_MTIME:
        LOOP(et_device_read(j->dev, MTIME, 8));
        break;
    case K_MTIMECMP:
        LOOP(et_device_read(j->dev, ET_RISCV_ACLINT_DEFAULT_MTIMECMP, 8));
        break;
    case K_HPET_STATUS:
        LOOP(et_device_read(j->dev, ET_HPET_GINTR_STA, 8));
        break;
    }
    return acc;
}

/* The reads go in batches of BATCH, each timed: the fastest batch is one
 * that nothing preempted (a batch takes tens of us; a rep, ms). */
#define BATCH 1000

static void *reader(void *arg)
{
    job *j = arg;
    uint64_t acc = 0;
    int64_t total = 0, best = INT64_MAX;
    pthread_barrier_wait(j->start);
    for (long done = 0; done < j->iters; done += BATCH) {
        long n = j->iters - done < BATCH ? j->iters - done : BATCH;
        int64_t t0 = now_ns();
        acc += read_n(j, n);
        int64_t t1 = now_ns();
        total += t1 - t0;
        if (n == BATCH && t1 - t0 < best) {
            best = t1 - t0;
        }
    }
    j->ns_per_read = (double)total / (double)j->iters;
    j->best_batch = best == INT64_MAX ? j->ns_per_read : (double)best / BATCH;
    j->sink = acc;
    return NULL;
}

/* ns per read seen by one thread, averaged over the threads of one run. */
static double run_once(kind k, et_device *dev, et_clock *clock, int threads, long iters,
                       double *best)
{
    pthread_t tid[MAX_THREADS];
    job jobs[MAX_THREADS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    for (int i = 0; i < threads; i++) {
        jobs[i] = (job){ .k = k, .dev = dev, .clock = clock, .iters = iters, .start = &start };
        pthread_create(&tid[i], NULL, reader, &jobs[i]);
    }
    double sum = 0, best_sum = 0;
    uint64_t sink = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        sum += jobs[i].ns_per_read;
        best_sum += jobs[i].best_batch;
        sink ^= jobs[i].sink;
    }
    pthread_barrier_destroy(&start);
    if (sink == 1) {
        fputc(' ', stderr); /* never: the reads must not be optimised away */
    }
    *best = best_sum / threads;
    return sum / threads;
}

/* One row of a table: what to read, on which device, how many reads. */
typedef struct row {
    const char *label;
    kind k;
    et_device *dev;
    et_clock *clock;
    long iters;
    int ratio_to; /* the row index this one's ratio is to */
} row;

#define MAX_ROWS 16

/* Each rep runs every row back to back, so a ratio compares runs made
 * under the same machine load; the figures are medians over the reps.
 * best is the fastest batch of any rep, the undisturbed cost (on a loaded
 * machine a rep of a few ms is often preempted): the steadier figure. */
static void measure(const row *rows, int n, int threads, int reps, double *ns, double *ratio,
                    double *best)
{
    static double v[MAX_ROWS][MAX_REPS], r[MAX_ROWS][MAX_REPS];
    for (int rep = 0; rep < reps; rep++) {
        for (int i = 0; i < n; i++) {
            double b;
            v[i][rep] = run_once(rows[i].k, rows[i].dev, rows[i].clock, threads, rows[i].iters,
                                 &b);
            if (rep == 0 || b < best[i]) {
                best[i] = b;
            }
        }
        for (int i = 0; i < n; i++) {
            r[i][rep] = v[i][rep] / v[rows[i].ratio_to][rep];
        }
    }
    for (int i = 0; i < n; i++) {
        ns[i] = median(v[i], reps);
        ratio[i] = median(r[i], reps);
    }
}

static void print_table(const row *rows, int n, int threads, int reps)
{
    double ns[MAX_ROWS], ratio[MAX_ROWS], best[MAX_ROWS];
    measure(rows, n, threads, reps, ns, ratio, best);
    for (int i = 0; i < n; i++) {
        printf("%-38s %3d %9.1f %8.2fx %9.1f %8.2fx  (vs %s)\n", rows[i].label, threads, ns[i],
               ratio[i], best[i], best[i] / best[rows[i].ratio_to], rows[rows[i].ratio_to].label);
    }
}

static void print_header(void)
{
    printf("%-38s %3s %9s %9s %9s %9s\n", "read", "thr", "ns (med)", "ratio", "ns (best)",
           "best/best");
}

/* --- the devices ----------------------------------------------------------- */

static unsigned long irq_changes;

static void count_sink(void *opaque, int n, int level)
{
    (void)opaque;
    (void)n;
    (void)level;
    __atomic_add_fetch(&irq_changes, 1, __ATOMIC_RELAXED);
}

static void connect_all(et_device *dev)
{
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), count_sink, NULL, (int)i);
    }
}

static void fail(const char *what, const char *err)
{
    fprintf(stderr, "bench_hpet_counter: %s: %s\n", what, err);
    exit(1);
}

/* An HPET with n timers, the first `periodic` of them periodic,
 * edge-triggered, timer i every period + 1000 * i ticks (10 ns each). */
static et_device *hpet_live(et_clock *clock, unsigned n, unsigned periodic, uint64_t period)
{
    char err[256];
    et_hpet_config cfg = et_hpet_config_defaults();
    cfg.num_timers = n;
    et_device *dev = et_hpet_new(clock, "hpet", &cfg, err, sizeof(err));
    if (!dev) {
        fail("hpet", err);
    }
    connect_all(dev);
    for (unsigned i = 0; i < periodic; i++) {
        et_device_write(dev, ET_HPET_TN_CONF(i),
                        ET_HPET_TN_PERIODIC | ET_HPET_TN_INT_ENB | ET_HPET_TN_VAL_SET |
                            ((uint64_t)2 << ET_HPET_TN_ROUTE_SHIFT), 8);
        et_device_write(dev, ET_HPET_TN_CMP(i), period + 1000 * i, 8);
    }
    et_device_write(dev, ET_HPET_GEN_CONF, ET_HPET_CONF_ENABLE, 8);
    return dev;
}

/* An ACLINT MTIMER (QEMU's virt layout, 10 MHz) with every hart's mtimecmp
 * armed about a day ahead: each hart's timer is queued, none fires. */
static et_device *mtimer_armed(et_clock *clock, unsigned harts)
{
    char err[256];
    et_riscv_aclint_mtimer_config cfg = ET_RISCV_ACLINT_MTIMER_DEFAULTS;
    cfg.num_harts = harts;
    et_device *dev = et_riscv_aclint_mtimer_new(clock, "mtimer", &cfg, err, sizeof(err));
    if (!dev) {
        fail("mtimer", err);
    }
    connect_all(dev);
    for (unsigned i = 0; i < harts; i++) {
        et_device_write(dev, ET_RISCV_ACLINT_DEFAULT_MTIMECMP + 8 * i,
                        UINT64_C(864000000000) + i, 8);
    }
    return dev;
}

static int add(row *rows, int *n, row r)
{
    rows[*n] = r;
    return (*n)++;
}

/* Table 1 on one real-time clock: the peers, then the device reads. */
static void reads_table(et_clock *clock, const char *clock_name, long iters, int reps,
                        bool peers)
{
    et_device *hpet = hpet_live(clock, 3, 1, 10000);
    et_device *mtimer = mtimer_armed(clock, 1);
    et_runner *runner = et_runner_start(clock, NULL, 0);
    if (!runner) {
        fail("runner", "cannot start the runner thread");
    }
    row rows[MAX_ROWS];
    int n = 0;
    int base = add(rows, &n, (row){ kind_names[K_CLOCK], K_CLOCK, NULL, clock, iters, 0 });
    if (peers && HAVE_RDTSC) {
        add(rows, &n, (row){ kind_names[K_TSC], K_TSC, NULL, clock, iters, base });
    }
    add(rows, &n, (row){ kind_names[K_CLOCK_NOW], K_CLOCK_NOW, NULL, clock, iters, base });
    add(rows, &n, (row){ kind_names[K_HPET_COUNTER], K_HPET_COUNTER, hpet, clock, iters, base });
    add(rows, &n, (row){ kind_names[K_HPET_HALVES], K_HPET_HALVES, hpet, clock, iters, base });
    add(rows, &n, (row){ kind_names[K_MTIME], K_MTIME, mtimer, clock, iters, base });
    if (peers) {
        add(rows, &n, (row){ kind_names[K_HPET_STATUS], K_HPET_STATUS, hpet, clock, iters, base });
    }
    printf("\n%s: %ld reads per thread, median of %d\n", clock_name, iters, reps);
    print_header();
    for (int threads = 1; threads <= MAX_THREADS; threads++) {
        print_table(rows, n, threads, reps);
    }
    unsigned long fired = et_runner_fired(runner);
    et_runner_stop(runner);
    printf("(timer expiries meanwhile: %lu)\n", fired);
    et_device_free(hpet);
    et_device_free(mtimer);
}

/* Table 2: the same reads on bigger devices. */
static void scale_table(long iters, int reps)
{
    static const unsigned harts[] = { 1, 64, ET_RISCV_ACLINT_MAX_HARTS };
    et_clock *clock = et_clock_new_realtime();
    et_device *mt[3];
    for (int i = 0; i < 3; i++) {
        mt[i] = mtimer_armed(clock, harts[i]);
    }
    et_device *hpet3 = hpet_live(clock, 3, 1, 10000);
    et_device *hpet32 = hpet_live(clock, 32, 32, 100000); /* about 1 ms each */
    et_runner *runner = et_runner_start(clock, NULL, 0);
    if (!runner) {
        fail("runner", "cannot start the runner thread");
    }
    static char labels[6][48];
    row rows[MAX_ROWS];
    int n = 0;
    int first_mtime = 0, first_cmp = 0;
    for (int i = 0; i < 3; i++) {
        snprintf(labels[i], sizeof(labels[i]), "ACLINT mtime, %u hart%s", harts[i],
                 harts[i] == 1 ? "" : "s");
        int r = add(rows, &n, (row){ labels[i], K_MTIME, mt[i], clock, iters, first_mtime });
        if (i == 0) {
            first_mtime = rows[r].ratio_to = r;
        }
    }
    for (int i = 0; i < 3; i++) {
        snprintf(labels[3 + i], sizeof(labels[3 + i]), "ACLINT mtimecmp (locked), %u hart%s",
                 harts[i], harts[i] == 1 ? "" : "s");
        /* The locked read scans every hart's timer: fewer reads at 4095. */
        long it = harts[i] > 64 ? iters / 100 : iters;
        int r = add(rows, &n, (row){ labels[3 + i], K_MTIMECMP, mt[i], clock, it, first_cmp });
        if (i == 0) {
            first_cmp = rows[r].ratio_to = r;
        }
    }
    int c3 = add(rows, &n, (row){ "HPET counter, 3 timers (1 periodic)", K_HPET_COUNTER, hpet3,
                                  clock, iters, 0 });
    rows[c3].ratio_to = c3;
    add(rows, &n, (row){ "HPET counter, 32 periodic timers", K_HPET_COUNTER, hpet32, clock,
                         iters, c3 });
    int s3 = add(rows, &n, (row){ "HPET GINTR_STA, 3 timers (1 periodic)", K_HPET_STATUS, hpet3,
                                  clock, iters, 0 });
    rows[s3].ratio_to = s3;
    add(rows, &n, (row){ "HPET GINTR_STA, 32 periodic timers", K_HPET_STATUS, hpet32, clock,
                         iters, s3 });
    printf("\nScale (CLOCK_MONOTONIC clock): %ld reads per thread (locked 4095-hart row: %ld), "
           "median of %d\n", iters, iters / 100, reps);
    print_header();
    print_table(rows, n, 1, reps);
    unsigned long fired = et_runner_fired(runner);
    et_runner_stop(runner);
    printf("(timer expiries meanwhile: %lu)\n", fired);
    for (int i = 0; i < 3; i++) {
        et_device_free(mt[i]);
    }
    et_device_free(hpet3);
    et_device_free(hpet32);
    et_clock_free(clock);
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 200000;
    int reps = argc > 2 ? atoi(argv[2]) : 21;
    if (iters < 100 || reps <= 0 || reps > MAX_REPS) {
        fprintf(stderr, "usage: bench_hpet_counter [ITERS (>= 100) [REPS (1..%d)]]\n", MAX_REPS);
        return 2;
    }
#if HAVE_RDTSC
    tsc_calibrate();
#endif
    printf("emutime %s: counter reads on real-time clocks\n", EMUTIME_VERSION_STRING);

    et_clock *mono = et_clock_new_realtime();
    reads_table(mono, "CLOCK_MONOTONIC real-time clock", iters, reps, true);
    et_clock_free(mono);

    et_clock *tsc = et_clock_new_realtime_tsc();
    if (et_clock_source_of(tsc) == ET_CLOCK_SOURCE_TSC) {
        reads_table(tsc, "TSC real-time clock (et_clock_new_realtime_tsc)", iters, reps, false);
    } else {
        printf("\nTSC real-time clock: not available on this host (%s); rows left out\n",
               et_clock_tsc_status());
    }
    et_clock_free(tsc);

    scale_table(iters, reps > 11 ? 11 : reps);
    printf("\n(interrupt changes delivered: %lu)\n",
           __atomic_load_n(&irq_changes, __ATOMIC_RELAXED));
    return 0;
}
