/*
 * libmail - SMTP client engine: the commands (lm_smtp_ehlo() ..
 * lm_smtp_quit()), the message body (lm_smtp_body_write(),
 * lm_smtp_body_end()) and the string builder the command lines are
 * built with. Replies and the session state are in smtp.c.
 */
#include <string.h>

#include "libmail/smtp.h"
#include "libmail/core.h"
#include "../core/caps.h"
#include "../core/io.h"
#include "../sasl/proto.h"
#include "internal.h"

#define BDAT_HDR LM_SMTP__BDAT_HDR          /* smtp.h */
#define BODY_RESERVE LM_SMTP__BODY_RESERVE  /* CRLF + ".\r\n" fit at body_end */
#define CMD_LINE_MAX 1024    /* longest command line built            */
#define ADDR_MAX 512         /* longest address accepted as input     */

/* ------------------------------------------------------------------ */
/* string builder for command lines                                    */
/* ------------------------------------------------------------------ */

static void
sb_put(lm_smtp__sbuf *b, const void *s, size_t n)
{
	if (b->over || n > b->cap - b->len) {
		b->over = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void
lm_smtp__sb_puts(lm_smtp__sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

void
lm_smtp__sb_u64(lm_smtp__sbuf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sb_put(b, tmp + i, sizeof tmp - i);
}

/* RFC 3461 4: xtext = *( xchar / hexchar ); xchar is "!" .. "~" except
 * "+" and "="; everything else is "+" two upper-case hex digits. */
static void
sb_xtext(lm_smtp__sbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 33 && ch <= 126 && ch != '+' && ch != '=') {
			sb_put(b, s, 1);
		} else {
			char e[3];
			e[0] = '+';
			e[1] = hex[ch >> 4];
			e[2] = hex[ch & 15];
			sb_put(b, e, 3);
		}
	}
}

/* ------------------------------------------------------------------ */
/* commands                                                            */
/* ------------------------------------------------------------------ */

/* May cmd be queued now? Checks the sticky error, the phase, the
 * pipelining rules and the queue bound (not the transaction). */
static int
gate(lm_smtp_client *c, int cmd)
{
	int last;

	if (c->err)
		return c->err;
	switch (c->phase) {
	case LM_SMTP__PH_REFUSED:
		if (cmd != LM_SMTP_CMD_QUIT)
			return LM_ERR_BAD_STATE;
		break;
	case LM_SMTP__PH_CONNECTED:
		if (cmd != LM_SMTP_CMD_EHLO && cmd != LM_SMTP_CMD_QUIT &&
		    cmd != LM_SMTP_CMD_NOOP && cmd != LM_SMTP_CMD_RSET)
			return LM_ERR_BAD_STATE;
		break;
	case LM_SMTP__PH_READY:
		break;
	default:
		return LM_ERR_BAD_STATE;
	}
	/* BDAT: the body was ended but its LAST chunk waits for
	 * lm_smtp_next() to frame it: a command queued now would go out
	 * before the end of the message (a QUIT would abandon it). */
	if (c->bdat && c->bdat_last == 1)
		return LM_ERR_BAD_STATE;
	if (c->q_count > 0) {
		if (!lm_smtp__pipelining(c))
			return LM_ERR_BAD_STATE;
		last = c->q_last;
		if (last == LM_SMTP_CMD_MAIL || last == LM_SMTP_CMD_RCPT ||
		    last == LM_SMTP_CMD_RSET) {
			if (cmd != LM_SMTP_CMD_MAIL && cmd != LM_SMTP_CMD_RCPT &&
			    cmd != LM_SMTP_CMD_DATA && cmd != LM_SMTP_CMD_RSET &&
			    cmd != LM_SMTP_CMD_NOOP && cmd != LM_SMTP_CMD_QUIT)
				return LM_ERR_BAD_STATE;
		} else if (last == LM_SMTP_CMD_BODY || last == LM_SMTP_CMD_BDAT) {
			if (cmd != LM_SMTP_CMD_QUIT &&
			    !(last == LM_SMTP_CMD_BDAT && cmd == LM_SMTP_CMD_RSET))
				return LM_ERR_BAD_STATE;
		} else {
			return LM_ERR_BAD_STATE;
		}
		if (c->q_count >= LM_SMTP_PIPELINE_MAX)
			return LM_ERR_LIMIT;
	}
	return 0;
}

/* see smtp.h */
int
lm_smtp_ehlo(lm_smtp_client *c)
{
	char line[300];
	size_t n;
	int r;

	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_SMTP_CMD_EHLO);
	if (r)
		return r;
	if (c->q_count > 0 || c->tx != LM_SMTP__TX_NONE)
		return LM_ERR_BAD_STATE;
	n = strlen(c->opts.helo_domain);
	memcpy(line, "EHLO ", 5);
	memcpy(line + 5, c->opts.helo_domain, n);
	r = lm_smtp__queue_line(c, LM_SMTP_CMD_EHLO, 0, line, n + 5);
	if (r)
		return r;
	lm_smtp__caps_clear(c);
	return 0;
}

