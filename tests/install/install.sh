#!/bin/bash
# What `make install` gives users works, every way an embedder builds with
# it: the optimized install build (Release, no tests: so no cmocka) installed
# into a temporary prefix; a program built against it with pkg-config
# (shared and static), with find_package(emutime CONFIG), and with
# add_subdirectory on the source tree; the installed tool runs.
# Usage: install.sh SOURCE_DIR
set -eu
SRC=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
GEN=""
command -v ninja >/dev/null 2>&1 && GEN="-G Ninja"
passed=0

# The flags are the Makefile's install target's.
cmake -S "$SRC" -B "$TMP/build" $GEN -DCMAKE_BUILD_TYPE=Release -DEMUTIME_TESTS=OFF >/dev/null
cmake --build "$TMP/build" >/dev/null
cmake --install "$TMP/build" --prefix "$TMP/prefix" >/dev/null
# Only what is installed was built: no test, example or fuzz program.
if ls "$TMP/build" | grep -Eq '^(test_|example_|fuzz_)'; then
    echo "FAIL: the install build built tests or examples"; exit 1
fi

cat >"$TMP/use.c" <<'C'
#include <emutime/emutime.h>
#include <stdio.h>

static int expiries;
static void expired(void *opaque) { (void)opaque; expiries++; }

int main(void)
{
    et_clock *clk = et_clock_new_manual();
    et_ptimer *pt = et_ptimer_new(clk, expired, NULL, ET_PTIMER_POLICY_LEGACY);
    et_ptimer_transaction_begin(pt);
    et_ptimer_set_freq(pt, 1000000);  /* 1 MHz */
    et_ptimer_set_limit(pt, 1000, 1); /* 1 ms period */
    et_ptimer_run(pt, 0);
    et_ptimer_transaction_commit(pt);
    et_clock_step(clk, 3000000);      /* 3 ms: 3 expiries, at 1, 2 and 3 ms */
    et_ptimer_free(pt);
    et_clock_free(clk);
    printf("%d expiries, usage checks %d, lockdep %d\n", expiries,
           et_usage_checks_enabled(), et_lockdep_enabled());
#ifdef EXPECT_CHECKS
    if (!et_usage_checks_enabled() || !et_lockdep_enabled()) return 1;
#else
    /* The installed build is the optimized one. */
    if (et_usage_checks_enabled() || et_lockdep_enabled()) return 1;
#endif
    return expiries != 3;
}
C
export PKG_CONFIG_PATH="$TMP/prefix/lib/pkgconfig"
cc "$TMP/use.c" $(pkg-config --cflags --libs emutime) -o "$TMP/use-shared"
LD_LIBRARY_PATH="$TMP/prefix/lib" "$TMP/use-shared"
passed=$((passed + 1))
cc "$TMP/use.c" $(pkg-config --cflags emutime) "$TMP/prefix/lib/libemutime.a" -lpthread -lm \
    -o "$TMP/use-static"
"$TMP/use-static"
passed=$((passed + 1))

# find_package(emutime CONFIG) with the imported target.
mkdir -p "$TMP/pkg"
cp "$TMP/use.c" "$TMP/pkg/use.c"
cat >"$TMP/pkg/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(use_emutime C)
find_package(emutime 0.1 CONFIG REQUIRED)
add_executable(use use.c)
target_link_libraries(use PRIVATE emutime::emutime)
CM
cmake -S "$TMP/pkg" -B "$TMP/pkg/build" $GEN -DCMAKE_PREFIX_PATH="$TMP/prefix" >/dev/null
cmake --build "$TMP/pkg/build" >/dev/null
"$TMP/pkg/build/use"
passed=$((passed + 1))

# add_subdirectory on the source tree: the same target name, no tests built
# (EMUTIME_TESTS defaults to off below a parent project), and the parent's
# default build type (none here) keeps the development checks.
mkdir -p "$TMP/sub"
cp "$TMP/use.c" "$TMP/sub/use.c"
cat >"$TMP/sub/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.18)
project(use_emutime_sub C)
add_subdirectory("$SRC" emutime)
add_executable(use use.c)
target_compile_definitions(use PRIVATE EXPECT_CHECKS)
target_link_libraries(use PRIVATE emutime::emutime)
CM
cmake -S "$TMP/sub" -B "$TMP/sub/build" $GEN >/dev/null
cmake --build "$TMP/sub/build" >/dev/null
"$TMP/sub/build/use"
if ls "$TMP/sub/build/emutime" | grep -Eq '^(test_|example_|fuzz_)'; then
    echo "FAIL: add_subdirectory built emutime's tests"; exit 1
fi
passed=$((passed + 1))

"$TMP/prefix/bin/emutime" machines >/dev/null
passed=$((passed + 1))
# The man page is installed, and groff (where present) reads it cleanly.
test -f "$TMP/prefix/share/man/man1/emutime.1"
if command -v groff >/dev/null 2>&1; then
    warnings=$(groff -man -Tutf8 -ww -z "$TMP/prefix/share/man/man1/emutime.1" 2>&1)
    if [ -n "$warnings" ]; then echo "FAIL: man page: $warnings"; exit 1; fi
fi
passed=$((passed + 1))
echo "$passed passed, 0 failed"
