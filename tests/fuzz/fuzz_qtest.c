/* Fuzz target: the qtest protocol parser and server on every machine.
 *
 * Input: byte 0 picks the board; the rest is fed to a qtest server as raw
 * protocol input, in chunks whose sizes come from the input itself (so line
 * reassembly across reads is exercised too).
 *
 * Invariants, beyond "no crash and no sanitizer report":
 *   - every command gets exactly one reply line (OK, FAIL or ERR), and every
 *     other output line is an "IRQ raise N" / "IRQ lower N" event;
 *   - each intercepted line's events alternate (a level changes each time);
 *   - et_qtest_parse never accepts an access size other than 1, 2, 4 or 8.
 * snapshot_save/snapshot_load are neutralised: a fuzzer must not write files.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emutime/emutime.h"
#include "emutime/machine.h"
#include "emutime/qtest.h"

typedef struct output {
    char line[512];
    size_t len;
    bool overflow;
    unsigned long replies;
    signed char irq_level[ET_QTEST_MAX_IRQ];
} output;

static void check_line(output *o)
{
    const char *s = o->line;
    if (o->overflow) {
        /* Only bulk-read replies are this long. */
        if (strncmp(s, "OK 0x", 5) != 0 && strncmp(s, "OK ", 3) != 0) {
            fprintf(stderr, "fuzz: overlong output line that is not a reply\n");
            abort();
        }
        o->replies++;
        return;
    }
    if (!strncmp(s, "OK", 2) || !strncmp(s, "FAIL", 4) || !strncmp(s, "ERR", 3)) {
        o->replies++;
        return;
    }
    int n;
    char kind[8];
    if (sscanf(s, "IRQ %7s %d", kind, &n) == 2 && n >= 0 && n < ET_QTEST_MAX_IRQ) {
        int level = !strcmp(kind, "raise") ? 1 : !strcmp(kind, "lower") ? 0 : -1;
        if (level < 0 || o->irq_level[n] == level) {
            fprintf(stderr, "fuzz: bad or repeated IRQ event '%s'\n", s);
            abort();
        }
        o->irq_level[n] = (signed char)level;
        return;
    }
    fprintf(stderr, "fuzz: unexpected output line '%s'\n", s);
    abort();
}

static void on_output(void *opaque, const char *text, size_t len)
{
    output *o = opaque;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            o->line[o->len < sizeof(o->line) ? o->len : sizeof(o->line) - 1] = 0;
            check_line(o);
            o->len = 0;
            o->overflow = false;
        } else if (o->len < sizeof(o->line) - 1) {
            o->line[o->len++] = text[i];
        } else {
            o->overflow = true;
        }
    }
}

static void quiet_log(void *opaque, const char *line)
{
    (void)opaque;
    (void)line;
}

/* Virtual time one input may ask for, in all: every expiry costs, and a
 * device can run a 10 ns periodic timer. Larger requests are neutralised
 * (their line becomes an unknown command) so every input runs in bounded
 * time; memsets are bounded likewise. */
#define STEP_BUDGET_NS 20000000
#define MEMSET_BUDGET (1u << 20)

/* The parser alone, line by line; also applies the budgets above to text. */
static void parse_lines(char *text, size_t len)
{
    int64_t budget = STEP_BUDGET_NS;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == '\n') {
            size_t n = i - start;
            char *copy = malloc(n + 1);
            if (!copy) {
                abort();
            }
            memcpy(copy, text + start, n);
            copy[n] = 0;
            et_qtest_cmd cmd;
            char reason[192];
            if (et_qtest_parse(copy, n, &cmd, reason, sizeof(reason)) == ET_QTEST_PARSED) {
                if ((cmd.op == ET_QTEST_READ || cmd.op == ET_QTEST_WRITE) &&
                    cmd.size != 1 && cmd.size != 2 && cmd.size != 4 && cmd.size != 8) {
                    fprintf(stderr, "fuzz: parser accepted access size %u\n", cmd.size);
                    abort();
                }
                bool too_much = false;
                if (cmd.op == ET_QTEST_CLOCK_STEP) {
                    too_much = cmd.ns < 0 || cmd.ns > budget;
                    budget -= too_much ? 0 : cmd.ns;
                } else if (cmd.op == ET_QTEST_CLOCK_SET) {
                    too_much = cmd.ns > STEP_BUDGET_NS;
                } else if (cmd.op == ET_QTEST_MEMSET) {
                    too_much = cmd.len > MEMSET_BUDGET;
                }
                if (too_much && n > 0) {
                    text[start] = '#';
                }
            }
            free(copy);
            start = i + 1;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || et_board_count() == 0) {
        return 0;
    }
    et_set_log_sink(quiet_log, NULL);
    const et_board *board = et_board_get(data[0] % et_board_count());
    char *text = malloc(size);
    if (!text) {
        abort();
    }
    memcpy(text, data + 1, size - 1);
    size_t len = size - 1;
    for (char *p = text; (p = memmem(p, (size_t)(text + len - p), "snapshot_", 9)); p++) {
        p[0] = 'x';
    }
    parse_lines(text, len);

    char err[256];
    et_machine *m = et_machine_new(board->name, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "fuzz: cannot create %s: %s\n", board->name, err);
        abort();
    }
    output o = { .len = 0 };
    et_qtest *q = et_qtest_new(m, on_output, &o);
    size_t pos = 0;
    unsigned chunk = 1;
    while (pos < len) {
        size_t n = chunk < len - pos ? chunk : len - pos;
        et_qtest_feed(q, text + pos, n);
        pos += n;
        chunk = chunk * 7 % 61 + 1; /* varied chunk sizes, deterministic */
    }
    et_qtest_finish(q);
    if (o.replies != et_qtest_commands(q)) {
        fprintf(stderr, "fuzz: %lu replies for %llu commands\n", o.replies,
                (unsigned long long)et_qtest_commands(q));
        abort();
    }
    et_qtest_free(q);
    et_machine_free(m);
    free(text);
    return 0;
}
