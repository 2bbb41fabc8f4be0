/*
 * Unit tests of the SMTP engine rules (RFC 5321 and extensions). Every
 * server byte is fed from a copy placed against a guard page, and both
 * engine buffers sit against guard pages too. Expected client bytes are
 * written out by hand from the RFCs.
 */
#define _DEFAULT_SOURCE 1
#include "test.h"
#include "libmail/smtp.h"
#include "libmail/sasl.h"
#include "sasl/sasl_int.h"

typedef struct {
	lm_smtp_client c;
	unsigned char *ib, *ob;
	size_t il, ol;
	char out[65536];       /* everything the client sent */
	size_t nout;
	char trace[8192];      /* trace lines, "C: ...\n" */
	size_t ntrace;
	int bdat;              /* body goes out as BDAT chunks */
} h_t;

static void
tr_fn(char dir, const char *line, size_t len, void *ud)
{
	h_t *h = ud;
	if (h->ntrace + len + 4 < sizeof h->trace) {
		h->trace[h->ntrace++] = dir;
		h->trace[h->ntrace++] = ':';
		h->trace[h->ntrace++] = ' ';
		memcpy(h->trace + h->ntrace, line, len);
		h->ntrace += len;
		h->trace[h->ntrace++] = '\n';
		h->trace[h->ntrace] = '\0';
	}
}

static h_t *
h_new_sized(lm_smtp_opts *o, size_t il, size_t ol)
{
	static const unsigned char zeros[8192];
	h_t *h = calloc(1, sizeof *h);
	lm_smtp_opts d = LM_SMTP_OPTS_INIT;
	if (o == NULL) {
		d.require_tls = 0;
		o = &d;
	}
	o->trace = tr_fn;
	o->trace_ud = h;
	h->il = il;
	h->ol = ol;
	h->ib = lm_test_guarded(zeros, il);
	h->ob = lm_test_guarded(zeros, ol);
	if (lm_smtp_init(&h->c, o, h->ib, il, h->ob, ol) != 0)
		abort();
	return h;
}

static h_t *
h_new(lm_smtp_opts *o)
{
	return h_new_sized(o, LM_SMTP_BUFSIZE_IN, LM_SMTP_BUFSIZE_OUT);
}

static void
h_free(h_t *h)
{
	lm_smtp_free(&h->c);
	lm_test_unguard(h->ib, h->il);
	lm_test_unguard(h->ob, h->ol);
	free(h);
}

/* Server sends s (guarded copy, fed whole). */
static void
srv_n(h_t *h, const char *s, size_t n)
{
	unsigned char *g = lm_test_guarded(s, n);
	size_t used = 0, off = 0;
	while (off < n) {
		if (lm_smtp_feed(&h->c, g + off, n - off, &used) != 0 || used == 0)
			break;
		off += used;
	}
	lm_test_unguard(g, n);
}

static void
srv(h_t *h, const char *s)
{
	srv_n(h, s, strlen(s));
}

/* Next result other than WANT_WRITE (writes are collected into out). */
static int
nxt(h_t *h, lm_smtp_event *ev)
{
	for (;;) {
		int r = lm_smtp_next(&h->c, ev);
		if (r == LM_WANT_WRITE) {
			size_t n;
			const unsigned char *p = lm_smtp_send_buf(&h->c, &n);
			if (h->nout + n < sizeof h->out) {
				memcpy(h->out + h->nout, p, n);
				h->nout += n;
				h->out[h->nout] = '\0';
			}
			lm_smtp_send_ack(&h->c, n);
			continue;
		}
		return r;
	}
}

/* Client bytes sent since the last call. */
static const char *
sent(h_t *h)
{
	static char buf[65536];
	memcpy(buf, h->out, h->nout + 1);
	h->nout = 0;
	h->out[0] = '\0';
	return buf;
}

/* Drives the engine until it waits for the server and checks that the
 * client sent exactly want since the last check. */
static void
sent_is(h_t *h, const char *want)
{
	lm_smtp_event ev;
	const char *s;

	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	s = sent(h);
	LM_CHECK_STRN(s, strlen(s), want);
}

static size_t
pending_out(h_t *h)
{
	size_t n;
	lm_smtp_send_buf(&h->c, &n);
	return n;
}

