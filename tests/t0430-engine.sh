#!/bin/bash
# The check-series engine on a tiny target (tests/lib/mini-tree.sh) with a
# stand-in kernel build and the real boot step on a stand-in QEMU
# (tests/lib/boot-fakes.sh): the plan (equal trees: one kernel), jobs side
# by side with their own records and logs, the fold into the table, a warm
# run that reuses every verdict (and starts no make), a cache entry
# without its result is a miss, STEPS=boot alone, Ctrl-C in the middle of
# parallel jobs leaves no partial record, so does a TERM to check-series
# alone (every job stops with it), and bad knobs are one line.  Runs in
# about two minutes.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

# shellcheck source=lib/mini-tree.sh
. "$TESTS_DIR/lib/mini-tree.sh"
P=$SCRATCH/proj
mkdir -p "$P"
cp -r "$PROJECT_DIR/scripts" "$PROJECT_DIR/oracle" "$PROJECT_DIR/mk" "$PROJECT_DIR/arches" \
	"$PROJECT_DIR/kconfig" "$P/"
rm -rf "$P/oracle/out"
export ACCEL=tcg ARCHS=x86_64 RESULTS_ROOT=$SCRATCH/results P
unset REPEAT BOOT_TIMEOUT VARIANTS LINUX_TREE JOBS KEEP_GOING NO_CACHE PLAN
# The static steps and checkpatch need a kernel tree: t0420 and t0310 test them.
export STEPS=apply,build,boot,equivalence
# shellcheck source=lib/boot-fakes.sh
. "$TESTS_DIR/lib/boot-fakes.sh"

cat >"$VARIANTS_FILE" <<'EOF'
control      v4           -                   -            fuse_evict=FAIL memfd_fuse=FAIL
incremental  v4           0001-mini.patch     -            fuse_evict=PASS memfd_fuse=PASS
v5           v4-reverted  v5-0002-mini.patch  incremental  fuse_evict=PASS memfd_fuse=PASS
EOF
# The target is made already; the kernel build is a stand-in that writes
# the tree id as the "kernel", after FAKE_BUILD_SECONDS, and logs itself.
cat >"$P/scripts/prepare-target.sh" <<'EOF'
#!/bin/bash
. "$(dirname "$0")/lib.sh"
target_dir
EOF
cat >"$P/scripts/step-build.sh" <<'EOF'
#!/bin/bash
. "$(dirname "$0")/lib.sh"
if [ "$1" = --key ]; then
	k=$(kernel_key "$(plan_tree "$2")" "$3")
	echo "$k$([ -f "$CACHE_DIR/kernels/$k/image" ] || echo -missing)"
	exit 0
fi
tree=$(plan_tree "$1") img=$(kernel_path "$(plan_tree "$1")" "$2")
# As the real step: no tree (a patch that does not apply), no kernel.
[ "$tree" != none ] || { echo "$2: no tree (stand-in)" >"$STEP_SUMMARY"; exit 1; }
echo "$1 $2 $tree start" >>"$SCRATCH/builds.log"
sleep "${FAKE_BUILD_SECONDS:-1}"
mkdir -p "$(dirname "$img")"
echo "$tree" >"$img"
echo "kernel_$2=$img" >>"$FACTS"
echo "$2: built (stand-in)" >"$STEP_SUMMARY"
EOF
# QEMU's stand-in serves $FAKE_SERIAL/KERNEL-CONTENT.TEST.log first: the
# control's tree crashes.
S=$TEST_DATA/serial
control_tree=$(git -C "$T" rev-parse 'check-series/base/v4^{tree}')
for t in fuse_evict memfd_fuse; do
	cp "$S/x86-real-incremental-$t-clean.log" "$FAKE_SERIAL/$t.log"
	cp "$S/x86-real-control-$t-gpf-0x5a.log" "$FAKE_SERIAL/$control_tree.$t.log"
