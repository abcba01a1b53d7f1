#!/bin/bash
# check-series.sh: every selected variant through every selected step, one
# verdict.  The steps are scripts/step-<name>.sh, run in the order below;
# each has its own verdict, time and log under results/<timestamp>/.
#
#   VARIANTS=a,b   which variants (default: all in the variants file)
#   STEPS=x,y      which steps (default: all, in order)
#   KEEP_GOING=1   run a variant's later steps after one failed
#   NO_CACHE=1     ignore cached verdicts (they are keyed on every input)
#   LINUX_TREE=    the user's linux-next tree (default: the embedded 6.1)
#
# Step contract: `step-NAME.sh --key VARIANT` prints the inputs the verdict
# depends on (exit KEY_NA, 6: the step does not apply to that variant);
# `step-NAME.sh VARIANT` runs it, writes one line to $STEP_SUMMARY, may add
# KEY=VALUE facts to $FACTS, and exits with kselftest's codes: 0 PASS,
# 1 FAIL, 2 XFAIL (failed as the variants file expects), 4 SKIP, or 5
# ERROR (the tools broke: nothing is known about the patch).  A step that
# ends without writing its summary line, whatever its status, is an ERROR:
# it crashed before it could judge.
#
# Exit status of the run: 0 every verdict as expected; 1 some FAIL (the
# patch, or what it was checked against, is wrong); 3 no FAIL but some
# ERROR (fix the machine or the tool named, then run again).  SKIPs alone
# do not fail a run; each says why.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# Bad input (an unknown name, a target that cannot be prepared) exits 2.
DIE_STATUS=2
ALL_STEPS=(apply checkpatch sparse coccinelle w1 build boot equivalence)
# What each step needs to have passed first (for this variant).
declare -A NEEDS=(
	[apply]="" [checkpatch]="" [sparse]="apply" [coccinelle]="apply" [w1]="apply"
	[build]="apply" [boot]="build" [equivalence]="apply"
)

