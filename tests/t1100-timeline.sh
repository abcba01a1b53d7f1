#!/bin/bash
# scripts/timeline.sh: a run's jobs.tsv drawn as timeline.svg.  The SVG is
# well-formed XML, each bar is as wide as its job is long and starts where
# it started, the busy strip counts the jobs running at once, a malformed
# line is skipped with a warning, an unfinished job reaches the run's end,
# text is escaped, a file with no job gives no SVG, and mawk (a fresh
# machine's awk) draws byte for byte what gawk draws.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

TL=$PROJECT_DIR/scripts/timeline.sh
export TL

# job ID STEP VARIANT ARCH START END VERDICT CACHED: one jobs.tsv line,
# START and END in whole seconds after an epoch of 2023 (anything else,
# "-" or a malformed time, is written as it is).
job() {
	local s=$5 e=$6 base=1700000000000000000
	case $s in '' | *[!0-9]*) ;; *) s=$((base + s * 1000000000)) ;; esac
	case $e in '' | *[!0-9]*) ;; *) e=$((base + e * 1000000000)) ;; esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$s" "$e" "$7" "$8"
}

# well_formed SVG: parses as XML (Debian's python3, as t0050 requires).
well_formed() {
	/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1"
}

# bars SVG: "id x width" of each job's bar, in the order drawn.
bars() {
	sed -n 's/.*<rect class="bar" data-id="\([^"]*\)" x="\([^"]*\)" y="[^"]*" width="\([^"]*\)".*/\1 \2 \3/p' "$1"
}

# near A B: two numbers within 0.01 (the SVG has three decimals).
near() {
	awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; if (d > 0.01) { print a " != " b > "/dev/stderr"; exit 1 } }'
}

# Three jobs, 1 s, 2 s and 4 s long; b and c overlap from 2 s to 3 s.
test_expect_success 'setup: a run of three jobs' '
	mkdir r1 &&
	{
		job apply.incremental apply incremental - 0 1 PASS 0 &&
		job build.incremental.x86_64 build incremental x86_64 1 3 PASS 1 &&
		job boot.incremental.x86_64.memfd_fuse.1 boot incremental x86_64 2 6 FAIL 0
	} >r1/jobs.tsv
'

test_expect_success 'three jobs: a well-formed SVG, the summary line, nothing else left' '
	bash "$TL" r1 4 >out 2>err &&
	echo "timeline: r1/timeline.svg (3 jobs, wall 6.0 s, mean 1.17 jobs running, 4 cores)" >exp &&
	test_cmp exp out && test_cmp /dev/null err &&
	well_formed r1/timeline.svg &&
	test "$(ls -A r1 | tr "\n" " ")" = "jobs.tsv timeline.svg " &&
	test_grep "<title>timeline of r1/jobs.tsv: 3 jobs, wall 6.0 s, mean 1.17 jobs running, 4 cores</title>" r1/timeline.svg &&
	test_grep "class=\"legend\"[^>]*>boot<" r1/timeline.svg
'

test_expect_success 'three jobs: bars in start order, widths proportional to durations' '
	bars r1/timeline.svg >b &&
	test "$(wc -l <b)" = 3 &&
	test "$(cut -d" " -f1 b | tr "\n" " ")" = "apply.incremental build.incremental.x86_64 boot.incremental.x86_64.memfd_fuse.1 " &&
	read -r _ xa wa <<<"$(sed -n 1p b)" && read -r _ xb wb <<<"$(sed -n 2p b)" && read -r _ xc wc <<<"$(sed -n 3p b)" &&
	near "$wb" "$(awk "BEGIN { print 2 * $wa }")" &&
	near "$wc" "$(awk "BEGIN { print 4 * $wa }")" &&
	near "$xb" "$(awk "BEGIN { print $xa + $wa }")" &&
	near "$xc" "$(awk "BEGIN { print $xa + 2 * $wa }")" &&
	test_grep "<title>build.incremental.x86_64$" r1/timeline.svg &&
	test_grep "^verdict PASS, cached</title>" r1/timeline.svg
'

