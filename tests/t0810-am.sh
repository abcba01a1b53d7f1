#!/bin/bash
# make am: the dry run's mbox applied as a maintainer would, by git am and
# by b4 am, gives the incremental check-series tree; its 2/2 is the
# linux-next patch, which the embedded target refuses in one line naming
# LINUX_TREE=; the two alternatives cannot be applied together; bad
# VARIANT=/MBOX=; a relative MBOX=; no git identity; and with LINUX_TREE=
# the branch is left in a scratch clone, the user's tree untouched.  (The
# real thread, other lists' copies and bad mail: t0820.)
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

# As in t0800: the embedded tree made once, used through a shared clone in
# this script's own cache; a scratch HOME, so no real mail configuration.
SRC_CACHE=${CACHE_DIR:-$SCRATCH/src-cache}
export CACHE_DIR=$SCRATCH/cache RESULTS_ROOT=$SCRATCH/results SRC_CACHE
export HOME=$SCRATCH/home
unset XDG_CONFIG_HOME GIT_CONFIG_GLOBAL LINUX_TREE SEND REFLECT VARIANT MBOX

test_expect_success 'setup: target tree, identity, the dry run' '
	setup_target_clone &&
	git config --global user.name "Test Maintainer" &&
	git config --global user.email maintainer@example.org &&
	git config --global sendemail.smtpServer /bin/false &&
	bash "$PROJECT_DIR/scripts/send.sh" >send.out 2>&1 &&
	test -f "$RESULTS_ROOT/latest-send/series.mbox"
'

# round_trip VARIANT: make am, then both branches must have the tree of the
# variant ref that step-apply (check-series) made.
cat >"$SCRATCH/rt.sh" <<'EOF'
round_trip() {
	VARIANT=$1 bash "$PROJECT_DIR/scripts/am.sh" >"am-$1.out" 2>&1 || { cat "am-$1.out"; return 1; }
	want=$(git -C "$CACHE_DIR/trees/embedded-6.1" rev-parse "refs/tags/check-series/variant/$1^{tree}") &&
	clone=$CACHE_DIR/am/embedded-6.1/$1 &&
	test "$(git -C "$clone" rev-parse "am/$1^{tree}")" = "$want" &&
	test "$(git -C "$clone" rev-parse "am/$1-b4^{tree}")" = "$want" &&
	test_grep "both give tree $want" "am-$1.out"
}
EOF

test_expect_success 'VARIANT=incremental: git am and b4 am of 1/2 on v4 give the incremental tree' '
	. ./rt.sh && round_trip incremental &&
	test_grep "b4 sees as separate revisions" am-incremental.out &&
	test_grep "missing \[2/2\]" am-incremental.out
'

test_expect_success 'VARIANT=v5 on the embedded target: the mailed 2/2 is linux-next'\''s, one line says so, nothing kept' '
	test_must_fail env VARIANT=v5 bash "$PROJECT_DIR/scripts/am.sh" >out 2>err &&
	test "$(grep -c "^am: error" err)" = 1 &&
	test_grep "^am: error: .*\[PATCH v5 2/2\].* is a linux-next patch .*LINUX_TREE=" err &&
	test ! -e "$CACHE_DIR/am/embedded-6.1/v5" &&
	test -z "$(find "$CACHE_DIR/am/embedded-6.1" -maxdepth 1 -name ".tmp.*")"
'

test_expect_success 'a relative MBOX= is the caller'\''s file (resolved before am.sh changes directory)' '
	mkdir -p sub && cp "$RESULTS_ROOT/latest-send/series.mbox" sub/thread.mbox &&
	(cd sub && VARIANT=incremental MBOX=thread.mbox bash "$PROJECT_DIR/scripts/am.sh") >out 2>&1 &&
	test_grep "both give tree" out
'

test_expect_success 'no git identity: the scratch work is committed with a stated identity, b4 included' '
	mkdir -p nohome &&
	VARIANT=incremental HOME=$SCRATCH/nohome bash "$PROJECT_DIR/scripts/am.sh" >out 2>&1 &&
	test_grep "^am: no git identity .*git config --global user.email" out &&
	test_grep "both give tree" out &&
	test "$(git -C "$CACHE_DIR/am/embedded-6.1/incremental" log -1 --format=%ce am/incremental-b4)" = tooling@example.invalid
