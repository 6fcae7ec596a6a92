/* The one fixture of the device tests (tests/devices/): a manual clock, the
 * device under test (made by its constructor, by its shared-suite adapter's
 * name, or inside a machine), every interrupt output recorded, the log
 * captured, register access of 1/2/4/8 bytes, and stepping the clock.
 *
 *     static int setup(void **state)
 *     {
 *         device_fixture *f = df_new();
 *         et_foo_config cfg = { .clk = df_clock_input(f, "clk", 25000000) };
 *         char err[128];
 *         df_attach(f, et_foo_new(f->clock, "foo", &cfg, err, sizeof(err)), err);
 *         *state = f;
 *         return 0;
 *     }
 *     ... cmocka_unit_test_setup_teardown(test_x, setup, df_teardown) ...
 *
 * A test sees what happened on the lines in f->level/calls/changes/raises/
 * lowers/last_raise (by output index) and, in order, in f->ev.
 */
#ifndef EMUTIME_TEST_DEVICE_FIXTURE_H
#define EMUTIME_TEST_DEVICE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emutime/emutime.h"
#include "emutime/machine.h"

#define DF_MAX_LINES 4096  /* outputs recorded (the ACLINT: one per hart, up to 4095) */
#define DF_MAX_EVENTS 256  /* sink calls kept in order in ev[] */
#define DF_MAX_INPUTS 4    /* clock inputs the fixture owns */

typedef struct df_event {
    int n;     /* output index */
    int level;
    int64_t t; /* virtual time of the call */
    bool change; /* the level differed from the line's previous one */
} df_event;

typedef struct device_fixture device_fixture;
struct device_fixture {
    et_clock *clock;  /* manual; the machine's with df_new_machine */
    bool own_clock;   /* freed with the fixture */
    et_device *dev;   /* NULL for a machine fixture */
    et_machine *m;    /* NULL for a device fixture */
    et_clock_input *inputs[DF_MAX_INPUTS];
    size_t n_inputs;

    /* Per output index, what its sink saw. */
    int level[DF_MAX_LINES];          /* the last level */
    unsigned calls[DF_MAX_LINES];     /* every call */
    unsigned changes[DF_MAX_LINES];   /* calls that changed the level */
    unsigned raises[DF_MAX_LINES];    /* calls with level 1 */
    unsigned lowers[DF_MAX_LINES];    /* calls with level 0 */
    int64_t last_raise[DF_MAX_LINES]; /* the time of the last raise */
    /* Every call in order; n_ev counts them all, ev[] keeps the first
     * DF_MAX_EVENTS. */
    df_event ev[DF_MAX_EVENTS];
    size_t n_ev;
    bool count_only; /* long runs: counters only, ev[] and n_ev untouched */
    unsigned long stray; /* calls with an index past DF_MAX_LINES (df_teardown fails) */
    /* Called after recording, outside the device's lock (a board's reset
     * wired to a line may call back into the device from here). */
    void (*on_irq)(device_fixture *f, int n, int level);
    void *opaque; /* the test's own state, for on_irq */

    /* The library's log while the fixture lives (the first one alive). */
    unsigned long n_logs;
    char last_log[512];
};

/* A fixture with a manual clock at 0 and the log captured; no device yet. */
device_fixture *df_new(void);
/* The same on clock (a real-time one, say), which the fixture takes over. */
device_fixture *df_new_with(et_clock *clock);
/* A second fixture on other's clock (not freed with it), for a second
 * device in the same test. */
device_fixture *df_new_on(device_fixture *other);
/* A clock input the fixture owns (freed with it) running at hz; hz 0
 * leaves it unset (a clock that the device itself drives). */
et_clock_input *df_clock_input(device_fixture *f, const char *name, uint64_t hz);
/* The fixture's clock input called name (a failure if there is none). */
et_clock_input *df_input(device_fixture *f, const char *name);
/* Takes dev as the device under test and records each of its interrupt
 * outputs (index n in the counters); the levels start as the lines' own.
 * dev NULL fails the test with err. */
void df_attach(device_fixture *f, et_device *dev, const char *err);
/* The running device of the shared-suite adapter called name
 * (device_adapter.h), on a fresh fixture. */
device_fixture *df_new_adapter(const char *name);
/* A machine built from spec (a failure if it cannot be); the fixture's clock
 * is the machine's, and rd/wr go to the machine's address space. */
device_fixture *df_new_machine(const char *spec);
/* Records the machine's intercepted controller inputs as outputs n. */
void df_intercept(device_fixture *f, const char *controller);
/* Frees the device or machine, the clock and the inputs; restores the log. */
void df_free(device_fixture *f);
/* cmocka teardown: df_free(*state). */
int df_teardown(void **state);

/* The time of output n's k-th raise (from 0) in ev[]; a failure if ev[]
 * holds fewer. */
int64_t df_raise_time(const device_fixture *f, int n, unsigned k);
/* The level changes alone (a board's intercept may also report repeated
 * drives of a level): how many there were on every line, and the k-th
 * (from 0) in ev[], a failure if ev[] holds fewer. */
unsigned long df_count_changes(const device_fixture *f);
const df_event *df_change(const device_fixture *f, unsigned long k);
/* Forgets what the sinks saw (levels stay) and the log count. */
void df_clear_events(device_fixture *f);

uint64_t df_read(device_fixture *f, uint64_t off, unsigned size);
void df_write(device_fixture *f, uint64_t off, uint64_t v, unsigned size);

/* The accessors the tests use: rd/wr are 32-bit. */
static inline uint8_t rd8(device_fixture *f, uint64_t off) { return (uint8_t)df_read(f, off, 1); }
static inline uint16_t rd16(device_fixture *f, uint64_t off)
{
    return (uint16_t)df_read(f, off, 2);
}
static inline uint32_t rd(device_fixture *f, uint64_t off) { return (uint32_t)df_read(f, off, 4); }
static inline uint64_t rd64(device_fixture *f, uint64_t off) { return df_read(f, off, 8); }
static inline void wr8(device_fixture *f, uint64_t off, uint8_t v) { df_write(f, off, v, 1); }
static inline void wr16(device_fixture *f, uint64_t off, uint16_t v) { df_write(f, off, v, 2); }
static inline void wr(device_fixture *f, uint64_t off, uint32_t v) { df_write(f, off, v, 4); }
static inline void wr64(device_fixture *f, uint64_t off, uint64_t v) { df_write(f, off, v, 8); }

/* How many guest errors (bad accesses) the device has counted. */
static inline unsigned long df_guest_errors(device_fixture *f)
{
    return et_device_guest_error_count(f->dev);
}

/* Advances the clock by ns, running what falls due. */
static inline void step(device_fixture *f, int64_t ns) { et_clock_step(f->clock, ns); }
/* Moves the clock to absolute time t. */
static inline void at(device_fixture *f, int64_t t) { et_clock_set(f->clock, t); }

#endif
