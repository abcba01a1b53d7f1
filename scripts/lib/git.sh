# shellcheck shell=bash
# lib/git.sh: the target tree, its refs, and the plan (each variant's tree) (sourced by scripts/lib.sh).

# ---- targets ----------------------------------------------------------------

# target_id: which tree the run works on: the embedded default or the
# user's LINUX_TREE (a scratch clone of it, keyed by its path).
target_id() {
	if [ -n "${LINUX_TREE:-}" ]; then
		echo "user-$(hash_string "$(realpath -m "$LINUX_TREE")" | cut -c1-10)"
	else
		echo "embedded-6.1"
	fi
}

target_kind() {
	if [ -n "${LINUX_TREE:-}" ]; then echo linux-next; else echo embedded; fi
}

target_dir() {
	echo "$CACHE_DIR/trees/$(target_id)"
}

# patch_file NAME: the file to apply for patch NAME on this target: the
# stable-6.1 backport of the same name on the embedded target, if any.  A
# name faults/FILE is a fault planted for a test-only variant: FAULTS_DIR/FILE
# (one file for both targets), never mailed (patch_is_mailed).
patch_file() {
	if patch_is_fault "$1"; then
		[ -f "$FAULTS_DIR/${1#faults/}" ] ||
			die "patch '$1' named in $(basename "$VARIANTS_FILE") is not in faults/: fix the variants file"
		echo "$FAULTS_DIR/${1#faults/}"
	elif [ "$(target_kind)" = embedded ] && [ -f "$EMBEDDED_BACKPORTS/$1" ]; then
		echo "$EMBEDDED_BACKPORTS/$1"
	elif [ -f "$PATCHES_DIR/$1" ]; then
		echo "$PATCHES_DIR/$1"
	else
		die "patch '$1' named in $(basename "$VARIANTS_FILE") is not in patches/: fix the variants file"
	fi
}

# base_ref BASE: the ref prepare-target.sh made for a base in the target.
base_ref() {
	echo "refs/tags/check-series/base/$1"
}

variant_ref() {
	echo "refs/tags/check-series/variant/$1"
}

# tgit ARGS: git in the target tree.
tgit() {
	git -C "$(target_dir)" "$@"
}

# git_am_or_abort REPO ARGS...: `git -C REPO am ARGS...` (options, then the
# mbox), and when it fails `git am --abort`, so that REPO is left on the
# commit before, not in the middle of an am that the next `git am` or
# checkout in it would trip over.  Returns git am's status; git am's output
# goes where the caller sends it (a log, a variable), the abort's nowhere.
# The caller says why it failed: each knows which message fits.
git_am_or_abort() {
	local repo=$1 rc=0
	shift
	git -C "$repo" am "$@" || rc=$?
	if [ $rc != 0 ]; then
		git -C "$repo" am --abort >/dev/null 2>&1 || true
	fi
	return $rc
}

# fuse_alloc_inode_has_init FILE: does fuse_alloc_inode() in FILE (an
# fs/fuse/inode.c) already initialise submount_lookup?
fuse_alloc_inode_has_init() {
	awk '/^static struct inode \*fuse_alloc_inode\(/ { f = 1 }
	     f && /fi->submount_lookup = NULL;/ { found = 1 }
	     f && /^}/ { f = 0 }
	     END { exit !found }' "$1"
}


# ---- the plan: each variant's tree, computed without a checkout -------------

# plan_commit VARIANT: a commit of the variant's tree: its base with its
# patches applied by `git apply --cached` in a scratch index.  Every job
# finds its tree this way, so that no step depends on another having run
# (the apply step checks that git am and quilt give this same tree).
# Cached by base commit and patch contents.  Fails with one line on stderr
# when a patch does not apply.
plan_commit() {
	local v=$1 base n f files=() key store idx tree c
	[ -z "${RUN_MEMO[plan_commit $v]:-}" ] || { echo "${RUN_MEMO[plan_commit $v]}"; return 0; }
	base=$(tgit rev-parse -q --verify "$(base_ref "$(variant_base "$v")")^{commit}") ||
		{ echo "no base $(variant_base "$v") in the target: prepare-target.sh did not run" >&2; return 1; }
	while read -r n; do
		[ -z "$n" ] || files+=("$(patch_file "$n")")
	done < <(variant_patches "$v")
	if [ ${#files[@]} = 0 ]; then
		echo "$base"
		return 0
	fi
	key=$(hash_string "$base $(hash_files "${files[@]}")")
	store=$CACHE_DIR/plan/$(target_id)/$key
	if [ -f "$store" ] && tgit rev-parse -q --verify "$(cat "$store")^{commit}" >/dev/null; then
		cat "$store"
		return 0
	fi
	idx=$(mktemp)
	GIT_INDEX_FILE=$idx tgit read-tree "$base"
	for f in "${files[@]}"; do
		if ! GIT_INDEX_FILE=$idx tgit apply --cached "$f" 2>"$idx.err"; then
			echo "$(basename "$f") does not apply on $(variant_base "$v"): $(grep -m1 . "$idx.err")" >&2
			rm -f "$idx" "$idx.err"
			return 1
		fi
	done
	tree=$(GIT_INDEX_FILE=$idx tgit write-tree)
	rm -f "$idx" "$idx.err"
	c=$(tgit commit-tree "$tree" -p "$base" -m "check-series: the planned tree of $(basename "${files[-1]}")")
	# A ref keeps the commit from any gc; named by its tree.
	tgit update-ref "refs/check-series/plan/$tree" "$c"
	mkdir -p "$(dirname "$store")"
	echo "$c" >"$store.tmp.$$"
	publish_file "$store.tmp.$$" "$store"
	echo "$c"
}

# plan_tree VARIANT: the git tree id of the variant ("none" if a patch
# does not apply).
plan_tree() {
	local c
	[ -z "${RUN_MEMO[plan_tree $1]:-}" ] || { echo "${RUN_MEMO[plan_tree $1]}"; return 0; }
	c=$(plan_commit "$1" 2>/dev/null) || { echo none; return 0; }
	tgit rev-parse "$c^{tree}"
}

