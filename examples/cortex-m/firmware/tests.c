/* The test program: every timer of mps2-an385 programmed, its interrupts
 * taken, its counter checked against the instructions executed, the
 * exception model exercised (priorities, nesting, BASEPRI, PRIMASK,
 * tail-chaining into PendSV), and the watchdog kicked, then starved until
 * the board resets.
 *
 * Counter checks hold in the instruction-count mode only: there the host
 * advances virtual time by HOSTIF_INSN_NS per instruction, so a counter
 * clocked at SYSCLK moves by exactly the instructions executed between two
 * reads (spin() runs a known number). In the real-time mode the firmware
 * checks only what real time cannot change (which interrupts arrive, in
 * which order), and the host checks the rates against its own clock. */
#include <stdint.h>

#include "board.h"
#include "fw.h"

/* Counts kept by the handlers. */
static volatile uint32_t n_timer0, n_timer1, n_dual1, n_dual2, n_systick, n_pendsv;
static volatile uint32_t in_timer0;       /* timer0's handler is running */
static volatile uint32_t n_nested;        /* timer1 taken while timer0's handler ran */
static volatile uint32_t hold_timer0;     /* timer0's handler waits for timer1 */
static volatile uint32_t systick_pendsv;  /* systick's handler pends PendSV */
static volatile uint32_t pendsv_after_systick; /* PendSV ran after SysTick's handler ended */
static volatile uint32_t in_systick;
static volatile uint32_t kick_watchdog;
static volatile uint32_t lazy_handler;    /* the next timer handler leaves its source set */
static volatile uint32_t n_lazy;   /* SysTick kicks the watchdog (real-time mode) */

/* Survive the watchdog's reset (.noinit is not cleared by startup). */
#define MARKER_STARVING 0x57a4e1d0u
__attribute__((section(".noinit"))) static volatile uint32_t wd_marker;
__attribute__((section(".noinit"))) static volatile uint32_t wd_nmis;

static uint32_t mode;

void fw_puts(const char *s)
{
    while (*s) {
        HOSTIF_PUTC = (uint8_t)*s++;
    }
}

void fw_puthex(uint32_t v)
{
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++) {
        buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xf];
    }
    buf[10] = 0;
    fw_puts(buf);
}

void fw_fail(const char *what, uint32_t value)
{
    fw_puts("FAIL: ");
    fw_puts(what);
    fw_puts(" ");
    fw_puthex(value);
    fw_puts("\n");
    HOSTIF_EXIT = 1;
    for (;;) {
    }
}

static void check(int ok, const char *what, uint32_t value)
{
    if (!ok) {
        fw_fail(what, value);
    }
}

/* Exactly 2 * n instructions (n >= 1): SUBS and BNE per iteration. */
static inline void spin(uint32_t n)
{
    __asm volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n)::"cc");
}

/* A down-counter clocked at SYSCLK moves by one per instruction in the
 * instruction-count mode (40 ns per instruction at 25 MHz), so across
 * spin(n) it moves by 2n plus the few instructions around the two reads.
 * 16 bounds those (the compiler's address set-up and the second load). */
#define SLACK 16u
static void check_elapsed(uint32_t delta, uint32_t n, const char *what)
{
    check(delta >= 2 * n && delta <= 2 * n + SLACK, what, delta);
}

/* Interrupts counted across a wait of `ticks` SYSCLK ticks of a timer whose
 * period is `period` ticks: the phase of the first one gives +-1, and the
 * handlers' own instructions (also time) stay well under a period. */
static void check_count(uint32_t count, uint32_t ticks, uint32_t period, const char *what)
{
    uint32_t expect = ticks / period;
    check(count + 1 >= expect && count <= expect + 1, what, count);
}

/* --- handlers ------------------------------------------------------------- */

void timer0_handler(void)
{
    n_timer0++;
    if (lazy_handler) {
        lazy_handler = 0;
        n_lazy++;
        return;
    }
    TIMER_INTCLR(TIMER0_BASE) = 1;
    if (hold_timer0) {
        /* Stay here until timer1, of higher priority, preempts this handler. */
        in_timer0 = 1;
        uint32_t before = n_timer1;
        for (uint32_t i = 0; i < 100000 && n_timer1 == before; i++) {
        }
        in_timer0 = 0;
        hold_timer0 = 0;
    }
}

