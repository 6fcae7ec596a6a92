/* Command-line option errors in one voice for every subcommand. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "tool.h"

int tool_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
                const char *command)
{
    int c = getopt_long(argc, argv, shortopts, longopts, NULL);
    if (c == '?' || c == ':') {
        const char *arg = argv[optind - 1];
        if (c == ':') {
            tool_error("%s: option '%s' needs a value (try 'emutime %s --help')", command, arg,
                       command);
        } else if (optopt && !(arg[0] == '-' && arg[1] == '-')) {
            tool_error("%s: unknown option '-%c' (try 'emutime %s --help')", command, optopt,
                       command);
        } else {
            tool_error("%s: unknown option '%s' (try 'emutime %s --help')", command, arg,
                       command);
        }
        return TOOL_GETOPT_ERROR;
    }
    return c;
}

void tool_getopt_reset(void)
{
    optind = 0; /* 0: glibc re-initialises its state */
    opterr = 0;
}
