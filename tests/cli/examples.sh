#!/bin/bash
# Golden transcripts: every examples/<name>.qtest run on its machine must
# print exactly tests/cli/golden/<name>.txt. The machine is <name>, or the
# spec on the script's "# machine: SPEC" line (virt,smp=4).
. "$(dirname "$0")/lib/common.sh"

count=0
for script in "$SRC"/examples/*.qtest; do
    machine=$(basename "$script" .qtest)
    spec=$(example_machine "$script")
    if ! "$EMUTIME" run --machine "$spec" "$script" >"$TMP/$machine.txt" 2>"$TMP/$machine.err"; then
        fail "$machine: emutime run failed"
        cat "$TMP/$machine.err" >&2
        continue
    fi
    compare_golden "$machine.txt" "$TMP/$machine.txt"
    count=$((count + 1))
done
[ "$count" -ge 7 ] || fail "expected an example per machine, found $count"
finish
