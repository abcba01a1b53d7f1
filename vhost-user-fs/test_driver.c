// SPDX-License-Identifier: GPL-2.0
/*
 * Test driver for vhost-user-fs: plays QEMU and the guest at once.  It
 * starts the back-end on one end of a socketpair (--fd), gives it a memfd
 * as guest memory (two regions, so that translation is exercised), sets up
 * the hiprio queue and one request queue, and places FUSE requests in
 * descriptor chains the way the guest's virtio-fs driver does.
 *
 *	test_driver CASE BACKEND [BACKEND ARGS...]
 *
 * Exit 0 when the case passed and the back-end exited 0 (or, for the
 * huge-size case, 1) by itself.  The violations and trace files are checked
 * by the calling script.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define QSIZE 16
#define REGION_SIZE (2u << 20)
#define GPA_B 0x100000000ull	/* region B: buffers */
#define GPA_B2 0x300000000ull	/* region B after the move of mem-table-then-kick */
#define HELLO "hello from the submount\n"

enum {
	GET_FEATURES = 1, SET_FEATURES = 2, SET_OWNER = 3, SET_MEM_TABLE = 5,
	SET_VRING_NUM = 8, SET_VRING_ADDR = 9, SET_VRING_BASE = 10,
	GET_VRING_BASE = 11, SET_VRING_KICK = 12, SET_VRING_CALL = 13,
	GET_PROTOCOL_FEATURES = 15, SET_PROTOCOL_FEATURES = 16,
	SET_VRING_ENABLE = 18,
};

struct queue {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx;
	uint16_t used_seen;
	int kick;
	int call;
};

static int sock;
static pid_t backend;
static uint8_t *mem;
static int memfd;
static struct queue q[2];
static size_t heap;		/* next free offset in region B */
static uint64_t gpa_b = GPA_B;	/* where region B is in the current table */
static uint64_t unique;
static bool unsealed;		/* guest memory without QEMU's seals */
static bool cont_after_kick;	/* SIGCONT the stopped back-end after a kick */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("test_driver: FAIL: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	/* A back-end blocked for ever must not outlive the test. */
	if (backend > 0)
		kill(backend, SIGKILL);
	exit(1);
}

static void vu_send(uint32_t req, uint32_t flags, const void *payload,
		    uint32_t size, const int *fds, unsigned int nfds)
{
	uint32_t hdr[3] = { req, flags, size };
	struct iovec iov[2] = {
		{ hdr, sizeof(hdr) }, { (void *)payload, size },
	};
	char control[CMSG_SPACE(16 * sizeof(int))];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	struct cmsghdr *c;

	if (nfds) {
		memset(control, 0, sizeof(control));
		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) != (ssize_t)(sizeof(hdr) + size))
		die("sendmsg request %u: %s", req, strerror(errno));
}

static void msg(uint32_t req, const void *payload, uint32_t size)
{
	vu_send(req, 1, payload, size, NULL, 0);
}

static void msg_u64(uint32_t req, uint64_t v)
{
	msg(req, &v, sizeof(v));
}

static void msg_state(uint32_t req, uint32_t index, uint32_t num)
{
	uint32_t st[2] = { index, num };

	msg(req, st, sizeof(st));
}

static void msg_fd(uint32_t req, uint32_t index, int fd)
{
	uint64_t v = index;

	vu_send(req, 1, &v, sizeof(v), &fd, 1);
}

static void read_reply(uint32_t req, void *payload, uint32_t size)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	uint32_t hdr[3];

	if (poll(&p, 1, 5000) != 1)
		die("no reply to request %u", req);
	if (recv(sock, hdr, sizeof(hdr), MSG_WAITALL) != sizeof(hdr))
		die("short reply header to request %u", req);
	if (hdr[0] != req || hdr[1] != 5 || hdr[2] != size)
		die("reply %u/0x%x/%u to request %u", hdr[0], hdr[1], hdr[2],
		    req);
	if (recv(sock, payload, size, MSG_WAITALL) != (ssize_t)size)
		die("short reply to request %u", req);
}

/* GET_FEATURES doubles as a barrier: all earlier messages are handled. */
static void barrier(void)
{
	uint64_t f;

	msg(GET_FEATURES, NULL, 0);
	read_reply(GET_FEATURES, &f, sizeof(f));
	if (f != ((1ull << 32) | (1ull << 30)))
		die("features 0x%llx", (unsigned long long)f);
}

/*
 * All earlier kicks are served too.  The back-end handles the messages
 * already there before the kicks seen with them, so the first reply may
 * come first; the second request is sent after it, for the next round.
 */
static void barrier_kicks(void)
{
	barrier();
	barrier();
}

static void set_mem_table(void)
{
	struct {
		uint32_t n, pad;
		uint64_t r[2][4];
	} m = {
		2, 0, {
			{ 0, REGION_SIZE, (uintptr_t)mem, 0 },
			{ gpa_b, REGION_SIZE, (uintptr_t)mem + REGION_SIZE,
			  REGION_SIZE },
		},
	};
	int fds[2] = { memfd, memfd };

	vu_send(SET_MEM_TABLE, 1, &m, sizeof(m), fds, 2);
}

