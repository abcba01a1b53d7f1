// SPDX-License-Identifier: GPL-2.0
/*
 * Reproducer for "fuse: share lookup state between submount and its
 * parent": a virtio-fs submount must keep working after its parent mount
 * is gone.  The host runs vhost-user-fs with tag "testfs", whose root holds
 * the submount directory "sub" containing "hello".
 *
 * The submount's root inode duplicates the parent's inode for "sub" and,
 * before the fix, held no lookup reference of its own.  Detaching the
 * parent mount evicts the parent's inode, which sends FORGET for the nodeid
 * the submount still uses, and every later request on the submount names a
 * nodeid the server has been told to forget.  The back-end logs those as
 * violations and the host fails the test on them; in the guest the
 * requests may well still succeed.
 *
 *	virtiofs_submount	(run with cwd /tmp)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtiofs.h"

#define HELLO	"hello from the submount\n"

static void check_hello(const char *path)
{
	char buf[256];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		fail(path);
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		fail(path);
	close(fd);
	if ((size_t)n != strlen(HELLO) || memcmp(buf, HELLO, n)) {
		say("FAIL: %s: read %zd bytes: %.*s", path, n, (int)n, buf);
		exit(1);
	}
}

int main(void)
{
	struct stat st;

	if ((mkdir(MNT, 0755) && errno != EEXIST) ||
	    (mkdir(KEEP, 0755) && errno != EEXIST))
		fail("mkdir");
	if (mount(TAG, MNT, "virtiofs", 0, NULL))
		fail("mount virtiofs " TAG);
	say("mounted %s on %s", TAG, MNT);

	/* Reading the directory crosses into it: that automounts. */
	if (!lists(MNT "/sub", "hello")) {
		say("FAIL: %s/sub does not list hello", MNT);
		return 1;
	}
	check_hello(MNT "/sub/hello");
	if (mount(MNT "/sub", KEEP, NULL, MS_BIND, NULL))
		fail("bind " MNT "/sub");
	say("submount bound on %s", KEEP);

	/* Drops the parent super block; the bind keeps the submount alive. */
	if (umount2(MNT, MNT_DETACH))
		fail("umount -l " MNT);
	say("parent mount detached");

	if (stat(KEEP, &st))
		fail("stat " KEEP);
	if (!S_ISDIR(st.st_mode)) {
		say("FAIL: %s is not a directory", KEEP);
		return 1;
	}
	if (!lists(KEEP, "hello")) {
		say("FAIL: %s does not list hello", KEEP);
		return 1;
	}
	check_hello(KEEP "/hello");
	say("submount still works after the parent is gone");

	if (umount2(KEEP, 0))
		fail("umount " KEEP);
	say("pass");
	return 0;
}
