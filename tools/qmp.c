/* The QMP server (see qmp.h). Replies, error classes and messages are QEMU
 * 7.2's as it sends them (monitor/qmp.c, qapi/qmp-dispatch.c): members in
 * the order QEMU prints them, each message on one line ending in "\r\n". */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emutime/emutime.h"
#include "qmp.h"
#include "qmp_stream.h"

struct qmp_conn {
    qemu_vm *vm;
    int fd;
    bool negotiated;
    qmp_stream in;
    tool_buf out;
    bool broken;
};

qmp_conn *qmp_conn_new(qemu_vm *vm, int fd)
{
    qmp_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        abort();
    }
    c->vm = vm;
    c->fd = fd;
    qmp_stream_init(&c->in);
    return c;
}

void qmp_conn_free(qmp_conn *c)
{
    if (!c) {
        return;
    }
    close(c->fd);
    qmp_stream_free(&c->in);
    tool_buf_free(&c->out);
    free(c);
}

int qmp_conn_fd(const qmp_conn *c)
{
    return c->fd;
}

bool qmp_conn_negotiated(const qmp_conn *c)
{
    return c->negotiated;
}

size_t qmp_conn_pending(const qmp_conn *c)
{
    return c->out.len;
}

void qmp_conn_send(qmp_conn *c, json_t *msg)
{
    char *text = json_dumps(msg, JSON_ENSURE_ASCII);
    json_decref(msg);
    if (!text) {
        abort();
    }
    size_t n = strlen(text);
    if (c->out.len + n + 2 > QMP_MAX_PENDING_OUTPUT) {
        c->broken = true; /* a client that never reads */
    } else {
        tool_buf_append(&c->out, text, n);
        tool_buf_append(&c->out, "\r\n", 2);
    }
    free(text);
}

/* Writes what the socket takes now, or (blocking) all of it. */
static int flush(qmp_conn *c, int flags)
{
    while (c->out.len && !c->broken) {
        ssize_t n = send(c->fd, c->out.data, c->out.len, flags | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                c->broken = true;
            }
            break;
        }
        tool_buf_consume(&c->out, (size_t)n);
    }
    return c->broken ? -1 : 0;
}

int qmp_conn_flush(qmp_conn *c)
{
    return flush(c, MSG_DONTWAIT);
}

void qmp_conn_flush_all(qmp_conn *c)
{
    flush(c, 0);
}

/* --- replies -------------------------------------------------------------- */

static json_t *version_object(void)
{
    /* The QEMU version whose interface this is, and emutime's own. */
    return json_pack("{s:{s:i,s:i,s:i},s:s}", "qemu", "micro", 0, "minor", 2, "major", 7,
                     "package", "emutime " EMUTIME_VERSION);
}

void qmp_conn_greet(qmp_conn *c)
{
    qmp_conn_send(c, json_pack("{s:{s:o,s:[]}}", "QMP", "version", version_object(),
                               "capabilities"));
}

static void reply_return(qmp_conn *c, json_t *value, json_t *id)
{
    json_t *r = json_object();
    json_object_set_new(r, "return", value);
    if (id) {
        json_object_set(r, "id", id);
    }
    qmp_conn_send(c, r);
}

