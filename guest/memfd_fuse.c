// SPDX-License-Identifier: GPL-2.0
/*
 * Run the kernel's memfd FUSE selftest as
 * tools/testing/selftests/memfd/run_fuse_test.sh does, without a shell:
 * mount the test file system with fuse_mnt, run fuse_test on its file,
 * unmount.  Several rounds, so that FUSE inodes are created and evicted
 * repeatedly.  fuse_mnt and fuse_test are built from the kernel tree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS		3
#define MNT		"/tmp/mnt"
#define UMOUNT_TRIES	10

/* Run a program and wait for it; returns its wait status, or -1. */
static int run(const char *path, const char *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		printf("# memfd_fuse: fork: %m\n");
		return -1;
	}
	if (pid == 0) {
		execl(path, path, arg, (char *)NULL);
		printf("# memfd_fuse: exec %s: %m\n", path);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		printf("# memfd_fuse: waitpid: %m\n");
		return -1;
	}
	return status;
}

static void report(int round, const char *what, int status)
{
	if (status < 0)
		return;
	if (WIFSIGNALED(status))
		printf("# memfd_fuse: round %d %s killed by signal %d\n",
		       round, what, WTERMSIG(status));
	else
		printf("# memfd_fuse: round %d %s exit status %d\n",
		       round, what, WEXITSTATUS(status));
}

/*
 * The fuse_mnt daemon may still be finishing a request when fuse_test
 * exits, so the mount can be busy for a moment: retry a few times.
 */
static bool unmount(int round)
{
	const struct timespec pause = { .tv_nsec = 100 * 1000 * 1000 };
	int i;

	for (i = 0; i < UMOUNT_TRIES; i++) {
		if (!umount2(MNT, 0)) {
			printf("# memfd_fuse: round %d umount ok\n", round);
			return true;
		}
		if (errno != EBUSY)
			break;
		nanosleep(&pause, NULL);
	}
	printf("# memfd_fuse: round %d umount %s: %m\n", round, MNT);
	return false;
}

static bool round_ok(int round)
{
	bool ok;
	int st;

	if (mkdir(MNT, 0755) && errno != EEXIST) {
		printf("# memfd_fuse: round %d mkdir %s: %m\n", round, MNT);
		return false;
	}
	/* fuse_mnt daemonizes and exits once the file system is mounted. */
	printf("# memfd_fuse: round %d mount\n", round);
	st = run("/bin/fuse_mnt", MNT);
	report(round, "fuse_mnt", st);
	if (st != 0)
		return false;

	printf("# memfd_fuse: round %d fuse_test\n", round);
	st = run("/bin/fuse_test", MNT "/memfd");
	report(round, "fuse_test", st);
	ok = st == 0;

	/* Unmount even after a failure: that is where inodes are evicted. */
	ok &= unmount(round);
	if (rmdir(MNT)) {
		printf("# memfd_fuse: round %d rmdir %s: %m\n", round, MNT);
		ok = false;
	}
	return ok;
}

int main(void)
{
	int round;

	/* Line by line, so our lines and the children's stay in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (round = 1; round <= ROUNDS; round++)
		if (!round_ok(round))
			return 1;
	printf("# memfd_fuse: %d rounds ok\n", ROUNDS);
	return 0;
}
