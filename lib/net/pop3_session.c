/*
 * libmail - blocking POP3 session: drives the sans-IO POP3 engine over
 * an lm_conn (connect, STLS, login, STAT/LIST/UIDL, streamed RETR/TOP,
 * DELE, RSET, NOOP, QUIT as the commit point of deletions).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "libmail/net.h"
#include "net_internal.h"
#include "pump.h"
#include "session.h"

enum { S_NEW = LM_NET__S_NEW, S_READY = LM_NET__S_READY, S_BROKEN = LM_NET__S_BROKEN, S_QUIT };

#define LM_P3S__NCMD (LM_POP3_CMD_UTF8 + 1)
/* Bytes of one RETR chunk handed to the caller at most: the engine's
 * input buffer. 16 KB keeps events few and the footprint small. */
#define LM_P3S__IBUF 16384

struct lm_pop3_session {
	lm_allocator alloc;
	lm_pop3_session_opts o;
	lm_url url;
	lm_conn *conn;
	lm_pop3_client pop;
	int pop_inited;
	lm_net__pump pump;              /* drives pop over conn */
	lm_pop3_event ev;               /* the pump's event */
	lm_sasl sasl;
	int state;
	unsigned done[LM_P3S__NCMD];    /* final events seen, per command */
	unsigned logins;                /* AUTH_DONE events seen */
	int login_ok;
	int closed;
	int capa_failed;                /* CAPA answered -ERR (RFC 1939 server) */
	int committed;                  /* +OK to QUIT after login */
	int data_end;                   /* DATA_END seen for the current body */
	lm_pop3_reply last;             /* last status line */
	char apop_ts[LM_POP3_LINE_MAX];
	int have_ts;
	/* listing / body callbacks of the running command */
	lm_pop3_list_fn list_fn;
	lm_pop3_uidl_fn uidl_fn;
	lm_pop3_data_fn data_fn;
	void *cb_ud;
	int cb_err;                     /* first negative callback result */
	unsigned long long drain_from;  /* pump.rx when the callback failed */
	int aborted;                    /* closed past LM_POP3_DRAIN_MAX */
	unsigned long stat_count;
	uint64_t stat_size;
	const char *phase;
	char err[700];
	unsigned char ibuf[LM_P3S__IBUF];
	unsigned char obuf[LM_POP3_BUFSIZE_OUT];
};

