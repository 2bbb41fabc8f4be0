/*
 * libmail - IMAP client engine: untagged responses ("* ..."): status
 * responses and their response codes (tagged responses have them too),
 * data (EXISTS, LIST, STATUS, SEARCH, ...) and what it changes in the
 * session and selected-mailbox state, and which outstanding command each
 * response answers. FETCH items are in fetch.c.
 */
#include <string.h>

#include "libmail/core.h"
#include "internal.h"
#include "../core/io.h"

/* ------------------------------------------------------------------ */
/* which command a response answers                                    */
/* ------------------------------------------------------------------ */

/* May the response being parsed (it starts at ipos) answer queue entry
 * i? Not when it began before that command was queued: the server sent
 * it before it could have read the command (imap.h, "Responses and
 * commands"). Entries are queued in order, so a response that cannot
 * answer entry i cannot answer a later one either. */
int
lm_imap__heard(const lm_imap_client *c, unsigned i)
{
	return lm_core__io_rx_at(&c->io) >= c->q[i].rx;
}

/* Oldest outstanding command among the given kinds (bit per cmd). */
int
lm_imap__q_oldest(const lm_imap_client *c, unsigned long long mask)
{
	unsigned i;
	for (i = 0; i < c->q_count; i++)
		if (mask & (1ull << c->q[i].cmd))
			return (int)i;
	return -1;
}

#define B(x) (1ull << (x))

/* A SELECT/EXAMINE is outstanding behind an older command, or is the
 * oldest but was queued after the response being parsed began:
 * untagged data now is about the previous mailbox (the server answers
 * in order, RFC 3501 5.5), not about the one lm_imap_selected()
 * describes. */
static int
mbx_stale(const lm_imap_client *c)
{
	return c->sel_tag != 0 && c->q_count > 0 &&
	       (c->q[0].tag != c->sel_tag || !lm_imap__heard(c, 0));
}

/* An untagged capability list (response or code) that begins now
 * describes the state after the LOGIN/AUTHENTICATE in progress (Gmail
 * sends it just before the tagged OK, which has no code): that command
 * is the oldest outstanding (the server answers in order), and the
 * list was received after its last bytes went out (a list received
 * earlier was sent before the server had the command). */
static int
lg_window(const lm_imap_client *c)
{
	return c->lg_sent && c->q_count > 0 &&
	       (c->q[0].cmd == LM_IMAP_CMD_LOGIN || c->q[0].cmd == LM_IMAP_CMD_AUTHENTICATE) &&
	       lm_core__io_rx_at(&c->io) >= c->lg_rx;
}

/* Name in ev the command that untagged data of the given kinds answers:
 * the oldest outstanding one (the server answers in order), unless the
 * data began before it was queued (then it is unsolicited). */
static void
attribute(lm_imap_client *c, lm_imap_event *ev, unsigned long long mask)
{
	int i = lm_imap__q_oldest(c, mask);
	if (i >= 0 && lm_imap__heard(c, (unsigned)i)) {
		ev->cmd = (lm_imap_cmd)c->q[i].cmd;
		ev->handle = c->q[i].tag;
	}
}

/* ------------------------------------------------------------------ */
/* response codes and status responses                                 */
/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	lm_imap_code code;
} code_table[] = {
	{ "ALERT", LM_IMAP_CODE_ALERT }, { "BADCHARSET", LM_IMAP_CODE_BADCHARSET },
	{ "CAPABILITY", LM_IMAP_CODE_CAPABILITY }, { "PARSE", LM_IMAP_CODE_PARSE },
	{ "PERMANENTFLAGS", LM_IMAP_CODE_PERMANENTFLAGS },
	{ "READ-ONLY", LM_IMAP_CODE_READ_ONLY }, { "READ-WRITE", LM_IMAP_CODE_READ_WRITE },
	{ "TRYCREATE", LM_IMAP_CODE_TRYCREATE }, { "UIDNEXT", LM_IMAP_CODE_UIDNEXT },
	{ "UIDVALIDITY", LM_IMAP_CODE_UIDVALIDITY }, { "UNSEEN", LM_IMAP_CODE_UNSEEN },
	{ "APPENDUID", LM_IMAP_CODE_APPENDUID }, { "COPYUID", LM_IMAP_CODE_COPYUID },
	{ "UIDNOTSTICKY", LM_IMAP_CODE_UIDNOTSTICKY },
	{ "HIGHESTMODSEQ", LM_IMAP_CODE_HIGHESTMODSEQ },
	{ "NOMODSEQ", LM_IMAP_CODE_NOMODSEQ }, { "MODIFIED", LM_IMAP_CODE_MODIFIED },
	{ "CLOSED", LM_IMAP_CODE_CLOSED }, { "UNAVAILABLE", LM_IMAP_CODE_UNAVAILABLE },
	{ "AUTHENTICATIONFAILED", LM_IMAP_CODE_AUTHENTICATIONFAILED },
	{ "AUTHORIZATIONFAILED", LM_IMAP_CODE_AUTHORIZATIONFAILED },
	{ "EXPIRED", LM_IMAP_CODE_EXPIRED },
	{ "PRIVACYREQUIRED", LM_IMAP_CODE_PRIVACYREQUIRED },
	{ "CONTACTADMIN", LM_IMAP_CODE_CONTACTADMIN }, { "NOPERM", LM_IMAP_CODE_NOPERM },
	{ "INUSE", LM_IMAP_CODE_INUSE }, { "EXPUNGEISSUED", LM_IMAP_CODE_EXPUNGEISSUED },
	{ "CORRUPTION", LM_IMAP_CODE_CORRUPTION }, { "SERVERBUG", LM_IMAP_CODE_SERVERBUG },
	{ "CLIENTBUG", LM_IMAP_CODE_CLIENTBUG }, { "CANNOT", LM_IMAP_CODE_CANNOT },
	{ "LIMIT", LM_IMAP_CODE_LIMIT }, { "OVERQUOTA", LM_IMAP_CODE_OVERQUOTA },
	{ "ALREADYEXISTS", LM_IMAP_CODE_ALREADYEXISTS },
	{ "NONEXISTENT", LM_IMAP_CODE_NONEXISTENT },
	{ "HASCHILDREN", LM_IMAP_CODE_HASCHILDREN }, { "NOTSAVED", LM_IMAP_CODE_NOTSAVED },
	{ "UNKNOWN-CTE", LM_IMAP_CODE_UNKNOWN_CTE },
	{ "COMPRESSIONACTIVE", LM_IMAP_CODE_COMPRESSIONACTIVE },
	{ "USEATTR", LM_IMAP_CODE_USEATTR }, { "APPENDLIMIT", LM_IMAP_CODE_APPENDLIMIT }
};

