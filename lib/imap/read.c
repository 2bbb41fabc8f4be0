/*
 * libmail - IMAP zero-copy readers (tokens, ENVELOPE, BODYSTRUCTURE,
 * addresses, parameters), the string encoder and the name tables.
 *
 * Every walker here is iterative: nesting is counted, never recursed,
 * so a hostile value of 100,000 parentheses costs a linear scan.
 */
#include <stddef.h>
#include <string.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define LM_IMAP__SSE2 1
#endif

#include "internal.h"

/* Step counter for the linearity tests (tests/unit/test_imap_steps.c
 * compiles this file with LM_IMAP__COUNT_STEPS): one step per byte a
 * scanner looks at. Compiled out of the library. */
#ifdef LM_IMAP__COUNT_STEPS
static unsigned long lm_imap__steps;
#define STEP() (lm_imap__steps++)
#else
#define STEP() ((void)0)
#endif

/* ------------------------------------------------------------------ */
/* small shared helpers                                                */
/* ------------------------------------------------------------------ */

int
lm_imap__atom_char(unsigned char ch)
{
	if (ch <= 0x20 || ch >= 0x7f)
		return 0;
	switch (ch) {
	case '(': case ')': case '{': case '%': case '*': case '"':
	case '\\': case ']':
		return 0;
	default:
		return 1;
	}
}

size_t
lm_imap__lit_header(const unsigned char *p, size_t n, uint64_t *size, int *overflow)
{
	size_t i, start;
	uint64_t v = 0;

	*overflow = 0;
	*size = 0;
	if (n < 3 || p[n - 1] != '}')
		return (size_t)-1;
	i = n - 1;
	if (i > 0 && p[i - 1] == '+')
		i--;
	start = i;
	while (i > 0 && p[i - 1] >= '0' && p[i - 1] <= '9')
		i--;
	if (i == 0)
		return (size_t)-1;
	if (p[i - 1] == '-' && i >= 2 && p[i - 2] == '{') {
		/* {-1}: a negative size is a framing violation */
		*overflow = 1;
		return i - 2;
	}
	if (i == start || p[i - 1] != '{')
		return (size_t)-1;
	{
		size_t j;
		for (j = i; j < start; j++) {
			unsigned d = (unsigned)(p[j] - '0');
			if (v > (UINT64_MAX - d) / 10) {
				*overflow = 1;
				break;
			}
			v = v * 10 + d;
		}
	}
	*size = v;
	i--;                      /* at '{' */
	if (i > 0 && p[i - 1] == '~')
		i--;
	return i;
}

/* Skip a literal whose '{' (or '~') is at p[i]; returns the offset after
 * its data, or 0 when malformed or truncated. */
static size_t
skip_literal(const unsigned char *p, size_t n, size_t i)
{
	uint64_t v = 0;
	size_t j = i;

	if (p[j] == '~')
		j++;
	if (j >= n || p[j] != '{')
		return 0;
	j++;
	if (j >= n || p[j] < '0' || p[j] > '9')
		return 0;
	while (j < n && p[j] >= '0' && p[j] <= '9') {
		unsigned d = (unsigned)(p[j] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
		j++;
	}
	if (j < n && p[j] == '+')
		j++;
	if (j >= n || p[j] != '}')
		return 0;
	j++;
	if (j < n && p[j] == '\r')
		j++;
	if (j >= n || p[j] != '\n')
		return 0;
	j++;
	if (v > n - j)
		return 0;
	return j + (size_t)v;
}

/* Skip a quoted string starting at p[i] == '"'; offset after it, or 0.
 * *esc is set when it holds a backslash. CR and LF never occur inside.
 * (A byte loop: quoted strings in responses are short, so it beats
 * several memchr calls.) */
static const unsigned char quoted_class[256] = {
	['"'] = 1, ['\\'] = 2, ['\r'] = 3, ['\n'] = 3
};

#ifdef __GNUC__
#define LM_IMAP__INLINE inline __attribute__((always_inline))
#else
#define LM_IMAP__INLINE inline
#endif

static LM_IMAP__INLINE size_t
skip_quoted(const unsigned char *p, size_t n, size_t i, int *esc)
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
			STEP();
			if (bits != 0) {
				j += (size_t)__builtin_ctz(bits);
				break;
			}
			j += 16;
		}
		if (j >= n)
			break;
#endif
		k = quoted_class[p[j]];
		STEP();
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
 * quote; else 0, and skip_quoted() decides (it also finds the malformed
 * ones). */
static LM_IMAP__INLINE size_t
quoted_short(const unsigned char *p, size_t n, size_t i)
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
	STEP();
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

/* Byte classes for the scalar span scanner: 0 ordinary. */
static const unsigned char span_class[256] = {
	['('] = 1, [')'] = 2, ['"'] = 3, ['{'] = 4, ['~'] = 5, ['\r'] = 6,
	['\n'] = 6
};

/* Levels whose lists span_tab() records (deeper ones are scanned again
 * when read, which LM_IMAP_DEPTH_MAX bounds). */
#define TAB_LEVELS LM_IMAP__TAB_LEVELS

/*
 * State of one span scan: the nesting depth, and either the deepest
 * level seen (t NULL) or the table of nested lists t being recorded: for
 * the lists at depth 2 to lev (<= TAB_LEVELS), the first LM_IMAP__LISTS
 * of them in order of their "(", where each ends and how deep it is.
 */
struct span_st {
	unsigned depth, maxd, nl, lev;
	int rec;
	lm_imap__lists *t;
	unsigned m[TAB_LEVELS + 1];     /* deepest level seen in the open list */
	int idx[TAB_LEVELS + 1];        /* its table entry, or -1 */
};

/* A "(" at offset pos. */
static LM_IMAP__INLINE void
span_open(struct span_st *st, size_t pos)
{
	unsigned depth = ++st->depth;

	if (st->t == NULL) {
		if (depth > st->maxd)
			st->maxd = depth;
		return;
	}
	if (depth <= st->lev) {
		st->m[depth] = depth;
		st->idx[depth] = -1;
		if (depth >= 2 && st->rec && st->nl < LM_IMAP__LISTS) {
			st->idx[depth] = (int)st->nl;
			st->t->e[st->nl++].start = (uint32_t)pos;
		}
	} else if (depth > st->m[st->lev]) {
		st->m[st->lev] = depth;
	}
}

/* A ")" ending at offset end (after it): 1 when it closes the span. */
static LM_IMAP__INLINE int
span_close(struct span_st *st, size_t end)
{
	unsigned depth = st->depth;

	if (st->t != NULL && depth <= st->lev) {
		unsigned d = st->m[depth] - depth + 1;
		if (st->idx[depth] >= 0) {
			lm_imap__list *l = &st->t->e[st->idx[depth]];
			l->end = (uint32_t)end;
			l->depth = (uint16_t)(d > 0xfffe ? 0xffff : d);
			l->inner = (uint16_t)(st->nl - (unsigned)st->idx[depth] - 1);
		}
		{
			/* m[0] is a spare: no branch at depth 1 */
			unsigned a = st->m[depth], b = st->m[depth - 1];
			st->m[depth - 1] = a > b ? a : b;
		}
	}
	st->depth = depth - 1;
	return depth == 1;
}

/*
 * The byte-by-byte scanner: from *ip (outside any quoted string), token
 * by token (a quoted string or a literal is skipped whole), until the
 * span closes (1, *ip after its ")"), or *ip >= lim (0: go on from *ip),
 * or the input is malformed or ends first (-1).
 */
