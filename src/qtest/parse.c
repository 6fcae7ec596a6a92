/* qtest command parsing: QEMU 7.2's words and numbers (softmmu/qtest.c),
 * with a FAIL reason wherever QEMU would abort on a failed assertion. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emutime/qtest.h"

/* Enough for every command's arguments; QEMU ignores words past the ones
 * a command uses, and so do we. */
#define MAX_WORDS 8

static int hex_digit(unsigned char c)
{
    unsigned d = (unsigned)c - '0';
    if (d < 10) {
        return (int)d;
    }
    unsigned l = ((unsigned)c | 0x20u) - 'a'; /* either case */
    return l < 6 ? (int)l + 10 : -1;
}

/* The common spellings of the n-byte word w ("0x1f", "1234") without
 * strtoull; anything else (octal, signs, overlong) returns false and goes
 * the slow way. */
static bool parse_fast(const char *w, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
        if (n - 2 > 16) {
            return false;
        }
        for (size_t i = 2; i < n; i++) {
            int d = hex_digit((unsigned char)w[i]);
            if (d < 0) {
                return false;
            }
            v = v << 4 | (uint64_t)d;
        }
        *out = v;
        return true;
    }
    if (n == 1 && w[0] == '0') {
        *out = 0;
        return true;
    }
    if (n == 0 || n > 18 || w[0] < '1' || w[0] > '9') { /* 18 digits cannot overflow */
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)w[i] - '0';
        if (d > 9) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* The whole of the NUL-terminated word w (n bytes long) as strtoull and
 * strtoll with base 0 read it. */
