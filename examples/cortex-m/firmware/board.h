/* mps2-an385 as the firmware sees it: the register addresses of the timers
 * (ARM DDI 0479 CMSDK TRM, AN385 memory map), the Cortex-M3 System Control
 * Space (ARM DDI 0403E B3), and the example emulator's own host-interface
 * block (examples/cortex-m/host/hostif.h: not part of the real board). */
#ifndef FW_BOARD_H
#define FW_BOARD_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#define SYSCLK_HZ 25000000u

/* CMSDK APB timers 0 and 1 (NVIC 8 and 9). */
#define TIMER0_BASE 0x40000000u
#define TIMER1_BASE 0x40001000u
#define TIMER_CTRL(b)    REG32((b) + 0x00)
#define TIMER_VALUE(b)   REG32((b) + 0x04)
#define TIMER_RELOAD(b)  REG32((b) + 0x08)
#define TIMER_INTCLR(b)  REG32((b) + 0x0c) /* INTSTATUS on reads */
#define TIMER_CTRL_EN    (1u << 0)
#define TIMER_CTRL_IRQEN (1u << 3)
#define IRQ_TIMER0 8
#define IRQ_TIMER1 9

/* CMSDK APB dual timer (NVIC 10: the combined TIMINTC). Half n is 1 or 2. */
#define DUAL_BASE 0x40002000u
#define DUAL_REG(n, off) REG32(DUAL_BASE + ((n) - 1) * 0x20u + (off))
#define DUAL_LOAD(n)    DUAL_REG(n, 0x00)
#define DUAL_VALUE(n)   DUAL_REG(n, 0x04)
#define DUAL_CONTROL(n) DUAL_REG(n, 0x08)
#define DUAL_INTCLR(n)  DUAL_REG(n, 0x0c)
#define DUAL_RIS(n)     DUAL_REG(n, 0x10)
#define DUAL_MIS(n)     DUAL_REG(n, 0x14)
#define DUAL_BGLOAD(n)  DUAL_REG(n, 0x18)
#define DUAL_ONESHOT  (1u << 0)
#define DUAL_SIZE32   (1u << 1)
#define DUAL_INTEN    (1u << 5)
#define DUAL_PERIODIC (1u << 6)
#define DUAL_ENABLE   (1u << 7)
#define IRQ_DUALTIMER 10

/* CMSDK APB watchdog (WDOGINT is the NMI, WDOGRES resets the board). */
#define WDOG_BASE 0x40008000u
#define WDOG_LOAD    REG32(WDOG_BASE + 0x000)
#define WDOG_VALUE   REG32(WDOG_BASE + 0x004)
#define WDOG_CONTROL REG32(WDOG_BASE + 0x008)
#define WDOG_INTCLR  REG32(WDOG_BASE + 0x00c)
#define WDOG_RIS     REG32(WDOG_BASE + 0x010)
#define WDOG_LOCK    REG32(WDOG_BASE + 0xc00)
#define WDOG_INTEN   (1u << 0)
#define WDOG_RESEN   (1u << 1)
#define WDOG_UNLOCK  0x1ACCE551u

/* System Control Space. */
#define SYST_CSR  REG32(0xe000e010u)
#define SYST_RVR  REG32(0xe000e014u)
#define SYST_CVR  REG32(0xe000e018u)
#define SYST_CALIB REG32(0xe000e01cu)
#define SYST_ENABLE    (1u << 0)
#define SYST_TICKINT   (1u << 1)
#define SYST_CLKSOURCE (1u << 2) /* 1: the processor clock; 0: the 1 MHz reference */
#define SYST_COUNTFLAG (1u << 16)
#define NVIC_ISER0 REG32(0xe000e100u)
#define NVIC_ICER0 REG32(0xe000e180u)
#define NVIC_ISPR0 REG32(0xe000e200u)
#define NVIC_ICPR0 REG32(0xe000e280u)
#define NVIC_IPR(n) (*(volatile uint8_t *)(uintptr_t)(0xe000e400u + (n)))
#define SCB_ICSR  REG32(0xe000ed04u)
#define SCB_SHPR(exc) (*(volatile uint8_t *)(uintptr_t)(0xe000ed18u + (exc) - 4))
#define ICSR_PENDSVSET (1u << 28)
#define ICSR_VECTACTIVE_MASK 0x1ffu

#define EXC_NMI 2
#define EXC_PENDSV 14
#define EXC_SYSTICK 15

/* The example's host interface (not on the real board). */
#include "hostif.h"
#define HOSTIF_EXIT    REG32(HOSTIF_BASE + HOSTIF_REG_EXIT)
#define HOSTIF_MODE    REG32(HOSTIF_BASE + HOSTIF_REG_MODE)
#define HOSTIF_PUTC    REG32(HOSTIF_BASE + HOSTIF_REG_PUTC)
#define HOSTIF_INSN_NS REG32(HOSTIF_BASE + HOSTIF_REG_INSN_NS)
#define HOSTIF_PROGRAM REG32(HOSTIF_BASE + HOSTIF_REG_PROGRAM)
#define HOSTIF_MARK    REG32(HOSTIF_BASE + HOSTIF_REG_MARK)

static inline void cpsid_i(void) { __asm volatile("cpsid i" ::: "memory"); }
static inline void cpsie_i(void) { __asm volatile("cpsie i" ::: "memory"); }
static inline void set_basepri(uint32_t v) { __asm volatile("msr basepri, %0" ::"r"(v) : "memory"); }

#endif
