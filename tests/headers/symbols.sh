#!/bin/bash
# libemutime.so exports exactly the functions the public headers declare:
# nothing internal leaks into the ABI (export.h), and nothing declared is
# missing. Usage: symbols.sh LIBEMUTIME_SO SOURCE_DIR
set -eu
LIB=$1
INC="$2/include"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Declared: every et_ name followed by "(" in the preprocessed headers
# (comments gone, macros expanded), less the static inline ones.
cc -E -P -I"$INC" "$INC/emutime/emutime.h" >"$TMP/pp.c"
grep -oE '\bet_[A-Za-z0-9_]+[[:space:]]*\(' "$TMP/pp.c" | sed -E 's/[[:space:]]*\($//' |
    sort -u >"$TMP/named"
grep -oE 'static inline[^(]*\bet_[A-Za-z0-9_]+[[:space:]]*\(' "$TMP/pp.c" |
    grep -oE '\bet_[A-Za-z0-9_]+[[:space:]]*\($' | sed -E 's/[[:space:]]*\($//' | sort -u >"$TMP/inline"
comm -23 "$TMP/named" "$TMP/inline" >"$TMP/declared"
nm -D --defined-only "$LIB" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort -u >"$TMP/exported"

failed=0
leaked=$(comm -13 "$TMP/declared" "$TMP/exported")
missing=$(comm -23 "$TMP/declared" "$TMP/exported")
if [ -n "$leaked" ]; then
    echo "FAIL: exported but not declared in a public header:"; echo "$leaked" | sed 's/^/  /'
    failed=$((failed + 1))
fi
if [ -n "$missing" ]; then
    echo "FAIL: declared in a public header but not exported:"; echo "$missing" | sed 's/^/  /'
    failed=$((failed + 1))
fi
echo "$(wc -l <"$TMP/exported") symbols exported"
echo "$((2 - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
