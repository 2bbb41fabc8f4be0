/*
 * libmail - SMTP client engine (RFC 5321), sans-IO.
 *
 * Layout of the output buffer:
 *  - commands and DATA bodies: pending bytes are obuf[ostart..oend);
 *    new bytes are appended after compacting to the front.
 *  - BDAT bodies: unframed chunk data sits at obuf[BDAT_HDR..BDAT_HDR+bd_len)
 *    while ostart == oend == 0; framing writes "BDAT n[ LAST]\r\n" just
 *    before it and sets ostart/oend around header and data.
 * The engine parses input only when no output is pending (WANT_WRITE
 * first), so when a reply is handled the whole output buffer is free;
 * the AUTH code relies on that.
 *
 * This file holds the replies and the session state: buffers,
 * capabilities, the queue of pending replies, reply parsing, BDAT
 * framing and lm_smtp_next(). The commands are built in cmd.c.
 */
#ifdef LM_DEBUG
#include <stdio.h>
#endif
#include <string.h>

#include "libmail/smtp.h"
#include "libmail/core.h"
#include "../core/caps.h"
#include "../core/io.h"
#include "internal.h"

#define BDAT_HDR LM_SMTP__BDAT_HDR          /* smtp.h */

static const struct {
	const char *name;
	unsigned bit;
} known_ext[] = {
	{ "SIZE", LM_SMTP__EXT_SIZE }, { "PIPELINING", LM_SMTP__EXT_PIPELINING },
	{ "8BITMIME", LM_SMTP__EXT_8BITMIME }, { "SMTPUTF8", LM_SMTP__EXT_SMTPUTF8 },
	{ "CHUNKING", LM_SMTP__EXT_CHUNKING }, { "DSN", LM_SMTP__EXT_DSN },
	{ "ENHANCEDSTATUSCODES", LM_SMTP__EXT_ENHANCED },
	{ "STARTTLS", LM_SMTP__EXT_STARTTLS },
	{ "AUTH", LM_SMTP__EXT_AUTH }, { "REQUIRETLS", LM_SMTP__EXT_REQUIRETLS },
	{ "BINARYMIME", LM_SMTP__EXT_BINARYMIME }
};

/* ------------------------------------------------------------------ */
/* small helpers                                                       */
/* ------------------------------------------------------------------ */

void
lm_smtp__trace(lm_smtp_client *c, char dir, const void *p, size_t n)
{
	if (c->opts.trace)
		c->opts.trace(dir, (const char *)p, n, c->opts.trace_ud);
}

void
lm_smtp__trace_s(lm_smtp_client *c, char dir, const char *s)
{
	lm_smtp__trace(c, dir, s, strlen(s));
}

/* Move pending output to the front; returns the free space at oend. */
size_t
lm_smtp__out_room(lm_smtp_client *c)
{
	return lm_core__io_out_room(&c->io, NULL);
}

/* ------------------------------------------------------------------ */
/* pending replies                                                     */
/* ------------------------------------------------------------------ */

void
lm_smtp__q_push(lm_smtp_client *c, int cmd, unsigned idx)
{
	unsigned pos = (c->q_head + c->q_count) % LM_SMTP_PIPELINE_MAX;
	c->q_cmd[pos] = (unsigned char)cmd;
	c->q_idx[pos] = idx;
	/* every byte received so far came before the command was sent:
	 * none of them starts its reply (handle_line()) */
	c->q_rx[pos] = c->io.rx_total;
	c->q_count++;
	c->q_last = cmd;
}

static void
q_pop(lm_smtp_client *c)
{
	if (c->q_count == 0)
		return;
	c->q_head = (c->q_head + 1) % LM_SMTP_PIPELINE_MAX;
	c->q_count--;
	if (c->q_count == 0)
		c->q_last = LM_SMTP_CMD_NONE;
}

