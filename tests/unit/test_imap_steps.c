/*
 * IMAP readers are linear: counts the bytes the scanners look at (a
 * private step counter compiled into this copy of the readers:
 * lib/imap/span.c, read.c, envelope.c and body.c) while walking hostile
 * and ordinary ENVELOPE / BODYSTRUCTURE values, so that a reader which
 * rescans nested lists (quadratic in depth or in siblings) fails here.
 * No timing.
 */
#define LM_IMAP__COUNT_STEPS 1
#include "../../lib/imap/span.c"
#include "../../lib/imap/read.c"
#include "../../lib/imap/envelope.c"
#include "../../lib/imap/body.c"

#include <stdio.h>
#include <stdlib.h>

#include "test.h"

static char *
cat_rep(char *w, const char *s, size_t times)
{
	size_t n = strlen(s), i;
	for (i = 0; i < times; i++) {
		memcpy(w, s, n);
		w += n;
	}
	return w;
}

static lm_slice
sl(const char *s, size_t n)
{
	lm_slice v;
	v.p = (const unsigned char *)s;
	v.len = n;
	return v;
}

static unsigned long nodes, params;

/* Full walk of a body and its descendants, as an application would do
 * (recursion: the values here are at most LM_IMAP_DEPTH_MAX deep). */
static int
walk(const lm_imap_body *b, int depth)
{
	lm_imap_reader it, pr;
	lm_imap_body ch;
	lm_imap_tok k, v;
	int r;

	nodes++;
	lm_imap_reader_enter(&pr, &b->params);
	while (lm_imap_param_next(&pr, &k, &v))
		params++;
	if (!b->multipart || depth > LM_IMAP_DEPTH_MAX)
		return 0;
	memset(&it, 0, sizeof it);
	while ((r = lm_imap_body_child(b, &it, &ch)) == 1)
		if (walk(&ch, depth + 1) < 0)
			return -1;
	return r;
}

static unsigned long
walk_value(const char *s, size_t n, int *rc)
{
	lm_imap_body b;
	lm_imap__steps = 0;
	nodes = params = 0;
	*rc = lm_imap_body_parse(sl(s, n), &b);
	if (*rc == 0)
		*rc = walk(&b, 1);
	return lm_imap__steps;
}

/* The benchmark's response (tests/bench/imap_bench.c): every byte is
 * looked at about twice (one scan to find the lists, one to read). */
static void
t_ordinary(void)
{
	static const char body[] =
	    "(((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 1200 30 NIL NIL NIL NIL)"
	    "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 4000 80 NIL NIL NIL NIL) "
	    "\"alternative\" (\"boundary\" \"b2\") NIL NIL NIL)"
	    "(\"application\" \"pdf\" (\"name\" \"report.pdf\") NIL NIL \"base64\" 70000 NIL "
	    "(\"attachment\" (\"filename\" \"report.pdf\")) NIL NIL) \"mixed\" (\"boundary\" \"b1\") NIL NIL NIL)";
	static const char env[] =
	    "(\"Tue, 21 Nov 2026 10:00:00 +0000\" \"Quarterly report 1\" "
	    "((\"Bob Smith\" NIL \"bob\" \"example.com\")) ((\"Bob Smith\" NIL \"bob\" \"example.com\")) "
	    "((\"Bob Smith\" NIL \"bob\" \"example.com\")) "
	    "((\"Alice Jones\" NIL \"alice\" \"example.org\")(\"Carol\" NIL \"carol\" \"example.net\")) "
	    "((NIL NIL \"team\" \"example.org\")) NIL \"<prev1@example.com>\" \"<1@example.com>\")";
	lm_imap_envelope e;
	lm_imap_reader r;
	lm_imap_address a;
	lm_imap_tok *lists[6];
	unsigned long steps, addrs = 0;
	int rc, i;

	steps = walk_value(body, sizeof body - 1, &rc);
	LM_CHECK_EQ(rc, 0);
	LM_CHECK_EQ(nodes, 5);        /* mixed, alternative, plain, html, pdf */
	LM_CHECK_EQ(params, 5);       /* charset x2, boundary x2, name */
	LM_CHECK(steps <= 2 * (sizeof body - 1) + 64);

	lm_imap__steps = 0;
	LM_CHECK_EQ(lm_imap_envelope_parse(sl(env, sizeof env - 1), &e), 0);
	lists[0] = &e.from; lists[1] = &e.sender; lists[2] = &e.reply_to;
	lists[3] = &e.to; lists[4] = &e.cc; lists[5] = &e.bcc;
	for (i = 0; i < 6; i++) {
		lm_imap_reader_enter(&r, lists[i]);
		while (lm_imap_address_next(&r, &a) == 1)
			if (++addrs == 6)
				LM_CHECK_STRN(a.mailbox.s.p, a.mailbox.s.len, "team");
	}
	LM_CHECK_EQ(addrs, 6);
	LM_CHECK(lm_imap__steps <= 2 * (sizeof env - 1) + 64);
}

/* 100,000 nested parentheses: each reader rejects or walks it with a
 * bounded number of looks per byte. */
