/*
 * libmail - IMAP client engine: the fragmentizer. It finds where the
 * next unit of input ends (imap.c tells what a unit is and which
 * positions in ibuf the parser keeps): a response line with its held
 * literals, or, in a FETCH response, everything up to the header of a
 * body-section literal, whose data lm_imap_next() then streams.
 */
#include <string.h>

#include "libmail/core.h"
#include "internal.h"
#include "../core/io.h"

/* ------------------------------------------------------------------ */
/* fragmentizer                                                        */
/* ------------------------------------------------------------------ */

/* Does the unit starting at p look like "* <n> FETCH"? */
static int
unit_is_fetch(const unsigned char *p, size_t n)
{
	size_t i = 0;
	if (n < 4 || p[0] != '*' || p[1] != ' ')
		return 0;
	i = 2;
	if (i >= n || !lm_imap__is_digit(p[i]))
		return 0;
	while (i < n && lm_imap__is_digit(p[i]))
		i++;
	if (i >= n || p[i] != ' ')
		return 0;
	i++;
	return n - i >= 5 && lm_core__ieqz(p + i, 5, "FETCH");
}

/* Is the literal whose header starts at h the value of a body section
 * item (BODY[..]<o>, BINARY[..], RFC822, RFC822.HEADER, RFC822.TEXT)? */
static int
body_literal(const unsigned char *p, size_t start, size_t h)
{
	size_t i = h, e;
	if (i > start && p[i - 1] == ' ')
		i--;
	if (i <= start)
		return 0;
	if (p[i - 1] == ']' || p[i - 1] == '>')
		return 1;
	e = i;
	while (i > start && p[i - 1] != ' ' && p[i - 1] != '(')
		i--;
	return lm_core__ieqz(p + i, e - i, "RFC822") ||
	       lm_core__ieqz(p + i, e - i, "RFC822.HEADER") ||
	       lm_core__ieqz(p + i, e - i, "RFC822.TEXT");
}

/* May the response starting at p (a whole first line, n bytes) end in a
 * literal? Tagged and untagged status responses (OK, NO, BAD, BYE,
 * PREAUTH) and continuation requests end in text, which may end in
 * "{5}" (a server echoing a name): only untagged data has literals. */
static int
literal_allowed(const unsigned char *p, size_t n)
{
	size_t i = 2, w;

	if (n < 2 || p[0] != '*' || p[1] != ' ')
		return 0;
	w = i;
	while (w < n && p[w] != ' ')
		w++;
	return !(lm_core__ieqz(p + i, w - i, "OK") || lm_core__ieqz(p + i, w - i, "NO") ||
	         lm_core__ieqz(p + i, w - i, "BAD") || lm_core__ieqz(p + i, w - i, "BYE") ||
	         lm_core__ieqz(p + i, w - i, "PREAUTH"));
}

/*
 * Find the end of the unit starting at ipos.
 * Returns 1 (unit_end/unit_lend/unit_lit set), 0 (need more input),
 * 2 (a SEARCH line fills the buffer: deliver a piece), or an error.
 */
int
lm_imap__frag(lm_imap_client *c)
{
	unsigned char *p = c->io.ibuf;
	size_t i;

	if (c->scan < c->io.ipos)
		c->scan = c->io.ipos;
	for (;;) {
		const unsigned char *lf;
		size_t e, n, h;
		uint64_t size;
		int ovf;

		if (c->lit_skip_to) {
			if (c->io.iend < c->lit_skip_to)
				return 0;
			c->scan = c->lit_skip_to;
			c->lit_skip_to = 0;
		}
		i = c->scan;
		lf = i < c->io.iend ? memchr(p + i, '\n', c->io.iend - i) : NULL;
		if (lf == NULL) {
			if (i < c->io.iend && memchr(p + i, '\0', c->io.iend - i) != NULL)
				return lm_imap__fail(c, LM_ERR_PROTOCOL);
			c->scan = c->io.iend;
			if (c->io.iend - c->io.ipos >= c->io.ilen) {
				if (c->mode == LM_IMAP__M_LINE && c->io.iend - c->io.ipos > 9 &&
				    lm_core__ieqz(p + c->io.ipos, 9, "* SEARCH "))
					return 2;
				return lm_imap__fail(c, LM_ERR_LINE_TOO_LONG);
			}
			return 0;
		}
		e = (size_t)(lf - p);
		/* protocol text never holds NUL (literal data may) */
		if (memchr(p + i, '\0', e - i) != NULL)
			return lm_imap__fail(c, LM_ERR_PROTOCOL);
		n = e;
		if (n > c->io.ipos && p[n - 1] == '\r')
			n--;
		h = lm_imap__lit_header(p + c->io.ipos, n - c->io.ipos, &size, &ovf);
		if (h != (size_t)-1 && c->mode == LM_IMAP__M_LINE &&
		    !literal_allowed(p + c->io.ipos, n - c->io.ipos))
			h = (size_t)-1;            /* text ending in "{n}" */
		if (h == (size_t)-1) {
			c->unit_end = e + 1;
			c->unit_lend = n;
			c->unit_lit = 0;
			c->scan = e + 1;
			return 1;
		}
		h += c->io.ipos;
		if (ovf || size > LM_IMAP_LITERAL_MAX)
			return lm_imap__fail(c, LM_ERR_LIMIT);
		if (c->mode == LM_IMAP__M_FETCH || c->mode == LM_IMAP__M_SKIP)
			c->unit_fetch = 1;
		else
			c->unit_fetch = unit_is_fetch(p + c->io.ipos, n - c->io.ipos);
		if (c->unit_fetch && body_literal(p, c->io.ipos, h)) {
			c->unit_end = e + 1;
			c->unit_lend = h;
			c->unit_lit = 1;
			c->lit_total = size;
			c->scan = e + 1;
			return 1;
		}
		if (size > LM_IMAP_LITERAL_HOLD_MAX ||
		    (e + 1 - c->io.ipos) + size + 2 > c->io.ilen)
			return lm_imap__fail(c, LM_ERR_LIMIT);
		c->lit_skip_to = e + 1 + (size_t)size;
	}
}

/* Consume the current unit. */
void
lm_imap__unit_done(lm_imap_client *c)
{
	c->io.ipos = c->unit_end;
	c->scan = c->io.ipos;
	c->unit_end = 0;
	c->unit_lend = 0;
	c->lit_skip_to = 0;
}
