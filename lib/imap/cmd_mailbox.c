/*
 * libmail - IMAP client engine: the mailbox commands. SELECT/EXAMINE,
 * CREATE, DELETE, RENAME, (UN)SUBSCRIBE, the quota queries, STATUS,
 * LIST/LSUB and APPEND, built with the builder of cmd.c (cmd.h).
 */
#include <string.h>

#include "libmail/core.h"
#include "cmd.h"

/* A LIST reference or pattern: wildcards stay, always quoted. */
static void
ob_pattern(struct lm_imap__ob *b, const char *s)
{
	char enc[LM_IMAP_MAILBOX_MAX * 2];
	size_t el = 0, n;

	if (b->err)
		return;
	if (s == NULL) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	n = strlen(s);
	if (n > LM_IMAP_MAILBOX_MAX) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	if (memchr(s, '\r', n) || memchr(s, '\n', n)) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	if (lm_imap__utf8_on(b->c)) {
		if (n > 0 && lm_mutf7_encode(s, n, enc, sizeof enc, &el) != 0) {
			b->err = LM_ERR_BAD_PARAM;
			return;
		}
		lm_imap__ob_str(b, s, n, 1);
		return;
	}
	if (n > 0 && lm_mutf7_encode(s, n, enc, sizeof enc, &el) != 0) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	lm_imap__ob_str(b, enc, el, 1);
}

/* see internal.h */
void
lm_imap__mbx_reset(lm_imap_client *c, int examine)
{
	memset(&c->mbx, 0, sizeof c->mbx);
	c->flags_len = c->pflags_len = 0;
	c->mbx.name.p = c->mname;
	c->mbx.name.len = c->mname_len;
	c->mbx.flags.p = c->flags;
	c->mbx.permanent_flags.p = c->pflags;
	c->mbx.read_only = examine;
}

static int
select_cmd(lm_imap_client *c, const char *mailbox, const lm_imap_select_opts *o,
           int examine, lm_imap_handle *h)
{
	struct lm_imap__ob b;
	lm_imap_handle t;
	size_t n;
	int r = lm_imap__gate(c, LM_IMAP__S_A | LM_IMAP__S_S, 0);
	if (r)
		return r;
	if (mailbox == NULL)
		return LM_ERR_BAD_PARAM;
	if (o != NULL && o->version != LM_IMAP_SELECT_OPTS_VERSION)
		return LM_ERR_BAD_PARAM;
	if (c->sel_tag)
		return LM_ERR_BAD_STATE;     /* one SELECT at a time */
	lm_imap__ob_start(&b, c, examine ? "EXAMINE " : "SELECT ", 0);
	lm_imap__ob_mailbox(&b, mailbox, 0);
	if (o != NULL && o->qr_uidvalidity) {
		if (!(c->enabled & LM_IMAP__EN_QRESYNC))
			return LM_ERR_UNSUPPORTED;
		/* RFC 7162 7: mod-sequence-value 1 to 2^63 - 1; known-uids
		 * a sequence-set of UIDs where "*" is not allowed (nor "$") */
		if (o->qr_modseq == 0 || o->qr_modseq > LM_IMAP__MODSEQ_MAX ||
		    (o->qr_known_uids != NULL && (strchr(o->qr_known_uids, '*') ||
		                                  strcmp(o->qr_known_uids, "$") == 0)))
			return LM_ERR_BAD_PARAM;
		lm_imap__ob_s(&b, " (QRESYNC (");
		lm_imap__ob_num(&b, o->qr_uidvalidity);
		lm_imap__ob_s(&b, " ");
		lm_imap__ob_num(&b, o->qr_modseq);
		if (o->qr_known_uids) {
			lm_imap__ob_s(&b, " ");
			lm_imap__ob_set(&b, o->qr_known_uids);
		}
		lm_imap__ob_s(&b, "))");
	} else if (o != NULL && o->condstore) {
		if ((r = lm_imap__need_cap(c, LM_IMAP__CAP_CONDSTORE)) != 0)
			return r;
		lm_imap__ob_s(&b, " (CONDSTORE)");
	}
	r = lm_imap__ob_commit(&b, examine ? LM_IMAP_CMD_EXAMINE : LM_IMAP_CMD_SELECT, 0, &t);
	if (r)
		return r;
	c->sel_tag = t;
	n = strlen(mailbox);
	if (n > sizeof c->mname)
		n = sizeof c->mname;
	memcpy(c->mname, mailbox, n);
	c->mname_len = n;
	lm_imap__mbx_reset(c, examine);
	if (c->state == LM_IMAP_STATE_SELECTED)
		c->state = LM_IMAP_STATE_AUTH;   /* RFC 3501 6.3.1 */
	if (h)
		*h = t;
	return 0;
}

