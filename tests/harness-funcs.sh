# shellcheck shell=bash
# Helpers available inside test_expect_success bodies.

# test_must_fail CMD...: CMD must exit non-zero (but not by a signal: 129+).
test_must_fail() {
	local rc=0
	"$@" || rc=$?
	if [ $rc = 0 ]; then
		echo "test_must_fail: '$*' succeeded" >&2
		return 1
	elif [ $rc -gt 128 ] && [ $rc -lt 160 ]; then
		echo "test_must_fail: '$*' died of signal $((rc - 128))" >&2
		return 1
	fi
	return 0
}

# test_cmp EXPECTED ACTUAL: files must be equal; shows the diff if not.
test_cmp() {
	diff -u "$1" "$2"
}

# test_grep PATTERN FILE: like grep -q, but shows FILE when it does not match.
test_grep() {
	if ! grep -q -E -e "$1" "$2"; then
		echo "test_grep: no line matches '$1' in $2:" >&2
		sed 's/^/|  /' "$2" | tail -n 30 >&2
		return 1
	fi
}

# test_grep_not PATTERN FILE: no line of FILE may match.
test_grep_not() {
	if grep -E -e "$1" "$2" >&2; then
		echo "test_grep_not: '$1' matched in $2" >&2
		return 1
	fi
}
