#!/bin/bash
# am.sh: take the mailed series as a maintainer does and apply one of its
# alternatives, twice: `git am` of its message from the mbox, and `b4 am`
# of the same mbox (offline); both must give the tree of the variant that
# make check-series builds (refs/tags/check-series/variant/VARIANT).
#
#   make am VARIANT=incremental   1/2 on v4 (the one-line fix)
#   make am VARIANT=v5            2/2 on v4 reverted (v5 of the whole change)
#   MBOX=file                     the thread to take, as saved from a mail
#                                 client or lore (mbox or mboxrd, LF or CRLF,
#                                 any list's copy); default: the one the last
#                                 make send wrote, results/latest-send/ (made
#                                 by a dry run first if there is none)
#   LINUX_TREE=/path              the user's linux-next tree: the branch is
#                                 left in a scratch clone, with the command to
#                                 fetch it; nothing is written to their tree
#
# The mail is what is checked, not the project's files: the variant's
# message is found by its title and revision, read as b4 reads a subject
# (every bracket group: "[PATCH v5 2/2]", "[v5 PATCH 2/2]", "[Intel-gfx]
# [PATCH 1/2]"); a message that came twice (two lists) counts once, by
# Message-ID; a reply ("Re:"), or a message whose diff is quoted, is no
# patch.  b4 am must keep every trailer of that message, and its diff must
# give the variant's tree.  Bad mail (HTML only, lines wrapped or tabs
# turned to spaces by a mail client, a linux-next patch on the embedded
# 6.1 target) gets one line saying what is wrong; nothing is left applied.
#
# The branches am/VARIANT (git am) and am/VARIANT-b4 (b4 am) are left in
# $CACHE_DIR/am/<target>/VARIANT, a sparse scratch clone of the target tree.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# ---- which variant: exactly one, and one that was mailed ------------------------

