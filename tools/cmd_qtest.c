/* `emutime qtest`: the qtest protocol server on stdin/stdout or a unix
 * socket, until the end of its input. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "tool.h"

static void qtest_usage(FILE *f)
{
    fprintf(f,
            "usage: emutime qtest [OPTIONS]\n"
            "\n"
            "Serves QEMU's qtest protocol for a machine: commands on stdin, IRQ lines and\n"
            "replies on stdout (or both on a unix socket), until the end of the input.\n"
            "Malformed input gets 'FAIL <reason>' and the server goes on. The protocol is\n"
            "in docs/qtest.md.\n"
            "\n"
            "Options:\n"
            "  -m, --machine NAME[,OPT=VALUE...]  the machine (default %s)\n"
            "  -s, --socket PATH                  listen on a unix socket, serve the first\n"
            "                                     client until it disconnects\n"
            "      --trace PATTERN                trace events matching PATTERN (globs over\n"
            "                                     DEVICE.EVENT, comma-separated) to stderr\n"
            "      --vcd FILE                     write interrupt lines and counters as a\n"
            "                                     waveform (VCD, 1 ns timescale)\n"
            "      --load FILE                    start from a snapshot of the machine\n"
            "                                     (saved with 'snapshot_save FILE')\n"
            "      --smp N                        N harts: the same as ',smp=N' after the\n"
            "                                     machine (virt)\n"
            "  -h, --help                         show this help\n"
            "\n"
            "Exit status: 0 at the end of input, 1 on an I/O error, 2 for a bad command\n"
            "line or machine.\n",
            ET_DEFAULT_MACHINE);
}

static void discard(void *opaque, const char *text, size_t len)
{
    (void)opaque;
    (void)text;
    (void)len;
}

int tool_cmd_qtest(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "machine", required_argument, NULL, 'm' },
        { "socket", required_argument, NULL, 's' },
        { "trace", required_argument, NULL, 't' },
        { "vcd", required_argument, NULL, 'v' },
        { "load", required_argument, NULL, 'l' },
        { "smp", required_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *machine = NULL, *socket_path = NULL, *trace = NULL, *vcd = NULL,
               *load = NULL, *smp = NULL;
    int c;
    tool_getopt_reset();
    while ((c = tool_getopt(argc, argv, ":m:s:h", longopts, "qtest")) != -1) {
        switch (c) {
        case 'm': machine = optarg; break;
        case 's': socket_path = optarg; break;
        case 't': trace = optarg; break;
        case 'v': vcd = optarg; break;
        case 'l': load = optarg; break;
        case 'n': smp = optarg; break;
        case 'h': qtest_usage(stdout); return TOOL_EXIT_OK;
        default: return TOOL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        tool_error("qtest: unexpected argument '%s' (try 'emutime qtest --help')",
                   argv[optind]);
        return TOOL_EXIT_USAGE;
    }

    char spec[256];
    const char *machine_spec = tool_machine_spec(machine, smp, spec, sizeof(spec));
    if (!machine_spec) {
        return TOOL_EXIT_USAGE;
    }
    tool_session s;
    /* The serving loop installs its own buffered output. */
    int rc = tool_session_open(&s, machine_spec, trace, vcd, load, discard, NULL);
    if (rc != TOOL_EXIT_OK) {
        return rc;
    }
    char err[512];
    int served = socket_path ? et_qtest_serve_unix(s.q, socket_path, err, sizeof(err))
                             : et_qtest_serve_fd(s.q, STDIN_FILENO, STDOUT_FILENO, err,
                                                 sizeof(err));
    if (served != 0) {
        tool_error("qtest: %s", err);
        rc = TOOL_EXIT_ERROR;
    }
    int close_rc = tool_session_close(&s);
    return rc != TOOL_EXIT_OK ? rc : close_rc;
}
