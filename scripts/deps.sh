#!/bin/bash
# deps.sh: install the Debian packages the project needs, once.
#
#   deps.sh [FEATURE...]   install what `packages` names for base and each
#                          FEATURE (fuzz, mail-test, lava, lab), plus each
#                          selected arch's packages (ARCHS=, arches/*.conf)
#   deps.sh --list         every package of every feature and arch, one a line
#   deps.sh --missing [FEATURE...]  what is not installed yet, one a line
#
# As root it runs apt-get; otherwise it prints the exact command and stops.
# An arch record with DPKG_ARCH= other than the host's has that foreign
# architecture added to dpkg first.  Recommends are never installed, so
# `packages` names everything a program runs, even what a Recommends brings.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

PACKAGES_FILE=${PACKAGES_FILE:-$PROJECT_DIR/packages}

# feature_packages FEATURE...: the packages of those features, file order.
feature_packages() {
	awk -v want=" $* " '!/^[[:space:]]*#/ && NF >= 2 && index(want, " " $2 " ") { print $1 }' "$PACKAGES_FILE"
}

all_features() {
	awk '!/^[[:space:]]*#/ && NF >= 2 { print $2 }' "$PACKAGES_FILE" | awk '!seen[$0]++'
}

# arch_packages ARCH: the packages its record names.
arch_packages() {
	(
		arch_load "$1"
		# shellcheck disable=SC2086 # EXTRA_PACKAGES is a list of words
		printf '%s\n' "$QEMU_PACKAGE" "$TOOLCHAIN_PACKAGE" ${EXTRA_PACKAGES:-}
	)
}

mode=install
case ${1:-} in
--list) mode=list && shift ;;
--missing) mode=missing && shift ;;
-*) die "unknown option '$1': use --list, --missing or feature names ($(all_features | tr '\n' ' '))" ;;
esac

known=" $(all_features | tr '\n' ' ') "
for f in "$@"; do
	case $known in *" $f "*) ;; *) die "unknown feature '$f': known are${known}(see the packages file)" ;; esac
done

if [ "$mode" = list ]; then
	{
		# shellcheck disable=SC2046 # feature names are words
		feature_packages $(all_features)
		for a in $(arch_names); do arch_packages "$a"; done
	} | awk '!seen[$0]++'
	exit 0
fi

arches=$(selected_arches) || exit 1
mapfile -t pkgs < <({
	feature_packages base "$@"
	for a in $arches; do arch_packages "$a"; done
} | awk '!seen[$0]++')
foreign=()
for a in $arches; do
	arch_load "$a"
	if [ -n "${DPKG_ARCH:-}" ] && [ "$DPKG_ARCH" != "$(dpkg --print-architecture)" ] &&
		! dpkg --print-foreign-architectures | grep -qx "$DPKG_ARCH"; then
		foreign+=("$DPKG_ARCH")
	fi
done

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "$mode" = missing ]; then
	[ ${#missing[@]} = 0 ] || printf '%s\n' "${missing[@]}"
	exit 0
fi
[ ${#missing[@]} = 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	add=""
	for f in ${foreign[@]+"${foreign[@]}"}; do add="${add}dpkg --add-architecture $f && "; done
	die "missing Debian packages; as root run: ${add}apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
fi
t0=$(date +%s%N)
for f in ${foreign[@]+"${foreign[@]}"}; do
	note "adding the dpkg architecture $f (for ${missing[*]})"
	dpkg --add-architecture "$f"
done
note "installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Another apt (a second make, a helper) may hold the lock: wait for it.
apt_opts=(-o DPkg::Lock::Timeout=600)
apt-get "${apt_opts[@]}" update -qq || die "apt-get update failed: check the network and /etc/apt/sources.list"
apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
	die "apt-get install failed for: ${missing[*]} (rerun 'make deps' to see apt's own message)"
note "installed ${#missing[@]} package(s) in $(elapsed_since "$t0") s"