void timer1_handler(void)
{
    n_timer1++;
    if (lazy_handler) {
        lazy_handler = 0;
        n_lazy++;
        return;
    }
    TIMER_INTCLR(TIMER1_BASE) = 1;
    if (in_timer0) {
        n_nested++;
    }
}

/* TIMINTC is the OR of both halves: look at each half's masked status. */
void dualtimer_handler(void)
{
    if (DUAL_MIS(1)) {
        DUAL_INTCLR(1) = 1;
        n_dual1++;
    }
    if (DUAL_MIS(2)) {
        DUAL_INTCLR(2) = 1;
        n_dual2++;
    }
}

void systick_handler(void)
{
    in_systick = 1;
    n_systick++;
    if (kick_watchdog) {
        WDOG_INTCLR = 1; /* a kick: clears the interrupt and reloads */
    }
    if (systick_pendsv) {
        systick_pendsv = 0;
        /* PendSV has the lowest priority: it must wait for this handler
         * to return, then be tail-chained. */
        SCB_ICSR = ICSR_PENDSVSET;
        spin(10);
        check(n_pendsv == 0, "PendSV preempted SysTick", n_pendsv);
    }
    in_systick = 0;
}

void pendsv_handler(void)
{
    n_pendsv++;
    if (!in_systick) {
        pendsv_after_systick = 1;
    }
}

/* The watchdog's interrupt: counted, deliberately not cleared while the
 * firmware starves the watchdog, so its second zero resets the board. */
void nmi_handler(void)
{
    wd_nmis++;
    if (wd_marker != MARKER_STARVING) {
        fw_fail("NMI while the watchdog was kicked", wd_nmis);
    }
}

/* --- tests ---------------------------------------------------------------- */

static void setup_priorities(void)
{
    NVIC_IPR(IRQ_TIMER0) = 0x80;
    NVIC_IPR(IRQ_TIMER1) = 0x40; /* preempts timer0 */
    NVIC_IPR(IRQ_DUALTIMER) = 0x80;
    SCB_SHPR(EXC_SYSTICK) = 0x60;
    SCB_SHPR(EXC_PENDSV) = 0xff; /* the lowest */
}

/* CMSDK timer: counter against instructions, then its interrupt rate. */
static void test_cmsdk_timer(uint32_t base, uint32_t irq, volatile uint32_t *count,
                             const char *name)
{
    fw_puts(name);
    fw_puts("\n");
    cpsid_i();
    TIMER_RELOAD(base) = 4999;
    TIMER_VALUE(base) = 4999;
    TIMER_CTRL(base) = TIMER_CTRL_EN | TIMER_CTRL_IRQEN;
    uint32_t a = TIMER_VALUE(base);
    spin(1000);
    uint32_t b = TIMER_VALUE(base);
    check_elapsed(a - b, 1000, "CMSDK timer counter against instructions");
    /* A zero passed: the interrupt is pending in the NVIC, not enabled. */
    spin(2000);
    check(*count == 0, "disabled interrupt taken", *count);
    check((NVIC_ISPR0 >> irq) & 1, "interrupt not pending in ISPR", NVIC_ISPR0);
    /* Enabled, but PRIMASK masks it. */
    NVIC_ISER0 = 1u << irq;
    spin(100);
    check(*count == 0, "interrupt taken under PRIMASK", *count);
    cpsie_i();
    /* Taken at once: before the next instruction completes. */
    uint32_t after = *count;
    check(after == 1, "pending interrupt not taken when PRIMASK cleared", after);
    /* 50000 ticks at a period of 5000 ticks. */
    TIMER_VALUE(base) = 4999;
    *count = 0;
    spin(25000);
    check_count(*count, 50000, 5000, "CMSDK timer interrupt count");
    /* A handler that returns without clearing its source is taken again
     * at once: the level still high pends it again at exception return. */
    *count = 0;
    lazy_handler = 1;
    n_lazy = 0;
    spin(2500); /* 5000 ticks: one zero */
    check(*count >= 2 && n_lazy == 1, "uncleared interrupt not taken again", *count);
    TIMER_CTRL(base) = 0;
    NVIC_ICER0 = 1u << irq;
    TIMER_INTCLR(base) = 1;
}

/* timer1 (priority 0x40) preempts timer0's handler (0x80); BASEPRI 0x80
 * masks timer0 but not timer1. */
