/* The lock-order checker (lock.h): it learns the order between lock classes
 * and reports an inversion, with the call sites of both orders, before the
 * program ever deadlocks on it. Only in debug builds: skipped under NDEBUG. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emutime/emutime.h"

typedef struct reports {
    int n;
    char text[4][2048];
} reports;

static void capture_report(const char *report, void *opaque)
{
    reports *r = opaque;
    if (r->n < 4) {
        snprintf(r->text[r->n], sizeof(r->text[0]), "%s", report);
    }
    __atomic_add_fetch(&r->n, 1, __ATOMIC_RELAXED);
}

/* "test_lockdep.c:<line>" appears in the report. */
static void expect_site(const char *text, int line)
{
    char site[64];
    snprintf(site, sizeof(site), "test_lockdep.c:%d", line);
    if (!strstr(text, site)) {
        fail_msg("report does not name %s:\n%s", site, text);
    }
}

static int setup(void **state)
{
    (void)state;
    if (!et_lockdep_enabled()) {
        return 0;
    }
    et_lockdep_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    et_lockdep_set_report_handler(NULL, NULL);
    return 0;
}

#define SKIP_WITHOUT_LOCKDEP()                                                 \
    do {                                                                       \
        if (!et_lockdep_enabled()) {                                           \
            skip();                                                            \
        }                                                                      \
    } while (0)

static et_lock_class class_a = ET_LOCK_CLASS_INIT("class-A");
static et_lock_class class_b = ET_LOCK_CLASS_INIT("class-B");

static void test_two_class_inversion_names_both_sites(void **state)
{
    (void)state;
    SKIP_WITHOUT_LOCKDEP();
    reports r = { .n = 0 };
    et_lockdep_set_report_handler(capture_report, &r);
    /* The checker works on classes: the reverse order uses other locks of
     * the same classes (so ThreadSanitizer, which works on lock instances,
     * sees no cycle of its own in this deliberate inversion). */
    et_lock a, b, a2, b2;
    et_lock_init(&a, &class_a);
    et_lock_init(&b, &class_b);
    et_lock_init(&a2, &class_a);
    et_lock_init(&b2, &class_b);

    /* A then B: learned, fine. */
    et_lock_acquire(&a); const int line_a1 = __LINE__;
    et_lock_acquire(&b); const int line_b1 = __LINE__;
    et_lock_release(&b);
    et_lock_release(&a);
    assert_int_equal(r.n, 0);

    /* B then A: an inversion, reported before blocking on A (single thread
     * here, so nothing deadlocks and the acquisition goes ahead). */
    et_lock_acquire(&b2); const int line_b2 = __LINE__;
    et_lock_acquire(&a2); const int line_a2 = __LINE__;
    et_lock_release(&a2);
    et_lock_release(&b2);

    assert_int_equal(r.n, 1);
    const char *text = r.text[0];
    assert_non_null(strstr(text, "lock order inversion"));
    assert_non_null(strstr(text, "'class-A'"));
    assert_non_null(strstr(text, "'class-B'"));
    /* This thread's order: A taken at line_a2 while holding B (line_b2). */
    expect_site(text, line_a2);
    expect_site(text, line_b2);
    /* The opposite order seen before: B at line_b1 while holding A (line_a1). */
    expect_site(text, line_b1);
    expect_site(text, line_a1);

    /* Reported once: the reverse edge is now known too. */
    et_lock_acquire(&b2);
    et_lock_acquire(&a2);
    et_lock_release(&a2);
    et_lock_release(&b2);
    assert_int_equal(r.n, 1);

    et_lock_destroy(&a);
    et_lock_destroy(&b);
    et_lock_destroy(&a2);
    et_lock_destroy(&b2);
}

static et_lock_class class_p = ET_LOCK_CLASS_INIT("class-P");
static et_lock_class class_q = ET_LOCK_CLASS_INIT("class-Q");
static et_lock_class class_r = ET_LOCK_CLASS_INIT("class-R");