static int
q_has(const lm_smtp_client *c, int cmd)
{
	unsigned i;
	for (i = 0; i < c->q_count; i++)
		if (c->q_cmd[(c->q_head + i) % LM_SMTP_PIPELINE_MAX] == cmd)
			return 1;
	return 0;
}

/* Queue a whole command line (without CRLF) and its pending reply. The
 * caller checked the state; this checks room only. */
int
lm_smtp__queue_line(lm_smtp_client *c, int cmd, unsigned idx, const char *line,
                    size_t n)
{
	if (c->q_count >= LM_SMTP_PIPELINE_MAX)
		return LM_ERR_LIMIT;
	if (lm_smtp__out_room(c) < n + 2)
		return LM_ERR_BUFFER_TOO_SMALL;
	memcpy(c->io.obuf + c->io.oend, line, n);
	c->io.obuf[c->io.oend + n] = '\r';
	c->io.obuf[c->io.oend + n + 1] = '\n';
	c->io.oend += n + 2;
	lm_smtp__q_push(c, cmd, idx);
	lm_smtp__trace(c, 'C', line, n);
	return 0;
}

/* ------------------------------------------------------------------ */
/* init / free / buffers                                               */
/* ------------------------------------------------------------------ */

/* see smtp.h */
int
lm_smtp_init(lm_smtp_client *c, const lm_smtp_opts *o, void *ibuf, size_t ilen,
             void *obuf, size_t olen)
{
	static const lm_smtp_opts defaults = LM_SMTP_OPTS_INIT;
	const char *d;
	size_t i;

	if (c == NULL || ibuf == NULL || obuf == NULL || ilen < 64 ||
	    olen < LM_SMTP_BUFSIZE_OUT_MIN)
		return LM_ERR_BAD_PARAM;
	if (o == NULL)
		o = &defaults;
	if (o->version != LM_SMTP_OPTS_VERSION)
		return LM_ERR_BAD_PARAM;
	d = o->helo_domain ? o->helo_domain : "localhost";
	for (i = 0; d[i]; i++) {
		unsigned char ch = (unsigned char)d[i];
		if (ch <= 32 || ch >= 127 || i >= 255)
			return LM_ERR_BAD_PARAM;
	}
	if (i == 0)
		return LM_ERR_BAD_PARAM;
	memset(c, 0, sizeof *c);
	c->opts = *o;
	c->opts.helo_domain = d;
	lm_core__io_init(&c->io, ibuf, ilen, obuf, olen);
	c->q_last = LM_SMTP_CMD_NONE;
	c->at_bol = 1;
	lm_smtp__set_state(c, LM_SMTP__PH_GREET, LM_SMTP__TX_NONE);
	lm_smtp__q_push(c, LM_SMTP_CMD_GREETING, 0);
	return 0;
}

/* see smtp.h */
int
lm_smtp_reset(lm_smtp_client *c)
{
	lm_smtp_opts o;
	lm_core__io io;

	if (c == NULL || c->io.ibuf == NULL || c->io.obuf == NULL)
		return LM_ERR_BAD_PARAM;
	o = c->opts;
	io = c->io;
	lm_core__io_free(&c->io, c->wipe_out, c, sizeof *c);
	return lm_smtp_init(c, &o, io.ibuf, io.ilen, io.obuf, io.olen);
}

/* see smtp.h */
void
lm_smtp_free(lm_smtp_client *c)
{
	if (c != NULL)
		lm_core__io_free(&c->io, c->wipe_out, c, sizeof *c);
}

/* see smtp.h */
unsigned char *
lm_smtp_recv_buf(lm_smtp_client *c, size_t *len)
{
	return lm_core__io_recv_buf(c ? &c->io : NULL, len, NULL);
}

/* RFC 3207 / CVE-2021-22947: nothing may arrive in plaintext between the
 * 220 to STARTTLS and the TLS handshake. */
static int
tls_waiting(const lm_smtp_client *c)
{
	return c != NULL && c->phase == LM_SMTP__PH_TLS_WAIT;
}

