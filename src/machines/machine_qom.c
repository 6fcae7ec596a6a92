/* QOM paths (machine_state.h): qtest's intercept rules (QEMU 7.2
 * softmmu/qtest.c: one intercepted device per process, only unnamed GPIO
 * lists hooked, the original destination still driven) and set_irq_in. */
#include <stdio.h>
#include <string.h>

#include "machines/machine_state.h"

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

void et_machine_set_intercept_sink(et_machine *m, et_machine_irq_fn fn, void *opaque)
{
    m->icpt_fn = fn;
    m->icpt_opaque = opaque;
}

int et_machine_intercept(et_machine *m, const char *path, bool out)
{
    const et_board *b = m->board;
    int q = resolve_qom(b, path);
    if (q < 0) {
        return ET_ENOENT;
    }
    if (m->icpt_obj >= 0) {
        return q == m->icpt_obj ? 0 : ET_EBUSY;
    }
    m->icpt_obj = q;
    const et_board_qom *o = &b->qom[q];
    if (!out && o->controller) {
        m->icpt_ctrl = et__machine_find_controller(b, o->controller);
        m->icpt_inputs = o->inputs;
    } else if (out && o->device && o->outputs) {
        m->icpt_dev = et__machine_find_device_index(m, o->device);
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
        return et__error(err, errlen, ET_ENOENT, "Unknown device");
    }
    const et_board_qom *o = &b->qom[q];
    int ci = o->controller ? et__machine_find_controller(b, o->controller) : -1;
    if (ci < 0) {
        return et__error(err, errlen, ET_ENOENT, "%s has no input list '%s' in emutime", o->path,
                         name);
    }
    if (strcmp(name, "unnamed-gpio-in") == 0) {
        unsigned n_in = o->inputs ? o->inputs : b->controllers[ci].n_inputs;
        if (num < 0 || (unsigned)num >= n_in) {
            return et__error(err, errlen, ET_EINVAL, "input %d is out of range (0..%u)", num,
                             n_in - 1);
        }
        et__machine_controller_input(m, ci, -1, (unsigned)num, level);
        return 0;
    }
    const char *const *names = m->ctrls[ci].kind->named_inputs;
    for (int k = 0; names && names[k]; k++) {
        if (strcmp(names[k], name) == 0) {
            if (num != 0) {
                return et__error(err, errlen, ET_EINVAL, "input %s[%d] is out of range (0..0)",
                                 name, num);
            }
            et__machine_controller_input(m, ci, k, 0, level);
            return 0;
        }
    }
    return et__error(err, errlen, ET_ENOENT, "%s has no input list '%s'", o->path, name);
}
