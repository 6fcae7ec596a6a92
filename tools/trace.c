/* --trace: the library's trace events, filtered by glob, on stderr. */
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static char *patterns;   /* comma-separated, owned */
static et_clock *trace_clock;
static bool suppressed;

static bool matches(const char *name)
{
    const char *p = patterns;
    char one[256];
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n < sizeof(one)) {
            memcpy(one, p, n);
            one[n] = '\0';
            if (n && fnmatch(one, name, 0) == 0) {
                return true;
            }
        }
        p += n + (comma ? 1 : 0);
    }
    return false;
}

static void on_trace(void *opaque, const char *device, const char *event, const char *detail)
{
    (void)opaque;
    if (suppressed) {
        return;
    }
    char name[256];
    snprintf(name, sizeof(name), "%s.%s", device, event);
    if (!matches(name)) {
        return;
    }
    fprintf(stderr, "trace: %12" PRIi64 " ns %s %s\n", et_clock_now(trace_clock), name,
            detail);
}

int tool_trace_start(const char *pats, et_clock *clock, char *err, size_t errlen)
{
    if (!pats || !*pats) {
        snprintf(err, errlen, "--trace needs a pattern such as 'timer0.*' or '*.irq'");
        return -1;
    }
    free(patterns);
    patterns = strdup(pats);
    trace_clock = clock;
    et_set_trace_handler(on_trace, NULL);
    return 0;
}

void tool_trace_stop(void)
{
    et_set_trace_handler(NULL, NULL);
    free(patterns);
    patterns = NULL;
    trace_clock = NULL;
}

void tool_trace_suppress(bool on)
{
    suppressed = on;
}
