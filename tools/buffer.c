/* Growable byte buffers (see buffer.h). */
#include <stdlib.h>
#include <string.h>

#include "buffer.h"

void tool_buf_append(tool_buf *b, const void *bytes, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *d = realloc(b->data, cap);
        if (!d) {
            abort();
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

void tool_buf_consume(tool_buf *b, size_t n)
{
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void tool_buf_free(tool_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
