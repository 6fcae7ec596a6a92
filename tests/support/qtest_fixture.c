/* A machine with its qtest server, checked command by command
 * (qtest_fixture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "qtest_fixture.h"

static void collect(void *opaque, const char *text, size_t len)
{
    qt_fixture *f = opaque;
    assert_true(f->len + len < sizeof(f->out));
    memcpy(f->out + f->len, text, len);
    f->len += len;
    f->out[f->len] = '\0';
}

qt_fixture *qt_start(const char *spec)
{
    qt_fixture *f = calloc(1, sizeof(*f));
    char err[256];
    f->m = et_machine_new(spec, err, sizeof(err));
    if (!f->m) {
        fail_msg("%s: %s", spec, err);
    }
    f->q = et_qtest_new(f->m, collect, f);
    return f;
}

void qt_stop(qt_fixture *f)
{
    et_qtest_free(f->q);
    et_machine_free(f->m);
    free(f);
}

void qt_expect(qt_fixture *f, const char *cmd, const char *output)
{
    f->len = 0;
    f->out[0] = '\0';
    et_qtest_execute(f->q, cmd, strlen(cmd));
    if (strcmp(f->out, output) != 0) {
        fail_msg("'%s': got\n%s---\nexpected\n%s---", cmd, f->out, output);
    }
}
