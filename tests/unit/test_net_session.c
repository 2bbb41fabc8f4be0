/*
 * The blocking SMTP session driver and lm_alert_send() against a small
 * scripted SMTP server run in a child process on loopback (plaintext,
 * so these tests use the explicit plaintext option; TLS is covered by
 * test_net_tls and the interop/fake-server suites).
 *
 * The server's replies and rules are written here by hand from RFC 5321;
 * the checks compare what the server received and what the driver
 * reported against those rules.
 */
/* MAP_ANONYMOUS (used by test.h) is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "libmail/net.h"
#include "test.h"

/* ---- the scripted server --------------------------------------------- */

#define SRV_PIPELINING 0x01
#define SRV_CHUNKING   0x02
#define SRV_MAIL_550   0x04  /* MAIL FROM refused */
#define SRV_DATA_554   0x08  /* DATA refused */
#define SRV_NO_AUTH    0x10  /* EHLO without AUTH */
#define SRV_STARTTLS   0x20  /* EHLO offers STARTTLS (never used here) */
#define SRV_SLOW       0x40  /* every reply a byte at a time, 20 ms apart */

static char logpath[128];

typedef struct {
	int fd;
	char buf[65536];
	size_t len;
	FILE *log;
} srv;

static int
srv_fill(srv *s)
{
	ssize_t n;

	if (s->len == sizeof s->buf)
		return -1;
	n = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
	if (n <= 0)
		return -1;
	s->len += (size_t)n;
	return 0;
}

/* One CRLF line into out (without CRLF). */
static int
srv_line(srv *s, char *out, size_t cap)
{
	for (;;) {
		char *e = memchr(s->buf, '\n', s->len);
		if (e != NULL) {
			size_t n = (size_t)(e - s->buf) + 1, k = n - 1;
			if (k > 0 && s->buf[k - 1] == '\r')
				k--;
			if (k >= cap)
				k = cap - 1;
			memcpy(out, s->buf, k);
			out[k] = '\0';
			memmove(s->buf, s->buf + n, s->len - n);
			s->len -= n;
			return 0;
		}
		if (srv_fill(s) < 0)
			return -1;
	}
}

static int srv_slow;

