// SPDX-License-Identifier: GPL-2.0
/*
 * The vhost-user back-end side of QEMU's protocol (docs/interop/vhost-user.rst),
 * restricted to what vhost-user-fs-pci uses when the back-end offers no
 * protocol features.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "vhost_user.h"

enum {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_RESET_OWNER = 4,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_SET_VRING_ERR = 14,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_SET_VRING_ENABLE = 18,
};

#define VHOST_USER_VERSION 0x1
#define VHOST_USER_VERSION_MASK 0x3
#define VHOST_USER_REPLY 0x4
#define VHOST_USER_VRING_IDX_MASK 0xff
#define VHOST_USER_VRING_NOFD 0x100

#define VIRTIO_F_VERSION_1 32
#define VHOST_USER_F_PROTOCOL_FEATURES 30
/* QEMU refuses a back-end without either. */
#define OFFERED_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | \
			  (1ULL << VHOST_USER_F_PROTOCOL_FEATURES))

/* Larger than any message we handle; bigger ones cannot be skipped safely. */
#define VU_MAX_PAYLOAD 4096
#define VU_MAX_FDS 8
#define VQ_MAX_SIZE 32768

struct vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

struct vu_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
};

struct vu_memory {
	uint32_t nregions;
	uint32_t padding;
	struct vu_region r[MEM_MAX_REGIONS];
};

struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

struct vu_msg {
	struct vu_hdr hdr;
	union {
		uint64_t u64;
		struct vu_vring_state state;
		struct vu_vring_addr addr;
		struct vu_memory mem;
		uint8_t raw[VU_MAX_PAYLOAD];
	};
	int fds[VU_MAX_FDS];
	unsigned int nfds;
};

void vu_init(struct vu_dev *dev, int sock)
{
	unsigned int i;

	memset(dev, 0, sizeof(*dev));
	dev->sock = sock;
	for (i = 0; i < VQ_MAX; i++)
		vq_init(&dev->vq[i], i);
}

void vu_cleanup(struct vu_dev *dev)
{
	unsigned int i;

	for (i = 0; i < VQ_MAX; i++)
		vq_reset(&dev->vq[i]);
	mem_unmap(&dev->mem);
	close(dev->sock);
}

static void close_fds(struct vu_msg *m)
{
	while (m->nfds)
		close(m->fds[--m->nfds]);
}

static bool read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t r = read(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		len -= r;
	}
	return true;
}

/*
 * Returns 1 with a message, 0 at end of stream, -1 when out of sync.  Adds
 * the bytes read to *rx.
 */
static int recv_msg(int sock, struct vu_msg *m, uint64_t *rx)
{
	char control[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = &m->hdr, .iov_len = sizeof(m->hdr) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *c;
	ssize_t r;

	m->nfds = 0;
	do {
		r = recvmsg(sock, &mh, MSG_WAITALL | MSG_CMSG_CLOEXEC);
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	if (r > 0)
		*rx += r;
	if (r != sizeof(m->hdr)) {
		trace("vhost-user: connection lost (%s)",
		      r < 0 ? strerror(errno) : "short header");
		return r < 0 ? 0 : -1;
	}
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		unsigned int i, n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n && m->nfds < VU_MAX_FDS; i++)
			memcpy(&m->fds[m->nfds++],
			       CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	if (m->hdr.size > VU_MAX_PAYLOAD) {
		malformed("vhost-user request %u: payload size %u, cannot resynchronise",
			  m->hdr.request, m->hdr.size);
		close_fds(m);
		return -1;
	}
	if (!read_full(sock, m->raw, m->hdr.size)) {
		trace("vhost-user: connection lost in a payload");
		close_fds(m);
		return 0;
	}
	*rx += m->hdr.size;
	if (mh.msg_flags & MSG_CTRUNC) {
		/* The kernel has closed the fds that did not fit. */
		malformed("vhost-user request %u: more than %u fds",
			  m->hdr.request, VU_MAX_FDS);
		close_fds(m);
		m->hdr.request = 0;
	}
	return 1;
}

static void send_reply(struct vu_dev *dev, const struct vu_msg *m,
		       const void *payload, uint32_t size)
{
	struct vu_hdr h = {
		.request = m->hdr.request,
		.flags = VHOST_USER_VERSION | VHOST_USER_REPLY,
		.size = size,
	};
	uint8_t buf[sizeof(h) + sizeof(struct vu_vring_state)];

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), payload, size);
	if (send(dev->sock, buf, sizeof(h) + size, MSG_NOSIGNAL) !=
	    (ssize_t)(sizeof(h) + size))
		trace("vhost-user: reply to request %u failed: %s",
		      m->hdr.request, strerror(errno));
}