static int parse_u64_n(const char *w, size_t n, uint64_t *out)
{
    if (n == 0) {
        return ET_EINVAL;
    }
    if (parse_fast(w, n, out)) {
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(w, &end, 0);
    if (end == w || *end != '\0' || errno == ERANGE) {
        return ET_EINVAL;
    }
    *out = v;
    return 0;
}

static int parse_i64_n(const char *w, size_t n, int64_t *out)
{
    if (n == 0) {
        return ET_EINVAL;
    }
    uint64_t u;
    if (n > 1 && (w[1] == 'x' || w[1] == 'X')) {
        /* hex: strtoll's range, not strtoull's */
    } else if (parse_fast(w, n, &u)) {
        *out = (int64_t)u; /* at most 18 decimal digits: in range */
        return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(w, &end, 0);
    if (end == w || *end != '\0' || errno == ERANGE) {
        return ET_EINVAL;
    }
    *out = v;
    return 0;
}

static int parse_int_n(const char *w, size_t n, int *out)
{
    int64_t v;
    if (parse_i64_n(w, n, &v) != 0 || v < INT_MIN || v > INT_MAX) {
        return ET_EINVAL;
    }
    *out = (int)v;
    return 0;
}

int et_qtest_parse_u64(const char *word, uint64_t *out)
{
    return word ? parse_u64_n(word, strlen(word), out) : -1;
}

int et_qtest_parse_i64(const char *word, int64_t *out)
{
    return word ? parse_i64_n(word, strlen(word), out) : -1;
}

int et_qtest_parse_int(const char *word, int *out)
{
    return word ? parse_int_n(word, strlen(word), out) : -1;
}

typedef struct parser {
    char *words[MAX_WORDS];
    size_t lens[MAX_WORDS]; /* their lengths */
    unsigned n_words;       /* words stored (at most MAX_WORDS) */
    char *reason;
    size_t reason_len;
} parser;

static et_qtest_parse_result fail(parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static et_qtest_parse_result fail(parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->reason, p->reason_len, fmt, ap);
    va_end(ap);
    return ET_QTEST_PARSE_FAIL;
}

/* memcmp(a, b, n) == 0 for the few bytes of a command name, written out so
 * that it is inlined (a library call costs more than the comparison). */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    return true;
}

/* Whether word i is the string literal lit (a length check first). */
#define WORD_IS(p, i, lit) \
    ((p)->lens[i] == sizeof(lit) - 1 && same_bytes((p)->words[i], lit, sizeof(lit) - 1))

/* Checks that words 1..n exist (QEMU's g_assert(words[1] && ...)). */
static bool have_args(parser *p, unsigned n, const char *usage)
{
    if (p->n_words > n) {
        return true;
    }
    fail(p, "missing argument (usage: %s)", usage);
    return false;
}

/* Word i, which must not be empty; the reason names the argument. */
static bool arg_present(parser *p, unsigned i, const char *what)
{
    if (p->lens[i] == 0) {
        fail(p, "%s is empty (double or trailing space?)", what);
        return false;
    }
    return true;
}

/* Word i as a number of the given kind, with a reason naming the argument. */
static bool arg_u64(parser *p, unsigned i, const char *what, uint64_t *out)
{
    if (!arg_present(p, i, what)) {
        return false;
    }
    if (parse_u64_n(p->words[i], p->lens[i], out) != 0) {
        fail(p, "%s '%.40s' is not a number", what, p->words[i]);
        return false;
    }
    return true;
}

static bool arg_i64(parser *p, unsigned i, const char *what, int64_t *out)
{
    if (!arg_present(p, i, what)) {
        return false;
    }
    if (parse_i64_n(p->words[i], p->lens[i], out) != 0) {
        fail(p, "%s '%.40s' is not a signed 64-bit number", what, p->words[i]);
        return false;
    }
    return true;
}

static bool arg_int(parser *p, unsigned i, const char *what, int *out)
{
    if (!arg_present(p, i, what)) {
        return false;
    }
    if (parse_int_n(p->words[i], p->lens[i], out) != 0) {
        fail(p, "%s '%.40s' is not an int", what, p->words[i]);
        return false;
    }
    return true;
}

static bool arg_string(parser *p, unsigned i, const char *what, const char **out)
{
    if (!arg_present(p, i, what)) {
        return false;
    }
    *out = p->words[i];
    return true;
}

/* readb/readw/readl/readq, writeb..., inb..., outb...: word 0 is the stem
 * of stem_len bytes and one size letter; the size, or 0. */
static inline unsigned size_suffix(const parser *p, const char *stem, size_t stem_len,
                                   bool allow_q)
{
    if (p->lens[0] != stem_len + 1 || !same_bytes(p->words[0], stem, stem_len)) {
        return 0;
    }
    switch (p->words[0][stem_len]) {
    case 'b': return 1;
    case 'w': return 2;
    case 'l': return 4;
    case 'q': return allow_q ? 8 : 0;
    default: return 0;
    }
}

#define SIZED(p, stem, allow_q) size_suffix(p, stem, sizeof(stem) - 1, allow_q)

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

static et_qtest_parse_result parse_transfer(parser *p, et_qtest_cmd *cmd, const char *usage)
{
    if (!have_args(p, 2, usage) || !arg_u64(p, 1, "ADDR", &cmd->addr) ||
        !arg_u64(p, 2, "LEN", &cmd->len)) {
        return ET_QTEST_PARSE_FAIL;
    }
    return ET_QTEST_PARSED;
}

/* write/b64write: QEMU answers data shorter than 3 characters with ERR
 * before looking at it. */
static et_qtest_parse_result parse_data_write(parser *p, et_qtest_cmd *cmd, bool b64)
{
    const char *usage = b64 ? "b64write ADDR LEN BASE64" : "write ADDR LEN 0xHEX";
    if (!have_args(p, 3, usage) || !arg_u64(p, 1, "ADDR", &cmd->addr) ||
        !arg_u64(p, 2, "LEN", &cmd->len)) {
        return ET_QTEST_PARSE_FAIL;
    }
    const char *data = p->words[3];
    size_t n = p->lens[3];
    if (n < 3) {
        snprintf(p->reason, p->reason_len, "invalid argument size");
        return ET_QTEST_PARSE_ERR;
    }
    if (cmd->len > ET_QTEST_MAX_TRANSFER) {
        return fail(p, "LEN %" PRIu64 " is larger than the %u-byte limit", cmd->len,
                    ET_QTEST_MAX_TRANSFER);
    }
    if (!b64) {
        if (data[0] != '0' || (data[1] != 'x' && data[1] != 'X')) {
            return fail(p, "data must start with 0x");
        }
        for (size_t i = 2; i < n; i++) {
            if (!is_hex(data[i])) {
                return fail(p, "data has a non-hex character at position %zu", i);
            }
        }
        cmd->data = data + 2;
        cmd->data_len = n - 2;
    } else {
        if (n % 4 != 0) {
            return fail(p, "base64 data length %zu is not a multiple of 4", n);
        }
        size_t pad = 0;
        for (size_t i = 0; i < n; i++) {
            if (data[i] == '=') {
                pad++;
            } else if (!is_b64(data[i]) || pad) {
                return fail(p, "data has a non-base64 character at position %zu", i);
            }
        }
        if (pad > 2) {
            return fail(p, "base64 data has %zu padding characters", pad);
        }
        cmd->data = data;
        cmd->data_len = n;
    }
    return ET_QTEST_PARSED;
}

static et_qtest_parse_result parse_words(parser *p, et_qtest_cmd *cmd)
{
    const char *w0 = p->words[0];
    const char c0 = w0[0]; /* cheap first test before the comparisons */
    unsigned size;

    if (c0 == 'r' && (size = SIZED(p, "read", true)) != 0) {
        cmd->op = ET_QTEST_READ;
        cmd->size = size;
        if (!have_args(p, 1, "readX ADDR") || !arg_u64(p, 1, "ADDR", &cmd->addr)) {
            return ET_QTEST_PARSE_FAIL;
        }
        return ET_QTEST_PARSED;
    }
    if (c0 == 'w' && (size = SIZED(p, "write", true)) != 0) {
        cmd->op = ET_QTEST_WRITE;
        cmd->size = size;
        if (!have_args(p, 2, "writeX ADDR VALUE") || !arg_u64(p, 1, "ADDR", &cmd->addr) ||
            !arg_u64(p, 2, "VALUE", &cmd->value)) {
            return ET_QTEST_PARSE_FAIL;
        }
        return ET_QTEST_PARSED;
    }
    if (c0 == 'i' && (size = SIZED(p, "in", false)) != 0) {
        cmd->op = ET_QTEST_IN;
        cmd->size = size;
        if (!have_args(p, 1, "inX PORT") || !arg_u64(p, 1, "PORT", &cmd->addr)) {
            return ET_QTEST_PARSE_FAIL;
        }
        if (cmd->addr > 0xffff) {
            return fail(p, "PORT 0x%" PRIx64 " is above 0xffff", cmd->addr);
        }
        return ET_QTEST_PARSED;
    }
    if (c0 == 'o' && (size = SIZED(p, "out", false)) != 0) {
        cmd->op = ET_QTEST_OUT;
        cmd->size = size;
        if (!have_args(p, 2, "outX PORT VALUE") || !arg_u64(p, 1, "PORT", &cmd->addr) ||
            !arg_u64(p, 2, "VALUE", &cmd->value)) {
            return ET_QTEST_PARSE_FAIL;
        }
        if (cmd->addr > 0xffff) {
            return fail(p, "PORT 0x%" PRIx64 " is above 0xffff", cmd->addr);
        }
        return ET_QTEST_PARSED;
    }
    if (c0 == 'r' && WORD_IS(p, 0, "read")) {
        cmd->op = ET_QTEST_READ_BULK;
        if (parse_transfer(p, cmd, "read ADDR LEN") != ET_QTEST_PARSED) {
            return ET_QTEST_PARSE_FAIL;
        }
        if (cmd->len == 0) {
            return fail(p, "read of 0 bytes");
        }
        if (cmd->len > ET_QTEST_MAX_TRANSFER) {
            return fail(p, "LEN %" PRIu64 " is larger than the %u-byte limit", cmd->len,
                        ET_QTEST_MAX_TRANSFER);
        }
        return ET_QTEST_PARSED;
    }
    if (c0 == 'b' && WORD_IS(p, 0, "b64read")) {
        cmd->op = ET_QTEST_B64READ;
        if (parse_transfer(p, cmd, "b64read ADDR LEN") != ET_QTEST_PARSED) {
            return ET_QTEST_PARSE_FAIL;
        }
        if (cmd->len > ET_QTEST_MAX_TRANSFER) {
            return fail(p, "LEN %" PRIu64 " is larger than the %u-byte limit", cmd->len,
                        ET_QTEST_MAX_TRANSFER);
        }
        return ET_QTEST_PARSED;
    }
    if (c0 == 'w' && WORD_IS(p, 0, "write")) {
        cmd->op = ET_QTEST_WRITE_BULK;
        return parse_data_write(p, cmd, false);
    }
    if (c0 == 'b' && WORD_IS(p, 0, "b64write")) {
        cmd->op = ET_QTEST_B64WRITE;
        return parse_data_write(p, cmd, true);
    }
    if (c0 == 'm' && WORD_IS(p, 0, "memset")) {
        cmd->op = ET_QTEST_MEMSET;
        if (!have_args(p, 3, "memset ADDR LEN BYTE") || !arg_u64(p, 1, "ADDR", &cmd->addr) ||
            !arg_u64(p, 2, "LEN", &cmd->len) || !arg_u64(p, 3, "BYTE", &cmd->value)) {
            return ET_QTEST_PARSE_FAIL;
        }
        if (cmd->len > ET_QTEST_MAX_MEMSET) {
            return fail(p, "LEN %" PRIu64 " is larger than the %u-byte limit", cmd->len,
                        ET_QTEST_MAX_MEMSET);
        }
        return ET_QTEST_PARSED;
    }
    if (c0 == 'c' && WORD_IS(p, 0, "clock_step")) {
        if (p->n_words < 2) {
            cmd->op = ET_QTEST_CLOCK_STEP_NEXT;
            return ET_QTEST_PARSED;
        }
        cmd->op = ET_QTEST_CLOCK_STEP;
        return arg_i64(p, 1, "NS", &cmd->ns) ? ET_QTEST_PARSED : ET_QTEST_PARSE_FAIL;
    }
    if (c0 == 'c' && WORD_IS(p, 0, "clock_set")) {
        cmd->op = ET_QTEST_CLOCK_SET;
        if (!have_args(p, 1, "clock_set NS") || !arg_i64(p, 1, "NS", &cmd->ns)) {
            return ET_QTEST_PARSE_FAIL;
        }
        return ET_QTEST_PARSED;
    }
    if (WORD_IS(p, 0, "irq_intercept_in") || WORD_IS(p, 0, "irq_intercept_out")) {
        cmd->op = w0[14] == 'o' ? ET_QTEST_INTERCEPT_OUT : ET_QTEST_INTERCEPT_IN;
        if (!have_args(p, 1, "irq_intercept_in|irq_intercept_out PATH") ||
            !arg_string(p, 1, "PATH", &cmd->path)) {
            return ET_QTEST_PARSE_FAIL;
        }
        return ET_QTEST_PARSED;
    }
    if (WORD_IS(p, 0, "set_irq_in")) {
        cmd->op = ET_QTEST_SET_IRQ_IN;
        if (!have_args(p, 4, "set_irq_in PATH NAME NUM LEVEL") ||
            !arg_string(p, 1, "PATH", &cmd->path) || !arg_string(p, 2, "NAME", &cmd->name) ||
            !arg_int(p, 3, "NUM", &cmd->num) || !arg_int(p, 4, "LEVEL", &cmd->level)) {
            return ET_QTEST_PARSE_FAIL;
        }
        return ET_QTEST_PARSED;
    }
    if (WORD_IS(p, 0, "endianness")) {
        cmd->op = ET_QTEST_ENDIANNESS;
        return ET_QTEST_PARSED;
    }
    if (WORD_IS(p, 0, "snapshot_save") || WORD_IS(p, 0, "snapshot_load")) {
        cmd->op = w0[9] == 's' ? ET_QTEST_SNAPSHOT_SAVE : ET_QTEST_SNAPSHOT_LOAD;
        if (!have_args(p, 1, "snapshot_save|snapshot_load FILE") ||
            !arg_string(p, 1, "FILE", &cmd->path)) {
            return ET_QTEST_PARSE_FAIL;
        }
        return ET_QTEST_PARSED;
    }
    /* QEMU's reply, quoting the word (possibly empty). */
    return fail(p, "Unknown command '%.64s'", w0);
}

/* Bytes of a word, 0x01 and 0x80 in every lane. */
#define LANES_01 0x0101010101010101ull
#define LANES_80 0x8080808080808080ull

/* Whether every byte of the 8-byte word x is printable (' '..'~'). A byte
 * below 0x20 borrows when 0x20 is taken from it, a byte of 0x7f or more
 * has its top bit set or gets it when 1 is added: each sets the top bit of
 * its own lane. Carries and borrows that leak into the next lane start at a
 * bad byte, so they never make a good word look bad. */
static inline bool all_printable(uint64_t x)
{
    return (((x - 0x20 * LANES_01) | x | (x + LANES_01)) & LANES_80) == 0;
}

/* The top bit of every lane of x that holds a space, and no other bit:
 * exact, unlike the borrow test above (no lane can carry into the next). */
static inline uint64_t space_bytes(uint64_t x)
{
    uint64_t t = x ^ (0x20 * LANES_01); /* spaces become 0 */
    return ~(((t & ~LANES_80) + ~LANES_80) | t | ~LANES_80);
}

/* The byte offset in memory of the lowest lane flagged in mask. */
static inline size_t byte_index(uint64_t mask)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (size_t)__builtin_ctzll(mask) / 8;
#else
    return (size_t)__builtin_clzll(mask) / 8;
#endif
}