static void
srv_say(srv *s, const char *t)
{
	size_t n = strlen(t);

	if (srv_slow) {
		for (; *t != '\0'; t++) {
			struct timespec ts = { 0, 20 * 1000000L };
			nanosleep(&ts, NULL);
			if (write(s->fd, t, 1) != 1)
				_exit(3);
		}
		return;
	}
	if (write(s->fd, t, n) != (ssize_t)n)
		_exit(3);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void
serve(int fd, unsigned flags)
{
	static srv s;
	char line[2048];
	int in_tx = 0;

	s.fd = fd;
	s.len = 0;
	srv_slow = (flags & SRV_SLOW) != 0;
	s.log = fopen(logpath, "w");
	if (s.log == NULL)
		_exit(2);
	srv_say(&s, "220 fake.test ESMTP ready\r\n");
	while (srv_line(&s, line, sizeof line) == 0) {
		fprintf(s.log, "C %s\n", line);
		fflush(s.log);
		if (strncmp(line, "EHLO ", 5) == 0) {
			srv_say(&s, "250-fake.test\r\n");
			if (flags & SRV_PIPELINING)
				srv_say(&s, "250-PIPELINING\r\n");
			if (flags & SRV_CHUNKING)
				srv_say(&s, "250-CHUNKING\r\n");
			if (flags & SRV_STARTTLS)
				srv_say(&s, "250-STARTTLS\r\n");
			if (!(flags & SRV_NO_AUTH))
				srv_say(&s, "250-AUTH LOGIN PLAIN\r\n");
			srv_say(&s, "250 ENHANCEDSTATUSCODES\r\n");
		} else if (strncmp(line, "AUTH PLAIN ", 11) == 0) {
			/* base64 of "\0joe\0good" (RFC 4648 by hand: AGpvZQBnb29k) */
			if (strcmp(line + 11, "AGpvZQBnb29k") == 0)
				srv_say(&s, "235 2.7.0 ok\r\n");
			else
				srv_say(&s, "535 5.7.8 bad credentials\r\n");
		} else if (strncmp(line, "MAIL FROM:", 10) == 0) {
			if (flags & SRV_MAIL_550) {
				srv_say(&s, "550 5.7.1 sender blocked\r\n");
			} else {
				in_tx = 1;
				srv_say(&s, "250 2.1.0 ok\r\n");
			}
		} else if (strncmp(line, "RCPT TO:", 8) == 0) {
			if (!in_tx)
				srv_say(&s, "503 5.5.1 need MAIL\r\n");
			else if (strstr(line, "bad") != NULL)
				srv_say(&s, "550 5.1.1 no such user\r\n");
			else if (strstr(line, "later") != NULL)
				srv_say(&s, "450 4.2.1 try later\r\n");
			else
				srv_say(&s, "250 2.1.5 ok\r\n");
		} else if (strcmp(line, "DATA") == 0) {
			int reject = 0;
			if (flags & SRV_DATA_554) {
				srv_say(&s, "554 5.3.0 no data today\r\n");
				continue;
			}
			srv_say(&s, "354 go\r\n");
			for (;;) {
				if (srv_line(&s, line, sizeof line) < 0)
					goto done;
				if (strcmp(line, ".") == 0)
					break;
				if (strstr(line, "REJECTME") != NULL)
					reject = 1;
				fprintf(s.log, "D %s\n", line);
			}
			fprintf(s.log, "END\n");
			fflush(s.log);
			in_tx = 0;
			srv_say(&s, reject ? "554 5.7.1 content refused\r\n"
			                   : "250 2.0.0 queued\r\n");
		} else if (strncmp(line, "BDAT ", 5) == 0) {
			unsigned long n = strtoul(line + 5, NULL, 10);
			while (s.len < n)
				if (srv_fill(&s) < 0)
					goto done;
			fprintf(s.log, "B %.*s\n", (int)n, s.buf);
			memmove(s.buf, s.buf + n, s.len - n);
			s.len -= n;
			if (ends_with(line, " LAST")) {
				fprintf(s.log, "END\n");
				in_tx = 0;
				srv_say(&s, "250 2.0.0 queued\r\n");
			} else {
				srv_say(&s, "250 2.0.0 chunk ok\r\n");
			}
			fflush(s.log);
		} else if (strcmp(line, "RSET") == 0) {
			in_tx = 0;
			srv_say(&s, "250 2.0.0 reset\r\n");
		} else if (strcmp(line, "NOOP") == 0) {
			srv_say(&s, "250 2.0.0 ok\r\n");
		} else if (strcmp(line, "QUIT") == 0) {
			srv_say(&s, "221 2.0.0 bye\r\n");
			break;
		} else {
			srv_say(&s, "500 5.5.2 what\r\n");
		}
	}
done:
	fprintf(s.log, "CLOSED\n");
	fclose(s.log);
}

static pid_t srv_pid;

/* Start the server; returns its port. */
static unsigned
start(unsigned flags)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0 ||
	    listen(lfd, 1) < 0)
		return 0;
	fflush(stdout);
	srv_pid = fork();
	if (srv_pid == 0) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			_exit(1);
		serve(fd, flags);
		close(fd);
		_exit(0);
	}
	close(lfd);
	return ntohs(sa.sin_port);
}

static void
finish(void)
{
	if (srv_pid > 0)
		waitpid(srv_pid, NULL, 0);
	srv_pid = 0;
}

