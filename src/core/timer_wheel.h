/* The far part of a clock's timer queue: a hierarchical timing wheel of
 * lazily deleted entries, anchored at a base time.
 *
 * Every entry's deadline is after the base. An entry sits on the level of
 * the highest 6-bit digit in which its deadline differs from the base, in the
 * slot that digit selects (11 levels of 64 slots cover all 64 bits). Arming
 * appends one entry to one slot: it touches the timer and the slot's tail,
 * nothing else. Re-arming or cancelling leaves the old entry in place; an
 * entry is live only while its timer is still in the wheel with the arm
 * sequence number the entry carries. Stale entries are dropped when a slot
 * is cascaded down to the near heap, or by an incremental sweep that starts
 * once they outnumber the live ones twice over (so the entries stay below
 * three per timer, plus a constant). A timer freed while stale entries
 * still name it stays allocated until the last of them goes (the wheel
 * counts them in the timer, and frees it then, or when the clock is freed).
 *
 * The wheel does not order anything itself: the near heap (timer_queue.h)
 * gives exact (deadline, arm order) ordering, and the wheel feeds it one
 * slot at a time, earliest first. Not thread-safe: the clock's queue lock
 * guards it.
 */
#ifndef EMUTIME_TIMER_WHEEL_H
#define EMUTIME_TIMER_WHEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct et_timer;
struct et_timer_heap;

#define ET_WHEEL_BITS 6
#define ET_WHEEL_SLOTS (1u << ET_WHEEL_BITS)
#define ET_WHEEL_LEVELS 11 /* 11 * 6 = 66 >= 64 */

typedef struct et_wheel_entry {
    int64_t deadline;
    uint64_t seq; /* the arm this entry stands for */
    struct et_timer *timer;
} et_wheel_entry;

typedef struct et_wheel_slot {
    et_wheel_entry *v;
    uint32_t len;
    uint32_t cap;
} et_wheel_slot;

typedef struct et_timer_wheel {
    int64_t base;                        /* every entry's deadline is > base */
    uint64_t level_mask;                 /* bit k: level k has a non-empty slot */
    uint64_t slot_mask[ET_WHEEL_LEVELS]; /* bit s: slot s of the level is non-empty */
    et_wheel_slot *slots;                /* levels * slots, allocated on first use */
    size_t entries;                      /* entries in the slots, stale ones included */
    size_t live;                         /* timers armed in the wheel */
    bool sweeping;                       /* an incremental sweep of stale entries is under way */
    unsigned sweep_next;                 /* the next slot (level * 64 + slot) it looks at */
} et_timer_wheel;

void et__wheel_init(et_timer_wheel *w);
void et__wheel_destroy(et_timer_wheel *w);

/* Appends an entry for the timer's arm seq at deadline, which must be after
 * the base; the caller marks the timer as being in the wheel and counts it
 * in live. May sweep one slot of stale entries. */
void et__wheel_add(et_timer_wheel *w, struct et_timer *t, int64_t deadline, uint64_t seq);

/* Drops every entry (none is live any more) and lets the base be set anew:
 * O(entries), each entry's timer is read. */
void et__wheel_clear(et_timer_wheel *w);

/* Re-places every entry for a new base, which must be before all of them.
 * O(entries), no timer touched. */
void et__wheel_rebase(et_timer_wheel *w, int64_t base);

/* Moves the base up to the earliest non-empty slot, cascading its entries to
 * lower levels (or, for a small slot, all of it into the heap); the live
 * entries that leave the wheel go into the heap (and out of the wheel's live
 * count), the stale ones are dropped.
 * Repeats until the heap has something or the wheel has no live timer. */
void et__wheel_refill(et_timer_wheel *w, struct et_timer_heap *heap);

#endif
