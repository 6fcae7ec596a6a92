/* A growable byte buffer: the drop-in's output queues and message
 * assembly. Allocation failure aborts, as the library's allocator does. */
#ifndef EMUTIME_TOOL_BUFFER_H
#define EMUTIME_TOOL_BUFFER_H

#include <stddef.h>

typedef struct tool_buf {
    char *data;
    size_t len, cap;
} tool_buf;

/* Appends n bytes; data[len] is always room for a NUL afterwards. */
void tool_buf_append(tool_buf *b, const void *bytes, size_t n);
/* Drops the first n bytes. */
void tool_buf_consume(tool_buf *b, size_t n);
void tool_buf_free(tool_buf *b);

#endif
