#!/bin/bash
# The serial-log oracle: exact verdicts for the saved logs in
# tests/data/serial, usage errors, and robustness against hostile input.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

SERIAL=$TEST_DATA/serial
export SERIAL

# check_log NAME: the oracle's output and exit status for NAME.log must be
# exactly NAME.expected; the tests asked for are that file's first column.
check_log() {
	local name=$1 rc=0 tests violations=()
	[ -f "$SERIAL/$name.expected" ] || {
		echo "missing $SERIAL/$name.expected: see $SERIAL/README" >&2
		return 1
	}
	[ -f "$SERIAL/$name.violations" ] &&
		violations=(--violations "$SERIAL/$name.violations")
	mapfile -t tests < <(cut -f1 "$SERIAL/$name.expected")
	{ "$SCRATCH/out/oracle" "${violations[@]}" "$SERIAL/$name.log" \
		"${tests[@]}" >"$name.actual" || rc=$?; }
	test_cmp "$SERIAL/$name.expected" "$name.actual" || return 1
	if grep -q "	FAIL	" "$SERIAL/$name.expected"; then
		[ $rc = 1 ] || { echo "exit $rc, expected 1" >&2; return 1; }
	else
		[ $rc = 0 ] || { echo "exit $rc, expected 0" >&2; return 1; }
	fi
}
export -f check_log

test_expect_success 'oracle builds warning-free' '
	make -C "$PROJECT_DIR/oracle" O="$SCRATCH/out" &&
	test -x "$SCRATCH/out/oracle"
'

