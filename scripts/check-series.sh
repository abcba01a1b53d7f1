#!/bin/bash
# check-series.sh: every selected variant through every selected step, one
# verdict.  A run is made of jobs (one kernel per variant x arch, one boot
# per variant x arch x test x run, one static check per variant x tool,
# ...), planned once, written as a makefile and run by GNU make with
# JOBS=N (default: the cores) jobs at a time; each job leaves its record
# under results/<run>/<variant>/<step>[/<arch>|/<arch>-<test>-<run>]/, and
# the table and summary.json are a fold of those records.
#
#   VARIANTS=a,b   which variants (default: all in the variants file)
#   STEPS=x,y      which steps (default: all); boot adds build (it needs the
#                  kernels), nothing else needs another step: every job finds
#                  its tree from the plan, not from what a step left behind
#   ARCHS=a,b      which arches (default: every arches/*.conf)
#   REPEAT=N       boot each test N times (side by side)
#   JOBS=N         jobs at a time (default: nproc); kernel builds share
#                  make's jobserver, QEMU and spatch hold one core each
#   KEEP_GOING=1   run a variant's later steps after one failed
#   NO_CACHE=1     ignore cached verdicts (they are keyed on every input)
#   PLAN=1         print the plan (trees, jobs, what each waits for), run nothing
#   LINUX_TREE=    the user's linux-next tree (default: the embedded 6.1)
#
# Step contract: `step-NAME.sh --key ARGS` prints the inputs the verdict
# depends on (exit KEY_NA, 6: the step does not apply); `step-NAME.sh
# ARGS` runs it, writes one line to $STEP_SUMMARY, may add KEY=VALUE facts
# to $FACTS, and exits with kselftest's codes: 0 PASS, 1 FAIL, 2 XFAIL
# (failed as the variants file expects), 4 SKIP, or 5 ERROR (the tools
# broke: nothing is known about the patch).  scripts/job.sh runs a step as
# a job and keeps its record; a step that ends without writing its summary
# line, whatever its status, is an ERROR: it crashed before it could judge.
#
# Exit status of the run: 0 every verdict as expected; 1 some FAIL (the
# patch, or what it was checked against, is wrong); 3 no FAIL but some
# ERROR (fix the machine or the tool named, then run again); 2 bad input;
# 130 interrupted (no job leaves a partial record).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# Bad input (an unknown name, a target that cannot be prepared) exits 2.
DIE_STATUS=2
ALL_STEPS=(apply checkpatch sparse coccinelle w1 build boot equivalence)
# A variant stops at a failed apply, build or boot (KEEP_GOING=1 runs on):
# what comes after them is judged on what they made.  A static check's FAIL
# or ERROR never stops build and boot: the proof always runs.
STOPPERS=" apply build boot "

declare -A want_step=()
for s in ${STEPS:-${ALL_STEPS[*]}}; do
	for s2 in ${s//,/ }; do
		case " ${ALL_STEPS[*]} " in *" $s2 "*) ;; *) die "unknown step '$s2' in STEPS=: known are ${ALL_STEPS[*]}" ;; esac
		want_step[$s2]=1
	done
done
added=""
if [ -n "${want_step[boot]:-}" ] && [ -z "${want_step[build]:-}" ]; then
	want_step[build]=1
	added="build (boot needs the kernels)"
fi
steps=()
for s in "${ALL_STEPS[@]}"; do [ -z "${want_step[$s]:-}" ] || steps+=("$s"); done
# Checked here, not in a process substitution: a bad name must stop the run.
list=$(selected_variants) || exit 2
mapfile -t variants <<<"$list"
list=$(selected_arches) || exit 2
mapfile -t arches <<<"$list"
repeat=${REPEAT:-1}
[[ $repeat =~ ^[1-9][0-9]*$ ]] || die "REPEAT=$repeat: give a whole number of runs, 1 or more"
jobs=${JOBS:-$(nproc)}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "JOBS=$jobs: give a whole number of jobs at a time, 1 or more"
case ${BACKEND:-local} in local | lava) ;; *) die "BACKEND=$BACKEND: give local or lava" ;; esac
require_tool jq jq
require_tool make make

