/* emutime: diagnostics for API misuse.
 *
 * Builds with usage checks (the CMake option EMUTIME_USAGE_CHECKS: on in
 * development and test builds, off in the optimized build `make install`
 * installs) check the API's usage rules, as QEMU's asserts do: a ptimer
 * setter outside a transaction, a nested begin, an incompatible policy pair,
 * stepping a real-time clock. Configuration errors (a clock tree with a
 * cycle, a zero multiplier or divider) are checked in every build. A
 * violation is reported with a clear message through the usage-error
 * handler; the default handler prints "emutime: usage error: ..." to stderr
 * and aborts. If a custom handler returns, the offending call does nothing.
 */
#ifndef EMUTIME_DIAG_H
#define EMUTIME_DIAG_H

#include <stdbool.h>
#include "emutime/export.h"

ET_BEGIN_DECLS

typedef void (*et_usage_error_fn)(const char *message, void *opaque);

/* NULL restores the default (print and abort). */
void et_set_usage_error_handler(et_usage_error_fn fn, void *opaque);

/* Whether this library was built with the usage checks. */
bool et_usage_checks_enabled(void);

ET_END_DECLS

#endif
