/* Damaged and mismatched snapshots are rejected with a message naming the
 * problem, and the running machine is left exactly as it was: its state
 * (compared through a save), its clock and its interrupt sinks (no call).
 *
 * Real snapshots of the snaptest device and of every registered device
 * adapter are cut at every length and have every byte flipped in several
 * ways (CRC-32 detects any error confined to 32 consecutive bits, so every
 * one must be caught). Well-checksummed but invalid snapshots (wrong machine,
 * format version, state version, names, types, counts, out-of-range values,
 * absurd counts) exercise the validation behind the checksum, and random
 * mutations with the checksum repaired must never crash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "snap_testdev.h"
#include "snap_testutil.h"

#define W(dev, reg, v) et_device_write((dev), (reg), (v), 4)
#define R(dev, reg) et_device_read((dev), (reg), 4)

/* The machine a bad snapshot is loaded into, and what it looked like. */
typedef struct target {
    et_clock *clock;
    et_device *dev;
    recorder rec;
    uint8_t *baseline;
    size_t baseline_len;
    int64_t now;
} target;

static uint8_t *save(et_clock *c, et_device **devs, size_t n, size_t *len)
{
    uint8_t *buf = NULL;
    char err[256] = "";
    if (et_snapshot_save(c, devs, n, "m", &buf, len, err, sizeof(err))) {
        fail_msg("save failed: %s", err);
    }
    return buf;
}

static void target_snap(target *t)
{
    free(t->baseline);
    t->baseline = save(t->clock, &t->dev, 1, &t->baseline_len);
    t->now = et_clock_now(t->clock);
    t->rec.calls = 0;
}

static void expect_untouched(target *t, const char *context, const char *err)
{
    size_t len;
    uint8_t *now = save(t->clock, &t->dev, 1, &len);
    if (len != t->baseline_len || memcmp(now, t->baseline, len) != 0) {
        fail_msg("%s: the machine's state changed (error was '%s')", context, err);
    }
    free(now);
    if (et_clock_now(t->clock) != t->now || t->rec.calls != 0) {
        fail_msg("%s: the clock moved or a sink was called", context);
    }
}

/* Loads buf and requires a clean rejection mentioning `what` (if given). */
static void expect_rejected(target *t, const uint8_t *buf, size_t len, const char *what,
                            const char *context)
{
    char err[512] = "";
    int rc = et_snapshot_load(t->clock, &t->dev, 1, "m", buf, len, err, sizeof(err));
    if (rc == 0) {
        fail_msg("%s: a bad snapshot was accepted", context);
    }
    /* Not a snapshot at all, or one that does not fit these devices. */
    if (rc != ET_EFORMAT && rc != ET_EMISMATCH) {
        fail_msg("%s: rejected with %d (%s)", context, rc, et_strerror(rc));
    }
    if (err[0] == '\0') {
        fail_msg("%s: rejected without a message", context);
    }
    if (what && !strstr(err, what)) {
        fail_msg("%s: error '%s' does not mention '%s'", context, err, what);
    }
    expect_untouched(t, context, err);
}

static void target_free(target *t)
{
    free(t->baseline);
    et_device_free(t->dev);
    et_clock_free(t->clock);
    rec_free(&t->rec);
}

/* Every truncation, and every byte flipped by each single bit and by three
 * other patterns. */
static void truncate_and_flip(target *t, const uint8_t *snap, size_t len, const char *name)
{
    char ctx[128];
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    for (size_t cut = 0; cut < len; cut++) {
        snprintf(ctx, sizeof(ctx), "%s cut to %zu of %zu bytes", name, cut, len);
        memcpy(copy, snap, cut);
        expect_rejected(t, cut ? copy : NULL, cut, cut < 8 ? NULL : "truncated", ctx);
    }
    static const uint8_t patterns[] = { 1, 2, 4, 8, 16, 32, 64, 128, 0xff, 0x5a, 0xa5 };
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof(patterns); k++) {
            memcpy(copy, snap, len);
            copy[i] ^= patterns[k];
            snprintf(ctx, sizeof(ctx), "%s byte %zu xor 0x%02x", name, i, patterns[k]);
            expect_rejected(t, copy, len, NULL, ctx);
        }
    }
    /* One more byte after the checksum. */
    uint8_t *longer = malloc(len + 1);
    assert_non_null(longer);
    memcpy(longer, snap, len);
    longer[len] = 0;
    snprintf(ctx, sizeof(ctx), "%s with a trailing byte", name);
    expect_rejected(t, longer, len + 1, "unexpected bytes after its checksum", ctx);
    free(longer);
    free(copy);
}

