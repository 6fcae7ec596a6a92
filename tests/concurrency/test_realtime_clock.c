/* A real-time clock read by many threads while another pauses and resumes
 * it: time never goes backwards, and a paused clock reads one frozen value. (Found by the
 * stress suite: an ACLINT guest saw mtime step back across a VM stop.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "emutime/emutime.h"

#define MS 1000000LL
#define READERS 3

typedef struct shared {
    et_clock *clock;
    bool stop;            /* atomic */
    long backwards;       /* atomic */
    int64_t first_from, first_to; /* first step back seen (racy, diagnostic only) */
    unsigned long reads;  /* atomic */
} shared;

static void *reader(void *arg)
{
    shared *s = arg;
    int64_t last = et_clock_now(s->clock);
    unsigned long n = 0;
    while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
        int64_t now = et_clock_now(s->clock);
        if (now < last) {
            if (__atomic_fetch_add(&s->backwards, 1, __ATOMIC_RELAXED) == 0) {
                __atomic_store_n(&s->first_from, last, __ATOMIC_RELAXED);
                __atomic_store_n(&s->first_to, now, __ATOMIC_RELAXED);
            }
        }
        last = now;
        n++;
    }
    __atomic_add_fetch(&s->reads, n, __ATOMIC_RELAXED);
    return NULL;
}

static void test_never_backwards_across_pause_and_resume(void **state)
{
    (void)state;
    shared s = { .clock = et_clock_new_realtime() };
    pthread_t t[READERS];
    for (int i = 0; i < READERS; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, reader, &s), 0);
    }
    /* Pause and resume as fast as possible for a bounded time. */
    int64_t end = et_host_monotonic_ns() + 300 * MS;
    unsigned long toggles = 0;
    while (et_host_monotonic_ns() < end) {
        et_clock_pause(s.clock);
        et_clock_resume(s.clock);
        toggles++;
    }
    __atomic_store_n(&s.stop, true, __ATOMIC_RELAXED);
    for (int i = 0; i < READERS; i++) {
        pthread_join(t[i], NULL);
    }
    print_message("%lu pause/resume pairs, %lu reads\n", toggles,
                  __atomic_load_n(&s.reads, __ATOMIC_RELAXED));
    if (s.backwards) {
        fail_msg("the clock went backwards %ld times; first from %lld to %lld", s.backwards,
                 (long long)s.first_from, (long long)s.first_to);
    }
    et_clock_free(s.clock);
}

/* While paused, every reader sees the same value, the one pause froze. */
static void test_paused_clock_reads_one_value(void **state)
{
    (void)state;
    et_clock *clock = et_clock_new_realtime();
    for (int i = 0; i < 200; i++) {
        et_clock_pause(clock);
        int64_t frozen = et_clock_now(clock);
        struct timespec ts = { 0, 20000 };
        nanosleep(&ts, NULL);
        assert_int_equal(et_clock_now(clock), frozen);
        et_clock_resume(clock);
        assert_true(et_clock_now(clock) >= frozen);
    }
    et_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_never_backwards_across_pause_and_resume),
        cmocka_unit_test(test_paused_clock_reads_one_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
