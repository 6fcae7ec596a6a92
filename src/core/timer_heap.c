/* Indexed 4-ary min-heap (see timer_heap.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock_internal.h"
#include "core/internal.h"

#define LINE 64

static inline bool entry_before(const et_heap_entry *a, const et_heap_entry *b)
{
    /* Ties are rare with real deadlines; only they touch the timers. */
    if (__builtin_expect(a->deadline != b->deadline, 1)) {
        return a->deadline < b->deadline;
    }
    return a->timer->heap_seq < b->timer->heap_seq;
}

static inline void place(et_timer_heap *h, uint32_t i, et_heap_entry e)
{
    h->v[i] = e;
    e.timer->heap_index = i;
}

/* Asks for the cache line holding entry i (no fault if it is past the end). */
static inline void prefetch_entry(const et_timer_heap *h, uint64_t i)
{
    __builtin_prefetch((const void *)((uintptr_t)h->v + i * sizeof(et_heap_entry)));
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

/* The earliest of the children starting at first. A full group is compared
 * as a tournament (two independent compares, then one) that the compiler
 * turns into conditional moves: with random keys, branches would mispredict
 * about every other level. */
static inline uint32_t min_child(const et_heap_entry *v, uint32_t first, uint32_t len)
{
    if (first + 4 <= len) {
        uint32_t a = entry_before(&v[first + 1], &v[first]) ? first + 1 : first;
        uint32_t b = entry_before(&v[first + 3], &v[first + 2]) ? first + 3 : first + 2;
        return entry_before(&v[b], &v[a]) ? b : a;
    }
    uint32_t best = first;
    for (uint32_t c = first + 1; c < len; c++) {
        if (entry_before(&v[c], &v[best])) {
            best = c;
        }
    }
    return best;
}

static void sift_down(et_timer_heap *h, uint32_t i, et_heap_entry e)
{
    for (;;) {
        uint32_t first = 4 * i + 1;
        if (first >= h->len) {
            break;
        }
        /* The 16 grandchildren are 4 consecutive lines: fetch them all now
         * so the next level's line is already on its way. */
        uint64_t grand = 4 * (uint64_t)first + 1;
        if (grand < h->len) {
            for (uint64_t k = 0; k < 16; k += LINE / sizeof(et_heap_entry)) {
                prefetch_entry(h, grand + k);
            }
        }
        uint32_t best = min_child(h->v, first, h->len);
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
    /* Whichever way it goes, start loading the children with the parent. */
    if (4 * (uint64_t)i + 1 < h->len) {
        prefetch_entry(h, 4 * (uint64_t)i + 1);
    }
    if (i > 0 && entry_before(&e, &h->v[(i - 1) / 4])) {
        sift_up(h, i, e);
    } else {
        sift_down(h, i, e);
    }
}

/* Grows the array, keeping &v[1] (and so every child group) line-aligned. */
static void grow(et_timer_heap *h)
{
    if (h->cap > (ET_HEAP_NONE - 1) / 2) {
        fprintf(stderr, "emutime: more than %u timers armed on one clock\n", ET_HEAP_NONE - 1);
        abort();
    }
    uint32_t cap = h->cap ? h->cap * 2 : 64;
    char *mem = et__xmalloc((size_t)cap * sizeof(et_heap_entry) + LINE);
    uintptr_t first = ((uintptr_t)mem + sizeof(et_heap_entry) + LINE - 1) & ~(uintptr_t)(LINE - 1);
    et_heap_entry *v = (et_heap_entry *)(first - sizeof(et_heap_entry));
    if (h->len) {
        memcpy(v, h->v, sizeof(*v) * h->len);
    }
    free(h->mem);
    h->mem = mem;
    h->v = v;
    h->cap = cap;
}

void et__heap_init(et_timer_heap *h)
{
    h->v = NULL;
    h->mem = NULL;
    h->len = 0;
    h->cap = 0;
}

void et__heap_destroy(et_timer_heap *h)
{
    free(h->mem);
    et__heap_init(h);
}

void et__heap_set(et_timer_heap *h, struct et_timer *t, int64_t deadline, uint64_t seq)
{
    et_heap_entry e = { deadline, t };

    /* The old slot is never compared against, so the new seq can go in now. */
    t->heap_seq = seq;
    if (t->heap_index != ET_HEAP_NONE) {
        fix(h, t->heap_index, e);
        return;
    }
    if (h->len == h->cap) {
        grow(h);
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
