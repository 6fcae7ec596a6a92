/* TI Stellaris General-Purpose Timer Module: the LM3S811 datasheet,
 * "General-Purpose Timers" (32-bit one-shot/periodic, 32-bit RTC, 16-bit
 * one-shot/periodic with the 8-bit prescaler; the register descriptions).
 * QEMU 7.2's model is hw/timer/stellaris-gptm.c.
 *
 * Modelled: the one-shot and periodic modes in 32-bit and 16-bit
 * configurations (the prescaler as a true divider), the RTC mode, the
 * counters' read-back (TAR/TBR), the time-out and RTC interrupts with
 * their mask, and the system clock followed at run time. Both timers use
 * ptimers with the policies of a counter that interrupts on reaching 0,
 * holds 0 for a cycle and reloads (as the CMSDK timers).
 *
 * Not modelled: the capture modes (edge count, edge time) and PWM, which
 * need the CCP pins: their mode bits are stored, and enabling a timer in
 * one is reported once as a guest error and counts nothing; the ADC
 * trigger (TnOTE); the debug stall (TnSTALL, RTCEN stored).
 *
 * Differences from QEMU 7.2 (docs/divergences.md): QEMU implements only
 * the 32-bit modes (16-bit mode is "unimplemented"), reads TAR/TBR as 0
 * outside the RTC, times out every load ticks instead of load + 1, masks
 * IMR with 0x77 (so RTCIM and TBTOIM, bits 3 and 8, cannot be set),
 * resets nothing (the registers power on as 0 instead of the datasheet's
 * 0xFFFF load, match and counter values), restarts the RTC from 0 after the match instead
 * of counting on, ignores a load write to a running timer until it is
 * re-enabled, and the board wires only timer A's interrupt.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "emutime/devices/stellaris_gptm.h"

#define CFG_MASK 0x7u
#define MR_MASK 0xFu
#define CTL_MASK 0x6F7Fu /* TAEN..TAPWML, TBEN..TBEVENT, TBOTE, TBPWML */
#define IMR_MASK 0x070Fu
#define INT_A_MASK 0x000Fu
#define INT_B_MASK 0x0700u
#define RTC_TICK_NS 1000000000ll

typedef struct gptm {
    et_device dev;
    et_ptimer *pt[2]; /* A (the 32-bit timer in the 32-bit modes), B */
    et_timer *rtc_timer;
    et_irq_line irq[2];
    et_clock_input *clk;
    unsigned clk_cb;
    uint32_t cfg;
    uint32_t mode[2];
    uint32_t ctl;
    uint32_t imr;
    uint32_t ris;
    uint32_t ilr[2];   /* 16-bit halves; the 32-bit load is ilr[1]:ilr[0] */
    uint32_t match[2];
    uint32_t pr[2];
    uint32_t pmr[2];
    /* RTC: rtc_base counted up once per second from rtc_t0 while running. */
    uint32_t rtc_base;
    int64_t rtc_t0;
    bool rtc_running;
    bool capture_reported; /* logging only */
} gptm;

static et_lock_class gptm_lock_class = ET_LOCK_CLASS_INIT("stellaris-gptm");

static gptm *to_gptm(et_device *dev)
{
    return (gptm *)dev;
}

static bool split(const gptm *g)
{
    return g->cfg == ET_GPTM_CFG_16BIT;
}

static uint32_t enable_bit(unsigned n)
{
    return n ? ET_GPTM_CTL_TBEN : ET_GPTM_CTL_TAEN;
}

static uint32_t load_of(const gptm *g, unsigned n)
{
    return split(g) ? g->ilr[n] : (g->ilr[1] << 16 | g->ilr[0]);
}

static void update_irqs(gptm *g)
{
    uint32_t m = g->ris & g->imr;
    et_irq_set(&g->irq[0], (m & INT_A_MASK) != 0);
    et_irq_set(&g->irq[1], (m & INT_B_MASK) != 0);
}

/* Whether timer n counts as a one-shot/periodic timer in this
 * configuration (timer B only in the 16-bit one). */
static bool countable(gptm *g, unsigned n)
{
    if (g->cfg != ET_GPTM_CFG_32BIT && !split(g)) {
        return false;
    }
    if (n == 1 && !split(g)) {
        return false;
    }
    unsigned mr = g->mode[n] & 3;
    return mr == ET_GPTM_MR_ONESHOT || mr == ET_GPTM_MR_PERIODIC;
}

