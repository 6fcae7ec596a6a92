#!/bin/bash
# Snapshots from the command line: snapshot_save in a qtest session,
# `emutime snapshot info`, and `emutime qtest --load` continuing from it.
. "$(dirname "$0")/lib/common.sh"

snap="$TMP/t.snap"
printf '%s\n' 'writel 0x40000008 999' 'writel 0x40000000 9' 'clock_step 20020' \
    "snapshot_save $snap" >"$TMP/in"
"$EMUTIME" qtest <"$TMP/in" >"$TMP/out" 2>"$TMP/err" || fail "qtest with snapshot_save failed"
[ "$(tail -1 "$TMP/out")" = OK ] || fail "snapshot_save replied $(tail -1 "$TMP/out")"

expect_status 0 "snapshot info" "$EMUTIME" snapshot info "$snap"
expect_grep "^machine: mps2-an385" "$TMP/out" "snapshot info: machine"
expect_grep "now 20020 ns" "$TMP/out" "snapshot info: clock"
expect_grep "^device timer0: cmsdk-apb-timer" "$TMP/out" "snapshot info: timer0"
expect_grep "^device nvic: armv7m-nvic-view" "$TMP/out" "snapshot info: the NVIC view"

# Continuing from the snapshot: VALUE 499 half a tick after tick 500, and
# the interrupt 499 ticks later, as if the session had never stopped.
printf '%s\n' 'irq_intercept_in /machine/armv7m' 'clock_step 0' 'readl 0x40000004' \
    'clock_step 19940' >"$TMP/in2"
"$EMUTIME" qtest --load "$snap" <"$TMP/in2" >"$TMP/out2" 2>"$TMP/err" || fail "qtest --load failed"
printf '%s\n' OK 'OK 20020' 'OK 0x00000000000001f3' 'IRQ raise 8' 'OK 39960' >"$TMP/expected"
diff -u "$TMP/expected" "$TMP/out2" || fail "qtest --load continued differently"

# Errors: a missing file, a damaged one, another machine, usage.
expect_status 2 "snapshot info: missing file" "$EMUTIME" snapshot info "$TMP/none.snap"
expect_grep "none.snap" "$TMP/err" "snapshot info: names the missing file"
head -c 100 "$snap" >"$TMP/short.snap"
expect_status 1 "snapshot info: truncated file" "$EMUTIME" snapshot info "$TMP/short.snap"
expect_status 2 "qtest --load on another machine" "$EMUTIME" qtest --machine virt --load "$snap"
expect_grep "not 'virt'" "$TMP/err" "qtest --load on another machine"
expect_status 2 "snapshot without action" "$EMUTIME" snapshot
expect_status 2 "snapshot unknown action" "$EMUTIME" snapshot dump "$snap"
expect_status 0 "snapshot --help" "$EMUTIME" snapshot --help
expect_grep "usage: emutime snapshot info \[--json\] FILE" "$TMP/out" "snapshot --help"

# --json: one valid object (jq) saying what the text says.
expect_status 0 "snapshot info --json" "$EMUTIME" snapshot info --json "$snap"
cp "$TMP/out" "$TMP/info.json"
jq -e '.machine == "mps2-an385" and .format == 2 and .clock.kind == "manual"' "$TMP/info.json" \
    >/dev/null || fail "snapshot info --json: machine, format or clock"
"$EMUTIME" snapshot info "$snap" >"$TMP/info.txt"
now=$(sed -n 's/^clock: manual, now \([0-9]*\) ns$/\1/p' "$TMP/info.txt")
[ -n "$now" ] && jq -e ".clock.now_ns == $now" "$TMP/info.json" >/dev/null ||
    fail "snapshot info --json: now differs from the text ($now)"
n=$(sed -n 's/^devices: \([0-9]*\)$/\1/p' "$TMP/info.txt")
jq -e ".devices | length == $n" "$TMP/info.json" >/dev/null ||
    fail "snapshot info --json: $n devices expected"
expect_status 1 "snapshot info --json: truncated file" "$EMUTIME" snapshot info --json "$TMP/short.snap"
finish
