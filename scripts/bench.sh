#!/bin/bash
# bench.sh: what `make check-series` costs on this machine, measured in one
# run with a cache of its own (.cache/bench: cache, ccache and results, so
# the user's cache is neither used nor lost), written to bench/results.md
# with the goals of issue 13, each met or not met with its numbers.
# A benchmark, not a test: it asserts nothing and never fails on a missed
# goal.  It exits 1 only when a run itself broke (an exit status other
# than 0 or 1, no summary.json, an ERROR, a FAIL or SKIP the run is not
# meant to give), after writing what it measured; it stops at that run,
# since each run starts from the state the one before left.  Each run's
# output: .cache/bench/NAME.log; its results: .cache/bench/results/NAME/latest/.
#
# The runs, one at a time, in this order:
#   ref-a         reference (a): every kernel a cold run needs (each
#                 distinct tree x arch), one build after another, nothing
#                 else running, ccache empty.  check-series itself with
#                 JOBS=1 STEPS=build on an empty cache: one job at a time,
#                 and at -j1 make has no jobserver, so each kernel build
#                 runs with make -j$(nproc): one build at a time with every
#                 core, in the engine's own order and lanes (a lane's build
#                 directory starting from the tree before, as in the cold
#                 run).  The reference is the sum of its build jobs' times
#                 (jobs.tsv), not its wall: the target's extraction is no
#                 kernel build.
#   cold          cache and ccache emptied again: everything from nothing
#   warm          the same again, nothing changed
#   edit-message  one line of 0001's commit message edited
#   ref-b         reference (b): the rebuild the code edit below causes,
#                 alone: STEPS=build JOBS=1 with the edited 0001 for every
#                 variant whose patches include 0001 (incremental, the
#                 variant 0001 makes, see "by their role" below, and a
#                 test-only variant planted on it), both arches, one
#                 after the other, run on a
#                 copy of the cache and ccache that is then thrown away, so
#                 that edit-code starts from the very state ref-b started
#                 from (same build directories, ccache without the edited
#                 objects).  The reference is its build jobs' time.
#   edit-code     the line 0001 adds moved up one (on top of the message
#                 edit): a new tree for every variant with 0001, both
#                 arches rebuilt and booted, static checks of the changed
#                 file.  v5's equivalence
#                 FAILs, as it must (incremental no longer equals v5): the
#                 one FAIL expected.
#   scale-*       boots only, kernels cached: STEPS=boot with REPEAT=1, 5,
#                 20 and ARCHS=x86_64, then every arch, each with the
#                 default JOBS (nproc + 1) and with JOBS=1; the boot verdicts
#                 ($CACHE_DIR/verdicts/boot) removed before each, so every
#                 boot runs again.
# For each run, the busy share of all cores from /proc/stat's "cpu" line,
# sampled before and after: (user+nice+system+irq+softirq+steal) / total.
#
# How long, on the 2-core machine this is written for (measured by the
# whole bench of b5faa6e, 2026-11-30, bench/results.md): ref-a ~21 min,
# cold ~27 min, warm and message edit < 1 min, the copies of the cache
# ~5 min, ref-b and edit-code ~3 min: ~57 min before the scaling runs.
# Those took ~43 min for incremental's 4 tests (REPEAT 1+5+20, ARCHS=x86_64
# and then both, JOBS=1 and the default): ~11 min per test of the variants
# they boot.  BENCH_SCALING_VARIANTS=incremental: ~1 h 40 min in all;
# every variant (15 tests): ~3 h 40 min, estimated.  BENCH_QUICK=1:
# ~25 min, estimated (two cold x86_64 kernel builds are most of it).
#
#   bench.sh                     measure, then write the report
#   bench.sh --report DIR [OUT]  the report alone, from a bench directory
#                                (runs.tsv, meta, NAME.log, results/NAME/
#                                latest/): to write it again after a change
#                                to the report, and for tests.
#                                OUT: default bench/results.md
# Knobs:
#   BENCH_QUICK=1            to test this script: VARIANTS=control,incremental
#                            (by their role) ARCHS=x86_64 STEPS=apply,build,boot, REPEAT 1
#                            and 2 only; still real runs (not the committed
#                            measurement: the report says so)
#   BENCH_SCALING_VARIANTS=  the scaling runs' variants (default: all)
#   BENCH_DIR=               the bench directory (default .cache/bench)
#   BENCH_OUT=               the report (default bench/results.md)
#   CHECK_SERIES=            the script each run runs (tests give a stub)
#   BENCH_PROC_STAT=         where the cpu line is read (default /proc/stat)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