/* see smtp.h */
int
lm_smtp_starttls(lm_smtp_client *c)
{
	int r;

	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_SMTP_CMD_STARTTLS);
	if (r)
		return r;
	if (c->phase != LM_SMTP__PH_READY || c->tls || c->q_count > 0 ||
	    c->tx != LM_SMTP__TX_NONE)
		return LM_ERR_BAD_STATE;
	if (!(c->ext & LM_SMTP__EXT_STARTTLS))
		return LM_ERR_NO_STARTTLS;
	/* Bytes already received came before STARTTLS was sent: a reply to
	 * nothing, which would be taken for the answer to STARTTLS. */
	if (c->io.ipos < c->io.iend)
		return lm_smtp__fail(c, LM_ERR_PROTOCOL);
	return lm_smtp__queue_line(c, LM_SMTP_CMD_STARTTLS, 0, "STARTTLS", 8);
}

/* see smtp.h */
int
lm_smtp_tls_done(lm_smtp_client *c)
{
	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	if (c->err)
		return c->err;
	if (c->phase != LM_SMTP__PH_TLS_WAIT)
		return LM_ERR_BAD_STATE;
	lm_smtp__caps_clear(c);
	c->tls = 1;
	c->authed = 0;
	c->io.ipos = c->io.iend = 0;
	lm_smtp__set_state(c, LM_SMTP__PH_CONNECTED, LM_SMTP__TX_NONE);
	lm_smtp__trace_s(c, '*', "TLS established; capabilities forgotten");
	return 0;
}

/* see smtp.h */
int
lm_smtp_tls_active(const lm_smtp_client *c)
{
	return c != NULL && c->tls;
}

/* see smtp.h */
int
lm_smtp_set_tls_active(lm_smtp_client *c)
{
	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	/* bytes already received came before the caller's TLS: plaintext */
	if (c->phase != LM_SMTP__PH_GREET || c->io.iend > 0 || c->err)
		return LM_ERR_BAD_STATE;
	c->tls = 1;
	return 0;
}

/* see smtp.h */
int
lm_smtp_auth(lm_smtp_client *c, lm_sasl *s)
{
	const char *name;
	lm_slice list;
	size_t nl, rl = 0, el = 0, room;
	int r, mech, initial;
	char tr[64];

	if (c == NULL || s == NULL)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_SMTP_CMD_AUTH);
	if (r)
		return r;
	if (c->phase != LM_SMTP__PH_READY || c->q_count > 0 || c->tx != LM_SMTP__TX_NONE ||
	    c->authed)
		return LM_ERR_BAD_STATE;
	mech = lm_sasl_get_mech(s);
	name = lm_sasl_mech_name((lm_sasl_mech)mech);
	if (name == NULL)
		return LM_ERR_BAD_PARAM;
	/* Cleartext credentials: the password (PLAIN, LOGIN) or a bearer
	 * token (XOAUTH2, OAUTHBEARER) readable by anyone on the path. */
	if (!c->tls && (c->opts.require_tls ||
	                (lm_sasl__reveals_secret((lm_sasl_mech)mech) &&
	                 !c->opts.allow_plaintext_auth)))
		return LM_ERR_PLAINTEXT;
	if (!lm_smtp_ext_param(c, "AUTH", &list))
		return LM_ERR_UNSUPPORTED;
	if (!lm_core__caps_listed(list, name))
		return LM_ERR_NO_MECH;

	nl = strlen(name);
	room = lm_smtp__out_room(c);
	if (room < 5 + nl + 2 + 3)
		return LM_ERR_BUFFER_TOO_SMALL;
	initial = lm_sasl_has_initial(s);
	if (initial) {
		r = lm_sasl_step(s, NULL, 0, c->sasl_raw, sizeof c->sasl_raw, &rl);
		if (r < 0)
			return r;
		if (lm_sasl__auth_line_len(nl, 1, rl) + 2 > room) {
			lm_zeroize(c->sasl_raw, rl);
			return LM_ERR_BUFFER_TOO_SMALL;
		}
	}
	el = lm_sasl__auth_line(c->io.obuf + c->io.oend, name, nl,
	                        initial ? c->sasl_raw : NULL, rl);
	if (initial)
		lm_zeroize(c->sasl_raw, rl);
	c->io.obuf[c->io.oend + el] = '\r';
	c->io.obuf[c->io.oend + el + 1] = '\n';
	c->io.oend += el + 2;
	lm_smtp__q_push(c, LM_SMTP_CMD_AUTH, 0);
	c->wipe_out = 1;
	c->sasl = s;
	c->auth_fail = 0;
	memcpy(tr, "AUTH ", 5);
	memcpy(tr + 5, name, nl);   /* mechanism names are short */
	if (initial) {
		memcpy(tr + 5 + nl, " <redacted>", 11);
		lm_smtp__trace(c, 'C', tr, 5 + nl + 11);
	} else {
		lm_smtp__trace(c, 'C', tr, 5 + nl);
	}
	return 0;
}

