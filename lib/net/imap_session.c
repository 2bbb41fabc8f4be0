/*
 * libmail - blocking IMAP session: drives the sans-IO IMAP engine over
 * an lm_conn (connect, STARTTLS, login, one command at a time, IDLE,
 * LOGOUT).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "libmail/net.h"
#include "libmail/core.h"
#include "../core/utf8.h"
#include "net_internal.h"
#include "pump.h"
#include "session.h"

enum { S_NEW = LM_NET__S_NEW, S_READY = LM_NET__S_READY, S_BROKEN = LM_NET__S_BROKEN };

/* IDLE is renewed this often (RFC 2177: servers may log out an idle
 * client after 30 minutes). */
#define IDLE_RENEW_MS (25UL * 60 * 1000)
/* Without IDLE: a NOOP this often. */
#define NOOP_POLL_MS 10000UL

struct lm_imap_session {
	lm_allocator alloc;
	lm_imap_session_opts o;
	lm_url url;
	char mailbox[LM_URL_PATH_MAX + 1];   /* URL path, decoded */
	lm_conn *conn;
	lm_imap_client imap;
	int imap_inited;
	lm_net__pump pump;         /* drives imap over conn */
	lm_imap_event ev;          /* the pump's event */
	lm_sasl sasl;
	int state;
	int closed;                /* EV_CLOSED seen */
	int bye;                   /* untagged BYE seen */
	char bye_text[256];
	/* the command being waited for */
	lm_imap_handle wait_h;
	int wait_done;
	lm_imap_handle tls_h;      /* connect's STARTTLS */
	int idle_started;
	lm_imap_event_fn fn;
	void *fn_ud;
	int fn_err;
	int greeted;
	lm_imap_result greeting;
	lm_imap_reply last;
	const char *phase;         /* what we wait for, for messages */
	char cmd_label[24];        /* "UID FETCH": the phase of a wait */
	char err[700];
	unsigned char ibuf[LM_IMAP_BUFSIZE_IN];
	unsigned char obuf[LM_IMAP_BUFSIZE_OUT];
};

