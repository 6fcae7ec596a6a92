/* RISC-V ACLINT snapshots: the QEMU 7.2 "time frozen after loadvm" bug as a
 * test. QEMU's loadvm resets the machine (mtime := 0 recomputes the offset),
 * lets time pass, then loads a state that holds only mtimecmp: the offset
 * and the armed timers are lost, so mtime jumps and pending timer interrupts
 * vanish (docs/divergences.md, RISC-V ACLINT). Here the saved state holds the offset, the armed
 * deadlines and the MTIP levels, and nothing is recomputed on load.
 *
 * Hand-worked timeline used below (10 MHz, 100 ns per tick):
 *   t0 = 1 000 000 007 ns: raw ticks = floor(10 000 000.07) = 10 000 000;
 *       the guest writes mtime = M, so offset = M - 10 000 000;
 *       hart 0: mtimecmp = M + 5000, reached at raw 10 005 000,
 *               i.e. at exactly 1 000 500 000 ns;
 *       hart 1: mtimecmp = M - 1 (already reached: MTIP raised).
 *   ts = t0 + 123 = 1 000 000 130 ns: raw 10 000 001, mtime = M + 1. Save.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "emutime/devices/riscv_aclint.h"
#include "emutime/emutime.h"
#include "emutime/snapshot.h"

#define MTIME 0x7FF8u
#define M UINT64_C(0x0000123456789ABC)
#define T0 INT64_C(1000000007)
#define TS INT64_C(1000000130)
#define T_FIRE INT64_C(1000500000)

/* An idempotent sink: load re-synchronises lines with levels they may
 * already have. Records every call. */
#define MAX_CALLS 64
typedef struct line_log {
    et_clock *clock;
    int level[8];
    struct { int n, level; int64_t t; } call[MAX_CALLS];
    unsigned n_calls;
} line_log;

static void log_sink(void *opaque, int n, int level)
{
    line_log *l = opaque;
    assert_true(n >= 0 && n < 8);
    l->level[n] = level;
    if (l->n_calls < MAX_CALLS) {
        l->call[l->n_calls].n = n;
        l->call[l->n_calls].level = level;
        l->call[l->n_calls].t = et_clock_now(l->clock);
        l->n_calls++;
    }
}

/* One RISC-V "virt"-like machine: two sockets of 2 harts each (the second
 * MTIMER with hartid-base 2), one MSWI, one SSWI. */
typedef struct machine {
    et_clock *clock;
    et_device *dev[4]; /* mtimer0, mtimer1, mswi, sswi */
    line_log log[4];
} machine;

static void machine_init(machine *m, et_clock *clock)
{
    char err[256] = "";
    static const char *names[4] = { "mtimer0", "mtimer1", "mswi", "sswi" };
    memset(m, 0, sizeof(*m));
    m->clock = clock;
    for (int s = 0; s < 2; s++) {
        et_riscv_aclint_mtimer_config cfg = ET_RISCV_ACLINT_MTIMER_DEFAULTS;
        cfg.num_harts = 2;
        cfg.hartid_base = 2 * (uint32_t)s;
        m->dev[s] = et_riscv_aclint_mtimer_new(clock, names[s], &cfg, err, sizeof(err));
        assert_non_null(m->dev[s]);
    }
    et_riscv_aclint_swi_config swi = { .hartid_base = 0, .num_harts = 4, .sswi = false };
    m->dev[2] = et_riscv_aclint_swi_new(clock, names[2], &swi, err, sizeof(err));
    swi.sswi = true;
    m->dev[3] = et_riscv_aclint_swi_new(clock, names[3], &swi, err, sizeof(err));
    assert_non_null(m->dev[2]);
    assert_non_null(m->dev[3]);
    for (int d = 0; d < 4; d++) {
        m->log[d].clock = clock;
        for (unsigned i = 0; i < et_device_irq_count(m->dev[d]); i++) {
            et_irq_line *line = et_device_irq(m->dev[d], i);
            m->log[d].level[i] = et_irq_level(line);
            et_irq_connect(line, log_sink, &m->log[d], (int)i);
        }
    }
}

static void machine_free(machine *m)
{
    for (int d = 0; d < 4; d++) {
        et_device_free(m->dev[d]);
    }
}

static void clear_logs(machine *m)
{
    for (int d = 0; d < 4; d++) {
        m->log[d].n_calls = 0;
    }
}

