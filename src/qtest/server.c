/* The qtest server: executes parsed commands on a machine and writes QEMU's
 * replies, with the IRQ lines of the intercepted device first (QEMU 7.2
 * softmmu/qtest.c: a line is reported only when its level differs from
 * qtest's own record, which starts at 0). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "emutime/qtest.h"
#include "emutime/snapshot.h"
#include "qtest/qtest_internal.h"

struct et_qtest {
    et_machine *m;
    et_qtest_output_fn out;
    void *out_opaque;
    uint8_t irq_levels[ET_QTEST_MAX_IRQ];

    /* Line assembly for et_qtest_feed. */
    char *line;
    size_t len, cap;
    bool overlong;

    /* Output: each line is formatted in place at the end of out_buf, then
     * handed to out at once or, while batched, once OUT_BATCH bytes have
     * gathered and at et__qtest_flush. */
    char *out_buf;
    size_t out_len, out_cap;
    bool batched;

    /* Scratch for transfers, and for et_qtest_feed's copy of its input. */
    uint8_t *data;
    size_t data_cap;
    char *feed_copy;

    uint64_t commands, failures;
    et_qtest_notify_fn command_notify;
    void *command_notify_opaque;
};

/* A batch is handed on once it reaches this size: few large writes, and
 * memory bounded by it plus one line. */
#define OUT_BATCH (64u << 10)
/* et_qtest_feed executes its input from a private copy of this size. */
#define FEED_CHUNK (64u << 10)

static void out_flush(et_qtest *q)
{
    if (q->out_len) {
        q->out(q->out_opaque, q->out_buf, q->out_len);
        q->out_len = 0;
    }
}

/* Room for n more bytes of output; out_commit then says how many were
 * written there (one or more whole lines). */
static char *out_reserve(et_qtest *q, size_t n)
{
    if (n > q->out_cap - q->out_len) {
        size_t cap = q->out_cap ? q->out_cap : 256;
        while (cap - q->out_len < n) {
            cap *= 2;
        }
        q->out_buf = et__xrealloc(q->out_buf, cap);
        q->out_cap = cap;
    }
    return q->out_buf + q->out_len;
}

static void out_commit(et_qtest *q, size_t n)
{
    q->out_len += n;
    if (!q->batched || q->out_len >= OUT_BATCH) {
        out_flush(q);
    }
}

static void emit(et_qtest *q, const char *text, size_t len)
{
    memcpy(out_reserve(q, len), text, len);
    out_commit(q, len);
}

static void emit_str(et_qtest *q, const char *text)
{
    emit(q, text, strlen(text));
}

/* v in decimal at out; returns the number of digits. */
/* Two digits per division: clock_step's reply is a 10- to 19-digit time. */
static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

static size_t format_decimal(uint64_t v, char *out)
{
    char digits[20];
    size_t n = sizeof(digits);
    while (v >= 100) {
        unsigned pair = (unsigned)(v % 100);
        v /= 100;
        n -= 2;
        memcpy(digits + n, digit_pairs + 2 * pair, 2);
    }
    if (v >= 10) {
        n -= 2;
        memcpy(digits + n, digit_pairs + 2 * v, 2);
    } else {
        digits[--n] = (char)('0' + v);
    }
    memcpy(out, digits + n, sizeof(digits) - n);
    return sizeof(digits) - n;
}

static const char hexdig[] = "0123456789abcdef";

/* "IRQ raise N" / "IRQ lower N", only on a change of qtest's record. */
static void on_irq(void *opaque, int n, int level)
{
    et_qtest *q = opaque;
    if (n < 0 || n >= ET_QTEST_MAX_IRQ || q->irq_levels[n] == (uint8_t)level) {
        return;
    }
    q->irq_levels[n] = (uint8_t)level;
    char *r = out_reserve(q, sizeof("IRQ raise 255\n"));
    memcpy(r, level ? "IRQ raise " : "IRQ lower ", 10);
    size_t len = 10 + format_decimal((uint64_t)n, r + 10);
    r[len++] = '\n';
    out_commit(q, len);
}

