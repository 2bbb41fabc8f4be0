/*
 * Base64: one-shot and streaming decoders (strict and lenient) on
 * arbitrary input, and round trips of arbitrary bytes.
 *
 * Input: byte 0 picks the chunk size for the streaming calls (input
 * pieces) and byte 1 the output capacity per call; the rest is both the
 * text to decode and the bytes to encode.
 */
#include <string.h>

#include "libmail/core.h"
#include "libmail/error.h"
#include "fuzz.h"
#include "codec_bounds.h"

/* Stream in through a decoder in pieces of `chunk` bytes with at most
 * `cap` bytes of output per call. Returns the update/final error (0 ok);
 * *outlen the bytes written to out (room for lm_b64_decoded_max(n)). */
static int
dec_stream(unsigned flags, const char *in, size_t n, size_t chunk, size_t cap,
           unsigned char *out, size_t *outlen, lm_b64_defects *defects)
{
	lm_b64_dec d;
	size_t off = 0, len = 0, used, wr, piece, calls = 0;
	int r = 0;

	lm_b64_dec_init(&d, flags);
	while (off < n) {
		piece = n - off < chunk ? n - off : chunk;
		used = wr = 0;
		r = lm_b64_dec_update(&d, in + off, piece, out + len, cap, &used, &wr);
		fz_b64_dec_bounds(&d);
		FZ_CHECK(used <= piece && wr <= cap, "update stays in bounds");
		len += wr;
		off += used;
		if (r != 0)
			break;
		FZ_CHECK(used > 0 || wr > 0, "update makes progress");
		FZ_CHECK(++calls < 4 * n + 16, "update terminates");
	}
	if (r == 0) {
		for (;;) {
			wr = 0;
			r = lm_b64_dec_final(&d, out + len, cap, &wr);
			fz_b64_dec_bounds(&d);
			FZ_CHECK(wr <= cap, "final stays in bounds");
			len += wr;
			if (r != LM_ERR_BUFFER_TOO_SMALL)
				break;
			FZ_CHECK(wr > 0, "final makes progress");
		}
	}
	FZ_CHECK(len <= lm_b64_decoded_max(n), "decoded_max is an upper bound");
	*outlen = len;
	if (defects != NULL)
		*defects = *lm_b64_dec_defects(&d);
	return r;
}

