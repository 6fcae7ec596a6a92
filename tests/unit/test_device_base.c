/* The device base: access validation, guest-error rate limit, catch-up on
 * access, bad configuration, reset and trace events. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emutime/emutime.h"
#include "test_countdown.h"

/* --- captured log lines ---------------------------------------------------- */

#define MAX_LINES 64

typedef struct log_capture {
    char lines[MAX_LINES][400];
    int n;
} log_capture;

static void capture_log(void *opaque, const char *line)
{
    log_capture *c = opaque;
    if (c->n < MAX_LINES) {
        snprintf(c->lines[c->n], sizeof(c->lines[0]), "%s", line);
    }
    c->n++;
}

/* --- a scratch device: records what reaches its handlers ------------------ */

typedef struct scratch {
    et_device dev;
    int reads, writes;
    uint64_t last_offset, last_value;
    unsigned last_size;
} scratch;

static et_lock_class scratch_class = ET_LOCK_CLASS_INIT("test-scratch");

static uint64_t scratch_read(et_device *dev, uint64_t offset, unsigned size)
{
    scratch *s = (scratch *)dev;
    s->reads++;
    s->last_offset = offset;
    s->last_size = size;
    return 0xA5; /* what a valid read returns */
}

static void scratch_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    scratch *s = (scratch *)dev;
    s->writes++;
    s->last_offset = offset;
    s->last_value = value;
    s->last_size = size;
}

/* 0x20 bytes, 1-, 2- and 4-byte accesses, aligned only. */
static const et_device_ops scratch_ops = {
    .type = "scratch",
    .region_size = 0x20,
    .access_sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
    .read = scratch_read,
    .write = scratch_write,
};

static const et_device_ops scratch_unaligned_ops = {
    .type = "scratch-unaligned",
    .region_size = 0x20,
    .access_sizes = ET_ACCESS_4 | ET_ACCESS_8,
    .unaligned_ok = true,
    .read = scratch_read,
    .write = scratch_write,
};

static scratch *scratch_new(et_clock *clock, const et_device_ops *ops, const char *name)
{
    scratch *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    et_device_init(&s->dev, ops, clock, name, &scratch_class);
    return s;
}

/* --- access validation ----------------------------------------------------- */

static void test_valid_access_reaches_handler(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    scratch *s = scratch_new(clock, &scratch_ops, "scr");

    assert_int_equal(et_device_read(&s->dev, 0x1c, 4), 0xA5);
    assert_int_equal(s->reads, 1);
    assert_int_equal(s->last_offset, 0x1c);
    assert_int_equal(s->last_size, 4);

    /* The base truncates written values to the access size. */
    et_device_write(&s->dev, 0x1f, 0x1ff, 1);
    assert_int_equal(s->writes, 1);
    assert_int_equal(s->last_offset, 0x1f);
    assert_int_equal(s->last_value, 0xff);
    et_device_write(&s->dev, 0x2, 0xdeadbeef, 2);
    assert_int_equal(s->last_value, 0xbeef);
    assert_int_equal(et_device_guest_error_count(&s->dev), 0);

    et_device_free(&s->dev);
    et_clock_free(clock);
}

/* Every invalid access: a guest error, reads 0, writes nothing, no crash. */
static void expect_rejected(scratch *s, log_capture *log, uint64_t offset, unsigned size,
                            const char *why)
{
    int reads = s->reads, writes = s->writes, lines = log->n;
    unsigned long errors = et_device_guest_error_count(&s->dev);

    assert_int_equal(et_device_read(&s->dev, offset, size), 0);
    et_device_write(&s->dev, offset, 0x12345678, size);

    assert_int_equal(s->reads, reads);
    assert_int_equal(s->writes, writes);
    assert_int_equal(et_device_guest_error_count(&s->dev), errors + 2);
    assert_int_equal(log->n, lines + 2);
    for (int i = lines; i < lines + 2; i++) {
        assert_non_null(strstr(log->lines[i], "guest error: scr: "));
        assert_non_null(strstr(log->lines[i], why));
    }
}

