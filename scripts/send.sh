#!/bin/bash
# send.sh: the series as mail, made by b4 the way a contributor makes it.
#
#   make send            dry run: write the exact messages (one .eml each and
#                        series.mbox) to results/<timestamp>-send/ and show
#                        From, To, Cc, Subject, In-Reply-To of each
#   make send REFLECT=1  also mail them to yourself only (b4's reflect: the
#                        headers stay as they are, the one envelope
#                        recipient is your sendemail.from or user.email)
#   make send SEND=1     also send them to the listed recipients with
#                        git send-email, after the summary and a typed "yes"
#
# How the messages are made (b4 0.12 cannot do all of it alone):
#   - a b4 prep branch in a sparse scratch clone of the target tree (never
#     the user's tree), on the base of the series' first patch; the cover
#     letter is cover-letter.txt plus To:/Cc: from the target tree's
#     get_maintainer.pl (the commands in .b4-config) merged with
#     MAINTAINERS.snippet;
#   - each patch that applies is `git am`ed; one that does not is an
#     alternative of an earlier one (the variants file's same-as: here v5 of
#     the whole change instead of the one-line fix), so the branch gets an
#     empty commit with its message, in mailing order;
#   - `b4 send -o --no-sign` writes the messages (threading, Message-Ids,
#     To/Cc, trailer Cc's).  Then each patch message's part from its "---"
#     on is replaced by the patch file's own (notes, diffstat, diff: the
#     exact file content), and its Subject prefix by the file's (b4 gives
#     every message one revision; "[PATCH v5 2/2]" is the file's).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# These messages go out under the user's name: drop lib.sh's fixed scratch
# identity and let git read the user's whole configuration again.
unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL \
	GIT_AUTHOR_DATE GIT_COMMITTER_DATE GIT_CONFIG_NOSYSTEM

B4_CONFIG=${B4_CONFIG:-$PROJECT_DIR/.b4-config}
COVER_LETTER=${COVER_LETTER:-$PROJECT_DIR/cover-letter.txt}
MAINTAINERS_SNIPPET=${MAINTAINERS_SNIPPET:-$PROJECT_DIR/MAINTAINERS.snippet}
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
files=()
for n in "${names[@]}"; do files+=("$(patch_file "$n")"); done

# ---- checkpatch: never mail what fails it -------------------------------------

# The target first: with LINUX_TREE= its own checkpatch.pl is one of the two.
target=$(bash "$PROJECT_DIR/scripts/prepare-target.sh") || die "could not prepare the target tree"

step_begin "checkpatch --strict on every mailed patch (scripts/step-checkpatch.sh)"
for v in $(variant_names); do
	[ -n "$(variant_patches "$v")" ] || continue
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

first_base=""
for v in $(variant_names); do
	if variant_patches "$v" | grep -qxF "${names[0]}"; then first_base=$(variant_base "$v") && break; fi
done
step_begin "b4 prep branch on $first_base in a scratch clone of $(target_kind) ($target)"
clone=$work/tree
git clone -q --shared --no-checkout "$target" "$clone"
# Sparse: what get_maintainer.pl checks for a kernel top, scripts/, and the
# files the patches touch.  Seconds instead of a 1.5 GB checkout.
mapfile -t touched < <(grep -h '^diff --git a/' "${files[@]}" | awk '{ print "/" substr($3, 3) }' | sort -u)
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

# To/Cc: the .b4-config commands (the target tree's get_maintainer.pl) on
# each mailed patch, then MAINTAINERS.snippet (M: to, L: cc), each once.
addrs() { # KEY: addresses from the command b4.KEY in .b4-config
	local cmd f
	cmd=$(git config -f "$B4_CONFIG" "b4.$1") || die "$B4_CONFIG has no b4.$1: restore it from git"
	for f in "${files[@]}"; do
		# shellcheck disable=SC2086 # the command is words, as b4 splits it
		(cd "$clone" && $cmd "$f" 2>>"$log") || fail_log "'$cmd' failed on $(basename "$f")"
	done
}
{
	addrs send-auto-to-cmd | sed 's/^/To: /'
	sed -n 's/^M:[[:space:]]*/To: /p' "$MAINTAINERS_SNIPPET"
	addrs send-auto-cc-cmd | sed 's/^/Cc: /'
	sed -n 's/^L:[[:space:]]*/Cc: /p' "$MAINTAINERS_SNIPPET"
} | awk '{ a = $0; sub(/^[^:]*: /, "", a); if (match(a, /<[^>]*>/)) a = substr(a, RSTART + 1, RLENGTH - 2)
	   if (!seen[tolower(a)]++) print }' >"$work/dests"
grep -q '^To: ' "$work/dests" || die "no To: address from get_maintainer.pl or $(basename "$MAINTAINERS_SNIPPET"): add the maintainer (M:) there"
{ cat "$COVER_LETTER"; echo; cat "$work/dests"; } >"$work/cover"
# The "editor" copies the cover in; core.editor wins over $EDITOR in b4.
git -C "$clone" config core.editor "cp '$work/cover'"
(cd "$clone" && b4 prep --edit-cover) >>"$log" 2>&1 || fail_log "b4 prep --edit-cover failed"

for i in "${!files[@]}"; do
	f=${files[$i]}
	if git -C "$clone" am -q "$f" >>"$log" 2>&1; then
		continue
	fi
	git -C "$clone" am --abort >/dev/null 2>&1 || true
	# Not a stack: an alternative.  Its variant must be same-as one whose
	# patches are already on the branch (the variants file says so).
	alt=""
	for v in $(variant_names); do
		variant_patches "$v" | grep -qxF "${names[$i]}" || continue
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
	for i in "${!files[@]}"; do
		rel=$(realpath --relative-to="$PROJECT_DIR" "${files[$i]}")
		if [ "$rel" = "patches/${names[$i]}" ]; then
			echo "  $((i + 1))/${#files[@]} carries $rel"
		else
			echo "  $((i + 1))/${#files[@]} carries $rel: the $(target_kind) backport, as this target needs; the patch mailed to linux-next is patches/${names[$i]} (LINUX_TREE= sends that one)"
		fi
	done
} | tee "$out/summary.txt"

stamp=$(date +%Y%m%d-%H%M%S)
dest=$RESULTS_ROOT/$stamp-send
[ -e "$dest" ] && dest=$dest-$$
mv "$out" "$dest"
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
	# References (the thread holds); --suppress-cc=all would drop the Cc
	# headers, so only the sender is suppressed.
	(cd "$USER_REPO" && git send-email --confirm=never --no-thread --suppress-cc=self \
		--from="$user_name <$user_email>" "${msgs[@]}") ||
		die "git send-email failed: check sendemail.* (git config); the messages stay in $dest"
	echo "send: sent ${#msgs[@]} messages"
else
	echo "send: dry run: nothing was sent.  REFLECT=1 mails them to you only; SEND=1 sends them."
fi
