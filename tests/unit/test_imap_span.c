/*
 * The IMAP readers' fast paths give the same answers as the plain
 * byte-by-byte ones: the SSE2 list scanner (64 bytes at a time) against
 * the scanner it replaced, with and without the table of nested lists,
 * and the inline token reader (lm_imap__read_fast) against
 * lm_imap__read_tab(), on hand-made cases (worked out below) and on
 * random input built from the bytes that matter (parentheses, quotes,
 * backslashes, literals, CR/LF) at every position around the 16- and
 * 64-byte block edges.
 * Without SSE2 (or with SMALL=1) both paths are the scalar one.
 */
#include "../../lib/imap/span.c"
#include "../../lib/imap/read.c"
#include "../../lib/imap/envelope.c"
#include "../../lib/imap/body.c"

#include <stdio.h>
#include <stdlib.h>

#include "test.h"
#include "../../fuzz/imap_same.h"

static unsigned long rng = 12345;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)((rng >> 33) % n);
}

static size_t
span_simd(const char *s, size_t n, unsigned *d)
{
	return list_span_path((const unsigned char *)s, n, d, 1);
}

/* Known answers, worked out by hand. */
static void
t_known(void)
{
	static const struct {
		const char *s;
		size_t len, depth;
	} k[] = {
		{ "()", 2, 1 },
		{ "(a (b) c) x", 9, 2 },
		{ "(\"a)\" b)", 8, 1 },               /* ")" inside a string */
		{ "(\"a\\\")\" b)", 10, 1 },          /* escaped quote, then ")" */
		{ "({2}\r\n)) x)", 11, 1 },          /* literal data holds "))" */
		{ "(~{1}\r\n( x)", 11, 1 },          /* literal8 */
		{ "(\\Seen \\Answered)", 17, 1 },    /* backslash outside strings */
		{ "(a", 0, 0 },
		{ "(\"a)", 0, 0 },                    /* unterminated string */
		{ "(a\r\n)", 0, 0 },                  /* CR/LF outside a literal */
		{ "(\"a\nb\")", 0, 0 },
		{ "(a{b)", 0, 0 },                    /* "{" not a literal */
		{ ")", 0, 0 },
		{ "", 0, 0 }
	};
	size_t i;
	unsigned d;

	for (i = 0; i < sizeof k / sizeof k[0]; i++) {
		size_t n = strlen(k[i].s);
		LM_CHECK_EQ(span_simd(k[i].s, n, &d), k[i].len);
		LM_CHECK_EQ(d, k[i].depth);
		LM_CHECK_EQ(list_span_path((const unsigned char *)k[i].s, n, &d, 0), k[i].len);
		LM_CHECK_EQ(d, k[i].depth);
	}
}

/* Strings and lists that straddle the 64-byte blocks: a list of
 * quoted strings padded so that a quote, a backslash or a parenthesis
 * falls on every offset; its length and depth are known by
 * construction. */
static void
t_block_edges(void)
{
	/* a string holding "(" and an escaped quote, lists 3 deep holding a
	 * string "))", an empty string, NIL, then the closing ")" */
	static const char tail[] = " \"q(\\\"\" ((\"))\")) \"\" NIL)";
	char buf[512];
	size_t pad, w;
	unsigned d;

	for (pad = 0; pad < 200; pad++) {
		w = 0;
		buf[w++] = '(';
		memset(buf + w, 'x', pad);
		w += pad;
		memcpy(buf + w, tail, sizeof tail - 1);
		w += sizeof tail - 1;
		LM_CHECK_EQ(span_simd(buf, w, &d), w);
		LM_CHECK_EQ(d, 3);
		/* followed by more bytes */
		memcpy(buf + w, " (x)", 4);
		LM_CHECK_EQ(span_simd(buf, w + 4, &d), w);
		/* cut one short: not closed */
		LM_CHECK_EQ(span_simd(buf, w - 1, &d), 0);
	}
}

static const char *const pieces[] = {
	"(", ")", "(", ")", "\"", "\"", "\\", " ", " ", "a", "NIL", "12",
	"\"abc\"", "\"a\\\"b\"", "{3}\r\n)\"(", "~{2}\r\n((", "{", "}", "~",
	"\r", "\n", "\"0123456789abcdef0123\"", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	"\t", "\\\\"
};

