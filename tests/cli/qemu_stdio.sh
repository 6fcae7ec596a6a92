#!/bin/bash
# emutime-system-ARCH with -qtest stdio and -qtest-log: QEMU's qtest on
# stdin/stdout, the log of both directions, exit status 0 at the end of the
# input; -machine help; the links exist for every arch.
. "$(dirname "$0")/lib/common.sh"

DIR=$(dirname "$EMUTIME")
for arch in arm aarch64 i386 x86_64 riscv32 riscv64; do
    [ -x "$DIR/emutime-system-$arch" ] || fail "no $DIR/emutime-system-$arch"
done

printf 'endianness\nwritel 0x40000008 1000\nreadl 0x40000008\n' >"$TMP/in"
timeout 20 "$DIR/emutime-system-arm" -qtest stdio -qtest-log "$TMP/log" \
    -machine mps2-an385 -display none -accel qtest <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
status=$?
[ "$status" = 0 ] || fail "-qtest stdio: exit status $status, expected 0"
printf 'OK little\nOK\nOK 0x00000000000003e8\n' >"$TMP/want"
diff -u "$TMP/want" "$TMP/out" || fail "-qtest stdio: replies differ"
expect_grep '^\[R +[0-9.]*\] writel 0x40000008 1000$' "$TMP/log" "-qtest-log: a command"
expect_grep '^\[S +[0-9.]*\] OK 0x00000000000003e8$' "$TMP/log" "-qtest-log: a reply"

expect_status 0 "-machine help" "$DIR/emutime-system-x86_64" -machine help
expect_grep '^pc ' "$TMP/out" "-machine help lists pc"
expect_grep '^none ' "$TMP/out" "-machine help lists none"
if grep -q '^mps2-an385 ' "$TMP/out"; then
    fail "-machine help under x86_64 lists an arm machine"
fi

expect_status 1 "no -qtest" "$DIR/emutime-system-arm" -machine mps2-an385
expect_grep "emutime runs only under qtest" "$TMP/err" "no -qtest: the reason"

# virt's sockets are QEMU's NUMA nodes: with two, socket 1's MTIMER (mtime
# at 0x0201bff8) exists; -smp's own sockets= changes no layout (one node:
# 0x0201bff8 is unmapped and reads 0 after the write).
printf 'writeq 0x0201bff8 5\nreadq 0x0201bff8\n' >"$TMP/in"
"$DIR/emutime-system-riscv64" -machine virt -smp 4 -numa node -numa node -qtest stdio \
    -display none <"$TMP/in" >"$TMP/out" 2>"$TMP/err" || fail "-numa node twice failed"
expect_grep '^OK 0x0000000000000005$' "$TMP/out" "-numa: socket 1's mtime"
"$DIR/emutime-system-riscv64" -machine virt -smp 4,sockets=2 -qtest stdio \
    -display none <"$TMP/in" >"$TMP/out" 2>"$TMP/err" || fail "-smp sockets=2 failed"
expect_grep '^OK 0x0000000000000000$' "$TMP/out" "-smp sockets=2: one socket"
expect_status 1 "-numa on a board with one node" "$DIR/emutime-system-arm" -machine mps2-an385 \
    -numa node -numa node -qtest stdio
expect_grep "one NUMA node" "$TMP/err" "-numa: the reason"
finish
