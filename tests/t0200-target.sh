#!/bin/bash
# The two targets: the embedded 6.1 tree (recreated history) and a user's
# LINUX_TREE (scratch clone; their tree is never touched), with every bad
# input answered by one clear line and nothing left half-made.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

export CACHE_DIR=${CACHE_DIR:-$PROJECT_DIR/.cache}
export RESULTS_ROOT=$SCRATCH/results
S=$PROJECT_DIR/scripts
T=$CACHE_DIR/trees/embedded-6.1
export S T

test_expect_success 'the embedded target: Debian 6.1.192, then the tree before v4, v4, v4 reverted' '
	bash "$S/prepare-target.sh" >out 2>err && test_grep "embedded-6.1$" out &&
	git -C "$T" log --format=%s check-series/base/v4-reverted >log &&
	head -4 log >top && cat >exp <<-\EOT &&
	Revert "fuse: share lookup state between submount and its parent"
	fuse: share lookup state between submount and its parent
	Revert "fuse: share lookup state between submount and its parent"
	Debian linux-source-6.1 6.1.192
	EOT
	test_cmp exp top
'
test_expect_success 'v4 on 6.1 lacks the init line; the tree before v4 has no submount lookup at all' '
	. "$S/lib.sh"
	git -C "$T" show check-series/base/v4:fs/fuse/inode.c >v4.c &&
	! fuse_alloc_inode_has_init v4.c && grep -q fuse_alloc_submount_lookup v4.c &&
	git -C "$T" show check-series/debian:fs/fuse/inode.c >deb.c && fuse_alloc_inode_has_init deb.c &&
	rc=0 && { git -C "$T" grep -q submount_lookup check-series/base/v4-reverted -- fs/fuse || rc=$?; } &&
	test $rc = 1
'
test_expect_success 'a second run reuses the tree (stamp of tarball and recipe)' '
	start=$SECONDS && bash "$S/prepare-target.sh" >/dev/null 2>err &&
	[ $((SECONDS - start)) -lt 5 ] && test_grep_not extracting err
'
test_expect_success 'hand-made patches pass git apply --check where they apply' '
	git -C "$T" worktree add -q --detach "$SCRATCH/wt" check-series/base/v4 &&
	test_when_finished "git -C \"$T\" worktree remove --force \"$SCRATCH/wt\"" &&
	git -C "$SCRATCH/wt" apply --check "$PROJECT_DIR/patches/0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch" &&
	git -C "$SCRATCH/wt" checkout -q check-series/base/v4-reverted &&
	git -C "$SCRATCH/wt" apply --check "$PROJECT_DIR/patches/stable-6.1/v5-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch"
'
test_expect_success 'step-apply without a check-series run (as am.sh calls it): a quilt failure is named' '
	mkdir -p fake step && printf "#!/bin/sh\n[ \"\$1\" = --version ] && { echo 0.67; exit 0; }\necho quilt: broken >&2; exit 1\n" >fake/quilt &&
	chmod +x fake/quilt &&
	rc=0 && { (unset RUN_DIR; PATH=$PWD/fake:$PATH STEP_SUMMARY=$PWD/step/summary FACTS=$PWD/step/facts VARIANT_DIR=$PWD/step \
		bash "$S/step-apply.sh" incremental) >step/log 2>&1 || rc=$?; } &&
	cat step/log && test $rc = 1 &&
	test_grep "^quilt push -a failed on v4" step/summary
'

# A user's tree: a linux-next-like clone at v4 with their own work in it.
U=$SCRATCH/linux
export U
git clone -q --shared --no-checkout "$T" "$U"
git -C "$U" checkout -q -b master check-series/base/v4
git -C "$U" tag -l | xargs -r git -C "$U" tag -d >/dev/null
echo "their work" >>"$U/README"
echo "untracked" >"$U/their-notes.txt"
echo "stashed" >>"$U/COPYING" && git -C "$U" stash -q
snapshot() {
	git -C "$U" rev-parse HEAD
	git -C "$U" symbolic-ref HEAD
	git -C "$U" for-each-ref
	git -C "$U" stash list
	git -C "$U" worktree list --porcelain
	git -C "$U" diff HEAD
	git -C "$U" ls-files -s | sha256sum
	cat "$U/their-notes.txt"
	(cd "$U/.git" && find . ! -name index ! -path "./logs*" | sort)
}
export -f snapshot
snapshot >"$SCRATCH/before"

test_expect_success 'LINUX_TREE: incremental applies; v5 (linux-next context) names the patch and file it fails on' '
	LINUX_TREE=$U VARIANTS=incremental,v5 STEPS=apply KEEP_GOING=1 \
		bash "$S/check-series.sh" >out 2>&1; tail -12 out >&2
	test_grep "^incremental +PASS" out &&
	test_grep "v5/apply FAIL: v5-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch does not apply on v4-reverted: patch failed: fs/fuse/inode.c" out &&
	test_grep "check-series: 1 passed, 1 failed" out
'
test_expect_success 'LINUX_TREE: the user tree is exactly as before (tree, index, HEAD, refs, stash, .git)' '
	snapshot >after && test_cmp "$SCRATCH/before" after
