/* A minimal KVM virtual machine (see kvm_vm.h). */
#include "kvm_vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest/abi.h"

/* Where KVM puts the three pages of its real-mode TSS (Intel needs them
 * even though the guest never runs in real mode): below the IOAPIC, in
 * no-one's MMIO. */
#define KVM_TSS_ADDR 0xfffbd000u

#define IOAPIC_PINS 24u

int kvm_vm_open(kvm_vm *vm, size_t ram_size, char *err, size_t errlen)
{
    memset(vm, 0, sizeof(*vm));
    vm->kvm_fd = vm->vm_fd = -1;
    vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0) {
        snprintf(err, errlen, "/dev/kvm: %s", strerror(errno));
        return KVM_VM_UNAVAILABLE;
    }
    int version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION) {
        snprintf(err, errlen, "/dev/kvm: API version %d, not %d", version, KVM_API_VERSION);
        goto unavailable;
    }
    if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0 ||
        ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING) <= 0) {
        snprintf(err, errlen, "/dev/kvm has no in-kernel irqchip or IRQ routing");
        goto unavailable;
    }
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0) {
        snprintf(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));
        goto unavailable;
    }
    vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (vm->run_size <= 0) {
        snprintf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
        goto fail;
    }
    /* Before any vCPU exists (Intel). Not fatal where it is not needed. */
    (void)ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR);
    if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
        snprintf(err, errlen, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
        goto fail;
    }

    /* GSI n to IOAPIC pin n, except that ISA IRQ 0 (GSI 0) is pin 2 and
     * GSI 2 has no route: QEMU's pc routing, which the ACPI MADT of a PC
     * announces as an interrupt source override. The PIC gets no routes:
     * the i8254's channel 0 runs from reset and would reach the BSP
     * through the PIC and LINT0 before the guest could mask them. */
    size_t n = IOAPIC_PINS - 1;
    struct kvm_irq_routing *routing =
        calloc(1, sizeof(*routing) + n * sizeof(struct kvm_irq_routing_entry));
    if (!routing) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    unsigned k = 0;
    for (unsigned gsi = 0; gsi < IOAPIC_PINS; gsi++) {
        if (gsi == 2)
            continue;
        struct kvm_irq_routing_entry *e = &routing->entries[k++];
        e->gsi = gsi;
        e->type = KVM_IRQ_ROUTING_IRQCHIP;
        e->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
        e->u.irqchip.pin = gsi == 0 ? 2 : gsi;
    }
    routing->nr = k;
    int rc = ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, routing);
    free(routing);
    if (rc < 0) {
        snprintf(err, errlen, "KVM_SET_GSI_ROUTING: %s", strerror(errno));
        goto fail;
    }

    vm->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (vm->ram == MAP_FAILED) {
        vm->ram = NULL;
        snprintf(err, errlen, "guest RAM: %s", strerror(errno));
        goto fail;
    }
    vm->ram_size = ram_size;
    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = ram_size,
        .userspace_addr = (uint64_t)(uintptr_t)vm->ram,
    };
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
        snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
        goto fail;
    }
    return 0;

unavailable:
    kvm_vm_close(vm);
    return KVM_VM_UNAVAILABLE;
fail:
    kvm_vm_close(vm);
    return -1;
}

void kvm_vm_close(kvm_vm *vm)
{
    if (vm->ram)
        munmap(vm->ram, vm->ram_size);
    if (vm->vm_fd >= 0)
        close(vm->vm_fd);
    if (vm->kvm_fd >= 0)
        close(vm->kvm_fd);
    memset(vm, 0, sizeof(*vm));
    vm->kvm_fd = vm->vm_fd = -1;
}

static void put64(kvm_vm *vm, uint64_t addr, uint64_t v)
{
    memcpy(vm->ram + addr, &v, sizeof(v));
}