static void reply_u64(struct vu_dev *dev, const struct vu_msg *m, uint64_t v)
{
	send_reply(dev, m, &v, sizeof(v));
}

static bool map_region(struct mem_region *r, const struct vu_region *vr,
		       int fd)
{
	struct stat st;
	int seals;
	void *p;

	if (!vr->size || vr->mmap_offset > UINT64_MAX - vr->size ||
	    vr->gpa > UINT64_MAX - vr->size || vr->uva > UINT64_MAX - vr->size) {
		malformed("vhost-user mem region: bad size or offset");
		return false;
	}
	/*
	 * A file the front-end can shrink after we mapped it turns our next
	 * access into SIGBUS.  QEMU's memory-backend-memfd seals its memfd
	 * (F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL, unless seal=off); only
	 * that can be trusted.  Checked before the size, so the size cannot
	 * change between the two checks.
	 */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
		malformed("vhost-user mem region: fd not sealed against shrinking (F_SEAL_SHRINK): give QEMU -object memory-backend-memfd with seal=on (the default)");
		return false;
	}
	if (fstat(fd, &st) < 0) {
		malformed("vhost-user mem region: fstat: %s", strerror(errno));
		return false;
	}
	/* Mapping past the end of the file would turn accesses into SIGBUS. */
	if (S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size < vr->mmap_offset + vr->size) {
		malformed("vhost-user mem region: %llu+%llu bytes beyond file size %lld",
			  (unsigned long long)vr->mmap_offset,
			  (unsigned long long)vr->size, (long long)st.st_size);
		return false;
	}
	p = mmap(NULL, vr->mmap_offset + vr->size, PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		malformed("vhost-user mem region: mmap: %s", strerror(errno));
		return false;
	}
	r->gpa = vr->gpa;
	r->size = vr->size;
	r->uva = vr->uva;
	r->map = p;
	r->map_len = vr->mmap_offset + vr->size;
	r->host = (uint8_t *)p + vr->mmap_offset;
	trace("mem region gpa=0x%llx size=0x%llx uva=0x%llx",
	      (unsigned long long)r->gpa, (unsigned long long)r->size,
	      (unsigned long long)r->uva);
	return true;
}

static void set_mem_table(struct vu_dev *dev, struct vu_msg *m)
{
	struct mem_table mem = { 0 };
	unsigned int i;

	if (m->hdr.size < 8 || m->mem.nregions > MEM_MAX_REGIONS ||
	    m->hdr.size != 8 + m->mem.nregions * sizeof(struct vu_region) ||
	    m->nfds != m->mem.nregions) {
		malformed("vhost-user SET_MEM_TABLE: size %u, %u regions, %u fds",
			  m->hdr.size, m->hdr.size >= 8 ? m->mem.nregions : 0,
			  m->nfds);
		return;
	}
	for (i = 0; i < m->mem.nregions; i++) {
		if (!map_region(&mem.r[i], &m->mem.r[i], m->fds[i])) {
			/* Keep the old table rather than half a new one. */
			mem_unmap(&mem);
			return;
		}
		mem.nregions++;
	}
	mem_unmap(&dev->mem);
	dev->mem = mem;
	/* A kick refused against the old table is served now. */
	for (i = 0; i < VQ_MAX; i++)
		vq_process(&dev->vq[i], &dev->mem);
}

/*
 * QEMU's kick and call fds are eventfds (event_notifier).  Anything else
 * can make a write block forever (a pipe nobody reads) or poll() spin (a
 * pipe without writer, a regular file, /dev/zero): refused.  Accepted fds
 * are made non-blocking: a call eventfd at its maximum count already has an
 * interrupt pending, and a spurious wake-up must not block a read.
 */
