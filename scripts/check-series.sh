#!/bin/bash
# check-series.sh: every selected variant through every selected step, one
# verdict.  A run is made of jobs (one kernel per variant x arch, one boot
# per variant x arch x test x run, one static check per variant x tool,
# ...), planned once, written as a makefile and run by GNU make with
# JOBS=N (default: the cores + 1) jobs at a time; each job leaves its record
# under results/<run>/<variant>/<step>[/<arch>|/<arch>-<test>-<run>]/, and
# the table and summary.json are a fold of those records.
#
#   VARIANTS=a,b   which variants (default: all in the variants file)
#   STEPS=x,y      which steps (default: all); boot adds build (it needs the
#                  kernels), nothing else needs another step: every job finds
#                  its tree from the plan, not from what a step left behind
#   ARCHS=a,b      which arches (default: every arches/*.conf)
#   REPEAT=N       boot each test N times (side by side)
#   JOBS=N         jobs at a time (default: nproc + 1: a boot keeps its
#                  core only ~2/3 busy); kernel builds share make's
#                  jobserver, QEMU and spatch hold one job slot each
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
# 130 interrupted (Ctrl-C: SIGINT), 143 terminated (SIGTERM, to the run
# alone or to its process group): every job stopped, no partial record.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# Bad input (an unknown name, a target that cannot be prepared) exits 2.
DIE_STATUS=2
ALL_STEPS=(apply checkpatch sparse coccinelle w1 build boot equivalence)
# A variant stops at a failed apply, build or boot (KEEP_GOING=1 runs on):
# what comes after them is judged on what they made.  A static check's FAIL
# or ERROR never stops build and boot: the proof always runs.
STOPPERS=" apply build boot "
# Static steps that wait (order-only) for every build lane's last build;
# why: above the make line they get, below.  Coccinelle is not one.
AFTER_BUILDS=" sparse w1 "

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
# One slot more than cores: QEMU waits on its guest's timers and I/O (one
# boot at a time keeps 0.6-0.7 of a core busy: bench/results.md, JOBS=1
# runs), so a slot per core leaves a core a third idle while boots run.
jobs=${JOBS:-$(($(nproc) + 1))}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "JOBS=$jobs: give a whole number of jobs at a time, 1 or more"
case ${BACKEND:-local} in local | lava) ;; *) die "BACKEND=$BACKEND: give local or lava" ;; esac
require_tool jq jq
require_tool make make

stamp=$(date +%Y%m%d-%H%M%S)
if [ "${PLAN:-0}" = 1 ]; then
	RUN_DIR=$(mktemp -d)
	trap 'rm -rf "$RUN_DIR"' EXIT
