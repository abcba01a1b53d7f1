#!/bin/bash
# scripts/bench.sh without an hour of kernels: its report (`--report DIR
# OUT`) on bench directories written here (runs.tsv, meta, logs and run
# directories with summary.json and jobs.tsv), and its measuring part with
# a stand-in check-series that records how each run was called.  Goals met
# and not met say so with their numbers; references are the build jobs'
# time; a run that broke is named, never measured; the cold timeline is
# copied only when small; the runs come in order with their knobs, cold
# starts empty, ref-b's copy of the cache is thrown away, every scaling run
# starts without boot verdicts, busy cores come from /proc/stat.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

BENCH=$PROJECT_DIR/scripts/bench.sh
P0001=0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch
export BENCH P0001

# add_run DIR NAME RC WALL BUSY EXPECT KNOBS: a run in a bench directory:
# its runs.tsv line, its log, an empty run directory (results/NAME/latest).
add_run() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$2" "$3" "$4" "$5" 0.12 "$6" "$7" "what $2" >>"$1/runs.tsv" &&
	mkdir -p "$1/results/$2/20231109-143700" &&
	ln -sfn 20231109-143700 "$1/results/$2/latest" &&
	echo "check-series: 21 passed, 0 failed, 0 errors" >"$1/$2.log"
}
# verdicts DIR NAME VARIANT/STEP=VERDICT[:SUMMARY]...: the run's summary.json.
verdicts() {
	local d=$1/results/$2/latest a vs
	shift 2
	for a in "$@"; do
		vs=${a#*=}
		jq -n --arg v "${a%%/*}" --arg s "$(echo "${a%%=*}" | cut -d/ -f2)" --arg verdict "${vs%%:*}" \
			--arg sum "$(case $vs in *:*) echo "${vs#*:}" ;; *) echo ok ;; esac)" \
			'{variant: $v, step: $s, verdict: $verdict, seconds: 1, cached: false, summary: $sum}'
	done | jq -s '{schema: 2, passed: ([.[] | select(.verdict == "PASS" or .verdict == "XFAIL")] | length),
		failed: ([.[] | select(.verdict == "FAIL")] | length), errors: ([.[] | select(.verdict == "ERROR")] | length),
		skipped: 0, results: .}' >"$d/summary.json"
}
# jobs DIR NAME ID:START:END[:CACHED[:SUMMARY]]...: the run's jobs.tsv
# (times in whole seconds; ID as check-series names a job: VARIANT.STEP
# [.ARCH[-TEST-RUN]]) and, given a SUMMARY, the summary of the job's record.
jobs() {
	local d=$1/results/$2/latest j id s e c sum arch
	shift 2
	for j in "$@"; do
		IFS=: read -r id s e c sum <<<"$j"
		arch=$(echo "$id" | cut -d. -f3 | cut -d- -f1)
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$(echo "$id" | cut -d. -f2)" "${id%%.*}" "${arch:--}" \
			"$((1700000000000000000 + s * 1000000000))" "$((1700000000000000000 + e * 1000000000))" PASS "${c:-0}" >>"$d/jobs.tsv"
		[ -z "$sum" ] || { mkdir -p "$d/${id//.//}" && echo "$sum" >"$d/${id//.//}/summary"; } || return 1
	done
}
# good_bench DIR: a bench where every goal is met (nproc 2): reference (a)
# 500 s of build jobs (2 kernels built, a cached and a reused one beside
# them), cold 600 s (1.20), 90% busy; warm 4.2 s, message
# edit 6.1 s; reference (b) 50 + 50 s, code edit 140 s (1.40); scaling
# REPEAT=20 0.54 (one arch) and 0.60 (both: on the line).
good_bench() {
	local d=$1 n w
	mkdir -p "$d" && : >"$d/runs.tsv" &&
	printf 'date=2023-11-09\nnproc=2\nmachine=x86_64\nkernel=6.1\ncpu=Test CPU\nquick=0\ntarget=embedded-6.1\narches=arm64,x86_64\nscaling_variants=control,incremental,v5,pre-v4\nseconds=9000.0\n' >"$d/meta" &&
	add_run "$d" ref-a 0 700.0 0.6 - "STEPS=build JOBS=1" &&
	verdicts "$d" ref-a "control/build=PASS:x86_64: built in 250s;arm64: built in 150s" \
		"v5/build=PASS:x86_64: built in 250s;arm64: built in 150s" &&
	jobs "$d" ref-a control.apply:0:10 "control.build.x86_64:10:260:0:x86_64: built in 250s" \
		"control.build.arm64:260:410:0:arm64: built in 150s" "v5.build.x86_64:410:460:1:x86_64: built in 250s" \
		"v5.build.arm64:460:510:0:arm64: reused" &&
	add_run "$d" cold 0 600.0 0.9000 - - &&
	verdicts "$d" cold control/boot=XFAIL incremental/boot=PASS &&
	jobs "$d" cold control.build.x86_64:0:400 control.boot.x86_64-fuse_evict-1:400:410 &&
	printf 'variant      apply\ncontrol      PASS 0s\n(XFAIL: failed as the variants file expects\n' >>"$d/cold.log" &&
	add_run "$d" warm 0 4.2 0.5 - - && verdicts "$d" warm control/apply=PASS &&
	add_run "$d" edit-message 0 6.1 0.5 - "PATCHES_DIR=patches-message" && verdicts "$d" edit-message control/apply=PASS &&
	add_run "$d" ref-b 0 120.0 0.9 - "STEPS=build VARIANTS=incremental JOBS=1 PATCHES_DIR=patches-code" &&
	verdicts "$d" ref-b incremental/build=PASS &&
	jobs "$d" ref-b incremental.build.x86_64:0:50 incremental.build.arm64:50:100 &&
	add_run "$d" edit-code 1 140.0 0.9 v5/equivalence "PATCHES_DIR=patches-code" &&
	verdicts "$d" edit-code incremental/boot=PASS "v5/equivalence=FAIL:trees differ" &&
	for n in x86_64:1:30.0:50.0 x86_64:20:300.0:560.0 arm64,x86_64:1:40.0:70.0 arm64,x86_64:20:600.0:1000.0; do
		IFS=: read -r a r w w1 <<<"$n" &&
		add_run "$d" "scale-${a//,/+}-r$r-default" 0 "$w" 0.95 - "STEPS=boot REPEAT=$r ARCHS=$a" &&
		verdicts "$d" "scale-${a//,/+}-r$r-default" control/build=PASS:reused incremental/boot=PASS &&
		jobs "$d" "scale-${a//,/+}-r$r-default" "control.build.x86_64:0:1:1:x86_64: built in 250s" \
			incremental.boot.x86_64-fuse_evict-1:1:5 incremental.boot.x86_64-memfd_fuse-1:1:5 \
			incremental.boot.x86_64-virtiofs_submount-1:5:9 &&
		add_run "$d" "scale-${a//,/+}-r$r-jobs1" 0 "$w1" 0.5 - "STEPS=boot REPEAT=$r ARCHS=$a JOBS=1" &&
		verdicts "$d" "scale-${a//,/+}-r$r-jobs1" incremental/boot=PASS || return 1
	done
}
export -f add_run verdicts jobs good_bench

# A stand-in for check-series.sh: logs how it was called and what it found
# in the bench's cache, leaves a run directory as check-series does (build
# jobs in the references, v5's equivalence FAIL in edit-code, an ERROR in
# the run named by STUB_BREAK), and moves /proc/stat's cpu line on in the
# cold run: 600 busy of 800 jiffies.
cat >"$SCRATCH/check-series-stub.sh" <<'EOF'
#!/bin/bash
set -eu
name=$(basename "$RESULTS_ROOT")
seen=""
[ -n "$(ls -A "$CACHE_DIR" 2>/dev/null)" ] || seen="$seen empty-cache"
[ ! -e "$CACHE_DIR/ref-b-was-here" ] || seen="$seen ref-b-cache"
[ ! -e "$CCACHE_DIR/ref-b-was-here" ] || seen="$seen ref-b-ccache"
[ ! -d "$CACHE_DIR/verdicts/boot" ] || seen="$seen boot-verdicts"
echo "$name STEPS=${STEPS:-} JOBS=${JOBS:-} REPEAT=${REPEAT:-} ARCHS=${ARCHS:-} VARIANTS=${VARIANTS:-} PATCHES=$(basename "$PATCHES_DIR") seen=${seen# }" >>"$STUB_LOG"
mkdir -p "$CACHE_DIR/verdicts/boot" "$CCACHE_DIR"
touch "$CACHE_DIR/kernel"
[ "$name" != ref-b ] || touch "$CACHE_DIR/ref-b-was-here" "$CCACHE_DIR/ref-b-was-here"
run=$RESULTS_ROOT/20231109-143700
mkdir -p "$run"
ln -sfn 20231109-143700 "$RESULTS_ROOT/latest"
job() {
	printf '%s\t%s\tv\t%s\t%s\t%s\tPASS\t0\n' "$1" "$2" "$3" "$((1700000000000000000 + $4 * 1000000000))" "$((1700000000000000000 + $5 * 1000000000))" >>"$run/jobs.tsv"
}
case $name in
ref-a) job a build x86_64 0 300 && job b build arm64 300 500 ;;
ref-b) job a build x86_64 0 50 && job b build arm64 50 100 ;;
esac
job c boot x86_64 0 1
verdict=PASS rc=0
[ "$name" != edit-code ] || { verdict=FAIL; rc=1; }
[ "$name" != "${STUB_BREAK:-}" ] || { verdict=ERROR; rc=3; }
jq -n --arg v "$verdict" '{schema: 2, passed: 0, failed: (if $v == "FAIL" then 1 else 0 end),
	errors: (if $v == "ERROR" then 1 else 0 end), skipped: 0,
	results: [{variant: "v5", step: "equivalence", verdict: $v, seconds: 0, cached: false, summary: "stub"}]}' >"$run/summary.json"
