#!/bin/bash
# lava-jobs.sh [OUT_DIR]: the VM proof as LAVA jobs.  For each variant
# (VARIANTS=) x arch (ARCHS=) x guest test named in the variants file, one
# LAVA job definition (lava/job.yaml.in): deploy the variant's kernel and
# the guest initrd to tmpfs, boot them with QEMU as scripts/boot.sh does,
# and read the guest's KTAP with monitors.  The kernels are the ones the
# run RUN_DIR= built (default results/latest; make check-series
# STEPS=apply,build makes them).  OUT_DIR (default results/lava) gets the
# jobs, jobs.tsv (the job list: which job, what it must show, where it
# runs) and the device dictionaries.  virtiofs_* tests stay local: they
# need our vhost-user-fs backend beside QEMU, and LAVA cannot see the
# protocol violations it logs; the job list says so.
#
# lava-jobs.sh --devices [DIR]: the device dictionaries only, one local
# qemu device per arch (lava/device-qemu.yaml.in; default DIR lava/devices).
# lava-jobs.sh --job ARCH KERNEL INITRD TEST VARIANT OUT.yaml: one job
# (scripts/boot-lava.sh).
#
#   ARTIFACT_URL=  where a lab fetches the kernels and initrds: the cache
#                  (.cache/) published there (default: file:// paths of
#                  this machine's cache, for lava-run here)
#   BOOT_TIMEOUT=  seconds for the boot and the test (default 120)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

LAVA_DIR=$PROJECT_DIR/lava
timeout_s=${BOOT_TIMEOUT:-120}
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "BOOT_TIMEOUT=$timeout_s: give whole seconds"

# lava_arch: LAVA's (Debian's) name of the loaded arch, and its aliases.
lava_arch() {
	case $KERNEL_ARCH in
	x86_64) echo amd64 ;;
	arm64) echo arm64 ;;
	*) die "arches/$ARCH_NAME.conf: no LAVA architecture known for KERNEL_ARCH=$KERNEL_ARCH: add it to lava_arch in scripts/lava-jobs.sh" ;;
	esac
}
lava_arch_aliases() {
	case $KERNEL_ARCH in
	x86_64) echo "amd64, x86_64" ;;
	arm64) echo "arm64, aarch64" ;;
	esac
}

# fill TEMPLATE NAME=VALUE...: the template with each @NAME@ replaced
# (literally: values may hold any character).
fill() {
	local tmpl=$1
	shift
	awk 'BEGIN {
		for (i = 1; i < ARGC; i++) {
			eq = index(ARGV[i], "=")
			val["@" substr(ARGV[i], 1, eq - 1) "@"] = substr(ARGV[i], eq + 1)
			delete ARGV[i]
		}
		ARGC = 1
	}
	{
		out = ""
		line = $0
		while (match(line, /@[A-Z_]+@/)) {
			key = substr(line, RSTART, RLENGTH)
			out = out substr(line, 1, RSTART - 1) ((key in val) ? val[key] : key)
			line = substr(line, RSTART + RLENGTH)
		}
		print out line
	}' "$@" <"$tmpl"
}

# device_yaml ARCH: the device dictionary of the arch.
device_yaml() {
	arch_load "$1"
	local opts=() w item=""
	# One option a line: a flag with its values (-M q35, -m 512).
	# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
	for w in $QEMU_MACHINE -accel tcg -nographic -no-reboot -monitor none -serial stdio; do
		if [[ $w == -* ]] && [ -n "$item" ]; then
			opts+=("$item")
			item=$w
		else
			item=${item:+$item }$w
		fi
	done
	opts+=("$item")
	fill "$LAVA_DIR/device-qemu.yaml.in" ARCH="$ARCH_NAME" LAVA_ARCHES="$(lava_arch_aliases)" \
		QEMU="$QEMU" OPTIONS="$(printf "          - '%s'\n" "${opts[@]}")"
}

