/* qtest throughput: commands per second for a long pipelined script on
 * mps2-an385, emutime against QEMU.
 *
 * The script keeps CMSDK APB timer 0 running (RELOAD 249: an expiry every
 * 10 us of virtual time, interrupt enabled, the NVIC intercepted) and
 * repeats four commands: read VALUE, read INTSTATUS, clear INTSTATUS, step
 * the clock by 2.5 us. Every fourth step crosses an expiry, so the replies
 * include "IRQ raise 8" / "IRQ lower 8" lines.
 *
 * Three measurements, each the best of a few runs, in wall-clock time and in
 * the CPU time (user + system) of the process serving the protocol (the
 * figure that holds on a loaded machine):
 *   in-process  et_qtest_feed of the whole script, output counted and
 *               dropped: the server's own cost;
 *   emutime     `emutime qtest` as a child process, the script written into
 *               its stdin by one thread while this one reads its stdout,
 *               until the last reply: what a test harness sees;
 *   QEMU        the same with qemu-system-arm -machine mps2-an385 -accel
 *               qtest -qtest stdio (and -qtest-log /dev/null, or QEMU logs
 *               every command to stderr). QEMU does not exit at the end of
 *               its input: it is killed after its last reply. Skipped when
 *               no QEMU is found or it lacks the qtest accelerator.
 *
 * Usage: bench_qtest [--iterations N] [--emutime PATH] [--qemu PATH|none]
 * QEMU defaults to $EMUTIME_BENCH_QEMU, else the qtest kit's
 * bin/qemu-system-arm ($EMUTIME_QEMU_KIT, default /var/cache/emutime/qemu-kit,
 * once its .complete file exists: scripts/qemu-qtest-kit.sh), else
 * qemu-system-arm on PATH.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_load.h"
#include "emutime/machine.h"
#include "emutime/qtest.h"

#ifndef EMUTIME_TOOL_PATH
#define EMUTIME_TOOL_PATH "emutime"
#endif

#define REPEATS 3
/* The goal (issue 18): emutime qtest answers at least this many times as
 * many commands per second as QEMU 7.2. */
#define GOAL_RATIO 30.0

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A measurement: wall-clock and CPU seconds (negative: failed). */
typedef struct timing {
    double wall, cpu;
} timing;

static timing best(timing a, timing b)
{
    timing r;
    r.wall = a.wall < 0 ? b.wall : (b.wall < 0 || a.wall < b.wall) ? a.wall : b.wall;
    r.cpu = a.cpu < 0 ? b.cpu : (b.cpu < 0 || a.cpu < b.cpu) ? a.cpu : b.cpu;
    return r;
}

typedef struct script {
    char *text;
    size_t len;
    uint64_t commands;
} script;

static void append(script *s, size_t *cap, const char *line)
{
    size_t n = strlen(line);
    if (s->len + n + 1 > *cap) {
        *cap = (*cap + n + 1) * 2;
        s->text = realloc(s->text, *cap);
        if (!s->text) {
            abort();
        }
    }
    memcpy(s->text + s->len, line, n);
    s->text[s->len + n] = '\n';
    s->len += n + 1;
    s->commands++;
}

static script make_script(unsigned iterations)
{
    script s = { 0 };
    size_t cap = 0;
    append(&s, &cap, "irq_intercept_in /machine/armv7m");
    append(&s, &cap, "writel 0x40000008 249");
    append(&s, &cap, "writel 0x40000000 9");
    for (unsigned i = 0; i < iterations; i++) {
        append(&s, &cap, "readl 0x40000004");
        append(&s, &cap, "readl 0x4000000c");
        append(&s, &cap, "writel 0x4000000c 1");
        append(&s, &cap, "clock_step 2500");
    }
    return s;
}

/* --- in-process ------------------------------------------------------------ */

typedef struct counter {
    uint64_t replies, irq_lines;
} counter;

static void count_output(void *opaque, const char *text, size_t len)
{
    counter *c = opaque;
    (void)len;
    if (text[0] == 'I') {
        c->irq_lines++;
    } else {
        c->replies++;
    }
}

static timing run_in_process(const script *s, counter *out)
{
    char err[256];
    et_machine *m = et_machine_new("mps2-an385", err, sizeof(err));
    if (!m) {
        fprintf(stderr, "bench_qtest: %s\n", err);
        exit(1);
    }
    counter c = { 0 };
    et_qtest *q = et_qtest_new(m, count_output, &c);
    int64_t t0 = now_ns(), c0 = cpu_ns();
    et_qtest_feed(q, s->text, s->len);
    et_qtest_finish(q);
    int64_t t1 = now_ns(), c1 = cpu_ns();
    et_qtest_free(q);
    et_machine_free(m);
    *out = c;
    return (timing){ (double)(t1 - t0) / 1e9, (double)(c1 - c0) / 1e9 };
}

