#!/bin/bash
# The apply, equivalence and checkpatch steps on a tiny target tree made
# here (three commits of one fs/fuse/inode.c, as the embedded target's
# debian, v4 and v4-reverted refs), so they run in seconds without a
# kernel tree: git am and quilt must agree (a quilt that gives other files
# fails the step), a patch that does not apply fails naming it, the
# alternatives must be one tree (and differ from Debian's by one moved
# line), a checkpatch waiver covers only the patches its glob names, and
# the static steps' verdicts (static_main with a stand-in tool): a new
# finding fails naming it, none passes, a tool that fails is an ERROR.
# checkpatch is a stand-in that reports the findings listed beside each
# patch (and, like the real one, refuses to run outside a kernel tree
# without --no-tree); the waivers are the project's own checkpatch-waivers.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

# shellcheck source=lib/mini-tree.sh
. "$TESTS_DIR/lib/mini-tree.sh"

cat >"$VARIANTS_FILE" <<'EOF'
control      v4           -                   -            fuse_evict=FAIL
incremental  v4           0001-mini.patch     -            fuse_evict=PASS
v5           v4-reverted  v5-0002-mini.patch  incremental  fuse_evict=PASS
v5-wrong     v4-reverted  v5-0003-wrong.patch incremental  fuse_evict=PASS
stale        v4           0004-stale.patch    -            fuse_evict=PASS
noisy        v4           0005-noisy.patch    -            fuse_evict=PASS
planted      v4           0001-mini.patch,faults/planted.patch  -  fuse_evict=FAIL
EOF

# checkpatch: reports "TYPE FILE" per line of PATCH.findings as CHECKs.
mkdir -p "$CACHE_DIR/checkpatch-6.12/scripts"
cat >"$CACHE_DIR/checkpatch-6.12/scripts/checkpatch.pl" <<'EOF'
if (!grep({ $_ eq "--no-tree" } @ARGV) && !-f "MAINTAINERS") {
	print "Must be run from the top-level dir. of a kernel tree\n";
	exit 2;
}
my $f = $ARGV[-1];
my $n = 0;
if (open(my $h, '<', "$f.findings")) {
	while (<$h>) {
		chomp;
		my ($t, $file) = split / /;
		print "CHECK:$t: a finding of the stand-in checkpatch\n#7: FILE: $file:12:\n+line\n\n";
		$n++;
	}
}
print "total: 0 errors, 0 warnings, $n checks, 20 lines checked\n";
EOF

# step NAME VARIANT: run step-NAME.sh as check-series does, in ./vd; its
# exit status in ./rc, its summary in ./summary, its log in ./log.
cat >"$SCRATCH/funcs.sh" <<'EOF'
step() {
	mkdir -p vd && : >vd/facts &&
	rc=0 &&
	{ DIE_STATUS=5 STEP_SUMMARY=$PWD/summary FACTS=$PWD/vd/facts VARIANT_DIR=$PWD/vd \
		bash "$PROJECT_DIR/scripts/step-$1.sh" "$2" >log 2>&1 || rc=$?; } &&
	echo "$rc" >rc &&
	sed "s/^/| /" log summary
}
EOF
export FUNCS=$SCRATCH/funcs.sh
# stand_in TOOL <BODY: $SCRATCH/step-TOOL.sh, a static step as
# step-sparse.sh is one, whose tool is the shell functions of BODY
# (static_tool_run, and static_tool_run_files if it checks single files);
# no .config to make and nothing to prepare.
stand_in() {
	local up=${1^^}
	{
		echo "# shellcheck disable=SC2034 # read by static-findings.sh"
		echo ". \"\$PROJECT_DIR/scripts/static-findings.sh\""
		echo "STATIC_TOOL=$1"
		echo "STATIC_WHAT=\"make $up=1 fs/fuse/\""
		echo "STATIC_NOISE=()"
		echo "static_tool_version() { echo \"$1 1.0\"; }"
		cat
		echo "static_prepare() { :; }"
		echo "static_config() { echo \"$1 1\" >\"\$VARIANT_DIR/$1.config\" && echo \"\$VARIANT_DIR/$1.config\"; }"
		echo "static_main \"\$@\""
	} >"$SCRATCH/step-$1.sh"
}

