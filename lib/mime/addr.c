/*
 * libmail - RFC 5322 address lists (3.4, obsolete forms 4.4): an
 * iterator over mailboxes. Structure is parsed on the raw text first;
 * RFC 2047 words are decoded only inside display names afterwards, so
 * nothing a word decodes to can change where an address starts or ends.
 */
#include <string.h>

#include "libmail/core.h"
#include "libmail/mime.h"
#include "codec_internal.h"
#include "internal.h"

enum { T_END = 0, T_ATOM, T_QSTR, T_DLIT, T_SPECIAL };

typedef struct {
	int type;
	unsigned char c;    /* the character of a T_SPECIAL */
	size_t s, e;        /* raw extent (quotes and brackets included) */
	int ws;             /* white space or a comment came before it */
} tok;

static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_special(unsigned char c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' ||
	       c == ']' || c == ':' || c == ';' || c == '@' || c == '\\' ||
	       c == ',' || c == '.' || c == '"';
}

/* The token at in[p..n), CFWS before it skipped. Returns the position
 * after it. Comments nest without recursion; unterminated constructs
 * run to the end of the input with LM_MIME_DEF_ADDR_SYNTAX. */
static size_t
lex(const unsigned char *in, size_t n, size_t p, tok *t, unsigned *def)
{
	t->ws = 0;
	for (;;) {
		while (p < n && is_wsp(in[p])) {
			p++;
			t->ws = 1;
		}
		if (p < n && in[p] == '(') {
			size_t deepest;
			int open;
			t->ws = 1;
			p = lm_mime__comment_end(in, n, p, &deepest, &open);
			if (deepest > LM_MIME_ADDR_COMMENT_DEPTH)
				*def |= LM_MIME_DEF_TRUNCATED;
			if (open)
				*def |= LM_MIME_DEF_ADDR_SYNTAX;
			continue;
		}
		if (p < n && in[p] == ')') {
			/* A stray ')': junk, read as white space. */
			*def |= LM_MIME_DEF_ADDR_SYNTAX;
			t->ws = 1;
			p++;
			continue;
		}
		break;
	}
	t->s = p;
	if (p == n) {
		t->type = T_END;
		t->e = p;
		return p;
	}
	if (in[p] == '"' || in[p] == '[') {
		unsigned char close = in[p] == '"' ? '"' : ']';
		t->type = in[p] == '"' ? T_QSTR : T_DLIT;
		p++;
		while (p < n && in[p] != close) {
			if (in[p] == '\\' && p + 1 < n)
				p++;
			p++;
		}
		if (p == n)
			*def |= LM_MIME_DEF_ADDR_SYNTAX;
		else
			p++;
		t->e = p;
		return p;
	}
	if (is_special(in[p])) {
		t->type = T_SPECIAL;
		t->c = in[p];
		t->e = p + 1;
		return p + 1;
	}
	t->type = T_ATOM;
	if (in[p] == '=' && p + 1 < n && in[p + 1] == '?') {
		/* An encoded word is one atom even when its text holds
		 * characters that are specials elsewhere ('.' in a Q word). */
		size_t k = lm_mime__ew_len(in + p, n - p);
		if (k > 0) {
			p += k;
			while (p < n && !is_wsp(in[p]) && !is_special(in[p]))
				p++;
			t->e = p;
			return p;
		}
	}
	while (p < n && !is_wsp(in[p]) && !is_special(in[p]))
		p++;
	t->e = p;
	return p;
}

/* Unquote the inside of a quoted-string or domain literal raw[1..n-1)
 * (without the closing delimiter when it is missing) into o. */
