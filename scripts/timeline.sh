#!/bin/bash
# timeline.sh RUN_DIR [NPROC]: RUN_DIR/timeline.svg from RUN_DIR/jobs.tsv,
# the jobs of a check-series run as a Gantt chart: one row per job in start
# order, a bar from its start to its end coloured by step, its label and a
# tooltip; under the rows the number of jobs running at each moment against
# a dashed line at NPROC (default: nproc), to see whether the cores were busy.
#
# jobs.tsv: one job a line, TAB separated, no header, '#' starts a comment:
#   id  step  variant  arch  start_ns  end_ns  verdict  cached
# start_ns/end_ns are `date +%s%N`; end_ns is "-" for a job that never
# finished (drawn hatched to the end of the run).  Arch is "-" for none,
# cached is 1 for a verdict from the cache.  An optional comment line
# "# run_end_ns N" says when an interrupted run stopped; without it the run
# ends at the last start or end recorded.  A malformed line (not 8 fields,
# a time not a number, an end before its start) is skipped with a warning.
#
# Prints one line: timeline: RUN_DIR/timeline.svg (N jobs, wall W s, mean
# B jobs running, NPROC cores), B = job-seconds / wall: jobs, not cores
# (a QEMU job keeps its core ~2/3 busy; bench.sh reads /proc/stat for
# that).  Exit 1: no valid job line (no svg written); 2: bad arguments,
# no RUN_DIR or no jobs.tsv.
# The SVG is written by awk alone (gawk or mawk), into RUN_DIR then renamed.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# Our own statuses, whatever DIE_STATUS the caller exported.
DIE_STATUS=1
usage() {
	DIE_STATUS=2 die "$* (usage: timeline.sh RUN_DIR [NPROC])"
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage "expected 1 or 2 arguments, got $#"; fi
run_dir=$1
[ "$run_dir" = / ] || run_dir=${run_dir%/}
nproc=${2:-$(nproc)}
[ -d "$run_dir" ] || usage "no run directory $run_dir"
jobs=$run_dir/jobs.tsv
[ -f "$jobs" ] || usage "no $jobs: not a check-series run directory?"
case $nproc in '' | 0* | *[!0-9]*) usage "NPROC must be a positive number, not '$nproc'" ;; esac

svg=$run_dir/timeline.svg
tmp=$run_dir/.timeline.svg.tmp.$$
trap 'rm -f "$tmp" "$tmp.sum"' EXIT