/* Keep a flag list in dst (cut at a flag boundary when too long). */
static size_t
keep_flags(unsigned char *dst, size_t cap, lm_slice s)
{
	size_t n = s.len;
	if (n > cap) {
		n = cap;
		while (n > 0 && s.p[n] != ' ')
			n--;
	}
	memcpy(dst, s.p, n);
	return n;
}

/* Parse "[CODE arg] text" (resp-text) at p[i..n) into ev. */
void
lm_imap__parse_resp_text(lm_imap_client *c, lm_imap_event *ev, const unsigned char *p,
                size_t n, size_t i)
{
	lm_imap__skip_sp(p, n, &i);
	if (i < n && p[i] == '[') {
		size_t j = i + 1, k, close = i + 1;
		lm_slice name;
		unsigned depth = 0;
		/* find the closing ']' (brackets inside the argument nest) */
		while (close < n) {
			if (p[close] == '[')
				depth++;
			else if (p[close] == ']') {
				if (depth == 0)
					break;
				depth--;
			}
			close++;
		}
		if (close < n) {
			name = lm_imap__word(p, close, &j);
			ev->code.name = name;
			ev->code.code = LM_IMAP_CODE_OTHER;
			for (k = 0; k < sizeof code_table / sizeof code_table[0]; k++)
				if (lm_core__ieqz(name.p, name.len, code_table[k].name)) {
					ev->code.code = code_table[k].code;
					break;
				}
			lm_imap__skip_sp(p, close, &j);
			ev->code.arg.p = p + j;
			ev->code.arg.len = close - j;
			{
				size_t a = j;
				uint64_t v = 0;
				switch (ev->code.code) {
				case LM_IMAP_CODE_UIDNEXT:
				case LM_IMAP_CODE_UIDVALIDITY:
				case LM_IMAP_CODE_UNSEEN:
				case LM_IMAP_CODE_HIGHESTMODSEQ:
				case LM_IMAP_CODE_APPENDLIMIT:
					if (lm_imap__parse_num(p, close, &a, &v))
						ev->code.num = v;
					break;
				case LM_IMAP_CODE_APPENDUID:
				case LM_IMAP_CODE_COPYUID:
					if (lm_imap__parse_num(p, close, &a, &v)) {
						ev->code.num = v;
						lm_imap__skip_sp(p, close, &a);
						ev->code.set1 = lm_imap__word(p, close, &a);
						lm_imap__skip_sp(p, close, &a);
						ev->code.set2 = lm_imap__word(p, close, &a);
					}
					break;
				case LM_IMAP_CODE_MODIFIED:
					ev->code.set1 = ev->code.arg;
					break;
				default:
					break;
				}
			}
			i = close + 1;
			if (i < n && p[i] == ' ')
				i++;
		}
	}
	ev->text.p = p + i;
	ev->text.len = n - i;
	/* effects on the session */
	if (ev->code.code == LM_IMAP_CODE_CAPABILITY) {
		lm_imap__caps_set(c, ev->code.arg.p, ev->code.arg.len);
		return;
	}
	if (ev->code.code == LM_IMAP_CODE_NONE || mbx_stale(c))
		return;
	switch (ev->code.code) {
	case LM_IMAP_CODE_UIDNEXT:
		c->mbx.uidnext = (uint32_t)ev->code.num;
		break;
	case LM_IMAP_CODE_UIDVALIDITY:
		c->mbx.uidvalidity = (uint32_t)ev->code.num;
		break;
	case LM_IMAP_CODE_UNSEEN:
		c->mbx.unseen = (uint32_t)ev->code.num;
		break;
	case LM_IMAP_CODE_HIGHESTMODSEQ:
		c->mbx.highestmodseq = ev->code.num;
		c->ms_hold = 1;        /* the code wins over MODSEQ values */
		break;
	case LM_IMAP_CODE_NOMODSEQ:
		c->mbx.nomodseq = 1;
		c->mbx.highestmodseq = 0;
		break;
	case LM_IMAP_CODE_CLOSED:
		/* RFC 7162 3.2.11 / RFC 9051 7.1: what came before was about
		 * the old mailbox */
		c->ms_max = 0;
		c->ms_hold = 0;
		if (c->sel_tag != 0)
			lm_imap__mbx_reset(c, c->q[0].cmd == LM_IMAP_CMD_EXAMINE);
		break;
	case LM_IMAP_CODE_READ_ONLY:
		c->mbx.read_only = 1;
		break;
	case LM_IMAP_CODE_READ_WRITE:
		c->mbx.read_only = 0;
		break;
	case LM_IMAP_CODE_PERMANENTFLAGS: {
		lm_slice s = ev->code.arg;
		if (s.len >= 2 && s.p[0] == '(' && s.p[s.len - 1] == ')') {
			s.p++;
			s.len -= 2;
		}
		c->pflags_len = keep_flags(c->pflags, sizeof c->pflags, s);
		c->mbx.permanent_flags.p = c->pflags;
		c->mbx.permanent_flags.len = c->pflags_len;
		break;
	}
	default:
		break;
	}
}