static size_t
random_value(char *buf, size_t cap)
{
	size_t w = 0, want = 1 + rnd(300);
	buf[w++] = '(';
	while (w < want) {
		const char *p = pieces[rnd(sizeof pieces / sizeof pieces[0])];
		size_t n = strlen(p);
		if (w + n >= cap)
			break;
		memcpy(buf + w, p, n);
		w += n;
	}
	/* often close what is open, so that many values are valid */
	if (rnd(2)) {
		size_t i;
		int depth = 0, q = 0;
		for (i = 0; i < w; i++) {
			if (buf[i] == '"' && (i == 0 || buf[i - 1] != '\\'))
				q = !q;
			else if (!q && buf[i] == '(')
				depth++;
			else if (!q && buf[i] == ')')
				depth--;
		}
		if (q && w + 1 < cap)
			buf[w++] = '"';
		while (depth-- > 0 && w + 1 < cap)
			buf[w++] = ')';
	}
	return w;
}

static void
t_random_spans(void)
{
	char buf[1024];
	unsigned long k, valid = 0;

	for (k = 0; k < 200000; k++) {
		size_t n = random_value(buf, sizeof buf), e1, e2;
		unsigned d1, d2, i;
		lm_imap__lists b1, b2;
		e1 = list_span_path((const unsigned char *)buf, n, &d1, 0);
		e2 = list_span_path((const unsigned char *)buf, n, &d2, 1);
		LM_CHECK_EQ(e1, e2);
		LM_CHECK_EQ(d1, d2);
		if (e1 != e2 || d1 != d2) {
			fprintf(stderr, "input: %.*s\n", (int)n, buf);
			return;
		}
		valid += e1 != 0;
		e1 = span_tab_path((const unsigned char *)buf, n, &d1, &b1, TAB_LEVELS, 0);
		e2 = span_tab_path((const unsigned char *)buf, n, &d2, &b2, TAB_LEVELS, 1);
		LM_CHECK_EQ(e1, e2);
		LM_CHECK_EQ(d1, d2);
		LM_CHECK_EQ(b1.n, b2.n);
		if (e1 == 0 || b1.n != b2.n)
			continue;
		for (i = 0; i < b1.n; i++) {
			LM_CHECK_EQ(b1.e[i].start, b2.e[i].start);
			LM_CHECK_EQ(b1.e[i].end, b2.e[i].end);
			LM_CHECK_EQ(b1.e[i].depth, b2.e[i].depth);
			LM_CHECK_EQ(b1.e[i].inner, b2.e[i].inner);
		}
	}
	/* the generator must give both kinds */
	LM_CHECK(valid > 20000);
	LM_CHECK(valid < 180000);
}


/* lm_imap__read_fast() and lm_imap__read_tab() token by token over
 * random values, with and without a table of list ends. */
static void
t_random_tokens(void)
{
	char buf[1024];
	unsigned long k;

	for (k = 0; k < 100000; k++) {
		size_t n = random_value(buf, sizeof buf);
		lm_imap_reader r1, r2;
		lm_imap_tok t1, t2, top;
		lm_imap__lists tab;
		unsigned d;
		int steps = 0;
		struct lm_imap__tab_cur c1, c2, *tp1 = NULL, *tp2 = NULL;
		lm_slice s;

		if (rnd(2) && span_tab((const unsigned char *)buf, n, &d, &tab) != 0) {
			c1.t = c2.t = &tab;
			c1.next = c2.next = 0;
			tp1 = &c1;
			tp2 = &c2;
		}
		s.p = (const unsigned char *)buf;
		s.len = n;
		lm_imap_reader_init(&r1, s);
		if (lm_imap_read(&r1, &top) == LM_IMAP_TOK_OPEN)
			lm_imap_reader_enter(&r1, &top);
		else
			lm_imap_reader_init(&r1, s);
		r2 = r1;
		do {
			lm_imap__read_tab(&r1, &t1, tp1);
			lm_imap__read_fast(&r2, &t2, tp2);
			LM_CHECK(tp1 == NULL || c1.next == c2.next);
			LM_CHECK(same_tok(&t1, &t2));
			LM_CHECK_EQ(r1.pos, r2.pos);
			if (!same_tok(&t1, &t2) || r1.pos != r2.pos) {
				fprintf(stderr, "input: %.*s at %zu\n", (int)n, buf, r1.pos);
				return;
			}
		} while (t1.type != LM_IMAP_TOK_END && t1.type != LM_IMAP_TOK_ERROR &&
		         ++steps < 1000);
	}
}

