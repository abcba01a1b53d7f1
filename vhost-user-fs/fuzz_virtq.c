// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: one split virtqueue in hostile guest memory, served
 * by vq_process() and the FUSE server behind it.
 *
 * Input: an 8-byte header, then the content of guest memory.  The header
 * picks the queue size (1 to 256), the ring placement (aligned or not,
 * partly outside memory) and the ring positions; the rest fills region A
 * (gpa 0: descriptor table at 0, avail ring at 0x1000, used ring at
 * 0x2000, then buffers) and then region B (gpa 0x100000, buffers).
 */
#include <stdint.h>
#include <string.h>

#include "fuse_server.h"
#include "virtq.h"

#define REGION 65536
#define UVA_A 0x10000000ull
#define UVA_B 0x20000000ull
#define GPA_B 0x100000ull

struct params {
	uint8_t num_log2;	/* queue size 1 << (num_log2 % 9) */
	uint8_t placement;	/* bit 0-2: misalign desc/avail/used, 3: used at B's end */
	uint8_t flags;		/* bit 0: used index from the header, 1: two passes */
	uint8_t pad;
	uint16_t last_avail;
	uint16_t used_idx;
};

static uint8_t region_a[REGION] __attribute__((aligned(4096)));
static uint8_t region_b[REGION] __attribute__((aligned(4096)));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem_table mem = { .nregions = 2 };
	struct params p;
	struct virtq vq;
	size_t n;

	if (size < sizeof(p))
		return 0;
	memcpy(&p, data, sizeof(p));
	data += sizeof(p);
	size -= sizeof(p);
	memset(region_a, 0, sizeof(region_a));
	memset(region_b, 0, sizeof(region_b));
	n = size < REGION ? size : REGION;
	memcpy(region_a, data, n);
	if (size > n)
		memcpy(region_b, data + n, size - n < REGION ? size - n : REGION);

	mem.r[0].gpa = 0;
	mem.r[0].size = REGION;
	mem.r[0].uva = UVA_A;
	mem.r[0].host = region_a;
	mem.r[1].gpa = GPA_B;
	mem.r[1].size = REGION;
	mem.r[1].uva = UVA_B;
	mem.r[1].host = region_b;

	fuse_reset();
	vq_init(&vq, 1);
	vq.num = 1u << (p.num_log2 % 9);
	vq.desc_uva = UVA_A + (p.placement & 1 ? 8 : 0);
	vq.avail_uva = UVA_A + 0x1000 + (p.placement & 2 ? 1 : 0);
	vq.used_uva = p.placement & 8 ? UVA_B + REGION - 64 :
		      UVA_A + 0x2000 + (p.placement & 4 ? 2 : 0);
	/* Never read: vq_process() only needs the ring to look started. */
	vq.kick_fd = 0;
	vq.enabled = true;
	vq_sync_used(&vq, &mem);
	vq.last_avail = p.last_avail;
	if (p.flags & 1)
		vq.used_idx = p.used_idx;
	vq_process(&vq, &mem);
	if (p.flags & 2)
		vq_process(&vq, &mem);
	return 0;
}
