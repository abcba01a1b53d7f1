#!/bin/bash
# step-build.sh VARIANT: build the SLUB_DEBUG test kernel of the variant's
# tree for each selected arch (ARCHS=), out of tree in one build directory
# per target and arch, reused across variants so that switching variant
# recompiles only what changed in fs/fuse.  Kernels are kept per tree id:
# variants with the same tree (incremental, v5) share one.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

v=${2:-${1:-}}
list=$(selected_arches) || exit 1
mapfile -t arches <<<"$list"

# kernel_key ARCH: what the kernel image depends on.
kernel_key() {
	local tree=$1
	arch_load "$2"
	mapfile -t frags < <(kconfig_fragments)
	hash_string "$tree $2 $(hash_files "$PROJECT_DIR/arches/$2.conf" "${frags[@]}" "$PROJECT_DIR/scripts/kernel-config.sh") $("${CROSS_COMPILE:-}gcc" --version 2>/dev/null | head -1)"
}

tree=$(tgit rev-parse -q --verify "$(variant_ref "$v")^{tree}" || echo none)
if [ "${1:-}" = --key ]; then
	keys=""
	for a in "${arches[@]}"; do
		k=$(kernel_key "$tree" "$a")
		[ -f "$CACHE_DIR/kernels/$k/image" ] || k="$k-missing"
		keys="$keys $a:$k"
	done
	echo "$keys"
	exit 0
fi

[ "$tree" != none ] || { echo "no tree: run the apply step first (STEPS=apply,build)" >"$STEP_SUMMARY"; exit "$STEP_ERROR"; }
built=()
for a in "${arches[@]}"; do
	k=$(kernel_key "$tree" "$a")
	arch_load "$a"
	store=$CACHE_DIR/kernels/$k
	if [ -f "$store/image" ]; then
		echo "$a: kernel for tree ${tree:0:12} already built: $store/image"
		echo "kernel_$a=$store/image" >>"$FACTS"
		built+=("$a: reused")
		continue
	fi
	require_tool "${CROSS_COMPILE:-}gcc" "$TOOLCHAIN_PACKAGE"
	require_tool flex flex
	require_tool bison bison
	require_tool bc bc
	require_disk "$CACHE_DIR" 2
	B=$(build_dir)
	mkdir -p "$B"
	tgit checkout -q -f --detach "$(variant_ref "$v")"
	t0=$(date +%s%N)
	echo "== $a: .config (tinyconfig + kvm_guest.config + kconfig/*.config)"
	cfg=$(mktemp)
	if ! bash "$PROJECT_DIR/scripts/kernel-config.sh" "$a" "$cfg"; then
		rm -f "$cfg"
		echo "$a: the kernel's config could not be made (merge_config.sh/olddefconfig): see the log" >"$STEP_SUMMARY"
		exit "$STEP_ERROR"
	fi
	if ! cmp -s "$cfg" "$B/.config"; then cp "$cfg" "$B/.config"; fi
	rm -f "$cfg"
	target=$(basename "$IMAGE")
	echo "== $a: make -j$(nproc) $target (O=$B)"
	log=$VARIANT_DIR/build-$a.make.log
	if ! kmake -j"$(nproc)" olddefconfig "$target" >"$log" 2>&1; then
		first=$(grep -m1 -E ': (fatal )?error: |Error [0-9]+|undefined reference' "$log" || tail -n 1 "$log")
		grep -m1 -B2 -A8 -E ': (fatal )?error: ' "$log" || tail -n 20 "$log"
		echo "$a: build failed: $first (full log: $log)" >"$STEP_SUMMARY"
		exit 1
	fi
	tail -n 3 "$log"
	mkdir -p "$store.tmp"
	cp "$B/$IMAGE" "$store.tmp/image"
	cp "$B/.config" "$store.tmp/config"
	cp "$B/System.map" "$store.tmp/System.map"
	rm -rf "$store"
	mv "$store.tmp" "$store"
	echo "kernel_$a=$store/image" >>"$FACTS"
	built+=("$a: built in $(elapsed_since "$t0")s")
done
echo "${built[*]}" >"$STEP_SUMMARY"
