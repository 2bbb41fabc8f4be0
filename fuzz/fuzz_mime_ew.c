/*
 * RFC 2047 decoding and encoding, and the charset converter.
 *
 * Input: byte 0 picks a charset (for the converter) and byte 1 a chunk
 * size; the rest is the text.
 *   - lm_mime_ew_decode() never fails with LM_MIME_EW_DECODED_MAX(n)
 *     bytes, writes valid UTF-8 without CR or LF, and with a smaller
 *     buffer either fits or says LM_ERR_BUFFER_TOO_SMALL within cap.
 *   - lm_mime_ew_encode() of valid UTF-8 text without controls: lines
 *     of at most 78 columns, CRLF SP folds only, and decoding gives the
 *     text back after the leading space.
 *   - the converter: output valid UTF-8 within LM_MIME_CONV_MAX, the
 *     same whole and in chunks of any size with a 4-byte output; after
 *     every call its marks stay inside its arrays (mime_bounds.h).
 */
#include <string.h>

#include "libmail/mime.h"
#include "fuzz.h"
#include "mime_bounds.h"
#include "utf8.h"

static const char *const charsets[] = {
	"utf-8", "us-ascii", "iso-8859-1", "iso-8859-2", "iso-8859-7",
	"windows-1252", "windows-1251", "koi8-r", "koi8-u", "shift_jis",
	"euc-jp", "iso-2022-jp", "gb18030", "gbk", "big5", "euc-kr",
	"utf-16", "utf-7", "x-unknown",
};

