#!/bin/bash
# boot.sh ARCH KERNEL INITRD TEST LOG: boot the test kernel once under QEMU
# and run one guest test (guest.tests=TEST); the serial console goes to LOG.
# Exit status: 0 the guest ended by itself, 124 it was killed after
# BOOT_TIMEOUT seconds (HANG), 5 (STEP_ERROR) nothing was booted: QEMU did
# not start or failed, or the backend never listened; the last line on
# stderr names the cause (QEMU's own message, the backend's last log line).  Tests named virtiofs_* get our vhost-user-fs
# backend on a unix socket; its violations are written to LOG.violations.
# Tests named *_kmemleak boot with kmemleak=on (lib/arch.sh guest_params).
#
#   ACCEL=kvm|tcg  skip the KVM probe (on these machines /dev/kvm exists
#                  but a KVM guest hangs at "Booting from ROM": the probe
#                  boots once with KVM and falls back to TCG, and its
#                  answer is cached per QEMU version and host kernel)
#   DRY_RUN=1      print the QEMU command and exit
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# = 5 ] || die "usage: boot.sh ARCH KERNEL INITRD TEST LOG"
arch_load "$1"
kernel=$2 initrd=$3 test=$4 log=$5
timeout_s=${BOOT_TIMEOUT:-120}
require_tool "$QEMU" "$QEMU_PACKAGE"

# qemu_cmd ACCEL APPEND: the QEMU command line, one word per line.
qemu_cmd() {
	# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
	printf '%s\n' "$QEMU" $QEMU_MACHINE -accel "$1" -nographic -no-reboot \
		-monitor none -serial stdio -kernel "$kernel" -initrd "$initrd" \
		-append "console=$CONSOLE panic=-1 oops=panic $2"
}

probe_accel() {
	if [ -n "${ACCEL:-}" ]; then
		echo "$ACCEL"
		return
	fi
	local host_arch
	host_arch=$(uname -m)
	[ "$host_arch" = aarch64 ] && host_arch=arm64
	if [ "$host_arch" != "$ARCH_NAME" ] || [ ! -w /dev/kvm ]; then
		echo tcg
		return
	fi
	# Boots that start together probe once: the others wait for the
	# lock and read the answer.  The answer is kept only when the probe
	# ran to an answer: a kernel that started (kvm), or one that did not
	# within 15 s or whose QEMU failed (tcg).  QEMU exits 0 on SIGINT: a
	# Ctrl-C'd probe says nothing, and must not pin tcg on a KVM host.
	local stamp lock plog rc=0 answer
	stamp=$CACHE_DIR/accel-probe-$ARCH_NAME-$(hash_string "$("$QEMU" --version | head -1) $(uname -r)")
	mkdir -p "$CACHE_DIR"
	exec {lock}>"$stamp.lock"
	flock "$lock"
	if [ ! -s "$stamp" ]; then
		plog=$(mktemp)
		mapfile -t cmd < <(qemu_cmd kvm "guest.tests=")
		timeout -k 2 15 "${cmd[@]}" >"$plog" 2>&1 </dev/null || rc=$?
		if grep -q 'Linux version' "$plog"; then answer=kvm; else answer=tcg; fi
		note "KVM probe: $answer ($(grep -c . "$plog") lines of serial in 15 s, exit $rc)"
		rm -f "$plog"
		if [ "$answer" = kvm ] || [ "$rc" != 0 ]; then
			echo "$answer" >"$stamp.tmp.$$"
			mv -f "$stamp.tmp.$$" "$stamp"
		fi
		echo "$answer"
		return
	fi
	cat "$stamp"
}

accel=$(probe_accel)
if [ "${DRY_RUN:-0}" = 1 ]; then
	mapfile -t cmd < <(qemu_cmd "$accel" "$(guest_params "$test")")
	backend=""
	case $test in virtiofs_*) backend=" (+ the vhost-user-fs backend and its device)" ;; esac
	echo "+ ${cmd[*]}$backend" >&2
	exit 0
fi
extra=()
backend_pid=""
case $test in
virtiofs_*)
	# QEMU is the vhost-user client: the backend must listen first.
	# The guest needs shared memory for vhost-user.
	sockdir=$(mktemp -d)
	# Built once per content (scripts/programs.sh): boots side by side
	# never build it at the same time in the same place.
	programs=${PROGRAMS_DIR:-$(bash "$PROJECT_DIR/scripts/programs.sh" host)} || exit "$STEP_ERROR"
	: >"$log.violations"
	"$programs/vhost-user-fs" --socket "$sockdir/fs.sock" \
		--violations "$log.violations" --trace "$log.backend" &
	backend_pid=$!
	for _ in $(seq 50); do [ -S "$sockdir/fs.sock" ] && break; sleep 0.1; done
	if [ ! -S "$sockdir/fs.sock" ]; then
		kill "$backend_pid" 2>/dev/null || true
		wait "$backend_pid" 2>/dev/null || true
		rm -rf "$sockdir"
		echo "$PROG: error: the vhost-user-fs backend did not listen within 5 s: $(tail -n 1 "$log.backend" 2>/dev/null || echo 'no log')" >&2
		exit "$STEP_ERROR"
	fi
	# shellcheck disable=SC2054 # commas belong to the QEMU options
	extra=(-object memory-backend-memfd,id=mem,size=512M,share=on
		-machine memory-backend=mem
		-chardev "socket,id=char0,path=$sockdir/fs.sock"
		-device vhost-user-fs-pci,chardev=char0,tag=testfs,queue-size=128)
	;;
esac

mapfile -t cmd < <(qemu_cmd "$accel" "$(guest_params "$test")")
cmd+=("${extra[@]}")
echo "+ ${cmd[*]}" >&2
rc=0
# The serial console is QEMU's stdout; its own complaints go to stderr,
# kept apart so that "QEMU never started" is never read as a guest log.
timeout --foreground -k 5 "$timeout_s" "${cmd[@]}" >"$log" 2>"$log.qemu-stderr" </dev/null || rc=$?
if [ -n "$backend_pid" ]; then
	# The backend ends when QEMU disconnects; make sure of it.
	for _ in $(seq 30); do kill -0 "$backend_pid" 2>/dev/null || break; sleep 0.1; done
	kill "$backend_pid" 2>/dev/null || true
	wait "$backend_pid" 2>/dev/null || true
	rm -rf "$sockdir"
fi
[ -s "$log.qemu-stderr" ] || rm -f "$log.qemu-stderr"
case $rc in
0) exit 0 ;;
124 | 137) exit 124 ;;
*)
	why=$(grep -m1 . "$log.qemu-stderr" 2>/dev/null || echo "no message")
	echo "$PROG: error: $QEMU exited with status $rc: $why" >&2
	exit "$STEP_ERROR"
	;;
esac
