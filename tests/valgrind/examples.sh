#!/bin/bash
# valgrind memcheck over the CLI's example runs: every examples/<machine>.qtest
# through `emutime run`, plus the qtest server on stdin and a snapshot
# round trip. Any memcheck error or leak fails the test.
# Usage: examples.sh EMUTIME SOURCE_DIR
set -u
EMUTIME=$1
SRC=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if ! command -v valgrind >/dev/null; then
    echo "valgrind is not installed (scripts/install-deps.sh installs it)" >&2
    exit 1
fi

failed=0
runs=0
# vg NAME STDIN COMMAND...: runs COMMAND under memcheck with STDIN as input.
vg() {
    local name=$1 input=$2
    shift 2
    runs=$((runs + 1))
    if ! valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=all \
            --errors-for-leak-kinds=all --log-file="$TMP/$name.vg" "$@" \
            <"$input" >"$TMP/$name.out" 2>&1; then
        echo "FAIL: $name" >&2
        cat "$TMP/$name.vg" >&2
        failed=$((failed + 1))
    elif [ -s "$TMP/$name.vg" ]; then
        echo "FAIL: $name: valgrind reported" >&2
        cat "$TMP/$name.vg" >&2
        failed=$((failed + 1))
    fi
}

for script in "$SRC"/examples/*.qtest; do
    machine=$(basename "$script" .qtest)
    spec=$(sed -n 's/^# machine: *\([^ ]*\) *$/\1/p' "$script" | head -n 1) # as tests/cli/lib/common.sh
    vg "run-$machine" /dev/null "$EMUTIME" run --machine "${spec:-$machine}" "$script"
done
vg default-run /dev/null "$EMUTIME" run
vg machines /dev/null "$EMUTIME" machines
printf 'clock_step 1000\nreadl 0x40000004\nbad  line\nsnapshot_save %s/s.snap\nclock_step 5\n' "$TMP" \
    >"$TMP/cmds"
vg qtest-stdin "$TMP/cmds" "$EMUTIME" qtest --machine mps2-an385
if [ -f "$TMP/s.snap" ]; then
    vg snapshot-info /dev/null "$EMUTIME" snapshot info "$TMP/s.snap"
    echo 'readl 0x40000004' >"$TMP/cmds2"
    vg qtest-load "$TMP/cmds2" "$EMUTIME" qtest --machine mps2-an385 --load "$TMP/s.snap"
fi

echo "$((runs - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
