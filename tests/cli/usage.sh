#!/bin/bash
# Command-line handling: help everywhere, exit status 2 and a clear message
# for unknown commands, options, machines and files.
. "$(dirname "$0")/lib/common.sh"

expect_status 0 "--help" "$EMUTIME" --help
expect_grep "usage: emutime COMMAND" "$TMP/out" "--help"
expect_status 0 "--version" "$EMUTIME" --version
expect_grep "^emutime [0-9]" "$TMP/out" "--version"
expect_status 2 "no command" "$EMUTIME"
expect_grep "usage:" "$TMP/err" "no command"

for cmd in run qtest machines snapshot; do
    expect_status 0 "$cmd --help" "$EMUTIME" "$cmd" --help
    expect_grep "usage: emutime $cmd" "$TMP/out" "$cmd --help"
    expect_status 0 "$cmd -h" "$EMUTIME" "$cmd" -h
    expect_status 0 "help $cmd" "$EMUTIME" help "$cmd"
    expect_grep "usage: emutime $cmd" "$TMP/out" "help $cmd"
    expect_status 2 "$cmd --bogus" "$EMUTIME" "$cmd" --bogus
    expect_grep "unknown option '--bogus'" "$TMP/err" "$cmd --bogus"
done

expect_status 2 "unknown command" "$EMUTIME" frobnicate
expect_grep "unknown command 'frobnicate'" "$TMP/err" "unknown command"
expect_status 2 "unknown top-level option" "$EMUTIME" --frob
expect_grep "unknown option '--frob'" "$TMP/err" "unknown top-level option"
expect_status 2 "help for an unknown command" "$EMUTIME" help frobnicate

expect_status 2 "run: unknown machine" "$EMUTIME" run --machine nosuch
expect_grep "unknown machine 'nosuch' (machines: mps2-an385" "$TMP/err" "run: unknown machine"
expect_status 2 "qtest: unknown machine" "$EMUTIME" qtest -m nosuch
expect_status 2 "bad machine option" "$EMUTIME" run -m pc,turbo=on
expect_grep "machine pc has no option 'turbo'" "$TMP/err" "bad machine option"
expect_status 2 "bad option value" "$EMUTIME" run -m pc,pit=sometimes
expect_status 2 "missing option value" "$EMUTIME" run --machine
expect_grep "needs a value" "$TMP/err" "missing option value"
expect_status 2 "missing script" "$EMUTIME" run "$TMP/no-such-script.qtest"
expect_grep "no-such-script.qtest: No such file or directory" "$TMP/err" "missing script"
expect_status 2 "two scripts" "$EMUTIME" run a.qtest b.qtest
expect_status 2 "qtest: stray argument" "$EMUTIME" qtest script.qtest
expect_status 2 "unwritable waveform" "$EMUTIME" run --vcd "$TMP/no/such/dir/x.vcd"
expect_status 2 "empty trace pattern" "$EMUTIME" run --trace ""

expect_status 0 "machines --short" "$EMUTIME" machines --short
for m in mps2-an385 versatilepb realview-eb vexpress-a9 pc q35 virt; do
    expect_grep "^$m " "$TMP/out" "machines --short lists $m"
done
expect_grep "(default)" "$TMP/out" "machines --short marks the default"
expect_status 0 "machines pc" "$EMUTIME" machines pc
expect_grep "0xfed00000-0xfed003ff" "$TMP/out" "machines pc: the HPET range"
expect_grep "irq_intercept_in ioapic" "$TMP/out" "machines pc: the intercept"
expect_status 2 "machines nosuch" "$EMUTIME" machines nosuch
finish
