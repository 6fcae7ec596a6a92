/* One RISC-V hart of the riscv-smp example: a Unicorn RV64 instance whose
 * interrupts and time CSR the host provides from emutime's ACLINT.
 *
 * Unicorn 2.0.1 runs RV64 code but takes no interrupt by itself (a write of
 * MTIP into mip is masked off) and has no time source behind the time CSR
 * (rdtime raises an illegal-instruction exception). So the host
 *  - keeps the hart's MSIP and MTIP inputs as the machine drives them
 *    (the controller sink of the board's "hartN" controller),
 *  - between runs of guest code, takes a pending enabled interrupt the way
 *    the privileged spec's trap entry does (hart_take_interrupt),
 *  - emulates rdtime from the MTIMER's mtime in the exception hook.
 * mret is Unicorn's own. */
#ifndef RISCV_SMP_HART_H
#define RISCV_SMP_HART_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <unicorn/unicorn.h>

#include "emutime/emutime.h"

#define RAM_BASE 0x80000000u
#define RAM_SIZE (2u << 20)      /* the part of virt's RAM the firmware uses */
#define CLINT_BASE 0x02000000u   /* MSWI, then the MTIMER: the machine's */
#define CLINT_SIZE 0x10000u
#define TEST_BASE 0x100000u      /* QEMU virt's sifive_test: the exit */
#define TEST_SIZE 0x1000u

#define MIP_MSIP 3
#define MIP_MTIP 7

struct sim;

typedef struct hart {
    struct sim *sim;
    unsigned id;
    uc_engine *uc;
    /* mip's MSIP and MTIP bits as the machine last drove them: written by
     * whichever thread delivers the ACLINT's line change, read by the
     * hart's thread. */
    atomic_uint pending;
    uint64_t insns;          /* guest instructions asked for (a run cut short by
                              * a kick or the exit counts whole) */
    uint64_t timer_irqs, soft_irqs;
    uint64_t rdtimes;
    uint64_t latency_sum_ns, latency_max_ns; /* MTIP raised -> taken */
} hart;

/* Opens the Unicorn instance: RAM shared with the other harts (ram is the
 * host buffer behind it), the CLINT and the exit device as MMIO, the
 * exception hook; PC at entry, a0 = hart id, a1-a3 = args. 0, or -1 with a
 * message on stderr. */
int hart_open(hart *h, struct sim *sim, unsigned id, uint8_t *ram, uint64_t entry,
              const uint64_t args[3]);
void hart_close(hart *h);

/* The controller sink of the hart's "hartN" controller (machine.h). */
void hart_input(void *opaque, unsigned input, const char *name, int level);

/* Trap entry for the highest-priority pending enabled interrupt, if any
 * (MSI before MTI, as the privileged spec orders them). true if taken. */
bool hart_take_interrupt(hart *h);

/* Runs up to n guest instructions from the current PC. */
void hart_run(hart *h, uint64_t n);

#endif
