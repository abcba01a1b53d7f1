#!/bin/bash
# End to end on the embedded target: make check-series proves the series
# (control crashes, the fixes pass, the alternatives are one tree), its
# results are cached by their inputs, and the knobs do what they say.
# Runs last: it reuses the tree and kernels the earlier tests made.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

export CACHE_DIR=${CACHE_DIR:-$PROJECT_DIR/.cache}
export RESULTS_ROOT=$SCRATCH/results
CS=$PROJECT_DIR/scripts/check-series.sh
export CS

test_expect_success 'make check-series: every variant, every step, verdicts as the variants file says' '
	bash "$CS" >out 2>&1; rc=$?; cat out >&2; [ $rc = 0 ] &&
	tail -n 1 out | grep -qE "^check-series: [0-9]+ passed, 0 failed, 0 errors$" &&
	grep -E "^control +PASS" out | grep -q "XFAIL" &&
	grep -qE "^incremental +PASS" out && ! grep -E "^incremental " out | grep -qE "FAIL|SKIP" &&
	grep -qE "^v5 +PASS" out && ! grep -E "^v5 " out | grep -qE "FAIL|SKIP" &&
	test_grep "control/boot XFAIL: as expected: .*x86_64 memfd_fuse failed 1/1: general-protection-fault fuse_evict_inode" out &&
	test_grep "control/boot XFAIL: as expected: .*arm64 memfd_fuse failed 1/1: paging-request fuse_evict_inode" out &&
	test_grep "pre-v4/boot XFAIL: as expected: .*x86_64 virtiofs_submount failed 1/1: fuse-protocol-violation" out &&
	test_grep "pre-v4/boot XFAIL: as expected: .*arm64 virtiofs_submount failed 1/1: fuse-protocol-violation" out &&
	test_grep "fault-leak/boot XFAIL: as expected: .*x86_64 virtiofs_kmemleak failed 1/1: kmemleak fuse_iget" out &&
	test_grep "fault-leak/boot XFAIL: as expected: .*arm64 virtiofs_kmemleak failed 1/1: kmemleak fuse_iget" out &&
	grep -E "^ *incremental +boot/x86_64-virtiofs_kmemleak-1 +PASS" out
'
test_expect_success 'summary.json follows the documented schema' '
	J=$RESULTS_ROOT/latest/summary.json &&
	jq -e ".schema == 2 and .target.kind == \"embedded\" and .failed == 0 and .errors == 0 and (.results | length) > 20" "$J" &&
	jq -e "all(.results[]; has(\"variant\") and has(\"step\") and has(\"verdict\") and has(\"seconds\") and has(\"log\") and has(\"tree\") and has(\"signature\"))" "$J" &&
	jq -e ".tools.sparse and .tools.qemu and .tools.gcc" "$J" &&
	jq -r -f "$TEST_DATA/kcidb/kcidb-v5.3-rules.jq" "$RESULTS_ROOT/latest/kcidb.json" >kcidb-problems &&
	test_cmp /dev/null kcidb-problems &&
	jq -r ".results[] | select(.variant == \"control\" and .step == \"boot\") | .signature" "$J" |
		grep -qE "general-protection-fault fuse_evict_inode|paging-request fuse_evict_inode" &&
	t5=$(jq -r ".results[] | select(.variant == \"v5\" and .step == \"equivalence\") | .tree" "$J") &&
	ti=$(jq -r ".results[] | select(.variant == \"incremental\" and .step == \"apply\") | .tree" "$J") &&
	[[ $t5 =~ ^[0-9a-f]{40}$ ]] && [ "$t5" = "$ti" ]
'
test_expect_success 'summary.json equals the one of a run before the engine redesign, field by field' '
	# tests/data/summary-before-engine: the old engine (2ad4cac) on this
	# target; timings, cache flags, paths and summaries aside (a build
	# summary now lists its arches in ARCHS order).  Variants added since
	# (fault-leak) are not in it; the series (what is mailed) must be.
	old=$TEST_DATA/summary-before-engine/summary.json J=$RESULTS_ROOT/latest/summary.json &&
	olds=$(jq -c "[.results[].variant] | unique" "$old") &&
	pick="[.results[] | select(.variant as \$v | $olds | index(\$v)) | {variant, step, verdict, signature, tree, fingerprint}] | sort_by(.variant, .step)" &&
	jq -S "$pick" "$old" >old && jq -S "$pick" "$J" >new && test_cmp old new &&
	top="{schema, failed, errors, kind: .target.kind, id: .target.id, series}" &&
	jq -S "$top" "$old" >old && jq -S "$top" "$J" >new && test_cmp old new
