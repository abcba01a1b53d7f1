#!/bin/bash
# kernel-config.sh ARCH OUT: write the test kernel's .config for ARCH to
# OUT: tinyconfig + kernel/configs/kvm_guest.config + our
# kconfig/ fragments, merged by the kernel's own merge_config.sh, then
# olddefconfig.  merge_config only warns when an option is dropped; here a
# dropped option is an error that names it.  The config is made in a
# directory of its own, so that the build directory's .config (and with it
# every object) is only touched when the result differs.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

arch_load "${1:?usage: kernel-config.sh ARCH OUT}"
out=${2:?usage: kernel-config.sh ARCH OUT}
B=$(build_dir).kconfig
export KBUILD_OUT=$B
T=$(source_dir)
mkdir -p "$B"
mapfile -t frags < <(kconfig_fragments)

kmake -s tinyconfig
(cd "$B" && KCONFIG_CONFIG=.config "$T/scripts/kconfig/merge_config.sh" -m -O "$B" "$B/.config" \
	"$T/kernel/configs/kvm_guest.config" "${frags[@]}") >"$B/merge_config.log" 2>&1 ||
	die "merge_config.sh failed: see $B/merge_config.log"
kmake -s olddefconfig

missing=()
for f in "${frags[@]}"; do
	# shellcheck disable=SC2094 # $f is only read, its name only printed
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) want=$line ;;
		"# CONFIG_"*" is not set") want=$line ;;
		*) continue ;;
		esac
		opt=${want#\# }
		opt=${opt%%[= ]*}
		got=$(grep -E "^($opt=|# $opt is not set)" "$B/.config" || true)
		# An option asked to be unset may also be absent altogether.
		if [ "$got" != "$want" ] && ! { [[ $want == "# "* ]] && [ -z "$got" ]; }; then
			missing+=("$opt (asked '$want' in $(basename "$f"), got '${got:-absent}')")
		fi
	done <"$f"
done
if [ ${#missing[@]} -gt 0 ]; then
	printf 'kernel-config: dropped by Kconfig: %s\n' "${missing[@]}" >&2
	die "${#missing[@]} option(s) from kconfig/ did not survive olddefconfig, first: ${missing[0]}"
fi
cp "$B/.config" "$out"
echo "kernel-config: $ARCH_NAME .config ok: every option of ${#frags[@]} fragment(s) present"
