#!/bin/bash
# `emutime machines --json`: valid JSON (checked by jq), one object per board
# with the table's values: pc's HPET at 0xfed00000 = 4275044352 with output
# 2 on IOAPIC input 2; mps2-an385 is the default; options say switch/value.
. "$(dirname "$0")/lib/common.sh"

expect_status 0 "machines --json" "$EMUTIME" machines --json
cp "$TMP/out" "$TMP/all.json"
if ! jq -e 'type == "array" and length > 0' "$TMP/all.json" >/dev/null; then
    fail "machines --json is not a non-empty JSON array"
fi
# Every board of --short is there, in the same order.
"$EMUTIME" machines --short | awk '{print $1}' >"$TMP/names.short"
jq -r '.[].name' "$TMP/all.json" >"$TMP/names.json"
diff -u "$TMP/names.short" "$TMP/names.json" || fail "machines --json lists other boards than --short"

expect_status 0 "machines --json pc" "$EMUTIME" machines --json pc
jq -e 'length == 1 and .[0].name == "pc" and .[0].default == false' "$TMP/out" >/dev/null ||
    fail "machines --json pc: not just pc"
jq -e '.[0].devices[] | select(.name == "hpet") | .base == 4275044352 and
       (.wires[] | select(.output == 2) | .controller == "ioapic" and .input == 2)' \
    "$TMP/out" >/dev/null || fail "machines --json pc: the HPET's base or wiring"
jq -e '.[0].options[] | select(.name == "hpet") | .kind == "switch" and .default == "on"' \
    "$TMP/out" >/dev/null || fail "machines --json pc: the hpet option"
jq -e '[.[] | select(.default)] | length == 1 and .[0].name == "mps2-an385"' "$TMP/all.json" \
    >/dev/null || fail "machines --json: the default machine"

expect_status 2 "machines --json --short" "$EMUTIME" machines --json --short
expect_grep "do not go together" "$TMP/err" "machines --json --short"
expect_status 2 "machines --json nosuch" "$EMUTIME" machines --json nosuch
finish
