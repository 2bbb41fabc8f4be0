/*
 * Comparing what two ways of reading the same IMAP value give (the
 * engine's table through lm_imap_fetch_body() / lm_imap_fetch_envelope()
 * against lm_imap_body_parse() / lm_imap_envelope_parse() on the slice):
 * the same public members, tokens pointing at the same bytes, and the
 * same results all the way down (children, parameters, addresses).
 * Shared by fuzz/fuzz_imap_responses.c and tests/unit/test_imap_span.c.
 */
#ifndef LM_FUZZ_IMAP_SAME_H
#define LM_FUZZ_IMAP_SAME_H

#include <string.h>

#include "libmail/imap.h"

static int
same_tok(const lm_imap_tok *a, const lm_imap_tok *b)
{
	return a->type == b->type && a->s.p == b->s.p && a->s.len == b->s.len &&
	       a->esc == b->esc && a->num == b->num && a->depth == b->depth;
}

/* Same public members and same tokens (pointers into the same bytes). */
static int
same_body(const lm_imap_body *a, const lm_imap_body *b)
{
	return a->multipart == b->multipart && same_tok(&a->type, &b->type) &&
	       same_tok(&a->subtype, &b->subtype) && same_tok(&a->params, &b->params) &&
	       same_tok(&a->id, &b->id) && same_tok(&a->description, &b->description) &&
	       same_tok(&a->encoding, &b->encoding) && a->size == b->size &&
	       a->lines == b->lines && same_tok(&a->envelope, &b->envelope) &&
	       same_tok(&a->body, &b->body) && same_tok(&a->parts, &b->parts) &&
	       a->has_ext == b->has_ext && same_tok(&a->md5, &b->md5) &&
	       same_tok(&a->disposition, &b->disposition) &&
	       same_tok(&a->language, &b->language) &&
	       same_tok(&a->location, &b->location) &&
	       a->more_ext.p == b->more_ext.p && a->more_ext.len == b->more_ext.len;
}

/* a and b (results ra, rb of parsing them) and their subtrees read the
 * same: every child, every parameter, message/rfc822 bodies (*bodies
 * counts the bodies compared). */
static int
same_tree(const lm_imap_body *a, int ra, const lm_imap_body *b, int rb, int depth,
          unsigned long *bodies)
{
	lm_imap_reader p1, p2, i1, i2;
	lm_imap_tok k1, v1, k2, v2;
	lm_imap_body c1, c2;
	int x1, x2;

	if (ra != rb || !same_body(a, b))
		return 0;
	++*bodies;
	if (ra != 0 || depth > 70)
		return 1;
	lm_imap_reader_enter(&p1, &a->params);
	lm_imap_reader_enter(&p2, &b->params);
	do {
		x1 = lm_imap_param_next(&p1, &k1, &v1);
		x2 = lm_imap_param_next(&p2, &k2, &v2);
		if (x1 != x2 || (x1 && (!same_tok(&k1, &k2) || !same_tok(&v1, &v2))))
			return 0;
	} while (x1 == 1);
	if (a->body.type == LM_IMAP_TOK_OPEN) {
		x1 = lm_imap_body_parse(a->body.s, &c1);
		x2 = lm_imap_body_parse(b->body.s, &c2);
		if (!same_tree(&c1, x1, &c2, x2, depth + 1, bodies))
			return 0;
	}
	if (!a->multipart)
		return 1;
	memset(&i1, 0, sizeof i1);
	memset(&i2, 0, sizeof i2);
	do {
		x1 = lm_imap_body_child(a, &i1, &c1);
		x2 = lm_imap_body_child(b, &i2, &c2);
		if (x1 != x2 || i1.pos != i2.pos)
			return 0;
		if (x1 == 1 && !same_tree(&c1, 0, &c2, 0, depth + 1, bodies))
			return 0;
	} while (x1 == 1);
	return 1;
}

static void
env_members(const lm_imap_envelope *e, const lm_imap_tok *f[10])
{
	f[0] = &e->date; f[1] = &e->subject; f[2] = &e->from; f[3] = &e->sender;
	f[4] = &e->reply_to; f[5] = &e->to; f[6] = &e->cc; f[7] = &e->bcc;
	f[8] = &e->in_reply_to; f[9] = &e->message_id;
}

/* Same members, and the six address lists read the same. */
static int
same_env(const lm_imap_envelope *a, int ra, const lm_imap_envelope *b, int rb)
{
	const lm_imap_tok *fa[10], *fb[10];
	int i;

	if (ra != rb)
		return 0;
	env_members(a, fa);
	env_members(b, fb);
	for (i = 0; i < 10; i++) {
		lm_imap_reader r1, r2;
		lm_imap_address d1, d2;
		int x1, x2;
		if (!same_tok(fa[i], fb[i]))
			return 0;
		if (i < 2 || i > 7 || ra != 0)
			continue;
		lm_imap_reader_enter(&r1, fa[i]);
		lm_imap_reader_enter(&r2, fb[i]);
		do {
			x1 = lm_imap_address_next(&r1, &d1);
			x2 = lm_imap_address_next(&r2, &d2);
			if (x1 != x2 || !same_tok(&d1.name, &d2.name) ||
			    !same_tok(&d1.adl, &d2.adl) || !same_tok(&d1.mailbox, &d2.mailbox) ||
			    !same_tok(&d1.host, &d2.host) || d1.group_start != d2.group_start ||
			    d1.group_end != d2.group_end)
				return 0;
		} while (x1 == 1);
	}
	return 1;
}

#endif
