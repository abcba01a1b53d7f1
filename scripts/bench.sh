#!/bin/bash
# bench.sh: how long make check-series takes, written to bench/results.md.
#   cold   an empty cache (no tree, no kernels, empty ccache), right after
#          the apt step: what a user's first run costs
#   warm   the same again, nothing changed
#   edit   one line of one patch edited (the commit message of 0001, as
#          after a review), then a code edit (the 0001 hunk moved a line)
# A benchmark, not a test: it asserts nothing, it measures.  It uses a cache
# of its own (.cache/bench), so the user's cache is neither used nor lost.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

B=$PROJECT_DIR/.cache/bench
rm -rf "$B"
mkdir -p "$B"
export CACHE_DIR=$B/cache RESULTS_ROOT=$B/results CCACHE_DIR=$B/ccache
out=$PROJECT_DIR/bench/results.md
rows=()

run() { # NAME DESCRIPTION [ENV...]
	local name=$1 what=$2 t0 rc=0 secs last
	shift 2
	note "$name: $what"
	t0=$(date +%s%N)
	env "$@" bash "$PROJECT_DIR/scripts/check-series.sh" >"$B/$name.log" 2>&1 || rc=$?
	secs=$(elapsed_since "$t0")
	last=$(tail -n 1 "$B/$name.log")
	note "$name: $secs s, exit $rc, $last"
	rows+=("| $name | $what | $secs | $rc | $last |")
}

run cold "empty cache and ccache, all variants, all steps"
run warm "nothing changed"
cp -r "$PATCHES_DIR" "$B/patches"
sed -i 's/^When introduced, the submount lookup/Once introduced, the submount lookup/' \
	"$B/patches/0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch"
run edit-message "one line of 0001's commit message edited" PATCHES_DIR="$B/patches"
# Code edit: the init line goes one line up (before spin_lock_init): a new
# tree for incremental, so build and boot run again (and equivalence with
# v5 fails, as it must).
/usr/bin/python3 - "$B/patches/0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
old = " \tspin_lock_init(&fi->lock);\n+\tfi->submount_lookup = NULL;\n"
new = "+\tfi->submount_lookup = NULL;\n \tspin_lock_init(&fi->lock);\n"
assert old in s
open(p, "w").write(s.replace(old, new))
PY
run edit-code "the 0001 hunk edited (line moved up one)" PATCHES_DIR="$B/patches"

{
	echo "# make check-series timings"
	echo
	echo "Measured by \`make bench\` ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)," \
		"target embedded-6.1, ARCHS=${ARCHS:-$(selected_arches | tr '\n' ' ')}, accelerator: TCG after the KVM probe)."
	echo "Goals on 2 cores: cold <= 480 s, warm <= 10 s, after a one-line edit <= 60 s."
	echo "\`edit-code\` fails on purpose: the edited 0001 no longer gives the tree its alternative gives."
	echo
	echo "| run | what | seconds | exit | last line |"
	echo "|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
	echo
	echo "Per step, cold run (seconds):"
	echo
	echo '```'
	sed -n '/^variant /,/^(XFAIL/p' "$B/cold.log"
	echo '```'
} >"$out"
cat "$out"
