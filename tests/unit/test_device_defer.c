/* Deferred calls (et_device_defer): queued under the device lock, run after
 * it is released, in order with the interrupt changes around them, with no
 * library lock held. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emutime/emutime.h"

/* A device whose write runs a little script: bit 0 raises its line, bit 1
 * defers a call with the written value, bit 2 lowers the line. */
typedef struct scripted {
    et_device dev;
    et_irq_line line;
} scripted;

static et_lock_class scripted_class = ET_LOCK_CLASS_INIT("test-defer");

#define LOG_MAX 16
static char log_buf[LOG_MAX][32];
static int log_n;
static bool saw_lock_held;
static scripted *the_dev;

static void logf_(const char *s)
{
    if (log_n < LOG_MAX) {
        snprintf(log_buf[log_n], sizeof(log_buf[0]), "%s", s);
    }
    log_n++;
}

static void sink(void *opaque, int n, int level)
{
    (void)opaque;
    (void)n;
    saw_lock_held |= et_lock_held_by_me(&the_dev->dev.lock);
    logf_(level ? "raise" : "lower");
}

static void deferred(void *opaque, uint64_t arg)
{
    char t[32];
    saw_lock_held |= et_lock_held_by_me(&the_dev->dev.lock);
    assert_ptr_equal(opaque, the_dev);
    snprintf(t, sizeof(t), "call %llx", (unsigned long long)arg);
    logf_(t);
}

static uint64_t scripted_read(et_device *dev, uint64_t offset, unsigned size)
{
    (void)dev;
    (void)offset;
    (void)size;
    return 0;
}

static void scripted_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    scripted *s = (scripted *)dev;
    (void)offset;
    (void)size;
    if (value & 1) {
        et_irq_raise(&s->line);
    }
    if (value & 2) {
        et_device_defer(dev, deferred, dev, value);
        /* Nothing runs while the lock is held. */
        assert_int_equal(log_n, 0);
    }
    if (value & 4) {
        et_irq_lower(&s->line);
    }
}

static const et_device_ops scripted_ops = {
    .type = "test-defer",
    .region_size = 4,
    .access_sizes = ET_ACCESS_4,
    .read = scripted_read,
    .write = scripted_write,
};

static void test_deferred_call_runs_after_unlock_in_order(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_manual();
    scripted *s = calloc(1, sizeof(*s));
    et_device_init(&s->dev, &scripted_ops, clock, "defer", &scripted_class);
    et_irq_init(&s->line, &s->dev, "irq");
    et_device_add_irq(&s->dev, &s->line);
    et_irq_connect(&s->line, sink, NULL, 0);
    the_dev = s;
    log_n = 0;
    saw_lock_held = false;

    et_device_write(&s->dev, 0, 7, 4); /* raise, defer, lower */
    assert_int_equal(log_n, 3);
    assert_string_equal(log_buf[0], "raise");
    assert_string_equal(log_buf[1], "call 7");
    assert_string_equal(log_buf[2], "lower");
    assert_false(saw_lock_held);

    /* Two deferred calls in one critical section keep their order. */
    log_n = 0;
    et_device_lock(&s->dev);
    et_device_defer(&s->dev, deferred, s, 0x10);
    et_device_defer(&s->dev, deferred, s, 0x20);
    assert_int_equal(log_n, 0);
    et_device_unlock(&s->dev);
    assert_int_equal(log_n, 2);
    assert_string_equal(log_buf[0], "call 10");
    assert_string_equal(log_buf[1], "call 20");
    assert_false(saw_lock_held);

    et_device_free(&s->dev);
    et_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deferred_call_runs_after_unlock_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
