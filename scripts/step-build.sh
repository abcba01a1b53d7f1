#!/bin/bash
# step-build.sh VARIANT ARCH: the SLUB_DEBUG test kernel of the variant's
# tree (the plan's: lib.sh plan_commit) for ARCH, out of tree in the
# build-ARCH lane (its own worktree and build directory, reused from tree
# to tree so that switching variant recompiles only what changed).
# Kernels are kept by content: $CACHE_DIR/kernels/KEY/ with KEY from the
# tree id, the arch, the config inputs and the compiler (kernel_key), so
# variants with the same tree (incremental, v5) share one.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --key ]; then
	v=${2:?usage: step-build.sh [--key] VARIANT ARCH} a=${3:?usage: step-build.sh [--key] VARIANT ARCH}
else
	v=${1:?usage: step-build.sh [--key] VARIANT ARCH} a=${2:?usage: step-build.sh [--key] VARIANT ARCH}
fi
tree=$(plan_tree "$v")
k=$(kernel_key "$tree" "$a")
store=$CACHE_DIR/kernels/$k

if [ "${1:-}" = --key ]; then
	# A verdict counts only while its kernel exists.
	echo "$k$([ -f "$store/image" ] || echo -missing)"
	exit 0
fi

summary() { echo "$*" >"$STEP_SUMMARY"; }
if [ "$tree" = none ]; then
	summary "$a: no tree: $(plan_commit "$v" 2>&1 >/dev/null | tail -n 1)"
	exit "$STEP_FAIL"
fi
arch_load "$a"
if [ -f "$store/image" ]; then
	echo "$a: kernel for tree ${tree:0:12} already built: $store/image"
	echo "kernel_$a=$store/image" >>"$FACTS"
	summary "$a: reused"
	exit 0
fi
require_tool "${CROSS_COMPILE:-}gcc" "$TOOLCHAIN_PACKAGE"
require_tool flex flex
require_tool bison bison
require_tool bc bc
require_disk "$CACHE_DIR" 2
export LANE=${LANE:-build-$a}
B=$(build_dir)
mkdir -p "$B"
lane_checkout "$(plan_commit "$v")"
t0=$(date +%s%N)
echo "== $a: .config (tinyconfig + kvm_guest.config + kconfig/*.config) on tree ${tree:0:12}"
cfg=$(mktemp)
if ! bash "$PROJECT_DIR/scripts/kernel-config.sh" "$a" "$cfg"; then
	rm -f "$cfg"
	summary "$a: the kernel's config could not be made (merge_config.sh/olddefconfig): see the log"
	exit "$STEP_ERROR"
fi
if ! cmp -s "$cfg" "$B/.config"; then cp "$cfg" "$B/.config"; fi
rm -f "$cfg"
target=$(basename "$IMAGE")
echo "== $a: make $(make_jobs) $target (O=$B, source $(source_dir))"
log=$VARIANT_DIR/build-$a.make.log
# shellcheck disable=SC2046 # make_jobs is one word or none
if ! kmake $(make_jobs) olddefconfig "$target" >"$log" 2>&1; then
	first=$(grep -m1 -E ': (fatal )?error: |Error [0-9]+|undefined reference' "$log" || tail -n 1 "$log")
	grep -m1 -B2 -A8 -E ': (fatal )?error: ' "$log" || tail -n 20 "$log"
	summary "$a: build failed: $first (full log: $log)"
	exit 1
fi
tail -n 3 "$log"
# How many objects a build of this arch makes: the live status shows a
# running build's progress against it.
find "$B" -name '*.o' | wc -l >"$CACHE_DIR/build/$(target_id)-$a.objects"
mkdir -p "$store.tmp.$$"
cp "$B/$IMAGE" "$store.tmp.$$/image"
cp "$B/.config" "$store.tmp.$$/config"
cp "$B/System.map" "$store.tmp.$$/System.map"
has_image() { [ -f "$1/image" ]; }
# A directory without an image is a damaged cache entry.
has_image "$store" || rm -rf "$store"
publish_dir "$store.tmp.$$" "$store" has_image || die "could not move the kernel into $store"
echo "kernel_$a=$store/image" >>"$FACTS"
summary "$a: built in $(elapsed_since "$t0")s"
