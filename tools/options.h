/* getopt_long with the tool's error messages. */
#ifndef EMUTIME_TOOL_OPTIONS_H
#define EMUTIME_TOOL_OPTIONS_H

#include <getopt.h>

#define TOOL_GETOPT_ERROR (-2)

/* Call before parsing a subcommand's argv (argv[0] is the subcommand). */
void tool_getopt_reset(void);
/* Like getopt_long; shortopts must start with ':'. Returns TOOL_GETOPT_ERROR
 * after printing a message for an unknown option or a missing value. */
int tool_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
                const char *command);

#endif
