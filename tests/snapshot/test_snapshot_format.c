/* The snapshot format over time. Snapshots written by earlier format
 * versions (tests/snapshot/data/v1-snaptest.snap, format 1, committed) keep
 * loading with exact values; the writer still produces the committed
 * snapshot of the current format (v2-snaptest.snap) byte for byte; the
 * description `emutime snapshot info` prints is stable. Also the CRC-32 and
 * the file helpers.
 *
 * Each data file was made once, by the build of its format version, with
 *     test_snapshot_format --generate tests/snapshot/data
 * (which writes the current version's file). Never regenerate one to make a
 * test pass: an old snapshot that stops loading is exactly the regression
 * this file is here to catch. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/crc32.h"
#include "snap_testdev.h"
#include "snap_testutil.h"

#define W(dev, reg, v) et_device_write((dev), (reg), (v), 4)
#define R(dev, reg) et_device_read((dev), (reg), 4)

#define GOLDEN_V1 "v1-snaptest.snap"
#define GOLDEN_V2 "v2-snaptest.snap"
#define GOLDEN_MACHINE "golden-board"

/* The golden machine: two snaptest devices saving state version 1 (before
 * added_v2 existed), each with a 3-element heap array. */
static void golden_machine(et_clock *c, et_device *devs[2], unsigned version)
{
    devs[0] = snaptest_new_version(c, "timer0", 3, version);
    devs[1] = snaptest_new_version(c, "timer1", 3, version);
}

/* The program behind the golden file, from clock time 1 s. */
static void golden_program(et_clock *c, et_device *devs[2])
{
    et_device *t0 = devs[0], *t1 = devs[1];
    et_clock_set(c, 1000000000);
    W(t0, ST_LOAD, 1000);                   /* 1 ms periodic */
    W(t0, ST_CTRL, ST_CTRL_EN | ST_CTRL_IE); /* expiries at 1.001 s, 1.002 s, ... */
    W(t0, ST_ALARM, 5000);                  /* 1.005 s */
    W(t0, ST_FLAG, 1);
    W(t0, ST_BYTE, 0x42);
    W(t0, ST_HALF, 0x1234);
    W(t0, ST_QLO, 0x44556677);
    W(t0, ST_QHI, 0x00112233);
    W(t0, ST_SIGNED, (uint32_t)-2);
    W(t0, ST_ARR0, 10);
    W(t0, ST_ARR0 + 4, 20);
    W(t0, ST_ARR0 + 8, 30);
    W(t0, ST_VAR, 5);
    W(t0, ST_VAR, 6);                       /* var = {5, 6, 0}, cursor 2 */
    W(t0, ST_CH0, 4);                       /* 1.000002 s */
    W(t0, ST_CH0 + 4, 2000000);             /* 2.000000 s */
    W(t1, ST_LOAD, 7);
    W(t1, ST_CTRL, ST_CTRL_EN | ST_CTRL_ONESHOT); /* once, at 1.000007 s */
    et_clock_step(c, 2500); /* now 1.0000025 s: channel 0 of timer0 has hit */
}

/* Format 2 adds the firing order of equal deadlines: the v2 file also has
 * two channels of timer1 due with timer0's expiry at 1.001 s, armed
 * channel 1 first. From 1.0000025 s, 1995 * 500 ns = 997.5 us. */
static void golden_program_v2(et_clock *c, et_device *devs[2])
{
    golden_program(c, devs);
    W(devs[1], ST_CH0 + 4, 1995);
    W(devs[1], ST_CH0, 1995);
    W(devs[1], ST_ADDED, 0x31);
}

/* What this build writes for the current format's golden machine. */
static uint8_t *golden_bytes(size_t *len)
{
    et_clock *c = et_clock_new_manual();
    et_device *devs[2];
    golden_machine(c, devs, 2);
    golden_program_v2(c, devs);
    uint8_t *buf = NULL;
    char err[256] = "";
    if (et_snapshot_save(c, devs, 2, GOLDEN_MACHINE, &buf, len, err, sizeof(err))) {
        fprintf(stderr, "save failed: %s\n", err);
        abort();
    }
    et_device_free(devs[0]);
    et_device_free(devs[1]);
    et_clock_free(c);
    return buf;
}

