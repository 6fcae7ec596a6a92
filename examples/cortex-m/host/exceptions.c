/* The ARMv7-M exception model (exceptions.h). Fixed choices, which the
 * test firmware keeps to: AIRCR.PRIGROUP 0 (group priority = priority bits
 * 7:1, bit 0 the subpriority), all 8 priority bits implemented, the main
 * stack only (CONTROL.SPSEL 0: no PSP frames), no FPU (8-word frames), no
 * faults (a HardFault or a fault escalation is not modelled: the firmware
 * treats any such exception as a failure). */
#include "exceptions.h"

#include <stdio.h>
#include <stdlib.h>

#include "emutime/nvic_view.h"

#define EXC_NMI 2
#define EXC_HARDFAULT 3
#define EXC_PENDSV 14
#define EXC_SYSTICK 15
#define EXC_IRQ0 16

#define SCS_ISER0 0xe000e100u
#define SCS_ISPR0 0xe000e200u
#define SCS_ICSR 0xe000ed04u
#define ICSR_NMIPENDSET (1u << 31)
#define ICSR_PENDSVSET (1u << 28)
#define ICSR_PENDSTSET (1u << 26)

#define OFF_IPR 0x400u
#define OFF_SHPR 0xd18u

#define XPSR_T (1u << 24)
#define XPSR_STKALIGN (1u << 9) /* in the stacked xPSR: the frame was realigned */
#define XPSR_IT_ICI 0x0600fc00u
#define XPSR_EXC 0x1ffu

#define EXC_RETURN_HANDLER 0xfffffff1u /* back to handler mode, main stack */
#define EXC_RETURN_THREAD 0xfffffff9u  /* back to thread mode, main stack */

/* A priority lower than every exception's: thread mode at no boost. */
#define PRIO_THREAD 0x100

static void uc_check(uc_err err, const char *what)
{
    if (err != UC_ERR_OK) {
        fprintf(stderr, "cortex-m: %s: %s\n", what, uc_strerror(err));
        abort();
    }
}

static uint32_t reg(exc_model *e, int id)
{
    uint32_t v = 0;
    uc_check(uc_reg_read(e->uc, id, &v), "uc_reg_read");
    return v;
}

static void set_reg(exc_model *e, int id, uint32_t v)
{
    uc_check(uc_reg_write(e->uc, id, &v), "uc_reg_write");
}

void exc_init(exc_model *e, uc_engine *uc, et_machine *m)
{
    e->uc = uc;
    e->m = m;
    exc_reset(e);
}

void exc_reset(exc_model *e)
{
    for (unsigned i = 0; i < EXC_COUNT; i++) {
        e->prio[i] = 0;
    }
    e->active = 0;
    e->vtor = 0;
}

/* Group priority (PRIGROUP 0); the NMI's and HardFault's are fixed. */
static int group_prio(const exc_model *e, unsigned exc)
{
    if (exc == EXC_NMI) {
        return -2;
    }
    if (exc == EXC_HARDFAULT) {
        return -1;
    }
    return e->prio[exc] >> 1;
}

/* B1.5.4: the lowest group priority of the active exceptions, boosted by
 * PRIMASK (to 0) and a non-zero BASEPRI. */
static int execution_prio(exc_model *e, uint64_t active)
{
    int p = PRIO_THREAD;
    for (unsigned exc = 2; exc < EXC_COUNT; exc++) {
        if ((active >> exc) & 1) {
            int g = group_prio(e, exc);
            if (g < p) {
                p = g;
            }
        }
    }
    uint32_t basepri = reg(e, UC_ARM_REG_BASEPRI) & 0xff;
    if (basepri && (int)(basepri >> 1) < p) {
        p = (int)(basepri >> 1);
    }
    if ((reg(e, UC_ARM_REG_PRIMASK) & 1) && p > 0) {
        p = 0;
    }
    return p;
}

/* The pending exception the NVIC presents (B1.5.4: the lowest priority
 * value, then the lowest exception number), or 0. */
