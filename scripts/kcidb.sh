#!/bin/bash
# kcidb.sh RUN_DIR: RUN_DIR/kcidb.json, the run's results in KCIDB I/O
# schema v5.3 (KernelCI's common report database), from its summary.json,
# each variant's facts and step logs.
# kcidb.sh --submit RUN_DIR: POST RUN_DIR/kcidb.json (written first if
# missing) to KCIDB_REST as kci-dev does; DRY_RUN=1 prints the request.
#
# What goes where (README.md "KCIDB"):
#   checkouts  one per variant: the base commit it was tested on, its
#              patches (patchset_files, patchset_hash as KCIDB defines it:
#              sha256 over the newline-terminated sha256 of each patch, in
#              order; "" for none), the Message-ID when the patches came
#              from mail.  On the embedded target the base is a local
#              commit (6.1 with the history recipe), and the checkout says so.
#   builds     one per variant and arch: config name, compiler, start time,
#              duration, status, log.
#   tests      one per guest test boot (path fuse.TEST, the oracle's verdict,
#              its crash signature in misc, environment naming QEMU and the
#              arch), and one per static check (checkpatch, sparse,
#              coccinelle, w1) on the build of the static analysis arch.
#
#   KCIDB_ORIGIN=name   the submitting CI system (default: local, a
#                       placeholder: KCIDB assigns real origins)
#   KCIDB_MESSAGE_ID=   the series' Message-ID, when it is not in the patches
#   RESULTS_URL=        where results/ is published (log URLs then point
#                       there; default file:// paths on this machine)
#   KCIDB_REST=https://TOKEN@HOST[/PATH]  where --submit POSTs (PATH ends
#                       in /submit; kci-dev's form)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

submit=0
if [ "${1:-}" = --submit ]; then
	submit=1
	shift
