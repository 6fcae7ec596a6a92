/* A clock's timer queue: near heap plus far wheel (see timer_queue.h). */
#include "core/clock_internal.h"

/* A heap this small is cheap whatever order it was filled in. */
#define REBASE_MIN 64

void et__queue_init(et_timer_queue *q)
{
    et__heap_init(&q->near);
    et__wheel_init(&q->far);
}

void et__queue_destroy(et_timer_queue *q)
{
    et__heap_destroy(&q->near);
    et__wheel_destroy(&q->far);
}

/* The heap took more arms before the base than the wheel holds (the first
 * arms into an empty queue, or arms in descending order): move the base
 * down to the earliest deadline and everything after it into the wheel, so
 * that arms stop paying for a big heap. The heap must hold at least half of
 * the timers for this to run, which bounds its cost to O(1) per arm that
 * went into the heap. */
static void rebase_down(et_timer_queue *q)
{
    et_timer_heap *h = &q->near;
    et_timer_wheel *w = &q->far;
    int64_t base = h->v[0].deadline;

    et__wheel_rebase(w, base);
    uint32_t len = h->len;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < len; i++) {
        et_heap_entry e = h->v[i];
        if (e.deadline == base) {
            h->v[kept++] = e;
            continue;
        }
        e.timer->heap_index = ET_QUEUE_FAR;
        w->live++;
        et__wheel_add(w, e.timer, e.deadline, e.timer->heap_seq);
    }
    /* The ones kept are re-inserted (their array order is not a heap):
     * insert i only moves entries at or before i. */
    h->len = 0;
    for (uint32_t i = 0; i < kept; i++) {
        et_heap_entry e = h->v[i];
        e.timer->heap_index = ET_HEAP_NONE;
        et__heap_set(h, e.timer, e.deadline, e.timer->heap_seq);
    }
}

void et__queue_set(et_timer_queue *q, struct et_timer *t, int64_t deadline, uint64_t seq)
{
    et_timer_wheel *w = &q->far;

    if (t->heap_index == ET_QUEUE_FAR) {
        /* Its entry goes stale: the timer leaves the wheel or gets a new seq. */
        t->heap_index = ET_HEAP_NONE;
        w->live--;
    }
    if (q->near.len == 0 && w->live == 0) {
        /* Nothing else armed: start as a plain heap (the base at the end of
         * time), whatever time the queue had reached (a clock can be
         * re-based back). A heap of up to REBASE_MIN timers is as fast as
         * the wheel and needs no slot memory; past that the base moves down
         * (rebase_down) and the wheel takes over. */
        et__wheel_clear(w);
        w->base = INT64_MAX;
    }
    if (deadline <= w->base) {
        et__heap_set(&q->near, t, deadline, seq);
        if (q->near.len > REBASE_MIN && q->near.len > w->live) {
            rebase_down(q);
        }
        return;
    }
    if (t->heap_index != ET_HEAP_NONE) {
        et__heap_remove(&q->near, t);
    }
    t->heap_seq = seq;
    t->heap_index = ET_QUEUE_FAR;
    w->live++;
    et__wheel_add(w, t, deadline, seq);
    if (q->near.len == 0) {
        et__wheel_refill(w, &q->near);
    }
}

void et__queue_remove(et_timer_queue *q, struct et_timer *t)
{
    et_timer_wheel *w = &q->far;

    if (t->heap_index == ET_QUEUE_FAR) {
        t->heap_index = ET_HEAP_NONE;
        w->live--;
        if (w->live == 0) {
            et__wheel_clear(w);
        }
        return;
    }
    et__heap_remove(&q->near, t);
    if (q->near.len == 0) {
        et__wheel_refill(w, &q->near);
    }
}
