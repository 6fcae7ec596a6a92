#!/bin/bash
# `emutime run` without a script runs examples/mps2-an385.qtest, embedded
# in the tool at build time, on the default machine (what `make run` shows):
# the same transcript as running the file.
. "$(dirname "$0")/lib/common.sh"

"$EMUTIME" run >"$TMP/builtin.txt" 2>"$TMP/err" || fail "emutime run failed"
"$EMUTIME" run --machine mps2-an385 "$SRC/examples/mps2-an385.qtest" >"$TMP/file.txt" 2>&1 ||
    fail "emutime run examples/mps2-an385.qtest failed"
if ! diff -u "$TMP/file.txt" "$TMP/builtin.txt"; then
    fail "the built-in script (embedded from examples/mps2-an385.qtest) gives another transcript"
fi
expect_grep "^# machine mps2-an385" "$TMP/builtin.txt" "default machine"
# Reading the script from stdin gives the same transcript.
"$EMUTIME" run - <"$SRC/examples/mps2-an385.qtest" >"$TMP/stdin.txt" 2>&1 || fail "run - failed"
diff -q "$TMP/file.txt" "$TMP/stdin.txt" >/dev/null || fail "run - differs from run FILE"
finish
