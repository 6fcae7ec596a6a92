/* qtest internals shared by the server and its I/O loops. */
#ifndef EMUTIME_QTEST_QTEST_INTERNAL_H
#define EMUTIME_QTEST_QTEST_INTERNAL_H

#include "emutime/qtest.h"

/* The I/O loops swap in their own buffered output for their duration. */
void et__qtest_set_output(et_qtest *q, et_qtest_output_fn out, void *opaque);
void et__qtest_get_output(const et_qtest *q, et_qtest_output_fn *out, void **opaque);

#endif
