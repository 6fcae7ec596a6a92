#!/bin/bash
# make demo-linux: boots Debian's linux-image-amd64 on the kvm-x86 VMM with
# an initramfs of its own (busybox-static) that prints the clocksource and
# clock-event device Linux chose and times a sleep. Not a test: on a nested
# KVM it takes a long time (docs/embedding.md).
#   demo-linux.sh VMM [TIMEOUT_SECONDS]
set -eu -o pipefail
vmm=$(realpath "$1") timeout=${2:-1800}
here=$(cd "$(dirname "$0")" && pwd)
work=${DEMO_LINUX_DIR:-$HOME/.cache/emutime-demo-linux}
mkdir -p "$work"
cd "$work"
if [ ! -e /dev/kvm ]; then
    echo "demo-linux: no /dev/kvm here" >&2
    exit 77
fi
# The kernel: the package's image, unpacked here (not installed: its
# postinst would build an initramfs for this machine, which is not wanted).
kernel=$(ls boot/vmlinuz-* 2>/dev/null | head -1 || true)
if [ -z "$kernel" ]; then
    pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [ -n "$pkg" ] || { echo "demo-linux: apt knows no linux-image-amd64" >&2; exit 1; }
    apt-get download "$pkg"
    dpkg-deb --fsys-tarfile "$pkg"_*.deb | tar -x --wildcards './boot/vmlinuz-*'
    kernel=$(ls boot/vmlinuz-* | head -1)
fi
# The kernel decompressed on the host (the setup header's payload_offset and
# payload_length locate it): in KVM's instruction emulator the kernel's own
# decompressor would take longer than the boot.
if [ ! -s vmlinux ]; then
    python3 - "$kernel" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
start = ((d[0x1f1] or 4) + 1) * 512 + struct.unpack_from('<I', d, 0x248)[0]
open('payload', 'wb').write(d[start:start + struct.unpack_from('<I', d, 0x24c)[0]])
PY
    case $(od -An -tx1 -N4 payload | tr -d ' ') in
    fd377a58) xz -dc payload > vmlinux 2>/dev/null || true ;;  # trailing size word: rc 1
    28b52ffd) zstd -dc payload > vmlinux 2>/dev/null || true ;;
    1f8b08*) gzip -dc payload > vmlinux 2>/dev/null || true ;;
    *) echo "demo-linux: unknown kernel compression" >&2; exit 1 ;;
    esac
    [ "$(od -An -c -N4 vmlinux | tr -d ' ')" = "177ELF" ] || { echo "demo-linux: no vmlinux" >&2; exit 1; }
fi
busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ! file -L "$busybox" 2>/dev/null | grep -q "statically linked"; then
    busybox=/bin/busybox
fi
[ -x "$busybox" ] || { echo "demo-linux: needs busybox-static" >&2; exit 1; }
rm -rf initramfs && mkdir -p initramfs/bin
cp "$busybox" initramfs/bin/busybox
install -m 755 "$here/linux/init" initramfs/init
(cd initramfs && find . | cpio -o -H newc --quiet) > initramfs.cpio
echo "demo-linux: $kernel, initramfs $(stat -c %s initramfs.cpio) bytes, timeout ${timeout}s"
timeout "$timeout" "$vmm" --linux="$kernel" --vmlinux=vmlinux --initrd=initramfs.cpio | tee demo-linux.log
