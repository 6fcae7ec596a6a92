/* Boards assembled at machine creation (machine_internal.h): a board whose
 * devices, controllers and QOM paths depend on its option values (virt's
 * smp and sockets) builds an et_board here from per-hart and per-socket
 * templates. Every string, config and wire array it makes lives in the
 * builder's arena and is freed with the board. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "machines/machine_internal.h"

typedef struct arena_block {
    struct arena_block *next;
    max_align_t data[]; /* aligned for any config struct */
} arena_block;

/* The built board, with what it owns. board is first: et__board_free
 * gets it back from the et_board pointer. */
typedef struct built_board {
    et_board board;
    arena_block *arena;
    et_board_device *devices;
    et_board_controller *controllers;
    et_board_qom *qom;
    size_t cap_devices, cap_controllers, cap_qom;
} built_board;

struct et__board_builder {
    built_board *b;
};

et__board_builder *et__board_builder_new(const et_board *proto)
{
    et__board_builder *bb = et__xcalloc(1, sizeof(*bb));
    bb->b = et__xcalloc(1, sizeof(*bb->b));
    bb->b->board = *proto;
    bb->b->board.devices = NULL;
    bb->b->board.n_devices = 0;
    bb->b->board.controllers = NULL;
    bb->b->board.n_controllers = 0;
    bb->b->board.qom = NULL;
    bb->b->board.n_qom = 0;
    bb->b->board.instantiate = NULL; /* the result is built already */
    return bb;
}

void *et__board_builder_alloc(et__board_builder *bb, size_t size)
{
    arena_block *blk = et__xcalloc(1, sizeof(*blk) + (size ? size : 1));
    blk->next = bb->b->arena;
    bb->b->arena = blk;
    return blk->data;
}

const char *et__board_builder_printf(et__board_builder *bb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = et__board_builder_alloc(bb, (size_t)(n > 0 ? n : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* Appends *item to a growable array of item_size elements. */
static void push(void **array, size_t *cap, unsigned *n, const void *item, size_t item_size)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *array = et__xrealloc(*array, *cap * item_size);
    }
    memcpy((char *)*array + (size_t)*n * item_size, item, item_size);
    (*n)++;
}

void et__board_builder_add_device(et__board_builder *bb, const et_board_device *d)
{
    built_board *b = bb->b;
    push((void **)&b->devices, &b->cap_devices, &b->board.n_devices, d, sizeof(*d));
    b->board.devices = b->devices;
}

void et__board_builder_add_controller(et__board_builder *bb, const et_board_controller *c)
{
    built_board *b = bb->b;
    push((void **)&b->controllers, &b->cap_controllers, &b->board.n_controllers, c, sizeof(*c));
    b->board.controllers = b->controllers;
}

void et__board_builder_add_qom(et__board_builder *bb, const et_board_qom *q)
{
    built_board *b = bb->b;
    push((void **)&b->qom, &b->cap_qom, &b->board.n_qom, q, sizeof(*q));
    b->board.qom = b->qom;
}

et_board *et__board_builder_finish(et__board_builder *bb)
{
    et_board *board = &bb->b->board;
    free(bb);
    return board;
}

void et__board_free(et_board *board)
{
    if (!board) {
        return;
    }
    built_board *b = (built_board *)board;
    while (b->arena) {
        arena_block *next = b->arena->next;
        free(b->arena);
        b->arena = next;
    }
    free(b->devices);
    free(b->controllers);
    free(b->qom);
    free(b);
}
