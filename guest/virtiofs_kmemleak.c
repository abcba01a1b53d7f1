// SPDX-License-Identifier: GPL-2.0
/*
 * kmemleak over the submount paths of "fuse: share lookup state between
 * submount and its parent".  The patch allocates one struct
 * fuse_submount_lookup for the parent's inode of a submount point; the
 * submount's root shares it under a refcount, and whichever of the two
 * inodes is evicted last frees it.  "No crash" does not prove that the last
 * put frees: only a leak detector does.
 *
 * Both eviction orders are run ROUNDS times on the virtio-fs export of
 * scripts/boot.sh (tag "testfs", directory "sub" is a submount):
 *   - submount first: automount sub, unmount it, then unmount the parent;
 *   - parent first: automount sub, bind it elsewhere, detach the parent
 *     (umount -l), use the submount, unmount the bind.
 * Then, once every object the rounds allocated is older than kmemleak's
 * minimum age (MSECS_MIN_AGE, 5 s, fixed in mm/kmemleak.c), it scans twice
 * (an object still referenced from a stale register or stack slot in the
 * first scan is caught by the second) and prints kmemleak's report to the
 * console, where the host's oracle reads it: an "unreferenced object" is a
 * FAIL of class kmemleak.  Only this test pays the wait.
 *
 * Needs a kernel with CONFIG_DEBUG_KMEMLEAK (kconfig/kmemleak.config)
 * booted with kmemleak=on (scripts/boot.sh adds it for this test only).
 *
 *	virtiofs_kmemleak	(run with cwd /tmp)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "virtiofs.h"

#define DEBUGFS		"/sys/kernel/debug"
#define KMEMLEAK	DEBUGFS "/kmemleak"
#define ROUNDS		3
/* kmemleak's MSECS_MIN_AGE plus a second: jiffies and our clock differ. */
#define MIN_AGE_WAIT_S	6
#define SCANS		2
/* kselftest's exit code for "cannot run here" */
#define KSFT_SKIP	4

/* Fail unless directory path lists name. */
static void must_list(const char *path, const char *name)
{
	if (!lists(path, name)) {
		say("FAIL: %s does not list %s", path, name);
		exit(1);
	}
}

static void do_mount(void)
{
	if (mount(TAG, MNT, "virtiofs", 0, NULL))
		fail("mount virtiofs " TAG);
	must_list(MNT "/sub", "hello");
}

static void submount_first(void)
{
	do_mount();
	if (umount2(MNT "/sub", 0))
		fail("umount " MNT "/sub");
	if (umount2(MNT, 0))
		fail("umount " MNT);
}

static void parent_first(void)
{
	do_mount();
	if (mount(MNT "/sub", KEEP, NULL, MS_BIND, NULL))
		fail("bind " MNT "/sub");
	if (umount2(MNT, MNT_DETACH))
		fail("umount -l " MNT);
	must_list(KEEP, "hello");
	if (umount2(KEEP, 0))
		fail("umount " KEEP);
}

/* Write cmd to kmemleak's control file; a scan returns when it is done. */
static void kmemleak_cmd(const char *cmd)
{
	int fd;

	fd = open(KMEMLEAK, O_WRONLY);
	if (fd < 0)
		fail("open " KMEMLEAK);
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		fail("write to " KMEMLEAK);
	close(fd);
}

/* Copy kmemleak's report to the console; returns the objects it names. */
static int print_report(void)
{
	char line[512];
	int objects = 0;
	FILE *f;

	f = fopen(KMEMLEAK, "r");
	if (!f)
		fail("open " KMEMLEAK);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "unreferenced object 0x", 22))
			objects++;
		fputs(line, stdout);
	}
	fclose(f);
	fflush(stdout);
	return objects;
}

int main(void)
{
	struct timespec t0, t1;
	int i, objects;

	if (mount("debugfs", DEBUGFS, "debugfs", 0, NULL) && errno != EBUSY)
		fail("mount debugfs on " DEBUGFS);
	if (access(KMEMLEAK, W_OK)) {
		say("SKIP: no %s (%s): the kernel needs CONFIG_DEBUG_KMEMLEAK and kmemleak=on",
		    KMEMLEAK, strerror(errno));
		return KSFT_SKIP;
	}
	if ((mkdir(MNT, 0755) && errno != EEXIST) ||
	    (mkdir(KEEP, 0755) && errno != EEXIST))
		fail("mkdir");

	for (i = 0; i < ROUNDS; i++) {
		submount_first();
		parent_first();
	}
	say("%d rounds of each eviction order done", ROUNDS);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	sleep(MIN_AGE_WAIT_S);
	for (i = 0; i < SCANS; i++)
		kmemleak_cmd("scan");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	say("waited %d s, scanned %d times (%.1f s in all)", MIN_AGE_WAIT_S,
	    SCANS, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);

	objects = print_report();
	if (objects) {
		say("FAIL: kmemleak reports %d unreferenced object(s)", objects);
		return 1;
	}
	say("pass: kmemleak reports no unreferenced object");
	return 0;
}
