#!/bin/bash
# The arm64 record (arches/arm64.conf) and what reads it: arch selection,
# its kconfig fragment, the cross-built guest programs, the QEMU command
# boot.sh makes for it, the virt board with the virtio-fs memory backend,
# and the one-line errors naming the package of a missing cross tool.
# The real arm64 serial logs are judged by t0600 (tests/data/serial).
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

test_expect_success 'arm64 record: every variable arch_load names, as x86_64 has them' '
	for a in x86_64 arm64; do
		(
			. "$PROJECT_DIR/scripts/lib.sh" &&
			arch_load "$a" &&
			for v in KERNEL_ARCH IMAGE QEMU QEMU_PACKAGE QEMU_MACHINE CONSOLE TOOLCHAIN_PACKAGE; do
				[ -n "${!v}" ] || { echo "$a: $v empty" >&2; exit 1; }
			done &&
			[ -n "${CROSS_COMPILE+x}" ] && [ -n "${FRAGMENT+x}" ] &&
			if [ -n "$FRAGMENT" ]; then test -f "$PROJECT_DIR/kconfig/$FRAGMENT"; fi &&
			echo "$ARCH_NAME $KERNEL_ARCH $CONSOLE"
		) || exit 1
	done >actual &&
	printf "%s\n" "x86_64 x86_64 ttyS0" "arm64 arm64 ttyAMA0" >expect &&
	test_cmp expect actual
'

test_expect_success 'ARCHS= selects arm64, alone or with x86_64; unknown arches are named' '
	sel() { ARCHS=$1 bash -c ". \"$PROJECT_DIR/scripts/lib.sh\"; selected_arches" | tr "\n" " "; } &&
	test "$(sel arm64)" = "arm64 " &&
	test "$(sel x86_64,arm64)" = "x86_64 arm64 " &&
	test "$(sel "arm64 x86_64")" = "arm64 x86_64 " &&
	test_must_fail sel aarch64 2>sel.err &&
	test_grep "unknown arch .aarch64. in ARCHS=: known are arm64 x86_64" sel.err
'

test_expect_success 'arm64 kconfig: the shared fragments, then arch-arm64.config last' '
	(
		. "$PROJECT_DIR/scripts/lib.sh" && arch_load arm64 && kconfig_fragments
	) >frags &&
	test "$(tail -n 1 frags)" = "$PROJECT_DIR/kconfig/arch-arm64.config" &&
	test_grep_not "arch-x86" frags &&
	for opt in CONFIG_SERIAL_AMBA_PL011_CONSOLE=y CONFIG_ARM_PSCI_FW=y CONFIG_PCI_HOST_GENERIC=y; do
		grep -qx "$opt" "$PROJECT_DIR/kconfig/arch-arm64.config" || { echo "no $opt" >&2; exit 1; }
	done
'

if command -v aarch64-linux-gnu-gcc >/dev/null; then
	test_expect_success 'guest programs cross-build for arm64: -Werror, static, aarch64' '
		make -C "$PROJECT_DIR/guest" O="$SCRATCH/out" CROSS_COMPILE=aarch64-linux-gnu- \
			>build.log 2>&1 &&
		test_grep "-Wall -Wextra -Werror -static" build.log &&
		for p in init memfd_fuse fuse_evict virtiofs_submount; do
			readelf -h "out/$p" >hdr &&
			test_grep "Machine: +AArch64" hdr &&
			readelf -l "out/$p" >phdrs &&
			test_grep_not INTERP phdrs || exit 1
		done
	'
else
	test_skip 'guest programs cross-build for arm64' 'no aarch64-linux-gnu-gcc (make deps ARCHS=arm64)'
fi

test_expect_success 'boot.sh: the arm64 QEMU command (virt, TCG on this host, ttyAMA0)' '
	: >kernel && : >initrd &&
	DRY_RUN=1 ACCEL= CACHE_DIR=$SCRATCH/cache bash "$PROJECT_DIR/scripts/boot.sh" \
		arm64 kernel initrd memfd_fuse boot.log 2>cmd ||
		{ cat cmd; exit 1; }
	test_grep "^\+ qemu-system-aarch64 -M virt -cpu cortex-a57 -m 512 -accel tcg -nographic -no-reboot " cmd &&
	test_grep " -kernel kernel -initrd initrd -append console=ttyAMA0 panic=-1 oops=panic guest.tests=memfd_fuse$" cmd
