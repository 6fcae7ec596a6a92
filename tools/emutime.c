/* The emutime command-line tool. */
#include <stdio.h>
#include <string.h>

#include "emutime/emutime.h"

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("emutime %s\n", EMUTIME_VERSION);
    return 0;
}
