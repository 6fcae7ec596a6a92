#!/usr/bin/env bash
# Runs the riscv-smp example twice in instruction-count mode: both runs must
# PASS and their interrupt traces must be identical byte for byte.
set -euo pipefail
exe=$1 fw=$2 out=$3
for i in 1 2; do
    rc=0
    "$exe" "$fw" --mode icount --trace "$out.$i" || rc=$?
    if [ "$rc" -ne 0 ]; then
        exit "$rc"
    fi
done
if ! cmp "$out.1" "$out.2"; then
    diff "$out.1" "$out.2" | head -20
    echo "riscv-smp: the two instruction-count runs differ" >&2
    exit 1
fi
echo "riscv-smp: $(grep -cE ' (MTI|MSI) ' "$out.1") interrupts, identical traces"
