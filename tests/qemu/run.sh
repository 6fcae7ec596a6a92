#!/usr/bin/env bash
# Runs QEMU's own qtest programs, unmodified, one case per process, against
# emutime (build/emutime-system-ARCH) or against the kit's QEMU (--baseline),
# and judges the outcome against an expected-failure list.
#
#   tests/qemu/run.sh [options] [PROGRAM...]
#
#   --kit DIR          the kit of scripts/qemu-qtest-kit.sh
#                      (default: $EMUTIME_QEMU_KIT or /var/cache/emutime/qemu-kit)
#   --build DIR        emutime's build directory (default: build)
#   --baseline         run against the kit's QEMU 7.2 and judge against
#                      tests/qemu/baseline-failures.txt
#   --print-failures   run, then print the failing cases in the expected-failure
#                      list's format on stdout (reasons kept from the list)
#   --discover         print the case list (cases.txt) as the kit's QEMU reports it
#   --jobs N           cases run at once (default: the number of CPUs)
#   --timeout S        seconds a case may take (default: 120)
#   -v, --verbose      print every case's outcome, and each failure's output
#
# PROGRAM... limits the run to those programs.  The check fails when a case
# fails that the list does not name, or a listed case passes.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
kit="${EMUTIME_QEMU_KIT:-/var/cache/emutime/qemu-kit}"
build=build
mode=check
target=emutime
jobs="$(nproc 2>/dev/null || echo 2)"
timeout="${EMUTIME_QEMU_CASE_TIMEOUT:-120}"
verbose=0
only=()
no_front_end="emutime has no QEMU command-line front end yet (issue 12)"

usage() { sed -n '2,/^set /p' "$0" | sed -e '/^set /d' -e 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "tests/qemu/run.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --kit) kit="${2:?--kit needs a directory}"; shift 2 ;;
        --build) build="${2:?--build needs a directory}"; shift 2 ;;
        --baseline) target=baseline; shift ;;
        --print-failures) mode=print-failures; shift ;;
        --discover) mode=discover; shift ;;
        --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
        --timeout) timeout="${2:?--timeout needs seconds}"; shift 2 ;;
        -v|--verbose) verbose=1; shift ;;
        -h|--help) usage ;;
        -*) echo "tests/qemu/run.sh: unknown option $1" >&2; usage ;;
        *) only+=("$1"); shift ;;
    esac
done
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "--jobs wants a positive number, not '$jobs'"
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || die "--timeout wants a positive number of seconds, not '$timeout'"

[ -f "$kit/.complete" ] ||
    die "no complete kit in $kit: build it with scripts/qemu-qtest-kit.sh (or make check-qemu)"
kit="$(cd "$kit" && pwd)"
case "$build" in /*) ;; *) build="$PWD/$build" ;; esac

# program -> target architecture, from programs.txt.
declare -A arch_of=()
programs=()
while read -r prog arch _; do
    arch_of[$prog]="$arch"
    programs+=("$prog")
done < <(sed -e 's/#.*//' "$here/programs.txt" | awk 'NF')
for p in "${only[@]}"; do
    [ -n "${arch_of[$p]:-}" ] || die "$p is not in tests/qemu/programs.txt"
