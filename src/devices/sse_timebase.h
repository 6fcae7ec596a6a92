/* The timestamp an SSE System Counter publishes to its consumers (the
 * system timers): the counter's configuration and its anchor, behind a
 * leaf lock, so a timer can read the count under its own device lock
 * without calling into the counter device. Shared between sse_counter.c
 * (the only writer) and sse_timer.c. Reference-counted: a timer keeps it
 * alive, so a counter device may be freed before its timers (its last
 * configuration then stays). */
#ifndef EMUTIME_DEVICES_SSE_TIMEBASE_H
#define EMUTIME_DEVICES_SSE_TIMEBASE_H

#include <stdbool.h>
#include <stdint.h>

#include "emutime/device.h"
#include "emutime/lock.h"

/* A consumer's "the timestamp changed" callback: called with no library
 * lock held, after the counter's access or clock change. */
typedef void (*et__sse_consumer_fn)(void *opaque);

typedef struct et__sse_consumer {
    et__sse_consumer_fn fn;
    void *opaque;
} et__sse_consumer;

typedef struct et__sse_timebase {
    et_lock lock; /* leaf: guards everything below */
    unsigned refs;
    /* The count's anchor: cnt_then + frac_then / 2^24 at ns_then. */
    bool enabled;
    uint64_t cnt_then;
    uint32_t frac_then;
    int64_t ns_then;
    uint32_t scale;  /* added per tick, in 2^-24 */
    uint64_t period; /* of a tick, 2^-32 ns; 0: the clock is stopped */
    et__sse_consumer *consumers;
    unsigned n_consumers;
} et__sse_timebase;

/* The saved-state fields of a timestamp a device points to as `tb`, with
 * a uint32_t `tb_count` of 1 (vmstate.h's heap-array form): the anchor,
 * the fraction, the scale and the tick period, everything the count's
 * future depends on. */
#define ET__SSE_TIMEBASE_FIELDS(st)                                                        \
    ET_FIELD_VARRAY_MEMBER(st, tb, et__sse_timebase, enabled, ET_FT_BOOL, tb_count, 1),    \
    ET_FIELD_VARRAY_MEMBER(st, tb, et__sse_timebase, cnt_then, ET_FT_U64, tb_count, 1),    \
    ET_FIELD_VARRAY_MEMBER(st, tb, et__sse_timebase, frac_then, ET_FT_U32, tb_count, 1),   \
    ET_FIELD_VARRAY_MEMBER(st, tb, et__sse_timebase, ns_then, ET_FT_I64, tb_count, 1),     \
    ET_FIELD_VARRAY_MEMBER(st, tb, et__sse_timebase, scale, ET_FT_U32, tb_count, 1),       \
    ET_FIELD_VARRAY_MEMBER(st, tb, et__sse_timebase, period, ET_FT_U64, tb_count, 1)

/* The timebase of an sse-counter control-frame device, or NULL if dev is
 * not one; takes a reference (et__sse_timebase_unref to drop it). */
et__sse_timebase *et__sse_counter_timebase(et_device *dev);
void et__sse_timebase_unref(et__sse_timebase *tb);

/* A timestamp no counter device controls: enabled, one count per tick of
 * period (2^-32 ns), 0 at virtual time 0, so the count is a function of
 * the clock alone (a CPU's generic timer without a memory-mapped counter
 * module). One reference, for the caller. */
et__sse_timebase *et__sse_timebase_new_free_running(uint64_t period);

/* The count at now (tb locked by the callee). */
uint64_t et__sse_timebase_value(et__sse_timebase *tb, int64_t now);
/* The first instant (ns) at which the count is >= target: now if it
 * already is; INT64_MAX if never (counter disabled, clock stopped, or
 * beyond the clock's range). */
int64_t et__sse_timebase_deadline(et__sse_timebase *tb, uint64_t target, int64_t now);

void et__sse_timebase_add_consumer(et__sse_timebase *tb, et__sse_consumer_fn fn, void *opaque);
void et__sse_timebase_remove_consumer(et__sse_timebase *tb, void *opaque);

#endif
