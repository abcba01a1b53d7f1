#!/bin/bash
# guest/fuse_evict's mount point on this host: a directory that already
# exists is used and kept (only one it made itself is removed), and one it
# cannot make is one clear line and a failure, not a mount elsewhere.
# (t0510 runs the rounds on a mount point that does not exist yet.)
# shellcheck disable=SC2016 # test bodies are expanded when they run
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

test_expect_success 'build fuse_evict' '
	make -C "$PROJECT_DIR/guest" O="$SCRATCH/out" "$SCRATCH/out/fuse_evict" >build.log 2>&1 &&
	test -x out/fuse_evict
'

test_expect_success 'a mount point it cannot make: one line naming it, exit 1' '
	rc=0 && { timeout 60 out/fuse_evict "$SCRATCH/missing/mnt" >result 2>&1 || rc=$?; } &&
	cat result &&
	test $rc = 1 &&
	test_grep "^# fuse_evict: mkdir $SCRATCH/missing/mnt: No such file or directory$" result
'

skip=
if [ "$(id -u)" != 0 ]; then
	skip="mounting fuse needs root"
elif [ ! -c /dev/fuse ]; then
	skip="no /dev/fuse"
elif ! grep -qw fuse /proc/filesystems; then
	skip="kernel without fuse"
fi

if [ -n "$skip" ]; then
	test_skip 'an existing mount point is used for every round and kept' "$skip"
else
	test_expect_success 'an existing mount point is used for every round and kept' '
		mkdir mnt && touch mnt-stamp &&
		timeout 120 out/fuse_evict "$SCRATCH/mnt" >result 2>&1;
		rc=$? &&
		cat result &&
		test $rc = 0 &&
		test_grep "^# fuse_evict: 3 rounds ok$" result &&
		test_grep_not " $SCRATCH/mnt " /proc/mounts &&
		test -d mnt
	'
fi

test_done
