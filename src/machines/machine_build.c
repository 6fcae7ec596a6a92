/* Building a machine from its board (machine_state.h): the clocks, the
 * timer devices, the controllers and their register views, RAM, one route
 * per device output line, and the levels the lines start at. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "machines/machine_state.h"

/* A wire through another device's input (wire.via), when that device was
 * created: 1 and the route set, 0 when absent, -1 with a message when it has
 * no such input. */
static int route_via(et_machine *m, route *r, const et_board_wire *w, char *err, size_t errlen)
{
    int d = w->via ? et__machine_find_device_index(m, w->via) : -1;
    if (d < 0) {
        return 0;
    }
    if (w->via_input >= m->devs[d]->ops->n_inputs) {
        return et__error(err, errlen, ET_EINVAL, "%s: device %s has no input %u", m->board->name,
                         w->via, w->via_input);
    }
    r->to = TO_DEVICE;
    r->via_dev = (size_t)d;
    r->input = w->via_input;
    return 1;
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
        return et__error(err, errlen, ET_EINVAL, "%s: unknown address space %u", d->name, d->space);
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

static void build_clocks(et_machine *m)
{
    const et_board *b = m->board;
    m->clocks = et__xcalloc(b->n_clocks ? b->n_clocks : 1, sizeof(*m->clocks));
    for (unsigned i = 0; i < b->n_clocks; i++) {
        m->clocks[i] = et_clock_input_new(b->clocks[i].name);
        et_clock_input_set_hz(m->clocks[i], b->clocks[i].hz);
    }
}

/* One board device: created by its factory, added, mapped. */
static int build_device(et_machine *m, const et_board_device *d, char *err, size_t errlen)
{
    const et_board *b = m->board;
    char why[256];
    const et__machine_factory *mf = et__machine_factory_find(d->type);
    const et__device_factory *f = mf ? NULL : et__device_factory_find(d->type);
    if (!f && !mf) {
        return et__error(err, errlen, ET_EINVAL,
                         "%s: device type '%s' (%s) is not available in this build", b->name,
                         d->type, d->name);
    }
    et_clock_input *clk = NULL;
    if (d->clock && !(clk = board_clock(m, d->clock))) {
        return et__error(err, errlen, ET_EINVAL, "%s: %s: no clock '%s'", b->name, d->name,
                         d->clock);
    }
    why[0] = '\0';
    et_device *dev = mf ? mf->create(m, d->name, clk, d->config, why, sizeof(why))
                        : f->create(m->clock, d->name, clk, d->config, why, sizeof(why));
    if (!dev) {
        return et__error(err, errlen, ET_EINVAL, "%s: cannot create %s (%s): %s", b->name, d->name,
                         d->type, why);
    }
    add_device(m, dev, d);
    if (map_device(m, d, dev, why, sizeof(why)) != 0) {
        return et__error(err, errlen, ET_EINVAL, "%s: %s", b->name, why);
    }
    return 0;
}

/* Timer devices first (they are the snapshot's main content), in board
 * order; the controller views come after them. */
static int build_devices(et_machine *m, char *err, size_t errlen)
{
    const et_board *b = m->board;
    for (unsigned i = 0; i < b->n_devices; i++) {
        if (device_wanted(m, &b->devices[i]) && build_device(m, &b->devices[i], err, errlen)) {
            return -1;
        }
    }
    m->n_board_devs = m->n_devs;
    return 0;
}

/* Controller i: its kind, input levels and, for a kind with one, its
 * register view (a machine device, mapped below the board's devices). */
static int build_controller(et_machine *m, unsigned i, char *err, size_t errlen)
{
    const et_board *b = m->board;
    const et_board_controller *cd = &b->controllers[i];
    controller *c = &m->ctrls[i];
    char why[256];
    c->desc = cd;
    c->kind = et__ic_kind_find(cd->kind);
    if (!c->kind) {
        return et__error(err, errlen, ET_EINVAL, "%s: controller %s has unknown kind '%s'", b->name,
                         cd->name, cd->kind);
    }
    c->levels = et__xcalloc(cd->n_inputs ? cd->n_inputs : 1, 1);
    if (!c->kind->create) {
        return 0;
    }
    why[0] = '\0';
    c->view = c->kind->create(m->clock, cd->name, cd->n_inputs, why, sizeof(why));
    if (!c->view) {
        return et__error(err, errlen, ET_EINVAL, "%s: %s", b->name, why);
    }
    add_device(m, c->view, NULL);
    c->m = m;
    c->dev = m->n_devs - 1;
    for (unsigned o = 0; o < c->view->n_irqs; o++) {
        et_irq_connect(c->view->irqs[o], et__machine_view_request_sink, c, (int)o);
    }
    /* Below the board's devices: SysTick sits inside the SCS. */
    if (et__bus_add_device_under(&m->bus, cd->base, c->view, why, sizeof(why)) != 0) {
        return et__error(err, errlen, ET_EINVAL, "%s: %s", b->name, why);
    }
    return 0;
}

static int build_controllers(et_machine *m, char *err, size_t errlen)
{
    const et_board *b = m->board;
    m->ctrls = et__xcalloc(b->n_controllers ? b->n_controllers : 1, sizeof(*m->ctrls));
    for (unsigned i = 0; i < b->n_controllers; i++) {
        if (build_controller(m, i, err, errlen)) {
            return -1;
        }
    }
    return 0;
}

static int build_ram(et_machine *m, char *err, size_t errlen)
{
    const et_board *b = m->board;
    char why[256];
    for (unsigned i = 0; i < b->n_ram; i++) {
        const et_board_ram *r = &b->ram[i];
        int rc = r->alias_of ? et__bus_add_ram_alias(&m->bus, r->name, r->alias_of, r->base,
                                                     r->size, why, sizeof(why))
                             : et__bus_add_ram(&m->bus, r->name, r->base, r->size, why,
                                               sizeof(why));
        if (rc != 0) {
            return et__error(err, errlen, ET_EINVAL, "%s: %s", b->name, why);
        }
    }
    return 0;
}

/* Where a wire of output o of device d leads: the reset, another device's
 * input or a controller's input (named or numbered). */
static int route_wire(et_machine *m, route *r, const et_board_device *d, unsigned o,
                      const et_board_wire *wire, char *err, size_t errlen)
{
    const et_board *b = m->board;
    if (strcmp(wire->controller, ET_BOARD_RESET) == 0) {
        r->to = TO_RESET;
        return 0;
    }
    int via = route_via(m, r, wire, err, errlen);
    if (via != 0) {
        return via < 0 ? -1 : 0;
    }
    int ci = et__machine_find_controller(b, wire->controller);
    if (ci < 0) {
        return et__error(err, errlen, ET_EINVAL, "%s: %s output %u goes to unknown controller %s",
                         b->name, d->name, o, wire->controller);
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
            return et__error(err, errlen, ET_EINVAL, "%s: controller %s has no input %s", b->name,
                             wire->controller, wire->input_name);
        }
        r->named = k;
    } else if (wire->input >= b->controllers[ci].n_inputs) {
        return et__error(err, errlen, ET_EINVAL, "%s: controller %s has no input %u", b->name,
                         wire->controller, wire->input);
    }
    return 0;
}

