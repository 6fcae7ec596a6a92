/* HPET: the IA-PC High Precision Event Timer (IA-PC HPET Specification 1.0a,
 * October 2004), one timer block of 3 to 32 timers with QEMU's register
 * layout, properties and output-line numbering (hw/timer/hpet.c).
 *
 * The main counter is not stored while it runs: it is a function of virtual
 * time, counter + floor((now - anchor) * 10^6 / period_fs), computed in
 * 128-bit arithmetic, so reads are exact at any instant and never drift.
 * Each timer has one et_timer armed for the first nanosecond at which the
 * counter reaches the timer's next event (rounded up, so an interrupt never
 * comes before the counter shows its value). Events, as the spec defines
 * them:
 *   - the comparator matches: the counter (its low 32 bits in 32-bit mode)
 *     becomes equal to it. A comparator behind the counter matches only when
 *     the counter comes round again (2^32 ticks in 32-bit mode; 2^64 ticks,
 *     never in practice, in 64-bit mode): spec 2.3.9.2.1, "the interrupt
 *     will be missed". One written equal to the counter matches at once.
 *   - periodic mode: at each match the comparator advances by the last
 *     value written (the period), from the match itself, never from "now".
 *     Matches a late pass covers in one go (a stalled runner or host) are
 *     coalesced: one interrupt, and the comparator moves to the first match
 *     after the time the pass brings the clock to (et_clock_horizon); a
 *     manual clock's step or set is not late and fires each match.
 *     A zero period leaves the comparator where it is, so the next match
 *     is a full counter wrap away.
 *   - 32-bit non-periodic mode: also each wrap of the low 32 bits to 0
 *     (spec 2.4.3.1, "another interrupt when the main counter wraps").
 * Level-triggered events set the timer's GINTR_STA bit, even with INT_ENB
 * clear (spec 2.3.8, bit 2); edge-triggered ones set nothing.
 *
 * Interrupts: line i is IOAPIC input i; its level is the OR of the
 * level-triggered timers routed to it with status, INT_ENB and ENABLE_CNF
 * set (shared level lines, spec 2.4.5). An edge-triggered event pulses its
 * line. FSB messages (Tn_FSB_EN_CNF) go through the embedder's fsb_write,
 * deferred until the device lock is released (et_device_defer).
 *
 * Locking: everything runs under the device lock except the lock-free reads
 * of MAIN_COUNTER and GCAP_ID. An access happens at one instant: the write
 * path reads the clock once, catches up to it and arms from it. The enable
 * bit, the anchor and the stored counter are published under a sequence
 * lock (seq) by the only writers (GEN_CONF and MAIN_COUNTER writes, reset),
 * always under the device lock, with the write section opened before the
 * writer reads its instant; readers read the clock inside their section and
 * retry when a write overlapped. Every field a lock-free reader touches is
 * accessed with __atomic builtins.
 *
 * The block is the spec's 1 KiB (24 timers); with more timers the region
 * grows so that all of them can be reached (QEMU leaves 24..31 unreachable).
 *
 * The 8254 and RTC pass-through inputs reach lines 0 and 8 outside
 * LegacyReplacement (passthrough_lines below).
 *
 * Not modelled: timers without periodic or 64-bit
 * capability (every timer has both, as in QEMU); the 64-bit comparator
 * matching again after a full 2^64-tick counter wrap.
 *
 * Deliberate differences from QEMU (docs/divergences.md): 8-byte accesses and
 * no drift (unlike 7.2); one interrupt per periodic match (7.2 pulses twice);
 * a comparator in the past is missed as the spec says (QEMU fires at once);
 * 32-bit one-shot timers keep matching and wrapping every 2^32 ticks; no 1 us
 * storm clamp (a period is what the guest wrote); routes outside
 * Tn_INT_ROUTE_CAP do not stick; shared level lines are ORed; counter reads
 * and timer expiries never race (QEMU's expiry callback takes no lock).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/ticks.h"
#include "emutime/devices/hpet.h"

#define FS_PER_NS 1000000u

typedef struct hpet hpet;

typedef struct hpet_timer {
    hpet *owner;
    unsigned index;
    uint32_t route_cap;
    uint64_t config; /* the writable bits of Tn_CONF_CAP */
    uint64_t cmp;    /* Tn_COMPARATOR (below 2^32 in 32-bit mode) */
    uint64_t period; /* the last value written in periodic mode */
    uint64_t fsb;    /* Tn_FSB_ROUTE: address << 32 | data */
    et_timer *timer; /* armed for the next event while the counter runs */
} hpet_timer;