rc=0
# Paths through the environment: awk -v would expand backslashes in them.
TL_FILE=$jobs TL_SUM=$tmp.sum awk -F'\t' -v nproc="$nproc" '
function warn(msg) {
	printf "timeline: %s:%d: %s, skipped\n", file, FNR, msg > "/dev/stderr"
}
function esc(s) {
	gsub(/[[:cntrl:]]/, " ", s)
	gsub(/&/, "\\&amp;", s)
	gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s)
	gsub(/"/, "\\&quot;", s)
	return s
}
function floor_(x) { return (x == int(x) || x >= 0) ? int(x) : int(x) - 1 }
function max_(a, b) { return a > b ? a : b }
# Shell sort of P[1..n] (indices) on K1 then K2: the keys make the order
# total, so it needs no stability.
function sortp(P, K1, K2, n,    gap, i, j, t) {
	for (gap = int(n / 2); gap > 0; gap = int(gap / 2))
		for (i = gap + 1; i <= n; i++) {
			t = P[i]
			for (j = i; j > gap && (K1[P[j - gap]] > K1[t] || (K1[P[j - gap]] == K1[t] && K2[P[j - gap]] > K2[t])); j -= gap)
				P[j] = P[j - gap]
			P[j] = t
		}
}
# x in the chart for a time in seconds since the first start.
function X(t) { return x0 + t / span * plotw }
# A tick step of 1, 2 or 5 times a power of ten, in minutes past a minute.
function tick_step(w,    raw, mag, m, i, nice) {
	raw = w / 8
	if (raw > 45) {
		split("60 120 300 600 900 1200 1800 3600 7200 10800 21600 43200 86400", nice, " ")
		for (i = 1; i <= 13; i++) if (nice[i] >= raw) return nice[i]
		return 86400 * (int(raw / 86400) + 1)
	}
	mag = exp(log(10) * floor_(log(raw) / log(10)))
	m = raw / mag
	return (m <= 1.0001 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * mag
}
BEGIN {
	file = ENVIRON["TL_FILE"]; sumfile = ENVIRON["TL_SUM"]
	split("apply checkpatch sparse coccinelle w1 build boot equivalence", steps, " ")
	split("#4e79a7 #f28e2b #e15759 #76b7b2 #59a14f #edc948 #b07aa1 #ff9da7", cols, " ")
	for (i = 1; i <= 8; i++) colour[steps[i]] = cols[i]
	other = "#9c9c9c"
	n = 0; have_end = 0
}
/^#[ \t]*run_end_ns[ \t]+[0-9]+[ \t]*$/ {
	v = $0; sub(/^#[ \t]*run_end_ns[ \t]+/, "", v); sub(/[ \t]+$/, "", v)
	run_end_hint = v / 1e9; have_hint = 1
	next
}
/^#/ || /^[ \t\r]*$/ { next }
{
	sub(/\r$/, "")
	if (NF != 8) { warn(NF " fields, expected 8"); next }
	if ($5 !~ /^[0-9]+$/) { warn("start_ns \"" $5 "\" is not a number"); next }
	if ($6 != "-" && $6 !~ /^[0-9]+$/) { warn("end_ns \"" $6 "\" is neither a number nor -"); next }
	# Seconds, in doubles: 256 ns granularity at this epoch, ample here.
	s = $5 / 1e9
	if ($6 != "-" && $6 / 1e9 < s) { warn("end_ns " $6 " is before start_ns " $5); next }
	n++
	id[n] = $1; step[n] = $2; variant[n] = $3; arch[n] = $4
	st[n] = s; verdict[n] = $7; cached[n] = ($8 == "1")
	unfinished[n] = ($6 == "-")
	en[n] = unfinished[n] ? -1 : $6 / 1e9
	order[n] = n; seq[n] = n
	if (n == 1 || s < t0) t0 = s
	if (n == 1 || s > tmax) tmax = s
	if (!unfinished[n] && en[n] > tmax) tmax = en[n]
}
END {
	if (n == 0) exit 3
	if (have_hint && run_end_hint > tmax) tmax = run_end_hint
	wall = tmax - t0
	# A run of one instant is still drawn, one second wide.
	span = wall > 0 ? wall : 1
	busy_sum = 0
	for (i = 1; i <= n; i++) {
		if (unfinished[i]) en[i] = tmax
		a[i] = st[i] - t0; b[i] = en[i] - t0
		dur[i] = b[i] - a[i]
		busy_sum += dur[i]
	}
	mean = wall > 0 ? busy_sum / wall : 0
	sortp(order, a, seq, n)

	# How many jobs run at each moment: +1 at a start, -1 at an end; at one
	# instant the ends count first, so back-to-back jobs never make a peak.
	ne = 0
	for (i = 1; i <= n; i++) {
		ev[++ne] = i; et[ne] = a[i]; ed[ne] = 1; ek[ne] = 1 * (n + 1) + i
		ev[++ne] = i; et[ne] = b[i]; ed[ne] = -1; ek[ne] = i
		ep[ne - 1] = ne - 1; ep[ne] = ne
	}
	sortp(ep, et, ek, ne)
	nseg = 0; cur = 0; peak = 0
	for (k = 1; k <= ne; k++) {
		e = ep[k]
		cur += ed[e]
		if (k < ne && et[ep[k + 1]] == et[e]) continue
		if (k == ne) break
		if (cur > peak) peak = cur
		if (nseg > 0 && sn[nseg] == cur) { se[nseg] = et[ep[k + 1]]; continue }
		nseg++; ss[nseg] = et[e]; se[nseg] = et[ep[k + 1]]; sn[nseg] = cur
	}

	# Layout: a monospace label table at the left (id, then duration,
	# verdict and cached), the chart at the right, the busy strip below.
	cw = 6.6; rowh = 18; barh = 12; plotw = 800
	idw = 0; infow = 0
	for (i = 1; i <= n; i++) {
		info[i] = sprintf("%.1f s %s", dur[i], unfinished[i] ? "unfinished" : verdict[i]) (cached[i] ? " cached" : "")
		idw = max_(idw, length(id[i])); infow = max_(infow, length(info[i]))
	}
	idx = 10; infox = idx + idw * cw + 12 + infow * cw
	x0 = infox + 14
	width = x0 + plotw + 30
	title = sprintf("%d jobs, wall %.1f s, mean %.2f jobs running, %d cores", n, wall, mean, nproc)

	# Legend: the steps present, in pipeline order, then any other, then
	# the looks of cached and unfinished jobs when there are some.
	for (i = 1; i <= n; i++) {
		present[step[i]] = 1
		if (!(step[i] in colour)) any_other = 1
		if (cached[i]) any_cached = 1
		if (unfinished[i]) any_unfinished = 1
	}
	nl = 0
	for (i = 1; i <= 8; i++) if (steps[i] in present) { nl++; lname[nl] = steps[i]; lcol[nl] = cols[i]; lkind[nl] = "" }
	if (any_other) { nl++; lname[nl] = "other"; lcol[nl] = other; lkind[nl] = "" }
	if (any_cached) { nl++; lname[nl] = "cached"; lcol[nl] = other; lkind[nl] = "cached" }
	if (any_unfinished) { nl++; lname[nl] = "unfinished"; lcol[nl] = other; lkind[nl] = "unfinished" }

	legy = 42
	rows_top = legy + 26
	axis_y = rows_top + n * rowh + 4
	busy_top = axis_y + 52
	busyh = 80
	height = busy_top + busyh + 40
	ymax = max_(peak, nproc)
	unit = busyh / ymax

	printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"11\">\n", width, height, width, height
	printf "<title>timeline of %s: %s</title>\n", esc(file), title
	printf "<defs><pattern id=\"hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\"><rect width=\"3\" height=\"6\" fill=\"#000\" fill-opacity=\"0.35\"/></pattern></defs>\n"
	printf "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n"
	printf "<text x=\"10\" y=\"22\" font-size=\"14\" font-weight=\"bold\">%s: %s</text>\n", esc(file), title

	lx = 10
	for (i = 1; i <= nl; i++) {
		if (lkind[i] == "cached")
			printf "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"10\" fill=\"%s\" fill-opacity=\"0.4\"/>", lx, legy - 9, lcol[i]
		else if (lkind[i] == "unfinished")
			printf "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"10\" fill=\"%s\"/><rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"10\" fill=\"url(#hatch)\"/>", lx, legy - 9, lcol[i], lx, legy - 9
		else
			printf "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"10\" fill=\"%s\"/>", lx, legy - 9, lcol[i]
		printf "<text class=\"legend\" x=\"%.1f\" y=\"%d\">%s</text>\n", lx + 18, legy, lname[i]
		lx += 18 + length(lname[i]) * cw + 16
	}

	# Grid and axis ticks.
	tick = tick_step(span)
	for (k = 0; k * tick <= span * 1.000001; k++) {
		tx = X(k * tick)
		printf "<line x1=\"%.3f\" y1=\"%d\" x2=\"%.3f\" y2=\"%d\" stroke=\"#e4e4e4\"/>", tx, rows_top, tx, axis_y
		printf "<line x1=\"%.3f\" y1=\"%d\" x2=\"%.3f\" y2=\"%d\" stroke=\"#000\"/>", tx, axis_y, tx, axis_y + 5
		printf "<text class=\"tick\" x=\"%.3f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n", tx, axis_y + 17, k * tick
	}
	printf "<line x1=\"%.3f\" y1=\"%d\" x2=\"%.3f\" y2=\"%d\" stroke=\"#000\"/>\n", x0, axis_y, X(span), axis_y
	printf "<text x=\"%.3f\" y=\"%d\" text-anchor=\"end\">s since the first start</text>\n", X(span), axis_y + 30

	for (r = 1; r <= n; r++) {
		i = order[r]
		y = rows_top + (r - 1) * rowh
		c = (step[i] in colour) ? colour[step[i]] : other
		tip = esc(id[i]) "\nstep " esc(step[i]) ", variant " esc(variant[i]) (arch[i] != "-" ? ", arch " esc(arch[i]) : "") \
			sprintf("\nfrom %.3f s to %.3f s: %.3f s", a[i], b[i], dur[i]) \
			"\nverdict " esc(verdict[i]) (cached[i] ? ", cached" : "") \
			(unfinished[i] ? "\nunfinished: no end recorded, drawn to the end of the run" : "")
		printf "<g class=\"job\"><title>%s</title>\n", tip
		if (r % 2 == 0)
			printf "<rect x=\"0\" y=\"%d\" width=\"%.0f\" height=\"%d\" fill=\"#000\" fill-opacity=\"0.04\"/>\n", y, width, rowh
		w = dur[i] / span * plotw
		# Too short to see (a cached verdict): one pixel, still visible.
		if (w < 1) w = 1
		printf "<rect class=\"bar\" data-id=\"%s\" x=\"%.3f\" y=\"%d\" width=\"%.3f\" height=\"%d\" fill=\"%s\"%s/>\n", \
			esc(id[i]), X(a[i]), y + (rowh - barh) / 2, w, barh, c, \
			cached[i] ? " fill-opacity=\"0.4\"" : ""
		if (unfinished[i])
			printf "<rect class=\"unfinished\" x=\"%.3f\" y=\"%d\" width=\"%.3f\" height=\"%d\" fill=\"url(#hatch)\" stroke=\"%s\" stroke-dasharray=\"3,2\"/>\n", \
				X(a[i]), y + (rowh - barh) / 2, w, barh, c
		vc = verdict[i] ~ /^(FAIL|ERROR)$/ ? "#c00000" : verdict[i] ~ /^(PASS|XFAIL)$/ ? "#1a7f37" : "#666666"
		if (unfinished[i]) vc = "#c05000"
		printf "<text x=\"%d\" y=\"%d\">%s</text><text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" fill=\"%s\">%s</text>\n</g>\n", \
			idx, y + 13, esc(id[i]), infox, y + 13, vc, esc(info[i])
	}

	# The busy strip: a step plot of jobs running, and the cores.
	by = busy_top + busyh
	printf "<text x=\"10\" y=\"%d\" font-weight=\"bold\">busy: jobs running (peak %d)</text>\n", busy_top - 8, peak
	printf "<rect class=\"busy-frame\" x=\"%.3f\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#bbbbbb\"/>\n", x0, busy_top, plotw, busyh
	for (k = 1; k <= nseg; k++) {
		if (sn[k] <= 0) continue
		printf "<rect class=\"busy\" data-n=\"%d\" x=\"%.3f\" y=\"%.3f\" width=\"%.3f\" height=\"%.3f\" fill=\"#4e79a7\" fill-opacity=\"0.6\"><title>%d running from %.3f s to %.3f s</title></rect>\n", \
			sn[k], X(ss[k]), by - sn[k] * unit, (se[k] - ss[k]) / span * plotw, sn[k] * unit, sn[k], ss[k], se[k]
	}
	printf "<line class=\"nproc\" x1=\"%.3f\" y1=\"%.3f\" x2=\"%.3f\" y2=\"%.3f\" stroke=\"#c00000\" stroke-dasharray=\"6,4\"/>\n", x0, by - nproc * unit, X(span), by - nproc * unit
	printf "<text x=\"%.1f\" y=\"%.3f\" text-anchor=\"end\" fill=\"#c00000\">%d cores</text>\n", x0 - 6, by - nproc * unit + 4, nproc
	if (peak != nproc)
		printf "<text x=\"%.1f\" y=\"%.3f\" text-anchor=\"end\">%d</text>\n", x0 - 6, by - peak * unit + 4, peak
	printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">0</text>\n", x0 - 6, by + 4
	printf "<text x=\"10\" y=\"%d\">mean %.2f jobs running, %d cores (%.1f job-seconds in %.1f s)</text>\n", by + 24, mean, nproc, busy_sum, wall
	printf "</svg>\n"
	printf "%d jobs, wall %.1f s, mean %.2f jobs running, %d cores\n", n, wall, mean, nproc > sumfile
}' "$jobs" >"$tmp" || rc=$?

case $rc in
0) ;;
3) die "$jobs: no valid job line (id step variant arch start_ns end_ns verdict cached, TAB separated): no timeline written" ;;
*) die "awk failed (exit $rc) on $jobs: no timeline written" ;;
esac
publish_file "$tmp" "$svg"
echo "timeline: $svg ($(cat "$tmp.sum"))"
