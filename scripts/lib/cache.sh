# shellcheck shell=bash
# lib/cache.sh: lanes (worktrees, build directories), kmake, content keys,
# publishing results whole (sourced by scripts/lib.sh).

# ---- lanes: a worktree and a build directory per kind of job -----------------
# Jobs that check out a tree run in a lane: a git worktree of the target
# of their own (build-ARCH, static), so that jobs of different lanes run
# side by side and never share a checkout.  Jobs of one lane run one after
# another (the scheduler chains them), which is what lets a lane's build
# directory start from the previous tree's objects: switching variants
# recompiles only what changed.  LANE= names the current job's lane.

# Every `git worktree add`, `remove` and `prune` on the target runs under
# one lock (worktree_lock).  `git worktree prune` removes any entry whose
# add has not yet written its gitdir file: unlocked, one job's prune broke
# another's add ("could not open .git/worktrees/NAME/HEAD"; t0120).
# worktree_lock: take the lock (its descriptor in WORKTREE_LOCK) unless this
# shell holds it already: a second open of the file would wait for the
# first, forever (an EXIT trap after a failed add).  worktree_unlock: let go.
worktree_lock() {
	local top
	[ -z "${WORKTREE_LOCK:-}" ] || return 0
	top=$CACHE_DIR/work/$(target_id)
	mkdir -p "$top"
	exec {WORKTREE_LOCK}>"$top/.worktree-lock"
	flock "$WORKTREE_LOCK"
}

worktree_unlock() {
	exec {WORKTREE_LOCK}>&-
	unset WORKTREE_LOCK
}

# lane_worktree LANE: the lane's worktree, made (or made again, when the
# target was re-made) on first use; prints its path.
lane_worktree() {
	local wt common
	wt=$CACHE_DIR/work/$(target_id)/$1
	common=$(git -C "$wt" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
	if [ "$common" != "$(target_dir)/.git" ]; then
		worktree_lock
		rm -rf "$wt"
		tgit worktree prune
		tgit worktree add -q --detach --no-checkout "$wt" "$(base_ref v4)" >&2
		worktree_unlock
	fi
	echo "$wt"
}

# scratch_worktree NAME COMMIT: a worktree of the target at COMMIT, not
# checked out, for this job alone (apply jobs run side by side); its path
# in SCRATCH_WT (not printed: the lock below must live in this process).
# The job holds a flock on the directory while it lives, and its EXIT
# trap (set here: once per process, replacing any other) removes it.  A
# job killed outright (SIGKILL: no trap runs) leaves its worktree behind,
# unlocked: the next scratch_worktree NAME removes it.  Making, sweeping
# and removing are all under worktree_lock, so a sweep never takes a
# worktree being made nor races a job removing its own.
scratch_worktree() {
	local top d fd
	top=$CACHE_DIR/work/$(target_id)
	worktree_lock
	for d in "$top/$1".*; do
		[ -d "$d" ] || continue
		exec {fd}<"$d"
		if flock -n "$fd"; then
			echo "removing $d: left by a job that was killed" >&2
			rm -rf "$d"
		fi
		exec {fd}<&-
	done
	SCRATCH_WT=$(mktemp -d "$top/$1.XXXXXX")
	exec {_SCRATCH_LOCK}<"$SCRATCH_WT"
	flock "$_SCRATCH_LOCK"
	trap _scratch_worktree_remove EXIT
	tgit worktree prune
	tgit worktree add -q --no-checkout --detach "$SCRATCH_WT" "$2"
	worktree_unlock
}

_scratch_worktree_remove() {
	worktree_lock
	tgit worktree remove --force "$SCRATCH_WT" >/dev/null 2>&1 || rm -rf "$SCRATCH_WT"
	tgit worktree prune
	worktree_unlock
}

# source_dir: the source tree kbuild reads: the lane's worktree, or the
# target itself outside a lane.
source_dir() {
	if [ -n "${LANE:-}" ]; then echo "$CACHE_DIR/work/$(target_id)/$LANE"; else target_dir; fi
}

# lane_checkout COMMIT: check COMMIT out in the lane's worktree.
lane_checkout() {
	local wt
	wt=$(lane_worktree "${LANE:?lane_checkout needs LANE=}")
	# A lane's job holds its lock (job.sh): no other git works in this
	# worktree, so an index.lock is a killed job's, and would fail every
	# later checkout of the lane.
	rm -f "$(git -C "$wt" rev-parse --path-format=absolute --git-path index.lock)"
	git -C "$wt" checkout -q -f --detach "$1"
	[ "$(git -C "$wt" rev-parse HEAD)" = "$(tgit rev-parse "$1^{commit}")" ] ||
		die "checkout of $1 in $wt left HEAD elsewhere"
}

# build_dir: the lane's kernel build directory.  A build directory is
# bound to one source directory (kbuild's dependency files name sources
# by absolute path), hence one per lane.
build_dir() {
	echo "$CACHE_DIR/build/$(target_id)-${LANE:-$ARCH_NAME}"
}

# make_jobs: -jN for a make of ours, or nothing under the scheduler's
# jobserver (check-series runs jobs with GNU make; a -jN there would
# leave the jobserver and overcommit the cores).
# shellcheck disable=SC2120 # the argument is optional
make_jobs() {
	case " ${MAKEFLAGS:-} " in
	*jobserver*) ;;
	*) echo "-j${1:-$(nproc)}" ;;
	esac
}