et_qtest *et_qtest_new(et_machine *m, et_qtest_output_fn out, void *opaque)
{
    et_qtest *q = et__xcalloc(1, sizeof(*q));
    q->m = m;
    q->out = out;
    q->out_opaque = opaque;
    et_machine_set_intercept_sink(m, on_irq, q);
    return q;
}

void et_qtest_free(et_qtest *q)
{
    if (!q) {
        return;
    }
    et_machine_set_intercept_sink(q->m, NULL, NULL);
    free(q->line);
    free(q->out_buf);
    free(q->data);
    free(q->feed_copy);
    free(q);
}

void et__qtest_set_output(et_qtest *q, et_qtest_output_fn out, void *opaque)
{
    q->out = out;
    q->out_opaque = opaque;
}

void et__qtest_get_output(const et_qtest *q, et_qtest_output_fn *out, void **opaque)
{
    *out = q->out;
    *opaque = q->out_opaque;
}

void et__qtest_set_batched(et_qtest *q, bool batched)
{
    q->batched = batched;
    if (!batched) {
        out_flush(q);
    }
}

void et__qtest_flush(et_qtest *q)
{
    out_flush(q);
}

void et_qtest_set_command_notify(et_qtest *q, et_qtest_notify_fn fn, void *opaque)
{
    q->command_notify = fn;
    q->command_notify_opaque = opaque;
}

uint64_t et_qtest_commands(const et_qtest *q)
{
    return q->commands;
}

uint64_t et_qtest_failures(const et_qtest *q)
{
    return q->failures;
}

static uint8_t *data_buf(et_qtest *q, size_t len)
{
    if (len > q->data_cap) {
        q->data = et__xrealloc(q->data, len);
        q->data_cap = len;
    }
    return q->data;
}

/* The 8 lowercase hex digits of x at `at`, most significant first: every
 * read's reply has 16 of them, so they are made eight at a time (one per
 * byte of a word) instead of one by one. */
