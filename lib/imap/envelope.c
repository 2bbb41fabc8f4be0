/*
 * libmail - IMAP ENVELOPE and address readers: lm_imap_envelope_parse(),
 * lm_imap_fetch_envelope() and lm_imap_address_next(), zero-copy over
 * the value, with fast paths for the fields as servers send them.
 */
#include <stddef.h>
#include <string.h>

#include "reader.h"

static int
addr_list_ok(const lm_imap_tok *t)
{
	/* LM_IMAP_LENIENT_NIL_STRING: "" for an empty list (seen from Yahoo) */
	return t->type == LM_IMAP_TOK_OPEN || t->type == LM_IMAP_TOK_NIL ||
	       (t->type == LM_IMAP_TOK_STRING && t->s.len == 0);
}

/* A field at p[i] that is a quoted string or NIL: the offset after it,
 * else 0. What follows it is the caller's to check. */
static LM_IMAP__INLINE size_t
plain_end(const unsigned char *p, size_t n, size_t i)
{
	LM_IMAP__STEP();
	if (i >= n)
		return 0;
	if (p[i] == '"') {
		size_t e = lm_imap__quoted_short(p, n, i);
		int esc;
		return e != 0 ? e : lm_imap__skip_quoted(p, n, i, &esc);
	}
	if (n - i >= 3 && (p[i] | 0x20) == 'n' && (p[i + 1] | 0x20) == 'i' &&
	    (p[i + 2] | 0x20) == 'l')
		return i + 3;
	return 0;
}

/*
 * The address list "((f f f f)(f f f f)...)" at p[0] == '(' read field by
 * field when every field is a quoted string or NIL,
 * separated by single spaces (what servers send): its length and depth,
 * which are then what lm_imap__list_span() gives, without a separate
 * scan to find its end. 0 for anything else (the caller scans).
 */
static LM_IMAP__INLINE size_t
addr_list_span(const unsigned char *p, size_t n, unsigned *depth)
{
	size_t i = 1;
	unsigned any = 0;

	for (;;) {
		int f;
		if (i >= n)
			return 0;
		if (p[i] == ')') {
			*depth = any ? 2 : 1;
			return i + 1;
		}
		if (p[i] != '(')
			return 0;
		i++;
		for (f = 0; f < 4; f++) {
			if (f > 0) {
				if (i >= n || p[i] != ' ')
					return 0;
				i++;
			}
			if ((i = plain_end(p, n, i)) == 0)
				return 0;
		}
		if (i >= n || p[i] != ')')
			return 0;
		i++;
		any = 1;
	}
}

/* lm_imap_envelope_parse(), with the address lists' ends taken from tab
 * when given (the engine's record of value), else found by
 * addr_list_span() or a scan. */
