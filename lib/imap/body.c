/*
 * libmail - IMAP BODYSTRUCTURE reader: lm_imap_body_parse(),
 * lm_imap_fetch_body(), lm_imap_body_child() and lm_imap_body_find(),
 * zero-copy, each value scanned once (its nested lists' ends recorded
 * in the body's table, span.c), never recursed.
 */
#include <stddef.h>
#include <string.h>

#include "reader.h"

/* lm_imap__list_tab() recording every level the table can hold. */
static size_t
span_tab(const unsigned char *p, size_t n, unsigned *maxdepth, lm_imap__lists *t)
{
	return lm_imap__list_tab(p, n, maxdepth, t, LM_IMAP__TAB_LEVELS);
}

/* lm_imap_tok_eq(t, s) for an upper-case s of length n, inline. */
static LM_IMAP__INLINE int
tok_is(const lm_imap_tok *t, const char *s, size_t n)
{
	if (t->esc)
		return lm_imap_tok_eq(t, s);
	return (t->type == LM_IMAP_TOK_STRING || t->type == LM_IMAP_TOK_ATOM) &&
	       t->s.len == n && lm_core__ieqz(t->s.p, n, s);
}

static int
read_ext(lm_imap_reader *in, lm_imap_body *b, int multipart, struct lm_imap__tab_cur *cur)
{
	lm_imap_tok t;
	size_t save;

	/* multipart: params first; single part: md5 first */
	if (lm_imap__read_fast(in, &t, cur) == LM_IMAP_TOK_END)
		return 0;
	b->has_ext = 1;
	if (multipart)
		b->params = t;
	else
		b->md5 = t;
	if (lm_imap__read_fast(in, &b->disposition, cur) == LM_IMAP_TOK_END)
		return 0;
	if (lm_imap__read_fast(in, &b->language, cur) == LM_IMAP_TOK_END)
		return 0;
	if (lm_imap__read_fast(in, &b->location, cur) == LM_IMAP_TOK_END)
		return 0;
	save = in->pos;
	while (save < in->len && in->p[save] == ' ')
		save++;
	b->more_ext.p = in->p + save;
	b->more_ext.len = in->len - save;
	return 0;
}

static int body_parse_tok(const lm_imap_tok *list, lm_imap_body *b);

/* memset of b's public members, member by member: a memset of the ~600
 * bytes compiles to "rep stos", which showed in profiles */
static void
body_zero(lm_imap_body *b)
{
	static const lm_imap_tok z;
	b->multipart = 0;
	b->type = z;
	b->subtype = z;
	b->params = z;
	b->id = z;
	b->description = z;
	b->encoding = z;
	b->size = 0;
	b->lines = 0;
	b->envelope = z;
	b->body = z;
	b->parts = z;
	b->has_ext = 0;
	b->md5 = z;
	b->disposition = z;
	b->language = z;
	b->location = z;
	b->more_ext.p = NULL;
	b->more_ext.len = 0;
}

/* see imap.h */
int
lm_imap_body_parse(lm_slice value, lm_imap_body *b)
{
	lm_imap_tok t;
	size_t i = 0, e;
	unsigned d;

	if (b == NULL)
		return LM_ERR_BAD_PARAM;
	/* what lm_imap_read() does for the first token, with the one scan
	 * of the value recording where its nested lists end */
	if (value.p == NULL)
		value.len = 0;
	while (i < value.len && (value.p[i] == ' ' || value.p[i] == '\t'))
		i++;
	if (i >= value.len || value.p[i] != '(' ||
	    (e = span_tab(value.p + i, value.len - i, &d, &b->tab)) == 0) {
		memset(b, 0, sizeof *b);
		return LM_ERR_DECODE;
	}
	t.type = LM_IMAP_TOK_OPEN;
	t.s.p = value.p + i;
	t.s.len = e;
	t.esc = 0;
	t.num = 0;
	t.depth = d;
	return body_parse_tok(&t, b);
}