CHECK_SERIES=${CHECK_SERIES:-$PROJECT_DIR/scripts/check-series.sh}
PROC_STAT=${BENCH_PROC_STAT:-/proc/stat}
# The goals (issue 13).
GOAL_COLD_RATIO=1.5 GOAL_BUSY=0.85 GOAL_WARM=5 GOAL_MESSAGE=10 GOAL_CODE_RATIO=1.5 GOAL_SCALING=0.6
# A cold run's timeline is committed beside the report when it is small.
TIMELINE_MAX_BYTES=102400

# ---- the report: a fold of what the runs left -----------------------------------
# D: the bench directory.  D/runs.tsv has one line per run, TAB separated:
#   name rc wall busy load expect knobs what
# rc: check-series' exit status; wall: seconds; busy: the fraction of all
# cores busy over the run ("-": unknown); load: the 1-minute load average
# when it started; expect: the FAILs it is meant to give (VARIANT/STEP,
# comma separated, "-" none); knobs: its settings.  D/meta: KEY=VALUE.

run_line() { # NAME: its runs.tsv line (the last, if run twice)
	awk -F'\t' -v n="$1" '$1 == n { l = $0 } END { if (l != "") print l }' "$D/runs.tsv" 2>/dev/null
}
field() { # NAME N: field N of its line
	run_line "$1" | cut -f"$2"
}
run_dir() { echo "$D/results/$1/latest"; }
meta() { sed -n "s/^$1=//p" "$D/meta" 2>/dev/null | tail -n 1; }
knob() { # NAME KEY: the value KEY had in the run's knobs
	field "$1" 7 | tr ' ' '\n' | sed -n "s/^$2=//p" | tail -n 1
}

# problems NAME: nothing when the run went as it should; else one line
# saying what broke.
problems() {
	local n=$1 rc expect dir unexpected
	[ -n "$(run_line "$n")" ] || { echo "not run"; return 0; }
	rc=$(field "$n" 2) expect=$(field "$n" 6) dir=$(run_dir "$n")
	case $rc in
	0 | 1) ;;
	2) echo "exit 2, bad input: $(tail -n 1 "$D/$n.log" 2>/dev/null)"; return 0 ;;
	130) echo "interrupted (exit 130)"; return 0 ;;
	esac
	if [ ! -f "$dir/summary.json" ]; then
		echo "exit $rc and no summary.json: $(tail -n 1 "$D/$n.log" 2>/dev/null)"
		return 0
	fi
	if ! jq -e '.results | type == "array"' "$dir/summary.json" >/dev/null 2>&1; then
		echo "exit $rc and a summary.json without results"
		return 0
	fi
	unexpected=$(jq -r --arg ok "$expect" '($ok | split(",")) as $ok
		| .results[] | select(.verdict == "FAIL" or .verdict == "ERROR" or .verdict == "SKIP")
		| "\(.variant)/\(.step)" as $id
		| select(.verdict == "ERROR" or ([$ok[] | select(. == $id)] | length == 0))
		| "\($id) \(.verdict): \(.summary)"' "$dir/summary.json" | head -n 3 | paste -sd';' -)
	if [ -n "$unexpected" ]; then
		echo "exit $rc: $unexpected"
	elif [ "$rc" != 0 ] && [ "$(jq -r '.failed' "$dir/summary.json" 2>/dev/null)" = 0 ]; then
		echo "exit $rc without a FAIL: $(tail -n 1 "$D/$n.log" 2>/dev/null)"
	elif [ "$rc" = 0 ] && [ "$(jq -r '.failed' "$dir/summary.json" 2>/dev/null)" != 0 ]; then
		echo "exit 0 with FAILs: $(tail -n 1 "$D/$n.log" 2>/dev/null)"
	fi
}
# The report asks often: each run's problems are found once (PROB).
declare -A PROB=()
prob() {
	if [ -n "${PROB[$1]+set}" ]; then printf '%s\n' "${PROB[$1]}"; else problems "$1"; fi
}
usable() { [ -z "$(prob "$1")" ]; }
why_not() { # NAME...: why the first of them that is not usable is not
	local n p
	for n in "$@"; do
		p=$(prob "$n")
		if [ "$p" = "not run" ]; then
			echo "not measured: $n not run"
			return 0
		elif [ -n "$p" ]; then
			echo "not measured: $n broke ($p)"
			return 0
		fi
	done
}