/* Timer n's ptimer period: the clock, times PR + 1 in 16-bit mode. */
static void set_period(gptm *g, unsigned n)
{
    et_ptimer_set_period_from_clock(g->pt[n], g->clk, split(g) ? (g->pr[n] & 0xFF) + 1 : 1);
}

/* --- the RTC ---------------------------------------------------------------- */

static uint32_t rtc_count(gptm *g, int64_t now)
{
    if (!g->rtc_running) {
        return g->rtc_base;
    }
    return g->rtc_base + (uint32_t)(uint64_t)((now - g->rtc_t0) / RTC_TICK_NS);
}

static void rtc_rebase(gptm *g, uint32_t value, int64_t now)
{
    g->rtc_base = value;
    g->rtc_t0 = now;
}

/* Arms the RTC for the second its count next becomes TAMATCHR. */
static void rtc_arm(gptm *g)
{
    if (!g->rtc_running) {
        et_timer_del(g->rtc_timer);
        return;
    }
    uint32_t match = g->match[1] << 16 | g->match[0];
    int64_t now = et_clock_now(g->dev.clock);
    uint32_t count = rtc_count(g, now);
    uint64_t d = (uint32_t)(match - count);
    if (d == 0) {
        d = UINT64_C(1) << 32; /* equal now: the next time round */
    }
    /* The second the count became `count` began at rtc_t0 + k s. */
    int64_t k = (now - g->rtc_t0) / RTC_TICK_NS;
    et_timer_mod(g->rtc_timer, g->rtc_t0 + (k + (int64_t)d) * RTC_TICK_NS);
}

static void rtc_expired(void *opaque)
{
    gptm *g = opaque;
    g->ris |= ET_GPTM_INT_RTC;
    et_device_trace(&g->dev, "expire", "rtc match %u", g->match[1] << 16 | g->match[0]);
    rtc_arm(g);
    update_irqs(g);
}

/* --- one-shot and periodic ---------------------------------------------------- */

static void timeout(gptm *g, unsigned n)
{
    g->ris |= n ? ET_GPTM_INT_TBTO : ET_GPTM_INT_TATO;
    if ((g->mode[n] & 3) == ET_GPTM_MR_ONESHOT) {
        g->ctl &= ~enable_bit(n); /* the ptimer, a one-shot, has stopped */
    }
    et_device_trace(&g->dev, "expire", "timer %c time-out", n ? 'B' : 'A');
    update_irqs(g);
}

static void timer_a_expired(void *opaque)
{
    timeout(opaque, 0);
}

static void timer_b_expired(void *opaque)
{
    timeout(opaque, 1);
}

/* TnEN went 0 -> 1: load the counter and run (inside no transaction). */
static void start(gptm *g, unsigned n)
{
    if (n == 1 && !split(g)) {
        return; /* the 32-bit modes use timer A's controls only */
    }
    if (g->cfg == ET_GPTM_CFG_RTC) {
        if (!g->rtc_running) {
            int64_t now = et_clock_now(g->dev.clock);
            rtc_rebase(g, g->rtc_base, now);
            g->rtc_running = true;
            rtc_arm(g);
        }
        return;
    }
    if (!countable(g, n)) {
        if (!g->capture_reported) {
            g->capture_reported = true;
            et_device_guest_error(&g->dev, "timer %c enabled in a mode that is not modelled "
                                           "(capture, PWM or reserved): it does not count",
                                  n ? 'B' : 'A');
        }
        return;
    }
    uint32_t load = load_of(g, n);
    et_ptimer_transaction_begin(g->pt[n]);
    et_ptimer_stop(g->pt[n]);
    set_period(g, n);
    et_ptimer_set_limit(g->pt[n], load, 1);
    if (load != 0) {
        et_ptimer_run(g->pt[n], (g->mode[n] & 3) == ET_GPTM_MR_ONESHOT);
    }
    et_ptimer_transaction_commit(g->pt[n]);
}

static void stop(gptm *g, unsigned n)
{
    if (n == 0 && g->rtc_running) {
        int64_t now = et_clock_now(g->dev.clock);
        rtc_rebase(g, rtc_count(g, now), now);
        g->rtc_running = false;
        et_timer_del(g->rtc_timer);
    }
    et_ptimer_transaction_begin(g->pt[n]);
    et_ptimer_stop(g->pt[n]);
    et_ptimer_transaction_commit(g->pt[n]);
}

/* A load write: the counter takes the value now (a running timer goes on
 * from it). */
