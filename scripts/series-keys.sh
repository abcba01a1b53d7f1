#!/bin/bash
# series-keys.sh: the content keys of the series' patch files, as one JSON
# object: for each patch file name (every variant's, from the variants file)
#   {"sha256": of patches/NAME, "patch_id": its `git patch-id --stable`,
#    "backport": the same two of patches/stable-6.1/NAME, or null}
# scripts/write-summary.sh stores it in summary.json as "series"; make send
# SEND=1 (scripts/send.sh) compares it with the files it is about to mail.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

key() { # FILE: {"sha256": ..., "patch_id": ...}
	local sha pid
	sha=$(sha256sum <"$1" | cut -d' ' -f1)
	pid=$(git patch-id --stable <"$1" | cut -d' ' -f1)
	[ -n "$pid" ] || die "$1 holds no diff: git patch-id gives nothing"
	jq -n --arg sha "$sha" --arg pid "$pid" '{sha256: $sha, patch_id: $pid}'
}

for n in $(series_patches); do
	[ -f "$PATCHES_DIR/$n" ] || die "patch '$n' named in $(basename "$VARIANTS_FILE") is not in $PATCHES_DIR"
	b=null
	[ ! -f "$EMBEDDED_BACKPORTS/$n" ] || b=$(key "$EMBEDDED_BACKPORTS/$n")
	jq -n --arg n "$n" --argjson k "$(key "$PATCHES_DIR/$n")" --argjson b "$b" '{($n): ($k + {backport: $b})}'
done | jq -s 'add // {}'
