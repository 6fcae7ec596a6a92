/* The QEMU drop-in's run-time state: the machine under qtest, QEMU's run
 * state, the monitors, and the requests QEMU's main loop defers (a reset, a
 * power-down, a shutdown), with the QMP events each emits. */
#ifndef EMUTIME_TOOL_QEMU_VM_H
#define EMUTIME_TOOL_QEMU_VM_H

#include <jansson.h>
#include <stdbool.h>

#include "emutime/machine.h"
#include "emutime/qtest.h"
#include "qemu_cli.h"

typedef enum vm_runstate {
    VM_PRELAUNCH, /* -S, before the first cont */
    VM_RUNNING,
    VM_PAUSED,    /* stop */
    VM_WATCHDOG,  /* stopped by the watchdog's pause action */
} vm_runstate;

typedef struct qmp_conn qmp_conn;

typedef struct qemu_vm {
    const qemu_config *cfg;
    et_machine *m;
    et_qtest *q;
    vm_runstate state;
    qemu_watchdog_action watchdog_action;
    qmp_conn *qmp[QEMU_MAX_QMP]; /* connected monitors (NULL: none) */

    /* Deferred to the end of the current command, as QEMU's main loop
     * defers them (the first request of each kind wins). */
    bool reset_requested;     /* a guest (watchdog) reset */
    bool powerdown_requested; /* the watchdog's shutdown action */
    bool stop_requested;      /* the watchdog's pause action */

    /* Set once a SHUTDOWN was sent: the drop-in exits with status 0. */
    bool exiting;
} qemu_vm;

const char *vm_runstate_name(vm_runstate s);
bool vm_running(const qemu_vm *vm);

/* Sends an event (data may be NULL; it is consumed) to every monitor past
 * capabilities negotiation, stamped with the host time as QEMU stamps it. */
void vm_event(qemu_vm *vm, const char *name, json_t *data);

/* stop / cont: the run state and its STOP / RESUME events. */
void vm_stop(qemu_vm *vm, vm_runstate why);
void vm_cont(qemu_vm *vm);

/* A reset request with its cause (QEMU's ShutdownCause name): resets every
 * device and view, the clock keeping its time, then sends RESET; with
 * -no-reboot it is a shutdown instead. */
void vm_system_reset(qemu_vm *vm, bool guest, const char *reason);

/* SHUTDOWN, then the drop-in exits. */
void vm_shutdown(qemu_vm *vm, bool guest, const char *reason);

/* Performs the deferred requests (after each command). */
void vm_run_deferred(qemu_vm *vm);

#endif
