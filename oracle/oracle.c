// SPDX-License-Identifier: GPL-2.0
/*
 * oracle - decide from a guest's serial log whether each test passed.
 *
 *	oracle [--violations FILE] [--ktap] LOG TEST...
 *
 * The guest's PID 1 prints KTAP ("ok N TEST", "not ok N TEST # why",
 * "# guest-done") on the same console the kernel logs to, so the log mixes
 * both.  A test passes only if its "ok" line is there, the guest finished,
 * and the kernel reported no error at all during the boot: a kernel oops
 * kills the process that hit it, yet a test whose own checks were done
 * before the oops (or which never touched the broken path) can still print
 * "ok", so the result line alone cannot be trusted.
 *
 * One line per TEST on stdout:
 *	TEST <TAB> PASS|FAIL <TAB> SIGNATURE <TAB> FUNCTION <TAB> DETAIL <TAB> FP
 * FP, the crash fingerprint, is the first five call-trace functions without
 * offsets, comma-separated ("evict,dispose_list,..."), or "-"; frames the
 * unwinder marks "?" and those of the report's own printing (dump_stack,
 * KASAN and SLUB reporters) are left out.  A test whose "ok" carries a KTAP
 * "# SKIP" FAILs as test-skipped.  With --ktap, each line is only TEST
 * <TAB> ok|not ok|skip|none, the guest's own result (for comparing the
 * KTAP reading with kunit.py's), and the exit status is 0.
 * Exit 0 if every TEST passed, 1 if any failed, 2 on a usage or I/O error.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Keep DETAIL short enough to read in a terminal next to the other fields. */
#define DETAIL_LINE_MAX	120
/*
 * An x86 oops with registers, modules and call trace is about 80 lines; a
 * bound keeps a report without an end marker from swallowing later events.
 */
#define BLOCK_MAX_LINES	200
/* The first few frames say where it happened, more is noise in one line. */
#define PATH_FRAMES	4
/* ...but look a little further for the fuse frame that led there. */
#define PATH_FRAMES_MAX	8
/* The crash fingerprint: the first call-trace functions (as netdev's CI). */
#define FP_FRAMES	5
/* A report's first line and its WARNING splat are this close together. */
#define LEAD_LINES	4
/* Longer "symbols" are not kernel symbols, so they need not be parsed. */
#define SYM_MAX		128
/* Poison is recognised from six bytes: an oops address may add an offset. */
#define POISON_DIGITS	12

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct text {
	char *buf;
	char **line;
	size_t nr;
};

struct kerror {
	const char *slug;
	const char *msg;	/* the report's first line, in the log */
	char func[SYM_MAX];
	char extra[PATH_FRAMES_MAX * (SYM_MAX + 4) + 64];
	char fp[FP_FRAMES * (SYM_MAX + 1)];	/* crash fingerprint */
};

struct sig {
	const char *prefix;
	const char *also;	/* must also appear in the line, if set */
	const char *slug;	/* NULL: a SLUB report, slug from its reason */
	unsigned int flags;
};

/*
 * SIG_CONT: printed by the kernel as part of a report already started (the
 * "Oops:" after "BUG: unable to handle page fault", the panic after an
 * oops), so it does not end that report's block.
 * SIG_LEAD: the first line of a report whose WARNING or kernel BUG splat
 * follows it ("refcount_t: underflow", "list_del corruption"); the splat
 * is part of it, and a splat that starts with such a line is classed by it.
 * SIG_SPLAT: only the fixed shape of a WARN splat counts, not any line that
 * starts "WARNING: " (pr_warn notices do).
 */
#define SIG_CONT	1u
#define SIG_LEAD	2u
#define SIG_SPLAT	4u
/* How far a pattern's '%' or an "also" string is looked for, in bytes. */
#define SHAPE_SPAN	160

/*
 * Kernel error reports, tried in this order at the start of each kernel
 * message.  Specific ones come first so that a line such as "BUG: unable
 * to handle page fault" is not reported as the generic "BUG:".
 */