static et_device *program_snaptest(et_clock *c, const char *name, uint32_t seed)
{
    et_device *d = snaptest_new(c, name);
    W(d, ST_LOAD, 50 + seed);
    W(d, ST_CTRL, ST_CTRL_EN | ST_CTRL_IE);
    W(d, ST_ALARM, 7 + seed);
    W(d, ST_CH0, 3);
    W(d, ST_FLAG, seed & 1);
    W(d, ST_BYTE, 0x10 + seed);
    W(d, ST_QHI, 0xdead0000u + seed);
    W(d, ST_SIGNED, (uint32_t)-(int32_t)seed);
    W(d, ST_VAR, 1000 + seed);
    et_clock_step(c, 2500); /* channel 0 hit: a line high */
    return d;
}

static void snaptest_target(target *t)
{
    memset(t, 0, sizeof(*t));
    t->clock = et_clock_new_manual();
    et_clock_set(t->clock, 777777);
    t->rec.clock = t->clock;
    t->dev = program_snaptest(t->clock, "dev", 9);
    snaptest_connect(t->dev, rec_sink, &t->rec);
    target_snap(t);
}

static void test_snaptest_truncations_and_flips(void **state)
{
    (void)state;
    et_clock *c = et_clock_new_manual();
    et_device *src = program_snaptest(c, "dev", 1);
    size_t len;
    uint8_t *snap = save(c, &src, 1, &len);
    target t;
    snaptest_target(&t);
    truncate_and_flip(&t, snap, len, "snaptest");
    /* The intact snapshot still loads afterwards. */
    char err[256];
    assert_int_equal(et_snapshot_load(t.clock, &t.dev, 1, "m", snap, len, err, sizeof(err)), 0);
    assert_int_equal(R(t.dev, ST_BYTE), 0x11);
    free(snap);
    target_free(&t);
    et_device_free(src);
    et_clock_free(c);
}

/* Every registered device adapter, each in a randomly programmed state. */
static void test_adapters_truncations_and_flips(void **state)
{
    (void)state;
    uint64_t seed = test_seed();
    printf("seed 0x%llx (replay with EMUTIME_SEED=0x%llx)\n", (unsigned long long)seed,
           (unsigned long long)seed);
    size_t n = et_test_adapter_count();
    for (size_t i = 0; i < n; i++) {
        const et_test_adapter *a = et_test_adapter_get(i);
        uint64_t rng = seed ^ (0x1000193ull * (i + 1));
        char err[256];

        et_clock *c = et_clock_new_manual();
        recorder rsrc = { .clock = c };
        et_device *src = a->create(c, false, rec_sink, &rsrc, err, sizeof(err));
        if (!src) {
            fail_msg("%s: create failed: %s", a->name, err);
        }
        for (int k = 0; k < 40; k++) {
            prog_op op;
            rng_op(&rng, a, &op);
            apply_op(c, src, &op);
        }
        size_t len;
        uint8_t *snap = save(c, &src, 1, &len);

        target t;
        memset(&t, 0, sizeof(t));
        t.clock = et_clock_new_manual();
        et_clock_set(t.clock, 123456789);
        t.rec.clock = t.clock;
        t.dev = a->create(t.clock, false, rec_sink, &t.rec, err, sizeof(err));
        assert_non_null(t.dev);
        for (int k = 0; k < 20; k++) {
            prog_op op;
            rng_op(&rng, a, &op);
            apply_op(t.clock, t.dev, &op);
        }
        target_snap(&t);
        truncate_and_flip(&t, snap, len, a->name);
        free(snap);
        target_free(&t);
        et_device_free(src);
        et_clock_free(c);
        rec_free(&rsrc);
    }
}

/* --- valid checksum, invalid content ------------------------------------- */

