/* A QMP server for one monitor connection, of the size qtest users need:
 * capabilities negotiation, the run-state and machine queries, quit, stop,
 * cont, system_reset, watchdog-set-action, with QEMU 7.2's replies and
 * error classes (docs/qemu-compat.md). JSON is parsed and written with
 * jansson. */
#ifndef EMUTIME_TOOL_QMP_H
#define EMUTIME_TOOL_QMP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "buffer.h"
#include "qemu_vm.h"

/* Output kept for a client that does not read is bounded: past this the
 * connection is closed. */
#define QMP_MAX_PENDING_OUTPUT (64u << 20)

qmp_conn *qmp_conn_new(qemu_vm *vm, int fd);
void qmp_conn_free(qmp_conn *c); /* closes the fd */
int qmp_conn_fd(const qmp_conn *c);

/* The greeting, sent on connection. */
void qmp_conn_greet(qmp_conn *c);
/* Input read from the connection: complete messages are executed. */
void qmp_conn_input(qmp_conn *c, const char *buf, size_t len);
bool qmp_conn_negotiated(const qmp_conn *c);
/* Queues one message (consumed) as a line ending in "\r\n". */
void qmp_conn_send(qmp_conn *c, json_t *msg);

/* Output: bytes waiting, a non-blocking flush (0, or -1 when the connection
 * is broken or over its bound), and a blocking one for the exit. */
size_t qmp_conn_pending(const qmp_conn *c);
int qmp_conn_flush(qmp_conn *c);
void qmp_conn_flush_all(qmp_conn *c);

#endif
