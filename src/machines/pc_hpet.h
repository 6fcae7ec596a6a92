/* The x86 boards' shared wiring: HPET output line i drives IOAPIC input i
 * (QEMU's GSI i), for the IOAPIC's 24 inputs. */
#ifndef EMUTIME_MACHINES_PC_HPET_H
#define EMUTIME_MACHINES_PC_HPET_H

#include "emutime/devices/hpet.h"
#include "machines/machine_internal.h"

#define PC_IOAPIC_INPUTS 24
#define PC_HPET_BASE 0xfed00000u
#define PC_HPET_HZ 100000000u

#define PC_HPET_WIRE(i) { .output = (i), .controller = "ioapic", .input = (i) }

#define PC_HPET_WIRES                                                          \
    PC_HPET_WIRE(0), PC_HPET_WIRE(1), PC_HPET_WIRE(2), PC_HPET_WIRE(3),        \
    PC_HPET_WIRE(4), PC_HPET_WIRE(5), PC_HPET_WIRE(6), PC_HPET_WIRE(7),        \
    PC_HPET_WIRE(8), PC_HPET_WIRE(9), PC_HPET_WIRE(10), PC_HPET_WIRE(11),      \
    PC_HPET_WIRE(12), PC_HPET_WIRE(13), PC_HPET_WIRE(14), PC_HPET_WIRE(15),    \
    PC_HPET_WIRE(16), PC_HPET_WIRE(17), PC_HPET_WIRE(18), PC_HPET_WIRE(19),    \
    PC_HPET_WIRE(20), PC_HPET_WIRE(21), PC_HPET_WIRE(22), PC_HPET_WIRE(23)

#define PC_IOAPIC_NUMBERING                                                     \
    "IOAPIC input N (QEMU's GSI N, before the IOAPIC maps pin 0 to 2): HPET "   \
    "legacy timer 0 is 0, timer 1 is 8"

#define PC_OPTIONS                                                              \
    { .name = "pit", .def = "on",                                              \
      .help = "the i8254 PIT; not modelled either way, so on behaves as off" }, \
    { .name = "hpet", .def = "on", .help = "the HPET at 0xfed00000" }

#define PC_NOTES                                                                \
    "Not modelled: the CPU and its local APIC, the i8254 PIT (use pit=off in "  \
    "QEMU for the same interrupts), the i8259 PICs, the IOAPIC registers, the " \
    "MC146818 RTC, every I/O port (all read as unassigned, all ones), the ROMs " \
    "and firmware."

#endif
