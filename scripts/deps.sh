#!/bin/bash
# deps.sh: install the Debian packages the project needs, once.  As root it
# runs apt-get; otherwise it prints the exact command and stops.
# ARCHS= adds each selected arch's cross toolchain and emulator.
. "$(dirname "$0")/lib.sh"

pkgs=(git make gcc libc6-dev flex bison bc libelf-dev libssl-dev xz-utils cpio
	perl python3 jq ccache quilt sparse coccinelle b4 git-email
	libfuse-dev pkg-config valgrind "$EMBEDDED_PACKAGE" "$CHECKPATCH_PACKAGE")
for a in $(selected_arches); do
	arch_load "$a"
	pkgs+=("$QEMU_PACKAGE" "$TOOLCHAIN_PACKAGE" ${EXTRA_PACKAGES:-})
done

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	die "missing Debian packages; as root run: apt-get install -y ${missing[*]}"
fi
note "installing ${missing[*]}"
t0=$(date +%s%N)
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
note "installed ${#missing[@]} package(s) in $(elapsed_since "$t0") s"
