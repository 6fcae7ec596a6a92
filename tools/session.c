/* A machine with its qtest server, trace and waveform: what `run` and
 * `qtest` share. */
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "emutime/snapshot.h"
#include "tool.h"

const char *tool_machine_spec(const char *machine, const char *smp, char *buf, size_t len)
{
    machine = machine ? machine : ET_DEFAULT_MACHINE;
    if (!smp) {
        return machine;
    }
    if (strstr(machine, ",smp=")) {
        tool_error("--smp %s: the machine '%s' sets smp already", smp, machine);
        return NULL;
    }
    int n = snprintf(buf, len, "%s,smp=%s", machine, smp);
    if (n < 0 || (size_t)n >= len) {
        tool_error("--machine %s: too long", machine);
        return NULL;
    }
    return buf;
}

int tool_session_open(tool_session *s, const char *machine, const char *trace,
                      const char *vcd_path, const char *load, et_qtest_output_fn out,
                      void *out_opaque)
{
    char err[512];
    memset(s, 0, sizeof(*s));
    s->m = et_machine_new(machine ? machine : ET_DEFAULT_MACHINE, err, sizeof(err));
    if (!s->m) {
        tool_error("%s", err);
        return TOOL_EXIT_USAGE;
    }
    if (trace) {
        if (tool_trace_start(trace, et_machine_clock(s->m), err, sizeof(err)) != 0) {
            tool_error("%s", err);
            et_machine_free(s->m);
            return TOOL_EXIT_USAGE;
        }
        s->tracing = true;
    }
    if (load) {
        /* Before the intercept sink exists: the start state prints
         * nothing. */
        uint8_t *buf;
        size_t len;
        if (et_snapshot_read_file(load, &buf, &len, err, sizeof(err)) != 0) {
            tool_error("--load: %s", err);
            tool_session_close(s);
            return TOOL_EXIT_USAGE;
        }
        int rc = et_machine_snapshot_load(s->m, buf, len, err, sizeof(err));
        free(buf);
        if (rc != 0) {
            tool_error("--load %s: %s", load, err);
            tool_session_close(s);
            return TOOL_EXIT_USAGE;
        }
    }
    s->q = et_qtest_new(s->m, out, out_opaque);
    if (vcd_path) {
        s->vcd = tool_vcd_open(vcd_path, s->m, err, sizeof(err));
        if (!s->vcd) {
            tool_error("%s", err);
            tool_session_close(s);
            return TOOL_EXIT_USAGE;
        }
        et_qtest_set_command_notify(s->q, tool_vcd_sample, s->vcd);
    }
    return TOOL_EXIT_OK;
}

int tool_session_close(tool_session *s)
{
    int rc = TOOL_EXIT_OK;
    if (s->vcd && tool_vcd_close(s->vcd) != 0) {
        tool_error("writing the waveform failed");
        rc = TOOL_EXIT_ERROR;
    }
    s->vcd = NULL;
    et_qtest_free(s->q);
    s->q = NULL;
    if (s->tracing) {
        tool_trace_stop();
        s->tracing = false;
    }
    et_machine_free(s->m);
    s->m = NULL;
    return rc;
}