# The stand-in "fake" reports what fs/fuse/findings of the analysed tree
# (in the static lane's worktree) holds and exits $FAKE_RC.
stand_in fake <<'EOF'
static_tool_run() {
	# A real tool names the files it analysed: the lane worktree.
	sed "s|$(target_dir)/|$(source_dir)/|g" "$(source_dir)/fs/fuse/findings" >"$1" 2>/dev/null || true
	# FAKE_RC: fail on a fixed tree (one with the init line) only.
	[ -z "${FAKE_RC:-}" ] || ! grep -q submount_lookup "$(source_dir)/fs/fuse/inode.c" ||
		{ echo "fake: error: out of memory" >>"$1"; return "$FAKE_RC"; }
}
EOF

test_expect_success 'apply: git am and quilt push -a agree, the variant ref is made; the target'"'"'s checkout is left alone' '
	. "$FUNCS" && head=$(git -C "$T" rev-parse HEAD) && git -C "$T" status --porcelain >before &&
	step apply incremental &&
	test "$(cat rc)" = 0 &&
	test_grep "^1 patch\(es\) applied by git am and quilt push -a, same result: " summary &&
	git -C "$T" diff --stat "$head" refs/tags/check-series/variant/incremental >stat &&
	test_grep "^ fs/fuse/inode.c " stat && test "$(wc -l <stat)" = 2 &&
	test_grep "^tree=$(git -C "$T" rev-parse refs/tags/check-series/variant/incremental^{tree})$" vd/facts &&
	test "$(git -C "$T" rev-parse HEAD)" = "$head" && git -C "$T" status --porcelain >after && test_cmp before after &&
	test "$(git -C "$T" worktree list | wc -l)" = 1 && test_grep "in .*/work/[^ /]*/apply\.[^ ]*: the 1 file\(s\) the patches touch" log
'

test_expect_success 'apply: a worktree a killed apply job left is removed by the next apply; one a live job holds is not' '
	. "$FUNCS" && step apply incremental && test "$(cat rc)" = 0 &&
	top=$(sed -n "s|^(in \(.*\)/apply\.[^/]*: .*|\1|p" log) && test -d "$top" &&
	git -C "$T" worktree add -q --detach --no-checkout "$top/apply.killed" HEAD &&
	git -C "$T" worktree add -q --detach --no-checkout "$top/apply.live" HEAD || return 1
	# A live apply job: a process holding the lock on its directory.
	bash -c "exec 9<\"\$1\" && flock 9 && exec sleep 60" _ "$top/apply.live" >/dev/null 2>&1 &
	holder=$! &&
	test_when_finished "kill $holder; git -C \"$T\" worktree remove --force \"$top/apply.live\"" &&
	n=0 && while flock -n "$top/apply.live" true; do n=$((n + 1)) && test $n -lt 100 && sleep 0.1 || return 1; done &&
	step apply incremental && test "$(cat rc)" = 0 &&
	test_grep "^removing $top/apply.killed: left by a job that was killed" log &&
	test ! -e "$top/apply.killed" && test -d "$top/apply.live" &&
	git -C "$T" worktree list >wts && test_grep_not "/apply.killed " wts && test_grep "/apply.live " wts
'

test_expect_success 'apply: a quilt that gives other files than git am fails the step' '
	. "$FUNCS" &&
	printf "#!/bin/bash\n/usr/bin/quilt \"\$@\" || exit\necho \"/* quilt fuzz */\" >>fs/fuse/inode.c\n" >"$SCRATCH/bin/quilt" &&
	chmod +x "$SCRATCH/bin/quilt" &&
	PATH=$SCRATCH/bin:$PATH step apply incremental &&
	test "$(cat rc)" = 1 &&
	echo "git am and quilt push -a disagree on fs/fuse/inode.c" >expect &&
	test_cmp expect summary
'

test_expect_success 'apply: a quilt that fails fails the step' '
	. "$FUNCS" &&
	printf "#!/bin/bash\necho \"Patch 0001-mini.patch does not apply (enforce with -f)\"\nexit 1\n" >"$SCRATCH/bin/quilt" &&
	chmod +x "$SCRATCH/bin/quilt" &&
	PATH=$SCRATCH/bin:$PATH step apply incremental &&
	test "$(cat rc)" = 1 &&
	test_grep "^quilt push -a failed on v4" summary
'

test_expect_success 'apply: a patch that does not apply fails, naming it and the base' '
	. "$FUNCS" && step apply stale &&
	test "$(cat rc)" = 1 &&
	test_grep "^0004-stale.patch does not apply on v4: patch failed: fs/fuse/inode.c" summary &&
	test_must_fail git -C "$T" rev-parse -q --verify refs/tags/check-series/variant/stale
