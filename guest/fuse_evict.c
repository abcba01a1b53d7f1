// SPDX-License-Identifier: GPL-2.0
/*
 * Reproducer for FUSE inodes evicted at unmount, on raw /dev/fuse (no
 * libfuse): "fuse: share lookup state between submount and its parent" left
 * fuse_inode.submount_lookup uninitialized in fuse_alloc_inode(), so with
 * slab poisoning fuse_evict_inode() follows a garbage pointer for every
 * inode evicted while the super block is still active, which is what
 * shrink_dcache_for_umount() does at unmount.
 *
 * Each round mounts a tiny file system served by this process: a root
 * directory holding NFILES regular files f0..f<NFILES-1>.  A worker child
 * looks up all of them (so the kernel allocates NFILES fuse inodes and
 * keeps them in the dcache: entry and attribute timeouts are long), reads a
 * few, and unmounts.  The parent serves requests until the unmount has
 * torn down the connection, which read() reports as ENODEV.
 *
 *	fuse_evict [DIR]	(mount point, default /tmp/fe)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS		3
#define NFILES		64
#define NREAD		4		/* files the worker also reads */
#define ROOT_ID		FUSE_ROOT_ID
#define FIRST_ID	(ROOT_ID + 1)	/* node id of f0 */
#define VALID_SECS	3600		/* "forever" for entries and attrs */
#define MAX_WRITE	4096
/* The kernel refuses reads into less than FUSE_MIN_READ_BUFFER bytes. */
#define BUF_SIZE	(FUSE_MIN_READ_BUFFER + MAX_WRITE)

static const char content[] = "fuse_evict file content\n";
#define CONTENT_LEN	(sizeof(content) - 1)

struct server {
	int fd;
	bool init_done;
	bool failed;
	unsigned int lookups;
	unsigned long long forgets;
	/* Lookup count the kernel holds per node id: FORGET gives it back. */
	unsigned long long nlookup[FIRST_ID + NFILES];
};

static const char *prog = "fuse_evict";

#define fail(srv, fmt, ...) do {					\
	printf("# %s: " fmt "\n", prog, ##__VA_ARGS__);			\
	(srv)->failed = true;						\
} while (0)

/* Send one reply; the header's len must be exactly what we write. */
static void reply(struct server *srv, const struct fuse_in_header *in,
		  int error, const void *arg, size_t size)
{
	struct fuse_out_header out = {
		.len = sizeof(out) + size,
		.error = error,
		.unique = in->unique,
	};
	struct iovec iov[2] = {
		{ &out, sizeof(out) },
		{ (void *)arg, size },
	};
	ssize_t n;

	n = writev(srv->fd, iov, size ? 2 : 1);
	/*
	 * ENOENT: the request was interrupted meanwhile; ENODEV: unmounted
	 * meanwhile, the next read() says so.  Neither is our fault.
	 */
	if (n < 0 && errno != ENOENT && errno != ENODEV)
		fail(srv, "answering opcode %u: %m", in->opcode);
	else if (n >= 0 && (size_t)n != out.len)
		fail(srv, "answering opcode %u: short write", in->opcode);
}

static void fill_attr(struct fuse_attr *attr, uint64_t nodeid)
{
	memset(attr, 0, sizeof(*attr));
	attr->ino = nodeid;
	attr->uid = getuid();
	attr->gid = getgid();
	attr->blksize = 4096;
	if (nodeid == ROOT_ID) {
		attr->mode = S_IFDIR | 0755;
		attr->nlink = 2;
	} else {
		attr->mode = S_IFREG | 0444;
		attr->nlink = 1;
		attr->size = CONTENT_LEN;
		attr->blocks = 1;
	}
}

static bool valid_node(uint64_t nodeid)
{
	return nodeid >= ROOT_ID && nodeid < FIRST_ID + NFILES;
}

/* "f<N>" with 0 <= N < NFILES and no leading zero, else -1. */
static int file_index(const char *name)
{
	char *end;
	long i;

	if (name[0] != 'f' || name[1] < '0' || name[1] > '9' ||
	    (name[1] == '0' && name[2]))
		return -1;
	i = strtol(name + 1, &end, 10);
	return *end || i >= NFILES ? -1 : i;
}

static void do_init(struct server *srv, const struct fuse_in_header *in,
		    const void *body, size_t size)
{
	const struct fuse_init_in *arg = body;
	struct fuse_init_out out = { 0 };
	size_t out_size = sizeof(out);

	/* major, minor and max_readahead are in every version of init_in. */
	if (size < offsetof(struct fuse_init_in, flags) + sizeof(arg->flags) ||
	    arg->major != FUSE_KERNEL_VERSION) {
		fail(srv, "unsupported FUSE_INIT");
		reply(srv, in, -EPROTO, NULL, 0);
		return;
	}
	out.major = FUSE_KERNEL_VERSION;
	out.minor = arg->minor < FUSE_KERNEL_MINOR_VERSION ?
		    arg->minor : FUSE_KERNEL_MINOR_VERSION;
	out.max_readahead = arg->max_readahead;
	out.max_write = MAX_WRITE;
	/* Older minors expect the shorter init_out of their time. */
	if (out.minor < 5)
		out_size = FUSE_COMPAT_INIT_OUT_SIZE;
	else if (out.minor < 23)
		out_size = FUSE_COMPAT_22_INIT_OUT_SIZE;
	srv->init_done = true;
	reply(srv, in, 0, &out, out_size);
}