#define CACHE_LINE 64

struct hpet {
    et_device dev;
    et_device_ops ops; /* per instance: the region covers every timer */
    uint32_t num_timers;
    bool msi;
    et_hpet_fsb_write_fn fsb_write;
    void *fsb_opaque;

    /* What a lock-free counter read touches, on a cache line of its own
     * (expiries write the state below it often). Published under the
     * sequence lock: */
    unsigned seq __attribute__((aligned(CACHE_LINE)));
    uint64_t gen_conf;  /* GEN_CONF */
    int64_t anchor_ns;  /* while enabled: when the counter read `counter` */
    uint64_t counter;   /* halted: the counter; enabled: its value at anchor */
    /* Constant: 10^6 / period_fs ticks per ns, precomputed so that a
     * counter read does not divide (core/ticks.h). */
    et__tick_rate rate;
    uint32_t period_fs;

    uint64_t isr __attribute__((aligned(CACHE_LINE))); /* GINTR_STA */
    hpet_timer *timers;
    et_irq_line lines[ET_HPET_NUM_LINES];
    char line_names[ET_HPET_NUM_LINES][8];
    uint8_t inputs[ET_HPET_NUM_INPUTS]; /* pass-through levels (not saved: their drivers re-drive them) */
};

static et_lock_class hpet_lock_class = ET_LOCK_CLASS_INIT("hpet");

#define TN_WRITABLE                                                                   \
    (ET_HPET_TN_INT_TYPE_LEVEL | ET_HPET_TN_INT_ENB | ET_HPET_TN_PERIODIC |         \
     ET_HPET_TN_VAL_SET | ET_HPET_TN_32MODE | ET_HPET_TN_ROUTE_MASK)

/* --- register halves ----------------------------------------------------- */

/* A 4-byte access reads or writes one half of a 64-bit register: the low
 * half at offset +0, the high half at +4. */
static uint64_t half_read(uint64_t reg, uint64_t offset, unsigned size)
{
    if (size == 8) {
        return reg;
    }
    return (offset & 4) ? reg >> 32 : (reg & 0xFFFFFFFFu);
}

static uint64_t half_write(uint64_t reg, uint64_t offset, uint64_t value, unsigned size)
{
    if (size == 8) {
        return value;
    }
    if (offset & 4) {
        return (reg & 0xFFFFFFFFu) | (value << 32);
    }
    return (reg & ~(uint64_t)0xFFFFFFFFu) | (value & 0xFFFFFFFFu);
}

/* --- counter arithmetic -------------------------------------------------- */

/* Whole counter ticks from anchor to now (not reduced mod 2^64). */
static inline __attribute__((always_inline)) unsigned __int128
ticks_between(const hpet *s, int64_t anchor, int64_t now)
{
    return et__ticks_between(&s->rate, anchor, now);
}

/* The first nanosecond at which ticks_between(anchor, t) reaches k, or
 * INT64_MAX when that lies beyond the clock's range. */
static int64_t time_of_tick(const hpet *s, int64_t anchor, unsigned __int128 k)
{
    return et__tick_time(&s->rate, anchor, k);
}

static bool enabled(const hpet *s)
{
    return (s->gen_conf & ET_HPET_CONF_ENABLE) != 0;
}

/* Ticks since the anchor at time t (lock held, counter running). */
static unsigned __int128 ticks_at(const hpet *s, int64_t t)
{
    return ticks_between(s, s->anchor_ns, t);
}

/* The counter at time t (lock held). */
static uint64_t counter_at(const hpet *s, int64_t t)
{
    return enabled(s) ? s->counter + (uint64_t)ticks_at(s, t) : s->counter;
}

/* The write side of the sequence lock (device lock held). The section is
 * opened before the writer reads the clock for the instant of its access,
 * so a reader whose own clock read comes later sees the write in progress
 * and retries: a counter halted at that instant is never seen running past
 * it (core/ticks.h). */
static void seq_begin(hpet *s)
{
    et__seq_write_begin(&s->seq);
}

static void seq_end(hpet *s)
{
    et__seq_write_end(&s->seq);
}

/* Stores a new (GEN_CONF, anchor, counter) triple inside a write section.
 * Release stores keep the odd sequence number before them, so a reader that
 * sees any new value also sees the write in progress. */
