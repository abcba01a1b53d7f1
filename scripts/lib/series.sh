# shellcheck shell=bash
# lib/series.sh: the series as mailed (send.sh, am.sh) (sourced by scripts/lib.sh).

# ---- the series as mailed (send.sh, am.sh) ----------------------------------

# series_patches: the patch files of the mailed series, in mailing order:
# every variant's patches in the variants file's order, each once.
series_patches() {
	local v
	for v in $(variant_names); do
		variant_patches "$v"
	done | awk '!seen[$0]++'
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
