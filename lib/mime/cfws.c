/*
 * libmail - RFC 5322 CFWS (3.2.2): white space and comments, which
 * nest and hold quoted-pairs. The one scanner behind every structured
 * field reader of lib/mime (parameters, the parser's Content-* fields,
 * dates, addresses).
 */
#include "internal.h"

/* see internal.h */
size_t
lm_mime__comment_end(const unsigned char *p, size_t n, size_t i,
                     size_t *deepest, int *open)
{
	size_t depth = 0, deep = 0;

	while (i < n) {
		if (p[i] == '\\' && i + 1 < n) {
			i += 2;
			continue;
		}
		if (p[i] == '(') {
			if (++depth > deep)
				deep = depth;
		} else if (p[i] == ')' && --depth == 0) {
			i++;
			break;
		}
		i++;
	}
	if (deepest != NULL)
		*deepest = deep;
	if (open != NULL)
		*open = depth > 0;
	return i;
}

/* see internal.h */
size_t
lm_mime__skip_cfws(const unsigned char *p, size_t n, size_t i, int *comment)
{
	while (i < n) {
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n') {
			i++;
		} else if (p[i] == '(') {
			i = lm_mime__comment_end(p, n, i, NULL, NULL);
			if (comment != NULL)
				*comment = 1;
		} else {
			break;
		}
	}
	return i;
}
