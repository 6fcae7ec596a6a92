/* Indexed 4-ary min-heap (see timer_heap.h). */
#include <stdlib.h>

#include "core/clock_internal.h"
#include "core/internal.h"

static inline bool entry_before(const et_heap_entry *a, const et_heap_entry *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static inline void place(et_timer_heap *h, uint32_t i, et_heap_entry e)
{
    h->v[i] = e;
    e.timer->heap_index = i;
}

static void sift_up(et_timer_heap *h, uint32_t i, et_heap_entry e)
{
    while (i > 0) {
        uint32_t parent = (i - 1) / 4;
        if (!entry_before(&e, &h->v[parent])) {
            break;
        }
        place(h, i, h->v[parent]);
        i = parent;
    }
    place(h, i, e);
}

static void sift_down(et_timer_heap *h, uint32_t i, et_heap_entry e)
{
    for (;;) {
        uint32_t first = 4 * i + 1;
        if (first >= h->len) {
            break;
        }
        uint32_t last = first + 4 < h->len ? first + 4 : h->len;
        uint32_t best = first;
        for (uint32_t c = first + 1; c < last; c++) {
            if (entry_before(&h->v[c], &h->v[best])) {
                best = c;
            }
        }
        if (!entry_before(&h->v[best], &e)) {
            break;
        }
        place(h, i, h->v[best]);
        i = best;
    }
    place(h, i, e);
}

/* Puts e at slot i, whose old content is gone, restoring heap order. */
static void fix(et_timer_heap *h, uint32_t i, et_heap_entry e)
{
    if (i > 0 && entry_before(&e, &h->v[(i - 1) / 4])) {
        sift_up(h, i, e);
    } else {
        sift_down(h, i, e);
    }
}

void et__heap_init(et_timer_heap *h)
{
    h->v = NULL;
    h->len = 0;
    h->cap = 0;
}

void et__heap_destroy(et_timer_heap *h)
{
    free(h->v);
    et__heap_init(h);
}

void et__heap_set(et_timer_heap *h, struct et_timer *t, int64_t deadline, uint64_t seq)
{
    et_heap_entry e = { deadline, seq, t };

    if (t->heap_index != ET_HEAP_NONE) {
        fix(h, t->heap_index, e);
        return;
    }
    if (h->len == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->v = et__xrealloc(h->v, sizeof(*h->v) * h->cap);
    }
    sift_up(h, h->len++, e);
}

void et__heap_remove(et_timer_heap *h, struct et_timer *t)
{
    uint32_t i = t->heap_index;
    t->heap_index = ET_HEAP_NONE;
    h->len--;
    if (i != h->len) {
        fix(h, i, h->v[h->len]);
    }
}