/* see imap.h */
int
lm_imap_select(lm_imap_client *c, const char *mailbox, const lm_imap_select_opts *o,
               lm_imap_handle *h)
{
	return select_cmd(c, mailbox, o, 0, h);
}

/* see imap.h */
int
lm_imap_examine(lm_imap_client *c, const char *mailbox, const lm_imap_select_opts *o,
                lm_imap_handle *h)
{
	return select_cmd(c, mailbox, o, 1, h);
}

static int
mbox_cmd(lm_imap_client *c, int cmd, const char *verb, const char *mailbox,
         unsigned long capneed, lm_imap_handle *h)
{
	struct lm_imap__ob b;
	int r = lm_imap__gate(c, LM_IMAP__S_A | LM_IMAP__S_S, 0);
	if (r)
		return r;
	if (capneed && (r = lm_imap__need_cap(c, capneed)) != 0)
		return r;
	lm_imap__ob_start(&b, c, verb, 0);
	lm_imap__ob_mailbox(&b, mailbox, cmd == LM_IMAP_CMD_GETQUOTAROOT);
	return lm_imap__ob_commit(&b, cmd, 0, h);
}

/* see imap.h */
int
lm_imap_create(lm_imap_client *c, const char *mailbox, lm_imap_handle *h)
{
	return mbox_cmd(c, LM_IMAP_CMD_CREATE, "CREATE ", mailbox, 0, h);
}

/* see imap.h */
int
lm_imap_delete(lm_imap_client *c, const char *mailbox, lm_imap_handle *h)
{
	return mbox_cmd(c, LM_IMAP_CMD_DELETE, "DELETE ", mailbox, 0, h);
}

/* see imap.h */
int
lm_imap_subscribe(lm_imap_client *c, const char *mailbox, lm_imap_handle *h)
{
	return mbox_cmd(c, LM_IMAP_CMD_SUBSCRIBE, "SUBSCRIBE ", mailbox, 0, h);
}

/* see imap.h */
int
lm_imap_unsubscribe(lm_imap_client *c, const char *mailbox, lm_imap_handle *h)
{
	return mbox_cmd(c, LM_IMAP_CMD_UNSUBSCRIBE, "UNSUBSCRIBE ", mailbox, 0, h);
}

/* see imap.h */
int
lm_imap_getquotaroot(lm_imap_client *c, const char *mailbox, lm_imap_handle *h)
{
	return mbox_cmd(c, LM_IMAP_CMD_GETQUOTAROOT, "GETQUOTAROOT ", mailbox,
	                LM_IMAP__CAP_QUOTA, h);
}

/* see imap.h */
int
lm_imap_getquota(lm_imap_client *c, const char *root, lm_imap_handle *h)
{
	struct lm_imap__ob b;
	int r = lm_imap__gate(c, LM_IMAP__S_A | LM_IMAP__S_S, 0);
	if (r)
		return r;
	if ((r = lm_imap__need_cap(c, LM_IMAP__CAP_QUOTA)) != 0)
		return r;
	if (root == NULL)
		return LM_ERR_BAD_PARAM;
	lm_imap__ob_start(&b, c, "GETQUOTA ", 0);
	lm_imap__ob_cstr(&b, root, 1);
	return lm_imap__ob_commit(&b, LM_IMAP_CMD_GETQUOTA, 0, h);
}

