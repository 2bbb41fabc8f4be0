/*
 * libmail - one-shot base64 (RFC 4648 section 4).
 */
#include <stdint.h>

#include "libmail/core.h"
#include "internal.h"

const char lm_core__b64_alphabet[65] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* see internal.h */
int
lm_core__b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* see core.h */
size_t
lm_b64_encoded_len(size_t n)
{
	size_t groups = n / 3 + (n % 3 != 0);
	if (groups > SIZE_MAX / 4)
		return SIZE_MAX;
	return groups * 4;
}

/* see core.h */
size_t
lm_b64_decoded_max(size_t n)
{
	return n / 4 * 3 + 3;
}

/* see core.h */
int
lm_b64_encode(const void *in, size_t n, char *out, size_t cap, size_t *outlen)
{
	const unsigned char *s = in;
	size_t need, i, o = 0;

	if (out == NULL || outlen == NULL || (in == NULL && n > 0))
		return LM_ERR_BAD_PARAM;
	need = lm_b64_encoded_len(n);
	if (need == SIZE_MAX || need > cap)
		return LM_ERR_BUFFER_TOO_SMALL;
	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = ((uint32_t)s[i] << 16) | ((uint32_t)s[i + 1] << 8) | s[i + 2];
		out[o++] = lm_core__b64_alphabet[(v >> 18) & 63];
		out[o++] = lm_core__b64_alphabet[(v >> 12) & 63];
		out[o++] = lm_core__b64_alphabet[(v >> 6) & 63];
		out[o++] = lm_core__b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)s[i] << 16;
		out[o++] = lm_core__b64_alphabet[(v >> 18) & 63];
		out[o++] = lm_core__b64_alphabet[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = ((uint32_t)s[i] << 16) | ((uint32_t)s[i + 1] << 8);
		out[o++] = lm_core__b64_alphabet[(v >> 18) & 63];
		out[o++] = lm_core__b64_alphabet[(v >> 12) & 63];
		out[o++] = lm_core__b64_alphabet[(v >> 6) & 63];
		out[o++] = '=';
	}
	*outlen = o;
	return 0;
}

/* see core.h */
int
lm_b64_decode(const char *in, size_t n, void *out, size_t cap, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	unsigned char *d = out;
	size_t pad = 0, need, i, o = 0;

	if (outlen == NULL || (in == NULL && n > 0) || (out == NULL && cap > 0))
		return LM_ERR_BAD_PARAM;
	if (n % 4 != 0)
		return LM_ERR_DECODE;
	if (n > 0 && s[n - 1] == '=') {
		pad = 1;
		if (s[n - 2] == '=')
			pad = 2;
	}
	need = n / 4 * 3 - pad;
	if (need > cap)
		return LM_ERR_BUFFER_TOO_SMALL;
	for (i = 0; i < n; i += 4) {
		int a = lm_core__b64_value(s[i]);
		int b = lm_core__b64_value(s[i + 1]);
		int c, e;
		uint32_t v;
		if (a < 0 || b < 0)
			return LM_ERR_DECODE;
		if (i + 4 == n && pad > 0) {
			/* Final group with padding: "xx==" or "xxx=". */
			if (pad == 2) {
				if (b & 0x0f)
					return LM_ERR_DECODE;
				d[o++] = (unsigned char)((a << 2) | (b >> 4));
			} else {
				c = lm_core__b64_value(s[i + 2]);
				if (c < 0 || (c & 0x03))
					return LM_ERR_DECODE;
				d[o++] = (unsigned char)((a << 2) | (b >> 4));
				d[o++] = (unsigned char)(((b & 0x0f) << 4) | (c >> 2));
			}
			break;
		}
		c = lm_core__b64_value(s[i + 2]);
		e = lm_core__b64_value(s[i + 3]);
		if (c < 0 || e < 0)
			return LM_ERR_DECODE;
		v = ((uint32_t)a << 18) | ((uint32_t)b << 12) | ((uint32_t)c << 6) | (uint32_t)e;
		d[o++] = (unsigned char)(v >> 16);
		d[o++] = (unsigned char)(v >> 8);
		d[o++] = (unsigned char)v;
	}
	*outlen = o;
	return 0;
}
