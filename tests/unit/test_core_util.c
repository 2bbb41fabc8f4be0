/*
 * Allocator hook, lm_zeroize and the trace helpers.
 */
/* MAP_ANONYMOUS (used by test.h) is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <stdint.h>
#include <string.h>

#include "libmail/core.h"
#include "test.h"

/* ---------------------------------------------------------------- */
/* allocator                                                         */
/* ---------------------------------------------------------------- */

typedef struct {
	unsigned char arena[256];
	size_t used, allocs, frees, last_free_n, fail;
	void *last_free_p;
} counting;

static void *
c_alloc(size_t n, void *ud)
{
	counting *c = ud;
	void *p;
	if (c->fail || n > sizeof c->arena - c->used)
		return NULL;
	p = c->arena + c->used;
	c->used += n;
	c->allocs++;
	return p;
}

static void
c_free(void *p, size_t n, void *ud)
{
	counting *c = ud;
	c->frees++;
	c->last_free_p = p;
	c->last_free_n = n;
}

static void
t_alloc_hook(void)
{
	counting c;
	lm_allocator a = { c_alloc, c_free, &c };
	unsigned char *p, *q;
	memset(&c, 0, sizeof c);
	memset(c.arena, 0xaa, sizeof c.arena);
	p = lm_alloc(&a, 10);
	LM_CHECK(p == c.arena);
	LM_CHECK_EQ(c.allocs, 1);
	q = lm_alloc_zero(&a, 4, 5);
	LM_CHECK(q == c.arena + 10);
	LM_CHECK_EQ(c.used, 30);
	LM_CHECK(q != NULL && q[0] == 0 && q[19] == 0);
	LM_CHECK_EQ(c.arena[30], 0xaa); /* nothing past the 20 bytes */
	lm_free(&a, q, 20);
	LM_CHECK_EQ(c.frees, 1);
	LM_CHECK(c.last_free_p == q);
	LM_CHECK_EQ(c.last_free_n, 20);
	lm_free(&a, NULL, 5); /* no-op */
	LM_CHECK_EQ(c.frees, 1);
	c.fail = 1;
	LM_CHECK(lm_alloc(&a, 1) == NULL);
	LM_CHECK(lm_alloc_zero(&a, 1, 1) == NULL);
	c.fail = 0;
	/* count * size overflow never reaches the hook */
	LM_CHECK(lm_alloc_zero(&a, SIZE_MAX / 2 + 1, 2) == NULL);
	LM_CHECK(lm_alloc_zero(&a, 2, SIZE_MAX) == NULL);
	LM_CHECK_EQ(c.allocs, 2);
}

static void
t_alloc_default(void)
{
	lm_allocator none = { NULL, NULL, NULL };
	unsigned char *p = lm_alloc(NULL, 100);
	unsigned char *z;
	LM_CHECK(p != NULL);
	if (p) {
		memset(p, 1, 100);
		lm_free(NULL, p, 100);
	}
	p = lm_alloc(NULL, 0); /* one byte, not NULL */
	LM_CHECK(p != NULL);
	lm_free(NULL, p, 0);
	z = lm_alloc_zero(&none, 3, 7);
	LM_CHECK(z != NULL);
	if (z) {
		size_t i, nz = 0;
		for (i = 0; i < 21; i++)
			nz += z[i] != 0;
		LM_CHECK_EQ(nz, 0);
		lm_free(&none, z, 21);
	}
	lm_free(NULL, NULL, 0);
}

static void
t_zeroize(void)
{
	unsigned char b[16];
	size_t i, nz = 0;
	memset(b, 0x5a, sizeof b);
	lm_zeroize(b + 2, 12);
	LM_CHECK_EQ(b[0], 0x5a);
	LM_CHECK_EQ(b[1], 0x5a);
	for (i = 2; i < 14; i++)
		nz += b[i] != 0;
	LM_CHECK_EQ(nz, 0);
	LM_CHECK_EQ(b[14], 0x5a);
	lm_zeroize(NULL, 0);
}

/* ---------------------------------------------------------------- */
/* trace                                                             */
/* ---------------------------------------------------------------- */

