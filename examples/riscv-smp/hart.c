/* The host side of one hart: trap entry, rdtime, MMIO to the machine. */
#include "hart.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "emutime/devices/riscv_aclint.h"
#include "sim.h"

#define MSTATUS_MIE (1ull << 3)
#define MSTATUS_MPIE (1ull << 7)
#define MSTATUS_MPP (3ull << 11)
#define MCAUSE_INTERRUPT (1ull << 63)
#define PRV_M 3ull

#define EXCP_ILLEGAL_INSN 2u
#define OPCODE_SYSTEM 0x73u
#define CSR_TIME 0xC01u

#define TEST_PASS 0x5555u
#define TEST_FAIL 0x3333u

static uint64_t reg(hart *h, int r)
{
    uint64_t v = 0;
    uc_reg_read(h->uc, r, &v);
    return v;
}

static void set_reg(hart *h, int r, uint64_t v)
{
    uc_reg_write(h->uc, r, &v);
}

void hart_input(void *opaque, unsigned input, const char *name, int level)
{
    hart *h = opaque;
    if (name || (input != MIP_MSIP && input != MIP_MTIP)) {
        return; /* MEIP: virt's PLIC is not modelled */
    }
    if (level) {
        atomic_fetch_or(&h->pending, 1u << input);
        /* Real time: cut the hart's slice short, as QEMU kicks a vCPU.
         * Unicorn ignores the call when the hart is between slices; it
         * then sees the bit before its next one. */
        if (!h->sim->icount) {
            uc_emu_stop(h->uc);
        }
    } else {
        atomic_fetch_and(&h->pending, ~(1u << input));
    }
}

/* How long the MTIP being taken has been pending: mtime - mtimecmp, in ns. */
static uint64_t mtip_latency_ns(hart *h)
{
    uint64_t cmp = et_machine_read(h->sim->machine,
                                   CLINT_BASE + ET_RISCV_ACLINT_SWI_SIZE + 8u * h->id, 8);
    uint64_t now = et_riscv_aclint_mtimer_time(h->sim->mtimer);
    uint64_t tick_ns = 1000000000u / ET_RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ;
    return now > cmp ? (now - cmp) * tick_ns : 0;
}

/* The levels now, from the devices. The sink's record can lag behind them:
 * the ACLINT's line changes are delivered one at a time per device, so a
 * change made by this hart's own mtimecmp write may still be queued behind
 * another thread's sink call (irq.h) when the write returns, and taking an
 * interrupt on the stale level would enter the handler before its time. */
static unsigned current_levels(hart *h)
{
    unsigned levels = 0;
    if (et_riscv_aclint_mtimer_mtip(h->sim->mtimer, h->id) == 1) {
        levels |= 1u << MIP_MTIP;
    }
    if (et_machine_read(h->sim->machine, CLINT_BASE + 4u * h->id, 4) & 1) {
        levels |= 1u << MIP_MSIP;
    }
    int inject = h->sim->inject;
    if (inject == INJECT_EARLY_TICK && h->id == 0) {
        levels |= 1u << MIP_MTIP;
    } else if (inject == INJECT_LOST_IPI && h->id == 1) {
        levels &= ~(1u << MIP_MSIP);
    }
    return levels;
}

bool hart_take_interrupt(hart *h)
{
    /* The sink's record says when to look (a cheap test per slice). */
    if (!atomic_load(&h->pending) && h->sim->inject != INJECT_EARLY_TICK) {
        return false;
    }
    uint64_t mstatus = reg(h, UC_RISCV_REG_MSTATUS);
    if (!(mstatus & MSTATUS_MIE)) {
        return false;
    }
    uint64_t enabled = current_levels(h) & reg(h, UC_RISCV_REG_MIE);
    if (!enabled) {
        return false;
    }
    unsigned cause = (enabled & (1u << MIP_MSIP)) ? MIP_MSIP : MIP_MTIP;

    uint64_t pc = reg(h, UC_RISCV_REG_PC);
    uint64_t mtvec = reg(h, UC_RISCV_REG_MTVEC);
    set_reg(h, UC_RISCV_REG_MEPC, pc);
    set_reg(h, UC_RISCV_REG_MCAUSE, MCAUSE_INTERRUPT | cause);
    mstatus &= ~(MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MIE);
    mstatus |= MSTATUS_MPIE | (PRV_M << 11); /* MPIE <- MIE (which was 1), MPP <- M */
    set_reg(h, UC_RISCV_REG_MSTATUS, mstatus);
    /* Vectored mode (MODE 1) enters at BASE + 4 * cause for interrupts. */
    uint64_t target = (mtvec & ~3ull) + ((mtvec & 3) == 1 ? 4u * cause : 0);
    set_reg(h, UC_RISCV_REG_PC, target);

    sim *s = h->sim;
    if (cause == MIP_MTIP) {
        h->timer_irqs++;
        uint64_t lat = mtip_latency_ns(h);
        h->latency_sum_ns += lat;
        h->latency_max_ns = lat > h->latency_max_ns ? lat : h->latency_max_ns;
    } else {
        h->soft_irqs++;
    }
    sim_trace(s, "%" PRId64 " hart%u %s pc=%#" PRIx64 "\n", et_clock_now(s->clock), h->id,
              cause == MIP_MTIP ? "MTI" : "MSI", pc);
    return true;
}

