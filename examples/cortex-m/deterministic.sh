#!/bin/sh
# The instruction-count mode is deterministic: two runs of the firmware give
# the same exception trace byte for byte (every entry at the same
# instruction, the watchdog's reset included); the trace shows the
# tail-chained PendSV.
# Usage: deterministic.sh CORTEXM_EMU FIRMWARE.bin
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$1" --mode icount --trace "$tmp/a" "$2" >/dev/null
"$1" --mode icount --trace "$tmp/b" "$2" >/dev/null
cmp "$tmp/a" "$tmp/b"
grep -q ' reset$' "$tmp/a" || { echo "no watchdog reset in the trace"; exit 1; }
# SysTick's handler pends PendSV (exception 14): taken at SysTick's return.
grep -q ' exc 14 tail$' "$tmp/a" || { echo "PendSV was not tail-chained"; exit 1; }
echo "identical traces: $(wc -l <"$tmp/a") lines"