static char *golden_path(const char *name)
{
    static char path[4096];
    const char *src = getenv("EMUTIME_SOURCE_DIR");
    if (src && *src) {
        snprintf(path, sizeof(path), "%s/tests/snapshot/data/%s", src, name);
    } else {
        /* This file's directory (CMake compiles with absolute paths). */
        snprintf(path, sizeof(path), "%s", __FILE__);
        char *slash = strrchr(path, '/');
        snprintf(slash ? slash + 1 : path, sizeof(path) - (size_t)(slash ? slash + 1 - path : 0),
                 "data/%s", name);
    }
    return path;
}

static uint8_t *read_golden(const char *name, size_t *len)
{
    uint8_t *buf = NULL;
    char err[512] = "";
    if (et_snapshot_read_file(golden_path(name), &buf, len, err, sizeof(err))) {
        fail_msg("%s", err);
    }
    return buf;
}

static void test_v1_snapshot_loads_with_exact_values(void **state)
{
    (void)state;
    size_t len;
    uint8_t *golden = read_golden(GOLDEN_V1, &len);
    et_clock *c = et_clock_new_manual();
    et_clock_set(c, 5);
    et_device *devs[2];
    golden_machine(c, devs, 2); /* today's state version */
    recorder rec0 = { .clock = c }, rec1 = { .clock = c };
    snaptest_connect(devs[0], rec_sink, &rec0);
    snaptest_connect(devs[1], rec_sink, &rec1);
    W(devs[0], ST_ADDED, 0x99);
    char err[256] = "";
    if (et_snapshot_load(c, devs, 2, GOLDEN_MACHINE, golden, len, err, sizeof(err))) {
        fail_msg("the v1 snapshot no longer loads: %s", err);
    }
    et_device *t0 = devs[0], *t1 = devs[1];

    assert_int_equal(et_clock_now(c), 1000002500);
    /* timer0: next expiry 1.001 s, so floor(997500 / 1000) counts left. */
    assert_int_equal(R(t0, ST_VALUE), 997);
    assert_int_equal(R(t0, ST_LOAD), 1000);
    assert_int_equal(R(t0, ST_CTRL), ST_CTRL_EN | ST_CTRL_IE);
    assert_int_equal(R(t0, ST_STATUS), 2);
    assert_int_equal(R(t0, ST_ALARM), 0);
    assert_int_equal(R(t0, ST_FLAG), 1);
    assert_int_equal(R(t0, ST_BYTE), 0x42);
    assert_int_equal(R(t0, ST_HALF), 0x1234);
    assert_int_equal(R(t0, ST_QLO), 0x44556677);
    assert_int_equal(R(t0, ST_QHI), 0x00112233);
    assert_int_equal(R(t0, ST_SIGNED), 0xFFFFFFFE);
    assert_int_equal(R(t0, ST_ARR0), 10);
    assert_int_equal(R(t0, ST_ARR0 + 4), 20);
    assert_int_equal(R(t0, ST_ARR0 + 8), 30);
    assert_int_equal(R(t0, ST_VAR), 11);
    assert_int_equal(R(t0, ST_CH0), 1);
    assert_int_equal(R(t0, ST_CH0 + 4), 0);
    assert_int_equal(R(t0, ST_EXP), 0);
    /* Added in state version 2: the declared default, whatever was there. */
    assert_int_equal(R(t0, ST_ADDED), 0x20);
    assert_int_equal(rec0.level[0], 0);
    assert_int_equal(rec0.level[1], 1);
    /* timer1: its one shot at 1.000007 s, floor(4500 / 1000) counts left. */
    assert_int_equal(R(t1, ST_VALUE), 4);
    assert_int_equal(R(t1, ST_CTRL), ST_CTRL_EN | ST_CTRL_ONESHOT);

    /* The restored future, at the exact instants. */
    et_clock_step(c, 4499);
    assert_int_equal(R(t1, ST_EXP), 0);
    et_clock_step(c, 1);
    assert_int_equal(R(t1, ST_EXP), 1);
    assert_int_equal(R(t1, ST_VALUE), 0);
    et_clock_set(c, 1000999999);
    assert_int_equal(R(t0, ST_EXP), 0);
    et_clock_step(c, 1);
    assert_int_equal(R(t0, ST_EXP), 1);
    assert_int_equal(rec0.level[0], 1);
    et_clock_set(c, 1004999999);
    assert_int_equal(R(t0, ST_ALARM), 0);
    et_clock_step(c, 1);
    assert_int_equal(R(t0, ST_ALARM), 1);
    et_clock_set(c, 1999999999);
    assert_int_equal(R(t0, ST_CH0 + 4), 0);
    et_clock_step(c, 1);
    assert_int_equal(R(t0, ST_CH0 + 4), 1);

    free(golden);
    et_device_free(t0);
    et_device_free(t1);
    et_clock_free(c);
    rec_free(&rec0);
    rec_free(&rec1);
}

