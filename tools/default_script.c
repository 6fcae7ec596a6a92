/* The built-in example `emutime run` runs without a script: a copy of
 * examples/mps2-an385.qtest (tests/cli/default_script.sh checks that they
 * are identical; update both together). */
#include "tool.h"

const char tool_default_script_name[] = "examples/mps2-an385.qtest";

const char tool_default_script[] =
    "# mps2-an385: CMSDK APB timer 0 (25 MHz, 40 ns per tick) on NVIC input 8.\n"
    "irq_intercept_in /machine/armv7m\n"
    "writel 0x40000008 999\n"
    "writel 0x40000000 9\n"
    "clock_step 20000\n"
    "readl 0x40000004\n"
    "clock_step 19960\n"
    "readl 0x4000000c\n"
    "readl 0xe000e200\n"
    "writel 0x4000000c 1\n";