static void
unquote(lm_mime__out *o, const unsigned char *raw, size_t n, int keep_brackets)
{
	size_t i, end = n;
	unsigned char close = raw[0] == '"' ? '"' : ']';

	if (n >= 2 && raw[n - 1] == close)
		end = n - 1;
	if (keep_brackets)
		lm_mime__out_put(o, raw, 1);
	for (i = 1; i < end; i++) {
		if (raw[i] == '\\' && i + 1 < end)
			i++;
		else if (raw[i] == '\r' || raw[i] == '\n')
			continue;
		lm_mime__out_put(o, raw + i, 1);
	}
	if (keep_brackets)
		lm_mime__out_put(o, "]", 1);
}

/* Feed the unquoted text p[0..n) to the word decoder as white space and
 * tokens, as in unstructured text. */
static void
feed_text(lm_mime__ewd *d, const unsigned char *p, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		j = i;
		if (is_wsp(p[i])) {
			while (j < n && is_wsp(p[j]))
				j++;
			lm_mime__ewd_ws(d, p + i, j - i);
		} else {
			while (j < n && !is_wsp(p[j]))
				j++;
			lm_mime__ewd_token(d, p + i, j - i);
		}
		i = j;
	}
}

static const unsigned char one_space[] = " ";

/*
 * Decode the phrase in[a..b) (a display name or group name) into
 * o. tmp[0..tcap) holds unquoted strings while decoding.
 */
static void
phrase(const unsigned char *in, size_t a, size_t b, lm_mime__out *o,
       unsigned char *tmp, size_t tcap, unsigned *def)
{
	lm_mime__ewd d;
	lm_mime__out t;
	tok k;
	size_t p = a;
	int any = 0;

	t.p = (char *)tmp;
	t.cap = tcap;
	t.len = 0;
	t.full = 0;
	lm_mime__ewd_init(&d, o, def);
	for (;;) {
		p = lex(in, b, p, &k, def);
		if (k.type == T_END)
			break;
		if (k.ws && any)
			lm_mime__ewd_ws(&d, one_space, 1);
		if (k.type == T_ATOM) {
			lm_mime__ewd_token(&d, in + k.s, k.e - k.s);
		} else if (k.type == T_QSTR) {
			size_t start = t.len, i;
			unquote(&t, in + k.s, k.e - k.s, 0);
			for (i = start; i + 1 < t.len; i++)
				if (tmp[i] == '=' && tmp[i + 1] == '?' &&
				    lm_mime__ew_len(tmp + i, t.len - i) > 0)
					*def |= LM_MIME_DEF_EW_PLACEMENT;
			feed_text(&d, tmp + start, t.len - start);
			if (t.full)
				o->full = 1;
		} else if (k.type == T_SPECIAL && k.c == '.') {
			*def |= LM_MIME_DEF_ADDR_OBS;
			lm_mime__ewd_text(&d, in + k.s, 1);
		} else {
			/* '@', ':', '[..]' and the like in a name: junk. */
			*def |= LM_MIME_DEF_ADDR_SYNTAX;
			if (k.type == T_DLIT)
				lm_mime__ewd_text(&d, in + k.s, k.e - k.s);
			else
				lm_mime__ewd_text(&d, &k.c, 1);
		}
		any = 1;
	}
	lm_mime__ewd_end(&d);
}

static int
is_atext(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c >= 0x80 ||
	       (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* 1 if s[0..n) is a dot-atom (so it needs no quotes). */
static int
dot_atom(const unsigned char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (!is_atext(s[i])) {
			return 0;
		}
	}
	return 1;
}

static int
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7F;
}

/* 1 if s[0..n) holds a control character (NUL, CR, LF, ...). */
static int
has_ctl(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (is_ctl(s[i]))
			return 1;
	return 0;
}

/* Append s[0..n) to o as valid UTF-8 without control characters (an
 * address never carries NUL, CR, LF or other controls: they are
 * dropped with LM_MIME_DEF_ADDR_SYNTAX). */
static void
put_addr_text(lm_mime__out *o, const unsigned char *s, size_t n, unsigned *def)
{
	size_t i = 0, j;

	while (i < n) {
		j = i;
		while (j < n && !is_ctl(s[j]))
			j++;
		lm_mime__out_text(o, s + i, j - i, def);
		if (j < n)
			*def |= LM_MIME_DEF_ADDR_SYNTAX;
		i = j + 1;
	}
}