static void test_three_class_cycle_is_reported(void **state)
{
    (void)state;
    SKIP_WITHOUT_LOCKDEP();
    reports r = { .n = 0 };
    et_lockdep_set_report_handler(capture_report, &r);
    et_lock p, q, rr, p2; /* p2: see the two-class test */
    et_lock_init(&p, &class_p);
    et_lock_init(&q, &class_q);
    et_lock_init(&rr, &class_r);
    et_lock_init(&p2, &class_p);

    et_lock_acquire(&p); const int line_p1 = __LINE__;
    et_lock_acquire(&q); const int line_q1 = __LINE__;
    et_lock_release(&q);
    et_lock_release(&p);
    et_lock_acquire(&q);
    et_lock_acquire(&rr);
    et_lock_release(&rr);
    et_lock_release(&q);
    assert_int_equal(r.n, 0); /* P -> Q -> R is a consistent order */

    /* R then P closes the cycle P -> Q -> R -> P. */
    et_lock_acquire(&rr); const int line_r2 = __LINE__;
    et_lock_acquire(&p2); const int line_p2 = __LINE__;
    et_lock_release(&p2);
    et_lock_release(&rr);

    assert_int_equal(r.n, 1);
    const char *text = r.text[0];
    expect_site(text, line_p2);
    expect_site(text, line_r2);
    /* The first edge of the opposite chain (P held, Q taken). */
    expect_site(text, line_p1);
    expect_site(text, line_q1);
    assert_non_null(strstr(text, "'class-P' -> 'class-Q' -> 'class-R'"));

    et_lock_destroy(&p);
    et_lock_destroy(&q);
    et_lock_destroy(&rr);
    et_lock_destroy(&p2);
}

/* --- a consistent order from many threads is never reported --------------- */

static et_lock_class class_outer = ET_LOCK_CLASS_INIT("class-outer");
static et_lock_class class_inner = ET_LOCK_CLASS_INIT("class-inner");

typedef struct pair {
    et_lock outer, inner;
} pair;

static void *nest_in_order(void *arg)
{
    pair *p = arg;
    for (int i = 0; i < 2000; i++) {
        et_lock_acquire(&p->outer);
        et_lock_acquire(&p->inner);
        et_lock_release(&p->inner);
        et_lock_release(&p->outer);
        /* Inner alone, and releasing in acquisition order, are fine too. */
        et_lock_acquire(&p->inner);
        et_lock_release(&p->inner);
        et_lock_acquire(&p->outer);
        et_lock_acquire(&p->inner);
        et_lock_release(&p->outer);
        et_lock_release(&p->inner);
    }
    return NULL;
}

static void test_consistent_order_is_not_reported(void **state)
{
    (void)state;
    SKIP_WITHOUT_LOCKDEP();
    reports r = { .n = 0 };
    et_lockdep_set_report_handler(capture_report, &r);
    pair p;
    et_lock_init(&p.outer, &class_outer);
    et_lock_init(&p.inner, &class_inner);

    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, nest_in_order, &p), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
    }
    assert_int_equal(__atomic_load_n(&r.n, __ATOMIC_RELAXED), 0);
    et_lock_destroy(&p.outer);
    et_lock_destroy(&p.inner);
}

/* --- the embedder's big lock --------------------------------------------- */

static et_lock_class class_bql = ET_LOCK_CLASS_INIT("embedder-bql");
static et_lock_class class_dev = ET_LOCK_CLASS_INIT("class-device");

static void test_embedder_lock_participates(void **state)
{
    (void)state;
    SKIP_WITHOUT_LOCKDEP();
    reports r = { .n = 0 };
    et_lockdep_set_report_handler(capture_report, &r);
    /* Two big locks of one class, as in the two-class test. */
    pthread_mutex_t bql = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_t bql_other = PTHREAD_MUTEX_INITIALIZER;
    et_lock dev;
    et_lock_init(&dev, &class_dev);

    /* The embedder's order: BQL, then a device. */
    pthread_mutex_lock(&bql);
    et_lockdep_acquired(&class_bql); const int line_bql1 = __LINE__;
    et_lock_acquire(&dev); const int line_dev1 = __LINE__;
    et_lock_release(&dev);
    et_lockdep_released(&class_bql);
    pthread_mutex_unlock(&bql);
    assert_int_equal(r.n, 0);

    /* Taking the BQL under the device lock (what QEMU's HPET once did from
     * its timer callback) is the AB-BA inversion. */
    et_lock_acquire(&dev); const int line_dev2 = __LINE__;
    pthread_mutex_lock(&bql_other);
    et_lockdep_acquired(&class_bql); const int line_bql2 = __LINE__;
    et_lockdep_released(&class_bql);
    pthread_mutex_unlock(&bql_other);
    et_lock_release(&dev);

    assert_int_equal(r.n, 1);
    assert_non_null(strstr(r.text[0], "'embedder-bql'"));
    assert_non_null(strstr(r.text[0], "'class-device'"));
    expect_site(r.text[0], line_bql1);
    expect_site(r.text[0], line_dev1);
    expect_site(r.text[0], line_dev2);
    expect_site(r.text[0], line_bql2);
    et_lock_destroy(&dev);
}

