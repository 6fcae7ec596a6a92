/* QMP's input framing: a byte stream cut into top-level JSON values, as
 * QEMU's JSON streamer cuts it (no newlines needed; several values may
 * arrive in one read, one value over many). QEMU's extension of
 * single-quoted strings is rewritten to standard JSON so that a strict
 * parser can read every message. Memory is bounded: a message longer than
 * QMP_MAX_MESSAGE bytes or nested deeper than QMP_MAX_NESTING is skipped to
 * its end and reported as an error. */
#ifndef EMUTIME_TOOL_QMP_STREAM_H
#define EMUTIME_TOOL_QMP_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "buffer.h"

#define QMP_MAX_MESSAGE (1u << 20)
#define QMP_MAX_NESTING 1024

/* One complete value (text, len: standard JSON, NUL-terminated), or,
 * with text NULL, the reason a value was dropped. */
typedef void (*qmp_message_fn)(void *opaque, const char *text, size_t len, const char *error);

typedef struct qmp_stream {
    tool_buf msg;      /* the message so far */
    unsigned depth;
    char quote;        /* '"' or '\'' inside a string, else 0 */
    bool escape;       /* after a backslash inside a string */
    bool scalar;       /* a top-level number or keyword is being read */
    const char *error; /* the current message is being skipped */
} qmp_stream;

void qmp_stream_init(qmp_stream *s);
void qmp_stream_free(qmp_stream *s);
void qmp_stream_feed(qmp_stream *s, const char *data, size_t len, qmp_message_fn fn,
                     void *opaque);

#endif
