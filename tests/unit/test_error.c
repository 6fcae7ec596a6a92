/* The error convention (error.h): the codes' fixed values, their names, and
 * functions of each shape returning them with a message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "emutime/emutime.h"

static void test_codes_are_fixed_and_named(void **state)
{
    (void)state;
    /* The values are ABI: a program compiled against an older header must
     * read the same meaning from the same number. */
    assert_int_equal(ET_OK, 0);
    assert_int_equal(ET_EINVAL, -1);
    assert_int_equal(ET_ENOENT, -2);
    assert_int_equal(ET_EBUSY, -3);
    assert_int_equal(ET_EFORMAT, -4);
    assert_int_equal(ET_EMISMATCH, -5);
    assert_int_equal(ET_ETOOBIG, -6);
    assert_int_equal(ET_ESYSTEM, -7);
    /* Every code has its own name; anything else is "unknown error". */
    for (int a = ET_ESYSTEM; a <= ET_OK; a++) {
        assert_string_not_equal(et_strerror(a), "unknown error");
        for (int b = ET_ESYSTEM; b < a; b++) {
            assert_string_not_equal(et_strerror(a), et_strerror(b));
        }
    }
    assert_string_equal(et_strerror(1), "unknown error");
    assert_string_equal(et_strerror(ET_ESYSTEM - 1), "unknown error");
    assert_string_equal(et_strerror(ET_EINVAL), "invalid argument");
}

/* An int-returning function: the code, and the message where err is given. */
static void test_operation_returns_code_and_message(void **state)
{
    (void)state;
    char err[100] = "untouched";
    assert_int_equal(et_wallclock_check_clock("vm", err, sizeof(err)), ET_OK);
    assert_string_equal(err, "untouched"); /* success leaves err alone */
    assert_int_equal(et_wallclock_check_clock("sundial", err, sizeof(err)), ET_EINVAL);
    assert_string_equal(err, "'sundial' is not host, rt or vm");
    assert_int_equal(et_wallclock_check_clock("sundial", NULL, 0), ET_EINVAL);
    /* A short buffer gets a truncated, terminated message. */
    char tiny[6];
    assert_int_equal(et_wallclock_check_base("noon", tiny, sizeof(tiny)), ET_EINVAL);
    assert_string_equal(tiny, "'noon");
}

/* A constructor: NULL and the message. */
static void test_constructor_returns_null_and_message(void **state)
{
    (void)state;
    char err[120] = "";
    assert_null(et_machine_new("no-such-board", err, sizeof(err)));
    assert_true(strstr(err, "no-such-board") != NULL);
    assert_null(et_machine_new("no-such-board", NULL, 0));
    /* A NULL err is fine whatever errlen says (the messages that list the
     * boards or options are built piece by piece). */
    assert_null(et_machine_new("no-such-board", NULL, sizeof(err)));
    assert_null(et_machine_new("mps2-an385,no-such-option=1", NULL, sizeof(err)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_are_fixed_and_named),
        cmocka_unit_test(test_operation_returns_code_and_message),
        cmocka_unit_test(test_constructor_returns_null_and_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
