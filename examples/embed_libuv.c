/* Driving a real-time clock from libuv's loop: the clock's pollable
 * descriptor (clock_poll.h) is watched by a uv_poll_t, and every time it is
 * readable et_clock_poller_dispatch fires what is due. No runner thread, no
 * timeout arithmetic: the descriptor follows the clock's deadline by itself,
 * also when another thread arms an earlier timer.
 *
 * The story: a ptimer ticks every 2 ms; after 5 ticks its callback stops it
 * and the loop has nothing left to wait for, so uv_run returns.
 *
 *     build/example_embed_libuv
 */
#include <stdio.h>
#include <uv.h>

#include "emutime/emutime.h"

typedef struct app {
    et_clock *clock;
    et_clock_poller *poller;
    et_ptimer *tick;
    uv_poll_t watch;
    int ticks;
} app;

static void on_tick(void *opaque)
{
    app *a = opaque;
    printf("tick %d at %.3f ms\n", ++a->ticks, (double)et_clock_now(a->clock) / 1e6);
    if (a->ticks == 5) {
        et_ptimer_stop(a->tick); /* callbacks run inside the ptimer's transaction */
    }
}

static void on_readable(uv_poll_t *watch, int status, int events)
{
    app *a = watch->data;
    (void)events;
    if (status < 0) {
        fprintf(stderr, "poll: %s\n", uv_strerror(status));
        uv_poll_stop(watch);
        return;
    }
    et_clock_poller_dispatch(a->poller);
    if (et_clock_deadline(a->clock) == ET_NO_DEADLINE) {
        uv_poll_stop(watch); /* nothing left: let uv_run return */
    }
}

int main(void)
{
    app a = { 0 };
    a.clock = et_clock_new_realtime();
    char err[200];
    a.poller = et_clock_poller_new(a.clock, err, sizeof(err));
    if (!a.poller) {
        fprintf(stderr, "embed_libuv: %s\n", err);
        return 1;
    }
    a.tick = et_ptimer_new(a.clock, on_tick, &a, ET_PTIMER_POLICY_LEGACY);
    et_ptimer_transaction_begin(a.tick);
    et_ptimer_set_period(a.tick, 2000000); /* 2 ms */
    et_ptimer_set_limit(a.tick, 1, 1);
    et_ptimer_run(a.tick, 0);
    et_ptimer_transaction_commit(a.tick);

    uv_loop_t *loop = uv_default_loop();
    uv_poll_init(loop, &a.watch, et_clock_poller_fd(a.poller));
    a.watch.data = &a;
    uv_poll_start(&a.watch, UV_READABLE, on_readable);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&a.watch, NULL);
    uv_run(loop, UV_RUN_DEFAULT);

    et_ptimer_free(a.tick);
    et_clock_poller_free(a.poller);
    et_clock_free(a.clock);
    printf("%s: %d ticks\n", a.ticks == 5 ? "PASS" : "FAIL", a.ticks);
    return a.ticks == 5 ? 0 : 1;
}