/* The same inversion found through the library's own paths: a device timer
 * callback runs under the device lock, and one that takes the big lock
 * inverts the order learned from an access made under the big lock. */
static et_lock_class class_bql2 = ET_LOCK_CLASS_INIT("embedder-bql-2");
static pthread_mutex_t bql2 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t bql2_other = PTHREAD_MUTEX_INITIALIZER; /* same class */

static uint64_t nop_read(et_device *dev, uint64_t offset, unsigned size)
{
    (void)dev;
    (void)offset;
    (void)size;
    return 0;
}

static void nop_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    (void)dev;
    (void)offset;
    (void)value;
    (void)size;
}

static const et_device_ops nop_ops = {
    .type = "nop", .region_size = 4, .access_sizes = ET_ACCESS_4,
    .read = nop_read, .write = nop_write,
};

static void bad_callback_takes_bql(void *opaque)
{
    (void)opaque;
    pthread_mutex_lock(&bql2_other);
    et_lockdep_acquired(&class_bql2);
    et_lockdep_released(&class_bql2);
    pthread_mutex_unlock(&bql2_other);
}

static et_lock_class class_nop = ET_LOCK_CLASS_INIT("nop-device");

static void test_timer_callback_taking_big_lock_is_reported(void **state)
{
    (void)state;
    SKIP_WITHOUT_LOCKDEP();
    reports r = { .n = 0 };
    et_lockdep_set_report_handler(capture_report, &r);
    et_clock *clock = et_clock_new_manual();
    et_device *dev = calloc(1, sizeof(*dev));
    et_device_init(dev, &nop_ops, clock, "nop0", &class_nop);
    et_timer *t = et_device_timer_new(dev, bad_callback_takes_bql, NULL);

    pthread_mutex_lock(&bql2);
    et_lockdep_acquired(&class_bql2);
    et_device_read(dev, 0, 4); /* big lock -> device lock: learned */
    et_lockdep_released(&class_bql2);
    pthread_mutex_unlock(&bql2);
    assert_int_equal(r.n, 0);

    et_device_lock(dev);
    et_timer_mod(t, 10);
    et_device_unlock(dev);
    et_clock_step(clock, 10); /* fires under the device lock */
    assert_int_equal(r.n, 1);
    assert_non_null(strstr(r.text[0], "'embedder-bql-2'"));
    assert_non_null(strstr(r.text[0], "'nop-device'"));

    et_timer_free(t); /* nop has no destroy: free the timer ourselves */
    et_device_free(dev);
    et_clock_free(clock);
}

/* The library's own order, device lock -> timer-queue lock, is consistent
 * however devices are used: arming, cancelling and firing from accesses,
 * callbacks and the clock report nothing. */
static void arm_again(void *opaque)
{
    et_timer **t = opaque;
    et_timer_mod(*t, et_clock_now(et_timer_clock(*t)) + 5);
}

static void test_library_order_is_consistent(void **state)
{
    (void)state;
    SKIP_WITHOUT_LOCKDEP();
    reports r = { .n = 0 };
    et_lockdep_set_report_handler(capture_report, &r);
    et_clock *clock = et_clock_new_manual();
    et_device *dev = calloc(1, sizeof(*dev));
    et_device_init(dev, &nop_ops, clock, "nop1", &class_nop);
    et_timer *t = NULL;
    t = et_device_timer_new(dev, arm_again, &t);
    et_device_lock(dev);
    et_timer_mod(t, 5);
    et_device_unlock(dev);
    et_clock_step(clock, 50);
    et_device_read(dev, 0, 4);
    et_device_lock(dev);
    et_timer_del(t);
    et_device_unlock(dev);
    assert_int_equal(r.n, 0);
    et_timer_free(t);
    et_device_free(dev);
    et_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_class_inversion_names_both_sites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_three_class_cycle_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consistent_order_is_not_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_embedder_lock_participates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_callback_taking_big_lock_is_reported, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_library_order_is_consistent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