/* lm_imap__quoted_short() agrees with lm_imap__skip_quoted() whenever
 * it answers. */
static void
t_quoted(void)
{
	char buf[64];
	unsigned long k, answered = 0;

	for (k = 0; k < 200000; k++) {
		size_t n = 1 + rnd(40), i, start = rnd((unsigned)n), e1, e2;
		int esc = 0;
		for (i = 0; i < n; i++) {
			static const char a[] = "ab \"\"\\\r\n(";
			buf[i] = a[rnd(sizeof a - 1)];
		}
		buf[start] = '"';
		e1 = lm_imap__skip_quoted((const unsigned char *)buf, n, start, &esc);
		e2 = lm_imap__quoted_short((const unsigned char *)buf, n, start);
		if (e2 != 0) {
			answered++;
			LM_CHECK_EQ(e1, e2);
			LM_CHECK_EQ(esc, 0);
		}
	}
#ifdef LM_IMAP__SSE2
	LM_CHECK(answered > 10000);
#endif
}

/* addr_list_span() agrees with the scanner whenever it answers, and
 * address_plain() with address_fast(), on address lists made of the
 * usual fields and of odd ones. */
static void
t_address_lists(void)
{
	static const char *const fields[] = {
		"NIL", "nil", "\"Bob\"", "\"\"", "\"a b c d e f g h i j k l m n\"",
		"\"x\\\"y\"", "NILX", "{3}\r\nabc", "\"a)\"", "\"(\"", "\"0123456789abcdefghij\"",
		"(x)"
	};
	char buf[1024];
	unsigned long k, answered = 0, plain = 0;

	for (k = 0; k < 100000; k++) {
		size_t w = 0, e1, e2;
		unsigned d1 = 0, d2 = 0, na = rnd(4), a, f;
		buf[w++] = '(';
		for (a = 0; a < na; a++) {
			if (rnd(8) == 0)
				buf[w++] = ' ';
			buf[w++] = '(';
			for (f = 0; f < 4; f++) {
				const char *x = fields[rnd(rnd(3) ? 4 : sizeof fields / sizeof fields[0])];
				if (f > 0)
					buf[w++] = ' ';
				if (rnd(16) == 0)
					buf[w++] = ' ';
				memcpy(buf + w, x, strlen(x));
				w += strlen(x);
			}
			buf[w++] = ')';
		}
		buf[w++] = ')';
		if (rnd(2)) {
			memcpy(buf + w, " NIL \"x\")", 9);
			w += 9;
		}
		{
			/* address_plain() against address_fast() on each address */
			lm_imap_reader r1, r2;
			lm_imap_address a1, a2;
			r1.p = (const unsigned char *)buf + 1;
			r1.len = w - 2;
			r1.pos = 0;
			r1.depth = 0;
			r2 = r1;
			while (r1.pos < r1.len) {
				if (!address_plain(&r1, &a1)) {
					if (!address_fast(&r1, &a1))
						break;
					r2 = r1;
					continue;
				}
				plain++;
				LM_CHECK(address_fast(&r2, &a2));
				LM_CHECK(same_tok(&a1.name, &a2.name) && same_tok(&a1.adl, &a2.adl) &&
				         same_tok(&a1.mailbox, &a2.mailbox) &&
				         same_tok(&a1.host, &a2.host));
				LM_CHECK_EQ(r1.pos, r2.pos);
				r2 = r1;
			}
		}
		e2 = addr_list_span((const unsigned char *)buf, w, &d2);
		if (e2 != 0) {
			answered++;
			e1 = list_span_path((const unsigned char *)buf, w, &d1, 0);
			LM_CHECK_EQ(e1, e2);
			LM_CHECK_EQ(d1, d2);
			if (e1 != e2 || d1 != d2) {
				fprintf(stderr, "input: %.*s\n", (int)w, buf);
				return;
			}
		}
	}
#ifdef LM_IMAP__SSE2
	LM_CHECK(answered > 20000);
#endif
	LM_CHECK(plain > 50000);
}


