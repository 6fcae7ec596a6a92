/* TI Stellaris system control block: the LM3S811 datasheet's "System
 * Control" chapter (register map, RCC and the clock tree of its "Clock
 * Control" section) and QEMU 7.2's model of it (hw/arm/stellaris.c,
 * "stellaris-sys"), whose read-back values this follows.
 *
 * Modelled: every register QEMU models (identification and capabilities
 * from the configuration, PBORCTL, LDOPCTL, RIS/IMC/MISC with the PLL-lock
 * interrupt, RESC, RCC, PLLCFG for the crystal, RCC2 on Fury-class parts,
 * the clock-gating registers, CLKVCLR, LDOARST, USER0/1) and the system
 * clock RCC/RCC2 select, under QEMU's model or the datasheet's (header).
 * The clock is changed by a call deferred past the device lock, so the
 * followers' callbacks (which take their own device locks) run outside it.
 *
 * Not modelled: the peripheral resets of SRCR0-2 (writes are logged), the
 * PWM divider, brown-out and LDO effects, the PLL lock time (it locks at
 * once, as in QEMU), the 30 kHz / 32 kHz oscillators of RCC2.
 *
 * Differences from QEMU 7.2 (docs/divergences.md): a system reset returns
 * LDOPCTL, RIS, IMC, RESC, RCGC1-2, SCGC1-2, DCGC1-2, CLKVCLR and LDOARST to
 * their reset values (QEMU resets only PBORCTL, RCC, RCC2 and the *0
 * gating registers); narrow accesses use byte lanes (QEMU: the access goes
 * to the register at that exact offset, so bytes 1-3 are bad offsets).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "emutime/devices/stellaris_sysctl.h"

#define DID0_VER_MASK 0x70000000u
#define DID0_VER_1 0x10000000u
#define DID0_CLASS_MASK 0x00FF0000u
#define DID0_CLASS_FURY 0x00010000u

#define PBORCTL_MASK 0xFFFFu
#define LDOPCTL_MASK 0x1Fu
#define IMC_MASK 0x7Fu
#define RESC_MASK 0x3Fu
#define RCC2_PWRDN2 (1u << 13)

/* The PLL's output before the system divider: 400 MHz VCO / 2. */
#define PLL_HZ 200000000u
/* The internal oscillator's nominal rate (Sandstorm class). */
#define IOSC_HZ 15000000u

/* PLLCFG for each RCC.XTAL value (the datasheets' crystal table). */
static const uint32_t pllcfg_sandstorm[16] = {
    0x31c0, 0x1ae0, 0x18c0, 0xd573, 0x37a6, 0x1ae2, 0x0c40, 0x98bc,
    0x935b, 0x09c0, 0x4dee, 0x0c41, 0x75db, 0x1ae6, 0x0600, 0x585b,
};
static const uint32_t pllcfg_fury[16] = {
    0x3200, 0x1b20, 0x1900, 0xf42b, 0x37e3, 0x1b21, 0x0c80, 0x98ee,
    0xd5b4, 0x0a00, 0x4e27, 0x1902, 0xec1c, 0x1b23, 0x0640, 0xb11c,
};

/* The crystal frequency each RCC.XTAL value names. */
static const uint32_t xtal_hz[16] = {
    1000000, 1843200, 2000000, 2457600, 3579545, 3686400, 4000000, 4096000,
    4915200, 5000000, 5120000, 6000000, 6144000, 7372800, 8000000, 8192000,
};

typedef struct sysctl {
    et_device dev;
    et_irq_line irq;
    et_clock_input *sysclk;
    bool fury;
    et_stellaris_clock_model model;
    uint32_t did0, did1, dc[5], user0, user1; /* configuration (dc[0] is DC0) */
    uint32_t pborctl, ldopctl, ris, imc, resc, rcc, rcc2;
    uint32_t rcgc[3], scgc[3], dcgc[3];
    uint32_t clkvclr, ldoarst;
} sysctl;

static et_lock_class sysctl_lock_class = ET_LOCK_CLASS_INIT("stellaris-sysctl");

static sysctl *to_sysctl(et_device *dev)
{
    return (sysctl *)dev;
}

static uint64_t period_of(uint64_t hz, uint32_t divisor)
{
    return hz ? et_clock_period_from_hz(hz) * divisor : 0;
}

/* QEMU: 5 ns (200 MHz) times the divisor, whatever else RCC says. */
static uint64_t qemu_period(const sysctl *s)
{
    uint32_t div = (s->fury && (s->rcc2 & ET_STELLARIS_RCC2_USERCC2))
                       ? ((s->rcc2 >> ET_STELLARIS_RCC_SYSDIV_SHIFT) & 0x3F) + 1
                       : ((s->rcc >> ET_STELLARIS_RCC_SYSDIV_SHIFT) & 0xF) + 1;
    return period_of(PLL_HZ, div);
}

