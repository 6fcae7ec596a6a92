/* Usage-error reporting and allocation helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

static et_usage_error_fn usage_handler;
static void *usage_opaque;

void et_set_usage_error_handler(et_usage_error_fn fn, void *opaque)
{
    __atomic_store_n(&usage_opaque, opaque, __ATOMIC_RELAXED);
    __atomic_store_n(&usage_handler, fn, __ATOMIC_RELEASE);
}

bool et_usage_checks_enabled(void)
{
    return ET_USAGE_CHECKS;
}

void et__usage_error(const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    et_usage_error_fn fn = __atomic_load_n(&usage_handler, __ATOMIC_ACQUIRE);
    if (fn) {
        fn(msg, __atomic_load_n(&usage_opaque, __ATOMIC_RELAXED));
        return;
    }
    fprintf(stderr, "emutime: usage error: %s\n", msg);
    abort();
}

static void out_of_memory(size_t size)
{
    fprintf(stderr, "emutime: out of memory allocating %zu bytes\n", size);
    abort();
}

void *et__xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        out_of_memory(size);
    }
    return p;
}

void *et__xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        out_of_memory(n * size);
    }
    return p;
}

void *et__xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q) {
        out_of_memory(size);
    }
    return q;
}

void *et__xzalloc_aligned(size_t align, size_t size)
{
    void *p = NULL;
    if (posix_memalign(&p, align, size ? size : 1) != 0) {
        out_of_memory(size);
    }
    memset(p, 0, size);
    return p;
}

char *et__xstrndup(const char *s, size_t n)
{
    char *d = et__xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}
