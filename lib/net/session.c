/*
 * libmail - plumbing shared by the blocking sessions: see session.h.
 */
#include <stdio.h>
#include <string.h>

#include "libmail/net.h"
#include "libmail/core.h"
#include "../core/utf8.h"
#include "../sasl/proto.h"
#include "net_internal.h"
#include "session.h"

/* see session.h */
int
lm_net__session_tls(lm_conn *c, const char *host, char *err, size_t cap)
{
	int r = lm_conn_start_tls(c, host);

	if (r < 0)
		snprintf(err, cap, "TLS with %s: %s", host,
		         lm_conn_last_error_text(c));
	return r;
}

/* see session.h */
int
lm_net__session_open(lm_conn **conn, const lm_url *url, unsigned timeout_ms,
                     unsigned call_ms, const char *cafile,
                     const lm_allocator *alloc, lm_trace_fn trace,
                     void *trace_ud, char *err, size_t cap)
{
	lm_conn_opts co = LM_CONN_OPTS_INIT;
	long long end;
	int r;

	co.timeout_ms = timeout_ms;
	co.cafile = cafile;
	co.alloc = alloc;
	co.trace = trace;
	co.trace_ud = trace_ud;
	if (call_ms == 0)
		call_ms = LM_NET_CONNECT_TIMEOUT_DEFAULT_MS;
	end = lm_net__now_ms() + (long long)call_ms;
	r = lm_net__conn_open(conn, url->host, url->port, &co, call_ms);
	if (r < 0) {
		if (r == LM_ERR_DNS)
			snprintf(err, cap, "cannot resolve %s", url->host);
		else if (r == LM_ERR_TIMEOUT && lm_net__now_ms() >= end)
			snprintf(err, cap, "connecting to %s port %u: the call's "
			         "time limit (%u ms) ran out", url->host,
			         url->port, call_ms);
		else if (r == LM_ERR_TIMEOUT)
			snprintf(err, cap, "timed out connecting to %s port %u",
			         url->host, url->port);
		else
			snprintf(err, cap, "cannot connect to %s port %u",
			         url->host, url->port);
		return r;
	}
	if (url->implicit_tls)
		return lm_net__session_tls(*conn, url->host, err, cap);
	return 0;
}

/* see session.h */
void
lm_net__session_io_err(lm_conn *c, const char *host, const char *phase,
                       char *err, size_t cap)
{
	snprintf(err, cap, "connection to %s (%s): %s", host,
	         phase ? phase : "session", lm_conn_last_error_text(c));
}

/* see session.h */
int
lm_net__session_rng(void *ud, unsigned char *buf, size_t n)
{
	(void)ud;
	return lm_net__random(buf, n);
}

/* see session.h */
void *
lm_net__session_alloc(size_t size, const lm_allocator *alloc, const char *url,
                      lm_url_scheme a, lm_url_scheme b, lm_url *parsed, int *err)
{
	void *s;
	int r = lm_url_parse(parsed, url);

	if (r < 0) {
		*err = r;
		return NULL;
	}
	if (parsed->scheme != a && parsed->scheme != b) {
		*err = LM_ERR_URL;
		return NULL;
	}
	s = lm_net__alloc(alloc, size);
	if (s == NULL)
		*err = LM_ERR_NOMEM;
	return s;
}

/* see session.h */
int
lm_net__session_creds(lm_sasl_creds *cr, const char *user, const char *password,
                      const char *token, const lm_url *url)
{
	cr->user = user != NULL ? user : (url->user[0] != '\0' ? url->user : NULL);
	cr->password = password;
	cr->token = token;
	cr->host = url->host;
	cr->port = url->port;
	cr->rng = lm_net__session_rng;
	return cr->user != NULL || cr->token != NULL;
}

/* see session.h */
int
lm_net__session_url_mech(const lm_url *url, unsigned *mech, char *err,
                         size_t cap)
{
	lm_sasl_mech um;

	*mech = 0;
	if (url->auth[0] == '\0' || strcmp(url->auth, "*") == 0)
		return 0;
	um = lm_sasl_mech_from_name(url->auth, strlen(url->auth));
	if (um == LM_SASL_NONE) {
		snprintf(err, cap, "unknown mechanism ;AUTH=%s in the URL",
		         url->auth);
		return LM_ERR_URL;
	}
	*mech = (unsigned)um;
	return 0;
}

/* see session.h */
int
lm_net__session_sasl_init(lm_sasl *sasl, lm_sasl_mech mech,
                          const lm_sasl_creds *cr, lm_conn *conn, int plaintext,
                          char *err, size_t cap)
{
	int r;

	if (lm_sasl__reveals_secret(mech) && !lm_conn_is_tls(conn) &&
	    !plaintext) {
		snprintf(err, cap, "refusing %s without TLS", lm_sasl_mech_name(mech));
		return LM_ERR_PLAINTEXT;
	}
	r = lm_sasl_init(sasl, mech, cr);
	if (r < 0) {
		snprintf(err, cap, "%s: %s", lm_sasl_mech_name(mech), lm_strerror(r));
		lm_sasl_free(sasl);
	}
	return r;
}

