#!/bin/bash
# mutants.sh: make mutants.  Plants faults one at a time in scratch copies of
# the project (the files git tracks or would track, copied under $TMPDIR:
# this tree is never touched), runs the tests that should notice, and says
# which did.  Two kinds, both data under tests/mutants/:
#   chosen/NN-name.patch  a fault chosen by hand, one small patch; its header
#                         names the fault (Fault:) and the test expected to
#                         kill it (Killed-by:)
#   generated             sampled with a fixed seed (config) from the fault
#                         sites tests/mutants/sites.awk finds: a condition
#                         negated, a comparison flipped, an error exit
#                         deleted; one that does not compile (C: the flags of
#                         its Makefile) or parse (bash -n) is discarded and
#                         the next one in the seeded order taken instead
# The tests of a mutated file come from tests/mutants/map.  A mutant is
# killed when a test fails a block that passes on the unmutated copy (the
# baseline), dies, or hangs; the test stops there.  Prints a table (also
# written to results/<stamp>-mutants/table.md) and the plain last line
# "mutants: N killed, N survived".  Exit 0 only if every chosen fault and at
# least 90% of the generated ones were killed.
#
#   scripts/mutants.sh            the run (make mutants)
#   scripts/mutants.sh --check    every chosen patch applies to this tree
#   scripts/mutants.sh --sites    the generator's seeded order of fault
#                                 sites per area (deterministic)
#   ONLY=REGEX                    run only the mutants whose id matches
#   MUTANTS_JOBS=N  MUTANTS_SEED=N  override the config; KEEP=1 keeps the
#                                 scratch directory
#   MUTANTS_GENERATED=0           the chosen faults only
#   MUTANTS_CHOSEN=DIR MUTANTS_MAP=FILE  other chosen patches / map (tests)

# The tests run as make test runs them: without what lib.sh sets and
# exports here (VARIANTS_FILE, PATCHES_DIR, ... would point them at this
# tree instead of their scratch copy; the fixed git identity would hide a
# missing one).
test_env=()
for v in PROJECT_DIR CACHE_DIR RESULTS_ROOT VARIANTS_FILE PATCHES_DIR GIT_AUTHOR_NAME \
	GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_AUTHOR_DATE \
	GIT_COMMITTER_DATE GIT_CONFIG_NOSYSTEM GIT_TERMINAL_PROMPT; do
	[ -n "${!v+set}" ] || test_env+=(-u "$v")
done
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

shopt -s nullglob
MDIR=$PROJECT_DIR/tests/mutants
CONFIG=$MDIR/config
MAP=${MUTANTS_MAP:-$MDIR/map}
CHOSEN=${MUTANTS_CHOSEN:-$MDIR/chosen}
US=$'\037'

# cfg KEY: the values of the config's KEY lines, one line each.
cfg() {
	awk -v k="$1" '{ sub(/#.*/, "") } $1 == k { $1 = ""; sub(/^ /, ""); print }' "$CONFIG"
}

# tests_for FILE...: the map's tests for these files, in order, each once.
tests_for() {
	local f glob tests
	for f in "$@"; do
		while read -r glob tests; do
			case $glob in "" | \#*) continue ;; esac
			# shellcheck disable=SC2053 # a glob on purpose
			# shellcheck disable=SC2086 # a list of test names
			if [[ $f == $glob ]]; then printf '%s\n' $tests; fi
		done <"$MAP"
	done | awk '!seen[$0]++'
}

# patch_header PATCH KEY: the value of "KEY: value" before the diff.
patch_header() {
	awk -v k="$2:" '/^diff --git / { exit } $1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$1"
}

