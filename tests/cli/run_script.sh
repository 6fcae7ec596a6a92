#!/bin/bash
# `emutime run`: the exit status says whether a command failed (3, or 0 with
# --ignore-failures), and a script names its machine on a "# machine: SPEC"
# line among its leading comments, which --machine overrides.
. "$(dirname "$0")/lib/common.sh"

printf '# a pc script\n# machine: pc\n\nreadl 0xfed00000\n' >"$TMP/pc.qtest"
expect_status 0 "header machine" "$EMUTIME" run "$TMP/pc.qtest"
expect_grep '^# machine pc$' "$TMP/out" "header machine chosen"
# The HPET's capabilities: vendor 0x8086, 100 MHz period in the high half
# (read as the low word here: 0x8086a201 = vendor, LEG_RT_CAP, 3 timers, rev 1).
expect_grep '^< OK 0x000000008086a201$' "$TMP/out" "pc HPET read"
expect_grep '^# machine: pc$' "$TMP/out" "header kept in the transcript"

expect_status 0 "--machine overrides the header" "$EMUTIME" run -m virt "$TMP/pc.qtest"
expect_grep '^# machine virt$' "$TMP/out" "override"

# The header is only looked for before the first command.
printf 'readl 0\n# machine: pc\n' >"$TMP/late.qtest"
expect_status 0 "late header ignored" "$EMUTIME" run "$TMP/late.qtest"
expect_grep '^# machine mps2-an385$' "$TMP/out" "late header"

printf '# machine: nosuch\nreadl 0\n' >"$TMP/bad.qtest"
expect_status 2 "unknown header machine" "$EMUTIME" run "$TMP/bad.qtest"
expect_grep "unknown machine 'nosuch'" "$TMP/err" "unknown header machine"

printf 'readl 0\nbogus\nreadl 0\n' >"$TMP/fail.qtest"
expect_status 3 "a failed command" "$EMUTIME" run "$TMP/fail.qtest"
expect_grep "^< FAIL Unknown command 'bogus'" "$TMP/out" "FAIL reply"
expect_grep '^# 3 commands, 1 failed' "$TMP/out" "every command ran"
expect_status 0 "--ignore-failures" "$EMUTIME" run --ignore-failures "$TMP/fail.qtest"

# Line numbers count the header lines too.
{ printf '# machine: pc\n\n'; head -c 5000000 /dev/zero | tr '\0' 'x'; } >"$TMP/long.qtest"
expect_status 2 "overlong line after a header" "$EMUTIME" run "$TMP/long.qtest"
expect_grep "line 3 is longer than" "$TMP/err" "overlong line number"
finish
