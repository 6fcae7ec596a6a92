/* Intel 8254 PIT (Intel 82C54 datasheet, "Modes" and "Read-Back Command")
 * and the PC's port 0x61 (IBM PC/AT Technical Reference, "System Control
 * Port B"; QEMU hw/timer/i8254.c and hw/audio/pcspk.c).
 *
 * A counter is not ticked: it remembers when its count started (start_ns)
 * and how many clocks it had counted before that (ticks_base), so the
 * clocks counted at time t are
 *
 *     d(t) = ticks_base + floor((t - start_ns) * 1193182 / 1e9)
 *
 * while it counts, and ticks_base while a low gate holds it (modes 0, 2, 3,
 * 4). Every reading (the count, OUT, the status) is a function of d and the
 * mode; OUT0's line is driven by a timer armed for the next instant d(t)
 * changes OUT, rounded up to whole ns so that the level computed at the
 * firing is already the new one.
 *
 * OUT as a function of d with count N (1..0x10000, or 1..10000 in BCD):
 *
 *   mode 0  low until d = N, then high                   (interrupt on TC)
 *   mode 1  after a gate trigger: low for d < N, then high (one-shot)
 *   mode 2  high, low for the one clock d % N = N - 1    (rate generator)
 *   mode 3  high for d % N < ceil(N / 2), else low       (square wave)
 *   mode 4  high, low for the one clock d = N            (software strobe)
 *   mode 5  after a gate trigger: as mode 4              (hardware strobe)
 *
 * A control word stops the counter and sets OUT to its mode's initial level
 * (mode 0 low, others high) until a count is written. Counts are loaded at
 * the write, with no extra load clock (as QEMU; the datasheet's first
 * count cycle is one CLK later). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "emutime/devices/i8254.h"

#define NS_PER_SEC UINT64_C(1000000000)
#define NO_TRANSITION UINT64_MAX

/* Byte sequencing of a counter's reads and writes. */
enum { RW_LSB = 1, RW_MSB = 2, RW_WORD0 = 3, RW_WORD1 = 4 };

typedef struct pit_channel {
    uint32_t count;        /* N: 1..0x10000 (binary), 1..10000 (BCD) */
    uint64_t ticks_base;   /* clocks counted before start_ns */
    int64_t start_ns;
    uint16_t latched;      /* the output latch */
    uint8_t count_latched; /* 0, or the RW sequence still to read */
    bool status_latched;
    uint8_t status;
    uint8_t read_state;
    uint8_t write_state;
    uint8_t write_lsb;     /* first byte of a 2-byte count */
    uint8_t rw_mode;       /* the control word's RW field (0 acts as LSB) */
    uint8_t mode_bits;     /* M2-M0 as written (status read-back) */
    uint8_t mode;          /* 0..5 (6 and 7 are 2 and 3) */
    bool bcd;
    bool gate;
    bool loaded;           /* a count was written since the control word */
    bool triggered;        /* modes 1 and 5: a gate rising edge started it */
    bool null_count;
    bool counting;         /* d advances (false while a gate holds it) */
} pit_channel;

typedef struct i8254 {
    et_device dev;
    pit_channel ch[3];
    et_timer *out0_timer;
    et_irq_line out0;
    bool speaker;          /* port B bit 1 */
    uint8_t refresh;       /* port B bit 4 */
} i8254;

static et_lock_class pit_lock_class = ET_LOCK_CLASS_INIT("i8254");

static i8254 *to_pit(et_device *dev)
{
    return (i8254 *)dev;
}

static uint64_t ticks_since(int64_t from, int64_t to)
{
    return to <= from ? 0 : et__muldiv64((uint64_t)(to - from), ET_I8254_HZ, NS_PER_SEC);
}

static uint64_t clocks(const pit_channel *c, int64_t now)
{
    return c->ticks_base + (c->counting ? ticks_since(c->start_ns, now) : 0);
}

/* Whether the counter is running its waveform (modes 1 and 5 need their
 * trigger, every mode its count). */
static bool active(const pit_channel *c)
{
    return c->loaded && ((c->mode != 1 && c->mode != 5) || c->triggered);
}