static void
set_err(lm_imap_session *s, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void
set_err(lm_imap_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
}

static void
copy_reply(lm_imap_reply *r, const lm_imap_event *ev)
{
	memset(r, 0, sizeof *r);
	r->cmd = ev->cmd;
	r->handle = ev->handle;
	r->status = ev->status;
	r->code = ev->code.code;
	r->code_num = ev->code.num;
	lm_net__copy_clean(r->code_set1, sizeof r->code_set1, ev->code.set1);
	lm_net__copy_clean(r->code_set2, sizeof r->code_set2, ev->code.set2);
	lm_net__copy_clean(r->text, sizeof r->text, ev->text);
}

/* "NO [CODE] text" of the last completion into buf */
static const char *
reply_str(const lm_imap_reply *r, char *buf, size_t cap)
{
	const char *st = lm_imap_result_name(r->status);

	if (r->status == LM_IMAP_NONE)
		snprintf(buf, cap, "(no reply)");
	else if (r->code != LM_IMAP_CODE_NONE && r->code != LM_IMAP_CODE_OTHER)
		snprintf(buf, cap, "%s [%s] %s", st ? st : "?",
		         lm_imap_code_name(r->code), r->text);
	else
		snprintf(buf, cap, "%s %s", st ? st : "?", r->text);
	return buf;
}

/* Bookkeeping for one event; then the caller's callback. */
static int
handle_event(void *ud, void *evp)
{
	lm_imap_session *s = ud;
	const lm_imap_event *ev = evp;

	switch (ev->type) {
	case LM_IMAP_EV_GREETING:
		s->greeted = 1;
		s->greeting = ev->status;
		copy_reply(&s->last, ev);
		if (ev->status == LM_IMAP_BYE) {
			s->bye = 1;
			lm_net__copy_clean(s->bye_text, sizeof s->bye_text, ev->text);
		}
		break;
	case LM_IMAP_EV_STATUS:
		if (ev->status == LM_IMAP_BYE) {
			s->bye = 1;
			lm_net__copy_clean(s->bye_text, sizeof s->bye_text, ev->text);
		}
		break;
	case LM_IMAP_EV_DONE:
		if (ev->handle == s->wait_h && s->wait_h != 0) {
			copy_reply(&s->last, ev);
			s->wait_done = 1;
		}
		break;
	case LM_IMAP_EV_TLS_READY:
		if (ev->handle == s->wait_h && s->wait_h != 0) {
			copy_reply(&s->last, ev);
			s->last.cmd = LM_IMAP_CMD_STARTTLS;
			s->last.status = LM_IMAP_OK;
			s->wait_done = 1;
		}
		break;
	case LM_IMAP_EV_IDLE_STARTED:
		s->idle_started = 1;
		break;
	case LM_IMAP_EV_CLOSED:
		s->closed = 1;
		break;
	default:
		break;
	}
	if (s->fn != NULL) {
		int r = s->fn(ev, s->fn_ud);
		if (r < 0) {
			s->fn_err = r;
			if (s->err[0] == '\0')
				set_err(s, "stopped by the event callback (%s)",
				        lm_strerror(r));
			return r;
		}
	}
	return 0;
}

/* Map a sticky engine error, or the engine's end (LM_DONE: the server
 * closed after BYE or LOGOUT), and describe it; also the pump's fail
 * callback (ud: the session). */
static int
engine_err(void *ud, int r)
{
	lm_imap_session *s = ud;

	s->state = S_BROKEN;
	if ((r == LM_ERR_EOF || r == LM_DONE) && s->bye) {
		set_err(s, "server closed the connection: BYE %s", s->bye_text);
		return LM_ERR_REFUSED;
	}
	if (r == LM_DONE) {
		set_err(s, "%s closed the connection (%s)", s->url.host,
		        s->phase ? s->phase : "session");
		return LM_ERR_EOF;
	}
	if (r == LM_ERR_NO_STARTTLS)
		set_err(s, "server %s greeted with PREAUTH on a connection "
		        "without TLS (use imaps://, or, only if you accept an "
		        "unprotected connection, plaintext)", s->url.host);
	else
		lm_net__session_engine_err(s->err, sizeof s->err, s->url.host,
		                           s->phase, "IMAP", r);
	return r;
}

LM_NET__PUMP_OPS(imap, "IMAP", handle_event, engine_err, S_BROKEN);

/* Pump until command h completed (or the greeting arrived, h == 0). */
static int
wait_cmd(lm_imap_session *s, lm_imap_handle h)
{
	s->wait_h = h;
	s->wait_done = 0;
	for (;;) {
		int r;
		if (h == 0 ? s->greeted : s->wait_done)
			break;
		r = lm_net__pump_step(&s->pump);
		if (r < 0) {
			s->wait_h = 0;
			return r;
		}
	}
	s->wait_h = 0;
	return 0;
}

/* A queueing function failed: describe it. Misuse leaves the session
 * usable; a sticky engine error breaks it. */
static int
queue_err(lm_imap_session *s, const char *what, int r)
{
	if (lm_imap_last_error(&s->imap) != 0)
		return engine_err(s, lm_imap_last_error(&s->imap));
	set_err(s, "%s: %s", what, lm_strerror(r));
	return r;
}

static void
trace_tramp(char dir, const char *line, size_t len, void *ud)
{
	lm_imap_session *s = ud;

	if (s->o.trace != NULL)
		s->o.trace(dir, line, len, s->o.trace_ud);
}

/* RFC 5092 path: percent-decoded UTF-8 mailbox name; ";UIDVALIDITY=",
 * "?query" and other IMAP URL parts are not supported. */
static int
decode_path(const char *in, char *out, size_t cap)
{
	size_t n;

	if (lm_net__pct_decode(in, strlen(in), out, cap, &n) < 0 ||
	    !lm_core__utf8_valid(out, n))
		return LM_ERR_URL;
	return 0;
}

/* see net.h */
int
lm_imap_session_new(lm_imap_session **out, const lm_imap_session_opts *o)
{
	lm_imap_session *s;
	lm_url url;
	int r;

	if (out == NULL)
		return LM_ERR_BAD_PARAM;
	*out = NULL;
	if (o == NULL || o->version != LM_IMAP_SESSION_OPTS_VERSION ||
	    o->url == NULL)
		return LM_ERR_BAD_PARAM;
	s = lm_net__session_alloc(sizeof *s, o->alloc, o->url, LM_URL_IMAP,
	                          LM_URL_IMAPS, &url, &r);
	if (s == NULL)
		return r;
	if (o->alloc != NULL)
		s->alloc = *o->alloc;
	s->o = *o;
	s->url = url;
	r = decode_path(url.path, s->mailbox, sizeof s->mailbox);
	if (r < 0) {
		lm_allocator a = s->alloc;
		lm_net__free(&a, s, sizeof *s);
		return r;
	}
	*out = s;
	return 0;
}

/* Pump until command h completed; a completion other than OK is
 * LM_ERR_REFUSED, "WHAT refused: <reply>". */
static int
wait_ok(lm_imap_session *s, lm_imap_handle h, const char *what)
{
	char b[700];
	int r = wait_cmd(s, h);

	if (r < 0)
		return r;
	if (s->last.status != LM_IMAP_OK) {
		set_err(s, "%s refused: %s", what, reply_str(&s->last, b, sizeof b));
		return LM_ERR_REFUSED;
	}
	return 0;
}

static int
do_capability(lm_imap_session *s)
{
	lm_imap_handle h;
	int r = lm_imap_capability(&s->imap, &h);

	if (r < 0)
		return queue_err(s, "CAPABILITY", r);
	s->phase = "CAPABILITY";
	return wait_ok(s, h, "CAPABILITY");
}

static int
do_login_cmd(lm_imap_session *s, const char *user)
{
	lm_imap_handle h;
	char b[700];
	int r;

	if (s->o.password == NULL) {
		set_err(s, "no password for LOGIN");
		return LM_ERR_BAD_PARAM;
	}
	r = lm_imap_login(&s->imap, user, s->o.password, &h);
	if (r == LM_ERR_UNSUPPORTED) {
		set_err(s, "server disables LOGIN (LOGINDISABLED) and offers "
		        "no usable AUTH= mechanism");
		return LM_ERR_NO_MECH;
	}
	if (r == LM_ERR_PLAINTEXT) {
		set_err(s, "refusing to send a password without TLS");
		return r;
	}
	if (r < 0)
		return queue_err(s, "LOGIN", r);
	s->phase = "LOGIN";
	r = wait_cmd(s, h);
	/* the password went through obuf: wipe it once sent */
	lm_net__session_wipe_sent(&s->pump, s->obuf, sizeof s->obuf);
	if (r < 0)
		return r;
	if (s->last.status != LM_IMAP_OK) {
		set_err(s, "login refused: %s", reply_str(&s->last, b, sizeof b));
		return LM_ERR_AUTH;
	}
	return 0;
}

static int
do_auth(lm_imap_session *s)
{
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	char mechs[LM_IMAP_CAPS_MAX], b[700];
	unsigned allowed;
	lm_sasl_mech mech = LM_SASL_NONE;
	lm_imap_handle h;
	int r, only_one = 0;

	if (!lm_net__session_creds(&cr, s->o.user, s->o.password, s->o.token,
	                           &s->url))
		return 0; /* no credentials: no login */
	if (lm_imap_get_state(&s->imap) != LM_IMAP_STATE_NOT_AUTH)
		return 0; /* PREAUTH */
	if (!lm_conn_is_tls(s->conn) && !s->o.plaintext) {
		set_err(s, "refusing to send credentials without TLS");
		return LM_ERR_PLAINTEXT;
	}
	allowed = s->o.auth_mech ? s->o.auth_mech :
	          (s->o.auth_allowed ? s->o.auth_allowed : LM_SASL_DEFAULT_ALLOWED);
	only_one = s->o.auth_mech != 0;
	if (s->o.auth_mech == 0) {
		unsigned um;
		r = lm_net__session_url_mech(&s->url, &um, s->err, sizeof s->err);
		if (r < 0)
			return r;
		if (um != 0) {
			allowed = um;
			only_one = 1;
		}
	}
	r = lm_imap_sasl_mechs(&s->imap, mechs, sizeof mechs);
	if (r < 0)
		mechs[0] = '\0';
	if (mechs[0] != '\0')
		mech = lm_sasl_choose(mechs, strlen(mechs), allowed, &cr);
	if (mech == LM_SASL_NONE) {
		if (only_one) {
			const char *nm = lm_sasl_mech_name((lm_sasl_mech)allowed);
			set_err(s, "server does not offer %s (offers: %s)",
			        nm ? nm : "the requested mechanism",
			        mechs[0] ? mechs : "no AUTH= mechanism");
			return LM_ERR_NO_MECH;
		}
		if (cr.user == NULL || cr.password == NULL) {
			/* LOGIN needs a user and a password */
			set_err(s, "no usable authentication mechanism for the "
			        "credentials given (server offers: %s)",
			        mechs[0] ? mechs : "no AUTH= mechanism");
			return LM_ERR_NO_MECH;
		}
		if (lm_imap_has_cap(&s->imap, "LOGINDISABLED")) {
			set_err(s, "server disables LOGIN (LOGINDISABLED) and "
			        "offers no usable AUTH= mechanism (offers: %s)",
			        mechs[0] ? mechs : "none");
			return LM_ERR_NO_MECH;
		}
		return do_login_cmd(s, cr.user);
	}
	r = lm_net__session_sasl_init(&s->sasl, mech, &cr, s->conn, s->o.plaintext,
	                              s->err, sizeof s->err);
	if (r < 0)
		return r;
	r = lm_imap_authenticate(&s->imap, &s->sasl, &h);
	if (r < 0) {
		lm_sasl_free(&s->sasl);
		if (r == LM_ERR_PLAINTEXT || r == LM_ERR_NO_MECH) {
			set_err(s, "AUTHENTICATE %s: %s", lm_sasl_mech_name(mech),
			        lm_strerror(r));
			return r;
		}
		return queue_err(s, "AUTHENTICATE", r);
	}
	s->phase = "AUTHENTICATE";
	r = wait_cmd(s, h);
	lm_sasl_free(&s->sasl);
	lm_net__session_wipe_sent(&s->pump, s->obuf, sizeof s->obuf);
	if (r < 0)
		return r;
	if (s->last.status != LM_IMAP_OK) {
		set_err(s, "authentication (%s) refused: %s",
		        lm_sasl_mech_name(mech), reply_str(&s->last, b, sizeof b));
		return LM_ERR_AUTH;
	}
	return 0;
}

/* lm_net__session_start()'s wait (sv: the session): the greeting (1
 * unless BYE), or the reply to STARTTLS (1 if OK). */
static int
start_wait(void *sv, int tls, char *why, size_t cap)
{
	lm_imap_session *s = sv;
	int r = wait_cmd(s, tls ? s->tls_h : 0);

	if (r < 0)
		return r;
	reply_str(&s->last, why, cap);
	return tls ? s->last.status == LM_IMAP_OK : s->greeting != LM_IMAP_BYE;
}

/* lm_net__session_start()'s caps (sv: the session): only if the
 * greeting did not list them. */
static int
start_caps(void *sv)
{
	lm_imap_session *s = sv;

	return lm_imap_caps_known(&s->imap) ? 0 : do_capability(s);
}

/* lm_net__session_start()'s starttls (sv: the session). */
static int
start_tls_cmd(void *sv)
{
	lm_imap_session *s = sv;
	int r = lm_imap_starttls(&s->imap, &s->tls_h);

	if (r < 0 && r != LM_ERR_NO_STARTTLS)
		return queue_err(s, "STARTTLS", r);
	return r;
}

/* lm_net__session_start()'s tls_done (sv: the session): the engine
 * asks for the capabilities again itself. */
static int
start_tls_done(void *sv)
{
	lm_imap_session *s = sv;
	lm_imap_handle h;
	int r = lm_imap_tls_done(&s->imap, &h);

	if (r < 0)
		return engine_err(s, r);
	s->phase = "CAPABILITY";
	return wait_ok(s, h, "CAPABILITY");
}

static const lm_net__start_ops start_ops = {
	"STARTTLS", "imaps", start_wait, start_caps, start_tls_cmd,
	start_tls_done
};

static int
connect_steps(lm_imap_session *s)
{
	lm_imap_opts eo = LM_IMAP_OPTS_INIT;
	int r;

	r = lm_net__session_open(&s->conn, &s->url, s->o.timeout_ms,
	                         s->o.call_timeout_ms, s->o.cafile,
	                         s->o.alloc, s->o.trace, s->o.trace_ud, s->err,
	                         sizeof s->err);
	if (r < 0)
		return r;

	eo.allow_plaintext_auth = s->o.plaintext ? 1 : 0;
	eo.require_tls = s->o.plaintext ? 0 : 1;
	eo.use_literal_plus = 1;
	eo.trace = s->o.trace ? trace_tramp : NULL;
	eo.trace_ud = s;
	r = lm_imap_init(&s->imap, &eo, s->ibuf, sizeof s->ibuf, s->obuf,
	                 sizeof s->obuf);
	if (r < 0) {
		set_err(s, "IMAP engine: %s", lm_strerror(r));
		return r;
	}
	s->imap_inited = 1;
	lm_net__pump_init(&s->pump, &imap_pump_ops, s, &s->state, &s->imap,
	                  &s->ev, s->conn, s->url.host, &s->phase, s->err,
	                  sizeof s->err);
	if (s->url.implicit_tls)
		lm_imap_set_tls_active(&s->imap);
	r = lm_net__session_start(&s->pump, &start_ops, &s->url, s->o.plaintext);
	if (r < 0)
		return r;
	r = do_auth(s);
	if (r < 0)
		return r;
	/* some servers give the new capabilities only when asked; those
	 * that send them with the login (a code in its OK, or a list just
	 * before it: Gmail) are not asked again */
	return start_caps(s);
}

/* lm_net__session_connect()'s connect: the steps, then no phase. */
static int
session_connect(void *sv)
{
	lm_imap_session *s = sv;
	int r = connect_steps(s);

	s->phase = NULL;
	return r;
}

/* see net.h */
int
lm_imap_session_connect(lm_imap_session *s)
{
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	return lm_net__session_connect(s, session_connect, &s->state, s->conn, s->err,
	                               sizeof s->err);
}

/* see net.h */
lm_imap_client *
lm_imap_session_client(lm_imap_session *s)
{
	if (s == NULL || !s->imap_inited || s->state != S_READY)
		return NULL;
	return &s->imap;
}

/* see net.h */
const char *
lm_imap_session_mailbox(const lm_imap_session *s)
{
	return s != NULL ? s->mailbox : "";
}

/* The IMAP command handle h names ("SELECT", "UID FETCH", "UID MOVE"
 * for a whole MOVE fallback chain), for messages; "command" when h is
 * not outstanding. */
static const char *
cmd_label(lm_imap_session *s, lm_imap_handle h)
{
	int uid;
	lm_imap_cmd cmd = lm_imap_handle_cmd(&s->imap, h, &uid);

	if (cmd == LM_IMAP_CMD_NONE)
		return "command";
	if (cmd == LM_IMAP_CMD_UID_EXPUNGE)   /* named UID_EXPUNGE */
		return "UID EXPUNGE";
	snprintf(s->cmd_label, sizeof s->cmd_label, "%s%s", uid ? "UID " : "",
	         lm_imap_cmd_name(cmd));
	return s->cmd_label;
}

/* see net.h */
int
lm_imap_session_wait(lm_imap_session *s, lm_imap_handle h,
                     lm_imap_event_fn fn, void *ud)
{
	const char *what;
	int r;

	if (s == NULL || h == 0)
		return LM_ERR_BAD_PARAM;
	if (s->state != S_READY) {
		set_err(s, "session not connected");
		return LM_ERR_BAD_STATE;
	}
	s->err[0] = '\0';
	lm_net__conn_limit(s->conn, lm_net__now_ms(), s->o.call_timeout_ms);
	memset(&s->last, 0, sizeof s->last);
	s->fn = fn;
	s->fn_ud = ud;
	s->fn_err = 0;
	what = cmd_label(s, h);
	s->phase = what;
	r = wait_ok(s, h, what);
	s->fn = NULL;
	s->fn_ud = NULL;
	s->phase = NULL;
	return r;
}

/* One IDLE period of at most ms (or NOOP polls without IDLE). */
static int
idle_period(lm_imap_session *s, unsigned long ms)
{
	lm_imap_handle h;
	char b[700];
	int r, idle = lm_imap_has_cap(&s->imap, "IDLE");

	s->pump.read_deadline = lm_net__now_ms() + (long long)ms;
	/* the call's limit comes on top of the period: it bounds the
	 * exchanges around the wait (IDLE, DONE, NOOP), not the wait */
	lm_net__conn_limit(s->conn, s->pump.read_deadline, s->o.call_timeout_ms);
	if (!idle) {
		/* NOOP polls: wait between them with the read deadline */
		while (lm_net__now_ms() < s->pump.read_deadline) {
			long long end = s->pump.read_deadline;
			long long next = lm_net__now_ms() + (long long)NOOP_POLL_MS;
			r = lm_imap_noop(&s->imap, &h);
			if (r < 0)
				return queue_err(s, "NOOP", r);
			s->pump.read_deadline = 0;
			r = wait_ok(s, h, "NOOP");
			if (r < 0)
				return r;
			/* nothing outstanding: a read can only bring untagged
			 * data; wait until the next poll or the end */
			s->pump.read_deadline = next < end ? next : end;
			for (;;) {
				r = lm_net__pump_step(&s->pump);
				if (r < 0)
					return r;
				if (r == LM_NET__PUMP_DEADLINE)
					break;
			}
			s->pump.read_deadline = end;
		}
		s->pump.read_deadline = 0;
		return 0;
	}
	r = lm_imap_idle(&s->imap, &h);
	if (r < 0) {
		s->pump.read_deadline = 0;
		return queue_err(s, "IDLE", r);
	}
	s->wait_h = h;
	s->wait_done = 0;
	s->idle_started = 0;
	for (;;) {
		r = lm_net__pump_step(&s->pump);
		if (r < 0) {
			s->pump.read_deadline = 0;
			s->wait_h = 0;
			return r;
		}
		if (s->wait_done) {
			/* IDLE refused (or ended by the server) */
			s->pump.read_deadline = 0;
			s->wait_h = 0;
			if (s->last.status != LM_IMAP_OK) {
				set_err(s, "IDLE refused: %s",
				        reply_str(&s->last, b, sizeof b));
				return LM_ERR_REFUSED;
			}
			return 0;
		}
		if (r == LM_NET__PUMP_DEADLINE)
			break;
	}
	s->pump.read_deadline = 0;
	r = lm_imap_idle_done(&s->imap);
	if (r < 0) {
		s->wait_h = 0;
		return queue_err(s, "DONE", r);
	}
	return wait_ok(s, h, "IDLE");
}

/* see net.h */
int
lm_imap_session_idle(lm_imap_session *s, unsigned long ms,
                     lm_imap_event_fn fn, void *ud)
{
	long long end;
	int r = 0;

	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	if (s->state != S_READY) {
		set_err(s, "session not connected");
		return LM_ERR_BAD_STATE;
	}
	s->err[0] = '\0';
	s->fn = fn;
	s->fn_ud = ud;
	s->fn_err = 0;
	s->phase = "IDLE";
	end = ms ? lm_net__now_ms() + (long long)ms : 0;
	for (;;) {
		unsigned long period = IDLE_RENEW_MS;
		if (end != 0) {
			long long left = end - lm_net__now_ms();
			if (left <= 0)
				break;
			if ((unsigned long long)left < period)
				period = (unsigned long)left;
		}
		r = idle_period(s, period);
		if (r < 0)
			break;
	}
	s->fn = NULL;
	s->fn_ud = NULL;
	s->phase = NULL;
	return r;
}

/* see net.h */
const lm_imap_reply *
lm_imap_session_reply(const lm_imap_session *s)
{
	static const lm_imap_reply none;

	return s != NULL ? &s->last : &none;
}

/* see net.h */
const char *
lm_imap_session_error(const lm_imap_session *s)
{
	return s != NULL ? s->err : "";
}

/* see net.h */
void
lm_imap_session_free(lm_imap_session *s)
{
	if (s == NULL)
		return;
	if (s->conn != NULL && s->imap_inited && s->state == S_READY) {
		lm_imap_handle h;
		s->fn = NULL;
		if (lm_imap_logout(&s->imap, &h) == 0) {
			/* the work is done: do not let a slow server hold us
			 * long for the goodbye */
			lm_net__session_goodbye(s->conn);
			s->phase = "LOGOUT";
			(void)wait_cmd(s, h);
		}
	}
	if (s->imap_inited)
		lm_imap_free(&s->imap);
	lm_net__session_release(s, sizeof *s, &s->alloc, &s->sasl, s->conn);
}
