#!/bin/bash
# make send: the dry run's exact messages (count, subjects, threading,
# trailers and diffs as in the linux-next patch files, never the 6.1
# backport; no base-commit on the embedded target; a diffstat per
# alternative), the recipients (from data, each with its source, covering
# the real thread's To and Cc, no stable@, no self), that nothing is mailed
# without REFLECT=1 (a fake sendmail that records), and each refusal: no
# identity, a patch failing checkpatch, a bad recipients file, SEND=1
# without a terminal, and the SEND=1 gate: no check-series result, a real
# but partial one, one made from other patch files.  The gate opening, and
# a real SMTP delivery: t9100.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

# The embedded tree is made once (in an exported CACHE_DIR, else under
# $SCRATCH); the tests use a shared clone of it in their own cache, so they
# write nothing to anyone else's.
SRC_CACHE=${CACHE_DIR:-$SCRATCH/src-cache}
export CACHE_DIR=$SCRATCH/cache RESULTS_ROOT=$SCRATCH/results SRC_CACHE
# No test may reach a real mail server or the user's configuration: HOME is
# a scratch one whose sendemail.smtpServer is a program that only records.
export HOME=$SCRATCH/home
unset XDG_CONFIG_HOME GIT_CONFIG_GLOBAL LINUX_TREE SEND REFLECT
SENT=$HOME/sent
export SENT

test_expect_success 'setup: target tree, scratch home with a recording sendmail' '
	setup_target_clone &&
	printf "#!/bin/sh\nmkdir -p \"%s\"\nn=\$(ls \"%s\" | wc -l)\necho \"\$*\" >\"%s/\$n.args\"\ncat >\"%s/\$n.msg\"\n" \
		"$SENT" "$SENT" "$SENT" "$SENT" >"$HOME/sendmail" &&
	chmod +x "$HOME/sendmail" &&
	git config --global user.name "Test Sender" &&
	git config --global user.email sender@example.org &&
	git config --global sendemail.smtpServer "$HOME/sendmail" &&
	test "$(CACHE_DIR=$CACHE_DIR bash "$PROJECT_DIR/scripts/prepare-target.sh")" = "$CACHE_DIR/trees/embedded-6.1"
'

test_expect_success 'dry run: three messages, written and summarised, nothing sent' '
	bash "$PROJECT_DIR/scripts/send.sh" >out 2>err &&
	d=$RESULTS_ROOT/latest-send &&
	test "$(ls "$d"/*.eml | wc -l)" = 3 &&
	test -f "$d/series.mbox" &&
	test "$(grep -c "^From mboxrd@z" "$d/series.mbox")" = 3 &&
	test_grep "^send: dry run: nothing was sent" out &&
	! grep -l -e "TEST ONLY" -e "leak-submount-lookup" "$d"/*.eml "$d/series.mbox" &&
	for h in From To Cc Subject In-Reply-To; do test "$(grep -c "^    $h: " out)" = 3 || exit 1; done &&
	test ! -e "$SENT"
'

# hdr FILE NAME: a header of a message, unfolded.
cat >"$SCRATCH/hdr.sh" <<'EOF'
hdr() {
	awk -v h="$2" 'BEGIN { h = tolower(h) ":" } /^$/ { exit }
		/^[ \t]/ { if (on) { sub(/^[ \t]+/, " "); v = v $0 }; next }
		{ on = (tolower(substr($0, 1, length(h))) == h); if (on) v = substr($0, length(h) + 2) }
		END { print v }' "$1"
}
EOF

test_expect_success 'the thread looks like the seed: subjects, both patches reply to the cover' '
	. ./hdr.sh && cd "$RESULTS_ROOT/latest-send" &&
	set -- *.eml &&
	test "$(hdr "$1" Subject)" = "[PATCH 0/2] Fuse submount_lookup needs to be initialized" &&
	test "$(hdr "$2" Subject)" = "[PATCH 1/2] fuse: ensure submount_lookup is initialized on alloc" &&
	test "$(hdr "$3" Subject)" = "[PATCH v5 2/2] fuse: share lookup state between submount and its parent" &&
	cover=$(hdr "$1" Message-Id) && test -n "$cover" &&
	test -z "$(hdr "$1" In-Reply-To)" &&
	test "$(hdr "$2" In-Reply-To)" = "$cover" && test "$(hdr "$3" In-Reply-To)" = "$cover" &&
	test "$(hdr "$2" References)" = "$cover" && test "$(hdr "$3" References)" = "$cover" &&
	test "$(hdr "$1" From)" = "Test Sender <sender@example.org>"
'

test_expect_success 'each patch message carries its linux-next patch file exactly: message, trailers, notes, diff' '
	d=$RESULTS_ROOT/latest-send &&
	set -- "$d"/0001-*.eml "$PROJECT_DIR/patches/0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch" \
		"$d"/0002-*.eml "$PROJECT_DIR/patches/v5-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch" &&
	while [ $# -gt 0 ]; do
		git mailinfo m1 p1 <"$1" >i1 && git mailinfo m2 p2 <"$2" >i2 &&
		test_cmp m2 m1 &&
		sed "/^-- \$/,\$d" p1 | sed "\$d" >p1.nosig && test_cmp p2 p1.nosig &&
		grep "^Author\|^Email" i2 >a2 && grep "^Author\|^Email" i1 >a1 && test_cmp a2 a1 || exit 1
		shift 2
	done &&
	test_grep "^Changes since v4:" "$d"/0002-*.eml &&
	test_grep "^Reported-by: Chaitanya Kumar Borah" "$d"/0001-*.eml &&
	test_grep "^  2/2 carries patches/v5-0002-.*, the linux-next patch; this embedded target proves it through its backport patches/stable-6.1/v5-0002-" "$d/summary.txt"
'

test_expect_success 'v5 says what changed in its wording: v4'\''s typos MNT_DEATCH, deatched fixed' '
	d=$RESULTS_ROOT/latest-send &&
	test_grep "^MNT_DETACH operation" "$d"/0002-*.eml &&
	sed "/^---\$/q" "$d"/0002-*.eml >msg &&
	test_grep_not "DEATCH|deatched" msg &&
	sed -n "/^Changes since v4:/,/^\$/p" "$d"/0002-*.eml >changes &&
	test_grep "MNT_DEATCH is MNT_DETACH" changes &&
	test_grep "deatched is detached" changes
'

test_expect_success 'no base-commit on the embedded target (no reader can fetch it), and the summary says so' '
	d=$RESULTS_ROOT/latest-send &&
	test_grep_not "^base-commit:" "$d"/0000-*.eml &&
	test_grep "^  base-commit: left out: .*LINUX_TREE=" "$d/summary.txt"
'

test_expect_success 'the cover'\''s diffstat shows each alternative' '
	d=$RESULTS_ROOT/latest-send &&
	sed -n "/^1\/2 (incremental, on v4):/,/^---\$/p" "$d"/0000-*.eml >stat &&
	test_grep "^ fs/fuse/inode.c \| 1 \+\$" stat &&
	test_grep "^2/2 \(v5, on v4-reverted\):" stat &&
	test_grep "^ fs/fuse/fuse_i.h \| 15 \+" stat &&
	test_grep "^ 2 files changed, 87 insertions\(\+\), 3 deletions\(-\)\$" stat
'

# addrs: the bare addresses of a header value, one a line, lower case.
cat >>"$SCRATCH/hdr.sh" <<'EOF'
addrs() {
	sed 's/"[^"]*"//g' | tr , "\n" | sed "s/.*<//; s/>.*//; s/[[:space:]]//g" | tr "[:upper:]" "[:lower:]" | grep .
}
EOF