static void do_lookup(struct server *srv, const struct fuse_in_header *in,
		      const char *name, size_t size)
{
	struct fuse_entry_out out = { 0 };
	int i;

	if (!size || name[size - 1]) {
		fail(srv, "LOOKUP name not terminated");
		reply(srv, in, -EINVAL, NULL, 0);
		return;
	}
	i = in->nodeid == ROOT_ID ? file_index(name) : -1;
	if (i < 0) {
		reply(srv, in, -ENOENT, NULL, 0);
		return;
	}
	out.nodeid = FIRST_ID + i;
	out.entry_valid = VALID_SECS;
	out.attr_valid = VALID_SECS;
	fill_attr(&out.attr, out.nodeid);
	srv->lookups++;
	srv->nlookup[out.nodeid]++;
	reply(srv, in, 0, &out, sizeof(out));
}

static void do_forget(struct server *srv, uint64_t nodeid, uint64_t nlookup)
{
	if (!valid_node(nodeid) || nlookup > srv->nlookup[nodeid]) {
		fail(srv, "FORGET node %llu nlookup %llu: more than looked up",
		     (unsigned long long)nodeid,
		     (unsigned long long)nlookup);
		return;
	}
	srv->nlookup[nodeid] -= nlookup;
	srv->forgets += nlookup;
}

static void do_batch_forget(struct server *srv, const void *body,
			    size_t size)
{
	const struct fuse_batch_forget_in *arg = body;
	const struct fuse_forget_one *one = (const void *)(arg + 1);
	uint32_t i;

	if (size < sizeof(*arg) ||
	    (size - sizeof(*arg)) / sizeof(*one) < arg->count) {
		fail(srv, "BATCH_FORGET too short");
		return;
	}
	for (i = 0; i < arg->count; i++)
		do_forget(srv, one[i].nodeid, one[i].nlookup);
}

static void do_read(struct server *srv, const struct fuse_in_header *in,
		    const struct fuse_read_in *arg)
{
	size_t len = 0;

	if (arg->offset < CONTENT_LEN) {
		len = CONTENT_LEN - arg->offset;
		if (len > arg->size)
			len = arg->size;
	}
	reply(srv, in, 0, content + (len ? arg->offset : 0), len);
}

/* Requests on an inode we gave out: the node id must be one of ours. */
static bool needs_node(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_LOOKUP:
	case FUSE_GETATTR:
	case FUSE_OPEN:
	case FUSE_READ:
	case FUSE_FLUSH:
	case FUSE_RELEASE:
		return true;
	default:
		return false;
	}
}

/* Minimum body size of the requests we look into. */
static size_t body_min(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_FORGET:
		return sizeof(struct fuse_forget_in);
	case FUSE_READ:
		return sizeof(struct fuse_read_in);
	default:
		return 0;
	}
}

static void handle(struct server *srv, const void *buf, size_t n)
{
	const struct fuse_in_header *in = buf;
	const void *body = in + 1;
	size_t size = n - sizeof(*in);
	struct fuse_attr_out attr = { 0 };
	struct fuse_open_out open = { 0 };

	if (n < sizeof(*in) || in->len != n || size < body_min(in->opcode)) {
		fail(srv, "malformed request (%zu bytes)", n);
		return;
	}
	if (!srv->init_done && in->opcode != FUSE_INIT) {
		fail(srv, "opcode %u before FUSE_INIT", in->opcode);
		reply(srv, in, -EIO, NULL, 0);
		return;
	}
	if (needs_node(in->opcode) && !valid_node(in->nodeid)) {
		fail(srv, "opcode %u on unknown node %llu", in->opcode,
		     (unsigned long long)in->nodeid);
		reply(srv, in, -ESTALE, NULL, 0);
		return;
	}

	switch (in->opcode) {
	case FUSE_INIT:
		do_init(srv, in, body, size);
		break;
	case FUSE_LOOKUP:
		do_lookup(srv, in, body, size);
		break;
	case FUSE_GETATTR:
		attr.attr_valid = VALID_SECS;
		fill_attr(&attr.attr, in->nodeid);
		reply(srv, in, 0, &attr, sizeof(attr));
		break;
	case FUSE_OPEN:
		open.fh = in->nodeid;
		reply(srv, in, 0, &open, sizeof(open));
		break;
	case FUSE_READ:
		do_read(srv, in, body);
		break;
	case FUSE_FLUSH:
	case FUSE_RELEASE:
	case FUSE_DESTROY:
		reply(srv, in, 0, NULL, 0);
		break;
	case FUSE_FORGET:	/* FORGETs get no reply */
		do_forget(srv, in->nodeid,
			  ((const struct fuse_forget_in *)body)->nlookup);
		break;
	case FUSE_BATCH_FORGET:
		do_batch_forget(srv, body, size);
		break;
	default:
		reply(srv, in, -ENOSYS, NULL, 0);
		break;
	}
}

