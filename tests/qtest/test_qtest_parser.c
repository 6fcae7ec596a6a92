/* qtest command parsing: QEMU 7.2's words, numbers and argument checks
 * (softmmu/qtest.c), with FAIL where QEMU aborts on an assertion. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emutime/qtest.h"

static char reason[256];
static char buf[512];

/* Parses a copy of text (the parser writes into its buffer). */
static et_qtest_parse_result parse_len(const char *text, size_t len, et_qtest_cmd *cmd)
{
    assert_true(len < sizeof(buf));
    memcpy(buf, text, len);
    return et_qtest_parse(buf, len, cmd, reason, sizeof(reason));
}

static et_qtest_parse_result parse(const char *text, et_qtest_cmd *cmd)
{
    return parse_len(text, strlen(text), cmd);
}

static void assert_fail_with(const char *text, const char *fragment)
{
    et_qtest_cmd cmd;
    assert_int_equal(parse(text, &cmd), ET_QTEST_PARSE_FAIL);
    if (!strstr(reason, fragment)) {
        fail_msg("'%s': reason '%s' lacks '%s'", text, reason, fragment);
    }
}

static void test_numbers_follow_strtoull_base0(void **state)
{
    (void)state;
    uint64_t u;
    assert_int_equal(et_qtest_parse_u64("0x40000004", &u), 0);
    assert_int_equal(u, 0x40000004);
    assert_int_equal(et_qtest_parse_u64("0X1f", &u), 0);
    assert_int_equal(u, 0x1f);
    /* A leading 0 is octal, as QEMU's base-0 parse makes it. */
    assert_int_equal(et_qtest_parse_u64("010", &u), 0);
    assert_int_equal(u, 8);
    assert_int_equal(et_qtest_parse_u64("0", &u), 0);
    assert_int_equal(u, 0);
    assert_int_equal(et_qtest_parse_u64("18446744073709551615", &u), 0);
    assert_true(u == UINT64_MAX);
    /* strtoull accepts a sign and wraps: "-1" is all ones. */
    assert_int_equal(et_qtest_parse_u64("-1", &u), 0);
    assert_true(u == UINT64_MAX);

    assert_int_equal(et_qtest_parse_u64("", &u), ET_EINVAL);
    assert_int_equal(et_qtest_parse_u64("0x", &u), ET_EINVAL);
    assert_int_equal(et_qtest_parse_u64("08", &u), ET_EINVAL); /* 8 is no octal digit */
    assert_int_equal(et_qtest_parse_u64("12abc", &u), ET_EINVAL);
    assert_int_equal(et_qtest_parse_u64("0x10000000000000000", &u), ET_EINVAL); /* 2^64 */
    assert_int_equal(et_qtest_parse_u64(NULL, &u), ET_EINVAL);

    int64_t i;
    assert_int_equal(et_qtest_parse_i64("-5", &i), 0);
    assert_int_equal(i, -5);
    assert_int_equal(et_qtest_parse_i64("9223372036854775807", &i), 0);
    assert_true(i == INT64_MAX);
    assert_int_equal(et_qtest_parse_i64("9223372036854775808", &i), ET_EINVAL);
    assert_int_equal(et_qtest_parse_i64("1e3", &i), ET_EINVAL);

    int n;
    assert_int_equal(et_qtest_parse_int("2147483647", &n), 0);
    assert_int_equal(n, 2147483647);
    assert_int_equal(et_qtest_parse_int("2147483648", &n), ET_EINVAL);
    assert_int_equal(et_qtest_parse_int("-0x80000000", &n), 0);
    assert_int_equal(n, INT32_MIN);
}

