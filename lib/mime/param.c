/*
 * libmail - MIME parameters (RFC 2045 5.1, RFC 2231: continuations,
 * charsets and languages, percent-encoding), the RFC 2047-in-quotes
 * form old mailers write, and Content-Type / Content-Disposition
 * (RFC 2183) values.
 */
#include <string.h>

#include "libmail/mime.h"
#include "codec_internal.h"
#include "internal.h"

/* RFC 2045 tspecials (a switch: called for every byte of a value). */
static int
is_tspecial(unsigned char c)
{
	switch (c) {
	case '(': case ')': case '<': case '>': case '@': case ',': case ';':
	case ':': case '\\': case '"': case '/': case '[': case ']': case '?':
	case '=':
		return 1;
	default:
		return 0;
	}
}

/* RFC 2045 token character (8-bit bytes tolerated). */
static int
is_tok(unsigned char c)
{
	return c > 0x20 && c != 0x7F && !is_tspecial(c);
}

static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* 1 if p[j..n) starts "token =" (a parameter after a missing ';',
 * as in RFC 2231's own example). */
static int
param_start(const unsigned char *p, size_t n, size_t j)
{
	size_t k = j;

	while (k < n && is_tok(p[k]))
		k++;
	if (k == j)
		return 0;
	while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r' ||
	                 p[k] == '\n'))
		k++;
	return k < n && p[k] == '=';
}

/* A parameter's value as written. */
typedef struct {
	const unsigned char *val;   /* quotes included */
	size_t vlen;
	int quoted;
	int ext;                    /* the name ends with '*' (RFC 2231 extended) */
} piece;

/* One parameter as written. */
typedef struct {
	const unsigned char *name;  /* base name, without "*N*" */
	size_t nlen;
	int section;                /* -1 without "*N" */
	int bad_section;            /* "*N" not a plain number below the bound */
	piece v;
} param;

/*
 * The parameter at p[*pos..n) (separators and junk before it skipped).
 * Returns 1 and *pr, or 0 at the end.
 */