static uint8_t *snaptest_snapshot(size_t *len)
{
    et_clock *c = et_clock_new_manual();
    et_device *d = program_snaptest(c, "dev", 3);
    uint8_t *snap = save(c, &d, 1, len);
    et_device_free(d);
    et_clock_free(c);
    return snap;
}

/* A copy of snap with `n` bytes at `at` replaced, checksum repaired. */
static uint8_t *patched(const uint8_t *snap, size_t len, size_t at, uint64_t value, unsigned n)
{
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, snap, len);
    le_put(copy + at, value, n);
    snap_fix(copy, len);
    return copy;
}

static void reject_patch(target *t, const uint8_t *snap, size_t len, size_t at, uint64_t value,
                         unsigned n, const char *what)
{
    uint8_t *bad = patched(snap, len, at, value, n);
    expect_rejected(t, bad, len, what, what);
    free(bad);
}

static void test_checksummed_but_invalid(void **state)
{
    (void)state;
    size_t len;
    uint8_t *snap = snaptest_snapshot(&len);
    target t;
    snaptest_target(&t);
    snap_loc loc;

    /* The header. */
    reject_patch(&t, snap, len, 8, 3, 4, "unsupported snapshot format version 3");
    /* Format 1 had no same-deadline order: its count is left over. */
    reject_patch(&t, snap, len, 8, 1, 4, "4 unread bytes at the end of the body");
    reject_patch(&t, snap, len, 8, 0, 4, "unsupported snapshot format version 0");
    expect_rejected(&t, (const uint8_t *)"hello, world, this is not it", 28,
                    "not an emutime snapshot", "text");
    expect_rejected(&t, NULL, 0, "empty", "empty");
    {
        uint8_t bad_crc[64];
        memcpy(bad_crc, snap, 20);
        expect_rejected(&t, bad_crc, 20, "truncated", "header only");
    }
    {
        uint8_t *copy = malloc(len);
        memcpy(copy, snap, len);
        copy[len - 1] ^= 1;
        expect_rejected(&t, copy, len, "checksum mismatch", "checksum");
        free(copy);
    }

    /* The machine. */
    {
        char err[256];
        assert_int_equal(
            et_snapshot_load(t.clock, &t.dev, 1, "other", snap, len, err, sizeof(err)),
            ET_EMISMATCH);
        assert_non_null(strstr(err, "snapshot is of machine 'm', not 'other'"));
    }
    assert_true(snap_find(snap, len, "dev", NULL, &loc));
    reject_patch(&t, snap, len, loc.clock_now - 2, 2, 1, "clock kind");
    reject_patch(&t, snap, len, loc.clock_now - 1, 4, 1, "clock flags");
    reject_patch(&t, snap, len, loc.device - 4, 0xffffffffu, 4, "bad device count");
    reject_patch(&t, snap, len, loc.device - 4, 2, 4, "snapshot corrupt");
    reject_patch(&t, snap, len, loc.device - 4, 0, 4, "snapshot corrupt");
    reject_patch(&t, snap, len, loc.device + 2, 'x', 1, "snapshot has no device 'dev'");
    reject_patch(&t, snap, len, loc.state_name + 2, 'x', 1,
                 "snapshot device 'dev' holds 'xnaptest' state, this machine's is a 'snaptest'");
    reject_patch(&t, snap, len, loc.version, 3, 4,
                 "'snaptest' state version 3; this build reads up to version 2");
    reject_patch(&t, snap, len, loc.version, 0, 4, "no valid state version");
    reject_patch(&t, snap, len, loc.version + 4, 0xfffffff0u, 4, "bad field count");

    /* Fields: names, types, counts. */
    assert_true(snap_find(snap, len, "dev", "half", &loc));
    reject_patch(&t, snap, len, loc.field + 2 + 3, '_', 1,
                 "snapshot device 'dev' (state version 2) lacks field 'half'");
    reject_patch(&t, snap, len, loc.type, 0, 1, "unknown type 0");
    reject_patch(&t, snap, len, loc.type, 10, 1, "unknown type 10");
    reject_patch(&t, snap, len, loc.count, 0x7fffffff, 4, "more elements than bytes left");
    assert_true(snap_find(snap, len, "dev", "q", &loc));
    reject_patch(&t, snap, len, loc.type, 6, 1,
                 "field 'q' of device 'dev' is a i64 in the snapshot, a u64 here");
    assert_true(snap_find(snap, len, "dev", "added_v2", &loc));
    reject_patch(&t, snap, len, loc.field + 2, 'A', 1,
                 "lacks field 'added_v2'");

    /* Values out of range. */
    assert_true(snap_find(snap, len, "dev", "flag", &loc));
    reject_patch(&t, snap, len, loc.data, 2, 1, "value 2 is neither 0 nor 1");
    assert_true(snap_find(snap, len, "dev", "irq", &loc));
    reject_patch(&t, snap, len, loc.data + 1, 7, 1, "value 7 is neither 0 nor 1");
    assert_true(snap_find(snap, len, "dev", "alarm", &loc));
    reject_patch(&t, snap, len, loc.data, (uint64_t)-2, 8, "timer deadline -2 is below -1");
    assert_true(snap_find(snap, len, "dev", "pt", &loc));
    reject_patch(&t, snap, len, loc.data, 3, 1, "ptimer mode 3");
    reject_patch(&t, snap, len, loc.data + 17, (uint64_t)-1000, 8,
                 "ptimer period -1000 ns is negative");
    reject_patch(&t, snap, len, loc.data + 45, (uint64_t)-5, 8, "ptimer deadline -5");

    free(snap);
    target_free(&t);
}

