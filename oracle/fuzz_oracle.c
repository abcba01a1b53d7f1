// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_oracle - libFuzzer harness for the serial-log oracle: any bytes as
 * a guest's console log, judged for two tests, read also as a violations
 * file.  It must never crash, hang or read out of bounds.
 *
 *	make -C oracle fuzz		clang, libFuzzer + ASan/UBSan
 *	make -C oracle fuzz-replay	the host compiler, no libFuzzer: runs
 *					each FILE argument through the harness
 *
 * Regression and crash inputs live in tests/data/fuzz/oracle/ (one file
 * each, replayed by make test).  The oracle's verdict lines go to
 * /dev/null; the oracle itself is included whole, without its main().
 */
#define ORACLE_NO_MAIN
#include "oracle.c"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void judge_buffer(const uint8_t *data, size_t size)
{
	static const char *const tests[] = { "memfd_fuse", "fuse_evict" };
	struct text log, guest;
	struct kerror ke;
	const char *violation;
	bool have_ke, done;
	size_t i;

	log.buf = malloc(size + 1);
	if (!log.buf)
		return;
	memcpy(log.buf, data, size);
	split_text(&log, size);
	violation = first_violation(&log);
	have_ke = find_kerror(&log, &ke);
	guest_view(&log, &guest);
	done = guest_done(&guest);
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		judge(&guest, tests[i], done, have_ke ? &ke : NULL,
		      i ? violation : NULL);
	free_text(&guest);
	free_text(&log);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;

	if (!quiet) {
		quiet = freopen("/dev/null", "w", stdout) != NULL;
		if (!quiet)
			fatal("cannot send the verdicts to /dev/null");
	}
	judge_buffer(data, size);
	return 0;
}

#ifdef FUZZ_REPLAY_MAIN
/* Without libFuzzer: run each FILE argument once, as stored. */
int main(int argc, char **argv)
{
	int i;

	prog = "fuzz_oracle_replay";
	if (argc < 2)
		fatal("usage: %s FILE...; each FILE is a fuzz input to replay",
		      prog);
	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t len = 0, cap = 65536, n;
		uint8_t *data = malloc(cap);

		if (!f || !data)
			fatal("cannot open %s: %s", argv[i], strerror(errno));
		while ((n = fread(data + len, 1, cap - len, f)) > 0) {
			len += n;
			if (len == cap) {
				cap *= 2;
				data = realloc(data, cap);
				if (!data)
					fatal("out of memory reading %s", argv[i]);
			}
		}
		if (ferror(f))
			fatal("cannot read %s: %s", argv[i], strerror(errno));
		fclose(f);
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		fprintf(stderr, "%s: ok\n", argv[i]);
	}
	return 0;
}
#endif
