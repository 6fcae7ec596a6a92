/* Internal helpers shared by the library's source files (not installed). */
#ifndef EMUTIME_INTERNAL_H
#define EMUTIME_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emutime/diag.h"
#include "emutime/error.h"

/* Reports API misuse through the usage-error handler (see diag.h). */
void et__usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The build chooses the checks (CMake options EMUTIME_USAGE_CHECKS and
 * EMUTIME_LOCKDEP); a build that does not say follows NDEBUG. */
#ifndef ET_USAGE_CHECKS
#ifdef NDEBUG
#define ET_USAGE_CHECKS 0
#else
#define ET_USAGE_CHECKS 1
#endif
#endif
#ifndef ET_LOCKDEP
#define ET_LOCKDEP ET_USAGE_CHECKS
#endif

/* ET_USAGE_CHECK(cond, fmt, ...): with usage checks built in, when cond is
 * false, report and make the enclosing function return (the handler may not
 * abort). ET_USAGE_CHECK_RET(cond, retval, fmt, ...) for functions returning
 * a value. These guard hot paths, so a build may leave them out. */
#if ET_USAGE_CHECKS
#define ET_USAGE_CHECK(cond, ...)                                              \
    do {                                                                       \
        if (__builtin_expect(!(cond), 0)) {                                    \
            et__usage_error(__VA_ARGS__);                                      \
            return;                                                            \
        }                                                                      \
    } while (0)
#define ET_USAGE_CHECK_RET(cond, retval, ...)                                  \
    do {                                                                       \
        if (__builtin_expect(!(cond), 0)) {                                    \
            et__usage_error(__VA_ARGS__);                                      \
            return (retval);                                                   \
        }                                                                      \
    } while (0)
#else
#define ET_USAGE_CHECK(cond, ...) do { } while (0)
#define ET_USAGE_CHECK_RET(cond, retval, ...) do { } while (0)
#endif

/* ET_CONFIG_CHECK(cond, fmt, ...): the same report for a bad configuration
 * (a clock tree with a cycle, a zero divider), in every build: configuration
 * is cold code, and what it guards would otherwise crash later. */
#define ET_CONFIG_CHECK(cond, ...)                                             \
    do {                                                                       \
        if (__builtin_expect(!(cond), 0)) {                                    \
            et__usage_error(__VA_ARGS__);                                      \
            return;                                                            \
        }                                                                      \
    } while (0)

/* A firing pass in progress on this thread (a step or set of a manual clock,
 * et_clock_run_expired, a device's catch-up on access): the time it brings
 * the clock to, which et_clock_horizon() reports to the callbacks it runs.
 * Passes nest (an access from inside a callback); the innermost for a clock
 * wins (clock.c). */
struct et_clock;
typedef struct et__pass {
    const struct et_clock *clock;
    int64_t horizon;
    struct et__pass *prev;
} et__pass;
void et__pass_enter(et__pass *pass, const struct et_clock *clock, int64_t horizon);
void et__pass_leave(et__pass *pass);

/* Waits on cond with the (held) lock released meanwhile, as
 * pthread_cond_wait, keeping the lock's owner right. */
struct et_lock;
void et__lock_wait(struct et_lock *lock, pthread_cond_t *cond);

/* Allocation that never returns NULL: out of memory aborts with a message. */
void *et__xmalloc(size_t size);
void *et__xcalloc(size_t n, size_t size);
void *et__xrealloc(void *p, size_t size);
char *et__xstrndup(const char *s, size_t n);
/* Zeroed memory aligned to align (a power of two, a multiple of
 * sizeof(void *)); free() releases it. */
void *et__xzalloc_aligned(size_t align, size_t size);

/* The error convention of error.h: writes the message into err (when err is
 * not NULL and errlen > 0) and returns code, so that a failure path reads
 * `return et__error(err, errlen, ET_EINVAL, "...", ...);`. */
int et__error(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* (a * b) / c without intermediate overflow (128-bit), rounded down. */
static inline uint64_t et__muldiv64(uint64_t a, uint64_t b, uint64_t c)
{
    return (uint64_t)(((unsigned __int128)a * b) / c);
}

#endif
