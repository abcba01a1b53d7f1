// SPDX-License-Identifier: GPL-2.0
/*
 * A read-only synthetic FUSE file system that keeps the guest's lookup
 * counts.  The tree:
 *
 *	/		nodeid 1
 *	/README		nodeid 4
 *	/sub		nodeid 2, FUSE_ATTR_SUBMOUNT: the guest automounts it
 *	/sub/hello	nodeid 3
 *
 * Per the FUSE protocol every successful LOOKUP reply gives the kernel one
 * reference on the nodeid, FORGET and BATCH_FORGET return them, and the
 * root has one implicit reference.  A request naming a nodeid without
 * references, or a FORGET of more references than given, is a violation.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "fuse_server.h"
#include "log.h"

#define ROOT_ID 1
/* Long timeouts: fewer revalidations make the trace easier to read. */
#define VALID_SECS 60

struct node {
	uint64_t nodeid;
	uint64_t parent;
	const char *name;
	uint32_t mode;
	uint32_t attr_flags;
	const char *data;
	uint64_t nlookup;
};

static struct node nodes[] = {
	{ ROOT_ID, ROOT_ID, "", S_IFDIR | 0555, 0, NULL, 0 },
	{ 2, ROOT_ID, "sub", S_IFDIR | 0555, FUSE_ATTR_SUBMOUNT, NULL, 0 },
	{ 3, 2, "hello", S_IFREG | 0444, 0, "hello from the submount\n", 0 },
	{ 4, ROOT_ID, "README", S_IFREG | 0444, 0, "the parent mount\n", 0 },
};
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NR_NODES ARRAY_SIZE(nodes)

/* Negotiated protocol minor; 0 until INIT. */
static uint32_t minor;

static const char *const opnames[] = {
	[FUSE_LOOKUP] = "LOOKUP", [FUSE_FORGET] = "FORGET",
	[FUSE_GETATTR] = "GETATTR", [FUSE_SETATTR] = "SETATTR",
	[FUSE_READLINK] = "READLINK", [FUSE_SYMLINK] = "SYMLINK",
	[FUSE_MKNOD] = "MKNOD", [FUSE_MKDIR] = "MKDIR",
	[FUSE_UNLINK] = "UNLINK", [FUSE_RMDIR] = "RMDIR",
	[FUSE_RENAME] = "RENAME", [FUSE_LINK] = "LINK", [FUSE_OPEN] = "OPEN",
	[FUSE_READ] = "READ", [FUSE_WRITE] = "WRITE", [FUSE_STATFS] = "STATFS",
	[FUSE_RELEASE] = "RELEASE", [FUSE_FSYNC] = "FSYNC",
	[FUSE_SETXATTR] = "SETXATTR", [FUSE_GETXATTR] = "GETXATTR",
	[FUSE_LISTXATTR] = "LISTXATTR", [FUSE_REMOVEXATTR] = "REMOVEXATTR",
	[FUSE_FLUSH] = "FLUSH", [FUSE_INIT] = "INIT",
	[FUSE_OPENDIR] = "OPENDIR", [FUSE_READDIR] = "READDIR",
	[FUSE_RELEASEDIR] = "RELEASEDIR", [FUSE_FSYNCDIR] = "FSYNCDIR",
	[FUSE_GETLK] = "GETLK", [FUSE_SETLK] = "SETLK",
	[FUSE_SETLKW] = "SETLKW", [FUSE_ACCESS] = "ACCESS",
	[FUSE_CREATE] = "CREATE", [FUSE_INTERRUPT] = "INTERRUPT",
	[FUSE_BMAP] = "BMAP", [FUSE_DESTROY] = "DESTROY",
	[FUSE_IOCTL] = "IOCTL", [FUSE_POLL] = "POLL",
	[FUSE_NOTIFY_REPLY] = "NOTIFY_REPLY",
	[FUSE_BATCH_FORGET] = "BATCH_FORGET", [FUSE_FALLOCATE] = "FALLOCATE",
	[FUSE_READDIRPLUS] = "READDIRPLUS", [FUSE_RENAME2] = "RENAME2",
	[FUSE_LSEEK] = "LSEEK", [FUSE_COPY_FILE_RANGE] = "COPY_FILE_RANGE",
	[FUSE_SETUPMAPPING] = "SETUPMAPPING",
	[FUSE_REMOVEMAPPING] = "REMOVEMAPPING", [FUSE_SYNCFS] = "SYNCFS",
};

