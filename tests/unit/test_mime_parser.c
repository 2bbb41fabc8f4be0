/*
 * Streaming MIME parser: RFC 2046 rules, tolerated defects, limits, and
 * the same event log whatever the chunking (whole, every split, byte by
 * byte, smallest scratch area). Expected bodies are worked out by hand
 * from the encodings (or with Python's binascii for uuencode).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <time.h>

#include "libmail/mime.h"
#include "test.h"

/* ---- event log --------------------------------------------------------- */

typedef struct {
	char *s;
	size_t n, cap;
	int in_body;           /* consecutive BODY events are merged */
} logbuf;

static void
lput(logbuf *l, const void *p, size_t n)
{
	if (l->n + n + 1 > l->cap) {
		while (l->n + n + 1 > l->cap)
			l->cap = l->cap ? 2 * l->cap : 1024;
		l->s = realloc(l->s, l->cap);
		if (l->s == NULL)
			abort();
	}
	memcpy(l->s + l->n, p, n);
	l->n += n;
	l->s[l->n] = '\0';
}

static void
lstr(logbuf *l, const char *s)
{
	lput(l, s, strlen(s));
}

static void
lesc(logbuf *l, const unsigned char *p, size_t n)
{
	size_t i;
	char tmp[8];

	for (i = 0; i < n; i++) {
		if (p[i] >= 32 && p[i] < 127 && p[i] != '\\')
			lput(l, p + i, 1);
		else {
			snprintf(tmp, sizeof tmp, "\\x%02x", p[i]);
			lstr(l, tmp);
		}
	}
}

static void
log_event(logbuf *l, const lm_mime_event *ev)
{
	char tmp[512];

	if (ev->type != LM_MIME_EV_BODY && l->in_body) {
		lstr(l, "\n");
		l->in_body = 0;
	}
	switch (ev->type) {
	case LM_MIME_EV_PART_BEGIN:
		snprintf(tmp, sizeof tmp, "B [%s] %u\n", ev->path, ev->depth);
		break;
	case LM_MIME_EV_HEADER:
		lstr(l, "H ");
		lesc(l, ev->name.p, ev->name.len);
		lstr(l, ": ");
		lesc(l, ev->value.p, ev->value.len);
		lstr(l, "\n");
		return;
	case LM_MIME_EV_HEADERS_END:
		snprintf(tmp, sizeof tmp, "E [%s] %u %s/%s kind=%d cte=%d cs=%s fn=%s b=%s\n",
		         ev->path, ev->depth, ev->part->type, ev->part->subtype,
		         (int)ev->part->kind, (int)ev->part->cte, ev->part->charset,
		         ev->part->filename, ev->part->boundary);
		break;
	case LM_MIME_EV_BODY:
		if (!l->in_body) {
			snprintf(tmp, sizeof tmp, "D%d [%s] ", ev->body, ev->path);
			lstr(l, tmp);
			l->in_body = 1;
		}
		lesc(l, ev->data.p, ev->data.len);
		return;
	case LM_MIME_EV_PART_END:
		snprintf(tmp, sizeof tmp, "X [%s] %u defects=%08x\n", ev->path, ev->depth,
		         ev->defects);
		break;
	case LM_MIME_EV_MESSAGE_END:
		snprintf(tmp, sizeof tmp, "M\n");
		break;
	default:
		snprintf(tmp, sizeof tmp, "?\n");
		break;
	}
	lstr(l, tmp);
}

/* Parse data fed in pieces of `chunk` bytes (0: whole) with a scratch
 * area of `scratch` bytes (0: the default). Returns the event log
 * (caller frees) and checks the protocol of the API on the way. */
static char *
run(const lm_mime_parser_opts *o, const void *data, size_t len, size_t chunk,
    size_t scratch, size_t *nevents)
{
	lm_mime_parser p;
	lm_mime_event ev;
	logbuf l = { 0 };
	const unsigned char *d = data;
	unsigned char *s;
	size_t off = 0, used, cnt = 0;
	int r, done = 0;

	if (scratch == 0)
		scratch = LM_MIME_PARSER_SCRATCH_DEFAULT;
	s = malloc(scratch);
	LM_CHECK(s != NULL);
	r = lm_mime_parser_init(&p, o, s, scratch);
	LM_CHECK_EQ(r, 0);
	if (chunk == 0)
		chunk = len ? len : 1;
	while (!done) {
		if (off < len) {
			size_t piece = len - off < chunk ? len - off : chunk;
			LM_CHECK_EQ(lm_mime_parser_feed(&p, d + off, piece, &used), 0);
			off += used;
			if (off == len)
				LM_CHECK_EQ(lm_mime_parser_end(&p), 0);
		} else if (len == 0 && off == 0) {
			LM_CHECK_EQ(lm_mime_parser_end(&p), 0);
			off = 1;
			len = 0;
		}
		for (;;) {
			r = lm_mime_parser_next(&p, &ev);
			if (r != LM_EVENT)
				break;
			cnt++;
			log_event(&l, &ev);
		}
		if (r == LM_DONE)
			done = 1;
		else if (r != LM_WANT_READ) {
			LM_CHECK(0 && "unexpected return from next");
			break;
		} else if (off >= len && (len > 0 || off > 0)) {
			LM_CHECK(0 && "WANT_READ after end");
			break;
		}
	}
	lm_mime_parser_free(&p);
	free(s);
	if (nevents != NULL)
		*nevents = cnt;
	if (l.s == NULL)
		lstr(&l, "");
	return l.s;
}

