#!/bin/bash
# lava-submit.sh [JOB_DIR]: the LAVA jobs of make lava, run in a real lab.
# Each job of JOB_DIR (default results/lava; its list is jobs.tsv) is
# submitted with lavacli, waited for, and its log downloaded
# (lavacli jobs logs --raw).  The guest's serial console (LAVA's "target"
# lines) is judged by the project's oracle, as the boot step judges its own
# boots, against the verdict the job's metadata expects (from variants).
# One row a job: variant arch test expected got job lava signature.
#
#   LAVA_URL=       the lab: http(s)://HOST[:PORT] (its XML-RPC endpoint,
#                   /RPC2, is added when not given)
#   LAVA_USER=, LAVA_TOKEN=  an API token of that user (handed to lavacli
#                   in a private config file, never on a command line)
#   LAVA_IDENTITY=  instead of the three: a lavacli identity
#                   (lavacli identities add; ~/.config/lavacli.yaml)
#   LAVA_WAIT=      seconds to wait for all the jobs (default 3600); a job
#                   not finished by then is canceled: ERROR
#   LAVA_POLL=      seconds between two looks at a job (default 5)
#   OUT_DIR=        each job's raw log (JOB.raw.yaml), console
#                   (JOB.serial.log), oracle line (JOB.verdict) and the
#                   table (table.txt) (default JOB_DIR/lab)
#   DRY_RUN=1       print the lavacli commands and exit
#
# lava-submit.sh --judge RAW_LOG TEST [CONSOLE]: one saved job log judged
# (the console into CONSOLE): TEST <TAB> verdict <TAB> signature <TAB>
# function <TAB> LAVA's case (pass|fail|none) <TAB> LAVA's job result
# (complete|incomplete|none); a job LAVA failed is ERROR lava-incomplete.
#
# Exit: 0 every job gave the verdict its metadata expects; 1 at least one
# did not; 5 none did not, but the lab broke for at least one (lab
# unreachable, a job refused, Incomplete or Canceled, not finished in
# time): an ERROR, which says nothing about the patch; 2 bad input, or a
# user and token the lab refuses.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=lib/lava.sh
. "$PROJECT_DIR/scripts/lib/lava.sh"
DIE_STATUS=2

# oracle: the project's serial-log oracle, built once into the cache.
oracle() {
	make -s -C "$PROJECT_DIR/oracle" O="$CACHE_DIR/tools/oracle" >&2 ||
		die "could not build the oracle (make -C oracle)"
	echo "$CACHE_DIR/tools/oracle/oracle"
}

# extract RAW TEST CONSOLE: the console of a log from lavacli jobs logs
# --raw into CONSOLE; prints LAVA's own view: the test's case (pass, fail
# or none; a fail stays) and the job's result (complete, incomplete or
# none), then the job's error messages, one a line: why LAVA failed the
# job (the error_msg of its "job" case, such as a 404 on an artifact)
# first.
extract() {
	local lava
	lava=$(lava_log list "$@") || return 1
	awk 'BEGIN { c = "none"; j = "none" }
		$1 == "case" && c != "fail" { c = substr($0, 6) }
		$1 == "job" { j = $2 }
		$1 == "job-error" { first = substr($0, 11) "\n" first }
		$1 == "error" { rest = rest substr($0, 7) "\n" }
		END { print c; print j; printf "%s%s", first, rest }' <<<"$lava"
}