'
test_expect_success 'a kernel built from another tree'"'"'s build directory has a clean build'"'"'s config' '
	# incremental is built in the lane after control: its objects start
	# from control'"'"'s.  Its .config must be what kernel-config.sh makes
	# from scratch on its own tree.
	for a in x86_64 arm64; do
		k=$(sed -n "s/^kernel_$a=//p" "$RESULTS_ROOT/latest/incremental/facts" | tail -n 1) &&
		test -f "$(dirname "$k")/config" &&
		(. "$PROJECT_DIR/scripts/lib.sh" && LANE=t9000-config && export LANE &&
			lane_checkout "$(plan_commit incremental)" &&
			bash "$PROJECT_DIR/scripts/kernel-config.sh" "$a" "$PWD/fresh-$a.config" >/dev/null) &&
		test_cmp "fresh-$a.config" "$(dirname "$k")/config" || return 1
	done
'
test_expect_success 'equivalence on 6.1: one moved line against Debian'"'"'s shipped fs/fuse, shown in the log' '
	test_grep "^-	fi->submount_lookup = NULL;" "$RESULTS_ROOT/latest/v5/equivalence.log" &&
	test_grep "^\+	fi->submount_lookup = NULL;" "$RESULTS_ROOT/latest/v5/equivalence.log"
'
test_expect_success 'a warm re-run redoes nothing: every verdict comes from the cache' '
	bash "$CS" >out 2>&1 &&
	jq -e "all(.results[] | select(.verdict != \"n/a\"); .cached)" "$RESULTS_ROOT/latest/summary.json"
'
test_expect_success 'each key the resolver takes (plan answers and probes asked once) is the one a bash of its own prints' '
	R=$(readlink -f "$RESULTS_ROOT/latest") &&
	PROGRAMS_DIR=$(bash "$PROJECT_DIR/scripts/programs.sh" host) && export PROGRAMS_DIR &&
	RUN_DIR=$R bash "$PROJECT_DIR/scripts/job.sh" --keys "$R/jobs.list" >keys &&
	[ "$(grep -c "	0	" keys)" -gt 50 ] &&
	: >fresh &&
	while IFS="	" read -r -a f; do
		case ${f[8]:-} in --fold | --fold-worst) continue ;; esac
		lane=${f[2]} arch=${f[3]}
		[ "$lane" != - ] || lane=""
		[ "$arch" != - ] || arch=""
		rc=0
		{ key=$(LANE=$lane JOB_ARCH=$arch RUN_DIR=$R bash "$PROJECT_DIR/scripts/step-${f[5]}.sh" --key "${f[@]:8}" 2>/dev/null) || rc=$?; }
		printf "%s\t%s\t%s\n" "${f[0]}" "$rc" "$key" >>fresh
	done <"$R/jobs.list" &&
	test_cmp fresh keys
'
test_expect_success 'static findings per file: incremental had inode.c alone analysed, and its findings are a whole-tree analysis'"'"'s (sparse, W=1)' '
	for t in sparse w1; do
		test_grep "^== variant: make .* on fs/fuse/inode.c only" "$RESULTS_ROOT/latest/incremental/$t/log" &&
		for mode in 1 0; do
			rm -rf vd$mode && mkdir vd$mode && : >vd$mode/facts &&
			STATIC_PER_FILE=$mode DIE_STATUS=5 STEP_SUMMARY=$PWD/summary FACTS=$PWD/vd$mode/facts \
				VARIANT_DIR=$PWD/vd$mode bash "$PROJECT_DIR/scripts/step-$t.sh" incremental >log$mode 2>&1 || return 1
		done &&
		test_grep "^== variant: make [^ ]+ fs/fuse/ on tree " log0 &&
		test_cmp vd1/$t-variant.txt vd0/$t-variant.txt || return 1
	done
