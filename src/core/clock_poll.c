/* Waiting for a clock's next deadline in an event loop (clock_poll.h): the
 * timeout helpers and a timerfd that follows the clock's deadline. */
#include "emutime/clock_poll.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/internal.h"

#define NS_PER_MS 1000000
#define NS_PER_S 1000000000LL

int64_t et_clock_timeout_ns(et_clock *clock)
{
    int64_t deadline = et_clock_deadline(clock);
    if (deadline == ET_NO_DEADLINE) {
        return -1;
    }
    int64_t now = et_clock_now(clock);
    return deadline > now ? deadline - now : 0;
}

int et_clock_timeout_ms(et_clock *clock)
{
    int64_t ns = et_clock_timeout_ns(clock);
    if (ns < 0) {
        return -1;
    }
    int64_t ms = ns / NS_PER_MS + (ns % NS_PER_MS != 0);
    return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

struct et_clock_poller {
    et_clock *clock;
    int fd;
    /* Serialises "read the deadline, set the timerfd", so that a re-arm with
     * an older, later deadline never overwrites a newer, earlier one. A
     * leaf: held only around et_clock_timeout_ns (which takes the queue lock,
     * also a leaf, after it: the notifier is never called under that lock). */
    pthread_mutex_t arm_mutex;
};

/* Sets the timerfd to the clock's next deadline (disarms it for none). A
 * due timer arms it 1 ns ahead: a zero it_value would disarm it. */
static void rearm(et_clock_poller *p)
{
    pthread_mutex_lock(&p->arm_mutex);
    int64_t timeout = et_clock_timeout_ns(p->clock);
    struct itimerspec its = { { 0, 0 }, { 0, 0 } };
    if (timeout >= 0) {
        int64_t at = et_host_monotonic_ns() + (timeout ? timeout : 1);
        its.it_value.tv_sec = (time_t)(at / NS_PER_S);
        its.it_value.tv_nsec = (long)(at % NS_PER_S);
    }
    timerfd_settime(p->fd, TFD_TIMER_ABSTIME, &its, NULL);
    pthread_mutex_unlock(&p->arm_mutex);
}

static void on_notify(void *opaque)
{
    rearm(opaque);
}

et_clock_poller *et_clock_poller_new(et_clock *clock, char *err, size_t errlen)
{
    if (!clock || et_clock_is_manual(clock)) {
        et__error(err, errlen, ET_EINVAL, "clock poller: %s",
                  clock ? "a manual clock has no real deadlines" : "no clock");
        return NULL;
    }
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) {
        et__error(err, errlen, ET_ESYSTEM, "clock poller: timerfd_create: %s", strerror(errno));
        return NULL;
    }
    et_clock_poller *p = et__xcalloc(1, sizeof(*p));
    p->clock = clock;
    p->fd = fd;
    pthread_mutex_init(&p->arm_mutex, NULL);
    et_clock_set_notify(clock, on_notify, p);
    rearm(p);
    return p;
}

int et_clock_poller_fd(const et_clock_poller *p)
{
    return p->fd;
}

unsigned et_clock_poller_dispatch(et_clock_poller *p)
{
    uint64_t expirations;
    ssize_t n = read(p->fd, &expirations, sizeof(expirations)); /* EAGAIN when spurious */
    (void)n;
    unsigned fired = et_clock_run_expired(p->clock);
    rearm(p);
    return fired;
}

void et_clock_poller_free(et_clock_poller *p)
{
    if (!p) {
        return;
    }
    et_clock_set_notify(p->clock, NULL, NULL);
    close(p->fd);
    pthread_mutex_destroy(&p->arm_mutex);
    free(p);
}
