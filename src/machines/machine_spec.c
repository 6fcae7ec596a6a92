/* The machine spec, "NAME[,OPT=VALUE...]", and the board options'
 * values (machine_state.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "machines/machine_state.h"

/* Sets board option i from the spec's text val[0..vlen). */
static int set_option(et_machine *m, unsigned i, const char *val, size_t vlen, char *err,
                      size_t errlen)
{
    const et_board_option *o = &m->board->options[i];
    char *v = et__xstrndup(val, vlen);
    if (o->check) {
        char why[160] = "";
        if (o->check(v, why, sizeof(why)) != 0) {
            et__error(err, errlen, ET_EINVAL, "machine option %s: bad value '%s': %s", o->name, v,
                      why);
            free(v);
            return -1;
        }
    } else if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
        et__error(err, errlen, ET_EINVAL, "machine option %s: value '%s' is not on or off", o->name,
                  v);
        free(v);
        return -1;
    }
    free(m->option_values[i]);
    m->option_values[i] = v;
    return 0;
}

void et__machine_free_options(et_machine *m)
{
    if (m->option_values) {
        for (unsigned i = 0; i < m->board->n_options; i++) {
            free(m->option_values[i]);
        }
        free(m->option_values);
    }
}

/* "NAME[,OPT=VALUE...]" */
int et__machine_parse_spec(et_machine *m, const char *spec, char *err, size_t errlen)
{
    const char *comma = strchr(spec, ',');
    size_t name_len = comma ? (size_t)(comma - spec) : strlen(spec);
    char name[64];
    if (name_len == 0 || name_len >= sizeof(name)) {
        et__error(err, errlen, ET_EINVAL, "bad machine name '%s'", spec);
        return -1;
    }
    memcpy(name, spec, name_len);
    name[name_len] = '\0';
    const et_board *b = et_board_find(name);
    if (!b) {
        errlen = err ? errlen : 0; /* err may be NULL (error.h) */
        int n = snprintf(err, errlen, "unknown machine '%s' (machines:", name);
        for (size_t i = 0; i < et_board_count() && n > 0 && (size_t)n < errlen; i++) {
            n += snprintf(err + n, errlen - (size_t)n, " %s", et_board_get(i)->name);
        }
        if (n > 0 && (size_t)n < errlen) {
            snprintf(err + n, errlen - (size_t)n, ")");
        }
        return -1;
    }
    return et__machine_parse_options(m, b, comma, err, errlen);
}

/* The board's options from ",OPT=VALUE..." (p, or NULL for the defaults). */
int et__machine_parse_options(et_machine *m, const et_board *b, const char *p, char *err,
                         size_t errlen)
{
    m->board = b;
    m->option_values = et__xcalloc(b->n_options ? b->n_options : 1, sizeof(char *));
    for (unsigned i = 0; i < b->n_options; i++) {
        m->option_values[i] = et__xstrndup(b->options[i].def, strlen(b->options[i].def));
    }
    while (p && *p == ',') {
        p++;
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (!eq) {
            et__error(err, errlen, ET_EINVAL, "machine option '%.*s' is not OPTION=VALUE", (int)len,
                      p);
            return -1;
        }
        size_t klen = (size_t)(eq - p);
        const char *val = eq + 1;
        size_t vlen = len - klen - 1;
        unsigned i;
        for (i = 0; i < b->n_options; i++) {
            if (strlen(b->options[i].name) == klen && strncmp(b->options[i].name, p, klen) == 0) {
                break;
            }
        }
        if (i == b->n_options) {
            errlen = err ? errlen : 0; /* err may be NULL (error.h) */
            int n = snprintf(err, errlen, "machine %s has no option '%.*s'", b->name, (int)klen, p);
            if (b->n_options && n > 0 && (size_t)n < errlen) {
                n += snprintf(err + n, errlen - (size_t)n, " (options:");
                for (unsigned k = 0; k < b->n_options && n > 0 && (size_t)n < errlen; k++) {
                    n += snprintf(err + n, errlen - (size_t)n, " %s", b->options[k].name);
                }
                if (n > 0 && (size_t)n < errlen) {
                    snprintf(err + n, errlen - (size_t)n, ")");
                }
            }
            return -1;
        }
        if (set_option(m, i, val, vlen, err, errlen) != 0) {
            return -1;
        }
        p = end;
    }
    return 0;
}

const char *et_machine_option(const et_machine *m, const char *name)
{
    for (unsigned i = 0; i < m->board->n_options; i++) {
        if (strcmp(m->board->options[i].name, name) == 0) {
            return m->option_values[i];
        }
    }
    return NULL;
}