/* While the format is version 2, the writer must still produce the golden
 * file byte for byte: any change of encoding needs a new format version
 * (and this test then moves to that version's file). */
static void test_writer_still_produces_v2(void **state)
{
    (void)state;
    assert_int_equal(ET_SNAPSHOT_FORMAT_VERSION, 2);
    size_t len, glen;
    uint8_t *mine = golden_bytes(&len);
    uint8_t *golden = read_golden(GOLDEN_V2, &glen);
    assert_int_equal(len, glen);
    assert_memory_equal(mine, golden, len);
    free(mine);
    free(golden);
}

/* The v2 file loads into a machine elsewhere in time, which then saves the
 * same bytes at the same instant: every field, deadline and the firing
 * order of the three timers due at 1.001 s came back. */
static void test_v2_snapshot_round_trips(void **state)
{
    (void)state;
    size_t len;
    uint8_t *golden = read_golden(GOLDEN_V2, &len);
    et_clock *c = et_clock_new_manual();
    et_clock_set(c, 3000000000);
    et_device *devs[2];
    golden_machine(c, devs, 2);
    recorder rec = { .clock = c };
    snaptest_connect(devs[0], rec_sink, &rec);
    for (unsigned i = 0; i < et_device_irq_count(devs[1]); i++) {
        et_irq_connect(et_device_irq(devs[1], i), rec_sink, &rec, 10 + (int)i);
    }
    /* Armed the other way round: the load must not keep this order. */
    W(devs[1], ST_CH0, 1);
    W(devs[1], ST_CH0 + 4, 1);
    char err[256] = "";
    if (et_snapshot_load(c, devs, 2, GOLDEN_MACHINE, golden, len, err, sizeof(err))) {
        fail_msg("the v2 snapshot does not load: %s", err);
    }
    assert_int_equal(R(devs[1], ST_ADDED), 0x31);
    uint8_t *again = NULL;
    size_t again_len = 0;
    assert_int_equal(
        et_snapshot_save(c, devs, 2, GOLDEN_MACHINE, &again, &again_len, err, sizeof(err)), 0);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, golden, len);

    /* At 1.000007 s timer1's one shot pulses its tick (12); at 1.001 s
     * timer0's expiry (tick pulse, irq0), then timer1's channel 1 (its
     * irq1, 11), then channel 0 (no change). */
    rec_clear(&rec, 1000002500);
    et_clock_set(c, 1001000000);
    assert_int_equal(rec.n, 6);
    assert_int_equal(rec.ev[0].n, 12);
    assert_int_equal(rec.ev[0].t, 4500);
    assert_int_equal(rec.ev[2].n, 2);
    assert_int_equal(rec.ev[4].n, 0);
    assert_int_equal(rec.ev[5].n, 11);
    assert_int_equal(rec.ev[5].t, 997500);
    assert_int_equal(R(devs[1], ST_CH0), 1);
    assert_int_equal(R(devs[1], ST_CH0 + 4), 1);

    free(again);
    free(golden);
    et_device_free(devs[0]);
    et_device_free(devs[1]);
    et_clock_free(c);
    rec_free(&rec);
}

