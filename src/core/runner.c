/* The real-time runner thread (runner.h). */
#include <errno.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/internal.h"
#include "emutime/runner.h"

struct et_runner {
    et_clock *clock;
    pthread_t thread;
    pthread_mutex_t mutex; /* a leaf: guards kicked and stopping */
    pthread_cond_t cond;   /* on CLOCK_MONOTONIC */
    bool kicked;
    bool stopping;
    unsigned long fired;   /* atomic */
};

static void kick(void *opaque)
{
    et_runner *r = opaque;
    pthread_mutex_lock(&r->mutex);
    r->kicked = true;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->mutex);
}

/* Sleeps until host time wake_ns (or forever if < 0), a kick, or stop. */
static void sleep_until(et_runner *r, int64_t wake_ns)
{
    pthread_mutex_lock(&r->mutex);
    while (!r->kicked && !r->stopping) {
        if (wake_ns < 0) {
            pthread_cond_wait(&r->cond, &r->mutex);
            continue;
        }
        struct timespec ts = { (time_t)(wake_ns / 1000000000), (long)(wake_ns % 1000000000) };
        if (pthread_cond_timedwait(&r->cond, &r->mutex, &ts) == ETIMEDOUT) {
            break;
        }
    }
    r->kicked = false;
    pthread_mutex_unlock(&r->mutex);
}

static bool stopping(et_runner *r)
{
    pthread_mutex_lock(&r->mutex);
    bool s = r->stopping;
    pthread_mutex_unlock(&r->mutex);
    return s;
}

static void *runner_main(void *arg)
{
    et_runner *r = arg;
    /* Linux lets a sleep end up to the thread's timer slack late (50 us by
     * default, inherited from the creating thread): take the minimum, 1 ns,
     * so expiries are as punctual as the host allows. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    while (!stopping(r)) {
        unsigned n = et_clock_run_expired(r->clock);
        if (n) {
            __atomic_add_fetch(&r->fired, n, __ATOMIC_RELAXED);
        }
        int64_t deadline = et_clock_deadline(r->clock);
        if (deadline == ET_NO_DEADLINE) {
            sleep_until(r, -1);
            continue;
        }
        int64_t wait = deadline - et_clock_now(r->clock);
        if (wait <= 0) {
            continue; /* already due: fire at once */
        }
        int64_t host = et_host_monotonic_ns();
        sleep_until(r, wait > INT64_MAX - host ? INT64_MAX : host + wait);
    }
    return NULL;
}

et_runner *et_runner_start(et_clock *clock, char *err, size_t errlen)
{
    ET_USAGE_CHECK_RET(!et_clock_is_manual(clock), NULL,
                       "et_runner_start: a manual clock only moves when stepped");
    et_runner *r = et__xcalloc(1, sizeof(*r));
    r->clock = clock;
    pthread_mutex_init(&r->mutex, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cond, &attr);
    pthread_condattr_destroy(&attr);
    et_clock_set_notify(clock, kick, r);
    int rc = pthread_create(&r->thread, NULL, runner_main, r);
    if (rc) {
        et_clock_set_notify(clock, NULL, NULL);
        pthread_cond_destroy(&r->cond);
        pthread_mutex_destroy(&r->mutex);
        free(r);
        et__error(err, errlen, ET_ESYSTEM, "runner: pthread_create: %s", strerror(rc));
        return NULL;
    }
    return r;
}

void et_runner_stop(et_runner *r)
{
    if (!r) {
        return;
    }
    pthread_mutex_lock(&r->mutex);
    r->stopping = true;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->mutex);
    pthread_join(r->thread, NULL);
    et_clock_set_notify(r->clock, NULL, NULL);
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->mutex);
    free(r);
}

unsigned long et_runner_fired(et_runner *r)
{
    return __atomic_load_n(&r->fired, __ATOMIC_RELAXED);
}
