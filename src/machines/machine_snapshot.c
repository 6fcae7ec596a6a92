/* Machine snapshots: the clock and every device of the machine, named by
 * its board, through the snapshot engine (src/core/snapshot_*.c). */
#include "emutime/snapshot.h"
#include "machines/machine_state.h"

int et_machine_snapshot_save(et_machine *m, uint8_t **buf, size_t *len, char *err,
                             size_t errlen)
{
    return et_snapshot_save(m->clock, m->devs, m->n_devs, m->board->name, buf, len, err,
                            errlen);
}

int et_machine_snapshot_load(et_machine *m, const uint8_t *buf, size_t len, char *err,
                             size_t errlen)
{
    int rc = et_snapshot_load(m->clock, m->devs, m->n_devs, m->board->name, buf, len, err,
                              errlen);
    if (rc == 0) {
        et__machine_refresh_views(m);
    }
    return rc;
}