done
export S SCRATCH CS=$P/scripts/check-series.sh

# run_procs RUN_DIR: the processes of that run: make, its jobs and what
# they started (each has RUN_DIR in its environment; check-series exports
# it).  kill_run RUN_DIR: KILL them (a test that failed leaves none).
run_procs() {
	{ grep -lsxzF "RUN_DIR=$1" /proc/[0-9]*/environ 2>/dev/null || true; } | cut -d/ -f3
}
kill_run() {
	local p
	for p in $(run_procs "$1"); do kill -KILL "$p" 2>/dev/null; done
	return 0
}
# start_building: a cold run with 30 s kernel builds, in a session of its
# own (as the foreground job of a terminal is in a group of its own), in
# the background ($pid: a subshell, check-series its child); returns once
# its x86_64 build job runs.  With SIGINT as a terminal's job has it: a
# command put in the background without job control (here) starts with
# SIGINT ignored, and so does everything it starts, whatever the subshell
# (and so do the tests, when whoever ran them did the same); a shell that
# starts with SIGINT ignored cannot trap it.  env --default-signal undoes it.
start_building() {
	rm -rf "$CACHE_DIR/kernels" "$CACHE_DIR/verdicts"
	(FAKE_BUILD_SECONDS=30 JOBS=2 setsid env --default-signal=INT bash "$CS" >out 2>&1) &
	# shellcheck disable=SC2034 # read by the test bodies
	pid=$!
	local f
	for _ in $(seq 200); do
		for f in "$RESULTS_ROOT"/latest/.running/*.build.x86_64; do
			[ ! -e "$f" ] || return 0
		done
		sleep 0.1
	done
	echo "no build job started in 20 s" >&2
	return 1
}
# no_partial_record RUN_DIR: every directory with a record file has its verdict.
no_partial_record() {
	find "$1" -mindepth 2 -type d | while read -r d; do
		if [ -e "$d/summary" ] || [ -e "$d/log" ]; then test -f "$d/verdict" || { echo "partial: $d" >&2; exit 1; }; fi
	done
}

# boots_after_builds RUN_DIR ARCH: no boot of ARCH started before the
# last build of its lane ended (jobs.tsv: id step variant arch start end).
boots_after_builds() {
	local last first
	last=$(awk -F'\t' -v a="$2" '$2 == "build" && $4 == a { print $6 }' "$1/jobs.tsv" | sort -n | tail -n 1)
	first=$(awk -F'\t' -v a="$2" '$2 == "boot" && $4 == a { print $5 }' "$1/jobs.tsv" | sort -n | head -n 1)
	if [ -z "$last" ] || [ -z "$first" ]; then
		echo "no $2 build or boot in $1/jobs.tsv" >&2
		return 1
	fi
	[ "$(printf '%s\n' "$last" "$first" | sort -n | head -n 1)" = "$last" ] ||
		{ echo "a $2 boot started at $first, before the lane's last build ended ($last)" >&2; return 1; }
}

test_expect_success 'PLAN=1: the trees (v5 is incremental), the jobs, and nothing run' '
	PLAN=1 bash "$CS" >out 2>&1 &&
	test_grep "^variant v5 v4-reverted [0-9a-f]{12} v5-0002-mini.patch \(same tree as incremental\)$" out &&
	test_grep "^# 2 distinct tree\(s\): 2 x 1 kernel\(s\) at most$" out &&
	test_grep "^job v5/boot/x86_64-fuse_evict-1 after v5/apply v5/build/x86_64$" out &&
	test_grep "^lane build-x86_64: its boots after v5/build/x86_64$" out &&
	test_grep "^check-series: plan only \(PLAN=1\): [0-9]+ jobs, nothing run$" out &&
	test_must_fail test -e "$RESULTS_ROOT" && test_must_fail test -e "$SCRATCH/builds.log"
'

test_expect_success 'a run: jobs side by side, one kernel per tree, a record per job, the table a fold of them' '
	rc=0 && { JOBS=2 REPEAT=2 bash "$CS" >out 2>&1 || rc=$?; } &&
	sed "s/^/| /" out && test $rc = 0 &&
	test_grep "^check-series: [0-9]+ passed, 0 failed, 0 errors$" out &&
	test "$(wc -l <"$SCRATCH/builds.log")" = 2 &&
	R=$RESULTS_ROOT/latest &&
	for v in control incremental v5; do
		for rec in apply build build/x86_64 boot equivalence \
			boot/x86_64-fuse_evict-1 boot/x86_64-fuse_evict-2 boot/x86_64-memfd_fuse-1; do
			test -f "$R/$v/$rec/verdict" || { echo "no record $v/$rec" >&2; return 1; }
		done
	done &&
	test "$(cat "$R/control/boot/verdict")" = XFAIL && test "$(cat "$R/v5/boot/verdict")" = PASS &&
	boots_after_builds "$R" x86_64 &&
	test_grep "^as expected: x86_64 fuse_evict failed 2/2: general-protection-fault fuse_evict_inode" "$R/control/boot/summary" &&
	{ test_grep "^v5/build/x86_64 .*cached|reused" "$R/jobs.tsv" || test "$(grep -c . "$SCRATCH/builds.log")" = 2; }
'

test_expect_success 'two boots ran at once, each with its own record and serial log' '
	R=$RESULTS_ROOT/latest &&
	awk -F "\t" "\$2 == \"boot\" && \$8 == 0 { print \$5, \$6 }" "$R/jobs.tsv" | sort -n >iv &&
	test "$(wc -l <iv)" = 8 &&
	awk "NR > 1 && \$1 < end { overlap = 1 } { if (\$2 > end) end = \$2 } END { exit !overlap }" iv &&
	# Booted (not cached): control and incremental, 2 tests x 2 runs each.
	find "$R/" -name "boot-*.serial.log" | sort >logs &&
	test "$(wc -l <logs)" = 8 && test "$(sort -u logs | wc -l)" = 8 &&
	while read -r l; do test -s "$l" || return 1; done <logs
'

test_expect_success 'the timeline and the run files are written' '
	R=$RESULTS_ROOT/latest &&
	test -s "$R/timeline.svg" && test -s "$R/jobs.mk" && test -s "$R/plan.txt" &&
	jq -e ".errors == 0 and .failed == 0" "$R/summary.json" &&
	test_must_fail test -e "$R/.running"
'

test_expect_success 'a warm run reuses every verdict, and starts no make' '
	rm -f "$SCRATCH/builds.log" &&
	bash "$CS" >out 2>&1 &&
	test_must_fail test -e "$SCRATCH/builds.log" &&
	jq -e "all(.results[] | select(.verdict != \"n/a\"); .cached)" "$RESULTS_ROOT/latest/summary.json" &&
	# Every record came from the resolver (job.sh --resolve), each a
	# cached verdict or n/a.
	test_must_fail test -e "$RESULTS_ROOT/latest/make.log" &&
	test -s "$RESULTS_ROOT/latest/events" &&
	test_must_fail grep -v -e "(cached)" -e " n/a " "$RESULTS_ROOT/latest/events"
'

test_expect_success 'a cache entry without its result is a miss: a removed kernel is built again' '
	rm -f "$(dirname "$(dirname "$(readlink -f "$RESULTS_ROOT/latest/incremental/build/x86_64/log")")")"/nothing &&
	k=$(sed -n "s/^kernel_x86_64=//p" "$RESULTS_ROOT/latest/incremental/facts" | tail -n 1) &&
	test -f "$k" && rm -f "$k" &&
	bash "$CS" >out 2>&1 &&
	test "$(grep -c " start$" "$SCRATCH/builds.log")" = 1 &&
	test -f "$k" &&
	jq -e ".results[] | select(.variant == \"incremental\" and .step == \"build\") | .cached == false" \
		"$RESULTS_ROOT/latest/summary.json"
'

# A verdict entry is replaced by renames, and read by copying it out whole;
# one that lacks a file (a job killed in an older engine's rm, or an entry
# replaced while it was read) is a miss.  Before, the copy failed and the
# job died: "left no record", an ERROR.
test_expect_success 'a verdict entry missing a file is a miss, not an ERROR: the step runs again and the entry is whole' '
	# Only this run'"'"'s entries: the REPEAT=2 run'"'"'s others are not asked.
	rm -rf "$CACHE_DIR"/verdicts/boot && bash "$CS" >out 2>&1 &&
	ls -d "$CACHE_DIR"/verdicts/boot/* >entries && test -s entries &&
	while read -r e; do rm "$e/log" || return 1; done <entries &&
	bash "$CS" >out 2>&1 &&
	jq -e ".errors == 0 and .failed == 0" "$RESULTS_ROOT/latest/summary.json" &&
	awk -F "\t" "\$2 == \"boot\" && \$8 == 0" "$RESULTS_ROOT/latest/jobs.tsv" >ran && test -s ran &&
	while read -r e; do test -f "$e/log" || return 1; done <entries &&
	test -z "$(ls -d "$CACHE_DIR"/verdicts/boot/*.old.* "$CACHE_DIR"/verdicts/boot/*.tmp.* 2>/dev/null)"
'

test_expect_success 'STEPS=boot alone: the kernels it needs are built (build is added), the boots run' '
	rm -rf "$CACHE_DIR/kernels" "$CACHE_DIR/verdicts" "$SCRATCH/builds.log" &&
	STEPS=boot bash "$CS" >out 2>&1 &&
	test_grep "added: build \(boot needs the kernels\)" out &&
	test "$(wc -l <"$SCRATCH/builds.log")" = 2 &&
	test "$(cat "$RESULTS_ROOT/latest/v5/boot/verdict")" = PASS &&
	test_must_fail test -e "$RESULTS_ROOT/latest/v5/apply" &&
	# The default JOBS is a slot more than the cores; the timeline draws the cores.
	test_grep "^timeline: .*jobs running, $(nproc) cores\)$" out
'

test_expect_success 'Ctrl-C in the middle of parallel jobs: exit 130, no partial record, the next run works' '
	# Ctrl-C signals every process of the group.
	start_building &&
	# setsid may run as a child of $pid (a subshell): the group is the
	# first of theirs that is not ours.
	mine=$(ps -o pgid= -p $BASHPID | tr -d " ") &&
	for c in $pid $(pgrep -P $pid); do
		pg=$(ps -o pgid= -p "$c" | tr -d " ") && [ "$pg" != "$mine" ] && break
	done &&
	test -n "$pg" && test "$pg" != "$mine" &&
	sleep 1 && kill -INT -- "-$pg"; wait $pid; rc=$?
	sed "s/^/| /" out && test $rc = 130 &&
	R=$(readlink -f "$RESULTS_ROOT/latest") &&
	test_must_fail test -e "$R/.running" &&
	no_partial_record "$R" &&
	test_must_fail test -e "$R/control/build/x86_64/verdict" &&
	bash "$CS" >out 2>&1
'

test_expect_success 'TERM to check-series alone (not its group): make and every job stop at once, exit 143, no partial record' '
	# Nothing but the TERM of this test reaches that session: what stops
	# the jobs is check-series passing it on.
	start_building &&
	R=$(readlink -f "$RESULTS_ROOT/latest") &&
	test_when_finished "kill -KILL $pid 2>/dev/null; kill_run \"$R\"" &&
	test -n "$(run_procs "$R")" &&
	cs=$pid &&
	case $(ps -o args= -p "$pid") in *check-series.sh*) ;; *) cs=$(pgrep -P "$pid" -f check-series.sh) ;; esac &&
	test -n "$cs" &&
	sleep 1 && kill -TERM "$cs" &&
	# At once: not when the 30 s build would have ended.
	for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done &&
	if kill -0 "$pid" 2>/dev/null; then echo "check-series still runs 10 s after its TERM" >&2; return 1; fi
	wait $pid; rc=$?
	sed "s/^/| /" out && test $rc = 143 &&
	left=$(run_procs "$R") &&
	if [ -n "$left" ]; then ps -o pid,args -p "$(echo $left | tr " " ,)" >&2; return 1; fi &&
	test_must_fail test -e "$R/.running" &&
	no_partial_record "$R" &&
	test_must_fail test -e "$R/control/build/x86_64/verdict" &&
	test_grep "interrupted \(TERM\)" out &&
	bash "$CS" >out 2>&1
'

test_expect_success 'a patch that does not apply: the plan says why, apply and build FAIL, the boots SKIP' '
	cp "$VARIANTS_FILE" saved && test_when_finished "cp saved \"$VARIANTS_FILE\"" &&
	echo "stale v4 0004-stale.patch - fuse_evict=PASS" >>"$VARIANTS_FILE" &&
	PLAN=1 VARIANTS=stale bash "$CS" >out 2>&1 &&
	test_grep "^variant stale v4 none \(0004-stale.patch does not apply on v4: " out &&
	rc=0 && { VARIANTS=stale KEEP_GOING=1 bash "$CS" >out 2>&1 || rc=$?; } &&
	test $rc = 1 &&
	test_grep "^stale/apply FAIL: 0004-stale.patch does not apply on v4" out &&
	test_grep "^stale/build FAIL: x86_64: no tree" out &&
	test_grep "^stale/boot SKIP: " out
'
test_expect_success 'bad knobs: one line each, exit 2, no run directory' '
	rm -rf "$RESULTS_ROOT" &&
	for knob in JOBS=0 JOBS=x REPEAT=0 STEPS=bogus ARCHS=vax VARIANTS=nope BACKEND=ssh; do
		rc=0 && { env "$knob" bash "$CS" >out 2>&1 || rc=$?; } &&
		test $rc = 2 && test "$(grep -c . out)" = 1 || { echo "$knob: exit $rc" >&2; cat out >&2; return 1; }
	done &&
	test_must_fail test -e "$RESULTS_ROOT"
'
# The static steps, stand-ins of a second each: jobs.tsv says when they ran.
for st in sparse w1 coccinelle; do
	cat >"$P/scripts/step-$st.sh" <<'EOF'
#!/bin/bash
. "$(dirname "$0")/lib.sh"
if [ "$1" = --key ]; then echo "stand-in $(basename "$0") $2"; exit 0; fi
sleep 1
echo "$(basename "$0"): nothing found (stand-in)" >"$STEP_SUMMARY"
EOF
done

test_expect_success 'sparse and W=1 wait for every lane'"'"'s last build, coccinelle does not' '
	STEPS=apply,coccinelle,sparse,w1,build JOBS=3 NO_CACHE=1 FAKE_BUILD_SECONDS=2 \
		bash "$CS" >out 2>&1 &&
	test_grep "^sparse and w1 after the last builds: v5/build/x86_64$" "$RESULTS_ROOT/latest/plan.txt" &&
	tsv=$RESULTS_ROOT/latest/jobs.tsv &&
	last=$(awk -F "\t" "\$2 == \"build\" { print \$6 }" "$tsv" | sort -n | tail -n 1) &&
	test -n "$last" &&
	awk -F "\t" -v last="$last" "\$2 == \"sparse\" || \$2 == \"w1\" { n++; if (\$5 < last) { print \"early: \" \$1; bad = 1 } }
		END { exit bad || n != 6 }" "$tsv" &&
	awk -F "\t" -v last="$last" "\$2 == \"coccinelle\" && \$5 < last { early = 1 } END { exit !early }" "$tsv"
'

test_done
