/* qtest internals shared by the server and its I/O loops. */
#ifndef EMUTIME_QTEST_QTEST_INTERNAL_H
#define EMUTIME_QTEST_QTEST_INTERNAL_H

#include "emutime/qtest.h"

/* The I/O loops swap in their own buffered output for their duration. */
void et__qtest_set_output(et_qtest *q, et_qtest_output_fn out, void *opaque);
void et__qtest_get_output(const et_qtest *q, et_qtest_output_fn *out, void **opaque);

/* Batched output: lines gather and go to the output in blocks of about
 * 64 KiB, and at et__qtest_flush; turning it off flushes. Off by default:
 * each line goes to the output as it is written. */
void et__qtest_set_batched(et_qtest *q, bool batched);
void et__qtest_flush(et_qtest *q);

/* et_qtest_feed on input the caller lets the server write into: complete
 * lines are parsed where they lie instead of being copied first. */
void et__qtest_feed_in_place(et_qtest *q, char *buf, size_t len);

#endif
