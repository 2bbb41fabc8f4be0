/*
 * IMAP modified UTF-7 (RFC 3501 5.1.3): decode arbitrary input; encode
 * valid UTF-8 and decode it back.
 *
 * Invariants: a decoded name is valid UTF-8 without U+0000 and encodes
 * to a name that decodes to the same text; the encoder accepts exactly
 * the valid UTF-8 without U+0000 and its output is printable ASCII that
 * decodes to the input.
 */
#include <string.h>

#include "libmail/core.h"
#include "libmail/error.h"
#include "fuzz.h"
#include "utf8.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	/* Encoding: each UTF-8 byte becomes at most 8/3 base64 characters
	 * plus shifts, so 4n + 8 is plenty. Decoding: 8 base64 characters
	 * carry three UTF-16 units, at most 9 bytes of UTF-8 (9/8 growth). */
	size_t dcap = size + size / 8 + 8, ecap = 4 * size + 8;
	size_t dlen = 0, elen = 0, d2len = 0, i;
	char *dec = malloc(dcap), *enc = malloc(ecap), *dec2 = malloc(ecap);
	int r, valid;

	if (!dec || !enc || !dec2)
		goto out;

	r = lm_mutf7_decode(in, size, dec, dcap, &dlen);
	FZ_CHECK(r == 0 || r == LM_ERR_DECODE, "decode result");
	if (r == 0) {
		FZ_CHECK(dlen <= size + size / 8 + 1, "decoding grows at most 9/8");
		FZ_CHECK(fz_utf8_valid((const unsigned char *)dec, dlen, 0),
		         "decoded name is valid UTF-8 without NUL");
		FZ_CHECK(lm_mutf7_encode(dec, dlen, enc, ecap, &elen) == 0,
		         "decoded name encodes");
		FZ_CHECK(lm_mutf7_decode(enc, elen, dec2, ecap, &d2len) == 0 &&
		         d2len == dlen && memcmp(dec2, dec, dlen) == 0,
		         "decode(encode(decode(x))) == decode(x)");
		if (lm_is_ascii(in, size) && memchr(in, '&', size) == NULL)
			FZ_CHECK(dlen == size && memcmp(dec, in, size) == 0,
			         "plain printable ASCII is itself");
	}

	valid = fz_utf8_valid(data, size, 0);
	r = lm_mutf7_encode(in, size, enc, ecap, &elen);
	FZ_CHECK((r == 0) == valid, "encoder accepts exactly valid UTF-8");
	if (r == 0) {
		for (i = 0; i < elen; i++)
			FZ_CHECK(enc[i] >= 0x20 && enc[i] <= 0x7e, "output printable ASCII");
		r = lm_mutf7_decode(enc, elen, dec2, ecap, &d2len);
		FZ_CHECK(r == 0 && d2len == size && memcmp(dec2, in, size) == 0,
		         "decode(encode(x)) == x");
		if (elen > 0)
			FZ_CHECK(lm_mutf7_encode(in, size, enc, elen - 1, &elen) ==
			         LM_ERR_BUFFER_TOO_SMALL, "short buffer reported");
	}
out:
	free(dec);
	free(enc);
	free(dec2);
	return 0;
}
