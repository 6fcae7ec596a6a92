#!/bin/bash
# --trace prints matching trace events on stderr; --vcd writes a waveform
# GTKWave opens (golden file for the default example).
. "$(dirname "$0")/lib/common.sh"

"$EMUTIME" run --trace 'timer0.expire,*.irq' >"$TMP/out" 2>"$TMP/trace" || fail "run --trace failed"
expect_grep "timer0.expire" "$TMP/trace" "--trace timer0 expiries"
expect_grep "timer0.irq timerint raise" "$TMP/trace" "--trace interrupt changes"
if grep -q "timer0.read\|timer0.write" "$TMP/trace"; then
    fail "--trace printed events outside the pattern"
fi
if grep -q "warning" "$TMP/trace"; then
    fail "--trace warned although both patterns matched"
fi
# A pattern that matches nothing gets a warning naming it (the run goes on).
"$EMUTIME" run --trace 'timer0.expire,nosuch.*' >/dev/null 2>"$TMP/trace2" ||
    fail "run --trace with an unmatched pattern failed"
expect_grep "warning: --trace pattern 'nosuch.\*' matched no event" "$TMP/trace2" \
    "--trace unmatched pattern"
if grep -q "pattern 'timer0.expire'" "$TMP/trace2"; then
    fail "--trace warned about a pattern that matched"
fi
# Tracing does not change the transcript.
"$EMUTIME" run >"$TMP/plain" 2>/dev/null
diff -q "$TMP/plain" "$TMP/out" >/dev/null || fail "--trace changed the transcript"

"$EMUTIME" run --vcd "$TMP/run.vcd" >/dev/null 2>&1 || fail "run --vcd failed"
expect_grep '^\$timescale 1 ns \$end' "$TMP/run.vcd" "VCD timescale"
expect_grep '^\$var wire 1 .* timerint \$end' "$TMP/run.vcd" "VCD interrupt wire"
expect_grep '^\$var reg 32 .* value \$end' "$TMP/run.vcd" "VCD counter register"
expect_grep '^\$enddefinitions \$end' "$TMP/run.vcd" "VCD header end"
compare_golden "mps2-an385.vcd" "$TMP/run.vcd"
finish