static bool eventfd_ok(int fd, const struct vu_msg *m, unsigned int index)
{
	char path[32], link[64] = "?";
	struct stat st;
	ssize_t n;
	int fl;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n >= 0)
		link[n] = '\0';
	if (fstat(fd, &st) < 0 || S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) ||
	    S_ISBLK(st.st_mode) || S_ISDIR(st.st_mode) ||
	    S_ISSOCK(st.st_mode) || strcmp(link, "anon_inode:[eventfd]")) {
		malformed("vhost-user request %u on vq %u: fd is %s, not an eventfd",
			  m->hdr.request, index, link);
		return false;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		malformed("vhost-user request %u on vq %u: cannot make the eventfd non-blocking: %s",
			  m->hdr.request, index, strerror(errno));
		return false;
	}
	return true;
}

/* SET_VRING_KICK/CALL/ERR: returns the new fd, -1 for none, -2 if refused. */
static int vring_fd(struct vu_msg *m, struct virtq *vq)
{
	bool nofd = m->u64 & VHOST_USER_VRING_NOFD;
	int fd;

	if (m->nfds != !nofd) {
		malformed("vhost-user request %u on vq %u: %u fds", m->hdr.request,
			  vq->index, m->nfds);
		close_fds(m);
		return -2;
	}
	if (!nofd && m->hdr.request != VHOST_USER_SET_VRING_ERR &&
	    !eventfd_ok(m->fds[0], m, vq->index)) {
		close_fds(m);
		return -2;
	}
	fd = nofd ? -1 : m->fds[0];
	m->nfds = 0;
	return fd;
}

static void vring_request(struct vu_dev *dev, struct vu_msg *m)
{
	unsigned int index = m->hdr.request == VHOST_USER_SET_VRING_ADDR ?
		m->addr.index : m->state.index;
	struct virtq *vq;
	struct vu_vring_state st;
	int fd;

	if (m->hdr.request == VHOST_USER_SET_VRING_KICK ||
	    m->hdr.request == VHOST_USER_SET_VRING_CALL ||
	    m->hdr.request == VHOST_USER_SET_VRING_ERR)
		index = m->u64 & VHOST_USER_VRING_IDX_MASK;
	if (index >= VQ_MAX) {
		malformed("vhost-user request %u: vq index %u", m->hdr.request,
			  index);
		return;
	}
	vq = &dev->vq[index];

	switch (m->hdr.request) {
	case VHOST_USER_SET_VRING_NUM:
		if (!m->state.num || m->state.num > VQ_MAX_SIZE ||
		    (m->state.num & (m->state.num - 1))) {
			malformed("vhost-user SET_VRING_NUM: vq %u num %u",
				  index, m->state.num);
			return;
		}
		vq->num = m->state.num;
		break;
	case VHOST_USER_SET_VRING_ADDR:
		vq->desc_uva = m->addr.desc;
		vq->avail_uva = m->addr.avail;
		vq->used_uva = m->addr.used;
		vq_sync_used(vq, &dev->mem);
		/* A kick seen while the addresses were unusable was dropped. */
		vq_process(vq, &dev->mem);
		break;
	case VHOST_USER_SET_VRING_BASE:
		if (m->state.num > UINT16_MAX) {
			malformed("vhost-user SET_VRING_BASE: vq %u base %u",
				  index, m->state.num);
			return;
		}
		vq->last_avail = m->state.num;
		break;
	case VHOST_USER_GET_VRING_BASE:
		/* The ring stops: no kicks are served until the next KICK. */
		if (vq->kick_fd >= 0)
			close(vq->kick_fd);
		vq->kick_fd = -1;
		st.index = index;
		st.num = vq->last_avail;
		send_reply(dev, m, &st, sizeof(st));
		break;
	case VHOST_USER_SET_VRING_KICK:
		fd = vring_fd(m, vq);
		if (fd == -2)
			return;
		if (vq->kick_fd >= 0)
			close(vq->kick_fd);
		vq->kick_fd = fd;
		/* Without protocol features rings start enabled. */
		if (!(dev->features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES)))
			vq->enabled = true;
		/* The guest may have queued requests before the fd came. */
		vq_process(vq, &dev->mem);
		break;
	case VHOST_USER_SET_VRING_CALL:
		fd = vring_fd(m, vq);
		if (fd == -2)
			return;
		if (vq->call_fd >= 0)
			close(vq->call_fd);
		vq->call_fd = fd;
		break;
	case VHOST_USER_SET_VRING_ERR:
		/* We never report ring errors, so the fd is not kept. */
		fd = vring_fd(m, vq);
		if (fd >= 0)
			close(fd);
		break;
	case VHOST_USER_SET_VRING_ENABLE:
		vq->enabled = m->state.num;
		vq_process(vq, &dev->mem);
		break;
	}
}