/* Put s[0..n) into o as put_addr_text() does, returning the slice. */
static lm_slice
put_valid(lm_mime__out *o, const unsigned char *s, size_t n, unsigned *def)
{
	lm_slice r;
	size_t at = o->len;

	put_addr_text(o, s, n, def);
	r.p = (const unsigned char *)o->p + at;
	r.len = o->len - at;
	return r;
}

/* Parse the addr-spec in[a..b) (obs-route skipped) into m. Returns 1
 * when there was one (at least a local part). */
static int
addr_spec(lm_mime_addr_iter *it, size_t a, size_t b, lm_mime_addr *m,
          lm_mime__out *o, unsigned *def)
{
	const unsigned char *in = it->in;
	size_t p = a, ls = 0, le = 0, ds = 0, de = 0, q;
	int clean_local = 1, clean_dom = 1, nloc = 0, ndom = 0, at = 0;
	int last_dot = 1;
	tok k;

	/* obs-route: "@a,@b:" before the addr-spec. */
	q = lex(in, b, p, &k, def);
	if (k.type == T_SPECIAL && (k.c == '@' || k.c == ',')) {
		size_t r = p;
		for (;;) {
			r = lex(in, b, r, &k, def);
			if (k.type == T_END || (k.type == T_SPECIAL && k.c == ':'))
				break;
		}
		if (k.type != T_END) {
			*def |= LM_MIME_DEF_ADDR_OBS;
			p = r;
		}
	}
	(void)q;
	/* Local part: words and dots up to '@'. */
	for (;;) {
		size_t np = lex(in, b, p, &k, def);
		if (k.type == T_END)
			break;
		if (k.type == T_SPECIAL && k.c == '@') {
			p = np;
			at = 1;
			break;
		}
		if (k.type == T_ATOM || k.type == T_QSTR ||
		    (k.type == T_SPECIAL && k.c == '.')) {
			int dot = k.type == T_SPECIAL;
			if (nloc == 0)
				ls = k.s;
			else if (k.ws)
				clean_local = 0;
			if (k.type == T_QSTR) {
				clean_local = 0;
				if (!last_dot)
					*def |= LM_MIME_DEF_ADDR_OBS;
			}
			if (!dot && !last_dot && k.type == T_ATOM)
				*def |= LM_MIME_DEF_ADDR_SYNTAX;
			last_dot = dot;
			le = k.e;
			nloc++;
		} else {
			*def |= LM_MIME_DEF_ADDR_SYNTAX;
			clean_local = 0;
		}
		p = np;
	}
	if (nloc == 0)
		return 0;
	if (at) {
		for (;;) {
			size_t np = lex(in, b, p, &k, def);
			if (k.type == T_END)
				break;
			if (k.type == T_ATOM || k.type == T_DLIT ||
			    (k.type == T_SPECIAL && k.c == '.')) {
				if (ndom == 0)
					ds = k.s;
				else if (k.ws)
					clean_dom = 0;
				de = k.e;
				ndom++;
			} else {
				*def |= LM_MIME_DEF_ADDR_SYNTAX;
			}
			p = np;
		}
	}
	if (!clean_local && nloc > 0)
		*def |= LM_MIME_DEF_ADDR_OBS;
	if (!clean_dom)
		*def |= LM_MIME_DEF_ADDR_OBS;

	/* The local part, unquoted. */
	if (clean_local && !has_ctl(in + ls, le - ls) &&
	    lm_core__utf8_valid((const char *)in + ls, le - ls)) {
		m->local.p = in + ls;
		m->local.len = le - ls;
	} else {
		size_t r = ls, rl = le - ls;
		lm_mime__out raw;
		/* Gather the raw pieces at the end of scratch, then make them
		 * valid UTF-8 at the front (at most 3 bytes per byte). */
		if (o->cap - o->len < 4 * rl + 8) {
			o->full = 1;
			return 1;
		}
		raw.p = o->p + o->cap - rl;
		raw.cap = rl;
		raw.len = 0;
		raw.full = 0;
		while (r < le) {
			r = lex(in, le, r, &k, def);
			if (k.type == T_ATOM || (k.type == T_SPECIAL && k.c == '.'))
				lm_mime__out_put(&raw, in + k.s, k.e - k.s);
			else if (k.type == T_QSTR)
				unquote(&raw, in + k.s, k.e - k.s, 0);
			else if (k.type == T_END)
				break;
		}
		m->local = put_valid(o, (const unsigned char *)raw.p, raw.len, def);
	}
	if (ndom > 0) {
		if (clean_dom && !has_ctl(in + ds, de - ds) &&
		    lm_core__utf8_valid((const char *)in + ds, de - ds)) {
			m->domain.p = in + ds;
			m->domain.len = de - ds;
		} else {
			size_t r = ds, at0 = o->len;
			while (r < de) {
				r = lex(in, de, r, &k, def);
				if (k.type == T_END)
					break;
				put_addr_text(o, in + k.s, k.e - k.s, def);
			}
			m->domain.p = (const unsigned char *)o->p + at0;
			m->domain.len = o->len - at0;
		}
		if ((it->flags & LM_MIME_ADDR_IDN_UNICODE) && m->domain.len > 0 &&
		    m->domain.p[0] != '[') {
			size_t i;
			int xn = 0;
			for (i = 0; i + 4 <= m->domain.len; i++)
				if (lm_core__ieqz((const char *)m->domain.p + i, 4, "xn--"))
					xn = 1;
			if (xn) {
				size_t got = 0;
				int r;
				if (o->cap - o->len < 2) {
					o->full = 1;
					return 1;
				}
				r = lm_idna_to_unicode((const char *)m->domain.p,
				                       m->domain.len, o->p + o->len,
				                       o->cap - o->len, &got);
				if (r == 0) {
					m->domain.p = (const unsigned char *)o->p + o->len;
					m->domain.len = got;
					o->len += got;
				} else if (r == LM_ERR_BUFFER_TOO_SMALL) {
					o->full = 1;
				} else {
					*def |= LM_MIME_DEF_IDNA;
				}
			}
		}
	}
	/* The address: a slice of the input when it is exactly that. */
	if (clean_local && clean_dom && m->local.p == in + ls &&
	    (ndom == 0 || m->domain.p == in + ds) &&
	    dot_atom(m->local.p, m->local.len) &&
	    (ndom == 0 || (m->local.p + m->local.len + 1 == m->domain.p))) {
		m->address.p = m->local.p;
		m->address.len = ndom ? (size_t)(m->domain.p + m->domain.len -
		                                 m->local.p) : m->local.len;
	} else {
		size_t at0 = o->len, i;
		if (dot_atom(m->local.p, m->local.len)) {
			lm_mime__out_put(o, m->local.p, m->local.len);
		} else {
			lm_mime__out_put(o, "\"", 1);
			for (i = 0; i < m->local.len; i++) {
				if (m->local.p[i] == '"' || m->local.p[i] == '\\')
					lm_mime__out_put(o, "\\", 1);
				lm_mime__out_put(o, m->local.p + i, 1);
			}
			lm_mime__out_put(o, "\"", 1);
		}
		if (ndom > 0) {
			lm_mime__out_put(o, "@", 1);
			lm_mime__out_put(o, m->domain.p, m->domain.len);
		}
		m->address.p = (const unsigned char *)o->p + at0;
		m->address.len = o->len - at0;
	}
	return 1;
}