for log in "$SERIAL"/*.log; do
	name=$(basename "$log" .log)
	test_expect_success "verdict for $name" "check_log '$name'"
done

test_expect_success 'CRLF, NUL bytes and ANSI colour do not change a verdict' '
	perl -pe "s/\n/\r\n/; s/general protection/\e[1;31mgeneral\0 protection\e[0m/" \
		"$SERIAL/x86-gpf-0x5a-fuse_evict_inode.log" >crlf.log &&
	test "$(grep -c "$(printf "\r")\$" crlf.log)" = "$(wc -l <crlf.log)" &&
	grep -q "$(printf "\033")" crlf.log &&
	test_must_fail "$SCRATCH/out/oracle" crlf.log memfd_fuse fuse_evict >actual &&
	test_cmp "$SERIAL/x86-gpf-0x5a-fuse_evict_inode.expected" actual
'

test_expect_success 'logs without printk timestamps give the same verdict' '
	for name in x86-gpf-0x5a-fuse_evict_inode arm64-paging-request-refcount \
		    x86-kasan-uaf-fuse_evict_inode x86-slub-poison-overwritten-kmalloc-32; do
		sed "s/^\[ *[0-9]*\.[0-9]*\] //" "$SERIAL/$name.log" >plain.log &&
		! grep -q "^\[ *[0-9]*\.[0-9]*\]" plain.log &&
		{ "$SCRATCH/out/oracle" plain.log memfd_fuse >actual || :; } &&
		head -n 1 "$SERIAL/$name.expected" >expect &&
		test_cmp expect actual || exit 1
	done
'

test_expect_success 'syslog levels and caller ids do not change a verdict' '
	for form in "<4>%s[%s][    T58] " "<4> %s[%s][C0] " "%s[%s][   T58]"; do
		perl -pe "BEGIN { \$f = shift } s/^\[ *([0-9.]+)\] /sprintf(\$f, q(), \$1)/e" \
			"$form" "$SERIAL/x86-gpf-0x5a-fuse_evict_inode.log" >syslog.log &&
		grep -q "^<4>\|^\[[0-9.]*\]\[ *T58\]" syslog.log &&
		test_must_fail "$SCRATCH/out/oracle" syslog.log memfd_fuse fuse_evict >actual &&
		test_cmp "$SERIAL/x86-gpf-0x5a-fuse_evict_inode.expected" actual ||
		{ echo "form: $form"; return 1; }
	done
'

test_expect_success 'a report after 100000 bytes of one line is found' '
	{
		printf "KTAP version 1\n1..1\n# start 1 memfd_fuse\n# "
		head -c 100000 /dev/zero | tr "\0" x
		printf "[    2.345678] BUG: unable to handle page fault for address: ffffc90000a3f008\n"
		printf "ok 1 memfd_fuse\n# guest-done\n"
	} >long.log &&
	test_must_fail "$SCRATCH/out/oracle" long.log memfd_fuse >actual &&
	printf "memfd_fuse\tFAIL\tpage-fault\t-\tBUG: unable to handle page fault for address: ffffc90000a3f008\t-\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'error words in guest output are not kernel errors' '
	printf "%s\n" "KTAP version 1" "1..1" "# start 1 memfd_fuse" \
		"# checking for general protection fault and BUG: lines" \
		"ok 1 memfd_fuse" "# guest-done" >quoted.log &&
	"$SCRATCH/out/oracle" quoted.log memfd_fuse >actual &&
	printf "memfd_fuse\tPASS\t-\t-\tok 1 memfd_fuse\t-\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a test name must match whole, not as a prefix' '
	test_must_fail "$SCRATCH/out/oracle" "$SERIAL/clean-two-tests.log" \
		memfd memfd_fuse2 >actual &&
	test_grep "^memfd	FAIL	no-result	" actual &&
	test_grep "^memfd_fuse2	FAIL	no-result	" actual
'

test_expect_success 'an empty log fails every test as no-result' '
	: >empty.log &&
	test_must_fail "$SCRATCH/out/oracle" empty.log memfd_fuse fuse_evict >actual &&
	test "$(cut -f2,3 actual | sort -u)" = "FAIL	no-result"
'

test_expect_success 'a violations file without violations changes nothing' '
	printf "# backend checked 212 requests\n" >none.violations &&
	"$SCRATCH/out/oracle" --violations none.violations \
		"$SERIAL/clean-two-tests.log" memfd_fuse fuse_evict >actual &&
	test_cmp "$SERIAL/clean-two-tests.expected" actual
'

test_expect_success 'a kernel error wins over a protocol violation' '
	test_must_fail "$SCRATCH/out/oracle" \
		--violations "$SERIAL/violation-use-after-forget.violations" \
		"$SERIAL/x86-gpf-0x5a-fuse_evict_inode.log" memfd_fuse >actual &&
	test_grep "^memfd_fuse	FAIL	general-protection-fault	fuse_evict_inode	" actual
'

test_expect_success 'usage and I/O errors exit 2 with one line on stderr' '
	o=$SCRATCH/out/oracle log=$SERIAL/clean-two-tests.log &&
	for args in "" "$log" "--bogus $log memfd_fuse" "--violations" \
		    "--violations /nonexistent $log memfd_fuse" \
		    "/nonexistent memfd_fuse" "$SERIAL memfd_fuse"; do
		rc=0
		# shellcheck disable=SC2086 # split the argument list on purpose
		{ "$o" $args >stdout 2>stderr || rc=$?; }
		test $rc = 2 && test_must_fail test -s stdout &&
		test "$(wc -l <stderr)" = 1 ||
		{ echo "args: $args rc $rc"; cat stderr; exit 1; }
	done
'

# ktap_log BODY...: a one-test guest log around printf-format BODY parts,
# ending with the test's ok line and "# guest-done".
ktap_log() {
	printf 'KTAP version 1\n1..1\n# start 1 memfd_fuse\n'
	# shellcheck disable=SC2059 # the format is the caller's, on purpose
	printf "$@"
	printf 'ok 1 memfd_fuse\n# guest-done\n'
}
export -f ktap_log

test_expect_success 'a non-fatal report mid-line without timestamp is seen' '
	while IFS=: read -r class first; do
		ktap_log "# step 3 of 5%s\n%s\n" "$first" \
			"Call Trace:" >midline.log &&
		test_must_fail "$SCRATCH/out/oracle" midline.log memfd_fuse >actual &&
		test "$(cut -f2,3 actual)" = "FAIL	$class" ||
		{ echo "$class: $(cat actual)"; return 1; }
	done <<-\EOF
	sleeping-in-atomic:BUG: sleeping function called from invalid context at mm/slab.h:419
	hung-task:INFO: task fuse_evict:58 blocked for more than 120 seconds.
	scheduling-while-atomic:BUG: scheduling while atomic: fuse_evict/58/0x00000002
	bug:BUG: Bad page state in process fuse_evict  pfn:04a12
	rcu-stall:rcu: INFO: rcu_sched self-detected stall on CPU
	soft-lockup:watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [fuse_evict:58]
	EOF
'

test_expect_success 'a fatal report mid-line without timestamp names its function' '
	ktap_log "# unmount%s\n%s\n" \
		"general protection fault, probably for non-canonical address 0x5a5a5a5a5a5a5a5a: 0000 [#1] PREEMPT SMP NOPTI" \
		"RIP: 0010:fuse_evict_inode+0x61/0x150 [fuse]" >fatal.log &&
	test_must_fail "$SCRATCH/out/oracle" fatal.log memfd_fuse >actual &&
	test "$(cut -f2-4 actual)" = "FAIL	general-protection-fault	fuse_evict_inode"
'

test_expect_success 'a lone CR before a kernel report does not merge the lines' '
	ktap_log "# progress 50%%\rOops: 0002 [#1] PREEMPT SMP NOPTI\n%s\n" \
		"RIP: 0010:fuse_evict_inode+0x61/0x150 [fuse]" >cr.log &&
	test_must_fail "$SCRATCH/out/oracle" cr.log memfd_fuse >actual &&
	test "$(cut -f2-4 actual)" = "FAIL	oops	fuse_evict_inode"
'

test_expect_success 'a dangling ESC or ESC[1; does not eat the kernel line after it' '
	for esc in "\033" "\033[1;" "\033["; do
		ktap_log "# colour $esc[    2.345678] Oops: 0002 [#1] SMP\n" >esc.log &&
		test_must_fail "$SCRATCH/out/oracle" esc.log memfd_fuse >actual &&
		test "$(cut -f2,3 actual)" = "FAIL	oops" ||
		{ echo "$esc: $(cat actual)"; return 1; }
	done &&
	ktap_log "# colour \033BUG: kernel NULL pointer dereference, address: 0000000000000008\n" >esc.log &&
	test_must_fail "$SCRATCH/out/oracle" esc.log memfd_fuse >actual &&
	test "$(cut -f2,3 actual)" = "FAIL	null-deref"
'

test_expect_success 'a KTAP SKIP is not a PASS' '
	printf "%s\n" "KTAP version 1" "1..1" "ok 1 memfd_fuse # SKIP no /dev/fuse" \
		"# guest-done" >skip.log &&
	test_must_fail "$SCRATCH/out/oracle" skip.log memfd_fuse >actual &&
	test "$(cut -f2,3,5 actual)" = "FAIL	test-skipped	SKIP no /dev/fuse" &&
	printf "%s\n" "KTAP version 1" "1..1" "ok 1 memfd_fuse # SKIPPED-NOT" \
		"# guest-done" >notskip.log &&
	"$SCRATCH/out/oracle" notskip.log memfd_fuse >actual &&
	test "$(cut -f2 actual)" = PASS
'

test_expect_success 'a kernel line printed into a result line or guest-done is cut out' '
	printf "%s\n" "KTAP version 1" "1..1" \
		"ok 1 memfd[    3.123456] random: crng init done" "_fuse" \
		"# guest-<4>[    3.223456] ACPI: bus type USB registered" "done" >mixed.log &&
	"$SCRATCH/out/oracle" mixed.log memfd_fuse >actual &&
	test "$(cut -f2,5 actual)" = "PASS	ok 1 memfd_fuse"
'

test_expect_success 'an empty line before an interleaved result line changes nothing (fuzz find)' '
	printf "%s\n" "KTAP version 1" "1..1" "" \
		"ok 1 memfd[    3.123456] random: crng init done" "_fuse" "" \
		"[    3.2]" "# guest-done" >empty-mixed.log &&
	"$SCRATCH/out/oracle" empty-mixed.log memfd_fuse >actual &&
	test "$(cut -f2,5 actual)" = "PASS	ok 1 memfd_fuse"
'

test_expect_success 'a 1 MiB line of repeated "[1.1]INFO: task " is read in linear time' '
	for mib in 1 4; do
		{
			printf "KTAP version 1\n1..1\n"
			perl -e "print q([1.1]INFO: task ) x (65536 * $mib), qq(\n)"
			printf "ok 1 memfd_fuse\n# guest-done\n"
		} >big$mib.log || return 1
	done &&
	timeout 5 "$SCRATCH/out/oracle" big1.log memfd_fuse >actual &&
	test "$(cut -f2 actual)" = PASS &&
	timeout 5 "$SCRATCH/out/oracle" big4.log memfd_fuse >actual &&
	test "$(cut -f2 actual)" = PASS
'

# Long lines, NULs, CR, stray escapes, cut-off timestamps and trace lines
# and random bytes, ending mid-line: the input a broken boot can produce.
make_hostile_log() {
	perl -e '
		srand(42);
		print "KTAP version 1\r\n1..1\r\nok 1 memfd_fuse\r\n";
		print "x" x 70000, "\0\r\n";
		print "[    1.0] general protection fault ", "5a" x 5000, "\n";
		print "RIP: 0010:", "f" x 5000, "+0x1/0x2\n";
		print "pc : ", "a" x 200, "\n", "Call Trace:\n <TASK>\n<\n[<ff\n";
		print " ? \n [<ffffffff81000000>] ", "g" x 300, "+0x1/0x2\n" x 20;
		print "BUG \n", "BUG x (\n", "WARNING: at \n", "BUG: KASAN: x in \n";
		print "\e[", "\e", "[", "[   1.", "[ T1]", "\n";
		print map { chr(int(rand(256))) } 1 .. 300000;
		print "INFO: task x blocked for more than 1 s\n", " evict+0x1/0x2\n" x 20;
		print "# guest-done\n[    9.999"
	'
}
export -f make_hostile_log

test_expect_success 'hostile log: no ASan/UBSan report' '
	make -C "$PROJECT_DIR/oracle" O="$SCRATCH/asan" \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all" &&
	make_hostile_log >hostile.log &&
	rc=0 &&
	{ "$SCRATCH/asan/oracle" hostile.log memfd_fuse fuse_evict >stdout 2>stderr || rc=$?; } &&
	cat stderr &&
	test $rc = 1 && test_must_fail test -s stderr &&
	test "$(wc -l <stdout)" = 2
'

test_expect_success 'a report line ending in a bare 0x is read within bounds (fuzz find)' '
	printf "KTAP version 1\n# x\rOops: 0002 [#1] SMP\nRIP: 0010:f+0x1/0x2\n0x" >bare0x.log &&
	rc=0 &&
	{ valgrind -q --error-exitcode=99 "$SCRATCH/out/oracle" bare0x.log \
		memfd_fuse >stdout 2>stderr || rc=$?; } &&
	cat stderr &&
	test $rc = 1 && test_must_fail test -s stderr &&
	test "$(cut -f2-4 stdout)" = "FAIL	oops	f"
'

test_expect_success 'hostile log: no valgrind errors' '
	make_hostile_log >hostile.log &&
	rc=0 &&
	{ valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite \
		"$SCRATCH/out/oracle" hostile.log memfd_fuse >stdout 2>stderr || rc=$?; } &&
	cat stderr &&
	test $rc = 1 && test_must_fail test -s stderr &&
	test "$(wc -l <stdout)" = 1
'

test_done
