/*
 * Replays every tests/data/pop3/NAME.txt transcript against the POP3
 * engine (same format and approach as test_smtp_transcripts.c).
 *
 * File format (one item per line; '#' lines and blank lines ignored):
 *   O: key=value          engine option (pipelining, require_tls,
 *                         plaintext_auth, tls=1 for implicit TLS,
 *                         ibuf=N for an input buffer of N bytes)
 *   S: text               server bytes: text + CRLF
 *   Sx: escaped           server bytes exactly (\r \n \t \\ \xHH)
 *   C: text               expected client bytes: text + CRLF
 *   Cx: escaped           expected client bytes exactly
 *   E: event              expected event log line, e.g.
 *                         REPLY cmd=DELE ok=1 msg=1 text="message 1 deleted"
 *                         or ERROR LM_ERR_PROTOCOL. Consecutive DATA
 *                         events are logged as one line (their bytes
 *                         joined), since chunking depends on the reads.
 *   A: action [=> LM_ERR_X]  a call on the engine, with its expected result
 *                         (0 unless given): capa, stls, tls_done, utf8,
 *                         stat, list [N], uidl [N], retr N, top N L,
 *                         dele N, rset, noop, quit, flush, eof,
 *                         user_pass <user> <pass>, apop <user> <pass>,
 *                         auth <MECH> <user> <pass> [authzid=Z] [nonce=N]
 *                         (user and pass are unescaped: \x20 is a space)
 *
 * Server bytes become available to the engine at each E: line (all S:
 * bytes written before it) and at the end; S: bytes written after a C:
 * item only once the client has sent it (a server answers what it has
 * read: lm_tr_causal()). Each file is run with the
 * available bytes fed whole, cut in two at every offset of the server
 * stream, and byte by byte (writes drained one byte at a time); client
 * bytes and event log must be identical to the file in every mode.
 * Both engine buffers sit against guard pages. Expected bytes come from
 * the RFC examples (RFC 1939, 2449, 2595, 5034, 7677) or by hand.
 */
#define _DEFAULT_SOURCE 1
#include <stdarg.h>

#include "test.h"
#include "transcript.h"
#include "libmail/pop3.h"
#include "libmail/sasl.h"
#include "sasl/sasl_int.h"

#define LOGMAX 256
#define LINEMAX 2048

/* ---- one run ---------------------------------------------------- */

typedef struct {
	lm_pop3_client c;
	unsigned char *ibuf, *obuf;
	const lm_tr_script *sc;
	const unsigned char *srv;
	size_t srv_len, fed, released, split;
	int mode;
	int eof_flag, eof_given, dead;
	size_t eof_at;
	char *log[LOGMAX];
	size_t nlog;
	unsigned char *out;
	size_t nout, capout;
	char err[512];
	lm_sasl sasl;
	lm_sasl_creds cr;
	char user[512], pass[512], rng[128], authzid[128];
	int data_open;     /* last log line is a DATA being joined */
	size_t ilen;
} run;