static const struct sig sigs[] = {
	{ "general protection fault", NULL, "general-protection-fault", 0 },
	{ "segment-related general protection fault", NULL,
	  "general-protection-fault", 0 },
	{ "Oops: general protection fault", NULL, "general-protection-fault",
	  0 },
	{ "Oops: stack segment", NULL, "stack-segment", 0 },
	{ "stack segment: ", NULL, "stack-segment", 0 },
	{ "Unable to handle kernel paging request", NULL, "paging-request",
	  0 },
	{ "Unable to handle kernel NULL pointer dereference", NULL,
	  "null-deref", 0 },
	{ "BUG: kernel NULL pointer dereference", NULL, "null-deref", 0 },
	{ "BUG: unable to handle page fault", NULL, "page-fault", 0 },
	{ "BUG: KASAN: ", NULL, "kasan", 0 },
	{ "watchdog: BUG: soft lockup", NULL, "soft-lockup", 0 },
	{ "NMI watchdog: BUG: soft lockup", NULL, "soft-lockup", 0 },
	{ "BUG: soft lockup", NULL, "soft-lockup", 0 },
	{ "INFO: task ", " blocked ", "hung-task", 0 },
	{ "rcu: INFO: rcu_", " stall", "rcu-stall", 0 },
	{ "INFO: rcu_", " stall", "rcu-stall", 0 },
	{ "refcount_t: ", NULL, "refcount", SIG_LEAD },
	{ "list_del corruption", NULL, "list-corruption", SIG_LEAD },
	{ "list_add corruption", NULL, "list-corruption", SIG_LEAD },
	{ "list_add double add", NULL, "list-corruption", SIG_LEAD },
	{ "WARNING: possible circular locking dependency", NULL, "lockdep",
	  0 },
	{ "[ INFO: possible circular locking dependency", NULL, "lockdep",
	  0 },
	{ "WARNING: inconsistent lock state", NULL, "lockdep", 0 },
	{ "[ INFO: inconsistent lock state", NULL, "lockdep", 0 },
	{ "WARNING: possible recursive locking detected", NULL, "lockdep", 0 },
	{ "WARNING: possible irq lock inversion dependency", NULL, "lockdep",
	  0 },
	{ "WARNING: bad unlock balance detected", NULL, "lockdep", 0 },
	{ "BUG: sleeping function called from invalid context", NULL,
	  "sleeping-in-atomic", 0 },
	{ "BUG: scheduling while atomic", NULL, "scheduling-while-atomic", 0 },
	{ "BUG: memory leak", NULL, "kmemleak", SIG_LEAD },
	{ "unreferenced object 0x", " (size ", "kmemleak", 0 },
	{ "BUG ", "): ", NULL, 0 },
	{ "WARNING: ", NULL, "warning", SIG_SPLAT },
	{ "kernel BUG at ", NULL, "kernel-bug", 0 },
	{ "BUG: ", NULL, "bug", 0 },
	{ "Internal error: ", NULL, "oops", SIG_CONT },
	{ "Oops", NULL, "oops", SIG_CONT },
	{ "invalid opcode: ", NULL, "oops", SIG_CONT },
	{ "Kernel panic - not syncing", NULL, "panic", SIG_CONT },
};

/*
 * Where a report may start in the middle of a line without a timestamp
 * before it (guest output, then the kernel's line; tinyconfig has no
 * PRINTK_TIME), only these whole first-line shapes count: test output
 * that merely mentions "BUG:" or "general protection fault" must not.
 * '~' matches one or more decimal digits, '%' one or more characters up
 * to the next literal of the pattern (at most SHAPE_SPAN of them).
 */
static const char *const midline_shapes[] = {
	"general protection fault, probably for non-canonical address 0x",
	"general protection fault: ",
	"Oops: general protection fault",
	"Oops: stack segment: ",
	"stack segment: ~",
	"Unable to handle kernel paging request at virtual address ",
	"Unable to handle kernel NULL pointer dereference at virtual address ",
	"BUG: kernel NULL pointer dereference, address: ",
	"BUG: unable to handle page fault for address: ",
	"BUG: KASAN: % in %+0x",
	"watchdog: BUG: soft lockup - CPU#~",
	"BUG: soft lockup - CPU#~",
	"INFO: task %:~ blocked for more than ~ seconds.",
	"rcu: INFO: rcu_% detected stall",
	"rcu: INFO: rcu_% self-detected stall",
	"INFO: rcu_% detected stall",
	"INFO: rcu_% self-detected stall",
	"refcount_t: underflow; use-after-free.",
	"refcount_t: saturated; leaking memory.",
	"refcount_t: addition on 0; use-after-free.",
	"refcount_t: decrement hit 0; leaking memory.",
	"list_del corruption. ",
	"list_del corruption, ",
	"list_add corruption. ",
	"WARNING: possible circular locking dependency detected",
	"WARNING: inconsistent lock state",
	"WARNING: possible recursive locking detected",
	"BUG: sleeping function called from invalid context at %:~",
	"BUG: scheduling while atomic: ",
	"BUG: Bad page state in process ",
	"unreferenced object 0x% (size ~):",
	"WARNING: CPU: ~ PID: ~ at %:~ ",
	"kernel BUG at %:~!",
	"Internal error: Oops: ",
	"Kernel panic - not syncing: ",
};

/* mm/slub.c slab_bug() reasons; anything else is reported as "slub". */
static const struct {
	const char *reason;
	const char *slug;
} slub_reasons[] = {
	{ "Poison overwritten", "slub-poison-overwritten" },
	{ "Redzone overwritten", "slub-redzone" },
	{ "padding overwritten", "slub-padding" },
	{ "Padding overwritten", "slub-padding" },
	{ "Freepointer corrupt", "slub-freepointer" },
};

/*
 * Frames that only show how a report was printed (KASAN, SLUB, dump_stack)
 * and would push the frames that matter out of the short path.
 */
static const char *const reporter_frames[] = {
	"dump_stack", "show_stack", "print_report",
	"print_address_description", "kasan_report", "kasan_check_range",
	"__asan_", "check_bytes_and_report", "check_object", "object_err",
	"slab_err", "print_trailer",
};

static const char *prog = "oracle";

static void fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const struct sig *match_at(const char *msg, const char **slug,
				  bool midline);

/* Would an escape sequence that ends just before p eat a kernel report? */
static bool report_at(const char *p)
{
	const char *slug;

	return *p == '[' || match_at(p, &slug, false) != NULL;
}