test_expect_success 'To/Cc: the real thread'\''s To and Cc, each once, no stable@, not the sender' '
	. ./hdr.sh &&
	R=$TEST_DATA/mail/real-thread/01-cover.eml &&
	hdr "$R" To | addrs | sort >real-to &&
	{ hdr "$R" To; echo ,; hdr "$R" Cc; } | addrs | sort >real-all &&
	test "$(wc -l <real-all)" = 17 &&
	cd "$RESULTS_ROOT/latest-send" &&
	for e in *.eml; do
		hdr "$e" To | addrs | sort >to &&
		test_cmp "$SCRATCH/real-to" to &&
		{ hdr "$e" To; echo ,; hdr "$e" Cc; } | addrs | sort >all &&
		test "$(comm -23 "$SCRATCH/real-all" all)" = "" &&
		test "$(uniq -d all)" = "" &&
		test_grep_not "^stable@vger.kernel.org\$|^sender@example.org\$" all || exit 1
	done
'

test_expect_success 'the summary names each address'\''s source; stable@ is shown as not mailed' '
	S=$RESULTS_ROOT/latest-send/summary.txt &&
	grep -A1 "^    To  linux-fsdevel@vger.kernel.org\$" "$S" >a && test_grep "get_maintainer.pl .*MAINTAINERS.snippet L: .*recipients: " a &&
	grep -A1 "^    Cc  intel-gfx@lists.freedesktop.org\$" "$S" >a && test_grep "recipients: Intel CI tests" a &&
	grep -A1 "^    Cc  Linux Kernel Functional Testing <lkft@linaro.org>\$" "$S" >a && test_grep "Reported-by: trailer of 0001-" a &&
	grep -A1 "^    not stable@vger.kernel.org\$" "$S" >a && test_grep "backport after the fix is merged" a &&
	test "$(grep -c "^    \(To\|Cc\) " "$S")" = 18
'

test_expect_success 'a recipients line without a reason: refused in one line, nothing written' '
	printf "cc someone@example.org\n" >bad-recipients &&
	before=$(ls "$RESULTS_ROOT" | wc -l) &&
	test_must_fail env RECIPIENTS=$SCRATCH/bad-recipients bash "$PROJECT_DIR/scripts/send.sh" >out 2>err &&
	test_grep "bad-recipients line 1: someone@example.org has no reason" err &&
	test "$(ls "$RESULTS_ROOT" | wc -l)" = "$before"
