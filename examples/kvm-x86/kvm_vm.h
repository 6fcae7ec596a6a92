/* A minimal KVM virtual machine for the kvm-x86 example: guest RAM in one
 * memory slot, the in-kernel interrupt controllers (PIC, IOAPIC, local
 * APICs) without the in-kernel PIT, and vCPUs that start directly in
 * 64-bit long mode. No emutime here: kvm_vm knows KVM, main.c knows the
 * timers. */
#ifndef KVM_X86_KVM_VM_H
#define KVM_X86_KVM_VM_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

typedef struct kvm_vm {
    int kvm_fd;
    int vm_fd;
    uint8_t *ram;
    size_t ram_size;
    int run_size; /* KVM_GET_VCPU_MMAP_SIZE */
} kvm_vm;

typedef struct kvm_vcpu {
    int fd;
    unsigned index;
    struct kvm_run *run;
} kvm_vcpu;

/* Why kvm_vm_open failed: KVM_VM_UNAVAILABLE means this host cannot run the
 * example (no /dev/kvm, no permission, no VM): a test skips. */
#define KVM_VM_UNAVAILABLE (-2)

/* Opens /dev/kvm, makes the VM with ram_size bytes of RAM at guest physical
 * 0 and the in-kernel irqchip, and routes GSI n to IOAPIC pin n (GSI 0 to
 * pin 2, as QEMU's pc does). 0; KVM_VM_UNAVAILABLE or -1 with a message. */
int kvm_vm_open(kvm_vm *vm, size_t ram_size, char *err, size_t errlen);
void kvm_vm_close(kvm_vm *vm);

/* Writes the GDT, a TSS and identity-mapped page tables for 0-4 GiB (2 MiB
 * pages) at the addresses of guest/abi.h. */
void kvm_vm_build_long_mode_tables(kvm_vm *vm);

/* Creates vCPU `index` in 64-bit mode at rip with rsp and rdi, rsi, rdx as
 * given, its local APIC ID = index, runnable at once (an AP does not wait
 * for INIT/SIPI). 0, or -1 with a message. */
int kvm_vcpu_create(kvm_vm *vm, kvm_vcpu *vcpu, unsigned index, uint64_t rip, uint64_t rsp,
                    const uint64_t args[3], char *err, size_t errlen);
void kvm_vcpu_destroy(kvm_vm *vm, kvm_vcpu *vcpu);

/* Drives a GSI (the in-kernel IOAPIC's input through the routing above). */
int kvm_vm_irq_line(kvm_vm *vm, unsigned gsi, int level);

/* Prints the vCPU's registers to stderr (for a guest that went wrong). */
void kvm_vcpu_dump(const kvm_vcpu *vcpu);

#endif
