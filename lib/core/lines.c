/*
 * libmail - line framing shared by the protocol engines.
 */
#include "libmail/core.h"

/* see core.h */
int
lm_line_next(const unsigned char *p, size_t n, size_t max,
             size_t *line_len, size_t *consumed)
{
	size_t lim, i;

	if (max == 0 || line_len == NULL || consumed == NULL || (p == NULL && n > 0))
		return LM_ERR_BAD_PARAM;
	lim = n < max ? n : max;
	for (i = 0; i < lim; i++) {
		if (p[i] == '\n') {
			*consumed = i + 1;
			*line_len = (i > 0 && p[i - 1] == '\r') ? i - 1 : i;
			return 1;
		}
		if (p[i] == '\0')
			return LM_ERR_PROTOCOL;
	}
	if (n >= max)
		return LM_ERR_LINE_TOO_LONG;
	return 0;
}

/* see core.h */
int
lm_is_ascii(const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] & 0x80)
			return 0;
	return 1;
}
