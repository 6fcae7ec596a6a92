/* Machine internals shared by the machine framework, the address space,
 * the controller views and the device factories. */
#ifndef EMUTIME_MACHINES_MACHINE_INTERNAL_H
#define EMUTIME_MACHINES_MACHINE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emutime/clocktree.h"
#include "emutime/machine.h"

/* --- device factories -------------------------------------------------------- */

/* Creates a device of one type from a board entry: copies the entry's
 * config, fills in the clock input, calls the device's constructor. */
typedef et_device *(*et__device_factory_fn)(et_clock *clock, const char *name,
                                            et_clock_input *clk, const void *config, char *err,
                                            size_t errlen);

/* A factory that needs the machine (its option values: the RTC's rtc-base
 * and rtc-clock). */
typedef et_device *(*et__device_factory_machine_fn)(et_machine *m, const char *name,
                                                    et_clock_input *clk, const void *config,
                                                    char *err, size_t errlen);

typedef struct et__device_factory {
    const char *type;
    et__device_factory_fn create;
} et__device_factory;

typedef struct et__machine_factory {
    const char *type;
    et__device_factory_machine_fn create;
} et__machine_factory;

const et__device_factory *et__device_factory_find(const char *type);
/* Device types whose factory needs the machine; looked up first. */
const et__machine_factory *et__machine_factory_find(const char *type);

/* The config of a board entry built on another device of the board (an
 * SSE timer on its system counter): that device's name, created before. */
typedef struct et__board_peer {
    const char *peer;
} et__board_peer;
/* Device types whose factory needs the machine; looked up first. */
const et__machine_factory *et__machine_factory_find(const char *type);

/* --- interrupt-controller views ------------------------------------------- */

/* How a controller kind takes its inputs. A kind with a register view
 * creates a device (mapped at the controller's base, part of snapshots);
 * a kind without one keeps only the input levels in the machine. */
typedef struct et__ic_kind {
    const char *kind;
    /* NULL for kinds without a register view. */
    et_device *(*create)(et_clock *clock, const char *name, unsigned n_inputs, char *err,
                         size_t errlen);
    /* Drives an input: named < 0 for unnamed input n, else index into
     * named_inputs. Called without any lock held. */
    void (*set_input)(et_device *view, int named, unsigned n, int level);
    /* Named inputs (NULL-terminated), or NULL. */
    const char *const *named_inputs;
    /* Re-derives the view's CPU-facing output lines from its state (after a
     * snapshot load, which restores the state but not derived lines), or
     * NULL. Takes the view's lock. */
    void (*refresh)(et_device *view);
} et__ic_kind;

const et__ic_kind *et__ic_kind_find(const char *kind);
/* Re-derives every view's CPU-facing lines (after a snapshot load). */
void et__machine_refresh_views(et_machine *m);

/* The views (nvic_view.c, vic_view.c). */
extern const et__ic_kind et__ic_kind_nvic;
extern const et__ic_kind et__ic_kind_vic;

/* --- the address space -------------------------------------------------------- */

/* RAM contents: 4 KiB pages allocated on first write (NULL reads 0),
 * shared by a RAM region and its aliases. */
typedef struct et__ram {
    uint8_t **pages;
    size_t n_pages;
    unsigned refs;
} et__ram;

typedef struct et__region {
    uint64_t base, size;
    et_device *dev;      /* a device region (its bytes from dev_offset), or */
    uint64_t dev_offset;
    et__ram *ram;        /* RAM (or an alias of it) */
    const char *name;
} et__region;

typedef struct et__bus {
    et__region *regions; /* sorted by base, non-overlapping */
    size_t n;
    uint8_t unassigned;  /* what unmapped bytes read as: 0 (memory), 0xff (I/O) */
} et__bus;

/* Adds a region; -1 with a message if it overlaps another. */
int et__bus_add_device(et__bus *bus, uint64_t base, et_device *dev, char *err, size_t errlen);
/* Maps a device below the regions already there, as QEMU's lower-priority
 * overlapping subregions: it answers every address of its window no other
 * region holds (the NVIC's SCS window around the SysTick registers). */
int et__bus_add_device_under(et__bus *bus, uint64_t base, et_device *dev, char *err,
                             size_t errlen);

/* Maps dev's region bytes [offset, offset + size) at base. */
int et__bus_add_device_window(et__bus *bus, uint64_t base, et_device *dev, uint64_t offset,
                              uint64_t size, char *err, size_t errlen);
int et__bus_add_ram(et__bus *bus, const char *name, uint64_t base, uint64_t size, char *err,
                    size_t errlen);
/* Maps the RAM region called target again at base (its first size bytes). */
int et__bus_add_ram_alias(et__bus *bus, const char *name, const char *target, uint64_t base,
                          uint64_t size, char *err, size_t errlen);
void et__bus_destroy(et__bus *bus);
void et__bus_read(et__bus *bus, uint64_t addr, uint8_t *buf, size_t len);
void et__bus_write(et__bus *bus, uint64_t addr, const uint8_t *buf, size_t len);
void et__bus_fill(et__bus *bus, uint64_t addr, uint8_t byte, size_t len);

/* --- boards assembled at machine creation (board_builder.c) ---------------- */

/* What a board's instantiate function (machine.h) builds its result with:
 * start from the board itself (name, clocks, RAM, options...: everything
 * but devices, controllers and QOM paths, which start empty), add the
 * entries made from its templates, finish. Strings and configs the entries
 * point to are allocated in the builder and freed with the board. */
typedef struct et__board_builder et__board_builder;
et__board_builder *et__board_builder_new(const et_board *proto);
void *et__board_builder_alloc(et__board_builder *bb, size_t size); /* zeroed */
const char *et__board_builder_printf(et__board_builder *bb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void et__board_builder_add_device(et__board_builder *bb, const et_board_device *d);
void et__board_builder_add_controller(et__board_builder *bb, const et_board_controller *c);
void et__board_builder_add_qom(et__board_builder *bb, const et_board_qom *q);
et_board *et__board_builder_finish(et__board_builder *bb);
/* Frees a board et__board_builder_finish returned. */
void et__board_free(et_board *board);

/* --- boards ---------------------------------------------------------------- */

/* The number of elements of an array (not a pointer). */
#define ET_N(a) ((unsigned)(sizeof(a) / sizeof((a)[0])))
/* A board table's array member and its count, from the array itself:
 * ET_ARRAY(wires, timer0_wires) is
 * .wires = (timer0_wires), .n_wires = ET_N(timer0_wires). */
#define ET_ARRAY(member, array) .member = (array), .n_##member = ET_N(array)
/* The tables every board file defines under these names (pc.c's two
 * boards share a file and name theirs): controllers, devices, QOM paths,
 * RAM. */
#define ET_BOARD_TABLES                                                        \
    ET_ARRAY(controllers, controllers), ET_ARRAY(devices, devices),            \
    ET_ARRAY(qom, qom), ET_ARRAY(ram, ram)

/* Each board file defines one of these. */
extern const et_board et__board_mps2_an385;
extern const et_board et__board_lm3s811evb;
extern const et_board et__board_mps3_an547;
extern const et_board et__board_versatilepb;
extern const et_board et__board_realview_eb;
extern const et_board et__board_realview_eb_mpcore;
extern const et_board et__board_vexpress_a9;
extern const et_board et__board_pc;
extern const et_board et__board_q35;
extern const et_board et__board_virt;
extern const et_board et__board_none;

#endif
