/* emutime: machines (boards) described as data.
 *
 * A board is a table: clocks, timer devices at QEMU's addresses, the
 * interrupt controllers they are wired to (with QEMU's input numbering), the
 * QOM paths qtest's irq_intercept_in/out accept, RAM ranges and options. A
 * machine is one instance of a board on a clock: et_machine_new builds it
 * from the table on its own manual clock, which the qtest server (qtest.h)
 * drives; et_machine_new_on_clock builds it on a real-time clock for an
 * emulator whose vCPUs run guest code.
 *
 * Address spaces: devices and RAM are mapped at their bases in memory, and
 * port-mapped devices (x86 boards) at their ports in the I/O space; every
 * other address reads as 0 and ignores writes, and every other I/O port
 * reads as all ones and ignores writes, as QEMU's unassigned regions do. Interrupt controllers are not
 * emulated beyond small read-only views where software observes a timer
 * interrupt through them (the NVIC's pending registers and ICSR, the PL190
 * VIC's raw status); docs/machines.md lists what each board models.
 */
#ifndef EMUTIME_MACHINE_H
#define EMUTIME_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emutime/clock.h"
#include "emutime/device.h"
#include "emutime/error.h"
#include "emutime/irq.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

/* The machine the tools use when none is given. */
#define ET_DEFAULT_MACHINE "mps2-an385"

/* --- board descriptions (data) -------------------------------------------- */

typedef struct et_board_clock {
    const char *name; /* "sysclk" */
    uint64_t hz;
} et_board_clock;

/* Interrupt-controller kinds (what the controller's inputs do). */
#define ET_IC_NVIC   "armv7m-nvic" /* pending registers and ICSR view */
#define ET_IC_VIC    "pl190"       /* raw/enabled status view */
#define ET_IC_GIC    "gic"         /* inputs only, no register view */
#define ET_IC_IOAPIC "ioapic"      /* inputs only */
#define ET_IC_HART   "riscv-hart"  /* a hart's mip inputs, no register view */
#define ET_IC_PLIC   "sifive-plic" /* inputs only, no register view */
#define ET_IC_ARMV8M_NVIC "armv8m-nvic" /* inputs only, no register view */

typedef struct et_board_controller {
    const char *name;      /* "nvic" */
    const char *kind;      /* ET_IC_* */
    unsigned n_inputs;     /* unnamed inputs 0..n-1 */
    uint64_t base;         /* where its register view is mapped (view kinds) */
    const char *numbering; /* what input N means, for humans */
} et_board_controller;

/* Destination of a device output line. */
#define ET_BOARD_RESET "system-reset" /* controller name: a rising level resets the machine */

typedef struct et_board_wire {
    unsigned output;        /* the device's output line index */
    const char *controller; /* a controller name, ET_BOARD_RESET, or NULL: unconnected */
    unsigned input;         /* the controller's input number */
    const char *input_name; /* a named input ("NMI") instead of an unnamed one */
    /* When this board device is present, the line goes to its input
     * via_input (et_device_set_input) instead of to the controller: QEMU's
     * HPET passes the PIT's and RTC's interrupts through to its own lines.
     * NULL: always the controller. */
    const char *via;
    unsigned via_input;
} et_board_wire;

/* A register sampled for waveforms (VCD): the counter a user watches. */
typedef struct et_board_counter {
    const char *name;  /* "value" */
    uint32_t offset;
    unsigned size;     /* bytes: 4 or 8 */
} et_board_counter;

/* Which address space a device's base is in. */
#define ET_SPACE_MEMORY 0u /* MMIO (the default) */
#define ET_SPACE_IO     1u /* x86 I/O ports: base is a port number */

/* One window of a device's register region mapped at an address: the
 * region's bytes [offset, offset + size) appear at [base, base + size).
 * A device whose registers sit at ports that are not contiguous (the PIT's
 * 0x40-0x43 and 0x61) is mapped as several windows. */
typedef struct et_board_window {
    uint64_t base;
    uint64_t offset;
    uint64_t size;
} et_board_window;