steps=()
for s in ${STEPS:-${ALL_STEPS[*]}}; do
	for s2 in ${s//,/ }; do
		[ -n "${NEEDS[$s2]+x}" ] || die "unknown step '$s2' in STEPS=: known are ${ALL_STEPS[*]}"
		steps+=("$s2")
	done
done
# Keep the canonical order whatever order STEPS= gave.
ordered=()
for s in "${ALL_STEPS[@]}"; do
	for s2 in "${steps[@]}"; do [ "$s" = "$s2" ] && ordered+=("$s") && break; done
done
steps=("${ordered[@]}")
# Checked here, not in a process substitution: a bad name must stop the run.
list=$(selected_variants) || exit 2
mapfile -t variants <<<"$list"
selected_arches >/dev/null || exit 2

require_tool jq jq
stamp=$(date +%Y%m%d-%H%M%S)
RUN_DIR=$RESULTS_ROOT/$stamp
[ -e "$RUN_DIR" ] && RUN_DIR=$RUN_DIR-$$
mkdir -p "$RUN_DIR"
ln -sfn "$(basename "$RUN_DIR")" "$RESULTS_ROOT/latest"
export RUN_DIR

t_run=$(date +%s%N)
echo "check-series: target $(target_kind) ($(target_id)), variants: ${variants[*]}, steps: ${steps[*]}"
echo "check-series: results in $RUN_DIR"
TARGET_DIR=$(bash "$PROJECT_DIR/scripts/prepare-target.sh" 2> >(tee "$RUN_DIR/prepare-target.log" >&2)) ||
	die "could not prepare the target tree (log: $RUN_DIR/prepare-target.log)"
export TARGET_DIR

# One record per (variant, step): verdict seconds cached summary.
declare -A VERDICT SECS CACHED SUMMARY
records=$RUN_DIR/records.tsv
: >"$records"

step_key() {
	local step=$1 v=$2 key rc=0
	key=$(FACTS=$RUN_DIR/$v/facts bash "$PROJECT_DIR/scripts/step-$step.sh" --key "$v") || rc=$?
	[ $rc = 0 ] || return $rc
	hash_string "$step $key $(hash_files "$PROJECT_DIR/scripts/step-$step.sh" "$PROJECT_DIR/scripts/lib.sh")"
}

# record VARIANT STEP VERDICT SUMMARY: a verdict that was not run.
record() {
	VERDICT[$1/$2]=$3 SECS[$1/$2]=0 CACHED[$1/$2]=0 SUMMARY[$1/$2]=$4
}

run_step() {
	local step=$1 v=$2 vdir=$RUN_DIR/$2 key rc=0 dep t0 cache_entry
	local log=$vdir/$step.log summary=$vdir/$step.summary
	mkdir -p "$vdir"
	touch "$vdir/facts"
	for dep in ${NEEDS[$step]}; do
		case ${VERDICT[$v/$dep]:-none} in
		PASS | XFAIL | none | n/a) ;;
		*)
			record "$v" "$step" SKIP "skipped: it needs $dep, which is ${VERDICT[$v/$dep]}"
			return
			;;
		esac
	done
	if [ "$step" = equivalence ]; then
		local other
		other=$(variant_same_as "$v")
		if [ "$other" != "-" ] && [ -z "${VERDICT[$other/apply]:-}" ]; then
			record "$v" "$step" SKIP "skipped: $other, the variant to compare with, is not selected (VARIANTS=)"
			return
		elif [ "$other" != "-" ] && [ "${VERDICT[$other/apply]}" != PASS ]; then
			record "$v" "$step" SKIP "skipped: the apply step of $other, the variant to compare with, is ${VERDICT[$other/apply]}"
			return
		fi
	fi
	key=$(step_key "$step" "$v" 2>"$vdir/$step.key-stderr") || rc=$?
	if [ $rc = "$KEY_NA" ]; then
		record "$v" "$step" n/a "not applicable"
		rm -f "$vdir/$step.key-stderr"
		return
	elif [ $rc != 0 ]; then
		record "$v" "$step" ERROR "could not compute the step's inputs (exit $rc): $(tail -n 1 "$vdir/$step.key-stderr")"
		return
	fi
	rm -f "$vdir/$step.key-stderr"
	cache_entry=$CACHE_DIR/verdicts/$step/$key
	if [ "${NO_CACHE:-0}" != 1 ] && [ -f "$cache_entry/verdict" ]; then
		cp "$cache_entry/log" "$log"
		cat "$cache_entry/facts" >>"$vdir/facts"
		VERDICT[$v/$step]=$(cat "$cache_entry/verdict")
		SUMMARY[$v/$step]=$(cat "$cache_entry/summary")
		SECS[$v/$step]=$(cat "$cache_entry/seconds")
		CACHED[$v/$step]=1
		printf '  %-12s %-11s %-5s (cached) %s\n' "$v" "$step" "${VERDICT[$v/$step]}" "${SUMMARY[$v/$step]}"
		return
	fi
	printf '  %-12s %-11s ...\n' "$v" "$step"
	t0=$(date +%s%N)
	: >"$summary"
	local facts_before
	facts_before=$(wc -l <"$vdir/facts")
	rc=0
	DIE_STATUS=$STEP_ERROR STEP_SUMMARY=$summary FACTS=$vdir/facts VARIANT_DIR=$vdir \
		bash "$PROJECT_DIR/scripts/step-$step.sh" "$v" >"$log" 2>&1 </dev/null || rc=$?
	SECS[$v/$step]=$(elapsed_since "$t0")
	[ $rc != 130 ] || { note "interrupted"; exit 130; }
	SUMMARY[$v/$step]=$(head -n 1 "$summary")
	if [ -z "${SUMMARY[$v/$step]}" ] && [ $rc = "$STEP_ERROR" ]; then
		# A die in the step: its one line says what broke.
		VERDICT[$v/$step]=ERROR
		SUMMARY[$v/$step]="$(tail -n 1 "$log") (log: $log)"
	elif [ -z "${SUMMARY[$v/$step]}" ]; then
		# No summary: the step crashed before it judged (set -e, a signal).
		VERDICT[$v/$step]=ERROR
		SUMMARY[$v/$step]="the step ended (exit $rc) without a verdict: $(tail -n 1 "$log") (log: $log)"
	else
		case $rc in
		"$STEP_PASS") VERDICT[$v/$step]=PASS ;;
		"$STEP_FAIL") VERDICT[$v/$step]=FAIL ;;
		"$STEP_XFAIL") VERDICT[$v/$step]=XFAIL ;;
		"$STEP_SKIP") VERDICT[$v/$step]=SKIP ;;
		*) VERDICT[$v/$step]=ERROR ;;
		esac
	fi
	CACHED[$v/$step]=0
	printf '  %-12s %-11s %-5s %6ss %s\n' "$v" "$step" "${VERDICT[$v/$step]}" "${SECS[$v/$step]}" "${SUMMARY[$v/$step]}"
	# Only verdicts on the patch are cached: a SKIP says nothing, and an
	# ERROR is the machine's (a tool installed since must be used next
	# time).  The key is taken again after the run: what the step made (a
	# variant ref, a kernel image) is part of its inputs next time.
	case ${VERDICT[$v/$step]} in PASS | FAIL | XFAIL) ;; *) return ;; esac
	if key=$(step_key "$step" "$v" 2>/dev/null); then
		cache_entry=$CACHE_DIR/verdicts/$step/$key
		mkdir -p "$cache_entry.tmp.$$"
		cp "$log" "$cache_entry.tmp.$$/log"
		tail -n +$((facts_before + 1)) "$vdir/facts" >"$cache_entry.tmp.$$/facts"
		echo "${VERDICT[$v/$step]}" >"$cache_entry.tmp.$$/verdict"
		echo "${SUMMARY[$v/$step]}" >"$cache_entry.tmp.$$/summary"
		echo "${SECS[$v/$step]}" >"$cache_entry.tmp.$$/seconds"
		rm -rf "$cache_entry"
		mv "$cache_entry.tmp.$$" "$cache_entry"
	fi
}