static void set_vring_addr(unsigned int i, uint64_t desc)
{
	uint64_t a[5] = {
		i, desc, (uintptr_t)q[i].used, (uintptr_t)q[i].avail, 0,
	};

	msg(SET_VRING_ADDR, a, sizeof(a));
}

static void start_backend(char **argv)
{
	int sv[2];
	char fdarg[16];
	int argc;
	char **args;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		die("socketpair: %s", strerror(errno));
	for (argc = 0; argv[argc]; argc++)
		;
	args = calloc(argc + 3, sizeof(*args));
	memcpy(args, argv, argc * sizeof(*args));
	snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
	args[argc] = "--fd";
	args[argc + 1] = fdarg;
	backend = fork();
	if (backend < 0)
		die("fork: %s", strerror(errno));
	if (!backend) {
		close(sv[0]);
		execv(args[0], args);
		perror(args[0]);
		_exit(127);
	}
	free(args);
	close(sv[1]);
	sock = sv[0];
}

static void setup(void)
{
	uint64_t v;
	unsigned int i;

	/* Sealed as QEMU's memory-backend-memfd does (seal=on). */
	memfd = memfd_create("guest", MFD_CLOEXEC |
			     (unsealed ? 0 : MFD_ALLOW_SEALING));
	if (memfd < 0 || ftruncate(memfd, 2 * REGION_SIZE) < 0 ||
	    (!unsealed && fcntl(memfd, F_ADD_SEALS, F_SEAL_GROW |
				F_SEAL_SHRINK | F_SEAL_SEAL) < 0))
		die("memfd: %s", strerror(errno));
	mem = mmap(NULL, 2 * REGION_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   memfd, 0);
	if (mem == MAP_FAILED)
		die("mmap: %s", strerror(errno));

	barrier();
	msg_u64(SET_FEATURES, (1ull << 32) | (1ull << 30));
	msg(GET_PROTOCOL_FEATURES, NULL, 0);
	read_reply(GET_PROTOCOL_FEATURES, &v, sizeof(v));
	if (v)
		die("protocol features 0x%llx", (unsigned long long)v);
	msg_u64(SET_PROTOCOL_FEATURES, 0);
	msg(SET_OWNER, NULL, 0);
	set_mem_table();
	for (i = 0; i < 2; i++) {
		uint8_t *base = mem + i * 0x10000;

		q[i].desc = (void *)base;
		q[i].avail = (void *)(base + 0x1000);
		q[i].used = (void *)(base + 0x2000);
		q[i].kick = eventfd(0, EFD_CLOEXEC);
		q[i].call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		msg_state(SET_VRING_NUM, i, QSIZE);
		msg_state(SET_VRING_BASE, i, 0);
		set_vring_addr(i, (uintptr_t)q[i].desc);
		msg_fd(SET_VRING_KICK, i, q[i].kick);
		/* Twice: the back-end must use the latest call fd. */
		msg_fd(SET_VRING_CALL, i, q[i].kick);
		msg_fd(SET_VRING_CALL, i, q[i].call);
		msg_state(SET_VRING_ENABLE, i, 1);
	}
	barrier();
}

/* Allocate len bytes in region B; returns the guest address. */
static uint64_t galloc(size_t len, void **host)
{
	uint64_t gpa = gpa_b + heap;

	*host = mem + REGION_SIZE + heap;
	memset(*host, 0, len);
	heap += (len + 63) & ~63ul;
	if (heap > REGION_SIZE)
		die("driver out of guest memory");
	return gpa;
}

static void set_desc(struct queue *qq, unsigned int i, uint64_t addr,
		     uint32_t len, uint16_t flags, uint16_t next)
{
	qq->desc[i].addr = addr;
	qq->desc[i].len = len;
	qq->desc[i].flags = flags;
	qq->desc[i].next = next;
}

static void kick(struct queue *qq)
{
	uint64_t one = 1;

	if (write(qq->kick, &one, sizeof(one)) != sizeof(one))
		die("kick: %s", strerror(errno));
	if (cont_after_kick) {
		cont_after_kick = false;
		if (kill(backend, SIGCONT) < 0)
			die("SIGCONT: %s", strerror(errno));
	}
}

/* Make head available and kick. */
static void run(struct queue *qq, uint16_t head)
{
	qq->avail->ring[qq->avail_idx % QSIZE] = head;
	__atomic_store_n(&qq->avail->idx, ++qq->avail_idx, __ATOMIC_RELEASE);
	kick(qq);
}

static uint32_t wait_used(struct queue *qq, uint16_t head)
{
	struct pollfd p = { .fd = qq->call, .events = POLLIN };
	struct vring_used_elem e;
	uint64_t v;

	while (__atomic_load_n(&qq->used->idx, __ATOMIC_ACQUIRE) ==
	       qq->used_seen) {
		if (poll(&p, 1, 5000) != 1)
			die("no used entry for head %u", head);
		if (read(qq->call, &v, sizeof(v)) != sizeof(v))
			die("call eventfd: %s", strerror(errno));
	}
	e = qq->used->ring[qq->used_seen++ % QSIZE];
	if (e.id != head)
		die("used id %u, expected %u", e.id, head);
	return e.len;
}