typedef struct et_board_device {
    const char *name;        /* "timer0": its trace, VCD and snapshot name */
    const char *type;        /* the device type ("cmsdk-apb-timer", "sp804", ...) */
    uint64_t base;           /* MMIO base address */
    const char *clock;       /* the board clock feeding it, or NULL */
    uint64_t clock_hz;       /* else the rate it counts at by itself, for humans */
    const void *config;      /* the device's own et_<hw>_config; its clock
                              * input is filled in at creation */
    const et_board_wire *wires;
    unsigned n_wires;
    const et_board_counter *counters;
    unsigned n_counters;
    const char *option;      /* created only when this board option is "on" */
    unsigned space;          /* ET_SPACE_MEMORY or ET_SPACE_IO */
    /* NULL: the whole region at base. Else where its parts are mapped
     * (base is then unused). */
    const et_board_window *windows;
    unsigned n_windows;
} et_board_device;

/* A QOM path that QEMU's irq_intercept_in/out and set_irq_in accept. */
typedef struct et_board_qom {
    const char *path;       /* absolute: "/machine/armv7m" */
    const char *controller; /* its unnamed inputs are this controller's */
    const char *device;     /* or: it is this device */
    unsigned outputs;       /* the device's unnamed outputs 0..n-1 (QEMU
                             * hooks no sysbus-irq output: 0 for those) */
    unsigned inputs;        /* with controller: it has only the first N of
                             * the controller's unnamed inputs (a container
                             * in front of it); 0: all of them */
} et_board_qom;

typedef struct et_board_ram {
    const char *name;
    uint64_t base, size;
    const char *alias_of; /* NULL, or the RAM (listed before) this mirrors */
} et_board_ram;

/* An input a device emutime does not model holds at a level from reset
 * (mps2-an385's LAN9118 holds NVIC 13 high). */
typedef struct et_board_held_line {
    const char *controller;
    unsigned input;
    int level;
    const char *what;
} et_board_held_line;

/* Checks a value of a string-valued board option: 0 if it is acceptable,
 * else ET_EINVAL (error.h) with the reason in err ("not a number of CPUs"). */
typedef int (*et_board_option_check_fn)(const char *value, char *err, size_t errlen);

typedef struct et_board_option {
    const char *name;   /* "pit" */
    const char *def;    /* "on" or "off"; a string option's default value */
    const char *help;
    /* NULL: an on/off switch. Else the option takes any value this accepts
     * ("rtc-base=2020-01-01", "smp=4"); its default must pass it too. */
    et_board_option_check_fn check;
} et_board_option;

typedef struct et_board {
    const char *name;          /* QEMU's machine name */
    const char *description;
    const char *qemu_binary;   /* which qemu-system-* runs it */
    const char *intercept;     /* the qtest command that observes its timers */
    const et_board_clock *clocks;
    unsigned n_clocks;
    const et_board_controller *controllers;
    unsigned n_controllers;
    const et_board_device *devices;
    unsigned n_devices;
    const et_board_qom *qom;
    unsigned n_qom;
    const et_board_ram *ram;
    unsigned n_ram;
    const et_board_held_line *held;
    unsigned n_held;
    const et_board_option *options;
    unsigned n_options;
    const char *notes;         /* what is not modelled, for `emutime machines` */
    /* A board whose layout depends on its option values (virt's smp and
     * sockets: a timer per socket, a controller per hart). The table above
     * is the layout for the default values and holds the templates;
     * et_machine_new calls this, after the options are parsed, with
     * values[i] the value of options[i], and builds the board it returns
     * (made with the library's board builder, freed with the machine). NULL
     * with a message in err for values that do not go together. NULL for a
     * board built as its table is. */
    struct et_board *(*instantiate)(const struct et_board *self, const char *const *values,
                                    char *err, size_t errlen);
} et_board;

/* The boards built into this library, in a fixed order. */
size_t et_board_count(void);
const et_board *et_board_get(size_t i);
const et_board *et_board_find(const char *name);

/* --- machines ---------------------------------------------------------------- */

typedef struct et_machine et_machine;

/* Builds a machine on a new manual clock from a QEMU-style spec:
 * "NAME[,OPTION=VALUE...]" ("pc,pit=off"). NULL with a message in err for an
 * unknown board, option or value, or a device that cannot be created. */
