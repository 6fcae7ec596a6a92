/* Fuzz target: register-access programs with clock steps on every device
 * model that has a test adapter (tests/support/device_adapter.h).
 *
 * Input: byte 0 picks the device; then 11-byte operations
 *   [kind][a][b][value: 8 bytes little-endian]
 * kind % 4: 0 read, 1 write, 2 clock step (value % 1 ms, at most 20 ms of
 * virtual time in all, so that every input runs in bounded time), 3 reset.
 * For accesses, a < 0xc0 picks one of the adapter's offsets, otherwise the
 * offset is raw (value >> 48, anywhere in or past the region); b picks the
 * size among 1, 2, 4, 8 and, when b & 0x80, an invalid size (3).
 *
 * Invariants checked, beyond "no crash and no sanitizer report":
 *   - determinism: the program run twice on fresh instances gives the same
 *     replies and the same interrupt events at the same virtual times;
 *   - interrupt lines only change level (never raise a raised line);
 *   - an access the device rejects counts a guest error and reads 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_adapter.h"

#define STEP_BUDGET_NS 20000000

typedef struct transcript {
    uint64_t *v;
    size_t n, cap;
    et_clock *clock;
    int levels[64];
    bool bad_edge;
} transcript;

static void put(transcript *t, uint64_t x)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 256;
        t->v = realloc(t->v, sizeof(*t->v) * t->cap);
        if (!t->v) {
            abort();
        }
    }
    t->v[t->n++] = x;
}

static void sink(void *opaque, int n, int level)
{
    transcript *t = opaque;
    if (n >= 0 && n < 64) {
        if (t->levels[n] == level) {
            t->bad_edge = true;
        }
        t->levels[n] = level;
    }
    put(t, 0xE0000000u | (uint64_t)(n & 0xffff) << 1 | (uint64_t)(level & 1));
    put(t, (uint64_t)et_clock_now(t->clock));
}

static void quiet_log(void *opaque, const char *line)
{
    (void)opaque;
    (void)line;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

static void run(const et_test_adapter *ad, const uint8_t *data, size_t size, transcript *t)
{
    char err[256];
    t->clock = et_clock_new_manual();
    et_device *dev = ad->create(t->clock, false, sink, t, err, sizeof(err));
    if (!dev) {
        fprintf(stderr, "fuzz: cannot create %s: %s\n", ad->name, err);
        abort();
    }
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    int64_t budget = STEP_BUDGET_NS;
    for (size_t i = 0; i + 11 <= size; i += 11) {
        const uint8_t *op = data + i;
        uint64_t value = get_u64(op + 3);
        uint64_t offset = op[1] < 0xc0 && ad->n_offsets ? ad->offsets[op[1] % ad->n_offsets]
                                                        : value >> 48;
        unsigned sz = op[2] & 0x80 ? 3 : sizes[op[2] & 3];
        unsigned long errors_before = et_device_guest_error_count(dev);
        switch (op[0] % 4) {
        case 0: {
            uint64_t r = et_device_read(dev, offset, sz);
            bool rejected = !(ad->sizes & sz) || sz == 3;
            if (rejected && (r != 0 || et_device_guest_error_count(dev) == errors_before)) {
                fprintf(stderr, "fuzz: %s: rejected read returned 0x%llx\n", ad->name,
                        (unsigned long long)r);
                abort();
            }
            put(t, r);
            break;
        }
        case 1:
            et_device_write(dev, offset, value, sz);
            break;
        case 2: {
            /* At most STEP_BUDGET_NS of virtual time per input: a device
             * can run a 10 ns periodic timer, and every expiry costs. */
            int64_t ns = (int64_t)(value % 1000000);
            if (ns > budget) {
                ns = budget;
            }
            budget -= ns;
            et_clock_step(t->clock, ns);
            put(t, (uint64_t)et_clock_now(t->clock));
            break;
        }
        default:
            et_device_reset(dev);
            break;
        }
    }
    et_device_free(dev);
    et_clock_free(t->clock);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = et_test_adapter_count();
    if (size < 1 || n == 0) {
        return 0;
    }
    et_set_log_sink(quiet_log, NULL);
    const et_test_adapter *ad = et_test_adapter_get(data[0] % n);
    transcript a = { 0 }, b = { 0 };
    run(ad, data + 1, size - 1, &a);
    run(ad, data + 1, size - 1, &b);
    if (a.n != b.n || (a.n && memcmp(a.v, b.v, sizeof(*a.v) * a.n) != 0)) {
        fprintf(stderr, "fuzz: %s: two runs of one program differ\n", ad->name);
        abort();
    }
    if (a.bad_edge) {
        fprintf(stderr, "fuzz: %s: a sink saw the same level twice in a row\n", ad->name);
        abort();
    }
    free(a.v);
    free(b.v);
    return 0;
}
