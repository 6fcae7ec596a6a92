#!/bin/bash
# The kvm-x86 example's tests (CTest runs them; 77 means skipped).
#   run-test.sh icount   VMM GUEST  - twice, the two traces must be identical
#   run-test.sh realtime VMM GUEST  - three vCPUs on real time
set -u
mode=$1 vmm=$2 guest=$3
case $mode in
icount)
    dir=$(mktemp -d) || exit 1
    trap 'rm -rf "$dir"' EXIT
    for run in 1 2; do
        "$vmm" "$guest" --mode=icount --trace="$dir/trace$run" || exit $?
    done
    if ! cmp "$dir/trace1" "$dir/trace2"; then
        diff "$dir/trace1" "$dir/trace2" | head -20
        echo "kvm-x86: the two instruction-count runs differ" >&2
        exit 1
    fi
    echo "kvm-x86: two instruction-count runs, identical traces ($(wc -l <"$dir/trace1") lines)"
    ;;
realtime)
    exec "$vmm" "$guest" --mode=realtime --cpus=3
    ;;
*)
    echo "usage: run-test.sh icount|realtime VMM GUEST" >&2
    exit 2
    ;;
esac
