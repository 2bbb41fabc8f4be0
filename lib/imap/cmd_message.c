/*
 * libmail - IMAP client engine: the message commands. SEARCH, FETCH
 * (and its body sections), STORE, COPY, MOVE (or its COPY, STORE,
 * EXPUNGE fallback chain) and UID EXPUNGE, built with the builder of
 * cmd.c (cmd.h).
 */
#include <string.h>

#include "libmail/core.h"
#include "cmd.h"

/* ------------------------------------------------------------------ */
/* SEARCH                                                              */
/* ------------------------------------------------------------------ */

/* The criteria builder (lm_imap_sb_*) and its tokens: search.c. */

/* see imap.h */
int
lm_imap_search(lm_imap_client *c, int uid, const lm_imap_sb *s, unsigned ret,
               lm_imap_handle *h)
{
	static const struct lm_imap__name ret_names[] = {
		{ LM_IMAP_ESEARCH_MIN, "MIN" }, { LM_IMAP_ESEARCH_MAX, "MAX" },
		{ LM_IMAP_ESEARCH_COUNT, "COUNT" }, { LM_IMAP_ESEARCH_ALL, "ALL" },
		{ LM_IMAP_ESEARCH_SAVE, "SAVE" }
	};
	struct lm_imap__ob b;
	size_t i;
	int r = lm_imap__gate(c, LM_IMAP__S_SEL, 0);
	unsigned char last = 0;

	if (r)
		return r;
	if (s != NULL) {
		if (s->err)
			return s->err;
		/* a "(" not closed, or a NOT or OR short of keys */
		if (s->depth != 0 || (s->need != 0 && !s->words))
			return LM_ERR_BAD_STATE;
	}
	if (ret & ~(LM_IMAP_ESEARCH_MIN | LM_IMAP_ESEARCH_MAX | LM_IMAP_ESEARCH_ALL |
	            LM_IMAP_ESEARCH_COUNT | LM_IMAP_ESEARCH_SAVE))
		return LM_ERR_BAD_PARAM;
	if (ret && (r = lm_imap__need_cap(c, LM_IMAP__CAP_ESEARCH | LM_IMAP__CAP_IMAP4REV2)) != 0)
		return r;
	/* SAVE is SEARCHRES's (RFC 5182), which ESEARCH does not imply */
	if ((ret & LM_IMAP_ESEARCH_SAVE) &&
	    (r = lm_imap__need_cap(c, LM_IMAP__CAP_SEARCHRES | LM_IMAP__CAP_IMAP4REV2)) != 0)
		return r;
	lm_imap__ob_start(&b, c, "SEARCH", uid);
	if (ret) {
		lm_imap__ob_s(&b, " RETURN (");
		LM_IMAP__OB_NAMES(&b, ret, ret_names);
		lm_imap__ob_s(&b, ")");
	}
	if (s != NULL && s->utf8 && !lm_imap__utf8_on(c))
		lm_imap__ob_s(&b, " CHARSET UTF-8");
	if (s == NULL || s->len == 0) {
		lm_imap__ob_s(&b, " ALL");
	} else {
		for (i = 0; i < s->len;) {
			unsigned char t = s->buf[i];
			const char *v = (const char *)s->buf + i + 1;
			size_t n = strlen(v);
			if (t != ')' && last != '(')
				lm_imap__ob_s(&b, " ");
			switch (t) {
			case 'A':
				/* "$" (lm_imap_sb_set(), or a key): RFC 5182's
				 * saved result, which ESEARCH does not imply */
				if (n == 1 && v[0] == '$' && (r = lm_imap__need_cap(c,
				    LM_IMAP__CAP_SEARCHRES | LM_IMAP__CAP_IMAP4REV2)) != 0)
					return r;
				lm_imap__ob_raw(&b, v, n);
				break;
			case 'S': lm_imap__ob_str(&b, v, n, 1); break;
			case 'N': lm_imap__ob_s(&b, "NOT"); break;
			case 'O': lm_imap__ob_s(&b, "OR"); break;
			case '(': lm_imap__ob_s(&b, "("); break;
			case ')': lm_imap__ob_s(&b, ")"); break;
			default: return LM_ERR_BAD_PARAM;
			}
			last = t;
			i += n + 2;
		}
		if (last == 'N' || last == 'O')
			return LM_ERR_BAD_STATE;
	}
	return lm_imap__ob_commit(&b, LM_IMAP_CMD_SEARCH, uid ? LM_IMAP__QF_UID : 0, h);
}

/* ------------------------------------------------------------------ */
/* FETCH, STORE, COPY, MOVE                                            */
/* ------------------------------------------------------------------ */

