/* Snapshot benchmark: save and load of a machine of N CMSDK APB timers
 * (default 1000), each running periodically (about 40 us, each its own
 * reload value) with its interrupt enabled, on one clock.
 *
 *   save        et_snapshot_save of the whole machine on a manual clock:
 *               every device lock taken, catch-up, encoding, CRC-32.
 *   save (rt)   the same on a running real-time clock driven by the runner
 *               thread (10 to 14 ms periods there), whose expiries compete
 *               for the device locks.
 *   load        et_snapshot_load into a second machine of N timers that was
 *               reset and whose clock is elsewhere: validation, clock
 *               re-base, every field stored, every ptimer re-armed, every
 *               line re-synchronised.
 *   describe    et_snapshot_describe to /dev/null.
 *   memcpy      copying the same number of bytes, the floor a snapshot
 *               could ever reach, for the ratio.
 *
 * Each figure is the median of REPS runs, in wall-clock time and in the
 * thread's CPU time (steadier on a loaded machine). Usage:
 * bench_snapshot [N [REPS]].
 * docs/benchmarks.md ("Snapshots") has the figures and their reading. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_load.h"
#include "emutime/devices/cmsdk_apb_timer.h"
#include "emutime/emutime.h"

#ifndef EMUTIME_VERSION_STRING
#define EMUTIME_VERSION_STRING "?"
#endif

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One timed run: wall and CPU time. */
typedef struct span {
    int64_t wall0, cpu0;
} span;

static span span_start(void)
{
    span sp = { now_ns(), cpu_ns() };
    return sp;
}

static void span_end(span sp, int64_t *wall, int64_t *cpu)
{
    *cpu = cpu_ns() - sp.cpu0;
    *wall = now_ns() - sp.wall0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t median(int64_t *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_i64);
    return v[n / 2];
}

static unsigned long irq_changes;

static void count_sink(void *opaque, int n, int level)
{
    (void)opaque;
    (void)n;
    (void)level;
    __atomic_add_fetch(&irq_changes, 1, __ATOMIC_RELAXED);
}

static void die(const char *what, const char *err)
{
    fprintf(stderr, "bench_snapshot: %s: %s\n", what, err);
    exit(1);
}

/* N timers named t0, t1, ...; when running, RELOAD reload + i * stride
 * ticks of the 25 MHz PCLK, so the deadlines are spread out. */
static et_device **machine_new(et_clock *clock, et_clock_input *pclk, int n, int running,
                               uint64_t reload, uint64_t stride)
{
    et_device **devs = calloc((size_t)n, sizeof(*devs));
    char err[256];
    if (!devs) {
        die("machine", "out of memory");
    }
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof(name), "t%d", i);
        et_cmsdk_apb_timer_config cfg = { .pclk = pclk };
        devs[i] = et_cmsdk_apb_timer_new(clock, name, &cfg, err, sizeof(err));
        if (!devs[i]) {
            die("create", err);
        }
        et_irq_connect(et_device_irq(devs[i], 0), count_sink, NULL, i);
        if (running) {
            et_device_write(devs[i], ET_CMSDK_TIMER_RELOAD, reload + (uint64_t)i * stride, 4);
            et_device_write(devs[i], ET_CMSDK_TIMER_CTRL,
                            ET_CMSDK_TIMER_CTRL_EN | ET_CMSDK_TIMER_CTRL_IRQEN, 4);
        }
    }
    return devs;
}

static void machine_free(et_device **devs, int n)
{
    for (int i = 0; i < n; i++) {
        et_device_free(devs[i]);
    }
    free(devs);
}

/* Medians of one machine size's save and load, and the snapshot saved. */
typedef struct save_load {
    int64_t save_wall, save_cpu, load_wall, load_cpu;
    uint8_t *snap;
    size_t len;
} save_load;

/* Saves a machine of n running timers (1 ms into its run, manual clock)
 * reps times, loads it reps times into a reset machine whose clock is
 * elsewhere, and checks that the restored machine saves the same bytes. */
