#!/bin/bash
# The oracle on edges the saved logs of t0600/t0610 do not reach (found by
# make mutants: faults planted there went unnoticed): an escape sequence
# with intermediate bytes in front of a result line (a console's cursor
# style, ESC [ 2 SP q) or a two-byte one (ESC M) is removed whole; a WARNING splat cut before its
# registers still names the function on its first line; and a refcount
# report's WARNING, printed on the next line, belongs to the same report
# (its registers name the function).
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

CLEAN=$TEST_DATA/serial/x86-real-incremental-fuse_evict-clean.log
ORACLE=$SCRATCH/out/oracle
export CLEAN ORACLE

test_expect_success 'build the oracle' '
	make -s -C "$PROJECT_DIR/oracle" O="$SCRATCH/out" >build.log 2>&1 &&
	test -x "$ORACLE"
'

test_expect_success 'ESC [ 2 SP q before the ok line: removed whole, the same PASS' '
	"$ORACLE" "$CLEAN" fuse_evict >want &&
	test_grep "^fuse_evict	PASS	" want &&
	sed "s/^ok 1 fuse_evict/$(printf "\033")[2 qok 1 fuse_evict/" "$CLEAN" >csi.log &&
	test_grep "\[2 qok 1 fuse_evict" csi.log &&
	"$ORACLE" csi.log fuse_evict >got &&
	test_cmp want got
'

test_expect_success 'ESC M (a two-byte escape) before the ok line: removed whole, the same PASS' '
	"$ORACLE" "$CLEAN" fuse_evict >want &&
	sed "s/^ok 1 fuse_evict/$(printf "\033")Mok 1 fuse_evict/" "$CLEAN" >fe.log &&
	test_grep "Mok 1 fuse_evict" fe.log &&
	"$ORACLE" fe.log fuse_evict >got &&
	test_cmp want got
'

test_expect_success 'a WARNING splat cut before its registers: the function on its first line' '
	{
		echo "[    9.100] ------------[ cut here ]------------" &&
		echo "[    9.101] WARNING: CPU: 0 PID: 61 at fs/fuse/inode.c:123 fuse_evict_inode+0x10e/0x150" &&
		cat "$CLEAN"
	} >warn.log &&
	rc=0 && { "$ORACLE" warn.log fuse_evict >got || rc=$?; } &&
	test $rc = 1 &&
	printf "fuse_evict\tFAIL\twarning\tfuse_evict_inode\t" >want &&
	head -c "$(wc -c <want)" got >got.head &&
	test_cmp want got.head
'

test_expect_success 'refcount_t: underflow, then its WARNING: one report, named by the splat s RIP' '
	rc=0 && { "$ORACLE" "$TEST_DATA/real/x86-dattobd-refcount-underflow.log" x >got || rc=$?; } &&
	test $rc = 1 &&
	printf "x\tFAIL\trefcount\trefcount_warn_saturate\trefcount_t: underflow; use-after-free.\t" >want &&
	head -c "$(wc -c <want)" got >got.head &&
	test_cmp want got.head
'
test_done
