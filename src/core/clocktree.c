/* Clock-tree inputs: periods in 2^-32 ns, parents with multiplier/divider,
 * change callbacks (the model is QEMU's Clock). */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "emutime/clocktree.h"

#define PERIOD_1SEC ((uint64_t)1000000000 << 32)

typedef struct clock_cb {
    unsigned handle;
    et_clock_input_notify_fn cb;
    void *opaque;
} clock_cb;

struct et_clock_input {
    char *name;
    uint64_t period; /* read atomically */
    uint64_t own_period;
    et_clock_input *parent;
    uint32_t multiplier, divider;
    et_clock_input **children;
    size_t n_children;
    clock_cb *cbs;
    size_t n_cbs;
    unsigned next_handle;
};

uint64_t et_clock_period_from_hz(uint64_t hz)
{
    return hz ? PERIOD_1SEC / hz : 0;
}

uint64_t et_clock_hz_from_period(uint64_t period)
{
    return period ? PERIOD_1SEC / period : 0;
}

et_clock_input *et_clock_input_new(const char *name)
{
    et_clock_input *clk = et__xcalloc(1, sizeof(*clk));
    clk->name = strdup(name ? name : "clock");
    if (!clk->name) {
        clk->name = et__xcalloc(1, 1);
    }
    clk->multiplier = clk->divider = 1;
    return clk;
}

static void detach(et_clock_input *clk)
{
    et_clock_input *p = clk->parent;
    if (!p) {
        return;
    }
    for (size_t i = 0; i < p->n_children; i++) {
        if (p->children[i] == clk) {
            p->children[i] = p->children[--p->n_children];
            break;
        }
    }
    clk->parent = NULL;
}

void et_clock_input_free(et_clock_input *clk)
{
    if (!clk) {
        return;
    }
    detach(clk);
    for (size_t i = 0; i < clk->n_children; i++) {
        clk->children[i]->parent = NULL; /* orphans keep their last period */
    }
    free(clk->children);
    free(clk->cbs);
    free(clk->name);
    free(clk);
}

const char *et_clock_input_name(const et_clock_input *clk)
{
    return clk->name;
}

uint64_t et_clock_input_period(const et_clock_input *clk)
{
    return __atomic_load_n(&clk->period, __ATOMIC_RELAXED);
}

uint64_t et_clock_input_hz(const et_clock_input *clk)
{
    return et_clock_hz_from_period(et_clock_input_period(clk));
}

/* Recomputes clk's period from its source and propagates downwards. */
static void update(et_clock_input *clk)
{
    uint64_t period = clk->parent
        ? et__muldiv64(et_clock_input_period(clk->parent), clk->multiplier, clk->divider)
        : clk->own_period;
    bool changed = period != et_clock_input_period(clk);
    __atomic_store_n(&clk->period, period, __ATOMIC_RELAXED);
    for (size_t i = 0; i < clk->n_children; i++) {
        update(clk->children[i]);
    }
    /* Children first, then this node's devices: a device reading a child
     * period from its callback sees the new value. */
    if (changed) {
        for (size_t i = 0; i < clk->n_cbs; i++) {
            clk->cbs[i].cb(clk->cbs[i].opaque, clk);
        }
    }
}

void et_clock_input_set_period(et_clock_input *clk, uint64_t period)
{
    detach(clk);
    clk->own_period = period;
    update(clk);
}

void et_clock_input_set_hz(et_clock_input *clk, uint64_t hz)
{
    et_clock_input_set_period(clk, et_clock_period_from_hz(hz));
}

void et_clock_input_set_source(et_clock_input *clk, et_clock_input *parent,
                               uint32_t multiplier, uint32_t divider)
{
    ET_CONFIG_CHECK(parent && parent != clk && multiplier && divider,
                   "et_clock_input_set_source: need a parent other than the clock itself "
                   "and a non-zero multiplier and divider");
    for (et_clock_input *p = parent; p; p = p->parent) {
        ET_CONFIG_CHECK(p != clk, "et_clock_input_set_source: '%s' would become its own ancestor",
                        clk->name);
    }
    detach(clk);
    clk->parent = parent;
    clk->multiplier = multiplier;
    clk->divider = divider;
    parent->children = et__xrealloc(parent->children,
                                    sizeof(*parent->children) * (parent->n_children + 1));
    parent->children[parent->n_children++] = clk;
    update(clk);
}

void et_clock_input_set_mul_div(et_clock_input *clk, uint32_t multiplier, uint32_t divider)
{
    ET_CONFIG_CHECK(multiplier && divider,
                    "et_clock_input_set_mul_div: multiplier and divider must be non-zero");
    clk->multiplier = multiplier;
    clk->divider = divider;
    update(clk);
}

unsigned et_clock_input_add_notify(et_clock_input *clk, et_clock_input_notify_fn cb, void *opaque)
{
    clk->cbs = et__xrealloc(clk->cbs, sizeof(*clk->cbs) * (clk->n_cbs + 1));
    clock_cb *e = &clk->cbs[clk->n_cbs++];
    e->handle = ++clk->next_handle;
    e->cb = cb;
    e->opaque = opaque;
    return e->handle;
}

void et_clock_input_remove_notify(et_clock_input *clk, unsigned handle)
{
    for (size_t i = 0; i < clk->n_cbs; i++) {
        if (clk->cbs[i].handle == handle) {
            memmove(&clk->cbs[i], &clk->cbs[i + 1], sizeof(*clk->cbs) * (clk->n_cbs - i - 1));
            clk->n_cbs--;
            return;
        }
    }
}