# kmake ARGS: make in the lane's source tree for the loaded arch, out of tree.
kmake() {
	local cc=${CROSS_COMPILE:-}gcc
	# ccache keyed on paths relative to the cache: a tree extracted again,
	# or another clone of this project, still hits.
	command -v ccache >/dev/null 2>&1 && cc="ccache $cc" && export CCACHE_BASEDIR=$CACHE_DIR
	make -C "$(source_dir)" O="${KBUILD_OUT:-$(build_dir)}" ARCH="$KERNEL_ARCH" \
		CROSS_COMPILE="${CROSS_COMPILE:-}" CC="$cc" "$@"
}

# kernel_key TREE ARCH: what a kernel image depends on: the source tree
# (git tree id), the arch record, the config fragments and recipe, the
# compiler.  Its image lives at $CACHE_DIR/kernels/KEY/image.
kernel_key() {
	hash_string "$1 $2 $(config_key "$2")"
}

# config_key ARCH: what the test .config depends on, the tree aside.
config_key() {
	local frags
	[ -z "${RUN_MEMO[config_key $1]:-}" ] || { echo "${RUN_MEMO[config_key $1]}"; return 0; }
	arch_load "$1"
	mapfile -t frags < <(kconfig_fragments)
	hash_string "$1 $(hash_files "$PROJECT_DIR/arches/$1.conf" "${frags[@]}" "$PROJECT_DIR/scripts/kernel-config.sh") $("${CROSS_COMPILE:-}gcc" --version 2>/dev/null | head -1)"
}

# kernel_path TREE ARCH: where that kernel is (or will be).
kernel_path() {
	echo "$CACHE_DIR/kernels/$(kernel_key "$1" "$2")/image"
}


# ---- publishing: a result appears whole or not at all --------------------------
# A result is written under a temporary name beside its final one, then
# renamed into place: rename(2) within one directory is atomic, so a
# reader (another job, a test, the next run) sees the old result or the
# new one, never half of one, and a run killed half-way leaves only a
# temporary name behind.  TMP must be in FINAL's directory (usually
# FINAL.tmp.$$, the $$ so that two writers never share it): across file
# systems mv copies, and the atomicity is gone.

# publish_file TMP FINAL: rename TMP onto FINAL, replacing it.  TMP is a
# file, or a directory when the caller removed FINAL's old copy (mv -T:
# never into a FINAL directory, which would bury TMP inside it).
publish_file() {
	mv -T "$1" "$2"
}

# publish_dir TMP FINAL CHECK...: rename the directory TMP onto FINAL, for
# content-keyed cache entries that two processes may build at once.  The
# first to finish wins; a loser finds FINAL taken (mv -T will not replace
# a non-empty directory), and since FINAL is named by the content's key it
# holds the same result: TMP is dropped and that is a success, if
# `CHECK... FINAL` says FINAL is whole.  Fails, leaving TMP, otherwise.
publish_dir() {
	local tmp=$1 final=$2
	shift 2
	mv -T "$tmp" "$final" 2>/dev/null && return 0
	"$@" "$final" || return 1
	rm -rf "$tmp"
}
