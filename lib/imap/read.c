/*
 * libmail - IMAP token reader: lm_imap_reader_*, lm_imap_read() and the
 * token, number-list and parameter helpers. Its inline fast path
 * (lm_imap__read_fast(), shared with envelope.c and body.c) is in
 * reader.h, the list scanner it calls in span.c.
 */
#include <stddef.h>

#include "reader.h"

/* see imap.h */
void
lm_imap_reader_init(lm_imap_reader *r, lm_slice s)
{
	r->p = s.p;
	r->len = s.p ? s.len : 0;
	r->pos = 0;
	r->depth = 0;
}

/* see imap.h */
void
lm_imap_reader_enter(lm_imap_reader *r, const lm_imap_tok *list)
{
	r->pos = 0;
	r->depth = 0;
	if (list == NULL || list->type != LM_IMAP_TOK_OPEN || list->s.len < 2) {
		r->p = NULL;
		r->len = 0;
		return;
	}
	r->p = list->s.p + 1;
	r->len = list->s.len - 2;
}

/* see reader.h */
const unsigned char lm_imap__word_end_tab[256] = {
	[' '] = 1, ['('] = 1, [')'] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1,
	['\0'] = 1, ['\t'] = 1
};

/* lm_imap_read(), taking the ends of lists from tab when recorded
 * there (tab NULL: always scan). */
lm_imap_tok_type
lm_imap__read_tab(lm_imap_reader *r, lm_imap_tok *t, struct lm_imap__tab_cur *tab)
{
	const unsigned char *p = r->p;
	size_t n = r->len, i = r->pos;
	unsigned char ch;

	t->s.p = NULL;
	t->s.len = 0;
	t->esc = 0;
	t->num = 0;
	t->depth = 0;
	/* LM_IMAP_LENIENT_SPACES: any number of separators */
	while (i < n && (p[i] == ' ' || p[i] == '\t')) {
		LM_IMAP__STEP();
		i++;
	}
	if (i >= n) {
		r->pos = n;
		return t->type = LM_IMAP_TOK_END;
	}
	ch = p[i];
	t->s.p = p + i;
	if (ch == '(') {
		unsigned d;
		size_t e;
		if (!lm_imap__tab_find(tab, p + i, n - i, &e, &d))
			e = lm_imap__list_span(p + i, n - i, &d);
		if (e == 0)
			goto bad;
		t->s.len = e;
		t->depth = d;
		r->pos = i + e;
		return t->type = LM_IMAP_TOK_OPEN;
	}
	if (ch == ')') {
		t->s.len = 1;
		r->pos = i + 1;
		return t->type = LM_IMAP_TOK_CLOSE;
	}
	if (ch == '"') {
		int esc;
		size_t e = lm_imap__skip_quoted(p, n, i, &esc);
		if (e == 0)
			goto bad;
		t->s.p = p + i + 1;
		t->s.len = e - i - 2;
		t->esc = esc;
		r->pos = e;
		return t->type = LM_IMAP_TOK_STRING;
	}
	if (ch == '{' || (ch == '~' && i + 1 < n && p[i + 1] == '{')) {
		size_t e = lm_imap__skip_literal(p, n, i), j = i;
		uint64_t v = 0;
		if (e == 0)
			goto bad;
		while (p[j] != '}')
			j++;
		j++;
		if (p[j] == '\r')
			j++;
		j++;                                  /* LF */
		v = e - j;
		t->s.p = p + j;
		t->s.len = (size_t)v;
		r->pos = e;
		return t->type = LM_IMAP_TOK_STRING;
	}
	{
		size_t j = i;
		int digits = 1;
		uint64_t v = 0;
		while (j < n && !lm_imap__word_end(p[j])) {
			LM_IMAP__STEP();
			if (p[j] < '0' || p[j] > '9') {
				digits = 0;
			} else if (digits) {
				unsigned d = (unsigned)(p[j] - '0');
				if (v > (UINT64_MAX - d) / 10)
					digits = 0;
				else
					v = v * 10 + d;
			}
			j++;
		}
		if (j == i)
			goto bad;
		t->s.len = j - i;
		r->pos = j;
		if (digits) {
			t->num = v;
			return t->type = LM_IMAP_TOK_NUMBER;
		}
		if (t->s.len == 3 && (t->s.p[0] | 0x20) == 'n' &&
		    (t->s.p[1] | 0x20) == 'i' && (t->s.p[2] | 0x20) == 'l') {
			t->s.len = 0;
			return t->type = LM_IMAP_TOK_NIL;
		}
		return t->type = LM_IMAP_TOK_ATOM;
	}
bad:
	r->pos = n;
	t->s.len = 0;
	return t->type = LM_IMAP_TOK_ERROR;
}

