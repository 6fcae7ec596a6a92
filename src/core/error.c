/* Error codes (error.h) and the helper that fills an error message. */
#include <stdarg.h>
#include <stdio.h>

#include "emutime/error.h"
#include "internal.h"

const char *et_strerror(int code)
{
    switch (code) {
    case ET_OK:
        return "success";
    case ET_EINVAL:
        return "invalid argument";
    case ET_ENOENT:
        return "no such object";
    case ET_EBUSY:
        return "already in use";
    case ET_EFORMAT:
        return "malformed data";
    case ET_EMISMATCH:
        return "does not match";
    case ET_ETOOBIG:
        return "over a limit";
    case ET_ESYSTEM:
        return "system call failed";
    }
    return "unknown error";
}

int et__error(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}
