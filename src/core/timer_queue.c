/* A clock's timer queue: near heap plus far wheel (see timer_queue.h). */
#include "core/clock_internal.h"

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

void et__queue_set(et_timer_queue *q, struct et_timer *t, int64_t deadline, uint64_t seq)
{
    et_timer_wheel *w = &q->far;

    if (t->heap_index == ET_QUEUE_FAR) {
        /* Its entry goes stale: the timer leaves the wheel or gets a new seq. */
        t->heap_index = ET_HEAP_NONE;
        w->live--;
    }
    if (q->near.len == 0 && w->live == 0) {
        /* Nothing else armed: the split moves to this deadline, whatever
         * the time the queue had reached (a clock can be re-based back). */
        et__wheel_clear(w);
        w->base = deadline;
    }
    if (deadline <= w->base) {
        et__heap_set(&q->near, t, deadline, seq);
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
