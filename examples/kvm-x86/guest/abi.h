/* The contract between the kvm-x86 VMM and its guest: where the guest is
 * loaded, what the VMM hands each vCPU at entry, and the I/O ports the VMM
 * answers itself (everything else goes to emutime's pc machine). Included by
 * the guest (freestanding) and by the VMM. */
#ifndef KVM_X86_GUEST_ABI_H
#define KVM_X86_GUEST_ABI_H

/* Guest physical layout (the VMM builds the GDT, TSS and page tables). */
#define GUEST_GDT        0x1000u
#define GUEST_TSS        0x1100u
#define GUEST_PML4       0x2000u
#define GUEST_PDPT       0x3000u
#define GUEST_PD         0x4000u  /* four page directories: 0-4 GiB in 2 MiB pages */
#define GUEST_LOAD       0x100000u /* the flat image; its first byte is the entry */
#define GUEST_RAM_SIZE   0x400000u /* 4 MiB */
#define GUEST_STACK_SIZE 0x10000u  /* per vCPU, from the top of RAM down */
#define GUEST_MAX_CPUS   4u

#define GUEST_SEL_CODE 0x08u
#define GUEST_SEL_DATA 0x10u
#define GUEST_SEL_TSS  0x18u

/* At entry (every vCPU starts in 64-bit mode at GUEST_LOAD, IF=0):
 * rdi = this vCPU's index (its local APIC ID), rsi = number of vCPUs,
 * rdx = GUEST_MODE_*. */
#define GUEST_MODE_ICOUNT   0u /* virtual time moves only at device accesses */
#define GUEST_MODE_REALTIME 1u /* virtual time is host time */
#define GUEST_MODE_BENCH    2u /* realtime, measuring instead of checking */

/* Instruction-count mode: virtual time advances by this much at each
 * device access (an exit to emutime) and at no other time. */
#define GUEST_ICOUNT_STEP_NS 2000u

/* Ports the VMM handles itself. */
#define PORT_CONSOLE 0x00e9u /* outb: one character of the guest's log */
#define PORT_DONE    0x0500u /* outl: this vCPU stops; value 0 = PASS, else a failure code */
#define PORT_MARK    0x0504u /* outl: a named instant (MARK_*), the VMM notes host time */

/* The real-time window's rates, which the VMM checks against host time
 * (the instruction-count mode's are the guest's business). Periods longer
 * than a loaded host's wake-up latency (several ms at load 15 on 2 cores),
 * so that a count says something about the rate and not about the load. */
#define RT_HPET_PERIOD0_MS 10u /* HPET timer 0, GSI 16 */
#define RT_HPET_PERIOD2_MS 15u /* HPET timer 2, GSI 18 */
#define RT_RTC_HZ 64u          /* the RTC's periodic interrupt, GSI 8 */

/* Bench mode: items measured between two marks, BENCH_N operations each:
 * 0 HPET main-counter reads (MMIO exits to emutime), 1 port 0x61 reads (I/O
 * exits to the PIT), 2 reads of unassigned port 0x80 (I/O exits to no
 * device), then BENCH_REPS times: BENCH_LOOP iterations of a 2-instruction
 * loop without timers, and the same loop with HPET timer 0 interrupting at
 * 1 kHz. Then the guest measures one-shot interrupt latency itself and logs
 * it. */
#define BENCH_N 2000u
#define BENCH_LOOP 250000u
#define BENCH_REPS 3u
#define BENCH_ITEMS (3u + 2u * BENCH_REPS)

#define MARK_WINDOW_START 1u /* the HPET timers start */
#define MARK_WINDOW_END   2u /* the HPET timers stop */
#define MARK_BENCH_BASE   16u /* bench: MARK_BENCH_BASE + 2k starts item k, +1 ends it */

#endif