/* The text of a status response whose code has no ']' ("[CLOSED",
 * "[CLOSED x"): lm_imap__parse_resp_text() leaves it as text, no code. */
static int
closed_unterminated(const lm_imap_event *ev)
{
	size_t i = 1;
	lm_slice w;

	if (ev->code.code != LM_IMAP_CODE_NONE || ev->text.len < 1 || ev->text.p[0] != '[')
		return 0;
	w = lm_imap__word(ev->text.p, ev->text.len, &i);
	return lm_core__ieqz(w.p, w.len, "CLOSED");
}

/* ------------------------------------------------------------------ */
/* mailbox names                                                       */
/* ------------------------------------------------------------------ */

/* Decode a mailbox token into ev->mailbox (context storage). */
static int
set_mailbox(lm_imap_client *c, lm_imap_event *ev, const lm_imap_tok *t)
{
	size_t rl = 0, ol = 0, i;
	int eight = 0;

	if (t->type == LM_IMAP_TOK_NIL || t->type == LM_IMAP_TOK_END) {
		ev->mailbox.p = c->evname;
		ev->mailbox.len = 0;
		return 0;
	}
	if (lm_imap_tok_copy(t, (char *)c->evraw, sizeof c->evraw, &rl) < 0)
		return LM_ERR_LIMIT;
	ev->mailbox_raw.p = c->evraw;
	ev->mailbox_raw.len = rl;
	for (i = 0; i < rl; i++)
		if (c->evraw[i] >= 0x80)
			eight = 1;
	/* LM_IMAP_LENIENT_8BIT: 8-bit names are UTF-8 already */
	if (eight || (c->enabled & LM_IMAP__EN_UTF8) ||
	    lm_mutf7_decode((const char *)c->evraw, rl, (char *)c->evname,
	                    sizeof c->evname, &ol) != 0) {
		ev->mailbox = ev->mailbox_raw;
		return 0;
	}
	ev->mailbox.p = c->evname;
	ev->mailbox.len = ol;
	return 0;
}

/* ------------------------------------------------------------------ */
/* untagged responses                                                  */
/* ------------------------------------------------------------------ */

static unsigned
attr_bit(const lm_imap_tok *t)
{
	static const struct {
		const char *n;
		unsigned b;
	} a[] = {
		{ "\\Noinferiors", LM_IMAP_MBX_NOINFERIORS },
		{ "\\Noselect", LM_IMAP_MBX_NOSELECT },
		{ "\\Marked", LM_IMAP_MBX_MARKED },
		{ "\\Unmarked", LM_IMAP_MBX_UNMARKED },
		{ "\\HasChildren", LM_IMAP_MBX_HASCHILDREN },
		{ "\\HasNoChildren", LM_IMAP_MBX_HASNOCHILDREN },
		{ "\\NonExistent", LM_IMAP_MBX_NONEXISTENT },
		{ "\\Subscribed", LM_IMAP_MBX_SUBSCRIBED },
		{ "\\Remote", LM_IMAP_MBX_REMOTE },
		{ "\\All", LM_IMAP_MBX_ALL },
		{ "\\Archive", LM_IMAP_MBX_ARCHIVE },
		{ "\\Drafts", LM_IMAP_MBX_DRAFTS },
		{ "\\Flagged", LM_IMAP_MBX_FLAGGED },
		{ "\\Junk", LM_IMAP_MBX_JUNK },
		{ "\\Sent", LM_IMAP_MBX_SENT },
		{ "\\Trash", LM_IMAP_MBX_TRASH },
		{ "\\Important", LM_IMAP_MBX_IMPORTANT }
	};
	size_t i;
	for (i = 0; i < sizeof a / sizeof a[0]; i++)
		if (lm_core__ieqz(t->s.p, t->s.len, a[i].n))
			return a[i].b;
	return 0;
}