/* see imap.h */
int
lm_imap_rename(lm_imap_client *c, const char *from, const char *to, lm_imap_handle *h)
{
	struct lm_imap__ob b;
	int r = lm_imap__gate(c, LM_IMAP__S_A | LM_IMAP__S_S, 0);
	if (r)
		return r;
	lm_imap__ob_start(&b, c, "RENAME ", 0);
	lm_imap__ob_mailbox(&b, from, 0);
	lm_imap__ob_s(&b, " ");
	lm_imap__ob_mailbox(&b, to, 0);
	return lm_imap__ob_commit(&b, LM_IMAP_CMD_RENAME, 0, h);
}

static void
ob_status_items(struct lm_imap__ob *b, unsigned items)
{
	static const struct lm_imap__name t[] = {
		{ LM_IMAP_ST_MESSAGES, "MESSAGES" }, { LM_IMAP_ST_RECENT, "RECENT" },
		{ LM_IMAP_ST_UIDNEXT, "UIDNEXT" }, { LM_IMAP_ST_UIDVALIDITY, "UIDVALIDITY" },
		{ LM_IMAP_ST_UNSEEN, "UNSEEN" }, { LM_IMAP_ST_DELETED, "DELETED" },
		{ LM_IMAP_ST_SIZE, "SIZE" }, { LM_IMAP_ST_HIGHESTMODSEQ, "HIGHESTMODSEQ" }
	};
	lm_imap__ob_s(b, "(");
	LM_IMAP__OB_NAMES(b, items, t);
	lm_imap__ob_s(b, ")");
}

/* The items a command may ask for (APPENDLIMIT is response only) and the
 * LIST options defined in imap.h: any other bit is LM_ERR_BAD_PARAM
 * rather than an empty "()" or a dropped request. */
#define LM_IMAP__ST_ASK 0xffu
#define LM_IMAP__LIST_SEL_ALL (LM_IMAP_LIST_SEL_SUBSCRIBED | LM_IMAP_LIST_SEL_REMOTE | \
                               LM_IMAP_LIST_SEL_RECURSIVEMATCH | LM_IMAP_LIST_SEL_SPECIAL_USE)
#define LM_IMAP__LIST_RET_ALL (LM_IMAP_LIST_RET_SUBSCRIBED | LM_IMAP_LIST_RET_CHILDREN | \
                               LM_IMAP_LIST_RET_SPECIAL_USE)

/* The capabilities STATUS items need, in STATUS and in LIST's RETURN
 * (STATUS (...)) alike: HIGHESTMODSEQ is CONDSTORE's (RFC 7162), SIZE
 * STATUS=SIZE's (RFC 8438) or IMAP4rev2's, DELETED IMAP4rev2's. */
static int
status_items_cap(const lm_imap_client *c, unsigned items)
{
	int r = 0;

	if (items & ~LM_IMAP__ST_ASK)
		return LM_ERR_BAD_PARAM;
	if (items & LM_IMAP_ST_HIGHESTMODSEQ)
		r = lm_imap__need_cap(c, LM_IMAP__CAP_CONDSTORE);
	if (r == 0 && (items & LM_IMAP_ST_SIZE))
		r = lm_imap__need_cap(c, LM_IMAP__CAP_STATUSSIZE | LM_IMAP__CAP_IMAP4REV2);
	if (r == 0 && (items & LM_IMAP_ST_DELETED))
		r = lm_imap__need_cap(c, LM_IMAP__CAP_IMAP4REV2);
	return r;
}

