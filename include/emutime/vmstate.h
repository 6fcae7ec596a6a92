/* emutime: declarative saved state of a device (for snapshots).
 *
 * A device lists the fields that determine its future, each named, typed and
 * tagged with the state version that added it. The snapshot code saves and
 * loads them; a field added in a later version than a snapshot's gets its
 * declared default on load. Offsets are from the start of the device struct.
 *
 *     static const et_field my_fields[] = {
 *         ET_FIELD_U32(my_timer, control, 1),
 *         ET_FIELD_PTIMER(my_timer, pt, 1),
 *         ET_FIELD_IRQ(my_timer, irq, 1),
 *         ET_FIELD_U64_V(my_timer, added_later, 2, 0x20),  // default 0x20
 *         ET_FIELD_END
 *     };
 *     static const et_vmstate my_state = { "my-timer", 2, my_fields };
 *
 * Loading calls nothing in the device: values are stored, ptimers and timers
 * re-armed at their saved absolute deadlines, and interrupt lines' levels set
 * without delivery; the lines are re-synchronised in a separate phase after
 * every device is loaded.
 */
#ifndef EMUTIME_VMSTATE_H
#define EMUTIME_VMSTATE_H

#include <stddef.h>
#include <stdint.h>
#include "emutime/export.h"

ET_BEGIN_DECLS

typedef enum et_field_type {
    ET_FIELD_END_ = 0,
    ET_FT_BOOL,   /* bool */
    ET_FT_U8,     /* uint8_t */
    ET_FT_U16,    /* uint16_t */
    ET_FT_U32,    /* uint32_t */
    ET_FT_U64,    /* uint64_t */
    ET_FT_I64,    /* int64_t */
    ET_FT_PTIMER, /* et_ptimer * : its et_ptimer_state */
    ET_FT_TIMER,  /* et_timer * : its absolute deadline, or -1 */
    ET_FT_IRQ,    /* et_irq_line : its level */
} et_field_type;

/* Field flags. */
#define ET_FIELD_F_POINTER  1u /* offset holds a pointer to the elements */
#define ET_FIELD_F_VARCOUNT 2u /* the count is the uint32_t at count_offset */

typedef struct et_field {
    const char *name;
    et_field_type type;
    size_t offset;       /* the value (or first element), or its pointer */
    size_t elem_offset;  /* added to each element (a member of a struct) */
    size_t stride;       /* bytes between elements */
    unsigned count;      /* fixed element count (1 for a scalar) */
    size_t count_offset; /* with ET_FIELD_F_VARCOUNT */
    unsigned flags;
    unsigned version;    /* state version that added the field */
    uint64_t def;        /* value for snapshots older than version */
} et_field;

typedef struct et_vmstate {
    const char *name;
    unsigned version;
    const et_field *fields;
} et_vmstate;

#define ET_FIELD_(st, f, ty, v, d)                                             \
    {                                                                          \
        .name = #f, .type = (ty), .offset = offsetof(st, f),                   \
        .stride = sizeof(((st *)0)->f), .count = 1, .version = (v), .def = (d) \
    }

#define ET_FIELD_BOOL(st, f, v)   ET_FIELD_(st, f, ET_FT_BOOL, v, 0)
#define ET_FIELD_U8(st, f, v)     ET_FIELD_(st, f, ET_FT_U8, v, 0)
#define ET_FIELD_U16(st, f, v)    ET_FIELD_(st, f, ET_FT_U16, v, 0)
#define ET_FIELD_U32(st, f, v)    ET_FIELD_(st, f, ET_FT_U32, v, 0)
#define ET_FIELD_U64(st, f, v)    ET_FIELD_(st, f, ET_FT_U64, v, 0)
#define ET_FIELD_I64(st, f, v)    ET_FIELD_(st, f, ET_FT_I64, v, 0)
#define ET_FIELD_PTIMER(st, f, v) ET_FIELD_(st, f, ET_FT_PTIMER, v, 0)
#define ET_FIELD_TIMER(st, f, v)  ET_FIELD_(st, f, ET_FT_TIMER, v, 0)
#define ET_FIELD_IRQ(st, f, v)    ET_FIELD_(st, f, ET_FT_IRQ, v, 0)
/* A field added in version v, with default d for older snapshots. The
 * default of a bool or an interrupt level is d != 0; an I64 gets
 * (int64_t)d. A timer or ptimer added later always loads idle (a timer not
 * armed, a ptimer stopped with every field 0): its default is not d. Every
 * element of an array gets the same default. A field's version must not
 * exceed its vmstate's version. */