/* The datasheet's tree (Sandstorm class: RCC only). */
static uint64_t datasheet_period(const sysctl *s)
{
    uint32_t rcc = s->rcc;
    uint32_t div = ((rcc >> ET_STELLARIS_RCC_SYSDIV_SHIFT) & 0xF) + 1;
    if (!(rcc & ET_STELLARIS_RCC_BYPASS)) {
        /* The PLL drives the system clock, always through the divider. */
        if (rcc & (ET_STELLARIS_RCC_PWRDN | ET_STELLARIS_RCC_OEN)) {
            return 0; /* powered down or its output disabled */
        }
        return period_of(PLL_HZ, div);
    }
    uint64_t src;
    switch ((rcc >> ET_STELLARIS_RCC_OSCSRC_SHIFT) & 3) {
    case 0:
        src = (rcc & ET_STELLARIS_RCC_MOSCDIS) ? 0 : xtal_hz[(rcc >> ET_STELLARIS_RCC_XTAL_SHIFT) & 0xF];
        break;
    case 1:
        src = (rcc & ET_STELLARIS_RCC_IOSCDIS) ? 0 : IOSC_HZ;
        break;
    case 2:
        src = (rcc & ET_STELLARIS_RCC_IOSCDIS) ? 0 : IOSC_HZ / 4;
        break;
    default:
        src = 0; /* reserved */
        break;
    }
    return period_of(src, (rcc & ET_STELLARIS_RCC_USESYSDIV) ? div : 1);
}

static uint64_t sysclk_period(const sysctl *s)
{
    return s->model == ET_STELLARIS_CLOCK_DATASHEET ? datasheet_period(s) : qemu_period(s);
}

/* Runs after the device lock is released (et_device_defer). */
static void apply_sysclk(void *opaque, uint64_t period)
{
    sysctl *s = opaque;
    et_clock_input_set_period(s->sysclk, period);
}

static void clock_changed(sysctl *s)
{
    uint64_t period = sysclk_period(s);
    et_device_trace(&s->dev, "sysclk", "period %llu (2^-32 ns), %llu Hz",
                    (unsigned long long)period,
                    (unsigned long long)et_clock_hz_from_period(period));
    et_device_defer(&s->dev, apply_sysclk, s, period);
}

static void update_irq(sysctl *s)
{
    et_irq_set(&s->irq, (s->ris & s->imc) != 0);
}

static uint32_t read_reg(sysctl *s, uint32_t reg)
{
    switch (reg) {
    case ET_STELLARIS_SYSCTL_DID0: return s->did0;
    case ET_STELLARIS_SYSCTL_DID1: return s->did1;
    case ET_STELLARIS_SYSCTL_DC0: return s->dc[0];
    case ET_STELLARIS_SYSCTL_DC1: return s->dc[1];
    case ET_STELLARIS_SYSCTL_DC2: return s->dc[2];
    case ET_STELLARIS_SYSCTL_DC3: return s->dc[3];
    case ET_STELLARIS_SYSCTL_DC4: return s->dc[4];
    case ET_STELLARIS_SYSCTL_PBORCTL: return s->pborctl;
    case ET_STELLARIS_SYSCTL_LDOPCTL: return s->ldopctl;
    case ET_STELLARIS_SYSCTL_SRCR0:
    case ET_STELLARIS_SYSCTL_SRCR0 + 4:
    case ET_STELLARIS_SYSCTL_SRCR0 + 8: return 0;
    case ET_STELLARIS_SYSCTL_RIS: return s->ris;
    case ET_STELLARIS_SYSCTL_IMC: return s->imc;
    case ET_STELLARIS_SYSCTL_MISC: return s->ris & s->imc;
    case ET_STELLARIS_SYSCTL_RESC: return s->resc;
    case ET_STELLARIS_SYSCTL_RCC: return s->rcc;
    case ET_STELLARIS_SYSCTL_PLLCFG: {
        unsigned xtal = (s->rcc >> ET_STELLARIS_RCC_XTAL_SHIFT) & 0xF;
        return s->fury ? pllcfg_fury[xtal] : pllcfg_sandstorm[xtal];
    }
    case ET_STELLARIS_SYSCTL_RCC2: return s->rcc2;
    case ET_STELLARIS_SYSCTL_CLKVCLR: return s->clkvclr;
    case ET_STELLARIS_SYSCTL_LDOARST: return s->ldoarst;
    case ET_STELLARIS_SYSCTL_USER0: return s->user0;
    case ET_STELLARIS_SYSCTL_USER1: return s->user1;
    default:
        break;
    }
    if (reg >= ET_STELLARIS_SYSCTL_RCGC0 && reg <= ET_STELLARIS_SYSCTL_DCGC0 + 8 &&
        (reg & 0xF) <= 8) {
        unsigned i = (reg & 0xF) / 4;
        switch (reg & ~0xFu) {
        case ET_STELLARIS_SYSCTL_RCGC0: return s->rcgc[i];
        case ET_STELLARIS_SYSCTL_SCGC0: return s->scgc[i];
        case ET_STELLARIS_SYSCTL_DCGC0: return s->dcgc[i];
        default: break;
        }
    }
    et_device_guest_error(&s->dev, "read of unknown register 0x%03x (reads as 0)", reg);
    return 0;
}

