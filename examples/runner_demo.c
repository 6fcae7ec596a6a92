/* The built-in runner driving a real-time clock: a ptimer counting down 10
 * ticks of 1 ms, periodic, fires every 10 ms for about 50 ms, then
 * everything is stopped and freed.
 *
 * The ptimer is bound to a lock (as a device's ptimers are bound to the
 * device lock): its expiry runs on the runner thread with that lock held,
 * and the main thread takes the same lock to program and stop it.
 *
 *     build/example_runner_demo
 */
#include <stdio.h>
#include <time.h>

#include "emutime/emutime.h"

static et_lock_class demo_lock_class = ET_LOCK_CLASS_INIT("runner-demo");

typedef struct demo {
    et_clock *clock;
    et_lock lock; /* guards pt and expiries */
    et_ptimer *pt;
    int expiries;
} demo;

/* On the runner thread, with d->lock held. et_clock_now() reads the
 * expiry's own deadline, however late the thread woke up. */
static void on_expiry(void *opaque)
{
    demo *d = opaque;
    d->expiries++;
    printf("expiry %d at virtual %6.3f ms, counter reloaded to %llu\n", d->expiries,
           (double)et_clock_now(d->clock) / 1e6, (unsigned long long)et_ptimer_get_count(d->pt));
}

int main(void)
{
    demo d = { .clock = et_clock_new_realtime() };
    et_lock_init(&d.lock, &demo_lock_class);
    d.pt = et_ptimer_new(d.clock, on_expiry, &d, ET_PTIMER_POLICY_LEGACY);
    et_ptimer_set_lock(d.pt, &d.lock);

    char err[200];
    et_runner *runner = et_runner_start(d.clock, err, sizeof(err));
    if (!runner) {
        fprintf(stderr, "runner_demo: %s\n", err);
        return 1;
    }

    /* Program under the lock, as a device register write would. */
    et_lock_acquire(&d.lock);
    int64_t start = et_clock_now(d.clock);
    et_ptimer_transaction_begin(d.pt);
    et_ptimer_set_period(d.pt, 1000000); /* 1 ms per tick */
    et_ptimer_set_limit(d.pt, 10, 1);    /* 10 ticks: an expiry every 10 ms */
    et_ptimer_run(d.pt, 0);              /* periodic */
    et_ptimer_transaction_commit(d.pt);
    et_lock_release(&d.lock);
    printf("started at virtual %.3f ms\n", (double)start / 1e6);

    struct timespec wait = { 0, 55 * 1000000 };
    nanosleep(&wait, NULL);

    et_lock_acquire(&d.lock);
    et_ptimer_transaction_begin(d.pt);
    et_ptimer_stop(d.pt);
    et_ptimer_transaction_commit(d.pt);
    int expiries = d.expiries;
    et_lock_release(&d.lock);

    unsigned long fired = et_runner_fired(runner);
    et_runner_stop(runner);
    printf("%d expiries; the runner fired %lu timer callbacks\n", expiries, fired);

    et_ptimer_free(d.pt);
    et_lock_destroy(&d.lock);
    et_clock_free(d.clock);
    return expiries > 0 ? 0 : 1;
}
