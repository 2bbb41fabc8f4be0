/*
 * libmail - IMAP list scanner: where a balanced "(...)" ends, 64 bytes
 * at a time with SSE2 or byte by byte (lm_imap__list_span()), and the
 * table of the nested lists' ends one scan records for the readers
 * (lm_imap__list_tab()); with the literal headers and literals the
 * engine and the token reader also skip.
 *
 * Every walker here is iterative: nesting is counted, never recursed,
 * so a hostile value of 100,000 parentheses costs a linear scan.
 */
#include <stddef.h>
#include <string.h>

#include "reader.h"

/* ------------------------------------------------------------------ */
/* literals                                                            */
/* ------------------------------------------------------------------ */

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
size_t
lm_imap__skip_literal(const unsigned char *p, size_t n, size_t i)
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

/* ------------------------------------------------------------------ */
/* list span scanner and list table                                    */
/* ------------------------------------------------------------------ */

/* see reader.h */
const unsigned char lm_imap__quoted_class[256] = {
	['"'] = 1, ['\\'] = 2, ['\r'] = 3, ['\n'] = 3
};

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
		LM_IMAP__STEP();
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
			i = lm_imap__skip_quoted(p, n, i, &esc);
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
			size_t e = lm_imap__skip_literal(p, n, i);
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
			LM_IMAP__STEP();
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
					LM_IMAP__STEP();
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
					LM_IMAP__STEP();
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
 * (lm_imap__tab_find()). Same result as list_span.
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
