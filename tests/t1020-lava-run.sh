#!/bin/bash
# scripts/boot-lava.sh: the boot through Debian's lava-dispatcher (lava-run,
# no server), on x86_64.  The kernels come from the project's own steps
# (make check-series STEPS=apply,build: cache hits after a full run).
# memfd_fuse and fuse_evict: control FAIL, incremental PASS by the oracle on
# the console LAVA extracted, the same verdicts and signatures as the local
# backend (scripts/boot.sh), and LAVA's own per-test case agrees; a guest
# that prints ok and then crashes is a fail for both.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

export CACHE_DIR=${CACHE_DIR:-$PROJECT_DIR/.cache}
export RESULTS_ROOT=$SCRATCH/results
unset VARIANTS STEPS ARCHS LAVA_VARIANT DRY_RUN
export ACCEL=tcg BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
BL=$PROJECT_DIR/scripts/boot-lava.sh
export BL

if ! command -v lava-run >/dev/null 2>&1; then
	test_skip 'boots through lava-run' 'no lava-run: bash scripts/deps.sh lava (lava-dispatcher)'
	test_done
	exit
fi

# First LAVA itself, in seconds: lava-run with a QEMU that replays real
# serial logs (tests/data/serial) as the guest's console.  Everything but
# the emulator is real: the job, the device, LAVA's pexpect monitor, the
# extraction, the oracle.
test_expect_success 'setup: a QEMU that replays a serial log, the oracle' '
	mkdir -p fakebin &&
	cat >fakebin/qemu-system-x86_64 <<-\EOF &&
	#!/bin/bash
	# Stands for QEMU: prints $REPLAY_LOG as the serial console, then exits.
	while IFS= read -r l; do printf "%s\r\n" "$l"; done <"$REPLAY_LOG"
	EOF
	chmod +x fakebin/qemu-system-x86_64 &&
	echo kernel >fake.kernel && echo initrd >fake.initrd &&
	make -s -C "$PROJECT_DIR/oracle" O="$SCRATCH/oracle-bin" &&
	echo "$SCRATCH/oracle-bin/oracle" >oracle
'

# replay LOG TEST: boot-lava.sh on the replayed LOG; out: replay/TEST.serial.log(.lava)
replay() {
	mkdir -p replay &&
	REPLAY_LOG=$1 PATH=$SCRATCH/fakebin:$PATH LAVA_VARIANT=replay bash "$BL" x86_64 \
		"$SCRATCH/fake.kernel" "$SCRATCH/fake.initrd" "$2" "replay/$2.serial.log" 2>"replay/$2.err"
}
export -f replay

test_expect_success 'replayed through lava-run: LAVA'"'"'s case and the oracle on the extracted console agree' '
	S=$TEST_DATA/serial &&
	for c in "x86-real-control-memfd_fuse-gpf-0x5a memfd_fuse fail" \
		 "x86-real-control-fuse_evict-gpf-0x5a fuse_evict fail" \
		 "x86-real-incremental-memfd_fuse-clean memfd_fuse pass" \
		 "x86-real-incremental-fuse_evict-clean fuse_evict pass"; do
		set -- $c &&
		replay "$S/$1.log" $2 &&
		test_grep "^$2 $3$" replay/$2.serial.log.lava &&
		test_grep "^job complete$" replay/$2.serial.log.lava &&
		{ "$(cat oracle)" replay/$2.serial.log $2 || true; } | cut -f1-4 >got &&
		cut -f1-4 "$S/$1.expected" >expect &&
		test_cmp expect got &&
		test_grep "^\+ $SCRATCH/fakebin/qemu-system-x86_64 -M q35 -m 512 -accel tcg .* -append \"console=ttyS0 panic=-1 oops=panic guest.tests=$2\"" replay/$2.err ||
			return 1
	done
'