static void test_nesting_and_basepri(void)
{
    fw_puts("nesting\n");
    n_timer0 = n_timer1 = n_nested = 0;
    TIMER_RELOAD(TIMER0_BASE) = 4999;
    TIMER_VALUE(TIMER0_BASE) = 999;
    TIMER_RELOAD(TIMER1_BASE) = 2999;
    TIMER_VALUE(TIMER1_BASE) = 2999;
    hold_timer0 = 1;
    NVIC_ISER0 = (1u << IRQ_TIMER0) | (1u << IRQ_TIMER1);
    TIMER_CTRL(TIMER0_BASE) = TIMER_CTRL_EN | TIMER_CTRL_IRQEN;
    TIMER_CTRL(TIMER1_BASE) = TIMER_CTRL_EN | TIMER_CTRL_IRQEN;
    spin(5000);
    check(n_nested >= 1, "timer1 did not preempt timer0's handler", n_nested);

    fw_puts("basepri\n");
    set_basepri(0x80);
    uint32_t t0 = n_timer0, t1 = n_timer1;
    spin(25000); /* 50000 ticks: 10 timer0 periods, 16 of timer1 */
    check(n_timer0 == t0, "BASEPRI 0x80 did not mask priority 0x80", n_timer0 - t0);
    check_count(n_timer1 - t1, 50000, 3000, "timer1 under BASEPRI");
    check((NVIC_ISPR0 >> IRQ_TIMER0) & 1, "timer0 not pending under BASEPRI", NVIC_ISPR0);
    set_basepri(0);
    check(n_timer0 == t0 + 1, "timer0 not taken when BASEPRI cleared", n_timer0 - t0);
    TIMER_CTRL(TIMER0_BASE) = 0;
    TIMER_CTRL(TIMER1_BASE) = 0;
    TIMER_INTCLR(TIMER0_BASE) = 1;
    TIMER_INTCLR(TIMER1_BASE) = 1;
    NVIC_ICER0 = (1u << IRQ_TIMER0) | (1u << IRQ_TIMER1);
    NVIC_ICPR0 = (1u << IRQ_TIMER0) | (1u << IRQ_TIMER1);
}

/* Dual timer: half 1 periodic, half 2 one-shot, then half 2 free-running. */
static void test_dualtimer(void)
{
    fw_puts("dualtimer\n");
    cpsid_i();
    DUAL_LOAD(1) = 2999;
    DUAL_CONTROL(1) = DUAL_ENABLE | DUAL_PERIODIC | DUAL_SIZE32 | DUAL_INTEN;
    uint32_t a = DUAL_VALUE(1);
    spin(1000);
    uint32_t b = DUAL_VALUE(1);
    check_elapsed(a - b, 1000, "dual timer 1 counter against instructions");
    DUAL_INTCLR(1) = 1;
    NVIC_ICPR0 = 1u << IRQ_DUALTIMER;
    DUAL_LOAD(1) = 2999; /* restart the period */
    DUAL_LOAD(2) = 6999;
    DUAL_CONTROL(2) = DUAL_ENABLE | DUAL_ONESHOT | DUAL_SIZE32 | DUAL_INTEN;
    n_dual1 = n_dual2 = 0;
    NVIC_ISER0 = 1u << IRQ_DUALTIMER;
    cpsie_i();
    spin(30000); /* 60000 ticks: 20 periods of half 1, one shot of half 2 */
    check_count(n_dual1, 60000, 3000, "dual timer periodic count");
    check(n_dual2 == 1, "dual timer one-shot count", n_dual2);
    check(DUAL_VALUE(2) == 0, "one-shot counter not stopped at 0", DUAL_VALUE(2));
    DUAL_CONTROL(1) = 0;

    /* Free-running (neither PERIODIC nor ONESHOT): after reaching 0 the
     * counter goes on from 0xffffffff instead of reloading LOAD. */
    cpsid_i();
    DUAL_CONTROL(2) = DUAL_ENABLE | DUAL_SIZE32;
    DUAL_LOAD(2) = 999;
    spin(1000); /* 2000 ticks: 1000 to reach 0, then about 1000 below 0xffffffff */
    uint32_t v = DUAL_VALUE(2);
    check(v >= 0xffffffffu - 1000 - SLACK && v <= 0xffffffffu - 1000 + 4,
          "free-running dual timer did not wrap to 0xffffffff", v);
    DUAL_CONTROL(2) = 0;
    DUAL_INTCLR(1) = 1;
    DUAL_INTCLR(2) = 1;
    NVIC_ICER0 = 1u << IRQ_DUALTIMER;
    NVIC_ICPR0 = 1u << IRQ_DUALTIMER;
    cpsie_i();
}

