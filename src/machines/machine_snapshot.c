/* Machine snapshots: the clock and every device of the machine, named by
 * its board, through the snapshot engine (src/core/snapshot.c). */
#include <stdio.h>
#include <stdlib.h>

#include "emutime/snapshot.h"
#include "machines/machine_internal.h"

static et_device **device_list(et_machine *m, size_t *n)
{
    *n = et_machine_device_count(m);
    et_device **devs = malloc(sizeof(*devs) * (*n ? *n : 1));
    if (devs) {
        for (size_t i = 0; i < *n; i++) {
            devs[i] = et_machine_device(m, i);
        }
    }
    return devs;
}

int et_machine_snapshot_save(et_machine *m, uint8_t **buf, size_t *len, char *err,
                             size_t errlen)
{
    size_t n;
    et_device **devs = device_list(m, &n);
    if (!devs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = et_snapshot_save(et_machine_clock(m), devs, n, et_machine_board(m)->name, buf,
                              len, err, errlen);
    free(devs);
    return rc;
}

int et_machine_snapshot_load(et_machine *m, const uint8_t *buf, size_t len, char *err,
                             size_t errlen)
{
    size_t n;
    et_device **devs = device_list(m, &n);
    if (!devs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = et_snapshot_load(et_machine_clock(m), devs, n, et_machine_board(m)->name, buf, len,
                              err, errlen);
    free(devs);
    if (rc == 0) {
        et__machine_refresh_views(m);
    }
    return rc;
}
