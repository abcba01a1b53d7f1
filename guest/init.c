// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the test guest: a minimal KTAP test runner.
 *
 * The kernel command line names the tests to run:
 *
 *	guest.tests=name1,name2 [guest.timeout=SECONDS]
 *
 * Each test NAME is the static binary /bin/NAME, run with cwd /tmp and its
 * output on the console.  The runner reports one KTAP result line per test,
 * a totals comment and finally "# guest-done", which the host takes as
 * proof that the boot got to the end; then it reboots, which makes QEMU
 * (run with -no-reboot) exit.
 *
 * When not PID 1 it runs on a normal host for testing:
 *
 *	init --cmdline "guest.tests=a,b guest.timeout=2" [--bindir DIR]
 *
 * reads the parameters from the string, runs DIR/NAME, writes to stdout,
 * and neither mounts anything nor reboots.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CMDLINE_MAX	4096
#define DEFAULT_TIMEOUT	60
/* A day: anything longer is a typo, and it keeps deadlines in range. */
#define MAX_TIMEOUT	86400

static bool guest;	/* running as PID 1 inside the guest */

/* Every line goes straight to fd 1: the console must see it even if we die. */
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdprintf(STDOUT_FILENO, fmt, ap);
	va_end(ap);
}

/* Leave the machine (or the process): in the guest, rebooting exits QEMU. */
static void __attribute__((noreturn)) finish(int status)
{
	if (!guest)
		exit(status);
	sync();
	reboot(RB_AUTOBOOT);
	/* Exiting PID 1 panics the kernel, which at least ends the boot. */
	say("# reboot: %m\n");
	exit(status);
}

static void __attribute__((noreturn)) bail_out(const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	say("Bail out! %s\n", reason);
	finish(1);
}

/* Mount a pseudo file system; EBUSY means it is already there. */
static void mount_fs(const char *type, const char *dir, mode_t mode)
{
	if (mkdir(dir, mode) && errno != EEXIST)
		bail_out("mkdir %s: %m", dir);
	if (mount(type, dir, type, MS_NOSUID, NULL) && errno != EBUSY)
		bail_out("mount %s on %s: %m", type, dir);
}

static void setup_guest(void)
{
	int fd;

	/* /dev first: errors can only be shown once the console is open. */
	mount_fs("devtmpfs", "/dev", 0755);
	fd = open("/dev/console", O_WRONLY | O_NOCTTY);
	if (fd < 0)
		bail_out("open /dev/console: %m");
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	/* Tests must not read the console: give them an empty stdin. */
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0)
		bail_out("open /dev/null: %m");
	dup2(fd, STDIN_FILENO);
	if (fd > STDIN_FILENO)
		close(fd);

	mount_fs("proc", "/proc", 0555);
	mount_fs("sysfs", "/sys", 0555);
	mount_fs("tmpfs", "/tmp", 01777);
	setenv("PATH", "/bin", 1);
}

static void read_cmdline(char *buf, size_t size)
{
	ssize_t len;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY);
	if (fd < 0)
		bail_out("open /proc/cmdline: %m");
	len = read(fd, buf, size - 1);
	if (len < 0)
		bail_out("read /proc/cmdline: %m");
	close(fd);
	buf[len] = '\0';
}

/*
 * Split the command line in place into parameters the way the kernel does:
 * blanks separate them, double quotes protect blanks and are dropped.
 * Returns the next parameter, or NULL at the end; *pos tracks the position.
 */
static char *next_param(char **pos)
{
	char *p = *pos, *out, *start;
	bool quoted = false;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (!*p)
		return NULL;
	start = out = p;
	for (; *p; p++) {
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (!quoted && (*p == ' ' || *p == '\t' || *p == '\n'))
			break;
		*out++ = *p;
	}
	if (*p)
		p++;
	*out = '\0';
	*pos = p;
	return start;
}