wall() { field "$1" 3; }
# build_seconds NAME: the time of the run's kernel build jobs, start to
# end (jobs.tsv), summed; nothing when it has none.
build_seconds() {
	awk -F'\t' '!/^#/ && $2 == "build" && $5 ~ /^[0-9]+$/ && $6 ~ /^[0-9]+$/ { s += ($6 - $5) / 1e9; n++ }
		END { if (n) printf "%.1f\n", s }' "$(run_dir "$1")/jobs.tsv" 2>/dev/null || true
}
# kernels_built NAME: the build jobs that made a kernel: not cached (a
# cached verdict keeps the summary of the build that made it, "built in"
# too), and their record's summary says "built in" ("reused": the kernel
# was there).  A job's record is its id with / for . (README: records).
kernels_built() {
	local d rec n=0
	d=$(run_dir "$1")
	[ -f "$d/jobs.tsv" ] || { echo "?"; return 0; }
	while read -r rec; do
		! grep -q "built in" "$d/$rec/summary" 2>/dev/null || n=$((n + 1))
	done < <(awk -F'\t' '!/^#/ && $2 == "build" && $8 == 0 { gsub(/\./, "/", $1); print $1 }' "$d/jobs.tsv")
	echo "$n"
}
# compiled NAME: C files the run's kernel builds compiled (kbuild's "  CC"
# lines in their make logs): the work a build did, so that ref-b and
# edit-code, ref-a and cold can be seen to compile the same.
compiled() {
	local d=$1 logs
	d=$(run_dir "$1")
	logs=$(find "$d/" -name '*.make.log' 2>/dev/null | sort)
	[ -n "$logs" ] || { echo "?"; return 0; }
	# shellcheck disable=SC2086 # one path a line, no spaces in them
	cat $logs | grep -c '^  CC ' || true
}
boots() {
	awk -F'\t' '!/^#/ && $2 == "boot" { n++ } END { print n + 0 }' "$(run_dir "$1")/jobs.tsv" 2>/dev/null || echo 0
}
last_line() {
	local l
	l=$(grep -E '^check-series: [0-9]+ passed' "$D/$1.log" 2>/dev/null | tail -n 1) || true
	[ -n "$l" ] || l=$(tail -n 1 "$D/$1.log" 2>/dev/null) || true
	printf '%s\n' "${l:-no output}"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b }'; }
pct() { awk -v f="$1" 'BEGIN { if (f == "-" || f == "") print "?"; else printf "%.0f%%\n", f * 100 }'; }
cores() { awk -v f="$1" -v n="$2" 'BEGIN { if (f == "-" || f == "") print "?"; else printf "%.2f\n", f * n }'; }

# goal_row GOAL MEASURED VALUE OP LIMIT: one row of the goals table; met
# when VALUE OP LIMIT holds (OP: <= or >=); VALUE empty: not measured,
# MEASURED says why.
goal_row() {
	local goal=$1 measured=$2 value=$3 op=$4 limit=$5 met
	if [ -z "$value" ]; then
		met="not met (not measured)"
	elif awk -v a="$value" -v b="$limit" -v op="$op" 'BEGIN { exit !(op == "<=" ? a <= b : a >= b) }'; then
		met="met"
	else
		met="**not met**"
	fi
	printf '| %s | %s | %s |\n' "$goal" "$measured" "$met"
}

# scaling_runs: the scaling runs with the default JOBS, in the order run.
scaling_runs() {
	awk -F'\t' '$1 ~ /^scale-.*-default$/ && !seen[$1]++ { print $1 }' "$D/runs.tsv" 2>/dev/null
}