/* ---- the engine's table (lm_imap_fetch_*) against the slice readers ---- */

/* Random ENVELOPE and BODYSTRUCTURE values: the usual fields and the odd
 * ones (escapes, literals, NIL for lists and strings, atoms, empty lists,
 * doubled spaces), parts nested up to 40 deep, up to 40 lists. */
static char gbuf[16384];
static size_t gw;
static int gbad;

static void
gput(const char *s)
{
	size_t n = strlen(s);
	if (gw + n >= sizeof gbuf - 64) {
		gbad = 1;
		return;
	}
	memcpy(gbuf + gw, s, n);
	gw += n;
}

static void
gsp(void)
{
	gput(rnd(20) == 0 ? "  " : " ");
}

static void
gstr(void)
{
	static const char *const v[] = {
		"\"text\"", "NIL", "\"a\\\"b\\\\c\"", "{3}\r\nab)", "PLAIN", "\"\"",
		"\"a long string 0123456789abcdef (with parens)\"", "nil", "12",
		"{0}\r\n", "\"x\""
	};
	gput(v[rnd(4) ? rnd(3) : rnd(sizeof v / sizeof v[0])]);
}

static void
gparams(void)
{
	unsigned k, n;
	switch (rnd(6)) {
	case 0: gput("NIL"); return;
	case 1: gput("()"); return;
	case 2: gput("\"\""); return;
	default: break;
	}
	n = 1 + rnd(3);
	gput("(");
	for (k = 0; k < n; k++) {
		if (k)
			gsp();
		gstr();
		gsp();
		gstr();
	}
	gput(")");
}

static void genv(void);

static void
gext(void)
{
	if (rnd(3) == 0)
		return;
	gsp();
	gstr();                         /* md5 / multipart params below */
	if (rnd(4) == 0)
		return;
	gsp();
	if (rnd(2)) {
		gput("(");
		gstr();
		gsp();
		gparams();
		gput(")");
	} else {
		gput("NIL");
	}
	if (rnd(3) == 0)
		return;
	gsp();
	if (rnd(2))
		gput("(\"en\" \"de\")");
	else
		gstr();
	if (rnd(2)) {
		gsp();
		gstr();
		if (rnd(4) == 0)
			gput(" (\"x\" (1 2)) 3");
	}
}

static void
gbody(unsigned depth, unsigned maxd)
{
	if (depth < maxd && (maxd > 10 ? rnd(20) != 0 : rnd(3) == 0)) {
		unsigned k, n = 1 + rnd(maxd > 10 ? 1 : 3);
		gput("(");
		for (k = 0; k < n; k++)
			gbody(depth + 1, maxd);
		gsp();
		gstr();
		if (rnd(2)) {
			gsp();
			gparams();
			gext();
		}
		gput(")");
		return;
	}
	gput("(");
	if (rnd(12) == 0 && depth < maxd) {
		gput("\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 200 ");
		if (rnd(4)) {
			genv();
			gsp();
			gbody(depth + 1, maxd);
			gput(" 10");
		}
		gext();
		gput(")");
		return;
	}
	gput(rnd(2) ? "\"TEXT\"" : "\"application\"");
	gsp();
	gstr();
	gsp();
	gparams();
	gsp();
	gstr();
	gsp();
	gstr();
	gsp();
	gstr();
	gsp();
	gput(rnd(8) ? "1200" : "NIL");
	if (rnd(2)) {
		gsp();
		gput("30");
	}
	gext();
	gput(")");
}

static void
gaddr_list(void)
{
	unsigned k, n;
	switch (rnd(5)) {
	case 0: gput("NIL"); return;
	case 1: if (rnd(3) == 0) { gput("\"\""); return; } break;
	default: break;
	}
	n = rnd(4) ? 1 + rnd(3) : rnd(40);
	gput("(");
	for (k = 0; k < n; k++) {
		if (rnd(10) == 0)
			gput(" ");
		gput("(");
		gstr();
		gsp();
		gstr();
		gsp();
		if (rnd(6) == 0) {
			gput("\"group\" NIL");          /* group start */
		} else {
			gstr();
			gsp();
			gstr();
		}
		gput(")");
	}
	gput(")");
}

