// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory and split virtqueues.  Everything read from guest memory is
 * untrusted: indexes are checked against the queue size, addresses and
 * lengths against the memory table, and chains are bounded so that a loop
 * ends.
 */
#include <endian.h>
#include <errno.h>
#include <linux/virtio_ring.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuse_server.h"
#include "log.h"
#include "virtq.h"

/*
 * The guest kernel's longest chain is a 1 MiB request (max_pages 256) plus
 * headers; anything longer than this, or than the queue, is a loop.
 */
#define VQ_MAX_CHAIN 512
#define VQ_MAX_XFER ((1u << 20) + 4096)

struct seg {
	uint64_t gpa;
	uint32_t len;
};

static uint8_t in_buf[VQ_MAX_XFER];
static uint8_t out_buf[VQ_MAX_XFER];
static struct seg wsegs[VQ_MAX_CHAIN];

void mem_unmap(struct mem_table *mem)
{
	unsigned int i;

	for (i = 0; i < mem->nregions; i++)
		munmap(mem->r[i].map, mem->r[i].map_len);
	mem->nregions = 0;
}

void *mem_uva_to_host(const struct mem_table *mem, uint64_t uva, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < mem->nregions; i++) {
		const struct mem_region *r = &mem->r[i];

		if (uva >= r->uva && uva - r->uva < r->size &&
		    len <= r->size - (uva - r->uva))
			return r->host + (uva - r->uva);
	}
	return NULL;
}

static const struct mem_region *gpa_region(const struct mem_table *mem,
					   uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < mem->nregions; i++)
		if (gpa >= mem->r[i].gpa && gpa - mem->r[i].gpa < mem->r[i].size)
			return &mem->r[i];
	return NULL;
}

/*
 * Copy between guest physical memory and buf (buf NULL: only check that the
 * range is mapped).  A buffer may span adjacent regions, so go piecewise.
 */
static bool gpa_copy(const struct mem_table *mem, uint64_t gpa, uint8_t *buf,
		     uint64_t len, bool to_guest)
{
	while (len) {
		const struct mem_region *r = gpa_region(mem, gpa);
		uint64_t off, n;

		if (!r)
			return false;
		off = gpa - r->gpa;
		n = r->size - off < len ? r->size - off : len;
		if (buf) {
			if (to_guest)
				memcpy(r->host + off, buf, n);
			else
				memcpy(buf, r->host + off, n);
			buf += n;
		}
		gpa += n;
		len -= n;
	}
	return true;
}

void vq_init(struct virtq *vq, unsigned int index)
{
	memset(vq, 0, sizeof(*vq));
	vq->index = index;
	vq->kick_fd = -1;
	vq->call_fd = -1;
}

void vq_reset(struct virtq *vq)
{
	if (vq->kick_fd >= 0)
		close(vq->kick_fd);
	if (vq->call_fd >= 0)
		close(vq->call_fd);
	vq_init(vq, vq->index);
}

bool vq_ready(const struct virtq *vq)
{
	return vq->num && vq->addr_set && vq->kick_fd >= 0 && vq->enabled;
}

/*
 * Translate the three ring parts; done on every pass because SET_MEM_TABLE
 * may replace the mappings at any time.
 */
static bool vq_map(const struct virtq *vq, const struct mem_table *mem,
		   struct vring_desc **desc, struct vring_avail **avail,
		   struct vring_used **used)
{
	*desc = mem_uva_to_host(mem, vq->desc_uva,
				(uint64_t)vq->num * sizeof(**desc));
	*avail = mem_uva_to_host(mem, vq->avail_uva,
				 sizeof(**avail) + vq->num * sizeof(__u16));
	*used = mem_uva_to_host(mem, vq->used_uva, sizeof(**used) +
				vq->num * sizeof(struct vring_used_elem));
	if (!*desc || !*avail || !*used) {
		malformed("vq %u: ring outside guest memory", vq->index);
		return false;
	}
	/* Misaligned rings would make the atomic index accesses undefined. */
	if ((uintptr_t)*desc % 16 || (uintptr_t)*avail % 2 ||
	    (uintptr_t)*used % 4) {
		malformed("vq %u: misaligned ring", vq->index);
		return false;
	}
	return true;
}

void vq_sync_used(struct virtq *vq, const struct mem_table *mem)
{
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;

	vq->addr_set = vq_map(vq, mem, &desc, &avail, &used);
	if (vq->addr_set)
		vq->used_idx = le16toh(__atomic_load_n(&used->idx,
						       __ATOMIC_ACQUIRE));
}

/*
 * Gather the readable part of the chain from head, validate the writable
 * part, let the FUSE server answer and scatter its reply.  Returns the
 * number of bytes written, 0 for a malformed chain (it still goes back to
 * the guest, so that the slot is not lost).
 */
