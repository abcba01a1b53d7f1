# shellcheck shell=bash
# Test harness in the style of git's t/test-lib.sh: a script is a list of
# small test_expect_success blocks run in a fresh scratch directory.
# Source it, write the blocks, end with test_done.
#
#   . "$(dirname "$0")/harness.sh"
#   test_expect_success 'what it proves' '
#           some command &&
#           test_must_fail other command
#   '
#   test_done
#
# Each block runs in a subshell inside $SCRATCH (a new directory per script,
# removed at the end unless KEEP_SCRATCH=1).  Output of a block is shown only
# when it fails, or always with VERBOSE=1.
set -uo pipefail

TEST_NAME=$(basename "$0" .sh)
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
PROJECT_DIR=$(cd "$TESTS_DIR/.." && pwd)
TEST_DATA=$TESTS_DIR/data
export TESTS_DIR PROJECT_DIR TEST_DATA
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/$TEST_NAME.XXXXXX")
export SCRATCH
_test_count=0
_test_failed=0
_test_done=0

_test_exit() {
	local rc=$?
	if [ "$_test_done" = 0 ]; then
		echo "not ok $((_test_count + 1)) - $TEST_NAME died before test_done (exit $rc)"
		_test_failed=$((_test_failed + 1))
		_test_count=$((_test_count + 1))
		echo "# $TEST_NAME: $((_test_count - _test_failed)) passed, $_test_failed failed"
	fi
	[ "${KEEP_SCRATCH:-0}" = 1 ] || rm -rf "$SCRATCH"
}
trap _test_exit EXIT

# test_expect_success TITLE BODY: BODY is evaluated by bash in $SCRATCH.
test_expect_success() {
	local title=$1 body=$2 out rc t0=$SECONDS
	_test_count=$((_test_count + 1))
	out=$(cd "$SCRATCH" && bash -o pipefail -c "set -u; . '$TESTS_DIR/harness-funcs.sh'; $body" 2>&1)
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
	echo "ok $((_test_count + 1)) - $1 # SKIP $2"
}

test_done() {
	_test_done=1
	echo "# $TEST_NAME: $((_test_count - _test_failed)) passed, $_test_failed failed"
	[ "$_test_failed" = 0 ]
}
