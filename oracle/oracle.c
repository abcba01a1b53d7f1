// SPDX-License-Identifier: GPL-2.0
/*
 * oracle - decide from a guest's serial log whether each test passed.
 *
 *	oracle [--violations FILE] LOG TEST...
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
 *	TEST <TAB> PASS|FAIL <TAB> SIGNATURE <TAB> FUNCTION <TAB> DETAIL
 * Exit 0 if every TEST passed, 1 if any failed, 2 on a usage or I/O error.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
};

struct sig {
	const char *prefix;
	const char *also;	/* must also appear in the line, if set */
	const char *slug;	/* NULL: a SLUB report, slug from its reason */
	/*
	 * Printed by the kernel as part of a report already started (the
	 * "Oops:" after "BUG: unable to handle page fault", the panic after
	 * an oops), so it does not end that report's block.
	 */
	bool cont;
};

/*
 * Kernel error reports, tried in this order at the start of each kernel
 * message.  Specific ones come first so that a line such as "BUG: unable
 * to handle page fault" is not reported as the generic "BUG:".
 */
static const struct sig sigs[] = {
	{ "general protection fault", NULL, "general-protection-fault", false },
	{ "segment-related general protection fault", NULL,
	  "general-protection-fault", false },
	{ "stack segment: ", NULL, "stack-segment", false },
	{ "Unable to handle kernel paging request", NULL, "paging-request",
	  false },
	{ "Unable to handle kernel NULL pointer dereference", NULL,
	  "null-deref", false },
	{ "BUG: kernel NULL pointer dereference", NULL, "null-deref", false },
	{ "BUG: unable to handle page fault", NULL, "page-fault", false },
	{ "BUG: KASAN: ", NULL, "kasan", false },
	{ "watchdog: BUG: soft lockup", NULL, "soft-lockup", false },
	{ "INFO: task ", " blocked for more than ", "hung-task", false },
	{ "rcu: INFO: rcu_", " stall", "rcu-stall", false },
	{ "BUG ", "): ", NULL, false },
	{ "WARNING: ", NULL, "warning", false },
	{ "kernel BUG at ", NULL, "bug", false },
	{ "BUG: ", NULL, "bug", false },
	{ "Internal error: ", NULL, "oops", true },
	{ "Oops", NULL, "oops", true },
	{ "invalid opcode: ", NULL, "oops", true },
	{ "Kernel panic - not syncing", NULL, "panic", true },
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

/*
 * Drop what a serial console adds around the text: CR of CRLF, NUL bytes
 * (line noise while the UART comes up) and ANSI escape sequences (colour
 * from firmware or a test).  Returns the new length.
 */
static size_t sanitize(char *buf, size_t len)
{
	size_t r, w = 0;

	for (r = 0; r < len; r++) {
		unsigned char c = buf[r];

		if (c == '\0' || c == '\r')
			continue;
		if (c != 0x1b) {
			buf[w++] = c;
			continue;
		}
		if (r + 1 < len && buf[r + 1] == '[') {
			/* CSI: parameter and intermediate bytes, one final. */
			r += 2;
			while (r < len && buf[r] >= 0x20 && buf[r] <= 0x3f)
				r++;
			if (!(r < len && buf[r] >= 0x40 && buf[r] <= 0x7e))
				r--;
		} else if (r + 1 < len && buf[r + 1] >= 0x40 &&
			   buf[r + 1] <= 0x5f) {
			r++;
		}
	}
	return w;
}

/* Read a whole file and split it into NUL-terminated lines. */
static void read_text(const char *path, struct text *t)
{
	size_t len = 0, cap = 65536, n, i;
	FILE *f = fopen(path, "rb");
	char *p;

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
	len = sanitize(t->buf, len);
	t->buf[len] = '\0';

	n = 1;
	for (i = 0; i < len; i++)
		n += t->buf[i] == '\n';
	t->line = malloc(n * sizeof(*t->line));
	if (!t->line)
		fatal("out of memory reading %s", path);
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

/*
 * If s is a printk timestamp "[    2.345678]", optionally followed by a
 * CONFIG_PRINTK_CALLER "[    T1]", return what follows it, else NULL.
 */
static const char *skip_stamp(const char *s)
{
	const char *p = s;

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
	if (*p++ != ']')
		return NULL;
	if (p[0] == '[') {
		const char *q = p + 1;

		while (*q == ' ')
			q++;
		if (*q == 'T' || *q == 'C') {
			q++;
			while (isdigit((unsigned char)*q))
				q++;
			if (*q == ']')
				p = q + 1;
		}
	}
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

static const struct sig *match_at(const char *msg, const char **slug)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sigs); i++) {
		const struct sig *s = &sigs[i];

		if (!starts(msg, s->prefix))
			continue;
		if (s->also && !strstr(msg, s->also))
			continue;
		*slug = s->slug ? s->slug : slub_slug(msg);
		if (*slug)
			return s;
	}
	return NULL;
}

