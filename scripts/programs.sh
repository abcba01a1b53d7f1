#!/bin/bash
# programs.sh host | programs.sh guest ARCH: build this project's C programs
# once for their content into the cache; print the directory that holds them.
#
#   host        oracle/ and vhost-user-fs/: oracle, vhost-user-fs, test_driver,
#               with ${CC:-gcc}
#   guest ARCH  guest/: init, memfd_fuse, fuse_evict, virtiofs_submount,
#               virtiofs_kmemleak
#               (static), with the ${CROSS_COMPILE}gcc of arches/ARCH.conf
#
# The directory is $CACHE_DIR/programs/host-KEY or guest-ARCH-KEY, KEY the
# sha256 (16 hex) of the programs' sources, headers and Makefiles,
# mk/prog.mk, this script, and the compiler's name and `--version` line.
# When it already holds the programs (its .programs lists them) it is
# printed at once: no make runs.  Otherwise everything is built into a
# temporary directory beside it, with mk/prog.mk's policy alone (CFLAGS,
# LDFLAGS, LDLIBS and SANITIZE of the environment are not used: the key
# does not see them), and moved into place; of two builds at once, the
# first to move wins and the other uses its directory.  A failed build
# dies with one line (the compiler's first error and the log's path) and
# leaves no directory.
#
# programs.sh --key host | --key guest ARCH: only the KEY, nothing built
# (guest-image.sh keys the initrd by it).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	die "usage: programs.sh host | programs.sh guest ARCH (one of: $(arch_names | tr '\n' ' ')), --key first for the key alone"
}

key_only=0
[ "${1:-}" != --key ] || { key_only=1; shift; }
case ${1:-} in
host)
	[ $# = 1 ] || usage
	dirs=(oracle vhost-user-fs)
	cross=""
	cc=${CC:-gcc}
	name=host
	package=gcc
	;;
guest)
	if [ $# != 2 ] || ! [[ $2 =~ ^[A-Za-z0-9_]+$ ]]; then usage; fi
	arch_load "$2"
	dirs=(guest)
	cross=${CROSS_COMPILE:-}
	cc=${cross}gcc
	name=guest-$ARCH_NAME
	package=$TOOLCHAIN_PACKAGE
	;;
*) usage ;;
esac

read -r -a cc_words <<<"$cc"
[ ${#cc_words[@]} -gt 0 ] || die "CC is blank: unset it, or name a compiler"
require_tool "${cc_words[0]}" "$package"
version=$("${cc_words[@]}" --version 2>/dev/null | head -n 1 || true)
[ -n "$version" ] || die "'$cc --version' printed nothing: is $cc a C compiler?"

files=()
for d in "${dirs[@]}"; do
	files+=("$PROJECT_DIR/$d"/*.[ch] "$PROJECT_DIR/$d/Makefile")
done
files+=("$PROJECT_DIR/mk/prog.mk" "$PROJECT_DIR/scripts/programs.sh")
key=$(hash_string "$name $cc $version $(hash_files "${files[@]}")")
out=$CACHE_DIR/programs/$name-$key
[ $key_only = 0 ] || { echo "$key"; exit 0; }

# complete DIR: DIR holds every program its .programs names.
complete() {
	local p
	[ -s "$1/.programs" ] || return 1
	while read -r p; do
		[ -x "$1/$p" ] || return 1
	done <"$1/.programs"
}

if complete "$out"; then
	echo "$out"
	exit 0
fi

require_tool make make
mkdir -p "$CACHE_DIR/programs"
tmp=$(mktemp -d "$CACHE_DIR/programs/.$name-$key.XXXXXX")
log=$tmp.log
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

jobs=$(make_jobs "$(nproc)")
t0=$(date +%s%N)
for d in "${dirs[@]}"; do
	# The policy is mk/prog.mk's alone: the user's flags are not in the key.
	if ! make ${jobs:+"$jobs"} -s -C "$PROJECT_DIR/$d" O="$tmp" CC="$cc" \
		CROSS_COMPILE="$cross" CFLAGS= LDFLAGS= LDLIBS= SANITIZE= all >>"$log" 2>&1; then
		first=$(grep -m1 -E 'error|Error' "$log" || head -n 1 "$log")
		die "building $d/ for $name failed: ${first:-make said nothing} (whole log: $log)"
	fi
	progs=$(make -s -C "$PROJECT_DIR/$d" O="$tmp" print-progs 2>>"$log") ||
		die "make -C $d print-progs failed (log: $log)"
	for p in $progs; do
		[ -x "$tmp/$p" ] || die "make -C $d built no $p (log: $log)"
		echo "$p" >>"$tmp/.programs"
	done
done
# Objects and dependency files name the temporary directory: not kept.
rm -rf "$tmp/.obj" "$log"
chmod 755 "$tmp"
# An existing directory without every program is a damaged cache entry.
if [ -e "$out" ] && ! complete "$out"; then
	rm -rf "$out"
fi
publish_dir "$tmp" "$out" complete || die "could not move the programs into $out"
trap - EXIT
# Progress on stderr only once built: a failure is the one line of die.
echo "  [$(elapsed_since "$t0")s] $name programs (${dirs[*]}) with $cc: built" >&2
echo "$out"
