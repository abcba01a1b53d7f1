#!/bin/bash
# send.sh: the series as mail, made by b4 the way a contributor makes it.
#
#   make send            dry run: write the exact messages (one .eml each and
#                        series.mbox) to results/<timestamp>-send/ and show
#                        From, To, Cc, Subject, In-Reply-To of each, and
#                        where each recipient comes from
#   make send REFLECT=1  also mail them to yourself only (b4's reflect: the
#                        headers stay as they are, the one envelope
#                        recipient is your sendemail.from or user.email)
#   make send SEND=1     also send them to the listed recipients with
#                        git send-email, after the summary and a typed "yes",
#                        and only if the newest make check-series proved
#                        these very patch files (the gate, below)
#
# What is mailed is always the linux-next series: patches/NAME, whatever the
# target.  The embedded 6.1 target proves each patch through its backport
# (patches/stable-6.1/NAME, whose added lines t0110 shows equal), so there
# the prep branch gets the alternative as an empty commit and base-commit:
# is left out (its commits exist only in this machine's rebuilt tree).
#
# How the messages are made (b4 0.12 cannot do all of it alone):
#   - a b4 prep branch in a sparse scratch clone of the target tree (never
#     the user's tree), on the base of the series' first patch, with
#     cover-letter.txt as the cover;
#   - each patch that applies is `git am`ed; one that does not is an
#     alternative of an earlier one (the variants file's same-as: here v5 of
#     the whole change instead of the one-line fix), so the branch gets an
#     empty commit with its message, in mailing order;
#   - `b4 send -o --no-sign` writes the messages (threading, Message-Ids).
#     Then each patch message's part from its "---" on is replaced by the
#     patch file's own (notes, diffstat, diff: the exact file content), its
#     Subject prefix by the file's (b4 gives every message one revision;
#     "[PATCH v5 2/2]" is the file's), the cover's diffstat by one per
#     alternative, and To:/Cc: of every message by the recipients below.
#
# Recipients (data, each with its reason, shown in the summary):
#   the target's get_maintainer.pl (the commands in .b4-config) on each
#   mailed patch + MAINTAINERS.snippet (M: To, L: Cc) + the addresses of the
#   patches' Reported-by, Tested-by, Cc and Closes (mailto:) trailers + the
#   `recipients` file (what a script cannot know: the previous revision's
#   reviewers, the reporters' lists and colleagues, regressions@).  An
#   address in To and Cc is To.  Never mailed: yourself, and
#   stable@vger.kernel.org (its Cc: trailer asks for a backport after merge).
#
# The SEND=1 gate: results/latest/summary.json (the newest make
# check-series) must be of this target, carry the content keys ("series":
# sha256 and git patch-id --stable) of exactly these patch files (and, on
# the embedded target, of their backports), and hold every variant through
# every step with a verdict as the variants file expects (PASS, XFAIL, n/a).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# These messages go out under the user's name: drop lib.sh's fixed scratch
# identity and let git read the user's whole configuration again.
unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL \
	GIT_AUTHOR_DATE GIT_COMMITTER_DATE GIT_CONFIG_NOSYSTEM

B4_CONFIG=${B4_CONFIG:-$PROJECT_DIR/.b4-config}
COVER_LETTER=${COVER_LETTER:-$PROJECT_DIR/cover-letter.txt}
MAINTAINERS_SNIPPET=${MAINTAINERS_SNIPPET:-$PROJECT_DIR/MAINTAINERS.snippet}
RECIPIENTS=${RECIPIENTS:-$PROJECT_DIR/recipients}
# Where the user's own git configuration (identity, sendemail.*) is read.
USER_REPO=${LINUX_TREE:-$PROJECT_DIR}

# ---- refuse early what cannot end well ---------------------------------------

if [ "${SEND:-0}" = 1 ] && [ "${REFLECT:-0}" = 1 ]; then
	die "SEND=1 and REFLECT=1 together: choose one (REFLECT=1 mails only you, SEND=1 mails the recipients)"
