# shellcheck shell=bash
# Shared helpers for every script under scripts/.  Source it; it sets strict
# mode, finds the project, and knows where the cache and results live.
set -euo pipefail

PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${CACHE_DIR:-$PROJECT_DIR/.cache}
RESULTS_ROOT=${RESULTS_ROOT:-$PROJECT_DIR/results}
VARIANTS_FILE=${VARIANTS_FILE:-$PROJECT_DIR/variants}
PATCHES_DIR=${PATCHES_DIR:-$PROJECT_DIR/patches}
# Faults planted for test-only variants (faults/NAME in the variants file).
FAULTS_DIR=${FAULTS_DIR:-$PROJECT_DIR/faults}
PROG=${PROG:-$(basename "$0" .sh)}
export PROJECT_DIR CACHE_DIR RESULTS_ROOT VARIANTS_FILE PATCHES_DIR FAULTS_DIR

# The embedded default target: Debian's 6.1 source, whose history this
# project recreates from patches/stable-6.1/history-*.patch.
# shellcheck disable=SC2034
EMBEDDED_PACKAGE=linux-source-6.1
EMBEDDED_TARBALL=${EMBEDDED_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
# shellcheck disable=SC2034 # used by lib/git.sh
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
# Each file is read by the shell, not by a cat: a cache key hashes a dozen
# files and a run takes hundreds of keys, and a process each is most of a
# warm run's time.  A file the shell cannot hold (a NUL byte: read stops
# there, and says so with status 0) goes to sha256sum as it is, with the
# others, in the same stream.  The bytes hashed are the same either way.
# A file that cannot be read: its name on stderr, status 1 (as cat's).
hash_files() {
	local f c s="" rc=0
	for f in "$@"; do
		c=""
		if ! [ -f "$f" ] || ! [ -r "$f" ]; then
			echo "$PROG: hash_files: cannot read $f" >&2
			rc=1
			s+=${f##*/}$'\n'
			continue
		fi
		if IFS= read -r -d '' c <"$f"; then
			_hash_stream "$@"
			return
		fi
		s+=${f##*/}$'\n'$c
	done
	hash_string "$s"
	return $rc
}

# _hash_stream FILE...: hash_files by cat, for files with NUL bytes.
_hash_stream() {
	local f
	for f in "$@"; do
		printf '%s\n' "${f##*/}"
		cat "$f"
	done | sha256sum | cut -c1-16
}

hash_string() {
	local h
	h=$(printf '%s' "$*" | sha256sum)
	echo "${h:0:16}"
}

# ---- a resolve's answers ----------------------------------------------------
# RUN_MEMO["FUNCTION ARGS"]: FUNCTION's answer for ARGS, for the functions
# nearly every step's `--key` calls (plan_commit, plan_tree, config_key).
# check-series' plan fills it (run_memo_plan) and hands it to job.sh in
# JOB_MEMO/run-memo; job.sh fills it itself when run alone.  job.sh takes
# its jobs' keys in subshells, which inherit it; a step sourcing lib.sh
# again keeps it.  The files those answers hash cannot change within the seconds of a
# resolve (the same holds for job.sh's code_hash).  Empty anywhere else:
# every other caller computes.
declare -gA RUN_MEMO

# run_memo_fill FUNCTION ARGS...: FUNCTION's answer for each ARGS (one
# word, or words separated by spaces), kept when FUNCTION succeeds (a
# failure keeps its one line for the caller, who asks again).
run_memo_fill() {
	local fn=$1 a out
	shift
	for a in "$@"; do
		# shellcheck disable=SC2086 # ARGS: words
		out=$("$fn" $a 2>/dev/null) && RUN_MEMO["$fn $a"]=$out
	done
	return 0
}

# run_memo_plan "VARIANT..." "ARCH...": the plan's answers in RUN_MEMO:
# each variant's commit and tree (a tree only when its patches apply: the
# "none" of one that does not is asked again, to say why) and each arch's
# config key, the static checks' arch's too.
run_memo_plan() {
	local v t
	# shellcheck disable=SC2086 # words
	run_memo_fill plan_commit $1
	for v in $1; do
		t=$(plan_tree "$v")
		[ "$t" = none ] || RUN_MEMO[plan_tree $v]=$t
	done
	# shellcheck disable=SC2086 # words
	run_memo_fill config_key $2 "${STATIC_ARCH:-x86_64}"
}

# ---- the rest, split by concern ------------------------------------------------
# Every file here is an input of every cached verdict (job.sh hashes them).
LIB_FILES=("$PROJECT_DIR/scripts/lib.sh")
for _lib in variants git arch cache series; do
	LIB_FILES+=("$PROJECT_DIR/scripts/lib/$_lib.sh")
done
unset _lib
# shellcheck source=lib/variants.sh
. "$PROJECT_DIR/scripts/lib/variants.sh"
# shellcheck source=lib/git.sh
. "$PROJECT_DIR/scripts/lib/git.sh"
# shellcheck source=lib/arch.sh
. "$PROJECT_DIR/scripts/lib/arch.sh"
# shellcheck source=lib/cache.sh
. "$PROJECT_DIR/scripts/lib/cache.sh"
# shellcheck source=lib/series.sh
. "$PROJECT_DIR/scripts/lib/series.sh"