test_expect_success 'busy strip: 2 running where two jobs overlap, never 3; scaled to the peak or the cores' '
	sed -n "s/.*<rect class=\"busy\" data-n=\"\([0-9]*\)\" x=\"\([^\"]*\)\" y=\"[^\"]*\" width=\"\([^\"]*\)\".*/\1 \2 \3/p" \
		r1/timeline.svg >busy &&
	bars r1/timeline.svg >b &&
	read -r _ xa wa <<<"$(sed -n 1p b)" && read -r _ xc _ <<<"$(sed -n 3p b)" &&
	test "$(cut -d" " -f1 busy | tr "\n" " ")" = "1 2 1 " &&
	read -r _ x2 w2 <<<"$(sed -n 2p busy)" &&
	near "$x2" "$xc" && near "$w2" "$wa" &&
	test_grep "busy: jobs running \(peak 2\)" r1/timeline.svg &&
	test_grep "<line class=\"nproc\" [^>]*stroke-dasharray" r1/timeline.svg &&
	sed -n "s/.*<rect class=\"busy\" data-n=\"\([0-9]*\)\" x=\"[^\"]*\" y=\"\([^\"]*\)\" width=\"[^\"]*\" height=\"\([^\"]*\)\".*/\1 \2 \3/p" \
		r1/timeline.svg >heights &&
	read -r _ _ h1 <<<"$(sed -n 1p heights)" && read -r _ _ h2 <<<"$(sed -n 2p heights)" &&
	near "$h2" "$(awk "BEGIN { print 2 * $h1 }")" &&
	mkdir r1b && cp r1/jobs.tsv r1b/ && bash "$TL" r1b 1 >/dev/null &&
	sed -n "s/.*<rect class=\"busy-frame\" x=\"[^\"]*\" y=\"\([^\"]*\)\".*/\1/p" r1b/timeline.svg >top &&
	sed -n "s/.*<rect class=\"busy\" data-n=\"2\" x=\"[^\"]*\" y=\"\([^\"]*\)\".*/\1/p" r1b/timeline.svg >y2 &&
	test -s top && near "$(cat y2)" "$(cat top)"
'

test_expect_success 'a malformed line is skipped with one warning each, the rest drawn' '
	mkdir r3 &&
	{
		job a apply v - 0 2 PASS 0 &&
		printf "short\tline\tonly\n" &&
		echo "# a comment" &&
		job b build v x86_64 12x 3 PASS 0 &&
		job c build v arm64 3 1 PASS 0 &&
		job d w1 v - 1 4 SKIP 0
	} >r3/jobs.tsv &&
	bash "$TL" r3 2 >out 2>err &&
	test "$(wc -l <err)" = 3 &&
	test_grep "^timeline: r3/jobs.tsv:2: 3 fields, expected 8, skipped$" err &&
	test_grep "^timeline: r3/jobs.tsv:4: start_ns \"12x\" is not a number, skipped$" err &&
	test_grep "^timeline: r3/jobs.tsv:5: end_ns [0-9]+ is before start_ns [0-9]+, skipped$" err &&
	test_grep "\(2 jobs, wall 4.0 s" out &&
	well_formed r3/timeline.svg &&
	test "$(bars r3/timeline.svg | cut -d" " -f1 | tr "\n" " ")" = "a d "
'

test_expect_success 'an unfinished job is drawn, hatched, to the end of the run' '
	mkdir r4 &&
	{
		job boot.control.arm64.memfd_fuse.1 boot control arm64 1 - - 0 &&
		job build.control.arm64 build control arm64 0 5 PASS 0
	} >r4/jobs.tsv &&
	bash "$TL" r4 2 >out &&
	test_grep "\(2 jobs, wall 5.0 s, mean 1.80 jobs running, 2 cores\)" out &&
	well_formed r4/timeline.svg &&
	bars r4/timeline.svg >b &&
	read -r id1 x1 w1 <<<"$(sed -n 1p b)" && read -r id2 x2 w2 <<<"$(sed -n 2p b)" &&
	test "$id1 $id2" = "build.control.arm64 boot.control.arm64.memfd_fuse.1" &&
	near "$(awk "BEGIN { print $x2 + $w2 }")" "$(awk "BEGIN { print $x1 + $w1 }")" &&
	near "$w2" "$(awk "BEGIN { print $w1 * 4 / 5 }")" &&
	test_grep "^unfinished: no end recorded, drawn to the end of the run</title>" r4/timeline.svg &&
	test_grep "<rect class=\"unfinished\" [^>]*fill=\"url\(#hatch\)\"" r4/timeline.svg &&
	test_grep "4.0 s unfinished<" r4/timeline.svg
'

