#!/bin/bash
# The variants file is the one declarative place: lib.sh reads it.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

cat >"$SCRATCH/variants" <<'V'
# comment
alpha  v4           -            -      t1=FAIL t2=FAIL
beta   v4           a.patch,b.patch  -  t1=PASS
gamma  v4-reverted  c.patch      beta   t1=PASS t2=PASS
delta  v4           a.patch,faults/x.patch  -  t1=PASS t3=FAIL:kmemleak
V

lib() { echo ". '$PROJECT_DIR/scripts/lib.sh'; VARIANTS_FILE='$SCRATCH/variants'"; }

test_expect_success 'names, in file order, comments skipped' "
	$(lib); variant_names >out && printf 'alpha\nbeta\ngamma\ndelta\n' >exp && test_cmp exp out
"
test_expect_success 'base, patches, same-as and expectations of a variant' "
	$(lib)
	[ \"\$(variant_base gamma)\" = v4-reverted ] &&
	variant_patches beta >out && printf 'a.patch\nb.patch\n' >exp && test_cmp exp out &&
	[ -z \"\$(variant_patches alpha)\" ] &&
	[ \"\$(variant_same_as gamma)\" = beta ] &&
	variant_expect alpha >out && printf 't1 FAIL\nt2 FAIL\n' >exp && test_cmp exp out
"
test_expect_success 'the variants carrying a patch: whole names, in file order' "
	$(lib)
	variants_with_patch a.patch >out && printf 'beta\ndelta\n' >exp && test_cmp exp out &&
	[ \"\$(variants_with_patch c.patch)\" = gamma ] &&
	[ -z \"\$(variants_with_patch .patch)\" ] &&
	[ -z \"\$(variants_with_patch x.patch)\" ] &&
	[ -z \"\$(variants_with_patch -)\" ]
"
test_expect_success 'TEST=FAIL:CLASS: the verdict alone for every reader, the class on its own' "
	$(lib)
	variant_expect delta >out && printf 't1 PASS\nt3 FAIL\n' >exp && test_cmp exp out &&
	[ \"\$(variant_expect_class delta t3)\" = kmemleak ] &&
	[ -z \"\$(variant_expect_class delta t1)\" ] &&
	[ -z \"\$(variant_expect_class alpha t1)\" ] &&
	[ \"\$(variant_want delta t3)\" = FAIL ] && [ \"\$(variant_want delta t1)\" = PASS ] &&
	[ -z \"\$(variant_want delta t2)\" ]
"
test_expect_success 'a variant with a planted fault is never mailed, nor is the fault' "
	$(lib)
	variant_is_mailed beta && variant_is_mailed gamma &&
	! variant_is_mailed delta && ! variant_is_mailed alpha &&
	series_patches >out && printf 'a.patch\nb.patch\nc.patch\n' >exp && test_cmp exp out &&
	FAULTS_DIR=\$PWD/f && mkdir f && : >f/x.patch &&
	[ \"\$(patch_file faults/x.patch)\" = \$PWD/f/x.patch ] &&
	! (patch_file faults/y.patch) 2>err && test_grep 'not in faults/' err
"
test_expect_success 'VARIANTS= selects, comma or space separated' "
	$(lib); VARIANTS='gamma,alpha' selected_variants >out &&
	printf 'gamma\nalpha\n' >exp && test_cmp exp out
"
test_expect_success 'an unknown variant is one clear error' "
	$(lib); ! (VARIANTS=epsilon selected_variants) 2>err &&
	test_grep \"unknown variant 'epsilon'.*known are alpha beta gamma delta\" err
"
test_expect_success 'the real variants file has the variants the series needs' "
	. '$PROJECT_DIR/scripts/lib.sh'
	for v in control incremental v5 pre-v4; do variant_exists \$v || exit 1; done &&
	variant_expect control | grep -q 'FAIL' &&
	! variant_expect incremental | grep -q FAIL &&
	[ \"\$(variant_same_as v5)\" = incremental ] &&
	variant_expect fault-leak | grep -qx 'virtiofs_kmemleak FAIL' &&
	[ \"\$(variant_expect_class fault-leak virtiofs_kmemleak)\" = kmemleak ] &&
	series_patches >series && test -s series && ! grep -q faults/ series &&
	variant_patches fault-leak >fl && grep -q faults/ fl &&
	while read -r p; do [ -f \"\$(patch_file \$p)\" ] || exit 1; done <fl
"
test_expect_success 'no script names a variant: they all read the variants file' '
	! grep -n -w -E "control|incremental|pre-v4" "$PROJECT_DIR"/scripts/*.sh | grep -v "^[^:]*:[0-9]*:#" >&2
'
test_done