if [ "${1:-}" = --judge ]; then
	[ $# = 3 ] || [ $# = 4 ] || die "usage: lava-submit.sh --judge RAW_LOG TEST [CONSOLE]"
	[ -f "$2" ] || die "$2: no such log"
	console=${4:-$(mktemp)}
	[ $# = 4 ] || trap 'rm -f "$console"' EXIT
	lava=$(extract "$2" "$3" "$console") || exit 2
	case=$(sed -n 1p <<<"$lava") job=$(sed -n 2p <<<"$lava")
	if [ "$job" = incomplete ]; then
		# The lab broke: an ERROR, whatever the console shows.
		printf '%s\tERROR\tlava-incomplete\t-\t%s\t%s\n' "$3" "$case" "$job"
		exit 0
	fi
	o=$(oracle)
	line=$("$o" "$console" "$3" || true)
	[ -n "$line" ] || die "the oracle gave no verdict on $2"
	printf '%s\t%s\t%s\n' "$(cut -f1-4 <<<"$line")" "$case" "$job"
	exit 0
fi
case ${1:-} in -*) die "usage: lava-submit.sh [JOB_DIR] | --judge RAW_LOG TEST [CONSOLE]" ;; esac
[ $# -le 1 ] || die "usage: lava-submit.sh [JOB_DIR] | --judge RAW_LOG TEST [CONSOLE]"

jobdir=${1:-$RESULTS_ROOT/lava}
[ -d "$jobdir" ] || die "$jobdir: no such job directory: make lava writes one (results/lava)"
[ -f "$jobdir/jobs.tsv" ] || die "$jobdir/jobs.tsv: no job list: make lava writes it beside the jobs"
wait_s=${LAVA_WAIT:-3600} poll=${LAVA_POLL:-5}
[[ $wait_s =~ ^[1-9][0-9]*$ ]] || die "LAVA_WAIT=$wait_s: give whole seconds"
[[ $poll =~ ^[1-9][0-9]*$ ]] || die "LAVA_POLL=$poll: give whole seconds"

# Which lab, and who: an identity, or URL + user + token.
token=${LAVA_TOKEN:-}
if [ -n "${LAVA_IDENTITY:-}" ]; then
	[ -z "${LAVA_URL:-}$token" ] || die "give LAVA_IDENTITY= or LAVA_URL= with LAVA_USER= and LAVA_TOKEN=, not both"
	[[ $LAVA_IDENTITY =~ ^[A-Za-z0-9_.-]+$ ]] || die "LAVA_IDENTITY=$LAVA_IDENTITY: a lavacli identity name (letters, digits, ., _ and -)"
	lab="identity $LAVA_IDENTITY"
else
	[ -n "${LAVA_URL:-}" ] || die "which lab? give LAVA_URL= with LAVA_USER= and LAVA_TOKEN= (an API token of that user), or LAVA_IDENTITY= (a lavacli identity)"
	[[ $LAVA_URL =~ ^https?://[^/[:space:]@]+(/[^[:space:]]*)?$ ]] ||
		die "LAVA_URL=$LAVA_URL: give http(s)://HOST[:PORT] (no user or token in it: LAVA_USER=, LAVA_TOKEN=)"
	{ [ -n "${LAVA_USER:-}" ] && [ -n "$token" ]; } ||
		die "LAVA_URL= needs LAVA_USER= and LAVA_TOKEN= (an API token of that user; lavacli cannot submit anonymously)"
	[[ $LAVA_USER =~ ^[A-Za-z0-9_.@+-]+$ ]] || die "LAVA_USER=$LAVA_USER: not a LAVA user name"
	[[ $token =~ ^[[:graph:]]+$ ]] || die "LAVA_TOKEN: one word without spaces"
	uri=${LAVA_URL%/}
	[[ $uri == */RPC2 ]] || uri=$uri/RPC2
	lab=${uri%/RPC2}
fi

# The jobs: jobs.tsv says which are lab jobs; each job's metadata says what
# it tests and what it must give.
mapfile -t jobs < <(awk -F'\t' '!/^#/ && $1 != "-" && NF >= 6 { print $1 }' "$jobdir/jobs.tsv")
mapfile -t locals < <(awk -F'\t' '!/^#/ && $1 == "-" && NF >= 6 { print $2 " " $3 " " $4 }' "$jobdir/jobs.tsv")
[ ${#jobs[@]} -gt 0 ] || die "$jobdir/jobs.tsv lists no LAVA job"
declare -A VARIANT ARCH TEST WANT
for j in "${jobs[@]}"; do
	[ -f "$jobdir/$j" ] || die "$jobdir/$j: listed in jobs.tsv, but no such job"
	meta=$(/usr/bin/python3 - "$jobdir/$j" <<-\EOF
		import sys, yaml
		try:
		    with open(sys.argv[1]) as f:
		        m = (yaml.safe_load(f) or {}).get("metadata") or {}
		except (OSError, yaml.YAMLError, AttributeError) as e:
		    sys.exit("not a LAVA job: %s" % str(e).splitlines()[0])
		print(" ".join(str(m.get(k, "")) or "-" for k in ("variant", "arch", "test", "expected")))
	EOF
	) || die "$jobdir/$j: not a job of make lava (its metadata names no variant, arch, test and expected)"
	read -r v a t w <<<"$meta"
	[[ $v != - && $a != - && $t != - && $w =~ ^(PASS|FAIL|-)$ ]] ||
		die "$jobdir/$j: not a job of make lava (metadata: variant $v, arch $a, test $t, expected $w)"
	VARIANT[$j]=$v ARCH[$j]=$a TEST[$j]=$t WANT[$j]=$w
done

work=$(mktemp -d "${TMPDIR:-/tmp}/lava-submit.XXXXXX")
trap 'rm -rf "$work"' EXIT
ident=()
if [ -n "${LAVA_IDENTITY:-}" ]; then
	ident=(-i "$LAVA_IDENTITY")
else
	# The token in a file only we can read, so that it is on no command line.
	mkdir -m 700 "$work/config"
	(
		umask 077
		q() { printf "'%s'" "${1//\'/\'\'}"; }
		printf 'lava-submit:\n  uri: %s\n  username: %s\n  token: %s\n' "$(q "$uri")" "$(q "$LAVA_USER")" "$(q "$token")" \
			>"$work/config/lavacli.yaml"
	)
	ident=(-i lava-submit)
fi

if [ "${DRY_RUN:-0}" = 1 ]; then
	for j in "${jobs[@]}"; do
		echo "+ lavacli ${ident[*]} jobs submit $jobdir/$j"
	done
	echo "+ lavacli ${ident[*]} jobs show ID --json   (every ${poll} s, at most ${wait_s} s in all)"
	echo "+ lavacli ${ident[*]} jobs logs --raw --no-follow ID"
	echo "lava-submit: ${#jobs[@]} job(s) of $jobdir for $lab (dry run: nothing submitted)"
	exit 0
fi
require_tool lavacli lavacli

# lava ARGS: lavacli on the lab, its output (both streams) with the token
# blanked out (lavacli prints the URI, token and all, when it cannot connect).
lava() {
	local out rc=0
	if [ -n "${LAVA_IDENTITY:-}" ]; then
		out=$(lavacli "${ident[@]}" "$@" 2>&1) || rc=$?
	else
		out=$(XDG_CONFIG_HOME=$work/config lavacli "${ident[@]}" "$@" 2>&1) || rc=$?
	fi
	if [ -n "$token" ]; then
		out=${out//"${LAVA_USER:-}:$token@"/"${LAVA_USER:-}:<token>@"}
		# A token too short to be told from other text stays.
		[ ${#token} -lt 8 ] || out=${out//"$token"/"<token>"}
	fi
	printf '%s\n' "$out"
	return $rc
}
# one_line TEXT: the last non-empty line, for a table cell.
one_line() {
	awk 'NF { l = $0 } END { print l }' <<<"$1" | tr -s '\t ' ' ' | cut -c1-240
}

out=${OUT_DIR:-$jobdir/lab}
mkdir -p "$out"
o=$(oracle)
t0=$(date +%s%N)

# The lab must answer, and know who we are, before anything is submitted.
who=$(lava system whoami) || {
	# lavacli asks for the server's version first, with the token: a 401
	# there is the token, not the lab.
	case $who in *"401 Client Error"* | *Unauthorized*)
		die "the lab ($lab) refused this user and token (401 Unauthorized): check LAVA_USER= and LAVA_TOKEN= (or the identity)" ;;
	esac
	echo "lava-submit: ERROR: the lab ($lab) does not answer: $(one_line "$who")" >&2
	exit 5
}
who=$(one_line "$who")
if [ -z "$who" ] || [ "$who" = None ]; then
	die "the lab ($lab) does not know this user and token (whoami: ${who:-nothing}): check LAVA_USER= and LAVA_TOKEN= (or the identity)"
fi
note "lab $lab ($(one_line "$(lava system version)")), user $who: submitting ${#jobs[@]} job(s) of $jobdir"

declare -A ID GOT SIG LAVA
pending=()
for j in "${jobs[@]}"; do
	r=$(lava jobs submit "$jobdir/$j") || true
	id=$(one_line "$r")
	if [[ $id =~ ^[0-9]+$ ]]; then
		ID[$j]=$id
		pending+=("$j")
		note "$j: job $id"
	else
		ID[$j]=-
		GOT[$j]=ERROR SIG[$j]="refused: $(one_line "$r")" LAVA[$j]=-
	fi
done

# finish JOB SHOW_JSON: a finished job's verdict.
finish() {
	local j=$1 show=$2 health comment raw lava_view line case job why
	health=$(jq -r '.health // "-"' <<<"$show")
	comment=$(jq -r '.failure_comment // ""' <<<"$show")
	raw=$out/${j%.yaml}.raw.yaml
	if ! lava jobs logs --raw --no-follow "${ID[$j]}" >"$raw"; then
		GOT[$j]=ERROR SIG[$j]="no log: $(one_line "$(cat "$raw")")" LAVA[$j]=$health
		return
	fi
	lava_view=$(extract "$raw" "${TEST[$j]}" "$out/${j%.yaml}.serial.log") || {
		GOT[$j]=ERROR SIG[$j]="unreadable log $raw" LAVA[$j]=$health
		return
	}
	case=$(sed -n 1p <<<"$lava_view") job=$(sed -n 2p <<<"$lava_view")
	LAVA[$j]="$health, case $case"
	if [ "$health" != Complete ]; then
		# Incomplete, Canceled: the lab broke; what the guest did is unknown.
		# Why, in LAVA's words: the job case's error first (the failure
		# comment is often only "Your job cannot terminate cleanly").
		why=$(sed -n 3p <<<"$lava_view")
		comment=${why:-${comment:-job result $job}}
		GOT[$j]=ERROR SIG[$j]="$health: $(one_line "$comment")"
		return
	fi
	line=$("$o" "$out/${j%.yaml}.serial.log" "${TEST[$j]}" || true)
	printf '%s\n' "$line" >"$out/${j%.yaml}.verdict"
	if [ -z "$line" ]; then
		GOT[$j]=ERROR SIG[$j]="the oracle gave no verdict on $out/${j%.yaml}.serial.log"
		return
	fi
	GOT[$j]=$(cut -f2 <<<"$line")
	SIG[$j]=$(cut -f3,4 <<<"$line" | tr '\t' ' ')
	[ "${SIG[$j]}" != "- -" ] || SIG[$j]=-
	if [ "$case" != none ] && [ "$case" != "${GOT[$j],,}" ]; then
		note "$j: LAVA's own case says $case, the oracle ${GOT[$j]}: the oracle's verdict counts"
	fi
}

# Wait: look at every pending job each LAVA_POLL seconds.  A job the lab
# cannot be asked about three times running is an ERROR.
deadline=$((SECONDS + wait_s))
declare -A MISSED
while [ ${#pending[@]} -gt 0 ]; do
	next=()
	for j in "${pending[@]}"; do
		if ! show=$(lava jobs show "${ID[$j]}" --json) || ! state=$(jq -r .state <<<"$show" 2>/dev/null); then
			MISSED[$j]=$((${MISSED[$j]:-0} + 1))
			if [ "${MISSED[$j]}" -ge 3 ]; then
				GOT[$j]=ERROR SIG[$j]="the lab stopped answering: $(one_line "$show")" LAVA[$j]=-
			else
				next+=("$j")
			fi
			continue
		fi
		MISSED[$j]=0
		if [ "$state" = Finished ]; then
			finish "$j" "$show"
			note "$j: job ${ID[$j]} finished: ${GOT[$j]} ${SIG[$j]}"
		else
			next+=("$j")
			LAVA[$j]=$state
		fi
	done
	pending=(${next[@]+"${next[@]}"})
	[ ${#pending[@]} -gt 0 ] || break
	if [ $SECONDS -ge $deadline ]; then
		for j in "${pending[@]}"; do
			lava jobs cancel "${ID[$j]}" >/dev/null || true
			GOT[$j]=ERROR SIG[$j]="still ${LAVA[$j]} after ${wait_s} s (LAVA_WAIT=): canceled" LAVA[$j]=Canceled
		done
		break
	fi
	sleep "$poll"
done

# The table, as the boot verdicts read.
mismatch=0 errors=0 ok=0
{
	printf '%-12s %-8s %-18s %-8s %-6s %-5s %-22s %s\n' variant arch test expected got job lava signature
	for j in "${jobs[@]}"; do
		printf '%-12s %-8s %-18s %-8s %-6s %-5s %-22s %s\n' "${VARIANT[$j]}" "${ARCH[$j]}" "${TEST[$j]}" \
			"${WANT[$j]}" "${GOT[$j]}" "${ID[$j]}" "${LAVA[$j]}" "${SIG[$j]}"
	done
} | tee "$out/table.txt"
for j in "${jobs[@]}"; do
	if [ "${GOT[$j]}" = ERROR ]; then
		errors=$((errors + 1))
	elif [ "${WANT[$j]}" != - ] && [ "${GOT[$j]}" != "${WANT[$j]}" ]; then
		mismatch=$((mismatch + 1))
		sig=" ${SIG[$j]}" && [ "$sig" != " -" ] || sig=""
		echo "MISMATCH: ${VARIANT[$j]} ${ARCH[$j]} ${TEST[$j]}: expected ${WANT[$j]}, got ${GOT[$j]}$sig (job ${ID[$j]}; console $out/${j%.yaml}.serial.log)"
	else
		ok=$((ok + 1))
	fi
done
[ ${#locals[@]} = 0 ] || printf 'not in the lab (jobs.tsv: they run locally): %s\n' "$(printf '%s; ' "${locals[@]}" | sed 's/; $//')"
echo "(got: the oracle on the console LAVA captured; lava: the job's health and LAVA's own case; ERROR: the lab broke, nothing is known about the patch)"
echo "lava-submit: $ok as expected, $mismatch not as expected, $errors errors in $(elapsed_since "$t0") s (lab $lab; logs in $out)"
[ "$mismatch" = 0 ] || exit 1
[ "$errors" = 0 ] || exit 5
exit 0
