/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VUFS_LOG_H
#define VUFS_LOG_H

/*
 * Open the trace (NULL: stderr) and violations files; false on failure.
 * Until it is called, every line is dropped.
 */
int log_open(const char *violations_path, const char *trace_path);

/* One line of debugging trace. */
void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Guest or front-end input that was refused: traced with a "malformed" prefix. */
void malformed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A FUSE protocol violation by the guest: one line in the violations file. */
void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
