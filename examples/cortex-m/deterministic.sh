#!/bin/sh
# The instruction-count mode is deterministic: two runs of the firmware give
# the same exception trace byte for byte (every entry at the same
# instruction, the watchdog's reset included).
# Usage: deterministic.sh CORTEXM_EMU FIRMWARE.bin
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$1" --mode icount --trace "$tmp/a" "$2" >/dev/null
"$1" --mode icount --trace "$tmp/b" "$2" >/dev/null
cmp "$tmp/a" "$tmp/b"
grep -q ' reset$' "$tmp/a" || { echo "no watchdog reset in the trace"; exit 1; }
echo "identical traces: $(wc -l <"$tmp/a") lines"
