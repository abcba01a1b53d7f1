# shellcheck shell=bash
# lib/series.sh: the series as mailed (send.sh, am.sh) (sourced by scripts/lib.sh).

# ---- the series as mailed (send.sh, am.sh) ----------------------------------

# patch_is_mailed NAME: whether patch NAME belongs to the series; a fault
# (faults/NAME, planted for a test-only variant) never does.
patch_is_mailed() {
	! patch_is_fault "$1"
}

# variant_is_mailed V: V has patches and every one of them is mailed, so
# make am may apply it (a variant with a fault is the project's own test).
variant_is_mailed() {
	local p n=0
	while read -r p; do
		patch_is_mailed "$p" || return 1
		n=$((n + 1))
	done < <(variant_patches "$1")
	[ $n -gt 0 ]
}

# series_patches: the patch files of the mailed series, in mailing order:
# every variant's patches in the variants file's order, each once; no fault.
series_patches() {
	local v p
	for v in $(variant_names); do
		variant_patches "$v"
	done | awk '!seen[$0]++' | while read -r p; do
		! patch_is_mailed "$p" || echo "$p"
	done
}

# patch_subject FILE: the Subject of a patch file or mail, unfolded.
patch_subject() {
	awk '/^$/ { exit } s && /^[ \t]/ { sub(/^[ \t]+/, " "); s = s $0; next }
	     s { exit } /^Subject: / { s = substr($0, 10) } END { print s }' "$1"
}

# subject_title SUBJECT: the subject without its [PATCH ...] prefix.
subject_title() {
	sed -E 's/^(\[[^]]*\][[:space:]]*)+//' <<<"$1"
}
