/* The ARMv7-M exception model of the example: what the processor does
 * around the NVIC (ARM DDI 0403E B1.5): priorities (IPR, SHPR), the active
 * state, the execution priority (active exceptions, PRIMASK, BASEPRI), the
 * choice of what to take, exception entry (8-word frame, EXC_RETURN, IPSR,
 * PC from the vector table), return (pop the frame) and tail-chaining.
 * Pending and enable state live in emutime's NVIC view, which the model
 * reads through the machine and tells of entry and return (nvic_view.h).
 *
 * All calls come from the vCPU thread, with Unicorn stopped or inside one
 * of its hooks. */
#ifndef CORTEXM_EXCEPTIONS_H
#define CORTEXM_EXCEPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include <unicorn/unicorn.h>

#include "emutime/machine.h"

#define EXC_COUNT (16 + 32) /* mps2-an385: 32 external interrupts */

typedef struct exc_model {
    uc_engine *uc;
    et_machine *m;
    uint8_t prio[EXC_COUNT]; /* 4..15 from SHPR1-3, 16.. from IPR */
    uint64_t active;         /* bit per exception number */
    uint32_t vtor;           /* vector table base (0 on this board: VTOR not modelled) */
} exc_model;

void exc_init(exc_model *e, uc_engine *uc, et_machine *m);
/* CPU reset: nothing active, priorities 0. */
void exc_reset(exc_model *e);

/* The exception to take now, or 0: the highest-priority pending and
 * enabled one, if its group priority is above the execution priority. */
unsigned exc_choose(exc_model *e);
/* Exception entry for exc (Unicorn stopped at the next instruction). */
void exc_enter(exc_model *e, unsigned exc);
/* Exception return (the UC_HOOK_INTR of a branch to EXC_RETURN). Returns
 * the exception tail-chained to, or 0 when it popped the frame. */
unsigned exc_return(exc_model *e);

/* The priority registers of the System Control Space, which the model
 * keeps: IPR at 0xe000e400 (offset 0x400-0x41f here), SHPR1-3 at
 * 0xe000ed18-0xe000ed23. true when offset (into the SCS page) is one. */
bool exc_scs_read(exc_model *e, uint64_t offset, unsigned size, uint64_t *value);
bool exc_scs_write(exc_model *e, uint64_t offset, unsigned size, uint64_t value);

#endif