static void test_invalid_accesses_are_guest_errors(void **state)
{
    (void)state;
    log_capture log = { .n = 0 };
    et_set_log_sink(capture_log, &log);
    et_clock *clock = et_clock_new_manual();
    scratch *s = scratch_new(clock, &scratch_ops, "scr");

    /* Two devices of the same name, so that neither reaches the rate limit
     * (ET_GUEST_ERROR_BURST lines per device). */
    scratch *s2 = scratch_new(clock, &scratch_ops, "scr");
    expect_rejected(s, &log, 0x0, 8, "unsupported size 8"); /* 8 not accepted */
    expect_rejected(s, &log, 0x0, 3, "unsupported size 3");
    expect_rejected(s, &log, 0x0, 0, "unsupported size 0");
    expect_rejected(s, &log, 0x0, 16, "unsupported size 16");
    expect_rejected(s2, &log, 0x20, 1, "outside the 0x20-byte region");
    expect_rejected(s2, &log, 0x1000, 4, "outside the 0x20-byte region");
    /* offset + size wraps around 2^64: still outside, not a wrap-around hit. */
    expect_rejected(s2, &log, UINT64_MAX - 1, 4, "outside the 0x20-byte region");
    expect_rejected(s2, &log, 0x2, 4, "unaligned 4-byte");
    expect_rejected(s2, &log, 0x1, 2, "unaligned 2-byte");
    assert_string_equal(log.lines[0], "guest error: scr: read of unsupported size 8 at offset 0x0");
    assert_string_equal(log.lines[8], "guest error: scr: read at offset 0x20 is outside the "
                                      "0x20-byte region");
    assert_string_equal(log.lines[13], "guest error: scr: write at offset 0xfffffffffffffffe "
                                       "is outside the 0x20-byte region");
    assert_string_equal(log.lines[14], "guest error: scr: unaligned 4-byte read at offset 0x2");

    /* A device that accepts unaligned accesses still refuses to straddle
     * the end of its region. */
    scratch *u = scratch_new(clock, &scratch_unaligned_ops, "una");
    assert_int_equal(et_device_read(&u->dev, 0x3, 4), 0xA5);
    assert_int_equal(et_device_read(&u->dev, 0x18, 8), 0xA5);
    assert_int_equal(u->reads, 2);
    assert_int_equal(et_device_read(&u->dev, 0x19, 8), 0);
    assert_int_equal(u->reads, 2);
    assert_int_equal(et_device_guest_error_count(&u->dev), 1);
    assert_int_equal(et_device_guest_error_count(&s->dev), 8);
    assert_int_equal(et_device_guest_error_count(&s2->dev), 10);

    et_set_log_sink(NULL, NULL);
    et_device_free(&u->dev);
    et_device_free(&s2->dev);
    et_device_free(&s->dev);
    et_clock_free(clock);
}

