/* riscv-smp: QEMU's virt board with 4 harts on Unicorn, emutime as its
 * ACLINT (MTIMER and MSWI). One Unicorn instance per hart, each on its own
 * thread, all sharing one host buffer as guest RAM.
 *
 *   riscv_smp FIRMWARE.bin [--mode icount|realtime] [--trace FILE]
 *             [--inject early-tick|time-skew|lost-ipi]
 *   riscv_smp FIRMWARE.bin --bench
 *
 * icount: the machine's manual clock advances by guest instructions. The
 *   harts run in lock-step quanta of QUANTUM instructions: hart 0, then 1,
 *   2, 3 (each on its own thread, handing a token on), then the clock steps
 *   by QUANTUM * NS_PER_INSN and the next quantum starts. Interrupts are
 *   taken at the start of a hart's turn. Everything a hart observes (shared
 *   RAM, the ACLINT, mtime) is then a function of instruction counts alone,
 *   so the interrupt trace is the same byte for byte on every run.
 *   (Running the four turns of a quantum at once would make what a hart
 *   reads of the others' writes depend on host scheduling: the firmware's
 *   wait loops would spin a different number of times from run to run.)
 * realtime: a real-time clock with emutime's runner; the hart threads run
 *   freely and at once, SLICE instructions at a time, taking interrupts
 *   between slices (a rising MSIP or MTIP ends the hart's slice early). The exit status checks each hart's tick rate against
 *   host time.
 *
 * Exit status: 0 PASS, 1 FAIL (or a firmware that cannot be read), 2 usage. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emutime/devices/riscv_aclint.h"
#include "sim.h"

#define NS_PER_INSN 10u        /* icount: a 100 MHz hart */
#define QUANTUM 1000u          /* icount: instructions per hart per turn */
#define SLICE 5000u            /* realtime: instructions between interrupt checks, */
#define SLICE_AFTER_IRQ 500u   /* and after taking one: about 5 handler runs, so
                                * ticks a descheduled hart owes are made up fast */
#define MTIME_NS (1000000000u / ET_RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ)

/* What the firmware is asked to do (a1-a3 of every hart). */
typedef struct params {
    uint64_t base;    /* hart 0's tick period in mtime ticks; hart N's is N + 1 times it */
    uint64_t ticks;   /* ticks each hart waits for */
    uint64_t rounds;  /* IPIs each hart sends to each other one */
    uint64_t limit_ns; /* the run fails when it lasts longer (virtual / host time); icount
                        * passes at about 21 ms, real time at about 400 ms */
    uint64_t quanta;  /* icount: stop after this many quanta (bench), 0: never */
} params;

/* icount: hart 0 ticks every 103.7 us, so that deadlines fall inside
 * quanta (10 us) and the latency a quantum adds shows in the trace. */
static const params icount_params = { 1037, 50, 16, 100000000u, 0 };
static const params realtime_params = { 5000, 100, 50, 20000000000u, 0 };

void sim_finish(sim *s, int verdict, unsigned code, const char *reason)
{
    int running = RUNNING;
    if (atomic_compare_exchange_strong(&s->verdict, &running, verdict)) {
        s->fail_code = code;
        snprintf(s->fail_reason, sizeof(s->fail_reason), "%s", reason ? reason : "");
    }
}

void sim_trace(sim *s, const char *fmt, ...)
{
    if (!s->trace) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&s->trace_lock);
    vfprintf(s->trace, fmt, ap);
    pthread_mutex_unlock(&s->trace_lock);
    va_end(ap);
}

static void start_thread(pthread_t *tid, void *(*fn)(void *), void *arg)
{
    int e = pthread_create(tid, NULL, fn, arg);
    if (e != 0) {
        fprintf(stderr, "riscv-smp: cannot start a hart thread: %s\n", strerror(e));
        exit(1);
    }
}

/* --- instruction-count mode: lock-step quanta ----------------------------- */

