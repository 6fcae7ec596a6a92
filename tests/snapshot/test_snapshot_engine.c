/* The snapshot engine (snapshot.h) on the "snaptest" device, whose registers
 * expose every kind of saved field: exact values after a round trip into a
 * machine whose clock started elsewhere, defaults for fields a snapshot
 * predates, real-time clocks (a deadline passed but not processed, a firing
 * popped by the runner but not run), the line re-synchronisation phase, the
 * firing order of equal deadlines, lock order across device types, and the
 * errors of save. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <time.h>

#include "snap_testdev.h"
#include "snap_testutil.h"
#include "test_countdown.h"

#define W(dev, reg, v) et_device_write((dev), (reg), (v), 4)
#define R(dev, reg) et_device_read((dev), (reg), 4)

static uint8_t *save_ok(et_clock *clock, et_device **devs, size_t n, size_t *len)
{
    uint8_t *buf = NULL;
    char err[256] = "";
    int rc = et_snapshot_save(clock, devs, n, "test-machine", &buf, len, err, sizeof(err));
    if (rc != 0) {
        fail_msg("save failed: %s", err);
    }
    return buf;
}

static void load_ok(et_clock *clock, et_device **devs, size_t n, const uint8_t *buf, size_t len)
{
    char err[256] = "";
    int rc = et_snapshot_load(clock, devs, n, "test-machine", buf, len, err, sizeof(err));
    if (rc != 0) {
        fail_msg("load failed: %s", err);
    }
}

/* Programs the state used by the round-trip test, at the clock's time t0. */
static void program_all_fields(et_device *d)
{
    W(d, ST_LOAD, 100);                  /* 100 counts of 1 us */
    W(d, ST_CTRL, ST_CTRL_EN | ST_CTRL_IE); /* periodic: expiries t0 + 100 us, ... */
    W(d, ST_ALARM, 250);                 /* t0 + 250 us */
    W(d, ST_FLAG, 1);
    W(d, ST_BYTE, 0xAB);
    W(d, ST_HALF, 0xBEEF);
    W(d, ST_QLO, 0x89ABCDEF);
    W(d, ST_QHI, 0x01234567);
    W(d, ST_SIGNED, (uint32_t)-5);
    W(d, ST_ARR0, 1);
    W(d, ST_ARR0 + 4, 2);
    W(d, ST_ARR0 + 8, 3);
    W(d, ST_VAR, 7);
    W(d, ST_VAR, 8);                     /* var = {7, 8, 0, 0}, cursor 2 */
    W(d, ST_CH0, 10);                    /* t0 + 5 us */
    W(d, ST_ADDED, 0x77);
}