echo '<svg xmlns="http://www.w3.org/2000/svg"/>' >"$run/timeline.svg"
[ "$name" != cold ] || echo "cpu  700 0 100 1000 0 0 0 0 0 0" >"$BENCH_PROC_STAT"
echo "check-series: 1 passed, 0 failed, 0 errors"
exit "$rc"
EOF
export CHECK_SERIES=$SCRATCH/check-series-stub.sh CHECK_SERIES_MIN_FREE_GB=0

# stub_bench DIR [ENV...]: bench.sh measuring with the stand-in, into DIR.
stub_bench() {
	local d=$1
	shift
	mkdir -p "$d.out" &&
	echo "cpu  100 0 100 800 0 0 0 0 0 0" >"$d.stat" &&
	env BENCH_DIR="$d" BENCH_OUT="$d.out/results.md" BENCH_PROC_STAT="$d.stat" STUB_LOG="$d.calls" "$@" \
		bash "$BENCH" >"$d.stdout" 2>"$d.stderr"
}
export -f stub_bench

test_expect_success 'report: every goal met, with its numbers' '
	good_bench b1 &&
	mkdir out1 && bash "$BENCH" --report b1 out1/results.md &&
	grep "^| " out1/results.md | grep -v "^| run \|^|---" | sed -n "2,8p" >goals &&
	cat >exp <<-\EOF &&
	| cold: wall ≤ 1.5 × reference (a) | 600.0 s / 500.0 s = 1.20 | met |
	| cold: mean busy cores ≥ 85% of nproc | 1.80 of 2 cores = 90% | met |
	| warm, nothing changed: wall ≤ 5 s | 4.2 s | met |
	| commit-message edit of 0001: wall ≤ 10 s | 6.1 s | met |
	| one-line code edit of 0001: wall ≤ 1.5 × reference (b) | 140.0 s / 100.0 s = 1.40 | met |
	| boots, REPEAT=20, ARCHS=x86_64: default JOBS ≤ 0.6 × JOBS=1 wall | 300.0 s / 560.0 s = 0.54 | met |
	| boots, REPEAT=20, ARCHS=arm64,x86_64: default JOBS ≤ 0.6 × JOBS=1 wall | 600.0 s / 1000.0 s = 0.60 | met |
	EOF
	test_cmp exp goals &&
	test_grep "^\| goal \(issue 13\) \| measured \| \|$" out1/results.md &&
	test_grep "the 2 kernel builds a cold run needs" out1/results.md &&
	test_grep "500.0 s of builds" out1/results.md &&
	test_grep_not "BENCH_QUICK" out1/results.md