static LM_IMAP__INLINE int
span_bytes(const unsigned char *p, size_t n, size_t *ip, size_t lim,
           struct span_st *st)
{
	size_t i = *ip;
	int esc;

	while (i < n) {
		unsigned k;
		if (i >= lim) {
			*ip = i;
			return 0;
		}
		k = span_class[p[i]];
		STEP();
		if (k == 0) {
			i++;
			continue;
		}
		switch (k) {
		case 1:
			span_open(st, i);
			i++;
			break;
		case 2:
			i++;
			if (span_close(st, i)) {
				*ip = i;
				return 1;
			}
			break;
		case 3:
			i = skip_quoted(p, n, i, &esc);
			if (i == 0)
				return -1;
			break;
		case 5:
			if (!(i + 1 < n && p[i + 1] == '{')) {
				i++;
				break;
			}
			/* fall through */
		case 4: {
			size_t e = skip_literal(p, n, i);
			if (e == 0)
				return -1;
			i = e;
			break;
		}
		default:
			return -1;
		}
	}
	return -1;
}

#if defined(LM_IMAP__SSE2) && !LM_SMALL && !defined(LM_NO_SIMD)
#define LM_IMAP__SPAN_SIMD 1

/* Bit k of each mask: p[k] is '"', '(' or ')', or (rare) one of '\\',
 * '{', or a control byte up to CR (LF, CR; TAB and others are sent along
 * although the scanner takes them as ordinary): a backslash matters
 * inside quoted strings only, the others need the byte-by-byte scanner. */
struct span_masks {
	uint64_t q, par, rare;
};

struct span_consts {
	__m128i dq, one, cl, bs, lb, cr;
};

static LM_IMAP__INLINE void
span_consts_init(struct span_consts *k)
{
	k->dq = _mm_set1_epi8('"');
	k->one = _mm_set1_epi8(1);
	k->cl = _mm_set1_epi8(')');
	k->bs = _mm_set1_epi8('\\');
	k->lb = _mm_set1_epi8('{');
	k->cr = _mm_set1_epi8('\r');
}

/* The masks of 16 bytes, shifted to bit sh. */
#define SPAN_BLOCK(p, sh)                                                   \
	do {                                                                \
		__m128i v_ = _mm_loadu_si128((const __m128i *)(const void *)(p)); \
		/* CR and LF among the bytes <= 0x0d (TAB, NUL... too: the  \
		 * byte-by-byte scanner gives the same answer for those)  */ \
		__m128i r_ = _mm_or_si128(                                  \
		    _mm_or_si128(_mm_cmpeq_epi8(v_, k->bs), _mm_cmpeq_epi8(v_, k->lb)), \
		    _mm_cmpeq_epi8(_mm_min_epu8(v_, k->cr), v_));          \
		q |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v_, k->dq)) << (sh); \
		/* "(" is 0x28, ")" 0x29: one compare finds both */           \
		par |= (uint64_t)(unsigned)_mm_movemask_epi8(                  \
		    _mm_cmpeq_epi8(_mm_or_si128(v_, k->one), k->cl)) << (sh);  \
		rare |= (uint64_t)(unsigned)_mm_movemask_epi8(r_) << (sh);  \
	} while (0)

static LM_IMAP__INLINE void
span_masks64(const unsigned char *p, const struct span_consts *k, struct span_masks *m)
{
	uint64_t q = 0, par = 0, rare = 0;

	SPAN_BLOCK(p, 0);
	SPAN_BLOCK(p + 16, 16);
	SPAN_BLOCK(p + 32, 32);
	SPAN_BLOCK(p + 48, 48);
	m->q = q;
	m->par = par;
	m->rare = rare;
}

/* The backslashes among the rare bytes of the 64 at p. */
static uint64_t
span_backslashes(const unsigned char *p, const struct span_consts *k)
{
	uint64_t b = 0;
	int j;

	for (j = 0; j < 4; j++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * j));
		b |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, k->bs)) << (16 * j);
	}
	return b;
}

/* Bit k set when an odd number of bits 0..k of x are set: the bytes
 * from an opening quote up to (not including) its closing quote. */
static LM_IMAP__INLINE uint64_t
prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}
#endif

/*
 * Find the end of the balanced "(...)" at p[0] (the work of
 * lm_imap__list_span() and span_tab()). With SSE2, 64 bytes at a time:
 * masks of the quotes and parentheses, the bytes inside quoted strings
 * from a prefix XOR of the quotes, then only the parentheses outside
 * strings are looked at one by one. A block with a backslash inside a
 * string, a "{" (literal) or CR/LF goes to the byte-by-byte scanner,
 * which gives the same answers everywhere (tests/unit/test_imap_span.c
 * compares the two on random input).
 */
static LM_IMAP__INLINE size_t
span_run(const unsigned char *p, size_t n, struct span_st *st, int simd)
{
	size_t i = 0;
	int r;

	if (n == 0 || p[0] != '(')
		return 0;
#ifdef LM_IMAP__SPAN_SIMD
	if (simd) {
		size_t qstart = 0;
		uint64_t carry = 0;
		struct span_consts kc;
		const struct span_consts *kp = &kc;
		span_consts_init(&kc);
		while (i < n) {
			struct span_masks m;
			uint64_t in, pm;
			size_t left = n - i, lim;
			const unsigned char *blk;
			unsigned sh = 0;
			unsigned char buf[64];
			STEP();
			if (left >= 64) {
				blk = p + i;
				lim = i + 64;
			} else if (n >= 64) {
				/* the last 64 bytes; those already seen shifted out */
				blk = p + n - 64;
				sh = (unsigned)(64 - left);
				lim = n;
			} else {
				memset(buf, ' ', sizeof buf);
				memcpy(buf, p + i, left);
				blk = buf;
				lim = n;
			}
			span_masks64(blk, kp, &m);
			if (sh != 0) {
				m.q >>= sh;
				m.par >>= sh;
				m.rare >>= sh;
			}
			in = prefix_xor(m.q) ^ carry;
			if (m.rare != 0) {
				/* outside strings a backslash is an ordinary byte
				 * (\\Seen); inside, and any "{", CR, LF: byte by byte */
				uint64_t b = span_backslashes(blk, kp) >> sh;
				if (m.rare != b || (b & in) != 0)
					goto bytes;
			}
			pm = m.par & ~in;
			if (st->t == NULL) {
				/* depth and deepest level in registers */
				unsigned depth = st->depth, maxd = st->maxd;
				while (pm != 0) {
					/* no branch on "(" against ")": they mix
					 * unpredictably */
					unsigned k = (unsigned)__builtin_ctzll(pm);
					STEP();
					pm &= pm - 1;
					depth += 2u * (unsigned)(p[i + k] == '(') - 1u;
					maxd = depth > maxd ? depth : maxd;
					if (depth == 0) {
						st->maxd = maxd;
						return i + k + 1;
					}
				}
				st->depth = depth;
				st->maxd = maxd;
			} else {
				/* span_open() and span_close() with the counters
				 * in registers (stores to the table could alias
				 * them in st) */
				unsigned depth = st->depth, nl = st->nl, lev = st->lev;
				unsigned cap = st->rec ? LM_IMAP__LISTS : 0;
				lm_imap__lists *t = st->t;
				while (pm != 0) {
					unsigned k = (unsigned)__builtin_ctzll(pm);
					size_t pos = i + k;
					STEP();
					pm &= pm - 1;
					if (p[pos] == '(') {
						depth++;
						if (depth <= lev) {
							st->m[depth] = depth;
							st->idx[depth] = -1;
							if (depth >= 2 && nl < cap) {
								st->idx[depth] = (int)nl;
								t->e[nl++].start = (uint32_t)pos;
							}
						} else if (depth > st->m[lev]) {
							st->m[lev] = depth;
						}
						continue;
					}
					if (depth <= lev) {
						unsigned a = st->m[depth], b = st->m[depth - 1];
						int x = st->idx[depth];
						if (x >= 0) {
							unsigned d = a - depth + 1;
							t->e[x].end = (uint32_t)(pos + 1);
							t->e[x].depth = (uint16_t)(d > 0xfffe ? 0xffff : d);
							t->e[x].inner = (uint16_t)(nl - (unsigned)x - 1);
						}
						st->m[depth - 1] = a > b ? a : b;
					}
					if (--depth == 0) {
						st->depth = 0;
						st->nl = nl;
						return pos + 1;
					}
				}
				st->depth = depth;
				st->nl = nl;
			}
			if (lim == n)
				return 0;          /* not closed */
			if (in >> 63) {
				if (m.q != 0)
					qstart = i + 63 - (unsigned)__builtin_clzll(m.q);
				carry = ~(uint64_t)0;
			} else {
				carry = 0;
			}
			i = lim;
			continue;
		bytes:
			/* from the quote that opened a string still open */
			if (carry)
				i = qstart;
			r = span_bytes(p, n, &i, lim, st);
			if (r != 0)
				return r > 0 ? i : 0;
			carry = 0;
		}
		return 0;
	}
#else
	(void)simd;
#endif
	r = span_bytes(p, n, &i, n, st);
	return r > 0 ? i : 0;
}

