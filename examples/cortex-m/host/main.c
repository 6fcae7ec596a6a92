/* cortexm-emu: QEMU's mps2-an385 board on Unicorn, with emutime's machine
 * as its timer hardware.
 *
 * The CPU is Unicorn's Cortex-M3 (UC_MODE_THUMB with the cortex-m3 model;
 * Unicorn takes no interrupts itself, so exceptions.c does what the
 * processor does around the NVIC). Memory: SSRAM1 at 0 (the firmware image
 * and its vector table) and SSRAM2/3 at 0x20000000 are Unicorn RAM; the
 * APB window 0x40000000-0x4000ffff (CMSDK timers, dual timer, watchdog)
 * and the System Control Space page 0xe000e000 (the NVIC view, SysTick)
 * are MMIO hooks that go to the machine, except the priority registers
 * (the exception model's) and the example's host interface (hostif.h).
 *
 * Time modes:
 *   icount    the machine is on a manual clock that the vCPU advances by
 *             INSN_NS per instruction (a code hook counts them): runs are
 *             deterministic, and the trace of exceptions (instruction
 *             number, exception) is the same byte for byte every run;
 *   realtime  the machine is on a real-time clock fired by emutime's
 *             runner thread; interrupts reach the vCPU from that thread
 *             and are noticed at the next translation block.
 *
 * A watchdog reset (WDOGRES) resets the machine and the CPU; RAM keeps its
 * contents, as QEMU's system reset does. Exit status: 0 when the firmware
 * reports PASS (and the rates asked for with --expect-rate hold), 1 for a
 * FAIL, 2 for a host error or a run that does not finish. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include <unicorn/unicorn.h>

#include "emutime/emutime.h"
#include "exceptions.h"
#include "hostif.h"

#define SSRAM1_BASE 0x00000000u
#define SSRAM23_BASE 0x20000000u
#define RAM_SIZE (4u << 20)
#define APB_BASE 0x40000000u
#define APB_SIZE 0x10000u
#define SCS_BASE 0xe000e000u
#define SCS_SIZE 0x1000u
#define EXC_RETURN_INTNO 8 /* QEMU's EXCP_EXCEPTION_EXIT */

/* 25 MHz SYSCLK at one instruction per cycle. */
#define INSN_NS 40

#define MAX_RATES 4

typedef struct rate_check {
    unsigned exc;
    double hz;
    bool at_most; /* --max-rate: a level source, bounded from above only */
} rate_check;

typedef struct emu {
    uc_engine *uc;
    et_machine *m;
    et_clock *clock;
    et_runner *runner;
    exc_model exc;
    bool icount;
    uint64_t insns;           /* icount: instructions executed */
    int64_t deadline;         /* icount: the clock's next deadline (cached) */
    atomic_int request;       /* the NVIC view's irq-request line */
    atomic_int reset_request; /* the watchdog asked for a reset */
    atomic_int kick;          /* something for the vCPU loop: check, stop */
    unsigned take;            /* exception to enter once stopped */
    bool done;
    int exit_code;
    unsigned resets;
    FILE *trace;
    unsigned long n_exceptions;
    int64_t host_start;
    /* Rising edges of the NVIC's inputs, by exception number, as the
     * devices drive them (the controller sink, any thread). */
    atomic_ulong edges[EXC_COUNT];
    unsigned long entries_by_exc[EXC_COUNT];
    /* Interrupt latency: from the request rising to the exception entry. */
    atomic_int req_armed;
    uint64_t req_insn;
    _Atomic int64_t req_host;
    uint64_t lat_n, lat_insn_sum, lat_insn_max;
    int64_t lat_ns_sum, lat_ns_max;
    /* --bench: the firmware's measured phases. */
    bool bench;
    struct phase {
        uint64_t declared; /* instructions the firmware runs in it */
        uint64_t insns;
        int64_t host_ns;
        unsigned long exceptions;
        /* Device edges and CPU entries by exception in the phase. */
        unsigned long edges[EXC_COUNT], entries[EXC_COUNT];
    } phases[4];
    unsigned n_phases;
    uint64_t blocks;          /* realtime: translation blocks entered */
    int64_t phase_host;
    uint64_t phase_insns;
    unsigned long phase_exc;
} emu;