static void test_round_trip_exact_values(void **state)
{
    (void)state;
    et_clock *ca = et_clock_new_manual();
    et_clock_set(ca, 5000);
    recorder ra = { .clock = ca };
    et_device *a = snaptest_new(ca, "dev");
    snaptest_connect(a, rec_sink, &ra);
    program_all_fields(a);
    et_clock_step(ca, 30000); /* now 35000: channel 0 hit at 10000 */
    assert_int_equal(R(a, ST_CH0), 1);
    assert_int_equal(R(a, ST_STATUS), 2);
    size_t len;
    uint8_t *snap = save_ok(ca, &a, 1, &len);

    /* The second machine: its clock far ahead, its device programmed with
     * timers that must not survive the load (no reset here on purpose). */
    et_clock *cb = et_clock_new_manual();
    et_clock_set(cb, 9999999);
    recorder rb = { .clock = cb };
    et_device *b = snaptest_new(cb, "dev");
    snaptest_connect(b, rec_sink, &rb);
    W(b, ST_CH0 + 4, 1);  /* channel 1 at +500 ns: the snapshot has it idle */
    W(b, ST_ALARM, 3);    /* the snapshot's alarm is at 255000 instead */
    W(b, ST_LOAD, 2);
    W(b, ST_CTRL, ST_CTRL_EN);
    et_clock_step(cb, 123);
    rec_clear(&rb, 0);
    load_ok(cb, &b, 1, snap, len);

    assert_int_equal(et_clock_now(cb), 35000);
    /* VALUE = floor((next expiry 105000 - now 35000) / 1000 ns). */
    assert_int_equal(R(b, ST_VALUE), 70);
    assert_int_equal(R(b, ST_LOAD), 100);
    assert_int_equal(R(b, ST_CTRL), ST_CTRL_EN | ST_CTRL_IE);
    assert_int_equal(R(b, ST_STATUS), 2);
    assert_int_equal(R(b, ST_FLAG), 1);
    assert_int_equal(R(b, ST_BYTE), 0xAB);
    assert_int_equal(R(b, ST_HALF), 0xBEEF);
    assert_int_equal(R(b, ST_QLO), 0x89ABCDEF);
    assert_int_equal(R(b, ST_QHI), 0x01234567);
    assert_int_equal(R(b, ST_SIGNED), 0xFFFFFFFB);
    assert_int_equal(R(b, ST_ARR0 + 8), 3);
    assert_int_equal(R(b, ST_VAR), 15);
    assert_int_equal(R(b, ST_CH0), 1);
    assert_int_equal(R(b, ST_CH0 + 4), 0);
    assert_int_equal(R(b, ST_ADDED), 0x77);
    assert_int_equal(R(b, ST_ALARM), 0);
    /* Re-synchronisation: every line once, with the saved level (irq1 high
     * from the channel hit, the others low). */
    assert_int_equal(rb.n, 3);
    assert_int_equal(rb.level[0], 0);
    assert_int_equal(rb.level[1], 1);
    assert_int_equal(rb.level[2], 0);
    /* The cursor was restored: the next VAR write goes to var[2]. */
    W(a, ST_VAR, 100);
    W(b, ST_VAR, 100);
    assert_int_equal(R(b, ST_VAR), 115);

    /* The future: both machines expire at 105000 (irq0 up, a tick pulse),
     * the alarm at 255000, and nothing from b's cancelled channel 1. */
    rec_clear(&ra, 35000);
    rec_clear(&rb, 35000);
    et_clock_step(ca, 220000);
    et_clock_step(cb, 220000);
    assert_int_equal(R(b, ST_EXP), 2);  /* 105000 and 205000 */
    assert_int_equal(R(b, ST_ALARM), 1);
    assert_int_equal(R(b, ST_CH0 + 4), 0);
    assert_int_equal(ra.n, rb.n);
    for (size_t i = 0; i < ra.n; i++) {
        assert_int_equal(ra.ev[i].n, rb.ev[i].n);
        assert_int_equal(ra.ev[i].level, rb.ev[i].level);
        assert_int_equal(ra.ev[i].t, rb.ev[i].t);
    }
    /* First event: irq0 raised at 105000 - 35000, then the tick pulse. */
    assert_true(rb.n >= 3);
    assert_int_equal(rb.ev[0].t, 70000);
    assert_int_equal(rb.ev[0].n, 2);
    assert_int_equal(rb.ev[0].level, 1);
    assert_int_equal(rb.ev[1].n, 2);
    assert_int_equal(rb.ev[1].level, 0);
    assert_int_equal(rb.ev[2].n, 0);
    assert_int_equal(rb.ev[2].level, 1);

    /* Same inputs, same state: the two machines now save identical bytes. */
    size_t la, lb;
    uint8_t *sa = save_ok(ca, &a, 1, &la);
    uint8_t *sb = save_ok(cb, &b, 1, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(sa, sb, la);

    free(sa);
    free(sb);
    free(snap);
    et_device_free(a);
    et_device_free(b);
    et_clock_free(ca);
    et_clock_free(cb);
    rec_free(&ra);
    rec_free(&rb);
}

/* A field added in state version 2 loads its declared default (0x20) from a
 * version 1 snapshot; a version 2 snapshot is refused by a version 1 build. */
static void test_field_added_later_gets_default(void **state)
{
    (void)state;
    et_clock *c = et_clock_new_manual();
    et_device *old = snaptest_new_version(c, "dev", 4, 1);
    et_device *cur = snaptest_new(c, "dev");
    W(old, ST_BYTE, 9);
    W(cur, ST_ADDED, 5);
    size_t len;
    uint8_t *v1 = save_ok(c, &old, 1, &len);
    load_ok(c, &cur, 1, v1, len);
    assert_int_equal(R(cur, ST_ADDED), 0x20);
    assert_int_equal(R(cur, ST_BYTE), 9);

    size_t len2;
    uint8_t *v2 = save_ok(c, &cur, 1, &len2);
    char err[256] = "";
    W(old, ST_BYTE, 10);
    assert_int_equal(et_snapshot_load(c, &old, 1, "test-machine", v2, len2, err, sizeof(err)),
                     ET_EMISMATCH);
    assert_non_null(strstr(err, "state version 2; this build reads up to version 1"));
    assert_int_equal(R(old, ST_BYTE), 10);

    free(v1);
    free(v2);
    et_device_free(old);
    et_device_free(cur);
    et_clock_free(c);
}

/* A real-time clock past a deadline nobody processed yet (no runner): the
 * snapshot is the state as of now, expiries applied. */
static void test_realtime_deadline_passed_is_applied(void **state)
{
    (void)state;
    et_clock *rt = et_clock_new_realtime();
    et_clock_pause(rt);
    et_clock_rebase(rt, 1000000);
    et_device *d = snaptest_new(rt, "dev");
    W(d, ST_LOAD, 10);
    W(d, ST_CTRL, ST_CTRL_EN); /* expiries at 1010000, 1020000, 1030000, ... */
    et_clock_rebase(rt, 1025000);
    size_t len;
    uint8_t *snap = save_ok(rt, &d, 1, &len);

    snap_loc loc;
    assert_true(snap_find(snap, len, "dev", "expiries", &loc));
    assert_int_equal(le_get(snap + loc.data, 4), 2);
    assert_true(snap_find(snap, len, "dev", "pt", &loc));
    assert_int_equal(snap[loc.data], 1);                        /* periodic */
    assert_int_equal((int64_t)le_get(snap + loc.data + 37, 8), 1030000); /* next_event */
    assert_int_equal((int64_t)le_get(snap + loc.data + 45, 8), 1030000); /* deadline */
    assert_int_equal((int64_t)le_get(snap + loc.clock_now, 8), 1025000);

    /* Restored on a manual clock: 5 counts left, the third expiry at
     * exactly 1030000. */
    et_clock *m = et_clock_new_manual();
    recorder r = { .clock = m };
    et_device *e = snaptest_new(m, "dev");
    snaptest_connect(e, rec_sink, &r);
    load_ok(m, &e, 1, snap, len);
    assert_int_equal(R(e, ST_EXP), 2);
    assert_int_equal(R(e, ST_VALUE), 5);
    rec_clear(&r, 1025000);
    et_clock_step(m, 4999);
    assert_int_equal(R(e, ST_EXP), 2);
    et_clock_step(m, 1);
    assert_int_equal(R(e, ST_EXP), 3);
    assert_int_equal(r.n, 2); /* the tick pulse */
    assert_int_equal(r.ev[0].t, 5000);

    /* Loading into a paused real-time clock keeps it paused, at the saved
     * time. */
    et_clock *rt2 = et_clock_new_realtime();
    et_clock_pause(rt2);
    et_device *f = snaptest_new(rt2, "dev");
    load_ok(rt2, &f, 1, snap, len);
    assert_true(et_clock_is_paused(rt2));
    assert_int_equal(et_clock_now(rt2), 1025000);
    assert_int_equal(R(f, ST_VALUE), 5);

    free(snap);
    et_device_free(d);
    et_device_free(e);
    et_device_free(f);
    et_clock_free(rt);
    et_clock_free(m);
    et_clock_free(rt2);
    rec_free(&r);
}

/* --- a firing popped by the runner but not yet run ------------------------ */

static struct {
    et_clock *clock;
    et_timer *victim;
    int64_t jump_to;
    int phase; /* 1: the save is inside catch-up; 2: the victim is popped */
} popped;

static void sleep_us(long us)
{
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
    nanosleep(&ts, NULL);
}

/* Runs inside the save, every device lock held: waits until the helper has
 * taken the victim off the queue (it then blocks on the victim's lock). */
static void hook_wait_for_pop(snaptest *st)
{
    (void)st;
    __atomic_store_n(&popped.phase, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 500000 && et_timer_pending(popped.victim); i++) {
        sleep_us(10);
    }
    if (!et_timer_pending(popped.victim)) {
        __atomic_store_n(&popped.phase, 2, __ATOMIC_RELEASE);
    }
}

static void *helper_pop(void *arg)
{
    (void)arg;
    while (__atomic_load_n(&popped.phase, __ATOMIC_ACQUIRE) == 0) {
        sleep_us(10);
    }
    et_clock_rebase(popped.clock, popped.jump_to);
    et_clock_run_expired(popped.clock); /* pops the victim, waits for its lock */
    return NULL;
}

static void test_realtime_popped_firing_is_saved(void **state)
{
    (void)state;
    const int64_t p = 1000000;
    const int64_t due = p + 500000000; /* d's expiry, half a second after p */
    et_clock *rt = et_clock_new_realtime();
    et_clock_pause(rt);
    et_clock_rebase(rt, p - 5000);
    et_device *slow = snaptest_new(rt, "slow");
    et_device *d = snaptest_new(rt, "d");
    W(slow, ST_ALARM, 1);      /* due at p - 4000: caught up by the save */
    W(d, ST_LOAD, 500005);
    W(d, ST_CTRL, ST_CTRL_EN); /* due at p - 5000 + 500005 us */
    et_clock_rebase(rt, p);

    /* The save reads now (just after p). While it holds every lock, the
     * helper moves the clock past d's deadline and pops d's expiry, which
     * then waits for d's lock: the saved state must still show it armed
     * (the queue alone would say "not armed"). */
    popped.clock = rt;
    popped.victim = d->timers[0]; /* the ptimer's timer */
    popped.jump_to = p + 700000000;
    popped.phase = 0;
    snaptest_alarm_hook = hook_wait_for_pop;
    pthread_t helper;
    assert_int_equal(pthread_create(&helper, NULL, helper_pop, NULL), 0);
    et_device *devs[] = { slow, d };
    size_t len;
    et_clock_resume(rt);
    uint8_t *snap = save_ok(rt, devs, 2, &len);
    pthread_join(helper, NULL);
    et_clock_pause(rt);
    snaptest_alarm_hook = NULL;
    assert_int_equal(popped.phase, 2);
    assert_int_equal(R(d, ST_EXP), 1); /* the helper ran it after the save */

    snap_loc loc;
    assert_true(snap_find(snap, len, "d", "pt", &loc));
    assert_int_equal((int64_t)le_get(snap + loc.data + 45, 8), due);
    assert_true(snap_find(snap, len, "d", "expiries", &loc));
    assert_int_equal(le_get(snap + loc.data, 4), 0);
    assert_true(snap_find(snap, len, "slow", "alarm_fired", &loc));
    assert_int_equal(le_get(snap + loc.data, 2), 1);
    int64_t saved_now = (int64_t)le_get(snap + loc.clock_now, 8);
    assert_true(saved_now >= p && saved_now < due);

    /* Restored, the expiry happens exactly at its deadline. */
    et_clock *m = et_clock_new_manual();
    et_clock_set(m, 42);
    et_device *s2 = snaptest_new(m, "slow");
    et_device *d2 = snaptest_new(m, "d");
    et_device *devs2[] = { s2, d2 };
    load_ok(m, devs2, 2, snap, len);
    assert_int_equal(et_clock_now(m), saved_now);
    et_clock_set(m, due - 1);
    assert_int_equal(R(d2, ST_EXP), 0);
    et_clock_step(m, 1);
    assert_int_equal(R(d2, ST_EXP), 1);
    assert_int_equal(R(s2, ST_ALARM), 1);

    free(snap);
    et_device_free(slow);
    et_device_free(d);
    et_device_free(s2);
    et_device_free(d2);
    et_clock_free(rt);
    et_clock_free(m);
}

/* --- the re-synchronisation phase ----------------------------------------- */

typedef struct resync_probe {
    recorder rec;
    et_device *other;
    uint64_t other_byte[8];
    int n;
} resync_probe;

/* A sink that reads another device: legal since no library lock is held. */
static void probe_sink(void *opaque, int n, int level)
{
    resync_probe *p = opaque;
    rec_sink(&p->rec, n, level);
    if (p->n < 8) {
        p->other_byte[p->n++] = R(p->other, ST_BYTE);
    }
}

static void test_lines_resync_after_every_device_is_loaded(void **state)
{
    (void)state;
    et_clock *c = et_clock_new_manual();
    et_device *a1 = snaptest_new(c, "first");
    et_device *a2 = snaptest_new(c, "second");
    W(a1, ST_STATUS, 0);
    W(a1, ST_CH0, 1);
    et_clock_step(c, 1000); /* first: irq1 high */
    W(a2, ST_BYTE, 0x5A);
    et_device *devs[] = { a1, a2 };
    size_t len;
    uint8_t *snap = save_ok(c, devs, 2, &len);

    et_clock *c2 = et_clock_new_manual();
    et_device *b1 = snaptest_new(c2, "first");
    et_device *b2 = snaptest_new(c2, "second");
    resync_probe probe = { .rec = { .clock = c2 }, .other = b2 };
    snaptest_connect(b1, probe_sink, &probe);
    W(b2, ST_BYTE, 0x11);
    et_device *devs2[] = { b1, b2 };
    load_ok(c2, devs2, 2, snap, len);
    /* The first device's lines were delivered after the second device was
     * loaded, each exactly once, low ones included (sinks are idempotent). */
    assert_int_equal(probe.rec.n, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(probe.rec.ev[i].n, i);
        assert_int_equal(probe.other_byte[i], 0x5A);
    }
    assert_int_equal(probe.rec.ev[0].level, 0);
    assert_int_equal(probe.rec.ev[1].level, 1);
    assert_int_equal(probe.rec.ev[2].level, 0);

    free(snap);
    et_device_free(a1);
    et_device_free(a2);
    et_device_free(b1);
    et_device_free(b2);
    et_clock_free(c);
    et_clock_free(c2);
    rec_free(&probe.rec);
}

/* --- lock order ------------------------------------------------------------ */

static int lockdep_reports;

static void count_report(const char *report, void *opaque)
{
    (void)report;
    (void)opaque;
    lockdep_reports++;
}

/* Two device types listed both ways round, and more devices than the
 * checker tracks per thread: no inversion is ever reported, because every
 * save and load takes device locks in one global order. */
static void test_device_locks_taken_in_one_order(void **state)
{
    (void)state;
    et_lockdep_set_report_handler(count_report, NULL);
    lockdep_reports = 0;
    et_clock *c = et_clock_new_manual();
    char err[256];
    et_test_countdown_config cfg = { .tick_ns = 1000 };
    et_device *cd = et_test_countdown_new(c, "countdown", &cfg, err, sizeof(err));
    assert_non_null(cd);
    et_device *st = snaptest_new(c, "snaptest");
    et_device *order1[] = { cd, st };
    et_device *order2[] = { st, cd };
    size_t len;
    uint8_t *s1 = save_ok(c, order1, 2, &len);
    load_ok(c, order2, 2, s1, len);
    free(s1);
    uint8_t *s2 = save_ok(c, order2, 2, &len);
    load_ok(c, order1, 2, s2, len);
    free(s2);

    enum { MANY = 40 };
    et_device *many[MANY];
    for (int i = 0; i < MANY; i++) {
        char name[16];
        snprintf(name, sizeof(name), "t%d", i);
        many[i] = snaptest_new(c, name);
        W(many[i], ST_BYTE, (uint32_t)i);
    }
    uint8_t *s3 = save_ok(c, many, MANY, &len);
    W(many[7], ST_BYTE, 99);
    load_ok(c, many, MANY, s3, len);
    assert_int_equal(R(many[7], ST_BYTE), 7);
    free(s3);
    /* And a lock of each class is still free and usable. */
    W(cd, TCD_RELOAD, 5);
    assert_int_equal(R(cd, TCD_RELOAD), 5);

    assert_int_equal(lockdep_reports, 0);
    et_lockdep_set_report_handler(NULL, NULL);
    for (int i = 0; i < MANY; i++) {
        et_device_free(many[i]);
    }
    et_device_free(cd);
    et_device_free(st);
    et_clock_free(c);
}

/* Timers of equal deadline fire in the order they were armed (FIFO); a
 * restored machine keeps that order, across devices too, whatever the
 * order of the devices and fields in the snapshot. */
static void test_equal_deadlines_keep_their_order(void **state)
{
    (void)state;
    et_clock *c = et_clock_new_manual();
    recorder r = { .clock = c };
    et_device *a = snaptest_new(c, "a");
    et_device *b = snaptest_new(c, "b");
    snaptest_connect(a, rec_sink, &r);
    for (unsigned i = 0; i < et_device_irq_count(b); i++) {
        et_irq_connect(et_device_irq(b, i), rec_sink, &r, 10 + (int)i);
    }
    /* All at 5000 ns, armed b.ch1, a.ch0, b.ch0 (both b's set b's irq1 on
     * the first hit): irq1 of b (11), then of a (1). */
    W(b, ST_CH0 + 4, 10);
    W(a, ST_CH0, 10);
    W(b, ST_CH0, 10);
    et_device *devs[] = { b, a };
    size_t len;
    uint8_t *snap = save_ok(c, devs, 2, &len);

    et_clock *c2 = et_clock_new_manual();
    et_clock_set(c2, 777);
    recorder r2 = { .clock = c2 };
    et_device *a2 = snaptest_new(c2, "a");
    et_device *b2 = snaptest_new(c2, "b");
    snaptest_connect(a2, rec_sink, &r2);
    for (unsigned i = 0; i < et_device_irq_count(b2); i++) {
        et_irq_connect(et_device_irq(b2, i), rec_sink, &r2, 10 + (int)i);
    }
    /* Armed the other way round before the load. Declaration order
     * (a.ch0, b.ch0, b.ch1) would give a's interrupt first. */
    W(a2, ST_CH0, 1);
    W(b2, ST_CH0, 2);
    et_device *devs2[] = { a2, b2 };
    load_ok(c2, devs2, 2, snap, len);
    rec_clear(&r, 0);
    rec_clear(&r2, 0);
    et_clock_step(c, 5000);
    et_clock_step(c2, 5000);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.ev[0].n, 11);
    assert_int_equal(r.ev[1].n, 1);
    assert_int_equal(r2.n, 2);
    assert_int_equal(r2.ev[0].n, 11);
    assert_int_equal(r2.ev[1].n, 1);
    assert_int_equal(r2.ev[1].t, 5000);

    free(snap);
    et_device_free(a);
    et_device_free(b);
    et_device_free(a2);
    et_device_free(b2);
    et_clock_free(c);
    et_clock_free(c2);
    rec_free(&r);
    rec_free(&r2);
}

