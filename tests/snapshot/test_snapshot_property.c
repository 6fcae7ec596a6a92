/* The snapshot property, for every device model that registered a test
 * adapter (tests/support/adapter_*.c; picked up automatically) and for the
 * local "snaptest" device:
 *
 *   run a random guest program on machine A (a manual clock at a random
 *   base time; half the time starting from the adapter's running
 *   configuration), snapshot it at a random instant; build machine B on a fresh
 *   clock at another base time, run B's own random program, reset it, let
 *   time pass, then load the snapshot (QEMU's loadvm order); now feed A and B
 *   the same further inputs (register accesses and clock steps) and require
 *   the same reply to every access, the same interrupt events (line, level,
 *   time since the snapshot) and finally byte-identical snapshots.
 *
 * Also, per adapter: the saved state covers every timer, ptimer and output
 * line the device registered, and every plain field's size matches its type.
 *
 * Each run prints its seed; EMUTIME_SEED replays it, EMUTIME_SNAPSHOT_CASES
 * sets the number of cases per device (default 2000). Each device also stops
 * at its share of a 4 s time budget (at least 0.4 s), which the output
 * reports: sanitizer builds run fewer cases, never for much longer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>

#include "core/device_internal.h"
#include "snap_testdev.h"
#include "snap_testutil.h"

#define DEFAULT_CASES 2000
#define TOTAL_BUDGET_NS 4000000000ll /* shared by all devices */
#define MIN_BUDGET_NS 400000000ll

static uint64_t master_seed;
static int64_t budget_ns;

/* What the cases compared, to show they are not vacuous. */
static struct {
    unsigned long events, nonzero_replies, armed_at_snapshot;
} stats;

/* --- the local snaptest adapter ----------------------------------------- */

static et_device *snaptest_create(et_clock *clock, bool running, et_irq_sink_fn sink,
                                  void *opaque, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    et_device *d = snaptest_new(clock, "snaptest");
    snaptest_connect(d, sink, opaque);
    if (running) {
        et_device_write(d, ST_LOAD, 10, 4);
        et_device_write(d, ST_CTRL, ST_CTRL_EN | ST_CTRL_IE, 4);
    }
    return d;
}

static const uint32_t snaptest_offsets[] = {
    ST_CTRL, ST_LOAD, ST_VALUE, ST_STATUS, ST_ALARM, ST_FLAG, ST_BYTE, ST_HALF, ST_QLO,
    ST_QHI, ST_SIGNED, ST_ARR0, ST_ARR0 + 4, ST_ARR0 + 8, ST_VAR, ST_CH0, ST_CH0 + 4,
    ST_ADDED, ST_EXP,
};

static const et_test_adapter snaptest_adapter = {
    .name = "snaptest",
    .create = snaptest_create,
    .offsets = snaptest_offsets,
    .n_offsets = sizeof(snaptest_offsets) / sizeof(snaptest_offsets[0]),
    .sizes = ET_ACCESS_4,
};

ET_TEST_ADAPTER_REGISTER(snaptest_adapter)

/* --- one case ------------------------------------------------------------ */

typedef struct machine {
    et_clock *clock;
    et_device *dev;
    recorder rec;
} machine;

static bool machine_new(machine *m, const et_test_adapter *a, int64_t base, bool running,
                        char *msg, size_t len)
{
    char err[256] = "";
    memset(m, 0, sizeof(*m));
    m->clock = et_clock_new_manual();
    et_clock_set(m->clock, base);
    m->rec.clock = m->clock;
    m->dev = a->create(m->clock, running, rec_sink, &m->rec, err, sizeof(err));
    if (!m->dev) {
        snprintf(msg, len, "create failed: %s", err);
        return false;
    }
    return true;
}

static void machine_free(machine *m)
{
    if (m->dev) {
        et_device_free(m->dev);
    }
    et_clock_free(m->clock);
    rec_free(&m->rec);
}

static void describe_op(const prog_op *op, char *out, size_t len)
{
    switch (op->kind) {
    case OP_READ:
        snprintf(out, len, "read 0x%x/%u", op->offset, op->size);
        break;
    case OP_WRITE:
        snprintf(out, len, "write 0x%x/%u <- 0x%" PRIx64, op->offset, op->size, op->value);
        break;
    case OP_STEP:
        snprintf(out, len, "step %" PRId64 " ns", op->ns);
        break;
    case OP_STEP_NEXT:
        snprintf(out, len, "step to the next deadline");
        break;
    }
}