/* Greeting + EHLO with the given capability lines ("250-X\r\n..."). */
static void
h_ready(h_t *h, const char *caps)
{
	lm_smtp_event ev;
	char buf[2048];
	srv(h, "220 mx.example.com ESMTP\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_GREETING);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	snprintf(buf, sizeof buf, "250-mx.example.com\r\n%s250 HELP\r\n", caps);
	srv(h, buf);
	for (;;) {
		int r = nxt(h, &ev);
		LM_CHECK_EQ(r, LM_EVENT);
		if (r != LM_EVENT || ev.type == LM_SMTP_EV_REPLY)
			break;
	}
	LM_CHECK_EQ(ev.code, 250);
	LM_CHECK_EQ(ev.index, 0);   /* "for RCPT: ... else 0" */
	sent(h);
}

/* ---------------------------------------------------------------- */

static void
t_init_params(void)
{
	lm_smtp_client c;
	unsigned char ib[LM_SMTP_BUFSIZE_IN], ob[LM_SMTP_BUFSIZE_OUT];
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;

	LM_CHECK_EQ(lm_smtp_init(NULL, NULL, ib, sizeof ib, ob, sizeof ob), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_smtp_init(&c, NULL, NULL, sizeof ib, ob, sizeof ob), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_smtp_init(&c, NULL, ib, 10, ob, sizeof ob), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_smtp_init(&c, NULL, ib, sizeof ib, ob, 100), LM_ERR_BAD_PARAM);
	o.helo_domain = "bad domain";
	LM_CHECK_EQ(lm_smtp_init(&c, &o, ib, sizeof ib, ob, sizeof ob), LM_ERR_BAD_PARAM);
	o.helo_domain = "bad\r\nMAIL";
	LM_CHECK_EQ(lm_smtp_init(&c, &o, ib, sizeof ib, ob, sizeof ob), LM_ERR_BAD_PARAM);
	o.helo_domain = "";
	LM_CHECK_EQ(lm_smtp_init(&c, &o, ib, sizeof ib, ob, sizeof ob), LM_ERR_BAD_PARAM);
	o.helo_domain = "bad\x7f.example";          /* DEL is no printable */
	LM_CHECK_EQ(lm_smtp_init(&c, &o, ib, sizeof ib, ob, sizeof ob), LM_ERR_BAD_PARAM);
	{
		/* RFC 5321 4.5.3.1.2: a domain is at most 255 octets */
		char d[257];
		memset(d, 'a', 256);
		d[256] = '\0';
		o.helo_domain = d;
		LM_CHECK_EQ(lm_smtp_init(&c, &o, ib, sizeof ib, ob, sizeof ob), LM_ERR_BAD_PARAM);
		d[255] = '\0';
		LM_CHECK_EQ(lm_smtp_init(&c, &o, ib, sizeof ib, ob, sizeof ob), 0);
		lm_smtp_free(&c);
	}
	o.helo_domain = "[192.0.2.1]";
	o.version = 2;
	LM_CHECK_EQ(lm_smtp_init(&c, &o, ib, sizeof ib, ob, sizeof ob), LM_ERR_BAD_PARAM);
	o.version = 1;
	LM_CHECK_EQ(lm_smtp_init(&c, &o, ib, sizeof ib, ob, sizeof ob), 0);
	lm_smtp_free(&c);
	{
		/* free leaves nothing of the context behind */
		static const lm_smtp_client zero;
		LM_CHECK(memcmp(&c, &zero, sizeof c) == 0);
	}
	lm_smtp_free(&c);
	lm_smtp_free(NULL);
}

static void
t_nothing_before_greeting(void)
{
	h_t *h = h_new(NULL);
	lm_smtp_event ev;
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_quit(&h->c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(pending_out(h), 0);
	/* greeting in two pieces */
	srv(h, "220 mx.exa");
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "mple.com ready\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_GREETING);
	LM_CHECK_STRN(ev.text.p, ev.text.len, "mx.example.com ready");
	h_free(h);
}

static void
t_starttls_injection_same_read(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	h_t *h = h_new(&o);
	lm_smtp_event ev;
	h_ready(h, "250-STARTTLS\r\n");
	LM_CHECK_EQ(lm_smtp_starttls(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	LM_CHECK_STRN(sent(h), strlen("STARTTLS\r\n"), "STARTTLS\r\n");
	/* a man in the middle appends a reply to the 220 in plaintext */
	srv(h, "220 Go ahead\r\n250-mx.example.com\r\n250 AUTH PLAIN\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(lm_smtp_last_error(&h->c), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(lm_smtp_tls_done(&h->c), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(lm_smtp_tls_active(&h->c), 0);
	h_free(h);

	/* even a single extra byte counts */
	h = h_new(&o);
	h_ready(h, "250-STARTTLS\r\n");
	LM_CHECK_EQ(lm_smtp_starttls(&h->c), 0);
	srv(h, "220 Go ahead\r\nX");
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
	h_free(h);
}

static void
t_starttls_injection_later_read(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	h_t *h = h_new(&o);
	lm_smtp_event ev;
	h_ready(h, "250-STARTTLS\r\n");
	LM_CHECK_EQ(lm_smtp_starttls(&h->c), 0);
	srv(h, "220 Go ahead\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_TLS_READY);
	/* while waiting for the handshake next() says so, not sticky */
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_last_error(&h->c), 0);
	srv(h, "2");
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(lm_smtp_tls_done(&h->c), LM_ERR_PROTOCOL);
	h_free(h);
}

/* A reply that arrived before STARTTLS was even queued (in the same
 * read as the EHLO reply) answers nothing: it must not be taken for the
 * 220 to STARTTLS. */
static void
t_starttls_reply_before_sent(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	h_t *h = h_new(&o);
	lm_smtp_event ev;
	int r;
	srv(h, "220 mx.example.com ESMTP\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	sent(h);
	srv(h, "250-mx.example.com\r\n250 STARTTLS\r\n220 Go ahead\r\n");
	do {
		r = nxt(h, &ev);
		LM_CHECK_EQ(r, LM_EVENT);
	} while (r == LM_EVENT && ev.type != LM_SMTP_EV_REPLY);
	LM_CHECK_EQ(ev.code, 250);
	LM_CHECK_EQ(lm_smtp_starttls(&h->c), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(lm_smtp_last_error(&h->c), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(h->nout, 0);
	LM_CHECK_EQ(lm_smtp_tls_active(&h->c), 0);
	h_free(h);
}

static void
t_caps_forgotten_after_tls(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	h_t *h = h_new(&o);
	lm_smtp_event ev;
	lm_slice p;
	h_ready(h, "250-STARTTLS\r\n250-SIZE 1000\r\n250-AUTH PLAIN\r\n250-X-FOO bar baz\r\n");
	LM_CHECK(lm_smtp_has_ext(&h->c, "STARTTLS"));
	LM_CHECK(lm_smtp_has_ext(&h->c, "starttls"));
	LM_CHECK(lm_smtp_has_ext(&h->c, "X-FOO"));
	LM_CHECK(!lm_smtp_has_ext(&h->c, "X-FO"));
	LM_CHECK(!lm_smtp_has_ext(&h->c, "mx.example.com"));
	LM_CHECK_EQ(lm_smtp_ext_param(&h->c, "SIZE", &p), 1);
	LM_CHECK_STRN(p.p, p.len, "1000");
	LM_CHECK_EQ(lm_smtp_ext_param(&h->c, "x-foo", &p), 1);
	LM_CHECK_STRN(p.p, p.len, "bar baz");
	LM_CHECK_EQ(lm_smtp_ext_param(&h->c, "HELP", &p), 1);
	LM_CHECK_EQ(p.len, 0);
	LM_CHECK_EQ(lm_smtp_ext_param(&h->c, "DSN", &p), 0);
	/* require_tls: no mail and no AUTH before TLS */
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@example.org", NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_starttls(&h->c), 0);
	srv(h, "220 go\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_TLS_READY);
	LM_CHECK_EQ(lm_smtp_tls_done(&h->c), 0);
	LM_CHECK_EQ(lm_smtp_tls_done(&h->c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_tls_active(&h->c), 1);
	LM_CHECK(!lm_smtp_has_ext(&h->c, "STARTTLS"));
	LM_CHECK(!lm_smtp_has_ext(&h->c, "SIZE"));
	LM_CHECK(!lm_smtp_has_ext(&h->c, "AUTH"));
	LM_CHECK(!lm_smtp_has_ext(&h->c, "X-FOO"));
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@example.org", NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_noop(&h->c), 0);   /* allowed, but not mail */
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "250-mx.example.com\r\n250 SIZE 2000\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_REPLY);
	LM_CHECK_EQ(lm_smtp_ext_param(&h->c, "SIZE", &p), 1);
	LM_CHECK_STRN(p.p, p.len, "2000");
	LM_CHECK_EQ(lm_smtp_starttls(&h->c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@example.org", NULL), 0);
	LM_CHECK(strstr(h->trace, "*: TLS established") != NULL);
	h_free(h);
}

static void
t_no_starttls_offered(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	h_t *h = h_new(&o);
	lm_smtp_event ev;
	h_ready(h, "250-8BITMIME\r\n");
	LM_CHECK_EQ(lm_smtp_starttls(&h->c), LM_ERR_NO_STARTTLS);
	LM_CHECK_EQ(pending_out(h), 0);
	/* a refused STARTTLS is a reply, not an error */
	h_free(h);
	h = h_new(&o);
	h_ready(h, "250-STARTTLS\r\n");
	LM_CHECK_EQ(lm_smtp_starttls(&h->c), 0);
	srv(h, "454 4.7.0 TLS not available due to temporary reason\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_REPLY);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_STARTTLS);
	LM_CHECK_EQ(ev.code, 454);
	LM_CHECK_EQ(ev.enh_class, 4);
	LM_CHECK_EQ(lm_smtp_tls_active(&h->c), 0);
	LM_CHECK_EQ(lm_smtp_tls_done(&h->c), LM_ERR_BAD_STATE);
	h_free(h);
}

static void
t_addr_refused(void)
{
	static const char *bad[] = {
		"a\r@example.org", "a@example.org\r\nRCPT TO:<evil@x>", "a\n@b.c",
		"<a@b.c>", "a@b.c>", "a<@b.c", "a\x01@b.c", "a@b\x7f.c", "a\t@b.c",
		"a b@c.d", "a@", "@b.c", "\"unterminated@b.c", "a@b.c SIZE=1"
	};
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_event ev;
	size_t i;
	h_t *h;

	o.require_tls = 0;
	h = h_new(&o);
	h_ready(h, "250-PIPELINING\r\n");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		LM_CHECK_EQ(lm_smtp_mail_from(&h->c, bad[i], NULL), LM_ERR_BAD_PARAM);
		LM_CHECK_EQ(pending_out(h), 0);
	}
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "b@c.d", NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "", NULL), 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, bad[i], NULL), LM_ERR_BAD_PARAM);
	}
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "", NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "\"x y\"@b.c", NULL), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	/* only the two good commands went out */
	{
		const char *s = sent(h);
		LM_CHECK_STRN(s, strlen(s), "MAIL FROM:<>\r\nRCPT TO:<\"x y\"@b.c>\r\n");
	}
	/* the replies are matched to index 0: refused ones took no index */
	srv(h, "250 ok\r\n250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_MAIL);
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_RCPT);
	LM_CHECK_EQ(ev.index, 0);
	h_free(h);
}

static void
t_params_refused(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_mail_params mp = LM_SMTP_MAIL_PARAMS_INIT;
	lm_smtp_rcpt_params rp = LM_SMTP_RCPT_PARAMS_INIT;
	lm_smtp_event ev;
	h_t *h;

	o.require_tls = 0;
	h = h_new(&o);
	h_ready(h, "250-PIPELINING\r\n250-DSN\r\n");
	mp.envid = "bad\r\nenvid";
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", &mp), LM_ERR_BAD_PARAM);
	mp.envid = "0123456789012345678901234567890123456789012345678901234567890123456789"
	           "012345678901234567890123456789x";
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", &mp), LM_ERR_BAD_PARAM);
	mp.envid = "a b+c=d";
	mp.body8bit = 1;
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", &mp), LM_ERR_UNSUPPORTED);
	mp.body8bit = 0;
	mp.ret = 7;
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", &mp), LM_ERR_BAD_PARAM);
	mp.ret = LM_SMTP_RET_FULL;
	mp.version = 9;
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", &mp), LM_ERR_BAD_PARAM);
	mp.version = 1;
	LM_CHECK_EQ(pending_out(h), 0);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", &mp), 0);
	rp.notify = 0x10;
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@y.z", &rp), LM_ERR_BAD_PARAM);
	rp.notify = LM_SMTP_NOTIFY_NEVER | LM_SMTP_NOTIFY_SUCCESS;
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@y.z", &rp), LM_ERR_BAD_PARAM);
	rp.notify = LM_SMTP_NOTIFY_FAILURE | LM_SMTP_NOTIFY_DELAY;
	rp.orcpt = "x\ry@z";
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@y.z", &rp), LM_ERR_BAD_PARAM);
	rp.orcpt = "x y@z";
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@y.z", &rp), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	{
		const char *s = sent(h);
		LM_CHECK_STRN(s, strlen(s),
		              "MAIL FROM:<a@b.c> RET=FULL ENVID=a+20b+2Bc+3Dd\r\n"
		              "RCPT TO:<x@y.z> NOTIFY=FAILURE,DELAY ORCPT=rfc822;x+20y@z\r\n");
	}
	h_free(h);
}


/* The PIPELINING groups of smtp.h's queueing rule (RFC 2920 3.1): MAIL,
 * RCPT and RSET may be followed at once by MAIL/RCPT/DATA/RSET/NOOP/QUIT;
 * NOOP (like EHLO, DATA, QUIT, STARTTLS, AUTH) ends a group: nothing,
 * not even QUIT, is queued behind it before its reply. */
static void
t_pipelining_groups(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	h_t *h;

	o.require_tls = 0;
	h = h_new(&o);
	h_ready(h, "250-PIPELINING\r\n");
	LM_CHECK_EQ(lm_smtp_rset(&h->c), 0);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	LM_CHECK_EQ(lm_smtp_noop(&h->c), 0);
	LM_CHECK_EQ(lm_smtp_quit(&h->c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_rset(&h->c), LM_ERR_BAD_STATE);
	sent_is(h, "RSET\r\nMAIL FROM:<a@b.c>\r\nNOOP\r\n");
	h_free(h);

	h = h_new(&o);
	h_ready(h, "250-PIPELINING\r\n");
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "d@e.f", NULL), 0);
	LM_CHECK_EQ(lm_smtp_quit(&h->c), 0);
	sent_is(h, "MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nQUIT\r\n");
	h_free(h);
}

/* ev.index is the recipient's for RCPT, else 0: STARTTLS refused, MAIL,
 * DATA refused.
 * A NULL recipient is LM_ERR_BAD_PARAM. */
static void
t_index_zero(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_event ev;
	h_t *h;

	o.require_tls = 0;
	h = h_new(&o);
	h_ready(h, "250-STARTTLS\r\n");
	LM_CHECK_EQ(lm_smtp_starttls(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "454 4.7.0 not now\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_REPLY);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_STARTTLS);
	LM_CHECK_EQ(ev.index, 0);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, NULL, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_MAIL);
	LM_CHECK_EQ(ev.index, 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "d@e.f", NULL), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_data(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "554 5.5.1 no valid recipients\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_DATA);
	LM_CHECK_EQ(ev.index, 0);
	h_free(h);
}

/* RFC 5321 4.1.4: RSET and NOOP may be used at any time, before EHLO
 * too. EHLO in an open transaction is LM_ERR_BAD_STATE (smtp.h). */
static void
t_rset_noop_before_ehlo(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_event ev;
	h_t *h;
	const char *s;

	o.require_tls = 0;
	h = h_new(&o);
	srv(h, "220 mx.example.com ESMTP\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_rset(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_RSET);
	LM_CHECK_EQ(ev.index, 0);   /* not RCPT: 0 */
	LM_CHECK_EQ(lm_smtp_noop(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_NOOP);
	LM_CHECK_EQ(ev.index, 0);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), LM_ERR_BAD_STATE);
	s = sent(h);
	LM_CHECK_STRN(s, strlen(s), "RSET\r\nNOOP\r\n");
	h_free(h);

	h = h_new(&o);
	h_ready(h, "");
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), LM_ERR_BAD_STATE);
	h_free(h);
}

/* DSN xtext (RFC 3461 4): xchar is "!" (33) .. "~" (126) except "+" and
 * "=", sent as it is; everything else is "+" and two upper-case hex
 * digits. A command line that the encoding makes too long is refused
 * (LM_ERR_BAD_PARAM, nothing queued), never sent cut short. */
static void
t_xtext_edges(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_mail_params mp = LM_SMTP_MAIL_PARAMS_INIT;
	lm_smtp_rcpt_params rp = LM_SMTP_RCPT_PARAMS_INIT;
	lm_smtp_event ev;
	char big[501];
	h_t *h;
	const char *s;

	o.require_tls = 0;
	h = h_new(&o);
	h_ready(h, "250-PIPELINING\r\n250-DSN\r\n");
	mp.envid = "!~ \"";
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", &mp), 0);
	memset(big, '+', 500);
	big[500] = 0;
	rp.orcpt = big;
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@y.z", &rp), LM_ERR_BAD_PARAM);
	rp.orcpt = "~a!";
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@y.z", &rp), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	s = sent(h);
	LM_CHECK_STRN(s, strlen(s),
	              "MAIL FROM:<a@b.c> ENVID=!~+20\"\r\n"
	              "RCPT TO:<x@y.z> ORCPT=rfc822;~a!\r\n");
	h_free(h);
}


/* AUTH with an initial response (RFC 4954 4) goes out whole or not at
 * all: a line of exactly the output buffer's size is sent; one byte
 * more is LM_ERR_BUFFER_TOO_SMALL with nothing queued. A NULL context or
 * SASL context is LM_ERR_BAD_PARAM; AUTH_DONE carries ev.index 0. */
static void
t_auth_ir_fills_buffer(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_sasl s;
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	lm_smtp_event ev;
	char pw[400];
	size_t olen;
	h_t *h;

	/* PLAIN: "\0u\0" + 372 bytes = 375 -> 500 base64;
	 * "AUTH PLAIN " + 500 + CRLF = 513 */
	memset(pw, 'p', 372);
	pw[372] = 0;
	cr.user = "u";
	cr.password = pw;
	o.require_tls = 0;
	o.allow_plaintext_auth = 1;
	for (olen = 513; olen >= 512; olen--) {
		LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), 0);
		h = h_new_sized(&o, LM_SMTP_BUFSIZE_IN, olen);
		h_ready(h, "250-AUTH PLAIN\r\n");
		LM_CHECK_EQ(lm_smtp_auth(NULL, &s), LM_ERR_BAD_PARAM);
		LM_CHECK_EQ(lm_smtp_auth(&h->c, NULL), LM_ERR_BAD_PARAM);
		if (olen == 512) {
			LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), LM_ERR_BUFFER_TOO_SMALL);
			LM_CHECK_EQ(pending_out(h), 0);
		} else {
			LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), 0);
			LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
			LM_CHECK_EQ(h->nout, 513);
			LM_CHECK(strncmp(h->out, "AUTH PLAIN AHUAcHBw", 19) == 0);
			srv(h, "235 2.7.0 ok\r\n");
			LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
			LM_CHECK_EQ(ev.type, LM_SMTP_EV_AUTH_DONE);
			LM_CHECK_EQ(ev.index, 0);
		}
		lm_sasl_free(&s);
		h_free(h);
	}
}

/* RFC 5321 4.1.2: a quoted local part may hold quoted-pairs ("\"" and
 * "\\" too) and spaces; the address goes out as given. An address
 * without a domain ("Postmaster", RFC 5321 4.5.1) too. */
static void
t_quoted_local_part(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	h_t *h;

	o.require_tls = 0;
	h = h_new(&o);
	h_ready(h, "250-PIPELINING\r\n");
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "\"a\\\" b\\\\\"@example.com", NULL), 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "Postmaster", NULL), 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "\"a\\\"@example.com", NULL), LM_ERR_BAD_PARAM);
	sent_is(h, "MAIL FROM:<\"a\\\" b\\\\\"@example.com>\r\n"
	                            "RCPT TO:<Postmaster>\r\n");
	h_free(h);
}


/* RFC 3207 4.2: after STARTTLS the server forgets what the client told
 * it before, a login too: AUTH is allowed again on the new EHLO (it is
 * LM_ERR_BAD_STATE only while authenticated, RFC 4954 4). */