/*
 * Drop what a serial console adds around the text: CR of CRLF, NUL bytes
 * (line noise while the UART comes up) and ANSI escape sequences (colour
 * from firmware or a test).  A lone CR ends a line (a console cursor
 * return, then the kernel's line).  An escape sequence cut off by the
 * kernel's output (ESC, or "ESC[1;", then "[    2.3] BUG: ...") loses only
 * its ESC and never eats the start of the kernel's line.  buf[len] must
 * be NUL.  Returns the new length.
 */
static size_t sanitize(char *buf, size_t len)
{
	size_t r, w = 0, q;

	for (r = 0; r < len; r++) {
		unsigned char c = buf[r];

		if (c == '\0')
			continue;
		if (c == '\r') {
			if (r + 1 < len && buf[r + 1] != '\n' &&
			    buf[r + 1] != '\r' && w && buf[w - 1] != '\n')
				buf[w++] = '\n';
			continue;
		}
		if (c != 0x1b) {
			buf[w++] = c;
			continue;
		}
		if (r + 1 < len && buf[r + 1] == '[') {
			/* CSI: parameters, intermediates, one final byte. */
			q = r + 2;
			while (q < len && buf[q] >= 0x30 && buf[q] <= 0x3f)
				q++;
			while (q < len && buf[q] >= 0x20 && buf[q] <= 0x2f)
				q++;
			if (q < len && buf[q] >= 0x40 && buf[q] <= 0x7e &&
			    !report_at(buf + q))
				r = q;
		} else if (r + 1 < len && buf[r + 1] >= 0x40 &&
			   buf[r + 1] <= 0x5f && !report_at(buf + r + 1)) {
			r++;
		}
	}
	return w;
}

/* Read a whole file and split it into NUL-terminated lines. */
static void split_text(struct text *t, size_t len);

#ifndef ORACLE_NO_MAIN
static void read_text(const char *path, struct text *t)
{
	size_t len = 0, cap = 65536, n;
	FILE *f = fopen(path, "rb");

	if (!f)
		fatal("cannot open %s: %s; check the path", path,
		      strerror(errno));
	t->buf = malloc(cap);
	if (!t->buf)
		fatal("out of memory reading %s", path);
	for (;;) {
		if (cap - len < 4096) {
			cap *= 2;
			t->buf = realloc(t->buf, cap);
			if (!t->buf)
				fatal("out of memory reading %s", path);
		}
		n = fread(t->buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f))
		fatal("cannot read %s: %s; is it a regular file?", path,
		      strerror(errno));
	fclose(f);
	split_text(t, len);
}
#endif

/*
 * Clean t->buf (len bytes, with room for one more) and split it into
 * NUL-terminated lines.
 */
