/*
 * libmail - IMAP client engine: FETCH responses, one item per event
 * (lm_imap__fetch_item()), and the HIGHESTMODSEQ their MODSEQ items may
 * raise. lm_imap_next() (imap.c) streams the body-section literals.
 */
#include <string.h>

#include "libmail/core.h"
#include "internal.h"
#include "../core/io.h"

/* ------------------------------------------------------------------ */
/* HIGHESTMODSEQ from MODSEQ items (RFC 7162 section 6; imap.h tells
 * the rules at lm_imap_mailbox)                                         */
/* ------------------------------------------------------------------ */

/* Largest mod-sequence (RFC 7162 section 7: unsigned 63-bit). */
#define MODSEQ_MAX 0x7fffffffffffffffull

/* A MODSEQ item of the FETCH response being read: it may raise
 * HIGHESTMODSEQ later if it is a mod-sequence and the response began
 * while no FETCH command was outstanding (attribute(), untagged.c,
 * named the oldest FETCH or STORE in f_cmd: only for STORE is the queue
 * looked at; no command can complete in the middle of a response). */
static void
modseq_item(lm_imap_client *c, uint64_t v)
{
	if (v <= MODSEQ_MAX &&
	    (c->f_cmd == LM_IMAP_CMD_NONE ||
	     (c->f_cmd == LM_IMAP_CMD_STORE &&
	      lm_imap__q_oldest(c, 1ull << LM_IMAP_CMD_FETCH) < 0)))
		c->ms_fetch = v;
}

/* A FETCH response ended: its MODSEQ (modseq_item()) is a candidate,
 * unless the response was damaged, which may have hidden a change.
 * Called where FETCH_END events are made, only when there is something
 * to do, so that FETCH responses without MODSEQ pay one test. */
LM_IMAP__COLD void
lm_imap__modseq_fetch_end(lm_imap_client *c, int damaged)
{
	if (damaged)
		c->ms_hold = 1;
	else if (c->ms_fetch > c->ms_max)
		c->ms_max = c->ms_fetch;
	c->ms_fetch = 0;
}

/* A tagged response arrived (its code already applied) after MODSEQ
 * values or a hold (lm_imap__modseq_tagged()): raise HIGHESTMODSEQ from the
 * values when nothing held it, and start a new period. */
static LM_IMAP__COLD void
modseq_period_end(lm_imap_client *c)
{
	if (!c->ms_hold && c->mbx.selected && !c->mbx.nomodseq &&
	    c->mbx.highestmodseq != 0 && c->ms_max > c->mbx.highestmodseq)
		c->mbx.highestmodseq = c->ms_max;
	c->ms_max = 0;
	c->ms_hold = 0;
}

/* A tagged response arrived: one test when nothing happened since the
 * previous one (out of line otherwise, to keep lm_imap_next() small). */
void
lm_imap__modseq_tagged(lm_imap_client *c)
{
	if ((c->ms_max | (uint64_t)c->ms_hold) != 0)
		modseq_period_end(c);
}

/* ------------------------------------------------------------------ */
/* FETCH items                                                         */
/* ------------------------------------------------------------------ */

/* The bytes that end a FETCH item name. */
static const unsigned char item_name_end[256] = {
	[' '] = 1, ['('] = 1, [')'] = 1, ['['] = 1, ['"'] = 1, ['{'] = 1
};

/* The item named s[0..n) (case-insensitive), LM_IMAP_ITEM_OTHER for an
 * unknown name: one comparison, chosen by length and first letter. */