static void
t_auth_again_after_starttls(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_sasl s;
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	lm_smtp_event ev;
	h_t *h;

	cr.user = "u";
	cr.password = "p";
	o.require_tls = 0;
	o.allow_plaintext_auth = 1;
	h = h_new(&o);
	h_ready(h, "250-STARTTLS\r\n250-AUTH PLAIN\r\n");
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), 0);
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "235 2.7.0 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_AUTH_DONE);
	lm_sasl_free(&s);
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), 0);
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_starttls(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "220 go\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_TLS_READY);
	LM_CHECK_EQ(lm_smtp_tls_done(&h->c), 0);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "250-mx\r\n250 AUTH PLAIN\r\n");
	while (nxt(h, &ev) == LM_EVENT && ev.type != LM_SMTP_EV_REPLY)
		;
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_REPLY);
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), 0);
	lm_sasl_free(&s);
	h_free(h);
}

/* Addresses and DSN values at their edges:
 * - without SMTPUTF8 a domain is sent as A-labels even when only its
 *   last label is not ASCII;
 * - with SMTPUTF8 offered, a non-ASCII local part or domain alone is
 *   enough for the SMTPUTF8 parameter (smtp.h lm_smtp_mail_from());
 * - ENVID and ORCPT are printable ASCII (DEL and control bytes refused,
 *   the first byte too); one byte is enough; ENVID, RET, NOTIFY and
 *   ORCPT each need DSN, alone too. */
static void
t_addr_dsn_edges(void)
{
	static const char *const bad[] = { "\rx", "\x01", "a\x7f", "\x7f" };
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_mail_params mp = LM_SMTP_MAIL_PARAMS_INIT;
	lm_smtp_rcpt_params rp = LM_SMTP_RCPT_PARAMS_INIT;
	size_t i;
	h_t *h;

	o.require_tls = 0;
	h = h_new(&o);
	h_ready(h, "250-PIPELINING\r\n250-DSN\r\n");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		mp.envid = bad[i];
		LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", &mp), LM_ERR_BAD_PARAM);
	}
	mp.envid = "x";
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", &mp), 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rp.orcpt = bad[i];
		LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@y.z", &rp), LM_ERR_BAD_PARAM);
	}
#if LM_HAVE_IDN
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "jo@ex.b\xc3\xbc", NULL), 0);
	sent_is(h, "MAIL FROM:<a@b.c> ENVID=x\r\n"
	                            "RCPT TO:<jo@ex.xn--b-eha>\r\n");
#else
	/* IDN=0: no A-label conversion, the domain is refused */
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "jo@ex.b\xc3\xbc", NULL), LM_ERR_IDNA);
	sent_is(h, "MAIL FROM:<a@b.c> ENVID=x\r\n");
#endif
	h_free(h);

	h = h_new(&o);
	h_ready(h, "250-PIPELINING\r\n250-SMTPUTF8\r\n");
	/* ENVID or RET alone needs DSN too, as NOTIFY or ORCPT alone */
	mp.envid = "x";
	mp.ret = 0;
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", &mp), LM_ERR_UNSUPPORTED);
	mp.envid = NULL;
	mp.ret = LM_SMTP_RET_HDRS;
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", &mp), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "j\xc3\xb6rg@example.com", NULL), 0);
	rp.orcpt = "x";
	rp.notify = 0;
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@y.z", &rp), LM_ERR_UNSUPPORTED);
	rp.orcpt = NULL;
	rp.notify = LM_SMTP_NOTIFY_FAILURE;
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@y.z", &rp), LM_ERR_UNSUPPORTED);
	sent_is(h, "MAIL FROM:<j\xc3\xb6rg@example.com> SMTPUTF8\r\n");
	h_free(h);
}

static void
t_pipeline_limit(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_event ev;
	h_t *h;
	int i;
	char a[32];

	o.require_tls = 0;
	h = h_new_sized(&o, LM_SMTP_BUFSIZE_IN, 8192);
	h_ready(h, "250-PIPELINING\r\n");
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	for (i = 1; i < LM_SMTP_PIPELINE_MAX; i++) {
		snprintf(a, sizeof a, "r%d@b.c", i);
		LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, a, NULL), 0);
	}
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "one@too.many", NULL), LM_ERR_LIMIT);
	LM_CHECK_EQ(lm_smtp_data(&h->c), LM_ERR_LIMIT);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	LM_CHECK(strstr(sent(h), "one@too.many") == NULL);
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_data(&h->c), 0);
	h_free(h);
}

static void
t_no_pipelining_waits(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_event ev;
	h_t *h;

	o.require_tls = 0;
	o.use_pipelining = 0;      /* offered, but not wanted */
	h = h_new(&o);
	h_ready(h, "250-PIPELINING\r\n");
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@y.z", NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_noop(&h->c), LM_ERR_BAD_STATE);
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_data(&h->c), LM_ERR_BAD_STATE);   /* no RCPT yet */
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@y.z", NULL), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "550 5.1.1 no\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.code, 550);
	/* every recipient refused: DATA is pointless */
	LM_CHECK_EQ(lm_smtp_data(&h->c), LM_ERR_REFUSED);
	LM_CHECK_EQ(pending_out(h), 0);
	/* MAIL refused: the transaction is over */
	LM_CHECK_EQ(lm_smtp_rset(&h->c), 0);
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	srv(h, "553 5.7.1 go away\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@y.z", NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	h_free(h);
}

static void
t_helo_fallback_only_without_tls_required(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;   /* require_tls = 1 */
	lm_smtp_event ev;
	h_t *h = h_new(&o);

	srv(h, "220 old.example.net\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), 0);
	srv(h, "502-Command\r\n502 not implemented\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_REPLY_LINE);
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_REPLY);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_EHLO);
	LM_CHECK_EQ(ev.code, 502);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	{
		const char *s = sent(h);
		LM_CHECK_STRN(s, strlen(s), "EHLO localhost\r\n");   /* no HELO */
	}
	LM_CHECK_EQ(lm_smtp_starttls(&h->c), LM_ERR_BAD_STATE);
	h_free(h);

	o.require_tls = 0;
	h = h_new(&o);
	srv(h, "220 old.example.net\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), 0);
	srv(h, "500-Syntax error,\r\n500 command unrecognized\r\n");
	sent_is(h, "EHLO localhost\r\nHELO localhost\r\n");
	srv(h, "250 old.example.net\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_HELO);
	LM_CHECK(!lm_smtp_has_ext(&h->c, "HELP"));
	/* 4xx to EHLO is temporary: no fallback */
	h_free(h);
	h = h_new(&o);
	srv(h, "220 x\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), 0);
	srv(h, "421 4.7.0 try later\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_EHLO);
	LM_CHECK_EQ(ev.code, 421);
	h_free(h);
}

static void
t_line_limit(void)
{
	h_t *h = h_new(NULL);
	lm_smtp_event ev;
	char *line = malloc(LM_SMTP_LINE_MAX + 8);

	/* a line of exactly LM_SMTP_LINE_MAX bytes with its CRLF is fine */
	memcpy(line, "220 ", 4);
	memset(line + 4, 'a', LM_SMTP_LINE_MAX - 6);
	memcpy(line + LM_SMTP_LINE_MAX - 2, "\r\n", 3);
	srv(h, line);
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.text.len, LM_SMTP_LINE_MAX - 6);
	LM_CHECK_EQ(lm_smtp_noop(&h->c), 0);
	/* one more byte is too long, even before the LF arrives */
	memcpy(line, "250 ", 4);
	memset(line + 4, 'b', LM_SMTP_LINE_MAX - 4);
	line[LM_SMTP_LINE_MAX] = '\0';
	srv(h, line);
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_LINE_TOO_LONG);
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_LINE_TOO_LONG);
	LM_CHECK_EQ(lm_smtp_noop(&h->c), LM_ERR_LINE_TOO_LONG);
	free(line);
	h_free(h);

	/* a small input buffer lowers the limit to its size */
	{
		lm_smtp_opts o = LM_SMTP_OPTS_INIT;
		o.require_tls = 0;
		h = h_new_sized(&o, 64, LM_SMTP_BUFSIZE_OUT);
		srv(h, "220 0123456789012345678901234567890123456789012345678901234567890123456789\r\n");
		LM_CHECK_EQ(nxt(h, &ev), LM_ERR_LINE_TOO_LONG);
		h_free(h);
	}
}

static void
t_malformed_replies(void)
{
	static const char *bad[] = {
		"250-a\r\n251 b\r\n",      /* code changes inside a reply */
		"250-a\r\n250x b\r\n",
		"25x ok\r\n", "2500 ok\r\n", "199 hm\r\n", "620 x\r\n", "2\r\n",
		"250\tok\r\n", "\r\n", "ok\r\n", "250 a\0b\r\n", "260 x\r\n",
		"2/0 x\r\n"               /* second digit below '0' */
	};
	size_t i;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		h_t *h = h_new(NULL);
		lm_smtp_event ev;
		int r;
		srv(h, "220 x\r\n");
		LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
		LM_CHECK_EQ(lm_smtp_noop(&h->c), 0);
		srv_n(h, bad[i], strlen(bad[i]) + (i == 10 ? 4 : 0));
		do
			r = nxt(h, &ev);
		while (r == LM_EVENT);
		LM_CHECK_EQ(r, LM_ERR_PROTOCOL);
		if (r != LM_ERR_PROTOCOL)
			printf("  case %zu\n", i);
		h_free(h);
	}
	/* bare code, and LF alone, are accepted */
	{
		h_t *h = h_new(NULL);
		lm_smtp_event ev;
		srv(h, "220\n");
		LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
		LM_CHECK_EQ(ev.code, 220);
		LM_CHECK_EQ(ev.text.len, 0);
		h_free(h);
	}
}

static void
t_reply_lines_max(void)
{
	h_t *h = h_new(NULL);
	lm_smtp_event ev;
	int i, r = 0, events = 0;
	srv(h, "220 x\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_noop(&h->c), 0);
	for (i = 0; i <= LM_SMTP_REPLY_LINES_MAX; i++) {
		srv(h, "250-more\r\n");
		while ((r = nxt(h, &ev)) == LM_EVENT)
			events++;
	}
	LM_CHECK_EQ(events, LM_SMTP_REPLY_LINES_MAX);
	LM_CHECK_EQ(r, LM_ERR_LIMIT);
	h_free(h);
}

static void
t_caps_overflow(void)
{
	h_t *h = h_new(NULL);
	lm_smtp_event ev;
	int i, r;
	char line[128];
	srv(h, "220 x\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), 0);
	srv(h, "250-x\r\n");
	for (i = 0; i < LM_SMTP_CAPS_MAX / 16 + 2; i++) {
		snprintf(line, sizeof line, "250-X-KEYWORD-%05d\r\n", i);
		srv(h, line);
		while ((r = nxt(h, &ev)) == LM_EVENT)
			;
		if (r < 0)
			break;
	}
	LM_CHECK_EQ(r, LM_ERR_LIMIT);
	h_free(h);
}

static void
t_enhanced_codes(void)
{
	static const struct {
		const char *line;
		int c, s, d;
		const char *text;
	} v[] = {
		{ "250 2.1.0 Sender ok\r\n", 2, 1, 0, "Sender ok" },
		{ "550 5.1.10 Null MX\r\n", 5, 1, 10, "Null MX" },
		{ "452 4.5.3 Too many\r\n", 4, 5, 3, "Too many" },
		{ "250 2.0.0\r\n", 2, 0, 0, "" },
		{ "550 4.1.1 class mismatch\r\n", 0, 0, 0, "4.1.1 class mismatch" },
		{ "250 2.1 short\r\n", 0, 0, 0, "2.1 short" },
		{ "250 2.1.0x ok\r\n", 0, 0, 0, "2.1.0x ok" },
		{ "250 2.1000.0 ok\r\n", 0, 0, 0, "2.1000.0 ok" },
		{ "250 22.1.0 ok\r\n", 0, 0, 0, "22.1.0 ok" },
		{ "250 ok\r\n", 0, 0, 0, "ok" },
		{ "550 5.7.9 nine\r\n", 5, 7, 9, "nine" },
		{ "550 5.10.1 two-digit subject\r\n", 5, 10, 1, "two-digit subject" },
		{ "550 5..1 no subject\r\n", 0, 0, 0, "5..1 no subject" },
		{ "550 5x1.1 no dot\r\n", 0, 0, 0, "5x1.1 no dot" },
	};
	size_t i;
	h_t *h = h_new(NULL);
	lm_smtp_event ev;
	srv(h, "220 x\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		LM_CHECK_EQ(lm_smtp_noop(&h->c), 0);
		srv(h, v[i].line);
		LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
		LM_CHECK_EQ(ev.enh_class, v[i].c);
		LM_CHECK_EQ(ev.enh_subject, v[i].s);
		LM_CHECK_EQ(ev.enh_detail, v[i].d);
		LM_CHECK_STRN(ev.text.p, ev.text.len, v[i].text);
	}
	h_free(h);
}

static void
t_idn_and_utf8_addresses(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	h_t *h;

	o.require_tls = 0;
	h = h_new(&o);
	h_ready(h, "250-PIPELINING\r\n");
#if !LM_HAVE_IDN
	/* without libidn2 a non-ASCII domain cannot be converted */
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "x@b\xc3\xbc" "cher.de", NULL), LM_ERR_IDNA);
	LM_CHECK_EQ(pending_out(h), 0);
	h_free(h);
	return;
#endif
	/* U+00FC in the domain -> A-label (python: 'bücher.de'.encode('idna')) */
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "x@b\xc3\xbc" "cher.de", NULL), 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "j\xc3\xb6rg@example.com", NULL), LM_ERR_UNSUPPORTED);
	/* an invalid U-label (U+2488 is disallowed in IDNA2008) */
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@\xe2\x92\x88.com", NULL), LM_ERR_IDNA);
	/* invalid UTF-8 */
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@\xff.com", NULL), LM_ERR_IDNA);
	/* a non-ASCII address literal is not a domain */
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@[\xc3\xbc]", NULL), LM_ERR_BAD_PARAM);
	sent_is(h, "MAIL FROM:<x@xn--bcher-kva.de>\r\n");
	h_free(h);

	/* with SMTPUTF8 offered but an ASCII MAIL, a UTF-8 local part in
	 * RCPT cannot be sent: the transaction did not declare SMTPUTF8 */
	h = h_new(&o);
	h_ready(h, "250-PIPELINING\r\n250-SMTPUTF8\r\n");
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@example.org", NULL), 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "j\xc3\xb6rg@example.com", NULL), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "jo@b\xc3\xbc" "cher.de", NULL), 0);
	sent_is(h, "MAIL FROM:<a@example.org>\r\n"
		                            "RCPT TO:<jo@xn--bcher-kva.de>\r\n");
	h_free(h);
}