void kvm_vm_build_long_mode_tables(kvm_vm *vm)
{
    /* GDT: null, 64-bit ring-0 code, ring-0 data, then the 16-byte TSS
     * descriptor (type 0xB: busy 64-bit TSS, as VM entry requires of TR).
     * IRETQ reloads CS and SS from here, so it must be real memory. */
    put64(vm, GUEST_GDT + 0x00, 0);
    put64(vm, GUEST_GDT + GUEST_SEL_CODE, 0x00af9b000000ffffull);
    put64(vm, GUEST_GDT + GUEST_SEL_DATA, 0x00cf93000000ffffull);
    uint64_t tss = GUEST_TSS, tss_limit = 0x67;
    put64(vm, GUEST_GDT + GUEST_SEL_TSS,
          tss_limit | (tss & 0xffffff) << 16 | 0x8bull << 40 | ((tss >> 24) & 0xff) << 56);
    put64(vm, GUEST_GDT + GUEST_SEL_TSS + 8, tss >> 32);
    memset(vm->ram + GUEST_TSS, 0, 0x68);

    /* PML4[0] -> PDPT; PDPT[i] -> PD i; PD entries map 2 MiB each
     * (present, writable, PS), so 0-4 GiB is identity-mapped: RAM, and the
     * IOAPIC, HPET and local APIC near 4 GiB. */
    const uint64_t P = 1, RW = 2, PS = 0x80;
    put64(vm, GUEST_PML4, GUEST_PDPT | P | RW);
    for (uint64_t i = 0; i < 4; i++) {
        put64(vm, GUEST_PDPT + 8 * i, (GUEST_PD + 0x1000 * i) | P | RW);
        for (uint64_t j = 0; j < 512; j++)
            put64(vm, GUEST_PD + 0x1000 * i + 8 * j, ((i << 30) | (j << 21)) | P | RW | PS);
    }
}

static void set_segment(struct kvm_segment *s, uint16_t selector, int code)
{
    memset(s, 0, sizeof(*s));
    s->selector = selector;
    s->base = 0;
    s->limit = 0xffffffff;
    s->present = 1;
    s->s = 1;
    s->g = 1;
    if (code) {
        s->type = 0xb; /* execute/read, accessed */
        s->l = 1;
    } else {
        s->type = 0x3; /* read/write, accessed */
        s->db = 1;
    }
}

/* The host's CPUID as KVM supports it, with this vCPU's APIC ID in leaf 1
 * (and leaf 0xB) and without CX16: long mode needs the guest's CPUID to
 * have LM. */