et_machine *et_machine_new(const char *spec, char *err, size_t errlen);
/* The same on the embedder's clock, manual or real-time (timers then fire
 * from the runner or the embedder's loop, and devices are accessed from
 * vCPU threads as any device is). The clock is not the machine's: free the
 * machine first, then the clock. */
et_machine *et_machine_new_on_clock(const char *spec, et_clock *clock, char *err,
                                    size_t errlen);
/* A machine of a board the embedder describes itself: the same data as the
 * built-in boards (et_board above; the device types are those of
 * `emutime machines`, docs/machines.md), options as "OPT=VALUE,..." or NULL,
 * on the embedder's clock. The board must outlive the machine. NULL with a
 * message in err for a board that does not build (an unknown device type or
 * controller, overlapping regions, a bad option). */
et_machine *et_machine_new_from_board(const et_board *board, const char *options,
                                      et_clock *clock, char *err, size_t errlen);
/* Frees the devices (et_device_free's rules: no callback or sink of theirs
 * runs afterwards) and, for et_machine_new, the clock. */
void et_machine_free(et_machine *m);

const et_board *et_machine_board(const et_machine *m);
et_clock *et_machine_clock(et_machine *m);
/* The value of a board option ("on"/"off" for a switch, the string given for
 * a string option), NULL for an unknown one. */
const char *et_machine_option(const et_machine *m, const char *name);

/* Guest accesses through the machine's address space (little-endian). An
 * access the target device does not accept whole is split as QEMU's memory
 * core splits it (by the device's largest access size and alignment, lower
 * address first); unmapped bytes read as 0. */
uint64_t et_machine_read(et_machine *m, uint64_t addr, unsigned size);
void et_machine_write(et_machine *m, uint64_t addr, uint64_t value, unsigned size);
void et_machine_read_bytes(et_machine *m, uint64_t addr, uint8_t *buf, size_t len);
void et_machine_write_bytes(et_machine *m, uint64_t addr, const uint8_t *buf, size_t len);
void et_machine_fill(et_machine *m, uint64_t addr, uint8_t byte, size_t len);
/* I/O ports (x86 boards, little-endian): the same splitting as memory
 * accesses (a 2-byte `in` of a 1-byte device is two 1-byte reads, lower
 * port first); unassigned ports read as all ones, writes there are
 * ignored. size is 1, 2 or 4; other sizes read 0 and write nothing. */
uint32_t et_machine_in(et_machine *m, uint16_t port, unsigned size);
void et_machine_out(et_machine *m, uint16_t port, uint32_t value, unsigned size);

/* Devices: the board's timers in board order, then the controller views.
 * These are what a snapshot of the machine holds. */
size_t et_machine_device_count(const et_machine *m);
et_device *et_machine_device(et_machine *m, size_t i);
et_device *et_machine_find_device(et_machine *m, const char *name);
/* The board entry of device i, NULL for a controller view. */
const et_board_device *et_machine_device_desc(const et_machine *m, size_t i);

/* qtest's interrupt intercept. The sink gets (n, level) every time an
 * intercepted line is driven (also when the level did not change: qtest
 * keeps its own record). Intercepting is allowed for one QOM object per
 * machine, as in QEMU. Returns 0; ET_ENOENT for an unknown path ("Unknown
 * device"); ET_EBUSY when another object is already intercepted. */
typedef void (*et_machine_irq_fn)(void *opaque, int n, int level);
void et_machine_set_intercept_sink(et_machine *m, et_machine_irq_fn fn, void *opaque);
int et_machine_intercept(et_machine *m, const char *path, bool out);

/* Drives input num of the object at path: name is "unnamed-gpio-in" or a
 * named input of a controller ("NMI"). 0, or with a message in err:
 * ET_ENOENT for no such object or input list, ET_EINVAL for num out of
 * range. */
int et_machine_set_irq_in(et_machine *m, const char *path, const char *name, int num,
                          int level, char *err, size_t errlen);