# Without KEEP_GOING a variant stops at a failed apply, build or boot: what
# comes after needs them.  A static check's FAIL or ERROR never stops the
# build and boot (they need only apply): the proof always runs.
STOPPERS=" apply build boot "
for v in "${variants[@]}"; do
	for step in "${steps[@]}"; do
		run_step "$step" "$v"
		case ${VERDICT[$v/$step]} in FAIL | ERROR) ;; *) continue ;; esac
		[ "${KEEP_GOING:-0}" != 1 ] || continue
		case $STOPPERS in *" $step "*) ;; *) continue ;; esac
		for s in "${steps[@]}"; do
			[ -n "${VERDICT[$v/$s]:-}" ] ||
				record "$v" "$s" SKIP "skipped: $v stopped at its $step ${VERDICT[$v/$step]} (KEEP_GOING=1 would run on)"
		done
		break
	done
done

# ---- report -----------------------------------------------------------------
passed=0
failed=0
errors=0
skipped=0
echo
printf '%-12s' variant
for s in "${steps[@]}"; do printf ' %-12s' "$s"; done
echo
for v in "${variants[@]}"; do
	printf '%-12s' "$v"
	for s in "${steps[@]}"; do
		cell=${VERDICT[$v/$s]}
		case $cell in
		PASS | XFAIL) passed=$((passed + 1)) ;;
		FAIL) failed=$((failed + 1)) ;;
		ERROR) errors=$((errors + 1)) ;;
		SKIP) skipped=$((skipped + 1)) ;;
		esac
		[ "$cell" = n/a ] || cell="$cell ${SECS[$v/$s]%.*}s"
		[ "${CACHED[$v/$s]}" = 1 ] && cell="$cell*"
		printf ' %-12s' "$cell"
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$s" "${VERDICT[$v/$s]}" "${SECS[$v/$s]}" \
			"${CACHED[$v/$s]}" "${SUMMARY[$v/$s]}" >>"$records"
	done
	echo
done
echo "(XFAIL: failed as the variants file expects; ERROR: the tools broke, nothing is known about the patch;"
echo " SKIP: not run, the reason is below, it does not fail the run by itself; *: verdict reused from the cache)"
echo
for v in "${variants[@]}"; do
	for s in "${steps[@]}"; do
		case ${VERDICT[$v/$s]} in
		FAIL | XFAIL | SKIP | ERROR) echo "$v/$s ${VERDICT[$v/$s]}: ${SUMMARY[$v/$s]}" ;;
		esac
	done
done
bash "$PROJECT_DIR/scripts/write-summary.sh" "$RUN_DIR" "$records"
# The same results in KernelCI's common schema, for dashboards.
bash "$PROJECT_DIR/scripts/kcidb.sh" "$RUN_DIR" || note "kcidb.json not written (see above)"
echo "check-series: total $(elapsed_since "$t_run") s; results: $RUN_DIR (summary.json)"
last="check-series: $passed passed, $failed failed, $errors errors"
[ "$skipped" = 0 ] || last="$last, $skipped skipped"
echo "$last"
[ "$failed" = 0 ] || exit 1
[ "$errors" = 0 ] || exit 3
exit 0
