#!/bin/bash
# prepare-target.sh: make the tree the variants are applied to, with one ref
# per base (see the variants file), under the cache.  Prints its path.
#
#   embedded default (no LINUX_TREE): Debian's linux-source-6.1 extracted and
#     committed, then the history recipe patches/stable-6.1/history-*.patch:
#     the tree before v4 (no submount-lookup code), then v4 as a 6.1 backport.
#   LINUX_TREE=/path/to/linux-next: a scratch clone (git clone --shared) of
#     the user's tree at its HEAD; nothing is ever written to their tree.
#
# Either way the bases are v4 (the tree with v4, not fixed) and v4-reverted
# (git revert of v4 on top), as tags refs/tags/check-series/base/<name>.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# Remove a half-made tree if we are interrupted or fail.
_tmp=""
cleanup() {
	if [ -n "$_tmp" ] && [ -d "$_tmp" ]; then rm -rf "$_tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# make_v4_reverted DIR V4: the v4-reverted base: git revert of V4 on base/v4.
make_v4_reverted() {
	local dir=$1 v4=$2
	git -C "$dir" checkout -q -f --detach "$(base_ref v4)"
	if ! git -C "$dir" revert --no-edit "$v4" >"$dir/.git/check-series-revert.log" 2>&1; then
		git -C "$dir" revert --abort >/dev/null 2>&1 || true
		die "v4 ($(git -C "$dir" log -1 --format='%h %s' "$v4")) does not revert cleanly on HEAD: $(grep -m1 -E 'CONFLICT|error' "$dir/.git/check-series-revert.log")"
	fi
	rm -f "$dir/.git/check-series-revert.log"
	git -C "$dir" tag -f "$(base_ref v4-reverted | sed 's,^refs/tags/,,')" HEAD >/dev/null
}

# no_gc DIR: no automatic gc in our trees: on a kernel repo it runs for
# minutes, in the background, while we work (or while a test cleans up).
no_gc() {
	git -C "$1" config gc.auto 0
	git -C "$1" config maintenance.auto false
}

tag() {
	git -C "$1" tag -f "${2#refs/tags/}" "$3" >/dev/null
}

prepare_embedded() {
	local dir key stamp p
	dir=$(target_dir)
	require_file "$EMBEDDED_TARBALL" "$EMBEDDED_PACKAGE"
	local history=("$EMBEDDED_BACKPORTS"/history-*.patch)
	key="$(stat -c '%n %s %Y' "$EMBEDDED_TARBALL") $(hash_files "${history[@]}")"
	stamp=$dir/.git/check-series-recipe
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then
		echo "$dir"
		return
	fi
	require_disk "$CACHE_DIR" 4
	mkdir -p "$CACHE_DIR/trees"
	_tmp=$(mktemp -d "$CACHE_DIR/trees/.tmp.embedded.XXXXXX")

	step_begin "extracting $(basename "$EMBEDDED_TARBALL")"
	tar -xJf "$EMBEDDED_TARBALL" -C "$_tmp" --strip-components=1
	step_end
	step_begin "committing the Debian tree (git add of ~75,000 files)"
	git -C "$_tmp" init -q
	no_gc "$_tmp"
	# Debian's top-level .gitignore ends with "/*": add with -f, the tree
	# is pristine source.
	git -C "$_tmp" add -f -A .
	git -C "$_tmp" commit -q -m "Debian $EMBEDDED_PACKAGE $(sed -n 's/^SUBLEVEL = //p' "$_tmp/Makefile" | sed 's/^/6.1./')"
	tag "$_tmp" refs/tags/check-series/debian HEAD
	step_end
	step_begin "recreating the tree before v4, then v4 (patches/stable-6.1/history-*.patch)"
	for p in "${history[@]}"; do
		if ! git_am_or_abort "$_tmp" -q --committer-date-is-author-date "$p" >"$_tmp/.git/check-series-am.log" 2>&1; then
			die "history patch $(basename "$p") does not apply to $EMBEDDED_PACKAGE: $(grep -m1 -E 'error|failed' "$_tmp/.git/check-series-am.log")"
		fi
		case $p in
		*history-0001-*) tag "$_tmp" refs/tags/check-series/before-v4 HEAD ;;
		esac
	done
	rm -f "$_tmp/.git/check-series-am.log"
	tag "$_tmp" "$(base_ref v4)" HEAD
	make_v4_reverted "$_tmp" "$(base_ref v4)"
	step_end

	# Replaced by hand, not with publish_file: no rename replaces a
	# non-empty directory, so a reader (a lane's worktree) between the rm
	# and the mv finds no tree, not the old or new one the helper promises.
	rm -rf "$dir"
	echo "$key" >"$_tmp/.git/check-series-recipe"
	mv "$_tmp" "$dir"
	_tmp=""
	echo "$dir"
}

