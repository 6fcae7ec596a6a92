#!/bin/bash
# `emutime qtest` on stdin/stdout: QEMU's replies, FAIL for malformed input
# (blank lines, double spaces, binary junk) without stopping, and exit at
# the end of input (QEMU keeps running there).
. "$(dirname "$0")/lib/common.sh"

printf '%s\n' \
    'irq_intercept_in /machine/armv7m' \
    'writel 0x40000008 24' \
    'writel 0x40000000 9' \
    'clock_step 1000' \
    '' \
    'readl  0x40000004' \
    'readl 0x4000000c' \
    'bogus command' \
    'endianness' >"$TMP/in"
printf 'readl 0x40000000\x01\x02\nwritel 0x4000000c 1\nreadl 0x4000000c' >>"$TMP/in"

timeout 20 "$EMUTIME" qtest --machine mps2-an385 <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
status=$?
[ "$status" = 0 ] || fail "emutime qtest exited with $status"
cat >"$TMP/expected" <<'EXPECTED'
OK
OK
OK
IRQ raise 8
OK 1000
FAIL empty line
FAIL ADDR is empty (double or trailing space?)
OK 0x0000000000000001
FAIL Unknown command 'bogus'
OK little
FAIL non-printable byte 0x01 at column 17
IRQ lower 8
OK
OK 0x0000000000000000
EXPECTED
diff -u "$TMP/expected" "$TMP/out" || fail "qtest output differs"

# A long pipelined script: one reply per command, nothing lost.
for i in $(seq 1 5000); do echo "readl 0x40000004"; echo "clock_step 40"; done >"$TMP/long"
timeout 60 "$EMUTIME" qtest <"$TMP/long" >"$TMP/long.out" 2>&1 || fail "long script failed"
[ "$(wc -l <"$TMP/long.out")" = 10000 ] || fail "long script: $(wc -l <"$TMP/long.out") replies"
[ "$(tail -1 "$TMP/long.out")" = "OK 200000" ] || fail "long script: last reply $(tail -1 "$TMP/long.out")"
finish
