/* QEMU's RISC-V "virt" board (qemu-system-riscv64 -machine virt), as far as
 * its timers go. QEMU 7.2 hw/riscv/virt.c; QOM paths from `info qom-tree`.
 *
 * Per socket s (harts first .. first+count-1):
 *   ACLINT MSWI at 0x02000000 + s * 0x10000 and MTIMER 0x4000 above it
 *   (mtimecmp of relative hart j at +8j, mtime at +0x7ff8, 10 MHz), with
 *   hartid-base = first, wired to each hart's mip inputs (3 MSIP, 7 MTIP);
 *   the harts' inputs at /machine/soc<s>/harts[j]; the PLIC's inputs (not
 *   modelled beyond them). QOM devices 3s, 3s+1, 3s+2 are the MSWI, the
 *   MTIMER and the PLIC, in QEMU's creation order.
 * Then the Goldfish RTC at 0x101000 on PLIC 0's input 11 (device 3S+12,
 * after the test device, eight virtio-mmio, the PCIe host, the platform bus
 * and the UART), and 128 MiB of RAM at 0x80000000 (empty: no firmware is
 * loaded, as with -bios none).
 *
 * The tables below are the default layout (one hart, one socket) and the
 * templates virt_instantiate expands for the smp and sockets options.
 * QEMU's sockets of virt are its NUMA nodes: hart i goes to socket
 * min(i / (smp / sockets), sockets - 1), QEMU's default node assignment. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "emutime/devices/goldfish_rtc.h"
#include "emutime/devices/riscv_aclint.h"
#include "emutime/wallclock.h"
#include "machines/machine_internal.h"

#define MIP_MSIP 3
#define MIP_MTIP 7

#define CLINT_BASE 0x02000000u
#define CLINT_STRIDE 0x10000u /* per socket: MSWI, then the MTIMER */
#define RTC_BASE 0x101000u
#define RTC_IRQ 11
#define PLIC_INPUTS 96
#define HART_INPUTS 12 /* mip bits 0..11; QEMU aborts on others */

#define VIRT_MAX_HARTS 512  /* QEMU's VIRT_CPUS_MAX */
#define VIRT_MAX_SOCKETS 4  /* VIRT_SOCKETS_MAX */
#define QOM_PER_SOCKET 3    /* MSWI, MTIMER, PLIC */
#define QOM_BEFORE_RTC 12   /* test, 8 virtio-mmio, PCIe host, platform bus, UART */

enum { OPT_SMP, OPT_SOCKETS, OPT_RTC_BASE, OPT_RTC_CLOCK };

static const et_riscv_aclint_swi_config mswi_config = {
    .hartid_base = 0,
    .num_harts = 1,
    .sswi = false,
};

static const et_riscv_aclint_mtimer_config mtimer_config = {
    .hartid_base = 0,
    .num_harts = 1,
    .timecmp_base = ET_RISCV_ACLINT_DEFAULT_MTIMECMP,
    .time_base = ET_RISCV_ACLINT_DEFAULT_MTIME,
    .aperture_size = ET_RISCV_ACLINT_DEFAULT_MTIMER_SIZE,
    .timebase_freq = ET_RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ,
};

static const et_goldfish_rtc_config rtc_config = {
    .rtc_base = ET_WALLCLOCK_DEFAULT_BASE,
    .rtc_clock = ET_WALLCLOCK_DEFAULT_CLOCK,
};

static const et_board_wire mswi_wires[] = {
    { .output = 0, .controller = "hart0", .input = MIP_MSIP },
};

static const et_board_wire mtimer_wires[] = {
    { .output = 0, .controller = "hart0", .input = MIP_MTIP },
};

static const et_board_wire rtc_wires[] = {
    { .output = 0, .controller = "plic0", .input = RTC_IRQ },
};

