/*
 * libmail - blocking SMTP session: drives the sans-IO SMTP engine over
 * an lm_conn (connect, STARTTLS, AUTH, messages, QUIT).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "libmail/net.h"
#include "net_internal.h"
#include "pump.h"
#include "session.h"

enum { S_NEW = LM_NET__S_NEW, S_READY = LM_NET__S_READY, S_BROKEN = LM_NET__S_BROKEN };

#define LM_SESS__NCMD (LM_SMTP_CMD_QUIT + 1)

struct lm_smtp_session {
	lm_allocator alloc;
	lm_smtp_session_opts o;
	lm_url url;
	lm_conn *conn;
	lm_smtp_client smtp;
	int smtp_inited;
	lm_net__pump pump;               /* drives smtp over conn */
	lm_smtp_event ev;                /* the pump's event */
	lm_sasl sasl;
	int state;
	unsigned done[LM_SESS__NCMD];    /* final events seen, per command */
	int got_421;
	int closed;
	lm_smtp_reply last;              /* last final reply */
	lm_smtp_reply cmd_reply[LM_SESS__NCMD];  /* last reply per command */
	lm_smtp_reply first_bad_reply;   /* first refused recipient */
	lm_smtp_reply *rcpt_out;         /* during send */
	size_t rcpt_n;
	unsigned rcpt_ok, rcpt_bad, rcpt_seen;
	int first_bad;                   /* index of the first refused recipient */
	const char *phase;               /* what we wait for, for messages */
	long long until;                 /* lm_net__smtp_session_until() */
	char err[600];
	unsigned char ibuf[LM_SMTP_BUFSIZE_IN];
	unsigned char obuf[LM_SMTP_BUFSIZE_OUT];
	unsigned char chunk[4096];
};

/* see net.h */
lm_net_class
lm_net_err_class(int err)
{
	switch (err) {
	case 0:
		return LM_NET_CLASS_OK;
	case LM_ERR_REFUSED:
	case LM_ERR_AUTH:
	case LM_ERR_UNSUPPORTED:
		return LM_NET_CLASS_REFUSED;
	case LM_ERR_TLS:
	case LM_ERR_CERT:
	case LM_ERR_NO_STARTTLS:
	case LM_ERR_STARTTLS_FAILED:
	case LM_ERR_PLAINTEXT:
	case LM_ERR_NO_MECH:
		return LM_NET_CLASS_SECURITY;
	case LM_ERR_PROTOCOL:
	case LM_ERR_LINE_TOO_LONG:
	case LM_ERR_LIMIT:
	case LM_ERR_SASL:
	case LM_ERR_DECODE:
		return LM_NET_CLASS_PROTOCOL;
	case LM_ERR_DNS:
	case LM_ERR_CONNECT:
	case LM_ERR_TIMEOUT:
	case LM_ERR_IO:
	case LM_ERR_EOF:
		return LM_NET_CLASS_NETWORK;
	default:
		return LM_NET_CLASS_LOCAL;
	}
}