/* see imap.h */
int
lm_imap_status(lm_imap_client *c, const char *mailbox, unsigned items,
               lm_imap_handle *h)
{
	struct lm_imap__ob b;
	int r = lm_imap__gate(c, LM_IMAP__S_A | LM_IMAP__S_S, 0);
	if (r)
		return r;
	if (items == 0)
		return LM_ERR_BAD_PARAM;
	if ((r = status_items_cap(c, items)) != 0)
		return r;
	lm_imap__ob_start(&b, c, "STATUS ", 0);
	lm_imap__ob_mailbox(&b, mailbox, 0);
	lm_imap__ob_s(&b, " ");
	ob_status_items(&b, items);
	return lm_imap__ob_commit(&b, LM_IMAP_CMD_STATUS, 0, h);
}

/* see imap.h */
int
lm_imap_list(lm_imap_client *c, const char *ref, const char *pattern,
             const lm_imap_list_opts *o, lm_imap_handle *h)
{
	static const struct lm_imap__name sel_names[] = {
		{ LM_IMAP_LIST_SEL_SUBSCRIBED, "SUBSCRIBED" },
		{ LM_IMAP_LIST_SEL_REMOTE, "REMOTE" },
		{ LM_IMAP_LIST_SEL_RECURSIVEMATCH, "RECURSIVEMATCH" },
		{ LM_IMAP_LIST_SEL_SPECIAL_USE, "SPECIAL-USE" }
	}, ret_names[] = {
		{ LM_IMAP_LIST_RET_SUBSCRIBED, "SUBSCRIBED" },
		{ LM_IMAP_LIST_RET_CHILDREN, "CHILDREN" },
		{ LM_IMAP_LIST_RET_SPECIAL_USE, "SPECIAL-USE" }
	};
	struct lm_imap__ob b;
	int r = lm_imap__gate(c, LM_IMAP__S_A | LM_IMAP__S_S, 0);
	unsigned sel = 0, ret = 0, st = 0;

	if (r)
		return r;
	if (ref == NULL || pattern == NULL)
		return LM_ERR_BAD_PARAM;
	if (o != NULL) {
		if (o->version != LM_IMAP_LIST_OPTS_VERSION)
			return LM_ERR_BAD_PARAM;
		sel = o->sel;
		ret = o->ret;
		st = o->status;
	}
	if ((sel & ~LM_IMAP__LIST_SEL_ALL) || (ret & ~LM_IMAP__LIST_RET_ALL) ||
	    (st & ~LM_IMAP__ST_ASK))
		return LM_ERR_BAD_PARAM;
	/* RFC 5258 3.1: RECURSIVEMATCH "MUST NOT occur as the only selection
	 * option (or only with REMOTE)"; the server answers BAD */
	if ((sel & LM_IMAP_LIST_SEL_RECURSIVEMATCH) &&
	    !(sel & (LM_IMAP_LIST_SEL_SUBSCRIBED | LM_IMAP_LIST_SEL_SPECIAL_USE)))
		return LM_ERR_BAD_PARAM;
	if ((sel || (ret & ~LM_IMAP_LIST_RET_SPECIAL_USE)) &&
	    (r = lm_imap__need_cap(c, LM_IMAP__CAP_LISTEXTENDED | LM_IMAP__CAP_IMAP4REV2)) != 0)
		return r;
	if (((ret & LM_IMAP_LIST_RET_SPECIAL_USE) || (sel & LM_IMAP_LIST_SEL_SPECIAL_USE)) &&
	    (r = lm_imap__need_cap(c, LM_IMAP__CAP_SPECIALUSE)) != 0)
		return r;
	if (st && ((r = lm_imap__need_cap(c, LM_IMAP__CAP_LISTSTATUS | LM_IMAP__CAP_IMAP4REV2)) != 0 ||
	           (r = status_items_cap(c, st)) != 0))
		return r;
	lm_imap__ob_start(&b, c, "LIST ", 0);
	if (sel) {
		lm_imap__ob_s(&b, "(");
		LM_IMAP__OB_NAMES(&b, sel, sel_names);
		lm_imap__ob_s(&b, ") ");
	}
	ob_pattern(&b, ref);
	lm_imap__ob_s(&b, " ");
	ob_pattern(&b, pattern);
	if (ret || st) {
		unsigned k;
		lm_imap__ob_s(&b, " RETURN (");
		k = LM_IMAP__OB_NAMES(&b, ret, ret_names);
		if (st) {
			lm_imap__ob_s(&b, k ? " STATUS " : "STATUS ");
			ob_status_items(&b, st);
		}
		lm_imap__ob_s(&b, ")");
	}
	return lm_imap__ob_commit(&b, LM_IMAP_CMD_LIST, 0, h);
}