/* see mime.h */
int
lm_mime_addr_init(lm_mime_addr_iter *it, const char *in, size_t n,
                  void *scratch, size_t scratch_len, unsigned flags)
{
	if (it == NULL || (in == NULL && n > 0) || scratch == NULL)
		return LM_ERR_BAD_PARAM;
	memset(it, 0, sizeof *it);
	it->in = (const unsigned char *)in;
	it->n = n;
	it->scratch = scratch;
	it->cap = scratch_len;
	it->flags = flags;
	return 0;
}

/* see mime.h */
unsigned
lm_mime_addr_defects(const lm_mime_addr_iter *it)
{
	return it ? it->defects : 0;
}

#define NONE ((size_t)-1)

/* Empty slices point at "" rather than NULL, so callers may pass them
 * to memcmp() and friends. */
static int
yield(lm_mime_addr *m)
{
	static const unsigned char empty[1] = { 0 };

	if (m->name.p == NULL)
		m->name.p = empty;
	if (m->local.p == NULL)
		m->local.p = empty;
	if (m->domain.p == NULL)
		m->domain.p = empty;
	if (m->address.p == NULL)
		m->address.p = empty;
	if (m->group.p == NULL || m->group.len == 0)
		m->group.p = empty;
	return LM_EVENT;
}