static void test_guest_errors_are_rate_limited(void **state)
{
    (void)state;
    log_capture log = { .n = 0 };
    et_set_log_sink(capture_log, &log);
    et_clock *clock = et_clock_new_manual();
    scratch *s = scratch_new(clock, &scratch_ops, "scr");
    scratch *other = scratch_new(clock, &scratch_ops, "oth");

    for (int i = 0; i < ET_GUEST_ERROR_BURST + 10; i++) {
        et_device_read(&s->dev, 0x40 + (uint64_t)i, 1);
    }
    /* Exactly the burst, then one line announcing silence. */
    assert_int_equal(log.n, ET_GUEST_ERROR_BURST + 1);
    for (int i = 0; i < ET_GUEST_ERROR_BURST; i++) {
        char want[128];
        snprintf(want, sizeof(want),
                 "guest error: scr: read at offset 0x%x is outside the 0x20-byte region",
                 0x40 + i);
        assert_string_equal(log.lines[i], want);
    }
    assert_string_equal(log.lines[ET_GUEST_ERROR_BURST],
                        "guest error: scr: further guest errors are counted, not logged");
    assert_int_equal(et_device_guest_error_count(&s->dev), ET_GUEST_ERROR_BURST + 10);

    /* The counter keeps counting, silently; the device still works. */
    et_device_write(&s->dev, 0x41, 0, 4);
    assert_int_equal(et_device_guest_error_count(&s->dev), ET_GUEST_ERROR_BURST + 11);
    assert_int_equal(log.n, ET_GUEST_ERROR_BURST + 1);
    assert_int_equal(et_device_read(&s->dev, 0, 4), 0xA5);

    /* The limit is per device: another device still logs. */
    et_device_read(&other->dev, 0x40, 4);
    assert_int_equal(log.n, ET_GUEST_ERROR_BURST + 2);
    assert_non_null(strstr(log.lines[ET_GUEST_ERROR_BURST + 1], "guest error: oth: "));

    /* A device's own guest errors share the same budget and format. */
    et_device_guest_error(&other->dev, "reserved bit %d set", 7);
    assert_string_equal(log.lines[ET_GUEST_ERROR_BURST + 2],
                        "guest error: oth: reserved bit 7 set");

    et_set_log_sink(NULL, NULL);
    et_device_free(&other->dev);
    et_device_free(&s->dev);
    et_clock_free(clock);
}

/* --- catch-up on access ---------------------------------------------------- */

typedef struct irq_log {
    int levels[64];
    int n;
} irq_log;

static void record_irq(void *opaque, int n, int level)
{
    irq_log *l = opaque;
    (void)n;
    if (l->n < 64) {
        l->levels[l->n] = level;
    }
    l->n++;
}

static void sleep_ns(int64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
    nanosleep(&ts, NULL);
}

#define MS 1000000LL

/* A real-time clock and no runner: nobody fires timers but the device's own
 * accesses. The clock is paused at the arming instant and again after the
 * deadline, so the expected state is exact: started at t0 with RELOAD 20 and
 * a 1 ms tick, the timer expires at t0 + 20 ms * k; frozen at tp, k =
 * floor((tp - t0) / 20 ms) expiries are due and VALUE reads
 * floor((t0 + (k + 1) * 20 ms - tp) / 1 ms). */
static void test_access_catches_up_expiries_without_runner(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    et_test_countdown_config cfg = { .tick_ns = MS };
    char err[128];
    et_device *dev = et_test_countdown_new(clock, "cd", &cfg, err, sizeof(err));
    assert_non_null(dev);
    irq_log irqs = { .n = 0 };
    et_irq_connect(et_device_irq(dev, 0), record_irq, &irqs, 0);

    et_device_write(dev, TCD_RELOAD, 20, 4);
    et_clock_pause(clock);
    int64_t t0 = et_clock_now(clock);
    et_device_write(dev, TCD_CTRL, TCD_CTRL_EN | TCD_CTRL_IRQEN, 4);
    et_clock_resume(clock);
    assert_int_equal(et_clock_deadline(clock), t0 + 20 * MS);

    while (et_clock_now(clock) < t0 + 25 * MS) {
        sleep_ns(MS);
    }
    /* Due but not run: the timer is still queued, nothing has expired. */
    assert_true(et_clock_deadline(clock) <= et_clock_now(clock));
    et_clock_pause(clock);
    int64_t tp = et_clock_now(clock);
    assert_int_equal(et_test_countdown_expiries(dev), 0);
    assert_int_equal(irqs.n, 0);

    int64_t k = (tp - t0) / (20 * MS);
    int64_t next = t0 + (k + 1) * 20 * MS;
    assert_true(k >= 1);
    /* The first read catches up: the counter it returns is the reloaded one,
     * and the status set by the same expiry is already visible. */
    assert_int_equal(et_device_read(dev, TCD_VALUE, 4), (uint64_t)((next - tp) / MS));
    assert_int_equal(et_test_countdown_expiries(dev), (uint64_t)k);
    assert_int_equal(et_device_read(dev, TCD_INTSTATUS, 4), 1);
    assert_int_equal(irqs.n, 1);
    assert_int_equal(irqs.levels[0], 1);

    /* Caught up: the queue now holds the next deadline. */
    et_clock_resume(clock);
    assert_int_equal(et_clock_deadline(clock), next);

    et_device_free(dev);
    et_clock_free(clock);
}

