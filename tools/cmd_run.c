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
            "      --ignore-failures              exit 0 even when commands got FAIL\n"
            "  -h, --help                         show this help\n"
            "\n"
            "A script names its machine on a '# machine: NAME[,OPT=VALUE...]' line among\n"
            "its leading comments; --machine overrides it.\n"
            "\n"
            "Exit status: 0 when every command succeeded, 3 when a command got a FAIL\n"
            "reply (0 with --ignore-failures), 1 on an I/O error, 2 for a bad command\n"
            "line, machine or script file.\n",
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

/* The script's leading comments and blank lines, read before the machine
 * exists so that a "# machine: SPEC" line among them can choose it. Bounded:
 * past HEADER_MAX bytes the rest is streamed as usual and not searched. */
#define HEADER_MAX 65536

typedef struct header {
    char *text; /* the lines, each with its newline */
    size_t len;
    unsigned long lines;
    char machine[256]; /* from "# machine: SPEC", or "" */
    char *pending;     /* the first line after the header (a command), or NULL */
    size_t pending_len;
    int got;           /* read_line's result for pending */
} header;

static void parse_machine_line(header *h, const char *line, size_t n)
{
    static const char key[] = "# machine:";
    if (h->machine[0] || n < sizeof(key) - 1 || memcmp(line, key, sizeof(key) - 1) != 0) {
        return;
    }
    size_t i = sizeof(key) - 1, end = n;
    while (i < n && (line[i] == ' ' || line[i] == '\t')) {
        i++;
    }
    while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r')) {
        end--;
    }
    if (end > i && end - i < sizeof(h->machine)) {
        memcpy(h->machine, line + i, end - i);
        h->machine[end - i] = '\0';
    }
}

static void read_header(FILE *f, header *h, char **line, size_t *cap)
{
    size_t n;
    memset(h, 0, sizeof(*h));
    while ((h->got = read_line(f, line, cap, &n)) == LINE_OK && is_comment_or_blank(*line, n) &&
           h->len + n + 1 <= HEADER_MAX) {
        parse_machine_line(h, *line, n);
        char *grown = realloc(h->text, h->len + n + 1);
        if (!grown) {
            h->got = LINE_ERROR;
            errno = ENOMEM;
            return;
        }
        h->text = grown;
        memcpy(h->text + h->len, *line, n);
        h->text[h->len + n] = '\n';
        h->len += n + 1;
        h->lines++;
    }
    if (h->got == LINE_OK) { /* a command (or an overlong header): handled by the loop */
        h->pending = *line;
        h->pending_len = n;
    }
}

int tool_cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "machine", required_argument, NULL, 'm' },
        { "trace", required_argument, NULL, 't' },
        { "vcd", required_argument, NULL, 'v' },
        { "load", required_argument, NULL, 'l' },
        { "smp", required_argument, NULL, 'n' },
        { "ignore-failures", no_argument, NULL, 'i' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *machine = NULL, *trace = NULL, *vcd = NULL,
               *load = NULL, *smp = NULL;
    bool ignore_failures = false;
    int c;
    tool_getopt_reset();
    while ((c = tool_getopt(argc, argv, ":m:h", longopts, "run")) != -1) {
        switch (c) {
        case 'm': machine = optarg; break;
        case 't': trace = optarg; break;
        case 'v': vcd = optarg; break;
        case 'l': load = optarg; break;
        case 'n': smp = optarg; break;
        case 'i': ignore_failures = true; break;
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

    char *line = NULL;
    size_t cap = 0, n;
    header h;
    read_header(script, &h, &line, &cap);
    char spec[256];
    const char *machine_spec =
        tool_machine_spec(machine ? machine : (h.machine[0] ? h.machine : NULL), smp, spec,
                          sizeof(spec));
    tool_session s;
    int rc = machine_spec ? tool_session_open(&s, machine_spec, trace, vcd, load,
                                              transcript_out, stdout)
                          : TOOL_EXIT_USAGE;
    if (rc != TOOL_EXIT_OK) {
        free(h.text);
        free(line);
        if (script != stdin) {
            fclose(script);
        }
        return rc;
    }
    printf("# machine %s\n", et_machine_board(s.m)->name);
    if (h.len) {
        fwrite(h.text, 1, h.len, stdout);
    }
    free(h.text);
    unsigned long lineno = h.lines;
    int got = h.got;
    n = h.pending_len;
    while (got == LINE_OK) {
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
        got = read_line(script, &line, &cap, &n);
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
    bool failed = et_qtest_failures(s.q) > 0;
    rc = tool_session_close(&s);
    if (rc == TOOL_EXIT_OK) {
        rc = read_rc;
    }
    if (rc == TOOL_EXIT_OK && failed && !ignore_failures) {
        rc = TOOL_EXIT_FAILED_COMMANDS;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        tool_error("run: writing the transcript failed");
        rc = TOOL_EXIT_ERROR;
    }
    return rc;
}