/* Typed wiring for an emulator's own interrupt controller or CPU model: fn
 * is called with the input number (or, for a named input such as "NMI",
 * 0 and its name) and the level every time a device drives an input of the
 * board controller named `controller` ("nvic", "gic", "ioapic", ...; the
 * names of `emutime machines`), after the register view (if any) has taken
 * it. Calls come from whichever thread delivers the device's interrupt
 * changes, outside every library lock (irq.h: a sink may take the big lock
 * and access devices); calls for inputs driven by different devices may run
 * at once. While qtest intercepts, a level may be repeated. One sink per
 * controller, set before the machine runs; NULL removes it. Connecting
 * replays the inputs already high (level 1, once each), so the sink starts
 * from the real levels. 0, or ET_ENOENT for an unknown controller. */
typedef void (*et_machine_input_fn)(void *opaque, unsigned input, const char *name, int level);
int et_machine_set_controller_sink(et_machine *m, const char *controller,
                                   et_machine_input_fn fn, void *opaque);

/* The interrupt request a controller's register view presents to the CPU,
 * as interrupt lines with fn as their sink (irq.h rules: called outside
 * library locks, in order, every change): the NVIC view's output 0,
 * "irq-request", is high while ICSR.VECTPENDING is non-zero (an enabled
 * pending interrupt, SysTick, PendSV or NMI; priorities, PRIMASK and the
 * active state are the CPU model's); the PL190 VIC view's outputs 0 and 1
 * are nVICIRQ and nVICFIQ, high while VICIRQSTATUS / VICFIQSTATUS is
 * non-zero. Set before the machine runs. 0, or ET_ENOENT for an unknown
 * controller or one without such a view. */
int et_machine_set_cpu_request_sink(et_machine *m, const char *controller, et_irq_sink_fn fn,
                                    void *opaque);

/* Every device output line change, with the device index and output index
 * (waveform dumps). One sink; NULL removes it. */
typedef void (*et_machine_line_fn)(void *opaque, size_t dev, unsigned output, int level);
void et_machine_set_line_sink(et_machine *m, et_machine_line_fn fn, void *opaque);

/* System reset: every device and controller view back to its reset state
 * (the clock keeps its time, intercepts stay). A device's reset request
 * (a watchdog) is deferred, as QEMU defers it to its main loop: it is
 * performed by et_machine_run_pending_reset, which the qtest server calls
 * before each command. */
void et_machine_reset(et_machine *m);
bool et_machine_reset_pending(const et_machine *m);
bool et_machine_run_pending_reset(et_machine *m);
/* A device's reset request (a board wire to ET_BOARD_RESET rising: a
 * watchdog's reset output) goes to this sink instead, with the
 * requesting device's index, so that an embedder can apply its own
 * watchdog policy (QEMU's -watchdog-action). It runs while the device's
 * line change is delivered (no library lock held); it may call
 * et_machine_request_reset to defer a reset as the default does. NULL
 * restores the default. */
typedef void (*et_machine_reset_request_fn)(void *opaque, size_t dev);
void et_machine_set_reset_request_sink(et_machine *m, et_machine_reset_request_fn fn, void *opaque);
void et_machine_request_reset(et_machine *m);
/* Resets performed so far (requested or explicit). */
unsigned et_machine_reset_count(const et_machine *m);

/* --- snapshots ------------------------------------------------------------ */

/* A snapshot of the machine: its clock and every device in
 * et_machine_device order (timers and controller views), under the board's
 * name (snapshot.h). RAM and qtest's intercept state are not part of it.
 * Errors as et_snapshot_save's. */
int et_machine_snapshot_save(et_machine *m, uint8_t **buf, size_t *len, char *err,
                             size_t errlen);
/* Loads a snapshot of the same board: the clock moves to the saved time,
 * the devices take their saved state, then every interrupt line is driven
 * again with its loaded level (intercepted lines whose level differs from
 * qtest's record are reported). 0, or an error as et_snapshot_load's
 * (ET_EFORMAT, ET_EMISMATCH, ...) with a message and nothing changed. */
int et_machine_snapshot_load(et_machine *m, const uint8_t *buf, size_t len, char *err,
                             size_t errlen);

ET_END_DECLS

#endif