static char *
run_str(const lm_mime_parser_opts *o, const char *msg)
{
	return run(o, msg, strlen(msg), 0, 0, NULL);
}

static int
has(const char *log, const char *needle)
{
	if (strstr(log, needle) != NULL)
		return 1;
	printf("  missing in log: %s\n  log was:\n%.1500s\n", needle, log);
	return 0;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* ---- RFC 2046 rules ---------------------------------------------------- */

static void
t_single_part(void)
{
	char *l = run_str(NULL, "Subject: hi\r\n there\r\nFrom: a@b\r\n\r\nbody\r\nline 2\r\n");
	LM_CHECK(has(l, "B [] 0\nH Subject: hi there\nH From: a@b\nE [1] 0 text/plain"));
	LM_CHECK(has(l, "D0 [1] body\\x0d\\x0aline 2\\x0d\\x0a\nX [1] 0 defects=00000000\nM\n"));
	free(l);
}

static void
t_raw_and_unfolded(void)
{
	lm_mime_parser p;
	lm_mime_event ev;
	static unsigned char s[LM_MIME_PARSER_SCRATCH_DEFAULT];
	const char *m = "X-Long: one\r\n\ttwo  \r\n\r\n";
	size_t used;

	LM_CHECK_EQ(lm_mime_parser_init(&p, NULL, s, sizeof s), 0);
	LM_CHECK_EQ(lm_mime_parser_feed(&p, m, strlen(m), &used), 0);
	LM_CHECK_EQ(lm_mime_parser_end(&p), 0);
	LM_CHECK_EQ(lm_mime_parser_next(&p, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_MIME_EV_PART_BEGIN);
	LM_CHECK_EQ(lm_mime_parser_next(&p, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_MIME_EV_HEADER);
	LM_CHECK_STRN(ev.name.p, ev.name.len, "X-Long");
	LM_CHECK_STRN(ev.raw.p, ev.raw.len, " one\r\n\ttwo  ");
	LM_CHECK_STRN(ev.value.p, ev.value.len, "one\ttwo");
}

static void
t_preamble_epilogue(void)
{
	const char *m = "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	                "pre\r\namble\r\n--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n\r\n--b--\r\nepi\r\nlogue\r\n";
	lm_mime_parser_opts o = LM_MIME_PARSER_OPTS_INIT;
	char *l;

	o.flags = LM_MIME_PARSE_PREAMBLE;
	l = run_str(&o, m);
	/* the CRLF before each delimiter belongs to the delimiter */
	LM_CHECK(has(l, "D1 [] pre\\x0d\\x0aamble\n"));
	LM_CHECK(has(l, "D0 [1] one\nX [1]"));
	LM_CHECK(has(l, "D0 [2] two\\x0d\\x0a\nX [2]"));
	LM_CHECK(has(l, "D2 [] epi\\x0d\\x0alogue\\x0d\\x0a\nX [] 0 defects=00100000\nM\n"));
	free(l);
	l = run_str(NULL, m);   /* default: skipped */
	LM_CHECK(strstr(l, "D1") == NULL && strstr(l, "D2") == NULL);
	free(l);
}

static void
t_boundary_trailing_space(void)
{
	char *l = run_str(NULL, "Content-Type: multipart/mixed; boundary=\"a b\"\n\n"
	                  "--a b \t\n\nx\n--a b  \n\ny\n--a b-- \n");
	LM_CHECK(has(l, "D0 [1] x\nX [1]"));
	LM_CHECK(has(l, "D0 [2] y\nX [2] 1 defects=00000000\nX [] 0 defects=00100000"));
	free(l);
	/* a delimiter followed by other text is not a delimiter */
	l = run_str(NULL, "Content-Type: multipart/mixed; boundary=a\n\n--a\n\nx\n--ab\n--a--\n");
	LM_CHECK(has(l, "D0 [1] x\\x0a--ab\nX [1]"));
	free(l);
}

/* A boundary holding a NUL byte (RFC 2231 %00, or raw inside quotes):
 * info.boundary is a C string and would show "ab" while the delimiters
 * were matched against "ab\0cd". Such a multipart has no usable
 * boundary: a leaf with LM_MIME_DEF_NO_BOUNDARY, in the event stream
 * and in the tree. */
static void
t_boundary_nul(void)
{
	static const char pct[] = "MIME-Version: 1.0\n"
	                          "Content-Type: multipart/mixed; boundary*=ab%00cd\n\n"
	                          "--ab\0cd\n\nx\n--ab\n\ny\n--ab\0cd--\n";
	static const char raw[] = "MIME-Version: 1.0\n"
	                          "Content-Type: multipart/mixed; boundary=\"ab\0cd\"\n\n"
	                          "--ab\0cd\n\nx\n--ab\0cd--\n";
	lm_mime_tree t;
	char *l;

	/* 0x100: LM_MIME_DEF_PARAM_2231, an extended value without the
	 * charset'lang' prefix */
	l = run(NULL, pct, sizeof pct - 1, 0, 0, NULL);
	LM_CHECK(has(l, "E [1] 0 multipart/mixed kind=0 cte=0 cs= fn= b=\n"));
	LM_CHECK(has(l, "D0 [1] --ab\\x00cd\\x0a\\x0ax\\x0a--ab\\x0a\\x0ay\\x0a--ab\\x00cd--\\x0a\n"
	             "X [1] 0 defects=00200100\nM\n"));
	free(l);
	/* every split gives the same */
	l = run(NULL, pct, sizeof pct - 1, 1, 0, NULL);
	LM_CHECK(has(l, "X [1] 0 defects=00200100\nM\n"));
	free(l);
	l = run(NULL, raw, sizeof raw - 1, 0, 0, NULL);
	LM_CHECK(has(l, "E [1] 0 multipart/mixed kind=0 cte=0 cs= fn= b=\n"));
	LM_CHECK(has(l, "X [1] 0 defects=80200000\nM\n"));
	free(l);
	LM_CHECK_EQ(lm_mime_tree_parse(NULL, pct, sizeof pct - 1, &t), 0);
	LM_CHECK(t.root != NULL && t.root->info.kind == LM_MIME_KIND_LEAF &&
	         t.root->first_child == NULL && t.root->info.boundary[0] == '\0' &&
	         (t.root->defects & LM_MIME_DEF_NO_BOUNDARY));
	lm_mime_tree_free(&t);
}

static void
t_prefix_boundaries(void)
{
	/* inner "b1" is longer than outer "b": "--b1" lines belong to the
	 * inner one, "--b" closes the (unterminated) inner multipart */
	size_t n;
	char *m = read_file("tests/data/mime/prefix-boundaries.eml", &n);
	char *l;

	LM_CHECK(m != NULL);
	if (m == NULL)
		return;
	l = run(NULL, m, n, 0, 0, NULL);
	LM_CHECK(has(l, "D0 [1.1] inner part, never closed\nX [1.1] 2 defects=00000000\n"
	             "X [1] 1 defects=00800000\n"));
	LM_CHECK(has(l, "D0 [2] second outer\nX [2]"));
	free(l);
	free(m);
	/* the other way round: inner "b" is a prefix of outer "bb" */
	l = run_str(NULL, "Content-Type: multipart/mixed; boundary=bb\n\n--bb\n"
	            "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nin\n--bb\n\nout\n--bb--\n");
	LM_CHECK(has(l, "D0 [1.1] in\nX [1.1] 2 defects=00000000\nX [1] 1 defects=00800000\n"));
	LM_CHECK(has(l, "D0 [2] out\nX [2]"));
	free(l);
}

static void
t_missing_final_boundary(void)
{
	char *l = run_str(NULL, "Content-Type: multipart/mixed; boundary=q\n\n--q\n\nlast\n");
	/* no delimiter follows, so the line end is content */
	LM_CHECK(has(l, "D0 [1] last\\x0a\nX [1] 1 defects=00000000\nX [] 0 defects=00900000\nM\n"));
	free(l);
	l = run_str(NULL, "Content-Type: multipart/mixed; boundary=q\n\nno delimiter at all\n");
	LM_CHECK(has(l, "X [] 0 defects=00d00000\nM\n"));
	free(l);
}

static void
t_message_rfc822_paths(void)
{
	size_t n;
	char *m = read_file("tests/data/mime/nested.eml", &n);
	char *l;

	LM_CHECK(m != NULL);
	if (m == NULL)
		return;
	l = run(NULL, m, n, 0, 0, NULL);
	LM_CHECK(has(l, "E [] 0 multipart/mixed kind=1"));
	LM_CHECK(has(l, "D0 [1] Caf\\xc3\\xa9 = ok\\x0d\\x0asoftbreak\nX [1] 1"));
	LM_CHECK(has(l, "E [2] 1 message/rfc822 kind=2"));
	LM_CHECK(has(l, "B [2] 2\n"));            /* the nested message */
	LM_CHECK(has(l, "E [2] 2 multipart/alternative kind=1"));
	LM_CHECK(has(l, "D0 [2.1] inner text\nX [2.1] 3"));
	LM_CHECK(has(l, "D0 [2.2] <p>inner</p>\nX [2.2] 3"));
	LM_CHECK(has(l, "E [3] 1 application/octet-stream kind=0 cte=3 cs= fn=data.bin"));
	LM_CHECK(has(l, "D0 [3] \\x00\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\\x09\\x0a\\x0b"
	             "\\x0c\\x0d\\x0e\\x0f\\x10\\x11\\x12\\x13\\x14\\x15\\x16\\x17\\x18\\x19"
	             "\\x1a\\x1b\\x1c\\x1d\\x1e\\x1f\nX [3]"));
	free(l);
	free(m);
	/* a nested message that is not multipart: its body is part "2.1" */
	l = run_str(NULL, "Content-Type: multipart/mixed; boundary=z\n\n--z\n\na\n--z\n"
	            "Content-Type: message/rfc822\n\nSubject: in\n\nbody\n--z--\n");
	LM_CHECK(has(l, "B [2] 2\nH Subject: in\nE [2.1] 2 text/plain"));
	LM_CHECK(has(l, "D0 [2.1] body\nX [2.1] 2"));
	free(l);
	/* message/global too */
	l = run_str(NULL, "Content-Type: message/global\n\nSubject: \xc3\xa9\n\nx\n");
	LM_CHECK(has(l, "E [1] 0 message/global kind=2"));
	LM_CHECK(has(l, "H Subject: \\xc3\\xa9\nE [1.1] 1"));
	free(l);
}

static void
t_bare_lf_and_uuencode(void)
{
	size_t n;
	char *m = read_file("tests/data/mime/lf-uuencode.eml", &n);
	char *l;

	LM_CHECK(m != NULL);
	if (m == NULL)
		return;
	l = run(NULL, m, n, 0, 0, NULL);
	LM_CHECK(has(l, "D0 [1] line1\\x0aline2\nX [1]"));
	/* binascii.b2a_uu(b"hello world\n") == b',:&5L;&\\@=V]R;&0*\n' */
	LM_CHECK(has(l, "D0 [2] hello world\\x0a\nX [2] 1 defects=00000000"));
	free(l);
	free(m);
}

static void
t_headers_without_body(void)
{
	char *l = run_str(NULL, "Subject: only\r\nFrom: x@y\r\n");
	LM_CHECK(has(l, "H Subject: only\nH From: x@y\nE [1] 0 text/plain"));
	LM_CHECK(has(l, "X [1] 0 defects=00000000\nM\n"));
	LM_CHECK(strstr(l, "D0") == NULL);
	free(l);
	l = run_str(NULL, "");
	LM_CHECK(has(l, "B [] 0\nE [1] 0 text/plain kind=0"));
	free(l);
}

static void
t_utf8_headers(void)
{
	size_t n;
	char *m = read_file("tests/data/mime/utf8-headers.eml", &n);
	char *l;

	LM_CHECK(m != NULL);
	if (m == NULL)
		return;
	l = run(NULL, m, n, 0, 0, NULL);
	LM_CHECK(has(l, "H Subject: Gr\\xc3\\xbc\\xc3\\x9fe \\xe6\\x97\\xa5\\xe6\\x9c\\xac\n"));
	/* RFC 2231 file name, percent-decoded */
	LM_CHECK(has(l, "fn=na\xc3\xafve.txt"));
	LM_CHECK(has(l, "D0 [1] b\\xc3\\xa9b\\xc3\\xa9\\x0d\\x0a\n"));
	free(l);
	free(m);
}

static void
t_rfc2231_continuations(void)
{
	char *l = run_str(NULL, "Content-Type: application/x; name*1=\"two\"; name*0=\"one-\"; "
	                  "name*2*=%41%42\n\nx");
	LM_CHECK(has(l, "fn=one-twoAB "));
	free(l);
	/* RFC 2047 inside a quoted file name (old mailers), and RFC 2231 with
	 * a charset: both come out as UTF-8 */
	l = run_str(NULL, "Content-Disposition: attachment; filename=\"=?utf-8?q?caf=C3=A9?=.txt\"\n\nx");
	LM_CHECK(has(l, "fn=caf\xc3\xa9.txt "));
	free(l);
	l = run_str(NULL, "Content-Disposition: attachment; filename*=iso-8859-1''caf%E9\n\nx");
	LM_CHECK(has(l, "fn=caf\xc3\xa9 "));
	free(l);
}

/* Each message cases[i][0] parsed whole: its log holds cases[i][1]. */
static void
logs_have(const char *const (*cases)[2], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *l = run_str(NULL, cases[i][0]);
		LM_CHECK(has(l, cases[i][1]));
		free(l);
	}
}

/* The parser reads parameters by lm_mime_param_get()'s rules: RFC 2231
 * sections written without ';' between them (as in RFC 2231 4.1's
 * example) are joined, a section number has no leading zero (RFC 2231
 * 3), and a ';' inside a comment starts no parameter (RFC 2045 5.1).
 * Its former finder of its own read all three otherwise. */
static void
t_param_rules(void)
{
	static const char *const cases[][2] = {
		{ "Content-Type: multipart/mixed;\n"
		  " boundary*0*=us-ascii'en'ab%2D\n boundary*1=cd\n\n--ab-cd\n\nx\n--ab-cd--\n",
		  "multipart/mixed kind=1 cte=0 cs= fn= b=ab-cd\nB [1] 1\nE [1] 1 text/plain" },
		{ "Content-Type: multipart/mixed; boundary*0=ab; boundary*01=cd\n\n"
		  "--ab\n\nx\n--ab--\n",
		  "multipart/mixed kind=1 cte=0 cs= fn= b=ab\nB [1] 1\nE [1] 1 text/plain" },
		{ "Content-Type: text/plain; format=flowed (; charset=koi8-r)\n\nx",
		  "E [1] 0 text/plain kind=0 cte=0 cs= fn=" },
		/* RFC 2045 5.1's own example: the comment is no part of the value */
		{ "Content-Type: text/plain; charset=us-ascii (Plain text)\n\nx",
		  "E [1] 0 text/plain kind=0 cte=0 cs=us-ascii fn=" },
		/* a ';' in a comment before the parameters starts none either:
		 * the parameters were read from inside it ("evil)", "bad.exe)")
		 * while every other reader sees utf-8 and good.txt */
		{ "Content-Type: text/plain (;charset=evil) ; charset=utf-8\n"
		  "Content-Disposition: attachment (;filename=bad.exe);filename=good.txt\n\nx",
		  "E [1] 0 text/plain kind=0 cte=0 cs=utf-8 fn=good.txt" },
		{ "Content-Type: text/plain \"x;charset=evil\" ; charset=utf-8\n\nx",
		  "E [1] 0 text/plain kind=0 cte=0 cs=utf-8 fn=" },
	};

	logs_have(cases, sizeof cases / sizeof cases[0]);
}

/* Malformed parameters are reported on the part whether or not the
 * name they spoil is one the parser reads: 0x80 is
 * LM_MIME_DEF_PARAM_SYNTAX, 0x100 LM_MIME_DEF_PARAM_2231. The values
 * that can be read still are. */
static void
t_param_defects(void)
{
	static const char *const cases[][2] = {
		/* unterminated quote in the charset */
		{ "MIME-Version: 1.0\n"
		  "Content-Type: text/plain; charset=\"utf-8\n\nx",
		  "cs=utf-8 fn= b=\nD0 [1] x\nX [1] 0 defects=00000080\n" },
		/* a parameter without '=' before the one read */
		{ "MIME-Version: 1.0\n"
		  "Content-Type: text/plain; format; charset=utf-8\n\nx",
		  "cs=utf-8 fn= b=\nD0 [1] x\nX [1] 0 defects=00000080\n" },
		/* boundary sections with a gap: the part up to it is used */
		{ "MIME-Version: 1.0\n"
		  "Content-Type: multipart/mixed; boundary*0=ab; boundary*2=cd\n\n"
		  "--ab\n\nx\n--ab--\n",
		  "b=ab\nB [1] 1\nE [1] 1 text/plain kind=0 cte=0 cs= fn= b=\n"
		  "D0 [1] x\nX [1] 1 defects=00000000\nX [] 0 defects=00000100\n" },
		/* Content-Disposition without a file name */
		{ "MIME-Version: 1.0\n"
		  "Content-Disposition: attachment; size=\n\nx",
		  "fn= b=\nD0 [1] x\nX [1] 0 defects=00000080\n" },
		/* well-formed: nothing */
		{ "MIME-Version: 1.0\n"
		  "Content-Type: text/plain; format=flowed; charset=utf-8\n"
		  "Content-Disposition: inline; filename=a.txt\n\nx",
		  "cs=utf-8 fn=a.txt b=\nD0 [1] x\nX [1] 0 defects=00000000\n" },
	};

	logs_have(cases, sizeof cases / sizeof cases[0]);
}

static void
t_digest_default(void)
{
	char *l = run_str(NULL, "Content-Type: multipart/digest; boundary=d\n\n--d\n\n"
	                  "Subject: m1\n\nhello\n--d--\n");
	LM_CHECK(has(l, "E [1] 1 message/rfc822 kind=2"));
	LM_CHECK(has(l, "H Subject: m1\nE [1.1] 2 text/plain"));
	free(l);
}

/* ---- tolerated defects -------------------------------------------------- */

static void
t_defects_broken(void)
{
	size_t n;
	char *m = read_file("tests/data/mime/broken.eml", &n);
	char *l;

	LM_CHECK(m != NULL);
	if (m == NULL)
		return;
	l = run(NULL, m, n, 0, 0, NULL);
	/* "aGVs*bG8=": '*' skipped */
	LM_CHECK(has(l, "D0 [1] hello\nX [1] 1 defects=01000000"));
	/* "a = b=\nc": lone '=' kept, soft break removed */
	LM_CHECK(has(l, "D0 [2] a = bc\nX [2] 1 defects=02000000"));
	/* multipart without boundary: a leaf */
	LM_CHECK(has(l, "E [3] 1 multipart/related kind=0"));
	LM_CHECK(has(l, "D0 [3] no boundary here\nX [3] 1 defects=00200000"));
	LM_CHECK(has(l, "D0 [4] unterminated last part\\x0a\nX [4]"));
	LM_CHECK(has(l, "X [] 0 defects=00900000\nM\n"));
	free(l);
	free(m);
}

static void
t_wrong_case(void)
{
	char *l = run_str(NULL, "CONTENT-TYPE: MULTIPART/MIXED; BOUNDARY=\"Xy\"\n"
	                  "mime-version: 1.0\n\n--Xy\ncontent-transfer-encoding: BASE64\n\naGk=\n--Xy--\n");
	LM_CHECK(has(l, "E [] 0 multipart/mixed kind=1 cte=0 cs= fn= b=Xy"));
	LM_CHECK(has(l, "D0 [1] hi\nX [1] 1 defects=00000000"));
	LM_CHECK(has(l, "X [] 0 defects=00000000\nM"));
	free(l);
}

/* The four fields that shape the structure are found by their whole
 * name in any case: a longer or shorter name, one letter off (at either
 * end, with the same length) or a bare "Content-" is an ordinary field. */
static void
t_structural_field_names(void)
{
	static const char *const alone[][2] = {
		{ "Content-: x\n\nbody", "X [1] 0 defects=00000000" },
		{ "content-x: x\n\nbody", "X [1] 0 defects=00100000" },
	};
	size_t i;
	char *l = run_str(NULL, "Content-Type-X: multipart/mixed; boundary=b\n"
	                  "Content-Typ: multipart/mixed; boundary=b\n"
	                  "Content-Typf: multipart/mixed; boundary=b\n"
	                  "Dontent-Type: multipart/mixed; boundary=b\n"
	                  "X-Content-Type: multipart/mixed; boundary=b\n"
	                  "Mime-Versioo: multipart/mixed; boundary=b\n"
	                  "Content-Transfer-Encoding-X: base64\n"
	                  "Content-Transfer-Encodinh: base64\n"
	                  "Content-Transfer-Encodin: base64\n"
	                  "Content-Dispositiom: attachment; filename=a\n"
	                  "Content-Dispositions: attachment; filename=a\n"
	                  "Content-: 1.0\n"
	                  "Mime-Version-X: 1.0\n"
	                  "Nime-Version: 1.0\n"
	                  "Mime-Versio: 1.0\n\n--b\n\naGk=\n");
	LM_CHECK(has(l, "E [1] 0 text/plain kind=0 cte=0 cs= fn= b=\n"));
	LM_CHECK(has(l, "D0 [1] --b\\x0a\\x0aaGk=\\x0a\nX [1] 0 defects=00100000\nM\n"));
	free(l);
	/* the real ones, in odd case */
	l = run_str(NULL, "cONTENT-tYPE: multipart/mixed; boundary=b\nmIME-vERSION: 1.0\n\n--b\n"
	            "CONTENT-DISPOSITION: attachment; filename=f\n"
	            "content-TRANSFER-encoding: base64\n\naGk=\n--b--\n");
	LM_CHECK(has(l, "E [] 0 multipart/mixed kind=1 cte=0 cs= fn= b=b\n"));
	LM_CHECK(has(l, "E [1] 1 text/plain kind=0 cte=3 cs= fn=f b=\n"));
	LM_CHECK(has(l, "D0 [1] hi\nX [1] 1 defects=00000000"));
	LM_CHECK(has(l, "X [] 0 defects=00000000\nM\n"));
	free(l);
	/* "Content-" alone is no MIME field; "Content-X" is one (no
	 * MIME-Version then is a defect) */
	for (i = 0; i < sizeof alone / sizeof alone[0]; i++) {
		l = run_str(NULL, alone[i][0]);
		LM_CHECK(has(l, alone[i][1]));
		free(l);
	}
}

static void
t_junk_and_no_colon(void)
{
	/* mbox separator and junk before the first field are skipped */
	char *l = run_str(NULL, "From someone Sat Nov 21 2026\njunk line\nSubject: s\n\nbody\n");
	LM_CHECK(has(l, "B [] 0\nH Subject: s\nE [1]"));
	LM_CHECK(has(l, "X [1] 0 defects=00010000"));
	free(l);
	/* a line without a colon ends the header section and is body */
	l = run_str(NULL, "Subject: s\nthis is text\nmore\n");
	LM_CHECK(has(l, "D0 [1] this is text\\x0amore\\x0a\nX [1] 0 defects=00020000"));
	free(l);
	/* a first line that is not a field and no field follows: all body */
	l = run_str(NULL, "hello there\nsecond line\n");
	LM_CHECK(has(l, "D0 [1] hello there\\x0asecond line\\x0a"));
	free(l);
	/* header continuation first */
	l = run_str(NULL, " folded\nSubject: s\n\nb");
	LM_CHECK(has(l, "H Subject: s\n"));
	LM_CHECK(has(l, "defects=40000000"));
	free(l);
}

static void
t_missing_mime_version(void)
{
	char *l = run_str(NULL, "Content-Type: text/plain\n\nx");
	LM_CHECK(has(l, "X [1] 0 defects=00100000"));
	free(l);
	l = run_str(NULL, "Subject: plain old mail\n\nx");
	LM_CHECK(has(l, "X [1] 0 defects=00000000"));
	free(l);
}

static void
t_unknown_cte_and_encoded_message(void)
{
	char *l = run_str(NULL, "Content-Transfer-Encoding: x-gzip64\n\nabc");
	LM_CHECK(has(l, "D0 [1] abc\nX [1] 0 defects=08100000"));
	free(l);
	l = run_str(NULL, "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
	            "U3ViamVjdDogeA0KDQp5\n");
	LM_CHECK(has(l, "E [1] 0 message/rfc822 kind=0"));
	LM_CHECK(has(l, "D0 [1] Subject: x\\x0d\\x0a\\x0d\\x0ay\n"));
	LM_CHECK(has(l, "defects=20100000"));
	free(l);
}

/* ---- limits ------------------------------------------------------------- */

static void
t_depth_limit(void)
{
	/* 200 nested multiparts: past max_depth the rest is one leaf */
	logbuf m = { 0 };
	char tmp[128];
	char *l;
	int i;

	for (i = 0; i < 200; i++) {
		snprintf(tmp, sizeof tmp, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
		lstr(&m, tmp);
	}
	lstr(&m, "\ndeep\n");
	l = run(NULL, m.s, m.n, 0, 0, NULL);
	LM_CHECK(has(l, "defects=10000000"));
	LM_CHECK(has(l, "M\n"));
	LM_CHECK(strstr(l, "B [1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1] 31") != NULL);
	LM_CHECK(strstr(l, "] 32\n") == NULL);
	free(l);
	free(m.s);
}

static void
t_header_limits(void)
{
	lm_mime_parser_opts o = LM_MIME_PARSER_OPTS_INIT;
	logbuf m = { 0 };
	char *l;
	int i;

	o.max_header_len = 100;
	o.max_headers = 3;
	lstr(&m, "X-Long: ");
	for (i = 0; i < 50; i++)
		lstr(&m, "0123456789\r\n ");
	lstr(&m, "end\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\nbody");
	l = run(&o, m.s, m.n, 0, 0, NULL);
	LM_CHECK(has(l, "H X-Long: 0123456789 0123456789"));
	LM_CHECK(has(l, "H A: 1\nH B: 2\nE [1]"));
	LM_CHECK(strstr(l, "H C: 3") == NULL);
	LM_CHECK(has(l, "D0 [1] body\nX [1] 0 defects=000c0000"));
	free(l);
	/* the same with one byte at a time */
	{
		char *whole = run(&o, m.s, m.n, 0, 0, NULL);
		char *bytes = run(&o, m.s, m.n, 1, lm_mime_parser_scratch_size(&o), NULL);
		if (strcmp(whole, bytes) != 0)
			printf("  whole:\n%s\n  bytes:\n%s\n", whole, bytes);
		LM_CHECK(strcmp(whole, bytes) == 0);
		free(whole);
		free(bytes);
	}
	free(m.s);
}

static void
t_part_and_boundary_limits(void)
{
	lm_mime_parser_opts o = LM_MIME_PARSER_OPTS_INIT;
	logbuf m = { 0 };
	char *l;
	int i;

	o.max_parts = 5;
	lstr(&m, "Content-Type: multipart/mixed; boundary=p\n\n");
	for (i = 0; i < 100; i++)
		lstr(&m, "--p\n\npart\n");
	lstr(&m, "--p--\n");
	l = run(&o, m.s, m.n, 0, 0, NULL);
	LM_CHECK(has(l, "X [4] 1"));
	LM_CHECK(strstr(l, "B [5]") == NULL);
	LM_CHECK(has(l, "X [] 0 defects=10100000\nM"));
	free(l);
	free(m.s);
	o.max_parts = 0;
	o.max_boundary = 10;
	l = run_str(&o, "Content-Type: multipart/mixed; boundary=0123456789A\n\n--0123456789A\n\nx\n");
	LM_CHECK(has(l, "E [1] 0 multipart/mixed kind=0"));
	LM_CHECK(has(l, "defects=10100000"));
	free(l);
	LM_CHECK_EQ(lm_mime_parser_init(NULL, NULL, NULL, 0), LM_ERR_BAD_PARAM);
	{
		unsigned char s[64];
		lm_mime_parser p;
		LM_CHECK_EQ(lm_mime_parser_init(&p, NULL, s, sizeof s), LM_ERR_BUFFER_TOO_SMALL);
		o.max_depth = LM_MIME_PARSER_DEPTH_MAX + 1;
		LM_CHECK_EQ(lm_mime_parser_init(&p, &o, s, sizeof s), LM_ERR_BAD_PARAM);
	}
}

/* Many "--" lines that are not delimiters, and a long line with no
 * break: linear work (this test would take minutes if either rescanned). */
static void
t_linear(void)
{
	size_t n = 8u << 20, i;
	char *m = malloc(n + 100), *l;
	size_t hdr;
	clock_t c0 = clock();

	LM_CHECK(m != NULL);
	hdr = (size_t)sprintf(m, "Content-Type: multipart/mixed; boundary=bound\n\n--bound\n\n");
	for (i = hdr; i + 8 < n; i += 8)
		memcpy(m + i, "--boun\n-", 8);
	memcpy(m + i, "\n--bound--\n", 11);
	l = run(NULL, m, i + 11, 4096, 0, NULL);
	LM_CHECK(has(l, "X [] 0 defects=00100000\nM\n"));
	free(l);
	memset(m + hdr, 'x', n - hdr);
	l = run(NULL, m, n, 65536, 0, NULL);
	LM_CHECK(has(l, "defects=00900000\nM\n"));
	free(l);
	LM_CHECK((clock() - c0) / CLOCKS_PER_SEC < 20);
	free(m);
}

/* A large base64 attachment passes through a fixed scratch area. */
static void
t_big_attachment(void)
{
	static unsigned char s[LM_MIME_PARSER_SCRATCH_DEFAULT];
	static const char line[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n";
	const char *head = "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
	                   "Content-Transfer-Encoding: base64\r\n\r\n";
	lm_mime_parser p;
	lm_mime_event ev;
	size_t used, total = 0, i, nlines = 400000;   /* 29 MB encoded */
	int r;

	LM_CHECK_EQ(lm_mime_parser_init(&p, NULL, s, sizeof s), 0);
	LM_CHECK_EQ(lm_mime_parser_feed(&p, head, strlen(head), &used), 0);
	for (i = 0; i <= nlines; i++) {
		const char *d = i < nlines ? line : "--x--\r\n";
		size_t n = strlen(d), off = 0;
		while (off < n) {
			LM_CHECK_EQ(lm_mime_parser_feed(&p, d + off, n - off, &used), 0);
			off += used;
			while ((r = lm_mime_parser_next(&p, &ev)) == LM_EVENT) {
				if (ev.type == LM_MIME_EV_BODY) {
					size_t k;
					for (k = 0; k < ev.data.len; k++)
						LM_CHECK(ev.data.p[k] == 0);
					total += ev.data.len;
				}
			}
			LM_CHECK_EQ(r, LM_WANT_READ);
		}
	}
	LM_CHECK_EQ(lm_mime_parser_end(&p), 0);
	while ((r = lm_mime_parser_next(&p, &ev)) == LM_EVENT)
		;
	LM_CHECK_EQ(r, LM_DONE);
	LM_CHECK_EQ(total, nlines * 54);
}

/* ---- chunking invariance over the test messages --------------------------- */

static void
check_splits(const char *name, const char *m, size_t n)
{
	lm_mime_parser_opts o = LM_MIME_PARSER_OPTS_INIT;
	char *whole, *l;
	size_t k, minsz;

	o.flags = LM_MIME_PARSE_PREAMBLE;
	minsz = lm_mime_parser_scratch_size(&o);
	whole = run(&o, m, n, 0, 0, NULL);
	for (k = 1; k <= n && k < 4096; k++) {
		lm_mime_parser p;
		lm_mime_event ev;
		unsigned char *s = malloc(LM_MIME_PARSER_SCRATCH_DEFAULT);
		logbuf lb = { 0 };
		size_t used, off;
		int r;

		/* split at k: two feeds */
		LM_CHECK_EQ(lm_mime_parser_init(&p, &o, s, LM_MIME_PARSER_SCRATCH_DEFAULT), 0);
		for (off = 0; off < n; ) {
			size_t end = off < k ? k : n;
			LM_CHECK_EQ(lm_mime_parser_feed(&p, m + off, end - off, &used), 0);
			off += used;
			if (off == n)
				lm_mime_parser_end(&p);
			while ((r = lm_mime_parser_next(&p, &ev)) == LM_EVENT)
				log_event(&lb, &ev);
		}
		while ((r = lm_mime_parser_next(&p, &ev)) == LM_EVENT)
			log_event(&lb, &ev);
		LM_CHECK_EQ(r, LM_DONE);
		if (lb.s == NULL || strcmp(lb.s, whole) != 0) {
			printf("  %s: split at %zu differs\n", name, k);
			LM_CHECK(0);
			free(lb.s);
			free(s);
			break;
		}
		free(lb.s);
		free(s);
	}
	l = run(&o, m, n, 1, minsz, NULL);
	if (strcmp(l, whole) != 0) {
		printf("  %s: byte by byte differs:\n%s\n--- whole:\n%s\n", name, l, whole);
		LM_CHECK(0);
	}
	free(l);
	l = run(&o, m, n, 7, minsz, NULL);
	LM_CHECK(strcmp(l, whole) == 0);
	free(l);
	free(whole);
}

static void
t_splits_data(void)
{
	DIR *d = opendir("tests/data/mime");
	struct dirent *e;
	int nfiles = 0;

	LM_CHECK(d != NULL);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[512];
		size_t n;
		char *m;

		if (strstr(e->d_name, ".eml") == NULL)
			continue;
		snprintf(path, sizeof path, "tests/data/mime/%s", e->d_name);
		m = read_file(path, &n);
		LM_CHECK(m != NULL);
		if (m == NULL)
			continue;
		check_splits(e->d_name, m, n);
		free(m);
		nfiles++;
	}
	closedir(d);
	LM_CHECK(nfiles >= 6);
}

/* ---- charset conversion ------------------------------------------------ */

static void
t_to_utf8(void)
{
	lm_mime_parser_opts o = LM_MIME_PARSER_OPTS_INIT;
	const char *m = "Content-Type: multipart/mixed; boundary=c\n\n--c\n"
	                "Content-Type: text/plain; charset=ISO-8859-1\n"
	                "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9 \xe0\n--c\n"
	                "Content-Type: text/plain; charset=x-unknown\n\nok\xff\n--c\n"
	                "Content-Type: application/octet-stream\n\n\xe9\n--c--\n";
	char *l, *b;

	o.flags = LM_MIME_PARSE_UTF8;
	l = run_str(&o, m);
	/* U+00E9 and U+00E0 in UTF-8 */
	LM_CHECK(has(l, "D0 [1] caf\\xc3\\xa9 \\xc3\\xa0\nX [1] 1 defects=00000000"));
	/* unknown charset: read as UTF-8, the invalid byte is U+FFFD */
	LM_CHECK(has(l, "D0 [2] ok\\xef\\xbf\\xbd\nX [2] 1 defects=00000006"));
	/* not text: untouched */
	LM_CHECK(has(l, "D0 [3] \\xe9\nX [3]"));
	b = run(&o, m, strlen(m), 1, lm_mime_parser_scratch_size(&o), NULL);
	LM_CHECK(strcmp(l, b) == 0);
	free(b);
	free(l);
}

/* ---- tree ------------------------------------------------------------ */

static void
t_tree(void)
{
	size_t n;
	char *m = read_file("tests/data/mime/nested.eml", &n);
	lm_mime_tree t;
	const lm_mime_node *x;
	const lm_mime_header *h;
	int leaves = 0;

	LM_CHECK(m != NULL);
	if (m == NULL)
		return;
	LM_CHECK_EQ(lm_mime_tree_parse(NULL, m, n, &t), 0);
	LM_CHECK(t.root != NULL);
	h = lm_mime_node_header(t.root, "SUBJECT");
	LM_CHECK(h != NULL && strcmp(h->value, "nested") == 0);
	LM_CHECK_STRN(t.root->info.boundary, strlen(t.root->info.boundary), "outer");
	for (x = t.root; x != NULL; x = lm_mime_node_next(x)) {
		if (x->info.kind != LM_MIME_KIND_LEAF)
			continue;
		leaves++;
		if (strcmp(x->path, "1") == 0)
			LM_CHECK_STRN(x->content, x->content_len, "Caf\xc3\xa9 = ok\r\nsoftbreak");
		else if (strcmp(x->path, "2.2") == 0)
			LM_CHECK_STRN(x->content, x->content_len, "<p>inner</p>");
		else if (strcmp(x->path, "3") == 0)
			LM_CHECK(x->content_len == 32 && x->content[31] == 31);
	}
	LM_CHECK_EQ(leaves, 4);
	lm_mime_tree_free(&t);
	lm_mime_tree_free(&t);
	free(m);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_single_part),
		LM_TEST(t_raw_and_unfolded),
		LM_TEST(t_preamble_epilogue),
		LM_TEST(t_boundary_trailing_space),
		LM_TEST(t_boundary_nul),
		LM_TEST(t_prefix_boundaries),
		LM_TEST(t_missing_final_boundary),
		LM_TEST(t_message_rfc822_paths),
		LM_TEST(t_bare_lf_and_uuencode),
		LM_TEST(t_headers_without_body),
		LM_TEST(t_utf8_headers),
		LM_TEST(t_rfc2231_continuations),
		LM_TEST(t_param_rules),
		LM_TEST(t_param_defects),
		LM_TEST(t_digest_default),
		LM_TEST(t_defects_broken),
		LM_TEST(t_wrong_case),
		LM_TEST(t_structural_field_names),
		LM_TEST(t_junk_and_no_colon),
		LM_TEST(t_missing_mime_version),
		LM_TEST(t_unknown_cte_and_encoded_message),
		LM_TEST(t_depth_limit),
		LM_TEST(t_header_limits),
		LM_TEST(t_part_and_boundary_limits),
		LM_TEST(t_linear),
		LM_TEST(t_big_attachment),
		LM_TEST(t_splits_data),
		LM_TEST(t_to_utf8),
		LM_TEST(t_tree),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