/* --- a child process fed through pipes ------------------------------------- */

typedef struct feeder {
    int fd;
    const char *buf;
    size_t len;
} feeder;

static void *feed_thread(void *opaque)
{
    feeder *f = opaque;
    size_t done = 0;
    while (done < f->len) {
        ssize_t n = write(f->fd, f->buf + done, f->len - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        done += (size_t)n;
    }
    close(f->fd); /* end of input: emutime exits, QEMU does not */
    return NULL;
}

typedef struct child {
    pid_t pid;
    int in, out;
} child;

static bool spawn(char *const argv[], child *c)
{
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0) {
        return false;
    }
    pid_t pid = fork();
    if (pid < 0) {
        return false;
    }
    if (pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        int devnull = open("/dev/null", 1);
        if (devnull >= 0) {
            dup2(devnull, 2);
        }
        close(to[0]);
        close(to[1]);
        close(from[0]);
        close(from[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    c->pid = pid;
    c->in = to[1];
    c->out = from[0];
    return true;
}

/* Reads replies until `want` of them (lines not starting with "IRQ") have
 * arrived or the output ends. Returns the count; *first gets the first
 * reply line. */
static uint64_t read_replies(int fd, uint64_t want, char *first, size_t first_len,
                             uint64_t *irq_lines)
{
    static char buf[1 << 16];
    uint64_t replies = 0, irqs = 0;
    bool line_start = true;
    size_t first_n = 0;
    while (replies < want) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (line_start) {
                if (buf[i] == 'I') {
                    irqs++;
                } else {
                    replies++;
                }
            }
            if (replies == 1 && first && first_n + 1 < first_len && buf[i] != '\n' &&
                (line_start || first_n)) {
                first[first_n++] = buf[i];
                first[first_n] = '\0';
            }
            line_start = buf[i] == '\n';
        }
    }
    if (irq_lines) {
        *irq_lines = irqs;
    }
    return replies;
}

/* Runs the script through a child; negative when it did not answer every
 * command. The CPU time is the child's, from wait4. */
static timing run_child(char *const argv[], const script *s, bool kill_at_end,
                        uint64_t *irq_lines)
{
    child c;
    timing failed = { -1, -1 };
    if (!spawn(argv, &c)) {
        return failed;
    }
    feeder f = { .fd = c.in, .buf = s->text, .len = s->len };
    pthread_t t;
    int64_t t0 = now_ns();
    pthread_create(&t, NULL, feed_thread, &f);
    uint64_t got = read_replies(c.out, s->commands, NULL, 0, irq_lines);
    int64_t t1 = now_ns();
    if (kill_at_end) {
        kill(c.pid, SIGKILL);
    }
    pthread_join(t, NULL);
    close(c.out);
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    wait4(c.pid, NULL, 0, &ru);
    if (got != s->commands) {
        fprintf(stderr, "bench_qtest: %s answered %" PRIu64 " of %" PRIu64 " commands\n",
                argv[0], got, s->commands);
        return failed;
    }
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    return (timing){ (double)(t1 - t0) / 1e9, cpu };
}

/* Does this QEMU have the qtest accelerator (clock_step)? */
static bool qemu_usable(char *const argv[], char *why, size_t len)
{
    child c;
    if (!spawn(argv, &c)) {
        snprintf(why, len, "cannot start it");
        return false;
    }
    const char probe[] = "clock_step 0\n";
    ssize_t w = write(c.in, probe, sizeof(probe) - 1);
    char first[128] = "";
    uint64_t got = w > 0 ? read_replies(c.out, 1, first, sizeof(first), NULL) : 0;
    kill(c.pid, SIGKILL);
    close(c.in);
    close(c.out);
    int status = 0;
    waitpid(c.pid, &status, 0);
    if (got == 0) {
        snprintf(why, len, "it did not answer (no qtest accelerator in this build?)");
        return false;
    }
    if (strncmp(first, "OK", 2) != 0) {
        snprintf(why, len, "it answered '%s' (no qtest accelerator in this build)", first);
        return false;
    }
    return true;
}

/* The QEMU to compare with when none is named (see the usage above). */
static const char *default_qemu(char *buf, size_t len)
{
    const char *env = getenv("EMUTIME_BENCH_QEMU");
    if (env) {
        return env;
    }
    const char *kit = getenv("EMUTIME_QEMU_KIT");
    if (!kit) {
        kit = "/var/cache/emutime/qemu-kit";
    }
    char complete[4096];
    snprintf(complete, sizeof(complete), "%s/.complete", kit);
    snprintf(buf, len, "%s/bin/qemu-system-arm", kit);
    if (access(complete, F_OK) == 0 && access(buf, X_OK) == 0) {
        return buf;
    }
    return "qemu-system-arm";
}

static void report(const char *what, const script *s, timing t, uint64_t irq_lines)
{
    printf("%-24s %9.3f %14.0f %9.3f %14.0f  (%" PRIu64 " IRQ lines)\n", what, t.wall,
           (double)s->commands / t.wall, t.cpu, t.cpu > 0 ? (double)s->commands / t.cpu : 0.0,
           irq_lines);
}

int main(int argc, char **argv)
{
    unsigned iterations = 250000;
    const char *emutime = EMUTIME_TOOL_PATH;
    char qemu_buf[4096];
    const char *qemu = default_qemu(qemu_buf, sizeof(qemu_buf));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
            iterations = (unsigned)strtoul(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--emutime") == 0 && i + 1 < argc) {
            emutime = argv[++i];
        } else if (strcmp(argv[i], "--qemu") == 0 && i + 1 < argc) {
            qemu = argv[++i];
        } else {
            fprintf(stderr, "usage: bench_qtest [--iterations N] [--emutime PATH] "
                            "[--qemu PATH|none]\n");
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    script s = make_script(iterations);
    printf("qtest throughput on mps2-an385: %" PRIu64 " commands (%u x readl VALUE, readl "
           "INTSTATUS,\nwritel INTCLEAR, clock_step 2500 on a running timer), best of %d runs\n",
           s.commands, iterations, REPEATS);
    printf("load average at start: %.2f\n\n", bench_load_average());

    printf("%-24s %9s %14s %9s %14s\n", "", "wall s", "commands/s", "CPU s", "commands/s");
    timing none = { -1, -1 };
    timing in_proc = none;
    counter c = { 0 };
    for (int r = 0; r < REPEATS; r++) {
        in_proc = best(in_proc, run_in_process(&s, &c));
    }
    if (c.replies != s.commands) {
        fprintf(stderr, "bench_qtest: %" PRIu64 " replies for %" PRIu64 " commands\n",
                c.replies, s.commands);
        return 1;
    }
    report("emutime, in-process", &s, in_proc, c.irq_lines);

    char *emu_argv[] = { (char *)emutime, "qtest", "--machine", "mps2-an385", NULL };
    timing piped = none;
    uint64_t irqs = 0;
    for (int r = 0; r < REPEATS; r++) {
        piped = best(piped, run_child(emu_argv, &s, false, &irqs));
    }
    if (piped.wall < 0) {
        fprintf(stderr, "bench_qtest: running %s failed\n", emutime);
        return 1;
    }
    report("emutime qtest, piped", &s, piped, irqs);

    if (strcmp(qemu, "none") == 0) {
        printf("%-24s skipped (--qemu none)\n", "QEMU");
        return 0;
    }
    char *qemu_argv[] = { (char *)qemu, "-machine", "mps2-an385", "-accel", "qtest",
                          "-qtest", "stdio", "-qtest-log", "/dev/null", "-display", "none",
                          "-nodefaults", "-serial", "none", "-monitor", "none", NULL };
    char why[256];
    if (!qemu_usable(qemu_argv, why, sizeof(why))) {
        printf("%-24s skipped: %s: %s\n", "QEMU", qemu, why);
        return 0;
    }
    timing q = none;
    for (int r = 0; r < REPEATS; r++) {
        q = best(q, run_child(qemu_argv, &s, true, &irqs));
    }
    if (q.wall < 0) {
        printf("%-24s failed\n", "QEMU");
        return 1;
    }
    report("QEMU, piped", &s, q, irqs);
    double wall_ratio = q.wall / piped.wall, cpu_ratio = q.cpu / piped.cpu;
    printf("\nQEMU: %s\n", qemu);
    printf("emutime qtest / QEMU: %.1fx in wall-clock time, %.1fx in CPU time\n", wall_ratio,
           cpu_ratio);
    printf("goal >= %.0fx: %s; load average at end: %.2f\n", GOAL_RATIO,
           wall_ratio >= GOAL_RATIO && cpu_ratio >= GOAL_RATIO   ? "met (both)"
           : wall_ratio >= GOAL_RATIO || cpu_ratio >= GOAL_RATIO ? "met in one of the two"
                                                                 : "NOT met",
           bench_load_average());
    free(s.text);
    return 0;
}