/* "LIST (attrs) delim name [ext]" after the keyword. */
static int
parse_list(lm_imap_client *c, lm_imap_event *ev, lm_imap_reader *r)
{
	lm_imap_tok t, in_t;
	lm_imap_reader in;

	if (lm_imap_read(r, &t) != LM_IMAP_TOK_OPEN)
		return LM_ERR_PROTOCOL;
	ev->list.attr_list.p = t.s.p + 1;
	ev->list.attr_list.len = t.s.len - 2;
	lm_imap_reader_enter(&in, &t);
	while (lm_imap_read(&in, &in_t) == LM_IMAP_TOK_ATOM)
		ev->list.attrs |= attr_bit(&in_t);
	if (in_t.type != LM_IMAP_TOK_END)
		return LM_ERR_PROTOCOL;
	lm_imap_read(r, &t);
	if (t.type == LM_IMAP_TOK_NIL) {
		ev->list.delim = -1;
	} else if (t.type == LM_IMAP_TOK_STRING && t.s.len >= 1) {
		ev->list.delim = (t.esc && t.s.len == 2) ? t.s.p[1] : t.s.p[0];
	} else {
		return LM_ERR_PROTOCOL;
	}
	lm_imap_read(r, &t);
	if (t.type != LM_IMAP_TOK_STRING && t.type != LM_IMAP_TOK_ATOM &&
	    t.type != LM_IMAP_TOK_NUMBER && t.type != LM_IMAP_TOK_NIL)
		return LM_ERR_PROTOCOL;
	if (set_mailbox(c, ev, &t) < 0)
		return LM_ERR_PROTOCOL;
	lm_imap__skip_sp(r->p, r->len, &r->pos);
	if (r->pos < r->len) {
		ev->list.ext.p = r->p + r->pos;
		ev->list.ext.len = r->len - r->pos;
		/* CHILDINFO ("SUBSCRIBED") (RFC 5258) */
		{
			lm_imap_reader x;
			lm_imap_tok k, v;
			lm_imap_reader_init(&x, ev->list.ext);
			if (lm_imap_read(&x, &t) == LM_IMAP_TOK_OPEN) {
				lm_imap_reader_enter(&x, &t);
				while (lm_imap_read(&x, &k) != LM_IMAP_TOK_END &&
				       k.type != LM_IMAP_TOK_ERROR) {
					if (lm_imap_read(&x, &v) == LM_IMAP_TOK_END)
						break;
					if (lm_imap_tok_eq(&k, "CHILDINFO") &&
					    v.type == LM_IMAP_TOK_OPEN) {
						lm_imap_reader y;
						lm_imap_tok z;
						lm_imap_reader_enter(&y, &v);
						while (lm_imap_read(&y, &z) == LM_IMAP_TOK_STRING)
							if (lm_imap_tok_eq(&z, "SUBSCRIBED"))
								ev->list.attrs |= LM_IMAP_MBX_CHILD_SUBSCRIBED;
					}
				}
			}
		}
	}
	return 0;
}

/* "STATUS mailbox (k v ...)" after the keyword. */
static int
parse_status(lm_imap_client *c, lm_imap_event *ev, lm_imap_reader *r)
{
	lm_imap_tok t, k, v;
	lm_imap_reader in;

	lm_imap_read(r, &t);
	if (t.type == LM_IMAP_TOK_OPEN || t.type == LM_IMAP_TOK_ERROR ||
	    t.type == LM_IMAP_TOK_END || set_mailbox(c, ev, &t) < 0)
		return LM_ERR_PROTOCOL;
	if (lm_imap_read(r, &t) != LM_IMAP_TOK_OPEN)
		return LM_ERR_PROTOCOL;
	lm_imap_reader_enter(&in, &t);
	while (lm_imap_read(&in, &k) == LM_IMAP_TOK_ATOM) {
		if (lm_imap_read(&in, &v) != LM_IMAP_TOK_NUMBER)
			return LM_ERR_PROTOCOL;
		if (lm_imap_tok_eq(&k, "MESSAGES")) {
			ev->st.messages = (uint32_t)v.num; ev->st.have |= LM_IMAP_ST_MESSAGES;
		} else if (lm_imap_tok_eq(&k, "RECENT")) {
			ev->st.recent = (uint32_t)v.num; ev->st.have |= LM_IMAP_ST_RECENT;
		} else if (lm_imap_tok_eq(&k, "UIDNEXT")) {
			ev->st.uidnext = (uint32_t)v.num; ev->st.have |= LM_IMAP_ST_UIDNEXT;
		} else if (lm_imap_tok_eq(&k, "UIDVALIDITY")) {
			ev->st.uidvalidity = (uint32_t)v.num; ev->st.have |= LM_IMAP_ST_UIDVALIDITY;
		} else if (lm_imap_tok_eq(&k, "UNSEEN")) {
			ev->st.unseen = (uint32_t)v.num; ev->st.have |= LM_IMAP_ST_UNSEEN;
		} else if (lm_imap_tok_eq(&k, "DELETED")) {
			ev->st.deleted = (uint32_t)v.num; ev->st.have |= LM_IMAP_ST_DELETED;
		} else if (lm_imap_tok_eq(&k, "SIZE")) {
			ev->st.size = v.num; ev->st.have |= LM_IMAP_ST_SIZE;
		} else if (lm_imap_tok_eq(&k, "HIGHESTMODSEQ")) {
			ev->st.highestmodseq = v.num; ev->st.have |= LM_IMAP_ST_HIGHESTMODSEQ;
		} else if (lm_imap_tok_eq(&k, "APPENDLIMIT")) {
			ev->st.appendlimit = v.num; ev->st.have |= LM_IMAP_ST_APPENDLIMIT;
		}
	}
	return 0;
}