static void publish(hpet *s, uint64_t gen_conf, int64_t anchor, uint64_t counter)
{
    __atomic_store_n(&s->gen_conf, gen_conf, __ATOMIC_RELEASE);
    __atomic_store_n(&s->anchor_ns, anchor, __ATOMIC_RELEASE);
    __atomic_store_n(&s->counter, counter, __ATOMIC_RELEASE);
}

/* The counter without the device lock. The clock is read inside the read
 * section, so the value belongs to one consistent state at one instant. */
static inline uint64_t counter_lockless(hpet *s)
{
    for (;;) {
        unsigned s1 = et__seq_read_begin(&s->seq);
        bool running = __atomic_load_n(&s->gen_conf, __ATOMIC_ACQUIRE) & ET_HPET_CONF_ENABLE;
        /* The clock is read first, so fewer values live across the call;
         * anywhere inside the section is as good. */
        int64_t now = running ? et_clock_now(s->dev.clock) : 0;
        int64_t anchor = __atomic_load_n(&s->anchor_ns, __ATOMIC_ACQUIRE);
        uint64_t base = __atomic_load_n(&s->counter, __ATOMIC_ACQUIRE);
        if (et__seq_read_retry(&s->seq, s1)) {
            continue;
        }
        return running ? base + (uint64_t)ticks_between(s, anchor, now) : base;
    }
}

/* --- timers -------------------------------------------------------------- */

static bool is_32bit(const hpet_timer *t)
{
    return (t->config & ET_HPET_TN_32MODE) != 0;
}

static uint64_t width_mask(const hpet_timer *t)
{
    return is_32bit(t) ? 0xFFFFFFFFu : UINT64_MAX;
}

/* Ticks from counter value `from` to the timer's first event at or after it
 * (0: at `from` itself). A wrap is the counter stepping from 0xFFFFFFFF to
 * 0; a low half of 0 at `from` is that step only when the counter is known
 * to have just made it (wrap_at_from: `from` is a tick still to come). On an
 * access, a counter at 0 was started or stopped there, or its wrap was
 * delivered already. */
static uint64_t event_distance(const hpet_timer *t, uint64_t from, bool wrap_at_from)
{
    if (!is_32bit(t)) {
        return t->cmp - from;
    }
    uint32_t low = (uint32_t)from;
    uint64_t d = (uint32_t)((uint32_t)t->cmp - low);
    if (!(t->config & ET_HPET_TN_PERIODIC)) {
        uint64_t to_wrap = (UINT64_C(1) << 32) - low; /* the low half becoming 0 */
        if (low == 0 && wrap_at_from) {
            to_wrap = 0;
        }
        if (to_wrap < d) {
            d = to_wrap;
        }
    }
    return d;
}

/* Arms the timer for tick k (ticks since the anchor), or disarms it when k
 * lies beyond the clock's range. */
static void arm_at_tick(hpet *s, hpet_timer *t, unsigned __int128 k)
{
    int64_t when = time_of_tick(s, s->anchor_ns, k);
    if (when == INT64_MAX) {
        et_timer_del(t->timer);
    } else {
        et_timer_mod(t->timer, when);
    }
}

/* Arms the timer for its first event at or after tick k_from. */
static void arm_from(hpet *s, hpet_timer *t, unsigned __int128 k_from, bool wrap_at_from)
{
    uint64_t from = s->counter + (uint64_t)k_from;
    arm_at_tick(s, t, k_from + event_distance(t, from, wrap_at_from));
}

/* After a register change at time now (the access's one instant, however
 * long the access takes on a real-time clock): the next event from the
 * counter value at now on, which may be right then (a comparator written
 * equal to the counter). */
static void rearm(hpet *s, hpet_timer *t, int64_t now)
{
    if (enabled(s)) {
        arm_from(s, t, ticks_at(s, now), false);
    }
}

static unsigned route_of(const hpet *s, const hpet_timer *t)
{
    if ((s->gen_conf & ET_HPET_CONF_LEG_RT) && t->index < 2) {
        return t->index == 0 ? 0 : 8; /* QEMU's numbering (RTC_ISA_IRQ) */
    }
    return (unsigned)((t->config & ET_HPET_TN_ROUTE_MASK) >> ET_HPET_TN_ROUTE_SHIFT);
}