/* The worker: make the kernel create NFILES inodes, then unmount. */
static int work(const char *dir)
{
	char path[4096], data[64];
	bool ok = true;
	struct stat st;
	ssize_t n;
	int i, fd;

	for (i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		if (stat(path, &st)) {
			printf("# %s: stat %s: %m\n", prog, path);
			ok = false;
		} else if (!S_ISREG(st.st_mode) ||
			   st.st_ino != (ino_t)(FIRST_ID + i) ||
			   st.st_size != CONTENT_LEN) {
			printf("# %s: %s: wrong attributes\n", prog, path);
			ok = false;
		}
	}
	for (i = 0; i < NREAD; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			printf("# %s: open %s: %m\n", prog, path);
			ok = false;
			continue;
		}
		n = read(fd, data, sizeof(data));
		if (n != CONTENT_LEN || memcmp(data, content, n)) {
			printf("# %s: read %s: wrong content\n", prog, path);
			ok = false;
		}
		close(fd);
	}
	/* This evicts the inodes: the buggy kernel crashes here. */
	if (umount2(dir, 0)) {
		printf("# %s: umount %s: %m\n", prog, dir);
		ok = false;
	}
	return ok ? 0 : 1;
}

/*
 * Serve requests until the connection is gone.  Only the worker's unmount
 * ends it; should the worker die before unmounting, nothing would, so
 * check on it whenever the file system is idle.
 */
static void serve(struct server *srv, pid_t worker, const char *dir,
		  int *status)
{
	static uint64_t buf[BUF_SIZE / sizeof(uint64_t)];
	struct pollfd pfd = { .fd = srv->fd, .events = POLLIN };
	bool worker_done = false;
	ssize_t n;
	int ret;

	for (;;) {
		ret = poll(&pfd, 1, 1000);
		if (ret < 0 && errno != EINTR) {
			fail(srv, "poll: %m");
			break;
		}
		if (ret == 0 && !worker_done &&
		    waitpid(worker, status, WNOHANG) == worker) {
			worker_done = true;
			fail(srv, "worker exited without unmounting");
			/* No requests at unmount: safe while not serving. */
			if (umount2(dir, MNT_DETACH))
				fail(srv, "umount %s: %m", dir);
		}
		if (ret <= 0)
			continue;
		n = read(srv->fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == ENODEV)
				break;
			/* ENOENT: a request was interrupted before we got it */
			if (errno == EINTR || errno == ENOENT)
				continue;
			fail(srv, "read /dev/fuse: %m");
			break;
		}
		handle(srv, buf, n);
	}
	if (!worker_done && waitpid(worker, status, 0) < 0)
		fail(srv, "waitpid: %m");
}

static bool run_round(int round, const char *dir)
{
	static struct server srv;
	char opts[128];
	bool created;
	int status = 0;
	pid_t pid;

	memset(&srv, 0, sizeof(srv));
	/* The kernel holds one reference to the root from the mount on. */
	srv.nlookup[ROOT_ID] = 1;
	srv.fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (srv.fd < 0) {
		printf("# %s: open /dev/fuse: %m\n", prog);
		return false;
	}
	created = !mkdir(dir, 0755);
	if (!created && errno != EEXIST) {
		printf("# %s: mkdir %s: %m\n", prog, dir);
		close(srv.fd);
		return false;
	}
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=%u,group_id=%u",
		 srv.fd, getuid(), getgid());
	/* FUSE_INIT is sent in the background: mount() does not wait. */
	if (mount("fuse", dir, "fuse", MS_NOSUID | MS_NODEV, opts)) {
		printf("# %s: mount %s: %m\n", prog, dir);
		close(srv.fd);
		if (created)
			rmdir(dir);
		return false;
	}

	pid = fork();
	if (pid == 0) {
		close(srv.fd);
		_exit(work(dir));
	}
	if (pid > 0) {
		serve(&srv, pid, dir, &status);
	} else {
		fail(&srv, "fork: %m");
		/* No requests at unmount: safe while not serving. */
		umount2(dir, MNT_DETACH);
	}
	close(srv.fd);

	if (pid > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		fail(&srv, "round %d: worker failed (status %#x)", round,
		     status);
	if (srv.lookups != NFILES)
		fail(&srv, "round %d: %u lookups, expected %d", round,
		     srv.lookups, NFILES);
	if (created && rmdir(dir))
		fail(&srv, "rmdir %s: %m", dir);
	printf("# %s: round %d lookups %u forgets %llu\n", prog, round,
	       srv.lookups, srv.forgets);
	return !srv.failed;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp/fe";
	int round;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [DIR]\n", prog);
		return 2;
	}
	/* Line by line, so the worker's lines and ours stay in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (round = 1; round <= ROUNDS; round++)
		if (!run_round(round, dir))
			return 1;
	printf("# %s: %d rounds ok\n", prog, ROUNDS);
	return 0;
}
