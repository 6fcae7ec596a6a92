/* `emutime machines`: each board's timers, addresses, clocks, interrupt
 * wiring, intercept paths and options, read from the board tables and a
 * freshly built machine (region sizes and line names come from the devices
 * themselves). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "tool.h"

static void machines_usage(FILE *f)
{
    fprintf(f,
            "usage: emutime machines [OPTIONS] [NAME[,OPT=VALUE...]...]\n"
            "\n"
            "Describes the machines (all, or the named ones, as built with the options\n"
            "given: 'virt,smp=4,sockets=2'): QEMU's board name and binary,\n"
            "the qtest intercept that observes the timers, the clocks, every timer with its\n"
            "address range and interrupt wiring, the interrupt controllers and their input\n"
            "numbering, the QOM paths qtest accepts, RAM, options and what is not modelled.\n"
            "\n"
            "Options:\n"
            "  -s, --short   one line per machine\n"
            "  -j, --json    the board tables as JSON (an array of machines)\n"
            "  -h, --help    show this help\n");
}

/* Where a board device is mapped: a memory range, or I/O ports ("ports
 * 0x40-0x43, 0x61" for a device mapped as windows). */
static void describe_where(const et_board_device *d, et_device *dev, char *buf, size_t len)
{
    const char *prefix = d->space == ET_SPACE_IO ? "ports " : "";
    int fmt_width = d->space == ET_SPACE_IO ? 2 : 8;
    if (!d->windows) {
        snprintf(buf, len, "%s0x%0*" PRIx64 "-0x%0*" PRIx64, prefix, fmt_width, d->base,
                 fmt_width, d->base + dev->ops->region_size - 1);
        return;
    }
    size_t n = (size_t)snprintf(buf, len, "%s", prefix);
    for (unsigned w = 0; w < d->n_windows && n < len; w++) {
        const et_board_window *win = &d->windows[w];
        if (win->size == 1) {
            n += (size_t)snprintf(buf + n, len - n, "%s0x%0*" PRIx64, w ? ", " : "", fmt_width,
                                  win->base);
        } else {
            n += (size_t)snprintf(buf + n, len - n, "%s0x%0*" PRIx64 "-0x%0*" PRIx64,
                                  w ? ", " : "", fmt_width, win->base, fmt_width,
                                  win->base + win->size - 1);
        }
    }
}

static void print_period(uint64_t hz)
{
    if (hz == 0) {
        printf("stopped");
        return;
    }
    /* ns per tick, to three decimals where it is not whole. */
    uint64_t milli_ns = (UINT64_C(1000000000000) + hz / 2) / hz;
    if (hz >= 1000000 && hz % 1000000 == 0) {
        printf("%" PRIu64 " MHz", hz / 1000000);
    } else {
        printf("%" PRIu64 " Hz", hz);
    }
    if (milli_ns % 1000 == 0) {
        printf(" (%" PRIu64 " ns)", milli_ns / 1000);
    } else {
        printf(" (%" PRIu64 ".%03" PRIu64 " ns)", milli_ns / 1000, milli_ns % 1000);
    }
}

static const et_board_wire *wire_of(const et_board_device *d, unsigned output)
{
    for (unsigned w = 0; w < d->n_wires; w++) {
        if (d->wires[w].output == output) {
            return &d->wires[w];
        }
    }
    return NULL;
}

static uint64_t clock_hz(const et_board *b, const char *name)
{
    for (unsigned i = 0; i < b->n_clocks; i++) {
        if (strcmp(b->clocks[i].name, name) == 0) {
            return b->clocks[i].hz;
        }
    }
    return 0;
}

/* spec: the board's name, or a machine spec with options. False when the
 * machine cannot be built. */
