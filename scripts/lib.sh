# shellcheck shell=bash
# Shared helpers for every script under scripts/.  Source it; it sets strict
# mode, finds the project, and knows where the cache and results live.
set -euo pipefail

PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${CACHE_DIR:-$PROJECT_DIR/.cache}
RESULTS_ROOT=${RESULTS_ROOT:-$PROJECT_DIR/results}
VARIANTS_FILE=${VARIANTS_FILE:-$PROJECT_DIR/variants}
PATCHES_DIR=${PATCHES_DIR:-$PROJECT_DIR/patches}
PROG=${PROG:-$(basename "$0" .sh)}
export PROJECT_DIR CACHE_DIR RESULTS_ROOT VARIANTS_FILE PATCHES_DIR

# The embedded default target: Debian's 6.1 source, whose history this
# project recreates from patches/stable-6.1/history-*.patch.
# shellcheck disable=SC2034
EMBEDDED_PACKAGE=linux-source-6.1
EMBEDDED_TARBALL=${EMBEDDED_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
EMBEDDED_BACKPORTS=$PATCHES_DIR/stable-6.1
# The newest checkpatch at hand is always Debian's 6.12 one.
# shellcheck disable=SC2034
CHECKPATCH_PACKAGE=linux-source-6.12
CHECKPATCH_TARBALL=${CHECKPATCH_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
# Subject of the v4 commit in linux-next (513dfacefd71), found by subject.
# shellcheck disable=SC2034
V4_SUBJECT='fuse: share lookup state between submount and its parent'

# Commits made in scratch trees (reverts, git am) get a fixed identity and
# date, so the same inputs always give the same commit ids: the caches key
# on them.
export GIT_AUTHOR_NAME="Kernel Tooling Team" GIT_AUTHOR_EMAIL="tooling@example.invalid"
export GIT_COMMITTER_NAME="Kernel Tooling Team" GIT_COMMITTER_EMAIL="tooling@example.invalid"
export GIT_AUTHOR_DATE="2023-11-09T14:37:00-0800" GIT_COMMITTER_DATE="2023-11-09T14:37:00-0800"
export GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0

# A step's verdict is its exit status: kselftest's codes (0 pass, 1 fail,
# 2 xfail, 4 skip) and one of ours, 5: ERROR, the tools broke (a tool
# missing or crashing, QEMU not starting, a tree that cannot be prepared),
# which says nothing about the patch and is never cached.  `step-NAME.sh
# --key VARIANT` exits KEY_NA when the step does not apply to the variant.
# shellcheck disable=SC2034
STEP_PASS=0 STEP_FAIL=1 STEP_XFAIL=2 STEP_SKIP=4 STEP_ERROR=5 KEY_NA=6

# die MESSAGE: one line, then exit DIE_STATUS (1; check-series runs each
# step with DIE_STATUS=5: a step that dies could not judge, an ERROR).
die() {
	echo "$PROG: error: $*" >&2
	exit "${DIE_STATUS:-1}"
}

note() {
	echo "$PROG: $*" >&2
}

# require_tool CMD PACKAGE: one clear line when a tool is missing.
require_tool() {
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found: install it with 'apt-get install $2' (or run 'make deps' as root)"
}

# require_file FILE PACKAGE
require_file() {
	[ -e "$1" ] || die "$1 not found: install it with 'apt-get install $2' (or run 'make deps' as root)"
}

# require_disk DIR GIB: refuse to start what cannot finish.
require_disk() {
	local dir=$1 need=${CHECK_SERIES_MIN_FREE_GB:-$2} avail
	mkdir -p "$dir"
	avail=$(df -Pk "$dir" | awk 'NR == 2 { print int($4 / 1048576) }')
	if [ "$avail" -lt "$need" ]; then
		die "only ${avail} GiB free under $dir, need ${need} GiB: free some space or set CACHE_DIR= to a larger disk"
	fi
}

# Timing: step_begin "what"; ...; step_end  prints what it did and how long.
_step_what=""
_step_t0=0
step_begin() {
	_step_what=$1
	_step_t0=$(date +%s%N)
	echo "  [....] $_step_what" >&2
}
step_end() {
	echo "  [$(elapsed_since "$_step_t0")s] $_step_what: done" >&2
}
# elapsed_since NS: seconds with one decimal since date +%s%N value NS.
elapsed_since() {
	local now
	now=$(date +%s%N)
	awk -v a="$1" -v b="$now" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'
}

# sha256 of the named files' contents (and base names), for cache keys:
# the same files copied elsewhere (a test's PATCHES_DIR) give the same key.
hash_files() {
	local f
	for f in "$@"; do
		printf '%s\n' "${f##*/}"
		cat "$f"
	done | sha256sum | cut -c1-16
}

hash_string() {
	printf '%s' "$*" | sha256sum | cut -c1-16
}

# ---- variants: the one declarative file ------------------------------------

_variant_line() {
	awk -v n="$1" '!/^[[:space:]]*#/ && NF && $1 == n { print; exit }' "$VARIANTS_FILE"
}

variant_names() {
	awk '!/^[[:space:]]*#/ && NF { print $1 }' "$VARIANTS_FILE"
}

variant_exists() {
	[ -n "$(_variant_line "$1")" ]
}

variant_base() {
	_variant_line "$1" | awk '{ print $2 }'
}

# variant_patches NAME: the patch file names, one a line (none for "-").
variant_patches() {
	_variant_line "$1" | awk '{ if ($3 != "-") { n = split($3, p, ","); for (i = 1; i <= n; i++) print p[i] } }'
}

variant_same_as() {
	_variant_line "$1" | awk '{ print $4 }'
}

# variant_expect NAME: "TEST VERDICT" lines.
variant_expect() {
	_variant_line "$1" | awk '{ for (i = 5; i <= NF; i++) { split($i, kv, "="); print kv[1], kv[2] } }'
}

# selected_variants: VARIANTS= (comma or space separated) or all, checked.
selected_variants() {
	local v list
	list=${VARIANTS:-$(variant_names | tr '\n' ' ')}
	for v in ${list//,/ }; do
		variant_exists "$v" ||
			die "unknown variant '$v' in VARIANTS=: known are $(variant_names | tr '\n' ' ')(see the variants file)"
		echo "$v"
	done
}

# variant_bases: the distinct bases named in the variants file.
variant_bases() {
	awk '!/^[[:space:]]*#/ && NF { print $2 }' "$VARIANTS_FILE" | sort -u
}

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
# stable-6.1 backport of the same name on the embedded target, if any.
patch_file() {
	if [ "$(target_kind)" = embedded ] && [ -f "$EMBEDDED_BACKPORTS/$1" ]; then
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

# fuse_alloc_inode_has_init FILE: does fuse_alloc_inode() in FILE (an
# fs/fuse/inode.c) already initialise submount_lookup?
fuse_alloc_inode_has_init() {
	awk '/^static struct inode \*fuse_alloc_inode\(/ { f = 1 }
	     f && /fi->submount_lookup = NULL;/ { found = 1 }
	     f && /^}/ { f = 0 }
	     END { exit !found }' "$1"
}

# ---- architectures: one record each under arches/ ----------------------------

arch_names() {
	local f
	for f in "$PROJECT_DIR"/arches/*.conf; do basename "$f" .conf; done
}

# selected_arches: ARCHS= (comma or space separated) or every arch under
# arches/, checked.
selected_arches() {
	local words a
	for words in ${ARCHS:-$(arch_names)}; do
		for a in ${words//,/ }; do
			[ -f "$PROJECT_DIR/arches/$a.conf" ] ||
				die "unknown arch '$a' in ARCHS=: known are $(arch_names | tr '\n' ' ')(see arches/)"
			echo "$a"
		done
	done
}

# arch_load NAME: sets KERNEL_ARCH CROSS_COMPILE IMAGE QEMU QEMU_PACKAGE
# QEMU_MACHINE CONSOLE FRAGMENT TOOLCHAIN_PACKAGE from arches/NAME.conf.
arch_load() {
	[ -f "$PROJECT_DIR/arches/$1.conf" ] || die "no arches/$1.conf"
	# Optional fields must not leak from the previously loaded record.
	unset DPKG_ARCH LIBFUSE_A LIBFUSE_PACKAGE LIBFUSE_LDLIBS EXTRA_PACKAGES FRAGMENT
	# shellcheck source=../arches/x86_64.conf
	. "$PROJECT_DIR/arches/$1.conf"
	ARCH_NAME=$1
}

# kconfig_fragments: our fragments plus the arch's, in merge order.
kconfig_fragments() {
	local f
	for f in "$PROJECT_DIR"/kconfig/*.config; do
		case $(basename "$f") in arch-*) continue ;; esac
		echo "$f"
	done
	[ -z "${FRAGMENT:-}" ] || echo "$PROJECT_DIR/kconfig/$FRAGMENT"
}

build_dir() {
	echo "$CACHE_DIR/build/$(target_id)-$ARCH_NAME"
}

# kmake ARGS: make in the target tree for the loaded arch, out of tree.
kmake() {
	local cc=${CROSS_COMPILE:-}gcc
	# ccache keyed on paths relative to the cache: a tree extracted again,
	# or another clone of this project, still hits.
	command -v ccache >/dev/null 2>&1 && cc="ccache $cc" && export CCACHE_BASEDIR=$CACHE_DIR
	make -C "$(target_dir)" O="${KBUILD_OUT:-$(build_dir)}" ARCH="$KERNEL_ARCH" \
		CROSS_COMPILE="${CROSS_COMPILE:-}" CC="$cc" "$@"
}

# ---- the series as mailed (send.sh, am.sh) ----------------------------------

# series_patches: the patch files of the mailed series, in mailing order:
# every variant's patches in the variants file's order, each once.
series_patches() {
	local v
	for v in $(variant_names); do
		variant_patches "$v"
	done | awk '!seen[$0]++'
}

# patch_subject FILE: the Subject of a patch file or mail, unfolded.
patch_subject() {
	awk '/^$/ { exit } s && /^[ \t]/ { sub(/^[ \t]+/, " "); s = s $0; next }
	     s { exit } /^Subject: / { s = substr($0, 10) } END { print s }' "$1"
}

# subject_title SUBJECT: the subject without its [PATCH ...] prefix.
subject_title() {
	sed -E 's/^(\[[^]]*\][[:space:]]*)+//' <<<"$1"
}