static void uc_check(uc_err err, const char *what)
{
    if (err != UC_ERR_OK) {
        fprintf(stderr, "cortex-m: %s: %s\n", what, uc_strerror(err));
        exit(2);
    }
}

/* --- time -------------------------------------------------------------------- */

/* icount: the virtual time of the instruction being executed. */
static int64_t insn_time(const emu *e)
{
    return (int64_t)e->insns * INSN_NS;
}

/* icount: bring the clock to the current instruction, firing what is due;
 * every device access does this first, so a device sees the exact time. */
static void sync_clock(emu *e)
{
    if (e->icount) {
        et_clock_set(e->clock, insn_time(e));
        e->deadline = et_clock_deadline(e->clock);
    }
}

/* --- trace -------------------------------------------------------------------- */

/* An exception entry; tail: taken at a return, on the returning one's
 * frame (tail-chained). */
static void record(emu *e, unsigned exc, bool tail)
{
    e->n_exceptions++;
    if (exc < EXC_COUNT) {
        e->entries_by_exc[exc]++;
    }
    if (atomic_exchange(&e->req_armed, 0)) {
        uint64_t li = e->icount ? e->insns - e->req_insn : 0;
        int64_t ln = et_host_monotonic_ns() - atomic_load(&e->req_host);
        e->lat_n++;
        e->lat_insn_sum += li;
        e->lat_ns_sum += ln;
        e->lat_insn_max = li > e->lat_insn_max ? li : e->lat_insn_max;
        e->lat_ns_max = ln > e->lat_ns_max ? ln : e->lat_ns_max;
    }
    if (e->trace) {
        /* icount: instruction numbers only, so that runs compare equal. */
        if (e->icount) {
            fprintf(e->trace, "%" PRIu64 " exc %u%s\n", e->insns, exc, tail ? " tail" : "");
        } else {
            fprintf(e->trace, "%.6f exc %u%s\n",
                    (double)(et_host_monotonic_ns() - e->host_start) / 1e9, exc,
                    tail ? " tail" : "");
        }
    }
}

/* --- MMIO --------------------------------------------------------------------- */

static uint64_t hostif_read(emu *e, uint64_t offset)
{
    switch (offset) {
    case HOSTIF_REG_MODE:
        return e->icount ? HOSTIF_MODE_ICOUNT : HOSTIF_MODE_REALTIME;
    case HOSTIF_REG_INSN_NS:
        return e->icount ? INSN_NS : 0;
    case HOSTIF_REG_PROGRAM:
        return e->bench ? HOSTIF_PROGRAM_BENCH : HOSTIF_PROGRAM_TESTS;
    default:
        return 0;
    }
}

static void hostif_write(emu *e, uint64_t offset, uint64_t value)
{
    switch (offset) {
    case HOSTIF_REG_EXIT:
        e->done = true;
        e->exit_code = value == 0 ? 0 : 1;
        if (e->trace) {
            fprintf(e->trace, "%" PRIu64 " exit %" PRIu64 "\n", e->icount ? e->insns : 0, value);
        }
        uc_emu_stop(e->uc);
        break;
    case HOSTIF_REG_MARK:
        if (e->n_phases == sizeof(e->phases) / sizeof(e->phases[0])) {
            break;
        }
        if (value) { /* a phase starts: counts from here */
            struct phase *p = &e->phases[e->n_phases];
            p->declared = value;
            e->phase_host = et_host_monotonic_ns();
            e->phase_insns = e->insns;
            e->phase_exc = e->n_exceptions;
            for (unsigned x = 0; x < EXC_COUNT; x++) {
                p->edges[x] = atomic_load(&e->edges[x]);
                p->entries[x] = e->entries_by_exc[x];
            }
        } else { /* it ends */
            struct phase *p = &e->phases[e->n_phases++];
            p->insns = e->insns - e->phase_insns;
            p->host_ns = et_host_monotonic_ns() - e->phase_host;
            p->exceptions = e->n_exceptions - e->phase_exc;
            for (unsigned x = 0; x < EXC_COUNT; x++) {
                p->edges[x] = atomic_load(&e->edges[x]) - p->edges[x];
                p->entries[x] = e->entries_by_exc[x] - p->entries[x];
            }
        }
        break;
    case HOSTIF_REG_PUTC:
        putchar((int)(value & 0xff));
        break;
    default:
        break;
    }
}

