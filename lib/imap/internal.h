/*
 * libmail - lib/imap internals shared between its .c files.
 * Not installed; never included from include/.
 */
#ifndef LIBMAIL_IMAP_INTERNAL_H
#define LIBMAIL_IMAP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "libmail/imap.h"

/** ASCII upper case. */
static inline int
lm_imap__upper(int ch)
{
	return (ch >= 'a' && ch <= 'z') ? ch - 'a' + 'A' : ch;
}

/** 1 if p[0..n) equals the NUL-terminated s, ignoring ASCII case. */
int lm_imap__ieq(const unsigned char *p, size_t n, const char *s);

/** 1 for an ATOM-CHAR of RFC 3501 (any CHAR except atom-specials). */
int lm_imap__atom_char(unsigned char ch);

/** Find the end of a balanced "(...)" starting at p[0] == '(' within
 *  p[0..n): quoted strings and literals are skipped, nesting is counted
 *  (no recursion). Returns the length including the closing ')', 0 if
 *  unbalanced or malformed; *maxdepth gets the deepest nesting seen. */
size_t lm_imap__list_span(const unsigned char *p, size_t n, unsigned *maxdepth);

/** Parse a literal header "{n}", "{n+}" or "~{n}" ending exactly at
 *  p[n-1] == '}'. Returns the start offset of the header (position of
 *  '{' or '~') and sets *size, or returns (size_t)-1 when p does not end
 *  with a literal header. *overflow is set when the digits overflow 64
 *  bits or start with '-'. */
size_t lm_imap__lit_header(const unsigned char *p, size_t n, uint64_t *size,
                           int *overflow);

#endif