static bool events_equal(const recorder *a, const recorder *b, char *msg, size_t len)
{
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        if (a->ev[i].n != b->ev[i].n || a->ev[i].level != b->ev[i].level ||
            a->ev[i].t != b->ev[i].t) {
            snprintf(msg, len,
                     "interrupt event %zu differs: original line %d level %d at +%" PRId64
                     " ns, restored line %d level %d at +%" PRId64 " ns",
                     i, a->ev[i].n, a->ev[i].level, a->ev[i].t, b->ev[i].n, b->ev[i].level,
                     b->ev[i].t);
            return false;
        }
    }
    if (a->n != b->n) {
        const recorder *more = a->n > b->n ? a : b;
        snprintf(msg, len,
                 "the %s machine has %zu more interrupt events (next: line %d level %d at "
                 "+%" PRId64 " ns)",
                 a->n > b->n ? "original" : "restored", more->n - n, more->ev[n].n,
                 more->ev[n].level, more->ev[n].t);
        return false;
    }
    return true;
}

static bool snapshot_of(machine *m, uint8_t **buf, size_t *len, char *msg, size_t msglen)
{
    char err[256] = "";
    if (et_snapshot_save(m->clock, &m->dev, 1, "prop", buf, len, err, sizeof(err))) {
        snprintf(msg, msglen, "save failed: %s", err);
        return false;
    }
    return true;
}