static void
t_eof_handling(void)
{
	h_t *h = h_new(NULL);
	lm_smtp_event ev;
	srv(h, "220 x\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_noop(&h->c), 0);
	srv(h, "250 o");
	lm_smtp_recv_eof(&h->c);
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_EOF);
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_EOF);
	LM_CHECK_EQ(lm_smtp_quit(&h->c), LM_ERR_EOF);
	h_free(h);

	/* replies already buffered are delivered before the EOF error */
	h = h_new(NULL);
	srv(h, "220 x\r\n");
	lm_smtp_recv_eof(&h->c);
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_GREETING);
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_EOF);
	h_free(h);

	/* QUIT, then EOF without 221: closed, then done */
	h = h_new(NULL);
	srv(h, "220 x\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_quit(&h->c), 0);
	LM_CHECK_EQ(lm_smtp_quit(&h->c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	lm_smtp_recv_eof(&h->c);
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_CLOSED);
	LM_CHECK_EQ(nxt(h, &ev), LM_DONE);
	LM_CHECK_EQ(nxt(h, &ev), LM_DONE);
	h_free(h);
}

static void
t_unsolicited(void)
{
	h_t *h = h_new(NULL);
	lm_smtp_event ev;
	srv(h, "220 x\r\n250 surprise\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
	h_free(h);

	/* an unsolicited 421 (idle timeout) is reported, then closed */
	h = h_new(NULL);
	srv(h, "220 x\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);   /* idle */
	srv(h, "421 4.4.2 idle timeout\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_REPLY);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_NONE);
	LM_CHECK_EQ(ev.index, 0);
	LM_CHECK_EQ(ev.code, 421);
	LM_CHECK_EQ(lm_smtp_timeout_hint(&h->c), 0);   /* no reply awaited */
	LM_CHECK_EQ(lm_smtp_noop(&h->c), LM_ERR_BAD_STATE);
	/* whatever follows the 421 is ignored */
	srv(h, "250 late\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	lm_smtp_recv_eof(&h->c);
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_CLOSED);
	LM_CHECK_EQ(lm_smtp_timeout_hint(&h->c), 0);
	h_free(h);
}

static void
t_421_during_body(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_event ev;
	size_t used;
	h_t *h;

	o.require_tls = 0;
	h = h_new(&o);
	h_ready(h, "");
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "d@e.f", NULL), 0);
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "x", 1, &used), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_data(&h->c), 0);
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "x", 1, &used), LM_ERR_BAD_STATE);
	srv(h, "354 go\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_DATA_READY);
	LM_CHECK_EQ(lm_smtp_quit(&h->c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_rset(&h->c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "x", 1, &used), 0);
	LM_CHECK_EQ(used, 1);
	srv(h, "421 4.3.0 shutting down\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.code, 421);
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "y", 1, &used), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_body_end(&h->c), LM_ERR_BAD_STATE);
	h_free(h);
}

/* AUTH ------------------------------------------------------------- */

static int
fixed_rng(void *ud, unsigned char *buf, size_t n)
{
	(void)ud;
	memset(buf, 'r', n);
	return 0;
}

static void
t_auth_plaintext_refused(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	lm_sasl s;
	h_t *h;

	cr.user = "alice";
	cr.password = "secret";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), 0);

	o.require_tls = 0;
	h = h_new(&o);
	h_ready(h, "250-AUTH PLAIN LOGIN\r\n");
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), LM_ERR_PLAINTEXT);
	LM_CHECK_EQ(pending_out(h), 0);
	h_free(h);

	/* require_tls refuses every mechanism before TLS */
	o.require_tls = 1;
	o.allow_plaintext_auth = 1;
	h = h_new(&o);
	h_ready(h, "250-AUTH PLAIN LOGIN\r\n");
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), LM_ERR_PLAINTEXT);
	h_free(h);

	o.require_tls = 0;
	h = h_new(&o);
	h_ready(h, "250-AUTH LOGIN\r\n");
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), LM_ERR_NO_MECH);
	h_free(h);
	h = h_new(&o);
	h_ready(h, "");
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), LM_ERR_UNSUPPORTED);
	h_free(h);
	h = h_new(&o);
	h_ready(h, "250-AUTH plain\r\n");
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), 0);
	LM_CHECK_EQ(lm_smtp_noop(&h->c), LM_ERR_BAD_STATE);   /* AUTH ends a group */
	h_free(h);
	lm_sasl_free(&s);

	/* bearer tokens are cleartext credentials too; SCRAM is not */
	o.allow_plaintext_auth = 0;
	cr.token = "tok";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_XOAUTH2, &cr), 0);
	h = h_new(&o);
	h_ready(h, "250-AUTH XOAUTH2 OAUTHBEARER SCRAM-SHA-256\r\n");
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), LM_ERR_PLAINTEXT);
	lm_sasl_free(&s);
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_OAUTHBEARER, &cr), 0);
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), LM_ERR_PLAINTEXT);
	lm_sasl_free(&s);
	cr.rng = fixed_rng;
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_SCRAM_SHA_256, &cr), 0);
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), 0);
	h_free(h);
	lm_sasl_free(&s);
}

/* 1 if the whole output buffer is zero. */
static int
out_zero(const h_t *h)
{
	size_t k;
	for (k = 0; k < h->ol; k++)
		if (h->ob[k] != 0)
			return 0;
	return 1;
}

/* The output buffer holds s somewhere. */
static int
out_has(const h_t *h, const char *s)
{
	size_t k, n = strlen(s);
	for (k = 0; k + n <= h->ol; k++)
		if (memcmp(h->ob + k, s, n) == 0)
			return 1;
	return 0;
}

/* A session whose EHLO reply ends with line (no TLS needed), and s for
 * alice with mechanism mech. */
static h_t *
h_auth(lm_sasl *s, lm_sasl_mech mech, const char *line)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	h_t *h;

	o.require_tls = 0;
	o.allow_plaintext_auth = 1;
	cr.user = "alice";
	cr.password = "hunter2";
	LM_CHECK_EQ(lm_sasl_init(s, mech, &cr), 0);
	h = h_new(&o);
	h_ready(h, line);
	return h;
}

/* lm_smtp_reset() with an AUTH line still unsent: the credentials do not
 * stay in the caller's output buffer (as lm_smtp_free() and POP3's and
 * IMAP's reset already did). */
static void
t_reset_wipes_unsent_auth(void)
{
	lm_sasl s;
	h_t *h = h_auth(&s, LM_SASL_PLAIN, "250-AUTH PLAIN\r\n");
	size_t n = 99;

	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), 0);
	lm_smtp_send_buf(&h->c, &n);
	LM_CHECK(n > 0);   /* queued, not sent */
	LM_CHECK(!out_zero(h));
	LM_CHECK_EQ(lm_smtp_reset(&h->c), 0);
	LM_CHECK(out_zero(h));
	lm_smtp_send_buf(&h->c, &n);
	LM_CHECK_EQ(n, 0);   /* nothing left to send */
	h_free(h);
	lm_sasl_free(&s);
}

