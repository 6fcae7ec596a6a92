#!/bin/bash
# The differential test against QEMU 7.2 (tests/qemu-diff/README.md):
#   tests/qemu-diff/run.sh KITDIR EMUTIME_BIN [SCRIPT...] [--propose]
# KITDIR holds bin/qemu-system-{arm,x86_64,riscv64} with the qtest
# accelerator (scripts/qemu-qtest-kit.sh). Prints one line per script and
# "N passed, N failed"; exits non-zero on an unexplained difference or an
# accepted difference that matches nothing.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 KITDIR EMUTIME_BIN [SCRIPT...] [--propose]" >&2
    exit 2
fi
kit=$1 emutime=$2
shift 2
for bin in qemu-system-arm qemu-system-x86_64 qemu-system-riscv64; do
    if [ ! -x "$kit/bin/$bin" ]; then
        echo "$0: $kit/bin/$bin is missing (build the kit: scripts/qemu-qtest-kit.sh)" >&2
        exit 2
    fi
done
[ -x "$emutime" ] || { echo "$0: $emutime is not executable" >&2; exit 2; }
exec python3 "$(dirname "$0")/compare.py" "$kit" "$emutime" "$@"