typedef struct {
	char log[1024];
	size_t len;
	int calls;
} tlog;

/* Records each call as "<dir>[<line>]". */
static void
record(char dir, const char *line, size_t len, void *ud)
{
	tlog *t = ud;
	t->calls++;
	if (t->len + len + 3 >= sizeof t->log)
		return;
	t->log[t->len++] = dir;
	t->log[t->len++] = '[';
	memcpy(t->log + t->len, line, len);
	t->len += len;
	t->log[t->len++] = ']';
}

static void
trace(tlog *t, char dir, const char *s, int redact, size_t keep)
{
	size_t n = strlen(s);
	unsigned char *g = lm_test_guarded(s, n);
	memset(t, 0, sizeof *t);
	if (redact)
		lm_trace_emit_redacted(record, t, dir, g, n, keep);
	else
		lm_trace_emit(record, t, dir, g, n);
	lm_test_unguard(g, n);
}

static void
t_trace_lines(void)
{
	tlog t;
	trace(&t, 'S', "250-first\r\n250 second\r\n", 0, 0);
	LM_CHECK_STRN(t.log, t.len, "S[250-first]S[250 second]");
	trace(&t, 'C', "EHLO x\r\n", 0, 0);
	LM_CHECK_STRN(t.log, t.len, "C[EHLO x]");
	trace(&t, 'S', "a\nb\r\n\r\nc", 0, 0);
	LM_CHECK_STRN(t.log, t.len, "S[a]S[b]S[]S[c]");
	trace(&t, 'S', "bare\rcr\r\n", 0, 0);
	LM_CHECK_STRN(t.log, t.len, "S[bare\rcr]");
	trace(&t, '*', "TLS established", 0, 0);
	LM_CHECK_STRN(t.log, t.len, "*[TLS established]");
	trace(&t, 'S', "", 0, 0);
	LM_CHECK_EQ(t.calls, 0);
	trace(&t, 'S', "\r\n", 0, 0);
	LM_CHECK_EQ(t.calls, 1);
	LM_CHECK_STRN(t.log, t.len, "S[]");
	lm_trace_emit(NULL, NULL, 'S', "x\r\n", 3); /* no hook: nothing */
}

static void
t_trace_redacted(void)
{
	tlog t;
	trace(&t, 'C', "AUTH PLAIN AHVzZXIAcGFzcw==\r\n", 1, 11);
	LM_CHECK_STRN(t.log, t.len, "C[AUTH PLAIN <redacted>]");
	trace(&t, 'C', "dXNlcg==\r\ncGFzcw==\r\n", 1, 0);
	LM_CHECK_STRN(t.log, t.len, "C[<redacted>]C[<redacted>]");
	/* keep longer than the line: the marker still follows */
	trace(&t, 'C', "AUTH\r\n", 1, 11);
	LM_CHECK_STRN(t.log, t.len, "C[AUTH<redacted>]");
	trace(&t, 'C', "a1 LOGIN user secret", 1, 9);
	LM_CHECK_STRN(t.log, t.len, "C[a1 LOGIN <redacted>]");
	LM_CHECK(strstr(t.log, "secret") == NULL);
	/* an empty response is still one line, so a trace shows every line
	 * sent and never whether a secret was empty */
	trace(&t, 'C', "", 1, 0);
	LM_CHECK_EQ(t.calls, 1);
	LM_CHECK_STRN(t.log, t.len, "C[<redacted>]");
}

static void
t_trace_redacted_cap(void)
{
	static char line[400];
	tlog t;
	memset(line, 'k', 300);
	line[300] = 0;
	trace(&t, 'C', line, 1, 1000);
	LM_CHECK_EQ(t.calls, 1);
	LM_CHECK_EQ(t.len, 3 + 200 + strlen(LM_TRACE_REDACTED));
	LM_CHECK_STRN(t.log + 2 + 200, strlen(LM_TRACE_REDACTED), LM_TRACE_REDACTED);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_alloc_hook),
		LM_TEST(t_alloc_default),
		LM_TEST(t_zeroize),
		LM_TEST(t_trace_lines),
		LM_TEST(t_trace_redacted),
		LM_TEST(t_trace_redacted_cap),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