static save_load measure_save_load(et_clock_input *pclk, int n, int reps, int64_t *t, int64_t *c)
{
    char err[256];
    save_load r = { 0 };
    et_clock *src_clock = et_clock_new_manual();
    et_device **src = machine_new(src_clock, pclk, n, 1, 1000, 1); /* ~40 us periods */
    et_clock_step(src_clock, 1000000);
    for (int i = 0; i < reps; i++) {
        free(r.snap);
        span sp = span_start();
        if (et_snapshot_save(src_clock, src, (size_t)n, "bench", &r.snap, &r.len, err,
                             sizeof(err))) {
            die("save", err);
        }
        span_end(sp, &t[i], &c[i]);
    }
    r.save_wall = median(t, reps);
    r.save_cpu = median(c, reps);

    et_clock *dst_clock = et_clock_new_manual();
    et_clock_set(dst_clock, 123456789);
    et_device **dst = machine_new(dst_clock, pclk, n, 0, 0, 0);
    for (int i = 0; i < reps; i++) {
        for (int d = 0; d < n; d++) {
            et_device_reset(dst[d]);
        }
        span sp = span_start();
        if (et_snapshot_load(dst_clock, dst, (size_t)n, "bench", r.snap, r.len, err,
                             sizeof(err))) {
            die("load", err);
        }
        span_end(sp, &t[i], &c[i]);
    }
    r.load_wall = median(t, reps);
    r.load_cpu = median(c, reps);
    /* Sanity: the restored machine is the source machine. */
    uint8_t *again = NULL;
    size_t again_len = 0;
    if (et_snapshot_save(dst_clock, dst, (size_t)n, "bench", &again, &again_len, err,
                         sizeof(err)) ||
        again_len != r.len || memcmp(again, r.snap, r.len) != 0) {
        die("check", "the restored machine does not save the same bytes");
    }
    free(again);
    machine_free(src, n);
    machine_free(dst, n);
    et_clock_free(src_clock);
    et_clock_free(dst_clock);
    return r;
}

/* Save and load at 1, 10, 100 and 1000 devices (then n if another), with
 * the ratio of each to the smallest case: total time, and time per
 * device (1.0: linear; below: fixed costs spread over more devices). The
 * row of n devices is the main table's measurement (main). */