static bool describe(const et_board *b, const char *spec)
{
    printf("%s: %s\n", b->name, b->description);
    printf("  QEMU:      %s -machine %s\n", b->qemu_binary, b->name);
    printf("  intercept: %s\n", b->intercept);

    char err[512];
    et_machine *m = et_machine_new(spec, err, sizeof(err));
    if (!m) {
        printf("  (cannot be built: %s)\n\n", err);
        return false;
    }
    b = et_machine_board(m); /* the layout its options give */
    if (b->n_clocks) {
        printf("  clocks:\n");
        for (unsigned i = 0; i < b->n_clocks; i++) {
            printf("    %-10s ", b->clocks[i].name);
            print_period(b->clocks[i].hz);
            printf("\n");
        }
    }
    printf("  timers:\n");
    for (size_t i = 0; i < et_machine_device_count(m); i++) {
        const et_board_device *d = et_machine_device_desc(m, i);
        if (!d) {
            continue;
        }
        et_device *dev = et_machine_device(m, i);
        char where[64];
        describe_where(d, dev, where, sizeof(where));
        printf("    %-10s %-20s %-21s  ", d->name, d->type, where);
        if (d->clock) {
            printf("%s, ", d->clock);
            print_period(clock_hz(b, d->clock));
        } else if (d->clock_hz) {
            print_period(d->clock_hz);
        }
        if (d->option) {
            printf("  [option %s]", d->option);
        }
        printf("\n");
        unsigned n_out = et_device_irq_count(dev);
        for (unsigned o = 0; o < n_out;) {
            /* Runs of lines wired to consecutive inputs of one controller
             * (or all unconnected) print as one range. */
            const et_board_wire *w = wire_of(d, o);
            unsigned end = o + 1;
            while (end < n_out) {
                const et_board_wire *x = wire_of(d, end);
                bool same_run = (!w || !w->controller)
                                    ? (!x || !x->controller)
                                    : (x && x->controller && !w->input_name && !x->input_name &&
                                       strcmp(x->controller, w->controller) == 0 &&
                                       x->input == w->input + (end - o));
                if (!same_run) {
                    break;
                }
                end++;
            }
            const char *first = et_device_irq(dev, o)->name;
            if (end - o == 1) {
                printf("      out %-5u %-13s -> ", o, first ? first : "?");
            } else {
                const char *last = et_device_irq(dev, end - 1)->name;
                char names[64];
                snprintf(names, sizeof(names), "%s..%s", first ? first : "?", last ? last : "?");
                char outs[32];
                snprintf(outs, sizeof(outs), "%u-%u", o, end - 1);
                printf("      out %-5s %-13s -> ", outs, names);
            }
            if (!w || !w->controller) {
                printf("not connected\n");
            } else if (strcmp(w->controller, ET_BOARD_RESET) == 0) {
                printf("system reset request\n");
            } else if (w->input_name) {
                printf("%s %s (a named input: not interceptable)\n", w->controller,
                       w->input_name);
            } else if (end - o == 1 && w->via && et_machine_find_device(m, w->via)) {
                printf("%s input %u (through %s input %u)\n", w->controller, w->input, w->via,
                       w->via_input);
            } else if (end - o == 1) {
                printf("%s input %u\n", w->controller, w->input);
            } else {
                printf("%s inputs %u-%u\n", w->controller, w->input, w->input + (end - o - 1));
            }
            o = end;
        }
        for (unsigned k = 0; k < d->n_counters; k++) {
            printf("      counter %s at +0x%x (%u bytes, sampled in waveforms)\n",
                   d->counters[k].name, d->counters[k].offset, d->counters[k].size);
        }
    }
    printf("  interrupt controllers:\n");
    for (unsigned i = 0; i < b->n_controllers; i++) {
        const et_board_controller *c = &b->controllers[i];
        printf("    %-10s %-12s %u inputs", c->name, c->kind, c->n_inputs);
        et_device *view = et_machine_find_device(m, c->name);
        if (view) {
            printf(", register view at 0x%08" PRIx64 "-0x%08" PRIx64, c->base,
                   c->base + view->ops->region_size - 1);
        }
        printf("\n      input N: %s\n", c->numbering);
    }
    for (unsigned i = 0; i < b->n_held; i++) {
        printf("    %s input %u held %s by %s\n", b->held[i].controller, b->held[i].input,
               b->held[i].level ? "high" : "low", b->held[i].what);
    }
    printf("  QOM paths (irq_intercept_in/out, set_irq_in):\n");
    for (unsigned i = 0; i < b->n_qom; i++) {
        const et_board_qom *q = &b->qom[i];
        printf("    %-34s ", q->path);
        if (q->controller) {
            printf("in: %s inputs\n", q->controller);
        } else if (q->device && q->outputs) {
            printf("out: %s lines 0..%u\n", q->device, q->outputs - 1);
        } else if (q->device) {
            printf("%s (no unnamed GPIO modelled: intercept hooks nothing)\n", q->device);
        } else {
            printf("(no unnamed GPIO modelled: intercept hooks nothing)\n");
        }
    }
    if (b->n_ram) {
        printf("  RAM:\n");
        for (unsigned i = 0; i < b->n_ram; i++) {
            printf("    %-16s 0x%08" PRIx64 "-0x%08" PRIx64, b->ram[i].name, b->ram[i].base,
                   b->ram[i].base + b->ram[i].size - 1);
            if (b->ram[i].alias_of) {
                printf("  (the same memory as %s)", b->ram[i].alias_of);
            }
            printf("\n");
        }
    }
    if (b->n_options) {
        printf("  options:\n");
        for (unsigned i = 0; i < b->n_options; i++) {
            printf("    %s=%s (default %s): %s\n", b->options[i].name,
                   b->options[i].check ? "VALUE" : "on|off", b->options[i].def, b->options[i].help);
        }
    }
    if (b->notes) {
        printf("  %s\n", b->notes);
    }
    printf("\n");
    et_machine_free(m);
    return true;
}