/*
 * One FUSE request on the request queue, laid out as the guest does: header
 * and argument readable, out header and reply writable.  Returns the error
 * in the reply; the payload is copied to out.
 */
static int fuse_call(uint32_t opcode, uint64_t nodeid, const void *arg,
		     size_t arglen, void *out, size_t outlen, size_t *got)
{
	struct queue *qq = &q[1];
	struct fuse_in_header *ih;
	struct fuse_out_header *oh;
	void *a, *o;
	uint64_t ih_gpa, a_gpa, oh_gpa, o_gpa;
	unsigned int n = 0;
	uint32_t len;

	ih_gpa = galloc(sizeof(*ih), (void **)&ih);
	ih->len = sizeof(*ih) + arglen;
	ih->opcode = opcode;
	ih->unique = ++unique;
	ih->nodeid = nodeid;
	set_desc(qq, n, ih_gpa, sizeof(*ih), VRING_DESC_F_NEXT, n + 1);
	n++;
	if (arglen) {
		a_gpa = galloc(arglen, &a);
		memcpy(a, arg, arglen);
		set_desc(qq, n, a_gpa, arglen, VRING_DESC_F_NEXT, n + 1);
		n++;
	}
	oh_gpa = galloc(sizeof(*oh), (void **)&oh);
	set_desc(qq, n, oh_gpa, sizeof(*oh), VRING_DESC_F_WRITE |
		 (outlen ? VRING_DESC_F_NEXT : 0), n + 1);
	n++;
	if (outlen) {
		o_gpa = galloc(outlen, &o);
		set_desc(qq, n, o_gpa, outlen, VRING_DESC_F_WRITE, 0);
	}
	run(qq, 0);
	len = wait_used(qq, 0);
	if (len < sizeof(*oh) || oh->len != len || oh->unique != unique)
		die("opcode %u: used len %u, reply len %u unique %llu", opcode,
		    len, oh->len, (unsigned long long)oh->unique);
	if (oh->error && len != sizeof(*oh))
		die("opcode %u: error %d with payload", opcode, oh->error);
	if (outlen)
		memcpy(out, o, len - sizeof(*oh));
	if (got)
		*got = len - sizeof(*oh);
	return oh->error;
}

static void expect_ok(int err, const char *what)
{
	if (err)
		die("%s: error %d", what, err);
}

static void fuse_init(void)
{
	struct fuse_init_in in = { .major = 7, .minor = 37,
				   .max_readahead = 65536 };
	struct fuse_init_out out;
	size_t got;

	expect_ok(fuse_call(FUSE_INIT, 0, &in, sizeof(in), &out, sizeof(out),
			    &got), "INIT");
	if (got != sizeof(out) || out.major != 7 || out.minor != 37)
		die("INIT reply %zu bytes, %u.%u", got, out.major, out.minor);
}

static uint64_t lookup(uint64_t parent, const char *name,
		       struct fuse_entry_out *e)
{
	size_t got;
	int err = fuse_call(FUSE_LOOKUP, parent, name, strlen(name) + 1, e,
			    sizeof(*e), &got);

	if (err)
		return 0;
	if (got != sizeof(*e))
		die("LOOKUP %s: %zu bytes", name, got);
	return e->nodeid;
}

static struct fuse_attr getattr(uint64_t nodeid)
{
	struct fuse_getattr_in in = { 0 };
	struct fuse_attr_out out;
	size_t got;

	expect_ok(fuse_call(FUSE_GETATTR, nodeid, &in, sizeof(in), &out,
			    sizeof(out), &got), "GETATTR");
	if (got != sizeof(out))
		die("GETATTR: %zu bytes", got);
	return out.attr;
}

/*
 * A request without reply (FORGET, BATCH_FORGET): one readable descriptor;
 * it comes back on the used ring with len 0.
 */
static void send_noreply(struct queue *qq, uint32_t opcode, uint64_t nodeid,
			 const void *arg, size_t arglen)
{
	struct fuse_in_header *ih;
	uint64_t gpa = galloc(sizeof(*ih) + arglen, (void **)&ih);
	uint32_t len;

	ih->len = sizeof(*ih) + arglen;
	ih->opcode = opcode;
	ih->unique = ++unique;
	ih->nodeid = nodeid;
	memcpy(ih + 1, arg, arglen);
	set_desc(qq, 3, gpa, sizeof(*ih) + arglen, 0, 0);
	run(qq, 3);
	len = wait_used(qq, 3);
	if (len)
		die("opcode %u: used len %u", opcode, len);
}

/* FORGET goes on the hiprio queue, as in the guest driver. */
static void forget(uint64_t nodeid, uint64_t n)
{
	struct fuse_forget_in f = { .nlookup = n };

	send_noreply(&q[0], FUSE_FORGET, nodeid, &f, sizeof(f));
}

