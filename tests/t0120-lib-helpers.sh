#!/bin/bash
# scripts/lib.sh's small helpers, each on its own: the one-line refusals
# (a missing tool, file or disk space; an unknown arch or patch) and their
# exit status (DIE_STATUS), the arch records, hashing for cache keys, the
# fuse_alloc_inode() check, the Subject helpers of send/am, git am that
# aborts, and publishing a result whole.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

LIB=$PROJECT_DIR/scripts/lib.sh
export LIB
unset ARCHS LINUX_TREE CHECK_SERIES_MIN_FREE_GB

test_expect_success 'require_tool: a missing tool is one line naming its package, exit 1' '
	test_must_fail bash -c ". \"$LIB\"; require_tool no-such-tool-xyz pkg-xyz" 2>err &&
	test "$(wc -l <err)" = 1 &&
	test_grep "^bash: error: .no-such-tool-xyz. not found: install it with .apt-get install pkg-xyz." err &&
	bash -c ". \"$LIB\"; require_tool sh dash"
'

test_expect_success 'require_file: a missing file names it and its package; DIE_STATUS sets the status' '
	rc=0 && { bash -c ". \"$LIB\"; DIE_STATUS=5 require_file /no/such/file pkg-xyz" 2>err || rc=$?; } &&
	test $rc = 5 &&
	test_grep "/no/such/file not found: install it with .apt-get install pkg-xyz." err &&
	bash -c ". \"$LIB\"; require_file \"$LIB\" x"
'

test_expect_success 'require_disk: not enough free space refuses, saying how much there is' '
	test_must_fail bash -c ". \"$LIB\"; CHECK_SERIES_MIN_FREE_GB=999999 require_disk \"$SCRATCH/d\" 1" 2>err &&
	test_grep "^bash: error: only [0-9]+ GiB free under $SCRATCH/d, need 999999 GiB" err &&
	bash -c ". \"$LIB\"; require_disk \"$SCRATCH/d\" 0"
'

test_expect_success 'arches: every record is known; ARCHS= selects; an unknown one is refused' '
	bash -c ". \"$LIB\"; arch_names" >names &&
	test_grep "^x86_64$" names && test_grep "^arm64$" names &&
	bash -c ". \"$LIB\"; ARCHS=\"arm64, x86_64\" selected_arches" >sel &&
	printf "arm64\nx86_64\n" >exp && test_cmp exp sel &&
	test_must_fail bash -c ". \"$LIB\"; ARCHS=sparc selected_arches" 2>err &&
	test_grep "unknown arch .sparc. in ARCHS=: known are " err &&
	bash -c ". \"$LIB\"; arch_load arm64; arch_load x86_64; echo \"\$ARCH_NAME \$QEMU \${CROSS_COMPILE:-none} \${FRAGMENT:-none}\"" >out &&
	echo "x86_64 qemu-system-x86_64 none none" >exp && test_cmp exp out
'

test_expect_success 'patch_file: the 6.1 backport on the embedded target, an unknown patch refused' '
	bash -c ". \"$LIB\"; patch_file v5-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch" >out &&
	test "$(cat out)" = "$PROJECT_DIR/patches/stable-6.1/v5-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch" &&
	bash -c ". \"$LIB\"; LINUX_TREE=/x; patch_file v5-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch" >out &&
	test "$(cat out)" = "$PROJECT_DIR/patches/v5-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch" &&
	test_must_fail bash -c ". \"$LIB\"; patch_file nope.patch" 2>err &&
	test_grep "patch .nope.patch. named in variants is not in patches/" err
'