static unsigned highest_pending(exc_model *e)
{
    uint32_t icsr = (uint32_t)et_machine_read(e->m, SCS_ICSR, 4);
    uint32_t irqs = (uint32_t)et_machine_read(e->m, SCS_ISPR0, 4) &
                    (uint32_t)et_machine_read(e->m, SCS_ISER0, 4);
    unsigned best = 0;
    int best_prio = PRIO_THREAD * 2;
    unsigned cand[2 + 32], n = 0;
    if (icsr & ICSR_NMIPENDSET) {
        cand[n++] = EXC_NMI;
    }
    if (icsr & ICSR_PENDSVSET) {
        cand[n++] = EXC_PENDSV;
    }
    if (icsr & ICSR_PENDSTSET) {
        cand[n++] = EXC_SYSTICK;
    }
    for (unsigned i = 0; i < 32; i++) {
        if ((irqs >> i) & 1) {
            cand[n++] = EXC_IRQ0 + i;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        unsigned exc = cand[i];
        /* The full priority orders them (group, then subpriority). */
        int p = exc == EXC_NMI ? -4 : e->prio[exc];
        if (p < best_prio || (p == best_prio && exc < best)) {
            best = exc;
            best_prio = p;
        }
    }
    return best;
}

static unsigned choose_with(exc_model *e, uint64_t active)
{
    unsigned exc = highest_pending(e);
    if (exc && !((active >> exc) & 1) && group_prio(e, exc) < execution_prio(e, active)) {
        return exc;
    }
    return 0;
}

unsigned exc_choose(exc_model *e)
{
    return choose_with(e, e->active);
}

static uint32_t vector(exc_model *e, unsigned exc)
{
    uint32_t v;
    uc_check(uc_mem_read(e->uc, e->vtor + 4 * exc, &v, 4), "vector read");
    return v;
}

/* IPSR changed behind QEMU's back: writing APSR makes it rebuild the
 * cached flags (handler mode among them) that its translator uses. */
static void rebuild_hflags(exc_model *e)
{
    set_reg(e, UC_ARM_REG_APSR_NZCV, reg(e, UC_ARM_REG_APSR_NZCV));
}

/* Activate exc and jump to its handler; LR holds exc_return. */
static void activate(exc_model *e, unsigned exc, uint32_t exc_return)
{
    et_machine_nvic_acknowledge(e->m, "nvic", exc);
    e->active |= 1ull << exc;
    uint32_t xpsr = reg(e, UC_ARM_REG_XPSR);
    set_reg(e, UC_ARM_REG_XPSR, (xpsr & ~(XPSR_IT_ICI | XPSR_EXC)) | XPSR_T | exc);
    rebuild_hflags(e);
    set_reg(e, UC_ARM_REG_LR, exc_return);
    set_reg(e, UC_ARM_REG_PC, vector(e, exc) | 1);
}

void exc_enter(exc_model *e, unsigned exc)
{
    /* B1.5.6 PushStack: r0-r3, r12, lr, the return address, xPSR, on an
     * 8-byte aligned frame (bit 9 of the stacked xPSR records a realign). */
    static const int regs[6] = { UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2,
                                 UC_ARM_REG_R3, UC_ARM_REG_R12, UC_ARM_REG_LR };
    uint32_t frame[8];
    for (unsigned i = 0; i < 6; i++) {
        frame[i] = reg(e, regs[i]);
    }
    frame[6] = reg(e, UC_ARM_REG_PC) & ~1u;
    uint32_t xpsr = reg(e, UC_ARM_REG_XPSR);
    uint32_t sp = reg(e, UC_ARM_REG_SP);
    bool handler = (xpsr & XPSR_EXC) != 0;
    frame[7] = xpsr;
    if (sp & 4) {
        frame[7] |= XPSR_STKALIGN;
        sp -= 4;
    }
    sp -= sizeof(frame);
    uc_check(uc_mem_write(e->uc, sp, frame, sizeof(frame)), "exception frame push");
    set_reg(e, UC_ARM_REG_SP, sp);
    activate(e, exc, handler ? EXC_RETURN_HANDLER : EXC_RETURN_THREAD);
}

unsigned exc_return(exc_model *e)
{
    /* QEMU keeps the branch target with bit 0 (Thumb) dropped. */
    uint32_t exc_return = reg(e, UC_ARM_REG_PC) | 1u;
    uint32_t xpsr = reg(e, UC_ARM_REG_XPSR);
    unsigned exc = xpsr & XPSR_EXC;
    if (exc_return != EXC_RETURN_HANDLER && exc_return != EXC_RETURN_THREAD) {
        fprintf(stderr, "cortex-m: EXC_RETURN 0x%08x not modelled (process stack)\n",
                exc_return);
        abort();
    }
    e->active &= ~(1ull << exc);
    et_machine_nvic_complete(e->m, "nvic", exc);
    /* B1.5.12 tail-chaining: a pending exception that would preempt the
     * context being returned to is taken at once, on the same frame. */
    unsigned next = choose_with(e, e->active);
    if (next) {
        activate(e, next, exc_return);
        return next;
    }
    static const int regs[6] = { UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2,
                                 UC_ARM_REG_R3, UC_ARM_REG_R12, UC_ARM_REG_LR };
    uint32_t frame[8];
    uint32_t sp = reg(e, UC_ARM_REG_SP);
    uc_check(uc_mem_read(e->uc, sp, frame, sizeof(frame)), "exception frame pop");
    sp += sizeof(frame);
    if (frame[7] & XPSR_STKALIGN) {
        sp += 4;
    }
    for (unsigned i = 0; i < 6; i++) {
        set_reg(e, regs[i], frame[i]);
    }
    set_reg(e, UC_ARM_REG_SP, sp);
    set_reg(e, UC_ARM_REG_XPSR, (frame[7] & ~XPSR_STKALIGN) | XPSR_T);
    rebuild_hflags(e);
    set_reg(e, UC_ARM_REG_PC, frame[6] | 1);
    return 0;
}

/* --- priority registers ---------------------------------------------------- */

/* The exception number a priority byte at offset belongs to, or -1. */
static int prio_byte(uint64_t offset)
{
    if (offset >= OFF_IPR && offset < OFF_IPR + 32) {
        return EXC_IRQ0 + (int)(offset - OFF_IPR);
    }
    if (offset >= OFF_SHPR && offset < OFF_SHPR + 12) {
        return 4 + (int)(offset - OFF_SHPR);
    }
    return -1;
}

bool exc_scs_read(exc_model *e, uint64_t offset, unsigned size, uint64_t *value)
{
    if (prio_byte(offset) < 0) {
        return false;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        int exc = prio_byte(offset + i);
        if (exc >= 0) {
            v |= (uint64_t)e->prio[exc] << (8 * i);
        }
    }
    *value = v;
    return true;
}

bool exc_scs_write(exc_model *e, uint64_t offset, unsigned size, uint64_t value)
{
    if (prio_byte(offset) < 0) {
        return false;
    }
    for (unsigned i = 0; i < size; i++) {
        int exc = prio_byte(offset + i);
        /* SHPR's bytes for exceptions 7-10 and 13 are reserved. */
        if (exc >= 0 && exc != 7 && exc != 8 && exc != 9 && exc != 10 && exc != 13) {
            e->prio[exc] = (uint8_t)(value >> (8 * i));
        }
    }
    return true;
}