# url_of PATH: where the job fetches it from.
url_of() {
	local p
	p=$(realpath -m "$1")
	if [ -n "${ARTIFACT_URL:-}" ]; then
		local cache
		cache=$(realpath -m "$CACHE_DIR")
		if [[ $p == "$cache"/* ]]; then
			echo "${ARTIFACT_URL%/}/${p#"$cache"/}"
		else
			echo "${ARTIFACT_URL%/}/$(basename "$p")"
		fi
	else
		echo "file://$p"
	fi
}

# job_yaml ARCH KERNEL INITRD TEST VARIANT: one job.
job_yaml() {
	local a=$1 kernel=$2 initrd=$3 test=$4 v=$5 want="-"
	[[ $test =~ ^[A-Za-z0-9_]+$ ]] || die "test name '$test': letters, digits and _ only"
	[[ $v =~ ^[A-Za-z0-9_.-]+$ ]] || die "variant name '$v': letters, digits, ., _ and - only"
	arch_load "$a"
	if variant_exists "$v"; then
		want=$(variant_expect "$v" | awk -v t="$test" '$1 == t { print $2 }')
		[ -n "$want" ] || want="-"
	fi
	fill "$LAVA_DIR/job.yaml.in" JOB_NAME="fuse-submount-lookup $v $a $test" \
		JOB_TIMEOUT=$((3 * timeout_s + 120)) BOOT_TIMEOUT="$timeout_s" LAVA_ARCH="$(lava_arch)" \
		VARIANT="$v" ARCH="$a" TEST="$test" EXPECTED="$want" \
		KERNEL_URL="$(url_of "$kernel")" INITRD_URL="$(url_of "$initrd")" \
		CMDLINE="console=$CONSOLE panic=-1 oops=panic $(guest_params "$test")"
}

# write_file PATH: stdin to PATH, whole or not at all.
write_file() {
	cat >"$1.tmp.$$" && publish_file "$1.tmp.$$" "$1"
}

case ${1:-} in
--devices)
	dir=${2:-$LAVA_DIR/devices}
	mkdir -p "$dir"
	list=$(selected_arches) || exit 1
	for a in $list; do
		yaml=$(device_yaml "$a") || exit 1
		printf '%s\n' "$yaml" | write_file "$dir/qemu-$a.yaml"
		echo "$dir/qemu-$a.yaml"
	done
	exit 0
	;;
--job)
	[ $# = 7 ] || die "usage: lava-jobs.sh --job ARCH KERNEL INITRD TEST VARIANT OUT.yaml"
	[ -f "$PROJECT_DIR/arches/$2.conf" ] || die "unknown arch '$2': known are $(arch_names | tr '\n' ' ')(see arches/)"
	yaml=$(job_yaml "$2" "$3" "$4" "$5" "$6") || exit 1
	printf '%s\n' "$yaml" | write_file "$7"
	exit 0
	;;
-*) die "usage: lava-jobs.sh [OUT_DIR] | --devices [DIR] | --job ARCH KERNEL INITRD TEST VARIANT OUT.yaml" ;;
esac

out=${1:-$RESULTS_ROOT/lava}
run=${RUN_DIR:-$RESULTS_ROOT/latest}
[ -d "$run" ] || die "no run at $run: run make check-series STEPS=apply,build first (its kernels are what the jobs boot), or give RUN_DIR="
list=$(selected_variants) || exit 1
mapfile -t variants <<<"$list"
list=$(selected_arches) || exit 1
mapfile -t arches <<<"$list"

# Every kernel first: a missing one stops the whole list, nothing written.
declare -A KERNEL INITRD
for v in "${variants[@]}"; do
	for a in "${arches[@]}"; do
		k=$(sed -n "s/^kernel_$a=//p" "$run/$v/facts" 2>/dev/null | tail -n 1 || true)
		if [ -z "$k" ] || [ ! -f "$k" ]; then
			die "no $a kernel of $v in $run: run make check-series VARIANTS=$v ARCHS=$a STEPS=apply,build first"
		fi
		KERNEL[$v/$a]=$k
	done
done
for a in "${arches[@]}"; do
	arch_load "$a"
	# The initrd the run booted (boot.sh prints its QEMU command), else
	# the one guest-image.sh makes now.
	i=$(grep -h "^+ $QEMU " "$run"/*/boot.log 2>/dev/null | grep -oE -- '-initrd [^ ]+' | cut -d' ' -f2 | tail -n 1 || true)
	if [ -z "$i" ] || [ ! -f "$i" ]; then
		i=$(bash "$PROJECT_DIR/scripts/guest-image.sh" "$a") ||
			die "could not make the $a guest initrd (scripts/guest-image.sh $a)"
	fi
	INITRD[$a]=$i
done

rm -rf "$out.tmp.$$"
mkdir -p "$out.tmp.$$"
trap 'rm -rf "$out.tmp.$$"' EXIT
printf '# job\tvariant\tarch\ttest\texpected\truns on\n' >"$out.tmp.$$/jobs.tsv"
n=0
for a in "${arches[@]}"; do
	device_yaml "$a" >"$out.tmp.$$/qemu-$a.yaml"
done
for v in "${variants[@]}"; do
	while read -r t want; do
		[ -n "$t" ] || continue
		for a in "${arches[@]}"; do
			case $t in
			virtiofs_*)
				printf '%s\t%s\t%s\t%s\t%s\t%s\n' - "$v" "$a" "$t" "$want" \
					"local (scripts/boot.sh): needs the vhost-user-fs backend beside QEMU, and LAVA cannot see its protocol violations" \
					>>"$out.tmp.$$/jobs.tsv"
				continue
				;;
			esac
			job=$v-$a-$t.yaml
			job_yaml "$a" "${KERNEL[$v/$a]}" "${INITRD[$a]}" "$t" "$v" >"$out.tmp.$$/$job"
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$job" "$v" "$a" "$t" "$want" "lava (device qemu-$a.yaml)" \
				>>"$out.tmp.$$/jobs.tsv"
			n=$((n + 1))
		done
	done < <(variant_expect "$v")
done
rm -rf "$out"
publish_file "$out.tmp.$$" "$out"
trap - EXIT
echo "lava-jobs: $n jobs, ${#arches[@]} device(s) in $out (list: $out/jobs.tsv)"