/* The 8254's OUT0 on line 0 and the RTC's IRQ on line 8 (QEMU's GSI 0
 * and RTC_ISA_IRQ), unless LegacyReplacement takes those lines over. */
static uint32_t passthrough_lines(const hpet *s)
{
    if (s->gen_conf & ET_HPET_CONF_LEG_RT) {
        return 0;
    }
    return (s->inputs[ET_HPET_INPUT_PIT] ? UINT32_C(1) << 0 : 0) |
           (s->inputs[ET_HPET_INPUT_RTC] ? UINT32_C(1) << 8 : 0);
}

static void set_line(hpet *s, unsigned line, uint32_t want)
{
    int level = (int)((want >> line) & 1);
    if (et_irq_level(&s->lines[line]) != level) {
        et_irq_set(&s->lines[line], level);
    }
}

/* Every line's level from the state: the OR of the active level-triggered
 * timers routed to it and its pass-through input. Lines change in timer
 * order (each timer's line, then lines no timer routes to), as QEMU updates
 * them: simultaneous changes have no order in hardware, and this one makes
 * transcripts compare. */
static void update_lines(hpet *s)
{
    uint32_t want = 0;
    if (enabled(s)) {
        for (unsigned i = 0; i < s->num_timers; i++) {
            const hpet_timer *t = &s->timers[i];
            uint64_t c = t->config;
            if (((s->isr >> i) & 1) && (c & ET_HPET_TN_INT_ENB) &&
                (c & ET_HPET_TN_INT_TYPE_LEVEL) && !(c & ET_HPET_TN_FSB_EN)) {
                want |= UINT32_C(1) << route_of(s, t);
            }
        }
    }
    want |= passthrough_lines(s);
    for (unsigned i = 0; i < s->num_timers; i++) {
        set_line(s, route_of(s, &s->timers[i]), want);
    }
    for (unsigned i = 0; i < ET_HPET_NUM_LINES; i++) {
        set_line(s, i, want);
    }
}

static void fsb_deliver(void *opaque, uint64_t route)
{
    hpet *s = opaque;
    s->fsb_write(s->fsb_opaque, route >> 32, (uint32_t)route);
}

/* One timer event: status, then the interrupt (lock held). */
static void timer_event(hpet *s, hpet_timer *t)
{
    uint64_t c = t->config;
    if (c & ET_HPET_TN_INT_TYPE_LEVEL) {
        s->isr |= UINT64_C(1) << t->index;
    }
    if (enabled(s) && (c & ET_HPET_TN_INT_ENB)) {
        if (c & ET_HPET_TN_FSB_EN) {
            et_device_defer(&s->dev, fsb_deliver, s, t->fsb);
        } else if (!(c & ET_HPET_TN_INT_TYPE_LEVEL)) {
            et_irq_line *line = &s->lines[route_of(s, t)];
            if (!et_irq_level(line)) { /* a line held high shows no edge */
                et_irq_pulse(line);
            }
        }
    }
    update_lines(s);
}

static void timer_expired(void *opaque)
{
    hpet_timer *t = opaque;
    hpet *s = t->owner;
    if (!enabled(s)) {
        return; /* disabling cancels every timer; nothing is due */
    }
    int64_t now = et_clock_now(s->dev.clock);
    unsigned __int128 k_now = ticks_at(s, now);
    /* Matches up to the pass's target time merge into this one event. */
    unsigned __int128 k_horizon = ticks_at(s, et_clock_horizon(s->dev.clock));

    uint64_t cmp_before = t->cmp;
    if ((t->config & ET_HPET_TN_PERIODIC) && t->period != 0) {
        /* The counter reached the comparator at most a few ticks ago (a
         * period under 1 ns passes several ticks per nanosecond). */
        uint64_t overshoot = ((s->counter + (uint64_t)k_now) - t->cmp) & width_mask(t);
        unsigned __int128 k_match = overshoot <= k_now ? k_now - overshoot : k_now;
        unsigned __int128 n = (k_horizon - k_match) / t->period + 1;
        unsigned __int128 step = n * t->period;
        t->cmp = (t->cmp + (uint64_t)step) & width_mask(t);
        arm_at_tick(s, t, k_match + step);
    } else {
        /* One-shot, or a zero period: the next event strictly after the
         * pass's target time (a counter wrap away, or never). */
        arm_from(s, t, k_horizon + 1, true);
    }
    if (et_trace_enabled()) {
        et_device_trace(&s->dev, "expire", "timer %u at counter 0x%" PRIx64 " cmp 0x%" PRIx64
                        " -> 0x%" PRIx64, t->index, s->counter + (uint64_t)k_now, cmp_before,
                        t->cmp);
    }
    timer_event(s, t);
}

