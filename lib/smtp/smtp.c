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
 */
#ifdef LM_DEBUG
#include <stdio.h>
#endif
#include <string.h>

#include "libmail/smtp.h"
#include "libmail/core.h"
#include "../core/caps.h"
#include "../core/io.h"

/* Session phases (changed only by set_state). */
enum {
	PH_GREET = 0,   /* waiting for the greeting                     */
	PH_REFUSED,     /* greeting was not 220: only QUIT              */
	PH_CONNECTED,   /* greeting 220 (or after TLS): EHLO needed     */
	PH_READY,       /* EHLO/HELO done                                */
	PH_TLS_WAIT,    /* 220 to STARTTLS: waiting for tls_done()      */
	PH_QUIT,        /* QUIT queued: waiting for 221 and EOF         */
	PH_CLOSING,     /* 421 received: waiting for EOF                */
	PH_CLOSED       /* CLOSED delivered                              */
};

/* Transaction states. */
enum {
	TX_NONE = 0,
	TX_MAIL,        /* MAIL queued: RCPT/DATA allowed                */
	TX_DATA_WAIT,   /* DATA queued: waiting for 354                  */
	TX_BODY,        /* body_write allowed                            */
	TX_END_WAIT,    /* end of data given: waiting for the reply      */
	TX_KEEP = -1
};

/* Known extensions. */
#define EXT_SIZE        0x001u
#define EXT_PIPELINING  0x002u
#define EXT_8BITMIME    0x004u
#define EXT_SMTPUTF8    0x008u
#define EXT_CHUNKING    0x010u
#define EXT_DSN         0x020u
#define EXT_ENHANCED    0x040u
#define EXT_STARTTLS    0x080u
#define EXT_AUTH        0x100u
#define EXT_REQUIRETLS  0x200u
#define EXT_BINARYMIME  0x400u

#define BDAT_HDR LM_SMTP__BDAT_HDR          /* smtp.h */
#define BODY_RESERVE LM_SMTP__BODY_RESERVE  /* CRLF + ".\r\n" fit at body_end */
#define CMD_LINE_MAX 1024    /* longest command line built            */
#define ADDR_MAX 512         /* longest address accepted as input     */

static const struct {
	const char *name;
	unsigned bit;
} known_ext[] = {
	{ "SIZE", EXT_SIZE }, { "PIPELINING", EXT_PIPELINING },
	{ "8BITMIME", EXT_8BITMIME }, { "SMTPUTF8", EXT_SMTPUTF8 },
	{ "CHUNKING", EXT_CHUNKING }, { "DSN", EXT_DSN },
	{ "ENHANCEDSTATUSCODES", EXT_ENHANCED }, { "STARTTLS", EXT_STARTTLS },
	{ "AUTH", EXT_AUTH }, { "REQUIRETLS", EXT_REQUIRETLS },
	{ "BINARYMIME", EXT_BINARYMIME }
};

/* ------------------------------------------------------------------ */
/* small helpers                                                       */
/* ------------------------------------------------------------------ */

static void trace(lm_smtp_client *c, char dir, const void *p, size_t n);

/* The only function that changes phase and transaction state. Debug
 * builds (-DLM_DEBUG) note every change in the trace. */
static void
set_state(lm_smtp_client *c, int phase, int tx)
{
#ifdef LM_DEBUG
	static const char *const pn[] = { "GREET", "REFUSED", "CONNECTED",
		"READY", "TLS_WAIT", "QUIT", "CLOSING", "CLOSED" };
	static const char *const tn[] = { "NONE", "MAIL", "DATA_WAIT", "BODY",
		"END_WAIT" };
	char note[96];
	int n = snprintf(note, sizeof note, "state %s/%s -> %s/%s",
	                 pn[c->phase], tn[c->tx], pn[phase >= 0 ? phase : c->phase],
	                 tn[tx >= 0 ? tx : c->tx]);
	if (n > 0 && ((phase >= 0 && phase != c->phase) || (tx >= 0 && tx != c->tx)))
		trace(c, '*', note, (size_t)n < sizeof note ? (size_t)n : sizeof note - 1);
#endif
	if (phase >= 0)
		c->phase = phase;
	if (tx >= 0) {
		c->tx = tx;
		if (tx == TX_NONE) {
			c->bdat = 0;
			c->bdat_failed = 0;
			c->bdat_last = 0;
			c->bd_len = 0;
			c->ev_data_ready = 0;
			c->mail_failed = 0;
		}
	}
}