else
	# Two runs started in the same second get a directory each.
	mkdir -p "$RESULTS_ROOT"
	RUN_DIR=$RESULTS_ROOT/$stamp
	mkdir "$RUN_DIR" 2>/dev/null || RUN_DIR=$(mktemp -d "$RUN_DIR-XXXXXX")
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
# What the plan learns here (each variant's commit and tree, each arch's
# config key) is what nearly every job's key asks
# again: kept in lib.sh's RUN_MEMO and handed to the resolver (job.sh
# --resolve reads JOB_MEMO/run-memo), which then asks none of it.
run_memo_plan "${variants[*]}" "${arches[*]}"
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
# the jobs of a lane (jobs sharing a worktree and build directory).  The
# same jobs, one a line, in jobs.list: `job.sh --resolve` gives every job
# it can its record before make starts (scripts/job.sh).  Written by the
# shell alone, no command per job: a run has a hundred of them.
mk=$RUN_DIR/jobs.mk
joblist=$RUN_DIR/jobs.list
# shellcheck disable=SC2016 # $(R) and $(JOB) are make's, not the shell's
R='$(R)' JOB='$(JOB)'
all=()
declare -A last_in_lane=() boots_of=()
after_builds=()
# rule REC "PREREQS" "ORDER_ONLY" LANE ARCH JOB-ARGS...: the job's rule
# (PREREQS: records), and its line in jobs.list.  The recipe's "+" gives
# every job make's jobserver: a kernel build inside a job takes its share
# of JOBS.
rule() {
	local rec=$1 pre=$2 oo=$3 lane=$4 arch=$5 a args="" env="" fields
	shift 5
	for a in "$@"; do
		# A word of many (a list of records) is one argument: quoted.
		case $a in *[!A-Za-z0-9_./:=+,@-]*) a="'${a//\'/\'\\\'\'}'" ;; esac
		args="$args $a"
	done
	[ -z "$lane" ] || env="LANE=$lane "
	[ -z "$arch" ] || env="${env}JOB_ARCH=$arch "
	# shellcheck disable=SC2086 # a list of records
	vpath_of $pre
	printf '%s/%s/verdict:%s%s\n\t+@%s%s%s\n' "$R" "$rec" "$_vpath" "${oo:+ | $R/$oo/verdict}" "$env" "$JOB" "$args" >>"$mk"
	printf -v fields '%s\t' "$rec" "${pre:--}" "${lane:--}" "${arch:--}" "$@"
	printf '%s\n' "${fields%$'\t'}" >>"$joblist"
	echo "job $rec${pre:+ after $pre}" >>"$RUN_DIR/plan.txt"
}
vpath_of() { # RECORD...: _vpath, their verdict files as make prerequisites
	local r
	_vpath=""
	for r in "$@"; do _vpath="$_vpath $R/$r/verdict"; done
}
stops_of() { # VARIANT STEP: _stops, the records of the variant's stoppers before STEP
	local v=$1 step=$2 s
	_stops=""
	for s in "${steps[@]}"; do
		[ "$s" != "$step" ] || break
		case $STOPPERS in *" $s "*) _stops="$_stops $v/$s" ;; esac
	done
	_stops=${_stops# }
}
# lane_rule LANE REC "PREREQS" ARCH ARGS...: a job of a lane, after the
# lane's previous one.
lane_rule() {
	local lane=$1 rec=$2 pre=$3 arch=$4
	shift 4
	rule "$rec" "$pre" "${last_in_lane[$lane]:-}" "$lane" "$arch" "$@"
	last_in_lane[$lane]=$rec
}
# kernel_of TREE ARCH: _kernel, where the plan's kernel is, asked once per
# tree and arch (each asks for the config's inputs and the compiler).
declare -A kernel_at=()
kernel_of() {
	[ -n "${kernel_at[$1 $2]:-}" ] || kernel_at[$1 $2]=$(kernel_path "$1" "$2")
	_kernel=${kernel_at[$1 $2]}
}
: >"$joblist"
{
	echo "# Written by check-series.sh for one run: make -f jobs.mk -jN"
	echo "R := $RUN_DIR"
	echo "JOB := bash $PROJECT_DIR/scripts/job.sh"
	echo ".DEFAULT_GOAL := all"
	echo ".DELETE_ON_ERROR:"
} >"$mk"
echo "# jobs: RECORD after PREREQUISITES (a lane's jobs also run one after another)" >>"$RUN_DIR/plan.txt"
for v in "${variants[@]}"; do
	for step in "${steps[@]}"; do
		stops_of "$v" "$step"
		stops=$_stops
		case $step in
		apply)
			# In a worktree of the job's own: side by side.
			rule "$v/apply" "" "" "" "" "$v/apply" apply - - "$v"
			all+=("$v/apply")
			;;
		checkpatch)
			rule "$v/checkpatch" "$stops" "" "" "" "$v/checkpatch" checkpatch - "${stops:--}" "$v"
			all+=("$v/checkpatch")
			;;
		sparse | coccinelle | w1)
			# One lane per tool: the three analyses run side by side.
			lane_rule "static-$step" "$v/$step" "$stops" "" "$v/$step" "$step" - "${stops:--}" "$v"
			all+=("$v/$step")
			case $AFTER_BUILDS in *" $step "*) after_builds+=("$v/$step") ;; esac
			;;
		build)
			subs=()
			for a in "${arches[@]}"; do
				lane_rule "build-$a" "$v/build/$a" "$stops" "$a" "$v/build/$a" build - "${stops:--}" "$v" "$a"
				subs+=("$v/build/$a")
			done
			rule "$v/build" "${subs[*]}" "" "" "" "$v/build" build - - --fold-worst "${subs[@]}"
			all+=("$v/build")
			;;
		boot)
			# A boot waits for its own arch's kernel, not the other's.
			read -r -a words <<<"${stops/$v\/build/}"
			stops=${words[*]:-}
			subs=()
			while read -r test _; do
				for a in "${arches[@]}"; do
					kernel_of "${tree_of[$v]}" "$a"
					for ((r = 1; r <= repeat; r++)); do
						rule "$v/boot/$a-$test-$r" "${stops:+$stops }$v/build/$a" "" "" "$a" \
							"$v/boot/$a-$test-$r" boot "$v/build/$a" "${stops:--}" "$v" "$a" "$test" "$r" "$_kernel"
						subs+=("$v/boot/$a-$test-$r")
						boots_of[$a]="${boots_of[$a]:-} $v/boot/$a-$test-$r"
					done
				done
			done < <(variant_expect "$v")
			rule "$v/boot" "${subs[*]}" "" "" "" "$v/boot" boot - - --fold "$v"
			all+=("$v/boot")
			;;
		equivalence)
			rule "$v/equivalence" "$stops" "" "" "" "$v/equivalence" equivalence - "${stops:--}" "$v"
			all+=("$v/equivalence")
			;;
		esac
	done