/* The back-end still serves a valid request. */
static void alive(void)
{
	struct fuse_attr a = getattr(FUSE_ROOT_ID);

	if (!S_ISDIR(a.mode))
		die("root mode 0%o", a.mode);
}

static void case_session(void)
{
	struct fuse_entry_out e;
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	struct fuse_read_in ri = { .size = 4096 };
	struct fuse_release_in rel = { 0 };
	struct fuse_flush_in fl = { 0 };
	struct fuse_statfs_out st;
	char buf[4096];
	static const char *const want[] = { ".", "..", "hello" };
	size_t got, off;
	unsigned int i;
	uint64_t sub, hello;
	struct fuse_attr a;

	fuse_init();
	sub = lookup(FUSE_ROOT_ID, "sub", &e);
	if (!sub || !S_ISDIR(e.attr.mode) ||
	    !(e.attr.flags & FUSE_ATTR_SUBMOUNT))
		die("LOOKUP sub: nodeid %llu mode 0%o flags 0x%x",
		    (unsigned long long)sub, e.attr.mode, e.attr.flags);
	a = getattr(sub);
	if (!(a.flags & FUSE_ATTR_SUBMOUNT) || a.ino != e.attr.ino)
		die("GETATTR sub: flags 0x%x", a.flags);

	expect_ok(fuse_call(FUSE_OPENDIR, sub, &oi, sizeof(oi), &oo,
			    sizeof(oo), NULL), "OPENDIR");
	ri.fh = oo.fh;
	expect_ok(fuse_call(FUSE_READDIR, sub, &ri, sizeof(ri), buf,
			    sizeof(buf), &got), "READDIR");
	for (i = 0, off = 0; off < got; i++) {
		struct fuse_dirent *d = (void *)(buf + off);

		if (i >= 3 || d->namelen != strlen(want[i]) ||
		    memcmp(d->name, want[i], d->namelen) || d->off != i + 1)
			die("READDIR entry %u: %.*s off %llu", i,
			    (int)d->namelen, d->name,
			    (unsigned long long)d->off);
		off += FUSE_DIRENT_SIZE(d);
	}
	if (i != 3)
		die("READDIR: %u entries", i);
	/* From the last offset on, the directory is at its end. */
	ri.offset = 3;
	expect_ok(fuse_call(FUSE_READDIR, sub, &ri, sizeof(ri), buf,
			    sizeof(buf), &got), "READDIR at end");
	if (got)
		die("READDIR at end: %zu bytes", got);
	rel.fh = oo.fh;
	expect_ok(fuse_call(FUSE_RELEASEDIR, sub, &rel, sizeof(rel), NULL, 0,
			    NULL), "RELEASEDIR");

	hello = lookup(sub, "hello", &e);
	if (!hello || e.attr.size != strlen(HELLO))
		die("LOOKUP hello");
	expect_ok(fuse_call(FUSE_OPEN, hello, &oi, sizeof(oi), &oo,
			    sizeof(oo), NULL), "OPEN");
	ri.fh = oo.fh;
	ri.offset = 0;
	expect_ok(fuse_call(FUSE_READ, hello, &ri, sizeof(ri), buf,
			    sizeof(buf), &got), "READ");
	if (got != strlen(HELLO) || memcmp(buf, HELLO, got))
		die("READ: %.*s", (int)got, buf);
	fl.fh = oo.fh;
	expect_ok(fuse_call(FUSE_FLUSH, hello, &fl, sizeof(fl), NULL, 0,
			    NULL), "FLUSH");
	rel.fh = oo.fh;
	expect_ok(fuse_call(FUSE_RELEASE, hello, &rel, sizeof(rel), NULL, 0,
			    NULL), "RELEASE");
	expect_ok(fuse_call(FUSE_STATFS, FUSE_ROOT_ID, NULL, 0, &st,
			    sizeof(st), &got), "STATFS");
	if (got != sizeof(st))
		die("STATFS: %zu bytes", got);
	if (fuse_call(FUSE_LOOKUP, sub, "nope", 5, &e, sizeof(e), NULL) !=
	    -ENOENT)
		die("LOOKUP nope: not ENOENT");
	forget(hello, 1);
	forget(sub, 1);
	expect_ok(fuse_call(FUSE_DESTROY, 0, NULL, 0, NULL, 0, NULL),
		  "DESTROY");
}

/* Lookups and forgets that balance: no violation. */
static void case_accounting_good(void)
{
	struct fuse_entry_out e;
	struct {
		struct fuse_batch_forget_in in;
		struct fuse_forget_one one[2];
	} bf = { { 2, 0 }, { { 2, 1 }, { 3, 1 } } };

	fuse_init();
	lookup(FUSE_ROOT_ID, "sub", &e);
	lookup(FUSE_ROOT_ID, "sub", &e);
	lookup(2, "hello", &e);
	send_noreply(&q[1], FUSE_BATCH_FORGET, 0, &bf, sizeof(bf));
	getattr(2);
	forget(2, 1);
	lookup(FUSE_ROOT_ID, "sub", &e);
	getattr(2);
	forget(2, 1);
	/* The root's implicit reference, as at unmount. */
	forget(FUSE_ROOT_ID, 1);
}