/* The same-deadline order (format 2): a snapshot whose two channels are due
 * at the same instant lists them, and every entry is checked. */
static void test_bad_same_deadline_order(void **state)
{
    (void)state;
    et_clock *c = et_clock_new_manual();
    et_device *d = snaptest_new(c, "dev");
    W(d, ST_CH0, 10);
    W(d, ST_CH0 + 4, 10);
    size_t len;
    uint8_t *snap = save(c, &d, 1, &len);
    et_device_free(d);
    et_clock_free(c);
    snap_loc loc;
    assert_true(snap_find(snap, len, "dev", "added_v2", &loc));
    size_t order = loc.end; /* the count, then (device, field, element) */
    assert_int_equal(le_get(snap + order, 4), 2);
    assert_int_equal(order + 4 + 24 + 4, len);
    assert_int_equal(le_get(snap + order + 8, 4), 14);       /* field 14: ch.t */
    assert_int_equal(le_get(snap + order + 12, 4), 0);       /* ch.t[0] first */
    assert_int_equal(le_get(snap + order + 16 + 8, 4), 1);  /* then ch.t[1] */

    target t;
    snaptest_target(&t);
    reject_patch(&t, snap, len, order, 0xffffffffu, 4, "bad count of the same-deadline order");
    reject_patch(&t, snap, len, order, 1, 4, "12 unread bytes at the end of the body");
    reject_patch(&t, snap, len, order + 4, 5, 4, "same-deadline order entry 0 names no field");
    reject_patch(&t, snap, len, order + 8, 999, 4, "same-deadline order entry 0 names no field");
    reject_patch(&t, snap, len, order + 8, 0, 4,
                 "same-deadline order entry 0 is not an armed timer");
    reject_patch(&t, snap, len, order + 12, 2, 4,
                 "same-deadline order entry 0 is not an armed timer");
    reject_patch(&t, snap, len, order + 24, 0, 4,
                 "a timer appears twice in the same-deadline order");
    free(snap);
    target_free(&t);
}

/* Snapshots that are fine but do not fit this machine. */
static const et_field extra_fields[] = {
    SNAPTEST_FIELDS_V1,
    ET_FIELD_U32_V(snaptest, added_v2, 2, 0x20),
    { .name = "extra", .type = ET_FT_U32, .offset = offsetof(snaptest, expiries), .stride = 4,
      .count = 1, .version = 1 },
    ET_FIELD_END
};
static const et_vmstate extra_state = { "snaptest", 2, extra_fields };
static const et_device_ops extra_ops = SNAPTEST_OPS(&extra_state);