static uint64_t apb_read(uc_engine *uc, uint64_t offset, unsigned size, void *opaque)
{
    (void)uc;
    emu *e = opaque;
    if (offset >= HOSTIF_BASE - APB_BASE) {
        return hostif_read(e, offset - (HOSTIF_BASE - APB_BASE));
    }
    sync_clock(e);
    return et_machine_read(e->m, APB_BASE + offset, size);
}

static void apb_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value,
                      void *opaque)
{
    (void)uc;
    emu *e = opaque;
    if (offset >= HOSTIF_BASE - APB_BASE) {
        hostif_write(e, offset - (HOSTIF_BASE - APB_BASE), value);
        return;
    }
    sync_clock(e);
    et_machine_write(e->m, APB_BASE + offset, value, size);
    if (e->icount) {
        e->deadline = et_clock_deadline(e->clock);
    }
    atomic_store(&e->kick, 1); /* an interrupt may have changed */
}

static uint64_t scs_read(uc_engine *uc, uint64_t offset, unsigned size, void *opaque)
{
    (void)uc;
    emu *e = opaque;
    uint64_t v;
    if (exc_scs_read(&e->exc, offset, size, &v)) {
        return v;
    }
    sync_clock(e);
    return et_machine_read(e->m, SCS_BASE + offset, size);
}

static void scs_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value,
                      void *opaque)
{
    (void)uc;
    emu *e = opaque;
    if (!exc_scs_write(&e->exc, offset, size, value)) {
        sync_clock(e);
        et_machine_write(e->m, SCS_BASE + offset, value, size);
        if (e->icount) {
            e->deadline = et_clock_deadline(e->clock);
        }
    }
    atomic_store(&e->kick, 1); /* enables, pend bits or priorities changed */
}

/* --- interrupts towards the CPU ------------------------------------------------ */

/* The NVIC view's irq-request: on the runner's thread in real time, on the
 * vCPU's (inside a clock step or an access) in icount. */
static void on_request(void *opaque, int n, int level)
{
    (void)n;
    emu *e = opaque;
    atomic_store(&e->request, level);
    if (level) {
        if (!atomic_load(&e->req_armed)) {
            if (e->icount) { /* else the runner's thread: no instruction count */
                e->req_insn = e->insns;
            }
            atomic_store(&e->req_host, et_host_monotonic_ns());
            atomic_store(&e->req_armed, 1);
        }
        atomic_store(&e->kick, 1);
    }
}

/* Every NVIC input change, as the devices drive it (also from the runner's
 * thread): the rising edges are the device-side rate of each source. */
static void on_nvic_input(void *opaque, unsigned input, const char *name, int level)
{
    emu *e = opaque;
    unsigned exc;
    if (!name) {
        exc = 16 + input;
    } else if (!strcmp(name, "systick-trigger")) {
        exc = 15;
    } else if (!strcmp(name, "NMI")) {
        exc = 2;
    } else {
        return;
    }
    if (!level || exc >= EXC_COUNT) {
        return;
    }
    atomic_fetch_add(&e->edges[exc], 1);
}

static void on_reset_request(void *opaque, size_t dev)
{
    (void)dev;
    emu *e = opaque;
    atomic_store(&e->reset_request, 1);
    atomic_store(&e->kick, 1);
}

/* Between instructions (icount) or translation blocks (real time): stop
 * the CPU when an exception is to be taken or the board resets. PRIMASK
 * and BASEPRI change by instructions no hook sees, so while a request is
 * up and masked the check repeats. */
static void check_interrupts(emu *e)
{
    if (atomic_load(&e->reset_request)) {
        uc_emu_stop(e->uc);
        return;
    }
    if (!atomic_load(&e->request) && !atomic_exchange(&e->kick, 0)) {
        return;
    }
    unsigned exc = exc_choose(&e->exc);
    if (exc) {
        e->take = exc;
        uc_emu_stop(e->uc);
    }
}