'

test_expect_success 'report: goals missed say not met, with the numbers' '
	good_bench b2 &&
	sed -i -e "s/^cold\t0\t600.0\t0.9000/cold\t0\t800.0\t0.5/" -e "s/^warm\t0\t4.2/warm\t0\t6.5/" \
		-e "s/^edit-message\t0\t6.1/edit-message\t0\t10.5/" -e "s/^edit-code\t1\t140.0/edit-code\t1\t160.0/" \
		-e "s/^scale-x86_64-r20-default\t0\t300.0/scale-x86_64-r20-default\t0\t400.0/" b2/runs.tsv &&
	bash "$BENCH" --report b2 r2.md &&
	test_grep "^\| cold: wall ≤ 1.5 × reference \(a\) \| 800.0 s / 500.0 s = 1.60 \| \*\*not met\*\* \|$" r2.md &&
	test_grep "^\| cold: mean busy cores ≥ 85% of nproc \| 1.00 of 2 cores = 50% \| \*\*not met\*\* \|$" r2.md &&
	test_grep "^\| warm, nothing changed: wall ≤ 5 s \| 6.5 s \| \*\*not met\*\* \|$" r2.md &&
	test_grep "^\| commit-message edit of 0001: wall ≤ 10 s \| 10.5 s \| \*\*not met\*\* \|$" r2.md &&
	test_grep "^\| one-line code edit of 0001: wall ≤ 1.5 × reference \(b\) \| 160.0 s / 100.0 s = 1.60 \| \*\*not met\*\* \|$" r2.md &&
	test_grep "^\| boots, REPEAT=20, ARCHS=x86_64: .* \| 400.0 s / 560.0 s = 0.71 \| \*\*not met\*\* \|$" r2.md &&
	test_grep "^\| boots, REPEAT=20, ARCHS=arm64,x86_64: .* \| met \|$" r2.md
