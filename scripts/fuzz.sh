#!/bin/bash
# fuzz.sh: build every libFuzzer harness of the host programs and run each
# for its share of the time, seeded with its committed corpus.
#
#   make fuzz                     600 s in total, split among the harnesses
#   FUZZ_SECONDS=120 make fuzz    another total
#   FUZZ_MAX_LEN=N                longest input (default: per harness)
#   FUZZ_HARNESSES="virtq fuse"   only these harnesses (default: all)
#   bash scripts/fuzz.sh --dry-run   print the commands, run nothing
#
# A harness is O/fuzz_NAME, built by `make -C DIR O=... fuzz` for DIR in
# oracle/ and vhost-user-fs/ (clang, ASan+UBSan); its corpus is
# tests/data/fuzz/NAME/.  New coverage goes to a scratch corpus under
# results/fuzz-*/, never into the committed one.  A finding (crash, leak,
# timeout, out of memory) is copied into tests/data/fuzz/NAME/ and named on
# the last line; the exit status is then 1.  Commit it: make test replays
# every committed input (tests/t0720-fuzz-replay.sh), so it stays fixed.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

DRY_RUN=0
case ${1:-} in
--dry-run) DRY_RUN=1 ;;
"") ;;
*) die "unknown argument '$1': the only option is --dry-run (time: FUZZ_SECONDS=N)" ;;
esac
[ $# -le 1 ] || die "too many arguments: the only option is --dry-run"

total=${FUZZ_SECONDS:-600}
case $total in
'' | *[!0-9]*) die "FUZZ_SECONDS='$total' is not a number of seconds: e.g. FUZZ_SECONDS=600" ;;
esac
[ "$total" -gt 0 ] || die "FUZZ_SECONDS=0: give at least 1 second"
if [ -n "${FUZZ_MAX_LEN:-}" ]; then
	case $FUZZ_MAX_LEN in
	*[!0-9]* | 0) die "FUZZ_MAX_LEN='$FUZZ_MAX_LEN' is not a positive number of bytes" ;;
	esac
fi

CORPUS_ROOT=$PROJECT_DIR/tests/data/fuzz
BUILD_ROOT=$CACHE_DIR/fuzz
run_dir=$RESULTS_ROOT/fuzz-$(date +%Y%m%d-%H%M%S)

# max_len NAME: the longest input worth trying for a harness.
max_len() {
	if [ -n "${FUZZ_MAX_LEN:-}" ]; then
		echo "$FUZZ_MAX_LEN"
		return
	fi
	case $1 in
	virtq) echo 70000 ;;	# an 8-byte header and two 64 KiB regions' worth
	fuse) echo 8192 ;;	# a few dozen requests
	*) echo 65536 ;;	# 64 KiB of serial log
	esac
}

if [ "$DRY_RUN" = 0 ]; then
	require_tool clang clang
	require_file "$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null || echo libclang_rt.fuzzer)" \
		libclang-rt-14-dev
fi

# wanted fuzz_NAME: whether FUZZ_HARNESSES (names, comma or space separated)
# selects the harness; all when it is empty.
wanted() {
	local want=${FUZZ_HARNESSES:-}
	[ -z "$want" ] || [[ " ${want//,/ } " == *" ${1#fuzz_} "* ]]
}

# ---- build -----------------------------------------------------------------
harnesses=()
for dir in oracle vhost-user-fs; do
	if ! grep -q '^fuzz:' "$PROJECT_DIR/$dir/Makefile" 2>/dev/null; then
		note "$dir: no 'fuzz' target in $dir/Makefile yet: skipped"
		continue
	fi
	out=$BUILD_ROOT/$dir
	if [ "$DRY_RUN" = 1 ]; then
		echo "make -C $PROJECT_DIR/$dir O=$out fuzz"
		for src in "$PROJECT_DIR/$dir"/fuzz_*.c; do
			name=$(basename "$src" .c)
			[ "$name" = fuzz_replay ] || ! wanted "$name" ||
				harnesses+=("$out/$name")
		done
		continue
	fi
	step_begin "build the harnesses of $dir/"
	mkdir -p "$out"
	make -s -C "$PROJECT_DIR/$dir" O="$out" fuzz >"$out.build.log" 2>&1 ||
		die "make -C $dir fuzz failed: see $out.build.log"
	step_end
	found=0
	for bin in "$out"/fuzz_*; do
		case $bin in *_replay) continue ;; esac
		[ -x "$bin" ] || continue
		found=1
		wanted "$(basename "$bin")" && harnesses+=("$bin")
	done
	[ "$found" = 1 ] || die "make -C $dir fuzz built no $out/fuzz_* program"
