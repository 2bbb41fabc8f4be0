/*
 * The header-field decoders of lib/mime on arbitrary values.
 *
 * Input: byte 0 picks the decoder (low 3 bits) and flags, the rest is
 * the field value:
 *   0 lm_mime_ew_decode()       output valid UTF-8 without CR/LF, within
 *                               LM_MIME_EW_DECODED_MAX(n), exact size
 *                               checked (one byte less is too small)
 *   1 lm_mime_addr_*()          every slice valid UTF-8 and inside the
 *                               input or the scratch buffer, addresses
 *                               without CR/LF/NUL, bounded count
 *   2 lm_mime_ctype_parse()     value lower case, NUL-terminated, type/
 *     + lm_mime_param_get()     subtype split; params a slice of the
 *                               input; parameter values valid UTF-8
 *   3 lm_mime_cdisp_parse()     likewise for Content-Disposition
 *   4 lm_mime_date_parse()      zone in range; formatting the result and
 *                               parsing it again gives the same time
 *   5 lm_mime_ew_encode()       of a valid UTF-8 value: lines within
 *                               998, CRLF SP folds only, printable,
 *                               and ew_decode() gives the text back
 *   6 lm_mime_conv_string()     charset name up to the first ':' of the
 *                               value, output valid UTF-8
 *   flags: 0x08 IDN_UNICODE, 0x10 EMPTY_GROUPS (addresses); bits 3-6
 *   the column for ew_encode
 */
#include <string.h>

#include "libmail/mime.h"
#include "libmail/error.h"
#include "fuzz.h"
#include "mime_bounds.h"
#include "utf8.h"

static void
utf8(lm_slice s, const char *what)
{
	FZ_CHECK(s.len == 0 || s.p != NULL, what);
	FZ_CHECK(fz_utf8_valid(s.p, s.len, 1), what);
}

static int
inside(lm_slice s, const void *base, size_t n)
{
	const unsigned char *b = base;
	return s.len == 0 || (s.p >= b && s.p + s.len <= b + n);
}

static void
ew_decode(const char *in, size_t n)
{
	size_t cap = LM_MIME_EW_DECODED_MAX(n), len = 0, len2 = 0;
	char *out = malloc(cap), *out2 = malloc(cap);
	unsigned d = 0;
	int r;

	FZ_CHECK(out && out2, "memory");
	r = lm_mime_ew_decode(in, n, out, cap, &len, &d);
	FZ_CHECK(r == 0, "EW_DECODED_MAX suffices");
	FZ_CHECK(len <= cap, "within cap");
	FZ_CHECK(fz_utf8_valid((const unsigned char *)out, len, 1),
	         "decoded text is valid UTF-8");
	FZ_CHECK(memchr(out, '\r', len) == NULL && memchr(out, '\n', len) == NULL,
	         "decoded text has no CR/LF");
	/* regress/mime_fields-ew-small-cap.bin: this used to loop forever */
	if (len > 0) {
		r = lm_mime_ew_decode(in, n, out2, len - 1, &len2, NULL);
		FZ_CHECK(r == LM_ERR_BUFFER_TOO_SMALL, "one byte less is too small");
	}
	r = lm_mime_ew_decode(in, n, out2, len, &len2, NULL);
	FZ_CHECK(r == 0 && len2 == len && memcmp(out, out2, len) == 0,
	         "exact capacity gives the same text");
	free(out);
	free(out2);
}

static void
no_ctl(lm_slice s, const char *what)
{
	size_t i;
	for (i = 0; i < s.len; i++)
		FZ_CHECK(s.p[i] >= 0x20 && s.p[i] != 0x7f, what);
}

