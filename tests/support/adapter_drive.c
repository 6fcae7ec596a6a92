/* Driving a device adapter on a manual clock (adapter_drive.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "adapter_drive.h"

const et_test_adapter *et_test_adapter_find(const char *name)
{
    for (size_t i = 0; i < et_test_adapter_count(); i++) {
        if (strcmp(et_test_adapter_get(i)->name, name) == 0) {
            return et_test_adapter_get(i);
        }
    }
    return NULL;
}

static void count_sink(void *opaque, int n, int level)
{
    (void)n;
    (void)level;
    (*(unsigned long *)opaque)++;
}

unsigned long et_test_adapter_drive(const char *name, uint64_t seed, int rounds,
                                    void (*check)(et_device *dev))
{
    const et_test_adapter *a = et_test_adapter_find(name);
    assert_non_null(a);
    et_clock *clock = et_clock_new_manual();
    char err[128];
    unsigned long sink_calls = 0;
    et_device *dev = a->create(clock, true, count_sink, &sink_calls, err, sizeof(err));
    assert_non_null(dev);
    uint64_t obs = 0, rnd = seed;
    char msg[256];
    for (int i = 0; i < rounds; i++) {
        rnd = rnd * 6364136223846793005u + 1442695040888963407u; /* LCG */
        et_clock_step(clock, (int64_t)((rnd >> 33) % 97));
        a->random_access(dev, rnd >> 7);
        if (!a->observe(dev, &obs, msg, sizeof(msg))) {
            fail_msg("%s: %s", name, msg);
        }
    }
    if (check) {
        check(dev);
    }
    et_device_free(dev);
    et_clock_free(clock);
    return sink_calls;
}
