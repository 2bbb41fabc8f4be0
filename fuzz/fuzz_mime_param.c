/*
 * Content-Type / Content-Disposition values and parameter lookup
 * (RFC 2045, RFC 2183, RFC 2231, RFC 2047 in quotes).
 *
 * Input: byte 0 picks the parameter name looked up; the rest is the
 * header value.
 *   - the type is lower case, "type/subtype" for Content-Type (one '/',
 *     type_len before it), a NUL-terminated string that fits;
 *   - the parameter section is a slice of the input;
 *   - a lookup with LM_MIME_EW_DECODED_MAX(n) bytes never runs out of
 *     room and gives valid UTF-8; with less room it fails cleanly.
 */
#include <string.h>

#include "libmail/mime.h"
#include "fuzz.h"
#include "mime_bounds.h"
#include "utf8.h"

static const char *const names[] = {
	"name", "filename", "charset", "boundary", "title", "x", "url",
	"access-type", "format", "delsp",
};

static void
check_value(const lm_mime_ctype *c, const uint8_t *in, size_t n, int ctype)
{
	size_t i, slash = 0;

	FZ_CHECK(c->len < sizeof c->value && c->value[c->len] == 0, "value fits");
	FZ_CHECK(strlen(c->value) == c->len, "no NUL inside the value");
	for (i = 0; i < c->len; i++) {
		FZ_CHECK(!(c->value[i] >= 'A' && c->value[i] <= 'Z'), "lower case");
		FZ_CHECK((unsigned char)c->value[i] > 0x20, "no white space");
		if (c->value[i] == '/')
			slash++;
	}
	if (ctype) {
		FZ_CHECK(slash == 1 && c->type_len < c->len &&
		         c->value[c->type_len] == '/', "type/subtype");
	}
	FZ_CHECK(c->params.len == 0 ||
	         (c->params.p >= in && c->params.p + c->params.len <= in + n),
	         "params inside the input");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *name;
	const uint8_t *in;
	size_t n, cap, len = 0, len2 = 0, small;
	char *out = NULL, *out2 = NULL;
	lm_mime_ctype ct, cd;
	unsigned def = 0;
	int r, r2;

	if (size < 1)
		return 0;
	name = names[data[0] % (sizeof names / sizeof names[0])];
	small = (size_t)(data[0] >> 3);
	in = data + 1;
	n = size - 1;
	cap = LM_MIME_EW_DECODED_MAX(n);
	out = malloc(cap);
	out2 = malloc(cap);
	if (!out || !out2)
		goto done;
	r = lm_mime_ctype_parse((const char *)in, n, &ct);
	FZ_CHECK(r == 0 || r == LM_ERR_DECODE, "ctype result");
	fz_mime_ctype_bounds(&ct);
	check_value(&ct, in, n, 1);
	r = lm_mime_cdisp_parse((const char *)in, n, &cd);
	FZ_CHECK(r == 0 || r == LM_ERR_DECODE, "cdisp result");
	fz_mime_ctype_bounds(&cd);
	check_value(&cd, in, n, 0);

	/* Lookup over the whole input as a parameter section too. */
	r = lm_mime_param_get((const char *)in, n, name, out, cap, &len, &def);
	FZ_CHECK(r == 0 || r == 1, "lookup never runs out of room");
	if (r == 1) {
		FZ_CHECK(len <= cap && fz_utf8_valid((const unsigned char *)out, len, 1),
		         "value is UTF-8");
		if (small > cap)
			small = cap;
		r2 = lm_mime_param_get((const char *)in, n, name, out2, small, &len2,
		                       NULL);
		FZ_CHECK((r2 == 1 && len2 == len && memcmp(out, out2, len) == 0) ||
		         (r2 == LM_ERR_BUFFER_TOO_SMALL && len2 <= small),
		         "small buffer: same value or too small");
	}
	r = lm_mime_param_get((const char *)ct.params.p, ct.params.len, name, out,
	                      cap, &len, &def);
	FZ_CHECK(r == 0 || r == 1, "lookup in the section");
	FZ_CHECK(r == 0 || fz_utf8_valid((const unsigned char *)out, len, 1),
	         "section value is UTF-8");
done:
	free(out);
	free(out2);
	return 0;
}
