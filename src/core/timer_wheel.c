/* Hierarchical timing wheel of lazily deleted entries (see timer_wheel.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock_internal.h"
#include "core/internal.h"

/* A sweep starts when the stale entries outnumber the live ones STALE_RATIO
 * times over, plus a slack. Each sweep reads every entry's timer, so with
 * ratio k the sweeps cost (k + 1) / k timer reads per re-arm, and the wheel
 * holds up to k + 1 entries per live timer: 2 reads 1.5 and 72 bytes. The
 * slack keeps a clock with a handful of timers from sweeping every few
 * re-arms; it bounds their waste at 2048 * 24 bytes per clock. */
#define STALE_RATIO 2
#define SWEEP_SLACK 2048

/* A slot whose array grew past this many entries gives it back when it
 * empties, so a burst of timers does not pin its memory. */
#define KEEP_CAP 256

#define N_SLOTS (ET_WHEEL_LEVELS * ET_WHEEL_SLOTS)

void et__wheel_init(et_timer_wheel *w)
{
    memset(w, 0, sizeof(*w));
}

void et__wheel_destroy(et_timer_wheel *w)
{
    et__wheel_clear(w); /* frees the timers left to the wheel */
    if (w->slots) {
        for (unsigned i = 0; i < N_SLOTS; i++) {
            free(w->slots[i].v);
        }
        free(w->slots);
    }
    et__wheel_init(w);
}

/* The level of a deadline after the base: its highest 6-bit digit that
 * differs from the base's. */
static inline unsigned level_of(const et_timer_wheel *w, int64_t deadline)
{
    uint64_t diff = (uint64_t)deadline ^ (uint64_t)w->base;
    return (unsigned)(63 - __builtin_clzll(diff)) / ET_WHEEL_BITS;
}

static inline unsigned slot_of(int64_t deadline, unsigned level)
{
    return (unsigned)((uint64_t)deadline >> (level * ET_WHEEL_BITS)) & (ET_WHEEL_SLOTS - 1);
}

static void push(et_timer_wheel *w, unsigned level, unsigned slot, et_wheel_entry e)
{
    et_wheel_slot *s = &w->slots[level * ET_WHEEL_SLOTS + slot];
    if (s->len == s->cap) {
        if (s->cap > UINT32_MAX / 2) {
            fprintf(stderr, "emutime: more than %u timer entries in one wheel slot\n",
                    UINT32_MAX / 2);
            abort();
        }
        s->cap = s->cap ? s->cap * 2 : 8;
        s->v = et__xrealloc(s->v, sizeof(*s->v) * s->cap);
    }
    if (s->len == 0) {
        w->slot_mask[level] |= 1ull << slot;
        w->level_mask |= 1ull << level;
    }
    s->v[s->len++] = e;
}

/* Empties a slot whose entries have all been moved or dropped. */
static void slot_emptied(et_timer_wheel *w, unsigned index)
{
    et_wheel_slot *s = &w->slots[index];
    unsigned level = index / ET_WHEEL_SLOTS;
    s->len = 0;
    if (s->cap > KEEP_CAP) {
        free(s->v);
        s->v = NULL;
        s->cap = 0;
    }
    w->slot_mask[level] &= ~(1ull << (index % ET_WHEEL_SLOTS));
    if (!w->slot_mask[level]) {
        w->level_mask &= ~(1ull << level);
    }
}

static inline bool entry_live(const et_wheel_entry *e)
{
    return e->timer->heap_index == ET_QUEUE_FAR && e->timer->heap_seq == e->seq;
}

/* An entry leaves the wheel. A timer its user freed while stale entries
 * still named it was left for the last of them to free. */
static inline void drop_ref(struct et_timer *t)
{
    if (--t->wheel_refs == 0 && t->wheel_zombie) {
        free(t);
    }
}

/* The first non-empty slot at or after index from; N_SLOTS if none. */
static unsigned next_slot(const et_timer_wheel *w, unsigned from)
{
    for (unsigned level = from / ET_WHEEL_SLOTS; level < ET_WHEEL_LEVELS; level++) {
        uint64_t mask = w->slot_mask[level];
        if (level == from / ET_WHEEL_SLOTS) {
            mask &= ~0ull << (from % ET_WHEEL_SLOTS);
        }
        if (mask) {
            return level * ET_WHEEL_SLOTS + (unsigned)__builtin_ctzll(mask);
        }
    }
    return N_SLOTS;
}

/* Drops the stale entries of one slot, keeping the live ones in order. The
 * timers are random memory: ask for each a few entries ahead. */
static void sweep_slot(et_timer_wheel *w, unsigned index)
{
    enum { AHEAD = 8 };
    et_wheel_slot *s = &w->slots[index];
    uint32_t kept = 0;
    for (uint32_t i = 0; i < s->len; i++) {
        if (i + AHEAD < s->len) {
            __builtin_prefetch(s->v[i + AHEAD].timer);
        }
        if (entry_live(&s->v[i])) {
            s->v[kept++] = s->v[i];
        } else {
            drop_ref(s->v[i].timer);
        }
    }
    w->entries -= s->len - kept;
    if (kept == 0) {
        slot_emptied(w, index);
    } else {
        s->len = kept;
    }
}

/* One step of the sweep: a sweep visits each non-empty slot once, one slot
 * per arm, so no arm pays for more than one slot. */
