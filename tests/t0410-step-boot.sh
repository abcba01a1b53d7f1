#!/bin/bash
# scripts/step-boot.sh without a kernel: the real step and the real boot.sh
# and oracle, with a stand-in QEMU on PATH that replays the saved serial
# logs of tests/data/serial (real x86_64 boots) as the guest's console.
# Checked: the verdicts each variant must give, a control that passes is a
# failure ("the proof proved nothing"), REPEAT=N counts every failed run, a
# guest that never ends is a HANG (never a PASS, even after its ok line),
# the backend's violations reach the oracle, and a QEMU that does not start
# is an ERROR; and boot.sh's KVM probe (a guest that boots with KVM: kvm,
# one that does not: tcg, the answer cached).  Runs in seconds: the
# mutation run (make mutants) uses it.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

# A project of our own around the real scripts/, oracle/ and arches/: the
# guest image (which needs a kernel tree) and the vhost-user-fs backend are
# stand-ins.
P=$SCRATCH/proj
mkdir -p "$P" "$SCRATCH/cache"
cp -r "$PROJECT_DIR/scripts" "$PROJECT_DIR/oracle" "$PROJECT_DIR/mk" "$PROJECT_DIR/arches" "$PROJECT_DIR/variants" "$P/"
rm -rf "$P/oracle/out"
export CACHE_DIR=$SCRATCH/cache ACCEL=tcg ARCHS=x86_64 RESULTS_ROOT=$SCRATCH/results P
unset REPEAT BOOT_TIMEOUT VARIANTS LINUX_TREE
# shellcheck source=lib/boot-fakes.sh
. "$TESTS_DIR/lib/boot-fakes.sh"
: >"$CACHE_DIR/kernel"
S=$TEST_DATA/serial
export S