static int
fail(lm_smtp_client *c, int err)
{
	if (c->err == 0)
		c->err = err;
	return c->err;
}

static void
trace(lm_smtp_client *c, char dir, const void *p, size_t n)
{
	if (c->opts.trace)
		c->opts.trace(dir, (const char *)p, n, c->opts.trace_ud);
}

static void
trace_s(lm_smtp_client *c, char dir, const char *s)
{
	trace(c, dir, s, strlen(s));
}

static int
pipelining(const lm_smtp_client *c)
{
	return c->opts.use_pipelining && (c->ext & EXT_PIPELINING);
}

/* Move pending output to the front; returns the free space at oend. */
static size_t
out_room(lm_smtp_client *c)
{
	return lm_core__io_out_room(&c->io, NULL);
}

/* ------------------------------------------------------------------ */
/* pending replies                                                     */
/* ------------------------------------------------------------------ */

static void
q_push(lm_smtp_client *c, int cmd, unsigned idx)
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
static int
queue_line(lm_smtp_client *c, int cmd, unsigned idx, const char *line, size_t n)
{
	if (c->q_count >= LM_SMTP_PIPELINE_MAX)
		return LM_ERR_LIMIT;
	if (out_room(c) < n + 2)
		return LM_ERR_BUFFER_TOO_SMALL;
	memcpy(c->io.obuf + c->io.oend, line, n);
	c->io.obuf[c->io.oend + n] = '\r';
	c->io.obuf[c->io.oend + n + 1] = '\n';
	c->io.oend += n + 2;
	q_push(c, cmd, idx);
	trace(c, 'C', line, n);
	return 0;
}

/* May cmd be queued now? Checks the sticky error, the phase, the
 * pipelining rules and the queue bound (not the transaction). */
