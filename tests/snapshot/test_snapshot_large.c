/* Large crafted snapshots: tens of thousands of devices or fields, with the
 * one duplicate name at the very end. Every name is checked against every
 * one before it, so a parse that did that by comparing them in turn would be
 * quadratic in the file's size (a 560 KB file took seconds); the engine
 * uses hash tables. What is asserted is what must hold whatever the
 * machine's speed: a valid large file is read whole, the late duplicate is
 * found and named, a load names the first saved field or device the
 * machine lacks, and the work done is linear: the name comparisons the
 * engine counts stay below a few per name (comparing each name with every
 * one before it would make N * (N - 1) / 2 of them, 800 million here). The files are built here, byte by byte from
 * docs/snapshot-format.md, not stored. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "core/snapshot_internal.h"
#include "snap_testdev.h"
#include "snap_testutil.h"

/* --- a writer of the format ------------------------------------------------ */

typedef struct out {
    uint8_t *p;
    size_t len, cap;
} out;

static void put(out *o, uint64_t v, unsigned n)
{
    if (o->cap - o->len < n) {
        o->cap = o->cap ? 2 * o->cap : 4096;
        o->p = realloc(o->p, o->cap);
        assert_non_null(o->p);
    }
    le_put(o->p + o->len, v, n);
    o->len += n;
}

static void put_bytes(out *o, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put(o, ((const uint8_t *)p)[i], 1);
    }
}

static void put_str(out *o, const char *s)
{
    put(o, strlen(s), 2);
    put_bytes(o, s, strlen(s));
}

/* A u8 field of one element: 2 + strlen(name) + 1 + 4 + 1 bytes. */
static void put_u8_field(out *o, const char *name)
{
    put_str(o, name);
    put(o, 2, 1); /* u8 */
    put(o, 1, 4);
    put(o, 0, 1);
}

/* Format 2, machine "m", manual clock at 0; the caller writes the devices. */
static void put_header(out *o, uint32_t n_devices)
{
    put_bytes(o, "ETSNAP\r\n", 8);
    put(o, 2, 4);
    put(o, 0, 4); /* body length: snap_fix */
    put_str(o, "m");
    put(o, 0, 1);
    put(o, 0, 1);
    put(o, 0, 8);
    put(o, n_devices, 4);
}

/* No same-deadline order, room for the CRC; fixes length and CRC. */
static void put_end(out *o)
{
    put(o, 0, 4);
    put(o, 0, 4);
    snap_fix(o->p, o->len);
}

/* One device "big" of n_fields u8 fields f00000, f00001, ...; the last one
 * named dup_name instead, if given. */
static out one_device(uint32_t n_fields, const char *dup_name)
{
    out o = { 0 };
    put_header(&o, 1);
    put_str(&o, "big");
    put_str(&o, "bigstate");
    put(&o, 1, 4);
    put(&o, n_fields, 4);
    for (uint32_t f = 0; f < n_fields; f++) {
        char name[16];
        snprintf(name, sizeof(name), "f%05u", f);
        put_u8_field(&o, f + 1 == n_fields && dup_name ? dup_name : name);
    }
    put_end(&o);
    return o;
}

/* n_devices devices d00000, d00001, ... of one field each; the last one
 * named dup_name instead, if given. */
static out many_devices(uint32_t n_devices, const char *dup_name)
{
    out o = { 0 };
    put_header(&o, n_devices);
    for (uint32_t d = 0; d < n_devices; d++) {
        char name[16];
        snprintf(name, sizeof(name), "d%05u", d);
        put_str(&o, d + 1 == n_devices && dup_name ? dup_name : name);
        put_str(&o, "small");
        put(&o, 1, 4);
        put(&o, 1, 4);
        put_u8_field(&o, "x");
    }
    put_end(&o);
    return o;
}

/* 40000 fields of 14 bytes: a 560 KB file. */
enum { N_BIG = 40000 };

/* At most 4 name comparisons per name looked up: in tables at most half
 * full, a lookup probes about 1.5 slots on average; 4 leaves room for
 * clustering without admitting anything that grows with N. */
#define LINEAR_BOUND(names) (4 * (uint64_t)(names))

static void expect_linear(uint64_t compares_before, uint64_t names, const char *what)
{
    uint64_t used = et__snap_name_compares() - compares_before;
    if (used > LINEAR_BOUND(names)) {
        fail_msg("%s: %llu name comparisons for %llu names", what, (unsigned long long)used,
                 (unsigned long long)names);
    }
}

static void expect_describe_error(const out *o, const char *what)
{
    char err[512] = "";
    FILE *sink = fopen("/dev/null", "w");
    assert_non_null(sink);
    assert_int_equal(et_snapshot_describe(o->p, o->len, sink, err, sizeof(err)), ET_EFORMAT);
    assert_int_equal(et_snapshot_describe_json(o->p, o->len, sink, err, sizeof(err)), ET_EFORMAT);
    fclose(sink);
    if (!strstr(err, what)) {
        fail_msg("error '%s' does not mention '%s'", err, what);
    }
}