static void scale_rows(et_clock_input *pclk, int n, const save_load *main, int reps, int64_t *t,
                       int64_t *c)
{
    int sizes[5] = { 1, 10, 100, 1000, n };
    int n_sizes = n == 1 || n == 10 || n == 100 || n == 1000 ? 4 : 5; /* then n */
    printf("\nscale (CPU time, median of %d runs; ratios to 1 device)\n", reps);
    printf("%8s %10s %10s %10s %12s %10s %10s %10s %12s\n", "devices", "save us", "x 1 dev",
           "ns/dev", "per-dev x", "load us", "x 1 dev", "ns/dev", "per-dev x");
    double save1 = 0, load1 = 0;
    for (int k = 0; k < n_sizes; k++) {
        save_load r = *main;
        if (sizes[k] != n) {
            r = measure_save_load(pclk, sizes[k], reps, t, c);
            free(r.snap);
        }
        double save = (double)r.save_cpu, load = (double)r.load_cpu;
        if (k == 0) {
            save1 = save > 0 ? save : 1;
            load1 = load > 0 ? load : 1;
        }
        int d = sizes[k];
        printf("%8d %10.1f %10.1f %10.0f %12.2f %10.1f %10.1f %10.0f %12.2f\n", d, save / 1e3,
               save / save1, save / d, save / d / save1, load / 1e3, load / load1, load / d,
               load / d / load1);
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int reps = argc > 2 ? atoi(argv[2]) : 51;
    if (n <= 0 || reps <= 0 || reps > 1001) {
        fprintf(stderr, "usage: bench_snapshot [devices [repetitions (1..1001)]]\n");
        return 2;
    }
    char err[256];
    int64_t *t = calloc((size_t)reps, sizeof(*t));
    int64_t *c = calloc((size_t)reps, sizeof(*c));
    et_clock_input *pclk = et_clock_input_new("pclk");
    et_clock_input_set_hz(pclk, 25000000);
    double load_start = bench_load_average();

    save_load main_case = measure_save_load(pclk, n, reps, t, c);
    uint8_t *snap = main_case.snap;
    size_t len = main_case.len;
    int64_t save_ns = main_case.save_wall, save_cpu = main_case.save_cpu;
    int64_t load_ns = main_case.load_wall, load_cpu = main_case.load_cpu;

    FILE *devnull = fopen("/dev/null", "w");
    for (int r = 0; r < reps; r++) {
        span sp = span_start();
        if (et_snapshot_describe(snap, len, devnull, err, sizeof(err))) {
            die("describe", err);
        }
        span_end(sp, &t[r], &c[r]);
    }
    int64_t describe_ns = median(t, reps), describe_cpu = median(c, reps);
    fclose(devnull);

    uint8_t *copy = malloc(len);
    volatile uint8_t sink = 0;
    for (int r = 0; r < reps; r++) {
        span sp = span_start();
        memcpy(copy, snap, len);
        sink ^= copy[r % len];
        span_end(sp, &t[r], &c[r]);
    }
    int64_t memcpy_ns = median(t, reps), memcpy_cpu = median(c, reps);
    (void)sink;
    free(copy);

    /* A live machine: real-time clock, runner thread firing the expiries.
     * Periods of 10 to 14 ms (for 1000 timers, about 80000 expiries a
     * second: a load the runner keeps up with, unlike 40 us periods). */
    et_clock *rt = et_clock_new_realtime();
    et_device **live = machine_new(rt, pclk, n, 1, 250000, 100);
    et_runner *runner = et_runner_start(rt, NULL, 0);
    uint8_t *live_snap = NULL;
    size_t live_len = 0;
    for (int r = 0; r < reps; r++) {
        free(live_snap);
        span sp = span_start();
        if (et_snapshot_save(rt, live, (size_t)n, "bench", &live_snap, &live_len, err,
                             sizeof(err))) {
            die("live save", err);
        }
        span_end(sp, &t[r], &c[r]);
    }
    int64_t live_ns = median(t, reps), live_cpu = median(c, reps);
    et_runner_stop(runner);
    free(live_snap);

    printf("emutime %s snapshot benchmark: %d CMSDK APB timers, median of %d runs\n",
           EMUTIME_VERSION_STRING, n, reps);
    printf("load average at start: %.2f\n", load_start);
    printf("snapshot size     %zu bytes (%.1f per device)\n", len, (double)len / n);
    printf("%-17s %10s %10s %14s %10s\n", "", "wall us", "CPU us", "CPU ns/device",
           "x memcpy");
    printf("%-17s %10.1f %10.1f %14.0f %10.0f\n", "save (manual)", save_ns / 1e3,
           save_cpu / 1e3, (double)save_cpu / n, (double)save_cpu / (double)memcpy_cpu);
    printf("%-17s %10.1f %10.1f %14.0f\n", "save (real-time)", live_ns / 1e3, live_cpu / 1e3,
           (double)live_cpu / n);
    printf("%-17s %10.1f %10.1f %14.0f %10.0f\n", "load", load_ns / 1e3, load_cpu / 1e3,
           (double)load_cpu / n, (double)load_cpu / (double)memcpy_cpu);
    printf("%-17s %10.1f %10.1f\n", "describe", describe_ns / 1e3, describe_cpu / 1e3);
    printf("%-17s %10.1f %10.1f\n", "memcpy (floor)", memcpy_ns / 1e3, memcpy_cpu / 1e3);

    scale_rows(pclk, n, &main_case, reps, t, c);
    printf("load average at end: %.2f\n", bench_load_average());

    free(snap);
    free(t);
    free(c);
    machine_free(live, n);
    et_clock_free(rt);
    et_clock_input_free(pclk);
    return 0;
}
