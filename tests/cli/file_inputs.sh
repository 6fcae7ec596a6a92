#!/bin/bash
# Inputs that are not regular files, or are unbounded: snapshot files
# (snapshot info, run --load, the qtest snapshot_load command) must be
# regular files no larger than the format allows, refused with a clear
# message and without blocking on a FIFO; a script is streamed line by
# line, so /dev/zero ends at the longest line instead of filling memory.
# Every command runs under a timeout (a FIFO used to block forever) and a
# 1 GiB address-space limit (/dev/zero used to grow past 3 GB).
. "$(dirname "$0")/lib/common.sh"

# (Not the address-space limit under AddressSanitizer, whose shadow memory
# needs terabytes of it; its own allocator reports a runaway allocation.)
if grep -qa __asan_init "$EMUTIME"; then
    bounded() { timeout 60 "$@"; }
else
    bounded() { (ulimit -v 1048576 && exec timeout 60 "$@"); }
fi

expect_status 2 "snapshot info /dev/zero" bounded "$EMUTIME" snapshot info /dev/zero
expect_grep "not a regular file" "$TMP/err" "snapshot info /dev/zero"
expect_status 2 "run --load /dev/zero" bounded "$EMUTIME" run --load /dev/zero
expect_grep "not a regular file" "$TMP/err" "run --load /dev/zero"
mkfifo "$TMP/fifo"
expect_status 2 "snapshot info on a FIFO" bounded "$EMUTIME" snapshot info "$TMP/fifo"
expect_grep "not a regular file" "$TMP/err" "snapshot info on a FIFO"
expect_status 2 "snapshot info on a directory" bounded "$EMUTIME" snapshot info "$TMP"

# A sparse file beyond the format's largest snapshot (16 + 2^32 - 1 + 4
# bytes) is refused before anything is read.
truncate -s 5G "$TMP/huge.snap"
expect_status 2 "snapshot info on a 5 GiB file" bounded "$EMUTIME" snapshot info "$TMP/huge.snap"
expect_grep "too large for a snapshot" "$TMP/err" "snapshot info on a 5 GiB file"

# The qtest command: a FAIL reply, and the server goes on.
printf '%s\n' 'snapshot_load /dev/zero' 'clock_step 10' >"$TMP/in"
expect_status 0 "qtest snapshot_load /dev/zero" bounded "$EMUTIME" qtest <"$TMP/in"
expect_grep "^FAIL.*not a regular file" "$TMP/out" "qtest snapshot_load /dev/zero"
expect_grep "^OK 10" "$TMP/out" "qtest goes on after snapshot_load /dev/zero"

# Scripts.
expect_status 2 "run /dev/zero" bounded "$EMUTIME" run /dev/zero
expect_grep "line 1 is longer than" "$TMP/err" "run /dev/zero"
expect_status 2 "run on a directory" bounded "$EMUTIME" run "$TMP"
expect_grep "Is a directory" "$TMP/err" "run on a directory"
# Streaming keeps the script's lines as before: the last one unterminated.
printf '# c\nclock_step 7\n\nclock_step 3' >"$TMP/s.qtest"
expect_status 0 "run a script" bounded "$EMUTIME" run "$TMP/s.qtest"
expect_grep "^# 2 commands, 0 failed, virtual time 10 ns" "$TMP/out" "run a script"
finish