static int set_cpuid(kvm_vm *vm, kvm_vcpu *vcpu, char *err, size_t errlen)
{
    int nent = 128;
    struct kvm_cpuid2 *cpuid = NULL;
    for (;;) {
        cpuid = calloc(1, sizeof(*cpuid) + (size_t)nent * sizeof(struct kvm_cpuid_entry2));
        if (!cpuid) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        cpuid->nent = (uint32_t)nent;
        if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
            break;
        free(cpuid);
        if (errno != E2BIG || nent >= 4096) {
            snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
            return -1;
        }
        nent *= 2;
    }
    for (uint32_t i = 0; i < cpuid->nent; i++) {
        struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
        if (e->function == 1) {
            e->ebx = (e->ebx & 0x00ffffffu) | vcpu->index << 24;
            /* No CMPXCHG16B: a nested KVM whose instruction emulator runs
             * kernel code cannot emulate it, and a kernel that sees CX16
             * uses it (Linux's SLUB allocator). The example's own guest
             * uses neither. */
            e->ecx &= ~(1u << 13);
        }
        if (e->function == 0xb)
            e->edx = vcpu->index;
    }
    int rc = ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
    free(cpuid);
    if (rc < 0) {
        snprintf(err, errlen, "KVM_SET_CPUID2: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int kvm_vcpu_create(kvm_vm *vm, kvm_vcpu *vcpu, unsigned index, uint64_t rip, uint64_t rsp,
                    const uint64_t args[3], char *err, size_t errlen)
{
    memset(vcpu, 0, sizeof(*vcpu));
    vcpu->fd = -1;
    vcpu->index = index;
    vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
    if (vcpu->fd < 0) {
        snprintf(err, errlen, "KVM_CREATE_VCPU %u: %s", index, strerror(errno));
        return -1;
    }
    vcpu->run = mmap(NULL, (size_t)vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
    if (vcpu->run == MAP_FAILED) {
        vcpu->run = NULL;
        snprintf(err, errlen, "mmap kvm_run: %s", strerror(errno));
        goto fail;
    }
    if (set_cpuid(vm, vcpu, err, errlen) != 0)
        goto fail;

    struct kvm_sregs sregs;
    if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0) {
        snprintf(err, errlen, "KVM_GET_SREGS: %s", strerror(errno));
        goto fail;
    }
    set_segment(&sregs.cs, GUEST_SEL_CODE, 1);
    set_segment(&sregs.ds, GUEST_SEL_DATA, 0);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    memset(&sregs.tr, 0, sizeof(sregs.tr));
    sregs.tr.selector = GUEST_SEL_TSS;
    sregs.tr.base = GUEST_TSS;
    sregs.tr.limit = 0x67;
    sregs.tr.type = 0xb;
    sregs.tr.present = 1;
    sregs.gdt.base = GUEST_GDT;
    sregs.gdt.limit = GUEST_SEL_TSS + 16 - 1;
    sregs.cr3 = GUEST_PML4;
    sregs.cr4 = 1u << 5;                           /* PAE */
    sregs.cr0 = 0x80050033u;                       /* PG WP NE ET MP PE */
    sregs.efer = (1u << 8) | (1u << 10);           /* LME LMA */
    if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0) {
        snprintf(err, errlen, "KVM_SET_SREGS (long mode): %s", strerror(errno));
        goto fail;
    }
    struct kvm_regs regs;
    memset(&regs, 0, sizeof(regs));
    regs.rip = rip;
    regs.rsp = rsp;
    regs.rdi = args[0];
    regs.rsi = args[1];
    regs.rdx = args[2];
    regs.rflags = 0x2;
    if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0) {
        snprintf(err, errlen, "KVM_SET_REGS: %s", strerror(errno));
        goto fail;
    }
    /* With the in-kernel irqchip an AP waits for INIT/SIPI; this one
     * starts at rip in long mode as the BSP does. */
    struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
    if (ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp) < 0) {
        snprintf(err, errlen, "KVM_SET_MP_STATE: %s", strerror(errno));
        goto fail;
    }
    return 0;
fail:
    kvm_vcpu_destroy(vm, vcpu);
    return -1;
}

void kvm_vcpu_destroy(kvm_vm *vm, kvm_vcpu *vcpu)
{
    if (vcpu->run)
        munmap(vcpu->run, (size_t)vm->run_size);
    if (vcpu->fd >= 0)
        close(vcpu->fd);
    memset(vcpu, 0, sizeof(*vcpu));
    vcpu->fd = -1;
}

int kvm_vm_irq_line(kvm_vm *vm, unsigned gsi, int level)
{
    struct kvm_irq_level irq = { .irq = gsi, .level = (uint32_t)level };
    return ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq);
}

void kvm_vcpu_dump(const kvm_vcpu *vcpu)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
        fprintf(stderr, "vcpu %u: cannot read registers: %s\n", vcpu->index, strerror(errno));
        return;
    }
    fprintf(stderr,
            "vcpu %u: rip=%#llx rsp=%#llx rflags=%#llx rax=%#llx rdi=%#llx\n"
            "         cr0=%#llx cr3=%#llx cr4=%#llx efer=%#llx cs=%#x\n",
            vcpu->index, (unsigned long long)r.rip, (unsigned long long)r.rsp,
            (unsigned long long)r.rflags, (unsigned long long)r.rax, (unsigned long long)r.rdi,
            (unsigned long long)s.cr0, (unsigned long long)s.cr3, (unsigned long long)s.cr4,
            (unsigned long long)s.efer, s.cs.selector);
}