/* Use after FORGET and a FORGET too many: both logged, both survived. */
static void case_accounting_bad(void)
{
	struct fuse_entry_out e;

	fuse_init();
	lookup(FUSE_ROOT_ID, "sub", &e);
	forget(2, 1);
	getattr(2);			/* unique 4 */
	forget(2, 1);
	getattr(3);			/* never looked up: unique 6 */
	alive();
}

/* A chain that wait_used gets back with len 0; then a valid request. */
static void expect_refused(struct queue *qq, uint16_t head)
{
	uint32_t len;

	run(qq, head);
	len = wait_used(qq, head);
	if (len)
		die("malformed chain: used len %u", len);
	alive();
}

static uint64_t request(uint32_t opcode, uint32_t len, void **host)
{
	struct fuse_in_header *ih;
	uint64_t gpa = galloc(len < sizeof(*ih) ? sizeof(*ih) : len,
			      (void **)&ih);

	ih->len = len;
	ih->opcode = opcode;
	ih->unique = ++unique;
	ih->nodeid = FUSE_ROOT_ID;
	if (host)
		*host = ih;
	return gpa;
}

static void case_bad_addr(void)
{
	void *o;
	uint64_t out = galloc(256, &o);

	fuse_init();
	/* Readable part outside memory, then writable part outside. */
	set_desc(&q[1], 5, 0x200000000ull, 40, VRING_DESC_F_NEXT, 6);
	set_desc(&q[1], 6, out, 256, VRING_DESC_F_WRITE, 0);
	expect_refused(&q[1], 5);
	set_desc(&q[1], 5, request(FUSE_STATFS, 40, NULL), 40,
		 VRING_DESC_F_NEXT, 6);
	/* Starts in region A, runs past its end into the gap. */
	set_desc(&q[1], 6, REGION_SIZE - 16, 256, VRING_DESC_F_WRITE, 0);
	expect_refused(&q[1], 5);
	/* A descriptor index beyond the queue. */
	set_desc(&q[1], 5, request(FUSE_STATFS, 40, NULL), 40,
		 VRING_DESC_F_NEXT, QSIZE + 3);
	expect_refused(&q[1], 5);
}

static void case_desc_loop(void)
{
	fuse_init();
	set_desc(&q[1], 7, request(FUSE_STATFS, 40, NULL), 40,
		 VRING_DESC_F_NEXT, 8);
	set_desc(&q[1], 8, request(FUSE_STATFS, 40, NULL), 40,
		 VRING_DESC_F_NEXT, 7);
	expect_refused(&q[1], 7);
}

static void case_oversize(void)
{
	void *o;
	uint64_t out = galloc(256, &o);

	fuse_init();
	set_desc(&q[1], 5, GPA_B, 0xfffffff0u, VRING_DESC_F_NEXT, 6);
	set_desc(&q[1], 6, out, 256, VRING_DESC_F_WRITE, 0);
	expect_refused(&q[1], 5);
	set_desc(&q[1], 5, request(FUSE_STATFS, 40, NULL), 40,
		 VRING_DESC_F_NEXT, 6);
	set_desc(&q[1], 6, GPA_B, 0xfffffff0u, VRING_DESC_F_WRITE, 0);
	expect_refused(&q[1], 5);
}

static void case_bad_opcode(void)
{
	fuse_init();
	if (fuse_call(4242, FUSE_ROOT_ID, NULL, 0, NULL, 0, NULL) != -ENOSYS)
		die("opcode 4242: not ENOSYS");
	if (fuse_call(FUSE_SETATTR, FUSE_ROOT_ID, NULL, 0, NULL, 0, NULL) !=
	    -ENOSYS)
		die("SETATTR: not ENOSYS");
	alive();
}

static void case_short_header(void)
{
	struct fuse_in_header *ih;
	struct fuse_out_header *oh;
	uint64_t out = galloc(sizeof(*oh), (void **)&oh);

	fuse_init();
	set_desc(&q[1], 5, request(FUSE_STATFS, 40, NULL), 20,
		 VRING_DESC_F_NEXT, 6);
	set_desc(&q[1], 6, out, sizeof(*oh), VRING_DESC_F_WRITE, 0);
	expect_refused(&q[1], 5);
	/* Header len disagreeing with the chain: an EINVAL reply. */
	set_desc(&q[1], 5, request(FUSE_STATFS, 4000, (void **)&ih), 40,
		 VRING_DESC_F_NEXT, 6);
	run(&q[1], 5);
	if (wait_used(&q[1], 5) != sizeof(*oh) || oh->error != -EINVAL ||
	    oh->unique != ih->unique)
		die("bad header len: error %d", oh->error);
	/* GETATTR without its argument. */
	if (fuse_call(FUSE_GETATTR, FUSE_ROOT_ID, NULL, 0, NULL, 0, NULL) !=
	    -EINVAL)
		die("GETATTR without argument: not EINVAL");
	alive();
}