'
test_expect_success 'a changed patch invalidates exactly what depends on it' '
	cp -r "$PROJECT_DIR/patches" p &&
	sed -i "s/^When introduced, the submount lookup/Once introduced, the submount lookup/" \
		p/0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch &&
	PATCHES_DIR=$PWD/p VARIANTS=incremental bash "$CS" >out 2>&1; rc=$?; cat out >&2; [ $rc = 0 ] &&
	J=$RESULTS_ROOT/latest/summary.json &&
	for s in apply checkpatch; do
		jq -e ".results[] | select(.step == \"$s\") | .cached == false" "$J" || return 1
	done &&
	for s in build boot; do
		jq -e ".results[] | select(.step == \"$s\") | .cached == true" "$J" || return 1
	done
'
test_expect_success 'a control that does not fail fails the check: the proof proved nothing' '
	sed "s/^control \(.*\)memfd_fuse=FAIL/control \1memfd_fuse=PASS/" "$PROJECT_DIR/variants" >variants &&
	grep -q "^control .*memfd_fuse=PASS" variants &&
	sed -i "s/^\(incremental.*\)memfd_fuse=PASS/\1memfd_fuse=FAIL/" variants &&
	VARIANTS_FILE=$PWD/variants VARIANTS=control,incremental STEPS=apply,build,boot \
		test_must_fail bash "$CS" >out 2>&1 && cat out >&2 &&
	test_grep "incremental/boot FAIL: .*x86_64 memfd_fuse failed 0/1, expected FAIL: the proof proved nothing" out &&
	test_grep "control/boot FAIL: .*x86_64 memfd_fuse failed 1/1, expected PASS: general-protection-fault" out &&
	tail -n 1 out | grep -qE "^check-series: [0-9]+ passed, 2 failed, 0 errors$"
'
test_expect_success 'a patch that does not apply: FAIL names it; later steps SKIP with the reason' '
	cp -r "$PROJECT_DIR/patches" p2 &&
	sed -i "s/^ 	spin_lock_init(&fi->lock);$/ 	spin_lock_init(\&fi->lock_that_is_not_there);/" \
		p2/0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch &&
	PATCHES_DIR=$PWD/p2 VARIANTS=incremental STEPS=apply,checkpatch,build test_must_fail bash "$CS" >out 2>&1 &&
	test_grep "incremental/apply FAIL: 0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch does not apply on v4: patch failed: fs/fuse/inode.c" out &&
	test_grep "incremental/checkpatch SKIP: skipped: incremental stopped at its apply FAIL \(KEEP_GOING=1 would run on\)" out &&
	PATCHES_DIR=$PWD/p2 VARIANTS=incremental STEPS=apply,checkpatch,build KEEP_GOING=1 test_must_fail bash "$CS" >out 2>&1 &&
	grep -E "^incremental " out | grep -q "FAIL .* PASS .* FAIL" &&
	test_grep "incremental/build FAIL: .*no tree: 0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch does not apply on v4" out
'
test_expect_success 'a new checkpatch finding fails the checkpatch step, named; waived ones do not' '
	cp -r "$PROJECT_DIR/patches" p3 &&
	sed -i "s/^+	fi->submount_lookup = NULL;$/+	fi->submount_lookup = NULL; /" \
		p3/0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch &&
	PATCHES_DIR=$PWD/p3 VARIANTS=incremental,v5 STEPS=checkpatch test_must_fail bash "$CS" >out 2>&1 &&
	test_grep "incremental/checkpatch FAIL: 1 finding\(s\) not waived, first: .*0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch: ERROR:TRAILING_WHITESPACE fs/fuse/inode.c" out &&
	grep -E "^v5 " out | grep -q PASS
'
test_expect_success 'STEPS= and VARIANTS= choose; equivalence needs no run of its partner (the plan has its tree)' '
	VARIANTS=v5 STEPS=equivalence,apply bash "$CS" >out 2>&1 &&
	test_grep "^variant +apply +equivalence" out &&
	test_grep "^v5 +PASS [0-9]+s\*? +PASS" out &&
	tail -n 1 out | grep -qE "^check-series: 2 passed, 0 failed, 0 errors$"