static void split_text(struct text *t, size_t len)
{
	size_t n, i;
	char *p;

	t->buf[len] = '\0';
	len = sanitize(t->buf, len);
	t->buf[len] = '\0';

	n = 1;
	for (i = 0; i < len; i++)
		n += t->buf[i] == '\n';
	t->line = malloc(n * sizeof(*t->line));
	if (!t->line)
		fatal("out of memory splitting the log into lines");
	t->nr = 0;
	p = t->buf;
	/* A log cut off mid-line still has that last partial line. */
	while (*p) {
		char *nl = strchr(p, '\n');

		t->line[t->nr++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
}

static void free_text(struct text *t)
{
	free(t->line);
	free(t->buf);
}

/* "[    2.345678]" at p: what follows it, else NULL. */
static const char *skip_time(const char *p)
{
	if (*p++ != '[')
		return NULL;
	while (*p == ' ')
		p++;
	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != '.' || !isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == ']' ? p + 1 : NULL;
}

/* A CONFIG_PRINTK_CALLER id "[    T1]" or "[  C0]" at p. */
static const char *skip_caller(const char *p)
{
	if (*p++ != '[')
		return NULL;
	while (*p == ' ')
		p++;
	if (*p != 'T' && *p != 'C')
		return NULL;
	if (!isdigit((unsigned char)*++p))
		return NULL;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == ']' ? p + 1 : NULL;
}

/*
 * If s starts with what printk puts before a message: a syslog level
 * "<4>" (console_msg_format=syslog; Intel CI writes "<4> [ 2.3]"), a
 * timestamp "[    2.345678]", a caller id "[    T1]", in that order, each
 * optional but at least one, return what follows (and one blank), else
 * NULL.
 */
static const char *skip_stamp(const char *s)
{
	const char *p = s, *q;

	if (p[0] == '<' && isdigit((unsigned char)p[1])) {
		q = p + 1 + strspn(p + 1, "0123456789");
		if (*q == '>' && q - p <= 4)
			p = q + 1;
		/* Intel CI's dmesg files: "<4> [   26.916689] ...". */
		if (p[0] == ' ' && p[1] == '[' && skip_time(p + 1))
			p++;
	}
	q = skip_time(p);
	if (q)
		p = q;
	q = skip_caller(p);
	if (q)
		p = q;
	if (p == s)
		return NULL;
	if (*p == ' ')
		p++;
	return p;
}

/* The kernel message text of a line, without its timestamp. */
static const char *msg_of(const char *line)
{
	const char *p = skip_stamp(line);

	return p ? p : line;
}

static const char *slub_slug(const char *msg)
{
	const char *reason = strstr(msg, "): ");
	size_t i;

	/* "BUG <cache> (<taint>): <reason>": a cache name has no blanks. */
	if (!reason || strcspn(msg + 4, " ") == 0 ||
	    !starts(msg + 4 + strcspn(msg + 4, " "), " ("))
		return NULL;
	for (i = 0; i < ARRAY_SIZE(slub_reasons); i++)
		if (strstr(reason, slub_reasons[i].reason))
			return slub_reasons[i].slug;
	return "slub";
}

/* Does needle occur in s within its first SHAPE_SPAN bytes? */
static bool near(const char *s, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i < SHAPE_SPAN && s[i]; i++)
		if (strncmp(s + i, needle, n) == 0)
			return true;
	return false;
}

/* Match a midline_shapes[] pattern at s (see there). */
static bool shape_at(const char *s, const char *pat)
{
	while (*pat) {
		if (*pat == '~') {
			if (!isdigit((unsigned char)*s))
				return false;
			while (isdigit((unsigned char)*s))
				s++;
			pat++;
		} else if (*pat == '%') {
			size_t i;

			/* The literal that ends it: its first byte. */
			pat++;
			if (!*s || *s == *pat)
				return false;
			for (i = 1; i < SHAPE_SPAN && s[i] && s[i] != *pat; i++)
				;
			if (s[i] != *pat)
				return false;
			s += i;
		} else if (*s++ != *pat++) {
			return false;
		}
	}
	return true;
}

/*
 * A WARN splat's first line, in each form the kernel has printed:
 *	WARNING: CPU: 0 PID: 58 at fs/fuse/inode.c:123 func+0x10e/0x150
 *	WARNING: at fs/fuse/inode.c:123 func+0x10e/0x150()
 *	WARNING: fs/fuse/inode.c:123 at func+0x10e/0x150, CPU#1: comm/58
 */
static bool is_warn_splat(const char *msg)
{
	const char *p = msg + 9;

	if (shape_at(msg, "WARNING: CPU: ~ PID: ~ at "))
		return true;
	if (starts(msg, "WARNING: at ") && strchr(msg + 12, ':'))
		return true;
	p += strcspn(p, " ");
	return p > msg + 9 && p[-1] != ':' && strchr(msg + 9, ':') < p &&
	       starts(p, " at ") && shape_at(p + 4 + strcspn(p + 4, " ,"),
					     ", CPU#~:");
}

static const struct sig *match_at(const char *msg, const char **slug,
				  bool midline)
{
	size_t i;

	if (midline) {
		for (i = 0; i < ARRAY_SIZE(midline_shapes); i++)
			if (shape_at(msg, midline_shapes[i]))
				break;
		if (i == ARRAY_SIZE(midline_shapes))
			return NULL;
	}
	for (i = 0; i < ARRAY_SIZE(sigs); i++) {
		const struct sig *s = &sigs[i];

		if (!starts(msg, s->prefix))
			continue;
		if (s->also && !near(msg + strlen(s->prefix), s->also))
			continue;
		if ((s->flags & SIG_SPLAT) && !is_warn_splat(msg))
			continue;
		*slug = s->slug ? s->slug : slub_slug(msg);
		if (*slug)
			return s;
	}
	return NULL;
}

/* Could a report start at c?  Keeps the scan of long lines cheap. */
static bool may_start(unsigned char c)
{
	return c && strchr("gOsUBwNIrlWkuLKi[", c);
}

/*
 * Find a kernel error report in a line.  Besides the start of the line,
 * a report may begin after any timestamp inside it: the kernel writes to
 * the console in the middle of a half-printed line of the guest.  Without
 * a timestamp in front, a report in mid-line counts only in one of the
 * whole first-line shapes of midline_shapes[], as test output may quote
 * such words.  Linear in the line's length.
 */
static const struct sig *match_line(const char *line, const char **msg,
				    const char **slug)
{
	const struct sig *s;
	const char *p;

	*msg = msg_of(line);
	s = match_at(*msg, slug, false);
	if (s)
		return s;
	for (p = **msg ? *msg + 1 : *msg; *p; p++) {
		const char *m;

		if (!may_start(*p) && *p != '<')
			continue;
		m = (*p == '[' || *p == '<') ? skip_stamp(p) : NULL;
		s = m ? match_at(m, slug, false) : match_at(p, slug, true);
		if (s) {
			*msg = m ? m : p;
			return s;
		}
	}
	return NULL;
}

static bool is_sym_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '$';
}

/*
 * Parse "func+0x61/0x150" (as printed by %pS) at s into out, or a frame
 * decoded by scripts/decode_stacktrace.sh, "func (fs/fuse/inode.c:137)".
 * Raw addresses such as a user-space "RIP: 0033:0x7f..." are not symbols.
 */
