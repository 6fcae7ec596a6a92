/* "snaptest": a test-only device for the snapshot suites. It models no
 * hardware; it exists to give every kind of saved field (bool, u8, u16, u32,
 * u64, i64, ptimer, timer, interrupt line; fixed arrays, arrays of struct
 * members, a heap array with a variable count) guest-visible behaviour, so
 * that a wrong save or load shows up in register reads and interrupts.
 *
 * Registers (0x50 bytes, 4-byte aligned accesses):
 *   0x00 CTRL    bit 0 EN (ptimer runs), bit 1 ONESHOT, bit 2 IE
 *   0x04 LOAD    ptimer limit and counter (1 us per count)
 *   0x08 VALUE   the ptimer counter (read)
 *   0x0C STATUS  bit 0: ptimer expired, bit 1: alarm or channel hit;
 *                write 1s to clear
 *   0x10 ALARM   write v: one-shot timer at now + v us (0 cancels);
 *                read: the number of alarms so far (u16)
 *   0x14 FLAG    bool (any non-zero write sets it)
 *   0x18 BYTE    u8
 *   0x1C HALF    u16
 *   0x20 QLO     low half of a u64;   0x24 QHI high half
 *   0x28 SIGNED  an i64 written as a sign-extended 32-bit value; reads the
 *                low 32 bits
 *   0x2C ARR0..0x34 ARR2: a u32[3]
 *   0x38 VAR     write: stores into var[cursor++ % n_var] (a heap u16 array);
 *                read: the sum of var[]
 *   0x3C CH0, 0x40 CH1: write v arms channel i at now + v * 500 ns (0
 *                cancels); read: channel i's hit count
 *   0x44 ADDED   a u32 added in state version 2 (default 0x20)
 *   0x48 EXP     read: ptimer expiries so far (u32, saved)
 * Output lines: 0 "irq0" = STATUS bit 0 && IE, 1 "irq1" = STATUS bit 1,
 * 2 "tick" pulsed on every ptimer expiry.
 *
 * Included by several test programs: everything is static and marked unused.
 */
#ifndef SNAP_TESTDEV_H
#define SNAP_TESTDEV_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emutime/emutime.h"
#include "emutime/snapshot.h"

#define SNAPTEST_UNUSED __attribute__((unused))

#define ST_CTRL 0x00
#define ST_LOAD 0x04
#define ST_VALUE 0x08
#define ST_STATUS 0x0C
#define ST_ALARM 0x10
#define ST_FLAG 0x14
#define ST_BYTE 0x18
#define ST_HALF 0x1C
#define ST_QLO 0x20
#define ST_QHI 0x24
#define ST_SIGNED 0x28
#define ST_ARR0 0x2C
#define ST_VAR 0x38
#define ST_CH0 0x3C
#define ST_ADDED 0x44
#define ST_EXP 0x48
#define ST_REGION 0x50

#define ST_CTRL_EN 1u
#define ST_CTRL_ONESHOT 2u
#define ST_CTRL_IE 4u

typedef struct snaptest_channel {
    uint32_t hits;
    et_timer *t;
} snaptest_channel;

typedef struct snaptest {
    et_device dev;
    et_ptimer *pt;
    et_timer *alarm;
    et_irq_line irq[2];
    et_irq_line tick;
    uint32_t ctrl;
    uint32_t status;
    uint16_t alarm_fired;
    bool flag;
    uint8_t byte;
    uint16_t half;
    uint64_t q;
    int64_t s;
    uint32_t arr[3];
    uint16_t *var;
    uint32_t n_var;
    uint32_t cursor;
    snaptest_channel ch[2];
    uint32_t added_v2;
    uint32_t expiries;
} snaptest;

/* Called (device lock held) at the start of every alarm expiry when set:
 * lets a test do something while a save holds every device lock. */
static void (*snaptest_alarm_hook)(snaptest *st) SNAPTEST_UNUSED;

static et_lock_class snaptest_lock_class SNAPTEST_UNUSED = ET_LOCK_CLASS_INIT("snaptest");