'

test_expect_success 'b4 am keeps every trailer' '
	git -C "$CACHE_DIR/am/embedded-6.1/incremental" log -1 --format=%B am/incremental-b4 >msg &&
	test_grep "^Reported-by: Linux Kernel Functional Testing <lkft@linaro.org>\$" msg &&
	test_grep "^Closes: https://lore.kernel.org/intel-gfx/" msg &&
	test_grep "^Cc: stable@vger.kernel.org\$" msg &&
	test_grep "^Fixes: 513dfacefd71 " msg
'

test_expect_success 'both alternatives in a row: an error that says they are alternatives' '
	test_must_fail env VARIANT=incremental,v5 bash "$PROJECT_DIR/scripts/am.sh" >out 2>err &&
	test_grep "alternatives, not a stack" err &&
	test_grep "one VARIANT= at a time" err
'

test_expect_success 'no VARIANT, an unknown one, one that mails nothing or one with a planted fault: refused' '
	test_must_fail bash "$PROJECT_DIR/scripts/am.sh" 2>err && test_grep "VARIANT=incremental" err &&
	test_must_fail env VARIANT=nosuch bash "$PROJECT_DIR/scripts/am.sh" 2>err && test_grep "unknown variant" err &&
	test_must_fail env VARIANT=control bash "$PROJECT_DIR/scripts/am.sh" 2>err && test_grep "mails no patch" err &&
	test_must_fail env VARIANT=fault-leak bash "$PROJECT_DIR/scripts/am.sh" 2>err &&
	test_grep "fault-leak carries a planted fault \\(faults/leak-submount-lookup.patch\\)" err &&
	test_must_fail bash "$PROJECT_DIR/scripts/am.sh" 2>err && ! grep -q fault-leak err
'

test_expect_success 'MBOX= that is missing or not this thread: refused' '
	test_must_fail env VARIANT=v5 MBOX=$SCRATCH/nope bash "$PROJECT_DIR/scripts/am.sh" 2>err &&
	test_grep "does not exist" err &&
	printf "From x Thu Jan  1 00:00:00 1970\nSubject: [PATCH] other\n\nbody\n" >other.mbox &&
	test_must_fail env VARIANT=v5 MBOX=$SCRATCH/other.mbox bash "$PROJECT_DIR/scripts/am.sh" 2>err &&
	test_grep "has no patch in it" err &&
	printf "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n" >>other.mbox &&
	test_must_fail env VARIANT=v5 MBOX=$SCRATCH/other.mbox bash "$PROJECT_DIR/scripts/am.sh" 2>err &&
	test_grep "has no patch \"fuse: share lookup state between submount and its parent\" v5 .*: it is not this series" err
'

test_expect_success 'LINUX_TREE: a ready branch in a scratch clone, the user tree untouched' '
	src=$(cat src-tree) &&
	git clone -q --shared --no-checkout "$src" linux &&
	git -C linux sparse-checkout set --no-cone /MAINTAINERS &&
	git -C linux checkout -q -b master refs/tags/check-series/base/v4 &&
	snap() { git -C linux for-each-ref; git -C linux rev-parse HEAD; git -C linux status --porcelain; ls -a linux; } &&
	snap >before &&
	# The embedded dry run'\''s mbox: this stand-in "linux-next" is the 6.1
	# tree, whose own checkpatch does not know the Closes: tag (make send
	# would rightly refuse there).
	LINUX_TREE=$SCRATCH/linux VARIANT=incremental MBOX=$RESULTS_ROOT/latest-send/series.mbox \
		bash "$PROJECT_DIR/scripts/am.sh" >out 2>&1 &&
	snap >after && test_cmp before after &&
	fetch=$(grep "fetch " out | sed "s/^ *//") &&
	test -n "$fetch" &&
	git clone -q --shared --no-checkout "$SCRATCH/linux" fetcher &&
	eval "${fetch/-C $SCRATCH\/linux /-C $SCRATCH/fetcher }" &&
	git -C fetcher rev-parse --verify -q am/incremental
'

test_expect_success 'no scratch left behind' '
	test -z "$(find "$CACHE_DIR" "$CACHE_DIR/am"/* "$RESULTS_ROOT" -maxdepth 1 -name ".tmp.*")"
'

test_done
