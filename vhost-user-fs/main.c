// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user-fs: a minimal virtio-fs back-end for QEMU's vhost-user-fs-pci
 * that serves a fixed tree with a submount and records every FUSE lookup
 * count violation of the guest kernel.  Single-threaded: one poll() loop
 * over the vhost-user socket and the kick eventfds.
 *
 *	vhost-user-fs (--socket PATH | --fd N) --violations FILE [--trace FILE]
 *
 * --socket listens on PATH (replacing a stale socket) for one QEMU
 * connection; --fd uses an already connected socket.  The back-end exits 0
 * when the front-end disconnects, 1 on errors, 2 on bad arguments.
 *
 * The violations file gets one line per violation:
 *
 *	violation use-after-forget nodeid=N opcode=NAME unique=U
 *	violation forget-underflow nodeid=N count=C n=K
 *
 * The trace (default stderr) gets one "req unique=U opcode=NAME nodeid=N"
 * line per FUSE request, lookup/forget counts, vhost-user requests and a
 * "malformed ..." line for every refused input.
 *
 * What the front-end must give (QEMU does): guest memory in files sealed
 * against shrinking (-object memory-backend-memfd, seal=on by default), and
 * eventfds as kick and call fds.  Anything else is refused with a
 * "malformed" line: a shrunk file would turn the next access into SIGBUS, a
 * pipe could block a notification or make poll() spin.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "vhost_user.h"

static void usage(void)
{
	fprintf(stderr, "usage: vhost-user-fs (--socket PATH | --fd N) --violations FILE [--trace FILE]\n");
	exit(2);
}

/* Listen on path and return the first connection, -1 on error. */
static int accept_one(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int lfd, fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vhost-user-fs: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	/* A socket left by an earlier run would make bind() fail. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 1) < 0) {
		fprintf(stderr, "vhost-user-fs: %s: %s\n", path, strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return -1;
	}
	trace("listening on %s", path);
	do {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		fprintf(stderr, "vhost-user-fs: accept: %s\n", strerror(errno));
	close(lfd);
	return fd;
}

/*
 * Consume a kick.  An fd that reports hang-up, end of file or an error
 * would make poll() return at once forever: the ring stops, logged, until
 * the next SET_VRING_KICK.  Returns whether the ring is to be served.
 */
static bool consume_kick(struct virtq *vq, short revents)
{
	uint64_t v;
	ssize_t r = -1;

	if (!(revents & (POLLERR | POLLHUP | POLLNVAL))) {
		do {
			r = read(vq->kick_fd, &v, sizeof(v));
		} while (r < 0 && errno == EINTR);
		if (r == sizeof(v) || (r < 0 && errno == EAGAIN))
			return true;
	}
	malformed("vq %u: kick fd %s: ring stopped until the next SET_VRING_KICK",
		  vq->index, revents & (POLLERR | POLLHUP | POLLNVAL) ?
		  "hung up" : r < 0 ? strerror(errno) : "gave a short read");
	close(vq->kick_fd);
	vq->kick_fd = -1;
	return false;
}

/* Returns the exit status: 0 when the front-end disconnected. */
static int serve(struct vu_dev *dev)
{
	for (;;) {
		struct pollfd pfd[VQ_MAX + 1];
		unsigned int qidx[VQ_MAX];
		unsigned int n = 0, i;
		int r;

		for (i = 0; i < VQ_MAX; i++) {
			if (dev->vq[i].kick_fd < 0)
				continue;
			qidx[n] = i;
			pfd[n].fd = dev->vq[i].kick_fd;
			pfd[n++].events = POLLIN;
		}
		pfd[n].fd = dev->sock;
		pfd[n].events = POLLIN;
		if (poll(pfd, n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("vhost-user-fs: poll");
			return 1;
		}
		/*
		 * Messages first, all those already there: the front-end sent
		 * them before the kicks seen with them (a SET_MEM_TABLE must be
		 * in effect when the requests that use the new table are
		 * served).  Later ones wait for the next round, so that a reply
		 * tells the front-end that the kicks sent before its request
		 * have been served.
		 */
		if (pfd[n].revents) {
			uint64_t start = dev->rx_bytes;
			int pending = 0;

			if (ioctl(dev->sock, FIONREAD, &pending) < 0)
				pending = 0;
			do {
				r = vu_handle_msg(dev);
				if (r <= 0) {
					trace("front-end %s",
					      r ? "out of sync" : "disconnected");
					return r ? 1 : 0;
				}
			} while (dev->rx_bytes - start < (uint64_t)pending);
		}
		/* Queue 0 (hiprio, FORGETs) first: the guest sent them earlier. */
		for (i = 0; i < n; i++) {
			struct virtq *vq = &dev->vq[qidx[i]];

			if (!pfd[i].revents)
				continue;
			/* Replaced or stopped by a message: polled afresh. */
			if (vq->kick_fd != pfd[i].fd)
				continue;
			if (consume_kick(vq, pfd[i].revents))
				vq_process(vq, &dev->mem);
		}
	}
}

int main(int argc, char **argv)
{
	const char *sock_path = NULL, *fd_arg = NULL;
	const char *violations = NULL, *trace_path = NULL;
	struct vu_dev dev;
	int i, fd = -1, rc;

	for (i = 1; i < argc; i++) {
		const char **opt;

		if (!strcmp(argv[i], "--socket"))
			opt = &sock_path;
		else if (!strcmp(argv[i], "--fd"))
			opt = &fd_arg;
		else if (!strcmp(argv[i], "--violations"))
			opt = &violations;
		else if (!strcmp(argv[i], "--trace"))
			opt = &trace_path;
		else
			usage();
		if (i + 1 >= argc || *opt)
			usage();
		*opt = argv[++i];
	}
	if (!violations || !sock_path == !fd_arg)
		usage();
	if (fd_arg) {
		char *end;
		long v;

		errno = 0;
		v = strtol(fd_arg, &end, 10);
		if (errno || *end || end == fd_arg || v < 0 || v > INT32_MAX)
			usage();
		fd = v;
	}
	if (!log_open(violations, trace_path))
		return 1;
	/* A vanished front-end must end in a clean exit, not SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (sock_path) {
		fd = accept_one(sock_path);
		if (fd < 0)
			return 1;
	}

	vu_init(&dev, fd);
	rc = serve(&dev);
	vu_cleanup(&dev);
	return rc;
}
