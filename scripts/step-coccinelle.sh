#!/bin/bash
# shellcheck disable=SC2034 # STATIC_* are read by static-findings.sh
# step-coccinelle.sh VARIANT: the kernel's Coccinelle scripts over fs/fuse
# (`make coccicheck MODE=report M=fs/fuse`) on the variant's base and on
# the variant, in the analysis build directory; any report the variant
# adds fails the step.  Reports are compared without line numbers
# (scripts/static-findings.sh), and the base's are cached per base tree,
# config and spatch version.  ~100 s a tree on 2 cores.
# shellcheck source-path=SCRIPTDIR source=static-findings.sh
. "$(dirname "$0")/static-findings.sh"

STATIC_TOOL=coccinelle
STATIC_WHAT="make coccicheck MODE=report M=fs/fuse"
STATIC_WHAT_FILES="make C=1 CHECK=scripts/coccicheck MODE=report fs/fuse/FILE.o"
# Known noise, one extended regexp a line, each with why.  None needed:
# spatch's complaints about the .cocci scripts themselves ("warning: line
# 134: should no_llseek be a metavariable?") carry no file, so the
# normaliser already drops them.
STATIC_NOISE=()

# spatch compiles the OCaml script rules with ocamlopt and runs the Python
# ones with python3: both are part of what the findings depend on.
static_tool_version() {
	spatch --version 2>&1 | head -n 1
	echo "ocamlopt $(ocamlopt -version 2>/dev/null || echo missing)"
}

static_tool_run() {
	require_tool spatch coccinelle
	require_tool ocamlopt ocaml
	echo "(findings: $1)"
	# M= must be absolute: with O= coccicheck runs in the build directory
	# and a relative M=fs/fuse names its fs/fuse (objects only), so
	# spatch would silently check nothing.  J= is coccicheck's own -j:
	# spatch does not speak make's jobserver, so under check-series'
	# scheduler it gets the one core its job holds.
	local rc=0 j=$STATIC_JOBS
	case " ${MAKEFLAGS:-} " in *jobserver*) j=1 ;; esac
	kmake J="$j" coccicheck MODE=report M="$(source_dir)/fs/fuse" >"$1" 2>"$1.err" || rc=$?
	cat "$1.err" >&2
	return $rc
}

# static_tool_run_files RAW OBJECT...: the same on those objects alone:
# coccicheck's way for single files (Documentation/dev-tools/coccinelle.rst:
# `make C=1 CHECK=scripts/coccicheck FILE.o`), each object removed first so
# that make compiles it, and so checks it (C=2 would check the objects
# `prepare` makes too).  Each .cocci script is one spatch per file then:
# ~70 s for inode.c, as much as ~6 files in the directory mode.
static_tool_run_files() {
	local raw=$1 rc=0
	shift
	require_tool spatch coccinelle
	require_tool ocamlopt ocaml
	echo "(findings: $raw)"
	rm -f "${@/#/$KBUILD_OUT/}"
	kmake C=1 CHECK="$(source_dir)/scripts/coccicheck" MODE=report "$@" >"$raw" 2>"$raw.err" || rc=$?
	cat "$raw.err" >&2
	return $rc
}

static_main "$@"
