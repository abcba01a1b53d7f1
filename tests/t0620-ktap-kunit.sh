#!/bin/bash
# A second opinion on KTAP: the kernel's own parser (6.1's
# tools/testing/kunit/kunit.py parse, from Debian's linux-source-6.1) reads
# every saved guest log in tests/data/serial, and its ok / not ok per test
# must agree with the oracle's own KTAP reading (oracle --ktap).  A test
# kunit.py does not list, or lists as crashed, is one the oracle has no
# result for.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

SERIAL=$TEST_DATA/serial
TARBALL=/usr/src/linux-source-6.1.tar.xz
KUNIT=$SCRATCH/linux-source-6.1/tools/testing/kunit
export SERIAL TARBALL KUNIT

if [ ! -f "$TARBALL" ] || [ ! -x /usr/bin/python3 ]; then
	test_skip 'kunit.py agrees with the oracle on every saved log' \
		"no $TARBALL or /usr/bin/python3: scripts/deps.sh base installs them"
	test_done
	exit
fi

test_expect_success 'oracle builds; kunit.py is extracted from the 6.1 source' '
	make -C "$PROJECT_DIR/oracle" O="$SCRATCH/out" &&
	tar -xJf "$TARBALL" -C "$SCRATCH" --wildcards \
		"linux-source-6.1/tools/testing/kunit/*" &&
	test -f "$KUNIT/kunit.py"
'

# kunit_cases LOG: "NAME STATUS" per test case kunit.py parse finds (a
# crashed test has its NAME as "-").  kunit.py exits 1 when a test failed;
# its JSON, after the summary on stdout, is what counts.
kunit_cases() {
	(cd "$KUNIT" && /usr/bin/python3 kunit.py parse --json "$1") \
		>kunit.out 2>kunit.err
	sed -n "/^{/,\$p" kunit.out >kunit.json
	if [ ! -s kunit.json ]; then
		cat kunit.err
		return 1
	fi
	/usr/bin/python3 -c "
import json, sys
for c in json.load(open(sys.argv[1]))[\"test_cases\"]:
    print(c[\"name\"] or \"-\", c[\"status\"])" kunit.json
}
export -f kunit_cases

test_expect_success 'kunit.py and the oracle read the same result for every test' '
	bad=0 && n=0 &&
	for log in "$SERIAL"/*.log; do
		name=$(basename "$log" .log)
		kunit_cases "$log" >kunit.txt || { echo "$name: kunit.py failed"; return 1; }
		mapfile -t tests < <(cut -f1 "$SERIAL/$name.expected")
		"$SCRATCH/out/oracle" --ktap "$log" "${tests[@]}" >oracle.txt ||
			return 1
		crashed=$(grep -c "^- " kunit.txt) none=0
		while IFS="	" read -r test got; do
			n=$((n + 1))
			want=$(awk -v t="$test" "\$1 == t { print \$2 }" kunit.txt)
			case $want in
			PASS) want=ok ;; FAIL) want="not ok" ;; SKIP) want=skip ;;
			"") want=none ;;
			esac
			[ "$got" = none ] && none=$((none + 1))
			[ "$got" = "$want" ] ||
			{ echo "$name: $test: kunit.py $want, oracle $got"; bad=1; }
		done <oracle.txt
		[ "$crashed" -le "$none" ] ||
		{ echo "$name: kunit.py has $crashed crashed tests, the oracle $none without result"; bad=1; }
	done &&
	echo "$n test results compared" &&
	test $bad = 0 && test $n -gt 0
'

test_expect_success 'both read a SKIP as SKIP, not as a pass' '
	printf "%s\n" "KTAP version 1" "1..2" "ok 1 memfd_fuse # SKIP no fuse" \
		"not ok 2 fuse_evict # exit 1" "# guest-done" >skip.log &&
	kunit_cases "$PWD/skip.log" >kunit.txt &&
	grep -qx "memfd_fuse SKIP" kunit.txt &&
	grep -qx "fuse_evict FAIL" kunit.txt &&
	"$SCRATCH/out/oracle" --ktap skip.log memfd_fuse fuse_evict >oracle.txt &&
	printf "memfd_fuse\tskip\nfuse_evict\tnot ok\n" >expect &&
	test_cmp expect oracle.txt
'

test_done