/* see imap.h */
int
lm_imap_lsub(lm_imap_client *c, const char *ref, const char *pattern,
             lm_imap_handle *h)
{
	struct lm_imap__ob b;
	int r = lm_imap__gate(c, LM_IMAP__S_A | LM_IMAP__S_S, 0);
	if (r)
		return r;
	lm_imap__ob_start(&b, c, "LSUB ", 0);
	ob_pattern(&b, ref);
	lm_imap__ob_s(&b, " ");
	ob_pattern(&b, pattern);
	return lm_imap__ob_commit(&b, LM_IMAP_CMD_LSUB, 0, h);
}

/* RFC 9051 date-time without its quotes: date-day-fixed "-" date-month
 * "-" date-year SP time SP zone, "dd-Mon-yyyy hh:mm:ss +zzzz" with a
 * space for a one-digit day; anything else a server answers BAD. */
static int
date_time_ok(const char *d)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	static const char shape[] = "dd-Mon-dddd dd:dd:dd +dddd";
	size_t i;
	int m;

	if (strlen(d) != sizeof shape - 1)
		return 0;
	for (i = 0; shape[i]; i++) {
		int digit = d[i] >= '0' && d[i] <= '9';
		if (shape[i] == 'd' ? !(digit || (i == 0 && d[i] == ' ')) :
		    shape[i] == '+' ? d[i] != '+' && d[i] != '-' :
		    (shape[i] == '-' || shape[i] == ' ' || shape[i] == ':') && d[i] != shape[i])
			return 0;
	}
	for (m = 0; m < 12; m++)
		if (lm_core__ieq(d + 3, 3, months + 3 * m, 3))
			return 1;
	return 0;
}

/* see imap.h */
int
lm_imap_append(lm_imap_client *c, const char *mailbox, const char *flags,
               const char *date, uint64_t size, lm_read_fn rd, void *ud,
               lm_imap_handle *h)
{
	struct lm_imap__ob b;
	lm_imap_handle t;
	int lit, r = lm_imap__gate(c, LM_IMAP__S_A | LM_IMAP__S_S, 0);

	if (r)
		return r;
	if (rd == NULL || mailbox == NULL || size > 0xffffffffu)
		return LM_ERR_BAD_PARAM;
	if (date != NULL && !date_time_ok(date))
		return LM_ERR_BAD_PARAM;
	lm_imap__ob_start(&b, c, "APPEND ", 0);
	lm_imap__ob_mailbox(&b, mailbox, 0);
	if (flags != NULL) {
		lm_imap__ob_s(&b, " ");
		lm_imap__ob_flags(&b, flags);
	}
	if (date != NULL) {
		lm_imap__ob_s(&b, " \"");
		lm_imap__ob_s(&b, date);
		lm_imap__ob_s(&b, "\"");
	}
	lit = lm_imap__nonsync_ok(c, (size_t)size);
	lm_imap__ob_s(&b, " {");
	lm_imap__ob_num(&b, size);
	lm_imap__ob_s(&b, lit ? "+}" : "}");
	r = lm_imap__ob_commit(&b, LM_IMAP_CMD_APPEND, 0, &t);
	if (r)
		return r;
	c->app_rd = rd;
	c->app_ud = ud;
	c->app_left = size;
	c->app_tag = t;
	c->app_state = lit ? LM_IMAP__APP_BODY : LM_IMAP__APP_WAIT;
	if (h)
		*h = t;
	return 0;
}
