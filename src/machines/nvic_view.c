/* The ARMv7-M NVIC as a timer's interrupt is seen through it: a small model
 * of the System Control Space registers that hold interrupt state (ARMv7-M
 * Architecture Reference Manual, ARM DDI 0403E, B3.4 "Nested Vectored
 * Interrupt Controller" and B3.2.4 ICSR), mapped at 0xe000e000.
 *
 * Modelled: ISER/ICER (enable bits), ISPR/ICPR (pending bits, latched on a
 * rising input level; a clear does not clear an input still held high, rule
 * R_CVJS, as QEMU does), ICTR, CPUID (Cortex-M3 r0p1 as QEMU reports it),
 * AIRCR's read value (VECTKEYSTAT, PRIGROUP 0; writes, SYSRESETREQ
 * included, are not modelled), and ICSR's NMIPENDSET, PENDSVSET/PENDSVCLR,
 * PENDSTSET/PENDSTCLR, ISRPENDING, VECTPENDING and RETTOBASE. The NMI is
 * a named input ("NMI"): a high level pends it, and it stays pending (no CPU
 * takes it). The SysTick timer's request is the named input
 * "systick-trigger" (QEMU's name): a high level pends exception 15, which
 * ICSR.PENDSTSET shows until PENDSTCLR clears it. Priorities are not
 * modelled (all 0, their reset value), so VECTPENDING is the NMI if
 * pending, else the lowest-numbered pending exception: PendSV (14),
 * SysTick (15), then the lowest-numbered enabled pending interrupt;
 * ISRPENDING counts external interrupts only (B3.2.4).
 * The CPU side (nvic_view.h): an emulator's exception model acknowledges
 * the exception it takes (no longer pending, even with its input held high)
 * and completes it at return (an input still high pends it again), as
 * QEMU's armv7m_nvic_acknowledge_irq and armv7m_nvic_complete_irq do.
 * Not modelled: the CPU (nothing is ever active), priority and fault
 * registers; they read as 0 and writes are reported as guest errors.
 * Priorities and the active state stay with the CPU model: which exception
 * is taken depends on the execution priority (active exceptions, PRIMASK,
 * BASEPRI), CPU state the view cannot see. The
 * SysTick registers (0x010-0x0ff) are a device of their own that a board
 * maps over this window (armv7m_systick.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "emutime/nvic_view.h"
#include "machines/machine_internal.h"

#define NVIC_MAX_INPUTS 256
#define NVIC_WORDS (NVIC_MAX_INPUTS / 32)
#define NVIC_FIRST_IRQ 16 /* exception number of external interrupt 0 */
#define EXCP_NMI 2
#define EXCP_PENDSV 14
#define EXCP_SYSTICK 15

#define REG_ICTR 0x004
#define REG_ISER 0x100
#define REG_ICER 0x180
#define REG_ISPR 0x200
#define REG_ICPR 0x280
#define REG_BANK_END 0x040 /* each bitmap bank spans 0x40 bytes */
#define REG_CPUID 0xd00
#define REG_ICSR 0xd04
#define REG_AIRCR 0xd0c

#define ICSR_NMIPENDSET (1u << 31)
#define ICSR_PENDSVSET (1u << 28)
#define ICSR_PENDSVCLR (1u << 27)
#define ICSR_PENDSTSET (1u << 26)
#define ICSR_PENDSTCLR (1u << 25)
#define ICSR_WRITABLE (ICSR_NMIPENDSET | ICSR_PENDSVSET | ICSR_PENDSVCLR | ICSR_PENDSTSET | \
                       ICSR_PENDSTCLR)
#define ICSR_ISRPENDING (1u << 22)
#define ICSR_RETTOBASE (1u << 11)
#define ICSR_VECTPENDING_SHIFT 12

#define CORTEX_M3_CPUID 0x410fc231u
#define AIRCR_VECTKEYSTAT 0xfa050000u /* reads back as 0xFA05; PRIGROUP 0 */