/* see smtp.h */
void
lm_smtp_recv_ack(lm_smtp_client *c, size_t len)
{
	if (c != NULL)
		lm_core__io_recv_ack(&c->io, len, tls_waiting(c), &c->err);
}

/* see smtp.h */
void
lm_smtp_recv_eof(lm_smtp_client *c)
{
	if (c != NULL)
		c->eof = 1;
}

/* see smtp.h */
int
lm_smtp_feed(lm_smtp_client *c, const void *p, size_t n, size_t *used)
{
	return lm_core__io_feed(c ? &c->io : NULL, p, n, used, tls_waiting(c),
	                        c ? &c->err : NULL, NULL);
}

/* see smtp.h */
const unsigned char *
lm_smtp_send_buf(const lm_smtp_client *c, size_t *len)
{
	return lm_core__io_send_buf(c ? &c->io : NULL, SIZE_MAX, len);
}

/* see smtp.h */
void
lm_smtp_send_ack(lm_smtp_client *c, size_t len)
{
	/* an AUTH line or response went out: no copy stays */
	if (c != NULL)
		lm_core__io_send_ack(&c->io, len, SIZE_MAX, &c->wipe_out, NULL);
}

/* ------------------------------------------------------------------ */
/* capabilities                                                        */
/* ------------------------------------------------------------------ */

/* Record one EHLO capability line (text after "250-"/"250 "). */
static int
caps_add(lm_smtp_client *c, const unsigned char *t, size_t n)
{
	const char *p = (const char *)t;
	size_t k, i;
	int r;

	r = lm_core__caps_add(c->caps, LM_SMTP_CAPS_MAX, &c->caps_len, t, &n,
	                      LM_CORE__CAPS_EHLO, &k);
	if (r || n == 0)
		return r;
	for (i = 0; i < sizeof known_ext / sizeof known_ext[0]; i++)
		if (lm_core__ieq(p, k, known_ext[i].name, strlen(known_ext[i].name)))
			c->ext |= known_ext[i].bit;
	return 0;
}

/* Find keyword kw in the stored capability lines. */
static int
caps_find(const lm_smtp_client *c, const char *kw, lm_slice *param)
{
	return lm_core__caps_find(c->caps, c->caps_len, kw, LM_CORE__CAPS_EHLO, param);
}

/* see smtp.h */
int
lm_smtp_has_ext(const lm_smtp_client *c, const char *kw)
{
	if (c == NULL || kw == NULL)
		return 0;
	return caps_find(c, kw, NULL);
}

/* see smtp.h */
int
lm_smtp_ext_param(const lm_smtp_client *c, const char *kw, lm_slice *param)
{
	if (param) {
		param->p = (const unsigned char *)"";
		param->len = 0;
	}
	if (c == NULL || kw == NULL)
		return 0;
	return caps_find(c, kw, param);
}

/* ------------------------------------------------------------------ */
/* reply parsing                                                       */
/* ------------------------------------------------------------------ */