static size_t
conv_chunks(const char *cs, const unsigned char *in, size_t n, size_t chunk,
            unsigned char *out, size_t cap)
{
	lm_mime_conv c;
	size_t off = 0, len = 0, used, wr, piece;
	/* read as UTF-8: utf-8 itself and the unknown charset */
	int utf8 = strcmp(cs, "utf-8") == 0 || strcmp(cs, "x-unknown") == 0;
	int utf7 = strcmp(cs, "utf-7") == 0;
	int r;

	FZ_CHECK(lm_mime_conv_init(&c, cs, strlen(cs)) == 0, "conv init");
	fz_mime_conv_bounds(&c, utf8, utf7);
	while (off < n) {
		piece = n - off < chunk ? n - off : chunk;
		while (piece > 0) {
			size_t room = cap - len < 4 ? cap - len : 4;
			used = wr = 0;
			r = lm_mime_conv_update(&c, in + off, piece, (char *)out + len,
			                        room, &used, &wr);
			fz_mime_conv_bounds(&c, utf8, utf7);
			FZ_CHECK(r == 0 && used <= piece && wr <= room, "conv update");
			FZ_CHECK(used > 0 || wr > 0, "conv makes progress with 4 bytes");
			off += used;
			piece -= used;
			len += wr;
		}
	}
	for (;;) {
		used = wr = 0;
		r = lm_mime_conv_update(&c, "", 0, (char *)out + len, cap - len, &used, &wr);
		fz_mime_conv_bounds(&c, utf8, utf7);
		FZ_CHECK(r == 0, "conv drain");
		len += wr;
		if (wr == 0)
			break;
	}
	wr = 0;
	r = lm_mime_conv_final(&c, (char *)out + len, cap - len, &wr);
	fz_mime_conv_bounds(&c, utf8, utf7);
	FZ_CHECK(r == 0, "conv final fits");
	len += wr;
	lm_mime_conv_free(&c);
	return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *cs;
	const unsigned char *in;
	unsigned char *out = NULL, *out2 = NULL;
	char *text = NULL, *enc = NULL, *dec = NULL;
	size_t n, cap, len = 0, len2, chunk, i, el, dl, col;
	unsigned def = 0;
	int r, plain = 1;

	if (size < 2)
		return 0;
	cs = charsets[data[0] % (sizeof charsets / sizeof charsets[0])];
	chunk = (size_t)data[1] % 16 + 1;
	in = data + 2;
	n = size - 2;
	cap = LM_MIME_EW_DECODED_MAX(n);
	if (LM_MIME_CONV_MAX(n) + LM_MIME_CONV_FINAL_MAX > cap)
		cap = LM_MIME_CONV_MAX(n) + LM_MIME_CONV_FINAL_MAX;
	out = malloc(cap);
	out2 = malloc(cap);
	text = malloc(n + 1);
	enc = malloc(4 * n + 64);
	dec = malloc(LM_MIME_EW_DECODED_MAX(4 * n + 64));
	if (!out || !out2 || !text || !enc || !dec)
		goto done;

	/* Decoder. */
	r = lm_mime_ew_decode((const char *)in, n, (char *)out,
	                      LM_MIME_EW_DECODED_MAX(n), &len, &def);
	FZ_CHECK(r == 0 && len <= LM_MIME_EW_DECODED_MAX(n), "decode fits the bound");
	FZ_CHECK(fz_utf8_valid(out, len, 1), "decoded text is UTF-8");
	FZ_CHECK(memchr(out, '\r', len) == NULL && memchr(out, '\n', len) == NULL,
	         "no CR or LF in decoded text");
	{
		size_t small = (size_t)data[1], l2 = 0;
		if (small > LM_MIME_EW_DECODED_MAX(n))
			small = LM_MIME_EW_DECODED_MAX(n);
		r = lm_mime_ew_decode((const char *)in, n, (char *)out2, small, &l2, NULL);
		FZ_CHECK((r == 0 && l2 == len && memcmp(out, out2, len) == 0) ||
		         (r == LM_ERR_BUFFER_TOO_SMALL && l2 <= small),
		         "small buffer: same result or too small");
	}

	/* Converter: whole == chunked. */
	len = conv_chunks(cs, in, n, n ? n : 1, out, cap);
	FZ_CHECK(len <= LM_MIME_CONV_MAX(n) + LM_MIME_CONV_FINAL_MAX, "conv bound");
	FZ_CHECK(fz_utf8_valid(out, len, 1), "converted text is UTF-8");
	len2 = conv_chunks(cs, in, n, chunk, out2, cap);
	FZ_CHECK(len2 == len && memcmp(out, out2, len) == 0,
	         "conversion independent of chunking");

	/* Encoder round trip on text it accepts. */
	for (i = 0; i < n; i++) {
		if ((in[i] < 0x20 && in[i] != '\t') || in[i] == 0x7f)
			plain = 0;
	}
	if (n > 0 && plain && fz_utf8_valid(in, n, 0)) {
		memcpy(text, in, n);
		text[n] = 0;
		col = (size_t)data[0] % 40;
		r = lm_mime_ew_encode(text, col, enc, 4 * n + 64, &el);
		FZ_CHECK(r == 0, "encode accepts valid text");
		{
			/* Continuation lines fit 78 columns; the first may
			 * carry one unfoldable word of up to 70 after col. */
			size_t c = col, lim = col + 71 > 78 ? col + 71 : 78;
			for (i = 0; i < el; i++) {
				if (enc[i] == '\r') {
					FZ_CHECK(i + 2 < el && enc[i + 1] == '\n' &&
					         enc[i + 2] == ' ', "folds are CRLF SP");
					i++;
					c = 0;
					lim = 78;
					continue;
				}
				FZ_CHECK(enc[i] != '\n', "no bare LF");
				c++;
				FZ_CHECK(c <= lim, "lines at most 78");
			}
		}
		r = lm_mime_ew_decode(enc, el, dec, LM_MIME_EW_DECODED_MAX(4 * n + 64),
		                      &dl, NULL);
		FZ_CHECK(r == 0 && dl == n + 1 && dec[0] == ' ' &&
		         memcmp(dec + 1, text, n) == 0, "decode(encode(x)) == x");
	}
done:
	free(out);
	free(out2);
	free(text);
	free(enc);
	free(dec);
	return 0;
}