/*
 * Check and encode an address into b as "<...>".
 * utf8_ok: the address may go out as UTF-8 (SMTPUTF8 in force or
 * offered). *nonascii is set when the encoded address is not ASCII.
 */
static int
put_addr(lm_smtp__sbuf *b, const char *addr, int allow_empty, int utf8_ok, int *nonascii)
{
	size_t n, i, at = (size_t)-1;
	int inq = 0, esc = 0, local8 = 0, dom8 = 0;

	*nonascii = 0;
	n = strlen(addr);
	if (n == 0) {
		if (!allow_empty)
			return LM_ERR_BAD_PARAM;
		lm_smtp__sb_puts(b, "<>");
		return 0;
	}
	if (n > ADDR_MAX)
		return LM_ERR_BAD_PARAM;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)addr[i];
		if (ch < 0x20 || ch == 0x7f || ch == '<' || ch == '>')
			return LM_ERR_BAD_PARAM;
		if (esc) {
			esc = 0;
			continue;
		}
		if (inq && ch == '\\') {
			esc = 1;
			continue;
		}
		if (ch == '"') {
			inq = !inq;
			continue;
		}
		if (ch == ' ' && !inq)
			return LM_ERR_BAD_PARAM;
		if (ch == '@' && !inq)
			at = i;
	}
	if (inq || esc)
		return LM_ERR_BAD_PARAM;
	if (at == 0 || at == n - 1)
		return LM_ERR_BAD_PARAM;
	if (at == (size_t)-1) {
		local8 = !lm_is_ascii(addr, n);
	} else {
		local8 = !lm_is_ascii(addr, at);
		dom8 = !lm_is_ascii(addr + at + 1, n - at - 1);
	}
	if (local8 && !utf8_ok)
		return LM_ERR_UNSUPPORTED;
	lm_smtp__sb_puts(b, "<");
	if (dom8 && !utf8_ok) {
		char dom[256];
		size_t dl = 0;
		int r;
		if (addr[at + 1] == '[')
			return LM_ERR_BAD_PARAM;
		r = lm_idna_to_ascii(addr + at + 1, n - at - 1, dom, sizeof dom, &dl);
		if (r < 0)
			return r == LM_ERR_BUFFER_TOO_SMALL ? LM_ERR_IDNA : r;
		sb_put(b, addr, at + 1);
		sb_put(b, dom, dl);
	} else {
		sb_put(b, addr, n);
		*nonascii = local8 || dom8;
	}
	lm_smtp__sb_puts(b, ">");
	return 0;
}

/* Printable ASCII only (DSN ENVID / ORCPT values). */
static int
printable(const char *s, size_t max)
{
	size_t i;
	for (i = 0; s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch >= 0x7f || i >= max)
			return 0;
	}
	return i > 0;
}

/* Queue a MAIL/RCPT line built in b; the command's pending entry. */
static int
queue_built(lm_smtp_client *c, int cmd, unsigned idx, lm_smtp__sbuf *b)
{
	if (b->over)
		return LM_ERR_BAD_PARAM;
	return lm_smtp__queue_line(c, cmd, idx, b->p, b->len);
}