static void case_avail_jump(void)
{
	struct queue *qq = &q[1];
	struct fuse_out_header *oh;
	uint64_t out = galloc(sizeof(*oh) + sizeof(struct fuse_statfs_out),
			      (void **)&oh);

	fuse_init();
	set_desc(qq, 5, request(FUSE_STATFS, 40, NULL), 40, VRING_DESC_F_NEXT,
		 6);
	set_desc(qq, 6, out, sizeof(*oh) + sizeof(struct fuse_statfs_out),
		 VRING_DESC_F_WRITE, 0);
	qq->avail->ring[qq->avail_idx % QSIZE] = 5;
	__atomic_store_n(&qq->avail->idx, qq->avail_idx + QSIZE + 3,
			 __ATOMIC_RELEASE);
	kick(qq);
	barrier_kicks();
	if (qq->used->idx != qq->used_seen)
		die("jumped avail idx was served");
	/* Repaired: the same head is served. */
	qq->avail->idx = qq->avail_idx;
	run(qq, 5);
	if (wait_used(qq, 5) != oh->len || oh->error)
		die("repaired ring: error %d", oh->error);
	/* A head beyond the queue is dropped, the next one served. */
	qq->avail->ring[qq->avail_idx++ % QSIZE] = QSIZE + 1;
	alive();
}

