# shellcheck shell=bash
# Test harness in the style of git's t/test-lib.sh: a script is a list of
# small test_expect_success blocks, run in one scratch directory per script.
# Source it, write the blocks, end with test_done.
#
#   . "$(dirname "$0")/harness.sh"
#   test_expect_success 'what it proves' '
#           some command &&
#           test_must_fail other command
#   '
#   test_done
#
# How a body runs (as git's test-lib evaluates bodies): in a subshell, in
# $SCRATCH, with set -u and pipefail, evaluated inside a function.  So
#   - the body fails if its last command fails, or any command of an &&
#     chain (git's rule: chain every line with &&);
#   - `return 1` anywhere in it (in a loop too: `|| return 1`), `exit N`, a
#     `die` from a sourced scripts/lib.sh, `set -e` once lib.sh turned it on,
#     and an unset variable each fail this block only: the next one runs;
#   - `test_when_finished CMD` registers cleanup that runs after the body,
#     whether it passed or not (a failing cleanup fails a passing block).
# Output of a block is shown only when it fails, or always with VERBOSE=1.
# The scratch directory is removed at the end unless KEEP_SCRATCH=1.
set -uo pipefail

TEST_NAME=$(basename "$0" .sh)
# The harness's own directory, wherever the script that sources it lives.
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT_DIR=$(cd "$TESTS_DIR/.." && pwd)
TEST_DATA=$TESTS_DIR/data
export TESTS_DIR PROJECT_DIR TEST_DATA
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/$TEST_NAME.XXXXXX")
export SCRATCH
_test_count=0
_test_failed=0
_test_skipped=0
_test_done=0

_test_exit() {
	local rc=$?
	if [ "$_test_done" = 0 ]; then
		echo "not ok $((_test_count + 1)) - $TEST_NAME died before test_done (exit $rc)"
		_test_failed=$((_test_failed + 1))
		_test_count=$((_test_count + 1))
		echo "# $TEST_NAME: $((_test_count - _test_failed - _test_skipped)) passed, $_test_failed failed"
	fi
	[ "${KEEP_SCRATCH:-0}" = 1 ] || rm -rf "$SCRATCH"
}
trap _test_exit EXIT

# test_when_finished CMD: run CMD after this block's body, pass or fail.
# Only inside a body (it lives in the block's subshell).
test_when_finished() {
	_test_cleanup="$*
$_test_cleanup"
}

_test_run_cleanup() {
	local rc=$? crc=0
	set +e
	if [ -n "$_test_cleanup" ]; then
		eval "$_test_cleanup" || crc=$?
	fi
	if [ $rc = 0 ] && [ $crc != 0 ]; then
		echo "test_when_finished: the cleanup failed (exit $crc)" >&2
		rc=1
	fi
	exit $rc
}

# _test_eval BODY: the body as the inside of a function, so that `return`
# ends the body with its status (eval in a function: git's test_eval_inner_).
_test_eval() {
	eval "$1"
}

# test_expect_success TITLE BODY
test_expect_success() {
	local title=$1 body=$2 out rc t0=$SECONDS
	_test_count=$((_test_count + 1))
	out=$(
		# Both streams of the body are its output: shown when it fails.
		exec 2>&1
		_test_cleanup=""
		trap _test_run_cleanup EXIT
		cd "$SCRATCH" || exit 1
		set -u -o pipefail
		# shellcheck source=harness-funcs.sh
		. "$TESTS_DIR/harness-funcs.sh"
		_test_eval "$body"
	)
	rc=$?
	# Slow tests say how slow: CI has a time budget.
	[ $((SECONDS - t0)) -ge 5 ] && title="$title ($((SECONDS - t0)) s)"
	if [ $rc = 0 ]; then
		echo "ok $_test_count - $title"
		[ "${VERBOSE:-0}" = 1 ] && [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /'
	else
		_test_failed=$((_test_failed + 1))
		echo "not ok $_test_count - $title"
		printf '%s\n' "$out" | tail -n 40 | sed 's/^/#   /'
	fi
	return 0
}

# test_skip TITLE REASON: counted as neither passed nor failed.
test_skip() {
	_test_count=$((_test_count + 1))
	_test_skipped=$((_test_skipped + 1))
	echo "ok $_test_count - $1 # SKIP $2"
}

test_done() {
	_test_done=1
	echo "# $TEST_NAME: $((_test_count - _test_failed - _test_skipped)) passed, $_test_failed failed"
	[ "$_test_failed" = 0 ]
}