/* see imap.h */
int
lm_imap_fetch_body(const lm_imap_event *ev, lm_imap_body *b)
{
	const lm_imap__lists *tab;
	lm_slice v;
	lm_imap_tok t;

	if (ev == NULL || b == NULL || ev->type != LM_IMAP_EV_FETCH_ITEM ||
	    (ev->fetch.item != LM_IMAP_ITEM_BODYSTRUCTURE &&
	     ev->fetch.item != LM_IMAP_ITEM_BODY))
		return LM_ERR_BAD_PARAM;
	v = ev->fetch.value;
	tab = lm_imap__event_tab(ev);
	if (tab == NULL || v.len < 2 || v.p[0] != '(' || v.p[v.len - 1] != ')')
		return lm_imap_body_parse(v, b);
	/* the engine found the value's end and depth in the same scan */
	memcpy(b->tab.e, tab->e, tab->n * sizeof tab->e[0]);
	b->tab.base = tab->base;
	b->tab.n = tab->n;
	t.type = LM_IMAP_TOK_OPEN;
	t.s = v;
	t.esc = 0;
	t.num = 0;
	t.depth = tab->vdepth;
	return body_parse_tok(&t, b);
}

/* Parse a body from its already-read OPEN token (no second scan); b's
 * private table of list ends is already set (it is kept). */
static int
body_parse_tok(const lm_imap_tok *list, lm_imap_body *b)
{
	lm_imap_reader in;
	lm_imap_tok t;
	struct lm_imap__tab_cur c0, *cur = &c0;

	/* b's table starts with the first list inside b */
	c0.t = &b->tab;
	c0.next = 0;
	body_zero(b);
	if (list->depth > LM_IMAP_DEPTH_MAX)
		return LM_ERR_LIMIT;
	lm_imap_reader_enter(&in, list);
	if (lm_imap__read_fast(&in, &t, cur) == LM_IMAP_TOK_OPEN) {
		/* multipart: body* then subtype */
		const unsigned char *first = t.s.p, *last = t.s.p + t.s.len;
		b->multipart = 1;
		for (;;) {
			size_t save = in.pos;
			lm_imap__read_fast(&in, &t, cur);
			if (t.type != LM_IMAP_TOK_OPEN) {
				(void)save;
				break;
			}
			last = t.s.p + t.s.len;
		}
		b->parts.type = LM_IMAP_TOK_OPEN;
		b->parts.s.p = first;
		b->parts.s.len = (size_t)(last - first);
		b->type.type = LM_IMAP_TOK_ATOM;
		b->type.s.p = (const unsigned char *)"MULTIPART";
		b->type.s.len = 9;
		if (!lm_imap__is_string(&t))
			return LM_ERR_DECODE;
		b->subtype = t;
		return read_ext(&in, b, 1, cur);
	}
	b->type = t;
	if (!lm_imap__is_string(&b->type))
		return LM_ERR_DECODE;
	lm_imap__read_fast(&in, &b->subtype, cur);
	lm_imap__read_fast(&in, &b->params, cur);
	lm_imap__read_fast(&in, &b->id, cur);
	lm_imap__read_fast(&in, &b->description, cur);
	lm_imap__read_fast(&in, &b->encoding, cur);
	if (!lm_imap__is_string(&b->subtype) || !lm_imap__is_string(&b->id) ||
	    !lm_imap__is_string(&b->description) || !lm_imap__is_string(&b->encoding) ||
	    (b->params.type != LM_IMAP_TOK_OPEN && !lm_imap__is_string(&b->params)))
		return LM_ERR_DECODE;
	lm_imap__read_fast(&in, &t, cur);
	if (t.type == LM_IMAP_TOK_NUMBER)
		b->size = t.num;
	else if (t.type != LM_IMAP_TOK_NIL)  /* LM_IMAP_LENIENT_NIL_STRING */
		return LM_ERR_DECODE;
	if (tok_is(&b->type, "MESSAGE", 7) &&
	    (tok_is(&b->subtype, "RFC822", 6) || tok_is(&b->subtype, "GLOBAL", 6))) {
		lm_imap_reader save = in;
		lm_imap__read_fast(&in, &b->envelope, cur);
		if (b->envelope.type == LM_IMAP_TOK_OPEN) {
			lm_imap__read_fast(&in, &b->body, cur);
			if (b->body.type != LM_IMAP_TOK_OPEN)
				return LM_ERR_DECODE;
			lm_imap__read_fast(&in, &t, cur);
			if (t.type != LM_IMAP_TOK_NUMBER)
				return LM_ERR_DECODE;
			b->lines = t.num;
		} else {
			/* some servers send message/rfc822 without the
			 * envelope/body/lines triple: treat as basic */
			memset(&b->envelope, 0, sizeof b->envelope);
			in = save;
		}
	} else if (tok_is(&b->type, "TEXT", 4)) {
		lm_imap_reader save = in;
		lm_imap__read_fast(&in, &t, cur);
		if (t.type == LM_IMAP_TOK_NUMBER)
			b->lines = t.num;
		else
			in = save;
	}
	return read_ext(&in, b, 0, cur);
}