# sites: every area's fault sites in the seeded order:
# AREA US FILE US LINE US KIND US MUTATED-LINE US WHAT
sites() {
	local seed area count files n=0
	seed=${MUTANTS_SEED:-$(cfg seed)}
	[[ $seed =~ ^[0-9]+$ ]] || die "seed '$seed' in $CONFIG: give a whole number"
	while read -r area count files; do
		n=$((n + 1))
		for f in $files; do
			[ -f "$PROJECT_DIR/$f" ] || die "$f (area $area in $CONFIG) does not exist: fix the config"
			[ -n "$(tests_for "$f")" ] || die "$f (area $area in $CONFIG) has no test in $MAP: add one"
			case $f in *.c) lang="c" ;; *.sh) lang="sh" ;; *) die "$f: only .c and .sh files can be sampled" ;; esac
			awk -v file="$f" -v lang="$lang" -f "$MDIR/sites.awk" "$PROJECT_DIR/$f"
		done | awk -v seed="$((seed + n))" -v area="$area" -v us="$US" '
			{ s[NR] = $0 }
			# Park-Miller (16807 * x mod 2^31 - 1): exact in doubles, the
			# same in every awk; Fisher-Yates over the sites in file order.
			function next_rand() { x = (16807 * x) % 2147483647; return x }
			END {
				x = seed % 2147483646 + 1
				for (i = NR; i > 1; i--) {
					j = next_rand() % i + 1
					t = s[i]; s[i] = s[j]; s[j] = t
				}
				for (i = 1; i <= NR; i++) print area us s[i]
			}'
	done < <(cfg area)
}