static const char expected_description[] =
    "emutime snapshot, format version 1, 800 bytes, CRC-32 0x%08x\n"
    "machine: golden-board\n"
    "clock: manual, now 1000002500 ns\n"
    "devices: 2\n"
    "device timer0: snaptest state version 1, 18 fields\n"
    "  ctrl: u32 = 5\n"
    "  status: u32 = 2\n"
    "  pt: ptimer = periodic, limit 1000 (0x3e8), count 1000 (0x3e8), period 1000 ns + "
    "0/2^32, last event 1000000000 ns, next event 1001000000 ns, armed at 1001000000 ns\n"
    "  alarm: timer = armed at 1005000000 ns\n"
    "  alarm_fired: u16 = 0\n"
    "  flag: bool = true\n"
    "  byte: u8 = 66 (0x42)\n"
    "  half: u16 = 4660 (0x1234)\n"
    "  q: u64 = 4822678189205111 (0x11223344556677)\n"
    "  s: i64 = -2\n"
    "  arr: u32[3] = {10 (0xa), 20 (0x14), 30 (0x1e)}\n"
    "  var: u16[3] = {5, 6, 0}\n"
    "  cursor: u32 = 2\n"
    "  ch.hits: u32[2] = {1, 0}\n"
    "  ch.t[0]: timer = not armed\n"
    "  ch.t[1]: timer = armed at 2000000000 ns\n"
    "  irq: irq[2] = {low, high}\n"
    "  tick: irq = low\n"
    "  expiries: u32 = 0\n"
    "device timer1: snaptest state version 1, 18 fields\n"
    "  ctrl: u32 = 3\n"
    "  status: u32 = 0\n"
    "  pt: ptimer = oneshot, limit 7, count 7, period 1000 ns + 0/2^32, last event "
    "1000000000 ns, next event 1000007000 ns, armed at 1000007000 ns\n"
    "  alarm: timer = not armed\n"
    "  alarm_fired: u16 = 0\n"
    "  flag: bool = false\n"
    "  byte: u8 = 0\n"
    "  half: u16 = 0\n"
    "  q: u64 = 0\n"
    "  s: i64 = 0\n"
    "  arr: u32[3] = {0, 0, 0}\n"
    "  var: u16[3] = {0, 0, 0}\n"
    "  cursor: u32 = 0\n"
    "  ch.hits: u32[2] = {0, 0}\n"
    "  ch.t[0]: timer = not armed\n"
    "  ch.t[1]: timer = not armed\n"
    "  irq: irq[2] = {low, low}\n"
    "  tick: irq = low\n"
    "  expiries: u32 = 0\n";

static void test_describe(void **state)
{
    (void)state;
    size_t len;
    uint8_t *golden = read_golden(GOLDEN_V1, &len);
    char *text = NULL;
    size_t text_len = 0;
    FILE *f = open_memstream(&text, &text_len);
    assert_non_null(f);
    char err[256] = "";
    assert_int_equal(et_snapshot_describe(golden, len, f, err, sizeof(err)), 0);
    fclose(f);
    char expected[sizeof(expected_description) + 16];
    snprintf(expected, sizeof(expected), expected_description,
             (unsigned)le_get(golden + len - 4, 4));
    assert_string_equal(text, expected);
    free(text);

    /* An invalid snapshot: an error, and nothing printed. */
    f = open_memstream(&text, &text_len);
    golden[len / 2] ^= 0x40;
    assert_int_equal(et_snapshot_describe(golden, len, f, err, sizeof(err)), ET_EFORMAT);
    fclose(f);
    assert_non_null(strstr(err, "checksum mismatch"));
    assert_int_equal(text_len, 0);
    free(text);
    free(golden);

    /* Format 2 adds the same-deadline order. */
    golden = read_golden(GOLDEN_V2, &len);
    f = open_memstream(&text, &text_len);
    assert_int_equal(et_snapshot_describe(golden, len, f, err, sizeof(err)), 0);
    fclose(f);
    assert_non_null(strstr(text, "emutime snapshot, format version 2, "));
    assert_non_null(strstr(text, "  ch.t[0]: timer = armed at 1001000000 ns\n"
                                 "  ch.t[1]: timer = armed at 1001000000 ns\n"));
    const char *order = "same-deadline order: 3 timers\n"
                        "  at 1001000000 ns: timer0.pt, timer1.ch.t[1], timer1.ch.t[0]\n";
    assert_non_null(strstr(text, order));
    assert_string_equal(text + strlen(text) - strlen(order), order);
    free(text);
    free(golden);
}