/* The same without pausing: a read after the deadline never shows the
 * expired counter without its status. */
static void test_read_after_deadline_sees_status_with_reload(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    et_test_countdown_config cfg = { .tick_ns = MS };
    et_device *dev = et_test_countdown_new(clock, "cd", &cfg, NULL, 0);
    assert_non_null(dev);

    et_device_write(dev, TCD_RELOAD, 5, 4);
    et_device_write(dev, TCD_CTRL, TCD_CTRL_EN, 4);
    assert_int_equal(et_device_read(dev, TCD_INTSTATUS, 4), 0);
    sleep_ns(8 * MS);
    uint64_t value = et_device_read(dev, TCD_VALUE, 4);
    assert_int_equal(et_device_read(dev, TCD_INTSTATUS, 4), 1);
    assert_true(value <= 5);
    assert_true(et_test_countdown_expiries(dev) >= 1);

    et_device_free(dev);
    et_clock_free(clock);
}

/* A timer thread pops the device's due expiry but has to wait for the
 * device lock, which an access holds; the access catches up, running the
 * expiry itself, and the timer thread then drops its stale firing. The
 * expiry runs once, and the timer thread's et_clock_run_expired() reports
 * no callback run (whichever of the two got to the timer first). */
typedef struct runner_arg {
    et_clock *clock;
    unsigned ran;
} runner_arg;

static void *run_expired_thread(void *opaque)
{
    runner_arg *a = opaque;
    a->ran = et_clock_run_expired(a->clock);
    return NULL;
}

static void test_catch_up_takes_over_a_popped_firing(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    et_test_countdown_config cfg = { .tick_ns = MS };
    et_device *dev = et_test_countdown_new(clock, "cd", &cfg, NULL, 0);
    et_device_write(dev, TCD_RELOAD, 2, 4); /* an expiry every 2 ms */
    et_clock_pause(clock);
    int64_t t0 = et_clock_now(clock);
    et_device_write(dev, TCD_CTRL, TCD_CTRL_EN, 4);
    et_clock_resume(clock);

    et_device_lock(dev);
    sleep_ns(4 * MS);
    runner_arg a = { .clock = clock, .ran = 99 };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_expired_thread, &a), 0);
    sleep_ns(20 * MS); /* by now the thread has popped the expiry and waits */
    et_clock_pause(clock);
    int64_t tp = et_clock_now(clock);
    et_device_catch_up(dev);
    et_device_unlock(dev);
    pthread_join(t, NULL);

    /* Every expiry due by tp ran exactly once (the popped one included). */
    assert_int_equal(et_test_countdown_expiries(dev), (uint64_t)((tp - t0) / (2 * MS)));
    assert_int_equal(a.ran, 0);
    et_device_free(dev);
    et_clock_free(clock);
}

/* --- configuration, reset, tracing ----------------------------------------- */

