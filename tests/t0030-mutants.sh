#!/bin/bash
# make mutants, without running it whole: every chosen fault patch
# (tests/mutants/chosen) still applies to the tree as it is now, names its
# fault and a test that exists; the generator is deterministic (the same
# seed gives the same sites in the same order, another seed another order)
# and plants the faults it says it plants; the map and the config name only
# what exists; and a small run (two chosen patches, one test) kills the one,
# lists the other as a survivor, and ends with its plain last line.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

M=$PROJECT_DIR/tests/mutants
MUT=$PROJECT_DIR/scripts/mutants.sh
export M MUT

test_expect_success 'every chosen patch applies to the current tree (git apply --check)' '
	n=0 &&
	for p in "$M"/chosen/*.patch; do
		(cd "$PROJECT_DIR" && git apply --check "$p") ||
			{ echo "stale: $p" >&2; return 1; }
		n=$((n + 1))
	done &&
	test $n -ge 25
'

test_expect_success 'every chosen patch names its fault and an existing test to kill it' '
	for p in "$M"/chosen/*.patch; do
		case $(basename "$p") in [0-9][0-9]-*.patch) ;; *) echo "bad name: $p" >&2; return 1 ;; esac &&
		grep -q "^Fault: ." "$p" || { echo "no Fault: in $p" >&2; return 1; }
		k=$(sed -n "s/^Killed-by: //p" "$p") &&
		test -n "$k" && test -f "$PROJECT_DIR/tests/$k" || { echo "bad Killed-by: in $p" >&2; return 1; }
		case $k in t9*) echo "$p: t9* builds or boots a kernel" >&2; return 1 ;; esac
	done
'

test_expect_success 'the chosen patches cover every part the issue names' '
	for part in oracle boot vhost init static equivalence apply checkpatch send am variants; do
		ls "$M"/chosen/ | grep -q -e "^[0-9][0-9]-$part" || { echo "no chosen fault for $part" >&2; return 1; }
	done
'

test_expect_success 'mutants.sh --check agrees, and names a stale patch' '
	bash "$MUT" --check >out &&
	test_grep "^mutants: [0-9]+ chosen patches apply$" out &&
	mkdir chosen &&
	sed "s/^-\(.*\)$/-\1 stale/" "$(ls "$M"/chosen/*.patch | head -n 1)" >chosen/01-stale.patch &&
	test_must_fail env MUTANTS_CHOSEN=$PWD/chosen bash "$MUT" --check >out 2>err &&
	test_grep "^01-stale.patch: does not apply" out &&
	test_grep "1 chosen patch\(es\) are stale" err
'

test_expect_success 'the generator is deterministic: same seed, same sites in the same order' '
	bash "$MUT" --sites >one &&
	bash "$MUT" --sites >two &&
	test_cmp one two &&
	test "$(wc -l <one)" -ge 100 &&
	MUTANTS_SEED=7 bash "$MUT" --sites >other &&
	test_must_fail cmp -s one other &&
	sort one >a && sort other >b && test_cmp a b
'

test_expect_success 'each area has more sites than the mutants it asks for' '
	bash "$MUT" --sites >sites &&
	awk "\$1 == \"area\" { print \$2, \$3 }" "$M/config" >areas &&
	test -s areas &&
	while read -r area count; do
		have=$(awk -F "\037" -v a="$area" "\$1 == a" sites | wc -l) &&
		test "$have" -gt "$((2 * count))" || { echo "$area: $have sites for $count" >&2; return 1; }
	done <areas
'

test_expect_success 'the sites of a small C and shell file: negated, flipped, deleted' '
	cat >a.c <<-\EOF &&
	int f(int a, int b)
	{
		/* a == b in a comment */
		if (a == b && g("x < y"))
			return -1;
		while (a < b) a++;
		return 1;
	}
	EOF
	awk -v file=a.c -v lang=c -f "$M/sites.awk" a.c | tr "\037" "|" >c.out &&
	cat >c.exp <<-\EOF &&
	a.c|4|cmp|if (a != b && g("x < y"))|== -> !=
	a.c|4|cond|if (!(a == b && g("x < y")))|if (X) -> if (!(X))
	a.c|5|del|{ }|deleted return -1;
	a.c|6|cmp|while (a >= b) a++;|< -> >=
	a.c|7|del|{ }|deleted return 1;
	EOF
	test_cmp c.exp c.out &&
	cat >a.sh <<-\EOF &&
	# [ $a = b ] in a comment
	if [ "$a" = b ]; then x; fi
	mapfile -t l < <(cmd)
	[ $n -gt 0 ] || die "none"
	if ! cmd; then return 1; fi
	EOF
	awk -v file=a.sh -v lang=sh -f "$M/sites.awk" a.sh | tr "\037" "|" >sh.out &&
	cat >sh.exp <<-\EOF &&
	a.sh|2|cmp|if [ "$a" != b ]; then x; fi|= -> !=
	a.sh|2|cond|if ! { [ "$a" = b ]; }; then x; fi|if X -> if ! { X; }
	a.sh|4|cmp|[ $n -le 0 ] || die "none"|-gt -> -le
	a.sh|4|del|[ $n -gt 0 ] || : "none"|deleted die
	a.sh|5|cond|if cmd; then return 1; fi|if ! X -> if X
	a.sh|5|del|if ! cmd; then :; fi|deleted return 1
	EOF
	test_cmp sh.exp sh.out
'

test_expect_success 'the map and the config name files and tests that exist' '
	while read -r glob tests; do
		case $glob in "" | \#*) continue ;; esac
		compgen -G "$PROJECT_DIR/$glob" >/dev/null || { echo "map: no file $glob" >&2; return 1; }
		for t in $tests; do
			test -f "$PROJECT_DIR/tests/$t" || { echo "map: no test $t" >&2; return 1; }
			case $t in t9*) echo "map: $t builds or boots a kernel" >&2; return 1 ;; esac
		done
	done <"$M/map"
'

test_expect_success 'a small run: one fault killed, one harmless change survives, the last line says so' '
	mkdir -p small &&
	cp "$M"/chosen/60-*.patch small/ &&
	printf "%s\n" "Fault: a comment of the variants file reworded (harmless)" "Killed-by: t0100-variants.sh" "" \
		"diff --git a/variants b/variants" "--- a/variants" "+++ b/variants" "@@ -1,2 +1,2 @@" \
		"-$(sed -n 1p "$PROJECT_DIR/variants")" "+# The variants, reworded." \
		" $(sed -n 2p "$PROJECT_DIR/variants")" >small/99-harmless.patch &&
	(cd "$PROJECT_DIR" && git apply --check "$OLDPWD/small/99-harmless.patch") &&
	printf "%s\n" "scripts/lib.sh t0100-variants.sh" "variants t0100-variants.sh" >small-map &&
	mkdir tmp && rc=0 &&
	{ TMPDIR=$PWD/tmp MUTANTS_GENERATED=0 MUTANTS_CHOSEN=$PWD/small MUTANTS_MAP=$PWD/small-map \
		RESULTS_ROOT=$PWD/results bash "$MUT" >out 2>err || rc=$?; } &&
	test $rc = 1 &&
	test_grep "^\| 60-variants-last-expectation-ignored \| chosen \| scripts/lib/variants.sh \| .* \| killed \| t0100-variants.sh: " out &&
	test_grep "^\| 99-harmless \| chosen \| variants \| .* \| \*\*survived\*\* \| - \| " out &&
	test "$(tail -n 1 out)" = "mutants: 1 killed, 1 survived" &&
	test -s results/*-mutants/table.md &&
	test -z "$(ls tmp)"
'
test_done