done
# A boot waits (order-only) for the last build of its arch's lane.  make
# walks `all` in order and waits at each ready job for a free slot, so a
# job that becomes ready behind the walk waits for the whole pass: a
# lane's next build, ready when the previous one ends, would wait behind
# every boot made ready by that build (stop 22's edit-code bench: 55 s).
# Boots hold one core each and are short; builds are the chain.
for a in "${arches[@]}"; do
	last=${last_in_lane[build-$a]:-}
	gated=""
	for r in ${boots_of[$a]:-}; do
		[ "${r%%/*}" = "${last%%/*}" ] || gated="$gated $R/$r/verdict"
	done
	if [ -n "$gated" ]; then
		printf '%s: | %s\n' "${gated# }" "$R/$last/verdict" >>"$mk"
		echo "lane build-$a: its boots after $last" >>"$RUN_DIR/plan.txt"
	fi
done
# AFTER_BUILDS (sparse and W=1) wait (order-only) for every lane's last
# build, for the same reason: ready from the start, they held the walk,
# and took the slots the incremental builds freed (stop 23's edit-code
# bench: fault-leak's builds started 14 s and 18 s late, behind them).
# Coccinelle does not wait: one core for minutes a tree, it fills the
# slot the builds leave.
lasts=""
for a in "${arches[@]}"; do
	[ -z "${last_in_lane[build-$a]:-}" ] || lasts="$lasts ${last_in_lane[build-$a]}"
done
if [ -n "$lasts" ] && [ "${#after_builds[@]}" -gt 0 ]; then
	vpath_of "${after_builds[@]}"
	gated=$_vpath
	# shellcheck disable=SC2086 # a list of records
	vpath_of $lasts
	printf '%s: |%s\n' "${gated# }" "$_vpath" >>"$mk"
	read -r -a words <<<"$AFTER_BUILDS"
	waiting=${words[*]}
	echo "${waiting// / and } after the last builds:$lasts" >>"$RUN_DIR/plan.txt"
fi
# Long jobs first: make starts prerequisites in the order given.  Builds
# lead (a lane's chain of kernels is the longest path of a run), then
# checkpatch (seconds: done while the first builds run, it does not hold
# the walk when they end), then the coccinelle lane (spatch on one core,
# ~100 s a tree).
order=()
for s in build checkpatch coccinelle sparse w1 boot equivalence apply; do
	for r in "${all[@]}"; do [ "${r#*/}" != "$s" ] || order+=("$r"); done
done
vpath_of "${order[@]}"
printf 'all:%s\n' "$_vpath" >>"$mk"

if [ "${PLAN:-0}" = 1 ]; then
	cat "$RUN_DIR/plan.txt"
	echo "check-series: plan only (PLAN=1): $(grep -c '^job ' "$RUN_DIR/plan.txt") jobs, nothing run"
	exit 0
fi