test_expect_success 'replayed: ok and then a crash is fail for LAVA and the oracle; a console cut short is no case' '
	S=$TEST_DATA/serial &&
	sed -n "1,/^ok 1 fuse_evict/p" "$S/x86-real-incremental-fuse_evict-clean.log" >okcrash.log &&
	sed -n "/^general protection fault/,\$p" "$S/x86-real-control-fuse_evict-gpf-0x5a.log" >>okcrash.log &&
	replay "$SCRATCH/okcrash.log" fuse_evict &&
	test_grep "^fuse_evict fail$" replay/fuse_evict.serial.log.lava &&
	test_grep_not "pass" replay/fuse_evict.serial.log.lava &&
	{ "$(cat oracle)" replay/fuse_evict.serial.log fuse_evict || true; } | cut -f1-2 >got &&
	printf "fuse_evict\tFAIL\n" >expect && test_cmp expect got &&
	sed -n "1,/^ok 1 fuse_evict/p" "$S/x86-real-incremental-fuse_evict-clean.log" >cut.log &&
	replay "$SCRATCH/cut.log" fuse_evict &&
	test_grep_not "^fuse_evict " replay/fuse_evict.serial.log.lava &&
	test_grep "^job incomplete$" replay/fuse_evict.serial.log.lava
'

test_expect_success 'the kernels and initrd: make check-series VARIANTS=control,incremental STEPS=apply,build ARCHS=x86_64' '
	make -s -C "$PROJECT_DIR" check-series VARIANTS=control,incremental STEPS=apply,build ARCHS=x86_64 >cs.out 2>&1 ||
		{ tail -n 30 cs.out >&2; return 1; }
	for v in control incremental; do
		k=$(sed -n "s/^kernel_x86_64=//p" "$RESULTS_ROOT/latest/$v/facts" | tail -n 1) &&
		test -f "$k" && echo "$k" >kernel.$v || return 1
	done &&
	bash "$PROJECT_DIR/scripts/guest-image.sh" x86_64 >initrd 2>initrd.err &&
	test -f "$(cat initrd)" &&
	make -s -C "$PROJECT_DIR/oracle" O="$CACHE_DIR/tools/oracle" &&
	echo "$CACHE_DIR/tools/oracle/oracle" >oracle
'

# boot BACKEND VARIANT TEST: one boot, its oracle line in VARIANT/TEST.BACKEND.verdict
boot() {
	local script=$PROJECT_DIR/scripts/boot.sh log
	[ "$1" = lava ] && script=$BL
	mkdir -p "$2" && log=$2/boot-x86_64-$3-$1.serial.log &&
	LAVA_VARIANT=$2 bash "$script" x86_64 "$(cat "kernel.$2")" "$(cat initrd)" "$3" "$log" 2>"$log.err" &&
	{ "$(cat oracle)" "$log" "$3" || true; } | cut -f1-4 >"$2/$3.$1.verdict"
}
export -f boot

test_expect_success 'lava-run boots memfd_fuse and fuse_evict: control FAIL, incremental PASS, LAVA'"'"'s case agrees' '
	for v in control incremental; do
		for t in memfd_fuse fuse_evict; do
			boot lava $v $t || return 1
			log=$v/boot-x86_64-$t-lava.serial.log &&
			want=$(awk -v v=$v -v t=$t "\$1 == v { for (i = 5; i <= NF; i++) if (\$i ~ \"^\" t \"=\") { sub(/.*=/, \"\", \$i); print \$i } }" "$PROJECT_DIR/variants") &&
			read -r _ got sig fn <$v/$t.lava.verdict &&
			echo "$v $t: oracle $got $sig $fn; LAVA: $(tr "\n" " " <$log.lava)" &&
			test "$got" = "$want" &&
			lava=$(awk -v t=$t "\$1 == t { print \$2 }" $log.lava) &&
			test "$lava" = "$(echo "$want" | tr A-Z a-z)" &&
			test_grep "^job complete$" $log.lava &&
			test_grep "^KTAP version 1" $log &&
			test_grep "^\+ lava-run --device .*/qemu-x86_64.yaml --job-id [0-9]+ --output-dir " "$log.err" ||
				{ cat "$log.err" >&2; return 1; }
		done
	done &&
	test "$(cut -f2-4 control/memfd_fuse.lava.verdict)" = "$(printf "FAIL\tgeneral-protection-fault\tfuse_evict_inode")"
'

test_expect_success 'the console LAVA extracted: from the firmware to the end, and the local backend'"'"'s verdicts' '
	test_grep "Linux version" control/boot-x86_64-memfd_fuse-lava.serial.log &&
	test_grep "^# guest-done" incremental/boot-x86_64-fuse_evict-lava.serial.log &&
	test_grep "Kernel panic - not syncing" control/boot-x86_64-fuse_evict-lava.serial.log &&
	for v in control incremental; do
		for t in memfd_fuse fuse_evict; do
			boot local $v $t &&
			test_cmp $v/$t.local.verdict $v/$t.lava.verdict || return 1
		done
	done
