#!/bin/sh
# Last-level cache misses per cold re-arm (2N re-arms straight after the fill)
# at N = 10^6, emutime against libuv, from bench_timer_queue -C.
#
# With a PMU, `perf stat -e cache-misses` counts the real misses of a run with
# 2N re-arms and of one with a single re-arm; the difference over 2N is the
# figure. A guest without a PMU (perf says "not supported") gets callgrind's
# cache simulation instead, with only the re-arms instrumented, and this
# machine's cache sizes from lscpu (the guest's cpuid leaves, which valgrind
# reads, are not reliable under KVM).
#
# usage: cache_misses.sh BENCH_BINARY [N]
set -eu
bench=$1
n=${2:-1000000}

if perf stat -e cache-misses true 2>&1 | grep -q "cache-misses" &&
   ! perf stat -e cache-misses true 2>&1 | grep -q "not supported"; then
    method="perf stat -e cache-misses (hardware counter)"
    count() { # impl ops
        perf stat -x, -e cache-misses "$bench" -C "$1" -n "$n" -o "$2" 2>&1 >/dev/null |
            awk -F, '/cache-misses/ { print $1 }'
    }
    per_rearm() {
        a=$(count "$1" $((2 * n)))
        b=$(count "$1" 1)
        echo "$a $b $n" | awk '{ printf "%.2f", ($1 - $2) / (2 * $3 - 1) }'
    }
elif command -v valgrind >/dev/null 2>&1; then
    # lscpu sizes in bytes; fall back to this project's machine kind.
    l3=$(lscpu -B 2>/dev/null | awk -F: '/^L3 cache/ { gsub(/[^0-9].*/, "", $2); gsub(/ /, "", $2); print $2; exit }' | tr -dc 0-9)
    l3=${l3:-33554432}
    method="callgrind cache simulation (no PMU: perf stat cache-misses not supported), LL ${l3} bytes 16-way"
    per_rearm() {
        out=$(mktemp)
        valgrind --tool=callgrind --instr-atstart=no --cache-sim=yes \
            --LL="$l3,16,64" --callgrind-out-file="$out" "$bench" -C "$1" -n "$n" \
            >/dev/null 2>&1
        awk -v ops=$((2 * n)) '
            /^events:/ { for (i = 2; i <= NF; i++) ev[i - 1] = $i }
            /^totals:/ { for (i = 2; i <= NF; i++) if (ev[i - 1] ~ /^(ILmr|DLmr|DLmw)$/) m += $i
                         printf "%.2f", m / ops }' "$out"
        rm -f "$out"
    }
else
    echo "cache misses: neither a PMU (perf) nor valgrind here: not measured"
    exit 0
fi

emu=$(per_rearm emutime)
uv=$(per_rearm libuv)
echo "cache misses per cold re-arm at N = $n ($method):"
echo "  emutime $emu, libuv $uv"
