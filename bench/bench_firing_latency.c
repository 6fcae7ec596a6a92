/* Real-time firing latency: how late a periodic expiry runs after its
 * deadline, for emutime's runner against a plain timerfd loop and libuv's
 * timers, measured in the same run.
 *
 *   runner   one et_timer on a real-time clock, fired by et_runner; its
 *            callback re-arms it at deadline + period (no drift) and notes
 *            its lateness: the host time at the callback, in the clock's
 *            time, minus the deadline (et_clock_now inside the callback).
 *   timerfd  timerfd_create(CLOCK_MONOTONIC) with an absolute first expiry
 *            and the period as interval; a thread blocks in read(). The
 *            k-th expiry's deadline is start + k * period; when a read
 *            reports several expirations, each is noted late by its own
 *            deadline (the runner fires a backlog the same way).
 *   libuv    uv_timer_start with the period as repeat. libuv keeps time in
 *            whole milliseconds and re-arms from the loop's time, so its
 *            deadline for an expiry is (uv_now at the previous callback +
 *            repeat) ms; it cannot run a 10 us period at all, so it has no
 *            100 kHz row.
 *
 * Each rate runs the peers in turn, in ROUNDS rounds of COUNT / ROUNDS
 * expiries each, so that all see the same machine load; p50 / p99 / max
 * are over all of a peer's expiries. The default counts keep `make bench`
 * short: 5000 expiries at 1 kHz (5 s per peer) and 100000 at 100 kHz.
 * EMUTIME_BENCH_FULL=1 runs 10^5 at both (100 s per peer at 1 kHz), or
 * give the counts: bench_firing_latency [COUNT_1KHZ [COUNT_100KHZ]].
 * docs/benchmarks.md ("Firing latency") has the figures.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "emutime/emutime.h"

#define ROUNDS 5

static int64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The latenesses of one peer, in ns. */
typedef struct samples {
    int64_t *v;
    long n, cap;
} samples;

static void note(samples *s, int64_t late)
{
    if (s->n < s->cap) {
        s->v[s->n++] = late;
    }
}

/* --- emutime's runner ------------------------------------------------------ */

typedef struct runner_job {
    et_clock *clock;
    et_timer *timer;
    int64_t period;
    int64_t host_to_clock; /* clock time = host time + this */
    long left;             /* atomic: expiries still to note */
    samples *out;
} runner_job;

static void runner_expired(void *opaque)
{
    runner_job *j = opaque;
    int64_t deadline = et_clock_now(j->clock); /* the callback's own deadline */
    int64_t late = host_ns() + j->host_to_clock - deadline;
    if (__atomic_load_n(&j->left, __ATOMIC_RELAXED) > 0) {
        note(j->out, late);
        __atomic_sub_fetch(&j->left, 1, __ATOMIC_RELEASE);
        et_timer_mod(j->timer, deadline + j->period);
    }
}

static void run_runner(int64_t period, long count, samples *out)
{
    runner_job j = { .clock = et_clock_new_realtime(), .period = period, .left = count,
                     .out = out };
    /* The clock's offset from host time, bracketed: it is constant while
     * the clock runs. */
    int64_t a = host_ns();
    int64_t v = et_clock_now(j.clock);
    int64_t b = host_ns();
    j.host_to_clock = v - (a + (b - a) / 2);
    j.timer = et_timer_new(j.clock, runner_expired, &j);
    et_runner *r = et_runner_start(j.clock, NULL, 0);
    if (!r) {
        fprintf(stderr, "bench_firing_latency: cannot start the runner\n");
        exit(1);
    }
    et_timer_mod(j.timer, et_clock_now(j.clock) + period);
    struct timespec nap = { 0, 1000000 };
    while (__atomic_load_n(&j.left, __ATOMIC_ACQUIRE) > 0) {
        nanosleep(&nap, NULL);
    }
    et_timer_free(j.timer);
    et_runner_stop(r);
    et_clock_free(j.clock);
}

/* --- a plain timerfd loop ------------------------------------------------- */

static void run_timerfd(int64_t period, long count, samples *out)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    if (fd < 0) {
        perror("timerfd_create");
        exit(1);
    }
    int64_t start = host_ns() + period;
    struct itimerspec its = {
        .it_interval = { period / 1000000000, period % 1000000000 },
        .it_value = { start / 1000000000, start % 1000000000 },
    };
    timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
    long k = 0;
    while (k < count) {
        uint64_t n;
        if (read(fd, &n, sizeof(n)) != (ssize_t)sizeof(n)) {
            continue;
        }
        int64_t now = host_ns();
        for (uint64_t i = 0; i < n && k < count; i++, k++) {
            note(out, now - (start + k * period));
        }
    }
    close(fd);
}

