/* Interrupt delivery (irq.h): changes made under the device lock reach the
 * sink after the lock is released, in order across lines, pulses intact,
 * level changes only, one sink call at a time per device, the last delivered
 * level the device's latest, and never with a library lock held. */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emutime/emutime.h"

/* --- a bank of output lines driven by register writes ---------------------- */

#define NLINES 4

#define BANK_LEVELS 0x0 /* write: line i := bit i, in line order; read: levels */
#define BANK_PULSE  0x4 /* write: pulse every line whose bit is set */
#define BANK_SCRIPT 0x8 /* write: run the test's script under the lock */

typedef struct bank bank;
struct bank {
    et_device dev;
    et_irq_line lines[NLINES];
    void (*script)(bank *b);
};

static et_lock_class bank_class = ET_LOCK_CLASS_INIT("test-irq-bank");

static uint64_t bank_read(et_device *dev, uint64_t offset, unsigned size)
{
    bank *b = (bank *)dev;
    (void)size;
    uint64_t v = 0;
    if (offset == BANK_LEVELS) {
        for (int i = 0; i < NLINES; i++) {
            v |= (uint64_t)et_irq_level(&b->lines[i]) << i;
        }
    }
    return v;
}

static void bank_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    bank *b = (bank *)dev;
    (void)size;
    switch (offset) {
    case BANK_LEVELS:
        for (int i = 0; i < NLINES; i++) {
            et_irq_set(&b->lines[i], (int)((value >> i) & 1));
        }
        break;
    case BANK_PULSE:
        for (int i = 0; i < NLINES; i++) {
            if ((value >> i) & 1) {
                et_irq_pulse(&b->lines[i]);
            }
        }
        break;
    case BANK_SCRIPT:
        b->script(b);
        break;
    }
}

static const et_device_ops bank_ops = {
    .type = "test-irq-bank",
    .region_size = 0x10,
    .access_sizes = ET_ACCESS_4,
    .read = bank_read,
    .write = bank_write,
};

static const char *const line_names[NLINES] = { "l0", "l1", "l2", "l3" };

static bank *bank_new(et_clock *clock, et_irq_sink_fn sink, void *opaque)
{
    bank *b = calloc(1, sizeof(*b));
    assert_non_null(b);
    et_device_init(&b->dev, &bank_ops, clock, "bank", &bank_class);
    for (int i = 0; i < NLINES; i++) {
        et_irq_init(&b->lines[i], &b->dev, line_names[i]);
        et_irq_connect(&b->lines[i], sink, opaque, i);
        et_device_add_irq(&b->dev, &b->lines[i]);
    }
    return b;
}

/* --- a recording sink ------------------------------------------------------ */

#define MAX_EVENTS 64

typedef struct recorder {
    bank *b;
    int n;
    int line[MAX_EVENTS];
    int level[MAX_EVENTS];
    /* Optional behaviour: on a raise of line react_line, write react_value
     * to BANK_LEVELS from inside the sink. */
    int react_line;
    uint64_t react_value;
    int depth, max_depth;
    int events_when_nested_write_returned;
} recorder;

static void expect_unlocked(const bank *b)
{
    /* No library lock held by this thread, and nobody holds the device lock
     * in these single-threaded tests. */
    assert_false(et_lock_held_by_me(&b->dev.lock));
    assert_int_equal(pthread_mutex_trylock((pthread_mutex_t *)&b->dev.lock.mutex), 0);
    pthread_mutex_unlock((pthread_mutex_t *)&b->dev.lock.mutex);
}

static void record(void *opaque, int n, int level)
{
    recorder *r = opaque;
    if (r->b) {
        expect_unlocked(r->b);
    }
    assert_true(r->n < MAX_EVENTS);
    r->line[r->n] = n;
    r->level[r->n] = level;
    r->n++;
    r->depth++;
    if (r->depth > r->max_depth) {
        r->max_depth = r->depth;
    }
    if (r->b && n == r->react_line && level == 1) {
        /* Re-enter the same device from its sink: must not deadlock. */
        et_device_write(&r->b->dev, BANK_LEVELS, r->react_value, 4);
        assert_int_equal(et_device_read(&r->b->dev, BANK_LEVELS, 4), r->react_value);
        r->events_when_nested_write_returned = r->n;
    }
    r->depth--;
}

static void expect_events(const recorder *r, const int (*want)[2], int n)
{
    assert_int_equal(r->n, n);
    for (int i = 0; i < n; i++) {
        assert_int_equal(r->line[i], want[i][0]);
        assert_int_equal(r->level[i], want[i][1]);
    }
}