static void
genv(void)
{
	unsigned k;
	gput("(");
	gstr();
	gsp();
	gstr();
	for (k = 0; k < 6; k++) {
		gsp();
		gaddr_list();
	}
	gsp();
	gstr();
	gsp();
	gstr();
	if (rnd(30) == 0)
		gput(" \"extra\"");
	gput(")");
}

static unsigned long tree_bodies;

/* Feed in[0..n) cut at split, and check every ENVELOPE, BODYSTRUCTURE
 * and BODY item read from the event against the readers on its slice.
 * Returns the number of such items. */
static unsigned long fetch_with_table, fetch_overflow, fetch_deep;

static unsigned
check_stream(const char *in, size_t n, size_t split)
{
	static unsigned char ib[LM_IMAP_BUFSIZE_IN], ob[LM_IMAP_BUFSIZE_OUT];
	static const char pre[] = "* PREAUTH ready\r\n";
	lm_imap_client c;
	lm_imap_opts o = LM_IMAP_OPTS_INIT;
	lm_imap_event ev;
	size_t off = 0, used;
	unsigned items = 0, guard = 0;
	int r, fed_pre = 0;

	lm_imap_init(&c, &o, ib, sizeof ib, ob, sizeof ob);
	lm_imap_set_tls_active(&c);
	while (++guard < 100000) {
		r = lm_imap_next(&c, &ev);
		if (r == LM_EVENT) {
			if (ev.type != LM_IMAP_EV_FETCH_ITEM)
				continue;
			if (ev.fetch.item == LM_IMAP_ITEM_ENVELOPE) {
				lm_imap_envelope e1, e2;
				int r1 = lm_imap_fetch_envelope(&ev, &e1);
				int r2 = lm_imap_envelope_parse(ev.fetch.value, &e2);
				LM_CHECK(same_env(&e1, r1, &e2, r2));
				items++;
				fetch_with_table += ev.tab.base != NULL;
			} else if (ev.fetch.item == LM_IMAP_ITEM_BODYSTRUCTURE ||
			           ev.fetch.item == LM_IMAP_ITEM_BODY) {
				lm_imap_body b1, b2;
				int r1 = lm_imap_fetch_body(&ev, &b1);
				int r2 = lm_imap_body_parse(ev.fetch.value, &b2);
				if (!same_tree(&b1, r1, &b2, r2, 0, &tree_bodies)) {
					LM_CHECK(!"same body");
					fprintf(stderr, "value: %.*s\n", (int)ev.fetch.value.len,
					        (const char *)ev.fetch.value.p);
				}
				items++;
				fetch_with_table += ev.tab.base != NULL;
				fetch_overflow += ev.tab.n == LM_IMAP__LISTS;
				fetch_deep += ev.tab.vdepth > TAB_LEVELS;
			}
			continue;
		}
		if (r == LM_WANT_WRITE) {
			size_t k;
			lm_imap_send_buf(&c, &k);
			lm_imap_send_ack(&c, k);
			continue;
		}
		if (r != LM_WANT_READ)
			break;
		if (!fed_pre) {
			lm_imap_feed(&c, pre, sizeof pre - 1, &used);
			fed_pre = 1;
			continue;
		}
		if (off >= n)
			break;
		lm_imap_feed(&c, in + off, (off < split ? split : n) - off, &used);
		off += used;
	}
	return items;
}

/* Build "* k FETCH (... ENVELOPE v BODYSTRUCTURE v ...)" responses. */
static size_t
fetch_stream(char *out, size_t cap, unsigned maxd)
{
	size_t w = 0;
	unsigned k;
	for (k = 1; k <= 3; k++) {
		gw = 0;
		gbad = 0;
		genv();
		if (gbad)
			return 0;
		w += (size_t)snprintf(out + w, cap - w, "* %u FETCH (UID %u ENVELOPE %.*s ",
		                      k, k, (int)gw, gbuf);
		gw = 0;
		gbody(0, maxd);
		if (gbad || w + gw + 64 >= cap)
			return 0;
		w += (size_t)snprintf(out + w, cap - w, "%s %.*s)\r\n",
		                      rnd(4) ? "BODYSTRUCTURE" : "BODY", (int)gw, gbuf);
	}
	return w;
}