static int
next_param(const unsigned char *p, size_t n, size_t *pos, param *pr,
           unsigned *def)
{
	size_t i = *pos, a, e, k;

	for (;;) {
		i = lm_mime__skip_cfws(p, n, i, NULL);
		if (i >= n) {
			*pos = n;
			return 0;
		}
		if (p[i] == ';') {
			i++;
			continue;
		}
		a = i;
		while (i < n && is_tok(p[i]))
			i++;
		if (i == a) {
			/* Junk: skip to the next ';'. */
			*def |= LM_MIME_DEF_PARAM_SYNTAX;
			while (i < n && p[i] != ';')
				i++;
			continue;
		}
		e = i;
		i = lm_mime__skip_cfws(p, n, i, NULL);
		if (i >= n || p[i] != '=') {
			*def |= LM_MIME_DEF_PARAM_SYNTAX;
			while (i < n && p[i] != ';')
				i++;
			continue;
		}
		i = lm_mime__skip_cfws(p, n, i + 1, NULL);
		break;
	}
	/* Name: base [*section] [*]. */
	pr->name = p + a;
	pr->nlen = e - a;
	pr->section = -1;
	pr->v.ext = 0;
	pr->bad_section = 0;
	if (pr->nlen > 1 && pr->name[pr->nlen - 1] == '*') {
		pr->v.ext = 1;
		pr->nlen--;
	}
	for (k = pr->nlen; k > 0 && pr->name[k - 1] >= '0' && pr->name[k - 1] <= '9'; k--)
		;
	if (k > 1 && k < pr->nlen && pr->name[k - 1] == '*') {
		size_t digits = pr->nlen - k, j;
		long v = 0;
		if (digits > 3 || (digits > 1 && pr->name[k] == '0')) {
			pr->bad_section = 1;
		} else {
			for (j = k; j < pr->nlen; j++)
				v = v * 10 + (pr->name[j] - '0');
			if (v >= LM_MIME_PARAM_SECTIONS)
				pr->bad_section = 1;
			pr->section = (int)v;
		}
		pr->nlen = k - 1;
	}
	/* Value. */
	if (i < n && p[i] == '"') {
		a = i++;
		while (i < n && p[i] != '"') {
			if (p[i] == '\\' && i + 1 < n)
				i++;
			i++;
		}
		if (i < n)
			i++;
		else
			*def |= LM_MIME_DEF_PARAM_SYNTAX;
		pr->v.val = p + a;
		pr->v.vlen = i - a;
		pr->v.quoted = 1;
		i = lm_mime__skip_cfws(p, n, i, NULL);
		if (i < n && p[i] != ';') {
			*def |= LM_MIME_DEF_PARAM_SYNTAX;
			while (i < n && p[i] != ';' &&
			       !(is_wsp(p[i - 1]) && param_start(p, n, i)))
				i++;
		}
	} else {
		/* A token, comments after it dropped (RFC 2045 5.1:
		 * "charset=us-ascii (Plain text)"). Tolerated: anything up to
		 * ';' (white space in a bare file name), trailing white space
		 * dropped. */
		a = i;
		while (i < n && is_tok(p[i]))
			i++;
		e = i;
		i = lm_mime__skip_cfws(p, n, i, NULL);
		if (e == a || (i < n && p[i] != ';')) {
			i = a;
			while (i < n && p[i] != ';') {
				if (is_wsp(p[i]) && !is_wsp(p[i + 1 < n ? i + 1 : i]) &&
				    param_start(p, n, i + 1)) {
					*def |= LM_MIME_DEF_PARAM_SYNTAX;
					break;
				}
				i++;
			}
			e = i;
			while (e > a && is_wsp(p[e - 1]))
				e--;
			if (e == a)   /* "name=": a value is 1*token */
				*def |= LM_MIME_DEF_PARAM_SYNTAX;
			for (k = a; k < e; k++)
				if (!is_tok(p[k])) {
					*def |= LM_MIME_DEF_PARAM_SYNTAX;
					break;
				}
		}
		pr->v.val = p + a;
		pr->v.vlen = e - a;
		pr->v.quoted = 0;
	}
	*pos = i;
	return 1;
}

/* The inside of a quoted value v[0..*n): without its quotes (the
 * closing one may be missing). */
static const unsigned char *
unquote(const unsigned char *v, size_t *n)
{
	*n = *n >= 2 && v[*n - 1] == '"' ? *n - 2 : *n - 1;
	return v + 1;
}

/* Feed a plain value (quotes and quoted-pairs undone) to the word
 * decoder: RFC 2047 words in it are decoded, other text is UTF-8. */
static void
plain_value(lm_mime__out *o, const piece *pr, unsigned *def)
{
	const unsigned char *v = pr->val;
	size_t n = pr->vlen, i, j;
	lm_mime__ewd d;

	if (pr->quoted)
		v = unquote(v, &n);
	lm_mime__ewd_init(&d, o, def);
	i = 0;
	while (i < n) {
		unsigned char c = v[i];
		j = i;
		if (pr->quoted && c == '\\' && i + 1 < n) {
			lm_mime__ewd_text(&d, v + i + 1, 1);
			i += 2;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			while (j < n && (v[j] == ' ' || v[j] == '\t' || v[j] == '\r' ||
			                 v[j] == '\n'))
				j++;
			lm_mime__ewd_ws(&d, v + i, j - i);
		} else {
			while (j < n && v[j] != ' ' && v[j] != '\t' && v[j] != '\r' &&
			       v[j] != '\n' && !(pr->quoted && v[j] == '\\'))
				j++;
			if (j == i)
				j = i + 1; /* a lone '\\' at the end */
			lm_mime__ewd_token(&d, v + i, j - i);
		}
		i = j;
	}
	lm_mime__ewd_end(&d);
}