static const et_board_counter mtimer_counters[] = {
    { .name = "mtime", .offset = ET_RISCV_ACLINT_DEFAULT_MTIME, .size = 8 },
    { .name = "mtimecmp0", .offset = ET_RISCV_ACLINT_DEFAULT_MTIMECMP, .size = 8 },
};

enum { DEV_MSWI, DEV_MTIMER, DEV_RTC };

static const et_board_device devices[] = {
    [DEV_MSWI] = {
        .name = "mswi",
        .type = "riscv.aclint.swi",
        .base = CLINT_BASE,
        .config = &mswi_config,
        ET_ARRAY(wires, mswi_wires),
    },
    [DEV_MTIMER] = {
        .name = "mtimer",
        .type = "riscv.aclint.mtimer",
        .base = CLINT_BASE + ET_RISCV_ACLINT_SWI_SIZE,
        .clock_hz = ET_RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ,
        .config = &mtimer_config,
        ET_ARRAY(wires, mtimer_wires),
        ET_ARRAY(counters, mtimer_counters),
    },
    [DEV_RTC] = {
        .name = "rtc",
        .type = "goldfish_rtc",
        .base = RTC_BASE,
        .config = &rtc_config,
        ET_ARRAY(wires, rtc_wires),
    },
};

enum { CTRL_HART, CTRL_PLIC };

static const et_board_controller controllers[] = {
    [CTRL_HART] = {
        .name = "hart0",
        .kind = ET_IC_HART,
        .n_inputs = HART_INPUTS,
        .numbering = "mip bit N of hart 0: 3 MSIP, 7 MTIP, 11 MEIP",
    },
    [CTRL_PLIC] = {
        .name = "plic0",
        .kind = ET_IC_PLIC,
        .n_inputs = PLIC_INPUTS,
        .numbering = "PLIC source N of socket 0: 11 the Goldfish RTC",
    },
};

enum { QOM_HART, QOM_SOC, QOM_MSWI, QOM_MTIMER, QOM_PLIC, QOM_RTC };

static const et_board_qom qom[] = {
    [QOM_HART] = { .path = "/machine/soc0/harts[0]", .controller = "hart0" },
    [QOM_SOC] = { .path = "/machine/soc0" },
    [QOM_MSWI] = { .path = "/machine/unattached/device[0]", .device = "mswi", .outputs = 1 },
    [QOM_MTIMER] = { .path = "/machine/unattached/device[1]", .device = "mtimer", .outputs = 1 },
    [QOM_PLIC] = { .path = "/machine/unattached/device[2]", .controller = "plic0" },
    [QOM_RTC] = { .path = "/machine/unattached/device[15]", .device = "rtc" },
};

static const et_board_ram ram[] = {
    { .name = "ram", .base = 0x80000000, .size = 128u << 20 },
};

/* "1".."max" in decimal. */
static int parse_count(const char *value, unsigned max, unsigned *out)
{
    if (!value[0] || strlen(value) > 4 || strspn(value, "0123456789") != strlen(value)) {
        return -1;
    }
    unsigned long n = strtoul(value, NULL, 10);
    if (n < 1 || n > max) {
        return -1;
    }
    *out = (unsigned)n;
    return 0;
}

static int check_count(const char *value, unsigned max, const char *what, char *err,
                       size_t errlen)
{
    unsigned n;
    if (parse_count(value, max, &n) != 0) {
        return et__error(err, errlen, ET_EINVAL, "the number of %s is 1 to %u", what, max);
    }
    return 0;
}

static int check_smp(const char *value, char *err, size_t errlen)
{
    return check_count(value, VIRT_MAX_HARTS, "harts", err, errlen);
}

static int check_sockets(const char *value, char *err, size_t errlen)
{
    return check_count(value, VIRT_MAX_SOCKETS, "sockets", err, errlen);
}