test_expect_success 'hash_files: the same contents and base names give the same key, any change another' '
	mkdir a b && echo x >a/f && echo x >b/f && echo y >b/g &&
	k1=$(bash -c ". \"$LIB\"; hash_files a/f") && k2=$(bash -c ". \"$LIB\"; hash_files b/f") &&
	test "$k1" = "$k2" && test ${#k1} = 16 &&
	cp b/f b/h && k3=$(bash -c ". \"$LIB\"; hash_files b/h") && test "$k1" != "$k3" &&
	echo z >a/f && k4=$(bash -c ". \"$LIB\"; hash_files a/f") && test "$k1" != "$k4"
'
test_expect_success 'hash_files reads files in the shell: the key is sha256 of "NAME\nCONTENTS" for each, a NUL byte or none' '
	printf "one\n\n" >f1 && printf "a\0b\0" >f2 && printf "no newline" >f3 &&
	for set in "f1 f3" "f1 f2 f3" "f2"; do
		want=$(for f in $set; do printf "%s\n" "$f"; cat "$f"; done | sha256sum | cut -c1-16) &&
		got=$(bash -c ". \"$LIB\"; hash_files $set") &&
		test "$got" = "$want" || return 1
	done &&
	! bash -c ". \"$LIB\"; hash_files f1 missing" 2>err && test_grep "cannot read missing" err
'

test_expect_success 'fuse_alloc_inode_has_init: only an init inside fuse_alloc_inode() counts' '
	printf "%s\n" "static struct inode *fuse_alloc_inode(struct super_block *sb)" "{" \
		"	fi->submount_lookup = NULL;" "}" >fixed.c &&
	printf "%s\n" "static struct inode *fuse_alloc_inode(struct super_block *sb)" "{" "}" \
		"static void other(void)" "{" "	fi->submount_lookup = NULL;" "}" >unfixed.c &&
	bash -c ". \"$LIB\"; fuse_alloc_inode_has_init fixed.c" &&
	test_must_fail bash -c ". \"$LIB\"; fuse_alloc_inode_has_init unfixed.c"
'

test_expect_success 'patch_subject unfolds a folded Subject; subject_title drops the [PATCH] prefixes' '
	printf "%s\n" "From: a@b" "Subject: [PATCH v5 2/2] fuse: share lookup state between" \
		"  submount and its parent" "Date: x" "" "Subject: not this one" >m &&
	bash -c ". \"$LIB\"; patch_subject m" >s &&
	echo "[PATCH v5 2/2] fuse: share lookup state between submount and its parent" >exp && test_cmp exp s &&
	bash -c ". \"$LIB\"; subject_title \"[Intel-gfx] [PATCH v5 2/2] fuse: x y\"" >t &&
	echo "fuse: x y" >exp && test_cmp exp t
'

test_expect_success 'series_patches: every variant s patches in file order, each once' '
	printf "%s\n" "a v4 p1.patch - t=PASS" "b v4 p1.patch,p2.patch - t=PASS" "c v4 - - t=FAIL" >variants &&
	VARIANTS_FILE=$PWD/variants bash -c ". \"$LIB\"; series_patches" >out &&
	printf "p1.patch\np2.patch\n" >exp && test_cmp exp out
'
test_expect_success 'git_am_or_abort: a patch that applies is committed; one that does not fails and leaves no am behind' '
	g() { git -c user.name=t -c user.email=t@example.invalid -C am-repo "$@"; } &&
	git init -q am-repo && printf "1\n2\n3\n" >am-repo/f && g add f && g commit -q -m one &&
	printf "1\ntwo\n3\n" >am-repo/f && g commit -q -a -m two && g format-patch -q -1 --stdout >two.mbox &&
	printf "1\ntwo\nthree\n" >am-repo/f && g commit -q -a -m three && g format-patch -q -1 --stdout >three.mbox &&
	g reset -q --hard HEAD~2 && one=$(g rev-parse HEAD) &&
	rc=0 && { bash -c ". \"$LIB\"; git_am_or_abort am-repo -q --committer-date-is-author-date \"$PWD/three.mbox\"" >out 2>&1 || rc=$?; } &&
	test $rc != 0 && test_grep "patch failed|does not apply" out &&
	test "$(g rev-parse HEAD)" = "$one" && test ! -e am-repo/.git/rebase-apply &&
	bash -c ". \"$LIB\"; git_am_or_abort am-repo -q \"$PWD/two.mbox\"" &&
	bash -c ". \"$LIB\"; git_am_or_abort am-repo -q \"$PWD/three.mbox\"" &&
	g log --format=%s >log && printf "three\ntwo\none\n" >exp && test_cmp exp log
'

test_expect_success 'publish_file: TMP replaces FINAL, and is never moved into a FINAL directory' '
	mkdir pubf && echo old >pubf/final && echo new >pubf/final.tmp &&
	bash -c ". \"$LIB\"; publish_file pubf/final.tmp pubf/final" &&
	echo new >exp && test_cmp exp pubf/final && test ! -e pubf/final.tmp &&
	mkdir pubf/dir && echo x >pubf/dir/a && echo new >pubf/dir.tmp &&
	test_must_fail bash -c ". \"$LIB\"; publish_file pubf/dir.tmp pubf/dir" 2>/dev/null &&
	test ! -e pubf/dir/dir.tmp && test -f pubf/dir.tmp
'

test_expect_success 'publish_dir: the first wins; a later one accepts a whole winner, refuses a broken one' '
	mkdir -p pubd/t1 pubd/t2 pubd/t3 && echo first >pubd/t1/r && echo second >pubd/t2/r &&
	whole() { test -f "$1/r"; } && export -f whole &&
	bash -c ". \"$LIB\"; publish_dir pubd/t1 pubd/final whole" &&
	test ! -e pubd/t1 && echo first >exp && test_cmp exp pubd/final/r &&
	bash -c ". \"$LIB\"; publish_dir pubd/t2 pubd/final whole" &&
	test ! -e pubd/t2 && test_cmp exp pubd/final/r && test ! -e pubd/final/t2 &&
	rm pubd/final/r && echo x >pubd/final/other && echo third >pubd/t3/r &&
	test_must_fail bash -c ". \"$LIB\"; publish_dir pubd/t3 pubd/final whole" &&
	test -f pubd/t3/r
'
# Found in CI: two apply jobs side by side, one job's `git worktree prune`
# took the other's worktree while `git worktree add` was still making it
# ("could not open .git/worktrees/apply.XXXXXX/HEAD").  Every prune, add
# and remove on the target goes under one lock; here jobs that make and
# remove scratch and lane worktrees run side by side, 4 x 12 times.
test_expect_success 'scratch_worktree, lane_worktree: worktrees made and removed side by side never take each other; a killed checkout does not stop a lane' '
	export CACHE_DIR=$PWD/wt-cache && t=$CACHE_DIR/trees/embedded-6.1 &&
	git init -q "$t" && echo 1 >"$t/f" && git -C "$t" add f &&
	git -C "$t" -c user.name=t -c user.email=t@example.invalid commit -q -m one &&
	git -C "$t" tag check-series/base/v4 &&
	one_job() {
		for i in $(seq 12); do
			bash -c ". \"$LIB\"; scratch_worktree apply HEAD && git -C \"\$SCRATCH_WT\" rev-parse HEAD >/dev/null" || return 1
			bash -c ". \"$LIB\"; lane_worktree lane-$1-$i >/dev/null" || return 1
		done
	} &&
	for j in 1 2 3 4; do { one_job $j >wt-$j.out 2>&1 || echo "job $j failed" >>wt-failed; } & done &&
	wait &&
	cat wt-*.out && test ! -e wt-failed &&
	test "$(git -C "$t" worktree list | wc -l)" = 49 &&
	test -z "$(ls -d "$CACHE_DIR"/work/embedded-6.1/apply.* 2>/dev/null)" &&
	# A failed add exits under the lock; the EXIT trap removes, not waits.
	rc=0 && { timeout 20 bash -c ". \"$LIB\"; scratch_worktree apply no-such-commit" >out 2>&1 || rc=$?; } &&
	test $rc != 0 && test $rc != 124 && test_grep "no-such-commit" out &&
	test -z "$(ls -d "$CACHE_DIR"/work/embedded-6.1/apply.* 2>/dev/null)" &&
	# A job killed in a lane'"'"'s checkout leaves index.lock: the next one
	# (holding the lane) checks out all the same.
	: >"$t/.git/worktrees/lane-1-1/index.lock" &&
	LANE=lane-1-1 bash -c ". \"$LIB\"; lane_checkout HEAD" &&
	test ! -e "$t/.git/worktrees/lane-1-1/index.lock"
'
test_done