static const char *opname(uint32_t opcode)
{
	if (opcode < ARRAY_SIZE(opnames) && opnames[opcode])
		return opnames[opcode];
	return "UNKNOWN";
}

static struct node *node_get(uint64_t nodeid)
{
	unsigned int i;

	for (i = 0; i < NR_NODES; i++)
		if (nodes[i].nodeid == nodeid)
			return &nodes[i];
	return NULL;
}

static uint64_t nlookup(uint64_t nodeid)
{
	struct node *n = node_get(nodeid);

	return n ? n->nlookup : 0;
}

static void forget(uint64_t nodeid, uint64_t k)
{
	struct node *n = node_get(nodeid);
	uint64_t count = n ? n->nlookup : 0;

	trace("forget nodeid=%llu count=%llu n=%llu",
	      (unsigned long long)nodeid, (unsigned long long)count,
	      (unsigned long long)k);
	if (k > count) {
		violation("forget-underflow nodeid=%llu count=%llu n=%llu",
			  (unsigned long long)nodeid,
			  (unsigned long long)count, (unsigned long long)k);
		k = count;
	}
	if (n)
		n->nlookup -= k;
}

static void fill_attr(struct fuse_attr *a, const struct node *n)
{
	memset(a, 0, sizeof(*a));
	a->ino = n->nodeid;
	a->size = n->data ? strlen(n->data) : 0;
	a->blocks = (a->size + 511) / 512;
	a->mode = n->mode;
	a->nlink = S_ISDIR(n->mode) ? 2 : 1;
	a->blksize = 4096;
	a->flags = n->attr_flags;
}

/* Reply builder: out is at least a fuse_out_header (checked by the caller). */
struct reply {
	uint8_t *out;
	size_t cap;
	uint64_t unique;
};

static size_t reply_err(const struct reply *r, int err)
{
	struct fuse_out_header oh = {
		.len = sizeof(oh), .error = err, .unique = r->unique,
	};

	memcpy(r->out, &oh, sizeof(oh));
	return sizeof(oh);
}

/* The payload is already at out + header when payload is NULL. */
static size_t reply_ok(const struct reply *r, const void *payload, size_t len)
{
	struct fuse_out_header oh = {
		.len = sizeof(oh) + len, .error = 0, .unique = r->unique,
	};

	if (len > r->cap - sizeof(oh)) {
		malformed("fuse unique=%llu: reply of %zu bytes does not fit in %zu",
			  (unsigned long long)r->unique, len,
			  r->cap - sizeof(oh));
		return reply_err(r, -EIO);
	}
	memcpy(r->out, &oh, sizeof(oh));
	if (payload)
		memcpy(r->out + sizeof(oh), payload, len);
	return sizeof(oh) + len;
}

