/* QEMU's "none" machine: no devices, no RAM, no interrupt controller. The
 * qtest programs that only exercise QEMU's own machinery (QMP, the qtest
 * protocol) start it with -machine none; every address reads 0 and every
 * port all ones, as on QEMU's empty machine. */
#include "machines/machine_internal.h"

const et_board et__board_none = {
    .name = "none",
    .description = "QEMU's empty machine: no devices (for QMP and protocol tests)",
    .qemu_binary = "qemu-system-*",
    .intercept = "(nothing to intercept)",
    .notes = "Nothing is modelled: this is QEMU's -machine none.",
};