/* The path used: 1 SSE2, 0 byte by byte. (An AVX2 variant of the masks,
 * chosen at run time, measured slower on this project's AMD EPYC test
 * machine: the per-parenthesis work dominates, not the compares.) */
#ifdef LM_IMAP__SPAN_SIMD
#define SPAN_SIMD 1
#else
#define SPAN_SIMD 0
#endif

/* lm_imap__list_span() on the given path (simd 0: byte by byte). */
static size_t
list_span_path(const unsigned char *p, size_t n, unsigned *maxdepth, int simd)
{
	struct span_st st;
	size_t e;

	st.depth = st.maxd = st.nl = st.lev = 0;
	st.rec = 0;
	st.t = NULL;
	e = span_run(p, n, &st, simd);
	*maxdepth = e ? st.maxd : 0;
	return e;
}

size_t
lm_imap__list_span(const unsigned char *p, size_t n, unsigned *maxdepth)
{
	return list_span_path(p, n, maxdepth, SPAN_SIMD);
}

/*
 * lm_imap__list_span() that also records in the table t where the lists
 * nested in p (depth 2 to lev, the first LM_IMAP__LISTS of them in order
 * of their "(") end, and how deep each is: the one scan that a value
 * needs, after which reading a member list or a child costs O(1)
 * (tab_find()). Same result as list_span.
 */
static size_t
span_tab_path(const unsigned char *p, size_t n, unsigned *maxdepth, lm_imap__lists *t,
              unsigned lev, int simd)
{
	struct span_st st;
	size_t e;

	*maxdepth = 0;
	t->base = p;
	t->n = 0;
	st.depth = st.maxd = st.nl = 0;
	st.lev = lev < 1 ? 1 : lev > TAB_LEVELS ? TAB_LEVELS : lev;
	st.rec = n < UINT32_MAX;
	st.t = t;
	st.m[0] = 0;
	e = span_run(p, n, &st, simd);
	if (e == 0)
		return 0;
	*maxdepth = t->vdepth = st.m[1];
	t->n = st.nl;
	return e;
}

size_t
lm_imap__list_tab(const unsigned char *p, size_t n, unsigned *maxdepth,
                  lm_imap__lists *t, unsigned lev)
{
	return span_tab_path(p, n, maxdepth, t, lev, SPAN_SIMD);
}

static size_t
span_tab(const unsigned char *p, size_t n, unsigned *maxdepth, lm_imap__lists *t)
{
	return span_tab_path(p, n, maxdepth, t, TAB_LEVELS, SPAN_SIMD);
}

/* The entry of b's table for the list starting at q (with avail bytes
 * left in the reader), or -1 when not recorded. hint: the entry
 * expected (lists are mostly read in order: see struct tab_cur), tried
 * before a binary search. */
static LM_IMAP__INLINE int
tab_index(const lm_imap__lists *b, unsigned hint, const unsigned char *q, size_t avail)
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
struct tab_cur {
	const lm_imap__lists *t;
	unsigned next;
};

/* The list starting at q (with avail bytes left in the reader) from c's
 * table: 1 and its length and depth (c then past it), or 0 when not
 * recorded. */
static LM_IMAP__INLINE int
tab_find(struct tab_cur *c, const unsigned char *q, size_t avail,
         size_t *len, unsigned *depth)
{
	int x;

	if (c == NULL || (x = tab_index(c->t, c->next, q, avail)) < 0)
		return 0;
	*len = c->t->e[x].end - c->t->e[x].start;
	*depth = c->t->e[x].depth;
	c->next = (unsigned)x + 1 + c->t->e[x].inner;
	return 1;
}

/* ------------------------------------------------------------------ */
/* token reader                                                        */
/* ------------------------------------------------------------------ */

/* see imap.h */
void
lm_imap_reader_init(lm_imap_reader *r, lm_slice s)
{
	r->p = s.p;
	r->len = s.p ? s.len : 0;
	r->pos = 0;
	r->depth = 0;
}

/* see imap.h */
void
lm_imap_reader_enter(lm_imap_reader *r, const lm_imap_tok *list)
{
	r->pos = 0;
	r->depth = 0;
	if (list == NULL || list->type != LM_IMAP_TOK_OPEN || list->s.len < 2) {
		r->p = NULL;
		r->len = 0;
		return;
	}
	r->p = list->s.p + 1;
	r->len = list->s.len - 2;
}

/* The bytes that end an atom or a number. */
static const unsigned char word_end_tab[256] = {
	[' '] = 1, ['('] = 1, [')'] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1,
	['\0'] = 1, ['\t'] = 1
};

static LM_IMAP__INLINE int
word_end(unsigned char ch)
{
	return word_end_tab[ch];
}

/* lm_imap_read(), taking the ends of lists from tab when recorded
 * there (tab NULL: always scan). */
