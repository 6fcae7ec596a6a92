/* The example emulator's host interface: a register block at 0x4000f000,
 * a hole in mps2-an385's APB map, through which the test firmware learns
 * the time mode and reports. Not part of the real board; shared by the
 * host and the firmware. */
#ifndef CORTEXM_HOSTIF_H
#define CORTEXM_HOSTIF_H

#define HOSTIF_BASE 0x4000f000u
#define HOSTIF_SIZE 0x1000u
#define HOSTIF_REG_EXIT 0x0    /* write: 0 PASS, anything else a FAIL code */
#define HOSTIF_REG_MODE 0x4    /* read: HOSTIF_MODE_* */
#define HOSTIF_REG_PUTC 0x8    /* write: one character of the console */
#define HOSTIF_REG_INSN_NS 0xc /* read: ns of virtual time per instruction (icount) */
#define HOSTIF_REG_PROGRAM 0x10 /* read: HOSTIF_PROGRAM_* */
#define HOSTIF_REG_MARK 0x14   /* write: a measured phase of N instructions starts
                                * (N), or ends (0) */

#define HOSTIF_PROGRAM_TESTS 0 /* run the tests */
#define HOSTIF_PROGRAM_BENCH 1 /* run the measured phases (host --bench) */

#define HOSTIF_MODE_ICOUNT 0   /* virtual time follows the instruction count */
#define HOSTIF_MODE_REALTIME 1 /* virtual time follows the host clock */

#endif
