/*
 * Strict UTF-8 validation written for the harnesses from RFC 3629
 * (independent of the library): no overlong forms, no surrogates,
 * nothing above U+10FFFF, no truncated sequence. U+0000 is refused too
 * when nul_ok is 0.
 */
#ifndef LIBMAIL_FUZZ_UTF8_H
#define LIBMAIL_FUZZ_UTF8_H

#include <stddef.h>

static int
fz_utf8_valid(const unsigned char *p, size_t n, int nul_ok)
{
	size_t i = 0, k, len;
	unsigned long cp, min;

	while (i < n) {
		unsigned char c = p[i];
		if (c < 0x80) {
			if (c == 0 && !nul_ok)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2; cp = c & 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3; cp = c & 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4; cp = c & 0x07; min = 0x10000;
		} else {
			return 0;
		}
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

#endif
