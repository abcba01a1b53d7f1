# shellcheck shell=bash
# static-findings.sh: what step-sparse.sh, step-coccinelle.sh and
# step-w1.sh share.  A static check runs one tool over fs/fuse on the
# variant's base and on the variant, and fails on any finding the variant
# adds.  Findings are compared as lines without their line and column
# numbers (NIPA style): moved code is not "new", and a swapped warning is
# not hidden the way comparing counts would hide it.
#
# A step sources this file, then defines:
#   STATIC_TOOL            its name (sparse, coccinelle, w1)
#   STATIC_WHAT            the command, for logs and summaries
#   STATIC_NOISE=(...)     extended regexps of known-noise findings, one a
#                          line with a comment saying why (may be empty)
#   static_tool_version    prints the versions the findings depend on
#   static_tool_run RAW    runs the tool on the checked-out tree, writes the
#                          output that holds the findings to RAW, logs the
#                          rest; returns the tool's exit status
# and may define, when the tool checks one file the way it checks them all:
#   static_tool_run_files RAW OBJECT... the same, on those files only:
#                          kbuild's single-object targets, fs/fuse/FILE.o
#                          for each changed fs/fuse/FILE.c
#   STATIC_WHAT_FILES      that command, for logs
# and ends with: static_main "$@".
#
# Findings per source file: a variant whose tree differs from its base
# only in fs/fuse .c files that both have (the usual fix) has the base's
# findings with those files' findings taken again, file by file, each kept
# by its content (the base tree, its path, its blob): so only changed
# files are analysed, and a file already analysed on that base never is
# again.  Anything else that differs (a header, a Makefile, a file added
# or removed) can change any file's findings: the whole tree is analysed.
# A finding is the file's when it is located in it: a header's findings
# come from the base (a .c file's change that makes a header warn is not
# seen per file; the whole-tree analysis of the next base sees it).
# STATIC_PER_FILE=0 analyses whole trees only (their findings kept apart):
# t9000 checks that both ways give the same findings.
#
# Run directly, it gives the tests the pure parts:
#   static-findings.sh normalise RAW TREE_DIR [BUILD_DIR]   findings of RAW
#   static-findings.sh new BASE_FINDINGS VARIANT_FINDINGS   the added ones
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# One arch is enough: the findings are about the C, not the arch.
STATIC_ARCH=${STATIC_ARCH:-x86_64}
STATIC_HELPER=$PROJECT_DIR/scripts/static-findings.sh
# Frugal on purpose: the machine is shared.
STATIC_JOBS=${STATIC_JOBS:-2}