/* "ESEARCH [(TAG "x")] [UID] (name value)*" after the keyword. */
static int
parse_esearch(lm_imap_event *ev, lm_imap_reader *r)
{
	lm_imap_tok t, v;
	lm_imap_reader save = *r;

	if (lm_imap_read(r, &t) == LM_IMAP_TOK_OPEN) {
		lm_imap_reader in;
		lm_imap_tok k;
		lm_imap_reader_enter(&in, &t);
		if (lm_imap_read(&in, &k) == LM_IMAP_TOK_ATOM && lm_imap_tok_eq(&k, "TAG") &&
		    lm_imap_read(&in, &v) == LM_IMAP_TOK_STRING)
			ev->esearch.tag = v.s;
		save = *r;
		lm_imap_read(r, &t);
	}
	if (t.type == LM_IMAP_TOK_ATOM && lm_imap_tok_eq(&t, "UID")) {
		ev->esearch.uid = 1;
		save = *r;
		lm_imap_read(r, &t);
	}
	*r = save;
	for (;;) {
		lm_imap_read(r, &t);
		if (t.type == LM_IMAP_TOK_END)
			return 0;
		if (t.type != LM_IMAP_TOK_ATOM)
			return LM_ERR_PROTOCOL;
		lm_imap_read(r, &v);
		if (v.type == LM_IMAP_TOK_END || v.type == LM_IMAP_TOK_ERROR)
			return LM_ERR_PROTOCOL;
		if (lm_imap_tok_eq(&t, "MIN") && v.type == LM_IMAP_TOK_NUMBER) {
			ev->esearch.min = (uint32_t)v.num; ev->esearch.have |= LM_IMAP_ESEARCH_MIN;
		} else if (lm_imap_tok_eq(&t, "MAX") && v.type == LM_IMAP_TOK_NUMBER) {
			ev->esearch.max = (uint32_t)v.num; ev->esearch.have |= LM_IMAP_ESEARCH_MAX;
		} else if (lm_imap_tok_eq(&t, "COUNT") && v.type == LM_IMAP_TOK_NUMBER) {
			ev->esearch.count = (uint32_t)v.num; ev->esearch.have |= LM_IMAP_ESEARCH_COUNT;
		} else if (lm_imap_tok_eq(&t, "ALL")) {
			ev->esearch.all = v.s; ev->esearch.have |= LM_IMAP_ESEARCH_ALL;
		} else if (lm_imap_tok_eq(&t, "MODSEQ") && v.type == LM_IMAP_TOK_NUMBER) {
			ev->esearch.modseq = v.num; ev->esearch.have |= LM_IMAP_ESEARCH_MODSEQ;
		}
	}
}

/* Count the UIDs of a set "1,3:5" (for the VANISHED bookkeeping) into
 * *count (at most 2^32 - 1). Returns 1, or 0 when s is not a set of
 * UIDs (RFC 3501 uid-set: nz-number 1..2^32-1, ':' ranges, ','). */
static int
set_count(lm_slice s, uint32_t *count)
{
	size_t i = 0;
	uint64_t total = 0;
	for (;;) {
		uint64_t a, b;
		if (!lm_imap__parse_num(s.p, s.len, &i, &a) || a == 0 || a > 0xffffffffu)
			return 0;
		b = a;
		if (i < s.len && s.p[i] == ':') {
			i++;
			if (!lm_imap__parse_num(s.p, s.len, &i, &b) || b == 0 ||
			    b > 0xffffffffu)
				return 0;
		}
		total += (a > b ? a - b : b - a) + 1;
		if (i == s.len)
			break;
		if (s.p[i] != ',')
			return 0;
		i++;
	}
	*count = total > 0xffffffffu ? 0xffffffffu : (uint32_t)total;
	return 1;
}

/* SEARCH numbers p[i..n): split a trailing "(MODSEQ n)". */
void
lm_imap__search_nums(lm_imap_event *ev, const unsigned char *p, size_t n, size_t i)
{
	size_t e = n, k;
	lm_imap__skip_sp(p, n, &i);
	for (k = i; k < n; k++)
		if (p[k] == '(') {
			size_t j = k + 1;
			uint64_t v;
			e = k;
			if (n - j > 7 && lm_core__ieqz(p + j, 6, "MODSEQ")) {
				j += 6;
				lm_imap__skip_sp(p, n, &j);
				if (lm_imap__parse_num(p, n, &j, &v))
					ev->search.modseq = v;
			}
			break;
		}
	while (e > i && p[e - 1] == ' ')
		e--;
	ev->search.nums.p = p + i;
	ev->search.nums.len = e - i;
}

/* ------------------------------------------------------------------ */
/* one untagged response                                               */
/* ------------------------------------------------------------------ */

/* "* n WORD" with n 0 or past 32 bits (num; UINT64_MAX past 64 bits,
 * with i at its first digit, else i after WORD). EXISTS and EXPUNGE set
 * the message numbering: one that cannot be read leaves every later
 * sequence number in doubt, so no resync (see imap.h); others are
 * skipped (LM_ERR_PROTOCOL, not sticky), 0 is fine for them (0: go on). */
