/*
 * Unit tests of the POP3 engine, one or more per rule: STLS injection
 * (same read, later read), capabilities forgotten after TLS,
 * dot-unstuffing across chunk boundaries, EOF inside a body, argument
 * checks with nothing queued, number and UIDL validation, pipelining
 * bounds, response codes, line limits, bounded memory, trace
 * redaction, the APOP digest (RFC 1939 7 example).
 */
#include "test.h"
#include "libmail/pop3.h"
#include "libmail/core.h"

typedef struct {
	lm_pop3_client c;
	unsigned char ibuf[LM_POP3_BUFSIZE_IN];
	unsigned char obuf[LM_POP3_BUFSIZE_OUT];
	char out[8192];       /* client bytes sent so far */
	size_t nout;
	char data[1 << 16];   /* DATA bytes of the last body */
	size_t ndata;
	int n_data_end, n_reply, n_tls, n_auth, last_ok;
	int n_msg_nonzero;    /* REPLY/AUTH_DONE with ev.msg != 0 but no number */
	unsigned long stat_msg;
	uint64_t stat_size;
	lm_pop3_event last;
	char code[64], text[512];
} eng;

/* 1 if the NUL-terminated s occurs in p[0..n). */
static int
contains(const unsigned char *p, size_t n, const char *s)
{
	size_t i, k = strlen(s);
	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return 1;
	return 0;
}

static char trace_buf[8192];
static size_t trace_n;

static void
trace_cb(char dir, const char *line, size_t len, void *ud)
{
	(void)ud;
	if (trace_n + len + 2 < sizeof trace_buf) {
		trace_buf[trace_n++] = dir;
		memcpy(trace_buf + trace_n, line, len);
		trace_n += len;
		trace_buf[trace_n++] = '\n';
		trace_buf[trace_n] = 0;
	}
}

static void
eng_init_len(eng *e, int tls, int plaintext, size_t ilen, size_t olen)
{
	lm_pop3_opts o = LM_POP3_OPTS_INIT;
	memset(e, 0, sizeof *e);
	o.allow_plaintext_auth = plaintext;
	o.require_tls = !plaintext;
	o.trace = trace_cb;
	trace_n = 0;
	trace_buf[0] = 0;
	if (lm_pop3_init(&e->c, &o, e->ibuf, ilen ? ilen : sizeof e->ibuf,
	                 e->obuf, olen ? olen : sizeof e->obuf) != 0)
		abort();
	if (tls)
		lm_pop3_set_tls_active(&e->c);
}

/* ilen 0: the whole of e->ibuf. */
static void
eng_init(eng *e, int tls, int plaintext, size_t ilen)
{
	eng_init_len(e, tls, plaintext, ilen, 0);
}

/* Drive next() with no new input: drain output, record events.
 * Returns the last next() result (LM_WANT_READ, LM_DONE, error, or
 * LM_ERR_BAD_STATE while waiting for TLS). */
/* next(), with the output sent (appended to e->out) and acknowledged
 * on LM_WANT_WRITE: returns the first other result. */
static int
step(eng *e, lm_pop3_event *ev)
{
	for (;;) {
		int r = lm_pop3_next(&e->c, ev);
		if (r == LM_WANT_WRITE) {
			size_t n;
			const unsigned char *p = lm_pop3_send_buf(&e->c, &n);
			if (e->nout + n < sizeof e->out) {
				memcpy(e->out + e->nout, p, n);
				e->nout += n;
				e->out[e->nout] = 0;
			}
			lm_pop3_send_ack(&e->c, n);
			continue;
		}
		return r;
	}
}

/* Step to the next event, which must be of type t. */
static void
next_is(eng *e, lm_pop3_event *ev, lm_pop3_event_type t)
{
	LM_CHECK_EQ(step(e, ev), LM_EVENT);
	LM_CHECK_EQ(ev->type, t);
}

static int
pump(eng *e)
{
	for (;;) {
		lm_pop3_event ev;
		int r = step(e, &ev);
		if (r != LM_EVENT)
			return r;
		e->last = ev;
		/* ev.msg: "message number (STAT: count; LIST, UIDL, RETR,
		 * TOP, DELE items), else 0" */
		if ((ev.type == LM_POP3_EV_REPLY || ev.type == LM_POP3_EV_AUTH_DONE) &&
		    ev.msg != 0 && ev.cmd != LM_POP3_CMD_LIST &&
		    ev.cmd != LM_POP3_CMD_UIDL && ev.cmd != LM_POP3_CMD_RETR &&
		    ev.cmd != LM_POP3_CMD_TOP && ev.cmd != LM_POP3_CMD_DELE)
			e->n_msg_nonzero++;
		switch (ev.type) {
		case LM_POP3_EV_DATA:
			if (e->ndata + ev.data.len <= sizeof e->data) {
				memcpy(e->data + e->ndata, ev.data.p, ev.data.len);
				e->ndata += ev.data.len;
			}
			break;
		case LM_POP3_EV_STAT:
			e->stat_msg = ev.msg;
			e->stat_size = ev.size;
			break;
		case LM_POP3_EV_DATA_END:
			e->n_data_end++;
			break;
		case LM_POP3_EV_TLS_READY:
			e->n_tls++;
			break;
		case LM_POP3_EV_AUTH_DONE:
			e->n_auth++;
			e->last_ok = ev.ok;
			break;
		case LM_POP3_EV_REPLY:
			e->n_reply++;
			e->last_ok = ev.ok;
			snprintf(e->code, sizeof e->code, "%.*s", (int)ev.code.len,
			         (const char *)ev.code.p);
			snprintf(e->text, sizeof e->text, "%.*s", (int)ev.text.len,
			         (const char *)ev.text.p);
			break;
		default:
			break;
		}
	}
}

/* Feed s (all of it, pumping when the buffer is full), then pump. */
static int
feed(eng *e, const char *s, size_t n)
{
	size_t off = 0;
	int r = LM_WANT_READ;
	while (off < n) {
		size_t used = 0;
		r = lm_pop3_feed(&e->c, s + off, n - off, &used);
		if (r < 0)
			return r;
		off += used;
		r = pump(e);
		if (r < 0 && r != LM_ERR_BAD_STATE)
			return r;
		if (used == 0 && r != LM_WANT_READ)
			return r;
	}
	return pump(e);
}

static int
feeds(eng *e, const char *s)
{
	return feed(e, s, strlen(s));
}

/* Buffer s without running the engine (the caller steps it). */
static void
put(eng *e, const char *s)
{
	size_t used = 0;
	LM_CHECK_EQ(lm_pop3_feed(&e->c, s, strlen(s), &used), 0);
	LM_CHECK_EQ(used, strlen(s));
}

