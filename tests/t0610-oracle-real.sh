#!/bin/bash
# The oracle on real kernel reports nobody on this project wrote
# (tests/data/real: syzbot, LKML, LKFT, Intel CI, kernel test robot, bug
# trackers; x86_64 and arm64).  Every crash must FAIL framed two ways (as
# the last thing in a guest log, and followed by the test's "ok" line and
# "# guest-done"); every benign case (notices that say WARNING, BUG or
# error in passing, firmware lines, kselftest SKIPs) must PASS.  Class,
# function and poison are scored against the MANIFEST and printed.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

REAL=$TEST_DATA/real
export REAL

# frame NAME ENDING: NAME's report as a guest log of test memfd_fuse, the
# way guest/init.c frames one; ENDING "ok" adds the test's result line and
# "# guest-done" after it.
frame() {
	printf 'KTAP version 1\n1..1\n# start 1 memfd_fuse\n'
	cat "$REAL/$1.log"
	if [ "$2" = ok ]; then
		printf 'ok 1 memfd_fuse\n# Totals: pass:1 fail:0\n# guest-done\n'
	fi
}
export -f frame

test_expect_success 'oracle builds' '
	make -C "$PROJECT_DIR/oracle" O="$SCRATCH/out" &&
	test -x "$SCRATCH/out/oracle"
'

test_expect_success 'the manifest names every case and every case has a source' '
	grep -v "^#" "$REAL/MANIFEST" >cases &&
	test "$(wc -l <cases)" -ge 40 &&
	test "$(grep -c "	benign	" cases)" -ge 10 &&
	test "$(grep -c "^arm64-" cases)" -ge 5 &&
	while IFS="	" read -r name arch kind class func poison source; do
		test -s "$REAL/$name.log" && test -n "$source" &&
		case $kind in crash | benign) ;; *) false ;; esac ||
		{ echo "bad manifest line: $name"; return 1; }
	done <cases &&
	for log in "$REAL"/*.log; do
		grep -q "^$(basename "$log" .log)	" cases ||
		{ echo "$log: not in MANIFEST"; return 1; }
	done
'

# run_case NAME ENDING: the oracle's verdict line for the framed case,
# with its exit status appended as a last field.
run_case() {
	local rc=0 out
	frame "$1" "$2" >"$1.$2.log"
	{ out=$("$SCRATCH/out/oracle" "$1.$2.log" memfd_fuse) || rc=$?; }
	printf '%s\t%s\n' "$out" "$rc"
}
export -f run_case

test_expect_success 'every crash fails, framed last and followed by ok and guest-done' '
	bad=0 &&
	while IFS="	" read -r name arch kind class func poison source; do
		[ "$kind" = crash ] || continue
		for ending in last ok; do
			line=$(run_case "$name" "$ending")
			rc=${line##*	}
			case $line in
			"memfd_fuse	FAIL	no-result"*) echo "$name ($ending): the crash was not seen: $line"; bad=1 ;;
			"memfd_fuse	FAIL	"*) [ "$rc" = 1 ] || { echo "$name ($ending): exit $rc"; bad=1; } ;;
			*) echo "$name ($ending): $line"; bad=1 ;;
			esac
		done
	done <"$REAL/MANIFEST" &&
	test $bad = 0
'

test_expect_success 'every benign case passes' '
	bad=0 &&
	while IFS="	" read -r name arch kind class func poison source; do
		[ "$kind" = benign ] || continue
		line=$(run_case "$name" ok)
		case $line in
		"memfd_fuse	PASS	"*"	0") ;;
		*) echo "$name: $line"; bad=1 ;;
		esac
	done <"$REAL/MANIFEST" &&
	test $bad = 0
'

# The figures: one line per crash case (expected and got), then totals per
# class.  Class right on >= 95%, function right on >= 90% of the cases
# that name one, the poison named wherever the report has it.
test_expect_success 'class, function and poison figures meet the bar' '
	while IFS="	" read -r name arch kind class func poison source; do
		[ "$kind" = crash ] || continue
		IFS="	" read -r _ v1 _ <<<"$(run_case "$name" last)"
		IFS="	" read -r _ v2 gclass gfunc detail _ <<<"$(run_case "$name" ok)"
		gpoison=-
		case $detail in *"slub-poison 0x5a"*) gpoison=0x5a ;; *"slub-poison 0x6b"*) gpoison=0x6b ;; esac
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$name" "$class" "$gclass" \
			"$func" "$gfunc" "$poison" "$gpoison" "$v1$v2"
	done <"$REAL/MANIFEST" >scores &&
	awk -F "	" "
		{ n++; c = (\$2 == \$3); vright += (\$8 == \"FAILFAIL\"); cls[\$2]++; cok[\$2] += c; cright += c
		  if (\$4 != \"-\") { nf++; fright += (\$4 == \$5) }
		  if (\$6 != \"-\") { np++; pright += (\$6 == \$7) }
		  if (\$7 != \$6) pwrong++
		  if (!c || (\$4 != \"-\" && \$4 != \$5) || \$6 != \$7)
			printf \"miss: %s: class %s/%s function %s/%s poison %s/%s\\n\", \$1, \$2, \$3, \$4, \$5, \$6, \$7 }
		END {
			printf \"crash cases: %d; FAIL both framed last and before ok: %d/%d\\n\", n, vright, n
			printf \"class right: %d/%d (%.1f%%)\\n\", cright, n, 100 * cright / n
			printf \"function right: %d/%d naming one (%.1f%%)\\n\", fright, nf, 100 * fright / nf
			printf \"poison named: %d/%d; poison claimed wrongly: %d\\n\", pright, np, pwrong - (np - pright)
			for (k in cls) printf \"  class %-24s %d/%d\\n\", k, cok[k], cls[k] | \"sort\"
			close(\"sort\")
			if (vright != n || cright * 100 < 95 * n || fright * 100 < 90 * nf || pright != np || pwrong)
				exit 1
		}" scores >figures
	rc=$?
	cat figures
	test $rc = 0
'

test_done