# ---- run ----------------------------------------------------------------------------
# The live status: finished jobs as they end; on a terminal, one line per
# running job below them (what, for how long, a kernel build's objects),
# plain "running:" lines once a minute otherwise.  USR1 (stop_status)
# cuts its second of sleep short: the last events are shown at once.
status_loop() {
	local off=0 size drawn=0 tty=0 last_plain=$SECONDS f id start lane now el extra exp n sleeper=""
	[ -t 1 ] && tty=1
	# shellcheck disable=SC2064 # the sleep of the moment, when the trap runs
	trap '[ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null' USR1
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
		sleep 1 &
		sleeper=$!
		wait "$sleeper" 2>/dev/null || true
		sleeper=""
	done
}
# stop_status: the status loop shows the last events and ends.
stop_status() {
	touch "$RUN_DIR/.done"
	[ -n "${status_pid:-}" ] || return 0
	kill -USR1 "$status_pid" 2>/dev/null || true
	wait "$status_pid" 2>/dev/null || true
	status_pid=""
}

# The resolver and make each run as a session of their own (setsid; its
# own process group too), in the background, waited for by `wait`, which
# a trapped signal interrupts at once: bash runs no trap while a command
# runs in the foreground.  So a TERM to check-series alone (a
# supervisor's, a timeout's) or Ctrl-C (INT to our process group) runs
# our trap now, not when make ends, and the trap hands the signal on to
# that session: make, every job and whatever they started, and nothing of
# our caller's.  env --default-signal: bash starts a command with & with
# SIGINT and SIGQUIT ignored (job control is off), which every job would
# inherit, their own Ctrl-C cleanup with it.  setsid does not fork here
# (a child of ours leads no group), so $! is the session's id.  The
# command's output goes to LOG by its own redirection, not the function's:
# the trap runs inside this function, and its words are for our stderr.
session=""
in_session() { # LOG CMD...: CMD as a session of its own, waited for; its status
	local rc=0 log=$1
	shift
	setsid env --default-signal=INT,QUIT "$@" >"$log" 2>&1 &
	session=$!
	wait "$session" || rc=$?
	session=""
	return "$rc"
}
# shellcheck disable=SC2317 # run by the trap, as the next three
# alive PID: PID runs (a zombie has ended: it only waits for our wait).
alive() {
	local st
	{ IFS= read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}
# shellcheck disable=SC2317
# session_runs SID: some process of the session runs (zombies aside: an
# orphan's stays until init reaps it, and some inits never do).
session_runs() {
	pgrep -r R,S,D,T,t -s "$1" >/dev/null 2>&1
}
# shellcheck disable=SC2317
# stop_session SIGNAL: SIGNAL to every process of the session, then wait:
# for its leader (make waits for its jobs, a job for its step) up to
# STOP_GRACE seconds (default 30), then for strays (a backend started
# with &, which ignores INT) up to 5 s, with a TERM after 2; what still
# runs then is killed (sweep_partial clears what it left).
stop_session() {
	local sid=$session i
	[ -n "$sid" ] || return 0
	pkill -"$1" -s "$sid" 2>/dev/null || true
	for ((i = 0; i < ${STOP_GRACE:-30} * 10; i++)); do
		alive "$sid" || break
		sleep 0.1
	done
	for ((i = 0; i < 50; i++)); do
		session_runs "$sid" || break
		[ "$i" != 20 ] || pkill -TERM -s "$sid" 2>/dev/null || true
		sleep 0.1
	done
	! session_runs "$sid" || pkill -KILL -s "$sid" 2>/dev/null || true
	wait "$sid" 2>/dev/null || true
	session=""
}
# shellcheck disable=SC2317
# sweep_partial: no record without its verdict, even from a job killed
# before its own cleanup (job.sh clear_record) could run.
sweep_partial() {
	local rec d
	while IFS=$'\t' read -r rec _; do
		d=$RUN_DIR/$rec
		if [ ! -d "$d" ] || [ -f "$d/verdict" ]; then continue; fi
		rm -f "$d/verdict.tmp" "$d/summary" "$d/seconds" "$d/cached" "$d/log" "$d/facts" "$d/key-stderr"
		rmdir "$d" 2>/dev/null || true
	done <"$joblist"
}

# shellcheck disable=SC2317 # run by the trap
interrupted() { # SIGNAL: stop every job, keep the finished records; 128 + SIGNAL
	trap '' INT TERM
	stop_session "$1"
	sweep_partial
	stop_status
	rm -rf "$RUN_DIR/.running" "$RUN_DIR"/.memo*
	echo "# run_end_ns $(date +%s%N)" >>"$RUN_DIR/jobs.tsv"
	bash "$PROJECT_DIR/scripts/timeline.sh" "$RUN_DIR" "$(nproc)" >/dev/null 2>&1 || true
	echo "check-series: interrupted ($1); finished jobs keep their records in $RUN_DIR, no partial record is left" >&2
	exit $((128 + $(kill -l "$1")))
}
trap 'interrupted INT' INT
trap 'interrupted TERM' TERM
# The host programs (oracle, vhost-user-fs), built once for the whole run.
if [ -n "${want_step[boot]:-}" ]; then
	PROGRAMS_DIR=$(bash "$PROJECT_DIR/scripts/programs.sh" host) ||
		DIE_STATUS=3 die "could not build the host programs (scripts/programs.sh host, above): an ERROR of the tools"
	export PROGRAMS_DIR
fi
: >"$RUN_DIR/events"
: >"$RUN_DIR/jobs.tsv"
# What the steps' keys ask of tools (QEMU's --version, a kernel's sha256,
# the guest image's key) is asked once per run: scripts/job.sh "memo".
JOB_MEMO=$RUN_DIR/.memo
mkdir -p "$JOB_MEMO"
export JOB_MEMO
declare -p RUN_MEMO >"$JOB_MEMO/run-memo"
status_loop &
status_pid=$!
# First every job whose record is known without running its step (a
# cached verdict, a SKIP, n/a, a fold), in one process; make runs the rest,
# if any (a warm run starts no make).  NO_CACHE=1: make runs every job.
if [ "${NO_CACHE:-0}" != 1 ]; then
	in_session "$RUN_DIR/resolve.log" bash "$PROJECT_DIR/scripts/job.sh" --resolve "$joblist" "$jobs" ||
		note "resolving the jobs from the cache failed (make runs them all): see $RUN_DIR/resolve.log"
	[ -s "$RUN_DIR/resolve.log" ] || rm -f "$RUN_DIR/resolve.log"
fi
make_rc=0
for r in "${all[@]}"; do
	[ -f "$RUN_DIR/$r/verdict" ] && continue
	in_session "$RUN_DIR/make.log" make -k -j"$jobs" --no-print-directory -f "$mk" || make_rc=$?
	break
done
stop_status
rm -rf "$RUN_DIR/.running" "$JOB_MEMO"
trap - INT TERM
[ "$make_rc" = 0 ] || note "the scheduler (make) exited with $make_rc: see $RUN_DIR/make.log"

# ---- report: a fold of the records -------------------------------------------
passed=0 failed=0 errors=0 skipped=0
records=$RUN_DIR/records.tsv
: >"$records"
line_of() { # FILE: _line, its first line (read by the shell: 4 per cell)
	_line=""
	IFS= read -r _line <"$1" || true
}
echo
printf '%-12s' variant
for s in "${steps[@]}"; do printf ' %-12s' "$s"; done
echo
for v in "${variants[@]}"; do
	printf '%-12s' "$v"
	facts=()
	for s in "${steps[@]}"; do
		d=$RUN_DIR/$v/$s
		if [ -f "$d/verdict" ]; then
			line_of "$d/verdict"
			verdict=$_line
			line_of "$d/seconds"
			secs=$_line
			line_of "$d/cached"
			cached=$_line
			line_of "$d/summary"
			summary=$_line
			facts+=("$d/facts")
			[ ! -f "$d/log" ] || ln -sfn "$s/log" "$RUN_DIR/$v/$s.log"
		else
			# The job left no record: ERROR.
			verdict=ERROR secs=0 cached=0 summary="the job left no record (see $RUN_DIR/make.log)"
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
	cat ${facts[@]+"${facts[@]}"} </dev/null >"$RUN_DIR/$v/facts"
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
	bash "$PROJECT_DIR/scripts/timeline.sh" "$RUN_DIR" "$(nproc)" || note "timeline.svg not written (see above)"
fi
echo "check-series: total $(elapsed_since "$t_run") s; results: $RUN_DIR (summary.json)"
last="check-series: $passed passed, $failed failed, $errors errors"
[ "$skipped" = 0 ] || last="$last, $skipped skipped"
echo "$last"
[ "$failed" = 0 ] || exit 1
[ "$errors" = 0 ] || exit 3
exit 0