static void
t_auth_trace_redacted(void)
{
	lm_smtp_event ev;
	lm_sasl s;
	h_t *h = h_auth(&s, LM_SASL_PLAIN, "250-AUTH PLAIN\r\n");

	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	{
		/* base64("\0alice\0hunter2") by python */
		const char *x = sent(h);
		LM_CHECK_STRN(x, strlen(x), "AUTH PLAIN AGFsaWNlAGh1bnRlcjI=\r\n");
	}
	LM_CHECK(strstr(h->trace, "C: AUTH PLAIN <redacted>\n") != NULL);
	/* the sent credentials do not stay in the output buffer */
	LM_CHECK(out_zero(h));
	LM_CHECK(strstr(h->trace, "AGFsaWNlAGh1bnRlcjI=") == NULL);
	srv(h, "235 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_AUTH_DONE);
	LM_CHECK_EQ(ev.code, 235);
	LM_CHECK(strstr(h->trace, "S: 235 ok\n") != NULL);
	h_free(h);
	lm_sasl_free(&s);

	h = h_auth(&s, LM_SASL_LOGIN, "250-AUTH LOGIN\r\n");
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), 0);
	srv(h, "334 VXNlcm5hbWU6\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "334 UGFzc3dvcmQ6\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	{
		/* base64("alice"), base64("hunter2") */
		const char *x = sent(h);
		LM_CHECK_STRN(x, strlen(x), "AUTH LOGIN\r\nYWxpY2U=\r\naHVudGVyMg==\r\n");
	}
	LM_CHECK(strstr(h->trace, "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: <redacted>\n"
	                          "S: 334 UGFzc3dvcmQ6\nC: <redacted>\n") != NULL);
	LM_CHECK(strstr(h->trace, "aHVudGVyMg") == NULL);
	/* nor the responses to 334 (the decoded challenge may stay) */
	LM_CHECK(!out_has(h, "YWxpY2U="));
	LM_CHECK(!out_has(h, "aHVudGVyMg=="));
	srv(h, "535 5.7.8 no\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_AUTH_DONE);
	LM_CHECK_EQ(ev.code, 535);
	LM_CHECK_EQ(lm_smtp_noop(&h->c), 0);
	h_free(h);
	lm_sasl_free(&s);
}

static void
t_auth_bad_base64(void)
{
	lm_smtp_event ev;
	lm_sasl s;
	h_t *h;

	h = h_auth(&s, LM_SASL_LOGIN, "250-AUTH LOGIN\r\n");
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	sent(h);
	srv(h, "334 VXNlcm5hbWU6!\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
	{
		const char *x = sent(h);
		LM_CHECK_STRN(x, strlen(x), "*\r\n");
	}
	h_free(h);
	lm_sasl_free(&s);

	/* a multi-line 334 is not a challenge */
	h = h_auth(&s, LM_SASL_LOGIN, "250-AUTH LOGIN\r\n");
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), 0);
	srv(h, "334-VXNlcm5hbWU6\r\n334 VXNlcm5hbWU6\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
	h_free(h);
	lm_sasl_free(&s);
}

/* SCRAM-SHA-256 with the RFC 7677 section 3 exchange (user "user",
 * password "pencil", client nonce rOprNGfwEbeRWgbNEkqO); base64 forms
 * computed with python3's base64 module. */
#define R7677_CFIRST "biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8="
#define R7677_SFIRST "cj1yT3ByTkdmd0ViZVJXZ2JORWtxTyVodllEcFdVYTJSYVRDQWZ1eEZJbG" \
	"opaE5sRiRrMCxzPVcyMlphSjBTTlk3c29Fc1VFamI2Z1E9PSxpPTQwOTY="
#define R7677_CFINAL "Yz1iaXdzLHI9ck9wck5HZndFYmVSV2diTkVrcU8laHZZRHBXVWEyUmFU" \
	"Q0FmdXhGSWxqKWhObEYkazAscD1kSHpiWmFwV0lrNGpVaE4rVXRlOXl0YWc5empmTUhnc3Ft" \
	"bWl6N0FuZFZRPQ=="
/* "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=" and the same with
 * the last signature character changed (G5) */
#define R7677_SFINAL "dj02cnJpVFJCaTIzV3BSUi93dHVwK21NaFVaVW4vZEI1bkxUSlJzamw5NUc0PQ=="
#define R7677_SFINAL_BAD "dj02cnJpVFJCaTIzV3BSUi93dHVwK21NaFVaVW4vZEI1bkxUSlJzamw5NUc1PQ=="

/* AUTH SCRAM-SHA-256 up to the client-final message. */
static h_t *
scram_to_final(lm_sasl *s)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	lm_smtp_event ev;
	h_t *h;

	o.require_tls = 0;
	cr.user = "user";
	cr.password = "pencil";
	cr.rng = fixed_rng;
	LM_CHECK_EQ(lm_sasl__init_nonce(s, LM_SASL_SCRAM_SHA_256, &cr,
	                                "rOprNGfwEbeRWgbNEkqO", 20), 0);
	h = h_new(&o);
	h_ready(h, "250-AUTH SCRAM-SHA-256\r\n");
	LM_CHECK_EQ(lm_smtp_auth(&h->c, s), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	{
		const char *x = sent(h);
		LM_CHECK_STRN(x, strlen(x), "AUTH SCRAM-SHA-256 " R7677_CFIRST "\r\n");
	}
	srv(h, "334 " R7677_SFIRST "\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	{
		const char *x = sent(h);
		LM_CHECK_STRN(x, strlen(x), R7677_CFINAL "\r\n");
	}
	return h;
}

/* RFC 4422 3.6 "additional data with success": the server-final
 * message in the 235 reply (after the enhanced status code) is checked
 * before the exchange counts as done; a forged one fails it. */
static void
t_auth_scram_success_data(void)
{
	lm_smtp_event ev;
	lm_sasl s;
	h_t *h;

	h = scram_to_final(&s);
	srv(h, "235 2.7.0 " R7677_SFINAL "\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_AUTH_DONE);
	LM_CHECK_EQ(ev.code, 235);
	LM_CHECK_EQ(lm_sasl_finish(&s), 0);
	LM_CHECK_EQ(lm_smtp_noop(&h->c), 0);
	h_free(h);
	lm_sasl_free(&s);

	/* without an enhanced status code */
	h = scram_to_final(&s);
	srv(h, "235 " R7677_SFINAL "\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_AUTH_DONE);
	h_free(h);
	lm_sasl_free(&s);

	/* a wrong server signature: the server is not who it claims */
	h = scram_to_final(&s);
	srv(h, "235 2.7.0 " R7677_SFINAL_BAD "\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_SASL);
	h_free(h);
	lm_sasl_free(&s);

	/* plain text, or nothing, instead of the server-final message */
	h = scram_to_final(&s);
	srv(h, "235 2.7.0 Accepted\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_SASL);
	h_free(h);
	lm_sasl_free(&s);
	h = scram_to_final(&s);
	srv(h, "235 2.7.0\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_SASL);
	h_free(h);
	lm_sasl_free(&s);

	/* server-final in a 334 challenge (empty response), then a 235
	 * whose text is only text, even when it looks like base64 */
	h = scram_to_final(&s);
	srv(h, "334 " R7677_SFINAL "\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	{
		const char *x = sent(h);
		LM_CHECK_STRN(x, strlen(x), "\r\n");
	}
	srv(h, "235 2.7.0 Accepted\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_AUTH_DONE);
	LM_CHECK_EQ(lm_sasl_finish(&s), 0);
	h_free(h);
	lm_sasl_free(&s);
}

/* Body ------------------------------------------------------------- */

/* In a message body; pipelining: the server offers PIPELINING too. */
static h_t *
h_in_body_pl(int chunking, size_t olen, int pipelining)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_event ev;
	h_t *h;
	o.require_tls = 0;
	o.use_chunking = chunking;
	h = h_new_sized(&o, LM_SMTP_BUFSIZE_IN, olen);
	h_ready(h, pipelining ? "250-CHUNKING\r\n250-PIPELINING\r\n" : "250-CHUNKING\r\n");
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "d@e.f", NULL), 0);
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_data(&h->c), 0);
	if (!chunking)
		srv(h, "354 go\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_DATA_READY);
	sent(h);
	h->bdat = chunking;
	return h;
}

static h_t *
h_in_body(int chunking, size_t olen)
{
	return h_in_body_pl(chunking, olen, 0);
}

/* Write all of p through body_write, draining whenever it stalls. */
static void
write_all(h_t *h, const char *p, size_t n, size_t step)
{
	size_t off = 0;
	int stalls = 0;
	while (off < n && stalls < 4) {
		size_t used = 0, k = n - off < step ? n - off : step;
		lm_smtp_event ev;
		int r = lm_smtp_body_write(&h->c, p + off, k, &used);
		LM_CHECK_EQ(r, 0);
		if (r)
			return;
		off += used;
		if (used < k) {
			r = nxt(h, &ev);
			if (r == LM_WANT_READ && h->bdat) {
				/* BDAT without pipelining: answer the chunk */
				srv(h, "250 chunk ok\r\n");
				r = nxt(h, &ev);
				LM_CHECK_EQ(r, LM_EVENT);
				LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_BDAT);
			}
			stalls = used ? 0 : stalls + 1;
		}
	}
	LM_CHECK_EQ(off, n);
}

static void
t_dot_stuffing_variants(void)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		/* worked out by hand from RFC 5321 4.5.2 and 2.3.8 */
		{ "", ".\r\n" },
		{ ".", "..\r\n.\r\n" },
		{ ".\r\n", "..\r\n.\r\n" },
		{ "a\n.\nb", "a\r\n..\r\nb\r\n.\r\n" },
		{ "a\r.\rb", "a\r\n..\r\nb\r\n.\r\n" },
		{ "a\n.\r\nb", "a\r\n..\r\nb\r\n.\r\n" },
		{ "a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n" },
		{ "a\r\n\r\n.\r\n", "a\r\n\r\n..\r\n.\r\n" },
		{ "x.\r\n.y", "x.\r\n..y\r\n.\r\n" },
		{ "\r\r\n\n", "\r\n\r\n\r\n.\r\n" },
		{ "..\r\n", "...\r\n.\r\n" },
		{ "a\r", "a\r\n.\r\n" },
	};
	size_t i, step;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		for (step = 1; step <= 3; step++) {
			h_t *h = h_in_body(0, LM_SMTP_BUFSIZE_OUT);
			lm_smtp_event ev;
			write_all(h, v[i].in, strlen(v[i].in), step);
			LM_CHECK_EQ(lm_smtp_body_end(&h->c), 0);
			LM_CHECK_EQ(lm_smtp_body_end(&h->c), LM_ERR_BAD_STATE);
			LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
			{
				const char *s = sent(h);
				LM_CHECK_STRN(s, strlen(s), v[i].out);
			}
			srv(h, "250 2.0.0 queued\r\n");
			LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
			LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_BODY);
			LM_CHECK_EQ(ev.code, 250);
			h_free(h);
		}
	}
}

static void
t_body_backpressure(void)
{
	/* 3000 lines ".x\n" through a 512-byte output buffer */
	size_t n = 3000 * 3, i;
	char *in = malloc(n), *want = malloc(3000 * 5 + 4);
	h_t *h = h_in_body(0, LM_SMTP_BUFSIZE_OUT_MIN);
	lm_smtp_event ev;
	for (i = 0; i < 3000; i++) {
		memcpy(in + i * 3, ".x\n", 3);
		memcpy(want + i * 5, "..x\r\n", 5);
	}
	memcpy(want + 3000 * 5, ".\r\n", 4);
	write_all(h, in, n, 1000);
	LM_CHECK_EQ(lm_smtp_body_end(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	{
		const char *s = sent(h);
		LM_CHECK_EQ(strlen(s), 3000 * 5 + 3);
		LM_CHECK(strcmp(s, want) == 0);
	}
	free(in);
	free(want);
	h_free(h);
}

static void
t_bdat_backpressure(void)
{
	/* 4000 lines "line .x\n" through 512 bytes: several BDAT chunks, each
	 * answered before the next (no PIPELINING); data unstuffed. */
	size_t n = 4000 * 8, i, pos = 0, got = 0, chunks = 0;
	char *in = malloc(n), *want = malloc(4000 * 9 + 1), *data = malloc(4000 * 9 + 1);
	h_t *h = h_in_body(1, LM_SMTP_BUFSIZE_OUT_MIN);
	lm_smtp_event ev;
	const char *s;
	int last = 0;
	for (i = 0; i < 4000; i++) {
		memcpy(in + i * 8, ".line x\n", 8);
		memcpy(want + i * 9, ".line x\r\n", 9);
	}
	write_all(h, in, n, 4096);
	LM_CHECK_EQ(lm_smtp_body_end(&h->c), 0);
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "x", 1, &i), LM_ERR_BAD_STATE);
	for (i = 0; i < 1000; i++) {
		int r = nxt(h, &ev);
		if (r == LM_EVENT) {
			LM_CHECK(ev.cmd == LM_SMTP_CMD_BDAT || ev.cmd == LM_SMTP_CMD_BODY);
			if (ev.cmd == LM_SMTP_CMD_BODY)
				break;
			continue;
		}
		LM_CHECK_EQ(r, LM_WANT_READ);
		if (r != LM_WANT_READ)
			break;
		if (strstr(h->out, " LAST\r\n"))
			srv(h, "250 message ok\r\n");
		else
			srv(h, "250 chunk ok\r\n");
	}
	/* the whole output: parse the BDAT frames back */
	(void)s;
	s = h->out;
	/* write_all drained earlier chunks into h->out as well: all there */
	while (pos < h->nout && !last) {
		size_t len = 0;
		LM_CHECK(strncmp(s + pos, "BDAT ", 5) == 0);
		if (strncmp(s + pos, "BDAT ", 5))
			break;
		pos += 5;
		while (s[pos] >= '0' && s[pos] <= '9')
			len = len * 10 + (size_t)(s[pos++] - '0');
		if (!strncmp(s + pos, " LAST", 5)) {
			last = 1;
			pos += 5;
		}
		LM_CHECK(strncmp(s + pos, "\r\n", 2) == 0);
		pos += 2;
		LM_CHECK(len <= LM_SMTP_BUFSIZE_OUT_MIN);
		memcpy(data + got, s + pos, len);
		got += len;
		pos += len;
		chunks++;
	}
	LM_CHECK(last);
	LM_CHECK_EQ(pos, h->nout);
	LM_CHECK_EQ(got, 4000 * 9);
	LM_CHECK(memcmp(data, want, 4000 * 9) == 0);
	LM_CHECK(chunks > 60);
	free(in);
	free(want);
	free(data);
	h_free(h);
}

/* BDAT: after body_end() the LAST chunk waits for next() to frame it;
 * QUIT or NOOP queued in between went out before it (QUIT abandoned
 * the message). They are refused until it is framed, then QUIT waits
 * for the reply to the message as after a DATA body. */
static void
t_bdat_nothing_before_last(void)
{
	h_t *h = h_in_body(1, LM_SMTP_BUFSIZE_OUT);
	lm_smtp_event ev;
	size_t used;

	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "hello\n", 6, &used), 0);
	LM_CHECK_EQ(lm_smtp_body_end(&h->c), 0);
	LM_CHECK_EQ(lm_smtp_quit(&h->c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_noop(&h->c), LM_ERR_BAD_STATE);
	sent_is(h, "BDAT 7 LAST\r\nhello\r\n");
	LM_CHECK_EQ(lm_smtp_quit(&h->c), LM_ERR_BAD_STATE);   /* no pipelining */
	srv(h, "250 2.0.0 queued\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_BODY);
	LM_CHECK_EQ(lm_smtp_quit(&h->c), 0);
	sent_is(h, "QUIT\r\n");
	h_free(h);
}

static void
t_bdat_refused(void)
{
	h_t *h = h_in_body(1, LM_SMTP_BUFSIZE_OUT);
	lm_smtp_event ev;
	size_t used;
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "hello\n", 6, &used), 0);
	sent_is(h, "BDAT 7\r\nhello\r\n");
	srv(h, "552 5.3.4 message too big\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_BDAT);
	LM_CHECK_EQ(ev.code, 552);
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "more", 4, &used), LM_ERR_REFUSED);
	LM_CHECK_EQ(lm_smtp_body_end(&h->c), LM_ERR_REFUSED);
	LM_CHECK_EQ(lm_smtp_rset(&h->c), 0);
	sent_is(h, "RSET\r\n");
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	h_free(h);
}

