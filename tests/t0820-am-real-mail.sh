#!/bin/bash
# make am on real mail: the thread as the list archives hold it
# (tests/data/mail/real-thread/thread.mbox, as it is), the same messages as
# intel-gfx delivers them ([Intel-gfx] [v5 PATCH 2/2], refolded headers),
# each twice (two lists), with CRLF line ends, with quoted-printable
# bodies; incremental on the embedded target, both variants on a
# linux-next-like tree (tests/make-next-tree.sh).  And bad mail, each one
# clear line with nothing applied: HTML only, wrapped lines, tabs turned to
# spaces, no patch, a reply quoting the patch, both alternatives at once,
# a linux-next patch on the embedded target.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

SRC_CACHE=${CACHE_DIR:-$SCRATCH/src-cache}
export CACHE_DIR=$SCRATCH/cache RESULTS_ROOT=$SCRATCH/results SRC_CACHE
export HOME=$SCRATCH/home
unset XDG_CONFIG_HOME GIT_CONFIG_GLOBAL LINUX_TREE SEND REFLECT VARIANT MBOX
M=$TEST_DATA/mail
export M

test_expect_success 'setup: target tree, identity, the linux-next-like tree' '
	setup_target_clone &&
	git config --global user.name "Test Maintainer" &&
	git config --global user.email maintainer@example.org &&
	bash "$PROJECT_DIR/tests/make-next-tree.sh" "$SCRATCH/next" >out &&
	test "$(cat out)" = "$SCRATCH/next"
'