/* --- single-threaded contract ---------------------------------------------- */

static void script_mixed(bank *b)
{
    et_irq_raise(&b->lines[1]);
    et_irq_raise(&b->lines[0]);
    et_irq_lower(&b->lines[1]);
    et_irq_raise(&b->lines[2]);
    et_irq_pulse(&b->lines[3]);
    et_irq_set(&b->lines[0], 0);
}

static void test_order_across_lines(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    recorder r = { .react_line = -1 };
    bank *b = bank_new(clock, record, &r);
    r.b = b;
    b->script = script_mixed;

    et_device_write(&b->dev, BANK_SCRIPT, 0, 4);
    /* Delivered, all of it, by the time the write returns. */
    static const int want[][2] = { { 1, 1 }, { 0, 1 }, { 1, 0 }, { 2, 1 },
                                   { 3, 1 }, { 3, 0 }, { 0, 0 } };
    expect_events(&r, want, 7);
    assert_int_equal(et_device_read(&b->dev, BANK_LEVELS, 4), 0x4);
    et_device_free(&b->dev);
    et_clock_free(clock);
}

static void test_pulse_is_raise_then_lower(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    recorder r = { .react_line = -1 };
    bank *b = bank_new(clock, record, &r);
    r.b = b;

    et_device_write(&b->dev, BANK_PULSE, 0x5, 4);
    static const int want[][2] = { { 0, 1 }, { 0, 0 }, { 2, 1 }, { 2, 0 } };
    expect_events(&r, want, 4);
    assert_int_equal(et_device_read(&b->dev, BANK_LEVELS, 4), 0);

    /* A pulse on a line already high: the raise is no change, so only the
     * lower is delivered, and the line ends low. */
    et_device_write(&b->dev, BANK_LEVELS, 0x2, 4);
    et_device_write(&b->dev, BANK_PULSE, 0x2, 4);
    static const int want2[][2] = { { 0, 1 }, { 0, 0 }, { 2, 1 }, { 2, 0 }, { 1, 1 }, { 1, 0 } };
    expect_events(&r, want2, 6);
    et_device_free(&b->dev);
    et_clock_free(clock);
}

static void script_repeats(bank *b)
{
    et_irq_set(&b->lines[0], 1);
    et_irq_set(&b->lines[0], 1);
    et_irq_set(&b->lines[0], 7); /* any non-zero level is 1 */
    et_irq_raise(&b->lines[0]);
    et_irq_lower(&b->lines[2]); /* already low */
    et_irq_lower(&b->lines[0]);
    et_irq_set(&b->lines[0], 0);
}

static void test_only_level_changes_are_delivered(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    recorder r = { .react_line = -1 };
    bank *b = bank_new(clock, record, &r);
    r.b = b;
    b->script = script_repeats;

    et_device_write(&b->dev, BANK_SCRIPT, 0, 4);
    static const int want[][2] = { { 0, 1 }, { 0, 0 } };
    expect_events(&r, want, 2);

    et_device_write(&b->dev, BANK_LEVELS, 0x9, 4);
    et_device_write(&b->dev, BANK_LEVELS, 0x9, 4);
    assert_int_equal(r.n, 4);
    assert_int_equal(et_irq_level(&b->lines[0]), 1);
    assert_int_equal(et_irq_level(&b->lines[3]), 1);
    et_device_free(&b->dev);
    et_clock_free(clock);
}

/* The sink runs without the device lock and may access the same device: its
 * own change is queued and delivered after it returns (never recursively). */
static void test_sink_may_reenter_the_device(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    recorder r = { .react_line = 0, .react_value = 0x2 };
    bank *b = bank_new(clock, record, &r);
    r.b = b;

    et_device_write(&b->dev, BANK_LEVELS, 0x1, 4);
    /* The sink acknowledged line 0 and raised line 1 from inside. */
    static const int want[][2] = { { 0, 1 }, { 0, 0 }, { 1, 1 } };
    expect_events(&r, want, 3);
    assert_int_equal(r.max_depth, 1);
    /* When the nested write returned, its changes were not delivered yet:
     * the outer delivery picked them up after the sink returned. */
    assert_int_equal(r.events_when_nested_write_returned, 1);
    assert_int_equal(et_device_read(&b->dev, BANK_LEVELS, 4), 0x2);
    et_device_free(&b->dev);
    et_clock_free(clock);
}