/* The server's log as one string (static buffer). */
static const char *
srv_log(void)
{
	static char buf[65536];
	FILE *f = fopen(logpath, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f != NULL) {
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

/* ---- helpers ------------------------------------------------------- */

typedef struct {
	const char *p;
	size_t len, off;
	int fail_at;  /* return an error once off >= fail_at (if > 0) */
} body_src;

static int
body_read(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	body_src *b = ud;
	size_t n = b->len - b->off;

	*got = 0;
	if (b->fail_at > 0 && b->off >= (size_t)b->fail_at)
		return LM_ERR_CALLBACK;
	if (n > cap)
		n = cap;
	if (b->fail_at > 0 && b->off + n > (size_t)b->fail_at)
		n = (size_t)b->fail_at - b->off;
	memcpy(buf, b->p + b->off, n);
	b->off += n;
	*got = n;
	return 0;
}

static lm_smtp_session *
open_session(unsigned port, const char *user, const char *password,
             int plaintext, int *rc)
{
	lm_smtp_session_opts o = LM_SMTP_SESSION_OPTS_INIT;
	lm_smtp_session *s = NULL;
	static char url[64];

	snprintf(url, sizeof url, "smtp://127.0.0.1:%u", port);
	o.url = url;
	o.user = user;
	o.password = password;
	o.plaintext = plaintext;
	o.timeout_ms = 5000;
	o.helo_domain = "client.test";
	*rc = lm_smtp_session_new(&s, &o);
	if (*rc == 0)
		*rc = lm_smtp_session_connect(s);
	return s;
}

static const char body1[] =
	"From: a@x.test\r\nTo: b@y.test\r\nSubject: one\r\n\r\nfirst\r\n.dot line\r\n";

/* ---- tests --------------------------------------------------------- */

static void
t_session_two_messages(void)
{
	unsigned flags[2] = { SRV_PIPELINING, 0 };
	int k;

	for (k = 0; k < 2; k++) {
		unsigned port = start(flags[k]);
		const char *rc2[] = { "b@y.test", "c@y.test" };
		lm_smtp_message m = LM_SMTP_MESSAGE_INIT;
		lm_smtp_reply rr[2], fin;
		body_src b = { body1, sizeof body1 - 1, 0, 0 };
		lm_smtp_session *s;
		const char *log;
		int rc;

		s = open_session(port, "joe", "good", 1, &rc);
		LM_CHECK_EQ(rc, 0);
		m.from = "a@x.test";
		m.rcpt = rc2;
		m.nrcpt = 2;
		m.body = body_read;
		m.body_ud = &b;
		LM_CHECK_EQ(lm_smtp_session_send(s, &m, rr, &fin), 0);
		LM_CHECK_EQ(rr[0].code, 250);
		LM_CHECK_EQ(rr[1].code, 250);
		LM_CHECK_EQ(rr[1].enh_class, 2);
		LM_CHECK_EQ(rr[1].enh_detail, 5);
		LM_CHECK_EQ(fin.code, 250);
		LM_CHECK_STRN(fin.text, strlen(fin.text), "queued");
		/* second message on the same session */
		b.off = 0;
		m.nrcpt = 1;
		LM_CHECK_EQ(lm_smtp_session_send(s, &m, rr, &fin), 0);
		lm_smtp_session_free(s);
		finish();
		log = srv_log();
		LM_CHECK_EQ(count(log, "C MAIL FROM:<a@x.test>"), 2);
		LM_CHECK_EQ(count(log, "C RCPT TO:<c@y.test>"), 1);
		LM_CHECK_EQ(count(log, "END\n"), 2);
		/* dot-stuffed on the wire (the server logs raw lines) */
		LM_CHECK_EQ(count(log, "D ..dot line"), 2);
		LM_CHECK(strstr(log, "C QUIT") != NULL);
		LM_CHECK(strstr(log, "C AUTH PLAIN AGpvZQBnb29k") != NULL);
	}
}

static void
t_session_rcpt_refused_all_or_nothing(void)
{
	unsigned port = start(SRV_PIPELINING);
	const char *rc3[] = { "ok@y.test", "bad@y.test", "later@y.test" };
	lm_smtp_message m = LM_SMTP_MESSAGE_INIT;
	lm_smtp_reply rr[3], fin;
	body_src b = { body1, sizeof body1 - 1, 0, 0 };
	lm_smtp_session *s;
	const char *log;
	int rc;

	s = open_session(port, NULL, NULL, 1, &rc);
	LM_CHECK_EQ(rc, 0);
	m.from = "a@x.test";
	m.rcpt = rc3;
	m.nrcpt = 3;
	m.body = body_read;
	m.body_ud = &b;
	rc = lm_smtp_session_send(s, &m, rr, &fin);
	LM_CHECK_EQ(rc, LM_ERR_REFUSED);
	LM_CHECK_EQ(lm_net_err_class(rc), LM_NET_CLASS_REFUSED);
	LM_CHECK_EQ(rr[0].code, 250);
	LM_CHECK_EQ(rr[1].code, 550);
	LM_CHECK_EQ(rr[1].enh_subject, 1);
	LM_CHECK_STRN(rr[1].text, strlen(rr[1].text), "no such user");
	LM_CHECK_EQ(rr[2].code, 450);
	LM_CHECK_EQ(fin.code, 550);
	LM_CHECK(strstr(lm_smtp_session_error(s), "bad@y.test") != NULL);
	/* the session is still usable */
	b.off = 0;
	m.nrcpt = 1;
	LM_CHECK_EQ(lm_smtp_session_send(s, &m, rr, &fin), 0);
	lm_smtp_session_free(s);
	finish();
	log = srv_log();
	LM_CHECK_EQ(count(log, "C DATA"), 1);  /* only the second message */
	LM_CHECK_EQ(count(log, "END\n"), 1);
	LM_CHECK(strstr(log, "C RSET") != NULL);
}

static void
t_session_partial(void)
{
	unsigned port = start(0);
	const char *rc2[] = { "bad@y.test", "ok@y.test" };
	lm_smtp_message m = LM_SMTP_MESSAGE_INIT;
	lm_smtp_reply rr[2], fin;
	body_src b = { body1, sizeof body1 - 1, 0, 0 };
	lm_smtp_session *s;
	int rc;

	s = open_session(port, NULL, NULL, 1, &rc);
	LM_CHECK_EQ(rc, 0);
	m.from = "a@x.test";
	m.rcpt = rc2;
	m.nrcpt = 2;
	m.body = body_read;
	m.body_ud = &b;
	m.partial = 1;
	LM_CHECK_EQ(lm_smtp_session_send(s, &m, rr, &fin), 0);
	LM_CHECK_EQ(rr[0].code, 550);
	LM_CHECK_EQ(rr[1].code, 250);
	LM_CHECK_EQ(fin.code, 250);
	lm_smtp_session_free(s);
	finish();
	LM_CHECK_EQ(count(srv_log(), "END\n"), 1);
}

static void
t_session_mail_refused(void)
{
	unsigned port = start(SRV_PIPELINING | SRV_MAIL_550);
	const char *rc1[] = { "b@y.test" };
	lm_smtp_message m = LM_SMTP_MESSAGE_INIT;
	lm_smtp_reply fin;
	body_src b = { body1, sizeof body1 - 1, 0, 0 };
	lm_smtp_session *s;
	int rc;

	s = open_session(port, NULL, NULL, 1, &rc);
	LM_CHECK_EQ(rc, 0);
	m.from = "a@x.test";
	m.rcpt = rc1;
	m.nrcpt = 1;
	m.body = body_read;
	m.body_ud = &b;
	LM_CHECK_EQ(lm_smtp_session_send(s, &m, NULL, &fin), LM_ERR_REFUSED);
	LM_CHECK_EQ(fin.code, 550);
	LM_CHECK_EQ(fin.cmd, LM_SMTP_CMD_MAIL);
	LM_CHECK(strstr(lm_smtp_session_error(s), "MAIL FROM") != NULL);
	lm_smtp_session_free(s);
	finish();
	LM_CHECK_EQ(count(srv_log(), "C DATA"), 0);
}

static void
t_session_data_and_body_refused(void)
{
	unsigned port = start(SRV_DATA_554);
	const char *rc1[] = { "b@y.test" };
	lm_smtp_message m = LM_SMTP_MESSAGE_INIT;
	lm_smtp_reply fin;
	static const char rej[] = "Subject: x\r\n\r\nREJECTME\r\n";
	body_src b = { body1, sizeof body1 - 1, 0, 0 };
	lm_smtp_session *s;
	int rc;

	s = open_session(port, NULL, NULL, 1, &rc);
	LM_CHECK_EQ(rc, 0);
	m.from = "a@x.test";
	m.rcpt = rc1;
	m.nrcpt = 1;
	m.body = body_read;
	m.body_ud = &b;
	LM_CHECK_EQ(lm_smtp_session_send(s, &m, NULL, &fin), LM_ERR_REFUSED);
	LM_CHECK_EQ(fin.code, 554);
	LM_CHECK_EQ(fin.cmd, LM_SMTP_CMD_DATA);
	lm_smtp_session_free(s);
	finish();

	port = start(0);
	s = open_session(port, NULL, NULL, 1, &rc);
	LM_CHECK_EQ(rc, 0);
	b.p = rej;
	b.len = sizeof rej - 1;
	b.off = 0;
	LM_CHECK_EQ(lm_smtp_session_send(s, &m, NULL, &fin), LM_ERR_REFUSED);
	LM_CHECK_EQ(fin.code, 554);
	LM_CHECK_EQ(fin.cmd, LM_SMTP_CMD_BODY);
	LM_CHECK(strstr(lm_smtp_session_error(s), "content refused") != NULL);
	lm_smtp_session_free(s);
	finish();
}

static void
t_session_body_reader_fails(void)
{
	unsigned port = start(0);
	const char *rc1[] = { "b@y.test" };
	lm_smtp_message m = LM_SMTP_MESSAGE_INIT;
	body_src b = { body1, sizeof body1 - 1, 0, 20 };
	lm_smtp_session *s;
	const char *log;
	int rc;

	s = open_session(port, NULL, NULL, 1, &rc);
	LM_CHECK_EQ(rc, 0);
	m.from = "a@x.test";
	m.rcpt = rc1;
	m.nrcpt = 1;
	m.body = body_read;
	m.body_ud = &b;
	LM_CHECK_EQ(lm_smtp_session_send(s, &m, NULL, NULL), LM_ERR_CALLBACK);
	/* the session is unusable now */
	b.off = 0;
	b.fail_at = 0;
	LM_CHECK_EQ(lm_smtp_session_send(s, &m, NULL, NULL), LM_ERR_BAD_STATE);
	lm_smtp_session_free(s);
	finish();
	log = srv_log();
	/* no end of data: the server never took the message */
	LM_CHECK_EQ(count(log, "END\n"), 0);
	LM_CHECK(strstr(log, "CLOSED") != NULL);
}

static void
t_session_bdat(void)
{
	unsigned port = start(SRV_PIPELINING | SRV_CHUNKING);
	const char *rc1[] = { "b@y.test" };
	lm_smtp_message m = LM_SMTP_MESSAGE_INIT;
	lm_smtp_reply fin;
	body_src b = { body1, sizeof body1 - 1, 0, 0 };
	lm_smtp_session *s;
	const char *log;
	int rc;

	s = open_session(port, NULL, NULL, 1, &rc);
	LM_CHECK_EQ(rc, 0);
	m.from = "a@x.test";
	m.rcpt = rc1;
	m.nrcpt = 1;
	m.body = body_read;
	m.body_ud = &b;
	LM_CHECK_EQ(lm_smtp_session_send(s, &m, NULL, &fin), 0);
	LM_CHECK_EQ(fin.code, 250);
	lm_smtp_session_free(s);
	finish();
	log = srv_log();
	LM_CHECK(strstr(log, "BDAT") != NULL);
	LM_CHECK(strstr(log, ".dot line") != NULL);
	LM_CHECK(strstr(log, "..dot line") == NULL); /* no stuffing in BDAT */
	LM_CHECK_EQ(count(log, "END\n"), 1);
}

static void
t_session_auth(void)
{
	unsigned port = start(0);
	lm_smtp_session *s;
	int rc;

	s = open_session(port, "joe", "wrong", 1, &rc);
	LM_CHECK_EQ(rc, LM_ERR_AUTH);
	LM_CHECK(strstr(lm_smtp_session_error(s), "535") != NULL);
	LM_CHECK_EQ(lm_smtp_session_reply(s)->code, 535);
	lm_smtp_session_free(s);
	finish();

	/* credentials but no AUTH offered */
	port = start(SRV_NO_AUTH);
	s = open_session(port, "joe", "good", 1, &rc);
	LM_CHECK_EQ(rc, LM_ERR_UNSUPPORTED);
	lm_smtp_session_free(s);
	finish();

	/* forcing a mechanism the server does not offer */
	port = start(0);
	{
		lm_smtp_session_opts o = LM_SMTP_SESSION_OPTS_INIT;
		char url[64];
		snprintf(url, sizeof url, "smtp://joe@127.0.0.1:%u", port);
		o.url = url;
		o.password = "good";
		o.plaintext = 1;
		o.auth_mech = LM_SASL_SCRAM_SHA_256;
		o.timeout_ms = 5000;
		s = NULL;
		LM_CHECK_EQ(lm_smtp_session_new(&s, &o), 0);
		LM_CHECK_EQ(lm_smtp_session_connect(s), LM_ERR_NO_MECH);
		lm_smtp_session_free(s);
	}
	finish();
	LM_CHECK(strstr(srv_log(), "AUTH") == NULL);

	/* the URL's ;AUTH= names the only mechanism (RFC 5092 style) */
	port = start(0);
	{
		lm_smtp_session_opts o = LM_SMTP_SESSION_OPTS_INIT;
		char url[64];
		snprintf(url, sizeof url, "smtp://joe;AUTH=LOGIN@127.0.0.1:%u", port);
		o.url = url;
		o.password = "good";
		o.plaintext = 1;
		o.timeout_ms = 5000;
		s = NULL;
		LM_CHECK_EQ(lm_smtp_session_new(&s, &o), 0);
		/* the server answers LOGIN with 500: refused, no PLAIN fallback */
		LM_CHECK_EQ(lm_smtp_session_connect(s), LM_ERR_AUTH);
		lm_smtp_session_free(s);
	}
	finish();
	LM_CHECK(strstr(srv_log(), "C AUTH LOGIN") != NULL);
	LM_CHECK(strstr(srv_log(), "C AUTH PLAIN") == NULL);
}

static void
t_session_no_plaintext_without_asking(void)
{
	/* smtp:// without the plaintext option and without STARTTLS */
	unsigned port = start(SRV_PIPELINING);
	lm_smtp_session *s;
	const char *log;
	int rc;

	s = open_session(port, "joe", "good", 0, &rc);
	LM_CHECK_EQ(rc, LM_ERR_NO_STARTTLS);
	LM_CHECK_EQ(lm_net_err_class(rc), LM_NET_CLASS_SECURITY);
	lm_smtp_session_free(s);
	finish();
	log = srv_log();
	LM_CHECK(strstr(log, "AUTH") == NULL);
	LM_CHECK(strstr(log, "MAIL") == NULL);
}

static void
t_session_bad_params(void)
{
	lm_smtp_session_opts o = LM_SMTP_SESSION_OPTS_INIT;
	lm_smtp_session *s = (lm_smtp_session *)&s;

	LM_CHECK_EQ(lm_smtp_session_new(&s, &o), LM_ERR_BAD_PARAM);
	LM_CHECK(s == NULL);
	o.url = "imap://h";
	LM_CHECK_EQ(lm_smtp_session_new(&s, &o), LM_ERR_URL);
	o.url = "smtp://h h";
	LM_CHECK_EQ(lm_smtp_session_new(&s, &o), LM_ERR_URL);
	o.url = "smtp://h";
	o.version = 7;
	LM_CHECK_EQ(lm_smtp_session_new(&s, &o), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_smtp_session_connect(NULL), LM_ERR_BAD_PARAM);
	lm_smtp_session_free(NULL);
}

static void
t_session_connect_refused(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), rc;
	lm_smtp_session *s;

	/* a port nobody listens on */
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	LM_CHECK(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
	LM_CHECK(getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
	close(fd);
	s = open_session(ntohs(sa.sin_port), NULL, NULL, 1, &rc);
	LM_CHECK_EQ(rc, LM_ERR_CONNECT);
	LM_CHECK_EQ(lm_net_err_class(rc), LM_NET_CLASS_NETWORK);
	LM_CHECK(lm_smtp_session_error(s)[0] != '\0');
	lm_smtp_session_free(s);
}

/* The alert the tests send: joe/good over plaintext to port, from
 * sensor@x.test to the two addresses in to, errors into err. */
static void
alert_init(lm_alert *a, char *url, size_t urlcap, unsigned port,
           const char **to, char *err, size_t errcap)
{
	lm_alert init = LM_ALERT_INIT;

	*a = init;
	snprintf(url, urlcap, "smtp://joe@127.0.0.1:%u", port);
	a->url = url;
	a->password = "good";
	a->plaintext = 1;
	a->from = "sensor@x.test";
	a->to = to;
	a->nto = 2;
	a->text = "Sensor 4 reads 97 C.\n";
	a->errbuf = err;
	a->errcap = errcap;
}

static void
t_alert(void)
{
	unsigned port = start(SRV_PIPELINING);
	lm_alert a;
	const char *to[] = { "ops@y.test", "oncall@y.test" };
	static const unsigned char blob[] = { 0, 1, 2, 0xff, 'x' };
	char url[64], err[256];
	const char *log;

	alert_init(&a, url, sizeof url, port, to, err, sizeof err);
	a.subject = "Temp\xc3\xa9rature high";
	a.attach_name = "reading.bin";
	a.attach_data = blob;
	a.attach_len = sizeof blob;
	a.timeout_ms = 5000;
	LM_CHECK_EQ(lm_alert_send(&a), 0);
	LM_CHECK_EQ(err[0], 0);
	finish();
	log = srv_log();
	LM_CHECK(strstr(log, "C AUTH PLAIN AGpvZQBnb29k") != NULL);
	LM_CHECK(strstr(log, "C RCPT TO:<oncall@y.test>") != NULL);
	LM_CHECK(strstr(log, "D From: sensor@x.test") != NULL);
	LM_CHECK(strstr(log, "D To: ops@y.test, oncall@y.test") != NULL);
	/* non-ASCII subject: an RFC 2047 encoded word, never raw UTF-8 */
	LM_CHECK(strstr(log, "D Subject: =?") != NULL);
	LM_CHECK(strstr(log, "\xc3\xa9") == NULL);
	LM_CHECK(strstr(log, "D Message-ID: <") != NULL);
	LM_CHECK(strstr(log, "D Date: ") != NULL);
	LM_CHECK(strstr(log, "D MIME-Version: 1.0") != NULL);
	LM_CHECK(strstr(log, "Sensor 4 reads 97 C.") != NULL);
	LM_CHECK(strstr(log, "reading.bin") != NULL);
	/* base64 of 00 01 02 ff 78 is "AAEC/3g=" (RFC 4648, by hand) */
	LM_CHECK(strstr(log, "D AAEC/3g=") != NULL);
	LM_CHECK_EQ(count(log, "END\n"), 1);

	/* refused recipient: error text and class */
	port = start(0);
	snprintf(url, sizeof url, "smtp://127.0.0.1:%u", port);
	to[1] = "bad@y.test";
	a.attach_name = NULL;
	{
		int rc = lm_alert_send(&a);
		LM_CHECK_EQ(rc, LM_ERR_REFUSED);
		LM_CHECK(strstr(err, "bad@y.test") != NULL);
	}
	finish();
	LM_CHECK_EQ(count(srv_log(), "END\n"), 0);

	/* malformed description: nothing is sent */
	a.subject = "two\r\nlines";
	to[1] = "oncall@y.test";
	LM_CHECK_EQ(lm_alert_send(&a), LM_ERR_BAD_PARAM);
}

/* A server that answers a byte every 20 ms (each far within the 1 s
 * timeout): connecting takes about 2 s, sending about 1.5 s, so each
 * would fit a 3 s limit, but the alert's limit is for the whole call. */
static void
t_alert_call_timeout(void)
{
	unsigned port = start(SRV_SLOW);
	lm_alert a;
	const char *to[] = { "ops@y.test", "oncall@y.test" };
	char url[64], err[256];
	long long t0, dt;
	struct timespec ts;

	alert_init(&a, url, sizeof url, port, to, err, sizeof err);
	a.subject = "slow";
	a.timeout_ms = 1000;
	a.call_timeout_ms = 3000;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	LM_CHECK_EQ(lm_alert_send(&a), LM_ERR_TIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	dt = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - t0;
	LM_CHECK(dt >= 2900 && dt < 4000);
	LM_CHECK(strstr(err, "connection to 127.0.0.1 (") != NULL);
	LM_CHECK(strstr(err, "): the call's time limit (3000 ms) ran out") != NULL);
	finish();
	/* it got as far as the message, whose 250 never came in time */
	LM_CHECK(strstr(srv_log(), "C MAIL FROM:<sensor@x.test>") != NULL);
	LM_CHECK(strstr(srv_log(), "C QUIT") == NULL);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_session_two_messages),
		LM_TEST(t_session_rcpt_refused_all_or_nothing),
		LM_TEST(t_session_partial),
		LM_TEST(t_session_mail_refused),
		LM_TEST(t_session_data_and_body_refused),
		LM_TEST(t_session_body_reader_fails),
		LM_TEST(t_session_bdat),
		LM_TEST(t_session_auth),
		LM_TEST(t_session_no_plaintext_without_asking),
		LM_TEST(t_session_bad_params),
		LM_TEST(t_session_connect_refused),
		LM_TEST(t_alert),
		LM_TEST(t_alert_call_timeout),
	};
	char dir[] = "/tmp/lm-sess-XXXXXX";
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(logpath, sizeof logpath, "%s/server.log", dir);
	rc = lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
	unlink(logpath);
	rmdir(dir);
	return rc;
}
