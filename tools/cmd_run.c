/* `emutime run`: a qtest script executed on a machine, printed as a
 * transcript: each command ("> ") followed by the IRQ lines it caused and
 * its reply ("< "); the script's comments and blank lines are kept. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Opens the script: a path, '-' for stdin. A directory is refused here,
 * before the machine starts, with the reason. */
static FILE *open_script(const char *path, char *err, size_t errlen)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
        if (f != stdin) {
            fclose(f);
        }
        return NULL;
    }
    return f;
}

enum { LINE_OK, LINE_EOF, LINE_ERROR, LINE_TOO_LONG };

/* Reads one line (without its newline) into *buf, grown as needed but never
 * beyond the longest line the qtest parser accepts: the script is streamed,
 * so memory stays bounded whatever the input (a file with no newline at all,
 * such as /dev/zero, ends the run at the limit). */
static int read_line(FILE *f, char **buf, size_t *cap, size_t *len)
{
    size_t n = 0;
    int ch;
    while ((ch = getc(f)) != EOF && ch != '\n') {
        if (n == ET_QTEST_MAX_LINE) {
            return LINE_TOO_LONG;
        }
        if (n == *cap) {
            size_t grown = *cap ? *cap * 2 : 256;
            if (grown > ET_QTEST_MAX_LINE) {
                grown = ET_QTEST_MAX_LINE;
            }
            char *p = realloc(*buf, grown);
            if (!p) {
                errno = ENOMEM;
                return LINE_ERROR;
            }
            *buf = p;
            *cap = grown;
        }
        (*buf)[n++] = (char)ch;
    }
    if (ch == EOF && ferror(f)) {
        return LINE_ERROR;
    }
    *len = n;
    return ch == EOF && n == 0 ? LINE_EOF : LINE_OK;
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
    FILE *script;
    const char *script_name = optind < argc ? argv[optind] : tool_default_script_name;
    if (optind < argc) {
        script = open_script(argv[optind], err, sizeof(err));
        if (!script) {
            tool_error("run: %s", err);
            return TOOL_EXIT_USAGE;
        }
    } else {
        script = fmemopen((void *)tool_default_script, strlen(tool_default_script), "r");
        if (!script) {
            tool_error("run: the built-in script: %s", strerror(errno));
            return TOOL_EXIT_ERROR;
        }
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
        if (script != stdin) {
            fclose(script);
        }
        return rc;
    }
    printf("# machine %s\n", et_machine_board(s.m)->name);
    char *line = NULL;
    size_t cap = 0, n;
    unsigned long lineno = 0;
    int got;
    while ((got = read_line(script, &line, &cap, &n)) == LINE_OK) {
        lineno++;
        if (is_comment_or_blank(line, n)) {
            fwrite(line, 1, n, stdout);
            fputc('\n', stdout);
        } else {
            fputs("> ", stdout);
            fwrite(line, 1, n, stdout);
            fputc('\n', stdout);
            et_qtest_execute(s.q, line, n);
        }
    }
    int read_rc = TOOL_EXIT_OK;
    if (got == LINE_TOO_LONG) {
        tool_error("run: %s: line %lu is longer than %u bytes", script_name, lineno + 1,
                   ET_QTEST_MAX_LINE);
        read_rc = TOOL_EXIT_USAGE;
    } else if (got == LINE_ERROR) {
        tool_error("run: %s: line %lu: %s", script_name, lineno + 1, strerror(errno));
        read_rc = TOOL_EXIT_ERROR;
    }
    free(line);
    if (script != stdin) {
        fclose(script);
    }
    printf("# %" PRIu64 " commands, %" PRIu64 " failed, virtual time %" PRIi64 " ns\n",
           et_qtest_commands(s.q), et_qtest_failures(s.q),
           et_clock_now(et_machine_clock(s.m)));
    rc = tool_session_close(&s);
    if (rc == TOOL_EXIT_OK) {
        rc = read_rc;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        tool_error("run: writing the transcript failed");
        rc = TOOL_EXIT_ERROR;
    }
    return rc;
}