/* The guest program up to the save point (see the timeline above). */
static void guest_programs(machine *m)
{
    et_clock_set(m->clock, T0);
    et_device *s0 = m->dev[0], *s1 = m->dev[1];
    et_device_write(s0, MTIME, M, 8);
    et_device_write(s0, 0x0, M + 5000, 8);
    et_device_write(s0, 0x8, M - 1, 8);
    /* Socket 1 keeps its own mtime (reset value counting since creation at
     * 0: 10 000 000 at t0); its hart 3 (relative 1) is due at 10 000 300. */
    et_device_write(s1, 0x0, UINT64_MAX, 8);
    et_device_write(s1, 0x8, UINT64_C(10000300), 8);
    et_device_write(m->dev[2], 0x4, 1, 4); /* MSIP of hart 1 */
    et_clock_set(m->clock, TS);
    assert_int_equal(et_device_read(s0, MTIME, 8), M + 1);
    assert_int_equal(et_device_read(s1, MTIME, 8), UINT64_C(10000001));
}

static void save(machine *m, uint8_t **buf, size_t *len)
{
    char err[256] = "";
    if (et_snapshot_save(m->clock, m->dev, 4, "virt", buf, len, err, sizeof(err)) != 0) {
        fail_msg("save: %s", err);
    }
}

static void load(machine *m, const uint8_t *buf, size_t len)
{
    char err[256] = "";
    if (et_snapshot_load(m->clock, m->dev, 4, "virt", buf, len, err, sizeof(err)) != 0) {
        fail_msg("load: %s", err);
    }
}

/* What must hold right after a load of the snapshot taken at TS, and from
 * there on. */
static void check_restored_future(machine *m)
{
    et_device *s0 = m->dev[0], *s1 = m->dev[1];
    assert_int_equal(et_clock_now(m->clock), TS);
    assert_int_equal(et_device_read(s0, MTIME, 8), M + 1); /* exactly where it was */
    assert_int_equal(et_device_read(s0, 0x0, 8), M + 5000);
    assert_int_equal(et_device_read(s0, 0x8, 8), M - 1);
    assert_int_equal(et_device_read(s1, MTIME, 8), UINT64_C(10000001));
    assert_int_equal(et_device_read(s1, 0x8, 8), UINT64_C(10000300));
    assert_int_equal(et_device_read(m->dev[2], 0x4, 4), 1);
    assert_int_equal(et_device_read(m->dev[2], 0x0, 4), 0);
    /* The sinks were told the loaded levels. */
    assert_int_equal(m->log[0].level[0], 0);
    assert_int_equal(m->log[0].level[1], 1);
    assert_int_equal(m->log[1].level[0], 0);
    assert_int_equal(m->log[1].level[1], 0);
    assert_int_equal(m->log[2].level[1], 1);
    assert_int_equal(m->log[2].level[0], 0);
    assert_int_equal(et_riscv_aclint_mtimer_mtip(s0, 0), 0);
    assert_int_equal(et_riscv_aclint_mtimer_mtip(s0, 1), 1);

    /* The armed deadlines: socket 1 hart 3 at raw 10 000 300 = 1 000 030 000
     * ns, socket 0 hart 0 at 1 000 500 000 ns, each exactly once. */
    assert_int_equal(et_clock_deadline(m->clock), INT64_C(1000030000));
    clear_logs(m);
    et_clock_set(m->clock, T_FIRE - 1);
    assert_int_equal(m->log[1].n_calls, 1);
    assert_int_equal(m->log[1].call[0].n, 1);
    assert_int_equal(m->log[1].call[0].level, 1);
    assert_int_equal(m->log[1].call[0].t, INT64_C(1000030000));
    assert_int_equal(m->log[0].n_calls, 0);
    assert_int_equal(et_device_read(s0, MTIME, 8), M + 4999);
    et_clock_step(m->clock, 1);
    assert_int_equal(m->log[0].n_calls, 1);
    assert_int_equal(m->log[0].call[0].n, 0);
    assert_int_equal(m->log[0].call[0].level, 1);
    assert_int_equal(m->log[0].call[0].t, T_FIRE);
    assert_int_equal(et_device_read(s0, MTIME, 8), M + 5000);
    /* And time keeps running at the right rate: one second later. */
    et_clock_set(m->clock, TS + 1000000000);
    assert_int_equal(et_device_read(s0, MTIME, 8), M + 1 + 10000000);
    assert_int_equal(et_clock_deadline(m->clock), ET_NO_DEADLINE);
}

