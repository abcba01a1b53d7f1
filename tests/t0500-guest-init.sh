#!/bin/bash
# The guest's PID 1 (guest/init.c) in host mode: the KTAP it prints for
# passing, failing, crashing, hanging, missing and badly named tests, and
# its fatal errors.  The host oracle depends on this exact format.
# shellcheck disable=SC2016 # test bodies are expanded when they run
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

test_expect_success 'guest programs build static and warning-free' '
	make -C "$PROJECT_DIR/guest" O="$SCRATCH/out" >build.log 2>&1 &&
	for p in init memfd_fuse fuse_evict; do
		test -x "out/$p" || return 1
	done &&
	# no program interpreter: the initrd has no dynamic loader
	readelf -l out/init >phdrs &&
	test_grep_not INTERP phdrs
'

test_expect_success 'fake tests for every outcome' '
	mkdir bin &&
	printf "#!/bin/sh\necho output of good\n" >bin/good &&
	printf "#!/bin/sh\nexit 3\n" >bin/bad &&
	printf "#!/bin/sh\nkill -SEGV \$\$\n" >bin/segv &&
	printf "#!/bin/sh\nsleep 30\n" >bin/hang &&
	chmod +x bin/*
'

test_expect_success 'KTAP for pass, exit status, signal, timeout, missing, bad name' '
	cat >expect <<-\EXPECT &&
	KTAP version 1
	1..6
	# start 1 good
	output of good
	ok 1 good
	# start 2 bad
	not ok 2 bad # exit status 3
	# start 3 segv
	not ok 3 segv # killed by signal 11
	# start 4 hang
	not ok 4 hang # timeout after 1 s
	# start 5 missing
	not ok 5 missing # not found
	# start 6 Bad-name
	not ok 6 Bad-name # invalid name
	# Totals: pass:1 fail:5
	# guest-done
	EXPECT
	start=$SECONDS &&
	test_must_fail out/init --bindir bin \
		--cmdline "console=ttyS0 guest.tests=good,bad,segv,hang,missing,Bad-name guest.timeout=1 quiet" \
		>actual &&
	test_cmp expect actual &&
	# the hung test and its sleep are killed, so the pipe closes at once
	test $((SECONDS - start)) -lt 10
'

test_expect_success 'a hung test whose daemon moved to its own session: both killed' '
	cat >bin/daemonizes <<-EOF2 &&
	#!/bin/sh
	setsid sh -c "echo \\\$\\\$ >$SCRATCH/daemon.pid; exec sleep 300" </dev/null >/dev/null 2>&1 &
	exec sleep 300
	EOF2
	chmod +x bin/daemonizes &&
	test_must_fail out/init --bindir bin --cmdline "guest.tests=daemonizes guest.timeout=1" >actual &&
	test_grep "^not ok 1 daemonizes # timeout after 1 s$" actual &&
	test_grep "^# killed 1 process\\(es\\) daemonizes left in other sessions$" actual &&
	pid=$(cat daemon.pid) && test -n "$pid" &&
	test_must_fail kill -0 "$pid"
'

test_expect_success 'a passing test that leaves a daemon: the daemon does not outlive it' '
	cat >bin/leaves <<-EOF2 &&
	#!/bin/sh
	setsid sh -c "echo \\\$\\\$ >$SCRATCH/leaves.pid; exec sleep 300" </dev/null >/dev/null 2>&1 &
	sleep 0.3
	EOF2
	chmod +x bin/leaves &&
	out/init --bindir bin --cmdline "guest.tests=leaves" >actual &&
	test_grep "^ok 1 leaves$" actual &&
	pid=$(cat leaves.pid) && test -n "$pid" &&
	test_must_fail kill -0 "$pid"
'

test_expect_success 'all passing: exit 0, quotes and empty items ignored' '
	cat >expect <<-\EXPECT &&
	KTAP version 1
	1..2
	# start 1 good
	output of good
	ok 1 good
	# start 2 good
	output of good
	ok 2 good
	# Totals: pass:2 fail:0
	# guest-done
	EXPECT
	out/init --bindir bin --cmdline "guest.tests=\"good,,good,\"" >actual &&
	test_cmp expect actual
'

test_expect_success 'no tests listed is a bail-out, not a completed boot' '
	test_must_fail out/init --bindir bin --cmdline "console=ttyS0" >actual &&
	printf "KTAP version 1\nBail out! no guest.tests= on the command line\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'invalid timeout is a bail-out' '
	test_must_fail out/init --bindir bin \
		--cmdline "guest.tests=good guest.timeout=-1" >actual &&
	test_grep "^Bail out! invalid guest.timeout=-1$" actual &&
	test_grep_not "guest-done" actual
'

test_expect_success 'outside the guest, --cmdline is required' '
	rc=0 && { out/init >stdout 2>stderr || rc=$?; } &&
	test $rc = 2 &&
	test_grep "^usage: init --cmdline" stderr &&
	test_must_fail test -s stdout
'

test_done
