/* The ACPI tables a PC kernel needs to find emutime's q35 timers (the demo
 * boot of Linux): RSDP, XSDT, FADT (with the PM timer block at 0x600 and an
 * empty DSDT), MADT (local APICs, the IOAPIC, ISA IRQ 0 on GSI 2) and HPET. */
#ifndef KVM_X86_ACPI_TABLES_H
#define KVM_X86_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* Writes the tables into ram at guest physical addr (it takes less than
 * 4 KiB) for ncpu CPUs; returns the RSDP's address. */
uint64_t acpi_tables_build(uint8_t *ram, uint64_t addr, unsigned ncpu);

#endif
