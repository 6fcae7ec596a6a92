#!/bin/bash
# Every public header compiles on its own, warning-free with -pedantic, as
# C99, C11, C++11 and C++17; emutime.h includes every public header; and the
# headers' macros expand to valid C++ (the C++ unit below uses them).
# Usage: compat.sh SOURCE_DIR
set -eu
SRC=$1
INC="$SRC/include"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
compilers=("cc -x c -std=c99" "cc -x c -std=c11" "c++ -x c++ -std=c++11" "c++ -x c++ -std=c++17")
headers=$(cd "$INC" && find emutime -name '*.h' | sort)
for h in $headers; do
    for cc in "${compilers[@]}"; do
        # (the typedef keeps a header of macros alone from being an empty unit)
        if printf '#include <%s>\n#include <%s>\ntypedef int et_compat_unit;\n' "$h" "$h" |
            $cc -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$INC" - 2>"$TMP/err"; then
            passed=$((passed + 1))
        else
            echo "FAIL: $h with $cc:"; cat "$TMP/err"
            failed=$((failed + 1))
        fi
    done
done
# The umbrella header names every public header.
for h in $headers; do
    [ "$h" = emutime/emutime.h ] && continue
    if grep -q "#include \"$h\"" "$INC/emutime/emutime.h"; then
        passed=$((passed + 1))
    else
        echo "FAIL: emutime/emutime.h does not include $h"
        failed=$((failed + 1))
    fi
done
# Every public header declares its API between ET_BEGIN_DECLS and
# ET_END_DECLS (export.h), or its functions are not exported.
for h in $headers; do
    case "$h" in emutime/emutime.h|emutime/export.h) continue ;; esac
    if grep -q '^ET_BEGIN_DECLS' "$INC/$h" && grep -q '^ET_END_DECLS' "$INC/$h"; then
        passed=$((passed + 1))
    else
        echo "FAIL: $h does not bracket its declarations with ET_BEGIN_DECLS / ET_END_DECLS"
        failed=$((failed + 1))
    fi
done
# Macros used from C++.
cat >"$TMP/use.cc" <<'CXX'
#include <emutime/emutime.h>
static et_lock_class cls = ET_LOCK_CLASS_INIT("c++");
int main()
{
    et_hpet_config cfg = ET_HPET_CONFIG_DEFAULTS;
    return (cfg.num_timers == 3 && cls.id == 0) ? 0 : 1;
}
CXX
for std in c++11 c++17; do
    if c++ -std=$std -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$INC" "$TMP/use.cc" 2>"$TMP/err"; then
        passed=$((passed + 1))
    else
        echo "FAIL: macros as C++ ($std):"; cat "$TMP/err"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
