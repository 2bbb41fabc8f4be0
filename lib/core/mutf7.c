/*
 * libmail - IMAP modified UTF-7 for mailbox names (RFC 3501 5.1.3).
 */
#include <stdint.h>

#include "libmail/core.h"
#include "utf8.h"

static const char mb64[65] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
mb64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

typedef struct {
	unsigned char *p;
	size_t cap, len;
	int full;
} wbuf;

static void
put(wbuf *w, unsigned char c)
{
	if (w->len < w->cap)
		w->p[w->len++] = c;
	else
		w->full = 1;
}

static void
put_utf8(wbuf *w, long cp)
{
	if (cp < 0x80) {
		put(w, (unsigned char)cp);
	} else if (cp < 0x800) {
		put(w, (unsigned char)(0xc0 | (cp >> 6)));
		put(w, (unsigned char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		put(w, (unsigned char)(0xe0 | (cp >> 12)));
		put(w, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		put(w, (unsigned char)(0x80 | (cp & 0x3f)));
	} else {
		put(w, (unsigned char)(0xf0 | (cp >> 18)));
		put(w, (unsigned char)(0x80 | ((cp >> 12) & 0x3f)));
		put(w, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		put(w, (unsigned char)(0x80 | (cp & 0x3f)));
	}
}

/* see core.h */
int
lm_mutf7_encode(const char *in, size_t n, char *out, size_t cap, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	wbuf w;
	uint32_t bits = 0;
	unsigned nbits = 0;
	int shifted = 0;
	size_t i = 0;

	if (outlen == NULL || (in == NULL && n > 0) || (out == NULL && cap > 0))
		return LM_ERR_BAD_PARAM;
	w.p = (unsigned char *)out;
	w.cap = cap;
	w.len = 0;
	w.full = 0;
	while (i < n) {
		long cp = lm_core__utf8_next(s, n, &i);
		if (cp <= 0)
			return LM_ERR_DECODE; /* malformed UTF-8, or NUL */
		if (cp >= 0x20 && cp <= 0x7e) {
			if (shifted) {
				if (nbits > 0)
					put(&w, (unsigned char)mb64[(bits << (6 - nbits)) & 63]);
				put(&w, '-');
				shifted = 0;
				nbits = 0;
				bits = 0;
			}
			put(&w, (unsigned char)cp);
			if (cp == '&')
				put(&w, '-');
			continue;
		}
		if (!shifted) {
			put(&w, '&');
			shifted = 1;
		}
		{
			uint32_t units[2];
			int k, nu = 1;
			if (cp >= 0x10000) {
				units[0] = 0xd800 + (((uint32_t)cp - 0x10000) >> 10);
				units[1] = 0xdc00 + (((uint32_t)cp - 0x10000) & 0x3ff);
				nu = 2;
			} else {
				units[0] = (uint32_t)cp;
			}
			for (k = 0; k < nu; k++) {
				bits = (bits << 16) | units[k];
				nbits += 16;
				while (nbits >= 6) {
					nbits -= 6;
					put(&w, (unsigned char)mb64[(bits >> nbits) & 63]);
				}
				bits &= (1u << nbits) - 1;
			}
		}
	}
	if (shifted) {
		if (nbits > 0)
			put(&w, (unsigned char)mb64[(bits << (6 - nbits)) & 63]);
		put(&w, '-');
	}
	if (w.full)
		return LM_ERR_BUFFER_TOO_SMALL;
	*outlen = w.len;
	return 0;
}

/* see core.h */
int
lm_mutf7_decode(const char *in, size_t n, char *out, size_t cap, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	wbuf w;
	size_t i = 0;

	if (outlen == NULL || (in == NULL && n > 0) || (out == NULL && cap > 0))
		return LM_ERR_BAD_PARAM;
	w.p = (unsigned char *)out;
	w.cap = cap;
	w.len = 0;
	w.full = 0;
	while (i < n) {
		unsigned char c = s[i++];
		uint32_t bits = 0, hi = 0;
		unsigned nbits = 0;
		size_t start;

		if (c < 0x20 || c > 0x7e)
			return LM_ERR_DECODE;
		if (c != '&') {
			put(&w, c);
			continue;
		}
		if (i < n && s[i] == '-') {
			put(&w, '&');
			i++;
			continue;
		}
		start = i;
		for (;;) {
			int v;
			if (i == n)
				return LM_ERR_DECODE; /* unterminated */
			c = s[i++];
			if (c == '-')
				break;
			v = mb64_value(c);
			if (v < 0)
				return LM_ERR_DECODE;
			bits = (bits << 6) | (uint32_t)v;
			nbits += 6;
			if (nbits >= 16) {
				uint32_t u;
				nbits -= 16;
				u = (bits >> nbits) & 0xffff;
				bits &= (1u << nbits) - 1;
				if (hi) {
					if (u < 0xdc00 || u > 0xdfff)
						return LM_ERR_DECODE;
					put_utf8(&w, 0x10000 + ((long)(hi - 0xd800) << 10) + (long)(u - 0xdc00));
					hi = 0;
				} else if (u >= 0xd800 && u <= 0xdbff) {
					hi = u;
				} else if (u >= 0xdc00 && u <= 0xdfff) {
					return LM_ERR_DECODE; /* lone low surrogate */
				} else if ((u >= 0x20 && u <= 0x7e) || u == 0) {
					return LM_ERR_DECODE; /* must be direct / NUL */
				} else {
					put_utf8(&w, (long)u);
				}
			}
		}
		/* "&...-": not empty, no dangling surrogate, fewer than 6
		 * leftover bits and all of them zero */
		if (i - 1 == start || hi || nbits >= 6 || bits != 0)
			return LM_ERR_DECODE;
	}
	if (w.full)
		return LM_ERR_BUFFER_TOO_SMALL;
	*outlen = w.len;
	return 0;
}