# apply_check REV PATCH: PATCH (a patch file or a mail) applies on REV of
# the linux-next-like tree with git apply (no work tree needed); prints
# the resulting tree id.
cat >"$SCRATCH/lib.sh" <<'EOF2'
apply_tree() {
	git mailinfo /dev/null "$SCRATCH/p.diff" <"$2" >/dev/null &&
	GIT_INDEX_FILE=$SCRATCH/idx git -C "$SCRATCH/next" read-tree "$1" &&
	GIT_INDEX_FILE=$SCRATCH/idx git -C "$SCRATCH/next" apply --cached "$SCRATCH/p.diff" &&
	GIT_INDEX_FILE=$SCRATCH/idx git -C "$SCRATCH/next" write-tree
}
# am_ok VARIANT MBOX: make am succeeds; both round trips give the variant tree.
am_ok() {
	VARIANT=$1 MBOX=$2 bash "$PROJECT_DIR/scripts/am.sh" >am.out 2>&1 || { cat am.out; return 1; }
	test_grep "^am: $1: git am and b4 am of the mailed messages both give tree" am.out
}
# am_tree VARIANT: the tree of the last make am VARIANT= branch (git am).
am_tree() {
	local t=embedded-6.1
	[ -z "${LINUX_TREE:-}" ] || t=$(cd "$CACHE_DIR/am" && ls -d user-* | head -n 1)
	git -C "$CACHE_DIR/am/$t/$1" rev-parse "am/$1^{tree}"
}
# snap: everything make am keeps (to show a refusal changed nothing).
snap() {
	find "$CACHE_DIR/am" -maxdepth 2 | sort
	for d in "$CACHE_DIR"/am/*/*; do git -C "$d" for-each-ref; done
}
# am_refused VARIANT MBOX PATTERN: one error line matching PATTERN, no change.
am_refused() {
	snap >before &&
	test_must_fail env VARIANT=$1 MBOX=$2 bash "$PROJECT_DIR/scripts/am.sh" >out 2>err &&
	test "$(grep -c "^am: error" err)" = 1 &&
	test_grep "^am: error: $3" err &&
	snap >after && test_cmp before after
}
EOF2

test_expect_success 'the linux-next-like tree: before v4, then v4 found by its subject; patches/ and the real mails apply' '
	. ./lib.sh &&
	test "$(git -C next log -1 --format=%s master)" = "fuse: share lookup state between submount and its parent" &&
	test "$(git -C next rev-list --count master ^master~2)" = 2 &&
	test -z "$(git -C next status --porcelain)" &&
	P=$PROJECT_DIR/patches &&
	a=$(apply_tree master "$P/0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch") &&
	b=$(apply_tree master "$M/real-thread/02-patch-1of2-incremental.eml") &&
	c=$(apply_tree master~1 "$P/v5-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch") &&
	d=$(apply_tree master~1 "$M/real-thread/03-patch-v5-2of2.eml") &&
	test "$a" = "$b" && test "$b" = "$c" && test "$c" = "$d" &&
	# v4 lacks exactly the init line of fuse_alloc_inode()
	git -C next show master:fs/fuse/inode.c >inode.c &&
	sed -n "/^static struct inode \*fuse_alloc_inode(/,/^}/p" inode.c >alloc.c &&
	test_grep "^static struct inode \*fuse_alloc_inode\(" alloc.c && test_grep "^}" alloc.c &&
	test_grep_not submount_lookup alloc.c
'

test_expect_success 'the real thread.mbox as it is: incremental on the embedded target' '
	. ./lib.sh && am_ok incremental "$M/real-thread/thread.mbox" &&
	test "$(am_tree incremental)" = "$(git -C "$CACHE_DIR/trees/embedded-6.1" rev-parse "refs/tags/check-series/variant/incremental^{tree}")"
'

test_expect_success 'the trailers checked are the mail'\''s: the real 1/2 has no Reported-by, and b4 kept what it has' '
	git -C "$CACHE_DIR/am/embedded-6.1/incremental" log -1 --format=%B am/incremental-b4 >msg &&
	test_grep_not "^Reported-by:" msg &&
	test_grep "^Fixes: 513dfacefd71 " msg &&
	test_grep "^Cc: stable@vger.kernel.org\$" msg
'

test_expect_success 'the real v5 on the embedded target: one line, its base is linux-next, give LINUX_TREE=' '
	. ./lib.sh &&
	am_refused v5 "$M/real-thread/thread.mbox" "\"\[v5 PATCH 2/2\] fuse: share lookup state between submount and its parent\" is a linux-next patch .*give its base with LINUX_TREE="
'

test_expect_success 'LINUX_TREE=the linux-next-like tree: the real thread gives incremental and v5, the same tree' '
	. ./lib.sh && export LINUX_TREE=$SCRATCH/next &&
	am_ok incremental "$M/real-thread/thread.mbox" && inc=$(am_tree incremental) &&
	am_ok v5 "$M/real-thread/thread.mbox" && v5=$(am_tree v5) &&
	test "$inc" = "$v5" &&
	test_grep "\-v 5 picks v5" am.out
'

test_expect_success 'as intel-gfx delivers them ([Intel-gfx] [v5 PATCH 2/2], refolded headers): v5 read as v5' '
	. ./lib.sh &&
	LINUX_TREE=$SCRATCH/next am_ok v5 "$M/intel-gfx.mbox" &&
	test_grep "\-v 5 picks v5" am.out &&
	am_ok incremental "$M/intel-gfx.mbox"
'

test_expect_success 'each message twice (from two lists): taken once, by Message-ID' '
	. ./lib.sh &&
	am_ok incremental "$M/two-lists.mbox" &&
	test_grep "^am: 3 message\(s\) came more than once" am.out &&
	LINUX_TREE=$SCRATCH/next am_ok v5 "$M/two-lists.mbox"
'

test_expect_success 'CRLF line ends' '
	. ./lib.sh &&
	sed "s/\$/\r/" "$M/real-thread/thread.mbox" >crlf.mbox &&
	test "$(grep -c "$(printf "\r")\$" crlf.mbox)" = "$(wc -l <crlf.mbox)" &&
	am_ok incremental crlf.mbox &&
	LINUX_TREE=$SCRATCH/next am_ok v5 crlf.mbox
'

test_expect_success 'quoted-printable bodies' '
	. ./lib.sh &&
	test_grep "^ \*/=\$|=3D" "$M/qp-03-patch-v5-2of2.eml" &&
	am_ok incremental "$M/qp.mbox" &&
	LINUX_TREE=$SCRATCH/next am_ok v5 "$M/qp.mbox"
'

test_expect_success 'a reply quoting the whole patch is not a patch (alone: no patch; before the thread: not taken)' '
	. ./lib.sh &&
	am_refused incremental "$M/reply-only.mbox" "MBOX=.* has no patch in it" &&
	cat "$M/reply-only.mbox" "$M/real-thread/thread.mbox" >reply-first.mbox &&
	am_ok incremental reply-first.mbox
'

test_expect_success 'bad mail: HTML only' '
	. ./lib.sh && am_refused incremental "$M/bad-html-only.mbox" ".* is HTML only: .*plain text"
'

test_expect_success 'bad mail: lines wrapped by a mail client' '
	. ./lib.sh && am_refused incremental "$M/bad-wrapped.mbox" "the patch in .* is corrupt .*wrapped its long lines"
'

test_expect_success 'bad mail: tabs turned into spaces' '
	. ./lib.sh && am_refused incremental "$M/bad-tabs-to-spaces.mbox" "the patch in .* does not apply, but does when whitespace is ignored: .*tabs into spaces"
'

test_expect_success 'bad mail: an mbox with no patch' '
	. ./lib.sh && am_refused incremental "$M/bad-no-patch.mbox" "MBOX=.* has no patch in it \(2 message"
'

test_expect_success 'both alternatives at once: refused, they are alternatives' '
	. ./lib.sh && am_refused incremental,v5 "$M/real-thread/thread.mbox" "VARIANT=incremental,v5: these are alternatives, not a stack"
'

test_expect_success 'no scratch left behind, and the linux-next-like tree untouched' '
	test -z "$(find "$CACHE_DIR/am"/* -maxdepth 1 -name ".tmp.*")" &&
	test -z "$(git -C next status --porcelain)" &&
	test "$(git -C next for-each-ref --format="%(refname)")" = refs/heads/master
'

test_done