static void write_rcc(sysctl *s, uint32_t value)
{
    if ((s->rcc & ET_STELLARIS_RCC_PWRDN) && !(value & ET_STELLARIS_RCC_PWRDN)) {
        s->ris |= ET_STELLARIS_RIS_PLLLRIS; /* the PLL powers up and locks */
    }
    s->rcc = value;
    clock_changed(s);
}

static void write_rcc2(sysctl *s, uint32_t value)
{
    if (!s->fury) {
        return; /* Sandstorm class: no RCC2 (QEMU ignores the write silently) */
    }
    if ((s->rcc2 & RCC2_PWRDN2) && !(value & RCC2_PWRDN2)) {
        s->ris |= ET_STELLARIS_RIS_PLLLRIS;
    }
    s->rcc2 = value;
    clock_changed(s);
}

static void write_reg(sysctl *s, uint32_t reg, uint32_t value)
{
    switch (reg) {
    case ET_STELLARIS_SYSCTL_PBORCTL: s->pborctl = value & PBORCTL_MASK; break;
    case ET_STELLARIS_SYSCTL_LDOPCTL: s->ldopctl = value & LDOPCTL_MASK; break;
    case ET_STELLARIS_SYSCTL_SRCR0:
    case ET_STELLARIS_SYSCTL_SRCR0 + 4:
    case ET_STELLARIS_SYSCTL_SRCR0 + 8:
        et_device_guest_error(&s->dev, "SRCR%u: peripheral reset is not modelled",
                              (reg - ET_STELLARIS_SYSCTL_SRCR0) / 4);
        return;
    case ET_STELLARIS_SYSCTL_IMC: s->imc = value & IMC_MASK; break;
    case ET_STELLARIS_SYSCTL_MISC: s->ris &= ~value; break;
    case ET_STELLARIS_SYSCTL_RESC: s->resc = value & RESC_MASK; break;
    case ET_STELLARIS_SYSCTL_RCC: write_rcc(s, value); break;
    case ET_STELLARIS_SYSCTL_RCC2: write_rcc2(s, value); break;
    case ET_STELLARIS_SYSCTL_CLKVCLR: s->clkvclr = value; break;
    case ET_STELLARIS_SYSCTL_LDOARST: s->ldoarst = value; break;
    default:
        if (reg >= ET_STELLARIS_SYSCTL_RCGC0 && reg <= ET_STELLARIS_SYSCTL_DCGC0 + 8 &&
            (reg & 0xF) <= 8) {
            unsigned i = (reg & 0xF) / 4;
            switch (reg & ~0xFu) {
            case ET_STELLARIS_SYSCTL_RCGC0: s->rcgc[i] = value; goto done;
            case ET_STELLARIS_SYSCTL_SCGC0: s->scgc[i] = value; goto done;
            case ET_STELLARIS_SYSCTL_DCGC0: s->dcgc[i] = value; goto done;
            default: break;
            }
        }
        et_device_guest_error(&s->dev, "write to 0x%03x ignored (read-only or unknown)", reg);
        return;
    }
done:
    update_irq(s);
}

/* One 32-bit data path: a narrower access uses the byte lanes of the
 * register its address falls in; a narrow write zeroes the others. */
static uint64_t sysctl_read(et_device *dev, uint64_t offset, unsigned size)
{
    uint64_t v = read_reg(to_sysctl(dev), (uint32_t)offset & ~3u) >> (8 * (unsigned)(offset & 3));
    return size >= 4 ? v : v & ((UINT64_C(1) << (8 * size)) - 1);
}

static void sysctl_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    (void)size;
    write_reg(to_sysctl(dev), (uint32_t)offset & ~3u,
              (uint32_t)(value << (8 * (unsigned)(offset & 3))));
}

