/* emutime: a server for QEMU's qtest protocol.
 *
 * The protocol is text, one command per line, words separated by single
 * spaces; every command gets exactly one reply line (OK, OK <value>,
 * FAIL <reason> or ERR <reason>), preceded by the "IRQ raise N" /
 * "IRQ lower N" lines of the intercepted interrupt lines that changed level
 * while the command ran. Commands, reply formats and number parsing follow
 * QEMU 7.2 (softmmu/qtest.c) so that one script drives QEMU and emutime
 * alike. Where QEMU aborts on malformed input (a blank line, a double space,
 * a missing or unparsable argument), this server replies "FAIL <reason>" and
 * keeps going. docs/qtest.md lists every command and every difference.
 *
 * The server drives one machine (machine.h) with a manual clock. It is
 * single-threaded: feed it from one thread.
 */
#ifndef EMUTIME_QTEST_H
#define EMUTIME_QTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emutime/machine.h"
#include "emutime/export.h"

ET_BEGIN_DECLS

/* Longest accepted line (bytes, without the newline); longer lines are
 * answered with one FAIL. */
#define ET_QTEST_MAX_LINE (4u << 20)
/* Largest read/write/b64read/b64write transfer, in bytes. */
#define ET_QTEST_MAX_TRANSFER (1u << 20)
/* Largest memset, in bytes. */
#define ET_QTEST_MAX_MEMSET (64u << 20)
/* Interrupt lines qtest keeps a level record for (QEMU: 256). */
#define ET_QTEST_MAX_IRQ 256

/* --- parsing (no machine needed) ----------------------------------------- */

typedef enum et_qtest_op {
    ET_QTEST_READ,          /* readb/w/l/q ADDR: size in .size */
    ET_QTEST_WRITE,         /* writeb/w/l/q ADDR VALUE */
    ET_QTEST_READ_BULK,     /* read ADDR LEN */
    ET_QTEST_B64READ,       /* b64read ADDR LEN */
    ET_QTEST_WRITE_BULK,    /* write ADDR LEN 0xHEX */
    ET_QTEST_B64WRITE,      /* b64write ADDR LEN BASE64 */
    ET_QTEST_MEMSET,        /* memset ADDR LEN BYTE */
    ET_QTEST_IN,            /* inb/w/l PORT */
    ET_QTEST_OUT,           /* outb/w/l PORT VALUE */
    ET_QTEST_CLOCK_STEP,    /* clock_step NS */
    ET_QTEST_CLOCK_STEP_NEXT, /* clock_step (to the next deadline) */
    ET_QTEST_CLOCK_SET,     /* clock_set NS */
    ET_QTEST_INTERCEPT_IN,  /* irq_intercept_in PATH */
    ET_QTEST_INTERCEPT_OUT, /* irq_intercept_out PATH */
    ET_QTEST_SET_IRQ_IN,    /* set_irq_in PATH NAME NUM LEVEL */
    ET_QTEST_ENDIANNESS,    /* endianness */
    ET_QTEST_SNAPSHOT_SAVE, /* snapshot_save FILE (emutime extension) */
    ET_QTEST_SNAPSHOT_LOAD, /* snapshot_load FILE (emutime extension) */
} et_qtest_op;

/* A parsed command. Strings point into the parsed line. */
typedef struct et_qtest_cmd {
    et_qtest_op op;
    unsigned size;       /* access size in bytes (read/write/in/out) */
    uint64_t addr;       /* address or port */
    uint64_t value;      /* write/out value, memset byte */
    uint64_t len;        /* transfer length */
    int64_t ns;          /* clock_step / clock_set */
    const char *path;    /* intercept / set_irq_in device path, snapshot file */
    const char *name;    /* set_irq_in GPIO list name */
    int num, level;      /* set_irq_in */
    const char *data;    /* write: the hex digits after "0x"; b64write: base64 */
    size_t data_len;
} et_qtest_cmd;

/* Result of parsing: OK, or a FAIL / ERR reply with its reason. */
typedef enum et_qtest_parse_result {
    ET_QTEST_PARSED = 0,
    ET_QTEST_PARSE_FAIL = 1, /* reply "FAIL <reason>" */
    ET_QTEST_PARSE_ERR = 2,  /* reply "ERR <reason>" (QEMU's short-data reply) */
} et_qtest_parse_result;

/* Parses one line of len bytes (without its newline; a trailing '\r' is
 * ignored). The buffer must have room for a NUL at line[len]: it is modified
 * in place (split into words) and cmd's strings point into it. On FAIL/ERR, reason holds the text to send after the keyword. */
et_qtest_parse_result et_qtest_parse(char *line, size_t len, et_qtest_cmd *cmd, char *reason,
                                     size_t reason_len);

/* Number parsing as QEMU's qemu_strtou64/qemu_strtoi64/qemu_strtoi do with
 * base 0: "0x" hex, leading "0" octal, else decimal; the whole word must be
 * a number; an unsigned parse accepts a leading '-' and wraps, as strtoull
 * does. Return 0, or ET_EINVAL for an empty, unparsable or out-of-range
 * word. */
int et_qtest_parse_u64(const char *word, uint64_t *out);
int et_qtest_parse_i64(const char *word, int64_t *out);
int et_qtest_parse_int(const char *word, int *out);

/* --- the server ------------------------------------------------------------ */

typedef struct et_qtest et_qtest;

/* Where the server's output goes (IRQ lines and replies, each ending in
 * "\n"). Called during et_qtest_execute/et_qtest_feed. */
typedef void (*et_qtest_output_fn)(void *opaque, const char *text, size_t len);

/* A server for machine m (which must use a manual clock and stays owned by
 * the caller). It registers itself as m's interrupt-intercept sink. */
et_qtest *et_qtest_new(et_machine *m, et_qtest_output_fn out, void *opaque);
void et_qtest_free(et_qtest *q);

/* Executes one command line (no newline). Its IRQ lines and its reply are
 * written to the output before this returns. */
void et_qtest_execute(et_qtest *q, const char *line, size_t len);

/* Feeds raw protocol input: complete lines are executed as they arrive,
 * overlong lines are answered with one FAIL. et_qtest_finish handles the
 * end of input (an unterminated last line is executed). */
void et_qtest_feed(et_qtest *q, const char *buf, size_t len);
void et_qtest_finish(et_qtest *q);

/* Called after each command's reply has been written (waveform sampling).
 * NULL removes it. */
typedef void (*et_qtest_notify_fn)(void *opaque);
void et_qtest_set_command_notify(et_qtest *q, et_qtest_notify_fn fn, void *opaque);

/* Counts, for reports and benchmarks. */
uint64_t et_qtest_commands(const et_qtest *q);
uint64_t et_qtest_failures(const et_qtest *q);

/* Serves the protocol on in_fd/out_fd until end of input. Output is
 * buffered while more input is already waiting and flushed before the
 * server blocks, so pipelined scripts run fast and interactive clients get
 * every reply at once. Returns 0, or ET_ESYSTEM with a message on an I/O
 * error. */
int et_qtest_serve_fd(et_qtest *q, int in_fd, int out_fd, char *err, size_t errlen);

/* Listens on a unix socket at path, serves the first client until it
 * closes the connection, removes the socket and returns: 0, or with a
 * message ET_EINVAL (the path is too long, or another kind of file is
 * there), ET_EBUSY (another server listens there) or ET_ESYSTEM. */
int et_qtest_serve_unix(et_qtest *q, const char *path, char *err, size_t errlen);

ET_END_DECLS

#endif