# serial TEST LOG [N]: run N (every run without N) of TEST replays LOG.
# run_boot VARIANT: the boot jobs as check-series runs them (scripts/job.sh:
# one per test and run, then the fold), records in ./run, the fold's in
# ./vd; its verdict as the step's exit status in ./rc, its summary in
# ./summary, its output in ./out.
cat >"$SCRATCH/funcs.sh" <<'EOF'
serial() {
	cp "$S/$2.log" "$FAKE_SERIAL/$1${3:+.$3}.log"
}
run_boot() {
	rm -rf run vd && mkdir run &&
	rm -f "$FAKE_SERIAL"/*.count &&
	tests=$(awk -v v="$1" '$1 == v { for (i = 5; i <= NF; i++) { split($i, kv, "="); print kv[1] } }' \
		"${VARIANTS_FILE:-$P/variants}") &&
	for t in $tests; do
		for r in $(seq "${REPEAT:-1}"); do
			RUN_DIR=$PWD/run NO_CACHE=1 bash "$P/scripts/job.sh" "$1/boot/x86_64-$t-$r" boot - - \
				"$1" x86_64 "$t" "$r" "$CACHE_DIR/kernel" || return 1
		done
	done &&
	RUN_DIR=$PWD/run bash "$P/scripts/job.sh" "$1/boot" boot - - --fold "$1" &&
	case $(cat "run/$1/boot/verdict") in
	PASS) echo 0 ;; FAIL) echo 1 ;; XFAIL) echo 2 ;; SKIP) echo 4 ;; *) echo 5 ;;
	esac >rc &&
	ln -s "run/$1/boot" vd &&
	cp "run/$1/boot/summary" summary && cp "run/$1/boot/log" out &&
	sed "s/^/| /" out summary
}
# small_variants TEST...: a variants file whose control must FAIL and
# incremental PASS just TEST... (fewer boots: the test runs in seconds).
small_variants() {
	printf "control v4 - - %s\nincremental v4 - - %s\n" \
		"$(printf "%s=FAIL " "$@")" "$(printf "%s=PASS " "$@")" >small-variants &&
	VARIANTS_FILE=$PWD/small-variants && export VARIANTS_FILE
}
clean_logs() {
	serial memfd_fuse x86-real-incremental-memfd_fuse-clean &&
	serial fuse_evict x86-real-incremental-fuse_evict-clean &&
	serial virtiofs_submount x86-real-incremental-virtiofs_submount-clean &&
	serial virtiofs_kmemleak x86-real-incremental-virtiofs_kmemleak-clean
}
control_logs() {
	serial memfd_fuse x86-real-control-memfd_fuse-gpf-0x5a &&
	serial fuse_evict x86-real-control-fuse_evict-gpf-0x5a &&
	serial virtiofs_submount x86-real-control-virtiofs_submount-gpf-0x5a
}
EOF
export FUNCS=$SCRATCH/funcs.sh

test_expect_success 'control on its crash logs: XFAIL (2), every test failed 1/1 with the 0x5a signature' '
	. "$FUNCS" && rm -f "$FAKE_SERIAL"/* && control_logs &&
	run_boot control &&
	test "$(cat rc)" = 2 &&
	test_grep "^as expected: x86_64 memfd_fuse failed 1/1: general-protection-fault fuse_evict_inode" summary &&
	test_grep "x86_64 fuse_evict failed 1/1" summary &&
	test_grep "x86_64 virtiofs_submount failed 1/1" summary &&
	test_grep "^boot_signature=general-protection-fault fuse_evict_inode$" vd/facts &&
	test "$(grep -c "^x86_64 .* run 1/1: FAIL general-protection-fault fuse_evict_inode" out)" = 3 &&
	for t in memfd_fuse fuse_evict virtiofs_submount; do
		test -s vd/x86_64-$t-1/boot-x86_64-$t-1.serial.log || return 1
	done
'

test_expect_success 'incremental on clean logs: PASS (0), each test passed 1/1' '
	. "$FUNCS" && rm -f "$FAKE_SERIAL"/* && clean_logs &&
	run_boot incremental &&
	test "$(cat rc)" = 0 &&
	echo "x86_64 memfd_fuse passed 1/1;x86_64 fuse_evict passed 1/1;x86_64 virtiofs_submount passed 1/1;x86_64 virtiofs_kmemleak passed 1/1" >expect &&
	test_cmp expect summary
'

test_expect_success 'a control that does not crash fails the step: the proof proved nothing' '
	. "$FUNCS" && small_variants memfd_fuse && rm -f "$FAKE_SERIAL"/* && clean_logs &&
	run_boot control &&
	test "$(cat rc)" = 1 &&
	test_grep "^x86_64 memfd_fuse failed 0/1, expected FAIL: the proof proved nothing" summary
'

test_expect_success 'one control test that passes is enough to fail the step' '
	. "$FUNCS" && small_variants memfd_fuse fuse_evict && rm -f "$FAKE_SERIAL"/* && control_logs &&
	serial fuse_evict x86-real-incremental-fuse_evict-clean &&
	run_boot control &&
	test "$(cat rc)" = 1 &&
	echo "x86_64 fuse_evict failed 0/1, expected FAIL: the proof proved nothing" >expect &&
	test_cmp expect summary
'

test_expect_success 'a fixed variant that crashes: FAIL (1) naming the signature' '
	. "$FUNCS" && small_variants memfd_fuse fuse_evict && rm -f "$FAKE_SERIAL"/* && clean_logs &&
	serial memfd_fuse x86-real-control-memfd_fuse-gpf-0x5a &&
	run_boot incremental &&
	test "$(cat rc)" = 1 &&
	echo "x86_64 memfd_fuse failed 1/1, expected PASS: general-protection-fault fuse_evict_inode" >expect &&
	test_cmp expect summary
'

test_expect_success 'FAIL:kmemleak: the planted leak is XFAIL; a crash or a pass instead fails the proof' '
	. "$FUNCS" && rm -f "$FAKE_SERIAL"/* &&
	echo "leak v4 - - virtiofs_kmemleak=FAIL:kmemleak" >leak-variants &&
	export VARIANTS_FILE=$PWD/leak-variants &&
	serial virtiofs_kmemleak x86-real-fault-leak-virtiofs_kmemleak-kmemleak-fuse_iget &&
	run_boot leak && test "$(cat rc)" = 2 &&
	test_grep "^as expected: x86_64 virtiofs_kmemleak failed 1/1: kmemleak fuse_iget$" summary &&
	test_grep "run 1: FAIL as expected \\(kmemleak fuse_iget\\)" run/leak/boot/x86_64-virtiofs_kmemleak-1/summary &&
	serial virtiofs_kmemleak x86-real-control-virtiofs_submount-gpf-0x5a &&
	run_boot leak && test "$(cat rc)" = 1 &&
	echo "x86_64 virtiofs_kmemleak failed 1/1 as general-protection-fault fuse_evict_inode, expected FAIL of class kmemleak: the proof proved nothing" >expect &&
	test_cmp expect summary &&
	test_grep "expected FAIL of class kmemleak: the proof proved nothing" run/leak/boot/x86_64-virtiofs_kmemleak-1/summary &&
	serial virtiofs_kmemleak x86-real-incremental-virtiofs_kmemleak-clean &&
	run_boot leak && test "$(cat rc)" = 1 &&
	test_grep "^x86_64 virtiofs_kmemleak failed 0/1, expected FAIL: the proof proved nothing" summary
'

test_expect_success 'kmemleak=on is on the command line of a *_kmemleak test only' '
	. "$FUNCS" && rm -f "$FAKE_SERIAL"/* &&
	printf "leak v4 - - virtiofs_kmemleak=FAIL:kmemleak fuse_evict=PASS\n" >leak-variants &&
	export VARIANTS_FILE=$PWD/leak-variants &&
	serial virtiofs_kmemleak x86-real-fault-leak-virtiofs_kmemleak-kmemleak-fuse_iget &&
	serial fuse_evict x86-real-incremental-fuse_evict-clean &&
	run_boot leak && test "$(cat rc)" = 2 &&
	grep -c "guest.tests=virtiofs_kmemleak kmemleak=on" "$FAKE_SERIAL/calls" >n && test "$(cat n)" = 1 &&
	grep "guest.tests=fuse_evict" "$FAKE_SERIAL/calls" >fe && ! grep -q kmemleak fe
'

test_expect_success 'the backend s violations reach the oracle: pre-v4 virtiofs_submount is XFAIL' '
	. "$FUNCS" && rm -f "$FAKE_SERIAL"/* && clean_logs &&
	serial virtiofs_submount x86-real-pre-v4-virtiofs_submount-violation &&
	FAKE_VIOLATIONS=$S/x86-real-pre-v4-virtiofs_submount-violation.violations run_boot pre-v4 &&
	test "$(cat rc)" = 2 &&
	test_grep "^as expected: x86_64 virtiofs_submount failed 1/1: fuse-protocol-violation -; x86_64 memfd_fuse passed 1/1;x86_64 fuse_evict passed 1/1$" summary &&
	test_cmp "$S/x86-real-pre-v4-virtiofs_submount-violation.violations" vd/x86_64-virtiofs_submount-1/boot-x86_64-virtiofs_submount-1.serial.log.violations
'

test_expect_success 'the same violations on incremental: FAIL (1)' '
	. "$FUNCS" && rm -f "$FAKE_SERIAL"/* && clean_logs &&
	FAKE_VIOLATIONS=$S/x86-real-pre-v4-virtiofs_submount-violation.violations run_boot incremental &&
	test "$(cat rc)" = 1 &&
	test_grep "^x86_64 virtiofs_submount failed 1/1, expected PASS: fuse-protocol-violation" summary
'

test_expect_success 'REPEAT=3: one failed run of three is counted (failed 1/3) and fails a PASS' '
	. "$FUNCS" && small_variants memfd_fuse fuse_evict && rm -f "$FAKE_SERIAL"/* && clean_logs &&
	serial fuse_evict x86-real-control-fuse_evict-gpf-0x5a 2 &&
	REPEAT=3 run_boot incremental &&
	test "$(cat rc)" = 1 &&
	echo "x86_64 fuse_evict failed 1/3, expected PASS: general-protection-fault fuse_evict_inode" >expect &&
	test_cmp expect summary &&
	test "$(grep -c "^x86_64 .* run [123]/3: " out)" = 6 &&
	test_grep "^expected PASS, x86_64 memfd_fuse passed 3/3$" out &&
	test_grep "^expected PASS, x86_64 fuse_evict passed 2/3 \(general-protection-fault fuse_evict_inode\)$" out
'

test_expect_success 'REPEAT=3: a control that crashed twice in three runs proved nothing' '
	. "$FUNCS" && small_variants fuse_evict && rm -f "$FAKE_SERIAL"/* && control_logs &&
	serial fuse_evict x86-real-incremental-fuse_evict-clean 3 &&
	REPEAT=3 run_boot control &&
	test "$(cat rc)" = 1 &&
	echo "x86_64 fuse_evict failed 2/3, expected FAIL: the proof proved nothing" >expect &&
	test_cmp expect summary
'

test_expect_success 'REPEAT=3 on the control: failed 3/3 each, XFAIL' '
	. "$FUNCS" && small_variants memfd_fuse fuse_evict && rm -f "$FAKE_SERIAL"/* && control_logs &&
	REPEAT=3 run_boot control &&
	test "$(cat rc)" = 2 &&
	test_grep "x86_64 memfd_fuse failed 3/3: general-protection-fault fuse_evict_inode;x86_64 fuse_evict failed 3/3" summary
'

test_expect_success 'a guest that printed its ok line but never ended is a HANG, not a PASS' '
	. "$FUNCS" && small_variants fuse_evict && rm -f "$FAKE_SERIAL"/* && clean_logs &&
	touch "$FAKE_SERIAL/fuse_evict.hang" &&
	BOOT_TIMEOUT=2 run_boot incremental &&
	test "$(cat rc)" = 1 &&
	echo "x86_64 fuse_evict failed 1/1, expected PASS: hang -" >expect &&
	test_cmp expect summary &&
	test_grep "^x86_64 fuse_evict run 1/1: FAIL hang - .*killed after 2 s" out
'

test_expect_success 'QEMU that does not start: ERROR (5) naming QEMU s message, no verdict' '
	. "$FUNCS" && small_variants memfd_fuse fuse_evict && rm -f "$FAKE_SERIAL"/* && clean_logs &&
	QEMU_FAIL=1 run_boot incremental &&
	test "$(cat rc)" = 5 &&
	test_grep "^2 boot\(s\) could not be judged: x86_64 memfd_fuse run 1: qemu-system-x86_64 exited with status 1: qemu-system-x86_64: -machine q35: unsupported machine type" summary &&
	test_grep_not "passed|PASS" summary
'

test_expect_success 'REPEAT= must be a whole number of runs: check-series refuses it before anything (exit 2)' '
	rc=0 && { REPEAT=0 bash "$P/scripts/check-series.sh" >out 2>&1 || rc=$?; } &&
	test "$rc" = 2 &&
	test_grep "REPEAT=0: give a whole number of runs" out &&
	test_must_fail test -e "$RESULTS_ROOT"
'
test_expect_success 'boot.sh with the wrong number of arguments: its usage, exit 1, no QEMU' '
	rm -f "$FAKE_SERIAL"/*.count &&
	test_must_fail bash "$P/scripts/boot.sh" x86_64 k i memfd_fuse 2>err &&
	test_grep "^boot: error: usage: boot.sh ARCH KERNEL INITRD TEST LOG$" err &&
	test_must_fail test -e "$FAKE_SERIAL/memfd_fuse.count"
'

# The probe needs /dev/kvm writable and a guest of the host's own arch.
if [ -w /dev/kvm ] && [ "$(uname -m)" = x86_64 ]; then
	test_expect_success 'KVM probe: a guest that boots with KVM gets -accel kvm, the answer cached' '
		mkdir -p pcache bin2 &&
		printf "#!/bin/sh\necho \"\$*\" >>\"%s/calls\"\ncase \"\$*\" in *\"-accel kvm\"*) echo \"Linux version 6.1\" ;; esac\n" \
			"$PWD" >bin2/qemu-system-x86_64 &&
		chmod +x bin2/qemu-system-x86_64 &&
		PATH=$PWD/bin2:$PATH CACHE_DIR=$PWD/pcache ACCEL= DRY_RUN=1 \
			bash "$P/scripts/boot.sh" x86_64 k i memfd_fuse log 2>err &&
		test_grep "^\+ qemu-system-x86_64 .* -accel kvm " err &&
		test_grep "KVM probe: kvm" err &&
		test "$(grep -c -e "-accel kvm" calls)" = 1 &&
		PATH=$PWD/bin2:$PATH CACHE_DIR=$PWD/pcache ACCEL= DRY_RUN=1 \
			bash "$P/scripts/boot.sh" x86_64 k i memfd_fuse log 2>err &&
		test_grep "^\+ qemu-system-x86_64 .* -accel kvm " err &&
		test "$(grep -c -e "-accel kvm" calls)" = 1
	'
	test_expect_success 'KVM probe: a guest that does not boot with KVM gets -accel tcg' '
		mkdir -p pcache2 bin3 &&
		printf "#!/bin/sh\necho \"Booting from ROM..\"\n" >bin3/qemu-system-x86_64 &&
		chmod +x bin3/qemu-system-x86_64 &&
		PATH=$PWD/bin3:$PATH CACHE_DIR=$PWD/pcache2 ACCEL= DRY_RUN=1 \
			bash "$P/scripts/boot.sh" x86_64 k i memfd_fuse log 2>err &&
		test_grep "^\+ qemu-system-x86_64 .* -accel tcg " err &&
		test_grep "KVM probe: tcg" err
	'
else
	test_skip 'KVM probe: kvm and tcg answers' "no writable /dev/kvm on an x86_64 host"
fi
test_done
