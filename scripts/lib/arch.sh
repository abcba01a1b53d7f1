# shellcheck shell=bash
# lib/arch.sh: the arch records under arches/ (sourced by scripts/lib.sh).

# ---- architectures: one record each under arches/ ----------------------------

arch_names() {
	local f
	for f in "$PROJECT_DIR"/arches/*.conf; do basename "$f" .conf; done
}

# selected_arches: ARCHS= (comma or space separated) or every arch under
# arches/, checked.
selected_arches() {
	local words a
	for words in ${ARCHS:-$(arch_names)}; do
		for a in ${words//,/ }; do
			[ -f "$PROJECT_DIR/arches/$a.conf" ] ||
				die "unknown arch '$a' in ARCHS=: known are $(arch_names | tr '\n' ' ')(see arches/)"
			echo "$a"
		done
	done
}

# arch_load NAME: sets KERNEL_ARCH CROSS_COMPILE IMAGE QEMU QEMU_PACKAGE
# QEMU_MACHINE CONSOLE FRAGMENT TOOLCHAIN_PACKAGE from arches/NAME.conf.
arch_load() {
	[ -f "$PROJECT_DIR/arches/$1.conf" ] || die "no arches/$1.conf"
	# Optional fields must not leak from the previously loaded record.
	unset DPKG_ARCH LIBFUSE_A LIBFUSE_PACKAGE LIBFUSE_LDLIBS EXTRA_PACKAGES FRAGMENT
	# shellcheck source=/dev/null # an arch record: KEY=VALUE lines
	. "$PROJECT_DIR/arches/$1.conf"
	# shellcheck disable=SC2034 # read by the callers
	ARCH_NAME=$1
}

# kconfig_fragments: our fragments plus the arch's, in merge order.
kconfig_fragments() {
	local f
	for f in "$PROJECT_DIR"/kconfig/*.config; do
		case $(basename "$f") in arch-*) continue ;; esac
		echo "$f"
	done
	[ -z "${FRAGMENT:-}" ] || echo "$PROJECT_DIR/kconfig/$FRAGMENT"
}

# guest_params TEST: what the guest kernel's command line says for TEST,
# beyond the console: the test to run, and kmemleak=on for a test named
# *_kmemleak (kconfig/kmemleak.config builds kmemleak in, off by default,
# so only that test's boot pays for its tracking).
guest_params() {
	local p="guest.tests=$1"
	case $1 in *_kmemleak) p="$p kmemleak=on" ;; esac
	echo "$p"
}
