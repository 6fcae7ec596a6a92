#!/bin/bash
# `make install` gives a usable package: install the build into a temporary
# prefix, then build a small program against it with pkg-config (shared and
# static library) and run it; and run the installed tool.
# Usage: install.sh BUILD_DIR SOURCE_DIR
set -eu
BUILD=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cmake --install "$BUILD" --prefix "$TMP/prefix" >/dev/null
export PKG_CONFIG_PATH="$TMP/prefix/lib/pkgconfig"
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
    printf("%d expiries\n", expiries);
    return expiries != 3;
}
C
cc "$TMP/use.c" $(pkg-config --cflags --libs emutime) -o "$TMP/use-shared"
LD_LIBRARY_PATH="$TMP/prefix/lib" "$TMP/use-shared"
cc "$TMP/use.c" $(pkg-config --cflags emutime) "$TMP/prefix/lib/libemutime.a" -lpthread -lm \
    -o "$TMP/use-static"
"$TMP/use-static"
"$TMP/prefix/bin/emutime" machines >/dev/null
# The QEMU drop-in names are installed and work (docs/qemu-compat.md).
for arch in arm aarch64 i386 x86_64 riscv32 riscv64; do
    "$TMP/prefix/bin/emutime-system-$arch" -machine help | grep -q '^none '
done
echo "4 passed, 0 failed"