static void test_machine_mismatches(void **state)
{
    (void)state;
    target t;
    snaptest_target(&t);
    et_clock *c = et_clock_new_manual();
    char err[256];

    /* A device the machine does not have. */
    et_device *one = snaptest_new(c, "dev");
    et_device *two = snaptest_new(c, "two");
    et_device *both[] = { one, two };
    size_t len;
    uint8_t *snap = save(c, both, 2, &len);
    expect_rejected(&t, snap, len, "snapshot device 'two' is not part of this machine", "extra");
    /* Two saved devices of one name. */
    snap_loc loc;
    assert_true(snap_find(snap, len, "two", NULL, &loc));
    uint8_t *dup = malloc(len);
    assert_non_null(dup);
    memcpy(dup, snap, len);
    memcpy(dup + loc.device + 2, "dev", 3);
    snap_fix(dup, len);
    expect_rejected(&t, dup, len, "two devices are named 'dev'", "duplicate");
    free(dup);
    free(snap);

    /* A different element count in a variable array. */
    et_device *wide = snaptest_new_version(c, "dev", 5, 2);
    snap = save(c, &wide, 1, &len);
    expect_rejected(&t, snap, len, "field 'var' of device 'dev' has 5 elements in the snapshot, 4 here",
                    "count");
    free(snap);

    /* A field this build does not know. */
    snaptest *raw = (snaptest *)snaptest_new(c, "dev");
    raw->dev.ops = &extra_ops;
    et_device *ex = &raw->dev;
    snap = save(c, &ex, 1, &len);
    expect_rejected(&t, snap, len, "snapshot device 'dev' has field 'extra', unknown to this build",
                    "unknown field");
    free(snap);

    /* The machine's devices on another clock than the one given. */
    snap = save(c, &one, 1, &len);
    assert_int_equal(et_snapshot_load(c, &t.dev, 1, "m", snap, len, err, sizeof(err)), ET_EINVAL);
    assert_non_null(strstr(err, "device 'dev' is on another clock"));
    expect_untouched(&t, "devices on another clock", err);
    free(snap);

    et_device_free(one);
    et_device_free(two);
    et_device_free(wide);
    et_device_free(ex);
    et_clock_free(c);
    target_free(&t);
}

/* Random damage behind a repaired checksum: never a crash, and a rejected
 * load changes nothing. */
static void test_random_mutations_with_valid_checksum(void **state)
{
    (void)state;
    uint64_t seed = test_seed();
    printf("seed 0x%llx (replay with EMUTIME_SEED=0x%llx)\n", (unsigned long long)seed,
           (unsigned long long)seed);
    size_t len;
    uint8_t *snap = snaptest_snapshot(&len);
    target t;
    snaptest_target(&t);
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    unsigned accepted = 0;
    for (int i = 0; i < 4000; i++) {
        memcpy(copy, snap, len);
        int changes = 1 + (int)rng_below(&seed, 3);
        for (int k = 0; k < changes; k++) {
            size_t at = 16 + rng_below(&seed, len - 20);
            copy[at] = (uint8_t)(rng_below(&seed, 2) ? rng_next(&seed) : copy[at] ^ (1u << rng_below(&seed, 8)));
        }
        snap_fix(copy, len);
        char err[512];
        if (et_snapshot_load(t.clock, &t.dev, 1, "m", copy, len, err, sizeof(err)) == 0) {
            /* A fresh target: the mutated state may be valid yet absurd
             * (a clock years past a 1 us periodic deadline), and the next
             * save would have to catch all of that up. */
            accepted++;
            target_free(&t);
            snaptest_target(&t);
            continue;
        }
        char ctx[64];
        snprintf(ctx, sizeof(ctx), "mutation %d", i);
        expect_rejected(&t, copy, len, NULL, ctx);
    }
    printf("%u of 4000 mutated snapshots were valid and loaded\n", accepted);
    free(copy);
    free(snap);
    target_free(&t);
}

int main(void)
{
    et_set_log_sink(quiet_log, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snaptest_truncations_and_flips),
        cmocka_unit_test(test_adapters_truncations_and_flips),
        cmocka_unit_test(test_checksummed_but_invalid),
        cmocka_unit_test(test_bad_same_deadline_order),
        cmocka_unit_test(test_machine_mismatches),
        cmocka_unit_test(test_random_mutations_with_valid_checksum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
