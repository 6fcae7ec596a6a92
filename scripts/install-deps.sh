#!/usr/bin/env bash
# Installs what building and testing emutime needs on a fresh Debian machine.
# Safe to run again: it installs only what is missing. Needs root (or sudo).
set -euo pipefail

# libuv and libevent are the peers `make bench` measures against.
packages=(cmake ninja-build gcc g++ clang libclang-rt-14-dev make pkg-config libcmocka-dev valgrind
          libuv1-dev libevent-dev libjansson-dev jq python3
          # make coverage
          lcov
          # the guest-code examples: CPUs (Unicorn), the firmware toolchains,
          # <linux/kvm.h> for examples/kvm-x86
          libunicorn-dev gcc-arm-none-eabi gcc-riscv64-unknown-elf linux-libc-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
