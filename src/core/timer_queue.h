/* A clock's timer queue: exact order where it matters, O(1) work elsewhere.
 *
 * Two parts, split at the wheel's base time B:
 *  - the near heap (timer_heap.h) holds every armed timer whose deadline is
 *    at or before B, in exact (deadline, arm order) order;
 *  - the far wheel (timer_wheel.h) holds the ones after B, unordered within
 *    a slot, with lazy deletion.
 * Everything in the heap is due no later than anything in the wheel, and the
 * heap is refilled from the wheel's earliest slot as soon as it empties, so
 * the heap's root is always the earliest timer: the next deadline is O(1).
 * Arming a timer after B appends one wheel entry (one timer, one slot tail);
 * re-arming or cancelling one there only changes the timer. Arming at or
 * before B (a deadline about to come, or in the past) is a heap insert. An
 * empty queue starts with B at the end of time, a plain heap; once the heap
 * holds more than 64 timers and more than the wheel, B moves down to the
 * earliest deadline and the later ones go to the wheel.
 *
 * A timer's heap_index says where it is: a heap slot, ET_QUEUE_FAR (in the
 * wheel) or ET_HEAP_NONE (not queued). Not thread-safe: the clock's queue
 * lock guards it.
 */
#ifndef EMUTIME_TIMER_QUEUE_H
#define EMUTIME_TIMER_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/timer_heap.h"
#include "core/timer_wheel.h"

#define ET_QUEUE_FAR (ET_HEAP_NONE - 1)

typedef struct et_timer_queue {
    et_timer_heap near;
    et_timer_wheel far;
} et_timer_queue;

void et__queue_init(et_timer_queue *q);
void et__queue_destroy(et_timer_queue *q);

/* Arms (or, if queued, moves) the timer at deadline with arm order seq,
 * which must be new unless the timer is not queued. */
void et__queue_set(et_timer_queue *q, struct et_timer *t, int64_t deadline, uint64_t seq);
/* Takes the timer out; it must be queued. */
void et__queue_remove(et_timer_queue *q, struct et_timer *t);

/* The earliest timer and its deadline, or NULL when nothing is armed. */
static inline const et_heap_entry *et__queue_top(const et_timer_queue *q)
{
    return et__heap_top(&q->near);
}

/* How many timers are armed. */
static inline size_t et__queue_len(const et_timer_queue *q)
{
    return q->near.len + q->far.live;
}

#endif