/* see smtp.h */
int
lm_smtp_mail_from(lm_smtp_client *c, const char *addr, const lm_smtp_mail_params *p)
{
	char line[CMD_LINE_MAX];
	lm_smtp__sbuf b;
	int r, nonascii = 0, utf8;
	unsigned i;

	if (c == NULL || addr == NULL)
		return LM_ERR_BAD_PARAM;
	if (p != NULL && p->version != LM_SMTP_PARAMS_VERSION)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_SMTP_CMD_MAIL);
	if (r)
		return r;
	if (c->phase != LM_SMTP__PH_READY || c->tx != LM_SMTP__TX_NONE)
		return LM_ERR_BAD_STATE;
	if (c->opts.require_tls && !c->tls)
		return LM_ERR_BAD_STATE;
	for (i = 0; i < c->q_count; i++) {
		int q = c->q_cmd[(c->q_head + i) % LM_SMTP_PIPELINE_MAX];
		if (q != LM_SMTP_CMD_RSET && q != LM_SMTP_CMD_NOOP)
			return LM_ERR_BAD_STATE;
	}
	if (p != NULL) {
		if (p->size && !(c->ext & LM_SMTP__EXT_SIZE))
			return LM_ERR_UNSUPPORTED;
		if (p->body8bit && !(c->ext & LM_SMTP__EXT_8BITMIME))
			return LM_ERR_UNSUPPORTED;
		if (p->smtputf8 && !(c->ext & LM_SMTP__EXT_SMTPUTF8))
			return LM_ERR_UNSUPPORTED;
		if (p->ret < LM_SMTP_RET_DEFAULT || p->ret > LM_SMTP_RET_HDRS)
			return LM_ERR_BAD_PARAM;
		if (p->envid && !printable(p->envid, 100))
			return LM_ERR_BAD_PARAM;
		if ((p->ret || p->envid) && !(c->ext & LM_SMTP__EXT_DSN))
			return LM_ERR_UNSUPPORTED;
		if (p->requiretls && (!(c->ext & LM_SMTP__EXT_REQUIRETLS) || !c->tls))
			return LM_ERR_UNSUPPORTED;
	}
	utf8 = (c->ext & LM_SMTP__EXT_SMTPUTF8) != 0;
	b.p = line;
	b.len = 0;
	b.cap = sizeof line;
	b.over = 0;
	lm_smtp__sb_puts(&b, "MAIL FROM:");
	r = put_addr(&b, addr, 1, utf8, &nonascii);
	if (r)
		return r;
	utf8 = nonascii || (p && p->smtputf8);
	if (p && p->size) {
		lm_smtp__sb_puts(&b, " SIZE=");
		lm_smtp__sb_u64(&b, p->size);
	}
	if (p && p->body8bit)
		lm_smtp__sb_puts(&b, " BODY=8BITMIME");
	if (utf8)
		lm_smtp__sb_puts(&b, " SMTPUTF8");
	if (p && p->ret)
		lm_smtp__sb_puts(&b, p->ret == LM_SMTP_RET_FULL ? " RET=FULL" : " RET=HDRS");
	if (p && p->envid) {
		lm_smtp__sb_puts(&b, " ENVID=");
		sb_xtext(&b, p->envid);
	}
	if (p && p->requiretls)
		lm_smtp__sb_puts(&b, " REQUIRETLS");
	r = queue_built(c, LM_SMTP_CMD_MAIL, 0, &b);
	if (r)
		return r;
	c->rcpt_count = c->rcpt_ok = c->rcpt_replied = 0;
	c->mail_failed = 0;   /* a late refusal of an abandoned MAIL set it */
	c->tx_utf8 = utf8;
	lm_smtp__set_state(c, -1, LM_SMTP__TX_MAIL);
	return 0;
}