fi
if [ "${SEND:-0}" = 1 ] && ! { [ -t 0 ] && [ -t 1 ]; }; then
	die "SEND=1 needs a terminal: it shows the messages and asks before mailing anyone; run 'make send SEND=1' interactively (the dry run, 'make send', needs none)"
fi
require_tool b4 b4
require_tool perl perl
require_tool python3 python3
[ -x "$(git --exec-path)/git-send-email" ] ||
	die "'git send-email' not found: install it with 'apt-get install git-email' (or run 'make deps' as root)"
[ -f "$B4_CONFIG" ] || die "$B4_CONFIG is missing: it holds the project's b4 settings; restore it from git"

user_name=$(git -C "$USER_REPO" config user.name || true)
user_email=$(git -C "$USER_REPO" config user.email || true)
if [ -z "$user_name" ] || [ -z "$user_email" ]; then
	die "no git identity (user.name/user.email) to send as: set it with git config --global user.name 'Your Name' && git config --global user.email you@example.org"
fi

# ---- SEND=1: only what the newest make check-series proved --------------------

# send_gate: dies unless results/latest/summary.json proves these files.
send_gate() {
	local j=$RESULTS_ROOT/latest/summary.json run want have n s v verdict steps
	run=$(readlink -f "$RESULTS_ROOT/latest" 2>/dev/null || echo "$RESULTS_ROOT/latest")
	[ -f "$j" ] || die "refusing to send: no make check-series result ($j is missing): run 'make check-series' first; SEND=1 mails only what it proved"
	jq -e 'type == "object"' "$j" >/dev/null 2>&1 || die "refusing to send: $j is not a check-series summary: run 'make check-series' again"
	[ "$(jq -r '.target.id' "$j")" = "$(target_id)" ] ||
		die "refusing to send: the newest make check-series ($run) ran on target $(jq -r '.target.id' "$j"), not on $(target_id): run 'make check-series' with the same LINUX_TREE= first"
	jq -e 'has("series")' "$j" >/dev/null ||
		die "refusing to send: the newest make check-series ($run) recorded no content keys of the patch files: run 'make check-series' again"
	want=$(bash "$PROJECT_DIR/scripts/series-keys.sh") || die "could not key the patch files (scripts/series-keys.sh)"
	have=$(jq '.series' "$j")
	if [ "$(target_kind)" != embedded ]; then # the backports prove nothing there
		want=$(jq 'map_values(del(.backport))' <<<"$want")
		have=$(jq 'map_values(del(.backport))' <<<"$have")
	fi
	for n in $(jq -r 'keys[]' <<<"$want"); do
		for s in "" .backport; do
			# (the file itself without its backport's keys, then the backport)
			[ "$(jq -c ".[\"$n\"]$s | objects |= del(.backport)" <<<"$want")" = \
				"$(jq -c ".[\"$n\"]$s // null | objects |= del(.backport)" <<<"$have" 2>/dev/null)" ] && continue
			if [ "$(jq -r ".[\"$n\"]$s.patch_id" <<<"$want")" = "$(jq -r ".[\"$n\"]$s.patch_id // empty" <<<"$have")" ]; then
				die "refusing to send: ${s:+the backport of }$n changed since the newest make check-series ($run) (its message or notes; the diff is the same): run 'make check-series' again (its cache keeps the kernels)"
			fi
			die "refusing to send: ${s:+the backport of }$n is not the file the newest make check-series ($run) proved (its diff changed): run 'make check-series' again"
		done
	done
	[ "$(jq -c 'keys' <<<"$want")" = "$(jq -c 'keys' <<<"$have")" ] ||
		die "refusing to send: the newest make check-series ($run) proved the patches $(jq -r 'keys | join(" ")' <<<"$have"), not $(jq -r 'keys | join(" ")' <<<"$want"): run 'make check-series' again"
	steps=$(sed -n 's/^ALL_STEPS=(\(.*\))$/\1/p' "$PROJECT_DIR/scripts/check-series.sh")
	[ -n "$steps" ] || die "cannot read the list of steps (ALL_STEPS) from scripts/check-series.sh"
	for v in $(variant_names); do
		for s in $steps; do
			verdict=$(jq -r --arg v "$v" --arg s "$s" '[.results[] | select(.variant == $v and .step == $s) | .verdict] | first // "missing"' "$j")
			case $verdict in
			PASS | XFAIL | n/a) ;;
			missing) die "refusing to send: the newest make check-series ($run) did not run step $s of variant $v (VARIANTS=/STEPS= left it out): run the whole 'make check-series'" ;;
			*) die "refusing to send: the newest make check-series ($run) gave $v/$s $verdict, not what the variants file expects: fix that first" ;;
			esac
		done
	done
	note "SEND=1: the newest make check-series ($run) proved these exact patch files: every variant, every step as expected"
}
[ "${SEND:-0}" != 1 ] || send_gate

