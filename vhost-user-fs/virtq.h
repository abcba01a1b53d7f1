/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VUFS_VIRTQ_H
#define VUFS_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The vhost-user baseline: without CONFIGURE_MEM_SLOTS QEMU sends at most 8. */
#define MEM_MAX_REGIONS 8

struct mem_region {
	uint64_t gpa;		/* guest physical address */
	uint64_t size;
	uint64_t uva;		/* QEMU's virtual address of the same memory */
	uint8_t *host;		/* our mapping of gpa */
	void *map;		/* what to munmap: host - mmap_offset */
	size_t map_len;
};

struct mem_table {
	unsigned int nregions;
	struct mem_region r[MEM_MAX_REGIONS];
};

void mem_unmap(struct mem_table *mem);
/* Host pointer for [uva, uva + len) if it lies within one region, else NULL. */
void *mem_uva_to_host(const struct mem_table *mem, uint64_t uva, uint64_t len);

/* QEMU's vhost-user-fs has a hiprio queue and request queues. */
#define VQ_MAX 8

struct virtq {
	unsigned int index;
	unsigned int num;	/* 0 until SET_VRING_NUM */
	bool addr_set;
	uint64_t desc_uva, avail_uva, used_uva;
	uint16_t last_avail;
	uint16_t used_idx;
	int kick_fd;		/* -1: stopped */
	int call_fd;		/* -1: no interrupts */
	bool enabled;
};

void vq_init(struct virtq *vq, unsigned int index);
/* Close the fds and forget the ring, as after a disconnect. */
void vq_reset(struct virtq *vq);
/* Whether the front-end has set the ring up completely. */
bool vq_ready(const struct virtq *vq);
/* Read the ring position of the used ring, when the ring is (re)started. */
void vq_sync_used(struct virtq *vq, const struct mem_table *mem);
/* Serve all available descriptor chains. */
void vq_process(struct virtq *vq, const struct mem_table *mem);

#endif
