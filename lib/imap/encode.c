/*
 * libmail - IMAP string encoder: how a string goes out as an atom, a
 * quoted string or a literal (lm_imap_encode_string()), and the ATOM-CHAR
 * test the command builders also use.
 */
#include <stddef.h>
#include <string.h>

#include "internal.h"

/* see internal.h */
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

/* see internal.h */
size_t
lm_imap__nz_number(const char *s, size_t i)
{
	uint64_t v = 0;

	if (s[i] < '1' || s[i] > '9')
		return 0;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > 0xffffffffu)
			return 0;
	}
	return i;
}

/* One seq-number of RFC 9051's grammar: "*" or an nz-number. Returns
 * the index after it, 0 if none. */
static size_t
set_number(const char *s, size_t i)
{
	return s[i] == '*' ? i + 1 : lm_imap__nz_number(s, i);
}

/* see internal.h */
int
lm_imap__set_ok(const char *set)
{
	size_t i = 0;

	/* sequence-set = (seq-number / seq-range) ["," sequence-set] */
	for (;;) {
		if ((i = set_number(set, i)) == 0)
			return 0;
		if (set[i] == ':' && (i = set_number(set, i + 1)) == 0)
			return 0;
		if (set[i] == '\0')
			return 1;
		if (set[i++] != ',')
			return 0;
	}
}

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