/* --- errors of save --------------------------------------------------------- */

static const et_device_ops stateless_ops = {
    .type = "stateless", .region_size = ST_REGION, .access_sizes = ET_ACCESS_4,
    .read = snaptest_read, .write = snaptest_write, .destroy = snaptest_destroy,
};

static const et_field bad_version_fields[] = {
    ET_FIELD_U32(snaptest, ctrl, 1),
    ET_FIELD_U32(snaptest, status, 3),
    ET_FIELD_END
};
static const et_vmstate bad_version_state = { "snaptest", 2, bad_version_fields };
static const et_device_ops bad_version_ops = SNAPTEST_OPS(&bad_version_state);

static void expect_save_error(et_clock *c, et_device **devs, size_t n, const char *what)
{
    uint8_t *buf = (uint8_t *)"x";
    size_t len = 1;
    char err[256] = "";
    assert_int_equal(et_snapshot_save(c, devs, n, "m", &buf, &len, err, sizeof(err)), ET_EINVAL);
    assert_null(buf);
    assert_int_equal(len, 0);
    if (!strstr(err, what)) {
        fail_msg("error '%s' does not mention '%s'", err, what);
    }
}

static void test_save_errors(void **state)
{
    (void)state;
    et_clock *c = et_clock_new_manual();
    et_clock *other = et_clock_new_manual();
    et_device *a = snaptest_new(c, "same");
    et_device *b = snaptest_new(c, "same");
    et_device *elsewhere = snaptest_new(other, "elsewhere");
    et_device *two[] = { a, b };
    expect_save_error(c, two, 2, "two devices are named 'same'");
    et_device *mixed[] = { a, elsewhere };
    expect_save_error(c, mixed, 2, "device 'elsewhere' is on another clock");

    snaptest *raw = (snaptest *)snaptest_new(c, "nostate");
    raw->dev.ops = &stateless_ops;
    et_device *ns = &raw->dev;
    expect_save_error(c, &ns, 1, "device 'nostate' (stateless) declares no saved state");
    raw->dev.ops = &bad_version_ops;
    expect_save_error(c, &ns, 1, "field 'status' has version 3, above its state's version 2");
    raw->dev.ops = &snaptest_ops_v2;
    et_timer *saved_alarm = raw->alarm;
    raw->alarm = NULL;
    expect_save_error(c, &ns, 1, "field 'alarm' element 0 is a NULL timer");
    raw->alarm = saved_alarm;
    expect_save_error(NULL, &a, 1, "required");

    et_device_free(a);
    et_device_free(b);
    et_device_free(ns);
    et_device_free(elsewhere);
    et_clock_free(c);
    et_clock_free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_exact_values),
        cmocka_unit_test(test_field_added_later_gets_default),
        cmocka_unit_test(test_realtime_deadline_passed_is_applied),
        cmocka_unit_test(test_realtime_popped_firing_is_saved),
        cmocka_unit_test(test_lines_resync_after_every_device_is_loaded),
        cmocka_unit_test(test_equal_deadlines_keep_their_order),
        cmocka_unit_test(test_device_locks_taken_in_one_order),
        cmocka_unit_test(test_save_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
