/*
 * libmail - one-shot base64 (RFC 4648 section 4).
 */
#include <stdint.h>
#include <string.h>

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

/* Value of a base64 character as a constant expression, -1 if none. */
#define B64V(c) ((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' : \
                 (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26 : \
                 (c) >= '0' && (c) <= '9' ? (c) - '0' + 52 : \
                 (c) == '+' ? 62 : (c) == '/' ? 63 : -1)
/* Decoding tables (the "modp" scheme): entry c of table k is the value
 * of character c shifted to its place in a 24-bit group (18, 12, 6, 0),
 * or B64_BAD for a non-alphabet byte; OR-ing the four entries of a
 * group gives its three bytes, and one test of the OR finds any bad
 * character in it. */
#define B64_BAD 0x01000000u
#define B64D(c, sh) (B64V(c) < 0 ? B64_BAD : (uint32_t)B64V(c) << (sh))
#define B64R4(c, sh) B64D(c, sh), B64D((c) + 1, sh), B64D((c) + 2, sh), B64D((c) + 3, sh)
#define B64R16(c, sh) B64R4(c, sh), B64R4((c) + 4, sh), B64R4((c) + 8, sh), B64R4((c) + 12, sh)
#define B64R64(c, sh) B64R16(c, sh), B64R16((c) + 16, sh), B64R16((c) + 32, sh), \
                      B64R16((c) + 48, sh)
#define B64R256(sh) B64R64(0, sh), B64R64(64, sh), B64R64(128, sh), B64R64(192, sh)
#if !LM_SMALL
static const uint32_t b64_d0[256] = { B64R256(18) };
static const uint32_t b64_d1[256] = { B64R256(12) };
static const uint32_t b64_d2[256] = { B64R256(6) };
static const uint32_t b64_d3[256] = { B64R256(0) };

/* Encoding table: entry x (12 bits) is the two characters of x. */
#define B64A(x) "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(x) & 63]
#define B64E(x) { B64A((x) >> 6), B64A(x) }
#define B64E4(x) B64E(x), B64E((x) + 1), B64E((x) + 2), B64E((x) + 3)
#define B64E16(x) B64E4(x), B64E4((x) + 4), B64E4((x) + 8), B64E4((x) + 12)
#define B64E64(x) B64E16(x), B64E16((x) + 16), B64E16((x) + 32), B64E16((x) + 48)
#define B64E256(x) B64E64(x), B64E64((x) + 64), B64E64((x) + 128), B64E64((x) + 192)
#define B64E1024(x) B64E256(x), B64E256((x) + 256), B64E256((x) + 512), B64E256((x) + 768)
static const char b64_e2[4096][2] = {
	B64E1024(0), B64E1024(1024), B64E1024(2048), B64E1024(3072)
};

/* The four characters of s decoded into 24 bits, B64_BAD set if any is
 * outside the alphabet. */
#define B64_QUAD(s) (b64_d0[(s)[0]] | b64_d1[(s)[1]] | b64_d2[(s)[2]] | b64_d3[(s)[3]])
/* The two characters of the 12-bit value x (table lookup). */
#define B64_PUT2(o, x) memcpy((o), b64_e2[(x)], 2)
#else
/* LM_SMALL: the same results from the 64-byte alphabet alone. */
static uint32_t
b64_quad(const unsigned char *s)
{
	uint32_t v = 0;
	int i;
	for (i = 0; i < 4; i++) {
		int d = lm_core__b64_value(s[i]);
		if (d < 0)
			return B64_BAD;
		v = v << 6 | (uint32_t)d;
	}
	return v;
}
#define B64_QUAD(s) b64_quad(s)
#define B64_PUT2(o, x) ((o)[0] = lm_core__b64_alphabet[((x) >> 6) & 63], \
                        (o)[1] = lm_core__b64_alphabet[(x) & 63])
#endif

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* see internal.h */
size_t
lm_core__b64_dec_groups(const unsigned char *s, size_t n, unsigned char *out,
                        size_t cap, int skip_ws, size_t *used)
{
	size_t i = 0, o = 0;
#if LM_B64_SIMD
	int simd = n >= 32 && cap >= 32 && lm_core__b64_have_simd();
#endif

	for (;;) {
#if LM_B64_SIMD
		if (simd) {
			size_t u;
			o += lm_core__b64_dec_simd(s + i, n - i, out + o, cap - o, &u);
			i += u;
		}
#endif
		/* two groups at a time while the input and output allow */
		while (n - i >= 8 && cap - o >= 6) {
			uint32_t v = B64_QUAD(s + i);
			uint32_t x = B64_QUAD(s + i + 4);
			if ((v | x) & B64_BAD)
				break;
			out[o] = (unsigned char)(v >> 16);
			out[o + 1] = (unsigned char)(v >> 8);
			out[o + 2] = (unsigned char)v;
			out[o + 3] = (unsigned char)(x >> 16);
			out[o + 4] = (unsigned char)(x >> 8);
			out[o + 5] = (unsigned char)x;
			i += 8;
			o += 6;
		}
		if (n - i >= 4 && cap - o >= 3) {
			uint32_t v = B64_QUAD(s + i);
			if (!(v & B64_BAD)) {
				out[o] = (unsigned char)(v >> 16);
				out[o + 1] = (unsigned char)(v >> 8);
				out[o + 2] = (unsigned char)v;
				i += 4;
				o += 3;
				continue;
			}
		} else if (n - i < 4 || !skip_ws) {
			break;
		}
		/* a group with a bad byte, or no room: white space between
		 * groups is skipped when allowed (the line breaks of MIME) */
		if (skip_ws && i < n && is_ws(s[i])) {
			i++;
			while (i < n && is_ws(s[i]))
				i++;
			continue;
		}
		break;
	}
	*used = i;
	return o;
}

/* see internal.h */
size_t
lm_core__b64_enc_groups(const unsigned char *s, size_t n, char *out, size_t *used)
{
	size_t i = 0, o = 0;

#if LM_B64_SIMD
	if (n >= 28 && lm_core__b64_have_simd())
		o = lm_core__b64_enc_simd(s, n, out, &i);
#endif
	for (; n - i >= 6; i += 6, o += 8) {
		uint32_t v = ((uint32_t)s[i] << 16) | ((uint32_t)s[i + 1] << 8) | s[i + 2];
		uint32_t x = ((uint32_t)s[i + 3] << 16) | ((uint32_t)s[i + 4] << 8) | s[i + 5];
		B64_PUT2(out + o, v >> 12);
		B64_PUT2(out + o + 2, v & 0xfff);
		B64_PUT2(out + o + 4, x >> 12);
		B64_PUT2(out + o + 6, x & 0xfff);
	}
	if (n - i >= 3) {
		uint32_t v = ((uint32_t)s[i] << 16) | ((uint32_t)s[i + 1] << 8) | s[i + 2];
		B64_PUT2(out + o, v >> 12);
		B64_PUT2(out + o + 2, v & 0xfff);
		i += 3;
		o += 4;
	}
	*used = i;
	return o;
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
	o = lm_core__b64_enc_groups(s, n, out, &i);
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
	/* whole groups of alphabet characters at table speed; the rest
	 * (the padded group, or the group with the bad byte) below */
	o = lm_core__b64_dec_groups(s, n - (pad > 0 ? 4 : 0), d, need, 0, &i);
	for (; i < n; i += 4) {
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