static void test_register_accesses(void **state)
{
    (void)state;
    et_qtest_cmd cmd;
    static const struct {
        const char *word;
        unsigned size;
    } sizes[] = { { "readb", 1 }, { "readw", 2 }, { "readl", 4 }, { "readq", 8 } };
    for (size_t i = 0; i < 4; i++) {
        char line[64];
        snprintf(line, sizeof(line), "%s 0xe000e200", sizes[i].word);
        assert_int_equal(parse(line, &cmd), ET_QTEST_PARSED);
        assert_int_equal(cmd.op, ET_QTEST_READ);
        assert_int_equal(cmd.size, sizes[i].size);
        assert_int_equal(cmd.addr, 0xe000e200);
    }
    assert_int_equal(parse("writeq 0xfed000f0 0x123456789abcdef0", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_WRITE);
    assert_int_equal(cmd.size, 8);
    assert_int_equal(cmd.addr, 0xfed000f0);
    assert_true(cmd.value == UINT64_C(0x123456789abcdef0));
    assert_int_equal(parse("writeb 16 255", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.size, 1);
    assert_int_equal(cmd.addr, 16);
    assert_int_equal(cmd.value, 255);

    /* Port I/O: no 64-bit form; ports above 0xffff abort QEMU. */
    assert_int_equal(parse("inw 0x61", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_IN);
    assert_int_equal(cmd.size, 2);
    assert_int_equal(cmd.addr, 0x61);
    assert_int_equal(parse("outl 0xcf8 0x80000000", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_OUT);
    assert_int_equal(cmd.size, 4);
    assert_int_equal(cmd.value, 0x80000000);
    assert_fail_with("inb 0x10000", "above 0xffff");
    assert_fail_with("outb 65536 1", "above 0xffff");
    assert_fail_with("inq 0x10", "Unknown command 'inq'");
    assert_fail_with("reads 0x0", "Unknown command 'reads'");
    assert_fail_with("readll 0x0", "Unknown command 'readll'");
    assert_fail_with("read", "missing argument");
}

static void test_transfers(void **state)
{
    (void)state;
    et_qtest_cmd cmd;
    assert_int_equal(parse("read 0x20000000 4", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_READ_BULK);
    assert_int_equal(cmd.len, 4);
    assert_int_equal(parse("b64read 0x20000000 0", &cmd), ET_QTEST_PARSED); /* QEMU: "OK " */
    assert_int_equal(cmd.op, ET_QTEST_B64READ);
    assert_fail_with("read 0x20000000 0", "0 bytes"); /* g_assert(len) in QEMU */
    assert_fail_with("read 0 0x100001", "limit");

    assert_int_equal(parse("write 0x20000000 4 0x12345678", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_WRITE_BULK);
    assert_int_equal(cmd.len, 4);
    assert_int_equal(cmd.data_len, 8);
    assert_memory_equal(cmd.data, "12345678", 8);
    /* Fewer digits than bytes is QEMU's zero padding, not an error. */
    assert_int_equal(parse("write 0x0 2 0x1", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.data_len, 1);
    /* Data shorter than 3 characters: QEMU's ERR reply. */
    assert_int_equal(parse("write 0x0 4 0x", &cmd), ET_QTEST_PARSE_ERR);
    assert_string_equal(reason, "invalid argument size");
    assert_int_equal(parse("b64write 0x0 1 AQ", &cmd), ET_QTEST_PARSE_ERR);
    assert_fail_with("write 0x0 1 0xzz", "non-hex");
    assert_fail_with("write 0x0 2 ab12", "0x");
    assert_fail_with("write 0x0 4", "missing argument");

    assert_int_equal(parse("b64write 0x20000000 4 AQIDBA==", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_B64WRITE);
    assert_int_equal(cmd.data_len, 8);
    assert_fail_with("b64write 0x0 4 AQIDBA", "multiple of 4");
    assert_fail_with("b64write 0x0 4 AQ*DBA==", "non-base64");
    assert_fail_with("b64write 0x0 4 A=IDBA==", "non-base64"); /* data after padding */

    assert_int_equal(parse("memset 0x20000000 16 0x1ff", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_MEMSET);
    assert_int_equal(cmd.len, 16);
    assert_int_equal(cmd.value, 0x1ff); /* the server stores the low byte */
    assert_int_equal(parse("memset 0x0 0 0", &cmd), ET_QTEST_PARSED);
    assert_fail_with("memset 0x0 16", "missing argument");
}

static void test_clock_and_irq_commands(void **state)
{
    (void)state;
    et_qtest_cmd cmd;
    assert_int_equal(parse("clock_step", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_CLOCK_STEP_NEXT);
    assert_int_equal(parse("clock_step 40040", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_CLOCK_STEP);
    assert_int_equal(cmd.ns, 40040);
    /* QEMU parses a signed step; a negative one moves nothing. */
    assert_int_equal(parse("clock_step -5", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.ns, -5);
    assert_int_equal(parse("clock_set 0x100", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_CLOCK_SET);
    assert_int_equal(cmd.ns, 256);
    assert_fail_with("clock_set", "missing argument");
    assert_fail_with("clock_step ten", "not a signed 64-bit number");

    assert_int_equal(parse("irq_intercept_in /machine/armv7m", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_INTERCEPT_IN);
    assert_string_equal(cmd.path, "/machine/armv7m");
    assert_int_equal(parse("irq_intercept_out /machine/unattached/device[1]", &cmd),
                     ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_INTERCEPT_OUT);
    assert_fail_with("irq_intercept_in", "missing argument");

    assert_int_equal(parse("set_irq_in /machine/armv7m NMI 0 1", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_SET_IRQ_IN);
    assert_string_equal(cmd.path, "/machine/armv7m");
    assert_string_equal(cmd.name, "NMI");
    assert_int_equal(cmd.num, 0);
    assert_int_equal(cmd.level, 1);
    assert_fail_with("set_irq_in /machine/armv7m unnamed-gpio-in 3", "missing argument");
    assert_fail_with("set_irq_in ioapic unnamed-gpio-in 99999999999 1", "not an int");

    assert_int_equal(parse("endianness", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_ENDIANNESS);

    /* emutime's extensions. */
    assert_int_equal(parse("snapshot_save /tmp/a.snap", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_SNAPSHOT_SAVE);
    assert_string_equal(cmd.path, "/tmp/a.snap");
    assert_int_equal(parse("snapshot_load b.snap", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.op, ET_QTEST_SNAPSHOT_LOAD);
    assert_string_equal(cmd.path, "b.snap");
    assert_fail_with("snapshot_load", "missing argument");
    assert_fail_with("snapshot_save  x", "FILE is empty");
}

/* Words are split on single spaces, as g_strsplit(line, " ", 0) does. */
static void test_words_and_spaces(void **state)
{
    (void)state;
    et_qtest_cmd cmd;
    /* A double space is an empty argument: QEMU's parse of "" aborts. */
    assert_fail_with("readl  0x40000004", "empty");
    assert_fail_with("writel 0x40000000  9", "empty");
    assert_fail_with("clock_step ", "empty"); /* words: "clock_step", "" */
    /* Words past the ones a command uses are ignored, as in QEMU. */
    assert_int_equal(parse("readl 0x40000004 extra words", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.addr, 0x40000004);
    assert_int_equal(parse("readl 0x40000004 ", &cmd), ET_QTEST_PARSED);
    /* A leading space makes the command word empty. */
    assert_fail_with(" readl 0x0", "Unknown command ''");
    assert_fail_with("foo bar", "Unknown command 'foo'");
    assert_fail_with("READL 0x0", "Unknown command 'READL'");
    /* A CRLF line ending is accepted. */
    assert_int_equal(parse("readl 0x10\r", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.addr, 0x10);
}

static void test_malformed_lines(void **state)
{
    (void)state;
    et_qtest_cmd cmd;
    assert_fail_with("", "empty line");
    assert_fail_with("\r", "empty line");
    assert_fail_with("readl 0x0\t", "non-printable byte 0x09");
    assert_fail_with("\x01\x02\x03", "non-printable byte 0x01");
    assert_fail_with("readl \xff", "non-printable byte 0xff");
    /* An embedded NUL is binary junk too, not the end of the line. */
    assert_int_equal(parse_len("readl 0\0x10", 11, &cmd), ET_QTEST_PARSE_FAIL);
    assert_non_null(strstr(reason, "0x00"));

    /* Overlong: only the length is looked at. */
    size_t big = ET_QTEST_MAX_LINE + 1;
    char *line = malloc(big + 1);
    memset(line, 'a', big);
    assert_int_equal(et_qtest_parse(line, big, &cmd, reason, sizeof(reason)),
                     ET_QTEST_PARSE_FAIL);
    assert_non_null(strstr(reason, "longer than"));
    free(line);

    /* Every FAIL names a reason. */
    assert_int_equal(parse("writel 0x0 nine", &cmd), ET_QTEST_PARSE_FAIL);
    assert_non_null(strstr(reason, "VALUE 'nine' is not a number"));
}

/* The splitter takes eight bytes at a time while they are all printable:
 * a bad byte or a space in any lane of those words, or in the tail, must
 * come out as byte by byte. */
static void test_every_column(void **state)
{
    (void)state;
    static const char good[] = "writel 0x40000000 0x12345678 extra1 extra2";
    static const unsigned char bad[] = { 0x00, 0x01, 0x09, 0x1f, 0x7f, 0x80, 0xa0, 0xff };
    const size_t n = sizeof(good) - 1;
    et_qtest_cmd cmd;
    for (size_t col = 0; col < n; col++) {
        for (size_t b = 0; b < sizeof(bad); b++) {
            char line[64];
            memcpy(line, good, n);
            line[col] = (char)bad[b];
            assert_int_equal(parse_len(line, n, &cmd), ET_QTEST_PARSE_FAIL);
            char want[64];
            snprintf(want, sizeof(want), "non-printable byte 0x%02x at column %zu", bad[b],
                     col + 1);
            if (!strstr(reason, want)) {
                fail_msg("byte 0x%02x at %zu: reason '%s'", bad[b], col + 1, reason);
            }
        }
        /* A space doubled: an empty argument where writel needs one (the
         * spaces at columns 7 and 18), ignored past its words. */
        if (good[col] != ' ') {
            continue;
        }
        char line[64];
        memcpy(line, good, col + 1);
        line[col + 1] = ' ';
        memcpy(line + col + 2, good + col + 1, n - col - 1);
        et_qtest_parse_result r = parse_len(line, n + 1, &cmd);
        if (col < 28) {
            assert_int_equal(r, ET_QTEST_PARSE_FAIL);
            assert_non_null(strstr(reason, "is empty"));
        } else {
            assert_int_equal(r, ET_QTEST_PARSED);
            assert_int_equal(cmd.addr, 0x40000000);
            assert_int_equal(cmd.value, 0x12345678);
        }
    }
    /* Spaces in every lane of one word: eight empty words after "readl". */
    assert_int_equal(parse("readl 0x10        ", &cmd), ET_QTEST_PARSED);
    assert_fail_with("readl        0x10", "ADDR is empty");
    /* The word lengths come from the splitter: words ending on and just
     * past an 8-byte boundary. */
    assert_int_equal(parse("writeq 0x123456789abcdef0 0xffffffffffffffff", &cmd),
                     ET_QTEST_PARSED);
    assert_true(cmd.addr == 0x123456789abcdef0ull && cmd.value == UINT64_MAX);
    assert_int_equal(parse("clock_set 1234567", &cmd), ET_QTEST_PARSED);
    assert_int_equal(cmd.ns, 1234567);
}

/* A short reason buffer truncates, never overflows. */
static void test_reason_truncation(void **state)
{
    (void)state;
    et_qtest_cmd cmd;
    char small[8];
    char line[] = "no_such_command_with_a_long_name";
    assert_int_equal(et_qtest_parse(line, strlen(line), &cmd, small, sizeof(small)),
                     ET_QTEST_PARSE_FAIL);
    assert_int_equal(strlen(small), sizeof(small) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_follow_strtoull_base0),
        cmocka_unit_test(test_register_accesses),
        cmocka_unit_test(test_transfers),
        cmocka_unit_test(test_clock_and_irq_commands),
        cmocka_unit_test(test_words_and_spaces),
        cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_every_column),
        cmocka_unit_test(test_reason_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
