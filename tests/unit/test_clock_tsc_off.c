/* EMUTIME_CLOCK_SOURCE=monotonic turns the TSC off: et_clock_new_realtime_tsc
 * falls back to CLOCK_MONOTONIC and says why. (Its own program: the TSC
 * checks run once per process.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "emutime/emutime.h"

static void test_env_turns_the_tsc_off(void **state)
{
    (void)state;
    et_clock *c = et_clock_new_realtime_tsc();
    assert_int_equal(et_clock_source_of(c), ET_CLOCK_SOURCE_MONOTONIC);
    assert_string_equal(et_clock_tsc_status(), "tsc: off (EMUTIME_CLOCK_SOURCE=monotonic)");
    /* An ordinary real-time clock: it runs, and pauses. */
    et_clock_pause(c);
    int64_t frozen = et_clock_now(c);
    assert_int_equal(et_clock_now(c), frozen);
    et_clock_free(c);
}

int main(void)
{
    setenv("EMUTIME_CLOCK_SOURCE", "monotonic", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env_turns_the_tsc_off),
    };
    return cmocka_run_group_tests_name("clock_tsc_off", tests, NULL, NULL);
}