static void on_insn(uc_engine *uc, uint64_t address, uint32_t size, void *opaque)
{
    (void)uc;
    (void)address;
    (void)size;
    emu *e = opaque;
    if (e->take || e->done) {
        return; /* stopping: this instruction is not executed */
    }
    if (insn_time(e) >= e->deadline) {
        sync_clock(e);
    }
    check_interrupts(e);
    if (!e->take && !atomic_load(&e->reset_request)) {
        e->insns++;
    }
}

static void on_block(uc_engine *uc, uint64_t address, uint32_t size, void *opaque)
{
    (void)uc;
    (void)address;
    (void)size;
    emu *e = opaque;
    if (!e->take && !e->done) {
        check_interrupts(e);
    }
    /* Now and then, give the run loop a look at the host clock. */
    if ((++e->blocks & 0xffff) == 0) {
        uc_emu_stop(e->uc);
    }
}

static void on_intr(uc_engine *uc, uint32_t intno, void *opaque)
{
    emu *e = opaque;
    if (intno == EXC_RETURN_INTNO) {
        unsigned next = exc_return(&e->exc);
        if (next) {
            record(e, next, true);
        }
        atomic_store(&e->kick, 1); /* the execution priority dropped */
        return;
    }
    uint32_t pc;
    uc_reg_read(uc, UC_ARM_REG_PC, &pc);
    fprintf(stderr, "cortex-m: CPU exception %u at 0x%08x (not modelled)\n", intno, pc);
    e->done = true;
    e->exit_code = 2;
    uc_emu_stop(uc);
}

/* --- reset -------------------------------------------------------------------- */

/* Power-on or watchdog reset of the CPU: registers from the vector table
 * (B1.5.5 TakeReset). */
static void cpu_reset(emu *e)
{
    static const int gprs[] = { UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3,
                                UC_ARM_REG_R4, UC_ARM_REG_R5, UC_ARM_REG_R6, UC_ARM_REG_R7,
                                UC_ARM_REG_R8, UC_ARM_REG_R9, UC_ARM_REG_R10, UC_ARM_REG_R11,
                                UC_ARM_REG_R12, UC_ARM_REG_LR };
    uint32_t zero = 0, v[2];
    for (size_t i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i++) {
        uc_check(uc_reg_write(e->uc, gprs[i], &zero), "reset");
    }
    uc_check(uc_mem_read(e->uc, SSRAM1_BASE, v, sizeof(v)), "vector table");
    uint32_t xpsr = 1u << 24;
    uc_check(uc_reg_write(e->uc, UC_ARM_REG_PRIMASK, &zero), "reset");
    uc_check(uc_reg_write(e->uc, UC_ARM_REG_BASEPRI, &zero), "reset");
    uc_check(uc_reg_write(e->uc, UC_ARM_REG_XPSR, &xpsr), "reset");
    uint32_t nzcv = 0;
    uc_check(uc_reg_write(e->uc, UC_ARM_REG_APSR_NZCV, &nzcv), "reset");
    uc_check(uc_reg_write(e->uc, UC_ARM_REG_SP, &v[0]), "reset");
    uint32_t pc = v[1] | 1;
    uc_check(uc_reg_write(e->uc, UC_ARM_REG_PC, &pc), "reset");
    exc_reset(&e->exc);
}

static void board_reset(emu *e)
{
    atomic_store(&e->reset_request, 0);
    e->resets++;
    if (e->trace) {
        fprintf(e->trace, "%" PRIu64 " reset\n", e->icount ? e->insns : 0);
    }
    et_machine_reset(e->m);
    cpu_reset(e);
    if (e->icount) {
        e->deadline = et_clock_deadline(e->clock);
    }
}

/* --- set-up and the run loop ----------------------------------------------- */

