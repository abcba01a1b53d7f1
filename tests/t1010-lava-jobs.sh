#!/bin/bash
# scripts/lava-jobs.sh: the VM proof as LAVA jobs.  Every job and device
# dictionary passes lava-common's own validator; the jobs boot what boot.sh
# boots (QEMU options, kernel command line) from the run's kernels; the
# monitor patterns, run the way LAVA's monitor runs them (pexpect: partial
# reads, a 4000-character search window, the earliest match wins), give
# the oracle's verdict on every real serial log, and fail a guest that
# prints ok and then crashes.  Nothing is booted here (t1020 does).
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

LJ=$PROJECT_DIR/scripts/lava-jobs.sh
export LJ
unset ARTIFACT_URL VARIANTS ARCHS BOOT_TIMEOUT RUN_DIR
export RESULTS_ROOT=$SCRATCH/results CACHE_DIR=$SCRATCH/cache

# A run as check-series leaves it: each variant's facts name its kernels,
# boot.log the initrd boot.sh booted.
test_expect_success 'setup: a run with kernels for every variant and arch' '
	mkdir -p cache/kernels cache/guest/x86_64-k cache/guest/arm64-k results/run1 &&
	echo initrd >cache/guest/x86_64-k/initrd.cpio && echo initrd >cache/guest/arm64-k/initrd.cpio &&
	for v in control incremental v5 pre-v4 fault-leak; do
		mkdir -p "cache/kernels/$v-x86_64" "cache/kernels/$v-arm64" "results/run1/$v" &&
		echo bzImage >"cache/kernels/$v-x86_64/image" && echo Image >"cache/kernels/$v-arm64/image" &&
		printf "kernel_x86_64=%s\nkernel_arm64=%s\n" "$SCRATCH/cache/kernels/$v-x86_64/image" \
			"$SCRATCH/cache/kernels/$v-arm64/image" >"results/run1/$v/facts" || return 1
	done &&
	printf "%s\n" "+ qemu-system-x86_64 -M q35 -m 512 -accel tcg -initrd $SCRATCH/cache/guest/x86_64-k/initrd.cpio -append x" \
		"+ qemu-system-aarch64 -M virt -initrd $SCRATCH/cache/guest/arm64-k/initrd.cpio -append x" >results/run1/control/boot.log &&
	ln -s run1 results/latest
'

