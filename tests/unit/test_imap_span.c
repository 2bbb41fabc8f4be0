/*
 * The IMAP readers' fast paths give the same answers as the plain
 * byte-by-byte ones: the SSE2 list scanner (64 bytes at a time) against
 * the scanner it replaced, with and without the table of nested lists,
 * and the inline token reader (read_fast) against read_tab(), on
 * hand-made cases (worked out below) and on random input built from the
 * bytes that matter (parentheses, quotes, backslashes, literals, CR/LF)
 * at every position around the 16- and 64-byte block edges.
 * Without SSE2 (or with SMALL=1) both paths are the scalar one.
 */
#include "../../lib/imap/read.c"

#include <stdio.h>
#include <stdlib.h>

#include "test.h"

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
		lm_imap_body b1, b2;
		e1 = list_span_path((const unsigned char *)buf, n, &d1, 0);
		e2 = list_span_path((const unsigned char *)buf, n, &d2, 1);
		LM_CHECK_EQ(e1, e2);
		LM_CHECK_EQ(d1, d2);
		if (e1 != e2 || d1 != d2) {
			fprintf(stderr, "input: %.*s\n", (int)n, buf);
			return;
		}
		valid += e1 != 0;
		e1 = span_tab_path((const unsigned char *)buf, n, &d1, &b1, 0);
		e2 = span_tab_path((const unsigned char *)buf, n, &d2, &b2, 1);
		LM_CHECK_EQ(e1, e2);
		LM_CHECK_EQ(d1, d2);
		LM_CHECK_EQ(b1.nl, b2.nl);
		if (e1 == 0 || b1.nl != b2.nl)
			continue;
		for (i = 0; i < b1.nl; i++) {
			LM_CHECK_EQ(b1.lstart[i], b2.lstart[i]);
			LM_CHECK_EQ(b1.lend[i], b2.lend[i]);
			LM_CHECK_EQ(b1.ldepth[i], b2.ldepth[i]);
		}
	}
	/* the generator must give both kinds */
	LM_CHECK(valid > 20000);
	LM_CHECK(valid < 180000);
}

static int
same_tok(const lm_imap_tok *a, const lm_imap_tok *b)
{
	return a->type == b->type && a->s.p == b->s.p && a->s.len == b->s.len &&
	       a->esc == b->esc && a->num == b->num && a->depth == b->depth;
}

/* read_fast() and read_tab() token by token over random values, with
 * and without a table of list ends. */
static void
t_random_tokens(void)
{
	char buf[1024];
	unsigned long k;

	for (k = 0; k < 100000; k++) {
		size_t n = random_value(buf, sizeof buf);
		lm_imap_reader r1, r2;
		lm_imap_tok t1, t2, top;
		lm_imap_body tab;
		unsigned d;
		int steps = 0;
		const lm_imap_body *tp = NULL;
		lm_slice s;

		if (rnd(2) && span_tab((const unsigned char *)buf, n, &d, &tab) != 0)
			tp = &tab;
		s.p = (const unsigned char *)buf;
		s.len = n;
		lm_imap_reader_init(&r1, s);
		if (lm_imap_read(&r1, &top) == LM_IMAP_TOK_OPEN)
			lm_imap_reader_enter(&r1, &top);
		else
			lm_imap_reader_init(&r1, s);
		r2 = r1;
		do {
			read_tab(&r1, &t1, tp);
			read_fast(&r2, &t2, tp);
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

/* quoted_short() agrees with skip_quoted() whenever it answers. */
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
		e1 = skip_quoted((const unsigned char *)buf, n, start, &esc);
		e2 = quoted_short((const unsigned char *)buf, n, start);
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

/* addr_list_span() agrees with the scanner whenever it answers, on
 * address lists made of the usual fields and of odd ones. */
static void
t_address_lists(void)
{
	static const char *const fields[] = {
		"NIL", "nil", "\"Bob\"", "\"\"", "\"a b c d e f g h i j k l m n\"",
		"\"x\\\"y\"", "NILX", "{3}\r\nabc", "\"a)\"", "\"(\"", "\"0123456789abcdefghij\"",
		"(x)"
	};
	char buf[1024];
	unsigned long k, answered = 0;

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
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_known), LM_TEST(t_block_edges), LM_TEST(t_random_spans),
		LM_TEST(t_random_tokens), LM_TEST(t_quoted), LM_TEST(t_address_lists)
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
