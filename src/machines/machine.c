/* Machines: a board table turned into devices on a manual clock, wired to
 * interrupt-controller inputs, with qtest's intercept rules (QEMU 7.2
 * softmmu/qtest.c: one intercepted device per process, only unnamed GPIO
 * lists hooked, the original destination still driven) and deferred system
 * reset requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "machines/machine_internal.h"

/* --- controller kinds --------------------------------------------------------- */

static const et__ic_kind kind_gic = { .kind = ET_IC_GIC };
static const et__ic_kind kind_ioapic = { .kind = ET_IC_IOAPIC };
static const et__ic_kind kind_hart = { .kind = ET_IC_HART };
static const et__ic_kind kind_plic = { .kind = ET_IC_PLIC };
static const et__ic_kind kind_armv8m_nvic = { .kind = ET_IC_ARMV8M_NVIC };

const et__ic_kind *et__ic_kind_find(const char *kind)
{
    static const et__ic_kind *const kinds[] = {
        &et__ic_kind_nvic, &et__ic_kind_vic, &kind_gic, &kind_ioapic, &kind_hart,
        &kind_plic,
        &kind_armv8m_nvic,
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(kinds[i]->kind, kind) == 0) {
            return kinds[i];
        }
    }
    return NULL;
}

/* --- the machine -------------------------------------------------------------- */

#define TO_NONE (-1)
#define TO_RESET (-2)
#define TO_DEVICE (-3) /* an input of another board device (wire.via) */

typedef struct controller {
    const et_board_controller *desc;
    const et__ic_kind *kind;
    et_device *view;   /* NULL for kinds without a register view */
    uint8_t *levels;   /* input levels (kinds without a view) */
    et_machine_input_fn sink; /* the embedder's, or NULL */
    void *sink_opaque;
    /* The view's CPU-facing output lines: the machine device index they
     * are reported under, and the embedder's sink for them. */
    struct et_machine *m;
    size_t dev;
    et_irq_sink_fn request_fn;
    void *request_opaque;
} controller;

typedef struct route {
    et_machine *m;
    size_t dev;       /* machine device index */
    unsigned output;
    int to;           /* controller index, TO_NONE, TO_RESET or TO_DEVICE */
    int named;        /* -1: unnamed input; else index in the kind's named inputs */
    unsigned input;   /* the controller's, or with TO_DEVICE the device's, input */
    size_t via_dev;   /* TO_DEVICE: the machine device index */
    int level;        /* the level last delivered */
} route;

struct et_machine {
    const et_board *board;
    et_board *built_board; /* board->instantiate's result, owned */
    char **option_values; /* per board option, owned copies */
    et_clock *clock;
    bool owns_clock; /* et_machine_new's own manual clock */
    et_clock_input **clocks;
    et_device **devs;
    const et_board_device **dev_desc; /* NULL for controller views */
    size_t n_devs;
    size_t n_board_devs;
    controller *ctrls;
    route *routes;
    size_t n_routes;
    et__bus bus;
    et__bus io; /* I/O ports */

    int icpt_obj;  /* board qom index intercepted, -1 none */
    int icpt_ctrl; /* controller whose unnamed inputs are hooked, -1 */
    unsigned icpt_inputs; /* only its first N (0: all) */
    int icpt_dev;  /* device whose outputs are hooked, -1 */
    unsigned icpt_outputs;
    et_machine_irq_fn icpt_fn;
    void *icpt_opaque;
    et_machine_line_fn line_fn;
    void *line_opaque;

    bool reset_pending;
    unsigned resets;
    et_machine_reset_request_fn reset_request_fn;
    void *reset_request_opaque;
};