'
# A tool that breaks: spatch as it fails without ocamlopt.  Its step is
# ERROR, not FAIL; it is not cached; the build and boot still run.
mkdir -p "$SCRATCH/fake"
# Only the analysis fails: coccicheck's own probes (--version, --help for
# --jobs) get the real spatch, or it would fall back to a mode that ignores
# spatch's exit status.
cat >"$SCRATCH/fake/spatch" <<'EOF2'
#!/bin/sh
case " $* " in
*" --cocci-file "*)
	echo "No OCaml compiler found! Install either ocamlopt or ocamlopt.opt" >&2
	exit 1
	;;
esac
# Its own version line: findings are kept by tool version, so a broken
# spatch never reuses a working one's (coccicheck reads the third field).
[ "$1" != --version ] || { /usr/bin/spatch --version | sed "1s/\$/ (t9000: fails without ocamlopt)/"; exit; }
exec /usr/bin/spatch "$@"
EOF2
chmod +x "$SCRATCH/fake/spatch"
export FAKE=$SCRATCH/fake

test_expect_success 'a tool that breaks is ERROR, never cached; build and boot still run' '
	rc=0 && { PATH=$FAKE:$PATH NO_CACHE=1 VARIANTS=incremental STEPS=apply,coccinelle,build,boot ARCHS=x86_64 \
		bash "$CS" >out 2>&1 || rc=$?; } &&
	cat out >&2 && test $rc = 3 &&
	test_grep "incremental/coccinelle ERROR: .*the tool broke: No OCaml compiler found" out &&
	grep -E "^incremental " out | grep -qE "PASS .*ERROR .*PASS .*PASS" &&
	tail -n 1 out | grep -qE "^check-series: 3 passed, 0 failed, 1 errors$" &&
	jq -e ".errors == 1 and ([.results[] | select(.verdict == \"ERROR\")] | length) == 1" "$RESULTS_ROOT/latest/summary.json" &&
	test -d "$CACHE_DIR/verdicts" && test_must_fail grep -rlx ERROR "$CACHE_DIR/verdicts" &&
	VARIANTS=incremental STEPS=apply,coccinelle ARCHS=x86_64 bash "$CS" >out2 2>&1 &&
	test_grep_not "^incremental/coccinelle ERROR" out2 &&
	grep -E "^incremental " out2 >row && test_grep_not ERROR row
'
test_expect_success 'a failed build stops the variant without KEEP_GOING, and says so' '
	cp -r "$PROJECT_DIR/patches" p4 &&
	sed -i "s/^+	fi->submount_lookup = NULL;$/+	fi->submount_lookup = NULL +;/" \
		p4/0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch &&
	rc=0 && { PATCHES_DIR=$PWD/p4 VARIANTS=incremental STEPS=apply,build,boot,equivalence ARCHS=x86_64 \
		bash "$CS" >out 2>&1 || rc=$?; } &&
	cat out >&2 && test $rc = 1 &&
	test_grep "incremental/build FAIL: x86_64: build failed: .*error" out &&
	test_grep "incremental/boot SKIP: skipped: it needs build/x86_64, which is FAIL" out &&
	test_grep "incremental/equivalence SKIP: skipped: incremental stopped at its build FAIL \(KEEP_GOING=1 would run on\)" out
'
test_expect_success 'unknown step or variant: one clear line, non-zero' '
	rc=0 && { STEPS=apply,bogus bash "$CS" 2>err >/dev/null || rc=$?; } &&
	test $rc = 2 && test "$(wc -l <err)" = 1 &&
	test_grep "unknown step .bogus. in STEPS=: known are apply checkpatch" err &&
	VARIANTS=nope test_must_fail bash "$CS" 2>err >/dev/null &&
	test_grep "unknown variant .nope." err &&
	ARCHS=riscv test_must_fail bash "$CS" 2>err >/dev/null &&
	test_grep "unknown arch .riscv. in ARCHS=: known are arm64 x86_64" err
'
test_done