typedef struct lockstep {
    sim *s;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned turn;  /* the hart whose turn it is; NHARTS: the clock's */
    bool quit;
} lockstep;

typedef struct hart_thread {
    lockstep *ls;   /* icount; NULL in realtime */
    hart *h;
} hart_thread;

static void *icount_hart(void *opaque)
{
    hart_thread *t = opaque;
    lockstep *ls = t->ls;
    for (;;) {
        pthread_mutex_lock(&ls->lock);
        while (ls->turn != t->h->id && !ls->quit) {
            pthread_cond_wait(&ls->cond, &ls->lock);
        }
        bool quit = ls->quit;
        pthread_mutex_unlock(&ls->lock);
        if (quit) {
            return NULL;
        }
        hart_take_interrupt(t->h);
        hart_run(t->h, QUANTUM);
        pthread_mutex_lock(&ls->lock);
        ls->turn = t->h->id + 1;
        pthread_cond_broadcast(&ls->cond);
        pthread_mutex_unlock(&ls->lock);
    }
}

static void run_icount(sim *s, const params *p)
{
    lockstep ls = { .s = s, .turn = NHARTS };
    pthread_mutex_init(&ls.lock, NULL);
    pthread_cond_init(&ls.cond, NULL);
    hart_thread ts[NHARTS];
    pthread_t tid[NHARTS];
    for (unsigned i = 0; i < NHARTS; i++) {
        ts[i] = (hart_thread){ &ls, &s->harts[i] };
        start_thread(&tid[i], icount_hart, &ts[i]);
    }
    for (uint64_t q = 0; atomic_load(&s->verdict) == RUNNING; q++) {
        if (p->quanta ? q == p->quanta
                      : (uint64_t)et_clock_now(s->clock) >= p->limit_ns) {
            sim_finish(s, FAILED, 0, p->quanta ? "stopped after the quanta asked for"
                                                : "virtual time limit reached");
            break;
        }
        pthread_mutex_lock(&ls.lock);
        ls.turn = 0;
        pthread_cond_broadcast(&ls.cond);
        while (ls.turn != NHARTS) {
            pthread_cond_wait(&ls.cond, &ls.lock);
        }
        pthread_mutex_unlock(&ls.lock);
        /* Fires the MTIMER's expiries due in the quantum, on this thread. */
        et_clock_step(s->clock, (int64_t)QUANTUM * NS_PER_INSN);
    }
    pthread_mutex_lock(&ls.lock);
    ls.quit = true;
    pthread_cond_broadcast(&ls.cond);
    pthread_mutex_unlock(&ls.lock);
    for (unsigned i = 0; i < NHARTS; i++) {
        pthread_join(tid[i], NULL);
    }
    pthread_cond_destroy(&ls.cond);
    pthread_mutex_destroy(&ls.lock);
}

/* --- real-time mode: free-running vCPU threads ----------------------------- */

static void *realtime_hart(void *opaque)
{
    hart_thread *t = opaque;
    while (atomic_load(&t->h->sim->verdict) == RUNNING) {
        hart_run(t->h, hart_take_interrupt(t->h) ? SLICE_AFTER_IRQ : SLICE);
    }
    return NULL;
}

static void run_realtime(sim *s, const params *p)
{
    hart_thread ts[NHARTS];
    pthread_t tid[NHARTS];
    int64_t start = et_host_monotonic_ns();
    for (unsigned i = 0; i < NHARTS; i++) {
        ts[i] = (hart_thread){ NULL, &s->harts[i] };
        start_thread(&tid[i], realtime_hart, &ts[i]);
    }
    while (atomic_load(&s->verdict) == RUNNING) {
        if ((uint64_t)(et_host_monotonic_ns() - start) > p->limit_ns) {
            sim_finish(s, FAILED, 0, "host time limit reached");
            break;
        }
        struct timespec ms = { 0, 1000000 };
        nanosleep(&ms, NULL);
    }
    for (unsigned i = 0; i < NHARTS; i++) {
        pthread_join(tid[i], NULL);
    }
}

