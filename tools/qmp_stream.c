/* QMP input framing (see qmp_stream.h). */
#include <stdlib.h>
#include <string.h>

#include "qmp_stream.h"

void qmp_stream_init(qmp_stream *s)
{
    memset(s, 0, sizeof(*s));
}

void qmp_stream_free(qmp_stream *s)
{
    tool_buf_free(&s->msg);
    memset(s, 0, sizeof(*s));
}

static void put(qmp_stream *s, const char *text, size_t n)
{
    if (s->error) {
        return;
    }
    if (s->msg.len + n > QMP_MAX_MESSAGE) {
        s->error = "JSON parse error, message longer than 1048576 bytes";
        return;
    }
    tool_buf_append(&s->msg, text, n);
}

static void emit(qmp_stream *s, qmp_message_fn fn, void *opaque)
{
    if (s->error) {
        fn(opaque, NULL, 0, s->error);
    } else if (s->msg.len) {
        s->msg.data[s->msg.len] = '\0';
        fn(opaque, s->msg.data, s->msg.len, NULL);
    }
    s->msg.len = 0;
    s->depth = 0;
    s->quote = 0;
    s->escape = false;
    s->scalar = false;
    s->error = NULL;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One character inside a string. */
static void string_char(qmp_stream *s, char c)
{
    if (s->escape) {
        s->escape = false;
        if (s->quote == '\'' && c == '\'') {
            put(s, "'", 1); /* \' needs no escape in a double-quoted string */
        } else {
            char esc[2] = { '\\', c };
            put(s, esc, 2);
        }
        return;
    }
    if (c == '\\') {
        s->escape = true;
    } else if (c == s->quote) {
        s->quote = 0;
        put(s, "\"", 1);
    } else if (c == '"') {
        put(s, "\\\"", 2); /* a double quote inside a single-quoted string */
    } else {
        put(s, &c, 1);
    }
}

void qmp_stream_feed(qmp_stream *s, const char *data, size_t len, qmp_message_fn fn,
                     void *opaque)
{
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (s->quote) {
            string_char(s, c);
            if (!s->quote && s->depth == 0) {
                emit(s, fn, opaque); /* a top-level string */
            }
            continue;
        }
        if (s->scalar && (is_space(c) || c == '{' || c == '[' || c == '}' || c == ']' ||
                          c == '"' || c == '\'' || c == ',' || c == ':')) {
            emit(s, fn, opaque); /* a top-level number or keyword ends */
        }
        if (is_space(c)) {
            if (s->depth) {
                put(s, &c, 1);
            }
            continue;
        }
        switch (c) {
        case '"':
        case '\'':
            s->quote = c;
            put(s, "\"", 1);
            break;
        case '{':
        case '[':
            if (++s->depth > QMP_MAX_NESTING && !s->error) {
                s->error = "JSON parse error, too deeply nested";
            }
            put(s, &c, 1);
            break;
        case '}':
        case ']':
            put(s, &c, 1);
            if (s->depth == 0 || --s->depth == 0) {
                emit(s, fn, opaque);
            }
            break;
        default:
            put(s, &c, 1);
            if (s->depth == 0) {
                s->scalar = true;
            }
            break;
        }
    }
}
