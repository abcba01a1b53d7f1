#!/bin/bash
# step-checkpatch.sh VARIANT: scripts/checkpatch.pl --strict on each patch
# of the variant (the mailed one and, on the embedded target, the backport
# actually applied), with the newest checkpatch at hand: always Debian's
# 6.12 one, and the user's tree's own when LINUX_TREE is given.  Findings
# listed in checkpatch-waivers are accepted; any other fails the step.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

v=${2:-${1:-}}
WAIVERS=${CHECKPATCH_WAIVERS:-$PROJECT_DIR/checkpatch-waivers}
CP612=$CACHE_DIR/checkpatch-6.12

mapfile -t names < <(variant_patches "$v")
files=()
for n in ${names[@]+"${names[@]}"}; do
	f=$(patch_file "$n")
	# A planted fault (faults/NAME) is checked as applied: it has no
	# linux-next original under patches/.
	patch_is_mailed "$n" || { files+=("$f") && continue; }
	files+=("$PATCHES_DIR/$n")
	[ "$f" = "$PATCHES_DIR/$n" ] || files+=("$f")
done

if [ "${1:-}" = --key ]; then
	[ ${#files[@]} -gt 0 ] || exit "$KEY_NA"
	user_cp=-
	[ -z "${LINUX_TREE:-}" ] || user_cp=$(tgit rev-parse "$(base_ref v4):scripts/checkpatch.pl")
	echo "$(hash_files "${files[@]}" "$WAIVERS") $(stat -c '%s %Y' "$CHECKPATCH_TARBALL" 2>/dev/null) $user_cp"
	exit 0
fi

has_checkpatch() { [ -f "$1/scripts/checkpatch.pl" ]; }

# checkpatch_612: extract checkpatch and its data files from Debian's 6.12
# source once (a few seconds: xz must read the whole tarball).
checkpatch_612() {
	local lock
	# Jobs that find it missing together extract it once: one at a time,
	# each looking again once it holds the lock.
	has_checkpatch "$CP612" || { exec {lock}>"$CACHE_DIR/.checkpatch-6.12.lock" && flock "$lock"; }
	if ! has_checkpatch "$CP612"; then
		require_file "$CHECKPATCH_TARBALL" "$CHECKPATCH_PACKAGE"
		local tmp
		tmp=$(mktemp -d "$CACHE_DIR/.tmp.checkpatch.XXXXXX")
		tar -xJf "$CHECKPATCH_TARBALL" -C "$tmp" --strip-components=1 --wildcards \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
		# A directory without it is a damaged copy (a killed job's).
		has_checkpatch "$CP612" || rm -rf "$CP612"
		publish_dir "$tmp" "$CP612" has_checkpatch || die "could not move checkpatch into $CP612"
	fi
	echo "$CP612/scripts/checkpatch.pl"
}

# findings CHECKPATCH_OUTPUT: "TYPE FILE message" per finding.
findings() {
	awk '/^(ERROR|WARNING|CHECK):[A-Z_0-9]+:/ {
		if (t != "") print t, f, m
		split($0, a, ":"); t = a[1] ":" a[2]; m = $0; sub(/^[^:]*:[^:]*: */, "", m); f = "-"; next
	}
	t != "" && /^#[0-9]+: FILE: / { f = $3; sub(/:[0-9]+:$/, "", f) }
	END { if (t != "") print t, f, m }' "$1"
}

waived() { # PATCH TYPE FILE
	local patch=$1 type=${2#*:} file=$3 g t f
	while read -r g t f _; do
		case $g in "" | \#*) continue ;; esac
		# shellcheck disable=SC2053 # $g is a glob on purpose
		[[ $patch == $g ]] && [ "$t" = "$type" ] && [ "$f" = "$file" ] && return 0
	done <"$WAIVERS"
	return 1
}

checkers=("6.12:$(checkpatch_612)")
[ -z "${LINUX_TREE:-}" ] || checkers+=("user-tree:$(target_dir)/scripts/checkpatch.pl")

bad=()
broke=()
report=()
for c in "${checkers[@]}"; do
	label=${c%%:*} cp=${c#*:}
	for f in "${files[@]}"; do
		p=$(basename "$f")
		rel=${f#"$PROJECT_DIR"/}
		out=$VARIANT_DIR/checkpatch-$label-${rel//\//_}.txt
		echo "== checkpatch ($label) --strict $rel"
		# In the user's tree, run from it so Fixes: ids are checked
		# against its history; 6.12 alone has no tree.
		if [ "$label" = user-tree ]; then
			(cd "$(target_dir)" && perl "$cp" --strict --show-types "$f") >"$out" 2>&1 || true
		else
			perl "$cp" --no-tree --strict --show-types "$f" >"$out" 2>&1 || true
		fi
		cat "$out"
		grep -q '^total: ' "$out" || { broke+=("$rel: checkpatch ($label) did not run to the end: $(tail -n 1 "$out")"); continue; }
		nw=0
		while read -r type file msg; do
			if waived "$p" "$type" "$file"; then
				nw=$((nw + 1))
				echo "waived: $type $file ($msg)"
			else
				bad+=("$rel: $type $file: $msg")
			fi
		done < <(findings "$out")
		report+=("$rel ($label): $(sed -n 's/^total: \([0-9]*\) errors, \([0-9]*\) warnings, \([0-9]*\) checks.*/\1E \2W \3C/p' "$out"), $nw waived")
	done
done

if [ ${#broke[@]} -gt 0 ]; then
	echo "the tool broke: ${broke[0]}" >"$STEP_SUMMARY"
	exit "$STEP_ERROR"
fi
if [ ${#bad[@]} -gt 0 ]; then
	printf 'not waived: %s\n' "${bad[@]}"
	echo "${#bad[@]} finding(s) not waived, first: ${bad[0]}" >"$STEP_SUMMARY"
	exit 1
fi
echo "${report[*]}" >"$STEP_SUMMARY"
