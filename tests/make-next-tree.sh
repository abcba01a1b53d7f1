#!/bin/bash
# make-next-tree.sh DEST: a linux-next-like test tree at DEST, for make am
# and make send with LINUX_TREE=DEST where no linux-next clone is at hand.
#
# It is the embedded 6.1 tree (scripts/prepare-target.sh, in $CACHE_DIR)
# with fs/fuse's context brought to what the linux-next patches expect, as
# two commits on the tree before v4 (refs/tags/check-series/before-v4):
#   1. "fuse: linux-next context for the submount patches (test tree)":
#      each hunk's pre-image of the 6.1 backport
#      (patches/stable-6.1/v5-0002-*) replaced, in fs/fuse, by the same
#      hunk's pre-image of the linux-next patch (patches/v5-0002-*), so
#      that patch applies with git am, offsets and all;
#   2. "fuse: share lookup state between submount and its parent": v4,
#      found by that subject as in linux-next: the linux-next v5 applied on
#      (1) without the one line v5 adds to fuse_alloc_inode().
# So on branch master: patches/0001 and the real [PATCH 1/2] apply on v4;
# patches/v5-0002 and the real [v5 PATCH 2/2] apply on v4 reverted; both
# give the same tree.  It need not compile (the rest is 6.1).  Its commits
# are made with lib.sh's fixed identity and date: the same inputs give the
# same tree and commit ids.  Only fs/fuse is checked out.
# shellcheck source=../scripts/lib.sh
. "$(dirname "$0")/../scripts/lib.sh"

dest=${1:-}
[ -n "$dest" ] || die "usage: $0 DEST (a new directory: the linux-next-like tree)"
[ ! -e "$dest" ] || die "$dest exists: give a new directory"
unset LINUX_TREE
src=$(bash "$PROJECT_DIR/scripts/prepare-target.sh") || die "could not prepare the embedded tree"
ln_patch=$PATCHES_DIR/v5-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch
bp_patch=$EMBEDDED_BACKPORTS/v5-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -z "${dest_made:-}" ] || rm -rf "$dest"' EXIT
git clone -q --shared --no-checkout "$src" "$dest"
dest_made=1
git -C "$dest" config gc.auto 0
git -C "$dest" config maintenance.auto false
before=$(git -C "$dest" rev-parse refs/tags/check-series/before-v4)

# preimages PATCH PATH: each hunk's pre-image lines for PATH, hunks
# separated by a line holding only "@@", counted from the hunk headers.
preimages() {
	awk -v path="$2" '
		# between hunks: a file header, a hunk header, or anything else
		!left && !right {
			if ($0 ~ /^diff --git /) infile = ($3 == "a/" path)
			else if (infile && $0 ~ /^@@ /) {
				split($2, o, ","); left = (o[2] == "" ? 1 : o[2])
				split($3, n, ","); right = (n[2] == "" ? 1 : n[2])
				print "@@"
			}
			next
		}
		# in a hunk: context and removed lines are the pre-image
		{
			c = substr($0, 1, 1); l = substr($0, 2)
			if (c == " " || $0 == "") { print l; left--; right-- }
			else if (c == "-") { print l; left-- }
			else if (c == "+") right--
			if (left < 0) left = 0
			if (right < 0) right = 0
		}' "$1"
}

export GIT_INDEX_FILE=$tmp/index
git -C "$dest" read-tree "$before"
for path in fs/fuse/fuse_i.h fs/fuse/inode.c; do
	git -C "$dest" show "$before:$path" >"$tmp/file"
	preimages "$bp_patch" "$path" >"$tmp/bp"
	preimages "$ln_patch" "$path" >"$tmp/ln"
	[ "$(grep -c '^@@$' "$tmp/bp")" = "$(grep -c '^@@$' "$tmp/ln")" ] ||
		die "$path: the backport and the linux-next patch have different hunks: this tree cannot be made from them"
	awk -v bpf="$tmp/bp" -v lnf="$tmp/ln" -v path="$path" '
		function load(f, h,   l, n, k) { n = 0; while ((getline l < f) > 0) { if (l == "@@") { n++; h[n, 0] = 0; continue } k = ++h[n, 0]; h[n, k] = l } return n }
		{ file[NR] = $0 }
		END {
			nh = load(bpf, bp); load(lnf, ln); cur = 1; out = 0
			for (i = 1; i <= nh; i++) {
				for (s = cur; s + bp[i, 0] - 1 <= NR; s++) {
					for (k = 1; k <= bp[i, 0] && file[s + k - 1] == bp[i, k]; k++) ;
					if (k > bp[i, 0]) break
				}
				if (s + bp[i, 0] - 1 > NR) { printf "hunk %d of the backport not found in %s\n", i, path > "/dev/stderr"; exit 1 }
				for (j = cur; j < s; j++) res[++out] = file[j]
				for (k = 1; k <= ln[i, 0]; k++) res[++out] = ln[i, k]
				cur = s + bp[i, 0]
			}
			for (j = cur; j <= NR; j++) res[++out] = file[j]
			for (j = 1; j <= out; j++) print res[j]
		}' "$tmp/file" >"$tmp/new" || die "$path of the embedded tree is not the backport's pre-image: re-make the embedded tree (make clean)"
	git -C "$dest" update-index --cacheinfo "100644,$(git -C "$dest" hash-object -w "$tmp/new"),$path"
done
c1=$(git -C "$dest" commit-tree "$(git -C "$dest" write-tree)" -p "$before" -m "fuse: linux-next context for the submount patches (test tree)

fs/fuse of the embedded 6.1 tree, where the linux-next patches touch it,
as linux-next has it before v4, so that they apply (made by
tests/make-next-tree.sh from the backport and the linux-next patch).")

# v4: the linux-next v5 without the line it adds to fuse_alloc_inode().
git -C "$dest" apply --cached "$ln_patch" || die "$(basename "$ln_patch") does not apply on the context commit: a bug in $0"
git -C "$dest" show ":fs/fuse/inode.c" >"$tmp/inode.c"
awk '/^static struct inode \*fuse_alloc_inode\(/ { f = 1 } f && /^}/ { f = 0 }
     f && $0 == "\tfi->submount_lookup = NULL;" { next } { print }' "$tmp/inode.c" >"$tmp/inode.v4"
! cmp -s "$tmp/inode.c" "$tmp/inode.v4" || die "no init line in fuse_alloc_inode() of the v5 tree: a bug in $0"
git -C "$dest" update-index --cacheinfo "100644,$(git -C "$dest" hash-object -w "$tmp/inode.v4"),fs/fuse/inode.c"
c2=$(GIT_AUTHOR_NAME="Krister Johansen" GIT_AUTHOR_EMAIL="kjlx@templeofstupid.com" \
	git -C "$dest" commit-tree "$(git -C "$dest" write-tree)" -p "$c1" -m "$V4_SUBJECT

v4 as linux-next has it (513dfacefd71 there): the submount lookup state,
without the initialisation of fi->submount_lookup in fuse_alloc_inode()
(test tree made by tests/make-next-tree.sh).")
unset GIT_INDEX_FILE

git -C "$dest" update-ref refs/heads/master "$c2"
git -C "$dest" symbolic-ref HEAD refs/heads/master
# Only our own refs: the embedded tree's check-series tags stay out.
git -C "$dest" for-each-ref --format='%(refname)' refs/tags refs/remotes | while IFS= read -r r; do
	git -C "$dest" update-ref -d "$r"
done
git -C "$dest" sparse-checkout set --no-cone /fs/fuse/
git -C "$dest" checkout -q -f master
dest_made=""
echo "$dest"