static bool out_at(const pit_channel *c, uint64_t d)
{
    uint64_t n = c->count;
    if (!active(c)) {
        return c->mode != 0; /* the control word's initial OUT */
    }
    switch (c->mode) {
    case 0:
        return d >= n;
    case 1:
        return d >= n;
    case 2:
        if (!c->gate) {
            return true;
        }
        return n < 2 || d % n != n - 1;
    case 3:
        if (!c->gate) {
            return true;
        }
        return d % n < (n + 1) / 2;
    default: /* 4, 5 */
        return d != n;
    }
}

static bool out_now(const pit_channel *c, int64_t now)
{
    return out_at(c, clocks(c, now));
}

/* The next clock count after d at which OUT changes, or NO_TRANSITION. */
static uint64_t next_change(const pit_channel *c, uint64_t d)
{
    uint64_t n = c->count;
    if (!active(c) || !c->counting) {
        return NO_TRANSITION;
    }
    switch (c->mode) {
    case 0:
    case 1:
        return d < n ? n : NO_TRANSITION;
    case 2: {
        if (n < 2) {
            return NO_TRANSITION; /* count 1 is illegal in mode 2 */
        }
        uint64_t base = d - d % n;
        return d % n < n - 1 ? base + n - 1 : base + n;
    }
    case 3: {
        if (n < 2) {
            return NO_TRANSITION; /* count 1 is illegal in mode 3 */
        }
        uint64_t base = d - d % n, high = (n + 1) / 2;
        return d % n < high ? base + high : base + n;
    }
    default: /* 4, 5 */
        if (d < n) {
            return n;
        }
        return d == n ? n + 1 : NO_TRANSITION;
    }
}

/* The instant d(t) reaches ticks (rounded up to a whole ns). */
static int64_t time_of(const pit_channel *c, uint64_t ticks)
{
    uint64_t rel = ticks - c->ticks_base;
    unsigned __int128 ns = ((unsigned __int128)rel * NS_PER_SEC + ET_I8254_HZ - 1) / ET_I8254_HZ;
    if (ns > (unsigned __int128)(INT64_MAX - c->start_ns)) {
        return INT64_MAX;
    }
    return c->start_ns + (int64_t)ns;
}

/* Drives OUT0's line with its level now and arms the timer for its next
 * change. */
static void update_out0(i8254 *s, int64_t now)
{
    pit_channel *c = &s->ch[0];
    uint64_t d = clocks(c, now);
    et_irq_set(&s->out0, out_at(c, d));
    uint64_t next = next_change(c, d);
    if (next == NO_TRANSITION) {
        et_timer_del(s->out0_timer);
    } else {
        et_timer_mod(s->out0_timer, time_of(c, next));
    }
}

/* OUT0's transition. A pass running late on a real-time clock (a stalled
 * host: a 10-count mode 2 changes OUT0 every 4 us) goes straight to the
 * level at the time it brings the clock to, merging the transitions due by
 * then, so a backlog never grows; stepping a manual clock runs every one.
 * The transition that was due is still made first: mode 2's low pulse
 * lasts one clock (838 ns), less than any timer thread's wake-up, so going
 * straight to the level at the horizon would never show the edge and an
 * edge-triggered IRQ 0 would never arrive. Merged, the periods give one
 * edge, as the HPET gives one interrupt for the periods it merges. */
static void out0_expired(void *opaque)
{
    i8254 *s = opaque;
    int64_t due = et_clock_now(s->dev.clock), horizon = et_clock_horizon(s->dev.clock);
    if (horizon > due) {
        et_irq_set(&s->out0, out_at(&s->ch[0], clocks(&s->ch[0], due)));
    }
    update_out0(s, horizon);
}

static void channel_changed(i8254 *s, unsigned i, int64_t now)
{
    if (i == 0) {
        update_out0(s, now);
    }
}

/* Starts counting from 0 clocks now. */
static void restart(pit_channel *c, int64_t now)
{
    c->ticks_base = 0;
    c->start_ns = now;
    c->counting = c->gate || c->mode == 1 || c->mode == 5;
}