static void load_firmware(emu *e, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cortex-m: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    static uint8_t image[RAM_SIZE];
    size_t n = fread(image, 1, sizeof(image), f);
    bool more = fgetc(f) != EOF;
    fclose(f);
    if (more) {
        fprintf(stderr, "cortex-m: %s: larger than SSRAM1 (%u bytes)\n", path, RAM_SIZE);
        exit(2);
    }
    if (n < 8) {
        fprintf(stderr, "cortex-m: %s: not a firmware image (%zu bytes)\n", path, n);
        exit(2);
    }
    uc_check(uc_mem_write(e->uc, SSRAM1_BASE, image, n), "loading the firmware");
}

static void setup(emu *e, const char *firmware)
{
    char err[256];
    e->clock = e->icount ? et_clock_new_manual() : et_clock_new_realtime();
    e->m = et_machine_new_on_clock("mps2-an385", e->clock, err, sizeof(err));
    if (!e->m) {
        fprintf(stderr, "cortex-m: %s\n", err);
        exit(2);
    }
    if (et_machine_set_cpu_request_sink(e->m, "nvic", on_request, e) != 0) {
        fprintf(stderr, "cortex-m: the board has no NVIC view\n");
        exit(2);
    }
    et_machine_set_reset_request_sink(e->m, on_reset_request, e);
    et_machine_set_controller_sink(e->m, "nvic", on_nvic_input, e);

    uc_check(uc_open(UC_ARCH_ARM, UC_MODE_THUMB, &e->uc), "uc_open");
    uc_check(uc_ctl_set_cpu_model(e->uc, UC_CPU_ARM_CORTEX_M3), "cortex-m3");
    uc_check(uc_mem_map(e->uc, SSRAM1_BASE, RAM_SIZE, UC_PROT_ALL), "SSRAM1");
    uc_check(uc_mem_map(e->uc, SSRAM23_BASE, RAM_SIZE, UC_PROT_READ | UC_PROT_WRITE), "SSRAM2/3");
    uc_check(uc_mmio_map(e->uc, APB_BASE, APB_SIZE, apb_read, e, apb_write, e), "APB");
    uc_check(uc_mmio_map(e->uc, SCS_BASE, SCS_SIZE, scs_read, e, scs_write, e), "SCS");
    uc_hook h;
    if (e->icount) {
        uc_check(uc_hook_add(e->uc, &h, UC_HOOK_CODE, (void *)on_insn, e, 1, 0), "code hook");
        e->deadline = et_clock_deadline(e->clock);
    } else {
        uc_check(uc_hook_add(e->uc, &h, UC_HOOK_BLOCK, (void *)on_block, e, 1, 0), "block hook");
    }
    uc_check(uc_hook_add(e->uc, &h, UC_HOOK_INTR, (void *)on_intr, e, 1, 0), "intr hook");
    exc_init(&e->exc, e->uc, e->m);
    load_firmware(e, firmware);
    cpu_reset(e);
}

/* Runs until the firmware exits, a limit is reached, or the host fails. */
static void run(emu *e, uint64_t max_insns, double timeout_s)
{
    e->host_start = et_host_monotonic_ns();
    if (!e->icount) {
        /* Wake-ups of this thread are not delayed by the default 50 us slack. */
        prctl(PR_SET_TIMERSLACK, 1UL);
        e->runner = et_runner_start(e->clock, NULL, 0);
        if (!e->runner) {
            fprintf(stderr, "cortex-m: runner: %s\n", strerror(errno));
            exit(2);
        }
    }
    while (!e->done) {
        uint32_t pc;
        uc_check(uc_reg_read(e->uc, UC_ARM_REG_PC, &pc), "pc");
        uc_err err = uc_emu_start(e->uc, pc | 1, 0, 0, 0);
        if (err != UC_ERR_OK) {
            uc_reg_read(e->uc, UC_ARM_REG_PC, &pc);
            fprintf(stderr, "cortex-m: %s at pc 0x%08x\n", uc_strerror(err), pc);
            e->exit_code = 2;
            break;
        }
        if (e->done) {
            break;
        }
        if (atomic_load(&e->reset_request)) {
            e->take = 0;
            board_reset(e);
        } else if (e->take) {
            unsigned exc = e->take;
            e->take = 0;
            exc_enter(&e->exc, exc);
            record(e, exc, false);
        }
        if (e->icount && e->insns >= max_insns) {
            fprintf(stderr, "cortex-m: no exit after %" PRIu64 " instructions\n", e->insns);
            e->exit_code = 2;
            break;
        }
        if ((double)(et_host_monotonic_ns() - e->host_start) / 1e9 > timeout_s) {
            fprintf(stderr, "cortex-m: no exit after %.0f s\n", timeout_s);
            e->exit_code = 2;
            break;
        }
    }
    if (e->runner) {
        et_runner_stop(e->runner);
        e->runner = NULL;
    }
}