static void
t_fetch_table_random(void)
{
	static char in[3 * 16384 + 256];
	unsigned long k, items = 0;

	fetch_with_table = fetch_overflow = fetch_deep = 0;
	tree_bodies = 0;
	for (k = 0; k < 6000; k++) {
		size_t n = fetch_stream(in, sizeof in, rnd(10) == 0 ? 45 : 4);
		if (n == 0)
			continue;
		items += check_stream(in, n, rnd((unsigned)n));
	}
	/* what the generator must have reached */
	LM_CHECK(items > 20000);
	LM_CHECK(fetch_with_table > 20000);
	LM_CHECK(fetch_overflow > 50);
	LM_CHECK(fetch_deep > 20);
	LM_CHECK(tree_bodies > 40000);
}

/* Hand-made values, each cut at every byte across two feeds. */
static void
t_fetch_table_splits(void)
{
	static const char *const v[] = {
		/* the usual */
		"* 1 FETCH (ENVELOPE (\"Tue, 1 Nov\" \"Hi\" ((\"Bob\" NIL \"bob\" \"ex.com\")) "
		"((\"Bob\" NIL \"bob\" \"ex.com\")) NIL ((NIL NIL \"team\" NIL)(\"A\" NIL \"a\" \"b\")"
		"(NIL NIL NIL NIL)) NIL NIL NIL \"<1@x>\") BODYSTRUCTURE ((\"text\" \"plain\" "
		"(\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL)(\"application\" "
		"\"pdf\" (\"name\" \"a.pdf\") NIL NIL \"base64\" 70 NIL (\"attachment\" "
		"(\"filename\" \"a.pdf\")) NIL NIL) \"mixed\" (\"boundary\" \"b1\") NIL NIL NIL))\r\n",
		/* literals, escapes, "" for an address list, NIL parameters */
		"* 2 FETCH (ENVELOPE ({5}\r\nd)a(e \"s\\\"x\" ((\"B\\\\\" NIL {3}\r\n(b) \"h\")) \"\" "
		"NIL NIL NIL NIL NIL NIL) BODY (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 3 1))\r\n",
		/* message/rfc822 with its own envelope and body */
		"* 3 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 100 "
		"(NIL \"s\" NIL NIL NIL NIL NIL NIL NIL NIL) ((\"text\" \"plain\" NIL NIL NIL "
		"\"7bit\" 5 1)(\"text\" \"html\" NIL NIL NIL \"7bit\" 5 1) \"alternative\") 12 "
		"NIL (\"inline\" NIL) (\"en\" \"de\") \"loc\" (\"x\" (1 2))))\r\n",
		/* malformed: the readers must fail alike */
		"* 4 FETCH (ENVELOPE (\"d\" \"s\" ((\"a\" NIL \"b\")) NIL NIL NIL NIL NIL NIL NIL) "
		"BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" x) \"mixed\"))\r\n"
	};
	size_t i, split;
	tree_bodies = 0;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		size_t n = strlen(v[i]);
		unsigned want = check_stream(v[i], n, n);
		LM_CHECK(want >= 1);
		for (split = 0; split <= n; split++)
			LM_CHECK_EQ(check_stream(v[i], n, split), want);
	}
	LM_CHECK(tree_bodies > 1000);
}

/* The table's limits: more lists than it holds, lists deeper than it
 * records; the engine's table is full or shallow, the results the same. */