/* Freezes d at its value now, or lets it run on from there. */
static void hold(pit_channel *c, int64_t now, bool counting)
{
    c->ticks_base = clocks(c, now);
    c->start_ns = now;
    c->counting = counting;
}

static unsigned from_bcd16(unsigned v)
{
    return ((v >> 12) & 0xf) * 1000 + ((v >> 8) & 0xf) * 100 + ((v >> 4) & 0xf) * 10 + (v & 0xf);
}

static unsigned to_bcd16(unsigned v)
{
    return ((v / 1000 % 10) << 12) | ((v / 100 % 10) << 8) | ((v / 10 % 10) << 4) | (v % 10);
}

/* The counting element's value now, as the guest reads it. */
static uint16_t counter_value(const pit_channel *c, int64_t now)
{
    uint64_t n = c->count;
    uint64_t modulus = c->bcd ? 10000 : 0x10000;
    uint64_t v;
    if (!active(c)) {
        v = n % modulus;
    } else {
        uint64_t d = clocks(c, now);
        switch (c->mode) {
        case 2:
            v = n - d % n;
            break;
        case 3:
            v = n - (2 * d) % n; /* counts by two; exact for even N */
            break;
        default: /* 0, 1, 4, 5: wraps after terminal count */
            v = (n + modulus - d % modulus) % modulus;
            break;
        }
        v %= modulus;
    }
    return (uint16_t)(c->bcd ? to_bcd16((unsigned)v) : v);
}

static void load_count(i8254 *s, unsigned i, unsigned raw, int64_t now)
{
    pit_channel *c = &s->ch[i];
    unsigned n = c->bcd ? from_bcd16(raw) : raw;
    if (n == 0) {
        n = c->bcd ? 10000 : 0x10000; /* 0 is the largest count */
    }
    c->count = n;
    c->null_count = false;
    bool was_loaded = c->loaded;
    c->loaded = true;
    if (c->mode == 1 || c->mode == 5) {
        /* Loaded at the next trigger; a running cycle is not disturbed. */
        if (!was_loaded) {
            c->triggered = false;
        }
    } else {
        restart(c, now);
    }
    et_device_trace(&s->dev, "count", "counter %u mode %u count %u%s", i, c->mode, n,
                    c->bcd ? " bcd" : "");
    channel_changed(s, i, now);
}

static void write_counter(i8254 *s, unsigned i, uint8_t v, int64_t now)
{
    pit_channel *c = &s->ch[i];
    switch (c->write_state) {
    case RW_MSB:
        load_count(s, i, (unsigned)v << 8, now);
        break;
    case RW_WORD0:
        c->write_lsb = v;
        c->write_state = RW_WORD1;
        if (c->mode == 0) {
            /* Mode 0: the first byte stops the count (OUT stays low). */
            hold(c, now, false);
            c->loaded = false;
            channel_changed(s, i, now);
        }
        break;
    case RW_WORD1:
        c->write_state = RW_WORD0;
        load_count(s, i, c->write_lsb | ((unsigned)v << 8), now);
        break;
    default: /* RW_LSB, or 0 before any control word */
        load_count(s, i, v, now);
        break;
    }
}

static uint8_t status_byte(const pit_channel *c, int64_t now)
{
    return (uint8_t)((out_now(c, now) ? ET_I8254_STATUS_OUT : 0) |
                     (c->null_count ? ET_I8254_STATUS_NULL_COUNT : 0) | (c->rw_mode << 4) |
                     (c->mode_bits << 1) | (c->bcd ? 1 : 0));
}

static void latch_count(pit_channel *c, int64_t now)
{
    if (!c->count_latched) { /* a second latch before the read is ignored */
        c->latched = counter_value(c, now);
        c->count_latched = c->rw_mode ? c->rw_mode : RW_LSB;
    }
}