/* One route per device output line, wired or not (intercept_out and
 * waveforms see every line). */
static int build_routes(et_machine *m, char *err, size_t errlen)
{
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
                return et__error(err, errlen, ET_EINVAL, "%s: %s has no output line %u",
                                 m->board->name, d->name, d->wires[w].output);
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
                if (wire->output == o && wire->controller &&
                    route_wire(m, r, d, o, wire, err, errlen)) {
                    return -1;
                }
            }
            et_irq_line *line = et_device_irq(m->devs[i], o);
            r->level = et_irq_level(line);
            et_irq_connect(line, et__machine_route_sink, r, (int)o);
        }
    }
    return 0;
}

/* Lines already high at creation (the ACLINT's MTIP) reach their
 * controllers, then the lines that unmodelled devices hold, then the
 * power-on reset of the views. */
static void set_initial_levels(et_machine *m)
{
    for (size_t i = 0; i < m->n_routes; i++) {
        route *r = &m->routes[i];
        int level = et_irq_level(et_device_irq(m->devs[r->dev], r->output));
        if (level && r->to >= 0) {
            et__machine_controller_input(m, r->to, r->named, r->input, level);
        } else if (level && r->to == TO_DEVICE) {
            et_device_set_input(m->devs[r->via_dev], r->input, level);
        }
    }
    /* Held lines go up before the views' reset, as QEMU's devices raise
     * them before the NVIC resets: no pending bit at power-on. */
    et__machine_apply_held_lines(m);
    et__machine_reset_views(m);
}

int et__machine_build(et_machine *m, char *err, size_t errlen)
{
    build_clocks(m);
    if (build_devices(m, err, errlen) || build_controllers(m, err, errlen) ||
        build_ram(m, err, errlen) || build_routes(m, err, errlen)) {
        return -1;
    }
    set_initial_levels(m);
    return 0;
}