static const et_board_option options[] = {
    [OPT_SMP] = { "smp", "1", "harts, 1-512 (QEMU's -smp N)", check_smp },
    [OPT_SOCKETS] = { "sockets", "1",
                      "sockets, 1-4, each with its own ACLINT and PLIC (QEMU's NUMA nodes: "
                      "-numa node given this many times)",
                      check_sockets },
    [OPT_RTC_BASE] = { "rtc-base", ET_WALLCLOCK_DEFAULT_BASE,
                       "the RTC's start: utc, localtime or YYYY-MM-DD[THH:MM:SS] "
                       "(QEMU's -rtc base)",
                       et_wallclock_check_base },
    [OPT_RTC_CLOCK] = { "rtc-clock", ET_WALLCLOCK_DEFAULT_CLOCK,
                        "what the RTC follows: host, rt or vm (QEMU's -rtc clock)",
                        et_wallclock_check_clock },
};

/* --- the layout for smp and sockets ---------------------------------------- */

/* The harts of socket s: QEMU's default NUMA assignment puts hart i in
 * socket min(i / (harts / sockets), sockets - 1). */
static void socket_harts(unsigned harts, unsigned sockets, unsigned s, unsigned *first,
                         unsigned *count)
{
    unsigned per = harts / sockets;
    *first = s * per;
    *count = s + 1 < sockets ? per : harts - *first;
}

static void add_socket(et__board_builder *bb, unsigned s, unsigned first, unsigned count)
{
    const char *suffix = s ? et__board_builder_printf(bb, "%u", s) : "";
    uint64_t base = CLINT_BASE + (uint64_t)s * CLINT_STRIDE;

    et_board_wire *msip = et__board_builder_alloc(bb, count * sizeof(*msip));
    et_board_wire *mtip = et__board_builder_alloc(bb, count * sizeof(*mtip));
    et_board_counter *counters = et__board_builder_alloc(bb, (count + 1) * sizeof(*counters));
    counters[0] = mtimer_counters[0];
    for (unsigned j = 0; j < count; j++) {
        const char *hart = et__board_builder_printf(bb, "hart%u", first + j);
        msip[j] = (et_board_wire){ .output = j, .controller = hart, .input = MIP_MSIP };
        mtip[j] = (et_board_wire){ .output = j, .controller = hart, .input = MIP_MTIP };
        counters[j + 1] = (et_board_counter){
            .name = et__board_builder_printf(bb, "mtimecmp%u", first + j),
            .offset = ET_RISCV_ACLINT_DEFAULT_MTIMECMP + 8 * j,
            .size = 8,
        };

        et_board_controller c = controllers[CTRL_HART];
        c.name = hart;
        c.numbering = et__board_builder_printf(bb, "mip bit N of hart %u: 3 MSIP, 7 MTIP, 11 MEIP",
                                               first + j);
        et__board_builder_add_controller(bb, &c);
        et_board_qom q = qom[QOM_HART];
        q.path = et__board_builder_printf(bb, "/machine/soc%u/harts[%u]", s, j);
        q.controller = hart;
        et__board_builder_add_qom(bb, &q);
    }

    et_riscv_aclint_swi_config *swi = et__board_builder_alloc(bb, sizeof(*swi));
    *swi = mswi_config;
    swi->hartid_base = first;
    swi->num_harts = count;
    et_board_device d = devices[DEV_MSWI];
    d.name = et__board_builder_printf(bb, "mswi%s", suffix);
    d.base = base;
    d.config = swi;
    d.wires = msip;
    d.n_wires = count;
    et__board_builder_add_device(bb, &d);

    et_riscv_aclint_mtimer_config *mt = et__board_builder_alloc(bb, sizeof(*mt));
    *mt = mtimer_config;
    mt->hartid_base = first;
    mt->num_harts = count;
    et_board_device t = devices[DEV_MTIMER];
    t.name = et__board_builder_printf(bb, "mtimer%s", suffix);
    t.base = base + ET_RISCV_ACLINT_SWI_SIZE;
    t.config = mt;
    t.wires = mtip;
    t.n_wires = count;
    t.counters = counters;
    t.n_counters = count + 1;
    et__board_builder_add_device(bb, &t);

    et_board_controller plic = controllers[CTRL_PLIC];
    plic.name = et__board_builder_printf(bb, "plic%u", s);
    plic.numbering = s ? et__board_builder_printf(bb, "PLIC source N of socket %u", s)
                       : controllers[CTRL_PLIC].numbering;
    et__board_builder_add_controller(bb, &plic);

    et_board_qom soc = qom[QOM_SOC];
    soc.path = et__board_builder_printf(bb, "/machine/soc%u", s);
    et__board_builder_add_qom(bb, &soc);
    et_board_qom q = qom[QOM_MSWI];
    q.path = et__board_builder_printf(bb, "/machine/unattached/device[%u]", QOM_PER_SOCKET * s);
    q.device = d.name;
    q.outputs = count;
    et__board_builder_add_qom(bb, &q);
    q = qom[QOM_MTIMER];
    q.path = et__board_builder_printf(bb, "/machine/unattached/device[%u]",
                                      QOM_PER_SOCKET * s + 1);
    q.device = t.name;
    q.outputs = count;
    et__board_builder_add_qom(bb, &q);
    q = qom[QOM_PLIC];
    q.path = et__board_builder_printf(bb, "/machine/unattached/device[%u]",
                                      QOM_PER_SOCKET * s + 2);
    q.controller = plic.name;
    et__board_builder_add_qom(bb, &q);
}