static void test_bad_configuration_is_a_clear_error(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    char err[128] = "";

    et_test_countdown_config zero = { .tick_ns = 0 };
    assert_null(et_test_countdown_new(clock, "cd", &zero, err, sizeof(err)));
    assert_string_equal(err, "test-countdown: tick_ns must be > 0 (ns per count)");

    et_test_countdown_config negative = { .tick_ns = -5 };
    err[0] = 0;
    assert_null(et_test_countdown_new(clock, "cd", &negative, err, sizeof(err)));
    assert_non_null(strstr(err, "tick_ns"));

    assert_null(et_test_countdown_new(clock, "cd", NULL, err, sizeof(err)));
    assert_string_equal(err, "test-countdown: a configuration is required");
    assert_null(et_test_countdown_new(NULL, "cd", &zero, err, sizeof(err)));
    assert_string_equal(err, "test-countdown: a clock is required");

    /* A short buffer gets a truncated, terminated message; none is fine. */
    char small[8];
    memset(small, 'x', sizeof(small));
    assert_null(et_test_countdown_new(clock, "cd", &zero, small, sizeof(small)));
    assert_int_equal(strlen(small), 7);
    assert_null(et_test_countdown_new(clock, "cd", &zero, NULL, 0));

    /* Nothing was left behind: the clock has no timers (ASan checks memory). */
    assert_int_equal(et_clock_deadline(clock), ET_NO_DEADLINE);
    et_clock_free(clock);
}

static void test_reset_returns_to_power_on_state(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    et_test_countdown_config cfg = { .tick_ns = 10 };
    et_device *dev = et_test_countdown_new(clock, "cd", &cfg, NULL, 0);
    irq_log irqs = { .n = 0 };
    et_irq_connect(et_device_irq(dev, 0), record_irq, &irqs, 0);

    /* RELOAD 5 at 10 ns per count: the first expiry at 50 ns. */
    et_device_write(dev, TCD_RELOAD, 5, 4);
    et_device_write(dev, TCD_CTRL, TCD_CTRL_EN | TCD_CTRL_IRQEN, 4);
    et_clock_step(clock, 50);
    assert_int_equal(et_device_read(dev, TCD_INTSTATUS, 4), 1);
    assert_int_equal(irqs.n, 1);
    assert_int_equal(et_device_read(dev, TCD_VALUE, 4), 5);
    assert_int_equal(et_clock_deadline(clock), 100);

    et_device_reset(dev);
    assert_int_equal(et_device_read(dev, TCD_CTRL, 4), 0);
    assert_int_equal(et_device_read(dev, TCD_VALUE, 4), 0);
    assert_int_equal(et_device_read(dev, TCD_RELOAD, 4), 0);
    assert_int_equal(et_device_read(dev, TCD_INTSTATUS, 4), 0);
    /* The interrupt went down, delivered when reset released the lock. */
    assert_int_equal(irqs.n, 2);
    assert_int_equal(irqs.levels[1], 0);
    assert_int_equal(et_clock_deadline(clock), ET_NO_DEADLINE);
    et_clock_step(clock, 1000);
    assert_int_equal(et_test_countdown_expiries(dev), 1);
    assert_int_equal(irqs.n, 2);

    et_device_free(dev);
    et_clock_free(clock);
}

/* Reset runs after catch-up: an expiry due before the reset happened first. */
static void test_reset_catches_up_first(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    et_test_countdown_config cfg = { .tick_ns = MS };
    et_device *dev = et_test_countdown_new(clock, "cd", &cfg, NULL, 0);
    et_device_write(dev, TCD_RELOAD, 2, 4);
    et_device_write(dev, TCD_CTRL, TCD_CTRL_EN, 4);
    sleep_ns(3 * MS);
    et_device_reset(dev);
    assert_true(et_test_countdown_expiries(dev) >= 1);
    assert_int_equal(et_device_read(dev, TCD_INTSTATUS, 4), 0);
    et_device_free(dev);
    et_clock_free(clock);
}

#define MAX_TRACES 32

typedef struct trace_log {
    char device[MAX_TRACES][32];
    char event[MAX_TRACES][32];
    char detail[MAX_TRACES][64];
    int n;
} trace_log;