# static_normalise RAW TREE [BUILD]: one finding a line, sorted: the file
# relative to the tree, no line or column numbers, continuation lines that
# belong to the finding (sparse's "expected ..." / "got ...") joined with
# " | ".  Anything not shaped "FILE:LINE[:COL[-COL]]: message" is dropped:
# make's chatter, gcc's source excerpts and carets (they carry line
# numbers), coccinelle's own warnings about its scripts.
static_normalise() {
	local raw=$1 tree=${2%/}/ build=${3:-/nonexistent}
	build=${build%/}/
	# gcc quotes names with \u2018\u2019 in a UTF-8 locale and with '' in
	# C, and ccache replays a compile's warnings in the locale it was first
	# made in: fold the quotes, or a changed locale looks like a finding.
	sed -e "s/$(printf '\342\200\230')/'/g" -e "s/$(printf '\342\200\231')/'/g" "$raw" |
		awk -v T="$tree" -v B="$build" '
	function rel(p) {
		if (index(p, T) == 1) p = substr(p, length(T) + 1)
		else if (index(p, B) == 1) p = substr(p, length(B) + 1)
		# ccache (CCACHE_BASEDIR is the cache) makes gcc name sources
		# relative to the build directory: ../../trees/<id>/fs/... or
		# ../../work/<id>/<lane>/fs/...
		sub(/^(\.\.\/)+(trees\/[^\/]+|work\/[^\/]+\/[^\/]+)\//, "", p)
		sub(/^\.\//, "", p)
		return p
	}
	function flush() {
		if (cur == "") return
		# Line numbers inside messages ("preceded by free on line
		# 2178", "declared at dev.c:12") move with the code too.
		gsub(/lines? [0-9]+(-[0-9]+)?/, "line N", cur)
		gsub(/\.c:[0-9]+(:[0-9]+)?/, ".c:N", cur)
		gsub(/\.h:[0-9]+(:[0-9]+)?/, ".h:N", cur)
		print cur
		cur = ""
	}
	{ sub(/\r$/, "") }
	match($0, /^[^ :]+:[0-9]+(:[0-9]+(-[0-9]+)?)?: /) {
		file = substr($0, 1, RLENGTH)
		msg = substr($0, RLENGTH + 1)
		sub(/[ \t]+$/, "", msg)
		# sparse explains a type mismatch on indented lines after the
		# finding ("FILE:L:C:    expected ...", "    got ..."): part
		# of it, not findings of their own.
		if (cur != "" && msg ~ /^[ \t]+[a-z]/) {
			sub(/^[ \t]+/, "", msg)
			cur = cur " | " msg
			next
		}
		flush()
		sub(/:[0-9].*$/, "", file)
		cur = rel(file) ": " msg
		next
	}
	cur != "" && /^[ \t]+[a-z]/ {
		c = $0
		gsub(/^[ \t]+|[ \t]+$/, "", c)
		cur = cur " | " c
		next
	}
	{ flush() }
	END { flush() }' | LC_ALL=C sort
}

# static_new BASE VARIANT: findings of VARIANT not in BASE, as multisets:
# a second copy of a finding the base has once is new too.
static_new() {
	LC_ALL=C comm -13 "$1" "$2"
}

# static_filter FILE: drop the step's known noise (STATIC_NOISE) in place.
static_filter() {
	local re tmp
	[ "${#STATIC_NOISE[@]}" -gt 0 ] || return 0
	tmp=$(mktemp)
	cp "$1" "$tmp"
	for re in "${STATIC_NOISE[@]}"; do
		grep -v -E -e "$re" "$tmp" >"$tmp.1" || true
		mv "$tmp.1" "$tmp"
	done
	mv "$tmp" "$1"
}

# static_config_key BASE_TREE: what the analysis .config depends on: the
# same inputs as the build step's kernel, and the base tree it is made on
# (Kconfig).
static_config_key() {
	hash_string "$(target_id) $1 $STATIC_ARCH $(config_key "$STATIC_ARCH")"
}

# static_inputs VARIANT: every input of the verdict.  Prints
# "VARIANT_TREE BASE_TREE KEY" (KEY: the tool, the config's inputs, the
# versions and the scripts the findings depend on; the trees aside: a
# tree's findings are kept by its id and its config's contents, so that
# equal trees on different bases share them).
static_inputs() {
	local v=$1 vtree btree
	vtree=$(plan_tree "$v")
	btree=$(tgit rev-parse -q --verify "$(base_ref "$(variant_base "$v")")^{tree}" || echo none)
	echo "$vtree $btree $(hash_string "$STATIC_TOOL $(config_key "$STATIC_ARCH") $(static_tool_version | tr '\n' ' ') $(hash_files "$0" "$STATIC_HELPER" "${LIB_FILES[@]}")")"
}

# static_config BASE: the analysis .config, made once per base tree on the
# base (kernel-config.sh takes ~20 s); prints its path.
static_config() {
	local base=$1 btree ckey cfg
	btree=$(tgit rev-parse "$(base_ref "$base")^{tree}")
	ckey=$(static_config_key "$btree")
	cfg=$CACHE_DIR/static/config/$ckey.config
	if [ ! -f "$cfg" ]; then
		mkdir -p "$CACHE_DIR/static/config"
		lane_checkout "$(base_ref "$base")"
		echo "== .config (kernel-config.sh $STATIC_ARCH), made on $base" >&2
		bash "$PROJECT_DIR/scripts/kernel-config.sh" "$STATIC_ARCH" "$cfg.tmp.$$" \
			>"$VARIANT_DIR/$STATIC_TOOL-config.log" 2>&1 ||
			{ tail -n 5 "$VARIANT_DIR/$STATIC_TOOL-config.log" >&2; return 1; }
		publish_file "$cfg.tmp.$$" "$cfg"
	fi
	echo "$cfg"
}

# static_prepare CONFIG: the lane's analysis build directory, configured
# with CONFIG and prepared.  Apart from the kernels' build directories, so
# their objects are never touched.  The .config is copied in only when it
# differs, so kbuild does not rebuild for nothing.
static_prepare() {
	mkdir -p "$KBUILD_OUT"
	cmp -s "$1" "$KBUILD_OUT/.config" || cp "$1" "$KBUILD_OUT/.config"
	echo "== make olddefconfig prepare (O=$KBUILD_OUT)"
	# shellcheck disable=SC2046 # make_jobs is one word or none
	kmake $(make_jobs "$STATIC_JOBS") olddefconfig prepare >"$VARIANT_DIR/$STATIC_TOOL-prepare.log" 2>&1 ||
		{ tail -n 20 "$VARIANT_DIR/$STATIC_TOOL-prepare.log"; return 1; }
}

# static_changed_files BASE_REF REF: the fs/fuse .c files REF's tree
# changes from BASE_REF's, one a line; fails (status 1) when anything
# else differs, or nothing does (see "Findings per source file" above).
static_changed_files() {
	local st path n=0
	while IFS=$'\t' read -r st path; do
		case $st:$path in
		*[[:space:]]*) return 1 ;;
		M:fs/fuse/*.c) [ "${path#fs/fuse/}" = "${path##*/}" ] || return 1 ;;
		*) return 1 ;;
		esac
		echo "$path"
		n=$((n + 1))
	done < <(tgit diff --no-renames --name-status "$1" "$2" --)
	[ $n -gt 0 ]
}

