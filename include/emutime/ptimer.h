/* emutime: ptimer, the periodic down-counter most timer devices are built on.
 *
 * The API maps one to one onto QEMU's ptimer (hw/core/ptimer.c) and reproduces
 * its semantics exactly, including both read roundings, the 64.32 fixed-point
 * period, frequencies above 1 GHz and the six policy flags. Every mutator is
 * legal only between et_ptimer_transaction_begin() and _commit(); the callback
 * is called directly, at commit or inside the expiry's own transaction,
 * iteratively, never recursively and never deferred. So a device's counter and
 * its interrupt status always change together (no QEMU bug 1777777).
 *
 * A ptimer has no lock of its own: its owner's lock guards it (device.h binds
 * a device's ptimers to the device lock, so their expiries run under it).
 * There is no hidden rate limit: QEMU's 10 us minimum periodic interval is
 * not applied (QEMU skips it under qtest too); et_ptimer_set_min_interval
 * asks for one explicitly. A periodic backlog found by a late pass on a
 * real-time clock is merged into one callback (et_ptimer_expiry_count), so
 * no access ever works through it one period at a time.
 */
#ifndef EMUTIME_PTIMER_H
#define EMUTIME_PTIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/clocktree.h"

ET_BEGIN_DECLS

typedef struct et_ptimer et_ptimer;
#include "emutime/lock.h" /* et_lock */
#include "emutime/export.h"
typedef void (*et_ptimer_fn)(void *opaque);

/* Policy flags, at QEMU's bit values. */
#define ET_PTIMER_POLICY_LEGACY                    0
#define ET_PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD     (1u << 0)
#define ET_PTIMER_POLICY_CONTINUOUS_TRIGGER        (1u << 1)
#define ET_PTIMER_POLICY_NO_IMMEDIATE_TRIGGER      (1u << 2)
#define ET_PTIMER_POLICY_NO_IMMEDIATE_RELOAD       (1u << 3)
#define ET_PTIMER_POLICY_NO_COUNTER_ROUND_DOWN     (1u << 4)
#define ET_PTIMER_POLICY_TRIGGER_ONLY_ON_DECREMENT (1u << 5)

/* The callback is mandatory. TRIGGER_ONLY_ON_DECREMENT together with
 * NO_IMMEDIATE_TRIGGER is a usage error. */
et_ptimer *et_ptimer_new(et_clock *clock, et_ptimer_fn cb, void *opaque, unsigned policy);
void et_ptimer_free(et_ptimer *pt);

/* Binds the ptimer's expiry to a lock (see et_timer_set_lock). */
void et_ptimer_set_lock(et_ptimer *pt, et_lock *lock);

void et_ptimer_transaction_begin(et_ptimer *pt);
void et_ptimer_transaction_commit(et_ptimer *pt);

/* Period in whole ns (fraction 0). */
void et_ptimer_set_period(et_ptimer *pt, int64_t ns);
/* Period = 1e9 / hz ns as 64.32 fixed point (hz > 0). */
void et_ptimer_set_freq(et_ptimer *pt, uint32_t hz);
/* Period = the input's period (2^-32 ns units) times divisor. */
void et_ptimer_set_period_from_clock(et_ptimer *pt, const et_clock_input *clk,
                                     unsigned divisor);
void et_ptimer_set_limit(et_ptimer *pt, uint64_t limit, int reload);
uint64_t et_ptimer_get_limit(et_ptimer *pt);
void et_ptimer_set_count(et_ptimer *pt, uint64_t count);
uint64_t et_ptimer_get_count(et_ptimer *pt);
void et_ptimer_run(et_ptimer *pt, int oneshot);
void et_ptimer_stop(et_ptimer *pt);

/* Inside the callback: how many expiries this call stands for. 1, except
 * on a real-time clock when a late pass (a stalled runner or host, a catch-up
 * after a long pause of the timer thread) found several reloads of a periodic
 * timer due: they are merged into one call, in O(1), the state brought to the
 * last of them (et_clock_now() reads its instant), as a hardware interrupt
 * latch would. Manual clocks fire every period exactly (QEMU's semantics).
 * Outside a callback, 1. */
uint64_t et_ptimer_expiry_count(et_ptimer *pt);

/* Optional floor for periodic mode (in a transaction): an arming shorter
 * than ns lasts ns, and the count reads at most its start value meanwhile.
 * QEMU applies 10 us outside qtest; here it is explicit and off (0) by
 * default, so every model stays exact unless its board asks for it. */
void et_ptimer_set_min_interval(et_ptimer *pt, int64_t ns);

/* The state that determines the ptimer's future (QEMU's vmstate "ptimer"),
 * for snapshots. next_event and the timer's deadline are absolute ns. */
typedef struct et_ptimer_state {
    uint8_t enabled;       /* 0 stopped, 1 periodic, 2 oneshot */
    uint64_t limit;
    uint64_t delta;
    int64_t period;        /* whole ns */
    uint32_t period_frac;  /* extra fraction in 2^-32 ns */
    int64_t last_event;
    int64_t next_event;
    int64_t timer_expire;  /* -1 when not armed */
} et_ptimer_state;

void et_ptimer_get_state(et_ptimer *pt, et_ptimer_state *st);
/* Loads a state (outside any transaction); re-arms the timer at the saved
 * deadline. Calls no callback. */
void et_ptimer_set_state(et_ptimer *pt, const et_ptimer_state *st);

ET_END_DECLS

#endif
