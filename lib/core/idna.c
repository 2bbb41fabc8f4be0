/*
 * libmail - IDNA2008 domain name conversion through libidn2 (TR46
 * non-transitional). With LM_HAVE_IDN == 0 no libidn2 header is
 * included and only ASCII names pass.
 */
#include <string.h>

#include "libmail/core.h"

#if LM_HAVE_IDN
#include <stdint.h>
#include <stdlib.h>
#include <idn2.h>
#endif

/* Longest input accepted (bytes). A domain name has at most 253
 * octets in A-label form; its UTF-8 form cannot be much more than four
 * times that, so anything longer cannot convert to a valid name. */
#define IDNA_IN_MAX 1024

static int
copy_out(const char *s, size_t n, char *out, size_t cap, size_t *outlen)
{
	if (n >= cap)
		return LM_ERR_BUFFER_TOO_SMALL;
	memcpy(out, s, n);
	out[n] = '\0';
	*outlen = n;
	return 0;
}

static int
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Whether some label of the ASCII name s[0..n) starts with "xn--". */
static int
has_alabel(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i + 4 <= n; i++) {
		if ((i == 0 || s[i - 1] == '.') && lower((unsigned char)s[i]) == 'x' &&
		    lower((unsigned char)s[i + 1]) == 'n' && s[i + 2] == '-' && s[i + 3] == '-')
			return 1;
	}
	return 0;
}

#if LM_HAVE_IDN
static int
map_idn2(int rc)
{
	return rc == IDN2_MALLOC ? LM_ERR_NOMEM : LM_ERR_IDNA;
}

/* Whether the ASCII name s[0..n) (n < IDNA_IN_MAX) is its own
 * canonical form: lower-cased, decoded with libidn2 and encoded again,
 * it must come back the same. This refuses A-labels that decode to
 * disallowed code points, non-canonical punycode and "XN--" labels
 * that libidn2's lookup passes through unchecked. */
static int
alabels_round_trip(const char *s, size_t n)
{
	char low[IDNA_IN_MAX];
	char *uni = NULL;
	uint8_t *back = NULL;
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		low[i] = (char)lower((unsigned char)s[i]);
	low[n] = '\0';
	rc = idn2_to_unicode_8z8z(low, &uni, IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK)
		return map_idn2(rc);
	rc = idn2_lookup_u8((const uint8_t *)uni, &back, IDN2_NONTRANSITIONAL);
	idn2_free(uni);
	if (rc != IDN2_OK)
		return map_idn2(rc);
	rc = strcmp((const char *)back, low) == 0 ? 0 : LM_ERR_IDNA;
	idn2_free(back);
	return rc;
}

/* Checks on a converted name: res[0..len) of the non-ASCII input
 * in[0..n). Every label is non-empty (only a final root dot may
 * follow the last one), every "xn--" label (any case) of the input and
 * of the result is a valid A-label, and the whole result converts back
 * to the same A-labels. */
static int
check_result(const char *in, size_t n, const char *res, size_t len)
{
	size_t i, start;
	int rc;

	if (len == 0 || len >= IDNA_IN_MAX || res[0] == '.')
		return LM_ERR_IDNA;
	for (i = 1; i < len; i++)
		if (res[i] == '.' && res[i - 1] == '.')
			return LM_ERR_IDNA;
	/* ASCII labels of the input that start with "xn--": libidn2 does
	 * not decode them before encoding the name */
	for (start = 0; start <= n; start = i + 1) {
		for (i = start; i < n && in[i] != '.'; i++)
			;
		if (i - start >= 4 && lm_is_ascii(in + start, i - start) &&
		    has_alabel(in + start, i - start)) {
			rc = alabels_round_trip(in + start, i - start);
			if (rc < 0)
				return rc;
		}
	}
	if (!has_alabel(res, len))
		return 0;
	return alabels_round_trip(res, len);
}