/* Real time: every hart's ticks against the time the run took. A tick is
 * never early (the firmware checks), so n ticks of period P take at least
 * n * P; a loaded host may run the vCPUs late, but the firmware re-arms
 * from the previous deadline, so late ticks are made up: the rate must be
 * at least a quarter of the programmed one. */
static int check_rates(sim *s, const params *p, int64_t elapsed_ns)
{
    int bad = 0;
    for (unsigned i = 0; i < NHARTS; i++) {
        uint64_t period_ns = p->base * (i + 1) * MTIME_NS;
        uint64_t expected = (uint64_t)elapsed_ns / period_ns;
        uint64_t n = s->harts[i].timer_irqs;
        printf("hart%u: %" PRIu64 " ticks in %.1f ms, %" PRIu64 " expected at %" PRIu64
               " us\n",
               i, n, elapsed_ns / 1e6, expected, period_ns / 1000);
        if (n > expected + 1 || n * 4 < expected) {
            fprintf(stderr, "riscv-smp: hart%u's tick rate is off: %" PRIu64 " for %" PRIu64
                            "\n", i, n, expected);
            bad = 1;
        }
    }
    return bad;
}

/* --- setup ------------------------------------------------------------------ */

static int load_firmware(const char *path, uint8_t *ram)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "riscv-smp: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = fread(ram, 1, RAM_SIZE, f);
    int bad = ferror(f) || n == 0 || !feof(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "riscv-smp: %s: empty, unreadable or larger than %u bytes\n", path,
                RAM_SIZE);
        return -1;
    }
    return 0;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One run of the firmware. Returns the verdict; *elapsed_ns is how long it
 * took (virtual time in icount, host time in realtime). */
static int run(sim *s, const char *firmware, bool icount, int inject, const params *p,
               FILE *trace, int64_t *elapsed_ns, double *host_s)
{
    char err[256];
    memset(s, 0, sizeof(*s));
    s->icount = icount;
    s->inject = inject;
    s->trace = trace;
    pthread_mutex_init(&s->trace_lock, NULL);
    s->ram = calloc(1, RAM_SIZE);
    if (!s->ram || load_firmware(firmware, s->ram) != 0) {
        free(s->ram);
        return -1;
    }
    et_clock *rt = icount ? NULL : et_clock_new_realtime();
    s->machine = icount ? et_machine_new("virt,smp=4", err, sizeof(err))
                        : et_machine_new_on_clock("virt,smp=4", rt, err, sizeof(err));
    if (!s->machine) {
        fprintf(stderr, "riscv-smp: %s\n", err);
        exit(1);
    }
    s->clock = et_machine_clock(s->machine);
    s->mtimer = et_machine_find_device(s->machine, "mtimer");
    const uint64_t args[3] = { p->base, p->ticks, p->rounds };
    for (unsigned i = 0; i < NHARTS; i++) {
        char name[16];
        snprintf(name, sizeof(name), "hart%u", i);
        if (hart_open(&s->harts[i], s, i, s->ram, RAM_BASE, args) != 0 ||
            et_machine_set_controller_sink(s->machine, name, hart_input, &s->harts[i]) != 0) {
            exit(1);
        }
        /* The sink hears changes only: start from the level now (MTIP is
         * high from power-on, mtimecmp being 0). */
        if (et_riscv_aclint_mtimer_mtip(s->mtimer, i) == 1) {
            atomic_fetch_or(&s->harts[i].pending, 1u << MIP_MTIP);
        }
    }
    et_runner *runner = icount ? NULL : et_runner_start(rt, NULL, 0);
    int64_t t0 = et_clock_now(s->clock);
    int64_t h0 = et_host_monotonic_ns();
    double c0 = cpu_seconds();
    if (icount) {
        run_icount(s, p);
    } else {
        run_realtime(s, p);
    }
    *elapsed_ns = et_clock_now(s->clock) - t0;
    *host_s = (et_host_monotonic_ns() - h0) / 1e9;
    s->cpu_s = cpu_seconds() - c0;
    if (runner) {
        et_runner_stop(runner);
    }
    for (unsigned i = 0; i < NHARTS; i++) {
        hart_close(&s->harts[i]);
    }
    et_machine_free(s->machine);
    if (rt) {
        et_clock_free(rt);
    }
    free(s->ram);
    pthread_mutex_destroy(&s->trace_lock);
    return atomic_load(&s->verdict);
}