static void load_counter(gptm *g, unsigned n)
{
    if (g->cfg == ET_GPTM_CFG_RTC) {
        int64_t now = et_clock_now(g->dev.clock);
        rtc_rebase(g, load_of(g, 0), now);
        rtc_arm(g);
        return;
    }
    uint32_t load = load_of(g, n);
    bool running = (g->ctl & enable_bit(n)) && countable(g, n);
    et_ptimer_transaction_begin(g->pt[n]);
    if (load == 0) {
        et_ptimer_stop(g->pt[n]); /* nothing to count */
    }
    et_ptimer_set_limit(g->pt[n], load, 1);
    if (running && load != 0) {
        et_ptimer_run(g->pt[n], (g->mode[n] & 3) == ET_GPTM_MR_ONESHOT);
    }
    et_ptimer_transaction_commit(g->pt[n]);
}

/* --- registers ---------------------------------------------------------------- */

static uint32_t counter(gptm *g, unsigned n)
{
    if (g->cfg == ET_GPTM_CFG_RTC) {
        uint32_t c = rtc_count(g, et_clock_now(g->dev.clock));
        return n ? c >> 16 : c;
    }
    if (split(g)) {
        return (uint32_t)et_ptimer_get_count(g->pt[n]) & 0xFFFF;
    }
    uint32_t c = (uint32_t)et_ptimer_get_count(g->pt[0]);
    return n ? c >> 16 : c;
}

static uint32_t read_reg(gptm *g, uint32_t reg)
{
    switch (reg) {
    case ET_GPTM_CFG: return g->cfg;
    case ET_GPTM_TAMR: return g->mode[0];
    case ET_GPTM_TBMR: return g->mode[1];
    case ET_GPTM_CTL: return g->ctl;
    case ET_GPTM_IMR: return g->imr;
    case ET_GPTM_RIS: return g->ris;
    case ET_GPTM_MIS: return g->ris & g->imr;
    case ET_GPTM_ICR: return 0;
    case ET_GPTM_TAILR: return split(g) ? g->ilr[0] : load_of(g, 0);
    case ET_GPTM_TBILR: return g->ilr[1];
    case ET_GPTM_TAMATCHR: return split(g) ? g->match[0] : (g->match[1] << 16 | g->match[0]);
    case ET_GPTM_TBMATCHR: return g->match[1];
    case ET_GPTM_TAPR: return g->pr[0];
    case ET_GPTM_TBPR: return g->pr[1];
    case ET_GPTM_TAPMR: return g->pmr[0];
    case ET_GPTM_TBPMR: return g->pmr[1];
    case ET_GPTM_TAR: return counter(g, 0);
    case ET_GPTM_TBR: return counter(g, 1);
    default:
        et_device_guest_error(&g->dev, "read of unknown register 0x%03x (reads as 0)", reg);
        return 0;
    }
}

static void write_cfg(gptm *g, uint32_t v)
{
    if (v & ~CFG_MASK) {
        et_device_guest_error(&g->dev, "GPTMCFG: reserved bits 0x%x ignored", v & ~CFG_MASK);
    }
    v &= CFG_MASK;
    if (v != ET_GPTM_CFG_32BIT && v != ET_GPTM_CFG_RTC && v != ET_GPTM_CFG_16BIT) {
        et_device_guest_error(&g->dev, "GPTMCFG: reserved configuration %u (nothing counts)", v);
    }
    if (v == ET_GPTM_CFG_RTC && g->cfg != ET_GPTM_CFG_RTC) {
        rtc_rebase(g, 1, et_clock_now(g->dev.clock)); /* selected: loaded with 1 */
    }
    g->cfg = v; /* the datasheet asks for the timers to be disabled first */
}

static void write_ctl(gptm *g, uint32_t v)
{
    if (v & ~CTL_MASK) {
        et_device_guest_error(&g->dev, "GPTMCTL: reserved bits 0x%x ignored", v & ~CTL_MASK);
    }
    uint32_t old = g->ctl;
    g->ctl = v & CTL_MASK;
    for (unsigned n = 0; n < 2; n++) {
        uint32_t bit = enable_bit(n);
        if ((old ^ g->ctl) & bit) {
            if (g->ctl & bit) {
                start(g, n);
            } else {
                stop(g, n);
            }
        }
    }
}