static void write_control(i8254 *s, uint8_t v, int64_t now)
{
    unsigned sc = v >> ET_I8254_SC_SHIFT;
    if (sc == ET_I8254_SC_READ_BACK) {
        for (unsigned i = 0; i < 3; i++) {
            pit_channel *c = &s->ch[i];
            if (!(v & ET_I8254_RB_COUNTER(i))) {
                continue;
            }
            if (!(v & ET_I8254_RB_NO_COUNT)) {
                latch_count(c, now);
            }
            if (!(v & ET_I8254_RB_NO_STATUS) && !c->status_latched) {
                c->status = status_byte(c, now);
                c->status_latched = true;
            }
        }
        return;
    }
    pit_channel *c = &s->ch[sc];
    unsigned rw = (v >> 4) & 3;
    if (rw == ET_I8254_RW_LATCH) {
        latch_count(c, now);
        return;
    }
    c->rw_mode = (uint8_t)rw;
    c->read_state = c->write_state = (uint8_t)(rw == ET_I8254_RW_WORD ? RW_WORD0 : rw);
    c->mode_bits = (v >> 1) & 7;
    c->mode = c->mode_bits >= 6 ? c->mode_bits - 4 : c->mode_bits;
    c->bcd = (v & ET_I8254_BCD) != 0;
    c->loaded = false;
    c->triggered = false;
    c->null_count = true;
    c->count_latched = 0;
    c->status_latched = false;
    hold(c, now, false);
    et_device_trace(&s->dev, "control", "counter %u mode %u rw %u%s", sc, c->mode, rw,
                    c->bcd ? " bcd" : "");
    channel_changed(s, sc, now);
}

static uint8_t read_counter(pit_channel *c, int64_t now)
{
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->count_latched) {
        switch (c->count_latched) {
        case RW_MSB:
            c->count_latched = 0;
            return (uint8_t)(c->latched >> 8);
        case ET_I8254_RW_WORD:
            c->count_latched = RW_MSB; /* the MSB next */
            return (uint8_t)c->latched;
        default:
            c->count_latched = 0;
            return (uint8_t)c->latched;
        }
    }
    uint16_t v = counter_value(c, now);
    switch (c->read_state) {
    case RW_MSB:
        return (uint8_t)(v >> 8);
    case RW_WORD0:
        c->read_state = RW_WORD1;
        return (uint8_t)v;
    case RW_WORD1:
        c->read_state = RW_WORD0;
        return (uint8_t)(v >> 8);
    default:
        return (uint8_t)v;
    }
}

/* GATE2 from port B (gates 0 and 1 are tied high on a PC). */
static void set_gate(i8254 *s, unsigned i, bool gate, int64_t now)
{
    pit_channel *c = &s->ch[i];
    if (gate == c->gate) {
        return;
    }
    c->gate = gate;
    switch (c->mode) {
    case 1:
    case 5:
        if (gate && c->loaded) { /* rising edge: (re)trigger */
            c->triggered = true;
            restart(c, now);
        }
        break;
    case 2:
    case 3:
        if (gate) {
            restart(c, now); /* rising edge reloads */
        } else {
            hold(c, now, false); /* OUT goes high at once */
        }
        break;
    default: /* 0, 4: the gate enables counting */
        hold(c, now, gate);
        break;
    }
    channel_changed(s, i, now);
}

static uint64_t pit_read(et_device *dev, uint64_t offset, unsigned size)
{
    i8254 *s = to_pit(dev);
    int64_t now = et_clock_now(dev->clock);
    (void)size;
    if (offset < ET_I8254_CONTROL) {
        return read_counter(&s->ch[offset], now);
    }
    if (offset == ET_I8254_CONTROL) {
        return 0; /* write-only; QEMU reads 0 */
    }
    if (offset == ET_I8254_PORT_B) {
        s->refresh ^= ET_I8254_PORTB_REFRESH;
        return (s->ch[2].gate ? ET_I8254_PORTB_GATE2 : 0) |
               (s->speaker ? ET_I8254_PORTB_SPEAKER : 0) | s->refresh |
               (out_now(&s->ch[2], now) ? ET_I8254_PORTB_OUT2 : 0);
    }
    et_device_guest_error(dev, "read of unassigned offset 0x%02x (reads 0xff)",
                          (unsigned)offset);
    return 0xff;
}