/* section-part = nz-number *("." nz-number) (RFC 9051): "0" or "1.01"
 * is BAD to a server. NULL and "" are the whole message. */
static int
part_ok(const char *p)
{
	size_t i = 0;
	if (p == NULL || p[0] == '\0')
		return 1;
	for (;;) {
		if ((i = lm_imap__nz_number(p, i)) == 0)
			return 0;
		if (p[i] == '\0')
			return 1;
		if (p[i++] != '.')
			return 0;
	}
}

static void
ob_section(struct lm_imap__ob *b, const lm_imap_section *s)
{
	int has_part = s->part && s->part[0];
	int has_text = s->text && s->text[0];
	size_t k;

	if (!part_ok(s->part)) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	if (has_text && !lm_core__ieqz((const unsigned char *)s->text, strlen(s->text), "HEADER") &&
	    !lm_core__ieqz((const unsigned char *)s->text, strlen(s->text), "TEXT") &&
	    !lm_core__ieqz((const unsigned char *)s->text, strlen(s->text), "MIME") &&
	    !lm_core__ieqz((const unsigned char *)s->text, strlen(s->text), "HEADER.FIELDS") &&
	    !lm_core__ieqz((const unsigned char *)s->text, strlen(s->text), "HEADER.FIELDS.NOT")) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	/* section-binary (RFC 3516) is part numbers only, for both forms;
	 * section-text "MIME" only follows a part (RFC 9051 section-spec);
	 * partial = "<" number "." nz-number ">" */
	if (((s->binary || s->binary_size) && has_text) ||
	    (has_text && !has_part &&
	     lm_core__ieqz((const unsigned char *)s->text, strlen(s->text), "MIME")) ||
	    (s->partial && !s->binary_size && s->len == 0)) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	if (s->binary || s->binary_size) {
		int r = lm_imap__need_cap(b->c, LM_IMAP__CAP_BINARY);
		if (r) {
			b->err = r;
			return;
		}
	}
	if (s->binary_size)
		lm_imap__ob_s(b, "BINARY.SIZE[");
	else if (s->binary)
		lm_imap__ob_s(b, s->peek ? "BINARY.PEEK[" : "BINARY[");
	else
		lm_imap__ob_s(b, s->peek ? "BODY.PEEK[" : "BODY[");
	if (has_part)
		lm_imap__ob_s(b, s->part);
	if (has_text) {
		if (has_part)
			lm_imap__ob_s(b, ".");
		lm_imap__ob_s(b, s->text);
		if (strlen(s->text) > 7) {      /* HEADER.FIELDS[.NOT] */
			if (s->fields == NULL || s->nfields == 0) {
				b->err = LM_ERR_BAD_PARAM;
				return;
			}
			lm_imap__ob_s(b, " (");
			for (k = 0; k < s->nfields; k++) {
				if (k)
					lm_imap__ob_s(b, " ");
				if (!lm_imap__atom_list_ok(s->fields[k]) ||
				    strchr(s->fields[k], ' ')) {
					b->err = LM_ERR_BAD_PARAM;
					return;
				}
				lm_imap__ob_s(b, s->fields[k]);
			}
			lm_imap__ob_s(b, ")");
		}
	}
	lm_imap__ob_s(b, "]");
	if (s->partial && !s->binary_size) {
		lm_imap__ob_s(b, "<");
		lm_imap__ob_num(b, s->start);
		lm_imap__ob_s(b, ".");
		lm_imap__ob_num(b, s->len);
		lm_imap__ob_s(b, ">");
	}
}