'

test_expect_success 'report: a run that broke or never ran is named, never measured' '
	good_bench b3 &&
	sed -i "s/^edit-code\t1\t/edit-code\t3\t/" b3/runs.tsv &&
	verdicts b3 edit-code "incremental/boot=ERROR:QEMU did not start" &&
	verdicts b3 cold "incremental/boot=FAIL:general-protection-fault" &&
	sed -i "/^warm\t/d" b3/runs.tsv &&
	bash "$BENCH" --report b3 r3.md &&
	test_grep "^\| cold: wall ≤ 1.5 × reference \(a\) \| not measured: cold broke \(exit 0: incremental/boot FAIL: general-protection-fault\) \| not met \(not measured\) \|$" r3.md &&
	test_grep "^\| warm, nothing changed: wall ≤ 5 s \| not measured: warm not run \| not met \(not measured\) \|$" r3.md &&
	test_grep "^\| one-line code edit of 0001: .* \| not measured: edit-code broke \(exit 3: incremental/boot ERROR: QEMU did not start\) \| not met \(not measured\) \|$" r3.md &&
	test_grep "^\| edit-code \| .* \| 3 \| .* — \*\*broke\*\*: exit 3: incremental/boot ERROR" r3.md &&
	test_grep "^\| commit-message edit of 0001: wall ≤ 10 s \| 6.1 s \| met \|$" r3.md
'

