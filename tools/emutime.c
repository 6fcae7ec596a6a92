/* The emutime command-line tool: subcommand dispatch and help. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "qemu_cli.h"
#include "tool.h"

void tool_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("emutime: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: emutime COMMAND [OPTIONS] [ARGS]\n"
            "\n"
            "Emulated hardware timers on QEMU's boards, driven by QEMU's qtest protocol.\n"
            "\n"
            "Commands:\n"
            "  run [SCRIPT]        run a qtest script on a machine, print a transcript\n"
            "                      (no SCRIPT: the built-in %s example)\n"
            "  qtest               serve the qtest protocol on stdin/stdout or a socket\n"
            "  machines [NAME]     list the machines: devices, addresses, clocks, IRQs\n"
            "  snapshot info FILE  check a snapshot file and show what it holds\n"
            "  help [COMMAND]      show this help, or a command's\n"
            "\n"
            "Options:\n"
            "  -h, --help          show help (after a command: that command's help)\n"
            "  -V, --version       print the version\n"
            "\n"
            "The default machine is %s. Run 'emutime COMMAND --help' for a command's\n"
            "options; docs/cli.md has the details.\n",
            ET_DEFAULT_MACHINE, ET_DEFAULT_MACHINE);
}

typedef int (*command_fn)(int argc, char **argv);

static command_fn find_command(const char *name)
{
    if (strcmp(name, "run") == 0) {
        return tool_cmd_run;
    }
    if (strcmp(name, "qtest") == 0) {
        return tool_cmd_qtest;
    }
    if (strcmp(name, "machines") == 0) {
        return tool_cmd_machines;
    }
    if (strcmp(name, "snapshot") == 0) {
        return tool_cmd_snapshot;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    /* A client that goes away is a write error, not a signal. */
    signal(SIGPIPE, SIG_IGN);

    /* Started as emutime-system-ARCH: a drop-in qemu-system-ARCH. */
    if (argc > 0 && qemu_cli_is_dropin(argv[0])) {
        return tool_qemu_main(argc, argv);
    }

    if (argc < 2) {
        usage(stderr);
        return TOOL_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return TOOL_EXIT_OK;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("emutime %s\n", EMUTIME_VERSION);
        return TOOL_EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return TOOL_EXIT_OK;
        }
        command_fn fn = find_command(argv[2]);
        if (!fn) {
            tool_error("unknown command '%s' (try 'emutime --help')", argv[2]);
            return TOOL_EXIT_USAGE;
        }
        char *help_argv[] = { argv[2], "--help", NULL };
        return fn(2, help_argv);
    }
    command_fn fn = find_command(cmd);
    if (!fn) {
        if (cmd[0] == '-') {
            tool_error("unknown option '%s' (try 'emutime --help')", cmd);
        } else {
            tool_error("unknown command '%s' (try 'emutime --help')", cmd);
        }
        return TOOL_EXIT_USAGE;
    }
    return fn(argc - 1, argv + 1);
}
