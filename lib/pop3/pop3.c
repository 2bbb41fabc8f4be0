/*
 * libmail - POP3 client engine (RFC 1939, RFC 2449, RFC 2595, RFC 5034,
 * RFC 6856), sans-IO.
 *
 * Input is parsed in two modes. Status lines and listing lines (CAPA,
 * LIST, UIDL) are framed with lm_line_next() and bounded by
 * min(ilen, LM_POP3_LINE_MAX). RETR/TOP bodies are a byte stream: the
 * engine hands out the bytes in its input buffer as DATA slices and
 * removes stuffed dots with a four-state machine (at line start, in a
 * line, after a leading ".", after ".\r"), so no line length applies
 * and the state survives any chunk boundary. Lines end at LF (CR LF or,
 * LM_POP3_LENIENT_BARE_LF, LF alone; a lone CR is content); the body
 * ends at ".\r\n", or at ".\n" when its +OK line ended in LF alone
 * (body_lf).
 *
 * The status line of a multi-line reply (and of STAT, LIST n, UIDL n)
 * is copied into the context (st_*), because the final REPLY event
 * comes after the items, when the input buffer holds other bytes.
 *
 * The engine parses input only when no output is pending (WANT_WRITE
 * first), so when a reply is handled the whole output buffer is free;
 * the AUTH and PASS code relies on that.
 *
 * This file holds the replies and the session state: buffers,
 * capabilities, the queue of pending replies, reply parsing and
 * lm_pop3_next(). The commands are built in cmd.c.
 */
#include <limits.h>
#include <string.h>

#include "libmail/pop3.h"
#include "libmail/core.h"
#include "../core/caps.h"
#include "../core/io.h"
#include "internal.h"

/* Multi-line parsing modes (ml). */
enum { ML_NONE = 0, ML_LIST, ML_BODY };

/* Body states (bstate). */
enum { BS_BOL = 0, BS_MID, BS_DOT, BS_DOTCR };

/* Follow-up events (pend_ev). */
enum { PEND_NONE = 0, PEND_REPLY };

#define UID_MAX 70         /* RFC 1939 7: unique-id up to 70 chars  */
#define CODE_MAX 63        /* longest response code kept (st_code)  */

/* ------------------------------------------------------------------ */
/* small helpers                                                       */
/* ------------------------------------------------------------------ */

/* Move pending output to the front; returns the free space at oend. */
size_t
lm_pop3__out_room(lm_pop3_client *c)
{
	return lm_core__io_out_room(&c->io, NULL);
}

/* An empty event whose slices are empty but never NULL. */
static void
ev_clear(lm_pop3_event *ev)
{
	static const unsigned char none[1] = { 0 };
	memset(ev, 0, sizeof *ev);
	ev->code.p = ev->text.p = ev->uid.p = ev->apop.p = ev->data.p = none;
}

/* ------------------------------------------------------------------ */
/* pending replies                                                     */
/* ------------------------------------------------------------------ */

static void
q_pop(lm_pop3_client *c)
{
	if (c->q_count == 0)
		return;
	if (lm_pop3__state_changing(c->q_cmd[c->q_head]))
		c->q_block = 0;
	c->q_head = (c->q_head + 1) % LM_POP3_PIPELINE_MAX;
	c->q_count--;
}

/* Queue a whole command line (without CRLF) and its pending reply.
 * The caller checked the state; this checks room only. tkeep: trace
 * the line as is (-1) or redacted after tkeep bytes. */