'

test_expect_success 'a guest that prints ok and then crashes: FAIL by the oracle, fail by LAVA (never pass)' '
	T=$(CACHE_DIR=$CACHE_DIR bash -c ". \"$PROJECT_DIR/scripts/lib.sh\"; target_dir") &&
	mkdir -p okcrash && cat >okcrash/init.c <<-\EOF &&
	/* PID 1 that reports fuse_evict ok, then exits: the kernel panics
	 * ("Attempted to kill init!") before "# guest-done". */
	#include <stdio.h>
	int main(void)
	{
		printf("KTAP version 1\n1..1\n# start 1 fuse_evict\nok 1 fuse_evict\n");
		fflush(stdout);
		return 0;
	}
	EOF
	gcc -static -O2 -o okcrash/init okcrash/init.c &&
	gcc -O2 -o okcrash/gen_init_cpio "$T/usr/gen_init_cpio.c" &&
	printf "%s\n" "dir /dev 0755 0 0" "nod /dev/console 0600 0 0 c 5 1" "file /init $PWD/okcrash/init 0755 0 0" >okcrash/list &&
	okcrash/gen_init_cpio okcrash/list >okcrash/initrd.cpio &&
	log=okcrash/boot.serial.log &&
	LAVA_VARIANT=incremental bash "$BL" x86_64 "$(cat kernel.incremental)" okcrash/initrd.cpio fuse_evict $log 2>$log.err &&
	test_grep "^ok 1 fuse_evict" $log &&
	test_grep "Kernel panic - not syncing: Attempted to kill init" $log &&
	test_grep_not "# guest-done" $log &&
	{ "$(cat oracle)" $log fuse_evict || true; } | cut -f1-2 >verdict &&
	printf "fuse_evict\tFAIL\n" >expect && test_cmp expect verdict &&
	test_grep "^fuse_evict fail$" $log.lava &&
	test_grep_not "^fuse_evict pass" $log.lava
'

test_expect_success 'each boot has its own job id; LAVA leaves no scratch directory behind' '
	for v in control incremental; do
		for t in memfd_fuse fuse_evict; do
			sed -n "s/.* --job-id \([0-9]*\) .*/\1/p" $v/boot-x86_64-$t-lava.serial.log.err || return 1
		done
	done >ids &&
	test "$(wc -l <ids)" = 4 && test "$(sort -u ids | wc -l)" = 4 &&
	while read -r id; do test ! -e "/var/lib/lava/dispatcher/tmp/$id" || return 1; done <ids &&
	test_grep "^job_name: .fuse-submount-lookup control x86_64 memfd_fuse.$" control/boot-x86_64-memfd_fuse-lava.serial.log.lava-job.yaml
'

test_expect_success 'DRY_RUN=1 prints the lava-run command and the job; virtiofs_submount keeps the local backend' '
	: >k && : >i &&
	DRY_RUN=1 LAVA_VARIANT=control bash "$BL" x86_64 k i fuse_evict x.log 2>dry &&
	test_grep "^\+ lava-run --device .*/qemu-x86_64.yaml --job-id [0-9]+ --output-dir .* .*/job.yaml$" dry &&
	test_grep "^  \| job_name: .fuse-submount-lookup control x86_64 fuse_evict.$" dry &&
	test ! -e x.log &&
	DRY_RUN=1 bash "$BL" x86_64 k i virtiofs_submount x.log 2>dry &&
	test_grep "virtiofs_submount: local backend \(scripts/boot.sh\)" dry &&
	test_grep "^\+ qemu-system-x86_64 .*\(\+ the vhost-user-fs backend and its device\)$" dry
'

test_expect_success 'bad input: one clear line' '
	test_must_fail bash "$BL" x86_64 k i 2>err && test_grep "usage: boot-lava.sh" err &&
	test_must_fail bash "$BL" x86_64 /nonexistent/k "$(cat initrd)" fuse_evict x.log 2>err &&
	test "$(wc -l <err)" = 1 && test_grep "/nonexistent/k: no such kernel" err &&
	test_must_fail env BOOT_TIMEOUT=0 bash "$BL" x86_64 k i fuse_evict x.log 2>err && test_grep "BOOT_TIMEOUT=0" err
'

test_done
