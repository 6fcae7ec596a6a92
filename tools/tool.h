/* The emutime command-line tool: shared declarations. */
#ifndef EMUTIME_TOOL_H
#define EMUTIME_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "emutime/emutime.h"
#include "emutime/machine.h"
#include "emutime/qtest.h"

/* Exit codes. */
#define TOOL_EXIT_OK 0
#define TOOL_EXIT_ERROR 1 /* the work failed (I/O, a bad snapshot) */
#define TOOL_EXIT_USAGE 2 /* the command line is wrong */
#define TOOL_EXIT_FAILED_COMMANDS 3 /* run: a command got a FAIL reply */

/* Subcommands: argv[0] is the subcommand's name. */
int tool_cmd_run(int argc, char **argv);
int tool_cmd_qtest(int argc, char **argv);
int tool_cmd_machines(int argc, char **argv);
int tool_cmd_snapshot(int argc, char **argv);

/* `machines --json`: the boards' tables as one JSON array on stdout. */
int tool_machines_json(const et_board *const *boards, size_t n);

/* "emutime: <message>" on stderr. */
void tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The built-in example run by `emutime run` without a script: a copy of
 * examples/mps2-an385.qtest (tests/cli checks they are identical). */
extern const char tool_default_script[];
extern const char tool_default_script_name[];

/* --trace PATTERN: trace events whose "device.event" matches one of the
 * comma-separated globs go to stderr, stamped with the virtual time. */
int tool_trace_start(const char *patterns, et_clock *clock, char *err, size_t errlen);
void tool_trace_stop(void);
/* Silences tracing while the tool itself reads registers (waveforms). */
void tool_trace_suppress(bool on);

/* --vcd FILE: interrupt lines and counters as a value-change dump. */
typedef struct tool_vcd tool_vcd;
tool_vcd *tool_vcd_open(const char *path, et_machine *m, char *err, size_t errlen);
/* Samples the counters (after each command). */
void tool_vcd_sample(void *vcd);
/* Writes the final time and closes; returns 0 or -1 on a write error. */
int tool_vcd_close(tool_vcd *vcd);

/* A machine plus a qtest server, with the optional trace and waveform. */
typedef struct tool_session {
    et_machine *m;
    et_qtest *q;
    tool_vcd *vcd;
    bool tracing;
} tool_session;

/* The machine spec for --machine and --smp (either may be NULL): MACHINE
 * with ",smp=N" appended. Returns buf, or NULL after printing the error
 * (smp given twice, or a spec too long). */
const char *tool_machine_spec(const char *machine, const char *smp, char *buf, size_t len);

/* Returns TOOL_EXIT_OK, or an exit code after printing the error. load is a
 * snapshot file to start from, or NULL. */
int tool_session_open(tool_session *s, const char *machine, const char *trace,
                      const char *vcd_path, const char *load, et_qtest_output_fn out,
                      void *out_opaque);
int tool_session_close(tool_session *s);

#endif
