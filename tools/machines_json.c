/* `emutime machines --json`: the board tables as JSON, for scripts. One
 * array of boards; every field of the board description, with addresses as
 * numbers. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "tool.h"

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *device_json(const et_board_device *d)
{
    json_t *wires = json_array();
    for (unsigned w = 0; w < d->n_wires; w++) {
        const et_board_wire *bw = &d->wires[w];
        json_t *o = json_pack("{s:I}", "output", (json_int_t)bw->output);
        json_object_set_new(o, "controller", str_or_null(bw->controller));
        if (bw->input_name) {
            json_object_set_new(o, "input_name", json_string(bw->input_name));
        } else if (bw->controller) {
            json_object_set_new(o, "input", json_integer(bw->input));
        }
        json_array_append_new(wires, o);
    }
    json_t *counters = json_array();
    for (unsigned k = 0; k < d->n_counters; k++) {
        json_array_append_new(counters, json_pack("{s:s, s:I, s:I}", "name", d->counters[k].name,
                                                  "offset", (json_int_t)d->counters[k].offset,
                                                  "size", (json_int_t)d->counters[k].size));
    }
    json_t *o = json_pack("{s:s, s:s, s:I}", "name", d->name, "type", d->type, "base",
                          (json_int_t)d->base);
    json_object_set_new(o, "clock", str_or_null(d->clock));
    if (!d->clock) {
        json_object_set_new(o, "clock_hz", json_integer((json_int_t)d->clock_hz));
    }
    json_object_set_new(o, "wires", wires);
    json_object_set_new(o, "counters", counters);
    json_object_set_new(o, "option", str_or_null(d->option));
    json_object_set_new(o, "space", json_string(d->space == ET_SPACE_IO ? "io" : "memory"));
    if (d->windows) {
        json_t *windows = json_array();
        for (unsigned k = 0; k < d->n_windows; k++) {
            json_array_append_new(windows,
                                  json_pack("{s:I, s:I, s:I}", "base",
                                            (json_int_t)d->windows[k].base, "offset",
                                            (json_int_t)d->windows[k].offset, "size",
                                            (json_int_t)d->windows[k].size));
        }
        json_object_set_new(o, "windows", windows);
    }
    return o;
}

static json_t *board_json(const et_board *b)
{
    json_t *clocks = json_array();
    for (unsigned i = 0; i < b->n_clocks; i++) {
        json_array_append_new(clocks, json_pack("{s:s, s:I}", "name", b->clocks[i].name, "hz",
                                                (json_int_t)b->clocks[i].hz));
    }
    json_t *devices = json_array();
    for (unsigned i = 0; i < b->n_devices; i++) {
        json_array_append_new(devices, device_json(&b->devices[i]));
    }
    json_t *ctrls = json_array();
    for (unsigned i = 0; i < b->n_controllers; i++) {
        const et_board_controller *c = &b->controllers[i];
        json_array_append_new(ctrls, json_pack("{s:s, s:s, s:I, s:I, s:s?}", "name", c->name,
                                               "kind", c->kind, "inputs", (json_int_t)c->n_inputs,
                                               "base", (json_int_t)c->base, "numbering",
                                               c->numbering));
    }
    json_t *qom = json_array();
    for (unsigned i = 0; i < b->n_qom; i++) {
        const et_board_qom *q = &b->qom[i];
        json_t *o = json_pack("{s:s}", "path", q->path);
        json_object_set_new(o, "controller", str_or_null(q->controller));
        json_object_set_new(o, "device", str_or_null(q->device));
        json_object_set_new(o, "outputs", json_integer(q->outputs));
        json_array_append_new(qom, o);
    }
    json_t *ram = json_array();
    for (unsigned i = 0; i < b->n_ram; i++) {
        json_t *o = json_pack("{s:s, s:I, s:I}", "name", b->ram[i].name, "base",
                              (json_int_t)b->ram[i].base, "size", (json_int_t)b->ram[i].size);
        json_object_set_new(o, "alias_of", str_or_null(b->ram[i].alias_of));
        json_array_append_new(ram, o);
    }
    json_t *held = json_array();
    for (unsigned i = 0; i < b->n_held; i++) {
        json_array_append_new(held, json_pack("{s:s, s:I, s:I, s:s?}", "controller",
                                              b->held[i].controller, "input",
                                              (json_int_t)b->held[i].input, "level",
                                              (json_int_t)b->held[i].level, "what",
                                              b->held[i].what));
    }
    json_t *opts = json_array();
    for (unsigned i = 0; i < b->n_options; i++) {
        const et_board_option *o = &b->options[i];
        json_array_append_new(opts, json_pack("{s:s, s:s, s:s, s:s?}", "name", o->name, "kind",
                                              o->check ? "value" : "switch", "default", o->def,
                                              "help", o->help));
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "name", b->name, "description", b->description,
                          "qemu_binary", b->qemu_binary, "intercept", b->intercept);
    json_object_set_new(o, "default", json_boolean(strcmp(b->name, ET_DEFAULT_MACHINE) == 0));
    json_object_set_new(o, "clocks", clocks);
    json_object_set_new(o, "devices", devices);
    json_object_set_new(o, "controllers", ctrls);
    json_object_set_new(o, "qom", qom);
    json_object_set_new(o, "ram", ram);
    json_object_set_new(o, "held_lines", held);
    json_object_set_new(o, "options", opts);
    json_object_set_new(o, "notes", str_or_null(b->notes));
    return o;
}

int tool_machines_json(const et_board *const *boards, size_t n)
{
    json_t *all = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(all, board_json(boards[i]));
    }
    int rc = json_dumpf(all, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(all);
    printf("\n");
    return rc == 0 ? 0 : -1;
}
