/* Machines: a board table turned into devices on a manual clock, wired to
 * interrupt-controller inputs, and deferred system reset requests. How a
 * board is built is machine_build.c; QOM paths and qtest's intercepts are
 * machine_qom.c; the spec and options are machine_spec.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "machines/machine_state.h"

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
    for (size_t i = 0; i < ET_N(kinds); i++) {
        if (strcmp(kinds[i]->kind, kind) == 0) {
            return kinds[i];
        }
    }
    return NULL;
}

/* --- the machine -------------------------------------------------------------- */

int et__machine_find_controller(const et_board *b, const char *name)
{
    for (unsigned i = 0; i < b->n_controllers; i++) {
        if (strcmp(b->controllers[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

void et__machine_controller_input(et_machine *m, int ci, int named, unsigned n, int level)
{
    controller *c = &m->ctrls[ci];
    level = level != 0;
    if (c->view) {
        c->kind->set_input(c->view, named, n, level);
    } else if (named < 0 && n < c->desc->n_inputs) {
        c->levels[n] = (uint8_t)level;
    }
    /* qtest's intercept sink sits in front of the unnamed inputs and sees every call,
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
void et__machine_view_request_sink(void *opaque, int n, int level)
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
    int ci = et__machine_find_controller(m->board, name);
    if (ci < 0 || !m->ctrls[ci].view || m->ctrls[ci].view->n_irqs == 0) {
        return ET_ENOENT;
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
    int ci = et__machine_find_controller(m->board, name);
    if (ci < 0) {
        return ET_ENOENT;
    }
    controller *c = &m->ctrls[ci];
    c->sink = fn;
    c->sink_opaque = opaque;
    /* The sink hears of changes; an input already high when it connects
     * (an ACLINT's MTIP is high from power-on) is told once now, so that
     * the embedder's CPU model starts from the real levels. */
    for (size_t i = 0; fn && i < m->n_routes; i++) {
        const route *r = &m->routes[i];
        if (r->to == ci && r->level) {
            fn(opaque, r->named < 0 ? r->input : 0,
               r->named < 0 ? NULL : c->kind->named_inputs[r->named], 1);
        }
    }
    return 0;
}

/* A device output line changed (delivered outside every library lock). */
void et__machine_route_sink(void *opaque, int n, int level)
{
    route *r = opaque;
    et_machine *m = r->m;
    (void)n;
    /* A redeliver line's repeat (the device set the level it had, as
     * QEMU's models call qemu_set_irq on every update) reaches what QEMU's
     * repeat reaches: qtest's intercept sink and the controller, but not the
     * waveform, which records changes. */
    bool repeat = level == r->level &&
                  et_device_irq(m->devs[r->dev], r->output)->redeliver;
    r->level = level;
    if (m->line_fn && !repeat) {
        m->line_fn(m->line_opaque, r->dev, r->output, level);
    }
    if (r->to >= 0) {
        et__machine_controller_input(m, r->to, r->named, r->input, level);
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


void et__machine_apply_held_lines(et_machine *m)
{
    const et_board *b = m->board;
    for (unsigned i = 0; i < b->n_held; i++) {
        int ci = et__machine_find_controller(b, b->held[i].controller);
        if (ci >= 0) {
            et__machine_controller_input(m, ci, -1, b->held[i].input, b->held[i].level);
        }
    }
}

void et__machine_reset_views(et_machine *m)
{
    for (unsigned i = 0; i < m->board->n_controllers; i++) {
        if (m->ctrls[i].view) {
            et_device_reset(m->ctrls[i].view);
        }
    }
}

/* A machine of board b (NULL: from spec's name) with options from spec (or
 * from options, ",OPT=VALUE..."), on clock. */
static et_machine *create(const et_board *b, const char *spec, const char *options,
                          et_clock *clock, char *err, size_t errlen)
{
    if (!clock) {
        et__error(err, errlen, ET_EINVAL, "et_machine_new: no clock");
        return NULL;
    }
    et_machine *m = et__xcalloc(1, sizeof(*m));
    m->icpt_obj = m->icpt_ctrl = m->icpt_dev = -1;
    m->io.unassigned = 0xff; /* QEMU's unassigned I/O reads all ones */
    int rc = b ? et__machine_parse_options(m, b, options, err, errlen)
               : et__machine_parse_spec(m, spec ? spec : ET_DEFAULT_MACHINE, err, errlen);
    if (rc != 0) {
        et__machine_free_options(m);
        free(m);
        return NULL;
    }
    if (m->board->instantiate) {
        m->built_board = m->board->instantiate(m->board, (const char *const *)m->option_values,
                                               err, errlen);
        if (!m->built_board) {
            et__machine_free_options(m);
            free(m);
            return NULL;
        }
        m->board = m->built_board;
    }
    m->clock = clock;
    if (et__machine_build(m, err, errlen) != 0) {
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
        et__error(err, errlen, ET_EINVAL, "et_machine_new_from_board: no board");
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
    et__machine_free_options(m);
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

/* An access of size bytes (at most 8), little-endian. */
static uint64_t bus_read_le(et__bus *bus, uint64_t addr, unsigned size)
{
    uint8_t buf[8];
    et__bus_read(bus, addr, buf, size);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)buf[i] << (8 * i);
    }
    return v;
}

static void bus_write_le(et__bus *bus, uint64_t addr, uint64_t value, unsigned size)
{
    uint8_t buf[8];
    for (unsigned i = 0; i < size; i++) {
        buf[i] = (uint8_t)(value >> (8 * i));
    }
    et__bus_write(bus, addr, buf, size);
}

uint64_t et_machine_read(et_machine *m, uint64_t addr, unsigned size)
{
    return size >= 1 && size <= 8 ? bus_read_le(&m->bus, addr, size) : 0;
}

void et_machine_write(et_machine *m, uint64_t addr, uint64_t value, unsigned size)
{
    if (size >= 1 && size <= 8) {
        bus_write_le(&m->bus, addr, value, size);
    }
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

static bool port_size_ok(unsigned size)
{
    return size == 1 || size == 2 || size == 4;
}

uint32_t et_machine_in(et_machine *m, uint16_t port, unsigned size)
{
    return port_size_ok(size) ? (uint32_t)bus_read_le(&m->io, port, size) : 0;
}

void et_machine_out(et_machine *m, uint16_t port, uint32_t value, unsigned size)
{
    if (port_size_ok(size)) {
        bus_write_le(&m->io, port, value, size);
    }
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

int et__machine_find_device_index(const et_machine *m, const char *name)
{
    for (size_t i = 0; i < m->n_board_devs; i++) {
        if (strcmp(m->devs[i]->name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

void et_machine_set_line_sink(et_machine *m, et_machine_line_fn fn, void *opaque)
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
    et__machine_apply_held_lines(m);
    et__machine_reset_views(m);
    /* A device that asked for a reset while being reset does not loop. */
    m->reset_pending = false;
    m->resets++;
}

void et_machine_set_reset_request_sink(et_machine *m, et_machine_reset_request_fn fn, void *opaque)
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