typedef struct nvic_view {
    et_device dev;
    uint32_t n_inputs;
    uint32_t enabled[NVIC_WORDS];
    uint32_t pending[NVIC_WORDS];
    uint32_t level[NVIC_WORDS];
    bool nmi_pending;
    bool pendsv_pending;
    bool systick_pending;
    /* Towards the CPU: high while an exception is pending that the NVIC
     * would present (ICSR.VECTPENDING non-zero); whether and when the CPU
     * takes it (priorities, PRIMASK, the active state) is the CPU model's. */
    et_irq_line request;
} nvic_view;

static bool bit(const uint32_t *map, unsigned n)
{
    return (map[n / 32] >> (n % 32)) & 1;
}

static void set_bit(uint32_t *map, unsigned n, bool v)
{
    if (v) {
        map[n / 32] |= 1u << (n % 32);
    } else {
        map[n / 32] &= ~(1u << (n % 32));
    }
}

static uint32_t icsr(const nvic_view *s)
{
    uint32_t v = ICSR_RETTOBASE; /* nothing is active */
    unsigned vectpending = 0;
    bool isrpending = false;
    /* A word of 32 inputs at a time: this runs on every input change. */
    for (unsigned w = 0; 32 * w < s->n_inputs; w++) {
        unsigned left = s->n_inputs - 32 * w;
        uint32_t pending = s->pending[w] & (left >= 32 ? ~0u : (1u << left) - 1);
        if (pending) {
            isrpending = true;
            uint32_t ready = pending & s->enabled[w];
            if (!vectpending && ready) { /* the lowest-numbered one */
                vectpending = NVIC_FIRST_IRQ + 32 * w + (unsigned)__builtin_ctz(ready);
            }
        }
    }
    /* Equal priorities: the lower exception number is taken first. */
    if (s->systick_pending) {
        v |= ICSR_PENDSTSET;
        vectpending = EXCP_SYSTICK;
    }
    if (s->pendsv_pending) {
        v |= ICSR_PENDSVSET;
        vectpending = EXCP_PENDSV;
    }
    if (s->nmi_pending) {
        v |= ICSR_NMIPENDSET;
        vectpending = EXCP_NMI; /* fixed priority -2 beats every interrupt */
    }
    if (isrpending) {
        v |= ICSR_ISRPENDING;
    }
    return v | (uint32_t)vectpending << ICSR_VECTPENDING_SHIFT;
}

/* Bits [first, first + nbits) of a bitmap, for byte/halfword/word accesses. */
static uint32_t bitmap_read(const nvic_view *s, const uint32_t *map, unsigned first,
                            unsigned nbits)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < nbits && first + i < s->n_inputs; i++) {
        v |= (uint32_t)bit(map, first + i) << i;
    }
    return v;
}

static uint64_t nvic_read(et_device *dev, uint64_t offset, unsigned size)
{
    nvic_view *s = (nvic_view *)dev;
    unsigned bank = (unsigned)(offset & ~(uint64_t)(REG_BANK_END - 1));
    unsigned first = 8 * (unsigned)(offset - bank);
    switch (bank) {
    case REG_ISER:
    case REG_ICER:
        return bitmap_read(s, s->enabled, first, size * 8);
    case REG_ISPR:
    case REG_ICPR:
        return bitmap_read(s, s->pending, first, size * 8);
    default:
        break;
    }
    if (size != 4) {
        et_device_guest_error(dev, "%u-byte read of SCS offset 0x%llx", size,
                              (unsigned long long)offset);
        return 0;
    }
    switch (offset) {
    case REG_ICTR:
        return (s->n_inputs + 31) / 32 - 1;
    case REG_CPUID:
        return CORTEX_M3_CPUID;
    case REG_ICSR:
        return icsr(s);
    case REG_AIRCR:
        return AIRCR_VECTKEYSTAT;
    default:
        et_device_guest_error(dev, "read of SCS offset 0x%llx, not modelled (reads 0)",
                              (unsigned long long)offset);
        return 0;
    }
}