/* Payload size of each handled request, -1 for those we do not handle. */
static int payload_size(uint32_t request)
{
	switch (request) {
	case VHOST_USER_GET_FEATURES:
	case VHOST_USER_SET_OWNER:
	case VHOST_USER_RESET_OWNER:
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		return 0;
	case VHOST_USER_SET_FEATURES:
	case VHOST_USER_SET_PROTOCOL_FEATURES:
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		return sizeof(uint64_t);
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_GET_VRING_BASE:
	case VHOST_USER_SET_VRING_ENABLE:
		return sizeof(struct vu_vring_state);
	case VHOST_USER_SET_VRING_ADDR:
		return sizeof(struct vu_vring_addr);
	}
	return -1;
}

static void handle(struct vu_dev *dev, struct vu_msg *m)
{
	int size = payload_size(m->hdr.request);

	trace("vhost-user request %u size %u fds %u", m->hdr.request,
	      m->hdr.size, m->nfds);
	if ((m->hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION) {
		malformed("vhost-user request %u: flags 0x%x", m->hdr.request,
			  m->hdr.flags);
		return;
	}
	if (m->hdr.request == VHOST_USER_SET_MEM_TABLE) {
		set_mem_table(dev, m);
		return;
	}
	if (size < 0) {
		trace("vhost-user request %u ignored", m->hdr.request);
		return;
	}
	if (m->hdr.size != (uint32_t)size) {
		malformed("vhost-user request %u: size %u, expected %d",
			  m->hdr.request, m->hdr.size, size);
		return;
	}
	if (m->nfds && m->hdr.request != VHOST_USER_SET_VRING_KICK &&
	    m->hdr.request != VHOST_USER_SET_VRING_CALL &&
	    m->hdr.request != VHOST_USER_SET_VRING_ERR) {
		malformed("vhost-user request %u: %u unexpected fds",
			  m->hdr.request, m->nfds);
		return;
	}

	switch (m->hdr.request) {
	case VHOST_USER_GET_FEATURES:
		reply_u64(dev, m, OFFERED_FEATURES);
		break;
	case VHOST_USER_SET_FEATURES:
		if (m->u64 & ~OFFERED_FEATURES) {
			malformed("vhost-user SET_FEATURES 0x%llx: not offered",
				  (unsigned long long)m->u64);
			return;
		}
		dev->features = m->u64;
		break;
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		/* None: no REPLY_ACK, no MQ, no config space. */
		reply_u64(dev, m, 0);
		break;
	case VHOST_USER_SET_PROTOCOL_FEATURES:
		if (m->u64)
			malformed("vhost-user SET_PROTOCOL_FEATURES 0x%llx: not offered",
				  (unsigned long long)m->u64);
		break;
	case VHOST_USER_SET_OWNER:
	case VHOST_USER_RESET_OWNER:
		break;
	default:
		vring_request(dev, m);
	}
}

int vu_handle_msg(struct vu_dev *dev)
{
	static struct vu_msg m;
	int r = recv_msg(dev->sock, &m, &dev->rx_bytes);

	if (r <= 0)
		return r;
	if (m.hdr.request)
		handle(dev, &m);
	/* Whatever fds the request did not take are not leaked. */
	close_fds(&m);
	return 1;
}