goals() {
	local nproc=$1 refa refb w r b s top one n lim what j1 goal
	echo "| goal (issue 13) | measured | |"
	echo "|---|---|---|"
	refa=$(build_seconds ref-a)
	if usable ref-a && usable cold && [ -n "$refa" ]; then
		w=$(wall cold) r=$(ratio "$(wall cold)" "$refa")
		goal_row "cold: wall ≤ $GOAL_COLD_RATIO × reference (a)" "$w s / $refa s = $r" "$r" "<=" "$GOAL_COLD_RATIO"
	else
		goal_row "cold: wall ≤ $GOAL_COLD_RATIO × reference (a)" "$(why_not ref-a cold)" "" "" ""
	fi
	b=$(field cold 4)
	if ! usable cold; then
		goal_row "cold: mean busy cores ≥ $(pct "$GOAL_BUSY") of nproc" "$(why_not cold)" "" "" ""
	elif [ -z "$b" ] || [ "$b" = - ]; then
		goal_row "cold: mean busy cores ≥ $(pct "$GOAL_BUSY") of nproc" "not measured: no /proc/stat sample" "" "" ""
	else
		goal_row "cold: mean busy cores ≥ $(pct "$GOAL_BUSY") of nproc" \
			"$(cores "$b" "$nproc") of $nproc cores = $(pct "$b")" "$b" ">=" "$GOAL_BUSY"
	fi
	for s in warm:"$GOAL_WARM":"warm, nothing changed" edit-message:"$GOAL_MESSAGE":"commit-message edit of 0001"; do
		IFS=: read -r n lim what <<<"$s"
		if usable "$n"; then
			goal_row "$what: wall ≤ $lim s" "$(wall "$n") s" "$(wall "$n")" "<=" "$lim"
		else
			goal_row "$what: wall ≤ $lim s" "$(why_not "$n")" "" "" ""
		fi
	done
	refb=$(build_seconds ref-b)
	if usable ref-b && usable edit-code && [ -n "$refb" ]; then
		w=$(wall edit-code) r=$(ratio "$(wall edit-code)" "$refb")
		goal_row "one-line code edit of 0001: wall ≤ $GOAL_CODE_RATIO × reference (b)" "$w s / $refb s = $r" "$r" "<=" "$GOAL_CODE_RATIO"
	else
		goal_row "one-line code edit of 0001: wall ≤ $GOAL_CODE_RATIO × reference (b)" "$(why_not ref-b edit-code)" "" "" ""
	fi
	# Scaling: the largest REPEAT of each arch set, default JOBS against JOBS=1.
	top=$(scaling_runs | while read -r one; do knob "$one" REPEAT; done | sort -n | tail -n 1)
	for one in $(scaling_runs); do
		[ "$(knob "$one" REPEAT)" = "$top" ] || continue
		j1=${one%-default}-jobs1
		goal="boots, REPEAT=$top$([ "$top" = 20 ] || echo " (the goal is for 20)"), ARCHS=$(knob "$one" ARCHS): default JOBS ≤ $GOAL_SCALING × JOBS=1 wall$([ "$nproc" = 2 ] || echo " (the goal is for 2 cores; here $nproc)")"
		if usable "$one" && usable "$j1"; then
			r=$(ratio "$(wall "$one")" "$(wall "$j1")")
			goal_row "$goal" "$(wall "$one") s / $(wall "$j1") s = $r" "$r" "<=" "$GOAL_SCALING"
		else
			goal_row "$goal" "$(why_not "$one" "$j1")" "" "" ""
		fi
	done
	if [ -z "$top" ]; then
		goal_row "boots, REPEAT=20: default JOBS ≤ $GOAL_SCALING × JOBS=1 wall" "not measured: no scaling run" "" "" ""
	fi
}

runs_table() {
	local nproc=$1 n rc w b l k what st
	echo "| run | what | settings | wall s | exit | busy cores (of $nproc) | load at start | last line |"
	echo "|---|---|---|---|---|---|---|---|"
	while IFS=$'\t' read -r n rc w b l _ k what; do
		st=$(prob "$n")
		printf '| %s | %s | %s | %s | %s | %s | %s | %s%s |\n' "$n" "$what" "\`$k\`" "$w" "$rc" \
			"$(cores "$b" "$nproc") ($(pct "$b"))" "$l" "$(last_line "$n" | sed 's/|/\\|/g')" "${st:+ — **broke**: ${st//|/\\|}}"
	done <"$D/runs.tsv"
}

scaling_table() {
	local one j1 nb note
	echo "| ARCHS | REPEAT | boots | wall, default JOBS (s) | wall, JOBS=1 (s) | JOBS=1 / default |"
	echo "|---|---|---|---|---|---|"
	for one in $(scaling_runs); do
		j1=${one%-default}-jobs1
		note=""
		nb=$(kernels_built "$one")
		[ "$nb" = 0 ] || note=" ($nb kernel(s) built: not boots only)"
		usable "$one" || note="$note (broke)"
		usable "$j1" || note="$note (JOBS=1 run: $(why_not "$j1"))"
		printf '| %s | %s | %s | %s | %s | %s%s |\n' "$(knob "$one" ARCHS)" "$(knob "$one" REPEAT)" "$(boots "$one")" \
			"$(wall "$one")" "$(wall "$j1")" "$(ratio "$(wall "$j1")" "$(wall "$one")")" "$note"
	done
}

