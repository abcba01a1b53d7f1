// SPDX-License-Identifier: GPL-2.0
/*
 * Logging.  Every line is flushed at once: the host oracle reads the
 * violations file after QEMU is gone, and the trace is what is left when
 * the backend is killed.
 */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static FILE *trace_file;
static FILE *violations_file;

int log_open(const char *violations_path, const char *trace_path)
{
	trace_file = stderr;
	if (trace_path) {
		trace_file = fopen(trace_path, "w");
		if (!trace_file) {
			perror(trace_path);
			return 0;
		}
	}
	violations_file = fopen(violations_path, "w");
	if (!violations_file) {
		perror(violations_path);
		return 0;
	}
	return 1;
}

static void vline(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	/* Before log_open() (the fuzz harnesses) nothing is written. */
	if (!f)
		return;
	fputs(prefix, f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

void trace(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(trace_file, "", fmt, ap);
	va_end(ap);
}

void malformed(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(trace_file, "malformed ", fmt, ap);
	va_end(ap);
}

void violation(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(violations_file, "violation ", fmt, ap);
	va_end(ap);
	/* Also in the trace, so the violation is seen in its context. */
	va_start(ap, fmt);
	vline(trace_file, "violation ", fmt, ap);
	va_end(ap);
}