/* Real time: each source's rate against the host clock in the phase the
 * firmware marks, within a factor of `bound` of the expected one,
 * count-based (the firmware waits for a number of SysTick interrupts, so
 * a loaded host stretches the phase, not the counts):
 *   - the device side, the rising edges the timer drives into the NVIC:
 *     within the bound both ways for a pulse (SysTick: every period is one,
 *     --expect-rate); only from above for a level (a CMSDK timer, which
 *     rises again only once its handler cleared it: --max-rate);
 *   - the CPU side, the exception entries: at least one, and at most the
 *     bound above the expected rate (never faster than the timer). Not
 *     bounded below: a vCPU thread the host does not run takes no
 *     interrupts, and the periods that pass meanwhile merge into one
 *     pending exception, as on a CPU that is too slow. */
static bool check_rates(const emu *e, const rate_check *rates, unsigned n_rates, double bound)
{
    if (n_rates == 0) {
        return true;
    }
    if (e->n_phases < 1) {
        printf("rates: the firmware marked no phase\n");
        return false;
    }
    const struct phase *p = &e->phases[0];
    double s = (double)p->host_ns / 1e9;
    bool ok = true;
    for (unsigned r = 0; r < n_rates; r++) {
        unsigned exc = rates[r].exc;
        double want = rates[r].hz;
        double dev_hz = (double)p->edges[exc] / s, cpu_hz = (double)p->entries[exc] / s;
        bool dev_ok = (rates[r].at_most || dev_hz >= want / bound) && dev_hz <= want * bound;
        bool cpu_ok = p->entries[exc] > 0 && cpu_hz <= want * bound;
        printf("rate of exception %u over %.3f s (expected %.1f Hz within a factor of %.0f): "
               "device %lu edges, %.1f Hz %s; CPU %lu entries, %.1f Hz %s\n",
               exc, s, want, bound, p->edges[exc], dev_hz, dev_ok ? "ok" : "FAIL",
               p->entries[exc], cpu_hz, cpu_ok ? "ok" : "FAIL");
        ok = ok && dev_ok && cpu_ok;
    }
    return ok;
}

/* --bench: instructions per second without and with the timers
 * interrupting, and what one interrupt costs the host (entry, handler,
 * return and the device work, less the instructions it displaced). */
static void print_bench(const emu *e)
{
    if (e->n_phases != 2) {
        printf("bench: the firmware reported %u phases, not 2\n", e->n_phases);
        return;
    }
    const struct phase *idle = &e->phases[0], *busy = &e->phases[1];
    double idle_ips = (double)idle->declared / ((double)idle->host_ns / 1e9);
    double busy_ips = (double)busy->declared / ((double)busy->host_ns / 1e9);
    printf("bench %s: no timers: %.2f M instructions/s (%lu exceptions)\n",
           e->icount ? "icount" : "realtime", idle_ips / 1e6, idle->exceptions);
    printf("bench %s: SysTick 10 kHz + timer0/1 5 kHz + dual timer 2 kHz: %.2f M "
           "instructions/s of the loop, %lu exceptions",
           e->icount ? "icount" : "realtime", busy_ips / 1e6, busy->exceptions);
    if (busy->exceptions) {
        /* Host time the loop's own instructions would have taken at the
         * idle rate, taken off; the rest is the interrupts'. */
        double extra_ns = (double)busy->host_ns - (double)busy->declared / idle_ips * 1e9;
        printf(", %.2f us host per interrupt", extra_ns / (double)busy->exceptions / 1e3);
        if (e->icount) {
            printf(", %.1f instructions per interrupt",
                   (double)(busy->insns - busy->declared) / (double)busy->exceptions);
        }
    }
    printf("\n");
}

