/* Driving a real-time clock from the embedder's own event loop, without the
 * runner thread: poll() sleeps until the clock's next deadline, the clock's
 * notifier writes to a pipe to cut that sleep short when another thread
 * arms an earlier deadline, and et_clock_run_expired() fires what is due.
 *
 * The story: a heartbeat fires three times, 10 ms apart; then only a timer
 * 10 s away is left, and the loop goes to sleep for 10 s. 50 ms after the
 * start another thread (a vCPU, say) arms a timer 5 ms ahead; the notifier
 * wakes the loop, which fires it about 55 ms after the start and exits.
 *
 *     build/example_embed_event_loop
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "emutime/emutime.h"

#define MS 1000000LL

typedef struct app {
    et_clock *clock;
    pthread_t loop_thread;
    int wake_pipe[2];
    et_timer *heartbeat, *far, *urgent;
    int beats;
    bool done; /* set by the urgent timer's callback, on the loop thread */
} app;

/* The notifier: may run on any thread, even under a device lock, so it only
 * wakes the loop (a full pipe already means "wake up"). Arming done by the
 * loop thread itself (from a callback) needs no wake-up: the loop computes
 * its next timeout after et_clock_run_expired() returns. */
static void wake_loop(void *opaque)
{
    app *a = opaque;
    if (pthread_equal(pthread_self(), a->loop_thread)) {
        return;
    }
    char byte = 1;
    ssize_t n = write(a->wake_pipe[1], &byte, 1);
    (void)n;
}

/* Callbacks run on the loop thread, inside et_clock_run_expired(). */
static void on_heartbeat(void *opaque)
{
    app *a = opaque;
    int64_t now = et_clock_now(a->clock);
    printf("heartbeat %d at %6.3f ms\n", ++a->beats, (double)now / MS);
    if (a->beats < 3) {
        et_timer_mod(a->heartbeat, now + 10 * MS);
    }
}

static void on_far(void *opaque)
{
    (void)opaque;
    printf("the far timer fired (it should not have)\n");
}

static void on_urgent(void *opaque)
{
    app *a = opaque;
    printf("urgent timer at %6.3f ms\n", (double)et_clock_now(a->clock) / MS);
    a->done = true;
}

static void *vcpu_thread(void *arg)
{
    app *a = arg;
    struct timespec ts = { 0, 50 * MS };
    nanosleep(&ts, NULL);
    /* Earlier than everything armed: the clock calls the notifier. */
    et_timer_mod(a->urgent, et_clock_now(a->clock) + 5 * MS);
    return NULL;
}

int main(void)
{
    app a = { .clock = et_clock_new_realtime(), .loop_thread = pthread_self() };
    if (pipe(a.wake_pipe) != 0) {
        perror("pipe");
        return 1;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(a.wake_pipe[i], F_SETFL, O_NONBLOCK);
    }
    et_clock_set_notify(a.clock, wake_loop, &a);

    a.heartbeat = et_timer_new(a.clock, on_heartbeat, &a);
    a.far = et_timer_new(a.clock, on_far, &a);
    a.urgent = et_timer_new(a.clock, on_urgent, &a);
    int64_t start = et_clock_now(a.clock);
    et_timer_mod(a.heartbeat, start + 10 * MS);
    et_timer_mod(a.far, start + 10000 * MS);

    pthread_t vcpu;
    pthread_create(&vcpu, NULL, vcpu_thread, &a);

    while (!a.done) {
        int timeout = et_clock_timeout_ms(a.clock); /* rounded up; -1: none */
        struct pollfd pfd = { .fd = a.wake_pipe[0], .events = POLLIN };
        int64_t before = et_host_monotonic_ns();
        int ready = poll(&pfd, 1, timeout);
        if (ready < 0 && errno != EINTR) {
            perror("poll");
            return 1;
        }
        if (ready > 0) {
            char buf[64];
            while (read(a.wake_pipe[0], buf, sizeof(buf)) > 0) {
            }
            printf("woken by the notifier after %.1f ms of a planned %d ms sleep\n",
                   (double)(et_host_monotonic_ns() - before) / MS, timeout);
        }
        et_clock_run_expired(a.clock);
    }

    pthread_join(vcpu, NULL);
    et_clock_set_notify(a.clock, NULL, NULL);
    et_timer_free(a.heartbeat);
    et_timer_free(a.far);
    et_timer_free(a.urgent);
    et_clock_free(a.clock);
    close(a.wake_pipe[0]);
    close(a.wake_pipe[1]);
    return 0;
}