static int
envelope_read(lm_slice value, lm_imap_envelope *env, const lm_imap__lists *tab)
{
	lm_imap_reader in;
	lm_imap_tok t, *f[10];
	int i;
	struct lm_imap__tab_cur cur;

	cur.t = tab;
	cur.next = 0;

	/* enter the list without scanning it first: every member is read
	 * (and checked) below, and nothing may follow the tenth */
	while (value.p != NULL && value.len > 0 && value.p[value.len - 1] == ' ')
		value.len--;
	if (value.p == NULL || value.len < 2 || value.p[0] != '(' ||
	    value.p[value.len - 1] != ')') {
		memset(env, 0, sizeof *env);
		return LM_ERR_DECODE;
	}
	t.type = LM_IMAP_TOK_OPEN;
	t.s = value;
	lm_imap_reader_enter(&in, &t);
	f[0] = &env->date; f[1] = &env->subject; f[2] = &env->from;
	f[3] = &env->sender; f[4] = &env->reply_to; f[5] = &env->to;
	f[6] = &env->cc; f[7] = &env->bcc; f[8] = &env->in_reply_to;
	f[9] = &env->message_id;
	/* each field is written whole by lm_imap_read(); on an error the
	 * fields not reached are zeroed (as a memset up front would) */
	for (i = 0; i < 10; i++) {
		if (i >= 2 && i <= 7) {
			size_t j = in.pos, e = 0;
			unsigned d = 0;
			if (j < in.len && in.p[j] == ' ')
				j++;
			if (j < in.len && in.p[j] == '(' &&
			    (tab != NULL ?
			     lm_imap__tab_find(&cur, in.p + j, in.len - j, &e, &d) :
			     (e = addr_list_span(in.p + j, in.len - j, &d)) != 0)) {
				/* what lm_imap__read_fast() gives, without a second
				 * scan */
				f[i]->type = LM_IMAP_TOK_OPEN;
				f[i]->s.p = in.p + j;
				f[i]->s.len = e;
				f[i]->esc = 0;
				f[i]->num = 0;
				f[i]->depth = d;
				in.pos = j + e;
				continue;
			}
		}
		lm_imap__read_fast(&in, f[i], NULL);
		if (i >= 2 && i <= 7) {
			if (!addr_list_ok(f[i]))
				break;
			if (f[i]->type == LM_IMAP_TOK_STRING)
				f[i]->type = LM_IMAP_TOK_NIL;
		} else if (!lm_imap__is_string(f[i])) {
			break;
		}
	}
	if (i < 10) {
		while (++i < 10)
			memset(f[i], 0, sizeof *f[i]);
		return LM_ERR_DECODE;
	}
	if (lm_imap_read(&in, &t) != LM_IMAP_TOK_END)
		return LM_ERR_DECODE;
	return 0;
}

/* see imap.h */
int
lm_imap_envelope_parse(lm_slice value, lm_imap_envelope *env)
{
	if (env == NULL)
		return LM_ERR_BAD_PARAM;
	return envelope_read(value, env, NULL);
}

/* see imap.h */
int
lm_imap_fetch_envelope(const lm_imap_event *ev, lm_imap_envelope *env)
{
	if (ev == NULL || env == NULL || ev->type != LM_IMAP_EV_FETCH_ITEM ||
	    ev->fetch.item != LM_IMAP_ITEM_ENVELOPE)
		return LM_ERR_BAD_PARAM;
	return envelope_read(ev->fetch.value, env, lm_imap__event_tab(ev));
}

/* An ATOM holding "{" is where the list scanner (which takes "{" for a
 * literal) and the token reader disagree: address_fast() leaves such
 * input to the scanning path. */
static int
plain_field(const lm_imap_tok *t)
{
	return lm_imap__is_string(t) &&
	       (t->type != LM_IMAP_TOK_ATOM || memchr(t->s.p, '{', t->s.len) == NULL);
}

/* A quoted string or NIL at p[i] followed by a byte that ends it, written
 * to *t as lm_imap__read_fast() reads it: the offset after it, else 0
 * (*t then undefined). */
static LM_IMAP__INLINE size_t
field_fast(const unsigned char *p, size_t n, size_t i, lm_imap_tok *t)
{
	size_t e;
	int esc = 0;

	if (i >= n)
		return 0;
	if (p[i] == '"') {
		e = lm_imap__quoted_short(p, n, i);
		if (e == 0 && (e = lm_imap__skip_quoted(p, n, i, &esc)) == 0)
			return 0;
		t->type = LM_IMAP_TOK_STRING;
		t->s.p = p + i + 1;
		t->s.len = e - i - 2;
	} else if (n - i >= 4 && (p[i] | 0x20) == 'n' && (p[i + 1] | 0x20) == 'i' &&
	           (p[i + 2] | 0x20) == 'l' && lm_imap__word_end(p[i + 3])) {
		e = i + 3;
		t->type = LM_IMAP_TOK_NIL;
		t->s.p = p + i;
		t->s.len = 0;
	} else {
		return 0;
	}
	t->esc = esc;
	t->num = 0;
	t->depth = 0;
	return e;
}

/* The address as servers send it, "(f f f f)" with each field a quoted
 * string or NIL and single spaces, read straight from r's bytes: 1 (r
 * after it), else 0 (r unchanged, *a undefined). The same tokens as
 * address_fast() gives (tests/unit/test_imap_span.c compares). */