static int
digit(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

/* RFC 3463: status-code = class "." subject "." detail, class 2/4/5,
 * subject and detail 1 to 3 digits, followed by SP or the end. Parsed
 * only when the class agrees with the reply code. */
static void
parse_enh(lm_smtp_event *ev, lm_slice *text)
{
	const unsigned char *p = text->p;
	size_t n = text->len, i = 0, k;
	int v[3];

	for (k = 0; k < 3; k++) {
		size_t start = i;
		v[k] = 0;
		while (i < n && digit(p[i]) && i - start < 3) {
			v[k] = v[k] * 10 + (p[i] - '0');
			i++;
		}
		if (i == start || (k == 0 && i - start != 1))
			return;
		if (k < 2) {
			if (i >= n || p[i] != '.')
				return;
			i++;
		}
	}
	if (i < n && p[i] != ' ')
		return;
	if (v[0] != ev->code / 100 || (v[0] != 2 && v[0] != 4 && v[0] != 5))
		return;
	ev->enh_class = v[0];
	ev->enh_subject = v[1];
	ev->enh_detail = v[2];
	while (i < n && p[i] == ' ')
		i++;
	text->p += i;
	text->len -= i;
}

/* AUTH: cancel the exchange with "*" and fail once it was sent. */
static void
auth_cancel(lm_smtp_client *c, int err)
{
	lm_smtp__out_room(c);
	if (c->io.olen - c->io.oend >= 3) {
		memcpy(c->io.obuf + c->io.oend, "*\r\n", 3);
		c->io.oend += 3;
		lm_smtp__trace_s(c, 'C', "*");
	}
	c->sasl = NULL;
	c->auth_fail = err;
	lm_zeroize(c->sasl_raw, sizeof c->sasl_raw);
}

/* AUTH: answer a 334 challenge. */
static void
auth_challenge(lm_smtp_client *c, const lm_slice *text)
{
	size_t half, dl = 0, rl = 0, el = 0;
	int r;

	/* No output is pending here (WANT_WRITE comes first), so the
	 * whole output buffer is scratch: the decoded challenge goes to
	 * its upper half, the encoded response to the front. */
	lm_smtp__out_room(c);
	half = c->io.olen / 2;
	r = lm_b64_decode((const char *)text->p, text->len, c->io.obuf + half,
	                  c->io.olen - half, &dl);
	if (r < 0) {
		auth_cancel(c, r == LM_ERR_BUFFER_TOO_SMALL ? LM_ERR_SASL : LM_ERR_PROTOCOL);
		return;
	}
	r = lm_sasl_step(c->sasl, c->io.obuf + half, dl, c->sasl_raw,
	                 sizeof c->sasl_raw, &rl);
	if (r < 0) {
		auth_cancel(c, r);
		return;
	}
	r = lm_b64_encode(c->sasl_raw, rl, (char *)c->io.obuf, c->io.olen - 2, &el);
	lm_zeroize(c->sasl_raw, rl);
	if (r < 0) {
		auth_cancel(c, LM_ERR_BUFFER_TOO_SMALL);
		return;
	}
	c->io.obuf[el] = '\r';
	c->io.obuf[el + 1] = '\n';
	c->io.ostart = 0;
	c->io.oend = el + 2;
	c->wipe_out = 1;
	lm_smtp__trace_s(c, 'C', "<redacted>");
}

/* AUTH: a 235 reply whose text (after the enhanced status code) may be
 * "additional data with success" (RFC 4422 3.6), e.g. SCRAM's
 * server-final message from servers that send it there rather than in
 * a last 334 challenge. The data is used only when the mechanism is not
 * complete yet (otherwise the text is just text) and only if, fed to a
 * copy of the context, it completes the exchange; then the copy
 * replaces the context. Anything else leaves the context as it was,
 * and lm_sasl_finish() decides as without data. */
static void
auth_success_data(lm_smtp_client *c, lm_sasl *s, const lm_slice *text)
{
	lm_sasl t;
	unsigned char out[16];
	size_t dl = 0, rl = 0;

	if (text->len == 0)
		return;
	t = *s;
	if (lm_sasl_finish(&t) == 0) {
		lm_zeroize(&t, sizeof t);
		return;
	}
	t = *s;
	if (lm_b64_decode((const char *)text->p, text->len, c->sasl_raw,
	                  sizeof c->sasl_raw, &dl) == 0 &&
	    lm_sasl_step(&t, c->sasl_raw, dl, out, sizeof out, &rl) == 0 &&
	    rl == 0 && lm_sasl_finish(&t) == 0)
		*s = t;
	lm_zeroize(&t, sizeof t);
	lm_zeroize(out, sizeof out);
	lm_zeroize(c->sasl_raw, sizeof c->sasl_raw);
}

/* The transaction failed at MAIL: end it once nothing of it is pending. */
static void
maybe_end_tx(lm_smtp_client *c)
{
	if (c->mail_failed && c->tx == LM_SMTP__TX_MAIL && !q_has(c, LM_SMTP_CMD_MAIL) &&
	    !q_has(c, LM_SMTP_CMD_RCPT))
		lm_smtp__set_state(c, -1, LM_SMTP__TX_NONE);
}

/* A final reply line to command `head`. Returns LM_EVENT, 0 to keep
 * going, or an error. */
static int
final_reply(lm_smtp_client *c, lm_smtp_event *ev, int head)
{
	int code = ev->code;
	int ok2 = code / 100 == 2;

	if (code == 421 && head != LM_SMTP_CMD_QUIT) {
		/* Service closing: this answers the head command (or is
		 * unsolicited); the rest will never be answered. */
		c->q_count = 0;
		c->q_last = LM_SMTP_CMD_NONE;
		c->sasl = NULL;
		lm_smtp__set_state(c, LM_SMTP__PH_CLOSING, LM_SMTP__TX_NONE);
		ev->type = LM_SMTP_EV_REPLY;
		return LM_EVENT;
	}
	if (head == LM_SMTP_CMD_AUTH && code == 334) {
		auth_challenge(c, &ev->text);
		/* the next reply answers the response queued now */
		c->q_rx[c->q_head] = c->io.rx_total;
		return 0;
	}
	q_pop(c);
	ev->type = LM_SMTP_EV_REPLY;
	switch (head) {
	case LM_SMTP_CMD_GREETING:
		if (code == 220) {
			lm_smtp__set_state(c, LM_SMTP__PH_CONNECTED, -1);
			ev->type = LM_SMTP_EV_GREETING;
		} else {
			lm_smtp__set_state(c, LM_SMTP__PH_REFUSED, -1);
		}
		break;
	case LM_SMTP_CMD_EHLO:
		if (code == 250) {
			lm_smtp__set_state(c, LM_SMTP__PH_READY, -1);
		} else if (code / 100 == 5 && !c->opts.require_tls) {
			char line[300];
			size_t n;
			lm_smtp__caps_clear(c);
			n = (size_t)(strlen(c->opts.helo_domain));
			memcpy(line, "HELO ", 5);
			memcpy(line + 5, c->opts.helo_domain, n);
			/* Output is empty and the queue too: this fits. */
			lm_smtp__queue_line(c, LM_SMTP_CMD_HELO, 0, line, n + 5);
			return 0;
		} else {
			lm_smtp__caps_clear(c);
			lm_smtp__set_state(c, LM_SMTP__PH_CONNECTED, -1);
		}
		break;
	case LM_SMTP_CMD_HELO:
		lm_smtp__caps_clear(c);
		lm_smtp__set_state(c, code == 250 ? LM_SMTP__PH_READY :
		                   LM_SMTP__PH_CONNECTED, -1);
		break;
	case LM_SMTP_CMD_STARTTLS:
		if (code == 220) {
			if (c->io.ipos < c->io.iend)
				return lm_smtp__fail(c, LM_ERR_PROTOCOL);
			lm_smtp__set_state(c, LM_SMTP__PH_TLS_WAIT, -1);
			ev->type = LM_SMTP_EV_TLS_READY;
		}
		break;
	case LM_SMTP_CMD_AUTH:
		if (code == 235) {
			lm_sasl *s = c->sasl;
			c->sasl = NULL;
			if (s != NULL)
				auth_success_data(c, s, &ev->text);
			if (s == NULL || lm_sasl_finish(s) != 0)
				return lm_smtp__fail(c, LM_ERR_SASL);
			c->authed = 1;
		}
		c->sasl = NULL;
		ev->type = LM_SMTP_EV_AUTH_DONE;
		break;
	case LM_SMTP_CMD_MAIL:
		if (!ok2 && c->tx != LM_SMTP__TX_NONE)
			c->mail_failed = 1;
		maybe_end_tx(c);
		break;
	case LM_SMTP_CMD_RCPT:
		c->rcpt_replied++;
		if (ok2)
			c->rcpt_ok++;
		maybe_end_tx(c);
		break;
	case LM_SMTP_CMD_DATA:
		if (code == 354) {
			if (c->rcpt_ok == 0 || c->mail_failed) {
				/* RFC 2920 3.1: DATA accepted without any
				 * recipient: send an empty message's end. */
				lm_smtp__queue_line(c, LM_SMTP_CMD_BODY, 0, ".", 1);
				lm_smtp__set_state(c, -1, LM_SMTP__TX_END_WAIT);
			} else {
				c->at_bol = 1;
				c->pend_cr = 0;
				lm_smtp__set_state(c, -1, LM_SMTP__TX_BODY);
				ev->type = LM_SMTP_EV_DATA_READY;
			}
		} else {
			lm_smtp__set_state(c, -1, LM_SMTP__TX_NONE);
		}
		break;
	case LM_SMTP_CMD_BDAT:
		if (!ok2) {
			c->bdat_failed = 1;
			c->bd_len = 0;
			if (c->bdat_last == 1) {
				/* LAST never framed: after lm_smtp_body_end()
				 * this refusal is the message's final reply */
				ev->cmd = LM_SMTP_CMD_BODY;
				lm_smtp__set_state(c, -1, LM_SMTP__TX_NONE);
			}
		}
		break;
	case LM_SMTP_CMD_BODY:
		/* RFC 3030: after a refused chunk the transaction has
		 * failed; a server accepting LAST then would have the
		 * message reported sent without the refused data */
		if (ok2 && c->bdat && c->bdat_failed)
			return lm_smtp__fail(c, LM_ERR_PROTOCOL);
		lm_smtp__set_state(c, -1, LM_SMTP__TX_NONE);
		break;
	default:
		break;
	}
	return LM_EVENT;
}

/* One reply line (without its terminator). */
static int
handle_line(lm_smtp_client *c, const unsigned char *p, size_t n, uint64_t at,
            lm_smtp_event *ev)
{
	int code, cont, head;
	unsigned idx, lineno;
	lm_slice text;

	lm_smtp__trace(c, 'S', p, n);
	if (n < 3 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '5' ||
	    !digit(p[2]) || (n > 3 && p[3] != ' ' && p[3] != '-'))
		return lm_smtp__fail(c, LM_ERR_PROTOCOL);
	code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	cont = n > 3 && p[3] == '-';
	text.p = n > 4 ? p + 4 : p + n;
	text.len = n > 4 ? n - 4 : 0;
	if (c->rl_lines > 0 && code != c->rl_code)
		return lm_smtp__fail(c, LM_ERR_PROTOCOL);
	if (c->rl_lines == 0)
		c->rl_code = code;
	lineno = ++c->rl_lines;
	if (lineno > LM_SMTP_REPLY_LINES_MAX)
		return lm_smtp__fail(c, LM_ERR_LIMIT);
	if (!cont)
		c->rl_lines = 0;
	if (c->phase == LM_SMTP__PH_CLOSING)
		return 0;   /* after 421: nothing more is meaningful */

	head = c->q_count ? c->q_cmd[c->q_head] : LM_SMTP_CMD_NONE;
	idx = c->q_count ? c->q_idx[c->q_head] : 0;
	/* A reply that began before the head command was queued (or its
	 * latest SASL response) was sent before the server could have
	 * read it: it answers something else (a 250 read along with the
	 * 354 is not the reply to the end of data, nor one read along
	 * with the greeting the reply to EHLO). Only a 421 may come at any
	 * time (RFC 5321 3.8). */
	if (c->q_count && lineno == 1 && at < c->q_rx[c->q_head] && code != 421)
		return lm_smtp__fail(c, LM_ERR_PROTOCOL);
	/* Nor may any line but a 421's come while nothing is outstanding:
	 * the first line of a multi-line reply too, or a command queued
	 * before its last line would take a reply that began before it
	 * (the check above looks at first lines only; the head cannot
	 * change inside a reply). */
	if (head == LM_SMTP_CMD_NONE && code != 421)
		return lm_smtp__fail(c, LM_ERR_PROTOCOL);
	memset(ev, 0, sizeof *ev);
	ev->cmd = (lm_smtp_cmd)head;
	ev->index = idx;
	ev->code = code;
	ev->text = text;

	if (head == LM_SMTP_CMD_EHLO && code == 250) {
		/* The first line names the server; the others are
		 * capability keywords (RFC 5321 4.1.1.1). */
		if (lineno == 1) {
			lm_smtp__caps_clear(c);
		} else {
			int r = caps_add(c, text.p, text.len);
			if (r < 0)
				return lm_smtp__fail(c, r);
		}
	} else if (code != 334) {
		parse_enh(ev, &ev->text);
	}
	if (head == LM_SMTP_CMD_AUTH && code == 334 && cont)
		return lm_smtp__fail(c, LM_ERR_PROTOCOL);
	if (cont) {
		if (head == LM_SMTP_CMD_EHLO && code / 100 == 5 &&
		    !c->opts.require_tls)
			return 0;   /* HELO fallback follows: not reported */
		ev->type = LM_SMTP_EV_REPLY_LINE;
		return LM_EVENT;
	}
	return final_reply(c, ev, head);
}

/* ------------------------------------------------------------------ */
/* BDAT framing                                                        */
/* ------------------------------------------------------------------ */

static int
bdat_can_frame(const lm_smtp_client *c)
{
	if (!c->bdat || c->bdat_failed || c->io.ostart != c->io.oend)
		return 0;
	if (c->tx != LM_SMTP__TX_BODY && c->tx != LM_SMTP__TX_END_WAIT)
		return 0;
	if (c->bd_len == 0 && c->bdat_last != 1)
		return 0;
	if (c->q_count == 0)
		return 1;
	return lm_smtp__pipelining(c) && c->q_count < LM_SMTP_PIPELINE_MAX;
}

static void
bdat_frame(lm_smtp_client *c)
{
	char h[BDAT_HDR];
	lm_smtp__sbuf b;
	int last = c->bdat_last == 1;

	if (last && (c->pend_cr || !c->at_bol)) {
		/* reserve guarantees room */
		c->io.obuf[BDAT_HDR + c->bd_len] = '\r';
		c->io.obuf[BDAT_HDR + c->bd_len + 1] = '\n';
		c->bd_len += 2;
		c->pend_cr = 0;
		c->at_bol = 1;
	}
	b.p = h;
	b.len = 0;
	b.cap = sizeof h;
	b.over = 0;
	lm_smtp__sb_puts(&b, "BDAT ");
	lm_smtp__sb_u64(&b, (uint64_t)c->bd_len);
	if (last)
		lm_smtp__sb_puts(&b, " LAST");
	lm_smtp__trace(c, 'C', h, b.len);
	lm_smtp__sb_puts(&b, "\r\n");
	memcpy(c->io.obuf + BDAT_HDR - b.len, h, b.len);
	c->io.ostart = BDAT_HDR - b.len;
	c->io.oend = BDAT_HDR + c->bd_len;
	c->bd_len = 0;
	if (last) {
		c->bdat_last = 2;
		lm_smtp__q_push(c, LM_SMTP_CMD_BODY, 0);
	} else {
		lm_smtp__q_push(c, LM_SMTP_CMD_BDAT, 0);
	}
}

/* ------------------------------------------------------------------ */
/* next                                                                */
/* ------------------------------------------------------------------ */

/* see smtp.h */
int
lm_smtp_next(lm_smtp_client *c, lm_smtp_event *ev)
{
	if (c == NULL || ev == NULL)
		return LM_ERR_BAD_PARAM;
	for (;;) {
		size_t avail, max, ll = 0, cons = 0;
		int r;

		if (c->err)
			return c->err;
		if (c->io.ostart < c->io.oend)
			return LM_WANT_WRITE;
		if (c->auth_fail)
			return lm_smtp__fail(c, c->auth_fail);
		if (bdat_can_frame(c)) {
			bdat_frame(c);
			continue;
		}
		if (c->ev_data_ready) {
			c->ev_data_ready = 0;
			memset(ev, 0, sizeof *ev);
			ev->type = LM_SMTP_EV_DATA_READY;
			ev->cmd = LM_SMTP_CMD_BDAT;
			ev->text.p = c->io.ibuf;
			return LM_EVENT;
		}
		/* The handshake failed and the connection is gone (recv_eof):
		 * that is final, not a wait for tls_done(). */
		if (c->phase == LM_SMTP__PH_TLS_WAIT)
			return c->eof ? lm_smtp__fail(c, LM_ERR_EOF) : LM_ERR_BAD_STATE;
		if (c->phase == LM_SMTP__PH_CLOSED)
			return LM_DONE;

		avail = c->io.iend - c->io.ipos;
		max = c->io.ilen < LM_SMTP_LINE_MAX ? c->io.ilen : LM_SMTP_LINE_MAX;
		r = lm_line_next(c->io.ibuf + c->io.ipos, avail, max, &ll, &cons);
		if (r < 0)
			return lm_smtp__fail(c, r);
		if (r == 1) {
			const unsigned char *line = c->io.ibuf + c->io.ipos;
			uint64_t at = lm_core__io_rx_at(&c->io);
			c->io.ipos += cons;
			r = handle_line(c, line, ll, at, ev);
			if (r != 0)
				return r;
			continue;
		}
		if (!c->eof)
			return LM_WANT_READ;
		if (c->phase == LM_SMTP__PH_QUIT || c->phase == LM_SMTP__PH_CLOSING ||
		    c->phase == LM_SMTP__PH_REFUSED) {
			lm_smtp__set_state(c, LM_SMTP__PH_CLOSED, LM_SMTP__TX_NONE);
			c->q_count = 0;
			memset(ev, 0, sizeof *ev);
			ev->type = LM_SMTP_EV_CLOSED;
			ev->text.p = c->io.ibuf;
			return LM_EVENT;
		}
		return lm_smtp__fail(c, LM_ERR_EOF);
	}
}

/* ------------------------------------------------------------------ */
/* errors, time-outs and names                                         */
/* ------------------------------------------------------------------ */

/* see smtp.h */
int
lm_smtp_last_error(const lm_smtp_client *c)
{
	return c ? c->err : LM_ERR_BAD_PARAM;
}

/* see smtp.h */
unsigned
lm_smtp_timeout_hint(const lm_smtp_client *c)
{
	if (c == NULL)
		return 0;
	if (c->io.ostart < c->io.oend && c->tx == LM_SMTP__TX_BODY)
		return 180;
	if (c->q_count > 0) {
		switch (c->q_cmd[c->q_head]) {
		case LM_SMTP_CMD_DATA:
			return 120;
		case LM_SMTP_CMD_BDAT:
			return 180;
		case LM_SMTP_CMD_BODY:
			return 600;
		default:
			return 300;
		}
	}
	return c->io.ostart < c->io.oend ? 300 : 0;
}

/* see smtp.h */
const char *
lm_smtp_cmd_name(lm_smtp_cmd cmd)
{
	static const char *const names[] = {
		"NONE", "GREETING", "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL",
		"RCPT", "DATA", "BDAT", "BODY", "RSET", "NOOP", "QUIT"
	};
	if ((unsigned)cmd < sizeof names / sizeof names[0])
		return names[cmd];
	return "?";
}

/* see smtp.h */
const char *
lm_smtp_event_name(lm_smtp_event_type t)
{
	static const char *const names[] = {
		"?", "GREETING", "REPLY_LINE", "REPLY", "TLS_READY", "DATA_READY",
		"AUTH_DONE", "CLOSED"
	};
	if ((unsigned)t < sizeof names / sizeof names[0])
		return names[t];
	return "?";
}
