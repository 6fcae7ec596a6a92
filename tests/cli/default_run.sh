#!/bin/bash
# `emutime run` without a script runs the built-in copy of
# examples/mps2-an385.qtest on the default machine (what `make run` shows):
# same transcript as running the file, so the copy has not drifted.
. "$(dirname "$0")/lib/common.sh"

"$EMUTIME" run >"$TMP/builtin.txt" 2>"$TMP/err" || fail "emutime run failed"
"$EMUTIME" run --machine mps2-an385 "$SRC/examples/mps2-an385.qtest" >"$TMP/file.txt" 2>&1 ||
    fail "emutime run examples/mps2-an385.qtest failed"
if ! diff -u "$TMP/file.txt" "$TMP/builtin.txt"; then
    fail "the built-in script (tools/default_script.c) differs from examples/mps2-an385.qtest"
fi
expect_grep "^# machine mps2-an385" "$TMP/builtin.txt" "default machine"
# Reading the script from stdin gives the same transcript.
"$EMUTIME" run - <"$SRC/examples/mps2-an385.qtest" >"$TMP/stdin.txt" 2>&1 || fail "run - failed"
diff -q "$TMP/file.txt" "$TMP/stdin.txt" >/dev/null || fail "run - differs from run FILE"
finish