# copy_project DEST: the files git tracks or would track (not ignored),
# as they are in the work tree now.
copy_project() {
	mkdir -p "$1"
	(cd "$PROJECT_DIR" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -xf - -C "$1"
}

if [ "${1:-}" = --sites ]; then
	sites
	exit 0
fi
if [ "${1:-}" = --check ]; then
	bad=0
	for p in "$CHOSEN"/*.patch; do
		if ! out=$(cd "$PROJECT_DIR" && git apply --check "$p" 2>&1); then
			echo "$(basename "$p"): does not apply: $(head -n 1 <<<"$out")"
			bad=$((bad + 1))
		fi
		k=$(patch_header "$p" Killed-by)
		if [ -z "$k" ] || [ ! -f "$PROJECT_DIR/tests/$k" ]; then
			echo "$(basename "$p"): Killed-by: '$k' is not a test under tests/"
			bad=$((bad + 1))
		fi
		[ -n "$(patch_header "$p" Fault)" ] || { echo "$(basename "$p"): no Fault: line"; bad=$((bad + 1)); }
	done
	[ $bad = 0 ] || die "$bad chosen patch(es) are stale: rewrite them against the tree as it is now"
	echo "mutants: $(find "$CHOSEN" -name '*.patch' | wc -l) chosen patches apply"
	exit 0
fi
[ $# = 0 ] || die "usage: mutants.sh [--check | --sites] (ONLY=REGEX, MUTANTS_JOBS=N, KEEP=1)"

jobs=${MUTANTS_JOBS:-$(cfg jobs)}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "jobs '$jobs': give a whole number, 1 or more"
min_timeout=$(cfg timeout)
read -r -a slow <<<"$(cfg slow)"
t_start=$(date +%s%N)

W=$(mktemp -d "${TMPDIR:-/tmp}/mutants.XXXXXX")
workers=()
cleanup() {
	local p
	for p in ${workers[@]+"${workers[@]}"}; do kill "$p" 2>/dev/null || true; done
	# the process groups of tests still running (their ids, written by us)
	for p in "$W"/running.*; do
		if [ -f "$p" ]; then kill -- "-$(cat "$p")" 2>/dev/null || true; fi
	done
	wait 2>/dev/null || true
	if [ "${KEEP:-0}" = 1 ]; then note "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step_begin "copying the project ($(cd "$PROJECT_DIR" && git ls-files --cached --others --exclude-standard | wc -l) files) into $W"
copy_project "$W/pristine"
mkdir -p "$W/res" "$W/base" "$W/logs"
src_tree=$CACHE_DIR/trees/embedded-6.1
for i in $(seq "$jobs"); do
	cp -a "$W/pristine" "$W/w$i"
	mkdir -p "$W/tmp$i" "$W/cache$i/trees"
	# The tests' shared cache: a clone of the target tree (nothing a
	# mutant does can reach the real one), made once per worker.
	if [ -f "$src_tree/.git/check-series-recipe" ]; then
		git clone -q --shared --no-checkout "$src_tree" "$W/cache$i/trees/embedded-6.1"
		git -C "$W/cache$i/trees/embedded-6.1" config gc.auto 0
		cp "$src_tree/.git/check-series-recipe" "$W/cache$i/trees/embedded-6.1/.git/"
	fi
done
# checkpatch.pl of Debian's 6.12 source, extracted once for every worker
# (the tests of send.sh run the checkpatch step, which would read the whole
# .tar.xz each time): as step-checkpatch.sh extracts it.
if [ -d "$CACHE_DIR/checkpatch-6.12" ]; then
	cp -r "$CACHE_DIR/checkpatch-6.12" "$W/cp612"
elif [ -f "$CHECKPATCH_TARBALL" ]; then
	mkdir -p "$W/cp612"
	tar -xJf "$CHECKPATCH_TARBALL" -C "$W/cp612" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
fi
for i in $(seq "$jobs"); do
	[ ! -d "$W/cp612" ] || cp -r "$W/cp612" "$W/cache$i/checkpatch-6.12"
done
step_end

# ---- the mutants: M<US>id<US>kind<US>files<US>what<US>tests, and their data --
: >"$W/list"
for p in "$CHOSEN"/*.patch; do
	id=$(basename "$p" .patch)
	mapfile -t files < <(cd "$W/pristine" && git apply --numstat "$p" 2>/dev/null | cut -f3)
	[ ${#files[@]} -gt 0 ] || die "chosen/$id.patch changes no file: fix it"
	(cd "$W/pristine" && git apply --check "$p" 2>/dev/null) ||
		die "chosen/$id.patch does not apply to this tree (scripts/mutants.sh --check): rewrite it"
	tests=$( { patch_header "$p" Killed-by; tests_for "${files[@]}"; } | awk 'NF && !seen[$0]++' | tr '\n' ' ')
	printf '%s\n' "$id${US}chosen${US}${files[*]}${US}$(patch_header "$p" Fault)${US}${tests% }" >>"$W/list"
	cp "$p" "$W/res/$id.patch"
done

# generated: the first COUNT sites of each area (seeded order) that compile
# or parse.  Each site is checked once and the answer kept under the cache
# (keyed by the mutated file, its directory's headers and the flags), in
# rounds of checks run $jobs at a time.
# validate I: is site I (line I of $W/sites) a program? Writes $W/val/I.ok
# or $W/val/I.err.
validate() {
	local i=$1 area file line kind after what dir key d
	IFS=$US read -r area file line kind after what < <(sed -n "${i}p" "$W/sites")
	d=$W/val/$i
	mkdir -p "$d"
	cp -r "$W/pristine/${file%/*}" "$d/"
	MUT_LINE=$after awk -v n="$line" 'NR == n { print ENVIRON["MUT_LINE"]; next } { print }' \
		"$W/pristine/$file" >"$d/${file##*/}"
	case $file in
	*.c)
		dir=${file%%/*}
		read -r -a flags <<<"$(cfg cflags | awk -v d="$dir" '$1 == d { $1 = ""; print }')"
		key=$(hash_string "${flags[*]} $(hash_files "$d/${file##*/}" "$W/pristine/$dir"/*.h 2>/dev/null || hash_files "$d/${file##*/}") $(gcc --version | head -n 1)")
		if [ -f "$vcache/$key.ok" ]; then :>"$W/val/$i.ok"
		elif [ -f "$vcache/$key.err" ]; then cp "$vcache/$key.err" "$W/val/$i.err"
		elif gcc "${flags[@]}" -I"$d/${dir}" -c "$d/${file##*/}" -o /dev/null 2>"$d/err"; then
			: >"$vcache/$key.ok" && : >"$W/val/$i.ok"
		else
			grep -m1 -E 'error' "$d/err" | sed "s|$d/||" >"$vcache/$key.err"
			cp "$vcache/$key.err" "$W/val/$i.err"
		fi
		;;
	*.sh)
		if bash -n "$d/${file##*/}" 2>"$d/err"; then : >"$W/val/$i.ok"
		else grep -m1 . "$d/err" | sed "s|$d/||" >"$W/val/$i.err"; fi
		;;
	esac
	rm -rf "$d"
}