'

test_expect_success 'SEND=1 without a terminal refuses and sends nothing' '
	test_must_fail env SEND=1 bash "$PROJECT_DIR/scripts/send.sh" </dev/null >out 2>err &&
	test_grep "SEND=1 needs a terminal" err &&
	test ! -e "$SENT"
'

test_expect_success 'SEND=1 at a terminal, no make check-series yet: the gate refuses, nothing sent' '
	{ printf "yes\n" | script -qec "SEND=1 bash \"$PROJECT_DIR/scripts/send.sh\"" /dev/null >out 2>&1 || :; } &&
	test_grep "refusing to send: no make check-series result" out &&
	test_grep_not "Type .yes." out &&
	test ! -e "$SENT"
'

test_expect_success 'SEND=1 after a real but partial make check-series (STEPS=apply,checkpatch): refused, says what it did not run' '
	VARIANTS=incremental,v5 STEPS=apply,checkpatch bash "$PROJECT_DIR/scripts/check-series.sh" >cs.out 2>&1 || { cat cs.out; false; } &&
	jq -e ".series | length == 2" "$RESULTS_ROOT/latest/summary.json" &&
	{ printf "yes\n" | script -qec "SEND=1 bash \"$PROJECT_DIR/scripts/send.sh\"" /dev/null >out 2>&1 || :; } &&
	test_grep "refusing to send: the newest make check-series .* did not run step .* of variant control" out &&
	test ! -e "$SENT"
'

test_expect_success 'SEND=1 with a patch file changed since that run: refused, names the file' '
	cp -r "$PROJECT_DIR/patches" edited &&
	sed -i "s/^Changes since v4:\$/Changes since v4 (edited):/" edited/v5-0002-*.patch &&
	{ printf "yes\n" | script -qec "PATCHES_DIR=$SCRATCH/edited SEND=1 bash \"$PROJECT_DIR/scripts/send.sh\"" /dev/null >out 2>&1 || :; } &&
	test_grep "refusing to send: v5-0002-.* changed since the newest make check-series .*the diff is the same" out &&
	sed -i "s/^+\tfi->submount_lookup = NULL;\$/+\tfi->submount_lookup = 0;/" edited/0001-*.patch &&
	{ printf "yes\n" | script -qec "PATCHES_DIR=$SCRATCH/edited SEND=1 bash \"$PROJECT_DIR/scripts/send.sh\"" /dev/null >out 2>&1 || :; } &&
	test_grep "refusing to send: 0001-.* is not the file the newest make check-series .* proved \(its diff changed\)" out &&
	test ! -e "$SENT"
'

test_expect_success 'REFLECT=1: the messages go to the sender only, headers unchanged' '
	REFLECT=1 bash "$PROJECT_DIR/scripts/send.sh" >out 2>err &&
	test "$(ls "$SENT"/*.args | wc -l)" = 3 &&
	for a in "$SENT"/*.args; do test "$(cat "$a")" = "-i -f sender@example.org sender@example.org" || exit 1; done &&
	# (b4 hands the mail server CRLF lines)
	. ./hdr.sh &&
	for m in "$SENT"/*.msg; do tr -d "\r" <"$m" >m.txt && hdr m.txt To || exit 1; done | sort -u >to &&
	test "$(cat to)" = "Miklos Szeredi <miklos@szeredi.hu>, linux-fsdevel@vger.kernel.org" &&
	rm -rf "$SENT"
'

test_expect_success 'no user.name/user.email: refuses, says how to set them, writes nothing' '
	mkdir -p nohome &&
	before=$(ls "$RESULTS_ROOT" | wc -l) &&
	test_must_fail env HOME=$SCRATCH/nohome bash "$PROJECT_DIR/scripts/send.sh" >out 2>err &&
	test_grep "no git identity" err &&
	test_grep "git config --global user.email" err &&
	test "$(ls "$RESULTS_ROOT" | wc -l)" = "$before"
'

test_expect_success 'a patch failing checkpatch: refuses to send and names it' '
	cp -r "$PROJECT_DIR/patches" bad-patches &&
	sed -i "s/^+\tfi->submount_lookup = NULL;\$/+\tfi->submount_lookup = NULL;  /" \
		bad-patches/0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch &&
	before=$(ls "$RESULTS_ROOT" | wc -l) &&
	test_must_fail env PATCHES_DIR=$SCRATCH/bad-patches bash "$PROJECT_DIR/scripts/send.sh" >out 2>err &&
	test_grep "refusing to send: checkpatch" err &&
	test_grep "0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch" err &&
	test "$(ls "$RESULTS_ROOT" | wc -l)" = "$before" &&
	test ! -e "$SENT"
'

test_expect_success 'no scratch left behind' '
	test -z "$(find "$CACHE_DIR" "$RESULTS_ROOT" -maxdepth 1 -name ".tmp.*")"
'

test_done
