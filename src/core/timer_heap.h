/* An indexed 4-ary min-heap of timer entries, keyed by (deadline, seq).
 *
 * Entries are 16 bytes, the deadline inline and the timer pointer beside it,
 * and the array is laid out so that the four children of a node fill exactly
 * one 64-byte cache line: a level of a sift costs one line, which is what
 * matters once the heap outgrows the cache. The arm sequence number that
 * orders equal deadlines (FIFO) lives in the timer and is read only on a
 * deadline tie. Each timer keeps its own index, so cancel and re-arm are
 * O(log n). It is the exact, near part of a clock's queue (timer_queue.h).
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
    struct et_timer *timer;
} et_heap_entry;

typedef struct et_timer_heap {
    et_heap_entry *v; /* v[0] is the root; &v[1] is 64-byte aligned */
    void *mem;        /* the allocation v points into */
    uint32_t len;
    uint32_t cap;
} et_timer_heap;

void et__heap_init(et_timer_heap *h);
void et__heap_destroy(et_timer_heap *h);

/* Inserts (or, if the timer is in the heap, moves) the timer's entry; seq is
 * its arm order, which breaks deadline ties. The timer's heap_index must be
 * a heap slot or ET_HEAP_NONE (the queue takes timers out of its wheel
 * first). */
void et__heap_set(et_timer_heap *h, struct et_timer *t, int64_t deadline, uint64_t seq);
/* Removes the timer's entry; it must be in the heap. */
void et__heap_remove(et_timer_heap *h, struct et_timer *t);

static inline const et_heap_entry *et__heap_top(const et_timer_heap *h)
{
    return h->len ? &h->v[0] : NULL;
}

#endif