/* BDAT with PIPELINING: a chunk refused while the next one is still
 * outstanding fails the transaction; RSET may be queued at once behind
 * that chunk (lm_smtp_body_write(): LM_ERR_REFUSED, "then
 * lm_smtp_rset()"). */
static void
t_bdat_refused_pipelined_rset(void)
{
	h_t *h = h_in_body_pl(1, LM_SMTP_BUFSIZE_OUT, 1);
	lm_smtp_event ev;
	size_t used;

	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "hello\n", 6, &used), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "more\n", 5, &used), 0);
	sent_is(h, "BDAT 7\r\nhello\r\nBDAT 6\r\nmore\r\n");
	srv(h, "552 5.3.4 message too big\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_BDAT);
	LM_CHECK_EQ(ev.code, 552);
	LM_CHECK_EQ(lm_smtp_rset(&h->c), 0);
	h_free(h);
}

/* An empty message in BDAT mode: nothing to end with CRLF
 * (lm_smtp_body_end() adds one only after an unterminated line), so the
 * whole message is "BDAT 0 LAST" (RFC 3030 2). */
static void
t_bdat_empty_body(void)
{
	h_t *h = h_in_body(1, LM_SMTP_BUFSIZE_OUT);

	LM_CHECK_EQ(lm_smtp_body_end(&h->c), 0);
	sent_is(h, "BDAT 0 LAST\r\n");
	h_free(h);
}

/* BDAT: while a framed chunk waits to be sent, lm_smtp_body_write()
 * takes nothing and returns 0 (*used 0: call lm_smtp_next()). */
static void
t_bdat_write_while_chunk_unsent(void)
{
	h_t *h = h_in_body(1, LM_SMTP_BUFSIZE_OUT_MIN);
	lm_smtp_event ev;
	char body[600];
	size_t used = 0, used2 = 1;

	memset(body, 'a', sizeof body);
	/* no command may go into the middle of a body */
	LM_CHECK_EQ(lm_smtp_noop(&h->c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, body, sizeof body, &used), 0);
	LM_CHECK(used > 0 && used < sizeof body);
	LM_CHECK_EQ(lm_smtp_next(&h->c, &ev), LM_WANT_WRITE);
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, body + used, sizeof body - used, &used2), 0);
	LM_CHECK_EQ(used2, 0);
	h_free(h);
}

/* Runs of empty lines (LF or CRLF) through the smallest output buffer,
 * from every alignment: each becomes CRLF, nothing is written past the
 * buffer (it sits against a guard page), and the end of data still
 * fits (lm_smtp_body_end(): "always fits"). */
static void
t_body_empty_lines(void)
{
	static const char *const eol[] = { "\n", "\r\n" };
	size_t e, k, i, n;
	char *in = malloc(4000), *want = malloc(4100);

	for (e = 0; e < 2; e++) {
		for (k = 0; k < 3; k++) {
			h_t *h = h_in_body(0, LM_SMTP_BUFSIZE_OUT_MIN);
			lm_smtp_event ev;
			size_t el = strlen(eol[e]);
			memset(in, 'x', k);
			memset(want, 'x', k);
			for (i = 0, n = k; i < 1200 / el; i++, n += el)
				memcpy(in + n, eol[e], el);
			for (i = 0; i < 1200 / el; i++)
				memcpy(want + k + 2 * i, "\r\n", 2);
			memcpy(want + k + 2 * i, ".\r\n", 4);
			write_all(h, in, n, 4096);
			LM_CHECK_EQ(lm_smtp_body_end(&h->c), 0);
			LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
			LM_CHECK_STRN(h->out, h->nout, want);
			h_free(h);
		}
	}
	free(in);
	free(want);
}

/* The end of data fits whatever the body left in the buffer
 * (lm_smtp_body_end(): "always fits"): bodies that end with a plain
 * byte or with a "." line (dot-stuffed) at every offset around the
 * smallest buffer's size, the buffer against a guard page. */
static void
t_body_end_at_buffer_edge(void)
{
	char in[600], want[700];
	size_t m, dot;

	for (dot = 0; dot < 2; dot++) {
		for (m = 480; m < 520; m++) {
			h_t *h = h_in_body(0, LM_SMTP_BUFSIZE_OUT_MIN);
			lm_smtp_event ev;
			size_t n = m, w = m;
			memset(in, 'x', m);
			memset(want, 'x', m);
			if (dot) {
				memcpy(in + n, "\n.", 2);
				n += 2;
				memcpy(want + w, "\r\n..", 4);
				w += 4;
			}
			memcpy(want + w, "\r\n.\r\n", 6);
			write_all(h, in, n, n);
			LM_CHECK_EQ(lm_smtp_noop(&h->c), LM_ERR_BAD_STATE);
			LM_CHECK_EQ(lm_smtp_body_end(&h->c), 0);
			LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
			LM_CHECK_STRN(h->out, h->nout, want);
			srv(h, "250 2.0.0 queued\r\n");
			LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
			LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_BODY);
			LM_CHECK_EQ(ev.index, 0);   /* not RCPT: 0 */
			h_free(h);
		}
	}
}

static void
t_misuse_leaves_state(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	size_t used = 99;
	h_t *h;

	o.require_tls = 0;
	h = h_new(&o);
	h_ready(h, "250-PIPELINING\r\n");
	LM_CHECK_EQ(lm_smtp_data(&h->c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "x@y.z", NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_body_end(&h->c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "x", 1, &used), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(used, 0);
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, NULL, 1, &used), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_smtp_tls_done(&h->c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_next(&h->c, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, NULL, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_smtp_set_tls_active(&h->c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(pending_out(h), 0);
	LM_CHECK_EQ(lm_smtp_last_error(&h->c), 0);
	/* the engine still works normally */
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), LM_ERR_BAD_STATE);
	sent_is(h, "MAIL FROM:<a@b.c>\r\n");
	h_free(h);
}

static void
t_requiretls(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_mail_params mp = LM_SMTP_MAIL_PARAMS_INIT;
	lm_smtp_event ev;
	h_t *h;

	mp.requiretls = 1;
	/* offered, but TLS is not active: RFC 8689 needs TLS */
	o.require_tls = 0;
	h = h_new(&o);
	h_ready(h, "250-REQUIRETLS\r\n");
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", &mp), LM_ERR_UNSUPPORTED);
	h_free(h);
	/* implicit TLS, offered */
	h = h_new(&o);
	LM_CHECK_EQ(lm_smtp_set_tls_active(&h->c), 0);
	h_ready(h, "250-REQUIRETLS\r\n");
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", &mp), 0);
	sent_is(h, "MAIL FROM:<a@b.c> REQUIRETLS\r\n");
	h_free(h);
	/* TLS but not offered */
	h = h_new(&o);
	LM_CHECK_EQ(lm_smtp_set_tls_active(&h->c), 0);
	h_ready(h, "");
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", &mp), LM_ERR_UNSUPPORTED);
	h_free(h);
	/* implicit TLS is declared before any byte arrives: a part of the
	 * greeting already received came in plaintext, and used to be
	 * taken as protected (as POP3 and IMAP refuse already) */
	h = h_new(&o);
	srv(h, "220 mx.exa");
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	LM_CHECK_EQ(lm_smtp_set_tls_active(&h->c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_smtp_tls_active(&h->c), 0);
	h_free(h);
}

static void
t_timeout_hint(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_event ev;
	size_t used;
	h_t *h;

	o.require_tls = 0;
	h = h_new(&o);
	LM_CHECK_EQ(lm_smtp_timeout_hint(&h->c), 300);     /* greeting */
	h_ready(h, "");
	LM_CHECK_EQ(lm_smtp_timeout_hint(&h->c), 0);       /* idle */
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	LM_CHECK_EQ(lm_smtp_timeout_hint(&h->c), 300);
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "d@e.f", NULL), 0);
	srv(h, "250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_data(&h->c), 0);
	LM_CHECK_EQ(lm_smtp_timeout_hint(&h->c), 120);     /* DATA initiation */
	srv(h, "354 go\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_timeout_hint(&h->c), 0);       /* the caller's turn */
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "x", 1, &used), 0);
	LM_CHECK_EQ(lm_smtp_timeout_hint(&h->c), 180);     /* data block */
	LM_CHECK_EQ(lm_smtp_body_end(&h->c), 0);
	LM_CHECK_EQ(lm_smtp_timeout_hint(&h->c), 600);     /* DATA termination */
	LM_CHECK_EQ(lm_smtp_timeout_hint(NULL), 0);
	h_free(h);
}

/* Deterministic random sessions: random replies (valid and not), random
 * commands, random chunking and EOF. Nothing may crash or over-read
 * (guard pages, ASan), next() must always settle, errors must stick. */
static unsigned long long rnd_state = 88172645463325252ULL;

static unsigned
rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

static void
t_random_sessions(void)
{
	static const char *const codes[] = {
		"220", "221", "235", "250", "251", "334", "354", "421", "450", "452",
		"500", "502", "503", "530", "535", "550", "554", "2x0", "999", "25"
	};
	static const char *const texts[] = {
		"ok", "2.1.0 fine", "5.1.1 nope", "PIPELINING", "CHUNKING", "STARTTLS",
		"AUTH PLAIN LOGIN", "SIZE 100", "SMTPUTF8", "DSN", "8BITMIME", "",
		"VXNlcm5hbWU6", "!!bad base64", "ENHANCEDSTATUSCODES", "x\ty\x01"
	};
	static const char *const bodies[] = {
		"a\n.\n", "\r.\r", ".", "\r\n.\r\n", "hello world\r\n", "..\r", "\n"
	};
	unsigned seen[8] = { 0 };
	int iter;
	for (iter = 0; iter < 3000; iter++) {
		lm_smtp_opts o = LM_SMTP_OPTS_INIT;
		lm_sasl_creds cr = LM_SASL_CREDS_INIT;
		lm_sasl sasl;
		h_t *h;
		int step, sticky = 0;

		o.require_tls = (int)rnd(2);
		o.use_pipelining = (int)rnd(2);
		o.use_chunking = (int)rnd(2);
		o.allow_plaintext_auth = (int)rnd(2);
		cr.user = "u";
		cr.password = "p";
		lm_sasl_init(&sasl, rnd(2) ? LM_SASL_PLAIN : LM_SASL_LOGIN, &cr);
		h = h_new_sized(&o, rnd(2) ? 64 + rnd(200) : LM_SMTP_BUFSIZE_IN,
		                LM_SMTP_BUFSIZE_OUT_MIN + rnd(4000));
		if (rnd(4) == 0)
			lm_smtp_set_tls_active(&h->c);
		for (step = 0; step < 100; step++) {
			lm_smtp_event ev;
			size_t used;
			int r, k;
			char line[300];
			switch (rnd(24)) {
			case 1: case 2: case 3: case 4:
			case 15: case 16: case 17: case 18: case 19: case 20: case 21:
				/* a plausible answer to the oldest command */
				switch (h->c.q_count ? h->c.q_cmd[h->c.q_head] : 0) {
				case LM_SMTP_CMD_GREETING: srv(h, "220 hi\r\n"); break;
				case LM_SMTP_CMD_EHLO:
					srv(h, rnd(5) ? "250-x\r\n250-PIPELINING\r\n250-CHUNKING\r\n"
					                "250-AUTH PLAIN LOGIN\r\n250-SMTPUTF8\r\n"
					                "250 STARTTLS\r\n" : "502 no\r\n");
					break;
				case LM_SMTP_CMD_DATA: srv(h, rnd(4) ? "354 go\r\n" : "554 no\r\n"); break;
				case LM_SMTP_CMD_AUTH:
					srv(h, rnd(2) ? "334 VXNlcm5hbWU6\r\n" : "235 ok\r\n");
					break;
				case LM_SMTP_CMD_STARTTLS: srv(h, "220 go\r\n"); break;
				case LM_SMTP_CMD_QUIT: srv(h, "221 bye\r\n"); break;
				case 0: break;
				default: srv(h, rnd(4) ? "250 ok\r\n" : "550 5.1.1 no\r\n"); break;
				}
				break;
			case 0:
				snprintf(line, sizeof line, "%s%c%s%s", codes[rnd(20)],
				         rnd(3) ? ' ' : '-', texts[rnd(16)],
				         rnd(8) ? "\r\n" : (rnd(2) ? "\n" : ""));
				srv(h, line);
				break;
			case 5: lm_smtp_ehlo(&h->c); break;
			case 6: lm_smtp_mail_from(&h->c, rnd(2) ? "a@b.c" : "", NULL); break;
			case 7: lm_smtp_rcpt_to(&h->c, rnd(2) ? "x@y.z" : "j\xc3\xb6@y.z", NULL); break;
			case 8: lm_smtp_data(&h->c); break;
			case 9: {
				const char *b = bodies[rnd(7)];
				lm_smtp_body_write(&h->c, b, strlen(b), &used);
				break;
			}
			case 10: lm_smtp_body_end(&h->c); break;
			case 11: rnd(2) ? lm_smtp_rset(&h->c) : lm_smtp_noop(&h->c); break;
			case 12: rnd(2) ? lm_smtp_starttls(&h->c) : lm_smtp_tls_done(&h->c); break;
			case 13: lm_smtp_auth(&h->c, &sasl); break;
			case 14: if (rnd(6) == 0) lm_smtp_recv_eof(&h->c); else lm_smtp_quit(&h->c); break;
			default: break;
			}
			for (k = 0; k < 2000; k++) {
				r = nxt(h, &ev);
				if (r != LM_EVENT)
					break;
				LM_CHECK(ev.text.len < LM_SMTP_LINE_MAX);
				if (ev.type < (int)(sizeof seen / sizeof seen[0]))
					seen[ev.type]++;
			}
			LM_CHECK(k < 2000);
			if (sticky) {
				LM_CHECK_EQ(r, sticky);
			} else if (r < 0 && lm_smtp_last_error(&h->c) != 0) {
				sticky = r;
				LM_CHECK_EQ(lm_smtp_last_error(&h->c), r);
			}
			LM_CHECK(r == LM_WANT_READ || r == LM_DONE || r < 0);
		}
		h_free(h);
		lm_sasl_free(&sasl);
	}
	/* the generator reaches every kind of event */
	for (iter = LM_SMTP_EV_GREETING; iter <= LM_SMTP_EV_CLOSED; iter++)
		LM_CHECK(seen[iter] > 0);
	if (getenv("LM_SMTP_VERBOSE"))
		for (iter = 1; iter < 8; iter++)
			printf("  %s: %u\n", lm_smtp_event_name((lm_smtp_event_type)iter), seen[iter]);
}

static void
t_pipelined_rset_after_refused_mail(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_event ev;
	h_t *h;

	o.require_tls = 0;
	h = h_new(&o);
	h_ready(h, "250-PIPELINING\r\n");
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	LM_CHECK_EQ(lm_smtp_rset(&h->c), 0);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), LM_ERR_BAD_STATE);
	srv(h, "550 refused\r\n250 reset\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_MAIL);
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_RSET);
	/* the old refusal does not spoil the new transaction */
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "d@e.f", NULL), 0);
	LM_CHECK_EQ(lm_smtp_data(&h->c), 0);
	sent_is(h, "MAIL FROM:<a@b.c>\r\nRSET\r\nMAIL FROM:<a@b.c>\r\n"
		                            "RCPT TO:<d@e.f>\r\nDATA\r\n");
	h_free(h);
}

