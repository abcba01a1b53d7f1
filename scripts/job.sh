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
#
# job.sh --keys JOBLIST: each job's key as --resolve takes it (tests).
# job.sh --resolve JOBLIST [N]: before make, every job of JOBLIST that
# can be known without running its step: a verdict the cache holds, a
# SKIP (a need or a stop failed), n/a, a fold of records already there;
# in one process (N side by side, each with whole variants).  Each gets
# the record the job would have left; a job whose step must run, or that
# waits for such a job, is left alone (no record) for make to run.
# JOBLIST (check-series writes it beside jobs.mk): one job a line, TAB
# separated: REC, the records its make rule waits for, LANE, JOB_ARCH
# ("-" for none), then the job's arguments REC STEP NEEDS STOPS ARG...
# Why: a job under make costs a make recipe, a bash and lib.sh, and its
# `--key` another bash and the probes inside it (QEMU's --version, the
# guest image's key, the kernel's sha256).  Resolved, the jobs cost a
# subshell each; and whether resolved or run by make under check-series
# (JOB_MEMO), a step's `--key` runs in a subshell of job.sh (step_key),
# its probes once per run (see "memo" below).  The keys are those of a
# bash of its own (checked on every step of the project), so a verdict
# stored by either is found by the other.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# now_ns: _now, `date +%s%N` without a fork (EPOCHREALTIME has six
# decimals, whatever the locale's decimal mark).
now_ns() {
	_now=${EPOCHREALTIME//[!0-9]/}000
}

# clear_record: the record's own files; the records of a step's jobs
# (build/ARCH, boot/ARCH-TEST-RUN) live below a fold's and stay.
clear_record() {
	[ -e "$rec" ] || return 0
	rm -f "$rec/verdict" "$rec/verdict.tmp" "$rec/summary" "$rec/seconds" "$rec/cached" "$rec/log" "$rec/facts" \
		"$rec/key-stderr"
	rmdir "$rec" 2>/dev/null || true
}
# shellcheck disable=SC2317 # run by the trap
interrupted() {
	# No half-written record: a record is a directory with a verdict.
	[ -f "$rec/verdict" ] || clear_record
	rm -f "$running"
	exit 130
}

# job_start REC STEP NEEDS STOPS ARG...: the job's names, its line in
# RUN_DIR/.running (the live status) and an empty record directory.
job_start() {
	rec_rel=$1 step=$2 needs=$3 stops=$4
	shift 4
	rec=$RUN_DIR/$rec_rel
	id=${rec_rel//\//.}
	v=${rec_rel%%/*}
	running=$RUN_DIR/.running/$id
	script=$PROJECT_DIR/scripts/step-$step.sh
	[ "$needs" != - ] || needs=""
	[ "$stops" != - ] || stops=""
	trap interrupted INT TERM
	now_ns
	t0=$_now
	# Resolving (--resolve), a job takes milliseconds: not shown running.
	if [ -z "${_j_resolving:-}" ]; then
		[ -d "$RUN_DIR/.running" ] || mkdir -p "$RUN_DIR/.running"
		printf '%s\t%s\t%s\n' "$t0" "${LANE:-}" "$*" >"$running"
	fi
	# Resolving, the run is new and its record directories made at once.
	[ -n "${_j_resolving:-}" ] && return 0
	clear_record
	mkdir -p "$rec"
}

# finish VERDICT SUMMARY SECONDS CACHED: write the record, verdict last.
finish() {
	now_ns
	printf '%s\n' "$2" >"$rec/summary"
	echo "$3" >"$rec/seconds"
	echo "$4" >"$rec/cached"
	: >>"$rec/facts"
	: >>"$rec/log"
	echo "$1" >"$rec/verdict.tmp"
	publish_file "$rec/verdict.tmp" "$rec/verdict"
	if [ "${JOB_KIND:-job}" = job ]; then
		# The timeline's row: id step variant arch start end verdict cached.
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$step" "$v" "${JOB_ARCH:--}" \
			"$t0" "$_now" "$1" "$4" >>"$RUN_DIR/jobs.tsv"
	fi
	local label=${rec_rel#"$v"/}
	if [ "$4" = 1 ]; then
		printf '  %-12s %-24s %-5s (cached) %s\n' "$v" "$label" "$1" "$2"
	else
		printf '  %-12s %-24s %-5s %6ss %s\n' "$v" "$label" "$1" "$3" "$2"
	fi >>"$RUN_DIR/events"
	[ -n "${_j_resolving:-}" ] || rm -f "$running"
	exit 0
}

# line_of FILE [DEFAULT]: _line, FILE's first line (DEFAULT when there is
# no FILE); read by the shell, not by a cat in a subshell: a job reads a
# dozen of these.
line_of() {
	_line=${2:-}
	[ -f "$1" ] || return 0
	IFS= read -r _line <"$1" || true
}

# verdict_of REC: _line, the record's verdict, or "none".
verdict_of() { line_of "$RUN_DIR/$1/verdict" none; }

# sum_of SECONDS...: their sum, printed as awk printed a running sum.
sum_of() {
	awk 'BEGIN { s = 0; for (i = 1; i < ARGC; i++) s = (s + ARGV[i]) ""; print s }' "$@"
}

# job_gate: SKIP when a record the job needs did not pass, or when the
# variant stopped at one of its stoppers (unless KEEP_GOING=1).
job_gate() {
	local n s
	for n in $needs; do
		verdict_of "$n"
		case $_line in
		PASS | XFAIL | n/a) ;;
		*) finish SKIP "skipped: it needs ${n#"$v"/}, which is $_line" 0 0 ;;
		esac
	done
	[ "${KEEP_GOING:-0}" != 1 ] || return 0
	for s in $stops; do
		verdict_of "$s"
		case $_line in
		FAIL | ERROR) finish SKIP "skipped: $v stopped at its ${s#"$v"/} $_line (KEEP_GOING=1 would run on)" 0 0 ;;
		esac
	done
}

# fold_worst SUBREC...: the step's verdict is the worst of its jobs'
# (build: one per arch).
fold_worst() {
	local s sv w worst="" sums=() cached=1 secs=() logs=() facts=()
	for s in "$@"; do
		verdict_of "$s"
		sv=$_line
		line_of "$RUN_DIR/$s/summary" "${s#"$v"/}: no record"
		sums+=("$_line")
		logs+=("$RUN_DIR/$s/log")
		facts+=("$RUN_DIR/$s/facts")
		line_of "$RUN_DIR/$s/cached"
		[ "$_line" = 1 ] || cached=0
		line_of "$RUN_DIR/$s/seconds" 0
		secs+=("$_line")
		for w in ERROR none FAIL SKIP XFAIL PASS n/a; do
			if [ "$sv" = "$w" ] || [ "$worst" = "$w" ]; then worst=$w; break; fi
		done
	done
	cat "${logs[@]}" 2>/dev/null >>"$rec/log" || true
	cat "${facts[@]}" 2>/dev/null >>"$rec/facts" || true
	[ "$worst" != none ] || worst=ERROR
	JOB_KIND='fold'
	finish "${worst:-n/a}" "$(IFS=';'; echo "${sums[*]}")" "$(sum_of "${secs[@]}")" "$cached"
}

# code_hash: what every verdict of the step depends on besides its
# `--key`: the step script and the lib files.
code_hash() {
	hash_files "$script" "${LIB_FILES[@]}"
}

# job_lookup RC KEY CODE: after the step's `--key` (exit RC, output KEY;
# its stderr in $rec/key-stderr): n/a, an ERROR when the inputs could not
# be computed, or the cached verdict; returns when the step must run.
# Resolving (--resolve), what needs the step is left to make's job.
job_lookup() {
	local rc=$1 key=$2 entry verdict summary
	if [ "$rc" = "$KEY_NA" ]; then
		[ -n "${_j_resolving:-}" ] || rm -f "$rec/key-stderr"
		finish n/a "not applicable" 0 0
	elif [ "$rc" != 0 ]; then
		# Resolving, a step whose kernel is not made yet: make's job
		# computes it again when its turn comes, and says why if it fails.
		[ -z "${_j_resolving:-}" ] || leave
		finish ERROR "could not compute the step's inputs (exit $rc): $(tail -n 1 "$rec/key-stderr")" 0 0
	fi
	[ -n "${_j_resolving:-}" ] || rm -f "$rec/key-stderr"
	key=$(hash_string "$step $key $3")
	entry=$CACHE_DIR/verdicts/$step/$key
	# A job of the same key may replace the entry while this one reads
	# it (by renames: each file is whole, old or new, the same inputs);
	# an entry with a file missing is a miss, and leaves nothing here.
	if [ "${NO_CACHE:-0}" != 1 ] && [ -f "$entry/verdict" ]; then
		line_of "$entry/verdict"
		verdict=$_line
		line_of "$entry/summary"
		summary=$_line
		line_of "$entry/seconds"
		if [ -n "$verdict" ] && [ -n "$_line" ] && cp "$entry/log" "$entry/facts" "$rec/" 2>/dev/null; then
			finish "$verdict" "$summary" "$_line" 1
		fi
		rm -f "$rec/log" "$rec/facts"
	fi
}

# job_run ARG...: run the step (its lane held), judge it, keep a verdict
# on the patch in the cache, and finish.
job_run() {
	local rc verdict summary secs cached key entry d n lock subsecs
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
				key=$(hash_string "$step $key $(code_hash)")
				entry=$CACHE_DIR/verdicts/$step/$key
				mkdir -p "$entry.tmp.$$"
				cp "$rec/log" "$entry.tmp.$$/log"
				cp "$rec/facts" "$entry.tmp.$$/facts" 2>/dev/null || : >"$entry.tmp.$$/facts"
				echo "$verdict" >"$entry.tmp.$$/verdict"
				echo "$summary" >"$entry.tmp.$$/summary"
				echo "$secs" >"$entry.tmp.$$/seconds"
				# Replaced, not published: NO_CACHE=1 must replace an old
				# entry (publish_dir would keep it).  Each step a rename, so
				# a reader sees a whole entry or none: the old one moved
				# aside, the new one in, the old one removed.  Should a
				# job of the same key put its entry in between, that one
				# stays (the same inputs) and this one is dropped.
				mv -T "$entry" "$entry.old.$$" 2>/dev/null || :
				mv -T "$entry.tmp.$$" "$entry" 2>/dev/null || rm -rf "$entry.tmp.$$"
				rm -rf "$entry.old.$$"
			fi
			;;
		esac
	fi
	cached=0
	if [ "${JOB_KIND:-job}" = fold ]; then
		# A fold is as cached as the jobs it folds (all of them, or not), and
		# took the time they took.
		cached=1 n=0 subsecs=()
		for d in "$rec"/*/; do
			[ -f "$d/cached" ] || continue
			n=$((n + 1))
			line_of "$d/cached"
			[ "$_line" = 1 ] || cached=0
			line_of "$d/seconds"
			subsecs+=("$_line")
		done
		[ "$n" -gt 0 ] || cached=0
		secs=$(sum_of ${subsecs[@]+"${subsecs[@]}"})
	fi
	finish "$verdict" "$summary" "$secs" "$cached"
}

# ---- a step's key, in this process --------------------------------------------
# memo: the probes a step's `--key` makes, answered once per run
# (check-series gives the run's directory for them, JOB_MEMO): QEMU's and
# the compilers' versions, a kernel image's sha256 (kept by path, size,
# mtime and inode), the guest image's key.  Each run asks again, so a key
# still changes with any input from one run to the next.  Each is a shell
# function named like the command, which only the subshells of this
# process see; anything but the memoised form of a call goes to the
# command itself.  Kept in files (stdout, stderr, exit status): many jobs
# share them, and the subshell that asked first cannot hand a variable
# back.

# memo_run NAME CMD...: CMD's stdout, stderr and status, the first time
# from CMD, then from the files memo/NAME.*.
memo_run() {
	local f=$_memo_dir/$1 rc=0 out tmp
	shift
	if [ ! -f "$f.rc" ]; then
		# Named before the command: a redirection is expanded in the
		# command's own process, another BASHPID.
		tmp=$f.$BASHPID
		"$@" >"$tmp.out" 2>"$tmp.err" || rc=$?
		echo "$rc" >"$tmp.rc"
		# The status last: a memo is whole once it has one.
		publish_file "$tmp.out" "$f.out"
		publish_file "$tmp.err" "$f.err"
		publish_file "$tmp.rc" "$f.rc"
	fi
	out=""
	IFS= read -r -d '' out <"$f.out" || true
	printf '%s' "$out"
	out=""
	IFS= read -r -d '' out <"$f.err" || true
	printf '%s' "$out" >&2
	read -r rc <"$f.rc"
	return "$rc"
}

# memo_name WORD...: a file name for a command line ("/" and "%" escaped).
memo_name() {
	_name="$*"
	_name=${_name//%/%25}
	_name=${_name//\//%2F}
	_name=${_name// /%20}
}

# memo_tool NAME ARG...: NAME --version (or -version), once per run.
# shellcheck disable=SC2317 # called by the functions memo_setup defines
memo_tool() {
	local name=$1
	shift
	if [ -n "${_memo_on:-}" ] && [ $# = 1 ] && { [ "$1" = --version ] || [ "$1" = -version ]; }; then
		memo_name "$name" "$@"
		memo_run "tool-$_name" command "$name" "$@"
	else
		command "$name" "$@"
	fi
}

# memo_setup: the memo directory and the functions, which answer from the
# memo only inside step_key (_memo_on): this script's own commands, and
# a step it runs, are as ever.
memo_setup() {
	local a t tools=(gcc spatch sparse ocamlopt quilt) found=()
	_memo_dir=${JOB_MEMO:-$RUN_DIR/.memo.$$}
	[ -d "$_memo_dir" ] || mkdir -p "$_memo_dir"
	# Which tools: the first job of the run finds out, the others read it.
	if [ -f "$_memo_dir/tools" ]; then
		read -r -a found <"$_memo_dir/tools"
	else
		for a in $(arch_names); do
			t=$(arch_load "$a" && echo "$QEMU ${CROSS_COMPILE:-}gcc")
			# shellcheck disable=SC2206 # two words
			tools+=($t)
		done
		for t in $(printf '%s\n' "${tools[@]}" | sort -u); do
			# A tool missing, or named by a path, is left alone: its
			# error message is the key's as a bash of its own gives it.
			case $t in */* | *[!A-Za-z0-9_.+-]*) continue ;; esac
			type -P "$t" >/dev/null 2>&1 || continue
			found+=("$t")
		done
		echo "${found[*]}" >"$_memo_dir/tools.$$"
		publish_file "$_memo_dir/tools.$$" "$_memo_dir/tools"
	fi
	for t in ${found[@]+"${found[@]}"}; do
		eval "$t() { memo_tool $t \"\$@\"; }"
	done
	# sha256sum FILE: a kernel image's sum, once per run and file state;
	# from stdin (hash_files, hash_string) as ever.
	# shellcheck disable=SC2120 # the steps' `--key` give it a file
	sha256sum() {
		local st
		if [ -n "${_memo_on:-}" ] && [ $# = 1 ] && [ "$1" != - ] && [ -f "$1" ] &&
			st=$(stat -L -c '%s %Y %i' -- "$1"); then
			memo_name "$1" "$st"
			memo_run "sha256-$_name" command sha256sum "$1"
		else
			command sha256sum "$@"
		fi
	}
	# dirname PATH, basename PATH [SUFFIX]: the plain forms without a
	# command (every step's `. "$(dirname "$0")/lib.sh"`, lib.sh's own,
	# kconfig_fragments' basename); anything else to the command.
	dirname() {
		local d
		[ -n "${_memo_on:-}" ] || { command dirname "$@"; return; }
		case $#:${1:-} in
		1:*/ | 1:*//* | 1:-* | 1:) command dirname "$@" ;;
		1:*/*)
			d=${1%/*}
			echo "${d:-/}"
			;;
		1:*) echo . ;;
		*) command dirname "$@" ;;
		esac
	}
	# shellcheck disable=SC2317 # called by the steps' `--key`
	basename() {
		local b
		[ -n "${_memo_on:-}" ] || { command basename "$@"; return; }
		case $#:${1:-} in
		[12]:*/ | [12]:-* | [12]:) command basename "$@" ;;
		[12]:*)
			b=${1##*/}
			[ $# = 1 ] || [ "$b" = "$2" ] || b=${b%"$2"}
			echo "$b"
			;;
		*) command basename "$@" ;;
		esac
	}
	# bash SCRIPT --key ARG...: a helper's key (guest-image.sh --key
	# ARCH), once per run; any other bash as ever.
	bash() {
		if [ -n "${_memo_on:-}" ] && [ $# -ge 2 ] && [ "$2" = --key ] && [ "${1%/*}" = "$PROJECT_DIR/scripts" ]; then
			memo_name "$@"
			memo_run "key-$_name" command bash "$@"
		else
			command bash "$@"
		fi
	}
}

# step_key STDERR REC STEP NEEDS STOPS ARG...: _j_key and _j_krc, the
# output and status of the step's `--key ARG...`, sourced in a subshell
# as if it were a bash of its own: $0 is the step (and PROG its name, as
# lib.sh would make it), lib.sh sourced again by it, set -e on (a plain
# command here, not one under || where bash would ignore set -e inside),
# the names of this process gone (called before any job's are set; the
# _j_ ones unset), its LANE and JOB_ARCH (_j_lane, _j_arch).  Its stderr
# to the file STDERR.  No step uses FUNCNAME, or local or return outside
# a function, the only things that tell this from a bash of its own.
step_key() {
	local _j_err=$1 _j_script=$PROJECT_DIR/scripts/step-$3.sh
	shift 5
	set +e
	# shellcheck disable=SC2030 # LANE and JOB_ARCH: this job's only
	_j_key=$(
		set -- --key "$@"
		BASH_ARGV0=$_j_script
		PROG=${_j_script##*/}
		PROG=${PROG%.sh}
		[ -z "$_j_lane" ] || export LANE=$_j_lane
		[ -z "$_j_arch" ] || export JOB_ARCH=$_j_arch
		exec 2>"$_j_err"
		_memo_on=1
		unset "${!_j_@}"
		# shellcheck source=/dev/null # the step script
		. "$0"
	)
	_j_krc=$?
	set -e
}

# leave: the job needs its step: no record, make's job will run it.
leave() {
	clear_record
	exit 99
}

# shellcheck disable=SC2317 # run by the trap
resolve_interrupted() {
	[ -n "${JOB_MEMO:-}" ] || rm -rf "$_memo_dir"
	exit 130
}

# resolve_split JOBLIST N: JOBLIST.1 ... JOBLIST.N, every variant's jobs in
# one of them (a job waits only for records of its own variant), the
# largest variant first into the shortest list.
resolve_split() {
	local list=$1 n=$2 line v w i best
	local -A count=() part=()
	local -a order=() size=()
	while IFS= read -r line; do
		v=${line%%/*}
		[ -n "${count[$v]:-}" ] || order+=("$v")
		count[$v]=$((${count[$v]:-0} + 1))
	done <"$list"
	for ((i = 1; i <= n; i++)); do size[i]=0; : >"$list.$i"; done
	for v in $(for w in "${order[@]}"; do echo "${count[$w]} $w"; done | sort -rn -k1,1 -s | cut -d' ' -f2); do
		best=1
		for ((i = 2; i <= n; i++)); do [ "${size[i]}" -ge "${size[best]}" ] || best=$i; done
		part[$v]=$best
		size[best]=$((size[best] + count[$v]))
	done
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$list.${part[${line%%/*}]}"
	done <"$list"
}

# resolve_memo JOBLIST: what nearly every key asks, asked once (lib.sh,
# RUN_MEMO): as check-series' plan found it (JOB_MEMO/run-memo), or found
# here for JOBLIST's variants and arches.
resolve_memo() {
	local rec arch
	local -A vs=() as=()
	if [ -f "${JOB_MEMO:-}/run-memo" ]; then
		# declare -p's words, made global (sourced in a function).
		# shellcheck source=/dev/null
		. <(sed 's/^declare -A /declare -gA /' "$JOB_MEMO/run-memo")
		return 0
	fi
	while IFS=$'\t' read -r rec _ _ arch _; do
		vs[${rec%%/*}]=1
		[ "$arch" = - ] || as[$arch]=1
	done <"$1"
	run_memo_plan "${!vs[*]}" "${!as[*]}"
}

# job_fields: the job line read into the array _j_f, as _j_lane and
# _j_arch (empty for "-") and _j_args (the job's arguments: REC STEP
# NEEDS STOPS ARG...).  Fails for a fold, which has no key.
job_fields() {
	_j_lane=${_j_f[2]} _j_arch=${_j_f[3]}
	_j_args=("${_j_f[@]:4}")
	[ "$_j_lane" != - ] || _j_lane=""
	[ "$_j_arch" != - ] || _j_arch=""
	case ${_j_args[4]:-} in --fold | --fold-worst) return 1 ;; esac
}

# job.sh --keys JOBLIST: every job's key as the resolver takes it (in a
# subshell of this process, its probes and the plan's answers asked once),
# a line each: REC TAB EXIT-STATUS TAB KEY.  For the tests: each must be
# what `bash step-STEP.sh --key ARG...` of its own prints.
if [ "${1:-}" = --keys ]; then
	_j_list=${2:?usage: job.sh --keys JOBLIST}
	if [ -z "${RUN_DIR:-}" ]; then
		RUN_DIR=$(mktemp -d)
		trap 'rm -rf "$RUN_DIR"' EXIT
	fi
	memo_setup
	resolve_memo "$_j_list"
	while IFS=$'\t' read -r -a _j_f; do
		job_fields || continue
		step_key /dev/null "${_j_args[@]}"
		printf '%s\t%s\t%s\n' "${_j_f[0]}" "$_j_krc" "$_j_key"
	done <"$_j_list"
	[ -n "${JOB_MEMO:-}" ] || rm -rf "$_memo_dir"
	exit 0
fi

if [ "${1:-}" = --resolve ]; then
	_j_list=${2:?usage: job.sh --resolve JOBLIST [N]}
	_j_n=${3:-1}
	if [ "$_j_n" -gt 1 ]; then
		# N resolvers side by side, one memo for all (the run's, or
		# ours); each a process of its own with SIGINT as it came (not
		# ignored, as bash does for what it starts with &), so that
		# Ctrl-C reaches them.
		if [ -n "${JOB_MEMO:-}" ]; then
			trap 'rm -f "$_j_list".[0-9]*' EXIT
		else
			JOB_MEMO=$RUN_DIR/.memo.$$
			export JOB_MEMO
			trap 'rm -rf "$JOB_MEMO" "$_j_list".[0-9]*' EXIT
		fi
		mkdir -p "$JOB_MEMO"
		trap 'exit 130' INT TERM
		resolve_split "$_j_list" "$_j_n"
		_j_pids=()
		for ((_j_i = 1; _j_i <= _j_n; _j_i++)); do
			# Fewer variants than resolvers: some have nothing to do.
			[ -s "$_j_list.$_j_i" ] || continue
			env --default-signal=INT,QUIT bash "$0" --resolve "$_j_list.$_j_i" &
			_j_pids+=($!)
		done
		_j_rc=0
		for _j_p in "${_j_pids[@]}"; do wait "$_j_p" || _j_rc=$?; done
		exit "$_j_rc"
	fi
	_j_resolving=1
	memo_setup
	trap resolve_interrupted INT TERM
	declare -A _j_left=() _j_code=()
	# Every record directory in one mkdir (job_start makes none); a job
	# left to make gets its directory removed (leave).
	_j_dirs=()
	while IFS=$'\t' read -r _j_rec _; do _j_dirs+=("$RUN_DIR/$_j_rec"); done <"$_j_list"
	[ ${#_j_dirs[@]} = 0 ] || mkdir -p "${_j_dirs[@]}"
	resolve_memo "$_j_list"
	while IFS=$'\t' read -r -a _j_f; do
		_j_rec=${_j_f[0]}
		# Left to make: a job that waits for a job left to make.
		for _j_p in ${_j_f[1]}; do
			[ -z "${_j_left[$_j_p]:-}" ] || { _j_left[$_j_rec]=1; continue 2; }
		done
		_j_key="" _j_krc=0
		if job_fields; then
			# The lib files and step scripts cannot change within
			# the few seconds of a resolve: hashed once per step.
			if [ -z "${_j_code[${_j_args[1]}]:-}" ]; then
				script=$PROJECT_DIR/scripts/step-${_j_args[1]}.sh
				_j_code[${_j_args[1]}]=$(code_hash)
			fi
			step_key /dev/null "${_j_args[@]}"
		fi
		set +e
		# shellcheck disable=SC2030,SC2031 # LANE and JOB_ARCH: this job's only
		(
			set -e
			[ -z "$_j_lane" ] || export LANE=$_j_lane
			[ -z "$_j_arch" ] || export JOB_ARCH=$_j_arch
			job_start "${_j_args[@]}"
			set -- "${_j_args[@]:4}"
			job_gate
			case ${1:-} in
			--fold-worst) shift && fold_worst "$@" ;;
			# A fold's step is quick and never cached: run it now.
			--fold)
				JOB_KIND='fold'
				job_run "$@"
				;;
			esac
			job_lookup "$_j_krc" "$_j_key" "${_j_code[$step]}"
			leave
		)
		_j_rc=$?
		set -e
		[ $_j_rc = 0 ] || _j_left[$_j_rec]=1
	done <"$_j_list"
	[ -n "${JOB_MEMO:-}" ] || rm -rf "$_memo_dir"
	exit 0
fi

# ---- one job, as make runs it -------------------------------------------------------
[ $# -ge 4 ] || die "usage: job.sh REC STEP NEEDS STOPS [ARG...] | job.sh --resolve JOBLIST [N]"
: "${RUN_DIR:?job.sh runs under check-series.sh (RUN_DIR=)}"
# Under check-series (JOB_MEMO) the key is taken as the resolver takes it,
# and first: before this job's names exist, which the step must not see.
# A job.sh run alone (a step's tests) asks a bash of its own.
# shellcheck disable=SC2031 # from make's recipe, not from a subshell
_j_key="" _j_krc=0 _j_lane=${LANE:-} _j_arch=${JOB_ARCH:-}
case ${5:-} in
--fold | --fold-worst) ;;
*)
	if [ -n "${JOB_MEMO:-}" ]; then
		memo_setup
		step_key "$JOB_MEMO/stderr.$$" "$@"
	fi
	;;
esac
job_start "$@"
shift 4
job_gate
case ${1:-} in
--fold-worst)
	shift
	fold_worst "$@"
	;;
--fold)
	JOB_KIND='fold'
	;;
esac
if [ "${JOB_KIND:-job}" = job ]; then
	if [ -n "${JOB_MEMO:-}" ]; then
		mv "$JOB_MEMO/stderr.$$" "$rec/key-stderr"
	else
		_j_key=$(bash "$script" --key "$@" 2>"$rec/key-stderr") || _j_krc=$?
	fi
	job_lookup "$_j_krc" "$_j_key" "$(code_hash)"
fi
job_run "$@"
