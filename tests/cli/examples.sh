#!/bin/bash
# Golden transcripts: every examples/<machine>.qtest run on its machine must
# print exactly tests/cli/golden/<machine>.txt.
. "$(dirname "$0")/lib/common.sh"

count=0
for script in "$SRC"/examples/*.qtest; do
    machine=$(basename "$script" .qtest)
    if ! "$EMUTIME" run --machine "$machine" "$script" >"$TMP/$machine.txt" 2>"$TMP/$machine.err"; then
        fail "$machine: emutime run failed"
        cat "$TMP/$machine.err" >&2
        continue
    fi
    compare_golden "$machine.txt" "$TMP/$machine.txt"
    count=$((count + 1))
done
[ "$count" -ge 7 ] || fail "expected an example per machine, found $count"
finish