# timeline OUTDIR: the cold run's timeline.svg copied beside the report
# when small enough to commit; prints the markdown that links it.
timeline() {
	local outdir=$1 svg size
	svg=$(run_dir cold)/timeline.svg
	rm -f "$outdir/cold-timeline.svg"
	if [ ! -f "$svg" ]; then
		echo "The cold run left no timeline.svg."
		return 0
	fi
	size=$(stat -c %s "$svg")
	if [ "$size" -le "$TIMELINE_MAX_BYTES" ]; then
		cp "$svg" "$outdir/cold-timeline.svg"
		echo "The cold run's jobs, one bar each, and how many ran at once against the cores: [cold-timeline.svg](cold-timeline.svg)."
	else
		echo "The cold run's timeline is $((size / 1024)) KiB, too large to commit: .cache/bench/results/cold/latest/timeline.svg."
	fi
	grep -m1 '^timeline: ' "$D/cold.log" 2>/dev/null | sed 's/^/    /' || true
}

# report OUT: the report from $D.
report() {
	local out=$1 tmp nproc refa refb n commit
	nproc=$(meta nproc)
	nproc=${nproc:-$(nproc)}
	[ -f "$D/runs.tsv" ] || die "no $D/runs.tsv: not a bench directory (run bench.sh first)"
	while IFS=$'\t' read -r n _; do PROB[$n]=$(problems "$n"); done <"$D/runs.tsv"
	tmp=$out.tmp.$$
	refa=$(build_seconds ref-a) refb=$(build_seconds ref-b) commit=$(meta commit)
	{
		echo "# make check-series timings"
		echo
		if [ "$(meta quick)" = 1 ]; then
			echo "**BENCH_QUICK=1: a test of the bench itself (two variants, ARCHS=x86_64"
			echo "STEPS=apply,build,boot, REPEAT 1 and 2), not the committed measurement.**"
			echo
		fi
		echo "Measured by \`make bench\` ($(meta date), $nproc cores, $(meta cpu), $(meta machine), Linux $(meta kernel);"
		echo "target $(meta target), arches $(meta arches); scaling variants: $(meta scaling_variants)${commit:+; commit $commit}); the bench took $(meta seconds) s$(awk -v s="$(meta seconds)" 'BEGIN { if (s >= 60) printf " (%d h %02d min)", s / 3600, s % 3600 / 60 }')."
		echo "Every ratio's reference was measured in this same bench, alone (issue 13, \"Goals\")."
		echo
		goals "$nproc"
		echo
		echo "- Reference (a): the $(kernels_built ref-a) kernel builds a cold run needs, one after another with every core"
		echo "  (\`JOBS=1 STEPS=build\`, empty cache and ccache): ${refa:-?} s of builds ($(compiled ref-a) C files"
		echo "  compiled; the run's wall, with the target's extraction: $(wall ref-a) s). The cold run compiled $(compiled cold)."
		echo "- Reference (b): the rebuild of 0001's code edit, both arches one after the other"
		echo "  (\`JOBS=1 STEPS=build VARIANTS=$(knob ref-b VARIANTS)\`: every variant with 0001, on a copy of the cache thrown away after): ${refb:-?} s"
		echo "  ($(compiled ref-b) C files compiled; edit-code, from the same state, compiled $(compiled edit-code))."
		echo "- Busy cores: /proc/stat's \"cpu\" line before and after the run, (user+nice+system+irq+softirq+steal) / total"
		echo "  × nproc: the whole machine, so anything else running counts too (see the load at start)."
		echo
		echo "## Runs"
		echo
		runs_table "$nproc"
		echo
		echo "## Scaling: boots only, kernels cached (\`STEPS=boot\`, boot verdicts removed before each run)"
		echo
		scaling_table
		echo
		echo "## Cold run"
		echo
		timeline "$(dirname "$out")"
		echo
		echo '```'
		sed -n '/^variant /,/^(XFAIL/p' "$D/cold.log" 2>/dev/null || true
		echo '```'
	} >"$tmp"
	publish_file "$tmp" "$out"
}