static uint32_t serve_chain(const struct virtq *vq, const struct mem_table *mem,
			    const struct vring_desc *desc, uint16_t head)
{
	unsigned int max = vq->num < VQ_MAX_CHAIN ? vq->num : VQ_MAX_CHAIN;
	unsigned int count = 0, nw = 0, i;
	uint64_t in_len = 0, out_cap = 0;
	size_t reply, off;
	uint16_t idx = head;

	for (;;) {
		struct vring_desc d;
		uint64_t addr;
		uint32_t len;
		uint16_t flags;

		if (idx >= vq->num) {
			malformed("vq %u: descriptor index %u beyond queue size %u",
				  vq->index, idx, vq->num);
			return 0;
		}
		if (++count > max) {
			malformed("vq %u: descriptor chain from %u longer than %u (loop?)",
				  vq->index, head, max);
			return 0;
		}
		/* One copy, so that the guest cannot change it under our checks. */
		memcpy(&d, &desc[idx], sizeof(d));
		addr = le64toh(d.addr);
		len = le32toh(d.len);
		flags = le16toh(d.flags);
		if (flags & VRING_DESC_F_INDIRECT) {
			malformed("vq %u: indirect descriptor %u (not negotiated)",
				  vq->index, idx);
			return 0;
		}
		if (flags & VRING_DESC_F_WRITE) {
			if (out_cap + len > VQ_MAX_XFER) {
				malformed("vq %u: writable part of chain %u longer than %u",
					  vq->index, head, VQ_MAX_XFER);
				return 0;
			}
			if (!gpa_copy(mem, addr, NULL, len, true)) {
				malformed("vq %u: descriptor %u addr 0x%llx len %u outside guest memory",
					  vq->index, idx,
					  (unsigned long long)addr, len);
				return 0;
			}
			wsegs[nw].gpa = addr;
			wsegs[nw++].len = len;
			out_cap += len;
		} else {
			if (nw) {
				malformed("vq %u: readable descriptor %u after a writable one",
					  vq->index, idx);
				return 0;
			}
			if (in_len + len > VQ_MAX_XFER) {
				malformed("vq %u: readable part of chain %u longer than %u",
					  vq->index, head, VQ_MAX_XFER);
				return 0;
			}
			if (!gpa_copy(mem, addr, in_buf + in_len, len, false)) {
				malformed("vq %u: descriptor %u addr 0x%llx len %u outside guest memory",
					  vq->index, idx,
					  (unsigned long long)addr, len);
				return 0;
			}
			in_len += len;
		}
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		idx = le16toh(d.next);
	}

	reply = fuse_handle(in_buf, in_len, out_buf, out_cap);
	for (i = 0, off = 0; off < reply; i++) {
		size_t n = reply - off < wsegs[i].len ? reply - off : wsegs[i].len;

		gpa_copy(mem, wsegs[i].gpa, out_buf + off, n, true);
		off += n;
	}
	return reply;
}

void vq_process(struct virtq *vq, const struct mem_table *mem)
{
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx;
	bool pushed = false;

	if (!vq_ready(vq) || !vq_map(vq, mem, &desc, &avail, &used))
		return;
	avail_idx = le16toh(__atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE));
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->num) {
		/* Leave the ring alone: the guest may still repair the index. */
		malformed("vq %u: avail idx %u jumps beyond queue size %u (last %u)",
			  vq->index, avail_idx, vq->num, vq->last_avail);
		return;
	}
	while (vq->last_avail != avail_idx) {
		uint16_t head = le16toh(avail->ring[vq->last_avail % vq->num]);
		struct vring_used_elem *e;
		uint32_t len;

		vq->last_avail++;
		if (head >= vq->num) {
			/* Nothing valid to return; the entry is dropped. */
			malformed("vq %u: avail head %u beyond queue size %u",
				  vq->index, head, vq->num);
			continue;
		}
		len = serve_chain(vq, mem, desc, head);
		e = &used->ring[vq->used_idx % vq->num];
		e->id = htole32(head);
		e->len = htole32(len);
		vq->used_idx++;
		/* The element must be visible before the index that covers it. */
		__atomic_store_n(&used->idx, htole16(vq->used_idx),
				 __ATOMIC_RELEASE);
		pushed = true;
	}
	if (pushed && vq->call_fd >= 0) {
		uint64_t one = 1;

		/*
		 * Non-blocking: EAGAIN means the count is at its maximum, so
		 * an interrupt is pending anyway.
		 */
		if (write(vq->call_fd, &one, sizeof(one)) != sizeof(one) &&
		    errno != EAGAIN)
			trace("vq %u: call eventfd write failed: %s", vq->index,
			      strerror(errno));
	}
}
