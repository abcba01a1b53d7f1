#!/bin/bash
# derive.sh: the derived test mails of this directory, made from the real
# ones in real-thread/ (see README.md).  Run it again after changing it; the
# outputs are kept in git so the tests need no perl at run time.
set -euo pipefail
cd "$(dirname "$0")"
R=real-thread

# mbox FILE...: an mboxrd of the messages.
mbox() {
	local f
	for f in "$@"; do
		echo "From mboxrd@z Thu Jan  1 00:00:00 1970"
		sed -E 's/^(>*From )/>\1/' "$f"
		echo
	done
}
# body FILE / headers FILE: the parts of a message.
headers() { sed '/^$/q' "$1" | sed '$d'; }
body() { sed '1,/^$/d' "$1"; }

# As intel-gfx delivered them: "[Intel-gfx] " before the subject, the
# subject and address headers folded again (tab, other widths), its own
# list headers; Message-ID, body and everything else unchanged.
intel_gfx() {
	headers "$1" | awk '
		/^[ \t]/ { if (cont) { sub(/^[ \t]+/, " "); v = v $0 }; if (!cont) print; next }
		{ flush(); cont = 0 }
		/^(Subject|To|Cc):/ { cont = 1; v = $0; next }
		/^(List-I[dD]|X-Mailing-List|Precedence):/ { next }
		{ print }
		function flush(   h, n, parts, i, line, q) {
			if (!cont) return
			if (v ~ /^Subject:/) { sub(/^Subject: */, "", v); h = "Subject: [Intel-gfx] " v
				# fold after the 40th column at a space, with a tab
				n = index(substr(h, 40), " "); if (n) h = substr(h, 1, 38 + n) "\n\t" substr(h, 40 + n)
				print h; cont = 0; return }
			# one address a line; a comma inside "quotes" is no separator
			n = split(v, parts, /, */); line = parts[1]; q = gsub(/"/, "\"", line) % 2
			for (i = 2; i <= n; i++) {
				line = line (q ? ", " : ",\n\t") parts[i]
				if (gsub(/"/, "\"", parts[i]) % 2) q = !q
			}
			print line; cont = 0
		}
		END { flush() }'
	printf 'List-Id: Intel graphics driver community testing & development\n <intel-gfx.lists.freedesktop.org>\nPrecedence: list\n'
	echo
	body "$1"
}
intel_gfx $R/01-cover.eml >intel-gfx-01-cover.eml
intel_gfx $R/02-patch-1of2-incremental.eml >intel-gfx-02-patch-1of2.eml
intel_gfx $R/03-patch-v5-2of2.eml >intel-gfx-03-patch-v5-2of2.eml
mbox intel-gfx-01-cover.eml intel-gfx-02-patch-1of2.eml intel-gfx-03-patch-v5-2of2.eml >intel-gfx.mbox
# Both lists' copies in one mbox (intel-gfx's first): each Message-ID twice.
{ cat intel-gfx.mbox; cat $R/thread.mbox; } >two-lists.mbox

# Quoted-printable bodies (a mail client that encodes every message so).
qp() {
	headers "$1" | grep -v '^Content-Transfer-Encoding:'
	echo "Content-Transfer-Encoding: quoted-printable"
	echo
	body "$1" | perl -MMIME::QuotedPrint -0777 -ne 'print encode_qp($_)'
}
qp $R/02-patch-1of2-incremental.eml >qp-02-patch-1of2.eml
qp $R/03-patch-v5-2of2.eml >qp-03-patch-v5-2of2.eml
mbox $R/01-cover.eml qp-02-patch-1of2.eml qp-03-patch-v5-2of2.eml >qp.mbox

# Bad mail, each from the real [PATCH 1/2]:
# HTML only: the body as text/html (<pre>, &lt; &gt; &amp;).
{
	headers $R/02-patch-1of2-incremental.eml | sed 's,^Content-Type: text/plain.*,Content-Type: text/html; charset=us-ascii,'
	echo
	echo "<html><body><pre>"
	body $R/02-patch-1of2-incremental.eml | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g'
	echo "</pre></body></html>"
} >bad-html-only.eml
# Lines wrapped at 72 columns by a mail client (the hunk header is 78).
{ headers $R/02-patch-1of2-incremental.eml; echo; body $R/02-patch-1of2-incremental.eml | fold -s -w 72; } >bad-wrapped.eml
# Tabs turned into spaces.
{ headers $R/02-patch-1of2-incremental.eml; echo; body $R/02-patch-1of2-incremental.eml | expand -t 8; } >bad-tabs-to-spaces.eml
for f in bad-html-only bad-wrapped bad-tabs-to-spaces; do
	mbox $R/01-cover.eml $f.eml >$f.mbox
done
# No patch: the cover and the maintainer's reply only.
mbox $R/01-cover.eml $R/04-reply-miklos-applied.eml >bad-no-patch.mbox
# A reply that quotes the whole patch (and nothing else of the thread).
{
	printf 'From: A Reviewer <reviewer@example.org>\nTo: Krister Johansen <kjlx@templeofstupid.com>\n'
	printf 'Subject: Re: [PATCH 1/2] fuse: ensure submount_lookup is initialized on alloc\n'
	printf 'Message-ID: <quoting-reply@example.org>\n'
	printf 'In-Reply-To: <d80c0df75fc601ffd3f957084574f10abaf3bedc.1699564053.git.kjlx@templeofstupid.com>\n\n'
	printf 'On Thu, Nov 09, 2023 at 02:37:28PM -0800, Krister Johansen wrote:\n'
	body $R/02-patch-1of2-incremental.eml | sed 's/^/> /; s/^> $/>/'
	printf '\nLooks right to me.\n'
} >reply-quoting-patch.eml
mbox reply-quoting-patch.eml >reply-only.mbox
