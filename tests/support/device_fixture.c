/* The device tests' fixture (device_fixture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter_drive.h"
#include "device_fixture.h"

static void capture_log(void *opaque, const char *line)
{
    device_fixture *f = opaque;
    snprintf(f->last_log, sizeof(f->last_log), "%s", line);
    f->n_logs++;
}

/* No assertion here: a failure would jump out of the device's delivery
 * path and leave it half done; what is wrong is counted and checked when
 * the fixture is freed. */
static void record(void *opaque, int n, int level)
{
    device_fixture *f = opaque;
    if (n < 0 || n >= DF_MAX_LINES) {
        f->stray++;
        return;
    }
    int64_t t = et_clock_now(f->clock);
    f->calls[n]++;
    bool change = level != f->level[n];
    if (change) {
        f->changes[n]++;
    }
    f->level[n] = level;
    if (level) {
        f->raises[n]++;
        f->last_raise[n] = t;
    } else {
        f->lowers[n]++;
    }
    if (!f->count_only) {
        if (f->n_ev < DF_MAX_EVENTS) {
            f->ev[f->n_ev] = (df_event){ n, level, t, change };
        }
        f->n_ev++;
    }
    if (f->on_irq) {
        f->on_irq(f, n, level);
    }
}

/* The log handler is process-wide: the first fixture alive captures the
 * log, a second one (a second device in the same test) leaves it there. */
static device_fixture *log_owner;

static device_fixture *fixture_on(et_clock *clock, bool own_clock)
{
    device_fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->clock = clock;
    f->own_clock = own_clock;
    if (!log_owner) {
        log_owner = f;
        et_set_log_sink(capture_log, f);
    }
    return f;
}

device_fixture *df_new(void)
{
    return df_new_with(et_clock_new_manual());
}

device_fixture *df_new_with(et_clock *clock)
{
    assert_non_null(clock);
    return fixture_on(clock, true);
}

device_fixture *df_new_on(device_fixture *other)
{
    return fixture_on(other->clock, false);
}

et_clock_input *df_clock_input(device_fixture *f, const char *name, uint64_t hz)
{
    assert_true(f->n_inputs < DF_MAX_INPUTS);
    et_clock_input *clk = et_clock_input_new(name);
    if (hz) {
        et_clock_input_set_hz(clk, hz);
    }
    f->inputs[f->n_inputs++] = clk;
    return clk;
}

et_clock_input *df_input(device_fixture *f, const char *name)
{
    for (size_t i = 0; i < f->n_inputs; i++) {
        if (strcmp(et_clock_input_name(f->inputs[i]), name) == 0) {
            return f->inputs[i];
        }
    }
    fail_msg("the fixture has no clock input '%s'", name);
    return NULL;
}

void df_attach(device_fixture *f, et_device *dev, const char *err)
{
    if (!dev) {
        fail_msg("creating the device: %s", err ? err : "(no message)");
    }
    f->dev = dev;
    unsigned count = et_device_irq_count(dev);
    assert_true(count <= DF_MAX_LINES);
    for (unsigned i = 0; i < count; i++) {
        f->level[i] = et_irq_level(et_device_irq(dev, i));
        et_irq_connect(et_device_irq(dev, i), record, f, (int)i);
    }
}

device_fixture *df_new_adapter(const char *name)
{
    const et_test_adapter *a = et_test_adapter_find(name);
    if (!a) {
        fail_msg("no test adapter '%s'", name);
    }
    device_fixture *f = df_new();
    char err[256] = "";
    /* The adapter wires every output to one sink, with the index as n. */
    et_device *dev = a->create(f->clock, true, record, f, err, sizeof(err));
    if (!dev) {
        fail_msg("%s: %s", name, err);
    }
    f->dev = dev;
    return f;
}

device_fixture *df_new_machine(const char *spec)
{
    char err[256];
    et_machine *m = et_machine_new(spec, err, sizeof(err));
    if (!m) {
        fail_msg("%s: %s", spec, err);
    }
    device_fixture *f = fixture_on(et_machine_clock(m), false); /* the machine's */
    f->m = m;
    return f;
}

void df_intercept(device_fixture *f, const char *controller)
{
    assert_non_null(f->m);
    et_machine_set_intercept_sink(f->m, record, f);
    assert_int_equal(et_machine_intercept(f->m, controller, false), 0);
}

void df_free(device_fixture *f)
{
    if (!f) {
        return;
    }
    et_machine_free(f->m); /* with the machine's clock */
    et_device_free(f->dev);
    if (f->own_clock) {
        et_clock_free(f->clock);
    }
    for (size_t i = 0; i < f->n_inputs; i++) {
        et_clock_input_free(f->inputs[i]);
    }
    if (log_owner == f) {
        et_set_log_sink(NULL, NULL);
        log_owner = NULL;
    }
    free(f);
}

int df_teardown(void **state)
{
    device_fixture *f = *state;
    unsigned long stray = f ? f->stray : 0;
    df_free(f);
    *state = NULL;
    if (stray) {
        fail_msg("%lu sink calls with an output index past DF_MAX_LINES", stray);
    }
    return 0;
}

int64_t df_raise_time(const device_fixture *f, int n, unsigned k)
{
    for (size_t i = 0; i < f->n_ev && i < DF_MAX_EVENTS; i++) {
        if (f->ev[i].n == n && f->ev[i].level && k-- == 0) {
            return f->ev[i].t;
        }
    }
    if (f->n_ev > DF_MAX_EVENTS) {
        fail_msg("more than DF_MAX_EVENTS sink calls: ev[] holds the first %d", DF_MAX_EVENTS);
    }
    fail_msg("output %d was raised fewer times than asked", n);
    return -1;
}

unsigned long df_count_changes(const device_fixture *f)
{
    unsigned long total = 0;
    for (size_t i = 0; i < DF_MAX_LINES; i++) {
        total += f->changes[i];
    }
    return total;
}

const df_event *df_change(const device_fixture *f, unsigned long k)
{
    for (size_t i = 0; i < f->n_ev && i < DF_MAX_EVENTS; i++) {
        if (f->ev[i].change && k-- == 0) {
            return &f->ev[i];
        }
    }
    fail_msg("ev[] holds fewer level changes than asked");
    return NULL;
}

void df_clear_events(device_fixture *f)
{
    memset(f->calls, 0, sizeof(f->calls));
    memset(f->changes, 0, sizeof(f->changes));
    memset(f->raises, 0, sizeof(f->raises));
    memset(f->lowers, 0, sizeof(f->lowers));
    memset(f->last_raise, 0, sizeof(f->last_raise));
    f->n_ev = 0;
    f->n_logs = 0;
    f->last_log[0] = '\0';
}

uint64_t df_read(device_fixture *f, uint64_t off, unsigned size)
{
    return f->m ? et_machine_read(f->m, off, size) : et_device_read(f->dev, off, size);
}

void df_write(device_fixture *f, uint64_t off, uint64_t v, unsigned size)
{
    if (f->m) {
        et_machine_write(f->m, off, v, size);
    } else {
        et_device_write(f->dev, off, v, size);
    }
}
