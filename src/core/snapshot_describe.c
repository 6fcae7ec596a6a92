/* Snapshots: et_snapshot_describe (text for people) and
 * et_snapshot_describe_json (for tools), from the parse alone: no machine
 * is needed to read a snapshot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/snapshot_internal.h"

static void print_str(FILE *f, snap_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        fputc(c >= 0x20 && c < 0x7f ? c : '?', f);
    }
}

static void print_unsigned(FILE *f, uint64_t v)
{
    if (v < 10) {
        fprintf(f, "%llu", (unsigned long long)v);
    } else {
        fprintf(f, "%llu (0x%llx)", (unsigned long long)v, (unsigned long long)v);
    }
}

static void print_deadline(FILE *f, int64_t when)
{
    if (when < 0) {
        fprintf(f, "not armed");
    } else {
        fprintf(f, "armed at %lld ns", (long long)when);
    }
}

static const char *const ptimer_modes[] = { "stopped", "periodic", "oneshot" };

/* A bool, unsigned or signed element, the same in text and JSON but for
 * unsigned values (text adds their hex from 10 on); false for other types. */
static bool print_scalar(FILE *f, uint8_t type, const uint8_t *p, bool text)
{
    switch (type) {
    case T_BOOL:
        fprintf(f, "%s", p[0] ? "true" : "false");
        return true;
    case T_U8:
    case T_U16:
    case T_U32:
    case T_U64: {
        uint64_t v = snap_get_le(p, (unsigned)et__snap_types[type].size);
        if (text) {
            print_unsigned(f, v);
        } else {
            fprintf(f, "%llu", (unsigned long long)v);
        }
        return true;
    }
    case T_I64:
        fprintf(f, "%lld", (long long)(int64_t)snap_get_le(p, 8));
        return true;
    default:
        return false;
    }
}

static void print_elem(FILE *f, uint8_t type, const uint8_t *p)
{
    if (print_scalar(f, type, p, true)) {
        return;
    }
    switch (type) {
    case T_PTIMER: {
        et_ptimer_state st;
        et__snap_get_ptimer(p, &st);
        fprintf(f, "%s, limit ", ptimer_modes[st.enabled]);
        print_unsigned(f, st.limit);
        fprintf(f, ", count ");
        print_unsigned(f, st.delta);
        fprintf(f, ", period %lld ns + %u/2^32, last event %lld ns, next event %lld ns, ",
                (long long)st.period, (unsigned)st.period_frac, (long long)st.last_event,
                (long long)st.next_event);
        print_deadline(f, st.timer_expire);
        break;
    }
    case T_TIMER:
        print_deadline(f, (int64_t)snap_get_le(p, 8));
        break;
    case T_IRQ:
        fprintf(f, "%s", p[0] ? "high" : "low");
        break;
    default:
        break;
    }
}

int et_snapshot_describe(const uint8_t *buf, size_t len, void *file, char *err, size_t errlen)
{
    FILE *f = file;
    snap_image img;
    if (!f) {
        return et__error(err, errlen, ET_EINVAL, "et_snapshot_describe: no output file");
    }
    if (et__snap_parse(buf, len, &img, err, errlen)) {
        return ET_EFORMAT;
    }
    fprintf(f, "emutime snapshot, format version %u, %zu bytes, CRC-32 0x%08x\n", img.format,
            img.len, img.crc);
    fprintf(f, "machine: ");
    print_str(f, img.machine);
    fprintf(f, "\nclock: %s%s, now %lld ns\n", img.clock_kind ? "real-time" : "manual",
            (img.clock_flags & 1) ? " (paused)" : "", (long long)img.now);
    fprintf(f, "devices: %u\n", img.n_devices);
    for (uint32_t d = 0; d < img.n_devices; d++) {
        const snap_device *sd = &img.devices[d];
        fprintf(f, "device ");
        print_str(f, sd->name);
        fprintf(f, ": ");
        print_str(f, sd->state);
        fprintf(f, " state version %u, %u field%s\n", sd->version, sd->n_fields,
                sd->n_fields == 1 ? "" : "s");
        for (uint32_t k = 0; k < sd->n_fields; k++) {
            const snap_field *sf = &sd->fields[k];
            size_t esize = et__snap_types[sf->type].size;
            bool one_per_line = sf->type == T_PTIMER || sf->type == T_TIMER;
            if (sf->count == 1 || (one_per_line && sf->count)) {
                for (uint32_t e = 0; e < sf->count; e++) {
                    fprintf(f, "  ");
                    print_str(f, sf->name);
                    if (sf->count > 1) {
                        fprintf(f, "[%u]", e);
                    }
                    fprintf(f, ": %s = ", et__snap_types[sf->type].name);
                    print_elem(f, sf->type, sf->data + e * esize);
                    fprintf(f, "\n");
                }
                continue;
            }
            fprintf(f, "  ");
            print_str(f, sf->name);
            fprintf(f, ": %s[%u] = {", et__snap_types[sf->type].name, sf->count);
            for (uint32_t e = 0; e < sf->count; e++) {
                fprintf(f, "%s", e ? ", " : "");
                print_elem(f, sf->type, sf->data + e * esize);
            }
            fprintf(f, "}\n");
        }
    }
    if (img.format >= 2) {
        fprintf(f, "same-deadline order: %u timer%s\n", img.n_ties, img.n_ties == 1 ? "" : "s");
        int64_t last = -1;
        for (uint32_t i = 0; i < img.n_ties; i++) {
            const snap_tie *t = &img.ties[i];
            const snap_device *sd = &img.devices[t->dev];
            const snap_field *sf = &sd->fields[t->field];
            int64_t when = et__snap_elem_deadline(
                sf->type, sf->data + t->elem * et__snap_types[sf->type].size);
            if (i == 0 || when != last) {
                fprintf(f, "%s  at %lld ns: ", i ? "\n" : "", (long long)when);
            } else {
                fprintf(f, ", ");
            }
            print_str(f, sd->name);
            fputc('.', f);
            print_str(f, sf->name);
            if (sf->count > 1) {
                fprintf(f, "[%u]", t->elem);
            }
            last = when;
        }
        if (img.n_ties) {
            fputc('\n', f);
        }
    }
    et__snap_image_free(&img);
    if (ferror(f)) {
        return et__error(err, errlen, ET_ESYSTEM, "cannot write the description: %s",
                         strerror(errno));
    }
    return 0;
}