'

test_expect_success 'equivalence: v5 gives the tree of incremental, one moved line from Debian s' '
	. "$FUNCS" && step apply incremental && test "$(cat rc)" = 0 &&
	step apply v5 && test "$(cat rc)" = 0 &&
	step equivalence v5 &&
	test "$(cat rc)" = 0 &&
	test_grep "^same tree as incremental: [0-9a-f]{12} .*one moved line \((fi->submount_lookup = NULL|fi->state = 0);\)$" summary &&
	test "$(grep -c "^-	fi->" vd/equivalence-vs-debian.diff)" = 1 &&
	test "$(grep -c "^+	fi->" vd/equivalence-vs-debian.diff)" = 1
'

test_expect_success 'equivalence: an alternative that is not the same tree fails the step' '
	. "$FUNCS" && step apply incremental && test "$(cat rc)" = 0 &&
	step apply v5-wrong && test "$(cat rc)" = 0 &&
	step equivalence v5-wrong &&
	test "$(cat rc)" = 1 &&
	test_grep "^v5-wrong and incremental differ \(trees [0-9a-f]{12} vs [0-9a-f]{12}\): the alternatives are not the same fix$" summary
'

test_expect_success 'equivalence: a tree that differs from Debian s by more than the moved line fails' '
	. "$FUNCS" && step apply incremental && step apply v5 &&
	git -C "$T" tag -f check-series/debian debian-other >/dev/null &&
	test_when_finished "git -C \"$T\" tag -f check-series/debian debian-saved >/dev/null" &&
	step equivalence v5 &&
	test "$(cat rc)" = 1 &&
	test_grep "^fs/fuse differs from Debian.s by more than one moved line" summary
'

test_expect_success 'static steps: not applicable (--key exits 6) without patches or with a planted fault' '
	for v in control planted incremental; do
		rc=0 && { bash "$PROJECT_DIR/scripts/step-w1.sh" --key "$v" >/dev/null 2>&1 || rc=$?; } &&
		echo "$v $rc" || return 1
	done >actual &&
	printf "control 6\nplanted 6\nincremental 0\n" >expect && test_cmp expect actual
'

test_expect_success 'equivalence: not applicable (--key exits 6) without same-as' '
	rc=0 && { bash "$PROJECT_DIR/scripts/step-equivalence.sh" --key incremental >/dev/null || rc=$?; } &&
	test $rc = 6
'

test_expect_success 'checkpatch: v5 s waived findings are accepted, and counted' '
	. "$FUNCS" &&
	printf "BLOCK_COMMENT_STYLE fs/fuse/fuse_i.h\nALLOC_SIZEOF_STRUCT fs/fuse/inode.c\n" >"$PATCHES_DIR/v5-0002-mini.patch.findings" &&
	test_when_finished "rm -f \"$PATCHES_DIR\"/*.findings" &&
	step checkpatch v5 &&
	test "$(cat rc)" = 0 &&
	echo "$PATCHES_DIR/v5-0002-mini.patch (6.12): 0E 0W 2C, 2 waived" >expect &&
	test_cmp expect summary
'

test_expect_success 'checkpatch: a waiver for v5 does not cover the same finding in 0001' '
	. "$FUNCS" &&
	printf "BLOCK_COMMENT_STYLE fs/fuse/fuse_i.h\n" >"$PATCHES_DIR/0001-mini.patch.findings" &&
	test_when_finished "rm -f \"$PATCHES_DIR\"/*.findings" &&
	step checkpatch incremental &&
	test "$(cat rc)" = 1 &&
	test_grep "^1 finding\(s\) not waived, first: .*0001-mini.patch: CHECK:BLOCK_COMMENT_STYLE fs/fuse/fuse_i.h: a finding of the stand-in checkpatch$" summary
'

test_expect_success 'checkpatch: a waived type in another file is not waived' '
	. "$FUNCS" &&
	printf "BLOCK_COMMENT_STYLE fs/fuse/inode.c\n" >"$PATCHES_DIR/v5-0002-mini.patch.findings" &&
	test_when_finished "rm -f \"$PATCHES_DIR\"/*.findings" &&
	step checkpatch v5 &&
	test "$(cat rc)" = 1 &&
	test_grep "not waived, first: .*v5-0002-mini.patch: CHECK:BLOCK_COMMENT_STYLE fs/fuse/inode.c:" summary