stamp=$(date +%Y%m%d-%H%M%S)
if [ "${PLAN:-0}" = 1 ]; then
	RUN_DIR=$(mktemp -d)
	trap 'rm -rf "$RUN_DIR"' EXIT
else
	RUN_DIR=$RESULTS_ROOT/$stamp
	[ -e "$RUN_DIR" ] && RUN_DIR=$RUN_DIR-$$
	mkdir -p "$RUN_DIR"
	ln -sfn "$(basename "$RUN_DIR")" "$RESULTS_ROOT/latest"
fi
export RUN_DIR

t_run=$(date +%s%N)
echo "check-series: target $(target_kind) ($(target_id)), variants: ${variants[*]}, steps: ${steps[*]}${added:+; added: $added}, arches: ${arches[*]}, $jobs jobs at a time"
[ "${PLAN:-0}" = 1 ] || echo "check-series: results in $RUN_DIR"
TARGET_DIR=$(bash "$PROJECT_DIR/scripts/prepare-target.sh" 2> >(tee "$RUN_DIR/prepare-target.log" >&2)) ||
	die "could not prepare the target tree (log: $RUN_DIR/prepare-target.log)"
export TARGET_DIR

# ---- the plan ---------------------------------------------------------------------
# Each variant's tree, without a checkout (lib.sh plan_commit), and the
# distinct trees: equal trees get one kernel per arch and one analysis.
declare -A trees_seen=() tree_of=()
tree_list=()
{
	echo "# plan: variant base tree patches (tree: the git tree id of base + patches; equal trees share kernels and findings)"
	for v in "${variants[@]}"; do
		t=$(plan_tree "$v")
		tree_of[$v]=$t
		if [ "$t" = none ]; then
			why=$(plan_commit "$v" 2>&1 >/dev/null | tail -n 1 || true)
			echo "variant $v $(variant_base "$v") none ($why)"
			continue
		fi
		[ -n "${trees_seen[$t]:-}" ] || { trees_seen[$t]=$v; tree_list+=("$t"); }
		echo "variant $v $(variant_base "$v") ${t:0:12} $(variant_patches "$v" | paste -sd, | sed 's/^$/-/')$([ "${trees_seen[$t]}" = "$v" ] || echo " (same tree as ${trees_seen[$t]})")"
	done
	echo "# ${#tree_list[@]} distinct tree(s): ${#tree_list[@]} x ${#arches[@]} kernel(s) at most"
} >"$RUN_DIR/plan.txt"

