#!/bin/bash
# am.sh: take the mailed series as a maintainer does and apply one of its
# alternatives, twice: `git am` of its message from the mbox, and `b4 am`
# of the same mbox (offline); both must give the tree of the variant that
# make check-series builds (refs/tags/check-series/variant/VARIANT).
#
#   make am VARIANT=incremental   1/2 on v4 (the one-line fix)
#   make am VARIANT=v5            2/2 on v4 reverted (v5 of the whole change)
#   MBOX=file                     the thread to take (default: the one the
#                                 last make send wrote, results/latest-send/;
#                                 made by a dry run first if there is none)
#   LINUX_TREE=/path              the user's linux-next tree: the branch is
#                                 left in a scratch clone, with the command to
#                                 fetch it; nothing is written to their tree
#
# The branches am/VARIANT (git am) and am/VARIANT-b4 (b4 am) are left in
# $CACHE_DIR/am/<target>/VARIANT, a sparse scratch clone of the target tree.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# ---- which variant: exactly one, and one that was mailed ------------------------

mailed=()
for v in $(variant_names); do [ -z "$(variant_patches "$v")" ] || mailed+=("$v"); done
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
base=$(variant_base "$v")

require_tool b4 b4
# A maintainer commits as themselves, when they have said who they are.
if [ -n "$(git config user.name || true)" ] && [ -n "$(git config user.email || true)" ]; then
	unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_AUTHOR_DATE GIT_COMMITTER_DATE
fi

# ---- the mbox: the dry run's messages ---------------------------------------------

mbox=${MBOX:-}
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
STEP_SUMMARY=$work/step/summary FACTS=$work/step/facts VARIANT_DIR=$work/step \
	bash "$PROJECT_DIR/scripts/step-apply.sh" "$v" >"$work/step/log" 2>&1 </dev/null ||
	die "variant $v does not build from its patches: $(head -n 1 "$work/step/summary" 2>/dev/null)"
want_tree=$(tgit rev-parse "$(variant_ref "$v")^{tree}")
step_end

# Pick the variant's messages out of the thread by their subjects.
mkdir -p "$work/split"
git mailsplit -o"$work/split" "$mbox" >/dev/null || die "$mbox is not an mbox: give the thread as saved from make send or a mail client"
msgs=()
revs=()
for n in "${names[@]}"; do
	f=$(patch_file "$n")
	title=$(subject_title "$(patch_subject "$f")")
	m=""
	for s in "$work"/split/*; do
		[ "$(subject_title "$(patch_subject "$s")")" = "$title" ] && m=$s && break
	done
	[ -n "$m" ] || die "$mbox has no message \"$title\" ($n): it is not this series' thread; run make send, or set MBOX="
	msgs+=("$m")
	# b4 am picks one revision of the thread: this variant's.
	r=$(patch_subject "$m" | grep -oE '^\[[^]]*\]' | grep -oE '\bv[0-9]+\b' | tr -d v || true)
	revs+=("${r:-1}")
done
[ "$(printf '%s\n' "${revs[@]}" | sort -u | wc -l)" = 1 ] ||
	die "variant $v's messages carry different revisions (${revs[*]}): b4 am cannot take them as one series"

clone=$work/tree
git clone -q --shared --no-checkout "$target" "$clone"
mapfile -t touched < <(grep -h '^diff --git a/' "${msgs[@]}" | awk '{ print "/" substr($3, 3) }' | sort -u)
git -C "$clone" sparse-checkout set --no-cone '/*' '!/*/' "${touched[@]}"

# ---- round trip 1: git am of the messages ------------------------------------------

step_begin "git am of $(printf '%s ' "${names[@]}")on $base"
git -C "$clone" checkout -q -b "am/$v" "$(base_ref "$base")"
for m in "${msgs[@]}"; do
	if ! git -C "$clone" am -q "$m" >>"$log" 2>&1; then
		git -C "$clone" am --abort >/dev/null 2>&1 || true
		die "git am of \"$(patch_subject "$m")\" fails on $base: $(grep -m1 -E '^error' "$log" || tail -n 1 "$log")"
	fi
done
git_tree=$(git -C "$clone" rev-parse "HEAD^{tree}")
step_end

# ---- round trip 2: b4 am of the same mbox, offline -----------------------------------

step_begin "b4 am -v ${revs[0]} of the same mbox (offline) on $base"
# -m FILE trips over the folded Subject headers b4 itself writes; stdin does not.
mkdir -p "$work/b4"
(cd "$clone" && b4 --offline-mode --no-stdin am -v "${revs[0]}" -m - -o "$work/b4" <"$mbox") >"$work/b4.log" 2>&1 ||
	die "b4 am failed: $(tail -n 2 "$work/b4.log" | tr '\n' ' ')"
mapfile -t mbx < <(find "$work/b4" -name '*.mbx')
[ ${#mbx[@]} = 1 ] || die "b4 am wrote ${#mbx[@]} .mbx files, expected one: $(tr '\n' ' ' <"$work/b4.log")"
git -C "$clone" checkout -q -b "am/$v-b4" "$(base_ref "$base")"
if ! git -C "$clone" am -q "${mbx[0]}" >>"$log" 2>&1; then
	git -C "$clone" am --abort >/dev/null 2>&1 || true
	die "git am of b4 am's ${mbx[0]##*/} fails on $base: $(grep -m1 -E '^error' "$log" || tail -n 1 "$log")"
fi
b4_tree=$(git -C "$clone" rev-parse "HEAD^{tree}")
# Every trailer of every patch file must survive b4 am.
for i in "${!names[@]}"; do
	git mailinfo "$work/msg" "$work/diff" <"$(patch_file "${names[$i]}")" >/dev/null
	got=$(git -C "$clone" log -1 --format=%B "HEAD~$((${#names[@]} - 1 - i))")
	while IFS= read -r t; do
		grep -qxF -- "$t" <<<"$got" || die "b4 am lost the trailer \"$t\" of ${names[$i]}"
	done < <(grep -E '^[A-Za-z-]+: ' "$work/msg")
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

rm -rf "$final"
mv "$work" "$final.tmp" && mv "$final.tmp/tree" "$final" && rm -rf "$final.tmp"
work=""
echo "am: branches am/$v (git am) and am/$v-b4 (b4 am) in $final"
if [ -n "${LINUX_TREE:-}" ]; then
	echo "am: to take it into your tree (this run wrote nothing there):"
	echo "      git -C $LINUX_TREE fetch $final am/$v:am/$v"
fi
