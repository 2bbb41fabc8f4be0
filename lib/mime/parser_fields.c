/*
 * libmail - streaming MIME parser: the values of the header fields that
 * shape the structure (Content-Type, Content-Disposition,
 * Content-Transfer-Encoding), read from their unfolded text; the
 * parameters are looked up by param.c.
 */
#include <string.h>

#include "libmail/mime.h"
#include "parser_internal.h"

#define LOWER(c) ((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c))

static int
is_tspecial_or_ctl(unsigned char c)
{
	return c <= ' ' || c >= 127 || strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static size_t
take_token(const unsigned char *s, size_t n, size_t i, char *out, size_t cap,
           int *overflow)
{
	size_t k = 0;

	*overflow = 0;
	while (i < n && !is_tspecial_or_ctl(s[i])) {
		if (k + 1 < cap)
			out[k++] = (char)LOWER(s[i]);
		else
			*overflow = 1;
		i++;
	}
	out[k] = '\0';
	return i;
}

/* Where the parameters start: the first ';' from i outside comments
 * and quoted strings, or n. "text/plain (;charset=x) ; charset=y" has
 * one parameter, as every other reader sees it. */
static size_t
params_start(const unsigned char *v, size_t n, size_t i)
{
	while ((i = lm_mime__skip_cfws(v, n, i, NULL)) < n && v[i] != ';') {
		if (v[i] == '"')
			for (i++; i < n && v[i] != '"'; i++)
				if (v[i] == '\\')
					i++;
		i++;
	}
	return i < n ? i : n;
}

/* The parameter defects a field reports: malformed syntax anywhere in
 * its section, broken RFC 2231 pieces of the names looked up. */
#define PARAM_DEFECTS (LM_MIME_DEF_PARAM_SYNTAX | LM_MIME_DEF_PARAM_2231)

/* A file name parameter decoded to UTF-8 by the header codecs
 * (RFC 2231 in any order, RFC 2047 words in quotes); when it does not
 * fit, the raw value cut to the buffer. Defect bits are ORed into *d.
 * Returns 1 when found. */
static int
get_filename(const unsigned char *v, size_t n, const char *name, char *out,
             size_t cap, unsigned *d)
{
	size_t len = 0;
	int r = lm_mime_param_get((const char *)v, n, name, out, cap - 1, &len, d);

	if (r == 0)
		return 0;
	if (r != 1)
		return lm_mime__param_raw(v, n, name, out, cap, d) >= 0;
	out[len] = '\0';
	return 1;
}

static void
copy_lower(char *dst, size_t cap, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i + 1 < cap; i++)
		dst[i] = (char)LOWER((unsigned char)src[i]);
	dst[i] = '\0';
}

