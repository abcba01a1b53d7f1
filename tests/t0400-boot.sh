#!/bin/bash
# scripts/boot.sh tells "nothing was booted" apart from a kernel verdict:
# QEMU that does not start and a backend that never listens are ERROR
# (exit 5) naming the cause, never a serial log for the oracle to judge.
# No kernel is needed: QEMU and the backend are stand-ins that fail the way
# the real ones do.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

export CACHE_DIR=$SCRATCH/cache ACCEL=tcg BOOT_TIMEOUT=20
BOOT=$PROJECT_DIR/scripts/boot.sh
export BOOT
mkdir -p "$SCRATCH/fake"
# QEMU as it answers a bad option: one line on stderr, exit 1.
cat >"$SCRATCH/fake/qemu-system-x86_64" <<'EOF2'
#!/bin/sh
echo "qemu-system-x86_64: -accel tcg: invalid accelerator tcg" >&2
exit 1
EOF2
# QEMU that boots a guest which ends by itself (exit 0).
cat >"$SCRATCH/fake-ok-qemu" <<'EOF2'
#!/bin/sh
echo "KTAP version 1"
exit 0
EOF2
# QEMU that never ends.
cat >"$SCRATCH/fake-hang-qemu" <<'EOF2'
#!/bin/sh
echo "Linux version 6.1"
exec sleep 60
EOF2
chmod +x "$SCRATCH"/fake/* "$SCRATCH"/fake-*-qemu
export FAKE=$SCRATCH/fake

test_expect_success 'QEMU that does not start: ERROR (exit 5) with QEMU s own message' '
	test_expect_code() { rc=0; "$@" || rc=$?; test $rc = 5; } &&
	PATH=$FAKE:$PATH test_expect_code bash "$BOOT" x86_64 k i memfd_fuse log 2>err &&
	tail -n 1 err >last &&
	test_grep "^boot: error: qemu-system-x86_64 exited with status 1: qemu-system-x86_64: -accel tcg: invalid accelerator tcg$" last &&
	test_must_fail test -s log
'
test_expect_success 'a guest that ends by itself: exit 0, its console in the log' '
	cp "$SCRATCH/fake-ok-qemu" "$FAKE/qemu-system-x86_64" &&
	PATH=$FAKE:$PATH bash "$BOOT" x86_64 k i memfd_fuse log 2>err &&
	test_grep "^KTAP version 1$" log
'
test_expect_success 'a guest that never ends: killed after BOOT_TIMEOUT, exit 124 (HANG)' '
	cp "$SCRATCH/fake-hang-qemu" "$FAKE/qemu-system-x86_64" &&
	rc=0 && { PATH=$FAKE:$PATH BOOT_TIMEOUT=2 bash "$BOOT" x86_64 k i memfd_fuse log 2>err || rc=$?; } &&
	test $rc = 124
'
test_expect_success 'a vhost-user-fs backend that never listens: ERROR naming its last log line' '
	cp "$SCRATCH/fake-ok-qemu" "$FAKE/qemu-system-x86_64" &&
	# The host programs as check-series passes them (PROGRAMS_DIR), with a
	# backend that fails to bind.
	mkdir -p progs &&
	printf "#!/bin/sh\\nwhile [ \$# -gt 0 ]; do [ \"\$1\" = --trace ] && echo \"bind: Permission denied\" >\"\$2\"; shift; done\\nexit 1\\n" \
		>progs/vhost-user-fs &&
	chmod +x progs/vhost-user-fs &&
	rc=0 && { PROGRAMS_DIR=$PWD/progs PATH=$FAKE:$PATH bash "$BOOT" x86_64 k i virtiofs_submount log 2>err || rc=$?; } &&
	test $rc = 5 &&
	test_grep "^boot: error: the vhost-user-fs backend did not listen within 5 s: bind: Permission denied$" err
'

# The KVM probe (ACCEL unset): its answer is kept when it ran to one, and
# not when QEMU ended with nothing to say (exit 0 with no kernel line is
# what a Ctrl-C'd QEMU does): that must not pin TCG on a KVM host.  Each
# case gets its own stand-in version, so its own stamp.
if [ "$(uname -m)" = x86_64 ] && [ -w /dev/kvm ]; then
	test_expect_success 'the KVM probe keeps kvm and tcg answers, not an interrupted probe' '
		mkdir -p probe "$CACHE_DIR" &&
		probe_case() { # VERSION SCRIPT-BODY: the dry run s -accel, the stamp
			printf "#!/bin/sh\n[ \"\$1\" != --version ] || { echo \"QEMU emulator version %s\"; exit 0; }\n%s\n" \
				"$1" "$2" >probe/qemu-system-x86_64 && chmod +x probe/qemu-system-x86_64 &&
			(unset ACCEL; PATH=$PWD/probe:$PATH DRY_RUN=1 bash "$BOOT" x86_64 k i memfd_fuse log) 2>&1 |
				grep -o -- "-accel [a-z]*" &&
			{ cat "$CACHE_DIR"/accel-probe-x86_64-* 2>/dev/null || :; } && rm -f "$CACHE_DIR"/accel-probe-x86_64-*
		} &&
		probe_case 1 "exit 0" >got &&
		printf -- "-accel tcg\n" >exp && test_cmp exp got &&
		probe_case 2 "echo Linux version 6.1; exit 0" >got &&
		printf -- "-accel kvm\nkvm\n" >exp && test_cmp exp got &&
		probe_case 3 "echo no kvm >&2; exit 1" >got &&
		printf -- "-accel tcg\ntcg\n" >exp && test_cmp exp got
	'
fi
test_done