/* Save; reset the machine and let time pass, as QEMU's loadvm does; load. */
static void test_restore_after_reset_and_time_passing(void **state)
{
    (void)state;
    machine m;
    et_clock *clock = et_clock_new_manual();
    machine_init(&m, clock);
    guest_programs(&m);
    uint8_t *buf = NULL;
    size_t len = 0;
    save(&m, &buf, &len);

    for (int d = 0; d < 4; d++) {
        et_device_reset(m.dev[d]);
    }
    et_clock_step(clock, INT64_C(10000000000)); /* 10 s */
    /* After the reset mtime counts from 0 (10 s = 100 000 000 ticks) and
     * the guest scribbles on everything before the load. */
    assert_int_equal(et_device_read(m.dev[0], MTIME, 8), UINT64_C(100000000));
    et_device_write(m.dev[0], 0x0, 7, 8);
    et_device_write(m.dev[0], 0x8, UINT64_C(1) << 40, 8);
    et_device_write(m.dev[1], MTIME, 99, 8);
    et_device_write(m.dev[2], 0x0, 1, 4);

    load(&m, buf, len);
    check_restored_future(&m);
    free(buf);
    machine_free(&m);
    et_clock_free(clock);
}

/* Restore into a fresh machine whose clock started elsewhere (a new
 * process): same future, to the nanosecond. */
static void test_restore_into_fresh_machine(void **state)
{
    (void)state;
    machine a, b;
    et_clock *ca = et_clock_new_manual();
    machine_init(&a, ca);
    guest_programs(&a);
    uint8_t *buf = NULL;
    size_t len = 0;
    save(&a, &buf, &len);
    machine_free(&a);
    et_clock_free(ca);

    et_clock *cb = et_clock_new_manual();
    et_clock_step(cb, INT64_C(42000000000));
    machine_init(&b, cb);
    load(&b, buf, len);
    check_restored_future(&b);
    free(buf);
    machine_free(&b);
    et_clock_free(cb);
}

/* A snapshot taken with the wrap timer armed (MTIP pending, mtime about to
 * wrap past 2^64) restores it too. */
static void test_restore_pending_wrap(void **state)
{
    (void)state;
    machine m;
    et_clock *clock = et_clock_new_manual();
    machine_init(&m, clock);
    et_device_write(m.dev[0], 0x0, UINT64_MAX - 9, 8);
    et_device_write(m.dev[0], 0x8, UINT64_MAX, 8);
    et_device_write(m.dev[0], MTIME, UINT64_MAX - 4, 8); /* wraps in 5 ticks */
    assert_int_equal(m.log[0].level[0], 1);
    uint8_t *buf = NULL;
    size_t len = 0;
    save(&m, &buf, &len);
    et_device_reset(m.dev[0]);
    et_clock_step(clock, 100000);
    load(&m, buf, len);
    assert_int_equal(et_clock_now(clock), 0);
    assert_int_equal(m.log[0].level[0], 1);
    clear_logs(&m);
    et_clock_step(clock, 10000);
    assert_int_equal(m.log[0].n_calls, 1);
    assert_int_equal(m.log[0].call[0].level, 0);
    assert_int_equal(m.log[0].call[0].t, 500);
    assert_int_equal(et_device_read(m.dev[0], MTIME, 8), 100 - 5);
    free(buf);
    machine_free(&m);
    et_clock_free(clock);
}

/* A snapshot of a differently sized MTIMER is refused and changes nothing. */
static void test_hart_count_mismatch_is_refused(void **state)
{
    (void)state;
    machine m;
    et_clock *clock = et_clock_new_manual();
    machine_init(&m, clock);
    guest_programs(&m);
    uint8_t *buf = NULL;
    size_t len = 0;
    save(&m, &buf, &len);

    char err[256] = "";
    et_riscv_aclint_mtimer_config cfg = ET_RISCV_ACLINT_MTIMER_DEFAULTS;
    cfg.num_harts = 3;
    et_device *other[4] = { NULL, m.dev[1], m.dev[2], m.dev[3] };
    other[0] = et_riscv_aclint_mtimer_new(clock, "mtimer0", &cfg, err, sizeof(err));
    assert_non_null(other[0]);
    et_device_write(other[0], 0x10, 77, 8);
    et_clock_step(clock, 1000);
    assert_int_equal(et_snapshot_load(clock, other, 4, "virt", buf, len, err, sizeof(err)),
                     ET_EMISMATCH);
    assert_true(err[0] != '\0');
    assert_int_equal(et_clock_now(clock), TS + 1000);
    assert_int_equal(et_device_read(other[0], 0x10, 8), 77);
    assert_int_equal(et_device_read(m.dev[1], MTIME, 8), UINT64_C(10000011));
    et_device_free(other[0]);
    free(buf);
    machine_free(&m);
    et_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restore_after_reset_and_time_passing),
        cmocka_unit_test(test_restore_into_fresh_machine),
        cmocka_unit_test(test_restore_pending_wrap),
        cmocka_unit_test(test_hart_count_mismatch_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