static void test_delivery_waits_for_unlock(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    recorder r = { .react_line = -1 };
    bank *b = bank_new(clock, record, &r);
    r.b = b;

    et_device_lock(&b->dev);
    et_irq_raise(&b->lines[2]);
    et_irq_raise(&b->lines[3]);
    assert_int_equal(r.n, 0); /* queued, not delivered, while held */
    assert_int_equal(et_irq_level(&b->lines[2]), 1);
    et_device_unlock(&b->dev);
    static const int want[][2] = { { 2, 1 }, { 3, 1 } };
    expect_events(&r, want, 2);

    /* An unlock with nothing queued delivers nothing. */
    et_device_lock(&b->dev);
    et_device_unlock(&b->dev);
    assert_int_equal(r.n, 2);
    et_device_free(&b->dev);
    et_clock_free(clock);
}

static void test_ownerless_line_delivers_at_once(void **state)
{
    (void)state;
    recorder r = { .react_line = -1 };
    et_irq_line line;
    et_irq_init(&line, NULL, "free");
    et_irq_connect(&line, record, &r, 7);

    et_irq_raise(&line);
    assert_int_equal(r.n, 1);
    et_irq_set(&line, 3);
    assert_int_equal(r.n, 1);
    et_irq_lower(&line);
    et_irq_pulse(&line);
    static const int want[][2] = { { 7, 1 }, { 7, 0 }, { 7, 1 }, { 7, 0 } };
    expect_events(&r, want, 4);

    /* Unconnected lines keep their level and call nothing. */
    et_irq_line lone;
    et_irq_init(&lone, NULL, "lone");
    et_irq_raise(&lone);
    assert_int_equal(et_irq_level(&lone), 1);
}

static void test_unconnected_owned_line(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    bank *b = bank_new(clock, record, NULL);
    for (int i = 0; i < NLINES; i++) {
        et_irq_connect(&b->lines[i], NULL, NULL, 0);
    }
    et_device_write(&b->dev, BANK_PULSE, 0xf, 4);
    et_device_write(&b->dev, BANK_LEVELS, 0x3, 4);
    assert_int_equal(et_device_read(&b->dev, BANK_LEVELS, 4), 0x3);
    et_device_free(&b->dev);
    et_clock_free(clock);
}

#if ET_USAGE_CHECKS /* used only by the usage-check tests */
static int usage_errors;
static char usage_message[512];
static void count_usage_error(const char *message, void *opaque)
{
    (void)opaque;
    usage_errors++;
    snprintf(usage_message, sizeof(usage_message), "%s", message);
}
#endif

static void test_change_without_lock_is_a_usage_error(void **state)
{
    (void)state;
#if !ET_USAGE_CHECKS
    skip();
#else
    et_clock *clock = et_clock_new_manual();
    recorder r = { .react_line = -1 };
    bank *b = bank_new(clock, record, &r);
    et_set_usage_error_handler(count_usage_error, NULL);
    usage_errors = 0;
    et_irq_raise(&b->lines[1]);
    et_set_usage_error_handler(NULL, NULL);
    assert_int_equal(usage_errors, 1);
    assert_non_null(strstr(usage_message, "'l1' of 'bank'"));
    assert_int_equal(et_irq_level(&b->lines[1]), 0); /* the call did nothing */
    assert_int_equal(r.n, 0);
    et_device_free(&b->dev);
    et_clock_free(clock);
#endif
}

/* --- many threads ---------------------------------------------------------- */

#define MT_THREADS 4
#define MT_ITERATIONS 4000

/* An embedder's big lock, taken by the sink and by some togglers around
 * their device accesses (the sink then runs with it already held). */
static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread bool big_lock_mine;

typedef struct mt_sink {
    bank *b;
    int in_sink;        /* atomic: sink calls in progress for the device */
    int overlaps;       /* atomic */
    int locked_calls;   /* atomic: calls made with the device lock held */
    /* Plain on purpose: the contract says sink calls never overlap, so these
     * need no lock; ThreadSanitizer reports it if they ever do. */
    int last[NLINES];
    long calls[NLINES];
    long bad_alternations;
} mt_sink;