static void test_many_fields(void **state)
{
    (void)state;
    out o = one_device(N_BIG, NULL);
    assert_true(o.len > 550000);
    /* Read whole: the description names the last field. */
    char *text = NULL;
    size_t text_len = 0;
    FILE *f = open_memstream(&text, &text_len);
    assert_non_null(f);
    char err[512] = "";
    uint64_t before = et__snap_name_compares();
    assert_int_equal(et_snapshot_describe(o.p, o.len, f, err, sizeof(err)), 0);
    expect_linear(before, N_BIG + 1, "a device of 40000 fields");
    fclose(f);
    assert_non_null(strstr(text, "device big: bigstate state version 1, 40000 fields\n"));
    assert_non_null(strstr(text, "\n  f39999: u8 = 0\n"));
    free(text);
    free(o.p);

    /* The last field repeats the first name, or the one just before it. */
    o = one_device(N_BIG, "f00000");
    before = et__snap_name_compares();
    expect_describe_error(&o, "device 0 has two fields named 'f00000'");
    expect_linear(before, 2 * (N_BIG + 1), "a late duplicate field (two parses)");
    free(o.p);
    o = one_device(N_BIG, "f39998");
    expect_describe_error(&o, "device 0 has two fields named 'f39998'");
    free(o.p);
}

static void test_many_devices(void **state)
{
    (void)state;
    out o = many_devices(N_BIG, NULL);
    char err[512] = "";
    FILE *sink = fopen("/dev/null", "w");
    assert_non_null(sink);
    uint64_t before = et__snap_name_compares();
    assert_int_equal(et_snapshot_describe_json(o.p, o.len, sink, err, sizeof(err)), 0);
    expect_linear(before, 2 * N_BIG, "40000 devices");
    fclose(sink);
    free(o.p);
    o = many_devices(N_BIG, "d00000");
    before = et__snap_name_compares();
    expect_describe_error(&o, "two devices are named 'd00000'");
    expect_linear(before, 2 * 2 * N_BIG, "a late duplicate device (two parses)");
    free(o.p);
}

/* A real snapshot of one snaptest device "dev" with n extra records spliced
 * in after that device's last field: fields (its field count raised) or
 * devices (the device count raised). */
static out spliced(et_clock *c, et_device *dev, bool fields, uint32_t n)
{
    uint8_t *snap = NULL;
    size_t len = 0;
    char err[256] = "";
    assert_int_equal(et_snapshot_save(c, &dev, 1, "m", &snap, &len, err, sizeof(err)), 0);
    snap_loc loc;
    assert_true(snap_find(snap, len, "dev", "added_v2", &loc)); /* its last field */
    out o = { 0 };
    put_bytes(&o, snap, loc.end);
    for (uint32_t i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "extra%05u", i);
        if (fields) {
            put_u8_field(&o, name);
        } else {
            put_str(&o, name);
            put_str(&o, "small");
            put(&o, 1, 4);
            put(&o, 1, 4);
            put_u8_field(&o, "x");
        }
    }
    put_bytes(&o, snap + loc.end, len - loc.end); /* the order and the CRC */
    size_t count_at = fields ? loc.version + 4 : loc.clock_now + 8;
    le_put(o.p + count_at, le_get(o.p + count_at, 4) + n, 4);
    snap_fix(o.p, o.len);
    free(snap);
    return o;
}

static void expect_load_error(et_clock *c, et_device *dev, const out *o, const char *what)
{
    char err[512] = "";
    assert_int_equal(et_snapshot_load(c, &dev, 1, "m", o->p, o->len, err, sizeof(err)), ET_EMISMATCH);
    if (!strstr(err, what)) {
        fail_msg("error '%s' does not mention '%s'", err, what);
    }
}

static void test_load_names_the_first_unknown(void **state)
{
    (void)state;
    et_clock *c = et_clock_new_manual();
    et_device *dev = snaptest_new(c, "dev");
    /* Names looked up: the parse's, plus one per field the device declares. */
    out o = spliced(c, dev, true, N_BIG);
    uint64_t before = et__snap_name_compares();
    expect_load_error(c, dev, &o,
                      "snapshot device 'dev' has field 'extra00000', unknown to this build");
    expect_linear(before, 2 * N_BIG + 100, "a device with 40000 unknown fields");
    free(o.p);
    o = spliced(c, dev, false, N_BIG);
    before = et__snap_name_compares();
    expect_load_error(c, dev, &o, "snapshot device 'extra00000' is not part of this machine");
    expect_linear(before, 2 * N_BIG + 100, "40000 unknown devices");
    free(o.p);
    /* The splice itself is sound: with nothing spliced the load succeeds. */
    o = spliced(c, dev, false, 0);
    char err[512] = "";
    assert_int_equal(et_snapshot_load(c, &dev, 1, "m", o.p, o.len, err, sizeof(err)), 0);
    free(o.p);
    et_device_free(dev);
    et_clock_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_fields),
        cmocka_unit_test(test_many_devices),
        cmocka_unit_test(test_load_names_the_first_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