/* A reply received before the end of data was sent answers nothing: a
 * 250 that came with the 354 (or during the body) must not become the
 * final reply to the "." written later, nor in BDAT mode to the LAST
 * chunk framed later (the message counted as sent before its end went
 * out). */
static void
t_body_reply_before_end_sent(void)
{
	lm_smtp_event ev;
	size_t used;
	h_t *h;
	int chunking;

	for (chunking = 0; chunking < 2; chunking++) {
		h = h_in_body(chunking, LM_SMTP_BUFSIZE_OUT);
		srv(h, "250 2.0.0 queued early\r\n");
		LM_CHECK_EQ(lm_smtp_body_write(&h->c, "hi\r\n", 4, &used), 0);
		LM_CHECK_EQ(lm_smtp_body_end(&h->c), 0);
		LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
		LM_CHECK(strstr(sent(h), chunking ? "BDAT 4 LAST\r\nhi\r\n" : "hi\r\n.\r\n") != NULL);
		h_free(h);
	}
	/* a 421 may overtake it: the server is closing, nothing accepted */
	h = h_in_body(0, LM_SMTP_BUFSIZE_OUT);
	srv(h, "421 4.3.2 shutting down\r\n");
	LM_CHECK_EQ(lm_smtp_body_end(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_BODY);
	LM_CHECK_EQ(ev.code, 421);
	h_free(h);
}

/* Any reply received before the command it would answer was queued (or,
 * in AUTH, before the client's latest response was) was sent before the
 * server could have read it: a sticky LM_ERR_PROTOCOL. Only a 421 may
 * come at any time. */
static void
t_reply_before_cmd_queued(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	lm_smtp_event ev;
	lm_sasl s;
	h_t *h;

	/* read with the greeting: no reply to the EHLO queued after it */
	h = h_new(NULL);
	srv(h, "220 hi\r\n250 ok\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_GREETING);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
	LM_CHECK(strstr(sent(h), "EHLO ") != NULL);
	h_free(h);

	/* a 421 is not a reply to anything: it may */
	h = h_new(NULL);
	srv(h, "220 hi\r\n421 4.3.2 closing\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.code, 421);
	LM_CHECK_EQ(lm_smtp_last_error(&h->c), 0);
	h_free(h);

	/* AUTH LOGIN: a challenge read with the EHLO reply answers no AUTH;
	 * the password challenge read with the user name challenge came
	 * before the user name was sent */
	o.require_tls = 0;
	o.allow_plaintext_auth = 1;
	cr.user = "alice";
	cr.password = "hunter2";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_LOGIN, &cr), 0);
	h = h_new(&o);
	srv(h, "220 hi\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "250-mx\r\n250 AUTH LOGIN\r\n334 VXNlcm5hbWU6\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);               /* 250-mx */
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_REPLY);
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
	LM_CHECK(strstr(sent(h), "YWxpY2U=") == NULL);   /* no user name sent */
	h_free(h);
	lm_sasl_free(&s);
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_LOGIN, &cr), 0);
	h = h_new(&o);
	h_ready(h, "250-AUTH LOGIN\r\n");
	LM_CHECK_EQ(lm_smtp_auth(&h->c, &s), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
	LM_CHECK(strstr(sent(h), "aHVudGVyMg==") == NULL);   /* no password */
	h_free(h);
	lm_sasl_free(&s);
}

/* "250-mx" after the greeting, the EHLO queued, then "250 PIPELINING":
 * no reply to the EHLO. pulled: lm_smtp_next() read the first line
 * before the EHLO was queued (nothing was outstanding), else it was
 * only buffered. */
static void
ehlo_after_first_line(int pulled)
{
	lm_smtp_event ev;
	h_t *h = h_new(NULL);
	srv(h, pulled ? "220 hi\r\n250-mx\r\n" : "220 hi\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	if (pulled)
		LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
	else
		srv(h, "250-mx\r\n");
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), pulled ? LM_ERR_PROTOCOL : 0);
	srv(h, "250 PIPELINING\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(lm_smtp_has_ext(&h->c, "PIPELINING"), 0);
	h_free(h);
}

/* A multi-line reply begins where its first line does: one whose first
 * line was received before the command was queued answers something
 * else, however late its last line comes; so does one whose first line
 * came while no command was outstanding (only a 421 may). */
static void
t_multiline_reply_before_cmd_queued(void)
{
	lm_smtp_event ev;
	h_t *h;

	ehlo_after_first_line(0);
	ehlo_after_first_line(1);

	/* a multi-line 421 may come at any time */
	h = h_new(NULL);
	srv(h, "220 hi\r\n421-going\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_REPLY_LINE);
	LM_CHECK_EQ(ev.code, 421);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), 0);
	srv(h, "421 4.3.2 down\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_REPLY);
	LM_CHECK_EQ(ev.code, 421);
	LM_CHECK_EQ(lm_smtp_last_error(&h->c), 0);
	h_free(h);
}

/* BDAT: the refusal of a chunk is the final reply to the message when
 * lm_smtp_body_end() was called but its LAST chunk could not be framed
 * yet (no pipelining: it waits for that chunk's reply); and a server
 * that refused a chunk cannot then accept the message. */
static void
t_bdat_refused_after_body_end(void)
{
	lm_smtp_event ev;
	size_t used;
	h_t *h;

	h = h_in_body(1, LM_SMTP_BUFSIZE_OUT);      /* no pipelining */
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "hello\n", 6, &used), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);    /* "BDAT 7" sent */
	LM_CHECK_EQ(lm_smtp_body_end(&h->c), 0);   /* LAST waits for its reply */
	srv(h, "552 5.3.4 message too big\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_REPLY);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_BODY);
	LM_CHECK_EQ(ev.code, 552);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	h_free(h);

	/* pipelined: chunk refused, LAST already out, then 250 for it */
	h = h_in_body_pl(1, LM_SMTP_BUFSIZE_OUT, 1);
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "hello\n", 6, &used), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "x\n", 2, &used), 0);
	LM_CHECK_EQ(lm_smtp_body_end(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "554 5.6.0 bad chunk\r\n250 2.0.0 queued anyway\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_SMTP_CMD_BDAT);
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
	h_free(h);
}

static void
t_reset(void)
{
	h_t *h = h_new(NULL);
	lm_smtp_event ev;
	lm_smtp_client z;
	srv(h, "220 x\r\n250 unsolicited\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(nxt(h, &ev), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(lm_smtp_reset(&h->c), 0);
	LM_CHECK_EQ(lm_smtp_last_error(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	srv(h, "220 again\r\n");
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_GREETING);
	LM_CHECK_STRN(ev.text.p, ev.text.len, "again");
	/* options survive: the trace still runs */
	LM_CHECK(strstr(h->trace, "S: 220 again") != NULL);
	memset(&z, 0, sizeof z);
	LM_CHECK_EQ(lm_smtp_reset(&z), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_smtp_reset(NULL), LM_ERR_BAD_PARAM);
	h_free(h);
}

static void
t_names(void)
{
	LM_CHECK(strcmp(lm_smtp_cmd_name(LM_SMTP_CMD_RCPT), "RCPT") == 0);
	LM_CHECK(strcmp(lm_smtp_cmd_name(LM_SMTP_CMD_QUIT), "QUIT") == 0);
	LM_CHECK(strcmp(lm_smtp_cmd_name((lm_smtp_cmd)99), "?") == 0);
	LM_CHECK(strcmp(lm_smtp_cmd_name((lm_smtp_cmd)(LM_SMTP_CMD_QUIT + 1)), "?") == 0);
	LM_CHECK(strcmp(lm_smtp_event_name((lm_smtp_event_type)(LM_SMTP_EV_CLOSED + 1)), "?") == 0);
	LM_CHECK(strcmp(lm_smtp_event_name(LM_SMTP_EV_CLOSED), "CLOSED") == 0);
	LM_CHECK(strcmp(lm_smtp_event_name(LM_SMTP_EV_GREETING), "GREETING") == 0);
}

/* Server sends line; the next event is the final reply to cmd, with
 * ev.index idx. */
static void
reply_is(h_t *h, const char *line, lm_smtp_cmd cmd, unsigned idx)
{
	lm_smtp_event ev;
	srv(h, line);
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type == LM_SMTP_EV_REPLY || ev.type == LM_SMTP_EV_GREETING, 1);
	LM_CHECK_EQ(ev.cmd, cmd);
	LM_CHECK_EQ(ev.index, idx);
}

/* Ready, with PIPELINING, no TLS needed. */
static h_t *
h_pl(void)
{
	h_t *h = h_new(NULL);
	h_ready(h, "250-PIPELINING\r\n");
	return h;
}

/* ev.index is 0 for the replies to commands the engine queues itself:
 * the greeting, the HELO fallback, the "." after a DATA accepted with
 * no recipient left, and BDAT chunks. */
static void
t_index_zero_engine_cmds(void)
{
	h_t *h = h_new(NULL);
	size_t used;

	reply_is(h, "220 old.example.net\r\n", LM_SMTP_CMD_GREETING, 0);
	LM_CHECK_EQ(lm_smtp_ehlo(&h->c), 0);
	sent_is(h, "EHLO localhost\r\n");
	srv(h, "502 not implemented\r\n");
	sent_is(h, "HELO localhost\r\n");
	reply_is(h, "250 old.example.net\r\n", LM_SMTP_CMD_HELO, 0);
	h_free(h);

	/* RFC 2920 3.1: the only recipient refused, DATA accepted anyway:
	 * an empty message ends it; the session stays usable */
	h = h_pl();
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "d@e.f", NULL), 0);
	LM_CHECK_EQ(lm_smtp_data(&h->c), 0);
	sent_is(h, "MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n");
	reply_is(h, "250 ok\r\n", LM_SMTP_CMD_MAIL, 0);
	reply_is(h, "550 no such user\r\n", LM_SMTP_CMD_RCPT, 0);
	reply_is(h, "354 go\r\n", LM_SMTP_CMD_DATA, 0);
	sent_is(h, ".\r\n");
	reply_is(h, "554 no valid recipients\r\n", LM_SMTP_CMD_BODY, 0);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	sent_is(h, "MAIL FROM:<a@b.c>\r\n");
	h_free(h);

	h = h_in_body(1, LM_SMTP_BUFSIZE_OUT);
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "hi\r\n", 4, &used), 0);
	sent_is(h, "BDAT 4\r\nhi\r\n");
	reply_is(h, "250 chunk\r\n", LM_SMTP_CMD_BDAT, 0);
	LM_CHECK_EQ(lm_smtp_body_end(&h->c), 0);
	sent_is(h, "BDAT 0 LAST\r\n");
	reply_is(h, "250 queued\r\n", LM_SMTP_CMD_BODY, 0);
	h_free(h);
}

