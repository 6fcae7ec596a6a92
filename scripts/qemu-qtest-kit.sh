#!/usr/bin/env bash
# Builds the QEMU qtest kit: QEMU's own qtest programs (tests/qemu/programs.txt)
# and a QEMU that accepts -accel qtest, both from the Debian source package of
# the installed qemu-system-* version.
#
# Debian's qemu-system packages are built with loadable modules but ship
# without the qtest accelerator module.  This script configures the very same
# source the same way where it matters (version, --with-pkgversion, modules),
# so the accel-qtest-*.so modules it builds carry the build stamp of Debian's
# binaries and load into them.  It builds only those modules and the test
# programs (a few hundred objects), never a whole emulator.
#
# The kit goes to ${EMUTIME_QEMU_KIT:-/var/cache/emutime/qemu-kit}:
#   bin/qemu-system-ARCH   Debian's QEMU, told where the qtest modules are
#   lib/qemu/              accel-qtest-ARCH.so
#   tests/PROGRAM          the qtest programs, run from $KIT (hexloader-test
#   tests/data/            opens tests/data/hex-loader/test.hex relative to it)
#   .complete              the Debian version, written last
# A complete kit of the installed version is reused at once.  Prints $KIT on
# stdout; progress goes to stderr.  Needs root (or sudo) to install packages.
#
# EMUTIME_QEMU_KIT_JOBS (default 2) is ninja's -j; EMUTIME_QEMU_KIT_KEEP_WORK=1
# keeps the source and build tree in $KIT.work.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
programs_file="$here/../tests/qemu/programs.txt"
kit="${EMUTIME_QEMU_KIT:-/var/cache/emutime/qemu-kit}"
jobs="${EMUTIME_QEMU_KIT_JOBS:-2}"
arches=(arm aarch64 i386 x86_64 riscv32 riscv64)
runtime_packages=(qemu-system-arm qemu-system-x86 qemu-system-misc)
# What configuring QEMU 7.2 for softmmu targets and building libqtest, the
# qtest programs and the accelerator modules needs; far less than build-dep.
build_packages=(dpkg-dev xz-utils python3 meson ninja-build gcc pkg-config
                libglib2.0-dev libpixman-1-dev libfdt-dev zlib1g-dev)
deb_src_name=emutime-qemu-kit-src

say() { echo "qemu-qtest-kit: $*" >&2; }
die() { say "error: $*"; exit 1; }