if [ "${1:-}" = --report ]; then
	[ $# -ge 2 ] || die "usage: bench.sh --report DIR [OUT]"
	D=$(cd "$2" && pwd) || die "no bench directory $2"
	report "${3:-${BENCH_OUT:-$PROJECT_DIR/bench/results.md}}"
	exit 0
fi

# ---- measuring -------------------------------------------------------------------
D=${BENCH_DIR:-$PROJECT_DIR/.cache/bench}
case $(realpath -m "$D") in / | "$PROJECT_DIR" | "$HOME" | "$PROJECT_DIR/.cache") die "BENCH_DIR=$D: the bench empties it, give a directory of its own" ;; esac
out=${BENCH_OUT:-$PROJECT_DIR/bench/results.md}
# Each run is as a user's command line: none of the caller's selections
# (a `make bench STEPS=...` would pass them on), nor a make above it.
unset VARIANTS STEPS ARCHS REPEAT JOBS NO_CACHE PLAN KEEP_GOING LINUX_TREE V4_COMMIT BACKEND MAKEFLAGS MFLAGS MAKELEVEL
# The variants by their role, from the variants file (no script names
# one): the control is the first whose every expectation is FAIL; the
# edited one is the first another variant must equal (same-as), and that
# other one's equivalence must FAIL once the edit makes their trees differ.
ctl="" edit="" twin=""
for v in $(variant_names); do
	if [ -z "$ctl" ] && variant_expect "$v" | awk '$2 != "FAIL" { bad = 1 } END { exit (bad || NR == 0) }'; then
		ctl=$v
	fi
	s=$(variant_same_as "$v")
	[ -n "$edit" ] || [ "$s" = - ] || { edit=$s twin=$v; }
done
if [ -z "$ctl" ] || [ -z "$edit" ]; then
	die "the variants file has no variant whose every test must FAIL, or none that another must equal (same-as)"
fi
base=()
[ "${BENCH_QUICK:-0}" != 1 ] || base=("VARIANTS=$ctl,$edit" ARCHS=x86_64 "STEPS=apply,build,boot")
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	repeats=(1 2)
	arch_sets=(x86_64)
	scaling_variants=$ctl,$edit
else
	repeats=(1 5 20)
	all_arches=$(selected_arches | paste -sd, -)
	arch_sets=(x86_64)
	[ "$all_arches" = x86_64 ] || arch_sets+=("$all_arches")
	scaling_variants=${BENCH_SCALING_VARIANTS:-$(selected_variants | paste -sd, -)}
	# A bad name must stop the bench now, not after an hour of runs.
	VARIANTS=$scaling_variants selected_variants >/dev/null
fi
require_tool jq jq

rm -rf "$D"
mkdir -p "$D"
D=$(cd "$D" && pwd)
# The cold run's cache plus a copy of it for ref-b (~7 GiB each, both arches).
require_disk "$D" 16
export CACHE_DIR=$D/cache RESULTS_ROOT=$D/results CCACHE_DIR=$D/ccache

# The edits, made first: a bench that cannot make them stops before an hour of runs.
p0001=$(variant_patches "$edit" | head -n 1)
[ -n "$p0001" ] || die "the variants file gives $edit no patch: nothing to edit"
cp -r "$PATCHES_DIR" "$D/patches-message"
edited=()
for f in "$D/patches-message/$p0001" "$D/patches-message/stable-6.1/$p0001"; do
	[ -f "$f" ] || continue
	sed -i 's/^When introduced, the submount lookup/Once introduced, the submount lookup/' "$f"
	cmp -s "$f" "$PATCHES_DIR/${f#"$D/patches-message/"}" || edited+=("${f#"$D/patches-message/"}")