fi
[ $# = 1 ] || die "usage: kcidb.sh [--submit] RUN_DIR (a results/<run> directory)"
run_dir=${1%/}
[ -d "$run_dir" ] || die "$run_dir: no such run directory: give a results/<run> directory of make check-series"
run_dir=$(cd "$run_dir" && pwd -P)
summary=$run_dir/summary.json
[ -f "$summary" ] || die "$run_dir has no summary.json: not a finished check-series run (run make check-series first)"
require_tool jq jq
jq -e '(.schema == 1 or .schema == 2) and (.results | type == "array") and (.target | type == "object")' "$summary" >/dev/null 2>&1 ||
	die "$summary is not a check-series summary (schema 1 or 2): the run did not finish; run make check-series again"

origin=${KCIDB_ORIGIN:-local}
[[ $origin =~ ^[a-z0-9_]+$ ]] ||
	die "KCIDB_ORIGIN=$origin: an origin is lower-case letters, digits and _ only (KCIDB's rule)"

# ---- submission --------------------------------------------------------------
if [ $submit = 1 ]; then
	rest=${KCIDB_REST:-}
	[ -n "$rest" ] || die "KCIDB_REST is not set: give KCIDB_REST=https://TOKEN@HOST/submit (kci-dev's form)"
	[[ $rest =~ ^(https?)://([^@/:]+)@([^/@?#]+)(/[^?#]*)?$ ]] ||
		die "KCIDB_REST: not https://TOKEN@HOST[:PORT][/PATH]: the token goes before the @"
	scheme=${BASH_REMATCH[1]} token=${BASH_REMATCH[2]} host=${BASH_REMATCH[3]} path=${BASH_REMATCH[4]:-/}
	path=${path%/}
	[[ $path == */submit ]] || path=$path/submit
	url=$scheme://$host$path
	[ -f "$run_dir/kcidb.json" ] || bash "$0" "$run_dir"
	if [ "${DRY_RUN:-0}" = 1 ]; then
		echo "POST $url"
		echo "Content-Type: application/json"
		echo "Authorization: Bearer <token from KCIDB_REST, ${#token} characters>"
		echo "Body: $run_dir/kcidb.json ($(wc -c <"$run_dir/kcidb.json") bytes, $(jq -r '"\(.checkouts | length) checkouts, \(.builds | length) builds, \(.tests | length) tests"' "$run_dir/kcidb.json"))"
		echo "+ curl -sS -X POST -H 'Content-Type: application/json' -H @- --data-binary @$run_dir/kcidb.json $url  (Authorization header on stdin)"
		exit 0
	fi
	require_tool curl curl
	resp=$(mktemp)
	trap 'rm -f "$resp"' EXIT
	# The token goes on stdin, never on a command line others can read.
	code=$(printf 'Authorization: Bearer %s\n' "$token" |
		curl -sS -X POST -H 'Content-Type: application/json' -H @- \
			--data-binary @"$run_dir/kcidb.json" -o "$resp" -w '%{http_code}' "$url") ||
		die "could not reach $url (curl failed): check the host in KCIDB_REST"
	[ "$code" = 200 ] || die "KCIDB refused the submission: HTTP $code from $url: $(head -c 300 "$resp" | tr '\n' ' ')"
	echo "kcidb: submitted $run_dir/kcidb.json to $url: $(head -c 300 "$resp" | tr '\n' ' ')"
	exit 0
fi

# ---- the run ---------------------------------------------------------------
# Speed: this runs at the end of every check-series, and a jq or date per
# record made it 12 s.  So the shell only gathers (one jq reads the summary,
# files are read with builtins) and ONE jq at the end builds the document
# from all records, NUL-separated on its stdin (no ARG_MAX limit); the
# per-record filters are unchanged.
stamp=$(basename "$run_dir")
run_parent=$(dirname "$run_dir")

# chomp NAME: strip trailing newlines, as $(jq -r ...) did.
chomp() {
	local -n s=$1
	while [[ $s == *$'\n' ]]; do s=${s%$'\n'}; done
}

# One pass over the summary, NUL-separated (values may hold newlines): the
# target's fields, the gcc it names, the variant names as `jq -r` printed
# them one a line, then every record as KEY, JSON, verdict, seconds, summary.
# NULs in values are dropped, as $(...) dropped them.  A results entry jq
# cannot read ends the list there (try): the old jq calls stopped there too,
# and "names no variant" below says so.
LINUX_TREE="" kind="" tdir="" target_id="" summary_gcc="" nvariants=0
vnames=()
# jq's answer goes through a file: bash's read takes a pipe a byte at a
# time (half a second for a run of five variants), a file a block at a time.
fields=$run_dir/kcidb.fields.tmp.$$
trap 'rm -f "$fields"' EXIT
jq -j 'def raw: if type == "string" then . else tojson end;
	def z: (raw | split("\u0000") | join("")) + "\u0000";
	(.target.linux_tree // "" | z), (.target.kind // "embedded" | z), (.target.dir // "" | z),
	(.target.id // "" | z), (.tools.gcc? // "" | z),
	([try ([.results[].variant] | unique[])
	  | if type == "string" then split("\n")[] elif type == "object" or type == "array" then empty else tojson end]
	 | (length | z), (.[] | z)),
	(try .results[] | select((.variant | type) == "string" and (.step | type) == "string")
	 | ("\(.variant)/\(.step)" | z), (tojson | z), (.verdict | z), (.seconds | z), (.summary | z))' "$summary" >"$fields" || true
{
	IFS= read -r -d '' LINUX_TREE || true
	IFS= read -r -d '' kind || true
	IFS= read -r -d '' tdir || true
	IFS= read -r -d '' target_id || true
	IFS= read -r -d '' summary_gcc || true
	IFS= read -r -d '' nvariants || nvariants=0
	for ((i = 0; i < nvariants; i++)); do
		IFS= read -r -d '' vn || break
		vnames+=("$vn")
	done
	# Every record once: REC[VARIANT/STEP] is its JSON, RVERDICT, RSECONDS
	# and RSUMMARY its fields as `jq -r` printed them.
	declare -A REC=() RVERDICT=() RSECONDS=() RSUMMARY=()
	while IFS= read -r -d '' k && IFS= read -r -d '' j && IFS= read -r -d '' rv &&
		IFS= read -r -d '' rs && IFS= read -r -d '' rm; do
		[ -z "${REC[$k]:-}" ] || continue
		chomp rv
		chomp rs
		chomp rm
		REC[$k]=$j RVERDICT[$k]=$rv RSECONDS[$k]=$rs RSUMMARY[$k]=$rm
	done
} <"$fields"
rm -f "$fields"
chomp LINUX_TREE
chomp kind
chomp tdir
chomp target_id
chomp summary_gcc
# lib.sh's target helpers read LINUX_TREE: take the run's, not the caller's.
export LINUX_TREE

url_of() { # PATH: its URL: under RESULTS_URL when it is a result, else file://
	local p=$1
	if [ -n "${RESULTS_URL:-}" ] && [[ $p == "$run_parent"/* ]]; then
		echo "${RESULTS_URL%/}/${p#"$run_parent"/}"
	elif [[ $p =~ ^[A-Za-z0-9._/-]*$ ]]; then
		# Nothing to escape (jq's @uri keeps these): no jq needed.
		printf 'file://%s\n' "$p"
	else
		# A path is a URI once its unsafe characters are escaped.
		printf 'file://%s\n' "$(jq -rn --arg p "$p" '$p | @uri | gsub("%2F"; "/")')"
	fi
}

rfc3339() { # EPOCH (may have a fraction)
	local e=$1 t
	if [[ $e =~ ^([0-9]+)\.([0-9]{3})$ ]]; then
		# The usual "%.3f" epoch: bash's own strftime, no date process.
		TZ=UTC0 printf -v t '%(%Y-%m-%dT%H:%M:%S)T' "${BASH_REMATCH[1]}"
		echo "$t.${BASH_REMATCH[2]}+00:00"
	else
		date -u -d "@$e" +%Y-%m-%dT%H:%M:%S.%3N+00:00
	fi
}

# started FILE SECONDS: when a step that wrote FILE last and took SECONDS
# began (the file's time less the duration).
started() {
	local m ms
	m=$(stat -c %Y "$1") || return 1
	if [[ $m =~ ^[0-9]+$ && $2 =~ ^([0-9]{1,9})(\.([0-9]{1,3}))?$ ]]; then
		# Whole milliseconds: exact in shell arithmetic, as awk's %.3f.
		local f=${BASH_REMATCH[3]}000
		ms=$((m * 1000 - 10#${BASH_REMATCH[1]} * 1000 - 10#${f:0:3}))
		if [ "$ms" -ge 0 ]; then
			printf -v ms '%d.%03d' $((ms / 1000)) $((ms % 1000))
			rfc3339 "$ms"
			return
		fi
	fi
	rfc3339 "$(awk -v m="$m" -v s="$2" 'BEGIN { printf "%.3f", m - s }')"
}

result() { # VARIANT STEP: that record as JSON (or nothing)
	printf '%s' "${REC[$1/$2]:-}"
}

# fact VARIANT KEY: the last KEY= line of VARIANT's facts (as sed | tail).
facts_of=""
FACT_LINES=()
fact() {
	local f=$run_dir/$1/facts line v="" found=0
	[ -f "$f" ] || return 0
	# Read once per variant: nothing writes facts while this runs.
	if [ "$facts_of" != "$1" ]; then
		FACT_LINES=()
		while IFS= read -r line || [ -n "$line" ]; do FACT_LINES+=("$line"); done <"$f"
		facts_of=$1
	fi
	for line in ${FACT_LINES[@]+"${FACT_LINES[@]}"}; do
		[[ $line == "$2="* ]] || continue
		v=${line#"$2="} found=1
	done
	[ $found = 0 ] || echo "$v"
}

# KCIDB status of a check-series verdict.  XFAIL is a failure the variants
# file expects: the code is faulty all the same.  SKIP (an input failed):
# the check did not run, MISS; n/a (does not apply): SKIP.
kcidb_status() {
	case $1 in
	PASS) echo PASS ;;
	FAIL | XFAIL) echo FAIL ;;
	ERROR) echo ERROR ;;
	SKIP) echo MISS ;;
	*) echo SKIP ;;
	esac
}

variants=()
for vn in ${vnames[@]+"${vnames[@]}"}; do
	[[ $vn =~ ^[A-Za-z0-9._-]+$ ]] && variants+=("$vn")
done
[ ${#variants[@]} -gt 0 ] || die "$summary names no variant: nothing to report"

# The records for the final jq: TYPE, the number of pairs, then KEY VALUE
# pairs (j:KEY: VALUE is JSON, as --argjson; a:KEY: appended to a list).
ARGS=()
emit() { # TYPE KEY VALUE...
	local t=$1
	shift
	ARGS+=("$t" $(($# / 2)) "$@")
}

# The version lines of gcc and QEMU, once per program (in this shell, not
# in a $(...), where what it learnt would be lost: QEMU takes ~35 ms to say).
declare -A VERSION=()
version_of() { # PROGRAM: _version, its first --version line (or nothing)
	[ -n "${VERSION[$1]+set}" ] || VERSION[$1]=$("$1" --version 2>/dev/null | head -n 1 || true)
	_version=${VERSION[$1]}
}

for v in "${variants[@]}"; do
	vdir=$run_dir/$v
	cid="$origin:$stamp/$v"
	apply=$(result "$v" apply)

	expect=""
	! variant_exists "$v" || expect=$(variant_expect "$v")

	# -- the checkout: base commit + patchset
	base=""
	variant_exists "$v" && base=$(variant_base "$v")
	# A variant the variants file no longer names, whose run had no apply
	# step: no base known, and no reason to stop.
	[ -n "$base" ] || [ ! -f "$vdir/apply.log" ] ||
		base=$(sed -n 's/^== git am on \([A-Za-z0-9_.-]*\) .*/\1/p' "$vdir/apply.log" | head -n 1)
	patches=()
	if variant_exists "$v"; then
		while read -r n; do
			[ -n "$n" ] || continue
			p=$(patch_file "$n" 2>/dev/null) || p=""
			[ -z "$p" ] || patches+=("$p")
		done < <(variant_patches "$v")
	fi
	base_commit=""
	if [ -n "$base" ] && [ -d "$tdir" ]; then
		base_commit=$(git -C "$tdir" rev-parse -q --verify "$(base_ref "$base")^{commit}" 2>/dev/null || true)
	fi
	commit=$(fact "$v" commit)
	if [ -z "$base_commit" ] && [ -n "$commit" ] && [ -d "$tdir" ]; then
		base_commit=$(git -C "$tdir" rev-parse -q --verify "$commit~${#patches[@]}" 2>/dev/null || true)
	fi
	[[ $base_commit =~ ^[0-9a-f]{40}$ ]] || base_commit=""
	phash=""
	if [ ${#patches[@]} -gt 0 ]; then
		phash=$(sha256sum "${patches[@]}" | cut -c-64 | sha256sum | cut -c-64)
	fi
	pfiles=()
	for p in ${patches[@]+"${patches[@]}"}; do
		pfiles+=(a:fname "${p##*/}" a:furl "$(url_of "$p")")
	done
	msgid=${KCIDB_MESSAGE_ID:-}
	if [ -z "$msgid" ] && [ ${#patches[@]} -gt 0 ]; then
		msgid=$(awk 'tolower($1) == "message-id:" { print $2; exit } /^$/ { exit }' "${patches[0]}")
	fi
	msgid=${msgid#<}
	msgid=${msgid%>}
	[[ $msgid =~ ^[^@[:space:]]+@[^@[:space:]]+$ ]] || msgid=""
	if [ "$kind" = embedded ]; then
		tree_name="debian-linux-source-6.1"
		commit_name="local commit: $base of the embedded 6.1 tree (Debian $EMBEDDED_PACKAGE + patches/stable-6.1/history-*)"
	else
		tree_name="linux-next"
		commit_name=""
		[ -z "$base_commit" ] || commit_name=$(git -C "$tdir" describe --tags "$base_commit" 2>/dev/null || true)
	fi
	ck_start=""
	ck_log=""
	if [ -n "$apply" ] && [ -f "$vdir/apply.log" ]; then
		ck_start=$(started "$vdir/apply.log" "${RSECONDS[$v/apply]}")
		ck_log=$(url_of "$vdir/apply.log")
	fi
	# The expectations on one line, "TEST=WANT" space-separated (as
	# tr ' \n' '= ' | sed 's/ $//' made them).
	exp1=${expect// /=}
	exp1=${exp1//$'\n'/ }
	exp1=${exp1% }
	emit checkout id "$cid" origin "$origin" tree "$tree_name" \
		hash "$base_commit" name "$commit_name" ${pfiles[@]+"${pfiles[@]}"} \
		phash "$phash" msgid "$msgid" start "$ck_start" log "$ck_log" \
		j:apply "${apply:-null}" v "$v" base "$base" kind "$kind" \
		target "$target_id" commit "$commit" tree_id "$(fact "$v" tree)" expect "$exp1"

	# -- builds: one per arch the run built or booted (or would have)
	build=$(result "$v" build)
	mapfile -t arches < <({
		sed -n 's/^kernel_\([a-z0-9_]*\)=.*/\1/p' "$vdir/facts" 2>/dev/null
		[ -z "$build" ] || printf '%s\n' "${RSUMMARY[$v/build]}" | grep -oE '(^|[ ;])[a-z0-9_]+: ' | tr -d ' ;:'
		sed -nE 's/^([a-z0-9_]+) [A-Za-z0-9_-]+ run [0-9]+\/[0-9]+: .*/\1/p' "$vdir/boot.log" 2>/dev/null
	} | while read -r a; do [ -f "$PROJECT_DIR/arches/$a.conf" ] && echo "$a"; done | awk '!seen[$0]++')
	if [ ${#arches[@]} = 0 ]; then
		mapfile -t arches < <(selected_arches)
	fi
	static_arch=${STATIC_ARCH:-x86_64}
	printf '%s\n' "${arches[@]}" | grep -qx "$static_arch" || static_arch=${arches[0]}
	offset=0
	for a in "${arches[@]}"; do
		arch_load "$a"
		bid="$cid/$a"
		config="tinyconfig+kvm_guest.config"
		for f in "$PROJECT_DIR"/kconfig/*.config; do
			case ${f##*/} in arch-*) continue ;; esac
			config="$config+${f##*/}"
		done
		[ -z "${FRAGMENT:-}" ] || config="$config+$FRAGMENT"
		version_of "${CROSS_COMPILE:-}gcc"
		compiler=$_version
		[ -n "$compiler" ] || compiler=$summary_gcc
		image=$(fact "$v" "kernel_$a")
		status="" start="" duration="" log="" bsum="" reused=false
		if [ -n "$build" ]; then
			bsum=${RSUMMARY[$v/build]}
			verdict=${RVERDICT[$v/build]}
			bsecs=${RSECONDS[$v/build]}
			if [ -n "$image" ]; then
				status=PASS
			else
				status=$(kcidb_status "$verdict")
				[ "$status" != PASS ] || status=MISS
			fi
			# Per arch: "ARCH: built in Ns" or "ARCH: reused".
			duration=$(grep -oE "(^| )$a: built in [0-9.]+s" <<<"$bsum" | grep -oE '[0-9.]+' | tail -n 1 || true)
			if grep -qE "(^| )$a: reused" <<<"$bsum"; then duration=0 reused=true; fi
			[ -n "$duration" ] || duration=$bsecs
			if [ -f "$vdir/build.log" ]; then
				s0=$(stat -c %Y "$vdir/build.log")
				start=$(rfc3339 "$(awk -v m="$s0" -v s="$bsecs" -v o="$offset" 'BEGIN { printf "%.3f", m - s + o }')")
				offset=$(awk -v o="$offset" -v d="$duration" 'BEGIN { print o + d }')
			fi
			if [ -f "$vdir/build-$a.make.log" ]; then
				log=$(url_of "$vdir/build-$a.make.log")
			elif [ -f "$vdir/build.log" ]; then
				log=$(url_of "$vdir/build.log")
			fi
		fi
		outputs=()
		cfg_url=""
		if [ -n "$image" ] && [ -f "$image" ]; then
			# shellcheck disable=SC2153 # IMAGE comes from the arch record
			outputs=(a:oname "${IMAGE##*/}" a:ourl "$(url_of "$image")")
			[ ! -f "${image%/*}/config" ] || cfg_url=$(url_of "${image%/*}/config")
		fi
		emit build id "$bid" cid "$cid" origin "$origin" arch "$KERNEL_ARCH" \
			config "$config" compiler "$compiler" status "$status" \
			start "$start" duration "$duration" log "$log" cfg "$cfg_url" \
			${outputs[@]+"${outputs[@]}"} image "$image" bsum "$bsum" \
			j:reused "$reused" j:rec "${build:-null}" \
			command "make ARCH=$KERNEL_ARCH${CROSS_COMPILE:+ CROSS_COMPILE=$CROSS_COMPILE} olddefconfig ${IMAGE##*/}"

		# -- static checks: tests of the build of the static analysis arch
		if [ "$a" = "$static_arch" ]; then
			for s in checkpatch sparse coccinelle w1; do
				rec=$(result "$v" "$s")
				[ -n "$rec" ] || continue
				verdict=${RVERDICT[$v/$s]}
				slog=$vdir/$s.log
				sstart="" slog_url=""
				if [ -f "$slog" ]; then
					sstart=$(started "$slog" "${RSECONDS[$v/$s]}")
					slog_url=$(url_of "$slog")
				fi
				emit static id "$bid/$s" bid "$bid" origin "$origin" path "$s" \
					status "$(kcidb_status "$verdict")" j:rec "$rec" \
					start "$sstart" log "$slog_url"
			done
		fi

		# -- guest tests: one per boot, from step-boot.sh's lines
		boot=$(result "$v" boot)
		[ -n "$boot" ] || continue
		version_of "$QEMU"
		qemu_version=$_version
		[ -n "$qemu_version" ] || qemu_version="$QEMU (version unknown)"
		declare -A seen=()
		if [ -f "$vdir/boot.log" ]; then
			cmd=""
			while IFS= read -r line; do
				if [[ $line == "+ $QEMU "* || $line == "+ /"*"/$QEMU "* ]]; then
					cmd=${line#+ }
					continue
				fi
				[[ $line =~ ^([a-z0-9_]+)\ ([A-Za-z0-9_-]+)\ run\ ([0-9]+)/([0-9]+):\ (PASS|FAIL)\ ([^ ]+)\ ([^ ]+)\ \(([0-9.]+)\ s\)\ ?(.*)$ ]] || continue
				[ "${BASH_REMATCH[1]}" = "$a" ] || continue
				t=${BASH_REMATCH[2]} r=${BASH_REMATCH[3]} n=${BASH_REMATCH[4]} got=${BASH_REMATCH[5]}
				sig=${BASH_REMATCH[6]} fn=${BASH_REMATCH[7]} secs=${BASH_REMATCH[8]} detail=${BASH_REMATCH[9]}
				seen[$t]=1
				status=$got
				[ "$sig" != oracle-error ] || status=ERROR
				serial=$vdir/boot/$a-$t-$r/boot-$a-$t-$r.serial.log
				[ -f "$serial" ] || serial=$vdir/boot-$a-$t-$r.serial.log
				tstart="" tlog=""
				if [ -f "$serial" ]; then
					tstart=$(started "$serial" "$secs")
					tlog=$(url_of "$serial")
				fi
				# Every "-accel NAME" of the command, one a line (as grep -oE | cut).
				accel="" al="" rest=$cmd
				while [[ $rest =~ -accel\ ([a-z]+) ]]; do
					accel+=$al${BASH_REMATCH[1]} al=$'\n'
					rest=${rest#*"${BASH_REMATCH[0]}"}
				done
				# The expectation of test $t: every match, one a line (as awk did).
				want="" wl=""
				while read -r wt ww _; do
					[ "$wt" = "$t" ] || continue
					want+=$wl$ww wl=$'\n'
				done <<<"$expect"
				chomp want
				emit boot id "$bid/$t/$r" bid "$bid" origin "$origin" \
					path "fuse.$t" status "$status" secs "$secs" \
					start "$tstart" log "$tlog" sig "$sig" fn "$fn" \
					detail "$detail" want "$want" run "$r/$n" \
					env "QEMU: $qemu_version; $QEMU $QEMU_MACHINE${accel:+, accel $accel}; arch $a (console $CONSOLE)" \
					cmd "$cmd" tname "$t"
			done <"$vdir/boot.log"
		fi
		# A test the variants file names that never reported: it did not
		# run (its build or the boot step failed before it).
		while read -r t want; do
			if [ -z "$t" ] || [ -n "${seen[$t]:-}" ]; then continue; fi
			emit miss id "$bid/$t/1" bid "$bid" origin "$origin" \
				path "fuse.$t" want "$want" j:rec "$boot" \
				env "QEMU: $qemu_version; $QEMU $QEMU_MACHINE; arch $a (console $CONSOLE)"
		done <<<"$expect"
		unset seen
	done
done

out=$run_dir/kcidb.json
# The records back as objects of their pairs, then each through its
# filter (the one a jq per record ran), in the order they were emitted.
# jq 1.6 drops a final NUL: "end" follows the last one.
{
	printf '%s\0' ${ARGS[@]+"${ARGS[@]}"}
	printf end
} | jq -Rs 'split("\u0000")[:-1] as $p
	| def records:
		def r($i): if $i >= ($p | length) then empty else
			($p[$i + 1] | tonumber) as $n
			| {type: $p[$i],
			   a: (reduce range(0; $n) as $k ({fname: [], furl: [], oname: [], ourl: []};
				$p[$i + 2 + 2 * $k] as $key | $p[$i + 3 + 2 * $k] as $val
				| if ($key | startswith("j:")) then .[$key[2:]] = ($val | fromjson)
				  elif ($key | startswith("a:")) then .[$key[2:]] += [$val]
				  else .[$key] = $val end))},
			  r($i + 2 + 2 * $n) end;
		r(0);
	def checkout:
		. as {$id, $origin, $tree, $hash, $name, $fname, $furl, $phash, $msgid, $start, $log,
		      $apply, $v, $base, $kind, $target, $commit, $tree_id, $expect}
		| [range(0; $fname | length) as $i | {name: $fname[$i], url: $furl[$i]}] as $files
		| {id: $id, origin: $origin, tree_name: $tree, patchset_files: $files, patchset_hash: $phash,
		  comment: ("variant \($v): \($base) + \($files | length) patch(es)")}
		 + (if $hash != "" then {git_commit_hash: $hash} else {} end)
		 + (if $name != "" then {git_commit_name: $name} else {} end)
		 + (if $msgid != "" then {message_id: $msgid} else {} end)
		 + (if $start != "" then {start_time: $start} else {} end)
		 + (if $log != "" then {log_url: $log} else {} end)
		 + (if $apply != null then {valid: ($apply.verdict == "PASS")} else {} end)
		 + {misc: {variant: $v, base: $base, target_kind: $kind, target_id: $target,
		           local_commit: ($kind == "embedded"),
		           variant_commit: (if $commit != "" then $commit else null end),
		           variant_tree: (if $tree_id != "" then $tree_id else null end),
		           expect: $expect}};
	def build:
		. as {$id, $cid, $origin, $arch, $config, $compiler, $status, $start, $duration, $log, $cfg,
		      $oname, $ourl, $image, $bsum, $reused, $rec, $command}
		| [range(0; $oname | length) as $i | {name: $oname[$i], url: $ourl[$i]}] as $outputs
		| {id: $id, checkout_id: $cid, origin: $origin, architecture: $arch,
		  config_name: $config, compiler: $compiler, command: $command}
		 + (if $status != "" then {status: $status} else {} end)
		 + (if $start != "" then {start_time: $start} else {} end)
		 + (if $duration != "" then {duration: ($duration | tonumber)} else {} end)
		 + (if $log != "" then {log_url: $log} else {} end)
		 + (if $cfg != "" then {config_url: $cfg} else {} end)
		 + (if ($outputs | length) > 0 then {output_files: $outputs} else {} end)
		 + {misc: {kernel: (if $image != "" then $image else null end),
		           kernel_reused: $reused,
		           cached: (if $rec != null then $rec.cached else null end),
		           summary: (if $bsum != "" then $bsum else null end)}};
	def static:
		. as {$id, $bid, $origin, $path, $status, $rec, $start, $log}
		| {id: $id, build_id: $bid, origin: $origin, path: $path, status: $status,
		  duration: $rec.seconds, comment: $rec.summary,
		  environment: {comment: "static analysis on the host (no boot)"}}
		 + (if $start != "" then {start_time: $start} else {} end)
		 + (if $log != "" then {log_url: $log} else {} end)
		 + {misc: {verdict: $rec.verdict, cached: $rec.cached,
		           signature: $rec.signature}};
	def boot:
		. as {$id, $bid, $origin, $path, $status, $secs, $start, $log, $sig, $fn, $detail, $want,
		      $run, $env, $cmd, $tname}
		| {id: $id, build_id: $bid, origin: $origin, path: $path, status: $status,
		  duration: ($secs | tonumber),
		  comment: ("\($tname) run \($run): \($status)" + (if $sig != "-" then " (\($sig) \($fn))" else "" end)),
		  environment: {comment: $env,
		                misc: {qemu_command: (if $cmd != "" then $cmd else null end)}}}
		 + (if $start != "" then {start_time: $start} else {} end)
		 + (if $log != "" then {log_url: $log} else {} end)
		 + (if $detail != "" and $sig != "-" then {log_excerpt: $detail[0:16384]} else {} end)
		 + {misc: {run: $run, expected: (if $want != "" then $want else null end),
		           as_expected: (if $want != "" then ($want == (if $status == "PASS" then "PASS" else "FAIL" end)) else null end),
		           signature: (if $sig != "-" then $sig else null end),
		           function: (if $fn != "-" then $fn else null end),
		           detail: (if $detail != "" then $detail else null end)}};
	def miss:
		. as {$id, $bid, $origin, $path, $want, $rec, $env}
		| {id: $id, build_id: $bid, origin: $origin, path: $path, status: "MISS",
		  comment: ("not run: boot \($rec.verdict): \($rec.summary)"),
		  environment: {comment: $env},
		  misc: {expected: $want, verdict: $rec.verdict}};
	[records] as $r
	| {version: {major: 5, minor: 3},
	   checkouts: [$r[] | select(.type == "checkout") | .a | checkout],
	   builds: [$r[] | select(.type == "build") | .a | build],
	   tests: [$r[] | select(.type == "static" or .type == "boot" or .type == "miss")
	           | .type as $t | .a | if $t == "static" then static elif $t == "boot" then boot else miss end]}
	| walk(if type == "object" then with_entries(select(.value != null)) else . end)' >"$out.tmp.$$"
publish_file "$out.tmp.$$" "$out"
note "$out: $(jq -r '"\(.checkouts | length) checkouts, \(.builds | length) builds, \(.tests | length) tests"' "$out") (KCIDB v5.3, origin $origin)"