/* see parser_internal.h */
void
lm_mime__parse_ctype(lm_mime_parser *p, const unsigned char *v, size_t n)
{
	char type[LM_MIME_TYPE_MAX], sub[LM_MIME_TYPE_MAX];
	char *b = lm_mime__bound_of(p, p->top);
	size_t i;
	int of1, of2;
	unsigned d = 0;
	long r;

	i = lm_mime__skip_cfws(v, n, 0, NULL);
	i = take_token(v, n, i, type, sizeof type, &of1);
	i = lm_mime__skip_cfws(v, n, i, NULL);
	if (type[0] == '\0' || of1 || i >= n || v[i] != '/') {
		lm_mime__defect(p, p->top, LM_MIME_DEF_CTYPE_SYNTAX, 1);
		return;   /* keep the default */
	}
	i = lm_mime__skip_cfws(v, n, i + 1, NULL);
	i = take_token(v, n, i, sub, sizeof sub, &of2);
	if (sub[0] == '\0' || of2) {
		lm_mime__defect(p, p->top, LM_MIME_DEF_CTYPE_SYNTAX, 1);
		return;
	}
	memcpy(p->info.type, type, sizeof type);
	memcpy(p->info.subtype, sub, sizeof sub);
	i = params_start(v, n, i);
	v += i;
	n -= i;
	r = lm_mime__param_raw(v, n, "charset", p->info.charset,
	                       sizeof p->info.charset, &d);
	if (r > 0)
		copy_lower(p->info.charset, sizeof p->info.charset, p->info.charset);
	if (strcmp(type, "multipart") == 0) {
		/* boundary: up to max_boundary bytes; one more tells "too long".
		 * One holding a NUL (boundary*=a%00b, or a raw NUL in quotes) is
		 * no boundary: info.boundary is a C string, so the application
		 * would see less than the delimiters matched here (RFC 2046
		 * bchars never include NUL). Other bytes outside bchars and a
		 * trailing space are kept (leniency): what is matched is then
		 * exactly what info.boundary shows. */
		r = lm_mime__param_raw(v, n, "boundary", b, p->o.max_boundary + 2, &d);
		if (r < 0)
			b[0] = '\0';
		else if ((size_t)r > p->o.max_boundary)
			b[0] = '\0', p->fr[p->top].blen = ~0u;
		else if (memchr(b, '\0', (size_t)r) != NULL)
			b[0] = '\0';   /* blen 0: LM_MIME_DEF_NO_BOUNDARY, a leaf */
		else
			p->fr[p->top].blen = (unsigned)r;
	}
	if (!p->seen_cd || p->info.filename[0] == '\0')
		(void)get_filename(v, n, "name", p->info.filename,
		                   sizeof p->info.filename, &d);
	if ((d & PARAM_DEFECTS) != 0)
		lm_mime__defect(p, p->top, d & PARAM_DEFECTS, 1);
}

/* see parser_internal.h */
void
lm_mime__parse_cdisp(lm_mime_parser *p, const unsigned char *v, size_t n)
{
	char tok[32];
	size_t i;
	unsigned d = 0;
	int of;

	i = lm_mime__skip_cfws(v, n, 0, NULL);
	i = take_token(v, n, i, tok, sizeof tok, &of);
	if (strcmp(tok, "inline") == 0)
		p->info.disposition = LM_MIME_DISP_INLINE;
	else if (strcmp(tok, "attachment") == 0)
		p->info.disposition = LM_MIME_DISP_ATTACHMENT;
	else if (tok[0] != '\0')
		p->info.disposition = LM_MIME_DISP_OTHER;
	i = params_start(v, n, i);
	{
		char tmp[LM_MIME_FILENAME_MAX];
		if (get_filename(v + i, n - i, "filename", tmp, sizeof tmp, &d))
			memcpy(p->info.filename, tmp, strlen(tmp) + 1);
	}
	if ((d & PARAM_DEFECTS) != 0)
		lm_mime__defect(p, p->top, d & PARAM_DEFECTS, 1);
}

/* see parser_internal.h */
void
lm_mime__parse_cte(lm_mime_parser *p, const unsigned char *v, size_t n)
{
	char tok[32];
	size_t i;
	int of;

	i = lm_mime__skip_cfws(v, n, 0, NULL);
	(void)take_token(v, n, i, tok, sizeof tok, &of);
	if (of)
		tok[0] = '?';
	if (strcmp(tok, "7bit") == 0 || tok[0] == '\0')
		p->info.cte = LM_MIME_CTE_7BIT;
	else if (strcmp(tok, "8bit") == 0)
		p->info.cte = LM_MIME_CTE_8BIT;
	else if (strcmp(tok, "binary") == 0)
		p->info.cte = LM_MIME_CTE_BINARY;
	else if (strcmp(tok, "base64") == 0)
		p->info.cte = LM_MIME_CTE_BASE64;
	else if (strcmp(tok, "quoted-printable") == 0)
		p->info.cte = LM_MIME_CTE_QP;
	else if (strcmp(tok, "x-uuencode") == 0 || strcmp(tok, "uuencode") == 0 ||
	         strcmp(tok, "x-uue") == 0 || strcmp(tok, "uue") == 0)
		p->info.cte = LM_MIME_CTE_UUENCODE;
	else {
		p->info.cte = LM_MIME_CTE_UNKNOWN;
		lm_mime__defect(p, p->top, LM_MIME_DEF_UNKNOWN_CTE, 1);
	}
}
