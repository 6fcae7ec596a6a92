/* Loading a Linux bzImage for the 64-bit boot protocol (the demo boot,
 * `make demo-linux`): the kernel at its preferred address, the zero page
 * (boot_params) with an e820 map, command line, initrd and the ACPI RSDP. */
#ifndef KVM_X86_LINUX_BOOT_H
#define KVM_X86_LINUX_BOOT_H

#include <stddef.h>
#include <stdint.h>

typedef struct linux_boot {
    uint64_t entry;       /* startup_64: rip */
    uint64_t boot_params; /* rsi */
} linux_boot;

/* Loads kernel (and initrd, may be NULL) into ram of ram_size bytes with
 * ACPI tables for ncpu CPUs. With vmlinux (the same kernel decompressed:
 * an ELF file), its segments are loaded instead of the bzImage's
 * compressed kernel and the entry is the ELF's (the kernel's own
 * startup_64, which takes the same 64-bit entry state): the decompressor,
 * slow in an instruction emulator, never runs. 0, or -1 with a message. */
int linux_boot_load(uint8_t *ram, size_t ram_size, const char *kernel, const char *vmlinux,
                    const char *initrd, const char *cmdline, unsigned ncpu, linux_boot *out,
                    char *err, size_t errlen);

#endif