/* see imap.h */
int
lm_imap_body_child(const lm_imap_body *b, lm_imap_reader *it, lm_imap_body *child)
{
	lm_imap_tok t;
	size_t i, e;
	unsigned d;
	int x, r;

	if (b == NULL || it == NULL || child == NULL || !b->multipart)
		return LM_ERR_BAD_PARAM;
	if (it->p == NULL) {
		/* it->depth: the table entry expected for the next child (the
		 * first list inside b is its first child) */
		lm_imap_reader_init(it, b->parts.s);
		if (it->p == NULL)
			return 0;
	}
	i = it->pos;
	while (i < it->len && (it->p[i] == ' ' || it->p[i] == '\t'))
		i++;
	if (i >= it->len || it->p[i] != '(') {
		/* what lm_imap_read() gives: anything but a list ends the
		 * walk */
		it->pos = i;
		return 0;
	}
	t.type = LM_IMAP_TOK_OPEN;
	t.s.p = it->p + i;
	t.esc = 0;
	t.num = 0;
	x = lm_imap__tab_index(&b->tab, it->depth, t.s.p, it->len - i);
	if (x >= 0) {
		/* the child keeps the part of b's table inside it: the
		 * entries after its own */
		const lm_imap__list *l = &b->tab.e[x];
		t.s.len = l->end - l->start;
		t.depth = l->depth;
		it->pos = i + t.s.len;
		it->depth = (unsigned)x + 1 + l->inner;
		memmove(child->tab.e, l + 1, l->inner * sizeof *l);
		child->tab.n = l->inner;
		child->tab.base = b->tab.base;
	} else {
		/* a child past b's table: the scan that finds its end also
		 * gives it a table of its own, so that its subtree is not
		 * rescanned level by level */
		e = span_tab(t.s.p, it->len - i, &d, &child->tab);
		if (e == 0) {
			it->pos = it->len;
			child->tab.n = 0;
			return 0;
		}
		it->pos = i + e;
		t.s.len = e;
		t.depth = d;
	}
	r = body_parse_tok(&t, child);
	return r < 0 ? r : 1;
}

/* see imap.h */
int
lm_imap_body_find(lm_slice value, const char *part, lm_imap_body *b)
{
	lm_imap_body cur;
	int r, first = 1;
	const char *s = part;

	if (b == NULL || part == NULL)
		return LM_ERR_BAD_PARAM;
	r = lm_imap_body_parse(value, &cur);
	if (r < 0)
		return r;
	while (*s) {
		unsigned long k = 0;
		if (*s < '0' || *s > '9')
			return LM_ERR_DECODE;
		while (*s >= '0' && *s <= '9') {
			k = k * 10 + (unsigned long)(*s - '0');
			if (k > 100000)
				return LM_ERR_DECODE;
			s++;
		}
		if (*s == '.')
			s++;
		else if (*s)
			return LM_ERR_DECODE;
		if (k == 0)
			return LM_ERR_DECODE;
		if (!cur.multipart && !first && cur.body.type == LM_IMAP_TOK_OPEN) {
			/* message/rfc822: numbers apply to the enclosed body */
			lm_imap_body enc;
			r = lm_imap_body_parse(cur.body.s, &enc);
			if (r < 0)
				return r;
			cur = enc;
			if (!cur.multipart) {
				if (k != 1)
					return LM_ERR_DECODE;
				first = 0;
				continue;
			}
		}
		if (cur.multipart) {
			lm_imap_reader it;
			lm_imap_body ch;
			unsigned long i = 0;
			memset(&it, 0, sizeof it);
			for (;;) {
				r = lm_imap_body_child(&cur, &it, &ch);
				if (r < 0)
					return r;
				if (r == 0)
					return LM_ERR_DECODE;
				if (++i == k)
					break;
			}
			cur = ch;
		} else if (k != 1 || !first) {
			/* only a single-part message has a part 1 */
			return LM_ERR_DECODE;
		}
		first = 0;
	}
	*b = cur;
	return 0;
}