/* The board name of a machine spec ("virt" of "virt,smp=4"). */
static const char *board_name(const char *spec)
{
    static char name[64];
    size_t n = strcspn(spec, ",");
    snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1), spec);
    return name;
}

int tool_cmd_machines(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "short", no_argument, NULL, 's' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool brief = false, json = false;
    int c;
    tool_getopt_reset();
    while ((c = tool_getopt(argc, argv, ":sjh", longopts, "machines")) != -1) {
        switch (c) {
        case 's': brief = true; break;
        case 'j': json = true; break;
        case 'h': machines_usage(stdout); return TOOL_EXIT_OK;
        default: return TOOL_EXIT_USAGE;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (!et_board_find(board_name(argv[i]))) {
            tool_error("machines: unknown machine '%s' (try 'emutime machines --short')",
                       argv[i]);
            return TOOL_EXIT_USAGE;
        }
    }
    if (brief && json) {
        tool_error("machines: --short and --json do not go together");
        return TOOL_EXIT_USAGE;
    }
    const et_board **chosen = calloc(et_board_count() + 1, sizeof(*chosen));
    size_t n_chosen = 0;
    int rc = TOOL_EXIT_OK;
    for (size_t i = 0; i < et_board_count(); i++) {
        const et_board *b = et_board_get(i);
        const char *spec = optind == argc ? b->name : NULL;
        for (int k = optind; k < argc && !spec; k++) {
            spec = strcmp(board_name(argv[k]), b->name) == 0 ? argv[k] : NULL;
        }
        if (!spec) {
            continue;
        }
        if (json) {
            chosen[n_chosen++] = b;
        } else if (brief) {
            printf("%-12s %s%s\n", b->name, b->description,
                   strcmp(b->name, ET_DEFAULT_MACHINE) == 0 ? " (default)" : "");
        } else if (!describe(b, spec) && optind < argc) {
            rc = TOOL_EXIT_USAGE; /* options the user gave that do not build */
        }
    }
    if (json && tool_machines_json(chosen, n_chosen) != 0) {
        rc = TOOL_EXIT_ERROR;
    }
    free(chosen);
    return fflush(stdout) != 0 ? TOOL_EXIT_ERROR : rc;
}