test_expect_success 'make lava: a job per variant x arch x test, the virtiofs_* tests listed as local' '
	bash "$LJ" out >msg 2>&1 &&
	test_grep "^lava-jobs: 16 jobs, 2 device\(s\) in out " msg &&
	test "$(ls out/*.yaml | wc -l)" = 18 &&
	test -f out/control-x86_64-memfd_fuse.yaml && test -f out/pre-v4-arm64-fuse_evict.yaml &&
	test -f out/qemu-x86_64.yaml && test -f out/qemu-arm64.yaml &&
	test ! -e out/control-x86_64-virtiofs_submount.yaml &&
	test "$(grep -c "	virtiofs_submount	.*	local (scripts/boot.sh): needs the vhost-user-fs backend" out/jobs.tsv)" = 8 &&
	test "$(grep -c "	virtiofs_kmemleak	.*	local (scripts/boot.sh): needs the vhost-user-fs backend" out/jobs.tsv)" = 6 &&
	test "$(grep -c "	lava (device qemu-" out/jobs.tsv)" = 16 &&
	grep -q "^control-arm64-memfd_fuse.yaml	control	arm64	memfd_fuse	FAIL	lava" out/jobs.tsv
'

if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import lava_common.schemas" 2>/dev/null; then
	test_expect_success 'lava-common validates every job (strict), and each device has what lava-run needs' '
		/usr/bin/python3 - out/*.yaml <<-\EOF
		import sys, yaml
		from lava_common.schemas import validate
		n = 0
		for f in sys.argv[1:]:
		    data = yaml.safe_load(open(f))
		    if f.split("/")[-1].startswith("qemu-"):
		        for key in ("available_architectures", "constants", "parameters", "commands", "timeouts"):
		            assert key in data, (f, key)
		        assert "image" in data["actions"]["deploy"]["methods"], f
		        qemu = data["actions"]["boot"]["methods"]["qemu"]["parameters"]
		        assert qemu["command"] and qemu["options"], f
		        assert data["constants"]["failure_retry"] and data["constants"]["boot_retry"], f
		        continue
		    validate(data, strict=True)
		    n += 1
		print(n, "jobs valid")
		assert n == 16
		EOF
	'
	test_expect_success 'the validator is not a rubber stamp: a broken job is refused' '
		/usr/bin/python3 - out/control-x86_64-memfd_fuse.yaml <<-\EOF
		import sys, yaml, copy
		from lava_common.schemas import validate
		good = yaml.safe_load(open(sys.argv[1]))
		def broken(f):
		    d = copy.deepcopy(good); f(d)
		    try:
		        validate(d, strict=True)
		    except Exception:
		        return True
		    return False
		assert broken(lambda d: d.pop("visibility"))
		assert broken(lambda d: d["actions"][2]["test"]["monitors"][0].pop("end"))
		assert broken(lambda d: d["actions"][2]["test"]["monitors"][0]["fixupdict"].update({"ok": "passed"}))
		assert broken(lambda d: d["actions"][1]["boot"].update({"media": "nfs"}))
		assert broken(lambda d: d["context"].update({"kernel": "x"}))
		print("refused as they should be")
		EOF
	'
else
	test_skip 'lava-common validates every job' 'no lava-common under /usr/bin/python3: bash scripts/deps.sh lava'
fi

test_expect_success 'jobs boot what boot.sh boots: the run'"'"'s kernel and initrd, its command line and QEMU options' '
	for a in x86_64 arm64; do
		: >k && : >i &&
		DRY_RUN=1 ACCEL=tcg bash "$PROJECT_DIR/scripts/boot.sh" $a k i memfd_fuse boot.log 2>cmd &&
		append=$(sed -n "s/.* -append //p" cmd) &&
		grep -F -q "image_arg: '"'"'-kernel {kernel} -append \"$append\"'"'"'" out/control-$a-memfd_fuse.yaml ||
			{ echo "$a: not the command line of boot.sh: $append" >&2; return 1; }
		# Every QEMU word of boot.sh but the images and the command line.
		sed -e "s/^+ //" -e "s/ -kernel .*//" cmd | tr " " "\n" >boot.words &&
		{ sed -n "s/^          command: //p" out/qemu-$a.yaml &&
		  sed -n "s/^          - '"'"'\(.*\)'"'"'$/\1/p" out/qemu-$a.yaml | tr " " "\n"; } >lava.words &&
		test_cmp boot.words lava.words || return 1
	done &&
	grep -q "url: '"'"'file://$SCRATCH/cache/kernels/pre-v4-arm64/image'"'"'" out/pre-v4-arm64-memfd_fuse.yaml &&
	grep -q "url: '"'"'file://$SCRATCH/cache/guest/arm64-k/initrd.cpio'"'"'" out/pre-v4-arm64-memfd_fuse.yaml &&
	grep -q "^  arch: amd64$" out/v5-x86_64-fuse_evict.yaml &&
	grep -q "^  arch: arm64$" out/v5-arm64-fuse_evict.yaml &&
	grep -q "^available_architectures: \[arm64, aarch64\]$" out/qemu-arm64.yaml
'

test_expect_success 'metadata names the result the variants file expects' '
	while read -r v _ _ _ memfd evict _; do
		case $v in "#"* | "") continue ;; esac
		case $memfd in memfd_fuse=*) ;; *) continue ;; esac
		for a in x86_64 arm64; do
			grep -q "^  expected: '"'"'${memfd#memfd_fuse=}'"'"'$" out/$v-$a-memfd_fuse.yaml &&
			grep -q "^  expected: '"'"'${evict#fuse_evict=}'"'"'$" out/$v-$a-fuse_evict.yaml &&
			grep -q "^  variant: '"'"'$v'"'"'$" out/$v-$a-fuse_evict.yaml || { echo "$v $a" >&2; return 1; }
		done
	done <"$PROJECT_DIR/variants" &&
	grep -q "^  expected: '"'"'FAIL'"'"'$" out/control-x86_64-memfd_fuse.yaml
'

test_expect_success 'ARTIFACT_URL: a lab fetches the cache from there' '
	ARTIFACT_URL=https://artifacts.example.org/fuse/ VARIANTS=control ARCHS=arm64 bash "$LJ" out2 >msg 2>&1 &&
	grep -q "url: '"'"'https://artifacts.example.org/fuse/kernels/control-arm64/image'"'"'" out2/control-arm64-fuse_evict.yaml &&
	grep -q "url: '"'"'https://artifacts.example.org/fuse/guest/arm64-k/initrd.cpio'"'"'" out2/control-arm64-fuse_evict.yaml &&
	test "$(ls out2/*.yaml | wc -l)" = 3
'

# LAVA's monitor, as lava_dispatcher/actions/test/monitor.py runs it on
# pexpect: wait for start, then repeatedly the earliest match of
# [end, pattern] in the last 4000 characters, consuming up to the match;
# data arrives in small reads.  Prints "case result" lines, then "end" or
# "eof".
cat >"$SCRATCH/monitor.py" <<-\EOF
	import re, sys, yaml
	job = yaml.safe_load(open(sys.argv[1]))
	mon = job["actions"][2]["test"]["monitors"][0]
	fix = mon.get("fixupdict", {})
	text = open(sys.argv[2], "rb").read().decode("utf-8", "replace").replace("\n", "\r\n")
	chunk = int(sys.argv[3]) if len(sys.argv) > 3 else 7
	start, end, pat = (re.compile(mon[k], re.DOTALL) for k in ("start", "end", "pattern"))
	buf, pos, started, out = "", 0, False, []
	def search(rx, b):
	    return rx.search(b, max(0, len(b) - 4000))
	while True:
	    while True:
	        if not started:
	            m = search(start, buf)
	            if not m: break
	            buf, started = buf[m.end():], True
	            continue
	        ms = [(m.start(), i, m) for i, m in enumerate((search(end, buf), search(pat, buf))) if m]
	        if not ms: break
	        _, i, m = min(ms, key=lambda x: (x[0], x[1]))
	        buf = buf[m.end():]
	        if i == 0:
	            print("\n".join(out + ["end"])); sys.exit(0)
	        g = m.groupdict(); r = fix.get(g["result"], g["result"])
	        out.append("%s %s" % (re.sub(r"\W+", "_", g["test_case_id"].strip().lower()), r))
	    if pos >= len(text): break
	    buf += text[pos:pos + chunk]; pos += chunk
	print("\n".join(out + ["eof"]))
EOF

test_expect_success 'the monitors on every real serial log: the oracle'"'"'s verdict, for any read size' '
	n=0 &&
	for log in "$TEST_DATA"/serial/*-real-*.log; do
		case $log in *virtiofs*) continue ;; esac
		read -r t verdict _ <"${log%.log}.expected" &&
		case $log in arm64-*|*/arm64-*) a=arm64 ;; *) a=x86_64 ;; esac &&
		want=$(echo "$verdict" | tr A-Z a-z) &&
		for chunk in 1 7 64 4096; do
			/usr/bin/python3 monitor.py out/control-$a-$t.yaml "$log" $chunk >got &&
			printf "%s %s\nend\n" "$t" "$want" >expect &&
			test_cmp expect got || { echo "$log (reads of $chunk)" >&2; return 1; }
		done
		n=$((n + 1))
	done &&
	test $n -ge 6