/* rdtime (csrrs rd, time, x0) is the only instruction the host emulates;
 * any other exception ends the run. Unicorn 2 has already moved the PC 4
 * bytes past the instruction that raised the exception when it calls this
 * hook, so the PC is where an emulated rdtime continues. */
static void on_exception(uc_engine *uc, uint32_t intno, void *opaque)
{
    hart *h = opaque;
    (void)uc;
    uint64_t pc = reg(h, UC_RISCV_REG_PC) - 4;
    uint32_t insn = 0;
    if (intno == EXCP_ILLEGAL_INSN && pc >= RAM_BASE && pc - RAM_BASE <= RAM_SIZE - 4) {
        memcpy(&insn, h->sim->ram + (pc - RAM_BASE), 4);
    }
    unsigned rd = (insn >> 7) & 31;
    bool rdtime = (insn & 0x7f) == OPCODE_SYSTEM && ((insn >> 12) & 7) == 2 /* csrrs */ &&
                  ((insn >> 15) & 31) == 0 && (insn >> 20) == CSR_TIME;
    if (!rdtime) {
        char why[96];
        snprintf(why, sizeof(why), "hart%u: exception %u at pc %#" PRIx64 " (insn %#x)", h->id,
                 intno, pc, insn);
        sim_finish(h->sim, FAILED, 0, why);
        uc_emu_stop(h->uc);
        return;
    }
    if (rd) {
        uint64_t t = et_riscv_aclint_mtimer_time(h->sim->mtimer);
        if (h->sim->inject == INJECT_TIME_SKEW && h->id == 2) {
            t = t > 50 ? t - 50 : 0;
        }
        set_reg(h, UC_RISCV_REG_X0 + (int)rd, t);
    }
    h->rdtimes++;
}

static uint64_t clint_read(uc_engine *uc, uint64_t offset, unsigned size, void *opaque)
{
    (void)uc;
    hart *h = opaque;
    return et_machine_read(h->sim->machine, CLINT_BASE + offset, size);
}

static void clint_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value,
                        void *opaque)
{
    (void)uc;
    hart *h = opaque;
    et_machine_write(h->sim->machine, CLINT_BASE + offset, value, size);
}

static uint64_t test_read(uc_engine *uc, uint64_t offset, unsigned size, void *opaque)
{
    (void)uc, (void)offset, (void)size, (void)opaque;
    return 0;
}

/* sifive_test: 0x5555 passes, 0x3333 | code << 16 fails. */
static void test_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value,
                       void *opaque)
{
    hart *h = opaque;
    (void)size;
    if (offset != 0) {
        return;
    }
    if ((value & 0xffff) == TEST_PASS) {
        sim_finish(h->sim, PASSED, 0, NULL);
    } else if ((value & 0xffff) == TEST_FAIL) {
        sim_finish(h->sim, FAILED, (unsigned)(value >> 16) & 0xffff, NULL);
    } else {
        return;
    }
    uc_emu_stop(uc);
}

int hart_open(hart *h, sim *s, unsigned id, uint8_t *ram, uint64_t entry, const uint64_t args[3])
{
    memset(h, 0, sizeof(*h));
    h->sim = s;
    h->id = id;
    uc_err e = uc_open(UC_ARCH_RISCV, UC_MODE_RISCV64, &h->uc);
    if (e == UC_ERR_OK) {
        e = uc_mem_map_ptr(h->uc, RAM_BASE, RAM_SIZE, UC_PROT_ALL, ram);
    }
    if (e == UC_ERR_OK) {
        e = uc_mmio_map(h->uc, CLINT_BASE, CLINT_SIZE, clint_read, h, clint_write, h);
    }
    if (e == UC_ERR_OK) {
        e = uc_mmio_map(h->uc, TEST_BASE, TEST_SIZE, test_read, h, test_write, h);
    }
    uc_hook hook;
    if (e == UC_ERR_OK) {
        e = uc_hook_add(h->uc, &hook, UC_HOOK_INTR, (void *)on_exception, h, 1, 0);
    }
    if (e != UC_ERR_OK) {
        fprintf(stderr, "riscv-smp: hart%u: %s\n", id, uc_strerror(e));
        if (h->uc) {
            uc_close(h->uc);
            h->uc = NULL;
        }
        return -1;
    }
    set_reg(h, UC_RISCV_REG_PC, entry);
    set_reg(h, UC_RISCV_REG_A0, id);
    set_reg(h, UC_RISCV_REG_A1, args[0]);
    set_reg(h, UC_RISCV_REG_A2, args[1]);
    set_reg(h, UC_RISCV_REG_A3, args[2]);
    return 0;
}

void hart_close(hart *h)
{
    if (h->uc) {
        uc_close(h->uc);
        h->uc = NULL;
    }
}

void hart_run(hart *h, uint64_t n)
{
    if (atomic_load(&h->sim->verdict) != RUNNING) {
        return;
    }
    uint64_t pc = reg(h, UC_RISCV_REG_PC);
    /* until = 0: an address no guest code is at, so only the count stops it. */
    uc_err e = uc_emu_start(h->uc, pc, 0, 0, n);
    if (e != UC_ERR_OK) {
        char why[96];
        snprintf(why, sizeof(why), "hart%u: %s at pc %#" PRIx64, h->id, uc_strerror(e),
                 reg(h, UC_RISCV_REG_PC));
        sim_finish(h->sim, FAILED, 0, why);
    }
    h->insns += n;
}
