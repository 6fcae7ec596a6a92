/* Snapshots of live machines: every registered device adapter runs its fast
 * periodic timer (about 10 us) on a real-time clock driven by the runner
 * thread while a vCPU thread makes random accesses, and the test saves over
 * and over. Each snapshot must be the state as of one instant T: nothing due
 * at or before T is still pending (every deadline saved is after T), every
 * running ptimer is armed (a firing popped by the runner but not yet run is
 * not lost), and restored on a manual clock the earliest deadline is the
 * saved one. Some snapshots are loaded back into the live machine (the
 * runner keeps firing; the vCPU is held out, as load requires). Bounded in
 * time: about 150 ms per device. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#include "snap_testutil.h"

#define RUN_NS 150000000ll

typedef struct vcpu {
    const et_test_adapter *a;
    et_device *dev;
    int stop;
    int hold;   /* asked to stay out of the device (a load) */
    int parked; /* acknowledges hold */
    uint64_t rng;
} vcpu;

static void *vcpu_main(void *arg)
{
    vcpu *v = arg;
    while (!__atomic_load_n(&v->stop, __ATOMIC_ACQUIRE)) {
        if (__atomic_load_n(&v->hold, __ATOMIC_ACQUIRE)) {
            __atomic_store_n(&v->parked, 1, __ATOMIC_RELEASE);
            while (__atomic_load_n(&v->hold, __ATOMIC_ACQUIRE)) {
                sched_yield();
            }
            __atomic_store_n(&v->parked, 0, __ATOMIC_RELEASE);
            continue;
        }
        if (v->a->random_access) {
            v->a->random_access(v->dev, rng_next(&v->rng));
        }
    }
    return NULL;
}

/* A load is made with the guest stopped (snapshot.h): lock-free read paths,
 * such as the HPET counter's seqlock, are not synchronised with it. */
static void vcpu_hold(vcpu *v)
{
    __atomic_store_n(&v->hold, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&v->parked, __ATOMIC_ACQUIRE)) {
        sched_yield();
    }
}

static void vcpu_release(vcpu *v)
{
    __atomic_store_n(&v->hold, 0, __ATOMIC_RELEASE);
}

static void count_sink(void *opaque, int n, int level)
{
    (void)n;
    (void)level;
    __atomic_add_fetch((unsigned long *)opaque, 1, __ATOMIC_RELAXED);
}

/* Walks a snapshot (one device) and checks the instant invariants; returns
 * the earliest saved deadline (ET_NO_DEADLINE if none). */
static int64_t check_instant(const uint8_t *buf, size_t len, const char *who)
{
    int64_t earliest = ET_NO_DEADLINE;
    (void)len;
    size_t pos = 16;
    pos += 2 + le_get(buf + pos, 2);  /* machine name */
    pos += 2;                         /* clock kind and flags */
    int64_t now = (int64_t)le_get(buf + pos, 8);
    pos += 8 + 4;                     /* time, device count (1) */
    pos += 2 + le_get(buf + pos, 2);  /* device name */
    pos += 2 + le_get(buf + pos, 2);  /* state name */
    pos += 4;
    uint32_t n_fields = (uint32_t)le_get(buf + pos, 4);
    pos += 4;
    for (uint32_t f = 0; f < n_fields; f++) {
        size_t name = pos;
        pos += 2 + le_get(buf + pos, 2);
        unsigned type = buf[pos];
        uint32_t count = (uint32_t)le_get(buf + pos + 1, 4);
        pos += 5;
        for (uint32_t e = 0; e < count; e++) {
            const uint8_t *p = buf + pos + (size_t)e * snap_type_size(type);
            if (type == 7) { /* ptimer */
                int64_t expire = (int64_t)le_get(p + 45, 8);
                if (p[0] != 0 && expire < 0) {
                    fail_msg("%s: field '%.*s' is a running ptimer saved without a deadline",
                             who, (int)le_get(buf + name, 2), buf + name + 2);
                }
                if (expire >= 0 && expire < earliest) {
                    earliest = expire;
                }
                if (expire >= 0 && expire <= now) {
                    fail_msg("%s: field '%.*s' saved due at %lld, not after the snapshot's "
                             "time %lld",
                             who, (int)le_get(buf + name, 2), buf + name + 2,
                             (long long)expire, (long long)now);
                }
            } else if (type == 8) { /* timer */
                int64_t deadline = (int64_t)le_get(p, 8);
                if (deadline >= 0 && deadline < earliest) {
                    earliest = deadline;
                }
                if (deadline >= 0 && deadline <= now) {
                    fail_msg("%s: timer '%.*s' saved due at %lld, not after %lld", who,
                             (int)le_get(buf + name, 2), buf + name + 2, (long long)deadline,
                             (long long)now);
                }
            }
        }
        pos += (size_t)count * snap_type_size(type);
    }
    return earliest;
}

