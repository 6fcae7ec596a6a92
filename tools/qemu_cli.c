/* QEMU's command line, the part libqtest and qtest users pass, mapped onto
 * an emutime machine spec and the drop-in's endpoints. Everything else is
 * refused with a message and exit status 1, as QEMU refuses an option it
 * does not know: an option emutime cannot honour is never ignored. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "emutime/machine.h"
#include "qemu_cli.h"

static const char *const watchdog_names[] = {
    [QEMU_WDT_RESET] = "reset",   [QEMU_WDT_SHUTDOWN] = "shutdown",
    [QEMU_WDT_POWEROFF] = "poweroff", [QEMU_WDT_PAUSE] = "pause",
    [QEMU_WDT_DEBUG] = "debug",   [QEMU_WDT_NONE] = "none",
    [QEMU_WDT_INJECT_NMI] = "inject-nmi",
};

const char *qemu_watchdog_action_name(qemu_watchdog_action a)
{
    return watchdog_names[a];
}

int qemu_watchdog_action_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(watchdog_names) / sizeof(watchdog_names[0]); i++) {
        if (strcmp(watchdog_names[i], name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

bool qemu_cli_is_dropin(const char *argv0)
{
    const char *name = base_name(argv0);
    const char *sys = strstr(name, "-system-");
    return sys && sys[8] != '\0';
}

/* --- small string helpers ------------------------------------------------ */

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d) {
        abort();
    }
    return d;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = strndup(s, n);
    if (!d) {
        abort();
    }
    return d;
}

/* Appends ",TEXT" (or "TEXT" to an empty string). */
static void spec_append(char **spec, const char *text)
{
    size_t old = *spec ? strlen(*spec) : 0;
    size_t add = strlen(text);
    char *s = realloc(*spec, old + add + 2);
    if (!s) {
        abort();
    }
    if (old) {
        s[old++] = ',';
    }
    memcpy(s + old, text, add + 1);
    *spec = s;
}

/* A QEMU option value "a=b,c,d=e": the list of its key=value parts. */
typedef struct kv {
    char *key;
    char *value; /* NULL for a bare key ("server") */
} kv;

typedef struct kv_list {
    kv items[16];
    unsigned n;
} kv_list;

static void kv_free(kv_list *l)
{
    for (unsigned i = 0; i < l->n; i++) {
        free(l->items[i].key);
        free(l->items[i].value);
    }
    l->n = 0;
}

/* -1 when there are more parts than fit. */
static int kv_split(const char *text, kv_list *l)
{
    l->n = 0;
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len) {
            if (l->n == sizeof(l->items) / sizeof(l->items[0])) {
                kv_free(l);
                return -1;
            }
            const char *eq = memchr(p, '=', len);
            kv *item = &l->items[l->n++];
            item->key = xstrndup(p, eq ? (size_t)(eq - p) : len);
            item->value = eq ? xstrndup(eq + 1, len - (size_t)(eq - p) - 1) : NULL;
        }
        p += len + (end ? 1 : 0);
    }
    return 0;
}

/* QEMU's boolean option values; a bare key means on. -1: not a boolean. */
static int parse_bool(const char *value)
{
    if (!value || strcmp(value, "on") == 0 || strcmp(value, "yes") == 0 ||
        strcmp(value, "true") == 0) {
        return 1;
    }
    if (strcmp(value, "off") == 0 || strcmp(value, "no") == 0 || strcmp(value, "false") == 0) {
        return 0;
    }
    return -1;
}

/* --- the parser ---------------------------------------------------------- */

typedef struct chardev {
    char *id;
    qemu_endpoint ep;
} chardev;

typedef struct parse_state {
    qemu_config *cfg;
    const char *opt; /* the option being parsed, for messages */
    const char *arg;
    char *machine_name;
    char *machine_opts;  /* board options from -machine */
    kv_list devices[8];  /* -device NAME[,props] */
    unsigned n_devices;
    kv_list rtc;
    bool have_rtc;
    kv_list smp;
    bool have_smp;
    unsigned numa_nodes; /* -numa node: on virt, QEMU's sockets */
    chardev chardevs[QEMU_MAX_QMP];
    unsigned n_chardevs;
} parse_state;

