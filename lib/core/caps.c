/*
 * libmail - capability store shared by the SMTP and POP3 engines
 * (see caps.h): no allocation, the engines embed the storage.
 */
#include <string.h>

#include "libmail/error.h"
#include "caps.h"

/* Length of the keyword at the start of line p[0..n). */
static size_t
kw_len(const char *p, size_t n, int mode)
{
	size_t i = 0;
	char sep2 = mode == LM_CORE__CAPS_CAPA ? '\t' : ' ';
	while (i < n && p[i] != ' ' && p[i] != sep2)
		i++;
	return i;
}

/* see caps.h */
int
lm_core__caps_add(char *store, size_t cap, size_t *len, const unsigned char *t,
                  size_t *n, int mode, size_t *kw)
{
	const char *p = (const char *)t;
	size_t m = *n;

	while (m > 0 && (p[m - 1] == ' ' || p[m - 1] == '\t' || p[m - 1] == '\r'))
		m--;
	*kw = 0;
	*n = m;
	if (m == 0)
		return 0;
	if (m + 1 > cap - *len)
		return LM_ERR_LIMIT;
	memcpy(store + *len, p, m);
	store[*len + m] = '\n';
	*len += m + 1;
	*kw = kw_len(p, m, mode);
	return 0;
}

/* The first index from i on in p[0..n) that is not SP or HTAB. */
static size_t
skip_ws(const char *p, size_t i, size_t n)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i;
}

/* see caps.h */
int
lm_core__caps_find(const char *store, size_t len, const char *kw, int mode,
                   lm_slice *param)
{
	size_t pos = 0, kl = strlen(kw);

	while (pos < len) {
		const char *line = store + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = (size_t)(nl - line), k = kw_len(line, n, mode);
		if (lm_core__ieq(line, k, kw, kl)) {
			if (param) {
				/* EHLO: the one SP that ended the keyword;
				 * CAPA: the whole run of SP/HTAB. */
				size_t off = mode == LM_CORE__CAPS_CAPA ? skip_ws(line, k, n) :
				             k < n ? k + 1 : n;
				param->p = (const unsigned char *)line + off;
				param->len = n - off;
			}
			return 1;
		}
		pos += n + 1;
	}
	return 0;
}

/* see caps.h */
int
lm_core__caps_listed(lm_slice list, const char *name)
{
	size_t i = 0, k, nl = strlen(name);
	const char *p = (const char *)list.p;

	while (i < list.len) {
		i = skip_ws(p, i, list.len);
		k = kw_len(p + i, list.len - i, LM_CORE__CAPS_CAPA);
		if (k > 0 && lm_core__ieq(p + i, k, name, nl))
			return 1;
		i += k;
	}
	return 0;
}