/* Greeting, then CAPA answered with the lines in caps ("X\r\nY\r\n"). */
static void
greet_capa(eng *e, const char *caps)
{
	char buf[512];
	LM_CHECK_EQ(feeds(e, "+OK hi\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_capa(&e->c), 0);
	snprintf(buf, sizeof buf, "+OK\r\n%s.\r\n", caps);
	LM_CHECK_EQ(feeds(e, buf), LM_WANT_READ);
	e->nout = 0;
}

/* Greeting, then a login with USER/PASS. */
static void
login(eng *e)
{
	LM_CHECK_EQ(feeds(e, "+OK ready\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_user_pass(&e->c, "u", "p"), 0);
	/* PASS goes out after the +OK to USER: its +OK comes later */
	LM_CHECK_EQ(feeds(e, "+OK\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(feeds(e, "+OK\r\n"), LM_WANT_READ);
	LM_CHECK(lm_pop3_authenticated(&e->c));
	e->nout = 0;
}

/* Greeting, CAPA with PIPELINING, login. */
static void
login_pipelined(eng *e)
{
	greet_capa(e, "PIPELINING\r\n");
	LM_CHECK_EQ(lm_pop3_user_pass(&e->c, "u", "p"), 0);
	LM_CHECK_EQ(feeds(e, "+OK\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(feeds(e, "+OK\r\n"), LM_WANT_READ);
	LM_CHECK(lm_pop3_pipelining(&e->c));
	e->nout = 0;
}

/* ------------------------------------------------------------------ */

static void
t_stls_injection_same_read(void)
{
	eng e;
	eng_init(&e, 0, 0, 0);
	feeds(&e, "+OK ready\r\n");
	LM_CHECK_EQ(lm_pop3_capa(&e.c), 0);
	feeds(&e, "+OK\r\nSTLS\r\n.\r\n");
	LM_CHECK_EQ(lm_pop3_stls(&e.c), 0);
	/* the +OK and a forged reply arrive in the same read */
	LM_CHECK_EQ(feeds(&e, "+OK Begin TLS\r\n+OK [fake]\r\n"), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(e.n_tls, 0);
	LM_CHECK_EQ(lm_pop3_last_error(&e.c), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(lm_pop3_tls_done(&e.c), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(lm_pop3_capa(&e.c), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(pump(&e), LM_ERR_PROTOCOL);
}

static void
t_stls_injection_later_read(void)
{
	eng e;
	lm_pop3_event ev;
	eng_init(&e, 0, 0, 0);
	feeds(&e, "+OK ready\r\n");
	lm_pop3_capa(&e.c);
	feeds(&e, "+OK\r\nSTLS\r\n.\r\n");
	LM_CHECK_EQ(lm_pop3_stls(&e.c), 0);
	LM_CHECK_EQ(feeds(&e, "+OK Begin TLS\r\n"), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(e.n_tls, 1);
	/* waiting for TLS is not an error */
	LM_CHECK_EQ(lm_pop3_last_error(&e.c), 0);
	LM_CHECK_EQ(lm_pop3_next(&e.c, &ev), LM_ERR_BAD_STATE);
	/* one plaintext byte before the handshake: sticky failure */
	LM_CHECK_EQ(feeds(&e, "X"), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(lm_pop3_tls_done(&e.c), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(lm_pop3_next(&e.c, &ev), LM_ERR_PROTOCOL);
}

/* A reply that arrived before STLS was even queued (in the same read as
 * the CAPA listing) answers nothing: it must not be taken for the +OK to
 * STLS. */
static void
t_stls_reply_before_sent(void)
{
	eng e;
	lm_pop3_event ev;
	static const char in[] = "+OK\r\nSTLS\r\n.\r\n+OK Begin TLS\r\n";
	size_t used = 0;
	int r;
	eng_init(&e, 0, 0, 0);
	feeds(&e, "+OK ready\r\n");
	LM_CHECK_EQ(lm_pop3_capa(&e.c), 0);
	LM_CHECK_EQ(pump(&e), LM_WANT_READ);
	e.nout = 0;
	LM_CHECK_EQ(lm_pop3_feed(&e.c, in, sizeof in - 1, &used), 0);
	LM_CHECK_EQ(used, sizeof in - 1);
	do {
		r = lm_pop3_next(&e.c, &ev);
		LM_CHECK_EQ(r, LM_EVENT);
	} while (r == LM_EVENT && ev.type != LM_POP3_EV_REPLY);
	LM_CHECK_EQ(ev.cmd, LM_POP3_CMD_CAPA);
	LM_CHECK_EQ(lm_pop3_stls(&e.c), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(pump(&e), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(e.n_tls, 0);
	LM_CHECK_EQ(e.nout, 0);
	LM_CHECK_EQ(lm_pop3_last_error(&e.c), LM_ERR_PROTOCOL);
}

static void
t_caps_reset_after_tls(void)
{
	eng e;
	lm_slice p;
	eng_init(&e, 0, 0, 0);
	feeds(&e, "+OK ready\r\n");
	LM_CHECK_EQ(lm_pop3_has_capa(&e.c, "STLS"), 0);   /* before CAPA */
	lm_pop3_capa(&e.c);
	feeds(&e, "+OK\r\nSTLS\r\nSASL PLAIN LOGIN\r\nPIPELINING\r\nuser\r\n.\r\n");
	LM_CHECK_EQ(lm_pop3_has_capa(&e.c, "stls"), 1);
	LM_CHECK_EQ(lm_pop3_has_capa(&e.c, "USER"), 1);
	LM_CHECK_EQ(lm_pop3_has_capa(&e.c, "SAS"), 0);
	LM_CHECK_EQ(lm_pop3_capa_param(&e.c, "SASL", &p), 1);
	LM_CHECK_STRN(p.p, p.len, "PLAIN LOGIN");
	LM_CHECK_EQ(lm_pop3_pipelining(&e.c), 1);
	LM_CHECK_EQ(lm_pop3_stls(&e.c), 0);
	feeds(&e, "+OK\r\n");
	LM_CHECK_EQ(lm_pop3_has_capa(&e.c, "SASL"), 0);
	LM_CHECK_EQ(lm_pop3_tls_done(&e.c), 0);
	LM_CHECK_EQ(lm_pop3_tls_active(&e.c), 1);
	LM_CHECK_EQ(lm_pop3_has_capa(&e.c, "STLS"), 0);
	LM_CHECK_EQ(lm_pop3_has_capa(&e.c, "PIPELINING"), 0);
	LM_CHECK_EQ(lm_pop3_pipelining(&e.c), 0);
	LM_CHECK_EQ(lm_pop3_capa_param(&e.c, "SASL", &p), 0);
	LM_CHECK_EQ(p.len, 0);
	/* CAPA again, over TLS */
	LM_CHECK_EQ(lm_pop3_capa(&e.c), 0);
	feeds(&e, "+OK\r\nSASL SCRAM-SHA-256\r\n.\r\n");
	LM_CHECK_EQ(lm_pop3_capa_param(&e.c, "SASL", &p), 1);
	LM_CHECK_STRN(p.p, p.len, "SCRAM-SHA-256");
	/* a -ERR to CAPA leaves no capabilities */
	lm_pop3_capa(&e.c);
	feeds(&e, "-ERR no\r\n");
	LM_CHECK_EQ(lm_pop3_has_capa(&e.c, "SASL"), 0);
}

/* Body with stuffed lines at every position; expected by hand. */
static const char body_in[] =
	"+OK\r\n"
	"..a\r\n"
	"b.c\r\n"
	"..\r\n"
	"...\r\n"
	". x\r\n"
	"..\r\n"
	"mid.dle .\r\n"
	".\r\n";
static const char body_out[] =
	".a\r\n"
	"b.c\r\n"
	".\r\n"
	"..\r\n"
	" x\r\n"
	".\r\n"
	"mid.dle .\r\n";

static void
t_dot_unstuffing_every_chunking(void)
{
	size_t n = sizeof body_in - 1, k, step;
	/* two pieces split at every offset */
	for (k = 1; k < n; k++) {
		eng e;
		eng_init(&e, 1, 1, 0);
		login(&e);
		LM_CHECK_EQ(lm_pop3_retr(&e.c, 3), 0);
		LM_CHECK_EQ(lm_pop3_noop(&e.c), LM_ERR_BAD_STATE);
		LM_CHECK_EQ(feed(&e, body_in, k), LM_WANT_READ);
		LM_CHECK_EQ(e.n_data_end, 0);
		LM_CHECK_EQ(feed(&e, body_in + k, n - k), LM_WANT_READ);
		/* the next command may go out only after the RETR reply */
		LM_CHECK_EQ(lm_pop3_noop(&e.c), 0);
		LM_CHECK_EQ(e.n_data_end, 1);
		LM_CHECK_EQ(e.ndata, sizeof body_out - 1);
		LM_CHECK_MEM(e.data, body_out, sizeof body_out - 1);
	}
	/* fixed chunk sizes, fed through a 64-byte input buffer */
	for (step = 1; step <= 9; step++) {
		eng e;
		eng_init(&e, 1, 1, 64);
		login(&e);
		lm_pop3_retr(&e.c, 3);
		for (k = 0; k < n; k += step)
			feed(&e, body_in + k, k + step <= n ? step : n - k);
		LM_CHECK_EQ(e.n_data_end, 1);
		LM_CHECK_EQ(e.ndata, sizeof body_out - 1);
		LM_CHECK_MEM(e.data, body_out, sizeof body_out - 1);
	}
}

static void
t_body_without_final_dot(void)
{
	static const char *const cuts[] = {
		"+OK\r\nline\r\n",           /* at a line start      */
		"+OK\r\nline\r\n.",          /* after a lone dot     */
		"+OK\r\nline\r\n.\r",        /* after ".\r"          */
		"+OK\r\nline\r\nhalf",       /* inside a line        */
		"+OK\r\n",                   /* right after +OK      */
		"+OK"                        /* inside the status    */
	};
	size_t i;
	for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		eng e;
		eng_init(&e, 1, 1, 0);
		login(&e);
		lm_pop3_retr(&e.c, 1);
		LM_CHECK_EQ(feeds(&e, cuts[i]), LM_WANT_READ);
		lm_pop3_recv_eof(&e.c);
		LM_CHECK_EQ(pump(&e), LM_ERR_EOF);
		LM_CHECK_EQ(e.n_data_end, 0);
		LM_CHECK_EQ(pump(&e), LM_ERR_EOF);   /* sticky */
		LM_CHECK_EQ(lm_pop3_quit(&e.c), LM_ERR_EOF);
	}
}

static void
t_args_refused_nothing_queued(void)
{
	static const char *const users[] = { "a b", "a\r\nQUIT", "a\n", "a\r", "", "a\tb", "a\x7f" };
	static const char *const passes[] = { "p\r\nDELE 1", "p\n", "p\r", "", "p\x01" };
	size_t i;
	char longs[300];
	eng e;

	memset(longs, 'x', sizeof longs - 1);
	longs[sizeof longs - 1] = 0;
	eng_init(&e, 1, 1, 0);
	feeds(&e, "+OK ready <1.2@host>\r\n");
	for (i = 0; i < sizeof users / sizeof users[0]; i++) {
		LM_CHECK_EQ(lm_pop3_user_pass(&e.c, users[i], "p"), LM_ERR_BAD_PARAM);
		LM_CHECK_EQ(lm_pop3_apop(&e.c, users[i], "p"), LM_ERR_BAD_PARAM);
	}
	for (i = 0; i < sizeof passes / sizeof passes[0]; i++)
		LM_CHECK_EQ(lm_pop3_user_pass(&e.c, "u", passes[i]), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, longs, "p"), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, "u", longs), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, NULL, "p"), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_apop(&e.c, "u", NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_pending(&e.c), 0);
	LM_CHECK_EQ(pump(&e), LM_WANT_READ);
	LM_CHECK_EQ(e.nout, 0);
	/* a space inside the password is allowed (RFC 1939 7) */
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, "u", "two words"), 0);
	feeds(&e, "+OK\r\n");
	LM_CHECK(strcmp(e.out, "USER u\r\nPASS two words\r\n") == 0);
	/* PASS is traced redacted */
	LM_CHECK(strstr(trace_buf, "two words") == NULL);
	LM_CHECK(strstr(trace_buf, "CPASS <redacted>") != NULL);
}

static void
t_plaintext_refused(void)
{
	eng e;
	lm_pop3_opts o = LM_POP3_OPTS_INIT;

	/* defaults: TLS required */
	eng_init(&e, 0, 0, 0);
	feeds(&e, "+OK <1.2@h>\r\n");
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, "u", "p"), LM_ERR_PLAINTEXT);
	LM_CHECK_EQ(lm_pop3_apop(&e.c, "u", "p"), LM_ERR_PLAINTEXT);
	/* no TLS required, but plaintext passwords not allowed: APOP ok */
	o.require_tls = 0;
	memset(&e, 0, sizeof e);
	lm_pop3_init(&e.c, &o, e.ibuf, sizeof e.ibuf, e.obuf, sizeof e.obuf);
	feeds(&e, "+OK <1.2@h>\r\n");
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, "u", "p"), LM_ERR_PLAINTEXT);
	LM_CHECK_EQ(e.nout, 0);
	LM_CHECK_EQ(lm_pop3_apop(&e.c, "u", "p"), 0);
	/* without a timestamp there is no APOP */
	memset(&e, 0, sizeof e);
	lm_pop3_init(&e.c, &o, e.ibuf, sizeof e.ibuf, e.obuf, sizeof e.obuf);
	feeds(&e, "+OK no stamp <>\r\n");
	LM_CHECK_EQ(lm_pop3_apop(&e.c, "u", "p"), LM_ERR_UNSUPPORTED);
}

/* The answer to a STAT, after one to an earlier STAT (prior, or none):
 * the engine keeps the status line in a buffer that the earlier one
 * filled, which must not show through. */
static int
stat_after(const char *prior, const char *line, unsigned long *msg, uint64_t *size)
{
	eng e;
	int r;
	eng_init(&e, 1, 1, 0);
	login(&e);
	if (prior != NULL) {
		lm_pop3_stat(&e.c);
		LM_CHECK_EQ(feeds(&e, prior), LM_WANT_READ);
	}
	lm_pop3_stat(&e.c);
	r = feeds(&e, line);
	*msg = e.stat_msg;
	*size = e.stat_size;
	return r;
}

static int
stat_answer(const char *line, unsigned long *msg, uint64_t *size)
{
	return stat_after(NULL, line, msg, size);
}

static void
t_numbers(void)
{
	unsigned long m;
	uint64_t s;
	LM_CHECK_EQ(stat_answer("+OK 9 999\r\n", &m, &s), LM_WANT_READ);
	LM_CHECK_EQ(m, 9);
	LM_CHECK(s == 999);
	LM_CHECK_EQ(stat_answer("+OK 1x2\r\n", &m, &s), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(stat_after("+OK 1 23\r\n", "+OK 1 2\r\n", &m, &s), LM_WANT_READ);
	LM_CHECK(s == 2);
	LM_CHECK_EQ(stat_after("+OK 1 23\r\n", "+OK 1 \r\n", &m, &s), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(stat_answer("+OK 2 320\r\n", &m, &s), LM_WANT_READ);
	LM_CHECK_EQ(m, 2);
	LM_CHECK(s == 320);
	LM_CHECK_EQ(stat_answer("+OK 1 18446744073709551615\r\n", &m, &s), LM_WANT_READ);
	LM_CHECK(s == UINT64_MAX);
	LM_CHECK_EQ(stat_answer("+OK 1 18446744073709551616\r\n", &m, &s), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(stat_answer("+OK 1 99999999999999999999\r\n", &m, &s), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(stat_answer("+OK 99999999999999999999 1\r\n", &m, &s), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(stat_answer("+OK -1 2\r\n", &m, &s), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(stat_answer("+OK 1  2\r\n", &m, &s), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(stat_answer("+OK 1\r\n", &m, &s), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(stat_answer("+OK\r\n", &m, &s), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(stat_answer("+OK 1 2x\r\n", &m, &s), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(stat_answer("+OK 0 0 extra words\r\n", &m, &s), LM_WANT_READ);
	LM_CHECK_EQ(stat_answer("-ERR [SYS/TEMP] later\r\n", &m, &s), LM_WANT_READ);

	{
		/* LIST items: message numbers >= 1, sizes within 64 bits,
		 * the single answer names the message asked for */
		static const char *const bad[] = {
			"+OK\r\n0 12\r\n.\r\n", "+OK\r\n1 18446744073709551616\r\n.\r\n",
			"+OK\r\n1\r\n.\r\n", "+OK\r\nx 1\r\n.\r\n", "+OK\r\n 1 1\r\n.\r\n"
		};
		size_t i;
		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			eng e;
			eng_init(&e, 1, 1, 0);
			login(&e);
			lm_pop3_list(&e.c, 0);
			LM_CHECK_EQ(feeds(&e, bad[i]), LM_ERR_PROTOCOL);
		}
		{
			eng e;
			eng_init(&e, 1, 1, 0);
			login(&e);
			lm_pop3_list(&e.c, 2);
			LM_CHECK_EQ(feeds(&e, "+OK 3 200\r\n"), LM_ERR_PROTOCOL);
		}
	}
}

static int
uidl_answer(const char *items)
{
	eng e;
	char buf[512];
	eng_init(&e, 1, 1, 0);
	login(&e);
	lm_pop3_uidl(&e.c, 0);
	snprintf(buf, sizeof buf, "+OK\r\n%s.\r\n", items);
	return feeds(&e, buf);
}

static void
t_uidl_values(void)
{
	char ok70[100], bad71[100];
	memcpy(ok70, "1 ", 2);
	memset(ok70 + 2, 'A', 70);
	memcpy(ok70 + 72, "\r\n", 3);
	memcpy(bad71, "1 ", 2);
	memset(bad71 + 2, 'A', 71);
	memcpy(bad71 + 73, "\r\n", 3);
	LM_CHECK_EQ(uidl_answer("1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(uidl_answer("1 !~\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(uidl_answer(ok70), LM_WANT_READ);
	LM_CHECK_EQ(uidl_answer(bad71), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(uidl_answer("1 \r\n"), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(uidl_answer("1\r\n"), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(uidl_answer("1xab\r\n"), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(uidl_answer("1 a b\r\n"), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(uidl_answer("1 a\x7f\r\n"), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(uidl_answer("1 \xc3\xa9\r\n"), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(uidl_answer("1 ../../etc\tx\r\n"), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(uidl_answer("0 a\r\n"), LM_ERR_PROTOCOL);
}

static void
t_pipelining_bounds(void)
{
	eng e;
	unsigned i;
	int r = 0;

	eng_init(&e, 1, 1, 0);
	login_pipelined(&e);
	e.n_reply = 0;
	for (i = 0; i < LM_POP3_PIPELINE_MAX; i++) {
		r = lm_pop3_dele(&e.c, i + 1);
		if (r)
			break;
	}
	LM_CHECK_EQ(r, 0);
	LM_CHECK_EQ(lm_pop3_pending(&e.c), LM_POP3_PIPELINE_MAX);
	LM_CHECK_EQ(lm_pop3_noop(&e.c), LM_ERR_LIMIT);
	LM_CHECK_EQ(lm_pop3_quit(&e.c), LM_ERR_LIMIT);
	/* answers come back in order and carry their message number */
	for (i = 0; i < LM_POP3_PIPELINE_MAX; i++)
		feeds(&e, i == 5 ? "-ERR [IN-USE] locked\r\n" : "+OK\r\n");
	LM_CHECK_EQ(e.n_reply, LM_POP3_PIPELINE_MAX);
	LM_CHECK_EQ(e.last.msg, LM_POP3_PIPELINE_MAX);
	LM_CHECK_EQ(lm_pop3_pending(&e.c), 0);
	/* a state-changing command cannot join a pipeline */
	LM_CHECK_EQ(lm_pop3_noop(&e.c), 0);
	LM_CHECK_EQ(lm_pop3_quit(&e.c), 0);
	LM_CHECK_EQ(lm_pop3_noop(&e.c), LM_ERR_BAD_STATE);
}

static void
t_response_codes(void)
{
	static const struct { const char *line, *code, *text; } v[] = {
		{ "-ERR [IN-USE] busy\r\n", "IN-USE", "busy" },
		{ "-ERR [LOGIN-DELAY] wait\r\n", "LOGIN-DELAY", "wait" },
		{ "-ERR [SYS/TEMP] t\r\n", "SYS/TEMP", "t" },
		{ "-ERR [SYS/PERM]\r\n", "SYS/PERM", "" },
		{ "-ERR [AUTH] bad\r\n", "AUTH", "bad" },
		{ "-ERR [A/B/C/D] deep\r\n", "A/B/C/D", "deep" },
		{ "-ERR [] empty\r\n", "", "[] empty" },
		{ "-ERR [/X] lead\r\n", "", "[/X] lead" },
		{ "-ERR [X/] trail\r\n", "", "[X/] trail" },
		{ "-ERR [A B] space\r\n", "", "[A B] space" },
		{ "-ERR no code [X]\r\n", "", "no code [X]" },
		{ "-ERR XY] no bracket\r\n", "", "XY] no bracket" },
		{ "-ERR [ABC\r\n", "", "[ABC" },
		{ "-ERR [A]\r\n", "A", "" },
		{ "-ERR [!] x\r\n", "!", "x" },
		{ "-ERR [A\x7f] x\r\n", "A\x7f", "x" },
		{ "+OK [X-OK] fine\r\n", "X-OK", "fine" },
		{ "-ERR [AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA] long\r\n", "",
		  "[AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA] long" },
		{ "-ERR [BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB] 63\r\n",
		  "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "63" }
	};
	size_t i;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		eng e;
		eng_init(&e, 1, 1, 0);
		login(&e);
		lm_pop3_noop(&e.c);
		LM_CHECK_EQ(feeds(&e, v[i].line), LM_WANT_READ);
		LM_CHECK_EQ(e.n_reply, 1);
		LM_CHECK(strcmp(e.code, v[i].code) == 0);
		LM_CHECK(strcmp(e.text, v[i].text) == 0);
	}
}

static void
t_status_lines(void)
{
	static const char *const bad[] = {
		"+ok\r\n", "OK\r\n", "+OKAY\r\n", "-ERROR x\r\n", "+OK\0x\r\n", "\r\n"
	};
	size_t i;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		eng e;
		eng_init(&e, 1, 1, 0);
		LM_CHECK_EQ(feed(&e, bad[i], i == 4 ? 7 : strlen(bad[i])), LM_ERR_PROTOCOL);
	}
	{
		/* an unsolicited line while nothing is outstanding */
		eng e;
		eng_init(&e, 1, 1, 0);
		login(&e);
		LM_CHECK_EQ(feeds(&e, "+OK surprise\r\n"), LM_ERR_PROTOCOL);
	}
}

static void
t_line_limits(void)
{
	char line[LM_POP3_LINE_MAX + 8];
	size_t n;
	eng e;

	/* a status line of exactly LM_POP3_LINE_MAX bytes with CRLF */
	n = LM_POP3_LINE_MAX;
	memset(line, 'a', n);
	memcpy(line, "+OK ", 4);
	memcpy(line + n - 2, "\r\n", 2);
	eng_init(&e, 1, 1, 0);
	LM_CHECK_EQ(feed(&e, line, n), LM_WANT_READ);
	LM_CHECK_EQ(e.last.type, LM_POP3_EV_GREETING);
	/* one more byte is too long */
	memset(line, 'a', n + 1);
	memcpy(line, "+OK ", 4);
	memcpy(line + n - 1, "\r\n", 2);
	eng_init(&e, 1, 1, 0);
	LM_CHECK_EQ(feed(&e, line, n + 1), LM_ERR_LINE_TOO_LONG);
	LM_CHECK_EQ(lm_pop3_capa(&e.c), LM_ERR_LINE_TOO_LONG);
	/* a small input buffer lowers the limit to its size */
	eng_init(&e, 1, 1, 64);
	memset(line, 'a', 70);
	memcpy(line, "+OK ", 4);
	memcpy(line + 68, "\r\n", 2);
	LM_CHECK_EQ(feed(&e, line, 70), LM_ERR_LINE_TOO_LONG);
	/* a CAPA line is bounded too, the body lines are not */
	eng_init(&e, 1, 1, 64);
	login(&e);
	lm_pop3_retr(&e.c, 1);
	{
		static char big[5000];
		memset(big, 'b', sizeof big);
		memcpy(big, "+OK\r\n", 5);
		memcpy(big + sizeof big - 5, "\r\n.\r\n", 5);
		LM_CHECK_EQ(feed(&e, big, sizeof big), LM_WANT_READ);
		LM_CHECK_EQ(e.n_data_end, 1);
		LM_CHECK_EQ(e.ndata, sizeof big - 5 - 3);
	}
}

/* 2 MB body through a 64-byte input buffer: the engine takes every
 * byte (it never stalls) and hands out exactly the body. */
static void
t_memory_bounded(void)
{
	static eng e;
	static char chunk[4096];
	size_t total = 0, i, want = 0;
	unsigned long sum = 0, wsum = 0;

	eng_init(&e, 1, 1, 64);
	login(&e);
	lm_pop3_retr(&e.c, 1);
	feeds(&e, "+OK\r\n");
	for (i = 0; i < sizeof chunk; i++)
		chunk[i] = (i % 100 == 99) ? '\n' : (i % 100 == 98) ? '\r' :
		           (i % 100 == 0) ? '.' : (char)('a' + i % 26);
	/* every line of the chunk starts with ".": one dot removed each */
	for (i = 0; i < 512; i++) {
		size_t k;
		e.ndata = 0;
		LM_CHECK_EQ(feed(&e, chunk, sizeof chunk), LM_WANT_READ);
		for (k = 0; k < e.ndata; k++)
			sum += (unsigned char)e.data[k];
		total += e.ndata;
	}
	for (i = 0; i < sizeof chunk; i++) {
		if (i % 100 == 0 && (i == 0 || chunk[i - 1] == '\n'))
			continue;
		wsum += (unsigned char)chunk[i];
		want++;
	}
	/* chunk ends mid-line (4096 % 100 = 96): the next chunk's first
	 * "." is inside a line and stays */
	LM_CHECK_EQ(total, want * 512 + 511);
	LM_CHECK_EQ(sum, wsum * 512 + 511UL * '.');
	e.ndata = 0;
	feeds(&e, "\r\n.\r\n");
	LM_CHECK_EQ(e.n_data_end, 1);
	LM_CHECK(sizeof(lm_pop3_client) < 8192);
}

static void
t_trace_redaction(void)
{
	eng e;
	lm_sasl s;
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;

	eng_init(&e, 1, 1, 0);
	feeds(&e, "+OK hi <9.9@h>\r\n");
	lm_pop3_apop(&e.c, "mrose", "tanstaaf");
	LM_CHECK(strstr(trace_buf, "CAPOP mrose <redacted>") != NULL);
	feeds(&e, "-ERR no\r\n");
	LM_CHECK_EQ(e.n_auth, 1);
	lm_pop3_capa(&e.c);
	feeds(&e, "+OK\r\nSASL PLAIN\r\n.\r\n");
	cr.user = "alice";
	cr.password = "Sekr1t";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), 0);
	LM_CHECK_EQ(lm_pop3_auth(&e.c, &s), 0);
	feeds(&e, "+OK\r\n");
	LM_CHECK(strstr(trace_buf, "CAUTH PLAIN <redacted>") != NULL);
	LM_CHECK(strstr(trace_buf, "AGFsaWNl") == NULL);
	LM_CHECK(strstr(e.out, "AUTH PLAIN AGFsaWNlAFNla3IxdA==\r\n") != NULL);
	/* the output buffer keeps no copy of the credentials */
	LM_CHECK(!contains(e.obuf, sizeof e.obuf, "AGFsaWNl"));
	LM_CHECK_EQ(e.last_ok, 1);
	lm_sasl_free(&s);

	/* an empty response (XOAUTH2's answer to an error challenge) goes
	 * out as a bare CRLF: the trace shows that line too, redacted */
	eng_init(&e, 1, 1, 0);
	feeds(&e, "+OK hi\r\n");
	lm_pop3_capa(&e.c);
	feeds(&e, "+OK\r\nSASL XOAUTH2\r\n.\r\n");
	cr.token = "ya29.tok";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_XOAUTH2, &cr), 0);
	LM_CHECK_EQ(lm_pop3_auth(&e.c, &s), 0);
	LM_CHECK_EQ(feeds(&e, "+ eyJzdGF0dXMiOiI0MDEifQ==\r\n"), LM_WANT_READ);
	LM_CHECK(strstr(e.out, "\r\n\r\n") != NULL);
	LM_CHECK(strstr(trace_buf, "S+ eyJzdGF0dXMiOiI0MDEifQ==\nC<redacted>\n") != NULL);
	lm_sasl_free(&s);
}

static void
t_auth_errors(void)
{
	eng e;
	lm_sasl s;
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;

	cr.user = "alice";
	cr.password = "pw";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_LOGIN, &cr), 0);
	eng_init(&e, 1, 1, 0);
	feeds(&e, "+OK\r\n");
	LM_CHECK_EQ(lm_pop3_auth(&e.c, &s), LM_ERR_UNSUPPORTED);   /* no CAPA */
	lm_pop3_capa(&e.c);
	feeds(&e, "+OK\r\nSASL PLAIN\r\n.\r\n");
	LM_CHECK_EQ(lm_pop3_auth(&e.c, &s), LM_ERR_NO_MECH);
	lm_pop3_capa(&e.c);
	feeds(&e, "+OK\r\nSASL LOGIN\r\n.\r\n");
	LM_CHECK_EQ(lm_pop3_auth(&e.c, &s), 0);
	LM_CHECK_EQ(lm_pop3_quit(&e.c), LM_ERR_BAD_STATE);   /* mid-AUTH */
	e.nout = 0;
	/* invalid base64 in a challenge: "*" goes out, then the error */
	LM_CHECK_EQ(feeds(&e, "+ VXNlcm5hbWU6=\r\n"), LM_ERR_PROTOCOL);
	LM_CHECK(strcmp(e.out, "AUTH LOGIN\r\n*\r\n") == 0);
	LM_CHECK(strstr(trace_buf, "CAUTH LOGIN\nS+ VXNlcm5hbWU6=\nC*\n") != NULL);
	lm_sasl_free(&s);
}

static void
t_apop_digest(void)
{
	char out[33];
	static const char ts[] = "<1896.697170952@dbc.mtview.ca.us>";
	static char big[3000];
	/* RFC 1939 7 example */
	LM_CHECK_EQ(lm_sasl_apop_digest(ts, sizeof ts - 1, "tanstaaf", out), 0);
	LM_CHECK(strcmp(out, "c4c9334bac560ecc979e58001b3e22fb") == 0);
	/* md5("<1.1@h>") computed with python3 hashlib */
	LM_CHECK_EQ(lm_sasl_apop_digest("<1.1@h>", 7, "", out), 0);
	LM_CHECK(strcmp(out, "e37c48dbbd0e8e4032707b428399b9cb") == 0);
	LM_CHECK_EQ(lm_sasl_apop_digest(NULL, 3, "x", out), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_sasl_apop_digest(ts, 0, "x", out), LM_ERR_BAD_PARAM);
	memset(big, 'a', sizeof big - 1);
	LM_CHECK_EQ(lm_sasl_apop_digest(ts, sizeof ts - 1, big, out), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(out[0], 0);
}

static void
t_states(void)
{
	eng e;
	static unsigned char small[32];
	lm_pop3_opts o = LM_POP3_OPTS_INIT;

	LM_CHECK_EQ(lm_pop3_init(&e.c, &o, small, sizeof small, e.obuf, sizeof e.obuf),
	            LM_ERR_BAD_PARAM);
	o.version = 2;
	LM_CHECK_EQ(lm_pop3_init(&e.c, &o, e.ibuf, sizeof e.ibuf, e.obuf, sizeof e.obuf),
	            LM_ERR_BAD_PARAM);
	eng_init(&e, 0, 1, 0);
	LM_CHECK_EQ(lm_pop3_capa(&e.c), LM_ERR_BAD_STATE);   /* no greeting */
	LM_CHECK_EQ(lm_pop3_quit(&e.c), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_pop3_set_tls_active(&e.c), 0);
	feeds(&e, "+OK\r\n");
	LM_CHECK_EQ(lm_pop3_set_tls_active(&e.c), LM_ERR_BAD_STATE);
	{
		/* not after a part of the greeting either (pop3.h) */
		eng f;
		eng_init(&f, 0, 1, 0);
		feeds(&f, "+OK hel");
		LM_CHECK_EQ(lm_pop3_set_tls_active(&f.c), LM_ERR_BAD_STATE);
		LM_CHECK_EQ(lm_pop3_tls_active(&f.c), 0);
		lm_pop3_free(&f.c);
	}
	LM_CHECK_EQ(lm_pop3_stat(&e.c), LM_ERR_BAD_STATE);   /* not logged in */
	LM_CHECK_EQ(lm_pop3_retr(&e.c, 1), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_pop3_stls(&e.c), LM_ERR_BAD_STATE);   /* TLS active */
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, "u", "p"), 0);
	feeds(&e, "+OK\r\n");
	feeds(&e, "+OK\r\n");
	e.nout = 0;
	LM_CHECK_EQ(lm_pop3_retr(&e.c, 0), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_dele(&e.c, 0), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_top(&e.c, 1, 0), 0);
	pump(&e);
	LM_CHECK(strcmp(e.out, "TOP 1 0\r\n") == 0);
	feeds(&e, "+OK\r\nH: v\r\n\r\n.\r\n");
	LM_CHECK_EQ(e.n_data_end, 1);
	LM_CHECK_EQ(lm_pop3_list(&e.c, 4294967295UL), 0);
	pump(&e);
	LM_CHECK(strstr(e.out, "LIST 4294967295\r\n") != NULL);
	/* reset starts over */
	LM_CHECK_EQ(lm_pop3_reset(&e.c), 0);
	LM_CHECK_EQ(lm_pop3_authenticated(&e.c), 0);
	LM_CHECK_EQ(lm_pop3_tls_active(&e.c), 0);
	LM_CHECK_EQ(lm_pop3_pending(&e.c), 1);   /* the greeting */
	lm_pop3_free(&e.c);
	lm_pop3_free(NULL);
	LM_CHECK(strcmp(lm_pop3_cmd_name(LM_POP3_CMD_UIDL), "UIDL") == 0);
	LM_CHECK(strcmp(lm_pop3_event_name(LM_POP3_EV_DATA_END), "DATA_END") == 0);
}

/* QUIT's +OK commits the deletions (ev.committed): a +OK read before
 * QUIT was even sent (with the DELE reply, in the same read) is not
 * QUIT's, and must not report messages removed. */
static void
t_quit_reply_before_sent(void)
{
	eng e;
	lm_pop3_event ev;
	size_t used = 0;
	static const char two[] = "+OK deleted\r\n+OK bye\r\n";

	eng_init(&e, 1, 0, 0);
	login(&e);
	LM_CHECK_EQ(lm_pop3_dele(&e.c, 1), 0);
	LM_CHECK_EQ(pump(&e), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_feed(&e.c, two, sizeof two - 1, &used), 0);
	LM_CHECK_EQ(lm_pop3_next(&e.c, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.cmd, LM_POP3_CMD_DELE);
	LM_CHECK_EQ(lm_pop3_quit(&e.c), 0);
	e.n_reply = 0;
	LM_CHECK_EQ(pump(&e), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(e.n_reply, 0);

	/* sent first, then answered: committed */
	eng_init(&e, 1, 0, 0);
	login(&e);
	LM_CHECK_EQ(lm_pop3_dele(&e.c, 1), 0);
	LM_CHECK_EQ(feeds(&e, "+OK deleted\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_quit(&e.c), 0);
	LM_CHECK_EQ(feeds(&e, "+OK bye\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(e.last.cmd, LM_POP3_CMD_QUIT);
	LM_CHECK_EQ(e.last.committed, 1);
}

/* Any status line or "+" challenge received before the command it
 * would answer was queued (or, in AUTH, before the client's latest
 * response was) was sent before the server could have read it: a
 * sticky LM_ERR_PROTOCOL, whatever the command. */
static void
t_reply_before_cmd_queued(void)
{
	eng e;
	lm_pop3_event ev;
	lm_sasl s;
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	size_t used = 0;
	static const char greet2[] = "+OK hi\r\n+OK\r\n";
	static const char user2[] = "+OK\r\n+OK\r\n";
	static const char two_ch[] = "+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n";
	static const char list2[] = "+OK 2 messages\r\n1 100\r\n2 200\r\n.\r\n";
	static const char list_retr[] = "+OK\r\n1 100\r\n.\r\n+OK\r\nhi\r\n.\r\n";

	/* read with the greeting: no answer to the CAPA queued after it */
	eng_init(&e, 1, 0, 0);
	LM_CHECK_EQ(lm_pop3_feed(&e.c, greet2, sizeof greet2 - 1, &used), 0);
	LM_CHECK_EQ(lm_pop3_next(&e.c, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_POP3_EV_GREETING);
	LM_CHECK_EQ(lm_pop3_capa(&e.c), 0);
	LM_CHECK_EQ(pump(&e), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(e.n_reply, 0);

	/* PASS goes out after the +OK to USER: a +OK read with that one
	 * does not log in */
	eng_init(&e, 1, 0, 0);
	LM_CHECK_EQ(feeds(&e, "+OK hi\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, "u", "p"), 0);
	LM_CHECK_EQ(pump(&e), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_feed(&e.c, user2, sizeof user2 - 1, &used), 0);
	LM_CHECK_EQ(pump(&e), LM_ERR_PROTOCOL);
	LM_CHECK(strstr(e.out, "PASS p\r\n") != NULL);
	LM_CHECK_EQ(lm_pop3_authenticated(&e.c), 0);
	LM_CHECK_EQ(e.n_auth, 0);

	/* AUTH LOGIN: the password challenge read along with the user name
	 * challenge came before the user name was sent */
	eng_init(&e, 1, 0, 0);
	LM_CHECK_EQ(feeds(&e, "+OK hi\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_capa(&e.c), 0);
	LM_CHECK_EQ(feeds(&e, "+OK\r\nSASL LOGIN\r\n.\r\n"), LM_WANT_READ);
	cr.user = "alice";
	cr.password = "Sekr1t";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_LOGIN, &cr), 0);
	LM_CHECK_EQ(lm_pop3_auth(&e.c, &s), 0);
	LM_CHECK_EQ(pump(&e), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_feed(&e.c, two_ch, sizeof two_ch - 1, &used), 0);
	LM_CHECK_EQ(pump(&e), LM_ERR_PROTOCOL);
	LM_CHECK(strstr(e.out, "U2VrcjF0") == NULL);   /* no password sent */
	lm_sasl_free(&s);

	/* a multi-line response (its status line) read before its command
	 * was queued: nothing of it is reported */
	eng_init(&e, 1, 0, 0);
	login(&e);
	LM_CHECK_EQ(lm_pop3_feed(&e.c, list2, sizeof list2 - 1, &used), 0);
	LM_CHECK_EQ(lm_pop3_list(&e.c, 0), 0);
	LM_CHECK_EQ(pump(&e), LM_ERR_PROTOCOL);
	/* read along with the one before it, queued later (PIPELINING):
	 * the same */
	eng_init(&e, 1, 0, 0);
	LM_CHECK_EQ(feeds(&e, "+OK hi\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_capa(&e.c), 0);
	LM_CHECK_EQ(feeds(&e, "+OK\r\nPIPELINING\r\n.\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, "u", "p"), 0);
	LM_CHECK_EQ(feeds(&e, "+OK\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(feeds(&e, "+OK\r\n"), LM_WANT_READ);
	LM_CHECK(lm_pop3_authenticated(&e.c));
	LM_CHECK_EQ(lm_pop3_list(&e.c, 0), 0);
	LM_CHECK_EQ(pump(&e), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_feed(&e.c, list_retr, sizeof list_retr - 1, &used), 0);
	LM_CHECK_EQ(lm_pop3_retr(&e.c, 1), 0);
	LM_CHECK_EQ(pump(&e), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(e.last.cmd, LM_POP3_CMD_LIST);
	LM_CHECK_EQ(e.ndata, 0);
}

/* A NULL context is a bad argument for every command (caller misuse is
 * returned by the command), never a crash. */
static void
t_null_context(void)
{
	lm_sasl s;
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;

	cr.user = "u";
	cr.password = "p";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), 0);
	LM_CHECK_EQ(lm_pop3_capa(NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_stls(NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_tls_done(NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_set_tls_active(NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_auth(NULL, &s), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_user_pass(NULL, "u", "p"), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_apop(NULL, "u", "p"), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_stat(NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_list(NULL, 0), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_uidl(NULL, 1), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_retr(NULL, 1), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_top(NULL, 1, 0), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_dele(NULL, 1), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_rset(NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_noop(NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_quit(NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_utf8(NULL), LM_ERR_BAD_PARAM);
	lm_sasl_free(&s);
}

/* The trace shows every command out as sent; only PASS, the APOP digest
 * and AUTH payloads are redacted (lm_pop3_opts.trace). Replies to
 * commands without a message number carry ev.msg 0. */
static void
t_trace_and_msg_of_plain_commands(void)
{
	static const char *const want[] = {
		"CCAPA\n", "CSTLS\n", "CUTF8\n", "CUSER u\n", "CSTAT\n",
		"CLIST\n", "CLIST 2\n", "CUIDL\n", "CRETR 1\n", "CTOP 1 3\n",
		"CDELE 1\n", "CRSET\n", "CNOOP\n", "CQUIT\n"
	};
	size_t i;
	eng e;

	eng_init(&e, 0, 1, 0);
	feeds(&e, "+OK ready\r\n");
	LM_CHECK_EQ(lm_pop3_capa(&e.c), 0);
	feeds(&e, "+OK\r\nSTLS\r\nUTF8\r\n.\r\n");
	LM_CHECK_EQ(lm_pop3_stls(&e.c), 0);
	feeds(&e, "-ERR [SYS/TEMP] not now\r\n");
	LM_CHECK_EQ(lm_pop3_utf8(&e.c), 0);
	feeds(&e, "+OK UTF8 enabled\r\n");
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, "u", "p"), 0);
	feeds(&e, "+OK\r\n");
	feeds(&e, "+OK logged in\r\n");
	LM_CHECK(lm_pop3_authenticated(&e.c));
	LM_CHECK_EQ(lm_pop3_stat(&e.c), 0);
	feeds(&e, "+OK 2 300\r\n");
	LM_CHECK_EQ(lm_pop3_list(&e.c, 0), 0);
	feeds(&e, "+OK\r\n1 100\r\n2 200\r\n.\r\n");
	LM_CHECK_EQ(lm_pop3_list(&e.c, 2), 0);
	feeds(&e, "+OK 2 200\r\n");
	LM_CHECK_EQ(lm_pop3_uidl(&e.c, 0), 0);
	feeds(&e, "+OK\r\n1 a\r\n2 b\r\n.\r\n");
	LM_CHECK_EQ(lm_pop3_retr(&e.c, 1), 0);
	feeds(&e, "+OK\r\nhi\r\n.\r\n");
	LM_CHECK_EQ(lm_pop3_top(&e.c, 1, 3), 0);
	feeds(&e, "+OK\r\nhi\r\n.\r\n");
	LM_CHECK_EQ(lm_pop3_dele(&e.c, 1), 0);
	feeds(&e, "+OK\r\n");
	LM_CHECK_EQ(lm_pop3_rset(&e.c), 0);
	feeds(&e, "+OK\r\n");
	LM_CHECK_EQ(lm_pop3_noop(&e.c), 0);
	feeds(&e, "+OK\r\n");
	LM_CHECK_EQ(lm_pop3_quit(&e.c), 0);
	feeds(&e, "+OK bye\r\n");
	LM_CHECK_EQ(e.n_reply, 13);
	LM_CHECK_EQ(e.n_auth, 1);
	LM_CHECK_EQ(e.n_msg_nonzero, 0);
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (strstr(trace_buf, want[i]) == NULL)
			printf("  missing trace line %s", want[i]);
		LM_CHECK(strstr(trace_buf, want[i]) != NULL);
	}
}

/* RETR, TOP and DELE name a message (numbers start at 1, RFC 1939 5):
 * 0 is a bad argument and nothing is queued. */
static void
t_msg_zero_refused(void)
{
	eng e;
	eng_init(&e, 1, 1, 0);
	login(&e);
	LM_CHECK_EQ(lm_pop3_retr(&e.c, 0), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_top(&e.c, 0, 1), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_dele(&e.c, 0), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_pending(&e.c), 0);
	LM_CHECK_EQ(pump(&e), LM_WANT_READ);
	LM_CHECK_EQ(e.nout, 0);
}

/* A generator for the SCRAM nonce: not random, fine for a test. */
static int
fixed_rng(void *ud, unsigned char *buf, size_t n)
{
	(void)ud;
	memset(buf, 0x5a, n);
	return 0;
}

/* A mechanism that does not send its secret in clear (SCRAM) may run
 * without TLS when TLS is not required, even with plaintext passwords
 * refused (lm_pop3_auth(): LM_ERR_PLAINTEXT only for PLAIN, LOGIN,
 * XOAUTH2, OAUTHBEARER). */
static void
t_scram_without_tls(void)
{
	eng e;
	lm_sasl s;
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	lm_pop3_opts o = LM_POP3_OPTS_INIT;

	o.require_tls = 0;
	o.allow_plaintext_auth = 0;
	memset(&e, 0, sizeof e);
	LM_CHECK_EQ(lm_pop3_init(&e.c, &o, e.ibuf, sizeof e.ibuf, e.obuf, sizeof e.obuf), 0);
	feeds(&e, "+OK hi\r\n");
	lm_pop3_capa(&e.c);
	feeds(&e, "+OK\r\nSASL SCRAM-SHA-256 PLAIN\r\n.\r\n");
	cr.user = "user";
	cr.password = "pencil";
	cr.rng = fixed_rng;
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), 0);
	LM_CHECK_EQ(lm_pop3_auth(&e.c, &s), LM_ERR_PLAINTEXT);
	lm_sasl_free(&s);
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_SCRAM_SHA_256, &cr), 0);
	e.nout = 0;
	LM_CHECK_EQ(lm_pop3_auth(&e.c, &s), 0);
	LM_CHECK_EQ(pump(&e), LM_WANT_READ);
	LM_CHECK(strncmp(e.out, "AUTH SCRAM-SHA-256 ", 19) == 0);
	lm_sasl_free(&s);
}

/* RFC 5034 4: the initial response goes on the AUTH line when the line,
 * CRLF included, is at most 255 octets. XOAUTH2 with 180 bytes of
 * response: "AUTH XOAUTH2 " + 240 base64 + CRLF = 255 exactly; one byte
 * more and the response waits for the server's empty challenge. */
static void
t_auth_ir_255(void)
{
	char tok[200];
	size_t k;

	for (k = 155; k <= 156; k++) {
		eng e;
		lm_sasl s;
		lm_sasl_creds cr = LM_SASL_CREDS_INIT;
		/* "user=alice\1auth=Bearer " + tok + "\1\1" = 20 + 5 + k */
		memset(tok, 't', k);
		tok[k] = 0;
		cr.user = "alice";
		cr.token = tok;
		eng_init(&e, 1, 1, 0);
		feeds(&e, "+OK hi\r\n");
		lm_pop3_capa(&e.c);
		feeds(&e, "+OK\r\nSASL XOAUTH2\r\n.\r\n");
		LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_XOAUTH2, &cr), 0);
		e.nout = 0;
		LM_CHECK_EQ(lm_pop3_auth(&e.c, &s), 0);
		LM_CHECK_EQ(pump(&e), LM_WANT_READ);
		if (k == 155) {
			LM_CHECK_EQ(e.nout, 255);
			LM_CHECK(strncmp(e.out, "AUTH XOAUTH2 dXNlcj1hbGljZQFh", 29) == 0);
		} else {
			LM_CHECK(strcmp(e.out, "AUTH XOAUTH2\r\n") == 0);
		}
		lm_sasl_free(&s);
	}
}

/* USER and PASS take up to 240 bytes (lm_pop3_user_pass()); APOP's user
 * up to 215, so that the command stays within RFC 2449 4's 255 octets
 * ("APOP " user " " 32 hex digits CRLF). */
static void
t_arg_lengths(void)
{
	char a[300];
	eng e;

	memset(a, 'x', sizeof a);
	a[240] = 0;
	eng_init(&e, 1, 1, 0);
	feeds(&e, "+OK ready <1.2@host>\r\n");
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, a, "p"), 0);
	feeds(&e, "+OK\r\n");
	LM_CHECK_EQ(e.nout, 5 + 240 + 2 + 8);
	eng_init(&e, 1, 1, 0);
	feeds(&e, "+OK ready <1.2@host>\r\n");
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, "u", a), 0);
	feeds(&e, "+OK\r\n");
	LM_CHECK_EQ(e.nout, 8 + 5 + 240 + 2);
	a[240] = 'x';
	a[241] = 0;
	eng_init(&e, 1, 1, 0);
	feeds(&e, "+OK ready <1.2@host>\r\n");
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, a, "p"), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, "u", a), LM_ERR_BAD_PARAM);

	a[215] = 0;
	eng_init(&e, 1, 1, 0);
	feeds(&e, "+OK ready <1.2@host>\r\n");
	LM_CHECK_EQ(lm_pop3_apop(&e.c, a, "p"), 0);
	LM_CHECK_EQ(pump(&e), LM_WANT_READ);
	LM_CHECK_EQ(e.nout, 255);
	a[215] = 'x';
	a[216] = 0;
	eng_init(&e, 1, 1, 0);
	feeds(&e, "+OK ready <1.2@host>\r\n");
	LM_CHECK_EQ(lm_pop3_apop(&e.c, a, "p"), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_pop3_pending(&e.c), 0);
}

/* Items of +OK replies. LIST n and UIDL n answer on the status line:
 * one item (its text is not the status text), then the REPLY; an UIDL
 * n answer shorter than the one before it is read to its own end. LIST
 * without an argument may carry a response code like any other +OK. */
static void
t_item_events(void)
{
	eng e;
	lm_pop3_event ev;

	eng_init(&e, 1, 1, 0);
	login(&e);
	LM_CHECK_EQ(lm_pop3_list(&e.c, 1), 0);
	put(&e, "+OK 1 100\r\n");
	next_is(&e, &ev, LM_POP3_EV_LIST_ITEM);
	LM_CHECK_EQ(ev.ok, 1);
	LM_CHECK_EQ(ev.msg, 1);
	LM_CHECK(ev.size == 100);
	LM_CHECK_EQ(ev.text.len, 0);
	next_is(&e, &ev, LM_POP3_EV_REPLY);
	LM_CHECK_STRN(ev.text.p, ev.text.len, "1 100");

	LM_CHECK_EQ(lm_pop3_uidl(&e.c, 1), 0);
	LM_CHECK_EQ(feeds(&e, "+OK 1 abc\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_uidl(&e.c, 1), 0);
	put(&e, "+OK 1 ab\r\n");
	next_is(&e, &ev, LM_POP3_EV_UIDL_ITEM);
	LM_CHECK_STRN(ev.uid.p, ev.uid.len, "ab");
	LM_CHECK_EQ(pump(&e), LM_WANT_READ);

	LM_CHECK_EQ(lm_pop3_list(&e.c, 0), 0);
	put(&e, "+OK [X-INFO] 2 messages\r\n1 10\r\n.\r\n");
	next_is(&e, &ev, LM_POP3_EV_LIST_ITEM);
	LM_CHECK_EQ(ev.ok, 1);
	next_is(&e, &ev, LM_POP3_EV_REPLY);
	LM_CHECK_STRN(ev.code.p, ev.code.len, "X-INFO");
	LM_CHECK_STRN(ev.text.p, ev.text.len, "2 messages");

	/* a body: DATA slices, then DATA_END with no data */
	LM_CHECK_EQ(lm_pop3_retr(&e.c, 1), 0);
	put(&e, "+OK\r\nhi\r\n.\r\n");
	next_is(&e, &ev, LM_POP3_EV_DATA);
	LM_CHECK_EQ(ev.ok, 1);
	LM_CHECK_STRN(ev.data.p, ev.data.len, "hi\r\n");
	next_is(&e, &ev, LM_POP3_EV_DATA_END);
	LM_CHECK_EQ(ev.data.len, 0);
	LM_CHECK(ev.data.p != NULL);
}

/* A listing line that starts with a dot is dot-stuffed (RFC 1939 3):
 * one dot goes, and only "." alone ends the listing. Capabilities are
 * looked up NULL-safely; PIPELINING is only on when listed. */
static void
t_capa_listing(void)
{
	eng e;
	lm_pop3_event ev;
	lm_slice prm;

	eng_init(&e, 1, 1, 0);
	LM_CHECK_EQ(feeds(&e, "+OK hi\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_capa(&e.c), 0);
	put(&e, "+OK\r\n.X-DOT\r\nUSER\r\n.\r\n");
	next_is(&e, &ev, LM_POP3_EV_CAPA_LINE);
	LM_CHECK_STRN(ev.text.p, ev.text.len, "X-DOT");
	LM_CHECK_EQ(ev.ok, 1);
	LM_CHECK_EQ(pump(&e), LM_WANT_READ);
	LM_CHECK_EQ(e.n_reply, 1);
	LM_CHECK_EQ(lm_pop3_has_capa(&e.c, "X-DOT"), 1);
	LM_CHECK_EQ(lm_pop3_has_capa(&e.c, "USER"), 1);
	LM_CHECK_EQ(lm_pop3_has_capa(&e.c, NULL), 0);
	LM_CHECK_EQ(lm_pop3_has_capa(NULL, "USER"), 0);
	LM_CHECK_EQ(lm_pop3_capa_param(&e.c, NULL, &prm), 0);
	LM_CHECK_EQ(lm_pop3_capa_param(NULL, "USER", &prm), 0);
	LM_CHECK_EQ(prm.len, 0);
	/* no PIPELINING: one command at a time */
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, "u", "p"), 0);
	LM_CHECK_EQ(feeds(&e, "+OK\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(feeds(&e, "+OK\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_pipelining(&e.c), 0);
	LM_CHECK_EQ(lm_pop3_noop(&e.c), 0);
	LM_CHECK_EQ(lm_pop3_noop(&e.c), LM_ERR_BAD_STATE);
}

/* The APOP timestamp is the first "<" 1*printable ">" (RFC 1939 7):
 * "<a b>" and "<a DEL b>" are not msg-ids, the scan goes on. */
static void
t_apop_timestamp_scan(void)
{
	eng e;
	eng_init(&e, 1, 1, 0);
	LM_CHECK_EQ(feeds(&e, "+OK <a b> <a\x7f" "b> <1.2@h>\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(e.last.type, LM_POP3_EV_GREETING);
	LM_CHECK_STRN(e.last.apop.p, e.last.apop.len, "<1.2@h>");
	eng_init(&e, 1, 1, 0);
	LM_CHECK_EQ(feeds(&e, "+OK <a b>\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(e.last.apop.len, 0);
	LM_CHECK_EQ(lm_pop3_apop(&e.c, "u", "p"), LM_ERR_UNSUPPORTED);
}

/* Start an AUTH (mech, as alice with password Sekr1t or token tok)
 * after a CAPA listing SASL LOGIN XOAUTH2; e->out starts with it. */
static void
start_auth(eng *e, lm_sasl *s, lm_sasl_mech mech, const char *tok)
{
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	cr.user = "alice";
	cr.password = "Sekr1t";
	cr.token = tok;
	eng_init(e, 1, 1, 0);
	greet_capa(e, "SASL LOGIN XOAUTH2\r\n");
	LM_CHECK_EQ(lm_sasl_init(s, mech, &cr), 0);
	LM_CHECK_EQ(lm_pop3_auth(&e->c, s), 0);
	LM_CHECK_EQ(pump(e), LM_WANT_READ);
}

/* AUTH LOGIN: each response goes out redacted in the trace, and once
 * sent no copy stays in the output buffer; a +OK before the mechanism
 * is through (LOGIN: password not sent) is not a login. */
static void
t_auth_login_steps(void)
{
	eng e;
	lm_sasl s;

	start_auth(&e, &s, LM_SASL_LOGIN, NULL);
	LM_CHECK_EQ(feeds(&e, "+ VXNlcm5hbWU6\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(feeds(&e, "+ UGFzc3dvcmQ6\r\n"), LM_WANT_READ);
	LM_CHECK(strcmp(e.out, "AUTH LOGIN\r\nYWxpY2U=\r\nU2VrcjF0\r\n") == 0);
	LM_CHECK(strstr(trace_buf, "S+ UGFzc3dvcmQ6\nC<redacted>\n") != NULL);
	LM_CHECK(strstr(trace_buf, "U2VrcjF0") == NULL);
	LM_CHECK(!contains(e.obuf, sizeof e.obuf, "U2VrcjF0"));
	LM_CHECK_EQ(feeds(&e, "+OK\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(e.n_auth, 1);
	LM_CHECK_EQ(lm_pop3_authenticated(&e.c), 1);
	lm_sasl_free(&s);

	start_auth(&e, &s, LM_SASL_LOGIN, NULL);
	LM_CHECK_EQ(feeds(&e, "+ VXNlcm5hbWU6\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(feeds(&e, "+OK\r\n"), LM_ERR_SASL);
	LM_CHECK_EQ(lm_pop3_authenticated(&e.c), 0);
	LM_CHECK_EQ(e.n_auth, 0);
	lm_sasl_free(&s);
}

/* RFC 5034 4: an initial response too long for the AUTH line goes out
 * when the server sends an empty challenge, "+" or "+ "; the next
 * challenge is the mechanism's. A -ERR to the AUTH line drops the kept
 * response: the next AUTH answers its own challenges. */
static void
t_auth_ir_continuation(void)
{
	static const char *const empty[] = { "+\r\n", "+ \r\n" };
	char tok[200];
	size_t i;

	memset(tok, 't', 156);   /* see t_auth_ir_255: too long by one */
	tok[156] = 0;
	for (i = 0; i < 2; i++) {
		eng e;
		lm_sasl s;
		start_auth(&e, &s, LM_SASL_XOAUTH2, tok);
		LM_CHECK(strcmp(e.out, "AUTH XOAUTH2\r\n") == 0);
		LM_CHECK_EQ(feeds(&e, empty[i]), LM_WANT_READ);
		/* 181 bytes of response: 244 of base64 */
		LM_CHECK_EQ(e.nout, 14 + 244 + 2);
		LM_CHECK(strncmp(e.out + 14, "dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0", 32) == 0);
		LM_CHECK(strcmp(e.out + 14 + 244, "\r\n") == 0);
		/* XOAUTH2's error challenge: an empty response */
		LM_CHECK_EQ(feeds(&e, "+ eyJzdGF0dXMiOiI0MDEifQ==\r\n"), LM_WANT_READ);
		LM_CHECK(strcmp(e.out + 14 + 244, "\r\n\r\n") == 0);
		LM_CHECK_EQ(feeds(&e, "-ERR no\r\n"), LM_WANT_READ);
		LM_CHECK_EQ(e.n_auth, 1);
		LM_CHECK_EQ(e.last_ok, 0);
		lm_sasl_free(&s);
	}
	{
		eng e;
		lm_sasl s, l;
		lm_sasl_creds cr = LM_SASL_CREDS_INIT;
		start_auth(&e, &s, LM_SASL_XOAUTH2, tok);
		LM_CHECK_EQ(feeds(&e, "-ERR no\r\n"), LM_WANT_READ);
		LM_CHECK_EQ(e.n_auth, 1);
		cr.user = "alice";
		cr.password = "Sekr1t";
		LM_CHECK_EQ(lm_sasl_init(&l, LM_SASL_LOGIN, &cr), 0);
		LM_CHECK_EQ(lm_pop3_auth(&e.c, &l), 0);
		e.nout = 0;
		LM_CHECK_EQ(feeds(&e, "+ VXNlcm5hbWU6\r\n"), LM_WANT_READ);
		LM_CHECK(strcmp(e.out, "AUTH LOGIN\r\nYWxpY2U=\r\n") == 0);
		lm_sasl_free(&l);
		lm_sasl_free(&s);
	}
}

/* PASS and APOP lines hold secrets: once sent, and at free while not
 * sent yet, no copy stays in the caller's output buffer; nor does the
 * password stay in the context once PASS is sent or USER refused. */
static void
t_secrets_wiped(void)
{
	char dg[33];
	eng e;

	eng_init(&e, 1, 1, 0);
	LM_CHECK_EQ(feeds(&e, "+OK hi\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, "u", "Sekr1t"), 0);
	LM_CHECK_EQ(feeds(&e, "+OK\r\n"), LM_WANT_READ);
	LM_CHECK(strstr(e.out, "PASS Sekr1t\r\n") != NULL);
	LM_CHECK(strstr(trace_buf, "CPASS <redacted>\n") != NULL);
	LM_CHECK(!contains(e.obuf, sizeof e.obuf, "Sekr1t"));
	LM_CHECK(!contains((const unsigned char *)&e.c, sizeof e.c, "Sekr1t"));

	/* USER refused: the kept password goes */
	eng_init(&e, 1, 1, 0);
	LM_CHECK_EQ(feeds(&e, "+OK hi\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, "u", "Sekr1t"), 0);
	LM_CHECK(contains((const unsigned char *)&e.c, sizeof e.c, "Sekr1t"));
	LM_CHECK_EQ(feeds(&e, "-ERR no\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(e.n_auth, 1);
	LM_CHECK(!contains((const unsigned char *)&e.c, sizeof e.c, "Sekr1t"));

	/* PASS queued, never sent */
	eng_init(&e, 1, 1, 0);
	LM_CHECK_EQ(feeds(&e, "+OK hi\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_user_pass(&e.c, "u", "Sekr1t"), 0);
	LM_CHECK_EQ(pump(&e), LM_WANT_READ);
	put(&e, "+OK\r\n");
	{
		lm_pop3_event ev;
		LM_CHECK_EQ(lm_pop3_next(&e.c, &ev), LM_WANT_WRITE);
	}
	LM_CHECK(contains(e.obuf, sizeof e.obuf, "Sekr1t"));
	lm_pop3_free(&e.c);
	LM_CHECK(!contains(e.obuf, sizeof e.obuf, "Sekr1t"));

	eng_init(&e, 1, 1, 0);
	LM_CHECK_EQ(feeds(&e, "+OK <1896.697170952@dbc.mtview.ca.us>\r\n"), LM_WANT_READ);
	LM_CHECK_EQ(lm_pop3_apop(&e.c, "mrose", "tanstaaf"), 0);
	LM_CHECK_EQ(pump(&e), LM_WANT_READ);
	LM_CHECK(strcmp(e.out, "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n") == 0);
	memcpy(dg, "c4c9334bac560ecc979e58001b3e22fb", 33);
	LM_CHECK(!contains(e.obuf, sizeof e.obuf, dg));
}

/* The smallest output buffer is allowed, and a command fits when it
 * and its CRLF fill the room left exactly. */
static void
t_output_room_exact(void)
{
	eng e;
	int i;

	eng_init_len(&e, 1, 1, 0, LM_POP3_BUFSIZE_OUT_MIN);
	login_pipelined(&e);
	for (i = 0; i < 62; i++)
		LM_CHECK_EQ(lm_pop3_dele(&e.c, 1), 0);   /* 62 * 8 bytes */
	LM_CHECK_EQ(lm_pop3_dele(&e.c, 1234567890), LM_ERR_BUFFER_TOO_SMALL);
	LM_CHECK_EQ(lm_pop3_dele(&e.c, 123456789), 0);   /* the last 16 */
	LM_CHECK_EQ(lm_pop3_pending(&e.c), 63);
	LM_CHECK_EQ(pump(&e), LM_WANT_READ);
	LM_CHECK_EQ(e.nout, LM_POP3_BUFSIZE_OUT_MIN);
	LM_CHECK(strcmp(e.out + e.nout - 16, "DELE 123456789\r\n") == 0);
}

/* End of input with nothing outstanding closes the session only after
 * QUIT or a refusing greeting; anywhere else it is LM_ERR_EOF. */
static void
t_eof_phases(void)
{
	eng e;

	eng_init(&e, 1, 1, 0);
	login(&e);
	lm_pop3_recv_eof(&e.c);
	LM_CHECK_EQ(pump(&e), LM_ERR_EOF);
	LM_CHECK_EQ(lm_pop3_last_error(&e.c), LM_ERR_EOF);

	eng_init(&e, 1, 1, 0);
	LM_CHECK_EQ(feeds(&e, "-ERR go away\r\n"), LM_WANT_READ);
	lm_pop3_recv_eof(&e.c);
	LM_CHECK_EQ(pump(&e), LM_DONE);
	LM_CHECK_EQ(e.last.type, LM_POP3_EV_CLOSED);

	eng_init(&e, 1, 1, 0);
	login(&e);
	LM_CHECK_EQ(lm_pop3_quit(&e.c), 0);
	LM_CHECK_EQ(feeds(&e, "+OK bye\r\n"), LM_WANT_READ);
	lm_pop3_recv_eof(&e.c);
	LM_CHECK_EQ(pump(&e), LM_DONE);
	LM_CHECK_EQ(e.last.type, LM_POP3_EV_CLOSED);
}

/* Input through recv_buf()/recv_ack() (zero copy); the accessors with
 * a NULL context or out-of-range values. */
static void
t_recv_buf_and_accessors(void)
{
	eng e;
	size_t room = 0;
	unsigned char *b;

	eng_init(&e, 1, 1, 0);
	b = lm_pop3_recv_buf(&e.c, &room);
	LM_CHECK_EQ(room, sizeof e.ibuf);
	memcpy(b, "+OK hi\r\n", 8);
	lm_pop3_recv_ack(&e.c, 8);
	LM_CHECK_EQ(pump(&e), LM_WANT_READ);
	LM_CHECK_EQ(e.last.type, LM_POP3_EV_GREETING);
	lm_pop3_recv_ack(NULL, 8);
	LM_CHECK(lm_pop3_recv_buf(NULL, &room) == NULL);
	LM_CHECK_EQ(room, 0);
	LM_CHECK_EQ(lm_pop3_pending(NULL), 0);
	LM_CHECK_EQ(lm_pop3_pipelining(NULL), 0);
	LM_CHECK_EQ(lm_pop3_authenticated(NULL), 0);
	LM_CHECK_EQ(lm_pop3_last_error(NULL), LM_ERR_BAD_PARAM);
	LM_CHECK(strcmp(lm_pop3_cmd_name(LM_POP3_CMD_UTF8), "UTF8") == 0);
	LM_CHECK(strcmp(lm_pop3_cmd_name((lm_pop3_cmd)(LM_POP3_CMD_UTF8 + 1)), "?") == 0);
	LM_CHECK(strcmp(lm_pop3_event_name(LM_POP3_EV_CLOSED), "CLOSED") == 0);
	LM_CHECK(strcmp(lm_pop3_event_name((lm_pop3_event_type)(LM_POP3_EV_CLOSED + 1)), "?") == 0);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_stls_injection_same_read),
		LM_TEST(t_stls_injection_later_read),
		LM_TEST(t_stls_reply_before_sent),
		LM_TEST(t_caps_reset_after_tls),
		LM_TEST(t_dot_unstuffing_every_chunking),
		LM_TEST(t_body_without_final_dot),
		LM_TEST(t_args_refused_nothing_queued),
		LM_TEST(t_plaintext_refused),
		LM_TEST(t_numbers),
		LM_TEST(t_uidl_values),
		LM_TEST(t_pipelining_bounds),
		LM_TEST(t_response_codes),
		LM_TEST(t_status_lines),
		LM_TEST(t_line_limits),
		LM_TEST(t_memory_bounded),
		LM_TEST(t_trace_redaction),
		LM_TEST(t_auth_errors),
		LM_TEST(t_apop_digest),
		LM_TEST(t_states),
		LM_TEST(t_quit_reply_before_sent),
		LM_TEST(t_reply_before_cmd_queued),
		LM_TEST(t_null_context),
		LM_TEST(t_trace_and_msg_of_plain_commands),
		LM_TEST(t_msg_zero_refused),
		LM_TEST(t_scram_without_tls),
		LM_TEST(t_auth_ir_255),
		LM_TEST(t_arg_lengths),
		LM_TEST(t_item_events),
		LM_TEST(t_capa_listing),
		LM_TEST(t_apop_timestamp_scan),
		LM_TEST(t_auth_login_steps),
		LM_TEST(t_auth_ir_continuation),
		LM_TEST(t_secrets_wiped),
		LM_TEST(t_output_room_exact),
		LM_TEST(t_eof_phases),
		LM_TEST(t_recv_buf_and_accessors)
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
