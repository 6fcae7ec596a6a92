/* The guest's entry and interrupt stubs (64-bit, ring 0).
 *
 * Every vCPU enters at _start, the first byte of the image, with rdi, rsi,
 * rdx set by the VMM (guest/abi.h) and its own stack. guest_main never
 * returns: it ends with an exit to the VMM, after which the vCPU is not run
 * again. */
    .section .text.entry, "ax"
    .globl _start
_start:
    cld
    call guest_main
1:  jmp 1b

    .text
/* Interrupt vectors 0x20-0x3f: save what a C call may clobber, call
 * guest_interrupt(vector), IRETQ. The CPU aligned the stack to 16 before
 * pushing its 5-word frame; 9 pushes more keep the call aligned. */
.macro IRQ_STUB vec
irq_stub_\vec:
    push %rax
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %r8
    push %r9
    push %r10
    push %r11
    mov $\vec, %edi
    call guest_interrupt
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rax
    iretq
.endm

/* Exceptions 0-31 are fatal: report the vector and the faulting rip (for
 * vectors with an error code the rip is one word further up). */
.macro EXC_STUB vec
exc_stub_\vec:
    mov $\vec, %edi
    mov (%rsp), %rsi
    mov 8(%rsp), %rdx
    and $-16, %rsp
    call guest_exception
2:  jmp 2b
.endm

    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    EXC_STUB \v
    .endr
    .irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63
    IRQ_STUB \v
    .endr

/* The local APIC's spurious vector: no EOI. */
    .globl irq_spurious
irq_spurious:
    iretq

    .section .rodata
    .balign 8
    .globl guest_stub_table
guest_stub_table:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad exc_stub_\v
    .endr
    .irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63
    .quad irq_stub_\v
    .endr

    .section .note.GNU-stack, "", @progbits