/* The word line[start, end) ends at a space: stored if there is room. */
static inline void add_word(parser *p, unsigned *n, char *line, size_t start, size_t end)
{
    line[end] = '\0';
    if (*n < MAX_WORDS) {
        p->words[*n] = line + start;
        p->lens[*n] = end - start;
    }
    (*n)++;
}

et_qtest_parse_result et_qtest_parse(char *line, size_t len, et_qtest_cmd *cmd, char *reason,
                                     size_t reason_len)
{
    /* Not zero-initialised: only the words stored are read, and clearing
     * the arrays costs more than parsing a short command. */
    parser p;
    p.n_words = 0;
    p.reason = reason;
    p.reason_len = reason_len;
    memset(cmd, 0, sizeof(*cmd));
    if (reason_len) {
        reason[0] = '\0';
    }
    if (len && line[len - 1] == '\r') {
        len--;
    }
    if (len > ET_QTEST_MAX_LINE) {
        return fail(&p, "line longer than %u bytes", ET_QTEST_MAX_LINE);
    }
    if (len == 0) {
        return fail(&p, "empty line");
    }
    /* One pass: reject binary junk, split on single spaces (keeping empty
     * words, as g_strsplit(line, " ", 0) does). Only the first MAX_WORDS
     * words are stored. */
    size_t start = 0, i = 0;
    unsigned n = 0;
    /* Eight bytes at a time while they are all printable (the usual case),
     * then byte by byte, which also finds the column of a bad byte. */
    for (; i + 8 <= len; i += 8) {
        uint64_t x;
        memcpy(&x, line + i, 8);
        if (!all_printable(x)) {
            break;
        }
        for (uint64_t sp = space_bytes(x); sp; sp &= sp - 1) {
            size_t at = i + byte_index(sp);
            add_word(&p, &n, line, start, at);
            start = at + 1;
        }
    }
    for (; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((unsigned char)(c - 0x20) >= 0x5f) { /* outside ' '..'~' */
            return fail(&p, "non-printable byte 0x%02x at column %zu", c, i + 1);
        }
        if (c == ' ') {
            add_word(&p, &n, line, start, i);
            start = i + 1;
        }
    }
    if (n < MAX_WORDS) {
        p.words[n] = line + start;
        p.lens[n] = len - start;
    }
    p.n_words = n + 1 < MAX_WORDS ? n + 1 : MAX_WORDS;
    line[len] = '\0';
    return parse_words(&p, cmd);
}