case "$kit" in
    /*) ;;
    *) die "EMUTIME_QEMU_KIT must be an absolute path (got '$kit')" ;;
esac
[ -r "$programs_file" ] || die "cannot read $programs_file"
mapfile -t programs < <(sed -e 's/#.*//' "$programs_file" | awk 'NF { print $1 }')
[ ${#programs[@]} -gt 0 ] || die "no programs in $programs_file"

installed_version() {
    dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null |
        awk '$1 == "install" && $3 == "installed" { print $4 }'
}

# The emulator itself: Debian's /usr/bin/qemu-system-i386 is a shell script
# in front of /usr/libexec/qemu-system-i386.
debian_binary() {
    if [ -x "/usr/libexec/qemu-system-$1" ]; then
        echo "/usr/libexec/qemu-system-$1"
    else
        echo "/usr/bin/qemu-system-$1"
    fi
}

build_stamp() {
    grep -a -o -m1 'qemu_stamp_[0-9a-f]\{40\}' "$1" | sed 's/^qemu_stamp//' || true
}

kit_is_complete() {
    local version
    version="$(installed_version qemu-system-arm)"
    [ -n "$version" ] && [ -f "$kit/.complete" ] &&
        [ "$(cat "$kit/.complete")" = "$version" ] || return 1
    for p in "${programs[@]}"; do [ -x "$kit/tests/$p" ] || return 1; done
    for a in "${arches[@]}"; do
        [ -x "$kit/bin/qemu-system-$a" ] && [ -x "$(debian_binary "$a")" ] || return 1
    done
}

if kit_is_complete; then
    echo "$kit"
    exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo mkdir -p "$(dirname "$kit")"
[ -w "$(dirname "$kit")" ] || $sudo chown "$(id -u):$(id -g)" "$(dirname "$kit")"

# One builder at a time; a second caller waits and then finds the kit complete.
exec 9>"$kit.lock"
flock 9
if kit_is_complete; then
    echo "$kit"
    exit 0
fi
start=$(date +%s)

apt_updated=0
apt_update() {
    [ $apt_updated -eq 1 ] && return
    say "apt-get update"
    $sudo apt-get update -qq >&2
    apt_updated=1
}

install_missing() {
    local missing=() p
    for p in "$@"; do [ -n "$(installed_version "$p")" ] || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return
    apt_update
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >&2
}

install_missing "${runtime_packages[@]}" "${build_packages[@]}"

version="$(installed_version qemu-system-arm)"
source_version="$(dpkg-query -W -f='${source:Version}' qemu-system-arm)"
for p in "${runtime_packages[@]}"; do
    [ "$(installed_version "$p")" = "$version" ] ||
        die "$p is at $(installed_version "$p"), qemu-system-arm at $version: install one version of all three"
done
say "Debian QEMU $version (source qemu $source_version)"

source_is_known() {
    # Not a pipe into grep -q: with pipefail, apt-cache would die of SIGPIPE.
    local versions
    versions="$(apt-cache showsrc --only-source qemu 2>/dev/null | sed -n 's/^Version: //p')"
    grep -qxF "$source_version" <<<"$versions"
}

# deb-src entries mirroring the machine's own Debian deb entries, in a file of
# their own so that removing it undoes this.
add_deb_src() {
    local deb822=/etc/apt/sources.list.d/debian.sources one_line=/etc/apt/sources.list
    if [ -f "$deb822" ]; then
        say "adding deb-src entries from $deb822"
        sed -e 's/^Types:.*/Types: deb-src/' "$deb822" |
            $sudo tee "/etc/apt/sources.list.d/$deb_src_name.sources" >/dev/null
    elif [ -f "$one_line" ] && grep -Eq '^[[:space:]]*deb[[:space:]]' "$one_line"; then
        say "adding deb-src entries from $one_line"
        grep -E '^[[:space:]]*deb[[:space:]]' "$one_line" |
            sed -e 's/^\([[:space:]]*\)deb\([[:space:]]\)/\1deb-src\2/' |
            $sudo tee "/etc/apt/sources.list.d/$deb_src_name.list" >/dev/null
    else
        die "no Debian apt sources found (neither $deb822 nor deb lines in $one_line)"
    fi
    apt_updated=0
    apt_update
}

if ! source_is_known; then
    add_deb_src
    source_is_known || die "apt knows no source package qemu $source_version (check the deb-src entries)"
fi

work="$kit.work"
stage="$kit.new"
$sudo rm -rf "$work" "$stage"
mkdir -p "$work" "$stage"

say "fetching the source of qemu $source_version"
(cd "$work" && apt-get source -qq --download-only -o APT::Sandbox::User=root \
    "qemu=$source_version" >&2)
# apt-get has checked the files against the signed archive index.
dpkg-source --no-check -x "$work"/qemu_*.dsc "$work/src" >/dev/null
src="$work/src"

# Same version file, --with-pkgversion and configure script as Debian: that
# is what the module build stamp is made of.  The rest is cut down to what the
# modules and libqtest need.
targets="$(printf '%s-softmmu,' "${arches[@]}")"
say "configuring"
mkdir -p "$work/build"
(cd "$work/build" && "$src/configure" \
    --prefix=/usr --libdir="/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)" \
    --libexecdir=/usr/lib/qemu --sysconfdir=/etc --localstatedir=/var \
    --with-pkgversion="Debian $version" --with-git-submodules=ignore \
    --enable-modules --enable-fdt=system --disable-docs --disable-tools \
    --disable-user --disable-werror --target-list="${targets%,}" \
    > "$work/configure.log" 2>&1) || { tail -20 "$work/configure.log" >&2; die "configure failed ($work/configure.log)"; }

want_stamp="$(sed -n 's/^#define CONFIG_STAMP //p' "$work/build/config-host.h")"
for a in "${arches[@]}"; do
    binary="$(debian_binary "$a")"
    have_stamp="$(build_stamp "$binary")"
    [ "$have_stamp" = "$want_stamp" ] ||
        die "$binary has build stamp '$have_stamp', this build $want_stamp: its modules would not load"
done

ninja_targets=()
for a in "${arches[@]}"; do ninja_targets+=("accel-qtest-$a.so"); done
for p in "${programs[@]}"; do ninja_targets+=("tests/qtest/$p"); done
say "building ${#ninja_targets[@]} targets with ninja -j$jobs"
ninja -C "$work/build" -j"$jobs" "${ninja_targets[@]}" > "$work/build.log" 2>&1 ||
    { tail -30 "$work/build.log" >&2; die "build failed ($work/build.log)"; }

mkdir -p "$stage/bin" "$stage/lib/qemu" "$stage/tests/data"
for a in "${arches[@]}"; do
    cp "$work/build/accel-qtest-$a.so" "$stage/lib/qemu/"
    cat > "$stage/bin/qemu-system-$a" <<EOF
#!/bin/sh
# Debian's QEMU $version with the qtest accelerator module of this kit.
QEMU_MODULE_DIR='$kit/lib/qemu'
export QEMU_MODULE_DIR
exec $(debian_binary "$a") "\$@"
EOF
    chmod 755 "$stage/bin/qemu-system-$a"
done
for p in "${programs[@]}"; do cp "$work/build/tests/qtest/$p" "$stage/tests/"; done
cp -r "$src/tests/data/hex-loader" "$stage/tests/data/"

# Swap the new kit in, then prove each binary takes -accel qtest.
$sudo rm -rf "$kit"
mv "$stage" "$kit"
for a in "${arches[@]}"; do
    printf 'quit\n' | timeout 120 "$kit/bin/qemu-system-$a" -M none -accel qtest \
        -display none -nodefaults -monitor stdio >/dev/null ||
        die "$kit/bin/qemu-system-$a does not start with -accel qtest"
done
echo "$version" > "$kit/.complete"

[ "${EMUTIME_QEMU_KIT_KEEP_WORK:-0}" = 1 ] || rm -rf "$work"
say "kit complete in $(( $(date +%s) - start )) s: $(du -sh "$kit" | cut -f1) in $kit"
echo "$kit"