static void update_request(nvic_view *s)
{
    /* VECTPENDING is ICSR[20:12]. */
    et_irq_set(&s->request, ((icsr(s) >> ICSR_VECTPENDING_SHIFT) & 0x1ffu) != 0);
}

static void write_regs(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    nvic_view *s = (nvic_view *)dev;
    unsigned bank = (unsigned)(offset & ~(uint64_t)(REG_BANK_END - 1));
    unsigned first = 8 * (unsigned)(offset - bank);
    if (bank == REG_ISER || bank == REG_ICER || bank == REG_ISPR || bank == REG_ICPR) {
        for (unsigned i = 0; i < size * 8 && first + i < s->n_inputs; i++) {
            if (!((value >> i) & 1)) {
                continue;
            }
            unsigned n = first + i;
            switch (bank) {
            case REG_ISER: set_bit(s->enabled, n, true); break;
            case REG_ICER: set_bit(s->enabled, n, false); break;
            case REG_ISPR: set_bit(s->pending, n, true); break;
            case REG_ICPR:
                /* R_CVJS: an input held high stays pending. */
                if (!bit(s->level, n)) {
                    set_bit(s->pending, n, false);
                }
                break;
            }
        }
        return;
    }
    if (offset == REG_ICSR && size == 4) {
        if (value & ICSR_NMIPENDSET) {
            s->nmi_pending = true;
        }
        /* SET wins over CLR when both are written (as QEMU). */
        if (value & ICSR_PENDSVSET) {
            s->pendsv_pending = true;
        } else if (value & ICSR_PENDSVCLR) {
            s->pendsv_pending = false;
        }
        if (value & ICSR_PENDSTSET) {
            s->systick_pending = true;
        } else if (value & ICSR_PENDSTCLR) {
            s->systick_pending = false;
        }
        if (value & ~(uint64_t)ICSR_WRITABLE) {
            et_device_guest_error(dev, "ICSR write 0x%llx: only the pend set/clear bits are "
                                       "modelled",
                                  (unsigned long long)value);
        }
        return;
    }
    et_device_guest_error(dev, "%u-byte write of 0x%llx to SCS offset 0x%llx, not modelled",
                          size, (unsigned long long)value, (unsigned long long)offset);
}

static void nvic_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    write_regs(dev, offset, value, size);
    update_request((nvic_view *)dev);
}

static void nvic_reset(et_device *dev)
{
    nvic_view *s = (nvic_view *)dev;
    /* Guest-programmed state goes; input levels are wires, they stay. */
    memset(s->enabled, 0, sizeof(s->enabled));
    memset(s->pending, 0, sizeof(s->pending));
    s->nmi_pending = false;
    s->pendsv_pending = false;
    s->systick_pending = false;
    update_request(s);
}

static const et_field nvic_fields[] = {
    ET_FIELD_ARRAY(nvic_view, enabled, ET_FT_U32, 1),
    ET_FIELD_ARRAY(nvic_view, pending, ET_FT_U32, 1),
    ET_FIELD_ARRAY(nvic_view, level, ET_FT_U32, 1),
    ET_FIELD_BOOL(nvic_view, nmi_pending, 1),
    ET_FIELD_BOOL_V(nvic_view, pendsv_pending, 2, 0),
    ET_FIELD_BOOL_V(nvic_view, systick_pending, 2, 0),
    ET_FIELD_END,
};

static const et_vmstate nvic_state = { "armv7m-nvic-view", 2, nvic_fields };

static const et_device_ops nvic_ops = {
    .type = "armv7m-nvic-view",
    .region_size = 0x1000,
    .access_sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
    .read = nvic_read,
    .write = nvic_write,
    .reset = nvic_reset,
    .state = &nvic_state,
};

/* Indexes into nvic_named. */
#define NAMED_NMI 0
#define NAMED_SYSTICK 1

static et_lock_class nvic_lock_class = ET_LOCK_CLASS_INIT("armv7m-nvic-view");

