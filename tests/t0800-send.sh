#!/bin/bash
# make send: the dry run's exact messages (count, subjects, threading,
# trailers and diffs as in the patch files, To/Cc), that nothing is mailed
# without REFLECT=1 or SEND=1 (and then only through a fake sendmail that
# records), and each refusal: no identity, a patch failing checkpatch,
# SEND=1 without a terminal.
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

test_expect_success 'each patch message carries its patch file exactly: message, trailers, notes, diff' '
	d=$RESULTS_ROOT/latest-send &&
	set -- "$d"/0001-*.eml "$PROJECT_DIR/patches/0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch" \
		"$d"/0002-*.eml "$PROJECT_DIR/patches/stable-6.1/v5-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch" &&
	while [ $# -gt 0 ]; do
		git mailinfo m1 p1 <"$1" >i1 && git mailinfo m2 p2 <"$2" >i2 &&
		test_cmp m2 m1 &&
		sed "/^-- \$/,\$d" p1 | sed "\$d" >p1.nosig && test_cmp p2 p1.nosig &&
		grep "^Author\|^Email" i2 >a2 && grep "^Author\|^Email" i1 >a1 && test_cmp a2 a1 || exit 1
		shift 2
	done &&
	test_grep "^Changes since v4:" "$d"/0002-*.eml &&
	test_grep "^Reported-by: Chaitanya Kumar Borah" "$d"/0001-*.eml &&
	test_grep "^base-commit: $(git -C "$CACHE_DIR/trees/embedded-6.1" rev-parse refs/tags/check-series/base/v4)\$" "$d"/0000-*.eml &&
	test_grep "the patch mailed to linux-next is patches/v5-0002" "$d/summary.txt"
'

test_expect_success 'To/Cc: maintainer, lists, trailer Cc stable@, each once' '
	. ./hdr.sh && cd "$RESULTS_ROOT/latest-send" &&
	for e in *.eml; do
		test "$(hdr "$e" To)" = "Miklos Szeredi <miklos@szeredi.hu>" &&
		cc=$(hdr "$e" Cc) &&
		case $cc in *linux-fsdevel@vger.kernel.org*) ;; *) exit 1 ;; esac &&
		case $cc in *stable@vger.kernel.org*) ;; *) exit 1 ;; esac &&
		test "$(tr , "\n" <<<"$cc" | sed "s/.*<//; s/>.*//; s/ //g" | sort | uniq -d)" = "" || exit 1
	done
'

test_expect_success 'SEND=1 without a terminal refuses and sends nothing' '
	test_must_fail env SEND=1 bash "$PROJECT_DIR/scripts/send.sh" </dev/null >out 2>err &&
	test_grep "SEND=1 needs a terminal" err &&
	test ! -e "$SENT"
'

test_expect_success 'SEND=1 at a terminal, answered "no": nothing sent' '
	printf "no\n" | script -qec "SEND=1 bash \"$PROJECT_DIR/scripts/send.sh\"" /dev/null >out 2>&1 || :
	test_grep "not sent" out &&
	test ! -e "$SENT"
'

test_expect_success 'REFLECT=1: the messages go to the sender only, headers unchanged' '
	REFLECT=1 bash "$PROJECT_DIR/scripts/send.sh" >out 2>err &&
	test "$(ls "$SENT"/*.args | wc -l)" = 3 &&
	for a in "$SENT"/*.args; do test "$(cat "$a")" = "-i -f sender@example.org sender@example.org" || exit 1; done &&
	# (b4 hands the mail server CRLF lines)
	cat "$SENT"/*.msg | tr -d "\r" | grep "^To: " | sort -u >to &&
	test "$(cat to)" = "To: Miklos Szeredi <miklos@szeredi.hu>" &&
	rm -rf "$SENT"
'

test_expect_success 'SEND=1 at a terminal, answered "yes": git send-email keeps the thread and the Cc' '
	printf "yes\n" | script -qec "SEND=1 bash \"$PROJECT_DIR/scripts/send.sh\"" /dev/null >out 2>&1 &&
	test_grep "sent 3 messages" out &&
	test "$(ls "$SENT"/*.msg | wc -l)" = 3 &&
	for a in "$SENT"/*.args; do
		case $(cat "$a") in *miklos@szeredi.hu*stable@vger.kernel.org*) ;; *) exit 1 ;; esac
	done &&
	cover=$(grep -h "^Message-Id: .*-v1-0-" "$SENT"/*.msg | sed "s/^Message-Id: //") &&
	test "$(grep -l "^In-Reply-To: $cover" "$SENT"/*.msg | wc -l)" = 2 &&
	test_grep "^Subject: \[PATCH v5 2/2\]" "$(grep -l "^In-Reply-To: $cover" "$SENT"/*.msg | tail -n 1)" &&
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