# ---- the jobs, as a makefile ---------------------------------------------------
# One rule per job; its target is the record's verdict.  Prerequisites
# carry data (a boot needs its kernel) and the stop rule (a variant's
# later steps wait for its apply, build and boot); order-only ones chain
# the jobs of a lane (jobs sharing a worktree and build directory).
mk=$RUN_DIR/jobs.mk
# shellcheck disable=SC2016 # $(R) and $(JOB) are make's, not the shell's
R='$(R)' JOB='$(JOB)'
all=()
declare -A last_in_lane=()
# rule REC "PREREQS" "ORDER_ONLY" "ENV" JOB-ARGS...: the job's rule.  The
# recipe's "+" gives every job make's jobserver: a kernel build inside a
# job takes its share of JOBS.
rule() {
	local rec=$1 pre=$2 oo=$3 env=$4
	shift 4
	printf '%s/%s/verdict:%s%s\n\t+@%s%s %s\n' "$R" "$rec" "$pre" "${oo:+ | $oo}" "${env:+$env }" "$JOB" "$*" >>"$mk"
	echo "job $rec${pre:+ after$pre}" | sed "s|\$(R)/||g; s|/verdict||g" >>"$RUN_DIR/plan.txt"
}
vpath_of() { # RECORD...: their verdict files, as make prerequisites
	local r
	for r in "$@"; do printf ' %s/%s/verdict' "$R" "$r"; done
}
stops_of() { # VARIANT STEP: the records of the variant's stoppers before STEP
	local v=$1 step=$2 s out=""
	for s in "${steps[@]}"; do
		[ "$s" != "$step" ] || break
		case $STOPPERS in *" $s "*) out="$out $v/$s" ;; esac
	done
	echo "${out# }"
}
# lane_rule LANE REC "PREREQS" "ENV" ARGS...: a job of a lane, after the
# lane's previous one.
lane_rule() {
	local lane=$1 rec=$2 pre=$3 env=$4
	shift 4
	rule "$rec" "$pre" "${last_in_lane[$lane]:+$R/${last_in_lane[$lane]}/verdict}" "LANE=$lane${env:+ $env}" "$@"
	last_in_lane[$lane]=$rec
}
{
	echo "# Written by check-series.sh for one run: make -f jobs.mk -jN"
	echo "R := $RUN_DIR"
	echo "JOB := bash $PROJECT_DIR/scripts/job.sh"
	echo ".DEFAULT_GOAL := all"
	echo ".DELETE_ON_ERROR:"
} >"$mk"
echo "# jobs: RECORD after PREREQUISITES (a lane's jobs also run one after another)" >>"$RUN_DIR/plan.txt"
q() { printf "'%s'" "$*"; }
for v in "${variants[@]}"; do
	for step in "${steps[@]}"; do
		stops=$(stops_of "$v" "$step")
		pre=""
		# shellcheck disable=SC2086 # a list of records
		[ -z "$stops" ] || pre=$(vpath_of $stops)
		case $step in
		apply)
			# In the target's own checkout, one variant after another.
			lane_rule apply "$v/apply" "" "" "$v/apply" apply - - "$v"
			all+=("$v/apply")
			;;
		checkpatch)
			rule "$v/checkpatch" "$pre" "" "" "$v/checkpatch" checkpatch - "$(q "${stops:--}")" "$v"
			all+=("$v/checkpatch")
			;;
		sparse | coccinelle | w1)
			# One lane per tool: the three analyses run side by side.
			lane_rule "static-$step" "$v/$step" "$pre" "" "$v/$step" "$step" - "$(q "${stops:--}")" "$v"
			all+=("$v/$step")
			;;
		build)
			subs=()
			for a in "${arches[@]}"; do
				lane_rule "build-$a" "$v/build/$a" "$pre" "JOB_ARCH=$a" "$v/build/$a" build - "$(q "${stops:--}")" "$v" "$a"
				subs+=("$v/build/$a")
			done
			rule "$v/build" "$(vpath_of "${subs[@]}")" "" "" "$v/build" build - - --fold-worst "${subs[*]}"
			all+=("$v/build")
			;;
		boot)
			# A boot waits for its own arch's kernel, not the other's.
			read -r -a words <<<"${stops/$v\/build/}"
			stops=${words[*]:-}
			pre=""
			# shellcheck disable=SC2086 # a list of records
			[ -z "$stops" ] || pre=$(vpath_of $stops)
			subs=()
			while read -r test _; do
				for a in "${arches[@]}"; do
					kernel=$(kernel_path "${tree_of[$v]}" "$a")
					for r in $(seq "$repeat"); do
						rule "$v/boot/$a-$test-$r" "$pre$(vpath_of "$v/build/$a")" "" \
							"JOB_ARCH=$a" "$v/boot/$a-$test-$r" boot "$v/build/$a" "$(q "${stops:--}")" "$v" "$a" "$test" "$r" "$kernel"
						subs+=("$v/boot/$a-$test-$r")
					done
				done
			done < <(variant_expect "$v")
			if [ ${#subs[@]} -gt 0 ]; then
				rule "$v/boot" "$(vpath_of "${subs[@]}")" "" "" "$v/boot" boot - - --fold "$v"
			else
				rule "$v/boot" "" "" "" "$v/boot" boot - - --fold "$v"
			fi
			all+=("$v/boot")
			;;
		equivalence)
			rule "$v/equivalence" "$pre" "" "" "$v/equivalence" equivalence - "$(q "${stops:--}")" "$v"
			all+=("$v/equivalence")
			;;
		esac
	done
done
# Long jobs first: make starts prerequisites in the order given, and the
# coccinelle lane (spatch on one core) is the longest chain of a cold run.
order=()
for s in coccinelle build sparse w1 boot checkpatch equivalence apply; do
	for r in "${all[@]}"; do [ "${r#*/}" != "$s" ] || order+=("$r"); done
done
printf 'all:%s\n' "$(vpath_of "${order[@]}")" >>"$mk"

if [ "${PLAN:-0}" = 1 ]; then
	cat "$RUN_DIR/plan.txt"
	echo "check-series: plan only (PLAN=1): $(grep -c '^job ' "$RUN_DIR/plan.txt") jobs, nothing run"
	exit 0
fi

# ---- run ----------------------------------------------------------------------------
# The live status: finished jobs as they end; on a terminal, one line per
# running job below them (what, for how long, a kernel build's objects),
# plain "running:" lines once a minute otherwise.
status_loop() {
	local off=0 size drawn=0 tty=0 last_plain=$SECONDS f id start lane now el extra exp n
	[ -t 1 ] && tty=1
	while :; do
		size=$(stat -c %s "$RUN_DIR/events" 2>/dev/null || echo 0)
		[ "$tty" = 0 ] || [ "$drawn" = 0 ] || printf '\033[%dA\033[J' "$drawn"
		drawn=0
		if [ "$size" -gt "$off" ]; then
			tail -c +$((off + 1)) "$RUN_DIR/events" | head -c $((size - off))
			off=$size
		fi
		[ ! -f "$RUN_DIR/.done" ] || break
		if [ "$tty" = 1 ] || [ $((SECONDS - last_plain)) -ge 60 ]; then
			now=$(date +%s%N)
			for f in "$RUN_DIR"/.running/*; do
				[ -f "$f" ] || continue
				id=$(basename "$f")
				IFS=$'\t' read -r start lane _ <"$f" || continue
				el=$(((now - start) / 1000000000))
				extra=""
				case $lane in
				build-*)
					exp=$(cat "$CACHE_DIR/build/$(target_id)-${lane#build-}.objects" 2>/dev/null || echo "?")
					n=$(find "$CACHE_DIR/build/$(target_id)-$lane" -name '*.o' -newer "$f" 2>/dev/null | wc -l)
					extra=" $n/$exp objects"
					;;
				esac
				if [ "$tty" = 1 ]; then
					printf '  ... %-40s %5ss%s\n' "$id" "$el" "$extra"
					drawn=$((drawn + 1))
				else
					printf '  running: %s %ss%s\n' "$id" "$el" "$extra"
				fi
			done
			last_plain=$SECONDS
		fi
		sleep 1
	done
}

# shellcheck disable=SC2317 # run by the trap
interrupted() {
	trap '' INT TERM
	touch "$RUN_DIR/.done"
	[ -z "${status_pid:-}" ] || wait "$status_pid" 2>/dev/null || true
	rm -rf "$RUN_DIR/.running"
	echo "# run_end_ns $(date +%s%N)" >>"$RUN_DIR/jobs.tsv"
	bash "$PROJECT_DIR/scripts/timeline.sh" "$RUN_DIR" "$jobs" >/dev/null 2>&1 || true
	echo "check-series: interrupted; finished jobs keep their records in $RUN_DIR, no partial record is left" >&2
	exit 130
}
trap interrupted INT TERM
# The host programs (oracle, vhost-user-fs), built once for the whole run.
if [ -n "${want_step[boot]:-}" ]; then
	PROGRAMS_DIR=$(bash "$PROJECT_DIR/scripts/programs.sh" host) ||
		DIE_STATUS=3 die "could not build the host programs (scripts/programs.sh host, above): an ERROR of the tools"
	export PROGRAMS_DIR
fi
: >"$RUN_DIR/events"
: >"$RUN_DIR/jobs.tsv"
status_loop &
status_pid=$!
make_rc=0
# make in the foreground: a job started with & would ignore Ctrl-C (as
# every background job of a script does), and so would every job it runs.
make -k -j"$jobs" --no-print-directory -f "$mk" >"$RUN_DIR/make.log" 2>&1 || make_rc=$?
touch "$RUN_DIR/.done"
wait "$status_pid" || true
rm -rf "$RUN_DIR/.running"
trap - INT TERM
[ "$make_rc" = 0 ] || note "the scheduler (make) exited with $make_rc: see $RUN_DIR/make.log"

# ---- report: a fold of the records -------------------------------------------
passed=0 failed=0 errors=0 skipped=0
records=$RUN_DIR/records.tsv
: >"$records"
cell_of() { # VARIANT STEP: verdict, or ERROR when the job left no record
	cat "$RUN_DIR/$1/$2/verdict" 2>/dev/null || echo ERROR
}
echo
printf '%-12s' variant
for s in "${steps[@]}"; do printf ' %-12s' "$s"; done
echo
for v in "${variants[@]}"; do
	printf '%-12s' "$v"
	: >"$RUN_DIR/$v/facts"
	for s in "${steps[@]}"; do
		d=$RUN_DIR/$v/$s
		verdict=$(cell_of "$v" "$s")
		if [ -f "$d/verdict" ]; then
			secs=$(cat "$d/seconds") cached=$(cat "$d/cached") summary=$(head -n 1 "$d/summary")
			cat "$d/facts" >>"$RUN_DIR/$v/facts"
			[ ! -f "$d/log" ] || ln -sfn "$s/log" "$RUN_DIR/$v/$s.log"
		else
			secs=0 cached=0 summary="the job left no record (see $RUN_DIR/make.log)"
		fi
		case $verdict in
		PASS | XFAIL) passed=$((passed + 1)) ;;
		FAIL) failed=$((failed + 1)) ;;
		ERROR) errors=$((errors + 1)) ;;
		SKIP) skipped=$((skipped + 1)) ;;
		esac
		cell=$verdict
		[ "$cell" = n/a ] || cell="$cell ${secs%.*}s"
		[ "$cached" = 1 ] && cell="$cell*"
		printf ' %-12s' "$cell"
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$s" "$verdict" "$secs" "$cached" "$summary" >>"$records"
	done
	echo
done
echo "(XFAIL: failed as the variants file expects; ERROR: the tools broke, nothing is known about the patch;"
echo " SKIP: not run, the reason is below, it does not fail the run by itself; *: verdict reused from the cache)"
echo
while IFS=$'\t' read -r v s verdict _ _ summary; do
	case $verdict in FAIL | XFAIL | SKIP | ERROR) echo "$v/$s $verdict: $summary" ;; esac
done <"$records"
bash "$PROJECT_DIR/scripts/write-summary.sh" "$RUN_DIR" "$records"
# The same results in KernelCI's common schema, for dashboards.
bash "$PROJECT_DIR/scripts/kcidb.sh" "$RUN_DIR" || note "kcidb.json not written (see above)"
# Where the time went: one bar per job.
if [ -s "$RUN_DIR/jobs.tsv" ] && [ -f "$PROJECT_DIR/scripts/timeline.sh" ]; then
	bash "$PROJECT_DIR/scripts/timeline.sh" "$RUN_DIR" "$jobs" || note "timeline.svg not written (see above)"
fi
echo "check-series: total $(elapsed_since "$t_run") s; results: $RUN_DIR (summary.json)"
last="check-series: $passed passed, $failed failed, $errors errors"
[ "$skipped" = 0 ] || last="$last, $skipped skipped"
echo "$last"
[ "$failed" = 0 ] || exit 1
[ "$errors" = 0 ] || exit 3
exit 0