static void sysctl_reset(et_device *dev)
{
    sysctl *s = to_sysctl(dev);
    s->pborctl = ET_STELLARIS_PBORCTL_RESET;
    s->ldopctl = 0;
    s->ris = 0;
    s->imc = 0;
    s->resc = 0;
    s->rcc = ET_STELLARIS_RCC_RESET;
    s->rcc2 = s->fury ? ET_STELLARIS_RCC2_RESET_FURY : 0;
    for (unsigned i = 0; i < 3; i++) {
        s->rcgc[i] = s->scgc[i] = s->dcgc[i] = i == 0; /* the watchdog clock */
    }
    s->clkvclr = 0;
    s->ldoarst = 0;
    update_irq(s);
    clock_changed(s);
}

static const et_field sysctl_fields[] = {
    ET_FIELD_U32(sysctl, pborctl, 1),
    ET_FIELD_U32(sysctl, ldopctl, 1),
    ET_FIELD_U32(sysctl, ris, 1),
    ET_FIELD_U32(sysctl, imc, 1),
    ET_FIELD_U32(sysctl, resc, 1),
    ET_FIELD_U32(sysctl, rcc, 1),
    ET_FIELD_U32(sysctl, rcc2, 1),
    ET_FIELD_ARRAY(sysctl, rcgc, ET_FT_U32, 1),
    ET_FIELD_ARRAY(sysctl, scgc, ET_FT_U32, 1),
    ET_FIELD_ARRAY(sysctl, dcgc, ET_FT_U32, 1),
    ET_FIELD_U32(sysctl, clkvclr, 1),
    ET_FIELD_U32(sysctl, ldoarst, 1),
    ET_FIELD_IRQ(sysctl, irq, 1),
    ET_FIELD_END
};

static const et_vmstate sysctl_state = { "stellaris-sysctl", 1, sysctl_fields };

static const et_device_ops sysctl_ops = {
    .type = "stellaris-sysctl",
    .region_size = ET_STELLARIS_SYSCTL_REGION,
    .access_sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
    .unaligned_ok = false,
    .read = sysctl_read,
    .write = sysctl_write,
    .reset = sysctl_reset,
    .state = &sysctl_state,
};

uint64_t et_stellaris_sysctl_sysclk_period(et_device *dev)
{
    et_device_lock(dev);
    uint64_t p = sysclk_period(to_sysctl(dev));
    et_device_unlock(dev);
    return p;
}

et_device *et_stellaris_sysctl_new(et_clock *clock, const char *name,
                                   const et_stellaris_sysctl_config *cfg, char *err,
                                   size_t errlen)
{
    const char *problem = NULL;
    bool fury = false;
    if (!clock) {
        problem = "stellaris-sysctl: a clock is required";
    } else if (!cfg) {
        problem = "stellaris-sysctl: a configuration is required";
    } else if (!cfg->sysclk) {
        problem = "stellaris-sysctl: the system clock node (cfg->sysclk) must be connected";
    } else if ((cfg->did0 & DID0_VER_MASK) == 0) {
        fury = false; /* version 0: Sandstorm */
    } else if ((cfg->did0 & DID0_VER_MASK) == DID0_VER_1 &&
               ((cfg->did0 & DID0_CLASS_MASK) == 0 ||
                (cfg->did0 & DID0_CLASS_MASK) == DID0_CLASS_FURY)) {
        fury = (cfg->did0 & DID0_CLASS_MASK) == DID0_CLASS_FURY;
    } else {
        problem = "stellaris-sysctl: DID0 names neither a Sandstorm nor a Fury class part";
    }
    if (!problem && cfg->clock_model != ET_STELLARIS_CLOCK_QEMU &&
        cfg->clock_model != ET_STELLARIS_CLOCK_DATASHEET) {
        problem = "stellaris-sysctl: unknown clock model";
    } else if (!problem && fury && cfg->clock_model == ET_STELLARIS_CLOCK_DATASHEET) {
        problem = "stellaris-sysctl: the datasheet clock model covers Sandstorm-class parts "
                  "(RCC only); use ET_STELLARIS_CLOCK_QEMU for a Fury-class part";
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    sysctl *s = et__xcalloc(1, sizeof(*s));
    et_device_init(&s->dev, &sysctl_ops, clock, name, &sysctl_lock_class);
    et_irq_init(&s->irq, &s->dev, "irq");
    et_device_add_irq(&s->dev, &s->irq);
    s->sysclk = cfg->sysclk;
    s->fury = fury;
    s->model = cfg->clock_model;
    s->did0 = cfg->did0;
    s->did1 = cfg->did1;
    s->dc[0] = cfg->dc0;
    s->dc[1] = cfg->dc1;
    s->dc[2] = cfg->dc2;
    s->dc[3] = cfg->dc3;
    s->dc[4] = cfg->dc4;
    s->user0 = cfg->user0;
    s->user1 = cfg->user1;
    et_device_reset(&s->dev);
    return &s->dev;
}