/* --- libuv ----------------------------------------------------------------- */

typedef struct uv_job {
    uv_timer_t timer;
    uint64_t due_ms; /* the loop time the next expiry is due at */
    uint64_t repeat_ms;
    long left;
    samples *out;
} uv_job;

static void uv_expired(uv_timer_t *t)
{
    uv_job *j = t->data;
    note(j->out, (int64_t)uv_hrtime() - (int64_t)(j->due_ms * 1000000));
    /* libuv re-arms from the loop's time at this callback. */
    j->due_ms = uv_now(t->loop) + j->repeat_ms;
    if (--j->left == 0) {
        uv_timer_stop(t);
    }
}

static void run_libuv(int64_t period, long count, samples *out)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_job j = { .repeat_ms = (uint64_t)(period / 1000000), .left = count, .out = out };
    uv_timer_init(&loop, &j.timer);
    j.timer.data = &j;
    uv_update_time(&loop);
    j.due_ms = uv_now(&loop) + j.repeat_ms;
    uv_timer_start(&j.timer, uv_expired, j.repeat_ms, j.repeat_ms);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&j.timer, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
}

/* --- the table --------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void print_row(const char *rate, const char *peer, samples *s)
{
    qsort(s->v, (size_t)s->n, sizeof(s->v[0]), cmp_i64);
    int64_t p50 = s->v[s->n / 2];
    int64_t p99 = s->v[(long)((double)s->n * 0.99)];
    int64_t max = s->v[s->n - 1];
    printf("%-8s %-8s %8ld %10.1f %10.1f %10.1f %10.1f\n", rate, peer, s->n, (double)s->v[0] / 1e3,
           (double)p50 / 1e3, (double)p99 / 1e3, (double)max / 1e3);
}

typedef void (*peer_fn)(int64_t period, long count, samples *out);

static void rate(const char *name, int64_t period, long count, bool with_libuv)
{
    static const char *const names[] = { "runner", "timerfd", "libuv" };
    peer_fn fns[] = { run_runner, run_timerfd, run_libuv };
    int peers = with_libuv ? 3 : 2;
    samples s[3];
    for (int p = 0; p < peers; p++) {
        s[p] = (samples){ .v = calloc((size_t)count, sizeof(int64_t)), .cap = count };
        if (!s[p].v) {
            fprintf(stderr, "bench_firing_latency: out of memory\n");
            exit(1);
        }
    }
    for (int round = 0; round < ROUNDS; round++) {
        long n = count / ROUNDS + (round < count % ROUNDS ? 1 : 0);
        for (int p = 0; p < peers; p++) {
            if (n > 0) {
                fns[p](period, n, &s[p]);
            }
        }
    }
    for (int p = 0; p < peers; p++) {
        print_row(name, names[p], &s[p]);
        free(s[p].v);
    }
    if (!with_libuv) {
        printf("%-8s %-8s   (no row: libuv timers have millisecond resolution)\n", name, "libuv");
    }
}

int main(int argc, char **argv)
{
    bool full = getenv("EMUTIME_BENCH_FULL") && strcmp(getenv("EMUTIME_BENCH_FULL"), "0") != 0;
    long n1k = full ? 100000 : 5000, n100k = 100000;
    if (argc > 1) {
        n1k = atol(argv[1]);
    }
    if (argc > 2) {
        n100k = atol(argv[2]);
    }
    if (n1k < ROUNDS || n100k < ROUNDS) {
        fprintf(stderr, "usage: bench_firing_latency [COUNT_1KHZ [COUNT_100KHZ]] (each >= %d)\n",
                ROUNDS);
        return 2;
    }
    printf("Firing latency of periodic expiries (lateness after the deadline, us), "
           "%d interleaved rounds%s\n\n", ROUNDS, full ? ", full counts" : "");
    printf("%-8s %-8s %8s %10s %10s %10s %10s\n", "rate", "peer", "expiries", "min", "p50", "p99",
           "max");
    rate("1 kHz", 1000000, n1k, true);
    rate("100 kHz", 10000, n100k, false);
    return 0;
}