# static_file_findings BASE_TXT BASE_TREE REF LABEL CONFIG CFGSUM KEY FILE...:
# the findings of REF's tree in $VARIANT_DIR/TOOL-LABEL.txt (and .raw:
# the files' own outputs): the base's (BASE_TXT, of BASE_TREE) with FILEs'
# findings taken again, each file's kept in the cache by the base tree,
# its path and its blob in REF (and CONFIG's sum CFGSUM and KEY, as the
# tree's).  Returns like static_findings_of.
static_file_findings() {
	local base_txt=$1 btree=$2 ref=$3 label=$4 cfg=$5 cfgsum=$6 key=$7 f blob missing=() rc=0 t0
	local raw=$VARIANT_DIR/$STATIC_TOOL-$label.raw txt=$VARIANT_DIR/$STATIC_TOOL-$label.txt
	local dir=$CACHE_DIR/static/$STATIC_TOOL/file own=$VARIANT_DIR/$STATIC_TOOL-$label.files
	local -A found=()
	shift 7
	for f in "$@"; do
		blob=$(tgit rev-parse -q --verify "$ref:$f") || { echo "no $f in $ref" >"$raw"; return 125; }
		found[$f]=$dir/$(hash_string "$btree $f $blob $cfgsum $key").txt
		if [ -f "${found[$f]}" ]; then
			echo "== $label: findings of $f (blob ${blob:0:12}) reused from ${found[$f]}"
		else
			missing+=("$f")
		fi
	done
	: >"$raw"
	if [ ${#missing[@]} -gt 0 ]; then
		(lane_checkout "$ref") >"$raw" 2>&1 || return 125
		static_prepare "$cfg" || { echo "could not configure/prepare $KBUILD_OUT (log: $VARIANT_DIR/$STATIC_TOOL-prepare.log)" >"$raw"; return 125; }
		t0=$(date +%s%N)
		echo "== $label: ${STATIC_WHAT_FILES:-$STATIC_WHAT} on ${missing[*]} only: tree $(tgit rev-parse --short=12 "$ref^{tree}") differs from the base's in these files"
		static_tool_run_files "$raw" "${missing[@]/%.c/.o}" || rc=$?
		echo "$label done in $(elapsed_since "$t0")s"
		static_normalise "$raw" "$(source_dir)" "$KBUILD_OUT" >"$txt"
		static_filter "$txt"
		rm -rf "$own"
		mkdir -p "$own" "$dir"
		for f in "${missing[@]}"; do
			# The file's own: those located in it.
			awk -v p="$f: " 'index($0, p) == 1' "$txt" >"$own/${f//\//_}"
			# Only a clean run is kept: a broken tool is never cached.
			if [ $rc = 0 ]; then
				cp "$own/${f//\//_}" "${found[$f]}.tmp.$$"
				publish_file "${found[$f]}.tmp.$$" "${found[$f]}"
			fi
			found[$f]=$own/${f//\//_}
		done
	fi
	# The base's findings less those files', then theirs.
	{
		awk -v files="$*" 'BEGIN { n = split(files, f, " ") }
		{ for (i = 1; i <= n; i++) if (index($0, f[i] ": ") == 1) next; print }' "$base_txt"
		for f in "$@"; do cat "${found[$f]}"; done
	} | LC_ALL=C sort >"$txt.tmp"
	mv "$txt.tmp" "$txt"
	return $rc
}

# static_findings_of COMMIT LABEL CONFIG KEY [BASE_REF BASE_TXT]: the
# findings of COMMIT's tree in $VARIANT_DIR/TOOL-LABEL.raw and .txt.  They
# are kept by content (the tree id, the config's contents and KEY): a tree
# analysed once is never analysed again, whichever variant it belongs to
# (v5's tree is incremental's).  With the base (its ref and findings) and
# a tool that checks single files, a tree that differs from the base's in
# .c files only has just those analysed (static_file_findings).  Returns
# the tool's exit status, 125 when the checkout went wrong.  It is called
# under `if !` and `||`, where set -e is off: every command that matters
# is checked by hand.
static_findings_of() {
	local ref=$1 label=$2 cfg=$3 key=$4 base_ref=${5:-} base_txt=${6:-} rc=0 raw=$VARIANT_DIR/$STATIC_TOOL-$2.raw tree store t0 cfgsum btree files fl
	tree=$(tgit rev-parse -q --verify "$ref^{tree}") || { echo "no such tree: $ref" >"$raw"; return 125; }
	cfgsum=$(sha256sum <"$cfg" | cut -c1-16)
	# STATIC_PER_FILE=0: a variant's whole tree, kept apart (to compare).
	[ -z "$base_ref" ] || [ "${STATIC_PER_FILE:-1}" != 0 ] || key="$key whole"
	store=$CACHE_DIR/static/$STATIC_TOOL/$(hash_string "$tree $cfgsum $key")
	if [ -f "$store.txt" ] && [ -f "$store.raw" ]; then
		echo "== $label: findings of tree ${tree:0:12} reused from $store.txt"
		cp "$store.raw" "$raw"
		cp "$store.txt" "$VARIANT_DIR/$STATIC_TOOL-$label.txt"
		return 0
	fi
	if [ -n "$base_ref" ] && [ "${STATIC_PER_FILE:-1}" != 0 ] && declare -F static_tool_run_files >/dev/null &&
		files=$(static_changed_files "$base_ref" "$ref"); then
		btree=$(tgit rev-parse "$base_ref^{tree}")
		mapfile -t fl <<<"$files"
		static_file_findings "$base_txt" "$btree" "$ref" "$label" "$cfg" "$cfgsum" "$key" "${fl[@]}" || rc=$?
		[ $rc != 125 ] || return 125
	else
		(lane_checkout "$ref") >"$raw" 2>&1 || return 125
		static_prepare "$cfg" || { echo "could not configure/prepare $KBUILD_OUT (log: $VARIANT_DIR/$STATIC_TOOL-prepare.log)" >"$raw"; return 125; }
		t0=$(date +%s%N)
		echo "== $label: $STATIC_WHAT on tree ${tree:0:12} ($(source_dir))"
		static_tool_run "$raw" || rc=$?
		echo "$label done in $(elapsed_since "$t0")s"
		static_normalise "$raw" "$(source_dir)" "$KBUILD_OUT" >"$VARIANT_DIR/$STATIC_TOOL-$label.txt"
		static_filter "$VARIANT_DIR/$STATIC_TOOL-$label.txt"
	fi
	# Only a clean run is kept: a broken tool is never cached.
	if [ $rc = 0 ]; then
		mkdir -p "$(dirname "$store")"
		cp "$raw" "$store.raw.tmp.$$"
		cp "$VARIANT_DIR/$STATIC_TOOL-$label.txt" "$store.txt.tmp.$$"
		publish_file "$store.raw.tmp.$$" "$store.raw"
		publish_file "$store.txt.tmp.$$" "$store.txt"
	fi
	return $rc
}

# static_tool_error RAW: the line that says why the tool failed.
static_tool_error() {
	local f re
	# The tool's own words first (spatch prints them where coccicheck
	# sends its output), make's "Error 1" only when there are none.
	for re in 'No OCaml|not found|[Cc]annot|[Ff]atal' '[Ee]rror|failed'; do
		for f in "$1" "$1.err"; do
			[ -s "$f" ] && grep -m1 -E "$re" "$f" && return
		done
	done
	tail -n 1 "$1" 2>/dev/null || echo "see the log"
}

static_main() {
	local v=${2:-${1:-}} base vtree btree key cfg rc nb nv nn ng first
	base=$(variant_base "$v")
	if [ "${1:-}" = --key ]; then
		# No patches: the variant is its base, nothing can be new.  A
		# planted fault: a test-only variant, whose code is no one's
		# to mail; the series' own patches are checked in the
		# variants that carry them.
		variant_is_mailed "$v" || exit "$KEY_NA"
		echo "$(target_id) $STATIC_ARCH $(static_inputs "$v")"
		exit 0
	fi
	summary() { echo "$*" >"$STEP_SUMMARY"; }
	read -r vtree btree key < <(static_inputs "$v")
	[ -n "$(variant_patches "$v")" ] || { summary "no patches: the variant is its base"; exit "$STEP_SKIP"; }
	variant_is_mailed "$v" || { summary "a planted fault: a test-only variant, not the series' code"; exit "$STEP_SKIP"; }
	[ "$vtree" != none ] || { summary "no tree: $(plan_commit "$v" 2>&1 >/dev/null | tail -n 1)"; exit "$STEP_FAIL"; }
	require_tool "${CROSS_COMPILE:-}gcc" gcc
	require_tool flex flex
	require_tool bison bison
	require_tool bc bc
	arch_load "$STATIC_ARCH"
	export LANE=${LANE:-static-$STATIC_TOOL}
	KBUILD_OUT=$(build_dir)
	export KBUILD_OUT
	require_disk "$CACHE_DIR" 1
	# One locale for every run: tools' messages must not depend on the
	# caller's (the normaliser also folds gcc's quotes, see there).
	export LC_ALL=C

	cfg=$(static_config "$base") ||
		{ summary "could not make the analysis .config on $base (log: $VARIANT_DIR/$STATIC_TOOL-config.log)"; exit "$STEP_ERROR"; }
	rc=0
	static_findings_of "$(base_ref "$base")" base "$cfg" "$key" || rc=$?
	if [ $rc != 0 ]; then
		tail -n 20 "$VARIANT_DIR/$STATIC_TOOL-base.raw"
		summary "$STATIC_WHAT failed on the base $base, the tool broke: $(static_tool_error "$VARIANT_DIR/$STATIC_TOOL-base.raw") (log: $VARIANT_DIR/log)"
		exit "$STEP_ERROR"
	fi
	rc=0
	static_findings_of "$(plan_commit "$v")" variant "$cfg" "$key" \
		"$(base_ref "$base")" "$VARIANT_DIR/$STATIC_TOOL-base.txt" || rc=$?
	if [ $rc = 125 ]; then
		summary "$(tail -n 1 "$VARIANT_DIR/$STATIC_TOOL-variant.raw")"
		exit "$STEP_ERROR"
	fi
	static_new "$VARIANT_DIR/$STATIC_TOOL-base.txt" "$VARIANT_DIR/$STATIC_TOOL-variant.txt" \
		>"$VARIANT_DIR/$STATIC_TOOL-new.txt"
	nb=$(wc -l <"$VARIANT_DIR/$STATIC_TOOL-base.txt")
	nv=$(wc -l <"$VARIANT_DIR/$STATIC_TOOL-variant.txt")
	nn=$(wc -l <"$VARIANT_DIR/$STATIC_TOOL-new.txt")
	ng=$(LC_ALL=C comm -23 "$VARIANT_DIR/$STATIC_TOOL-base.txt" "$VARIANT_DIR/$STATIC_TOOL-variant.txt" | wc -l)
	{
		echo "${STATIC_TOOL}_base=$nb"
		echo "${STATIC_TOOL}_variant=$nv"
		echo "${STATIC_TOOL}_new=$nn"
	} >>"$FACTS"
	echo "== findings: base $nb, variant $nv, new $nn, gone $ng"
	echo "-- base ($VARIANT_DIR/$STATIC_TOOL-base.txt):"
	cat "$VARIANT_DIR/$STATIC_TOOL-base.txt"
	echo "-- new ($VARIANT_DIR/$STATIC_TOOL-new.txt):"
	cat "$VARIANT_DIR/$STATIC_TOOL-new.txt"
	if [ "$nn" -gt 0 ]; then
		first=$(head -n 1 "$VARIANT_DIR/$STATIC_TOOL-new.txt")
		if [ "$nn" = 1 ]; then
			summary "1 new: $first (base $nb, variant $nv)"
		else
			summary "$nn new, first: $first (base $nb, variant $nv; all: $VARIANT_DIR/$STATIC_TOOL-new.txt)"
		fi
		exit 1
	fi
	if [ $rc != 0 ]; then
		# No new finding, yet the tool failed: say so rather than pass.
		tail -n 20 "$VARIANT_DIR/$STATIC_TOOL-variant.raw"
		summary "$STATIC_WHAT failed (exit $rc) on the variant, the tool broke: $(static_tool_error "$VARIANT_DIR/$STATIC_TOOL-variant.raw")"
		exit "$STEP_ERROR"
	fi
	summary "no new $STATIC_TOOL findings (base $nb, variant $nv$([ "$ng" = 0 ] || echo ", $ng gone"))"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case ${1:-} in
	normalise) static_normalise "${2:?RAW}" "${3:?TREE_DIR}" "${4:-}" ;;
	new) static_new "${2:?BASE}" "${3:?VARIANT}" ;;
	*) die "usage: static-findings.sh normalise RAW TREE_DIR [BUILD_DIR] | new BASE VARIANT" ;;
	esac
fi