static void
t_fetch_table_limits(void)
{
	static char in[8192];
	size_t w = 0;
	unsigned k;

	fetch_overflow = fetch_deep = 0;
	/* 20 parts with parameters: 40 lists */
	w += (size_t)sprintf(in + w, "* 1 FETCH (BODYSTRUCTURE (");
	for (k = 0; k < 20; k++)
		w += (size_t)sprintf(in + w, "(\"text\" \"plain\" (\"n\" \"%u\") NIL NIL \"7bit\" %u 1)",
		                     k, k);
	w += (size_t)sprintf(in + w, " \"mixed\"))\r\n");
	/* 50 multiparts nested */
	w += (size_t)sprintf(in + w, "* 2 FETCH (BODYSTRUCTURE ");
	for (k = 0; k < 50; k++)
		w += (size_t)sprintf(in + w, "(");
	w += (size_t)sprintf(in + w, "(\"text\" \"plain\" (\"a\" \"b\") NIL NIL \"7bit\" 1 1)");
	for (k = 0; k < 50; k++)
		w += (size_t)sprintf(in + w, " \"mixed\")");
	w += (size_t)sprintf(in + w, ")\r\n");
	LM_CHECK_EQ(check_stream(in, w, w), 2);
	LM_CHECK_EQ(fetch_overflow, 1);
	LM_CHECK_EQ(fetch_deep, 1);
}

