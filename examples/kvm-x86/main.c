/* kvm-x86: emutime's PC timers as the timer hardware of a KVM virtual
 * machine.
 *
 * The VM (kvm_vm.c) has KVM's in-kernel PIC, IOAPIC and local APICs and no
 * in-kernel PIT, so the guest's accesses to the HPET (MMIO at 0xfed00000),
 * the PIT (ports 0x40-0x43, 0x61) and the RTC (0x70/0x71) leave KVM_RUN and
 * go to emutime's q35 machine; the machine's IOAPIC inputs go back to KVM
 * with KVM_IRQ_LINE. Two time modes:
 *   icount   one vCPU, a manual clock advanced by GUEST_ICOUNT_STEP_NS at
 *            each device access and never otherwise: the guest's view of
 *            time depends on what it does, not on the host, and the trace
 *            of interrupt lines is the same byte for byte every run;
 *   realtime 1-4 vCPUs on their own threads, a real-time clock fired by
 *            emutime's runner; the VMM checks the interrupt rates against
 *            host time.
 * bench mode runs the guest's measurements (docs/benchmarks.md).
 *
 * Exit status: 0 PASS, 1 FAIL, 2 usage, 77 KVM unavailable (a test skips). */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "emutime/clock.h"
#include "emutime/machine.h"
#include "emutime/runner.h"

#include "guest/abi.h"
#include "kvm_vm.h"
#include "linux_boot.h"

#define EXIT_SKIP 77

/* The machine: q35, whose HPET may route timers to IOAPIC pins 16-23; the
 * RTC starts at a fixed date and follows virtual time, so the guest can
 * check it (guest.c's RTC_*). */
#define MACHINE_SPEC "q35,rtc-base=2026-12-02T01:02:03,rtc-clock=vm"

#define N_GSI 24u
#define LINUX_RAM_SIZE (256u << 20) /* little: the kernel initialises its memory map in the emulator */

typedef struct vmm {
    kvm_vm vm;
    et_clock *clock;
    et_machine *machine;
    unsigned mode;
    unsigned ncpu;
    kvm_vcpu vcpus[GUEST_MAX_CPUS];
    int done_code[GUEST_MAX_CPUS];

    FILE *trace;
    pthread_mutex_t trace_lock;
    char console[256]; /* vCPU 0's line being assembled */
    size_t console_len;

    /* Rising edges per GSI, and what they were at the marks. */
    atomic_ulong edges[N_GSI];
    unsigned long edges_at_mark[2][N_GSI];
    int64_t host_at_mark[2];
    int64_t bench_host[2 * BENCH_ITEMS];
    unsigned long bench_edges[2 * BENCH_ITEMS];
    atomic_ulong exits;
    int linux_mode; /* the demo boot: a serial port and a reset port too */
    uint8_t serial_lcr; /* its line control register (DLAB) */
} vmm;

/* --- the trace: interrupt lines and the guest's log ------------------------ */