static int
gate(lm_smtp_client *c, int cmd)
{
	int last;

	if (c->err)
		return c->err;
	switch (c->phase) {
	case PH_REFUSED:
		if (cmd != LM_SMTP_CMD_QUIT)
			return LM_ERR_BAD_STATE;
		break;
	case PH_CONNECTED:
		if (cmd != LM_SMTP_CMD_EHLO && cmd != LM_SMTP_CMD_QUIT &&
		    cmd != LM_SMTP_CMD_NOOP && cmd != LM_SMTP_CMD_RSET)
			return LM_ERR_BAD_STATE;
		break;
	case PH_READY:
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
		if (!pipelining(c))
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

/* ------------------------------------------------------------------ */
/* string builder for command lines                                    */
/* ------------------------------------------------------------------ */

typedef struct {
	char *p;
	size_t len, cap;
	int over;
} sbuf;

static void
sb_put(sbuf *b, const void *s, size_t n)
{
	if (b->over || n > b->cap - b->len) {
		b->over = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
sb_puts(sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void
sb_u64(sbuf *b, uint64_t v)
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
sb_xtext(sbuf *b, const char *s)
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
	set_state(c, PH_GREET, TX_NONE);
	q_push(c, LM_SMTP_CMD_GREETING, 0);
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
	return c != NULL && c->phase == PH_TLS_WAIT;
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

static void
caps_clear(lm_smtp_client *c)
{
	c->ext = 0;
	c->size_max = 0;
	c->caps_len = 0;
}

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
	if (lm_core__ieq(p, k, "SIZE", 4)) {
		uint64_t v = 0;
		for (i = k + 1; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
			if (v > (UINT64_MAX - 9) / 10)
				break;
			v = v * 10 + (uint64_t)(p[i] - '0');
		}
		c->size_max = v;
	}
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
	out_room(c);
	if (c->io.olen - c->io.oend >= 3) {
		memcpy(c->io.obuf + c->io.oend, "*\r\n", 3);
		c->io.oend += 3;
		trace_s(c, 'C', "*");
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
	out_room(c);
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
	trace_s(c, 'C', "<redacted>");
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
	if (c->mail_failed && c->tx == TX_MAIL && !q_has(c, LM_SMTP_CMD_MAIL) &&
	    !q_has(c, LM_SMTP_CMD_RCPT))
		set_state(c, -1, TX_NONE);
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
		set_state(c, PH_CLOSING, TX_NONE);
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
			set_state(c, PH_CONNECTED, -1);
			ev->type = LM_SMTP_EV_GREETING;
		} else {
			set_state(c, PH_REFUSED, -1);
		}
		break;
	case LM_SMTP_CMD_EHLO:
		if (code == 250) {
			set_state(c, PH_READY, -1);
		} else if (code / 100 == 5 && !c->opts.require_tls) {
			char line[300];
			size_t n;
			caps_clear(c);
			n = (size_t)(strlen(c->opts.helo_domain));
			memcpy(line, "HELO ", 5);
			memcpy(line + 5, c->opts.helo_domain, n);
			/* Output is empty and the queue too: this fits. */
			queue_line(c, LM_SMTP_CMD_HELO, 0, line, n + 5);
			return 0;
		} else {
			caps_clear(c);
			set_state(c, PH_CONNECTED, -1);
		}
		break;
	case LM_SMTP_CMD_HELO:
		caps_clear(c);
		set_state(c, code == 250 ? PH_READY : PH_CONNECTED, -1);
		break;
	case LM_SMTP_CMD_STARTTLS:
		if (code == 220) {
			if (c->io.ipos < c->io.iend)
				return fail(c, LM_ERR_PROTOCOL);
			set_state(c, PH_TLS_WAIT, -1);
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
				return fail(c, LM_ERR_SASL);
			c->authed = 1;
		}
		c->sasl = NULL;
		ev->type = LM_SMTP_EV_AUTH_DONE;
		break;
	case LM_SMTP_CMD_MAIL:
		if (!ok2 && c->tx != TX_NONE)
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
				queue_line(c, LM_SMTP_CMD_BODY, 0, ".", 1);
				set_state(c, -1, TX_END_WAIT);
			} else {
				c->at_bol = 1;
				c->pend_cr = 0;
				set_state(c, -1, TX_BODY);
				ev->type = LM_SMTP_EV_DATA_READY;
			}
		} else {
			set_state(c, -1, TX_NONE);
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
				set_state(c, -1, TX_NONE);
			}
		}
		break;
	case LM_SMTP_CMD_BODY:
		/* RFC 3030: after a refused chunk the transaction has
		 * failed; a server accepting LAST then would have the
		 * message reported sent without the refused data */
		if (ok2 && c->bdat && c->bdat_failed)
			return fail(c, LM_ERR_PROTOCOL);
		set_state(c, -1, TX_NONE);
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

	trace(c, 'S', p, n);
	if (n < 3 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '5' ||
	    !digit(p[2]) || (n > 3 && p[3] != ' ' && p[3] != '-'))
		return fail(c, LM_ERR_PROTOCOL);
	code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	cont = n > 3 && p[3] == '-';
	text.p = n > 4 ? p + 4 : p + n;
	text.len = n > 4 ? n - 4 : 0;
	if (c->rl_lines > 0 && code != c->rl_code)
		return fail(c, LM_ERR_PROTOCOL);
	if (c->rl_lines == 0)
		c->rl_code = code;
	lineno = ++c->rl_lines;
	if (lineno > LM_SMTP_REPLY_LINES_MAX)
		return fail(c, LM_ERR_LIMIT);
	if (!cont)
		c->rl_lines = 0;
	if (c->phase == PH_CLOSING)
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
		return fail(c, LM_ERR_PROTOCOL);
	/* Nor may any line but a 421's come while nothing is outstanding:
	 * the first line of a multi-line reply too, or a command queued
	 * before its last line would take a reply that began before it
	 * (the check above looks at first lines only; the head cannot
	 * change inside a reply). */
	if (head == LM_SMTP_CMD_NONE && code != 421)
		return fail(c, LM_ERR_PROTOCOL);
	memset(ev, 0, sizeof *ev);
	ev->cmd = (lm_smtp_cmd)head;
	ev->index = idx;
	ev->code = code;
	ev->text = text;

	if (head == LM_SMTP_CMD_EHLO && code == 250) {
		/* The first line names the server; the others are
		 * capability keywords (RFC 5321 4.1.1.1). */
		if (lineno == 1) {
			caps_clear(c);
		} else {
			int r = caps_add(c, text.p, text.len);
			if (r < 0)
				return fail(c, r);
		}
	} else if (code != 334) {
		parse_enh(ev, &ev->text);
	}
	if (head == LM_SMTP_CMD_AUTH && code == 334 && cont)
		return fail(c, LM_ERR_PROTOCOL);
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
	if (c->tx != TX_BODY && c->tx != TX_END_WAIT)
		return 0;
	if (c->bd_len == 0 && c->bdat_last != 1)
		return 0;
	if (c->q_count == 0)
		return 1;
	return pipelining(c) && c->q_count < LM_SMTP_PIPELINE_MAX;
}

static void
bdat_frame(lm_smtp_client *c)
{
	char h[BDAT_HDR];
	sbuf b;
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
	sb_puts(&b, "BDAT ");
	sb_u64(&b, (uint64_t)c->bd_len);
	if (last)
		sb_puts(&b, " LAST");
	trace(c, 'C', h, b.len);
	sb_puts(&b, "\r\n");
	memcpy(c->io.obuf + BDAT_HDR - b.len, h, b.len);
	c->io.ostart = BDAT_HDR - b.len;
	c->io.oend = BDAT_HDR + c->bd_len;
	c->bd_len = 0;
	if (last) {
		c->bdat_last = 2;
		q_push(c, LM_SMTP_CMD_BODY, 0);
	} else {
		q_push(c, LM_SMTP_CMD_BDAT, 0);
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
			return fail(c, c->auth_fail);
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
		if (c->phase == PH_TLS_WAIT)
			return c->eof ? fail(c, LM_ERR_EOF) : LM_ERR_BAD_STATE;
		if (c->phase == PH_CLOSED)
			return LM_DONE;

		avail = c->io.iend - c->io.ipos;
		max = c->io.ilen < LM_SMTP_LINE_MAX ? c->io.ilen : LM_SMTP_LINE_MAX;
		r = lm_line_next(c->io.ibuf + c->io.ipos, avail, max, &ll, &cons);
		if (r < 0)
			return fail(c, r);
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
		if (c->phase == PH_QUIT || c->phase == PH_CLOSING ||
		    c->phase == PH_REFUSED) {
			set_state(c, PH_CLOSED, TX_NONE);
			c->q_count = 0;
			memset(ev, 0, sizeof *ev);
			ev->type = LM_SMTP_EV_CLOSED;
			ev->text.p = c->io.ibuf;
			return LM_EVENT;
		}
		return fail(c, LM_ERR_EOF);
	}
}

/* ------------------------------------------------------------------ */
/* commands                                                            */
/* ------------------------------------------------------------------ */

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
	if (c->q_count > 0 || c->tx != TX_NONE)
		return LM_ERR_BAD_STATE;
	n = strlen(c->opts.helo_domain);
	memcpy(line, "EHLO ", 5);
	memcpy(line + 5, c->opts.helo_domain, n);
	r = queue_line(c, LM_SMTP_CMD_EHLO, 0, line, n + 5);
	if (r)
		return r;
	caps_clear(c);
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
	if (c->phase != PH_READY || c->tls || c->q_count > 0 || c->tx != TX_NONE)
		return LM_ERR_BAD_STATE;
	if (!(c->ext & EXT_STARTTLS))
		return LM_ERR_NO_STARTTLS;
	/* Bytes already received came before STARTTLS was sent: a reply to
	 * nothing, which would be taken for the answer to STARTTLS. */
	if (c->io.ipos < c->io.iend)
		return fail(c, LM_ERR_PROTOCOL);
	return queue_line(c, LM_SMTP_CMD_STARTTLS, 0, "STARTTLS", 8);
}