static lm_imap_item
item_of(const unsigned char *s, size_t n)
{
	const char *name = NULL;
	lm_imap_item it = LM_IMAP_ITEM_OTHER;

	if (n < 3)
		return LM_IMAP_ITEM_OTHER;
	switch (n) {
	case 3: name = "UID"; it = LM_IMAP_ITEM_UID; break;
	case 4: name = "BODY"; it = LM_IMAP_ITEM_BODY; break;
	case 5: name = "FLAGS"; it = LM_IMAP_ITEM_FLAGS; break;
	case 6:
		if (lm_core__upper(s[0]) == 'R') {
			name = "RFC822"; it = LM_IMAP_ITEM_RFC822;
		} else {
			name = "MODSEQ"; it = LM_IMAP_ITEM_MODSEQ;
		}
		break;
	case 7: name = "EMAILID"; it = LM_IMAP_ITEM_EMAILID; break;
	case 8:
		switch (lm_core__upper(s[0])) {
		case 'E': name = "ENVELOPE"; it = LM_IMAP_ITEM_ENVELOPE; break;
		case 'T': name = "THREADID"; it = LM_IMAP_ITEM_THREADID; break;
		default: name = "SAVEDATE"; it = LM_IMAP_ITEM_SAVEDATE; break;
		}
		break;
	case 11:
		if (lm_core__upper(s[7]) == 'S') {
			name = "RFC822.SIZE"; it = LM_IMAP_ITEM_RFC822_SIZE;
		} else {
			name = "RFC822.TEXT"; it = LM_IMAP_ITEM_RFC822_TEXT;
		}
		break;
	case 12: name = "INTERNALDATE"; it = LM_IMAP_ITEM_INTERNALDATE; break;
	case 13:
		if (lm_core__upper(s[0]) == 'B') {
			name = "BODYSTRUCTURE"; it = LM_IMAP_ITEM_BODYSTRUCTURE;
		} else {
			name = "RFC822.HEADER"; it = LM_IMAP_ITEM_RFC822_HEADER;
		}
		break;
	default:
		return LM_IMAP_ITEM_OTHER;
	}
	return lm_core__ieqz(s, n, name) ? it : LM_IMAP_ITEM_OTHER;
}

/* The bytes after which a flag list is left to lm_imap_read(): they may
 * start a nested list, a string or a literal, or end the line. */
static const unsigned char flags_stop[256] = {
	['('] = 1, [')'] = 1, ['"'] = 1, ['{'] = 1, ['~'] = 1, ['\r'] = 1,
	['\n'] = 1
};

/* A flat flag list "(\Seen $Label)" at p[0] == '(': its length, as
 * lm_imap_read() gives it (depth 1); 0 when it holds anything else
 * (lm_imap_read() then reads it). */
static size_t
flags_span(const unsigned char *p, size_t n)
{
	size_t j = 1;

	while (j < n && !flags_stop[p[j]])
		j++;
	return j < n && p[j] == ')' ? j + 1 : 0;
}

/* The names of the items almost every FETCH response holds, checked in
 * place: the offset after the name at p[i] and its kind when it is one
 * of them and a byte that ends names follows; else 0 (then the bytes up
 * to such a byte are the name, as they are here). */
static size_t
item_usual(const unsigned char *p, size_t n, size_t i, lm_imap_item *item)
{
	const char *name;
	size_t k;
	lm_imap_item it;

	switch (p[i] | 0x20) {
	case 'u': name = "UID"; k = 3; it = LM_IMAP_ITEM_UID; break;
	case 'f': name = "FLAGS"; k = 5; it = LM_IMAP_ITEM_FLAGS; break;
	case 'r': name = "RFC822.SIZE"; k = 11; it = LM_IMAP_ITEM_RFC822_SIZE; break;
	case 'e': name = "ENVELOPE"; k = 8; it = LM_IMAP_ITEM_ENVELOPE; break;
	case 'b': name = "BODYSTRUCTURE"; k = 13; it = LM_IMAP_ITEM_BODYSTRUCTURE; break;
	default: return 0;
	}
	if (n - i <= k || !item_name_end[p[i + k]] || !lm_core__ieqz(p + i, k, name))
		return 0;
	*item = it;
	return i + k;
}

/* Fill ev for one body-section value at the end of a FETCH unit or
 * inline (quoted string / NIL). */
void
lm_imap__fetch_common(lm_imap_client *c, lm_imap_event *ev)
{
	ev->cmd = (lm_imap_cmd)c->f_cmd;
	ev->handle = c->f_handle;
	ev->fetch.seq = c->f_seq;
	ev->fetch.uid = c->f_uid;
}