static void reply_error(qmp_conn *c, json_t *id, const char *cls, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reply_error(qmp_conn *c, json_t *id, const char *cls, const char *fmt, ...)
{
    char desc[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(desc, sizeof(desc), fmt, ap);
    va_end(ap);
    json_t *r = json_object();
    if (id) {
        json_object_set(r, "id", id);
    }
    json_object_set_new(r, "error", json_pack("{s:s,s:s}", "class", cls, "desc", desc));
    qmp_conn_send(c, r);
}

/* --- commands ----------------------------------------------------------- */

typedef struct command command;
typedef void (*command_fn)(qmp_conn *c, json_t *args, json_t *id);

struct command {
    const char *name;
    command_fn fn;
    const char *const *params; /* NULL-terminated; NULL: none */
};

static void cmd_qmp_capabilities(qmp_conn *c, json_t *args, json_t *id)
{
    json_t *enable = json_object_get(args, "enable");
    if (enable && !json_is_array(enable)) {
        reply_error(c, id, "GenericError", "Invalid parameter type for 'enable', expected: array");
        return;
    }
    if (enable && json_array_size(enable)) {
        json_t *cap = json_array_get(enable, 0);
        reply_error(c, id, "GenericError", "Capability '%s' not available",
                    json_is_string(cap) ? json_string_value(cap) : "?");
        return;
    }
    c->negotiated = true;
    reply_return(c, json_object(), id);
}

static void cmd_query_status(qmp_conn *c, json_t *args, json_t *id)
{
    (void)args;
    qemu_vm *vm = c->vm;
    reply_return(c,
                 json_pack("{s:s,s:b,s:b}", "status", vm_runstate_name(vm->state),
                           "singlestep", 0, "running", vm_running(vm)),
                 id);
}

static void cmd_query_version(qmp_conn *c, json_t *args, json_t *id)
{
    (void)args;
    reply_return(c, version_object(), id);
}

static void cmd_query_machines(qmp_conn *c, json_t *args, json_t *id)
{
    (void)args;
    const char *arch = c->vm->cfg->arch;
    json_t *list = json_array();
    for (size_t i = 0; i < et_board_count(); i++) {
        const et_board *b = et_board_get(i);
        if (!qemu_board_fits_arch(b, arch)) {
            continue;
        }
        json_t *m = json_pack("{s:b,s:s,s:b,s:i,s:b}", "hotpluggable-cpus", 0, "name", b->name,
                              "numa-mem-supported", 0, "cpu-max", 1, "deprecated", 0);
        if (strcmp(b->name, "pc") == 0 &&
            (strcmp(arch, "i386") == 0 || strcmp(arch, "x86_64") == 0)) {
            json_object_set_new(m, "is-default", json_true());
        }
        json_array_append_new(list, m);
    }
    reply_return(c, list, id);
}

/* The CPU's QOM path on QEMU's board, from the board's QOM paths. */
static const char *cpu_qom_path(const et_board *b, char *buf, size_t len)
{
    for (unsigned i = 0; i < b->n_qom; i++) {
        const char *p = b->qom[i].path;
        if (strstr(p, "/harts[0]")) {
            return p;
        }
        if (strcmp(p, "/machine/armv7m") == 0) {
            snprintf(buf, len, "%s/cpu", p);
            return buf;
        }
    }
    return "/machine/unattached/device[0]";
}

static void cmd_query_cpus_fast(qmp_conn *c, json_t *args, json_t *id)
{
    (void)args;
    const et_board *b = et_machine_board(c->vm->m);
    json_t *list = json_array();
    if (strcmp(b->name, "none") != 0) {
        char buf[128];
        json_array_append_new(list, json_pack("{s:i,s:s,s:i,s:s}", "thread-id", (int)getpid(),
                                              "qom-path", cpu_qom_path(b, buf, sizeof(buf)),
                                              "cpu-index", 0, "target", c->vm->cfg->arch));
    }
    reply_return(c, list, id);
}

static void cmd_quit(qmp_conn *c, json_t *args, json_t *id)
{
    (void)args;
    vm_shutdown(c->vm, false, "host-qmp-quit");
    reply_return(c, json_object(), id);
}

static void cmd_stop(qmp_conn *c, json_t *args, json_t *id)
{
    (void)args;
    vm_stop(c->vm, VM_PAUSED);
    reply_return(c, json_object(), id);
}

static void cmd_cont(qmp_conn *c, json_t *args, json_t *id)
{
    (void)args;
    vm_cont(c->vm);
    reply_return(c, json_object(), id);
}

static void cmd_system_reset(qmp_conn *c, json_t *args, json_t *id)
{
    (void)args;
    vm_system_reset(c->vm, false, "host-qmp-system-reset");
    reply_return(c, json_object(), id);
}

static void cmd_watchdog_set_action(qmp_conn *c, json_t *args, json_t *id)
{
    json_t *action = json_object_get(args, "action");
    if (!action) {
        reply_error(c, id, "GenericError", "Parameter 'action' is missing");
        return;
    }
    if (!json_is_string(action)) {
        reply_error(c, id, "GenericError",
                    "Invalid parameter type for 'action', expected: string");
        return;
    }
    int a = qemu_watchdog_action_parse(json_string_value(action));
    if (a < 0) {
        reply_error(c, id, "GenericError", "Parameter 'action' does not accept value '%s'",
                    json_string_value(action));
        return;
    }
    c->vm->watchdog_action = (qemu_watchdog_action)a;
    reply_return(c, json_object(), id);
}

static void cmd_query_commands(qmp_conn *c, json_t *args, json_t *id);

static const char *const capabilities_params[] = { "enable", NULL };
static const char *const watchdog_params[] = { "action", NULL };

static const command commands[] = {
    { "qmp_capabilities", cmd_qmp_capabilities, capabilities_params },
    { "query-status", cmd_query_status, NULL },
    { "query-version", cmd_query_version, NULL },
    { "query-machines", cmd_query_machines, NULL },
    { "query-cpus-fast", cmd_query_cpus_fast, NULL },
    { "query-commands", cmd_query_commands, NULL },
    { "quit", cmd_quit, NULL },
    { "stop", cmd_stop, NULL },
    { "cont", cmd_cont, NULL },
    { "system_reset", cmd_system_reset, NULL },
    { "watchdog-set-action", cmd_watchdog_set_action, watchdog_params },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cmd_query_commands(qmp_conn *c, json_t *args, json_t *id)
{
    (void)args;
    json_t *list = json_array();
    for (size_t i = 0; i < N_COMMANDS; i++) {
        json_array_append_new(list, json_pack("{s:s}", "name", commands[i].name));
    }
    reply_return(c, list, id);
}

static bool param_known(const command *cmd, const char *key)
{
    for (const char *const *p = cmd->params; p && *p; p++) {
        if (strcmp(*p, key) == 0) {
            return true;
        }
    }
    return false;
}

/* One parsed request, checked as qmp_dispatch checks it. */
static void dispatch(qmp_conn *c, json_t *req)
{
    if (!json_is_object(req)) {
        reply_error(c, NULL, "GenericError", "QMP input must be a JSON object");
        return;
    }
    json_t *id = json_object_get(req, "id");
    const char *key;
    json_t *value;
    json_object_foreach(req, key, value) {
        if (strcmp(key, "execute") == 0) {
            if (!json_is_string(value)) {
                reply_error(c, id, "GenericError", "QMP input member 'execute' must be a string");
                return;
            }
        } else if (strcmp(key, "arguments") == 0) {
            if (!json_is_object(value)) {
                reply_error(c, id, "GenericError",
                            "QMP input member 'arguments' must be an object");
                return;
            }
        } else if (strcmp(key, "id") != 0) {
            reply_error(c, id, "GenericError", "QMP input member '%s' is unexpected", key);
            return;
        }
    }
    json_t *execute = json_object_get(req, "execute");
    if (!execute) {
        reply_error(c, id, "GenericError", "QMP input lacks member 'execute'");
        return;
    }
    const char *name = json_string_value(execute);
    const command *cmd = NULL;
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            cmd = &commands[i];
        }
    }
    bool is_caps = cmd && cmd->fn == cmd_qmp_capabilities;
    if (!c->negotiated && !is_caps) {
        reply_error(c, id, "CommandNotFound",
                    "Expecting capabilities negotiation with 'qmp_capabilities'");
        return;
    }
    if (c->negotiated && is_caps) {
        reply_error(c, id, "CommandNotFound",
                    "Capabilities negotiation is already complete, command ignored");
        return;
    }
    if (!cmd) {
        reply_error(c, id, "CommandNotFound", "The command %s has not been found", name);
        return;
    }
    json_t *args = json_object_get(req, "arguments");
    json_object_foreach(args, key, value) {
        if (!param_known(cmd, key)) {
            reply_error(c, id, "GenericError", "Parameter '%s' is unexpected", key);
            return;
        }
    }
    cmd->fn(c, args, id);
}

static void on_message(void *opaque, const char *text, size_t len, const char *error)
{
    qmp_conn *c = opaque;
    if (c->vm->exiting) {
        return; /* QEMU handles nothing after its SHUTDOWN */
    }
    if (!text) {
        reply_error(c, NULL, "GenericError", "%s", error);
        return;
    }
    json_error_t err;
    json_t *req = json_loadb(text, len, JSON_DECODE_ANY, &err);
    if (!req) {
        reply_error(c, NULL, "GenericError", "JSON parse error, %s", err.text);
        return;
    }
    dispatch(c, req);
    json_decref(req);
}

void qmp_conn_input(qmp_conn *c, const char *buf, size_t len)
{
    qmp_stream_feed(&c->in, buf, len, on_message, c);
}
