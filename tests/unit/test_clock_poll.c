/* Event-loop integration (clock_poll.h): the timeout helpers on a manual
 * clock (exact), and the pollable descriptor of a real-time clock. The
 * real-time cases bound nothing by elapsed time: they check that the
 * descriptor becomes readable at all (with a timeout of a minute that only
 * a broken re-arm would reach) and what its timerfd is set to. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <sys/timerfd.h>

#include "emutime/emutime.h"

#define MS 1000000LL
#define HOUR (3600LL * 1000 * MS)

static int fired;
static void on_fire(void *opaque)
{
    (void)opaque;
    __atomic_add_fetch(&fired, 1, __ATOMIC_RELAXED);
}

static void test_timeouts_on_a_manual_clock(void **state)
{
    (void)state;
    et_clock *c = et_clock_new_manual();
    assert_int_equal(et_clock_timeout_ns(c), -1);
    assert_int_equal(et_clock_timeout_ms(c), -1);
    et_timer *t = et_timer_new(c, on_fire, NULL);
    et_timer_mod(t, 2 * MS + 1); /* 2 ms and 1 ns: the ms timeout rounds up to 3 */
    assert_int_equal(et_clock_timeout_ns(c), 2 * MS + 1);
    assert_int_equal(et_clock_timeout_ms(c), 3);
    et_clock_set(c, 2 * MS);
    assert_int_equal(et_clock_timeout_ns(c), 1);
    assert_int_equal(et_clock_timeout_ms(c), 1);
    et_timer_mod(t, 2 * MS); /* due now */
    assert_int_equal(et_clock_timeout_ns(c), 0);
    assert_int_equal(et_clock_timeout_ms(c), 0);
    et_timer_mod(t, 100 * 24 * HOUR); /* 100 days: past INT32_MAX ms (24.8 days) */
    assert_int_equal(et_clock_timeout_ms(c), INT32_MAX);
    /* A manual clock has no descriptor. */
    char err[100] = "";
    assert_null(et_clock_poller_new(c, err, sizeof(err)));
    assert_string_equal(err, "clock poller: a manual clock has no real deadlines");
    assert_null(et_clock_poller_new(c, NULL, 0)); /* err may be NULL */
    et_timer_free(t);
    et_clock_free(c);
}

static bool readable_within_a_minute(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    return poll(&pfd, 1, 60000) == 1 && (pfd.revents & POLLIN);
}

static bool timerfd_armed(int fd)
{
    struct itimerspec its;
    assert_int_equal(timerfd_gettime(fd, &its), 0);
    return its.it_value.tv_sec != 0 || its.it_value.tv_nsec != 0;
}

typedef struct arm_later {
    et_timer *t;
    et_clock *c;
} arm_later;

static void *arm_from_another_thread(void *opaque)
{
    arm_later *a = opaque;
    et_timer_mod(a->t, et_clock_now(a->c) + 1 * MS);
    return NULL;
}

static void test_poller_follows_the_deadline(void **state)
{
    (void)state;
    et_clock *c = et_clock_new_realtime();
    et_clock_poller *p = et_clock_poller_new(c, NULL, 0);
    assert_non_null(p);
    int fd = et_clock_poller_fd(p);
    assert_false(timerfd_armed(fd)); /* nothing armed */

    /* A timer 1 ms ahead: the descriptor becomes readable, dispatch fires it. */
    fired = 0;
    et_timer *near = et_timer_new(c, on_fire, NULL);
    et_timer_mod(near, et_clock_now(c) + 1 * MS);
    assert_true(timerfd_armed(fd));
    assert_true(readable_within_a_minute(fd));
    unsigned n = 0;
    while (n == 0) { /* readable means due: one dispatch fires it */
        n = et_clock_poller_dispatch(p);
        assert_true(n <= 1);
        if (n == 0) {
            assert_true(readable_within_a_minute(fd));
        }
    }
    assert_int_equal(fired, 1);
    assert_false(timerfd_armed(fd)); /* none left */

    /* Only a timer an hour away; then another thread arms one 1 ms ahead:
     * the notifier re-arms the descriptor, which becomes readable long
     * before the hour. */
    et_timer *far = et_timer_new(c, on_fire, NULL);
    et_timer_mod(far, et_clock_now(c) + HOUR);
    assert_true(timerfd_armed(fd));
    arm_later a = { .t = near, .c = c };
    pthread_t th;
    pthread_create(&th, NULL, arm_from_another_thread, &a);
    pthread_join(th, NULL);
    assert_true(readable_within_a_minute(fd));
    while (fired < 2) {
        et_clock_poller_dispatch(p);
        if (fired < 2) {
            assert_true(readable_within_a_minute(fd));
        }
    }
    assert_int_equal(fired, 2);

    /* Paused: no deadline, so the descriptor is disarmed; resumed: armed. */
    et_clock_pause(c);
    assert_int_equal(et_clock_timeout_ns(c), -1);
    assert_false(timerfd_armed(fd));
    et_clock_resume(c);
    assert_true(timerfd_armed(fd));

    et_clock_poller_free(p);
    et_timer_free(near);
    et_timer_free(far);
    et_clock_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeouts_on_a_manual_clock),
        cmocka_unit_test(test_poller_follows_the_deadline),
    };
    return cmocka_run_group_tests_name("clock_poll", tests, NULL, NULL);
}