static void case_bad_vhost_msg(void)
{
	/* One region of 8 MiB in a 4 MiB file. */
	uint64_t big[5] = { 1, 0, 4 * REGION_SIZE, 0x7000000000ull, 0 };
	uint8_t junk[100] = { 0 };
	unsigned int i;
	int fds[10];

	fuse_init();
	/* Wrong sizes for known requests, and an unknown request. */
	vu_send(SET_VRING_NUM, 1, junk, 4, NULL, 0);
	vu_send(SET_FEATURES, 1, junk, 12, NULL, 0);
	vu_send(200, 1, junk, sizeof(junk), NULL, 0);
	/* Bad version flags. */
	vu_send(SET_VRING_NUM, 2, junk, 8, NULL, 0);
	/* Too many fds, and fds where none belong. */
	for (i = 0; i < 10; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	vu_send(SET_OWNER, 1, NULL, 0, fds, 10);
	vu_send(SET_FEATURES, 1, junk, 8, fds, 1);
	vu_send(SET_VRING_KICK, 1, junk, 8, NULL, 0);
	/* A memory table whose region count and fds disagree. */
	junk[0] = 1;
	vu_send(SET_MEM_TABLE, 1, junk, 40, NULL, 0);
	vu_send(SET_MEM_TABLE, 1, big, sizeof(big), &memfd, 1);
	/* Rings outside memory, a vq index out of range, a bad size. */
	set_vring_addr(1, 0x10);
	msg_state(SET_VRING_NUM, 9, QSIZE);
	msg_state(SET_VRING_NUM, 1, 3);
	barrier();
	for (i = 0; i < 10; i++)
		close(fds[i]);
	set_vring_addr(1, (uintptr_t)q[1].desc);
	alive();
}

/* A payload size that cannot be skipped: a clean exit 1, no crash. */
static void case_huge_size(void)
{
	uint32_t hdr[3] = { SET_FEATURES, 1, 0x10000000 };

	if (send(sock, hdr, sizeof(hdr), MSG_NOSIGNAL) != sizeof(hdr))
		die("send: %s", strerror(errno));
}

/* A random address: mostly in region B, sometimes in A or in no region. */
static uint64_t random_gpa(bool writable)
{
	switch (rand() % 8) {
	case 0:
		return writable ? 0x300000000ull : rand() % (2 * REGION_SIZE);
	case 1:
		return GPA_B + REGION_SIZE - rand() % 64;
	}
	return GPA_B + REGION_SIZE / 2 + rand() % (REGION_SIZE / 2 - 4096);
}

/*
 * Random descriptor chains with random, mostly plausible FUSE requests.
 * Writable buffers never point into region A: the back-end would write
 * over the rings the driver reads.
 */
static void case_fuzz(void)
{
	struct queue *qq = &q[1];
	unsigned int iter, i;

	srand(1);
	fuse_init();
	for (iter = 0; iter < 3000; iter++) {
		uint16_t head = rand() % QSIZE;
		unsigned int n = 1 + rand() % 6, nread = 1 + rand() % n;
		uint16_t idx = head;

		for (i = 0; i < n; i++) {
			bool w = i >= nread;
			uint16_t next = rand() % 16 ? (idx + 1) % QSIZE :
					rand() % (QSIZE + 4);
			uint32_t len = rand() % 16 ? (uint32_t)rand() % 256 :
				       (uint32_t)rand() << 1;
			uint16_t flags = (w ? VRING_DESC_F_WRITE : 0) |
					 (i + 1 < n ? VRING_DESC_F_NEXT : 0);

			if (!(rand() % 50))
				flags ^= VRING_DESC_F_INDIRECT |
					 VRING_DESC_F_WRITE;
			set_desc(qq, idx, random_gpa(w), len, flags, next);
			idx = next % QSIZE;
		}
		/* Often a real header at the start of the first buffer. */
		if (rand() % 4 && qq->desc[head].addr >= GPA_B &&
		    qq->desc[head].addr + 64 <= GPA_B + REGION_SIZE) {
			struct fuse_in_header ih = {
				.len = rand() % 3 ? qq->desc[head].len :
				       (uint32_t)rand(),
				.opcode = rand() % 52,
				.unique = ++unique,
				.nodeid = rand() % 6,
			};

			memcpy(mem + REGION_SIZE + (qq->desc[head].addr - GPA_B),
			       &ih, sizeof(ih));
		}
		run(qq, head);
		wait_used(qq, head);
	}
	/* A random DESTROY may have ended the session. */
	fuse_init();
	alive();
}

/*
 * Random vhost-user messages without fds, replies drained unread.  Only a
 * clean exit of the back-end is checked, the state is random by then.
 */
static void case_fuzz_vhost(void)
{
	static const uint32_t sizes[] = { 0, 4, 8, 12, 40, 72, 264, 300 };
	uint8_t payload[300], drain[4096];
	unsigned int iter, i;

	srand(2);
	fuse_init();
	for (iter = 0; iter < 5000; iter++) {
		uint32_t size = rand() % 4 ? sizes[rand() % ARRAY_SIZE(sizes)] :
				(uint32_t)rand() % sizeof(payload);

		for (i = 0; i < size; i++)
			payload[i] = rand() % 4 ? rand() % 3 : rand();
		vu_send(rand() % 45, rand() % 8 ? 1 : rand() % 16, payload, size,
			NULL, 0);
		while (recv(sock, drain, sizeof(drain), MSG_DONTWAIT) > 0)
			;
	}
}


/*
 * Guest memory without seals (cf. setup), shrunk by the front-end after
 * SET_MEM_TABLE: the table must have been refused, so that the next kick
 * cannot touch the vanished pages (SIGBUS).
 */
static void case_unsealed_shrink(void)
{
	struct fuse_out_header *oh;
	uint64_t out = galloc(256, (void **)&oh);

	set_desc(&q[1], 5, request(FUSE_STATFS, 40, NULL), 40,
		 VRING_DESC_F_NEXT, 6);
	set_desc(&q[1], 6, out, 256, VRING_DESC_F_WRITE, 0);
	/* Region B is gone; the rings in region A stay. */
	if (ftruncate(memfd, REGION_SIZE) < 0)
		die("ftruncate: %s", strerror(errno));
	run(&q[1], 5);
	barrier_kicks();
}

/* Poll the used ring without reading the call fd. */
static void wait_used_quiet(struct queue *qq, uint16_t head)
{
	unsigned int i;

	for (i = 0; i < 5000; i++) {
		if (__atomic_load_n(&qq->used->idx, __ATOMIC_ACQUIRE) !=
		    qq->used_seen)
			break;
		usleep(1000);
	}
	if (i == 5000)
		die("no used entry for head %u: the back-end is blocked", head);
	if (qq->used->ring[qq->used_seen++ % QSIZE].id != head)
		die("wrong used id");
}

/*
 * A blocking call eventfd at its maximum count: a write would block for
 * ever, so the back-end must not block (the interrupt is pending anyway).
 */
static void case_call_full(void)
{
	uint64_t max = 0xfffffffffffffffeull, v;
	struct fuse_out_header *oh;
	uint64_t out = galloc(256, (void **)&oh);
	int call = eventfd(0, EFD_CLOEXEC);
	unsigned int i;

	fuse_init();
	if (call < 0 || write(call, &max, sizeof(max)) != sizeof(max))
		die("eventfd: %s", strerror(errno));
	msg_fd(SET_VRING_CALL, 1, call);
	barrier();
	for (i = 0; i < 3; i++) {
		set_desc(&q[1], 5, request(FUSE_STATFS, 40, NULL), 40,
			 VRING_DESC_F_NEXT, 6);
		set_desc(&q[1], 6, out, 256, VRING_DESC_F_WRITE, 0);
		run(&q[1], 5);
		wait_used_quiet(&q[1], 5);
		if (oh->error)
			die("STATFS: error %d", oh->error);
	}
	if (read(call, &v, sizeof(v)) != sizeof(v) || v != max)
		die("call eventfd count 0x%llx", (unsigned long long)v);
	/* Back to the driver's call fd. */
	msg_fd(SET_VRING_CALL, 1, q[1].call);
	alive();
	close(call);
}

/* A full pipe nobody reads as call fd: refused, the old call fd stays. */
static void case_call_pipe(void)
{
	char buf[4096] = { 0 };
	int p[2];

	fuse_init();
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		die("pipe: %s", strerror(errno));
	while (write(p[1], buf, sizeof(buf)) > 0)
		;
	if (fcntl(p[1], F_SETFL, 0) < 0)
		die("fcntl: %s", strerror(errno));
	msg_fd(SET_VRING_CALL, 1, p[1]);
	alive();
	alive();
	close(p[0]);
	close(p[1]);
}

/*
 * Nanoseconds the back-end was runnable (on a CPU or waiting for one, from
 * /proc/PID/schedstat): a spinning process is runnable all the time however
 * busy the machine is, an idle one hardly ever.
 */
static unsigned long long backend_runnable_ns(void)
{
	unsigned long long run, wait;
	char path[64];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)backend);
	f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	n = fscanf(f, "%llu %llu", &run, &wait);
	fclose(f);
	if (n != 2)
		die("%s: cannot parse", path);
	return run + wait;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Kick fds that are no eventfds: a pipe whose writer is closed, a regular
 * file and /dev/zero are always readable.  Each must be refused (or the
 * ring stopped), and the idle back-end must not spin.
 */