static void
set_err(lm_pop3_session *s, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void
set_err(lm_pop3_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
}

static void
copy_reply(lm_pop3_reply *dst, const lm_pop3_event *ev, lm_pop3_cmd cmd)
{
	dst->cmd = cmd;
	dst->ok = ev->ok ? 1 : 0;
	lm_net__copy_clean(dst->code, sizeof dst->code, ev->code);
	lm_net__copy_clean(dst->text, sizeof dst->text, ev->text);
}

/* "-ERR [IN-USE] text" into buf */
static const char *
reply_str(const lm_pop3_reply *r, char *buf, size_t cap)
{
	if (r->ok < 0)
		snprintf(buf, cap, "(no reply)");
	else if (r->code[0] != '\0')
		snprintf(buf, cap, "%s [%s] %s", r->ok ? "+OK" : "-ERR", r->code,
		         r->text);
	else
		snprintf(buf, cap, "%s %s", r->ok ? "+OK" : "-ERR", r->text);
	return buf;
}

/* A callback's result r: the first failure stops the callbacks of this
 * response; the rest of it is then read only up to LM_POP3_DRAIN_MAX
 * bytes (see draining()) and for one timeout at most (drain_late()). */
static void
callback_done(lm_pop3_session *s, int r)
{
	if (r < 0) {
		s->cb_err = r;
		s->drain_from = s->pump.rx;
		lm_net__conn_limit_by(s->conn, lm_net__now_ms() +
		                      (long long)s->conn->timeout_ms);
	}
}

/* The pump failed with r while a response whose callback failed was
 * read: a time limit (the call's, or the one timeout of the drain) is
 * the drain given up, as for too many bytes: the callback's code. */
static int
drain_late(lm_pop3_session *s, int r)
{
	if (s->cb_err == 0 || s->aborted || r != LM_ERR_TIMEOUT)
		return r;
	s->aborted = 1;
	set_err(s, "%s: the caller's callback failed (%s); the rest of the "
	        "response did not come in time, so the connection was "
	        "closed without QUIT (no deletion committed)", s->phase,
	        lm_strerror(s->cb_err));
	return s->cb_err;
}

/* An event of a response whose callback failed: 0 while the bytes read
 * since the failure stay within LM_POP3_DRAIN_MAX, else the callback's
 * code, which stops the pump (the session is then broken, and run_cmd()
 * closes the connection: POP3 cannot cancel a response in progress). */
static int
draining(lm_pop3_session *s)
{
	if (s->pump.rx - s->drain_from <= LM_POP3_DRAIN_MAX)
		return 0;
	s->aborted = 1;
	set_err(s, "%s: the caller's callback failed (%s); more than %lu bytes "
	        "of the response followed, so the connection was closed "
	        "without QUIT (no deletion committed)", s->phase,
	        lm_strerror(s->cb_err), (unsigned long)LM_POP3_DRAIN_MAX);
	return s->cb_err;
}

/* The pump's event callback (ud: the session, evp: its event). */
static int
handle_event(void *ud, void *evp)
{
	lm_pop3_session *s = ud;
	const lm_pop3_event *ev = evp;
	lm_pop3_cmd cmd = ev->cmd;

	switch (ev->type) {
	case LM_POP3_EV_CLOSED:
		s->closed = 1;
		return 0;
	case LM_POP3_EV_CAPA_LINE:
		return 0;
	case LM_POP3_EV_STAT:
		s->stat_count = ev->msg;
		s->stat_size = ev->size;
		return 0;
	case LM_POP3_EV_LIST_ITEM:
		if (s->cb_err < 0)
			return draining(s);
		if (s->list_fn != NULL)
			callback_done(s, s->list_fn(s->cb_ud, ev->msg, ev->size));
		return 0;
	case LM_POP3_EV_UIDL_ITEM:
		if (s->cb_err < 0)
			return draining(s);
		if (s->uidl_fn != NULL)
			callback_done(s, s->uidl_fn(s->cb_ud, ev->msg,
			                            (const char *)ev->uid.p,
			                            ev->uid.len));
		return 0;
	case LM_POP3_EV_DATA:
		if (s->cb_err < 0)
			return draining(s);
		if (s->data_fn != NULL && ev->data.len > 0)
			callback_done(s, s->data_fn(s->cb_ud, ev->data.p,
			                            ev->data.len));
		return 0;
	case LM_POP3_EV_DATA_END:
		s->data_end = 1;
		return 0;
	case LM_POP3_EV_GREETING:
		cmd = LM_POP3_CMD_GREETING;
		if (ev->apop.len > 0 && ev->apop.len < sizeof s->apop_ts) {
			memcpy(s->apop_ts, ev->apop.p, ev->apop.len);
			s->apop_ts[ev->apop.len] = '\0';
			s->have_ts = 1;
		}
		break;
	case LM_POP3_EV_TLS_READY:
		cmd = LM_POP3_CMD_STLS;
		break;
	case LM_POP3_EV_AUTH_DONE:
		copy_reply(&s->last, ev, cmd);
		s->logins++;
		s->login_ok = ev->ok ? 1 : 0;
		return 0;
	case LM_POP3_EV_REPLY:
		if (cmd == LM_POP3_CMD_QUIT && ev->ok && ev->committed)
			s->committed = 1;
		break;
	}
	copy_reply(&s->last, ev, cmd);
	if (ev->type == LM_POP3_EV_TLS_READY || ev->type == LM_POP3_EV_GREETING)
		s->last.ok = 1;
	if ((unsigned)cmd < LM_P3S__NCMD)
		s->done[cmd]++;
	return 0;
}

/* Map a sticky engine error (or the engine's end, LM_DONE: an EOF) and
 * describe it; also the pump's fail callback (ud: the session). */
static int
engine_err(void *ud, int r)
{
	lm_pop3_session *s = ud;

	s->state = S_BROKEN;
	if (r == LM_DONE)
		r = LM_ERR_EOF;
	lm_net__session_engine_err(s->err, sizeof s->err, s->url.host, s->phase,
	                           "POP3", r);
	return r;
}

LM_NET__PUMP_OPS(pop3, "POP3", handle_event, engine_err, S_BROKEN);

/* Pump until done[cmd] reaches target. */
static int
wait_for(lm_pop3_session *s, lm_pop3_cmd cmd, unsigned target)
{
	return lm_net__pump_until(&s->pump, &s->done[cmd], target);
}

static void
trace_tramp(char dir, const char *line, size_t len, void *ud)
{
	lm_pop3_session *s = ud;

	if (s->o.trace != NULL)
		s->o.trace(dir, line, len, s->o.trace_ud);
}

/* see net.h */
int
lm_pop3_session_new(lm_pop3_session **out, const lm_pop3_session_opts *o)
{
	lm_pop3_session *s;
	lm_url url;
	int r;

	if (out == NULL)
		return LM_ERR_BAD_PARAM;
	*out = NULL;
	if (o == NULL || o->version != LM_POP3_SESSION_OPTS_VERSION ||
	    o->url == NULL || (unsigned)o->login > (unsigned)LM_POP3_LOGIN_APOP)
		return LM_ERR_BAD_PARAM;
	s = lm_net__session_alloc(sizeof *s, o->alloc, o->url, LM_URL_POP3,
	                          LM_URL_POP3S, &url, &r);
	if (s == NULL)
		return r;
	if (o->alloc != NULL)
		s->alloc = *o->alloc;
	s->o = *o;
	s->url = url;
	s->last.ok = -1;
	*out = s;
	return 0;
}

/* Also lm_net__session_start()'s caps (sv: the session). */
static int
do_capa(void *sv)
{
	lm_pop3_session *s = sv;
	unsigned target = s->done[LM_POP3_CMD_CAPA] + 1;
	int r = lm_pop3_capa(&s->pop);

	s->phase = "CAPA";
	if (r < 0)
		return engine_err(s, r);
	r = wait_for(s, LM_POP3_CMD_CAPA, target);
	if (r < 0)
		return r;
	/* -ERR: an RFC 1939-only server; it then has no capabilities */
	s->capa_failed = s->last.ok == 0;
	return 0;
}

/* Wait for the outcome of a login command; map a refusal. */
static int
wait_login(lm_pop3_session *s, const char *what)
{
	char b[700];
	int r = lm_net__pump_until(&s->pump, &s->logins, s->logins + 1);

	if (r < 0)
		return r;
	if (s->login_ok)
		return 0;
	set_err(s, "login (%s) refused: %s", what,
	        reply_str(&s->last, b, sizeof b));
	/* RFC 2449 8 / RFC 3206: [AUTH] (or no code) is about the
	 * credentials; [IN-USE], [LOGIN-DELAY], [SYS/...] are not */
	if (s->last.code[0] == '\0' || strcmp(s->last.code, "AUTH") == 0)
		return LM_ERR_AUTH;
	return LM_ERR_REFUSED;
}

static int
login_user_pass(lm_pop3_session *s, const char *user)
{
	int r;

	if (s->o.password == NULL) {
		set_err(s, "USER/PASS needs a password");
		return LM_ERR_BAD_PARAM;
	}
	s->phase = "USER/PASS";
	r = lm_pop3_user_pass(&s->pop, user, s->o.password);
	if (r == LM_ERR_PLAINTEXT) {
		set_err(s, "refusing to send the password without TLS");
		return r;
	}
	if (r < 0) {
		set_err(s, "USER/PASS: %s", lm_strerror(r));
		return r;
	}
	return wait_login(s, "USER/PASS");
}

static int
login_apop(lm_pop3_session *s, const char *user)
{
	int r;

	if (s->o.password == NULL) {
		set_err(s, "APOP needs a password");
		return LM_ERR_BAD_PARAM;
	}
	s->phase = "APOP";
	r = lm_pop3_apop(&s->pop, user, s->o.password);
	if (r == LM_ERR_UNSUPPORTED) {
		set_err(s, "APOP asked for, but the greeting has no timestamp");
		return r;
	}
	if (r == LM_ERR_PLAINTEXT) {
		set_err(s, "refusing APOP without TLS");
		return r;
	}
	if (r < 0) {
		set_err(s, "APOP: %s", lm_strerror(r));
		return r;
	}
	return wait_login(s, "APOP");
}

static int
do_login(lm_pop3_session *s)
{
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	lm_slice offered;
	unsigned allowed;
	lm_sasl_mech mech = LM_SASL_NONE;
	lm_pop3_login how = s->o.login;
	char list[LM_POP3_CAPS_MAX];
	int have_sasl, have_user, r;

	if (!lm_net__session_creds(&cr, s->o.user, s->o.password, s->o.token,
	                           &s->url))
		return 0; /* no credentials: no login */
	if (!lm_conn_is_tls(s->conn) && !s->o.plaintext) {
		set_err(s, "refusing to send credentials without TLS");
		return LM_ERR_PLAINTEXT;
	}
	/* RFC 2384: ;AUTH=+APOP, ;AUTH=* (any), ;AUTH=<sasl mechanism> */
	if (how == LM_POP3_LOGIN_AUTO && s->o.auth_mech == 0 &&
	    s->url.auth[0] != '\0' && strcmp(s->url.auth, "*") != 0) {
		if (strcmp(s->url.auth, "+APOP") == 0 ||
		    strcmp(s->url.auth, "+apop") == 0) {
			how = LM_POP3_LOGIN_APOP;
		} else {
			r = lm_net__session_url_mech(&s->url, &s->o.auth_mech,
			                             s->err, sizeof s->err);
			if (r < 0)
				return r;
		}
	}
	if (s->o.auth_mech != 0 && how == LM_POP3_LOGIN_AUTO)
		how = LM_POP3_LOGIN_SASL;
	if (how == LM_POP3_LOGIN_APOP)
		return login_apop(s, cr.user);

	have_sasl = lm_pop3_capa_param(&s->pop, "SASL", &offered);
	have_user = lm_pop3_has_capa(&s->pop, "USER") ||
	            s->capa_failed;
	list[0] = '\0';
	if (have_sasl) {
		if (offered.len >= sizeof list)
			offered.len = sizeof list - 1;
		memcpy(list, offered.p, offered.len);
		list[offered.len] = '\0';
	}
	if (how == LM_POP3_LOGIN_USER)
		return login_user_pass(s, cr.user);

	allowed = s->o.auth_mech ? s->o.auth_mech :
	          (s->o.auth_allowed ? s->o.auth_allowed : LM_SASL_DEFAULT_ALLOWED);
	if (have_sasl)
		mech = lm_sasl_choose(list, strlen(list), allowed, &cr);
	if (mech == LM_SASL_NONE) {
		if (how == LM_POP3_LOGIN_AUTO && have_user &&
		    cr.password != NULL && cr.user != NULL)
			return login_user_pass(s, cr.user);
		if (s->o.auth_mech)
			set_err(s, "server does not offer %s (SASL: %s)",
			        lm_sasl_mech_name((lm_sasl_mech)s->o.auth_mech)
			            ? lm_sasl_mech_name((lm_sasl_mech)s->o.auth_mech)
			            : "the requested mechanism",
			        have_sasl ? list : "none");
		else if (!have_sasl && how == LM_POP3_LOGIN_AUTO) {
			set_err(s, "server offers neither SASL nor USER");
			return LM_ERR_UNSUPPORTED;
		} else
			set_err(s, "no usable authentication mechanism (SASL: %s)",
			        have_sasl ? list : "none");
		return LM_ERR_NO_MECH;
	}
	r = lm_net__session_sasl_init(&s->sasl, mech, &cr, s->conn, s->o.plaintext,
	                              s->err, sizeof s->err);
	if (r < 0)
		return r;
	s->phase = "AUTH";
	r = lm_pop3_auth(&s->pop, &s->sasl);
	if (r < 0) {
		set_err(s, "AUTH %s: %s", lm_sasl_mech_name(mech), lm_strerror(r));
		lm_sasl_free(&s->sasl);
		return r;
	}
	r = wait_login(s, lm_sasl_mech_name(mech));
	lm_sasl_free(&s->sasl);
	return r;
}

/* lm_net__session_start()'s wait (sv: the session): the greeting, or
 * the reply to STLS; 1 if it is +OK. */
static int
start_wait(void *sv, int tls, char *why, size_t cap)
{
	lm_pop3_session *s = sv;
	int r = wait_for(s, tls ? LM_POP3_CMD_STLS : LM_POP3_CMD_GREETING, 1);

	if (r < 0)
		return r;
	reply_str(&s->last, why, cap);
	return s->last.ok == 1;
}

/* lm_net__session_start()'s starttls (sv: the session). */
static int
start_tls_cmd(void *sv)
{
	lm_pop3_session *s = sv;
	int r = lm_pop3_stls(&s->pop);

	if (r < 0 && r != LM_ERR_NO_STARTTLS)
		set_err(s, "STLS: %s", lm_strerror(r));
	return r;
}

/* lm_net__session_start()'s tls_done (sv: the session). */
static int
start_tls_done(void *sv)
{
	lm_pop3_session *s = sv;
	int r = lm_pop3_tls_done(&s->pop);

	return r < 0 ? engine_err(s, r) : do_capa(s);
}

static const lm_net__start_ops start_ops = {
	"STLS", "pop3s", start_wait, do_capa, start_tls_cmd,
	start_tls_done
};

/* lm_net__session_connect()'s connect. */
static int
session_connect(void *sv)
{
	lm_pop3_session *s = sv;
	lm_pop3_opts eo = LM_POP3_OPTS_INIT;
	int r;

	r = lm_net__session_open(&s->conn, &s->url, s->o.timeout_ms,
	                         s->o.call_timeout_ms, s->o.cafile,
	                         s->o.alloc, s->o.trace, s->o.trace_ud, s->err,
	                         sizeof s->err);
	if (r < 0)
		return r;

	eo.allow_plaintext_auth = s->o.plaintext ? 1 : 0;
	eo.require_tls = s->o.plaintext ? 0 : 1;
	/* the session waits for every reply before the next command */
	eo.use_pipelining = 0;
	eo.trace = s->o.trace ? trace_tramp : NULL;
	eo.trace_ud = s;
	r = lm_pop3_init(&s->pop, &eo, s->ibuf, sizeof s->ibuf, s->obuf,
	                 sizeof s->obuf);
	if (r < 0) {
		set_err(s, "POP3 engine: %s", lm_strerror(r));
		return r;
	}
	s->pop_inited = 1;
	lm_net__pump_init(&s->pump, &pop3_pump_ops, s, &s->state, &s->pop,
	                  &s->ev, s->conn, s->url.host, &s->phase, s->err,
	                  sizeof s->err);
	if (s->url.implicit_tls)
		lm_pop3_set_tls_active(&s->pop);
	r = lm_net__session_start(&s->pump, &start_ops, &s->url, s->o.plaintext);
	if (r < 0)
		return r;
	return do_login(s);
}

/* see net.h */
int
lm_pop3_session_connect(lm_pop3_session *s)
{
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	return lm_net__session_connect(s, session_connect, &s->state, s->conn, s->err,
	                               sizeof s->err);
}

/* A command on a session that is not ready: say why. */
static int
not_ready(lm_pop3_session *s)
{
	if (s->aborted)
		set_err(s, "session closed: a response was abandoned after its "
		        "callback failed (reconnect; nothing marked with DELE "
		        "was deleted)");
	else
		set_err(s, "session not connected");
	return LM_ERR_BAD_STATE;
}

/* Queue one command with its callbacks, wait for its final reply. */
static int
run_cmd(lm_pop3_session *s, lm_pop3_cmd cmd, unsigned long a1,
        unsigned long a2, const char *phase)
{
	char b[700];
	unsigned target;
	int r;

	if (s->state != S_READY)
		return not_ready(s);
	s->err[0] = '\0';
	s->cb_err = 0;
	s->data_end = 0;
	lm_net__conn_limit(s->conn, lm_net__now_ms(), s->o.call_timeout_ms);
	target = s->done[cmd] + 1;
	switch (cmd) {
	case LM_POP3_CMD_STAT: r = lm_pop3_stat(&s->pop); break;
	case LM_POP3_CMD_LIST: r = lm_pop3_list(&s->pop, a1); break;
	case LM_POP3_CMD_UIDL: r = lm_pop3_uidl(&s->pop, a1); break;
	case LM_POP3_CMD_RETR: r = lm_pop3_retr(&s->pop, a1); break;
	case LM_POP3_CMD_TOP:  r = lm_pop3_top(&s->pop, a1, a2); break;
	case LM_POP3_CMD_DELE: r = lm_pop3_dele(&s->pop, a1); break;
	case LM_POP3_CMD_RSET: r = lm_pop3_rset(&s->pop); break;
	case LM_POP3_CMD_NOOP: r = lm_pop3_noop(&s->pop); break;
	default: r = LM_ERR_BAD_PARAM; break;
	}
	s->phase = phase;
	if (r < 0) {
		if (r == LM_ERR_BAD_PARAM || r == LM_ERR_BAD_STATE) {
			set_err(s, "%s: %s", phase, lm_strerror(r));
			return r;
		}
		return engine_err(s, r);
	}
	r = wait_for(s, cmd, target);
	if (r < 0) {
		r = drain_late(s, r);
		if (s->aborted) {
			/* no QUIT is possible inside a response: just close */
			lm_conn_close(s->conn);
			s->conn = NULL;
		}
		return r;
	}
	if (s->last.ok != 1) {
		set_err(s, "%s refused: %s", phase,
		        reply_str(&s->last, b, sizeof b));
		return LM_ERR_REFUSED;
	}
	if ((cmd == LM_POP3_CMD_RETR || cmd == LM_POP3_CMD_TOP) &&
	    !s->data_end) {
		/* the engine reports +OK only after the final "."; be safe */
		s->state = S_BROKEN;
		set_err(s, "%s: message ended without its final \".\"", phase);
		return LM_ERR_PROTOCOL;
	}
	if (s->cb_err < 0) {
		set_err(s, "%s: the caller's callback failed (%s)", phase,
		        lm_strerror(s->cb_err));
		return s->cb_err;
	}
	return 0;
}

/* run_cmd() for a command with a callback (the caller set its field of
 * s), which gets ud; every callback is cleared afterwards. */
static int
run_cb(lm_pop3_session *s, lm_pop3_cmd cmd, unsigned long a1,
       unsigned long a2, const char *phase, void *ud)
{
	int r;

	s->cb_ud = ud;
	r = run_cmd(s, cmd, a1, a2, phase);
	s->list_fn = NULL;
	s->uidl_fn = NULL;
	s->data_fn = NULL;
	s->cb_ud = NULL;
	return r;
}

/* see net.h */
int
lm_pop3_session_stat(lm_pop3_session *s, unsigned long *count, uint64_t *size)
{
	int r;

	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	s->stat_count = 0;
	s->stat_size = 0;
	r = run_cmd(s, LM_POP3_CMD_STAT, 0, 0, "STAT");
	if (r == 0) {
		if (count != NULL)
			*count = s->stat_count;
		if (size != NULL)
			*size = s->stat_size;
	}
	return r;
}

/* see net.h */
int
lm_pop3_session_list(lm_pop3_session *s, unsigned long msg,
                     lm_pop3_list_fn fn, void *ud)
{
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	s->list_fn = fn;
	return run_cb(s, LM_POP3_CMD_LIST, msg, 0, "LIST", ud);
}

/* see net.h */
int
lm_pop3_session_uidl(lm_pop3_session *s, unsigned long msg,
                     lm_pop3_uidl_fn fn, void *ud)
{
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	s->uidl_fn = fn;
	return run_cb(s, LM_POP3_CMD_UIDL, msg, 0, "UIDL", ud);
}

/* see net.h */
int
lm_pop3_session_retr(lm_pop3_session *s, unsigned long msg,
                     lm_pop3_data_fn fn, void *ud)
{
	if (s == NULL || msg == 0)
		return LM_ERR_BAD_PARAM;
	s->data_fn = fn;
	return run_cb(s, LM_POP3_CMD_RETR, msg, 0, "RETR", ud);
}

/* see net.h */
int
lm_pop3_session_top(lm_pop3_session *s, unsigned long msg, unsigned long lines,
                    lm_pop3_data_fn fn, void *ud)
{
	if (s == NULL || msg == 0)
		return LM_ERR_BAD_PARAM;
	s->data_fn = fn;
	return run_cb(s, LM_POP3_CMD_TOP, msg, lines, "TOP", ud);
}

/* see net.h */
int
lm_pop3_session_dele(lm_pop3_session *s, unsigned long msg)
{
	if (s == NULL || msg == 0)
		return LM_ERR_BAD_PARAM;
	return run_cmd(s, LM_POP3_CMD_DELE, msg, 0, "DELE");
}

/* see net.h */
int
lm_pop3_session_rset(lm_pop3_session *s)
{
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	return run_cmd(s, LM_POP3_CMD_RSET, 0, 0, "RSET");
}

/* see net.h */
int
lm_pop3_session_noop(lm_pop3_session *s)
{
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	return run_cmd(s, LM_POP3_CMD_NOOP, 0, 0, "NOOP");
}

/* see net.h */
int
lm_pop3_session_quit(lm_pop3_session *s)
{
	char b[700];
	unsigned target;
	int r;

	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	if (s->state != S_READY)
		return not_ready(s);
	s->err[0] = '\0';
	lm_net__conn_limit(s->conn, lm_net__now_ms(), s->o.call_timeout_ms);
	s->state = S_QUIT;
	s->committed = 0;
	target = s->done[LM_POP3_CMD_QUIT] + 1;
	s->phase = "QUIT";
	r = lm_pop3_quit(&s->pop);
	if (r < 0) {
		set_err(s, "QUIT: %s", lm_strerror(r));
		return r;
	}
	r = wait_for(s, LM_POP3_CMD_QUIT, target);
	s->state = S_QUIT;
	if (r < 0) {
		/* engine_err() described it; say what it means */
		char keep[700];
		memcpy(keep, s->err, sizeof keep);
		set_err(s, "no +OK to QUIT, deletions not confirmed: %.600s",
		        keep);
		s->state = S_QUIT;
		return r;
	}
	if (s->last.ok != 1) {
		set_err(s, "QUIT refused (deletions may have failed): %s",
		        reply_str(&s->last, b, sizeof b));
		return LM_ERR_REFUSED;
	}
	return 0;
}

/* see net.h */
int
lm_pop3_session_has_capa(const lm_pop3_session *s, const char *kw)
{
	if (s == NULL || kw == NULL || !s->pop_inited)
		return 0;
	return lm_pop3_has_capa(&s->pop, kw);
}

/* see net.h */
const lm_pop3_reply *
lm_pop3_session_reply(const lm_pop3_session *s)
{
	static const lm_pop3_reply none = { LM_POP3_CMD_NONE, -1, "", "" };

	return s != NULL ? &s->last : &none;
}

/* see net.h */
const char *
lm_pop3_session_error(const lm_pop3_session *s)
{
	return s != NULL ? s->err : "";
}

/* see net.h */
size_t
lm_pop3_session_footprint(void)
{
	return sizeof(struct lm_pop3_session);
}

/* see net.h */
void
lm_pop3_session_free(lm_pop3_session *s)
{
	if (s == NULL)
		return;
	/* no QUIT here: closing without it commits no deletion */
	if (s->pop_inited)
		lm_pop3_free(&s->pop);
	lm_net__session_release(s, sizeof *s, &s->alloc, &s->sasl, s->conn);
}