/* see smtp.h */
int
lm_smtp_rcpt_to(lm_smtp_client *c, const char *addr, const lm_smtp_rcpt_params *p)
{
	char line[CMD_LINE_MAX];
	lm_smtp__sbuf b;
	int r, nonascii = 0;

	if (c == NULL || addr == NULL)
		return LM_ERR_BAD_PARAM;
	if (p != NULL && p->version != LM_SMTP_PARAMS_VERSION)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_SMTP_CMD_RCPT);
	if (r)
		return r;
	if (c->tx != LM_SMTP__TX_MAIL || c->mail_failed)
		return LM_ERR_BAD_STATE;
	if (p != NULL) {
		unsigned nt = p->notify;
		if (nt & ~0xfu)
			return LM_ERR_BAD_PARAM;
		if ((nt & LM_SMTP_NOTIFY_NEVER) && nt != LM_SMTP_NOTIFY_NEVER)
			return LM_ERR_BAD_PARAM;
		if (p->orcpt && !printable(p->orcpt, ADDR_MAX))
			return LM_ERR_BAD_PARAM;
		if ((nt || p->orcpt) && !(c->ext & LM_SMTP__EXT_DSN))
			return LM_ERR_UNSUPPORTED;
	}
	b.p = line;
	b.len = 0;
	b.cap = sizeof line;
	b.over = 0;
	lm_smtp__sb_puts(&b, "RCPT TO:");
	r = put_addr(&b, addr, 0, c->tx_utf8, &nonascii);
	if (r)
		return r;
	if (p && p->notify) {
		const char *sep = "";
		lm_smtp__sb_puts(&b, " NOTIFY=");
		if (p->notify & LM_SMTP_NOTIFY_NEVER)
			lm_smtp__sb_puts(&b, "NEVER");
		if (p->notify & LM_SMTP_NOTIFY_SUCCESS) {
			lm_smtp__sb_puts(&b, "SUCCESS");
			sep = ",";
		}
		if (p->notify & LM_SMTP_NOTIFY_FAILURE) {
			lm_smtp__sb_puts(&b, sep);
			lm_smtp__sb_puts(&b, "FAILURE");
			sep = ",";
		}
		if (p->notify & LM_SMTP_NOTIFY_DELAY) {
			lm_smtp__sb_puts(&b, sep);
			lm_smtp__sb_puts(&b, "DELAY");
		}
	}
	if (p && p->orcpt) {
		lm_smtp__sb_puts(&b, " ORCPT=rfc822;");
		sb_xtext(&b, p->orcpt);
	}
	r = queue_built(c, LM_SMTP_CMD_RCPT, c->rcpt_count, &b);
	if (r)
		return r;
	c->rcpt_count++;
	return 0;
}

/* see smtp.h */
int
lm_smtp_data(lm_smtp_client *c)
{
	int r;

	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_SMTP_CMD_DATA);
	if (r)
		return r;
	if (c->tx != LM_SMTP__TX_MAIL || c->mail_failed || c->rcpt_count == 0)
		return LM_ERR_BAD_STATE;
	if (c->rcpt_replied == c->rcpt_count && c->rcpt_ok == 0)
		return LM_ERR_REFUSED;
	if (c->opts.use_chunking && (c->ext & LM_SMTP__EXT_CHUNKING)) {
		c->bdat = 1;
		c->bdat_failed = 0;
		c->bdat_last = 0;
		c->bd_len = 0;
		c->at_bol = 1;
		c->pend_cr = 0;
		lm_smtp__set_state(c, -1, LM_SMTP__TX_BODY);
		c->ev_data_ready = 1;
		return 0;
	}
	r = lm_smtp__queue_line(c, LM_SMTP_CMD_DATA, 0, "DATA", 4);
	if (r)
		return r;
	lm_smtp__set_state(c, -1, LM_SMTP__TX_DATA_WAIT);
	return 0;
}