static SNAPTEST_UNUSED void snaptest_update(snaptest *st)
{
    et_irq_set(&st->irq[0], (st->status & 1) && (st->ctrl & ST_CTRL_IE));
    et_irq_set(&st->irq[1], (st->status & 2) != 0);
}

static SNAPTEST_UNUSED void snaptest_expired(void *opaque)
{
    snaptest *st = opaque;
    st->status |= 1;
    st->expiries += (uint32_t)et_ptimer_expiry_count(st->pt); /* a merged backlog counts whole */
    et_irq_pulse(&st->tick);
    snaptest_update(st);
}

static SNAPTEST_UNUSED void snaptest_alarm(void *opaque)
{
    snaptest *st = opaque;
    if (snaptest_alarm_hook) {
        snaptest_alarm_hook(st);
    }
    st->alarm_fired++;
    st->status |= 2;
    snaptest_update(st);
}

static SNAPTEST_UNUSED void snaptest_channel_hit(snaptest *st, unsigned i)
{
    st->ch[i].hits++;
    st->status |= 2;
    snaptest_update(st);
}

static SNAPTEST_UNUSED void snaptest_ch0(void *opaque)
{
    snaptest_channel_hit(opaque, 0);
}

static SNAPTEST_UNUSED void snaptest_ch1(void *opaque)
{
    snaptest_channel_hit(opaque, 1);
}

static SNAPTEST_UNUSED uint64_t snaptest_read(et_device *dev, uint64_t offset, unsigned size)
{
    snaptest *st = (snaptest *)dev;
    (void)size;
    switch (offset) {
    case ST_CTRL: return st->ctrl;
    case ST_LOAD: return et_ptimer_get_limit(st->pt) & 0xffffffffu;
    case ST_VALUE: return et_ptimer_get_count(st->pt) & 0xffffffffu;
    case ST_STATUS: return st->status;
    case ST_ALARM: return st->alarm_fired;
    case ST_FLAG: return st->flag;
    case ST_BYTE: return st->byte;
    case ST_HALF: return st->half;
    case ST_QLO: return (uint32_t)st->q;
    case ST_QHI: return (uint32_t)(st->q >> 32);
    case ST_SIGNED: return (uint32_t)(uint64_t)st->s;
    case ST_ARR0:
    case ST_ARR0 + 4:
    case ST_ARR0 + 8: return st->arr[(offset - ST_ARR0) / 4];
    case ST_VAR: {
        uint32_t sum = 0;
        for (uint32_t i = 0; i < st->n_var; i++) {
            sum += st->var[i];
        }
        return sum;
    }
    case ST_CH0:
    case ST_CH0 + 4: return st->ch[(offset - ST_CH0) / 4].hits;
    case ST_ADDED: return st->added_v2;
    case ST_EXP: return st->expiries;
    default:
        et_device_guest_error(dev, "read of unknown register 0x%llx", (unsigned long long)offset);
        return 0;
    }
}