static void pit_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    i8254 *s = to_pit(dev);
    int64_t now = et_clock_now(dev->clock);
    uint8_t v = (uint8_t)value;
    (void)size;
    if (offset < ET_I8254_CONTROL) {
        write_counter(s, (unsigned)offset, v, now);
    } else if (offset == ET_I8254_CONTROL) {
        write_control(s, v, now);
    } else if (offset == ET_I8254_PORT_B) {
        s->speaker = (v & ET_I8254_PORTB_SPEAKER) != 0;
        set_gate(s, 2, (v & ET_I8254_PORTB_GATE2) != 0, now);
    } else {
        et_device_guest_error(dev, "write to unassigned offset 0x%02x ignored",
                              (unsigned)offset);
    }
}

/* QEMU's reset (what a BIOS leaves): mode 3, count 0x10000, binary; gates
 * 0 and 1 high, gate 2 low; the byte sequencing back to its power-on 0
 * (acts as LSB). */
static void pit_reset(et_device *dev)
{
    i8254 *s = to_pit(dev);
    int64_t now = et_clock_now(dev->clock);
    for (unsigned i = 0; i < 3; i++) {
        pit_channel *c = &s->ch[i];
        memset(c, 0, sizeof(*c));
        c->mode = c->mode_bits = 3;
        c->gate = i != 2;
        c->count = 0x10000;
        c->loaded = true;
        restart(c, now);
    }
    s->speaker = false;
    s->refresh = 0;
    update_out0(s, now);
}

static void pit_destroy(et_device *dev)
{
    et_timer_free(to_pit(dev)->out0_timer);
}

#define CH_FIELD(m, ty) ET_FIELD_STRUCT_ARRAY(i8254, ch, m, ty, 1)

static const et_field pit_fields[] = {
    CH_FIELD(count, ET_FT_U32),
    CH_FIELD(ticks_base, ET_FT_U64),
    CH_FIELD(start_ns, ET_FT_I64),
    CH_FIELD(latched, ET_FT_U16),
    CH_FIELD(count_latched, ET_FT_U8),
    CH_FIELD(status_latched, ET_FT_BOOL),
    CH_FIELD(status, ET_FT_U8),
    CH_FIELD(read_state, ET_FT_U8),
    CH_FIELD(write_state, ET_FT_U8),
    CH_FIELD(write_lsb, ET_FT_U8),
    CH_FIELD(rw_mode, ET_FT_U8),
    CH_FIELD(mode_bits, ET_FT_U8),
    CH_FIELD(mode, ET_FT_U8),
    CH_FIELD(bcd, ET_FT_BOOL),
    CH_FIELD(gate, ET_FT_BOOL),
    CH_FIELD(loaded, ET_FT_BOOL),
    CH_FIELD(triggered, ET_FT_BOOL),
    CH_FIELD(null_count, ET_FT_BOOL),
    CH_FIELD(counting, ET_FT_BOOL),
    ET_FIELD_TIMER(i8254, out0_timer, 1),
    ET_FIELD_IRQ(i8254, out0, 1),
    ET_FIELD_BOOL(i8254, speaker, 1),
    ET_FIELD_U8(i8254, refresh, 1),
    ET_FIELD_END
};

static const et_vmstate pit_state = { "i8254", 1, pit_fields };

static const et_device_ops pit_ops = {
    .type = "i8254",
    .region_size = ET_I8254_REGION,
    .access_sizes = ET_ACCESS_1,
    .read = pit_read,
    .write = pit_write,
    .reset = pit_reset,
    .destroy = pit_destroy,
    .state = &pit_state,
};

et_device *et_i8254_new(et_clock *clock, const char *name, char *err, size_t errlen)
{
    i8254 *s = NULL;
    const char *problem = NULL;
    if (!clock) {
        problem = "i8254: a clock is required";
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    s = et__xcalloc(1, sizeof(*s));
    et_device_init(&s->dev, &pit_ops, clock, name, &pit_lock_class);
    s->out0_timer = et_device_timer_new(&s->dev, out0_expired, s);
    et_irq_init(&s->out0, &s->dev, "out0");
    et_device_add_irq(&s->dev, &s->out0);
    et_device_reset(&s->dev);
    return &s->dev;
}
