/*
 * libmail - IMAP client engine: typed commands.
 *
 * Every command is built at the end of the output buffer by a small
 * builder (struct lm_imap__ob) and committed only when complete and
 * valid, so a refused command leaves nothing behind. A synchronising literal records
 * a hold point: the bytes after it are not handed out by
 * lm_imap_send_buf() until the server's "+" (tagged.c,
 * lm_imap__continuation()).
 *
 * Here: the builder and its argument encoders, the gate every command
 * passes, the session commands (CAPABILITY, NOOP, LOGOUT, STARTTLS,
 * IDLE, ...), LOGIN, AUTHENTICATE, ENABLE and ID. The mailbox commands
 * are in cmd_mailbox.c, the message commands in cmd_message.c; cmd.h
 * is what the three share.
 */
#include <string.h>

#include "libmail/core.h"
#include "cmd.h"
#include "../core/io.h"
#include "../sasl/proto.h"

/* ------------------------------------------------------------------ */
/* builder                                                             */
/* ------------------------------------------------------------------ */

/* see internal.h */
size_t
lm_imap__compact_out(lm_imap_client *c)
{
	size_t d, room;
	unsigned i;

	room = lm_core__io_out_room(&c->io, &d);
	if (d == 0)
		return room;
	for (i = 0; i < c->nholds; i++) {
		c->holds[i] -= d;
		c->hold_cend[i] -= d;
	}
	if (c->wipe_out)
		c->wipe_end = c->wipe_end > d ? c->wipe_end - d : 0;
	return room;
}

/* see cmd.h; out of line: inlined at its hundred or so calls in three files
 * cost some 6 KB of text at -O2, and building a command is not a hot
 * path. */
void
lm_imap__ob_raw(struct lm_imap__ob *b, const void *s, size_t n)
{
	if (b->err)
		return;
	if (b->len + n > b->cap) {
		b->err = LM_ERR_BUFFER_TOO_SMALL;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* see cmd.h */
void
lm_imap__ob_s(struct lm_imap__ob *b, const char *s)
{
	lm_imap__ob_raw(b, s, strlen(s));
}

/* see cmd.h */
unsigned
lm_imap__ob_names(struct lm_imap__ob *b, unsigned bits,
                  const struct lm_imap__name *t, size_t n)
{
	size_t i;
	unsigned k = 0;

	for (i = 0; i < n; i++) {
		if (bits & t[i].bit) {
			if (k++)
				lm_imap__ob_s(b, " ");
			lm_imap__ob_s(b, t[i].name);
		}
	}
	return k;
}

/* see cmd.h */
void
lm_imap__ob_num(struct lm_imap__ob *b, uint64_t v)
{
	char d[24];
	int n = (int)sizeof d;
	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	lm_imap__ob_raw(b, d + n, sizeof d - (size_t)n);
}

/* see cmd.h */
int
lm_imap__need_cap(const lm_imap_client *c, unsigned long bits)
{
	if (!lm_imap__caps_usable(c))
		return LM_ERR_BAD_STATE;
	return (c->capbits & bits) ? 0 : LM_ERR_UNSUPPORTED;
}

/* see cmd.h */
void
lm_imap__ob_str(struct lm_imap__ob *b, const char *s, size_t n, int always_quote)
{
	size_t i, need = 0, w = 0;
	int lit = 0, atom = !always_quote && n > 0, quoted = n <= 1000;
	int u8 = lm_imap__utf8_on(b->c);

	if (b->err)
		return;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\r' || ch == '\n' || ch == '\0') {
			b->err = LM_ERR_BAD_PARAM;
			return;
		}
		if (!lm_imap__atom_char(ch))
			atom = 0;
		if (ch >= 0x80 ? !u8 : (ch < 0x20 || ch == 0x7f))
			quoted = 0;
	}
	if (atom && lm_core__ieqz((const unsigned char *)s, n, "NIL"))
		atom = 0;
	if (atom) {
		lm_imap__ob_raw(b, s, n);
		return;
	}
	if (quoted) {
		need = n + 2;
		for (i = 0; i < n; i++)
			if (s[i] == '"' || s[i] == '\\')
				need++;
		if (b->len + need > b->cap) {
			b->err = LM_ERR_BUFFER_TOO_SMALL;
			return;
		}
		b->p[b->len + w++] = '"';
		for (i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\')
				b->p[b->len + w++] = '\\';
			b->p[b->len + w++] = (unsigned char)s[i];
		}
		b->p[b->len + w++] = '"';
		b->len += w;
		return;
	}
	lit = lm_imap__nonsync_ok(b->c, n);
	lm_imap__ob_s(b, "{");
	lm_imap__ob_num(b, n);
	lm_imap__ob_s(b, lit ? "+}\r\n" : "}\r\n");
	if (!lit) {
		if (b->nh >= LM_IMAP__HOLDS_MAX) {
			b->err = LM_ERR_LIMIT;
			return;
		}
		b->hpos[b->nh++] = b->len;
	}
	lm_imap__ob_raw(b, s, n);
}