/* --- register access ----------------------------------------------------- */

static uint64_t gcap_id(const hpet *s)
{
    uint64_t low = ET_HPET_CAP_REV_ID | (uint64_t)(s->num_timers - 1) << ET_HPET_CAP_NUM_TIM_SHIFT |
                   ET_HPET_CAP_COUNT_SIZE | ET_HPET_CAP_LEG_RT |
                   (uint64_t)ET_HPET_VENDOR_INTEL << ET_HPET_CAP_VENDOR_SHIFT;
    return low | (uint64_t)s->period_fs << 32;
}

static uint64_t tn_conf_read(const hpet *s, const hpet_timer *t)
{
    uint64_t caps = ET_HPET_TN_PER_INT_CAP | ET_HPET_TN_SIZE_CAP |
                    (s->msi ? ET_HPET_TN_FSB_CAP : 0) |
                    (uint64_t)t->route_cap << ET_HPET_TN_ROUTE_CAP_SHIFT;
    return t->config | caps;
}

/* The timer an offset at or above 0x100 belongs to, or NULL (with a guest
 * error) for an unimplemented timer or a reserved register. */
static hpet_timer *timer_at(hpet *s, uint64_t offset, const char *what)
{
    uint64_t n = (offset - 0x100) / 0x20;
    uint64_t reg = (offset - 0x100) % 0x20;
    if (n >= s->num_timers || reg >= 0x18) {
        et_device_guest_error(&s->dev, "%s of %s at 0x%03" PRIx64, what,
                              n >= s->num_timers ? "an unimplemented timer" : "a reserved register",
                              offset);
        return NULL;
    }
    return &s->timers[n];
}

static uint64_t hpet_read(et_device *dev, uint64_t offset, unsigned size)
{
    hpet *s = (hpet *)dev;
    uint64_t reg = offset & ~(uint64_t)7;
    uint64_t v;

    switch (reg) {
    case ET_HPET_GCAP_ID:
        v = gcap_id(s);
        break;
    case ET_HPET_GEN_CONF:
        v = s->gen_conf;
        break;
    case ET_HPET_GINTR_STA:
        v = s->isr;
        break;
    case ET_HPET_MAIN_COUNTER:
        v = counter_at(s, et_clock_now(dev->clock));
        break;
    default: {
        if (reg < 0x100) {
            et_device_guest_error(dev, "read of a reserved register at 0x%03" PRIx64, offset);
            return 0;
        }
        hpet_timer *t = timer_at(s, reg, "read");
        if (!t) {
            return 0;
        }
        switch ((reg - 0x100) % 0x20) {
        case 0x00:
            v = tn_conf_read(s, t);
            break;
        case 0x08:
            v = t->cmp;
            break;
        default:
            v = t->fsb;
            break;
        }
        break;
    }
    }
    return half_read(v, offset, size);
}

static bool hpet_read_lockless(et_device *dev, uint64_t offset, unsigned size, uint64_t *value)
{
    hpet *s = (hpet *)dev;
    uint64_t reg = offset & ~(uint64_t)7;
    if (reg != ET_HPET_MAIN_COUNTER && reg != ET_HPET_GCAP_ID) {
        return false;
    }
    *value = half_read(reg == ET_HPET_GCAP_ID ? gcap_id(s) : counter_lockless(s), offset, size);
    return true;
}

static void gen_conf_write(hpet *s, uint64_t value, int64_t now)
{
    uint64_t old = s->gen_conf;
    uint64_t conf = value & (ET_HPET_CONF_ENABLE | ET_HPET_CONF_LEG_RT);

    if (!(old & ET_HPET_CONF_ENABLE) && (conf & ET_HPET_CONF_ENABLE)) {
        /* Start counting from the stored value, ticks from now on. */
        publish(s, conf, now, s->counter);
        for (unsigned i = 0; i < s->num_timers; i++) {
            rearm(s, &s->timers[i], now);
        }
    } else if ((old & ET_HPET_CONF_ENABLE) && !(conf & ET_HPET_CONF_ENABLE)) {
        publish(s, conf, s->anchor_ns, counter_at(s, now));
        for (unsigned i = 0; i < s->num_timers; i++) {
            et_timer_del(s->timers[i].timer);
        }
    } else if (conf != old) {
        publish(s, conf, s->anchor_ns, s->counter);
    }
    update_lines(s);
}

