/* `emutime run`: a qtest script executed on a machine, printed as a
 * transcript: each command ("> ") followed by the IRQ lines it caused and
 * its reply ("< "); the script's comments and blank lines are kept. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "tool.h"

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: emutime run [OPTIONS] [SCRIPT]\n"
            "\n"
            "Runs a qtest script (one QEMU qtest command per line; '#' starts a comment\n"
            "line) on a machine and prints a transcript: each command after '> ', then\n"
            "the IRQ lines it caused and its reply after '< '. SCRIPT '-' reads stdin;\n"
            "without SCRIPT the built-in %s example runs.\n"
            "\n"
            "Options:\n"
            "  -m, --machine NAME[,OPT=VALUE...]  the machine (default %s);\n"
            "                                     'emutime machines' lists them\n"
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
            "Exit status: 0 when the script ran (FAIL replies included), 1 on an I/O\n"
            "error, 2 for a bad command line, machine or script file.\n",
            tool_default_script_name, ET_DEFAULT_MACHINE);
}

static void transcript_out(void *opaque, const char *text, size_t len)
{
    FILE *f = opaque;
    fputs("< ", f);
    fwrite(text, 1, len, f);
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            break;
        }
    }
    bool bad = ferror(f);
    if (f != stdin) {
        fclose(f);
    }
    if (bad) {
        snprintf(err, errlen, "%s: read error", path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static bool is_comment_or_blank(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) {
        i++;
    }
    return i == len || line[i] == '#';
}

int tool_cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "machine", required_argument, NULL, 'm' },
        { "trace", required_argument, NULL, 't' },
        { "vcd", required_argument, NULL, 'v' },
        { "load", required_argument, NULL, 'l' },
        { "smp", required_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *machine = NULL, *trace = NULL, *vcd = NULL,
               *load = NULL, *smp = NULL;
    int c;
    tool_getopt_reset();
    while ((c = tool_getopt(argc, argv, ":m:h", longopts, "run")) != -1) {
        switch (c) {
        case 'm': machine = optarg; break;
        case 't': trace = optarg; break;
        case 'v': vcd = optarg; break;
        case 'l': load = optarg; break;
        case 'n': smp = optarg; break;
        case 'h': run_usage(stdout); return TOOL_EXIT_OK;
        default: return TOOL_EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        tool_error("run: one SCRIPT at most, got '%s' and '%s'", argv[optind], argv[optind + 1]);
        return TOOL_EXIT_USAGE;
    }

    char err[512];
    char *script;
    size_t len;
    if (optind < argc) {
        script = read_file(argv[optind], &len, err, sizeof(err));
        if (!script) {
            tool_error("run: %s", err);
            return TOOL_EXIT_USAGE;
        }
    } else {
        len = strlen(tool_default_script);
        script = malloc(len + 1);
        memcpy(script, tool_default_script, len + 1);
    }

    char spec[256];
    const char *machine_spec = tool_machine_spec(machine, smp, spec, sizeof(spec));
    if (!machine_spec) {
        free(script);
        return TOOL_EXIT_USAGE;
    }
    tool_session s;
    int rc = tool_session_open(&s, machine_spec, trace, vcd, load, transcript_out, stdout);
    if (rc != TOOL_EXIT_OK) {
        free(script);
        return rc;
    }
    printf("# machine %s\n", et_machine_board(s.m)->name);
    const char *p = script, *end = script + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (is_comment_or_blank(p, n)) {
            fwrite(p, 1, n, stdout);
            fputc('\n', stdout);
        } else {
            fputs("> ", stdout);
            fwrite(p, 1, n, stdout);
            fputc('\n', stdout);
            et_qtest_execute(s.q, p, n);
        }
        p += n + 1;
    }
    printf("# %" PRIu64 " commands, %" PRIu64 " failed, virtual time %" PRIi64 " ns\n",
           et_qtest_commands(s.q), et_qtest_failures(s.q),
           et_clock_now(et_machine_clock(s.m)));
    free(script);
    rc = tool_session_close(&s);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        tool_error("run: writing the transcript failed");
        rc = TOOL_EXIT_ERROR;
    }
    return rc;
}