/* see cmd.h */
void
lm_imap__ob_mailbox(struct lm_imap__ob *b, const char *name, int allow_empty)
{
	char enc[LM_IMAP_MAILBOX_MAX * 2];
	size_t n, el = 0, i;

	if (b->err)
		return;
	if (name == NULL) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	n = strlen(name);
	if ((n == 0 && !allow_empty) || n > LM_IMAP_MAILBOX_MAX) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	for (i = 0; i < n; i++)
		if (name[i] == '\r' || name[i] == '\n') {
			b->err = LM_ERR_BAD_PARAM;
			return;
		}
	if (lm_core__ieqz((const unsigned char *)name, n, "INBOX")) {
		lm_imap__ob_s(b, "INBOX");
		return;
	}
	if (lm_imap__utf8_on(b->c)) {
		/* validate the UTF-8, then send it as is */
		if (lm_mutf7_encode(name, n, enc, sizeof enc, &el) != 0) {
			b->err = LM_ERR_BAD_PARAM;
			return;
		}
		lm_imap__ob_str(b, name, n, 0);
		return;
	}
	if (lm_mutf7_encode(name, n, enc, sizeof enc, &el) != 0) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	lm_imap__ob_str(b, enc, el, allow_empty && el == 0);
}

/* see cmd.h */
void
lm_imap__ob_set(struct lm_imap__ob *b, const char *set)
{
	int r;

	if (b->err)
		return;
	if (set == NULL || set[0] == '\0') {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	/* "$", the saved search result, stands alone (RFC 5182 3) */
	if (set[0] == '$' && set[1] == '\0') {
		if ((r = lm_imap__need_cap(b->c, LM_IMAP__CAP_SEARCHRES |
		                           LM_IMAP__CAP_IMAP4REV2)) != 0)
			b->err = r;
		else
			lm_imap__ob_raw(b, set, 1);
		return;
	}
	if (lm_imap__set_ok(set))
		lm_imap__ob_s(b, set);
	else
		b->err = LM_ERR_BAD_PARAM;
}

/* see cmd.h */
void
lm_imap__ob_words(struct lm_imap__ob *b, const char *s, int flags)
{
	size_t i = 0, k, a;
	unsigned w = 0;

	if (b->err)
		return;
	if (s == NULL) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	for (;;) {
		while (s[i] == ' ')
			i++;
		if (s[i] == '\0')
			return;
		k = i;
		if (flags && s[i] == '\\')
			i++;
		for (a = i; lm_imap__atom_char((unsigned char)s[i]); i++)
			;
		/* "\\" alone is no flag; one space between words: the
		 * grammar has no other (a server answers BAD) */
		if (i == a || (s[i] != ' ' && s[i] != '\0')) {
			b->err = LM_ERR_BAD_PARAM;
			return;
		}
		if (w++)
			lm_imap__ob_s(b, " ");
		lm_imap__ob_raw(b, s + k, i - k);
	}
}

/* see cmd.h */
void
lm_imap__ob_flags(struct lm_imap__ob *b, const char *flags)
{
	lm_imap__ob_s(b, "(");
	lm_imap__ob_words(b, flags ? flags : "", 1);
	lm_imap__ob_s(b, ")");
}

/* see cmd.h */
int
lm_imap__gate(lm_imap_client *c, unsigned states, int exclusive)
{
	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	if (c->err)
		return c->err;
	if (c->state == LM_IMAP_STATE_GREETING || c->state == LM_IMAP_STATE_LOGOUT ||
	    c->state == LM_IMAP_STATE_CLOSED || c->tls_wait)
		return LM_ERR_BAD_STATE;
	/* the MOVE fallback queues its next step when one completes: a
	 * command queued meanwhile would come between them */
	if (c->idle || c->app_state != LM_IMAP__APP_NONE || c->auth_tag || c->tls_tag ||
	    c->mv_tag)
		return LM_ERR_BAD_STATE;
	if (c->q_count >= LM_IMAP_PIPELINE_MAX)
		return LM_ERR_LIMIT;
	if (exclusive && c->q_count > 0)
		return LM_ERR_BAD_STATE;
	if (states & LM_IMAP__S_SEL) {
		if (c->state != LM_IMAP_STATE_SELECTED && c->sel_tag == 0)
			return LM_ERR_BAD_STATE;
	} else if (!(states & (1u << c->state))) {
		return LM_ERR_BAD_STATE;
	}
	return 0;
}

/* see cmd.h */
void
lm_imap__ob_start(struct lm_imap__ob *b, lm_imap_client *c, const char *verb, int uid)
{
	/* every member but hpos[] (written before nh counts it) */
	b->len = 0;
	b->err = 0;
	b->nh = 0;
	b->redact = 0;
	b->c = c;
	if (c->io.ostart == c->io.oend && c->nholds == 0)
		c->io.ostart = c->io.oend = 0;
	else
		lm_imap__compact_out(c);
	b->p = c->io.obuf + c->io.oend;
	b->cap = c->io.olen - c->io.oend;
	lm_imap__ob_s(b, "A");
	lm_imap__ob_num(b, c->next_tag);
	lm_imap__ob_s(b, " ");
	if (uid)
		lm_imap__ob_s(b, "UID ");
	lm_imap__ob_s(b, verb);
}

/* see cmd.h */
int
lm_imap__ob_commit(struct lm_imap__ob *b, int cmd, unsigned flags, lm_imap_handle *h)
{
	lm_imap_client *c = b->c;
	unsigned i;

	lm_imap__ob_s(b, "\r\n");
	if (b->err)
		return b->err;
	if (c->nholds + b->nh > LM_IMAP__HOLDS_MAX)
		return LM_ERR_LIMIT;
	for (i = 0; i < b->nh; i++) {
		c->holds[c->nholds] = c->io.oend + b->hpos[i];
		c->hold_cend[c->nholds] = c->io.oend + b->len;
		c->hold_tag[c->nholds] = c->next_tag;
		c->nholds++;
	}
	if (b->redact) {
		/* keep the verb on the first line; a literal's data (later
		 * lines) is redacted whole */
		const unsigned char *lf = memchr(b->p, '\n', b->len);
		size_t first = lf ? (size_t)(lf - b->p) + 1 : b->len;
		lm_trace_emit_redacted(c->opts.trace, c->opts.trace_ud, 'C', b->p,
		                       first, b->redact);
		if (first < b->len)
			lm_trace_emit_redacted(c->opts.trace, c->opts.trace_ud, 'C',
			                       b->p + first, b->len - first, 0);
	}
	else
		lm_imap__trace(c, 'C', b->p, b->len);
	c->io.oend += b->len;
	c->q[c->q_count].rx = c->io.rx_total;
	c->q[c->q_count].tag = c->next_tag;
	c->q[c->q_count].cmd = (unsigned char)cmd;
	c->q[c->q_count].flags = (unsigned char)flags;
	c->q[c->q_count].en = 0;
	c->q_count++;
	if (h)
		*h = c->next_tag;
	c->next_tag++;
	if (c->next_tag == 0 || c->next_tag > 999999999u)
		c->next_tag = 1;
	return 0;
}

/* see internal.h */
int
lm_imap__simple(lm_imap_client *c, int cmd, const char *verb, lm_imap_handle *h)
{
	struct lm_imap__ob b;
	if (c->q_count >= LM_IMAP_PIPELINE_MAX)
		return LM_ERR_LIMIT;
	lm_imap__ob_start(&b, c, verb, 0);
	return lm_imap__ob_commit(&b, cmd, 0, h);
}

/* see internal.h */
int
lm_imap__queue_done(lm_imap_client *c)
{
	if (c->io.ostart == c->io.oend && c->nholds == 0)
		c->io.ostart = c->io.oend = 0;
	else
		lm_imap__compact_out(c);
	if (c->io.olen - c->io.oend < 6)
		return lm_imap__fail(c, LM_ERR_BUFFER_TOO_SMALL);
	memcpy(c->io.obuf + c->io.oend, "DONE\r\n", 6);
	c->io.oend += 6;
	lm_imap__trace(c, 'C', "DONE", 4);
	c->idle = 3;
	c->idle_done_wanted = 0;
	return 0;
}

/* ------------------------------------------------------------------ */
/* simple commands                                                     */
/* ------------------------------------------------------------------ */

static int
simple_cmd(lm_imap_client *c, unsigned states, int cmd, const char *verb,
           unsigned long capneed, lm_imap_handle *h)
{
	int r = lm_imap__gate(c, states, 0);
	if (r)
		return r;
	if (capneed && (r = lm_imap__need_cap(c, capneed)) != 0)
		return r;
	return lm_imap__simple(c, cmd, verb, h);
}

/* see imap.h */
int
lm_imap_capability(lm_imap_client *c, lm_imap_handle *h)
{
	return simple_cmd(c, LM_IMAP__S_ANY, LM_IMAP_CMD_CAPABILITY, "CAPABILITY", 0, h);
}

/* see imap.h */
int
lm_imap_noop(lm_imap_client *c, lm_imap_handle *h)
{
	return simple_cmd(c, LM_IMAP__S_ANY, LM_IMAP_CMD_NOOP, "NOOP", 0, h);
}

/* see imap.h */
int
lm_imap_logout(lm_imap_client *c, lm_imap_handle *h)
{
	int r = simple_cmd(c, LM_IMAP__S_ANY, LM_IMAP_CMD_LOGOUT, "LOGOUT", 0, h);
	if (r == 0) {
		/* final: completions of earlier commands keep it (set_state) */
		c->mbx.selected = 0;
		c->state = LM_IMAP_STATE_LOGOUT;
	}
	return r;
}

/* see imap.h */
int
lm_imap_namespace(lm_imap_client *c, lm_imap_handle *h)
{
	return simple_cmd(c, LM_IMAP__S_A | LM_IMAP__S_S, LM_IMAP_CMD_NAMESPACE, "NAMESPACE",
	                  LM_IMAP__CAP_NAMESPACE | LM_IMAP__CAP_IMAP4REV2, h);
}

/* see imap.h */
int
lm_imap_check(lm_imap_client *c, lm_imap_handle *h)
{
	return simple_cmd(c, LM_IMAP__S_SEL, LM_IMAP_CMD_CHECK, "CHECK", 0, h);
}

/* see imap.h */
int
lm_imap_close(lm_imap_client *c, lm_imap_handle *h)
{
	return simple_cmd(c, LM_IMAP__S_SEL, LM_IMAP_CMD_CLOSE, "CLOSE", 0, h);
}

/* see imap.h */
int
lm_imap_unselect(lm_imap_client *c, lm_imap_handle *h)
{
	return simple_cmd(c, LM_IMAP__S_SEL, LM_IMAP_CMD_UNSELECT, "UNSELECT",
	                  LM_IMAP__CAP_UNSELECT | LM_IMAP__CAP_IMAP4REV2, h);
}

/* see imap.h */
int
lm_imap_expunge(lm_imap_client *c, lm_imap_handle *h)
{
	return simple_cmd(c, LM_IMAP__S_SEL, LM_IMAP_CMD_EXPUNGE, "EXPUNGE", 0, h);
}

/* see imap.h */
int
lm_imap_starttls(lm_imap_client *c, lm_imap_handle *h)
{
	lm_imap_handle t;
	int r = lm_imap__gate(c, LM_IMAP__S_NA, 1);
	if (r)
		return r;
	if (c->tls || !lm_imap__caps_usable(c))
		return LM_ERR_BAD_STATE;
	if (!(lm_imap__caps(c) & LM_IMAP__CAP_STARTTLS))
		return LM_ERR_NO_STARTTLS;
	r = lm_imap__simple(c, LM_IMAP_CMD_STARTTLS, "STARTTLS", &t);
	if (r == 0) {
		c->tls_tag = t;
		if (h)
			*h = t;
	}
	return r;
}

/* see imap.h */
int
lm_imap_idle(lm_imap_client *c, lm_imap_handle *h)
{
	lm_imap_handle t;
	int r = lm_imap__gate(c, LM_IMAP__S_A | LM_IMAP__S_S, 0);
	if (r)
		return r;
	if ((r = lm_imap__need_cap(c, LM_IMAP__CAP_IDLE | LM_IMAP__CAP_IMAP4REV2)) != 0)
		return r;
	if (c->q_count > 0)
		return LM_ERR_BAD_STATE;
	r = lm_imap__simple(c, LM_IMAP_CMD_IDLE, "IDLE", &t);
	if (r == 0) {
		c->idle = 1;
		c->idle_tag = t;
		if (h)
			*h = t;
	}
	return r;
}

/* see imap.h */
int
lm_imap_idle_done(lm_imap_client *c)
{
	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	if (c->err)
		return c->err;
	if (c->idle == 1) {
		c->idle_done_wanted = 1;
		return 0;
	}
	if (c->idle != 2)
		return LM_ERR_BAD_STATE;
	return lm_imap__queue_done(c);
}

/* ------------------------------------------------------------------ */
/* authentication                                                      */
/* ------------------------------------------------------------------ */

/* see imap.h */
int
lm_imap_login(lm_imap_client *c, const char *user, const char *pass,
              lm_imap_handle *h)
{
	struct lm_imap__ob b;
	int r = lm_imap__gate(c, LM_IMAP__S_NA, 0);
	size_t keep;

	if (r)
		return r;
	if (user == NULL || pass == NULL || user[0] == '\0')
		return LM_ERR_BAD_PARAM;
	if (!lm_imap__caps_usable(c))
		return LM_ERR_BAD_STATE;
	if (!c->tls && (c->opts.require_tls || !c->opts.allow_plaintext_auth))
		return LM_ERR_PLAINTEXT;
	if (lm_imap__caps(c) & LM_IMAP__CAP_LOGINDISABLED)
		return LM_ERR_UNSUPPORTED;
	lm_imap__ob_start(&b, c, "LOGIN ", 0);
	keep = b.len;
	lm_imap__ob_cstr(&b, user, 0);
	lm_imap__ob_s(&b, " ");
	lm_imap__ob_cstr(&b, pass, 0);
	b.redact = keep;
	r = lm_imap__ob_commit(&b, LM_IMAP_CMD_LOGIN, 0, h);
	if (r == 0) {
		c->wipe_out = 1;
		c->wipe_end = c->io.oend;
		c->lg_sent = 0;       /* until the wipe: lm_imap_send_ack() */
	} else {
		lm_zeroize(b.p, b.len < b.cap ? b.len : b.cap);
	}
	return r;
}

static int
mech_offered(const lm_imap_client *c, const char *name)
{
	char cap[64];
	size_t n = strlen(name);
	if (n + 6 > sizeof cap)
		return 0;
	memcpy(cap, "AUTH=", 5);
	memcpy(cap + 5, name, n + 1);
	return lm_imap_has_cap(c, cap);
}

/* see imap.h */
int
lm_imap_authenticate(lm_imap_client *c, lm_sasl *s, lm_imap_handle *h)
{
	struct lm_imap__ob b;
	lm_sasl_mech m;
	const char *name;
	int r = lm_imap__gate(c, LM_IMAP__S_NA, 1);
	size_t keep;
	lm_imap_handle t;

	if (r)
		return r;
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	if (!lm_imap__caps_usable(c))
		return LM_ERR_BAD_STATE;
	m = lm_sasl_get_mech(s);
	name = lm_sasl_mech_name(m);
	if (name == NULL)
		return LM_ERR_BAD_PARAM;
	if (!c->tls) {
		if (c->opts.require_tls)
			return LM_ERR_PLAINTEXT;
		if (!c->opts.allow_plaintext_auth &&
		    lm_sasl__reveals_secret(m))
			return LM_ERR_PLAINTEXT;
	}
	if (!mech_offered(c, name))
		return LM_ERR_NO_MECH;
	lm_imap__ob_start(&b, c, "AUTHENTICATE ", 0);
	lm_imap__ob_s(&b, name);
	keep = b.len;
	if ((lm_imap__caps(c) & (LM_IMAP__CAP_SASLIR | LM_IMAP__CAP_IMAP4REV2)) &&
	    lm_sasl_has_initial(s)) {
		size_t rl = 0, bl = 0;
		r = lm_sasl_step(s, NULL, 0, c->sasl_raw, sizeof c->sasl_raw, &rl);
		if (r < 0) {
			lm_zeroize(c->sasl_raw, sizeof c->sasl_raw);
			return r;
		}
		lm_imap__ob_s(&b, " ");
		keep = b.len;
		if (rl == 0) {
			lm_imap__ob_s(&b, "=");
		} else if (!b.err) {
			if (lm_b64_encode(c->sasl_raw, rl, (char *)b.p + b.len, b.cap - b.len,
			                  &bl) != 0)
				b.err = LM_ERR_BUFFER_TOO_SMALL;
			else
				b.len += bl;
		}
		lm_zeroize(c->sasl_raw, sizeof c->sasl_raw);
		b.redact = keep;
	}
	r = lm_imap__ob_commit(&b, LM_IMAP_CMD_AUTHENTICATE, 0, &t);
	if (r) {
		lm_zeroize(b.p, b.len < b.cap ? b.len : b.cap);
		return r;
	}
	c->wipe_out = 1;
	c->wipe_end = c->io.oend;
	c->lg_sent = 0;               /* until the wipe: lm_imap_send_ack() */
	c->sasl = s;
	c->auth_tag = t;
	if (h)
		*h = t;
	return 0;
}

/* ------------------------------------------------------------------ */
/* ENABLE, ID                                                          */
/* ------------------------------------------------------------------ */

/* The ENABLED bits that an ENABLE of exts (an lm_imap__atom_list_ok()
 * list) asks for: the answer counts for these only (QRESYNC implies
 * CONDSTORE, RFC 7162 3.2.3). */
static unsigned
enable_asked(const char *exts)
{
	unsigned m = 0;
	size_t i = 0, k;
	while (exts[i]) {
		if (exts[i] == ' ') {
			i++;
			continue;
		}
		for (k = i; exts[k] && exts[k] != ' '; k++)
			;
		m |= lm_imap__en_bits(exts + i, k - i);
		i = k;
	}
	return m;
}

/* see imap.h */
int
lm_imap_enable(lm_imap_client *c, const char *exts, lm_imap_handle *h)
{
	struct lm_imap__ob b;
	int r = lm_imap__gate(c, LM_IMAP__S_A, 0);
	if (r)
		return r;
	if (!lm_imap__atom_list_ok(exts))
		return LM_ERR_BAD_PARAM;
	if ((r = lm_imap__need_cap(c, LM_IMAP__CAP_ENABLE | LM_IMAP__CAP_IMAP4REV2)) != 0)
		return r;
	lm_imap__ob_start(&b, c, "ENABLE ", 0);
	lm_imap__ob_words(&b, exts, 0);
	if ((r = lm_imap__ob_commit(&b, LM_IMAP_CMD_ENABLE, 0, h)) != 0)
		return r;
	c->q[c->q_count - 1].en = (unsigned char)enable_asked(exts);
	return 0;
}

/* see imap.h */
int
lm_imap_id(lm_imap_client *c, const char *const *kv, lm_imap_handle *h)
{
	struct lm_imap__ob b;
	size_t i;
	int r = lm_imap__gate(c, LM_IMAP__S_ANY, 0);
	if (r)
		return r;
	lm_imap__ob_start(&b, c, "ID ", 0);
	if (kv == NULL || kv[0] == NULL) {
		lm_imap__ob_s(&b, "NIL");
	} else {
		lm_imap__ob_s(&b, "(");
		for (i = 0; kv[i] != NULL; i += 2) {
			/* RFC 2971 3.3: 30 pairs, fields of at most 30
			 * octets, values of at most 1024 */
			if (i >= 60 || strlen(kv[i]) > 30 ||
			    (kv[i + 1] != NULL && strlen(kv[i + 1]) > 1024))
				return LM_ERR_BAD_PARAM;
			if (i > 0)
				lm_imap__ob_s(&b, " ");
			lm_imap__ob_cstr(&b, kv[i], 1);
			lm_imap__ob_s(&b, " ");
			if (kv[i + 1] == NULL)
				lm_imap__ob_s(&b, "NIL");
			else
				lm_imap__ob_cstr(&b, kv[i + 1], 1);
			if (kv[i + 1] == NULL)
				break;
		}
		lm_imap__ob_s(&b, ")");
	}
	return lm_imap__ob_commit(&b, LM_IMAP_CMD_ID, 0, h);
}