static LM_IMAP__INLINE int
address_plain(lm_imap_reader *r, lm_imap_address *a)
{
	const unsigned char *p = r->p;
	size_t n = r->len, i = r->pos;

	i += (size_t)(i < n && p[i] == ' ');
	if (i >= n || p[i] != '(')
		return 0;
	if ((i = field_fast(p, n, i + 1, &a->name)) == 0 || i >= n || p[i] != ' ' ||
	    (i = field_fast(p, n, i + 1, &a->adl)) == 0 || i >= n || p[i] != ' ' ||
	    (i = field_fast(p, n, i + 1, &a->mailbox)) == 0 || i >= n || p[i] != ' ' ||
	    (i = field_fast(p, n, i + 1, &a->host)) == 0 || i >= n || p[i] != ')')
		return 0;
	r->pos = i + 1;
	return 1;
}

/* The common address "(name adl mailbox host)" read in place, without
 * scanning it first to find its end: 1 when it is four plain fields and
 * ")", r then after it; 0 (r unchanged) for anything else. */
static int
address_fast(lm_imap_reader *r, lm_imap_address *a)
{
	size_t i = r->pos;
	lm_imap_reader in;
	lm_imap_tok t;

	while (i < r->len && (r->p[i] == ' ' || r->p[i] == '\t'))
		i++;
	/* a name is never a list: leave "((" to the scanning path */
	if (i + 1 >= r->len || r->p[i] != '(' || r->p[i + 1] == '(')
		return 0;
	in.p = r->p + i + 1;
	in.len = r->len - i - 1;
	in.pos = 0;
	in.depth = 0;
	lm_imap__read_fast(&in, &a->name, NULL);
	if (!plain_field(&a->name))
		return 0;
	lm_imap__read_fast(&in, &a->adl, NULL);
	lm_imap__read_fast(&in, &a->mailbox, NULL);
	lm_imap__read_fast(&in, &a->host, NULL);
	if (!plain_field(&a->adl) || !plain_field(&a->mailbox) ||
	    !plain_field(&a->host) || lm_imap__read_fast(&in, &t, NULL) != LM_IMAP_TOK_CLOSE)
		return 0;
	r->pos = i + 1 + in.pos;
	return 1;
}

/* see imap.h */
int
lm_imap_address_next(lm_imap_reader *r, lm_imap_address *a)
{
	lm_imap_tok t;
	lm_imap_reader in;

	static const lm_imap_address zero;

	if (r->pos >= r->len) {
		/* the end, as lm_imap_read() gives it below (a copy, not a
		 * memset: that is a "rep stos", slow to start) */
		*a = zero;
		r->pos = r->len;
		return 0;
	}
	/* every member is written by the fast paths (no memset: it showed
	 * in profiles) */
	a->group_start = a->group_end = 0;
	if (address_plain(r, a) || address_fast(r, a)) {
		if (a->host.type == LM_IMAP_TOK_NIL) {
			if (a->mailbox.type == LM_IMAP_TOK_NIL)
				a->group_end = 1;
			else
				a->group_start = 1;
		}
		return 1;
	}
	memset(a, 0, sizeof *a);
	switch (lm_imap_read(r, &t)) {
	case LM_IMAP_TOK_END:
		return 0;
	case LM_IMAP_TOK_OPEN:
		break;
	default:
		return LM_ERR_DECODE;
	}
	lm_imap_reader_enter(&in, &t);
	lm_imap_read(&in, &a->name);
	lm_imap_read(&in, &a->adl);
	lm_imap_read(&in, &a->mailbox);
	lm_imap_read(&in, &a->host);
	if (!lm_imap__is_string(&a->name) || !lm_imap__is_string(&a->adl) ||
	    !lm_imap__is_string(&a->mailbox) || !lm_imap__is_string(&a->host))
		return LM_ERR_DECODE;
	if (a->host.type == LM_IMAP_TOK_NIL) {
		if (a->mailbox.type == LM_IMAP_TOK_NIL)
			a->group_end = 1;
		else
			a->group_start = 1;
	}
	return 1;
}
