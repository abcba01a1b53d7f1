#!/bin/bash
# Every committed fuzz input (tests/data/fuzz/NAME/: seeds, and the crash and
# regression inputs make fuzz saved) replayed through its harness built with
# gcc and ASan+UBSan, without libFuzzer or clang: replay_NAME (or
# fuzz_NAME_replay) from `make -C DIR fuzz-replay` for DIR in vhost-user-fs/
# and oracle/.  Any
# crash or sanitizer report fails.  Then the corpus is shown to catch a
# fault: a copy of the FUSE server without the BATCH_FORGET bound.
# shellcheck disable=SC2016 # test bodies are expanded when they run
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

# replay BIN FILES...: BIN must run every input cleanly; leaves replay.out.
replay() {
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		timeout 60 "$@" >replay.out 2>&1
	local rc=$?
	cat replay.out
	test "$rc" = 0 || { echo "replay: $1 exited $rc" >&2; return 1; }
	test_grep_not "runtime error|ERROR: AddressSanitizer|ERROR: LeakSanitizer" replay.out
}
export -f replay

test_expect_success 'replay programs build with gcc, ASan+UBSan, warning-free' '
	make -C "$PROJECT_DIR/vhost-user-fs" O="$SCRATCH/vhost-user-fs" SANITIZE=1 \
		fuzz-replay >build.log 2>&1 &&
	test -x vhost-user-fs/replay_virtq && test -x vhost-user-fs/replay_fuse
'

# The oracle's harness comes with its own fuzz-replay target (oracle/Makefile).
if grep -q "^fuzz-replay:" "$PROJECT_DIR/oracle/Makefile"; then
	test_expect_success 'the oracle replay program builds' '
		make -C "$PROJECT_DIR/oracle" O="$SCRATCH/oracle" fuzz-replay \
			>build-oracle.log 2>&1 &&
		find oracle -name "replay_*" -o -name "fuzz_*_replay" | grep -q .
	'
else
	test_skip 'the oracle replay program builds' 'no fuzz-replay target in oracle/Makefile yet'
fi

test_expect_success 'every committed input replays cleanly through its harness' '
	n=0 &&
	for d in "$TEST_DATA"/fuzz/*/; do
		name=$(basename "$d")
		set -- "$d"* &&
		test -e "$1" || continue
		bin=$(ls vhost-user-fs/replay_"$name" oracle/replay_"$name" \
			oracle/fuzz_"$name"_replay 2>/dev/null | head -n 1)
		if [ -z "$bin" ]; then
			if [ "$name" = oracle ] && ! grep -q "^fuzz-replay:" "$PROJECT_DIR/oracle/Makefile"; then
				echo "# tests/data/fuzz/oracle: no replay program yet, not replayed"
				continue
			fi
			echo "no replay_$name program for tests/data/fuzz/$name/" >&2
			return 1
		fi
		replay "$bin" "$@" || return 1
		n=$((n + $#))
	done &&
	echo "# $n inputs replayed" &&
	test "$n" -gt 0
'

test_expect_success 'a crash in the harness fails the replay' '
	cat >crash.c <<-\EOF &&
	#include <stddef.h>
	#include <stdint.h>
	#include <stdlib.h>
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
	{
		uint8_t *p = malloc(size + 1);

		p[size + 1] = data[0];	/* one beyond the block */
		free(p);
		return 0;
	}
	EOF
	gcc -fsanitize=address,undefined -o crash crash.c \
		"$PROJECT_DIR/vhost-user-fs/fuzz_replay.c" &&
	echo x >input &&
	test_must_fail replay ./crash input &&
	test_grep "ERROR: AddressSanitizer: heap-buffer-overflow" replay.out
'

test_expect_success 'the corpus catches a FUSE server without the BATCH_FORGET bound' '
	cp "$PROJECT_DIR"/vhost-user-fs/*.[ch] . &&
	sed -i "s|if (in.count > (len - sizeof(in)) / sizeof(one)) {|if (0) {|" fuse_server.c &&
	! cmp -s fuse_server.c "$PROJECT_DIR/vhost-user-fs/fuse_server.c" &&
	gcc -std=gnu11 -D_GNU_SOURCE -g -fsanitize=address,undefined \
		-fno-sanitize-recover=all -o broken fuzz_fuse.c fuzz_replay.c \
		virtq.c fuse_server.c log.c &&
	test_must_fail replay ./broken "$TEST_DATA"/fuzz/fuse/* &&
	test_grep "ERROR: AddressSanitizer: heap-buffer-overflow" replay.out &&
	test_grep "do_batch_forget" replay.out
'

test_done