static void usage(void)
{
    fprintf(stderr,
            "usage: cortexm-emu [--mode icount|realtime] [--trace FILE] [--max-insns N]\n"
            "                   [--timeout S] [--expect-rate EXC:HZ]... [--max-rate EXC:HZ]...\n"
            "                   [--rate-bound F]\n"
            "                   [--stats] [--bench] FIRMWARE.bin\n");
    exit(2);
}

int main(int argc, char **argv)
{
    emu e;
    memset(&e, 0, sizeof(e));
    e.icount = true;
    const char *firmware = NULL, *trace = NULL;
    uint64_t max_insns = 20000000;
    double timeout_s = 30, bound = 4;
    rate_check rates[MAX_RATES];
    unsigned n_rates = 0;
    bool stats = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--mode") && i + 1 < argc) {
            const char *mode = argv[++i];
            if (!strcmp(mode, "icount")) {
                e.icount = true;
            } else if (!strcmp(mode, "realtime")) {
                e.icount = false;
            } else {
                usage();
            }
        } else if (!strcmp(a, "--trace") && i + 1 < argc) {
            trace = argv[++i];
        } else if (!strcmp(a, "--max-insns") && i + 1 < argc) {
            max_insns = strtoull(argv[++i], NULL, 0);
        } else if (!strcmp(a, "--timeout") && i + 1 < argc) {
            timeout_s = strtod(argv[++i], NULL);
        } else if (!strcmp(a, "--rate-bound") && i + 1 < argc) {
            bound = strtod(argv[++i], NULL);
        } else if ((!strcmp(a, "--expect-rate") || !strcmp(a, "--max-rate")) && i + 1 < argc &&
                   n_rates < MAX_RATES) {
            unsigned exc;
            double hz;
            if (sscanf(argv[++i], "%u:%lf", &exc, &hz) != 2 || hz <= 0 || exc >= EXC_COUNT) {
                usage();
            }
            rates[n_rates++] = (rate_check){ exc, hz, !strcmp(a, "--max-rate") };
        } else if (!strcmp(a, "--bench")) {
            e.bench = true;
            max_insns = 400000000;
            stats = true;
        } else if (!strcmp(a, "--stats")) {
            stats = true;
        } else if (a[0] != '-' && !firmware) {
            firmware = a;
        } else {
            usage();
        }
    }
    if (!firmware || bound < 1) {
        usage();
    }
    if (trace) {
        e.trace = fopen(trace, "w");
        if (!e.trace) {
            fprintf(stderr, "cortex-m: %s: %s\n", trace, strerror(errno));
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    setup(&e, firmware);
    run(&e, max_insns, timeout_s);
    int64_t host_ns = et_host_monotonic_ns() - e.host_start;
    if (e.exit_code == 0 && !e.icount && !check_rates(&e, rates, n_rates, bound)) {
        e.exit_code = 1;
    }
    if (stats) {
        printf("stats: mode %s, %.3f s host, %lu exceptions, %u resets", e.icount ? "icount" : "realtime",
               (double)host_ns / 1e9, e.n_exceptions, e.resets);
        if (e.icount) {
            printf(", %" PRIu64 " instructions (%.3f s virtual), %.2f M instructions/s",
                   e.insns, (double)insn_time(&e) / 1e9, (double)e.insns / ((double)host_ns / 1e3));
        }
        printf("\n");
        if (e.lat_n) {
            printf("stats: latency from the NVIC request to exception entry, %" PRIu64
                   " entries: mean %.2f max %" PRIu64 " instructions, mean %.1f max %.1f us host\n",
                   e.lat_n, (double)e.lat_insn_sum / (double)e.lat_n, e.lat_insn_max,
                   (double)e.lat_ns_sum / (double)e.lat_n / 1e3, (double)e.lat_ns_max / 1e3);
        }
    }
    if (e.bench) {
        print_bench(&e);
    }
    if (e.trace) {
        fclose(e.trace);
    }
    uc_close(e.uc);
    et_machine_free(e.m);
    et_clock_free(e.clock);
    return e.exit_code;
}
