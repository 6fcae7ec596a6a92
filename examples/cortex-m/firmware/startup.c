/* Reset and the vector table of the test firmware (ARMv7-M B1.5.3): the
 * initial stack pointer, then the handlers by exception number. The
 * handlers the tests use are defined in tests.c; every other exception is
 * a failure. */
#include <stdint.h>

#include "board.h"
#include "fw.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _stack_top;

void reset_handler(void);
static void unexpected_handler(void);

void reset_handler(void)
{
    /* .data from its load image, .bss to zero; .noinit is left alone. */
    uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &_sbss; dst < &_ebss;) {
        *dst++ = 0;
    }
    fw_main();
    for (;;) {
    }
}

static void unexpected_handler(void)
{
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    fw_fail("unexpected exception", ipsr & 0x1ffu);
}

#define N_IRQ 32
typedef void (*vector_fn)(void);

__attribute__((section(".vectors"), used)) static const vector_fn vectors[16 + N_IRQ] = {
    [0] = (vector_fn)(uintptr_t)&_stack_top,
    [1] = reset_handler,
    [2] = nmi_handler,
    [3 ... 13] = unexpected_handler, /* faults, SVCall, DebugMonitor */
    [14] = pendsv_handler,
    [15] = systick_handler,
    [16 ... 16 + IRQ_TIMER0 - 1] = unexpected_handler,
    [16 + IRQ_TIMER0] = timer0_handler,
    [16 + IRQ_TIMER1] = timer1_handler,
    [16 + IRQ_DUALTIMER] = dualtimer_handler,
    [16 + IRQ_DUALTIMER + 1 ... 16 + N_IRQ - 1] = unexpected_handler,
};
