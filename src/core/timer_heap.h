/* An indexed 4-ary min-heap of timer entries, keyed by (deadline, seq).
 *
 * Entries hold their key inline, so sifting compares without touching the
 * timers; each timer keeps its own index so cancel and re-arm are O(log n).
 * A 4-ary heap is half as deep as a binary one and its four children share a
 * cache line or two, which is what matters once the heap outgrows the cache.
 * Not thread-safe: the clock's queue lock guards it.
 */
#ifndef EMUTIME_TIMER_HEAP_H
#define EMUTIME_TIMER_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct et_timer;

#define ET_HEAP_NONE UINT32_MAX

typedef struct et_heap_entry {
    int64_t deadline;
    uint64_t seq; /* arm order: FIFO among equal deadlines */
    struct et_timer *timer;
} et_heap_entry;

typedef struct et_timer_heap {
    et_heap_entry *v;
    uint32_t len;
    uint32_t cap;
} et_timer_heap;

void et__heap_init(et_timer_heap *h);
void et__heap_destroy(et_timer_heap *h);

/* Inserts (or, if the timer is in the heap, moves) the timer's entry. */
void et__heap_set(et_timer_heap *h, struct et_timer *t, int64_t deadline, uint64_t seq);
/* Removes the timer's entry; it must be in the heap. */
void et__heap_remove(et_timer_heap *h, struct et_timer *t);

static inline const et_heap_entry *et__heap_top(const et_timer_heap *h)
{
    return h->len ? &h->v[0] : NULL;
}

#endif
