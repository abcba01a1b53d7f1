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

fact() { # VARIANT KEY
	[ -f "$run_dir/$1/facts" ] || return 0
	sed -n "s/^$2=//p" "$run_dir/$1/facts" | tail -n 1
}

results=$(while IFS=$'\t' read -r v s verdict secs cached summary; do
	log=$run_dir/$v/$s.log
	[ -f "$log" ] || log=""
	sig=""
	case $verdict in FAIL | XFAIL) sig=$(fact "$v" "${s}_signature") ;; esac
	[ -n "$sig" ] || case $verdict in FAIL | ERROR) sig=$summary ;; esac
	jq -n --arg v "$v" --arg s "$s" --arg verdict "$verdict" --arg secs "$secs" \
		--arg cached "$cached" --arg summary "$summary" --arg log "$log" \
		--arg tree "$(fact "$v" tree)" --arg sig "$sig" --arg fp "$(fact "$v" "${s}_fingerprint")" \
		'{variant: $v, step: $s, verdict: $verdict, seconds: ($secs | tonumber),
		  cached: ($cached == "1"), summary: $summary,
		  log: (if $log == "" then null else $log end),
		  tree: (if $tree == "" then null else $tree end),
		  signature: (if $sig == "" then null else $sig end),
		  fingerprint: (if $fp == "" then null else $fp end)}'
done <"$records" | jq -s .)

jq -n --argjson results "$results" \
	--arg kind "$(target_kind)" --arg id "$(target_id)" --arg dir "$(target_dir)" \
	--arg linux_tree "${LINUX_TREE:-}" \
	--arg git "$(version git --version)" --arg gcc "$(version gcc --version)" \
	--arg sparse "$(version sparse --version)" --arg spatch "$(version spatch --version)" \
	--arg qemu "$(for a in $(selected_arches); do arch_load "$a"; version "$QEMU" --version; done | paste -sd ';')" --arg quilt "$(version quilt --version)" \
	--arg checkpatch "Debian $CHECKPATCH_PACKAGE$([ -n "${LINUX_TREE:-}" ] && echo " + the user's tree")" \
	'{schema: 2,
	  target: {kind: $kind, id: $id, dir: $dir,
	           linux_tree: (if $linux_tree == "" then null else $linux_tree end)},
	  tools: {git: $git, gcc: $gcc, sparse: $sparse, spatch: $spatch, qemu: $qemu,
	          quilt: $quilt, checkpatch: $checkpatch},
	  results: $results,
	  passed: ([$results[] | select(.verdict == "PASS" or .verdict == "XFAIL")] | length),
	  failed: ([$results[] | select(.verdict == "FAIL")] | length),
	  errors: ([$results[] | select(.verdict == "ERROR")] | length),
	  skipped: ([$results[] | select(.verdict == "SKIP")] | length)}' >"$run_dir/summary.json"

# ---- series (make send's gate): the content keys of the patch files this
# run used, from scripts/series-keys.sh: for each patch file name, the
# sha256 and `git patch-id --stable` of patches/NAME and of its embedded
# backport.  make send SEND=1 mails only files whose keys are the newest
# summary's.
series=$(bash "$PROJECT_DIR/scripts/series-keys.sh") || die "could not key the patch files (scripts/series-keys.sh)"
jq --argjson series "$series" '. + {series: $series}' "$run_dir/summary.json" >"$run_dir/summary.json.tmp"
mv "$run_dir/summary.json.tmp" "$run_dir/summary.json"
# ---- end of the series block
