#!/bin/bash
# deps.sh: install the Debian packages the project needs, once.  As root it
# runs apt-get; otherwise it prints the exact command and stops.
# ARCHS= adds each selected arch's cross toolchain and emulator, and the
# packages its record names (EXTRA_PACKAGES); a record with DPKG_ARCH= other
# than the host's has its foreign architecture added to dpkg first.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

pkgs=(git make gcc libc6-dev flex bison bc libelf-dev libssl-dev xz-utils cpio
	perl python3 jq ccache quilt sparse coccinelle b4 git-email
	libfuse-dev pkg-config valgrind "$EMBEDDED_PACKAGE" "$CHECKPATCH_PACKAGE")
foreign=()
arches=$(selected_arches) || exit 1
for a in $arches; do
	unset DPKG_ARCH EXTRA_PACKAGES
	arch_load "$a"
	# shellcheck disable=SC2206 # EXTRA_PACKAGES is a list of words
	pkgs+=("$QEMU_PACKAGE" "$TOOLCHAIN_PACKAGE" ${EXTRA_PACKAGES:-})
	if [ -n "${DPKG_ARCH:-}" ] && [ "$DPKG_ARCH" != "$(dpkg --print-architecture)" ] &&
		! dpkg --print-foreign-architectures | grep -qx "$DPKG_ARCH"; then
		foreign+=("$DPKG_ARCH")
	fi
done

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	add=""
	for f in ${foreign[@]+"${foreign[@]}"}; do add="${add}dpkg --add-architecture $f && "; done
	[ -z "$add" ] || add="${add}apt-get update && "
	die "missing Debian packages; as root run: ${add}apt-get install -y ${missing[*]}"
fi
t0=$(date +%s%N)
for f in ${foreign[@]+"${foreign[@]}"}; do
	note "adding the dpkg architecture $f (for ${missing[*]})"
	dpkg --add-architecture "$f"
done
note "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
note "installed ${#missing[@]} package(s) in $(elapsed_since "$t0") s"