static void counter_write(hpet *s, uint64_t offset, uint64_t value, unsigned size)
{
    if (enabled(s)) {
        /* Spec 2.3.7: writes only while halted. QEMU drops them too. */
        et_device_guest_error(&s->dev, "main counter written while it runs: ignored");
        return;
    }
    publish(s, s->gen_conf, s->anchor_ns, half_write(s->counter, offset, value, size));
}

static void tn_conf_write(hpet *s, hpet_timer *t, uint64_t offset, uint64_t value,
                          unsigned size, int64_t now)
{
    uint64_t old = t->config;
    uint64_t writable = TN_WRITABLE | (s->msi ? ET_HPET_TN_FSB_EN : 0);
    uint64_t conf = half_write(tn_conf_read(s, t), offset, value, size) & writable;

    uint64_t old_route = old & ET_HPET_TN_ROUTE_MASK;
    uint64_t route = conf & ET_HPET_TN_ROUTE_MASK;
    if (route != old_route &&
        !((t->route_cap >> (route >> ET_HPET_TN_ROUTE_SHIFT)) & 1)) {
        /* Spec 2.3.8: an unsupported route reads back different from what
         * was written; the previous route stays. */
        et_device_guest_error(&s->dev, "timer %u: route %u is not in Tn_INT_ROUTE_CAP 0x%08" PRIx32
                              ": ignored", t->index,
                              (unsigned)(route >> ET_HPET_TN_ROUTE_SHIFT), t->route_cap);
        conf = (conf & ~(uint64_t)ET_HPET_TN_ROUTE_MASK) | old_route;
    }
    if ((old & ET_HPET_TN_INT_TYPE_LEVEL) && !(conf & ET_HPET_TN_INT_TYPE_LEVEL)) {
        s->isr &= ~(UINT64_C(1) << t->index); /* edge mode has no status */
    }
    t->config = conf;
    if (conf & ET_HPET_TN_32MODE) {
        /* The upper halves are loaded with 0 (and stay 0 back in 64-bit). */
        t->cmp &= 0xFFFFFFFFu;
        t->period &= 0xFFFFFFFFu;
    }
    if ((old ^ conf) & (ET_HPET_TN_PERIODIC | ET_HPET_TN_32MODE)) {
        rearm(s, t, now); /* the next event depends on both */
    }
    update_lines(s);
}

static void tn_cmp_write(hpet *s, hpet_timer *t, uint64_t offset, uint64_t value, unsigned size,
                         int64_t now)
{
    if (is_32bit(t)) {
        if (size == 4 && (offset & 4)) {
            return; /* the high half of a 32-bit timer is 0 */
        }
        offset &= ~(uint64_t)4;
        value &= 0xFFFFFFFFu;
        size = 4;
    }
    bool periodic = (t->config & ET_HPET_TN_PERIODIC) != 0;
    /* One-shot: the comparator. Periodic: the period, and with VAL_SET the
     * comparator too (spec 2.3.8 bit 6, 2.3.9.2.3). VAL_SET then clears,
     * so two 32-bit halves each need it set again. */
    if (!periodic || (t->config & ET_HPET_TN_VAL_SET)) {
        t->cmp = half_write(t->cmp, offset, value, size);
    }
    if (periodic) {
        t->period = half_write(t->period, offset, value, size);
    }
    t->config &= ~(uint64_t)ET_HPET_TN_VAL_SET;
    rearm(s, t, now);
}

