/*
 * libmail - strict UTF-8 decoding (RFC 3629): the one definition every
 * layer uses to read or check UTF-8 (MIME header text, modified UTF-7
 * mailbox names, IMAP URL mailboxes, server text in session errors).
 * Not installed; never included from include/. Inline: the callers run
 * it per character.
 */
#ifndef LIBMAIL_CORE_UTF8_H
#define LIBMAIL_CORE_UTF8_H

#include <stddef.h>

/** The code point of the UTF-8 character at s[*i..n) (*i < n), *i moved
 *  past it; or -1 with *i unchanged when none starts there: a stray or
 *  invalid byte, an overlong form, a surrogate, a code point past
 *  U+10FFFF, or a sequence cut by n. */
static inline long
lm_core__utf8_next(const unsigned char *s, size_t n, size_t *i)
{
	unsigned char c = s[*i];
	long cp, min;
	size_t k, len;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		return -1;
	}
	if (n - *i < len)
		return -1;
	for (k = 1; k < len; k++) {
		unsigned char d = s[*i + k];
		if ((d & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (d & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i += len;
	return cp;
}

/** 1 if s[0..n) is well-formed UTF-8 (see lm_core__utf8_next), else 0. */
static inline int
lm_core__utf8_valid(const void *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;

	while (i < n) {
		if (s[i] < 0x80)
			i++;
		else if (lm_core__utf8_next(s, n, &i) < 0)
			return 0;
	}
	return 1;
}

#endif