# ---- scratch space: removed on failure and Ctrl-C -----------------------------

mkdir -p "$CACHE_DIR" "$RESULTS_ROOT"
work=$(mktemp -d "$CACHE_DIR/.tmp.send.XXXXXX")
out=$(mktemp -d "$RESULTS_ROOT/.tmp.send.XXXXXX")
# The log of the last run stays (also after a failure) as $CACHE_DIR/send.log.
LAST_LOG=$CACHE_DIR/send.log
cleanup() {
	cp "$log" "$LAST_LOG" 2>/dev/null || true
	rm -rf "$work"
	[ -z "$out" ] || rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log=$work/send.log
: >"$log"
# fail_log WHAT: die with the log's last lines.
fail_log() {
	die "$1: $(tail -n 3 "$log" | tr '\n' ' ')(log: $LAST_LOG)"
}

mapfile -t names < <(series_patches)
[ ${#names[@]} -gt 0 ] || die "no patches named in $(basename "$VARIANTS_FILE"): nothing to send"
# The messages carry the linux-next patches, never a backport.
files=()
for n in "${names[@]}"; do
	[ -f "$PATCHES_DIR/$n" ] || die "patch '$n' named in $(basename "$VARIANTS_FILE") is not in patches/: fix the variants file"
	files+=("$PATCHES_DIR/$n")
done
[ -f "$RECIPIENTS" ] || die "$RECIPIENTS is missing: it lists the recipients a script cannot know, each with its reason; restore it from git"

# ---- checkpatch: never mail what fails it -------------------------------------

# The target first: with LINUX_TREE= its own checkpatch.pl is one of the two.
target=$(bash "$PROJECT_DIR/scripts/prepare-target.sh") || die "could not prepare the target tree"

step_begin "checkpatch --strict on every mailed patch (scripts/step-checkpatch.sh)"
for v in $(variant_names); do
	variant_is_mailed "$v" || continue
	vd=$work/checkpatch/$v
	mkdir -p "$vd"
	rc=0
	STEP_SUMMARY=$vd/summary FACTS=$vd/facts VARIANT_DIR=$vd \
		bash "$PROJECT_DIR/scripts/step-checkpatch.sh" "$v" >>"$log" 2>&1 </dev/null || rc=$?
	if [ $rc != 0 ]; then
		why=$(head -n 1 "$vd/summary" 2>/dev/null || true)
		die "refusing to send: checkpatch fails on a patch of variant $v: ${why:-exit $rc, see $LAST_LOG}; fix the patch or waive the finding in checkpatch-waivers"
	fi
done
step_end

# ---- the scratch clone, b4 prep branch ----------------------------------------

v=$(variants_with_patch "${names[0]}")
first_base=""
[ -z "$v" ] || first_base=$(variant_base "${v%%$'\n'*}")
step_begin "b4 prep branch on $first_base in a scratch clone of $(target_kind) ($target)"
clone=$work/tree
git clone -q --shared --no-checkout "$target" "$clone"
# Sparse: what get_maintainer.pl checks for a kernel top, scripts/, and the
# files the patches touch.  Seconds instead of a 1.5 GB checkout.
mapfile -t touched < <(patch_sparse_patterns "${files[@]}")
git -C "$clone" sparse-checkout set --no-cone '/*' '!/*/' /scripts/ /Documentation/Makefile /arch/Kconfig \
	/drivers/Kconfig /fs/Kconfig /include/linux/kernel.h /init/Kconfig /ipc/Makefile /kernel/Makefile /lib/Kconfig \
	"${touched[@]}"
git -C "$clone" checkout -q -b send-base "$(base_ref "$first_base")"
git -C "$clone" config user.name "$user_name"
git -C "$clone" config user.email "$user_email"
# b4 reads .b4-config from the top of the tree it runs in.
cp "$B4_CONFIG" "$clone/.b4-config"
echo /.b4-config >>"$clone/.git/info/exclude"
series_name=$(head -n 1 "$COVER_LETTER" | tr '[:upper:]' '[:lower:]' | sed -E 's/[^a-z0-9]+/-/g' | cut -c1-40 | sed -E 's/^-+//; s/-+$//')
(cd "$clone" && b4 prep -n "$series_name") >>"$log" 2>&1 || fail_log "b4 prep -n failed"

# ---- recipients: every source, each address with where it came from ------------

# $work/rcpt: KIND<TAB>ADDRESS<TAB>SOURCE lines, KIND to or cc.
: >"$work/rcpt"
rcpt() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$work/rcpt"; }
# The .b4-config commands (the target tree's get_maintainer.pl) on each
# mailed patch: maintainers To, lists Cc, as b4 does.
for k in to:send-auto-to-cmd cc:send-auto-cc-cmd; do
	cmd=$(git config -f "$B4_CONFIG" "b4.${k#*:}") || die "$B4_CONFIG has no b4.${k#*:}: restore it from git"
	for f in "${files[@]}"; do
		# shellcheck disable=SC2086 # the command is words, as b4 splits it
		out_addrs=$(cd "$clone" && $cmd "$f" 2>>"$log") || fail_log "'$cmd' failed on $(basename "$f")"
		while IFS= read -r a; do
			[ -z "$a" ] || rcpt "${k%%:*}" "$a" "get_maintainer.pl of the $(target_kind) tree ($([ "${k%%:*}" = to ] && echo maintainer || echo list)) for $(basename "$f")"
		done <<<"$out_addrs"
	done
done
sed -n 's/^M:[[:space:]]*//p' "$MAINTAINERS_SNIPPET" | while IFS= read -r a; do rcpt to "$a" "$(basename "$MAINTAINERS_SNIPPET") M: (maintainer)"; done
sed -n 's/^L:[[:space:]]*//p' "$MAINTAINERS_SNIPPET" | while IFS= read -r a; do rcpt cc "$a" "$(basename "$MAINTAINERS_SNIPPET") L: (list)"; done
# The recipients file: KIND ADDRESS REASON (ADDRESS is "Name <a@b>" or a@b).
awk -v file="$(basename "$RECIPIENTS")" '
	/^[[:space:]]*(#|$)/ { next }
	{
		kind = $1; rest = $0; sub(/^[[:space:]]*[^[:space:]]+[[:space:]]+/, "", rest)
		if (kind != "to" && kind != "cc") { printf "bad\t%d: kind \"%s\" is not to or cc\n", NR, kind; next }
		if (rest ~ /^[^[:space:]]+@[^[:space:]]+([[:space:]]|$)/) { addr = rest; sub(/[[:space:]].*/, "", addr) }
		else if (index(rest, ">")) addr = substr(rest, 1, index(rest, ">"))
		else { printf "bad\t%d: no address\n", NR; next }
		why = substr(rest, length(addr) + 1); sub(/^[[:space:]]+/, "", why)
		if (why == "") { printf "bad\t%d: %s has no reason\n", NR, addr; next }
		printf "%s\t%s\t%s: %s\n", kind, addr, file, why
	}' "$RECIPIENTS" >"$work/rcpt.file"
if grep -q '^bad' "$work/rcpt.file"; then
	die "$RECIPIENTS line $(grep -m1 '^bad' "$work/rcpt.file" | cut -f2-) (each line: to|cc ADDRESS REASON)"
fi
cat "$work/rcpt.file" >>"$work/rcpt"
# The trailers of the mailed patches: Reported-by, Tested-by, Cc (and a
# Closes: mailto:).  A Closes: URL names a report, not a person: its list,
# when it must hear of the fix, is in the recipients file.
for f in "${files[@]}"; do
	git mailinfo "$work/tmsg" "$work/tpatch" <"$f" >/dev/null
	git interpret-trailers --parse <"$work/tmsg" | while IFS= read -r t; do
		key=${t%%: *} val=${t#*: }
		case $key in Reported-by | Tested-by | Cc) ;; Closes) case $val in mailto:*) val=${val#mailto:} ;; *) continue ;; esac ;; *) continue ;; esac
		val=${val%% #*} # "Cc: stable@vger.kernel.org # 6.1": the comment is no address
		case $val in *@*) ;; *) continue ;; esac
		case $val in *'>'*) val="${val%%>*}>" ;; esac
		rcpt cc "$val" "$key: trailer of $(basename "$f")"
	done
done
# Merge: one line per address (compared without case): To if any source
# says To, the first spelling, every source; then what is never mailed.
awk -F '\t' -v self="$user_email" '
	function bare(a) { if (match(a, /<[^>]*>/)) a = substr(a, RSTART + 1, RLENGTH - 2); gsub(/[[:space:]]/, "", a); return tolower(a) }
	{
		k = bare($2)
		if (k == tolower(self)) { dropk[k] = 1; dropw[k] = "yourself: never Cc yourself"; dropa[k] = $2; next }
		if (k == "stable@vger.kernel.org") {
			dropk[k] = 1; dropa[k] = $2
			dropw[k] = "a Cc: stable trailer asks for a backport after the fix is merged (" $3 "); the stable list is not mailed with the series"
			next
		}
		if (!(k in disp)) { disp[k] = $2; order[++n] = k }
		if ($1 == "to") to[k] = 1
		src[k] = src[k] (src[k] == "" ? "" : "; ") $3
	}
	END {
		for (i = 1; i <= n; i++) { k = order[i]; if (to[k]) printf "to\t%s\t%s\n", disp[k], src[k] }
		for (i = 1; i <= n; i++) { k = order[i]; if (!to[k]) printf "cc\t%s\t%s\n", disp[k], src[k] }
		for (k in dropk) printf "not\t%s\t%s\n", dropa[k], dropw[k]
	}' "$work/rcpt" >"$work/dests"
grep -q '^to' "$work/dests" || die "no To: address from get_maintainer.pl, $(basename "$MAINTAINERS_SNIPPET") or $(basename "$RECIPIENTS"): add the maintainer (M:) there"
# hdr_list KIND: the addresses of one kind, as one header value.
hdr_list() { awk -F '\t' -v k="$1" '$1 == k { printf "%s%s", (n++ ? ",\n " : ""), $2 } END { if (n) print "" }' "$work/dests"; }
{ cat "$COVER_LETTER"; echo; awk -F '\t' '$1 == "to" { print "To: " $2 } $1 == "cc" { print "Cc: " $2 }' "$work/dests"; } >"$work/cover"
# The "editor" copies the cover in; core.editor wins over $EDITOR in b4.
git -C "$clone" config core.editor "cp '$work/cover'"
(cd "$clone" && b4 prep --edit-cover) >>"$log" 2>&1 || fail_log "b4 prep --edit-cover failed"

for i in "${!files[@]}"; do
	f=${files[$i]}
	if git_am_or_abort "$clone" -q "$f" >>"$log" 2>&1; then
		continue
	fi
	# Not a stack: an alternative.  Its variant must be same-as one whose
	# patches are already on the branch (the variants file says so).
	alt=""
	for v in $(variants_with_patch "${names[$i]}"); do
		s=$(variant_same_as "$v")
		[ "$s" != - ] && [ -n "$(variant_patches "$s")" ] && alt=$s
	done
	[ -n "$alt" ] || die "${names[$i]} does not apply after the patches before it and is no alternative (same-as) of them: fix the patch or the variants file"
	git mailinfo "$work/msg" "$work/diff" <"$f" >"$work/info"
	{ sed -n 's/^Subject: //p' "$work/info"; echo; cat "$work/msg"; } >"$work/cmsg"
	GIT_AUTHOR_NAME=$(sed -n 's/^Author: //p' "$work/info") \
		GIT_AUTHOR_EMAIL=$(sed -n 's/^Email: //p' "$work/info") \
		GIT_AUTHOR_DATE=$(sed -n 's/^Date: //p' "$work/info") \
		git -C "$clone" commit -q --allow-empty -F "$work/cmsg"
done
step_end

# ---- b4 send -o, then each patch message carries its file ---------------------

step_begin "b4 send -o (dry run, --no-sign)"
# An smtpServer for the call keeps b4 off its web endpoint (which would
# demand patatt signing even with -o); -o never connects.  core.abbrev=12
# is the kernel's index-line style.
(cd "$clone" && GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=sendemail.smtpServer GIT_CONFIG_VALUE_0=/bin/false \
	GIT_CONFIG_KEY_1=core.abbrev GIT_CONFIG_VALUE_1=12 b4 send -o "$work/b4" --no-sign) >>"$log" 2>&1 ||
	fail_log "b4 send -o failed"
mapfile -t emls < <(find "$work/b4" -name '*.eml' | sort)
[ ${#emls[@]} = $((${#files[@]} + 1)) ] ||
	die "b4 wrote ${#emls[@]} messages, expected $((${#files[@]} + 1)) (cover + ${#files[@]}): see $LAST_LOG"
cp "${emls[0]}" "$out/"
for i in "${!files[@]}"; do
	f=${files[$i]} e=${emls[$((i + 1))]}
	new=$out/$(basename "$e")
	fprefix=$(patch_subject "$f" | grep -oE '^\[[^]]*\]')
	awk -v fprefix="$fprefix" -v pf="$f" '
		# headers: the Subject prefix becomes the patch file'\''s
		!body && /^$/ { body = 1; print; next }
		!body && /^Subject: / && !done { sub(/^Subject: \[[^]]*\]/, "Subject: " fprefix); done = 1 }
		!body { print; next }
		# body: b4'\''s in-body From and commit message, up to "---" or
		# the signature; then the file from its "---"; then the signature
		sig || /^-- $/ { sig = 1; s = s $0 "\n"; next }
		cut || /^---$/ { cut = 1; next }
		{ m = m $0 "\n" }
		END {
			sub(/\n+$/, "\n", m); printf "%s", m
			while ((getline l < pf) > 0) { if (l == "---") t = 1; if (t) print l }
			printf "\n%s", s
		}' "$e" >"$new"
	# The message must carry exactly the file: same message, same rest.
	git mailinfo "$work/m1" "$work/p1" <"$new" >/dev/null
	git mailinfo "$work/m2" "$work/p2" <"$f" >/dev/null
	# (less b4's signature and the blank line before it)
	awk '/^-- $/ { exit } /^$/ { b = b "\n"; next } { printf "%s%s\n", b, $0; b = "" }' "$work/p1" >"$work/p1.nosig"
	if ! cmp -s "$work/m1" "$work/m2" || ! cmp -s "$work/p1.nosig" "$work/p2"; then
		die "message $((i + 1)) does not carry $(realpath --relative-to="$PROJECT_DIR" "$f") exactly: a bug in send.sh"
	fi
done
step_end

# ---- every message: To/Cc from the recipients; the cover: diffstats, base ---------

# The cover's diffstat: b4 counts the branch, where an alternative rides as
# an empty commit; each alternative's own diffstat (from its file) instead.
: >"$work/diffstat"
for i in "${!files[@]}"; do
	v=$(variants_with_patch "${names[$i]}")
	v=${v%%$'\n'*}
	{
		[ "$i" = 0 ] || echo
		echo "$((i + 1))/${#files[@]} ($v, on $(variant_base "$v")):"
		awk '/^diff --git / { exit } /^---$/ { s = ""; on = 1; next } on && /^$/ { on = 0 } on { s = s $0 "\n" } END { printf "%s", s }' "${files[$i]}"
	} >>"$work/diffstat"
done
# base-commit: only for a base a reader can fetch (the user's linux-next).
keep_base=0
[ "$(target_kind)" = embedded ] || keep_base=1
hdr_list to >"$work/to.hdr"
hdr_list cc >"$work/cc.hdr"
for e in "$out"/*.eml; do
	awk -v tof="$work/to.hdr" -v ccf="$work/cc.hdr" -v dsf="$work/diffstat" -v keep_base="$keep_base" \
		-v cover="$([ "$e" = "$out/$(basename "${emls[0]}")" ] && echo 1 || echo 0)" '
		function cat(f, first,   l, n) { n = 0; while ((getline l < f) > 0) print (n++ ? "" : first) l; close(f); return n }
		function put() { if (!put_done) { cat(tof, "To: "); cat(ccf, "Cc: ") } put_done = 1 }
		# headers: To and Cc (with their continuation lines) replaced
		!body && /^$/ { put(); body = 1; print; next }
		!body && /^[ \t]/ { if (!skip) print; next }
		!body { skip = 0 }
		!body && tolower($0) ~ /^(to|cc):/ { skip = 1; put(); next }
		!body { print; next }
		# the cover: after its first "---", the diffstat and base-commit
		cover && /^---$/ { sep = 1 }
		cover && sep && /^ .*\|/ || cover && sep && /^ [0-9]+ files? changed/ { if (!ds++) cat(dsf, ""); next }
		cover && sep && !keep_base && /^(base-commit|prerequisite-[a-z-]+): / { next }
		{ print }' "$e" >"$e.new"
	mv "$e.new" "$e"
done

# mboxrd of the whole thread: what a maintainer saves and applies (make am).
for e in "$out"/*.eml; do
	echo "From mboxrd@z Thu Jan  1 00:00:00 1970"
	sed -E 's/^(>*From )/>\1/' "$e"
	echo
done >"$out/series.mbox"

# ---- summary --------------------------------------------------------------------

hdr() { # FILE NAME: a header, unfolded
	awk -v h="$2" 'BEGIN { h = tolower(h) ":" } /^$/ { exit }
		/^[ \t]/ { if (on) { sub(/^[ \t]+/, " "); v = v $0 }; next }
		{ on = (tolower(substr($0, 1, length(h))) == h); if (on) v = substr($0, length(h) + 2) }
		END { print v }' "$1" | sed 's/ *$//; s/,  */, /g'
}
{
	echo "send: $(find "$out" -name '*.eml' | wc -l) messages, target $(target_kind) ($(target_id)), base $first_base ($(git -C "$clone" rev-parse --short=12 "$(base_ref "$first_base")"))"
	for e in "$out"/*.eml; do
		echo
		echo "  $(basename "$e")"
		for h in From To Cc Subject Message-Id In-Reply-To; do
			v=$(hdr "$e" "$h")
			printf '    %-12s %s\n' "$h:" "${v:--}"
		done
	done
	echo
	echo "  recipients (where each comes from):"
	awk -F '\t' '{ printf "    %-3s %s\n          %s\n", ($1 == "to" ? "To" : $1 == "cc" ? "Cc" : "not"), $2, $3 }' "$work/dests"
	echo
	for i in "${!files[@]}"; do
		if [ "$(patch_file "${names[$i]}")" = "${files[$i]}" ]; then
			echo "  $((i + 1))/${#files[@]} carries patches/${names[$i]}"
		else
			echo "  $((i + 1))/${#files[@]} carries patches/${names[$i]}, the linux-next patch; this $(target_kind) target proves it through its backport $(realpath --relative-to="$PROJECT_DIR" "$(patch_file "${names[$i]}")" 2>/dev/null || patch_file "${names[$i]}") (same added lines)"
		fi
	done
	if [ "$keep_base" = 1 ]; then
		echo "  base-commit: $(git -C "$clone" rev-parse "$(base_ref "$first_base")") (the HEAD of LINUX_TREE: fetchable from linux-next)"
	else
		echo "  base-commit: left out: the embedded tree's commits exist only in this machine's rebuilt 6.1 tree, no reader can fetch them; with LINUX_TREE=/path/to/linux-next the cover names its commit"
	fi
} | tee "$out/summary.txt"

stamp=$(date +%Y%m%d-%H%M%S)
dest=$RESULTS_ROOT/$stamp-send
[ -e "$dest" ] && dest=$dest-$$
publish_file "$out" "$dest"
out=""
ln -sfn "$(basename "$dest")" "$RESULTS_ROOT/latest-send"
echo "send: messages in $dest (series.mbox: the thread as one mbox, for make am)"

# ---- delivery: only when asked ---------------------------------------------------

mapfile -t msgs < <(find "$dest" -name '*.eml' | sort)
if [ "${REFLECT:-0}" = 1 ]; then
	echo "send: REFLECT=1: mailing the ${#msgs[@]} messages to $user_email only (headers unchanged)"
	# b4's own reflect delivery, with the user's sendemail.* settings.
	# b4's own interpreter: the one its module is installed for.
	b4py=$(sed -n '1s/^#![[:space:]]*//p' "$(command -v b4)")
	# shellcheck disable=SC2086 # an interpreter line may carry options
	(cd "$USER_REPO" && ${b4py:-python3} - "${msgs[@]}" <<-'EOF'
		import email, email.policy, sys
		import b4
		msgs = []
		for fn in sys.argv[1:]:
		    with open(fn, 'rb') as fh:
		        msgs.append(email.message_from_binary_file(fh, policy=b4.emlpolicy))
		smtp, fromaddr = b4.get_smtp()
		sent = b4.send_mail(smtp, msgs, fromaddr=fromaddr, reflect=True)
		sys.exit(0 if sent == len(msgs) else 1)
	EOF
	) || die "reflecting failed: check sendemail.smtpServer (git config) and try again"
	echo "send: reflected ${#msgs[@]} messages to $user_email"
elif [ "${SEND:-0}" = 1 ]; then
	echo "send: SEND=1: this mails the ${#msgs[@]} messages above to their To: and Cc: recipients as $user_name <$user_email>."
	read -r -p "Type 'yes' to send, anything else stops: " answer || answer=""
	[ "$answer" = yes ] || die "not sent (answer was not 'yes'); the messages stay in $dest"
	# git send-email keeps the files' Message-Id, In-Reply-To and
	# References (the thread holds), and mails exactly their To: and Cc:
	# (the recipients above): no Cc of the sender, the author, nor of
	# addresses in the body (Signed-off-by, Cc: stable) or a cc-cmd.
	# Its own questions ("To whom...?") get no terminal: the answers are
	# in the files.
	(cd "$USER_REPO" && git send-email --confirm=never --no-thread --suppress-cc=self \
		--suppress-cc=author --suppress-cc=body --suppress-cc=cccmd \
		--from="$user_name <$user_email>" "${msgs[@]}" </dev/null) ||
		die "git send-email failed: check sendemail.* (git config); the messages stay in $dest"
	echo "send: sent ${#msgs[@]} messages"
else
	echo "send: dry run: nothing was sent.  REFLECT=1 mails them to you only; SEND=1 sends them."
fi
