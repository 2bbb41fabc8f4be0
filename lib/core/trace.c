/*
 * libmail - trace helpers: split protocol bytes into lines for the
 * caller's lm_trace_fn, with a redacting variant for credentials.
 */
#include <string.h>

#include "libmail/core.h"

#define TRACE_KEEP_MAX 200

/* Call emit(line) for each line of p[0..n). */
static void
each_line(lm_trace_fn fn, void *ud, char dir, const unsigned char *s, size_t n,
          int redact, size_t keep)
{
	size_t start = 0, i, len;
	char buf[TRACE_KEEP_MAX + sizeof LM_TRACE_REDACTED];

	while (start < n) {
		const unsigned char *nl = memchr(s + start, '\n', n - start);
		size_t next;
		if (nl != NULL) {
			i = (size_t)(nl - s);
			len = i - start;
			if (len > 0 && s[i - 1] == '\r')
				len--;
			next = i + 1;
		} else {
			len = n - start;
			next = n;
		}
		if (redact) {
			size_t k = keep < len ? keep : len;
			if (k > TRACE_KEEP_MAX)
				k = TRACE_KEEP_MAX;
			memcpy(buf, s + start, k);
			memcpy(buf + k, LM_TRACE_REDACTED, sizeof LM_TRACE_REDACTED - 1);
			fn(dir, buf, k + sizeof LM_TRACE_REDACTED - 1, ud);
			lm_zeroize(buf, k);
		} else {
			fn(dir, (const char *)s + start, len, ud);
		}
		start = next;
	}
}

/* see core.h */
void
lm_trace_emit(lm_trace_fn fn, void *ud, char dir, const void *p, size_t n)
{
	if (fn == NULL || p == NULL)
		return;
	each_line(fn, ud, dir, p, n, 0, 0);
}

/* see core.h */
void
lm_trace_emit_redacted(lm_trace_fn fn, void *ud, char dir,
                       const void *p, size_t n, size_t keep)
{
	if (fn == NULL || p == NULL)
		return;
	/* an empty secret (a SASL step's empty response) is a line too:
	 * the trace shows that a line went out, not that it was empty */
	if (n == 0)
		fn(dir, LM_TRACE_REDACTED, sizeof LM_TRACE_REDACTED - 1, ud);
	each_line(fn, ud, dir, p, n, 1, keep);
}