/*
 * Find a kernel error report in a line.  Besides the start of the line,
 * a report may begin after any timestamp inside it: the kernel writes to
 * the console in the middle of a half-printed line of the guest.  Without
 * timestamps only the start of a line can be trusted, as test output may
 * quote such words.
 */
static const struct sig *match_line(const char *line, const char **msg,
				    const char **slug)
{
	const struct sig *s;
	const char *p;

	*msg = msg_of(line);
	s = match_at(*msg, slug);
	if (s)
		return s;
	for (p = strchr(*msg, '['); p; p = strchr(p + 1, '[')) {
		const char *m = skip_stamp(p);

		if (m) {
			s = match_at(m, slug);
			if (s) {
				*msg = m;
				return s;
			}
		}
	}
	return NULL;
}

static bool is_sym_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '$';
}

/*
 * Parse "func+0x61/0x150" (as printed by %pS) at s into out.  Raw
 * addresses such as a user-space "RIP: 0033:0x7f..." are not symbols.
 */
static bool parse_sym(const char *s, char *out)
{
	size_t n = 0;

	while (is_sym_char(s[n]) && n < SYM_MAX - 1)
		n++;
	if (n == 0 || !starts(s + n, "+0x"))
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

/* x86 "RIP: 0010:func+0x61/0x150 [fuse]", arm64 "pc : func+0x44/0xd0". */
static bool func_from_regs(const char *msg, char *out)
{
	const char *p;

	if (starts(msg, "pc : "))
		return parse_sym(msg + 5, out);
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

static bool is_reporter_frame(const char *func)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(reporter_frames); i++)
		if (starts(func, reporter_frames[i]))
			return true;
	return false;
}

/*
 * Read the call trace starting after line t and append "; path: a <- b"
 * to e->extra.  The path is the first frames, extended to the first
 * fuse or evict frame when that is near: on small arm64 builds the pc is
 * often a helper such as __refcount_sub_and_test that fuse code inlined
 * or tail-called, and the fuse frame is what tells which bug this is.
 * Without a function from the registers, the fuse frame names FUNCTION.
 */
