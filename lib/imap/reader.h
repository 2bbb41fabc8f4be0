/*
 * libmail - the IMAP readers' shared pieces (span.c, read.c, envelope.c,
 * body.c): quoted strings, the bytes that end a word, the cursor into a
 * table of nested list ends, and lm_imap__read_fast(), the token
 * reader's inline fast path, so that each reader inlines them as it
 * did when they were one file. Not included by the rest of lib/imap
 * (internal.h is the engine's).
 */
#ifndef LIBMAIL_IMAP_READER_H
#define LIBMAIL_IMAP_READER_H

#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define LM_IMAP__SSE2 1
#endif

#include "internal.h"

/* Step counter for the linearity tests (tests/unit/test_imap_steps.c
 * compiles the readers with LM_IMAP__COUNT_STEPS): one step per byte a
 * scanner looks at. Compiled out of the library. */
#ifdef LM_IMAP__COUNT_STEPS
static unsigned long lm_imap__steps;
#define LM_IMAP__STEP() (lm_imap__steps++)
#else
#define LM_IMAP__STEP() ((void)0)
#endif

/** The bytes lm_imap__skip_quoted() stops at (span.c): 1 '"', 2 a
 *  backslash, 3 CR or LF, 0 any other. One table for all the readers. */
extern const unsigned char lm_imap__quoted_class[256];

#ifdef __GNUC__
#define LM_IMAP__INLINE inline __attribute__((always_inline))
#else
#define LM_IMAP__INLINE inline
#endif

/* Skip a quoted string starting at p[i] == '"'; offset after it, or 0.
 * *esc is set when it holds a backslash. CR and LF never occur inside.
 * (A byte loop: quoted strings in responses are short, so it beats
 * several memchr calls.) */
static LM_IMAP__INLINE size_t
lm_imap__skip_quoted(const unsigned char *p, size_t n, size_t i, int *esc)
{
	size_t j = i + 1;
	int e = 0;
#ifdef LM_IMAP__SSE2
	const __m128i dq = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
	              cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
#endif
	while (j < n) {
		unsigned k;
#ifdef LM_IMAP__SSE2
		/* 16 bytes at a time to the next byte that matters */
		while (j + 16 <= n) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
			__m128i m = _mm_or_si128(
			    _mm_or_si128(_mm_cmpeq_epi8(v, dq), _mm_cmpeq_epi8(v, bs)),
			    _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
			unsigned bits = (unsigned)_mm_movemask_epi8(m);
			LM_IMAP__STEP();
			if (bits != 0) {
				j += (size_t)__builtin_ctz(bits);
				break;
			}
			j += 16;
		}
		if (j >= n)
			break;
#endif
		k = lm_imap__quoted_class[p[j]];
		LM_IMAP__STEP();
		if (k == 0) {
			j++;
			continue;
		}
		if (k == 1) {
			*esc = e;
			return j + 1;
		}
		if (k == 2) {
			e = 1;
			j += 2;
			continue;
		}
		return 0;
	}
	*esc = e;
	return 0;
}

/* A quoted string at p[i] == '"' closed within the next 16 bytes and
 * without a backslash (most of them): the offset after its closing
 * quote; else 0, and lm_imap__skip_quoted() decides (it also finds the
 * malformed ones). */
static LM_IMAP__INLINE size_t
lm_imap__quoted_short(const unsigned char *p, size_t n, size_t i)
{
#ifdef LM_IMAP__SSE2
	const unsigned char *b;
	unsigned sh = 0, bits;
	__m128i v, m;

	if (n - i > 16) {
		b = p + i + 1;
	} else if (n >= 16 && n - i > 1) {
		/* the last 16 bytes of the slice, those before i + 1 shifted out */
		b = p + n - 16;
		sh = (unsigned)(i + 1 - (n - 16));
	} else {
		return 0;
	}
	v = _mm_loadu_si128((const __m128i *)(const void *)b);
	m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
	                              _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
	                 _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
	                              _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
	bits = (unsigned)_mm_movemask_epi8(m) >> sh;
	LM_IMAP__STEP();
	if (bits != 0) {
		size_t j = i + 1 + (size_t)__builtin_ctz(bits);
		if (p[j] == '"')
			return j + 1;
	}
#else
	(void)p;
	(void)n;
	(void)i;
#endif
	return 0;
}

/* ------------------------------------------------------------------ */
/* list table cursor                                                   */
/* ------------------------------------------------------------------ */

/* The entry of b's table for the list starting at q (with avail bytes
 * left in the reader), or -1 when not recorded. hint: the entry
 * expected (lists are mostly read in order: see struct
 * lm_imap__tab_cur), tried before a binary search. */
static LM_IMAP__INLINE int
lm_imap__tab_index(const lm_imap__lists *b, unsigned hint, const unsigned char *q,
                   size_t avail)
{
	size_t off, lo = 0;
	unsigned cnt;

	if (b == NULL || b->n == 0 || q < b->base)
		return -1;
	off = (size_t)(q - b->base);
	if (hint < b->n && b->e[hint].start == off) {
		lo = hint;
	} else {
		/* lower bound of off in e[].start, without branches on the
		 * data */
		cnt = b->n;
		while (cnt > 1) {
			unsigned half = cnt / 2;
			lo += (b->e[lo + half - 1].start < off) ? half : 0;
			cnt -= half;
		}
		if (b->e[lo].start < off)
			lo++;
		if (lo >= b->n || b->e[lo].start != off)
			return -1;
	}
	if (b->e[lo].depth == 0xffff || (size_t)(b->e[lo].end - b->e[lo].start) > avail)
		return -1;
	return (int)lo;
}

/* A table and the entry of the next list a reader walking one level
 * meets in order: the one after the lists inside the last one read. */