/* Stream through the encoder; returns the characters written. */
static size_t
enc_stream(unsigned flags, const unsigned char *in, size_t n, size_t chunk,
           size_t cap, char *out)
{
	lm_b64_enc e;
	size_t off = 0, len = 0, used, wr, piece;
	int r;

	lm_b64_enc_init(&e, flags);
	while (off < n) {
		piece = n - off < chunk ? n - off : chunk;
		r = lm_b64_enc_update(&e, in + off, piece, out + len, cap, &used, &wr);
		fz_b64_enc_bounds(&e);
		FZ_CHECK(r == 0 && used <= piece && wr <= cap, "encoder update");
		FZ_CHECK(used > 0 || wr > 0, "encoder makes progress");
		len += wr;
		off += used;
	}
	do {
		wr = 0;
		r = lm_b64_enc_final(&e, out + len, cap, &wr);
		fz_b64_enc_bounds(&e);
		FZ_CHECK(r == 0 || (r == LM_ERR_BUFFER_TOO_SMALL && wr > 0),
		         "encoder final");
		len += wr;
	} while (r != 0);
	return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk, cap, n, one_len = 0, st_len = 0, len2 = 0, enc_len = 0, i, col;
	const char *in;
	unsigned char *one, *st, *back;
	char *enc, *enc2;
	lm_b64_defects d1, d2;
	int r1, r2;

	if (size < 2)
		return 0;
	chunk = (size_t)data[0] % 64 + 1;
	cap = (size_t)data[1] % 16 + 1;
	in = (const char *)data + 2;
	n = size - 2;

	one = malloc(lm_b64_decoded_max(n));
	st = malloc(lm_b64_decoded_max(n));
	back = malloc(n + 3);
	/* Wrapped output: 76 characters then CRLF. */
	enc = malloc(lm_b64_encoded_len(n) + 2 * (lm_b64_encoded_len(n) / 76 + 1) + 8);
	enc2 = malloc(lm_b64_encoded_len(n) + 2 * (lm_b64_encoded_len(n) / 76 + 1) + 8);
	if (!one || !st || !back || !enc || !enc2)
		goto out;

	/* Strict: one-shot and streaming agree on acceptance and output. */
	r1 = lm_b64_decode(in, n, one, lm_b64_decoded_max(n), &one_len);
	FZ_CHECK(r1 == 0 || r1 == LM_ERR_DECODE, "strict one-shot result");
	r2 = dec_stream(LM_B64_STRICT, in, n, chunk, cap, st, &st_len, NULL);
	FZ_CHECK((r1 == 0) == (r2 == 0), "strict streaming accepts as one-shot");
	if (r1 == 0) {
		FZ_CHECK(n % 4 == 0, "strict input is whole groups");
		FZ_CHECK(st_len == one_len && memcmp(st, one, one_len) == 0,
		         "strict streaming output equals one-shot");
		/* Strict input is canonical: encoding gives it back. */
		FZ_CHECK(lm_b64_encode(one, one_len, enc, lm_b64_encoded_len(one_len),
		                       &enc_len) == 0, "re-encode");
		FZ_CHECK(enc_len == n && memcmp(enc, in, n) == 0,
		         "strict decode then encode is the identity");
		if (one_len > 0)
			FZ_CHECK(lm_b64_decode(in, n, back, one_len - 1, &len2) ==
			         LM_ERR_BUFFER_TOO_SMALL, "exact capacity is checked");
	}

	/* Lenient never fails; output independent of the split. */
	r1 = dec_stream(LM_B64_LENIENT, in, n, n ? n : 1, lm_b64_decoded_max(n),
	                one, &one_len, &d1);
	r2 = dec_stream(LM_B64_LENIENT, in, n, chunk, cap, st, &st_len, &d2);
	FZ_CHECK(r1 == 0 && r2 == 0, "lenient never fails");
	FZ_CHECK(st_len == one_len && memcmp(st, one, one_len) == 0,
	         "lenient output independent of the split");
	FZ_CHECK(memcmp(&d1, &d2, sizeof d1) == 0,
	         "lenient defects independent of the split");

	/* Round trip of arbitrary bytes. */
	FZ_CHECK(lm_b64_encode(data + 2, n, enc, lm_b64_encoded_len(n), &enc_len) == 0
	         && enc_len == lm_b64_encoded_len(n), "encode");
	FZ_CHECK(lm_b64_decode(enc, enc_len, back, n, &len2) == 0 && len2 == n &&
	         memcmp(back, data + 2, n) == 0, "decode(encode(x)) == x");
	st_len = enc_stream(0, data + 2, n, chunk, cap, enc2);
	FZ_CHECK(st_len == enc_len && memcmp(enc2, enc, enc_len) == 0,
	         "streaming encoder equals one-shot");
	/* Wrapped: lines of 76, CRLF between, no CRLF at the end; the
	 * lenient decoder reads it back. */
	st_len = enc_stream(LM_B64_WRAP, data + 2, n, chunk, cap, enc2);
	for (i = 0, col = 0; i < st_len; i++) {
		if (enc2[i] == '\r') {
			FZ_CHECK(col == 76 && i + 2 < st_len && enc2[i + 1] == '\n',
			         "wrap only after 76 characters, not at the end");
			col = 0;
			i++;
		} else {
			col++;
			FZ_CHECK(col <= 76, "wrapped line at most 76");
		}
	}
	r1 = dec_stream(LM_B64_LENIENT, enc2, st_len, chunk, cap, back, &len2, &d1);
	FZ_CHECK(r1 == 0 && len2 == n && memcmp(back, data + 2, n) == 0,
	         "lenient decode of wrapped encoding is x");
	FZ_CHECK(d1.invalid == 0 && d1.bad_padding == 0 && d1.missing_padding == 0 &&
	         d1.truncated == 0, "own encoding has no defects");
out:
	free(one);
	free(st);
	free(back);
	free(enc);
	free(enc2);
	return 0;
}
