#!/bin/bash
# step-apply.sh VARIANT: apply the variant's patches on its base two ways,
# as maintainers do: `git am` in the target tree, and `quilt push -a` on the
# base's files; both must give the same files.  Records the variant commit
# as refs/tags/check-series/variant/VARIANT and its tree ids as facts, and
# checks that it is the tree every other job uses: the plan's (lib.sh
# plan_commit, git apply in a scratch index).  git am runs in a worktree
# of the job's own holding only the files the patches touch (sparse): a
# kernel tree's ~80k files are neither checked out nor stat'ed, the
# target's own checkout is left alone, and apply jobs run side by side.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

v=${2:-${1:-}}
base=$(variant_base "$v")
mapfile -t names < <(variant_patches "$v")
files=()
for n in "${names[@]}"; do files+=("$(patch_file "$n")"); done

if [ "${1:-}" = --key ]; then
	# The verdict depends on the base commit, the patches' contents, and
	# the variant ref still being there (a re-made tree loses it).
	echo "$(target_id) $(tgit rev-parse "$(base_ref "$base")") ${files[*]+$(hash_files "${files[@]}")}" \
		"$(tgit rev-parse -q --verify "$(variant_ref "$v")" || echo missing)" \
		"$(quilt --version 2>/dev/null)"
	exit 0
fi

require_tool quilt quilt
summary() { echo "$*" >"$STEP_SUMMARY"; }
dir=$(target_dir)

echo "== git am on $base ($(tgit rev-parse --short=12 "$(base_ref "$base")"))"
commit=$(tgit rev-parse "$(base_ref "$base")^{commit}")
touched=()
if [ ${#files[@]} != 0 ]; then
	mapfile -t touched < <(patch_paths "${files[@]}")
	scratch_worktree apply "$commit"
	wt=$SCRATCH_WT
	# The sparse patterns are the worktree's own; core.sparseCheckout
	# is given to the one command that checks out, so the target's
	# config stays as it is.
	sparse=$(git -C "$wt" rev-parse --path-format=absolute --git-path info/sparse-checkout)
	mkdir -p "$(dirname "$sparse")"
	patch_sparse_patterns "${files[@]}" >"$sparse"
	git -C "$wt" -c core.sparseCheckout=true read-tree -mu HEAD
	echo "(in $wt: the ${#touched[@]} file(s) the patches touch)"
fi
for f in ${files[@]+"${files[@]}"}; do
	echo "git am $(realpath --relative-to="$PROJECT_DIR" "$f")"
	rc=0
	out=$(git_am_or_abort "$wt" --committer-date-is-author-date "$f" 2>&1) || rc=$?
	echo "$out"
	if [ $rc != 0 ]; then
		why=$(grep -m1 -E '^error: patch failed|^error:' <<<"$out" || true)
		summary "$(basename "$f") does not apply on $base: ${why#error: }"
		exit 1
	fi
	commit=$(git -C "$wt" rev-parse HEAD)
done
planned=$(plan_tree "$v")
if [ "$planned" != "$(tgit rev-parse "$commit^{tree}")" ]; then
	summary "git am gives tree $(tgit rev-parse --short=12 "$commit^{tree}"), the plan (git apply) ${planned:0:12}: the other steps would check another tree"
	exit 1
fi
tgit tag -f "$(variant_ref "$v" | sed 's,^refs/tags/,,')" "$commit" >/dev/null
{
	echo "commit=$commit"
	echo "tree=$(tgit rev-parse "$commit^{tree}")"
	echo "fuse_tree=$(tgit rev-parse "$commit:fs/fuse")"
} >>"$FACTS"
cat "$FACTS"

if [ ${#files[@]} = 0 ]; then
	summary "no patches: the $base base as it is"
	exit 0
fi

echo "== quilt push -a on $base's files"
q=$VARIANT_DIR/quilt
rm -rf "$q"
mkdir -p "$q/tree" "$q/patches"
# Files a patch creates are not in the base: archive only those that are.
mapfile -t existing < <(tgit ls-tree -r --name-only "$(base_ref "$base")" -- "${touched[@]}")
[ ${#existing[@]} = 0 ] || tgit archive "$(base_ref "$base")" -- "${existing[@]}" | tar -x -C "$q/tree"
for f in "${files[@]}"; do
	cp "$f" "$q/patches/"
	basename "$f" >>"$q/patches/series"
done
if ! (cd "$q/tree" && QUILT_PATCHES=../patches quilt --quiltrc=- push -a); then
	summary "quilt push -a failed on $base (log: the apply step's log, $q)"
	exit 1
fi
for f in "${touched[@]}"; do
	if ! tgit show "$commit:$f" | cmp -s - "$q/tree/$f"; then
		summary "git am and quilt push -a disagree on $f"
		exit 1
	fi
done
rm -rf "$q"
summary "${#files[@]} patch(es) applied by git am and quilt push -a, same result: $(git -C "$dir" rev-parse --short=12 "$commit")"