static int fail(parse_state *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(parse_state *ps, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", ps->cfg->prog);
    if (ps->opt) {
        fprintf(stderr, "-%s%s%s: ", ps->opt, ps->arg ? " " : "", ps->arg ? ps->arg : "");
    }
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

/* "unix:PATH[,server=on,wait=off]" or "stdio" (-qtest, -qmp). */
static int parse_endpoint(parse_state *ps, const char *text, qemu_endpoint *ep)
{
    if (strcmp(text, "stdio") == 0) {
        ep->kind = QEMU_EP_STDIO;
        return 0;
    }
    if (strncmp(text, "unix:", 5) != 0) {
        return fail(ps, "emutime serves only 'unix:PATH[,server=on,wait=off]' or 'stdio'");
    }
    kv_list l;
    const char *comma = strchr(text + 5, ',');
    size_t plen = comma ? (size_t)(comma - text - 5) : strlen(text + 5);
    if (plen == 0) {
        return fail(ps, "missing socket path");
    }
    if (kv_split(comma ? comma + 1 : "", &l) != 0) {
        return fail(ps, "too many parameters");
    }
    ep->kind = QEMU_EP_UNIX;
    free(ep->path);
    ep->path = xstrndup(text + 5, plen);
    ep->server = false;
    ep->wait = true;
    int rc = 0;
    for (unsigned i = 0; i < l.n && rc == 0; i++) {
        int b = parse_bool(l.items[i].value);
        if (strcmp(l.items[i].key, "server") == 0 && b >= 0) {
            ep->server = b;
        } else if (strcmp(l.items[i].key, "wait") == 0 && b >= 0) {
            ep->wait = b;
        } else {
            rc = fail(ps, "parameter '%s' is not supported by emutime", l.items[i].key);
        }
    }
    kv_free(&l);
    return rc;
}

/* -chardev socket,path=P,id=ID[,server=on,wait=off] */
static int parse_chardev(parse_state *ps, const char *text)
{
    kv_list l;
    if (kv_split(text, &l) != 0) {
        return fail(ps, "too many parameters");
    }
    if (l.n == 0 || l.items[0].value || strcmp(l.items[0].key, "socket") != 0) {
        kv_free(&l);
        return fail(ps, "emutime has only unix-socket character devices "
                        "('socket,path=PATH,id=ID')");
    }
    if (ps->n_chardevs == QEMU_MAX_QMP) {
        kv_free(&l);
        return fail(ps, "at most %d character devices", QEMU_MAX_QMP);
    }
    chardev *c = &ps->chardevs[ps->n_chardevs];
    memset(c, 0, sizeof(*c));
    c->ep.kind = QEMU_EP_UNIX;
    c->ep.wait = true;
    int rc = 0;
    for (unsigned i = 1; i < l.n && rc == 0; i++) {
        const kv *it = &l.items[i];
        int b = parse_bool(it->value);
        if (strcmp(it->key, "path") == 0 && it->value && *it->value) {
            free(c->ep.path);
            c->ep.path = xstrdup(it->value);
        } else if (strcmp(it->key, "id") == 0 && it->value && *it->value) {
            free(c->id);
            c->id = xstrdup(it->value);
        } else if (strcmp(it->key, "server") == 0 && b >= 0) {
            c->ep.server = b;
        } else if (strcmp(it->key, "wait") == 0 && b >= 0) {
            c->ep.wait = b;
        } else {
            rc = fail(ps, "parameter '%s' is not supported by emutime", it->key);
        }
    }
    kv_free(&l);
    if (rc == 0 && (!c->id || !c->ep.path)) {
        rc = fail(ps, "a socket character device needs path=PATH and id=ID");
    }
    if (rc != 0) {
        free(c->id);
        free(c->ep.path);
        return rc;
    }
    ps->n_chardevs++;
    return 0;
}

static int add_qmp(parse_state *ps, qemu_endpoint *ep)
{
    qemu_config *cfg = ps->cfg;
    if (cfg->n_qmp == QEMU_MAX_QMP) {
        free(ep->path);
        return fail(ps, "at most %d monitors", QEMU_MAX_QMP);
    }
    cfg->qmp[cfg->n_qmp++] = *ep;
    return 0;
}

/* -mon chardev=ID,mode=control */
static int parse_mon(parse_state *ps, const char *text)
{
    kv_list l;
    if (kv_split(text, &l) != 0) {
        return fail(ps, "too many parameters");
    }
    const char *id = NULL;
    int rc = 0;
    for (unsigned i = 0; i < l.n && rc == 0; i++) {
        const kv *it = &l.items[i];
        if (strcmp(it->key, "chardev") == 0 && it->value) {
            id = it->value;
        } else if (strcmp(it->key, "mode") == 0 && it->value) {
            if (strcmp(it->value, "control") != 0) {
                rc = fail(ps, "emutime has only QMP monitors (mode=control), not '%s'",
                          it->value);
            }
        } else if (strcmp(it->key, "pretty") == 0 && parse_bool(it->value) == 0) {
            /* the default */
        } else {
            rc = fail(ps, "parameter '%s' is not supported by emutime", it->key);
        }
    }
    if (rc == 0 && !id) {
        rc = fail(ps, "needs chardev=ID");
    }
    /* mode=control is required: QEMU's default is the human monitor. */
    if (rc == 0 && !strstr(text, "mode=control")) {
        rc = fail(ps, "emutime has only QMP monitors: add mode=control");
    }
    unsigned k = 0;
    while (rc == 0 && k < ps->n_chardevs && strcmp(ps->chardevs[k].id, id) != 0) {
        k++;
    }
    if (rc == 0 && k == ps->n_chardevs) {
        rc = fail(ps, "no character device with id '%s'", id);
    }
    if (rc == 0) {
        qemu_endpoint ep = ps->chardevs[k].ep;
        ep.path = xstrdup(ep.path);
        rc = add_qmp(ps, &ep);
    }
    kv_free(&l);
    return rc;
}

/* -machine [type=]NAME[,accel=qtest][,OPT=VAL...] (several merge). */
static int parse_machine(parse_state *ps, const char *text)
{
    kv_list l;
    if (kv_split(text, &l) != 0) {
        return fail(ps, "too many parameters");
    }
    int rc = 0;
    for (unsigned i = 0; i < l.n && rc == 0; i++) {
        const kv *it = &l.items[i];
        if ((i == 0 && !it->value) || (strcmp(it->key, "type") == 0 && it->value)) {
            free(ps->machine_name);
            ps->machine_name = xstrdup(it->value ? it->value : it->key);
        } else if (strcmp(it->key, "accel") == 0 && it->value) {
            if (strcmp(it->value, "qtest") != 0) {
                rc = fail(ps, "emutime has only the qtest accelerator");
            }
        } else if (it->value) {
            char buf[256];
            snprintf(buf, sizeof(buf), "%s=%s", it->key, it->value);
            spec_append(&ps->machine_opts, buf);
        } else {
            rc = fail(ps, "machine option '%s' needs a value", it->key);
        }
    }
    kv_free(&l);
    return rc;
}

static const et_board_option *board_option(const et_board *b, const char *name)
{
    for (unsigned i = 0; i < b->n_options; i++) {
        if (strcmp(b->options[i].name, name) == 0) {
            return &b->options[i];
        }
    }
    return NULL;
}

/* "arm" for arm/aarch64, "x86" for i386/x86_64, "riscv" for riscv32/64. */
static const char *arch_family(const char *arch)
{
    if (strcmp(arch, "arm") == 0 || strcmp(arch, "aarch64") == 0) {
        return "arm";
    }
    if (strcmp(arch, "i386") == 0 || strcmp(arch, "x86_64") == 0) {
        return "x86";
    }
    if (strcmp(arch, "riscv32") == 0 || strcmp(arch, "riscv64") == 0) {
        return "riscv";
    }
    return NULL;
}

bool qemu_board_fits_arch(const et_board *b, const char *arch)
{
    const char *bin = b->qemu_binary;
    if (strncmp(bin, "qemu-system-", 12) != 0) {
        return false;
    }
    bin += 12;
    if (strcmp(bin, "*") == 0) {
        return true;
    }
    const char *mine = arch_family(arch), *theirs = arch_family(bin);
    return mine && theirs && strcmp(mine, theirs) == 0;
}

/* The board options that -device, -rtc and -smp map to. */
static int map_board_options(parse_state *ps, const et_board *b)
{
    qemu_config *cfg = ps->cfg;
    char buf[512];
    for (unsigned d = 0; d < ps->n_devices; d++) {
        kv_list *l = &ps->devices[d];
        const char *name = l->items[0].key;
        ps->opt = "device";
        ps->arg = name;
        const et_board_option *o = board_option(b, name);
        if (l->items[0].value || !o || strcmp(o->def, "off") != 0) {
            return fail(ps, "emutime's %s has no optional device '%s'", b->name, name);
        }
        snprintf(buf, sizeof(buf), "%s=on", name);
        spec_append(&cfg->machine, buf);
        for (unsigned i = 1; i < l->n; i++) {
            char key[128];
            snprintf(key, sizeof(key), "%s-%s", name, l->items[i].key);
            if (!l->items[i].value || !board_option(b, key)) {
                return fail(ps, "emutime's %s has no property '%s' (board option %s)", name,
                            l->items[i].key, key);
            }
            snprintf(buf, sizeof(buf), "%s=%s", key, l->items[i].value);
            spec_append(&cfg->machine, buf);
        }
    }
    if (ps->have_rtc) {
        /* QEMU takes -rtc on every board; a board without an RTC has
         * nothing to set. */
        ps->opt = "rtc";
        ps->arg = NULL;
        for (unsigned i = 0; i < ps->rtc.n; i++) {
            const kv *it = &ps->rtc.items[i];
            char key[128];
            snprintf(key, sizeof(key), "rtc-%s", it->key);
            if (strcmp(it->key, "base") != 0 && strcmp(it->key, "clock") != 0 &&
                strcmp(it->key, "driftfix") != 0) {
                return fail(ps, "invalid parameter '%s'", it->key);
            }
            if (!it->value) {
                return fail(ps, "parameter '%s' needs a value", it->key);
            }
            if (board_option(b, key)) {
                snprintf(buf, sizeof(buf), "%s=%s", key, it->value);
                spec_append(&cfg->machine, buf);
            }
        }
    }
    if (ps->have_smp) {
        ps->opt = "smp";
        ps->arg = NULL;
        for (unsigned i = 0; i < ps->smp.n; i++) {
            const kv *it = &ps->smp.items[i];
            const char *key = (i == 0 && !it->value) ? "smp" : it->key;
            const char *value = (i == 0 && !it->value) ? it->key : it->value;
            if (strcmp(key, "cpus") == 0) {
                key = "smp";
            }
            /* The topology keys do not change a board's layout: QEMU's virt
             * makes one ACLINT per NUMA node (-numa node), not per -smp
             * socket. */
            if (strcmp(key, "sockets") == 0 || strcmp(key, "cores") == 0 ||
                strcmp(key, "threads") == 0 || strcmp(key, "dies") == 0 ||
                strcmp(key, "clusters") == 0 || strcmp(key, "maxcpus") == 0) {
                if (!value) {
                    return fail(ps, "parameter '%s' needs a value", key);
                }
                continue;
            }
            if (!value) {
                return fail(ps, "parameter '%s' needs a value", key);
            }
            if (board_option(b, key)) {
                snprintf(buf, sizeof(buf), "%s=%s", key, value);
                spec_append(&cfg->machine, buf);
            } else if (strcmp(value, "1") != 0) {
                return fail(ps, "emutime's %s models one CPU (no board option '%s')", b->name,
                            key);
            }
        }
    }
    if (ps->numa_nodes > 1) {
        ps->opt = "numa";
        ps->arg = NULL;
        if (!board_option(b, "sockets")) {
            return fail(ps, "emutime's %s has one NUMA node (no board option 'sockets')",
                        b->name);
        }
        snprintf(buf, sizeof(buf), "sockets=%u", ps->numa_nodes);
        spec_append(&cfg->machine, buf);
    }
    return 0;
}

/* The machine spec from -machine, -device, -rtc, -smp, -numa; QEMU's defaults. */
static int resolve_machine(parse_state *ps)
{
    qemu_config *cfg = ps->cfg;
    ps->opt = "machine";
    ps->arg = ps->machine_name;
    if (ps->machine_name && strcmp(ps->machine_name, "help") == 0) {
        cfg->help_machines = true;
        return 0;
    }
    const char *name = ps->machine_name;
    if (!name) {
        const char *family = arch_family(cfg->arch);
        if (family && strcmp(family, "x86") == 0) {
            name = "pc";
        } else if (family && strcmp(family, "riscv") == 0) {
            ps->opt = NULL;
            return fail(ps, "QEMU's default machine here is 'spike', which emutime does not "
                            "model: use -machine virt");
        } else {
            ps->opt = NULL;
            return fail(ps, "No machine specified, and there is no default\n"
                            "Use -machine help to list supported machines");
        }
    }
    const et_board *b = et_board_find(name);
    if (!b || !qemu_board_fits_arch(b, cfg->arch)) {
        return fail(ps, "unsupported machine type\nUse -machine help to list supported "
                        "machines");
    }
    cfg->machine = xstrdup(b->name);
    if (ps->machine_opts) {
        spec_append(&cfg->machine, ps->machine_opts);
    }
    return map_board_options(ps, b);
}

static bool takes_arg(const char *opt)
{
    static const char *const with_arg[] = {
        "qtest", "qtest-log", "chardev", "mon", "qmp", "machine", "M", "accel", "display",
        "smp", "rtc", "watchdog-action", "device", "trace", "numa",
    };
    for (size_t i = 0; i < sizeof(with_arg) / sizeof(with_arg[0]); i++) {
        if (strcmp(opt, with_arg[i]) == 0) {
            return true;
        }
    }
    return false;
}

static int parse_option(parse_state *ps, const char *opt, const char *arg)
{
    qemu_config *cfg = ps->cfg;
    if (strcmp(opt, "qtest") == 0) {
        return parse_endpoint(ps, arg, &cfg->qtest);
    }
    if (strcmp(opt, "qtest-log") == 0) {
        free(cfg->qtest_log);
        cfg->qtest_log = strcmp(arg, "none") == 0 ? NULL : xstrdup(arg);
        return 0;
    }
    if (strcmp(opt, "chardev") == 0) {
        return parse_chardev(ps, arg);
    }
    if (strcmp(opt, "mon") == 0) {
        return parse_mon(ps, arg);
    }
    if (strcmp(opt, "qmp") == 0) {
        qemu_endpoint ep = { 0 };
        if (parse_endpoint(ps, arg, &ep) != 0) {
            free(ep.path);
            return -1;
        }
        return add_qmp(ps, &ep);
    }
    if (strcmp(opt, "machine") == 0 || strcmp(opt, "M") == 0) {
        return parse_machine(ps, arg);
    }
    if (strcmp(opt, "accel") == 0) {
        if (strcmp(arg, "qtest") != 0 && strncmp(arg, "qtest,", 6) != 0) {
            return fail(ps, "emutime has only the qtest accelerator");
        }
        return 0;
    }
    if (strcmp(opt, "display") == 0) {
        return strcmp(arg, "none") == 0 ? 0 : fail(ps, "emutime has no display");
    }
    if (strcmp(opt, "watchdog-action") == 0) {
        int a = qemu_watchdog_action_parse(arg);
        if (a < 0) {
            return fail(ps, "invalid parameter value (reset, shutdown, poweroff, pause, "
                            "debug, none, inject-nmi)");
        }
        cfg->watchdog_action = (qemu_watchdog_action)a;
        return 0;
    }
    if (strcmp(opt, "device") == 0) {
        if (ps->n_devices == sizeof(ps->devices) / sizeof(ps->devices[0])) {
            return fail(ps, "too many -device options");
        }
        kv_list *l = &ps->devices[ps->n_devices];
        if (kv_split(arg, l) != 0 || l->n == 0) {
            return fail(ps, "expected NAME[,PROP=VALUE...]");
        }
        ps->n_devices++;
        return 0;
    }
    if (strcmp(opt, "rtc") == 0 || strcmp(opt, "smp") == 0) {
        bool rtc = opt[0] == 'r';
        kv_list *l = rtc ? &ps->rtc : &ps->smp;
        kv_free(l);
        if (kv_split(arg, l) != 0) {
            return fail(ps, "too many parameters");
        }
        *(rtc ? &ps->have_rtc : &ps->have_smp) = true;
        return 0;
    }
    if (strcmp(opt, "numa") == 0) {
        /* "-numa node[,mem=SIZE...]": counted (virt's sockets); the memory
         * split is not modelled. */
        if (strcmp(arg, "node") != 0 && strncmp(arg, "node,", 5) != 0) {
            return fail(ps, "emutime takes only -numa node[,...]");
        }
        ps->numa_nodes++;
        return 0;
    }
    if (strcmp(opt, "trace") == 0) {
        /* "-trace PATTERN" or "-trace enable=PATTERN" */
        const char *pat = strncmp(arg, "enable=", 7) == 0 ? arg + 7 : arg;
        if (strchr(pat, '=')) {
            return fail(ps, "emutime takes only -trace [enable=]PATTERN");
        }
        char *t = cfg->trace;
        cfg->trace = NULL;
        if (t) {
            spec_append(&t, pat);
            cfg->trace = t;
        } else {
            cfg->trace = xstrdup(pat);
        }
        return 0;
    }
    if (strcmp(opt, "nodefaults") == 0) {
        return 0; /* emutime creates no default devices anyway */
    }
    if (strcmp(opt, "no-reboot") == 0) {
        cfg->no_reboot = true;
        return 0;
    }
    if (strcmp(opt, "S") == 0) {
        cfg->start_paused = true;
        return 0;
    }
    return fail(ps, "invalid option (emutime takes the options in docs/qemu-compat.md)");
}

int qemu_cli_parse(qemu_config *cfg, int argc, char **argv)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->prog = base_name(argv[0]);
    cfg->arch = strrchr(cfg->prog, '-') + 1;
    cfg->watchdog_action = QEMU_WDT_RESET;
    parse_state ps = { .cfg = cfg };
    int rc = 0;
    int i;
    for (i = 1; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        ps.opt = NULL;
        ps.arg = NULL;
        if (a[0] != '-' || a[1] == '\0') {
            rc = fail(&ps, "%s: emutime takes no disk image or other argument", a);
            break;
        }
        const char *opt = a + (a[1] == '-' ? 2 : 1);
        ps.opt = opt;
        if (takes_arg(opt)) {
            if (i + 1 >= argc) {
                rc = fail(&ps, "requires an argument");
                break;
            }
            ps.arg = argv[++i];
        }
        rc = parse_option(&ps, opt, ps.arg);
    }
    if (rc == 0) {
        rc = resolve_machine(&ps);
    }
    if (rc == 0 && cfg->qtest.kind == QEMU_EP_NONE && !cfg->help_machines) {
        ps.opt = NULL;
        rc = fail(&ps, "emutime runs only under qtest: pass -qtest unix:PATH or -qtest stdio");
    }
    free(ps.machine_name);
    free(ps.machine_opts);
    for (unsigned d = 0; d < ps.n_devices; d++) {
        kv_free(&ps.devices[d]);
    }
    kv_free(&ps.rtc);
    kv_free(&ps.smp);
    for (unsigned c = 0; c < ps.n_chardevs; c++) {
        free(ps.chardevs[c].id);
        free(ps.chardevs[c].ep.path);
    }
    if (rc != 0) {
        qemu_cli_free(cfg);
    }
    return rc;
}

void qemu_cli_free(qemu_config *cfg)
{
    free(cfg->qtest.path);
    free(cfg->qtest_log);
    for (unsigned i = 0; i < cfg->n_qmp; i++) {
        free(cfg->qmp[i].path);
    }
    free(cfg->machine);
    free(cfg->trace);
    const char *prog = cfg->prog, *arch = cfg->arch;
    memset(cfg, 0, sizeof(*cfg));
    cfg->prog = prog;
    cfg->arch = arch;
}

static void hang_up(const char *path, size_t len)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (len == 0 || len >= sizeof(addr.sun_path)) {
        return;
    }
    memcpy(addr.sun_path, path, len);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        (void)connect(fd, (struct sockaddr *)&addr, sizeof(addr));
        close(fd);
    }
}

void qemu_cli_hang_up(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i++) {
        const char *a = argv[i], *v = argv[i + 1];
        const char *opt = a + (a[0] == '-' && a[1] == '-' ? 2 : 1);
        if (a[0] != '-' || strstr(v, "server")) {
            continue;
        }
        if ((strcmp(opt, "qtest") == 0 || strcmp(opt, "qmp") == 0) &&
            strncmp(v, "unix:", 5) == 0) {
            hang_up(v + 5, strcspn(v + 5, ","));
        } else if (strcmp(opt, "chardev") == 0) {
            const char *p = strstr(v, "path=");
            if (p) {
                hang_up(p + 5, strcspn(p + 5, ","));
            }
        }
    }
}