'

test_expect_success 'a guest that prints ok and then crashes is a failed case, not a pass' '
	log=$TEST_DATA/serial/x86-real-incremental-fuse_evict-clean.log &&
	sed -n "1,/^ok 1 fuse_evict/p" "$log" >okcrash.log &&
	sed -n "/^general protection fault/,\$p" "$TEST_DATA/serial/x86-real-control-fuse_evict-gpf-0x5a.log" >>okcrash.log &&
	test_grep "^ok 1 fuse_evict" okcrash.log && test_grep "^Kernel panic - not syncing" okcrash.log &&
	test_grep_not "# guest-done" okcrash.log &&
	/usr/bin/python3 monitor.py out/control-x86_64-fuse_evict.yaml okcrash.log 5 >got &&
	printf "fuse_evict fail\nend\n" >expect && test_cmp expect got &&
	# And not ok is a fail; a log cut before the end gives no case at all.
	sed "s/^ok 1 fuse_evict/not ok 1 fuse_evict/" "$log" >notok.log &&
	/usr/bin/python3 monitor.py out/control-x86_64-fuse_evict.yaml notok.log 5 >got &&
	printf "fuse_evict fail\nend\n" >expect && test_cmp expect got &&
	sed -n "1,/^ok 1 fuse_evict/p" "$log" >cut.log &&
	/usr/bin/python3 monitor.py out/control-x86_64-fuse_evict.yaml cut.log 5 >got &&
	printf "eof\n" >expect && test_cmp expect got
