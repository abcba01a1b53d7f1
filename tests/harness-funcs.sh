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

# test_grep_not PATTERN FILE: no line of FILE may match.  A FILE that
# cannot be read fails (grep's 2 is not "no match").
test_grep_not() {
	local rc=0
	grep -E -e "$1" "$2" >&2 || rc=$?
	case $rc in
	0) echo "test_grep_not: '$1' matched in $2" >&2 && return 1 ;;
	1) return 0 ;;
	*) echo "test_grep_not: could not read $2" >&2 && return 1 ;;
	esac
}

# setup_target_clone: the embedded target made once in $SRC_CACHE (the
# shared cache), used through a shared clone in this script's own
# $CACHE_DIR, so a test writes nothing to anyone else's tree.
setup_target_clone() {
	CACHE_DIR=$SRC_CACHE bash "$PROJECT_DIR/scripts/prepare-target.sh" >src-tree &&
	mkdir -p "$CACHE_DIR/trees" "$HOME" &&
	git clone -q --shared --no-checkout "$(cat src-tree)" "$CACHE_DIR/trees/embedded-6.1" &&
	git -C "$CACHE_DIR/trees/embedded-6.1" config gc.auto 0 &&
	cp "$(cat src-tree)/.git/check-series-recipe" "$CACHE_DIR/trees/embedded-6.1/.git/" &&
	if [ -d "$SRC_CACHE/checkpatch-6.12" ]; then cp -r "$SRC_CACHE/checkpatch-6.12" "$CACHE_DIR/"; fi
}

# wait_for_socket PATH: a server that listens on PATH has started (5 s).
wait_for_socket() {
	local _
	for _ in $(seq 50); do
		test -S "$1" && return 0
		sleep 0.1
	done
	return 1
}
