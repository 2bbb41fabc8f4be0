/*
 * Replays every tests/data/smtp/NAME.txt transcript against the SMTP engine.
 *
 * File format (one item per line; '#' lines and blank lines ignored):
 *   O: key=value          engine option (pipelining, chunking, require_tls,
 *                         plaintext_auth, helo, tls=1 for implicit TLS;
 *                         "idn": skip the file when built with IDN=0)
 *   S: text               server bytes: text + CRLF
 *   Sx: escaped           server bytes exactly (\r \n \t \\ \xHH)
 *   C: text               expected client bytes: text + CRLF
 *   Cx: escaped           expected client bytes exactly
 *   E: event              expected event log line, e.g.
 *                         REPLY cmd=RCPT index=1 code=550 enh=5.1.1 text="No such user"
 *                         or ERROR LM_ERR_PROTOCOL
 *   A: action [=> LM_ERR_X]  a call on the engine, with its expected result
 *                         (0 unless given): ehlo, starttls, tls_done, data,
 *                         body <escaped>, body_end, flush, rset, noop, quit,
 *                         eof (the server closes after the bytes so far),
 *                         mail_from <addr|<>> [size=N] [body8bit] [smtputf8]
 *                         [ret=FULL|HDRS] [envid=X], rcpt_to <addr>
 *                         [notify=A,B] [orcpt=X], auth <MECH> <user> <pass>
 *                         [authzid=Z] [nonce=N (SCRAM nonce set directly)]
 *                         [rng=R (the generator yields the bytes of R
 *                         over and over)]
 *
 * Server bytes become available to the engine at each E: line (all S:
 * bytes written before it) and at the end; S: bytes written after a C:
 * item only once the client has sent it (a server answers what it has
 * read: lm_tr_causal()). Each file is run with the
 * available bytes fed whole, cut in two at every offset of the server
 * stream, and byte by byte (writes drained one byte at a time); client
 * bytes and event log must be identical to the file in every mode.
 * Both engine buffers sit against guard pages.
 */
#define _DEFAULT_SOURCE 1
#include <stdarg.h>

#include "test.h"
#include "transcript.h"
#include "libmail/smtp.h"
#include "libmail/sasl.h"
#include "sasl/sasl_int.h"

#define LOGMAX 256
#define LINEMAX 2048

/* ---- one run ---------------------------------------------------- */