done
if [ ${#harnesses[@]} = 0 ]; then
	[ -z "${FUZZ_HARNESSES:-}" ] || die "FUZZ_HARNESSES=\"$FUZZ_HARNESSES\" names no harness that was built: the names are the fuzz_NAME.c of oracle/ and vhost-user-fs/"
	die "no fuzz harness to run"
fi

each=$((total / ${#harnesses[@]}))
[ "$each" -gt 0 ] || each=1
[ "$DRY_RUN" = 1 ] || mkdir -p "$run_dir"
echo "fuzz: ${#harnesses[@]} harness(es), ${each} s each, logs in $run_dir"

# ---- run -------------------------------------------------------------------
findings=()
i=0
for bin in "${harnesses[@]}"; do
	i=$((i + 1))
	name=$(basename "$bin")
	name=${name#fuzz_}
	seeds=$CORPUS_ROOT/$name
	work=$run_dir/$name
	cmd=("$bin" -max_total_time="$each" -max_len="$(max_len "$name")" -timeout=10
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/"
		"$work/corpus")
	[ -d "$seeds" ] && cmd+=("$seeds")
	if [ "$DRY_RUN" = 1 ]; then
		echo "${cmd[*]}"
		continue
	fi
	[ -d "$seeds" ] || note "$name: no seed corpus $seeds: starting from nothing"
	mkdir -p "$work/corpus" "$work/artifacts"
	echo "fuzz: [$i/${#harnesses[@]}] $name: ${each} s ..."
	t0=$(date +%s%N)
	rc=0
	# libFuzzer's stderr is its report; it goes to the log, the summary here.
	"${cmd[@]}" >"$work/log" 2>&1 || rc=$?
	# A crash on a seed comes before any statistics: each may be missing.
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$work/log" | tail -n 1)
	summary="${execs:-?} runs in $(elapsed_since "$t0") s (${rate:-?} exec/s), cov ${cov:-?}, corpus $(find "$work/corpus" -type f | wc -l) new"
	saved=()
	for a in "$work"/artifacts/crash-* "$work"/artifacts/leak-* \
		"$work"/artifacts/timeout-* "$work"/artifacts/oom-*; do
		[ -f "$a" ] || continue
		mkdir -p "$seeds"
		cp "$a" "$seeds/"
		saved+=("tests/data/fuzz/$name/$(basename "$a")")
	done
	if [ ${#saved[@]} -gt 0 ]; then
		echo "fuzz: [$i/${#harnesses[@]}] $name: FINDING after $summary: ${saved[*]} (report: $work/log)"
		findings+=("${saved[@]}")
	elif [ "$rc" != 0 ]; then
		echo "fuzz: [$i/${#harnesses[@]}] $name: libFuzzer exited $rc without an input to save: see $work/log"
		findings+=("$name (exit $rc, no input)")
	else
		echo "fuzz: [$i/${#harnesses[@]}] $name: $summary, no finding"
	fi
done
[ "$DRY_RUN" = 0 ] || exit 0

if [ ${#findings[@]} -gt 0 ]; then
	echo "fuzz: ${#findings[@]} finding(s): ${findings[*]}; replay one with the harness's replay_NAME (make -C DIR fuzz-replay), fix it, commit the input"
	exit 1
fi
echo "fuzz: no finding in ${total} s"
