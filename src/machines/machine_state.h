/* The machine's own state, shared by the files of the machine framework:
 *   machine.c            creation, accesses, devices, controller inputs, reset
 *   machine_build.c      a board's clocks, devices, controllers, RAM, routes
 *   machine_spec.c       "NAME[,OPT=VALUE...]" and the board options
 *   machine_qom.c        QOM paths: qtest's intercepts and set_irq_in
 *   machine_snapshot.c   save and load of the whole machine
 * (the device factories, views and boards see only machine_internal.h). */
#ifndef EMUTIME_MACHINES_MACHINE_STATE_H
#define EMUTIME_MACHINES_MACHINE_STATE_H

#include "core/internal.h"
#include "machines/machine_internal.h"

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

/* machine.c */
/* The index of the board's controller called name, or -1. */
int et__machine_find_controller(const et_board *b, const char *name);
/* The index among the board's devices of the one called name, or -1. */
int et__machine_find_device_index(const et_machine *m, const char *name);
/* Drives input n (named < 0) or named input `named` of controller ci. */
void et__machine_controller_input(et_machine *m, int ci, int named, unsigned n, int level);
/* The sinks of a device output line (opaque: its route) and of a view's
 * CPU-facing line (opaque: its controller). */
void et__machine_route_sink(void *opaque, int n, int level);
void et__machine_view_request_sink(void *opaque, int n, int level);
/* The lines unmodelled devices hold, then the power-on reset of the views. */
void et__machine_apply_held_lines(et_machine *m);
void et__machine_reset_views(et_machine *m);

/* machine_build.c: everything of m->board, on m->clock. */
int et__machine_build(et_machine *m, char *err, size_t errlen);

/* machine_spec.c: the board and option values from a spec or from ",OPT=VALUE..." */
int et__machine_parse_spec(et_machine *m, const char *spec, char *err, size_t errlen);
int et__machine_parse_options(et_machine *m, const et_board *b, const char *p, char *err,
                              size_t errlen);
void et__machine_free_options(et_machine *m);

#endif