struct lm_imap__tab_cur {
	const lm_imap__lists *t;
	unsigned next;
};

/* The list starting at q (with avail bytes left in the reader) from c's
 * table: 1 and its length and depth (c then past it), or 0 when not
 * recorded. */
static LM_IMAP__INLINE int
lm_imap__tab_find(struct lm_imap__tab_cur *c, const unsigned char *q, size_t avail,
                  size_t *len, unsigned *depth)
{
	int x;

	if (c == NULL || (x = lm_imap__tab_index(c->t, c->next, q, avail)) < 0)
		return 0;
	*len = c->t->e[x].end - c->t->e[x].start;
	*depth = c->t->e[x].depth;
	c->next = (unsigned)x + 1 + c->t->e[x].inner;
	return 1;
}

/* ------------------------------------------------------------------ */
/* token reader: the inline fast path                                  */
/* ------------------------------------------------------------------ */

/** Skip a literal whose '{' (or '~') is at p[i] (span.c); returns the
 *  offset after its data, or 0 when malformed or truncated. */
size_t lm_imap__skip_literal(const unsigned char *p, size_t n, size_t i);

/** The bytes that end an atom or a number: 1 (read.c). */
extern const unsigned char lm_imap__word_end_tab[256];

static LM_IMAP__INLINE int
lm_imap__word_end(unsigned char ch)
{
	return lm_imap__word_end_tab[ch];
}

/** lm_imap_read(), taking the ends of lists from tab when recorded
 *  there (tab NULL: always scan) (read.c). */
lm_imap_tok_type lm_imap__read_tab(lm_imap_reader *r, lm_imap_tok *t,
                                   struct lm_imap__tab_cur *tab);

/*
 * lm_imap__read_tab() with the tokens that fill ENVELOPE and
 * BODYSTRUCTURE values read inline: a quoted string, NIL, a short
 * number. Anything else (and anything unusual about these) goes through
 * lm_imap__read_tab(), so the results are the same.
 */
static LM_IMAP__INLINE lm_imap_tok_type
lm_imap__read_fast(lm_imap_reader *r, lm_imap_tok *t, struct lm_imap__tab_cur *tab)
{
	const unsigned char *p = r->p;
	size_t n = r->len, i = r->pos;

	i += (size_t)(i < n && p[i] == ' ');
	if (i >= n) {
		t->s.p = NULL;
		t->s.len = 0;
		t->esc = 0;
		t->num = 0;
		t->depth = 0;
		r->pos = n;
		return t->type = LM_IMAP_TOK_END;
	} else {
		unsigned char ch = p[i];
		if (ch == '"') {
			int esc = 0;
			size_t e = lm_imap__quoted_short(p, n, i);
			if (e == 0)
				e = lm_imap__skip_quoted(p, n, i, &esc);
			if (e != 0) {
				t->s.p = p + i + 1;
				t->s.len = e - i - 2;
				t->esc = esc;
				t->num = 0;
				t->depth = 0;
				r->pos = e;
				return t->type = LM_IMAP_TOK_STRING;
			}
		} else if ((ch | 0x20) == 'n') {
			LM_IMAP__STEP();
			if (n - i >= 3 && (p[i + 1] | 0x20) == 'i' && (p[i + 2] | 0x20) == 'l' &&
			    (n - i == 3 || lm_imap__word_end(p[i + 3]))) {
				t->s.p = p + i;
				t->s.len = 0;
				t->esc = 0;
				t->num = 0;
				t->depth = 0;
				r->pos = i + 3;
				return t->type = LM_IMAP_TOK_NIL;
			}
		} else if (ch == ')') {
			t->s.p = p + i;
			t->s.len = 1;
			t->esc = 0;
			t->num = 0;
			t->depth = 0;
			r->pos = i + 1;
			return t->type = LM_IMAP_TOK_CLOSE;
		} else if (ch == '(' && tab != NULL) {
			size_t e;
			unsigned d;
			if (lm_imap__tab_find(tab, p + i, n - i, &e, &d)) {
				t->s.p = p + i;
				t->s.len = e;
				t->esc = 0;
				t->num = 0;
				t->depth = d;
				r->pos = i + e;
				return t->type = LM_IMAP_TOK_OPEN;
			}
		} else if (ch >= '0' && ch <= '9') {
			/* up to 19 digits cannot overflow 64 bits */
			size_t j = i, lim = n - i > 19 ? i + 19 : n;
			uint64_t v = 0;
			while (j < lim && p[j] >= '0' && p[j] <= '9') {
				LM_IMAP__STEP();
				v = v * 10 + (unsigned)(p[j] - '0');
				j++;
			}
			if (j == n || (j < lim && lm_imap__word_end(p[j]))) {
				t->s.p = p + i;
				t->s.len = j - i;
				t->esc = 0;
				t->num = v;
				t->depth = 0;
				r->pos = j;
				return t->type = LM_IMAP_TOK_NUMBER;
			}
		}
	}
	return lm_imap__read_tab(r, t, tab);
}

static inline int
lm_imap__is_string(const lm_imap_tok *t)
{
	/* LM_IMAP_LENIENT_NIL_STRING: NIL (and bare atoms) stand in for strings */
	return t->type == LM_IMAP_TOK_STRING || t->type == LM_IMAP_TOK_NIL ||
	       t->type == LM_IMAP_TOK_ATOM || t->type == LM_IMAP_TOK_NUMBER;
}

/* The engine's table of ev's value when it recorded one for this very
 * value (a caller may have changed the slice), else NULL. */
static inline const lm_imap__lists *
lm_imap__event_tab(const lm_imap_event *ev)
{
	if (ev->tab.base != NULL && ev->tab.base == ev->fetch.value.p)
		return &ev->tab;
	return NULL;
}

#endif
