#!/bin/bash
# Golden transcripts: every examples/<machine>[.<device>].qtest run on its
# machine must print exactly tests/cli/golden/<machine>[.<device>].txt.
. "$(dirname "$0")/lib/common.sh"

count=0
for script in "$SRC"/examples/*.qtest; do
    name=$(basename "$script" .qtest)
    machine=${name%%.*}
    if ! "$EMUTIME" run --machine "$machine" "$script" >"$TMP/$name.txt" 2>"$TMP/$name.err"; then
        fail "$name: emutime run failed"
        cat "$TMP/$name.err" >&2
        continue
    fi
    compare_golden "$name.txt" "$TMP/$name.txt"
    count=$((count + 1))
done
[ "$count" -ge 7 ] || fail "expected an example per machine, found $count"
finish