/* see mime.h */
int
lm_mime_addr_next(lm_mime_addr_iter *it, lm_mime_addr *m)
{
	const unsigned char *in;

	if (it == NULL || m == NULL)
		return LM_ERR_BAD_PARAM;
	in = it->in;
	if (it->gpend) {
		it->glen = 0;
		it->gpend = 0;
	}
	while (!it->done) {
		size_t s = it->pos, p = s, e, next, ao = NONE, ac = NONE, np;
		int in_angle = 0, at_seen = 0, dom_done = 0, last_dot = 0;
		int group_start = 0, group_end = 0;
		size_t ntok = 0, nwords = 0;
		int natoms_only = 1, split = 0, after_split = it->split;
		unsigned def = 0;
		lm_mime__out o;
		tok k;

		/* Phase 1: where this entry ends, on the raw structure. */
		for (;;) {
			np = lex(in, it->n, p, &k, &def);
			if (k.type == T_END) {
				e = next = k.s;
				if (in_angle)
					def |= LM_MIME_DEF_ADDR_SYNTAX;
				break;
			}
			ntok++;
			if (k.type == T_SPECIAL) {
				unsigned char c = k.c;
				if (in_angle && c != '>' && c != ';') {
					p = np;
					continue; /* obs-route list inside <> */
				}
				if (c == ',') {
					ntok--; /* empty elements are obs-addr-list */
					e = k.s;
					next = np;
					break;
				}
				if (c == ';') {
					ntok--;
					if (in_angle)
						def |= LM_MIME_DEF_ADDR_SYNTAX;
					e = k.s;
					next = np;
					if (it->in_group)
						group_end = 1;
					else
						def |= LM_MIME_DEF_ADDR_SYNTAX;
					break;
				}
				if (c == ':') {
					if (!it->in_group && ao == NONE && !at_seen) {
						e = k.s;
						next = np;
						group_start = 1;
						break;
					}
					def |= LM_MIME_DEF_ADDR_SYNTAX;
				} else if (c == '<') {
					if (ac != NONE || dom_done) {
						def |= LM_MIME_DEF_ADDR_SYNTAX;
						e = next = k.s;
						split = 1;
						break;
					}
					ao = k.s;
					in_angle = 1;
				} else if (c == '>') {
					if (in_angle) {
						ac = k.s;
						in_angle = 0;
					} else {
						def |= LM_MIME_DEF_ADDR_SYNTAX;
					}
				} else if (c == '@') {
					if (at_seen)
						def |= LM_MIME_DEF_ADDR_SYNTAX;
					at_seen = 1;
				} else if (c != '.') {
					def |= LM_MIME_DEF_ADDR_SYNTAX;
				}
				last_dot = c == '.';
				p = np;
				continue;
			}
			if (!in_angle) {
				nwords++;
				if (k.type != T_ATOM)
					natoms_only = 0;
				if (ac != NONE || (dom_done && !last_dot)) {
					/* A word after a complete address: a
					 * missing comma. */
					def |= LM_MIME_DEF_ADDR_SYNTAX;
					e = next = k.s;
					split = 1;
					break;
				}
				if (at_seen)
					dom_done = 1;
			}
			last_dot = 0;
			p = np;
		}
		it->pos = next;
		it->split = split;
		if (k.type == T_END)
			it->done = 1;

		o.p = (char *)it->scratch + it->glen;
		o.cap = it->cap - it->glen;
		o.len = 0;
		o.full = 0;
		memset(m, 0, sizeof *m);

		if (group_start) {
			/* Group name into scratch[0..glen). */
			size_t raw = e - s;
			if (raw > o.cap / 2) {
				def |= LM_MIME_DEF_TRUNCATED;
				it->glen = 0;
			} else {
				o.p = (char *)it->scratch;
				o.cap = it->cap - raw;
				phrase(in, s, e, &o, it->scratch + it->cap - raw, raw, &def);
				it->glen = o.full ? 0 : o.len;
				if (o.full)
					def |= LM_MIME_DEF_TRUNCATED;
			}
			it->in_group = 1;
			it->members = 0;
			it->defects |= def;
			continue;
		}

		if (e > s) {
			size_t nameraw = ao != NONE ? ao - s : 0;
			size_t a = ao != NONE ? ao + 1 : s;
			size_t b = ao != NONE ? (ac != NONE ? ac : e) : e;
			int ok;

			if (nameraw > 0) {
				if (nameraw + 16 > o.cap) {
					o.full = 1;
				} else {
					lm_mime__out nm = o;
					nm.cap = o.cap - nameraw;
					phrase(in, s, ao, &nm,
					       (unsigned char *)o.p + o.cap - nameraw,
					       nameraw, &def);
					o.len = nm.len;
					o.full = nm.full;
					m->name.p = (const unsigned char *)o.p;
					m->name.len = o.len;
				}
			}
			if (ao == NONE && !at_seen &&
			    (nwords != 1 || !natoms_only || after_split)) {
				/* A lone name, or a word after a complete address
				 * ("a <b@c> junk"): no address. */
				ok = 0;
			} else {
				ok = !o.full && addr_spec(it, a, b, m, &o, &def);
				if (ok && ao == NONE && !at_seen)
					/* A bare word ("root"): a local part. */
					def |= LM_MIME_DEF_ADDR_SYNTAX;
			}
			if (o.full) {
				def |= LM_MIME_DEF_TRUNCATED;
				if (it->in_group)
					it->members++; /* a member, even if skipped */
				m->defects = def;
				it->defects |= def;
				if (group_end) {
					it->in_group = 0;
					it->glen = 0;
				}
				return LM_ERR_BUFFER_TOO_SMALL;
			}
			if (ok) {
				if (it->in_group) {
					m->group.p = it->scratch;
					m->group.len = it->glen;
					it->members++;
				}
				if (group_end) {
					it->in_group = 0;
					/* The group name stays valid for this
					 * entry; the next one starts at 0. */
					it->gpend = 1;
				}
				m->defects = def;
				it->defects |= def;
				return yield(m);
			}
			if (ntok > 0)
				def |= LM_MIME_DEF_ADDR_SYNTAX;
		}
		it->defects |= def;
		if (group_end) {
			it->in_group = 0;
			if (it->members == 0 &&
			    (it->flags & LM_MIME_ADDR_EMPTY_GROUPS)) {
				memset(m, 0, sizeof *m);
				m->group.p = it->scratch;
				m->group.len = it->glen;
				m->defects = def;
				it->gpend = 1;
				return yield(m);
			}
			it->glen = 0;
		}
	}
	if (it->in_group) {
		/* A group without its ';'. */
		it->defects |= LM_MIME_DEF_ADDR_SYNTAX;
		it->in_group = 0;
	}
	return LM_DONE;
}