/* see smtp.h */
int
lm_smtp_tls_done(lm_smtp_client *c)
{
	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	if (c->err)
		return c->err;
	if (c->phase != PH_TLS_WAIT)
		return LM_ERR_BAD_STATE;
	caps_clear(c);
	c->tls = 1;
	c->authed = 0;
	c->io.ipos = c->io.iend = 0;
	set_state(c, PH_CONNECTED, TX_NONE);
	trace_s(c, '*', "TLS established; capabilities forgotten");
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
	if (c->phase != PH_GREET || c->err)
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
	if (c->phase != PH_READY || c->q_count > 0 || c->tx != TX_NONE ||
	    c->authed)
		return LM_ERR_BAD_STATE;
	mech = lm_sasl_get_mech(s);
	name = lm_sasl_mech_name((lm_sasl_mech)mech);
	if (name == NULL)
		return LM_ERR_BAD_PARAM;
	/* Cleartext credentials: the password (PLAIN, LOGIN) or a bearer
	 * token (XOAUTH2, OAUTHBEARER) readable by anyone on the path. */
	if (!c->tls && (c->opts.require_tls ||
	                ((lm_sasl_mech_is_plaintext((lm_sasl_mech)mech) ||
	                  mech == LM_SASL_XOAUTH2 || mech == LM_SASL_OAUTHBEARER) &&
	                 !c->opts.allow_plaintext_auth)))
		return LM_ERR_PLAINTEXT;
	if (!lm_smtp_ext_param(c, "AUTH", &list))
		return LM_ERR_UNSUPPORTED;
	if (!lm_core__caps_listed(list, name))
		return LM_ERR_NO_MECH;

	nl = strlen(name);
	room = out_room(c);
	if (room < 5 + nl + 2 + 3)
		return LM_ERR_BUFFER_TOO_SMALL;
	initial = lm_sasl_has_initial(s);
	if (initial) {
		r = lm_sasl_step(s, NULL, 0, c->sasl_raw, sizeof c->sasl_raw, &rl);
		if (r < 0)
			return r;
		if (lm_b64_encoded_len(rl) + 5 + nl + 1 + 2 > room) {
			lm_zeroize(c->sasl_raw, rl);
			return LM_ERR_BUFFER_TOO_SMALL;
		}
	}
	memcpy(c->io.obuf + c->io.oend, "AUTH ", 5);
	memcpy(c->io.obuf + c->io.oend + 5, name, nl);
	el = 5 + nl;
	if (initial) {
		size_t bl = 0;
		c->io.obuf[c->io.oend + el++] = ' ';
		if (rl == 0) {
			c->io.obuf[c->io.oend + el++] = '=';
		} else {
			lm_b64_encode(c->sasl_raw, rl, (char *)c->io.obuf + c->io.oend + el,
			              c->io.olen - c->io.oend - el, &bl);
			el += bl;
		}
		lm_zeroize(c->sasl_raw, rl);
	}
	c->io.obuf[c->io.oend + el] = '\r';
	c->io.obuf[c->io.oend + el + 1] = '\n';
	c->io.oend += el + 2;
	q_push(c, LM_SMTP_CMD_AUTH, 0);
	c->wipe_out = 1;
	c->sasl = s;
	c->auth_fail = 0;
	memcpy(tr, "AUTH ", 5);
	memcpy(tr + 5, name, nl);   /* mechanism names are short */
	if (initial) {
		memcpy(tr + 5 + nl, " <redacted>", 11);
		trace(c, 'C', tr, 5 + nl + 11);
	} else {
		trace(c, 'C', tr, 5 + nl);
	}
	return 0;
}