int
lm_pop3__queue_line(lm_pop3_client *c, int cmd, unsigned long arg,
                    const char *line, size_t n, long tkeep)
{
	if (c->q_count >= LM_POP3_PIPELINE_MAX)
		return LM_ERR_LIMIT;
	if (lm_pop3__out_room(c) < n + 2)
		return LM_ERR_BUFFER_TOO_SMALL;
	memcpy(c->io.obuf + c->io.oend, line, n);
	c->io.obuf[c->io.oend + n] = '\r';
	c->io.obuf[c->io.oend + n + 1] = '\n';
	c->io.oend += n + 2;
	lm_pop3__q_push(c, cmd, arg);
	if (tkeep < 0) {
		lm_pop3__trace(c, 'C', line, n);
	} else {
		c->wipe_out = 1;
		lm_trace_emit_redacted(c->opts.trace, c->opts.trace_ud, 'C', line,
		                       n, (size_t)tkeep);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* init / free / buffers                                               */
/* ------------------------------------------------------------------ */

/* see pop3.h */
int
lm_pop3_init(lm_pop3_client *c, const lm_pop3_opts *o, void *ibuf, size_t ilen,
             void *obuf, size_t olen)
{
	static const lm_pop3_opts defaults = LM_POP3_OPTS_INIT;

	if (c == NULL || ibuf == NULL || obuf == NULL ||
	    ilen < LM_POP3_BUFSIZE_IN_MIN || olen < LM_POP3_BUFSIZE_OUT_MIN)
		return LM_ERR_BAD_PARAM;
	if (o == NULL)
		o = &defaults;
	if (o->version != LM_POP3_OPTS_VERSION)
		return LM_ERR_BAD_PARAM;
	memset(c, 0, sizeof *c);
	c->opts = *o;
	lm_core__io_init(&c->io, ibuf, ilen, obuf, olen);
	c->phase = LM_POP3__PH_GREET;
	lm_pop3__q_push(c, LM_POP3_CMD_GREETING, 0);
	return 0;
}

/* see pop3.h */
int
lm_pop3_reset(lm_pop3_client *c)
{
	lm_pop3_opts o;
	lm_core__io io;

	if (c == NULL || c->io.ibuf == NULL || c->io.obuf == NULL)
		return LM_ERR_BAD_PARAM;
	o = c->opts;
	io = c->io;
	lm_core__io_free(&c->io, c->wipe_out, c, sizeof *c);
	return lm_pop3_init(c, &o, io.ibuf, io.ilen, io.obuf, io.olen);
}

/* see pop3.h */
void
lm_pop3_free(lm_pop3_client *c)
{
	if (c != NULL)
		lm_core__io_free(&c->io, c->wipe_out, c, sizeof *c);
}

/* see pop3.h */
unsigned char *
lm_pop3_recv_buf(lm_pop3_client *c, size_t *len)
{
	return lm_core__io_recv_buf(c ? &c->io : NULL, len, NULL);
}

/* RFC 2595 4 / CVE-2021-22947: nothing may arrive in plaintext between
 * the +OK to STLS and the TLS handshake. */
static int
tls_waiting(const lm_pop3_client *c)
{
	return c != NULL && c->phase == LM_POP3__PH_TLS_WAIT;
}

/* see pop3.h */
void
lm_pop3_recv_ack(lm_pop3_client *c, size_t len)
{
	if (c != NULL)
		lm_core__io_recv_ack(&c->io, len, tls_waiting(c), &c->err);
}

/* see pop3.h */
void
lm_pop3_recv_eof(lm_pop3_client *c)
{
	if (c != NULL)
		c->eof = 1;
}

/* see pop3.h */
int
lm_pop3_feed(lm_pop3_client *c, const void *p, size_t n, size_t *used)
{
	return lm_core__io_feed(c ? &c->io : NULL, p, n, used, tls_waiting(c),
	                        c ? &c->err : NULL, NULL);
}

/* see pop3.h */
const unsigned char *
lm_pop3_send_buf(const lm_pop3_client *c, size_t *len)
{
	return lm_core__io_send_buf(c ? &c->io : NULL, SIZE_MAX, len);
}

/* see pop3.h */
void
lm_pop3_send_ack(lm_pop3_client *c, size_t len)
{
	/* a PASS, APOP or AUTH line went out: no copy stays */
	if (c != NULL)
		lm_core__io_send_ack(&c->io, len, SIZE_MAX, &c->wipe_out, NULL);
}

/* ------------------------------------------------------------------ */
/* capabilities                                                        */
/* ------------------------------------------------------------------ */

/* Record one CAPA line. */
static int
caps_add(lm_pop3_client *c, const unsigned char *t, size_t n)
{
	size_t k;
	int r;

	r = lm_core__caps_add(c->caps, LM_POP3_CAPS_MAX, &c->caps_len, t, &n,
	                      LM_CORE__CAPS_CAPA, &k);
	if (r == 0 && lm_core__ieq((const char *)t, k, "PIPELINING", 10))
		c->pipe_cap = 1;
	return r;
}

int
lm_pop3__caps_find(const lm_pop3_client *c, const char *kw, lm_slice *param)
{
	if (!c->have_caps)
		return 0;
	return lm_core__caps_find(c->caps, c->caps_len, kw, LM_CORE__CAPS_CAPA, param);
}

/* see pop3.h */
int
lm_pop3_has_capa(const lm_pop3_client *c, const char *kw)
{
	if (c == NULL || kw == NULL)
		return 0;
	return lm_pop3__caps_find(c, kw, NULL);
}

/* see pop3.h */
int
lm_pop3_capa_param(const lm_pop3_client *c, const char *kw, lm_slice *param)
{
	if (param) {
		param->p = (const unsigned char *)"";
		param->len = 0;
	}
	if (c == NULL || kw == NULL)
		return 0;
	return lm_pop3__caps_find(c, kw, param);
}

/* ------------------------------------------------------------------ */
/* reply parsing                                                       */
/* ------------------------------------------------------------------ */

/* RFC 2449 8: resp-code = "[" resp-level *("/" resp-level) "]",
 * resp-level = 1*rchar, rchar = %x21-2E / %x30-5C / %x5E-7F. When text
 * starts with a valid code, split it off (code without brackets; text
 * after the "]" and its spaces). */
static void
parse_code(lm_slice *text, lm_slice *code)
{
	const unsigned char *p = text->p;
	size_t n = text->len, i, lvl = 0;

	code->p = p;
	code->len = 0;
	if (n < 3 || p[0] != '[')
		return;
	for (i = 1; i < n; i++) {
		unsigned char ch = p[i];
		if (ch == ']')
			break;
		if (ch == '/') {
			if (lvl == 0)
				return;
			lvl = 0;
		} else if (ch >= 0x21 && ch <= 0x7F && ch != ']' && ch != '/') {
			lvl++;
		} else {
			return;
		}
	}
	/* a code too long to keep (st_code) stays part of the text */
	if (i >= n || lvl == 0 || i - 1 > CODE_MAX)
		return;
	code->p = p + 1;
	code->len = i - 1;
	i++;
	while (i < n && p[i] == ' ')
		i++;
	text->p = p + i;
	text->len = n - i;
}

/* Strict decimal number at p[*pos..n): 1 or more digits, no sign, value
 * <= max. Advances *pos. 0 or LM_ERR_PROTOCOL. */
static int
parse_num(const unsigned char *p, size_t n, size_t *pos, uint64_t max, uint64_t *out)
{
	size_t i = *pos;
	uint64_t v = 0;

	if (i >= n || p[i] < '0' || p[i] > '9')
		return LM_ERR_PROTOCOL;
	while (i < n && p[i] >= '0' && p[i] <= '9') {
		unsigned d = (unsigned)(p[i] - '0');
		if (v > (max - d) / 10)
			return LM_ERR_PROTOCOL;
		v = v * 10 + d;
		i++;
	}
	*pos = i;
	*out = v;
	return 0;
}

/* "msg SP size [SP anything]" (scan listing, RFC 1939 5 LIST; also the
 * STAT answer with msg = count, allow_zero). */
static int
parse_scan(const unsigned char *p, size_t n, int allow_zero,
           unsigned long *msg, uint64_t *size)
{
	size_t i = 0;
	uint64_t m = 0, s = 0;

	if (parse_num(p, n, &i, (uint64_t)ULONG_MAX, &m) < 0 || (m == 0 && !allow_zero))
		return LM_ERR_PROTOCOL;
	if (i >= n || p[i] != ' ')
		return LM_ERR_PROTOCOL;
	i++;
	if (parse_num(p, n, &i, UINT64_MAX, &s) < 0)
		return LM_ERR_PROTOCOL;
	if (i < n && p[i] != ' ')
		return LM_ERR_PROTOCOL;
	*msg = (unsigned long)m;
	*size = s;
	return 0;
}

/* "msg SP unique-id" (RFC 1939 7 UIDL): unique-id is 1 to 70 octets in
 * 0x21..0x7E; nothing follows. */
static int
parse_uidl(const unsigned char *p, size_t n, unsigned long *msg, lm_slice *uid)
{
	size_t i = 0, s;
	uint64_t m = 0;

	if (parse_num(p, n, &i, (uint64_t)ULONG_MAX, &m) < 0 || m == 0)
		return LM_ERR_PROTOCOL;
	if (i >= n || p[i] != ' ')
		return LM_ERR_PROTOCOL;
	s = ++i;
	while (i < n && p[i] >= 0x21 && p[i] <= 0x7E)
		i++;
	if (i != n || i == s || i - s > UID_MAX)
		return LM_ERR_PROTOCOL;
	*msg = (unsigned long)m;
	uid->p = p + s;
	uid->len = i - s;
	return 0;
}

/* Keep the status of a reply whose final event comes later. */
static void
save_status(lm_pop3_client *c, int ok, const lm_slice *code, const lm_slice *text)
{
	size_t cl = code->len < sizeof c->st_code ? code->len : 0;
	size_t tl = text->len < sizeof c->st_text ? text->len : sizeof c->st_text;
	c->st_ok = ok;
	memcpy(c->st_code, code->p, cl);
	c->st_code_len = cl;
	memcpy(c->st_text, text->p, tl);
	c->st_text_len = tl;
}

static unsigned long
head_arg(const lm_pop3_client *c)
{
	return c->q_count ? c->q_arg[c->q_head] : 0;
}

static int
head_cmd(const lm_pop3_client *c)
{
	return c->q_count ? c->q_cmd[c->q_head] : LM_POP3_CMD_NONE;
}

/* The REPLY that ends the head command, from the saved status. */
static int
emit_saved_reply(lm_pop3_client *c, lm_pop3_event *ev)
{
	ev_clear(ev);
	ev->type = LM_POP3_EV_REPLY;
	ev->cmd = (lm_pop3_cmd)head_cmd(c);
	ev->ok = c->st_ok;
	ev->code.p = c->st_code;
	ev->code.len = c->st_code_len;
	ev->text.p = c->st_text;
	ev->text.len = c->st_text_len;
	if (ev->cmd != LM_POP3_CMD_CAPA)
		ev->msg = head_arg(c);
	c->pend_ev = PEND_NONE;
	q_pop(c);
	return LM_EVENT;
}

/* AUTH: cancel the exchange with "*" and fail once it was sent. */
static void
auth_cancel(lm_pop3_client *c, int err)
{
	lm_pop3__out_room(c);
	if (c->io.olen - c->io.oend >= 3) {
		memcpy(c->io.obuf + c->io.oend, "*\r\n", 3);
		c->io.oend += 3;
		lm_pop3__trace(c, 'C', "*", 1);
	}
	c->sasl = NULL;
	c->auth_fail = err;
	c->ir_pending = 0;
	lm_zeroize(c->sasl_raw, sizeof c->sasl_raw);
}

/* AUTH: answer a "+ " challenge (text is the base64 after "+ "). */
static void
auth_challenge(lm_pop3_client *c, const unsigned char *t, size_t tn)
{
	size_t half, dl = 0, rl = 0, el = 0;
	int r;

	/* No output is pending here (WANT_WRITE comes first), so the
	 * whole output buffer is scratch: the decoded challenge goes to
	 * its upper half, the encoded response to the front. */
	lm_pop3__out_room(c);
	half = c->io.olen / 2;
	r = lm_b64_decode((const char *)t, tn, c->io.obuf + half, c->io.olen - half, &dl);
	if (r < 0) {
		auth_cancel(c, r == LM_ERR_BUFFER_TOO_SMALL ? LM_ERR_SASL : LM_ERR_PROTOCOL);
		return;
	}
	if (c->ir_pending) {
		/* RFC 5034 4: the initial response did not fit the AUTH
		 * line; the server asks for it with an empty challenge. */
		c->ir_pending = 0;
		if (dl != 0) {
			auth_cancel(c, LM_ERR_SASL);
			return;
		}
		rl = c->ir_len;
	} else {
		r = lm_sasl_step(c->sasl, c->io.obuf + half, dl, c->sasl_raw,
		                 sizeof c->sasl_raw, &rl);
		lm_zeroize(c->io.obuf + half, dl);
		if (r < 0) {
			auth_cancel(c, r);
			return;
		}
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
	lm_trace_emit_redacted(c->opts.trace, c->opts.trace_ud, 'C', c->io.obuf, el, 0);
}

/* +OK to USER: send PASS with the kept password. */
static void
send_pass(lm_pop3_client *c)
{
	char line[5 + LM_POP3__ARG_MAX + 1];
	size_t n = c->pass_len;

	memcpy(line, "PASS ", 5);
	memcpy(line + 5, c->sasl_raw, n);
	lm_zeroize(c->sasl_raw, n);
	c->pass_len = 0;
	/* Output and queue are empty here (the USER reply was the head
	 * and WANT_WRITE comes first): this fits. */
	lm_pop3__queue_line(c, LM_POP3_CMD_PASS, 0, line, 5 + n, 5);
	lm_zeroize(line, sizeof line);
}

static void
login_ok(lm_pop3_client *c)
{
	c->phase = LM_POP3__PH_TRANS;
	c->authed = 1;
}

/* A status line answering the head command. Returns LM_EVENT, 0 to keep
 * going, or an error. */
/* One status line p[0..n), without its terminator; lf: it ended in LF
 * alone. */
static int
status_line(lm_pop3_client *c, const unsigned char *p, size_t n, int lf,
            uint64_t at, lm_pop3_event *ev)
{
	int head = head_cmd(c), ok, r;
	lm_slice text, code;

	/* A status line or challenge that began before the head command
	 * was queued (or its latest SASL response) was sent before the
	 * server could have read it: it answers something else (a +OK to
	 * QUIT would commit the deletions, one to PASS log in). POP3 has
	 * no unsolicited responses (RFC 1939 3). */
	if (c->q_count && at < c->q_rx[c->q_head])
		return lm_pop3__fail(c, LM_ERR_PROTOCOL);
	if (head == LM_POP3_CMD_AUTH && n >= 1 && p[0] == '+' &&
	    (n == 1 || p[1] == ' ')) {
		/* RFC 5034 4: continuation "+" SP base64 (or just "+"). */
		size_t s = n > 1 ? 2 : 1;
		auth_challenge(c, p + s, n - s);
		/* the next line answers the response queued now */
		c->q_rx[c->q_head] = c->io.rx_total;
		return 0;
	}
	if (n >= 3 && memcmp(p, "+OK", 3) == 0 && (n == 3 || p[3] == ' ')) {
		ok = 1;
		text.p = p + (n > 3 ? 4 : 3);
		text.len = n > 3 ? n - 4 : 0;
	} else if (n >= 4 && memcmp(p, "-ERR", 4) == 0 && (n == 4 || p[4] == ' ')) {
		ok = 0;
		text.p = p + (n > 4 ? 5 : 4);
		text.len = n > 4 ? n - 5 : 0;
	} else {
		return lm_pop3__fail(c, LM_ERR_PROTOCOL);
	}
	if (head == LM_POP3_CMD_NONE)
		return lm_pop3__fail(c, LM_ERR_PROTOCOL);   /* unsolicited */

	ev_clear(ev);
	ev->cmd = (lm_pop3_cmd)head;
	ev->ok = ok;
	ev->type = LM_POP3_EV_REPLY;
	{
		/* STAT/LIST n/UIDL n carry numbers right after "+OK ":
		 * never take them for a response code. */
		int numeric = ok && (head == LM_POP3_CMD_STAT ||
		              ((head == LM_POP3_CMD_LIST || head == LM_POP3_CMD_UIDL) &&
		               head_arg(c) != 0));
		lm_slice raw = text;
		if (!numeric)
			parse_code(&text, &code);
		else {
			code.p = text.p;
			code.len = 0;
		}
		ev->code = code;
		ev->text = text;
		if (numeric) {
			save_status(c, ok, &code, &raw);
			ev->text.p = c->st_text;
			ev->text.len = c->st_text_len;
		}
	}

	switch (head) {
	case LM_POP3_CMD_GREETING:
		q_pop(c);
		if (!ok) {
			c->phase = LM_POP3__PH_REFUSED;
			return LM_EVENT;
		}
		c->phase = LM_POP3__PH_AUTH;
		ev->type = LM_POP3_EV_GREETING;
		{
			/* RFC 1939 7: the APOP timestamp is a msg-id "<...>":
			 * the first "<", printable bytes, ">". */
			size_t i = 0, j;
			while (i < n) {
				if (p[i] != '<') {
					i++;
					continue;
				}
				for (j = i + 1; j < n && p[j] > 0x20 && p[j] < 0x7F &&
				     p[j] != '<' && p[j] != '>'; j++)
					;
				if (j < n && p[j] == '>' && j > i + 1) {
					memcpy(c->ts, p + i, j - i + 1);
					c->ts_len = j - i + 1;
					ev->apop.p = (const unsigned char *)c->ts;
					ev->apop.len = c->ts_len;
					break;
				}
				i = j;
			}
		}
		return LM_EVENT;
	case LM_POP3_CMD_CAPA:
		lm_pop3__caps_clear(c);
		if (!ok) {
			q_pop(c);
			return LM_EVENT;
		}
		save_status(c, ok, &code, &text);
		c->ml = ML_LIST;
		return 0;
	case LM_POP3_CMD_STLS:
		q_pop(c);
		if (ok) {
			if (c->io.ipos < c->io.iend)
				return lm_pop3__fail(c, LM_ERR_PROTOCOL);
			lm_pop3__caps_clear(c);
			c->phase = LM_POP3__PH_TLS_WAIT;
			ev->type = LM_POP3_EV_TLS_READY;
		}
		return LM_EVENT;
	case LM_POP3_CMD_AUTH:
		q_pop(c);
		c->ir_pending = 0;
		if (ok) {
			lm_sasl *s = c->sasl;
			c->sasl = NULL;
			if (s == NULL || lm_sasl_finish(s) != 0)
				return lm_pop3__fail(c, LM_ERR_SASL);
			login_ok(c);
		}
		c->sasl = NULL;
		ev->type = LM_POP3_EV_AUTH_DONE;
		return LM_EVENT;
	case LM_POP3_CMD_USER:
		q_pop(c);
		if (ok) {
			send_pass(c);
			return 0;
		}
		lm_zeroize(c->sasl_raw, c->pass_len);
		c->pass_len = 0;
		ev->type = LM_POP3_EV_AUTH_DONE;
		return LM_EVENT;
	case LM_POP3_CMD_PASS:
	case LM_POP3_CMD_APOP:
		q_pop(c);
		if (ok)
			login_ok(c);
		ev->type = LM_POP3_EV_AUTH_DONE;
		return LM_EVENT;
	case LM_POP3_CMD_STAT:
		if (!ok) {
			q_pop(c);
			return LM_EVENT;
		}
		r = parse_scan(c->st_text, c->st_text_len, 1, &ev->msg, &ev->size);
		if (r < 0)
			return lm_pop3__fail(c, r);
		ev->type = LM_POP3_EV_STAT;
		c->pend_ev = PEND_REPLY;
		return LM_EVENT;
	case LM_POP3_CMD_LIST:
	case LM_POP3_CMD_UIDL:
		if (!ok) {
			ev->msg = head_arg(c);
			q_pop(c);
			return LM_EVENT;
		}
		if (head_arg(c) == 0) {
			save_status(c, ok, &code, &text);
			c->ml = ML_LIST;
			return 0;
		}
		if (head == LM_POP3_CMD_LIST) {
			r = parse_scan(c->st_text, c->st_text_len, 0, &ev->msg, &ev->size);
			ev->type = LM_POP3_EV_LIST_ITEM;
		} else {
			r = parse_uidl(c->st_text, c->st_text_len, &ev->msg, &ev->uid);
			ev->type = LM_POP3_EV_UIDL_ITEM;
		}
		if (r < 0 || ev->msg != head_arg(c))
			return lm_pop3__fail(c, LM_ERR_PROTOCOL);
		ev->code.len = 0;
		ev->text.len = 0;
		c->pend_ev = PEND_REPLY;
		return LM_EVENT;
	case LM_POP3_CMD_RETR:
	case LM_POP3_CMD_TOP:
		ev->msg = head_arg(c);
		if (!ok) {
			q_pop(c);
			return LM_EVENT;
		}
		save_status(c, ok, &code, &text);
		c->ml = ML_BODY;
		c->bstate = BS_BOL;
		/* LM_POP3_LENIENT_BARE_LF: a server that ends this +OK line
		 * with LF alone may end the body with ".\n" too; after a CRLF
		 * +OK only ".\r\n" does, so an unstuffed bare-LF "." line in
		 * a stored message cannot cut it short */
		c->body_lf = lf;
		return 0;
	case LM_POP3_CMD_QUIT:
		ev->committed = ok && head_arg(c) != 0;
		q_pop(c);
		return LM_EVENT;
	case LM_POP3_CMD_UTF8:
		if (ok)
			c->utf8 = 1;
		q_pop(c);
		return LM_EVENT;
	case LM_POP3_CMD_DELE:
		ev->msg = head_arg(c);
		q_pop(c);
		return LM_EVENT;
	default:   /* RSET, NOOP */
		q_pop(c);
		return LM_EVENT;
	}
}

/* One line of a CAPA/LIST/UIDL listing (without its terminator). */
static int
listing_line(lm_pop3_client *c, const unsigned char *p, size_t n, lm_pop3_event *ev)
{
	int head = head_cmd(c), r;

	if (n == 1 && p[0] == '.') {
		c->ml = ML_NONE;
		if (head == LM_POP3_CMD_CAPA)
			c->have_caps = 1;
		return emit_saved_reply(c, ev);
	}
	if (n > 0 && p[0] == '.') {
		p++;
		n--;
	}
	ev_clear(ev);
	ev->cmd = (lm_pop3_cmd)head;
	ev->ok = 1;
	switch (head) {
	case LM_POP3_CMD_CAPA:
		r = caps_add(c, p, n);
		if (r < 0)
			return lm_pop3__fail(c, r);
		ev->type = LM_POP3_EV_CAPA_LINE;
		ev->text.p = p;
		ev->text.len = n;
		return LM_EVENT;
	case LM_POP3_CMD_LIST:
		if (parse_scan(p, n, 0, &ev->msg, &ev->size) < 0)
			return lm_pop3__fail(c, LM_ERR_PROTOCOL);
		ev->type = LM_POP3_EV_LIST_ITEM;
		return LM_EVENT;
	case LM_POP3_CMD_UIDL:
		if (parse_uidl(p, n, &ev->msg, &ev->uid) < 0)
			return lm_pop3__fail(c, LM_ERR_PROTOCOL);
		ev->type = LM_POP3_EV_UIDL_ITEM;
		return LM_EVENT;
	default:
		return lm_pop3__fail(c, LM_ERR_PROTOCOL);
	}
}

/* A DATA or DATA_END event of the body being read (data: n bytes at p). */
static int
body_event(lm_pop3_client *c, lm_pop3_event *ev, lm_pop3_event_type t,
           const unsigned char *p, size_t n)
{
	ev_clear(ev);
	ev->type = t;
	ev->cmd = (lm_pop3_cmd)head_cmd(c);
	ev->msg = head_arg(c);
	ev->ok = 1;
	if (n > 0) {
		ev->data.p = p;
		ev->data.len = n;
	}
	return LM_EVENT;
}

/* The final "." line of a body was consumed: DATA_END, REPLY next. */
static int
body_end(lm_pop3_client *c, lm_pop3_event *ev)
{
	c->ml = ML_NONE;
	c->bstate = BS_BOL;
	c->pend_ev = PEND_REPLY;
	return body_event(c, ev, LM_POP3_EV_DATA_END, NULL, 0);
}

/* RETR/TOP body: one step over the buffered bytes. Returns LM_EVENT,
 * 0 when the buffer is used up. */
static int
body_step(lm_pop3_client *c, lm_pop3_event *ev)
{
	static const unsigned char cr[1] = { '\r' };
	const unsigned char *b = c->io.ibuf;

	while (c->io.ipos < c->io.iend) {
		size_t s, pos;

		switch (c->bstate) {
		case BS_BOL:
			if (b[c->io.ipos] == '.') {
				c->io.ipos++;
				c->bstate = BS_DOT;   /* stripped; may be the end */
				continue;
			}
			c->bstate = BS_MID;
			break;
		case BS_DOT:
			if (b[c->io.ipos] == '\r') {
				c->io.ipos++;
				c->bstate = BS_DOTCR;
				continue;
			}
			if (b[c->io.ipos] == '\n' && c->body_lf) {
				/* ".\n" (LM_POP3_LENIENT_BARE_LF): the end */
				c->io.ipos++;
				return body_end(c, ev);
			}
			c->bstate = BS_MID;
			break;
		case BS_DOTCR:
			if (b[c->io.ipos] == '\n') {
				/* ".\r\n": the end of the reply */
				c->io.ipos++;
				return body_end(c, ev);
			}
			/* ".\r" then something else: the dot was stuffing,
			 * the CR is content */
			c->bstate = BS_MID;
			return body_event(c, ev, LM_POP3_EV_DATA, cr, 1);
		default:
			break;
		}
		/* BS_MID: hand out whole lines up to one that starts with
		 * a dot (which needs the BOL handling), or everything. */
		s = pos = c->io.ipos;
		for (;;) {
			const unsigned char *nl = memchr(b + pos, '\n', c->io.iend - pos);
			if (nl == NULL) {
				pos = c->io.iend;
				c->bstate = BS_MID;
				break;
			}
			pos = (size_t)(nl - b) + 1;
			if (pos == c->io.iend || b[pos] == '.') {
				c->bstate = BS_BOL;
				break;
			}
		}
		c->io.ipos = pos;
		return body_event(c, ev, LM_POP3_EV_DATA, b + s, pos - s);
	}
	c->io.ipos = c->io.iend = 0;   /* all consumed: the whole buffer is free */
	return 0;
}

/* ------------------------------------------------------------------ */
/* next                                                                */
/* ------------------------------------------------------------------ */

/* see pop3.h */
int
lm_pop3_next(lm_pop3_client *c, lm_pop3_event *ev)
{
	if (c == NULL || ev == NULL || c->io.ibuf == NULL)
		return LM_ERR_BAD_PARAM;
	for (;;) {
		size_t avail, max, ll = 0, cons = 0;
		int r;

		if (c->err)
			return c->err;
		if (c->io.ostart < c->io.oend)
			return LM_WANT_WRITE;
		if (c->auth_fail)
			return lm_pop3__fail(c, c->auth_fail);
		if (c->pend_ev == PEND_REPLY)
			return emit_saved_reply(c, ev);
		/* The handshake failed and the connection is gone (recv_eof):
		 * that is final, not a wait for tls_done(). */
		if (c->phase == LM_POP3__PH_TLS_WAIT)
			return c->eof ? lm_pop3__fail(c, LM_ERR_EOF) : LM_ERR_BAD_STATE;
		if (c->phase == LM_POP3__PH_CLOSED)
			return LM_DONE;

		if (c->ml == ML_BODY) {
			r = body_step(c, ev);
			if (r != 0)
				return r;
			if (!c->eof)
				return LM_WANT_READ;
			return lm_pop3__fail(c, LM_ERR_EOF);   /* never DATA_END */
		}

		avail = c->io.iend - c->io.ipos;
		max = c->io.ilen < LM_POP3_LINE_MAX ? c->io.ilen : LM_POP3_LINE_MAX;
		r = lm_line_next(c->io.ibuf + c->io.ipos, avail, max, &ll, &cons);
		if (r < 0)
			return lm_pop3__fail(c, r);
		if (r == 1) {
			const unsigned char *line = c->io.ibuf + c->io.ipos;
			uint64_t at = lm_core__io_rx_at(&c->io);
			c->io.ipos += cons;
			lm_pop3__trace(c, 'S', line, ll);
			if (c->ml == ML_LIST)
				r = listing_line(c, line, ll, ev);
			else
				r = status_line(c, line, ll, cons == ll + 1, at, ev);
			if (r != 0)
				return r;
			continue;
		}
		if (!c->eof)
			return LM_WANT_READ;
		if (avail == 0 && c->q_count == 0 && c->ml == ML_NONE &&
		    (c->phase == LM_POP3__PH_QUIT || c->phase == LM_POP3__PH_REFUSED)) {
			c->phase = LM_POP3__PH_CLOSED;
			ev_clear(ev);
			ev->type = LM_POP3_EV_CLOSED;
			return LM_EVENT;
		}
		return lm_pop3__fail(c, LM_ERR_EOF);
	}
}

/* ------------------------------------------------------------------ */
/* errors, queries and names                                           */
/* ------------------------------------------------------------------ */

/* see pop3.h */
int
lm_pop3_last_error(const lm_pop3_client *c)
{
	return c ? c->err : LM_ERR_BAD_PARAM;
}

/* see pop3.h */
unsigned
lm_pop3_pending(const lm_pop3_client *c)
{
	return c ? c->q_count : 0;
}

/* see pop3.h */
int
lm_pop3_pipelining(const lm_pop3_client *c)
{
	return c != NULL && lm_pop3__pipelining(c);
}

/* see pop3.h */
int
lm_pop3_authenticated(const lm_pop3_client *c)
{
	return c != NULL && c->authed;
}

/* see pop3.h */
const char *
lm_pop3_cmd_name(lm_pop3_cmd cmd)
{
	static const char *const names[] = {
		"NONE", "GREETING", "CAPA", "STLS", "AUTH", "USER", "PASS",
		"APOP", "STAT", "LIST", "UIDL", "RETR", "TOP", "DELE", "RSET",
		"NOOP", "QUIT", "UTF8"
	};
	if ((unsigned)cmd < sizeof names / sizeof names[0])
		return names[cmd];
	return "?";
}

/* see pop3.h */
const char *
lm_pop3_event_name(lm_pop3_event_type t)
{
	static const char *const names[] = {
		"?", "GREETING", "REPLY", "STAT", "LIST_ITEM", "UIDL_ITEM",
		"CAPA_LINE", "DATA", "DATA_END", "TLS_READY", "AUTH_DONE",
		"CLOSED"
	};
	if ((unsigned)t < sizeof names / sizeof names[0])
		return names[t];
	return "?";
}
