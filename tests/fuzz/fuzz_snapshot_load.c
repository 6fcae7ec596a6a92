/* Fuzz target: the snapshot loader, on every machine.
 *
 * Input: byte 0 picks the board; the rest is offered as a snapshot.
 *
 * Invariants, beyond "no crash and no sanitizer report":
 *   - a rejected snapshot leaves the machine untouched: its own snapshot
 *     taken before and after the failed load is identical byte for byte;
 *   - an accepted snapshot is stable: saving the loaded machine and loading
 *     that into a second machine saves the same bytes again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emutime/emutime.h"
#include "emutime/machine.h"

static void quiet_log(void *opaque, const char *line)
{
    (void)opaque;
    (void)line;
}

static void save(et_machine *m, uint8_t **buf, size_t *len)
{
    char err[256];
    if (et_machine_snapshot_save(m, buf, len, err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz: save failed: %s\n", err);
        abort();
    }
}

static et_machine *machine(const et_board *board)
{
    char err[256];
    et_machine *m = et_machine_new(board->name, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "fuzz: cannot create %s: %s\n", board->name, err);
        abort();
    }
    return m;
}

static bool same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || et_board_count() == 0) {
        return 0;
    }
    et_set_log_sink(quiet_log, NULL);
    const et_board *board = et_board_get(data[0] % et_board_count());
    et_machine *m = machine(board);
    /* Some state worth protecting: move time on. */
    et_clock_step(et_machine_clock(m), 12345);

    uint8_t *before, *after;
    size_t before_len, after_len;
    save(m, &before, &before_len);
    char err[256];
    int rc = et_machine_snapshot_load(m, data + 1, size - 1, err, sizeof(err));
    save(m, &after, &after_len);
    /* Describing the same bytes (text and JSON) accepts exactly what parses:
     * never more than load accepts, and it never crashes. */
    FILE *sink = fopen("/dev/null", "w");
    if (sink) {
        char why[256];
        int text = et_snapshot_describe(data + 1, size - 1, sink, why, sizeof(why));
        int json = et_snapshot_describe_json(data + 1, size - 1, sink, why, sizeof(why));
        fclose(sink);
        if (text != json || (rc == 0 && text != 0)) {
            fprintf(stderr, "fuzz: describe %d, describe_json %d, load %d\n", text, json, rc);
            abort();
        }
    }
    if (rc != 0) {
        if (err[0] == 0) {
            fprintf(stderr, "fuzz: rejected without a message\n");
            abort();
        }
        if (!same(before, before_len, after, after_len)) {
            fprintf(stderr, "fuzz: rejected load (%s) changed the machine\n", err);
            abort();
        }
    } else {
        et_machine *m2 = machine(board);
        uint8_t *again;
        size_t again_len;
        if (et_machine_snapshot_load(m2, after, after_len, err, sizeof(err)) != 0) {
            fprintf(stderr, "fuzz: own snapshot rejected: %s\n", err);
            abort();
        }
        save(m2, &again, &again_len);
        if (!same(after, after_len, again, again_len)) {
            fprintf(stderr, "fuzz: snapshot not stable across save/load\n");
            abort();
        }
        free(again);
        et_machine_free(m2);
    }
    free(before);
    free(after);
    et_machine_free(m);
    return 0;
}