static unsigned int parse_timeout(const char *s)
{
	unsigned long val;
	char *end;

	errno = 0;
	val = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || val == 0 ||
	    val > MAX_TIMEOUT)
		bail_out("invalid guest.timeout=%s", s);
	return val;
}

/* Test names become paths: keep them to [a-z0-9_]+. */
static bool valid_name(const char *name)
{
	const char *p;

	if (!*name)
		return false;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_'))
			return false;
	return true;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Wait for @pid at most @timeout seconds; returns false on timeout.
 * Waits on any child: as PID 1 we inherit every orphan (daemons started by
 * tests) and must reap them too.
 */
static bool wait_test(pid_t pid, unsigned int timeout, int *status)
{
	double deadline = now() + timeout, left;
	struct timespec ts;
	sigset_t chld;
	pid_t w;
	int st;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
			if (w == pid) {
				*status = st;
				return true;
			}
		}
		if (w < 0)
			bail_out("waitpid: %m");
		left = deadline - now();
		if (left <= 0)
			return false;
		/* SIGCHLD is blocked, so it stays pending until we get here. */
		ts.tv_sec = left;
		ts.tv_nsec = (left - ts.tv_sec) * 1e9;
		if (sigtimedwait(&chld, NULL, &ts) < 0 &&
		    errno != EAGAIN && errno != EINTR)
			bail_out("sigtimedwait: %m");
	}
}

/*
 * The parent of process @pid from /proc/PID/stat, or -1; a zombie (dead,
 * only waiting to be reaped) counts as no process: -1.
 */
static pid_t parent_of(pid_t pid, pid_t *pgrp)
{
	char path[64], buf[512], *p, state;
	ssize_t len;
	int fd, ppid, pg;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	/* "PID (COMM) STATE PPID ...": COMM may hold spaces and ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %d %d", &state, &ppid, &pg) != 3 ||
	    state == 'Z')
		return -1;
	*pgrp = pg;
	return ppid;
}

/*
 * Kill what a test left behind, wherever it went: a daemon that moved to
 * its own session (fuse_mnt does setsid) escapes the test's process group,
 * but as an orphan it is reparented to us (PID 1 in the guest; a child
 * subreaper on the host).  Every child of ours once the test is reaped is
 * the test's.  Returns how many were killed outside the test's process
 * group @pgid (those in it were killed with it and are only dying).
 */
static unsigned int kill_leftovers(pid_t pgid)
{
	unsigned int killed = 0, round;
	struct dirent *d;
	pid_t self = getpid(), pid, pgrp = 0;
	bool found;
	DIR *dir;

	for (round = 0; round < 100; round++) {
		found = false;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		dir = opendir("/proc");
		if (!dir)
			return killed;
		while ((d = readdir(dir))) {
			pid = atoi(d->d_name);
			if (pid <= 1 || pid == self ||
			    parent_of(pid, &pgrp) != self)
				continue;
			if (!kill(pid, SIGKILL) && !round && pgrp != pgid)
				killed++;
			found = true;
		}
		closedir(dir);
		if (!found)
			break;
		usleep(10000);
	}
	return killed;
}

/* Run one test and print its result line; returns true if it passed. */
static bool run_test(unsigned int n, const char *name, const char *bindir,
		     unsigned int timeout)
{
	char path[PATH_MAX];
	unsigned int left;
	sigset_t chld;
	int status;
	pid_t pid;

	say("# start %u %s\n", n, name);
	if (!valid_name(name)) {
		say("not ok %u %s # invalid name\n", n, name);
		return false;
	}
	snprintf(path, sizeof(path), "%s/%s", bindir, name);
	if (access(path, F_OK)) {
		say("not ok %u %s # not found\n", n, name);
		return false;
	}

	pid = fork();
	if (pid < 0)
		bail_out("fork: %m");
	if (pid == 0) {
		/* Own process group, so a timeout kills all it started. */
		setpgid(0, 0);
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		if (chdir("/tmp"))
			dprintf(STDERR_FILENO, "# chdir /tmp: %m\n");
		execl(path, name, (char *)NULL);
		dprintf(STDERR_FILENO, "# exec %s: %m\n", path);
		_exit(126);
	}
	/* Also here: the group must exist before we may kill it. */
	setpgid(pid, pid);

	if (!wait_test(pid, timeout, &status)) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		left = kill_leftovers(pid);
		if (left)
			say("# killed %u process(es) %s left in other sessions\n",
			    left, name);
		say("not ok %u %s # timeout after %u s\n", n, name, timeout);
		return false;
	}
	/* A daemon still running now belongs to this test, not the next. */
	kill(-pid, SIGKILL);
	kill_leftovers(pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		say("ok %u %s\n", n, name);
		return true;
	}
	if (WIFSIGNALED(status))
		say("not ok %u %s # killed by signal %d\n", n, name,
		    WTERMSIG(status));
	else
		say("not ok %u %s # exit status %d\n", n, name,
		    WEXITSTATUS(status));
	return false;
}