/* SysTick on the processor clock and on the 1 MHz reference clock; its
 * handler pends PendSV, which must be tail-chained after it. */
static void test_systick(void)
{
    fw_puts("systick\n");
    SYST_RVR = 0xffffff;
    SYST_CVR = 0; /* any write clears it: the next tick loads RVR */
    SYST_CSR = SYST_ENABLE | SYST_CLKSOURCE;
    spin(10);
    uint32_t a = SYST_CVR;
    spin(1000);
    uint32_t b = SYST_CVR;
    check_elapsed(a - b, 1000, "SysTick (processor clock) against instructions");

    /* 1 MHz: 25 instructions of 40 ns per tick; spin(12500) is 1000 us. */
    SYST_CSR = SYST_ENABLE;
    a = SYST_CVR;
    spin(12500);
    b = SYST_CVR;
    check(a - b >= 1000 && a - b <= 1001, "SysTick (1 MHz reference) against instructions",
          a - b);

    SYST_RVR = 9999;
    SYST_CVR = 0;
    n_systick = n_pendsv = 0;
    systick_pendsv = 1;
    SYST_CSR = SYST_ENABLE | SYST_TICKINT | SYST_CLKSOURCE;
    spin(50000); /* 100000 ticks, 10 periods */
    check_count(n_systick, 100000, 10000, "SysTick interrupt count");
    check(n_pendsv == 1, "PendSV count", n_pendsv);
    check(pendsv_after_systick, "PendSV ran inside SysTick's handler", 0);
    SYST_CSR = 0;
}

/* Starved: the NMI at the first timeout, the reset at the second; the
 * firmware comes back through reset_handler and finds its marker (checked
 * in fw_main). The wait is measured in SysTick periods of the watchdog's
 * timeout, on the same clock: in real time a loaded host stretches both
 * alike. */
static void test_watchdog_starve(uint32_t load)
{
    fw_puts("watchdog: starving\n");
    wd_nmis = 0;
    wd_marker = MARKER_STARVING;
    n_systick = 0;
    SYST_RVR = load - 1;
    SYST_CVR = 0;
    SYST_CSR = SYST_ENABLE | SYST_TICKINT | SYST_CLKSOURCE;
    WDOG_LOCK = WDOG_UNLOCK;
    WDOG_LOAD = load;
    WDOG_CONTROL = WDOG_INTEN | WDOG_RESEN;
    /* Two timeouts reset the board; ten is a failure. */
    while (n_systick < 10) {
    }
    fw_fail("the starved watchdog did not reset the board", wd_nmis);
}

static void test_watchdog_kicked(void)
{
    fw_puts("watchdog: kicked\n");
    WDOG_LOCK = WDOG_UNLOCK;
    WDOG_LOAD = 20000;
    WDOG_CONTROL = WDOG_INTEN | WDOG_RESEN;
    for (int i = 0; i < 10; i++) {
        spin(5000); /* 10000 ticks of a 20000-tick timeout */
        WDOG_INTCLR = 1;
    }
    check(WDOG_RIS == 0, "kicked watchdog timed out", WDOG_RIS);
    WDOG_CONTROL = 0;
}

/* Real time: SysTick at 1 kHz from the reference clock, timer0 at 500 Hz,
 * the watchdog (1 s) kicked by SysTick; 300 ticks. The host checks the
 * rates against its own clock (the interrupt trace). */
static void test_realtime(void)
{
    fw_puts("real time: 300 SysTick periods\n");
    WDOG_LOCK = WDOG_UNLOCK;
    WDOG_LOAD = SYSCLK_HZ; /* 1 s: a stalled host must not reach it */
    kick_watchdog = 1;
    WDOG_CONTROL = WDOG_INTEN | WDOG_RESEN;
    TIMER_RELOAD(TIMER0_BASE) = SYSCLK_HZ / 500 - 1;
    TIMER_VALUE(TIMER0_BASE) = SYSCLK_HZ / 500 - 1;
    NVIC_ISER0 = 1u << IRQ_TIMER0;
    TIMER_CTRL(TIMER0_BASE) = TIMER_CTRL_EN | TIMER_CTRL_IRQEN;
    n_timer0 = n_systick = 0;
    SYST_RVR = 999;
    SYST_CVR = 0;
    SYST_CSR = SYST_ENABLE | SYST_TICKINT;
    HOSTIF_MARK = 1; /* the phase the host measures the rates in */
    while (n_systick < 300) {
    }
    HOSTIF_MARK = 0;
    SYST_CSR = 0;
    TIMER_CTRL(TIMER0_BASE) = 0;
    NVIC_ICER0 = 1u << IRQ_TIMER0;
    kick_watchdog = 0;
    WDOG_CONTROL = 0;
    /* How many arrive depends on how much CPU the host gives the vCPU;
     * the host checks the rates within the marked phase. */
    check(n_timer0 > 0, "no timer0 interrupt in real time", n_timer0);
}

