// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the FUSE server on hostile requests, one session per
 * input.  Input: records of [1 byte reply room selector][2 bytes length,
 * little endian][that many bytes of request]; a short last record takes
 * what is left.  Each request and reply buffer is a heap block of exactly
 * its size, so that ASan sees any access beyond it.  Checked: the reply
 * fits its room and its header's len is the reply length.
 */
#include <linux/fuse.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuse_server.h"

static const size_t rooms[] = {
	0, 8, 15, 16, 17, 24, 40, 64, 100, 128, 136, 256, 4096, 65536,
	(1u << 20) + 4096,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuse_reset();
	while (size >= 3) {
		size_t room = rooms[data[0] % (sizeof(rooms) / sizeof(rooms[0]))];
		size_t len = data[1] | (size_t)data[2] << 8;
		struct fuse_out_header oh;
		uint8_t *in, *out;
		size_t r;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		in = malloc(len ? len : 1);
		out = malloc(room ? room : 1);
		if (!in || !out)
			abort();
		memcpy(in, data, len);
		r = fuse_handle(in, len, out, room);
		if (r > room)
			abort();
		if (r) {
			if (r < sizeof(oh))
				abort();
			memcpy(&oh, out, sizeof(oh));
			if (oh.len != r)
				abort();
		}
		free(in);
		free(out);
		data += len;
		size -= len;
	}
	return 0;
}
