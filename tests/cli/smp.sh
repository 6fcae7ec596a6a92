#!/bin/bash
# --smp N: the same machine as ",smp=N" (QEMU's -smp N), for run and qtest,
# with clear errors when smp is given twice or the machine has no harts.
. "$(dirname "$0")/lib/common.sh"

script="$SRC/examples/virt-smp4.qtest"
expect_status 0 "run --smp 4" "$EMUTIME" run --machine virt --smp 4 "$script"
cp "$TMP/out" "$TMP/smp-option.txt"
compare_golden virt-smp4.txt "$TMP/smp-option.txt"

# The qtest server: hart 3's mtimecmp exists with --smp 4.
printf 'irq_intercept_out /machine/unattached/device[1]\nwriteq 0x02004018 -1\nwriteq 0x02004018 0\n' \
    >"$TMP/cmds"
"$EMUTIME" qtest --machine virt --smp 4 <"$TMP/cmds" >"$TMP/qt.out" 2>"$TMP/qt.err" ||
    fail "qtest --smp 4 failed"
printf 'OK\nOK\nIRQ raise 3\nOK\n' >"$TMP/qt.want"
diff -u "$TMP/qt.want" "$TMP/qt.out" || fail "qtest --smp 4: unexpected output"

expect_status 2 "--smp twice" "$EMUTIME" run --machine virt,smp=2 --smp 4 "$script"
expect_grep "sets smp already" "$TMP/err" "--smp twice"
expect_status 2 "--smp on a machine without harts" "$EMUTIME" run --machine pc --smp 2 "$script"
expect_grep "machine pc has no option 'smp'" "$TMP/err" "--smp on pc"
expect_status 2 "--smp out of range" "$EMUTIME" qtest --machine virt --smp 513
expect_grep "the number of harts is 1 to 512" "$TMP/err" "--smp 513"
expect_status 2 "sockets without harts" "$EMUTIME" run --machine virt,sockets=4 --smp 2 "$script"
expect_grep "4 sockets need at least 4 harts" "$TMP/err" "sockets=4 --smp 2"

# `emutime machines` describes a layout: two sockets of 5 harts.
expect_status 0 "machines virt,smp=5,sockets=2" "$EMUTIME" machines virt,smp=5,sockets=2
expect_grep "mtimer1    riscv.aclint.mtimer  0x02014000-0x0201bfff" "$TMP/out" "socket 1's MTIMER"
expect_grep "/machine/soc1/harts\[2\] *in: hart4 inputs" "$TMP/out" "hart 4's QOM path"
expect_grep "/machine/unattached/device\[18\] *rtc" "$TMP/out" "the RTC's QOM path"
expect_status 2 "machines with a bad option value" "$EMUTIME" machines virt,smp=0
finish