typedef struct {
	lm_smtp_client c;
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
	char user[128], pass[128], rng[128], authzid[128];
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
log_event(run *r, const lm_smtp_event *ev)
{
	char buf[LINEMAX * 2], text[LINEMAX * 2];
	size_t w;
	lm_tr_escape(ev->text.p, ev->text.len, text, sizeof text);
	w = (size_t)snprintf(buf, sizeof buf, "%s cmd=%s", lm_smtp_event_name(ev->type),
	                     lm_smtp_cmd_name(ev->cmd));
	if (ev->cmd == LM_SMTP_CMD_RCPT)
		w += (size_t)snprintf(buf + w, sizeof buf - w, " index=%u", ev->index);
	w += (size_t)snprintf(buf + w, sizeof buf - w, " code=%d", ev->code);
	if (ev->enh_class)
		w += (size_t)snprintf(buf + w, sizeof buf - w, " enh=%d.%d.%d",
		                      ev->enh_class, ev->enh_subject, ev->enh_detail);
	snprintf(buf + w, sizeof buf - w, " text=\"%s\"", text);
	if (r->nlog < LOGMAX)
		r->log[r->nlog++] = strdup(buf);
}

static void
log_str(run *r, const char *s)
{
	if (r->nlog < LOGMAX)
		r->log[r->nlog++] = strdup(s);
}

static void
take_output(run *r)
{
	size_t n;
	const unsigned char *p = lm_smtp_send_buf(&r->c, &n);
	if (r->mode == LM_TR_BYTE && n > 1)
		n = 1;
	if (r->nout + n > r->capout) {
		r->capout = (r->nout + n) * 2 + 1024;
		r->out = realloc(r->out, r->capout);
	}
	memcpy(r->out + r->nout, p, n);
	r->nout += n;
	lm_smtp_send_ack(&r->c, n);
}

/* Feed some available server bytes; 0 if nothing could be fed. */
static int
feed_some(run *r)
{
	size_t len, used = 0, lim = r->released;
	unsigned char *g;
	int rc;

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
	rc = lm_smtp_feed(&r->c, g, len, &used);
	lm_test_unguard(g, len);
	r->fed += used;
	(void)rc;
	return used > 0;
}

/* Drive lm_smtp_next() until the log holds `target` entries (0: until
 * the engine stalls) or only_write and it stops wanting to write. */
static void
pump(run *r, size_t target, int only_write)
{
	int guard;
	for (guard = 0; guard < 1000000; guard++) {
		lm_smtp_event ev;
		int rc;
		if (r->dead)
			return;
		if (target && r->nlog >= target)
			return;
		rc = lm_smtp_next(&r->c, &ev);
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
				lm_smtp_recv_eof(&r->c);
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
			if (rc == LM_ERR_BAD_STATE && lm_smtp_last_error(&r->c) == 0)
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

static void
do_action(run *r, char *text)
{
	char *words[16], *exp, *save = NULL, *w;
	int nw = 0, rc = 0, want = 0;
	static unsigned char body[LM_TR_LINEMAX];

	exp = strstr(text, " => ");
	if (exp) {
		*exp = '\0';
		want = lm_tr_err_by_name(exp + 4);
	}
	if (strncmp(text, "body ", 5) == 0) {
		size_t n = lm_tr_unescape(text + 5, body), off = 0;
		int stuck = 0;
		while (off < n && stuck < 3) {
			size_t used = 0;
			rc = lm_smtp_body_write(&r->c, body + off, n - off, &used);
			if (rc)
				break;
			off += used;
			if (used == 0) {
				stuck++;
				pump(r, 0, 1);
			} else {
				stuck = 0;
			}
		}
		if (rc == 0 && off < n)
			run_err(r, "body_write makes no progress");
		goto check;
	}
	for (w = strtok_r(text, " ", &save); w && nw < 16; w = strtok_r(NULL, " ", &save))
		words[nw++] = w;
	if (nw == 0)
		return;
	if (!strcmp(words[0], "ehlo")) {
		rc = lm_smtp_ehlo(&r->c);
	} else if (!strcmp(words[0], "starttls")) {
		rc = lm_smtp_starttls(&r->c);
	} else if (!strcmp(words[0], "tls_done")) {
		rc = lm_smtp_tls_done(&r->c);
	} else if (!strcmp(words[0], "data")) {
		rc = lm_smtp_data(&r->c);
	} else if (!strcmp(words[0], "body_end")) {
		rc = lm_smtp_body_end(&r->c);
	} else if (!strcmp(words[0], "flush")) {
		pump(r, 0, 1);
	} else if (!strcmp(words[0], "rset")) {
		rc = lm_smtp_rset(&r->c);
	} else if (!strcmp(words[0], "noop")) {
		rc = lm_smtp_noop(&r->c);
	} else if (!strcmp(words[0], "quit")) {
		rc = lm_smtp_quit(&r->c);
	} else if (!strcmp(words[0], "eof")) {
		r->eof_flag = 1;
	} else if (!strcmp(words[0], "mail_from") && nw >= 2) {
		lm_smtp_mail_params p = LM_SMTP_MAIL_PARAMS_INIT;
		int i, any = 0;
		for (i = 2; i < nw; i++) {
			any = 1;
			if (!strncmp(words[i], "size=", 5))
				p.size = strtoull(words[i] + 5, NULL, 10);
			else if (!strcmp(words[i], "body8bit"))
				p.body8bit = 1;
			else if (!strcmp(words[i], "smtputf8"))
				p.smtputf8 = 1;
			else if (!strcmp(words[i], "ret=FULL"))
				p.ret = LM_SMTP_RET_FULL;
			else if (!strcmp(words[i], "ret=HDRS"))
				p.ret = LM_SMTP_RET_HDRS;
			else if (!strncmp(words[i], "envid=", 6))
				p.envid = words[i] + 6;
			else
				run_err(r, "unknown mail param %s", words[i]);
		}
		lm_tr_unescape_str(words[1]);
		rc = lm_smtp_mail_from(&r->c, strcmp(words[1], "<>") ? words[1] : "",
		                       any ? &p : NULL);
	} else if (!strcmp(words[0], "rcpt_to") && nw >= 2) {
		lm_smtp_rcpt_params p = LM_SMTP_RCPT_PARAMS_INIT;
		int i, any = 0;
		for (i = 2; i < nw; i++) {
			any = 1;
			if (!strncmp(words[i], "notify=", 7)) {
				char *t = words[i] + 7;
				if (strstr(t, "NEVER")) p.notify |= LM_SMTP_NOTIFY_NEVER;
				if (strstr(t, "SUCCESS")) p.notify |= LM_SMTP_NOTIFY_SUCCESS;
				if (strstr(t, "FAILURE")) p.notify |= LM_SMTP_NOTIFY_FAILURE;
				if (strstr(t, "DELAY")) p.notify |= LM_SMTP_NOTIFY_DELAY;
			} else if (!strncmp(words[i], "orcpt=", 6)) {
				p.orcpt = words[i] + 6;
			} else {
				run_err(r, "unknown rcpt param %s", words[i]);
			}
		}
		lm_tr_unescape_str(words[1]);
		rc = lm_smtp_rcpt_to(&r->c, words[1], any ? &p : NULL);
	} else if (!strcmp(words[0], "auth") && nw >= 4) {
		lm_sasl_mech m = lm_sasl_mech_from_name(words[1], strlen(words[1]));
		const char *nonce = NULL;
		int i;
		snprintf(r->rng, sizeof r->rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
		for (i = 4; i < nw; i++) {
			if (!strncmp(words[i], "nonce=", 6))
				nonce = words[i] + 6;
			else if (!strncmp(words[i], "authzid=", 8))
			{
				/* copied: the action text is freed after the
				 * action, the creds must outlive the exchange */
				snprintf(r->authzid, sizeof r->authzid, "%s", words[i] + 8);
				r->cr.authzid = r->authzid;
			}
			else if (!strncmp(words[i], "rng=", 4))
				snprintf(r->rng, sizeof r->rng, "%s", words[i] + 4);
			else
				run_err(r, "unknown auth param %s", words[i]);
		}
		snprintf(r->user, sizeof r->user, "%s", words[2]);
		snprintf(r->pass, sizeof r->pass, "%s", words[3]);
		r->cr.user = r->user;
		r->cr.password = r->pass;
		r->cr.rng = lm_tr_fixed_rng;
		r->cr.rng_ud = r->rng;
		rc = nonce ? lm_sasl__init_nonce(&r->sasl, m, &r->cr, nonce, strlen(nonce))
		           : lm_sasl_init(&r->sasl, m, &r->cr);
		if (rc == 0)
			rc = lm_smtp_auth(&r->c, &r->sasl);
	} else {
		run_err(r, "unknown action '%s'", words[0]);
		return;
	}
check:
	if (rc != want)
		run_err(r, "action '%s' returned %s, expected %s", text,
		        lm_errname(rc), lm_errname(want));
}

static void
set_opt(run *r, lm_smtp_opts *o, const char *kv, int *implicit_tls)
{
	const char *v = strchr(kv, '=');
	int n = v ? atoi(v + 1) : 1;
	if (!strncmp(kv, "pipelining=", 11))
		o->use_pipelining = n;
	else if (!strncmp(kv, "chunking=", 9))
		o->use_chunking = n;
	else if (!strncmp(kv, "require_tls=", 12))
		o->require_tls = n;
	else if (!strncmp(kv, "plaintext_auth=", 15))
		o->allow_plaintext_auth = n;
	else if (!strncmp(kv, "helo=", 5))
		o->helo_domain = v + 1;
	else if (!strncmp(kv, "tls=", 4))
		*implicit_tls = n;
	else if (!strcmp(kv, "idn"))
		;   /* needs libidn2: see skip_file() */
	else
		run_err(r, "unknown option %s", kv);
}

/* Returns 0 when the run matched the script. */
static int
run_script(lm_tr_script *sc, int mode, size_t split, const unsigned char *srv, size_t srv_len,
           const unsigned char *cexp, size_t ncexp, char *diag, size_t dcap)
{
	static run r;
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	size_t i, nexp = 0, pos = 0;
	int implicit_tls = 0, bad = 0;
	const char *expv[LOGMAX];
	static const unsigned char zeros[LM_SMTP_BUFSIZE_OUT];

	memset(&r, 0, sizeof r);
	r.cr = (lm_sasl_creds)LM_SASL_CREDS_INIT;
	r.mode = mode;
	r.split = split;
	r.srv = srv;
	r.srv_len = srv_len;
	r.sc = sc;
	o.helo_domain = "client.example.org";
	for (i = 0; i < sc->n; i++)
		if (sc->it[i].kind == 'O')
			set_opt(&r, &o, sc->it[i].text, &implicit_tls);
	r.ibuf = lm_test_guarded(zeros, LM_SMTP_BUFSIZE_IN);
	r.obuf = lm_test_guarded(zeros, LM_SMTP_BUFSIZE_OUT);
	if (lm_smtp_init(&r.c, &o, r.ibuf, LM_SMTP_BUFSIZE_IN, r.obuf, LM_SMTP_BUFSIZE_OUT))
		run_err(&r, "init failed");
	if (implicit_tls)
		lm_smtp_set_tls_active(&r.c);

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
	for (i = 0; i < r.nlog; i++)
		free(r.log[i]);
	free(r.out);
	lm_sasl_free(&r.sasl);
	lm_smtp_free(&r.c);
	lm_test_unguard(r.ibuf, LM_SMTP_BUFSIZE_IN);
	lm_test_unguard(r.obuf, LM_SMTP_BUFSIZE_OUT);
	return bad;
}

/* Files with "O: idn" need libidn2. */
static const char *
skip_file(const lm_tr_script *sc)
{
	size_t i;
	for (i = 0; i < sc->n; i++)
		if (sc->it[i].kind == 'O' && !strcmp(sc->it[i].text, "idn") && !LM_HAVE_IDN)
			return "built without IDN";
	return NULL;
}

static void
t_transcripts(void)
{
	const char *dir = getenv("LM_SMTP_DATA");
	char *names[256];
	int n, i;

	if (!dir)
		dir = "tests/data/smtp";
	n = lm_tr_list(dir, names, 256);
	LM_CHECK(n >= 0);
	if (n < 0)
		return;
	LM_CHECK(n >= 12);
	for (i = 0; i < n; i++) {
		int bad = lm_tr_check_file(names[i], run_script, skip_file);
		LM_CHECK(bad == 0);
		free(names[i]);
	}
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = { LM_TEST(t_transcripts) };
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