static lm_imap_tok_type
read_tab(lm_imap_reader *r, lm_imap_tok *t, struct tab_cur *tab)
{
	const unsigned char *p = r->p;
	size_t n = r->len, i = r->pos;
	unsigned char ch;

	t->s.p = NULL;
	t->s.len = 0;
	t->esc = 0;
	t->num = 0;
	t->depth = 0;
	/* LM_IMAP_LENIENT_SPACES: any number of separators */
	while (i < n && (p[i] == ' ' || p[i] == '\t')) {
		STEP();
		i++;
	}
	if (i >= n) {
		r->pos = n;
		return t->type = LM_IMAP_TOK_END;
	}
	ch = p[i];
	t->s.p = p + i;
	if (ch == '(') {
		unsigned d;
		size_t e;
		if (!tab_find(tab, p + i, n - i, &e, &d))
			e = lm_imap__list_span(p + i, n - i, &d);
		if (e == 0)
			goto bad;
		t->s.len = e;
		t->depth = d;
		r->pos = i + e;
		return t->type = LM_IMAP_TOK_OPEN;
	}
	if (ch == ')') {
		t->s.len = 1;
		r->pos = i + 1;
		return t->type = LM_IMAP_TOK_CLOSE;
	}
	if (ch == '"') {
		int esc;
		size_t e = skip_quoted(p, n, i, &esc);
		if (e == 0)
			goto bad;
		t->s.p = p + i + 1;
		t->s.len = e - i - 2;
		t->esc = esc;
		r->pos = e;
		return t->type = LM_IMAP_TOK_STRING;
	}
	if (ch == '{' || (ch == '~' && i + 1 < n && p[i + 1] == '{')) {
		size_t e = skip_literal(p, n, i), j = i;
		uint64_t v = 0;
		if (e == 0)
			goto bad;
		while (p[j] != '}')
			j++;
		j++;
		if (p[j] == '\r')
			j++;
		j++;                                  /* LF */
		v = e - j;
		t->s.p = p + j;
		t->s.len = (size_t)v;
		r->pos = e;
		return t->type = LM_IMAP_TOK_STRING;
	}
	{
		size_t j = i;
		int digits = 1;
		uint64_t v = 0;
		while (j < n && !word_end(p[j])) {
			STEP();
			if (p[j] < '0' || p[j] > '9') {
				digits = 0;
			} else if (digits) {
				unsigned d = (unsigned)(p[j] - '0');
				if (v > (UINT64_MAX - d) / 10)
					digits = 0;
				else
					v = v * 10 + d;
			}
			j++;
		}
		if (j == i)
			goto bad;
		t->s.len = j - i;
		r->pos = j;
		if (digits) {
			t->num = v;
			return t->type = LM_IMAP_TOK_NUMBER;
		}
		if (t->s.len == 3 && (t->s.p[0] | 0x20) == 'n' &&
		    (t->s.p[1] | 0x20) == 'i' && (t->s.p[2] | 0x20) == 'l') {
			t->s.len = 0;
			return t->type = LM_IMAP_TOK_NIL;
		}
		return t->type = LM_IMAP_TOK_ATOM;
	}
bad:
	r->pos = n;
	t->s.len = 0;
	return t->type = LM_IMAP_TOK_ERROR;
}


/*
 * read_tab() with the tokens that fill ENVELOPE and BODYSTRUCTURE
 * values read inline: a quoted string, NIL, a short number. Anything
 * else (and anything unusual about these) goes through read_tab(), so
 * the results are the same.
 */
