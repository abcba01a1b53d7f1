#!/bin/bash
# guest/fuse_evict on this host: its raw /dev/fuse server must complete
# three mount/lookup/read/unmount rounds and account for every lookup.
# In the guest the same program is the reproducer for fuse inodes evicted
# at unmount; here it checks the program itself.
# shellcheck disable=SC2016 # test bodies are expanded when they run
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

test_expect_success 'build fuse_evict' '
	make -C "$PROJECT_DIR/guest" O="$SCRATCH/out" >build.log 2>&1 &&
	test -x out/fuse_evict
'

test_expect_success 'more than one argument is a usage error' '
	out/fuse_evict a b 2>err;
	test $? = 2 &&
	test_grep "^usage: fuse_evict \[DIR\]" err
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
	test_skip 'three rounds on a real fuse mount' "$skip"
else
	test_expect_success 'three rounds on a real fuse mount' '
		timeout 120 out/fuse_evict "$SCRATCH/mnt" >result 2>&1;
		rc=$? &&
		cat result &&
		test $rc = 0 &&
		for r in 1 2 3; do
			test_grep "^# fuse_evict: round $r lookups 64 forgets [0-9]+$" result ||
			return 1
		done &&
		test_grep "^# fuse_evict: 3 rounds ok$" result &&
		test_grep_not " $SCRATCH/mnt " /proc/mounts &&
		test_must_fail test -e mnt
	'
fi

test_done
