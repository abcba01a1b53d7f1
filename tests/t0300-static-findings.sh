#!/bin/bash
# The static steps' findings, without a kernel: how tool output becomes
# finding lines (no paths, no line numbers) and what counts as new (lines,
# not counts), and when the steps apply at all.  Runs in a second.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

STATIC=$TEST_DATA/static
SF=$PROJECT_DIR/scripts/static-findings.sh
export STATIC SF

test_expect_success 'sparse output: relative paths, no numbers, explanations joined' '
	bash "$SF" normalise "$STATIC/sparse-variant.raw" /src/linux /build/out >actual &&
	test_cmp "$STATIC/sparse-variant.expected" actual &&
	test_grep_not "[0-9]+:[0-9]+" actual &&
	test_grep_not "CHECK" actual
'

test_expect_success 'coccinelle output: "on line N" in messages, spatch chatter dropped' '
	bash "$SF" normalise "$STATIC/coccinelle-base.raw" /src/linux /build/out >actual &&
	test_cmp "$STATIC/coccinelle-base.expected" actual &&
	test_grep_not "metavariable" actual
'

test_expect_success 'moved code is not new: same warnings 3 lines down' '
	bash "$SF" normalise "$STATIC/w1-base.raw" /src/linux >base &&
	bash "$SF" normalise "$STATIC/w1-moved.raw" /src/linux >moved &&
	test "$(wc -l <base)" = 4 &&
	bash "$SF" new base moved >new &&
	test_must_fail test -s new
'

test_expect_success 'a swapped warning is new although the count is the same' '
	bash "$SF" normalise "$STATIC/w1-base.raw" /src/linux >base &&
	bash "$SF" normalise "$STATIC/w1-swapped.raw" /src/linux >swapped &&
	test "$(wc -l <base)" = "$(wc -l <swapped)" &&
	bash "$SF" new base swapped >new &&
	echo "fs/fuse/inode.c: warning: variable '\''check_series_set_only'\'' set but not used [-Wunused-but-set-variable]" >expect &&
	test_cmp expect new
'

test_expect_success 'gcc quotes in a UTF-8 locale are the same finding as in C' '
	sed -e "s/'\''check_series_set_only'\''/\xe2\x80\x98check_series_set_only\xe2\x80\x99/" \
		"$STATIC/w1-swapped.raw" >utf8.raw &&
	test_grep "$(printf "\342\200\230")" utf8.raw &&
	bash "$SF" normalise "$STATIC/w1-swapped.raw" /src/linux >c &&
	bash "$SF" normalise utf8.raw /src/linux >utf8 &&
	test_cmp c utf8
'

test_expect_success 'a second copy of a finding the base has once is new' '
	printf "%s\n" "fs/fuse/file.c: WARNING opportunity for min()" >base &&
	printf "%s\n" "fs/fuse/file.c: WARNING opportunity for min()" \
		"fs/fuse/file.c: WARNING opportunity for min()" >variant &&
	bash "$SF" new base variant >new &&
	test_cmp base new
'

test_expect_success 'not applicable (--key exits KEY_NA, 6) to variants without patches' '
	for s in sparse coccinelle w1; do
		for v in control pre-v4; do
			rc=0
			{ CACHE_DIR=$SCRATCH/cache bash "$PROJECT_DIR/scripts/step-$s.sh" --key $v || rc=$?; }
			test $rc = 6 || { echo "step-$s --key $v: exit $rc" >&2; return 1; }
		done
	done
'

test_expect_success '--key names the tool version: a new sparse is a new verdict' '
	CACHE_DIR=$SCRATCH/cache bash "$PROJECT_DIR/scripts/step-sparse.sh" --key incremental >key1 &&
	mkdir bin &&
	printf "#!/bin/sh\necho 9.9.9-test\n" >bin/sparse &&
	chmod +x bin/sparse &&
	PATH=$SCRATCH/bin:$PATH CACHE_DIR=$SCRATCH/cache \
		bash "$PROJECT_DIR/scripts/step-sparse.sh" --key incremental >key2 &&
	test -s key1 &&
	test_must_fail cmp -s key1 key2
'

test_expect_success 'normalise: paths ccache made relative to the build dir are folded too' '
	printf "../../trees/embedded-6.1/fs/fuse/inode.c:12:3: warning: x set but not used\n" >raw &&
	bash "$PROJECT_DIR/scripts/static-findings.sh" normalise raw /nonexistent >out &&
	echo "fs/fuse/inode.c: warning: x set but not used" >exp && test_cmp exp out
'
test_expect_success 'a checkout that fails under || is an error, never the wrong tree analysed' '
	mkdir -p cache/trees vd &&
	git init -q cache/trees/embedded-6.1 &&
	git -C cache/trees/embedded-6.1 commit -q --allow-empty -m A && git -C cache/trees/embedded-6.1 tag A &&
	git -C cache/trees/embedded-6.1 commit -q --allow-empty -m B &&
	git -C cache/trees/embedded-6.1 tag check-series/base/v4 &&
	cat >run.sh <<-\EOF &&
	. "$PROJECT_DIR/scripts/static-findings.sh"
	STATIC_TOOL=fake STATIC_WHAT=fake KBUILD_OUT=/nonexistent LANE=static
	static_tool_run() { git -C "$(source_dir)" log -1 --format=%s >"$1"; }
	static_prepare() { :; }
	# The lane worktree on B, then every git checkout fails and leaves
	# HEAD where it was.  (Not an index.lock: lane_checkout removes one
	# that a killed job left.)
	wt=$(lane_worktree static)
	git -C "$wt" checkout -q --detach check-series/base/v4
	git() { [ "$3" != checkout ] || { echo "checkout refused" >&2; return 1; }; command git "$@"; }
	: >cfg
	rc=0
	{ static_findings_of refs/tags/A variant cfg k || rc=$?; }
	echo "rc=$rc"
	EOF
	CACHE_DIR=$PWD/cache VARIANT_DIR=$PWD/vd bash run.sh >out 2>&1 &&
	test_grep "^rc=125$" out &&
	test_grep_not "^B$" vd/fake-variant.raw &&
	test_must_fail test -e cache/static/fake
'
test_expect_success 'normalise: paths ccache made relative to a lane worktree are folded too' '
	printf "../../work/embedded-6.1/static/fs/fuse/dir.c:12:3: warning: y\n" >raw &&
	bash "$PROJECT_DIR/scripts/static-findings.sh" normalise raw /nonexistent >out &&
	echo "fs/fuse/dir.c: warning: y" >exp && test_cmp exp out
'
test_done