/* --- CRC-32 ----------------------------------------------------------------- */

static void test_crc32(void **state)
{
    (void)state;
    /* The standard check value of CRC-32/ISO-HDLC (zlib, PNG). */
    assert_int_equal(et__crc32(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(et__crc32(0, "", 0), 0);
    /* Table-driven, 4 bytes at a time, against the bitwise definition, at
     * every length and alignment up to 64, and piecewise. */
    uint8_t buf[80];
    uint64_t s = 12345;
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)rng_next(&s);
    }
    for (size_t off = 0; off < 8; off++) {
        for (size_t n = 0; n + off <= 72; n++) {
            assert_int_equal(et__crc32(0, buf + off, n), ref_crc32(buf + off, n));
        }
    }
    for (size_t cut = 0; cut <= 64; cut++) {
        uint32_t c = et__crc32(0, buf, cut);
        assert_int_equal(et__crc32(c, buf + cut, 64 - cut), ref_crc32(buf, 64));
    }
}

/* --- files ------------------------------------------------------------------ */

static void test_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/emutime-snapfile-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/machine.snap", dir);
    char err[512] = "";

    size_t len;
    uint8_t *golden = golden_bytes(&len);
    assert_int_equal(et_snapshot_write_file(path, golden, len, err, sizeof(err)), 0);
    /* Overwriting replaces the whole file (rename), leaving no temporary. */
    assert_int_equal(et_snapshot_write_file(path, golden, len / 2, err, sizeof(err)), 0);
    assert_int_equal(et_snapshot_write_file(path, golden, len, err, sizeof(err)), 0);
    uint8_t *back = NULL;
    size_t back_len = 0;
    assert_int_equal(et_snapshot_read_file(path, &back, &back_len, err, sizeof(err)), 0);
    assert_int_equal(back_len, len);
    assert_memory_equal(back, golden, len);
    free(back);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int entries = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            entries++;
            assert_string_equal(e->d_name, "machine.snap");
        }
    }
    closedir(d);
    assert_int_equal(entries, 1);

    /* Errors name the file and the reason. */
    char missing[300];
    snprintf(missing, sizeof(missing), "%s/none.snap", dir);
    assert_int_equal(et_snapshot_read_file(missing, &back, &back_len, err, sizeof(err)),
                     ET_ESYSTEM);
    assert_non_null(strstr(err, missing));
    assert_non_null(strstr(err, strerror(ENOENT)));
    assert_null(back);
    char nodir[300];
    snprintf(nodir, sizeof(nodir), "%s/no/such/dir.snap", dir);
    assert_int_equal(et_snapshot_write_file(nodir, golden, len, err, sizeof(err)), ET_ESYSTEM);
    assert_non_null(strstr(err, nodir));

    free(golden);
    unlink(path);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--generate") == 0) {
        char path[4096], err[512];
        snprintf(path, sizeof(path), "%s/v%d-snaptest.snap", argv[2], ET_SNAPSHOT_FORMAT_VERSION);
        size_t len;
        uint8_t *buf = golden_bytes(&len);
        if (et_snapshot_write_file(path, buf, len, err, sizeof(err))) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        printf("wrote %s (%zu bytes)\n", path, len);
        free(buf);
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_snapshot_loads_with_exact_values),
        cmocka_unit_test(test_writer_still_produces_v2),
        cmocka_unit_test(test_v2_snapshot_round_trips),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_crc32),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