static void
run_err(run *r, const char *fmt, ...)
{
	va_list ap;
	if (r->err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
}

static void
log_str(run *r, const char *s)
{
	r->data_open = 0;
	if (r->nlog < LOGMAX)
		r->log[r->nlog++] = strdup(s);
}

/* Append the escaped bytes as a quoted field. */
static size_t
put_field(char *buf, size_t cap, size_t w, const char *name, lm_slice s)
{
	static char tmp[LINEMAX * 4];
	lm_tr_escape(s.p, s.len, tmp, sizeof tmp);
	if (w < cap)
		w += (size_t)snprintf(buf + w, cap - w, " %s=\"%s\"", name, tmp);
	return w;
}

static void
log_event(run *r, const lm_pop3_event *ev)
{
	static char buf[LINEMAX * 5];
	size_t w, cap = sizeof buf;
	lm_pop3_event_type t = ev->type;

	if (t == LM_POP3_EV_DATA && r->data_open && r->nlog > 0) {
		/* join with the previous chunk: drop its closing quote */
		static char tmp[LINEMAX * 4];
		char *old = r->log[r->nlog - 1], *nw;
		size_t ol = strlen(old);
		lm_tr_escape(ev->data.p, ev->data.len, tmp, sizeof tmp);
		nw = malloc(ol + strlen(tmp) + 2);
		memcpy(nw, old, ol - 1);
		strcpy(nw + ol - 1, tmp);
		strcat(nw, "\"");
		free(old);
		r->log[r->nlog - 1] = nw;
		return;
	}
	w = (size_t)snprintf(buf, cap, "%s cmd=%s", lm_pop3_event_name(t),
	                     lm_pop3_cmd_name(ev->cmd));
	if (t == LM_POP3_EV_REPLY || t == LM_POP3_EV_GREETING ||
	    t == LM_POP3_EV_TLS_READY || t == LM_POP3_EV_AUTH_DONE)
		w += (size_t)snprintf(buf + w, cap - w, " ok=%d", ev->ok);
	if (ev->msg || t == LM_POP3_EV_STAT || t == LM_POP3_EV_LIST_ITEM ||
	    t == LM_POP3_EV_UIDL_ITEM)
		w += (size_t)snprintf(buf + w, cap - w, " msg=%lu", ev->msg);
	if (t == LM_POP3_EV_STAT || t == LM_POP3_EV_LIST_ITEM)
		w += (size_t)snprintf(buf + w, cap - w, " size=%llu",
		                      (unsigned long long)ev->size);
	if (ev->code.len)
		w = put_field(buf, cap, w, "code", ev->code);
	if (t == LM_POP3_EV_REPLY || t == LM_POP3_EV_GREETING ||
	    t == LM_POP3_EV_TLS_READY || t == LM_POP3_EV_AUTH_DONE ||
	    t == LM_POP3_EV_CAPA_LINE)
		w = put_field(buf, cap, w, "text", ev->text);
	if (t == LM_POP3_EV_UIDL_ITEM)
		w = put_field(buf, cap, w, "uid", ev->uid);
	if (ev->apop.len)
		w = put_field(buf, cap, w, "apop", ev->apop);
	if (t == LM_POP3_EV_DATA)
		w = put_field(buf, cap, w, "data", ev->data);
	if (t == LM_POP3_EV_REPLY && ev->cmd == LM_POP3_CMD_QUIT && w < cap)
		snprintf(buf + w, cap - w, " committed=%d", ev->committed);
	log_str(r, buf);
	if (t == LM_POP3_EV_DATA)
		r->data_open = 1;
}

static void
take_output(run *r)
{
	size_t n;
	const unsigned char *p = lm_pop3_send_buf(&r->c, &n);
	if (r->mode == LM_TR_BYTE && n > 1)
		n = 1;
	if (r->nout + n > r->capout) {
		r->capout = (r->nout + n) * 2 + 1024;
		r->out = realloc(r->out, r->capout);
	}
	memcpy(r->out + r->nout, p, n);
	r->nout += n;
	lm_pop3_send_ack(&r->c, n);
}

/* Feed some available server bytes; 0 if nothing could be fed. */
static int
feed_some(run *r)
{
	size_t len, used = 0, lim = r->released;
	unsigned char *g;

	if (lim > lm_tr_causal(r->sc, r->nout))
		lim = lm_tr_causal(r->sc, r->nout);
	if (r->fed >= lim)
		return 0;
	if (r->mode == LM_TR_SPLIT && r->fed < r->split && r->split < lim)
		lim = r->split;
	len = lim - r->fed;
	if (r->mode == LM_TR_BYTE)
		len = 1;
	g = lm_test_guarded(r->srv + r->fed, len);
	(void)lm_pop3_feed(&r->c, g, len, &used);
	lm_test_unguard(g, len);
	r->fed += used;
	return used > 0;
}

/* Drive lm_pop3_next() until the log holds `target` entries (0: until
 * the engine stalls) or only_write and it stops wanting to write. */
static void
pump(run *r, size_t target, int only_write)
{
	int guard;
	for (guard = 0; guard < 1000000; guard++) {
		lm_pop3_event ev;
		int rc;
		if (r->dead)
			return;
		if (target && r->nlog >= target)
			return;
		rc = lm_pop3_next(&r->c, &ev);
		if (rc == LM_WANT_WRITE) {
			take_output(r);
			continue;
		}
		if (only_write && rc == LM_WANT_READ)
			return;
		if (rc == LM_WANT_READ) {
			if (feed_some(r))
				continue;
			if (r->eof_flag && !r->eof_given && r->fed >= r->eof_at &&
			    r->released >= r->eof_at) {
				lm_pop3_recv_eof(&r->c);
				r->eof_given = 1;
				continue;
			}
			return;   /* stalled: needs bytes the script has not given */
		}
		if (rc == LM_EVENT) {
			log_event(r, &ev);
			if (only_write)
				return;
			continue;
		}
		if (rc == LM_DONE)
			return;
		if (rc < 0) {
			char b[80];
			if (rc == LM_ERR_BAD_STATE && lm_pop3_last_error(&r->c) == 0)
				return;   /* waiting for tls_done */
			snprintf(b, sizeof b, "ERROR %s", lm_errname(rc));
			log_str(r, b);
			r->dead = 1;
			return;
		}
		run_err(r, "next() returned %d", rc);
		return;
	}
	run_err(r, "pump does not terminate");
}

static unsigned long
num(const char *s)
{
	return strtoul(s, NULL, 10);
}

static void
do_action(run *r, char *text)
{
	char *words[16], *exp, *save = NULL, *w;
	int nw = 0, rc = 0, want = 0;

	exp = strstr(text, " => ");
	if (exp) {
		*exp = '\0';
		want = lm_tr_err_by_name(exp + 4);
	}
	for (w = strtok_r(text, " ", &save); w && nw < 16; w = strtok_r(NULL, " ", &save))
		words[nw++] = w;
	if (nw == 0)
		return;
	if (!strcmp(words[0], "capa")) {
		rc = lm_pop3_capa(&r->c);
	} else if (!strcmp(words[0], "stls")) {
		rc = lm_pop3_stls(&r->c);
	} else if (!strcmp(words[0], "tls_done")) {
		rc = lm_pop3_tls_done(&r->c);
	} else if (!strcmp(words[0], "utf8")) {
		rc = lm_pop3_utf8(&r->c);
	} else if (!strcmp(words[0], "stat")) {
		rc = lm_pop3_stat(&r->c);
	} else if (!strcmp(words[0], "list")) {
		rc = lm_pop3_list(&r->c, nw > 1 ? num(words[1]) : 0);
	} else if (!strcmp(words[0], "uidl")) {
		rc = lm_pop3_uidl(&r->c, nw > 1 ? num(words[1]) : 0);
	} else if (!strcmp(words[0], "retr") && nw > 1) {
		rc = lm_pop3_retr(&r->c, num(words[1]));
	} else if (!strcmp(words[0], "top") && nw > 2) {
		rc = lm_pop3_top(&r->c, num(words[1]), num(words[2]));
	} else if (!strcmp(words[0], "dele") && nw > 1) {
		rc = lm_pop3_dele(&r->c, num(words[1]));
	} else if (!strcmp(words[0], "rset")) {
		rc = lm_pop3_rset(&r->c);
	} else if (!strcmp(words[0], "noop")) {
		rc = lm_pop3_noop(&r->c);
	} else if (!strcmp(words[0], "quit")) {
		rc = lm_pop3_quit(&r->c);
	} else if (!strcmp(words[0], "flush")) {
		pump(r, 0, 1);
	} else if (!strcmp(words[0], "eof")) {
		r->eof_flag = 1;
	} else if ((!strcmp(words[0], "user_pass") || !strcmp(words[0], "apop")) && nw >= 3) {
		snprintf(r->user, sizeof r->user, "%s", words[1]);
		snprintf(r->pass, sizeof r->pass, "%s", words[2]);
		lm_tr_unescape_str(r->user);
		lm_tr_unescape_str(r->pass);
		if (words[0][0] == 'u')
			rc = lm_pop3_user_pass(&r->c, r->user, r->pass);
		else
			rc = lm_pop3_apop(&r->c, r->user, r->pass);
		/* the engine must not keep the caller's strings */
		memset(r->pass, 'X', strlen(r->pass));
	} else if (!strcmp(words[0], "auth") && nw >= 4) {
		lm_sasl_mech m = lm_sasl_mech_from_name(words[1], strlen(words[1]));
		const char *nonce = NULL;
		int i;
		snprintf(r->rng, sizeof r->rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
		for (i = 4; i < nw; i++) {
			if (!strncmp(words[i], "nonce=", 6)) {
				nonce = words[i] + 6;
			} else if (!strncmp(words[i], "authzid=", 8)) {
				snprintf(r->authzid, sizeof r->authzid, "%s", words[i] + 8);
				r->cr.authzid = r->authzid;
			} else {
				run_err(r, "unknown auth param %s", words[i]);
			}
		}
		snprintf(r->user, sizeof r->user, "%s", words[2]);
		snprintf(r->pass, sizeof r->pass, "%s", words[3]);
		lm_tr_unescape_str(r->user);
		lm_tr_unescape_str(r->pass);
		r->cr.user = r->user;
		r->cr.password = r->pass;
		r->cr.rng = lm_tr_fixed_rng;
		r->cr.rng_ud = r->rng;
		rc = nonce ? lm_sasl__init_nonce(&r->sasl, m, &r->cr, nonce, strlen(nonce))
		           : lm_sasl_init(&r->sasl, m, &r->cr);
		if (rc == 0)
			rc = lm_pop3_auth(&r->c, &r->sasl);
	} else {
		run_err(r, "unknown action '%s'", words[0]);
		return;
	}
	if (rc != want)
		run_err(r, "action '%s' returned %s, expected %s", words[0],
		        lm_errname(rc), lm_errname(want));
}

static void
set_opt(run *r, lm_pop3_opts *o, const char *kv, int *implicit_tls)
{
	const char *v = strchr(kv, '=');
	int n = v ? atoi(v + 1) : 1;
	if (!strncmp(kv, "pipelining=", 11))
		o->use_pipelining = n;
	else if (!strncmp(kv, "require_tls=", 12))
		o->require_tls = n;
	else if (!strncmp(kv, "plaintext_auth=", 15))
		o->allow_plaintext_auth = n;
	else if (!strncmp(kv, "tls=", 4))
		*implicit_tls = n;
	else if (!strncmp(kv, "ibuf=", 5))
		r->ilen = (size_t)n;
	else
		run_err(r, "unknown option %s", kv);
}

/* Trace lines seen by the engine's hook (checked for redaction). */
static char trace_log[1 << 16];
static size_t trace_len;

static void
trace_fn(char dir, const char *line, size_t len, void *ud)
{
	(void)ud;
	if (trace_len + len + 3 < sizeof trace_log) {
		trace_log[trace_len++] = dir;
		memcpy(trace_log + trace_len, line, len);
		trace_len += len;
		trace_log[trace_len++] = '\n';
		trace_log[trace_len] = '\0';
	}
}

/* Returns 0 when the run matched the script. */
static int
run_script(lm_tr_script *sc, int mode, size_t split, const unsigned char *srv, size_t srv_len,
           const unsigned char *cexp, size_t ncexp, char *diag, size_t dcap)
{
	static run r;
	lm_pop3_opts o = LM_POP3_OPTS_INIT;
	size_t i, nexp = 0, pos = 0;
	int implicit_tls = 0, bad = 0;
	const char *expv[LOGMAX];
	static const unsigned char zeros[LM_POP3_BUFSIZE_OUT + LM_POP3_BUFSIZE_IN];

	memset(&r, 0, sizeof r);
	r.cr = (lm_sasl_creds)LM_SASL_CREDS_INIT;
	r.mode = mode;
	r.split = split;
	r.srv = srv;
	r.srv_len = srv_len;
	r.sc = sc;
	r.ilen = LM_POP3_BUFSIZE_IN;
	trace_len = 0;
	trace_log[0] = '\0';
	o.trace = trace_fn;
	for (i = 0; i < sc->n; i++)
		if (sc->it[i].kind == 'O')
			set_opt(&r, &o, sc->it[i].text, &implicit_tls);
	if (r.ilen > LM_POP3_BUFSIZE_IN)
		r.ilen = LM_POP3_BUFSIZE_IN;
	r.ibuf = lm_test_guarded(zeros, r.ilen);
	r.obuf = lm_test_guarded(zeros, LM_POP3_BUFSIZE_OUT);
	if (lm_pop3_init(&r.c, &o, r.ibuf, r.ilen, r.obuf, LM_POP3_BUFSIZE_OUT))
		run_err(&r, "init failed");
	if (implicit_tls)
		lm_pop3_set_tls_active(&r.c);

	for (i = 0; i < sc->n && !r.err[0]; i++) {
		lm_tr_item *it = &sc->it[i];
		switch (it->kind) {
		case 'S':
			pos += it->nbytes;
			break;
		case 'E':
			if (nexp < LOGMAX)
				expv[nexp++] = it->text;
			r.released = pos;
			pump(&r, nexp, 0);
			break;
		case 'A': {
			char *t = strdup(it->text);
			if (!strcmp(t, "eof"))
				r.eof_at = pos;
			do_action(&r, t);
			free(t);
			break;
		}
		default:
			break;
		}
	}
	r.released = pos;
	pump(&r, 0, 0);

	bad = lm_tr_compare(r.err, expv, nexp, r.log, r.nlog, cexp, ncexp,
	                    r.out, r.nout, diag, dcap);
	/* Redaction: no password, APOP digest or SASL payload in the trace. */
	if (!bad) {
		static const char *const secret[] = {
			"PASS s", "tanstaaf", "c4c9334bac560ecc979e58001b3e22fb",
			"dGVzdAB0ZXN0AHRlc3Q=", "biwsbj11c2Vy", "Yz1iaXdz",
			"d29uZGVy", "wonder", "AGFsaWNl", "secret", "pencil"
		};
		for (i = 0; i < sizeof secret / sizeof secret[0]; i++) {
			if (strstr(trace_log, secret[i])) {
				snprintf(diag, dcap, "trace shows a secret: %s", secret[i]);
				bad = 1;
			}
		}
	}
	for (i = 0; i < r.nlog; i++)
		free(r.log[i]);
	free(r.out);
	lm_sasl_free(&r.sasl);
	lm_pop3_free(&r.c);
	lm_test_unguard(r.ibuf, r.ilen);
	lm_test_unguard(r.obuf, LM_POP3_BUFSIZE_OUT);
	return bad;
}

static void
t_transcripts(void)
{
	const char *dir = getenv("LM_POP3_DATA");
	char *names[256];
	int n, i;

	if (!dir)
		dir = "tests/data/pop3";
	n = lm_tr_list(dir, names, 256);
	LM_CHECK(n >= 0);
	if (n < 0)
		return;
	LM_CHECK(n >= 12);
	for (i = 0; i < n; i++) {
		int bad = lm_tr_check_file(names[i], run_script, NULL);
		LM_CHECK(bad == 0);
		if (bad)
			printf("FAIL transcript %s\n", names[i]);
		free(names[i]);
	}
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = { LM_TEST(t_transcripts) };
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