static void report(const sim *s, int verdict, int64_t elapsed_ns, double host_s, FILE *out)
{
    if (verdict == PASSED) {
        fprintf(out, "PASS at %" PRId64 " ns\n", elapsed_ns);
    } else if (s->fail_reason[0]) {
        fprintf(out, "FAIL: %s\n", s->fail_reason);
    } else {
        fprintf(out, "FAIL: hart%u, firmware error %u\n", s->fail_code / 16, s->fail_code % 16);
    }
    uint64_t insns = 0;
    for (unsigned i = 0; i < NHARTS; i++) {
        const hart *h = &s->harts[i];
        insns += h->insns;
        fprintf(out,
                "hart%u: %" PRIu64 " insns, %" PRIu64 " MTI, %" PRIu64 " MSI, %" PRIu64
                " rdtime, MTI latency avg %" PRIu64 " max %" PRIu64 " ns\n",
                i, h->insns, h->timer_irqs, h->soft_irqs, h->rdtimes,
                h->timer_irqs ? h->latency_sum_ns / h->timer_irqs : 0, h->latency_max_ns);
    }
    if (host_s > 0) {
        fprintf(stdout, "%.1f M guest instructions per host second (4 harts)\n",
                insns / host_s / 1e6);
    }
}

/* --- benchmark --------------------------------------------------------------- */

static uint64_t irqs_of(const sim *s)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < NHARTS; i++) {
        n += s->harts[i].timer_irqs + s->harts[i].soft_irqs;
    }
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define BENCH_REPS 7
#define BENCH_QUANTA 2000u

/* Host CPU time (every thread's: the figures do not count the time a loaded
 * host keeps the threads waiting), the best of BENCH_REPS alternating runs
 * (a shared host only ever adds time: steal, contended caches). */
