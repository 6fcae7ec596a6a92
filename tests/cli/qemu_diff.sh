#!/bin/bash
# The differential comparer (tests/qemu-diff/) against a stand-in QEMU:
# emutime itself (every script agrees), then a stand-in that changes one
# reply (an unexplained difference fails; an accepted entry naming a
# docs/divergences.md row explains it; a stale or unknown entry fails).
. "$(dirname "$0")/lib/common.sh"
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 0; }

kit=$TMP/kit
mkdir -p "$kit/bin" "$TMP/none" "$TMP/accepted"
cat >"$kit/bin/fake" <<FAKE
#!/bin/bash
# A qtest QEMU stand-in: emutime qtest on the -machine given, with
# \$FAKE_SED applied to its replies.
# QEMU's -smp, -numa node, -rtc and -device ib700 map back onto emutime's
# board options.
machine= opts= sockets=0
while [ \$# -gt 0 ]; do
    case \$1 in
    -machine) machine=\$2; shift ;;
    -smp) opts="\$opts,smp=\$2"; shift ;;
    -numa) sockets=\$((sockets + 1)); shift ;;
    -rtc) for kv in \${2//,/ }; do opts="\$opts,rtc-\$kv"; done; shift ;;
    -device) [ "\$2" = ib700 ] && opts="\$opts,ib700=on"; shift ;;
    esac
    shift
done
[ \$sockets -gt 1 ] && opts="\$opts,sockets=\$sockets"
"$EMUTIME" qtest --machine "\$machine\$opts" | sed -u "\${FAKE_SED:-}"
FAKE
chmod +x "$kit/bin/fake"
for b in arm x86_64 riscv64; do ln -s fake "$kit/bin/qemu-system-$b"; done
RUN="$SRC/tests/qemu-diff/run.sh"

# Every script of the tree, emutime against itself: no difference.
"$RUN" "$kit" "$EMUTIME" --accepted "$TMP/none" >"$TMP/self.txt" 2>&1 ||
    { fail "emutime against itself differs"; cat "$TMP/self.txt" >&2; }
expect_grep ' 0 failed\(, [0-9]* skipped\)\?$' "$TMP/self.txt" "self comparison summary"
n=$(grep -c '^ok ' "$TMP/self.txt")
[ "$n" -ge 30 ] || fail "only $n scripts compared"

# One changed reply: RELOAD reads 0x3e7 on emutime, 0x999 on the stand-in.
script="$TMP/one.qtest"
printf '# machine: mps2-an385\nwritel 0x40000008 999\nreadl 0x40000008\n' >"$script"
rel=$(realpath --relative-to="$SRC" "$script")
export FAKE_SED='s/^OK 0x00000000000003e7$/OK 0x0000000000000999/'
expect_status 1 "unexplained difference" "$RUN" "$kit" "$EMUTIME" "$script" --accepted "$TMP/accepted"
expect_grep 'line 3: readl 0x40000008' "$TMP/out" "difference report"
expect_grep '^0 passed, 1 failed$' "$TMP/out" "summary"

printf '# a test entry\n%s 3 CMSDK APB timer / Run-time PCLK stopped (period 0) then restarted\n' \
    "$rel" >"$TMP/accepted/test.txt"
expect_status 0 "accepted difference" "$RUN" "$kit" "$EMUTIME" "$script" --accepted "$TMP/accepted"
expect_grep '^1 passed, 0 failed$' "$TMP/out" "accepted summary"

printf '%s 2 CMSDK APB timer / Run-time PCLK stopped (period 0) then restarted\n' \
    "$rel" >>"$TMP/accepted/test.txt"
expect_status 1 "stale entry" "$RUN" "$kit" "$EMUTIME" "$script" --accepted "$TMP/accepted"
expect_grep 'matches nothing' "$TMP/out" "stale entry report"

printf '%s 3 CMSDK APB timer / No such row\n' "$rel" >"$TMP/accepted/test.txt"
expect_status 1 "unknown row" "$RUN" "$kit" "$EMUTIME" "$script" --accepted "$TMP/accepted"
expect_grep 'no row "No such row"' "$TMP/out" "unknown row report"
finish