static void write_reg(gptm *g, uint32_t reg, uint32_t v)
{
    switch (reg) {
    case ET_GPTM_CFG:
        write_cfg(g, v);
        break;
    case ET_GPTM_TAMR:
    case ET_GPTM_TBMR:
        g->mode[reg == ET_GPTM_TBMR] = v & MR_MASK;
        break;
    case ET_GPTM_CTL:
        write_ctl(g, v);
        break;
    case ET_GPTM_IMR:
        if (v & ~IMR_MASK) {
            et_device_guest_error(&g->dev, "GPTMIMR: reserved bits 0x%x ignored", v & ~IMR_MASK);
        }
        g->imr = v & IMR_MASK;
        break;
    case ET_GPTM_ICR:
        g->ris &= ~v;
        break;
    case ET_GPTM_TAILR:
        g->ilr[0] = v & 0xFFFF;
        if (!split(g)) {
            g->ilr[1] = v >> 16; /* the 32-bit modes write both halves */
        }
        load_counter(g, 0);
        break;
    case ET_GPTM_TBILR:
        if (!split(g)) {
            et_device_guest_error(&g->dev, "GPTMTBILR written in a 32-bit mode: ignored "
                                           "(TAILR holds both halves)");
            break;
        }
        g->ilr[1] = v & 0xFFFF;
        load_counter(g, 1);
        break;
    case ET_GPTM_TAMATCHR:
        g->match[0] = v & 0xFFFF;
        if (!split(g)) {
            g->match[1] = v >> 16;
        }
        if (g->cfg == ET_GPTM_CFG_RTC) {
            rtc_arm(g);
        }
        break;
    case ET_GPTM_TBMATCHR:
        g->match[1] = v & 0xFFFF;
        break;
    case ET_GPTM_TAPR:
    case ET_GPTM_TBPR:
        g->pr[reg == ET_GPTM_TBPR] = v & 0xFF; /* applies at the next start */
        break;
    case ET_GPTM_TAPMR:
    case ET_GPTM_TBPMR:
        g->pmr[reg == ET_GPTM_TBPMR] = v & 0xFF;
        break;
    case ET_GPTM_RIS:
    case ET_GPTM_MIS:
    case ET_GPTM_TAR:
    case ET_GPTM_TBR:
        et_device_guest_error(&g->dev, "write to read-only register 0x%03x ignored", reg);
        return;
    default:
        et_device_guest_error(&g->dev, "write to unknown register 0x%03x ignored", reg);
        return;
    }
    update_irqs(g);
}

static uint64_t gptm_read(et_device *dev, uint64_t offset, unsigned size)
{
    uint64_t v = read_reg(to_gptm(dev), (uint32_t)offset & ~3u) >> (8 * (unsigned)(offset & 3));
    return size >= 4 ? v : v & ((UINT64_C(1) << (8 * size)) - 1);
}

static void gptm_write(et_device *dev, uint64_t offset, uint64_t value, unsigned size)
{
    (void)size;
    write_reg(to_gptm(dev), (uint32_t)offset & ~3u,
              (uint32_t)(value << (8 * (unsigned)(offset & 3))));
}

/* Reset values from the datasheet: every load, match and counter register
 * 0xFFFF (so 0xFFFFFFFF in the 32-bit view), everything else 0. */
static void gptm_reset(et_device *dev)
{
    gptm *g = to_gptm(dev);
    g->cfg = 0;
    g->mode[0] = g->mode[1] = 0;
    g->ctl = 0;
    g->imr = 0;
    g->ris = 0;
    for (unsigned n = 0; n < 2; n++) {
        g->ilr[n] = 0xFFFF;
        g->match[n] = 0xFFFF;
        g->pr[n] = 0;
        g->pmr[n] = 0;
    }
    g->rtc_base = 0;
    g->rtc_t0 = et_clock_now(dev->clock);
    g->rtc_running = false;
    et_timer_del(g->rtc_timer);
    for (unsigned n = 0; n < 2; n++) {
        et_ptimer_transaction_begin(g->pt[n]);
        et_ptimer_stop(g->pt[n]);
        set_period(g, n);
        et_ptimer_set_limit(g->pt[n], load_of(g, n), 1);
        et_ptimer_transaction_commit(g->pt[n]);
    }
    update_irqs(g);
}

/* The system clock changed: running counts keep what they reached and go
 * on at the new rate; a stopped clock stops them until it runs again. */