static int find_controller(const et_board *b, const char *name)
{
    for (unsigned i = 0; i < b->n_controllers; i++) {
        if (strcmp(b->controllers[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static void controller_input(et_machine *m, int ci, int named, unsigned n, int level)
{
    controller *c = &m->ctrls[ci];
    level = level != 0;
    if (c->view) {
        c->kind->set_input(c->view, named, n, level);
    } else if (named < 0 && n < c->desc->n_inputs) {
        c->levels[n] = (uint8_t)level;
    }
    /* qtest's hook sits in front of the unnamed inputs and sees every call,
     * changed or not: it keeps its own record of levels. */
    if (named < 0 && m->icpt_ctrl == ci && m->icpt_fn &&
        (!m->icpt_inputs || n < m->icpt_inputs)) {
        m->icpt_fn(m->icpt_opaque, (int)n, level);
    }
    if (c->sink) {
        c->sink(c->sink_opaque, named < 0 ? n : 0,
                named < 0 ? NULL : c->kind->named_inputs[named], level);
    }
}

/* A view's CPU-facing output changed (delivered outside every lock): to the
 * waveform and to the embedder's CPU model. */
static void view_request_sink(void *opaque, int n, int level)
{
    controller *c = opaque;
    if (c->m->line_fn) {
        c->m->line_fn(c->m->line_opaque, c->dev, (unsigned)n, level);
    }
    if (c->request_fn) {
        c->request_fn(c->request_opaque, n, level);
    }
}

int et_machine_set_cpu_request_sink(et_machine *m, const char *name, et_irq_sink_fn fn,
                                    void *opaque)
{
    int ci = find_controller(m->board, name);
    if (ci < 0 || !m->ctrls[ci].view || m->ctrls[ci].view->n_irqs == 0) {
        return -1;
    }
    m->ctrls[ci].request_fn = fn;
    m->ctrls[ci].request_opaque = opaque;
    return 0;
}

void et__machine_refresh_views(et_machine *m)
{
    for (unsigned i = 0; i < m->board->n_controllers; i++) {
        if (m->ctrls[i].view && m->ctrls[i].kind->refresh) {
            m->ctrls[i].kind->refresh(m->ctrls[i].view);
        }
    }
}

int et_machine_set_controller_sink(et_machine *m, const char *name, et_machine_input_fn fn,
                                   void *opaque)
{
    int ci = find_controller(m->board, name);
    if (ci < 0) {
        return -1;
    }
    m->ctrls[ci].sink = fn;
    m->ctrls[ci].sink_opaque = opaque;
    return 0;
}

/* A device output line changed (delivered outside every library lock). */
static void route_sink(void *opaque, int n, int level)
{
    route *r = opaque;
    et_machine *m = r->m;
    (void)n;
    /* A redeliver line's repeat (the device set the level it had, as
     * QEMU's models call qemu_set_irq on every update) reaches what QEMU's
     * repeat reaches: qtest's hook and the controller, but not the
     * waveform, which records changes. */
    bool repeat = level == r->level &&
                  et_device_irq(m->devs[r->dev], r->output)->redeliver;
    r->level = level;
    if (m->line_fn && !repeat) {
        m->line_fn(m->line_opaque, r->dev, r->output, level);
    }
    if (r->to >= 0) {
        controller_input(m, r->to, r->named, r->input, level);
    } else if (r->to == TO_DEVICE) {
        et_device_set_input(m->devs[r->via_dev], r->input, level);
    } else if (r->to == TO_RESET && level) {
        if (m->reset_request_fn) {
            m->reset_request_fn(m->reset_request_opaque, r->dev);
        } else {
            m->reset_pending = true; /* performed at the next command boundary */
        }
    }
    if (m->icpt_dev >= 0 && (size_t)m->icpt_dev == r->dev && r->output < m->icpt_outputs &&
        m->icpt_fn) {
        m->icpt_fn(m->icpt_opaque, (int)r->output, level != 0);
    }
}

static int find_device_index(const et_machine *m, const char *name);

/* A wire through another device's input (wire.via), when that device was
 * created: 1 and the route set, 0 when absent, -1 with a message when it has
 * no such input. */
static int route_via(et_machine *m, route *r, const et_board_wire *w, char *err, size_t errlen)
{
    int d = w->via ? find_device_index(m, w->via) : -1;
    if (d < 0) {
        return 0;
    }
    if (w->via_input >= m->devs[d]->ops->n_inputs) {
        snprintf(err, errlen, "%s: device %s has no input %u", m->board->name, w->via,
                 w->via_input);
        return -1;
    }
    r->to = TO_DEVICE;
    r->via_dev = (size_t)d;
    r->input = w->via_input;
    return 1;
}

static void apply_held_lines(et_machine *m)
{
    const et_board *b = m->board;
    for (unsigned i = 0; i < b->n_held; i++) {
        int ci = find_controller(b, b->held[i].controller);
        if (ci >= 0) {
            controller_input(m, ci, -1, b->held[i].input, b->held[i].level);
        }
    }
}

static void reset_views(et_machine *m)
{
    for (unsigned i = 0; i < m->board->n_controllers; i++) {
        if (m->ctrls[i].view) {
            et_device_reset(m->ctrls[i].view);
        }
    }
}

/* Sets board option i from the spec's text val[0..vlen). */
static int set_option(et_machine *m, unsigned i, const char *val, size_t vlen, char *err,
                      size_t errlen)
{
    const et_board_option *o = &m->board->options[i];
    char *v = et__xstrndup(val, vlen);
    if (o->check) {
        char why[160] = "";
        if (o->check(v, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "machine option %s: bad value '%s': %s", o->name, v, why);
            free(v);
            return -1;
        }
    } else if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
        snprintf(err, errlen, "machine option %s: value '%s' is not on or off", o->name, v);
        free(v);
        return -1;
    }
    free(m->option_values[i]);
    m->option_values[i] = v;
    return 0;
}

static void free_options(et_machine *m)
{
    if (m->option_values) {
        for (unsigned i = 0; i < m->board->n_options; i++) {
            free(m->option_values[i]);
        }
        free(m->option_values);
    }
}

/* "NAME[,OPT=VALUE...]" */
static int parse_options(et_machine *m, const et_board *b, const char *p, char *err,
                         size_t errlen);

static int parse_spec(et_machine *m, const char *spec, char *err, size_t errlen)
{
    const char *comma = strchr(spec, ',');
    size_t name_len = comma ? (size_t)(comma - spec) : strlen(spec);
    char name[64];
    if (name_len == 0 || name_len >= sizeof(name)) {
        snprintf(err, errlen, "bad machine name '%s'", spec);
        return -1;
    }
    memcpy(name, spec, name_len);
    name[name_len] = '\0';
    const et_board *b = et_board_find(name);
    if (!b) {
        int n = snprintf(err, errlen, "unknown machine '%s' (machines:", name);
        for (size_t i = 0; i < et_board_count() && n > 0 && (size_t)n < errlen; i++) {
            n += snprintf(err + n, errlen - (size_t)n, " %s", et_board_get(i)->name);
        }
        if (n > 0 && (size_t)n < errlen) {
            snprintf(err + n, errlen - (size_t)n, ")");
        }
        return -1;
    }
    return parse_options(m, b, comma, err, errlen);
}

/* The board's options from ",OPT=VALUE..." (p, or NULL for the defaults). */
static int parse_options(et_machine *m, const et_board *b, const char *p, char *err,
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
            snprintf(err, errlen, "machine option '%.*s' is not OPTION=VALUE", (int)len, p);
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

static bool device_wanted(const et_machine *m, const et_board_device *d)
{
    if (!d->option) {
        return true;
    }
    const char *v = et_machine_option(m, d->option);
    return v && strcmp(v, "on") == 0;
}

static et_clock_input *board_clock(et_machine *m, const char *name)
{
    for (unsigned i = 0; i < m->board->n_clocks; i++) {
        if (strcmp(m->board->clocks[i].name, name) == 0) {
            return m->clocks[i];
        }
    }
    return NULL;
}

static void add_device(et_machine *m, et_device *dev, const et_board_device *desc)
{
    m->devs = et__xrealloc(m->devs, sizeof(*m->devs) * (m->n_devs + 1));
    m->dev_desc = et__xrealloc(m->dev_desc, sizeof(*m->dev_desc) * (m->n_devs + 1));
    m->devs[m->n_devs] = dev;
    m->dev_desc[m->n_devs] = desc;
    m->n_devs++;
}

/* Maps a board device into its address space: its whole region at its
 * base, or each of its windows. */
static int map_device(et_machine *m, const et_board_device *d, et_device *dev, char *err,
                      size_t errlen)
{
    et__bus *bus = d->space == ET_SPACE_IO ? &m->io : &m->bus;
    if (d->space != ET_SPACE_MEMORY && d->space != ET_SPACE_IO) {
        snprintf(err, errlen, "%s: unknown address space %u", d->name, d->space);
        return -1;
    }
    if (!d->windows) {
        return et__bus_add_device(bus, d->base, dev, err, errlen);
    }
    for (unsigned i = 0; i < d->n_windows; i++) {
        const et_board_window *w = &d->windows[i];
        if (et__bus_add_device_window(bus, w->base, dev, w->offset, w->size, err, errlen) != 0) {
            return -1;
        }
    }
    return 0;
}

static int build(et_machine *m, char *err, size_t errlen)
{
    const et_board *b = m->board;
    char why[256];

    m->clocks = et__xcalloc(b->n_clocks ? b->n_clocks : 1, sizeof(*m->clocks));
    for (unsigned i = 0; i < b->n_clocks; i++) {
        m->clocks[i] = et_clock_input_new(b->clocks[i].name);
        et_clock_input_set_hz(m->clocks[i], b->clocks[i].hz);
    }

    /* Timer devices first (they are the snapshot's main content), in board
     * order, then the controller views. */
    for (unsigned i = 0; i < b->n_devices; i++) {
        const et_board_device *d = &b->devices[i];
        if (!device_wanted(m, d)) {
            continue;
        }
        const et__machine_factory *mf = et__machine_factory_find(d->type);
        const et__device_factory *f = mf ? NULL : et__device_factory_find(d->type);
        if (!f && !mf) {
            snprintf(err, errlen, "%s: device type '%s' (%s) is not available in this build",
                     b->name, d->type, d->name);
            return -1;
        }
        et_clock_input *clk = NULL;
        if (d->clock && !(clk = board_clock(m, d->clock))) {
            snprintf(err, errlen, "%s: %s: no clock '%s'", b->name, d->name, d->clock);
            return -1;
        }
        why[0] = '\0';
        et_device *dev = mf ? mf->create(m, d->name, clk, d->config, why, sizeof(why))
                            : f->create(m->clock, d->name, clk, d->config, why, sizeof(why));
        if (!dev) {
            snprintf(err, errlen, "%s: cannot create %s (%s): %s", b->name, d->name, d->type,
                     why);
            return -1;
        }
        add_device(m, dev, d);
        if (map_device(m, d, dev, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "%s: %s", b->name, why);
            return -1;
        }
    }
    m->n_board_devs = m->n_devs;

    m->ctrls = et__xcalloc(b->n_controllers ? b->n_controllers : 1, sizeof(*m->ctrls));
    for (unsigned i = 0; i < b->n_controllers; i++) {
        const et_board_controller *cd = &b->controllers[i];
        controller *c = &m->ctrls[i];
        c->desc = cd;
        c->kind = et__ic_kind_find(cd->kind);
        if (!c->kind) {
            snprintf(err, errlen, "%s: controller %s has unknown kind '%s'", b->name, cd->name,
                     cd->kind);
            return -1;
        }
        c->levels = et__xcalloc(cd->n_inputs ? cd->n_inputs : 1, 1);
        if (c->kind->create) {
            why[0] = '\0';
            c->view = c->kind->create(m->clock, cd->name, cd->n_inputs, why, sizeof(why));
            if (!c->view) {
                snprintf(err, errlen, "%s: %s", b->name, why);
                return -1;
            }
            add_device(m, c->view, NULL);
            c->m = m;
            c->dev = m->n_devs - 1;
            for (unsigned o = 0; o < c->view->n_irqs; o++) {
                et_irq_connect(c->view->irqs[o], view_request_sink, c, (int)o);
            }
            /* Below the board's devices: SysTick sits inside the SCS. */
            if (et__bus_add_device_under(&m->bus, cd->base, c->view, why, sizeof(why)) != 0) {
                snprintf(err, errlen, "%s: %s", b->name, why);
                return -1;
            }
        }
    }

    for (unsigned i = 0; i < b->n_ram; i++) {
        const et_board_ram *r = &b->ram[i];
        int rc = r->alias_of ? et__bus_add_ram_alias(&m->bus, r->name, r->alias_of, r->base,
                                                     r->size, why, sizeof(why))
                             : et__bus_add_ram(&m->bus, r->name, r->base, r->size, why,
                                               sizeof(why));
        if (rc != 0) {
            snprintf(err, errlen, "%s: %s", b->name, why);
            return -1;
        }
    }

    /* One route per device output line, wired or not (intercept_out and
     * waveforms see every line). */
    size_t n_routes = 0;
    for (size_t i = 0; i < m->n_board_devs; i++) {
        n_routes += et_device_irq_count(m->devs[i]);
    }
    m->routes = et__xcalloc(n_routes ? n_routes : 1, sizeof(*m->routes));
    for (size_t i = 0; i < m->n_board_devs; i++) {
        const et_board_device *d = m->dev_desc[i];
        unsigned n_out = et_device_irq_count(m->devs[i]);
        for (unsigned w = 0; w < d->n_wires; w++) {
            if (d->wires[w].output >= n_out) {
                snprintf(err, errlen, "%s: %s has no output line %u", b->name, d->name,
                         d->wires[w].output);
                return -1;
            }
        }
        for (unsigned o = 0; o < n_out; o++) {
            route *r = &m->routes[m->n_routes++];
            r->m = m;
            r->dev = i;
            r->output = o;
            r->to = TO_NONE;
            r->named = -1;
            for (unsigned w = 0; w < d->n_wires; w++) {
                const et_board_wire *wire = &d->wires[w];
                if (wire->output != o || !wire->controller) {
                    continue;
                }
                if (strcmp(wire->controller, ET_BOARD_RESET) == 0) {
                    r->to = TO_RESET;
                    continue;
                }
                int via = route_via(m, r, wire, err, errlen);
                if (via < 0) {
                    return -1;
                }
                if (via > 0) {
                    continue;
                }
                int ci = find_controller(b, wire->controller);
                if (ci < 0) {
                    snprintf(err, errlen, "%s: %s output %u goes to unknown controller %s",
                             b->name, d->name, o, wire->controller);
                    return -1;
                }
                r->to = ci;
                r->input = wire->input;
                if (wire->input_name) {
                    const char *const *names = m->ctrls[ci].kind->named_inputs;
                    int k = 0;
                    while (names && names[k] && strcmp(names[k], wire->input_name) != 0) {
                        k++;
                    }
                    if (!names || !names[k]) {
                        snprintf(err, errlen, "%s: controller %s has no input %s", b->name,
                                 wire->controller, wire->input_name);
                        return -1;
                    }
                    r->named = k;
                } else if (wire->input >= b->controllers[ci].n_inputs) {
                    snprintf(err, errlen, "%s: controller %s has no input %u", b->name,
                             wire->controller, wire->input);
                    return -1;
                }
            }
            et_irq_line *line = et_device_irq(m->devs[i], o);
            r->level = et_irq_level(line);
            et_irq_connect(line, route_sink, r, (int)o);
        }
    }

    /* Lines already high at creation (the ACLINT's MTIP) reach their
     * controllers, then the lines that unmodelled devices hold, then the
     * power-on reset of the views. */
    for (size_t i = 0; i < m->n_routes; i++) {
        route *r = &m->routes[i];
        int level = et_irq_level(et_device_irq(m->devs[r->dev], r->output));
        if (level && r->to >= 0) {
            controller_input(m, r->to, r->named, r->input, level);
        } else if (level && r->to == TO_DEVICE) {
            et_device_set_input(m->devs[r->via_dev], r->input, level);
        }
    }
    /* Held lines go up before the views' reset, as QEMU's devices raise
     * them before the NVIC resets: no pending bit at power-on. */
    apply_held_lines(m);
    reset_views(m);
    return 0;
}

/* A machine of board b (NULL: from spec's name) with options from spec (or
 * from options, ",OPT=VALUE..."), on clock. */
static et_machine *create(const et_board *b, const char *spec, const char *options,
                          et_clock *clock, char *err, size_t errlen)
{
    if (!clock) {
        snprintf(err, errlen, "et_machine_new: no clock");
        return NULL;
    }
    et_machine *m = et__xcalloc(1, sizeof(*m));
    m->icpt_obj = m->icpt_ctrl = m->icpt_dev = -1;
    m->io.unassigned = 0xff; /* QEMU's unassigned I/O reads all ones */
    int rc = b ? parse_options(m, b, options, err, errlen)
               : parse_spec(m, spec ? spec : ET_DEFAULT_MACHINE, err, errlen);
    if (rc != 0) {
        free_options(m);
        free(m);
        return NULL;
    }
    if (m->board->instantiate) {
        m->built_board = m->board->instantiate(m->board, (const char *const *)m->option_values,
                                               err, errlen);
        if (!m->built_board) {
            free_options(m);
            free(m);
            return NULL;
        }
        m->board = m->built_board;
    }
    m->clock = clock;
    if (build(m, err, errlen) != 0) {
        et_machine_free(m);
        return NULL;
    }
    return m;
}

et_machine *et_machine_new_on_clock(const char *spec, et_clock *clock, char *err, size_t errlen)
{
    return create(NULL, spec, NULL, clock, err, errlen);
}

et_machine *et_machine_new_from_board(const et_board *board, const char *options,
                                      et_clock *clock, char *err, size_t errlen)
{
    if (!board || !board->name) {
        snprintf(err, errlen, "et_machine_new_from_board: no board");
        return NULL;
    }
    char *opts = NULL;
    if (options && *options) { /* parse_options takes ",OPT=VALUE..." */
        size_t n = strlen(options);
        opts = et__xmalloc(n + 2);
        opts[0] = ',';
        memcpy(opts + 1, options, n + 1);
    }
    et_machine *m = create(board, NULL, opts, clock, err, errlen);
    free(opts);
    return m;
}

et_machine *et_machine_new(const char *spec, char *err, size_t errlen)
{
    et_clock *clock = et_clock_new_manual();
    et_machine *m = et_machine_new_on_clock(spec, clock, err, errlen);
    if (!m) {
        et_clock_free(clock);
        return NULL;
    }
    m->owns_clock = true;
    return m;
}

void et_machine_free(et_machine *m)
{
    if (!m) {
        return;
    }
    for (size_t i = 0; i < m->n_devs; i++) {
        et_device_free(m->devs[i]);
    }
    free(m->devs);
    free(m->dev_desc);
    if (m->ctrls) {
        for (unsigned i = 0; i < m->board->n_controllers; i++) {
            free(m->ctrls[i].levels);
        }
        free(m->ctrls);
    }
    free(m->routes);
    et__bus_destroy(&m->bus);
    et__bus_destroy(&m->io);
    if (m->clocks) {
        for (unsigned i = 0; i < m->board->n_clocks; i++) {
            et_clock_input_free(m->clocks[i]);
        }
        free(m->clocks);
    }
    if (m->owns_clock) {
        et_clock_free(m->clock);
    }
    free_options(m);
    et__board_free(m->built_board);
    free(m);
}

const et_board *et_machine_board(const et_machine *m)
{
    return m->board;
}

et_clock *et_machine_clock(et_machine *m)
{
    return m->clock;
}

/* --- accesses --------------------------------------------------------------- */

uint64_t et_machine_read(et_machine *m, uint64_t addr, unsigned size)
{
    uint8_t buf[8];
    if (size == 0 || size > 8) {
        return 0;
    }
    et__bus_read(&m->bus, addr, buf, size);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)buf[i] << (8 * i);
    }
    return v;
}

void et_machine_write(et_machine *m, uint64_t addr, uint64_t value, unsigned size)
{
    uint8_t buf[8];
    if (size == 0 || size > 8) {
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        buf[i] = (uint8_t)(value >> (8 * i));
    }
    et__bus_write(&m->bus, addr, buf, size);
}

void et_machine_read_bytes(et_machine *m, uint64_t addr, uint8_t *buf, size_t len)
{
    et__bus_read(&m->bus, addr, buf, len);
}

void et_machine_write_bytes(et_machine *m, uint64_t addr, const uint8_t *buf, size_t len)
{
    et__bus_write(&m->bus, addr, buf, len);
}

void et_machine_fill(et_machine *m, uint64_t addr, uint8_t byte, size_t len)
{
    et__bus_fill(&m->bus, addr, byte, len);
}

uint32_t et_machine_in(et_machine *m, uint16_t port, unsigned size)
{
    uint8_t buf[4];
    if (size != 1 && size != 2 && size != 4) {
        return 0;
    }
    et__bus_read(&m->io, port, buf, size);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint32_t)buf[i] << (8 * i);
    }
    return v;
}

void et_machine_out(et_machine *m, uint16_t port, uint32_t value, unsigned size)
{
    uint8_t buf[4];
    if (size != 1 && size != 2 && size != 4) {
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        buf[i] = (uint8_t)(value >> (8 * i));
    }
    et__bus_write(&m->io, port, buf, size);
}

/* --- devices ---------------------------------------------------------------- */

size_t et_machine_device_count(const et_machine *m)
{
    return m->n_devs;
}

et_device *et_machine_device(et_machine *m, size_t i)
{
    return i < m->n_devs ? m->devs[i] : NULL;
}

et_device *et_machine_find_device(et_machine *m, const char *name)
{
    for (size_t i = 0; i < m->n_devs; i++) {
        if (strcmp(m->devs[i]->name, name) == 0) {
            return m->devs[i];
        }
    }
    return NULL;
}

const et_board_device *et_machine_device_desc(const et_machine *m, size_t i)
{
    return i < m->n_devs ? m->dev_desc[i] : NULL;
}

static int find_device_index(const et_machine *m, const char *name)
{
    for (size_t i = 0; i < m->n_board_devs; i++) {
        if (strcmp(m->devs[i]->name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* --- QOM paths and intercepts ------------------------------------------------ */

/* QEMU's object_resolve_path with ambiguity rejected: an absolute path must
 * match exactly; a partial one matches the end of exactly one path, on a
 * component boundary. */
static int resolve_qom(const et_board *b, const char *path)
{
    size_t plen = strlen(path);
    if (plen == 0) {
        return -1;
    }
    int found = -1;
    for (unsigned i = 0; i < b->n_qom; i++) {
        const char *full = b->qom[i].path;
        size_t flen = strlen(full);
        bool match;
        if (path[0] == '/') {
            match = strcmp(full, path) == 0;
        } else {
            match = flen > plen && full[flen - plen - 1] == '/' &&
                    strcmp(full + flen - plen, path) == 0;
        }
        if (match) {
            if (found >= 0) {
                return -1; /* ambiguous */
            }
            found = (int)i;
        }
    }
    return found;
}

void et_machine_set_intercept_listener(et_machine *m, et_machine_irq_fn fn, void *opaque)
{
    m->icpt_fn = fn;
    m->icpt_opaque = opaque;
}

int et_machine_intercept(et_machine *m, const char *path, bool out)
{
    const et_board *b = m->board;
    int q = resolve_qom(b, path);
    if (q < 0) {
        return -1;
    }
    if (m->icpt_obj >= 0) {
        return q == m->icpt_obj ? 0 : -2;
    }
    m->icpt_obj = q;
    const et_board_qom *o = &b->qom[q];
    if (!out && o->controller) {
        m->icpt_ctrl = find_controller(b, o->controller);
        m->icpt_inputs = o->inputs;
    } else if (out && o->device && o->outputs) {
        m->icpt_dev = find_device_index(m, o->device);
        m->icpt_outputs = o->outputs;
    }
    /* qtest sees every qemu_set_irq call, not only level changes: a line
     * already high now is reported when its device next sets it. */
    for (size_t i = 0; i < m->n_routes; i++) {
        route *r = &m->routes[i];
        if ((m->icpt_ctrl >= 0 && r->to == m->icpt_ctrl && r->named < 0) ||
            (m->icpt_dev >= 0 && (size_t)m->icpt_dev == r->dev)) {
            et_irq_set_redeliver(et_device_irq(m->devs[r->dev], r->output), 1);
        }
    }
    return 0;
}

int et_machine_set_irq_in(et_machine *m, const char *path, const char *name, int num,
                          int level, char *err, size_t errlen)
{
    const et_board *b = m->board;
    int q = resolve_qom(b, path);
    if (q < 0) {
        snprintf(err, errlen, "Unknown device");
        return -1;
    }
    const et_board_qom *o = &b->qom[q];
    int ci = o->controller ? find_controller(b, o->controller) : -1;
    if (ci < 0) {
        snprintf(err, errlen, "%s has no input list '%s' in emutime", o->path, name);
        return -1;
    }
    if (strcmp(name, "unnamed-gpio-in") == 0) {
        unsigned n_in = o->inputs ? o->inputs : b->controllers[ci].n_inputs;
        if (num < 0 || (unsigned)num >= n_in) {
            snprintf(err, errlen, "input %d is out of range (0..%u)", num, n_in - 1);
            return -1;
        }
        controller_input(m, ci, -1, (unsigned)num, level);
        return 0;
    }
    const char *const *names = m->ctrls[ci].kind->named_inputs;
    for (int k = 0; names && names[k]; k++) {
        if (strcmp(names[k], name) == 0) {
            if (num != 0) {
                snprintf(err, errlen, "input %s[%d] is out of range (0..0)", name, num);
                return -1;
            }
            controller_input(m, ci, k, 0, level);
            return 0;
        }
    }
    snprintf(err, errlen, "%s has no input list '%s'", o->path, name);
    return -1;
}

void et_machine_set_line_listener(et_machine *m, et_machine_line_fn fn, void *opaque)
{
    m->line_fn = fn;
    m->line_opaque = opaque;
}

/* --- reset ---------------------------------------------------------------- */

void et_machine_reset(et_machine *m)
{
    m->reset_pending = false;
    for (size_t i = 0; i < m->n_board_devs; i++) {
        et_device_reset(m->devs[i]);
    }
    apply_held_lines(m);
    reset_views(m);
    /* A device that asked for a reset while being reset does not loop. */
    m->reset_pending = false;
    m->resets++;
}

void et_machine_set_reset_request_listener(et_machine *m, et_machine_reset_request_fn fn,
                                           void *opaque)
{
    m->reset_request_fn = fn;
    m->reset_request_opaque = opaque;
}

void et_machine_request_reset(et_machine *m)
{
    m->reset_pending = true;
}

bool et_machine_reset_pending(const et_machine *m)
{
    return m->reset_pending;
}

bool et_machine_run_pending_reset(et_machine *m)
{
    if (!m->reset_pending) {
        return false;
    }
    et_machine_reset(m);
    return true;
}

unsigned et_machine_reset_count(const et_machine *m)
{
    return m->resets;
}