/* A refused MAIL ends its transaction once nothing of it is pending;
 * a NOOP pipelined behind it is not part of it, nor are stale entries
 * of the reply queue (it is a ring). */
static void
t_refused_mail_ends_tx(void)
{
	h_t *h = h_pl();
	int i;

	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "d@e.f", NULL), 0);
	LM_CHECK_EQ(lm_smtp_noop(&h->c), 0);
	sent_is(h, "MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nNOOP\r\n");
	reply_is(h, "550 no\r\n", LM_SMTP_CMD_MAIL, 0);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "x@b.c", NULL), LM_ERR_BAD_STATE);
	reply_is(h, "503 need MAIL\r\n", LM_SMTP_CMD_RCPT, 0);
	/* the transaction ended with its RCPT's reply, not the NOOP's */
	reply_is(h, "250 ok\r\n", LM_SMTP_CMD_NOOP, 0);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "x@b.c", NULL), 0);
	sent_is(h, "MAIL FROM:<x@b.c>\r\n");
	h_free(h);

	/* one round around the ring: the slot after the refused
	 * transaction's RCPT last held a RCPT */
	h = h_pl();     /* GREETING, EHLO: slots 0, 1 */
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "d@e.f", NULL), 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "g@e.f", NULL), 0);   /* slot 4 */
	LM_CHECK_EQ(lm_smtp_rset(&h->c), 0);
	sent_is(h, "MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nRCPT TO:<g@e.f>\r\nRSET\r\n");
	reply_is(h, "250 ok\r\n", LM_SMTP_CMD_MAIL, 0);
	reply_is(h, "250 ok\r\n", LM_SMTP_CMD_RCPT, 0);
	reply_is(h, "250 ok\r\n", LM_SMTP_CMD_RCPT, 1);
	reply_is(h, "250 reset\r\n", LM_SMTP_CMD_RSET, 0);
	for (i = 6; i < LM_SMTP_PIPELINE_MAX + 2; i++) {   /* slots 6..65 */
		LM_CHECK_EQ(lm_smtp_noop(&h->c), 0);
		sent_is(h, "NOOP\r\n");
		reply_is(h, "250 ok\r\n", LM_SMTP_CMD_NOOP, 0);
	}
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, "d@e.f", NULL), 0);
	sent_is(h, "MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\n");
	reply_is(h, "550 no\r\n", LM_SMTP_CMD_MAIL, 0);
	reply_is(h, "503 need MAIL\r\n", LM_SMTP_CMD_RCPT, 0);
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "x@b.c", NULL), 0);
	h_free(h);
}

/* An address of exactly len octets: "a@" and a domain of labels. */
static const char *
addr_of_len(char *buf, size_t len)
{
	size_t i;
	buf[0] = 'a';
	buf[1] = '@';
	for (i = 2; i < len; i++)
		buf[i] = (i % 10 == 0 && i + 1 < len) ? '.' : 'd';
	buf[len] = '\0';
	return buf;
}

/* A command that fills the output buffer to its last byte is queued;
 * one byte more is LM_ERR_BUFFER_TOO_SMALL. */
static void
t_output_exactly_full(void)
{
	h_t *h = h_new_sized(NULL, LM_SMTP_BUFSIZE_IN, LM_SMTP_BUFSIZE_OUT_MIN);
	char a1[300], a2[300], want[1024];
	/* "MAIL FROM:<a@b.c>\r\n" is 19, "RCPT TO:<" addr ">\r\n" 12 + addr */
	size_t l1 = 235, l2 = LM_SMTP_BUFSIZE_OUT_MIN - 19 - 24 - 235;

	h_ready(h, "250-PIPELINING\r\n");
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, addr_of_len(a1, l1), NULL), 0);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, addr_of_len(a2, l2 + 1), NULL),
	            LM_ERR_BUFFER_TOO_SMALL);
	LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, addr_of_len(a2, l2), NULL), 0);
	LM_CHECK_EQ(pending_out(h), LM_SMTP_BUFSIZE_OUT_MIN);
	snprintf(want, sizeof want, "MAIL FROM:<a@b.c>\r\nRCPT TO:<%s>\r\nRCPT TO:<%s>\r\n",
	         a1, a2);
	sent_is(h, want);
	h_free(h);
}

/* The capability queries take NULL (0, and an empty parameter). */
static void
t_ext_query_null(void)
{
	h_t *h = h_new(NULL);
	lm_slice p;

	h_ready(h, "250-SIZE 1000\r\n");
	LM_CHECK_EQ(lm_smtp_has_ext(&h->c, "SIZE"), 1);
	LM_CHECK_EQ(lm_smtp_has_ext(NULL, "SIZE"), 0);
	LM_CHECK_EQ(lm_smtp_has_ext(&h->c, NULL), 0);
	p.p = (const unsigned char *)"junk";
	p.len = 4;
	LM_CHECK_EQ(lm_smtp_ext_param(NULL, "SIZE", &p), 0);
	LM_CHECK_STRN(p.p, p.len, "");
	p.len = 4;
	LM_CHECK_EQ(lm_smtp_ext_param(&h->c, NULL, &p), 0);
	LM_CHECK_STRN(p.p, p.len, "");
	LM_CHECK_EQ(lm_smtp_ext_param(&h->c, "SIZE", &p), 1);
	LM_CHECK_STRN(p.p, p.len, "1000");
	h_free(h);
}

/* BDAT chunks are pipelined behind the envelope only while the reply
 * queue has room: with LM_SMTP_PIPELINE_MAX replies pending the next
 * chunk waits (RFC 3030 allows pipelining them, the engine's queue
 * bounds it). */
static void
t_bdat_waits_for_queue_room(void)
{
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_event ev;
	h_t *h;
	size_t used;
	int i;
	char a[32];

	o.require_tls = 0;
	o.use_chunking = 1;
	h = h_new(&o);
	h_ready(h, "250-CHUNKING\r\n250-PIPELINING\r\n");
	LM_CHECK_EQ(lm_smtp_mail_from(&h->c, "a@b.c", NULL), 0);
	for (i = 2; i < LM_SMTP_PIPELINE_MAX; i++) {   /* 62 recipients */
		snprintf(a, sizeof a, "r%d@b.c", i);
		LM_CHECK_EQ(lm_smtp_rcpt_to(&h->c, a, NULL), 0);
	}
	LM_CHECK_EQ(lm_smtp_data(&h->c), 0);
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_DATA_READY);
	sent(h);
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "a\r\n", 3, &used), 0);
	sent_is(h, "BDAT 3\r\na\r\n");      /* the 64th pending reply */
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "b\r\n", 3, &used), 0);
	sent_is(h, "");                     /* no room for a 65th */
	reply_is(h, "250 ok\r\n", LM_SMTP_CMD_MAIL, 0);
	sent_is(h, "BDAT 3\r\nb\r\n");
	h_free(h);
}

/* Zero-copy input: bytes written at lm_smtp_recv_buf() count once
 * acknowledged, in pieces too; NULL contexts are harmless. */
static void
t_recv_buf_ack(void)
{
	h_t *h = h_new(NULL);
	lm_smtp_event ev;
	unsigned char *p;
	size_t n = 1;

	LM_CHECK(lm_smtp_recv_buf(NULL, &n) == NULL);
	LM_CHECK_EQ(n, 0);
	lm_smtp_recv_ack(NULL, 3);
	p = lm_smtp_recv_buf(&h->c, &n);
	LM_CHECK(p != NULL && n >= 10);
	memcpy(p, "220 mx", 6);
	lm_smtp_recv_ack(&h->c, 6);
	LM_CHECK_EQ(nxt(h, &ev), LM_WANT_READ);
	p = lm_smtp_recv_buf(&h->c, &n);
	LM_CHECK(p != NULL && n >= 8);
	memcpy(p, " ready\r\n", 8);
	lm_smtp_recv_ack(&h->c, 8);
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_GREETING);
	LM_CHECK_STRN(ev.text.p, ev.text.len, "mx ready");
	h_free(h);
}

/* A 421 while BDAT data waits for the previous chunk's reply: the
 * waiting data is never framed (the server is closing). */
static void
t_421_during_bdat(void)
{
	h_t *h = h_in_body(1, LM_SMTP_BUFSIZE_OUT);     /* no pipelining */
	lm_smtp_event ev;
	size_t used;

	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "a\r\n", 3, &used), 0);
	sent_is(h, "BDAT 3\r\na\r\n");
	LM_CHECK_EQ(lm_smtp_body_write(&h->c, "b\r\n", 3, &used), 0);
	sent_is(h, "");                     /* waits for the chunk's reply */
	reply_is(h, "421 4.3.0 shutting down\r\n", LM_SMTP_CMD_BDAT, 0);
	sent_is(h, "");
	lm_smtp_recv_eof(&h->c);
	LM_CHECK_EQ(nxt(h, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_SMTP_EV_CLOSED);
	LM_CHECK_EQ(pending_out(h), 0);
	h_free(h);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_init_params),
		LM_TEST(t_nothing_before_greeting),
		LM_TEST(t_starttls_injection_same_read),
		LM_TEST(t_starttls_injection_later_read),
		LM_TEST(t_starttls_reply_before_sent),
		LM_TEST(t_caps_forgotten_after_tls),
		LM_TEST(t_no_starttls_offered),
		LM_TEST(t_addr_refused),
		LM_TEST(t_params_refused),
		LM_TEST(t_pipeline_limit),
		LM_TEST(t_pipelining_groups),
		LM_TEST(t_rset_noop_before_ehlo),
		LM_TEST(t_bdat_refused_pipelined_rset),
		LM_TEST(t_xtext_edges),
		LM_TEST(t_index_zero),
		LM_TEST(t_auth_ir_fills_buffer),
		LM_TEST(t_quoted_local_part),
		LM_TEST(t_addr_dsn_edges),
		LM_TEST(t_auth_again_after_starttls),
		LM_TEST(t_bdat_empty_body),
		LM_TEST(t_bdat_write_while_chunk_unsent),
		LM_TEST(t_body_empty_lines),
		LM_TEST(t_body_end_at_buffer_edge),
		LM_TEST(t_no_pipelining_waits),
		LM_TEST(t_helo_fallback_only_without_tls_required),
		LM_TEST(t_line_limit),
		LM_TEST(t_malformed_replies),
		LM_TEST(t_reply_lines_max),
		LM_TEST(t_caps_overflow),
		LM_TEST(t_enhanced_codes),
		LM_TEST(t_idn_and_utf8_addresses),
		LM_TEST(t_eof_handling),
		LM_TEST(t_unsolicited),
		LM_TEST(t_421_during_body),
		LM_TEST(t_auth_plaintext_refused),
		LM_TEST(t_auth_trace_redacted),
		LM_TEST(t_reset_wipes_unsent_auth),
		LM_TEST(t_auth_bad_base64),
		LM_TEST(t_auth_scram_success_data),
		LM_TEST(t_dot_stuffing_variants),
		LM_TEST(t_body_backpressure),
		LM_TEST(t_bdat_backpressure),
		LM_TEST(t_bdat_refused),
		LM_TEST(t_bdat_nothing_before_last),
		LM_TEST(t_misuse_leaves_state),
		LM_TEST(t_requiretls),
		LM_TEST(t_timeout_hint),
		LM_TEST(t_random_sessions),
		LM_TEST(t_pipelined_rset_after_refused_mail),
		LM_TEST(t_body_reply_before_end_sent),
		LM_TEST(t_reply_before_cmd_queued),
		LM_TEST(t_multiline_reply_before_cmd_queued),
		LM_TEST(t_bdat_refused_after_body_end),
		LM_TEST(t_reset),
		LM_TEST(t_names),
		LM_TEST(t_index_zero_engine_cmds),
		LM_TEST(t_refused_mail_ends_tx),
		LM_TEST(t_output_exactly_full),
		LM_TEST(t_ext_query_null),
		LM_TEST(t_bdat_waits_for_queue_room),
		LM_TEST(t_recv_buf_ack),
		LM_TEST(t_421_during_bdat),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