static void hpet_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    hpet *s = (hpet *)dev;
    uint64_t reg = offset & ~(uint64_t)7;
    /* Writes that change what the lock-free counter read computes open its
     * write section before the access's instant is read (seq_begin). */
    bool counter_state = reg == ET_HPET_GEN_CONF || reg == ET_HPET_MAIN_COUNTER;
    if (counter_state) {
        seq_begin(s);
    }
    /* The access happens at one instant: expiries up to it first. */
    int64_t now = et_clock_now(dev->clock);
    et_device_catch_up_to(dev, now);

    switch (reg) {
    case ET_HPET_GCAP_ID:
        et_device_guest_error(dev, "write to the read-only GCAP_ID: ignored");
        break;
    case ET_HPET_GEN_CONF:
        gen_conf_write(s, half_write(s->gen_conf, offset, value, size), now);
        break;
    case ET_HPET_GINTR_STA: {
        uint64_t ones = half_write(0, offset, value, size);
        s->isr &= ~ones;
        update_lines(s);
        break;
    }
    case ET_HPET_MAIN_COUNTER:
        counter_write(s, offset, value, size);
        break;
    default: {
        if (reg < 0x100) {
            et_device_guest_error(dev, "write to a reserved register at 0x%03" PRIx64, offset);
            return;
        }
        hpet_timer *t = timer_at(s, reg, "write");
        if (!t) {
            return;
        }
        switch ((reg - 0x100) % 0x20) {
        case 0x00:
            tn_conf_write(s, t, offset, value, size, now);
            break;
        case 0x08:
            tn_cmp_write(s, t, offset, value, size, now);
            break;
        default:
            t->fsb = half_write(t->fsb, offset, value, size);
            break;
        }
        break;
    }
    }
    /* An event at the current tick (a comparator written equal to the
     * counter, a timer enabled on its match) happens within this access. */
    et_device_catch_up_to(dev, now);
    if (counter_state) {
        seq_end(s);
    }
}

static void hpet_reset(et_device *dev)
{
    hpet *s = (hpet *)dev;
    for (unsigned i = 0; i < s->num_timers; i++) {
        hpet_timer *t = &s->timers[i];
        et_timer_del(t->timer);
        t->config = 0;
        t->cmp = UINT64_MAX; /* spec 3.1: comparators reset to all ones */
        t->period = 0;
        t->fsb = 0;
    }
    s->isr = 0;
    seq_begin(s);
    publish(s, 0, 0, 0); /* halted at 0, legacy routing off */
    seq_end(s);
    update_lines(s);
}

static void hpet_destroy(et_device *dev)
{
    hpet *s = (hpet *)dev;
    for (unsigned i = 0; i < s->num_timers; i++) {
        et_timer_free(s->timers[i].timer);
    }
    free(s->timers);
}

/* Saved state: the registers, the counter's anchor and stored value, each
 * timer's armed deadline and every line's level. */
static const et_field hpet_fields[] = {
    ET_FIELD_U64(hpet, gen_conf, 1),
    ET_FIELD_U64(hpet, counter, 1),
    ET_FIELD_I64(hpet, anchor_ns, 1),
    ET_FIELD_U64(hpet, isr, 1),
    ET_FIELD_VARRAY_MEMBER(hpet, timers, hpet_timer, config, ET_FT_U64, num_timers, 1),
    ET_FIELD_VARRAY_MEMBER(hpet, timers, hpet_timer, cmp, ET_FT_U64, num_timers, 1),
    ET_FIELD_VARRAY_MEMBER(hpet, timers, hpet_timer, period, ET_FT_U64, num_timers, 1),
    ET_FIELD_VARRAY_MEMBER(hpet, timers, hpet_timer, fsb, ET_FT_U64, num_timers, 1),
    ET_FIELD_VARRAY_MEMBER(hpet, timers, hpet_timer, timer, ET_FT_TIMER, num_timers, 1),
    ET_FIELD_ARRAY(hpet, lines, ET_FT_IRQ, 1),
    ET_FIELD_END,
};

static const et_vmstate hpet_state = { "hpet", 1, hpet_fields };

static void hpet_set_input(et_device *dev, unsigned n, int level)
{
    hpet *s = (hpet *)dev;
    s->inputs[n] = (uint8_t)(level != 0);
    update_lines(s);
}

static const et_device_ops hpet_ops = {
    .type = "hpet",
    .region_size = ET_HPET_REGION_SIZE,
    .access_sizes = ET_ACCESS_4 | ET_ACCESS_8,
    .unaligned_ok = false,
    .read = hpet_read,
    .write = hpet_write,
    .read_lockless = hpet_read_lockless,
    .reset = hpet_reset,
    .destroy = hpet_destroy,
    .state = &hpet_state,
    .set_input = hpet_set_input,
    .n_inputs = ET_HPET_NUM_INPUTS,
};

/* --- creation ------------------------------------------------------------ */