'

test_expect_success 'checkpatch: a checkpatch that stops early is an ERROR (5)' '
	. "$FUNCS" &&
	cp "$CACHE_DIR/checkpatch-6.12/scripts/checkpatch.pl" saved.pl &&
	test_when_finished "cp saved.pl \"$CACHE_DIR/checkpatch-6.12/scripts/checkpatch.pl\"" &&
	echo "die \"Can not open spelling.txt\\n\";" >"$CACHE_DIR/checkpatch-6.12/scripts/checkpatch.pl" &&
	step checkpatch incremental &&
	test "$(cat rc)" = 5 &&
	test_grep "^the tool broke: .*0001-mini.patch: checkpatch \(6.12\) did not run to the end" summary
'
test_expect_success 'a static step: a finding the base does not have fails, naming it' '
	. "$FUNCS" && step apply noisy && test "$(cat rc)" = 0 &&
	rc=0 && { DIE_STATUS=5 STEP_SUMMARY=$PWD/summary FACTS=$PWD/vd/facts VARIANT_DIR=$PWD/vd \
		bash "$SCRATCH/step-fake.sh" noisy >log 2>&1 || rc=$?; } &&
	test $rc = 1 &&
	echo "2 new, first: fs/fuse/inode.c: warning: variable '\''x'\'' set but not used [-Wunused-but-set-variable] (base 0, variant 2; all: $PWD/vd/fake-new.txt)" >expect &&
	test_cmp expect summary &&
	test_grep "^fake_new=2$" vd/facts
'

test_expect_success 'a static step: no new finding passes; the base findings are reused' '
	. "$FUNCS" && step apply incremental && test "$(cat rc)" = 0 &&
	rc=0 && { DIE_STATUS=5 STEP_SUMMARY=$PWD/summary FACTS=$PWD/vd/facts VARIANT_DIR=$PWD/vd \
		bash "$SCRATCH/step-fake.sh" incremental >log 2>&1 || rc=$?; } &&
	test $rc = 0 &&
	echo "no new fake findings (base 0, variant 0)" >expect &&
	test_cmp expect summary &&
	test_grep "^== base: findings of tree [0-9a-f]{12} reused from " log
'

test_expect_success 'a static step: a tree is analysed once, whichever variant it is (v5 is incremental)' '
	. "$FUNCS" && rm -rf "$CACHE_DIR/static/fake" &&
	rc=0 && { DIE_STATUS=5 STEP_SUMMARY=$PWD/summary FACTS=$PWD/vd/facts VARIANT_DIR=$PWD/vd \
		bash "$SCRATCH/step-fake.sh" incremental >log 2>&1 || rc=$?; } &&
	test $rc = 0 && test_grep "^== variant: make FAKE=1 fs/fuse/ on tree " log &&
	rc=0 && { DIE_STATUS=5 STEP_SUMMARY=$PWD/summary FACTS=$PWD/vd/facts VARIANT_DIR=$PWD/vd \
		bash "$SCRATCH/step-fake.sh" v5 >log 2>&1 || rc=$?; } &&
	test $rc = 0 &&
	test_grep "^== variant: findings of tree $(git -C "$T" rev-parse refs/tags/check-series/variant/incremental^{tree} | cut -c1-12) reused from " log &&
	test_grep "^== base: make FAKE=1 fs/fuse/ on tree $(git -C "$T" rev-parse check-series/base/v4-reverted^{tree} | cut -c1-12)" log
'

test_expect_success 'a static step whose tool fails with no new finding is an ERROR (5), and is not kept' '
	. "$FUNCS" && step apply incremental && rm -rf "$CACHE_DIR/static/fake" &&
	rc=0 && { FAKE_RC=2 DIE_STATUS=5 STEP_SUMMARY=$PWD/summary FACTS=$PWD/vd/facts VARIANT_DIR=$PWD/vd \
		bash "$SCRATCH/step-fake.sh" incremental >log 2>&1 || rc=$?; } &&
	test $rc = 5 &&
	echo "make FAKE=1 fs/fuse/ failed (exit 2) on the variant, the tool broke: fake: error: out of memory" >expect &&
	test_cmp expect summary &&
	test "$(ls "$CACHE_DIR/static/fake" | wc -l)" = 2
'