static bool parse_sym(const char *s, char *out)
{
	size_t n = 0;

	while (is_sym_char(s[n]) && n < SYM_MAX - 1)
		n++;
	if (n == 0 || (!starts(s + n, "+0x") && !starts(s + n, " (")) ||
	    starts(s, "0x"))
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

/* The function named on the report's first line, where it has one. */
static bool func_from_report(const char *msg, const char *slug, char *out)
{
	const char *p;

	if (strcmp(slug, "warning") == 0) {
		/* "WARNING: CPU: 0 PID: 1 at fs/fuse/inode.c:123 func+0x..." */
		p = strstr(msg, " at ");
		if (!p)
			return false;
		p += 4;
		if (parse_sym(p, out))
			return true;
		p += strcspn(p, " ");
		return *p && parse_sym(p + 1, out);
	}
	if (strcmp(slug, "kasan") == 0) {
		/* "BUG: KASAN: use-after-free in func+0x.../0x..." */
		p = strstr(msg, " in ");
		return p && parse_sym(p + 4, out);
	}
	return false;
}

/*
 * x86 "RIP: 0010:func+0x61/0x150 [fuse]", arm64 "pc : func+0x44/0xd0",
 * older arm "PC is at func+0x18/0x64".
 */
static bool func_from_regs(const char *msg, char *out)
{
	const char *p;

	if (starts(msg, "pc : "))
		return parse_sym(msg + 5, out);
	if (starts(msg, "PC is at "))
		return parse_sym(msg + 9, out);
	if (!starts(msg, "RIP: "))
		return false;
	p = msg + 5;
	if (strspn(p, "0123456789abcdef") == 4 && p[4] == ':')
		p += 5;
	return parse_sym(p, out);
}

/*
 * A call trace frame: "  evict+0xc4/0x1a0", " ? fuse_evict_inode+0x...",
 * "[<ffffffff81234567>] func+0x...".  Sets *unreliable for "?" frames,
 * which the unwinder only found lying on the stack.
 */
static bool parse_frame(const char *msg, char *out, bool *unreliable)
{
	const char *p = msg + strspn(msg, " \t");

	if (starts(p, "[<")) {
		p = strstr(p, ">] ");
		if (!p)
			return false;
		p += 3;
	}
	*unreliable = starts(p, "? ");
	if (*unreliable)
		p += 2;
	return parse_sym(p, out);
}

static bool is_fuse_frame(const char *func)
{
	return starts(func, "fuse_") || starts(func, "evict");
}

static bool in_list(const char *func, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (starts(func, list[i]))
			return true;
	return false;
}

static bool is_reporter_frame(const char *func)
{
	return in_list(func, reporter_frames, ARRAY_SIZE(reporter_frames));
}

/*
 * Generic helpers that detect or print a bug on behalf of their caller
 * (refcount, list debugging, lockdep, might_sleep, the scheduler and wait
 * primitives a hung task sits in, allocators a leak was made by): the
 * function to blame is the first frame outside them.
 */
static const char *const helper_frames[] = {
	"refcount_", "__refcount_", "__list_add_valid", "__list_del_entry",
	"__list_add", "__list_del", "list_add", "list_del",
	"lock_acquire", "__lock_acquire", "lock_release", "mark_lock",
	"valid_state", "print_usage_bug", "print_circular_bug",
	"check_noncircular", "check_prev_add", "validate_chain",
	"check_deadlock", "print_deadlock_bug", "_raw_spin_lock",
	"_raw_read_lock", "_raw_write_lock", "do_raw_spin_lock",
	"__mutex_lock", "mutex_lock", "down_read", "down_write",
	"rt_spin_lock", "lock_sock_nested",
	"__might_sleep", "___might_sleep", "__might_resched", "__might_fault",
	"might_fault", "__schedule_bug", "schedule_debug", "__schedule",
	"schedule", "preempt_schedule", "io_schedule", "__switch_to",
	"__wait_for_common", "wait_for_completion", "__flush_work",
	"flush_work", "folio_wait_bit", "wait_on_page_bit",
	"kmem_cache_alloc", "__kmem_cache_alloc", "kmalloc", "__kmalloc",
	"__do_kmalloc", "kzalloc", "kmemdup", "kstrdup", "krealloc",
	"__vmalloc", "vmalloc", "kvmalloc", "__kvmalloc", "slab_post_alloc_hook",
	"kmemleak_alloc", "__alloc_pages", "alloc_pages",
};

static bool is_helper_frame(const char *func)
{
	return in_list(func, helper_frames, ARRAY_SIZE(helper_frames));
}

/*
 * Classes whose registers, if any, belong to another context (the task a
 * lockdep or might_sleep report interrupted, the user space of a hung
 * task): their function comes from the call trace alone.
 */
static bool func_from_trace_only(const char *slug)
{
	static const char *const slugs[] = {
		"lockdep", "hung-task", "sleeping-in-atomic",
		"scheduling-while-atomic", "kmemleak",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(slugs); i++)
		if (strcmp(slug, slugs[i]) == 0)
			return true;
	return false;
}

/*
 * Read the call trace starting after line t and append "; path: a <- b"
 * to e->extra.  The path is the first frames, extended to the first
 * fuse or evict frame when that is near: on small arm64 builds the pc is
 * often a helper such as __refcount_sub_and_test that fuse code inlined
 * or tail-called, and the fuse frame is what tells which bug this is.
 * Without a function from the registers (or with a generic helper there),
 * the fuse frame names FUNCTION, else the first frame outside the helpers.
 * The first FP_FRAMES frames, without offsets, are the crash fingerprint;
 * for a leak, the first outside the allocator, whose frames differ between
 * arches and slab versions while the allocating call path is the leak.
 */
static void read_trace(const struct text *t, size_t t0, size_t end,
		       struct kerror *e)
{
	char path[PATH_FRAMES_MAX][SYM_MAX], sym[SYM_MAX], fuse[SYM_MAX] = "";
	char own[SYM_MAX] = "";
	size_t n = 0, len, i, fuse_at = PATH_FRAMES_MAX, nfp = 0;
	bool in_block = false, unreliable;
	bool leak = e->slug && strcmp(e->slug, "kmemleak") == 0;

	for (i = t0 + 1; i < end; i++) {
		const char *m = msg_of(t->line[i]);
		const char *p = m + strspn(m, " \t");

		if (p[0] == '<' && p[strlen(p) - 1] == '>') {
			/* " <TASK>", " </IRQ>": x86 stack section markers. */
			in_block = p[1] != '/';
			continue;
		}
		if (!parse_frame(m, sym, &unreliable)) {
			/*
			 * Inside <TASK> x86 prints the user registers
			 * between frames; elsewhere the trace is over.
			 * kmemleak prints inlined callers without offsets.
			 */
			if (in_block || starts(p, "[<"))
				continue;
			break;
		}
		if (unreliable || is_reporter_frame(sym))
			continue;
		if (nfp < FP_FRAMES && !(leak && is_helper_frame(sym))) {
			if (nfp)
				strcat(e->fp, ",");
			strcat(e->fp, sym);
			nfp++;
		}
		if (!own[0] && !is_helper_frame(sym))
			strcpy(own, sym);
		if (!fuse[0] && is_fuse_frame(sym) && n < PATH_FRAMES_MAX) {
			strcpy(fuse, sym);
			fuse_at = n;
		}
		if (n < PATH_FRAMES_MAX)
			strcpy(path[n++], sym);
	}
	if (!e->func[0] || is_helper_frame(e->func)) {
		if (fuse[0])
			strcpy(e->func, fuse);
		else if (own[0] && (e->func[0] || func_from_trace_only(e->slug)))
			strcpy(e->func, own);
	}
	if (n == 0)
		return;
	len = n < PATH_FRAMES ? n : PATH_FRAMES;
	if (fuse_at >= len && fuse_at < n)
		len = fuse_at + 1;
	strcat(e->extra, "; path: ");
	for (i = 0; i < len; i++) {
		if (i)
			strcat(e->extra, " <- ");
		strcat(e->extra, path[i]);
	}
}

/*
 * The SLUB debug poison byte (0x5a uninitialised, 0x6b freed) repeated
 * over an address, e.g. 0x5a5a5a5a5a5a5a5a or arm64's 005a5a5a5a5a5a5a:
 * the fault came from a pointer read out of poisoned memory.
 */
static int poison_in(const char *line)
{
	static const char *const pat[] = { "5a5a5a5a5a5a", "6b6b6b6b6b6b" };
	static const int byte[] = { 0x5a, 0x6b };
	const char *p = line;
	size_t i;

	while (*p) {
		size_t n, zeros;

		if (!isxdigit((unsigned char)*p) ||
		    (p > line && isalnum((unsigned char)p[-1]))) {
			p++;
			continue;
		}
		if (starts(p, "0x"))
			p += 2;
		/* A line may end in a bare "0x". */
		if (!*p)
			break;
		n = strspn(p, "0123456789abcdefABCDEF");
		zeros = strspn(p, "0");
		for (i = 0; i < 2 && n - zeros >= POISON_DIGITS; i++)
			if (strncmp(p + zeros, pat[i], POISON_DIGITS) == 0)
				return byte[i];
		p += n ? n : 1;
	}
	return 0;
}

/*
 * The first kernel error report in the log, or false.  Its block runs to
 * the "---[ end trace" marker, the next report that is not part of it, or
 * BLOCK_MAX_LINES; registers, poison and call trace are taken from there.
 */
static bool find_kerror(const struct text *t, struct kerror *e)
{
	size_t i, j, end, trace = 0;
	char lr[SYM_MAX] = "";
	const struct sig *s = NULL, *first;
	const char *msg, *slug, *orig_msg, *orig_slug;
	int poison = 0;

	for (i = 0; i < t->nr && !s; i++)
		s = match_line(t->line[i], &e->msg, &e->slug);
	if (!s)
		return false;
	first = s;
	i--;
	orig_msg = e->msg;
	orig_slug = e->slug;
	end = i + BLOCK_MAX_LINES < t->nr ? i + BLOCK_MAX_LINES : t->nr;
	for (j = i + 1; j < end; j++) {
		if (starts(msg_of(t->line[j]), "---[ end trace")) {
			end = j + 1;
			break;
		}
		s = match_line(t->line[j], &msg, &slug);
		if (!s || (s->flags & SIG_CONT))
			continue;
		/*
		 * "refcount_t: underflow; use-after-free." and its WARNING
		 * are one report, in either order (older kernels print the
		 * WARNING first).
		 */
		if (j <= i + LEAD_LINES && (s->flags & SIG_LEAD) &&
		    !(first->flags & SIG_LEAD)) {
			e->msg = msg;
			e->slug = slug;
			first = s;
			continue;
		}
		if (j <= i + LEAD_LINES && (first->flags & SIG_LEAD) &&
		    (strcmp(slug, "warning") == 0 ||
		     strcmp(slug, "kernel-bug") == 0 ||
		     strcmp(slug, e->slug) == 0))
			continue;
		end = j;
		break;
	}

	e->func[0] = '\0';
	e->extra[0] = '\0';
	e->fp[0] = '\0';
	/* A WARNING that a refcount or list report made names its caller. */
	if (!func_from_report(e->msg, e->slug, e->func))
		func_from_report(orig_msg, orig_slug, e->func);
	for (j = i; j < end; j++) {
		msg = msg_of(t->line[j]);
		if (!e->func[0] && !func_from_trace_only(e->slug))
			func_from_regs(msg, e->func);
		if (!lr[0] && starts(msg, "lr : "))
			parse_sym(msg + 5, lr);
		if (!poison)
			poison = poison_in(t->line[j]);
		if (!trace && (starts(msg, "Call Trace:") ||
			       starts(msg, "Call trace:") ||
			       starts(msg + strspn(msg, " "), "backtrace")))
			trace = j;
	}
	if (func_from_trace_only(e->slug))
		e->func[0] = '\0';
	/*
	 * arm64: a generic helper at pc is a leaf whose caller is in lr, and
	 * the frame-pointer trace skips that caller (fuse_evict_inode calling
	 * __refcount_sub_and_test shows as evict in the trace).
	 */
	if (e->func[0] && is_helper_frame(e->func) && lr[0] &&
	    !is_helper_frame(lr))
		strcpy(e->func, lr);
	if (poison)
		sprintf(e->extra, "; slub-poison 0x%x", poison);
	if (trace)
		read_trace(t, trace, end, e);
	return true;
}

/* Trim a log line for DETAIL: one line, printable, at most max bytes. */
static void print_clean(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	for (i = 0; i < n && i < max; i++) {
		unsigned char c = s[i];

		putchar(c == '\t' ? ' ' : (c < 0x20 || c > 0x7e) ? '?' : c);
	}
	if (n > max)
		fputs("...", stdout);
}

static void print_verdict(const char *test, const char *slug,
			  const char *func, const char *line,
			  const char *extra, const char *fp)
{
	printf("%s\t%s\t%s\t%s\t", test, slug ? "FAIL" : "PASS",
	       slug ? slug : "-", func && *func ? func : "-");
	print_clean(line, DETAIL_LINE_MAX);
	fputs(extra ? extra : "", stdout);
	printf("\t%s\n", fp && *fp ? fp : "-");
}

/* A printk prefix with a timestamp ("[ 2.3]", "<4>[ 2.3]") at p? */
static bool stamp_with_time(const char *p)
{
	if (p[0] == '<' && isdigit((unsigned char)p[1])) {
		const char *q = p + 1 + strspn(p + 1, "0123456789");

		if (*q != '>' || q - p > 4)
			return false;
		p = q + 1 + (q[1] == ' ');
	}
	return skip_time(p) != NULL;
}

/*
 * The guest's own lines: a kernel message printed into the middle of a
 * guest line ("ok 1 mem[    3.1] random: crng init done\nfd_fuse") is cut
 * out and the two halves joined again, so that an unlucky interleaving
 * cannot hide a result line or "# guest-done".  Lines that start with a
 * printk prefix are the kernel's and are left out.
 */
static void guest_view(const struct text *t, struct text *g)
{
	size_t i, total = 1;
	char *w;

	for (i = 0; i < t->nr; i++)
		total += strlen(t->line[i]) + 1;
	g->buf = malloc(total);
	g->line = malloc((t->nr + 1) * sizeof(*g->line));
	if (!g->buf || !g->line)
		fatal("out of memory reading the log");
	g->nr = 0;
	w = g->buf;
	for (i = 0; i < t->nr; i++) {
		const char *l = t->line[i], *p;
		size_t k;

		if (stamp_with_time(l))
			continue;
		for (p = *l ? l + 1 : l; *p; p++)
			if ((*p == '[' || *p == '<') && stamp_with_time(p))
				break;
		k = *p ? (size_t)(p - l) : strlen(l);
		g->line[g->nr++] = w;
		memcpy(w, l, k);
		w += k;
		if (*p && i + 1 < t->nr && !stamp_with_time(t->line[i + 1])) {
			k = strlen(t->line[++i]);
			memcpy(w, t->line[i], k);
			w += k;
		}
		*w++ = '\0';
	}
}

/* Test results, from worst to best. */
enum result { RES_FAIL, RES_SKIP, RES_PASS };

/*
 * The result line "ok N TEST", "ok N TEST # SKIP why" or "not ok N TEST #
 * reason", or NULL.  The worst wins, so that a repeated test is never
 * reported better than its worst run.
 */
static const char *find_result(const struct text *t, const char *test,
			       enum result *res)
{
	size_t i, len = strlen(test);
	const char *found = NULL;

	*res = RES_FAIL;
	for (i = 0; i < t->nr; i++) {
		const char *p = t->line[i];
		bool pass = starts(p, "ok ");
		enum result r = RES_FAIL;

		if (!pass && !starts(p, "not ok "))
			continue;
		p += pass ? 3 : 7;
		if (!isdigit((unsigned char)*p))
			continue;
		p += strspn(p, "0123456789");
		if (*p++ != ' ' || strncmp(p, test, len) != 0 ||
		    (p[len] && p[len] != ' ' && p[len] != '#'))
			continue;
		if (pass) {
			p += len + strspn(p + len, " \t");
			r = RES_PASS;
			if (*p == '#') {
				p += 1 + strspn(p + 1, " \t");
				if (strncasecmp(p, "SKIP", 4) == 0 &&
				    !is_sym_char(p[4]))
					r = RES_SKIP;
			}
		}
		if (!found || r < *res) {
			found = t->line[i];
			*res = r;
		}
	}
	return found;
}

static bool guest_done(const struct text *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (starts(t->line[i], "# guest-done") &&
		    t->line[i][strspn(t->line[i] + 12, " \t") + 12] == '\0')
			return true;
	return false;
}

static const char *first_violation(const struct text *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (starts(t->line[i], "violation "))
			return t->line[i];
	return NULL;
}

/* Verdict for one test; returns true if it passed. */
static bool judge(const struct text *guest, const char *test, bool done,
		  const struct kerror *ke, const char *violation)
{
	const char *res, *why;
	enum result r;

	if (ke) {
		print_verdict(test, ke->slug, ke->func, ke->msg, ke->extra,
			      ke->fp);
		return false;
	}
	if (violation) {
		print_verdict(test, "fuse-protocol-violation", NULL, violation,
			      NULL, NULL);
		return false;
	}
	res = find_result(guest, test, &r);
	if (!res) {
		print_verdict(test, "no-result", NULL, done ?
			      "no result line: guest crashed or hung" :
			      "no result line and no '# guest-done': guest crashed or hung",
			      NULL, NULL);
		return false;
	}
	if (r != RES_PASS) {
		why = strchr(res, '#');
		print_verdict(test, r == RES_SKIP ? "test-skipped" :
			      "test-failed", NULL, why ? why + 1 : res, NULL,
			      NULL);
		return false;
	}
	if (!done) {
		print_verdict(test, "no-completion", NULL,
			      "no '# guest-done': guest did not finish the run",
			      NULL, NULL);
		return false;
	}
	print_verdict(test, NULL, NULL, res, NULL, NULL);
	return true;
}

#ifndef ORACLE_NO_MAIN
/* --ktap: the guest's own KTAP result for test, nothing else. */
static void print_ktap(const struct text *guest, const char *test)
{
	static const char *const name[] = { "not ok", "skip", "ok" };
	enum result r;

	printf("%s\t%s\n", test, find_result(guest, test, &r) ? name[r] :
	       "none");
}

static void help(void)
{
	printf("usage: %s [--violations FILE] [--ktap] LOG TEST...\n"
	       "For each TEST, one line: TEST, PASS or FAIL, signature, kernel function,\n"
	       "detail, crash fingerprint; separated by tabs.  With --ktap, only the\n"
	       "guest's KTAP result per TEST: ok, not ok, skip or none.\n"
	       "Exit 0 if all passed (always with --ktap), 1 if not, 2 on error.\n",
	       prog);
}

int main(int argc, char **argv)
{
	const char *violations_path = NULL, *violation = NULL;
	struct text log, guest, violations;
	struct kerror ke;
	bool done, have_ke, all_pass = true, ktap = false;
	int i = 1, t;

	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			help();
			return 0;
		}
		if (strcmp(argv[i], "--violations") == 0 && i + 1 < argc) {
			violations_path = argv[i + 1];
			i += 2;
			continue;
		}
		if (strcmp(argv[i], "--violations") == 0)
			fatal("--violations needs a FILE; see --help");
		if (strcmp(argv[i], "--ktap") == 0) {
			ktap = true;
			i++;
			continue;
		}
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		fatal("unknown option '%s'; see --help", argv[i]);
	}
	if (argc - i < 2)
		fatal("need a LOG and at least one TEST name; see --help");
	for (t = i + 1; t < argc; t++)
		if (!argv[t][0] || strpbrk(argv[t], " \t\n#"))
			fatal("bad TEST name '%s': blanks and '#' cannot be in a KTAP name",
			      argv[t]);

	read_text(argv[i], &log);
	if (violations_path) {
		read_text(violations_path, &violations);
		violation = first_violation(&violations);
	}
	have_ke = find_kerror(&log, &ke);
	guest_view(&log, &guest);
	done = guest_done(&guest);
	for (t = i + 1; t < argc; t++) {
		if (ktap) {
			print_ktap(&guest, argv[t]);
			continue;
		}
		all_pass &= judge(&guest, argv[t], done, have_ke ? &ke : NULL,
				  violation);
	}
	free_text(&guest);
	if (violations_path)
		free_text(&violations);
	free_text(&log);
	if (fflush(stdout) || ferror(stdout))
		fatal("cannot write the verdicts: %s", strerror(errno));
	return all_pass ? 0 : 1;
}
#endif /* ORACLE_NO_MAIN */