static int bench(const char *firmware)
{
    static sim s;
    int64_t el;
    double wall;
    /* The same number of quanta with no interrupt (no tick is ever due,
     * no IPI is sent) and with every hart's ticks (and no IPI: an endless
     * exchange would keep MSI, which goes first, pending at every turn). */
    params quiet = { UINT64_C(1) << 40, UINT64_MAX, 0, 0, BENCH_QUANTA };
    params busy = { 103, UINT64_MAX, 0, 0, BENCH_QUANTA };
    double quiet_s[BENCH_REPS], busy_s[BENCH_REPS], rt_ips[BENCH_REPS];
    uint64_t irqs = 0, lat_sum = 0, lat_max = 0, mti = 0;
    for (int r = 0; r < BENCH_REPS; r++) {
        if (run(&s, firmware, true, INJECT_NONE, &quiet, NULL, &el, &wall) < 0) {
            return 1;
        }
        quiet_s[r] = s.cpu_s;
        run(&s, firmware, true, INJECT_NONE, &busy, NULL, &el, &wall);
        busy_s[r] = s.cpu_s;
        irqs = irqs_of(&s); /* the same every run: icount */
        lat_sum = lat_max = mti = 0;
        for (unsigned i = 0; i < NHARTS; i++) {
            lat_sum += s.harts[i].latency_sum_ns;
            mti += s.harts[i].timer_irqs;
            lat_max = s.harts[i].latency_max_ns > lat_max ? s.harts[i].latency_max_ns : lat_max;
        }
        if (run(&s, firmware, false, INJECT_NONE, &realtime_params, NULL, &el, &wall) !=
            PASSED) {
            fprintf(stderr, "riscv-smp: the real-time run failed: %s\n", s.fail_reason);
            return 1;
        }
        uint64_t rt_insns = 0;
        for (unsigned i = 0; i < NHARTS; i++) {
            rt_insns += s.harts[i].insns;
        }
        rt_ips[r] = rt_insns / s.cpu_s;
    }
    qsort(quiet_s, BENCH_REPS, sizeof(double), cmp_double);
    qsort(busy_s, BENCH_REPS, sizeof(double), cmp_double);
    qsort(rt_ips, BENCH_REPS, sizeof(double), cmp_double);
    double insns = (double)BENCH_QUANTA * QUANTUM * NHARTS;
    int m = 0, best = BENCH_REPS - 1; /* the fewest seconds, the most insns/s */
    printf("riscv-smp (4 harts, host CPU time, best of %d):\n", BENCH_REPS);
    printf("  icount, no interrupts:   %.1f M insns/s\n", insns / quiet_s[m] / 1e6);
    printf("  icount, with interrupts: %.1f M insns/s (%" PRIu64 " MTI in %.0f M insns)\n",
           insns / busy_s[m] / 1e6, irqs, insns / 1e6);
    printf("  cost per interrupt:      %.2f us\n", (busy_s[m] - quiet_s[m]) / (double)irqs * 1e6);
    printf("  MTI latency:             avg %" PRIu64 " max %" PRIu64 " instructions\n",
           mti ? lat_sum / mti / NS_PER_INSN : 0, lat_max / NS_PER_INSN);
    printf("  realtime run (PASS):     %.1f M insns/s\n", rt_ips[best] / 1e6);
    return 0;
}

int main(int argc, char **argv)
{
    const char *firmware = NULL, *trace_path = NULL, *mode = "icount";
    bool do_bench = false;
    int inject = INJECT_NONE;
    static const char *const injects[] = { "", "early-tick", "time-skew", "lost-ipi" };
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
            mode = argv[++i];
        } else if (!strcmp(argv[i], "--trace") && i + 1 < argc) {
            trace_path = argv[++i];
        } else if (!strcmp(argv[i], "--inject") && i + 1 < argc) {
            i++;
            for (int k = 1; k < 4; k++) {
                inject = !strcmp(argv[i], injects[k]) ? k : inject;
            }
            if (inject == INJECT_NONE) {
                firmware = NULL;
                break;
            }
        } else if (!strcmp(argv[i], "--bench")) {
            do_bench = true;
        } else if (argv[i][0] != '-' && !firmware) {
            firmware = argv[i];
        } else {
            firmware = NULL;
            break;
        }
    }
    bool icount = !strcmp(mode, "icount");
    if (!firmware || (!icount && strcmp(mode, "realtime"))) {
        fprintf(stderr, "usage: %s FIRMWARE.bin [--mode icount|realtime] [--trace FILE] "
                        "[--inject early-tick|time-skew|lost-ipi] [--bench]\n", argv[0]);
        return 2;
    }
    if (do_bench) {
        return bench(firmware);
    }
    FILE *trace = NULL;
    if (trace_path && !(trace = fopen(trace_path, "w"))) {
        fprintf(stderr, "riscv-smp: %s: %s\n", trace_path, strerror(errno));
        return 2;
    }
    static sim s;
    const params *p = icount ? &icount_params : &realtime_params;
    int64_t elapsed;
    double host_s;
    int verdict = run(&s, firmware, icount, inject, p, trace, &elapsed, &host_s);
    if (verdict < 0) {
        return 1;
    }
    if (trace) {
        report(&s, verdict, elapsed, 0, trace); /* deterministic in icount */
        fclose(trace);
    }
    report(&s, verdict, elapsed, host_s, stdout);
    int bad = verdict != PASSED;
    if (!bad && !icount) {
        bad = check_rates(&s, p, elapsed);
    }
    return bad ? 1 : 0;
}