static void
set_err(lm_smtp_session *s, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void
set_err(lm_smtp_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
}

static void
copy_reply(lm_smtp_reply *dst, const lm_smtp_event *ev, lm_smtp_cmd cmd)
{
	dst->cmd = cmd;
	dst->code = ev->code;
	dst->enh_class = ev->enh_class;
	dst->enh_subject = ev->enh_subject;
	dst->enh_detail = ev->enh_detail;
	lm_net__copy_clean(dst->text, sizeof dst->text, ev->text);
}

/* "550 5.1.1 text" into buf */
static const char *
reply_str(const lm_smtp_reply *r, char *buf, size_t cap)
{
	if (r->code == 0)
		snprintf(buf, cap, "(no reply)");
	else if (r->enh_class != 0)
		snprintf(buf, cap, "%d %d.%d.%d %s", r->code, r->enh_class,
		         r->enh_subject, r->enh_detail, r->text);
	else
		snprintf(buf, cap, "%d %s", r->code, r->text);
	return buf;
}

/* The pump's event callback (ud: the session, evp: its event). */
static int
handle_event(void *ud, void *evp)
{
	lm_smtp_session *s = ud;
	const lm_smtp_event *ev = evp;
	lm_smtp_cmd cmd = ev->cmd;

	switch (ev->type) {
	case LM_SMTP_EV_REPLY_LINE:
		return 0;
	case LM_SMTP_EV_CLOSED:
		s->closed = 1;
		return 0;
	case LM_SMTP_EV_GREETING:
		cmd = LM_SMTP_CMD_GREETING;
		break;
	case LM_SMTP_EV_TLS_READY:
		cmd = LM_SMTP_CMD_STARTTLS;
		break;
	case LM_SMTP_EV_DATA_READY:
		cmd = LM_SMTP_CMD_DATA;
		break;
	case LM_SMTP_EV_AUTH_DONE:
		cmd = LM_SMTP_CMD_AUTH;
		break;
	case LM_SMTP_EV_REPLY:
		if (cmd == LM_SMTP_CMD_HELO)
			cmd = LM_SMTP_CMD_EHLO; /* the engine's HELO fallback */
		break;
	}
	if (ev->code != 0) {
		copy_reply(&s->last, ev, cmd);
		if ((unsigned)cmd < LM_SESS__NCMD)
			s->cmd_reply[cmd] = s->last;
	}
	if (ev->code == 421)
		s->got_421 = 1;
	if (ev->type == LM_SMTP_EV_REPLY && cmd == LM_SMTP_CMD_RCPT) {
		if (s->rcpt_out != NULL && ev->index < s->rcpt_n)
			copy_reply(&s->rcpt_out[ev->index], ev, cmd);
		s->rcpt_seen++;
		if (ev->code >= 200 && ev->code < 300) {
			s->rcpt_ok++;
		} else {
			if (s->rcpt_bad == 0) {
				s->first_bad = (int)ev->index;
				s->first_bad_reply = s->last;
			}
			s->rcpt_bad++;
		}
	}
	if ((unsigned)cmd < LM_SESS__NCMD)
		s->done[cmd]++;
	return 0;
}

/* Map a sticky engine error (or the engine's end, LM_DONE: an EOF) and
 * describe it; also the pump's fail callback (ud: the session). */
static int
engine_err(void *ud, int r)
{
	lm_smtp_session *s = ud;

	s->state = S_BROKEN;
	if (r == LM_DONE)
		r = LM_ERR_EOF;
	if (r == LM_ERR_EOF && s->got_421) {
		char b[600];
		set_err(s, "server closed the connection: %s",
		        reply_str(&s->last, b, sizeof b));
		return LM_ERR_REFUSED;
	}
	lm_net__session_engine_err(s->err, sizeof s->err, s->url.host, s->phase,
	                           "SMTP", r);
	return r;
}

LM_NET__PUMP_OPS(smtp, "SMTP", handle_event, engine_err, S_BROKEN);

/* Pump until done[cmd] reaches target. */
static int
wait_for(lm_smtp_session *s, lm_smtp_cmd cmd, unsigned target)
{
	return lm_net__pump_until(&s->pump, &s->done[cmd], target);
}

/* Flush all pending output. */
static int
flush_out(lm_smtp_session *s)
{
	for (;;) {
		size_t n;
		lm_smtp_send_buf(&s->smtp, &n);
		if (n == 0)
			return 0;
		{
			int r = lm_net__pump_step(&s->pump);
			if (r < 0)
				return r;
		}
	}
}

static void
trace_tramp(char dir, const char *line, size_t len, void *ud)
{
	lm_smtp_session *s = ud;

	if (s->o.trace != NULL)
		s->o.trace(dir, line, len, s->o.trace_ud);
}

/* see net.h */
int
lm_smtp_session_new(lm_smtp_session **out, const lm_smtp_session_opts *o)
{
	lm_smtp_session *s;
	lm_url url;
	int r;

	if (out == NULL)
		return LM_ERR_BAD_PARAM;
	*out = NULL;
	if (o == NULL || o->version != LM_SMTP_SESSION_OPTS_VERSION ||
	    o->url == NULL)
		return LM_ERR_BAD_PARAM;
	s = lm_net__session_alloc(sizeof *s, o->alloc, o->url, LM_URL_SMTP,
	                          LM_URL_SMTPS, &url, &r);
	if (s == NULL)
		return r;
	if (o->alloc != NULL)
		s->alloc = *o->alloc;
	s->o = *o;
	s->url = url;
	*out = s;
	return 0;
}

/* Also lm_net__session_start()'s caps (sv: the session). */
static int
do_ehlo(void *sv)
{
	lm_smtp_session *s = sv;
	char b[600];
	unsigned target = s->done[LM_SMTP_CMD_EHLO] + 1;
	int r = lm_smtp_ehlo(&s->smtp);

	s->phase = "EHLO";
	if (r < 0) {
		set_err(s, "EHLO: %s", lm_strerror(r));
		return r;
	}
	r = wait_for(s, LM_SMTP_CMD_EHLO, target);
	if (r < 0)
		return r;
	if (s->last.code != 250) {
		set_err(s, "EHLO refused: %s", reply_str(&s->last, b, sizeof b));
		return LM_ERR_REFUSED;
	}
	return 0;
}

static int
do_auth(lm_smtp_session *s)
{
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	lm_slice offered;
	unsigned allowed;
	lm_sasl_mech mech;
	char b[600], list[LM_SMTP_CAPS_MAX];
	unsigned target;
	int r;

	if (!lm_net__session_creds(&cr, s->o.user, s->o.password, s->o.token,
	                           &s->url))
		return 0; /* no credentials: no AUTH */
	if (!lm_conn_is_tls(s->conn) && !s->o.plaintext) {
		set_err(s, "refusing to send credentials without TLS");
		return LM_ERR_PLAINTEXT;
	}
	if (!lm_smtp_ext_param(&s->smtp, "AUTH", &offered)) {
		set_err(s, "credentials given but the server does not offer AUTH");
		return LM_ERR_UNSUPPORTED;
	}
	if (offered.len >= sizeof list)
		offered.len = sizeof list - 1;
	memcpy(list, offered.p, offered.len);
	list[offered.len] = '\0';
	allowed = s->o.auth_mech ? s->o.auth_mech :
	          (s->o.auth_allowed ? s->o.auth_allowed : LM_SASL_DEFAULT_ALLOWED);
	if (s->o.auth_mech == 0) {
		/* smtp://user;AUTH=MECH@host names the only mechanism */
		unsigned um;
		r = lm_net__session_url_mech(&s->url, &um, s->err, sizeof s->err);
		if (r < 0)
			return r;
		if (um != 0)
			allowed = um;
	}
	mech = lm_sasl_choose(list, strlen(list), allowed, &cr);
	if (mech == LM_SASL_NONE) {
		if (s->o.auth_mech)
			set_err(s, "server does not offer %s (offers: %s)",
			        lm_sasl_mech_name((lm_sasl_mech)s->o.auth_mech)
			            ? lm_sasl_mech_name((lm_sasl_mech)s->o.auth_mech)
			            : "the requested mechanism", list);
		else
			set_err(s, "no usable authentication mechanism (server "
			        "offers: %s)", list);
		return LM_ERR_NO_MECH;
	}
	r = lm_net__session_sasl_init(&s->sasl, mech, &cr, s->conn, s->o.plaintext,
	                              s->err, sizeof s->err);
	if (r < 0)
		return r;
	target = s->done[LM_SMTP_CMD_AUTH] + 1;
	s->phase = "AUTH";
	r = lm_smtp_auth(&s->smtp, &s->sasl);
	if (r < 0) {
		set_err(s, "AUTH %s: %s", lm_sasl_mech_name(mech), lm_strerror(r));
		lm_sasl_free(&s->sasl);
		return r;
	}
	r = wait_for(s, LM_SMTP_CMD_AUTH, target);
	lm_sasl_free(&s->sasl);
	/* the credentials went through obuf: wipe them once sent */
	lm_net__session_wipe_sent(&s->pump, s->obuf, sizeof s->obuf);
	if (r < 0)
		return r;
	if (s->last.code != 235) {
		set_err(s, "authentication (%s) refused: %s",
		        lm_sasl_mech_name(mech), reply_str(&s->last, b, sizeof b));
		return LM_ERR_AUTH;
	}
	return 0;
}

/* lm_net__session_start()'s wait (sv: the session): the greeting, or
 * the reply to STARTTLS; 1 if it is 220. */
static int
start_wait(void *sv, int tls, char *why, size_t cap)
{
	lm_smtp_session *s = sv;
	int r = wait_for(s, tls ? LM_SMTP_CMD_STARTTLS : LM_SMTP_CMD_GREETING, 1);

	if (r < 0)
		return r;
	reply_str(&s->last, why, cap);
	return s->last.code == 220;
}

/* lm_net__session_start()'s starttls (sv: the session). */
static int
start_tls_cmd(void *sv)
{
	lm_smtp_session *s = sv;
	int r = lm_smtp_starttls(&s->smtp);

	if (r < 0 && r != LM_ERR_NO_STARTTLS)
		set_err(s, "STARTTLS: %s", lm_strerror(r));
	return r;
}

/* lm_net__session_start()'s tls_done (sv: the session). */
static int
start_tls_done(void *sv)
{
	lm_smtp_session *s = sv;
	int r = lm_smtp_tls_done(&s->smtp);

	return r < 0 ? engine_err(s, r) : do_ehlo(s);
}

static const lm_net__start_ops start_ops = {
	"STARTTLS", "smtps", start_wait, do_ehlo, start_tls_cmd,
	start_tls_done
};

/* lm_net__session_connect()'s connect. */
static int
session_connect(void *sv)
{
	lm_smtp_session *s = sv;
	lm_smtp_opts eo = LM_SMTP_OPTS_INIT;
	int r;

	r = lm_net__session_open(&s->conn, &s->url, s->o.timeout_ms,
	                         s->o.call_timeout_ms, s->o.cafile,
	                         s->o.alloc, s->o.trace, s->o.trace_ud, s->err,
	                         sizeof s->err);
	if (r < 0)
		return r;
	lm_net__conn_limit_by(s->conn, s->until);

	eo.helo_domain = s->o.helo_domain ? s->o.helo_domain : "localhost";
	eo.allow_plaintext_auth = s->o.plaintext ? 1 : 0;
	eo.require_tls = s->o.plaintext ? 0 : 1;
	eo.use_pipelining = s->o.use_pipelining;
	eo.use_chunking = s->o.use_chunking;
	eo.trace = s->o.trace ? trace_tramp : NULL;
	eo.trace_ud = s;
	r = lm_smtp_init(&s->smtp, &eo, s->ibuf, sizeof s->ibuf, s->obuf,
	                 sizeof s->obuf);
	if (r < 0) {
		set_err(s, "SMTP engine: %s", lm_strerror(r));
		return r;
	}
	s->smtp_inited = 1;
	lm_net__pump_init(&s->pump, &smtp_pump_ops, s, &s->state, &s->smtp,
	                  &s->ev, s->conn, s->url.host, &s->phase, s->err,
	                  sizeof s->err);
	if (s->url.implicit_tls)
		lm_smtp_set_tls_active(&s->smtp);
	r = lm_net__session_start(&s->pump, &start_ops, &s->url, s->o.plaintext);
	if (r < 0)
		return r;
	return do_auth(s);
}

/* see net.h */
int
lm_smtp_session_connect(lm_smtp_session *s)
{
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	return lm_net__session_connect(s, session_connect, &s->state, s->conn, s->err,
	                               sizeof s->err);
}

/* Queue one command, making room (flush, wait for replies) as needed. */
static int
queue_cmd(lm_smtp_session *s, int which, const char *addr,
          const lm_smtp_mail_params *mp, int *outstanding)
{
	for (;;) {
		int r;
		if (which == 0)
			r = lm_smtp_mail_from(&s->smtp, addr, mp);
		else
			r = lm_smtp_rcpt_to(&s->smtp, addr, NULL);
		if (r == 0)
			return 0;
		if (r == LM_ERR_BUFFER_TOO_SMALL || r == LM_ERR_LIMIT ||
		    (r == LM_ERR_BAD_STATE && *outstanding > 0)) {
			/* make progress: one write, read or event */
			unsigned before = s->done[LM_SMTP_CMD_MAIL] +
			                  s->done[LM_SMTP_CMD_RCPT];
			int p = lm_net__pump_step(&s->pump);
			if (p < 0)
				return p;
			*outstanding -= (int)(s->done[LM_SMTP_CMD_MAIL] +
			                      s->done[LM_SMTP_CMD_RCPT] - before);
			if (which == 1 && s->cmd_reply[LM_SMTP_CMD_MAIL].code != 0 &&
			    (s->cmd_reply[LM_SMTP_CMD_MAIL].code < 200 ||
			     s->cmd_reply[LM_SMTP_CMD_MAIL].code > 299))
				return LM_ERR_REFUSED; /* MAIL refused: stop */
			continue;
		}
		return r;
	}
}

static int
reset_tx(lm_smtp_session *s)
{
	unsigned target = s->done[LM_SMTP_CMD_RSET] + 1;
	lm_smtp_reply keep = s->last;
	int r = lm_smtp_rset(&s->smtp);

	if (r < 0)
		return 0; /* nothing to reset in the engine's view */
	r = wait_for(s, LM_SMTP_CMD_RSET, target);
	s->last = keep;
	return r;
}

static int
send_body(lm_smtp_session *s, const lm_smtp_message *m)
{
	for (;;) {
		size_t got = 0, off = 0;
		int r = m->body(m->body_ud, s->chunk, sizeof s->chunk, &got);
		if (r < 0) {
			set_err(s, "reading the message failed (%s); connection "
			        "closed without ending the message, so nothing "
			        "was sent", lm_strerror(r));
			s->state = S_BROKEN;
			return r;
		}
		if (got > sizeof s->chunk) {
			set_err(s, "message reader returned too many bytes");
			s->state = S_BROKEN;
			return LM_ERR_CALLBACK;
		}
		if (got == 0)
			break;
		while (off < got) {
			size_t used = 0;
			r = lm_smtp_body_write(&s->smtp, s->chunk + off,
			                       got - off, &used);
			if (r == LM_ERR_REFUSED)
				return r;
			if (r < 0)
				return engine_err(s, r);
			off += used;
			if (off < got) {
				r = lm_net__pump_step(&s->pump);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

/* see net.h */
int
lm_smtp_session_send(lm_smtp_session *s, const lm_smtp_message *m,
                     lm_smtp_reply *rcpt_replies, lm_smtp_reply *final)
{
	char b[600];
	size_t i;
	int r, outstanding = 0;
	unsigned mail0, rcpt0, data0, body0;

	if (final != NULL)
		memset(final, 0, sizeof *final);
	if (rcpt_replies != NULL && m != NULL)
		memset(rcpt_replies, 0, m->nrcpt * sizeof *rcpt_replies);
	if (s == NULL || m == NULL || m->version != LM_SMTP_MESSAGE_VERSION ||
	    m->from == NULL || m->rcpt == NULL || m->nrcpt == 0 ||
	    m->body == NULL)
		return LM_ERR_BAD_PARAM;
	if (s->state != S_READY) {
		set_err(s, "session not connected");
		return LM_ERR_BAD_STATE;
	}
	s->err[0] = '\0';
	lm_net__conn_limit(s->conn, lm_net__now_ms(), s->o.call_timeout_ms);
	lm_net__conn_limit_by(s->conn, s->until);
	memset(&s->last, 0, sizeof s->last);
	memset(s->cmd_reply, 0, sizeof s->cmd_reply);
	memset(&s->first_bad_reply, 0, sizeof s->first_bad_reply);
	s->rcpt_out = rcpt_replies;
	s->rcpt_n = m->nrcpt;
	s->rcpt_ok = s->rcpt_bad = s->rcpt_seen = 0;
	s->first_bad = -1;
	mail0 = s->done[LM_SMTP_CMD_MAIL];
	rcpt0 = s->done[LM_SMTP_CMD_RCPT];
	data0 = s->done[LM_SMTP_CMD_DATA];
	body0 = s->done[LM_SMTP_CMD_BODY];

	s->phase = "MAIL/RCPT";
	r = queue_cmd(s, 0, m->from, m->mail_params, &outstanding);
	if (r < 0) {
		if (r == LM_ERR_BAD_PARAM || r == LM_ERR_UNSUPPORTED ||
		    r == LM_ERR_IDNA)
			set_err(s, "MAIL FROM:<%s>: %s", m->from, lm_strerror(r));
		goto out;
	}
	outstanding++;
	for (i = 0; i < m->nrcpt; i++) {
		if (m->rcpt[i] == NULL) {
			r = LM_ERR_BAD_PARAM;
			set_err(s, "recipient %u is NULL", (unsigned)i);
			goto abort_tx;
		}
		r = queue_cmd(s, 1, m->rcpt[i], NULL, &outstanding);
		if (r == LM_ERR_REFUSED)
			break; /* MAIL refused: handled below */
		if (r < 0) {
			if (r == LM_ERR_BAD_PARAM || r == LM_ERR_UNSUPPORTED ||
			    r == LM_ERR_IDNA) {
				set_err(s, "RCPT TO:<%s>: %s", m->rcpt[i],
				        lm_strerror(r));
				goto abort_tx;
			}
			goto out;
		}
		outstanding++;
	}
	/* wait for every reply queued so far */
	r = wait_for(s, LM_SMTP_CMD_MAIL, mail0 + 1);
	if (r < 0)
		goto out;
	if (s->cmd_reply[LM_SMTP_CMD_MAIL].code < 200 ||
	    s->cmd_reply[LM_SMTP_CMD_MAIL].code > 299) {
		lm_smtp_reply mr = s->cmd_reply[LM_SMTP_CMD_MAIL];
		/* collect any pipelined RCPT replies, then report MAIL */
		if (i > 0)
			(void)wait_for(s, LM_SMTP_CMD_RCPT, rcpt0 + (unsigned)i);
		s->last = mr;
		set_err(s, "MAIL FROM:<%s> refused: %s", m->from,
		        reply_str(&mr, b, sizeof b));
		if (final != NULL)
			*final = mr;
		if (s->state == S_READY && !s->got_421)
			(void)reset_tx(s);
		s->last = mr;
		r = LM_ERR_REFUSED;
		goto out;
	}
	r = wait_for(s, LM_SMTP_CMD_RCPT, rcpt0 + (unsigned)m->nrcpt);
	if (r < 0)
		goto out;
	if (s->rcpt_bad > 0 && (!m->partial || s->rcpt_ok == 0)) {
		lm_smtp_reply br = s->first_bad_reply;
		set_err(s, "RCPT TO:<%s> refused: %s%s", m->rcpt[s->first_bad],
		        reply_str(&br, b, sizeof b),
		        s->rcpt_bad > 1 ? " (and more)" : "");
		if (final != NULL)
			*final = br;
		if (!s->got_421)
			r = reset_tx(s);
		s->last = br;
		r = LM_ERR_REFUSED;
		goto out;
	}

	/* message content */
	s->phase = "DATA";
	r = lm_smtp_data(&s->smtp);
	if (r < 0) {
		set_err(s, "DATA: %s", lm_strerror(r));
		goto out;
	}
	r = wait_for(s, LM_SMTP_CMD_DATA, data0 + 1);
	if (r < 0)
		goto out;
	if (s->cmd_reply[LM_SMTP_CMD_DATA].code != 354 &&
	    s->cmd_reply[LM_SMTP_CMD_DATA].code != 0) {
		s->last = s->cmd_reply[LM_SMTP_CMD_DATA];
		set_err(s, "DATA refused: %s", reply_str(&s->last, b, sizeof b));
		if (final != NULL)
			*final = s->last;
		r = LM_ERR_REFUSED;
		goto out;
	}
	s->phase = "message body";
	r = send_body(s, m);
	if (r == LM_ERR_REFUSED) {
		/* a BDAT chunk was refused: the reply is in s->last */
		set_err(s, "message refused: %s", reply_str(&s->last, b, sizeof b));
		if (final != NULL)
			*final = s->last;
		(void)reset_tx(s);
		goto out;
	}
	if (r < 0)
		goto out;
	r = lm_smtp_body_end(&s->smtp);
	if (r == LM_ERR_REFUSED) {
		set_err(s, "message refused: %s", reply_str(&s->last, b, sizeof b));
		if (final != NULL)
			*final = s->last;
		(void)reset_tx(s);
		goto out;
	}
	if (r < 0) {
		r = engine_err(s, r);
		s->state = S_BROKEN;
		goto out;
	}
	s->phase = "end of message";
	r = wait_for(s, LM_SMTP_CMD_BODY, body0 + 1);
	if (r < 0)
		goto out;
	s->last = s->cmd_reply[LM_SMTP_CMD_BODY];
	if (final != NULL)
		*final = s->last;
	if (s->last.code < 200 || s->last.code > 299) {
		set_err(s, "message refused: %s", reply_str(&s->last, b, sizeof b));
		r = LM_ERR_REFUSED;
		goto out;
	}
	r = 0;
	goto out;

abort_tx:
	/* a local error after MAIL was queued: finish what is in flight */
	{
		int r2 = flush_out(s);
		if (r2 == 0)
			r2 = wait_for(s, LM_SMTP_CMD_MAIL, mail0 + 1);
		if (r2 == 0)
			r2 = wait_for(s, LM_SMTP_CMD_RCPT, rcpt0 + (unsigned)i);
		if (r2 == 0)
			(void)reset_tx(s);
	}
out:
	if (s->got_421 || s->closed)
		s->state = S_BROKEN;
	s->rcpt_out = NULL;
	s->rcpt_n = 0;
	return r;
}

/* see session.h */
void
lm_net__smtp_session_until(lm_smtp_session *s, long long until)
{
	s->until = until;
}

/* see net.h */
const lm_smtp_reply *
lm_smtp_session_reply(const lm_smtp_session *s)
{
	static const lm_smtp_reply none;

	return s != NULL ? &s->last : &none;
}

/* see net.h */
const char *
lm_smtp_session_error(const lm_smtp_session *s)
{
	return s != NULL ? s->err : "";
}

/* see net.h */
void
lm_smtp_session_free(lm_smtp_session *s)
{
	if (s == NULL)
		return;
	if (s->conn != NULL && s->smtp_inited && s->state == S_READY &&
	    lm_smtp_quit(&s->smtp) == 0) {
		/* the message is already delivered: do not let a slow
		 * server hold us long for the goodbye */
		lm_net__session_goodbye(s->conn);
		lm_net__conn_limit_by(s->conn, s->until);
		(void)wait_for(s, LM_SMTP_CMD_QUIT, s->done[LM_SMTP_CMD_QUIT] + 1);
	}
	if (s->smtp_inited)
		lm_smtp_free(&s->smtp);
	lm_net__session_release(s, sizeof *s, &s->alloc, &s->sasl, s->conn);
}
