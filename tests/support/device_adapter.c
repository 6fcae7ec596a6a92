/* The registry of device adapters (device_adapter.h). Registration runs from
 * constructors, before main, on one thread. */
#include <stdio.h>
#include <stdlib.h>

#include "device_adapter.h"

#define MAX_ADAPTERS 64

static const et_test_adapter *adapters[MAX_ADAPTERS];
static size_t n_adapters;

void et_test_adapter_register(const et_test_adapter *adapter)
{
    if (n_adapters == MAX_ADAPTERS) {
        fprintf(stderr, "too many test adapters\n");
        abort();
    }
    adapters[n_adapters++] = adapter;
}

size_t et_test_adapter_count(void)
{
    return n_adapters;
}

const et_test_adapter *et_test_adapter_get(size_t i)
{
    return i < n_adapters ? adapters[i] : NULL;
}
