#!/bin/bash
# The harness on itself: a block that must fail is "not ok", whatever way
# its body fails, and the script goes on to the next block.  Each case runs
# a small test script of its own and reads its TAP.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

# run_inner NAME BODY...: a script whose blocks are the BODYs, run; its TAP
# in NAME.out.  Each BODY is one block titled "bN".
cat >"$SCRATCH/run_inner" <<EOF2
name=\$1; shift
{
	echo '. "$TESTS_DIR/harness.sh"'
	n=0
	for b in "\$@"; do
		n=\$((n + 1))
		printf 'test_expect_success %s %q\n' "b\$n" "\$b"
	done
	echo test_done
} >"\$name.sh"
bash "\$name.sh" >"\$name.out" 2>&1
echo \$? >"\$name.rc"
EOF2
export RUN_INNER=$SCRATCH/run_inner

test_expect_success 'a passing and a failing body: ok, then not ok, counted' '
	bash "$RUN_INNER" t "true" "false" &&
	test_grep "^ok 1 - b1$" t.out && test_grep "^not ok 2 - b2$" t.out &&
	test_grep "^# t: 1 passed, 1 failed$" t.out && test "$(cat t.rc)" = 1
'
test_expect_success 'return 1 inside a loop fails the block' '
	bash "$RUN_INNER" t "for x in missing present; do test \"\$x\" = present || return 1; done" "true" &&
	test_grep "^not ok 1 - b1$" t.out && test_grep "^ok 2 - b2$" t.out
'
test_expect_success 'return 0 early passes; the lines after it do not run' '
	bash "$RUN_INNER" t "return 0; false" &&
	test_grep "^ok 1 - b1$" t.out
'
test_expect_success 'exit 1 fails its block only; the next block still runs' '
	bash "$RUN_INNER" t "exit 1" "true" &&
	test_grep "^not ok 1 - b1$" t.out && test_grep "^ok 2 - b2$" t.out &&
	test_grep "^# t: 1 passed, 1 failed$" t.out
'
test_expect_success 'die from scripts/lib.sh fails its block only' '
	bash "$RUN_INNER" t ". \"$PROJECT_DIR/scripts/lib.sh\"; die boom; true" "true" &&
	test_grep "^not ok 1 - b1$" t.out && test_grep "^ok 2 - b2$" t.out &&
	test_grep "error: boom" t.out
'
test_expect_success 'set -e turned on by lib.sh fires: the block fails' '
	bash "$RUN_INNER" t ". \"$PROJECT_DIR/scripts/lib.sh\"; false; true" "true" &&
	test_grep "^not ok 1 - b1$" t.out && test_grep "^ok 2 - b2$" t.out
'
test_expect_success 'a failure in the middle of an && chain fails the block' '
	bash "$RUN_INNER" t "true && false && true" &&
	test_grep "^not ok 1 - b1$" t.out
'
test_expect_success 'an unset variable fails the block' '
	bash "$RUN_INNER" t "echo \"\$no_such_variable_here\"; true" "true" &&
	test_grep "^not ok 1 - b1$" t.out && test_grep "^ok 2 - b2$" t.out
'
test_expect_success 'a failing pipeline fails (pipefail)' '
	bash "$RUN_INNER" t "false | cat" &&
	test_grep "^not ok 1 - b1$" t.out
'
test_expect_success 'cleanup runs after a failure, and after a pass' '
	bash "$RUN_INNER" t "test_when_finished \"touch $SCRATCH/clean1\"; false" \
		"test_when_finished \"touch $SCRATCH/clean2\"; true" &&
	test_grep "^not ok 1 - b1$" t.out && test_grep "^ok 2 - b2$" t.out &&
	test -f clean1 && test -f clean2
'
test_expect_success 'cleanup runs after exit and die too' '
	bash "$RUN_INNER" t "test_when_finished \"touch $SCRATCH/clean3\"; exit 3" \
		". \"$PROJECT_DIR/scripts/lib.sh\"; test_when_finished \"touch $SCRATCH/clean4\"; die x" &&
	test -f clean3 && test -f clean4