static LM_IMAP__INLINE lm_imap_tok_type
read_fast(lm_imap_reader *r, lm_imap_tok *t, struct tab_cur *tab)
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
			size_t e = quoted_short(p, n, i);
			if (e == 0)
				e = skip_quoted(p, n, i, &esc);
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
			STEP();
			if (n - i >= 3 && (p[i + 1] | 0x20) == 'i' && (p[i + 2] | 0x20) == 'l' &&
			    (n - i == 3 || word_end(p[i + 3]))) {
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
			if (tab_find(tab, p + i, n - i, &e, &d)) {
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
				STEP();
				v = v * 10 + (unsigned)(p[j] - '0');
				j++;
			}
			if (j == n || (j < lim && word_end(p[j]))) {
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
	return read_tab(r, t, tab);
}

/* see imap.h */
lm_imap_tok_type
lm_imap_read(lm_imap_reader *r, lm_imap_tok *t)
{
	return read_fast(r, t, NULL);
}

/* see imap.h */
int
lm_imap_tok_copy(const lm_imap_tok *t, char *buf, size_t cap, size_t *len)
{
	size_t i, w = 0;

	if (len)
		*len = 0;
	if (t == NULL || buf == NULL || cap == 0)
		return LM_ERR_BAD_PARAM;
	buf[0] = '\0';
	switch (t->type) {
	case LM_IMAP_TOK_NIL:
	case LM_IMAP_TOK_END:
		return 0;
	case LM_IMAP_TOK_ATOM:
	case LM_IMAP_TOK_NUMBER:
	case LM_IMAP_TOK_STRING:
		break;
	default:
		return LM_ERR_BAD_PARAM;
	}
	for (i = 0; i < t->s.len; i++) {
		unsigned char ch = t->s.p[i];
		if (t->esc && ch == '\\' && i + 1 < t->s.len)
			ch = t->s.p[++i];
		if (w + 1 >= cap) {
			buf[w] = '\0';
			if (len)
				*len = w;
			return LM_ERR_BUFFER_TOO_SMALL;
		}
		buf[w++] = (char)ch;
	}
	buf[w] = '\0';
	if (len)
		*len = w;
	return 0;
}

/* see imap.h */
int
lm_imap_tok_eq(const lm_imap_tok *t, const char *s)
{
	size_t i, k = 0;

	if (t == NULL || s == NULL)
		return 0;
	if (t->type != LM_IMAP_TOK_ATOM && t->type != LM_IMAP_TOK_STRING &&
	    t->type != LM_IMAP_TOK_NUMBER)
		return 0;
	for (i = 0; i < t->s.len; i++) {
		unsigned char ch = t->s.p[i];
		if (t->esc && ch == '\\' && i + 1 < t->s.len)
			ch = t->s.p[++i];
		if (s[k] == '\0' || lm_core__upper(ch) != lm_core__upper((unsigned char)s[k]))
			return 0;
		k++;
	}
	return s[k] == '\0';
}

/* see imap.h */
int
lm_imap_num_next(lm_slice *list, uint64_t *n)
{
	size_t i = 0, j;
	uint64_t v = 0;

	if (list == NULL || n == NULL || list->p == NULL)
		return 0;
	while (i < list->len && list->p[i] == ' ')
		i++;
	j = i;
	while (j < list->len && list->p[j] >= '0' && list->p[j] <= '9') {
		unsigned d = (unsigned)(list->p[j] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
		j++;
	}
	if (j == i || (j < list->len && list->p[j] != ' '))
		return 0;
	*n = v;
	list->p += j;
	list->len -= j;
	return 1;
}

static int
is_string(const lm_imap_tok *t)
{
	/* LM_IMAP_LENIENT_NIL_STRING: NIL (and bare atoms) stand in for strings */
	return t->type == LM_IMAP_TOK_STRING || t->type == LM_IMAP_TOK_NIL ||
	       t->type == LM_IMAP_TOK_ATOM || t->type == LM_IMAP_TOK_NUMBER;
}

/* see imap.h */
int
lm_imap_param_next(lm_imap_reader *r, lm_imap_tok *k, lm_imap_tok *v)
{
	if (read_fast(r, k, NULL) == LM_IMAP_TOK_END)
		return 0;
	if (!is_string(k))
		return 0;
	read_fast(r, v, NULL);
	if (!is_string(v) && v->type != LM_IMAP_TOK_OPEN)
		return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* ENVELOPE and addresses                                              */
/* ------------------------------------------------------------------ */

static int
addr_list_ok(const lm_imap_tok *t)
{
	/* LM_IMAP_LENIENT_NIL_STRING: "" for an empty list (seen from Yahoo) */
	return t->type == LM_IMAP_TOK_OPEN || t->type == LM_IMAP_TOK_NIL ||
	       (t->type == LM_IMAP_TOK_STRING && t->s.len == 0);
}

/* A field at p[i] that is a quoted string or NIL: the offset after it,
 * else 0. What follows it is the caller's to check. */
static LM_IMAP__INLINE size_t
plain_end(const unsigned char *p, size_t n, size_t i)
{
	STEP();
	if (i >= n)
		return 0;
	if (p[i] == '"') {
		size_t e = quoted_short(p, n, i);
		int esc;
		return e != 0 ? e : skip_quoted(p, n, i, &esc);
	}
	if (n - i >= 3 && (p[i] | 0x20) == 'n' && (p[i + 1] | 0x20) == 'i' &&
	    (p[i + 2] | 0x20) == 'l')
		return i + 3;
	return 0;
}

/*
 * The address list "((f f f f)(f f f f)...)" at p[0] == '(' read field by
 * field when every field is a quoted string or NIL,
 * separated by single spaces (what servers send): its length and depth,
 * which are then what lm_imap__list_span() gives, without a separate
 * scan to find its end. 0 for anything else (the caller scans).
 */
static LM_IMAP__INLINE size_t
addr_list_span(const unsigned char *p, size_t n, unsigned *depth)
{
	size_t i = 1;
	unsigned any = 0;

	for (;;) {
		int f;
		if (i >= n)
			return 0;
		if (p[i] == ')') {
			*depth = any ? 2 : 1;
			return i + 1;
		}
		if (p[i] != '(')
			return 0;
		i++;
		for (f = 0; f < 4; f++) {
			if (f > 0) {
				if (i >= n || p[i] != ' ')
					return 0;
				i++;
			}
			if ((i = plain_end(p, n, i)) == 0)
				return 0;
		}
		if (i >= n || p[i] != ')')
			return 0;
		i++;
		any = 1;
	}
}

/* lm_imap_envelope_parse(), with the address lists' ends taken from tab
 * when given (the engine's record of value), else found by
 * addr_list_span() or a scan. */
static int
envelope_read(lm_slice value, lm_imap_envelope *env, const lm_imap__lists *tab)
{
	lm_imap_reader in;
	lm_imap_tok t, *f[10];
	int i;
	struct tab_cur cur;

	cur.t = tab;
	cur.next = 0;

	/* enter the list without scanning it first: every member is read
	 * (and checked) below, and nothing may follow the tenth */
	while (value.p != NULL && value.len > 0 && value.p[value.len - 1] == ' ')
		value.len--;
	if (value.p == NULL || value.len < 2 || value.p[0] != '(' ||
	    value.p[value.len - 1] != ')') {
		memset(env, 0, sizeof *env);
		return LM_ERR_DECODE;
	}
	t.type = LM_IMAP_TOK_OPEN;
	t.s = value;
	lm_imap_reader_enter(&in, &t);
	f[0] = &env->date; f[1] = &env->subject; f[2] = &env->from;
	f[3] = &env->sender; f[4] = &env->reply_to; f[5] = &env->to;
	f[6] = &env->cc; f[7] = &env->bcc; f[8] = &env->in_reply_to;
	f[9] = &env->message_id;
	/* each field is written whole by lm_imap_read(); on an error the
	 * fields not reached are zeroed (as a memset up front would) */
	for (i = 0; i < 10; i++) {
		if (i >= 2 && i <= 7) {
			size_t j = in.pos, e = 0;
			unsigned d = 0;
			if (j < in.len && in.p[j] == ' ')
				j++;
			if (j < in.len && in.p[j] == '(' &&
			    (tab != NULL ? tab_find(&cur, in.p + j, in.len - j, &e, &d) :
			     (e = addr_list_span(in.p + j, in.len - j, &d)) != 0)) {
				/* what read_fast() gives, without a second scan */
				f[i]->type = LM_IMAP_TOK_OPEN;
				f[i]->s.p = in.p + j;
				f[i]->s.len = e;
				f[i]->esc = 0;
				f[i]->num = 0;
				f[i]->depth = d;
				in.pos = j + e;
				continue;
			}
		}
		read_fast(&in, f[i], NULL);
		if (i >= 2 && i <= 7) {
			if (!addr_list_ok(f[i]))
				break;
			if (f[i]->type == LM_IMAP_TOK_STRING)
				f[i]->type = LM_IMAP_TOK_NIL;
		} else if (!is_string(f[i])) {
			break;
		}
	}
	if (i < 10) {
		while (++i < 10)
			memset(f[i], 0, sizeof *f[i]);
		return LM_ERR_DECODE;
	}
	if (lm_imap_read(&in, &t) != LM_IMAP_TOK_END)
		return LM_ERR_DECODE;
	return 0;
}

/* see imap.h */
int
lm_imap_envelope_parse(lm_slice value, lm_imap_envelope *env)
{
	if (env == NULL)
		return LM_ERR_BAD_PARAM;
	return envelope_read(value, env, NULL);
}

/* The engine's table of ev's value when it recorded one for this very
 * value (a caller may have changed the slice), else NULL. */
static const lm_imap__lists *
event_tab(const lm_imap_event *ev)
{
	if (ev->tab.base != NULL && ev->tab.base == ev->fetch.value.p)
		return &ev->tab;
	return NULL;
}

/* see imap.h */
int
lm_imap_fetch_envelope(const lm_imap_event *ev, lm_imap_envelope *env)
{
	if (ev == NULL || env == NULL || ev->type != LM_IMAP_EV_FETCH_ITEM ||
	    ev->fetch.item != LM_IMAP_ITEM_ENVELOPE)
		return LM_ERR_BAD_PARAM;
	return envelope_read(ev->fetch.value, env, event_tab(ev));
}

/* An ATOM holding "{" is where the list scanner (which takes "{" for a
 * literal) and the token reader disagree: address_fast() leaves such
 * input to the scanning path. */
static int
plain_field(const lm_imap_tok *t)
{
	return is_string(t) &&
	       (t->type != LM_IMAP_TOK_ATOM || memchr(t->s.p, '{', t->s.len) == NULL);
}

/* A quoted string or NIL at p[i] followed by a byte that ends it, written
 * to *t as read_fast() reads it: the offset after it, else 0 (*t then
 * undefined). */
static LM_IMAP__INLINE size_t
field_fast(const unsigned char *p, size_t n, size_t i, lm_imap_tok *t)
{
	size_t e;
	int esc = 0;

	if (i >= n)
		return 0;
	if (p[i] == '"') {
		e = quoted_short(p, n, i);
		if (e == 0 && (e = skip_quoted(p, n, i, &esc)) == 0)
			return 0;
		t->type = LM_IMAP_TOK_STRING;
		t->s.p = p + i + 1;
		t->s.len = e - i - 2;
	} else if (n - i >= 4 && (p[i] | 0x20) == 'n' && (p[i + 1] | 0x20) == 'i' &&
	           (p[i + 2] | 0x20) == 'l' && word_end(p[i + 3])) {
		e = i + 3;
		t->type = LM_IMAP_TOK_NIL;
		t->s.p = p + i;
		t->s.len = 0;
	} else {
		return 0;
	}
	t->esc = esc;
	t->num = 0;
	t->depth = 0;
	return e;
}

/* The address as servers send it, "(f f f f)" with each field a quoted
 * string or NIL and single spaces, read straight from r's bytes: 1 (r
 * after it), else 0 (r unchanged, *a undefined). The same tokens as
 * address_fast() gives (tests/unit/test_imap_span.c compares). */
static LM_IMAP__INLINE int
address_plain(lm_imap_reader *r, lm_imap_address *a)
{
	const unsigned char *p = r->p;
	size_t n = r->len, i = r->pos;

	i += (size_t)(i < n && p[i] == ' ');
	if (i >= n || p[i] != '(')
		return 0;
	if ((i = field_fast(p, n, i + 1, &a->name)) == 0 || i >= n || p[i] != ' ' ||
	    (i = field_fast(p, n, i + 1, &a->adl)) == 0 || i >= n || p[i] != ' ' ||
	    (i = field_fast(p, n, i + 1, &a->mailbox)) == 0 || i >= n || p[i] != ' ' ||
	    (i = field_fast(p, n, i + 1, &a->host)) == 0 || i >= n || p[i] != ')')
		return 0;
	r->pos = i + 1;
	return 1;
}

/* The common address "(name adl mailbox host)" read in place, without
 * scanning it first to find its end: 1 when it is four plain fields and
 * ")", r then after it; 0 (r unchanged) for anything else. */
static int
address_fast(lm_imap_reader *r, lm_imap_address *a)
{
	size_t i = r->pos;
	lm_imap_reader in;
	lm_imap_tok t;

	while (i < r->len && (r->p[i] == ' ' || r->p[i] == '\t'))
		i++;
	/* a name is never a list: leave "((" to the scanning path */
	if (i + 1 >= r->len || r->p[i] != '(' || r->p[i + 1] == '(')
		return 0;
	in.p = r->p + i + 1;
	in.len = r->len - i - 1;
	in.pos = 0;
	in.depth = 0;
	read_fast(&in, &a->name, NULL);
	if (!plain_field(&a->name))
		return 0;
	read_fast(&in, &a->adl, NULL);
	read_fast(&in, &a->mailbox, NULL);
	read_fast(&in, &a->host, NULL);
	if (!plain_field(&a->adl) || !plain_field(&a->mailbox) ||
	    !plain_field(&a->host) || read_fast(&in, &t, NULL) != LM_IMAP_TOK_CLOSE)
		return 0;
	r->pos = i + 1 + in.pos;
	return 1;
}

/* see imap.h */
int
lm_imap_address_next(lm_imap_reader *r, lm_imap_address *a)
{
	lm_imap_tok t;
	lm_imap_reader in;

	static const lm_imap_address zero;

	if (r->pos >= r->len) {
		/* the end, as lm_imap_read() gives it below (a copy, not a
		 * memset: that is a "rep stos", slow to start) */
		*a = zero;
		r->pos = r->len;
		return 0;
	}
	/* every member is written by the fast paths (no memset: it showed
	 * in profiles) */
	a->group_start = a->group_end = 0;
	if (address_plain(r, a) || address_fast(r, a)) {
		if (a->host.type == LM_IMAP_TOK_NIL) {
			if (a->mailbox.type == LM_IMAP_TOK_NIL)
				a->group_end = 1;
			else
				a->group_start = 1;
		}
		return 1;
	}
	memset(a, 0, sizeof *a);
	switch (lm_imap_read(r, &t)) {
	case LM_IMAP_TOK_END:
		return 0;
	case LM_IMAP_TOK_OPEN:
		break;
	default:
		return LM_ERR_DECODE;
	}
	lm_imap_reader_enter(&in, &t);
	lm_imap_read(&in, &a->name);
	lm_imap_read(&in, &a->adl);
	lm_imap_read(&in, &a->mailbox);
	lm_imap_read(&in, &a->host);
	if (!is_string(&a->name) || !is_string(&a->adl) ||
	    !is_string(&a->mailbox) || !is_string(&a->host))
		return LM_ERR_DECODE;
	if (a->host.type == LM_IMAP_TOK_NIL) {
		if (a->mailbox.type == LM_IMAP_TOK_NIL)
			a->group_end = 1;
		else
			a->group_start = 1;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* BODYSTRUCTURE                                                       */
/* ------------------------------------------------------------------ */

/* lm_imap_tok_eq(t, s) for an upper-case s of length n, inline. */
static LM_IMAP__INLINE int
tok_is(const lm_imap_tok *t, const char *s, size_t n)
{
	if (t->esc)
		return lm_imap_tok_eq(t, s);
	return (t->type == LM_IMAP_TOK_STRING || t->type == LM_IMAP_TOK_ATOM) &&
	       t->s.len == n && lm_core__ieqz(t->s.p, n, s);
}

static int
read_ext(lm_imap_reader *in, lm_imap_body *b, int multipart, struct tab_cur *cur)
{
	lm_imap_tok t;
	size_t save;

	/* multipart: params first; single part: md5 first */
	if (read_fast(in, &t, cur) == LM_IMAP_TOK_END)
		return 0;
	b->has_ext = 1;
	if (multipart)
		b->params = t;
	else
		b->md5 = t;
	if (read_fast(in, &b->disposition, cur) == LM_IMAP_TOK_END)
		return 0;
	if (read_fast(in, &b->language, cur) == LM_IMAP_TOK_END)
		return 0;
	if (read_fast(in, &b->location, cur) == LM_IMAP_TOK_END)
		return 0;
	save = in->pos;
	while (save < in->len && in->p[save] == ' ')
		save++;
	b->more_ext.p = in->p + save;
	b->more_ext.len = in->len - save;
	return 0;
}

static int body_parse_tok(const lm_imap_tok *list, lm_imap_body *b);

/* memset of b's public members, member by member: a memset of the ~600
 * bytes compiles to "rep stos", which showed in profiles */
static void
body_zero(lm_imap_body *b)
{
	static const lm_imap_tok z;
	b->multipart = 0;
	b->type = z;
	b->subtype = z;
	b->params = z;
	b->id = z;
	b->description = z;
	b->encoding = z;
	b->size = 0;
	b->lines = 0;
	b->envelope = z;
	b->body = z;
	b->parts = z;
	b->has_ext = 0;
	b->md5 = z;
	b->disposition = z;
	b->language = z;
	b->location = z;
	b->more_ext.p = NULL;
	b->more_ext.len = 0;
}

/* see imap.h */
int
lm_imap_body_parse(lm_slice value, lm_imap_body *b)
{
	lm_imap_tok t;
	size_t i = 0, e;
	unsigned d;

	if (b == NULL)
		return LM_ERR_BAD_PARAM;
	/* what lm_imap_read() does for the first token, with the one scan
	 * of the value recording where its nested lists end */
	if (value.p == NULL)
		value.len = 0;
	while (i < value.len && (value.p[i] == ' ' || value.p[i] == '\t'))
		i++;
	if (i >= value.len || value.p[i] != '(' ||
	    (e = span_tab(value.p + i, value.len - i, &d, &b->tab)) == 0) {
		memset(b, 0, sizeof *b);
		return LM_ERR_DECODE;
	}
	t.type = LM_IMAP_TOK_OPEN;
	t.s.p = value.p + i;
	t.s.len = e;
	t.esc = 0;
	t.num = 0;
	t.depth = d;
	return body_parse_tok(&t, b);
}

/* see imap.h */
int
lm_imap_fetch_body(const lm_imap_event *ev, lm_imap_body *b)
{
	const lm_imap__lists *tab;
	lm_slice v;
	lm_imap_tok t;

	if (ev == NULL || b == NULL || ev->type != LM_IMAP_EV_FETCH_ITEM ||
	    (ev->fetch.item != LM_IMAP_ITEM_BODYSTRUCTURE &&
	     ev->fetch.item != LM_IMAP_ITEM_BODY))
		return LM_ERR_BAD_PARAM;
	v = ev->fetch.value;
	tab = event_tab(ev);
	if (tab == NULL || v.len < 2 || v.p[0] != '(' || v.p[v.len - 1] != ')')
		return lm_imap_body_parse(v, b);
	/* the engine found the value's end and depth in the same scan */
	memcpy(b->tab.e, tab->e, tab->n * sizeof tab->e[0]);
	b->tab.base = tab->base;
	b->tab.n = tab->n;
	t.type = LM_IMAP_TOK_OPEN;
	t.s = v;
	t.esc = 0;
	t.num = 0;
	t.depth = tab->vdepth;
	return body_parse_tok(&t, b);
}

/* Parse a body from its already-read OPEN token (no second scan); b's
 * private table of list ends is already set (it is kept). */
static int
body_parse_tok(const lm_imap_tok *list, lm_imap_body *b)
{
	lm_imap_reader in;
	lm_imap_tok t;
	struct tab_cur c0, *cur = &c0;

	/* b's table starts with the first list inside b */
	c0.t = &b->tab;
	c0.next = 0;
	body_zero(b);
	if (list->depth > LM_IMAP_DEPTH_MAX)
		return LM_ERR_LIMIT;
	lm_imap_reader_enter(&in, list);
	if (read_fast(&in, &t, cur) == LM_IMAP_TOK_OPEN) {
		/* multipart: body* then subtype */
		const unsigned char *first = t.s.p, *last = t.s.p + t.s.len;
		b->multipart = 1;
		for (;;) {
			size_t save = in.pos;
			read_fast(&in, &t, cur);
			if (t.type != LM_IMAP_TOK_OPEN) {
				(void)save;
				break;
			}
			last = t.s.p + t.s.len;
		}
		b->parts.type = LM_IMAP_TOK_OPEN;
		b->parts.s.p = first;
		b->parts.s.len = (size_t)(last - first);
		b->type.type = LM_IMAP_TOK_ATOM;
		b->type.s.p = (const unsigned char *)"MULTIPART";
		b->type.s.len = 9;
		if (!is_string(&t))
			return LM_ERR_DECODE;
		b->subtype = t;
		return read_ext(&in, b, 1, cur);
	}
	b->type = t;
	if (!is_string(&b->type))
		return LM_ERR_DECODE;
	read_fast(&in, &b->subtype, cur);
	read_fast(&in, &b->params, cur);
	read_fast(&in, &b->id, cur);
	read_fast(&in, &b->description, cur);
	read_fast(&in, &b->encoding, cur);
	if (!is_string(&b->subtype) || !is_string(&b->id) ||
	    !is_string(&b->description) || !is_string(&b->encoding) ||
	    (b->params.type != LM_IMAP_TOK_OPEN && !is_string(&b->params)))
		return LM_ERR_DECODE;
	read_fast(&in, &t, cur);
	if (t.type == LM_IMAP_TOK_NUMBER)
		b->size = t.num;
	else if (t.type != LM_IMAP_TOK_NIL)  /* LM_IMAP_LENIENT_NIL_STRING */
		return LM_ERR_DECODE;
	if (tok_is(&b->type, "MESSAGE", 7) &&
	    (tok_is(&b->subtype, "RFC822", 6) || tok_is(&b->subtype, "GLOBAL", 6))) {
		lm_imap_reader save = in;
		read_fast(&in, &b->envelope, cur);
		if (b->envelope.type == LM_IMAP_TOK_OPEN) {
			read_fast(&in, &b->body, cur);
			if (b->body.type != LM_IMAP_TOK_OPEN)
				return LM_ERR_DECODE;
			read_fast(&in, &t, cur);
			if (t.type != LM_IMAP_TOK_NUMBER)
				return LM_ERR_DECODE;
			b->lines = t.num;
		} else {
			/* some servers send message/rfc822 without the
			 * envelope/body/lines triple: treat as basic */
			memset(&b->envelope, 0, sizeof b->envelope);
			in = save;
		}
	} else if (tok_is(&b->type, "TEXT", 4)) {
		lm_imap_reader save = in;
		read_fast(&in, &t, cur);
		if (t.type == LM_IMAP_TOK_NUMBER)
			b->lines = t.num;
		else
			in = save;
	}
	return read_ext(&in, b, 0, cur);
}

/* see imap.h */
int
lm_imap_body_child(const lm_imap_body *b, lm_imap_reader *it, lm_imap_body *child)
{
	lm_imap_tok t;
	size_t i, e;
	unsigned d;
	int x, r;

	if (b == NULL || it == NULL || child == NULL || !b->multipart)
		return LM_ERR_BAD_PARAM;
	if (it->p == NULL) {
		/* it->depth: the table entry expected for the next child (the
		 * first list inside b is its first child) */
		lm_imap_reader_init(it, b->parts.s);
		if (it->p == NULL)
			return 0;
	}
	i = it->pos;
	while (i < it->len && (it->p[i] == ' ' || it->p[i] == '\t'))
		i++;
	if (i >= it->len || it->p[i] != '(') {
		/* what lm_imap_read() gives: anything but a list ends the
		 * walk */
		it->pos = i;
		return 0;
	}
	t.type = LM_IMAP_TOK_OPEN;
	t.s.p = it->p + i;
	t.esc = 0;
	t.num = 0;
	x = tab_index(&b->tab, it->depth, t.s.p, it->len - i);
	if (x >= 0) {
		/* the child keeps the part of b's table inside it: the
		 * entries after its own */
		const lm_imap__list *l = &b->tab.e[x];
		t.s.len = l->end - l->start;
		t.depth = l->depth;
		it->pos = i + t.s.len;
		it->depth = (unsigned)x + 1 + l->inner;
		memmove(child->tab.e, l + 1, l->inner * sizeof *l);
		child->tab.n = l->inner;
		child->tab.base = b->tab.base;
	} else {
		/* a child past b's table: the scan that finds its end also
		 * gives it a table of its own, so that its subtree is not
		 * rescanned level by level */
		e = span_tab(t.s.p, it->len - i, &d, &child->tab);
		if (e == 0) {
			it->pos = it->len;
			child->tab.n = 0;
			return 0;
		}
		it->pos = i + e;
		t.s.len = e;
		t.depth = d;
	}
	r = body_parse_tok(&t, child);
	return r < 0 ? r : 1;
}

/* see imap.h */
int
lm_imap_body_find(lm_slice value, const char *part, lm_imap_body *b)
{
	lm_imap_body cur;
	int r, first = 1;
	const char *s = part;

	if (b == NULL || part == NULL)
		return LM_ERR_BAD_PARAM;
	r = lm_imap_body_parse(value, &cur);
	if (r < 0)
		return r;
	while (*s) {
		unsigned long k = 0;
		if (*s < '0' || *s > '9')
			return LM_ERR_DECODE;
		while (*s >= '0' && *s <= '9') {
			k = k * 10 + (unsigned long)(*s - '0');
			if (k > 100000)
				return LM_ERR_DECODE;
			s++;
		}
		if (*s == '.')
			s++;
		else if (*s)
			return LM_ERR_DECODE;
		if (k == 0)
			return LM_ERR_DECODE;
		if (!cur.multipart && !first && cur.body.type == LM_IMAP_TOK_OPEN) {
			/* message/rfc822: numbers apply to the enclosed body */
			lm_imap_body enc;
			r = lm_imap_body_parse(cur.body.s, &enc);
			if (r < 0)
				return r;
			cur = enc;
			if (!cur.multipart) {
				if (k != 1)
					return LM_ERR_DECODE;
				first = 0;
				continue;
			}
		}
		if (cur.multipart) {
			lm_imap_reader it;
			lm_imap_body ch;
			unsigned long i = 0;
			memset(&it, 0, sizeof it);
			for (;;) {
				r = lm_imap_body_child(&cur, &it, &ch);
				if (r < 0)
					return r;
				if (r == 0)
					return LM_ERR_DECODE;
				if (++i == k)
					break;
			}
			cur = ch;
		} else if (k != 1 || !first) {
			/* only a single-part message has a part 1 */
			return LM_ERR_DECODE;
		}
		first = 0;
	}
	*b = cur;
	return 0;
}

/* ------------------------------------------------------------------ */
/* string encoder                                                      */
/* ------------------------------------------------------------------ */

/* see imap.h */
int
lm_imap_encode_string(const char *s, size_t n, int utf8, int nonsync,
                      int always_quote, char *out, size_t cap, size_t *outlen,
                      int *literal)
{
	size_t i, w = 0;
	int atom = !always_quote && n > 0, quoted = n <= 1000;

	if (outlen)
		*outlen = 0;
	if (literal)
		*literal = 0;
	if ((s == NULL && n > 0) || out == NULL || outlen == NULL)
		return LM_ERR_BAD_PARAM;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\r' || ch == '\n' || ch == '\0')
			return LM_ERR_BAD_PARAM;
		if (!lm_imap__atom_char(ch))
			atom = 0;
		if (ch >= 0x80 ? !utf8 : (ch < 0x20 || ch == 0x7f))
			quoted = 0;
	}
	if (atom && lm_core__ieqz((const unsigned char *)s, n, "NIL"))
		atom = 0;
	if (atom) {
		if (n + 1 > cap)
			return LM_ERR_BUFFER_TOO_SMALL;
		memcpy(out, s, n);
		w = n;
	} else if (quoted) {
		if (cap < 3)
			return LM_ERR_BUFFER_TOO_SMALL;
		out[w++] = '"';
		for (i = 0; i < n; i++) {
			char ch = s[i];
			if (w + 4 > cap)
				return LM_ERR_BUFFER_TOO_SMALL;
			if (ch == '"' || ch == '\\')
				out[w++] = '\\';
			out[w++] = ch;
		}
		out[w++] = '"';
	} else {
		char hdr[32];
		size_t hl = 0;
		size_t v = n;
		char digits[24];
		int nd = 0;
		do {
			digits[nd++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		hdr[hl++] = '{';
		while (nd)
			hdr[hl++] = digits[--nd];
		if (nonsync)
			hdr[hl++] = '+';
		hdr[hl++] = '}';
		hdr[hl++] = '\r';
		hdr[hl++] = '\n';
		if (hl + n + 1 > cap)
			return LM_ERR_BUFFER_TOO_SMALL;
		memcpy(out, hdr, hl);
		memcpy(out + hl, s, n);
		w = hl + n;
		if (literal)
			*literal = 1;
	}
	out[w] = '\0';
	*outlen = w;
	return 0;
}

/* ------------------------------------------------------------------ */
/* names                                                               */
/* ------------------------------------------------------------------ */

static const char *const cmd_names[] = {
	"NONE", "GREETING", "CAPABILITY", "NOOP", "LOGOUT", "STARTTLS",
	"AUTHENTICATE", "LOGIN", "ENABLE", "ID", "NAMESPACE", "SELECT",
	"EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE",
	"LIST", "LSUB", "STATUS", "APPEND", "CHECK", "CLOSE", "UNSELECT",
	"EXPUNGE", "UID_EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE",
	"IDLE", "GETQUOTAROOT", "GETQUOTA"
};

/* see imap.h */
const char *
lm_imap_cmd_name(lm_imap_cmd cmd)
{
	if ((unsigned)cmd < sizeof cmd_names / sizeof cmd_names[0])
		return cmd_names[cmd];
	return "?";
}

static const char *const ev_names[] = {
	"?", "GREETING", "DONE", "STATUS", "TLS_READY", "IDLE_STARTED",
	"CAPABILITY", "ENABLED", "LIST", "STATUS_DATA", "SEARCH", "ESEARCH",
	"EXISTS", "RECENT", "EXPUNGE", "VANISHED", "FLAGS", "NAMESPACE", "ID",
	"QUOTA", "QUOTAROOT", "FETCH_BEGIN", "FETCH_ITEM", "FETCH_DATA",
	"FETCH_END", "UNKNOWN", "CONTINUE", "CLOSED"
};

/* see imap.h */
const char *
lm_imap_event_name(lm_imap_event_type t)
{
	if ((unsigned)t < sizeof ev_names / sizeof ev_names[0])
		return ev_names[t];
	return "?";
}

static const char *const code_names[] = {
	"NONE", "OTHER", "ALERT", "BADCHARSET", "CAPABILITY", "PARSE",
	"PERMANENTFLAGS", "READ-ONLY", "READ-WRITE", "TRYCREATE", "UIDNEXT",
	"UIDVALIDITY", "UNSEEN", "APPENDUID", "COPYUID", "UIDNOTSTICKY",
	"HIGHESTMODSEQ", "NOMODSEQ", "MODIFIED", "CLOSED", "UNAVAILABLE",
	"AUTHENTICATIONFAILED", "AUTHORIZATIONFAILED", "EXPIRED",
	"PRIVACYREQUIRED", "CONTACTADMIN", "NOPERM", "INUSE", "EXPUNGEISSUED",
	"CORRUPTION", "SERVERBUG", "CLIENTBUG", "CANNOT", "LIMIT", "OVERQUOTA",
	"ALREADYEXISTS", "NONEXISTENT", "HASCHILDREN", "NOTSAVED",
	"UNKNOWN-CTE", "COMPRESSIONACTIVE", "USEATTR", "APPENDLIMIT"
};

/* see imap.h */
const char *
lm_imap_code_name(lm_imap_code code)
{
	if ((unsigned)code < sizeof code_names / sizeof code_names[0])
		return code_names[code];
	return "?";
}

static const char *const item_names[] = {
	"OTHER", "FLAGS", "UID", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE",
	"BODYSTRUCTURE", "BODY", "BODY[]", "BINARY[]", "BINARY.SIZE", "RFC822",
	"RFC822.HEADER", "RFC822.TEXT", "MODSEQ", "EMAILID", "THREADID",
	"SAVEDATE"
};

/* see imap.h */
const char *
lm_imap_item_name(lm_imap_item item)
{
	if ((unsigned)item < sizeof item_names / sizeof item_names[0])
		return item_names[item];
	return "?";
}

/* see imap.h */
const char *
lm_imap_result_name(lm_imap_result s)
{
	static const char *const n[] = { "NONE", "OK", "NO", "BAD", "BYE", "PREAUTH" };
	if ((unsigned)s < sizeof n / sizeof n[0])
		return n[s];
	return "?";
}
