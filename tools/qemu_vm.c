/* The drop-in's run state, QMP events and QEMU 7.2's reset, shutdown and
 * watchdog semantics (softmmu/runstate.c, softmmu/watchdog.c). */
#include <stdio.h>
#include <sys/time.h>

#include "qemu_vm.h"
#include "qmp.h"

const char *vm_runstate_name(vm_runstate s)
{
    switch (s) {
    case VM_PRELAUNCH: return "prelaunch";
    case VM_RUNNING: return "running";
    case VM_PAUSED: return "paused";
    case VM_WATCHDOG: return "watchdog";
    }
    return "?";
}

bool vm_running(const qemu_vm *vm)
{
    return vm->state == VM_RUNNING;
}

void vm_event(qemu_vm *vm, const char *name, json_t *data)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    for (unsigned i = 0; i < QEMU_MAX_QMP; i++) {
        qmp_conn *c = vm->qmp[i];
        if (!c || !qmp_conn_negotiated(c)) {
            continue;
        }
        json_t *ev = json_pack("{s:{s:I,s:I},s:s}", "timestamp", "seconds",
                               (json_int_t)tv.tv_sec, "microseconds", (json_int_t)tv.tv_usec,
                               "event", name);
        if (data) {
            json_object_set(ev, "data", data);
        }
        qmp_conn_send(c, ev);
    }
    json_decref(data);
}

void vm_stop(qemu_vm *vm, vm_runstate why)
{
    /* QEMU changes the state and sends STOP only when running. */
    if (vm->state != VM_RUNNING) {
        return;
    }
    vm->state = why;
    vm_event(vm, "STOP", NULL);
}

void vm_cont(qemu_vm *vm)
{
    if (vm->state == VM_RUNNING) {
        return;
    }
    vm->state = VM_RUNNING;
    vm_event(vm, "RESUME", NULL);
}

void vm_shutdown(qemu_vm *vm, bool guest, const char *reason)
{
    if (vm->exiting) {
        return;
    }
    vm_event(vm, "SHUTDOWN", json_pack("{s:b,s:s}", "guest", guest, "reason", reason));
    vm->exiting = true;
}

void vm_system_reset(qemu_vm *vm, bool guest, const char *reason)
{
    if (vm->cfg->no_reboot) {
        vm_shutdown(vm, guest, reason);
        return;
    }
    et_machine_reset(vm->m);
    vm_event(vm, "RESET", json_pack("{s:b,s:s}", "guest", guest, "reason", reason));
    /* QEMU's main loop: a machine that was not running comes back from a
     * reset in the prelaunch state. */
    if (vm->state != VM_RUNNING) {
        vm->state = VM_PRELAUNCH;
    }
}

void vm_run_deferred(qemu_vm *vm)
{
    if (vm->exiting) {
        return;
    }
    if (vm->stop_requested) {
        vm->stop_requested = false;
        vm_stop(vm, VM_WATCHDOG);
    }
    if (vm->reset_requested) {
        vm->reset_requested = false;
        vm_system_reset(vm, true, "guest-reset");
    }
    if (vm->powerdown_requested) {
        vm->powerdown_requested = false;
        vm_event(vm, "POWERDOWN", NULL);
    }
}
