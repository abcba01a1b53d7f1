/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VUFS_VHOST_USER_H
#define VUFS_VHOST_USER_H

#include <stdint.h>

#include "virtq.h"

struct vu_dev {
	int sock;
	uint64_t features;	/* acked by the front-end */
	uint64_t rx_bytes;	/* read from the socket so far */
	struct mem_table mem;
	struct virtq vq[VQ_MAX];
};

void vu_init(struct vu_dev *dev, int sock);
/*
 * Read and handle one front-end message.  Returns 1 to go on, 0 when the
 * front-end closed the connection, -1 when the stream cannot be parsed any
 * further.
 */
int vu_handle_msg(struct vu_dev *dev);
void vu_cleanup(struct vu_dev *dev);

#endif