static void mt_record(void *opaque, int n, int level)
{
    mt_sink *s = opaque;
    if (__atomic_fetch_add(&s->in_sink, 1, __ATOMIC_ACQ_REL) != 0) {
        __atomic_add_fetch(&s->overlaps, 1, __ATOMIC_RELAXED);
    }
    if (et_lock_held_by_me(&s->b->dev.lock)) {
        __atomic_add_fetch(&s->locked_calls, 1, __ATOMIC_RELAXED);
    }
    bool take = !big_lock_mine;
    if (take) {
        pthread_mutex_lock(&big_lock);
        big_lock_mine = true;
    }
    if (level == s->last[n]) {
        s->bad_alternations++; /* two raises (or lowers) in a row */
    }
    s->last[n] = level;
    s->calls[n]++;
    if ((s->calls[n] & 63) == 0) {
        sched_yield(); /* widen the window for overlapping deliveries */
    }
    if (take) {
        big_lock_mine = false;
        pthread_mutex_unlock(&big_lock);
    }
    __atomic_sub_fetch(&s->in_sink, 1, __ATOMIC_ACQ_REL);
}

typedef struct mt_worker {
    bank *b;
    uint64_t seed;
} mt_worker;

static uint64_t next_random(uint64_t *s)
{
    /* xorshift64* */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

static void *mt_toggle(void *arg)
{
    mt_worker *w = arg;
    bank *b = w->b;
    for (int i = 0; i < MT_ITERATIONS; i++) {
        uint64_t r = next_random(&w->seed);
        bool big = (r & 0x300) == 0;
        if (big) {
            pthread_mutex_lock(&big_lock);
            big_lock_mine = true;
        }
        switch ((r >> 4) & 3) {
        case 0:
            et_device_write(&b->dev, BANK_LEVELS, (r >> 12) & 0xf, 4);
            break;
        case 1:
            et_device_write(&b->dev, BANK_PULSE, (r >> 12) & 0xf, 4);
            break;
        default:
            /* Several changes under one lock hold. */
            et_device_lock(&b->dev);
            for (int k = 0; k < 1 + (int)((r >> 16) & 3); k++) {
                int line = (int)((r >> (20 + 3 * k)) & 3);
                int how = (int)((r >> (21 + 3 * k)) & 3);
                if (how == 3) {
                    et_irq_pulse(&b->lines[line]);
                } else {
                    et_irq_set(&b->lines[line], how & 1);
                }
            }
            et_device_unlock(&b->dev);
            break;
        }
        if (big) {
            big_lock_mine = false;
            pthread_mutex_unlock(&big_lock);
        }
    }
    return NULL;
}

static void test_many_threads_toggling_one_device(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    mt_sink s;
    memset(&s, 0, sizeof(s));
    bank *b = bank_new(clock, mt_record, &s);
    s.b = b;

    pthread_t threads[MT_THREADS];
    mt_worker workers[MT_THREADS];
    for (int i = 0; i < MT_THREADS; i++) {
        workers[i] = (mt_worker){ b, UINT64_C(0x9e3779b97f4a7c15) * (uint64_t)(i + 1) };
        assert_int_equal(pthread_create(&threads[i], NULL, mt_toggle, &workers[i]), 0);
    }
    /* Bounded: a sink called with the device lock held deadlocks here (the
     * sink waits for the big lock, whose holder waits for the device). */
    struct timespec limit;
    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += 30;
    for (int i = 0; i < MT_THREADS; i++) {
        if (pthread_timedjoin_np(threads[i], NULL, &limit) != 0) {
            fail_msg("toggling threads still blocked after 30 s: deadlock");
        }
    }

    /* Every call made by a thread has returned, so nothing is queued: the
     * last level each sink saw is the device's level. */
    assert_int_equal(__atomic_load_n(&s.overlaps, __ATOMIC_RELAXED), 0);
    assert_int_equal(__atomic_load_n(&s.locked_calls, __ATOMIC_RELAXED), 0);
    assert_int_equal(s.bad_alternations, 0);
    et_device_lock(&b->dev);
    for (int i = 0; i < NLINES; i++) {
        assert_true(s.calls[i] > 100);
        assert_int_equal(s.last[i], et_irq_level(&b->lines[i]));
    }
    assert_int_equal(b->dev.n_events - b->dev.head, 0);
    et_device_unlock(&b->dev);
    et_device_free(&b->dev);
    et_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_across_lines),
        cmocka_unit_test(test_pulse_is_raise_then_lower),
        cmocka_unit_test(test_only_level_changes_are_delivered),
        cmocka_unit_test(test_sink_may_reenter_the_device),
        cmocka_unit_test(test_delivery_waits_for_unlock),
        cmocka_unit_test(test_ownerless_line_delivers_at_once),
        cmocka_unit_test(test_unconnected_owned_line),
        cmocka_unit_test(test_change_without_lock_is_a_usage_error),
        cmocka_unit_test(test_many_threads_toggling_one_device),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