done
selected() {
    [ ${#only[@]} -eq 0 ] && return 0
    local p
    for p in "${only[@]}"; do [ "$p" = "$1" ] && return 0; done
    return 1
}

qemu_binary() {
    if [ "$target" = baseline ]; then
        echo "$kit/bin/qemu-system-$1"
    else
        echo "$build/emutime-system-$1"
    fi
}

scratch="$(mktemp -d "${TMPDIR:-/tmp}/qemu-qtest.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

# A qtest program, run from the kit (hexloader-test reads tests/data/ relative
# to the working directory), with libqtest's sockets in a scratch directory.
# It becomes timeout(1): call it in a subshell, $(...) or &.
run_program() {
    local prog="$1" bin="$2" tmp
    shift 2
    tmp="$(mktemp -d "$scratch/tmp.XXXXXX")"
    cd "$kit" || exit 2
    TMPDIR="$tmp" QTEST_QEMU_BINARY="$bin" \
        exec timeout -k 10 "$timeout" "$kit/tests/$prog" "$@"
}

# The state letter of a process (R, S, Z, ...), nothing once it is gone.
proc_state() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
    stat="${stat##*) }"
    echo "${stat%% *}"
}

proc_children() {
    cat "/proc/$1/task/$1/children" 2>/dev/null || true
}

# Waits for a case run by run_program in the background ($1: its pid, that
# of timeout(1)).  A binary that exits without connecting leaves libqtest
# waiting 50 seconds in accept() before it gives up; the binary is then an
# unreaped (zombie) child of the test program, which libqtest otherwise reaps
# as soon as it exits.  A zombie that lingers for 5 s ends the case: returns
# 1 after stopping it.
watch_case() {
    local pid="$1" zombie_since="" program child state
    while state="$(proc_state "$pid")"; [ -n "$state" ] && [ "$state" != Z ]; do
        sleep 0.2
        local zombie=0
        for program in $(proc_children "$pid"); do
            for child in $(proc_children "$program"); do
                [ "$(proc_state "$child")" = Z ] && zombie=1
            done
        done
        if [ $zombie -eq 0 ]; then
            zombie_since=""
        elif [ -z "$zombie_since" ]; then
            zombie_since=$SECONDS
        elif [ $((SECONDS - zombie_since)) -ge 5 ]; then
            kill -TERM "$pid" 2>/dev/null
            return 1
        fi
    done
    return 0
}

if [ "$mode" = discover ]; then
    echo "# QEMU's qtest cases that make check-qemu runs: program, then GLib test path."
    echo "# Generated by: tests/qemu/run.sh --discover (the kit's QEMU $(cat "$kit/.complete"))"
    for prog in "${programs[@]}"; do
        selected "$prog" || continue
        list="$(run_program "$prog" "$kit/bin/qemu-system-${arch_of[$prog]}" -l 2>"$scratch/err")" ||
            { cat "$scratch/err" >&2; die "$prog -l failed"; }
        grep '^/' <<<"$list" | sed "s|^|$prog |" || die "$prog lists no cases"
    done
    exit 0
fi

# The cases, in the list's order.
case_prog=()
case_path=()
declare -A known=()
# A line is the program, then the test path (which may hold spaces).
while read -r prog path; do
    [ -n "$path" ] || die "tests/qemu/cases.txt: '$prog' has no test path"
    [ -n "${arch_of[$prog]:-}" ] || die "tests/qemu/cases.txt: $prog is not in programs.txt"
    known["$prog $path"]=1
    selected "$prog" || continue
    case_prog+=("$prog")
    case_path+=("$path")
done < <(sed -e 's/#.*//' "$here/cases.txt" | awk 'NF')

# Expected failures: "program /path  reason", the reason mandatory.  The path
# may hold single spaces: two or more spaces (or a tab) end it.
if [ "$target" = baseline ]; then
    xfail_file="$here/baseline-failures.txt"
else
    xfail_file="$here/expected-failures.txt"
fi
declare -A xfail=()
xfail_line='^([^ ]+) +([^ ]+( [^ ]+)*)  +(.*[^ ]) *$'
while IFS= read -r line; do
    line="${line//$'\t'/  }"
    [[ "$line" =~ $xfail_line ]] ||
        die "${xfail_file#"$here/"}: '$line' is not 'program /path  reason'"
    prog="${BASH_REMATCH[1]}" path="${BASH_REMATCH[2]}" reason="${BASH_REMATCH[4]}"
    [ -n "${known["$prog $path"]:-}" ] ||
        die "${xfail_file#"$here/"}: '$prog $path' is not a case of tests/qemu/cases.txt"
    xfail["$prog $path"]="$reason"
done < <(grep -v -E '^[[:space:]]*(#|$)' "$xfail_file")

# An emutime binary that is missing fails its cases without running them:
# libqtest would wait for a connection that never comes.
declare -A missing=()
for prog in "${case_prog[@]}"; do
    bin="$(qemu_binary "${arch_of[$prog]}")"
    if [ ! -x "$bin" ] && [ -z "${missing[$bin]:-}" ]; then
        missing[$bin]=1
        if [ "$target" = baseline ]; then
            echo "tests/qemu/run.sh: $bin is missing: the kit in $kit is incomplete" >&2
        else
            echo "tests/qemu/run.sh: $bin is missing: $no_front_end; its cases fail" >&2
        fi
    fi
done

# One case: its outcome ("pass", "skip" or "fail WHY") in $scratch/N.result.
run_case() {
    local n="$1" prog="${case_prog[$1]}" path="${case_path[$1]}" bin rc ok
    bin="$(qemu_binary "${arch_of[$prog]}")"
    local log="$scratch/$n.log" result="$scratch/$n.result"
    if [ -n "${missing[$bin]:-}" ]; then
        echo "fail $bin is missing" > "$result"
        return
    fi
    # -p also runs the cases below the path (tco-test has .../no_action and
    # .../no_action/max): skip those, they are cases of their own.
    local skips=() other
    for other in "${!known[@]}"; do
        [[ "$other" == "$prog $path/"* ]] && skips+=(-s "${other#"$prog "}")
    done
    run_program "$prog" "$bin" -p "$path" "${skips[@]}" > "$log" 2>&1 &
    local pid=$! connected=1
    watch_case "$pid" || connected=0
    wait "$pid"
    rc=$?
    if [ $connected -eq 0 ]; then
        echo "fail $bin exited without connecting to libqtest" > "$result"
        return
    fi
    # GLib runs nothing, successfully, for a path it does not know: insist on
    # the case's own TAP line.
    ok="$(sed -n 's/^ok [0-9]* //p' "$log")"
    if [ $rc -eq 0 ] && grep -q -F -x "$path" <<<"$ok"; then
        echo pass > "$result"
    elif [ $rc -eq 0 ] && grep -q -F "$path # SKIP" <<<"$ok"; then
        echo skip > "$result"
    elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        echo "fail timed out after $timeout s" > "$result"
    elif [ $rc -eq 0 ]; then
        echo "fail exit 0 without 'ok 1 $path'" > "$result"
    elif [ $rc -gt 128 ]; then
        echo "fail killed by signal $((rc - 128))" > "$result"
    else
        echo "fail exit status $rc" > "$result"
    fi
}

running=0
for n in "${!case_prog[@]}"; do
    if [ $running -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
    # Its stderr carries only bash's notices of cases killed by a signal
    # (timeout(1) re-raises an aborted program's SIGABRT); the logs have them.
    run_case "$n" 2>/dev/null &
    running=$((running + 1))
done
wait

passed=0 failed=0 skipped=0 expected=0 unexpected=0 xpassed=0
failures=()
for n in "${!case_prog[@]}"; do
    prog="${case_prog[$n]}" path="${case_path[$n]}"
    read -r outcome why < "$scratch/$n.result"
    listed="${xfail["$prog $path"]:-}"
    [ $verbose -eq 1 ] && echo "$outcome: $prog $path${why:+ ($why)}"
    case "$outcome" in
        pass)
            passed=$((passed + 1))
            if [ -n "$listed" ] && [ "$mode" = check ]; then
                xpassed=$((xpassed + 1))
                echo "UNEXPECTED PASS: $prog $path: remove it from tests/qemu/${xfail_file##*/}"
            fi ;;
        skip)
            skipped=$((skipped + 1)) ;;
        fail)
            failed=$((failed + 1))
            if [ -n "$listed" ]; then
                expected=$((expected + 1))
                failures+=("$prog"$'\t'"$path"$'\t'"$listed")
            else
                unexpected=$((unexpected + 1))
                if [ "$target" = emutime ] && [ -n "${missing[$(qemu_binary "${arch_of[$prog]}")]:-}" ]; then
                    failures+=("$prog"$'\t'"$path"$'\t'"$no_front_end")
                else
                    failures+=("$prog"$'\t'"$path"$'\t'"TODO: why it fails ($why)")
                fi
                if [ "$mode" = check ]; then
                    echo "FAIL: $prog $path: $why"
                    if [ -s "$scratch/$n.log" ]; then
                        if [ $verbose -eq 1 ]; then sed 's/^/    /' "$scratch/$n.log"
                        else tail -n 15 "$scratch/$n.log" | sed 's/^/    /'; fi
                    fi
                fi
            fi ;;
    esac
done

if [ "$mode" = print-failures ]; then
    for f in "${failures[@]}"; do
        IFS=$'\t' read -r prog path reason <<<"$f"
        printf '%-28s %-52s  %s\n' "$prog" "$path" "$reason"
    done
    echo "$passed passed, $failed failed, $skipped skipped (against $target)" >&2
    exit 0
fi

echo "qemu qtest against $target: $passed passed, $failed failed" \
     "($expected expected failures, $unexpected unexpected failures, $xpassed unexpected passes, $skipped skipped)"
[ $unexpected -eq 0 ] && [ $xpassed -eq 0 ]