static LM_IMAP__COLD int
bad_number(lm_imap_client *c, const unsigned char *p, size_t n, size_t i,
           uint64_t num)
{
	lm_slice kw;

	if (num == UINT64_MAX) {
		while (i < n && lm_imap__is_digit(p[i]))
			i++;
		if (i >= n || p[i] != ' ')
			return LM_ERR_PROTOCOL;
		i++;
		kw = lm_imap__word(p, n, &i);
	} else {
		size_t j = i;          /* back over WORD */
		while (j > 0 && p[j - 1] != ' ')
			j--;
		kw.p = p + j;
		kw.len = i - j;
	}
	if (lm_core__ieqz(kw.p, kw.len, "EXPUNGE") ||
	    (num != 0 && lm_core__ieqz(kw.p, kw.len, "EXISTS")))
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	return num != 0 ? LM_ERR_PROTOCOL : 0;
}

/* see internal.h */
int
lm_imap__untagged(lm_imap_client *c, lm_imap_event *ev, const unsigned char *p,
                  size_t n)
{
	size_t i = 2;
	lm_slice kw;
	uint64_t num;
	lm_imap_reader r;
	lm_slice rest;
	int rc;

	if (n < 3 || p[1] != ' ')
		return LM_ERR_PROTOCOL;
	if (lm_imap__is_digit(p[i])) {
		if (!lm_imap__parse_num(p, n, &i, &num))
			return bad_number(c, p, n, i, UINT64_MAX);
		if (i >= n || p[i] != ' ')
			return LM_ERR_PROTOCOL;
		i++;
		kw = lm_imap__word(p, n, &i);
		if (num - 1 >= 0xffffffffu && (rc = bad_number(c, p, n, i, num)) != 0)
			return rc;
		ev->num = (uint32_t)num;
		if (lm_core__ieqz(kw.p, kw.len, "EXISTS")) {
			ev->type = LM_IMAP_EV_EXISTS;
			if (!mbx_stale(c))
				c->mbx.exists = (uint32_t)num;
			attribute(c, ev, B(LM_IMAP_CMD_SELECT) | B(LM_IMAP_CMD_EXAMINE));
		} else if (lm_core__ieqz(kw.p, kw.len, "RECENT")) {
			ev->type = LM_IMAP_EV_RECENT;
			if (!mbx_stale(c))
				c->mbx.recent = (uint32_t)num;
			attribute(c, ev, B(LM_IMAP_CMD_SELECT) | B(LM_IMAP_CMD_EXAMINE));
		} else if (lm_core__ieqz(kw.p, kw.len, "EXPUNGE")) {
			ev->type = LM_IMAP_EV_EXPUNGE;
			if (!mbx_stale(c)) {
				if (c->mbx.exists > 0)
					c->mbx.exists--;
				c->mbx.expunged++;
			}
			attribute(c, ev, B(LM_IMAP_CMD_EXPUNGE) | B(LM_IMAP_CMD_UID_EXPUNGE) |
			          B(LM_IMAP_CMD_MOVE) | B(LM_IMAP_CMD_CLOSE));
		} else if (lm_core__ieqz(kw.p, kw.len, "FETCH")) {
			lm_imap__skip_sp(p, n, &i);
			if (i >= n || p[i] != '(')
				return LM_ERR_PROTOCOL;
			i++;
			ev->type = LM_IMAP_EV_FETCH_BEGIN;
			attribute(c, ev, B(LM_IMAP_CMD_FETCH) | B(LM_IMAP_CMD_STORE));
			c->f_seq = (uint32_t)num;
			c->f_uid = 0;
			c->f_damaged = 0;
			c->f_handle = ev->handle;
			c->f_cmd = ev->cmd;
			ev->fetch.seq = c->f_seq;
			c->mode = LM_IMAP__M_FETCH;
			lm_imap__trace(c, 'S', p, i);
			c->io.ipos = (size_t)(p - c->io.ibuf) + i;
			return LM_EVENT + 1;     /* unit continues */
		} else {
			ev->type = LM_IMAP_EV_UNKNOWN;
			ev->value = kw;
			ev->text.p = p;
			ev->text.len = n;
		}
		return LM_EVENT;
	}
	kw = lm_imap__word(p, n, &i);
	rest.p = p + i;
	rest.len = n - i;
	lm_imap_reader_init(&r, rest);
	if (lm_core__ieqz(kw.p, kw.len, "OK") || lm_core__ieqz(kw.p, kw.len, "NO") ||
	    lm_core__ieqz(kw.p, kw.len, "BAD") || lm_core__ieqz(kw.p, kw.len, "BYE") ||
	    lm_core__ieqz(kw.p, kw.len, "PREAUTH")) {
		switch (lm_core__upper(kw.p[0])) {
		case 'O': ev->status = LM_IMAP_OK; break;
		case 'N': ev->status = LM_IMAP_NO; break;
		case 'P': ev->status = LM_IMAP_PREAUTH; break;
		default:
			ev->status = lm_core__upper(kw.p[1]) == 'A' ? LM_IMAP_BAD : LM_IMAP_BYE;
		}
		lm_imap__parse_resp_text(c, ev, p, n, i);
		if (c->state == LM_IMAP_STATE_GREETING) {
			ev->type = LM_IMAP_EV_GREETING;
			ev->cmd = LM_IMAP_CMD_GREETING;
			if (ev->status == LM_IMAP_OK) {
				lm_imap__set_state(c, LM_IMAP_STATE_NOT_AUTH);
			} else if (ev->status == LM_IMAP_PREAUTH) {
				if (c->opts.require_tls && !c->tls)
					return lm_imap__fail(c, LM_ERR_NO_STARTTLS);
				lm_imap__set_state(c, LM_IMAP_STATE_AUTH);
			} else if (ev->status == LM_IMAP_BYE) {
				c->bye = 1;
				lm_imap__set_state(c, LM_IMAP_STATE_LOGOUT);
			} else {
				return lm_imap__fail(c, LM_ERR_PROTOCOL);
			}
			return LM_EVENT;
		}
		if (ev->status == LM_IMAP_PREAUTH)
			return LM_ERR_PROTOCOL;
		/* Where a [CLOSED] would count (RFC 7162 3.2.11: what came
		 * before it was about the old mailbox), one without its ']'
		 * leaves the boundary unknown: not closed would count the old
		 * mailbox's EXPUNGE, VANISHED and MODSEQs for the new one,
		 * closed would be a guess. */
		if (c->sel_tag != 0 && !mbx_stale(c) && closed_unterminated(ev))
			return lm_imap__fail(c, LM_ERR_PROTOCOL);
		if (ev->code.code == LM_IMAP_CODE_CAPABILITY)
			c->lg_heard = lg_window(c);
		ev->type = LM_IMAP_EV_STATUS;
		if (ev->status == LM_IMAP_BYE) {
			c->bye = 1;
			lm_imap__set_state(c, LM_IMAP_STATE_LOGOUT);
		}
		if (c->q_count > 0 && lm_imap__heard(c, 0)) {
			ev->cmd = (lm_imap_cmd)c->q[0].cmd;
			ev->handle = c->q[0].tag;
		}
		return LM_EVENT;
	}
	if (c->state == LM_IMAP_STATE_GREETING)
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	if (lm_core__ieqz(kw.p, kw.len, "CAPABILITY")) {
		lm_imap__skip_sp(p, n, &i);
		while (n > i && p[n - 1] == ' ')
			n--;
		lm_imap__caps_set(c, p + i, n - i);
		c->lg_heard = lg_window(c);
		ev->type = LM_IMAP_EV_CAPABILITY;
		ev->text.p = p + i;
		ev->text.len = n - i;
		attribute(c, ev, B(LM_IMAP_CMD_CAPABILITY) | B(LM_IMAP_CMD_LOGIN) |
		          B(LM_IMAP_CMD_AUTHENTICATE) | B(LM_IMAP_CMD_STARTTLS));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "ENABLED")) {
		lm_imap_tok t;
		/* RFC 5161 3.2: ENABLED answers ENABLE, and only for what
		 * it asked. It counts while an ENABLE is the oldest
		 * outstanding command (the server answers in order) and
		 * was queued before the response began, for the
		 * extensions that ENABLE named; anything else (after TLS,
		 * during another command, received before the ENABLE was
		 * queued, an extension not asked for) is reported
		 * unattributed and changes nothing: it must not switch the
		 * mailbox name encoding. */
		int mine = c->q_count > 0 && c->q[0].cmd == LM_IMAP_CMD_ENABLE &&
		           lm_imap__heard(c, 0);
		unsigned ask = mine ? c->q[0].en : 0;
		ev->type = LM_IMAP_EV_ENABLED;
		lm_imap__skip_sp(p, n, &i);
		ev->text.p = p + i;
		ev->text.len = n - i;
		while (lm_imap_read(&r, &t) == LM_IMAP_TOK_ATOM)
			c->enabled |= lm_imap__en_bits(t.s.p, t.s.len) & ask;
		if (mine)
			attribute(c, ev, B(LM_IMAP_CMD_ENABLE));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "LIST") || lm_core__ieqz(kw.p, kw.len, "LSUB")) {
		ev->type = LM_IMAP_EV_LIST;
		ev->list.lsub = lm_core__upper(kw.p[1]) == 'S';
		rc = parse_list(c, ev, &r);
		if (rc < 0)
			return rc;
		attribute(c, ev, B(LM_IMAP_CMD_LIST) | B(LM_IMAP_CMD_LSUB));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "STATUS")) {
		ev->type = LM_IMAP_EV_STATUS_DATA;
		rc = parse_status(c, ev, &r);
		if (rc < 0)
			return rc;
		attribute(c, ev, B(LM_IMAP_CMD_STATUS) | B(LM_IMAP_CMD_LIST));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "SEARCH") || lm_core__ieqz(kw.p, kw.len, "SORT")) {
		size_t k;
		ev->type = LM_IMAP_EV_SEARCH;
		for (k = i; k < n; k++)
			if (!lm_imap__is_digit(p[k]) && p[k] != ' ' && p[k] != '(' &&
			    p[k] != ')' && lm_core__upper(p[k]) < 'A')
				return LM_ERR_PROTOCOL;
		lm_imap__search_nums(ev, p, n, i);
		attribute(c, ev, B(LM_IMAP_CMD_SEARCH));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "ESEARCH")) {
		ev->type = LM_IMAP_EV_ESEARCH;
		rc = parse_esearch(ev, &r);
		if (rc < 0)
			return rc;
		attribute(c, ev, B(LM_IMAP_CMD_SEARCH));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "VANISHED")) {
		lm_imap_tok t;
		lm_imap_reader save = r;
		uint32_t k;
		ev->type = LM_IMAP_EV_VANISHED;
		if (lm_imap_read(&r, &t) == LM_IMAP_TOK_OPEN) {
			ev->vanished.earlier = 1;
		} else {
			r = save;
		}
		/* expunged messages (see EXPUNGE): no resync */
		if ((lm_imap_read(&r, &t) != LM_IMAP_TOK_ATOM &&
		     t.type != LM_IMAP_TOK_NUMBER) || !set_count(t.s, &k))
			return lm_imap__fail(c, LM_ERR_PROTOCOL);
		ev->vanished.uids = t.s;
		if (!ev->vanished.earlier && !mbx_stale(c)) {
			c->mbx.exists = c->mbx.exists > k ? c->mbx.exists - k : 0;
			c->mbx.vanished += k;
		}
		attribute(c, ev, B(LM_IMAP_CMD_SELECT) | B(LM_IMAP_CMD_EXAMINE) |
		          B(LM_IMAP_CMD_FETCH) | B(LM_IMAP_CMD_EXPUNGE) |
		          B(LM_IMAP_CMD_UID_EXPUNGE) | B(LM_IMAP_CMD_MOVE));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "FLAGS")) {
		lm_imap_tok t;
		if (lm_imap_read(&r, &t) != LM_IMAP_TOK_OPEN)
			return LM_ERR_PROTOCOL;
		ev->type = LM_IMAP_EV_FLAGS;
		ev->value.p = t.s.p + 1;
		ev->value.len = t.s.len - 2;
		if (!mbx_stale(c)) {
			c->flags_len = keep_flags(c->flags, sizeof c->flags, ev->value);
			c->mbx.flags.p = c->flags;
			c->mbx.flags.len = c->flags_len;
		}
		attribute(c, ev, B(LM_IMAP_CMD_SELECT) | B(LM_IMAP_CMD_EXAMINE));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "NAMESPACE") || lm_core__ieqz(kw.p, kw.len, "ID") ||
	    lm_core__ieqz(kw.p, kw.len, "QUOTA") || lm_core__ieqz(kw.p, kw.len, "QUOTAROOT")) {
		lm_imap_tok t;
		int k = lm_core__upper(kw.p[0]) == 'N' ? 0 :
		        lm_core__upper(kw.p[0]) == 'I' ? 1 : kw.len == 5 ? 2 : 3;
		if (k >= 2) {
			lm_imap_read(&r, &t);
			if (t.type != LM_IMAP_TOK_STRING && t.type != LM_IMAP_TOK_ATOM &&
			    t.type != LM_IMAP_TOK_NUMBER)
				return LM_ERR_PROTOCOL;
			if (set_mailbox(c, ev, &t) < 0)
				return LM_ERR_PROTOCOL;
		}
		lm_imap__skip_sp(r.p, r.len, &r.pos);
		ev->value.p = r.p + r.pos;
		ev->value.len = r.len - r.pos;
		/* check the value is well formed */
		{
			lm_imap_reader v = r;
			while (lm_imap_read(&v, &t) != LM_IMAP_TOK_END)
				if (t.type == LM_IMAP_TOK_ERROR || t.type == LM_IMAP_TOK_CLOSE)
					return LM_ERR_PROTOCOL;
		}
		switch (k) {
		case 0:
			ev->type = LM_IMAP_EV_NAMESPACE;
			attribute(c, ev, B(LM_IMAP_CMD_NAMESPACE));
			break;
		case 1:
			ev->type = LM_IMAP_EV_ID;
			attribute(c, ev, B(LM_IMAP_CMD_ID));
			break;
		case 2:
			ev->type = LM_IMAP_EV_QUOTA;
			attribute(c, ev, B(LM_IMAP_CMD_GETQUOTA) | B(LM_IMAP_CMD_GETQUOTAROOT));
			break;
		default:
			ev->type = LM_IMAP_EV_QUOTAROOT;
			attribute(c, ev, B(LM_IMAP_CMD_GETQUOTAROOT));
			break;
		}
		return LM_EVENT;
	}
	/* LM_IMAP_LENIENT_RESYNC: unknown response kept raw */
	ev->type = LM_IMAP_EV_UNKNOWN;
	ev->value = kw;
	ev->text.p = p;
	ev->text.len = n;
	return LM_EVENT;
}

