/* --trace: the library's trace events, filtered by glob, on stderr. A
 * pattern that matched no event by the end of the run gets a warning, since
 * a misspelt device or event name would otherwise just print nothing. */
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#define MAX_PATTERNS 64

typedef struct pattern {
    char *glob;
    unsigned long hits;
} pattern;

static pattern patterns[MAX_PATTERNS];
static size_t n_patterns;
static et_clock *trace_clock;
static bool suppressed;

static bool matches(const char *name)
{
    bool any = false;
    for (size_t i = 0; i < n_patterns; i++) {
        if (fnmatch(patterns[i].glob, name, 0) == 0) {
            patterns[i].hits++;
            any = true;
        }
    }
    return any;
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

static void clear_patterns(void)
{
    for (size_t i = 0; i < n_patterns; i++) {
        free(patterns[i].glob);
    }
    n_patterns = 0;
}

int tool_trace_start(const char *pats, et_clock *clock, char *err, size_t errlen)
{
    clear_patterns();
    for (const char *p = pats ? pats : ""; *p;) {
        size_t n = strcspn(p, ",");
        if (n) {
            if (n_patterns == MAX_PATTERNS) {
                snprintf(err, errlen, "--trace takes at most %d patterns", MAX_PATTERNS);
                clear_patterns();
                return -1;
            }
            patterns[n_patterns].glob = strndup(p, n);
            patterns[n_patterns++].hits = 0;
        }
        p += n + (p[n] == ',');
    }
    if (n_patterns == 0) {
        snprintf(err, errlen, "--trace needs a pattern such as 'timer0.*' or '*.irq'");
        return -1;
    }
    trace_clock = clock;
    et_set_trace_sink(on_trace, NULL);
    return 0;
}

void tool_trace_stop(void)
{
    et_set_trace_sink(NULL, NULL);
    for (size_t i = 0; i < n_patterns; i++) {
        if (patterns[i].hits == 0) {
            fprintf(stderr,
                    "emutime: warning: --trace pattern '%s' matched no event (events are "
                    "DEVICE.EVENT, e.g. 'timer0.*'; 'emutime machines' lists the devices)\n",
                    patterns[i].glob);
        }
    }
    clear_patterns();
    trace_clock = NULL;
}

void tool_trace_suppress(bool on)
{
    suppressed = on;
}