static bool run_case(const et_test_adapter *a, uint64_t seed, char *msg, size_t len)
{
    uint64_t rng = seed;
    machine ma, mb;
    bool ok = false;
    uint8_t *snap = NULL, *end_a = NULL, *end_b = NULL;
    size_t snap_len = 0, la = 0, lb = 0;
    char what[128];
    memset(&mb, 0, sizeof(mb));

    int64_t base_a = rng_below(&rng, 4) ? (int64_t)rng_below(&rng, UINT64_C(1) << 40) : 0;
    /* Half the machines start from the adapter's running configuration (a
     * fast periodic timer, interrupt enabled), which random writes alone
     * rarely reach on devices with several enables (HPET). */
    bool running = rng_below(&rng, 2) == 0;
    if (!machine_new(&ma, a, base_a, running, msg, len)) {
        et_clock_free(ma.clock);
        return false;
    }
    unsigned prefix = (unsigned)rng_below(&rng, 60);
    for (unsigned k = 0; k < prefix; k++) {
        prog_op op;
        rng_op(&rng, a, &op);
        apply_op(ma.clock, ma.dev, &op);
    }
    int64_t t_snap = et_clock_now(ma.clock);
    if (!snapshot_of(&ma, &snap, &snap_len, msg, len)) {
        goto out;
    }
    if (et_clock_deadline(ma.clock) != ET_NO_DEADLINE) {
        stats.armed_at_snapshot++;
    }

    /* Machine B: elsewhere in time, its own history, reset, time passes. */
    int64_t base_b = (int64_t)rng_below(&rng, UINT64_C(1) << 41) + 1;
    if (!machine_new(&mb, a, base_b, rng_below(&rng, 2) == 0, msg, len)) {
        goto out;
    }
    unsigned own = (unsigned)rng_below(&rng, 20);
    for (unsigned k = 0; k < own; k++) {
        prog_op op;
        rng_op(&rng, a, &op);
        apply_op(mb.clock, mb.dev, &op);
    }
    et_device_reset(mb.dev);
    et_clock_step(mb.clock, (int64_t)rng_below(&rng, 1000000));
    char err[256] = "";
    if (et_snapshot_load(mb.clock, &mb.dev, 1, "prop", snap, snap_len, err, sizeof(err))) {
        snprintf(msg, len, "load failed: %s", err);
        goto out;
    }
    if (et_clock_now(mb.clock) != t_snap) {
        snprintf(msg, len, "restored clock reads %" PRId64 ", snapshot taken at %" PRId64,
                 et_clock_now(mb.clock), t_snap);
        goto out;
    }
    unsigned n_irqs = et_device_irq_count(ma.dev);
    for (unsigned i = 0; i < n_irqs && i < REC_LINES; i++) {
        if (ma.rec.level[i] != mb.rec.level[i]) {
            snprintf(msg, len, "after the load, line %u is %d at the restored sink, %d at the "
                     "original's", i, mb.rec.level[i], ma.rec.level[i]);
            goto out;
        }
    }

    rec_clear(&ma.rec, t_snap);
    rec_clear(&mb.rec, t_snap);
    unsigned suffix = 20 + (unsigned)rng_below(&rng, 60);
    for (unsigned k = 0; k < suffix; k++) {
        prog_op op;
        rng_op(&rng, a, &op);
        uint64_t ra = apply_op(ma.clock, ma.dev, &op);
        uint64_t rb = apply_op(mb.clock, mb.dev, &op);
        describe_op(&op, what, sizeof(what));
        stats.nonzero_replies += ra != 0;
        if (ra != rb) {
            snprintf(msg, len, "input %u after the snapshot (%s): original replied 0x%" PRIx64
                     ", restored 0x%" PRIx64, k, what, ra, rb);
            goto out;
        }
        if (et_clock_now(ma.clock) != et_clock_now(mb.clock)) {
            snprintf(msg, len, "input %u (%s): the clocks diverged (%" PRId64 " vs %" PRId64 ")",
                     k, what, et_clock_now(ma.clock), et_clock_now(mb.clock));
            goto out;
        }
        char why[256];
        if (!events_equal(&ma.rec, &mb.rec, why, sizeof(why))) {
            snprintf(msg, len, "after input %u (%s): %s", k, what, why);
            goto out;
        }
    }
    stats.events += ma.rec.n;
    if (!snapshot_of(&ma, &end_a, &la, msg, len) || !snapshot_of(&mb, &end_b, &lb, msg, len)) {
        goto out;
    }
    if (la != lb || memcmp(end_a, end_b, la) != 0) {
        snprintf(msg, len, "the final snapshots differ (%zu and %zu bytes)", la, lb);
        goto out;
    }
    ok = true;

out:
    free(snap);
    free(end_a);
    free(end_b);
    machine_free(&ma);
    if (mb.clock) {
        machine_free(&mb);
    }
    return ok;
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static unsigned cases_per_device(void)
{
    const char *env = getenv("EMUTIME_SNAPSHOT_CASES");
    if (env && *env) {
        unsigned long n = strtoul(env, NULL, 0);
        return n ? (unsigned)n : 1;
    }
    return DEFAULT_CASES;
}

static void test_property(void **state)
{
    const et_test_adapter *a = *state;
    unsigned cases = cases_per_device();
    uint64_t adapter_seed = master_seed;
    for (const char *p = a->name; *p; p++) {
        adapter_seed = (adapter_seed ^ (uint8_t)*p) * 0x100000001B3ull;
    }
    int64_t start = mono_ns();
    unsigned done = 0;
    memset(&stats, 0, sizeof(stats));
    for (unsigned i = 0; i < cases; i++) {
        uint64_t s = adapter_seed ^ (0x9E3779B97F4A7C15ull * (i + 1));
        uint64_t case_seed = rng_next(&s);
        char msg[512] = "";
        if (!run_case(a, case_seed, msg, sizeof(msg))) {
            fail_msg("%s, case %u: %s\n  replay: EMUTIME_SEED=0x%" PRIx64
                     " (case seed 0x%" PRIx64 ")",
                     a->name, i, msg, master_seed, case_seed);
        }
        done++;
        if (mono_ns() - start > budget_ns) {
            break;
        }
    }
    printf("%s: %u cases passed%s; %lu with a timer armed at the snapshot, %lu interrupt "
           "events and %lu non-zero replies compared\n",
           a->name, done, done < cases ? " (stopped at the time budget)" : "",
           stats.armed_at_snapshot, stats.events, stats.nonzero_replies);
}

/* --- coverage of the declaration ----------------------------------------- */

static size_t memory_size(et_field_type type)
{
    switch (type) {
    case ET_FT_BOOL: return sizeof(bool);
    case ET_FT_U8: return 1;
    case ET_FT_U16: return 2;
    case ET_FT_U32: return 4;
    case ET_FT_U64:
    case ET_FT_I64: return 8;
    case ET_FT_PTIMER:
    case ET_FT_TIMER: return sizeof(void *);
    case ET_FT_IRQ: return sizeof(et_irq_line);
    case ET_FIELD_END_: break;
    }
    return 0;
}

static void test_state_covers_device(void **state)
{
    const et_test_adapter *a = *state;
    char err[256] = "";
    et_clock *c = et_clock_new_manual();
    recorder rec = { .clock = c };
    et_device *dev = a->create(c, false, rec_sink, &rec, err, sizeof(err));
    if (!dev) {
        fail_msg("%s: create failed: %s", a->name, err);
    }
    const et_vmstate *vs = dev->ops->state;
    if (!vs) {
        fail_msg("%s: the device declares no saved state", a->name);
    }
    enum { MAX = 256 };
    const void *saved_timers[MAX], *saved_lines[MAX];
    size_t n_timers = 0, n_lines = 0, n_ptimers = 0;
    for (const et_field *f = vs->fields; f->name; f++) {
        if (!strchr(f->name, '.') && f->stride != memory_size(f->type)) {
            fail_msg("%s: field '%s' is %zu bytes, its type needs %zu", a->name, f->name,
                     f->stride, memory_size(f->type));
        }
        uint32_t count = f->count;
        uint8_t *base = (uint8_t *)dev + f->offset;
        if (f->flags & ET_FIELD_F_VARCOUNT) {
            memcpy(&count, (uint8_t *)dev + f->count_offset, sizeof(count));
        }
        if (f->flags & ET_FIELD_F_POINTER) {
            memcpy(&base, (uint8_t *)dev + f->offset, sizeof(base));
        }
        for (uint32_t i = 0; i < count; i++) {
            uint8_t *p = base + (size_t)i * f->stride + f->elem_offset;
            void *obj;
            switch (f->type) {
            case ET_FT_PTIMER:
                memcpy(&obj, p, sizeof(obj));
                assert_true(n_timers < MAX);
                saved_timers[n_timers++] = et__ptimer_timer(obj);
                n_ptimers++;
                break;
            case ET_FT_TIMER:
                memcpy(&obj, p, sizeof(obj));
                assert_true(n_timers < MAX);
                saved_timers[n_timers++] = obj;
                break;
            case ET_FT_IRQ:
                assert_true(n_lines < MAX);
                saved_lines[n_lines++] = p;
                break;
            default:
                break;
            }
        }
    }
    if (n_ptimers != dev->n_ptimers) {
        fail_msg("%s: %zu ptimers saved, the device has %zu", a->name, n_ptimers,
                 dev->n_ptimers);
    }
    for (size_t i = 0; i < dev->n_timers; i++) {
        bool found = false;
        for (size_t k = 0; k < n_timers && !found; k++) {
            found = saved_timers[k] == dev->timers[i];
        }
        if (!found) {
            fail_msg("%s: device timer %zu is not in the saved state", a->name, i);
        }
    }
    for (unsigned i = 0; i < et_device_irq_count(dev); i++) {
        bool found = false;
        for (size_t k = 0; k < n_lines && !found; k++) {
            found = saved_lines[k] == et_device_irq(dev, i);
        }
        if (!found) {
            fail_msg("%s: output line %u ('%s') is not in the saved state", a->name, i,
                     et_device_irq(dev, i)->name);
        }
    }
    et_device_free(dev);
    et_clock_free(c);
    rec_free(&rec);
}

int main(void)
{
    et_set_log_sink(quiet_log, NULL);
    master_seed = test_seed();
    printf("snapshot property: seed 0x%" PRIx64 " (replay with EMUTIME_SEED=0x%" PRIx64 ")\n",
           master_seed, master_seed);
    size_t n = et_test_adapter_count();
    budget_ns = n ? TOTAL_BUDGET_NS / (int64_t)n : TOTAL_BUDGET_NS;
    if (budget_ns < MIN_BUDGET_NS) {
        budget_ns = MIN_BUDGET_NS;
    }
    struct CMUnitTest *tests = calloc(2 * n + 1, sizeof(*tests));
    char (*names)[96] = calloc(2 * n + 1, sizeof(*names));
    assert_non_null(tests);
    assert_non_null(names);
    for (size_t i = 0; i < n; i++) {
        const et_test_adapter *a = et_test_adapter_get(i);
        snprintf(names[2 * i], sizeof(names[0]), "%s: saved state covers the device", a->name);
        snprintf(names[2 * i + 1], sizeof(names[0]), "%s: restore then replay", a->name);
        tests[2 * i] = (struct CMUnitTest){ names[2 * i], test_state_covers_device, NULL, NULL,
                                            (void *)a };
        tests[2 * i + 1] = (struct CMUnitTest){ names[2 * i + 1], test_property, NULL, NULL,
                                                (void *)a };
    }
    int rc = _cmocka_run_group_tests("snapshot property", tests, 2 * n, NULL, NULL);
    free(tests);
    free(names);
    return rc;
}