static void
addresses(const char *in, size_t n, unsigned flags)
{
	/* the bound mime.h documents (lm_mime_addr_init) */
	size_t cap = 16 * n + 1024, count = 0;
	unsigned char *scratch = malloc(cap);
	lm_mime_addr_iter it;
	lm_mime_addr a;
	int r;

	FZ_CHECK(scratch != NULL, "memory");
	FZ_CHECK(lm_mime_addr_init(&it, in, n, scratch, cap, flags) == 0, "init");
	for (;;) {
		r = lm_mime_addr_next(&it, &a);
		fz_mime_addr_bounds(&it, n, cap);
		if (r == LM_DONE)
			break;
		/* regress/mime_fields-addr-scratch.bin: 430 bytes of invalid
		 * UTF-8 need more than 3n + 1024 (each byte becomes U+FFFD in
		 * the local part and again in the address) */
		FZ_CHECK(r == LM_EVENT, "16n + 1024 scratch always suffices");
		FZ_CHECK(++count <= n + 1, "no more mailboxes than bytes");
		utf8(a.name, "name valid UTF-8");
		utf8(a.local, "local part valid UTF-8");
		utf8(a.domain, "domain valid UTF-8");
		utf8(a.address, "address valid UTF-8");
		utf8(a.group, "group valid UTF-8");
		FZ_CHECK(inside(a.name, in, n) || inside(a.name, scratch, cap), "name slice");
		FZ_CHECK(inside(a.local, in, n) || inside(a.local, scratch, cap), "local slice");
		FZ_CHECK(inside(a.domain, in, n) || inside(a.domain, scratch, cap), "domain slice");
		FZ_CHECK(inside(a.address, in, n) || inside(a.address, scratch, cap), "address slice");
		FZ_CHECK(inside(a.group, in, n) || inside(a.group, scratch, cap), "group slice");
		FZ_CHECK(a.address.len > 0 || (flags & LM_MIME_ADDR_EMPTY_GROUPS),
		         "address empty only for an empty group");
		/* regress/mime_fields-addr-ctl.bin, -addr-nul.bin */
		no_ctl(a.address, "address has no control character");
		no_ctl(a.local, "local part has no control character");
		no_ctl(a.domain, "domain has no control character");
		FZ_CHECK(memchr(a.name.p, '\r', a.name.len) == NULL &&
		         memchr(a.name.p, '\n', a.name.len) == NULL,
		         "display name has no CR/LF");
		FZ_CHECK((a.defects & ~lm_mime_addr_defects(&it)) == 0,
		         "mailbox defects are in the iterator's");
	}
	FZ_CHECK(lm_mime_addr_next(&it, &a) == LM_DONE, "DONE is final");
	free(scratch);
}

static void
ctype(const char *in, size_t n, int disp)
{
	static const char *const names[] = { "charset", "boundary", "name",
	                                     "filename", "format" };
	lm_mime_ctype ct;
	size_t i, k, cap, len;
	char *out;
	int r;

	r = disp ? lm_mime_cdisp_parse(in, n, &ct) : lm_mime_ctype_parse(in, n, &ct);
	FZ_CHECK(r == 0 || r == LM_ERR_DECODE, "parse result");
	fz_mime_ctype_bounds(&ct);
	FZ_CHECK(strnlen(ct.value, sizeof ct.value) < sizeof ct.value &&
	         strlen(ct.value) == ct.len, "value NUL-terminated, len its length");
	for (i = 0; i < ct.len; i++)
		FZ_CHECK(ct.value[i] < 'A' || ct.value[i] > 'Z', "value lower case");
	if (!disp) {
		FZ_CHECK(ct.type_len > 0 && ct.type_len < ct.len &&
		         ct.value[ct.type_len] == '/', "type/subtype");
		if (r != 0)
			FZ_CHECK(strcmp(ct.value, "text/plain") == 0,
			         "unusable Content-Type reads as text/plain");
	} else if (r != 0) {
		FZ_CHECK(ct.len == 0, "no disposition type: empty value");
	}
	FZ_CHECK(inside(ct.params, in, n), "params a slice of the input");
	cap = LM_MIME_EW_DECODED_MAX(ct.params.len);
	out = malloc(cap + 1);
	FZ_CHECK(out != NULL, "memory");
	for (k = 0; k < sizeof names / sizeof names[0]; k++) {
		r = lm_mime_param_get((const char *)ct.params.p, ct.params.len, names[k],
		                      out, cap, &len, NULL);
		FZ_CHECK(r == 0 || r == 1, "EW_DECODED_MAX(n) suffices for parameters");
		if (r == 1)
			FZ_CHECK(len <= cap && fz_utf8_valid((unsigned char *)out, len, 1),
			         "parameter value valid UTF-8");
	}
	free(out);
}

static void
date(const char *in, size_t n)
{
	long long t = 0, t2 = 0;
	int tz = 0, tz2 = 0, r;
	char buf[LM_MIME_DATE_LEN + 1];

	r = lm_mime_date_parse(in, n, &t, &tz, NULL);
	FZ_CHECK(r == 0 || r == LM_ERR_DECODE, "parse result");
	if (r != 0)
		return;
	FZ_CHECK(tz == LM_MIME_TZ_UNKNOWN || (tz >= -1439 && tz <= 1439), "zone range");
	if (lm_mime_date_format(t, tz == LM_MIME_TZ_UNKNOWN ? 0 : tz, buf,
	                        sizeof buf, NULL) != 0)
		return; /* year outside 1900..9999 */
	r = lm_mime_date_parse(buf, LM_MIME_DATE_LEN, &t2, &tz2, NULL);
	FZ_CHECK(r == 0 && t2 == t && tz2 == (tz == LM_MIME_TZ_UNKNOWN ? 0 : tz),
	         "format then parse gives the same time");
}