'
test_expect_success 'a failing cleanup fails a passing block' '
	bash "$RUN_INNER" t "test_when_finished false; true" &&
	test_grep "^not ok 1 - b1$" t.out
'
test_expect_success 'a body that dies of a signal fails the block' '
	bash "$RUN_INNER" t "kill -TERM \$BASHPID" "true" &&
	test_grep "^not ok 1 - b1$" t.out && test_grep "^ok 2 - b2$" t.out
'
test_expect_success 'blocks do not leak variables or the working directory into each other' '
	bash "$RUN_INNER" t "leak=1; cd /" "test -z \"\${leak:-}\" && test \"\$PWD\" = \"\$SCRATCH\"" &&
	test_grep "^ok 2 - b2$" t.out
'
test_expect_success 'the closing line counts right, and the runner adds it up' '
	bash "$RUN_INNER" t "true" "false" "true" "return 1" &&
	test_grep "^# t: 2 passed, 2 failed$" t.out &&
	mkdir -p runner && cp t.sh runner/t0001-x.sh && cp "$TESTS_DIR/run" runner/run &&
	sed -i "s|^\. .*harness.sh.*|. \"$TESTS_DIR/harness.sh\"|" runner/t0001-x.sh &&
	test_must_fail bash runner/run >r.out 2>&1 &&
	test_grep "^2 passed, 2 failed$" r.out
'
test_expect_success 'a script that dies outside a block is counted as a failure' '
	printf ". \"%s/harness.sh\"\ntest_expect_success b1 true\nexit 3\n" "$TESTS_DIR" >d.sh &&
	test_must_fail bash d.sh >d.out &&
	test_grep "^not ok 2 - d died before test_done \(exit 3\)$" d.out
'

test_expect_success 'test_grep_not: a match fails, no match passes, a file it cannot read fails' '
	printf "a\nb\n" >f &&
	test_must_fail test_grep_not "^b$" f 2>err && test_grep "matched in f" err &&
	test_grep_not "^c$" f &&
	test_must_fail test_grep_not "^c$" no-such-file 2>err && test_grep "could not read no-such-file" err
'

# "a && cmd || rc=$?" or "a && cmd || :" catches a's failure too, and the
# test reads a file a never wrote (t0800 #13 read test 12's output that
# way and failed saying the wrong thing).  The alternative is braced:
# "a && { cmd || rc=$?; } && ...".  unbraced.awk reads every test for the
# unbraced form, on one line or split after the "||"; the planted lines
# show that it finds both.  ("cmd; rc=$?" keeps the whole chain's status
# on purpose: not this.)
cat >"$SCRATCH/unbraced.awk" <<'EOF'
FNR == 1 { prev = "" }
/\|\| (rc=\$\?|:)( *&&| *$)/ || (prev ~ /\|\|[ \t]*$/ && /^[ \t]*rc=\$\?/) {
	print FILENAME ":" FNR ": " $0
	found++
}
{ prev = $0 }
END { exit found ? 0 : 1 }
EOF
export UNBRACED=$SCRATCH/unbraced.awk
test_expect_success 'every "|| rc=$?" and "|| :" in the tests is braced: it cannot catch the chain before it' '
	printf "\ta && b || rc=\$? &&\n\t{ c || rc=\$?; } &&\n\td || :\n\t{ e || :; }\n\tf || : \"a word\"\n\tg ||\n\t\trc=\$?\n\th;\n\trc=\$? &&\n" >planted.sh &&
	{ awk -f "$UNBRACED" planted.sh >found || :; } &&
	test "$(cut -d: -f2 found | paste -sd,)" = 1,3,7 &&
	! awk -f "$UNBRACED" "$TESTS_DIR"/t[0-9]*.sh
'
test_done