done
[ ${#edited[@]} -gt 0 ] || die "0001's message no longer starts 'When introduced, the submount lookup': update bench.sh's edit"
cp -r "$D/patches-message" "$D/patches-code"
# Every variant with 0001: the trees the code edit changes, the kernels it rebuilds.
# (BENCH_QUICK runs the edited variant alone.)
with0001=$edit
[ "${BENCH_QUICK:-0}" = 1 ] ||
	with0001=$(variants_with_patch "$p0001" | paste -sd, -)
# The code edit: the line 0001 adds goes up one, before spin_lock_init.
for f in "${edited[@]}"; do
	/usr/bin/python3 - "$D/patches-code/$f" <<'PY' || die "0001's hunk no longer adds its line after spin_lock_init: update bench.sh's code edit"
import sys
p = sys.argv[1]
s = open(p).read()
old = " \tspin_lock_init(&fi->lock);\n+\tfi->submount_lookup = NULL;\n"
new = "+\tfi->submount_lookup = NULL;\n \tspin_lock_init(&fi->lock);\n"
if old not in s:
    sys.exit(1)
open(p, "w").write(s.replace(old, new))
PY
done

t_bench=$(date +%s%N)
{
	echo "date=$(date -u +%Y-%m-%d)"
	echo "nproc=$(nproc)"
	echo "machine=$(uname -m)"
	echo "kernel=$(uname -r)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "quick=${BENCH_QUICK:-0}"
	echo "target=$(target_id)"
	echo "arches=${arch_sets[*]: -1}"
	echo "scaling_variants=$scaling_variants"
	# The code measured: its commit, "+" when the worktree had changes.
	echo "commit=$(git -C "$PROJECT_DIR" rev-parse --short=12 HEAD 2>/dev/null || echo "?")$(git -C "$PROJECT_DIR" status --porcelain -uno 2>/dev/null | grep -q . && echo +)"
} >"$D/meta"
: >"$D/runs.tsv"

clock() { # time since the bench started, h:mm:ss
	local s=$((($(date +%s%N) - t_bench) / 1000000000))
	printf '%d:%02d:%02d' $((s / 3600)) $((s % 3600 / 60)) $((s % 60))
}
cpu_sample() { head -n 1 "$PROC_STAT" 2>/dev/null || true; }
# busy_fraction SAMPLE0 SAMPLE1: the share of all cores busy between two
# "cpu" lines: fields user nice system idle iowait irq softirq steal
# (guest and guest_nice are already counted in user and nice).
busy_fraction() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		na = split(a, x, " "); nb = split(b, y, " ")
		if (na < 9 || nb < 9 || x[1] != "cpu" || y[1] != "cpu") { print "-"; exit }
		for (i = 2; i <= 9; i++) { d[i] = y[i] - x[i]; t += d[i] }
		if (t <= 0) { print "-"; exit }
		printf "%.4f\n", (d[2] + d[3] + d[4] + d[7] + d[8] + d[9]) / t
	}'
}
# heartbeat NAME T0: a line every 2 minutes while a run goes on.
heartbeat() {
	local last=$SECONDS n
	while sleep 5; do
		[ $((SECONDS - last)) -ge 120 ] || continue
		last=$SECONDS
		n=$(grep -vc '^#' "$D/results/$1/latest/jobs.tsv" 2>/dev/null) || true
		note "[$(clock)] $1: running for $(elapsed_since "$2") s, ${n:-0} jobs done"
	done
}
hb=""
# shellcheck disable=SC2317 # run by the trap
stop_heartbeat() {
	[ -z "$hb" ] || kill "$hb" 2>/dev/null || true
	[ -z "$hb" ] || wait "$hb" 2>/dev/null || true
	hb=""
}
trap stop_heartbeat EXIT

broken=""
# run NAME EXPECT WHAT [KNOB=VALUE...]: check-series once, timed, with the
# bench's cache, BENCH_QUICK's knobs and these; one line in runs.tsv.
# Returns 1 when the run broke ($broken says how).
run() {
	local name=$1 expect=$2 what=$3 t0 rc=0 w s0 s1 busy load why knobs
	shift 3
	knobs=("${base[@]}" "$@")
	load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null) || load="?"
	note "[$(clock)] $name: $what (${knobs[*]:-no knobs}; load $load; log $D/$name.log)"
	rm -rf "$D/results/$name"
	s0=$(cpu_sample)
	t0=$(date +%s%N)
	heartbeat "$name" "$t0" &
	hb=$!
	env "${knobs[@]}" RESULTS_ROOT="$D/results/$name" bash "$CHECK_SERIES" >"$D/$name.log" 2>&1 </dev/null || rc=$?
	w=$(elapsed_since "$t0")
	s1=$(cpu_sample)
	stop_heartbeat
	busy=$(busy_fraction "$s0" "$s1")
	knobs=("${knobs[@]//"$D"\//}")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rc" "$w" "$busy" "$load" "$expect" "${knobs[*]:--}" "$what" >>"$D/runs.tsv"
	note "[$(clock)] $name: $w s, exit $rc, $(pct "$busy") of the cores busy; $(last_line "$name")"
	why=$(problems "$name")
	if [ -n "$why" ]; then
		broken="$name: $why"
		return 1
	fi
}