static void trace_line(vmm *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trace_line(vmm *v, const char *fmt, ...)
{
    if (!v->trace)
        return;
    pthread_mutex_lock(&v->trace_lock);
    /* Virtual time, in icount mode a function of the guest's accesses. */
    fprintf(v->trace, "%12" PRId64 " ", et_clock_now(v->clock));
    va_list ap;
    va_start(ap, fmt);
    vfprintf(v->trace, fmt, ap);
    va_end(ap);
    fputc('\n', v->trace);
    pthread_mutex_unlock(&v->trace_lock);
}

/* The machine's IOAPIC inputs are GSIs (QEMU's numbering): straight to
 * KVM. Called outside every emutime lock, from the thread that delivers
 * the device's change (a vCPU thread during an access, or the runner). */
static void ioapic_input(void *opaque, unsigned input, const char *name, int level)
{
    vmm *v = opaque;
    (void)name;
    if (input >= N_GSI)
        return;
    if (level)
        atomic_fetch_add(&v->edges[input], 1);
    trace_line(v, "gsi %u %d", input, level);
    if (kvm_vm_irq_line(&v->vm, input, level) < 0)
        fprintf(stderr, "kvm-x86: KVM_IRQ_LINE %u: %s\n", input, strerror(errno));
}

static void console_char(vmm *v, kvm_vcpu *c, uint8_t ch)
{
    if (c->index != 0)
        return; /* the guest logs from vCPU 0 only */
    if (ch != '\n' && v->console_len < sizeof(v->console) - 1) {
        v->console[v->console_len++] = (char)ch;
        return;
    }
    v->console[v->console_len] = 0;
    printf("guest: %s\n", v->console);
    fflush(stdout);
    trace_line(v, "log %s", v->console);
    v->console_len = 0;
}

static void mark(vmm *v, uint32_t what)
{
    int64_t now = et_host_monotonic_ns();
    unsigned slot;
    if (what == MARK_WINDOW_START || what == MARK_WINDOW_END) {
        slot = what - MARK_WINDOW_START;
        v->host_at_mark[slot] = now;
        for (unsigned g = 0; g < N_GSI; g++)
            v->edges_at_mark[slot][g] = atomic_load(&v->edges[g]);
    } else if (what >= MARK_BENCH_BASE && what < MARK_BENCH_BASE + 2 * BENCH_ITEMS) {
        slot = what - MARK_BENCH_BASE;
        v->bench_host[slot] = now;
        v->bench_edges[slot] = atomic_load(&v->edges[16]);
    }
}

/* --- exits ---------------------------------------------------------------- */

/* An access to emutime's machine: in icount mode time passes first (the
 * access is the guest's only way to observe time, so the step is what one
 * access "costs"); timers due by then fire, their interrupts reach KVM
 * before the vCPU re-enters. */
static void device_access_time(vmm *v)
{
    if (v->mode == GUEST_MODE_ICOUNT)
        et_clock_step(v->clock, GUEST_ICOUNT_STEP_NS);
}

/* 1 while the vCPU keeps running, 0 when it is done, -1 on an error. */
static int handle_io(vmm *v, kvm_vcpu *c)
{
    struct kvm_run *run = c->run;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    uint16_t port = run->io.port;
    unsigned size = run->io.size;
    for (uint32_t i = 0; i < run->io.count; i++, data += size) {
        uint32_t value = 0;
        if (run->io.direction == KVM_EXIT_IO_OUT)
            memcpy(&value, data, size);
        if (v->linux_mode && port >= 0x3f8 && port <= 0x3ff) {
            /* The demo's COM1, just enough for earlyprintk: THR writes are
             * the log, LSR says the transmitter is empty, the rest is 0. */
            if (run->io.direction == KVM_EXIT_IO_OUT && port == 0x3fb)
                v->serial_lcr = (uint8_t)value;
            else if (run->io.direction == KVM_EXIT_IO_OUT && port == 0x3f8 &&
                     !(v->serial_lcr & 0x80)) /* DLAB clear: THR, not the divisor */
                console_char(v, c, (uint8_t)value);
            else if (run->io.direction == KVM_EXIT_IO_IN)
                memset(data, port == 0x3fd ? 0x60 : port == 0x3fa ? 0x01 : 0, size);
        } else if (v->linux_mode && port == 0x64 && run->io.direction == KVM_EXIT_IO_OUT &&
                   (value & 0xff) == 0xfe) {
            printf("kvm-x86: the guest reset the machine (keyboard controller)\n");
            v->done_code[c->index] = 0;
            return 0;
        } else if (port == PORT_CONSOLE && run->io.direction == KVM_EXIT_IO_OUT) {
            console_char(v, c, (uint8_t)value);
        } else if (port == PORT_DONE && run->io.direction == KVM_EXIT_IO_OUT) {
            v->done_code[c->index] = (int)value;
            return 0;
        } else if (port == PORT_MARK && run->io.direction == KVM_EXIT_IO_OUT) {
            mark(v, value);
        } else if (run->io.direction == KVM_EXIT_IO_OUT) {
            device_access_time(v);
            et_machine_out(v->machine, port, value, size);
        } else {
            device_access_time(v);
            value = et_machine_in(v->machine, port, size);
            memcpy(data, &value, size);
        }
    }
    return 1;
}

static void handle_mmio(vmm *v, kvm_vcpu *c)
{
    struct kvm_run *run = c->run;
    unsigned len = run->mmio.len;
    device_access_time(v);
    if (run->mmio.is_write) {
        uint64_t value = 0;
        memcpy(&value, run->mmio.data, len);
        et_machine_write(v->machine, run->mmio.phys_addr, value, len);
    } else {
        uint64_t value = et_machine_read(v->machine, run->mmio.phys_addr, len);
        memcpy(run->mmio.data, &value, len);
    }
    (void)c;
}

/* The demo boot's progress: a guest that makes no exits for minutes (a
 * kernel clearing its memory in the instruction emulator) says nothing, so
 * the main thread interrupts vCPU 0 now and then (SIGUSR1 makes KVM_RUN
 * return EINTR) and its thread prints where it is. */
static void report_progress(vmm *v, kvm_vcpu *c)
{
    struct kvm_regs r;
    if (ioctl(c->fd, KVM_GET_REGS, &r) == 0)
        printf("kvm-x86: vcpu %u at rip %#llx, %lu exits so far\n", c->index,
               (unsigned long long)r.rip, atomic_load(&v->exits));
    fflush(stdout);
}

static void progress_signal(int sig)
{
    (void)sig; /* only interrupts KVM_RUN */
}

/* One vCPU's KVM_RUN loop, until the guest writes PORT_DONE. */
static int vcpu_loop(vmm *v, kvm_vcpu *c)
{
    for (;;) {
        if (ioctl(c->fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                if (v->linux_mode)
                    report_progress(v, c);
                continue;
            }
            fprintf(stderr, "kvm-x86: vcpu %u: KVM_RUN: %s\n", c->index, strerror(errno));
            return -1;
        }
        atomic_fetch_add(&v->exits, 1);
        switch (c->run->exit_reason) {
        case KVM_EXIT_IO: {
            int rc = handle_io(v, c);
            if (rc <= 0)
                return rc;
            break;
        }
        case KVM_EXIT_MMIO:
            handle_mmio(v, c);
            break;
        case KVM_EXIT_INTR:
            break;
        case KVM_EXIT_SHUTDOWN:
            fprintf(stderr, "kvm-x86: vcpu %u: triple fault\n", c->index);
            kvm_vcpu_dump(c);
            return -1;
        case KVM_EXIT_FAIL_ENTRY:
            fprintf(stderr, "kvm-x86: vcpu %u: entry failed, reason %#llx\n", c->index,
                    (unsigned long long)c->run->fail_entry.hardware_entry_failure_reason);
            kvm_vcpu_dump(c);
            return -1;
        case KVM_EXIT_INTERNAL_ERROR:
            fprintf(stderr, "kvm-x86: vcpu %u: KVM internal error %u (an instruction KVM "
                            "cannot emulate?)\n",
                    c->index, c->run->internal.suberror);
            kvm_vcpu_dump(c);
            return -1;
        default:
            fprintf(stderr, "kvm-x86: vcpu %u: unexpected exit %u\n", c->index,
                    c->run->exit_reason);
            kvm_vcpu_dump(c);
            return -1;
        }
    }
}

typedef struct vcpu_thread {
    vmm *v;
    kvm_vcpu *c;
    int rc;
    pthread_t tid;
    atomic_int finished;
} vcpu_thread;

static void *vcpu_thread_main(void *arg)
{
    vcpu_thread *t = arg;
    t->rc = vcpu_loop(t->v, t->c);
    if (t->rc < 0)
        t->v->done_code[t->c->index] = -1;
    atomic_store(&t->finished, 1);
    return NULL;
}

/* --- checks on the host's side -------------------------------------------- */

/* Real time: the rising edges KVM received in the window against what the
 * host clock says the rates give. The devices count virtual time, which is
 * host time here; a loaded host makes the runner late and the HPET merges
 * what it missed, so the bound is wide below and tight above. */
static int check_rate(vmm *v, const char *what, unsigned gsi, double hz, double below)
{
    double secs = (double)(v->host_at_mark[1] - v->host_at_mark[0]) / 1e9;
    unsigned long got = v->edges_at_mark[1][gsi] - v->edges_at_mark[0][gsi];
    double expect = secs * hz;
    int ok = (double)got >= expect / below && (double)got <= expect * 1.1 + 2;
    printf("%s %s: %lu edges on GSI %u in %.3f s of host time, %.0f expected (rate %.1f Hz, "
           "nominal %.1f Hz)\n",
           ok ? "ok  " : "FAIL", what, got, gsi, secs, expect, (double)got / secs, hz);
    return ok ? 0 : -1;
}

static void print_bench(vmm *v)
{
    static const char *const what[3] = {
        "HPET main-counter read (MMIO exit to emutime)",
        "port 0x61 read (I/O exit to the PIT)",
        "port 0x80 read (I/O exit, no device)",
    };
    for (unsigned k = 0; k < 3; k++) {
        double ns = (double)(v->bench_host[2 * k + 1] - v->bench_host[2 * k]);
        printf("bench: %-48s %8.2f us per access\n", what[k], ns / BENCH_N / 1e3);
    }
    /* The fastest run of each loop: load only ever adds time. */
    double best[2] = { 1e300, 1e300 };
    unsigned long irqs = 0;
    for (unsigned r = 0; r < BENCH_REPS; r++) {
        for (unsigned t = 0; t < 2; t++) {
            unsigned k = 3 + 2 * r + t;
            double ns = (double)(v->bench_host[2 * k + 1] - v->bench_host[2 * k]);
            if (ns < best[t]) {
                best[t] = ns;
                if (t)
                    irqs = v->bench_edges[2 * k + 1] - v->bench_edges[2 * k];
            }
        }
    }
    printf("bench: %-48s %8.3f M guest instructions/s\n", "guest loop, no timer",
           2.0 * BENCH_LOOP / best[0] * 1e3);
    printf("bench: %-48s %8.3f M guest instructions/s (%lu interrupts)\n",
           "guest loop, HPET at 1 kHz", 2.0 * BENCH_LOOP / best[1] * 1e3, irqs);
    if (irqs)
        printf("bench: cost per HPET interrupt (loop time with minus without) %.1f us\n",
               (best[1] - best[0]) / (double)irqs / 1e3);
}

/* --- main ------------------------------------------------------------------ */

static int load_guest(kvm_vm *vm, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kvm-x86: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t room = vm->ram_size - GUEST_LOAD - GUEST_MAX_CPUS * GUEST_STACK_SIZE;
    size_t n = fread(vm->ram + GUEST_LOAD, 1, room, f);
    int big = fgetc(f) != EOF;
    fclose(f);
    if (n == 0 || big) {
        fprintf(stderr, "kvm-x86: %s: %s\n", path, n == 0 ? "empty" : "does not fit in guest RAM");
        return -1;
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: kvm-x86 GUEST.bin [--mode=icount|realtime|bench] [--cpus=N] "
                    "[--trace=FILE]\n"
                    "       kvm-x86 --linux=BZIMAGE [--vmlinux=ELF] [--initrd=FILE] "
                    "[--append=CMDLINE]\n");
}

int main(int argc, char **argv)
{
    const char *guest = NULL, *trace_path = NULL, *kernel = NULL, *initrd = NULL, *vmlinux = NULL;
    /* clearcpuid=154 (X86_FEATURE_XSAVE): this nested KVM cannot emulate
     * XRSTOR, and hiding XSAVE in CPUID does not stop the kernel using it. */
    const char *append =
        "earlyprintk=serial,ttyS0,115200,keep no-kvmclock clearcpuid=154 panic=-1 reboot=k";
    unsigned mode = GUEST_MODE_ICOUNT, ncpu = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--mode=icount"))
            mode = GUEST_MODE_ICOUNT;
        else if (!strcmp(a, "--mode=realtime"))
            mode = GUEST_MODE_REALTIME;
        else if (!strcmp(a, "--mode=bench"))
            mode = GUEST_MODE_BENCH;
        else if (!strncmp(a, "--cpus=", 7))
            ncpu = (unsigned)strtoul(a + 7, NULL, 10);
        else if (!strncmp(a, "--trace=", 8))
            trace_path = a + 8;
        else if (!strncmp(a, "--linux=", 8))
            kernel = a + 8;
        else if (!strncmp(a, "--vmlinux=", 10))
            vmlinux = a + 10;
        else if (!strncmp(a, "--initrd=", 9))
            initrd = a + 9;
        else if (!strncmp(a, "--append=", 9))
            append = a + 9;
        else if (a[0] != '-' && !guest)
            guest = a;
        else {
            usage();
            return 2;
        }
    }
    if (kernel) {
        /* The demo boot: Linux on the real-time clock, one vCPU (its APs
         * would start in real mode through INIT/SIPI). */
        mode = GUEST_MODE_REALTIME;
        ncpu = 1;
        guest = kernel;
    }
    if (ncpu == 0)
        ncpu = mode == GUEST_MODE_REALTIME ? 3 : 1;
    if (!guest || ncpu > GUEST_MAX_CPUS || (mode != GUEST_MODE_REALTIME && ncpu != 1)) {
        /* icount: one vCPU, since with several the order in which their
         * accesses reach the clock is the host scheduler's. */
        usage();
        fprintf(stderr, "  icount and bench run 1 vCPU, realtime 1-%u\n", GUEST_MAX_CPUS);
        return 2;
    }

    static vmm v;
    v.mode = mode;
    v.ncpu = ncpu;
    pthread_mutex_init(&v.trace_lock, NULL);
    char err[256];
    v.linux_mode = kernel != NULL;
    int rc = kvm_vm_open(&v.vm, kernel ? LINUX_RAM_SIZE : GUEST_RAM_SIZE, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "kvm-x86: %s%s\n", err,
                rc == KVM_VM_UNAVAILABLE ? ": KVM is unavailable here, skipping" : "");
        return rc == KVM_VM_UNAVAILABLE ? EXIT_SKIP : 1;
    }
    kvm_vm_build_long_mode_tables(&v.vm);
    linux_boot boot = { .entry = GUEST_LOAD };
    if (kernel) {
        if (linux_boot_load(v.vm.ram, v.vm.ram_size, kernel, vmlinux, initrd, append, ncpu, &boot,
                            err, sizeof(err)) != 0) {
            fprintf(stderr, "kvm-x86: %s\n", err);
            kvm_vm_close(&v.vm);
            return 1;
        }
    } else if (load_guest(&v.vm, guest) != 0) {
        kvm_vm_close(&v.vm);
        return 1;
    }

    v.clock = mode == GUEST_MODE_ICOUNT ? et_clock_new_manual() : et_clock_new_realtime();
    v.machine = et_machine_new_on_clock(MACHINE_SPEC, v.clock, err, sizeof(err));
    if (!v.machine) {
        fprintf(stderr, "kvm-x86: %s: %s\n", MACHINE_SPEC, err);
        return 1;
    }
    if (et_machine_set_controller_sink(v.machine, "ioapic", ioapic_input, &v) != 0) {
        fprintf(stderr, "kvm-x86: the machine has no ioapic\n");
        return 1;
    }
    if (trace_path) {
        v.trace = fopen(trace_path, "w");
        if (!v.trace) {
            fprintf(stderr, "kvm-x86: %s: %s\n", trace_path, strerror(errno));
            return 1;
        }
    }

    for (unsigned i = 0; i < ncpu; i++) {
        uint64_t args[3] = { i, ncpu, mode };
        uint64_t stack = GUEST_RAM_SIZE - (uint64_t)i * GUEST_STACK_SIZE;
        if (kernel) {
            args[0] = 0;
            args[1] = boot.boot_params; /* rsi: the zero page */
            args[2] = 0;
        }
        if (kvm_vcpu_create(&v.vm, &v.vcpus[i], i, boot.entry, stack, args, err, sizeof(err)) != 0) {
            fprintf(stderr, "kvm-x86: %s\n", err);
            return 1;
        }
    }

    et_runner *runner = NULL;
    if (mode != GUEST_MODE_ICOUNT) {
        runner = et_runner_start(v.clock, NULL, 0);
        if (!runner) {
            fprintf(stderr, "kvm-x86: runner: %s\n", strerror(errno));
            return 1;
        }
    }
    int64_t t0 = et_host_monotonic_ns();
    vcpu_thread threads[GUEST_MAX_CPUS];
    for (unsigned i = 0; i < ncpu; i++) {
        threads[i] = (vcpu_thread){ .v = &v, .c = &v.vcpus[i] };
        if (pthread_create(&threads[i].tid, NULL, vcpu_thread_main, &threads[i]) != 0) {
            fprintf(stderr, "kvm-x86: cannot start vcpu thread %u\n", i);
            return 1;
        }
    }
    if (kernel) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = progress_signal;
        sigaction(SIGUSR1, &sa, NULL);
        for (unsigned s = 0; !atomic_load(&threads[0].finished); s++) {
            sleep(1);
            if (s % 30 == 29 && !atomic_load(&threads[0].finished))
                pthread_kill(threads[0].tid, SIGUSR1);
        }
    }
    for (unsigned i = 0; i < ncpu; i++)
        pthread_join(threads[i].tid, NULL);
    int64_t t1 = et_host_monotonic_ns();
    if (runner)
        et_runner_stop(runner);

    int failed = 0;
    for (unsigned i = 0; i < ncpu; i++) {
        if (v.done_code[i] != 0) {
            fprintf(stderr, "kvm-x86: vcpu %u finished with code %d\n", i, v.done_code[i]);
            failed = 1;
        }
    }
    if (mode == GUEST_MODE_REALTIME && !failed) {
        /* The HPET's edges depend on the runner alone: at least a fifth.
         * The RTC raises its line again only after the guest's handler
         * has read register C, so its rate is also the vCPU's: a tenth. */
        failed |= check_rate(&v, "HPET timer 0", 16, 1000.0 / RT_HPET_PERIOD0_MS, 5) != 0;
        failed |= check_rate(&v, "HPET timer 2", 18, 1000.0 / RT_HPET_PERIOD2_MS, 5) != 0;
        failed |= check_rate(&v, "RTC periodic", 8, RT_RTC_HZ, 10) != 0;
    }
    if (mode == GUEST_MODE_BENCH && !failed)
        print_bench(&v);
    printf("kvm-x86: %s, %u vcpu(s), %lu exits in %.2f s, virtual time %.3f ms\n",
           failed ? "FAIL" : "PASS", ncpu, atomic_load(&v.exits), (double)(t1 - t0) / 1e9,
           (double)et_clock_now(v.clock) / 1e6);

    for (unsigned i = 0; i < ncpu; i++)
        kvm_vcpu_destroy(&v.vm, &v.vcpus[i]);
    et_machine_free(v.machine);
    et_clock_free(v.clock);
    kvm_vm_close(&v.vm);
    if (v.trace)
        fclose(v.trace);
    pthread_mutex_destroy(&v.trace_lock);
    return failed ? 1 : 0;
}
