/* emutime: diagnostics for API misuse.
 *
 * Debug builds (NDEBUG not defined) check the API's usage rules, as QEMU's
 * asserts do: a ptimer setter outside a transaction, a nested begin, an
 * incompatible policy pair, stepping a real-time clock. A violation is reported
 * with a clear message through the usage-error handler; the default handler
 * prints "emutime: usage error: ..." to stderr and aborts. If a custom handler
 * returns, the offending call does nothing. Release builds skip the checks.
 */
#ifndef EMUTIME_DIAG_H
#define EMUTIME_DIAG_H

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*et_usage_error_fn)(const char *message, void *opaque);

/* NULL restores the default (print and abort). */
void et_set_usage_error_handler(et_usage_error_fn fn, void *opaque);

#ifdef __cplusplus
}
#endif

#endif
