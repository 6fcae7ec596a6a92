/* The QEMU drop-in front end: emutime started as emutime-system-ARCH takes
 * the part of qemu-system-ARCH's command line that libqtest and qtest users
 * pass (docs/qemu-compat.md). */
#ifndef EMUTIME_TOOL_QEMU_CLI_H
#define EMUTIME_TOOL_QEMU_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "emutime/machine.h"

#define QEMU_MAX_QMP 4 /* monitors (QMP endpoints) */

/* A character-device endpoint: where a protocol is served. */
typedef enum qemu_endpoint_kind {
    QEMU_EP_NONE,
    QEMU_EP_UNIX,  /* a unix socket: connect to it, or listen with server=on */
    QEMU_EP_STDIO, /* stdin/stdout */
} qemu_endpoint_kind;

typedef struct qemu_endpoint {
    qemu_endpoint_kind kind;
    char *path;  /* QEMU_EP_UNIX */
    bool server; /* listen instead of connecting */
    bool wait;   /* server: wait for the first client before starting */
} qemu_endpoint;

/* QEMU 7.2's watchdog actions (-watchdog-action, watchdog-set-action). */
typedef enum qemu_watchdog_action {
    QEMU_WDT_RESET,
    QEMU_WDT_SHUTDOWN,
    QEMU_WDT_POWEROFF,
    QEMU_WDT_PAUSE,
    QEMU_WDT_DEBUG,
    QEMU_WDT_NONE,
    QEMU_WDT_INJECT_NMI,
} qemu_watchdog_action;

/* Its QAPI name ("inject-nmi"), and the reverse (-1: unknown). */
const char *qemu_watchdog_action_name(qemu_watchdog_action a);
int qemu_watchdog_action_parse(const char *name);

typedef struct qemu_config {
    const char *prog;    /* argv[0]'s base name, for messages */
    const char *arch;    /* the text after the last '-' */
    qemu_endpoint qtest;
    char *qtest_log;     /* NULL: no log */
    qemu_endpoint qmp[QEMU_MAX_QMP];
    unsigned n_qmp;
    char *machine;       /* the et_machine spec: "mps2-an385,OPT=VAL..." */
    char *trace;         /* -trace patterns, comma-separated, or NULL */
    bool start_paused;   /* -S */
    bool no_reboot;      /* -no-reboot: a reset request shuts down */
    qemu_watchdog_action watchdog_action;
    bool help_machines;  /* -machine help: list and exit */
} qemu_config;

/* True if board b is one of qemu-system-ARCH's machines (arm boards also
 * run under aarch64, i386 and x86_64 share theirs, as do riscv32/64). */
bool qemu_board_fits_arch(const et_board *b, const char *arch);

/* True if argv[0] names the drop-in ("...-system-ARCH"). */
bool qemu_cli_is_dropin(const char *argv0);

/* Parses argv into cfg. 0, or -1 after printing "PROG: OPTION: reason" on
 * stderr. */
int qemu_cli_parse(qemu_config *cfg, int argc, char **argv);
void qemu_cli_free(qemu_config *cfg);

/* After a start-up error: connects to every unix socket the command line
 * names as a client endpoint (the qtest and QMP sockets a libqtest program
 * listens on) and closes it at once, so the program sees the failure now
 * instead of waiting for its accept timeout. */
void qemu_cli_hang_up(int argc, char **argv);

#endif
