# Shared helpers for the CLI tests, sourced by each tests/cli/*.sh (CMake
# registers only the scripts directly in tests/cli/).
# Each test gets the emutime binary as $1 and the source directory as $2.
# EMUTIME_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.

EMUTIME=${1:?usage: $0 EMUTIME SOURCE_DIR}
SRC=${2:?usage: $0 EMUTIME SOURCE_DIR}
GOLDEN="$SRC/tests/cli/golden"
FAILURES=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() {
    echo "FAIL: $*" >&2
    FAILURES=$((FAILURES + 1))
}

# compare_golden NAME FILE: FILE must equal golden/NAME.
compare_golden() {
    if [ "${EMUTIME_UPDATE_GOLDEN:-0}" = 1 ]; then
        cp "$2" "$GOLDEN/$1"
        echo "updated $GOLDEN/$1"
    elif ! diff -u "$GOLDEN/$1" "$2"; then
        fail "$1 differs from the golden file (EMUTIME_UPDATE_GOLDEN=1 to accept)"
    fi
}

# expect_status CODE DESCRIPTION CMD...: run CMD, check its exit status.
expect_status() {
    local want=$1 what=$2
    shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        fail "$what: exit status $got, expected $want"
        sed 's/^/  stderr: /' "$TMP/err" >&2
    fi
}

# expect_grep PATTERN FILE DESCRIPTION
expect_grep() {
    if ! grep -q -- "$1" "$2"; then
        fail "$3: '$1' not found in:"
        sed 's/^/  | /' "$2" >&2
    fi
}

# example_machine SCRIPT: the machine an example runs on: its
# "# machine: SPEC" line, else the script's name without .qtest.
example_machine() {
    local spec
    spec=$(sed -n 's/^# machine: *\([^ ]*\) *$/\1/p' "$1" | head -n 1)
    echo "${spec:-$(basename "$1" .qtest)}"
}

finish() {
    if [ "$FAILURES" -ne 0 ]; then
        echo "$FAILURES failure(s)" >&2
        exit 1
    fi
    echo "ok"
    exit 0
}