static SNAPTEST_UNUSED void snaptest_write(et_device *dev, uint64_t offset, uint64_t value,
                                           unsigned size)
{
    snaptest *st = (snaptest *)dev;
    int64_t now = et_clock_now(dev->clock);
    (void)size;
    switch (offset) {
    case ST_CTRL:
        st->ctrl = (uint32_t)value & 7u;
        et_ptimer_transaction_begin(st->pt);
        if (st->ctrl & ST_CTRL_EN) {
            et_ptimer_run(st->pt, (st->ctrl & ST_CTRL_ONESHOT) != 0);
        } else {
            et_ptimer_stop(st->pt);
        }
        et_ptimer_transaction_commit(st->pt);
        break;
    case ST_LOAD:
        et_ptimer_transaction_begin(st->pt);
        et_ptimer_set_limit(st->pt, value, 1);
        et_ptimer_transaction_commit(st->pt);
        break;
    case ST_STATUS: st->status &= ~(uint32_t)value; break;
    case ST_ALARM:
        if (value) {
            et_timer_mod(st->alarm, now + (int64_t)value * 1000);
        } else {
            et_timer_del(st->alarm);
        }
        break;
    case ST_FLAG: st->flag = value != 0; break;
    case ST_BYTE: st->byte = (uint8_t)value; break;
    case ST_HALF: st->half = (uint16_t)value; break;
    case ST_QLO: st->q = (st->q & ~(uint64_t)0xffffffffu) | (uint32_t)value; break;
    case ST_QHI: st->q = (st->q & 0xffffffffu) | (uint64_t)(uint32_t)value << 32; break;
    case ST_SIGNED: st->s = (int32_t)(uint32_t)value; break;
    case ST_ARR0:
    case ST_ARR0 + 4:
    case ST_ARR0 + 8: st->arr[(offset - ST_ARR0) / 4] = (uint32_t)value; break;
    case ST_VAR:
        if (st->n_var) {
            st->var[st->cursor++ % st->n_var] = (uint16_t)value;
        }
        break;
    case ST_CH0:
    case ST_CH0 + 4: {
        et_timer *t = st->ch[(offset - ST_CH0) / 4].t;
        if (value) {
            et_timer_mod(t, now + (int64_t)value * 500);
        } else {
            et_timer_del(t);
        }
        break;
    }
    case ST_ADDED: st->added_v2 = (uint32_t)value; break;
    default:
        et_device_guest_error(dev, "write of unknown register 0x%llx", (unsigned long long)offset);
        return;
    }
    snaptest_update(st);
}

static SNAPTEST_UNUSED void snaptest_reset(et_device *dev)
{
    snaptest *st = (snaptest *)dev;
    et_ptimer_transaction_begin(st->pt);
    et_ptimer_stop(st->pt);
    et_ptimer_set_limit(st->pt, 0, 1);
    et_ptimer_transaction_commit(st->pt);
    et_timer_del(st->alarm);
    et_timer_del(st->ch[0].t);
    et_timer_del(st->ch[1].t);
    st->ctrl = st->status = 0;
    st->alarm_fired = 0;
    st->flag = false;
    st->byte = 0;
    st->half = 0;
    st->q = 0;
    st->s = 0;
    memset(st->arr, 0, sizeof(st->arr));
    memset(st->var, 0, st->n_var * sizeof(*st->var));
    st->cursor = 0;
    st->ch[0].hits = st->ch[1].hits = 0;
    st->added_v2 = 0;
    st->expiries = 0;
    snaptest_update(st);
}

static SNAPTEST_UNUSED void snaptest_destroy(et_device *dev)
{
    snaptest *st = (snaptest *)dev;
    et_ptimer_free(st->pt);
    et_timer_free(st->alarm);
    et_timer_free(st->ch[0].t);
    et_timer_free(st->ch[1].t);
    free(st->var);
}

/* Every field of state version 2; version 1 is the same without added_v2. */
#define SNAPTEST_FIELDS_V1                                                         \
    ET_FIELD_U32(snaptest, ctrl, 1),                                               \
    ET_FIELD_U32(snaptest, status, 1),                                             \
    ET_FIELD_PTIMER(snaptest, pt, 1),                                              \
    ET_FIELD_TIMER(snaptest, alarm, 1),                                            \
    ET_FIELD_U16(snaptest, alarm_fired, 1),                                        \
    ET_FIELD_BOOL(snaptest, flag, 1),                                              \
    ET_FIELD_U8(snaptest, byte, 1),                                                \
    ET_FIELD_U16(snaptest, half, 1),                                               \
    ET_FIELD_U64(snaptest, q, 1),                                                  \
    ET_FIELD_I64(snaptest, s, 1),                                                  \
    ET_FIELD_ARRAY(snaptest, arr, ET_FT_U32, 1),                                   \
    ET_FIELD_VARRAY(snaptest, var, uint16_t, ET_FT_U16, n_var, 1),                 \
    ET_FIELD_U32(snaptest, cursor, 1),                                             \
    ET_FIELD_STRUCT_ARRAY(snaptest, ch, hits, ET_FT_U32, 1),                       \
    ET_FIELD_STRUCT_ARRAY(snaptest, ch, t, ET_FT_TIMER, 1),                        \
    ET_FIELD_ARRAY(snaptest, irq, ET_FT_IRQ, 1),                                   \
    ET_FIELD_IRQ(snaptest, tick, 1),                                               \
    ET_FIELD_U32(snaptest, expiries, 1)