# A copy of the cache and ccache for ref-b to work on, at the same paths
# (worktrees, kbuild's .cmd files and ccache name absolute paths); the
# originals wait aside, untouched, for edit-code.  A copied file has a new
# inode and ctime: git would take every file of a copied checkout as
# changed and `checkout -f` would write them all again (new mtimes: a full
# rebuild), so each copied checkout's index is refreshed first (`git
# update-index --refresh` compares contents and leaves the files alone).
# An empty ccache is no ccache: both are made, so both are set aside.
aside() {
	local d g
	mkdir -p "$D/aside" "$CACHE_DIR" "$CCACHE_DIR" || return 1
	for d in "$CACHE_DIR" "$CCACHE_DIR"; do
		if ! cp -a "$d" "$D/aside/copy"; then
			rm -rf "$D/aside/copy"
			return 1
		fi
		mv "$d" "$D/aside/$(basename "$d")" && mv "$D/aside/copy" "$d" || return 1
	done
	while IFS= read -r g; do
		git -C "$(dirname "$g")" update-index -q --refresh >/dev/null 2>&1 || true
	done < <(find "$CACHE_DIR" -maxdepth 5 -name .git -prune -print 2>/dev/null)
}
back() { # the originals back, ref-b's copy gone
	local d
	for d in "$CACHE_DIR" "$CCACHE_DIR"; do
		[ -d "$D/aside/$(basename "$d")" ] || continue
		rm -rf "$d"
		mv "$D/aside/$(basename "$d")" "$d"
	done
	rm -rf "$D/aside"
}

measure() {
	local t0 archs r label
	if [ "${BENCH_QUICK:-0}" = 1 ]; then
		note "[$(clock)] BENCH_QUICK=1: about 25 min on 2 cores; bench directory $D"
	else
		# ~57 min, then ~11 min of scaling runs per test they boot.
		t0=$(for v in ${scaling_variants//,/ }; do variant_expect "$v"; done | wc -l)
		t0=$((57 + t0 * 43 / 4))
		note "[$(clock)] about $((t0 / 60)) h $((t0 % 60)) min on 2 cores (scaling runs of $scaling_variants); bench directory $D"
	fi
	run ref-a - "reference (a): every kernel a cold run needs, one build at a time, empty cache and ccache" \
		STEPS=build JOBS=1 || return 1
	note "[$(clock)] emptying the bench's cache and ccache for the cold run"
	rm -rf "$CACHE_DIR" "$CCACHE_DIR"
	run cold - "empty cache and ccache" || return 1
	run warm - "nothing changed" || return 1
	run edit-message - "one line of 0001's commit message edited" PATCHES_DIR="$D/patches-message" || return 1
	t0=$(date +%s%N)
	if ! aside; then
		back
		broken="ref-b: no copy of the cache could be made (disk full?) in $D/aside"
		return 1
	fi
	note "[$(clock)] a copy of the cache for ref-b made in $(elapsed_since "$t0") s ($(du -sh "$CACHE_DIR" | cut -f1))"
	run ref-b - "reference (b): the rebuild 0001's code edit causes (every variant with 0001), both arches, one after the other" \
		STEPS=build VARIANTS="$with0001" JOBS=1 PATCHES_DIR="$D/patches-code" || { back; return 1; }
	back
	run edit-code "$twin/equivalence" "one line of 0001's code moved (after the message edit)" PATCHES_DIR="$D/patches-code" || return 1
	for archs in "${arch_sets[@]}"; do
		label=${archs//,/+}
		for r in "${repeats[@]}"; do
			rm -rf "$CACHE_DIR/verdicts/boot"
			run "scale-$label-r$r-default" - "boots only, REPEAT=$r, default JOBS" \
				STEPS=boot REPEAT="$r" ARCHS="$archs" VARIANTS="$scaling_variants" || return 1
			rm -rf "$CACHE_DIR/verdicts/boot"
			run "scale-$label-r$r-jobs1" - "boots only, REPEAT=$r, one job at a time" \
				STEPS=boot REPEAT="$r" ARCHS="$archs" VARIANTS="$scaling_variants" JOBS=1 || return 1
		done
	done
}

measure || true
echo "seconds=$(elapsed_since "$t_bench")" >>"$D/meta"
mkdir -p "$(dirname "$out")"
report "$out"
cat "$out"
if [ -n "$broken" ]; then
	note "[$(clock)] stopped: a run broke: $broken (its log: $D/${broken%%:*}.log); $out has what was measured"
	exit 1
fi
note "[$(clock)] done: $out"