'

# PATH without the arm64 cross tools and emulator, all else as it is.
hide_arm64_tools() {
	mkdir -p nopath &&
	for d in /usr/local/bin /usr/bin /bin /usr/sbin /sbin; do
		[ -d "$d" ] || continue
		for f in "$d"/*; do
			case ${f##*/} in aarch64-linux-gnu-* | qemu-system-aarch64) continue ;; esac
			[ -e "nopath/${f##*/}" ] || ln -s "$f" "nopath/${f##*/}"
		done
	done
}
export -f hide_arm64_tools

test_expect_success 'a missing cross compiler or emulator: one line naming the package' '
	hide_arm64_tools &&
	: >kernel && : >initrd &&
	test_must_fail env PATH="$SCRATCH/nopath" CACHE_DIR="$SCRATCH/cache" \
		bash "$PROJECT_DIR/scripts/guest-image.sh" arm64 >gi.out 2>gi.err &&
	test "$(grep -c "error" gi.err)" = 1 &&
	test_grep "^guest-image: error: .aarch64-linux-gnu-gcc. not found: install it with .apt-get install gcc-aarch64-linux-gnu." gi.err &&
	test_must_fail env PATH="$SCRATCH/nopath" CACHE_DIR="$SCRATCH/cache" \
		bash "$PROJECT_DIR/scripts/boot.sh" arm64 kernel initrd memfd_fuse boot.log 2>boot.err &&
	test "$(wc -l <boot.err)" = 1 &&
	test_grep "^boot: error: .qemu-system-aarch64. not found: install it with .apt-get install qemu-system-arm." boot.err
'

if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	test_expect_success 'deps.sh ARCHS=arm64 as a user: nothing missing, or the exact root command' '
		rc=0
		{ ARCHS=arm64 HOME=/ setpriv --reuid=nobody --regid=nogroup --clear-groups \
			bash "$PROJECT_DIR/scripts/deps.sh" >deps.out 2>deps.err || rc=$?; }
		if [ $rc = 0 ]; then
			test_must_fail test -s deps.err
		else
			test "$(wc -l <deps.err)" = 1 &&
			test_grep "^deps: error: missing Debian packages; as root run: " deps.err &&
			if ! dpkg --print-foreign-architectures | grep -qx arm64; then
				test_grep "run: dpkg --add-architecture arm64 && apt-get update && apt-get install -y .*libfuse-dev:arm64" deps.err
			fi
		fi
	'
else
	test_skip 'deps.sh ARCHS=arm64 as a user' 'no setpriv or no user nobody'
fi

if command -v qemu-system-aarch64 >/dev/null; then
	test_expect_success 'arm64 machine takes the virtio-fs memory backend and vhost-user-fs-pci' '
		make -C "$PROJECT_DIR/vhost-user-fs" O="$SCRATCH/vu" >vu.log 2>&1 &&
		(. "$PROJECT_DIR/scripts/lib.sh" && arch_load arm64 && echo "$QEMU $QEMU_MACHINE") >qemu &&
		{ vu/vhost-user-fs --socket "$SCRATCH/vu.sock" --violations q.violations \
			--trace q.trace 2>q.err & } &&
		pid=$! &&
		wait_for_socket "$SCRATCH/vu.sock" &&
		# shellcheck disable=SC2046 # the record is a list of words
		echo quit | timeout 30 $(cat qemu) -nodefaults -display none -S \
			-object memory-backend-memfd,id=mem,size=512M,share=on \
			-machine memory-backend=mem \
			-chardev socket,id=char0,path="$SCRATCH/vu.sock" \
			-device vhost-user-fs-pci,chardev=char0,tag=testfs,queue-size=128 \
			-monitor stdio >q.out 2>&1 ||
			{ cat q.out; kill $pid; exit 1; }
		wait $pid &&
		test_grep "^vhost-user request 1 size 0" q.trace &&
		test_grep "^front-end disconnected" q.trace &&
		test_grep_not "^malformed" q.trace
	'
else
	test_skip 'arm64 machine with the virtio-fs memory backend' 'no qemu-system-aarch64 (make deps ARCHS=arm64)'
fi

test_done