/* see imap.h */
int
lm_imap_fetch(lm_imap_client *c, int uid, const char *set,
              const lm_imap_fetch_opts *f, lm_imap_handle *h)
{
#define FI(bit, s, cap) { bit, " " s, sizeof s, cap }
	/* each name with its leading space and length */
	static const struct {
		unsigned bit;
		const char *name;
		size_t len;
		unsigned long cap;
	} t[] = {
		FI(LM_IMAP_F_UID, "UID", 0), FI(LM_IMAP_F_FLAGS, "FLAGS", 0),
		FI(LM_IMAP_F_INTERNALDATE, "INTERNALDATE", 0),
		FI(LM_IMAP_F_RFC822_SIZE, "RFC822.SIZE", 0),
		FI(LM_IMAP_F_ENVELOPE, "ENVELOPE", 0),
		FI(LM_IMAP_F_BODYSTRUCTURE, "BODYSTRUCTURE", 0),
		FI(LM_IMAP_F_BODY, "BODY", 0),
		FI(LM_IMAP_F_MODSEQ, "MODSEQ", LM_IMAP__CAP_CONDSTORE),
		FI(LM_IMAP_F_EMAILID, "EMAILID", LM_IMAP__CAP_OBJECTID),
		FI(LM_IMAP_F_THREADID, "THREADID", LM_IMAP__CAP_OBJECTID),
		FI(LM_IMAP_F_SAVEDATE, "SAVEDATE", LM_IMAP__CAP_SAVEDATE)
	};
#undef FI
	struct lm_imap__ob b;
	size_t i;
	unsigned known = 0;
	int first = 1, r = lm_imap__gate(c, LM_IMAP__S_SEL, 0);

	if (r)
		return r;
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		known |= t[i].bit;
	/* an undefined bit alone went out as "FETCH 1 ()", which is BAD */
	if (f == NULL || f->version != LM_IMAP_FETCH_OPTS_VERSION || (f->items & ~known) ||
	    (f->items == 0 && f->nsections == 0) || (f->nsections && !f->sections))
		return LM_ERR_BAD_PARAM;
	if (f->changedsince > LM_IMAP__MODSEQ_MAX)
		return LM_ERR_BAD_PARAM;      /* RFC 7162 7: 63 bits */
	if (f->changedsince && (r = lm_imap__need_cap(c, LM_IMAP__CAP_CONDSTORE)) != 0)
		return r;
	if (f->vanished && (!uid || !f->changedsince || !(c->enabled & LM_IMAP__EN_QRESYNC)))
		return f->vanished && !(c->enabled & LM_IMAP__EN_QRESYNC) ?
		       LM_ERR_UNSUPPORTED : LM_ERR_BAD_PARAM;
	lm_imap__ob_start(&b, c, "FETCH ", uid);
	lm_imap__ob_set(&b, set);
	lm_imap__ob_s(&b, " (");
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (f->items & t[i].bit) {
			if (t[i].cap && (r = lm_imap__need_cap(c, t[i].cap)) != 0)
				return r;
			if (first)
				lm_imap__ob_raw(&b, t[i].name + 1, t[i].len - 1);
			else
				lm_imap__ob_raw(&b, t[i].name, t[i].len);
			first = 0;
		}
	for (i = 0; i < f->nsections; i++) {
		if (!first)
			lm_imap__ob_s(&b, " ");
		ob_section(&b, &f->sections[i]);
		first = 0;
	}
	lm_imap__ob_s(&b, ")");
	if (f->changedsince) {
		lm_imap__ob_s(&b, " (CHANGEDSINCE ");
		lm_imap__ob_num(&b, f->changedsince);
		if (f->vanished)
			lm_imap__ob_s(&b, " VANISHED");
		lm_imap__ob_s(&b, ")");
	}
	return lm_imap__ob_commit(&b, LM_IMAP_CMD_FETCH, uid ? LM_IMAP__QF_UID : 0, h);
}

static int
store_build(lm_imap_client *c, int uid, const char *set, lm_imap_store_op op,
            int silent, const char *flags, uint64_t unchangedsince, unsigned qf,
            lm_imap_handle *h)
{
	struct lm_imap__ob b;
	int r;
	if ((unsigned)op > LM_IMAP_STORE_REMOVE || flags == NULL)
		return LM_ERR_BAD_PARAM;
	if (op != LM_IMAP_STORE_SET && strspn(flags, " ") == strlen(flags))
		return LM_ERR_BAD_PARAM;
	if (unchangedsince > LM_IMAP__MODSEQ_MAX)
		return LM_ERR_BAD_PARAM;      /* RFC 7162 7: 63 bits */
	if (unchangedsince && (r = lm_imap__need_cap(c, LM_IMAP__CAP_CONDSTORE)) != 0)
		return r;
	lm_imap__ob_start(&b, c, "STORE ", uid);
	lm_imap__ob_set(&b, set);
	if (unchangedsince) {
		lm_imap__ob_s(&b, " (UNCHANGEDSINCE ");
		lm_imap__ob_num(&b, unchangedsince);
		lm_imap__ob_s(&b, ")");
	}
	lm_imap__ob_s(&b, op == LM_IMAP_STORE_ADD ? " +FLAGS" : op == LM_IMAP_STORE_REMOVE ?
	     " -FLAGS" : " FLAGS");
	if (silent)
		lm_imap__ob_s(&b, ".SILENT");
	lm_imap__ob_s(&b, " ");
	lm_imap__ob_flags(&b, flags);
	return lm_imap__ob_commit(&b, LM_IMAP_CMD_STORE, qf | (uid ? LM_IMAP__QF_UID : 0), h);
}

/* see imap.h */
int
lm_imap_store(lm_imap_client *c, int uid, const char *set, lm_imap_store_op op,
              int silent, const char *flags, uint64_t unchangedsince,
              lm_imap_handle *h)
{
	int r = lm_imap__gate(c, LM_IMAP__S_SEL, 0);
	if (r)
		return r;
	return store_build(c, uid, set, op, silent, flags, unchangedsince, 0, h);
}