test_expect_success 'report: a run without summary.json, or with an exit status of its own, broke; no cpu sample, no busy' '
	good_bench b4 &&
	rm b4/results/ref-b/latest/summary.json &&
	echo "check-series: error: the plan failed" >b4/ref-b.log &&
	sed -i -e "s/^warm\t0\t/warm\t130\t/" -e "s/^cold\t0\t600.0\t0.9000\t/cold\t0\t600.0\t-\t/" b4/runs.tsv &&
	bash "$BENCH" --report b4 r4.md &&
	test_grep "not measured: ref-b broke \(exit 0 and no summary.json: check-series: error: the plan failed\)" r4.md &&
	test_grep "not measured: warm broke \(interrupted \(exit 130\)\)" r4.md &&
	test_grep "^\| cold: mean busy cores ≥ 85% of nproc \| not measured: no /proc/stat sample \| not met \(not measured\) \|$" r4.md
'

test_expect_success 'report: the scaling table, boots and JOBS=1 / default' '
	good_bench b5 &&
	jobs b5 scale-x86_64-r1-default "pre-v4.build.x86_64:9:209:0:x86_64: built in 200s" &&
	bash "$BENCH" --report b5 r5.md &&
	test_grep "^\| x86_64 \| 20 \| 3 \| 300.0 \| 560.0 \| 1.87 \|$" r5.md &&
	test_grep "^\| arm64,x86_64 \| 1 \| 3 \| 40.0 \| 70.0 \| 1.75 \|$" r5.md &&
	test_grep "^\| x86_64 \| 1 \| 3 \| 30.0 \| 50.0 \| 1.67 \(1 kernel\(s\) built: not boots only\) \|$" r5.md
'

test_expect_success 'report: the cold timeline is copied beside the report when small, else not' '
	good_bench b6 &&
	echo "<svg/>" >b6/results/cold/latest/timeline.svg &&
	mkdir o6 && bash "$BENCH" --report b6 o6/results.md &&
	test_cmp b6/results/cold/latest/timeline.svg o6/cold-timeline.svg &&
	test_grep "\[cold-timeline.svg\]\(cold-timeline.svg\)" o6/results.md &&
	head -c 120000 /dev/zero | tr "\0" x >b6/results/cold/latest/timeline.svg &&
	bash "$BENCH" --report b6 o6/results.md &&
	test ! -e o6/cold-timeline.svg &&
	test_grep "timeline is 117 KiB, too large to commit" o6/results.md &&
	test_grep_not "\]\(cold-timeline.svg\)" o6/results.md
'

