#!/bin/bash
# shellcheck disable=SC2034 # STATIC_* are read by static-findings.sh
# step-w1.sh VARIANT: gcc's extra warnings over fs/fuse (`make W=1
# fs/fuse/`) on the variant's base and on the variant, in the analysis
# build directory; any warning the variant adds fails the step.  Warnings
# are compared without line numbers (scripts/static-findings.sh), and the
# base's are cached per base tree, config and compiler.
# shellcheck source-path=SCRIPTDIR source=static-findings.sh
. "$(dirname "$0")/static-findings.sh"

STATIC_TOOL=w1
STATIC_WHAT="make W=1 fs/fuse/"
STATIC_WHAT_FILES="make W=1 fs/fuse/FILE.o"
# Known noise, one extended regexp a line, each with why.  None: the
# kernel-doc complaints W=1 adds on 6.1's fs/fuse are real findings, and
# the base has them too, so they cancel out.
STATIC_NOISE=()
# W=1 changes the flags of every object, prepare's too: it has a lane of
# its own (static-w1: worktree and build directory), so sparse's objects
# are never rebuilt for it, nor its for sparse.

static_tool_version() {
	"${CROSS_COMPILE:-}gcc" --version | head -n 1
}

static_tool_run() {
	echo "(findings: $1)"
	# A warning is only printed when its object is compiled: remove
	# fs/fuse's objects so every file is compiled (ccache replays a
	# cached compile's warnings, so this stays cheap).
	rm -f "$KBUILD_OUT"/fs/fuse/*.o
	# shellcheck disable=SC2046 # make_jobs is one word or none
	kmake $(make_jobs "$STATIC_JOBS") W=1 fs/fuse/ 2>"$1"
}

# static_tool_run_files RAW OBJECT...: the same on those objects alone,
# each compiled again.
static_tool_run_files() {
	local raw=$1
	shift
	echo "(findings: $raw)"
	rm -f "${@/#/$KBUILD_OUT/}"
	# shellcheck disable=SC2046 # make_jobs is one word or none
	kmake $(make_jobs "$STATIC_JOBS") W=1 "$@" 2>"$raw"
}

static_main "$@"