static et_device *nvic_create(et_clock *clock, const char *name, unsigned n_inputs, char *err,
                              size_t errlen)
{
    if (n_inputs == 0 || n_inputs > NVIC_MAX_INPUTS) {
        et__error(err, errlen, ET_EINVAL, "NVIC %s: %u inputs (1..%u)", name, n_inputs,
                  NVIC_MAX_INPUTS);
        return NULL;
    }
    nvic_view *s = et__xcalloc(1, sizeof(*s));
    et_device_init(&s->dev, &nvic_ops, clock, name, &nvic_lock_class);
    s->n_inputs = n_inputs;
    et_irq_init(&s->request, &s->dev, "irq-request");
    et_device_add_irq(&s->dev, &s->request);
    return &s->dev;
}

static void nvic_set_input(et_device *dev, int named, unsigned n, int level)
{
    nvic_view *s = (nvic_view *)dev;
    et_device_lock(dev);
    if (named == NAMED_NMI) { /* a high level pends it */
        if (level) {
            s->nmi_pending = true;
        }
    } else if (named == NAMED_SYSTICK) { /* SysTick's pulse pends exception 15 */
        if (level) {
            s->systick_pending = true;
        }
    } else if (n < s->n_inputs && bit(s->level, n) != (level != 0)) {
        set_bit(s->level, n, level != 0);
        if (level) { /* latched on the rising edge */
            set_bit(s->pending, n, true);
        }
    }
    update_request(s);
    et_device_unlock(dev);
}

/* After a snapshot load: the request line follows the loaded state. */
static void nvic_refresh(et_device *dev)
{
    et_device_lock(dev);
    update_request((nvic_view *)dev);
    et_device_unlock(dev);
}

static const char *const nvic_named[] = { "NMI", "systick-trigger", NULL };

const et__ic_kind et__ic_kind_nvic = {
    .kind = ET_IC_NVIC,
    .create = nvic_create,
    .set_input = nvic_set_input,
    .named_inputs = nvic_named,
    .refresh = nvic_refresh,
};

/* --- the CPU side (nvic_view.h) ------------------------------------------ */

static nvic_view *find_view(et_machine *m, const char *controller)
{
    et_device *dev = et_machine_find_device(m, controller);
    return dev && dev->ops == &nvic_ops ? (nvic_view *)dev : NULL;
}

int et_machine_nvic_acknowledge(et_machine *m, const char *controller, unsigned exception)
{
    nvic_view *s = find_view(m, controller);
    if (!s) {
        return ET_ENOENT;
    }
    int rc = 0;
    et_device_lock(&s->dev);
    if (exception == EXCP_NMI) {
        s->nmi_pending = false;
    } else if (exception == EXCP_PENDSV) {
        s->pendsv_pending = false;
    } else if (exception == EXCP_SYSTICK) {
        s->systick_pending = false;
    } else if (exception >= NVIC_FIRST_IRQ && exception - NVIC_FIRST_IRQ < s->n_inputs) {
        set_bit(s->pending, exception - NVIC_FIRST_IRQ, false);
    } else {
        rc = ET_EINVAL;
    }
    update_request(s);
    et_device_unlock(&s->dev);
    return rc;
}

int et_machine_nvic_complete(et_machine *m, const char *controller, unsigned exception)
{
    nvic_view *s = find_view(m, controller);
    if (!s) {
        return ET_ENOENT;
    }
    int rc = 0;
    et_device_lock(&s->dev);
    if (exception >= NVIC_FIRST_IRQ && exception - NVIC_FIRST_IRQ < s->n_inputs) {
        unsigned n = exception - NVIC_FIRST_IRQ;
        if (bit(s->level, n)) {
            set_bit(s->pending, n, true);
        }
    } else if (exception != EXCP_NMI && exception != EXCP_PENDSV && exception != EXCP_SYSTICK) {
        rc = ET_EINVAL;
    }
    update_request(s);
    et_device_unlock(&s->dev);
    return rc;
}