# find_v4 REPO: the v4 commit, by subject (V4_COMMIT= overrides).
find_v4() {
	local repo=$1 c
	if [ -n "${V4_COMMIT:-}" ]; then
		c=$(git -C "$repo" rev-parse -q --verify "${V4_COMMIT}^{commit}") ||
			die "V4_COMMIT=$V4_COMMIT is not a commit in $LINUX_TREE"
		git -C "$repo" merge-base --is-ancestor "$c" HEAD ||
			die "V4_COMMIT=$V4_COMMIT is not in the history of $LINUX_TREE's HEAD"
	else
		c=$(git -C "$repo" log -1 --format=%H -F --grep="$V4_SUBJECT" HEAD -- fs/fuse/inode.c |
			head -1)
		# Only a commit whose subject is exactly v4's (not a revert of it).
		if [ -n "$c" ] && [ "$(git -C "$repo" log -1 --format=%s "$c")" != "$V4_SUBJECT" ]; then
			c=""
		fi
		[ -n "$c" ] ||
			die "$LINUX_TREE does not contain v4 (\"$V4_SUBJECT\", 513dfacefd71 in linux-next): use a linux-next tree of Nov 2023, or name it with V4_COMMIT="
	fi
	echo "$c"
}

prepare_user() {
	local tree=$LINUX_TREE dir head v4 inode
	[ -d "$tree" ] || die "LINUX_TREE=$tree does not exist: point it at a linux-next git tree"
	git -C "$tree" rev-parse --git-dir >/dev/null 2>&1 ||
		die "LINUX_TREE=$tree is not a git repository: point it at a linux-next git tree"
	if ! git -C "$tree" cat-file -e HEAD:fs/fuse/inode.c 2>/dev/null ||
		! git -C "$tree" cat-file -e HEAD:scripts/checkpatch.pl 2>/dev/null; then
		die "LINUX_TREE=$tree is not a kernel tree (no fs/fuse/inode.c or scripts/checkpatch.pl at HEAD)"
	fi
	head=$(git -C "$tree" rev-parse HEAD)
	v4=$(find_v4 "$tree")
	inode=$(mktemp)
	git -C "$tree" show "$head:fs/fuse/inode.c" >"$inode"
	if fuse_alloc_inode_has_init "$inode"; then
		rm -f "$inode"
		die "LINUX_TREE=$tree is already fixed (fuse_alloc_inode() initialises submount_lookup at HEAD): the unfixed kernel cannot be built there, so no run could show it failing; use a tree from before the fix (next-20231109)"
	fi
	rm -f "$inode"

	dir=$(target_dir)
	if [ -f "$dir/.git/check-series-head" ] && [ "$(cat "$dir/.git/check-series-head")" = "$head $v4" ]; then
		echo "$dir"
		return
	fi
	require_disk "$CACHE_DIR" 3
	mkdir -p "$CACHE_DIR/trees"
	_tmp=$(mktemp -d "$CACHE_DIR/trees/.tmp.user.XXXXXX")
	step_begin "scratch clone of $tree (git clone --shared, read-only use of it)"
	git clone -q --shared --no-checkout "$tree" "$_tmp"
	no_gc "$_tmp"
	git -C "$_tmp" checkout -q --detach "$head"
	step_end
	tag "$_tmp" "$(base_ref v4)" "$head"
	tag "$_tmp" refs/tags/check-series/v4-commit "$v4"
	step_begin "v4-reverted: git revert $(git -C "$_tmp" rev-parse --short=12 "$v4")"
	make_v4_reverted "$_tmp" "$v4"
	step_end
	echo "$head $v4" >"$_tmp/.git/check-series-head"
	# Replaced by hand, as in prepare_embedded.
	rm -rf "$dir"
	mv "$_tmp" "$dir"
	_tmp=""
	echo "$dir"
}

if [ -n "${LINUX_TREE:-}" ]; then
	require_tool git git
	prepare_user
else
	require_tool git git
	require_tool xz xz-utils
	prepare_embedded
fi