static void store_hex8(char *at, uint32_t x)
{
    /* Spread the nibbles to one per byte, least significant in byte 0. */
    uint64_t n = x;
    n = (n | n << 16) & 0x0000ffff0000ffffull;
    n = (n | n << 8) & 0x00ff00ff00ff00ffull;
    n = (n | n << 4) & 0x0f0f0f0f0f0f0f0full;
    /* 1 in each byte whose nibble is 10 or more (adding 6 carries into bit
     * 4): those go to 'a'.. instead of '0'.. */
    uint64_t letter = ((n + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull;
    n += 0x3030303030303030ull + letter * ('a' - '0' - 10);
    /* The most significant digit (byte 7) goes to the lowest address. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    n = __builtin_bswap64(n);
#endif
    memcpy(at, &n, 8);
}

/* "OK 0x" + 16 hex digits (QEMU's "OK 0x%016" PRIx64). */
static void reply_hex64(et_qtest *q, uint64_t v)
{
    char *r = out_reserve(q, 22);
    memcpy(r, "OK 0x", 5);
    store_hex8(r + 5, (uint32_t)(v >> 32));
    store_hex8(r + 13, (uint32_t)v);
    r[21] = '\n';
    out_commit(q, 22);
}

static void reply_ok(et_qtest *q)
{
    emit(q, "OK\n", 3);
}

/* "<keyword> <reason>": a failed command. */
static void reply_error(et_qtest *q, const char *keyword, const char *reason)
{
    q->failures++;
    size_t k = strlen(keyword), n = strlen(reason);
    char *r = out_reserve(q, k + n + 2);
    memcpy(r, keyword, k);
    r[k] = ' ';
    memcpy(r + k + 1, reason, n);
    r[k + 1 + n] = '\n';
    out_commit(q, k + n + 2);
}

static void reply_fail(et_qtest *q, const char *reason)
{
    reply_error(q, "FAIL", reason);
}

/* "OK <ns>" (QEMU's "OK %" PRIi64). */
static void reply_time(et_qtest *q)
{
    int64_t now = et_clock_now(et_machine_clock(q->m));
    char *r = out_reserve(q, sizeof("OK -9223372036854775808\n"));
    size_t len = 3;
    memcpy(r, "OK ", 3);
    if (now < 0) {
        r[len++] = '-';
    }
    len += format_decimal(now < 0 ? (uint64_t)0 - (uint64_t)now : (uint64_t)now, r + len);
    r[len++] = '\n';
    out_commit(q, len);
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes validated base64 (length a multiple of 4); returns the bytes. */
static size_t b64_decode(const char *s, size_t n, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i + 4 <= n; i += 4) {
        int v[4];
        int k;
        for (k = 0; k < 4 && s[i + k] != '='; k++) {
            v[k] = b64_value(s[i + k]);
        }
        uint32_t bits = 0;
        for (int j = 0; j < 4; j++) {
            bits = (bits << 6) | (uint32_t)(j < k ? v[j] : 0);
        }
        if (k >= 2) {
            out[o++] = (uint8_t)(bits >> 16);
        }
        if (k >= 3) {
            out[o++] = (uint8_t)(bits >> 8);
        }
        if (k == 4) {
            out[o++] = (uint8_t)bits;
        }
    }
    return o;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t bits = (uint32_t)in[i] << 16;
        if (i + 1 < n) {
            bits |= (uint32_t)in[i + 1] << 8;
        }
        if (i + 2 < n) {
            bits |= in[i + 2];
        }
        out[o++] = b64chars[(bits >> 18) & 63];
        out[o++] = b64chars[(bits >> 12) & 63];
        out[o++] = i + 1 < n ? b64chars[(bits >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64chars[bits & 63] : '=';
    }
    return o;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return c - 'A' + 10; /* validated by the parser */
}

/* snapshot_save FILE / snapshot_load FILE: the whole machine. */
static void run_snapshot(et_qtest *q, const et_qtest_cmd *c)
{
    char err[256];
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc;
    if (c->op == ET_QTEST_SNAPSHOT_SAVE) {
        rc = et_machine_snapshot_save(q->m, &buf, &len, err, sizeof(err));
        if (rc == 0) {
            rc = et_snapshot_write_file(c->path, buf, len, err, sizeof(err));
        }
    } else {
        rc = et_snapshot_read_file(c->path, &buf, &len, err, sizeof(err));
        if (rc == 0) {
            rc = et_machine_snapshot_load(q->m, buf, len, err, sizeof(err));
        }
    }
    free(buf);
    if (rc == 0) {
        reply_ok(q);
    } else {
        reply_fail(q, err);
    }
}

static void run(et_qtest *q, const et_qtest_cmd *c)
{
    et_machine *m = q->m;
    et_clock *clock = et_machine_clock(m);
    switch (c->op) {
    case ET_QTEST_READ:
        reply_hex64(q, et_machine_read(m, c->addr, c->size));
        return;
    case ET_QTEST_WRITE:
        et_machine_write(m, c->addr, c->value, c->size);
        reply_ok(q);
        return;
    case ET_QTEST_READ_BULK: {
        uint8_t *d = data_buf(q, c->len);
        et_machine_read_bytes(m, c->addr, d, c->len);
        char *r = out_reserve(q, 2 * c->len + 6);
        memcpy(r, "OK 0x", 5);
        for (size_t i = 0; i < c->len; i++) {
            r[5 + 2 * i] = hexdig[d[i] >> 4];
            r[6 + 2 * i] = hexdig[d[i] & 0xf];
        }
        r[5 + 2 * c->len] = '\n';
        out_commit(q, 6 + 2 * c->len);
        return;
    }
    case ET_QTEST_B64READ: {
        uint8_t *d = data_buf(q, c->len ? c->len : 1);
        et_machine_read_bytes(m, c->addr, d, c->len);
        char *r = out_reserve(q, 4 * (c->len / 3 + 1) + 4);
        memcpy(r, "OK ", 3);
        size_t n = b64_encode(d, c->len, r + 3);
        r[3 + n] = '\n';
        out_commit(q, 4 + n);
        return;
    }
    case ET_QTEST_WRITE_BULK: {
        /* QEMU: byte i from digits 2i and 2i+1; missing bytes are 0. */
        uint8_t *d = data_buf(q, c->len ? c->len : 1);
        for (size_t i = 0; i < c->len; i++) {
            d[i] = 2 * i + 2 <= c->data_len
                       ? (uint8_t)(hex_value(c->data[2 * i]) << 4 | hex_value(c->data[2 * i + 1]))
                       : 0;
        }
        et_machine_write_bytes(m, c->addr, d, c->len);
        reply_ok(q);
        return;
    }
    case ET_QTEST_B64WRITE: {
        uint8_t *d = data_buf(q, c->data_len);
        size_t n = b64_decode(c->data, c->data_len, d);
        /* QEMU logs a length mismatch and writes what it has. */
        et_machine_write_bytes(m, c->addr, d, n < c->len ? n : c->len);
        reply_ok(q);
        return;
    }
    case ET_QTEST_MEMSET:
        if (c->len) {
            et_machine_fill(m, c->addr, (uint8_t)c->value, c->len);
        }
        reply_ok(q);
        return;
    case ET_QTEST_IN: {
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "OK 0x%04x\n",
                         et_machine_in(m, (uint16_t)c->addr, c->size));
        emit(q, buf, (size_t)n);
        return;
    }
    case ET_QTEST_OUT:
        et_machine_out(m, (uint16_t)c->addr, (uint32_t)c->value, c->size);
        reply_ok(q);
        return;
    case ET_QTEST_CLOCK_STEP:
        if (c->ns > 0) {
            int64_t now = et_clock_now(clock);
            /* Saturate: time ends at INT64_MAX. */
            et_clock_step(clock, c->ns > INT64_MAX - now ? INT64_MAX - now : c->ns);
        }
        reply_time(q);
        return;
    case ET_QTEST_CLOCK_STEP_NEXT: {
        int64_t deadline = et_clock_deadline(clock);
        if (deadline != ET_NO_DEADLINE) {
            int64_t now = et_clock_now(clock);
            et_clock_step(clock, deadline > now ? deadline - now : 0);
        }
        reply_time(q);
        return;
    }
    case ET_QTEST_CLOCK_SET:
        et_clock_set(clock, c->ns);
        reply_time(q);
        return;
    case ET_QTEST_INTERCEPT_IN:
    case ET_QTEST_INTERCEPT_OUT:
        switch (et_machine_intercept(m, c->path, c->op == ET_QTEST_INTERCEPT_OUT)) {
        case ET_OK: reply_ok(q); return;
        case ET_ENOENT: reply_fail(q, "Unknown device"); return;
        default: reply_fail(q, "IRQ intercept already enabled"); return;
        }
    case ET_QTEST_SET_IRQ_IN: {
        char why[160];
        if (et_machine_set_irq_in(m, c->path, c->name, c->num, c->level, why, sizeof(why)) != 0) {
            reply_fail(q, why);
        } else {
            reply_ok(q);
        }
        return;
    }
    case ET_QTEST_ENDIANNESS:
        emit_str(q, "OK little\n");
        return;
    case ET_QTEST_SNAPSHOT_SAVE:
    case ET_QTEST_SNAPSHOT_LOAD:
        run_snapshot(q, c);
        return;
    }
}

static void execute_parsed(et_qtest *q, char *line, size_t len);

/* line[len] must be writable. */
static void execute_mut(et_qtest *q, char *line, size_t len)
{
    execute_parsed(q, line, len);
    if (q->command_notify) {
        q->command_notify(q->command_notify_opaque);
    }
}

static void execute_parsed(et_qtest *q, char *line, size_t len)
{
    q->commands++;
    /* A reset a device requested during the previous command runs now, as
     * QEMU's main loop runs it after that command's reply. */
    et_machine_run_pending_reset(q->m);
    et_qtest_cmd cmd;
    char reason[192];
    switch (et_qtest_parse(line, len, &cmd, reason, sizeof(reason))) {
    case ET_QTEST_PARSED:
        run(q, &cmd);
        return;
    case ET_QTEST_PARSE_FAIL:
        reply_fail(q, reason);
        return;
    case ET_QTEST_PARSE_ERR:
        reply_error(q, "ERR", reason);
        return;
    }
}

/* The one reply to a line longer than ET_QTEST_MAX_LINE, however it came. */
static void reply_overlong(et_qtest *q)
{
    q->commands++;
    char reason[64];
    snprintf(reason, sizeof(reason), "line longer than %u bytes", ET_QTEST_MAX_LINE);
    reply_fail(q, reason);
    if (q->command_notify) {
        q->command_notify(q->command_notify_opaque);
    }
}

void et_qtest_execute(et_qtest *q, const char *line, size_t len)
{
    if (len > ET_QTEST_MAX_LINE) {
        reply_overlong(q);
        return;
    }
    char *copy = et__xmalloc(len + 1);
    memcpy(copy, line, len);
    execute_mut(q, copy, len);
    free(copy);
}

/* Adds n bytes to the line being assembled across chunks of input. */
static void line_append(et_qtest *q, const char *buf, size_t n)
{
    if (q->overlong) {
        return;
    }
    if (q->len + n > ET_QTEST_MAX_LINE) {
        q->overlong = true;
        return;
    }
    if (q->len + n + 1 > q->cap) {
        size_t cap = q->cap ? q->cap : 256;
        while (cap < q->len + n + 1) {
            cap *= 2;
        }
        q->line = et__xrealloc(q->line, cap);
        q->cap = cap;
    }
    memcpy(q->line + q->len, buf, n);
    q->len += n;
}

/* Executes the assembled line. */
static void line_done(et_qtest *q)
{
    if (q->overlong) {
        reply_overlong(q);
    } else {
        if (!q->line) { /* an empty first line: room for the NUL */
            q->cap = 256;
            q->line = et__xmalloc(q->cap);
        }
        execute_mut(q, q->line, q->len);
    }
    q->len = 0;
    q->overlong = false;
}

void et__qtest_feed_in_place(et_qtest *q, char *buf, size_t len)
{
    while (len) {
        char *nl = memchr(buf, '\n', len);
        if (!nl) {
            line_append(q, buf, len);
            return;
        }
        size_t n = (size_t)(nl - buf);
        if (q->len || q->overlong) { /* the end of a line begun earlier */
            line_append(q, buf, n);
            line_done(q);
        } else if (n > ET_QTEST_MAX_LINE) {
            reply_overlong(q);
        } else {
            execute_mut(q, buf, n); /* parsed where it lies: the NUL goes on the '\n' */
        }
        buf += n + 1;
        len -= n + 1;
    }
}

void et_qtest_feed(et_qtest *q, const char *buf, size_t len)
{
    if (len && !q->feed_copy) {
        q->feed_copy = et__xmalloc(FEED_CHUNK);
    }
    while (len) {
        size_t n = len < FEED_CHUNK ? len : FEED_CHUNK;
        memcpy(q->feed_copy, buf, n);
        et__qtest_feed_in_place(q, q->feed_copy, n);
        buf += n;
        len -= n;
    }
}

void et_qtest_finish(et_qtest *q)
{
    if (q->len || q->overlong) {
        line_done(q);
    }
}