/* see internal.h */
void
lm_imap__fetch_section_fields(lm_imap_client *c, lm_imap_event *ev)
{
	ev->fetch.item = (lm_imap_item)c->f_item;
	ev->fetch.section.p = c->sect;
	ev->fetch.section.len = c->sect_len;
	ev->fetch.name.p = c->fname;
	ev->fetch.name.len = c->fname_len;
	ev->fetch.has_origin = c->f_has_origin;
	ev->fetch.origin = c->f_origin;
}

/*
 * Parse one FETCH item at ipos within the unit. Returns LM_EVENT, 0 when
 * the item list ended (FETCH_END delivered as event: also LM_EVENT), or
 * LM_ERR_PROTOCOL when the item cannot be parsed (caller resyncs).
 */
int
lm_imap__fetch_item(lm_imap_client *c, lm_imap_event *ev)
{
	const unsigned char *p = c->io.ibuf;
	size_t n = c->unit_lend, i = c->io.ipos, ns, ne;
	lm_imap_item item = LM_IMAP_ITEM_OTHER;
	int section = 0;

	lm_imap__skip_sp(p, n, &i);
	lm_imap__fetch_common(c, ev);
	if (i < n && p[i] == ')') {
		i++;
		lm_imap__skip_sp(p, n, &i);
		if (i != n || c->unit_lit)
			return LM_ERR_PROTOCOL;
		ev->type = LM_IMAP_EV_FETCH_END;
		ev->fetch.damaged = c->f_damaged;
		if ((c->ms_fetch | (uint64_t)c->f_damaged) != 0)
			lm_imap__modseq_fetch_end(c, c->f_damaged);
		c->mode = LM_IMAP__M_LINE;
		lm_imap__trace(c, 'S', p + c->io.ipos, n - c->io.ipos);
		lm_imap__unit_done(c);
		return LM_EVENT;
	}
	if (i >= n)
		return LM_ERR_PROTOCOL;
	/* item name, with [section] and <origin> */
	ns = i;
	if ((i = item_usual(p, n, ns, &item)) == 0) {
		i = ns;
		while (i < n && !item_name_end[p[i]])
			i++;
		item = item_of(p + ns, i - ns);
	}
	ne = i;
	if (i < n && p[i] == '[') {
		size_t ss = i + 1;
		unsigned d = 0;
		while (i < n && p[i] != ']') {
			if (p[i] == '(')
				d++;
			i++;
		}
		if (i >= n)
			return LM_ERR_PROTOCOL;
		if (i - ss > sizeof c->sect)
			return lm_imap__fail(c, LM_ERR_LIMIT);
		memcpy(c->sect, p + ss, i - ss);
		c->sect_len = i - ss;
		i++;
		section = 1;
		if (item == LM_IMAP_ITEM_BODY || lm_core__ieqz(p + ns, ne - ns, "BODY.PEEK"))
			item = LM_IMAP_ITEM_BODY_SECTION;
		else if (lm_core__ieqz(p + ns, ne - ns, "BINARY") ||
		         lm_core__ieqz(p + ns, ne - ns, "BINARY.PEEK"))
			item = LM_IMAP_ITEM_BINARY;
		else if (lm_core__ieqz(p + ns, ne - ns, "BINARY.SIZE"))
			item = LM_IMAP_ITEM_BINARY_SIZE;
		else
			item = LM_IMAP_ITEM_OTHER;
		(void)d;
		c->f_has_origin = 0;
		c->f_origin = 0;
		if (i < n && p[i] == '<') {
			uint64_t v;
			i++;
			if (!lm_imap__parse_num(p, n, &i, &v) || i >= n || p[i] != '>')
				return LM_ERR_PROTOCOL;
			i++;
			c->f_has_origin = 1;
			c->f_origin = v;
		}
	} else {
		c->sect_len = 0;
		c->f_has_origin = 0;
		c->f_origin = 0;
	}
	if (i - ns > sizeof c->fname)
		return lm_imap__fail(c, LM_ERR_LIMIT);
	ev->fetch.name.p = p + ns;
	ev->fetch.name.len = i - ns;
	ev->fetch.item = item;
	lm_imap__skip_sp(p, n, &i);
	if (item == LM_IMAP_ITEM_BODY_SECTION || item == LM_IMAP_ITEM_BINARY ||
	    item == LM_IMAP_ITEM_RFC822 || item == LM_IMAP_ITEM_RFC822_HEADER ||
	    item == LM_IMAP_ITEM_RFC822_TEXT) {
		/* the name outlives the input for the data events
		 * (lm_imap__fetch_section_fields()): other items need no copy. The
		 * name only (checked against sizeof c->fname above), not the
		 * spaces after it: any number may follow */
		memcpy(c->fname, ev->fetch.name.p, ev->fetch.name.len);
		c->fname_len = ev->fetch.name.len;
		c->f_item = item;
		if (i == n && c->unit_lit) {
			/* the value is the streamed literal after this unit */
			lm_imap__trace(c, 'S', p + c->io.ipos, n - c->io.ipos);
			c->io.ipos = c->unit_end;
			c->scan = c->io.ipos;
			c->unit_end = c->unit_lend = 0;
			c->lit_left = c->lit_total;
			c->mode = LM_IMAP__M_STREAM;
			if (c->lit_total > 0)
				return 0;        /* data events follow */
			lm_imap__fetch_section_fields(c, ev);
			ev->type = LM_IMAP_EV_FETCH_DATA;
			ev->fetch.data.p = p + c->io.ipos;
			ev->fetch.last = 1;
			c->mode = LM_IMAP__M_FETCH;
			return LM_EVENT;
		}
		{
			lm_imap_reader r;
			lm_imap_tok t;
			lm_slice s;
			s.p = p + i;
			s.len = n - i;
			lm_imap_reader_init(&r, s);
			lm_imap_read(&r, &t);
			if (t.type == LM_IMAP_TOK_NIL) {
				ev->fetch.nil = 1;
			} else if (t.type != LM_IMAP_TOK_STRING) {
				return LM_ERR_PROTOCOL;
			}
			if (t.esc) {
				/* a quoted value with \" or \\: unescape in place
				 * (these input bytes are consumed by this item) */
				unsigned char *q = (unsigned char *)(uintptr_t)t.s.p;
				size_t a, w = 0;
				for (a = 0; a < t.s.len; a++) {
					if (q[a] == '\\' && a + 1 < t.s.len)
						a++;
					q[w++] = q[a];
				}
				t.s.len = w;
			}
			lm_imap__fetch_section_fields(c, ev);
			ev->type = LM_IMAP_EV_FETCH_DATA;
			ev->fetch.data = t.s;
			ev->fetch.total = t.s.len;
			ev->fetch.last = 1;
			lm_imap__trace(c, 'S', p + c->io.ipos, i + r.pos - c->io.ipos);
			c->io.ipos = i + r.pos;
			return LM_EVENT;
		}
	}
	(void)section;
	/* other items: a value token */
	{
		lm_imap_reader r;
		lm_imap_tok t;
		lm_slice s;
		s.p = p + i;
		s.len = n - i;
		lm_imap_reader_init(&r, s);
		if (i < n && p[i] == '(' && (item == LM_IMAP_ITEM_ENVELOPE ||
		    item == LM_IMAP_ITEM_BODYSTRUCTURE || item == LM_IMAP_ITEM_BODY)) {
			/* what lm_imap_read() gives, with the ends of the lists
			 * inside recorded for lm_imap_fetch_envelope() (address
			 * lists, depth 2) and lm_imap_fetch_body() (all levels)
			 * in the same scan */
			unsigned d;
			size_t e = lm_imap__list_tab(p + i, n - i, &d, &ev->tab,
			    item == LM_IMAP_ITEM_ENVELOPE ? 2 : LM_IMAP__TAB_LEVELS);
			if (e == 0) {
				ev->tab.base = NULL;
				return LM_ERR_PROTOCOL;
			}
			t.type = LM_IMAP_TOK_OPEN;
			t.s.p = p + i;
			t.s.len = e;
			t.esc = 0;
			t.num = 0;
			t.depth = d;
			r.pos = e;
		} else if (item == LM_IMAP_ITEM_FLAGS && i < n && p[i] == '(' &&
		           (t.s.len = flags_span(p + i, n - i)) != 0) {
			t.type = LM_IMAP_TOK_OPEN;
			t.s.p = p + i;
			t.esc = 0;
			t.num = 0;
			t.depth = 1;
			r.pos = t.s.len;
		} else {
			lm_imap_read(&r, &t);
		}
		if (t.type == LM_IMAP_TOK_ERROR || t.type == LM_IMAP_TOK_END ||
		    t.type == LM_IMAP_TOK_CLOSE)
			return LM_ERR_PROTOCOL;
		ev->type = LM_IMAP_EV_FETCH_ITEM;
		ev->fetch.value = t.s;
		switch (item) {
		case LM_IMAP_ITEM_FLAGS:
			if (t.type != LM_IMAP_TOK_OPEN)
				return LM_ERR_PROTOCOL;
			ev->fetch.value.p++;
			ev->fetch.value.len -= 2;
			break;
		case LM_IMAP_ITEM_UID:
		case LM_IMAP_ITEM_RFC822_SIZE:
		case LM_IMAP_ITEM_BINARY_SIZE:
			if (t.type != LM_IMAP_TOK_NUMBER)
				return LM_ERR_PROTOCOL;
			ev->fetch.num = t.num;
			if (item == LM_IMAP_ITEM_UID) {
				c->f_uid = (uint32_t)t.num;
				ev->fetch.uid = c->f_uid;
			}
			break;
		case LM_IMAP_ITEM_MODSEQ:
		case LM_IMAP_ITEM_EMAILID:
		case LM_IMAP_ITEM_THREADID:
			if (t.type == LM_IMAP_TOK_OPEN) {
				lm_imap_reader in;
				lm_imap_tok v;
				lm_imap_reader_enter(&in, &t);
				lm_imap_read(&in, &v);
				ev->fetch.value = v.s;
				ev->fetch.num = v.num;
				if (item == LM_IMAP_ITEM_MODSEQ) {
					if (v.type != LM_IMAP_TOK_NUMBER)
						return LM_ERR_PROTOCOL;
					modseq_item(c, v.num);
				}
			} else if (t.type != LM_IMAP_TOK_NIL) {
				return LM_ERR_PROTOCOL;
			}
			break;
		case LM_IMAP_ITEM_ENVELOPE:
		case LM_IMAP_ITEM_BODYSTRUCTURE:
		case LM_IMAP_ITEM_BODY: {
			unsigned depth = t.depth;
			if (t.type != LM_IMAP_TOK_OPEN)
				return LM_ERR_PROTOCOL;
			if (depth > LM_IMAP_DEPTH_MAX)
				return LM_ERR_PROTOCOL;
			break;
		}
		case LM_IMAP_ITEM_INTERNALDATE:
		case LM_IMAP_ITEM_SAVEDATE:
			if (t.type != LM_IMAP_TOK_STRING && t.type != LM_IMAP_TOK_NIL)
				return LM_ERR_PROTOCOL;
			break;
		default:
			if (t.type == LM_IMAP_TOK_NUMBER)
				ev->fetch.num = t.num;
			break;
		}
		lm_imap__trace(c, 'S', p + c->io.ipos, i + r.pos - c->io.ipos);
		c->io.ipos = i + r.pos;
		return LM_EVENT;
	}
}

/* Resync inside a FETCH: skip to the end of the response. */
void
lm_imap__fetch_damage(lm_imap_client *c)
{
	c->f_damaged = 1;
	if (c->unit_lit) {
		c->lit_left = c->lit_total;
		c->io.ipos = c->unit_end;
		c->scan = c->io.ipos;
		c->unit_end = c->unit_lend = 0;
		c->mode = LM_IMAP__M_SKIPLIT;
	} else {
		lm_imap__unit_done(c);
		c->mode = LM_IMAP__M_LINE;
	}
}
