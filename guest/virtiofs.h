/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the virtio-fs guest tests share: the export scripts/boot.sh gives
 * them (our vhost-user-fs backend, tag "testfs", whose directory "sub" is
 * a submount holding "hello"), their "# NAME: " console lines, and reading
 * a directory through which a submount is entered.
 */
#ifndef GUEST_VIRTIOFS_H
#define GUEST_VIRTIOFS_H

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG	"testfs"
#define MNT	"/tmp/vfs"
#define KEEP	"/tmp/keep"

/* A KTAP diagnostic line, "# <program>: ...", flushed at once. */
static inline void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;

	printf("# %s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static inline void __attribute__((noreturn)) fail(const char *what)
{
	say("FAIL: %s: %s", what, strerror(errno));
	exit(1);
}

/* Read directory path (entering a submount automounts it): lists name? */
static inline int lists(const char *path, const char *name)
{
	struct dirent *d;
	int found = 0;
	DIR *dir;

	dir = opendir(path);
	if (!dir)
		fail(path);
	errno = 0;
	while ((d = readdir(dir)))
		if (!strcmp(d->d_name, name))
			found = 1;
	if (errno)
		fail(path);
	closedir(dir);
	return found;
}

#endif