static bool check_config(const et_hpet_config *cfg, char *err, size_t errlen)
{
    if (cfg->num_timers < ET_HPET_MIN_TIMERS || cfg->num_timers > ET_HPET_MAX_TIMERS) {
        et__error(err, errlen, ET_EINVAL, "hpet: num_timers must be %u to %u, not %u",
                  ET_HPET_MIN_TIMERS, ET_HPET_MAX_TIMERS, cfg->num_timers);
        return false;
    }
    if (cfg->period_fs == 0 || cfg->period_fs > ET_HPET_MAX_PERIOD_FS) {
        et__error(
            err, errlen, ET_EINVAL,
            "hpet: period_fs must be 1 to %u (0x%08X, 100 ns: a 10 MHz counter), not %" PRIu32,
            ET_HPET_MAX_PERIOD_FS, ET_HPET_MAX_PERIOD_FS, cfg->period_fs);
        return false;
    }
    if (cfg->msi && !cfg->fsb_write) {
        et__error(err, errlen, ET_EINVAL, "hpet: msi (FSB delivery) needs an fsb_write callback");
        return false;
    }
    for (unsigned i = 0; i < cfg->num_timers; i++) {
        uint32_t cap = cfg->int_route_caps ? cfg->int_route_caps[i] : cfg->int_route_cap;
        if (cap == 0 && !cfg->msi) {
            et__error(err, errlen, ET_EINVAL,
                      "hpet: timer %u has no interrupt route (Tn_INT_ROUTE_CAP 0) and no FSB "
                      "delivery (msi)",
                      i);
            return false;
        }
    }
    return true;
}

et_hpet_config et_hpet_config_defaults(void)
{
    et_hpet_config c = { .num_timers = 3, .period_fs = ET_HPET_DEFAULT_PERIOD_FS,
                         .int_route_cap = ET_HPET_ROUTE_CAP_PC };
    return c;
}

et_device *et_hpet_new(et_clock *clock, const char *name, const et_hpet_config *cfg,
                       char *err, size_t errlen)
{
    et_hpet_config defaults = ET_HPET_CONFIG_DEFAULTS;
    if (!cfg) {
        cfg = &defaults;
    }
    if (!clock) {
        et__error(err, errlen, ET_EINVAL, "hpet: no clock");
        return NULL;
    }
    if (!check_config(cfg, err, errlen)) {
        return NULL;
    }

    /* Aligned so that the lock-free read's fields share no cache line with
     * state other threads write; et_device_free's free() takes it. */
    hpet *s = et__xzalloc_aligned(CACHE_LINE, sizeof(*s));
    s->ops = hpet_ops;
    if (ET_HPET_TN_CONF(cfg->num_timers) > ET_HPET_REGION_SIZE) {
        /* The spec's 1 KiB holds 24 timers; QEMU leaves 24..31 unreachable. */
        s->ops.region_size = ET_HPET_TN_CONF(cfg->num_timers);
    }
    et_device_init(&s->dev, &s->ops, clock, name ? name : "hpet", &hpet_lock_class);
    s->period_fs = cfg->period_fs;
    et__tick_rate_init(&s->rate, FS_PER_NS, cfg->period_fs); /* period_fs != 0: checked */
    s->num_timers = cfg->num_timers;
    s->msi = cfg->msi;
    s->fsb_write = cfg->fsb_write;
    s->fsb_opaque = cfg->fsb_opaque;

    for (unsigned i = 0; i < ET_HPET_NUM_LINES; i++) {
        snprintf(s->line_names[i], sizeof(s->line_names[i]), "irq%u", i);
        et_irq_init(&s->lines[i], &s->dev, s->line_names[i]);
        et_device_add_irq(&s->dev, &s->lines[i]);
    }
    s->timers = et__xcalloc(s->num_timers, sizeof(*s->timers));
    for (unsigned i = 0; i < s->num_timers; i++) {
        hpet_timer *t = &s->timers[i];
        t->owner = s;
        t->index = i;
        t->route_cap = cfg->int_route_caps ? cfg->int_route_caps[i] : cfg->int_route_cap;
        t->timer = et_device_timer_new(&s->dev, timer_expired, t);
    }
    et_device_reset(&s->dev);
    return &s->dev;
}

bool et_hpet_legacy_replacement(et_device *dev)
{
    hpet *s = (hpet *)dev;
    et_device_lock(dev);
    bool legacy = (s->gen_conf & ET_HPET_CONF_LEG_RT) != 0;
    et_device_unlock(dev);
    return legacy;
}