/* --- as JSON -------------------------------------------------------------- */

/* A JSON string: the name's printable ASCII, with " and \ escaped and
 * anything else as \u00XX (names are checked ASCII, but a describe never
 * trusts them). */
static void json_str(FILE *f, snap_str s)
{
    fputc('"', f);
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
        } else if (c >= 0x20 && c < 0x7f) {
            fputc(c, f);
        } else {
            fprintf(f, "\\u%04x", c);
        }
    }
    fputc('"', f);
}

/* One element: numbers as JSON numbers (u64 beyond 2^53 are still exact
 * as text; readers that parse them as doubles lose precision, as with any
 * 64-bit counter), a ptimer or timer as an object. */
static void json_elem(FILE *f, uint8_t type, const uint8_t *p)
{
    if (print_scalar(f, type, p, false)) {
        return;
    }
    switch (type) {
    case T_PTIMER: {
        et_ptimer_state st;
        et__snap_get_ptimer(p, &st);
        fprintf(f,
                "{\"mode\": \"%s\", \"limit\": %llu, \"count\": %llu, \"period_ns\": %lld, "
                "\"period_frac\": %u, \"last_event_ns\": %lld, \"next_event_ns\": %lld, "
                "\"deadline_ns\": %lld}",
                ptimer_modes[st.enabled], (unsigned long long)st.limit,
                (unsigned long long)st.delta, (long long)st.period, (unsigned)st.period_frac,
                (long long)st.last_event, (long long)st.next_event, (long long)st.timer_expire);
        break;
    }
    case T_TIMER:
        fprintf(f, "{\"deadline_ns\": %lld}", (long long)(int64_t)snap_get_le(p, 8));
        break;
    case T_IRQ:
        fprintf(f, "%d", p[0] ? 1 : 0);
        break;
    default:
        fprintf(f, "null");
        break;
    }
}

int et_snapshot_describe_json(const uint8_t *buf, size_t len, void *file, char *err,
                              size_t errlen)
{
    FILE *f = file;
    snap_image img;
    if (!f) {
        return et__error(err, errlen, ET_EINVAL, "et_snapshot_describe_json: no output file");
    }
    if (et__snap_parse(buf, len, &img, err, errlen)) {
        return ET_EFORMAT;
    }
    fprintf(f, "{\"format\": %u, \"bytes\": %zu, \"crc32\": %u, \"machine\": ", img.format,
            img.len, img.crc);
    json_str(f, img.machine);
    fprintf(f, ",\n \"clock\": {\"kind\": \"%s\", \"paused\": %s, \"now_ns\": %lld},\n",
            img.clock_kind ? "real-time" : "manual", (img.clock_flags & 1) ? "true" : "false",
            (long long)img.now);
    fprintf(f, " \"devices\": [");
    for (uint32_t d = 0; d < img.n_devices; d++) {
        const snap_device *sd = &img.devices[d];
        fprintf(f, "%s\n  {\"name\": ", d ? "," : "");
        json_str(f, sd->name);
        fprintf(f, ", \"state\": ");
        json_str(f, sd->state);
        fprintf(f, ", \"version\": %u, \"fields\": [", sd->version);
        for (uint32_t k = 0; k < sd->n_fields; k++) {
            const snap_field *sf = &sd->fields[k];
            size_t esize = et__snap_types[sf->type].size;
            fprintf(f, "%s\n    {\"name\": ", k ? "," : "");
            json_str(f, sf->name);
            fprintf(f, ", \"type\": \"%s\", \"values\": [", et__snap_types[sf->type].name);
            for (uint32_t e = 0; e < sf->count; e++) {
                fprintf(f, "%s", e ? ", " : "");
                json_elem(f, sf->type, sf->data + e * esize);
            }
            fprintf(f, "]}");
        }
        fprintf(f, "]}");
    }
    /* Timers of equal deadline, in the order they fire (format 2). */
    fprintf(f, "],\n \"same_deadline_order\": [");
    for (uint32_t i = 0; img.format >= 2 && i < img.n_ties; i++) {
        const snap_tie *t = &img.ties[i];
        const snap_device *sd = &img.devices[t->dev];
        const snap_field *sf = &sd->fields[t->field];
        fprintf(f, "%s{\"device\": ", i ? ", " : "");
        json_str(f, sd->name);
        fprintf(f, ", \"field\": ");
        json_str(f, sf->name);
        fprintf(f, ", \"element\": %u, \"deadline_ns\": %lld}", t->elem,
                (long long)et__snap_elem_deadline(sf->type,
                                         sf->data + t->elem * et__snap_types[sf->type].size));
    }
    fprintf(f, "]}\n");
    et__snap_image_free(&img);
    if (ferror(f)) {
        return et__error(err, errlen, ET_ESYSTEM, "cannot write the description: %s",
                         strerror(errno));
    }
    return 0;
}