static int64_t mono_ns(void)
{
    return et_host_monotonic_ns();
}

static void test_live_snapshots(void **state)
{
    (void)state;
    size_t n_adapters = et_test_adapter_count();
    for (size_t i = 0; i < n_adapters; i++) {
        const et_test_adapter *a = et_test_adapter_get(i);
        char err[256] = "";
        et_clock *rt = et_clock_new_realtime();
        unsigned long irqs = 0;
        et_device *dev = a->create(rt, true, count_sink, &irqs, err, sizeof(err));
        if (!dev) {
            fail_msg("%s: create failed: %s", a->name, err);
        }
        et_runner *runner = et_runner_start(rt, NULL, 0);
        assert_non_null(runner);
        vcpu v = { .a = a, .dev = dev, .rng = 0x5eed + i };
        pthread_t thread;
        assert_int_equal(pthread_create(&thread, NULL, vcpu_main, &v), 0);

        et_clock *m = et_clock_new_manual();
        unsigned long restored_irqs = 0;
        et_device *copy = a->create(m, false, count_sink, &restored_irqs, err, sizeof(err));
        assert_non_null(copy);

        unsigned saves = 0, loads = 0, armed = 0;
        int64_t start = mono_ns();
        while (mono_ns() - start < RUN_NS) {
            uint8_t *buf = NULL;
            size_t len = 0;
            if (et_snapshot_save(rt, &dev, 1, "live", &buf, &len, err, sizeof(err))) {
                fail_msg("%s: save failed: %s", a->name, err);
            }
            saves++;
            int64_t earliest = check_instant(buf, len, a->name);
            armed += earliest != ET_NO_DEADLINE;

            /* Restored on a manual clock: armed exactly as saved. */
            if (et_snapshot_load(m, &copy, 1, "live", buf, len, err, sizeof(err))) {
                fail_msg("%s: load failed: %s", a->name, err);
            }
            if (et_clock_deadline(m) != earliest) {
                fail_msg("%s: restored with next deadline %lld, saved %lld", a->name,
                         (long long)et_clock_deadline(m), (long long)earliest);
            }
            et_clock_step(m, 100000);

            /* Now and then, back into the live machine itself: the runner
             * keeps firing, the guest is stopped. */
            if (saves % 8 == 0) {
                vcpu_hold(&v);
                if (et_snapshot_load(rt, &dev, 1, "live", buf, len, err, sizeof(err))) {
                    fail_msg("%s: live load failed: %s", a->name, err);
                }
                vcpu_release(&v);
                loads++;
            }
            free(buf);
        }
        __atomic_store_n(&v.stop, 1, __ATOMIC_RELEASE);
        pthread_join(thread, NULL);
        et_runner_stop(runner);
        printf("%s: %u live saves (%u with a timer armed), %u live loads, %lu interrupt "
               "changes\n",
               a->name, saves, armed, loads, __atomic_load_n(&irqs, __ATOMIC_RELAXED));
        assert_true(saves > 0);
        et_device_free(dev);
        et_device_free(copy);
        et_clock_free(rt);
        et_clock_free(m);
    }
}

int main(void)
{
    et_set_log_sink(quiet_log, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_snapshots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