static void record_trace(void *opaque, const char *device, const char *event, const char *detail)
{
    trace_log *t = opaque;
    if (t->n < MAX_TRACES) {
        snprintf(t->device[t->n], sizeof(t->device[0]), "%s", device);
        snprintf(t->event[t->n], sizeof(t->event[0]), "%s", event);
        snprintf(t->detail[t->n], sizeof(t->detail[0]), "%s", detail);
    }
    t->n++;
}

static void expect_trace(const trace_log *t, int i, const char *event, const char *detail)
{
    assert_true(i < t->n);
    assert_string_equal(t->device[i], "cd0");
    assert_string_equal(t->event[i], event);
    assert_string_equal(t->detail[i], detail);
}

static void test_trace_events(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    et_test_countdown_config cfg = { .tick_ns = 10 };
    et_device *dev = et_test_countdown_new(clock, "cd0", &cfg, NULL, 0);
    trace_log t = { .n = 0 };

    assert_false(et_trace_enabled());
    et_set_trace_sink(record_trace, &t);
    assert_true(et_trace_enabled());

    et_device_write(dev, TCD_RELOAD, 3, 4);
    et_device_write(dev, TCD_CTRL, TCD_CTRL_EN | TCD_CTRL_IRQEN, 4);
    et_clock_step(clock, 30); /* RELOAD 3 * 10 ns: one expiry at 30 */
    assert_int_equal(et_device_read(dev, TCD_INTSTATUS, 4), 1);
    et_device_write(dev, TCD_INTSTATUS, 1, 4);

    expect_trace(&t, 0, "write", "0x8/4 <- 0x3");
    expect_trace(&t, 1, "write", "0x0/4 <- 0x9");
    expect_trace(&t, 2, "expire", "count 1");
    expect_trace(&t, 3, "irq", "irq raise");
    expect_trace(&t, 4, "read", "0xc/4 -> 0x1");
    expect_trace(&t, 5, "write", "0xc/4 <- 0x1");
    expect_trace(&t, 6, "irq", "irq lower");
    assert_int_equal(t.n, 7);

    /* Rejected accesses are guest errors, not traced accesses. */
    et_set_log_sink(capture_log, &(log_capture){.n = 0});
    et_device_read(dev, 0x2, 4);
    et_set_log_sink(NULL, NULL);
    assert_int_equal(t.n, 7);

    et_set_trace_sink(NULL, NULL);
    assert_false(et_trace_enabled());
    et_device_read(dev, TCD_VALUE, 4);
    assert_int_equal(t.n, 7);

    et_device_free(dev);
    et_clock_free(clock);
}

static void test_irq_registry(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    et_test_countdown_config cfg = { .tick_ns = 10 };
    et_device *dev = et_test_countdown_new(clock, NULL, &cfg, NULL, 0);
    /* Without a name, the device is named after its type. */
    assert_string_equal(dev->name, "test-countdown");
    assert_int_equal(et_device_irq_count(dev), 1);
    assert_non_null(et_device_irq(dev, 0));
    assert_string_equal(et_device_irq(dev, 0)->name, "irq");
    assert_ptr_equal(et_device_irq(dev, 0)->owner, dev);
    assert_null(et_device_irq(dev, 1));
    et_device_free(dev);
    et_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_access_reaches_handler),
        cmocka_unit_test(test_invalid_accesses_are_guest_errors),
        cmocka_unit_test(test_guest_errors_are_rate_limited),
        cmocka_unit_test(test_access_catches_up_expiries_without_runner),
        cmocka_unit_test(test_read_after_deadline_sees_status_with_reload),
        cmocka_unit_test(test_catch_up_takes_over_a_popped_firing),
        cmocka_unit_test(test_bad_configuration_is_a_clear_error),
        cmocka_unit_test(test_reset_returns_to_power_on_state),
        cmocka_unit_test(test_reset_catches_up_first),
        cmocka_unit_test(test_trace_events),
        cmocka_unit_test(test_irq_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
