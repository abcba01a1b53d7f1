#!/bin/bash
# The mailed patches, cover letter, quilt series and MAINTAINERS snippet say
# what the thread says, and the 6.1 backports add exactly the same lines.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

P=$PROJECT_DIR/patches
export P
P1=$P/0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch
P2=$P/v5-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch
B2=$P/stable-6.1/v5-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch
V4=$P/stable-6.1/history-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch
export P1 P2 B2 V4

# added FILE: the lines a patch adds, in order.
added() { grep '^+' "$1" | grep -v '^+++ '; }
export -f added

test_expect_success 'git mailinfo parses every patch' '
	for f in "$P"/*.patch "$P"/stable-6.1/*.patch; do
		git mailinfo msg patch <"$f" >info || { echo "mailinfo failed on $f" >&2; exit 1; }
		grep -q "^Subject: ." info && grep -q "^Author: ." info && [ -s patch ] ||
			{ echo "no subject, author or diff in $f" >&2; exit 1; }
	done
'
test_expect_success '1/2: subject, author and the one added line after spin_lock_init' '
	test_grep "^Subject: \[PATCH 1/2\] fuse: ensure submount_lookup is initialized on alloc$" "$P1" &&
	test_grep "^From: Krister Johansen <kjlx@templeofstupid.com>$" "$P1" &&
	added "$P1" >out && printf "+\tfi->submount_lookup = NULL;\n" >exp && test_cmp exp out &&
	grep -B1 "^+	fi->submount_lookup = NULL;" "$P1" | head -1 | grep -q "spin_lock_init(&fi->lock);" &&
	test_grep "^index 243bda3cfdf6\.\.d7ebc322e55b" "$P1"
'
test_expect_success '1/2: the thread'"'"'s trailers, plus Reported-by each followed by Closes' '
	git interpret-trailers --parse <"$P1" >tr &&
	cat >exp <<-\EOT &&
	Reported-by: Linux Kernel Functional Testing <lkft@linaro.org>
	Closes: https://lore.kernel.org/linux-fsdevel/CA+G9fYue-dV7t-NrOhWwGshvyboXjb2B6HpCDVDe3bgG7fbnsg@mail.gmail.com/
	Reported-by: Chaitanya Kumar Borah <chaitanya.kumar.borah@intel.com>
	Closes: https://lore.kernel.org/intel-gfx/SJ1PR11MB6129508509896AD7D0E03114B9AFA@SJ1PR11MB6129.namprd11.prod.outlook.com/
	Signed-off-by: Krister Johansen <kjlx@templeofstupid.com>
	Cc: stable@vger.kernel.org
	Fixes: 513dfacefd71 ("fuse: share lookup state between submount and its parent")
	EOT
	test_cmp exp tr
'
test_expect_success 'v5 2/2: subject, trailers, the whole changelog below ---, typos fixed' '
	test_grep "^Subject: \[PATCH v5 2/2\] fuse: share lookup state between submount and its parent$" "$P2" &&
	test_grep "^Fixes: 1866d779d5d2 \(\"fuse: Allow fuse_fill_super_common\(\) for submounts\"\)$" "$P2" &&
	test_grep "^Cc: stable@vger.kernel.org$" "$P2" &&
	for c in v4 v3 v2 v1 RFC; do test_grep "^Changes since $c:$" "$P2" || return 1; done &&
	test_grep "detached from the initial mount namespace via a$" "$P2" &&
	test_grep "^MNT_DETACH operation" "$P2" &&
	git mailinfo msg patch <"$P2" >/dev/null && test_grep_not "^Changes since" msg &&
	test_grep_not "DEATCH|deatched" msg
'
test_expect_success 'v5 2/2 uses linux-next context, as the thread shows it' '
	test_grep "^ 		fuse_init_inode\(inode, attr, fc\);$" "$P2" &&
	test_grep "^ 	fuse_change_attributes\(inode, attr, NULL, attr_valid, attr_version\);$" "$P2" &&
	test_grep "^index 444418e240c8\.\.d7ebc322e55b" "$P2" &&
	test_grep "^ fs/fuse/inode.c  \| 75 " "$P2"
'
test_expect_success 'both alternatives end at the same inode.c blob (d7ebc322e55b)' '
	[ "$(sed -n "s/^index [0-9a-f]*\.\.\([0-9a-f]*\) .*/\1/p" "$P1")" = d7ebc322e55b ] &&
	sed -n "s/^index [0-9a-f]*\.\.\([0-9a-f]*\) .*/\1/p" "$P2" | grep -qx d7ebc322e55b
'
test_expect_success 'the 6.1 backport of v5 adds exactly the lines v5 adds' '
	added "$P2" >exp && added "$B2" >out && test_cmp exp out
'
test_expect_success 'v5 is v4 plus the one initialisation line, nothing else' '
	added "$V4" >v4 && added "$P2" >v5 &&
	{ diff v4 v5 || :; } | grep "^[<>]" >d &&
	printf "> +\tfi->submount_lookup = NULL;\n" >exp && test_cmp exp d
'
test_expect_success 'series: quilt file, 0001 active, v5 named but commented (alternatives)' '
	grep -v "^#" "$PROJECT_DIR/series" | grep . >active &&
	echo 0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch >exp && test_cmp exp active &&
	test_grep "^#v5-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch$" "$PROJECT_DIR/series" &&
	test_grep "ALTERNATIVES" "$PROJECT_DIR/series"
'
test_expect_success 'cover letter: subject line, says only one is needed, full links' '
	head -1 "$PROJECT_DIR/cover-letter.txt" >s && echo "Fuse submount_lookup needs to be initialized" >exp && test_cmp exp s &&
	sed -n 2p "$PROJECT_DIR/cover-letter.txt" | grep -qx "" &&
	test_grep "we only need one" "$PROJECT_DIR/cover-letter.txt" &&
	test_grep "^\[1\] https://lore.kernel.org/linux-fsdevel/CA\+G9fYue-dV7t-NrOhWwGshvyboXjb2B6HpCDVDe3bgG7fbnsg@mail.gmail.com/$" "$PROJECT_DIR/cover-letter.txt" &&
	test_grep "^\[2\] https://lore.kernel.org/intel-gfx/SJ1PR11MB6129508509896AD7D0E03114B9AFA@SJ1PR11MB6129.namprd11.prod.outlook.com/$" "$PROJECT_DIR/cover-letter.txt" &&
	test_grep_not "regresssions" "$PROJECT_DIR/cover-letter.txt"
'
test_expect_success 'MAINTAINERS.snippet routes fs/fuse to Miklos and linux-fsdevel' '
	M=$PROJECT_DIR/MAINTAINERS.snippet &&
	test_grep "^M:	Miklos Szeredi <miklos@szeredi.hu>$" "$M" &&
	test_grep "^L:	linux-fsdevel@vger.kernel.org$" "$M" &&
	test_grep "^T:	git git://git.kernel.org/pub/scm/linux/kernel/git/mszeredi/fuse.git$" "$M" &&
	test_grep "^F:	fs/fuse/$" "$M"
'
test_expect_success 'checkpatch waivers: exactly the two findings of v4'"'"'s code, each with a reason' '
	grep -v "^#" "$PROJECT_DIR/checkpatch-waivers" | grep . >w &&
	[ "$(wc -l <w)" = 2 ] &&
	awk "NF < 5 { exit 1 }" w &&
	test_grep "BLOCK_COMMENT_STYLE  fs/fuse/fuse_i.h" w && test_grep "ALLOC_SIZEOF_STRUCT  fs/fuse/inode.c" w
'
test_done
