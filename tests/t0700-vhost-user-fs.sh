#!/bin/bash
# vhost-user-fs, the virtio-fs back-end of the submount tests, driven
# without a guest by vhost-user-fs/test_driver: the driver plays QEMU (memory
# table, two vrings) and the guest (FUSE requests in descriptor chains).
# The back-end runs under ASan+UBSan.  Checked: a normal session, the
# lookup accounting that the host oracle relies on, and a catalogue of
# malformed input, each refused and logged with the back-end still serving,
# and the hostile front ends of issue 15 (unsealed memory, blocking or
# non-eventfd call and kick fds, a kick racing a new memory table).
# shellcheck disable=SC2016 # test bodies are expanded when they run
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

# run_case CASE: the driver against the sanitized back-end; leaves
# CASE.violations, CASE.trace and CASE.out (driver and sanitizer output).
run_case() {
	ASAN_OPTIONS=detect_leaks=1 timeout 60 san/test_driver "$1" \
		san/vhost-user-fs --violations "$1.violations" \
		--trace "$1.trace" >"$1.out" 2>&1
	local rc=$?
	cat "$1.out"
	return $rc
}

# no_violations CASE
no_violations() {
	test_grep_not . "$1.violations"
}
export -f run_case no_violations

test_expect_success 'builds warning-free, plain and with ASan+UBSan' '
	make -C "$PROJECT_DIR/vhost-user-fs" O="$SCRATCH/plain" >build.log 2>&1 &&
	make -C "$PROJECT_DIR/vhost-user-fs" O="$SCRATCH/san" SANITIZE=1 \
		>>build.log 2>&1 &&
	test -x plain/vhost-user-fs && test -x san/vhost-user-fs &&
	test -x san/test_driver
'

test_expect_success 'bad arguments: exit 2 and one usage line' '
	for args in "" "--fd 3" "--violations v" "--socket s --fd 3 --violations v" \
		"--fd x --violations v" "--bogus"; do
		rc=0
		# shellcheck disable=SC2086 # split on purpose
		{ plain/vhost-user-fs $args 2>err || rc=$?; }
		test "$rc" = 2 || return 1
		test "$(wc -l <err)" = 1 || return 1
		test_grep "^usage: vhost-user-fs " err || return 1
	done
'

test_expect_success 'session: INIT, LOOKUP, GETATTR, READDIR, OPEN, READ, FORGET, DESTROY' '
	run_case session &&
	no_violations session &&
	test_grep_not "^malformed" session.trace &&
	test_grep "^req unique=[0-9]+ opcode=READ nodeid=3$" session.trace &&
	test_grep "^req unique=[0-9]+ opcode=FORGET nodeid=2$" session.trace
'

test_expect_success 'accounting: balanced lookups, forgets and batch forgets pass' '
	run_case accounting-good &&
	no_violations accounting-good
'

test_expect_success 'accounting: use after FORGET and FORGET underflow are flagged' '
	run_case accounting-bad &&
	cat >expect <<-\EOF &&
	violation use-after-forget nodeid=2 opcode=GETATTR unique=4
	violation forget-underflow nodeid=2 count=0 n=1
	violation use-after-forget nodeid=3 opcode=GETATTR unique=6
	EOF
	test_cmp expect accounting-bad.violations
'

test_expect_success 'malformed: descriptors outside guest memory or the queue' '
	run_case bad-addr &&
	test_grep "^malformed vq 1: descriptor 5 addr 0x200000000 len 40 outside guest memory" bad-addr.trace &&
	test_grep "^malformed vq 1: descriptor 6 addr 0x1ffff0 len 256 outside guest memory" bad-addr.trace &&
	test_grep "^malformed vq 1: descriptor index 19 beyond queue size 16" bad-addr.trace &&
	no_violations bad-addr
'

test_expect_success 'malformed: looping descriptor chain' '
	run_case desc-loop &&
	test_grep "^malformed vq 1: descriptor chain from 7 longer than 16" desc-loop.trace
'

test_expect_success 'malformed: oversize readable and writable parts' '
	run_case oversize &&
	test_grep "^malformed vq 1: readable part of chain 5 longer than" oversize.trace &&
	test_grep "^malformed vq 1: writable part of chain 5 longer than" oversize.trace
'

test_expect_success 'unknown and unserved opcodes get ENOSYS' '
	run_case bad-opcode &&
	test_grep "^req unique=[0-9]+ opcode=UNKNOWN nodeid=1$" bad-opcode.trace &&
	test_grep "^req unique=[0-9]+ opcode=SETATTR nodeid=1$" bad-opcode.trace &&
	no_violations bad-opcode
'

test_expect_success 'malformed: short FUSE header, wrong header len, short argument' '
	run_case short-header &&
	test_grep "^malformed fuse request of 20 bytes, shorter than its header" short-header.trace &&
	test_grep "^malformed fuse unique=[0-9]+: header len 4000, request 40 bytes" short-header.trace &&
	test_grep "^malformed fuse unique=[0-9]+: GETATTR argument of 0 bytes" short-header.trace
