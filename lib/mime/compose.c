/*
 * libmail - streaming message composer (see mime.h).
 *
 * The message is a chain of at most three multipart levels (mixed >
 * alternative > related, each only when needed) over a list of leaves
 * (text, HTML, inline parts, attachments); a level is the range of
 * leaves it holds, so no tree is stored. The output is a sequence of
 * sections: the message header, then per leaf a part header (with the
 * delimiters and headers of the levels that begin there) and a body,
 * then the close delimiters of the levels that end with it. Header sections are rendered by deterministic
 * functions into a window of the virtual output (lm_mime__w), resuming
 * at each stage refill from the last complete token (m->hpos), so the
 * work stays linear in the header size; bodies are encoded from their
 * source with the core's streaming encoders (lm_qp_enc, lm_b64_enc). Everything
 * goes through the fixed stage buffer, from which lm_mime_compose_read()
 * copies.
 */
#include <string.h>

#include "libmail/core.h"
#include "libmail/mime.h"
#include "internal.h"

enum {
	PH_HEAD = 1,    /* the message header and the blank line */
	PH_PART_HEAD,   /* delimiter and header of part m->part */
	PH_BODY,        /* body of the current part (or the message) */
	PH_CLOSE,       /* closing delimiter / final CRLF */
	PH_DONE
};

enum { CTE_7BIT = 1, CTE_QP, CTE_B64 };

/* Leaf kinds and multipart levels. */
enum { LEAF_TEXT = 1, LEAF_HTML, LEAF_ATT };
enum { CT_MIXED = 1, CT_ALT, CT_REL };

static const char lm_mime__hexu[] = "0123456789ABCDEF";

/* Room kept free in the stage before encoding more input (the core
 * encoders take what fits; see also LM_MIME__B64_TEXT_CHUNK). */
#define LM_MIME__BODY_ROOM 96

/* ------------------------------------------------------------------ */
/* Validation                                                          */
/* ------------------------------------------------------------------ */

/* Header text: no CR, LF (NUL ends the C string), well-formed UTF-8. */
static int
ok_text(const char *s)
{
	size_t n;
	if (s == NULL)
		return 0;
	n = strlen(s);
	if (memchr(s, '\r', n) || memchr(s, '\n', n))
		return 0;
	return lm_core__utf8_valid(s, n);
}

static int
ok_addr(const char *a)
{
	size_t n, i, at = 0, nat = 0;
	if (a == NULL)
		return 0;
	n = strlen(a);
	if (n < 3 || n > 254 || !lm_core__utf8_valid(a, n))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a[i];
		if (c < 0x21 || c == 0x7F || strchr("<>,;()\"\\", c) != NULL)
			return 0;
		if (c == '@') {
			at = i;
			nat++;
		}
	}
	return nat >= 1 && at > 0 && at + 1 < n && a[0] != '@';
}

static int
ok_mailbox(const lm_mime_mailbox *mb)
{
	return ok_addr(mb->addr) && (mb->name == NULL || ok_text(mb->name));
}

static int
ok_msgid(const char *s)
{
	size_t n = strlen(s), i;
	const char *at = strchr(s, '@');
	if (n == 0 || n > 250 || at == NULL || at == s || at[1] == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x21 || c > 0x7E || c == '<' || c == '>')
			return 0;
	}
	return 1;
}

/* Printable ASCII and tabs, no white-space-free run over maxrun. */
static int
ok_raw(const char *s, size_t maxrun)
{
	size_t run = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == ' ' || c == '\t') {
			run = 0;
			continue;
		}
		if (c < 0x21 || c > 0x7E || ++run > maxrun)
			return 0;
	}
	return 1;
}

/* Length of the RFC 2045 token (ASCII only) at s; 0 when there is none. */
static size_t
tok_len(const char *s)
{
	size_t n = 0;
	while (s[n] > 0x20 && s[n] < 0x7F && strchr("()<>@,;:\\\"/[]?=", s[n]) == NULL)
		n++;
	return n;
}