static size_t do_init(const struct reply *r, const void *arg, size_t len)
{
	struct fuse_init_in in;
	struct fuse_init_out out;
	unsigned int i;

	/* Only the 7.6+ prefix of fuse_init_in matters to us. */
	if (len < offsetof(struct fuse_init_in, flags2)) {
		malformed("fuse INIT: argument of %zu bytes", len);
		return reply_err(r, -EINVAL);
	}
	memcpy(&in, arg, offsetof(struct fuse_init_in, flags2));
	trace("init major=%u minor=%u flags=0x%x", in.major, in.minor,
	      in.flags);
	if (in.major != FUSE_KERNEL_VERSION || in.minor < 9) {
		/* Older protocols have shorter replies we do not build. */
		malformed("fuse INIT: unsupported protocol %u.%u", in.major,
			  in.minor);
		return reply_err(r, -EPROTO);
	}
	/* A new session: only the root is known to the guest. */
	for (i = 0; i < NR_NODES; i++)
		nodes[i].nlookup = nodes[i].nodeid == ROOT_ID;
	minor = in.minor < FUSE_KERNEL_MINOR_VERSION ?
		in.minor : FUSE_KERNEL_MINOR_VERSION;

	memset(&out, 0, sizeof(out));
	out.major = FUSE_KERNEL_VERSION;
	out.minor = minor;
	out.max_readahead = in.max_readahead;
	out.max_background = 16;
	out.congestion_threshold = 12;
	out.max_write = 128 * 1024;
	out.time_gran = 1;
	return reply_ok(r, &out, minor < 23 ? FUSE_COMPAT_22_INIT_OUT_SIZE :
			sizeof(out));
}

static size_t do_lookup(const struct reply *r, const struct node *dir,
			const char *arg, size_t len)
{
	struct fuse_entry_out e;
	unsigned int i;

	if (!memchr(arg, '\0', len)) {
		malformed("fuse LOOKUP: name not NUL-terminated");
		return reply_err(r, -EINVAL);
	}
	if (!S_ISDIR(dir->mode))
		return reply_err(r, -ENOTDIR);
	for (i = 0; i < NR_NODES; i++) {
		struct node *n = &nodes[i];

		if (n->nodeid == ROOT_ID || n->parent != dir->nodeid ||
		    strcmp(n->name, arg))
			continue;
		memset(&e, 0, sizeof(e));
		e.nodeid = n->nodeid;
		e.entry_valid = VALID_SECS;
		e.attr_valid = VALID_SECS;
		fill_attr(&e.attr, n);
		n->nlookup++;
		trace("lookup nodeid=%llu count=%llu",
		      (unsigned long long)n->nodeid,
		      (unsigned long long)n->nlookup);
		return reply_ok(r, &e, sizeof(e));
	}
	return reply_err(r, -ENOENT);
}

static size_t do_getattr(const struct reply *r, const struct node *n)
{
	struct fuse_attr_out a;

	memset(&a, 0, sizeof(a));
	a.attr_valid = VALID_SECS;
	fill_attr(&a.attr, n);
	return reply_ok(r, &a, sizeof(a));
}

static size_t do_open(const struct reply *r, const struct node *n,
		      const void *arg, bool dir)
{
	struct fuse_open_in in;
	struct fuse_open_out out;

	memcpy(&in, arg, sizeof(in));
	if (dir != !!S_ISDIR(n->mode))
		return reply_err(r, dir ? -ENOTDIR : -EISDIR);
	if ((in.flags & O_ACCMODE) != O_RDONLY)
		return reply_err(r, -EROFS);
	memset(&out, 0, sizeof(out));
	out.fh = n->nodeid;
	return reply_ok(r, &out, sizeof(out));
}

static size_t append_dirent(uint8_t *buf, size_t room, uint64_t ino,
			    uint64_t off, const char *name, uint32_t mode)
{
	struct fuse_dirent d;
	size_t namelen = strlen(name);
	size_t len = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);

	if (len > room)
		return 0;
	memset(buf, 0, len);
	d.ino = ino;
	d.off = off;
	d.namelen = namelen;
	d.type = S_ISDIR(mode) ? DT_DIR : DT_REG;
	memcpy(buf, &d, FUSE_NAME_OFFSET);
	memcpy(buf + FUSE_NAME_OFFSET, name, namelen);
	return len;
}

