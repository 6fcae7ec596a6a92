/* emutime: error codes, and the one error convention of the public API.
 *
 * - A function that can fail returns int: 0 on success, a negative et_error
 *   on failure. et_strerror() names the code.
 * - A constructor that can fail returns NULL on failure.
 * - Where a detail helps (which option, which field of a snapshot, which
 *   system call), the function also takes `char *err, size_t errlen` and on
 *   failure writes a one-line, NUL-terminated message there. err may be NULL
 *   (then errlen is ignored). On success err is left alone.
 * - errno is not part of any contract: a failed system call is ET_ESYSTEM
 *   and the message carries strerror(errno).
 * - Out of memory is not reported: the library prints a message and aborts,
 *   everywhere (a half-built emulated machine is of no use to anyone).
 * - A lookup that finds nothing (et_board_find, et_machine_find_device,
 *   et_device_irq) returns NULL; that is an answer, not an error.
 * - Breaking an API rule (a ptimer setter outside a transaction, a freed
 *   object) is a usage error, reported through diag.h, never a return value.
 *
 * The numeric values are part of the ABI: they never change, and new codes
 * are only added at the end.
 */
#ifndef EMUTIME_ERROR_H
#define EMUTIME_ERROR_H

#include "emutime/export.h"

ET_BEGIN_DECLS

typedef enum et_error {
    ET_OK = 0,
    ET_EINVAL = -1,    /* an argument, option or value is malformed or out of range */
    ET_ENOENT = -2,    /* no such board, device, path, controller or input */
    ET_EBUSY = -3,     /* the thing is taken (another object already intercepted) */
    ET_EFORMAT = -4,   /* input data (a snapshot) is corrupt or not in the format */
    ET_EMISMATCH = -5, /* a well-formed snapshot of another machine, device or version */
    ET_ETOOBIG = -6,   /* over a documented limit (file size, line length, count) */
    ET_ESYSTEM = -7,   /* a system call failed (open, read, rename, pthread_create, ...) */
} et_error;

/* A short English description of code ("invalid argument"); "unknown error"
 * for a value that is not an et_error. Never NULL; static storage. */
const char *et_strerror(int code);

ET_END_DECLS

#endif
