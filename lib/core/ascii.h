/*
 * libmail - ASCII case-insensitive comparison of protocol keywords
 * (capabilities, SASL mechanism names, charset and parameter names,
 * IMAP response names). Not installed; never included from include/.
 * One definition for every engine: the comparisons are small enough
 * to inline where a parser calls them per response.
 */
#ifndef LIBMAIL_CORE_ASCII_H
#define LIBMAIL_CORE_ASCII_H

#include <stddef.h>

/** ch in upper case when it is an ASCII letter, else ch. */
static inline int
lm_core__upper(int ch)
{
	return (ch >= 'a' && ch <= 'z') ? ch - 'a' + 'A' : ch;
}

/** 1 if p[0..n) equals the NUL-terminated z ignoring ASCII case, else 0
 *  (p may hold NUL bytes: they never match). */
static inline int
lm_core__ieqz(const void *p, size_t n, const char *z)
{
	const unsigned char *a = (const unsigned char *)p;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char x = a[i], y = (unsigned char)z[i];
		if (y == '\0')
			return 0;
		if (x != y && lm_core__upper(x) != lm_core__upper(y))
			return 0;
	}
	return z[n] == '\0';
}

/** 1 if a[0..an) and b[0..bn) are equal ignoring ASCII case, else 0. */
int lm_core__ieq(const char *a, size_t an, const char *b, size_t bn);

#endif