/* see session.h */
void
lm_net__session_engine_err(char *err, size_t cap, const char *host,
                           const char *phase, const char *proto, int r)
{
	if (phase == NULL)
		phase = "session";
	if (r == LM_ERR_EOF)
		snprintf(err, cap, "%s closed the connection unexpectedly (%s)",
		         host, phase);
	else if (r == LM_ERR_SASL)
		snprintf(err, cap, "server failed SASL verification (forged or "
		         "invalid authentication exchange)");
	else
		snprintf(err, cap, "%s broke the %s protocol (%s): %s", host,
		         proto, phase, lm_strerror(r));
}

/* see session.h */
void
lm_net__copy_clean(char *dst, size_t cap, lm_slice v)
{
	size_t i = 0, o = 0, j;
	long cp;

	if (cap == 0)
		return;
	while (i < v.len && o < cap - 1) {
		j = i;
		cp = lm_core__utf8_next(v.p, v.len, &j);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			/* C0, DEL, C1 (U+009B is CSI for a UTF-8 terminal),
			 * or a byte that starts no character (a stray 0x9b
			 * is CSI for an 8-bit one): one '?' each */
			dst[o++] = '?';
			i = cp < 0 ? i + 1 : j;
			continue;
		}
		if (o + (j - i) > cap - 1)
			break;               /* never half a character */
		memcpy(dst + o, v.p + i, j - i);
		o += j - i;
		i = j;
	}
	dst[o] = '\0';
}

/* see session.h */
int
lm_net__session_connect(void *s, int (*connect)(void *s), int *state,
                        const lm_conn *conn, char *err, size_t cap)
{
	int r;

	if (*state != LM_NET__S_NEW || conn != NULL) {
		snprintf(err, cap, "session already connected");
		return LM_ERR_BAD_STATE;
	}
	err[0] = '\0';
	r = connect(s);
	*state = r < 0 ? LM_NET__S_BROKEN : LM_NET__S_READY;
	return r < 0 ? r : 0;
}

/* see session.h */
void
lm_net__session_no_tls(char *err, size_t cap, const char *host, const char *verb,
                       const char *scheme)
{
	snprintf(err, cap, "server %s does not offer %s (use %s:// or, only if you "
	         "accept an unprotected connection, plaintext)", host, verb, scheme);
}

/* see session.h */
void
lm_net__session_goodbye(lm_conn *c)
{
	if (c->timeout_ms > 5000)
		c->timeout_ms = 5000;
	lm_net__conn_limit(c, lm_net__now_ms(), 5000);
}

/* see session.h */
void
lm_net__session_release(void *s, size_t size, const lm_allocator *alloc,
                        lm_sasl *sasl, lm_conn *conn)
{
	lm_allocator a = *alloc;

	lm_sasl_free(sasl);
	lm_conn_close(conn);
	lm_net__free(&a, s, size);
}

/* see session.h */
int
lm_net__session_start(lm_net__pump *p, const lm_net__start_ops *o,
                      const lm_url *url, int plaintext)
{
	char b[1024]; /* > every session's err[]: the text is cut there */
	int r;

	*p->phase = "greeting";
	r = o->wait(p->sess, 0, b, sizeof b);
	if (r == 0) {
		snprintf(p->err, p->errcap, "server refused the session: %s", b);
		return LM_ERR_REFUSED;
	}
	if (r < 0)
		return r;
	r = o->caps(p->sess);
	if (r < 0 || url->implicit_tls || plaintext)
		return r;
	r = o->starttls(p->sess);
	if (r == LM_ERR_NO_STARTTLS)
		lm_net__session_no_tls(p->err, p->errcap, p->host, o->verb,
		                       o->scheme);
	if (r < 0)
		return r;
	*p->phase = o->verb;
	r = o->wait(p->sess, 1, b, sizeof b);
	if (r == 0) {
		snprintf(p->err, p->errcap, "server refused %s: %s", o->verb, b);
		return LM_ERR_STARTTLS_FAILED;
	}
	if (r < 0)
		return r;
	r = lm_net__session_tls(p->conn, p->host, p->err, p->errcap);
	if (r < 0)
		return r;
	return o->tls_done(p->sess);
}

/* see session.h */
void
lm_net__session_wipe_sent(lm_net__pump *p, unsigned char *buf, size_t n)
{
	size_t pending;

	p->ops->send_buf(p->eng, &pending);
	if (pending == 0)
		lm_zeroize(buf, n);
}