static et_board *virt_instantiate(const et_board *self, const char *const *values, char *err,
                                  size_t errlen)
{
    unsigned harts, sockets;
    if (parse_count(values[OPT_SMP], VIRT_MAX_HARTS, &harts) != 0 ||
        parse_count(values[OPT_SOCKETS], VIRT_MAX_SOCKETS, &sockets) != 0) {
        et__error(err, errlen, ET_EINVAL, "virt: bad smp or sockets"); /* the checks ran already */
        return NULL;
    }
    if (sockets > harts) {
        et__error(err, errlen, ET_EINVAL, "virt: %u sockets need at least %u harts (smp=%u)",
                  sockets, sockets, harts);
        return NULL;
    }
    et__board_builder *bb = et__board_builder_new(self);
    for (unsigned s = 0; s < sockets; s++) {
        unsigned first, count;
        socket_harts(harts, sockets, s, &first, &count);
        add_socket(bb, s, first, count);
    }
    et_goldfish_rtc_config *rc = et__board_builder_alloc(bb, sizeof(*rc));
    rc->rtc_base = values[OPT_RTC_BASE];
    rc->rtc_clock = values[OPT_RTC_CLOCK];
    et_board_device rtc = devices[DEV_RTC];
    rtc.config = rc;
    et__board_builder_add_device(bb, &rtc);
    et_board_qom q = qom[QOM_RTC];
    q.path = et__board_builder_printf(bb, "/machine/unattached/device[%u]",
                                      QOM_PER_SOCKET * sockets + QOM_BEFORE_RTC);
    et__board_builder_add_qom(bb, &q);
    return et__board_builder_finish(bb);
}

const et_board et__board_virt = {
    .name = "virt",
    .description = "RISC-V virt board: the ACLINT MSWI and MTIMER of each socket's harts, "
                   "the Goldfish RTC",
    .qemu_binary = "qemu-system-riscv64",
    .intercept = "irq_intercept_in /machine/soc0/harts[0]",
    ET_BOARD_TABLES,
    ET_ARRAY(options, options),
    .notes = "Not modelled: the PLIC beyond its inputs (its registers read 0; the RTC's "
             "interrupt shows as PLIC input 11, never as mip.MEIP), virtio, the UART, the "
             "flash, firmware in RAM (QEMU loads OpenSBI at 0x80000000 unless -bios none).",
    .instantiate = virt_instantiate,
};