static void __attribute__((noreturn)) usage(void)
{
	fputs("usage: init --cmdline PARAMS [--bindir DIR]\n"
	      "  PARAMS: \"guest.tests=NAME,... [guest.timeout=SECONDS]\"\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static char cmdline[CMDLINE_MAX];
	unsigned int timeout = DEFAULT_TIMEOUT, ntests = 0, n, pass = 0;
	const char *bindir = "/bin", *arg_cmdline = NULL;
	char *pos, *param, *tests = NULL, *name;
	sigset_t chld;
	int i;

	guest = getpid() == 1;
	if (!guest) {
		for (i = 1; i < argc; i++) {
			if (!strcmp(argv[i], "--cmdline") && i + 1 < argc)
				arg_cmdline = argv[++i];
			else if (!strcmp(argv[i], "--bindir") && i + 1 < argc)
				bindir = argv[++i];
			else
				usage();
		}
		if (!arg_cmdline)
			usage();
		/*
		 * Orphans of our tests come to us, as they do to PID 1 in
		 * the guest, so what a test leaves behind can be killed.
		 */
		if (prctl(PR_SET_CHILD_SUBREAPER, 1))
			perror("init: PR_SET_CHILD_SUBREAPER");
		/* Tests run in /tmp: a relative --bindir would not work. */
		bindir = realpath(bindir, NULL);
		if (!bindir) {
			perror("init: --bindir");
			exit(2);
		}
	}

	/*
	 * SIGCHLD stays blocked so wait_test() can sleep in sigtimedwait();
	 * an inherited SIG_IGN would make the kernel reap our children.
	 */
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);

	if (guest)
		setup_guest();
	say("KTAP version 1\n");

	if (guest) {
		read_cmdline(cmdline, sizeof(cmdline));
	} else {
		if (strlen(arg_cmdline) >= sizeof(cmdline))
			bail_out("--cmdline too long");
		strcpy(cmdline, arg_cmdline);
	}
	pos = cmdline;
	while ((param = next_param(&pos))) {
		if (!strncmp(param, "guest.tests=", 12))
			tests = param + 12;
		else if (!strncmp(param, "guest.timeout=", 14))
			timeout = parse_timeout(param + 14);
	}
	if (!tests)
		bail_out("no guest.tests= on the command line");

	/* Empty items (as in "a,,b" or a trailing comma) are not tests. */
	for (name = tests; *name; name++)
		if (*name != ',' && (name == tests || name[-1] == ','))
			ntests++;
	say("1..%u\n", ntests);

	n = 0;
	for (name = strtok(tests, ","); name; name = strtok(NULL, ","))
		pass += run_test(++n, name, bindir, timeout);

	say("# Totals: pass:%u fail:%u\n", pass, ntests - pass);
	say("# guest-done\n");
	finish(pass == ntests ? 0 : 1);
}
