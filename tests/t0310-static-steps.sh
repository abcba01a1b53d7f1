#!/bin/bash
# The static steps on a real tree, through check-series: a clean variant
# passes sparse and W=1; a patch adding a sparse finding or a W=1 warning
# on top of it fails the step, and the summary names the finding.  The
# base's findings are computed once and reused by the later variants.
# Needs a target tree: an exported CACHE_DIR's, else one made here (~45 s).
# ~2-3 min with a fresh cache (the analysis dir's prepare is the slow
# part, shared by every case).  Coccinelle (~2 min a tree) only with
# STATIC_SLOW_TESTS=1.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

CACHE_DIR=${CACHE_DIR:-$SCRATCH/cache}
RESULTS_ROOT=$SCRATCH/results
# The variants of this test: the real incremental and three of our own,
# each one fixture patch on top of it.  The fixtures are named relative to
# patches/ (patch_file looks there): a PATCHES_DIR of our own would change
# the target tree's recipe key and make every run re-create the tree.
VARIANTS_FILE=$SCRATCH/variants
export CACHE_DIR RESULTS_ROOT VARIANTS_FILE
inc=0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch
fx=../tests/data/static
cat >"$VARIANTS_FILE" <<EOV
control         v4  -                                  -  -
incremental     v4  $inc                               -  -
t0310-sparse    v4  $inc,$fx/sparse-not-static.patch   -  -
t0310-w1        v4  $inc,$fx/w1-set-but-unused.patch   -  -
t0310-cocci     v4  $inc,$fx/cocci-ifnullfree.patch    -  -
EOV

# verdict VARIANT STEP: "VERDICT<TAB>summary" from the run's records.
verdict() {
	awk -F'\t' -v v="$1" -v s="$2" '$1 == v && $2 == s { print $3 "\t" $6 }' \
		"$RESULTS_ROOT/latest/records.tsv"
}
export -f verdict

test_expect_success 'check-series: apply, sparse, w1 on four variants' '
	VARIANTS=control,incremental,t0310-sparse,t0310-w1 STEPS=apply,sparse,w1 \
		KEEP_GOING=1 NO_CACHE=1 bash "$PROJECT_DIR/scripts/check-series.sh" >run.out 2>&1;
	cat run.out &&
	test -f "$RESULTS_ROOT/latest/records.tsv"
'

test_expect_success 'control: the static steps do not apply (no patches)' '
	verdict control sparse >v && test_grep "^n/a" v &&
	verdict control w1 >v && test_grep "^n/a" v
'

test_expect_success 'clean variant (incremental): sparse and W=1 pass' '
	verdict incremental sparse >v && test_grep "^PASS	no new sparse findings" v &&
	verdict incremental w1 >v && test_grep "^PASS	no new w1 findings \(base [0-9]+, variant [0-9]+" v
'

test_expect_success 'a non-static function without prototype fails sparse, named' '
	verdict t0310-sparse sparse >v &&
	test_grep "^FAIL	1 new: fs/fuse/inode.c: warning: symbol .fuse_check_series_not_static. was not declared. Should it be static\?" v &&
	test_grep "fuse_check_series_not_static" "$RESULTS_ROOT/latest/t0310-sparse/sparse/sparse-new.txt"
'

test_expect_success 'the same patch fails W=1 too (missing prototype)' '
	verdict t0310-sparse w1 >v &&
	test_grep "^FAIL	1 new: fs/fuse/inode.c: warning: no previous prototype for .fuse_check_series_not_static." v
'

test_expect_success 'a variable set but not used fails W=1, named; sparse passes' '
	verdict t0310-w1 w1 >v &&
	test_grep "^FAIL	1 new: fs/fuse/inode.c: warning: variable .check_series_set_only. set but not used" v &&
	verdict t0310-w1 sparse >v && test_grep "^PASS" v
'

test_expect_success 'the base findings were computed once and reused' '
	for s in sparse w1; do
		test_grep "== base: findings of tree [0-9a-f]{12} reused from" "$RESULTS_ROOT/latest/t0310-w1/$s.log" || exit 1
	done
'

if [ "${STATIC_SLOW_TESTS:-0}" = 1 ]; then
	test_expect_success 'a NULL check before kfree() fails coccinelle, named' '
		VARIANTS=incremental,t0310-cocci STEPS=apply,coccinelle KEEP_GOING=1 NO_CACHE=1 \
			bash "$PROJECT_DIR/scripts/check-series.sh" >run.out 2>&1;
		cat run.out &&
		verdict incremental coccinelle >v && test_grep "^PASS" v &&
		verdict t0310-cocci coccinelle >v &&
		test_grep "^FAIL	1 new: fs/fuse/inode.c: WARNING: NULL check before some freeing functions is not needed" v
	'
else
	test_skip 'a NULL check before kfree() fails coccinelle, named' 'STATIC_SLOW_TESTS=1 runs it (~4 min)'
fi

test_done
