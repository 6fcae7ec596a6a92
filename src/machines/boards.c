/* The boards built into the library, in the order `emutime machines`
 * lists them (the default first). */
#include <string.h>

#include "machines/machine_internal.h"

static const et_board *const boards[] = {
    &et__board_mps2_an385,
    &et__board_versatilepb,
    &et__board_realview_eb,
    &et__board_realview_eb_mpcore,
    &et__board_vexpress_a9,
    &et__board_pc,
    &et__board_q35,
    &et__board_virt,
    &et__board_lm3s811evb,
    &et__board_mps3_an547,
    &et__board_none,
};

size_t et_board_count(void)
{
    return ET_N(boards);
}

const et_board *et_board_get(size_t i)
{
    return i < et_board_count() ? boards[i] : NULL;
}

const et_board *et_board_find(const char *name)
{
    for (size_t i = 0; i < et_board_count(); i++) {
        if (strcmp(boards[i]->name, name) == 0) {
            return boards[i];
        }
    }
    return NULL;
}
