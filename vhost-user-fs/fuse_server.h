/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VUFS_FUSE_SERVER_H
#define VUFS_FUSE_SERVER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Serve one FUSE request: in[0..in_len) is the device-readable part of a
 * descriptor chain, out[0..out_cap) the device-writable part.  Returns the
 * length of the reply written to out, 0 when there is none (FORGET, or a
 * request too broken to answer).
 */
size_t fuse_handle(const uint8_t *in, size_t in_len, uint8_t *out,
		   size_t out_cap);

/* Forget the session (as before the first INIT): for the fuzz harnesses. */
void fuse_reset(void);

#endif
