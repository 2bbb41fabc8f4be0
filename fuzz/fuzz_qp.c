/*
 * Quoted-printable: the decoder on arbitrary input (one-shot against
 * streaming with small pieces), and encode-then-decode round trips in
 * both encoder modes, with the output rules of core.h checked.
 *
 * Input: byte 0 chunk size, byte 1 output capacity per call, rest data.
 */
#include <string.h>

#include "libmail/core.h"
#include "libmail/error.h"
#include "fuzz.h"
#include "codec_bounds.h"

static size_t
dec_stream(const char *in, size_t n, size_t chunk, size_t cap,
           unsigned char *out, lm_qp_defects *defects)
{
	lm_qp_dec d;
	size_t off = 0, len = 0, used, wr, piece;
	int r;

	lm_qp_dec_init(&d);
	while (off < n) {
		piece = n - off < chunk ? n - off : chunk;
		used = wr = 0;
		r = lm_qp_dec_update(&d, in + off, piece, out + len, cap, &used, &wr);
		fz_qp_dec_bounds(&d);
		FZ_CHECK(r == 0 && used <= piece && wr <= cap, "decoder update");
		FZ_CHECK(used > 0 || wr > 0, "decoder makes progress");
		len += wr;
		off += used;
	}
	do {
		wr = 0;
		r = lm_qp_dec_final(&d, out + len, cap, &wr);
		fz_qp_dec_bounds(&d);
		FZ_CHECK(r == 0 || (r == LM_ERR_BUFFER_TOO_SMALL && wr > 0),
		         "decoder final");
		len += wr;
	} while (r != 0);
	*defects = *lm_qp_dec_defects(&d);
	return len;
}

static size_t
enc_stream(unsigned flags, const unsigned char *in, size_t n, size_t chunk,
           size_t cap, char *out)
{
	lm_qp_enc e;
	size_t off = 0, len = 0, used, wr, piece;
	int r;

	lm_qp_enc_init(&e, flags);
	while (off < n) {
		piece = n - off < chunk ? n - off : chunk;
		used = wr = 0;
		r = lm_qp_enc_update(&e, in + off, piece, out + len, cap, &used, &wr);
		fz_qp_enc_bounds(&e);
		FZ_CHECK(r == 0 && used <= piece && wr <= cap, "encoder update");
		FZ_CHECK(used > 0 || wr > 0, "encoder makes progress");
		len += wr;
		off += used;
	}
	do {
		wr = 0;
		r = lm_qp_enc_final(&e, out + len, cap, &wr);
		fz_qp_enc_bounds(&e);
		FZ_CHECK(r == 0 || (r == LM_ERR_BUFFER_TOO_SMALL && wr > 0),
		         "encoder final");
		len += wr;
	} while (r != 0);
	return len;
}

/* The output rules of lm_qp_enc_init(). */
static void
check_encoding(const char *p, size_t n, unsigned flags)
{
	size_t i, col = 0;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (c == '\r') {
			FZ_CHECK(i + 1 < n && p[i + 1] == '\n', "CR only in CRLF");
			FZ_CHECK(i == 0 || (p[i - 1] != ' ' && p[i - 1] != '\t'),
			         "no white space before a break");
			if (flags == LM_QP_BINARY)
				FZ_CHECK(i > 0 && p[i - 1] == '=', "binary: soft breaks only");
			i++;
			col = 0;
			continue;
		}
		FZ_CHECK(c != '\n', "LF only in CRLF");
		FZ_CHECK((c >= 33 && c <= 126) || c == ' ' || c == '\t',
		         "only printable ASCII, SP, HT");
		if (c == '=') {
			if (i + 1 < n && p[i + 1] == '\r') {
				col++;
				FZ_CHECK(col <= 76, "soft break within 76");
				continue;
			}
			FZ_CHECK(i + 2 < n, "=XX complete");
			FZ_CHECK(strchr("0123456789ABCDEF", p[i + 1]) && p[i + 1] &&
			         strchr("0123456789ABCDEF", p[i + 2]) && p[i + 2],
			         "=XX upper-case hex");
			col += 3;
			i += 2;
		} else {
			col++;
		}
		FZ_CHECK(col <= 76, "encoded line at most 76");
	}
	FZ_CHECK(n == 0 || p[n - 1] != ' ', "no trailing SP at the end");
	FZ_CHECK(n == 0 || p[n - 1] != '\t', "no trailing HT at the end");
	FZ_CHECK(n < 3 || !(p[n - 3] == '=' && p[n - 2] == '\r'),
	         "output does not end with a soft break");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk, cap, n, encmax, len1 = 0, len2, elen = 0, i, k;
	const unsigned char *in;
	unsigned char *out1, *out2, *norm;
	char *enc, *enc2;
	lm_qp_defects d1, d2;
	unsigned flags;
	int r;

	if (size < 2)
		return 0;
	chunk = (size_t)data[0] % 64 + 1;
	cap = (size_t)data[1] % 16 + 1;
	in = data + 2;
	n = size - 2;
	encmax = 3 * n + 3 * (n / 25) + 3;
	out1 = malloc(2 * n + 1);
	out2 = malloc(2 * n + LM_CODEC_FINAL_MAX + 1);
	norm = malloc(2 * n + 1);
	enc = malloc(encmax);
	enc2 = malloc(encmax + LM_CODEC_FINAL_MAX);
	if (!out1 || !out2 || !norm || !enc || !enc2)
		goto out;

	/* Decoder: never fails, 2n suffices, split does not matter. */
	memset(&d1, 0, sizeof d1);
	r = lm_qp_decode((const char *)in, n, out1, 2 * n, &len1, &d1);
	FZ_CHECK(r == 0, "one-shot decode never fails with 2n");
	len2 = dec_stream((const char *)in, n, chunk, cap, out2, &d2);
	FZ_CHECK(len2 == len1 && memcmp(out1, out2, len1) == 0,
	         "streaming decode equals one-shot");
	FZ_CHECK(memcmp(&d1, &d2, sizeof d1) == 0, "defects independent of split");

	for (flags = LM_QP_TEXT; flags <= LM_QP_BINARY; flags++) {
		r = lm_qp_encode(in, n, flags, enc, encmax, &elen);
		FZ_CHECK(r == 0 && elen <= encmax, "documented bound suffices");
		check_encoding(enc, elen, flags);
		len2 = enc_stream(flags, in, n, chunk, cap, enc2);
		FZ_CHECK(len2 == elen && memcmp(enc, enc2, elen) == 0,
		         "streaming encode equals one-shot");
		/* Expected decoding: the input, with bare LF as CRLF in text mode. */
		for (i = 0, k = 0; i < n; i++) {
			if (flags == LM_QP_TEXT && in[i] == '\n' &&
			    (i == 0 || in[i - 1] != '\r'))
				norm[k++] = '\r';
			norm[k++] = in[i];
		}
		r = lm_qp_decode(enc, elen, out1, 2 * elen + 1, &len1, &d1);
		FZ_CHECK(r == 0 && len1 == k && memcmp(out1, norm, k) == 0,
		         "decode(encode(x)) == x (text: LF as CRLF)");
		FZ_CHECK(d1.bad_escape == 0 && d1.lowercase_hex == 0,
		         "own encoding has no defects");
	}
out:
	free(out1);
	free(out2);
	free(norm);
	free(enc);
	free(enc2);
	return 0;
}
