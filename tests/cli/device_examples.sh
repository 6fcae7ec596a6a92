#!/bin/bash
# Golden transcripts of the per-device examples: examples/devices/<device>.qtest
# names its machine on a "# machine: NAME" line and must print exactly
# tests/cli/golden/devices/<device>.txt.
. "$(dirname "$0")/lib/common.sh"

count=0
for script in "$SRC"/examples/devices/*.qtest; do
    [ -e "$script" ] || continue
    device=$(basename "$script" .qtest)
    machine=$(sed -n 's/^# machine: *\([^ ]*\).*/\1/p' "$script" | head -1)
    if [ -z "$machine" ]; then
        fail "$device: no '# machine: NAME' line"
        continue
    fi
    if ! "$EMUTIME" run --machine "$machine" "$script" >"$TMP/$device.txt" 2>"$TMP/$device.err"; then
        fail "$device: emutime run --machine $machine failed"
        cat "$TMP/$device.err" >&2
        continue
    fi
    compare_golden "devices/$device.txt" "$TMP/$device.txt"
    count=$((count + 1))
done
[ "$count" -ge 1 ] || fail "no device examples found"
finish