static void clk_changed(void *opaque, et_clock_input *clk)
{
    gptm *g = opaque;
    (void)clk;
    et_device_lock(&g->dev);
    et_device_catch_up(&g->dev);
    for (unsigned n = 0; n < 2; n++) {
        et_ptimer_transaction_begin(g->pt[n]);
        set_period(g, n);
        if ((g->ctl & enable_bit(n)) && countable(g, n) && et_ptimer_get_count(g->pt[n]) != 0) {
            et_ptimer_run(g->pt[n], (g->mode[n] & 3) == ET_GPTM_MR_ONESHOT);
        }
        et_ptimer_transaction_commit(g->pt[n]);
    }
    et_device_unlock(&g->dev);
}

static void gptm_destroy(et_device *dev)
{
    gptm *g = to_gptm(dev);
    et_clock_input_remove_notify(g->clk, g->clk_cb);
    et_ptimer_free(g->pt[0]);
    et_ptimer_free(g->pt[1]);
    et_timer_free(g->rtc_timer);
}

static const et_field gptm_fields[] = {
    ET_FIELD_U32(gptm, cfg, 1),
    ET_FIELD_ARRAY(gptm, mode, ET_FT_U32, 1),
    ET_FIELD_U32(gptm, ctl, 1),
    ET_FIELD_U32(gptm, imr, 1),
    ET_FIELD_U32(gptm, ris, 1),
    ET_FIELD_ARRAY(gptm, ilr, ET_FT_U32, 1),
    ET_FIELD_ARRAY(gptm, match, ET_FT_U32, 1),
    ET_FIELD_ARRAY(gptm, pr, ET_FT_U32, 1),
    ET_FIELD_ARRAY(gptm, pmr, ET_FT_U32, 1),
    ET_FIELD_ARRAY(gptm, pt, ET_FT_PTIMER, 1),
    ET_FIELD_U32(gptm, rtc_base, 1),
    ET_FIELD_I64(gptm, rtc_t0, 1),
    ET_FIELD_BOOL(gptm, rtc_running, 1),
    ET_FIELD_TIMER(gptm, rtc_timer, 1),
    ET_FIELD_ARRAY(gptm, irq, ET_FT_IRQ, 1),
    ET_FIELD_END
};

static const et_vmstate gptm_state = { "stellaris-gptm", 1, gptm_fields };

static const et_device_ops gptm_ops = {
    .type = "stellaris-gptm",
    .region_size = ET_GPTM_REGION,
    .access_sizes = ET_ACCESS_1 | ET_ACCESS_2 | ET_ACCESS_4,
    .unaligned_ok = false,
    .read = gptm_read,
    .write = gptm_write,
    .reset = gptm_reset,
    .destroy = gptm_destroy,
    .state = &gptm_state,
};

et_device *et_stellaris_gptm_new(et_clock *clock, const char *name,
                                 const et_stellaris_gptm_config *cfg, char *err,
                                 size_t errlen)
{
    const char *problem = NULL;
    if (!clock) {
        problem = "stellaris-gptm: a clock is required";
    } else if (!cfg) {
        problem = "stellaris-gptm: a configuration is required";
    } else if (!cfg->clk) {
        problem = "stellaris-gptm: the system clock (cfg->clk) must be connected";
    }
    if (problem) {
        et__error(err, errlen, ET_EINVAL, "%s", problem);
        return NULL;
    }
    gptm *g = et__xcalloc(1, sizeof(*g));
    et_device_init(&g->dev, &gptm_ops, clock, name, &gptm_lock_class);
    unsigned policy = ET_PTIMER_POLICY_WRAP_AFTER_ONE_PERIOD |
                      ET_PTIMER_POLICY_TRIGGER_ONLY_ON_DECREMENT |
                      ET_PTIMER_POLICY_NO_IMMEDIATE_RELOAD |
                      ET_PTIMER_POLICY_NO_COUNTER_ROUND_DOWN;
    g->pt[0] = et_device_ptimer_new(&g->dev, timer_a_expired, g, policy);
    g->pt[1] = et_device_ptimer_new(&g->dev, timer_b_expired, g, policy);
    g->rtc_timer = et_device_timer_new(&g->dev, rtc_expired, g);
    et_irq_init(&g->irq[0], &g->dev, "timera");
    et_irq_init(&g->irq[1], &g->dev, "timerb");
    et_device_add_irq(&g->dev, &g->irq[0]);
    et_device_add_irq(&g->dev, &g->irq[1]);
    g->clk = cfg->clk;
    et_device_reset(&g->dev);
    g->clk_cb = et_clock_input_add_notify(g->clk, clk_changed, g);
    return &g->dev;
}
