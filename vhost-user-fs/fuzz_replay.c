// SPDX-License-Identifier: GPL-2.0
/*
 * Replays inputs through a libFuzzer harness without libFuzzer (any C
 * compiler): each file argument is read whole and passed once to
 * LLVMFuzzerTestOneInput(), in exactly-sized heap memory.
 *
 *	replay_NAME FILE...
 *
 * Exit 0 when every input ran; a crash is the harness's own (a signal, or
 * a sanitizer report when built with one).  2 for an unreadable file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *slurp(const char *path, size_t *len)
{
	uint8_t *buf = NULL, *nbuf;
	size_t cap = 0, n;
	FILE *f = fopen(path, "rb");

	*len = 0;
	if (!f)
		return NULL;
	do {
		if (*len == cap) {
			cap = cap ? 2 * cap : 4096;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nbuf;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	/* Exactly sized, so an over-read is caught. */
	nbuf = malloc(*len ? *len : 1);
	if (nbuf)
		memcpy(nbuf, buf, *len);
	free(buf);
	return nbuf;
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		size_t len;
		uint8_t *data = slurp(argv[i], &len);

		if (!data) {
			fprintf(stderr, "%s: cannot read %s: %s\n", argv[0],
				argv[i], strerror(errno));
			return 2;
		}
		LLVMFuzzerTestOneInput(data, len);
		free(data);
	}
	printf("%s: %d input(s) replayed\n", argv[0], argc - 1);
	return 0;
}
