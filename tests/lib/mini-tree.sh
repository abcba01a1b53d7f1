# shellcheck shell=bash
# tests/lib/mini-tree.sh: a tiny target tree as prepare-target.sh makes the
# embedded one (three commits of one fs/fuse/inode.c, tagged debian, base/v4
# and base/v4-reverted) under $SCRATCH/cache, and patches for it under
# $SCRATCH/patches: 0001-mini (the fix on v4), v5-0002-mini (v4 again with
# the fix, on the revert: the same tree), v5-0003-wrong (the line
# elsewhere), 0004-stale (does not apply), 0005-noisy (the fix plus what a
# stand-in static tool reports).  Exports CACHE_DIR, PATCHES_DIR,
# VARIANTS_FILE ($SCRATCH/variants, for the caller to write) and T.
export CACHE_DIR=$SCRATCH/cache PATCHES_DIR=$SCRATCH/patches VARIANTS_FILE=$SCRATCH/variants
unset LINUX_TREE VARIANTS
T=$CACHE_DIR/trees/embedded-6.1
export T
mkdir -p "$T/fs/fuse" "$PATCHES_DIR" "$SCRATCH/bin"

# inode.c as Debian ships it (the init after fi->state), as v4 left it
# (no init), and as the fix makes it (the init before fi->state).
inode() {
	printf '%s\n' 'static struct inode *fuse_alloc_inode(struct super_block *sb)' '{'
	printf '%s\n' "	fi->attr_version = 0;" "	fi->orig_ino = 0;"
	[ "$1" = fix ] && printf '%s\n' "	fi->submount_lookup = NULL;"
	printf '%s\n' "	fi->state = 0;"
	[ "$1" = debian ] && printf '%s\n' "	fi->submount_lookup = NULL;"
	printf '%s\n' "	mutex_init(&fi->mutex);" "	return &fi->inode;" '}'
}
g() { git -C "$T" "$@"; }
(
	export GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.invalid GIT_COMMITTER_NAME=T \
		GIT_COMMITTER_EMAIL=t@example.invalid GIT_CONFIG_NOSYSTEM=1 HOME=$SCRATCH
	g init -q && g config gc.auto 0 &&
	inode debian >"$T/fs/fuse/inode.c" && echo "obj-y += inode.o" >"$T/fs/fuse/Makefile" &&
	: >"$T/fs/fuse/findings" &&
	g add -A && g commit -q -m "Debian linux-source-6.1" && g tag check-series/debian &&
	g tag debian-saved &&
	sed "s/fi->orig_ino = 0;/fi->orig_ino = 1;/" "$T/fs/fuse/inode.c" >"$T/fs/fuse/inode.c.new" &&
	mv "$T/fs/fuse/inode.c.new" "$T/fs/fuse/inode.c" &&
	g commit -q -am "another Debian" && g tag debian-other && g checkout -q --detach debian-saved &&
	inode v4 >"$T/fs/fuse/inode.c" && g commit -q -am "fuse: share lookup state between submount and its parent" &&
	g tag check-series/base/v4 && v4=$(g rev-parse HEAD) &&
	g revert --no-edit HEAD >/dev/null && g tag check-series/base/v4-reverted &&
	# 0001: the fix on v4.  v5-0002: v4 again with the line, on the revert.
	g checkout -q --detach check-series/base/v4 &&
	inode fix >"$T/fs/fuse/inode.c" && g commit -q -am "fuse: ensure submount_lookup is initialized on alloc" &&
	g format-patch -q --stdout -1 >"$PATCHES_DIR/0001-mini.patch" &&
	g checkout -q --detach check-series/base/v4-reverted &&
	inode fix >"$T/fs/fuse/inode.c" && g commit -q -am "fuse: share lookup state between submount and its parent" &&
	g format-patch -q --stdout -1 >"$PATCHES_DIR/v5-0002-mini.patch" &&
	# v5-wrong: the line in another place: applies, but not the same tree.
	g checkout -q --detach check-series/base/v4-reverted &&
	inode v4 | sed "s/^	return/	fi->submount_lookup = NULL;\n&/" >"$T/fs/fuse/inode.c" &&
	g commit -q -am "fuse: share lookup state, the line elsewhere" &&
	g format-patch -q --stdout -1 >"$PATCHES_DIR/v5-0003-wrong.patch" &&
	sed "s/fi->orig_ino = 0;/fi->orig_ino = 1;/" "$PATCHES_DIR/0001-mini.patch" >"$PATCHES_DIR/0004-stale.patch" &&
	# noisy: 0001 plus what the stand-in static tool reports on its tree
	g checkout -q --detach check-series/base/v4 &&
	inode fix >"$T/fs/fuse/inode.c" &&
	printf "%s\n" "$T/fs/fuse/inode.c:9:2: warning: variable 'x' set but not used [-Wunused-but-set-variable]" \
		"$T/fs/fuse/inode.c:9:2: warning: variable 'x' set but not used [-Wunused-but-set-variable]" >"$T/fs/fuse/findings" &&
	g commit -q -am "fuse: a fix with a warning" &&
	g format-patch -q --stdout -1 >"$PATCHES_DIR/0005-noisy.patch" &&
	g checkout -q --detach check-series/base/v4 &&
	test "$v4" = "$(g rev-parse HEAD)"
) || { echo "setup of the mini tree failed" >&2; exit 1; }