test_expect_success 'measure (stand-in check-series): the runs in order, with their knobs' '
	stub_bench m1 &&
	cut -d" " -f1-7 m1.calls >calls &&
	cat >exp <<-\EOF &&
	ref-a STEPS=build JOBS=1 REPEAT= ARCHS= VARIANTS= PATCHES=patches
	cold STEPS= JOBS= REPEAT= ARCHS= VARIANTS= PATCHES=patches
	warm STEPS= JOBS= REPEAT= ARCHS= VARIANTS= PATCHES=patches
	edit-message STEPS= JOBS= REPEAT= ARCHS= VARIANTS= PATCHES=patches-message
	ref-b STEPS=build JOBS=1 REPEAT= ARCHS= VARIANTS=incremental,fault-leak PATCHES=patches-code
	edit-code STEPS= JOBS= REPEAT= ARCHS= VARIANTS= PATCHES=patches-code
	scale-x86_64-r1-default STEPS=boot JOBS= REPEAT=1 ARCHS=x86_64 VARIANTS=@ALL@ PATCHES=patches
	scale-x86_64-r1-jobs1 STEPS=boot JOBS=1 REPEAT=1 ARCHS=x86_64 VARIANTS=@ALL@ PATCHES=patches
	scale-x86_64-r5-default STEPS=boot JOBS= REPEAT=5 ARCHS=x86_64 VARIANTS=@ALL@ PATCHES=patches
	scale-x86_64-r5-jobs1 STEPS=boot JOBS=1 REPEAT=5 ARCHS=x86_64 VARIANTS=@ALL@ PATCHES=patches
	scale-x86_64-r20-default STEPS=boot JOBS= REPEAT=20 ARCHS=x86_64 VARIANTS=@ALL@ PATCHES=patches
	scale-x86_64-r20-jobs1 STEPS=boot JOBS=1 REPEAT=20 ARCHS=x86_64 VARIANTS=@ALL@ PATCHES=patches
	scale-arm64+x86_64-r1-default STEPS=boot JOBS= REPEAT=1 ARCHS=arm64,x86_64 VARIANTS=@ALL@ PATCHES=patches
	scale-arm64+x86_64-r1-jobs1 STEPS=boot JOBS=1 REPEAT=1 ARCHS=arm64,x86_64 VARIANTS=@ALL@ PATCHES=patches
	scale-arm64+x86_64-r5-default STEPS=boot JOBS= REPEAT=5 ARCHS=arm64,x86_64 VARIANTS=@ALL@ PATCHES=patches
	scale-arm64+x86_64-r5-jobs1 STEPS=boot JOBS=1 REPEAT=5 ARCHS=arm64,x86_64 VARIANTS=@ALL@ PATCHES=patches
	scale-arm64+x86_64-r20-default STEPS=boot JOBS= REPEAT=20 ARCHS=arm64,x86_64 VARIANTS=@ALL@ PATCHES=patches
	scale-arm64+x86_64-r20-jobs1 STEPS=boot JOBS=1 REPEAT=20 ARCHS=arm64,x86_64 VARIANTS=@ALL@ PATCHES=patches
	EOF
	# Every variant of the variants file, in its order.
	all=$(. "$PROJECT_DIR/scripts/lib.sh" && variant_names | paste -sd, -) &&
	sed -i "s/@ALL@/$all/" exp &&
	test_cmp exp calls &&
	test_grep "^\| one-line code edit of 0001: wall ≤ 1.5 × reference \(b\) \| [0-9.]+ s / 100.0 s = [0-9.]+ \| met \|$" m1.out/results.md &&
	test_grep "\] done: .*m1.out/results.md$" m1.stderr &&
	test_grep "; commit [0-9a-f]{12}\+?\); the bench took " m1.out/results.md &&
	test_grep "\] edit-code: [0-9.]+ s, exit 1, " m1.stderr
'

test_expect_success 'measure: cold starts empty, ref-b leaves nothing behind, boots start without verdicts' '
	test "$(sed -n "s/^\(ref-a\|cold\) .* seen=\(.*\)/\1 \2/p" m1.calls | tr "\n" " ")" = "ref-a empty-cache cold empty-cache " &&
	test_grep_not "ref-b-c?cache" m1.calls &&
	grep "^scale-" m1.calls >scale && test "$(wc -l <scale)" = 12 &&
	test_grep_not "seen=.+" scale &&
	test_grep "^edit-code .* seen=boot-verdicts$" m1.calls &&
	test ! -e m1/aside && test ! -e m1/cache/ref-b-was-here && test ! -e m1/ccache/ref-b-was-here
'

test_expect_success 'measure: one line of 0001 edited, then the line it adds moved up one' '
	{ diff "$PROJECT_DIR/patches/$P0001" "m1/patches-message/$P0001" >d1 || true; } &&
	test "$(grep -c "^[<>]" d1)" = 2 &&
	test_grep "^> Once introduced, the submount lookup" d1 &&
	{ diff "m1/patches-message/$P0001" "m1/patches-code/$P0001" >d2 || true; } &&
	test "$(grep -c "^[<>]" d2)" = 2 &&
	test "$(sort "m1/patches-message/$P0001")" = "$(sort "m1/patches-code/$P0001")" &&
	grep -A1 -E "^\+[[:space:]]fi->submount_lookup = NULL;" "m1/patches-code/$P0001" | tail -n 1 >after &&
	test_grep "^ [[:space:]]spin_lock_init\(&fi->lock\);$" after