/* The API's edges: wrong events, a slice changed by the caller. */
static void
t_fetch_table_params(void)
{
	lm_imap_event ev;
	lm_imap_body b;
	lm_imap_envelope e;

	memset(&ev, 0, sizeof ev);
	LM_CHECK_EQ(lm_imap_fetch_body(NULL, &b), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_fetch_body(&ev, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_fetch_body(&ev, &b), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_fetch_envelope(&ev, &e), LM_ERR_BAD_PARAM);
	ev.type = LM_IMAP_EV_FETCH_ITEM;
	ev.fetch.item = LM_IMAP_ITEM_ENVELOPE;
	LM_CHECK_EQ(lm_imap_fetch_body(&ev, &b), LM_ERR_BAD_PARAM);
	/* no table (a zeroed event, or one whose value was replaced): the
	 * slice is read */
	ev.fetch.value.p = (const unsigned char *)"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";
	ev.fetch.value.len = strlen((const char *)ev.fetch.value.p);
	LM_CHECK_EQ(lm_imap_fetch_envelope(&ev, &e), 0);
	LM_CHECK_EQ(e.from.type, LM_IMAP_TOK_NIL);
	ev.fetch.item = LM_IMAP_ITEM_BODYSTRUCTURE;
	ev.fetch.value.p = (const unsigned char *)"(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)";
	ev.fetch.value.len = strlen((const char *)ev.fetch.value.p);
	ev.tab.base = (const unsigned char *)"elsewhere";
	ev.tab.n = 0;
	LM_CHECK_EQ(lm_imap_fetch_body(&ev, &b), 0);
	LM_CHECK_EQ(b.lines, 1);
	LM_CHECK(lm_imap_tok_eq(&b.subtype, "PLAIN"));
}


/* address_plain() stops at the end of the reader's bytes: a quoted
 * string last in a slice that ends at a guard page. */
static void
t_address_edge(void)
{
	static const char s[] = "(\"n\" NIL \"m\" \"h\"";
	unsigned char *g = lm_test_guarded(s, sizeof s - 1);
	lm_imap_reader r;
	lm_imap_address a;
	lm_slice v;

	v.p = g;
	v.len = sizeof s - 1;
	lm_imap_reader_init(&r, v);
	LM_CHECK_EQ(lm_imap_address_next(&r, &a), LM_ERR_DECODE);
	lm_test_unguard(g, sizeof s - 1);
}


/* The engine's item names and flag lists read in place (item_usual(),
 * flags_span()) against what the names and the token reader say: random
 * FETCH responses of usual, odd-case, near-miss and other items, flag
 * lists with nested lists, strings, literals and "~". */
static void
t_fetch_items(void)
{
	static const char *const items[] = {
		"UID 5", "uid 7", "UIDX 5", "UI 1", "FLAGS ()", "flags (\\Seen)",
		"FLAGS (\\Seen $L1 \\Answered)", "FLAGS (a (b) c)", "FLAGS (\"q)\" x)",
		"FLAGS ({2}\r\n)( x)", "FLAGS (a~b)", "FLAGS (~{1}\r\n) y)", "FLAGSX (a)",
		"FLAG (a)", "RFC822.SIZE 10", "rfc822.size 11", "RFC822.SIZEX 1",
		"RFC822.SIZ 2", "ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"envelopex 1", "BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)",
		"BODYSTRUCTUREX 3", "BODYSTRUCTUR 3", "BODY (\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)",
		"MODSEQ (12)", "X-GM-LABELS (\\Inbox)", "INTERNALDATE \"x\""
	};
	static const char *const kinds[] = {
		"FLAGS", "UID", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE",
		"BODY", "MODSEQ"
	};
	static unsigned char ib[LM_IMAP_BUFSIZE_IN], ob[LM_IMAP_BUFSIZE_OUT];
	char in[4096];
	unsigned long k, seen = 0, flags = 0;

	for (k = 0; k < 3000; k++) {
		lm_imap_client c;
		lm_imap_opts o = LM_IMAP_OPTS_INIT;
		lm_imap_event ev;
		size_t w = 0, used;
		unsigned j, m = 1 + rnd(6), chosen[6], seen_now = 0;
		int r;

		w += (size_t)sprintf(in + w, "* PREAUTH hi\r\n* 1 FETCH (");
		for (j = 0; j < m; j++) {
			chosen[j] = rnd(sizeof items / sizeof items[0]);
			w += (size_t)sprintf(in + w, "%s%s", j ? " " : "", items[chosen[j]]);
		}
		w += (size_t)sprintf(in + w, ")\r\n");
		lm_imap_init(&c, &o, ib, sizeof ib, ob, sizeof ob);
		lm_imap_set_tls_active(&c);
		lm_imap_feed(&c, in, w, &used);
		while ((r = lm_imap_next(&c, &ev)) == LM_EVENT) {
			lm_imap_item want = LM_IMAP_ITEM_OTHER;
			size_t q;
			if (ev.type == LM_IMAP_EV_FETCH_END)
				LM_CHECK(!ev.fetch.damaged);
			if (ev.type != LM_IMAP_EV_FETCH_ITEM)
				continue;
			seen++;
			for (q = 0; q < sizeof kinds / sizeof kinds[0]; q++)
				if (lm_core__ieqz(ev.fetch.name.p, ev.fetch.name.len, kinds[q]))
					want = q == 0 ? LM_IMAP_ITEM_FLAGS : q == 1 ? LM_IMAP_ITEM_UID :
					       q == 2 ? LM_IMAP_ITEM_INTERNALDATE :
					       q == 3 ? LM_IMAP_ITEM_RFC822_SIZE :
					       q == 4 ? LM_IMAP_ITEM_ENVELOPE :
					       q == 5 ? LM_IMAP_ITEM_BODYSTRUCTURE :
					       q == 6 ? LM_IMAP_ITEM_BODY : LM_IMAP_ITEM_MODSEQ;
			LM_CHECK_EQ(ev.fetch.item, want);
			/* the name sent in that place, whole */
			if (seen_now < m) {
				const char *nm = items[chosen[seen_now]];
				LM_CHECK(strncmp(nm, (const char *)ev.fetch.name.p,
				                 ev.fetch.name.len) == 0 &&
				         nm[ev.fetch.name.len] == ' ');
			}
			seen_now++;
			if (ev.fetch.item == LM_IMAP_ITEM_FLAGS) {
				/* the list the token reader finds there, without
				 * its parentheses */
				lm_imap_reader rd;
				lm_imap_tok t;
				lm_slice v;
				v.p = ev.fetch.value.p - 1;
				v.len = (size_t)(ib + sizeof ib - v.p);
				lm_imap_reader_init(&rd, v);
				LM_CHECK_EQ(lm_imap_read(&rd, &t), LM_IMAP_TOK_OPEN);
				LM_CHECK(t.s.p == v.p && t.s.len == ev.fetch.value.len + 2);
				flags++;
			}
		}
		LM_CHECK(r == LM_WANT_READ);
		LM_CHECK_EQ(seen_now, m);
	}
	LM_CHECK(seen > 5000);
	LM_CHECK(flags > 1000);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_known), LM_TEST(t_block_edges), LM_TEST(t_random_spans),
		LM_TEST(t_random_tokens), LM_TEST(t_quoted), LM_TEST(t_address_lists),
		LM_TEST(t_fetch_table_random), LM_TEST(t_fetch_table_splits),
		LM_TEST(t_fetch_table_limits), LM_TEST(t_fetch_table_params),
		LM_TEST(t_address_edge), LM_TEST(t_fetch_items)
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