static void read_trace(const struct text *t, size_t t0, size_t end,
		       struct kerror *e)
{
	char path[PATH_FRAMES_MAX][SYM_MAX], sym[SYM_MAX], fuse[SYM_MAX] = "";
	size_t n = 0, len, i, fuse_at = PATH_FRAMES_MAX;
	bool in_block = false, unreliable;

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
			 */
			if (in_block)
				continue;
			break;
		}
		if (unreliable || is_reporter_frame(sym))
			continue;
		if (!fuse[0] && is_fuse_frame(sym)) {
			strcpy(fuse, sym);
			fuse_at = n;
		}
		if (n < PATH_FRAMES_MAX)
			strcpy(path[n++], sym);
	}
	if (!e->func[0] && fuse[0])
		strcpy(e->func, fuse);
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
	const struct sig *s = NULL;
	const char *msg, *slug;
	int poison = 0;

	for (i = 0; i < t->nr && !s; i++)
		s = match_line(t->line[i], &e->msg, &e->slug);
	if (!s)
		return false;
	i--;
	end = i + BLOCK_MAX_LINES < t->nr ? i + BLOCK_MAX_LINES : t->nr;
	for (j = i + 1; j < end; j++) {
		if (starts(msg_of(t->line[j]), "---[ end trace")) {
			end = j + 1;
			break;
		}
		s = match_line(t->line[j], &msg, &slug);
		if (s && !s->cont) {
			end = j;
			break;
		}
	}

	e->func[0] = '\0';
	e->extra[0] = '\0';
	func_from_report(e->msg, e->slug, e->func);
	for (j = i; j < end; j++) {
		msg = msg_of(t->line[j]);
		if (!e->func[0])
			func_from_regs(msg, e->func);
		if (!poison)
			poison = poison_in(t->line[j]);
		if (!trace && (starts(msg, "Call Trace:") ||
			       starts(msg, "Call trace:")))
			trace = j;
	}
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
			  const char *extra)
{
	printf("%s\t%s\t%s\t%s\t", test, slug ? "FAIL" : "PASS",
	       slug ? slug : "-", func && *func ? func : "-");
	print_clean(line, DETAIL_LINE_MAX);
	fputs(extra ? extra : "", stdout);
	putchar('\n');
}

/*
 * The result line "ok N TEST" or "not ok N TEST # reason", or NULL.  A
 * "not ok" wins over an "ok" so that a repeated test is never reported
 * better than its worst run.
 */
static const char *find_result(const struct text *t, const char *test,
			       bool *ok)
{
	size_t i, len = strlen(test);
	const char *found = NULL;

	*ok = false;
	for (i = 0; i < t->nr; i++) {
		const char *p = t->line[i];
		bool pass = starts(p, "ok ");

		if (!pass && !starts(p, "not ok "))
			continue;
		p += pass ? 3 : 7;
		if (!isdigit((unsigned char)*p))
			continue;
		p += strspn(p, "0123456789");
		if (*p++ != ' ' || strncmp(p, test, len) != 0 ||
		    (p[len] && p[len] != ' ' && p[len] != '#'))
			continue;
		if (!found || (*ok && !pass)) {
			found = t->line[i];
			*ok = pass;
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
static bool judge(const struct text *log, const char *test, bool done,
		  const struct kerror *ke, const char *violation)
{
	const char *res, *why;
	bool ok;

	if (ke) {
		print_verdict(test, ke->slug, ke->func, ke->msg, ke->extra);
		return false;
	}
	if (violation) {
		print_verdict(test, "fuse-protocol-violation", NULL, violation,
			      NULL);
		return false;
	}
	res = find_result(log, test, &ok);
	if (!res) {
		print_verdict(test, "no-result", NULL, done ?
			      "no result line: guest crashed or hung" :
			      "no result line and no '# guest-done': guest crashed or hung",
			      NULL);
		return false;
	}
	if (!ok) {
		why = strchr(res, '#');
		print_verdict(test, "test-failed", NULL,
			      why ? why + 1 : res, NULL);
		return false;
	}
	if (!done) {
		print_verdict(test, "no-completion", NULL,
			      "no '# guest-done': guest did not finish the run",
			      NULL);
		return false;
	}
	print_verdict(test, NULL, NULL, res, NULL);
	return true;
}

static void help(void)
{
	printf("usage: %s [--violations FILE] LOG TEST...\n"
	       "For each TEST, one line: TEST, PASS or FAIL, signature, kernel function,\n"
	       "detail; separated by tabs.  Exit 0 if all passed, 1 if not, 2 on error.\n",
	       prog);
}

int main(int argc, char **argv)
{
	const char *violations_path = NULL, *violation = NULL;
	struct text log, violations;
	struct kerror ke;
	bool done, have_ke, all_pass = true;
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
	done = guest_done(&log);
	for (t = i + 1; t < argc; t++)
		all_pass &= judge(&log, argv[t], done, have_ke ? &ke : NULL,
				  violation);
	if (violations_path)
		free_text(&violations);
	free_text(&log);
	if (fflush(stdout) || ferror(stdout))
		fatal("cannot write the verdicts: %s", strerror(errno));
	return all_pass ? 0 : 1;
}