discarded=()
generate() {
	step_begin "generating mutants (seed ${MUTANTS_SEED:-$(cfg seed)}), each compiled or parsed"
	vcache=$CACHE_DIR/mutants/valid
	mkdir -p "$vcache" "$W/val"
	sites >"$W/sites"
	declare -A want taken
	while read -r area count _; do want[$area]=$count; taken[$area]=0; done < <(cfg area)
	n=0
	discarded=()
	: >"$W/accepted"
	while :; do
		# this round: for each area, as many unchecked sites (in order) as it
		# still needs
		batch=()
		declare -A need=()
		for area in "${!want[@]}"; do need[$area]=$((want[$area] - taken[$area])); done
		i=0
		while IFS=$US read -r area file line kind after what; do
			i=$((i + 1))
			[ "${need[$area]}" -gt 0 ] || continue
			if [ -f "$W/val/$i.ok" ] || [ -f "$W/val/$i.err" ] || [ -f "$W/val/$i.same" ]; then continue; fi
			if [ "$(sed -n "${line}p" "$W/pristine/$file")" = "$after" ]; then : >"$W/val/$i.same"; continue; fi
			batch+=("$i")
			need[$area]=$((need[$area] - 1))
		done <"$W/sites"
		[ ${#batch[@]} -gt 0 ] || break
		for i in "${batch[@]}"; do
			while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
			validate "$i" &
		done
		wait
		# accept, in the seeded order, the checked sites each area still needs
		declare -A blocked=()
		for area in "${!want[@]}"; do taken[$area]=0; blocked[$area]=0; done
		n=0
		discarded=()
		: >"$W/list.gen"
		i=0
		while IFS=$US read -r area file line kind after what; do
			i=$((i + 1))
			if [ "${taken[$area]}" -ge "${want[$area]}" ] || [ "${blocked[$area]}" != 0 ]; then continue; fi
			[ ! -f "$W/val/$i.same" ] || continue
			if [ ! -f "$W/val/$i.ok" ] && [ ! -f "$W/val/$i.err" ]; then
				blocked[$area]=1 # not checked yet: the next round checks it
				continue
			fi
			if [ -f "$W/val/$i.err" ]; then
				discarded+=("$file:$line $kind ($what): $(cat "$W/val/$i.err")")
				continue
			fi
			taken[$area]=$((taken[$area] + 1))
			n=$((n + 1))
			id=$(printf 'g%02d' "$n")
			printf '%s\n' "$id${US}$kind${US}$file:$line${US}$what${US}$(tests_for "$file" | tr '\n' ' ' | sed 's/ $//')" >>"$W/list.gen"
			printf '%s\n' "$file" "$line" "$after" >"$W/res/$id.mut"
		done <"$W/sites"
	done
	for area in "${!want[@]}"; do
		[ "${taken[$area]}" = "${want[$area]}" ] ||
			die "area $area: only ${taken[$area]} of ${want[$area]} mutants compile: add files to it in $CONFIG"
	done
	cat "$W/list.gen" >>"$W/list"
	step_end
}
[ "${MUTANTS_GENERATED:-1}" = 0 ] || generate
if [ -n "${ONLY:-}" ]; then
	awk -F "$US" -v re="$ONLY" '$1 ~ re' "$W/list" >"$W/list.only"
	mv "$W/list.only" "$W/list"
fi
# Mutants whose tests take minutes first: the other workers meanwhile go
# through the quick ones, and the run does not end waiting for one of them.
slow_re=$(cfg slow | tr ' ' '|')
{
	awk -F "$US" -v re="(^| )(${slow_re:-^$})( |$)" '$NF ~ re' "$W/list"
	awk -F "$US" -v re="(^| )(${slow_re:-^$})( |$)" '$NF !~ re' "$W/list"
} >"$W/list.ordered"
mv "$W/list.ordered" "$W/list"

# ---- running a test ------------------------------------------------------------

is_slow() {
	local s
	for s in ${slow[@]+"${slow[@]}"}; do [ "$s" = "$1" ] && return 0; done
	return 1
}

# titles LOG STATUS: the block titles of LOG with STATUS (ok / not ok),
# without their numbers and timings.
titles() {
	{ grep -E "^$2 [0-9]+ - " "$1" 2>/dev/null || true; } |
		sed -E "s/^$2 [0-9]+ - //; s/ \([0-9]+ s\)$//; s/ \(exit [0-9]+\)$//"
}

# run_test WORKER COPY TEST LOG TIMEOUT [TITLE]: run TEST in COPY; stop at the
# first block that fails and did not fail in the baseline (base/TEST.fail),
# or with TITLE set (a baseline run) when that block has its result.  Prints
# "fail TITLE", "timeout", "title-seen" or "pass".
run_test() {
	local w=$1 copy=$2 t=$3 log=$4 limit=$5 title=${6:-} pid start f
	(cd "$copy" && exec env ${test_env[@]+"${test_env[@]}"} TMPDIR="$W/tmp$w" CACHE_DIR="$W/cache$w" \
		setsid bash "tests/$t") \
		>"$log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$W/running.$w"
	start=$SECONDS
	while :; do
		local alive=1
		kill -0 "$pid" 2>/dev/null || alive=0
		if [ -n "$title" ]; then
			if titles "$log" ok | grep -qxF -- "$title" || titles "$log" "not ok" | grep -qxF -- "$title"; then
				[ $alive = 0 ] || kill -- "-$pid" 2>/dev/null || true
				wait "$pid" 2>/dev/null || true
				echo title-seen
				return
			fi
		else
			f=$(titles "$log" "not ok" | grep -vxF -f "$W/base/$t.fail" | grep -vxF -f "$W/base/$t.known-ok-fail" | head -n 1 || true)
			if [ -n "$f" ]; then
				[ $alive = 0 ] || kill -- "-$pid" 2>/dev/null || true
				wait "$pid" 2>/dev/null || true
				echo "fail $f"
				return
			fi
		fi
		[ $alive = 1 ] || break
		if [ $((SECONDS - start)) -gt "$limit" ]; then
			kill -- "-$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			echo timeout
			return
		fi
		sleep 0.5
	done
	wait "$pid" 2>/dev/null || true
	rm -f "$W/running.$w"
	echo pass
}

# verified WORKER TEST TITLE: did block TITLE pass on the unmutated copy?
# (slow tests: their baseline is run only as far as a block a mutant failed)
verified() {
	local w=$1 t=$2 title=$3
	is_slow "$t" || return 0
	(
		flock 9
		if titles "$W/base/$t.log" ok | grep -qxF -- "$title"; then exit 0; fi
		if titles "$W/base/$t.log" "not ok" | grep -qxF -- "$title"; then exit 1; fi
		run_test "$w" "$W/pristine" "$t" "$W/base/$t.log" "$(timeout_of "$t")" "$title" >/dev/null
		titles "$W/base/$t.log" "not ok" >"$W/base/$t.fail"
		titles "$W/base/$t.log" ok | grep -qxF -- "$title"
	) 9>"$W/base/$t.lock"
}

timeout_of() {
	local d
	d=$(cat "$W/base/$1.seconds" 2>/dev/null || echo 0)
	if is_slow "$1"; then echo 1800; elif [ $((3 * d)) -gt "$min_timeout" ]; then echo $((3 * d)); else echo "$min_timeout"; fi
}

# ---- the baseline: every (fast) test on the unmutated copy -----------------------
mapfile -t all_tests < <(awk -F "$US" '{ print $NF }' "$W/list" | tr ' ' '\n' | awk 'NF && !seen[$0]++')
for t in "${all_tests[@]}"; do
	[ -f "$W/pristine/tests/$t" ] || die "test $t (tests/mutants/map or a Killed-by:) does not exist"
	: >"$W/base/$t.fail"
	: >"$W/base/$t.known-ok-fail"
	: >"$W/base/$t.log"
done
step_begin "baseline: ${#all_tests[@]} tests on the unmutated copy, $jobs at a time (slow ones only when needed: ${slow[*]})"
baseline_one() { # WORKER TEST
	local s=$SECONDS
	run_test "$1" "$W/w$1" "$2" "$W/base/$2.log" 1800 "__never__" >/dev/null
	titles "$W/base/$2.log" "not ok" >"$W/base/$2.fail"
	echo $((SECONDS - s)) >"$W/base/$2.seconds"
}
i=0
for t in "${all_tests[@]}"; do
	is_slow "$t" && continue
	i=$((i % jobs + 1))
	printf '%s\n' "$t" >>"$W/baseline.$i"
done
for w in $(seq "$jobs"); do
	[ -f "$W/baseline.$w" ] || continue
	(while read -r t; do baseline_one "$w" "$t"; done <"$W/baseline.$w") &
	workers+=($!)
done
wait
workers=()
step_end
for t in "${all_tests[@]}"; do
	is_slow "$t" && continue
	[ -s "$W/base/$t.fail" ] && note "baseline: $t already fails: $(tr '\n' ';' <"$W/base/$t.fail")"
done

# ---- the mutants, each in a worker's copy ---------------------------------------------

# apply WORKER ID: plant mutant ID in the worker's copy.
apply() {
	local c=$W/w$1
	if [ -f "$W/res/$2.patch" ]; then
		(cd "$c" && git apply "$W/res/$2.patch")
	else
		local file line
		{ read -r file; read -r line; } <"$W/res/$2.mut"
		MUT_LINE=$(sed -n 3p "$W/res/$2.mut") awk -v n="$line" \
			'NR == n { print ENVIRON["MUT_LINE"]; next } { print }' "$W/pristine/$file" >"$c/$file"
	fi
}

# restore WORKER FILES...: the unmutated files back (a newer mtime: make
# rebuilds what the mutant built).
restore() {
	local w=$1 f
	shift
	for f in "$@"; do cp "$W/pristine/$f" "$W/w$w/$f"; done
}

run_mutant() { # WORKER ID KIND FILES TESTS
	local w=$1 id=$2 kind=$3 where=$4 tests=$5 t r s=$SECONDS result=survived by=- files_a
	read -r -a files_a <<<"${where//:[0-9]*/}"
	apply "$w" "$id" || { echo "error${US}does not apply${US}0" >"$W/res/$id.result"; return; }
	for t in $tests; do
		r=$(run_test "$w" "$W/w$w" "$t" "$W/logs/$id.$t.log" "$(timeout_of "$t")")
		case $r in
		"fail "*)
			if verified "$w" "$t" "${r#fail }"; then
				result=killed by="$t: ${r#fail }"
				break
			fi
			# failed on the unmutated copy too: not this mutant's doing
			echo "${r#fail }" >>"$W/base/$t.known-ok-fail"
			;;
		timeout) result=killed by="$t: hung (stopped after $(timeout_of "$t") s)"; break ;;
		esac
	done
	restore "$w" "${files_a[@]}"
	echo "$result${US}$by${US}$((SECONDS - s))" >"$W/res/$id.result"
}