# The stand-in "perfile" also checks single files (as sparse, W=1 and
# coccicheck do through kbuild's FILE.o targets, the objects it is
# given): it reports each mention
# of submount_lookup or orig_ino in a fs/fuse .c file, and on the whole
# tree one more finding in dir.c (a file the mini tree lacks: a file the
# variant does not change).  Each run's files go to $SCRATCH/calls.
stand_in perfile <<'EOF'
mentions() { # FILE...
	local f
	for f in "$@"; do
		grep -onE "submount_lookup|orig_ino" "$(source_dir)/$f" |
			sed "s|^\([0-9]*\):\(.*\)|$(source_dir)/$f:\1:2: warning: mentions \2|"
	done
}
static_tool_run() {
	echo "tree" >>"$SCRATCH/calls"
	(cd "$(source_dir)" && mentions fs/fuse/*.c) >"$1"
	echo "$(source_dir)/fs/fuse/dir.c:3:1: warning: an old one" >>"$1"
}
[ -n "${NO_FILES:-}" ] || static_tool_run_files() {
	local raw=$1
	shift
	echo "files $*" >>"$SCRATCH/calls"
	mentions "${@/%.o/.c}" >"$raw"
}
EOF
# perfile VARIANT [ENV=VALUE...]: the stand-in as check-series runs it, in
# ./vd; its exit status in ./rc.
cat >>"$SCRATCH/funcs.sh" <<'EOF'
perfile() {
	local v=$1
	shift
	rc=0
	rm -rf vd && mkdir -p vd && : >vd/facts || return 1
	{ env "$@" DIE_STATUS=5 STEP_SUMMARY=$PWD/summary FACTS=$PWD/vd/facts VARIANT_DIR=$PWD/vd \
		bash "$SCRATCH/step-perfile.sh" "$v" >log 2>&1 || rc=$?; }
	echo "$rc" >rc
	sed "s/^/| /" log summary
}
EOF

test_expect_success 'static, per file: a variant that changes one .c file has it analysed alone; the other files'"'"' findings are the base'"'"'s' '
	. "$FUNCS" && step apply incremental && rm -rf "$CACHE_DIR/static/perfile" && : >"$SCRATCH/calls" &&
	perfile incremental && test "$(cat rc)" = 1 &&
	printf "tree\nfiles fs/fuse/inode.o\n" >expect && test_cmp expect "$SCRATCH/calls" &&
	test_grep "^== variant: make PERFILE=1 fs/fuse/ on fs/fuse/inode.c only" log &&
	printf "%s\n" "fs/fuse/dir.c: warning: an old one" "fs/fuse/inode.c: warning: mentions orig_ino" \
		"fs/fuse/inode.c: warning: mentions submount_lookup" >expect &&
	test_cmp expect vd/perfile-variant.txt &&
	echo "1 new: fs/fuse/inode.c: warning: mentions submount_lookup (base 2, variant 3)" >expect && test_cmp expect summary &&
	cp vd/perfile-variant.txt per-file.txt &&
	rm -rf "$CACHE_DIR/static/perfile" && : >"$SCRATCH/calls" &&
	perfile incremental NO_FILES=1 && test "$(cat rc)" = 1 &&
	printf "tree\ntree\n" >expect && test_cmp expect "$SCRATCH/calls" &&
	test_cmp per-file.txt vd/perfile-variant.txt
'
test_expect_success 'static, per file: a file analysed once on a base is never again; a change beyond .c files analyses the tree' '
	. "$FUNCS" && step apply incremental && rm -rf "$CACHE_DIR/static/perfile" && perfile incremental &&
	find "$CACHE_DIR/static/perfile" -maxdepth 1 -type f -delete && : >"$SCRATCH/calls" &&
	perfile incremental && test "$(cat rc)" = 1 &&
	printf "tree\n" >expect && test_cmp expect "$SCRATCH/calls" &&
	test_grep "^== variant: findings of fs/fuse/inode.c \(blob [0-9a-f]{12}\) reused from " log &&
	step apply noisy && : >"$SCRATCH/calls" && perfile noisy &&
	printf "tree\n" >expect && test_cmp expect "$SCRATCH/calls" &&
	test_grep "^== variant: make PERFILE=1 fs/fuse/ on tree " log
'

test_expect_success 'static-findings.sh: a bad subcommand is one usage line and exit 1' '
	test_must_fail bash "$PROJECT_DIR/scripts/static-findings.sh" bogus 2>err &&
	test_grep "^static-findings: error: usage: static-findings.sh normalise RAW TREE_DIR" err
'
test_done
