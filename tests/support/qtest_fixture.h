/* A machine with its qtest server for tests that check command by command
 * what the server prints (IRQ lines, then the reply). */
#ifndef EMUTIME_TEST_QTEST_FIXTURE_H
#define EMUTIME_TEST_QTEST_FIXTURE_H

#include <stddef.h>

#include "emutime/machine.h"
#include "emutime/qtest.h"

typedef struct qt_fixture {
    et_machine *m;
    et_qtest *q;
    char out[1 << 16]; /* what the last command printed */
    size_t len;
} qt_fixture;

/* Builds the machine from spec (a cmocka failure if it cannot). */
qt_fixture *qt_start(const char *spec);
void qt_stop(qt_fixture *f);
/* Runs one command and requires that it printed exactly output. */
void qt_expect(qt_fixture *f, const char *cmd, const char *output);

#endif
