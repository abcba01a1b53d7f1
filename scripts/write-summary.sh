#!/bin/bash
# write-summary.sh RUN_DIR RECORDS: RUN_DIR/summary.json from the records
# check-series.sh wrote (one TSV line per variant and step).  The schema is
# documented in README.md ("summary.json").
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

run_dir=$1 records=$2

version() { # CMD ARGS: first line of its version, or "missing"
	command -v "$1" >/dev/null 2>&1 || { echo missing; return; }
	"$@" 2>&1 | head -n 1
}

# ---- series (make send's gate): the content keys of the patch files this
# run used, from scripts/series-keys.sh: for each patch file name, the
# sha256 and `git patch-id --stable` of patches/NAME and of its embedded
# backport.  make send SEND=1 mails only files whose keys are the newest
# summary's.
series=$(bash "$PROJECT_DIR/scripts/series-keys.sh") || die "could not key the patch files (scripts/series-keys.sh)"
# ---- end of the series block

# The variants' facts as "VARIANT TAB KEY TAB VALUE" lines (a key noted
# twice: the last counts), and the records' logs that exist: read by one
# awk and the shell, and the whole document made by one jq (one jq per
# record took seconds of a warm run).
declare -A seen=()
facts=() logs=""
while IFS=$'\t' read -r v s _; do
	[ ! -f "$run_dir/$v/$s.log" ] || logs+="$v"$'\t'"$s"$'\n'
	[ -z "${seen[$v]:-}" ] || continue
	seen[$v]=1
	[ ! -f "$run_dir/$v/facts" ] || facts+=("$run_dir/$v/facts")
done <"$records"
fact_lines=""
[ ${#facts[@]} = 0 ] || fact_lines=$(awk '
	FNR == 1 { v = FILENAME; sub(/\/facts$/, "", v); sub(/.*\//, "", v) }
	(i = index($0, "=")) > 1 { print v "\t" substr($0, 1, i - 1) "\t" substr($0, i + 1) }' "${facts[@]}")

jq -n --rawfile records "$records" --arg facts "$fact_lines" --arg logs "$logs" --arg run_dir "$run_dir" \
	--argjson series "$series" \
	--arg kind "$(target_kind)" --arg id "$(target_id)" --arg dir "$(target_dir)" \
	--arg linux_tree "${LINUX_TREE:-}" \
	--arg git "$(version git --version)" --arg gcc "$(version gcc --version)" \
	--arg sparse "$(version sparse --version)" --arg spatch "$(version spatch --version)" \
	--arg qemu "$(for a in $(selected_arches); do arch_load "$a"; version "$QEMU" --version; done | paste -sd ';')" --arg quilt "$(version quilt --version)" \
	--arg checkpatch "Debian $CHECKPATCH_PACKAGE$([ -n "${LINUX_TREE:-}" ] && echo " + the user's tree")" \
	'def lines: split("\n") | map(select(. != "") | split("\t"));
	 def orNull: if . == "" then null else . end;
	 ($facts | lines | reduce .[] as $f ({}; .[$f[0] + "\t" + $f[1]] = ($f[2:] | join("\t")))) as $F
	 | ($logs | lines | map({key: join("\t"), value: true}) | from_entries) as $L
	 | [$records | lines[]
	    | {v: .[0], s: .[1], verdict: .[2], secs: .[3], cached: .[4], summary: (.[5:] | join("\t"))}
	    | (if .verdict == "FAIL" or .verdict == "XFAIL" then $F[.v + "\t" + .s + "_signature"] // "" else "" end) as $sig0
	    | (if $sig0 == "" and (.verdict == "FAIL" or .verdict == "ERROR") then .summary else $sig0 end) as $sig
	    | {variant: .v, step: .s, verdict: .verdict, seconds: (.secs | tonumber),
	       cached: (.cached == "1"), summary: .summary,
	       log: (if $L[.v + "\t" + .s] then "\($run_dir)/\(.v)/\(.s).log" else null end),
	       tree: ($F[.v + "\ttree"] // "" | orNull),
	       signature: ($sig | orNull),
	       fingerprint: ($F[.v + "\t" + .s + "_fingerprint"] // "" | orNull)}] as $results
	 | {schema: 2,
	  target: {kind: $kind, id: $id, dir: $dir,
	           linux_tree: ($linux_tree | orNull)},
	  tools: {git: $git, gcc: $gcc, sparse: $sparse, spatch: $spatch, qemu: $qemu,
	          quilt: $quilt, checkpatch: $checkpatch},
	  results: $results,
	  passed: ([$results[] | select(.verdict == "PASS" or .verdict == "XFAIL")] | length),
	  failed: ([$results[] | select(.verdict == "FAIL")] | length),
	  errors: ([$results[] | select(.verdict == "ERROR")] | length),
	  skipped: ([$results[] | select(.verdict == "SKIP")] | length),
	  series: $series}' >"$run_dir/summary.json.tmp.$$"
publish_file "$run_dir/summary.json.tmp.$$" "$run_dir/summary.json"