'

test_expect_success 'every monitor pattern ends with [^\r\n]*\r*\n (pexpect matches partial reads)' '
	for k in start end pattern; do
		line=$(grep "^      $k: " out/control-x86_64-memfd_fuse.yaml) &&
		case $line in *"[^\r\n]*\r*\n'"'"'") ;; *) echo "$k does not end so: $line" >&2; return 1 ;; esac
	done
'

test_expect_success 'the device dictionaries under lava/devices are what arches/*.conf make' '
	bash "$LJ" --devices devs >/dev/null &&
	for a in x86_64 arm64; do test_cmp "$PROJECT_DIR/lava/devices/qemu-$a.yaml" devs/qemu-$a.yaml || return 1; done
'

test_expect_success 'bad input: one line, non-zero, nothing written' '
	rm -f cache/kernels/v5-arm64/image &&
	test_must_fail bash "$LJ" out3 2>err && test "$(wc -l <err)" = 1 &&
	test_grep "no arm64 kernel of v5 in .*: run make check-series VARIANTS=v5 ARCHS=arm64 STEPS=apply,build first" err &&
	test ! -e out3 &&
	test_must_fail env RUN_DIR=$SCRATCH/nowhere bash "$LJ" out3 2>err && test "$(wc -l <err)" = 1 &&
	test_grep "no run at .*nowhere: run make check-series STEPS=apply,build first" err &&
	test_must_fail env ARCHS=riscv bash "$LJ" out3 2>err && test_grep "unknown arch .riscv. in ARCHS=" err &&
	test_must_fail bash "$LJ" --job x86_64 k i "a;reboot" control j.yaml 2>err && test_grep "test name .a;reboot." err &&
	test ! -e j.yaml &&
	test_must_fail bash "$LJ" --job sparc k i memfd_fuse control j.yaml 2>err && test_grep "unknown arch .sparc." err &&
	test_must_fail bash "$LJ" --bogus 2>err && test_grep "usage: lava-jobs.sh" err &&
	test_must_fail env BOOT_TIMEOUT=soon bash "$LJ" out3 2>err && test_grep "BOOT_TIMEOUT=soon" err
'

test_expect_success 'lava-jobs.sh and boot-lava.sh are shellcheck-clean' '
	shellcheck -x "$LJ" "$PROJECT_DIR/scripts/boot-lava.sh"
'

test_done