static const char *
skip_wsp(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* "type/subtype", both RFC 2045 tokens of at most 64 characters
 * (RFC 6838 4.2), then any "; attribute=value" with a token or a
 * quoted-string value, white space around them: what a reader parses
 * back as given (a stray tspecial or an open quote would change the
 * type or swallow the composer's own parameters). */
static int
ok_ctype(const char *s0)
{
	const char *s = s0;
	size_t k = tok_len(s);

	if (k == 0 || k > 64 || s[k] != '/')
		return 0;
	s += k + 1;
	k = tok_len(s);
	if (k == 0 || k > 64)
		return 0;
	for (s = skip_wsp(s + k); *s == ';'; s = skip_wsp(s)) {
		s = skip_wsp(s + 1);
		k = tok_len(s);
		if (k == 0 || s[k] != '=')
			return 0;
		s += k + 1;
		if (*s != '"') {
			k = tok_len(s);
			if (k == 0)
				return 0;
			s += k;
			continue;
		}
		for (s++; *s != '"'; s++) {
			if (*s == '\0')
				return 0;
			if (*s == '\\' && s[1] != '\0')
				s++;
		}
		s++;
	}
	return *s == '\0' && strlen(s0) <= 900 && ok_raw(s0, 200);
}

static int
ieq(const char *a, size_t n, const char *b)
{
	size_t i;
	if (strlen(b) != n)
		return 0;
	for (i = 0; i < n; i++) {
		char c = a[i], d = b[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (d >= 'A' && d <= 'Z')
			d = (char)(d - 'A' + 'a');
		if (c != d)
			return 0;
	}
	return 1;
}

/* A Content-ID without <>: printable ASCII, no '<', '>' or space. */
static int
ok_cid(const char *s)
{
	size_t n = strlen(s), i;
	if (n == 0 || n > 250)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x21 || c > 0x7E || c == '<' || c == '>')
			return 0;
	}
	return 1;
}

static int
ok_extra(const char *h, int reply_to)
{
	static const char *const own[] = {
		"Date", "From", "To", "Cc", "Bcc", "Subject", "Message-ID",
		"MIME-Version", "Content-Type", "Content-Transfer-Encoding",
		"Content-Disposition"
	};
	const char *colon;
	size_t n, i;

	if (h == NULL || (colon = strchr(h, ':')) == NULL)
		return 0;
	n = (size_t)(colon - h);
	if (n == 0 || n > 76)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)h[i] < 0x21 || (unsigned char)h[i] > 0x7E)
			return 0;
	for (i = 0; i < sizeof own / sizeof own[0]; i++)
		if (ieq(h, n, own[i]))
			return 0;
	if (reply_to && ieq(h, n, "Reply-To"))
		return 0;
	return ok_raw(colon + 1, 900);
}

/* Attachment i of att[] then parts[], as an lm_mime_part. */
static void
get_part(const lm_mime_compose_opts *o, size_t i, lm_mime_part *p)
{
	if (i < o->natt) {
		const lm_mime_attachment *a = &o->att[i];
		memset(p, 0, sizeof *p);
		p->filename = a->filename;
		p->content_type = a->content_type;
		p->read = a->read;
		p->ud = a->ud;
	} else {
		*p = o->parts[i - o->natt];
	}
}

