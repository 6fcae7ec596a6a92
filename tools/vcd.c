/* --vcd: a value-change dump (IEEE 1364 section 18) that GTKWave opens.
 * Timescale 1 ns. Every device output line is a 1-bit wire, changed at the
 * exact virtual time of the change; every counter the board names (a
 * timer's VALUE, the HPET main counter, mtime) is a register sampled after
 * each command. A pulse (raise and lower at the same instant) is written
 * as both changes at that time, which viewers show as no change. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

typedef struct vcd_line {
    char id[8];
    int level;
} vcd_line;

typedef struct vcd_counter {
    char id[8];
    et_device *dev;
    const et_board_counter *desc;
    uint64_t value;
} vcd_counter;

struct tool_vcd {
    FILE *f;
    et_machine *m;
    int64_t last_time;
    vcd_line *lines;        /* per device output, flattened */
    size_t *line_base;      /* first line index of each device */
    size_t n_lines;
    vcd_counter *counters;
    size_t n_counters;
};

/* Short identifiers from the printable range '!'..'~'. */
static void make_id(size_t n, char *id)
{
    size_t i = 0;
    do {
        id[i++] = (char)('!' + n % 94);
        n /= 94;
    } while (n && i < 7);
    id[i] = '\0';
}

static void at_time(tool_vcd *v, int64_t t)
{
    if (t > v->last_time) {
        fprintf(v->f, "#%" PRIi64 "\n", t);
        v->last_time = t;
    }
}

static void write_counter(tool_vcd *v, const vcd_counter *c)
{
    char bits[65];
    unsigned width = c->desc->size * 8;
    unsigned start = width;
    for (unsigned i = 0; i < width; i++) {
        bits[i] = (c->value >> (width - 1 - i)) & 1 ? '1' : '0';
        if (bits[i] == '1' && start == width) {
            start = i;
        }
    }
    bits[width] = '\0';
    /* Leading zeros may be left out; keep one digit. */
    fprintf(v->f, "b%s %s\n", start == width ? "0" : bits + start, c->id);
}

static void on_line(void *opaque, size_t dev, unsigned output, int level)
{
    tool_vcd *v = opaque;
    vcd_line *l = &v->lines[v->line_base[dev] + output];
    at_time(v, et_clock_now(et_machine_clock(v->m)));
    fprintf(v->f, "%d%s\n", level ? 1 : 0, l->id);
    l->level = level;
}

static uint64_t read_counter(const vcd_counter *c)
{
    tool_trace_suppress(true);
    uint64_t value = et_device_read(c->dev, c->desc->offset, c->desc->size);
    tool_trace_suppress(false);
    return value;
}

void tool_vcd_sample(void *opaque)
{
    tool_vcd *v = opaque;
    bool stamped = false;
    for (size_t i = 0; i < v->n_counters; i++) {
        vcd_counter *c = &v->counters[i];
        uint64_t value = read_counter(c);
        if (value != c->value) {
            if (!stamped) {
                at_time(v, et_clock_now(et_machine_clock(v->m)));
                stamped = true;
            }
            c->value = value;
            write_counter(v, c);
        }
    }
}

tool_vcd *tool_vcd_open(const char *path, et_machine *m, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    tool_vcd *v = calloc(1, sizeof(*v));
    v->f = f;
    v->m = m;
    size_t n_devs = et_machine_device_count(m);
    v->line_base = calloc(n_devs + 1, sizeof(*v->line_base));
    for (size_t i = 0; i < n_devs; i++) {
        v->line_base[i] = v->n_lines;
        v->n_lines += et_device_irq_count(et_machine_device(m, i));
        const et_board_device *d = et_machine_device_desc(m, i);
        v->n_counters += d ? d->n_counters : 0;
    }
    v->lines = calloc(v->n_lines + 1, sizeof(*v->lines));
    v->counters = calloc(v->n_counters + 1, sizeof(*v->counters));

    fprintf(f, "$version emutime %s $end\n", EMUTIME_VERSION);
    fprintf(f, "$comment machine %s: interrupt lines and sampled counters $end\n",
            et_machine_board(m)->name);
    fprintf(f, "$timescale 1 ns $end\n");
    fprintf(f, "$scope module %s $end\n", et_machine_board(m)->name);
    size_t id = 0, ci = 0;
    for (size_t i = 0; i < n_devs; i++) {
        et_device *dev = et_machine_device(m, i);
        const et_board_device *d = et_machine_device_desc(m, i);
        unsigned n_out = et_device_irq_count(dev);
        if (!n_out && !(d && d->n_counters)) {
            continue;
        }
        fprintf(f, "$scope module %s $end\n", dev->name);
        for (unsigned o = 0; o < n_out; o++) {
            vcd_line *l = &v->lines[v->line_base[i] + o];
            const char *name = et_device_irq(dev, o)->name;
            make_id(id++, l->id);
            l->level = et_irq_level(et_device_irq(dev, o));
            if (name) {
                fprintf(f, "$var wire 1 %s %s $end\n", l->id, name);
            } else {
                fprintf(f, "$var wire 1 %s irq%u $end\n", l->id, o);
            }
        }
        for (unsigned k = 0; d && k < d->n_counters; k++) {
            vcd_counter *c = &v->counters[ci++];
            make_id(id++, c->id);
            c->dev = dev;
            c->desc = &d->counters[k];
            fprintf(f, "$var reg %u %s %s $end\n", c->desc->size * 8, c->id, c->desc->name);
        }
        fprintf(f, "$upscope $end\n");
    }
    fprintf(f, "$upscope $end\n$enddefinitions $end\n");

    v->last_time = et_clock_now(et_machine_clock(m));
    fprintf(f, "#%" PRIi64 "\n$dumpvars\n", v->last_time);
    for (size_t i = 0; i < v->n_lines; i++) {
        fprintf(f, "%d%s\n", v->lines[i].level ? 1 : 0, v->lines[i].id);
    }
    for (size_t i = 0; i < v->n_counters; i++) {
        v->counters[i].value = read_counter(&v->counters[i]);
        write_counter(v, &v->counters[i]);
    }
    fprintf(f, "$end\n");
    et_machine_set_line_sink(m, on_line, v);
    return v;
}

int tool_vcd_close(tool_vcd *v)
{
    if (!v) {
        return 0;
    }
    et_machine_set_line_sink(v->m, NULL, NULL);
    /* Mark the end so the last values show a width. */
    int64_t now = et_clock_now(et_machine_clock(v->m));
    fprintf(v->f, "#%" PRIi64 "\n", now > v->last_time ? now : v->last_time + 1);
    int rc = ferror(v->f) ? -1 : 0;
    if (fclose(v->f) != 0) {
        rc = -1;
    }
    free(v->lines);
    free(v->line_base);
    free(v->counters);
    free(v);
    return rc;
}