'
test_expect_success 'LINUX_TREE: the scratch clone has both bases; v4 found by subject' '
	D=$(LINUX_TREE=$U bash -c ". $S/lib.sh; target_dir") &&
	[ "$(git -C "$D" rev-parse check-series/base/v4)" = "$(git -C "$U" rev-parse HEAD)" ] &&
	git -C "$D" log -1 --format=%s check-series/base/v4-reverted | grep -q "^Revert \"fuse: share lookup state"
'

one_line_error() { # EXPECTED-REGEX COMMAND...
	local re=$1; shift
	if "$@" >out 2>err; then echo "succeeded: $*" >&2; return 1; fi
	[ "$(wc -l <err)" -le 2 ] || { cat err >&2; return 1; }
	test_grep "$re" err
}
export -f one_line_error

test_expect_success 'bad LINUX_TREE: missing' '
	LINUX_TREE=$SCRATCH/nope one_line_error "does not exist: point it at a linux-next git tree" bash "$S/prepare-target.sh"
'
test_expect_success 'bad LINUX_TREE: not a git repository' '
	mkdir plain && LINUX_TREE=$PWD/plain one_line_error "is not a git repository" bash "$S/prepare-target.sh"
'
test_expect_success 'bad LINUX_TREE: not a kernel tree' '
	git init -q notkernel && git -C notkernel commit -q --allow-empty -m x &&
	LINUX_TREE=$PWD/notkernel one_line_error "is not a kernel tree" bash "$S/prepare-target.sh"
'
test_expect_success 'bad LINUX_TREE: without v4' '
	git clone -q --shared --no-checkout "$T" nov4 && git -C nov4 update-ref HEAD check-series/debian &&
	LINUX_TREE=$PWD/nov4 one_line_error "does not contain v4 .*V4_COMMIT=" bash "$S/prepare-target.sh"
'
test_expect_success 'bad LINUX_TREE: already fixed (init line present): the unfixed kernel cannot be built' '
	git clone -q --shared --no-checkout "$T" fixed &&
	c=$(git -C fixed commit-tree -p check-series/base/v4 -m "fuse: ensure submount_lookup is initialized on alloc" "check-series/debian^{tree}") &&
	git -C fixed update-ref HEAD "$c" &&
	LINUX_TREE=$PWD/fixed one_line_error "already fixed.*unfixed kernel cannot be built" bash "$S/prepare-target.sh"
'
test_expect_success 'bad V4_COMMIT: not a commit' '
	LINUX_TREE=$U V4_COMMIT=deadbeef one_line_error "V4_COMMIT=deadbeef is not a commit" bash "$S/prepare-target.sh"
'
test_expect_success 'missing tool: names the Debian package' '
	mkdir bin && for f in /usr/bin/* /bin/*; do ln -sf "$f" bin/; done 2>/dev/null; rm -f bin/quilt &&
	rc=0 && { PATH=$PWD/bin VARIANTS=incremental STEPS=apply NO_CACHE=1 bash "$S/check-series.sh" >out 2>&1 || rc=$?; } &&
	test $rc = 3 &&
	test_grep "incremental/apply ERROR: .*quilt. not found: install it with .apt-get install quilt." out
'
test_expect_success 'missing source package: names it' '
	CACHE_DIR=$SCRATCH/c1 EMBEDDED_TARBALL=/nonexistent.tar.xz \
		one_line_error "/nonexistent.tar.xz not found: install it with .apt-get install linux-source-6.1." bash "$S/prepare-target.sh"
'
test_expect_success 'not enough disk: refuses before starting, leaves nothing' '
	CACHE_DIR=$SCRATCH/c2 CHECK_SERIES_MIN_FREE_GB=999999 \
		one_line_error "GiB free under .*need 999999 GiB" bash "$S/prepare-target.sh" &&
	[ -z "$(ls -A "$SCRATCH/c2/trees" 2>/dev/null)" ]
'
# Ctrl-C reaches a process group: the run gets one of its own (setsid)
# with SIGINT as a terminal's job has it (a shell without job control, as
# under CI, starts a job with & with SIGINT ignored; set -m cannot help
# without a terminal).
test_expect_success 'Ctrl-C mid-run: scratch cleaned, and the next run works' '
	CACHE_DIR=$SCRATCH/c3 setsid env --default-signal=INT bash "$S/prepare-target.sh" >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 100); do ls -d "$SCRATCH"/c3/trees/.tmp.* >/dev/null 2>&1 && break; sleep 0.1; done
	sleep 2; kill -INT -- -$pid; wait $pid; rc=$?
	[ $rc != 0 ] && [ -z "$(ls -A "$SCRATCH/c3/trees")" ] &&
	CACHE_DIR=$SCRATCH/c3 bash "$S/prepare-target.sh" >out 2>/dev/null &&
	git -C "$SCRATCH/c3/trees/embedded-6.1" rev-parse check-series/base/v4-reverted >/dev/null;
	rc=$?; rm -rf "$SCRATCH/c3"; exit $rc
'
test_done
