/* Entry of every hart. The host starts hart N at _start with a0 = N (as
 * QEMU's virt firmware does) and the run's parameters in a1-a3; each hart
 * gets its own stack and keeps its id in tp for the trap handler. */
    .section .text.start, "ax"
    .globl _start
_start:
    mv      tp, a0
    la      sp, __stack_top
    slli    t0, a0, 12
    sub     sp, sp, t0
    la      t0, trap_entry
    csrw    mtvec, t0
    call    hart_main
1:  j       1b