/* UTF-8 in[0..n) (no NUL inside, n < IDNA_IN_MAX) to A-labels. */
static int
to_ascii_idn2(const char *in, size_t n, char *out, size_t cap, size_t *outlen)
{
	char src[IDNA_IN_MAX];
	uint8_t *res = NULL;
	int rc;
	size_t i, len;

	memcpy(src, in, n);
	src[n] = '\0';
	rc = idn2_lookup_u8((const uint8_t *)src, &res, IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK)
		return map_idn2(rc);
	/* Without STD3 rules libidn2 lets e.g. U+00A0 map to a space (and
	 * with them it silently drops characters instead): refuse anything
	 * but letters, digits, '-', '_' and '.' in the result. */
	len = strlen((const char *)res);
	for (i = 0; i < len; i++) {
		uint8_t c = res[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
			idn2_free(res);
			return LM_ERR_IDNA;
		}
	}
	rc = check_result(in, n, (const char *)res, len);
	if (rc == 0)
		rc = copy_out((const char *)res, len, out, cap, outlen);
	idn2_free(res);
	return rc;
}
#endif

/* see core.h */
int
lm_idna_to_ascii(const char *in, size_t n, char *out, size_t cap, size_t *outlen)
{
	if (outlen == NULL || out == NULL || (in == NULL && n > 0))
		return LM_ERR_BAD_PARAM;
	if (n > 0 && memchr(in, '\0', n) != NULL)
		return LM_ERR_IDNA;
	if (lm_is_ascii(in, n))
		return copy_out(in, n, out, cap, outlen);
#if LM_HAVE_IDN
	if (n >= IDNA_IN_MAX)
		return LM_ERR_IDNA;
	return to_ascii_idn2(in, n, out, cap, outlen);
#else
	return LM_ERR_IDNA;
#endif
}

/* see core.h */
int
lm_idna_to_unicode(const char *in, size_t n, char *out, size_t cap, size_t *outlen)
{
#if LM_HAVE_IDN
	char ace[IDNA_IN_MAX], back[IDNA_IN_MAX];
	char *uni = NULL;
	size_t alen, blen, i;
	int rc;
#endif

	if (outlen == NULL || out == NULL || (in == NULL && n > 0))
		return LM_ERR_BAD_PARAM;
	if (n > 0 && memchr(in, '\0', n) != NULL)
		return LM_ERR_IDNA;
	if (lm_is_ascii(in, n) && !has_alabel(in, n))
		return copy_out(in, n, out, cap, outlen);
#if LM_HAVE_IDN
	if (n >= IDNA_IN_MAX)
		return LM_ERR_IDNA;
	if (lm_is_ascii(in, n)) {
		/* lower-cased so that "XN--" labels are recognised too */
		for (i = 0; i < n; i++)
			ace[i] = (char)lower((unsigned char)in[i]);
		ace[n] = '\0';
		alen = n;
	} else {
		/* U-labels given: validate and normalise them first */
		rc = to_ascii_idn2(in, n, ace, sizeof ace, &alen);
		if (rc < 0)
			return rc == LM_ERR_BUFFER_TOO_SMALL ? LM_ERR_IDNA : rc;
	}
	rc = idn2_to_unicode_8z8z(ace, &uni, IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK)
		return map_idn2(rc);
	/* Round trip: the U-labels must give the same A-labels back, or
	 * the input was not a valid (canonical) IDNA2008 name. */
	rc = strlen(uni) < IDNA_IN_MAX ?
	     to_ascii_idn2(uni, strlen(uni), back, sizeof back, &blen) : LM_ERR_IDNA;
	if (rc == 0) {
		if (blen != alen)
			rc = LM_ERR_IDNA;
		for (i = 0; rc == 0 && i < alen; i++)
			if (lower((unsigned char)back[i]) != lower((unsigned char)ace[i]))
				rc = LM_ERR_IDNA;
	} else if (rc == LM_ERR_BUFFER_TOO_SMALL) {
		rc = LM_ERR_IDNA;
	}
	if (rc == 0)
		rc = copy_out(uni, strlen(uni), out, cap, outlen);
	idn2_free(uni);
	return rc;
#else
	return LM_ERR_IDNA;
#endif
}