#define ET_FIELD_U32_V(st, f, v, d) ET_FIELD_(st, f, ET_FT_U32, v, d)
#define ET_FIELD_U64_V(st, f, v, d) ET_FIELD_(st, f, ET_FT_U64, v, d)
#define ET_FIELD_BOOL_V(st, f, v, d) ET_FIELD_(st, f, ET_FT_BOOL, v, d)
#define ET_FIELD_U8_V(st, f, v, d)   ET_FIELD_(st, f, ET_FT_U8, v, d)
#define ET_FIELD_U16_V(st, f, v, d)  ET_FIELD_(st, f, ET_FT_U16, v, d)
#define ET_FIELD_I64_V(st, f, v, d)  ET_FIELD_(st, f, ET_FT_I64, v, (uint64_t)(d))
#define ET_FIELD_IRQ_V(st, f, v, d)  ET_FIELD_(st, f, ET_FT_IRQ, v, d)
#define ET_FIELD_PTIMER_V(st, f, v)  ET_FIELD_(st, f, ET_FT_PTIMER, v, 0)
#define ET_FIELD_TIMER_V(st, f, v)   ET_FIELD_(st, f, ET_FT_TIMER, v, 0)

/* A fixed array member: f is declared as `T f[n]`. */
#define ET_FIELD_ARRAY(st, f, ty, v)                                            \
    {                                                                           \
        .name = #f, .type = (ty), .offset = offsetof(st, f),                    \
        .stride = sizeof(((st *)0)->f[0]),                                      \
        .count = sizeof(((st *)0)->f) / sizeof(((st *)0)->f[0]), .version = (v) \
    }

/* One member of every element of a fixed array of structs:
 * `E arr[n]` in st, saving arr[i].m for each i. */
#define ET_FIELD_STRUCT_ARRAY(st, arr, m, ty, v)                                    \
    {                                                                               \
        .name = #arr "." #m, .type = (ty), .offset = offsetof(st, arr),             \
        .elem_offset = offsetof(__typeof__(((st *)0)->arr[0]), m),                  \
        .stride = sizeof(((st *)0)->arr[0]),                                        \
        .count = sizeof(((st *)0)->arr) / sizeof(((st *)0)->arr[0]), .version = (v) \
    }

/* A member of every element of a heap array: `E *ptr` in st holding
 * st.cnt (a uint32_t) elements, saving ptr[i].m. For an array of scalars use
 * m == "" via ET_FIELD_VARRAY. */
#define ET_FIELD_VARRAY_MEMBER(st, ptr, elem, m, ty, cnt, v)              \
    {                                                                     \
        .name = #ptr "." #m, .type = (ty), .offset = offsetof(st, ptr),   \
        .elem_offset = offsetof(elem, m), .stride = sizeof(elem),         \
        .count_offset = offsetof(st, cnt),                                \
        .flags = ET_FIELD_F_POINTER | ET_FIELD_F_VARCOUNT, .version = (v) \
    }
#define ET_FIELD_VARRAY(st, ptr, elem, ty, cnt, v)                        \
    {                                                                     \
        .name = #ptr, .type = (ty), .offset = offsetof(st, ptr),          \
        .stride = sizeof(elem), .count_offset = offsetof(st, cnt),        \
        .flags = ET_FIELD_F_POINTER | ET_FIELD_F_VARCOUNT, .version = (v) \
    }

#define ET_FIELD_END { .name = NULL, .type = ET_FIELD_END_ }

ET_END_DECLS

#endif
