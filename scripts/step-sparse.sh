#!/bin/bash
# shellcheck disable=SC2034 # STATIC_* are read by static-findings.sh
# step-sparse.sh VARIANT: sparse over fs/fuse (`make C=2 fs/fuse/`, sparse
# from apt) on the variant's base and on the variant, in the analysis build
# directory; any finding the variant adds fails the step.  Findings are
# compared without line numbers (scripts/static-findings.sh), and the
# base's are cached per base tree, config and tool versions.
# C=2 checks every file whether or not make rebuilds it, so no forcing is
# needed.  stderr also carries gcc's default warnings from the compile
# that C=2 implies: they count too (they are findings all the same).
# shellcheck source-path=SCRIPTDIR source=static-findings.sh
. "$(dirname "$0")/static-findings.sh"

STATIC_TOOL=sparse
STATIC_WHAT="make C=2 fs/fuse/"
STATIC_WHAT_FILES="make C=2 fs/fuse/FILE.o"
# Known noise, one extended regexp a line, each with why.  None yet: on
# 6.1 with sparse 0.6.4 and gcc 12 the base has no sparse finding at all.
STATIC_NOISE=()

static_tool_version() {
	echo "sparse $(sparse --version 2>&1 | head -n 1)"
	"${CROSS_COMPILE:-}gcc" --version | head -n 1
}

static_tool_run() {
	require_tool sparse sparse
	echo "(findings: $1)"
	# sparse and gcc write findings to stderr; make's progress stays in
	# the log.
	# shellcheck disable=SC2046 # make_jobs is one word or none
	kmake $(make_jobs "$STATIC_JOBS") C=2 fs/fuse/ 2>"$1"
}

# static_tool_run_files RAW OBJECT...: the same on those objects alone
# (C=2 checks them whether or not make rebuilds them).
static_tool_run_files() {
	local raw=$1
	shift
	require_tool sparse sparse
	echo "(findings: $raw)"
	# shellcheck disable=SC2046 # make_jobs is one word or none
	kmake $(make_jobs "$STATIC_JOBS") C=2 "$@" 2>"$raw"
}

static_main "$@"
