/*
 * lm_line_next() against a reference written here from its contract in
 * core.h. First byte: max (1..256); the rest is the received data.
 */
#include <string.h>

#include "libmail/core.h"
#include "libmail/error.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t max, off = 0, ll = 0, cons = 0, lim, i, lf, nul;
	int r, want;

	if (size < 1)
		return 0;
	max = (size_t)data[0] + 1;
	data++;
	size--;
	FZ_CHECK(lm_line_next(data, size, 0, &ll, &cons) == LM_ERR_BAD_PARAM,
	         "max 0 is refused");
	for (;;) {
		const uint8_t *p = data + off;
		size_t n = size - off;

		/* The reference: scan p[0..min(n, max)) for NUL and LF. */
		lim = n < max ? n : max;
		lf = nul = (size_t)-1;
		for (i = 0; i < lim; i++) {
			if (p[i] == 0 && nul == (size_t)-1)
				nul = i;
			if (p[i] == '\n') {
				lf = i;
				break;
			}
		}
		if (nul != (size_t)-1)
			want = LM_ERR_PROTOCOL;
		else if (lf != (size_t)-1)
			want = 1;
		else if (n < max)
			want = 0;
		else
			want = LM_ERR_LINE_TOO_LONG;
		ll = cons = 7777;
		r = lm_line_next(n ? p : NULL, n, max, &ll, &cons);
		FZ_CHECK(r == want, "result matches the contract");
		if (r != 1) {
			FZ_CHECK(ll == 7777 && cons == 7777, "outputs untouched unless 1");
			break;
		}
		FZ_CHECK(cons == lf + 1, "consumed ends after the LF");
		FZ_CHECK(ll == (lf > 0 && p[lf - 1] == '\r' ? lf - 1 : lf),
		         "line length excludes CRLF or LF");
		off += cons;
	}
	return 0;
}