/* The host's --bench: the same loop without and with every timer
 * interrupting (SysTick at 10 kHz, timers 0 and 1 at 5 kHz, the dual
 * timer at 2 kHz of virtual or real time); the host times the phases. */
static void bench(void)
{
    /* spin(n): 2n instructions, about a second of host time in each mode. */
    const uint32_t n = mode == HOSTIF_MODE_ICOUNT ? 20000000 : 100000000;
    HOSTIF_MARK = 2 * n;
    spin(n);
    HOSTIF_MARK = 0;

    TIMER_RELOAD(TIMER0_BASE) = SYSCLK_HZ / 5000 - 1;
    TIMER_RELOAD(TIMER1_BASE) = SYSCLK_HZ / 5000 - 1;
    DUAL_LOAD(1) = SYSCLK_HZ / 2000 - 1;
    NVIC_ISER0 = (1u << IRQ_TIMER0) | (1u << IRQ_TIMER1) | (1u << IRQ_DUALTIMER);
    TIMER_CTRL(TIMER0_BASE) = TIMER_CTRL_EN | TIMER_CTRL_IRQEN;
    TIMER_CTRL(TIMER1_BASE) = TIMER_CTRL_EN | TIMER_CTRL_IRQEN;
    DUAL_CONTROL(1) = DUAL_ENABLE | DUAL_PERIODIC | DUAL_SIZE32 | DUAL_INTEN;
    SYST_RVR = SYSCLK_HZ / 10000 - 1;
    SYST_CVR = 0;
    SYST_CSR = SYST_ENABLE | SYST_TICKINT | SYST_CLKSOURCE;
    HOSTIF_MARK = 2 * n;
    spin(n);
    HOSTIF_MARK = 0;
    SYST_CSR = 0;
    TIMER_CTRL(TIMER0_BASE) = 0;
    TIMER_CTRL(TIMER1_BASE) = 0;
    DUAL_CONTROL(1) = 0;
    HOSTIF_EXIT = 0;
}

void fw_main(void)
{
    mode = HOSTIF_MODE;
    if (HOSTIF_PROGRAM == HOSTIF_PROGRAM_BENCH) {
        setup_priorities();
        bench();
    }
    if (wd_marker == MARKER_STARVING) {
        wd_marker = 0;
        fw_puts("watchdog: reset by the watchdog after ");
        fw_puthex(wd_nmis);
        fw_puts(" NMI\n");
        /* One NMI, at the first timeout. In real time a host that stalls
         * the vCPU across both timeouts (250 ms each) resets it before it
         * took the NMI: at most one there. */
        check(wd_nmis == 1 || (mode == HOSTIF_MODE_REALTIME && wd_nmis == 0),
              "NMIs before the watchdog reset", wd_nmis);
        fw_puts("PASS\n");
        HOSTIF_EXIT = 0;
        for (;;) {
        }
    }
    fw_puts("mps2-an385 timer tests, ");
    fw_puts(mode == HOSTIF_MODE_ICOUNT ? "instruction-count mode\n" : "real-time mode\n");
    check(mode != HOSTIF_MODE_ICOUNT || HOSTIF_INSN_NS == 40, "ns per instruction",
          HOSTIF_INSN_NS);
    setup_priorities();
    if (mode == HOSTIF_MODE_ICOUNT) {
        test_cmsdk_timer(TIMER0_BASE, IRQ_TIMER0, &n_timer0, "timer0");
        test_cmsdk_timer(TIMER1_BASE, IRQ_TIMER1, &n_timer1, "timer1");
        test_nesting_and_basepri();
        test_dualtimer();
        test_systick();
        test_watchdog_kicked();
        test_watchdog_starve(20000);
    } else {
        test_realtime();
        test_watchdog_starve(SYSCLK_HZ / 4); /* 250 ms */
    }
}