'

test_expect_success 'malformed: avail index beyond the queue size, head beyond it' '
	run_case avail-jump &&
	test_grep "^malformed vq 1: avail idx [0-9]+ jumps beyond queue size 16" avail-jump.trace &&
	test_grep "^malformed vq 1: avail head 17 beyond queue size 16" avail-jump.trace
'

test_expect_success 'malformed vhost-user messages: sizes, flags, fds, memory, rings' '
	run_case bad-vhost-msg &&
	for m in "request 8: size 4, expected 8" "request 2: size 12, expected 8" \
		"request 8: flags 0x2" "request 3: more than 8 fds" \
		"request 2: 1 unexpected fds" "request 12 on vq 0: 0 fds" \
		"SET_MEM_TABLE: size 40, 1 regions, 0 fds" \
		"mem region: 0\+8388608 bytes beyond file size" \
		"request 8: vq index 9" "SET_VRING_NUM: vq 1 num 3"; do
		test_grep "^malformed vhost-user $m" bad-vhost-msg.trace || return 1
	done &&
	test_grep "^malformed vq 1: ring outside guest memory" bad-vhost-msg.trace &&
	test_grep "^vhost-user request 200 ignored" bad-vhost-msg.trace
'

test_expect_success 'unskippable payload size: logged, clean exit 1' '
	run_case huge-size &&
	test_grep "^malformed vhost-user request 2: payload size 268435456" huge-size.trace
'

test_expect_success 'fuzz: 3000 random descriptor chains and FUSE requests' '
	run_case fuzz &&
	test_grep "^malformed vq 1: indirect descriptor" fuzz.trace &&
	test_grep "^req unique=[0-9]+ opcode=LOOKUP " fuzz.trace
'

test_expect_success 'fuzz: 5000 random vhost-user messages' '
	run_case fuzz-vhost &&
	test_grep "^malformed vhost-user request [0-9]+: size" fuzz-vhost.trace &&
	test_grep "^front-end disconnected" fuzz-vhost.trace
'

# Hostile front ends (issue 15): each block failed before its fix.
test_expect_success 'unsealed guest memory shrunk after SET_MEM_TABLE: refused, no SIGBUS' '
	run_case unsealed-shrink &&
	test_grep "^malformed vhost-user mem region: fd not sealed against shrinking \(F_SEAL_SHRINK\)" unsealed-shrink.trace &&
	test_grep_not "^mem region gpa=" unsealed-shrink.trace
'

test_expect_success 'blocking call eventfd at its maximum count: requests still served' '
	run_case call-full &&
	test_grep "^req unique=[0-9]+ opcode=STATFS" call-full.trace
'

test_expect_success 'call fd that is a full pipe nobody reads: refused, rings keep going' '
	run_case call-pipe &&
	test_grep "^malformed vhost-user request 13 on vq 1: fd is pipe:\[[0-9]+\], not an eventfd" call-pipe.trace
'

test_expect_success 'kick fd a pipe without writer, a regular file, /dev/zero: refused, idle back-end runnable under half the time (spinning: ~100%)' '
	run_case kick-bad &&
	for k in "pipe:\[[0-9]+\]" "/[^ ]*/kick-file\.[^ ]+ \(deleted\)" "/dev/zero"; do
		test_grep "^malformed vhost-user request 12 on vq 1: fd is $k, not an eventfd" kick-bad.trace || return 1
	done &&
	test "$(grep -Ec "back-end runnable [0-9]+% of the time while idle" kick-bad.out)" = 3 &&
	test "$(wc -l <kick-bad.trace)" -lt 500
'

test_expect_success 'kick seen together with an earlier SET_MEM_TABLE: served against the new table' '
	run_case mem-table-then-kick &&
	test_grep "^mem region gpa=0x300000000 " mem-table-then-kick.trace &&
	test_grep_not "^malformed" mem-table-then-kick.trace
'

if command -v qemu-system-x86_64 >/dev/null; then
	test_expect_success 'QEMU vhost-user-fs-pci connects over --socket, back-end exits 0 after quit' '
		san/vhost-user-fs --socket "$SCRATCH/vu.sock" --violations q.violations \
			--trace q.trace 2>q.err &
		pid=$!
		wait_for_socket "$SCRATCH/vu.sock" &&
		echo quit | timeout 30 qemu-system-x86_64 -nodefaults -display none -S \
			-object memory-backend-memfd,id=mem,size=256M,share=on \
			-machine q35,memory-backend=mem \
			-chardev socket,id=char0,path="$SCRATCH/vu.sock" \
			-device vhost-user-fs-pci,chardev=char0,tag=testfs,queue-size=128 \
			-monitor stdio >q.out 2>&1 &&
		wait $pid &&
		test_grep "^vhost-user request 1 size 0" q.trace &&
		test_grep "^front-end disconnected" q.trace &&
		test_grep_not "^malformed" q.trace
	'
else
	test_skip 'QEMU vhost-user-fs-pci handshake' 'no qemu-system-x86_64'
fi

test_done