/* see imap.h */
lm_imap_tok_type
lm_imap_read(lm_imap_reader *r, lm_imap_tok *t)
{
	return lm_imap__read_fast(r, t, NULL);
}

/* see imap.h */
int
lm_imap_tok_copy(const lm_imap_tok *t, char *buf, size_t cap, size_t *len)
{
	size_t i, w = 0;

	if (len)
		*len = 0;
	if (t == NULL || buf == NULL || cap == 0)
		return LM_ERR_BAD_PARAM;
	buf[0] = '\0';
	switch (t->type) {
	case LM_IMAP_TOK_NIL:
	case LM_IMAP_TOK_END:
		return 0;
	case LM_IMAP_TOK_ATOM:
	case LM_IMAP_TOK_NUMBER:
	case LM_IMAP_TOK_STRING:
		break;
	default:
		return LM_ERR_BAD_PARAM;
	}
	for (i = 0; i < t->s.len; i++) {
		unsigned char ch = t->s.p[i];
		if (t->esc && ch == '\\' && i + 1 < t->s.len)
			ch = t->s.p[++i];
		if (w + 1 >= cap) {
			buf[w] = '\0';
			if (len)
				*len = w;
			return LM_ERR_BUFFER_TOO_SMALL;
		}
		buf[w++] = (char)ch;
	}
	buf[w] = '\0';
	if (len)
		*len = w;
	return 0;
}

/* see imap.h */
int
lm_imap_tok_eq(const lm_imap_tok *t, const char *s)
{
	size_t i, k = 0;

	if (t == NULL || s == NULL)
		return 0;
	if (t->type != LM_IMAP_TOK_ATOM && t->type != LM_IMAP_TOK_STRING &&
	    t->type != LM_IMAP_TOK_NUMBER)
		return 0;
	for (i = 0; i < t->s.len; i++) {
		unsigned char ch = t->s.p[i];
		if (t->esc && ch == '\\' && i + 1 < t->s.len)
			ch = t->s.p[++i];
		if (s[k] == '\0' || lm_core__upper(ch) != lm_core__upper((unsigned char)s[k]))
			return 0;
		k++;
	}
	return s[k] == '\0';
}

/* see imap.h */
int
lm_imap_num_next(lm_slice *list, uint64_t *n)
{
	size_t i = 0, j;
	uint64_t v = 0;

	if (list == NULL || n == NULL || list->p == NULL)
		return 0;
	while (i < list->len && list->p[i] == ' ')
		i++;
	j = i;
	while (j < list->len && list->p[j] >= '0' && list->p[j] <= '9') {
		unsigned d = (unsigned)(list->p[j] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
		j++;
	}
	if (j == i || (j < list->len && list->p[j] != ' '))
		return 0;
	*n = v;
	list->p += j;
	list->len -= j;
	return 1;
}

/* see imap.h */
int
lm_imap_param_next(lm_imap_reader *r, lm_imap_tok *k, lm_imap_tok *v)
{
	if (lm_imap__read_fast(r, k, NULL) == LM_IMAP_TOK_END)
		return 0;
	if (!lm_imap__is_string(k))
		return 0;
	lm_imap__read_fast(r, v, NULL);
	if (!lm_imap__is_string(v) && v->type != LM_IMAP_TOK_OPEN)
		return 0;
	return 1;
}