/* see smtp.h */
int
lm_smtp_body_write(lm_smtp_client *c, const void *p, size_t n, size_t *used)
{
	const unsigned char *in = p;
	unsigned char *o;
	size_t i = 0, w, cap;
	int stuff;

	if (used)
		*used = 0;
	if (c == NULL || used == NULL || (p == NULL && n > 0))
		return LM_ERR_BAD_PARAM;
	if (c->err)
		return c->err;
	if (c->tx != LM_SMTP__TX_BODY)
		return LM_ERR_BAD_STATE;
	if (c->bdat) {
		if (c->bdat_failed)
			return LM_ERR_REFUSED;
		if (c->io.ostart != c->io.oend)
			return 0;   /* a framed chunk is still being sent */
		o = c->io.obuf + BDAT_HDR;
		w = c->bd_len;
		cap = c->io.olen - BDAT_HDR - BODY_RESERVE;
		stuff = 0;
	} else {
		lm_smtp__out_room(c);
		o = c->io.obuf;
		w = c->io.oend;
		cap = c->io.olen - BODY_RESERVE;
		stuff = 1;
	}
	while (i < n) {
		unsigned char ch = in[i];
		if (c->pend_cr) {
			/* a CR was taken: CRLF, or a bare CR made CRLF */
			if (cap - w < 2 || w > cap)
				break;
			o[w++] = '\r';
			o[w++] = '\n';
			c->pend_cr = 0;
			c->at_bol = 1;
			if (ch == '\n')
				i++;
			continue;
		}
		if (ch == '\r') {
			c->pend_cr = 1;
			i++;
			continue;
		}
		if (ch == '\n') {
			if (w > cap || cap - w < 2)
				break;
			o[w++] = '\r';
			o[w++] = '\n';
			c->at_bol = 1;
			i++;
			continue;
		}
		if (stuff && c->at_bol && ch == '.') {
			if (w > cap || cap - w < 2)
				break;
			o[w++] = '.';
			o[w++] = '.';
		} else {
			if (w >= cap)
				break;
			o[w++] = ch;
		}
		c->at_bol = 0;
		i++;
	}
	if (c->bdat)
		c->bd_len = w;
	else
		c->io.oend = w;
	*used = i;
	return 0;
}

/* see smtp.h */
int
lm_smtp_body_end(lm_smtp_client *c)
{
	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	if (c->err)
		return c->err;
	if (c->tx != LM_SMTP__TX_BODY)
		return LM_ERR_BAD_STATE;
	if (c->bdat) {
		if (c->bdat_failed)
			return LM_ERR_REFUSED;
		c->bdat_last = 1;   /* framed by lm_smtp_next() */
		lm_smtp__set_state(c, -1, LM_SMTP__TX_END_WAIT);
		return 0;
	}
	lm_smtp__out_room(c);
	/* body_write kept BODY_RESERVE bytes free */
	if (c->pend_cr || !c->at_bol) {
		c->io.obuf[c->io.oend++] = '\r';
		c->io.obuf[c->io.oend++] = '\n';
	}
	c->pend_cr = 0;
	c->at_bol = 1;
	memcpy(c->io.obuf + c->io.oend, ".\r\n", 3);
	c->io.oend += 3;
	lm_smtp__q_push(c, LM_SMTP_CMD_BODY, 0);
	lm_smtp__trace_s(c, 'C', ".");
	lm_smtp__set_state(c, -1, LM_SMTP__TX_END_WAIT);
	return 0;
}

/* see smtp.h */
int
lm_smtp_rset(lm_smtp_client *c)
{
	int r;

	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_SMTP_CMD_RSET);
	if (r)
		return r;
	if (c->tx == LM_SMTP__TX_DATA_WAIT || c->tx == LM_SMTP__TX_END_WAIT ||
	    (c->tx == LM_SMTP__TX_BODY && !(c->bdat && c->bdat_failed)))
		return LM_ERR_BAD_STATE;
	r = lm_smtp__queue_line(c, LM_SMTP_CMD_RSET, 0, "RSET", 4);
	if (r)
		return r;
	lm_smtp__set_state(c, -1, LM_SMTP__TX_NONE);
	return 0;
}

/* see smtp.h */
int
lm_smtp_noop(lm_smtp_client *c)
{
	int r;

	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_SMTP_CMD_NOOP);
	if (r)
		return r;
	if (c->tx == LM_SMTP__TX_DATA_WAIT || c->tx == LM_SMTP__TX_BODY)
		return LM_ERR_BAD_STATE;
	return lm_smtp__queue_line(c, LM_SMTP_CMD_NOOP, 0, "NOOP", 4);
}

/* see smtp.h */
int
lm_smtp_quit(lm_smtp_client *c)
{
	int r;

	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_SMTP_CMD_QUIT);
	if (r)
		return r;
	if (c->tx == LM_SMTP__TX_DATA_WAIT ||
	    (c->tx == LM_SMTP__TX_BODY && !(c->bdat && c->bdat_failed)))
		return LM_ERR_BAD_STATE;
	r = lm_smtp__queue_line(c, LM_SMTP_CMD_QUIT, 0, "QUIT", 4);
	if (r)
		return r;
	lm_smtp__set_state(c, LM_SMTP__PH_QUIT, -1);
	return 0;
}