static int
copy_build(lm_imap_client *c, int cmd, const char *verb, int uid, const char *set,
           const char *mailbox, unsigned qf, lm_imap_handle *h)
{
	struct lm_imap__ob b;
	lm_imap__ob_start(&b, c, verb, uid);
	lm_imap__ob_set(&b, set);
	lm_imap__ob_s(&b, " ");
	lm_imap__ob_mailbox(&b, mailbox, 0);
	return lm_imap__ob_commit(&b, cmd, qf | (uid ? LM_IMAP__QF_UID : 0), h);
}

/* see imap.h */
int
lm_imap_copy(lm_imap_client *c, int uid, const char *set, const char *mailbox,
             lm_imap_handle *h)
{
	int r = lm_imap__gate(c, LM_IMAP__S_SEL, 0);
	if (r)
		return r;
	return copy_build(c, LM_IMAP_CMD_COPY, "COPY ", uid, set, mailbox, 0, h);
}

/* see imap.h */
int
lm_imap_move(lm_imap_client *c, int uid, const char *set, const char *mailbox,
             lm_imap_handle *h)
{
	lm_imap_handle t;
	size_t n;
	int r = lm_imap__gate(c, LM_IMAP__S_SEL, 0);
	if (r)
		return r;
	/* unknown capabilities: neither MOVE nor the fallback is known right */
	r = lm_imap__need_cap(c, LM_IMAP__CAP_MOVE | LM_IMAP__CAP_IMAP4REV2);
	if (r == 0)
		return copy_build(c, LM_IMAP_CMD_MOVE, "MOVE ", uid, set, mailbox, 0, h);
	if (r != LM_ERR_UNSUPPORTED)
		return r;
	if (set == NULL || (n = strlen(set)) >= sizeof c->mv_set)
		return LM_ERR_BAD_PARAM;
	r = copy_build(c, LM_IMAP_CMD_COPY, "COPY ", uid, set, mailbox,
	               LM_IMAP__QF_CHAIN, &t);
	if (r)
		return r;
	memcpy(c->mv_set, set, n + 1);
	c->mv_set_len = n;
	c->mv_uid = uid;
	c->mv_tag = t;
	c->mv_step = 1;
	c->mv_cu_num = 0;
	c->mv_exp = c->mbx.expunged + c->mbx.vanished;
	if (h)
		*h = t;
	return 0;
}

/* see internal.h */
int
lm_imap__move_next(lm_imap_client *c, lm_imap_handle tag)
{
	int r;
	(void)tag;
	if (c->mv_step == 1) {
		r = store_build(c, c->mv_uid, c->mv_set, LM_IMAP_STORE_ADD, 1, "\\Deleted",
		                0, LM_IMAP__QF_CHAIN, NULL);
		if (r < 0)
			return lm_imap__fail(c, r);
		c->mv_step = 2;
		return 1;
	}
	if (c->mv_step == 2) {
		struct lm_imap__ob b;
		if (c->mv_uid && (lm_imap__caps(c) & LM_IMAP__CAP_UIDPLUS)) {
			lm_imap__ob_start(&b, c, "EXPUNGE ", 1);
			lm_imap__ob_set(&b, c->mv_set);
			r = lm_imap__ob_commit(&b, LM_IMAP_CMD_UID_EXPUNGE,
			              LM_IMAP__QF_CHAIN | LM_IMAP__QF_UID, NULL);
		} else {
			lm_imap__ob_start(&b, c, "EXPUNGE", 0);
			r = lm_imap__ob_commit(&b, LM_IMAP_CMD_EXPUNGE, LM_IMAP__QF_CHAIN, NULL);
		}
		if (r < 0)
			return lm_imap__fail(c, r);
		c->mv_step = 3;
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* UID EXPUNGE                                                         */
/* ------------------------------------------------------------------ */

/* see imap.h */
int
lm_imap_uid_expunge(lm_imap_client *c, const char *uids, lm_imap_handle *h)
{
	struct lm_imap__ob b;
	int r = lm_imap__gate(c, LM_IMAP__S_SEL, 0);
	if (r)
		return r;
	if ((r = lm_imap__need_cap(c, LM_IMAP__CAP_UIDPLUS | LM_IMAP__CAP_IMAP4REV2)) != 0)
		return r;
	lm_imap__ob_start(&b, c, "EXPUNGE ", 1);
	lm_imap__ob_set(&b, uids);
	return lm_imap__ob_commit(&b, LM_IMAP_CMD_UID_EXPUNGE, LM_IMAP__QF_UID, h);
}
