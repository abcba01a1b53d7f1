#!/bin/bash
# job.sh REC STEP NEEDS STOPS [ARG...]: one job of a check-series run, as
# the scheduler (GNU make, the makefile check-series.sh writes) starts it.
# Runs scripts/step-STEP.sh ARG... and leaves its record in RUN_DIR/REC/:
#   verdict  PASS FAIL XFAIL SKIP ERROR or n/a, written last: a directory
#            without it is no record (an interrupted job leaves none)
#   summary  one line;  seconds;  cached (1: reused from the cache)
#   log      the step's output;  facts  KEY=VALUE lines the step noted
# plus what the step wrote there (its VARIANT_DIR).
#
# NEEDS: records (RUN_DIR-relative, space separated) that must have passed
# for this job to mean anything (a boot needs its kernel); STOPS: records
# whose FAIL or ERROR stops the variant here unless KEEP_GOING=1.  Either
# may be "-".  ARG "--fold" marks a job that folds other records into the
# step's verdict (never cached); "--fold-worst SUBREC..." folds by the
# worst verdict.
#
# Verdicts are cached by content: the step's `--key ARG...` output (every
# input of the verdict), the step script and lib.sh; only PASS, FAIL and
# XFAIL, never an ERROR or a SKIP.  The job's exit status is 0 whatever
# the verdict (the verdict is the record), 130 when interrupted.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -ge 4 ] || die "usage: job.sh REC STEP NEEDS STOPS [ARG...]"
rec_rel=$1 step=$2 needs=$3 stops=$4
shift 4
: "${RUN_DIR:?job.sh runs under check-series.sh (RUN_DIR=)}"
rec=$RUN_DIR/$rec_rel
id=${rec_rel//\//.}
v=${rec_rel%%/*}
running=$RUN_DIR/.running/$id
t0=$(date +%s%N)
mkdir -p "$RUN_DIR/.running"
printf '%s\t%s\t%s\n' "$t0" "${LANE:-}" "$*" >"$running"

# clear_record: the record's own files; the records of a step's jobs
# (build/ARCH, boot/ARCH-TEST-RUN) live below a fold's and stay.
clear_record() {
	rm -f "$rec/verdict" "$rec/verdict.tmp" "$rec/summary" "$rec/seconds" "$rec/cached" "$rec/log" "$rec/facts"
	rmdir "$rec" 2>/dev/null || true
}
# shellcheck disable=SC2317 # run by the trap
interrupted() {
	# No half-written record: a record is a directory with a verdict.
	[ -f "$rec/verdict" ] || clear_record
	rm -f "$running"
	exit 130
}
trap interrupted INT TERM
clear_record
mkdir -p "$rec"

# finish VERDICT SUMMARY SECONDS CACHED: write the record, verdict last.
finish() {
	local t1
	t1=$(date +%s%N)
	printf '%s\n' "$2" >"$rec/summary"
	echo "$3" >"$rec/seconds"
	echo "$4" >"$rec/cached"
	touch "$rec/facts" "$rec/log"
	echo "$1" >"$rec/verdict.tmp"
	mv "$rec/verdict.tmp" "$rec/verdict"
	if [ "${JOB_KIND:-job}" = job ]; then
		# The timeline's row: id step variant arch start end verdict cached.
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$step" "$v" "${JOB_ARCH:--}" \
			"$t0" "$t1" "$1" "$4" >>"$RUN_DIR/jobs.tsv"
	fi
	local label=${rec_rel#"$v"/}
	if [ "$4" = 1 ]; then
		printf '  %-12s %-24s %-5s (cached) %s\n' "$v" "$label" "$1" "$2"
	else
		printf '  %-12s %-24s %-5s %6ss %s\n' "$v" "$label" "$1" "$3" "$2"
	fi >>"$RUN_DIR/events"
	rm -f "$running"
	exit 0
}

verdict_of() { cat "$RUN_DIR/$1/verdict" 2>/dev/null || echo none; }

[ "$needs" != - ] || needs=""
[ "$stops" != - ] || stops=""
for n in $needs; do
	case $(verdict_of "$n") in
	PASS | XFAIL | n/a) ;;
	*) finish SKIP "skipped: it needs ${n#"$v"/}, which is $(verdict_of "$n")" 0 0 ;;
	esac
done
if [ "${KEEP_GOING:-0}" != 1 ]; then
	for s in $stops; do
		case $(verdict_of "$s") in
		FAIL | ERROR) finish SKIP "skipped: $v stopped at its ${s#"$v"/} $(verdict_of "$s") (KEEP_GOING=1 would run on)" 0 0 ;;
		esac
	done
fi

script=$PROJECT_DIR/scripts/step-$step.sh
case ${1:-} in
--fold-worst)
	# The step's verdict is the worst of its jobs' (build: one per arch).
	shift
	worst="" sums=() cached=1 secs=0
	for s in "$@"; do
		sv=$(verdict_of "$s")
		sums+=("$(cat "$RUN_DIR/$s/summary" 2>/dev/null || echo "${s#"$v"/}: no record")")
		cat "$RUN_DIR/$s/log" 2>/dev/null >>"$rec/log" || true
		cat "$RUN_DIR/$s/facts" 2>/dev/null >>"$rec/facts" || true
		[ "$(cat "$RUN_DIR/$s/cached" 2>/dev/null)" = 1 ] || cached=0
		secs=$(awk -v a="$secs" -v b="$(cat "$RUN_DIR/$s/seconds" 2>/dev/null || echo 0)" 'BEGIN { print a + b }')
		for w in ERROR none FAIL SKIP XFAIL PASS n/a; do
			if [ "$sv" = "$w" ] || [ "$worst" = "$w" ]; then worst=$w; break; fi
		done
	done
	[ "$worst" != none ] || worst=ERROR
	JOB_KIND='fold'
	finish "${worst:-n/a}" "$(IFS=';'; echo "${sums[*]}")" "$secs" "$cached"
	;;
--fold)
	JOB_KIND='fold'
	;;
esac

rc=0
if [ "${JOB_KIND:-job}" = job ]; then
	key=$(bash "$script" --key "$@" 2>"$rec/key-stderr") || rc=$?
	if [ $rc = "$KEY_NA" ]; then
		rm -f "$rec/key-stderr"
		finish n/a "not applicable" 0 0
	elif [ $rc != 0 ]; then
		finish ERROR "could not compute the step's inputs (exit $rc): $(tail -n 1 "$rec/key-stderr")" 0 0
	fi
	rm -f "$rec/key-stderr"
	key=$(hash_string "$step $key $(hash_files "$script" "${LIB_FILES[@]}")")
	entry=$CACHE_DIR/verdicts/$step/$key
	if [ "${NO_CACHE:-0}" != 1 ] && [ -f "$entry/verdict" ]; then
		cp "$entry/log" "$rec/log"
		cp "$entry/facts" "$rec/facts"
		finish "$(cat "$entry/verdict")" "$(cat "$entry/summary")" "$(cat "$entry/seconds")" 1
	fi
fi

# A lane's worktree and build directory are one run's at a time: another
# run (another terminal, a test) waits for it, never builds beside it.
if [ -n "${LANE:-}" ]; then
	lock=$CACHE_DIR/work/$(target_id)/$LANE.lock
	mkdir -p "$(dirname "$lock")"
	exec 9>"$lock"
	if ! flock -n 9; then
		echo "  $id: waiting for lane $LANE (another run holds $lock)" >>"$RUN_DIR/events"
		flock 9
	fi
fi
: >"$rec/summary"
rc=0
DIE_STATUS=$STEP_ERROR STEP_SUMMARY=$rec/summary FACTS=$rec/facts VARIANT_DIR=$rec \
	bash "$script" "$@" >"$rec/log" 2>&1 </dev/null || rc=$?
secs=$(elapsed_since "$t0")
[ $rc != 130 ] || interrupted
summary=$(head -n 1 "$rec/summary")
if [ -z "$summary" ] && [ $rc = "$STEP_ERROR" ]; then
	# A die in the step: its one line says what broke.
	verdict=ERROR summary="$(tail -n 1 "$rec/log") (log: $rec/log)"
elif [ -z "$summary" ]; then
	# No summary: the step crashed before it judged (set -e, a signal).
	verdict=ERROR summary="the step ended (exit $rc) without a verdict: $(tail -n 1 "$rec/log") (log: $rec/log)"
else
	case $rc in
	"$STEP_PASS") verdict=PASS ;;
	"$STEP_FAIL") verdict=FAIL ;;
	"$STEP_XFAIL") verdict=XFAIL ;;
	"$STEP_SKIP") verdict=SKIP ;;
	"$KEY_NA") verdict=n/a ;;
	*) verdict=ERROR ;;
	esac
fi
# Only verdicts on the patch are cached: a SKIP says nothing, and an ERROR
# is the machine's (a tool installed since must be used next time).  The
# key is taken again after the run: what the step made (a kernel image) is
# part of its inputs next time.
if [ "${JOB_KIND:-job}" = job ]; then
	case $verdict in
	PASS | FAIL | XFAIL)
		if key=$(bash "$script" --key "$@" 2>/dev/null); then
			key=$(hash_string "$step $key $(hash_files "$script" "${LIB_FILES[@]}")")
			entry=$CACHE_DIR/verdicts/$step/$key
			mkdir -p "$entry.tmp.$$"
			cp "$rec/log" "$entry.tmp.$$/log"
			cp "$rec/facts" "$entry.tmp.$$/facts" 2>/dev/null || : >"$entry.tmp.$$/facts"
			echo "$verdict" >"$entry.tmp.$$/verdict"
			echo "$summary" >"$entry.tmp.$$/summary"
			echo "$secs" >"$entry.tmp.$$/seconds"
			rm -rf "$entry"
			mv "$entry.tmp.$$" "$entry"
		fi
		;;
	esac
fi
cached=0
if [ "${JOB_KIND:-job}" = fold ]; then
	# A fold is as cached as the jobs it folds (all of them, or not), and
	# took the time they took.
	cached=1 n=0 secs=0
	for d in "$rec"/*/; do
		[ -f "$d/cached" ] || continue
		n=$((n + 1))
		[ "$(cat "$d/cached")" = 1 ] || cached=0
		secs=$(awk -v a="$secs" -v b="$(cat "$d/seconds")" 'BEGIN { print a + b }')
	done
	[ "$n" -gt 0 ] || cached=0
fi
finish "$verdict" "$summary" "$secs" "$cached"