static const et_field snaptest_fields_v1[] SNAPTEST_UNUSED = { SNAPTEST_FIELDS_V1, ET_FIELD_END };
static const et_field snaptest_fields_v2[] SNAPTEST_UNUSED = {
    SNAPTEST_FIELDS_V1,
    ET_FIELD_U32_V(snaptest, added_v2, 2, 0x20),
    ET_FIELD_END
};
static const et_vmstate snaptest_state_v1 SNAPTEST_UNUSED = { "snaptest", 1, snaptest_fields_v1 };
static const et_vmstate snaptest_state_v2 SNAPTEST_UNUSED = { "snaptest", 2, snaptest_fields_v2 };

#define SNAPTEST_OPS(state_)                                                       \
    {                                                                              \
        .type = "snaptest", .region_size = ST_REGION, .access_sizes = ET_ACCESS_4, \
        .read = snaptest_read, .write = snaptest_write, .reset = snaptest_reset,   \
        .destroy = snaptest_destroy, .state = (state_),                            \
    }
static const et_device_ops snaptest_ops_v1 SNAPTEST_UNUSED = SNAPTEST_OPS(&snaptest_state_v1);
static const et_device_ops snaptest_ops_v2 SNAPTEST_UNUSED = SNAPTEST_OPS(&snaptest_state_v2);

/* A snaptest with n_var elements in its heap array, saving state version
 * `version` (1 or 2). */
static SNAPTEST_UNUSED et_device *snaptest_new_version(et_clock *clock, const char *name,
                                                       uint32_t n_var, unsigned version)
{
    snaptest *st = calloc(1, sizeof(*st));
    if (!st) {
        abort();
    }
    et_device_init(&st->dev, version == 1 ? &snaptest_ops_v1 : &snaptest_ops_v2, clock, name,
                   &snaptest_lock_class);
    st->pt = et_device_ptimer_new(&st->dev, snaptest_expired, st, ET_PTIMER_POLICY_LEGACY);
    st->alarm = et_device_timer_new(&st->dev, snaptest_alarm, st);
    st->ch[0].t = et_device_timer_new(&st->dev, snaptest_ch0, st);
    st->ch[1].t = et_device_timer_new(&st->dev, snaptest_ch1, st);
    st->n_var = n_var;
    st->var = calloc(n_var ? n_var : 1, sizeof(*st->var));
    if (!st->var) {
        abort();
    }
    et_irq_init(&st->irq[0], &st->dev, "irq0");
    et_irq_init(&st->irq[1], &st->dev, "irq1");
    et_irq_init(&st->tick, &st->dev, "tick");
    et_device_add_irq(&st->dev, &st->irq[0]);
    et_device_add_irq(&st->dev, &st->irq[1]);
    et_device_add_irq(&st->dev, &st->tick);
    et_device_lock(&st->dev);
    et_ptimer_transaction_begin(st->pt);
    et_ptimer_set_period(st->pt, 1000);
    et_ptimer_transaction_commit(st->pt);
    et_device_unlock(&st->dev);
    return &st->dev;
}

static SNAPTEST_UNUSED et_device *snaptest_new(et_clock *clock, const char *name)
{
    return snaptest_new_version(clock, name, 4, 2);
}

static SNAPTEST_UNUSED void snaptest_connect(et_device *dev, et_irq_sink_fn sink, void *opaque)
{
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        et_irq_connect(et_device_irq(dev, i), sink, opaque, (int)i);
    }
}

#endif