/* A long SEARCH line: deliver the numbers before the last space. */
int
lm_imap__search_piece(lm_imap_client *c, lm_imap_event *ev, int first)
{
	const unsigned char *p = c->io.ibuf;
	size_t s = c->io.ipos, e = c->io.iend;

	if (first)
		s += 9;                                 /* "* SEARCH " */
	while (e > s && p[e - 1] != ' ')
		e--;
	if (e <= s)
		return lm_imap__fail(c, LM_ERR_LINE_TOO_LONG);
	{
		size_t k;
		for (k = s; k < e; k++)
			if (!lm_imap__is_digit(p[k]) && p[k] != ' ')
				return lm_imap__fail(c, LM_ERR_PROTOCOL);
	}
	ev->type = LM_IMAP_EV_SEARCH;
	if (first)
		attribute(c, ev, B(LM_IMAP_CMD_SEARCH));
	else {
		ev->handle = c->s_handle;
		ev->cmd = c->s_handle ? LM_IMAP_CMD_SEARCH : LM_IMAP_CMD_NONE;
	}
	c->s_handle = ev->handle;
	ev->search.nums.p = p + s;
	ev->search.nums.len = e - 1 - s;
	ev->search.more = 1;
	c->io.ipos = e;
	c->scan = c->io.ipos;
	c->mode = LM_IMAP__M_SEARCH;
	return LM_EVENT;
}