test_expect_success 'an interrupted run: "# run_end_ns" extends the unfinished job' '
	mkdir r5 &&
	{
		job build.control.arm64 build control arm64 0 5 PASS 0 &&
		job boot.control.arm64.memfd_fuse.1 boot control arm64 1 - - 0 &&
		echo "# run_end_ns $((1700000000000000000 + 10 * 1000000000))"
	} >r5/jobs.tsv &&
	bash "$TL" r5 2 >out &&
	test_grep "wall 10.0 s" out &&
	bars r5/timeline.svg >b &&
	read -r _ _ w1 <<<"$(sed -n 1p b)" && read -r _ _ w2 <<<"$(sed -n 2p b)" &&
	near "$w2" "$(awk "BEGIN { print $w1 * 9 / 5 }")"
'

test_expect_success 'text is escaped: <, & and > in an id give well-formed XML' '
	mkdir r6 &&
	job "a<&>b" "st<e>p" "v\"&" - 0 1 PASS 0 >r6/jobs.tsv &&
	bash "$TL" r6 1 >out &&
	well_formed r6/timeline.svg &&
	test_grep "a&lt;&amp;&gt;b" r6/timeline.svg &&
	test_grep "step st&lt;e&gt;p, variant v&quot;&amp;" r6/timeline.svg &&
	test_grep_not "a<&>b" r6/timeline.svg
'

test_expect_success 'no valid job line: exit 1, one error line, no SVG left behind' '
	mkdir r7 r8 &&
	: >r7/jobs.tsv &&
	test_must_fail bash "$TL" r7 2 >out 2>err &&
	test_cmp /dev/null out &&
	test "$(wc -l <err)" = 1 && test_grep "^timeline: error: r7/jobs.tsv: no valid job line" err &&
	test "$(ls -A r7)" = jobs.tsv &&
	{ echo "# only a comment" && printf "x\tapply\tv\t-\tnow\tlater\tPASS\t0\n"; } >r8/jobs.tsv &&
	rc=0 && { bash "$TL" r8 2 2>err || rc=$?; } &&
	test $rc = 1 &&
	test "$(wc -l <err)" = 2 && test_grep "jobs.tsv:2: start_ns \"now\" is not a number, skipped" err &&
	test "$(ls -A r8)" = jobs.tsv
'

test_expect_success 'bad input exits 2 with one line: no run dir, no jobs.tsv, bad NPROC' '
	rc=0 && { bash "$TL" no-such-dir 2>err || rc=$?; } &&
	test $rc = 2 && test "$(wc -l <err)" = 1 && test_grep "no run directory no-such-dir" err &&
	mkdir r9 && rc=0 && { bash "$TL" r9 2>err || rc=$?; } &&
	test $rc = 2 && test "$(wc -l <err)" = 1 && test_grep "no r9/jobs.tsv" err &&
	rc=0 && { bash "$TL" r1 zero 2>err || rc=$?; } &&
	test $rc = 2 && test_grep "NPROC must be a positive number" err &&
	rc=0 && { bash "$TL" 2>err || rc=$?; } && test $rc = 2
'

if [ -x /usr/bin/mawk ] && [ -x /usr/bin/gawk ]; then
	test_expect_success 'mawk, a fresh machine s awk, draws what gawk draws' '
		mkdir bin gbin && ln -s /usr/bin/mawk bin/awk && ln -s /usr/bin/gawk gbin/awk &&
		PATH=$SCRATCH/bin:$PATH awk -W version 2>&1 | head -n 1 >v && test_grep "^mawk" v &&
		for r in r1 r3 r4 r6; do
			PATH=$SCRATCH/gbin:$PATH bash "$TL" $r 2 >"$r.gawk.out" 2>"$r.gawk.err" &&
			cp $r/timeline.svg $r.gawk.svg &&
			PATH=$SCRATCH/bin:$PATH bash "$TL" $r 2 >"$r.mawk.out" 2>"$r.mawk.err" &&
			test_cmp $r.gawk.out $r.mawk.out && test_cmp $r.gawk.err $r.mawk.err &&
			test_cmp $r.gawk.svg $r/timeline.svg || return 1
		done &&
		test "$(wc -l <r3.mawk.err)" = 3
	'
else
	test_skip 'mawk, a fresh machine s awk, draws what gawk draws' 'no /usr/bin/mawk or /usr/bin/gawk'
fi

test_done
