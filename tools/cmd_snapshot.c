/* `emutime snapshot info FILE`: what a snapshot holds (machine, clock,
 * every device's fields), validated first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emutime/snapshot.h"
#include "options.h"
#include "tool.h"

static void snapshot_usage(FILE *f)
{
    fprintf(f,
            "usage: emutime snapshot info [--json] FILE\n"
            "\n"
            "Checks a snapshot file (format, checksum, every field) and prints what it\n"
            "holds: the machine, the clock's time, each device's saved fields. Snapshots\n"
            "come from the qtest command 'snapshot_save FILE'; 'emutime qtest --load FILE'\n"
            "and 'snapshot_load FILE' restore them. The format is in\n"
            "docs/snapshot-format.md.\n"
            "\n"
            "Options:\n"
            "  -j, --json    the same as one JSON object\n"
            "  -h, --help    show this help\n"
            "\n"
            "Exit status: 0 for a valid snapshot, 1 for an invalid one, 2 for a bad\n"
            "command line or an unreadable file.\n");
}

int tool_cmd_snapshot(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool json = false;
    int c;
    tool_getopt_reset();
    while ((c = tool_getopt(argc, argv, ":jh", longopts, "snapshot")) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'h': snapshot_usage(stdout); return TOOL_EXIT_OK;
        default: return TOOL_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        tool_error("snapshot: missing action (try 'emutime snapshot --help')");
        return TOOL_EXIT_USAGE;
    }
    if (strcmp(argv[optind], "info") != 0) {
        tool_error("snapshot: unknown action '%s' (try 'emutime snapshot --help')",
                   argv[optind]);
        return TOOL_EXIT_USAGE;
    }
    if (argc - optind != 2) {
        tool_error("snapshot info: needs exactly one FILE");
        return TOOL_EXIT_USAGE;
    }
    const char *path = argv[optind + 1];
    char err[512];
    uint8_t *buf;
    size_t len;
    if (et_snapshot_read_file(path, &buf, &len, err, sizeof(err)) != 0) {
        tool_error("snapshot info: %s", err);
        return TOOL_EXIT_USAGE;
    }
    int rc = json ? et_snapshot_describe_json(buf, len, stdout, err, sizeof(err))
                  : et_snapshot_describe(buf, len, stdout, err, sizeof(err));
    free(buf);
    if (rc != 0) {
        tool_error("snapshot info: %s: %s", path, err);
        return TOOL_EXIT_ERROR;
    }
    return fflush(stdout) == 0 ? TOOL_EXIT_OK : TOOL_EXIT_ERROR;
}