/* Offsets: 0 ".", 1 "..", then the children in table order. */
static size_t do_readdir(const struct reply *r, const struct node *dir,
			 const void *arg)
{
	struct fuse_read_in in;
	uint8_t *buf = r->out + sizeof(struct fuse_out_header);
	size_t room = r->cap - sizeof(struct fuse_out_header), used = 0;
	uint64_t pos = 0;
	unsigned int i;

	memcpy(&in, arg, sizeof(in));
	if (!S_ISDIR(dir->mode))
		return reply_err(r, -ENOTDIR);
	if (in.size < room)
		room = in.size;
	for (i = 0; i < 2 + NR_NODES; i++) {
		const struct node *n = i < 2 ? dir : &nodes[i - 2];
		const char *name = i == 0 ? "." : i == 1 ? ".." : n->name;
		uint64_t ino = n->nodeid;
		size_t l;

		if (i == 1)
			ino = dir->parent;
		else if (i >= 2 && (n->nodeid == ROOT_ID ||
				    n->parent != dir->nodeid))
			continue;
		if (pos++ < in.offset)
			continue;
		l = append_dirent(buf + used, room - used, ino, pos, name,
				  n->mode);
		if (!l)
			break;
		used += l;
	}
	return reply_ok(r, NULL, used);
}

static size_t do_read(const struct reply *r, const struct node *n,
		      const void *arg)
{
	struct fuse_read_in in;
	size_t size = n->data ? strlen(n->data) : 0, count;

	memcpy(&in, arg, sizeof(in));
	if (S_ISDIR(n->mode))
		return reply_err(r, -EISDIR);
	if (in.offset >= size)
		return reply_ok(r, NULL, 0);
	count = size - in.offset;
	if (count > in.size)
		count = in.size;
	return reply_ok(r, n->data + in.offset, count);
}

static size_t do_statfs(const struct reply *r)
{
	struct fuse_statfs_out s;

	memset(&s, 0, sizeof(s));
	s.st.blocks = 1;
	s.st.files = NR_NODES;
	s.st.bsize = 4096;
	s.st.frsize = 4096;
	s.st.namelen = 255;
	return reply_ok(r, &s, sizeof(s));
}

static void do_batch_forget(const uint8_t *arg, size_t len)
{
	struct fuse_batch_forget_in in;
	struct fuse_forget_one one;
	uint32_t i;

	if (len < sizeof(in)) {
		malformed("fuse BATCH_FORGET: argument of %zu bytes", len);
		return;
	}
	memcpy(&in, arg, sizeof(in));
	if (in.count > (len - sizeof(in)) / sizeof(one)) {
		malformed("fuse BATCH_FORGET: %u entries in %zu bytes",
			  in.count, len);
		return;
	}
	for (i = 0; i < in.count; i++) {
		memcpy(&one, arg + sizeof(in) + i * sizeof(one), sizeof(one));
		forget(one.nodeid, one.nlookup);
	}
}

/* Requests whose header nodeid is not an inode the guest holds. */
static bool names_nodeid(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_INIT:
	case FUSE_DESTROY:
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
	case FUSE_NOTIFY_REPLY:
		return false;
	}
	return true;
}

/* Argument size of the served node requests (protocol 7.9 and later). */
static size_t arg_size(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_LOOKUP:
		return 1;	/* at least the name's NUL */
	case FUSE_GETATTR:
		return sizeof(struct fuse_getattr_in);
	case FUSE_OPENDIR:
	case FUSE_OPEN:
		return sizeof(struct fuse_open_in);
	case FUSE_READDIR:
	case FUSE_READ:
		return sizeof(struct fuse_read_in);
	case FUSE_RELEASEDIR:
	case FUSE_RELEASE:
		return sizeof(struct fuse_release_in);
	case FUSE_FLUSH:
		return sizeof(struct fuse_flush_in);
	}
	return 0;		/* STATFS */
}