static void sweep_step(et_timer_wheel *w)
{
    if (!w->sweeping) {
        if (w->entries - w->live <= STALE_RATIO * w->live + SWEEP_SLACK) {
            return;
        }
        w->sweeping = true;
        w->sweep_next = 0;
    }
    unsigned index = w->sweep_next < N_SLOTS ? next_slot(w, w->sweep_next) : N_SLOTS;
    if (index == N_SLOTS) {
        w->sweeping = false;
        return;
    }
    sweep_slot(w, index);
    w->sweep_next = index + 1;
}

void et__wheel_add(et_timer_wheel *w, struct et_timer *t, int64_t deadline, uint64_t seq)
{
    if (!w->slots) {
        w->slots = et__xcalloc(N_SLOTS, sizeof(*w->slots));
    }
    unsigned level = level_of(w, deadline);
    push(w, level, slot_of(deadline, level), (et_wheel_entry){ deadline, seq, t });
    t->wheel_refs++;
    w->entries++;
    sweep_step(w);
}

void et__wheel_clear(et_timer_wheel *w)
{
    while (w->level_mask) {
        unsigned level = (unsigned)__builtin_ctzll(w->level_mask);
        unsigned slot = (unsigned)__builtin_ctzll(w->slot_mask[level]);
        et_wheel_slot *s = &w->slots[level * ET_WHEEL_SLOTS + slot];
        for (uint32_t i = 0; i < s->len; i++) {
            drop_ref(s->v[i].timer);
        }
        slot_emptied(w, level * ET_WHEEL_SLOTS + slot);
    }
    w->entries = 0;
    w->live = 0;
    w->sweeping = false;
}

/* A slot this small goes into the heap whole, instead of one level down:
 * the heap orders it exactly, and each of its timers is touched once. */
#define DUMP_MAX 32

/* Moves an entry that leaves the wheel into the heap, if it is live. */
static void to_heap(et_timer_wheel *w, struct et_timer_heap *heap, const et_wheel_entry *e)
{
    w->entries--;
    if (entry_live(e)) {
        w->live--;
        e->timer->wheel_refs--; /* in use: not a zombie */
        e->timer->heap_index = ET_HEAP_NONE;
        et__heap_set(heap, e->timer, e->deadline, e->seq);
    } else {
        drop_ref(e->timer);
    }
}

/* Cascades the earliest non-empty slot. A small one goes into the heap
 * whole, the base moving to the slot's last instant. A larger one is spread
 * over the lower levels: the base moves to the slot's first instant, each
 * entry goes down to the level where it now differs from the base (a lower
 * one), and those at the base itself go into the heap. Either way the other
 * slots keep their places: their digits above this level are the base's,
 * and at this level they are beyond the slot. */
static void cascade_earliest(et_timer_wheel *w, struct et_timer_heap *heap)
{
    unsigned level = (unsigned)__builtin_ctzll(w->level_mask);
    unsigned slot = (unsigned)__builtin_ctzll(w->slot_mask[level]);
    unsigned index = level * ET_WHEEL_SLOTS + slot;
    unsigned shift = level * ET_WHEEL_BITS;
    uint64_t below = (1ull << shift) - 1;

    /* The digits above this level stay, this one becomes the slot's. The
     * slot's digit is above the old base's (every entry is after the base),
     * so the base moves forward. */
    uint64_t keep = shift + ET_WHEEL_BITS >= 64 ? 0 : ~0ull << (shift + ET_WHEEL_BITS);
    uint64_t start = ((uint64_t)w->base & keep) | ((uint64_t)slot << shift);

    /* Taken out of the table first: entries never go back into their own
     * slot, but push() may grow other slots meanwhile. */
    et_wheel_slot s = w->slots[index];
    w->slots[index] = (et_wheel_slot){ s.v, 0, s.cap };
    if (s.len <= DUMP_MAX || level == 0) {
        w->base = (int64_t)(start | below);
        for (uint32_t i = 0; i < s.len; i++) {
            __builtin_prefetch(s.v[i].timer);
        }
        for (uint32_t i = 0; i < s.len; i++) {
            to_heap(w, heap, &s.v[i]);
        }
    } else {
        w->base = (int64_t)start;
        for (uint32_t i = 0; i < s.len; i++) {
            et_wheel_entry e = s.v[i];
            if (e.deadline != w->base) {
                unsigned l = level_of(w, e.deadline);
                push(w, l, slot_of(e.deadline, l), e);
                continue;
            }
            /* Only entries that leave the wheel look at their timer. */
            to_heap(w, heap, &e);
        }
    }
    slot_emptied(w, index);
}

/* Re-places every entry for a new, lower base. */
void et__wheel_rebase(et_timer_wheel *w, int64_t base)
{
    et_wheel_entry *all = et__xmalloc(sizeof(*all) * (w->entries ? w->entries : 1));
    size_t n = 0;
    while (w->level_mask) {
        unsigned level = (unsigned)__builtin_ctzll(w->level_mask);
        unsigned slot = (unsigned)__builtin_ctzll(w->slot_mask[level]);
        unsigned index = level * ET_WHEEL_SLOTS + slot;
        memcpy(all + n, w->slots[index].v, sizeof(*all) * w->slots[index].len);
        n += w->slots[index].len;
        slot_emptied(w, index);
    }
    w->base = base;
    for (size_t i = 0; i < n; i++) {
        unsigned l = level_of(w, all[i].deadline);
        push(w, l, slot_of(all[i].deadline, l), all[i]);
    }
    free(all);
    w->sweeping = false;
}

void et__wheel_refill(et_timer_wheel *w, struct et_timer_heap *heap)
{
    while (heap->len == 0 && w->live > 0) {
        cascade_earliest(w, heap);
    }
    if (w->live == 0 && w->entries > 0) {
        et__wheel_clear(w);
    }
}
