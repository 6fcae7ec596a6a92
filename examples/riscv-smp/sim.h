/* The riscv-smp example's simulation: emutime's virt machine with 4 harts,
 * the harts, the interrupt trace and the guest's verdict. */
#ifndef RISCV_SMP_SIM_H
#define RISCV_SMP_SIM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "hart.h"

#define NHARTS 4u

/* Host faults injected to show that the firmware's checks fail
 * (--inject): hart 0 takes timer interrupts whatever MTIP says; hart 2's
 * rdtime runs 50 ticks behind mtime; hart 1 never takes its IPIs. */
enum { INJECT_NONE = 0, INJECT_EARLY_TICK, INJECT_TIME_SKEW, INJECT_LOST_IPI };

/* The guest's verdict, from the sifive_test device (or the host's). */
enum { RUNNING = 0, PASSED, FAILED };

typedef struct sim {
    et_machine *machine;
    et_device *mtimer;
    et_clock *clock;
    bool icount;           /* instruction-count mode (else real time) */
    int inject;            /* a host fault the firmware must catch (INJECT_*) */
    uint8_t *ram;
    hart harts[NHARTS];

    atomic_int verdict;    /* RUNNING until the guest (or the host) decides */
    unsigned fail_code;    /* the guest's FAIL code, or the host's reason */
    char fail_reason[160];

    double cpu_s;          /* host CPU time of the run, every thread */

    /* The interrupt trace: one line per interrupt taken. */
    pthread_mutex_t trace_lock;
    FILE *trace;           /* NULL: not kept */
} sim;

/* Ends the run from a hart's thread: the guest's verdict, or a host error
 * (reason non-NULL). The first verdict wins. */
void sim_finish(sim *s, int verdict, unsigned code, const char *reason);

/* Appends a line to the trace. */
void sim_trace(sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