static size_t do_request(const struct reply *r, const struct fuse_in_header *ih,
			 const uint8_t *arg, size_t len)
{
	struct node *n;

	if (ih->opcode == FUSE_INIT)
		return do_init(r, arg, len);
	if (!minor) {
		malformed("fuse unique=%llu: request before INIT",
			  (unsigned long long)ih->unique);
		return reply_err(r, -EIO);
	}
	switch (ih->opcode) {
	case FUSE_DESTROY:
		minor = 0;
		return reply_ok(r, NULL, 0);
	case FUSE_LOOKUP:
	case FUSE_GETATTR:
	case FUSE_OPENDIR:
	case FUSE_READDIR:
	case FUSE_RELEASEDIR:
	case FUSE_OPEN:
	case FUSE_READ:
	case FUSE_FLUSH:
	case FUSE_RELEASE:
	case FUSE_STATFS:
		break;
	default:
		return reply_err(r, -ENOSYS);
	}
	if (len < arg_size(ih->opcode)) {
		malformed("fuse unique=%llu: %s argument of %zu bytes",
			  (unsigned long long)ih->unique, opname(ih->opcode),
			  len);
		return reply_err(r, -EINVAL);
	}
	n = node_get(ih->nodeid);
	if (!n)
		return reply_err(r, -ESTALE);

	switch (ih->opcode) {
	case FUSE_LOOKUP:
		return do_lookup(r, n, (const char *)arg, len);
	case FUSE_GETATTR:
		return do_getattr(r, n);
	case FUSE_OPENDIR:
		return do_open(r, n, arg, true);
	case FUSE_OPEN:
		return do_open(r, n, arg, false);
	case FUSE_READDIR:
		return do_readdir(r, n, arg);
	case FUSE_READ:
		return do_read(r, n, arg);
	case FUSE_STATFS:
		return do_statfs(r);
	}
	/* RELEASEDIR, RELEASE, FLUSH: nothing is held per open file. */
	return reply_ok(r, NULL, 0);
}

void fuse_reset(void)
{
	unsigned int i;

	minor = 0;
	for (i = 0; i < NR_NODES; i++)
		nodes[i].nlookup = 0;
}

size_t fuse_handle(const uint8_t *in, size_t in_len, uint8_t *out,
		   size_t out_cap)
{
	struct fuse_in_header ih;
	struct reply r = { .out = out, .cap = out_cap };
	const uint8_t *arg;
	size_t len;
	bool forget_op;

	if (in_len < sizeof(ih)) {
		malformed("fuse request of %zu bytes, shorter than its header",
			  in_len);
		return 0;
	}
	memcpy(&ih, in, sizeof(ih));
	arg = in + sizeof(ih);
	len = in_len - sizeof(ih);
	r.unique = ih.unique;
	trace("req unique=%llu opcode=%s nodeid=%llu",
	      (unsigned long long)ih.unique, opname(ih.opcode),
	      (unsigned long long)ih.nodeid);

	/* FORGETs are never answered, not even when broken. */
	forget_op = ih.opcode == FUSE_FORGET || ih.opcode == FUSE_BATCH_FORGET;
	if (!forget_op && out_cap < sizeof(struct fuse_out_header)) {
		malformed("fuse unique=%llu: no room for a reply (%zu bytes)",
			  (unsigned long long)ih.unique, out_cap);
		return 0;
	}
	if (ih.len != in_len) {
		malformed("fuse unique=%llu: header len %u, request %zu bytes",
			  (unsigned long long)ih.unique, ih.len, in_len);
		return forget_op ? 0 : reply_err(&r, -EINVAL);
	}

	if (ih.opcode == FUSE_FORGET) {
		struct fuse_forget_in f;

		if (len < sizeof(f)) {
			malformed("fuse FORGET: argument of %zu bytes", len);
			return 0;
		}
		memcpy(&f, arg, sizeof(f));
		forget(ih.nodeid, f.nlookup);
		return 0;
	}
	if (ih.opcode == FUSE_BATCH_FORGET) {
		do_batch_forget(arg, len);
		return 0;
	}
	if (names_nodeid(ih.opcode) && !nlookup(ih.nodeid))
		violation("use-after-forget nodeid=%llu opcode=%s unique=%llu",
			  (unsigned long long)ih.nodeid, opname(ih.opcode),
			  (unsigned long long)ih.unique);
	return do_request(&r, &ih, arg, len);
}