static void
ew_encode(const uint8_t *data, size_t n, size_t col)
{
	char *text = malloc(n + 1), *out, *dec;
	size_t cap = 4 * n + 32, len = 0, dlen = 0, i, line;
	int r;

	FZ_CHECK(text != NULL, "memory");
	memcpy(text, data, n);
	text[n] = 0;
	n = strlen(text); /* the encoder takes a C string */
	out = malloc(cap);
	dec = malloc(LM_MIME_EW_DECODED_MAX(cap));
	FZ_CHECK(out && dec, "memory");
	r = lm_mime_ew_encode(text, col, out, cap, &len);
	FZ_CHECK(r == 0 || r == LM_ERR_BAD_PARAM, "4n + 32 suffices");
	if (r == 0 && n == 0) {
		FZ_CHECK(len == 0, "empty text encodes to nothing");
	} else if (r == 0) {
		/* A space, or a fold first when the column is already far. */
		FZ_CHECK((len > 0 && out[0] == ' ') ||
		         (len > 2 && memcmp(out, "\r\n ", 3) == 0),
		         "starts with a space or a fold");
		for (i = 0, line = col; i < len; i++) {
			if (out[i] == '\r') {
				FZ_CHECK(i + 2 < len && out[i + 1] == '\n' && out[i + 2] == ' ',
				         "folds are CRLF SP");
				FZ_CHECK(line <= 78, "folded line within 78");
				line = 0;
				i++;
				continue;
			}
			FZ_CHECK(out[i] != '\n', "LF only in a fold");
			FZ_CHECK((unsigned char)out[i] >= 0x20 && (unsigned char)out[i] < 0x7f,
			         "encoded header is printable ASCII");
			line++;
		}
		/* Words are at most 70 characters (longer ones are encoded)
		 * and a first word that does not fit after col goes to a line
		 * of its own (regress/mime_fields-ew-high-col.bin). */
		FZ_CHECK(line <= 78, "last line within 78");
		r = lm_mime_ew_decode(out, len, dec, LM_MIME_EW_DECODED_MAX(cap), &dlen, NULL);
		FZ_CHECK(r == 0 && dlen == n + 1 && dec[0] == ' ' &&
		         memcmp(dec + 1, text, n) == 0, "ew_decode(ew_encode(x)) == x");
	} else if (memchr(data, 0, n) == NULL && fz_utf8_valid(data, n, 0) && col <= 76) {
		int ctl = 0;
		for (i = 0; i < n; i++)
			if ((data[i] < 0x20 && data[i] != '\t') || data[i] == 0x7f ||
			    (data[i] == 0xc2 && i + 1 < n && data[i + 1] < 0xa0))
				ctl = 1;
		FZ_CHECK(ctl, "valid UTF-8 without control characters is accepted");
	}
	free(text);
	free(out);
	free(dec);
}

static void
conv(const char *in, size_t n)
{
	const char *colon = memchr(in, ':', n);
	size_t nl = colon ? (size_t)(colon - in) : 0, off = colon ? nl + 1 : 0;
	size_t cap = LM_MIME_CONV_MAX(n - off), len = 0;
	char *out = malloc(cap);
	unsigned d = 0;
	int r;

	FZ_CHECK(out != NULL, "memory");
	r = lm_mime_conv_string(in, nl, in + off, n - off, out, cap, &len, &d);
	FZ_CHECK(r == 0, "CONV_MAX suffices");
	FZ_CHECK(len <= cap && fz_utf8_valid((unsigned char *)out, len, 1),
	         "converted text is valid UTF-8");
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in;
	size_t n;
	unsigned sel;

	if (size < 1)
		return 0;
	sel = data[0] & 7u;
	in = (const char *)data + 1;
	n = size - 1;
	switch (sel) {
	case 0: ew_decode(in, n); break;
	case 1: addresses(in, n, ((data[0] & 0x08) ? LM_MIME_ADDR_IDN_UNICODE : 0) |
	                         ((data[0] & 0x10) ? LM_MIME_ADDR_EMPTY_GROUPS : 0)); break;
	case 2: ctype(in, n, 0); break;
	case 3: ctype(in, n, 1); break;
	case 4: date(in, n); break;
	case 5: ew_encode(data + 1, n, (size_t)(data[0] >> 3) * 3); break;
	case 6: conv(in, n); break;
	default: ew_decode(in, n); break;
	}
	return 0;
}
