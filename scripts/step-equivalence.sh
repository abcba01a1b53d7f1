#!/bin/bash
# step-equivalence.sh VARIANT: the variant's tree must equal, byte for byte,
# the tree of the variant named in its same-as column (git tree ids: the
# whole tree and fs/fuse).  On the embedded target, also show how fs/fuse
# differs from the tree Debian ships: by exactly the one moved line
# (mainline folded the fix with the line after `fi->state = 0;`).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

v=${2:-${1:-}}
other=$(variant_same_as "$v")
if [ "${1:-}" = --key ]; then
	[ "$other" != "-" ] || exit "$KEY_NA"
	echo "$(target_id) $(plan_tree "$v") $(plan_tree "$other")"
	exit 0
fi

# The trees every job uses (the plan's; the apply step checks that git am
# gives them too).
for w in "$v" "$other"; do
	plan_commit "$w" >/dev/null 2>"$VARIANT_DIR/plan.err" ||
		{ echo "no tree for $w: $(tail -n 1 "$VARIANT_DIR/plan.err")" >"$STEP_SUMMARY"; exit "$STEP_SKIP"; }
done
rm -f "$VARIANT_DIR/plan.err"
a=$(plan_commit "$v")
b=$(plan_commit "$other")
ta=$(tgit rev-parse "$a^{tree}") tb=$(tgit rev-parse "$b^{tree}")
fa=$(tgit rev-parse "$a:fs/fuse") fb=$(tgit rev-parse "$b:fs/fuse")
ia=$(tgit rev-parse "$a:fs/fuse/inode.c") ib=$(tgit rev-parse "$b:fs/fuse/inode.c")
echo "$v:       tree $ta  fs/fuse $fa  fs/fuse/inode.c $ia"
echo "$other: tree $tb  fs/fuse $fb  fs/fuse/inode.c $ib"
if [ "$ta" != "$tb" ]; then
	tgit diff --stat "$b" "$a"
	tgit diff "$b" "$a" -- fs/fuse | head -100
	echo "$v and $other differ (trees ${ta:0:12} vs ${tb:0:12}): the alternatives are not the same fix" >"$STEP_SUMMARY"
	exit 1
fi
msg="same tree as $other: ${ta:0:12} (fs/fuse ${fa:0:12}, inode.c blob ${ia:0:12})"

if [ "$(target_kind)" = embedded ]; then
	debian=refs/tags/check-series/debian
	echo
	echo "== fs/fuse against Debian's shipped $EMBEDDED_PACKAGE (git diff debian $v -- fs/fuse)"
	tgit diff "$debian" "$a" -- fs/fuse | tee "$VARIANT_DIR/equivalence-vs-debian.diff"
	stat=$(tgit diff --numstat "$debian" "$a" -- fs/fuse)
	minus=$({ grep '^-[^-]' "$VARIANT_DIR/equivalence-vs-debian.diff" || true; } | sed 's/^-//')
	plus=$({ grep '^+[^+]' "$VARIANT_DIR/equivalence-vs-debian.diff" || true; } | sed 's/^+//')
	if [ "$stat" != "$(printf '1\t1\tfs/fuse/inode.c')" ] || [ "$minus" != "$plus" ]; then
		echo "fs/fuse differs from Debian's by more than one moved line: $stat" >"$STEP_SUMMARY"
		exit 1
	fi
	msg="$msg; vs Debian's 6.1.192 fs/fuse: one moved line ($(echo "$plus" | xargs))"
fi
echo "$msg" >"$STEP_SUMMARY"