/*
 * Check and encode an address into b as "<...>".
 * utf8_ok: the address may go out as UTF-8 (SMTPUTF8 in force or
 * offered). *nonascii is set when the encoded address is not ASCII.
 */
static int
put_addr(sbuf *b, const char *addr, int allow_empty, int utf8_ok, int *nonascii)
{
	size_t n, i, at = (size_t)-1;
	int inq = 0, esc = 0, local8 = 0, dom8 = 0;

	*nonascii = 0;
	n = strlen(addr);
	if (n == 0) {
		if (!allow_empty)
			return LM_ERR_BAD_PARAM;
		sb_puts(b, "<>");
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
	sb_puts(b, "<");
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
	sb_puts(b, ">");
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
queue_built(lm_smtp_client *c, int cmd, unsigned idx, sbuf *b)
{
	if (b->over)
		return LM_ERR_BAD_PARAM;
	return queue_line(c, cmd, idx, b->p, b->len);
}

/* see smtp.h */
int
lm_smtp_mail_from(lm_smtp_client *c, const char *addr, const lm_smtp_mail_params *p)
{
	char line[CMD_LINE_MAX];
	sbuf b;
	int r, nonascii = 0, utf8;
	unsigned i;

	if (c == NULL || addr == NULL)
		return LM_ERR_BAD_PARAM;
	if (p != NULL && p->version != LM_SMTP_PARAMS_VERSION)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_SMTP_CMD_MAIL);
	if (r)
		return r;
	if (c->phase != PH_READY || c->tx != TX_NONE)
		return LM_ERR_BAD_STATE;
	if (c->opts.require_tls && !c->tls)
		return LM_ERR_BAD_STATE;
	for (i = 0; i < c->q_count; i++) {
		int q = c->q_cmd[(c->q_head + i) % LM_SMTP_PIPELINE_MAX];
		if (q != LM_SMTP_CMD_RSET && q != LM_SMTP_CMD_NOOP)
			return LM_ERR_BAD_STATE;
	}
	if (p != NULL) {
		if (p->size && !(c->ext & EXT_SIZE))
			return LM_ERR_UNSUPPORTED;
		if (p->body8bit && !(c->ext & EXT_8BITMIME))
			return LM_ERR_UNSUPPORTED;
		if (p->smtputf8 && !(c->ext & EXT_SMTPUTF8))
			return LM_ERR_UNSUPPORTED;
		if (p->ret < LM_SMTP_RET_DEFAULT || p->ret > LM_SMTP_RET_HDRS)
			return LM_ERR_BAD_PARAM;
		if (p->envid && !printable(p->envid, 100))
			return LM_ERR_BAD_PARAM;
		if ((p->ret || p->envid) && !(c->ext & EXT_DSN))
			return LM_ERR_UNSUPPORTED;
		if (p->requiretls && (!(c->ext & EXT_REQUIRETLS) || !c->tls))
			return LM_ERR_UNSUPPORTED;
	}
	utf8 = (c->ext & EXT_SMTPUTF8) != 0;
	b.p = line;
	b.len = 0;
	b.cap = sizeof line;
	b.over = 0;
	sb_puts(&b, "MAIL FROM:");
	r = put_addr(&b, addr, 1, utf8, &nonascii);
	if (r)
		return r;
	utf8 = nonascii || (p && p->smtputf8);
	if (p && p->size) {
		sb_puts(&b, " SIZE=");
		sb_u64(&b, p->size);
	}
	if (p && p->body8bit)
		sb_puts(&b, " BODY=8BITMIME");
	if (utf8)
		sb_puts(&b, " SMTPUTF8");
	if (p && p->ret)
		sb_puts(&b, p->ret == LM_SMTP_RET_FULL ? " RET=FULL" : " RET=HDRS");
	if (p && p->envid) {
		sb_puts(&b, " ENVID=");
		sb_xtext(&b, p->envid);
	}
	if (p && p->requiretls)
		sb_puts(&b, " REQUIRETLS");
	r = queue_built(c, LM_SMTP_CMD_MAIL, 0, &b);
	if (r)
		return r;
	c->rcpt_count = c->rcpt_ok = c->rcpt_replied = 0;
	c->mail_failed = 0;   /* a late refusal of an abandoned MAIL set it */
	c->tx_utf8 = utf8;
	set_state(c, -1, TX_MAIL);
	return 0;
}

/* see smtp.h */
int
lm_smtp_rcpt_to(lm_smtp_client *c, const char *addr, const lm_smtp_rcpt_params *p)
{
	char line[CMD_LINE_MAX];
	sbuf b;
	int r, nonascii = 0;

	if (c == NULL || addr == NULL)
		return LM_ERR_BAD_PARAM;
	if (p != NULL && p->version != LM_SMTP_PARAMS_VERSION)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_SMTP_CMD_RCPT);
	if (r)
		return r;
	if (c->tx != TX_MAIL || c->mail_failed)
		return LM_ERR_BAD_STATE;
	if (p != NULL) {
		unsigned nt = p->notify;
		if (nt & ~0xfu)
			return LM_ERR_BAD_PARAM;
		if ((nt & LM_SMTP_NOTIFY_NEVER) && nt != LM_SMTP_NOTIFY_NEVER)
			return LM_ERR_BAD_PARAM;
		if (p->orcpt && !printable(p->orcpt, ADDR_MAX))
			return LM_ERR_BAD_PARAM;
		if ((nt || p->orcpt) && !(c->ext & EXT_DSN))
			return LM_ERR_UNSUPPORTED;
	}
	b.p = line;
	b.len = 0;
	b.cap = sizeof line;
	b.over = 0;
	sb_puts(&b, "RCPT TO:");
	r = put_addr(&b, addr, 0, c->tx_utf8, &nonascii);
	if (r)
		return r;
	if (p && p->notify) {
		const char *sep = "";
		sb_puts(&b, " NOTIFY=");
		if (p->notify & LM_SMTP_NOTIFY_NEVER)
			sb_puts(&b, "NEVER");
		if (p->notify & LM_SMTP_NOTIFY_SUCCESS) {
			sb_puts(&b, "SUCCESS");
			sep = ",";
		}
		if (p->notify & LM_SMTP_NOTIFY_FAILURE) {
			sb_puts(&b, sep);
			sb_puts(&b, "FAILURE");
			sep = ",";
		}
		if (p->notify & LM_SMTP_NOTIFY_DELAY) {
			sb_puts(&b, sep);
			sb_puts(&b, "DELAY");
		}
	}
	if (p && p->orcpt) {
		sb_puts(&b, " ORCPT=rfc822;");
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
	if (c->tx != TX_MAIL || c->mail_failed || c->rcpt_count == 0)
		return LM_ERR_BAD_STATE;
	if (c->rcpt_replied == c->rcpt_count && c->rcpt_ok == 0)
		return LM_ERR_REFUSED;
	if (c->opts.use_chunking && (c->ext & EXT_CHUNKING)) {
		c->bdat = 1;
		c->bdat_failed = 0;
		c->bdat_last = 0;
		c->bd_len = 0;
		c->at_bol = 1;
		c->pend_cr = 0;
		set_state(c, -1, TX_BODY);
		c->ev_data_ready = 1;
		return 0;
	}
	r = queue_line(c, LM_SMTP_CMD_DATA, 0, "DATA", 4);
	if (r)
		return r;
	set_state(c, -1, TX_DATA_WAIT);
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
	if (c->tx != TX_BODY)
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
		out_room(c);
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
	if (c->tx != TX_BODY)
		return LM_ERR_BAD_STATE;
	if (c->bdat) {
		if (c->bdat_failed)
			return LM_ERR_REFUSED;
		c->bdat_last = 1;   /* framed by lm_smtp_next() */
		set_state(c, -1, TX_END_WAIT);
		return 0;
	}
	out_room(c);
	/* body_write kept BODY_RESERVE bytes free */
	if (c->pend_cr || !c->at_bol) {
		c->io.obuf[c->io.oend++] = '\r';
		c->io.obuf[c->io.oend++] = '\n';
	}
	c->pend_cr = 0;
	c->at_bol = 1;
	memcpy(c->io.obuf + c->io.oend, ".\r\n", 3);
	c->io.oend += 3;
	q_push(c, LM_SMTP_CMD_BODY, 0);
	trace_s(c, 'C', ".");
	set_state(c, -1, TX_END_WAIT);
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
	if (c->tx == TX_DATA_WAIT || c->tx == TX_END_WAIT ||
	    (c->tx == TX_BODY && !(c->bdat && c->bdat_failed)))
		return LM_ERR_BAD_STATE;
	r = queue_line(c, LM_SMTP_CMD_RSET, 0, "RSET", 4);
	if (r)
		return r;
	set_state(c, -1, TX_NONE);
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
	if (c->tx == TX_DATA_WAIT || c->tx == TX_BODY)
		return LM_ERR_BAD_STATE;
	return queue_line(c, LM_SMTP_CMD_NOOP, 0, "NOOP", 4);
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
	if (c->tx == TX_DATA_WAIT || (c->tx == TX_BODY && !(c->bdat && c->bdat_failed)))
		return LM_ERR_BAD_STATE;
	r = queue_line(c, LM_SMTP_CMD_QUIT, 0, "QUIT", 4);
	if (r)
		return r;
	set_state(c, PH_QUIT, -1);
	return 0;
}

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
	if (c->io.ostart < c->io.oend && c->tx == TX_BODY)
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