mailed=()
for v in $(variant_names); do ! variant_is_mailed "$v" || mailed+=("$v"); done
want=${VARIANT:-}
want=${want//,/ }
read -r -a asked <<<"$want"
[ ${#asked[@]} -gt 0 ] || die "say which alternative to apply: make am VARIANT=${mailed[0]} or $(printf 'VARIANT=%s ' "${mailed[@]:1}")(see the variants file)"
for v in "${asked[@]}"; do
	variant_exists "$v" || die "unknown variant '$v' in VARIANT=: the mailed ones are ${mailed[*]}"
done
if [ ${#asked[@]} -gt 1 ]; then
	# Name what each is, so the error explains why only one can go in.
	what=()
	for v in "${asked[@]}"; do
		what+=("$v = $(variant_patches "$v" | tr '\n' ' ')on $(variant_base "$v")")
		s=$(variant_same_as "$v")
		[ "$s" = - ] || what+=("($v must give the same tree as $s)")
	done
	die "VARIANT=${VARIANT}: these are alternatives, not a stack: ${what[*]}; the series offers one fix two ways and a maintainer applies one of them: run make am with one VARIANT= at a time"
fi
v=${asked[0]}
mapfile -t names < <(variant_patches "$v")
[ ${#names[@]} -gt 0 ] || die "variant $v mails no patch (it is a reference tree): make am applies a mailed one: ${mailed[*]}"
variant_is_mailed "$v" || die "variant $v carries a planted fault ($(variant_patches "$v" | grep '^faults/' | paste -sd' ')): it is the project's own test, never mailed; make am applies a mailed one: ${mailed[*]}"
base=$(variant_base "$v")

require_tool b4 b4
# A maintainer commits as themselves, when they have said who they are;
# without an identity the scratch clone commits as lib.sh's fixed one, and
# b4 (which needs user.email) is given that one for its scratch work.
identity=user
if [ -n "$(git config user.name || true)" ] && [ -n "$(git config user.email || true)" ]; then
	unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_AUTHOR_DATE GIT_COMMITTER_DATE
else
	identity=scratch
	note "no git identity (user.name/user.email): the scratch branches are committed as $GIT_COMMITTER_NAME <$GIT_COMMITTER_EMAIL>; to commit as yourself: git config --global user.name 'Your Name' && git config --global user.email you@example.org"
fi

# ---- the mbox: resolved here, before anything changes directory ---------------------

mbox=${MBOX:-}
[ -z "$mbox" ] || mbox=$(realpath -m -- "$mbox")
if [ -z "$mbox" ]; then
	mbox=$RESULTS_ROOT/latest-send/series.mbox
	made_for=$(sed -n '1s/.*, target [^ ]* (\([^)]*\)).*/\1/p' "$RESULTS_ROOT/latest-send/summary.txt" 2>/dev/null || true)
	if [ ! -f "$mbox" ] || [ "$made_for" != "$(target_id)" ]; then
		note "no dry-run messages for this target yet: running make send (dry run) first"
		REFLECT=0 SEND=0 bash "$PROJECT_DIR/scripts/send.sh" >&2 || die "make send (dry run) failed: fix what it said, then run make am again"
	fi
fi
[ -f "$mbox" ] || die "MBOX=$mbox does not exist: run make send first, or point MBOX= at the thread saved from your mail client"

# ---- scratch: the clone is made aside and moved into place when it is right ----

target=$(bash "$PROJECT_DIR/scripts/prepare-target.sh") || die "could not prepare the target tree"
mkdir -p "$CACHE_DIR/am/$(target_id)"
final=$CACHE_DIR/am/$(target_id)/$v
work=$(mktemp -d "$CACHE_DIR/am/$(target_id)/.tmp.$v.XXXXXX")
cleanup() { [ -z "$work" ] || rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
log=$work/am.log

# The variant as check-series builds it: the same step, so the same tree.
step_begin "variant $v as make check-series builds it (scripts/step-apply.sh)"
mkdir -p "$work/step"
RUN_DIR=${RUN_DIR:-$work/step} STEP_SUMMARY=$work/step/summary FACTS=$work/step/facts VARIANT_DIR=$work/step \
	bash "$PROJECT_DIR/scripts/step-apply.sh" "$v" >"$work/step/log" 2>&1 </dev/null ||
	die "variant $v does not build from its patches: $(head -n 1 "$work/step/summary" 2>/dev/null)"
want_tree=$(tgit rev-parse "$(variant_ref "$v")^{tree}")
step_end

# ---- the thread: messages once each, patches told from replies ----------------------

# hdr FILE NAME: a header of a message, unfolded (first occurrence).
hdr() {
	awk -v h="$2" 'BEGIN { h = tolower(h) ":" } /^\r?$/ { exit }
		/^[ \t]/ { if (on) { sub(/^[ \t]+/, " "); v = v $0 }; next }
		{ if (on) exit; on = (tolower(substr($0, 1, length(h))) == h); if (on) v = substr($0, length(h) + 1) }
		END { sub(/^[ \t]+/, "", v); sub(/[ \t\r]+$/, "", v); print v }' "$1"
}
# subject_revision SUBJECT: the revision, read as b4 reads it: any "vN"
# word in any leading bracket group (list tags like [Intel-gfx] included).
subject_revision() {
	local r
	r=$(sed -E 's/^((\[[^]]*\]|[Rr][Ee]:|[Ff][Ww][Dd]?:|[[:space:]])*).*/\1/' <<<"$1" |
		grep -oE '\[[^]]*\]' | grep -oiE '(^|[^[:alnum:]])v[0-9]+([^[:alnum:]]|$)' | grep -oE '[0-9]+' | head -n 1 || true)
	echo "${r:-1}"
}
# subject_is_reply SUBJECT: "Re:" (or "Fwd:") among its prefixes.
subject_is_reply() {
	sed -E 's/^((\[[^]]*\]|[[:space:]])*)//' <<<"$1" | grep -qiE '^(re|fwd?):'
}

mkdir -p "$work/split" "$work/msg"
# --mboxrd: unescape ">From " lines; CRLF line ends are dropped (the default).
git mailsplit --mboxrd -o"$work/split" "$mbox" >/dev/null 2>&1 || die "MBOX=$mbox is not an mbox: give the thread as saved from make send, lore or a mail client"
mapfile -t split < <(find "$work/split" -type f | sort)
[ ${#split[@]} -gt 0 ] || die "MBOX=$mbox holds no message: give the thread as saved from make send, lore or a mail client"
# One file per Message-ID, in mbox order; a table: FILE<TAB>KIND<TAB>SUBJECT.
: >"$work/index"
declare -A seen_id=()
dups=0
for m in "${split[@]}"; do
	id=$(hdr "$m" Message-ID | tr '[:upper:]' '[:lower:]' | tr -d ' ')
	if [ -n "$id" ] && [ -n "${seen_id[$id]:-}" ]; then
		dups=$((dups + 1))
		continue
	fi
	[ -z "$id" ] || seen_id[$id]=1
	subj=$(git mailinfo -k "$work/m.msg" "$work/m.patch" <"$m" 2>/dev/null | sed -n 's/^Subject: //p')
	ct=$(hdr "$m" Content-Type | tr '[:upper:]' '[:lower:]')
	if subject_is_reply "$subj"; then
		kind="reply"
	elif [[ $ct == text/html* ]] || { [[ $ct == multipart/* ]] && ! grep -qi '^Content-Type:[[:space:]]*text/plain' "$m"; }; then
		kind="html"
	elif [ -s "$work/m.patch" ]; then
		kind="patch"
	else
		kind="other"
	fi
	printf '%s\t%s\t%s\n' "$m" "$kind" "$subj" >>"$work/index"
done
[ "$dups" = 0 ] || note "$dups message(s) came more than once (same Message-ID, e.g. from two lists): each is taken once"
grep -q "$(printf '\t')patch$(printf '\t')" "$work/index" || grep -q "$(printf '\t')html$(printf '\t')" "$work/index" ||
	die "MBOX=$mbox has no patch in it ($(wc -l <"$work/index") message(s), none with a diff that is not quoted): save the thread with its [PATCH] messages (b4 mbox, or lore's mbox.gz)"

# The variant's messages: the title and revision of each of its patch files.
msgs=()
revs=()
for n in "${names[@]}"; do
	title=$(subject_title "$(patch_subject "$PATCHES_DIR/$n")")
	rev=$(subject_revision "$(patch_subject "$PATCHES_DIR/$n")")
	m="" html="" other=""
	while IFS=$'\t' read -r f kind subj; do
		[ "$(subject_title "$subj")" = "$title" ] || continue
		[ "$(subject_revision "$subj")" = "$rev" ] || { other="$subj"; continue; }
		case $kind in patch) m=$f && break ;; html) html=$f ;; esac
	done <"$work/index"
	if [ -z "$m" ] && [ -n "$html" ]; then
		die "\"$(hdr "$html" Subject)\" in MBOX= is HTML only: git am and b4 take plain text, and the kernel's lists drop HTML mail; ask for it again as plain text (git send-email, b4 send), or save it from lore"
	fi
	[ -n "$m" ] || die "MBOX=$mbox has no patch \"$title\" v$rev ($n)${other:+ (only \"$other\")}: it is not this series' thread; run make send, or set MBOX="
	msgs+=("$m")
	revs+=("$rev")
done
[ "$(printf '%s\n' "${revs[@]}" | sort -u | wc -l)" = 1 ] ||
	die "variant $v's messages carry different revisions (${revs[*]}): b4 am cannot take them as one series"

# The thread again, as one clean mbox (each message once, LF): b4 am's input.
cut -f1 "$work/index" | while IFS= read -r m; do
	echo "From mboxrd@z Thu Jan  1 00:00:00 1970"
	sed -E 's/^(>*From )/>\1/' "$m"
	echo
done >"$work/thread.mbox"

clone=$work/tree
git clone -q --shared --no-checkout "$target" "$clone"
git -C "$clone" config gc.auto 0
mapfile -t touched < <(cat "${msgs[@]}" | sed -n 's/^diff --git a\/\([^ ]*\) .*/\/\1/p' | sort -u)
git -C "$clone" sparse-checkout set --no-cone '/*' '!/*/' "${touched[@]}"
if [ "$identity" = scratch ]; then
	git -C "$clone" config user.name "$GIT_COMMITTER_NAME"
	git -C "$clone" config user.email "$GIT_COMMITTER_EMAIL"
fi

# why_not_applied MSG: one line on why git am of MSG failed in the clone.
why_not_applied() {
	local m=$1 subj err blob
	subj=$(hdr "$m" Subject)
	git mailinfo "$work/w.msg" "$work/w.patch" <"$m" >/dev/null 2>&1 || true
	err=$(grep -m1 -E '^error|^fatal|corrupt' "$log" || tail -n 1 "$log")
	if grep -q 'corrupt patch' "$log"; then
		echo "the patch in \"$subj\" is corrupt ($err): a mail client wrapped its long lines; ask for it again sent with git send-email or b4 send, or save the raw message from lore"
	elif git -C "$clone" apply --check --ignore-whitespace "$work/w.patch" >/dev/null 2>&1; then
		echo "the patch in \"$subj\" does not apply, but does when whitespace is ignored: a mail client turned its tabs into spaces; ask for it again sent with git send-email or b4 send"
	elif [ "$(target_kind)" = embedded ]; then
		blob=$(sed -n 's/^index \([0-9a-f]*\)\.\..*/\1/p' "$work/w.patch" | head -n 1)
		if [ -n "$blob" ] && ! git -C "$clone" cat-file -e "$blob^{blob}" 2>/dev/null; then
			echo "\"$subj\" is a linux-next patch (its files, e.g. blob $blob, are not in the embedded 6.1 tree; $err): give its base with LINUX_TREE=/path/to/linux-next (next-20231109, which has v4)"
		else
			echo "\"$subj\" does not apply on $base: $err"
		fi
	else
		echo "\"$subj\" does not apply on $base: $err"
	fi
}

# ---- round trip 1: git am of the messages ------------------------------------------

step_begin "git am of $(printf '%s ' "${names[@]}")on $base"
git -C "$clone" checkout -q -b "am/$v" "$(base_ref "$base")"
for m in "${msgs[@]}"; do
	git_am_or_abort "$clone" -q "$m" >>"$log" 2>&1 || die "$(why_not_applied "$m")"
done
git_tree=$(git -C "$clone" rev-parse "HEAD^{tree}")
step_end

# ---- round trip 2: b4 am of the same mbox, offline -----------------------------------

step_begin "b4 am -v ${revs[0]} of the same mbox (offline) on $base"
# -m FILE trips over the folded Subject headers b4 itself writes; stdin does not.
mkdir -p "$work/b4"
(cd "$clone" && b4 --offline-mode --no-stdin am -v "${revs[0]}" -m - -o "$work/b4" <"$work/thread.mbox") >"$work/b4.log" 2>&1 ||
	die "b4 am failed: $(tail -n 2 "$work/b4.log" | tr '\n' ' ')"
mapfile -t mbx < <(find "$work/b4" -name '*.mbx')
[ ${#mbx[@]} = 1 ] || die "b4 am wrote ${#mbx[@]} .mbx files, expected one: $(tr '\n' ' ' <"$work/b4.log")"
git -C "$clone" checkout -q -b "am/$v-b4" "$(base_ref "$base")"
git_am_or_abort "$clone" -q "${mbx[0]}" >>"$log" 2>&1 ||
	die "git am of b4 am's ${mbx[0]##*/} fails on $base: $(grep -m1 -E '^error' "$log" || tail -n 1 "$log")"
b4_tree=$(git -C "$clone" rev-parse "HEAD^{tree}")
# Every trailer of every message taken must survive b4 am.
for i in "${!msgs[@]}"; do
	git mailinfo "$work/msg/$i" "$work/diff" <"${msgs[$i]}" >/dev/null
	got=$(git -C "$clone" log -1 --format=%B "HEAD~$((${#msgs[@]} - 1 - i))")
	while IFS= read -r t; do
		grep -qxF -- "$t" <<<"$got" || die "b4 am lost the trailer \"$t\" of \"$(hdr "${msgs[$i]}" Subject)\""
	done < <(git interpret-trailers --parse <"$work/msg/$i")
done
git -C "$clone" checkout -q "am/$v"
step_end

# ---- verdict -------------------------------------------------------------------------

# What b4 said about the thread, shown, not hidden: the mixed revisions are
# the two alternatives, and b4's suggested base is the cover's base-commit.
echo "am: b4 am said:"
grep -E 'WARNING|ERROR|latest revision|Base:' "$work/b4.log" | sed 's/^ */    /' || true
echo "am: that is expected: the thread holds $(printf '%s\n' "${mailed[@]}" | wc -l) alternatives, which b4 sees as separate revisions of one series; -v ${revs[0]} picks $v's (${names[*]}), on $base as the variants file says, whatever base-commit the cover names"
[ "$git_tree" = "$want_tree" ] || die "git am round trip gives tree $git_tree, but variant $v built by check-series is $want_tree: the mailed messages differ from the patches"
[ "$b4_tree" = "$want_tree" ] || die "b4 am round trip gives tree $b4_tree, but variant $v built by check-series is $want_tree"
echo "am: $v: git am and b4 am of the mailed messages both give tree $want_tree, the tree of $(variant_ref "$v")"

# Replaced by hand, as prepare-target.sh replaces a tree: no rename
# replaces a non-empty directory, so publish_file's promise cannot hold.
rm -rf "$final"
mv "$work" "$final.tmp" && mv "$final.tmp/tree" "$final" && rm -rf "$final.tmp"
work=""
echo "am: branches am/$v (git am) and am/$v-b4 (b4 am) in $final"
if [ -n "${LINUX_TREE:-}" ]; then
	echo "am: to take it into your tree (this run wrote nothing there):"
	echo "      git -C $LINUX_TREE fetch $final am/$v:am/$v"
fi