static void case_kick_bad(void)
{
	static const char *const kinds[] = { "pipe-hup", "file", "dev-zero" };
	unsigned int i;

	fuse_init();
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		unsigned long long r0, t0;
		char name[] = "kick-file.XXXXXX";
		int p[2], fd;
		unsigned int pct;

		if (i == 0) {
			if (pipe2(p, O_CLOEXEC) < 0)
				die("pipe: %s", strerror(errno));
			close(p[1]);
			fd = p[0];
		} else if (i == 1) {
			fd = mkstemp(name);
			if (fd >= 0)
				unlink(name);
			if (fd < 0 || write(fd, "kick", 4) != 4)
				die("%s: %s", name, strerror(errno));
		} else {
			fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
		}
		if (fd < 0)
			die("%s: %s", kinds[i], strerror(errno));
		msg_fd(SET_VRING_KICK, 1, fd);
		close(fd);
		barrier();
		r0 = backend_runnable_ns();
		t0 = now_ns();
		usleep(1000000);
		pct = (backend_runnable_ns() - r0) * 100 / (now_ns() - t0);
		/*
		 * A spinning back-end is runnable ~100% of the time; an idle
		 * one ~0%, plus what a loaded machine makes it wait to handle
		 * the message above: half is far from both.
		 */
		printf("test_driver: kick fd %s: back-end runnable %u%% of the time while idle\n",
		       kinds[i], pct);
		if (pct > 50)
			die("kick fd %s: the idle back-end was runnable %u%% of the time (spinning)",
			    kinds[i], pct);
		/* The driver's eventfd again. */
		msg_fd(SET_VRING_KICK, 1, q[1].kick);
		alive();
	}
}

/*
 * SET_MEM_TABLE that moves region B, then a request in the moved region
 * and its kick, seen together by a stopped back-end: the kick must be
 * served against the new table.
 */
static void case_mem_table_then_kick(void)
{
	int status;

	fuse_init();
	barrier();
	/* Stopped for sure: a SIGCONT would discard a SIGSTOP still pending. */
	if (kill(backend, SIGSTOP) < 0 ||
	    waitpid(backend, &status, WUNTRACED) != backend ||
	    !WIFSTOPPED(status))
		die("SIGSTOP: %s", strerror(errno));
	gpa_b = GPA_B2;
	set_mem_table();
	cont_after_kick = true;
	alive();
	alive();
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "session", case_session },
	{ "accounting-good", case_accounting_good },
	{ "accounting-bad", case_accounting_bad },
	{ "bad-addr", case_bad_addr },
	{ "desc-loop", case_desc_loop },
	{ "oversize", case_oversize },
	{ "bad-opcode", case_bad_opcode },
	{ "short-header", case_short_header },
	{ "avail-jump", case_avail_jump },
	{ "bad-vhost-msg", case_bad_vhost_msg },
	{ "huge-size", case_huge_size },
	{ "fuzz", case_fuzz },
	{ "fuzz-vhost", case_fuzz_vhost },
	{ "unsealed-shrink", case_unsealed_shrink },
	{ "call-full", case_call_full },
	{ "call-pipe", case_call_pipe },
	{ "kick-bad", case_kick_bad },
	{ "mem-table-then-kick", case_mem_table_then_kick },
};

int main(int argc, char **argv)
{
	unsigned int i;
	int status, want = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: test_driver CASE BACKEND [ARGS...]\n");
		return 2;
	}
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (!strcmp(cases[i].name, argv[1]))
			break;
	if (i == ARRAY_SIZE(cases)) {
		fprintf(stderr, "test_driver: unknown case %s\n", argv[1]);
		return 2;
	}
	unsealed = cases[i].fn == case_unsealed_shrink;
	start_backend(argv + 2);
	if (cases[i].fn == case_huge_size)
		want = 1;
	else
		setup();
	cases[i].fn();

	/* The front-end goes away: the back-end must exit by itself. */
	close(sock);
	if (waitpid(backend, &status, 0) != backend)
		die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != want)
		die("back-end status 0x%x, expected exit %d", status, want);
	printf("test_driver: %s passed\n", argv[1]);
	return 0;
}