static int
validate(const lm_mime_compose_opts *o)
{
	size_t i;
	char date[LM_MIME_DATE_LEN + 1];

	if (o->version != LM_MIME_COMPOSE_VERSION)
		return LM_ERR_BAD_PARAM;
	if (!ok_mailbox(&o->from))
		return LM_ERR_BAD_PARAM;
	if ((o->nto && o->to == NULL) || (o->ncc && o->cc == NULL) ||
	    (o->nreply_to && o->reply_to == NULL) ||
	    (o->natt && o->att == NULL) || (o->nparts && o->parts == NULL) ||
	    (o->nextra && o->extra_headers == NULL))
		return LM_ERR_BAD_PARAM;
	for (i = 0; i < o->nto; i++)
		if (!ok_mailbox(&o->to[i]))
			return LM_ERR_BAD_PARAM;
	for (i = 0; i < o->ncc; i++)
		if (!ok_mailbox(&o->cc[i]))
			return LM_ERR_BAD_PARAM;
	for (i = 0; i < o->nreply_to; i++)
		if (!ok_mailbox(&o->reply_to[i]))
			return LM_ERR_BAD_PARAM;
	if (o->subject != NULL && !ok_text(o->subject))
		return LM_ERR_BAD_PARAM;
	if (o->message_id != NULL && !ok_msgid(o->message_id))
		return LM_ERR_BAD_PARAM;
	if (lm_mime_date_format(o->date, o->tz_offset_min, date, sizeof date, NULL) != 0)
		return LM_ERR_BAD_PARAM;
	if ((o->text != NULL && o->text_read != NULL) ||
	    (o->text == NULL && o->text_len > 0))
		return LM_ERR_BAD_PARAM;
	if ((o->html != NULL && o->html_read != NULL) ||
	    (o->html == NULL && o->html_len > 0))
		return LM_ERR_BAD_PARAM;
	for (i = 0; i < o->natt + o->nparts; i++) {
		lm_mime_part pt;
		const lm_mime_part *a = &pt;
		get_part(o, i, &pt);
		if ((a->read == NULL) == (a->data == NULL) ||
		    (a->data == NULL && a->len > 0))
			return LM_ERR_BAD_PARAM;
		if (a->content_id != NULL && !ok_cid(a->content_id))
			return LM_ERR_BAD_PARAM;
		if (a->filename != NULL && !ok_text(a->filename))
			return LM_ERR_BAD_PARAM;
		if (a->content_type != NULL && !ok_ctype(a->content_type))
			return LM_ERR_BAD_PARAM;
	}
	for (i = 0; i < o->nextra; i++)
		if (!ok_extra(o->extra_headers[i], o->nreply_to > 0))
			return LM_ERR_BAD_PARAM;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Choosing the text encoding                                          */
/* ------------------------------------------------------------------ */

static int
contains(const unsigned char *h, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;
	if (k == 0 || k > n)
		return 0;
	for (i = 0; i + k <= n; i++)
		if (h[i] == (unsigned char)needle[0] && memcmp(h + i, needle, k) == 0)
			return 1;
	return 0;
}

static int
choose_cte(const unsigned char *t, size_t n, const char *hex)
{
	size_t i, line = 0, bad = 0, lfs = 0, qp, b64;
	int seven = 1;

	for (i = 0; i < n; i++) {
		unsigned char c = t[i];
		if (c == '\n') {
			if (line > 998)
				seven = 0;
			line = 0;
			if (i == 0 || t[i - 1] != '\r')
				lfs++;
			continue;
		}
		if (c == '\r' && i + 1 < n && t[i + 1] == '\n')
			continue;
		line++;
		if (c >= 0x80 || (c < 0x20 && c != '\t') || c == 0x7F) {
			seven = 0;
			bad++;
		} else if (c == '=') {
			bad++;
		}
	}
	if (line > 998)
		seven = 0;
	if (seven && hex != NULL && contains(t, n, hex))
		seven = 0;
	if (seven)
		return CTE_7BIT;
	qp = n + 2 * bad + n / 25;
	b64 = (n + lfs + 2) / 3 * 4;
	b64 += b64 / 76 * 2;
	return qp <= b64 ? CTE_QP : CTE_B64;
}

/* The encoding of an attachment held in memory, whose bytes must come
 * back exactly: 7bit or quoted-printable (text types only) need every
 * line end to be CRLF already (a lone CR or LF would be changed), and
 * no NUL. */
static int
choose_att_cte(const unsigned char *t, size_t n, int is_text, const char *hex)
{
	size_t i, line = 0, bad = 0, qp, b64;
	int seven = 1;

	for (i = 0; i < n; i++) {
		unsigned char c = t[i];
		if (c == '\r' && i + 1 < n && t[i + 1] == '\n') {
			if (line > 998)
				seven = 0;
			line = 0;
			i++;
			continue;
		}
		if (c == '\r' || c == '\n' || c == 0)
			return CTE_B64;
		line++;
		if (c >= 0x80 || (c < 0x20 && c != '\t') || c == 0x7F) {
			seven = 0;
			bad++;
		} else if (c == '=') {
			bad++;
		}
	}
	if (line > 998)
		seven = 0;
	if (seven && contains(t, n, hex))
		seven = 0;
	if (seven)
		return CTE_7BIT;
	if (!is_text)
		return CTE_B64;
	qp = n + 2 * bad + n / 25;
	b64 = (n + 2) / 3 * 4;
	b64 += b64 / 76 * 2;
	return qp <= b64 ? CTE_QP : CTE_B64;
}

/* ------------------------------------------------------------------ */
/* Header sections                                                     */
/* ------------------------------------------------------------------ */

static const char *
cte_name(int cte)
{
	return cte == CTE_7BIT ? "7bit" : cte == CTE_QP ? "quoted-printable" : "base64";
}

static int
multipart(const lm_mime_compose *m)
{
	return m->nct > 0;
}

/* The attachment of the current leaf. */
static const lm_mime_part *
cur_att(const lm_mime_compose *m)
{
	return m->ltype == LEAF_ATT ? &m->cur : NULL;
}

/* Whether attachment a belongs to pass 1 (inline parts of the related)
 * or pass 2 (the others). */
static int
att_in_pass(const lm_mime_compose *m, size_t i, int pass)
{
	int rel = m->ninline > 0 && i >= m->o.natt &&
	          m->o.parts[i - m->o.natt].content_id != NULL;
	return pass == 1 ? rel : !rel;
}

/* Enter leaf m->part: its kind, its attachment, its encoding. Leaves
 * are the text, the HTML, the inline parts, then the other attachments;
 * the attachment cursor only moves forward (linear in natt). */
static void
leaf_enter(lm_mime_compose *m)
{
	size_t i, p = m->part;

	if (p < (size_t)m->has_text) {
		m->ltype = LEAF_TEXT;
		m->pcte = m->cte;
		return;
	}
	if (p < (size_t)(m->has_text + m->has_html)) {
		m->ltype = LEAF_HTML;
		m->pcte = m->hcte;
		return;
	}
	m->ltype = LEAF_ATT;
	if (m->apass == 0) {
		m->apass = m->ninline > 0 ? 1 : 2;
		i = 0;
	} else {
		i = m->aidx + 1;
	}
	for (;;) {
		for (; i < m->o.natt + m->o.nparts; i++)
			if (att_in_pass(m, i, m->apass))
				break;
		if (i < m->o.natt + m->o.nparts || m->apass == 2)
			break;
		m->apass = 2;
		i = 0;
	}
	m->aidx = i;
	get_part(&m->o, i, &m->cur);
	{
		const lm_mime_part *a = &m->cur;
		const char *ct = a->content_type != NULL ? a->content_type :
		                 lm_mime_guess_type(a->filename);
		int is_text = ieq(ct, ct[0] != 0 && strlen(ct) >= 5 ? 5 : 0, "text/");
		if (a->read != NULL)
			m->pcte = CTE_B64;
		else
			m->pcte = choose_att_cte(a->data, a->len, is_text,
			                         m->boundary[0] + 2);
	}
}

/* The innermost multipart level holding leaf p. */
static int
parent_of(const lm_mime_compose *m, size_t p)
{
	int j;
	for (j = m->nct - 1; j > 0; j--)
		if (m->ct_first[j] <= p && p < m->ct_end[j])
			return j;
	return 0;
}

/* A delimiter line of level j (with the CRLF before it unless it opens
 * the level). */
static void
w_delim(const lm_mime_compose *m, lm_mime__w *w, int j)
{
	if (m->part != m->ct_first[j])
		lm_mime__w_str(w, "\r\n");
	lm_mime__w_str(w, "--");
	lm_mime__w_str(w, m->boundary[j]);
	lm_mime__w_str(w, "\r\n");
}

/* Content-Type of multipart level j and the blank line. */
static void
w_multipart(const lm_mime_compose *m, lm_mime__w *w, int j)
{
	const char *b = m->boundary[j];
	int k = m->ct_kind[j];

	lm_mime__w_str(w, k == CT_MIXED ? "Content-Type: multipart/mixed;" :
	               k == CT_ALT ? "Content-Type: multipart/alternative;" :
	               "Content-Type: multipart/related;");
	w->tok = 1;
	if (k == CT_REL) {
		lm_mime__w_sep(w, 17, LM_MIME__FOLD);
		lm_mime__w_str(w, "type=\"text/html\";");
	}
	lm_mime__w_sep(w, 11 + strlen(b), LM_MIME__FOLD);
	lm_mime__w_str(w, "boundary=\"");
	lm_mime__w_str(w, b);
	lm_mime__w_str(w, "\"\r\n\r\n");
}

/* Content-Type and encoding of a text or HTML leaf. */
static void
w_text_head(const lm_mime_compose *m, lm_mime__w *w)
{
	lm_mime__w_str(w, m->ltype == LEAF_HTML ?
	               "Content-Type: text/html; charset=utf-8\r\n" :
	               "Content-Type: text/plain; charset=utf-8\r\n");
	lm_mime__w_str(w, "Content-Transfer-Encoding: ");
	lm_mime__w_str(w, cte_name(m->pcte));
	lm_mime__w_str(w, "\r\n");
}


/* An address-list field; each mailbox (with its comma) is a token,
 * the field name goes with the first, the CRLF with the last. */
static int
w_list(lm_mime__w *w, const char *field, const lm_mime_mailbox *mb, size_t n)
{
	lm_mime_compose_pos *c = &w->cur;

	while (c->item < n) {
		size_t i = c->item;
		if (i == 0 && c->sub == 0)
			lm_mime__w_field(w, field);
		if (!lm_mime__w_mailbox(w, mb[i].name, mb[i].addr, i + 1 < n ? 1 : 0))
			return 0;
		if (i + 1 < n)
			lm_mime__w_put(w, ",", 1);
		else
			lm_mime__w_end(w);
		c->item = i + 1;
		c->sub = 0;
		if (c->item < n && lm_mime__w_mark(w))
			return 0;
	}
	return 1;
}

/* Fields of the message header, in order. */
enum {
	HF_DATE, HF_FROM, HF_TO, HF_CC, HF_REPLYTO, HF_SUBJECT, HF_MSGID, HF_VERSION,
	HF_EXTRA, HF_CTYPE, HF_END
};

/* Move the cursor to the next field and mark. Returns 1 to stop. */
static int
next_field(lm_mime__w *w)
{
	w->cur.field++;
	w->cur.item = 0;
	w->cur.sub = 0;
	w->cur.pos = 0;
	return lm_mime__w_mark(w);
}

/* The message header, from the cursor on. Returns 1 when complete,
 * 0 when it stopped at a mark. */
static int
render_head(const lm_mime_compose *m, lm_mime__w *w)
{
	const lm_mime_compose_opts *o = &m->o;
	lm_mime_compose_pos *c = &w->cur;
	char date[LM_MIME_DATE_LEN + 1];

	for (;;) {
		switch (c->field) {
		case HF_DATE:
			(void)lm_mime_date_format(o->date, o->tz_offset_min, date,
			                          sizeof date, NULL);
			lm_mime__w_field(w, "Date");
			lm_mime__w_put(w, " ", 1);
			lm_mime__w_str(w, date);
			lm_mime__w_end(w);
			break;
		case HF_FROM:
			if (!w_list(w, "From", &o->from, 1))
				return 0;
			break;
		case HF_TO:
			if (!w_list(w, "To", o->to, o->nto))
				return 0;
			break;
		case HF_CC:
			if (!w_list(w, "Cc", o->cc, o->ncc))
				return 0;
			break;
		case HF_REPLYTO:
			if (!w_list(w, "Reply-To", o->reply_to, o->nreply_to))
				return 0;
			break;
		case HF_SUBJECT:
			if (o->subject == NULL)
				break;
			if (c->sub == 0) {
				lm_mime__w_field(w, "Subject");
				lm_mime__w_text_begin(w, o->subject);
				c->sub = 1;
			}
			if (!lm_mime__w_text(w, o->subject))
				return 0;
			lm_mime__w_end(w);
			break;
		case HF_MSGID:
			if (o->message_id == NULL)
				break;
			lm_mime__w_field(w, "Message-ID");
			lm_mime__w_sep(w, strlen(o->message_id) + 2, LM_MIME__FOLD);
			lm_mime__w_put(w, "<", 1);
			lm_mime__w_str(w, o->message_id);
			lm_mime__w_put(w, ">", 1);
			lm_mime__w_end(w);
			break;
		case HF_VERSION:
			lm_mime__w_str(w, "MIME-Version: 1.0\r\n");
			break;
		case HF_EXTRA:
			/* One character of a value per token (see lm_mime__w_raw). */
			while (c->item < o->nextra) {
				const char *h = o->extra_headers[c->item];
				const char *colon = strchr(h, ':');
				if (c->sub == 0) {
					lm_mime__w_put(w, h, (size_t)(colon - h) + 1);
					w->tok = 0;
					c->pos = 0;
					c->sub = 1;
				}
				if (!lm_mime__w_raw(w, colon + 1))
					return 0;
				lm_mime__w_end(w);
				c->item++;
				c->sub = 0;
				if (c->item < o->nextra && lm_mime__w_mark(w))
					return 0;
			}
			break;
		case HF_CTYPE:
			if (multipart(m)) {
				w_multipart(m, w, 0);
			} else {
				w_text_head(m, w);
				lm_mime__w_str(w, "\r\n");
			}
			break;
		default:
			return 1;
		}
		if (next_field(w))
			return 0;
	}
}

/* Steps of a part header. */
enum { PF_OPEN, PF_DELIM, PF_CTYPE, PF_NAME, PF_CTE, PF_CID, PF_DISP,
       PF_FILENAME, PF_BLANK, PF_END };

/* The delimiter and header of part m->part, from the cursor on. */
static int
render_part_head(const lm_mime_compose *m, lm_mime__w *w)
{
	const lm_mime_part *a = cur_att(m);
	lm_mime_compose_pos *c = &w->cur;
	int has_name = a != NULL && a->filename != NULL && a->filename[0] != 0;

	for (;;) {
		switch (c->field) {
		case PF_OPEN:
			/* Levels below the top that begin at this leaf. */
			while (c->item < (size_t)m->nct) {
				int j = (int)c->item;
				if (j > 0 && m->ct_first[j] == m->part) {
					w_delim(m, w, j - 1);
					w_multipart(m, w, j);
				}
				c->item++;
				if (lm_mime__w_mark(w))
					return 0;
			}
			break;
		case PF_DELIM:
			w_delim(m, w, parent_of(m, m->part));
			if (a == NULL) {
				w_text_head(m, w);
				lm_mime__w_str(w, "\r\n");
				return 1;
			}
			lm_mime__w_field(w, "Content-Type");
			lm_mime__w_put(w, " ", 1);
			break;
		case PF_CTYPE:
			if (a->content_type != NULL) {
				if (!lm_mime__w_raw(w, a->content_type))
					return 0;
			} else {
				lm_mime__w_str(w, lm_mime_guess_type(a->filename));
			}
			w->tok = 1;
			break;
		case PF_NAME:
			if (has_name && !lm_mime__w_fileparam(w, a->filename, 0))
				return 0;
			break;
		case PF_CTE:
			lm_mime__w_end(w);
			lm_mime__w_str(w, "Content-Transfer-Encoding: ");
			lm_mime__w_str(w, cte_name(m->pcte));
			lm_mime__w_str(w, "\r\n");
			break;
		case PF_CID:
			if (a->content_id != NULL) {
				lm_mime__w_field(w, "Content-ID");
				lm_mime__w_sep(w, strlen(a->content_id) + 2, LM_MIME__FOLD);
				lm_mime__w_put(w, "<", 1);
				lm_mime__w_str(w, a->content_id);
				lm_mime__w_put(w, ">", 1);
				lm_mime__w_end(w);
			}
			break;
		case PF_DISP:
			lm_mime__w_str(w, a->content_id != NULL ?
			               "Content-Disposition: inline" :
			               "Content-Disposition: attachment");
			w->tok = 1;
			break;
		case PF_FILENAME:
			if (has_name && !lm_mime__w_fileparam(w, a->filename, 1))
				return 0;
			break;
		case PF_BLANK:
			lm_mime__w_end(w);
			lm_mime__w_str(w, "\r\n");
			break;
		default:
			return 1;
		}
		if (next_field(w))
			return 0;
	}
}

/* After the body of leaf m->part: the close delimiters of the levels
 * that end with it, innermost first. */
static int
render_close(const lm_mime_compose *m, lm_mime__w *w)
{
	int j;

	if (!multipart(m)) {
		if (!m->bol)
			lm_mime__w_str(w, "\r\n");
		return 1;
	}
	for (j = m->nct - 1; j >= 0; j--) {
		if (m->ct_end[j] != m->part + 1)
			continue;
		lm_mime__w_str(w, "\r\n--");
		lm_mime__w_str(w, m->boundary[j]);
		lm_mime__w_str(w, j == 0 ? "--\r\n" : "--");
	}
	return 1;
}

/* Render a header section into the stage, continuing where the last
 * call stopped: from the resume point m->hpos (the last token boundary
 * at or before m->skip), dropping the bytes before m->skip. Returns 1
 * when the section is complete. */
static int
render(lm_mime_compose *m, int (*fn)(const lm_mime_compose *, lm_mime__w *))
{
	lm_mime__w w;
	int done;

	lm_mime__w_init(&w, m->stage, sizeof m->stage, m->skip, &m->hpos);
	done = fn(m, &w);
	m->rendered += w.nput;
	m->slen = w.len;
	m->spos = 0;
	if (done && w.total <= w.end) {
		m->skip = 0;
		memset(&m->hpos, 0, sizeof m->hpos);
		return 1;
	}
	m->skip += w.len;
	return 0;
}

/* see internal.h */
size_t
lm_mime__compose_rendered(const lm_mime_compose *m)
{
	return m->rendered;
}

/* ------------------------------------------------------------------ */
/* Bodies                                                              */
/* ------------------------------------------------------------------ */

static void
body_start(lm_mime_compose *m)
{
	const lm_mime_part *a = cur_att(m);

	m->src_read = NULL;
	m->src_ud = NULL;
	m->src_mem = NULL;
	m->src_len = 0;
	m->src_off = 0;
	m->src_eof = 0;
	m->pend_cr = 0;
	m->bol = 1;
	m->enc = m->pcte;
	lm_qp_enc_init(&m->qp, LM_QP_TEXT);
	lm_b64_enc_init(&m->b64, LM_B64_WRAP);
	if (a == NULL) {
		int html = m->ltype == LEAF_HTML;
		lm_read_fn rd = html ? m->o.html_read : m->o.text_read;
		m->crlf = 1;
		if (rd != NULL) {
			m->src_read = rd;
			m->src_ud = html ? m->o.html_ud : m->o.text_ud;
		} else {
			m->src_mem = (const unsigned char *)(html ? m->o.html : m->o.text);
			m->src_len = html ? m->o.html_len : m->o.text_len;
			m->src_eof = 1;
		}
	} else {
		/* Attachment bytes are kept as they are (7bit and QP were
		 * only chosen for CRLF-only content). */
		m->crlf = 0;
		if (a->read != NULL) {
			m->src_read = a->read;
			m->src_ud = a->ud;
		} else {
			m->src_mem = a->data;
			m->src_len = a->len;
			m->src_eof = 1;
		}
	}
}

static void
out(lm_mime_compose *m, const void *p, size_t n)
{
	memcpy(m->stage + m->slen, p, n);
	m->slen += n;
	m->bol = ((const unsigned char *)p)[n - 1] == '\n';
}

/* Account for n bytes an encoder wrote at the end of the stage. */
static void
wrote(lm_mime_compose *m, size_t n)
{
	if (n > 0) {
		m->slen += n;
		m->bol = m->stage[m->slen - 1] == '\n';
	}
}

/* Input bytes fed to base64 per call when bare LF become CRLF: at most
 * twice that after conversion, whose encoding with line breaks stays
 * below LM_MIME__BODY_ROOM, so the encoder always takes all of it. */
#define LM_MIME__B64_TEXT_CHUNK 32

/* Encode what the source has into the stage (never more than fits,
 * the stage has at least LM_MIME__BODY_ROOM free). */
static void
encode_some(lm_mime_compose *m)
{
	const unsigned char *p = m->src_mem + m->src_off;
	size_t avail = m->src_len - m->src_off;
	char *dst = (char *)m->stage + m->slen;
	size_t cap = sizeof m->stage - m->slen, used = 0, n = 0, i;

	switch (m->enc) {
	case CTE_7BIT:
		/* Validated: ASCII, CR only before LF. One byte may become two. */
		for (i = 0; i < avail && sizeof m->stage - m->slen >= 2; i++) {
			if (p[i] == '\n' && !m->pend_cr)
				out(m, "\r\n", 2);
			else
				out(m, p + i, 1);
			m->pend_cr = p[i] == '\r';
		}
		m->src_off += i;
		return;
	case CTE_QP:
		(void)lm_qp_enc_update(&m->qp, p, avail, dst, cap, &used, &n);
		m->src_off += used;
		wrote(m, n);
		return;
	default:
		if (!m->crlf) {
			(void)lm_b64_enc_update(&m->b64, p, avail, dst, cap, &used, &n);
			m->src_off += used;
			wrote(m, n);
			return;
		} else {
			unsigned char tmp[2 * LM_MIME__B64_TEXT_CHUNK];
			size_t k = 0;
			for (i = 0; i < avail && i < LM_MIME__B64_TEXT_CHUNK; i++) {
				if (p[i] == '\n' && !m->pend_cr)
					tmp[k++] = '\r';
				tmp[k++] = p[i];
				m->pend_cr = p[i] == '\r';
			}
			(void)lm_b64_enc_update(&m->b64, tmp, k, dst, cap, &used, &n);
			/* used == k: the room was checked (see above). */
			m->src_off += i;
			wrote(m, n);
			return;
		}
	}
}

/* Flush the encoder. Returns 1 when done, 0 when the stage filled. */
static int
encode_final(lm_mime_compose *m)
{
	char *dst = (char *)m->stage + m->slen;
	size_t cap = sizeof m->stage - m->slen, n = 0;
	int r = 0;

	if (m->enc == CTE_QP)
		r = lm_qp_enc_final(&m->qp, dst, cap, &n);
	else if (m->enc == CTE_B64)
		r = lm_b64_enc_final(&m->b64, dst, cap, &n);
	wrote(m, n);
	return r == 0;
}

/* Fill the stage from the body source. Returns 1 when the body is
 * complete, 0 when there is more, or a callback's error. */
static int
body_step(lm_mime_compose *m)
{
	for (;;) {
		if (sizeof m->stage - m->slen < LM_MIME__BODY_ROOM)
			return 0;
		if (m->src_off == m->src_len) {
			size_t got = 0;
			int r;
			if (m->src_eof || m->src_read == NULL)
				return encode_final(m);
			r = m->src_read(m->src_ud, m->in, sizeof m->in, &got);
			if (r < 0)
				return r;
			if (r > 0 || got > sizeof m->in)
				return LM_ERR_CALLBACK;
			if (got == 0) {
				m->src_eof = 1;
				continue;
			}
			m->src_mem = m->in;
			m->src_len = got;
			m->src_off = 0;
			continue;
		}
		encode_some(m);
	}
}

/* ------------------------------------------------------------------ */
/* Driver                                                              */
/* ------------------------------------------------------------------ */

/* Produce the next piece of output into the (empty) stage. */
static int
step(lm_mime_compose *m)
{
	int r;

	m->slen = 0;
	m->spos = 0;
	switch (m->phase) {
	case PH_HEAD:
		if (render(m, render_head)) {
			if (multipart(m)) {
				m->phase = PH_PART_HEAD;
			} else {
				m->phase = PH_BODY;
				body_start(m);
			}
		}
		return 0;
	case PH_PART_HEAD:
		if (render(m, render_part_head)) {
			m->phase = PH_BODY;
			body_start(m);
		}
		return 0;
	case PH_BODY:
		r = body_step(m);
		if (r < 0)
			return r;
		if (r == 1)
			m->phase = PH_CLOSE;
		return 0;
	case PH_CLOSE:
		if (render(m, render_close)) {
			if (++m->part < m->nleaves) {
				leaf_enter(m);
				m->phase = PH_PART_HEAD;
			} else {
				m->phase = PH_DONE;
			}
		}
		return 0;
	default:
		return 0;
	}
}

/* see mime.h */
int
lm_mime_compose_init(lm_mime_compose *m, const lm_mime_compose_opts *o)
{
	int r;
	size_t i;

	if (m == NULL)
		return LM_ERR_BAD_PARAM;
	memset(m, 0, sizeof *m);
	if (o == NULL) {
		m->err = LM_ERR_BAD_PARAM;
		return m->err;
	}
	r = validate(o);
	if (r != 0) {
		m->err = r;
		return r;
	}
	m->o = *o;
	/* "=_" + hex for the top level, "=1_" / "=2_" + hex inside. */
	m->boundary[0][0] = '=';
	m->boundary[0][1] = '_';
	for (i = 0; i < sizeof o->boundary_seed; i++) {
		m->boundary[0][2 + 2 * i] = lm_mime__hexu[o->boundary_seed[i] >> 4];
		m->boundary[0][3 + 2 * i] = lm_mime__hexu[o->boundary_seed[i] & 15];
	}
	m->boundary[0][2 + 2 * sizeof o->boundary_seed] = 0;
	for (i = 1; i < 3; i++) {
		m->boundary[i][0] = '=';
		m->boundary[i][1] = (char)('0' + i);
		memcpy(m->boundary[i] + 2, m->boundary[0] + 1, 34);
	}

	/* The structure: leaves text, HTML, inline parts, attachments;
	 * levels mixed > alternative > related, each only when needed. */
	m->has_html = o->html != NULL || o->html_read != NULL;
	m->has_text = o->text != NULL || o->text_read != NULL ||
	              (o->natt + o->nparts == 0 && !m->has_html);
	if (m->has_html)
		for (i = 0; i < o->nparts; i++)
			if (o->parts[i].content_id != NULL)
				m->ninline++;
	m->nleaves = (size_t)(m->has_text + m->has_html) + o->natt + o->nparts;
	{
		size_t nbody = (size_t)(m->has_text + m->has_html) + m->ninline;
		int n = 0;
		if (o->natt + o->nparts > m->ninline) {
			m->ct_kind[n] = CT_MIXED;
			m->ct_first[n] = 0;
			m->ct_end[n++] = m->nleaves;
		}
		if (m->has_text && m->has_html) {
			m->ct_kind[n] = CT_ALT;
			m->ct_first[n] = 0;
			m->ct_end[n++] = nbody;
		}
		if (m->ninline > 0) {
			m->ct_kind[n] = CT_REL;
			m->ct_first[n] = (size_t)m->has_text;
			m->ct_end[n++] = nbody;
		}
		m->nct = n;
	}
	if (o->text_read != NULL)
		m->cte = CTE_QP;
	else
		m->cte = choose_cte((const unsigned char *)o->text, o->text_len,
		                    m->nct > 0 ? m->boundary[0] + 2 : NULL);
	if (o->html_read != NULL)
		m->hcte = CTE_QP;
	else
		m->hcte = choose_cte((const unsigned char *)o->html, o->html_len,
		                     m->nct > 0 ? m->boundary[0] + 2 : NULL);
	m->part = 0;
	leaf_enter(m);
	m->phase = PH_HEAD;
	return 0;
}

/* see mime.h */
int
lm_mime_compose_read(void *vm, unsigned char *buf, size_t cap, size_t *got)
{
	lm_mime_compose *m = vm;
	size_t n = 0;

	if (got != NULL)
		*got = 0;
	if (m == NULL || got == NULL || (buf == NULL && cap > 0))
		return LM_ERR_BAD_PARAM;
	if (m->err != 0)
		return m->err;
	if (m->phase == 0)
		return LM_ERR_BAD_STATE;
	while (n < cap) {
		size_t k;
		if (m->spos == m->slen) {
			int r;
			if (m->phase == PH_DONE)
				break;
			r = step(m);
			if (r < 0) {
				m->err = r;
				if (n > 0)
					break;
				return r;
			}
			continue;
		}
		k = m->slen - m->spos;
		if (k > cap - n)
			k = cap - n;
		memcpy(buf + n, m->stage + m->spos, k);
		m->spos += k;
		n += k;
	}
	*got = n;
	return 0;
}

/* see mime.h */
void
lm_mime_compose_free(lm_mime_compose *m)
{
	volatile unsigned char *p = (volatile unsigned char *)m;
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < sizeof *m; i++)
		p[i] = 0;
}