static int
hexv(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Append b[0..n) to o: converted with c, or as it is when c is NULL. */
static void
put(lm_mime__out *o, lm_mime_conv *c, const unsigned char *b, size_t n)
{
	if (c != NULL)
		lm_mime__out_conv(o, c, b, n);
	else
		lm_mime__out_put(o, b, n);
}

/* Percent-decode v[0..n) (ext 1) or take it literally (unquoted when
 * quoted), CR and LF as written dropped, and append it to o with put(). */
static void
section_bytes(lm_mime__out *o, lm_mime_conv *c, const unsigned char *v,
              size_t n, int ext, int quoted, unsigned *def)
{
	unsigned char buf[64];
	size_t bl = 0, i;

	if (quoted)
		v = unquote(v, &n);
	for (i = 0; i < n; i++) {
		unsigned char b = v[i];
		int h, l;
		if (quoted && b == '\\' && i + 1 < n) {
			b = v[++i];
		} else if (ext && b == '%') {
			if (i + 2 < n &&
			    (h = hexv(v[i + 1])) >= 0 && (l = hexv(v[i + 2])) >= 0) {
				b = (unsigned char)(h * 16 + l);
				i += 2;
			} else {
				*def |= LM_MIME_DEF_PARAM_2231;
			}
		} else if (b == '\r' || b == '\n') {
			continue;
		}
		buf[bl++] = b;
		if (bl == sizeof buf) {
			put(o, c, buf, bl);
			bl = 0;
		}
	}
	put(o, c, buf, bl);
}

/* The bytes of an extended value: quotes around it are tolerated. */
static void
ext_region(const piece *pc, const unsigned char **v, size_t *n, unsigned *def)
{
	*v = pc->val;
	*n = pc->vlen;
	if (pc->quoted) {
		*def |= LM_MIME_DEF_PARAM_2231;
		*v = unquote(*v, n);
	}
}

/* Split an extended value v[0..n) "charset'lang'text": the charset and
 * where the text starts. Without two quotes: no charset, all text. */
static void
ext_split(const unsigned char *v, size_t n, const unsigned char **cs,
          size_t *csn, size_t *text, unsigned *def)
{
	size_t i, q1 = 0, q2 = 0;

	for (i = 0; i < n; i++) {
		if (v[i] == '\'') {
			if (!q1) {
				q1 = i + 1;
			} else {
				q2 = i + 1;
				break;
			}
		}
	}
	*cs = NULL;
	*csn = 0;
	*text = 0;
	if (!q2) {
		*def |= LM_MIME_DEF_PARAM_2231;
		return;
	}
	if (q1 > 1) {
		*cs = v;
		*csn = q1 - 1;
	}
	*text = q2;
}

/* The pieces of one parameter's value, as a lookup found them. */
typedef struct {
	piece sec[LM_MIME_PARAM_SECTIONS];   /* name*N, name*N* */
	unsigned char set[LM_MIME_PARAM_SECTIONS];
	piece ext;                           /* name* */
	piece plain;                         /* name */
	int have_sec, have_ext, have_plain;
} lookup;

/* Collect the pieces of parameter `name` in one pass over p[0..n): the
 * first of each kind and section counts. Returns 1 when it is there. */
static int
find(const unsigned char *p, size_t n, const char *name, lookup *lk,
     unsigned *def)
{
	size_t pos = 0, nl = strlen(name);
	param pr;
	piece *pc;

	memset(lk, 0, sizeof *lk);
	while (next_param(p, n, &pos, &pr, def)) {
		if (pr.nlen != nl || !lm_core__ieqz((const char *)pr.name, nl, name))
			continue;
		if (pr.bad_section) {
			*def |= LM_MIME_DEF_PARAM_2231;
			continue;
		}
		if (pr.section >= 0) {
			if (lk->set[pr.section]) {
				*def |= LM_MIME_DEF_PARAM_2231;
				continue;
			}
			lk->set[pr.section] = 1;
			lk->have_sec = 1;
			pc = &lk->sec[pr.section];
		} else if (pr.v.ext) {
			if (lk->have_ext++) {
				*def |= LM_MIME_DEF_PARAM_SYNTAX;
				continue;
			}
			pc = &lk->ext;
		} else {
			if (lk->have_plain++) {
				*def |= LM_MIME_DEF_PARAM_SYNTAX;
				continue;
			}
			pc = &lk->plain;
		}
		*pc = pr.v;
	}
	if (lk->have_sec && !lk->set[0]) {
		*def |= LM_MIME_DEF_PARAM_2231;
		lk->have_sec = 0;
	}
	return lk->have_sec || lk->have_ext || lk->have_plain;
}

/* The value found, appended to o: decoded to UTF-8 (RFC 2231 charset,
 * RFC 2047 words in a plain value), or with raw the bytes as written
 * (quotes, quoted-pairs and percent-encoding undone, nothing converted).
 * The RFC 2231 form wins over a plain value; sections are joined in
 * order up to the first gap. */
static void
emit(lm_mime__out *o, const lookup *lk, int raw, unsigned *def)
{
	const unsigned char *cs = NULL, *v = NULL;
	size_t csn = 0, text = 0, vn = 0, i;
	const piece *first;
	lm_mime_conv c, *cp = NULL;

	if (!lk->have_sec && !lk->have_ext) {
		if (raw)
			section_bytes(o, NULL, lk->plain.val, lk->plain.vlen, 0,
			              lk->plain.quoted, def);
		else
			plain_value(o, &lk->plain, def);
		return;
	}
	first = lk->have_sec ? &lk->sec[0] : &lk->ext;
	if (first->ext) {
		ext_region(first, &v, &vn, def);
		ext_split(v, vn, &cs, &csn, &text, def);
	}
	if (!raw) {
		if (cs != NULL)
			(void)lm_mime_conv_init(&c, (const char *)cs, csn);
		else
			(void)lm_mime_conv_init(&c, "utf-8", 5);
		cp = &c;
	}
	if (first->ext)
		section_bytes(o, cp, v + text, vn - text, 1, 0, def);
	else
		section_bytes(o, cp, first->val, first->vlen, 0, first->quoted, def);
	if (lk->have_sec) {
		for (i = 1; i < LM_MIME_PARAM_SECTIONS && lk->set[i]; i++) {
			const piece *sp = &lk->sec[i];
			if (sp->ext) {
				ext_region(sp, &v, &vn, def);
				section_bytes(o, cp, v, vn, 1, 0, def);
			} else {
				section_bytes(o, cp, sp->val, sp->vlen, 0, sp->quoted, def);
			}
		}
		for (; i < LM_MIME_PARAM_SECTIONS; i++)
			if (lk->set[i])
				*def |= LM_MIME_DEF_PARAM_2231; /* after a gap */
	}
	if (cp != NULL) {
		lm_mime__out_conv_final(o, cp);
		*def |= lm_mime_conv_defects(cp);
		lm_mime_conv_free(cp);
	}
}

/* Look `name` up in p[0..n) and write its value into out[0..cap): 0
 * when absent, else 1 with *o telling the length and whether it was
 * cut. Percent-encoded CR or LF would break a header written with the
 * value (or the caller's display): spaces instead. */
static int
get(const unsigned char *p, size_t n, const char *name, char *out,
    size_t cap, int raw, lm_mime__out *o, unsigned *def)
{
	lookup lk;
	size_t i;

	o->p = out;
	o->cap = cap;
	o->len = 0;
	o->full = 0;
	if (!find(p, n, name, &lk, def))
		return 0;
	emit(o, &lk, raw, def);
	for (i = 0; i < o->len; i++)
		if (out[i] == '\r' || out[i] == '\n')
			out[i] = ' ';
	return 1;
}

/* see mime.h */
int
lm_mime_param_get(const char *params, size_t n, const char *name, char *out,
                  size_t cap, size_t *outlen, unsigned *defects)
{
	lm_mime__out o;
	unsigned def = 0;
	int r;

	if ((params == NULL && n > 0) || name == NULL ||
	    (out == NULL && cap > 0) || outlen == NULL)
		return LM_ERR_BAD_PARAM;
	r = get((const unsigned char *)params, n, name, out, cap, 0, &o, &def);
	if (defects)
		*defects |= def;
	if (r == 0)
		return 0;
	*outlen = o.len;
	return o.full ? LM_ERR_BUFFER_TOO_SMALL : 1;
}

/* see internal.h */
long
lm_mime__param_raw(const unsigned char *s, size_t n, const char *name,
                   char *out, size_t cap, unsigned *defects)
{
	lm_mime__out o;

	out[0] = '\0';
	if (!get(s, n, name, out, cap - 1, 1, &o, defects))
		return -1;
	out[o.len] = '\0';
	return (long)o.len;
}

/* Lower-cased token at p[*i..n) appended to ct->value. */
static int
take_token(const unsigned char *p, size_t n, size_t *i, lm_mime_ctype *ct)
{
	size_t a = *i;

	while (*i < n && is_tok(p[*i])) {
		unsigned char c = p[*i];
		if (ct->len + 1 >= sizeof ct->value)
			return -1;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		ct->value[ct->len++] = (char)c;
		(*i)++;
	}
	ct->value[ct->len] = 0;
	return *i > a ? 0 : -1;
}

/* The parameter section: from the first ';' at or after i. */
static void
set_params(const unsigned char *p, size_t n, size_t i, lm_mime_ctype *ct)
{
	size_t j = lm_mime__skip_cfws(p, n, i, NULL);

	if (j < n && p[j] != ';')
		ct->defects |= LM_MIME_DEF_CTYPE_SYNTAX;
	while (j < n && p[j] != ';')
		j++;
	ct->params.p = p + j;
	ct->params.len = n - j;
}

/* see mime.h */
int
lm_mime_ctype_parse(const char *in, size_t n, lm_mime_ctype *ct)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i;

	if ((in == NULL && n > 0) || ct == NULL)
		return LM_ERR_BAD_PARAM;
	memset(ct, 0, sizeof *ct);
	i = lm_mime__skip_cfws(p, n, 0, NULL);
	if (take_token(p, n, &i, ct) == 0) {
		ct->type_len = ct->len;
		i = lm_mime__skip_cfws(p, n, i, NULL);
		if (i < n && p[i] == '/' && ct->len + 1 < sizeof ct->value) {
			ct->value[ct->len++] = '/';
			i = lm_mime__skip_cfws(p, n, i + 1, NULL);
			if (take_token(p, n, &i, ct) == 0) {
				set_params(p, n, i, ct);
				return 0;
			}
		}
	}
	/* RFC 2045 5.2: an unusable Content-Type means text/plain. */
	memcpy(ct->value, "text/plain", 11);
	ct->len = 10;
	ct->type_len = 4;
	ct->defects |= LM_MIME_DEF_CTYPE_SYNTAX;
	{
		const unsigned char *semi = n ? memchr(p, ';', n) : NULL;
		ct->params.p = semi ? semi : p + n;
		ct->params.len = semi ? (size_t)(p + n - semi) : 0;
	}
	return LM_ERR_DECODE;
}

/* see mime.h */
int
lm_mime_cdisp_parse(const char *in, size_t n, lm_mime_ctype *cd)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i;

	if ((in == NULL && n > 0) || cd == NULL)
		return LM_ERR_BAD_PARAM;
	memset(cd, 0, sizeof *cd);
	i = lm_mime__skip_cfws(p, n, 0, NULL);
	if (take_token(p, n, &i, cd) == 0) {
		cd->type_len = cd->len;
		set_params(p, n, i, cd);
		return 0;
	}
	cd->len = 0;
	cd->value[0] = 0;
	cd->defects |= LM_MIME_DEF_CTYPE_SYNTAX;
	{
		const unsigned char *semi = n ? memchr(p, ';', n) : NULL;
		cd->params.p = semi ? semi : p + n;
		cd->params.len = semi ? (size_t)(p + n - semi) : 0;
	}
	return LM_ERR_DECODE;
}