step_begin "$(wc -l <"$W/list") mutants, $jobs at a time"
: >"$W/next"
worker() { # WORKER: take the next mutant of the list until none is left
	local w=$1 k id kind files what tests
	while :; do
		# shellcheck disable=SC2016 # expanded by that bash
		k=$(flock "$W/next" bash -c 'n=$(($(wc -l <"$1") + 1)); echo "$n" >>"$1"; echo "$n"' _ "$W/next")
		IFS=$US read -r id kind files what tests < <(sed -n "${k}p" "$W/list")
		[ -n "${id:-}" ] || return 0
		run_mutant "$w" "$id" "$kind" "$files" "$tests"
		IFS=$US read -r r _ s <"$W/res/$id.result"
		echo "  $id $r (${s} s)" >&2
	done
}
for w in $(seq "$jobs"); do
	worker "$w" &
	workers+=($!)
done
wait
workers=()
step_end

# ---- the table ---------------------------------------------------------------------------
stamp=$(date +%Y%m%d-%H%M%S)
out=$RESULTS_ROOT/$stamp-mutants
mkdir -p "$out"
ck=0 cs=0 gk=0 gs=0
{
	echo "| id | kind | where | fault | result | noticed by (test: block) | s |"
	echo "|---|---|---|---|---|---|---|"
	while IFS=$US read -r id kind files what tests; do
		IFS=$US read -r r by s <"$W/res/$id.result"
		if [ "$kind" = chosen ]; then
			what="$what (expected: $(patch_header "$W/res/$id.patch" Killed-by))"
			if [ "$r" = killed ]; then ck=$((ck + 1)); else cs=$((cs + 1)); fi
		elif [ "$r" = killed ]; then gk=$((gk + 1)); else gs=$((gs + 1)); fi
		[ "$r" = killed ] || r="**$r**"
		printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$id" "$kind" "$files" "${what//|/\\|}" "$r" "${by//|/\\|}" "$s"
	done < <(LC_ALL=C sort "$W/list")
	for d in ${discarded[@]+"${discarded[@]}"}; do
		printf '| - | discarded | %s | does not compile/parse, replaced by the next site | - | - | - |\n' "${d//|/\\|}"
	done
	echo
	echo "chosen: $ck killed, $cs survived; generated: $gk killed, $gs survived" \
		"($(awk -v k=$gk -v n=$((gk + gs)) 'BEGIN { printf "%.0f", n ? 100 * k / n : 0 }')%);" \
		"${#discarded[@]} discarded; jobs $jobs; $(elapsed_since "$t_start") s"
} >"$out/table.md"
cat "$out/table.md"
cp "$W/list" "$out/list"
[ "${KEEP:-0}" = 1 ] && note "test logs: $W/logs"
echo "mutants: $((ck + gk)) killed, $((cs + gs)) survived"
[ $cs = 0 ] && [ $((100 * gk)) -ge $((90 * (gk + gs))) ]