'

test_expect_success 'measure: busy cores from /proc/stat around each run' '
	test "$(awk -F"\t" "\$1 == \"cold\" { print \$4 }" m1/runs.tsv)" = 0.7500 &&
	test "$(awk -F"\t" "\$1 == \"warm\" { print \$4 }" m1/runs.tsv)" = - &&
	test_grep "^\| cold: mean busy cores ≥ 85% of nproc \| [0-9.]+ of [0-9]+ cores = 75% \| \*\*not met\*\* \|$" m1.out/results.md
'

test_expect_success 'measure: a run that broke stops the bench, exit 1, named; the report is written' '
	test_must_fail stub_bench m2 STUB_BREAK=warm &&
	test "$(cut -f1 m2/runs.tsv | tr "\n" " ")" = "ref-a cold warm " &&
	test_grep "stopped: a run broke: warm: exit 3: v5/equivalence ERROR: stub" m2.stderr &&
	test_grep "not measured: warm broke \(exit 3: v5/equivalence ERROR: stub\)" m2.out/results.md &&
	test_must_fail stub_bench m3 STUB_BREAK=ref-b &&
	test_grep "stopped: a run broke: ref-b" m3.stderr &&
	test ! -e m3/aside && test ! -e m3/cache/ref-b-was-here && test -e m3/cache/kernel
'

test_expect_success 'BENCH_QUICK=1: two variants, x86_64, three steps, REPEAT 1 and 2' '
	stub_bench m4 BENCH_QUICK=1 &&
	cut -d" " -f1-7 m4.calls >calls &&
	cat >exp <<-\EOF &&
	ref-a STEPS=build JOBS=1 REPEAT= ARCHS=x86_64 VARIANTS=control,incremental PATCHES=patches
	cold STEPS=apply,build,boot JOBS= REPEAT= ARCHS=x86_64 VARIANTS=control,incremental PATCHES=patches
	warm STEPS=apply,build,boot JOBS= REPEAT= ARCHS=x86_64 VARIANTS=control,incremental PATCHES=patches
	edit-message STEPS=apply,build,boot JOBS= REPEAT= ARCHS=x86_64 VARIANTS=control,incremental PATCHES=patches-message
	ref-b STEPS=build JOBS=1 REPEAT= ARCHS=x86_64 VARIANTS=incremental PATCHES=patches-code
	edit-code STEPS=apply,build,boot JOBS= REPEAT= ARCHS=x86_64 VARIANTS=control,incremental PATCHES=patches-code
	scale-x86_64-r1-default STEPS=boot JOBS= REPEAT=1 ARCHS=x86_64 VARIANTS=control,incremental PATCHES=patches
	scale-x86_64-r1-jobs1 STEPS=boot JOBS=1 REPEAT=1 ARCHS=x86_64 VARIANTS=control,incremental PATCHES=patches
	scale-x86_64-r2-default STEPS=boot JOBS= REPEAT=2 ARCHS=x86_64 VARIANTS=control,incremental PATCHES=patches
	scale-x86_64-r2-jobs1 STEPS=boot JOBS=1 REPEAT=2 ARCHS=x86_64 VARIANTS=control,incremental PATCHES=patches
	EOF
	test_cmp exp calls &&
	test_grep "^\*\*BENCH_QUICK=1" m4.out/results.md &&
	test_grep "^\| boots, REPEAT=2 \(the goal is for 20\), ARCHS=x86_64: " m4.out/results.md
'

test_expect_success 'the caller'"'"'s knobs do not leak into the runs' '
	stub_bench m5 STEPS=w1 REPEAT=3 JOBS=7 BENCH_SCALING_VARIANTS=incremental &&
	test "$(sed -n 2p m5.calls | cut -d" " -f1-7)" = "cold STEPS= JOBS= REPEAT= ARCHS= VARIANTS= PATCHES=patches" &&
	test_grep "^scale-x86_64-r1-default .* VARIANTS=incremental " m5.calls
'

test_done