static void
t_deep(void)
{
	size_t n = 100000, len;
	char *s = malloc(4 * n + 64), *w;
	lm_imap_body b;
	lm_imap_envelope e;
	lm_imap_reader r;
	lm_imap_address a;
	lm_imap_tok t;

	LM_CHECK(s != NULL);
	if (s == NULL)
		return;
	w = cat_rep(s, "(", n);
	w = cat_rep(w, ")", n);
	len = (size_t)(w - s);

	lm_imap__steps = 0;
	LM_CHECK_EQ(lm_imap_body_parse(sl(s, len), &b), LM_ERR_LIMIT);
	LM_CHECK(lm_imap__steps <= 2 * len);

	lm_imap__steps = 0;
	LM_CHECK(lm_imap_envelope_parse(sl(s, len), &e) < 0);
	LM_CHECK(lm_imap__steps <= 2 * len);

	/* an address list whose one member is deep */
	lm_imap__steps = 0;
	lm_imap_reader_init(&r, sl(s, len));
	LM_CHECK_EQ(lm_imap_read(&r, &t), LM_IMAP_TOK_OPEN);
	LM_CHECK_EQ(t.depth, n);
	lm_imap_reader_enter(&r, &t);
	LM_CHECK_EQ(lm_imap_address_next(&r, &a), LM_ERR_DECODE);
	LM_CHECK(lm_imap__steps <= 4 * len);

	/* a deep parameter value */
	lm_imap__steps = 0;
	lm_imap_reader_init(&r, sl(s, len));
	{
		lm_imap_tok k, v;
		lm_imap_read(&r, &t);
		lm_imap_reader_enter(&r, &t);
		(void)lm_imap_param_next(&r, &k, &v);
	}
	LM_CHECK(lm_imap__steps <= 3 * len);
	free(s);
}

/* A multipart of k leaves with parameters: the walk is linear in k
 * (doubling k at most doubles the steps, plus slack). */
static unsigned long
siblings(size_t k, int *rc, unsigned long *bytes)
{
	static const char leaf[] =
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 1 NIL (\"inline\" (\"a\" \"b\")) NIL NIL)";
	char *s = malloc(k * (sizeof leaf - 1) + 64), *w;
	unsigned long st;
	if (s == NULL) {
		*rc = -1;
		return 0;
	}
	w = s;
	*w++ = '(';
	w = cat_rep(w, leaf, k);
	memcpy(w, " \"mixed\" (\"boundary\" \"x\"))", 26);
	w += 26;
	*bytes = (unsigned long)(w - s);
	st = walk_value(s, (size_t)(w - s), rc);
	free(s);
	return st;
}

static void
t_siblings(void)
{
	unsigned long s1, s2, b1 = 0, b2 = 0;
	int rc;

	s1 = siblings(20000, &rc, &b1);
	LM_CHECK_EQ(rc, 0);
	LM_CHECK_EQ(nodes, 20001);
	LM_CHECK_EQ(params, 20001);
	s2 = siblings(40000, &rc, &b2);
	LM_CHECK_EQ(rc, 0);
	LM_CHECK_EQ(nodes, 40001);
	LM_CHECK(s2 <= 2 * s1 + s1 / 10);
	LM_CHECK(s2 <= 6 * b2);
}

/* Many addresses in one list. */
static void
t_many_addresses(void)
{
	size_t k = 50000, len;
	char *s = malloc(k * 40 + 8), *w;
	lm_imap_reader r;
	lm_imap_tok t;
	lm_imap_address a;
	unsigned long n = 0;

	LM_CHECK(s != NULL);
	if (s == NULL)
		return;
	w = s;
	*w++ = '(';
	w = cat_rep(w, "(\"Name\" NIL \"user\" \"example.org\")", k);
	*w++ = ')';
	len = (size_t)(w - s);
	lm_imap__steps = 0;
	lm_imap_reader_init(&r, sl(s, len));
	LM_CHECK_EQ(lm_imap_read(&r, &t), LM_IMAP_TOK_OPEN);
	lm_imap_reader_enter(&r, &t);
	while (lm_imap_address_next(&r, &a) == 1)
		n++;
	LM_CHECK_EQ(n, k);
	LM_CHECK(lm_imap__steps <= 3 * len);
	free(s);
}

/* Multiparts nested 60 deep (just under LM_IMAP_DEPTH_MAX), each level
 * with a leaf beside the next level: a walk that rescans the rest at
 * every level costs about 60 / 2 looks per byte; the readers' table of
 * list ends keeps it to a few. */
static void
t_nested_chain(void)
{
	static const char leaf[] = "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 1)";
	size_t levels = 60, i;
	char *s = malloc(levels * 80 + 256), *w;
	unsigned long steps;
	int rc;

	LM_CHECK(s != NULL);
	if (s == NULL)
		return;
	w = s;
	for (i = 0; i < levels; i++) {
		*w++ = '(';
		w = cat_rep(w, leaf, 1);
	}
	w = cat_rep(w, leaf, 1);
	for (i = 0; i < levels; i++)
		w = cat_rep(w, " \"mixed\")", 1);
	steps = walk_value(s, (size_t)(w - s), &rc);
	LM_CHECK_EQ(rc, 0);
	LM_CHECK_EQ(nodes, 2 * levels + 1);
	LM_CHECK(steps <= 8 * (unsigned long)(w - s));
	free(s);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_ordinary), LM_TEST(t_deep), LM_TEST(t_siblings),
		LM_TEST(t_many_addresses), LM_TEST(t_nested_chain)
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
