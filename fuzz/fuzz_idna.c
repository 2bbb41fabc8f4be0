/*
 * IDNA: lm_idna_to_ascii() and lm_idna_to_unicode() on arbitrary input.
 *
 * Invariants: results are NUL-terminated with *outlen == strlen; a
 * non-ASCII name does not convert to an empty one (or only dots); an
 * A-label result is ASCII letters, digits, '-', '_', '.'; when
 * to_ascii converts non-ASCII input, to_unicode accepts the result and
 * converting that back gives the same A-labels (case-insensitively);
 * when to_unicode accepts a name, to_ascii of its result gives the
 * input's labels back (case-insensitively).
 */
#include <string.h>
#include <strings.h>

#include "libmail/core.h"
#include "libmail/error.h"
#include "fuzz.h"

#define CAP 2048

static int
ok_result(int r)
{
	return r == 0 || r == LM_ERR_IDNA || r == LM_ERR_BUFFER_TOO_SMALL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	static char a[CAP], u[CAP], a2[CAP];
	size_t alen = 0, ulen = 0, a2len = 0, i;
	int r, ascii;

	if (size > 1100)
		return 0;
	ascii = lm_is_ascii(in, size);

	r = lm_idna_to_ascii(in, size, a, sizeof a, &alen);
	FZ_CHECK(ok_result(r), "to_ascii result");
	if (r == 0) {
		FZ_CHECK(alen < sizeof a && a[alen] == 0 && strlen(a) == alen,
		         "NUL-terminated, outlen is its length");
		if (ascii) {
			FZ_CHECK(alen == size && memcmp(a, in, size) == 0,
			         "ASCII is copied unchanged");
		} else {
			/* Non-empty input that is not just dots is a name with
			 * at least one label: it cannot map to nothing. */
			for (i = 0; i < size && in[i] == '.'; i++)
				;
			/* regress/idna-empty-result.bin */
			if (i < size)
				FZ_CHECK(alen > 0 && strspn(a, ".") < alen,
				         "a non-empty name does not map to an empty one");
			for (i = 0; i < alen; i++)
				FZ_CHECK((a[i] >= 'a' && a[i] <= 'z') ||
				         (a[i] >= 'A' && a[i] <= 'Z') ||
				         (a[i] >= '0' && a[i] <= '9') ||
				         a[i] == '-' || a[i] == '_' || a[i] == '.',
				         "A-label result has only LDH, '_' and '.'");
			r = lm_idna_to_unicode(a, alen, u, sizeof u, &ulen);
			/* regress/idna-forged-alabel.bin */
			FZ_CHECK(r == 0, "to_unicode accepts what to_ascii made");
			FZ_CHECK(strlen(u) == ulen, "to_unicode NUL-terminated");
			r = lm_idna_to_ascii(u, ulen, a2, sizeof a2, &a2len);
			FZ_CHECK(r == 0 && a2len == alen && strcasecmp(a2, a) == 0,
			         "to_ascii(to_unicode(A)) == A");
		}
	}

	r = lm_idna_to_unicode(in, size, u, sizeof u, &ulen);
	FZ_CHECK(ok_result(r), "to_unicode result");
	if (r == 0) {
		FZ_CHECK(ulen < sizeof u && u[ulen] == 0 && strlen(u) == ulen,
		         "NUL-terminated, outlen is its length");
		r = lm_idna_to_ascii(u, ulen, a2, sizeof a2, &a2len);
		FZ_CHECK(r == 0, "to_ascii accepts what to_unicode made");
		if (ascii) {
			FZ_CHECK(a2len == size && strncasecmp(a2, in, size) == 0,
			         "to_ascii(to_unicode(x)) == x for ASCII x");
		} else {
			FZ_CHECK(r == 0 && a2len == alen && strcasecmp(a2, a) == 0,
			         "to_ascii(to_unicode(x)) == to_ascii(x)");
		}
	}
	return 0;
}
